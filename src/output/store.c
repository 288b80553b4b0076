/*
 * store.c - the SQLite record's connection: open and close, the batch
 * transactions, errors, the WAL's checkpoints.
 *
 * One connection, owned by one thread.  The database runs in WAL mode
 * (readers such as sqlite3(1) never block the writer), every statement is
 * prepared once at open, and rows are written in explicit transactions of
 * STORE_BATCH rows.  A new file gets 16 KiB pages (store_schema_setup()).
 * A failed row is counted and remembered as the last error; it never
 * stops the process.
 *
 * The tables, their versions and upgrades are store-schema.c's; the rows
 * (runs, rules, hosts, flows, findings, coverage, counters) are
 * store-rows.c's; struct store, which the three share, is in store-int.h.
 */
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

#include "conformd/log.h"
#include "conformd/record.h"
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
/* WAL bytes between checkpoints: SQLite's default of 1000 pages, at the
 * 4 KiB page size it used to have; and the same for a bulk load. */
#define STORE_CHECKPOINT_BYTES	(1000 * 4096)
#define STORE_BULK_CHECKPOINT_BYTES	(64 * 1024 * 1024)

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

uint64_t
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
int
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
int
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

/* Prepare a statement the store keeps (SQLITE_PREPARE_PERSISTENT).  0, or
 * -1 (error kept). */
int
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
void
store_pruner_start(struct store *st)
{
	char err[512];

	if (st->pruner != NULL || (st->retain.age_s == 0 && st->retain.max_bytes == 0))
		return;
	st->pruner = retention_start(st->file, &st->retain, st->run_id, &st->turn, err,
	    sizeof(err));
	if (st->pruner == NULL)
		log_warnx("%s; nothing is pruned in this run", err);
}

/* Stop it, saying what it pruned. */
void
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
	free(st->pend.v);
	free(st->run_sources);
	free(st->run_version);
	free(st->path);
	free(st->file);
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
			    "%s: is a symbolic link: not followed", st->path);
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
		snprintf(st->err, sizeof(st->err), "%s: cannot create: %s", st->path,
		    strerror(errno));
		return -1;
	}
	(void)close(fd);
	return 0;
}

/*
 * The path SQLite is given: the database's directory resolved
 * (realpath(3)), its own name kept.  SQLITE_OPEN_NOFOLLOW refuses a path
 * with a symbolic link anywhere in it, and directories reached through
 * one are common (/var/run is /run on Debian; a data partition linked
 * under /var/lib); only the file itself must not be one (store_create()).
 * A directory that cannot be resolved leaves the path as given, for
 * SQLite to say what is wrong.  A copy (free()), or NULL when out of memory.
 */
static char *
store_file(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real, *file;
	size_t dlen;

	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return strdup(path);
	if (slash == NULL)
		return strdup(path);	/* the working directory: no link to follow */
	dlen = slash == path ? 1 : (size_t)(slash - path);
	if ((dir = strndup(path, dlen)) == NULL)
		return NULL;
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return strdup(path);
	dlen = strlen(real) + strlen(slash) + 1;
	if ((file = malloc(dlen)) != NULL)
		snprintf(file, dlen, "%s%s", strcmp(real, "/") == 0 ? "" : real, slash);
	free(real);
	return file;
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
	    (st->path = strdup(path)) == NULL ||
	    (st->file = store_file(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		if (st != NULL)
			free(st->path);
		free(st);
		return NULL;
	}
	st->lockfd = -1;
	if (store_create(st, st->file) == -1)
		goto fail;
	if (sqlite3_open_v2(st->file, &st->db, SQLITE_OPEN_READWRITE |
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
	    store_rows_prepare(st) == -1)
		goto fail;
	/* for the runs' locks (STORE_RUN_LOCK_BASE); without it (a database
	 * in memory), runs that died are left open */
	if (path[0] != '\0' && strcmp(path, ":memory:") != 0)
		st->lockfd = open(st->file, O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	return st;
fail:
	snprintf(err, errlen, "%s", st->err);
	store_free(st);
	return NULL;
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
	st->ckpt = checkpointer_start(st->file, err, sizeof(err));
	if (st->ckpt == NULL)
		log_info("%s: checkpoints stay with the writer", err);
	store_checkpoint(st);
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

