/*
 * test_ring.c - the SPSC ring (src/util/ring.c): argument checks, empty, full,
 * wrap-around, slot alignment, and two threads moving millions of
 * sequence-numbered items, once with back-pressure (nothing may be lost)
 * and once dropping on full (what arrives is in order, and arrived + dropped
 * adds up).  Run under ThreadSanitizer by `configure --enable-tsan`.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conformd/ring.h"
#include "unit.h"

#define THREAD_ITEMS	5000000u

static void
test_new_invalid(void)
{
	errno = 0;
	CU_ASSERT_PTR_NULL(ring_new(0, 64));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(ring_new(3, 64));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(ring_new(RING_MAX_SLOTS * 2u, 64));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(ring_new(8, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	ring_free(NULL);
}

static void
test_empty(void)
{
	struct ring *r = ring_new(8, 32);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(ring_capacity(r), 8);
	CU_ASSERT_EQUAL(ring_slot_size(r), 32);
	CU_ASSERT_EQUAL(ring_count(r), 0);
	CU_ASSERT_PTR_NULL(ring_peek(r));
	/* reserving without committing publishes nothing */
	CU_ASSERT_PTR_NOT_NULL(ring_reserve(r));
	CU_ASSERT_PTR_NULL(ring_peek(r));
	CU_ASSERT_EQUAL(ring_count(r), 0);
	ring_free(r);
}

static void
test_full(void)
{
	struct ring *r = ring_new(4, 16);
	void *slot[4];
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (i = 0; i < 4; i++) {
		slot[i] = ring_reserve(r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(slot[i]);
		CU_ASSERT_PTR_EQUAL(ring_reserve(r), slot[i]);	/* same until committed */
		memcpy(slot[i], &i, sizeof(i));
		ring_commit(r);
		CU_ASSERT_EQUAL(ring_count(r), i + 1);
	}
	CU_ASSERT_PTR_NULL(ring_reserve(r));	/* full */
	CU_ASSERT_PTR_NULL(ring_reserve(r));	/* and stays full */
	CU_ASSERT_EQUAL(ring_count(r), 4);
	for (i = 0; i < 4; i++)
		for (uint32_t j = i + 1; j < 4; j++)
			CU_ASSERT_PTR_NOT_EQUAL(slot[i], slot[j]);

	/* free one: exactly one more fits, and it is the slot just freed */
	CU_ASSERT_PTR_EQUAL(ring_peek(r), slot[0]);
	CU_ASSERT_PTR_EQUAL(ring_peek(r), slot[0]);	/* same until released */
	ring_release(r);
	CU_ASSERT_EQUAL(ring_count(r), 3);
	CU_ASSERT_PTR_EQUAL(ring_reserve(r), slot[0]);
	ring_commit(r);
	CU_ASSERT_PTR_NULL(ring_reserve(r));

	/* drain in order: 1 2 3 then the refilled slot */
	for (i = 1; i < 4; i++) {
		uint32_t v;
		void *p = ring_peek(r);

		CU_ASSERT_PTR_EQUAL_FATAL(p, slot[i]);
		memcpy(&v, p, sizeof(v));
		CU_ASSERT_EQUAL(v, i);
		ring_release(r);
	}
	CU_ASSERT_PTR_EQUAL(ring_peek(r), slot[0]);
	ring_release(r);
	CU_ASSERT_PTR_NULL(ring_peek(r));
	CU_ASSERT_EQUAL(ring_count(r), 0);
	ring_free(r);
}

/* A one-slot ring is legal: it alternates full and empty. */
static void
test_one_slot(void)
{
	struct ring *r = ring_new(1, 8);
	void *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (int i = 0; i < 5; i++) {
		s = ring_reserve(r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		ring_commit(r);
		CU_ASSERT_PTR_NULL(ring_reserve(r));
		CU_ASSERT_PTR_EQUAL(ring_peek(r), s);
		ring_release(r);
		CU_ASSERT_PTR_NULL(ring_peek(r));
	}
	ring_free(r);
}

/* Fill levels that straddle the end of the slot array, many times over:
 * values come out in order and slot addresses cycle with period nslots. */
static void
test_wrap_around(void)
{
	struct ring *r = ring_new(8, 8);
	uint64_t next_in = 0, next_out = 0;
	uint8_t *first[8];

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (int round = 0; round < 1000; round++) {
		uint32_t put = 1 + (uint32_t)round % 7, get = 1 + (uint32_t)(round * 3) % 7;

		for (uint32_t i = 0; i < put; i++) {
			uint8_t *s = ring_reserve(r);

			if (s == NULL) {
				CU_ASSERT_EQUAL(ring_count(r), 8);
				break;
			}
			if (next_in < 8)
				first[next_in] = s;
			else
				CU_ASSERT_PTR_EQUAL(s, first[next_in % 8]);
			memcpy(s, &next_in, sizeof(next_in));
			next_in++;
			ring_commit(r);
		}
		for (uint32_t i = 0; i < get; i++) {
			uint8_t *s = ring_peek(r);
			uint64_t v;

			if (s == NULL) {
				CU_ASSERT_EQUAL(next_in, next_out);
				break;
			}
			memcpy(&v, s, sizeof(v));
			CU_ASSERT_EQUAL_FATAL(v, next_out);
			next_out++;
			ring_release(r);
		}
		CU_ASSERT_EQUAL(ring_count(r), (uint32_t)(next_in - next_out));
	}
	CU_ASSERT(next_in > 8 * 100);	/* wrapped many times */
	ring_free(r);
}

/* Every slot starts on a cache line; the stride is the size rounded up. */
static void
test_alignment(void)
{
	static const uint32_t sizes[] = { 1, 63, 64, 65, 100, 1632 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct ring *r = ring_new(16, sizes[k]);
		uintptr_t prev = 0;
		uintptr_t stride = ((uintptr_t)sizes[k] + 63) / 64 * 64;

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		for (int i = 0; i < 16; i++) {
			uint8_t *s = ring_reserve(r);

			CU_ASSERT_PTR_NOT_NULL_FATAL(s);
			CU_ASSERT_EQUAL((uintptr_t)s % RING_CACHE_LINE, 0);
			if (i > 0)
				CU_ASSERT_EQUAL((uintptr_t)s - prev, stride);
			memset(s, 0xa5, sizes[k]);	/* the whole slot is writable (ASan) */
			prev = (uintptr_t)s;
			ring_commit(r);
		}
		ring_free(r);
	}
}

/* The packet layout: the capture's descriptor, the fast decode, data right
 * after the header. */
static void
test_pkt_layout(void)
{
	struct ring *r = ring_new(4, RING_PKT_SLOT_SIZE(1600));
	struct ring_pkt *p;

	CU_ASSERT_EQUAL(offsetof(struct ring_pkt, pkt), 0);
	CU_ASSERT_EQUAL(offsetof(struct ring_pkt, data), sizeof(struct ring_pkt));
	CU_ASSERT(sizeof(struct ring_pkt) <= 128);	/* two cache lines of header */
	CU_ASSERT_EQUAL(RING_PKT_SLOT_SIZE(1600), sizeof(struct ring_pkt) + 1600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	p = ring_reserve(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p->pkt.caplen = 1600;
	memset(p->data, 0x5a, p->pkt.caplen);
	ring_commit(r);
	CU_ASSERT_PTR_EQUAL(ring_peek(r), p);
	CU_ASSERT_EQUAL(p->data[1599], 0x5a);
	ring_release(r);
	ring_free(r);
}

/* ring_peek_span(): the published slots from the oldest, contiguous in
 * memory, never past the end of the slot array. */
static void
test_peek_span(void)
{
	struct ring *r = ring_new(8, 16);
	uint32_t n = 99;
	uint8_t *first;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NULL(ring_peek_span(r, 4, &n));
	CU_ASSERT_EQUAL(n, 0);
	for (int i = 0; i < 6; i++) {
		uint8_t *p = ring_reserve(r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		*p = (uint8_t)i;
		ring_commit(r);
	}
	first = ring_peek_span(r, 4, &n);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_PTR_EQUAL(first, ring_peek(r));
	for (uint32_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(first[i * ring_stride(r)], i);
	ring_release_n(r, 4);
	/* slots 4, 5 published; 6, 7 and the wrap to 0, 1 next */
	for (int i = 6; i < 10; i++) {
		uint8_t *p = ring_reserve(r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		*p = (uint8_t)i;
		ring_commit(r);
	}
	first = ring_peek_span(r, 32, &n);
	CU_ASSERT_EQUAL(n, 4);		/* 4..7: the memory wraps after slot 7 */
	CU_ASSERT_EQUAL(first[0], 4);
	CU_ASSERT_EQUAL(first[3 * ring_stride(r)], 7);
	ring_release_n(r, n);
	first = ring_peek_span(r, 32, &n);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(first[0], 8);
	CU_ASSERT_EQUAL(first[ring_stride(r)], 9);
	ring_release_n(r, n);
	CU_ASSERT_PTR_NULL(ring_peek_span(r, 32, &n));
	ring_free(r);
}

/* Two threads.  Each item is a 64-byte slot holding its sequence number
 * at both ends (a torn or stale slot shows as a mismatch). */
struct pc {
	struct ring	*r;
	uint32_t	 items;
	int		 drop_when_full;	/* live mode: count a drop instead of waiting */
	uint64_t	 dropped;		/* producer's count */
	uint64_t	 received;		/* consumer's counts */
	uint64_t	 out_of_order;
	uint64_t	 torn;
	uint64_t	 lost;			/* gaps not explained by drops (checked after) */
	uint64_t	 last;
};

#define PC_END	UINT64_MAX

static void *
pc_producer(void *arg)
{
	struct pc *pc = arg;
	uint64_t seq = 0;

	while (seq <= pc->items) {
		uint64_t v = seq == pc->items ? PC_END : seq;
		uint8_t *s = ring_reserve(pc->r);

		if (s == NULL) {
			if (pc->drop_when_full && v != PC_END) {
				pc->dropped++;
				seq++;
			} else
				sched_yield();	/* back-pressure */
			continue;
		}
		memcpy(s, &v, sizeof(v));
		memcpy(s + 56, &v, sizeof(v));
		ring_commit(pc->r);
		seq++;
	}
	return NULL;
}

static void *
pc_consumer(void *arg)
{
	struct pc *pc = arg;
	uint64_t expect = 0;
	uint32_t idle = 0;

	for (;;) {
		uint8_t *s = ring_peek(pc->r);
		uint64_t a, b;

		if (s == NULL) {
			if (++idle % 64 == 0)
				sched_yield();
			continue;
		}
		memcpy(&a, s, sizeof(a));
		memcpy(&b, s + 56, sizeof(b));
		ring_release(pc->r);
		if (a != b)
			pc->torn++;
		if (a == PC_END)
			break;
		if (a < expect)
			pc->out_of_order++;
		else
			pc->lost += a - expect;	/* skipped numbers: drops, or losses */
		expect = a + 1;
		pc->received++;
		pc->last = a;
	}
	return NULL;
}

static void
run_pc(uint32_t nslots, int drop_when_full, struct pc *pc)
{
	pthread_t prod, cons;

	memset(pc, 0, sizeof(*pc));
	pc->r = ring_new(nslots, 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc->r);
	pc->items = THREAD_ITEMS;
	pc->drop_when_full = drop_when_full;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&cons, NULL, pc_consumer, pc), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&prod, NULL, pc_producer, pc), 0);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	CU_ASSERT_EQUAL(ring_count(pc->r), 0);
	CU_ASSERT_PTR_NULL(ring_peek(pc->r));
	ring_free(pc->r);
}

static void
test_threads_backpressure(void)
{
	struct pc pc;

	run_pc(1024, 0, &pc);
	CU_ASSERT_EQUAL(pc.torn, 0);
	CU_ASSERT_EQUAL(pc.out_of_order, 0);
	CU_ASSERT_EQUAL(pc.lost, 0);
	CU_ASSERT_EQUAL(pc.dropped, 0);
	CU_ASSERT_EQUAL(pc.received, THREAD_ITEMS);
	CU_ASSERT_EQUAL(pc.last, THREAD_ITEMS - 1);
}

static void
test_threads_drop(void)
{
	struct pc pc;

	/* A small ring so that the producer does outrun the consumer. */
	run_pc(64, 1, &pc);
	CU_ASSERT_EQUAL(pc.torn, 0);
	CU_ASSERT_EQUAL(pc.out_of_order, 0);
	/* every number is either received or counted as dropped, exactly */
	CU_ASSERT_EQUAL(pc.received + pc.dropped, THREAD_ITEMS);
	/* the consumer's gaps (plus any drops after its last item) are the drops */
	CU_ASSERT_EQUAL(pc.lost + (THREAD_ITEMS - 1 - pc.last), pc.dropped);
}

void
test_ring_register(void)
{
	CU_pSuite s = CU_add_suite("ring", NULL, NULL);

	CU_add_test(s, "new rejects bad sizes", test_new_invalid);
	CU_add_test(s, "empty", test_empty);
	CU_add_test(s, "full", test_full);
	CU_add_test(s, "one slot", test_one_slot);
	CU_add_test(s, "wrap-around", test_wrap_around);
	CU_add_test(s, "slot alignment", test_alignment);
	CU_add_test(s, "packet slot layout", test_pkt_layout);
	CU_add_test(s, "peek_span: contiguous slots, never past the wrap", test_peek_span);
	CU_add_test(s, "two threads, back-pressure, 5M items", test_threads_backpressure);
	CU_add_test(s, "two threads, drop when full, 5M items", test_threads_drop);
}
