/*
 * output-db.c - the output's database, open or failing.  A database that
 * fails is never fatal: classification and the other outputs go on, each
 * outage is logged when it begins and when it ends (outage.h), and every
 * record it could not take is counted (output_lost()).  One that could
 * not be opened (read-only, disk full, missing directory) is tried again
 * every 10 s, and once open it gets the run begun so far.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/log.h"
#include "conformd/store.h"
#include "output-int.h"

#define DB_RETRY_USEC	(10ULL * 1000000)

int
output_db_open(struct output *o, const char *path, char *err, size_t errlen)
{
	outage_init(&o->db_out, "database");
	if (path == NULL)
		return 0;
	if ((o->db_path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((o->st = store_open(path, err, errlen)) != NULL &&
	    store_set_sensor(o->st, o->sensor) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->st != NULL) {
		store_set_retention(o->st, o->retain_age, o->retain_bytes);
		return 0;
	}
	/* An outage from the start: classification and the other outputs go
	 * on, the records it cannot take are counted, and it is retried. */
	log_warnx("%s; classification goes on without the database, its records are "
	    "counted as lost, and it is retried every %llu s", err,
	    (unsigned long long)(DB_RETRY_USEC / 1000000));
	snprintf(o->db_err, sizeof(o->db_err), "%s", err);
	outage_begun(&o->db_out);
	return 0;
}

struct store *
output_db(struct output *o)
{
	if (o->st == NULL && o->db_path != NULL) {
		o->db_unopened++;
		outage_fail(&o->db_out, 1, o->db_err);
	}
	return o->st;
}

/* Two counter reads a record. */
void
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

void
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
	if (o->run_begun && output_run_replay(o) == -1)
		outage_fail(&o->db_out, 0, store_error(o->st));
	/* then the rules of the reloads since (output_rules()), as if each
	 * had found it open: waiting, they are written with the next row */
	if (o->held.n > 0) {
		if (store_add_rule_rows(o->st, &o->held) == -1)
			log_warnx("out of memory: the rules of a reload are not in the database");
		store_rules_release(&o->held);
	}
}
