/*
 * pipeline.c - capture threads -> packet rings -> workers -> record rings
 * -> store thread (pipeline.h).
 *
 * Ownership: each capture thread is the producer of its packet rings (one
 * per worker); each worker is their consumer, the sole owner of its engine
 * (flow table), and the producer of its record ring; the store thread is
 * the consumer of every record ring and the sole owner of the collector
 * and the outputs.  The owner thread only creates, starts, swaps the
 * policy and stops.  Cross-thread state is either a ring (whose fences are
 * explained in ring.c) or an atomic below, each commented with what it
 * orders.
 *
 * Policies (one per reload) are freed once nothing needs them, so that a
 * daemon takes any number of reloads in bounded memory: each generation
 * is held by every worker and by the collector; a worker lets go of one
 * when its last flow judged by it has left the table (engine_released())
 * or when it moves past it, by a MSG_RELEASE message in its record ring,
 * after every record citing it; the collector when the store thread
 * rotates past it.  The store thread counts the holders, and a
 * generation nobody holds, once the EVE thread has written what it was
 * given, goes to the owner's list (retired, under a mutex: a reload's
 * rate), which pipeline_reap() empties.
 *
 * A reload does not close the coverage window: the store thread hands
 * the window seen so far to a collector of the new policy (hosts and
 * rules matched by name, coverage_carry()) and judges it at its natural
 * end.  Coverage messages a worker made under an older generation still
 * count: the store thread keeps a map from each older generation still
 * held to the collector's (struct gen_map), freed when the generation
 * retires.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformd/collector.h"
#include "conformd/decode-fast.h"
#include "conformd/decode.h"
#include "conformd/engine.h"
#include "conformd/filter.h"
#include "conformd/log.h"
#include "conformd/output.h"
#include "conformd/pipeline.h"
#include "conformd/ring.h"
#include "conformd/run.h"
#include "conformd/sensor.h"
#include "conformd/sink-msg.h"
#include "conformd/thread.h"

#define RECORD_SLOTS	16384		/* per worker */
#define RECORD_WAITS	25		/* live: idle waits (5 ms) for room before a record is lost */
#define RECORD_HEADROOM	(RECORD_SLOTS / 8)	/* live: the last slots, kept for coverage */
#define WORKER_BATCH	256		/* packets per ring per turn */
#define WORKER_CHUNK	32		/* slots handed to engine_slots() at once */
#define STORE_BATCH_MSG	1024		/* records per ring per turn */
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
#define RELEASE_TAKE	64	/* engine_released() at a time */

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

static uint64_t
wall_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
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

/* --- capture side: dispatch ------------------------------------------------------ */

/* An address hashed with the flow hash key (flow.h), so that traffic
 * cannot be aimed at one worker without knowing it: NH over its four
 * words. */
static uint32_t
addr_hash(const uint8_t a[16])
{
	const uint32_t *K = flow_hash_key;
	uint64_t h;

	h = (uint64_t)(uint32_t)(flow_load32(a) + K[4]) * (uint32_t)(flow_load32(a + 4) + K[5]);
	h += (uint64_t)(uint32_t)(flow_load32(a + 8) + K[6]) * (uint32_t)(flow_load32(a + 12) + K[7]);
	return flow_hash_mix(h);
}

/*
 * capture_deliver_fn: pick the worker by a symmetric hash of the two
 * addresses (those an ICMP error quotes, for errors), so that a flow, its
 * fragments and the errors about it meet in one worker.  Runs in the
 * capture thread: no allocation.  A packet of the common shapes is
 * decoded by decode_fast() (its key holds the two addresses), and that
 * decode goes with the packet in its slot: the worker uses it instead of
 * decoding again.  Other shapes (ICMP errors, tunnels, fragments) are
 * decoded into the source's scratch packet for their addresses only.
 */
static int
deliver(void *arg, const struct capture_pkt *p)
{
	struct source *s = arg;
	int nw = s->pl->po.workers, w = 0;

	if (nw > 1) {
		struct pkt *q = &s->scratch;
		struct fast_pkt fp;

		if (decode_fast(p->data, p->caplen, p->linktype, s->pl->wcfg.flow_vlan, &fp))
			return capture_deliver_ring_fast(s->rings[(addr_hash(fp.key.addr[0]) ^
			    addr_hash(fp.key.addr[1])) % (uint32_t)nw], p, &fp);
		(void)decode_packet(q, p->linktype, p->data, p->caplen, p->wirelen);
		if (q->family != 0) {
			const uint8_t *a = q->src, *b = q->dst;
			if (q->inner.valid) {
				a = q->inner.src;
				b = q->inner.dst;
			}
			w = (int)((addr_hash(a) ^ addr_hash(b)) % (uint32_t)nw);
		}
		/* not a fast shape: the worker knows without looking again */
		return capture_deliver_ring_fast(s->rings[w], p, &fp);
	}
	return capture_deliver_ring(s->rings[w], p);
}

/* --- worker side: the engine's sink ------------------------------------------------ */

/* A free record slot, or NULL (counted) when the store thread is behind in
 * live mode; files wait instead: a file never loses anything.  The
 * worker's encoder (sink-msg.h) fills it.
 *
 * Live, flow records and findings leave the last RECORD_HEADROOM slots to
 * coverage messages (observe, cover): when the store thread falls behind
 * it is they that are lost first, so the coverage of a window, which
 * decides what is reported missing, stays whole longer.  Either kind
 * waits a little for a burst to drain, then counts what finds no room as
 * lost rather than stall classification on a slow disk; and while there
 * is still no room it does not wait again: one wait per overload, not
 * one per record, or the packet rings would overflow. */
static struct sink_msg *
msg_reserve(void *arg, uint32_t type)
{
	struct worker *w = arg;
	struct msg *m = NULL;
	int waits = 0;
	int cov = type == SINK_MSG_OBSERVE || type == SINK_MSG_COVER;
	uint32_t room = cov ? RECORD_SLOTS : RECORD_SLOTS - RECORD_HEADROOM;

	for (;;) {
		if (w->pl->po.files || ring_count(w->out) < room)
			m = ring_reserve(w->out);
		if (m != NULL)
			break;
		/* Files, and the final flush when stopping, wait for the
		 * store thread (it is running and draining). */
		if (!w->pl->po.files &&
		    !atomic_load_explicit(&w->pl->workers_finish, memory_order_acquire) &&
		    (w->losing[cov] || waits++ >= RECORD_WAITS)) {
			w->losing[cov] = 1;
			pub(&w->store_drops, get(&w->store_drops) + 1);
			if (cov)
				pub(&w->cov_drops, get(&w->cov_drops) + 1);
			return NULL;
		}
		idle();
	}
	w->losing[cov] = 0;
	m->gen = w->gen;
	return &m->body;
}

/*
 * The engine's observe callback in a worker: a host already observed in
 * the current coverage window is not sent again (most flows end with one
 * or two), so the ring to the store thread holds more flows and the store
 * thread handles fewer records.  A window closed by the store thread
 * after this check sees the host again on its next flow; an observation
 * still in the ring when a window closes counts in the next one, as any
 * record does.
 */
static void
worker_observe(void *arg, int host)
{
	struct sink_enc *enc = arg;
	struct worker *w = enc->arg;
	uint32_t mark;

	if (host < 0 || host >= OBSERVE_MARKS) {
		w->observe(arg, host);
		return;
	}
	mark = atomic_load_explicit(&w->pl->window_no, memory_order_acquire) + 1;
	if (w->seen[host] == mark)
		return;
	w->observe(arg, host);
	/* marked only when it went into the ring: a lost one (live, the
	 * store thread behind) is sent again with the host's next flow */
	if (!w->losing[1])
		w->seen[host] = mark;
}

static void
msg_commit(void *arg)
{
	struct worker *w = arg;

	ring_commit(w->out);
}

static void
worker_publish(struct worker *w)
{
	const struct engine_counters *c = engine_counters(w->eng);

	pub(&w->classified, c->packets);
	pub(&w->malformed, c->malformed);
	pub(&w->non_ip, c->non_ip);
	pub(&w->ip, c->ipv4 + c->ipv6);
	pub(&w->now, engine_now(w->eng));
}

/* Are all of this worker's packet rings empty? */
static int
worker_rings_empty(struct worker *w)
{
	for (int s = 0; s < w->pl->nsrc; s++)
		if (ring_count(w->pl->src[s]->rings[w->idx]) != 0)
			return 0;
	return 1;
}

/* Note that the worker lets go of generations from..to; sent by
 * worker_send_released().  Out of memory: kept (never freed early). */
static void
worker_release(struct worker *w, uint32_t from, uint32_t to)
{
	if (w->nrel > 0 && w->rel[w->nrel - 1].to + 1 == from) {
		w->rel[w->nrel - 1].to = to;
		return;
	}
	if (w->nrel == w->caprel) {
		int ncap = w->caprel != 0 ? w->caprel * 2 : 16;
		struct gen_range *n = realloc(w->rel, (size_t)ncap * sizeof(*n));

		if (n == NULL)
			return;
		w->rel = n;
		w->caprel = ncap;
	}
	w->rel[w->nrel].from = from;
	w->rel[w->nrel].to = to;
	w->nrel++;
}

/*
 * The generations the engine no longer needs, to the store thread, each
 * after every record that cites it (the ring keeps the order).  A full
 * ring keeps them for the next turn: no wait, nothing lost.
 */
static void
worker_send_released(struct worker *w)
{
	uint32_t gens[RELEASE_TAKE];
	int n, sent = 0;

	while ((n = engine_released(w->eng, gens, RELEASE_TAKE)) > 0)
		for (int i = 0; i < n; i++)
			worker_release(w, gens[i], gens[i]);
	for (; sent < w->nrel; sent++) {
		struct msg *m = ring_reserve(w->out);

		if (m == NULL)
			break;
		m->body.type = MSG_RELEASE;
		m->gen = w->rel[sent].from;
		m->gen_to = w->rel[sent].to;
		ring_commit(w->out);
	}
	memmove(w->rel, w->rel + sent, (size_t)(w->nrel - sent) * sizeof(*w->rel));
	w->nrel -= sent;
}

static void *
worker_thread(void *arg)
{
	struct worker *w = arg;
	struct pipeline *pl = w->pl;
	uint64_t next_tick = 0;

	thread_unprivileged("worker");
	for (;;) {
		struct polgen *pg = atomic_load_explicit(&pl->cur, memory_order_acquire);
		int n = 0;

		if (pg->gen != w->gen && engine_set_policy(w->eng, pg->pol, pg->gen) == 0) {
			/* generations published meanwhile and never taken up */
			if (pg->gen - w->gen > 1)
				worker_release(w, w->gen + 1, pg->gen - 1);
			w->gen = pg->gen;
			/* host indices are the new policy's: observe them again */
			memset(w->seen, 0, sizeof(w->seen));
		}
		if (w->nrel > 0 || !pl->po.files)
			worker_send_released(w);
		for (int s = 0; s < pl->nsrc; s++) {
			struct ring *r = pl->src[s]->rings[w->idx];
			int k = 0;

			while (k < WORKER_BATCH) {
				uint32_t m;
				const struct ring_pkt *first = ring_peek_span(r, WORKER_CHUNK, &m);

				if (m == 0)
					break;
				/* in place: the capture's descriptors as they are */
				engine_slots(w->eng, first, ring_stride(r), m);
				ring_release_n(r, m);
				k += (int)m;
			}
			n += k;
		}
		if (n > 0) {
			worker_publish(w);
			continue;
		}
		/* Idle.  Finish only when told to (every capture has been
		 * joined, so nothing more can arrive) and the rings are empty. */
		if (atomic_load_explicit(&pl->workers_finish, memory_order_acquire) &&
		    worker_rings_empty(w))
			break;
		if (!pl->po.files) {
			uint64_t now = wall_usec();
			if (now >= next_tick) {
				engine_tick(w->eng, now);
				next_tick = now + TICK_USEC;
			}
		}
		idle();
	}
	engine_finish(w->eng);
	worker_publish(w);
	/* release: every record this worker committed happens-before the
	 * store thread seeing done == 1 */
	atomic_store_explicit(&w->done, 1, memory_order_release);
	return NULL;
}

/* --- store thread ---------------------------------------------------------------- */

static uint64_t
pipeline_window_end(struct pipeline *pl)
{
	uint64_t end = 0;

	for (int i = 0; i < pl->po.workers; i++)
		if (get(&pl->w[i].now) > end)
			end = get(&pl->w[i].now);
	return end;
}

static int
pipeline_blind(struct pipeline *pl)
{
	uint64_t ip = 0;

	for (int i = 0; i < pl->po.workers; i++)
		ip += get(&pl->w[i].ip);
	return ip == 0;
}

/* refs up to generation `upto`: each new one held by every worker and
 * the collector.  Out of memory: -1 (the generation is never freed). */
static int
store_gen_extend(struct pipeline *pl, uint32_t upto)
{
	while (pl->known_gen < upto) {
		if (pl->nrefs == pl->caprefs) {
			int ncap = pl->caprefs != 0 ? pl->caprefs * 2 : 16;
			struct gen_ref *n = realloc(pl->refs, (size_t)ncap * sizeof(*n));

			if (n == NULL)
				return -1;
			pl->refs = n;
			pl->caprefs = ncap;
		}
		pl->known_gen++;
		pl->refs[pl->nrefs].gen = pl->known_gen;
		pl->refs[pl->nrefs].holders = (uint32_t)pl->po.workers + 1;
		pl->nrefs++;
	}
	return 0;
}

/* No message of generation gen can come any more: its map goes. */
static void
store_map_drop(struct pipeline *pl, uint32_t gen)
{
	for (int i = 0; i < pl->nmaps; i++)
		if (pl->maps[i].gen == gen) {
			coverage_map_free(pl->maps[i].map);
			pl->maps[i] = pl->maps[--pl->nmaps];
			return;
		}
}

/* The map of an older generation to the collector's, or NULL. */
static const struct coverage_map *
store_map_find(const struct pipeline *pl, uint32_t gen)
{
	for (int i = 0; i < pl->nmaps; i++)
		if (pl->maps[i].gen == gen)
			return pl->maps[i].map;
	return NULL;
}

/*
 * One holder lets go of generations from..to.  Those nobody holds any
 * more go to the retired list, once every record handed to the outputs
 * has been written (the EVE thread reads the policies' strings).
 */
static void
store_gen_release(struct pipeline *pl, uint32_t from, uint32_t to)
{
	int k = 0, freed = 0;

	if (store_gen_extend(pl, to) == -1)
		return;
	for (int i = 0; i < pl->nrefs; i++)
		if (pl->refs[i].gen >= from && pl->refs[i].gen <= to && pl->refs[i].holders > 0 &&
		    --pl->refs[i].holders == 0)
			freed++;
	if (freed == 0)
		return;
	if (pl->out != NULL)
		output_barrier(pl->out);
	pthread_mutex_lock(&pl->retired_mu);
	for (int i = 0; i < pl->nrefs; i++) {
		if (pl->refs[i].holders != 0) {
			pl->refs[k++] = pl->refs[i];
			continue;
		}
		if (pl->nretired == pl->capretired) {
			int ncap = pl->capretired != 0 ? pl->capretired * 2 : 16;
			uint32_t *n = realloc(pl->retired, (size_t)ncap * sizeof(*n));

			if (n == NULL) {
				pl->refs[k++] = pl->refs[i];	/* kept: never freed early */
				continue;
			}
			pl->retired = n;
			pl->capretired = ncap;
		}
		pl->retired[pl->nretired++] = pl->refs[i].gen;
		store_map_drop(pl, pl->refs[i].gen);
	}
	pthread_mutex_unlock(&pl->retired_mu);
	pl->nrefs = k;
}

static void store_reload(struct pipeline *pl, struct polgen *pg);

/*
 * Hand message m to the collector (cs: its sink, refreshed when a reload
 * replaces the collector here).  Host and rule indices belong to the
 * policy of m->gen: a newer generation than the collector's means a
 * reload the store thread has not taken up yet (it does so now); an
 * older one goes through its map.  What has no counterpart under the
 * collector's policy (a host or rule the reload removed, or a generation
 * the collector never had) is counted as stale.
 */
static void
store_apply(struct pipeline *pl, struct msg *m, struct engine_sink *cs)
{
	const struct coverage_map *map;
	int h, r;

	if (m->body.type == MSG_RELEASE) {
		store_gen_release(pl, m->gen, m->gen_to);
		return;
	}
	if ((m->body.type != SINK_MSG_OBSERVE && m->body.type != SINK_MSG_COVER) ||
	    m->gen == pl->col_gen) {
		sink_msg_apply(cs, &m->body);
		return;
	}
	if ((int32_t)(m->gen - pl->col_gen) > 0) {
		/* acquire: the worker saw this generation published, so do we */
		store_reload(pl, atomic_load_explicit(&pl->cur, memory_order_acquire));
		collector_sink(pl->col, cs);
		if (m->gen == pl->col_gen) {
			sink_msg_apply(cs, &m->body);
			return;
		}
	}
	if ((map = store_map_find(pl, m->gen)) == NULL ||
	    (h = coverage_map_host(map, m->body.u.n.host)) < 0 ||
	    (m->body.type == SINK_MSG_COVER && (r = coverage_map_rule(map, m->body.u.n.rule)) < 0)) {
		pub(&pl->stale, get(&pl->stale) + 1);
		return;
	}
	m->body.u.n.host = h;
	if (m->body.type == SINK_MSG_COVER)
		m->body.u.n.rule = r;
	sink_msg_apply(cs, &m->body);
}

/* Coverage messages the workers have lost so far, all together. */
static uint64_t
pipeline_cov_drops(struct pipeline *pl)
{
	uint64_t n = 0;

	for (int i = 0; i < pl->po.workers; i++)
		n += get(&pl->w[i].cov_drops);
	return n;
}

/* Judge the coverage window: its missing findings say whether coverage
 * messages were lost during it. */
static void
store_finish_window(struct pipeline *pl)
{
	collector_set_lost(pl->col, pipeline_cov_drops(pl) - pl->window_cov_drops);
	collector_finish(pl->col, pipeline_blind(pl), pipeline_window_end(pl));
}

/* Close the coverage window: judge it, then open a new one under `pg`.
 * A new policy's rules go to the database's rules table, and the
 * collector lets go of the generations it moves past. */
static void
store_rotate(struct pipeline *pl, struct polgen *pg)
{
	struct collector *prev = pl->col;
	uint32_t old = pl->col_gen;

	store_finish_window(pl);
	/* the counts go on: the run's findings, not the window's */
	pl->col = collector_new(pl->cfg, pg->pol, &pl->out_sink);
	if (pl->col != NULL)
		collector_carry(pl->col, prev);
	collector_free(prev);
	pl->col_gen = pg->gen;
	if (pg->gen != old) {
		/* (out of memory in store_reload()): older generations' messages
		 * are stale from now on */
		while (pl->nmaps > 0)
			store_map_drop(pl, pl->maps[0].gen);
		if (pl->out != NULL)
			output_rules(pl->out, policy_ruleset(pg->pol));
		store_gen_release(pl, old, pg->gen - 1);
	}
	atomic_fetch_add_explicit(&pl->window_no, 1, memory_order_release);
	pl->window_start = wall_usec();
	pl->window_cov_drops = pipeline_cov_drops(pl);
}

/*
 * A reload: the window goes on under `pg` (a newer generation than the
 * collector's).  A collector of the new policy takes over what the
 * window has seen (collector_carry_window()), the maps of older
 * generations are extended to it, and the window is judged at its
 * natural end.  Out of memory for the map: the window is closed as it
 * used to be (store_rotate()).
 */
static void
store_reload(struct pipeline *pl, struct polgen *pg)
{
	struct collector *prev = pl->col, *next;
	struct coverage_map *map;
	uint32_t old = pl->col_gen;

	if (pg->gen == old)
		return;
	if (pl->nmaps == pl->capmaps) {
		int ncap = pl->capmaps != 0 ? pl->capmaps * 2 : 8;
		struct gen_map *n = realloc(pl->maps, (size_t)ncap * sizeof(*n));

		if (n != NULL) {
			pl->maps = n;
			pl->capmaps = ncap;
		}
	}
	map = pl->nmaps < pl->capmaps ?
	    coverage_map_new(collector_policy(prev), pg->pol) : NULL;
	next = map != NULL ? collector_new(pl->cfg, pg->pol, &pl->out_sink) : NULL;
	if (next == NULL) {
		log_warnx("out of memory carrying the coverage window over to the new policy: "
		    "the window is judged now");
		coverage_map_free(map);
		store_rotate(pl, pg);
		return;
	}
	collector_carry_window(next, prev, map);
	collector_free(prev);
	pl->col = next;
	pl->col_gen = pg->gen;
	for (int i = 0; i < pl->nmaps; i++)
		coverage_map_chain(pl->maps[i].map, map);
	pl->maps[pl->nmaps].gen = old;
	pl->maps[pl->nmaps].map = map;
	pl->nmaps++;
	if (pl->out != NULL)
		output_rules(pl->out, policy_ruleset(pg->pol));
	store_gen_release(pl, old, pg->gen - 1);
}

/* Records lost by the workers (a full ring) */
static uint64_t
pipeline_queue_lost(struct pipeline *pl)
{
	uint64_t n = 0;

	for (int i = 0; i < pl->po.workers; i++)
		n += get(&pl->w[i].store_drops);
	return n;
}

/* Store thread: hand the output the queue's losses, and publish the
 * outputs' for pipeline_stats() (SIGUSR1, STATUS=). */
static void
store_publish_lost(struct pipeline *pl)
{
	struct output_lost l;

	if (pl->out == NULL)	/* a sink of its own (discovery): no outputs to lose */
		return;
	output_set_queue_lost(pl->out, pipeline_queue_lost(pl));
	output_lost(pl->out, &l);
	pub(&pl->lost_database, l.database);
	pub(&pl->lost_eve, l.eve);
}

/* Live: the counters so far, to SQLite and as an EVE stats event. */
static void
store_stats(struct pipeline *pl, uint64_t now)
{
	struct pipeline_stats st;
	const char *names[RUN_STATS_MAX];
	uint64_t v[RUN_STATS_MAX];
	int n;

	store_publish_lost(pl);
	pipeline_stats(pl, &st);
	n = run_stats_event(&st, now > pl->start_usec ? (now - pl->start_usec) / 1000000u : 0,
	    names, v);
	if (pl->out != NULL)
		output_stats(pl->out, now, names, v, n);
}

static void *
store_thread(void *arg)
{
	struct pipeline *pl = arg;
	uint64_t next_tick = 0, next_stats = 0;

	thread_unprivileged("store");
	for (;;) {
		struct engine_sink cs;
		int n = 0;

		collector_sink(pl->col, &cs);
		for (int i = 0; i < pl->po.workers; i++) {
			struct msg *m;
			int k = 0;

			while (k < STORE_BATCH_MSG && (m = ring_peek(pl->w[i].out)) != NULL) {
				store_apply(pl, m, &cs);
				ring_release(pl->w[i].out);
				k++;
			}
			n += k;
		}
		pub(&pl->findings, collector_findings(pl->col));
		pub(&pl->failing, collector_failing(pl->col));
		if (n == 0) {
			int all_done = 1;

			if (atomic_load_explicit(&pl->store_finish, memory_order_acquire)) {
				for (int i = 0; i < pl->po.workers; i++)
					if (!atomic_load_explicit(&pl->w[i].done, memory_order_acquire) ||
					    ring_count(pl->w[i].out) != 0)
						all_done = 0;
				if (all_done)
					break;
			}
		}
		{
			uint64_t now = wall_usec();
			struct polgen *pg = atomic_load_explicit(&pl->cur, memory_order_acquire);

			if (now >= next_tick && pl->out != NULL) {
				output_tick(pl->out, now);
				if (!pl->po.files)
					output_commit(pl->out);	/* visible to readers within a second */
				store_publish_lost(pl);
				next_tick = now + TICK_USEC;
			}
			if (!pl->po.files && pl->po.stats_sec != 0) {
				if (next_stats == 0)
					next_stats = now + (uint64_t)pl->po.stats_sec * 1000000u;
				else if (now >= next_stats) {
					store_stats(pl, now);
					next_stats = now + (uint64_t)pl->po.stats_sec * 1000000u;
				}
			}
			if (atomic_exchange_explicit(&pl->reopen, 0, memory_order_acq_rel) &&
			    pl->out != NULL && output_reopen(pl->out) == -1)
				log_warnx("reopening the output files failed");
			if (pg->gen != pl->col_gen)
				store_reload(pl, pg);	/* the window goes on */
			else if (!pl->po.files && pl->po.window_sec != 0 &&
			    now >= pl->window_start + (uint64_t)pl->po.window_sec * 1000000u)
				store_rotate(pl, pg);
		}
		if (n == 0) {
			if (pl->out != NULL)
				output_idle(pl->out);	/* a pruner's turn */
			idle();
		}
	}
	return NULL;
}

/* --- owner ------------------------------------------------------------------------ */

_Static_assert(CONFIG_MAX_FLOWS == FLOW_MAX_FLOWS, "max-flows is checked against the flow table's limit");

struct pipeline *
pipeline_new(const struct config *cfg, const struct policy *pol,
    const struct pipeline_opts *po, char *err, size_t errlen)
{
	struct pipeline *pl;
	struct polgen *pg;

	if (po->workers < 1 || po->workers > PIPELINE_MAX_WORKERS) {
		snprintf(err, errlen, "workers must be from 1 to %d", PIPELINE_MAX_WORKERS);
		return NULL;
	}
	if (po->ring_slots == 0 || (po->ring_slots & (po->ring_slots - 1)) != 0) {
		snprintf(err, errlen, "ring slots must be a power of two, not %u", po->ring_slots);
		return NULL;
	}
	pl = calloc(1, sizeof(*pl));
	pg = calloc(1, sizeof(*pg));
	if (pl == NULL || pg == NULL || (pl->refs = calloc(16, sizeof(*pl->refs))) == NULL) {
		if (pl != NULL)
			free(pl->refs);
		free(pl);
		free(pg);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* generation 0, held by every worker and the collector */
	pl->caprefs = 16;
	pl->nrefs = 1;
	pl->refs[0].gen = 0;
	pl->refs[0].holders = (uint32_t)po->workers + 1;
	pthread_mutex_init(&pl->retired_mu, NULL);
	pl->cfg = cfg;
	pl->wcfg = *cfg;
	pl->wcfg.max_flows = cfg->max_flows / (uint32_t)po->workers +
	    (cfg->max_flows % (uint32_t)po->workers != 0);
	pl->po = *po;
	pg->pol = pol;
	pg->gen = 0;
	atomic_init(&pl->cur, pg);
	for (int i = 0; i < po->workers; i++) {
		pl->w[i].pl = pl;
		pl->w[i].idx = i;
	}
	return pl;
}

/* The workers' engines and the store thread's collector, writing through
 * pl->out_sink (set by the caller). */
static int
pipeline_set_engines(struct pipeline *pl, char *err, size_t errlen)
{
	struct polgen *pg = atomic_load_explicit(&pl->cur, memory_order_relaxed);
	uint64_t id_start;

	pl->col = collector_new(pl->cfg, pg->pol, &pl->out_sink);
	if (pl->col == NULL)
		goto oom;
	id_start = sensor_flow_id_start();
	for (int i = 0; i < pl->po.workers; i++) {
		struct worker *w = &pl->w[i];
		struct engine_sink ws;

		/* what a worker's engine emits: flows (when an output takes
		 * them), findings, observe and cover; coverage and counters
		 * come from the store thread's collector */
		w->enc.reserve = msg_reserve;
		w->enc.commit = msg_commit;
		w->enc.arg = w;
		sink_enc_front(&w->enc, NULL, &ws);
		w->observe = ws.observe;
		ws.observe = worker_observe;
		if (pl->out_sink.flow == NULL)
			ws.flow = NULL;
		ws.coverage = NULL;
		ws.counter = NULL;
		w->eng = engine_new(&pl->wcfg, pg->pol, &ws);
		w->out = ring_new(RECORD_SLOTS, sizeof(struct msg));
		if (w->eng == NULL || w->out == NULL)
			goto oom;
		/* flow ids unique across workers, and across runs (sensor.h) */
		engine_set_flow_ids(w->eng, id_start + (uint64_t)i, (uint64_t)pl->po.workers);
		if (!pl->po.files)
			engine_prefault(w->eng);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory (max-flows %u: %u flows for each of %d workers)",
	    pl->cfg->max_flows, pl->wcfg.max_flows, pl->po.workers);
	return -1;
}

int
pipeline_set_output(struct pipeline *pl, struct output *out, char *err, size_t errlen)
{
	pl->out = out;
	output_sink(out, &pl->out_sink);
	return pipeline_set_engines(pl, err, errlen);
}

int
pipeline_set_sink(struct pipeline *pl, const struct engine_sink *sink, char *err, size_t errlen)
{
	pl->out = NULL;
	pl->out_sink = *sink;
	return pipeline_set_engines(pl, err, errlen);
}

void
pipeline_reopen(struct pipeline *pl)
{
	/* release: pairs with the store thread's acq_rel exchange */
	atomic_store_explicit(&pl->reopen, 1, memory_order_release);
}

int
pipeline_add_source(struct pipeline *pl, const struct capture_ops *ops,
    const struct capture_opts *o, const char *name, char *err, size_t errlen)
{
	struct source *s;

	if (pl->nsrc == PIPELINE_MAX_SOURCES) {
		snprintf(err, errlen, "too many sources (at most %d)", PIPELINE_MAX_SOURCES);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->pl = pl;
	s->idx = (uint32_t)pl->nsrc;
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (int i = 0; i < pl->po.workers; i++) {
		s->rings[i] = ring_new(pl->po.ring_slots, RING_PKT_SLOT_SIZE(o->snaplen));
		if (s->rings[i] == NULL) {
			snprintf(err, errlen, "%s: cannot allocate the capture ring (%u slots of %u bytes)",
			    name, pl->po.ring_slots, RING_PKT_SLOT_SIZE(o->snaplen));
			goto fail;
		}
	}
	s->cap = capture_new(ops, o, s->name, s->idx, deliver, s);
	if (s->cap == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (capture_open(s->cap, err, errlen) == -1)
		goto fail;
	pl->src[pl->nsrc++] = s;
	return 0;
fail:
	capture_free(s->cap);
	for (int i = 0; i < pl->po.workers; i++)
		ring_free(s->rings[i]);
	free(s);
	return -1;
}

int
pipeline_start(struct pipeline *pl, char *err, size_t errlen)
{
	int rv;

	pl->window_start = wall_usec();
	pl->start_usec = pl->window_start;
	if ((rv = pthread_create(&pl->store_thr, NULL, store_thread, pl)) != 0) {
		snprintf(err, errlen, "cannot start the store thread: %s", strerror(rv));
		return -1;
	}
	pl->store_started = 1;
	for (int i = 0; i < pl->po.workers; i++) {
		if ((rv = pthread_create(&pl->w[i].thr, NULL, worker_thread, &pl->w[i])) != 0) {
			snprintf(err, errlen, "cannot start a worker thread: %s", strerror(rv));
			return -1;
		}
		pl->w[i].started = 1;
	}
	for (int s = 0; s < pl->nsrc; s++)
		if (capture_start(pl->src[s]->cap, err, errlen) == -1)
			return -1;
	return 0;
}

void
pipeline_set_policy(struct pipeline *pl, const struct policy *pol)
{
	struct polgen *old = atomic_load_explicit(&pl->cur, memory_order_relaxed);
	struct polgen *pg = calloc(1, sizeof(*pg));

	if (pg == NULL) {
		log_warnx("out of memory: the new policy was not applied");
		return;
	}
	pg->pol = pol;
	pg->gen = old->gen + 1;
	pg->older = old;
	/* release: the policy and this polgen are complete before anyone
	 * can load the pointer */
	atomic_store_explicit(&pl->cur, pg, memory_order_release);
	pub(&pl->reloads, get(&pl->reloads) + 1);
}

int
pipeline_reap(struct pipeline *pl, void (*fn)(void *, const struct policy *), void *arg)
{
	uint32_t *gens;
	int n, reaped = 0;

	pthread_mutex_lock(&pl->retired_mu);
	gens = pl->retired;
	n = pl->nretired;
	pl->retired = NULL;
	pl->nretired = pl->capretired = 0;
	pthread_mutex_unlock(&pl->retired_mu);
	for (int i = 0; i < n; i++) {
		/* the chain is the owner's: the newest first, never the current */
		struct polgen *prev = atomic_load_explicit(&pl->cur, memory_order_relaxed), *pg;

		for (pg = prev->older; pg != NULL && pg->gen != gens[i]; pg = pg->older)
			prev = pg;
		if (pg == NULL)
			continue;
		prev->older = pg->older;
		if (fn != NULL)
			fn(arg, pg->pol);
		free(pg);
		reaped++;
	}
	free(gens);
	return reaped;
}

int
pipeline_done(struct pipeline *pl)
{
	for (int s = 0; s < pl->nsrc; s++) {
		struct capture_stats cs;

		capture_stats_read(pl->src[s]->cap, &cs);
		if (!cs.finished)
			return 0;
	}
	return pl->po.files;
}

/* The run's counters, every worker and capture added up, to the outputs.
 * Owner thread, after every thread has been joined. */
static void
pipeline_write_counters(struct pipeline *pl)
{
	struct engine_counters sum;
	struct flow_stats fsum;
	struct pipeline_stats st;
	const struct engine_sink *o = &pl->out_sink;

	memset(&sum, 0, sizeof(sum));
	memset(&fsum, 0, sizeof(fsum));
	for (int i = 0; i < pl->po.workers; i++) {
		const struct flow_stats *fs = engine_flow_stats(pl->w[i].eng);

		engine_counters_add(&sum, engine_counters(pl->w[i].eng));
		fsum.created += fs->created;
		fsum.expired += fs->expired;
		fsum.evicted += fs->evicted;
		fsum.flushed += fs->flushed;
		fsum.peak += fs->peak;	/* an upper bound: the workers' peaks may differ in time */
		fsum.frags_tied += fs->frags_tied;
		fsum.frags_orphan += fs->frags_orphan;
	}
	engine_write_counters(&sum, &fsum, o);
	/* store.records_lost and its causes: output_run_end() */
	if (pl->out != NULL)
		output_set_queue_lost(pl->out, pipeline_queue_lost(pl));
	if (o->counter == NULL)
		return;
	pipeline_stats(pl, &st);
	run_counters_write(&st, pl->po.filter != NULL, pl->po.workers, o);
}

int
pipeline_stop(struct pipeline *pl, char *err, size_t errlen)
{
	int rv = 0;

	for (int s = 0; s < pl->nsrc; s++)
		capture_stop(pl->src[s]->cap);
	for (int s = 0; s < pl->nsrc; s++)
		if (capture_join(pl->src[s]->cap) == -1 && rv == 0) {
			snprintf(err, errlen, "%s", capture_error(pl->src[s]->cap));
			rv = -1;
		}
	/* release: the captures are joined, nothing more enters the rings */
	atomic_store_explicit(&pl->workers_finish, 1, memory_order_release);
	for (int i = 0; i < pl->po.workers; i++)
		if (pl->w[i].started) {
			pthread_join(pl->w[i].thr, NULL);
			pl->w[i].started = 0;
		}
	atomic_store_explicit(&pl->store_finish, 1, memory_order_release);
	if (pl->store_started) {
		pthread_join(pl->store_thr, NULL);
		pl->store_started = 0;
	}
	/* every thread is joined: the owner may touch the collector now */
	{
		struct polgen *pg = atomic_load_explicit(&pl->cur, memory_order_acquire);
		if (pg->gen != pl->col_gen)
			store_reload(pl, pg);
	}
	store_finish_window(pl);
	pub(&pl->findings, collector_findings(pl->col));
	pub(&pl->failing, collector_failing(pl->col));
	pipeline_write_counters(pl);
	/* live: a last stats event, so that the EVE file ends with the
	 * numbers the summary and the database give */
	if (!pl->po.files && pl->po.stats_sec != 0 && pl->out != NULL)
		store_stats(pl, wall_usec());
	return rv;
}

void
pipeline_stats(struct pipeline *pl, struct pipeline_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int s = 0; s < pl->nsrc; s++) {
		struct capture_stats cs;

		capture_stats_read(pl->src[s]->cap, &cs);
		st->received += cs.packets;
		st->filtered += cs.filtered;
		st->unfilterable += cs.unfilterable;
		st->kernel_recv += cs.kernel_recv;
		st->kernel_drops += cs.kernel_drops;
		st->if_drops += cs.if_drops;
		st->overruns += cs.overruns;
		st->ring_drops += cs.ring_drops;
		st->outages += cs.outages;
		st->outage_ms += cs.outage_ms;
	}
	for (int i = 0; i < pl->po.workers; i++) {
		st->classified += get(&pl->w[i].classified);
		st->malformed += get(&pl->w[i].malformed);
		st->non_ip += get(&pl->w[i].non_ip);
		st->store_drops += get(&pl->w[i].store_drops);
	}
	st->lost_database = get(&pl->lost_database);
	st->lost_eve = get(&pl->lost_eve);
	st->records_lost = st->store_drops + st->lost_database + st->lost_eve;
	st->findings = get(&pl->findings);
	st->stale = get(&pl->stale);
	st->reloads = get(&pl->reloads);
}

uint64_t
pipeline_findings(const struct pipeline *pl)
{
	return get(&pl->findings);
}

uint64_t
pipeline_failing(const struct pipeline *pl)
{
	return get(&pl->failing);
}

void
pipeline_summary(struct pipeline *pl, FILE *out)
{
	struct pipeline_stats st;

	store_publish_lost(pl);		/* every thread joined: the owner's now */
	pipeline_stats(pl, &st);
	for (int i = 0; i < pl->po.workers; i++) {
		if (pl->po.workers > 1)
			fprintf(out, "worker %d:\n", i);
		engine_summary(pl->w[i].eng, out);
	}
	if (!pl->po.files || st.ring_drops + st.kernel_drops + st.if_drops + st.records_lost > 0)
		fprintf(out, "capture: %llu received, %llu kernel drops, %llu interface drops, %llu ring drops, %llu classified, %llu records lost (queue %llu, database %llu, EVE %llu)\n",
		    (unsigned long long)st.received, (unsigned long long)st.kernel_drops,
		    (unsigned long long)st.if_drops, (unsigned long long)st.ring_drops,
		    (unsigned long long)st.classified, (unsigned long long)st.records_lost,
		    (unsigned long long)st.store_drops, (unsigned long long)st.lost_database,
		    (unsigned long long)st.lost_eve);
	if (pl->po.filter != NULL)
		pkt_filter_summary(out, pl->po.filter, st.received, st.filtered, st.unfilterable);
	collector_summary(pl->col, out);
	for (int i = 0; i < pl->po.workers; i++)
		engine_summary_top(pl->w[i].eng, out);
}

void
pipeline_coverage_print(struct pipeline *pl, int format, FILE *out)
{
	collector_coverage_print(pl->col, format, out);
}

void
pipeline_free(struct pipeline *pl)
{
	struct polgen *pg;

	if (pl == NULL)
		return;
	for (int s = 0; s < pl->nsrc; s++) {
		capture_free(pl->src[s]->cap);
		for (int i = 0; i < pl->po.workers; i++)
			ring_free(pl->src[s]->rings[i]);
		free(pl->src[s]);
	}
	for (int i = 0; i < pl->po.workers; i++) {
		engine_free(pl->w[i].eng);
		ring_free(pl->w[i].out);
		free(pl->w[i].rel);
	}
	collector_free(pl->col);
	for (int i = 0; i < pl->nmaps; i++)
		coverage_map_free(pl->maps[i].map);
	free(pl->maps);
	free(pl->refs);
	free(pl->retired);
	pthread_mutex_destroy(&pl->retired_mu);
	pg = atomic_load_explicit(&pl->cur, memory_order_relaxed);
	while (pg != NULL) {
		struct polgen *older = pg->older;
		free(pg);
		pg = older;
	}
	free(pl);
}
