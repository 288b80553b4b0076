/*
 * retention.c - old runs' flows and findings pruned in small
 * transactions beside a running writer (retention.h).
 *
 * The thread owns its connection; what it shares with the owner is
 * `stop` (release by the owner, acquire here) and the stats, read by the
 * owner after pthread_join().  The writer's rows are never touched: every
 * DELETE names runs that have ended and are not the writer's, and a run
 * ends only by its own writer.  A chunk that finds the database busy (the
 * writer's transaction outlasting our busy timeout) is tried again after
 * a nap; nothing is lost either way, pruning only comes later.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "conformd/thread.h"
#include "retention.h"

#define NAP_MS		50	/* stop is noticed within this between passes */
#define BUSY_MS		1000	/* the pruner waits for the writer this long a chunk */
#define YIELD_MS	2	/* between chunks: the writer's turn */
#define BUSY_TRIES	20	/* chunks found busy in a row before the pass gives up */
#define TURN_WAIT_MS	10000	/* for the writer's turn to end, a chunk */

/* Runs whose rows may go: ended, and not the writer's (?1). */
#define OLD_RUNS	"(SELECT id FROM runs WHERE ended_usec IS NOT NULL AND id <> ?1)"

/* By age: ?2 the oldest time kept.  flows_first and findings_last_seen
 * find the rows; LIMIT keeps each transaction small. */
static const char sql_age_flows[] =
	"DELETE FROM flows WHERE id IN (SELECT id FROM flows WHERE first_usec < ?2"
	" AND run_id IN " OLD_RUNS " LIMIT " "500" ")";
static const char sql_age_findings[] =
	"DELETE FROM findings WHERE id IN (SELECT id FROM findings WHERE last_seen_usec < ?2"
	" AND last_run IN " OLD_RUNS " LIMIT " "500" ")";
/* By size: the oldest first. */
static const char sql_size_flows[] =
	"DELETE FROM flows WHERE id IN (SELECT id FROM flows WHERE run_id IN " OLD_RUNS
	" ORDER BY first_usec LIMIT " "500" ")";
static const char sql_size_findings[] =
	"DELETE FROM findings WHERE id IN (SELECT id FROM findings WHERE last_run IN " OLD_RUNS
	" ORDER BY last_seen_usec LIMIT " "500" ")";
/* The bytes of the pages in use (the free list is reused by later rows). */
static const char sql_used[] =
	"SELECT (p.page_count - f.freelist_count) * s.page_size"
	" FROM pragma_page_count p, pragma_freelist_count f, pragma_page_size s";

_Static_assert(RETENTION_CHUNK == 500, "the statements above say 500");

struct retention {
	sqlite3			*db;
	pthread_t		 thr;
	atomic_int		 stop;
	struct retention_policy	 pol;
	int64_t			 run_id;
	struct retention_turn	*turn;	/* the writer's */
	struct retention_stats	 st;	/* the thread's until joined */
};

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
stopped(atomic_int *stop)
{
	/* acquire: pairs with retention_stop()'s release */
	return stop != NULL && atomic_load_explicit(stop, memory_order_acquire);
}

/* The bytes in use, or -1. */
static sqlite3_int64
used_bytes(sqlite3 *db)
{
	sqlite3_stmt *s;
	sqlite3_int64 n = -1;

	if (sqlite3_prepare_v2(db, sql_used, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/*
 * Wait for the writer's turn to end (turn->writer_busy clear), asking it
 * to give way (pruner_waits).  0, or -2 when it did not within
 * TURN_WAIT_MS (a writer in a long transaction: tried again later).
 */
static int
await_turn(struct retention_turn *turn)
{
	if (turn == NULL)
		return 0;
	atomic_store(&turn->pruner_waits, 1);
	for (long waited = 0; atomic_load(&turn->writer_busy); waited++) {
		if (waited == TURN_WAIT_MS) {
			atomic_store(&turn->pruner_waits, 0);
			return -2;
		}
		nap_ms(1);
	}
	return 0;
}

/*
 * One chunk of `sql` in a transaction of its own: the rows deleted (0:
 * nothing left), -2 busy, -1 error.
 */
static int
chunk(sqlite3 *db, const char *sql, int64_t run_id, uint64_t oldest_usec,
    struct retention_turn *turn)
{
	sqlite3_stmt *s;
	int rc, n;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (await_turn(turn) == -2) {
		sqlite3_finalize(s);
		return -2;
	}
	sqlite3_bind_int64(s, 1, run_id);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, (sqlite3_int64)oldest_usec);
	/* BEGIN IMMEDIATE: the write lock first, so that a busy database is
	 * found before any work (not at COMMIT) */
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (turn != NULL)
		atomic_store(&turn->pruner_waits, 0);	/* begun, or given up */
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? -2 : -1;
	}
	rc = sqlite3_step(s);
	n = sqlite3_changes(db);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE ||
	    (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? -2 : -1;
	}
	return n;
}

/*
 * `sql` chunk after chunk while `more` (NULL: until nothing is left);
 * rows counted in *count.  0, or -1.
 */
static int
prune(sqlite3 *db, const char *sql, int64_t run_id, uint64_t oldest_usec,
    const struct retention_policy *pol, struct retention_turn *turn,
    struct retention_stats *st, uint64_t *count, atomic_int *stop)
{
	int busy = 0;

	while (!stopped(stop)) {
		int n;

		if (pol != NULL) {
			sqlite3_int64 used = used_bytes(db);

			if (used < 0)
				return -1;
			if ((uint64_t)used <= pol->max_bytes)
				return 0;
		}
		n = chunk(db, sql, run_id, oldest_usec, turn);
		if (n == -1)
			return -1;
		if (n == -2) {
			st->busy++;
			if (++busy == BUSY_TRIES)
				return 0;	/* the next pass */
			nap_ms(NAP_MS);
			continue;
		}
		if (n == 0)
			return 0;
		busy = 0;
		st->transactions++;
		*count += (uint64_t)n;
		nap_ms(YIELD_MS);
	}
	return 0;
}

int
retention_pass(sqlite3 *db, const struct retention_policy *pol, int64_t run_id,
    uint64_t now_usec, struct retention_turn *turn, struct retention_stats *st,
    atomic_int *stop)
{
	if (pol->age_s != 0) {
		uint64_t age_usec = pol->age_s * 1000000ULL;
		uint64_t oldest = now_usec > age_usec ? now_usec - age_usec : 0;

		if (prune(db, sql_age_flows, run_id, oldest, NULL, turn, st, &st->flows,
		    stop) == -1 ||
		    prune(db, sql_age_findings, run_id, oldest, NULL, turn, st, &st->findings,
		    stop) == -1)
			return -1;
	}
	if (pol->max_bytes != 0 &&
	    (prune(db, sql_size_flows, run_id, 0, pol, turn, st, &st->flows, stop) == -1 ||
	    prune(db, sql_size_findings, run_id, 0, pol, turn, st, &st->findings,
	    stop) == -1))
		return -1;
	if (!stopped(stop))
		st->passes++;
	return 0;
}

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void *
retention_main(void *arg)
{
	struct retention *r = arg;

	thread_unprivileged("retention");
	for (;;) {
		/* an error (disk, I/O) is the writer's to report: its own
		 * writes meet it too; the pruner tries again next pass */
		(void)retention_pass(r->db, &r->pol, r->run_id, now_usec(), r->turn, &r->st,
		    &r->stop);
		for (long waited = 0; waited < RETENTION_EVERY_S * 1000L; waited += NAP_MS) {
			if (stopped(&r->stop))
				return NULL;
			nap_ms(NAP_MS);
		}
	}
}

struct retention *
retention_start(const char *path, const struct retention_policy *pol, int64_t run_id,
    struct retention_turn *turn, char *err, size_t errlen)
{
	struct retention *r = calloc(1, sizeof(*r));
	int rv;

	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory for retention", path);
		return NULL;
	}
	atomic_init(&r->stop, 0);
	r->pol = *pol;
	r->run_id = run_id;
	r->turn = turn;
	/* No CREATE: the writer made the file.  The writer's synchronous
	 * level (a new connection starts at FULL). */
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_exec(r->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: retention: %s", path,
		    r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");
		sqlite3_close(r->db);
		free(r);
		return NULL;
	}
	sqlite3_busy_timeout(r->db, BUSY_MS);
	rv = thread_start_blocked(&r->thr, retention_main, r);
	if (rv != 0) {
		snprintf(err, errlen, "%s: cannot start retention: %s", path, strerror(rv));
		sqlite3_close(r->db);
		free(r);
		return NULL;
	}
	return r;
}

void
retention_stop(struct retention *r, struct retention_stats *st)
{
	if (r == NULL)
		return;
	/* release: nothing to publish but the request itself */
	atomic_store_explicit(&r->stop, 1, memory_order_release);
	pthread_join(r->thr, NULL);
	if (st != NULL)
		*st = r->st;
	sqlite3_close(r->db);
	free(r);
}
