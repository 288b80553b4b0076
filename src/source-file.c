/*
 * source-file.c - pcap and pcapng files (and standard input) through
 * libpcap's offline reader.
 *
 * The link type is whatever the file says; a link type the decoders do
 * not know makes the file unusable rather than silently uncounted.  A read
 * error in the middle of a file (a truncated record, a corrupt block)
 * stops that file: everything before it has been processed, and the
 * message names the file and the number of the packet that could not be
 * read.
 */
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>

#include "conformd/decode.h"
#include "conformd/source.h"

int
source_file_run(const char *path, struct engine *e, uint64_t *packets, char *err,
    size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *pc;
	uint64_t n = 0;
	int dlt, rv, result = SOURCE_OK;

	*packets = 0;
	ebuf[0] = '\0';
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (pc == NULL) {
		snprintf(err, errlen, "%s: %s", path, ebuf[0] ? ebuf : "cannot open capture");
		return SOURCE_UNUSABLE;
	}
	dlt = pcap_datalink(pc);
	if (!decode_link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s: link type %d (%s) is not supported: "
		    "conformd reads Ethernet, Linux cooked (SLL, SLL2), raw IP and loopback captures",
		    path, dlt, name ? name : "unknown");
		pcap_close(pc);
		return SOURCE_UNUSABLE;
	}
	for (;;) {
		uint64_t ts;

		rv = pcap_next_ex(pc, &hdr, &data);
		if (rv == 1) {
			n++;
			/* Hostile files may carry any timestamp: clamp, never overflow. */
			ts = hdr->ts.tv_sec < 0 ? 0 :
			    (uint64_t)hdr->ts.tv_sec * 1000000u +
			    (uint64_t)(hdr->ts.tv_usec < 0 ? 0 : hdr->ts.tv_usec % 1000000);
			engine_frame(e, dlt, data, hdr->caplen, hdr->len, ts, n);
			continue;
		}
		if (rv == PCAP_ERROR_BREAK)
			break;		/* end of file */
		if (rv == 0)
			continue;	/* live timeouts only; cannot happen offline */
		snprintf(err, errlen, "%s: packet %llu: %s", path,
		    (unsigned long long)n + 1, pcap_geterr(pc));
		result = SOURCE_DAMAGED;
		break;
	}
	*packets = n;
	pcap_close(pc);
	return result;
}
