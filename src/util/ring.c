/*
 * ring.c - single-producer single-consumer lock-free ring (C11 atomics).
 *
 * Two free-running 32-bit counters: `head` counts slots ever committed by
 * the producer, `tail` slots ever released by the consumer.  The slot of
 * counter value i is i & mask; head - tail (modulo 2^32) is the fill level,
 * always in 0..nslots because nslots <= 2^30.  No slot is ever left empty
 * to tell full from empty: the counters never wrap into each other.
 *
 * Layout (what Concurrency Kit's ck_ring and most SPSC queues do): each
 * index lives on its own cache line together with the other side's index
 * as last seen by its owner.  The producer reads the consumer's `tail`
 * only when its cached copy says the ring is full, and the consumer reads
 * `head` only when its copy says empty, so in steady state each thread
 * touches only its own line and the shared read-only line: a batch of
 * slots costs one cross-core transfer, not one per slot.
 *
 * Memory ordering, in one place (each use is commented again):
 *   producer writes slot, then head = h+1 (release)
 *       --> consumer loads head (acquire), then reads the slot:
 *           the slot's bytes are visible before the consumer sees it published.
 *   consumer reads slot, then tail = t+1 (release)
 *       --> producer loads tail (acquire), then overwrites the slot:
 *           the consumer's reads are finished before the producer reuses it.
 * Each thread reads its own index with relaxed order: nobody else writes
 * it, so it always sees its own last store.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/ring.h"

struct ring {
	/* The producer's line: head is written only by the producer (and read
	 * by the consumer when its cache runs dry); tail_cache is producer
	 * private. */
	alignas(RING_CACHE_LINE) _Atomic uint32_t head;
	uint32_t	tail_cache;

	/* The consumer's line, the mirror image. */
	alignas(RING_CACHE_LINE) _Atomic uint32_t tail;
	uint32_t	head_cache;

	/* Read-only after ring_new(): shared by both sides without traffic. */
	alignas(RING_CACHE_LINE) uint8_t *slots;
	uint32_t	mask;
	uint32_t	nslots;
	uint32_t	stride;		/* slot_size rounded up to a cache line */
	uint32_t	slot_size;
};

struct ring *
ring_new(uint32_t nslots, uint32_t slot_size)
{
	struct ring *r;
	size_t stride, bytes;
	void *mem;

	if (nslots == 0 || nslots > RING_MAX_SLOTS || (nslots & (nslots - 1)) != 0 ||
	    slot_size == 0 || slot_size > UINT32_MAX - RING_CACHE_LINE) {
		errno = EINVAL;
		return NULL;
	}
	stride = ((size_t)slot_size + RING_CACHE_LINE - 1) & ~(size_t)(RING_CACHE_LINE - 1);
	if (stride > SIZE_MAX / nslots) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = stride * nslots;

	/* sizeof(struct ring) is a multiple of its alignment (three lines). */
	if ((r = aligned_alloc(alignof(struct ring), sizeof(*r))) == NULL)
		return NULL;
	if (posix_memalign(&mem, RING_CACHE_LINE, bytes) != 0) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	/* Touch every slot now so that page faults happen here, not on the
	 * capture path. */
	memset(mem, 0, bytes);
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->tail_cache = 0;
	r->head_cache = 0;
	r->slots = mem;
	r->mask = nslots - 1;
	r->nslots = nslots;
	r->stride = (uint32_t)stride;
	r->slot_size = slot_size;
	/* Publishing the ring itself to the two threads is the creator's job
	 * (pthread_create() orders everything written here before the
	 * threads start). */
	return r;
}

void
ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

static inline void *
ring_slot(const struct ring *r, uint32_t i)
{
	return r->slots + (size_t)(i & r->mask) * r->stride;
}

void *
ring_reserve(struct ring *r)
{
	/* relaxed: head is written only by this thread. */
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h - r->tail_cache == r->nslots) {
		/* The cached tail says full: look at the real one.  acquire pairs
		 * with the release in ring_release(): the consumer's reads of a
		 * slot it has released happen before our writes into that slot,
		 * so we never overwrite bytes it is still reading. */
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h - r->tail_cache == r->nslots)
			return NULL;
	}
	return ring_slot(r, h);
}

void
ring_commit(struct ring *r)
{
	/* relaxed: our own index. */
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	/* release: every write into the slot (done before this store) is
	 * visible to the consumer once its acquire load in ring_peek() sees
	 * h + 1. */
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

void *
ring_peek(struct ring *r)
{
	/* relaxed: tail is written only by this thread. */
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (t == r->head_cache) {
		/* The cached head says empty: look at the real one.  acquire
		 * pairs with the release in ring_commit(): the producer's writes
		 * into every slot up to the head we read are visible to our
		 * reads below. */
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (t == r->head_cache)
			return NULL;
	}
	return ring_slot(r, t);
}

void
ring_release(struct ring *r)
{
	/* relaxed: our own index. */
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	/* release: our reads of the slot happen before the producer, having
	 * loaded t + 1 with acquire in ring_reserve(), writes into it again. */
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

void *
ring_peek_at(struct ring *r, uint32_t i)
{
	/* relaxed: tail is written only by this thread. */
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (r->head_cache - t <= i) {
		/* acquire, as in ring_peek(): the producer's writes into
		 * every slot up to the head we read are visible. */
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (r->head_cache - t <= i)
			return NULL;
	}
	return ring_slot(r, t + i);
}

void *
ring_peek_span(struct ring *r, uint32_t max, uint32_t *n)
{
	/* relaxed: tail is written only by this thread. */
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t avail = r->head_cache - t, to_end;

	if (avail < max) {
		/* acquire, as in ring_peek(): the producer's writes into
		 * every slot up to the head we read are visible. */
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		avail = r->head_cache - t;
	}
	to_end = r->nslots - (t & r->mask);	/* slots before the memory wraps */
	*n = avail < max ? avail : max;
	if (*n > to_end)
		*n = to_end;
	return *n > 0 ? ring_slot(r, t) : NULL;
}

uint32_t
ring_stride(const struct ring *r)
{
	return r->stride;
}

void
ring_release_n(struct ring *r, uint32_t n)
{
	/* relaxed: our own index. */
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	/* release, as in ring_release(): our reads of the n slots happen
	 * before the producer reuses any of them. */
	atomic_store_explicit(&r->tail, t + n, memory_order_release);
}

uint32_t
ring_count(const struct ring *r)
{
	uint32_t t, h, n;

	/* Load tail first, with acquire: it synchronises with the consumer's
	 * release of that tail, which came after the consumer's own acquire
	 * load of a head >= tail.  So the head we load next is at least that
	 * head (read-read coherence through happens-before), and h - t cannot
	 * go "negative" even when called from a third thread. */
	t = atomic_load_explicit(&r->tail, memory_order_acquire);
	/* relaxed: a snapshot; the bound above is all we need. */
	h = atomic_load_explicit(&r->head, memory_order_relaxed);
	n = h - t;
	/* Between the two loads the consumer may release and the producer
	 * refill: the snapshot can then exceed the capacity.  Clamp. */
	return n > r->nslots ? r->nslots : n;
}

uint32_t
ring_capacity(const struct ring *r)
{
	return r->nslots;
}

uint32_t
ring_slot_size(const struct ring *r)
{
	return r->slot_size;
}
