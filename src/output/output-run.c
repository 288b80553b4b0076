/*
 * output-run.c - the run's rows: its beginning (sources, version, rules,
 * hosts) written when it starts and again to a database opened later, a
 * reload's rules, and its end: the exit status, the alert feeds' counters
 * and the records lost, by cause.
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/eve.h"
#include "conformd/log.h"
#include "conformd/store.h"
#include "output-int.h"

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

int
output_run_replay(struct output *o)
{
	if (store_run_begin(o->st, o->run_sources != NULL ? o->run_sources : "",
	    o->run_version != NULL ? o->run_version : "", o->run_start, o->run_rs) == -1 ||
	    (o->run_inv != NULL && o->run_rs != NULL &&
	    store_hosts(o->st, o->run_inv, o->run_rs) == -1))
		return -1;
	return 0;
}

void
output_rules(struct output *o, const struct ruleset *rs)
{
	int rc = 0;

	if (o->st != NULL)
		rc = store_add_rules(o->st, rs);
	else if (o->db_path != NULL)
		rc = store_rules_merge(&o->held, rs);	/* for when it opens */
	if (rc == -1)
		log_warnx("out of memory: the rules of this reload are not in the database");
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
		output_feed_drain(o);
		output_feed_counters(o);
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
