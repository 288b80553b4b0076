/*
 * inventory.c - the site inventory: which address plays which role.
 *
 * Parses the inventory file (format in conformd.conf(5)) on top of the
 * shared tokenizer, resolves role and pool-type names against a loaded
 * ruleset, and expands every pool into per-address entries: members get
 * the pool type's member role (plus the collocated and CMS roles), the VIP
 * becomes the host "POOL/vip" with the VIP role of the load-balancing
 * mode.  Every error is reported as `file:line: message` and parsing goes
 * on, so one run shows them all.  inventory_print() writes the canonical
 * form, which parses back to the same print.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/inventory.h"
#include "conformd/lex.h"
#include "conformd/utf8.h"

#define INV_ERRLEN	256
#define INV_MAX_ELEM	4097	/* one list element: at most a whole token */

/* Parser state for one inventory_load() call. */
struct invparse {
	struct inventory	*inv;
	const struct ruleset	*rs;
	struct diag		*d;
	const char		*file;		/* inv->path */
	int			 media_line;	/* client-media-ports seen at this line */
	int			 oom;
	/* host names seen so far, for the duplicate check: open addressing,
	 * host index + 1 per slot (0: empty), a power of two kept at most
	 * half full; parse time only */
	int			*names;
	uint32_t		 names_mask;
};

/* One key of a statement: how many values it takes, where it was seen. */
struct invkey {
	const char	*name;
	int		 nval;
	int		 repeat;	/* may appear more than once */
	int		 line;		/* first occurrence, 0 = not seen */
};

/*
 * Grow an array whose capacity is implied by its count: the next power of
 * two, at least 4.  Called before appending element `n`.
 */
static int
inv_grow(void **arr, int n, size_t size)
{
	void *na;
	size_t cap;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return 0;
	cap = n == 0 ? 4 : (size_t)n * 2;
	na = realloc(*arr, cap * size);
	if (na == NULL)
		return -1;
	*arr = na;
	return 0;
}

/*
 * A name (host, member, pool) goes to SQLite, EVE and syslog as it is:
 * valid UTF-8 without control characters, or an error naming the first
 * bad byte.  0, or -1 after the error.
 */
static int
inv_name_ok(struct invparse *p, const char *what, const char *name, int line)
{
	const unsigned char *u = (const unsigned char *)name, *c;
	char shown[96];
	size_t n = 1, k = 0;

	for (c = u; *c != '\0'; c += n) {
		n = 1;
		if ((*c < 0x20 || *c == 0x7f) || (*c >= 0x80 && (n = utf8_len(c)) == 0))
			break;
	}
	if (*c == '\0')
		return 0;
	/* the name as the message shows it: bytes outside printable ASCII as \xNN */
	for (const unsigned char *q = u; *q != '\0' && k + 5 < sizeof(shown); q++)
		k += (size_t)snprintf(shown + k, sizeof(shown) - k,
		    *q >= 0x20 && *q < 0x7f ? "%c" : "\\x%02x", *q);
	diag_error(p->d, p->file, line, "%s name \"%s\" is not valid UTF-8 text "
	    "(byte 0x%02x at offset %zu)", what, shown, *c, (size_t)(c - u));
	return -1;
}

/* FNV-1a of a host name: the name index's hash. */
static uint32_t
inv_name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++)
		h = (h ^ *c) * 16777619u;
	return h;
}

/*
 * The index of the first host named `name`, or -1: a look-up in the name
 * index (one probe or a few, whatever the number of hosts; a scan of
 * every earlier host made loading 100,000 hosts take seconds).
 */
static int
inv_host_find(const struct invparse *p, const char *name)
{
	uint32_t i;

	if (p->names == NULL)
		return -1;
	for (i = inv_name_hash(name) & p->names_mask; p->names[i] != 0;
	    i = (i + 1) & p->names_mask)
		if (strcmp(p->inv->hosts[p->names[i] - 1].name, name) == 0)
			return p->names[i] - 1;
	return -1;
}

/* Put host h (not in it yet) into the name index, growing it while it
 * would be more than half full.  0, or -1 when out of memory. */
static int
inv_name_index(struct invparse *p, int h)
{
	const struct inventory *inv = p->inv;
	uint32_t size = p->names != NULL ? p->names_mask + 1 : 0, i;

	if ((uint64_t)(h + 1) * 2 > size) {
		uint32_t nsize = size != 0 ? size * 2 : 64;
		int *nn = calloc(nsize, sizeof(*nn));

		if (nn == NULL)
			return -1;
		for (uint32_t k = 0; k < size; k++) {
			if (p->names[k] == 0)
				continue;
			for (i = inv_name_hash(inv->hosts[p->names[k] - 1].name) & (nsize - 1);
			    nn[i] != 0; i = (i + 1) & (nsize - 1))
				;
			nn[i] = p->names[k];
		}
		free(p->names);
		p->names = nn;
		p->names_mask = nsize - 1;
	}
	for (i = inv_name_hash(inv->hosts[h].name) & p->names_mask; p->names[i] != 0;
	    i = (i + 1) & p->names_mask)
		;
	p->names[i] = h + 1;
	return 0;
}

/*
 * Add a host (a name).  A duplicate name is reported but the host is still
 * added, so that its addresses are checked too.  Returns its index or -1
 * when out of memory.
 */
static int
inv_host_add(struct invparse *p, const char *name, int kind, int pool, int line)
{
	struct inventory *inv = p->inv;
	struct inv_host *h;
	int prev;

	prev = inv_host_find(p, name);
	if (prev != -1)
		diag_error(p->d, p->file, line,
		    "duplicate host name %s (first at %s:%d)", name,
		    inv->hosts[prev].file, inv->hosts[prev].line);
	if (inv_grow((void **)&inv->hosts, inv->nhosts, sizeof(*inv->hosts)) == -1) {
		p->oom = 1;
		return -1;
	}
	h = &inv->hosts[inv->nhosts];
	memset(h, 0, sizeof(*h));
	h->name = strdup(name);
	if (h->name == NULL) {
		p->oom = 1;
		return -1;
	}
	h->kind = kind;
	h->pool = pool;
	h->file = p->file;
	h->line = line;
	/* a duplicate is not indexed: the first of the name keeps it */
	if (prev == -1 && inv_name_index(p, inv->nhosts) == -1) {
		free(h->name);
		p->oom = 1;
		return -1;
	}
	return inv->nhosts++;
}

static int
inv_entry_add(struct invparse *p, int host, const uint8_t addr[16], int family,
    int plen, int line)
{
	struct inventory *inv = p->inv;
	struct inv_entry *e;

	if (inv_grow((void **)&inv->entries, inv->nentries, sizeof(*inv->entries)) == -1) {
		p->oom = 1;
		return -1;
	}
	e = &inv->entries[inv->nentries++];
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, addr, 16);
	e->family = family;
	e->plen = plen;
	e->host = host;
	e->file = p->file;
	e->line = line;
	return 0;
}

/*
 * Next element of the comma list `s`, from offset *pos (advanced past it),
 * copied into buf.  Returns 1 when an element was produced, 0 at the end.
 */
static int
inv_list_next(const char *s, size_t *pos, char *buf, size_t len)
{
	const char *start, *comma;
	size_t n;

	if (*pos > strlen(s))
		return 0;
	start = s + *pos;
	comma = strchr(start, ',');
	n = comma ? (size_t)(comma - start) : strlen(start);
	*pos += n + 1;
	if (n >= len)
		n = len - 1;	/* longer than any valid element: it fails later */
	memcpy(buf, start, n);
	buf[n] = '\0';
	return 1;
}

/* Parse the address list `t` and add one entry per address to `host`. */
static void
inv_parse_addrs(struct invparse *p, const struct token *t, int host)
{
	char elem[INV_MAX_ELEM], err[INV_ERRLEN];
	size_t pos = 0;
	int first = p->inv->nentries, guard = 0;

	if (t->text[0] == '\0') {
		diag_error(p->d, p->file, t->line, "empty address list");
		return;
	}
	while (inv_list_next(t->text, &pos, elem, sizeof(elem)) && guard++ < 100000) {
		uint8_t a[16];
		int fam, plen, dup = 0;

		if (elem[0] == '\0') {
			diag_error(p->d, p->file, t->line, "empty element in list %s", t->text);
			continue;
		}
		if (addr_parse(elem, a, &fam, &plen, err, sizeof(err)) == -1) {
			diag_error(p->d, p->file, t->line, "%s", err);
			continue;
		}
		for (int i = first; i < p->inv->nentries; i++) {
			const struct inv_entry *e = &p->inv->entries[i];
			if (e->family == fam && e->plen == plen && memcmp(e->addr, a, 16) == 0)
				dup = 1;
		}
		if (dup) {
			diag_error(p->d, p->file, t->line, "duplicate address %s in list", elem);
			continue;
		}
		if (host != -1 && inv_entry_add(p, host, a, fam, plen, t->line) == -1)
			return;
	}
}

/* Parse a role list into a mask; errors are reported. */
static uint64_t
inv_parse_roles(struct invparse *p, const struct token *t)
{
	char elem[INV_MAX_ELEM];
	size_t pos = 0;
	uint64_t mask = 0;
	int guard = 0;

	if (t->text[0] == '\0') {
		diag_error(p->d, p->file, t->line, "empty role list");
		return 0;
	}
	while (inv_list_next(t->text, &pos, elem, sizeof(elem)) && guard++ < 100000) {
		int r;

		if (elem[0] == '\0') {
			diag_error(p->d, p->file, t->line, "empty element in list %s", t->text);
			continue;
		}
		r = rules_find_role(p->rs, elem);
		if (r < 0 || r >= 64) {
			diag_error(p->d, p->file, t->line, "unknown role %s", elem);
			continue;
		}
		if (mask & (1ULL << r)) {
			diag_error(p->d, p->file, t->line, "duplicate role %s in list", elem);
			continue;
		}
		mask |= 1ULL << r;
	}
	return mask;
}

/*
 * Walk the key/value pairs of a statement from tok[from].  For each known
 * key with all its values present, calls back with the index of the key.
 * Reports unknown keys (and stops: what follows cannot be read), missing
 * values and duplicate keys.  Returns nothing; keys[].line tells what was
 * seen.
 */
typedef void (*inv_key_fn)(struct invparse *, const struct stmt *, int key, int at, void *);

static void
inv_keys(struct invparse *p, const struct stmt *s, int from, struct invkey *keys,
    const char *what, inv_key_fn fn, void *arg)
{
	int i = from;

	while (i < s->ntok) {
		const struct token *t = &s->tok[i];
		int k;

		for (k = 0; keys[k].name != NULL; k++)
			if (strcmp(keys[k].name, t->text) == 0)
				break;
		if (keys[k].name == NULL) {
			diag_error(p->d, p->file, t->line, "unknown key %s in %s statement",
			    t->text, what);
			return;
		}
		if (i + keys[k].nval >= s->ntok) {
			diag_error(p->d, p->file, t->line, "missing value for %s", t->text);
			return;
		}
		if (keys[k].line != 0 && !keys[k].repeat)
			diag_error(p->d, p->file, t->line, "duplicate key %s (first at %s:%d)",
			    t->text, p->file, keys[k].line);
		else {
			if (keys[k].line == 0)
				keys[k].line = t->line;
			fn(p, s, k, i, arg);
		}
		i += 1 + keys[k].nval;
	}
}

/* host, network, peer: NAME ADDR[,ADDR...] role ROLE[,ROLE...] */

struct inv_hoststate {
	uint64_t	roles;
};

static void
inv_host_key(struct invparse *p, const struct stmt *s, int key, int at, void *arg)
{
	struct inv_hoststate *hs = arg;

	(void)key;	/* the only key is `role` */
	hs->roles = inv_parse_roles(p, &s->tok[at + 1]);
}

static void
inv_stmt_host(struct invparse *p, const struct stmt *s, int kind)
{
	struct invkey keys[] = {
		{ "role", 1, 0, 0 },
		{ NULL, 0, 0, 0 }
	};
	struct inv_hoststate hs = { 0 };
	const char *what = s->tok[0].text;
	int h, e0 = p->inv->nentries;

	if (s->ntok < 2) {
		diag_error(p->d, p->file, s->line, "missing name for %s", what);
		return;
	}
	if (s->tok[1].text[0] == '\0') {
		diag_error(p->d, p->file, s->tok[1].line, "empty name for %s", what);
		return;
	}
	if (inv_name_ok(p, what, s->tok[1].text, s->tok[1].line) == -1)
		return;
	h = inv_host_add(p, s->tok[1].text, kind, -1, s->tok[1].line);
	if (h == -1)
		return;
	if (s->ntok < 3) {
		diag_error(p->d, p->file, s->tok[1].line, "missing address for %s %s",
		    what, s->tok[1].text);
		return;
	}
	inv_parse_addrs(p, &s->tok[2], h);
	inv_keys(p, s, 3, keys, what, inv_host_key, &hs);
	if (keys[0].line == 0 && s->ntok == 3)
		diag_error(p->d, p->file, s->line, "%s %s has no role", what, s->tok[1].text);
	p->inv->hosts[h].roles = hs.roles;
	for (int i = e0; i < p->inv->nentries; i++)
		p->inv->entries[i].roles = hs.roles;
}

/* pool NAME { type T load-balancing M vip A member N A ... } */

enum { PK_TYPE, PK_LB, PK_VIP, PK_MEMBER, PK_COLLOC, PK_CMS };

struct inv_poolstate {
	int			 pool;		/* index into inv->pools */
	const struct pool_type	*pt;
	int			 cms_at;	/* token index of the cms value, 0 = none */
	int			 vip_at;	/* token index of the vip key */
	int			 lb_at;
	int			 colloc_at;
	int			 first_host;	/* hosts of this pool start here */
};

static void
inv_pool_key(struct invparse *p, const struct stmt *s, int key, int at, void *arg)
{
	struct inv_poolstate *ps = arg;
	struct inv_pool *pool = &p->inv->pools[ps->pool];
	const struct token *v = &s->tok[at + 1];
	char name[INV_MAX_ELEM + 8];
	int h;

	switch (key) {
	case PK_TYPE:
		ps->pt = rules_find_pooltype(p->rs, v->text);
		if (ps->pt == NULL)
			diag_error(p->d, p->file, v->line, "unknown pool type %s", v->text);
		else
			pool->type = (int)(ps->pt - p->rs->pooltypes);
		break;
	case PK_LB:
		if (strcmp(v->text, "hardware") == 0)
			pool->lb = INV_LB_HARDWARE;
		else if (strcmp(v->text, "dns") == 0)
			pool->lb = INV_LB_DNS;
		else
			diag_error(p->d, p->file, v->line,
			    "load-balancing must be hardware or dns, not %s", v->text);
		ps->lb_at = at;
		break;
	case PK_VIP:
		snprintf(name, sizeof(name), "%s/vip", pool->name);
		h = inv_host_add(p, name, INV_VIP, ps->pool, s->tok[at].line);
		if (h == -1)
			return;
		pool->vip_host = h;
		ps->vip_at = at;
		inv_parse_addrs(p, v, h);
		break;
	case PK_MEMBER:
		if (v->text[0] == '\0') {
			diag_error(p->d, p->file, v->line, "empty name for member");
			return;
		}
		if (inv_name_ok(p, "member", v->text, v->line) == -1)
			return;
		h = inv_host_add(p, v->text, INV_MEMBER, ps->pool, v->line);
		if (h == -1)
			return;
		inv_parse_addrs(p, &s->tok[at + 2], h);
		break;
	case PK_COLLOC:
		if (strcmp(v->text, "yes") == 0)
			pool->collocated = 1;
		else if (strcmp(v->text, "no") == 0)
			pool->collocated = 0;
		else
			diag_error(p->d, p->file, v->line,
			    "collocated-mediation must be yes or no, not %s", v->text);
		ps->colloc_at = at;
		break;
	case PK_CMS:
		ps->cms_at = at + 1;
		break;
	}
}

/* Roles of the members and the VIP, once the whole pool statement is read. */
static void
inv_pool_expand(struct invparse *p, const struct stmt *s, struct inv_poolstate *ps,
    int e0)
{
	struct inventory *inv = p->inv;
	struct inv_pool *pool = &inv->pools[ps->pool];
	const struct pool_type *pt = ps->pt;
	uint64_t member = 0, vip = 0;
	int cms_host = -1;

	if (ps->cms_at != 0) {
		const struct token *v = &s->tok[ps->cms_at];

		for (int h = ps->first_host; h < inv->nhosts; h++)
			if (inv->hosts[h].kind == INV_MEMBER &&
			    strcmp(inv->hosts[h].name, v->text) == 0)
				cms_host = h;
		if (cms_host == -1)
			diag_error(p->d, p->file, v->line, "cms %s is not a member of pool %s",
			    v->text, pool->name);
		if (pt != NULL && pt->cms < 0)
			diag_error(p->d, p->file, v->line, "pool type %s has no cms role",
			    pt->name);
	}
	if (pt != NULL && pool->collocated && pt->collocated < 0)
		diag_error(p->d, p->file, s->tok[ps->colloc_at + 1].line,
		    "pool type %s has no collocated role", pt->name);
	if (ps->vip_at != 0) {
		int line = s->tok[ps->vip_at].line;

		if (ps->lb_at == 0)
			diag_error(p->d, p->file, line,
			    "pool %s has a vip but no load-balancing", pool->name);
		else if (pt != NULL && pool->lb == INV_LB_HARDWARE && pt->vip_hardware < 0)
			diag_error(p->d, p->file, line,
			    "pool type %s has no vip role for hardware load balancing",
			    pt->name);
		else if (pt != NULL && pool->lb == INV_LB_DNS && pt->vip_dns < 0)
			diag_error(p->d, p->file, line,
			    "pool type %s has no vip role for dns load balancing",
			    pt->name);
	}
	if (pt == NULL)
		return;

	if (pt->member >= 0)
		member |= 1ULL << pt->member;
	if (pool->collocated && pt->collocated >= 0)
		member |= 1ULL << pt->collocated;
	if (pool->lb == INV_LB_HARDWARE && pt->vip_hardware >= 0) {
		vip |= 1ULL << pt->vip_hardware;
		if (pool->collocated && pt->collocated_vip_hw >= 0)
			vip |= 1ULL << pt->collocated_vip_hw;
	} else if (pool->lb == INV_LB_DNS && pt->vip_dns >= 0)
		vip |= 1ULL << pt->vip_dns;

	for (int h = ps->first_host; h < inv->nhosts; h++) {
		struct inv_host *host = &inv->hosts[h];

		if (host->kind == INV_VIP)
			host->roles = vip;
		else {
			host->roles = member;
			if (h == cms_host && pt->cms >= 0)
				host->roles |= 1ULL << pt->cms;
		}
	}
	for (int i = e0; i < inv->nentries; i++)
		inv->entries[i].roles = inv->hosts[inv->entries[i].host].roles;
}

static void
inv_stmt_pool(struct invparse *p, const struct stmt *s)
{
	struct invkey keys[] = {
		[PK_TYPE] = { "type", 1, 0, 0 },
		[PK_LB] = { "load-balancing", 1, 0, 0 },
		[PK_VIP] = { "vip", 1, 0, 0 },
		[PK_MEMBER] = { "member", 2, 1, 0 },
		[PK_COLLOC] = { "collocated-mediation", 1, 0, 0 },
		[PK_CMS] = { "cms", 1, 0, 0 },
		{ NULL, 0, 0, 0 }
	};
	struct inventory *inv = p->inv;
	struct inv_poolstate ps;
	struct inv_pool *pool;
	const char *name;
	int e0 = inv->nentries;

	if (s->ntok < 2) {
		diag_error(p->d, p->file, s->line, "missing name for pool");
		return;
	}
	name = s->tok[1].text;
	if (name[0] == '\0') {
		diag_error(p->d, p->file, s->tok[1].line, "empty name for pool");
		return;
	}
	if (inv_name_ok(p, "pool", name, s->tok[1].line) == -1)
		return;
	for (int i = 0; i < inv->npools; i++)
		if (strcmp(inv->pools[i].name, name) == 0) {
			diag_error(p->d, p->file, s->tok[1].line,
			    "duplicate pool name %s (first at %s:%d)", name,
			    inv->pools[i].file, inv->pools[i].line);
			break;
		}
	if (inv_grow((void **)&inv->pools, inv->npools, sizeof(*inv->pools)) == -1) {
		p->oom = 1;
		return;
	}
	pool = &inv->pools[inv->npools];
	memset(pool, 0, sizeof(*pool));
	pool->name = strdup(name);
	if (pool->name == NULL) {
		p->oom = 1;
		return;
	}
	pool->type = -1;
	pool->vip_host = -1;
	pool->file = p->file;
	pool->line = s->tok[1].line;

	memset(&ps, 0, sizeof(ps));
	ps.pool = inv->npools++;
	ps.first_host = inv->nhosts;
	inv_keys(p, s, 2, keys, "pool", inv_pool_key, &ps);
	if (p->oom)
		return;
	if (keys[PK_TYPE].line == 0)
		diag_error(p->d, p->file, s->line, "pool %s has no type", name);
	if (keys[PK_MEMBER].line == 0)
		diag_error(p->d, p->file, s->line, "pool %s has no member", name);
	inv_pool_expand(p, s, &ps, e0);
}

/* deploy FEATURE[,FEATURE...] */
static void
inv_stmt_deploy(struct invparse *p, const struct stmt *s)
{
	char elem[INV_MAX_ELEM];
	const struct token *v;
	size_t pos = 0;
	int guard = 0;

	if (s->ntok < 2) {
		diag_error(p->d, p->file, s->line, "missing value for deploy");
		return;
	}
	for (int i = 2; i < s->ntok; i++)
		diag_error(p->d, p->file, s->tok[i].line,
		    "extra value %s after deploy (features are a comma list)", s->tok[i].text);
	v = &s->tok[1];
	if (v->text[0] == '\0') {
		diag_error(p->d, p->file, v->line, "empty feature list");
		return;
	}
	while (inv_list_next(v->text, &pos, elem, sizeof(elem)) && guard++ < 100000) {
		int f;

		if (elem[0] == '\0') {
			diag_error(p->d, p->file, v->line, "empty element in list %s", v->text);
			continue;
		}
		f = rules_find_feature(p->rs, elem);
		if (f < 0) {
			diag_error(p->d, p->file, v->line, "unknown feature %s%s", elem,
			    p->rs->nfeatures == 0 ? " (the loaded packs declare none)" : "");
			continue;
		}
		if (p->inv->deploy_line[f] != 0) {
			diag_error(p->d, p->file, v->line, "duplicate feature %s (first at %s:%d)",
			    elem, p->file, p->inv->deploy_line[f]);
			continue;
		}
		p->inv->deploy_line[f] = v->line;
		p->inv->declared |= (uint32_t)1 << f;
	}
}

/* The features the site deploys: declared, or held through a role. */
static void
inv_derive_features(struct inventory *inv, const struct ruleset *rs)
{
	inv->deployed = inv->declared;
	for (int f = 0; f < rs->nfeatures && f < RULES_MAX_FEATURES; f++) {
		inv->deploy_host[f] = -1;
		for (int h = 0; h < inv->nhosts; h++)
			if (inv->hosts[h].roles & rs->features[f].roles) {
				inv->deploy_host[f] = h;
				inv->deployed |= (uint32_t)1 << f;
				break;
			}
	}
}

/* client-media-ports N-M */
static void
inv_stmt_media(struct invparse *p, const struct stmt *s)
{
	const struct token *v;
	char lo[16], hi[16];
	const char *dash;
	unsigned long a, b;

	if (s->ntok < 2) {
		diag_error(p->d, p->file, s->line, "missing value for client-media-ports");
		return;
	}
	if (s->ntok > 2)
		diag_error(p->d, p->file, s->tok[2].line,
		    "extra value %s after client-media-ports", s->tok[2].text);
	if (p->media_line != 0) {
		diag_error(p->d, p->file, s->line,
		    "duplicate client-media-ports (first at %s:%d)", p->file, p->media_line);
		return;
	}
	p->media_line = s->line;
	v = &s->tok[1];
	dash = strchr(v->text, '-');
	if (dash == NULL)
		dash = v->text + strlen(v->text);
	if ((size_t)(dash - v->text) >= sizeof(lo) || strlen(dash) > sizeof(hi)) {
		diag_error(p->d, p->file, v->line,
		    "client-media-ports %s is not a port range (N-M)", v->text);
		return;
	}
	memcpy(lo, v->text, (size_t)(dash - v->text));
	lo[dash - v->text] = '\0';
	strcpy(hi, *dash == '-' ? dash + 1 : lo);
	if (lex_number(lo, 0, ULONG_MAX, &a) == -1 || lex_number(hi, 0, ULONG_MAX, &b) == -1) {
		diag_error(p->d, p->file, v->line,
		    "client-media-ports %s is not a port range (N-M)", v->text);
		return;
	}
	if (a < 1 || a > 65535 || b < 1 || b > 65535) {
		diag_error(p->d, p->file, v->line,
		    "client-media-ports %s: port out of range (1-65535)", v->text);
		return;
	}
	if (a > b) {
		diag_error(p->d, p->file, v->line,
		    "client-media-ports %s: range is inverted", v->text);
		return;
	}
	p->inv->media.lo = (uint16_t)a;
	p->inv->media.hi = (uint16_t)b;
}

void
inventory_init(struct inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->media.lo = 1024;
	inv->media.hi = 65535;
	for (int f = 0; f < RULES_MAX_FEATURES; f++)
		inv->deploy_host[f] = -1;
}

int
inventory_load(struct inventory *inv, const char *path, const struct ruleset *rs,
    struct diag *d)
{
	struct lexfile lf;
	struct invparse p;
	int errors0 = d->nerrors;

	free(inv->path);
	inv->path = strdup(path);
	if (inv->path == NULL) {
		diag_error(d, path, 0, "out of memory");
		return -1;
	}
	if (lex_file(path, &lf, d) == -1)
		return -1;
	memset(&p, 0, sizeof(p));
	p.inv = inv;
	p.rs = rs;
	p.d = d;
	p.file = inv->path;

	for (int i = 0; i < lf.nstmt && !p.oom; i++) {
		const struct stmt *s = &lf.stmt[i];
		const char *kw = s->tok[0].text;

		if (strcmp(kw, "host") == 0)
			inv_stmt_host(&p, s, INV_HOST);
		else if (strcmp(kw, "network") == 0)
			inv_stmt_host(&p, s, INV_NETWORK);
		else if (strcmp(kw, "peer") == 0)
			inv_stmt_host(&p, s, INV_PEER);
		else if (strcmp(kw, "pool") == 0)
			inv_stmt_pool(&p, s);
		else if (strcmp(kw, "client-media-ports") == 0)
			inv_stmt_media(&p, s);
		else if (strcmp(kw, "deploy") == 0)
			inv_stmt_deploy(&p, s);
		else
			diag_error(d, p.file, s->line, "unknown statement %s", kw);
	}
	lex_free(&lf);
	free(p.names);
	if (p.oom) {
		diag_error(d, p.file, 0, "out of memory");
		return -1;
	}
	if (inv->nhosts == 0 && d->nerrors == errors0)
		diag_error(d, p.file, 0, "no hosts defined");
	inv_derive_features(inv, rs);
	return d->nerrors == errors0 ? 0 : -1;
}

void
inventory_free(struct inventory *inv)
{
	for (int i = 0; i < inv->nhosts; i++)
		free(inv->hosts[i].name);
	for (int i = 0; i < inv->npools; i++)
		free(inv->pools[i].name);
	free(inv->hosts);
	free(inv->pools);
	free(inv->entries);
	free(inv->path);
	inventory_init(inv);
}

/* The addresses of host h: entries [start[h], ...) while entry.host == h. */
static void
inv_print_addrs(const struct inventory *inv, const int *start, int h, FILE *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (start[h] < 0) {
		fputs("\"\"", out);	/* cannot happen in a clean inventory */
		return;
	}
	for (int i = start[h]; i < inv->nentries && inv->entries[i].host == h; i++) {
		const struct inv_entry *e = &inv->entries[i];

		addr_format(e->addr, e->family, buf, sizeof(buf));
		fprintf(out, "%s%s", i == start[h] ? "" : ",", buf);
		if (e->plen != (e->family == 4 ? 32 : 128))
			fprintf(out, "/%d", e->plen);
	}
}

static void
inv_print_pool(const struct inventory *inv, const struct ruleset *rs,
    const int *start, int pi, FILE *out)
{
	const struct inv_pool *pool = &inv->pools[pi];
	const struct pool_type *pt = NULL;

	if (pool->type >= 0 && pool->type < rs->npooltypes)
		pt = &rs->pooltypes[pool->type];
	fputs("pool ", out);
	lex_print_word(pool->name, out);
	fputs(" {\n", out);
	if (pt != NULL)
		fprintf(out, "\ttype %s\n", pt->name);
	if (pool->lb != 0)
		fprintf(out, "\tload-balancing %s\n",
		    pool->lb == INV_LB_HARDWARE ? "hardware" : "dns");
	if (pool->collocated)
		fputs("\tcollocated-mediation yes\n", out);
	if (pool->vip_host >= 0) {
		fputs("\tvip ", out);
		inv_print_addrs(inv, start, pool->vip_host, out);
		fputc('\n', out);
	}
	for (int h = 0; h < inv->nhosts; h++) {
		if (inv->hosts[h].pool != pi || inv->hosts[h].kind != INV_MEMBER)
			continue;
		fputs("\tmember ", out);
		lex_print_word(inv->hosts[h].name, out);
		fputc(' ', out);
		inv_print_addrs(inv, start, h, out);
		fputc('\n', out);
	}
	for (int h = 0; h < inv->nhosts; h++) {
		if (inv->hosts[h].pool != pi || inv->hosts[h].kind != INV_MEMBER)
			continue;
		if (pt != NULL && pt->cms >= 0 && (inv->hosts[h].roles & (1ULL << pt->cms))) {
			fputs("\tcms ", out);
			lex_print_word(inv->hosts[h].name, out);
			fputc('\n', out);
		}
	}
	fputs("}\n", out);
}

void
inventory_print(const struct inventory *inv, const struct ruleset *rs, FILE *out)
{
	static const char *kw[] = {
		[INV_HOST] = "host", [INV_NETWORK] = "network", [INV_PEER] = "peer"
	};
	int *start, *printed;
	char roles[4096];

	start = calloc((size_t)inv->nhosts + 1, sizeof(*start));
	printed = calloc((size_t)inv->npools + 1, sizeof(*printed));
	if (start == NULL || printed == NULL) {
		free(start);
		free(printed);
		return;
	}
	for (int h = 0; h < inv->nhosts; h++)
		start[h] = -1;
	for (int i = inv->nentries - 1; i >= 0; i--)
		if (inv->entries[i].host >= 0 && inv->entries[i].host < inv->nhosts)
			start[inv->entries[i].host] = i;

	fprintf(out, "client-media-ports %u-%u\n", inv->media.lo, inv->media.hi);
	if (inv->declared != 0) {
		rules_format_features(rs, inv->declared, roles, sizeof(roles));
		fprintf(out, "deploy %s\n", roles);
	}
	for (int h = 0; h < inv->nhosts; h++) {
		const struct inv_host *host = &inv->hosts[h];

		switch (host->kind) {
		case INV_HOST:
		case INV_NETWORK:
		case INV_PEER:
			fprintf(out, "%s ", kw[host->kind]);
			lex_print_word(host->name, out);
			fputc(' ', out);
			inv_print_addrs(inv, start, h, out);
			rules_format_roles(rs, host->roles, roles, sizeof(roles));
			fprintf(out, " role %s\n", roles);
			break;
		case INV_MEMBER:
		case INV_VIP:
			if (host->pool < 0 || host->pool >= inv->npools || printed[host->pool])
				break;
			printed[host->pool] = 1;
			inv_print_pool(inv, rs, start, host->pool, out);
			break;
		}
	}
	free(start);
	free(printed);
}
