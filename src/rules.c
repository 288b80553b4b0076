/*
 * rules.c - the port matrix: parsing `role`, `pool-type` and `rule`
 * statements (rules/ *.rules), checking them, and printing them back in
 * canonical form.
 *
 * The source of the shipped rules is Microsoft's "Ports and protocols for
 * internal servers in Lync Server 2013" (TechNet Gg398833); the file format
 * is described in conformd.conf(5) and notes/HELPERS.md.  Statements come
 * from the shared tokenizer (lex.h).  Every error is reported at the line
 * of the offending token and parsing goes on; a statement with an error is
 * dropped whole, so what is kept always parsed cleanly.  Names must be
 * declared before they are used (roles before the pool types and rules
 * that name them), which keeps error order equal to line order.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/lex.h"
#include "conformd/rules.h"

#define RULES_MAX_ROW		9999	/* a seed table has a few dozen rows */
#define RULES_MAX_RULES		(RULE_NONE - 1)	/* rule indices are 16-bit elsewhere */

/* value-to-name tables */
struct rules_name {
	unsigned	 val;
	const char	*name;
};

static const struct rules_name rules_kinds[] = {
	{ ROLE_SERVER, "server" },
	{ ROLE_VIP, "vip" },
	{ ROLE_CLIENT, "client" },
	{ ROLE_PEER, "peer" },
	{ 0, NULL }
};

static const struct rules_name rules_dirs[] = {
	{ RULE_IN, "in" },
	{ RULE_OUT, "out" },
	{ 0, NULL }
};

static const struct rules_name rules_protos[] = {
	{ RULE_TCP, "tcp" },
	{ RULE_UDP, "udp" },
	{ RULE_TCP | RULE_UDP, "tcp/udp" },
	{ 0, NULL }
};

/* In bit order: also the order apps are printed in. */
static const struct rules_name rules_apps[] = {
	{ APP_TLS, "tls" },
	{ APP_MTLS, "mtls" },
	{ APP_HTTP, "http" },
	{ APP_HTTPS, "https" },
	{ APP_DCOM, "dcom" },
	{ APP_DHCP, "dhcp" },
	{ APP_STUN, "stun" },
	{ APP_SIP, "sip" },
	{ APP_PSOM, "psom" },
	{ APP_SQL, "sql" },
	{ 0, NULL }
};

/* Keys of a `rule` statement, in canonical print order. */
enum {
	RK_TABLE, RK_ROW, RK_ROLE, RK_DIR, RK_PROTO, RK_PORT, RK_APP, RK_PEER,
	RK_OPTIONAL, RK_REQRESP, RK_SERVICE, RK_NOTE, RK_NKEYS
};

/* Keys of a `pool-type` statement, in canonical print order. */
enum {
	PK_MEMBER, PK_VIP_HW, PK_VIP_DNS, PK_COLLOCATED, PK_COLLOCATED_VIP_HW,
	PK_CMS, PK_NKEYS
};

struct rules_key {
	const char	*name;
	int		 hasval;	/* 0: a flag that takes no value */
	int		 kind;		/* pool-type keys: the role kind required */
};

static const struct rules_key rule_keys[RK_NKEYS + 1] = {
	{ "table", 1, 0 },
	{ "row", 1, 0 },
	{ "role", 1, 0 },
	{ "dir", 1, 0 },
	{ "proto", 1, 0 },
	{ "port", 1, 0 },
	{ "app", 1, 0 },
	{ "peer", 1, 0 },
	{ "optional", 0, 0 },
	{ "reqresp", 0, 0 },
	{ "service", 1, 0 },
	{ "note", 1, 0 },
	{ NULL, 0, 0 }
};

static const struct rules_key pool_keys[PK_NKEYS + 1] = {
	{ "member", 1, ROLE_SERVER },
	{ "vip-hardware", 1, ROLE_VIP },
	{ "vip-dns", 1, ROLE_VIP },
	{ "collocated", 1, ROLE_SERVER },
	{ "collocated-vip-hardware", 1, ROLE_VIP },
	{ "cms", 1, ROLE_SERVER },
	{ NULL, 0, 0 }
};

/* State of one statement being parsed. */
struct rules_ctx {
	struct ruleset	*rs;
	struct diag	*d;
	const char	*file;		/* rs->files[] entry */
	int		 bad;		/* the statement had an error: drop it */
};

static void rules_err(struct rules_ctx *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
rules_err(struct rules_ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(c->d, c->file, line, "%s", msg);
	c->bad = 1;
}

static int
rules_lookup(const struct rules_name *t, const char *name, unsigned *val)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0) {
			*val = t->val;
			return 0;
		}
	return -1;
}

static const char *
rules_name_of(const struct rules_name *t, unsigned val)
{
	for (; t->name != NULL; t++)
		if (t->val == val)
			return t->name;
	return "?";
}

static int
rules_key_index(const struct rules_key *keys, const char *name)
{
	for (int i = 0; keys[i].name != NULL; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * Names (roles, pool types, rule ids) are printed bare and appear in
 * comma lists, so they are kept to a safe alphabet.
 */
static int
rules_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}

/*
 * The value of the key at tok[*i]: the next token, unless there is none
 * or it is itself a key of the statement (then the value is missing).
 */
static const struct token *
rules_value(struct rules_ctx *c, const struct stmt *st, int *i,
    const struct rules_key *keys)
{
	const struct token *k = &st->tok[*i];
	const struct token *v;

	if (*i + 1 >= st->ntok) {
		rules_err(c, k->line, "missing value for %s", k->text);
		return NULL;
	}
	v = &st->tok[*i + 1];
	if (!v->quoted && rules_key_index(keys, v->text) >= 0) {
		rules_err(c, k->line, "missing value for %s", k->text);
		return NULL;
	}
	(*i)++;
	return v;
}

/*
 * After an unknown key: skip the word that follows when it cannot be a
 * key, taking it for the unknown key's value, so that `colour blue` is one
 * error and not two.
 */
static void
rules_skip_value(const struct stmt *st, int *i, const struct rules_key *keys)
{
	const struct token *v;

	if (*i + 1 >= st->ntok)
		return;
	v = &st->tok[*i + 1];
	if (v->quoted || rules_key_index(keys, v->text) < 0)
		(*i)++;
}

/*
 * The key at tok[*i], looked up in `keys`: its index, or -1 when unknown
 * (reported, and its value skipped).  A key already marked in seen[] is
 * reported as a duplicate; the caller decides which value counts.
 */
static int
rules_key_at(struct rules_ctx *c, const struct stmt *st, int *i,
    const struct rules_key *keys, const int *seen)
{
	const struct token *k = &st->tok[*i];
	int key = rules_key_index(keys, k->text);

	if (key < 0) {
		rules_err(c, k->line, "unknown key %s", k->text);
		rules_skip_value(st, i, keys);
		return -1;
	}
	if (seen[key])
		rules_err(c, k->line, "duplicate key %s", k->text);
	return key;
}

/* A role named by a token; -1 (reported) when unknown. */
static int
rules_role_ref(struct rules_ctx *c, const char *name, int line)
{
	int r = rules_find_role(c->rs, name);

	if (r < 0)
		rules_err(c, line, "unknown role %s", name);
	return r;
}

/*
 * Walk the comma list in token t: fn is called for each element, copied
 * into a bounded buffer (the token is not modified).  Stops early when fn
 * returns -1.
 */
static void
rules_each_elem(struct rules_ctx *c, const struct token *t, const char *what,
    int (*fn)(struct rules_ctx *, const char *, int, void *), void *arg)
{
	const char *p = t->text;

	for (;;) {
		char elem[128];
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == 0) {
			rules_err(c, t->line, "empty element in %s list %s", what, t->text);
			return;
		}
		if (n >= sizeof(elem)) {
			rules_err(c, t->line, "bad %s %.*s", what, (int)(sizeof(elem) - 1), p);
			return;
		}
		memcpy(elem, p, n);
		elem[n] = '\0';
		if (fn(c, elem, t->line, arg) == -1)
			return;
		if (comma == NULL)
			return;
		p = comma + 1;
	}
}

/* ---- role ---- */

static void
rules_parse_role(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	struct role *ro;
	unsigned kind = 0;
	int implied = 0, dup;

	if (st->ntok < 2) {
		rules_err(c, st->line, "missing role name");
		return;
	}
	if (!rules_name_ok(tok[1].text))
		rules_err(c, tok[1].line, "bad role name \"%s\"", tok[1].text);
	if (st->ntok < 3) {
		rules_err(c, st->line, "missing kind for role %s", tok[1].text);
		return;
	}
	if (rules_lookup(rules_kinds, tok[2].text, &kind) == -1)
		rules_err(c, tok[2].line, "unknown role kind %s", tok[2].text);
	if (st->ntok < 4 || (!tok[3].quoted && strcmp(tok[3].text, "implied") == 0)) {
		rules_err(c, st->line, "missing description for role %s",
		    tok[1].text);
		return;
	}
	for (int i = 4; i < st->ntok; i++) {
		if (strcmp(tok[i].text, "implied") != 0)
			rules_err(c, tok[i].line, "unexpected word %s", tok[i].text);
		else if (implied)
			rules_err(c, tok[i].line, "duplicate key implied");
		else {
			implied = 1;
			if (kind != 0 && kind != ROLE_SERVER)
				rules_err(c, tok[i].line, "implied on non-server role %s",
				    tok[1].text);
		}
	}
	dup = rules_find_role(rs, tok[1].text);
	if (dup >= 0)
		rules_err(c, tok[1].line, "duplicate role %s (first defined at %s:%d)",
		    tok[1].text, rs->roles[dup].file, rs->roles[dup].line);
	else if (rs->nroles >= RULES_MAX_ROLES)
		rules_err(c, tok[1].line, "too many roles (max %d): %s",
		    RULES_MAX_ROLES, tok[1].text);
	if (c->bad)
		return;

	ro = &rs->roles[rs->nroles];
	ro->name = strdup(tok[1].text);
	ro->desc = strdup(tok[3].text);
	if (ro->name == NULL || ro->desc == NULL) {
		free(ro->name);
		free(ro->desc);
		memset(ro, 0, sizeof(*ro));
		rules_err(c, st->line, "out of memory");
		return;
	}
	ro->kind = (int)kind;
	ro->implied = implied;
	ro->file = c->file;
	ro->line = tok[1].line;
	rs->nroles++;
}

/* ---- pool-type ---- */

static void
rules_parse_pooltype(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	struct pool_type pt;
	int seen[PK_NKEYS] = { 0 };
	int *field[PK_NKEYS];
	const struct pool_type *dup;

	if (st->ntok < 2 || (!tok[1].quoted && rules_key_index(pool_keys, tok[1].text) >= 0)) {
		rules_err(c, st->line, "missing pool-type name");
		return;
	}
	if (!rules_name_ok(tok[1].text))
		rules_err(c, tok[1].line, "bad pool-type name \"%s\"", tok[1].text);

	memset(&pt, 0, sizeof(pt));
	pt.member = pt.vip_hardware = pt.vip_dns = -1;
	pt.collocated = pt.collocated_vip_hw = pt.cms = -1;
	field[PK_MEMBER] = &pt.member;
	field[PK_VIP_HW] = &pt.vip_hardware;
	field[PK_VIP_DNS] = &pt.vip_dns;
	field[PK_COLLOCATED] = &pt.collocated;
	field[PK_COLLOCATED_VIP_HW] = &pt.collocated_vip_hw;
	field[PK_CMS] = &pt.cms;

	for (int i = 2; i < st->ntok; i++) {
		const struct token *k = &tok[i], *v;
		int key = rules_key_at(c, st, &i, pool_keys, seen);
		int r;

		if (key < 0)
			continue;
		seen[key] = 1;
		if ((v = rules_value(c, st, &i, pool_keys)) == NULL)
			continue;
		if ((r = rules_role_ref(c, v->text, v->line)) < 0)
			continue;
		if (rs->roles[r].kind != pool_keys[key].kind) {
			rules_err(c, v->line, "%s role %s is not a %s role", k->text,
			    v->text, rules_name_of(rules_kinds, (unsigned)pool_keys[key].kind));
			continue;
		}
		*field[key] = r;
	}
	dup = rules_find_pooltype(rs, tok[1].text);
	if (dup != NULL)
		rules_err(c, tok[1].line, "duplicate pool-type %s (first defined at %s:%d)",
		    tok[1].text, dup->file, dup->line);
	else if (rs->npooltypes >= RULES_MAX_POOLTYPES)
		rules_err(c, tok[1].line, "too many pool types (max %d): %s",
		    RULES_MAX_POOLTYPES, tok[1].text);
	if (c->bad)
		return;

	pt.name = strdup(tok[1].text);
	if (pt.name == NULL) {
		rules_err(c, st->line, "out of memory");
		return;
	}
	pt.file = c->file;
	pt.line = tok[1].line;
	rs->pooltypes[rs->npooltypes++] = pt;
}

/* ---- rule ---- */

static int
rules_port_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	struct rule *r = arg;
	char lo[64], hi[64];
	const char *dash;
	unsigned long a, b;

	if (strcmp(elem, "client-media") == 0) {
		if (r->nports > 0 || r->client_media) {
			rules_err(c, line, "client-media cannot be combined with other ports");
			return -1;
		}
		r->client_media = 1;
		return 0;
	}
	if (r->client_media) {
		rules_err(c, line, "client-media cannot be combined with other ports");
		return -1;
	}
	dash = strchr(elem, '-');
	if (dash == NULL) {
		snprintf(lo, sizeof(lo), "%s", elem);
		snprintf(hi, sizeof(hi), "%s", elem);
	} else {
		if (dash == elem || dash[1] == '\0' || strchr(dash + 1, '-') != NULL ||
		    (size_t)(dash - elem) >= sizeof(lo)) {
			rules_err(c, line, "bad port range %s", elem);
			return 0;
		}
		snprintf(lo, sizeof(lo), "%.*s", (int)(dash - elem), elem);
		snprintf(hi, sizeof(hi), "%s", dash + 1);
	}
	if (lex_number(lo, 0, ULONG_MAX, &a) == -1) {
		rules_err(c, line, "bad number %s in port list", lo);
		return 0;
	}
	if (lex_number(hi, 0, ULONG_MAX, &b) == -1) {
		rules_err(c, line, "bad number %s in port list", hi);
		return 0;
	}
	if (a < 1 || a > 65535) {
		rules_err(c, line, "port %s out of range 1-65535", lo);
		return 0;
	}
	if (b < 1 || b > 65535) {
		rules_err(c, line, "port %s out of range 1-65535", hi);
		return 0;
	}
	if (a > b) {
		rules_err(c, line, "port range %s is inverted", elem);
		return 0;
	}
	if (r->nports >= RULES_MAX_RANGES) {
		rules_err(c, line, "too many port ranges (max %d)", RULES_MAX_RANGES);
		return -1;
	}
	for (int i = 0; i < r->nports; i++)
		if (a <= r->ports[i].hi && r->ports[i].lo <= b) {
			rules_err(c, line, "port %s overlaps an earlier port of the list", elem);
			return 0;
		}
	r->ports[r->nports].lo = (uint16_t)a;
	r->ports[r->nports].hi = (uint16_t)b;
	r->nports++;
	return 0;
}

static int
rules_app_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	unsigned *apps = arg, bit;

	if (rules_lookup(rules_apps, elem, &bit) == -1) {
		rules_err(c, line, "unknown app %s", elem);
		return 0;
	}
	if (*apps & bit) {
		rules_err(c, line, "duplicate app %s", elem);
		return 0;
	}
	*apps |= bit;
	return 0;
}

static int
rules_peer_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	uint64_t *peers = arg;
	int r = rules_role_ref(c, elem, line);

	if (r < 0)
		return 0;
	if (*peers & ((uint64_t)1 << r)) {
		rules_err(c, line, "duplicate role %s in peer list", elem);
		return 0;
	}
	*peers |= (uint64_t)1 << r;
	return 0;
}

/* A copy of a string value; reports when out of memory. */
static char *
rules_strdup(struct rules_ctx *c, const struct token *t)
{
	char *s = strdup(t->text);

	if (s == NULL)
		rules_err(c, t->line, "out of memory");
	return s;
}

static int
rules_table_row(struct rules_ctx *c, const struct token *v, const char *what,
    unsigned long max, int *out)
{
	unsigned long n;

	if (lex_number(v->text, 0, ULONG_MAX, &n) == -1) {
		rules_err(c, v->line, "bad number %s for %s", v->text, what);
		return -1;
	}
	if (n < 1 || n > max) {
		rules_err(c, v->line, "%s %s out of range 1-%lu", what, v->text, max);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static void
rules_parse_rule(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	const struct token *id = NULL;
	struct rule r;
	int seen[RK_NKEYS] = { 0 };
	int keyline[RK_NKEYS] = { 0 };
	int first = 1;
	const struct rule *dup;

	memset(&r, 0, sizeof(r));
	r.role = -1;
	if (st->ntok >= 2 && !(!tok[1].quoted && rules_key_index(rule_keys, tok[1].text) >= 0)) {
		id = &tok[1];
		first = 2;
		if (!rules_name_ok(id->text))
			rules_err(c, id->line, "bad rule id \"%s\"", id->text);
	}

	for (int i = first; i < st->ntok; i++) {
		const struct token *k = &tok[i], *v = NULL;
		int key = rules_key_at(c, st, &i, rule_keys, seen);
		unsigned u;

		if (key < 0)
			continue;
		if (!seen[key])
			keyline[key] = k->line;
		if (rule_keys[key].hasval &&
		    (v = rules_value(c, st, &i, rule_keys)) == NULL) {
			seen[key] = 1;
			continue;
		}
		if (seen[key]++)
			continue;	/* reported; keep the first value */

		switch (key) {
		case RK_TABLE:
			rules_table_row(c, v, "table", 4, &r.table);
			break;
		case RK_ROW:
			rules_table_row(c, v, "row", RULES_MAX_ROW, &r.row);
			break;
		case RK_ROLE:
			r.role = rules_role_ref(c, v->text, v->line);
			break;
		case RK_DIR:
			if (rules_lookup(rules_dirs, v->text, &u) == -1)
				rules_err(c, v->line, "unknown dir %s", v->text);
			else
				r.dir = (int)u;
			break;
		case RK_PROTO:
			if (rules_lookup(rules_protos, v->text, &u) == -1)
				rules_err(c, v->line, "unknown proto %s", v->text);
			else
				r.protos = u;
			break;
		case RK_PORT:
			rules_each_elem(c, v, "port", rules_port_elem, &r);
			break;
		case RK_APP:
			rules_each_elem(c, v, "app", rules_app_elem, &r.apps);
			break;
		case RK_PEER:
			rules_each_elem(c, v, "peer", rules_peer_elem, &r.peers);
			break;
		case RK_OPTIONAL:
			r.optional = 1;
			break;
		case RK_REQRESP:
			r.reqresp = 1;
			break;
		case RK_SERVICE:
			r.service = rules_strdup(c, v);
			break;
		case RK_NOTE:
			r.note = rules_strdup(c, v);
			break;
		}
	}

	/* Required keys, reported at the statement's line. */
	if (id == NULL)
		rules_err(c, st->line, "missing id in rule");
	for (int k = RK_TABLE; k <= RK_PORT; k++)
		if (!seen[k])
			rules_err(c, st->line, "missing %s in rule%s%s",
			    rule_keys[k].name, id ? " " : "", id ? id->text : "");
	if (r.reqresp && r.protos == RULE_TCP)
		rules_err(c, keyline[RK_REQRESP], "reqresp on a tcp-only rule (needs udp)");
	if (id != NULL) {
		if ((dup = rules_find(rs, id->text)) != NULL)
			rules_err(c, id->line, "duplicate rule id %s (first defined at %s:%d)",
			    id->text, dup->file, dup->line);
		else if (rs->nrules >= RULES_MAX_RULES)
			rules_err(c, id->line, "too many rules (max %d)", RULES_MAX_RULES);
	}
	if (!c->bad && (r.id = rules_strdup(c, id)) != NULL &&
	    rs->nrules == rs->cap) {
		int ncap = rs->cap ? rs->cap * 2 : 64;
		struct rule *nr = realloc(rs->rules, (size_t)ncap * sizeof(*nr));
		if (nr == NULL)
			rules_err(c, st->line, "out of memory");
		else {
			rs->rules = nr;
			rs->cap = ncap;
		}
	}
	if (c->bad) {
		free(r.id);
		free(r.service);
		free(r.note);
		return;
	}
	r.file = c->file;
	r.line = id->line;
	rs->rules[rs->nrules++] = r;
}

/* ---- public ---- */

void
rules_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

int
rules_load(struct ruleset *rs, const char *path, struct diag *d)
{
	struct lexfile lf;
	struct rules_ctx c;
	int before = d->nerrors;
	char **nf, *copy;

	if (lex_file(path, &lf, d) == -1)
		return -1;
	copy = strdup(path);
	nf = realloc(rs->files, (size_t)(rs->nfiles + 1) * sizeof(*nf));
	if (nf != NULL)
		rs->files = nf;
	if (copy == NULL || nf == NULL) {
		free(copy);
		diag_error(d, path, 0, "out of memory");
		lex_free(&lf);
		return -1;
	}
	rs->files[rs->nfiles++] = copy;

	memset(&c, 0, sizeof(c));
	c.rs = rs;
	c.d = d;
	c.file = copy;
	for (int i = 0; i < lf.nstmt; i++) {
		const struct stmt *st = &lf.stmt[i];
		const char *kw = st->tok[0].text;

		c.bad = 0;
		if (strcmp(kw, "role") == 0)
			rules_parse_role(&c, st);
		else if (strcmp(kw, "pool-type") == 0)
			rules_parse_pooltype(&c, st);
		else if (strcmp(kw, "rule") == 0)
			rules_parse_rule(&c, st);
		else
			rules_err(&c, st->line, "unknown statement %s", kw);
	}
	lex_free(&lf);
	return d->nerrors > before ? -1 : 0;
}

int
rules_validate(const struct ruleset *rs, struct diag *d)
{
	int before = d->nerrors;
	const char *where = rs->nfiles > 0 ? rs->files[0] : "rules";

	if (rs->nrules == 0)
		diag_error(d, where, 0, "no rules loaded");
	for (int i = 0; i < rs->npooltypes; i++) {
		const struct pool_type *pt = &rs->pooltypes[i];
		const int other[] = { pt->vip_hardware, pt->vip_dns, pt->collocated,
		    pt->collocated_vip_hw, pt->cms };

		if (pt->member < 0 || pt->member >= rs->nroles)
			diag_error(d, pt->file ? pt->file : where, pt->line,
			    "pool-type %s has no member role", pt->name);
		for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++)
			if (other[k] < -1 || other[k] >= rs->nroles) {
				diag_error(d, pt->file ? pt->file : where, pt->line,
				    "pool-type %s names an undeclared role", pt->name);
				break;
			}
	}
	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		uint64_t known = rs->nroles >= 64 ? ~(uint64_t)0 :
		    (((uint64_t)1 << rs->nroles) - 1);

		if (r->role < 0 || r->role >= rs->nroles || (r->peers & ~known) != 0)
			diag_error(d, r->file ? r->file : where, r->line,
			    "rule %s names an undeclared role", r->id);
	}
	return d->nerrors > before ? -1 : 0;
}

void
rules_free(struct ruleset *rs)
{
	for (int i = 0; i < rs->nroles; i++) {
		free(rs->roles[i].name);
		free(rs->roles[i].desc);
	}
	for (int i = 0; i < rs->npooltypes; i++)
		free(rs->pooltypes[i].name);
	for (int i = 0; i < rs->nrules; i++) {
		free(rs->rules[i].id);
		free(rs->rules[i].service);
		free(rs->rules[i].note);
	}
	free(rs->rules);
	for (int i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	rules_init(rs);
}

int
rules_find_role(const struct ruleset *rs, const char *name)
{
	for (int i = 0; i < rs->nroles; i++)
		if (strcmp(rs->roles[i].name, name) == 0)
			return i;
	return -1;
}

const struct pool_type *
rules_find_pooltype(const struct ruleset *rs, const char *name)
{
	for (int i = 0; i < rs->npooltypes; i++)
		if (strcmp(rs->pooltypes[i].name, name) == 0)
			return &rs->pooltypes[i];
	return NULL;
}

const struct rule *
rules_find(const struct ruleset *rs, const char *id)
{
	for (int i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	return NULL;
}

/* ---- formatting ---- */

/* Append to buf[len] at *off; output is truncated, never overrun. */
static void
rules_append(char *buf, size_t len, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (*off >= len)
		return;
	if (n > len - 1 - *off)
		n = len - 1 - *off;
	memcpy(buf + *off, s, n);
	*off += n;
	buf[*off] = '\0';
}

void
rules_format_ports(const struct rule *r, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (r->client_media) {
		rules_append(buf, len, &off, "client-media");
		return;
	}
	for (int i = 0; i < r->nports && i < RULES_MAX_RANGES; i++) {
		char one[16];

		if (r->ports[i].lo == r->ports[i].hi)
			snprintf(one, sizeof(one), "%s%u", i ? "," : "",
			    (unsigned)r->ports[i].lo);
		else
			snprintf(one, sizeof(one), "%s%u-%u", i ? "," : "",
			    (unsigned)r->ports[i].lo, (unsigned)r->ports[i].hi);
		rules_append(buf, len, &off, one);
	}
}

void
rules_format_roles(const struct ruleset *rs, uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < rs->nroles && i < RULES_MAX_ROLES; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		if (n++)
			rules_append(buf, len, &off, ",");
		rules_append(buf, len, &off, rs->roles[i].name);
	}
	if (n == 0)
		rules_append(buf, len, &off, "-");
}

void
rules_format_apps(unsigned apps, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (const struct rules_name *t = rules_apps; t->name != NULL; t++) {
		if (!(apps & t->val))
			continue;
		if (n++)
			rules_append(buf, len, &off, ",");
		rules_append(buf, len, &off, t->name);
	}
	if (n == 0)
		rules_append(buf, len, &off, "-");
}

const char *
rules_dir_name(int dir)
{
	return rules_name_of(rules_dirs, (unsigned)dir);
}

const char *
rules_proto_name(unsigned protos)
{
	return rules_name_of(rules_protos, protos);
}

static void
rules_print_role_field(const struct ruleset *rs, FILE *out, const char *key, int r)
{
	if (r >= 0 && r < rs->nroles)
		fprintf(out, " %s %s", key, rs->roles[r].name);
}

void
rules_print(const struct ruleset *rs, FILE *out)
{
	char buf[1024];

	for (int i = 0; i < rs->nroles; i++) {
		const struct role *ro = &rs->roles[i];

		fprintf(out, "role %s %s ", ro->name,
		    rules_name_of(rules_kinds, (unsigned)ro->kind));
		lex_print_quoted(ro->desc, out);
		if (ro->implied)
			fputs(" implied", out);
		fputc('\n', out);
	}
	for (int i = 0; i < rs->npooltypes; i++) {
		const struct pool_type *pt = &rs->pooltypes[i];

		fprintf(out, "pool-type %s", pt->name);
		rules_print_role_field(rs, out, pool_keys[PK_MEMBER].name, pt->member);
		rules_print_role_field(rs, out, pool_keys[PK_VIP_HW].name, pt->vip_hardware);
		rules_print_role_field(rs, out, pool_keys[PK_VIP_DNS].name, pt->vip_dns);
		rules_print_role_field(rs, out, pool_keys[PK_COLLOCATED].name, pt->collocated);
		rules_print_role_field(rs, out, pool_keys[PK_COLLOCATED_VIP_HW].name,
		    pt->collocated_vip_hw);
		rules_print_role_field(rs, out, pool_keys[PK_CMS].name, pt->cms);
		fputc('\n', out);
	}
	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		fprintf(out, "rule %s table %d row %d role %s dir %s proto %s",
		    r->id, r->table, r->row,
		    r->role >= 0 && r->role < rs->nroles ? rs->roles[r->role].name : "?",
		    rules_dir_name(r->dir), rules_proto_name(r->protos));
		rules_format_ports(r, buf, sizeof(buf));
		fprintf(out, " port %s", buf);
		if (r->apps) {
			rules_format_apps(r->apps, buf, sizeof(buf));
			fprintf(out, " app %s", buf);
		}
		if (r->peers) {
			rules_format_roles(rs, r->peers, buf, sizeof(buf));
			fprintf(out, " peer %s", buf);
		}
		if (r->optional)
			fputs(" optional", out);
		if (r->reqresp)
			fputs(" reqresp", out);
		if (r->service != NULL) {
			fputs(" service ", out);
			lex_print_quoted(r->service, out);
		}
		if (r->note != NULL) {
			fputs(" note ", out);
			lex_print_quoted(r->note, out);
		}
		fputc('\n', out);
	}
}
