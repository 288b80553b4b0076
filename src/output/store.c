/*
 * store.c - the SQLite record's connection (open and close, the batch
 * transactions, errors, the WAL's checkpoints) and its rows (runs, rules,
 * hosts, flows, findings, coverage, counters).
 *
 * One connection, owned by one thread.  The database runs in WAL mode
 * (readers such as sqlite3(1) never block the writer), every statement is
 * prepared once at open, and rows are written in explicit transactions of
 * STORE_BATCH rows.  A new file gets 16 KiB pages (store_schema_setup()).
 * A failed row is counted and remembered as the last error; it never
 * stops the process.
 *
 * The tables, their versions and upgrades are store-schema.c's; struct
 * store, which the two share, is in store-int.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* F_OFD_SETLK, F_OFD_GETLK */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "conformd/inventory.h"
#include "conformd/log.h"
#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/rules.h"
#include "conformd/store.h"
#include "checkpoint.h"
#include "retention.h"
#include "store-int.h"

#define STORE_BUSY_MS	250	/* live: records keep coming, never wait long */
/* Offline (-r, store_set_bulk()) nothing is lost by waiting: another
 * writer's transaction (a second -r into the same database building its
 * indexes, an analyst's UPDATE) is waited for this long. */
#define STORE_BULK_BUSY_MS	10000
/* After a write found the database locked by another process (for the
 * whole busy timeout), no write is tried for this long: the rows that
 * come meanwhile fail at once (counted), so a lock held for minutes costs
 * one busy wait a second, not one per row. */
#define STORE_RETRY_USEC	1000000ULL
/*
 * A run in progress holds an open-file-description lock (fcntl(2)
 * F_OFD_SETLK) on one byte of the database file, at STORE_RUN_LOCK_BASE +
 * its id: far above the bytes SQLite locks (from 2^30, PENDING_BYTE),
 * and never read.  A run whose row has no end and whose byte nobody holds
 * was left by a process that died: store_run_begin() closes it.
 */
#define STORE_RUN_LOCK_BASE	((off_t)1 << 62)
/* WAL bytes between checkpoints: SQLite's default of 1000 pages, at the
 * 4 KiB page size it used to have; and the same for a bulk load. */
#define STORE_CHECKPOINT_BYTES	(1000 * 4096)
#define STORE_BULK_CHECKPOINT_BYTES	(64 * 1024 * 1024)

static const char sql_run_insert[] =
	"INSERT INTO runs (started, started_usec, sources, version, sensor)"
	" VALUES (?, ?, ?, ?, ?)";
static const char sql_run_end[] =
	"UPDATE runs SET ended = ?, ended_usec = ?, status = ? WHERE id = ?";
static const char sql_rule[] =
	"INSERT OR REPLACE INTO rules (id, table_no, row_no, role, dir, proto, ports,"
	" apps, peers, optional, reqresp, service, note, source, features, site,"
	" disabled)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_flow[] =
	"INSERT INTO flows (run_id, flow_id, proto, src_ip, src_port, dest_ip,"
	" dest_port, vlan0, vlan1, first_ts, last_ts, first_usec, last_usec,"
	" pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, frags,"
	" state, conn_state, midstream, end_reason, verdict, rule_id,"
	" src_role, dest_role, src_host, dest_host, failure, icmp_type,"
	" icmp_code, community_id)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* In an UPDATE every right-hand side sees the row as it was before. */
static const char sql_finding[] =
	"INSERT INTO findings (kind, src_ip, dest_ip, dest_port, proto, host,"
	" rule_id, src_role, dest_role, severity, signature, evidence,"
	" last_evidence, count, first_seen, first_seen_usec, last_seen,"
	" last_seen_usec, first_run, last_run, tunnel_type, tunnel_src, tunnel_dst,"
	" flow_id, first_flow_id)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (kind, src_ip, dest_ip, dest_port, proto, host, rule_id) DO UPDATE"
	" SET count = count + 1,"
	" last_evidence = excluded.last_evidence,"
	" flow_id = excluded.flow_id,"
	" first_seen = CASE WHEN excluded.first_seen_usec < first_seen_usec"
	"   THEN excluded.first_seen ELSE first_seen END,"
	" first_seen_usec = min(first_seen_usec, excluded.first_seen_usec),"
	" last_seen = CASE WHEN excluded.last_seen_usec > last_seen_usec"
	"   THEN excluded.last_seen ELSE last_seen END,"
	" last_seen_usec = max(last_seen_usec, excluded.last_seen_usec),"
	" last_run = excluded.last_run";
/*
 * Times are NULL while nothing was seen, and SQLite's min() and max() of
 * a NULL are NULL: hence the CASEs, which keep whichever side is known.
 */
static const char sql_coverage[] =
	"INSERT INTO coverage (run_id, host, rule_id, state, flows, bytes,"
	" first_seen, first_seen_usec, last_seen, last_seen_usec, evidence)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (run_id, host, rule_id) DO UPDATE SET"
	" state = excluded.state,"
	" evidence = excluded.evidence,"
	" flows = flows + excluded.flows,"
	" bytes = bytes + excluded.bytes,"
	" first_seen = CASE WHEN excluded.first_seen_usec IS NOT NULL AND"
	"   (first_seen_usec IS NULL OR excluded.first_seen_usec < first_seen_usec)"
	"   THEN excluded.first_seen ELSE first_seen END,"
	" first_seen_usec = CASE WHEN excluded.first_seen_usec IS NOT NULL AND"
	"   (first_seen_usec IS NULL OR excluded.first_seen_usec < first_seen_usec)"
	"   THEN excluded.first_seen_usec ELSE first_seen_usec END,"
	" last_seen = CASE WHEN excluded.last_seen_usec IS NOT NULL AND"
	"   (last_seen_usec IS NULL OR excluded.last_seen_usec > last_seen_usec)"
	"   THEN excluded.last_seen ELSE last_seen END,"
	" last_seen_usec = CASE WHEN excluded.last_seen_usec IS NOT NULL AND"
	"   (last_seen_usec IS NULL OR excluded.last_seen_usec > last_seen_usec)"
	"   THEN excluded.last_seen_usec ELSE last_seen_usec END";
static const char sql_counter[] =
	"INSERT INTO counters (run_id, name, value) VALUES (?, ?, ?)"
	" ON CONFLICT (run_id, name) DO UPDATE SET value = excluded.value";

static void store_rules_clear(struct store *);

/* Capture time as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC).  Returns its length. */
size_t
store_time(uint64_t usec, char *buf, size_t len)
{
	time_t sec = (time_t)(usec / 1000000);
	struct tm tm;
	int n;

	if (len >= REC_TIME_LEN + 1 && record_time(usec, buf) != 0) {
		buf[26] = 'Z';
		buf[27] = '\0';
		return 27;
	}
	if (gmtime_r(&sec, &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(usec % 1000000));
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static uint64_t
store_clock(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
store_seterr(struct store *st)
{
	snprintf(st->err, sizeof(st->err), "%s: %s", st->path,
	    sqlite3_errmsg(st->db));
}

/* Bind helpers: SQLITE_STATIC, since every statement is stepped and reset
 * before the call that bound it returns.  SQLite integers are signed 64
 * bits; counters never come near 2^63. */
static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void
bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static void
bind_run(sqlite3_stmt *s, int i, sqlite3_int64 run)
{
	if (run == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, run);
}

/*
 * After an error, SQLite may have rolled the whole transaction back by
 * itself (disk full, I/O error): the rows it held are then lost.
 */
static void
store_check_tx(struct store *st)
{
	if (st->in_tx && sqlite3_get_autocommit(st->db)) {
		st->failed += st->pending;
		st->pending = 0;
		st->in_tx = 0;
	}
}

/*
 * Step a statement that returns no row.  0, or -1 with the error kept.
 * Its bindings are left as they are, not cleared: every caller binds
 * every parameter before each step, and a stale SQLITE_STATIC pointer in
 * a reset statement is never read (clearing cost a tenth of a flow row).
 */
static int
store_exec(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		store_seterr(st);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		/* another process holds the lock: back off (STORE_RETRY_USEC) */
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
			st->retry_usec = store_clock(CLOCK_MONOTONIC) + STORE_RETRY_USEC;
		store_check_tx(st);
		return -1;
	}
	return 0;
}

/* Begin the batch transaction, IMMEDIATE: the write lock is taken (or
 * waited for, the busy timeout) here, before any read of it, so that a
 * transaction that reads first (store_close_dead()) never finds its
 * snapshot overtaken by another writer's commit (SQLITE_BUSY_SNAPSHOT,
 * which the busy timeout does not wait out). */
int
store_tx_begin(struct store *st)
{
	if (st->in_tx)
		return 0;
	atomic_store(&st->turn.writer_busy, 1);	/* retention.h: the pruner waits */
	if (store_exec(st, st->begin) == -1) {
		atomic_store(&st->turn.writer_busy, 0);
		return -1;
	}
	st->in_tx = 1;
	if (st->pruner != NULL)
		st->tx_began = store_clock(CLOCK_MONOTONIC);
	return 0;
}

/* Roll the open transaction back; its rows count as failed. */
void
store_tx_rollback(struct store *st)
{
	if (!st->in_tx)
		return;
	if (!sqlite3_get_autocommit(st->db)) {
		(void)sqlite3_step(st->rollback);
		sqlite3_reset(st->rollback);
	}
	st->failed += st->pending;
	st->pending = 0;
	st->in_tx = 0;
	atomic_store(&st->turn.writer_busy, 0);
}

/* Commit the open transaction, if any, with the run's store.last_commit.
 * On failure its rows are rolled back and counted as failed. */
int
store_tx_commit(struct store *st)
{
	if (!st->in_tx)
		return 0;
	if (st->run_id != 0) {
		/* what an interrupted run's end is set to (store_close_dead());
		 * a failure here fails the commit below, or has already rolled
		 * the transaction back (counted) */
		sqlite3_bind_int64(st->counter, 1, st->run_id);
		sqlite3_bind_text(st->counter, 2, "store.last_commit", -1, SQLITE_STATIC);
		bind_u64(st->counter, 3, store_clock(CLOCK_REALTIME));
		(void)store_exec(st, st->counter);
		if (!st->in_tx)
			return -1;
	}
	if (store_exec(st, st->commit) == -1) {
		store_tx_rollback(st);
		return -1;
	}
	st->written += st->pending;
	st->pending = 0;
	st->in_tx = 0;
	atomic_store(&st->turn.writer_busy, 0);
	return 0;
}

/* A pruner waits (retention.h) and this transaction had its slice: give
 * way. */
static int
store_pruner_turn(const struct store *st)
{
	return st->pruner != NULL && st->in_tx && atomic_load(&st->turn.pruner_waits) &&
	    store_clock(CLOCK_MONOTONIC) - st->tx_began >= RETENTION_SLICE_MS * 1000ULL;
}

void
store_yield(struct store *st)
{
	if (store_pruner_turn(st))
		(void)store_tx_commit(st);
}

/* Write one data row inside the batch transaction; commit a full batch. */
static int
store_row(struct store *st, sqlite3_stmt *s)
{
	if (store_tx_begin(st) == -1) {
		sqlite3_reset(s);
		st->failed++;
		return -1;
	}
	if (store_exec(st, s) == -1) {
		st->failed++;
		return -1;
	}
	st->pending++;
	if (st->pending >= STORE_BATCH)
		return store_tx_commit(st);
	if (store_pruner_turn(st))
		return store_tx_commit(st);
	return 0;
}

/* Read a single integer (PRAGMA user_version, counts).  0 or -1. */
int
store_query_int(struct store *st, const char *sql, int *out)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0);
	else
		store_seterr(st);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
	    NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	return 0;
}

/* The current run's pruner, when store_set_retention() asked for one
 * (retention.h): started once the run's row is in. */
static void
store_pruner_start(struct store *st)
{
	char err[512];

	if (st->pruner != NULL || (st->retain.age_s == 0 && st->retain.max_bytes == 0))
		return;
	st->pruner = retention_start(st->path, &st->retain, st->run_id, &st->turn, err,
	    sizeof(err));
	if (st->pruner == NULL)
		log_warnx("%s; nothing is pruned in this run", err);
}

/* Stop it, saying what it pruned. */
static void
store_pruner_stop(struct store *st)
{
	struct retention_stats rs;

	if (st->pruner == NULL)
		return;
	retention_stop(st->pruner, &rs);
	st->pruner = NULL;
	if (rs.flows > 0 || rs.findings > 0)
		log_info("%s: retention pruned %" PRIu64 " flows and %" PRIu64
		    " findings of earlier runs, in %lu transactions", st->path, rs.flows,
		    rs.findings, rs.transactions);
}

void
store_set_retention(struct store *st, uint64_t age_s, uint64_t max_bytes)
{
	st->retain.age_s = age_s;
	st->retain.max_bytes = max_bytes;
}

static void
store_free(struct store *st)
{
	sqlite3_stmt **all[] = { &st->begin, &st->commit, &st->rollback,
	    &st->run_insert, &st->run_end, &st->rule,
	    &st->flow, &st->finding, &st->coverage, &st->counter };
	size_t i;

	/* before the writer's close, which is then the last and ends the WAL */
	store_pruner_stop(st);
	checkpointer_stop(st->ckpt, NULL);
	st->ckpt = NULL;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	sqlite3_close(st->db);
	/* After SQLite's close: closing any descriptor of the file drops
	 * every POSIX lock this process holds on it, SQLite's included
	 * (fcntl(2)); the run's own lock, an OFD lock, goes with it. */
	if (st->lockfd != -1)
		(void)close(st->lockfd);
	store_rules_clear(st);
	free(st->prules);
	free(st->run_sources);
	free(st->run_version);
	free(st->path);
	free(st->sensor);
	free(st);
}

/* Is the database a file in WAL mode (not in memory, not temporary)? */
static int
store_is_wal(struct store *st)
{
	const char *file = sqlite3_db_filename(st->db, "main");
	sqlite3_stmt *s;
	int wal = 0;

	if (file == NULL || file[0] == '\0')
		return 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(s, 0);

		wal = m != NULL && strcmp((const char *)m, "wal") == 0;
	}
	sqlite3_finalize(s);
	return wal;
}

/*
 * The WAL size that triggers a checkpoint, in pages of this database.
 * In bulk mode (store_set_bulk()), or when a checkpoint thread copies the
 * WAL (store_checkpoint_thread()), the writer checkpoints less often:
 * each checkpoint syncs the WAL and the database (synchronous=NORMAL),
 * and a bulk load, like a busy daemon, waited on those syncs more than on
 * anything else.  Durability is the same: what is committed sits in the
 * WAL until a checkpoint, either way.
 */
static void
store_checkpoint(struct store *st)
{
	char sql[64];
	int pages;

	pages = (st->bulk || st->ckpt != NULL ? STORE_BULK_CHECKPOINT_BYTES :
	    STORE_CHECKPOINT_BYTES) /
	    (st->page_size > 0 ? st->page_size : 4096);
	snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint=%d",
	    pages > 0 ? pages : 1);
	(void)sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

/*
 * Never write through a symbolic link: a link planted where the database
 * is expected could point anywhere the writer may write.  A new database
 * is created here, empty (SQLite takes an empty file for a new database),
 * with mode 0640 (less what the umask removes): group-readable for
 * analysts, like the EVE file; SQLite gives its -wal and -shm files the
 * database's mode.  SQLITE_OPEN_NOFOLLOW then closes the window between
 * this check and SQLite's own open.  Returns 0, or -1 with the reason in
 * st->err.
 */
static int
store_create(struct store *st, const char *path)
{
	struct stat sb;
	int fd;

	if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
		return 0;	/* SQLite's temporary databases: no file */
	if (lstat(path, &sb) == 0) {
		if (S_ISLNK(sb.st_mode)) {
			snprintf(st->err, sizeof(st->err),
			    "%s: is a symbolic link: not followed", path);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT)
		return 0;	/* SQLite reports what is wrong with it */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC, 0640);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;	/* created meanwhile: NOFOLLOW guards it */
		snprintf(st->err, sizeof(st->err), "%s: cannot create: %s", path,
		    strerror(errno));
		return -1;
	}
	(void)close(fd);
	return 0;
}

/*
 * Open (creating if needed) the database at path, in WAL mode, and create
 * or check its schema.  A file that is not an SQLite database, or one with
 * another schema version, is refused untouched.  Returns the store (owned
 * by the caller, released by store_close()), or NULL with "path: reason"
 * in err.  The returned store must be used by one thread at a time.
 */
struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *st;

	/*
	 * SQLite's memory statistics take a global mutex on every allocation
	 * (several a row); nothing here reads them.  Only possible before
	 * SQLite initializes: later calls fail harmlessly (SQLITE_MISUSE).
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(st);
		return NULL;
	}
	st->lockfd = -1;
	if (store_create(st, path) == -1)
		goto fail;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
	    NULL) != SQLITE_OK) {
		if (st->db != NULL)
			store_seterr(st);
		else
			snprintf(st->err, sizeof(st->err), "%s: out of memory",
			    path);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (store_schema_setup(st) == -1 ||
	    store_query_int(st, "PRAGMA page_size", &st->page_size) == -1)
		goto fail;
	store_checkpoint(st);
	if (store_prepare(st, "BEGIN IMMEDIATE", &st->begin) == -1 ||
	    store_prepare(st, "COMMIT", &st->commit) == -1 ||
	    store_prepare(st, "ROLLBACK", &st->rollback) == -1 ||
	    store_prepare(st, sql_run_insert, &st->run_insert) == -1 ||
	    store_prepare(st, sql_run_end, &st->run_end) == -1 ||
	    store_prepare(st, sql_rule, &st->rule) == -1 ||
	    store_prepare(st, sql_flow, &st->flow) == -1 ||
	    store_prepare(st, sql_finding, &st->finding) == -1 ||
	    store_prepare(st, sql_coverage, &st->coverage) == -1 ||
	    store_prepare(st, sql_counter, &st->counter) == -1)
		goto fail;
	/* for the runs' locks (STORE_RUN_LOCK_BASE); without it (a database
	 * in memory), runs that died are left open */
	if (path[0] != '\0' && strcmp(path, ":memory:") != 0)
		st->lockfd = open(path, O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	return st;
fail:
	snprintf(err, errlen, "%s", st->err);
	store_free(st);
	return NULL;
}

/* A copy of s (NULL stays NULL); *oom set when out of memory. */
static char *
store_dup(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = 1;
	return d;
}

static void
store_rule_free(struct store_rule *r)
{
	free(r->id);
	free(r->role);
	free(r->ports);
	free(r->apps);
	free(r->peers);
	free(r->service);
	free(r->note);
	free(r->source);
	free(r->features);
	memset(r, 0, sizeof(*r));
}

static void
store_rules_clear(struct store *st)
{
	for (int i = 0; i < st->nprules; i++)
		store_rule_free(&st->prules[i]);
	st->nprules = 0;
}

/*
 * Add the rules of rs to table rules: copied now (rs may be gone by the
 * time they are written), written with the next row, the run's begin or
 * its end, whichever comes first, and kept until the database takes
 * them.  A rule already waiting under the same id is replaced: what is
 * written is what writing each ruleset in turn would leave.  Rows are
 * added or replaced by id, never removed, so a reload's rules join those
 * that earlier rows cite.  Returns 0, or -1 when out of memory.
 */
int
store_add_rules(struct store *st, const struct ruleset *rs)
{
	char ports[256], apps[128], peers[1024], feats[1024];
	int oom = 0;

	for (int i = 0; i < rs->nrules && !oom; i++) {
		const struct rule *r = &rs->rules[i];
		struct store_rule *w = NULL;

		for (int k = 0; k < st->nprules && w == NULL; k++)
			if (strcmp(st->prules[k].id, r->id) == 0)
				w = &st->prules[k];
		if (w != NULL)
			store_rule_free(w);
		else {
			if (st->nprules == st->capprules) {
				int ncap = st->capprules != 0 ? st->capprules * 2 : 64;
				struct store_rule *n = realloc(st->prules,
				    (size_t)ncap * sizeof(*n));

				if (n == NULL)
					return -1;
				st->prules = n;
				st->capprules = ncap;
			}
			w = &st->prules[st->nprules++];
			memset(w, 0, sizeof(*w));
		}
		rules_format_ports(r, ports, sizeof(ports));
		rules_format_apps(r->apps, apps, sizeof(apps));
		rules_format_roles(rs, r->peers, peers, sizeof(peers));
		w->id = store_dup(r->id, &oom);
		w->role = store_dup(r->role >= 0 && r->role < rs->nroles ?
		    rs->roles[r->role].name : NULL, &oom);
		w->dir = rules_dir_name(r->dir);
		w->proto = rules_proto_name(r->protos);
		w->ports = store_dup(ports, &oom);
		w->apps = store_dup(apps, &oom);
		w->peers = store_dup(peers, &oom);
		w->service = store_dup(r->service, &oom);
		w->note = store_dup(r->note, &oom);
		rules_format_features(rs, r->features, feats, sizeof(feats));
		w->source = store_dup(r->cite, &oom);
		w->features = store_dup(feats, &oom);
		w->table_no = r->table;
		w->row_no = r->row;
		w->optional = r->optional != 0;
		w->reqresp = r->reqresp != 0;
		w->site = r->site != 0;
		w->disabled = r->disabled != 0;
		if (w->id == NULL) {		/* never left without its key */
			store_rule_free(w);
			st->nprules--;
			oom = 1;
		}
	}
	return oom ? -1 : 0;
}

/* Write the rules waiting (store_add_rules()) in the open transaction
 * (begun if need be).  0, or -1 (they stay waiting; error kept). */
static int
store_rules_flush(struct store *st)
{
	sqlite3_stmt *s = st->rule;

	if (store_tx_begin(st) == -1)
		return -1;
	for (int i = 0; i < st->nprules; i++) {
		const struct store_rule *r = &st->prules[i];
		int k = 1;

		bind_text(s, k++, r->id);
		sqlite3_bind_int(s, k++, r->table_no);
		sqlite3_bind_int(s, k++, r->row_no);
		bind_text(s, k++, r->role);
		bind_text(s, k++, r->dir);
		bind_text(s, k++, r->proto);
		bind_text(s, k++, r->ports);
		bind_text(s, k++, r->apps);
		bind_text(s, k++, r->peers);
		sqlite3_bind_int(s, k++, r->optional);
		sqlite3_bind_int(s, k++, r->reqresp);
		bind_text(s, k++, r->service);
		bind_text(s, k++, r->note);
		bind_text(s, k++, r->source);
		bind_text(s, k++, r->features);
		sqlite3_bind_int(s, k++, r->site);
		sqlite3_bind_int(s, k++, r->disabled);
		if (store_exec(st, s) == -1)
			return -1;
	}
	/* written when the transaction commits; a failed commit loses the
	 * rows written with them too, which are counted */
	store_rules_clear(st);
	return 0;
}

/* Take (F_WRLCK) or release (F_UNLCK) run id's lock.  0 or -1 (errno). */
static int
store_run_lock(struct store *st, sqlite3_int64 id, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = STORE_RUN_LOCK_BASE + (off_t)id;
	fl.l_len = 1;
	return fcntl(st->lockfd, F_OFD_SETLK, &fl);
}

/* Is run id's lock held by an open file description other than ours (a
 * conformd writing that run)?  1, 0, or -1 when it cannot be told. */
static int
store_run_held(struct store *st, sqlite3_int64 id)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = STORE_RUN_LOCK_BASE + (off_t)id;
	fl.l_len = 1;
	if (fcntl(st->lockfd, F_OFD_GETLK, &fl) == -1)
		return -1;
	return fl.l_type != F_UNLCK;
}

/* The sensor name later runs record (runs.sensor); NULL: none.  0, or -1
 * when out of memory. */
int
store_set_sensor(struct store *st, const char *sensor)
{
	char *c = NULL;

	if (sensor != NULL && (c = strdup(sensor)) == NULL)
		return -1;
	free(st->sensor);
	st->sensor = c;
	return 0;
}

/*
 * Close the runs whose process died (inside the transaction that begins
 * a run): a run with no end whose lock nobody holds gets status
 * STORE_RUN_INTERRUPTED and, as its end, the time of its last commit
 * (store.last_commit), or its start when it committed nothing.  Runs of
 * a live conformd (their lock held) are left alone; without locks (a
 * kernel before 3.15, a database in memory) nothing is closed.  Returns
 * 0 or -1 (error kept).
 */
static int
store_close_dead(struct store *st)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	sqlite3_int64 after = 0, id;
	char ended[STORE_TIME_LEN], started[STORE_TIME_LEN];
	uint64_t end;
	int rc = 0, step;

	if (st->lockfd == -1)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id, coalesce((SELECT value FROM counters c"
	    " WHERE c.run_id = r.id AND c.name = 'store.last_commit'), started_usec, 0),"
	    " coalesce(started_usec, 0) FROM runs r WHERE ended IS NULL AND id > ?"
	    " ORDER BY id LIMIT 1", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE runs SET ended = ?, ended_usec = ?, status = ?"
	    " WHERE id = ?", -1, &upd, NULL) != SQLITE_OK) {
		store_seterr(st);
		rc = -1;
		goto out;
	}
	for (;;) {
		sqlite3_bind_int64(sel, 1, after);
		if ((step = sqlite3_step(sel)) != SQLITE_ROW) {
			if (step != SQLITE_DONE) {
				store_seterr(st);
				rc = -1;
			}
			break;
		}
		after = id = sqlite3_column_int64(sel, 0);
		end = (uint64_t)sqlite3_column_int64(sel, 1);
		store_time((uint64_t)sqlite3_column_int64(sel, 2), started, sizeof(started));
		sqlite3_reset(sel);
		if (store_run_held(st, id) != 0)
			continue;	/* running, or cannot be told */
		store_time(end, ended, sizeof(ended));
		bind_text(upd, 1, ended);
		bind_u64(upd, 2, end);
		sqlite3_bind_int(upd, 3, STORE_RUN_INTERRUPTED);
		sqlite3_bind_int64(upd, 4, id);
		if (store_exec(st, upd) == -1) {
			rc = -1;
			break;
		}
		log_warnx("%s: run %lld (started %s) was interrupted: its process died before "
		    "the run ended; closed at its last commit, %s", st->path, (long long)id,
		    started, ended);
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

/*
 * Write the row of the run store_run_begin() asked for, in one
 * transaction with the rules waiting, closing the runs that died before.
 * After a lock held elsewhere (STORE_RETRY_USEC) it is not tried again
 * before its time.  0, or -1 (nothing written; error kept).
 */
static int
store_run_write(struct store *st)
{
	char started[STORE_TIME_LEN];
	sqlite3_stmt *s = st->run_insert;
	int any;

	if (st->retry_usec != 0 && store_clock(CLOCK_MONOTONIC) < st->retry_usec)
		return -1;
	(void)store_tx_commit(st);
	if (store_tx_begin(st) == -1 || store_close_dead(st) == -1)
		goto fail;
	store_time(st->run_start, started, sizeof(started));
	bind_text(s, 1, started);
	bind_u64(s, 2, st->run_start);
	bind_text(s, 3, st->run_sources);
	bind_text(s, 4, st->run_version);
	bind_text(s, 5, st->sensor);
	if (store_exec(st, s) == -1)
		goto fail;
	st->run_id = sqlite3_last_insert_rowid(st->db);
	/* held before the row can be seen, so that no other conformd takes
	 * the run for dead */
	if (st->lockfd != -1 && store_run_lock(st, st->run_id, F_WRLCK) == -1)
		log_warnx("%s: run %lld: cannot lock it (%s): a conformd starting meanwhile "
		    "may close it as interrupted", st->path, (long long)st->run_id,
		    strerror(errno));
	if (st->nprules > 0 && store_rules_flush(st) == -1)
		goto fail;
	if (st->bulk && !st->unindexed) {
		if (store_query_int(st, "SELECT count(*) FROM"
		    " (SELECT 1 FROM flows LIMIT 1)", &any) == -1)
			goto fail;
		if (!any) {
			if (store_unindex(st) == -1)
				goto fail;
			st->unindexed = 1;
		}
	}
	if (store_tx_commit(st) == -1)
		goto failed;
	store_pruner_start(st);
	return 0;
fail:
	store_tx_rollback(st);
failed:
	if (st->run_id != 0 && st->lockfd != -1)
		(void)store_run_lock(st, st->run_id, F_UNLCK);
	st->run_id = 0;
	st->unindexed = 0;	/* rolled back with the run */
	return -1;
}

static const char *
store_host_kind(int kind)
{
	static const char *const names[] = {
		NULL, "host", "network", "peer", "member", "vip"
	};

	return kind >= INV_HOST && kind <= INV_VIP ? names[kind] : NULL;
}

/* The addresses of inventory host h, comma separated (cut short, never
 * overrun, when they do not fit). */
static void
store_host_addrs(const struct inventory *inv, int h, char *buf, size_t len)
{
	char a[64];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < inv->nentries && n < len; i++) {
		const struct inv_entry *e = &inv->entries[i];
		int full = e->family == 4 ? 32 : 128;
		int w;

		if (e->host != h)
			continue;
		addr_format(e->addr, e->family, a, sizeof(a));
		if (e->plen != full)
			w = snprintf(buf + n, len - n, "%s%s/%d", n ? "," : "", a, e->plen);
		else
			w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", a);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

int
store_hosts(struct store *st, const struct inventory *inv, const struct ruleset *rs)
{
	static const char sql_host[] =
		"INSERT OR REPLACE INTO hosts (name, kind, pool, pool_type, roles,"
		" addresses) VALUES (?, ?, ?, ?, ?, ?)";
	char roles[1024], addrs[1024];
	sqlite3_stmt *s = NULL;

	(void)store_tx_commit(st);
	if (store_tx_begin(st) == -1)
		return -1;
	if (sqlite3_exec(st->db, "DELETE FROM hosts", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_host, -1, &s, NULL) != SQLITE_OK) {
		store_seterr(st);
		goto fail;
	}
	for (int h = 0; h < inv->nhosts; h++) {
		const struct inv_host *ih = &inv->hosts[h];
		const struct inv_pool *p = ih->pool >= 0 && ih->pool < inv->npools ?
		    &inv->pools[ih->pool] : NULL;

		rules_format_roles(rs, ih->roles, roles, sizeof(roles));
		store_host_addrs(inv, h, addrs, sizeof(addrs));
		bind_text(s, 1, ih->name);
		bind_text(s, 2, store_host_kind(ih->kind));
		bind_text(s, 3, p != NULL ? p->name : NULL);
		bind_text(s, 4, p != NULL && p->type >= 0 && p->type < rs->npooltypes ?
		    rs->pooltypes[p->type].name : NULL);
		bind_text(s, 5, roles);
		bind_text(s, 6, addrs);
		if (store_exec(st, s) == -1)
			goto fail;
	}
	sqlite3_finalize(s);
	return store_tx_commit(st);
fail:
	sqlite3_finalize(s);
	store_tx_rollback(st);
	return -1;
}

/*
 * Begin a run: its row (sources, version, start time) and, when rs is
 * not NULL, its rules (store_add_rules()) are written in one transaction,
 * with earlier runs whose process died closed (store_close_dead()).
 * Later flows, findings, coverage and counters belong to this run.  When
 * the database does not take the row now (another process holds its
 * lock, disk full), -1 is returned and the row is tried again before
 * each later row (no more than once a second while the database is
 * locked): rows are never written without their run, those that come
 * first fail and are counted.  Returns 0 or -1 (see store_error()).
 */
int
store_run_begin(struct store *st, const char *sources, const char *version,
    uint64_t start_usec, const struct ruleset *rs)
{
	char *ns = strdup(sources != NULL ? sources : "");
	char *nv = strdup(version != NULL ? version : "");

	if (ns == NULL || nv == NULL || (rs != NULL && store_add_rules(st, rs) == -1)) {
		free(ns);
		free(nv);
		snprintf(st->err, sizeof(st->err), "%s: out of memory", st->path);
		return -1;
	}
	if (st->run_id != 0 && st->lockfd != -1)	/* one not ended: left to the next start */
		(void)store_run_lock(st, st->run_id, F_UNLCK);
	free(st->run_sources);
	free(st->run_version);
	st->run_sources = ns;
	st->run_version = nv;
	st->run_start = start_usec;
	st->run_want = 1;
	st->run_id = 0;
	st->retry_usec = 0;	/* try now */
	return store_run_write(st);
}

/*
 * Before a data row: the run's row written (store_run_begin()) and the
 * rules waiting, unless the database was found locked less than
 * STORE_RETRY_USEC ago.  0, or -1: the row cannot be written now (the
 * caller counts it; error kept).
 */
static int
store_ready(struct store *st)
{
	if (st->retry_usec != 0) {
		if (store_clock(CLOCK_MONOTONIC) < st->retry_usec)
			return -1;
		st->retry_usec = 0;
	}
	if (st->run_want && st->run_id == 0 && store_run_write(st) == -1)
		return -1;
	if (st->nprules > 0 && store_rules_flush(st) == -1)
		return -1;
	return 0;
}

/*
 * Offline (bulk) mode for the runs to come: a run that begins with the
 * flows table empty drops its secondary indexes and builds them when it
 * ends (store_run_end(), or store_close()), once, from the loaded rows.
 * For -r only: a live daemon keeps them up for its readers.
 */
void
store_set_bulk(struct store *st, int bulk)
{
	st->bulk = bulk != 0;
	sqlite3_busy_timeout(st->db, st->bulk ? STORE_BULK_BUSY_MS : STORE_BUSY_MS);
	store_checkpoint(st);
}

/*
 * The WAL is copied into the database by a thread of its own while the
 * rows come (checkpoint.h), for a bulk load and a live daemon alike: the
 * copying and its fsyncs stay off the writer's path, whose own
 * checkpoints remain behind it, at the bulk threshold and at close.
 */
void
store_checkpoint_thread(struct store *st)
{
	char err[512];

	if (st->ckpt != NULL || !store_is_wal(st))
		return;
	st->ckpt = checkpointer_start(st->path, err, sizeof(err));
	if (st->ckpt == NULL)
		log_info("%s: checkpoints stay with the writer", err);
	store_checkpoint(st);
}

/* Bind parameter i of the flow statement unless it holds v already. */
static void
flow_bind_int(struct store *st, int i, sqlite3_int64 v)
{
	struct store_bound *b = &st->flow_bound[i];

	if (b->kind == BOUND_INT && b->v == v)
		return;
	/* a binding that failed (none does, the statement being reset) is
	 * not remembered: the next row binds again */
	b->kind = sqlite3_bind_int64(st->flow, i, v) == SQLITE_OK ?
	    BOUND_INT : BOUND_NONE;
	b->v = v;
}

/* A text of len bytes (SQLITE_STATIC), or NULL. */
static void
flow_bind_text(struct store *st, int i, const char *v, size_t len)
{
	struct store_bound *b = &st->flow_bound[i];

	if (v == NULL) {
		if (b->kind != BOUND_NULL)
			b->kind = sqlite3_bind_null(st->flow, i) == SQLITE_OK ?
			    BOUND_NULL : BOUND_NONE;
		return;
	}
	if (b->kind == BOUND_TEXT && b->text == v && (size_t)b->len == len)
		return;
	b->kind = sqlite3_bind_text(st->flow, i, v, (int)len, SQLITE_STATIC) ==
	    SQLITE_OK ? BOUND_TEXT : BOUND_NONE;
	b->text = v;
	b->len = (int)len;
}

static void
flow_bind_str(struct store *st, int i, const char *v)
{
	flow_bind_text(st, i, v, v != NULL ? strlen(v) : 0);
}

/* Add one flow row (batched).  Returns 0 or -1 (row counted as failed). */
int
store_flow(struct store *st, const struct flow_record *r)
{
	char first[STORE_TIME_LEN], last[STORE_TIME_LEN], pbuf[8];
	size_t nfirst, nlast;
	int k = 1;

	if (store_ready(st) == -1) {
		st->failed++;
		return -1;
	}
	nfirst = store_time(r->first_usec, first, sizeof(first));
	nlast = store_time(r->last_usec, last, sizeof(last));
	if (st->run_id == 0)
		flow_bind_text(st, k++, NULL, 0);
	else
		flow_bind_int(st, k++, st->run_id);
	sqlite3_bind_int64(st->flow, k++, (sqlite3_int64)r->flow_id);
	flow_bind_str(st, k++, proto_name(r->proto, pbuf, sizeof(pbuf)));
	flow_bind_str(st, k++, r->src_ip);
	flow_bind_int(st, k++, r->src_port);
	flow_bind_str(st, k++, r->dest_ip);
	flow_bind_int(st, k++, r->dest_port);
	flow_bind_int(st, k++, r->vlan[0]);
	flow_bind_int(st, k++, r->vlan[1]);
	flow_bind_text(st, k++, first, nfirst);
	flow_bind_text(st, k++, last, nlast);
	sqlite3_bind_int64(st->flow, k++, (sqlite3_int64)r->first_usec);
	sqlite3_bind_int64(st->flow, k++, (sqlite3_int64)r->last_usec);
	flow_bind_int(st, k++, (sqlite3_int64)r->pkts_toserver);
	flow_bind_int(st, k++, (sqlite3_int64)r->pkts_toclient);
	flow_bind_int(st, k++, (sqlite3_int64)r->bytes_toserver);
	flow_bind_int(st, k++, (sqlite3_int64)r->bytes_toclient);
	flow_bind_int(st, k++, r->frags);
	flow_bind_str(st, k++, r->state);
	flow_bind_str(st, k++, r->conn_state);
	flow_bind_int(st, k++, r->midstream != 0);
	flow_bind_str(st, k++, r->end);
	flow_bind_str(st, k++, verdict_name(r->verdict));
	flow_bind_str(st, k++, r->rule_id);
	flow_bind_str(st, k++, r->src_role);
	flow_bind_str(st, k++, r->dest_role);
	flow_bind_str(st, k++, r->src_host);
	flow_bind_str(st, k++, r->dest_host);
	flow_bind_str(st, k++, r->failure[0] != '\0' ? r->failure : NULL);
	if (r->has_icmp) {
		flow_bind_int(st, k++, r->icmp_type);
		flow_bind_int(st, k++, r->icmp_code);
	} else {
		flow_bind_text(st, k++, NULL, 0);
		flow_bind_text(st, k++, NULL, 0);
	}
	flow_bind_str(st, k++, r->community_id[0] != '\0' ? r->community_id : NULL);
	return store_row(st, st->flow);
}

/*
 * Record one finding occurrence (batched), deduplicated on (kind, src_ip,
 * dest_ip, dest_port, proto, host).  A finding with a flow takes the
 * flow's addresses, port and protocol, and host ''; one without a flow
 * (missing) has f->host_ip as dest_ip (src_ip when f->host_is_src, dest_ip
 * then ''), dest_port f->port, proto
 * f->proto ('' when 0) and host f->host.  The rule is f->rule_id, or else
 * the flow's; the time is f->ts_usec, or else the flow's start and end;
 * flow_id (and first_flow_id, when the row is new) the flow's id, NULL
 * without.  Returns 0 or -1 (row counted as failed).
 */
int
store_finding(struct store *st, const struct finding *f)
{
	const struct flow_record *r = f->flow;
	char first[STORE_TIME_LEN], last[STORE_TIME_LEN], pbuf[8];
	char tsrc[REC_ADDR_LEN], tdst[REC_ADDR_LEN];
	const char *ttype;
	sqlite3_stmt *s = st->finding;
	uint64_t fu = r != NULL ? r->first_usec : 0;
	uint64_t lu = r != NULL ? r->last_usec : 0;
	const char *rule = f->rule_id;
	int k = 1;

	if (store_ready(st) == -1) {
		st->failed++;
		return -1;
	}
	if (f->ts_usec != 0)
		fu = lu = f->ts_usec;
	if (rule == NULL && r != NULL)
		rule = r->rule_id;
	store_time(fu, first, sizeof(first));
	store_time(lu, last, sizeof(last));
	bind_text(s, k++, finding_kind_name(f->kind));
	if (r != NULL) {
		bind_text(s, k++, r->src_ip);
		bind_text(s, k++, r->dest_ip);
		sqlite3_bind_int(s, k++, r->dest_port);
		bind_text(s, k++, proto_name(r->proto, pbuf, sizeof(pbuf)));
		bind_text(s, k++, "");
	} else {
		const char *ip = f->host_ip != NULL ? f->host_ip : "";

		bind_text(s, k++, f->host_is_src ? ip : "");
		bind_text(s, k++, f->host_is_src ? "" : ip);
		sqlite3_bind_int(s, k++, f->port);
		bind_text(s, k++, f->proto != 0 ?
		    proto_name(f->proto, pbuf, sizeof(pbuf)) : "");
		bind_text(s, k++, f->host != NULL ? f->host : "");
	}
	bind_text(s, k++, rule != NULL ? rule : "");
	bind_text(s, k++, r != NULL ? r->src_role : "");
	bind_text(s, k++, r != NULL ? r->dest_role : "");
	sqlite3_bind_int(s, k++, f->severity);
	bind_text(s, k++, f->signature);
	bind_text(s, k++, f->evidence);
	bind_text(s, k++, f->evidence);
	bind_text(s, k++, first);
	bind_u64(s, k++, fu);
	bind_text(s, k++, last);
	bind_u64(s, k++, lu);
	bind_run(s, k++, st->run_id);
	bind_run(s, k++, st->run_id);
	ttype = rec_tunnel_format(&f->tunnel, tsrc, tdst, sizeof(tsrc));
	bind_text(s, k++, ttype);			/* all three NULL without */
	bind_text(s, k++, ttype != NULL ? tsrc : NULL);
	bind_text(s, k++, ttype != NULL ? tdst : NULL);
	/* the flow it was raised on: this occurrence's, and the first's */
	if (r != NULL) {
		sqlite3_bind_int64(s, k++, (sqlite3_int64)r->flow_id);
		sqlite3_bind_int64(s, k++, (sqlite3_int64)r->flow_id);
	} else {
		sqlite3_bind_null(s, k++);
		sqlite3_bind_null(s, k++);
	}
	return store_row(st, s);
}

/* A coverage time: NULL for 0 (nothing seen), else text or microseconds. */
static void
bind_seen(sqlite3_stmt *s, int i, uint64_t usec, char *buf, size_t len)
{
	if (usec == 0) {
		sqlite3_bind_null(s, i);
		sqlite3_bind_null(s, i + 1);
		return;
	}
	store_time(usec, buf, len);
	bind_text(s, i, buf);
	bind_u64(s, i + 1, usec);
}

/*
 * Record the coverage of (host, rule_id) in the current run (batched):
 * the first write of the pair in the run inserts its row, later ones add
 * their flows and bytes, widen first and last seen, and replace state and
 * evidence.  A time of 0 means nothing seen (stored as NULL).  host,
 * rule_id and state must not be NULL.  Returns 0, or -1 outside a run or
 * when the row fails (counted as failed).
 */
int
store_coverage(struct store *st, const char *host, const char *rule_id,
    const char *state, uint64_t flows, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	char first[STORE_TIME_LEN], last[STORE_TIME_LEN];
	sqlite3_stmt *s = st->coverage;
	int k = 1;

	if (!st->run_want) {
		snprintf(st->err, sizeof(st->err), "%s: coverage %s %s: no run "
		    "in progress", st->path, host != NULL ? host : "-",
		    rule_id != NULL ? rule_id : "-");
		st->failed++;
		return -1;
	}
	if (store_ready(st) == -1) {
		st->failed++;
		return -1;
	}
	sqlite3_bind_int64(s, k++, st->run_id);
	bind_text(s, k++, host);
	bind_text(s, k++, rule_id);
	bind_text(s, k++, state);
	bind_u64(s, k++, flows);
	bind_u64(s, k++, bytes);
	bind_seen(s, k, first_usec, first, sizeof(first));
	k += 2;
	bind_seen(s, k, last_usec, last, sizeof(last));
	k += 2;
	bind_text(s, k++, evidence);
	return store_row(st, s);
}

/* Set a named counter of the current run (batched).  -1 outside a run. */
int
store_counter(struct store *st, const char *name, uint64_t value)
{
	sqlite3_stmt *s = st->counter;

	if (!st->run_want) {
		snprintf(st->err, sizeof(st->err), "%s: counter %s: no run in "
		    "progress", st->path, name);
		st->failed++;
		return -1;
	}
	if (store_ready(st) == -1) {
		st->failed++;
		return -1;
	}
	sqlite3_bind_int64(s, 1, st->run_id);
	bind_text(s, 2, name);
	bind_u64(s, 3, value);
	return store_row(st, s);
}

/*
 * End the current run: record its end time and exit status and commit
 * everything pending, then release the run's lock.  A run whose row the
 * database has not taken yet gets one more try (even within
 * STORE_RETRY_USEC of a lock).  Returns 0, or -1 when the run row or the
 * commit failed.  Without a run in progress it only commits.
 */
int
store_run_end(struct store *st, uint64_t end_usec, int status)
{
	char ended[STORE_TIME_LEN];
	sqlite3_stmt *s = st->run_end;
	sqlite3_int64 id;
	int rc = 0;

	if (st->run_want) {
		st->retry_usec = 0;
		if (store_ready(st) == -1 || store_tx_begin(st) == -1)
			rc = -1;
		else {
			store_time(end_usec, ended, sizeof(ended));
			bind_text(s, 1, ended);
			bind_u64(s, 2, end_usec);
			sqlite3_bind_int(s, 3, status);
			sqlite3_bind_int64(s, 4, st->run_id);
			if (store_exec(st, s) == -1)
				rc = -1;
		}
	}
	if (store_tx_commit(st) == -1)
		rc = -1;
	/* after the commit: a run whose end did not commit is closed as
	 * interrupted by the next start */
	if ((id = st->run_id) != 0 && st->lockfd != -1)
		(void)store_run_lock(st, id, F_UNLCK);
	store_pruner_stop(st);
	st->run_id = 0;
	st->run_want = 0;
	if (store_reindex(st) == -1)
		rc = -1;
	else
		store_analyze(st);	/* the next reader's plans */
	return rc;
}

/* Commit the open transaction now.  Returns 0 or -1. */
int
store_commit(struct store *st)
{
	return store_tx_commit(st);
}

/* Commit what is pending and close.  NULL is a no-op. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	(void)store_tx_commit(st);
	(void)store_reindex(st);
	store_free(st);
}

/* The last error as "path: message" ("" when none). */
const char *
store_error(const struct store *st)
{
	return st != NULL ? st->err : "";
}

/* Data rows (flows, findings, coverage, counters) committed since open. */
uint64_t
store_rows_written(const struct store *st)
{
	return st->written;
}

/* Data rows that failed or were rolled back, since open. */
uint64_t
store_rows_failed(const struct store *st)
{
	return st->failed;
}
