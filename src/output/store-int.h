/*
 * store-int.h - what store.c (the connection, its transactions), store-
 * schema.c (the tables, their versions) and store-rows.c (the rows)
 * share: struct store, its prepared statements and its state.  Private to
 * the three; everything here runs on the store's owner thread.
 */
#ifndef CONFORMD_STORE_INT_H
#define CONFORMD_STORE_INT_H

#include <stdint.h>
#include <time.h>
#include <sqlite3.h>

#include "retention.h"

#define STORE_TIME_LEN	80	/* room for any year gmtime_r can return */

/*
 * What a parameter of the flow statement holds (store_flow() only binds
 * it).  SQLite keeps a binding across sqlite3_reset(), so a value equal
 * to the one bound already is not bound again: binding costs more than
 * the comparison (a tenth of a row), and most of a row's values repeat
 * from one flow to the next (run, roles, state, rule, the record's own
 * buffers).  A text is bound SQLITE_STATIC: SQLite reads its bytes when
 * the statement steps, so the same pointer and length bound earlier
 * reads the caller's current bytes, exactly as binding it again would.
 */
#define STORE_FLOW_NCOLS	32
enum { BOUND_NONE, BOUND_NULL, BOUND_INT, BOUND_TEXT };
struct store_bound {
	int		 kind;		/* BOUND_* */
	int		 len;		/* BOUND_TEXT */
	const char	*text;		/* BOUND_TEXT */
	sqlite3_int64	 v;		/* BOUND_INT */
};

/* A row of table rules, copied: the ruleset may be gone when it is written. */
struct store_rule {
	char		*id, *role, *ports, *apps, *peers, *service, *note, *source, *features;
	const char	*dir, *proto;	/* static names */
	int		 table_no, row_no, optional, reqresp, site, disabled;
};

/* Rows of table rules, one per id (store_rules_merge()). */
struct store_rules {
	struct store_rule *v;
	int		 n, cap;
};

struct store {
	sqlite3		*db;
	char		*path;		/* as given: messages */
	char		*file;		/* its directory resolved: opened */
	sqlite3_stmt	*begin, *commit, *rollback;
	sqlite3_stmt	*run_insert, *run_end, *rule;
	sqlite3_stmt	*flow, *finding, *coverage, *counter;
	struct store_bound flow_bound[STORE_FLOW_NCOLS + 1];	/* st->flow's, by index */
	int		 in_tx;		/* an explicit transaction is open */
	int		 bulk;		/* offline: store_set_bulk() */
	int		 unindexed;	/* indexes dropped for this bulk run */
	int		 page_size;	/* bytes */
	struct checkpointer *ckpt;	/* bulk: checkpoints in a thread of their own */
	struct retention_policy retain;	/* store_set_retention(); zero: keep all */
	struct retention *pruner;	/* the current run's, NULL: none */
	struct retention_turn turn;	/* the writer's and the pruner's */
	uint64_t	 tx_began;	/* monotonic, when the open transaction began */
	uint64_t	 pending;	/* data rows in the open transaction */
	sqlite3_int64	 run_id;	/* current run, 0 when none */
	char		*sensor;	/* store_set_sensor(), NULL: none */
	uint64_t	 written;	/* data rows committed */
	uint64_t	 failed;	/* data rows lost */
	/* the run asked for by store_run_begin(): its row is written when the
	 * database takes it (tried again before each row until then) */
	int		 run_want;
	char		*run_sources, *run_version;
	uint64_t	 run_start;
	uint64_t	 retry_usec;	/* monotonic: no write before then (locked elsewhere) */
	int		 lockfd;	/* the database file, for the runs' locks; -1: none */
	/* rows of table rules not written yet (store_add_rules()) */
	struct store_rules pend;
	char		 err[512];
};


/* Bind helpers: SQLITE_STATIC, since every statement is stepped and reset
 * before the call that bound it returns.  SQLite integers are signed 64
 * bits; counters never come near 2^63. */
static inline void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static inline void
bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static inline void
bind_run(sqlite3_stmt *s, int i, sqlite3_int64 run)
{
	if (run == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, run);
}

/* store.c */

/* Time usec as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC) in buf (len bytes,
 * STORE_TIME_LEN is room for any).  Returns its length. */
size_t store_time(uint64_t usec, char *buf, size_t len);
/* The time by clock clk, in microseconds. */
uint64_t store_clock(clockid_t clk);
/* Keep SQLite's last error as "path: message" (store_error()). */
void store_seterr(struct store *st);
/*
 * Step statement s, which returns no row, and reset it (its bindings
 * stay).  0, or -1 with the error kept; a lock held by another process
 * holds writes off for STORE_RETRY_USEC, and a transaction SQLite rolled
 * back by itself has its rows counted as failed.
 */
int store_exec(struct store *st, sqlite3_stmt *s);
/* Begin the batch transaction (IMMEDIATE) unless one is open.  0 or -1. */
int store_tx_begin(struct store *st);
/* Roll the open transaction back, if any; its rows count as failed. */
void store_tx_rollback(struct store *st);
/* Commit the open transaction, if any (with the run's store.last_commit
 * counter); on failure its rows are rolled back and counted.  0 or -1. */
int store_tx_commit(struct store *st);
/* Write data row s (bound by the caller) in the batch transaction,
 * committing a full batch or one the pruner waits for.  0, or -1 (the
 * row counted as failed). */
int store_row(struct store *st, sqlite3_stmt *s);
/* Read one integer (sql: a PRAGMA, a count) into *out.  0 or -1. */
int store_query_int(struct store *st, const char *sql, int *out);
/* Prepare sql into *s for the store's life (finalized by store_close()).
 * 0 or -1. */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **s);
/* Start the current run's pruner when store_set_retention() asked for one
 * (after the run's row is in); stop it, logging what it pruned. */
void store_pruner_start(struct store *st);
void store_pruner_stop(struct store *st);

/* store-schema.c */

/*
 * Create the schema of a new file, or check that of an opened one (its
 * version, its tables' columns, PRAGMA quick_check) and upgrade it from
 * an older version; set the page size, WAL mode and the page cache.  A
 * database that is not conformd's, or damaged, is refused untouched.
 * 0, or -1 (error kept).
 */
int store_schema_setup(struct store *st);
/* The indexes' statistics from a sample (sqlite_stat1); best effort. */
void store_analyze(struct store *st);
/* Drop every secondary index (a bulk run, in its transaction); build
 * them again when it ends (store_reindex(), a no-op unless dropped).
 * 0, or -1 (error kept). */
int store_unindex(struct store *st);
int store_reindex(struct store *st);

/* store-rows.c */

/* Prepare the statements of the rows (store_open()).  0 or -1. */
int store_rows_prepare(struct store *st);
/* Free the rules waiting to be written (store_add_rules()). */
void store_rules_clear(struct store *st);
/*
 * Copy the rules of rs into l, each replacing any of l with its id (what
 * writing each ruleset in turn would leave).  0, or -1 when out of
 * memory (l keeps what was copied).
 */
int store_rules_merge(struct store_rules *l, const struct ruleset *rs);
/* Free every rule of l and its array; l is empty after. */
void store_rules_release(struct store_rules *l);
/*
 * Add copies of the rules of l to those waiting to be written, as
 * store_add_rules() adds a ruleset's: for an output that kept a reload's
 * rules while it had no database.  0, or -1 when out of memory.
 */
int store_add_rule_rows(struct store *st, const struct store_rules *l);

#endif /* CONFORMD_STORE_INT_H */
