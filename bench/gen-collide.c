/*
 * gen-collide.c - a hash-flooding capture: UDP flows whose keys land in
 * one small window of the flow table's index under a hash key the
 * attacker knows, so every lookup walks one long probe chain.
 *
 * conformd before ea9ef37 hashed flow keys with fixed constants (-k old);
 * since then the hash is NH keyed with random bytes at start, and the
 * fixed start key (-k start) is used only by programs that never call
 * flow_hash_init() (unit tests, fuzzers, engine-bench).  Against a build
 * of 169f8df, `-k old` shows the attack; against a current conformd the
 * same capture is ordinary traffic.  With -k random the flows are not
 * aimed at all (the control).
 *
 * usage: gen-collide -o FILE [-n flows] [-r packets-per-flow] [-w window]
 *                    [-k old|start|random] [-m max-flows]
 *   flows 50000, 4 packets a flow (round robin, so every flow is live
 *   when its packets come), window 256 index slots, max-flows 1000000 (the
 *   default: a 2^21-slot index).  Sources 198.18.0.0/16 ports 1024-65535,
 *   all to 198.19.0.1:5061.
 *
 * build: cc -O2 -I include -o bench/out/gen-collide bench/gen-collide.c -lpcap
 *   (with the tree's include/ for the current flow_key_hash()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "conformd/flow.h"

/* flow.c's own definition is not linked: the start key, as in flow.c */
uint32_t flow_hash_key[FLOW_HASH_WORDS] = {
	0x9e3779b9, 0x7f4a7c15, 0xc2b2ae3d, 0x27d4eb4f, 0x165667b1, 0x9e3779f9,
	0xd6e8feb8, 0x6659fd93, 0x85ebca77, 0xc2b2ae63, 0xbf58476d, 0x1ce4e5b9
};

/* The flow hash of conformd up to 169f8df (include/conformd/flow.h). */
static uint32_t
old_hash(const struct flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h;

	h = flow_load64(b) * 0x9e3779b97f4a7c15ULL +
	    flow_load64(b + 8) * 0xc2b2ae3d27d4eb4fULL +
	    flow_load64(b + 16) * 0x165667b19e3779f9ULL +
	    flow_load64(b + 24) * 0xd6e8feb86659fd93ULL +
	    flow_load64(b + 32) * 0x85ebca77c2b2ae63ULL +
	    (uint64_t)flow_load32(b + 40) * 0x27d4eb2f165667c5ULL;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

#define DST	0xc6130001u	/* 198.19.0.1 */
#define DPORT	5061

/* The canonical key flow_make_key() builds for 198.18.a.b:sp -> DST:DPORT. */
static void
mkkey(struct flow_key *k, uint32_t src, uint16_t sp)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < 2; i++) {
		uint32_t a = i == 0 ? src : DST;

		k->addr[i][10] = k->addr[i][11] = 0xff;
		k->addr[i][12] = (uint8_t)(a >> 24);
		k->addr[i][13] = (uint8_t)(a >> 16);
		k->addr[i][14] = (uint8_t)(a >> 8);
		k->addr[i][15] = (uint8_t)a;
	}
	k->port[0] = sp;
	k->port[1] = DPORT;
	k->proto = 17;
	k->family = 4;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen-collide -o FILE [-n flows] [-r packets-per-flow] "
	    "[-w window] [-k old|start|random] [-m max-flows]\n");
	exit(2);
}

static unsigned long
num(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > 100000000) {
		fprintf(stderr, "gen-collide: %s: \"%s\" is not a number from 1 to 100000000\n", what, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *mode = "old";
	unsigned long nflows = 50000, reps = 4, window = 256, maxf = 1000000;
	uint64_t slots = 1, tried = 0;
	uint32_t *src;
	uint16_t *sport;
	unsigned long n = 0;
	pcap_t *p;
	pcap_dumper_t *d;
	int ch;

	while ((ch = getopt(argc, argv, "o:n:r:w:k:m:")) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'n': nflows = num(optarg, "-n"); break;
		case 'r': reps = num(optarg, "-r"); break;
		case 'w': window = num(optarg, "-w"); break;
		case 'k': mode = optarg; break;
		case 'm': maxf = num(optarg, "-m"); break;
		default: usage();
		}
	}
	if (out == NULL || optind != argc)
		usage();
	if (strcmp(mode, "old") != 0 && strcmp(mode, "start") != 0 && strcmp(mode, "random") != 0) {
		fprintf(stderr, "gen-collide: -k: \"%s\" is not old, start or random\n", mode);
		exit(2);
	}
	if (nflows > 65536ul * 64512) {
		fprintf(stderr, "gen-collide: -n: at most %lu flows\n", 65536ul * 64512);
		exit(2);
	}
	while (slots < 2 * (uint64_t)maxf)
		slots <<= 1;
	src = calloc(nflows, sizeof(*src));
	sport = calloc(nflows, sizeof(*sport));
	if (src == NULL || sport == NULL) {
		fprintf(stderr, "gen-collide: out of memory\n");
		exit(1);
	}
	/* walk sources and ports; keep a key when its home slot is in the
	 * window (random: every key, in order) */
	for (uint32_t sp = 1024; sp < 65536 && n < nflows; sp++)
		for (uint32_t a = 0; a < 65536 && n < nflows; a++) {
			struct flow_key k;
			uint32_t h;
			uint32_t s = 0xc6120000u | a;

			mkkey(&k, s, (uint16_t)sp);
			tried++;
			if (mode[0] == 'r')
				h = 0;
			else
				h = (mode[0] == 'o' ? old_hash(&k) : flow_key_hash(&k)) & (uint32_t)(slots - 1);
			if (h < window) {
				src[n] = s;
				sport[n] = (uint16_t)sp;
				n++;
			}
		}
	if (n < nflows) {
		fprintf(stderr, "gen-collide: only %lu keys in the window (of %llu tried)\n",
		    n, (unsigned long long)tried);
		exit(1);
	}
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL || (d = pcap_dump_open(p, out)) == NULL) {
		fprintf(stderr, "gen-collide: %s: %s\n", out, p ? pcap_geterr(p) : "pcap_open_dead failed");
		exit(1);
	}
	for (unsigned long r = 0; r < reps; r++)
		for (unsigned long i = 0; i < nflows; i++) {
			uint8_t f[60];
			struct pcap_pkthdr hdr;
			uint32_t sum = 0;
			uint64_t t = (uint64_t)(r * nflows + i) * 10 + 1700000000000000ULL;

			memset(f, 0, sizeof(f));
			memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
			f[14] = 0x45;
			put16(f + 16, 46);
			put16(f + 18, (uint16_t)i);
			f[22] = 64;
			f[23] = 17;
			put32(f + 26, src[i]);
			put32(f + 30, DST);
			for (int j = 14; j < 34; j += 2)
				sum += (uint32_t)(f[j] << 8 | f[j + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			put16(f + 24, (uint16_t)~sum);
			put16(f + 34, sport[i]);
			put16(f + 36, DPORT);
			put16(f + 38, 26);
			hdr.ts.tv_sec = (time_t)(t / 1000000);
			hdr.ts.tv_usec = (suseconds_t)(t % 1000000);
			hdr.caplen = hdr.len = sizeof(f);
			pcap_dump((u_char *)d, &hdr, f);
		}
	pcap_dump_close(d);
	pcap_close(p);
	fprintf(stderr, "gen-collide: %s: %lu flows x %lu packets, -k %s, window %lu of %llu slots (%llu keys tried)\n",
	    out, nflows, reps, mode, window, (unsigned long long)slots, (unsigned long long)tried);
	return 0;
}
