/*
 * sink-async.h - an engine_sink that hands every record to a writer thread.
 *
 * For -r with one classifier thread: the outputs (a SQLite row and an EVE
 * line a flow, findings, coverage, counters) cost several microseconds a
 * record, more than classifying a flow's packets.  This sink copies each
 * record into a slot of a single-producer single-consumer ring (ring.h,
 * sink-msg.h)
 * and returns; one writer thread applies the records, in order, to the
 * sink it wraps.  Nothing is dropped: when the ring is full the producer
 * waits for the writer (a file is never worth losing a record for).
 *
 * Ownership: between sink_async_start() and sink_async_stop() the writer
 * thread is the only one that calls the wrapped sink (and so the only one
 * touching what it writes to, e.g. struct output); the producer is the
 * only one calling the front callbacks.  After sink_async_stop() returns,
 * everything the wrapped sink did is visible to the caller (pthread_join).
 */
#ifndef CONFORMD_SINK_ASYNC_H
#define CONFORMD_SINK_ASYNC_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/sink.h"

struct sink_async;

/*
 * Ring slots when the caller has no better idea: 9 MiB of 576-byte slots,
 * touched when the ring is made (ring_new()).  With 512 the two threads
 * took turns: the writer napped on an empty ring, the producer on a full
 * one, each nap longer than the ring's worth of records (bench: churn10k
 * with --db --eve 2.57 s with 512 slots, 2.22-2.34 s with 8,192, 2.15-2.30
 * s with 16,384, no better with 32,768; churn1k 0.70 -> 0.55-0.60 s).
 */
#define SINK_ASYNC_SLOTS	16384

/*
 * Start the writer thread over `to` (copied; `to->arg` must stay valid
 * until sink_async_stop()).  `slots` is a power of two.  Signals are
 * blocked in the writer, so they reach the caller's thread.  NULL with a
 * reason in err (out of memory, no thread): the caller then writes
 * synchronously through `to`.
 */
struct sink_async *sink_async_start(const struct engine_sink *to, uint32_t slots,
    char *err, size_t errlen);

/*
 * Fill `front` with callbacks that queue to the writer.  A callback of
 * `to` that is NULL stays NULL in `front` (so the engine still skips
 * building records nobody reads).  Producer thread only.
 */
void sink_async_front(struct sink_async *a, struct engine_sink *front);

/* Wait until the writer has applied every record queued so far; the
 * writer keeps running.  Producer thread only. */
void sink_async_drain(struct sink_async *a);

/* What the hand-off did: records queued, times the producer found the
 * ring full and waited, strings cut to fit a slot (SINK_MSG_STRBYTES for
 * all the strings of one record; 0 in practice). */
struct sink_async_stats {
	uint64_t	records;
	uint64_t	full_waits;
	uint64_t	truncated;
};

/* Wait until the writer has applied every queued record, stop it, fill
 * `st` (may be NULL) and free everything.  NULL is a no-op.  Producer
 * thread only. */
void sink_async_stop(struct sink_async *a, struct sink_async_stats *st);

#endif /* CONFORMD_SINK_ASYNC_H */
