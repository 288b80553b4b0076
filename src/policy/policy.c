/*
 * policy.c - rules and inventory compiled into lookups.
 *
 * Addresses: every inventory entry goes into one open-addressing table
 * keyed by (masked address, prefix length); a lookup probes once per
 * distinct prefix length present, longest first, and unites the roles of
 * every prefix that covers the address (conformd.conf(5)).  Ports: per
 * role, per transport protocol and per direction, a 65536-bit bitmap of the
 * ports its rules name, so most new flows are decided without looking at a
 * rule; only when a bit is set are that role's rules scanned to check the
 * peer.  Semantics of the verdicts are in policy.h and conformd.conf(5).
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/packet.h"
#include "conformd/policy.h"

#define PORT_WORDS	(65536 / 64)

struct pfx {
	uint64_t	hi, lo;		/* the masked address as two big-endian words */
	uint64_t	roles;
	int		host;
	uint8_t		plen;		/* 0-128 in IPv6 terms (IPv4 /n is 96+n) */
	uint8_t		used;
};

/* Rules of one role in one direction, with the port bitmaps per protocol. */
struct role_dir {
	uint64_t	*bits[2];	/* [0] TCP, [1] UDP; NULL when no rule */
	int		*rules;		/* rule indices, ascending */
	int		 nrules;
};

struct policy {
	const struct ruleset	*rs;
	const struct inventory	*inv;
	struct pfx		*pfx;
	uint32_t		 pfx_mask;
	/* distinct prefix lengths, longest first, that hold an entry which
	 * can cover a v4-mapped address ([0]) or any other address ([1]) */
	uint8_t			 plens[2][129];
	int			 nplens[2];
	uint64_t		 implied;	/* implied roles (all-servers, ...) */
	uint64_t		 role_implied[RULES_MAX_ROLES];	/* implied roles a host gets
						   through each server role (no-implied removed) */
	uint64_t		 server_roles;	/* roles of kind server */
	uint64_t		 lync_roles;	/* server, vip and client roles */
	struct role_dir		 in[RULES_MAX_ROLES];
	struct role_dir		 out[RULES_MAX_ROLES];
	int			*same;		/* per rule: the first rule with the same
						   requirement (itself when none is earlier) */
};

/* The implied roles a host holding `roles` gets. */
static inline uint64_t
implied_of(const struct policy *pol, uint64_t roles)
{
	uint64_t m = roles & pol->server_roles, imp = 0;

	for (; m != 0; m &= m - 1)
		imp |= pol->role_implied[__builtin_ctzll(m)];
	return roles | imp;
}

static inline int
bit_test(const uint64_t *b, uint16_t port)
{
	return (int)((b[port >> 6] >> (port & 63)) & 1);
}

static inline uint64_t
be64_load(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/* The first plen bits of a 16-byte address, as two big-endian words
 * (the rest zero): two loads and two masks, no byte loop. */
static inline void
mask_words(uint64_t h, uint64_t l, int plen, uint64_t *hi, uint64_t *lo)
{
	if (plen <= 0)
		h = l = 0;
	else if (plen < 64) {
		h &= ~0ULL << (64 - plen);
		l = 0;
	} else if (plen == 64)
		l = 0;
	else if (plen < 128)
		l &= ~0ULL << (128 - plen);
	*hi = h;
	*lo = l;
}

static inline void
mask_addr(const uint8_t *in, int plen, uint64_t *hi, uint64_t *lo)
{
	mask_words(be64_load(in), be64_load(in + 8), plen, hi, lo);
}

static inline uint32_t
pfx_hash(uint64_t hi, uint64_t lo, uint8_t plen)
{
	uint64_t h = hi * 0x9e3779b97f4a7c15ULL + lo * 0xc2b2ae3d27d4eb4fULL +
	    (uint64_t)plen * 0x165667b19e3779f9ULL;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static struct pfx *
pfx_slot(const struct policy *pol, uint64_t hi, uint64_t lo, uint8_t plen)
{
	uint32_t pos = pfx_hash(hi, lo, plen) & pol->pfx_mask;

	for (;;) {
		struct pfx *e = &pol->pfx[pos];
		if (!e->used || (e->plen == plen && e->hi == hi && e->lo == lo))
			return e;
		pos = (pos + 1) & pol->pfx_mask;
	}
}

/* Port ranges of rule r, the client media range standing for `client-media`. */
static int
rule_ranges(const struct policy *pol, const struct rule *r, const struct port_range **out)
{
	if (r->client_media) {
		*out = &pol->inv->media;
		return 1;
	}
	*out = r->ports;
	return r->nports;
}

static int
rule_covers(const struct policy *pol, const struct rule *r, uint8_t proto, uint16_t port)
{
	const struct port_range *pr;
	int n;

	if (proto == IPPROTO_NUM_TCP && !(r->protos & RULE_TCP))
		return 0;
	if (proto == IPPROTO_NUM_UDP && !(r->protos & RULE_UDP))
		return 0;
	n = rule_ranges(pol, r, &pr);
	for (int i = 0; i < n; i++)
		if (port >= pr[i].lo && port <= pr[i].hi)
			return 1;
	return 0;
}

static int
role_dir_add(const struct policy *pol, struct role_dir *rd, const struct rule *r, int idx)
{
	const struct port_range *pr;
	int n = rule_ranges(pol, r, &pr);
	int *nr;

	for (int p = 0; p < 2; p++) {
		if (!(r->protos & (p == 0 ? RULE_TCP : RULE_UDP)))
			continue;
		if (rd->bits[p] == NULL) {
			rd->bits[p] = calloc(PORT_WORDS, sizeof(uint64_t));
			if (rd->bits[p] == NULL)
				return -1;
		}
		for (int i = 0; i < n; i++)
			for (uint32_t port = pr[i].lo; port <= pr[i].hi; port++)
				rd->bits[p][port >> 6] |= 1ULL << (port & 63);
	}
	nr = realloc(rd->rules, (size_t)(rd->nrules + 1) * sizeof(*nr));
	if (nr == NULL)
		return -1;
	rd->rules = nr;
	rd->rules[rd->nrules++] = idx;
	return 0;
}

/* Do rules a and b ask the same of a host (direction, protocols, ports,
 * peers)?  T1R1 and T1R38 do: one flow proves both, one missing finding. */
static int
rule_same_requirement(const struct rule *a, const struct rule *b)
{
	if (a->dir != b->dir || a->protos != b->protos || a->peers != b->peers ||
	    a->client_media != b->client_media || a->nports != b->nports)
		return 0;
	for (int k = 0; k < a->nports; k++)
		if (a->ports[k].lo != b->ports[k].lo || a->ports[k].hi != b->ports[k].hi)
			return 0;
	return 1;
}

struct policy *
policy_compile(const struct ruleset *rs, const struct inventory *inv)
{
	struct policy *pol = calloc(1, sizeof(*pol));
	uint32_t slots = 16;
	int seen[2][129] = { { 0 } };

	if (pol == NULL)
		return NULL;
	pol->rs = rs;
	pol->inv = inv;
	for (int r = 0; r < rs->nroles; r++) {
		uint64_t bit = 1ULL << r;
		if (rs->roles[r].kind == ROLE_SERVER)
			pol->server_roles |= bit;
		if (rs->roles[r].kind != ROLE_PEER)
			pol->lync_roles |= bit;
		if (rs->roles[r].implied)
			pol->implied |= bit;
	}
	for (int r = 0; r < rs->nroles; r++)
		if (rs->roles[r].kind == ROLE_SERVER)
			pol->role_implied[r] = pol->implied & ~rs->roles[r].no_implied;

	while (slots < 2u * (uint32_t)inv->nentries + 2)
		slots <<= 1;
	pol->pfx = calloc(slots, sizeof(*pol->pfx));
	if (pol->pfx == NULL)
		goto fail;
	pol->pfx_mask = slots - 1;
	for (int i = 0; i < inv->nentries; i++) {
		const struct inv_entry *en = &inv->entries[i];
		uint8_t plen = (uint8_t)(en->family == 4 ? 96 + en->plen : en->plen);
		uint64_t hi, lo;
		struct pfx *e;

		mask_addr(en->addr, plen, &hi, &lo);
		e = pfx_slot(pol, hi, lo, plen);
		if (!e->used) {
			e->used = 1;
			e->hi = hi;
			e->lo = lo;
			e->plen = plen;
			e->host = en->host;
		}
		e->roles |= en->roles;
		/* ::ffff:0:0/96 is hi 0, lo 0x0000ffff00000000: an entry covers
		 * v4-mapped addresses when its first min(plen, 96) bits match
		 * that, and others when shorter than 96 or not that prefix. */
		{
			uint64_t mh, ml;
			int l96 = plen < 96 ? plen : 96;

			mask_words(0, 0x0000ffff00000000ULL, l96, &mh, &ml);
			mask_words(hi, lo, l96, &hi, &lo);
			if (hi == mh && lo == ml)
				seen[0][plen] = 1;
			if (plen < 96 || hi != mh || lo != ml)
				seen[1][plen] = 1;
		}
	}
	for (int k = 0; k < 2; k++)
		for (int l = 128; l >= 0; l--)
			if (seen[k][l])
				pol->plens[k][pol->nplens[k]++] = (uint8_t)l;

	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		struct role_dir *rd = r->dir == RULE_OUT ? &pol->out[r->role] : &pol->in[r->role];
		if (r->disabled)
			continue;	/* the site removed it */
		if (role_dir_add(pol, rd, r, i) == -1)
			goto fail;
	}
	if ((pol->same = calloc((size_t)rs->nrules + 1, sizeof(*pol->same))) == NULL)
		goto fail;
	for (int i = 0; i < rs->nrules; i++) {
		pol->same[i] = i;
		for (int j = 0; j < i; j++)
			if (rule_same_requirement(&rs->rules[i], &rs->rules[j])) {
				pol->same[i] = pol->same[j];
				break;
			}
	}
	return pol;
fail:
	policy_free(pol);
	return NULL;
}

void
policy_free(struct policy *pol)
{
	if (pol == NULL)
		return;
	for (int r = 0; r < RULES_MAX_ROLES; r++) {
		for (int p = 0; p < 2; p++) {
			free(pol->in[r].bits[p]);
			free(pol->out[r].bits[p]);
		}
		free(pol->in[r].rules);
		free(pol->out[r].rules);
	}
	free(pol->same);
	free(pol->pfx);
	free(pol);
}

uint64_t
policy_roles(const struct policy *pol, const uint8_t addr[16], int *host)
{
	uint64_t roles = 0, h = be64_load(addr), l = be64_load(addr + 8), hi, lo;

	int k = !(h == 0 && (l >> 32) == 0x0000ffffULL);	/* 0: v4-mapped */

	*host = -1;
	for (int i = 0; i < pol->nplens[k]; i++) {
		const struct pfx *e;
		mask_words(h, l, pol->plens[k][i], &hi, &lo);
		e = pfx_slot(pol, hi, lo, pol->plens[k][i]);
		if (!e->used)
			continue;
		if (*host == -1)
			*host = e->host;
		roles |= e->roles;
	}
	return implied_of(pol, roles);
}

/*
 * Does rule r allow proto/port with `other` (the far end's roles) at the
 * other end?  A rule naming no peer accepts anyone, except that an `out`
 * rule naming no peer does not reach a Lync role (`anyone_lync` 0): a
 * server, VIP or client that is reached is judged by its own `in` rules,
 * so a client's outbound 443 row does not open port 443 on every client.
 */
static int
rule_allows(const struct policy *pol, const struct rule *r, uint8_t proto, uint16_t port,
    uint64_t other, int anyone_lync)
{
	int peer_ok = r->peers != 0 ? (r->peers & other) != 0 :
	    anyone_lync || (other & pol->lync_roles) == 0;

	return peer_ok && rule_covers(pol, r, proto, port);
}

/* The port bitmap of `rd` for proto, when it has `port` set; else NULL. */
static const uint64_t *
role_dir_bits(const struct role_dir *rd, uint8_t proto, uint16_t port)
{
	const uint64_t *b = rd->bits[proto == IPPROTO_NUM_TCP ? 0 : 1];

	return b != NULL && bit_test(b, port) ? b : NULL;
}

/* Lowest index among `rd`'s rules that allow the flow; RULE_NONE when none does. */
static int
role_dir_match(const struct policy *pol, const struct role_dir *rd, uint8_t proto,
    uint16_t port, uint64_t other, int anyone_lync)
{
	if (role_dir_bits(rd, proto, port) == NULL)
		return RULE_NONE;
	for (int i = 0; i < rd->nrules; i++)
		if (rule_allows(pol, &pol->rs->rules[rd->rules[i]], proto, port, other, anyone_lync))
			return rd->rules[i];
	return RULE_NONE;
}

/* policy_classify() once the roles of both ends are known. */
static enum verdict
classify_roles(const struct policy *pol, uint64_t ri, uint64_t ii, uint8_t proto,
    uint16_t port, int *rule)
{
	uint64_t m;
	int best = RULE_NONE;

	*rule = RULE_NONE;
	if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP)
		return VERDICT_UNMONITORED;
	for (m = ri; m != 0; m &= m - 1) {
		int r = __builtin_ctzll(m);
		int idx = role_dir_match(pol, &pol->in[r], proto, port, ii, 1);
		if (idx < best)
			best = idx;
	}
	for (m = ii; m != 0; m &= m - 1) {
		int r = __builtin_ctzll(m);
		int idx = role_dir_match(pol, &pol->out[r], proto, port, ri, 0);
		if (idx < best)
			best = idx;
	}
	if (best != RULE_NONE) {
		*rule = best;
		return VERDICT_EXPECTED;
	}
	if (ri & pol->lync_roles)
		return VERDICT_UNEXPECTED;
	if (ii & pol->server_roles)
		return VERDICT_UNEXPECTED;
	return VERDICT_UNMONITORED;
}

enum verdict
policy_classify(const struct policy *pol, const struct flow_tuple *t, int *rule)
{
	int h;
	uint64_t ri = policy_roles(pol, t->resp_addr, &h);
	uint64_t ii = policy_roles(pol, t->ini_addr, &h);

	return classify_roles(pol, ri, ii, t->proto, t->resp_port, rule);
}

/* The apps of every rule of `rd` that allows the flow, united. */
static unsigned
role_dir_apps(const struct policy *pol, const struct role_dir *rd, uint8_t proto,
    uint16_t port, uint64_t other, int anyone_lync)
{
	unsigned apps = 0;

	if (role_dir_bits(rd, proto, port) == NULL)
		return 0;
	for (int i = 0; i < rd->nrules; i++) {
		const struct rule *r = &pol->rs->rules[rd->rules[i]];
		if (rule_allows(pol, r, proto, port, other, anyone_lync))
			apps |= r->apps;
	}
	return apps;
}

/* policy_allowed_apps() once the roles of both ends are known. */
static unsigned
apps_roles(const struct policy *pol, uint64_t ri, uint64_t ii, uint8_t proto, uint16_t port)
{
	uint64_t m;
	unsigned apps = 0;

	if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP)
		return 0;
	for (m = ri; m != 0; m &= m - 1)
		apps |= role_dir_apps(pol, &pol->in[__builtin_ctzll(m)], proto, port, ii, 1);
	for (m = ii; m != 0; m &= m - 1)
		apps |= role_dir_apps(pol, &pol->out[__builtin_ctzll(m)], proto, port, ri, 0);
	return apps;
}

unsigned
policy_allowed_apps(const struct policy *pol, const struct flow_tuple *t)
{
	int h;
	uint64_t ri = policy_roles(pol, t->resp_addr, &h);
	uint64_t ii = policy_roles(pol, t->ini_addr, &h);

	return apps_roles(pol, ri, ii, t->proto, t->resp_port);
}

enum verdict
policy_judge_roles(const struct policy *pol, uint64_t ri, uint64_t ii, uint8_t proto,
    uint16_t resp_port, int *rule, unsigned *apps)
{
	enum verdict v = classify_roles(pol, ri, ii, proto, resp_port, rule);

	*apps = v == VERDICT_EXPECTED ? apps_roles(pol, ri, ii, proto, resp_port) : 0;
	return v;
}

/* Append to out[] (sorted, no duplicates) every rule of `rd` that allows the flow. */
static int
role_dir_all(const struct policy *pol, const struct role_dir *rd, uint8_t proto, uint16_t port,
    uint64_t other, int anyone_lync, int *out, int n, int max)
{
	if (role_dir_bits(rd, proto, port) == NULL)
		return n;
	for (int i = 0; i < rd->nrules; i++) {
		int idx = rd->rules[i], j;

		if (!rule_allows(pol, &pol->rs->rules[idx], proto, port, other, anyone_lync))
			continue;
		if (n < max) {
			for (j = n; j > 0 && out[j - 1] > idx; j--)
				out[j] = out[j - 1];
			out[j] = idx;
		}
		n++;
	}
	return n;
}

int
policy_allowed_rules_roles(const struct policy *pol, uint64_t ri, uint64_t ii, uint8_t proto,
    uint16_t resp_port, int *out, int max)
{
	uint64_t m;
	int n = 0;

	if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP)
		return 0;
	for (m = ri; m != 0; m &= m - 1)
		n = role_dir_all(pol, &pol->in[__builtin_ctzll(m)], proto, resp_port, ii, 1,
		    out, n, max);
	/* anyone_lync 1 here: an expected flow (the caller's to know) also
	 * proves an `out` rule naming no peer when it reaches a Lync role, so
	 * a client's 5061 to a Front End proves T4R6 as well as T1R3. */
	for (m = ii; m != 0; m &= m - 1)
		n = role_dir_all(pol, &pol->out[__builtin_ctzll(m)], proto, resp_port, ri, 1,
		    out, n, max);
	return n;
}

int
policy_allowed_rules(const struct policy *pol, const struct flow_tuple *t, int *out, int max)
{
	int h;
	uint64_t ri = policy_roles(pol, t->resp_addr, &h);
	uint64_t ii = policy_roles(pol, t->ini_addr, &h);

	return policy_allowed_rules_roles(pol, ri, ii, t->proto, t->resp_port, out, max);
}

uint64_t
policy_host_roles(const struct policy *pol, int h)
{
	uint64_t roles;

	if (h < 0 || h >= pol->inv->nhosts)
		return 0;
	roles = pol->inv->hosts[h].roles;
	return implied_of(pol, roles);
}

int
policy_listens(const struct policy *pol, const uint8_t addr[16], uint8_t proto, uint16_t port)
{
	int h;
	uint64_t roles = policy_roles(pol, addr, &h);

	if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP)
		return 0;
	for (; roles != 0; roles &= roles - 1) {
		const uint64_t *b = pol->in[__builtin_ctzll(roles)].bits[proto == IPPROTO_NUM_TCP ? 0 : 1];
		if (b != NULL && bit_test(b, port))
			return 1;
	}
	return 0;
}

int
policy_rule_required(const struct policy *pol, int r)
{
	const struct rule *ru;

	if (r < 0 || r >= pol->rs->nrules)
		return 0;
	ru = &pol->rs->rules[r];
	if (ru->disabled)
		return 0;
	return ru->features == 0 || (ru->features & pol->inv->deployed) != 0;
}

int
policy_rule_same(const struct policy *pol, int r)
{
	if (r < 0 || r >= pol->rs->nrules)
		return r;
	return pol->same[r];
}

const struct ruleset *
policy_ruleset(const struct policy *pol)
{
	return pol->rs;
}

const struct inventory *
policy_inventory(const struct policy *pol)
{
	return pol->inv;
}

const char *
verdict_name(int v)
{
	switch (v) {
	case VERDICT_EXPECTED:
		return "expected";
	case VERDICT_UNEXPECTED:
		return "unexpected";
	case VERDICT_UNMONITORED:
		return "unmonitored";
	default:
		return "none";
	}
}
