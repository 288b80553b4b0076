/*
 * test_retention.c - pruning old runs (src/output/retention.c, store_set_retention()):
 * by age while the store's writer writes its own run (small transactions
 * interleaved with the writer's commits, nothing of the current run
 * touched even when older than the age, no row of the writer lost); by
 * size, the oldest first, down to the size; a run still in progress
 * elsewhere (no end) never pruned.  The database is read back through
 * separate connections, as sqlite3(1) would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/store.h"
#include "output/retention.h"
#include "unit.h"

#define DAY_USEC	(86400ULL * 1000000)

static uint64_t
wall_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static const char *
db_path(const char *name)
{
	static char path[512];
	char side[600];

	snprintf(path, sizeof(path), "%s/%s.db", unit_tmpdir(), name);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return path;
}

static long long
q_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* Flow `id` from 198.18.(id/250).x to fe1:5061, begun at `t`. */
static void
rec_at(struct flow_record *r, uint64_t id, uint64_t t)
{
	memset(r, 0, sizeof(*r));
	r->flow_id = id;
	r->first_usec = t;
	r->last_usec = t + 1000000;
	snprintf(r->src_ip, sizeof(r->src_ip), "198.18.%u.%u", (unsigned)(id / 250 % 250),
	    (unsigned)(id % 250 + 1));
	strcpy(r->dest_ip, "198.18.1.11");
	r->src_port = (uint16_t)(40000 + id % 20000);
	r->dest_port = 5061;
	r->proto = 6;
	r->pkts_toserver = 3;
	r->state = "closed";
	r->conn_state = "closed";
	r->end = "timeout";
	r->verdict = VERDICT_UNEXPECTED;
	strcpy(r->src_role, "client");
	strcpy(r->dest_role, "front-end");
}

/* An unexpected finding on r, a distinct row per destination port. */
static int
finding_on(struct store *st, struct flow_record *r, uint16_t port)
{
	struct finding f;

	memset(&f, 0, sizeof(f));
	r->dest_port = port;
	f.kind = FINDING_UNEXPECTED;
	f.severity = 2;
	f.signature = "unexpected";
	f.flow = r;
	f.ts_usec = r->first_usec;
	return store_finding(st, &f);
}

/* A whole run of n flows from `t` on, one per ms, every tenth raising a
 * finding on port base + i / 10. */
static void
write_run(struct store *st, uint64_t id0, int n, uint64_t t, uint16_t base)
{
	struct flow_record r;

	CU_ASSERT_EQUAL(store_run_begin(st, "old.pcap", "v", t, NULL), 0);
	for (int i = 0; i < n; i++) {
		rec_at(&r, id0 + (uint64_t)i, t + (uint64_t)i * 1000);
		CU_ASSERT_EQUAL(store_flow(st, &r), 0);
		if (i % 10 == 0)
			CU_ASSERT_EQUAL(finding_on(st, &r, (uint16_t)(base + i / 10)), 0);
	}
	CU_ASSERT_EQUAL(store_run_end(st, t + (uint64_t)n * 1000, 0), 0);
}

/*
 * By age, under a running writer: run 1 (ten days old, 20,000 flows,
 * 2,000 findings) and run 2 (an hour old) ended; `retention age 2d`; run
 * 3, the writer's, writes flows dated thirty days back (a capture file
 * replayed: older than the age, never pruned, being the current run's)
 * and re-raises one of run 1's findings.  The writer commits every 100
 * rows throughout and keeps writing until run 1 is gone: some of its
 * commits fall between the pruner's transactions (run 1 half pruned),
 * none of its rows fails (its busy timeout never ran out).
 */
static void
test_age_under_writer(void)
{
	const char *path = db_path("retain-age");
	char err[1024] = "";
	uint64_t now = wall_usec(), t3 = now - 30 * DAY_USEC;
	struct flow_record r;
	struct store *st;
	long long left, interleaved = 0, written = 0;
	time_t give_up;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	write_run(st, 1, 20000, now - 10 * DAY_USEC, 1000);
	write_run(st, 100000, 1000, now - 3600ULL * 1000000, 30000);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id = 1"), 20000);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings WHERE last_run = 1"), 2000);

	store_set_retention(st, 2 * 86400, 0);
	CU_ASSERT_EQUAL(store_run_begin(st, "live", "v", now, NULL), 0);
	/* run 1's first finding, again (the pruner reaches findings only
	 * after run 1's flows, this is long committed by then) */
	rec_at(&r, 1, now);
	CU_ASSERT_EQUAL(finding_on(st, &r, 1000), 0);
	give_up = time(NULL) + 60;
	do {
		for (int i = 0; i < 100; i++, written++) {
			rec_at(&r, 200000 + (uint64_t)written, t3 + (uint64_t)written * 1000);
			CU_ASSERT_EQUAL(store_flow(st, &r), 0);
		}
		CU_ASSERT_EQUAL(store_commit(st), 0);
		left = q_int(path, "SELECT count(*) FROM flows WHERE run_id = 1");
		if (left > 0 && left < 20000)
			interleaved++;
	} while ((left != 0 || q_int(path, "SELECT count(*) FROM findings WHERE last_run = 1")
	    != 0 || written < 20000) && time(NULL) < give_up);
	CU_ASSERT_EQUAL(store_run_end(st, wall_usec(), 0), 0);
	CU_ASSERT_EQUAL(store_rows_failed(st), 0);
	store_close(st);

	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id = 1"), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings WHERE last_run = 1"), 0);
	CU_ASSERT(interleaved >= 2);
	if (interleaved < 2)
		fprintf(stderr, "\nwriter commits while run 1 was half pruned: %lld\n", interleaved);
	/* run 2 is younger than the age; run 3 is the writer's: all kept */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id = 2"), 1000);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings WHERE last_run = 2"), 100);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id = 3"), written);
	/* the finding run 3 raised again is run 3's now: kept, its count whole */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count FROM findings WHERE last_run = 3"
	    " AND dest_port = 1000"), 2);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM runs"), 3);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check = 'ok'"), 1);
}

/*
 * By size: two ended runs and one with no end (a run in progress in
 * another process).  A pass with half the pages in use as the limit
 * deletes the oldest flows first until the rest fits; one with 1 MiB
 * deletes every ended run's flows and findings and stops there, the
 * unended run whole.  Each transaction takes at most RETENTION_CHUNK rows.
 */
static void
test_size(void)
{
	const char *path = db_path("retain-size");
	char err[1024] = "";
	uint64_t now = wall_usec();
	struct retention_policy pol = { 0, 0 };
	struct retention_stats rs;
	struct store *st;
	sqlite3 *db;
	long long used, n1, lo, hi;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	write_run(st, 1, 30000, now - 5 * DAY_USEC, 1000);
	write_run(st, 100000, 30000, now - 4 * DAY_USEC, 10000);
	CU_ASSERT_EQUAL(store_run_begin(st, "elsewhere", "v", now, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		struct flow_record r;

		rec_at(&r, 300000 + (uint64_t)i, now - 6 * DAY_USEC + (uint64_t)i);
		CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	}
	CU_ASSERT_EQUAL(store_commit(st), 0);
	store_close(st);	/* run 3 left without an end */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM runs WHERE ended_usec IS NULL"), 1);

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	used = q_int(path, "SELECT (p.page_count - f.freelist_count) * s.page_size"
	    " FROM pragma_page_count p, pragma_freelist_count f, pragma_page_size s");
	pol.max_bytes = (uint64_t)used / 2;
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(retention_pass(db, &pol, 99, now, NULL, &rs, NULL), 0);
	CU_ASSERT(q_int(path, "SELECT (p.page_count - f.freelist_count) * s.page_size"
	    " FROM pragma_page_count p, pragma_freelist_count f, pragma_page_size s") <=
	    (long long)pol.max_bytes);
	CU_ASSERT(rs.flows > 0);
	CU_ASSERT(rs.transactions >= rs.flows / RETENTION_CHUNK);
	CU_ASSERT_EQUAL(rs.passes, 1);
	/* the oldest went: what is left of runs 1 and 2 is a newest part */
	n1 = q_int(path, "SELECT count(*) FROM flows WHERE run_id IN (1, 2)");
	lo = q_int(path, "SELECT min(first_usec) FROM flows WHERE run_id IN (1, 2)");
	hi = q_int(path, "SELECT max(first_usec) FROM flows WHERE run_id IN (1, 2)");
	CU_ASSERT(n1 > 0 && n1 < 60000);
	CU_ASSERT_EQUAL((unsigned long long)hi, now - 4 * DAY_USEC + 29999 * 1000ULL);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id IN (1, 2)"
	    " AND first_usec >= (SELECT min(first_usec) FROM flows WHERE run_id IN (1, 2))"), n1);
	CU_ASSERT(lo > (long long)(now - 5 * DAY_USEC));
	CU_ASSERT_EQUAL((long long)rs.flows, 60000 - n1);

	pol.max_bytes = 1 << 20;
	memset(&rs, 0, sizeof(rs));
	CU_ASSERT_EQUAL(retention_pass(db, &pol, 99, now, NULL, &rs, NULL), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id IN (1, 2)"), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings WHERE last_run IN (1, 2)"), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id = 3"), 2000);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check = 'ok'"), 1);
}

/* A database that cannot be opened: no pruner, the reason given. */
static void
test_no_database(void)
{
	char path[512], err[1024] = "";
	struct retention_policy pol = { 86400, 0 };

	snprintf(path, sizeof(path), "%s/no-such-dir/x.db", unit_tmpdir());
	CU_ASSERT_PTR_NULL(retention_start(path, &pol, 1, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	retention_stop(NULL, NULL);
}

void
test_retention_register(void)
{
	CU_pSuite s = CU_add_suite("retention", NULL, NULL);

	CU_add_test(s, "by age, under a running writer: old runs only, small transactions",
	    test_age_under_writer);
	CU_add_test(s, "by size: the oldest first, down to the size; runs in progress kept",
	    test_size);
	CU_add_test(s, "a database that cannot be opened", test_no_database);
}
