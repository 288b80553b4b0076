/*
 * rules.c - the port matrix: parsing packs (`pack`, `source`, `feature`,
 * `role`, `pool-type` and `rule` statements, rules/ *.rules) and the
 * site's own policy (`role`, `rule`, `disable`, `override`), checking
 * them, and printing them back in canonical form.
 *
 * The shipped packs cite Microsoft's published port tables (each pack's
 * `source` statements name the page); the file format is described in
 * conformd.conf(5).  Statements come from the shared tokenizer (lex.h).
 * Every error is reported at the line of the offending token and parsing
 * goes on; a statement with an error is dropped whole, so what is kept
 * always parsed cleanly.  Names must be declared before they are used
 * (roles before the pool types and rules that name them), which keeps
 * error order equal to line order.  A site's file may not cite a published
 * table: its rules carry the site's own source, and it changes shipped
 * rules only through `override` (narrowing, unless it says `widen`) and
 * `disable`, both kept so that the canonical print shows them.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/lex.h"
#include "conformd/rules.h"

#define RULES_MAX_ROW		9999	/* a published table has a few dozen rows */
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
	{ ROLE_MONITORED, "monitored" },
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

/* Keys of a `rule` statement, in canonical print order (RK_SOURCE is
 * printed first in packs, last in the site's file). */
enum {
	RK_SOURCE, RK_TABLE, RK_ROW, RK_ROLE, RK_DIR, RK_PROTO, RK_PORT, RK_APP,
	RK_PEER, RK_OPTIONAL, RK_REQRESP, RK_FEATURE, RK_SERVICE, RK_NOTE, RK_NKEYS
};

/* Keys of an `override` (and `disable`) statement, in canonical print order. */
enum {
	OK_WIDEN, OK_PORT, OK_PROTO, OK_PEER, OK_APP, OK_OPTIONAL, OK_SOURCE, OK_NKEYS
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
	{ "source", 1, 0 },
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
	{ "feature", 1, 0 },
	{ "service", 1, 0 },
	{ "note", 1, 0 },
	{ NULL, 0, 0 }
};

static const struct rules_key override_keys[OK_NKEYS + 1] = {
	{ "widen", 0, 0 },
	{ "port", 1, 0 },
	{ "proto", 1, 0 },
	{ "peer", 1, 0 },
	{ "app", 1, 0 },
	{ "optional", 0, 0 },
	{ "source", 1, 0 },
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
	int		 site;		/* the site's own file (rules_load_site()) */
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

static int rules_peer_elem(struct rules_ctx *, const char *, int, void *);

/* An element of a feature's role list. */
static int
rules_role_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	uint64_t *roles = arg;
	int r = rules_role_ref(c, elem, line);

	if (r < 0)
		return 0;
	if (*roles & ((uint64_t)1 << r)) {
		rules_err(c, line, "duplicate role %s in role list", elem);
		return 0;
	}
	*roles |= (uint64_t)1 << r;
	return 0;
}

/* ---- role ---- */

/* A comma list of implied roles for `no-implied`. */
static int
rules_noimplied_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	uint64_t *mask = arg;
	int r = rules_role_ref(c, elem, line);

	if (r < 0)
		return 0;
	if (!c->rs->roles[r].implied) {
		rules_err(c, line, "no-implied names %s, which is not an implied role", elem);
		return 0;
	}
	if (*mask & ((uint64_t)1 << r)) {
		rules_err(c, line, "duplicate role %s in no-implied list", elem);
		return 0;
	}
	*mask |= (uint64_t)1 << r;
	return 0;
}

static void
rules_parse_role(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	struct role *ro;
	unsigned kind = 0;
	int implied = 0, noimp_line = 0, dup;
	uint64_t noimp = 0;

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
	if (st->ntok < 4 || (!tok[3].quoted && (strcmp(tok[3].text, "implied") == 0 ||
	    strcmp(tok[3].text, "no-implied") == 0))) {
		rules_err(c, st->line, "missing description for role %s",
		    tok[1].text);
		return;
	}
	for (int i = 4; i < st->ntok; i++) {
		if (strcmp(tok[i].text, "no-implied") == 0) {
			if (noimp_line != 0)
				rules_err(c, tok[i].line, "duplicate key no-implied");
			else if (i + 1 >= st->ntok)
				rules_err(c, tok[i].line, "missing value for no-implied");
			else {
				noimp_line = tok[i].line;
				rules_each_elem(c, &tok[i + 1], "role", rules_noimplied_elem,
				    &noimp);
			}
			i++;
			continue;
		}
		if (strcmp(tok[i].text, "implied") != 0)
			rules_err(c, tok[i].line, "unexpected word %s", tok[i].text);
		else if (implied)
			rules_err(c, tok[i].line, "duplicate key implied");
		else {
			implied = 1;
			if (kind != 0 && kind != ROLE_SERVER)
				rules_err(c, tok[i].line, "implied on non-server role %s",
				    tok[1].text);
			if (c->site)
				rules_err(c, tok[i].line,
				    "implied roles come from the packs, not the site's file");
		}
	}
	if (noimp_line != 0 && (implied || (kind != 0 && kind != ROLE_SERVER)))
		rules_err(c, noimp_line, "no-implied on %s role %s: only a server role "
		    "holds implied roles", implied ? "an implied" : "a non-server", tok[1].text);
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
	ro->no_implied = noimp;
	ro->site = c->site;
	ro->file = c->file;
	ro->line = tok[1].line;
	rs->nroles++;
}

/* ---- pack, source, feature ---- */

/* Two strings owned by a new statement, or an error when out of memory. */
static int
rules_dup2(struct rules_ctx *c, int line, char **a, const char *sa, char **b, const char *sb)
{
	*a = sa != NULL ? strdup(sa) : NULL;
	*b = sb != NULL ? strdup(sb) : NULL;
	if ((sa != NULL && *a == NULL) || (sb != NULL && *b == NULL)) {
		free(*a);
		free(*b);
		*a = *b = NULL;
		rules_err(c, line, "out of memory");
		return -1;
	}
	return 0;
}

/* `pack NAME "title"`: only in packs, at most once a file. */
static void
rules_parse_pack(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	struct rules_pack *pk;

	if (st->ntok < 2) {
		rules_err(c, st->line, "missing pack name");
		return;
	}
	if (!rules_name_ok(tok[1].text))
		rules_err(c, tok[1].line, "bad pack name \"%s\"", tok[1].text);
	if (st->ntok < 3)
		rules_err(c, st->line, "missing title for pack %s", tok[1].text);
	for (int i = 3; i < st->ntok; i++)
		rules_err(c, tok[i].line, "unexpected word %s", tok[i].text);
	for (int i = 0; i < rs->npacks; i++) {
		if (strcmp(rs->packs[i].name, tok[1].text) == 0)
			rules_err(c, tok[1].line, "duplicate pack %s (first at %s:%d)",
			    tok[1].text, rs->packs[i].file, rs->packs[i].line);
	}
	if (rs->npacks >= RULES_MAX_PACKS)
		rules_err(c, tok[1].line, "too many packs (max %d)", RULES_MAX_PACKS);
	if (c->bad)
		return;
	pk = &rs->packs[rs->npacks];
	if (rules_dup2(c, st->line, &pk->name, tok[1].text, &pk->title, tok[2].text) == -1)
		return;
	pk->file = c->file;
	pk->line = tok[1].line;
	rs->npacks++;
}

/* The source called `name`, -1 when none. */
static int
rules_find_source(const struct ruleset *rs, const char *name)
{
	for (int i = 0; i < rs->nsources; i++)
		if (strcmp(rs->sources[i].name, name) == 0)
			return i;
	return -1;
}

/* `source NAME "citation" [url "URL"]`: a published document. */
static void
rules_parse_source(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	struct rules_source *so;
	const char *url = NULL;
	int dup;

	if (st->ntok < 2) {
		rules_err(c, st->line, "missing source name");
		return;
	}
	if (!rules_name_ok(tok[1].text))
		rules_err(c, tok[1].line, "bad source name \"%s\"", tok[1].text);
	if (st->ntok < 3 || (!tok[2].quoted && strcmp(tok[2].text, "url") == 0)) {
		rules_err(c, st->line, "missing citation for source %s", tok[1].text);
		return;
	}
	if (tok[2].text[0] == '\0')
		rules_err(c, tok[2].line, "empty citation for source %s", tok[1].text);
	for (int i = 3; i < st->ntok; i++) {
		if (strcmp(tok[i].text, "url") != 0 || tok[i].quoted)
			rules_err(c, tok[i].line, "unexpected word %s", tok[i].text);
		else if (url != NULL) {
			rules_err(c, tok[i].line, "duplicate key url");
			i++;
		} else if (i + 1 >= st->ntok)
			rules_err(c, tok[i].line, "missing value for url");
		else
			url = tok[++i].text;
	}
	if ((dup = rules_find_source(rs, tok[1].text)) >= 0) {
		const struct rules_source *o = &rs->sources[dup];

		/* Packs loaded together may cite the same page: the same
		 * source declared again, word for word, is that source. */
		if (!c->bad && strcmp(o->citation, tok[2].text) == 0 &&
		    (o->url == NULL) == (url == NULL) &&
		    (url == NULL || strcmp(o->url, url) == 0))
			return;
		rules_err(c, tok[1].line, "duplicate source %s (first defined at %s:%d%s)",
		    tok[1].text, o->file, o->line, c->bad ? "" : ", differently");
	} else if (rs->nsources >= RULES_MAX_SOURCES)
		rules_err(c, tok[1].line, "too many sources (max %d)", RULES_MAX_SOURCES);
	if (c->bad)
		return;
	so = &rs->sources[rs->nsources];
	if (rules_dup2(c, st->line, &so->name, tok[1].text, &so->citation, tok[2].text) == -1)
		return;
	if (url != NULL && (so->url = strdup(url)) == NULL) {
		free(so->name);
		free(so->citation);
		memset(so, 0, sizeof(*so));
		rules_err(c, st->line, "out of memory");
		return;
	}
	so->file = c->file;
	so->line = tok[1].line;
	rs->nsources++;
}

/*
 * `feature NAME "description" [role R,...]` declares a feature;
 * `feature NAME role R,...` adds roles to one an earlier file declared.
 */
static void
rules_parse_feature(struct rules_ctx *c, const struct stmt *st)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	const char *desc = NULL;
	uint64_t roles = 0;
	int f, i = 2, role_seen = 0;

	if (st->ntok < 2) {
		rules_err(c, st->line, "missing feature name");
		return;
	}
	if (!rules_name_ok(tok[1].text))
		rules_err(c, tok[1].line, "bad feature name \"%s\"", tok[1].text);
	if (st->ntok > 2 && (tok[2].quoted || strcmp(tok[2].text, "role") != 0)) {
		desc = tok[2].text;
		i = 3;
	}
	for (; i < st->ntok; i++) {
		if (tok[i].quoted || strcmp(tok[i].text, "role") != 0)
			rules_err(c, tok[i].line, "unexpected word %s", tok[i].text);
		else if (role_seen++)
			rules_err(c, tok[i].line, "duplicate key role");
		else if (i + 1 >= st->ntok)
			rules_err(c, tok[i].line, "missing value for role");
		else
			rules_each_elem(c, &tok[++i], "role", rules_role_elem, &roles);
	}
	f = rules_find_feature(rs, tok[1].text);
	if (desc == NULL && f < 0)
		rules_err(c, st->line, "missing description for feature %s "
		    "(only a declared feature may be given roles alone)", tok[1].text);
	else if (desc == NULL && !role_seen)
		rules_err(c, st->line, "feature %s: nothing to add", tok[1].text);
	else if (desc != NULL && f >= 0 && strcmp(rs->features[f].desc, desc) != 0)
		rules_err(c, tok[1].line, "duplicate feature %s (first defined at %s:%d, "
		    "differently)", tok[1].text, rs->features[f].file, rs->features[f].line);
	else if (desc != NULL && f < 0 && rs->nfeatures >= RULES_MAX_FEATURES)
		rules_err(c, tok[1].line, "too many features (max %d)", RULES_MAX_FEATURES);
	if (c->bad)
		return;
	if (f >= 0) {
		/* roles added, or the same feature declared again by another
		 * pack (word for word: that feature, with the roles it adds) */
		if (desc == NULL && (rs->features[f].roles & roles)) {
			rules_err(c, st->line, "feature %s already has one of these roles",
			    tok[1].text);
			return;
		}
		rs->features[f].roles |= roles;
		return;
	}
	f = rs->nfeatures;
	if (rules_dup2(c, st->line, &rs->features[f].name, tok[1].text,
	    &rs->features[f].desc, desc) == -1)
		return;
	rs->features[f].roles = roles;
	rs->features[f].file = c->file;
	rs->features[f].line = tok[1].line;
	rs->nfeatures++;
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
		if (rs->roles[r].kind != pool_keys[key].kind &&
		    !(key == PK_MEMBER && rs->roles[r].kind == ROLE_MONITORED)) {
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

static int
rules_feature_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	uint32_t *mask = arg;
	int f = rules_find_feature(c->rs, elem);

	if (f < 0) {
		rules_err(c, line, "unknown feature %s", elem);
		return 0;
	}
	if (*mask & ((uint32_t)1 << f)) {
		rules_err(c, line, "duplicate feature %s", elem);
		return 0;
	}
	*mask |= (uint32_t)1 << f;
	return 0;
}

/* The `source` of a rule: a declared source in a pack, the site's own
 * citation in the site's file (which may not name a published one). */
static void
rules_rule_source(struct rules_ctx *c, struct rule *r, const struct token *id,
    const struct token *v)
{
	int so = rules_find_source(c->rs, v->text);

	if (!c->site) {
		if (so < 0)
			rules_err(c, v->line, "unknown source %s", v->text);
		r->src = so;
		return;
	}
	if (so >= 0) {
		rules_err(c, v->line, "site rule %s cites %s, a published source "
		    "(%s:%d): a site rule cites the site's own (a change ticket, a policy)",
		    id != NULL ? id->text : "", v->text, c->rs->sources[so].file,
		    c->rs->sources[so].line);
		return;
	}
	if (v->text[0] == '\0') {
		rules_err(c, v->line, "empty source in site rule %s", id != NULL ? id->text : "");
		return;
	}
	r->site_source = rules_strdup(c, v);
}

/* What outputs cite for rule r: "<citation>, table N, row M" for a pack's
 * rule, the site's own source for a site rule.  NULL when out of memory. */
static char *
rules_make_cite(const struct ruleset *rs, const struct rule *r)
{
	const char *cit = r->src >= 0 ? rs->sources[r->src].citation : NULL;
	size_t len;
	char *s;

	if (r->site)
		return strdup(r->site_source != NULL ? r->site_source : "");
	len = (cit != NULL ? strlen(cit) : 0) + 48;
	if ((s = malloc(len)) == NULL)
		return NULL;
	snprintf(s, len, "%s%stable %d, row %d", cit != NULL ? cit : "",
	    cit != NULL ? ", " : "", r->table, r->row);
	return s;
}

static void
rules_rule_free(struct rule *r)
{
	free(r->id);
	free(r->service);
	free(r->note);
	free(r->site_source);
	free(r->cite);
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
	r.src = -1;
	r.override = -1;
	r.site = c->site;
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
		case RK_SOURCE:
			rules_rule_source(c, &r, id, v);
			break;
		case RK_TABLE:
		case RK_ROW:
			if (c->site) {
				if (!seen[key == RK_TABLE ? RK_ROW : RK_TABLE])
					rules_err(c, k->line, "site rule %s: table and row cite "
					    "a published table; a site rule gives its own source",
					    id != NULL ? id->text : "");
			} else if (key == RK_TABLE)
				rules_table_row(c, v, "table", RULES_MAX_TABLE, &r.table);
			else
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
		case RK_FEATURE:
			rules_each_elem(c, v, "feature", rules_feature_elem, &r.features);
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
	for (int k = c->site ? RK_ROLE : RK_TABLE; k <= RK_PORT; k++)
		if (!seen[k])
			rules_err(c, st->line, "missing %s in rule%s%s",
			    rule_keys[k].name, id ? " " : "", id ? id->text : "");
	if (c->site && !seen[RK_SOURCE])
		rules_err(c, st->line, "missing source in site rule%s%s "
		    "(the site's own citation: a change ticket, a policy)",
		    id ? " " : "", id ? id->text : "");
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
	if (!c->bad && (r.cite = rules_make_cite(rs, &r)) == NULL)
		rules_err(c, st->line, "out of memory");
	if (c->bad) {
		rules_rule_free(&r);
		return;
	}
	r.file = c->file;
	r.line = id->line;
	rs->rules[rs->nrules++] = r;
}

/* ---- disable, override (the site's file) ---- */

static int
rules_override_port_elem(struct rules_ctx *c, const char *elem, int line, void *arg)
{
	return rules_port_elem(c, elem, line, arg);
}

/* Is every port of a (n ranges, or the client media range when cm) within b? */
static int
rules_ports_within(const struct port_range *a, int na, int cma,
    const struct port_range *b, int nb, int cmb)
{
	if (cma || cmb)
		return cma == cmb && na == 0;
	for (int i = 0; i < na; i++) {
		uint32_t p = a[i].lo;

		/* walk a[i] through b's ranges; ranges of one list never overlap */
		while (p <= a[i].hi) {
			int j;

			for (j = 0; j < nb; j++)
				if (p >= b[j].lo && p <= b[j].hi)
					break;
			if (j == nb)
				return 0;
			p = (uint32_t)b[j].hi + 1;
		}
	}
	return 1;
}

/*
 * Is every role of `a` one the peer list `b` admits: named in it, or a
 * server role holding an implied role `b` names (front-end is within
 * all-servers; the Edge, with no-implied all-internal-servers, is not
 * within all-internal-servers)?
 */
static int
rules_peers_within(const struct ruleset *rs, uint64_t a, uint64_t b)
{
	uint64_t implied = 0;

	for (int i = 0; i < rs->nroles; i++)
		if (rs->roles[i].implied)
			implied |= (uint64_t)1 << i;
	for (; a != 0; a &= a - 1) {
		int r = __builtin_ctzll(a);

		if (b & ((uint64_t)1 << r))
			continue;
		if (rs->roles[r].kind == ROLE_SERVER &&
		    (b & implied & ~rs->roles[r].no_implied) != 0)
			continue;
		return 0;
	}
	return 1;
}

/*
 * `disable ID [source "why"]` and `override ID [widen] [port P] [proto P]
 * [peer R,...] [app A,...] [optional] [source "why"]`: a shipped rule
 * narrowed or removed by the site.  Without `widen`, an override may not
 * open more ports, protocols or peers than the shipped rule.
 */
static void
rules_parse_override(struct rules_ctx *c, const struct stmt *st, int disable)
{
	struct ruleset *rs = c->rs;
	const struct token *tok = st->tok;
	const char *what = disable ? "disable" : "override";
	struct rule nr;		/* the new values */
	struct rule_override o, *no;
	struct rule *r = NULL;
	int seen[OK_NKEYS] = { 0 };
	int keyline[OK_NKEYS] = { 0 };
	const struct rule *ru;

	memset(&o, 0, sizeof(o));
	memset(&nr, 0, sizeof(nr));
	if (!c->site) {
		rules_err(c, st->line, "%s belongs in the site's own file (site-rules), "
		    "not in a pack", what);
		return;
	}
	if (st->ntok < 2 || (!tok[1].quoted && rules_key_index(override_keys, tok[1].text) >= 0)) {
		rules_err(c, st->line, "missing rule id for %s", what);
		return;
	}
	ru = rules_find(rs, tok[1].text);
	if (ru == NULL)
		rules_err(c, tok[1].line, "%s of unknown rule %s", what, tok[1].text);
	else if (ru->site)
		rules_err(c, tok[1].line, "%s of site rule %s: change it where it is "
		    "defined (%s:%d)", what, tok[1].text, ru->file, ru->line);
	else if (ru->override >= 0)
		rules_err(c, tok[1].line, "conflict: rule %s is already %s at %s:%d",
		    tok[1].text, rs->overrides[ru->override].disable ? "disabled" : "overridden",
		    rs->overrides[ru->override].file, rs->overrides[ru->override].line);
	if (ru != NULL)
		r = &rs->rules[ru - rs->rules];
	for (int i = 2; i < st->ntok; i++) {
		const struct token *k = &tok[i], *v = NULL;
		int key = rules_key_at(c, st, &i, override_keys, seen);
		unsigned u;

		if (key < 0)
			continue;
		if (!seen[key])
			keyline[key] = k->line;
		if (disable && key != OK_SOURCE) {
			rules_err(c, k->line, "disable takes only a source, not %s", k->text);
			seen[key] = 1;
			if (override_keys[key].hasval && i + 1 < st->ntok)
				i++;
			continue;
		}
		if (override_keys[key].hasval &&
		    (v = rules_value(c, st, &i, override_keys)) == NULL) {
			seen[key] = 1;
			continue;
		}
		if (seen[key]++)
			continue;
		switch (key) {
		case OK_WIDEN:
			o.widen = 1;
			break;
		case OK_PORT:
			rules_each_elem(c, v, "port", rules_override_port_elem, &nr);
			o.set |= OVR_PORT;
			break;
		case OK_PROTO:
			if (rules_lookup(rules_protos, v->text, &u) == -1)
				rules_err(c, v->line, "unknown proto %s", v->text);
			else
				nr.protos = u;
			o.set |= OVR_PROTO;
			break;
		case OK_PEER:
			rules_each_elem(c, v, "peer", rules_peer_elem, &nr.peers);
			o.set |= OVR_PEER;
			break;
		case OK_APP:
			rules_each_elem(c, v, "app", rules_app_elem, &nr.apps);
			o.set |= OVR_APP;
			break;
		case OK_OPTIONAL:
			o.set |= OVR_OPTIONAL;
			break;
		case OK_SOURCE:
			if (v->text[0] == '\0')
				rules_err(c, v->line, "empty source in %s %s", what, tok[1].text);
			else if (rules_find_source(rs, v->text) >= 0)
				rules_err(c, v->line, "%s %s cites %s, a published source: the "
				    "site gives its own reason", what, tok[1].text, v->text);
			else
				o.source = rules_strdup(c, v);
			break;
		}
	}
	if (!disable && o.set == 0)
		rules_err(c, st->line, "override %s changes nothing (give port, proto, "
		    "peer, app or optional)", tok[1].text);
	if (r != NULL && !c->bad && !o.widen) {
		/* narrowing only: each new value within the shipped one */
		if ((o.set & OVR_PORT) && !rules_ports_within(nr.ports, nr.nports,
		    nr.client_media, r->ports, r->nports, r->client_media))
			rules_err(c, keyline[OK_PORT], "override %s would widen its ports "
			    "(say widen if that is meant)", r->id);
		if ((o.set & OVR_PROTO) && (nr.protos & ~r->protos) != 0)
			rules_err(c, keyline[OK_PROTO], "override %s would widen its "
			    "protocols (say widen if that is meant)", r->id);
		if ((o.set & OVR_PEER) && r->peers != 0 && !rules_peers_within(rs, nr.peers, r->peers))
			rules_err(c, keyline[OK_PEER], "override %s would widen its peers "
			    "(say widen if that is meant)", r->id);
		if ((o.set & OVR_APP) && r->apps != 0 && (nr.apps & ~r->apps) != 0)
			rules_err(c, keyline[OK_APP], "override %s would widen its apps "
			    "(say widen if that is meant)", r->id);
	}
	if (r != NULL && !c->bad && o.widen && !(o.set & (OVR_PORT | OVR_PROTO | OVR_PEER | OVR_APP)))
		rules_err(c, keyline[OK_WIDEN], "override %s: widen with nothing to widen", r->id);
	if (r != NULL && !c->bad && (o.set & OVR_PROTO) && r->reqresp && nr.protos == RULE_TCP)
		rules_err(c, keyline[OK_PROTO], "override %s: reqresp rule left without udp", r->id);
	if (!c->bad && (o.id = rules_strdup(c, &tok[1])) != NULL) {
		no = realloc(rs->overrides, (size_t)(rs->noverrides + 1) * sizeof(*no));
		if (no == NULL)
			rules_err(c, st->line, "out of memory");
		else
			rs->overrides = no;
	}
	if (c->bad || r == NULL) {
		free(o.id);
		free(o.source);
		return;
	}
	/* keep the shipped values, then apply the new ones */
	o.rule = (int)(r - rs->rules);
	o.disable = disable;
	memcpy(o.was.ports, r->ports, sizeof(o.was.ports));
	o.was.nports = r->nports;
	o.was.client_media = r->client_media;
	o.was.protos = r->protos;
	o.was.peers = r->peers;
	o.was.apps = r->apps;
	o.was.optional = r->optional;
	o.file = c->file;
	o.line = tok[1].line;
	if (disable)
		r->disabled = 1;
	if (o.set & OVR_PORT) {
		memcpy(r->ports, nr.ports, sizeof(r->ports));
		r->nports = nr.nports;
		r->client_media = nr.client_media;
	}
	if (o.set & OVR_PROTO)
		r->protos = nr.protos;
	if (o.set & OVR_PEER)
		r->peers = nr.peers;
	if (o.set & OVR_APP)
		r->apps = nr.apps;
	if (o.set & OVR_OPTIONAL)
		r->optional = 1;
	r->override = rs->noverrides;
	rs->overrides[rs->noverrides++] = o;
}

/* ---- public ---- */

void
rules_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

/* Read `path` as a pack (site 0) or as the site's own file (site 1). */
static int
rules_load_file(struct ruleset *rs, const char *path, struct diag *d, int site)
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
	c.site = site;
	for (int i = 0; i < lf.nstmt; i++) {
		const struct stmt *st = &lf.stmt[i];
		const char *kw = st->tok[0].text;

		c.bad = 0;
		if (strcmp(kw, "role") == 0)
			rules_parse_role(&c, st);
		else if (strcmp(kw, "rule") == 0)
			rules_parse_rule(&c, st);
		else if (site && strcmp(kw, "disable") == 0)
			rules_parse_override(&c, st, 1);
		else if (site && strcmp(kw, "override") == 0)
			rules_parse_override(&c, st, 0);
		else if (!site && strcmp(kw, "pool-type") == 0)
			rules_parse_pooltype(&c, st);
		else if (!site && strcmp(kw, "pack") == 0)
			rules_parse_pack(&c, st);
		else if (!site && strcmp(kw, "source") == 0)
			rules_parse_source(&c, st);
		else if (!site && strcmp(kw, "feature") == 0)
			rules_parse_feature(&c, st);
		else if (site && (strcmp(kw, "pool-type") == 0 || strcmp(kw, "pack") == 0 ||
		    strcmp(kw, "source") == 0 || strcmp(kw, "feature") == 0))
			rules_err(&c, st->line, "%s belongs in a pack, not in the site's own "
			    "file", kw);
		else if (!site && (strcmp(kw, "disable") == 0 || strcmp(kw, "override") == 0))
			rules_parse_override(&c, st, kw[0] == 'd');	/* reports */
		else
			rules_err(&c, st->line, "unknown statement %s", kw);
	}
	lex_free(&lf);
	return d->nerrors > before ? -1 : 0;
}

int
rules_load(struct ruleset *rs, const char *path, struct diag *d)
{
	return rules_load_file(rs, path, d, 0);
}

int
rules_load_site(struct ruleset *rs, const char *path, struct diag *d)
{
	return rules_load_file(rs, path, d, 1);
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
	for (int i = 0; i < rs->nrules; i++)
		rules_rule_free(&rs->rules[i]);
	free(rs->rules);
	for (int i = 0; i < rs->noverrides; i++) {
		free(rs->overrides[i].id);
		free(rs->overrides[i].source);
	}
	free(rs->overrides);
	for (int i = 0; i < rs->npacks; i++) {
		free(rs->packs[i].name);
		free(rs->packs[i].title);
	}
	for (int i = 0; i < rs->nsources; i++) {
		free(rs->sources[i].name);
		free(rs->sources[i].citation);
		free(rs->sources[i].url);
	}
	for (int i = 0; i < rs->nfeatures; i++) {
		free(rs->features[i].name);
		free(rs->features[i].desc);
	}
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

int
rules_find_feature(const struct ruleset *rs, const char *name)
{
	for (int i = 0; i < rs->nfeatures; i++)
		if (strcmp(rs->features[i].name, name) == 0)
			return i;
	return -1;
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
rules_format_features(const struct ruleset *rs, uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < rs->nfeatures && i < RULES_MAX_FEATURES; i++) {
		if (!(mask & ((uint32_t)1 << i)))
			continue;
		if (n++)
			rules_append(buf, len, &off, ",");
		rules_append(buf, len, &off, rs->features[i].name);
	}
	if (n == 0)
		rules_append(buf, len, &off, "-");
}

static void
rules_print_role(const struct ruleset *rs, const struct role *ro, FILE *out)
{
	char buf[4096];

	fprintf(out, "role %s %s ", ro->name, rules_name_of(rules_kinds, (unsigned)ro->kind));
	lex_print_quoted(ro->desc, out);
	if (ro->implied)
		fputs(" implied", out);
	if (ro->no_implied) {
		rules_format_roles(rs, ro->no_implied, buf, sizeof(buf));
		fprintf(out, " no-implied %s", buf);
	}
	fputc('\n', out);
}

/* One rule; a pack's rule as shipped (`shipped`: the values an override
 * replaced), a site's rule with its source last. */
static void
rules_print_rule(const struct ruleset *rs, const struct rule *r0, int shipped, FILE *out)
{
	struct rule r = *r0;
	char buf[4096];

	if (shipped && r.override >= 0) {
		const struct rule_override *o = &rs->overrides[r.override];

		memcpy(r.ports, o->was.ports, sizeof(r.ports));
		r.nports = o->was.nports;
		r.client_media = o->was.client_media;
		r.protos = o->was.protos;
		r.peers = o->was.peers;
		r.apps = o->was.apps;
		r.optional = o->was.optional;
	}
	fprintf(out, "rule %s", r.id);
	if (!r.site) {
		if (r.src >= 0 && r.src < rs->nsources)
			fprintf(out, " source %s", rs->sources[r.src].name);
		fprintf(out, " table %d row %d", r.table, r.row);
	}
	fprintf(out, " role %s dir %s proto %s",
	    r.role >= 0 && r.role < rs->nroles ? rs->roles[r.role].name : "?",
	    rules_dir_name(r.dir), rules_proto_name(r.protos));
	rules_format_ports(&r, buf, sizeof(buf));
	fprintf(out, " port %s", buf);
	if (r.apps) {
		rules_format_apps(r.apps, buf, sizeof(buf));
		fprintf(out, " app %s", buf);
	}
	if (r.peers) {
		rules_format_roles(rs, r.peers, buf, sizeof(buf));
		fprintf(out, " peer %s", buf);
	}
	if (r.optional)
		fputs(" optional", out);
	if (r.reqresp)
		fputs(" reqresp", out);
	if (r.features) {
		rules_format_features(rs, r.features, buf, sizeof(buf));
		fprintf(out, " feature %s", buf);
	}
	if (r.service != NULL) {
		fputs(" service ", out);
		lex_print_quoted(r.service, out);
	}
	if (r.note != NULL) {
		fputs(" note ", out);
		lex_print_quoted(r.note, out);
	}
	if (r.site && r.site_source != NULL) {
		fputs(" source ", out);
		lex_print_quoted(r.site_source, out);
	}
	fputc('\n', out);
}

static void
rules_print_override(const struct ruleset *rs, const struct rule_override *o, FILE *out)
{
	const struct rule *r = &rs->rules[o->rule];
	char buf[4096];

	fprintf(out, "%s %s", o->disable ? "disable" : "override", o->id);
	if (o->widen)
		fputs(" widen", out);
	if (o->set & OVR_PORT) {
		rules_format_ports(r, buf, sizeof(buf));
		fprintf(out, " port %s", buf);
	}
	if (o->set & OVR_PROTO)
		fprintf(out, " proto %s", rules_proto_name(r->protos));
	if (o->set & OVR_PEER) {
		rules_format_roles(rs, r->peers, buf, sizeof(buf));
		fprintf(out, " peer %s", buf);
	}
	if (o->set & OVR_APP) {
		rules_format_apps(r->apps, buf, sizeof(buf));
		fprintf(out, " app %s", buf);
	}
	if (o->set & OVR_OPTIONAL)
		fputs(" optional", out);
	if (o->source != NULL) {
		fputs(" source ", out);
		lex_print_quoted(o->source, out);
	}
	fputc('\n', out);
}

void
rules_print(const struct ruleset *rs, FILE *out, int what)
{
	char buf[4096];

	if (what & RULES_PRINT_PACKS) {
		for (int i = 0; i < rs->npacks; i++) {
			fprintf(out, "pack %s ", rs->packs[i].name);
			lex_print_quoted(rs->packs[i].title, out);
			fputc('\n', out);
		}
		for (int i = 0; i < rs->nsources; i++) {
			fprintf(out, "source %s ", rs->sources[i].name);
			lex_print_quoted(rs->sources[i].citation, out);
			if (rs->sources[i].url != NULL) {
				fputs(" url ", out);
				lex_print_quoted(rs->sources[i].url, out);
			}
			fputc('\n', out);
		}
		for (int i = 0; i < rs->nroles; i++)
			if (!rs->roles[i].site)
				rules_print_role(rs, &rs->roles[i], out);
		for (int i = 0; i < rs->nfeatures; i++) {
			const struct feature *f = &rs->features[i];

			fprintf(out, "feature %s ", f->name);
			lex_print_quoted(f->desc, out);
			if (f->roles) {
				rules_format_roles(rs, f->roles, buf, sizeof(buf));
				fprintf(out, " role %s", buf);
			}
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
		for (int i = 0; i < rs->nrules; i++)
			if (!rs->rules[i].site)
				rules_print_rule(rs, &rs->rules[i], 1, out);
	}
	if (what & RULES_PRINT_SITE) {
		for (int i = 0; i < rs->nroles; i++)
			if (rs->roles[i].site)
				rules_print_role(rs, &rs->roles[i], out);
		for (int i = 0; i < rs->nrules; i++)
			if (rs->rules[i].site)
				rules_print_rule(rs, &rs->rules[i], 0, out);
		for (int i = 0; i < rs->noverrides; i++)
			rules_print_override(rs, &rs->overrides[i], out);
	}
}
