/*
 * pcap-count.c - the benchmark floor: the cheapest way to read a capture.
 *
 * pcap_open_offline() then a pcap_next_ex() loop that counts packets and
 * wire bytes (pcap len) and nothing else.  conformd -r reads files through
 * the same libpcap calls, so this is what it would cost with no decoding,
 * no flow table and no outputs.  The loop is timed with CLOCK_MONOTONIC;
 * the output is the one line bench/run.sh parses for every tool:
 *
 *	packets=N bytes=B seconds=S pps=P
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <pcap/pcap.h>

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct timespec t0, t1;
	uint64_t packets = 0, bytes = 0;
	double secs;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-count FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		fprintf(stderr, "pcap-count: %s\n", errbuf);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->len;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcap-count: %s: packet %" PRIu64 ": %s\n", argv[1],
		    packets + 1, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("packets=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f pps=%.0f\n",
	    packets, bytes, secs, secs > 0 ? (double)packets / secs : 0.0);
	return 0;
}
