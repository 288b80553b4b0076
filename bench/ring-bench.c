/*
 * ring-bench.c - throughput of the SPSC ring (src/util/ring.c) between two
 * threads: the producer fills 64-byte slots (a sequence number at each
 * end) as fast as it can, the consumer drains and checks them.  Prints
 * slots per second over the run; a wrong or missing sequence number is
 * reported and makes the exit status 1.
 *
 * usage: ring-bench [-u] [-s SECONDS] [-n SLOTS] [-z SLOT_SIZE]
 *   defaults: 3 seconds, 4096 slots, 64 bytes; the producer is pinned to
 *   the first CPU it may use and the consumer to the second, so every
 *   slot crosses cores (-u: leave placement to the scheduler, which may
 *   put both threads on one core and report a same-core figure).
 * Build: make bench/ring-bench (not part of `make check`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* pthread_setaffinity_np, CPU_SET */
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conformd/ring.h"

struct bench {
	struct ring	*r;
	int		 cpu[2];	/* producer, consumer; -1: not pinned */
	uint32_t	 slot_size;
	atomic_int	 stop;		/* set by main when time is up */
	uint64_t	 produced;	/* producer's own */
	uint64_t	 full;		/* reserve() found the ring full */
	uint64_t	 consumed;	/* consumer's own */
	uint64_t	 bad;
};

#define BENCH_END	UINT64_MAX

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pin the calling thread to `cpu` (ignored when -1 or refused). */
static void
pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *
producer(void *arg)
{
	struct bench *b = arg;
	uint64_t seq = 0, full = 0;
	uint32_t last = b->slot_size - sizeof(uint64_t), spins = 0;

	pin(b->cpu[0]);
	for (;;) {
		uint8_t *s;

		/* relaxed: only a "time is up" hint, checked every 1024 slots. */
		if ((seq & 1023) == 0 && atomic_load_explicit(&b->stop, memory_order_relaxed))
			break;
		if ((s = ring_reserve(b->r)) == NULL) {
			full++;
			/* give the core away now and then: on a busy machine
			 * the consumer may be waiting for this very CPU */
			if (++spins % 256 == 0)
				sched_yield();
			continue;
		}
		memcpy(s, &seq, sizeof(seq));
		memcpy(s + last, &seq, sizeof(seq));
		ring_commit(b->r);
		seq++;
	}
	/* the end marker always gets through */
	for (;;) {
		uint8_t *s = ring_reserve(b->r);
		uint64_t end = BENCH_END;

		if (s != NULL) {
			memcpy(s, &end, sizeof(end));
			memcpy(s + last, &end, sizeof(end));
			ring_commit(b->r);
			break;
		}
	}
	b->produced = seq;
	b->full = full;
	return NULL;
}

static void *
consumer(void *arg)
{
	struct bench *b = arg;
	uint64_t expect = 0, bad = 0;
	uint32_t last = b->slot_size - sizeof(uint64_t), spins = 0;

	pin(b->cpu[1]);
	for (;;) {
		uint8_t *s = ring_peek(b->r);
		uint64_t x, y;

		if (s == NULL) {
			if (++spins % 256 == 0)
				sched_yield();
			continue;
		}
		memcpy(&x, s, sizeof(x));
		memcpy(&y, s + last, sizeof(y));
		ring_release(b->r);
		if (x == BENCH_END)
			break;
		if (x != expect || y != x)
			bad++;
		expect = x + 1;
	}
	b->consumed = expect;
	b->bad = bad;
	return NULL;
}

static unsigned long
number(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max) {
		fprintf(stderr, "ring-bench: -%s: \"%s\" is not a number in 1..%lu\n", opt, s, max);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct bench b;
	pthread_t pt, ct;
	unsigned long seconds = 3, nslots = 4096, size = 64;
	double t0, t1;
	int ch, unpinned = 0;
	cpu_set_t avail;

	while ((ch = getopt(argc, argv, "n:s:uz:")) != -1) {
		switch (ch) {
		case 'u':
			unpinned = 1;
			break;
		case 'n':
			nslots = number("n", optarg, RING_MAX_SLOTS);
			break;
		case 's':
			seconds = number("s", optarg, 3600);
			break;
		case 'z':
			size = number("z", optarg, 1u << 20);
			break;
		default:
			fprintf(stderr, "usage: ring-bench [-u] [-s SECONDS] [-n SLOTS] [-z SLOT_SIZE]\n");
			return 2;
		}
	}
	if (size < 2 * sizeof(uint64_t)) {
		fprintf(stderr, "ring-bench: -z: at least %zu bytes\n", 2 * sizeof(uint64_t));
		return 2;
	}
	memset(&b, 0, sizeof(b));
	atomic_init(&b.stop, 0);
	b.slot_size = (uint32_t)size;
	b.cpu[0] = b.cpu[1] = -1;
	if (!unpinned && sched_getaffinity(0, sizeof(avail), &avail) == 0) {
		int k = 0;

		for (int cpu = 0; cpu < CPU_SETSIZE && k < 2; cpu++)
			if (CPU_ISSET(cpu, &avail))
				b.cpu[k++] = cpu;
		if (k < 2)
			b.cpu[0] = b.cpu[1] = -1;	/* one CPU: nothing to pin */
	}
	if ((b.r = ring_new((uint32_t)nslots, (uint32_t)size)) == NULL) {
		fprintf(stderr, "ring-bench: ring_new(%lu, %lu): %s\n", nslots, size, strerror(errno));
		return 2;
	}
	t0 = now_sec();
	if (pthread_create(&ct, NULL, consumer, &b) != 0 ||
	    pthread_create(&pt, NULL, producer, &b) != 0) {
		fprintf(stderr, "ring-bench: cannot start threads\n");
		return 2;
	}
	sleep((unsigned int)seconds);
	atomic_store_explicit(&b.stop, 1, memory_order_relaxed);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	t1 = now_sec();
	ring_free(b.r);

	printf("slots=%llu slot_size=%lu ring=%lu cpus=%d,%d seconds=%.3f slots_per_sec=%.0f "
	    "full_spins=%llu errors=%llu\n",
	    (unsigned long long)b.consumed, size, nslots, b.cpu[0], b.cpu[1], t1 - t0,
	    (double)b.consumed / (t1 - t0), (unsigned long long)b.full,
	    (unsigned long long)b.bad + (b.consumed != b.produced));
	return b.bad == 0 && b.consumed == b.produced ? 0 : 1;
}
