/*
 * pcapfile-equiv.c - compare conformd's capture-file reader (src/capture/pcapfile.c)
 * with libpcap's offline reader (pcap_next_ex, microsecond precision) on
 * each file named on the command line.  Test-only.
 *
 * For every packet libpcap delivers, the reader must deliver the same
 * captured length and bytes, the same link type, the wire length raised to
 * the captured length, and the same time in microseconds (classic pcap
 * seconds read unsigned, times before the epoch as 0, seconds clamped to
 * PCAPFILE_SEC_MAX: the documented differences of pcapfile.h).  Where
 * libpcap ends cleanly, the reader must end cleanly after as many packets;
 * where libpcap fails, the reader must fail at the same packet, except
 * where libpcap refuses what the reader reads on purpose (a pcapng
 * interface of another link type or snapshot length), which is reported.
 * A file libpcap cannot open must not open either.
 *
 * One line per file: "same NAME: N packets" (exit 0 when every file is),
 * "DIFF NAME: ..." (exit 1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>

#include "conformd/pcapfile.h"

static int
same_file(const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE], err[512];
	struct capture_pkt v[1];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pcapfile *pf;
	pcap_t *pc;
	uint64_t n = 0;
	int classic, rv, got = 0, pfo;

	ebuf[0] = '\0';
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	pfo = pcapfile_open(&pf, path, err, sizeof(err));
	if (pc == NULL) {
		if (pfo == 0) {
			printf("DIFF %s: libpcap cannot open it (%s), pcapfile does\n", path, ebuf);
			pcapfile_close(pf);
			return 1;
		}
		printf("same %s: neither opens it (libpcap: %s; pcapfile: %s)\n", path, ebuf, err);
		return 0;
	}
	if (pfo != 0) {
		printf("DIFF %s: pcapfile cannot open it: %s\n", path, err);
		pcap_close(pc);
		return 1;
	}
	if (pcapfile_linktype(pf) != pcap_datalink(pc)) {
		printf("DIFF %s: link type %d, libpcap %d\n", path, pcapfile_linktype(pf),
		    pcap_datalink(pc));
		goto diff;
	}
	classic = pcap_major_version(pc) == 2;
	while ((rv = pcap_next_ex(pc, &h, &data)) == 1) {
		uint64_t ts, sec;
		uint32_t wl;

		n++;
		got = pcapfile_next(pf, v, 1, err, sizeof(err));
		if (got != 1) {
			printf("DIFF %s: packet %" PRIu64 ": pcapfile returned %d (%s)\n", path, n,
			    got, got < 0 ? err : "end");
			goto diff;
		}
		if (classic) {
			/* libpcap reads the 32-bit fields signed */
			ts = (uint64_t)(uint32_t)h->ts.tv_sec * 1000000u +
			    (uint32_t)h->ts.tv_usec % 1000000u;
		} else if (h->ts.tv_sec < 0) {
			ts = 0;
		} else {
			sec = (uint64_t)h->ts.tv_sec;
			if (sec > PCAPFILE_SEC_MAX)
				sec = PCAPFILE_SEC_MAX;
			ts = sec * 1000000u + (uint64_t)h->ts.tv_usec % 1000000u;
		}
		wl = h->len > h->caplen ? h->len : h->caplen;
		if (v[0].caplen != h->caplen || v[0].wirelen != wl || v[0].ts_usec != ts ||
		    v[0].linktype != pcap_datalink(pc) || v[0].num != n ||
		    memcmp(v[0].data, data, h->caplen) != 0) {
			printf("DIFF %s: packet %" PRIu64 ": caplen %u/%u wirelen %u/%u "
			    "ts %" PRIu64 "/%" PRIu64 " linktype %d/%d num %" PRIu64
			    " bytes %s (pcapfile/libpcap)\n", path, n, v[0].caplen, h->caplen,
			    v[0].wirelen, wl, v[0].ts_usec, ts, v[0].linktype, pcap_datalink(pc),
			    v[0].num, memcmp(v[0].data, data, h->caplen) ? "differ" : "same");
			goto diff;
		}
	}
	got = pcapfile_next(pf, v, 1, err, sizeof(err));
	if (rv == PCAP_ERROR_BREAK) {
		if (got != 0) {
			printf("DIFF %s: libpcap ends after %" PRIu64 " packets, pcapfile %s\n",
			    path, n, got > 0 ? "goes on" : err);
			goto diff;
		}
		printf("same %s: %" PRIu64 " packets\n", path, n);
	} else if (strstr(pcap_geterr(pc), "different from the type of the first") != NULL ||
	    strstr(pcap_geterr(pc), "different from the snapshot length of the first") != NULL) {
		if (got < 0) {
			printf("DIFF %s: packet %" PRIu64 ": libpcap: %s; pcapfile: %s\n", path,
			    n + 1, pcap_geterr(pc), err);
			goto diff;
		}
		printf("same %s: %" PRIu64 " packets, then libpcap stops (%s) where pcapfile "
		    "reads on\n", path, n, pcap_geterr(pc));
	} else {
		if (got >= 0) {
			printf("DIFF %s: packet %" PRIu64 ": libpcap fails (%s), pcapfile %s\n",
			    path, n + 1, pcap_geterr(pc), got ? "goes on" : "ends cleanly");
			goto diff;
		}
		printf("same %s: %" PRIu64 " packets, then both fail: libpcap: %s; pcapfile: %s\n",
		    path, n, pcap_geterr(pc), err);
	}
	pcap_close(pc);
	pcapfile_close(pf);
	return 0;
diff:
	pcap_close(pc);
	pcapfile_close(pf);
	return 1;
}

int
main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++)
		bad |= same_file(argv[i]);
	return bad;
}
