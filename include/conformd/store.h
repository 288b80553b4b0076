/*
 * store.h - the SQLite record: runs, flows, findings, per-rule coverage.
 *
 * WAL mode, schema versioned (PRAGMA user_version, table `meta`), prepared
 * statements, writes batched in transactions of STORE_BATCH rows.  The
 * schema is documented in conformd(8).  One owner thread per store.
 */
#ifndef CONFORMD_STORE_H
#define CONFORMD_STORE_H

#include <stdint.h>
#include "conformd/inventory.h"
#include "conformd/record.h"
#include "conformd/rules.h"

#define STORE_SCHEMA_VERSION	5	/* 1: without flows.icmp_type, icmp_code,
					   community_id, findings.tunnel_*;
					   2: without rules.source, features,
					   site, disabled, runs.sensor;
					   3: without table hosts;
					   4: without findings.flow_id,
					   first_flow_id and the indexes for
					   SIEMs, reports and retention */
#define STORE_BATCH		65536	/* rows per transaction */
#define STORE_RUN_INTERRUPTED	(-1)	/* runs.status of a run whose process died */

struct store;

/*
 * Open (creating if needed) the database at `path`, set WAL mode and
 * create or check the schema; a file of an older schema version is
 * upgraded in place (store-schema.c, store_upgrades).  A file that is not
 * conformd's (its tables are not ours, whatever its user_version says) or
 * that fails PRAGMA quick_check is refused before anything is written to
 * it.  On failure returns NULL and writes a one-line reason (naming the
 * path) into err.  One store per database file in a process: closing it
 * closes a descriptor of the file (store-rows.c, STORE_RUN_LOCK_BASE).
 */
struct store *store_open(const char *path, char *err, size_t errlen);

/*
 * Start a run: record its sources (free text), version and start time
 * (microseconds) and the ruleset in force (store_add_rules()); earlier
 * runs of this database whose process died are closed as interrupted
 * (status STORE_RUN_INTERRUPTED).  Returns 0, or -1 (see store_error())
 * when the database does not take the run now: it is then tried again
 * before each later row, and rows are never written without their run.
 */
int store_run_begin(struct store *st, const char *sources, const char *version,
    uint64_t start_usec, const struct ruleset *rs);
/*
 * Add the rules of rs to table `rules` (a reload): copied now, written
 * with the next rows, replaced by id, never removed (every rule a row
 * cites stays).  0, or -1 when out of memory.
 */
int store_add_rules(struct store *st, const struct ruleset *rs);

/*
 * The sensor name (sensor.h) the runs begun from now on record (copied;
 * NULL: none).  Returns 0, or -1 when out of memory.
 */
int store_set_sensor(struct store *st, const char *sensor);

/*
 * Replace table `hosts` with the inventory in force (names, kinds, pools,
 * roles named through rs, addresses), in one transaction of its own,
 * after store_run_begin().  Returns 0 or -1 (see store_error()).
 */
int store_hosts(struct store *st, const struct inventory *inv, const struct ruleset *rs);

/*
 * Offline runs (-r): a run that begins with the flows table empty builds
 * the table's secondary indexes when it ends rather than row by row
 * (store-schema.c, "Indexes"), and a write waits up to 10 s for another
 * writer's lock (live: 250 ms).  Off by default (the live daemon's
 * readers keep their indexes).  Before store_run_begin().
 */
void store_set_bulk(struct store *st, int bulk);

/*
 * Prune earlier runs' flows and findings while runs write (retention.h):
 * those older than age_s seconds, and the oldest beyond max_bytes of
 * pages in use; 0 for no limit (the default: keep everything).  Takes
 * effect from the next store_run_begin(): a thread of the store's, with a
 * connection of its own, prunes at the run's start and every
 * RETENTION_EVERY_S until its end.  Writer's thread.
 */
void store_set_retention(struct store *st, uint64_t age_s, uint64_t max_bytes);

/*
 * The writer has nothing to write for now: when the run's pruner waits
 * for its turn and the open transaction had its RETENTION_SLICE_MS,
 * commit it.  Cheap otherwise (an atomic load).  Writer's thread.
 */
void store_yield(struct store *st);

/*
 * From now on, checkpoint the WAL from a thread with its own connection
 * (checkpoint.h) rather than on the writer's path; the thread stops in
 * store_free(), before the writer's connection closes.  A no-op for a
 * database not in WAL mode (in memory) or when the thread already runs;
 * when it cannot start, the writer checkpoints as before (logged).
 * After privileges are dropped: the thread keeps the caller's.
 */
void store_checkpoint_thread(struct store *st);

/* Add one flow row.  Returns 0 or -1. */
int store_flow(struct store *st, const struct flow_record *r);

/*
 * Record one finding occurrence.  Findings are deduplicated on (kind,
 * src_ip, dest_ip, dest_port, proto, host): the first occurrence inserts a
 * row, later ones raise its count and last_seen.  A finding without a flow
 * (missing) takes dest_ip, dest_port and proto from f->host_ip, f->port
 * and f->proto, and its host from f->host.  Returns 0 or -1.
 */
int store_finding(struct store *st, const struct finding *f);

/*
 * Record the coverage of (host, rule) in the current run: its state
 * ("seen", "blocked", "missing", "optional-unseen"), the flows and bytes
 * that proved it (accumulated when the same pair is written again in the
 * run), first and last seen, and the evidence of a blocked pair (NULL
 * otherwise).  Rows are per run: PRIMARY KEY (run_id, host, rule_id).
 * Returns 0 or -1.
 */
int store_coverage(struct store *st, const char *host, const char *rule_id,
    const char *state, uint64_t flows, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence);

/* Record a named counter for the current run (packets, drops by reason, ...). */
int store_counter(struct store *st, const char *name, uint64_t value);

/* End the run (end time, exit status) and commit everything.  Returns 0 or -1. */
int store_run_end(struct store *st, uint64_t end_usec, int status);

/* Commit the open transaction now. Returns 0 or -1. */
int store_commit(struct store *st);

/* Commit and close.  NULL is a no-op. */
void store_close(struct store *st);

/* The last error, "path: message". */
const char *store_error(const struct store *st);

/* Rows written and rows that failed, since open. */
uint64_t store_rows_written(const struct store *st);
uint64_t store_rows_failed(const struct store *st);

#endif /* CONFORMD_STORE_H */
