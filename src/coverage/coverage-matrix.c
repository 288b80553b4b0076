/*
 * coverage-matrix.c - the coverage matrix as text a person can read, or
 * as CSV for a spreadsheet (--coverage[=rules|hosts|csv]).
 *
 * Rules are ordered by table, then by service (the services in the order
 * of their first row), then by row; hosts by group (their pool, else their
 * first role) in the order the inventory first names a member, then in
 * inventory order.  The text forms print every label horizontally and
 * wrap the columns into blocks that fit the width, each block with its
 * own headers; a row's label and group stay on its left.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "conformd/coverage-matrix.h"
#include "conformd/inventory.h"
#include "conformd/rules.h"

#define MATRIX_MIN_WIDTH	40	/* narrower: 40 (a label needs room) */
#define MATRIX_LABEL_MAX	24	/* a longer row label is cut (with '~') */
#define MATRIX_DESC_MIN		12	/* room a row's description needs to be shown */

/* Marks by state name, so a state the coverage adds later prints as '*'
 * until it is named here. */
static const struct {
	const char	*name;
	char		 mark;
	const char	*legend;
} matrix_marks[] = {
	{ "seen", '+', "seen" },
	{ "blocked", 'B', "blocked" },
	{ "missing", '-', "missing" },
	{ "optional-unseen", 'o', "optional unseen" },
	{ "unobserved", '?', "unobserved" },
	{ "not-applicable", '.', "not applicable" },
	{ NULL, 0, NULL }
};

static char
matrix_mark(int state)
{
	const char *name;

	if (state == COV_NONE)
		return ' ';
	name = cov_state_name(state);
	for (int i = 0; matrix_marks[i].name != NULL; i++)
		if (strcmp(name, matrix_marks[i].name) == 0)
			return matrix_marks[i].mark;
	return '*';
}

int
covmatrix_format(const char *word, int *format)
{
	if (word == NULL || strcmp(word, "rules") == 0)
		*format = COVMATRIX_RULES;
	else if (strcmp(word, "hosts") == 0)
		*format = COVMATRIX_HOSTS;
	else if (strcmp(word, "csv") == 0)
		*format = COVMATRIX_CSV;
	else
		return -1;
	return 0;
}

int
covmatrix_width(FILE *out)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;

	if (c != NULL && *c != '\0') {
		char *end;
		long n = strtol(c, &end, 10);

		if (*end == '\0' && n >= MATRIX_MIN_WIDTH && n <= 100000)
			return (int)n;
	}
	if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= MATRIX_MIN_WIDTH)
		return ws.ws_col;
	return 80;
}

/* The hosts and rules shown, in order, with their groups. */
struct matrix {
	const struct coverage	*cov;
	const struct ruleset	*rs;
	const struct inventory	*inv;
	int			*hosts, nh;
	int			*rules, nr;
	char			**hgroup;	/* per shown host */
	char			**rgroup;	/* per shown rule */
	char			**rdesc;	/* per shown rule */
	int			*svc_row;	/* per rule of rs: its service's first row */
	int			*hgord;		/* per host of inv: its group's first host */
};

static int
matrix_state(const struct matrix *m, int h, int r)
{
	struct coverage_cell c;

	if (coverage_cell(m->cov, h, r, &c) == -1)
		return COV_NONE;
	return c.state;
}

/* The group of inventory host h: "pool fepool (front-end)", "role director". */
static char *
host_group(const struct matrix *m, int h)
{
	const struct inv_host *ih = &m->inv->hosts[h];
	char buf[256];

	if (ih->pool >= 0 && ih->pool < m->inv->npools) {
		const struct inv_pool *p = &m->inv->pools[ih->pool];

		if (p->type >= 0 && p->type < m->rs->npooltypes)
			snprintf(buf, sizeof(buf), "pool %s (%s)", p->name,
			    m->rs->pooltypes[p->type].name);
		else
			snprintf(buf, sizeof(buf), "pool %s", p->name);
		return strdup(buf);
	}
	for (int i = 0; i < m->rs->nroles; i++)
		if ((ih->roles >> i) & 1) {
			snprintf(buf, sizeof(buf), "role %s", m->rs->roles[i].name);
			return strdup(buf);
		}
	return strdup("other");
}

static const struct matrix *sort_m;	/* qsort has no argument; main thread only */

static int
rule_cmp(const void *a, const void *b)
{
	const struct rule *x = &sort_m->rs->rules[*(const int *)a];
	const struct rule *y = &sort_m->rs->rules[*(const int *)b];

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (sort_m->svc_row[*(const int *)a] != sort_m->svc_row[*(const int *)b])
		return sort_m->svc_row[*(const int *)a] < sort_m->svc_row[*(const int *)b] ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

static int
host_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (sort_m->hgord[x] != sort_m->hgord[y])
		return sort_m->hgord[x] < sort_m->hgord[y] ? -1 : 1;
	return x - y;
}

static void
matrix_free(struct matrix *m)
{
	for (int i = 0; i < m->nh && m->hgroup != NULL; i++)
		free(m->hgroup[i]);
	for (int i = 0; i < m->nr; i++) {
		if (m->rgroup != NULL)
			free(m->rgroup[i]);
		if (m->rdesc != NULL)
			free(m->rdesc[i]);
	}
	free(m->hosts);
	free(m->rules);
	free(m->hgroup);
	free(m->rgroup);
	free(m->rdesc);
	free(m->svc_row);
	free(m->hgord);
}

static int
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Choose and order the hosts and rules shown.  0, or -1 out of memory. */
static int
matrix_build(struct matrix *m, const struct coverage *cov, const struct policy *pol)
{
	const struct ruleset *rs = policy_ruleset(pol);
	const struct inventory *inv = policy_inventory(pol);
	size_t nh = (size_t)inv->nhosts + 1, nr = (size_t)rs->nrules + 1;
	char **g;

	memset(m, 0, sizeof(*m));
	m->cov = cov;
	m->rs = rs;
	m->inv = inv;
	m->hosts = calloc(nh, sizeof(*m->hosts));
	m->rules = calloc(nr, sizeof(*m->rules));
	m->svc_row = calloc(nr, sizeof(*m->svc_row));
	m->hgord = calloc(nh, sizeof(*m->hgord));
	g = calloc(nh, sizeof(*g));	/* group of every inventory host */
	if (m->hosts == NULL || m->rules == NULL || m->svc_row == NULL || m->hgord == NULL ||
	    g == NULL)
		goto fail;
	for (int r = 0; r < rs->nrules; r++) {
		m->svc_row[r] = rs->rules[r].row;
		for (int q = 0; q < rs->nrules; q++)
			if (rs->rules[q].table == rs->rules[r].table &&
			    same_text(rs->rules[q].service, rs->rules[r].service) &&
			    rs->rules[q].row < m->svc_row[r])
				m->svc_row[r] = rs->rules[q].row;
	}
	for (int h = 0; h < inv->nhosts; h++) {
		int shown = 0;

		if ((g[h] = host_group(m, h)) == NULL)
			goto fail;
		m->hgord[h] = h;
		for (int q = 0; q < h; q++)
			if (strcmp(g[q], g[h]) == 0) {
				m->hgord[h] = m->hgord[q];
				break;
			}
		for (int r = 0; r < rs->nrules && !shown; r++)
			shown = matrix_state(m, h, r) != COV_NONE;
		if (shown)
			m->hosts[m->nh++] = h;
	}
	for (int r = 0; r < rs->nrules; r++)
		for (int i = 0; i < m->nh; i++)
			if (matrix_state(m, m->hosts[i], r) != COV_NONE) {
				m->rules[m->nr++] = r;
				break;
			}
	sort_m = m;
	qsort(m->hosts, (size_t)m->nh, sizeof(*m->hosts), host_cmp);
	qsort(m->rules, (size_t)m->nr, sizeof(*m->rules), rule_cmp);
	sort_m = NULL;
	m->hgroup = calloc((size_t)m->nh + 1, sizeof(*m->hgroup));
	m->rgroup = calloc((size_t)m->nr + 1, sizeof(*m->rgroup));
	m->rdesc = calloc((size_t)m->nr + 1, sizeof(*m->rdesc));
	if (m->hgroup == NULL || m->rgroup == NULL || m->rdesc == NULL)
		goto fail;
	for (int i = 0; i < m->nh; i++) {
		m->hgroup[i] = g[m->hosts[i]];
		g[m->hosts[i]] = NULL;
	}
	for (int i = 0; i < m->nr; i++) {
		const struct rule *r = &rs->rules[m->rules[i]];
		char buf[512], ports[256];

		if (r->table > 0)
			snprintf(buf, sizeof(buf), "table %d", r->table);
		else
			snprintf(buf, sizeof(buf), "rules without a table");
		if ((m->rgroup[i] = strdup(buf)) == NULL)
			goto fail;
		rules_format_ports(r, ports, sizeof(ports));
		snprintf(buf, sizeof(buf), "%s %s %s %s%s%s%s",
		    r->role >= 0 && r->role < rs->nroles ? rs->roles[r->role].name : "?",
		    rules_dir_name(r->dir), rules_proto_name(r->protos), ports,
		    r->optional ? " optional" : "", r->service != NULL ? ": " : "",
		    r->service != NULL ? r->service : "");
		if ((m->rdesc[i] = strdup(buf)) == NULL)
			goto fail;
	}
	for (int h = 0; h < inv->nhosts; h++)
		free(g[h]);
	free(g);
	return 0;
fail:
	for (int h = 0; g != NULL && h < inv->nhosts; h++)
		free(g[h]);
	free(g);
	matrix_free(m);
	return -1;
}

/* One axis of the printed grid. */
struct axis {
	int		 n;
	const char	*what;		/* "hosts", "rules" */
	char *const	*group;		/* per entry; equal neighbours form a group */
	char *const	*desc;		/* per entry (rows only), or NULL */
	const struct matrix *m;
	int		 is_hosts;
};

static const char *
axis_label(const struct axis *a, int i)
{
	return a->is_hosts ? a->m->inv->hosts[a->m->hosts[i]].name :
	    a->m->rs->rules[a->m->rules[i]].id;
}

/* `s` in exactly w columns: cut with '~' when longer, padded when shorter
 * (on the left when right is set). */
static void
put_fit(FILE *out, const char *s, int w, int right)
{
	int n = (int)strlen(s);

	if (n > w) {
		if (w > 0) {
			fwrite(s, 1, (size_t)(w - 1), out);
			fputc('~', out);
		}
		return;
	}
	fprintf(out, right ? "%*s" : "%-*s", w, s);
}

/* The cell of row i and column j of the grid. */
static int
grid_state(const struct axis *rows, const struct axis *cols, int i, int j)
{
	int h = rows->is_hosts ? rows->m->hosts[i] : cols->m->hosts[j];
	int r = rows->is_hosts ? cols->m->rules[j] : rows->m->rules[i];

	return matrix_state(rows->m, h, r);
}

/* Does row i have a cell in columns start..end-1? */
static int
grid_row_any(const struct axis *rows, const struct axis *cols, int i, int start, int end)
{
	for (int j = start; j < end; j++)
		if (grid_state(rows, cols, i, j) != COV_NONE)
			return 1;
	return 0;
}

static void
grid_print(FILE *out, int width, const struct axis *rows, const struct axis *cols)
{
	int lw = 4, *cw, start = 0, nblocks = 0;

	cw = calloc((size_t)cols->n + 1, sizeof(*cw));
	if (cw == NULL)
		return;
	for (int i = 0; i < rows->n; i++) {
		int n = (int)strlen(axis_label(rows, i));

		if (n > lw)
			lw = n;
	}
	if (lw > MATRIX_LABEL_MAX)
		lw = MATRIX_LABEL_MAX;
	if (lw > width / 3)
		lw = width / 3;
	for (int j = 0; j < cols->n; j++) {
		cw[j] = (int)strlen(axis_label(cols, j));
		if (cw[j] < 1)
			cw[j] = 1;
		if (cw[j] > width - lw - 1)
			cw[j] = width - lw - 1;
	}
	while (start < cols->n) {
		int end = start, used = lw;

		while (end < cols->n && (end == start || used + 1 + cw[end] <= width)) {
			/* a group that does not fit what is left of this block but
			 * fits a block of its own starts the next one */
			if (end > start && strcmp(cols->group[end], cols->group[end - 1]) != 0) {
				int gw = 0;

				for (int k = end; k < cols->n &&
				    strcmp(cols->group[k], cols->group[end]) == 0; k++)
					gw += 1 + cw[k];
				if (used + gw > width && lw + gw <= width)
					break;
			}
			used += 1 + cw[end++];
		}
		if (start > 0 || end < cols->n)
			fprintf(out, "%s%s %d-%d of %d:\n", nblocks++ ? "\n" : "", cols->what,
			    start + 1, end, cols->n);
		/* the columns' groups, each label over its first column */
		put_fit(out, "", lw, 0);
		for (int j = start; j < end; ) {
			int k = j, span = 0;

			while (k < end && strcmp(cols->group[k], cols->group[j]) == 0)
				span += 1 + cw[k++];
			fputc(' ', out);
			put_fit(out, cols->group[j], span - 1, 0);
			j = k;
		}
		fputc('\n', out);
		put_fit(out, "", lw, 0);
		for (int j = start; j < end; j++) {
			fputc(' ', out);
			put_fit(out, axis_label(cols, j), cw[j], 0);
		}
		fputc('\n', out);
		for (int i = 0, last = -1; i < rows->n; i++) {
			/* a row with nothing in this block's columns is left out */
			if (!grid_row_any(rows, cols, i, start, end))
				continue;
			if (last < 0 || strcmp(rows->group[i], rows->group[last]) != 0)
				fprintf(out, "%s:\n", rows->group[i]);
			last = i;
			put_fit(out, axis_label(rows, i), lw, 0);
			for (int j = start; j < end; j++) {
				int pad = cw[j] - 1;

				fprintf(out, " %*s%c%*s", pad / 2, "",
				    matrix_mark(grid_state(rows, cols, i, j)), pad - pad / 2, "");
			}
			if (rows->desc != NULL && width - used - 2 >= MATRIX_DESC_MIN) {
				int n = (int)strlen(rows->desc[i]);

				fputs("  ", out);
				if (n > width - used - 2)
					put_fit(out, rows->desc[i], width - used - 2, 0);
				else
					fputs(rows->desc[i], out);
			}
			fputc('\n', out);
		}
		start = end;
	}
	free(cw);
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * end; a text a spreadsheet would take for a formula gets a leading '. */
static void
csv_field(FILE *out, const char *s, int last)
{
	int quote = s != NULL && strpbrk(s, ",\"\r\n") != NULL;

	if (s == NULL)
		s = "";
	if (quote)
		fputc('"', out);
	if (s[0] == '=' || s[0] == '+' || s[0] == '@' || s[0] == '\t' ||
	    (s[0] == '-' && s[1] != '\0'))
		fputc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	if (quote)
		fputc('"', out);
	fputc(last ? '\n' : ',', out);
}

static void
csv_time(FILE *out, uint64_t usec)
{
	time_t t = (time_t)(usec / 1000000u);
	struct tm tm;
	char buf[32];

	if (usec != 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) > 0)
		fprintf(out, "%s.%06uZ,", buf, (unsigned)(usec % 1000000u));
	else
		fputc(',', out);
}

static void
csv_print(const struct matrix *m, FILE *out)
{
	fputs("host,group,rule,table,row,role,dir,proto,ports,optional,state,flows,failed,"
	    "bytes,first_seen,last_seen,evidence\n", out);
	for (int i = 0; i < m->nh; i++)
		for (int j = 0; j < m->nr; j++) {
			const struct rule *r = &m->rs->rules[m->rules[j]];
			struct coverage_cell c;
			char ports[256];

			if (coverage_cell(m->cov, m->hosts[i], m->rules[j], &c) == -1 ||
			    c.state == COV_NONE)
				continue;
			rules_format_ports(r, ports, sizeof(ports));
			csv_field(out, m->inv->hosts[m->hosts[i]].name, 0);
			csv_field(out, m->hgroup[i], 0);
			csv_field(out, r->id, 0);
			fprintf(out, "%d,%d,", r->table, r->row);
			csv_field(out, r->role >= 0 && r->role < m->rs->nroles ?
			    m->rs->roles[r->role].name : NULL, 0);
			csv_field(out, rules_dir_name(r->dir), 0);
			csv_field(out, rules_proto_name(r->protos), 0);
			csv_field(out, ports, 0);
			fprintf(out, "%d,", r->optional != 0);
			csv_field(out, cov_state_name(c.state), 0);
			fprintf(out, "%llu,%llu,%llu,", (unsigned long long)c.flows,
			    (unsigned long long)c.failed, (unsigned long long)c.bytes);
			csv_time(out, c.first_usec);
			csv_time(out, c.last_usec);
			csv_field(out, c.evidence, 1);
		}
}

/* "coverage: 7 hosts x 77 rules:" and the marks, wrapped to width, then
 * a blank line. */
static void
legend_print(FILE *out, int width, int nh, int nr)
{
	char head[64];
	int col;

	col = snprintf(head, sizeof(head), "coverage: %d host%s x %d rule%s;", nh,
	    nh == 1 ? "" : "s", nr, nr == 1 ? "" : "s");
	fputs(head, out);
	for (int i = 0; i <= (int)(sizeof(matrix_marks) / sizeof(matrix_marks[0])) - 1; i++) {
		char item[64];
		int n;

		if (matrix_marks[i].name != NULL)
			n = snprintf(item, sizeof(item), "%c %s,", matrix_marks[i].mark,
			    matrix_marks[i].legend);
		else
			n = snprintf(item, sizeof(item), "blank: not its rule");
		if (col + 1 + n > width) {
			fputs("\n ", out);
			col = 1;
		}
		fprintf(out, " %s", item);
		col += 1 + n;
	}
	fputs("\n\n", out);
}

void
covmatrix_print(const struct coverage *cov, const struct policy *pol, int format, int width,
    FILE *out)
{
	struct matrix m;
	struct axis hosts, rules;

	if (format == COVMATRIX_NONE)
		return;
	if (matrix_build(&m, cov, pol) == -1) {
		fputs("coverage: out of memory for the matrix\n", out);
		return;
	}
	if (format == COVMATRIX_CSV) {
		csv_print(&m, out);
		matrix_free(&m);
		return;
	}
	if (width < MATRIX_MIN_WIDTH)
		width = MATRIX_MIN_WIDTH;
	memset(&hosts, 0, sizeof(hosts));
	hosts.n = m.nh;
	hosts.what = "hosts";
	hosts.group = m.hgroup;
	hosts.m = &m;
	hosts.is_hosts = 1;
	memset(&rules, 0, sizeof(rules));
	rules.n = m.nr;
	rules.what = "rules";
	rules.group = m.rgroup;
	rules.m = &m;
	legend_print(out, width, m.nh, m.nr);
	if (m.nh == 0 || m.nr == 0)
		fputs("  no rule applies to any inventory host\n", out);
	else if (format == COVMATRIX_HOSTS)
		grid_print(out, width, &hosts, &rules);
	else {
		rules.desc = m.rdesc;
		grid_print(out, width, &rules, &hosts);
	}
	matrix_free(&m);
}
