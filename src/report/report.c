/*
 * report.c - one report across several sensors' SQLite databases
 * (conformd --report DB ...).
 *
 * Each database is opened read-only with a busy timeout and read in one
 * read transaction, so a database a live daemon is writing (WAL mode) is
 * read as one consistent snapshot and never written.  Its schema version
 * (PRAGMA user_version, STORE_SCHEMA_VERSION) and tables are checked, then
 * its runs, counters, findings and coverage rows are copied into a private
 * in-memory database, where the merge is a few GROUP BY queries.  Every
 * statement is a constant with bound parameters: no SQL is built from data.
 *
 * The merge:
 *   findings  grouped on the findings table's UNIQUE key (kind, src_ip,
 *             dest_ip, dest_port, proto, host, rule_id): counts summed,
 *             earliest first_seen, latest last_seen, highest severity
 *             (lowest number), the sensors that raised it.
 *   coverage  per (host, rule), the strongest state any sensor reports,
 *             in the order of enum cov_state: seen (any sensor proved it),
 *             blocked (attempts failed and none succeeded), missing (every
 *             sensor that observed the host reports it missing),
 *             optional-unseen, unobserved (no sensor observed the host).
 *             By default only the latest run of each database that wrote
 *             coverage counts; --all-runs takes every run.
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
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "conformd/coverage.h"
#include "conformd/log.h"
#include "conformd/report.h"
#include "conformd/store.h"
#include "conformd/utf8.h"
#include "report-int.h"

#define REPORT_BUSY_MS	5000	/* a live daemon commits about once a second */
#define REPORT_WHY_LEN	512

/* The in-memory merge area: one row per sensor, its sources, and the rows
 * copied from each database, tagged with the sensor's id. */
static const char mem_schema[] =
	"CREATE TABLE sensor (id INTEGER PRIMARY KEY, path TEXT NOT NULL,"
	"  why TEXT, runs INTEGER, first_start TEXT, last_end TEXT,"
	"  last_run INTEGER, packets INTEGER, flows INTEGER, lost INTEGER,"
	"  cov_run INTEGER, name TEXT, interrupted INTEGER, lost_queue INTEGER,"
	"  lost_database INTEGER, lost_eve INTEGER);"
	"CREATE TABLE source (sensor INTEGER NOT NULL, text TEXT);"
	"CREATE TABLE finding (sensor INTEGER NOT NULL, kind TEXT, src_ip TEXT,"
	"  dest_ip TEXT, dest_port INTEGER, proto TEXT, host TEXT, rule_id TEXT,"
	"  severity INTEGER, signature TEXT, count INTEGER, first_seen TEXT,"
	"  last_seen TEXT, evidence TEXT, last_evidence TEXT, src_role TEXT,"
	"  dest_role TEXT, first_usec INTEGER, last_usec INTEGER);"
	"CREATE INDEX finding_key ON finding (kind, src_ip, dest_ip, dest_port,"
	"  proto, host, rule_id);"
	"CREATE TABLE cov (sensor INTEGER NOT NULL, host TEXT, rule_id TEXT,"
	"  rank INTEGER NOT NULL, evidence TEXT, state TEXT, flows INTEGER,"
	"  bytes INTEGER, first_seen TEXT, last_seen TEXT);"
	"CREATE INDEX cov_key ON cov (host, rule_id);"
	/* --html only: the rules and inventory (the first database that has
	 * a row wins), and unexpected traffic per (source, service) */
	"CREATE TABLE rule (id TEXT PRIMARY KEY, table_no INTEGER, row_no INTEGER,"
	"  role TEXT, dir TEXT, proto TEXT, ports TEXT, apps TEXT, peers TEXT,"
	"  optional INTEGER, service TEXT, note TEXT, source TEXT, feature TEXT);"
	"CREATE TABLE host (name TEXT PRIMARY KEY, kind TEXT, pool TEXT,"
	"  pool_type TEXT, roles TEXT, addresses TEXT);"
	"CREATE TABLE talk (sensor INTEGER NOT NULL, src_ip TEXT, src_host TEXT,"
	"  dest_ip TEXT, dest_host TEXT, dest_port INTEGER, proto TEXT,"
	"  flows INTEGER, bytes INTEGER);";

/* --- reading one sensor's database ---------------------------------------- */

static const char *const sensor_tables[] = {
	"runs", "counters", "findings", "coverage", NULL
};

static const char sql_has_table[] =
	"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
/* Times are ISO-8601 text of one width, so min() and max() order them. */
static const char sql_runs[] =
	"SELECT count(*), min(started), max(id),"
	" (SELECT ended FROM runs ORDER BY id DESC LIMIT 1),"
	" (SELECT count(*) FROM runs WHERE status = -1) FROM runs";
/* The sensor name of the latest run that has one (schema version 3). */
static const char sql_has_sensor[] =
	"SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'sensor'";
static const char sql_sensor_name[] =
	"SELECT sensor FROM runs WHERE sensor IS NOT NULL ORDER BY id DESC LIMIT 1";
static const char sql_sources[] =
	"SELECT sources FROM runs WHERE sources IS NOT NULL"
	" GROUP BY sources ORDER BY min(id)";
static const char sql_counters[] =
	"SELECT coalesce(sum(CASE WHEN name = 'packets' THEN value END), 0),"
	" coalesce(sum(CASE WHEN name = 'flows.created' THEN value END), 0),"
	" coalesce(sum(CASE WHEN name = 'store.records_lost' THEN value END), 0),"
	" coalesce(sum(CASE WHEN name = 'store.lost_queue' THEN value END), 0),"
	" coalesce(sum(CASE WHEN name = 'store.lost_database' THEN value END), 0),"
	" coalesce(sum(CASE WHEN name = 'store.lost_eve' THEN value END), 0)"
	" FROM counters";
static const char sql_findings[] =
	"SELECT kind, src_ip, dest_ip, dest_port, proto, host, rule_id,"
	" severity, signature, count, first_seen, last_seen, evidence,"
	" last_evidence, src_role, dest_role, first_seen_usec, last_seen_usec"
	" FROM findings";
#define REPORT_FINDING_COLS	18
static const char sql_cov_run[] = "SELECT max(run_id) FROM coverage";
static const char sql_coverage[] =
	"SELECT host, rule_id, state, evidence, flows, bytes, first_seen, last_seen"
	" FROM coverage WHERE ?1 OR run_id = ?2";
/* --html: unexpected traffic, per source and service */
static const char sql_talk[] =
	"SELECT src_ip, max(src_host), dest_ip, max(dest_host), dest_port, proto,"
	" count(*), sum(coalesce(bytes_toserver, 0) + coalesce(bytes_toclient, 0))"
	" FROM flows WHERE verdict = 'unexpected'"
	" GROUP BY src_ip, dest_ip, dest_port, proto";
/* Tables read whole and copied by column name, so a column a later
 * schema adds (rules.source) is taken when there and NULL when not. */
static const char sql_all_rules[] = "SELECT * FROM rules";
static const char sql_all_hosts[] = "SELECT * FROM hosts";

static const char sql_ins_sensor[] =
	"INSERT INTO sensor (id, path, why, runs, first_start, last_end,"
	" last_run, packets, flows, lost, cov_run, name, interrupted, lost_queue,"
	" lost_database, lost_eve)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_ins_source[] = "INSERT INTO source (sensor, text) VALUES (?, ?)";
static const char sql_ins_finding[] =
	"INSERT INTO finding (sensor, kind, src_ip, dest_ip, dest_port, proto,"
	" host, rule_id, severity, signature, count, first_seen, last_seen,"
	" evidence, last_evidence, src_role, dest_role, first_usec, last_usec)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_ins_cov[] =
	"INSERT INTO cov (sensor, host, rule_id, rank, evidence, state, flows, bytes,"
	" first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_ins_rule[] =
	"INSERT OR IGNORE INTO rule (id, table_no, row_no, role, dir, proto, ports,"
	" apps, peers, optional, service, note, source, feature)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const rule_cols[] = {
	"id", "table_no", "row_no", "role", "dir", "proto", "ports", "apps", "peers",
	"optional", "service", "note", "source", "features", NULL
};
static const char sql_ins_host[] =
	"INSERT OR IGNORE INTO host (name, kind, pool, pool_type, roles, addresses)"
	" VALUES (?, ?, ?, ?, ?, ?)";
static const char *const host_cols[] = {
	"name", "kind", "pool", "pool_type", "roles", "addresses", NULL
};
static const char sql_ins_talk[] =
	"INSERT INTO talk (sensor, src_ip, src_host, dest_ip, dest_host, dest_port,"
	" proto, flows, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

struct report {
	sqlite3		*mem;
	sqlite3_stmt	*ins_sensor, *ins_source, *ins_finding, *ins_cov;
	sqlite3_stmt	*ins_rule, *ins_host, *ins_talk;	/* --html */
	const struct report_opts *o;
	int		 nbad;
};

/* What one database says about itself, for its sensor row. */
struct sensor_info {
	sqlite3_int64	runs, last_run, packets, flows, lost, cov_run;
	sqlite3_int64	interrupted;	/* runs whose process died (status -1) */
	sqlite3_int64	lost_queue, lost_database, lost_eve;	/* lost, by cause */
	char		first_start[64], last_end[64];
	char		name[256];	/* the sensor's (store_set_sensor()), "" */
};

static void
copy_text(char *dst, size_t len, const unsigned char *s)
{
	snprintf(dst, len, "%s", s != NULL ? (const char *)s : "");
}

int
report_state_rank(const char *state)
{
	/* the order of the merge: the first five are enum cov_state's */
	static const char *const order[] = {
		"seen", "blocked", "missing", "optional-unseen", "unobserved",
		"not-applicable", NULL
	};

	for (int i = 0; state != NULL && order[i] != NULL; i++)
		if (strcmp(state, order[i]) == 0)
			return i + 1;
	return REPORT_RANK_UNKNOWN;
}

/* Reason for a failed statement on a sensor's database. */
static void
db_why(sqlite3 *db, char *why, size_t len)
{
	if (sqlite3_errcode(db) == SQLITE_NOTADB)
		snprintf(why, len, "not an SQLite database");
	else
		snprintf(why, len, "%s", sqlite3_errmsg(db));
}

/* Step a read statement to its single row.  0 or -1 (why set). */
static int
step_row(sqlite3 *db, sqlite3_stmt *s, char *why, size_t len)
{
	if (sqlite3_step(s) != SQLITE_ROW) {
		db_why(db, why, len);
		return -1;
	}
	return 0;
}

/* Step an insert into the merge area.  0 or -1 (why set). */
static int
mem_exec(struct report *r, sqlite3_stmt *s, char *why, size_t len)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		snprintf(why, len, "merge: %s", sqlite3_errmsg(r->mem));
		return -1;
	}
	return 0;
}

/* The file can be opened for reading at all: the reason when not. */
static int
check_file(const char *path, char *why, size_t len)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == -1) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, len, "not a regular file");
		return -1;
	}
	if ((fd = open(path, O_RDONLY)) == -1) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Schema version and tables, inside the read transaction. */
static int
check_schema(sqlite3 *db, char *why, size_t len)
{
	sqlite3_stmt *s = NULL;
	int ver, rv = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
		db_why(db, why, len);
		return -1;
	}
	if (step_row(db, s, why, len) == -1)
		goto out;
	ver = sqlite3_column_int(s, 0);
	if (ver == 0) {
		snprintf(why, len, "not a conformd database (no schema version)");
		goto out;
	}
	/* an older sensor's file reads the same: upgrades only add columns,
	 * and the report reads none of them */
	if (ver < 1 || ver > STORE_SCHEMA_VERSION) {
		snprintf(why, len, "schema version %d, this conformd reads versions"
		    " 1 to %d", ver, STORE_SCHEMA_VERSION);
		goto out;
	}
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, sql_has_table, -1, &s, NULL) != SQLITE_OK) {
		db_why(db, why, len);
		return -1;
	}
	for (int i = 0; sensor_tables[i] != NULL; i++) {
		int rc;

		sqlite3_bind_text(s, 1, sensor_tables[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW) {
			if (rc == SQLITE_DONE)
				snprintf(why, len, "not a conformd database (no table %s)",
				    sensor_tables[i]);
			else
				db_why(db, why, len);
			goto out;
		}
	}
	rv = 0;
out:
	sqlite3_finalize(s);
	return rv;
}

/* Runs and counters of the database. */
static int
read_info(sqlite3 *db, struct sensor_info *si, char *why, size_t len)
{
	sqlite3_stmt *s = NULL;
	int rv = -1;

	if (sqlite3_prepare_v2(db, sql_runs, -1, &s, NULL) != SQLITE_OK ||
	    step_row(db, s, why, len) == -1)
		goto fail;
	si->runs = sqlite3_column_int64(s, 0);
	copy_text(si->first_start, sizeof(si->first_start), sqlite3_column_text(s, 1));
	si->last_run = sqlite3_column_int64(s, 2);
	copy_text(si->last_end, sizeof(si->last_end), sqlite3_column_text(s, 3));
	si->interrupted = sqlite3_column_int64(s, 4);
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, sql_counters, -1, &s, NULL) != SQLITE_OK ||
	    step_row(db, s, why, len) == -1)
		goto fail;
	si->packets = sqlite3_column_int64(s, 0);
	si->flows = sqlite3_column_int64(s, 1);
	si->lost = sqlite3_column_int64(s, 2);
	si->lost_queue = sqlite3_column_int64(s, 3);
	si->lost_database = sqlite3_column_int64(s, 4);
	si->lost_eve = sqlite3_column_int64(s, 5);
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, sql_cov_run, -1, &s, NULL) != SQLITE_OK ||
	    step_row(db, s, why, len) == -1)
		goto fail;
	si->cov_run = sqlite3_column_int64(s, 0);	/* 0: no coverage yet */
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(db, sql_has_sensor, -1, &s, NULL) != SQLITE_OK ||
	    step_row(db, s, why, len) == -1)
		goto fail;
	if (sqlite3_column_int(s, 0) > 0) {	/* older files have no sensor */
		sqlite3_finalize(s);
		if (sqlite3_prepare_v2(db, sql_sensor_name, -1, &s, NULL) != SQLITE_OK)
			goto fail;
		if (sqlite3_step(s) == SQLITE_ROW)
			copy_text(si->name, sizeof(si->name), sqlite3_column_text(s, 0));
	}
	rv = 0;
	goto out;
fail:
	if (why[0] == '\0')
		db_why(db, why, len);
out:
	sqlite3_finalize(s);
	return rv;
}

/* Does the database have table `name`?  1, 0, or -1 (why set). */
static int
has_table(sqlite3 *db, const char *name, char *why, size_t len)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, sql_has_table, -1, &s, NULL) != SQLITE_OK) {
		db_why(db, why, len);
		return -1;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_why(db, why, len);
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* The index of column `name` in the result of s, or -1. */
static int
col_index(sqlite3_stmt *s, const char *name)
{
	for (int c = 0; c < sqlite3_column_count(s); c++)
		if (strcmp(sqlite3_column_name(s, c), name) == 0)
			return c;
	return -1;
}

/*
 * Copy every row of `select` (a SELECT * of the sensor's database) into
 * the merge area through `ins`, whose parameters are the columns `cols`
 * in order: each found by name, NULL where the database has no such
 * column.
 */
static int
copy_by_name(struct report *r, sqlite3 *db, const char *select, sqlite3_stmt *ins,
    const char *const *cols, char *why, size_t len)
{
	sqlite3_stmt *s = NULL;
	int map[16], n, rc, rv = -1;

	if (sqlite3_prepare_v2(db, select, -1, &s, NULL) != SQLITE_OK) {
		db_why(db, why, len);
		return -1;
	}
	for (n = 0; cols[n] != NULL && n < (int)(sizeof(map) / sizeof(map[0])); n++)
		map[n] = col_index(s, cols[n]);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int c = 0; c < n; c++)
			if (map[c] >= 0)
				sqlite3_bind_value(ins, c + 1, sqlite3_column_value(s, map[c]));
			else
				sqlite3_bind_null(ins, c + 1);
		if (mem_exec(r, ins, why, len) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_why(db, why, len);
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(s);
	return rv;
}

/*
 * For the page (--html): the rules and inventory and the unexpected
 * traffic per (source, destination, port, protocol).
 */
static int
copy_html_rows(struct report *r, sqlite3 *db, int id, char *why, size_t len)
{
	sqlite3_stmt *s = NULL;
	int rc, c, rv = -1;

	if (copy_by_name(r, db, sql_all_rules, r->ins_rule, rule_cols, why, len) == -1)
		return -1;
	if ((rc = has_table(db, "hosts", why, len)) == -1 ||
	    (rc == 1 && copy_by_name(r, db, sql_all_hosts, r->ins_host, host_cols,
	    why, len) == -1))
		return -1;
	if (sqlite3_prepare_v2(db, sql_talk, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_bind_int(r->ins_talk, 1, id);
		for (c = 0; c < 8; c++)
			sqlite3_bind_value(r->ins_talk, c + 2, sqlite3_column_value(s, c));
		if (mem_exec(r, r->ins_talk, why, len) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	rv = 0;
	goto out;
fail:
	db_why(db, why, len);
out:
	sqlite3_finalize(s);
	return rv;
}

/* Copy the runs' sources, the findings and the coverage rows into the
 * merge area under sensor id `id`. */
static int
copy_rows(struct report *r, sqlite3 *db, int id, const struct sensor_info *si,
    char *why, size_t len)
{
	sqlite3_stmt *s = NULL;
	int rc, rv = -1;

	if (sqlite3_prepare_v2(db, sql_sources, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_bind_int(r->ins_source, 1, id);
		sqlite3_bind_value(r->ins_source, 2, sqlite3_column_value(s, 0));
		if (mem_exec(r, r->ins_source, why, len) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);

	if (sqlite3_prepare_v2(db, sql_findings, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_bind_int(r->ins_finding, 1, id);
		for (int c = 0; c < REPORT_FINDING_COLS; c++)
			sqlite3_bind_value(r->ins_finding, c + 2, sqlite3_column_value(s, c));
		if (mem_exec(r, r->ins_finding, why, len) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);

	if (sqlite3_prepare_v2(db, sql_coverage, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int(s, 1, r->o->all_runs);
	sqlite3_bind_int64(s, 2, si->cov_run);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* a state this version does not know ranks last and keeps
		 * its name: the text and JSON reports leave it out, the
		 * page shows it as it is */
		int rank = report_state_rank((const char *)sqlite3_column_text(s, 2));

		sqlite3_bind_int(r->ins_cov, 1, id);
		sqlite3_bind_value(r->ins_cov, 2, sqlite3_column_value(s, 0));
		sqlite3_bind_value(r->ins_cov, 3, sqlite3_column_value(s, 1));
		sqlite3_bind_int(r->ins_cov, 4, rank);
		sqlite3_bind_value(r->ins_cov, 5, sqlite3_column_value(s, 3));
		sqlite3_bind_value(r->ins_cov, 6, sqlite3_column_value(s, 2));
		for (int c = 4; c < 8; c++)
			sqlite3_bind_value(r->ins_cov, c + 3, sqlite3_column_value(s, c));
		if (mem_exec(r, r->ins_cov, why, len) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;
	if (r->o->html != NULL && copy_html_rows(r, db, id, why, len) == -1)
		goto out;
	rv = 0;
	goto out;
fail:
	db_why(db, why, len);
out:
	sqlite3_finalize(s);
	return rv;
}

/* Bind a text, or NULL when empty (a run without an end). */
static void
bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Read database `path` as sensor `id`.  0, or -1 with the reason in why;
 * either way the sensor gets its row. */
static int
report_read(struct report *r, int id, const char *path, char *why, size_t len)
{
	struct sensor_info si;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = r->ins_sensor;
	int rv = -1;

	memset(&si, 0, sizeof(si));
	why[0] = '\0';
	if (sqlite3_exec(r->mem, "SAVEPOINT sensor", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(why, len, "merge: %s", sqlite3_errmsg(r->mem));
		return -1;
	}
	if (check_file(path, why, len) == -1)
		goto done;
	/* Plain read-only, not immutable: a daemon may be writing it. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		if (db != NULL)
			db_why(db, why, len);
		else
			snprintf(why, len, "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(db, REPORT_BUSY_MS);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		db_why(db, why, len);
		goto done;
	}
	if (check_schema(db, why, len) == 0 && read_info(db, &si, why, len) == 0 &&
	    copy_rows(r, db, id, &si, why, len) == 0)
		rv = 0;
	(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);	/* read only: nothing to lose */
done:
	sqlite3_close(db);
	if (rv == -1)
		memset(&si, 0, sizeof(si));
	/* a database read halfway leaves nothing in the merge */
	(void)sqlite3_exec(r->mem, rv == 0 ? "RELEASE sensor" :
	    "ROLLBACK TO sensor; RELEASE sensor", NULL, NULL, NULL);
	sqlite3_bind_int(s, 1, id);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	bind_opt(s, 3, rv == 0 ? NULL : why);
	sqlite3_bind_int64(s, 4, si.runs);
	bind_opt(s, 5, si.first_start);
	bind_opt(s, 6, si.last_end);
	sqlite3_bind_int64(s, 7, si.last_run);
	sqlite3_bind_int64(s, 8, si.packets);
	sqlite3_bind_int64(s, 9, si.flows);
	sqlite3_bind_int64(s, 10, si.lost);
	if (si.cov_run > 0)
		sqlite3_bind_int64(s, 11, si.cov_run);
	else
		sqlite3_bind_null(s, 11);
	bind_opt(s, 12, si.name);
	sqlite3_bind_int64(s, 13, si.interrupted);
	sqlite3_bind_int64(s, 14, si.lost_queue);
	sqlite3_bind_int64(s, 15, si.lost_database);
	sqlite3_bind_int64(s, 16, si.lost_eve);
	if (sqlite3_step(s) != SQLITE_DONE && rv == 0) {
		snprintf(why, len, "merge: %s", sqlite3_errmsg(r->mem));
		rv = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rv;
}

/* --- writing the report -------------------------------------------------- */

static const char sql_sensors[] =
	"SELECT id, path, why, runs, first_start, last_end, last_run, packets,"
	" flows, lost, cov_run, name, interrupted, lost_queue, lost_database, lost_eve"
	" FROM sensor ORDER BY id";
static const char sql_sensor_sources[] =
	"SELECT text FROM source WHERE sensor = ? ORDER BY rowid";
static const char sql_merged_findings[] =
	"SELECT kind, src_ip, dest_ip, dest_port, proto, host, rule_id,"
	" min(severity) AS sev, sum(count) AS n, min(first_seen), max(last_seen),"
	" min(signature),"
	" kind = 'missing' AND EXISTS (SELECT 1 FROM cov c WHERE c.host = finding.host"
	"   AND c.rule_id = finding.rule_id AND c.rank = ?1)"
	" FROM finding GROUP BY kind, src_ip, dest_ip, dest_port, proto, host, rule_id"
	" ORDER BY sev IS NULL, sev, n DESC, kind, src_ip, dest_ip, dest_port, proto,"
	" host COLLATE natsort, rule_id COLLATE natsort";
static const char sql_finding_sensors[] =
	"SELECT s.path, sum(f.count) FROM finding f JOIN sensor s ON s.id = f.sensor"
	" WHERE f.kind IS ?1 AND f.src_ip IS ?2 AND f.dest_ip IS ?3"
	" AND f.dest_port IS ?4 AND f.proto IS ?5 AND f.host IS ?6 AND f.rule_id IS ?7"
	" GROUP BY f.sensor ORDER BY f.sensor";
static const char sql_finding_totals[] =
	"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT sum(count) AS n FROM finding"
	" GROUP BY kind, src_ip, dest_ip, dest_port, proto, host, rule_id)";
static const char sql_cov_states[] =
	"SELECT r, count(*) FROM (SELECT min(rank) AS r FROM cov GROUP BY host, rule_id)"
	" GROUP BY r ORDER BY r";
static const char sql_cov_rows[] =
	"SELECT host, rule_id, r FROM (SELECT host, rule_id, min(rank) AS r FROM cov"
	" GROUP BY host, rule_id) WHERE r = ?1 OR r = ?2"
	" ORDER BY r, host COLLATE natsort, rule_id COLLATE natsort";
static const char sql_cov_sensors[] =
	"SELECT s.path, max(c.evidence) FROM cov c JOIN sensor s ON s.id = c.sensor"
	" WHERE c.host IS ?1 AND c.rule_id IS ?2 AND c.rank = ?3"
	" GROUP BY c.sensor ORDER BY c.sensor";

/*
 * The collation "natsort": runs of digits compare as numbers, so T1R9
 * sorts before T1R10 and fe2 before fe10.  Lengths are given, strings are
 * not NUL-terminated.
 */
static int
natural_cmp(void *arg, int alen, const void *av, int blen, const void *bv)
{
	const unsigned char *a = av, *b = bv;
	int i = 0, j = 0;

	(void)arg;
	while (i < alen && j < blen) {
		if (a[i] >= '0' && a[i] <= '9' && b[j] >= '0' && b[j] <= '9') {
			int si, sj, ni, nj;

			while (i < alen && a[i] == '0')
				i++;
			while (j < blen && b[j] == '0')
				j++;
			for (si = i; i < alen && a[i] >= '0' && a[i] <= '9'; i++)
				;
			for (sj = j; j < blen && b[j] >= '0' && b[j] <= '9'; j++)
				;
			ni = i - si;
			nj = j - sj;
			if (ni != nj)
				return ni < nj ? -1 : 1;	/* more digits: larger */
			for (int k = 0; k < ni; k++)
				if (a[si + k] != b[sj + k])
					return a[si + k] < b[sj + k] ? -1 : 1;
			continue;
		}
		if (a[i] != b[j])
			return a[i] < b[j] ? -1 : 1;
		i++;
		j++;
	}
	return (alen - i) - (blen - j) < 0 ? -1 : (alen - i) - (blen - j) > 0;
}

/* A JSON string, quotes included; NULL is null.  Bytes outside printable
 * ASCII and valid UTF-8 are escaped, as eve.c does. */
static void
json_str(FILE *out, const unsigned char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*s != '\0') {
		if (*s == '"' || *s == '\\') {
			fputc('\\', out);
			fputc(*s++, out);
		} else if (*s >= 0x20 && *s < 0x7f) {
			fputc(*s++, out);
		} else if (*s >= 0x80 && (n = utf8_len(s)) > 0) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fprintf(out, "\\u00%c%c", hex[*s >> 4], hex[*s & 0x0f]);
			s++;
		}
	}
	fputc('"', out);
}

static const unsigned char *
col_text(sqlite3_stmt *s, int c)
{
	return sqlite3_column_text(s, c);
}

static const char *
col_str(sqlite3_stmt *s, int c)
{
	const unsigned char *t = sqlite3_column_text(s, c);

	return t != NULL ? (const char *)t : "";
}

/* A JSON integer, or null for SQL NULL. */
static void
json_int(FILE *out, sqlite3_stmt *s, int c)
{
	if (sqlite3_column_type(s, c) == SQLITE_NULL)
		fputs("null", out);
	else
		fprintf(out, "%lld", (long long)sqlite3_column_int64(s, c));
}

struct emit {
	struct report	*r;
	FILE		*out;
	sqlite3_stmt	*sensors, *sources, *findings, *fsensors, *ftotals;
	sqlite3_stmt	*states, *covrows, *csensors;
};

static void
emit_sensors(struct emit *e)
{
	int json = e->r->o->json, first = 1, rc;

	if (json)
		fputs("\"sensors\": [", e->out);
	else
		fputs("sensors:\n", e->out);
	while (sqlite3_step(e->sensors) == SQLITE_ROW) {
		sqlite3_stmt *s = e->sensors;
		long long lost = sqlite3_column_int64(s, 9);
		int nsrc = 0;

		if (sqlite3_column_type(s, 2) != SQLITE_NULL)
			continue;	/* unread: in "errors" */
		if (json) {
			fprintf(e->out, "%s\n  {\"database\": ", first ? "" : ",");
			json_str(e->out, col_text(s, 1));
			fputs(", \"sensor\": ", e->out);
			if (sqlite3_column_type(s, 11) == SQLITE_NULL)
				fputs("null", e->out);
			else
				json_str(e->out, col_text(s, 11));
			fprintf(e->out, ", \"runs\": %lld, \"first_start\": ",
			    (long long)sqlite3_column_int64(s, 3));
			json_str(e->out, col_text(s, 4));
			fputs(", \"last_end\": ", e->out);
			json_str(e->out, col_text(s, 5));
			fputs(", \"sources\": [", e->out);
		} else {
			long long runs = sqlite3_column_int64(s, 3);

			fprintf(e->out, "  %s: ", col_str(s, 1));
			if (sqlite3_column_type(s, 11) != SQLITE_NULL)
				fprintf(e->out, "sensor %s, ", col_str(s, 11));
			fprintf(e->out, "%lld run%s", runs, runs == 1 ? "" : "s");
			if (runs > 0)
				fprintf(e->out, " (first started %s, last %s)", col_str(s, 4),
				    sqlite3_column_type(s, 5) == SQLITE_NULL ? "not ended" :
				    col_str(s, 5));
			fputs("; sources ", e->out);
		}
		first = 0;
		sqlite3_bind_int64(e->sources, 1, sqlite3_column_int64(s, 0));
		while ((rc = sqlite3_step(e->sources)) == SQLITE_ROW) {
			if (json) {
				fputs(nsrc ? ", " : "", e->out);
				json_str(e->out, col_text(e->sources, 0));
			} else
				fprintf(e->out, "%s%s", nsrc ? ", " : "", col_str(e->sources, 0));
			nsrc++;
		}
		sqlite3_reset(e->sources);
		if (json) {
			fprintf(e->out, "], \"packets\": %lld, \"flows\": %lld, \"records_lost\": %lld,"
			    " \"records_lost_by_cause\": {\"queue\": %lld, \"database\": %lld,"
			    " \"eve\": %lld}, \"runs_interrupted\": %lld, \"coverage_run\": ",
			    (long long)sqlite3_column_int64(s, 7),
			    (long long)sqlite3_column_int64(s, 8), lost,
			    (long long)sqlite3_column_int64(s, 13), (long long)sqlite3_column_int64(s, 14),
			    (long long)sqlite3_column_int64(s, 15), (long long)sqlite3_column_int64(s, 12));
			json_int(e->out, s, 10);
			fputc('}', e->out);
			continue;
		}
		if (nsrc == 0)
			fputs("none", e->out);
		fprintf(e->out, "; %lld packets, %lld flows", (long long)sqlite3_column_int64(s, 7),
		    (long long)sqlite3_column_int64(s, 8));
		if (lost > 0)
			fprintf(e->out, "; %lld records lost (queue %lld, database %lld, EVE %lld)",
			    lost, (long long)sqlite3_column_int64(s, 13),
			    (long long)sqlite3_column_int64(s, 14), (long long)sqlite3_column_int64(s, 15));
		if (sqlite3_column_int64(s, 12) > 0)
			fprintf(e->out, "; %lld run%s interrupted (the process died)",
			    (long long)sqlite3_column_int64(s, 12),
			    sqlite3_column_int64(s, 12) == 1 ? "" : "s");
		if (sqlite3_column_type(s, 10) == SQLITE_NULL)
			fputs("; no coverage", e->out);
		else if (!e->r->o->all_runs)
			fprintf(e->out, "; coverage from run %lld", (long long)sqlite3_column_int64(s, 10));
		fputc('\n', e->out);
	}
	sqlite3_reset(e->sensors);
	if (json)
		fputs("\n],\n\"errors\": [", e->out);
	first = 1;
	while (sqlite3_step(e->sensors) == SQLITE_ROW) {
		if (sqlite3_column_type(e->sensors, 2) == SQLITE_NULL)
			continue;
		if (json) {
			fprintf(e->out, "%s\n  {\"database\": ", first ? "" : ",");
			json_str(e->out, col_text(e->sensors, 1));
			fputs(", \"reason\": ", e->out);
			json_str(e->out, col_text(e->sensors, 2));
			fputc('}', e->out);
		} else
			fprintf(e->out, "  %s: not read: %s\n", col_str(e->sensors, 1),
			    col_str(e->sensors, 2));
		first = 0;
	}
	sqlite3_reset(e->sensors);
	if (json)
		fputs(first ? "],\n" : "\n],\n", e->out);
}

/* Text: "198.18.10.20 -> 198.18.1.11 port 3478/UDP", or for a finding
 * without a flow "host fe1 (198.18.1.11) port 5061/TCP". */
static void
text_finding_where(FILE *out, sqlite3_stmt *s)
{
	if (col_str(s, 1)[0] != '\0')
		fprintf(out, "%s -> %s", col_str(s, 1), col_str(s, 2));
	else {
		fprintf(out, "host %s", col_str(s, 5));
		if (col_str(s, 2)[0] != '\0')
			fprintf(out, " (%s)", col_str(s, 2));
	}
	if (sqlite3_column_int64(s, 3) != 0 || col_str(s, 4)[0] != '\0')
		fprintf(out, " port %lld/%s", (long long)sqlite3_column_int64(s, 3), col_str(s, 4));
	if (col_str(s, 6)[0] != '\0')
		fprintf(out, " rule %s", col_str(s, 6));
}

/* Returns the number of distinct findings. */
static long long
emit_findings(struct emit *e)
{
	int json = e->r->o->json, first = 1;
	long long distinct = 0, total = 0;

	if (sqlite3_step(e->ftotals) == SQLITE_ROW) {
		distinct = sqlite3_column_int64(e->ftotals, 0);
		total = sqlite3_column_int64(e->ftotals, 1);
	}
	sqlite3_reset(e->ftotals);
	if (json)
		fprintf(e->out, "\"findings_distinct\": %lld,\n\"findings_total\": %lld,\n"
		    "\"findings\": [", distinct, total);
	else
		fprintf(e->out, "findings: %lld distinct, %lld occurrences, merged across sensors"
		    " (by severity, then count):\n", distinct, total);
	while (sqlite3_step(e->findings) == SQLITE_ROW) {
		sqlite3_stmt *s = e->findings;
		int ns = 0, proven = 0;

		if (json) {
			static const char *const keys[] = {
				"kind", "src_ip", "dest_ip", NULL, "proto", "host", "rule"
			};

			fprintf(e->out, "%s\n  {", first ? "" : ",");
			for (int c = 0; c < 7; c++) {
				fprintf(e->out, "%s\"%s\": ", c ? ", " : "",
				    keys[c] != NULL ? keys[c] : "dest_port");
				if (keys[c] == NULL)
					json_int(e->out, s, c);
				else
					json_str(e->out, col_text(s, c));
			}
			fputs(", \"severity\": ", e->out);
			json_int(e->out, s, 7);
			fprintf(e->out, ", \"count\": %lld, \"first_seen\": ",
			    (long long)sqlite3_column_int64(s, 8));
			json_str(e->out, col_text(s, 9));
			fputs(", \"last_seen\": ", e->out);
			json_str(e->out, col_text(s, 10));
			fputs(", \"signature\": ", e->out);
			json_str(e->out, col_text(s, 11));
			fprintf(e->out, ", \"proven_elsewhere\": %s",
			    sqlite3_column_int(s, 12) ? "true" : "false");
			fputs(", \"sensors\": [", e->out);
		} else {
			fprintf(e->out, "  sev %s  %s  ", col_str(s, 7), col_str(s, 0));
			text_finding_where(e->out, s);
			fprintf(e->out, "  count %lld  %s", (long long)sqlite3_column_int64(s, 8),
			    col_str(s, 9));
			if (strcmp(col_str(s, 9), col_str(s, 10)) != 0)
				fprintf(e->out, " .. %s", col_str(s, 10));
			fputs("  seen by ", e->out);
			proven = sqlite3_column_int(s, 12);
		}
		first = 0;
		for (int c = 0; c < 7; c++)
			sqlite3_bind_value(e->fsensors, c + 1, sqlite3_column_value(s, c));
		while (sqlite3_step(e->fsensors) == SQLITE_ROW) {
			if (json) {
				fputs(ns ? ", {\"database\": " : "{\"database\": ", e->out);
				json_str(e->out, col_text(e->fsensors, 0));
				fprintf(e->out, ", \"count\": %lld}",
				    (long long)sqlite3_column_int64(e->fsensors, 1));
			} else
				fprintf(e->out, "%s%s (%lld)", ns ? ", " : "", col_str(e->fsensors, 0),
				    (long long)sqlite3_column_int64(e->fsensors, 1));
			ns++;
		}
		sqlite3_reset(e->fsensors);
		sqlite3_clear_bindings(e->fsensors);
		if (proven)
			fputs("; proven open by another sensor (coverage)", e->out);
		fputs(json ? "]}" : "\n", e->out);
	}
	sqlite3_reset(e->findings);
	if (json)
		fputs(first ? "],\n" : "\n],\n", e->out);
	else if (first)
		fputs("  none\n", e->out);
	return distinct;
}

static void
emit_coverage(struct emit *e)
{
	int json = e->r->o->json, all = e->r->o->all_runs, first = 1;
	long long n[COV_NSTATES], pairs = 0;

	memset(n, 0, sizeof(n));
	while (sqlite3_step(e->states) == SQLITE_ROW) {
		int st = sqlite3_column_int(e->states, 0);

		if (st >= COV_SEEN && st < COV_NSTATES) {
			n[st] = sqlite3_column_int64(e->states, 1);
			pairs += n[st];
		}
	}
	sqlite3_reset(e->states);
	if (json) {
		fprintf(e->out, "\"coverage\": {\"runs\": \"%s\", \"pairs\": %lld, \"states\": {",
		    all ? "all" : "latest", pairs);
		for (int st = COV_SEEN; st < COV_NSTATES; st++)
			fprintf(e->out, "%s\"%s\": %lld", st == COV_SEEN ? "" : ", ",
			    cov_state_name(st), n[st]);
		fputs("},\n  \"rows\": [", e->out);
	} else
		fprintf(e->out, "coverage per (host, rule), merged: %s; seen if any sensor proved it,"
		    " blocked if one saw it fail and none succeed, missing if every sensor that"
		    " observed the host missed it:\n"
		    "  %lld pairs: %lld seen, %lld blocked, %lld missing, %lld optional unseen,"
		    " %lld unobserved, %lld not applicable\n",
		    all ? "every run of each database (--all-runs)" :
		    "the latest run of each database (--all-runs merges every run)",
		    pairs, n[COV_SEEN], n[COV_BLOCKED], n[COV_MISSING], n[COV_OPTIONAL],
		    n[COV_UNOBSERVED], n[COV_NA]);
	sqlite3_bind_int(e->covrows, 1, COV_BLOCKED);
	sqlite3_bind_int(e->covrows, 2, COV_MISSING);
	while (sqlite3_step(e->covrows) == SQLITE_ROW) {
		sqlite3_stmt *s = e->covrows;
		int st = sqlite3_column_int(s, 2), ns = 0;

		if (json) {
			fprintf(e->out, "%s\n    {\"host\": ", first ? "" : ",");
			json_str(e->out, col_text(s, 0));
			fputs(", \"rule\": ", e->out);
			json_str(e->out, col_text(s, 1));
			fprintf(e->out, ", \"state\": \"%s\", \"sensors\": [", cov_state_name(st));
		} else
			fprintf(e->out, "  %-8s %s %s: ", cov_state_name(st), col_str(s, 0),
			    col_str(s, 1));
		first = 0;
		sqlite3_bind_value(e->csensors, 1, sqlite3_column_value(s, 0));
		sqlite3_bind_value(e->csensors, 2, sqlite3_column_value(s, 1));
		sqlite3_bind_int(e->csensors, 3, st);
		while (sqlite3_step(e->csensors) == SQLITE_ROW) {
			if (json) {
				fputs(ns ? ", {\"database\": " : "{\"database\": ", e->out);
				json_str(e->out, col_text(e->csensors, 0));
				fputs(", \"evidence\": ", e->out);
				json_str(e->out, col_text(e->csensors, 1));
				fputc('}', e->out);
			} else {
				fprintf(e->out, "%s%s", ns ? ", " : "", col_str(e->csensors, 0));
				if (sqlite3_column_type(e->csensors, 1) != SQLITE_NULL)
					fprintf(e->out, " (%s)", col_str(e->csensors, 1));
			}
			ns++;
		}
		sqlite3_reset(e->csensors);
		sqlite3_clear_bindings(e->csensors);
		fputs(json ? "]}" : "\n", e->out);
	}
	sqlite3_reset(e->covrows);
	if (json)
		fputs(first ? "]}\n" : "\n  ]}\n", e->out);
}

/* Write the whole report.  Returns the number of distinct findings, or -1
 * when a statement could not be prepared. */
static long long
report_emit(struct report *r, FILE *out, int ndbs)
{
	struct emit e;
	long long nfind = -1;

	memset(&e, 0, sizeof(e));
	e.r = r;
	e.out = out;
	if (sqlite3_prepare_v2(r->mem, sql_sensors, -1, &e.sensors, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_sensor_sources, -1, &e.sources, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_merged_findings, -1, &e.findings, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_finding_sensors, -1, &e.fsensors, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_finding_totals, -1, &e.ftotals, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_cov_states, -1, &e.states, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_cov_rows, -1, &e.covrows, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->mem, sql_cov_sensors, -1, &e.csensors, NULL) != SQLITE_OK) {
		log_warnx("report: %s", sqlite3_errmsg(r->mem));
		goto out;
	}
	sqlite3_bind_int(e.findings, 1, COV_SEEN);
	if (r->o->json)
		fprintf(out, "{\"report\": \"conformd\", \"databases\": %d, \"read\": %d,\n",
		    ndbs, ndbs - r->nbad);
	else
		fprintf(out, "conformd report: %d database%s, %d read\n", ndbs,
		    ndbs == 1 ? "" : "s", ndbs - r->nbad);
	emit_sensors(&e);
	nfind = emit_findings(&e);
	emit_coverage(&e);
	if (r->o->json)
		fputs("}\n", out);
out:
	sqlite3_finalize(e.sensors);
	sqlite3_finalize(e.sources);
	sqlite3_finalize(e.findings);
	sqlite3_finalize(e.fsensors);
	sqlite3_finalize(e.ftotals);
	sqlite3_finalize(e.states);
	sqlite3_finalize(e.covrows);
	sqlite3_finalize(e.csensors);
	return nfind;
}

int
report_run(char *const *dbs, int ndbs, const struct report_opts *o, FILE *out)
{
	struct report r;
	char why[REPORT_WHY_LEN];
	long long nfind;
	int status = 2;

	memset(&r, 0, sizeof(r));
	r.o = o;
	if (sqlite3_open_v2(":memory:", &r.mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK ||
	    sqlite3_create_collation(r.mem, "natsort", SQLITE_UTF8, NULL,
	    natural_cmp) != SQLITE_OK ||
	    sqlite3_exec(r.mem, mem_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_sensor, -1, &r.ins_sensor, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_source, -1, &r.ins_source, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_finding, -1, &r.ins_finding, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_cov, -1, &r.ins_cov, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_rule, -1, &r.ins_rule, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_host, -1, &r.ins_host, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r.mem, sql_ins_talk, -1, &r.ins_talk, NULL) != SQLITE_OK) {
		log_warnx("report: %s", r.mem != NULL ? sqlite3_errmsg(r.mem) : "out of memory");
		goto out;
	}
	for (int i = 0; i < ndbs; i++)
		if (report_read(&r, i + 1, dbs[i], why, sizeof(why)) == -1) {
			log_warnx("%s: %s", dbs[i], why);
			r.nbad++;
		}
	fflush(stderr);
	if (o->html != NULL)
		nfind = report_html_write(r.mem, o->html, ndbs, r.nbad);
	else {
		nfind = report_emit(&r, out, ndbs);
		if (fflush(out) == EOF || ferror(out)) {
			log_warn("report: writing");
			nfind = -1;
		}
	}
	if (nfind >= 0 && r.nbad == 0)
		status = nfind > 0 ? 1 : 0;
out:
	sqlite3_finalize(r.ins_sensor);
	sqlite3_finalize(r.ins_source);
	sqlite3_finalize(r.ins_finding);
	sqlite3_finalize(r.ins_cov);
	sqlite3_finalize(r.ins_rule);
	sqlite3_finalize(r.ins_host);
	sqlite3_finalize(r.ins_talk);
	sqlite3_close(r.mem);
	return status;
}
