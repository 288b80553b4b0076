/*
 * output.c - the synchronous sink: every record to every configured
 * output (SQLite, EVE), and every finding to the alert feeds
 * (output-feed.c).  A failing output is never fatal: classification goes
 * on, each outage is logged when it begins and when it ends (outage.h,
 * output-db.c), and every record it could not take is counted, by cause
 * (output_lost()): in the counters, the stats events, the summary and the
 * exit status.  EVE is written by a thread of its own (output-eve.c); the
 * run's rows are output-run.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "conformd/eve.h"
#include "conformd/feed.h"
#include "conformd/log.h"
#include "conformd/output.h"
#include "conformd/record-text.h"
#include "conformd/sensor.h"
#include "conformd/store.h"
#include "output-int.h"

struct output *
output_open(const struct config *cfg, const char *db, const char *eve, char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));
	struct eve_ident id = { NULL, NULL };

	if (o == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg != NULL) {
		o->text.community_id = cfg->community_id;
		o->text.community_seed = (uint16_t)cfg->community_id_seed;
	}
	/* who writes: every output names the sensor */
	if (cfg != NULL && cfg->sensor_name != NULL)
		snprintf(o->sensor, sizeof(o->sensor), "%s", cfg->sensor_name);
	else
		sensor_default_name(o->sensor, sizeof(o->sensor));
	if (cfg != NULL) {
		o->retain_age = cfg->retention_age;
		o->retain_bytes = cfg->retention_bytes;
	}
	if (output_feed_open(o, cfg, err, errlen) == -1 ||
	    output_db_open(o, db, err, errlen) == -1) {
		output_close(o);
		return NULL;
	}
	if (eve != NULL && (o->ev = eve_open(eve, err, errlen)) == NULL) {
		output_close(o);
		return NULL;
	}
	id.host = o->sensor;
	if (o->ev != NULL && eve_set_ident(o->ev, &id) == -1) {
		snprintf(err, errlen, "out of memory");
		output_close(o);
		return NULL;
	}
	return o;
}

int
output_set_iface(struct output *o, const char *iface)
{
	struct eve_ident id = { o->sensor, iface };

	for (int i = 0; i < o->nfeeds; i++)
		feed_set_in_iface(o->feeds[i], iface);
	return o->ev != NULL ? eve_set_ident(o->ev, &id) : 0;
}

const char *
output_sensor(const struct output *o)
{
	return o->sensor;
}

void
output_start(struct output *o, int offline)
{
	o->offline = offline != 0;
	if (o->st != NULL) {
		store_set_bulk(o->st, o->offline);
		store_checkpoint_thread(o->st);
	}
	output_eve_start(o);
}

void
output_tick(struct output *o, uint64_t now_usec)
{
	struct timespec ts;

	output_feed_tick(o, now_usec);
	/* the database retry runs on the wall clock, whatever `now` is */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	output_db_retry(o, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

/*
 * A flow ended: to the EVE thread in binary (first: the threads overlap),
 * and its text made here once for the database (and for EVE when it has
 * no thread of its own).
 */
static void
output_flow(void *arg, const struct rec_flow *b)
{
	struct output *o = arg;
	struct flow_record r;
	struct store *st;

	if (o->eveq != NULL)
		o->eveq_front.flow(o->eveq_front.arg, b);
	if (o->st == NULL && o->db_path == NULL && o->eveq != NULL)
		return;
	if (record_text_flow(b, &o->text, &r) == -1) {
		o->invalid++;
		return;
	}
	if ((st = output_db(o)) != NULL) {
		(void)store_flow(st, &r);
		output_db_check(o);
	}
	if (o->eveq == NULL && o->ev != NULL)
		(void)eve_flow(o->ev, &r);
}

static void
output_finding(void *arg, const struct rec_finding *b)
{
	struct output *o = arg;
	struct finding_text t;
	struct finding f;
	struct store *st;

	if (o->eveq != NULL)
		o->eveq_front.finding(o->eveq_front.arg, b);
	if (record_text_finding(b, &o->text, &f, &t) == -1) {
		o->invalid++;
		return;
	}
	if ((st = output_db(o)) != NULL) {
		(void)store_finding(st, &f);
		output_db_check(o);
	}
	if (o->eveq == NULL && o->ev != NULL)
		(void)eve_alert(o->ev, &f);
	if (o->nfeeds > 0)
		output_feed_finding(o, &f);
}

static void
output_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct output *o = arg;
	struct store *st;

	if ((st = output_db(o)) != NULL) {
		(void)store_coverage(st, host, rule_id, state, flows, bytes, first_usec,
		    last_usec, evidence);
		output_db_check(o);
	}
}

void
output_counter(void *arg, const char *name, uint64_t value)
{
	struct output *o = arg;
	struct store *st;

	if ((st = output_db(o)) != NULL) {
		(void)store_counter(st, name, value);
		output_db_check(o);
	}
}

void
output_sink(struct output *o, struct engine_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->arg = o;
	if (o->st == NULL && o->db_path == NULL && o->ev == NULL && o->nfeeds == 0)
		return;		/* nothing reads records: the engine can skip building them */
	if (o->st != NULL || o->db_path != NULL || o->ev != NULL)
		sink->flow = output_flow;	/* the alert feeds take findings only */
	sink->finding = output_finding;
	sink->coverage = output_coverage;
	sink->counter = output_counter;
}

void
output_set_queue_lost(struct output *o, uint64_t n)
{
	o->queue_lost = n;
}

void
output_lost(const struct output *o, struct output_lost *l)
{
	l->queue = o->queue_lost;
	l->database = o->db_unopened + o->invalid + (o->st != NULL ? store_rows_failed(o->st) : 0);
	l->eve = o->ev != NULL ? eve_lost(o->ev) : 0;
	l->total = l->queue + l->database + l->eve;
}

void
output_stats(struct output *o, uint64_t now_usec, const char *const *names,
    const uint64_t *values, int n)
{
	struct store *st;

	output_eve_sync(o, 0);
	for (int i = 0; i < n; i++)
		if ((st = output_db(o)) != NULL)
			(void)store_counter(st, names[i], values[i]);
	if (o->st != NULL) {
		(void)store_commit(o->st);
		output_db_check(o);
	}
	if (o->ev != NULL)
		(void)eve_stats(o->ev, now_usec, names, values, n);
}

void
output_idle(struct output *o)
{
	if (o->st != NULL)
		store_yield(o->st);
}

void
output_commit(struct output *o)
{
	output_eve_sync(o, 0);
	if (o->st != NULL) {
		(void)store_commit(o->st);
		output_db_check(o);
	}
	if (o->ev != NULL)
		(void)eve_flush(o->ev);
}

uint64_t
output_errors(struct output *o)
{
	struct output_lost l;

	output_eve_sync(o, 0);
	output_lost(o, &l);
	return l.database + l.eve;
}

int
output_reopen(struct output *o)
{
	output_eve_sync(o, 0);
	if (o->ev != NULL && eve_reopen(o->ev) == -1) {
		log_warn("cannot reopen the EVE file");
		return -1;
	}
	return 0;
}

void
output_close(struct output *o)
{
	if (o == NULL)
		return;
	output_eve_sync(o, 1);
	output_feed_close(o);
	eve_close(o->ev);
	store_close(o->st);
	free(o->db_path);
	store_rules_release(&o->held);
	free(o->run_sources);
	free(o->run_version);
	free(o);
}
