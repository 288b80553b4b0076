/*
 * config.c - conformd.conf: which rules and inventory to load, where to
 * write, flow table limits and timeouts.
 *
 * One `key value...` statement a line (syntax of lex.h, format in
 * conformd.conf(5)), each key an entry of one table (config_keys[]) with
 * its handler; the `output` blocks are config-output.c's.  Relative paths are resolved against the directory of
 * the config file, made absolute so that the canonical print reads the same
 * from anywhere.  Every error is reported as `file:line: message`; the
 * caller swaps the new config in only when loading succeeded.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/config.h"
#include "conformd/filter.h"
#include "conformd/lex.h"
#include "conformd/sensor.h"
#include "config-output.h"
#include "config-value.h"

#ifndef CONFORMD_RULESDIR
#define CONFORMD_RULESDIR	"/usr/local/share/conformd/rules"
#endif
#define CONFIG_DEFAULT_PRODUCT	"lync2013"

#define CONFIG_MAX_TIMEOUT	2592000UL	/* 30 days */
#define CONFIG_MAX_TOP		10000UL
#define CONFIG_MAX_RATE		1000000UL	/* alerts per second, bucket size */
#define CONFIG_MAX_SCAN		1000UL		/* scan-threshold findings */
#define CONFIG_MAX_SCAN_WINDOW	86400UL		/* scan-threshold seconds */
#define CONFIG_MAX_RETENTION_AGE	(36500ULL * 86400)	/* `retention age`: 100 years */
#define CONFIG_MAX_RETENTION_SIZE	(1024ULL << 40)	/* `retention size`: 1024 TiB */

/* Products whose pack ships with conformd (conformd.conf(5), `product`). */
static const char *const config_products[] = { "lync2013", "sfb2015", "sfb2019", NULL };

/* `flow-log` values, indexed by enum config_flow_log. */
static const char *const config_flow_logs[] = { "all", "findings", "none", NULL };

/* `fail-on` levels, indexed by severity (0: never). */
static const char *const config_levels[] = { "none", "high", "medium", "low", NULL };

/* One statement of conformd.conf: config_keys[] below. */
struct config_key {
	const char	*name;
	int		 nval;		/* values after the key; -1: the handler counts them */
	int		 once;		/* 1: a second line is an error */
	void		(*set)(struct config_parse *p, const struct config_key *k,
			    const struct stmt *s);
	size_t		 off;		/* the field it sets (the handlers of one form) */
	unsigned long	 min, max;	/* a number's range (key_u32, key_int) */
};

/* The field of struct config at k->off, as a pointer to `type`. */
#define CONFIG_FIELD(c, k, type)	((type *)(void *)((char *)(c) + (k)->off))

/* Finding kinds as the config names them, indexed like enum finding_kind. */
static const char *const config_kinds[CONFIG_KINDS + 1] = {
	"", "unexpected", "blocked", "missing", "protocol-mismatch", "scan", NULL
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
	c->coverage_window = 3600;
	c->stats_interval = 60;
	c->severity[1] = 2;	/* unexpected */
	c->severity[2] = 2;	/* blocked */
	c->severity[3] = 3;	/* missing: low */
	c->severity[4] = 2;	/* protocol mismatch */
	c->severity[5] = 2;	/* scan */
	for (int k = 1; k < CONFIG_KINDS; k++)
		c->suppress[k] = 3600;
	c->scan_threshold = 20;
	c->scan_window = 60;
	c->fail_on = 3;
}

void
config_free(struct config *c)
{
	for (int i = 0; i < c->nrules; i++)
		free(c->rules[i]);
	for (int i = 0; i < c->npacks; i++)
		free(c->packs[i]);
	free(c->product);
	free(c->rules_dir);
	free(c->site_rules);
	free(c->path);
	free(c->inventory);
	free(c->database);
	free(c->eve);
	for (int i = 0; i < c->nrule_sev; i++)
		free(c->rule_sev[i].rule);
	for (int i = 0; i < c->ninterfaces; i++)
		free(c->interfaces[i]);
	free(c->filter);
	free(c->user);
	free(c->sensor_name);
	for (int i = 0; i < c->noutputs; i++)
		config_output_free(&c->outputs[i]);
	config_init(c);
}

/* `key yes|no` into *dst; an error otherwise. */
static void
config_yesno(struct config_parse *p, const struct token *key, const struct token *v,
    int *dst)
{
	if (strcmp(v->text, "yes") == 0)
		*dst = 1;
	else if (strcmp(v->text, "no") == 0)
		*dst = 0;
	else
		diag_error(p->d, p->file, v->line, "%s must be yes or no, not %s",
		    key->text, v->text);
}

/* The finding kind (1..CONFIG_KINDS-1) named by `v`, or 0 after an error. */
static int
config_kind(struct config_parse *p, const struct token *v)
{
	int kind = config_lookup(config_kinds, v->text);

	if (kind == 0)
		diag_error(p->d, p->file, v->line,
		    "unknown finding kind %s (unexpected, blocked, missing, protocol-mismatch, scan)",
		    v->text);
	return kind;
}

/*
 * `key sub` given once: records the line in *seen, or reports the
 * duplicate and returns -1.  `sub` NULL for keys without a subkey.
 */
static int
config_once(struct config_parse *p, const struct token *key, const char *sub, int *seen)
{
	if (*seen == 0) {
		*seen = key->line;
		return 0;
	}
	if (sub == NULL)
		diag_error(p->d, p->file, key->line, "duplicate key %s (first at %s:%d)",
		    key->text, p->file, *seen);
	else
		diag_error(p->d, p->file, key->line, "duplicate key %s %s (first at %s:%d)",
		    key->text, sub, p->file, *seen);
	return -1;
}

/* One `vxlan-port` or `geneve-port` line: "none" alone, or up to max
 * ports, each once.  *none counts the "none" lines' conflicts. */
static void
config_tunnel_port(struct config_parse *p, const struct token *key, const struct token *v,
    struct config_ports *cp, int max, int *none)
{
	unsigned long n;

	if (strcmp(v->text, "none") == 0) {
		if (cp->set)
			diag_error(p->d, p->file, v->line,
			    "%s none cannot be combined with other %s lines", key->text, key->text);
		cp->set = 1;
		cp->n = 0;
		*none = 1;
		return;
	}
	if (*none) {
		if ((*none)++ == 1)	/* said once */
			diag_error(p->d, p->file, v->line,
			    "%s none cannot be combined with other %s lines", key->text, key->text);
		return;
	}
	if (config_number(p, key, v, 1, 65535, &n) != 0)
		return;
	for (int i = 0; i < cp->n; i++)
		if (cp->ports[i] == n) {
			diag_error(p->d, p->file, v->line, "%s %lu given twice", key->text, n);
			return;
		}
	if (cp->n == max) {
		diag_error(p->d, p->file, v->line, "too many %s lines (at most %d)",
		    key->text, max);
		return;
	}
	cp->line[cp->n] = v->line;
	cp->ports[cp->n++] = (uint16_t)n;
	cp->set = 1;
}

/* The line that gave UDP port `port` in cp, or 0. */
static int
config_ports_line(const struct config_ports *cp, uint16_t port)
{
	for (int i = 0; i < cp->n; i++)
		if (cp->ports[i] == port)
			return cp->line[i];
	return 0;
}

/* A UDP port is opened as one tunnel type only: a geneve-port line may
 * not name a VXLAN port, given or default, nor a vxlan-port line Geneve's
 * default. */
static void
config_tunnel_ports_check(struct config_parse *p)
{
	const struct config *c = p->c;
	int line;

	for (int i = 0; i < c->geneve.n; i++) {
		uint16_t port = c->geneve.ports[i];

		if (!c->vxlan.set && port == CONFIG_VXLAN_PORT)
			diag_error(p->d, p->file, c->geneve.line[i],
			    "geneve-port %u is VXLAN's default port: give vxlan-port lines, "
			    "or vxlan-port none", port);
		else if ((line = config_ports_line(&c->vxlan, port)) != 0)
			diag_error(p->d, p->file, c->geneve.line[i],
			    "geneve-port %u is also a vxlan-port (line %d)", port, line);
	}
	if (!c->geneve.set && (line = config_ports_line(&c->vxlan, CONFIG_GENEVE_PORT)) != 0)
		diag_error(p->d, p->file, line,
		    "vxlan-port %d is Geneve's default port: give geneve-port lines, "
		    "or geneve-port none", CONFIG_GENEVE_PORT);
}

/* The units of `retention age` and `retention size` (conformd.conf(5)),
 * largest first (config_print() prints the largest that divides). */
static const struct {
	char		 unit;
	uint64_t	 mult;
} config_ages[] = {
	{ 'w', 604800 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 }, { 0, 0 }
}, config_sizes[] = {
	{ 'T', 1ULL << 40 }, { 'G', 1ULL << 30 }, { 'M', 1ULL << 20 }, { 'K', 1ULL << 10 },
	{ 0, 0 }
};

/*
 * `retention age N{s,m,h,d,w}` (1 s to CONFIG_MAX_RETENTION_AGE) or
 * `retention size N{K,M,G,T}` (1 MiB to CONFIG_MAX_RETENTION_SIZE): the
 * unit is required, a bare number being ambiguous (30: seconds or days?)
 * where the wrong guess deletes a month of flows.
 */
static void
config_retention(struct config_parse *p, const struct token *key, const struct token *sub,
    const struct token *v)
{
	int size = strcmp(sub->text, "size") == 0;
	char num[32];
	size_t len = strlen(v->text);
	unsigned long n;
	uint64_t mult = 0, min = size ? 1ULL << 20 : 1,
	    max = size ? CONFIG_MAX_RETENTION_SIZE : CONFIG_MAX_RETENTION_AGE;
	int i;

	if (!size && strcmp(sub->text, "age") != 0) {
		diag_error(p->d, p->file, sub->line, "unknown retention %s (age, size)", sub->text);
		return;
	}
	if (len >= 2 && len < sizeof(num)) {
		for (i = 0; size ? config_sizes[i].unit : config_ages[i].unit; i++)
			if ((size ? config_sizes[i].unit : config_ages[i].unit) == v->text[len - 1])
				mult = size ? config_sizes[i].mult : config_ages[i].mult;
		memcpy(num, v->text, len - 1);
		num[len - 1] = '\0';
	}
	if (mult == 0 || lex_number(num, 1, ULONG_MAX, &n) == -1 ||
	    (uint64_t)n > max / mult || (uint64_t)n * mult < min) {
		if (size)
			diag_error(p->d, p->file, v->line, "retention size must be a number with "
			    "its unit K, M, G or T (1M to %lluT), not %s",
			    (unsigned long long)(CONFIG_MAX_RETENTION_SIZE >> 40), v->text);
		else
			diag_error(p->d, p->file, v->line, "retention age must be a number with "
			    "its unit s, m, h, d or w (1s to %llud), not %s",
			    (unsigned long long)(CONFIG_MAX_RETENTION_AGE / 86400), v->text);
		return;
	}
	if (config_once(p, key, sub->text, &p->retention_seen[size]) == -1)
		return;
	if (size)
		p->c->retention_bytes = (uint64_t)n * mult;
	else
		p->c->retention_age = (uint64_t)n * mult;
}

/* A pack name: letters, digits, '-', '_', '.', not starting with '.'. */
static int
config_pack_name_ok(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/*
 * filter EXPR...: the rest of the statement is the expression, as tcpdump
 * takes it after its options (`filter host 198.18.1.11 and tcp`); quoted
 * words are taken as they are, and the words are joined with one blank.
 * Compiled here, so that a bad expression names its line.
 */

static void
key_filter(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *key = &s->tok[0];
	struct pkt_filter *f;
	size_t len = 0;
	char why[512], *expr;

	(void)k;
	if (s->ntok < 2) {
		diag_error(p->d, p->file, key->line, "missing value for filter");
		return;
	}
	for (int i = 1; i < s->ntok; i++)
		len += strlen(s->tok[i].text) + 1;
	if ((expr = malloc(len + 1)) == NULL) {
		p->oom = 1;
		return;
	}
	expr[0] = '\0';
	for (int i = 1; i < s->ntok; i++) {
		if (i > 1)
			strcat(expr, " ");
		strcat(expr, s->tok[i].text);
	}
	if (strspn(expr, " \t") == strlen(expr)) {
		diag_error(p->d, p->file, s->tok[1].line, "empty value for filter");
		free(expr);
		return;
	}
	if ((f = pkt_filter_new(expr, why, sizeof(why))) == NULL) {
		diag_error(p->d, p->file, s->tok[1].line, "%s", why);
		free(expr);
		return;
	}
	pkt_filter_free(f);
	p->c->filter = expr;
}

/* `rules PATH`: a rules file beside the packs, any number up to CONFIG_MAX_RULES. */
static void
key_rules(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *v = &s->tok[1];

	(void)k;
	if (c->nrules >= CONFIG_MAX_RULES) {
		diag_error(p->d, p->file, s->tok[0].line,
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
}

static void
key_product(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];
	int i;

	(void)k;
	p->c->product_line = s->tok[0].line;
	for (i = 0; config_products[i] != NULL; i++)
		if (strcmp(config_products[i], v->text) == 0)
			break;
	if (config_products[i] == NULL) {
		diag_error(p->d, p->file, v->line,
		    "unknown product %s (lync2013, sfb2015 or sfb2019)", v->text);
		return;
	}
	if ((p->c->product = strdup(v->text)) == NULL)
		p->oom = 1;
}

static void
key_pack(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *v = &s->tok[1];

	(void)k;
	if (c->npacks >= CONFIG_MAX_PACKS) {
		diag_error(p->d, p->file, s->tok[0].line,
		    "too many pack lines (at most %d)", CONFIG_MAX_PACKS);
		return;
	}
	if (!config_pack_name_ok(v->text)) {
		diag_error(p->d, p->file, v->line, "bad pack name \"%s\" (the name "
		    "of a file NAME.rules in the rules directory)", v->text);
		return;
	}
	for (int i = 0; i < c->npacks; i++)
		if (strcmp(c->packs[i], v->text) == 0) {
			diag_error(p->d, p->file, v->line, "duplicate pack %s", v->text);
			return;
		}
	if ((c->packs[c->npacks] = strdup(v->text)) == NULL)
		p->oom = 1;
	else
		p->pack_line[c->npacks++] = s->tok[0].line;
}

static void
key_fail_on(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];
	int i;

	(void)k;
	for (i = 0; config_levels[i] != NULL; i++)
		if (strcmp(config_levels[i], v->text) == 0)
			break;
	if (config_levels[i] == NULL) {
		diag_error(p->d, p->file, v->line,
		    "fail-on must be high, medium, low or none, not %s", v->text);
		return;
	}
	p->c->fail_on = i;
}

/* `eve PATH`, or `eve -` for standard output. */
static void
key_eve(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	(void)k;
	if (strcmp(s->tok[1].text, "-") == 0) {
		if ((p->c->eve = strdup("-")) == NULL)
			p->oom = 1;
	} else
		config_path(p, &s->tok[0], &s->tok[1], &p->c->eve);
}

/* `flow-log all|findings|none`: which flows the flows table and EVE get. */
static void
key_flow_log(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];
	int fl;

	(void)k;
	for (fl = 0; config_flow_logs[fl] != NULL; fl++)
		if (strcmp(config_flow_logs[fl], v->text) == 0)
			break;
	if (config_flow_logs[fl] == NULL)
		diag_error(p->d, p->file, v->line,
		    "flow-log must be all, findings or none, not %s", v->text);
	else
		p->c->flow_log = fl;
}

/* A path, resolved against the file's directory, into the char * at k->off. */
static void
key_path(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	config_path(p, &s->tok[0], &s->tok[1], CONFIG_FIELD(p->c, k, char *));
}

/* yes or no into the int at k->off. */
static void
key_yesno(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	config_yesno(p, &s->tok[0], &s->tok[1], CONFIG_FIELD(p->c, k, int));
}

/* A number k->min..k->max into the uint32_t at k->off. */
static void
key_u32(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	unsigned long n;

	if (config_number(p, &s->tok[0], &s->tok[1], k->min, k->max, &n) == 0)
		*CONFIG_FIELD(p->c, k, uint32_t) = (uint32_t)n;
}

/* A number k->min..k->max into the int at k->off. */
static void
key_int(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	unsigned long n;

	if (config_number(p, &s->tok[0], &s->tok[1], k->min, k->max, &n) == 0)
		*CONFIG_FIELD(p->c, k, int) = (int)n;
}

/* interface and nflog lines share CONFIG_MAX_SOURCES: 0 when one more fits. */
static int
config_source_room(struct config_parse *p, const struct token *key)
{
	if (p->c->ninterfaces + p->c->nnflog < CONFIG_MAX_SOURCES)
		return 0;
	diag_error(p->d, p->file, key->line,
	    "too many capture sources (at most %d)", CONFIG_MAX_SOURCES);
	return -1;
}

static void
key_interface(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *v = &s->tok[1];

	(void)k;
	if (config_source_room(p, &s->tok[0]) == -1)
		return;
	if (v->text[0] == '\0')
		diag_error(p->d, p->file, v->line, "empty interface name");
	else if ((c->interfaces[c->ninterfaces] = strdup(v->text)) == NULL)
		p->oom = 1;
	else
		c->ninterfaces++;
}

/* `nflog GROUP`: a netfilter log group, 0..65535. */
static void
key_nflog(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	unsigned long n;

	(void)k;
	if (config_source_room(p, &s->tok[0]) == 0 &&
	    config_number(p, &s->tok[0], &s->tok[1], 0, 65535, &n) == 0)
		p->c->nflog[p->c->nnflog++] = (int)n;
}

static void
key_vxlan_port(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	(void)k;
	config_tunnel_port(p, &s->tok[0], &s->tok[1], &p->c->vxlan, CONFIG_MAX_VXLAN,
	    &p->vxlan_none);
}

static void
key_geneve_port(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	(void)k;
	config_tunnel_port(p, &s->tok[0], &s->tok[1], &p->c->geneve, CONFIG_MAX_GENEVE,
	    &p->geneve_none);
}

static void
key_user(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];

	(void)k;
	if (v->text[0] == '\0') {
		diag_error(p->d, p->file, v->line, "empty value for %s", s->tok[0].text);
		return;
	}
	if ((p->c->user = strdup(v->text)) == NULL)
		p->oom = 1;
}

static void
key_sensor_name(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];

	(void)k;
	/* RFC 5424 HOSTNAME and CEF dvchost take it as it is */
	if (!sensor_name_ok(v->text))
		diag_error(p->d, p->file, v->line,
		    "sensor-name must be 1 to %d printable characters without blanks, "
		    "not \"%s\"", SENSOR_NAME_MAX, v->text);
	else
		(void)config_strdup(p, &p->c->sensor_name, v->text);
}

/* `severity KIND 1..3`: a later line for the same kind wins. */
static void
key_severity(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	unsigned long n;
	int kind;

	(void)k;
	if ((kind = config_kind(p, &s->tok[1])) == 0 ||
	    config_severity_value(p, "severity", &s->tok[2], &n) == -1)
		return;
	p->c->severity[kind] = (int)n;
}

/* `rule-severity RULE 1..3`: one rule's findings at another severity. */
static void
key_rule_severity(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *v = &s->tok[1];
	unsigned long n;

	(void)k;
	if (c->nrule_sev >= CONFIG_MAX_RULE_SEV) {
		diag_error(p->d, p->file, s->tok[0].line,
		    "too many rule-severity lines (at most %d)", CONFIG_MAX_RULE_SEV);
		return;
	}
	if (config_severity_value(p, "severity", &s->tok[2], &n) == -1)
		return;
	c->rule_sev[c->nrule_sev].rule = strdup(v->text);
	if (c->rule_sev[c->nrule_sev].rule == NULL) {
		p->oom = 1;
		return;
	}
	c->rule_sev[c->nrule_sev].severity = (int)n;
	c->rule_sev[c->nrule_sev].line = v->line;
	c->nrule_sev++;
}

/* `suppress KIND seconds`: once a kind. */
static void
key_suppress(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];
	unsigned long n;
	int kind;

	(void)k;
	if ((kind = config_kind(p, v)) == 0 ||
	    config_once(p, &s->tok[0], v->text, &p->suppress_seen[kind]) == -1)
		return;
	if (lex_number(s->tok[2].text, 0, CONFIG_MAX_TIMEOUT, &n) == -1) {
		diag_error(p->d, p->file, s->tok[2].line,
		    "suppress %s must be a number of seconds from 0 to %lu, not %s",
		    v->text, CONFIG_MAX_TIMEOUT, s->tok[2].text);
		return;
	}
	p->c->suppress[kind] = (uint32_t)n;
}

/* `rate-limit global|source RATE BURST`: once a scope. */
static void
key_rate_limit(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *v = &s->tok[1];
	unsigned long rate, burst;
	int src;

	(void)k;
	if (strcmp(v->text, "global") == 0)
		src = 0;
	else if (strcmp(v->text, "source") == 0)
		src = 1;
	else {
		diag_error(p->d, p->file, v->line,
		    "unknown rate-limit scope %s (global, source)", v->text);
		return;
	}
	if (config_once(p, &s->tok[0], v->text, &p->rate_seen[src]) == -1)
		return;
	if (lex_number(s->tok[2].text, 1, CONFIG_MAX_RATE, &rate) == -1) {
		diag_error(p->d, p->file, s->tok[2].line,
		    "rate-limit rate must be a number of alerts per second from 1 to %lu, not %s",
		    CONFIG_MAX_RATE, s->tok[2].text);
		return;
	}
	if (lex_number(s->tok[3].text, 1, CONFIG_MAX_RATE, &burst) == -1) {
		diag_error(p->d, p->file, s->tok[3].line,
		    "rate-limit burst must be a number of alerts from 1 to %lu, not %s",
		    CONFIG_MAX_RATE, s->tok[3].text);
		return;
	}
	if (src == 0) {
		c->rate_global = (uint32_t)rate;
		c->burst_global = (uint32_t)burst;
	} else {
		c->rate_source = (uint32_t)rate;
		c->burst_source = (uint32_t)burst;
	}
}

/* `scan-threshold COUNT SECONDS`. */
static void
key_scan_threshold(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	unsigned long n, secs;

	(void)k;
	if (config_number(p, &s->tok[0], &s->tok[1], 0, CONFIG_MAX_SCAN, &n) == -1)
		return;
	if (lex_number(s->tok[2].text, 1, CONFIG_MAX_SCAN_WINDOW, &secs) == -1) {
		diag_error(p->d, p->file, s->tok[2].line,
		    "scan-threshold window must be a number of seconds from 1 to %lu, not %s",
		    CONFIG_MAX_SCAN_WINDOW, s->tok[2].text);
		return;
	}
	p->c->scan_threshold = (uint32_t)n;
	p->c->scan_window = (uint32_t)secs;
}

/* `timeout NAME seconds`: once a name. */
static void
key_timeout(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	const struct token *v = &s->tok[1];
	unsigned long n;
	int t;

	(void)k;
	for (t = 0; config_timeouts[t] != NULL; t++)
		if (strcmp(config_timeouts[t], v->text) == 0)
			break;
	if (config_timeouts[t] == NULL) {
		diag_error(p->d, p->file, v->line,
		    "unknown timeout %s (tcp-syn, tcp-established, tcp-closed, udp, other)",
		    v->text);
		return;
	}
	if (config_once(p, &s->tok[0], v->text, &p->tmo_seen[t]) == -1)
		return;
	if (lex_number(s->tok[2].text, 1, CONFIG_MAX_TIMEOUT, &n) == -1) {
		diag_error(p->d, p->file, s->tok[2].line,
		    "timeout %s must be a number of seconds from 1 to %lu, not %s",
		    v->text, CONFIG_MAX_TIMEOUT, s->tok[2].text);
		return;
	}
	*config_timeout_field(p->c, t) = (uint32_t)n;
}

/* `retention age|size VALUE`. */
static void
key_retention(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	(void)k;
	config_retention(p, &s->tok[0], &s->tok[1], &s->tok[2]);
}

/* `output NAME { ... }`: config-output.c reads the whole block. */
static void
key_output(struct config_parse *p, const struct config_key *k, const struct stmt *s)
{
	(void)k;
	config_output(p, s);
}

#define KEY_FIELD(f)	offsetof(struct config, f)

/*
 * The statements of conformd.conf (conformd.conf(5)), one entry a key:
 * how many values follow it (-1: the handler reads the rest of the line
 * and counts them itself), whether a second line is an error (checked
 * once the line has its values), and the handler that checks the values
 * and sets the field.  Keys of one form (a path, yes or no, a number in a
 * range) share a handler and name their field and range here.
 */
static const struct config_key config_keys[] = {
	{ "product", 1, 1, key_product, 0, 0, 0 },
	{ "rules-dir", 1, 1, key_path, KEY_FIELD(rules_dir), 0, 0 },
	{ "pack", 1, 0, key_pack, 0, 0, 0 },
	{ "rules", 1, 0, key_rules, 0, 0, 0 },
	{ "site-rules", 1, 1, key_path, KEY_FIELD(site_rules), 0, 0 },
	{ "fail-on", 1, 1, key_fail_on, 0, 0, 0 },
	{ "inventory", 1, 1, key_path, KEY_FIELD(inventory), 0, 0 },
	{ "database", 1, 1, key_path, KEY_FIELD(database), 0, 0 },
	{ "eve", 1, 1, key_eve, 0, 0, 0 },
	{ "flow-vlan", 1, 1, key_yesno, KEY_FIELD(flow_vlan), 0, 0 },
	{ "community-id", 1, 1, key_yesno, KEY_FIELD(community_id), 0, 0 },
	{ "community-id-seed", 1, 1, key_u32, KEY_FIELD(community_id_seed), 0, 65535 },
	{ "flow-log", 1, 1, key_flow_log, 0, 0, 0 },
	/* the flow table's own limit: -T refuses what a run would */
	{ "max-flows", 1, 1, key_u32, KEY_FIELD(max_flows), 1, CONFIG_MAX_FLOWS },
	{ "timeout", 2, 0, key_timeout, 0, 0, 0 },
	{ "summary-top", 1, 1, key_int, KEY_FIELD(summary_top), 0, CONFIG_MAX_TOP },
	{ "answer-timeout", 1, 1, key_u32, KEY_FIELD(answer_timeout), 1, CONFIG_MAX_TIMEOUT },
	{ "coverage-window", 1, 1, key_u32, KEY_FIELD(coverage_window), 0, CONFIG_MAX_TIMEOUT },
	{ "stats-interval", 1, 1, key_u32, KEY_FIELD(stats_interval), 0, CONFIG_MAX_TIMEOUT },
	{ "interface", 1, 0, key_interface, 0, 0, 0 },
	{ "nflog", 1, 0, key_nflog, 0, 0, 0 },
	{ "snaplen", 1, 1, key_u32, KEY_FIELD(snaplen), 64, 262144 },
	{ "buffer-size", 1, 1, key_u32, KEY_FIELD(buffer_kib), 1, 4194304 },
	{ "filter", -1, 1, key_filter, 0, 0, 0 },
	{ "vxlan-port", 1, 0, key_vxlan_port, 0, 0, 0 },
	{ "geneve-port", 1, 0, key_geneve_port, 0, 0, 0 },
	{ "workers", 1, 1, key_int, KEY_FIELD(workers), 1, 64 },
	{ "user", 1, 1, key_user, 0, 0, 0 },
	{ "sensor-name", 1, 1, key_sensor_name, 0, 0, 0 },
	{ "coverage", 1, 1, key_yesno, KEY_FIELD(coverage), 0, 0 },
	{ "severity", 2, 0, key_severity, 0, 0, 0 },
	{ "rule-severity", 2, 0, key_rule_severity, 0, 0, 0 },
	{ "suppress", 2, 0, key_suppress, 0, 0, 0 },
	{ "rate-limit", 3, 0, key_rate_limit, 0, 0, 0 },
	{ "scan-threshold", 2, 1, key_scan_threshold, 0, 0, 0 },
	{ "retention", 2, 0, key_retention, 0, 0, 0 },
	{ "output", -1, 0, key_output, 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 }
};
_Static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_KEYS_MAX,
    "config-value.h: CONFIG_KEYS_MAX below the table's size");

/* One statement: its key looked up, its values counted, its handler run. */
static void
config_stmt(struct config_parse *p, const struct stmt *s)
{
	const struct token *key = &s->tok[0], *v;
	const struct config_key *k;

	for (k = config_keys; k->name != NULL; k++)
		if (strcmp(k->name, key->text) == 0)
			break;
	if (k->name == NULL) {
		diag_error(p->d, p->file, key->line, "unknown key %s", key->text);
		return;
	}
	if (k->nval >= 0) {
		if (s->ntok - 1 < k->nval) {
			diag_error(p->d, p->file, s->tok[s->ntok - 1].line,
			    "missing value for %s", key->text);
			return;
		}
		if (s->ntok - 1 > k->nval) {
			v = &s->tok[k->nval + 1];
			diag_error(p->d, p->file, v->line, "extra value %s after %s",
			    v->text, key->text);
			return;
		}
	}
	/* a key reading the whole line says first that it has no value */
	if (k->once && (k->nval >= 0 || s->ntok > 1) &&
	    config_once(p, key, NULL, &p->seen[k - config_keys]) == -1)
		return;
	k->set(p, k, s);
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
	config_tunnel_ports_check(&p);
	lex_free(&lf);
	free(p.dir);
	memcpy(c->pack_line, p.pack_line, sizeof(c->pack_line));
	if (p.oom) {
		diag_error(d, c->path, 0, "out of memory");
		return -1;
	}
	if (c->inventory == NULL && !c->inventory_optional)
		diag_error(d, c->path, 0, "no inventory configured");
	return d->nerrors == errors0 ? 0 : -1;
}

/* `key port` lines, or `key none`; nothing when no line set them. */
static void
config_print_ports(const char *key, const struct config_ports *cp, FILE *out)
{
	if (cp->set && cp->n == 0)
		fprintf(out, "%s none\n", key);
	for (int i = 0; i < cp->n; i++)
		fprintf(out, "%s %u\n", key, cp->ports[i]);
}


/* `retention KIND VALUE` in its largest exact unit. */
static void
config_print_retention(const char *kind, uint64_t v, int size, FILE *out)
{
	int i;

	if (v == 0)
		return;
	for (i = 0; size ? config_sizes[i + 1].unit : config_ages[i + 1].unit; i++)
		if (v % (size ? config_sizes[i].mult : config_ages[i].mult) == 0)
			break;
	fprintf(out, "retention %s %llu%c\n", kind,
	    (unsigned long long)(v / (size ? config_sizes[i].mult : config_ages[i].mult)),
	    size ? config_sizes[i].unit : config_ages[i].unit);
}

void
config_print(const struct config *c, FILE *out)
{
	config_print_word("product", c->product, out);
	config_print_word("rules-dir", c->rules_dir, out);
	for (int i = 0; i < c->npacks; i++)
		config_print_word("pack", c->packs[i], out);
	for (int i = 0; i < c->nrules; i++)
		config_print_word("rules", c->rules[i], out);
	config_print_word("site-rules", c->site_rules, out);
	fprintf(out, "fail-on %s\n", config_levels[c->fail_on]);
	config_print_word("inventory", c->inventory, out);
	config_print_word("database", c->database, out);
	config_print_word("eve", c->eve, out);
	fprintf(out, "flow-vlan %s\n", c->flow_vlan ? "yes" : "no");
	fprintf(out, "community-id %s\n", c->community_id ? "yes" : "no");
	if (c->community_id_seed != 0)
		fprintf(out, "community-id-seed %u\n", c->community_id_seed);
	fprintf(out, "flow-log %s\n", config_flow_logs[c->flow_log]);
	fprintf(out, "max-flows %u\n", c->max_flows);
	for (int t = 0; t < TMO_COUNT; t++)
		fprintf(out, "timeout %s %u\n", config_timeouts[t],
		    config_timeout_get(c, t));
	fprintf(out, "summary-top %d\n", c->summary_top);
	fprintf(out, "answer-timeout %u\n", c->answer_timeout);
	fprintf(out, "coverage-window %u\n", c->coverage_window);
	fprintf(out, "stats-interval %u\n", c->stats_interval);
	config_print_retention("age", c->retention_age, 0, out);
	config_print_retention("size", c->retention_bytes, 1, out);
	for (int i = 0; i < c->ninterfaces; i++)
		config_print_word("interface", c->interfaces[i], out);
	for (int i = 0; i < c->nnflog; i++)
		fprintf(out, "nflog %d\n", c->nflog[i]);
	if (c->snaplen != 0)
		fprintf(out, "snaplen %u\n", c->snaplen);
	if (c->buffer_kib != 0)
		fprintf(out, "buffer-size %u\n", c->buffer_kib);
	config_print_word("filter", c->filter, out);
	config_print_ports("vxlan-port", &c->vxlan, out);
	config_print_ports("geneve-port", &c->geneve, out);
	if (c->workers != 0)
		fprintf(out, "workers %d\n", c->workers);
	config_print_word("user", c->user, out);
	config_print_word("sensor-name", c->sensor_name, out);
	fprintf(out, "coverage %s\n", c->coverage ? "yes" : "no");
	for (int k = 1; k < CONFIG_KINDS; k++)
		fprintf(out, "severity %s %d\n", config_kinds[k], c->severity[k]);
	for (int i = 0; i < c->nrule_sev; i++) {
		fputs("rule-severity ", out);
		lex_print_word(c->rule_sev[i].rule, out);
		fprintf(out, " %d\n", c->rule_sev[i].severity);
	}
	for (int k = 1; k < CONFIG_KINDS; k++)
		fprintf(out, "suppress %s %u\n", config_kinds[k], c->suppress[k]);
	if (c->rate_global != 0)
		fprintf(out, "rate-limit global %u %u\n", c->rate_global, c->burst_global);
	if (c->rate_source != 0)
		fprintf(out, "rate-limit source %u %u\n", c->rate_source, c->burst_source);
	fprintf(out, "scan-threshold %u %u\n", c->scan_threshold, c->scan_window);
	for (int i = 0; i < c->noutputs; i++)
		config_output_print(&c->outputs[i], out);
}

const char *
config_rules_dir(const struct config *c)
{
	return c->rules_dir != NULL ? c->rules_dir : CONFORMD_RULESDIR;
}

const char *
config_severity_name(int severity)
{
	return severity >= 0 && severity <= 3 ? config_levels[severity] : "?";
}

/* RULESDIR/NAME.rules into a new string, NULL when out of memory. */
static char *
config_pack_path(const struct config *c, const char *name)
{
	const char *dir = config_rules_dir(c);
	size_t len = strlen(dir) + strlen(name) + sizeof("/.rules");
	char *s = malloc(len);

	if (s != NULL)
		snprintf(s, len, "%s/%s.rules", dir, name);
	return s;
}

int
config_each_rules_file(const struct config *c,
    int (*fn)(void *arg, const char *path, int line), void *arg)
{
	const char *product = c->product;
	char *path;
	int rv;

	if (product == NULL && c->nrules == 0)
		product = CONFIG_DEFAULT_PRODUCT;
	if (product != NULL) {
		if ((path = config_pack_path(c, product)) == NULL)
			return -1;
		rv = fn(arg, path, c->product_line);
		free(path);
		if (rv != 0)
			return rv;
	}
	for (int i = 0; i < c->npacks; i++) {
		if ((path = config_pack_path(c, c->packs[i])) == NULL)
			return -1;
		rv = fn(arg, path, c->pack_line[i]);
		free(path);
		if (rv != 0)
			return rv;
	}
	for (int i = 0; i < c->nrules; i++)
		if ((rv = fn(arg, c->rules[i], 0)) != 0)
			return rv;
	return 0;
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
