/*
 * store-schema.c - the SQLite record's schema: the tables of every
 * version, the upgrades from each to the next, the checks that refuse a
 * database that is not conformd's or is damaged, the setup of a new or
 * opened file (page size, WAL, upgrade), the secondary indexes.
 *
 * Schema (version STORE_SCHEMA_VERSION, kept in PRAGMA user_version and in
 * table meta).  Times are stored twice: as ISO-8601 UTC text
 * "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (SQLite's date functions read it) and as
 * integer microseconds since the epoch (*_usec).  Capture times come from
 * the packets, not from the clock.
 *
 * meta          one row per key
 *   key           "schema_version", "created" (wall-clock time the file was
 *                 created), "software" ("conformd VERSION")
 *   value         text
 *
 * runs          one row per run of conformd over its sources
 *   id            run number (INTEGER PRIMARY KEY)
 *   started       wall-clock time the run started, text; started_usec the same
 *   ended         wall-clock time the run ended, text; ended_usec the same;
 *                 both NULL while the run is in progress or if it died
 *   sources       what was read (file names or interfaces), free text
 *   version       conformd version that wrote the run
 *   status        exit status of the run (0 no finding, 1 findings, 2 error),
 *                 NULL until ended; -1 (STORE_RUN_INTERRUPTED) for a run whose
 *                 process died (kill -9, power loss): the next run to begin
 *                 in this database closes it, ended then being the time of
 *                 its last commit (counter store.last_commit), or its start
 *   sensor        the sensor's name (conformd.conf's sensor-name, by default
 *                 the host's FQDN), as EVE's "host" carries it (version 3)
 *
 * counters      named counters of a run (packets, drops by reason, ...)
 *   run_id        runs.id
 *   name          counter name
 *   value         last value recorded
 *                 PRIMARY KEY (run_id, name)
 *                 store.last_commit: wall-clock microseconds of the run's
 *                 latest commit, written with every commit
 *
 * rules         every rule a run or a reload of this database has judged
 *               by: added when a run begins and when a reload brings
 *               rules, replaced by id (the latest definition), never
 *               removed, so that every rule_id a row cites is here
 *   id            rule id, "T1R3" (PRIMARY KEY)
 *   table_no      table of the specification (1-4)
 *   row_no        row within that table
 *   role          role the rule is about ("front-end")
 *   dir           "in" (role listens) or "out" (role connects)
 *   proto         "tcp", "udp" or "tcp/udp"
 *   ports         "5061", "49152-57500,5062", "client-media"
 *   apps          application protocols, "tls,mtls"; "-" when none named
 *   peers         roles the other end must have, "front-end,director";
 *                 "-" when anyone
 *   optional      1 when the row need not be seen, else 0
 *   reqresp       1 for a UDP request/response protocol, else 0
 *   service       service name from the specification
 *   note          free text, NULL when none
 *   source        what the rule cites: "<published source>, table N, row M"
 *                 for a pack's rule, the site's own source for a site rule
 *                 (version 3)
 *   features      the features whose deployment makes it required,
 *                 "pstn,e911"; "-" when always (version 3)
 *   site          1 for a rule of the site's own file, else 0 (version 3)
 *   disabled      1 when the site disabled it, else 0 (version 3)
 *
 * hosts         the inventory in force for the latest run (replaced when
 *               a run begins; version 4): what --report groups by
 *   name          inventory name, "fe1", "fepool/vip" (PRIMARY KEY)
 *   kind          the statement that declared it: "host", "network",
 *                 "peer", "member" (of a pool), "vip" (of a pool)
 *   pool          the pool of a member or VIP, NULL otherwise
 *   pool_type     that pool's type ("front-end"), NULL otherwise
 *   roles         its roles, comma separated, in the rules' order
 *   addresses     its addresses and networks, comma separated
 *                 ("198.18.1.11,2001:db8:1::11", "198.18.10.0/24")
 *
 * flows         one row per flow, written when the flow ends
 *   id            row number (INTEGER PRIMARY KEY)
 *   run_id        runs.id (NULL when written outside a run)
 *   flow_id       flow id, the same as the EVE flow_id
 *   proto         "TCP", "UDP", "ICMP", "IPv6-ICMP", "GRE", ... (EVE's proto,
 *                 proto_name()) or the protocol number
 *   src_ip        initiator address (text)
 *   src_port      initiator port (0 for protocols without ports)
 *   dest_ip       responder address (text)
 *   dest_port     responder port (0 for protocols without ports)
 *   vlan0, vlan1  outer and inner VLAN id, 0 when absent
 *   first_ts      capture time of the first packet, text; first_usec the same
 *   last_ts       capture time of the last packet, text; last_usec the same
 *   pkts_toserver, pkts_toclient     packets initiator->responder and back
 *   bytes_toserver, bytes_toclient   bytes in each direction: frame length
 *                 on the wire (pcap len), as tshark's conversations count
 *   frags         IP fragments tied to the flow
 *   state         Suricata's flow state: "new", "established", "closed"
 *   conn_state    "new", "attempted", "rejected", "established", "closed",
 *                 "midstream"
 *   midstream     1 when the initiator was guessed (no handshake seen)
 *   end_reason    why the flow ended: "timeout", "evicted", "flush"
 *   verdict       "expected", "unexpected", "unmonitored", "none"
 *   rule_id       rules.id of the rule that allows it, NULL when none
 *   src_role      initiator's roles, comma separated; "-" when not in the
 *                 inventory
 *   dest_role     responder's roles, likewise
 *   src_host      initiator's inventory host name, NULL when unknown
 *   dest_host     responder's inventory host name, NULL when unknown
 *   failure       why the attempt failed ("no answer to 3 SYNs", "SYN
 *                 answered by RST", "ICMP 3/3 (port unreachable) from
 *                 198.18.0.1"), whatever the verdict; NULL when it did not
 *   icmp_type, icmp_code   ICMP and ICMPv6 flows: the type and code of the
 *                 initiator's first message (EVE's icmp_type, icmp_code);
 *                 NULL for other protocols (version 2)
 *   community_id  the flow's Community ID v1 ("1:..." as Zeek, Suricata
 *                 and Wireshark print it) when the configuration says
 *                 community-id yes, else NULL (version 2)
 *
 * findings      one row per distinct finding, across runs
 *   id            row number (INTEGER PRIMARY KEY)
 *   kind          "unexpected", "blocked", "missing", "protocol_mismatch"
 *   src_ip        initiator address; '' when the finding has no flow
 *   dest_ip       responder address; for a finding without a flow
 *                 (missing), the inventory host's address, '' when the
 *                 host has several
 *   dest_port     responder port; without a flow, the rule's first port;
 *                 0 when none
 *   proto         "TCP", "UDP", ...; without a flow, the rule's protocol,
 *                 '' when none
 *   host          without a flow, the inventory host that was never seen;
 *                 '' for a finding with a flow
 *   rule_id       rule involved (the flow's rule when the finding names
 *                 none), '' when none
 *                 UNIQUE (kind, src_ip, dest_ip, dest_port, proto, host,
 *                 rule_id): later occurrences update the row instead of
 *                 adding one
 *   src_role      initiator's roles (first occurrence); '' without a flow
 *   dest_role     responder's roles (first occurrence); '' without a flow
 *   severity      1 (high) .. 3 (low), Suricata's scale (first occurrence)
 *   signature     one-line description (first occurrence)
 *   evidence      what proved it (blocked: "3 SYNs, no answer";
 *                 protocol_mismatch: what was seen), NULL when none
 *                 (first occurrence)
 *   last_evidence the same for the latest occurrence
 *   count         number of occurrences
 *   first_seen    earliest capture time of an occurrence (the time it was
 *                 raised, or else its flow's start), text; first_seen_usec
 *                 the same
 *   last_seen     latest capture time of an occurrence (the time it was
 *                 raised, or else its flow's end), text; last_seen_usec
 *                 the same
 *   first_run     runs.id of the first occurrence
 *   last_run      runs.id of the latest occurrence
 *   tunnel_type, tunnel_src, tunnel_dst   when the first occurrence was
 *                 raised on a packet that came through a tunnel (a remote
 *                 mirror): its outermost layer ("gre", "gretap",
 *                 "erspan1".."erspan3", "vxlan", "geneve") and outer addresses (the
 *                 mirroring device, the collector); else NULL (version 2)
 *   flow_id       the flow of the latest occurrence: flows.flow_id (EVE's
 *                 flow_id, unique across runs and sensors), NULL for a
 *                 finding without a flow (missing); for a scan, its first
 *                 probe's (version 5)
 *   first_flow_id the flow of the first occurrence, likewise (version 5).
 *                 Every occurrence's flow has the finding's src_ip,
 *                 dest_ip, dest_port and proto (flows_src serves that
 *                 query); a scan's probes are the flows from its src_ip
 *                 between its first_seen and last_seen
 *
 * coverage      what each run saw of each (host, rule) pair
 *   run_id        runs.id
 *   host          inventory host name
 *   rule_id       rules.id
 *                 PRIMARY KEY (run_id, host, rule_id)
 *   state         "seen", "blocked", "missing", "optional-unseen"; a later
 *                 write in the same run replaces it
 *   flows         flows that proved it (accumulated within the run)
 *   bytes         bytes of those flows, both directions (accumulated)
 *   first_seen    earliest capture time, text; first_seen_usec the same;
 *                 NULL while nothing was seen
 *   last_seen     latest capture time, text; last_seen_usec the same;
 *                 NULL while nothing was seen
 *   evidence      why a blocked pair is blocked ("3 SYNs, no answer"),
 *                 NULL otherwise; a later write in the same run replaces it
 *
 * Indexes (STORE_INDEXES): flows(run_id) (flows_run), flows(verdict)
 * (flows_verdict), findings(kind) (findings_kind); and from version 5,
 * for what SIEMs, reports and retention ask: flows by time
 * (flows_first: first_usec), by address (flows_src, flows_dest: the
 * minute the flow began, then the address), by Community ID
 * (flows_community, likewise, of the rows that have one), by flow id
 * (flows_flow_id: a finding's flow_id joins here), findings by last_seen
 * (findings_last_seen: last_seen_usec) and by last_run
 * (findings_last_run: what retention prunes).  Their statistics
 * (sqlite_stat1, a sample: store_analyze()) let a query by address alone
 * use the minute-first indexes.  Their cost on a flow row is measured in
 * bench/RESULTS.md ("Indexes").  An offline run (-r,
 * store_set_bulk()) into a database whose flows table is empty drops
 * them all when it begins and builds them once when it ends, from the
 * loaded rows, instead of keeping them up row by row: while such a run
 * is in progress, readers see the tables without them (queries are
 * slower, never different).  A run that dies before its end leaves them
 * missing; the next store_open() builds them again.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "conformd/log.h"
#include "conformd/store.h"
#include "store-int.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"unknown"
#endif

/* SQLite's page cache for the writer's connection, KiB (its default is
 * 2 MiB: 125 of our 16 KiB pages).  A live run inserts into the flows
 * indexes and upserts findings by a seven-column key all through tables
 * that grow past that; each miss is a 16 KiB pread().  32 MiB took the
 * store thread from 3.77-4.44 s to 3.31-3.38 s of CPU for a 300,000-
 * packet step of bench/live.sh --records (about 580,000 records, 20,000
 * and 30,000 pps, two steps each).  Pages are taken as the tables grow,
 * so a small database costs what it did. */
#define STORE_CACHE_KIB_STR	"32768"
/*
 * The page cache while a bulk run builds its indexes: SQLite's sorter
 * sorts in memory up to the cache's size before merging, and a 32 MiB
 * sort misses the CPU caches more than its merges cost (measured with
 * sqlite3 on the 1M-flow bench file's flows: 2.30-2.41 s with 32 MiB,
 * 1.92-2.05 s with 8 MiB, 1.90-1.98 s with 2 MiB).
 */
#define STORE_SORT_KIB_STR	"8192"
#define STORE_PAGE_SIZE_STR	"16384"	/* page size of a new database */

/*
 * The secondary indexes, last in the schema: a bulk run drops them and
 * builds them again in this order, so sqlite_master (and `.schema`) lists
 * the same statements in the same order as a database that kept them.
 */
#define STORE_INDEXES_V1 \
	"CREATE INDEX IF NOT EXISTS flows_run ON flows(run_id);" \
	"CREATE INDEX IF NOT EXISTS flows_verdict ON flows(verdict);" \
	"CREATE INDEX IF NOT EXISTS findings_kind ON findings(kind);"
/*
 * Version 5 (also in store_upgrades[], whose form store_schema_at()
 * reads).  Addresses and Community IDs are random keys: a plain index on
 * one dirties a page of it per row once it outgrows a commit (measured:
 * 20 times the cost of a flow row at a million rows, and growing), so
 * they are indexed within the minute the flow began (first_usec /
 * 60000000, the first column): the rows of the current minute are all a
 * commit touches.  A query naming only the address still uses the index,
 * minute by minute (SQLite's skip-scan, which store_analyze()'s
 * statistics enable); one that names the minutes too goes straight there.
 */
#define STORE_MINUTE	"first_usec / 60000000"
#define STORE_INDEXES_V5 \
	"CREATE INDEX IF NOT EXISTS flows_first ON flows(first_usec);" \
	"CREATE INDEX IF NOT EXISTS flows_src ON flows(" STORE_MINUTE ", src_ip);" \
	"CREATE INDEX IF NOT EXISTS flows_dest ON flows(" STORE_MINUTE ", dest_ip);" \
	"CREATE INDEX IF NOT EXISTS flows_community ON flows(" STORE_MINUTE ", community_id)" \
	" WHERE community_id IS NOT NULL;" \
	"CREATE INDEX IF NOT EXISTS flows_flow_id ON flows(flow_id);" \
	"CREATE INDEX IF NOT EXISTS findings_last_seen ON findings(last_seen_usec);" \
	"CREATE INDEX IF NOT EXISTS findings_last_run ON findings(last_run);"
#define STORE_INDEXES	STORE_INDEXES_V1 STORE_INDEXES_V5
static const char sql_indexes[] = STORE_INDEXES;
/* every index of STORE_INDEXES, by name */
static const char *const store_index_names[] = {
	"flows_run", "flows_verdict", "findings_kind", "flows_first", "flows_src",
	"flows_dest", "flows_community", "flows_flow_id", "findings_last_seen",
	"findings_last_run"
};
#define STORE_NINDEXES	((int)(sizeof(store_index_names) / sizeof(store_index_names[0])))

static const char store_schema[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS runs ("
	"  id INTEGER PRIMARY KEY, started TEXT, started_usec INTEGER,"
	"  ended TEXT, ended_usec INTEGER, sources TEXT, version TEXT,"
	"  status INTEGER, sensor TEXT);"
	"CREATE TABLE IF NOT EXISTS counters ("
	"  run_id INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER,"
	"  PRIMARY KEY (run_id, name));"
	"CREATE TABLE IF NOT EXISTS rules ("
	"  id TEXT PRIMARY KEY, table_no INTEGER, row_no INTEGER, role TEXT,"
	"  dir TEXT, proto TEXT, ports TEXT, apps TEXT, peers TEXT,"
	"  optional INTEGER, reqresp INTEGER, service TEXT, note TEXT,"
	"  source TEXT, features TEXT, site INTEGER, disabled INTEGER);"
	"CREATE TABLE IF NOT EXISTS hosts ("
	"  name TEXT PRIMARY KEY, kind TEXT, pool TEXT, pool_type TEXT,"
	"  roles TEXT, addresses TEXT);"
	"CREATE TABLE IF NOT EXISTS flows ("
	"  id INTEGER PRIMARY KEY, run_id INTEGER, flow_id INTEGER, proto TEXT,"
	"  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER,"
	"  vlan0 INTEGER, vlan1 INTEGER, first_ts TEXT, last_ts TEXT,"
	"  first_usec INTEGER, last_usec INTEGER,"
	"  pkts_toserver INTEGER, pkts_toclient INTEGER,"
	"  bytes_toserver INTEGER, bytes_toclient INTEGER, frags INTEGER,"
	"  state TEXT, conn_state TEXT, midstream INTEGER, end_reason TEXT,"
	"  verdict TEXT, rule_id TEXT, src_role TEXT, dest_role TEXT,"
	"  src_host TEXT, dest_host TEXT, failure TEXT,"
	"  icmp_type INTEGER, icmp_code INTEGER, community_id TEXT);"
	"CREATE TABLE IF NOT EXISTS findings ("
	"  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, src_ip TEXT NOT NULL,"
	"  dest_ip TEXT NOT NULL, dest_port INTEGER NOT NULL,"
	"  proto TEXT NOT NULL, host TEXT NOT NULL DEFAULT '',"
	"  rule_id TEXT NOT NULL DEFAULT '',"
	"  src_role TEXT, dest_role TEXT, severity INTEGER, signature TEXT,"
	"  evidence TEXT, last_evidence TEXT, count INTEGER NOT NULL,"
	"  first_seen TEXT, first_seen_usec INTEGER,"
	"  last_seen TEXT, last_seen_usec INTEGER,"
	"  first_run INTEGER, last_run INTEGER,"
	"  tunnel_type TEXT, tunnel_src TEXT, tunnel_dst TEXT,"
	"  flow_id INTEGER, first_flow_id INTEGER,"
	"  UNIQUE (kind, src_ip, dest_ip, dest_port, proto, host, rule_id));"
	"CREATE TABLE IF NOT EXISTS coverage ("
	"  run_id INTEGER NOT NULL, host TEXT NOT NULL, rule_id TEXT NOT NULL,"
	"  state TEXT NOT NULL, flows INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	"  first_seen TEXT, first_seen_usec INTEGER,"
	"  last_seen TEXT, last_seen_usec INTEGER, evidence TEXT,"
	"  PRIMARY KEY (run_id, host, rule_id));"
	STORE_INDEXES;

/* The error for a schema version this conformd does not write. */
static void
store_bad_version(struct store *st, int ver)
{
	snprintf(st->err, sizeof(st->err), "%s: schema version %d, this "
	    "conformd writes version %d; refusing to use it", st->path, ver,
	    STORE_SCHEMA_VERSION);
}

/*
 * What takes a database of version N to N + 1, at index N - 1.  Columns
 * are only ever added, at the end of their table and NULL in the rows
 * already there, so a new file's schema (store_schema) and an upgraded
 * one list the same columns in the same order.
 */
static const char *const store_upgrades[STORE_SCHEMA_VERSION - 1] = {
	/* 1 -> 2: flows' ICMP type and code and Community ID, findings'
	 * tunnel */
	"ALTER TABLE flows ADD COLUMN icmp_type INTEGER;"
	"ALTER TABLE flows ADD COLUMN icmp_code INTEGER;"
	"ALTER TABLE flows ADD COLUMN community_id TEXT;"
	"ALTER TABLE findings ADD COLUMN tunnel_type TEXT;"
	"ALTER TABLE findings ADD COLUMN tunnel_src TEXT;"
	"ALTER TABLE findings ADD COLUMN tunnel_dst TEXT;",
	/* 2 -> 3: what each rule cites, its features, site rules; the
	 * sensor of a run */
	"ALTER TABLE rules ADD COLUMN source TEXT;"
	"ALTER TABLE rules ADD COLUMN features TEXT;"
	"ALTER TABLE rules ADD COLUMN site INTEGER;"
	"ALTER TABLE rules ADD COLUMN disabled INTEGER;"
	"ALTER TABLE runs ADD COLUMN sensor TEXT;",
	/* 3 -> 4: the inventory (hosts), for reports */
	"CREATE TABLE IF NOT EXISTS hosts ("
	"  name TEXT PRIMARY KEY, kind TEXT, pool TEXT, pool_type TEXT,"
	"  roles TEXT, addresses TEXT);",
	/* 4 -> 5: findings linked to their flows; the indexes SIEMs, reports
	 * and retention need (built here from the rows already there: on a
	 * large database the upgrade takes a while, once) */
	"ALTER TABLE findings ADD COLUMN flow_id INTEGER;"
	"ALTER TABLE findings ADD COLUMN first_flow_id INTEGER;"
	STORE_INDEXES_V5,
};

/*
 * Bring a database of an older schema version up to this one, in
 * one transaction (ALTER TABLE ... ADD COLUMN rewrites no row, so this is
 * quick at any size).  Another conformd opening the file at the same
 * moment may have done it first: the version is read again inside the
 * transaction.  0, or -1 (error kept; the file is left as it was).
 */
static int
store_upgrade(struct store *st)
{
	char sql[128];
	int ver, v;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	if (store_query_int(st, "PRAGMA user_version", &ver) == -1)
		goto fail_kept;
	if (ver == STORE_SCHEMA_VERSION) {	/* the other one did it */
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	if (ver < 1 || ver > STORE_SCHEMA_VERSION) {
		store_bad_version(st, ver);
		goto fail_kept;
	}
	for (v = ver; v < STORE_SCHEMA_VERSION; v++)
		if (sqlite3_exec(st->db, store_upgrades[v - 1], NULL, NULL,
		    NULL) != SQLITE_OK)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;"
	    " UPDATE meta SET value = '%d' WHERE key = 'schema_version'",
	    STORE_SCHEMA_VERSION, STORE_SCHEMA_VERSION);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	log_info("%s: schema version %d upgraded to %d", st->path, ver,
	    STORE_SCHEMA_VERSION);
	return 0;
fail:
	store_seterr(st);
fail_kept:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Make the in-memory database `ref`, which holds store_schema, the schema
 * of version `ver`: what the upgrades from `ver` on add (store_upgrades:
 * "ALTER TABLE t ADD COLUMN c ...;", "CREATE TABLE IF NOT EXISTS t (...);",
 * "CREATE INDEX IF NOT EXISTS i ON ...;") taken away again, newest first;
 * within an upgrade its indexes first (a column an index names cannot be
 * dropped).  0, or -1 (SQLite's error in ref; or an upgrade statement of
 * another form, which is a bug: the caller then refuses the database,
 * untouched).
 */
static int
store_schema_at(sqlite3 *ref, int ver)
{
	char sql[160], table[64], column[64];

	for (int v = STORE_SCHEMA_VERSION - 1; v >= ver; v--)
		for (int pass = 0; pass < 2; pass++)
			for (const char *q = store_upgrades[v - 1]; q != NULL && *q != '\0'; ) {
				const char *end = strchr(q, ';');

				while (*q == ' ')
					q++;
				if (*q == '\0')
					break;
				/* an upgrade only adds (ALTER TABLE ADD COLUMN,
				 * CREATE ... IF NOT EXISTS): anything else could
				 * not be taken away here, nor run twice safely */
				if (strncmp(q, "CREATE INDEX IF NOT EXISTS ", 27) != 0 &&
				    strncmp(q, "CREATE TABLE IF NOT EXISTS ", 27) != 0 &&
				    (strncmp(q, "ALTER TABLE ", 12) != 0 ||
				    strstr(q, " ADD COLUMN ") == NULL ||
				    (end != NULL && strstr(q, " ADD COLUMN ") > end)))
					return -1;
				sql[0] = '\0';
				if (pass == 0 &&
				    sscanf(q, "CREATE INDEX IF NOT EXISTS %63[A-Za-z_0-9]", table) == 1)
					snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s", table);
				else if (pass == 1 &&
				    sscanf(q, "ALTER TABLE %63s ADD COLUMN %63s", table, column) == 2)
					snprintf(sql, sizeof(sql), "ALTER TABLE %s DROP COLUMN %s",
					    table, column);
				else if (pass == 1 &&
				    sscanf(q, "CREATE TABLE IF NOT EXISTS %63[A-Za-z_]", table) == 1)
					snprintf(sql, sizeof(sql), "DROP TABLE %s", table);
				if (sql[0] != '\0' &&
				    sqlite3_exec(ref, sql, NULL, NULL, NULL) != SQLITE_OK)
					return -1;
				q = end != NULL ? end + 1 : NULL;
			}
	return 0;
}

/*
 * Does the database of schema version `ver` have conformd's tables?  Each
 * table of store_schema must be there with exactly the columns of that
 * version, in order (store_schema_at()).  Only reads: a database whose
 * user_version merely looks like ours is refused untouched (before this,
 * it was switched to WAL mode first).  0, or -1 with the reason.
 */
static int
store_check_schema(struct store *st, int ver)
{
	sqlite3 *ref = NULL;
	sqlite3_stmt *tabs = NULL, *want = NULL, *have = NULL;
	char sql[160];
	const char *bad = NULL, *table = "";
	int rc = -1;

	if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK || sqlite3_exec(ref, store_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    store_schema_at(ref, ver) == -1 || sqlite3_prepare_v2(ref, "SELECT name FROM sqlite_master WHERE type = 'table'"
	    " ORDER BY name", -1, &tabs, NULL) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s: cannot check the schema: %s", st->path,
		    ref != NULL ? sqlite3_errmsg(ref) : "out of memory");
		goto out;
	}
	while (bad == NULL && sqlite3_step(tabs) == SQLITE_ROW) {
		int nwant = 0, nhave = 0, step_w, step_h;

		table = (const char *)sqlite3_column_text(tabs, 0);
		snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s') ORDER BY cid",
		    table);
		if (sqlite3_prepare_v2(ref, sql, -1, &want, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(st->db, sql, -1, &have, NULL) != SQLITE_OK) {
			store_seterr(st);
			goto out;
		}
		for (;;) {
			step_w = sqlite3_step(want);
			step_h = sqlite3_step(have);
			if (step_h != SQLITE_ROW)
				break;
			nhave++;
			if (step_w != SQLITE_ROW) {
				bad = "has more columns than conformd's";
				break;
			}
			nwant++;
			if (strcmp((const char *)sqlite3_column_text(want, 0),
			    (const char *)sqlite3_column_text(have, 0)) != 0) {
				bad = "has other columns than conformd's";
				break;
			}
		}
		if (bad == NULL && step_h != SQLITE_DONE) {
			store_seterr(st);
			goto out;
		}
		if (bad == NULL && nhave == 0)
			bad = "is missing";
		else if (bad == NULL && step_w == SQLITE_ROW)
			bad = "has fewer columns than conformd's";
		sqlite3_finalize(want);
		sqlite3_finalize(have);
		want = have = NULL;
	}
	if (bad != NULL) {
		snprintf(st->err, sizeof(st->err), "%s: not a conformd database (schema "
		    "version %d, but table %s %s); refusing to use it, untouched",
		    st->path, ver, table, bad);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(want);
	sqlite3_finalize(have);
	sqlite3_finalize(tabs);
	sqlite3_close(ref);
	return rc;
}

/*
 * PRAGMA quick_check (every page and b-tree, not the index contents): a
 * damaged database is refused before anything is written to it, rather
 * than have rows added to a file that is already corrupt.  0, or -1 with
 * the first problem SQLite names.
 */
static int
store_quick_check(struct store *st)
{
	sqlite3_stmt *s;
	const unsigned char *v;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(1)", -1, &s, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	rc = sqlite3_step(s);
	v = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	if (v != NULL && strcmp((const char *)v, "ok") == 0) {
		sqlite3_finalize(s);
		return 0;
	}
	if (v != NULL) {
		char what[256], *c;

		/* one line: SQLite's answer runs over several ("*** in database
		 * main ***\nPage 11: ...") */
		snprintf(what, sizeof(what), "%s", (const char *)v);
		for (c = what; *c != '\0'; c++)
			if (*c == '\n' || *c == '\r' || *c == '\t')
				*c = ' ';
		snprintf(st->err, sizeof(st->err), "%s: damaged: PRAGMA quick_check says \"%s\";"
		    " refusing to write to it (copy it aside; sqlite3's .recover may save its rows)",
		    st->path, what);
	}
	else
		snprintf(st->err, sizeof(st->err), "%s: damaged: PRAGMA quick_check failed: %s;"
		    " refusing to write to it", st->path, sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return -1;
}

/* How many of STORE_INDEXES the database has.  0 or -1. */
static int
store_count_indexes(struct store *st, int *n)
{
	sqlite3_stmt *s;

	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name = ?", -1, &s, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	for (int i = 0; i < STORE_NINDEXES; i++) {
		sqlite3_bind_text(s, 1, store_index_names[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			*n += sqlite3_column_int(s, 0);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return 0;
}

/* Create or check the schema, upgrading an older version of ours.
 * Refuses databases that are not ours, or damaged, without writing to
 * them.  0, or -1 (error kept). */
int
store_schema_setup(struct store *st)
{
	char sql[256], now[STORE_TIME_LEN];
	struct timespec ts;
	int ver, ntables, nidx;
	sqlite3_stmt *s;

	/* The version and the tables read in one snapshot: another conformd
	 * may upgrade the file meanwhile (store_upgrade() reads the version
	 * again, inside its own transaction). */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	if (store_query_int(st, "PRAGMA user_version", &ver) == -1)
		goto refused;
	if (ver == 0) {
		if (store_query_int(st, "SELECT count(*) FROM sqlite_master",
		    &ntables) == -1)
			goto refused;
		if (ntables > 0) {
			snprintf(st->err, sizeof(st->err), "%s: not a conformd "
			    "database (it has tables but no schema version)",
			    st->path);
			goto refused;
		}
	} else if (ver < 1 || ver > STORE_SCHEMA_VERSION) {
		store_bad_version(st, ver);
		goto refused;
	} else if (store_check_schema(st, ver) == -1 || store_quick_check(st) == -1)
		goto refused;
	(void)sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);	/* read only */
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(st->err, sizeof(st->err), "%s: database is read-only",
		    st->path);
		return -1;
	}

	/* A new file's page size can be chosen only now, before its first
	 * table and before WAL mode.  16 KiB rather than SQLite's 4 KiB: a
	 * flow row takes about 300 bytes, and larger pages mean a quarter of
	 * the page writes, reads and checksums (and of the system calls) per
	 * row.  The checkpoint thresholds are in bytes (store_checkpoint()),
	 * so the WAL grows no larger than with 4 KiB pages.  A database that
	 * has pages already keeps its size (SQLite ignores the pragma). */
	if (ver == 0 && sqlite3_exec(st->db, "PRAGMA page_size=" STORE_PAGE_SIZE_STR,
	    NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	/* journal_mode answers with the mode in force; an in-memory database
	 * stays "memory", which is fine. */
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s,
	    NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_seterr(st);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	(void)sqlite3_exec(st->db, "PRAGMA cache_size=-" STORE_CACHE_KIB_STR, NULL, NULL, NULL);
	if (ver != 0 && ver < STORE_SCHEMA_VERSION &&
	    store_upgrade(st) == -1)
		return -1;
	if (ver != 0) {
		/* A bulk run that died before its end left the tables without
		 * their indexes: build them now.  Only an optimization, so a
		 * failure (another writer busy) is left to the next open. */
		if (store_count_indexes(st, &nidx) == 0 && nidx < STORE_NINDEXES)
			(void)sqlite3_exec(st->db, sql_indexes, NULL, NULL, NULL);
		if (store_query_int(st, "SELECT count(*) FROM sqlite_master WHERE"
		    " name = 'sqlite_stat1'", &nidx) == 0 && nidx == 0)
			store_analyze(st);	/* an upgraded file */
		return 0;
	}

	/* Fresh file.  Another process may create it at the same moment:
	 * IF NOT EXISTS and OR IGNORE make that harmless. */
	clock_gettime(CLOCK_REALTIME, &ts);
	store_time((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000,
	    now, sizeof(now));
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(st);
		return -1;
	}
	if (sqlite3_exec(st->db, store_schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    STORE_SCHEMA_VERSION);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO meta (key, value)"
	    " VALUES ('schema_version', ?), ('created', ?), ('software', ?)",
	    -1, &s, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "%d", STORE_SCHEMA_VERSION);
	sqlite3_bind_text(s, 1, sql, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, "conformd " PACKAGE_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		goto fail;
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	store_seterr(st);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
refused:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);	/* read only: nothing to undo */
	return -1;
}

/*
 * The indexes' statistics (sqlite_stat1) from a sample of each
 * (analysis_limit: a few hundred rows, milliseconds whatever the size):
 * what lets the planner scan flows_src, flows_dest and flows_community
 * minute by minute for a query that names only the address (skip-scan).
 * Best effort: a failure (another writer busy) is left to the next time.
 */
void
store_analyze(struct store *st)
{
	(void)sqlite3_exec(st->db, "PRAGMA analysis_limit=400; ANALYZE flows; ANALYZE findings",
	    NULL, NULL, NULL);
}

/* Build the indexes a bulk run dropped.  0, or -1 (error kept). */
int
store_reindex(struct store *st)
{
	if (!st->unindexed)
		return 0;
	if (store_tx_begin(st) == -1)
		return -1;
	(void)sqlite3_exec(st->db, "PRAGMA cache_size=-" STORE_SORT_KIB_STR, NULL, NULL, NULL);
	if (sqlite3_exec(st->db, sql_indexes, NULL, NULL, NULL) != SQLITE_OK) {
		store_seterr(st);
		store_tx_rollback(st);
		(void)sqlite3_exec(st->db, "PRAGMA cache_size=-" STORE_CACHE_KIB_STR, NULL, NULL, NULL);
		return -1;
	}
	(void)sqlite3_exec(st->db, "PRAGMA cache_size=-" STORE_CACHE_KIB_STR, NULL, NULL, NULL);
	if (store_tx_commit(st) == -1)
		return -1;
	st->unindexed = 0;
	store_analyze(st);
	return 0;
}

/* Drop every index of STORE_INDEXES (a bulk run's beginning, inside its
 * transaction).  0, or -1 (error kept). */
int
store_unindex(struct store *st)
{
	for (int i = 0; i < STORE_NINDEXES; i++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s",
		    store_index_names[i]);
		if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			store_seterr(st);
			return -1;
		}
	}
	return 0;
}
