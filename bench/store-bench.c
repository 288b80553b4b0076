/*
 * store-bench.c - what the flows table's indexes cost a flow row
 * (issue 18, item 15): conformd's own writer (src/output/store.c) storing N
 * generated flow records into a new database, as the live daemon does
 * (indexes kept up row by row, a commit every STORE_BATCH rows), with
 * every index of the schema ("v5") or with only those of schema 4 ("v4":
 * the indexes version 5 added are dropped, through a second connection,
 * before the first row); or as -r does ("bulk": indexes dropped at the
 * run's start, built at its end), then the build time of each index on
 * the loaded table, one by one.
 *
 *   store-bench -m live|bulk [-i v4|v5] [-k INDEX]... [-n ROWS] [-r RATE] [-c] DB
 *
 * -k INDEX (with -i v4): keep that index of version 5 too, to price it
 * alone.
 * -c: every flow has a Community ID (else none, as without
 * `community-id yes`: the partial index flows_community then holds no
 * row).  -r: flows a second of capture time (default 1000): the minute
 * a flow began leads the address and Community ID indexes, so the rate
 * decides how much of them a commit touches.  Records: 90% IPv4, 10%
 * IPv6; clients from a /17 (2001:db8:80::/48), 40 servers, ephemeral
 * source ports, a server port out of eight; flow ids consecutive;
 * deterministic (seeded).
 * Prints one line:
 *   mode=M indexes=I rows=N seconds=S rows_per_s=R tail_rows_per_s=T
 * where T is the rate of the last tenth of the rows (the indexes at their
 * largest); bulk adds "build=S" (the index build at the run's end) and
 * then a line per index: "index NAME seconds".
 * Links against a build tree's libconformd.a (bench/README).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/store.h"

/* the indexes schema version 5 added (src/output/store-schema.c, STORE_INDEXES_V5) */
static const char *const v5_indexes[] = {
	"flows_first", "flows_src", "flows_dest", "flows_community", "flows_flow_id",
	"findings_last_seen", "findings_last_run"
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rate = 1000;

static void
gen(struct flow_record *r, uint64_t i, int cid)
{
	static const uint16_t ports[] = { 5061, 443, 444, 5070, 135, 445, 1434, 3478 };
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t x = next();
	int v6 = x % 10 == 0, srv = (int)((x >> 8) % 40);

	memset(r, 0, sizeof(*r));
	r->flow_id = 1000000000ULL + i;
	r->first_usec = 1767225600000000ULL + i * 1000000u / rate;
	r->last_usec = r->first_usec + 1000000 + (x >> 40) % 60000000;
	if (v6) {
		snprintf(r->src_ip, sizeof(r->src_ip), "2001:db8:80::%x:%x",
		    (unsigned)((x >> 16) & 0xffff), (unsigned)((x >> 32) & 0xffff));
		snprintf(r->dest_ip, sizeof(r->dest_ip), "2001:db8:1::%d", 11 + srv);
	} else {
		snprintf(r->src_ip, sizeof(r->src_ip), "198.18.%u.%u",
		    128 + (unsigned)((x >> 16) % 128), 1 + (unsigned)((x >> 24) % 254));
		snprintf(r->dest_ip, sizeof(r->dest_ip), "198.18.1.%d", 11 + srv);
	}
	r->src_port = (uint16_t)(49152 + (x >> 44) % 16384);
	r->dest_port = ports[(x >> 5) % 8];
	r->proto = r->dest_port == 1434 || r->dest_port == 3478 ? 17 : 6;
	r->pkts_toserver = 10;
	r->pkts_toclient = 8;
	r->bytes_toserver = 1500;
	r->bytes_toclient = 3200;
	r->state = "closed";
	r->conn_state = "closed";
	r->end = "timeout";
	r->verdict = VERDICT_EXPECTED;
	r->rule_id = "T1R3";
	r->rule_table = 1;
	r->rule_row = 3;
	r->rule_service = "SIP/MTLS";
	strcpy(r->src_role, "client");
	strcpy(r->dest_role, "front-end,front-end-mediation,all-servers,all-internal-servers");
	r->src_host = "clients";
	r->dest_host = "fe1";
	if (cid) {
		r->community_id[0] = '1';
		r->community_id[1] = ':';
		for (int k = 0; k < 27; k++)
			r->community_id[2 + k] = b64[next() % 64];
		r->community_id[29] = '=';
		r->community_id[30] = '\0';
	}
}

/* Run sql on path through a connection of its own. */
static int
exec_on(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 10000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "store-bench: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Each index of the loaded table built on its own: its CREATE statement
 * from sqlite_master, dropped, then timed. */
static void
index_builds(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char names[16][64], sqls[16][256];
	int n = 0;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
	    " AND sql IS NOT NULL ORDER BY rowid", -1, &s, NULL) != SQLITE_OK)
		return;
	while (n < 16 && sqlite3_step(s) == SQLITE_ROW) {
		snprintf(names[n], sizeof(names[n]), "%s", sqlite3_column_text(s, 0));
		snprintf(sqls[n], sizeof(sqls[n]), "%s", sqlite3_column_text(s, 1));
		n++;
	}
	sqlite3_finalize(s);
	for (int i = 0; i < n; i++) {
		char drop[128];
		double t;

		snprintf(drop, sizeof(drop), "DROP INDEX %s", names[i]);
		sqlite3_exec(db, drop, NULL, NULL, NULL);
		t = now();
		sqlite3_exec(db, sqls[i], NULL, NULL, NULL);
		printf("index %s %.3f\n", names[i], now() - t);
	}
	sqlite3_close(db);
}

int
main(int argc, char **argv)
{
	const char *mode = "live", *idx = "v5", *path, *keep[8];
	int nkeep = 0;
	struct flow_record r;
	struct store *st;
	char err[1024], side[600];
	uint64_t n = 1000000, tail;
	double t0, t1, tt = 0, tb = 0;
	int c, cid = 0;

	while ((c = getopt(argc, argv, "m:i:n:ck:r:")) != -1)
		switch (c) {
		case 'r': rate = strtoull(optarg, NULL, 10); break;
		case 'k': if (nkeep < 8) keep[nkeep++] = optarg; break;
		case 'm': mode = optarg; break;
		case 'i': idx = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'c': cid = 1; break;
		default: goto usage;
		}
	if (optind + 1 != argc || (strcmp(mode, "live") != 0 && strcmp(mode, "bulk") != 0) ||
	    (strcmp(idx, "v4") != 0 && strcmp(idx, "v5") != 0) || n < 10 || rate == 0)
		goto usage;
	path = argv[optind];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	if ((st = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "store-bench: %s\n", err);
		return 2;
	}
	if (strcmp(idx, "v4") == 0)
		for (size_t i = 0; i < sizeof(v5_indexes) / sizeof(v5_indexes[0]); i++) {
			char sql[96];
			int k;

			for (k = 0; k < nkeep && strcmp(keep[k], v5_indexes[i]) != 0; k++)
				;
			if (k < nkeep)
				continue;	/* -k NAME: v4 and this one */
			snprintf(sql, sizeof(sql), "DROP INDEX %s", v5_indexes[i]);
			if (exec_on(path, sql) == -1)
				return 2;
		}
	/* as conformd opens its database (output.c) */
	store_set_bulk(st, strcmp(mode, "bulk") == 0);
	store_checkpoint_thread(st);
	if (store_run_begin(st, "store-bench", "bench", 1767225600000000ULL, NULL) == -1) {
		fprintf(stderr, "store-bench: %s\n", store_error(st));
		return 2;
	}
	tail = n - n / 10;
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		if (i == tail)
			tt = now();
		gen(&r, i, cid);
		if (store_flow(st, &r) == -1) {
			fprintf(stderr, "store-bench: row %llu: %s\n", (unsigned long long)i,
			    store_error(st));
			return 2;
		}
	}
	if (store_commit(st) == -1)
		return 2;
	t1 = now();
	if (store_run_end(st, 1767225600000000ULL + n, 0) == -1) {
		fprintf(stderr, "store-bench: %s\n", store_error(st));
		return 2;
	}
	tb = now() - t1;
	store_close(st);
	printf("mode=%s indexes=%s rows=%llu rate=%llu seconds=%.3f rows_per_s=%.0f tail_rows_per_s=%.0f",
	    mode, idx, (unsigned long long)n, (unsigned long long)rate, t1 - t0 + tb,
	    (double)n / (t1 - t0 + tb),
	    (double)(n - tail) / (t1 - tt));
	if (strcmp(mode, "bulk") == 0)
		printf(" build=%.3f", tb);
	printf("\n");
	fflush(stdout);
	if (strcmp(mode, "bulk") == 0)
		index_builds(path);
	return 0;
usage:
	fprintf(stderr, "usage: store-bench -m live|bulk [-i v4|v5] [-k INDEX]... [-n ROWS] [-r RATE]"
	    " [-c] DB\n");
	return 2;
}
