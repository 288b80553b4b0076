/*
 * pipeline-store.c - the pipeline's store thread (pipeline-int.h): the
 * consumer of every worker's record ring, the sole owner of the collector
 * and the outputs.
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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "conformd/collector.h"
#include "conformd/log.h"
#include "conformd/output.h"
#include "conformd/ring.h"
#include "conformd/run.h"
#include "conformd/sink-msg.h"
#include "conformd/thread.h"
#include "pipeline-int.h"

#define STORE_BATCH_MSG	1024		/* records per ring per turn */

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
		pipeline_store_reload(pl, atomic_load_explicit(&pl->cur, memory_order_acquire));
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
void
pipeline_store_finish_window(struct pipeline *pl)
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

	pipeline_store_finish_window(pl);
	/* the counts go on: the run's findings, not the window's */
	pl->col = collector_new(pl->cfg, pg->pol, &pl->out_sink);
	if (pl->col != NULL)
		collector_carry(pl->col, prev);
	collector_free(prev);
	pl->col_gen = pg->gen;
	if (pg->gen != old) {
		/* (out of memory in pipeline_store_reload()): older generations' messages
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
void
pipeline_store_reload(struct pipeline *pl, struct polgen *pg)
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
uint64_t
pipeline_queue_lost(struct pipeline *pl)
{
	uint64_t n = 0;

	for (int i = 0; i < pl->po.workers; i++)
		n += get(&pl->w[i].store_drops);
	return n;
}

/* Store thread: hand the output the queue's losses, and publish the
 * outputs' for pipeline_stats() (SIGUSR1, STATUS=). */
void
pipeline_store_publish_lost(struct pipeline *pl)
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
void
pipeline_store_stats(struct pipeline *pl, uint64_t now)
{
	struct pipeline_stats st;
	const char *names[RUN_STATS_MAX];
	uint64_t v[RUN_STATS_MAX];
	int n;

	pipeline_store_publish_lost(pl);
	pipeline_stats(pl, &st);
	n = run_stats_event(&st, now > pl->start_usec ? (now - pl->start_usec) / 1000000u : 0,
	    names, v);
	if (pl->out != NULL)
		output_stats(pl->out, now, names, v, n);
}

void *
pipeline_store_thread(void *arg)
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
				pipeline_store_publish_lost(pl);
				next_tick = now + TICK_USEC;
			}
			if (!pl->po.files && pl->po.stats_sec != 0) {
				if (next_stats == 0)
					next_stats = now + (uint64_t)pl->po.stats_sec * 1000000u;
				else if (now >= next_stats) {
					pipeline_store_stats(pl, now);
					next_stats = now + (uint64_t)pl->po.stats_sec * 1000000u;
				}
			}
			if (atomic_exchange_explicit(&pl->reopen, 0, memory_order_acq_rel) &&
			    pl->out != NULL && output_reopen(pl->out) == -1)
				log_warnx("reopening the output files failed");
			if (pg->gen != pl->col_gen)
				pipeline_store_reload(pl, pg);	/* the window goes on */
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
