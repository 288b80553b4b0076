/*
 * pipeline-int.h - what the pipeline's three files share: its structures
 * and the calls between them.  Private to pipeline.c (the owner thread and
 * the capture threads' dispatch), pipeline-worker.c (the classifier
 * workers) and pipeline-store.c (the store thread).
 *
 * Ownership: each capture thread is the producer of its packet rings (one
 * per worker); each worker is their consumer, the sole owner of its engine
 * (flow table), and the producer of its record ring; the store thread is
 * the consumer of every record ring and the sole owner of the collector
 * and the outputs.  The owner thread only creates, starts, swaps the
 * policy and stops.  Cross-thread state is either a ring (whose fences are
 * explained in ring.c) or an atomic below, each commented with what it
 * orders.
 */
#ifndef CONFORMD_PIPELINE_INT_H
#define CONFORMD_PIPELINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "conformd/capture.h"
#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/decode.h"
#include "conformd/engine.h"
#include "conformd/pipeline.h"
#include "conformd/ring.h"
#include "conformd/sink-msg.h"

/*
 * Record slots per worker, the default of --record-slots (576 bytes each,
 * 36 MiB).  Live, the store thread stops to commit once a second and
 * SQLite's commit, writing the pages the second dirtied, can take longer
 * than 16,384 records lasted at 70,000 a second (bench/live.sh --records:
 * 1 worker lost none up to 40,000 packets a second with 16,384 slots, up
 * to 70,000 with 65,536).
 */
#define RECORD_SLOTS	65536
#define OBSERVE_MARKS	4096		/* hosts whose observations a worker deduplicates */
#define IDLE_SLEEP_NS	200000L		/* 0.2 ms when there is nothing to do */
#define TICK_USEC	1000000ULL	/* live timers run once a second */

/*
 * One record on its way from a worker to the store thread (sink-msg.h),
 * with the policy generation it was made under; or (body.type
 * MSG_RELEASE) the worker letting go of generations gen..gen_to.
 */
struct msg {
	uint32_t		gen;		/* policy generation of the worker */
	uint32_t		gen_to;		/* MSG_RELEASE: the last generation released */
	struct sink_msg		body;
};

#define MSG_RELEASE	0x100	/* not a sink_msg type (sink-msg.h): the pipeline's own */

/* Generations a worker has let go of, waiting for room in its ring. */
struct gen_range {
	uint32_t	from, to;
};

/* The store thread's count of who still holds a generation. */
struct gen_ref {
	uint32_t	gen;
	uint32_t	holders;	/* workers + the collector that have not let go */
};

/* The store thread's map from an older generation's host and rule indices
 * to those of the collector's generation. */
struct gen_map {
	uint32_t		 gen;
	struct coverage_map	*map;
};

/* A policy and its generation, published together (immutable once published). */
struct polgen {
	const struct policy	*pol;
	uint32_t		 gen;
	struct polgen		*older;		/* every one is kept until pipeline_free() */
};

struct worker;

struct source {
	struct pipeline	*pl;
	struct capture	*cap;
	uint32_t	 idx;
	struct ring	*rings[PIPELINE_MAX_WORKERS];	/* to each worker */
	struct pkt	 scratch;	/* capture thread only: dispatch decode of other shapes */
	char		 name[128];
};

struct worker {
	pthread_t	 thr;
	struct pipeline	*pl;
	int		 idx;
	struct engine	*eng;
	struct ring	*out;		/* records to the store thread */
	struct sink_enc	 enc;		/* its engine's sink encodes into `out` */
	uint32_t	 gen;
	int		 started;
	int		 losing[2];	/* live: the last record (0) or coverage
					 * message (1) found no room in `out` */
	/* observations sent: a host seen once in a coverage window is seen
	 * (coverage.c only asks whether it was); seen[h] is the window
	 * number + 1 of the last one sent for host h */
	void		(*observe)(void *, int);	/* the encoder's */
	uint32_t	 seen[OBSERVE_MARKS];
	struct gen_range *rel;		/* released, not yet sent (a full ring) */
	int		 nrel, caprel;
	/* published for other threads: one writer (this worker), relaxed */
	_Atomic uint64_t classified, malformed, non_ip, ip, flows, flows_active;
	_Atomic uint64_t store_drops, now;
	_Atomic uint64_t cov_drops;	/* of store_drops, coverage messages */
	atomic_int	 done;		/* release: everything it produced is in `out` */
};

struct pipeline {
	const struct config	*cfg;
	/* the workers' configuration: cfg with max-flows split between them
	 * (max-flows is the process's cap, not each worker's) */
	struct config		 wcfg;
	struct pipeline_opts	 po;
	struct output		*out;
	struct engine_sink	 out_sink;
	struct source		*src[PIPELINE_MAX_SOURCES];
	int			 nsrc;
	struct worker		 w[PIPELINE_MAX_WORKERS];
	/* policy: the owner publishes a new polgen with a release store; the
	 * workers and the store thread load it with acquire, so they see the
	 * compiled policy it points to completely built. */
	_Atomic(struct polgen *) cur;
	/* the coverage window: the store thread counts them (release), a
	 * worker reads the count (acquire) to deduplicate observations */
	_Atomic uint32_t	 window_no;
	/* the store thread's */
	pthread_t		 store_thr;
	int			 store_started;
	struct collector	*col;
	uint32_t		 col_gen;
	uint64_t		 start_usec;	/* wall clock at pipeline_start() */
	_Atomic uint64_t	 findings;	/* published: all findings so far */
	_Atomic uint64_t	 failing;	/* published: all of those so far */
	_Atomic uint64_t	 stale;
	_Atomic uint64_t	 reloads;
	/* the outputs' losses, published by the store thread (relaxed) */
	_Atomic uint64_t	 lost_database, lost_eve;
	uint64_t		 window_start;
	uint64_t		 window_cov_drops;	/* cov_drops of all workers when it began */
	/* stop sequence: each flag is set (release) by the owner after the
	 * previous stage has been joined, and read (acquire) by the next */
	atomic_int		 workers_finish;
	atomic_int		 store_finish;
	/* reopen request: set by the owner, cleared by the store thread */
	atomic_int		 reopen;
	/* the store thread's maps of older generations to col_gen */
	struct gen_map		*maps;
	int			 nmaps, capmaps;
	/* the store thread's holders of each generation still held */
	struct gen_ref		*refs;
	int			 nrefs, caprefs;
	uint32_t		 known_gen;	/* refs has every generation up to this one */
	/* generations nobody holds any more: the store thread appends, the
	 * owner takes them (pipeline_reap()) */
	pthread_mutex_t		 retired_mu;
	uint32_t		*retired;
	int			 nretired, capretired;
};

static inline uint64_t
wall_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline void
idle(void)
{
	struct timespec ts = { 0, IDLE_SLEEP_NS };

	nanosleep(&ts, NULL);
}

static inline void
pub(_Atomic uint64_t *a, uint64_t v)
{
	/* one writer; readers only want a recent value: relaxed is enough */
	atomic_store_explicit(a, v, memory_order_relaxed);
}

static inline uint64_t
get(const _Atomic uint64_t *a)
{
	return atomic_load_explicit((_Atomic uint64_t *)a, memory_order_relaxed);
}

/* --- pipeline-worker.c ------------------------------------------------------------ */

/*
 * The sink worker w's engine writes through: records encoded into w's
 * record ring (sink-msg.h), observations deduplicated per coverage
 * window, no coverage or counters (the store thread's collector makes
 * those); flows only when pl->out_sink takes them.  Owner thread, before
 * the worker's engine is made.
 */
void pipeline_worker_sink(struct worker *w, struct engine_sink *ws);

/* pthread_create() body of a worker (arg: its struct worker): classify
 * its packet rings until pl->workers_finish and the rings are empty, then
 * flush its flows and set w->done. */
void *pipeline_worker_thread(void *arg);

/* --- pipeline-store.c ------------------------------------------------------------- */

/* pthread_create() body of the store thread (arg: the pipeline): drain
 * the record rings into the collector, run the outputs' timers, take up
 * reloads and close windows, until pl->store_finish and every worker is
 * done with its ring empty. */
void *pipeline_store_thread(void *arg);

/*
 * Take up a reload: the coverage window goes on under pg (a newer
 * generation than the collector's; nothing when it is the same).  The
 * store thread, or the owner once every thread is joined.
 */
void pipeline_store_reload(struct pipeline *pl, struct polgen *pg);

/* Judge the coverage window (the store thread, or the owner once every
 * thread is joined). */
void pipeline_store_finish_window(struct pipeline *pl);

/* Live: the counters so far, to SQLite and as an EVE stats event.  The
 * store thread, or the owner once every thread is joined. */
void pipeline_store_stats(struct pipeline *pl, uint64_t now);

/* Hand the output the queue's losses and publish the outputs' for
 * pipeline_stats().  The store thread, or the owner once it is joined. */
void pipeline_store_publish_lost(struct pipeline *pl);

/* Records the workers lost to a full record ring, all together.  Any
 * thread. */
uint64_t pipeline_queue_lost(struct pipeline *pl);

#endif /* CONFORMD_PIPELINE_INT_H */
