/*
 * store-rows.c - the rows of the SQLite record: runs (and the locks that
 * tell a run in progress from one whose process died), rules, hosts,
 * flows, findings, coverage, counters.
 *
 * Each row goes through the batch transaction (store.c, store_row());
 * a run's row is written before any row of it, and tried again until the
 * database takes it.  The tables are described in store-schema.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* F_OFD_SETLK, F_OFD_GETLK */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "conformd/inventory.h"
#include "conformd/log.h"
#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/rules.h"
#include "conformd/store.h"
#include "store-int.h"

/*
 * A run in progress holds an open-file-description lock (fcntl(2)
 * F_OFD_SETLK) on one byte of the database file, at STORE_RUN_LOCK_BASE +
 * its id: far above the bytes SQLite locks (from 2^30, PENDING_BYTE),
 * and never read.  A run whose row has no end and whose byte nobody holds
 * was left by a process that died: store_run_begin() closes it.
 */
#define STORE_RUN_LOCK_BASE	((off_t)1 << 62)

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

/* Prepare the rows' statements (store_open()).  0, or -1 (error kept). */
int
store_rows_prepare(struct store *st)
{
	if (store_prepare(st, sql_run_insert, &st->run_insert) == -1 ||
	    store_prepare(st, sql_run_end, &st->run_end) == -1 ||
	    store_prepare(st, sql_rule, &st->rule) == -1 ||
	    store_prepare(st, sql_flow, &st->flow) == -1 ||
	    store_prepare(st, sql_finding, &st->finding) == -1 ||
	    store_prepare(st, sql_coverage, &st->coverage) == -1 ||
	    store_prepare(st, sql_counter, &st->counter) == -1)
		return -1;
	return 0;
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

/* Free the rules waiting (store_add_rules()); the array stays. */
void
store_rules_clear(struct store *st)
{
	for (int i = 0; i < st->pend.n; i++)
		store_rule_free(&st->pend.v[i]);
	st->pend.n = 0;
}

void
store_rules_release(struct store_rules *l)
{
	for (int i = 0; i < l->n; i++)
		store_rule_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The entry of l for rule `id`, emptied, or a new empty one at its end;
 * NULL when out of memory. */
static struct store_rule *
store_rules_slot(struct store_rules *l, const char *id)
{
	struct store_rule *w;

	for (int k = 0; k < l->n; k++)
		if (strcmp(l->v[k].id, id) == 0) {
			store_rule_free(&l->v[k]);
			return &l->v[k];
		}
	if (l->n == l->cap) {
		int ncap = l->cap != 0 ? l->cap * 2 : 64;
		struct store_rule *n = realloc(l->v, (size_t)ncap * sizeof(*n));

		if (n == NULL)
			return NULL;
		l->v = n;
		l->cap = ncap;
	}
	w = &l->v[l->n++];
	memset(w, 0, sizeof(*w));
	return w;
}

/* w, filled from l->v's last-taken slot, lost its key: take it back. */
static void
store_rules_drop(struct store_rules *l, struct store_rule *w)
{
	store_rule_free(w);
	*w = l->v[--l->n];
}

int
store_rules_merge(struct store_rules *l, const struct ruleset *rs)
{
	char ports[256], apps[128], peers[1024], feats[1024];
	int oom = 0;

	for (int i = 0; i < rs->nrules && !oom; i++) {
		const struct rule *r = &rs->rules[i];
		struct store_rule *w = store_rules_slot(l, r->id);

		if (w == NULL)
			return -1;
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
			store_rules_drop(l, w);
			oom = 1;
		}
	}
	return oom ? -1 : 0;
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
	return store_rules_merge(&st->pend, rs);
}

int
store_add_rule_rows(struct store *st, const struct store_rules *l)
{
	int oom = 0;

	for (int i = 0; i < l->n && !oom; i++) {
		const struct store_rule *r = &l->v[i];
		struct store_rule *w = store_rules_slot(&st->pend, r->id);

		if (w == NULL)
			return -1;
		*w = *r;		/* the numbers and the static names */
		w->id = store_dup(r->id, &oom);
		w->role = store_dup(r->role, &oom);
		w->ports = store_dup(r->ports, &oom);
		w->apps = store_dup(r->apps, &oom);
		w->peers = store_dup(r->peers, &oom);
		w->service = store_dup(r->service, &oom);
		w->note = store_dup(r->note, &oom);
		w->source = store_dup(r->source, &oom);
		w->features = store_dup(r->features, &oom);
		if (w->id == NULL) {
			store_rules_drop(&st->pend, w);
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
	for (int i = 0; i < st->pend.n; i++) {
		const struct store_rule *r = &st->pend.v[i];
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
	if (st->pend.n > 0 && store_rules_flush(st) == -1)
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
	if (st->pend.n > 0 && store_rules_flush(st) == -1)
		return -1;
	return 0;
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
