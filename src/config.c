/*
 * config.c - conformd.conf: which rules and inventory to load, where to
 * write, flow table limits and timeouts.
 *
 * One `key value...` statement a line (syntax of lex.h, format in
 * conformd.conf(5)).  Relative paths are resolved against the directory of
 * the config file, made absolute so that the canonical print reads the same
 * from anywhere.  Every error is reported as `file:line: message`; the
 * caller swaps the new config in only when loading succeeded.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformd/config.h"
#include "conformd/lex.h"

#ifndef CONFORMD_RULESDIR
#define CONFORMD_RULESDIR	"/usr/local/share/conformd/rules"
#endif
#define CONFIG_DEFAULT_RULES	CONFORMD_RULESDIR "/lync2013.rules"

#define CONFIG_MAX_TIMEOUT	2592000UL	/* 30 days */
#define CONFIG_MAX_TOP		10000UL

enum {
	CK_RULES, CK_INVENTORY, CK_DATABASE, CK_EVE, CK_FLOW_VLAN, CK_MAX_FLOWS,
	CK_TIMEOUT, CK_SUMMARY_TOP, CK_ANSWER_TIMEOUT, CK_COVERAGE, CK_SEVERITY,
	CK_RULE_SEVERITY, CK_COUNT
};

static const struct {
	const char	*name;
	int		 nval;
} config_keys[CK_COUNT + 1] = {
	[CK_RULES] = { "rules", 1 },
	[CK_INVENTORY] = { "inventory", 1 },
	[CK_DATABASE] = { "database", 1 },
	[CK_EVE] = { "eve", 1 },
	[CK_FLOW_VLAN] = { "flow-vlan", 1 },
	[CK_MAX_FLOWS] = { "max-flows", 1 },
	[CK_TIMEOUT] = { "timeout", 2 },
	[CK_SUMMARY_TOP] = { "summary-top", 1 },
	[CK_ANSWER_TIMEOUT] = { "answer-timeout", 1 },
	[CK_COVERAGE] = { "coverage", 1 },
	[CK_SEVERITY] = { "severity", 2 },
	[CK_RULE_SEVERITY] = { "rule-severity", 2 },
	[CK_COUNT] = { NULL, 0 }
};

enum { TMO_TCP_SYN, TMO_TCP_EST, TMO_TCP_CLOSED, TMO_UDP, TMO_OTHER, TMO_COUNT };

/* Finding kinds as the config names them, indexed like enum finding_kind. */
static const char *const config_kinds[CONFIG_KINDS + 1] = {
	"", "unexpected", "blocked", "missing", "protocol-mismatch", NULL
};

static const char *const config_timeouts[TMO_COUNT + 1] = {
	[TMO_TCP_SYN] = "tcp-syn",
	[TMO_TCP_EST] = "tcp-established",
	[TMO_TCP_CLOSED] = "tcp-closed",
	[TMO_UDP] = "udp",
	[TMO_OTHER] = "other",
	[TMO_COUNT] = NULL
};

static uint32_t
config_timeout_get(const struct config *c, int t)
{
	switch (t) {
	case TMO_TCP_SYN:	return c->tmo_tcp_syn;
	case TMO_TCP_EST:	return c->tmo_tcp_est;
	case TMO_TCP_CLOSED:	return c->tmo_tcp_closed;
	case TMO_UDP:		return c->tmo_udp;
	default:		return c->tmo_other;
	}
}

static uint32_t *
config_timeout_field(struct config *c, int t)
{
	switch (t) {
	case TMO_TCP_SYN:	return &c->tmo_tcp_syn;
	case TMO_TCP_EST:	return &c->tmo_tcp_est;
	case TMO_TCP_CLOSED:	return &c->tmo_tcp_closed;
	case TMO_UDP:		return &c->tmo_udp;
	default:		return &c->tmo_other;
	}
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->flow_vlan = 1;
	c->max_flows = 1000000;
	c->tmo_tcp_syn = 30;
	c->tmo_tcp_est = 3600;
	c->tmo_tcp_closed = 30;
	c->tmo_udp = 120;
	c->tmo_other = 60;
	c->summary_top = 10;
	c->answer_timeout = 5;
	c->severity[1] = 2;	/* unexpected */
	c->severity[2] = 2;	/* blocked */
	c->severity[3] = 3;	/* missing: low */
	c->severity[4] = 2;	/* protocol mismatch */
}

void
config_free(struct config *c)
{
	for (int i = 0; i < c->nrules; i++)
		free(c->rules[i]);
	free(c->path);
	free(c->inventory);
	free(c->database);
	free(c->eve);
	for (int i = 0; i < c->nrule_sev; i++)
		free(c->rule_sev[i].rule);
	config_init(c);
}

/*
 * The absolute directory of the config file, without a trailing slash
 * ("" for the root).  Returns a malloc'ed string or NULL.
 */
static char *
config_dir(const char *path)
{
	const char *slash = strrchr(path, '/'), *rel;
	char cwd[PATH_MAX], *d, *dir;

	if (slash == path)		/* "/x.conf" */
		return strdup("");
	d = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (d == NULL || d[0] == '/')
		return d;
	/* "./a/b.conf": leading "." components add nothing */
	rel = d;
	while (rel[0] == '.' && (rel[1] == '/' || rel[1] == '\0')) {
		rel += rel[1] ? 2 : 1;
		while (rel[0] == '/')
			rel++;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		/* stay relative to wherever we are */
		dir = strdup(rel[0] ? rel : ".");
		free(d);
		return dir;
	}
	if (strcmp(cwd, "/") == 0)
		cwd[0] = '\0';
	dir = malloc(strlen(cwd) + 1 + strlen(rel) + 1);
	if (dir != NULL) {
		if (rel[0] == '\0')
			strcpy(dir, cwd);
		else
			sprintf(dir, "%s/%s", cwd, rel);
	}
	free(d);
	return dir;
}

/* `p` made absolute against `dir` (absolute paths and "-" unchanged). */
static char *
config_resolve(const char *dir, const char *p)
{
	char *r;

	if (p[0] == '/')
		return strdup(p);
	/* "./inventory.conf" is "inventory.conf" */
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (p[0] == '/')
			p++;
	}
	r = malloc(strlen(dir) + 1 + strlen(p) + 1);
	if (r != NULL)
		sprintf(r, "%s/%s", dir, p);
	return r;
}

struct config_parse {
	struct config	*c;
	struct diag	*d;
	const char	*file;
	char		*dir;
	int		 seen[CK_COUNT];		/* line of first occurrence */
	int		 tmo_seen[TMO_COUNT];
	int		 oom;
};

static void
config_path(struct config_parse *p, const struct token *key, const struct token *v,
    char **dst)
{
	if (v->text[0] == '\0') {
		diag_error(p->d, p->file, v->line, "empty path for %s", key->text);
		return;
	}
	free(*dst);
	*dst = config_resolve(p->dir, v->text);
	if (*dst == NULL)
		p->oom = 1;
}

static int
config_number(struct config_parse *p, const struct token *key, const struct token *v,
    unsigned long min, unsigned long max, unsigned long *n)
{
	if (lex_number(v->text, min, max, n) == 0)
		return 0;
	diag_error(p->d, p->file, v->line, "%s must be a number from %lu to %lu, not %s",
	    key->text, min, max, v->text);
	return -1;
}

static void
config_stmt(struct config_parse *p, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *key = &s->tok[0], *v;
	unsigned long n;
	int k;

	for (k = 0; config_keys[k].name != NULL; k++)
		if (strcmp(config_keys[k].name, key->text) == 0)
			break;
	if (config_keys[k].name == NULL) {
		diag_error(p->d, p->file, key->line, "unknown key %s", key->text);
		return;
	}
	if (s->ntok - 1 < config_keys[k].nval) {
		diag_error(p->d, p->file, s->tok[s->ntok - 1].line,
		    "missing value for %s", key->text);
		return;
	}
	if (s->ntok - 1 > config_keys[k].nval) {
		v = &s->tok[config_keys[k].nval + 1];
		diag_error(p->d, p->file, v->line, "extra value %s after %s",
		    v->text, key->text);
		return;
	}
	v = &s->tok[1];
	if (k != CK_RULES && k != CK_TIMEOUT && k != CK_SEVERITY && k != CK_RULE_SEVERITY) {
		if (p->seen[k] != 0) {
			diag_error(p->d, p->file, key->line,
			    "duplicate key %s (first at %s:%d)", key->text, p->file,
			    p->seen[k]);
			return;
		}
		p->seen[k] = key->line;
	}

	switch (k) {
	case CK_RULES:
		if (c->nrules >= CONFIG_MAX_RULES) {
			diag_error(p->d, p->file, key->line,
			    "too many rules files (at most %d)", CONFIG_MAX_RULES);
			return;
		}
		if (v->text[0] == '\0') {
			diag_error(p->d, p->file, v->line, "empty path for rules");
			return;
		}
		c->rules[c->nrules] = config_resolve(p->dir, v->text);
		if (c->rules[c->nrules] == NULL)
			p->oom = 1;
		else
			c->nrules++;
		break;
	case CK_INVENTORY:
		config_path(p, key, v, &c->inventory);
		break;
	case CK_DATABASE:
		config_path(p, key, v, &c->database);
		break;
	case CK_EVE:
		if (strcmp(v->text, "-") == 0) {
			c->eve = strdup("-");
			if (c->eve == NULL)
				p->oom = 1;
		} else
			config_path(p, key, v, &c->eve);
		break;
	case CK_FLOW_VLAN:
		if (strcmp(v->text, "yes") == 0)
			c->flow_vlan = 1;
		else if (strcmp(v->text, "no") == 0)
			c->flow_vlan = 0;
		else
			diag_error(p->d, p->file, v->line,
			    "flow-vlan must be yes or no, not %s", v->text);
		break;
	case CK_MAX_FLOWS:
		if (config_number(p, key, v, 1, UINT32_MAX, &n) == 0)
			c->max_flows = (uint32_t)n;
		break;
	case CK_SUMMARY_TOP:
		if (config_number(p, key, v, 0, CONFIG_MAX_TOP, &n) == 0)
			c->summary_top = (int)n;
		break;
	case CK_ANSWER_TIMEOUT:
		if (config_number(p, key, v, 1, CONFIG_MAX_TIMEOUT, &n) == 0)
			c->answer_timeout = (uint32_t)n;
		break;
	case CK_COVERAGE:
		if (strcmp(v->text, "yes") == 0)
			c->coverage = 1;
		else if (strcmp(v->text, "no") == 0)
			c->coverage = 0;
		else
			diag_error(p->d, p->file, v->line,
			    "coverage must be yes or no, not %s", v->text);
		break;
	case CK_SEVERITY: {
		int kind;

		for (kind = 1; config_kinds[kind] != NULL; kind++)
			if (strcmp(config_kinds[kind], v->text) == 0)
				break;
		if (config_kinds[kind] == NULL) {
			diag_error(p->d, p->file, v->line,
			    "unknown finding kind %s (unexpected, blocked, missing, protocol-mismatch)",
			    v->text);
			return;
		}
		if (lex_number(s->tok[2].text, 1, 3, &n) == -1) {
			diag_error(p->d, p->file, s->tok[2].line,
			    "severity must be 1 (high), 2 or 3 (low), not %s", s->tok[2].text);
			return;
		}
		c->severity[kind] = (int)n;
		break;
	}
	case CK_RULE_SEVERITY:
		if (c->nrule_sev >= CONFIG_MAX_RULE_SEV) {
			diag_error(p->d, p->file, key->line,
			    "too many rule-severity lines (at most %d)", CONFIG_MAX_RULE_SEV);
			return;
		}
		if (lex_number(s->tok[2].text, 1, 3, &n) == -1) {
			diag_error(p->d, p->file, s->tok[2].line,
			    "severity must be 1 (high), 2 or 3 (low), not %s", s->tok[2].text);
			return;
		}
		c->rule_sev[c->nrule_sev].rule = strdup(v->text);
		if (c->rule_sev[c->nrule_sev].rule == NULL) {
			p->oom = 1;
			return;
		}
		c->rule_sev[c->nrule_sev].severity = (int)n;
		c->rule_sev[c->nrule_sev].line = v->line;
		c->nrule_sev++;
		break;
	case CK_TIMEOUT: {
		int t;

		for (t = 0; config_timeouts[t] != NULL; t++)
			if (strcmp(config_timeouts[t], v->text) == 0)
				break;
		if (config_timeouts[t] == NULL) {
			diag_error(p->d, p->file, v->line,
			    "unknown timeout %s (tcp-syn, tcp-established, tcp-closed, udp, other)",
			    v->text);
			return;
		}
		if (p->tmo_seen[t] != 0) {
			diag_error(p->d, p->file, key->line,
			    "duplicate key timeout %s (first at %s:%d)", v->text,
			    p->file, p->tmo_seen[t]);
			return;
		}
		p->tmo_seen[t] = key->line;
		if (lex_number(s->tok[2].text, 1, CONFIG_MAX_TIMEOUT, &n) == -1) {
			diag_error(p->d, p->file, s->tok[2].line,
			    "timeout %s must be a number of seconds from 1 to %lu, not %s",
			    v->text, CONFIG_MAX_TIMEOUT, s->tok[2].text);
			return;
		}
		*config_timeout_field(c, t) = (uint32_t)n;
		break;
	}
	}
}

int
config_load(struct config *c, const char *path, struct diag *d)
{
	struct config_parse p;
	struct lexfile lf;
	int errors0 = d->nerrors;

	free(c->path);
	c->path = strdup(path);
	if (c->path == NULL) {
		diag_error(d, path, 0, "out of memory");
		return -1;
	}
	if (lex_file(path, &lf, d) == -1)
		return -1;
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.d = d;
	p.file = c->path;
	p.dir = config_dir(path);
	if (p.dir == NULL)
		p.oom = 1;
	for (int i = 0; i < lf.nstmt && !p.oom; i++)
		config_stmt(&p, &lf.stmt[i]);
	lex_free(&lf);
	free(p.dir);
	if (!p.oom && c->nrules == 0) {
		c->rules[0] = strdup(CONFIG_DEFAULT_RULES);
		if (c->rules[0] == NULL)
			p.oom = 1;
		else
			c->nrules = 1;
	}
	if (p.oom) {
		diag_error(d, c->path, 0, "out of memory");
		return -1;
	}
	if (c->inventory == NULL)
		diag_error(d, c->path, 0, "no inventory configured");
	return d->nerrors == errors0 ? 0 : -1;
}

static void
config_print_path(const char *key, const char *val, FILE *out)
{
	if (val == NULL)
		return;
	fprintf(out, "%s ", key);
	lex_print_word(val, out);
	fputc('\n', out);
}

void
config_print(const struct config *c, FILE *out)
{
	for (int i = 0; i < c->nrules; i++)
		config_print_path("rules", c->rules[i], out);
	config_print_path("inventory", c->inventory, out);
	config_print_path("database", c->database, out);
	config_print_path("eve", c->eve, out);
	fprintf(out, "flow-vlan %s\n", c->flow_vlan ? "yes" : "no");
	fprintf(out, "max-flows %u\n", c->max_flows);
	for (int t = 0; t < TMO_COUNT; t++)
		fprintf(out, "timeout %s %u\n", config_timeouts[t],
		    config_timeout_get(c, t));
	fprintf(out, "summary-top %d\n", c->summary_top);
	fprintf(out, "answer-timeout %u\n", c->answer_timeout);
	fprintf(out, "coverage %s\n", c->coverage ? "yes" : "no");
	for (int k = 1; k < CONFIG_KINDS; k++)
		fprintf(out, "severity %s %d\n", config_kinds[k], c->severity[k]);
	for (int i = 0; i < c->nrule_sev; i++) {
		fputs("rule-severity ", out);
		lex_print_word(c->rule_sev[i].rule, out);
		fprintf(out, " %d\n", c->rule_sev[i].severity);
	}
}

int
config_severity(const struct config *c, int kind, const char *rule_id)
{
	if (rule_id != NULL)
		for (int i = 0; i < c->nrule_sev; i++)
			if (strcmp(c->rule_sev[i].rule, rule_id) == 0)
				return c->rule_sev[i].severity;
	return kind > 0 && kind < CONFIG_KINDS ? c->severity[kind] : 2;
}
