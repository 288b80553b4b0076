/*
 * engine-bench.c - the classifier alone: packets of a capture file held in
 * memory, fed to an engine with no outputs, through the fast path
 * (engine_frames, batches of 256) or the reference path (engine_frame one
 * by one).  No file reading and no threads, so time and instruction counts
 * are the classifier's own.
 *
 * usage: engine-bench [-m fast|ref|decode|none] [-n MAX_PACKETS] CONF FILE
 *   -m none: only walk the packets (the loop's own cost, for callgrind);
 *   -m decode: decode_fast() and the key hash only
 * Prints packets, seconds of the classify loop, Mpps, and flows created.
 * Build: bench/callgrind.sh builds it against the
 * build tree's libconformd.a (bench/README).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "conformd/capture.h"
#include "conformd/decode-fast.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/load.h"
#include "conformd/policy.h"

#define CHUNK	256

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *mode = "fast";
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct capture_pkt *v = NULL;
	size_t n = 0, cap = 0, max = (size_t)-1, i;
	uint8_t *pool = NULL;
	size_t used = 0, room = 0;
	struct loaded l;
	struct diag d;
	struct policy *pol;
	struct engine *e;
	pcap_t *pc;
	uint64_t sum = 0;
	double t0, t1;
	int c, dlt;

	while ((c = getopt(argc, argv, "m:n:")) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			max = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: engine-bench [-m fast|ref|none] [-n MAX] CONF FILE\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: engine-bench [-m fast|ref|none] [-n MAX] CONF FILE\n");
		return 2;
	}
	memset(&l, 0, sizeof(l));
	diag_init(&d, stderr);
	if (load_all(argv[optind], &l, &d) == -1 || (pol = policy_compile(&l.rs, &l.inv)) == NULL)
		return 2;
	if ((pc = pcap_open_offline(argv[optind + 1], ebuf)) == NULL) {
		fprintf(stderr, "engine-bench: %s\n", ebuf);
		return 2;
	}
	dlt = pcap_datalink(pc);
	/* Packets back to back in one buffer, as a reader's buffer holds them. */
	while (n < max && pcap_next_ex(pc, &h, &data) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				return 2;
		}
		if (used + h->caplen > room) {
			room = room ? 2 * room : 1 << 24;
			if ((pool = realloc(pool, room)) == NULL)
				return 2;
		}
		memcpy(pool + used, data, h->caplen);
		v[n].data = (const uint8_t *)(uintptr_t)used;	/* offset until the pool stops moving */
		v[n].caplen = h->caplen;
		v[n].wirelen = h->len;
		v[n].ts_usec = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
		v[n].num = n + 1;
		v[n].linktype = dlt;
		v[n].source = 0;
		used += h->caplen;
		n++;
	}
	pcap_close(pc);
	for (i = 0; i < n; i++)
		v[i].data = pool + (uintptr_t)v[i].data;
	if ((e = engine_new(&l.cfg, pol, NULL)) == NULL)
		return 2;

	t0 = now();
	if (strcmp(mode, "fast") == 0) {
		for (i = 0; i < n; i += CHUNK)
			engine_frames(e, v + i, n - i < CHUNK ? n - i : CHUNK);
	} else if (strcmp(mode, "ref") == 0) {
		for (i = 0; i < n; i++)
			engine_frame(e, v[i].linktype, v[i].data, v[i].caplen, v[i].wirelen,
			    v[i].ts_usec, v[i].num);
	} else if (strcmp(mode, "decode") == 0) {
		struct fast_pkt fp;

		for (i = 0; i < n; i++)
			sum += (uint64_t)decode_fast(v[i].data, v[i].caplen, v[i].linktype, 0, &fp) +
			    fp.hash;
	} else {
		for (i = 0; i < n; i++)
			sum += v[i].wirelen + v[i].data[0];
	}
	t1 = now();
	printf("mode=%s packets=%zu seconds=%.6f mpps=%.2f flows=%llu%s\n", mode, n, t1 - t0,
	    (double)n / (t1 - t0) / 1e6,
	    (unsigned long long)engine_flow_stats(e)->created, sum == 1 ? " " : "");
	engine_finish(e);
	engine_free(e);
	policy_free(pol);
	load_free(&l);
	free(v);
	free(pool);
	return 0;
}
