/*
 * ring.h - a single-producer single-consumer lock-free ring of fixed-size
 * slots (C11 atomics), between a capture thread and its classifier.
 *
 * The producer asks for a free slot (ring_reserve), fills it in place and
 * publishes it (ring_commit); the consumer looks at the oldest published
 * slot (ring_peek), uses it in place and hands it back (ring_release).
 * Nothing is copied twice and nothing is allocated after ring_new().
 * Neither side ever blocks: a full ring makes ring_reserve() return NULL
 * (a counted drop in live mode, back-pressure for files), an empty one
 * makes ring_peek() return NULL.
 *
 * Exactly one thread may call the producer functions and exactly one
 * (possibly other) thread the consumer functions; ring_count() may be
 * called from any thread.  Layout and memory ordering are explained in
 * src/util/ring.c.
 */
#ifndef CONFORMD_RING_H
#define CONFORMD_RING_H

#include <stdint.h>
#include "conformd/capture.h"
#include "conformd/decode-fast.h"

#define RING_CACHE_LINE		64	/* slots and indexes are aligned to this */
#define RING_MAX_SLOTS		(1u << 30)

struct ring;

/*
 * Create a ring of `nslots` slots (a power of two, 1 .. RING_MAX_SLOTS) of
 * at least `slot_size` bytes each (1 or more; each slot starts on a cache
 * line, so the stride is slot_size rounded up to RING_CACHE_LINE).  All
 * memory is allocated here.  NULL with errno EINVAL (bad sizes) or ENOMEM.
 * Call before either thread starts using the ring.
 */
struct ring *ring_new(uint32_t nslots, uint32_t slot_size);

/* Free the ring; NULL is ignored.  Both threads must be done with it. */
void ring_free(struct ring *r);

/*
 * Producer: the next free slot (slot_size writable bytes, cache-line
 * aligned), or NULL when the ring is full.  Never blocks.  Calling it again
 * before ring_commit() returns the same slot.
 */
void *ring_reserve(struct ring *r);

/* Producer: publish the slot returned by the last successful ring_reserve(). */
void ring_commit(struct ring *r);

/*
 * Consumer: the oldest published slot, or NULL when the ring is empty.
 * Never blocks.  The slot stays the consumer's until ring_release(); calling
 * ring_peek() again before that returns the same slot.
 */
void *ring_peek(struct ring *r);

/* Consumer: hand back the slot returned by the last successful ring_peek(). */
void ring_release(struct ring *r);

/*
 * Consumer, for batches: the i-th oldest published slot (i = 0 is what
 * ring_peek() returns), or NULL when fewer than i + 1 are published.
 * Never blocks.  Slots 0..i stay the consumer's until released.
 */
void *ring_peek_at(struct ring *r, uint32_t i);

/*
 * Consumer, for batches read in place: the oldest published slot, with in
 * *n how many published slots follow it contiguously in memory, one
 * ring_stride() apart (at most max; fewer where the ring's memory wraps);
 * NULL with *n 0 when the ring is empty.  Never blocks.  They stay the
 * consumer's until released.
 */
void *ring_peek_span(struct ring *r, uint32_t max, uint32_t *n);

/* Bytes from one slot to the next (the slot size rounded up to a cache
 * line). */
uint32_t ring_stride(const struct ring *r);

/* Consumer: hand back the n oldest slots (n at most the number of slots
 * ring_peek_at() or ring_peek_span() has shown). */
void ring_release_n(struct ring *r, uint32_t n);

/*
 * Published slots not yet released.  Any thread; from a thread other than
 * the producer and consumer it is a snapshot that may already be stale.
 */
uint32_t ring_count(const struct ring *r);

/* The slot count and the usable bytes per slot given to ring_new(). */
uint32_t ring_capacity(const struct ring *r);
uint32_t ring_slot_size(const struct ring *r);

/*
 * The layout of one captured packet in a slot: the capture thread writes
 * it, the classifier reads it in place.  `pkt` is the capture's own
 * descriptor (capture.h) as it was handed over, its data pointing at
 * data[] (at most the slot size minus sizeof(struct ring_pkt) bytes;
 * pkt.wirelen stays the length on the wire).  `pkt.source` names the
 * capture (an index chosen by the owner); `pkt.num` is the packet's
 * 1-based number within its source, counting packets dropped at the
 * ring, so a gap in `num` is a ring drop.  When the capture thread ran
 * decode_fast() on the packet (to pick a worker: pipeline.c), `decoded`
 * is 1 and `fast` holds the result, its payload pointing into data[], so
 * that the worker does not decode the packet again.
 */
struct ring_pkt {
	struct capture_pkt	pkt;
	struct fast_pkt		fast;
	uint8_t			decoded;
	uint8_t			pad[7];	/* data starts 8-byte aligned, at sizeof() */
	uint8_t			data[];
};

/* Slot size needed to hold packets captured with snap length `snaplen`. */
#define RING_PKT_SLOT_SIZE(snaplen)	((uint32_t)sizeof(struct ring_pkt) + (uint32_t)(snaplen))

#endif /* CONFORMD_RING_H */
