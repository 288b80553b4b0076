/*
 * test_store.c - the SQLite record: creation and reopening, refusal of
 * foreign files, exact round trip of flows, finding deduplication (flows,
 * and missing findings per host), evidence, per-run coverage states and
 * accumulation, batching, counters, the rules table, bulk (offline) runs
 * that build their indexes at the end, and capture times against
 * gmtime_r().  The database is read back through a second connection, as
 * sqlite3(1) would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>

#include "conformd/packet.h"
#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/rules.h"
#include "conformd/store.h"
#include "unit.h"

#define T2026	1767225600000000ULL	/* 2026-01-01T00:00:00Z in microseconds */

/* A fresh database path in the scratch directory (old files removed). */
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

/* One integer from a query through a separate connection; -999 on error. */
static long long
q_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return v;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	} else
		fprintf(stderr, "\nq_int: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	return v;
}

/* One row of a query as "col|col|..." (NULL printed as "<null>"). */
static const char *
q_row(const char *path, const char *sql)
{
	static char out[4096];
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t off = 0;
	int i;

	snprintf(out, sizeof(out), "<error>");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "\nq_row: %s: %s\n", sql, sqlite3_errmsg(db));
		sqlite3_close(db);
		return out;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		out[0] = '\0';
		for (i = 0; i < sqlite3_column_count(s); i++) {
			const unsigned char *t = sqlite3_column_text(s, i);

			off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
			    i ? "|" : "", t != NULL ? (const char *)t : "<null>");
			if (off >= sizeof(out))
				break;
		}
	} else
		snprintf(out, sizeof(out), "<no row>");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* The plan of a query (EXPLAIN QUERY PLAN's details, joined with " | "). */
static const char *
q_plan(const char *path, const char *sql)
{
	static char out[2048];
	char q[1024];
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t off = 0;

	out[0] = '\0';
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		snprintf(out, sizeof(out), "<error: %s>", sqlite3_errmsg(db));
		sqlite3_close(db);
		return out;
	}
	while (sqlite3_step(s) == SQLITE_ROW && off < sizeof(out))
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", off ? " | " : "",
		    (const char *)sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* Run SQL on a database with the plain sqlite3 API (setting up foreign files). */
static void
q_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
rec_fill(struct flow_record *r, uint64_t id)
{
	memset(r, 0, sizeof(*r));
	r->flow_id = id;
	r->first_usec = T2026 + 1;
	r->last_usec = T2026 + 61500000;
	strcpy(r->src_ip, "198.18.1.50");
	strcpy(r->dest_ip, "198.18.1.11");
	r->src_port = 50123;
	r->dest_port = 5061;
	r->proto = 6;
	r->vlan[0] = 100;
	r->vlan[1] = 4094;
	r->pkts_toserver = 10;
	r->pkts_toclient = 8;
	r->bytes_toserver = 5000000000ULL;	/* beyond 32 bits */
	r->bytes_toclient = 3200;
	r->frags = 3;
	r->state = "closed";
	r->conn_state = "closed";
	r->midstream = 1;
	r->end = "timeout";
	r->verdict = VERDICT_EXPECTED;
	r->rule_id = "T1R3";
	r->rule_table = 1;
	r->rule_row = 3;
	r->rule_service = "SIP/MTLS";
	strcpy(r->src_role, "client");
	strcpy(r->dest_role, "front-end,director");
	r->src_host = "pc1";
	r->dest_host = "fe1";
}

static void
test_open_create(void)
{
	const char *path = db_path("create");
	char err[1024] = "";
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	CU_ASSERT_STRING_EQUAL(store_error(st), "");
	CU_ASSERT_EQUAL(q_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CU_ASSERT_STRING_EQUAL(q_row(path, "PRAGMA journal_mode"), "wal");
	CU_ASSERT_EQUAL(q_int(path, "PRAGMA page_size"), 16384);	/* a new file's */
	CU_ASSERT_STRING_EQUAL(q_row(path,
	    "SELECT value FROM meta WHERE key = 'schema_version'"), "5");
	CU_ASSERT_EQUAL(q_int(path,
	    "SELECT count(*) FROM meta WHERE key = 'software' AND value LIKE 'conformd %'"), 1);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM meta WHERE key = 'created'"
	    " AND value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z'"), 1);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name IN ('meta','runs','counters','rules','flows','findings','coverage')"), 7);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 3);
	store_close(st);
	store_close(NULL);
}

static void
test_reopen(void)
{
	const char *path = db_path("reopen");
	char err[1024] = "", created[64];
	struct flow_record r;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "a.pcap", "0.1.0", T2026, NULL), 0);
	rec_fill(&r, 1);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 5000000, 0), 0);
	store_close(st);
	snprintf(created, sizeof(created), "%s",
	    q_row(path, "SELECT value FROM meta WHERE key = 'created'"));

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_set_sensor(st, "sensor-b.example.net"), 0);
	CU_ASSERT_EQUAL(store_run_begin(st, "b.pcap", "0.1.0", T2026 + 10000000, NULL), 0);
	rec_fill(&r, 2);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 20000000, 3), 0);
	store_close(st);

	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM meta"), 3);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT value FROM meta WHERE key = 'created'"),
	    created);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(flow_id || ':' || run_id)"
	    " FROM (SELECT * FROM flows ORDER BY id)"), "1:1,2:2");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT id, started, started_usec, ended,"
	    " ended_usec, sources, version, status FROM runs WHERE id = 1"),
	    "1|2026-01-01T00:00:00.000000Z|1767225600000000|2026-01-01T00:00:05.000000Z|"
	    "1767225605000000|a.pcap|0.1.0|0");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT sources, status FROM runs WHERE id = 2"),
	    "b.pcap|3");
	/* the sensor that wrote each run: none set for the first */
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(quote(sensor), ',')"
	    " FROM (SELECT sensor FROM runs ORDER BY id)"), "NULL,'sensor-b.example.net'");
}

static void
test_wrong_version(void)
{
	const char *path = db_path("version");
	char err[1024] = "";

	q_exec(path, "CREATE TABLE t (x); PRAGMA user_version = 7;");
	CU_ASSERT_PTR_NULL(store_open(path, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "schema version 7"));
	/* refused untouched: still version 7, not switched to WAL */
	CU_ASSERT_EQUAL(q_int(path, "PRAGMA user_version"), 7);
	CU_ASSERT_STRING_EQUAL(q_row(path, "PRAGMA journal_mode"), "delete");

	/* someone else's database: tables but no version */
	path = db_path("foreign");
	q_exec(path, "CREATE TABLE t (x);");
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(store_open(path, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a conformd database"));
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master"), 1);
}

/* The schema of version 1, as conformd 0.1 (before 2026-11-25) made it. */
static const char schema_v1[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT, started_usec INTEGER,"
	"  ended TEXT, ended_usec INTEGER, sources TEXT, version TEXT, status INTEGER);"
	"CREATE TABLE counters (run_id INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER,"
	"  PRIMARY KEY (run_id, name));"
	"CREATE TABLE rules (id TEXT PRIMARY KEY, table_no INTEGER, row_no INTEGER, role TEXT,"
	"  dir TEXT, proto TEXT, ports TEXT, apps TEXT, peers TEXT,"
	"  optional INTEGER, reqresp INTEGER, service TEXT, note TEXT);"
	"CREATE TABLE flows (id INTEGER PRIMARY KEY, run_id INTEGER, flow_id INTEGER, proto TEXT,"
	"  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER,"
	"  vlan0 INTEGER, vlan1 INTEGER, first_ts TEXT, last_ts TEXT,"
	"  first_usec INTEGER, last_usec INTEGER, pkts_toserver INTEGER, pkts_toclient INTEGER,"
	"  bytes_toserver INTEGER, bytes_toclient INTEGER, frags INTEGER,"
	"  state TEXT, conn_state TEXT, midstream INTEGER, end_reason TEXT,"
	"  verdict TEXT, rule_id TEXT, src_role TEXT, dest_role TEXT,"
	"  src_host TEXT, dest_host TEXT, failure TEXT);"
	"CREATE TABLE findings (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, src_ip TEXT NOT NULL,"
	"  dest_ip TEXT NOT NULL, dest_port INTEGER NOT NULL, proto TEXT NOT NULL,"
	"  host TEXT NOT NULL DEFAULT '', rule_id TEXT NOT NULL DEFAULT '',"
	"  src_role TEXT, dest_role TEXT, severity INTEGER, signature TEXT,"
	"  evidence TEXT, last_evidence TEXT, count INTEGER NOT NULL,"
	"  first_seen TEXT, first_seen_usec INTEGER, last_seen TEXT, last_seen_usec INTEGER,"
	"  first_run INTEGER, last_run INTEGER,"
	"  UNIQUE (kind, src_ip, dest_ip, dest_port, proto, host, rule_id));"
	"CREATE TABLE coverage (run_id INTEGER NOT NULL, host TEXT NOT NULL,"
	"  rule_id TEXT NOT NULL, state TEXT NOT NULL, flows INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL, first_seen TEXT, first_seen_usec INTEGER,"
	"  last_seen TEXT, last_seen_usec INTEGER, evidence TEXT,"
	"  PRIMARY KEY (run_id, host, rule_id));"
	"CREATE INDEX flows_run ON flows(run_id);"
	"CREATE INDEX flows_verdict ON flows(verdict);"
	"CREATE INDEX findings_kind ON findings(kind);"
	"PRAGMA user_version = 1;"
	"INSERT INTO meta VALUES ('schema_version', '1'),"
	"  ('created', '2026-11-01T00:00:00.000000Z'), ('software', 'conformd 0.1.0');"
	"INSERT INTO runs VALUES (1, '2026-11-01T00:00:00.000000Z', 1761955200000000,"
	"  '2026-11-01T00:00:01.000000Z', 1761955201000000, 'old.pcap', '0.1.0', 1);"
	"INSERT INTO flows (run_id, flow_id, proto, src_ip, src_port, dest_ip, dest_port,"
	"  verdict) VALUES (1, 77, 'TCP', '198.18.1.50', 50000, '198.18.1.11', 22,"
	"  'unexpected');";

/* A database of version 1 is upgraded in place: its rows kept, the new
 * columns NULL in them, new rows written whole, the same column list as a
 * new file's; reopening it again changes nothing. */
static void
test_upgrade_v1(void)
{
	char path[512], fresh[512], err[1024] = "", cols[2048];
	struct flow_record r;
	struct store *st;
	int i;

	snprintf(path, sizeof(path), "%s", db_path("v1"));	/* a static buffer */
	snprintf(fresh, sizeof(fresh), "%s", db_path("v2"));
	q_exec(path, schema_v1);
	for (i = 0; i < 2; i++) {
		st = store_open(path, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		CU_ASSERT_EQUAL(q_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		CU_ASSERT_STRING_EQUAL(q_row(path,
		    "SELECT value FROM meta WHERE key = 'schema_version'"), "5");
		CU_ASSERT_EQUAL(store_run_begin(st, "new.pcap", "v", T2026, NULL), 0);
		rec_fill(&r, 100 + (uint64_t)i);
		strcpy(r.community_id, "1:5QTjlVXOsolW7VORAyA8MVX/DMk=");
		CU_ASSERT_EQUAL(store_flow(st, &r), 0);
		CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1000000, 0), 0);
		store_close(st);
	}
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(flow_id || ' ' ||"
	    " run_id || ' ' || quote(icmp_type) || ' ' || quote(community_id), ',')"
	    " FROM (SELECT * FROM flows ORDER BY id)"),
	    "77 1 NULL NULL,100 2 NULL '1:5QTjlVXOsolW7VORAyA8MVX/DMk=',"
	    "101 3 NULL '1:5QTjlVXOsolW7VORAyA8MVX/DMk='");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT sources, quote(sensor) FROM runs WHERE id = 1"),
	    "old.pcap|NULL");
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 3);
	CU_ASSERT_STRING_EQUAL(q_row(path, "PRAGMA integrity_check"), "ok");

	/* the same columns, in the same order, as a new file's */
	st = store_open(fresh, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_close(st);
	snprintf(cols, sizeof(cols), "%s", q_row(fresh,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('hosts')"));
	CU_ASSERT_STRING_EQUAL(cols, "name TEXT,kind TEXT,pool TEXT,pool_type TEXT,"
	    "roles TEXT,addresses TEXT");
	CU_ASSERT_STRING_EQUAL(q_row(path,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('hosts')"),
	    cols);
	snprintf(cols, sizeof(cols), "%s", q_row(fresh,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('flows')"));
	CU_ASSERT_STRING_EQUAL(q_row(path,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('flows')"),
	    cols);
	CU_ASSERT_PTR_NOT_NULL(strstr(cols, ",failure TEXT,icmp_type INTEGER,"
	    "icmp_code INTEGER,community_id TEXT"));
	snprintf(cols, sizeof(cols), "%s", q_row(fresh,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('findings')"));
	CU_ASSERT_STRING_EQUAL(q_row(path,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('findings')"),
	    cols);
	CU_ASSERT_PTR_NOT_NULL(strstr(cols, ",last_run INTEGER,tunnel_type TEXT,"
	    "tunnel_src TEXT,tunnel_dst TEXT"));
	snprintf(cols, sizeof(cols), "%s", q_row(fresh,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('rules')"));
	CU_ASSERT_STRING_EQUAL(q_row(path,
	    "SELECT group_concat(name || ' ' || type, ',') FROM pragma_table_info('rules')"),
	    cols);
	CU_ASSERT_PTR_NOT_NULL(strstr(cols, ",note TEXT,source TEXT,features TEXT,"
	    "site INTEGER,disabled INTEGER"));
}

static void
test_not_database(void)
{
	const char *path = db_path("text");
	char err[1024] = "";
	FILE *fp;
	int i;

	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	for (i = 0; i < 100; i++)
		fprintf(fp, "this is a text file, line %d\n", i);
	fclose(fp);
	CU_ASSERT_PTR_NULL(store_open(path, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a database"));

	/* a directory that does not exist: the reason names the path */
	{
		char missing[600];

		snprintf(missing, sizeof(missing), "%s/no/such/dir/x.db", unit_tmpdir());
		err[0] = '\0';
		CU_ASSERT_PTR_NULL(store_open(missing, err, sizeof(err)));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
	}
}

static void
test_flows(void)
{
	const char *path = db_path("flows");
	char err[1024] = "";
	struct flow_record r;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	rec_fill(&r, 1234567890123ULL);
	strcpy(r.community_id, "1:5QTjlVXOsolW7VORAyA8MVX/DMk=");
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);

	/* an ICMPv6 flow (an echo request) without rule, VLAN or known hosts */
	memset(&r, 0, sizeof(r));
	r.flow_id = 9;
	r.first_usec = T2026 + 3600000000ULL;
	r.last_usec = T2026 + 3600999999ULL;
	strcpy(r.src_ip, "2001:db8::1");
	strcpy(r.dest_ip, "2001:db8::2");
	r.proto = 58;
	r.has_icmp = 1;
	r.icmp_type = 128;
	r.pkts_toserver = 1;
	r.bytes_toserver = 104;
	r.state = "new";
	r.conn_state = "new";
	r.end = "flush";
	r.verdict = VERDICT_UNMONITORED;
	strcpy(r.src_role, "-");
	strcpy(r.dest_role, "-");
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	r.flow_id = 10;
	r.proto = 132;		/* SCTP: shown as its number */
	r.has_icmp = 0;
	strcpy(r.failure, "no answer to 3 SYNs");
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 4000000000ULL, 0), 0);
	CU_ASSERT_EQUAL(store_rows_written(st), 3);
	CU_ASSERT_EQUAL(store_rows_failed(st), 0);
	store_close(st);

	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT * FROM flows WHERE flow_id = 1234567890123"),
	    "1|1|1234567890123|TCP|198.18.1.50|50123|198.18.1.11|5061|100|4094|"
	    "2026-01-01T00:00:00.000001Z|2026-01-01T00:01:01.500000Z|"
	    "1767225600000001|1767225661500000|10|8|5000000000|3200|3|closed|closed|"
	    "1|timeout|expected|T1R3|client|front-end,director|pc1|fe1|<null>|"
	    "<null>|<null>|1:5QTjlVXOsolW7VORAyA8MVX/DMk=");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT * FROM flows WHERE flow_id = 9"),
	    "2|1|9|IPv6-ICMP|2001:db8::1|0|2001:db8::2|0|0|0|"
	    "2026-01-01T01:00:00.000000Z|2026-01-01T01:00:00.999999Z|"
	    "1767229200000000|1767229200999999|1|0|104|0|0|new|new|"
	    "0|flush|unmonitored|<null>|-|-|<null>|<null>|<null>|128|0|<null>");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT proto, failure, quote(icmp_type),"
	    " quote(icmp_code) FROM flows WHERE flow_id = 10"),
	    "SCTP|no answer to 3 SYNs|NULL|NULL");
	/* SQLite's own date functions read the text times (to the millisecond) */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE"
	    " abs((julianday(first_ts) - 2440587.5) * 86400000.0 - first_usec / 1000.0) < 1"
	    " AND abs((julianday(last_ts) - 2440587.5) * 86400000.0 - last_usec / 1000.0) < 1"),
	    3);
	CU_ASSERT_EQUAL(q_int(path, "SELECT typeof(bytes_toserver) = 'integer'"
	    " FROM flows WHERE flow_id = 1234567890123"), 1);
}

/*
 * One record rewritten in place between rows, as the engine does: values
 * bound already are not bound again (store-int.h, struct store_bound), yet
 * every row holds what the record held when it was written: the same
 * buffers with other bytes of the same length, other lengths, NULL and
 * back, the run's NULL and back.
 */
static void
test_flows_reused_record(void)
{
	const char *path = db_path("flows-reused");
	char err[1024] = "", rule[] = "T2R7";
	struct flow_record r;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	rec_fill(&r, 1);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);		/* outside a run */
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	r.flow_id = 2;
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	r.flow_id = 3;
	r.first_usec += 1000000;
	r.last_usec += 2000001;
	strcpy(r.src_ip, "198.18.1.51");		/* same length */
	strcpy(r.dest_role, "front-end");		/* shorter */
	r.rule_id = NULL;
	r.dest_host = NULL;
	strcpy(r.failure, "no answer to 3 SYNs");
	r.vlan[0] = 0;
	r.pkts_toserver = 11;
	r.proto = 17;
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	r.flow_id = 4;
	r.rule_id = rule;
	r.dest_host = "fe2";
	r.failure[0] = '\0';
	strcpy(r.src_ip, "10.0.0.1");
	strcpy(r.community_id, "1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	r.has_icmp = 1;
	r.icmp_type = 8;
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	r.flow_id = 5;
	rule[3] = '8';					/* same pointer, other bytes */
	r.vlan[0] = 100;
	r.community_id[2] = 'B';
	r.icmp_type = 3;
	r.icmp_code = 13;
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 4000000000ULL, 0), 0);
	r.flow_id = 6;					/* outside a run again */
	r.community_id[0] = '\0';
	r.has_icmp = 0;
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	store_close(st);

	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(quote(run_id), ',')"
	    " FROM (SELECT run_id FROM flows ORDER BY id)"), "NULL,1,1,1,1,NULL");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT * FROM flows WHERE flow_id = 2"),
	    "2|1|2|TCP|198.18.1.50|50123|198.18.1.11|5061|100|4094|"
	    "2026-01-01T00:00:00.000001Z|2026-01-01T00:01:01.500000Z|"
	    "1767225600000001|1767225661500000|10|8|5000000000|3200|3|closed|closed|"
	    "1|timeout|expected|T1R3|client|front-end,director|pc1|fe1|<null>|"
	    "<null>|<null>|<null>");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT * FROM flows WHERE flow_id = 3"),
	    "3|1|3|UDP|198.18.1.51|50123|198.18.1.11|5061|0|4094|"
	    "2026-01-01T00:00:01.000001Z|2026-01-01T00:01:03.500001Z|"
	    "1767225601000001|1767225663500001|11|8|5000000000|3200|3|closed|closed|"
	    "1|timeout|expected|<null>|client|front-end|pc1|<null>|no answer to 3 SYNs|"
	    "<null>|<null>|<null>");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, rule_id, dest_host,"
	    " quote(failure), vlan0 FROM flows WHERE flow_id = 4"),
	    "10.0.0.1|T2R7|fe2|NULL|0");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, rule_id, dest_host,"
	    " quote(failure), vlan0 FROM flows WHERE flow_id = 5"),
	    "10.0.0.1|T2R8|fe2|NULL|100");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, rule_id, dest_role"
	    " FROM flows WHERE flow_id = 6"), "10.0.0.1|T2R8|front-end");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(flow_id || ' ' ||"
	    " quote(icmp_type) || ' ' || quote(icmp_code) || ' ' || quote(community_id),"
	    " ',') FROM (SELECT * FROM flows WHERE flow_id >= 4 ORDER BY id)"),
	    "4 8 0 '1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=',"
	    "5 3 13 '1:BAAAAAAAAAAAAAAAAAAAAAAAAAA=',6 NULL NULL NULL");
}

static void
finding_flow(struct flow_record *r, uint64_t first, uint64_t last)
{
	rec_fill(r, first);
	r->first_usec = first;
	r->last_usec = last;
	r->verdict = VERDICT_UNEXPECTED;
	r->rule_id = NULL;
}

static void
test_findings(void)
{
	const char *path = db_path("findings");
	char err[1024] = "";
	struct flow_record r;
	struct finding f;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_UNEXPECTED;
	f.severity = 2;
	f.signature = "unexpected TCP 5061";
	f.category = "Policy Violation";
	f.flow = &r;
	/* three occurrences, out of time order; the first through an
	 * ERSPAN II mirror (the row keeps its tunnel), the second through
	 * VXLAN over IPv6 */
	finding_flow(&r, T2026 + 2000000, T2026 + 2500000);
	f.tunnel.depth = 1;
	f.tunnel.type = PKT_TUN_ERSPAN2;
	f.tunnel.family = 4;
	memcpy(f.tunnel.src, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x12\xc8\x01", 16);
	memcpy(f.tunnel.dst, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x12\xc8\x02", 16);
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	finding_flow(&r, T2026 + 1000000, T2026 + 1500000);
	f.tunnel.type = PKT_TUN_VXLAN;
	f.tunnel.family = 6;
	memcpy(f.tunnel.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	memset(&f.tunnel, 0, sizeof(f.tunnel));
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 9000000, 0), 0);
	CU_ASSERT_EQUAL(store_run_begin(st, "y", "v", T2026 + 10000000, NULL), 0);
	finding_flow(&r, T2026 + 3000000, T2026 + 3500000);
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	/* another kind on the same tuple, and another port: separate rows */
	f.kind = FINDING_BLOCKED;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	f.kind = FINDING_UNEXPECTED;
	r.dest_port = 5062;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	/* a finding without a flow, twice */
	f.kind = FINDING_MISSING;
	f.severity = 3;
	f.signature = "T2R1 never seen";
	f.flow = NULL;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_commit(st), 0);
	CU_ASSERT_EQUAL(store_rows_written(st), 7);
	store_close(st);

	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings"), 4);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT kind, src_ip, dest_ip, dest_port,"
	    " proto, rule_id, src_role, dest_role, severity, signature, count,"
	    " first_seen, first_seen_usec, last_seen, last_seen_usec, first_run,"
	    " last_run FROM findings WHERE kind = 'unexpected' AND dest_port = 5061"),
	    "unexpected|198.18.1.50|198.18.1.11|5061|TCP||client|"
	    "front-end,director|2|unexpected TCP 5061|3|"
	    "2026-01-01T00:00:01.000000Z|1767225601000000|"
	    "2026-01-01T00:00:03.500000Z|1767225603500000|1|2");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT tunnel_type, tunnel_src, tunnel_dst"
	    " FROM findings WHERE kind = 'unexpected' AND dest_port = 5061"),
	    "erspan2|198.18.200.1|198.18.200.2");
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings WHERE tunnel_type IS NULL"
	    " AND tunnel_src IS NULL AND tunnel_dst IS NULL"), 3);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT count, first_run, last_run FROM findings"
	    " WHERE kind = 'blocked'"), "1|2|2");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT count FROM findings"
	    " WHERE kind = 'unexpected' AND dest_port = 5062"), "1");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, dest_ip, dest_port, proto,"
	    " host, rule_id, severity, signature, count FROM findings WHERE kind = 'missing'"),
	    "||0||||3|T2R1 never seen|2");
	/* findings with a flow have host '' and no evidence */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings WHERE host = ''"
	    " AND evidence IS NULL AND last_evidence IS NULL"), 4);
}

/* A missing finding names the host, its address, the port and protocol,
 * and is deduplicated per host. */
static void
test_findings_missing(void)
{
	const char *path = db_path("missing");
	char err[1024] = "";
	struct finding f;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_MISSING;
	f.severity = 3;
	f.signature = "T1R3 never seen on fe1";
	f.category = "Policy Violation";
	f.rule_id = "T1R3";
	f.host = "fe1";
	f.host_ip = "198.18.1.11";
	f.port = 5061;
	f.proto = 6;
	f.ts_usec = T2026 + 9000000;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 9000000, 0), 0);
	/* the next run raises it again, earlier in capture time */
	CU_ASSERT_EQUAL(store_run_begin(st, "y", "v", T2026 + 10000000, NULL), 0);
	f.ts_usec = T2026 + 4000000;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	/* another host of the same rule, with several addresses: its own row */
	f.signature = "T1R3 never seen on fe2";
	f.host = "fe2";
	f.host_ip = "";
	f.ts_usec = T2026 + 12000000;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	/* a rule naming no single protocol, no host address given at all */
	f.signature = "T2R7 never seen on pc1";
	f.rule_id = "T2R7";
	f.host = "pc1";
	f.host_ip = NULL;
	f.port = 1024;
	f.proto = 0;
	f.ts_usec = 0;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 20000000, 0), 0);
	CU_ASSERT_EQUAL(store_rows_written(st), 4);
	CU_ASSERT_EQUAL(store_rows_failed(st), 0);
	store_close(st);

	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings"), 3);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT kind, src_ip, dest_ip, dest_port,"
	    " proto, host, rule_id, src_role, dest_role, severity, signature,"
	    " evidence, last_evidence, count, first_seen, first_seen_usec,"
	    " last_seen, last_seen_usec, first_run, last_run FROM findings"
	    " WHERE host = 'fe1'"),
	    "missing||198.18.1.11|5061|TCP|fe1|T1R3|||3|T1R3 never seen on fe1|"
	    "<null>|<null>|2|2026-01-01T00:00:04.000000Z|1767225604000000|"
	    "2026-01-01T00:00:09.000000Z|1767225609000000|1|2");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, dest_ip, dest_port, proto,"
	    " rule_id, count, first_seen_usec, last_seen_usec, first_run, last_run"
	    " FROM findings WHERE host = 'fe2'"),
	    "||5061|TCP|T1R3|1|1767225612000000|1767225612000000|2|2");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, dest_ip, dest_port, proto,"
	    " rule_id, count, first_seen_usec, last_seen_usec FROM findings"
	    " WHERE host = 'pc1'"), "||1024||T2R7|1|0|0");
}

/* A blocked finding keeps its first evidence and the latest; its rule
 * is the finding's, else the flow's; its time is when it was raised. */
static void
test_findings_evidence(void)
{
	const char *path = db_path("evidence");
	char err[1024] = "";
	struct flow_record r;
	struct finding f;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	rec_fill(&r, 5);
	r.verdict = VERDICT_EXPECTED;
	r.conn_state = "attempted";
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_BLOCKED;
	f.severity = 2;
	f.signature = "T1R3 blocked";
	f.category = "Policy Violation";
	f.flow = &r;
	f.rule_id = "T1R9";		/* the finding's rule wins over the flow's */
	f.evidence = "3 SYNs, no answer";
	f.ts_usec = T2026 + 7000000;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	f.evidence = "1 SYN, RST \"refused\"";
	f.ts_usec = T2026 + 8000000;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	/* a mismatch without a rule of its own takes the flow's rule; without
	 * ts_usec its times are the flow's */
	f.kind = FINDING_PROTOCOL_MISMATCH;
	f.rule_id = NULL;
	f.evidence = "plain TCP, no TLS ClientHello";
	f.ts_usec = 0;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 9000000, 0), 0);
	store_close(st);

	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM findings"), 2);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT src_ip, dest_ip, dest_port, proto,"
	    " host, rule_id, evidence, last_evidence, count, first_seen,"
	    " last_seen FROM findings WHERE kind = 'blocked'"),
	    "198.18.1.50|198.18.1.11|5061|TCP||T1R9|3 SYNs, no answer|"
	    "1 SYN, RST \"refused\"|2|2026-01-01T00:00:07.000000Z|"
	    "2026-01-01T00:00:08.000000Z");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT rule_id, evidence, last_evidence,"
	    " first_seen_usec, last_seen_usec FROM findings"
	    " WHERE kind = 'protocol_mismatch'"),
	    "T1R3|plain TCP, no TLS ClientHello|plain TCP, no TLS ClientHello|"
	    "1767225600000001|1767225661500000");
}

static void
test_coverage(void)
{
	const char *path = db_path("coverage");
	char err[1024] = "";
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	/* outside a run: refused, counted */
	CU_ASSERT_EQUAL(store_coverage(st, "fe1", "T1R3", "seen", 1, 1, T2026,
	    T2026, NULL), -1);
	CU_ASSERT_EQUAL(store_rows_failed(st), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(store_error(st), "no run in progress"));

	CU_ASSERT_EQUAL(store_run_begin(st, "a", "v", T2026, NULL), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "fe1", "T1R3", "seen", 2, 1000,
	    T2026 + 5000000, T2026 + 6000000, NULL), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "fe1", "T1R3", "seen", 3, 500,
	    T2026 + 1000000, T2026 + 2000000, NULL), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "fe1", "T1R4", "seen", 1, 10, T2026,
	    T2026, NULL), 0);
	/* nothing seen: no times */
	CU_ASSERT_EQUAL(store_coverage(st, "fe2", "T1R3", "missing", 0, 0, 0, 0,
	    NULL), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "pc1", "T2R7", "optional-unseen", 0, 0,
	    0, 0, NULL), 0);
	/* blocked, then seen after all: state and evidence replaced */
	CU_ASSERT_EQUAL(store_coverage(st, "fe3", "T1R3", "blocked", 2, 120,
	    T2026 + 3000000, T2026 + 4000000, "2 SYNs, no answer"), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "fe3", "T1R3", "seen", 1, 900,
	    T2026 + 8000000, T2026 + 8500000, NULL), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 10000000, 0), 0);
	store_close(st);

	/* a second run, after a reopen, gets its own rows */
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "b", "v", T2026 + 20000000, NULL), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "fe1", "T1R3", "seen", 1, 1,
	    T2026 + 23000000, T2026 + 29000000, NULL), 0);
	/* missing first, then traffic: the times come from the later write */
	CU_ASSERT_EQUAL(store_coverage(st, "fe2", "T1R3", "missing", 0, 0, 0, 0,
	    NULL), 0);
	CU_ASSERT_EQUAL(store_coverage(st, "fe2", "T1R3", "blocked", 3, 180,
	    T2026 + 21000000, T2026 + 22000000, "3 SYNs, no answer"), 0);
	/* and a later write without times keeps them */
	CU_ASSERT_EQUAL(store_coverage(st, "fe2", "T1R3", "blocked", 0, 0, 0, 0,
	    "4 SYNs, no answer"), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 30000000, 0), 0);
	CU_ASSERT_EQUAL(store_rows_failed(st), 0);
	store_close(st);

	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM coverage"), 7);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM coverage WHERE run_id = 1"), 5);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT run_id, host, rule_id, state, flows,"
	    " bytes, first_seen, first_seen_usec, last_seen, last_seen_usec, evidence"
	    " FROM coverage WHERE run_id = 1 AND host = 'fe1' AND rule_id = 'T1R3'"),
	    "1|fe1|T1R3|seen|5|1500|2026-01-01T00:00:01.000000Z|1767225601000000|"
	    "2026-01-01T00:00:06.000000Z|1767225606000000|<null>");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT state, flows, bytes FROM coverage"
	    " WHERE run_id = 1 AND rule_id = 'T1R4'"), "seen|1|10");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT state, flows, bytes, first_seen,"
	    " first_seen_usec, last_seen, last_seen_usec, evidence FROM coverage"
	    " WHERE run_id = 1 AND host = 'fe2'"),
	    "missing|0|0|<null>|<null>|<null>|<null>|<null>");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT state FROM coverage"
	    " WHERE run_id = 1 AND host = 'pc1' AND rule_id = 'T2R7'"),
	    "optional-unseen");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT state, flows, bytes, first_seen_usec,"
	    " last_seen_usec, evidence FROM coverage WHERE run_id = 1 AND host = 'fe3'"),
	    "seen|3|1020|1767225603000000|1767225608500000|<null>");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT state, flows, bytes, first_seen_usec,"
	    " last_seen_usec FROM coverage WHERE run_id = 2 AND host = 'fe1'"),
	    "seen|1|1|1767225623000000|1767225629000000");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT state, flows, bytes, first_seen,"
	    " first_seen_usec, last_seen, last_seen_usec, evidence FROM coverage"
	    " WHERE run_id = 2 AND host = 'fe2'"),
	    "blocked|3|180|2026-01-01T00:00:21.000000Z|1767225621000000|"
	    "2026-01-01T00:00:22.000000Z|1767225622000000|4 SYNs, no answer");
}

/* Rows are committed every STORE_BATCH rows, the rest at close. */
static void
test_batching(void)
{
	const char *path = db_path("batch");
	char err[1024] = "";
	struct flow_record r;
	struct store *st;
	int i, fails = 0;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	rec_fill(&r, 0);
	for (i = 0; i < STORE_BATCH - 1; i++) {
		r.flow_id = (uint64_t)i;
		fails += store_flow(st, &r) != 0;
	}
	/* nothing committed yet: another reader sees no flow */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), 0);
	CU_ASSERT_EQUAL(store_rows_written(st), 0);
	r.flow_id = (uint64_t)i++;
	fails += store_flow(st, &r) != 0;
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), STORE_BATCH);
	CU_ASSERT_EQUAL(store_rows_written(st), STORE_BATCH);
	for (; i < 2 * STORE_BATCH + 7; i++) {
		r.flow_id = (uint64_t)i;
		fails += store_flow(st, &r) != 0;
	}
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), 2 * STORE_BATCH);
	store_close(st);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), 2 * STORE_BATCH + 7);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(DISTINCT flow_id) FROM flows"),
	    2 * STORE_BATCH + 7);
	CU_ASSERT_EQUAL(q_int(path, "SELECT max(flow_id) FROM flows"), 2 * STORE_BATCH + 6);
}

/* Counters, rows_written and rows_failed, and errors that do not stop us. */
static void
test_counts_errors(void)
{
	const char *path = db_path("counts");
	char err[1024] = "";
	struct flow_record r;
	struct store *st;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	/* no run yet: counters are refused */
	CU_ASSERT_EQUAL(store_counter(st, "packets", 1), -1);
	CU_ASSERT_EQUAL(store_rows_failed(st), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(store_error(st), path));

	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	CU_ASSERT_EQUAL(store_counter(st, "packets", 10), 0);
	CU_ASSERT_EQUAL(store_counter(st, "packets", 12), 0);	/* replaces */
	CU_ASSERT_EQUAL(store_counter(st, "drops.truncated", 2), 0);
	rec_fill(&r, 1);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	/* a row the schema rejects (host NOT NULL): counted, the rest goes on */
	CU_ASSERT_EQUAL(store_coverage(st, NULL, "T1R3", "seen", 1, 1, T2026,
	    T2026, NULL), -1);
	CU_ASSERT_EQUAL(store_rows_failed(st), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(store_error(st), path));
	CU_ASSERT_PTR_NOT_NULL(strstr(store_error(st), "NOT NULL"));
	CU_ASSERT_EQUAL(store_coverage(st, "fe1", "T1R3", "seen", 1, 1, T2026,
	    T2026, NULL), 0);
	CU_ASSERT_EQUAL(store_rows_written(st), 0);	/* not committed yet */
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
	CU_ASSERT_EQUAL(store_rows_written(st), 5);
	CU_ASSERT_EQUAL(store_rows_failed(st), 2);
	store_close(st);

	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(run_id || ':' || name"
	    " || '=' || value) FROM (SELECT * FROM counters WHERE name != 'store.last_commit'"
	    " ORDER BY name)"), "1:drops.truncated=2,1:packets=12");
	/* every commit records its wall-clock time: not a data row */
	CU_ASSERT(q_int(path, "SELECT value > 1767225600000000 FROM counters"
	    " WHERE name = 'store.last_commit'"));
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), 1);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM coverage"), 1);
}

/* A small hand-made ruleset: two roles, two rules. */
static char n_fe[] = "front-end", n_dir[] = "director", n_cl[] = "client";
static char d_fe[] = "Front End Server", d_dir[] = "Director", d_cl[] = "Client";
static char id1[] = "T1R3", id2[] = "T2R7", id8[] = "T8R8", id9[] = "T9R9";
static char sv1[] = "SIP/MTLS", sv2[] = "media";
static char note2[] = "audio \"and\" video";
static char cite1[] = "Publisher, Ports, table 1, row 3", cite2[] = "CHG-7";
static char f_pstn[] = "pstn", f_e911[] = "e911";

static void
ruleset_fill(struct ruleset *rs, struct rule *rules)
{
	memset(rs, 0, sizeof(*rs));
	memset(rules, 0, 2 * sizeof(*rules));
	rs->roles[0].name = n_fe;
	rs->roles[0].desc = d_fe;
	rs->roles[0].kind = ROLE_SERVER;
	rs->roles[1].name = n_dir;
	rs->roles[1].desc = d_dir;
	rs->roles[1].kind = ROLE_SERVER;
	rs->roles[2].name = n_cl;
	rs->roles[2].desc = d_cl;
	rs->roles[2].kind = ROLE_CLIENT;
	rs->nroles = 3;
	rs->features[0].name = f_pstn;
	rs->features[1].name = f_e911;
	rs->nfeatures = 2;

	rules[0].id = id1;
	rules[0].table = 1;
	rules[0].row = 3;
	rules[0].role = 0;
	rules[0].dir = RULE_IN;
	rules[0].protos = RULE_TCP;
	rules[0].ports[0].lo = rules[0].ports[0].hi = 5061;
	rules[0].nports = 1;
	rules[0].apps = APP_TLS | APP_MTLS;
	rules[0].peers = 1u << 0 | 1u << 1;
	rules[0].service = sv1;
	rules[0].cite = cite1;
	rules[0].features = 3;

	rules[1].id = id2;
	rules[1].table = 2;
	rules[1].row = 7;
	rules[1].role = 2;
	rules[1].dir = RULE_OUT;
	rules[1].protos = RULE_TCP | RULE_UDP;
	rules[1].client_media = 1;
	rules[1].optional = 1;
	rules[1].reqresp = 1;
	rules[1].service = sv2;
	rules[1].note = note2;
	rules[1].cite = cite2;
	rules[1].site = 1;
	rules[1].disabled = 1;

	rs->rules = rules;
	rs->nrules = 2;
	rs->cap = 2;
}

static void
test_rules_table(void)
{
	const char *path = db_path("rules");
	static struct ruleset rs;
	struct rule rules[2];
	char err[1024] = "";
	struct store *st;

	ruleset_fill(&rs, rules);
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, &rs), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM rules"), 2);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT * FROM rules WHERE id = 'T1R3'"),
	    "T1R3|1|3|front-end|in|tcp|5061|tls,mtls|front-end,director|0|0|SIP/MTLS|<null>|"
	    "Publisher, Ports, table 1, row 3|pstn,e911|0|0");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT * FROM rules WHERE id = 'T2R7'"),
	    "T2R7|2|7|client|out|tcp/udp|client-media|-|-|1|1|media|audio \"and\" video|"
	    "CHG-7|-|1|1");
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);

	/* the next run's rules join them: T2R7 stays (earlier rows cite
	 * it), T1R3 takes its new definition */
	rs.nrules = 1;
	rules[0].row = 4;
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026 + 2, &rs), 0);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(id || ':' || row_no) FROM"
	    " (SELECT * FROM rules ORDER BY id)"), "T1R3:4,T2R7:7");
	/* a reload's rules (store_add_rules()) are written with the next row */
	rules[0].row = 5;
	rules[1].id = id9;
	rs.nrules = 2;
	CU_ASSERT_EQUAL(store_add_rules(st, &rs), 0);
	CU_ASSERT_EQUAL(store_counter(st, "packets", 1), 0);
	CU_ASSERT_EQUAL(store_commit(st), 0);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(id || ':' || row_no) FROM"
	    " (SELECT * FROM rules ORDER BY id)"), "T1R3:5,T2R7:7,T9R9:7");
	/* and, when no row comes, with the run's end */
	rules[1].id = id8;
	CU_ASSERT_EQUAL(store_add_rules(st, &rs), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 3, 0), 0);
	store_close(st);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(id) FROM"
	    " (SELECT * FROM rules ORDER BY id)"), "T1R3,T2R7,T8R8,T9R9");
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM runs"), 2);
}

/* Table hosts: the inventory of the latest run, one row per name, with
 * its kind, pool, roles and addresses (networks with their prefix). */
static void
test_hosts_table(void)
{
	const char *path = db_path("hosts");
	static struct ruleset rs;
	static char pn[] = "fepool", hn[] = "fe1", vn[] = "fepool/vip", nn[] = "clients",
	    tn[] = "front-end";
	struct rule rules[2];
	struct inventory inv;
	struct inv_host hosts[3];
	struct inv_pool pool;
	struct inv_entry ents[4];
	char err[1024] = "";
	struct store *st;
	int fam, plen;

	ruleset_fill(&rs, rules);
	rs.pooltypes[0].name = tn;
	rs.npooltypes = 1;
	memset(&inv, 0, sizeof(inv));
	memset(hosts, 0, sizeof(hosts));
	memset(&pool, 0, sizeof(pool));
	memset(ents, 0, sizeof(ents));
	pool.name = pn;
	pool.type = 0;
	hosts[0] = (struct inv_host){ .name = hn, .roles = 1u << 0 | 1u << 1, .kind = INV_MEMBER,
	    .pool = 0 };
	hosts[1] = (struct inv_host){ .name = vn, .roles = 1u << 1, .kind = INV_VIP, .pool = 0 };
	hosts[2] = (struct inv_host){ .name = nn, .roles = 1u << 2, .kind = INV_NETWORK,
	    .pool = -1 };
	CU_ASSERT_EQUAL_FATAL(addr_parse("198.18.1.11", ents[0].addr, &fam, &plen, err,
	    sizeof(err)), 0);
	ents[0].family = fam, ents[0].plen = plen, ents[0].host = 0;
	CU_ASSERT_EQUAL_FATAL(addr_parse("2001:db8:1::11", ents[1].addr, &fam, &plen, err,
	    sizeof(err)), 0);
	ents[1].family = fam, ents[1].plen = plen, ents[1].host = 0;
	CU_ASSERT_EQUAL_FATAL(addr_parse("198.18.1.10", ents[2].addr, &fam, &plen, err,
	    sizeof(err)), 0);
	ents[2].family = fam, ents[2].plen = plen, ents[2].host = 1;
	CU_ASSERT_EQUAL_FATAL(addr_parse("198.18.10.0/24", ents[3].addr, &fam, &plen, err,
	    sizeof(err)), 0);
	ents[3].family = fam, ents[3].plen = plen, ents[3].host = 2;
	inv.hosts = hosts;
	inv.nhosts = 3;
	inv.pools = &pool;
	inv.npools = 1;
	inv.entries = ents;
	inv.nentries = 4;

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, &rs), 0);
	CU_ASSERT_EQUAL(store_hosts(st, &inv, &rs), 0);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(name || '|' || kind || '|' ||"
	    " quote(pool) || '|' || quote(pool_type) || '|' || roles || '|' || addresses, ';')"
	    " FROM (SELECT * FROM hosts ORDER BY rowid)"),
	    "fe1|member|'fepool'|'front-end'|front-end,director|198.18.1.11,2001:db8:1::11;"
	    "fepool/vip|vip|'fepool'|'front-end'|director|198.18.1.10;"
	    "clients|network|NULL|NULL|client|198.18.10.0/24");
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);

	/* the next run replaces the table */
	inv.nhosts = 1;
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026 + 2, &rs), 0);
	CU_ASSERT_EQUAL(store_hosts(st, &inv, &rs), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 3, 0), 0);
	store_close(st);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(name) FROM hosts"), "fe1");
}

/* sqlite_master as text, in its own order: what `.schema` prints. */
static const char *
q_master(const char *path)
{
	return q_row(path, "SELECT group_concat(type || ' ' || name || ' ' || sql, ';')"
	    " FROM (SELECT * FROM sqlite_master ORDER BY rowid)");
}

/*
 * -r (store_set_bulk()): a run into an empty flows table drops the three
 * secondary indexes and builds them at its end; the schema then reads
 * exactly as a database that kept them, and the rows are the same.  A run
 * into a table that has rows keeps them; a run that dies leaves them to
 * the next open.
 */
static void
test_bulk(void)
{
	char err[512], kept[4096], path2[512];
	const char *path = db_path("bulk-kept");
	struct flow_record r;
	struct store *st;

	/* reference: the same rows, indexes kept up row by row */
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	for (int i = 0; i < 5000; i++) {
		rec_fill(&r, (uint64_t)i);
		r.verdict = i % 7 == 0 ? VERDICT_UNEXPECTED : VERDICT_EXPECTED;
		CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	}
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
	store_close(st);
	snprintf(kept, sizeof(kept), "%s", q_master(path));
	CU_ASSERT_PTR_NOT_NULL(strstr(kept, "index flows_verdict CREATE INDEX flows_verdict"));

	snprintf(path2, sizeof(path2), "%s", db_path("bulk"));
	st = store_open(path2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_set_bulk(st, 1);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	CU_ASSERT_EQUAL(q_int(path2, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 0);
	for (int i = 0; i < 5000; i++) {
		rec_fill(&r, (uint64_t)i);
		r.verdict = i % 7 == 0 ? VERDICT_UNEXPECTED : VERDICT_EXPECTED;
		CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	}
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
	CU_ASSERT_STRING_EQUAL(q_master(path2), kept);
	CU_ASSERT_EQUAL(q_int(path2, "SELECT count(*) FROM flows WHERE verdict = 'unexpected'"),
	    715);
	CU_ASSERT_EQUAL(q_int(path2, "SELECT count(*) FROM pragma_index_list('flows')"), 7);
	CU_ASSERT_STRING_EQUAL(q_row(path2, "PRAGMA integrity_check"), "ok");

	/* a second run: the table has rows, the indexes stay */
	CU_ASSERT_EQUAL(store_run_begin(st, "y", "v", T2026 + 2, NULL), 0);
	CU_ASSERT_EQUAL(q_int(path2, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 3);
	rec_fill(&r, 9);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 3, 0), 0);
	store_close(st);
	CU_ASSERT_STRING_EQUAL(q_master(path2), kept);

	/* a bulk run that dies (indexes dropped, never rebuilt: as if killed) */
	path = db_path("bulk-died");
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_set_bulk(st, 1);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	rec_fill(&r, 1);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_commit(st), 0);
	q_exec(path, "SELECT 1");	/* a reader meanwhile: fine without indexes */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), 1);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 0);
	store_close(st);	/* close without run end still rebuilds */
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 3);
	q_exec(path, "DROP INDEX flows_run; DROP INDEX findings_kind");	/* as a crash leaves it */
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name IN ('flows_run','flows_verdict','findings_kind')"), 3);
	store_close(st);
}

/* record_time() against gmtime_r() and printf, across the years it takes. */
static void
test_record_time(void)
{
	static const uint64_t fixed[] = {
		0, 1, 999999, 1000000, 86399999999ULL, 86400000000ULL,
		951782400000000ULL,		/* 2000-02-29 */
		951868800000000ULL,		/* 2000-03-01 */
		4107542400000000ULL,		/* 2100-03-01 (not a leap year) */
		T2026, T2026 - 1,
		253402300799999999ULL,		/* 9999-12-31T23:59:59.999999 */
	};
	char got[REC_TIME_LEN + 8], want[64], num[24];
	uint64_t x = 0x9e3779b97f4a7c15ULL, u;
	int bad = 0;

	for (int i = 0; i < 200000 + (int)(sizeof(fixed) / sizeof(fixed[0])); i++) {
		time_t sec;
		struct tm tm;

		if (i < (int)(sizeof(fixed) / sizeof(fixed[0])))
			u = fixed[i];
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			u = x % 253402300800000000ULL;
		}
		sec = (time_t)(u / 1000000);
		gmtime_r(&sec, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06u",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (unsigned)(u % 1000000));
		if (record_time(u, got) != 26 || strcmp(got, want) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "\nrecord_time(%llu): %s, want %s\n",
				    (unsigned long long)u, got, want);
		}
		snprintf(want, sizeof(want), "%llu", (unsigned long long)u);
		num[record_u64(u, num)] = '\0';
		if (strcmp(num, want) != 0 && bad++ < 5)
			fprintf(stderr, "\nrecord_u64: %s, want %s\n", num, want);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* beyond four digits of year: left to the slow path */
	CU_ASSERT_EQUAL(record_time(253402300800000000ULL, got), 0);
	num[record_u64(UINT64_MAX, num)] = '\0';
	CU_ASSERT_STRING_EQUAL(num, "18446744073709551615");
	num[record_u64(0, num)] = '\0';
	CU_ASSERT_STRING_EQUAL(num, "0");
}

/*
 * A live store (not bulk) with the checkpoint thread: committed pages
 * reach the database file while the writer goes on, though far less than
 * the writer's own threshold was written; the same rows without the
 * thread stay in the WAL until close.  Either way every row is there.
 */
static void
test_live_checkpoint_thread(void)
{
	for (int with = 0; with <= 1; with++) {
		char err[512], path[512];
		struct flow_record r;
		struct store *st;
		struct stat sb;
		off_t size0;
		int grew = 0;

		snprintf(path, sizeof(path), "%s", db_path(with ? "live-ckpt" : "live-nockpt"));
		st = store_open(path, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		store_set_bulk(st, 0);
		if (with)
			store_checkpoint_thread(st);
		CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
		CU_ASSERT_EQUAL(store_commit(st), 0);
		size0 = stat(path, &sb) == 0 ? sb.st_size : -1;
		/* about 1 MB of rows: under the 4 MB the writer would
		 * checkpoint at without the thread */
		for (int tx = 0; tx < 10; tx++) {
			for (int i = 0; i < 300; i++) {
				rec_fill(&r, (uint64_t)(tx * 300 + i));
				CU_ASSERT_EQUAL(store_flow(st, &r), 0);
			}
			CU_ASSERT_EQUAL(store_commit(st), 0);
		}
		for (int i = 0; i < 100 && !grew; i++) {
			if (stat(path, &sb) == 0 && sb.st_size > size0 + 256 * 1024)
				grew = 1;
			else
				usleep(10000);
		}
		CU_ASSERT_EQUAL(grew, with);
		CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
		store_close(st);
		CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows"), 3000);
		CU_ASSERT_STRING_EQUAL(q_row(path, "PRAGMA integrity_check"), "ok");
	}
}

/* The bytes of a file, for "untouched" checks (malloc'ed; *len set). */
static char *
file_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) != NULL && fread(b, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return b;
}

/*
 * Version 5: a version 4 database (as the previous conformd wrote it) is
 * upgraded in place, its rows kept: findings get flow_id and
 * first_flow_id, and the indexes SIEMs and reports need are built from
 * the rows already there.  New findings name their flows: the latest
 * occurrence's and the first's; a flowless one (missing) none.  On a
 * site's worth of rows, the queries those indexes serve use them (EXPLAIN
 * QUERY PLAN): flows by time, by address (alone: minute by minute; or
 * with the minutes), by Community ID, by flow id (a finding's flow),
 * findings by last_seen and by last_run.
 */
static void
test_upgrade_v4(void)
{
	static const struct {
		const char	*sql;
		const char	*index;
	} plans[] = {
		{ "SELECT * FROM flows WHERE first_usec BETWEEN 1767225600000000"
		    " AND 1767225660000000", "flows_first" },
		{ "SELECT * FROM flows WHERE src_ip = '198.18.130.7'", "flows_src" },
		{ "SELECT * FROM flows WHERE first_usec / 60000000 = 29453761"
		    " AND src_ip = '198.18.130.7'", "flows_src" },
		{ "SELECT * FROM flows WHERE dest_ip = '198.18.1.12' AND first_usec / 60000000"
		    " = 29453762", "flows_dest" },
		{ "SELECT * FROM flows WHERE community_id = '1:000000000000000000000000017='",
		    "flows_community" },
		{ "SELECT * FROM findings f JOIN flows l ON l.flow_id = f.flow_id"
		    " WHERE f.kind = 'missing'", "flows_flow_id" },
		{ "SELECT * FROM findings WHERE last_seen_usec > 1767225900000000", "findings_last_seen" },
		{ "SELECT * FROM findings WHERE last_run = 3", "findings_last_run" },
	};
	char path[512], err[1024] = "", plan[1024];
	struct flow_record r;
	struct finding f;
	struct store *st;

	/* a version 4 file: today's, less what version 5 added */
	snprintf(path, sizeof(path), "%s", db_path("v4"));
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "old.pcap", "v", T2026, NULL), 0);
	rec_fill(&r, 500);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_UNEXPECTED;
	f.severity = 2;
	f.signature = "old";
	f.flow = &r;
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
	store_close(st);
	q_exec(path, "DROP INDEX flows_first; DROP INDEX flows_src; DROP INDEX flows_dest;"
	    " DROP INDEX flows_community; DROP INDEX flows_flow_id;"
	    " DROP INDEX findings_last_seen; DROP INDEX findings_last_run;"
	    " ALTER TABLE findings DROP COLUMN first_flow_id;"
	    " ALTER TABLE findings DROP COLUMN flow_id;"
	    " PRAGMA user_version = 4; UPDATE meta SET value = '4' WHERE key = 'schema_version';");
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND sql IS NOT NULL"), 3);

	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	if (st == NULL)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL(q_int(path, "PRAGMA user_version"), 5);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT value FROM meta WHERE key = 'schema_version'"),
	    "5");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT quote(flow_id) || ' ' || quote(first_flow_id)"
	    " FROM findings"), "NULL NULL");
	CU_ASSERT_EQUAL(store_run_begin(st, "new.pcap", "v", T2026 + 2, NULL), 0);
	/* the same finding twice, on two flows; a missing one */
	rec_fill(&r, 600);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	f.signature = "new";
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	rec_fill(&r, 601);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_MISSING;
	f.severity = 3;
	f.signature = "missing";
	f.host = "fe1";
	f.host_ip = "198.18.1.11";
	f.port = 5061;
	f.proto = 6;
	f.rule_id = "T1R3";
	CU_ASSERT_EQUAL(store_finding(st, &f), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 3, 0), 0);
	store_close(st);
	/* the old row's key is the new rows': one row, three occurrences,
	 * first_flow_id left NULL (it came before version 5), flow_id the
	 * latest's; the flow it names is found by the index */
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT count || ' ' || quote(first_flow_id) || ' ' ||"
	    " flow_id FROM findings WHERE kind = 'unexpected'"), "3 NULL 601");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT l.flow_id || ' ' || l.run_id FROM findings f"
	    " JOIN flows l ON l.flow_id = f.flow_id WHERE f.kind = 'unexpected'"), "601 2");
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT quote(flow_id) || ' ' || quote(first_flow_id)"
	    " FROM findings WHERE kind = 'missing'"), "NULL NULL");
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND sql IS NOT NULL"), 10);

	/* a site's worth of rows (3,000 flows over 10 minutes from as many
	 * clients to 50 servers, 600 findings), so that the plans are those
	 * of a real database: its run's end samples the statistics */
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "site.pcap", "v", T2026 + 4, NULL), 0);
	for (int i = 0; i < 3000; i++) {
		rec_fill(&r, 1000 + (uint64_t)i);
		r.first_usec = T2026 + (uint64_t)i * 200000;
		snprintf(r.src_ip, sizeof(r.src_ip), "198.18.%d.%d", 128 + i / 250, i % 250 + 1);
		snprintf(r.dest_ip, sizeof(r.dest_ip), "198.18.1.%d", 11 + i % 50);
		snprintf(r.community_id, sizeof(r.community_id), "1:%027d=", i);
		CU_ASSERT_EQUAL(store_flow(st, &r), 0);
		if (i % 5 == 0) {
			memset(&f, 0, sizeof(f));
			f.kind = FINDING_UNEXPECTED;
			f.severity = 2;
			f.signature = "site";
			f.flow = &r;
			f.ts_usec = r.first_usec;
			CU_ASSERT_EQUAL(store_finding(st, &f), 0);
		}
	}
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 700000000, 0), 0);
	store_close(st);
	CU_ASSERT(q_int(path, "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'flows_src'") == 1);
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		snprintf(plan, sizeof(plan), "%s", q_plan(path, plans[i].sql));
		CU_ASSERT_PTR_NOT_NULL(strstr(plan, plans[i].index));
		if (strstr(plan, plans[i].index) == NULL)
			fprintf(stderr, "\n%s: plan %s, want %s\n", plans[i].sql, plan, plans[i].index);
	}
	CU_ASSERT_STRING_EQUAL(q_row(path, "PRAGMA integrity_check"), "ok");

	/* a fresh file: the same columns, in the same order */
	snprintf(plan, sizeof(plan), "%s", q_row(path,
	    "SELECT group_concat(name, ',') FROM pragma_table_info('findings')"));
	snprintf(path, sizeof(path), "%s", db_path("v5-fresh"));
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	store_close(st);
	CU_ASSERT_STRING_EQUAL(q_row(path,
	    "SELECT group_concat(name, ',') FROM pragma_table_info('findings')"), plan);
}

/*
 * A database whose user_version says 1 or 2 but whose tables are not
 * conformd's is refused untouched: not switched to WAL, not upgraded,
 * not a byte changed.  A version 2 database with a column missing, or one
 * more, is refused as well; a table missing too.
 */
static void
test_foreign_schema(void)
{
	static const struct {
		const char	*sql;
		const char	*what;
	} cases[] = {
		{ "CREATE TABLE runs (id INTEGER PRIMARY KEY, x); PRAGMA user_version = 1;",
		    "table counters is missing" },
		{ "CREATE TABLE t (x); PRAGMA user_version = 2;", "table counters is missing" },
		{ NULL, "table findings has fewer columns than conformd's" },
		{ NULL, "table rules has more columns than conformd's" },
		{ NULL, "table flows has other columns than conformd's" },
	};
	char path[512], err[1024], *before, *after;
	size_t nb, na;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store *st;

		snprintf(path, sizeof(path), "%s", db_path("foreign-schema"));
		if (cases[i].sql != NULL)
			q_exec(path, cases[i].sql);
		else {
			/* conformd's own version 1 schema, then made foreign (without
			 * WAL: journal_mode must stay what it was) */
			q_exec(path, schema_v1 + strlen("PRAGMA journal_mode=WAL;"));
			q_exec(path, i == 2 ? "ALTER TABLE flows DROP COLUMN failure;"
			    " PRAGMA user_version = 2;" :
			    i == 3 ? "ALTER TABLE rules ADD COLUMN extra TEXT;" :
			    "ALTER TABLE flows RENAME COLUMN verdict TO judgement;");
		}
		before = file_bytes(path, &nb);
		err[0] = '\0';
		st = store_open(path, err, sizeof(err));
		CU_ASSERT_PTR_NULL(st);
		store_close(st);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a conformd database"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].what));
		if (strstr(err, cases[i].what) == NULL)
			fprintf(stderr, "\ncase %zu: %s\n", i, err);
		after = file_bytes(path, &na);
		CU_ASSERT(before != NULL && after != NULL && nb == na && memcmp(before, after, nb) == 0);
		CU_ASSERT_STRING_EQUAL(q_row(path, "PRAGMA journal_mode"), "delete");
		free(before);
		free(after);
	}
}

/* A database damaged in a page is refused by PRAGMA quick_check, its bytes
 * untouched, with a message naming the path and the damage. */
static void
test_damaged(void)
{
	char path[512], err[1024] = "", *before, *after;
	struct flow_record r;
	struct store *st;
	size_t nb, na;
	FILE *f;

	snprintf(path, sizeof(path), "%s", db_path("damaged"));
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		rec_fill(&r, (uint64_t)i);
		(void)store_flow(st, &r);
	}
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
	store_close(st);	/* the last connection: the WAL is checkpointed away */
	/* scribble over the header of a b-tree page of table flows */
	f = fopen(path, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, 16384L * 10, SEEK_SET), 0);
	for (int i = 0; i < 16; i++)
		fputc(0xff, f);
	fclose(f);
	before = file_bytes(path, &nb);
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NULL(st);
	store_close(st);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "damaged: PRAGMA quick_check says"));
	after = file_bytes(path, &na);
	CU_ASSERT(before != NULL && after != NULL && nb == na && memcmp(before, after, nb) == 0);
	free(before);
	free(after);
}

static uint64_t
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Another connection holds the write lock (BEGIN EXCLUSIVE) when the run
 * begins: the run's row cannot be written, so 3,000 rows fail, counted,
 * in bounded time (one busy wait a second, not one per row); once the
 * lock goes, the next row writes the run first, and no row is ever
 * without its run.
 */
static void
test_run_locked(void)
{
	char path[512], err[1024] = "";
	struct flow_record r;
	struct store *st;
	sqlite3 *other;
	uint64_t t0, took;

	snprintf(path, sizeof(path), "%s", db_path("locked"));
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(sqlite3_open(path, &other), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	t0 = mono_usec();
	CU_ASSERT_EQUAL(store_run_begin(st, "x", "v", T2026, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(store_error(st), "locked"));
	for (int i = 0; i < 3000; i++) {
		rec_fill(&r, (uint64_t)i);
		CU_ASSERT_EQUAL(store_flow(st, &r), -1);
	}
	CU_ASSERT_EQUAL(store_counter(st, "packets", 1), -1);
	took = mono_usec() - t0;
	CU_ASSERT(took < 1500000);	/* before: 3,000 waits of 250 ms */
	CU_ASSERT_EQUAL(store_rows_failed(st), 3001);
	CU_ASSERT_EQUAL(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	/* within the back-off: still refused at once */
	rec_fill(&r, 5000);
	CU_ASSERT_EQUAL(store_flow(st, &r), mono_usec() - t0 < 900000 ? -1 : 0);
	usleep(1100000);
	rec_fill(&r, 5001);
	CU_ASSERT_EQUAL(store_flow(st, &r), 0);
	CU_ASSERT_EQUAL(store_counter(st, "packets", 7), 0);
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 1, 0), 0);
	store_close(st);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM runs"), 1);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id IS NULL"), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT count(*) FROM flows WHERE run_id = 1 AND flow_id = 5001"), 1);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT status, ended IS NOT NULL FROM runs"), "0|1");
}

/*
 * A run whose process dies (a child that begins a run, commits rows and
 * _exit()s without ending it) is closed by the next run to begin: status
 * -1, ended at its last commit.  A run another live store writes (its
 * lock held) is left open.
 */
static void
test_interrupted(void)
{
	char path[512], err[1024] = "";
	struct flow_record r;
	struct store *st, *live;
	long long last;
	pid_t pid;
	int wst;

	snprintf(path, sizeof(path), "%s", db_path("interrupted"));
	pid = fork();
	CU_ASSERT_FATAL(pid != -1);
	if (pid == 0) {
		st = store_open(path, err, sizeof(err));
		if (st == NULL || store_run_begin(st, "dies", "v", T2026, NULL) == -1)
			_exit(3);
		rec_fill(&r, 1);
		if (store_flow(st, &r) == -1 || store_commit(st) == -1)
			_exit(4);
		_exit(0);	/* killed: no end, no close */
	}
	CU_ASSERT_EQUAL(waitpid(pid, &wst, 0), pid);
	CU_ASSERT(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT quote(ended), quote(status) FROM runs"),
	    "NULL|NULL");
	last = q_int(path, "SELECT value FROM counters WHERE run_id = 1 AND name = 'store.last_commit'");
	CU_ASSERT(last > (long long)T2026);

	/* a live store's run stays open */
	live = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	CU_ASSERT_EQUAL(store_run_begin(live, "live", "v", T2026 + 5, NULL), 0);
	CU_ASSERT_EQUAL(q_int(path, "SELECT status FROM runs WHERE id = 1"), STORE_RUN_INTERRUPTED);
	CU_ASSERT_EQUAL(q_int(path, "SELECT ended_usec FROM runs WHERE id = 1"), last);
	CU_ASSERT_PTR_NOT_NULL(strstr(q_row(path, "SELECT ended FROM runs WHERE id = 1"), "T"));
	st = store_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(store_run_begin(st, "third", "v", T2026 + 9, NULL), 0);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT quote(ended), quote(status) FROM runs WHERE id = 2"),
	    "NULL|NULL");
	CU_ASSERT_EQUAL(store_run_end(st, T2026 + 10, 1), 0);
	CU_ASSERT_EQUAL(store_run_end(live, T2026 + 11, 0), 0);
	store_close(st);
	store_close(live);
	CU_ASSERT_STRING_EQUAL(q_row(path, "SELECT group_concat(id || ':' || status) FROM"
	    " (SELECT * FROM runs ORDER BY id)"), "1:-1,2:0,3:1");
}

void
test_store_register(void)
{
	CU_pSuite s = CU_add_suite("store", NULL, NULL);

	CU_add_test(s, "open creates the schema in WAL mode", test_open_create);
	CU_add_test(s, "reopen keeps the data", test_reopen);
	CU_add_test(s, "another schema version is refused", test_wrong_version);
	CU_add_test(s, "a version 1 database is upgraded in place", test_upgrade_v1);
	CU_add_test(s, "version 5: a version 4 database upgraded, findings linked, indexes used",
	    test_upgrade_v4);
	CU_add_test(s, "a file that is not a database is refused", test_not_database);
	CU_add_test(s, "a foreign schema under our version is refused untouched", test_foreign_schema);
	CU_add_test(s, "a damaged database is refused untouched", test_damaged);
	CU_add_test(s, "a locked database: the run is retried, rows never lose it", test_run_locked);
	CU_add_test(s, "a run whose process died is closed as interrupted", test_interrupted);
	CU_add_test(s, "flows round trip exactly", test_flows);
	CU_add_test(s, "a record reused in place", test_flows_reused_record);
	CU_add_test(s, "findings are deduplicated", test_findings);
	CU_add_test(s, "missing findings per host", test_findings_missing);
	CU_add_test(s, "blocked and mismatch evidence", test_findings_evidence);
	CU_add_test(s, "coverage per run: states and accumulation", test_coverage);
	CU_add_test(s, "writes are batched", test_batching);
	CU_add_test(s, "counters, row counts and errors", test_counts_errors);
	CU_add_test(s, "rules table: every rule any run or reload used", test_rules_table);
	CU_add_test(s, "hosts table: the inventory of the latest run", test_hosts_table);
	CU_add_test(s, "bulk runs build their indexes at the end", test_bulk);
	CU_add_test(s, "live: the checkpoint thread copies the WAL meanwhile", test_live_checkpoint_thread);
	CU_add_test(s, "capture times and numbers without printf", test_record_time);
}
