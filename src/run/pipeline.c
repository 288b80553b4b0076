/*
 * pipeline.c - capture threads -> packet rings -> workers -> record rings
 * -> store thread (pipeline.h): the owner thread's side (create, start,
 * swap the policy, stop, join, counters) and the capture threads'
 * dispatch of packets to workers.  The workers are pipeline-worker.c, the
 * store thread pipeline-store.c; what the three share, and who owns what,
 * pipeline-int.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/collector.h"
#include "conformd/decode-fast.h"
#include "conformd/decode.h"
#include "conformd/engine.h"
#include "conformd/filter.h"
#include "conformd/flow.h"
#include "conformd/log.h"
#include "conformd/output.h"
#include "conformd/pipeline.h"
#include "conformd/ring.h"
#include "conformd/run.h"
#include "conformd/sensor.h"
#include "pipeline-int.h"

/* --- capture side: dispatch ------------------------------------------------------ */

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
			return capture_deliver_ring_fast(s->rings[flow_dispatch(fp.key.addr[0],
			    fp.key.addr[1], (uint32_t)nw)], p, &fp);
		(void)decode_packet(q, p->linktype, p->data, p->caplen, p->wirelen);
		if (q->family != 0) {
			const uint8_t *a = q->src, *b = q->dst;
			if (q->inner.valid) {
				a = q->inner.src;
				b = q->inner.dst;
			}
			w = (int)flow_dispatch(a, b, (uint32_t)nw);
		}
		/* not a fast shape: the worker knows without looking again */
		return capture_deliver_ring_fast(s->rings[w], p, &fp);
	}
	return capture_deliver_ring(s->rings[w], p);
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
	if (po->record_slots != 0 &&
	    (po->record_slots < 64 || (po->record_slots & (po->record_slots - 1)) != 0)) {
		snprintf(err, errlen, "record slots must be a power of two from 64, not %u",
		    po->record_slots);
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
	if (pl->po.record_slots == 0)
		pl->po.record_slots = RECORD_SLOTS;
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

		pipeline_worker_sink(w, &ws);
		w->eng = engine_new(&pl->wcfg, pg->pol, &ws);
		w->out = ring_new(pl->po.record_slots, sizeof(struct msg));
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
	if ((rv = pthread_create(&pl->store_thr, NULL, pipeline_store_thread, pl)) != 0) {
		snprintf(err, errlen, "cannot start the store thread: %s", strerror(rv));
		return -1;
	}
	pl->store_started = 1;
	for (int i = 0; i < pl->po.workers; i++) {
		if ((rv = pthread_create(&pl->w[i].thr, NULL, pipeline_worker_thread, &pl->w[i])) != 0) {
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
			pipeline_store_reload(pl, pg);
	}
	pipeline_store_finish_window(pl);
	pub(&pl->findings, collector_findings(pl->col));
	pub(&pl->failing, collector_failing(pl->col));
	pipeline_write_counters(pl);
	/* live: a last stats event, so that the EVE file ends with the
	 * numbers the summary and the database give */
	if (!pl->po.files && pl->po.stats_sec != 0 && pl->out != NULL)
		pipeline_store_stats(pl, wall_usec());
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

	pipeline_store_publish_lost(pl);		/* every thread joined: the owner's now */
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
