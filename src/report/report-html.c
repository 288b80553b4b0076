/*
 * report-html.c - the report across sensors' databases as one
 * self-contained HTML page (conformd --report --html FILE DB ...).
 *
 * The page is for people who look rather than read (an auditor, a change
 * board): a summary; the coverage heatmap, hosts grouped by pool and role
 * down the side, rules grouped by table and service across, every cell
 * coloured and marked by its merged state with its evidence, counts and
 * sensors in a title (hover) and a printed legend; the findings, one row
 * each, sortable and filterable; new findings over time, an SVG chart per
 * kind; the top talkers of unexpected traffic; a section per host.
 *
 * Everything is inline (CSS, SVG, a small script that only adds sorting
 * and filtering): nothing is fetched, and the page reads and prints
 * whole without the script.  Every string that comes from a database
 * (inventory and rule names, notes, evidence, sources, file names) goes
 * through html_text(); statements are constants with bound parameters.
 *
 * Merged here, from report.c's merge area (report-int.h):
 *   mc   per (host, rule): the lowest-ranked state any sensor reports
 *        (report_state_rank()), flows and bytes summed, first and last
 *        seen, the evidence of that state, every sensor's state;
 *   mf   per finding key: as the text report merges them, plus the
 *        inventory names of both addresses (from table hosts).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "conformd/log.h"
#include "conformd/utf8.h"
#include "report-int.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"unknown"
#endif

#define HTML_BUCKETS	60	/* bars of a findings-over-time chart */
#define HTML_TALKERS	20	/* rows of each top-talkers table */
#define HTML_HOST_FINDINGS 20	/* findings listed in a host's section */

/* One coverage state as the page shows it. */
struct html_state {
	const char	*name;		/* as the databases write it */
	const char	*mark;		/* in the cell, for print and colour blindness */
	const char	*colour;
	const char	*meaning;
};

/* In rank order (report_state_rank()); the last one is any other name. */
static const struct html_state html_states[] = {
	{ "seen", "+", "#3a9d4f", "a flow allowed by the rule succeeded: proven open" },
	{ "blocked", "B", "#d7301f", "attempts allowed by the rule failed, none succeeded (evidence on hover)" },
	{ "missing", "-", "#f39c12", "required, never seen although the host had traffic" },
	{ "optional-unseen", "o", "#a6c8e6", "an optional rule, not seen" },
	{ "unobserved", "?", "#b3b3b3", "no sensor saw any traffic of the host" },
	{ "not-applicable", ".", "#efefef", "a rule of a feature the site does not deploy" },
	{ NULL, "*", "#9b7fd1", "a state this version of conformd does not know" },
};
#define HTML_NSTATES	((int)(sizeof(html_states) / sizeof(html_states[0])))

/* The state shown for rank r (1-based; anything else: the unknown one). */
static const struct html_state *
html_state(int rank)
{
	if (rank >= 1 && rank < HTML_NSTATES)
		return &html_states[rank - 1];
	return &html_states[HTML_NSTATES - 1];
}

struct page {
	sqlite3		*mem;
	FILE		*out;
	int		 ndbs, nbad;
	int		 ncols;		/* heatmap columns (rules) */
	long long	 nfind;		/* distinct findings */
	int		 failed;	/* a statement failed (logged) */
};

/* --- writing ------------------------------------------------------------- */

/*
 * Text for HTML content or a double- or single-quoted attribute: the five
 * special characters as references, valid UTF-8 as it is, every other
 * byte (controls, invalid UTF-8) as a visible \xNN.  NULL writes nothing.
 */
static void
html_text(FILE *out, const unsigned char *s)
{
	size_t n;

	if (s == NULL)
		return;
	while (*s != '\0') {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (*s >= 0x20 && *s < 0x7f)
				fputc(*s, out);
			else if (*s >= 0x80 && (n = utf8_len(s)) > 0) {
				fwrite(s, 1, n, out);
				s += n;
				continue;
			} else
				fprintf(out, "\\x%02x", *s);
		}
		s++;
	}
}

static void
html_str(FILE *out, const char *s)
{
	html_text(out, (const unsigned char *)s);
}

/* Column c of s as text (NULL for SQL NULL). */
static const char *
col(sqlite3_stmt *s, int c)
{
	return (const char *)sqlite3_column_text(s, c);
}

/* Column c, "" for NULL. */
static const char *
cols(sqlite3_stmt *s, int c)
{
	const char *t = col(s, c);

	return t != NULL ? t : "";
}

static long long
coli(sqlite3_stmt *s, int c)
{
	return (long long)sqlite3_column_int64(s, c);
}

/* A capture time as "2026-11-23 23:19:57" (the database's ISO-8601 text
 * without its fraction), escaped; anything else as it is. */
static void
html_time(FILE *out, const char *t)
{
	if (t != NULL && strlen(t) >= 19 && t[10] == 'T') {
		char buf[20];

		memcpy(buf, t, 19);
		buf[10] = ' ';
		buf[19] = '\0';
		html_str(out, buf);
	} else
		html_str(out, t);
}

/* Microseconds since the epoch as "2026-11-23 23:19:57". */
static void
usec_text(long long usec, char *buf, size_t len)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

static int
prep(struct page *p, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(p->mem, sql, -1, s, NULL) != SQLITE_OK) {
		log_warnx("report: %s", sqlite3_errmsg(p->mem));
		p->failed = 1;
		*s = NULL;
		return -1;
	}
	return 0;
}

/* Step; a failure (not a row, not the end) is logged and remembered. */
static int
step(struct page *p, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("report: %s", sqlite3_errmsg(p->mem));
		p->failed = 1;
	}
	return rc == SQLITE_ROW;
}

static int
exec(struct page *p, const char *sql)
{
	if (sqlite3_exec(p->mem, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("report: %s", sqlite3_errmsg(p->mem));
		p->failed = 1;
		return -1;
	}
	return 0;
}

/* --- the merge for the page ------------------------------------------------ */

static const char sql_merge[] =
	/* a sensor is called by its name when no other has that name (runs of
	 * one machine default to its host name), else by its database */
	"CREATE TEMP TABLE slabel AS SELECT id, CASE WHEN name IS NOT NULL AND"
	" (SELECT count(*) FROM sensor t WHERE t.name = sensor.name) = 1 THEN name"
	" ELSE path END AS label FROM sensor;"
	"CREATE TEMP TABLE mrank AS SELECT host, rule_id, min(rank) AS r FROM cov"
	" GROUP BY host, rule_id;"
	"CREATE INDEX temp.mrank_key ON mrank (host, rule_id);"
	"CREATE TEMP TABLE mc AS SELECT c.host AS host, c.rule_id AS rule_id, m.r AS rank,"
	" max(CASE WHEN c.rank = m.r THEN c.state END) AS state,"
	" sum(c.flows) AS flows, sum(c.bytes) AS bytes, min(c.first_seen) AS first_seen,"
	" max(c.last_seen) AS last_seen,"
	" max(CASE WHEN c.rank = m.r THEN c.evidence END) AS evidence,"
	" group_concat(s.label || ': ' || coalesce(c.state, '?')"
	"   || coalesce(' (' || c.evidence || ')', ''), '; ') AS sensors"
	" FROM cov c JOIN mrank m ON m.host = c.host AND m.rule_id = c.rule_id"
	" JOIN slabel s ON s.id = c.sensor GROUP BY c.host, c.rule_id;"
	"CREATE INDEX temp.mc_host ON mc (host);"
	"CREATE TEMP TABLE haddr (ip TEXT PRIMARY KEY, host TEXT);"
	"CREATE TEMP TABLE colord (rule_id TEXT PRIMARY KEY, k INTEGER);";
/* after haddr is filled */
static const char sql_merge_findings[] =
	"CREATE TEMP TABLE mf AS SELECT kind, src_ip, dest_ip, dest_port, proto, host,"
	" rule_id, min(severity) AS sev, sum(count) AS n, min(first_seen) AS first_seen,"
	" max(last_seen) AS last_seen, min(first_usec) AS first_usec,"
	" max(last_usec) AS last_usec, min(signature) AS signature,"
	" min(evidence) AS evidence, max(last_evidence) AS last_evidence,"
	" group_concat(s.label || ' (' || f.count || ')', ', ') AS sensors,"
	" (SELECT a.host FROM haddr a WHERE a.ip = f.src_ip) AS src_name,"
	" (SELECT a.host FROM haddr a WHERE a.ip = f.dest_ip) AS dest_name"
	" FROM finding f JOIN slabel s ON s.id = f.sensor"
	" GROUP BY kind, src_ip, dest_ip, dest_port, proto, host, rule_id;"
	"CREATE INDEX temp.mf_host ON mf (host);"
	"CREATE INDEX temp.mf_src ON mf (src_name);"
	"CREATE INDEX temp.mf_dest ON mf (dest_name);";
static const char sql_addrs[] = "SELECT name, addresses FROM host ORDER BY rowid";
static const char sql_ins_addr[] = "INSERT OR IGNORE INTO haddr (ip, host) VALUES (?, ?)";

/* Every single address of the inventory (not networks) with its name. */
static int
fill_addresses(struct page *p)
{
	sqlite3_stmt *s = NULL, *ins = NULL;
	int rv = -1;

	if (prep(p, sql_addrs, &s) == -1 || prep(p, sql_ins_addr, &ins) == -1)
		goto out;
	while (step(p, s)) {
		const char *a = cols(s, 1);

		while (*a != '\0') {
			size_t n = strcspn(a, ",");

			if (n > 0 && memchr(a, '/', n) == NULL) {
				sqlite3_bind_text(ins, 1, a, (int)n, SQLITE_TRANSIENT);
				sqlite3_bind_value(ins, 2, sqlite3_column_value(s, 0));
				step(p, ins);
				sqlite3_reset(ins);
			}
			a += n;
			if (*a == ',')
				a++;
		}
	}
	rv = p->failed ? -1 : 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(ins);
	return rv;
}

/* --- the page -------------------------------------------------------------- */

static const char html_css[] =
	"body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 1.5em 2em;"
	"color:#1d1d1d;background:#fff}\n"
	"h1{font-size:1.6em;margin:.6em 0 .2em}h2{font-size:1.25em;margin:1.6em 0 .4em;"
	"border-bottom:2px solid #ddd;padding-bottom:.15em}h3{font-size:1.05em;margin:1.2em 0 .3em}\n"
	"nav a{margin-right:1em}.muted{color:#666}code,.mono{font-family:ui-monospace,"
	"'DejaVu Sans Mono',monospace;font-size:.92em}\n"
	"table{border-collapse:collapse}td,th{padding:.15em .5em;text-align:left;"
	"vertical-align:top}\n"
	"table.data{margin:.3em 0}table.data th{background:#f2f2f2;border-bottom:1px solid #ccc}"
	"table.data td{border-bottom:1px solid #eee}td.num,th.num{text-align:right}\n"
	".cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #ddd;border-radius:4px;"
	"padding:.4em .8em;min-width:8em}.card b{display:block;font-size:1.35em}\n"
	".sw{display:inline-block;width:1.3em;height:1.3em;border:1px solid #888;text-align:center;"
	"font:bold 11px/1.3em ui-monospace,monospace;vertical-align:middle;margin-right:.3em}\n"
	".heatwrap{overflow:auto;max-height:85vh;border:1px solid #ddd}\n"
	"table.heat{font:11px ui-monospace,'DejaVu Sans Mono',monospace}\n"
	"table.heat td{width:15px;min-width:15px;height:15px;padding:0;text-align:center;"
	"border:1px solid #fff;font-weight:bold;color:#222}\n"
	"table.heat th{padding:0 .3em;font-weight:normal;white-space:nowrap;background:#fff}\n"
	"table.heat thead th{position:sticky;top:0;z-index:1}\n"
	"table.heat tbody th{position:sticky;left:0;text-align:right;z-index:1}\n"
	"table.heat th.tg{background:#e9eef5;border:1px solid #fff;font-weight:bold;"
	"text-align:left}\n"
	"table.heat th.sv{background:#f5f5f5;border:1px solid #fff;max-width:1px;overflow:hidden;"
	"text-overflow:ellipsis;font-size:10px}\n"
	"table.heat th.rid{writing-mode:vertical-rl;transform:rotate(180deg);padding:.3em 0;"
	"height:4.2em;text-align:left}\n"
	"table.heat tr.grp th{text-align:left;background:#f0f0f0;font-weight:bold;left:0;"
	"position:sticky}\n"
	"table.heat td:empty{background:#fafafa}\n"
	"table.heat thead tr:nth-child(2) th{top:1.45em}table.heat thead tr:nth-child(3) th{top:2.9em}\n"
	"table.heat tbody tr:hover th{background:#ffeeb0}\n"
	".k-unexpected{color:#b3261e;font-weight:bold}.k-blocked{color:#7b1fa2;font-weight:bold}"
	".k-missing{color:#b06000;font-weight:bold}.k-scan{color:#5d4037;font-weight:bold}"
	".k-protocol_mismatch{color:#1f5fa8;"
	"font-weight:bold}\n"
	"#findings th.sortable{cursor:pointer}#findings th[data-dir=asc]::after{content:' \\25B2'}"
	"#findings th[data-dir=desc]::after{content:' \\25BC'}\n"
	"form.filter{margin:.4em 0;padding:.4em;background:#f6f6f6;border:1px solid #ddd}"
	"form.filter label{margin-right:1em}\n"
	".chart{margin:.2em 1em 1em 0;display:inline-block;vertical-align:top}"
	".chart svg{border:1px solid #ddd;background:#fcfcfc}\n"
	".bar{display:inline-block;height:.8em;background:#d7301f;vertical-align:middle;"
	"margin-right:.4em}\n"
	"section.host{border-top:1px solid #ddd;margin-top:.8em;break-inside:avoid;"
	"content-visibility:auto;contain-intrinsic-size:auto 10em}"
	"section.host h3{margin:.5em 0 .2em}\n"
	"ul.tight{margin:.2em 0;padding-left:1.3em}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"@media print{body{margin:0;font-size:11px}.noprint{display:none!important}"
	".heatwrap{overflow:visible;max-height:none;border:0}table.heat thead th,"
	"table.heat tbody th,table.heat tr.grp th{position:static}h2{break-after:avoid}"
	"tr{break-inside:avoid}}\n";

/* Sorting and filtering of the findings table; the page is complete
 * without it (the filter form stays hidden). */
static const char html_script[] =
	"(function(){\n"
	"var t=document.getElementById('findings'),f=document.getElementById('ffilter');\n"
	"if(!t||!f||!t.tBodies.length)return;f.hidden=false;\n"
	"var rows=[].slice.call(t.tBodies[0].rows),c=document.getElementById('fcount');\n"
	"function has(v,q){return !q||(v||'').toLowerCase().indexOf(q)>=0;}\n"
	"function apply(){var e=f.elements,k=e.kind.value,h=e.host.value.toLowerCase(),"
	"r=e.rule.value.toLowerCase(),s=e.sensor.value.toLowerCase(),n=0;\n"
	"rows.forEach(function(tr){var d=tr.dataset,ok=(!k||d.kind===k)&&has(d.host,h)&&"
	"has(d.rule,r)&&has(d.sensor,s);tr.hidden=!ok;if(ok)n++;});\n"
	"c.textContent=n+' of '+rows.length+' findings shown';}\n"
	"f.addEventListener('input',apply);f.addEventListener('change',apply);\n"
	"f.addEventListener('submit',function(ev){ev.preventDefault();});\n"
	"var hs=t.tHead.rows[0].cells;[].forEach.call(hs,function(th,i){th.classList.add('sortable');\n"
	"th.addEventListener('click',function(){var asc=th.dataset.dir!=='asc',num="
	"th.classList.contains('num');\n"
	"[].forEach.call(hs,function(x){delete x.dataset.dir;});th.dataset.dir=asc?'asc':'desc';\n"
	"function v(tr){var td=tr.cells[i];return td.dataset.v!==undefined?td.dataset.v:"
	"td.textContent;}\n"
	"rows.sort(function(a,b){var x=v(a),y=v(b),d=num?(+x)-(+y):x.localeCompare(y,undefined,"
	"{numeric:true});return asc?d:-d;});\n"
	"var tb=t.tBodies[0];rows.forEach(function(r){tb.appendChild(r);});});});\n"
	"apply();})();\n";

static void
page_head(struct page *p)
{
	char now[32];

	usec_text((long long)time(NULL) * 1000000, now, sizeof(now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"conformd " PACKAGE_VERSION "\">\n"
	    "<title>conformd report</title>\n<style>\n", p->out);
	fputs(html_css, p->out);
	/* a class per state for the heatmap's cells: s1 seen ... */
	for (int i = 0; i < HTML_NSTATES; i++)
		fprintf(p->out, "table.heat td.s%d{background:%s}\n", i + 1, html_states[i].colour);
	fputs("</style>\n</head>\n<body>\n<h1>conformd report</h1>\n<p class=\"muted\">", p->out);
	fprintf(p->out, "%d database%s, %d read; generated %s UTC by conformd %s.</p>\n",
	    p->ndbs, p->ndbs == 1 ? "" : "s", p->ndbs - p->nbad, now, PACKAGE_VERSION);
	fputs("<nav class=\"noprint\"><a href=\"#summary\">Summary</a><a href=\"#coverage\">"
	    "Coverage</a><a href=\"#findings-sec\">Findings</a><a href=\"#time\">Over time</a>"
	    "<a href=\"#talkers\">Top talkers</a><a href=\"#hosts\">Hosts</a></nav>\n", p->out);
}

/* The legend: every state with its colour, mark and meaning. */
static void
page_legend(struct page *p)
{
	fputs("<table class=\"data legend\"><tr><th>cell</th><th>state</th><th>meaning</th>"
	    "</tr>\n", p->out);
	for (int i = 0; i < HTML_NSTATES; i++) {
		const struct html_state *st = &html_states[i];

		fprintf(p->out, "<tr><td><span class=\"sw\" style=\"background:%s\">%s</span></td>"
		    "<td>%s</td><td>%s</td></tr>\n", st->colour, st->mark,
		    st->name != NULL ? st->name : "(other)", st->meaning);
	}
	fputs("<tr><td><span class=\"sw\" style=\"background:#fafafa\"></span></td><td>(empty)"
	    "</td><td>the rule does not apply to the host</td></tr>\n</table>\n", p->out);
}

static const char sql_sensors[] =
	"SELECT id, path, name, why, runs, first_start, last_end, packets, flows, lost,"
	" cov_run, (SELECT group_concat(text, ', ') FROM source WHERE sensor = sensor.id)"
	" FROM sensor ORDER BY id";
static const char sql_totals[] =
	"SELECT count(*), sum(runs), min(first_start), max(last_end), sum(packets),"
	" sum(flows), sum(lost) FROM sensor WHERE why IS NULL";
static const char sql_span[] =
	"SELECT min(t0), max(t1) FROM (SELECT min(first_seen) AS t0, max(last_seen) AS t1"
	" FROM mf UNION ALL SELECT min(first_seen), max(last_seen) FROM mc)";
static const char sql_kinds[] =
	"SELECT kind, count(*), sum(n), sum(sev = 1), sum(sev = 2), sum(sev = 3),"
	" sum(sev IS NULL OR sev NOT IN (1, 2, 3)) FROM mf GROUP BY kind ORDER BY kind";
static const char sql_states[] =
	"SELECT rank, coalesce(state, '?'), count(*) FROM mc GROUP BY rank, state"
	" ORDER BY rank, state";
static const char sql_roles[] = "SELECT roles, pool, pool_type, kind FROM host ORDER BY rowid";
static const char sql_features[] =
	"SELECT r.feature, sum(mc.rank != 6), count(*) FROM mc JOIN rule r ON r.id = mc.rule_id"
	" WHERE coalesce(r.feature, '-') != '-' GROUP BY r.feature ORDER BY r.feature";

/* A card: a big number and what it counts. */
static void
card(struct page *p, long long n, const char *what)
{
	fprintf(p->out, "<div class=\"card\"><b>%lld</b>%s</div>\n", n, what);
}

/* What the site deploys: roles with their number of inventory entries,
 * pools, and features when the rules name them. */
static void
summary_site(struct page *p)
{
	struct role_count {
		char		*name;
		int		 n;
	} *roles = NULL;
	sqlite3_stmt *s = NULL;
	int nroles = 0, npools = 0, nhosts = 0, any;

	if (prep(p, sql_roles, &s) == -1)
		return;
	while (step(p, s)) {
		const char *r = cols(s, 0);

		nhosts++;
		while (*r != '\0') {
			size_t n = strcspn(r, ",");
			int i;

			for (i = 0; i < nroles; i++)
				if (strlen(roles[i].name) == n && strncmp(roles[i].name, r, n) == 0)
					break;
			if (i == nroles) {
				struct role_count *nr = realloc(roles, (size_t)(nroles + 1) * sizeof(*nr));

				if (nr == NULL)
					break;
				roles = nr;
				if ((roles[i].name = strndup(r, n)) == NULL)
					break;
				roles[i].n = 0;
				nroles++;
			}
			roles[i].n++;
			r += n;
			if (*r == ',')
				r++;
		}
		if (strcmp(cols(s, 3), "vip") == 0)
			npools++;
	}
	sqlite3_finalize(s);
	fputs("<h3>What the site deploys</h3>\n", p->out);
	if (nhosts == 0)
		fputs("<p class=\"muted\">These databases hold no inventory (table hosts: written"
		    " by conformd since schema version 3); hosts are grouped by the roles of"
		    " their rules.</p>\n", p->out);
	else {
		fprintf(p->out, "<p>%d inventory entr%s, %d pool%s with a VIP. Roles (entries "
		    "holding each): ", nhosts, nhosts == 1 ? "y" : "ies", npools,
		    npools == 1 ? "" : "s");
		for (int i = 0; i < nroles; i++) {
			fputs(i ? ", " : "", p->out);
			fputs("<code>", p->out);
			html_str(p->out, roles[i].name);
			fprintf(p->out, "</code>&nbsp;%d", roles[i].n);
		}
		fputs(".</p>\n", p->out);
	}
	for (int i = 0; i < nroles; i++)
		free(roles[i].name);
	free(roles);
	if (prep(p, sql_features, &s) == -1)
		return;
	any = 0;
	while (step(p, s)) {
		fputs(any ? ", " : "<p>Features of the rules: ", p->out);
		fputs("<code>", p->out);
		html_str(p->out, cols(s, 0));
		fprintf(p->out, "</code> %s", coli(s, 1) > 0 ? "deployed" : "not deployed");
		any = 1;
	}
	if (any)
		fputs(".</p>\n", p->out);
	sqlite3_finalize(s);
}

static void
sec_summary(struct page *p)
{
	sqlite3_stmt *s = NULL;

	fputs("<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\">\n", p->out);
	if (prep(p, sql_totals, &s) == -1)
		return;
	if (step(p, s)) {
		card(p, coli(s, 0), "sensors read");
		card(p, coli(s, 1), "runs");
		card(p, coli(s, 4), "packets");
		card(p, coli(s, 5), "flows");
		card(p, p->nfind, "distinct findings");
		card(p, coli(s, 6), "records lost");
	}
	fputs("</div>\n<p>", p->out);
	if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
		fputs("Runs from ", p->out);
		html_time(p->out, col(s, 2));
		fputs(" to ", p->out);
		if (sqlite3_column_type(s, 3) != SQLITE_NULL)
			html_time(p->out, col(s, 3));
		else
			fputs("(not ended)", p->out);
		fputs(" UTC (wall clock). ", p->out);
	}
	sqlite3_finalize(s);
	if (prep(p, sql_span, &s) == -1)
		return;
	if (step(p, s) && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		fputs("Traffic from ", p->out);
		html_time(p->out, col(s, 0));
		fputs(" to ", p->out);
		html_time(p->out, col(s, 1));
		fputs(" UTC (capture time).", p->out);
	}
	sqlite3_finalize(s);
	fputs("</p>\n", p->out);

	/* the sensors, and the databases not read */
	fputs("<h3>Sensors</h3>\n<table class=\"data\"><thead><tr><th>database</th><th>sensor</th>"
	    "<th class=\"num\">runs</th><th>first started</th><th>last ended</th><th>sources</th>"
	    "<th class=\"num\">packets</th><th class=\"num\">flows</th><th class=\"num\">records "
	    "lost</th><th>coverage</th></tr></thead>\n<tbody>\n", p->out);
	if (prep(p, sql_sensors, &s) == -1)
		return;
	while (step(p, s)) {
		fputs("<tr><td class=\"mono\">", p->out);
		html_str(p->out, cols(s, 1));
		fputs("</td>", p->out);
		if (sqlite3_column_type(s, 3) != SQLITE_NULL) {
			fputs("<td colspan=\"9\"><b>not read:</b> ", p->out);
			html_str(p->out, cols(s, 3));
			fputs("</td></tr>\n", p->out);
			continue;
		}
		fputs("<td>", p->out);
		html_str(p->out, sqlite3_column_type(s, 2) != SQLITE_NULL ? col(s, 2) : "-");
		fprintf(p->out, "</td><td class=\"num\">%lld</td><td>", coli(s, 4));
		html_time(p->out, col(s, 5));
		fputs("</td><td>", p->out);
		if (sqlite3_column_type(s, 6) != SQLITE_NULL)
			html_time(p->out, col(s, 6));
		else if (coli(s, 4) > 0)
			fputs("not ended", p->out);
		fputs("</td><td class=\"mono\">", p->out);
		html_str(p->out, col(s, 11));
		fprintf(p->out, "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
		    "<td class=\"num\">%lld</td><td>", coli(s, 7), coli(s, 8), coli(s, 9));
		if (sqlite3_column_type(s, 10) != SQLITE_NULL)
			fprintf(p->out, "run %lld", coli(s, 10));
		else
			fputs("none", p->out);
		fputs("</td></tr>\n", p->out);
	}
	sqlite3_finalize(s);
	fputs("</tbody></table>\n", p->out);

	/* findings by kind and severity */
	fputs("<h3>Findings by kind and severity</h3>\n<table class=\"data\"><thead><tr>"
	    "<th>kind</th><th class=\"num\">distinct</th><th class=\"num\">occurrences</th>"
	    "<th class=\"num\">high (1)</th><th class=\"num\">medium (2)</th>"
	    "<th class=\"num\">low (3)</th><th class=\"num\">other</th></tr></thead><tbody>\n",
	    p->out);
	if (prep(p, sql_kinds, &s) == -1)
		return;
	while (step(p, s)) {
		fputs("<tr><td class=\"k-", p->out);
		html_str(p->out, cols(s, 0));
		fputs("\">", p->out);
		html_str(p->out, cols(s, 0));
		fputs("</td>", p->out);
		for (int c = 1; c <= 6; c++)
			fprintf(p->out, "<td class=\"num\">%lld</td>", coli(s, c));
		fputs("</tr>\n", p->out);
	}
	sqlite3_finalize(s);
	fputs("</tbody></table>\n", p->out);

	/* coverage pairs by state: the legend's colours */
	fputs("<h3>Coverage (host, rule) pairs by state</h3>\n<p>", p->out);
	if (prep(p, sql_states, &s) == -1)
		return;
	{
		int any = 0;

		while (step(p, s)) {
			const struct html_state *st = html_state((int)coli(s, 0));

			fprintf(p->out, "%s<span class=\"sw\" style=\"background:%s\">%s</span>",
			    any ? " &nbsp; " : "", st->colour, st->mark);
			html_str(p->out, cols(s, 1));
			fprintf(p->out, " %lld", coli(s, 2));
			any = 1;
		}
		if (!any)
			fputs("No coverage recorded.", p->out);
	}
	sqlite3_finalize(s);
	fputs("</p>\n", p->out);
	summary_site(p);
}

/* --- the heatmap ----------------------------------------------------------- */

/*
 * Columns: rules grouped by the published table they come from, which the
 * rule id names by the packs' convention (T1R3: table 1 of the product's
 * page, SQL1R1: table 1 of SQL Server's, E2R1: table 2 of the Edge's), so
 * that one page's table 1 is not mixed with another's; the site's own rules
 * (table 0 or none) last, under "site".  Column 14: that group.
 */
#define SQL_GROUP \
	"CASE WHEN coalesce(r.table_no, 0) = 0 THEN 'site'" \
	" ELSE rtrim(rtrim(m.rule_id, '0123456789'), 'R') END"
static const char sql_cols[] =
	"SELECT m.rule_id, r.table_no, r.row_no, r.role, r.dir, r.proto, r.ports, r.apps,"
	" r.peers, r.optional, r.service, r.note, r.source, r.feature, " SQL_GROUP " AS grp"
	" FROM (SELECT DISTINCT rule_id FROM mc) m LEFT JOIN rule r ON r.id = m.rule_id"
	" ORDER BY coalesce(r.table_no, 0) = 0, grp COLLATE natsort,"
	" (SELECT min(r2.row_no) FROM rule r2 WHERE r2.table_no IS r.table_no"
	"  AND r2.service IS r.service AND rtrim(rtrim(r2.id, '0123456789'), 'R') IS grp),"
	" r.row_no, m.rule_id COLLATE natsort";
static const char sql_ins_colord[] = "INSERT INTO colord (rule_id, k) VALUES (?, ?)";
/* hosts in display order: groups (pool, else first role) in the order of
 * their first member in the inventory, hosts in inventory order */
static const char sql_hosts[] =
	"WITH names AS (SELECT DISTINCT host AS name FROM mc UNION SELECT name FROM host),"
	" hs AS (SELECT n.name AS name, hi.kind AS kind, hi.pool AS pool,"
	"  hi.pool_type AS pool_type, hi.roles AS roles, hi.addresses AS addresses,"
	"  coalesce(hi.rowid, 1000000000) AS ord,"
	"  CASE WHEN hi.pool IS NOT NULL THEN 'pool ' || hi.pool"
	"    || coalesce(' (' || hi.pool_type || ')', '')"
	"   WHEN coalesce(hi.roles, '') != '' THEN 'role ' || CASE WHEN instr(hi.roles, ',') > 0"
	"    THEN substr(hi.roles, 1, instr(hi.roles, ',') - 1) ELSE hi.roles END"
	"   ELSE 'role ' || coalesce((SELECT r.role FROM mc JOIN rule r ON r.id = mc.rule_id"
	"    WHERE mc.host = n.name GROUP BY r.role ORDER BY count(*) DESC, r.role LIMIT 1),"
	"    '(unknown)') END AS grp,"
	"  EXISTS (SELECT 1 FROM mc WHERE mc.host = n.name) AS incov"
	"  FROM names n LEFT JOIN host hi ON hi.name = n.name),"
	" hg AS (SELECT *, min(ord) OVER (PARTITION BY grp) AS gord FROM hs)"
	" SELECT name, kind, pool, pool_type, roles, addresses, grp, incov FROM hg"
	" ORDER BY gord, grp, ord, name COLLATE natsort";
static const char sql_cells[] =
	"SELECT o.k, mc.rank, mc.state, mc.flows, mc.bytes, mc.first_seen, mc.last_seen,"
	" mc.evidence, mc.sensors, mc.rule_id FROM mc JOIN colord o ON o.rule_id = mc.rule_id"
	" WHERE mc.host = ? ORDER BY o.k";

/* A rule's description for titles and the rules table. */
static void
rule_desc(FILE *out, sqlite3_stmt *s)
{
	if (sqlite3_column_type(s, 3) == SQLITE_NULL) {
		fputs("(not in the rules table of any database)", out);
		return;
	}
	if (sqlite3_column_type(s, 1) != SQLITE_NULL)
		fprintf(out, "table %lld row %lld: ", coli(s, 1), coli(s, 2));
	html_str(out, cols(s, 3));
	fputc(' ', out);
	html_str(out, cols(s, 4));
	fputc(' ', out);
	html_str(out, cols(s, 5));
	fputc(' ', out);
	html_str(out, cols(s, 6));
	if (col(s, 7) != NULL && strcmp(col(s, 7), "-") != 0) {
		fputs(" (", out);
		html_str(out, col(s, 7));
		fputc(')', out);
	}
	if (col(s, 8) != NULL && strcmp(col(s, 8), "-") != 0) {
		fputs(" peer ", out);
		html_str(out, col(s, 8));
	}
	if (coli(s, 9))
		fputs(", optional", out);
}

/* Group headers: runs of equal text in column c of the rules, in order. */
struct colgroup {
	char	*label;
	int	 span;
};

static void
groups_free(struct colgroup *g, int n)
{
	for (int i = 0; i < n; i++)
		free(g[i].label);
	free(g);
}

/* Append a column to the groups: a new group when the label changes. */
static int
groups_add(struct colgroup **g, int *n, const char *label)
{
	struct colgroup *ng;

	if (*n > 0 && strcmp((*g)[*n - 1].label, label) == 0) {
		(*g)[*n - 1].span++;
		return 0;
	}
	if ((ng = realloc(*g, (size_t)(*n + 1) * sizeof(*ng))) == NULL)
		return -1;
	*g = ng;
	if ((ng[*n].label = strdup(label)) == NULL)
		return -1;
	ng[*n].span = 1;
	(*n)++;
	return 0;
}

/* The three header rows (tables, services, rule ids) and the rules table
 * for print; fills colord.  Returns the number of columns, -1 on error. */
static int
heat_columns(struct page *p, FILE *rules)
{
	sqlite3_stmt *s = NULL, *ins = NULL;
	struct colgroup *tg = NULL, *sg = NULL;
	int ntg = 0, nsg = 0, k = 0, rv = -1;
	char *ids = NULL;
	size_t idlen = 0;
	FILE *idf = NULL;

	if (prep(p, sql_cols, &s) == -1 || prep(p, sql_ins_colord, &ins) == -1)
		goto out;
	if ((idf = open_memstream(&ids, &idlen)) == NULL) {
		log_warn("report");
		goto out;
	}
	fputs("<table class=\"data\" id=\"rules\"><thead><tr><th>rule</th><th>table</th>"
	    "<th>row</th><th>role</th><th>dir</th><th>proto</th><th>ports</th><th>service</th>"
	    "<th>note</th><th>source</th></tr></thead><tbody>\n", rules);
	while (step(p, s)) {
		char tlabel[64], slabel[1024];

		if (coli(s, 1) > 0)
			snprintf(tlabel, sizeof(tlabel), "%s (table %lld)", cols(s, 14), coli(s, 1));
		else
			snprintf(tlabel, sizeof(tlabel), "site rules");
		snprintf(slabel, sizeof(slabel), "%s\t%s", tlabel, cols(s, 10));
		if (groups_add(&tg, &ntg, tlabel) == -1 || groups_add(&sg, &nsg, slabel) == -1) {
			log_warnx("report: out of memory");
			goto out;
		}
		sqlite3_bind_value(ins, 1, sqlite3_column_value(s, 0));
		sqlite3_bind_int(ins, 2, k++);
		step(p, ins);
		sqlite3_reset(ins);

		fputs("<th class=\"rid\" title=\"", idf);
		html_str(idf, cols(s, 0));
		fputs(": ", idf);
		rule_desc(idf, s);
		if (col(s, 10) != NULL) {
			fputs("; ", idf);
			html_str(idf, col(s, 10));
		}
		if (col(s, 12) != NULL) {
			fputs("; source: ", idf);
			html_str(idf, col(s, 12));
		}
		fputs("\">", idf);
		html_str(idf, cols(s, 0));
		fputs("</th>", idf);

		fputs("<tr><td class=\"mono\">", rules);
		html_str(rules, cols(s, 0));
		fputs("</td><td>", rules);
		html_str(rules, col(s, 1));
		fputs("</td><td>", rules);
		html_str(rules, col(s, 2));
		for (int c = 3; c <= 6; c++) {
			fputs("</td><td>", rules);
			html_str(rules, col(s, c));
		}
		if (coli(s, 9))
			fputs(" (optional)", rules);
		fputs("</td><td>", rules);
		html_str(rules, col(s, 10));
		fputs("</td><td>", rules);
		html_str(rules, col(s, 11));
		fputs("</td><td>", rules);
		html_str(rules, col(s, 12));
		fputs("</td></tr>\n", rules);
	}
	fputs("</tbody></table>\n", rules);
	if (fclose(idf) != 0) {
		idf = NULL;
		log_warn("report");
		goto out;
	}
	idf = NULL;
	if (p->failed)
		goto out;
	fputs("<thead><tr><th></th>", p->out);
	for (int i = 0; i < ntg; i++) {
		fprintf(p->out, "<th class=\"tg\" colspan=\"%d\">", tg[i].span);
		html_str(p->out, tg[i].label);
		fputs("</th>", p->out);
	}
	fputs("</tr>\n<tr><th></th>", p->out);
	for (int i = 0; i < nsg; i++) {
		const char *sv = strchr(sg[i].label, '\t') + 1;

		fprintf(p->out, "<th class=\"sv\" colspan=\"%d\" title=\"", sg[i].span);
		html_str(p->out, sv);
		fputs("\">", p->out);
		html_str(p->out, sv);
		fputs("</th>", p->out);
	}
	fputs("</tr>\n<tr><th>host</th>", p->out);
	fwrite(ids, 1, idlen, p->out);
	fputs("</tr></thead>\n", p->out);
	rv = k;
out:
	if (idf != NULL)
		fclose(idf);
	free(ids);
	groups_free(tg, ntg);
	groups_free(sg, nsg);
	sqlite3_finalize(s);
	sqlite3_finalize(ins);
	return rv;
}

/* One cell's title: what it is and why. */
static void
cell_title(struct page *p, const char *host, const char *rule, sqlite3_stmt *c)
{
	FILE *out = p->out;

	html_str(out, host);
	fputs(" \xc2\xb7 ", out);
	html_str(out, rule);
	fputs(": ", out);
	html_str(out, cols(c, 2));
	if (coli(c, 3) > 0 || coli(c, 4) > 0)
		fprintf(out, "; %lld flow%s, %lld bytes", coli(c, 3), coli(c, 3) == 1 ? "" : "s",
		    coli(c, 4));
	if (col(c, 5) != NULL) {
		fputs("; ", out);
		html_time(out, col(c, 5));
		if (col(c, 6) != NULL && strcmp(col(c, 5), col(c, 6)) != 0) {
			fputs(" to ", out);
			html_time(out, col(c, 6));
		}
	}
	if (col(c, 7) != NULL) {
		fputs("; evidence: ", out);
		html_str(out, col(c, 7));
	}
	if (p->ndbs - p->nbad > 1) {
		fputs("; sensors: ", out);
		html_str(out, col(c, 8));
	}
}

static void
sec_heatmap(struct page *p)
{
	sqlite3_stmt *h = NULL, *c = NULL;
	char *rules = NULL, *grp = NULL;
	size_t rlen = 0;
	FILE *rf;
	int nrows = 0, hi = 0;

	fputs("<h2 id=\"coverage\">Coverage</h2>\n<p>Each inventory host (down, grouped by pool "
	    "and role) against each rule that applies to it (across, grouped by table and "
	    "service); a cell is the state merged over the sensors: seen if any sensor proved "
	    "the rule open, blocked if one saw it fail and none succeed, missing only if every "
	    "sensor that observed the host missed it.  Hover a cell for its flows, bytes, "
	    "times, evidence and sensors.</p>\n", p->out);
	page_legend(p);
	if ((rf = open_memstream(&rules, &rlen)) == NULL) {
		log_warn("report");
		p->failed = 1;
		return;
	}
	fputs("<div class=\"heatwrap\"><table class=\"heat\" id=\"heatmap\">\n", p->out);
	p->ncols = heat_columns(p, rf);
	if (fclose(rf) != 0)
		p->failed = 1;
	if (p->ncols < 0 || prep(p, sql_hosts, &h) == -1 || prep(p, sql_cells, &c) == -1)
		goto out;
	fputs("<tbody>\n", p->out);
	while (step(p, h)) {
		const char *name = cols(h, 0);
		int k = 0, more;

		hi++;
		if (!coli(h, 7))
			continue;	/* in the inventory, no rule applies (a peer) */
		if (grp == NULL || strcmp(grp, cols(h, 6)) != 0) {
			free(grp);
			grp = strdup(cols(h, 6));
			fprintf(p->out, "<tr class=\"grp\"><th colspan=\"%d\">", p->ncols + 1);
			html_str(p->out, cols(h, 6));
			fputs("</th></tr>\n", p->out);
		}
		fprintf(p->out, "<tr><th><a href=\"#h-%d\" title=\"", hi);
		html_str(p->out, name);
		if (col(h, 4) != NULL) {
			fputs(": ", p->out);
			html_str(p->out, col(h, 4));
		}
		if (col(h, 5) != NULL) {
			fputs(" \xc2\xb7 ", p->out);
			html_str(p->out, col(h, 5));
		}
		fputs("\">", p->out);
		html_str(p->out, name);
		fputs("</a></th>", p->out);
		sqlite3_bind_text(c, 1, name, -1, SQLITE_TRANSIENT);
		more = step(p, c);
		for (k = 0; k < p->ncols; k++) {
			const struct html_state *st;

			if (!more || coli(c, 0) != k) {
				fputs("<td></td>", p->out);
				continue;
			}
			st = html_state((int)coli(c, 1));
			fprintf(p->out, "<td class=\"s%d\" data-host=\"", (int)(st - html_states) + 1);
			html_str(p->out, name);
			fputs("\" data-rule=\"", p->out);
			html_str(p->out, cols(c, 9));
			fputs("\" data-state=\"", p->out);
			html_str(p->out, cols(c, 2));
			fputs("\" title=\"", p->out);
			cell_title(p, name, cols(c, 9), c);
			fprintf(p->out, "\">%s</td>", st->mark);
			more = step(p, c);
		}
		sqlite3_reset(c);
		fputs("</tr>\n", p->out);
		nrows++;
	}
	fputs("</tbody>\n", p->out);
out:
	fputs("</table></div>\n", p->out);
	if (nrows == 0)
		fputs("<p>No coverage recorded: no database holds coverage rows (a run of "
		    "conformd writes them when it ends, or every coverage window).</p>\n", p->out);
	fputs("<h3>Rules</h3>\n<p>The columns of the heatmap, with the row of the "
	    "specification each cites.</p>\n", p->out);
	if (rules != NULL)
		fwrite(rules, 1, rlen, p->out);
	free(rules);
	free(grp);
	sqlite3_finalize(h);
	sqlite3_finalize(c);
}

/* --- findings ----------------------------------------------------------------- */

static const char sql_findings[] =
	"SELECT kind, sev, src_ip, dest_ip, dest_port, proto, host, rule_id, n, first_seen,"
	" last_seen, sensors, evidence, last_evidence, signature, src_name, dest_name"
	" FROM mf ORDER BY sev IS NULL, sev, n DESC, kind, src_ip, dest_ip, dest_port, proto,"
	" host COLLATE natsort, rule_id COLLATE natsort";
static const char sql_kind_list[] = "SELECT DISTINCT kind FROM mf ORDER BY kind";
static const char sql_count_findings[] = "SELECT count(*) FROM mf";

/* "fe1 (198.18.1.11)", or the address alone when it is no inventory host's. */
static void
html_endpoint(FILE *out, const char *name, const char *ip)
{
	if (name != NULL) {
		html_str(out, name);
		if (ip != NULL && ip[0] != '\0') {
			fputs(" <span class=\"muted\">", out);
			html_str(out, ip);
			fputs("</span>", out);
		}
	} else
		html_str(out, ip);
}

/* Where a finding is: "a -> b" for a flow, the host for one without. */
static void
finding_where(FILE *out, sqlite3_stmt *s)
{
	/* a finding without a flow names its host, and its address as the
	 * source (an `out` rule) or the destination */
	if (cols(s, 6)[0] != '\0') {
		const char *ip = cols(s, 2)[0] != '\0' ? cols(s, 2) : cols(s, 3);

		fputs("host ", out);
		html_str(out, cols(s, 6));
		if (ip[0] != '\0') {
			fputs(" <span class=\"muted\">", out);
			html_str(out, ip);
			fputs("</span>", out);
		}
	} else {
		html_endpoint(out, col(s, 15), col(s, 2));
		fputs(" &rarr; ", out);
		html_endpoint(out, col(s, 16), col(s, 3));
	}
}

static void
sec_findings(struct page *p)
{
	sqlite3_stmt *s = NULL;
	long long n = 0;

	fputs("<h2 id=\"findings-sec\">Findings</h2>\n", p->out);
	if (prep(p, sql_count_findings, &s) == -1)
		return;
	if (step(p, s))
		n = coli(s, 0);
	sqlite3_finalize(s);
	fprintf(p->out, "<p>%lld distinct finding%s, merged across sensors (counts summed, the "
	    "earliest first and latest last seen), by severity then count.</p>\n", n,
	    n == 1 ? "" : "s");
	if (n == 0) {
		fputs("<p>None.</p>\n", p->out);
		return;
	}
	fputs("<form class=\"filter noprint\" id=\"ffilter\" hidden><label>kind <select "
	    "name=\"kind\"><option value=\"\">any</option>", p->out);
	if (prep(p, sql_kind_list, &s) == -1)
		return;
	while (step(p, s)) {
		fputs("<option>", p->out);
		html_str(p->out, cols(s, 0));
		fputs("</option>", p->out);
	}
	sqlite3_finalize(s);
	fputs("</select></label><label>host <input name=\"host\" size=\"14\"></label>"
	    "<label>rule <input name=\"rule\" size=\"8\"></label><label>sensor <input "
	    "name=\"sensor\" size=\"14\"></label><span id=\"fcount\" class=\"muted\"></span>"
	    "</form>\n", p->out);
	fputs("<table class=\"data\" id=\"findings\"><thead><tr><th>kind</th><th class=\"num\">"
	    "sev</th><th>where</th><th>port</th><th>rule</th><th class=\"num\">count</th>"
	    "<th>first seen</th><th>last seen</th><th>sensors</th><th>evidence</th></tr>"
	    "</thead>\n<tbody>\n", p->out);
	if (prep(p, sql_findings, &s) == -1)
		return;
	while (step(p, s)) {
		const char *kind = cols(s, 0);

		fputs("<tr data-kind=\"", p->out);
		html_str(p->out, kind);
		/* the host filter matches names and addresses of both ends */
		fputs("\" data-host=\"", p->out);
		html_str(p->out, cols(s, 6));
		fputc(' ', p->out);
		html_str(p->out, cols(s, 15));
		fputc(' ', p->out);
		html_str(p->out, cols(s, 16));
		fputc(' ', p->out);
		html_str(p->out, cols(s, 2));
		fputc(' ', p->out);
		html_str(p->out, cols(s, 3));
		fputs("\" data-rule=\"", p->out);
		html_str(p->out, cols(s, 7));
		fputs("\" data-sensor=\"", p->out);
		html_str(p->out, cols(s, 11));
		fputs("\"><td class=\"k-", p->out);
		html_str(p->out, kind);
		fputs("\">", p->out);
		html_str(p->out, kind);
		fputs("</td><td class=\"num\">", p->out);
		html_str(p->out, col(s, 1));
		fputs("</td><td>", p->out);
		finding_where(p->out, s);
		fputs("</td><td>", p->out);
		if (coli(s, 4) != 0 || cols(s, 5)[0] != '\0')
			fprintf(p->out, "%lld/", coli(s, 4));
		html_str(p->out, cols(s, 5));
		fputs("</td><td class=\"mono\">", p->out);
		html_str(p->out, cols(s, 7));
		fprintf(p->out, "</td><td class=\"num\">%lld</td><td>", coli(s, 8));
		html_time(p->out, col(s, 9));
		fputs("</td><td>", p->out);
		html_time(p->out, col(s, 10));
		fputs("</td><td class=\"mono\">", p->out);
		html_str(p->out, cols(s, 11));
		fputs("</td><td>", p->out);
		if (col(s, 12) != NULL) {
			html_str(p->out, col(s, 12));
			if (col(s, 13) != NULL && strcmp(col(s, 12), col(s, 13)) != 0) {
				fputs("; latest: ", p->out);
				html_str(p->out, col(s, 13));
			}
		} else
			html_str(p->out, col(s, 14));
		fputs("</td></tr>\n", p->out);
	}
	sqlite3_finalize(s);
	fputs("</tbody></table>\n", p->out);
}

/* --- findings over time ---------------------------------------------------- */

static const char sql_trange[] =
	"SELECT min(first_usec), max(first_usec) FROM mf WHERE first_usec IS NOT NULL";
static const char sql_tbuckets[] =
	"SELECT kind, min(?3 - 1, (first_usec - ?1) * ?3 / (?2 - ?1 + 1)) AS b, count(*), sum(n)"
	" FROM mf WHERE first_usec IS NOT NULL GROUP BY kind, b ORDER BY kind, b";

/* One chart: bars of new findings per bucket. */
static void
chart(struct page *p, const char *kind, const long long *nb, const long long *occ,
    long long lo, long long hi)
{
	const int w = 640, h = 150, x0 = 44, y0 = 12, pw = 580, ph = 100;
	long long max = 0, total = 0;
	char t0[32], t1[32], tb[32], te[32];
	double bw = (double)pw / HTML_BUCKETS;

	for (int i = 0; i < HTML_BUCKETS; i++) {
		if (nb[i] > max)
			max = nb[i];
		total += nb[i];
	}
	usec_text(lo, t0, sizeof(t0));
	usec_text(hi, t1, sizeof(t1));
	fputs("<div class=\"chart\"><h3 class=\"k-", p->out);
	html_str(p->out, kind);
	fputs("\">", p->out);
	html_str(p->out, kind);
	fprintf(p->out, " <span class=\"muted\">(%lld new)</span></h3>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
	    " role=\"img\" aria-label=\"", total, w, h, w, h);
	html_str(p->out, kind);
	fputs(" findings over time\" font-family=\"sans-serif\" font-size=\"11\">\n", p->out);
	fprintf(p->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
	    x0, y0 + ph, x0 + pw, y0 + ph, x0, y0, x0, y0 + ph);
	fprintf(p->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>"
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
	    x0 - 4, y0 + 9, max, x0 - 4, y0 + ph);
	for (int i = 0; i < HTML_BUCKETS; i++) {
		double bh;

		if (nb[i] == 0)
			continue;
		bh = max > 0 ? (double)ph * (double)nb[i] / (double)max : 0;
		if (bh < 1)
			bh = 1;
		usec_text(lo + (hi - lo + 1) * i / HTML_BUCKETS, tb, sizeof(tb));
		usec_text(lo + (hi - lo + 1) * (i + 1) / HTML_BUCKETS, te, sizeof(te));
		fprintf(p->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"#c0392b\"><title>%s to %s: %lld new, %lld occurrences</title></rect>\n",
		    x0 + bw * i + 0.5, y0 + ph - bh, bw > 2 ? bw - 1 : bw, bh, tb, te, nb[i], occ[i]);
	}
	fprintf(p->out, "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">%s UTC</text>\n</svg></div>\n",
	    x0, y0 + ph + 16, t0, x0 + pw, y0 + ph + 16, t1);
}

static void
sec_timeline(struct page *p)
{
	sqlite3_stmt *s = NULL;
	long long lo = 0, hi = 0, nb[HTML_BUCKETS], occ[HTML_BUCKETS];
	char *kind = NULL;
	int any = 0;

	fputs("<h2 id=\"time\">Findings over time</h2>\n<p>Distinct findings by the time they "
	    "were first seen (capture time), one chart per kind; a bar's title gives its "
	    "interval and the occurrences of those findings.</p>\n", p->out);
	if (prep(p, sql_trange, &s) == -1)
		return;
	if (step(p, s) && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		lo = coli(s, 0);
		hi = coli(s, 1);
		any = 1;
	}
	sqlite3_finalize(s);
	if (!any) {
		fputs("<p>No findings with a time.</p>\n", p->out);
		return;
	}
	if (prep(p, sql_tbuckets, &s) == -1)
		return;
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	sqlite3_bind_int(s, 3, HTML_BUCKETS);
	for (;;) {
		int row = step(p, s);
		long long b;

		if (kind != NULL && (!row || strcmp(kind, cols(s, 0)) != 0)) {
			chart(p, kind, nb, occ, lo, hi);
			free(kind);
			kind = NULL;
		}
		if (!row)
			break;
		if (kind == NULL) {
			if ((kind = strdup(cols(s, 0))) == NULL)
				break;
			memset(nb, 0, sizeof(nb));
			memset(occ, 0, sizeof(occ));
		}
		b = coli(s, 1);
		if (b >= 0 && b < HTML_BUCKETS) {
			nb[b] += coli(s, 2);
			occ[b] += coli(s, 3);
		}
	}
	free(kind);
	sqlite3_finalize(s);
}

/* --- top talkers ------------------------------------------------------------ */

static const char sql_top_src[] =
	"SELECT src_ip, max(src_host), sum(flows) AS f, sum(bytes) AS b,"
	" count(DISTINCT dest_ip || ' ' || dest_port || '/' || proto),"
	" (SELECT sum(flows) FROM talk) FROM talk GROUP BY src_ip"
	" ORDER BY f DESC, b DESC, src_ip LIMIT ?";
static const char sql_top_dst[] =
	"SELECT dest_ip, max(dest_host), dest_port, proto, sum(flows) AS f, sum(bytes) AS b,"
	" count(DISTINCT src_ip), (SELECT sum(flows) FROM talk) FROM talk"
	" GROUP BY dest_ip, dest_port, proto ORDER BY f DESC, b DESC, dest_ip LIMIT ?";

/* A bar as wide as n's share of max (CSS, prints with the page). */
static void
bar(FILE *out, long long n, long long max)
{
	fprintf(out, "<span class=\"bar\" style=\"width:%.1fem\"></span>",
	    max > 0 ? 8.0 * (double)n / (double)max : 0.0);
}

static void
sec_talkers(struct page *p)
{
	sqlite3_stmt *s = NULL;
	long long max = -1;

	fputs("<h2 id=\"talkers\">Top talkers of unexpected traffic</h2>\n<p>Flows whose verdict "
	    "is unexpected, from the databases' flows tables (summed over sensors: a flow two "
	    "sensors saw counts twice).</p>\n<h3>Sources</h3>\n", p->out);
	if (prep(p, sql_top_src, &s) == -1)
		return;
	sqlite3_bind_int(s, 1, HTML_TALKERS);
	while (step(p, s)) {
		if (max < 0) {
			max = coli(s, 2);
			fputs("<table class=\"data\"><thead><tr><th>source</th><th class=\"num\">"
			    "flows</th><th class=\"num\">bytes</th><th class=\"num\">services "
			    "reached</th></tr></thead><tbody>\n", p->out);
		}
		fputs("<tr><td>", p->out);
		html_endpoint(p->out, col(s, 1), col(s, 0));
		fputs("</td><td class=\"num\">", p->out);
		bar(p->out, coli(s, 2), max);
		fprintf(p->out, "%lld</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
		    "</tr>\n", coli(s, 2), coli(s, 3), coli(s, 4));
	}
	sqlite3_finalize(s);
	if (max < 0) {
		fputs("<p>No unexpected flows.</p>\n", p->out);
		return;
	}
	fputs("</tbody></table>\n<h3>Destinations</h3>\n<table class=\"data\"><thead><tr>"
	    "<th>destination</th><th>port</th><th class=\"num\">flows</th><th class=\"num\">"
	    "bytes</th><th class=\"num\">sources</th></tr></thead><tbody>\n", p->out);
	if (prep(p, sql_top_dst, &s) == -1)
		return;
	sqlite3_bind_int(s, 1, HTML_TALKERS);
	max = -1;
	while (step(p, s)) {
		if (max < 0)
			max = coli(s, 4);
		fputs("<tr><td>", p->out);
		html_endpoint(p->out, col(s, 1), col(s, 0));
		fprintf(p->out, "</td><td>%lld/", coli(s, 2));
		html_str(p->out, cols(s, 3));
		fputs("</td><td class=\"num\">", p->out);
		bar(p->out, coli(s, 4), max);
		fprintf(p->out, "%lld</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
		    "</tr>\n", coli(s, 4), coli(s, 5), coli(s, 6));
	}
	sqlite3_finalize(s);
	fputs("</tbody></table>\n", p->out);
}

/* --- a section per host ------------------------------------------------------- */

static const char sql_host_cov[] =
	"SELECT rank, coalesce(state, '?'), rule_id, flows, evidence FROM mc WHERE host = ?"
	" ORDER BY rank, state, rule_id COLLATE natsort";
static const char sql_host_findings[] =
	"SELECT kind, sev, src_ip, dest_ip, dest_port, proto, host, rule_id, n, first_seen,"
	" last_seen, sensors, evidence, last_evidence, signature, src_name, dest_name,"
	" count(*) OVER () FROM mf WHERE host = ?1 OR src_name = ?1 OR dest_name = ?1"
	" ORDER BY sev IS NULL, sev, n DESC, kind, rule_id COLLATE natsort LIMIT ?2";

/* The host's rules by state: "seen (3): T1R3 (2 flows), ..." */
static void
host_coverage(struct page *p, sqlite3_stmt *c, const char *name)
{
	char *state = NULL;
	int rank = 0, n = 0, items = 0;

	sqlite3_bind_text(c, 1, name, -1, SQLITE_TRANSIENT);
	for (;;) {
		int row = step(p, c);

		if (state != NULL && (!row || coli(c, 0) != rank || strcmp(state, cols(c, 1)) != 0)) {
			fprintf(p->out, "</li>\n");
			free(state);
			state = NULL;
		}
		if (!row)
			break;
		if (state == NULL) {
			const struct html_state *st;

			rank = (int)coli(c, 0);
			st = html_state(rank);
			if ((state = strdup(cols(c, 1))) == NULL)
				break;
			fprintf(p->out, "%s<li><span class=\"sw\" style=\"background:%s\">%s</span>"
			    "<b>", items++ ? "" : "<ul class=\"tight\">\n", st->colour, st->mark);
			html_str(p->out, state);
			fputs("</b>: ", p->out);
			n = 0;
		}
		fputs(n++ ? ", " : "", p->out);
		fputs("<code>", p->out);
		html_str(p->out, cols(c, 2));
		fputs("</code>", p->out);
		if (coli(c, 3) > 0)
			fprintf(p->out, " (%lld flow%s)", coli(c, 3), coli(c, 3) == 1 ? "" : "s");
		if (col(c, 4) != NULL) {
			fputs(" (", p->out);
			html_str(p->out, col(c, 4));
			fputc(')', p->out);
		}
	}
	free(state);
	sqlite3_reset(c);
	sqlite3_clear_bindings(c);
	if (items)
		fputs("</ul>\n", p->out);
	else
		fputs("<p class=\"muted\">No rule applies to it.</p>\n", p->out);
}

static void
host_findings(struct page *p, sqlite3_stmt *f, const char *name)
{
	long long total = 0;
	int n = 0;

	sqlite3_bind_text(f, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(f, 2, HTML_HOST_FINDINGS);
	while (step(p, f)) {
		if (n++ == 0) {
			total = coli(f, 17);
			fprintf(p->out, "<p>%lld finding%s:</p>\n<ul class=\"tight\">\n", total,
			    total == 1 ? "" : "s");
		}
		fputs("<li><span class=\"k-", p->out);
		html_str(p->out, cols(f, 0));
		fputs("\">", p->out);
		html_str(p->out, cols(f, 0));
		fputs("</span> ", p->out);
		finding_where(p->out, f);
		if (coli(f, 4) != 0 || cols(f, 5)[0] != '\0') {
			fprintf(p->out, " port %lld/", coli(f, 4));
			html_str(p->out, cols(f, 5));
		}
		if (cols(f, 7)[0] != '\0') {
			fputs(" rule <code>", p->out);
			html_str(p->out, cols(f, 7));
			fputs("</code>", p->out);
		}
		fprintf(p->out, ", count %lld", coli(f, 8));
		if (col(f, 12) != NULL) {
			fputs(": ", p->out);
			html_str(p->out, col(f, 12));
		}
		fputs("</li>\n", p->out);
	}
	sqlite3_reset(f);
	sqlite3_clear_bindings(f);
	if (n > 0) {
		if (total > n)
			fprintf(p->out, "<li class=\"muted\">and %lld more in the findings table"
			    "</li>\n", total - n);
		fputs("</ul>\n", p->out);
	} else
		fputs("<p class=\"muted\">No findings.</p>\n", p->out);
}

static void
sec_hosts(struct page *p)
{
	sqlite3_stmt *h = NULL, *c = NULL, *f = NULL;
	int hi = 0;

	fputs("<h2 id=\"hosts\">Hosts</h2>\n", p->out);
	if (prep(p, sql_hosts, &h) == -1 || prep(p, sql_host_cov, &c) == -1 ||
	    prep(p, sql_host_findings, &f) == -1)
		goto out;
	while (step(p, h)) {
		const char *name = cols(h, 0);

		fprintf(p->out, "<section class=\"host\" id=\"h-%d\"><h3>", ++hi);
		html_str(p->out, name);
		fputs("</h3>\n<p class=\"muted\">", p->out);
		if (col(h, 1) != NULL) {
			html_str(p->out, col(h, 1));
			if (col(h, 2) != NULL) {
				fputs(" of pool ", p->out);
				html_str(p->out, col(h, 2));
				if (col(h, 3) != NULL) {
					fputs(" (", p->out);
					html_str(p->out, col(h, 3));
					fputc(')', p->out);
				}
			}
			fputs("; roles ", p->out);
			html_str(p->out, col(h, 4));
			fputs("; ", p->out);
			html_str(p->out, col(h, 5));
		} else {
			fputs("not in an inventory table; grouped under ", p->out);
			html_str(p->out, col(h, 6));
		}
		fputs("</p>\n", p->out);
		host_coverage(p, c, name);
		host_findings(p, f, name);
		fputs("</section>\n", p->out);
	}
	if (hi == 0)
		fputs("<p>No hosts: no coverage and no inventory in these databases.</p>\n", p->out);
out:
	sqlite3_finalize(h);
	sqlite3_finalize(c);
	sqlite3_finalize(f);
}

/* --- the file ------------------------------------------------------------------ */

static long long
page_write(struct page *p)
{
	sqlite3_stmt *s = NULL;

	if (exec(p, sql_merge) == -1 || fill_addresses(p) == -1 ||
	    exec(p, sql_merge_findings) == -1)
		return -1;
	if (prep(p, sql_count_findings, &s) == -1)
		return -1;
	if (step(p, s))
		p->nfind = coli(s, 0);
	sqlite3_finalize(s);
	page_head(p);
	sec_summary(p);
	sec_heatmap(p);
	sec_findings(p);
	sec_timeline(p);
	sec_talkers(p);
	sec_hosts(p);
	fprintf(p->out, "<script>\n%s</script>\n</body>\n</html>\n", html_script);
	return p->failed ? -1 : p->nfind;
}

long long
report_html_write(sqlite3 *mem, const char *path, int ndbs, int nbad)
{
	struct page p;
	char *tmp = NULL;
	long long n;
	int fd = -1;

	memset(&p, 0, sizeof(p));
	p.mem = mem;
	p.ndbs = ndbs;
	p.nbad = nbad;
	if (strcmp(path, "-") == 0)
		p.out = stdout;
	else {
		/* beside the final name, so that rename() is atomic */
		size_t len = strlen(path) + sizeof(".XXXXXX");

		if ((tmp = malloc(len)) == NULL) {
			log_warnx("report: out of memory");
			return -1;
		}
		snprintf(tmp, len, "%s.XXXXXX", path);
		if ((fd = mkstemp(tmp)) == -1 || (p.out = fdopen(fd, "w")) == NULL) {
			log_warn("%s", tmp);
			if (fd != -1) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return -1;
		}
		(void)fchmod(fd, 0644);	/* a report to share, not mkstemp's 0600 */
	}
	n = page_write(&p);
	if (fflush(p.out) == EOF || ferror(p.out)) {
		log_warn("%s", tmp != NULL ? path : "report: standard output");
		n = -1;
	}
	if (tmp != NULL) {
		if (fclose(p.out) == EOF && n >= 0) {
			log_warn("%s", path);
			n = -1;
		}
		if (n >= 0 && rename(tmp, path) == -1) {
			log_warn("%s", path);
			n = -1;
		}
		if (n < 0)
			unlink(tmp);
		free(tmp);
	}
	return n;
}
