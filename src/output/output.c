/*
 * output.c - the synchronous sink: every record to every configured
 * output (SQLite, EVE), and every finding to the alert feeds through
 * volume control (alert-limit.c) and the feeds' transports (feed.c).  A
 * failing output is never fatal: classification goes on, each outage is
 * logged when it begins and when it ends (outage.h), and every record it
 * could not take is counted, by cause (output_lost()): in the counters,
 * the stats events, the summary and the exit status.
 * SQLite and EVE are the complete record; only the feeds are limited,
 * and everything they leave out is counted (alerts.* counters).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "config.h"
#include "conformd/alert-limit.h"
#include "conformd/alert.h"
#include "conformd/eve.h"
#include "conformd/feed.h"
#include "conformd/log.h"
#include "conformd/output.h"
#include "conformd/record-text.h"
#include "conformd/sensor.h"
#include "conformd/sink-async.h"
#include "conformd/store.h"
#include "outage.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define OUTPUT_TICK_USEC	1000000ULL

struct output {
	struct store	*st;
	struct eve	*ev;
	char		 sensor[SENSOR_NAME_MAX + 1];	/* sensor.h */
	uint64_t	 retain_age, retain_bytes;	/* `retention` (store_set_retention()) */
	/* records lost: while the database could not be opened, and by the
	 * store thread falling behind (output_set_queue_lost()); the rest is
	 * counted by the store and the EVE writer themselves */
	uint64_t	 db_unopened;
	uint64_t	 queue_lost;
	struct outage	 db_out;	/* the database's outages */
	uint64_t	 db_failed, db_written;	/* the store's counts when last looked at */
	char		 db_err[256];	/* why it could not be opened */
	/* alert feeds */
	struct feed	*feeds[CONFIG_MAX_OUTPUTS];
	int		 nfeeds;
	int		 min_severity;	/* the most any feed takes */
	struct alert_limit *lim;
	uint64_t	 below_severity;	/* findings no feed takes */
	uint32_t	 scan_window;	/* seconds, for the summary's text */
	uint64_t	 last_tick;
	/* a database that could not be opened: retried, its records counted as lost */
	char		*db_path;
	uint64_t	 db_retry;	/* next attempt, microseconds */
	char		*run_sources, *run_version;
	uint64_t	 run_start;
	const struct ruleset *run_rs;
	const struct inventory *run_inv;
	int		 run_begun;
	int		 offline;	/* -r: bulk loads (store_set_bulk()) */
	struct rec_text_opts text;	/* what the configuration asks of a record's text */
	uint64_t	 invalid;	/* binary records refused (record-text.h): none is made */
	/* EVE formatted and written by its own thread (sink_async),
	 * in parallel with the database; the fields below are that thread's
	 * until output_eve_sync() */
	struct sink_async *eveq;
	struct engine_sink eveq_front;
};

#define DB_RETRY_USEC	(10ULL * 1000000)

/*
 * The database when it is open.  When it is configured but could not be
 * opened (read-only, disk full, missing directory), the record that would
 * have gone there is counted as lost and NULL is returned: classification
 * and the other outputs go on.
 */
static struct store *
output_db(struct output *o)
{
	if (o->st == NULL && o->db_path != NULL) {
		o->db_unopened++;
		outage_fail(&o->db_out, 1, o->db_err);
	}
	return o->st;
}

/*
 * After a write to the database: rows the store counted as failed (a row,
 * or a whole batch whose commit failed) begin or prolong an outage; rows
 * committed end it.  Two counter reads a record.
 */
static void
output_db_check(struct output *o)
{
	uint64_t failed = store_rows_failed(o->st), written = store_rows_written(o->st);

	if (failed != o->db_failed)
		outage_fail(&o->db_out, failed - o->db_failed, store_error(o->st));
	else if (written != o->db_written)
		outage_ok(&o->db_out, o->db_path);
	o->db_failed = failed;
	o->db_written = written;
}

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
	if (cfg != NULL && cfg->noutputs > 0) {
		for (int i = 0; i < cfg->noutputs; i++) {
			o->feeds[i] = feed_open(&cfg->outputs[i], o->sensor, PACKAGE_VERSION,
			    err, errlen);
			if (o->feeds[i] == NULL) {
				output_close(o);
				return NULL;
			}
			o->nfeeds++;
			if (cfg->outputs[i].min_severity > o->min_severity)
				o->min_severity = cfg->outputs[i].min_severity;
		}
		o->scan_window = cfg->scan_window;
		if ((o->lim = alert_limit_new(cfg)) == NULL) {
			snprintf(err, errlen, "out of memory for the alert limits");
			output_close(o);
			return NULL;
		}
	}
	outage_init(&o->db_out, "database");
	if (db != NULL && (o->db_path = strdup(db)) == NULL) {
		snprintf(err, errlen, "out of memory");
		output_close(o);
		return NULL;
	}
	if (db != NULL && (o->st = store_open(db, err, errlen)) != NULL &&
	    store_set_sensor(o->st, o->sensor) == -1) {
		snprintf(err, errlen, "out of memory");
		output_close(o);
		return NULL;
	}
	if (o->st != NULL)
		store_set_retention(o->st, o->retain_age, o->retain_bytes);
	if (db != NULL && o->st == NULL) {
		/* An outage from the start: classification and the other
		 * outputs go on, the records it cannot take are counted, and
		 * it is retried. */
		log_warnx("%s; classification goes on without the database, its records are "
		    "counted as lost, and it is retried every %llu s", err,
		    (unsigned long long)(DB_RETRY_USEC / 1000000));
		snprintf(o->db_err, sizeof(o->db_err), "%s", err);
		outage_begun(&o->db_out);
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

/* The EVE thread's sink: the binary records made text there, once; the
 * writer counts and logs its own failures (eve_lost(), outage.h). */
static void
eveq_flow(void *arg, const struct rec_flow *b)
{
	struct output *o = arg;
	struct flow_record r;

	if (record_text_flow(b, &o->text, &r) == 0)
		(void)eve_flow(o->ev, &r);
}

static void
eveq_finding(void *arg, const struct rec_finding *b)
{
	struct output *o = arg;
	struct finding_text t;
	struct finding f;

	if (record_text_finding(b, &o->text, &f, &t) == 0)
		(void)eve_alert(o->ev, &f);
}

/*
 * Everything queued to the EVE thread written; the thread stops when
 * `stop`.  Before anything else touches the EVE file (commit, stats,
 * reopen).
 */
static void
output_eve_sync(struct output *o, int stop)
{
	if (o->eveq == NULL)
		return;
	if (stop) {
		sink_async_stop(o->eveq, NULL);
		o->eveq = NULL;
	} else
		sink_async_drain(o->eveq);
}

void
output_barrier(struct output *o)
{
	output_eve_sync(o, 0);
}

void
output_start(struct output *o, int offline)
{
	char err[256];
	struct engine_sink to;

	o->offline = offline != 0;
	if (o->st != NULL) {
		store_set_bulk(o->st, o->offline);
		store_checkpoint_thread(o->st);
	}
	/* A file is read as fast as the outputs go, and live traffic sends
	 * records as fast as it comes: the EVE lines are formatted and
	 * written by a thread of their own while the database takes its
	 * rows. */
	if (o->ev != NULL && o->eveq == NULL) {
		memset(&to, 0, sizeof(to));
		to.arg = o;
		to.flow = eveq_flow;
		to.finding = eveq_finding;
		o->eveq = sink_async_start(&to, SINK_ASYNC_SLOTS, err, sizeof(err));
		if (o->eveq != NULL)
			sink_async_front(o->eveq, &o->eveq_front);
		else
			log_info("%s: EVE is written by the database's thread", err);
	}
}

void
output_run_begin(struct output *o, const char *sources, const char *version,
    uint64_t start_usec, const struct ruleset *rs, const struct inventory *inv)
{
	free(o->run_sources);
	free(o->run_version);
	o->run_sources = strdup(sources);
	o->run_version = strdup(version);
	o->run_start = start_usec;
	o->run_rs = rs;
	o->run_inv = inv;
	o->run_begun = 1;
	/* a run the database does not take now is tried again with the
	 * next rows (store.h) */
	if (o->st != NULL) {
		if (store_run_begin(o->st, sources, version, start_usec, rs) == -1 ||
		    (inv != NULL && rs != NULL && store_hosts(o->st, inv, rs) == -1))
			outage_fail(&o->db_out, 0, store_error(o->st));
		output_db_check(o);
	}
}

void
output_rules(struct output *o, const struct ruleset *rs)
{
	if (o->st != NULL && store_add_rules(o->st, rs) == -1)
		log_warnx("out of memory: the rules of this reload are not in the database");
}

/* A database that could not be opened is tried again. */
static void
output_db_retry(struct output *o, uint64_t now_usec)
{
	char err[1024];

	if (o->st != NULL || o->db_path == NULL || now_usec < o->db_retry)
		return;
	o->db_retry = now_usec + DB_RETRY_USEC;
	if ((o->st = store_open(o->db_path, err, sizeof(err))) == NULL)
		return;
	(void)store_set_sensor(o->st, o->sensor);	/* out of memory: a run without it */
	store_set_retention(o->st, o->retain_age, o->retain_bytes);
	store_set_bulk(o->st, o->offline);
	store_checkpoint_thread(o->st);
	o->db_failed = o->db_written = 0;
	outage_ok(&o->db_out, o->db_path);
	if (o->run_begun && (store_run_begin(o->st, o->run_sources != NULL ? o->run_sources : "",
	    o->run_version != NULL ? o->run_version : "", o->run_start, o->run_rs) == -1 ||
	    (o->run_inv != NULL && o->run_rs != NULL &&
	    store_hosts(o->st, o->run_inv, o->run_rs) == -1)))
		outage_fail(&o->db_out, 0, store_error(o->st));
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

void
output_tick(struct output *o, uint64_t now_usec)
{
	struct timespec ts;

	for (int i = 0; i < o->nfeeds; i++)
		feed_tick(o->feeds[i], now_usec);
	o->last_tick = now_usec;
	/* the database retry runs on the wall clock, whatever `now` is */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	output_db_retry(o, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

/* Every feed gets alert a. */
static void
output_fanout(struct output *o, const struct alert *a, uint64_t now)
{
	for (int i = 0; i < o->nfeeds; i++)
		feed_alert(o->feeds[i], a, now);
}

/* A finding to the alert feeds, through volume control. */
static void
output_alert(struct output *o, const struct finding *f)
{
	uint64_t now = feed_now();
	struct alim_result res;
	struct alert a;

	if (now - o->last_tick >= OUTPUT_TICK_USEC || now < o->last_tick)
		output_tick(o, now);
	if (f->severity > o->min_severity) {
		o->below_severity++;	/* no feed wants it: not even limited */
		return;
	}
	alert_limit_check(o->lim, f, &res);
	switch (res.decision) {
	case ALIM_PASS:
		alert_from_finding(&a, f, res.count);
		output_fanout(o, &a, now);
		break;
	case ALIM_SCAN: {
		struct alert_scan_buf sb;

		alert_from_scan(&a, &sb, f, res.scan_findings, res.scan_hosts,
		    res.scan_ports, o->scan_window);
		output_fanout(o, &a, now);
		break;
	}
	default:
		break;		/* counted by the limiter */
	}
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
		output_alert(o, &f);
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

static void
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

/* Give every feed until the deadline to send what it holds. */
static void
output_drain(struct output *o)
{
	uint64_t deadline = feed_now() + OUTPUT_DRAIN_USEC;

	for (int i = 0; i < o->nfeeds; i++)
		(void)feed_drain(o->feeds[i], deadline);
}

/* The alert feeds' counters, through the sink's counter path. */
static void
output_alert_counters(struct output *o)
{
	const struct alim_stats *ls;
	uint64_t sent = 0, dropped = 0, unsent = 0, reconnects = 0;
	char name[96];

	if (o->nfeeds == 0)
		return;
	ls = alert_limit_stats(o->lim);
	output_counter(o, "alerts.findings", ls->findings + o->below_severity);
	output_counter(o, "alerts.below_severity", o->below_severity);
	output_counter(o, "alerts.passed", ls->passed);
	output_counter(o, "alerts.suppressed", ls->suppressed);
	output_counter(o, "alerts.rate_limited", ls->rate_limited_global + ls->rate_limited_source);
	output_counter(o, "alerts.rate_limited.global", ls->rate_limited_global);
	output_counter(o, "alerts.rate_limited.source", ls->rate_limited_source);
	output_counter(o, "alerts.scan_summaries", ls->scan_summaries);
	output_counter(o, "alerts.scan_folded", ls->scan_folded);
	for (int i = 0; i < o->nfeeds; i++) {
		const struct feed_stats *fs = feed_stats(o->feeds[i]);
		const char *n = feed_name(o->feeds[i]);
		static const char *const names[] = {
			"offered", "below_severity", "sent", "queue_dropped", "unsent",
			"send_errors", "too_long", "truncated", "reconnects", NULL
		};
		const uint64_t v[] = {
			fs->offered, fs->below_severity, fs->sent, fs->queue_dropped,
			fs->queued, fs->send_errors, fs->too_long, fs->truncated,
			fs->reconnects
		};

		for (int k = 0; names[k] != NULL; k++) {
			snprintf(name, sizeof(name), "alerts.%s.%s", names[k], n);
			output_counter(o, name, v[k]);
		}
		sent += fs->sent;
		dropped += fs->queue_dropped;
		unsent += fs->queued;
		reconnects += fs->reconnects;
	}
	output_counter(o, "alerts.sent", sent);
	output_counter(o, "alerts.queue_dropped", dropped);
	output_counter(o, "alerts.unsent", unsent);
	output_counter(o, "alerts.reconnects", reconnects);
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

/* The records lost so far, by cause, as counters of the run. */
static void
output_lost_counters(struct output *o)
{
	struct output_lost l;

	output_lost(o, &l);
	output_counter(o, "store.records_lost", l.total);
	output_counter(o, "store.lost_queue", l.queue);
	output_counter(o, "store.lost_database", l.database);
	output_counter(o, "store.lost_eve", l.eve);
}

int
output_run_end(struct output *o, uint64_t end_usec, int status)
{
	output_eve_sync(o, 1);
	if (o->ev != NULL)
		(void)eve_flush(o->ev);	/* what it loses is counted below */
	if (o->nfeeds > 0) {
		output_drain(o);
		output_alert_counters(o);
	}
	output_lost_counters(o);
	if (o->st != NULL) {
		int rc = store_run_end(o->st, end_usec, status);

		output_db_check(o);
		if (rc == -1)
			return -1;
	}
	return output_errors(o) ? -1 : 0;
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

void
output_summary(const struct output *o, FILE *out)
{
	const struct alim_stats *ls;
	char what[320];

	if (o == NULL || o->nfeeds == 0)
		return;
	ls = alert_limit_stats(o->lim);
	fprintf(out, "alerts: %" PRIu64 " findings -> %" PRIu64 " alerts + %" PRIu64
	    " scan summaries; suppressed %" PRIu64 ", rate-limited %" PRIu64
	    " (global %" PRIu64 ", source %" PRIu64 "), folded into scans %" PRIu64
	    ", below every min-severity %" PRIu64 "\n",
	    ls->findings + o->below_severity, ls->passed, ls->scan_summaries,
	    ls->suppressed, ls->rate_limited_global + ls->rate_limited_source,
	    ls->rate_limited_global, ls->rate_limited_source, ls->scan_folded,
	    o->below_severity);
	for (int i = 0; i < o->nfeeds; i++) {
		const struct feed_stats *fs = feed_stats(o->feeds[i]);

		feed_describe(o->feeds[i], what, sizeof(what));
		fprintf(out, "  %s (%s): sent %" PRIu64 ", queue-dropped %" PRIu64
		    ", unsent %" PRIu64 ", send errors %" PRIu64 ", too long %" PRIu64
		    ", truncated %" PRIu64 ", reconnects %" PRIu64 "\n",
		    feed_name(o->feeds[i]), what, fs->sent, fs->queue_dropped, fs->queued,
		    fs->send_errors, fs->too_long, fs->truncated, fs->reconnects);
	}
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
	if (o->nfeeds > 0)
		output_drain(o);	/* at once when nothing is left */
	for (int i = 0; i < o->nfeeds; i++) {
		const struct feed_stats *fs = feed_stats(o->feeds[i]);

		if (fs->queued > 0)
			log_warnx("output %s: %" PRIu64 " alerts could not be sent",
			    feed_name(o->feeds[i]), fs->queued);
		feed_close(o->feeds[i]);
	}
	alert_limit_free(o->lim);
	eve_close(o->ev);
	store_close(o->st);
	free(o->db_path);
	free(o->run_sources);
	free(o->run_version);
	free(o);
}
