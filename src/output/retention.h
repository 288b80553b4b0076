/*
 * retention.h - pruning old runs' flows and findings from a conformd
 * database while a writer goes on writing to it (conformd.conf(5),
 * `retention`).
 *
 * A thread with a connection of its own deletes, RETENTION_CHUNK rows a
 * transaction, what earlier runs left behind that the policy no longer
 * keeps: by age, the flows that began and the findings last seen before
 * now - age; by size, the oldest flows, then the oldest findings, until
 * the database's pages in use fit the size.  Only runs that have ended
 * (runs.ended_usec set: by their own stop, or closed as interrupted by a
 * later start) other than the writer's current run are pruned: nothing
 * of the run being written, nor of another process's run in progress.
 * Runs, coverage, counters, rules and hosts stay (a few rows a run).
 * Each transaction is short (a few milliseconds).  Within the process
 * the two take turns (struct retention_turn): the pruner begins a chunk
 * only while the writer has no transaction open and is not opening one,
 * and a writer whose transaction has been open RETENTION_SLICE_MS while
 * the pruner waits commits early, at its next row or when it is idle
 * (store_yield()); so a busy writer waits at most one chunk now and then
 * (its rows wait in the rings meanwhile), and the pruner still gets a
 * chunk every slice.
 * Freed pages are reused by later rows: the file stops growing rather
 * than shrinks.
 */
#ifndef CONFORMD_RETENTION_H
#define CONFORMD_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <sqlite3.h>

#define RETENTION_CHUNK		500	/* rows a transaction */
#define RETENTION_EVERY_S	300	/* between passes of a running pruner */
#define RETENTION_SLICE_MS	50	/* a writer's transaction, at least, before it gives way */

/*
 * The turns of one writer and one pruner of the same database in one
 * process.  The writer sets writer_busy before it begins a transaction
 * and clears it after its commit or rollback; the pruner sets
 * pruner_waits while it has a chunk to do and cannot begin.  Sequentially
 * consistent atomics: a race (both beginning at once) costs a wait in
 * SQLite's busy handler, never a wrong result.
 */
struct retention_turn {
	atomic_int	writer_busy;
	atomic_int	pruner_waits;
};

struct retention_policy {
	uint64_t	age_s;		/* 0: no limit by age */
	uint64_t	max_bytes;	/* 0: no limit by size */
};

struct retention_stats {
	unsigned long	passes;		/* passes completed */
	unsigned long	transactions;	/* that deleted rows */
	uint64_t	flows;		/* rows deleted */
	uint64_t	findings;
	unsigned long	busy;		/* chunks the database was busy for (tried again) */
};

/*
 * One pass over the database `db` (a read-write connection): delete what
 * `pol` does not keep of runs other than `run_id` that have ended, the
 * time now being `now_usec` (microseconds since the epoch), in
 * transactions of RETENTION_CHUNK rows, adding to `st`.  Stops early,
 * between transactions, when *stop (may be NULL) becomes non-zero.
 * Takes turns with the writer through `turn` (NULL: none, SQLite's busy
 * timeout only).
 * Returns 0, or -1 on an error other than the database being busy
 * (sqlite3_errmsg(db) says which).  Any thread owning `db`.
 */
int retention_pass(sqlite3 *db, const struct retention_policy *pol, int64_t run_id,
    uint64_t now_usec, struct retention_turn *turn, struct retention_stats *st,
    atomic_int *stop);

struct retention;

/*
 * Start a pruner on the database at `path` (created by the writer, in WAL
 * mode) for the writer's run `run_id`: a pass now, then one every
 * RETENTION_EVERY_S, taking turns through `turn` (the writer's, which
 * outlives the pruner).  NULL with a reason in err when its connection or
 * thread cannot be had (nothing is pruned then).  Signals are blocked in
 * the thread.  Called by the writer's thread.
 */
struct retention *retention_start(const char *path, const struct retention_policy *pol,
    int64_t run_id, struct retention_turn *turn, char *err, size_t errlen);

/*
 * Stop the pruner (between two transactions), fill `st` (may be NULL)
 * and close its connection.  NULL is a no-op.  Call before the writer
 * closes its connection.
 */
void retention_stop(struct retention *r, struct retention_stats *st);

#endif /* CONFORMD_RETENTION_H */
