/*
 * output.h - where a run's records go: SQLite, EVE, alert feeds.
 *
 * The engine never writes anything itself: it hands flow records,
 * findings, coverage and counters to a struct engine_sink.  output.c
 * provides the sink that writes them synchronously (used by -r and by the
 * store thread of the daemon): each configured output gets every record;
 * a failing output is never fatal, its outages are logged when they begin
 * and end (outage.h), and every record lost is counted by cause
 * (output_lost()).
 */
#ifndef CONFORMD_OUTPUT_H
#define CONFORMD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "conformd/config.h"
#include "conformd/record.h"
#include "conformd/rules.h"
#include "conformd/sink.h"

struct inventory;


struct output;

/*
 * Open the outputs: the database `db` and EVE file `eve` (either may be
 * NULL: none), plus whatever alert feeds the configuration names.  On
 * failure returns NULL with a reason naming the file in err.
 */
struct output *output_open(const struct config *cfg, const char *db, const char *eve,
    char *err, size_t errlen);

/*
 * The capture interface every EVE event and alert carries as "in_iface"
 * (copied; NULL: none): the run's one interface, when it has exactly one.
 * Before output_start().  Returns 0, or -1 when out of memory.
 */
int output_set_iface(struct output *o, const char *iface);

/* The sensor name every output carries (conformd.conf's sensor-name, else
 * the host's FQDN: sensor.h). */
const char *output_sensor(const struct output *o);

/*
 * Start the output threads, for a run that reads files (-r, `offline`) or
 * live sources.  EVE lines are from now on formatted and written by a
 * thread of their own (sink-async.h) while the database takes its rows,
 * and output_errors(), output_commit(), output_stats(), output_reopen(),
 * output_run_end() and output_close() wait for it; the database's WAL is
 * checkpointed by another (store_checkpoint_thread()).  Offline, the
 * database also loads the flows table in bulk (store_set_bulk()).  Before
 * output_run_begin(), from the thread that will own the output, after
 * privileges are dropped.
 */
void output_start(struct output *o, int offline);

/* Start a run (records the sources, the ruleset and the inventory in
 * SQLite; rs and inv may be NULL, and must outlive the output: a database
 * opened later starts with them). */
void output_run_begin(struct output *o, const char *sources, const char *version,
    uint64_t start_usec, const struct ruleset *rs, const struct inventory *inv);

/* A reload's rules: added to the database's rules table (store_add_rules():
 * copied now, rs need not outlive the call).  A database opened later
 * starts with the run's own (output_run_begin()).  The thread that owns
 * the output. */
void output_rules(struct output *o, const struct ruleset *rs);

/* Records lost so far, by cause. */
struct output_lost {
	uint64_t	queue;		/* the store thread was behind (output_set_queue_lost()) */
	uint64_t	database;	/* rows the database did not take, or could not be opened for */
	uint64_t	eve;		/* EVE lines not written */
	uint64_t	total;		/* the three */
};

/* Fill *l; no waiting (EVE's count may lag its thread by a few lines).
 * The thread that owns the output. */
void output_lost(const struct output *o, struct output_lost *l);

/* The records the pipeline lost before they reached the outputs (a full
 * queue to the store thread), counted with the others from now on. */
void output_set_queue_lost(struct output *o, uint64_t n);

/* Fill `sink` so that the engine writes through `o`. */
void output_sink(struct output *o, struct engine_sink *sink);

/* End the run with its exit status and commit: the alert feeds send what
 * they hold (at most OUTPUT_DRAIN_USEC) and their counters are recorded
 * (alerts.*), and so are the records lost (store.records_lost, and by
 * cause store.lost_queue, store.lost_database, store.lost_eve).  Returns
 * 0, or -1 when something could not be written (then counted in
 * output_errors()). */
int output_run_end(struct output *o, uint64_t end_usec, int status);

/*
 * Live: the run's counters now, to SQLite (table counters, committed) and
 * as an EVE `stats` event.  The store thread, periodically.
 */
void output_stats(struct output *o, uint64_t now_usec, const char *const *names,
    const uint64_t *values, int n);

/* Commit what SQLite holds now and flush the EVE file, so that readers
 * see every record within a second (the store thread, about once a
 * second). */
void output_commit(struct output *o);

/* The store thread with nothing to do: a database pruner waiting for the
 * writer's transaction (store_yield()) gets its turn now rather than at
 * the next commit. */
void output_idle(struct output *o);

/* Wait until every record handed to the output so far has been written
 * or counted (the EVE thread has drained): after it, nothing of the
 * output points into a policy no later record cites.  The thread that
 * owns the output. */
void output_barrier(struct output *o);

/* Records the database and EVE failed to write so far (waits for the
 * EVE thread to write what it was given): output_lost() but the queue. */
uint64_t output_errors(struct output *o);

/* Flush, commit and close everything.  NULL is a no-op.  Alert feeds get
 * at most 2 s (OUTPUT_DRAIN_USEC) to send what they still hold. */
void output_close(struct output *o);

#define OUTPUT_DRAIN_USEC	2000000ULL

/*
 * Drive the alert feeds: reconnect those whose backoff has passed and
 * send what they queued.  `now_usec` is wall-clock time (gettimeofday
 * microseconds).  Call about once a second from the thread that owns the
 * output; the finding path also calls it when a second has passed since
 * the last tick.  Never blocks.
 */
void output_tick(struct output *o, uint64_t now_usec);

/*
 * The alert feeds' part of the end-of-run summary: what volume control
 * did and, per feed, what was sent, dropped and left unsent.  Prints
 * nothing when no feed is configured.  After output_run_end().
 */
void output_summary(const struct output *o, FILE *out);

/* Reopen the EVE file (log rotation, SIGHUP).  Returns 0 or -1. */
int output_reopen(struct output *o);

#endif /* CONFORMD_OUTPUT_H */
