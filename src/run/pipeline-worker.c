/*
 * pipeline-worker.c - a classifier worker of the pipeline (pipeline-int.h):
 * it consumes its packet ring from every capture, classifies with its own
 * engine (the sole owner of its part of the flow table), and produces its
 * record ring to the store thread: the engine's records, and the policy
 * generations it lets go of (MSG_RELEASE, after every record citing them).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/engine.h"
#include "conformd/ring.h"
#include "conformd/sink-msg.h"
#include "conformd/thread.h"
#include "pipeline-int.h"

#define RECORD_WAITS	25		/* live: idle waits (5 ms) for room before a record is lost */
#define RECORD_HEADROOM(n)	((n) / 8)	/* live: the last slots, kept for coverage */
#define WORKER_BATCH	256		/* packets per ring per turn */
#define WORKER_CHUNK	32		/* slots handed to engine_slots() at once */
#define RELEASE_TAKE	64	/* engine_released() at a time */

/* A free record slot, or NULL (counted) when the store thread is behind in
 * live mode; files wait instead: a file never loses anything.  The
 * worker's encoder (sink-msg.h) fills it.
 *
 * Live, flow records and findings leave the last eighth of the slots to
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
	uint32_t slots = w->pl->po.record_slots;
	uint32_t room = cov ? slots : slots - RECORD_HEADROOM(slots);

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

void
pipeline_worker_sink(struct worker *w, struct engine_sink *ws)
{
	/* what a worker's engine emits: flows (when an output takes
	 * them), findings, observe and cover; coverage and counters
	 * come from the store thread's collector */
	w->enc.reserve = msg_reserve;
	w->enc.commit = msg_commit;
	w->enc.arg = w;
	sink_enc_front(&w->enc, NULL, ws);
	w->observe = ws->observe;
	ws->observe = worker_observe;
	if (w->pl->out_sink.flow == NULL)
		ws->flow = NULL;
	ws->coverage = NULL;
	ws->counter = NULL;
}

void *
pipeline_worker_thread(void *arg)
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
