/*
 * output.c - the synchronous sink: every record to every configured
 * output (SQLite, EVE).  A failing output is logged once and counted,
 * never fatal: classification goes on, and the summary and the exit
 * status say what was not written.
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/eve.h"
#include "conformd/log.h"
#include "conformd/output.h"
#include "conformd/store.h"

struct output {
	struct store	*st;
	struct eve	*ev;
	uint64_t	 errors;
	int		 store_logged;
	int		 eve_logged;
};

static void
output_failed(struct output *o, int is_store)
{
	o->errors++;
	if (is_store && !o->store_logged) {
		o->store_logged = 1;
		log_warnx("database write failed (logged once, counted): %s", store_error(o->st));
	} else if (!is_store && !o->eve_logged) {
		o->eve_logged = 1;
		log_warnx("EVE write failed (logged once, counted)");
	}
}

struct output *
output_open(const struct config *cfg, const char *db, const char *eve, char *err, size_t errlen)
{
	struct output *o = calloc(1, sizeof(*o));

	(void)cfg;
	if (o == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (db != NULL && (o->st = store_open(db, err, errlen)) == NULL) {
		output_close(o);
		return NULL;
	}
	if (eve != NULL && (o->ev = eve_open(eve, err, errlen)) == NULL) {
		output_close(o);
		return NULL;
	}
	return o;
}

void
output_run_begin(struct output *o, const char *sources, const char *version,
    uint64_t start_usec, const struct ruleset *rs)
{
	if (o->st != NULL && store_run_begin(o->st, sources, version, start_usec, rs) == -1)
		output_failed(o, 1);
}

static void
output_flow(void *arg, const struct flow_record *r)
{
	struct output *o = arg;

	if (o->st != NULL && store_flow(o->st, r) == -1)
		output_failed(o, 1);
	if (o->ev != NULL && eve_flow(o->ev, r) == -1)
		output_failed(o, 0);
}

static void
output_finding(void *arg, const struct finding *f)
{
	struct output *o = arg;

	if (o->st != NULL && store_finding(o->st, f) == -1)
		output_failed(o, 1);
	if (o->ev != NULL && eve_alert(o->ev, f) == -1)
		output_failed(o, 0);
}

static void
output_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct output *o = arg;

	if (o->st != NULL && store_coverage(o->st, host, rule_id, state, flows, bytes,
	    first_usec, last_usec, evidence) == -1)
		output_failed(o, 1);
}

static void
output_counter(void *arg, const char *name, uint64_t value)
{
	struct output *o = arg;

	if (o->st != NULL && store_counter(o->st, name, value) == -1)
		output_failed(o, 1);
}

void
output_sink(struct output *o, struct engine_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->arg = o;
	if (o->st == NULL && o->ev == NULL)
		return;		/* nothing reads records: the engine can skip building them */
	sink->flow = output_flow;
	sink->finding = output_finding;
	sink->coverage = output_coverage;
	sink->counter = output_counter;
}

int
output_run_end(struct output *o, uint64_t end_usec, int status)
{
	if (o->st != NULL && store_run_end(o->st, end_usec, status) == -1) {
		output_failed(o, 1);
		return -1;
	}
	return o->errors ? -1 : 0;
}

uint64_t
output_errors(const struct output *o)
{
	return o->errors;
}

void
output_close(struct output *o)
{
	if (o == NULL)
		return;
	eve_close(o->ev);
	store_close(o->st);
	free(o);
}
