/*
 * pcapfile-count.c - the floor of conformd's own capture-file reader
 * (src/capture/pcapfile.c): open, then a pcapfile_next() loop in batches of 64
 * that counts packets and wire bytes and nothing else, as
 * bench/pcap-count.c does with libpcap's pcap_next_ex().  The output is the
 * same one line:
 *
 *	packets=N bytes=B seconds=S pps=P
 *
 * Build (from the source tree; needs only libpcap's <pcap/dlt.h>):
 *	cc -O2 -Iinclude -o bench/out/pcapfile-count bench/pcapfile-count.c src/capture/pcapfile.c
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "conformd/pcapfile.h"

#define BATCH	64

int
main(int argc, char **argv)
{
	struct capture_pkt v[BATCH];
	struct pcapfile *pf;
	struct timespec t0, t1;
	uint64_t packets = 0, bytes = 0;
	char err[512];
	double secs;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapfile-count FILE\n");
		return 2;
	}
	if (pcapfile_open(&pf, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "pcapfile-count: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = pcapfile_next(pf, v, BATCH, err, sizeof(err))) > 0) {
		packets += (uint64_t)n;
		for (int i = 0; i < n; i++)
			bytes += v[i].wirelen;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pcapfile_close(pf);
	if (n < 0) {
		fprintf(stderr, "pcapfile-count: %s\n", err);
		return 1;
	}
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("packets=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f pps=%.0f\n",
	    packets, bytes, secs, secs > 0 ? (double)packets / secs : 0.0);
	return 0;
}
