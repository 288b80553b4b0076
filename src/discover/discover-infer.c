/*
 * discover-infer.c - roles, pools, VIPs, clients, peers and features from
 * the evidence of a discovery run, scored against the loaded packs
 * (discover-infer.h).
 *
 * The steps, in order (each reads what the earlier ones decided):
 *   1. signatures: per candidate role (server or monitored, not implied,
 *      not a pool type's collocated or cms role) the ports of its `in`
 *      rules, a pool type's collocated role's ports added to its member
 *      role's; a port's weight is 1/n over the n signatures holding it;
 *   2. servers: each host that accepted a signature port gets its best
 *      role (score: weighted fraction of the role's required ports seen,
 *      times the weight it explains; a role whose matched ports another
 *      role's strictly contain loses; equal evidence is a tie, broken by
 *      the later pack, and written as an alternative); a monitored role
 *      (domain controller, SQL, Exchange, ...) must be reached by a Lync
 *      server, else the host is only listed as unknown;
 *   3. pools and VIPs: member-role hosts joined by traffic among
 *      themselves on their role's ports (with a common initiator) or by
 *      their clients; a VIP takes only VIP ports, initiates nothing and
 *      shares the pool's initiators; balancing, collocation and the CMS
 *      holder from what the members and VIPs did;
 *   4. clients and peers: a host that is no server takes the client or
 *      peer role whose rules (its own, or the `peer` of the rules of the
 *      hosts it talked to) explain the most of its conversations; a
 *      server whose every acceptance is explained by its initiators' out
 *      rules naming a peer role is that peer (a web farm); a server seen
 *      on one port from one host is a client when its traffic says so;
 *   5. the client media range, then conflicts (what the draft leaves
 *      unexpected) and second roles, confidence;
 *   6. unknown and unanswered hosts, client networks, features, names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/inventory.h"
#include "discover-infer.h"

#define NARROW(r, k)	((r)->ports[k].hi - (r)->ports[k].lo < DSC_NARROW_MAX)
/* Every host, in address order: the draft must not depend on the order
 * flows ended in (one thread or several workers). */
#define FOR_HOSTS(c, k, i) \
	for (uint32_t k = 0, i = 0; k < (c)->d->nhosts && ((void)(i = (c)->order[k]), 1); k++)
#define BIT(i)		(1ull << (i))

struct sport {
	uint8_t		 proto;
	uint16_t	 port;
	uint8_t		 required;
	uint8_t		 coll;		/* from the collocated role */
};

struct sig {
	int		 role;
	int		 pooltype;	/* whose member role this is, -1 */
	struct sport	*p;
	int		 np;
	double		 req_w;		/* weight of its required ports */
	double		 all_w;		/* weight of all its own (not collocated) ports */
	int		 nreq;
	int		 nown;
	int		 order;		/* later packs first on a tie */
};

struct cand {
	uint64_t	 mask;		/* bits: indices into the host's ports */
	double		 mw, cov, score;
	int		 matched;
	int		 real;		/* matched a port of its own (not collocated) */
	int		 dominated;
};

struct ctx {
	const struct discover	*d;
	const struct ruleset	*rs;
	struct dsc_result	*res;
	struct sig		*sigs;
	int			 nsigs;
	uint32_t		*wkey;		/* (proto << 16 | port), sorted */
	int			*wcnt;
	int			 nw;
	uint64_t		 implied[RULES_MAX_ROLES];	/* implied roles each role brings */
	uint64_t		 kind_mask[6];			/* roles per enum role_kind */
	int			 role_order[RULES_MAX_ROLES];
	int			*cover[2][65536];	/* rules covering (proto, port); [.][0]: high ports */
	uint32_t		*order;		/* host indices by family and address */
	uint32_t		*rank;		/* a host's place in order */
	uint8_t			*weak;		/* per host: server evidence from one port, one host */
	uint8_t			*vipc;		/* per host: VIP candidate of pool type +1 */
};

/* --- helpers ------------------------------------------------------------ */

static uint64_t
full_roles(const struct ctx *c, uint64_t roles)
{
	uint64_t full = roles;

	for (uint64_t m = roles; m != 0; m &= m - 1)
		full |= c->implied[__builtin_ctzll(m)];
	return full;
}

static int
role_kind(const struct ctx *c, int role)
{
	return role >= 0 ? c->rs->roles[role].kind : 0;
}

/* Does rule r cover (proto, port)?  Port 0 stands for a high port whose
 * number was not kept: any wide range or the client media range. */
static int
rule_covers(const struct ctx *c, const struct rule *r, int proto, uint16_t port)
{
	unsigned bit = proto == DSC_TCP ? RULE_TCP : RULE_UDP;

	if (r->disabled || !(r->protos & bit))
		return 0;
	if (r->client_media) {
		if (port == 0)
			return 1;
		if (c->res->media)
			return port >= c->res->media_lo && port <= c->res->media_hi;
		return port >= 1024;
	}
	for (int k = 0; k < r->nports; k++) {
		if (port == 0) {
			if (!NARROW(r, k))
				return 1;
		} else if (port >= r->ports[k].lo && port <= r->ports[k].hi)
			return 1;
	}
	return 0;
}

/* The rules covering (proto, port), -1 terminated, cached; NULL when out
 * of memory (treated as none). */
static const int *
covering(struct ctx *c, int proto, uint16_t port)
{
	int *list, n = 0;

	if (c->cover[proto][port] != NULL)
		return c->cover[proto][port];
	if ((list = malloc(((size_t)c->rs->nrules + 1) * sizeof(*list))) == NULL)
		return NULL;
	for (int i = 0; i < c->rs->nrules; i++)
		if (rule_covers(c, &c->rs->rules[i], proto, port))
			list[n++] = i;
	list[n] = -1;
	c->cover[proto][port] = list;
	return list;
}

/* The cache depends on the media range: forget it when that changes. */
static void
covering_reset(struct ctx *c)
{
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 65536; i++) {
			free(c->cover[p][i]);
			c->cover[p][i] = NULL;
		}
}

static double
port_weight(const struct ctx *c, int proto, uint16_t port)
{
	uint32_t key = (uint32_t)proto << 16 | port;
	int lo = 0, hi = c->nw;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (c->wkey[mid] == key)
			return 1.0 / c->wcnt[mid];
		if (c->wkey[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Host roles as the policy would see them. */
static uint64_t
hroles(const struct ctx *c, uint32_t h)
{
	const struct dsc_hres *r = &c->res->h[h];

	switch (r->kind) {
	case DSC_K_SERVER:
	case DSC_K_VIP:
	case DSC_K_CLIENT:
	case DSC_K_PEER:
		return full_roles(c, r->roles);
	default:
		return 0;
	}
}

/* --- 1. signatures -------------------------------------------------------- */

static int
is_pool_extra(const struct ruleset *rs, int role)
{
	for (int t = 0; t < rs->npooltypes; t++)
		if (rs->pooltypes[t].collocated == role || rs->pooltypes[t].cms == role)
			return 1;
	return 0;
}

static int
file_order(const struct ruleset *rs, const char *file)
{
	for (int i = 0; i < rs->nfiles; i++)
		if (rs->files[i] == file)
			return i;
	return 0;
}

/* Add the narrow in-ports of `role` to s; `coll` marks a collocated role's. */
static int
sig_add_role(const struct ruleset *rs, struct sig *s, int role, int coll)
{
	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->disabled || r->role != role || r->dir != RULE_IN || r->client_media)
			continue;
		for (int k = 0; k < r->nports; k++) {
			if (!NARROW(r, k))
				continue;
			for (unsigned p = r->ports[k].lo; p <= r->ports[k].hi; p++)
				for (int proto = 0; proto < 2; proto++) {
					int j;

					if (!(r->protos & (proto == DSC_TCP ? RULE_TCP : RULE_UDP)))
						continue;
					for (j = 0; j < s->np; j++)
						if (s->p[j].proto == proto && s->p[j].port == p)
							break;
					if (j == s->np) {
						struct sport *np = realloc(s->p,
						    (size_t)(s->np + 1) * sizeof(*np));

						if (np == NULL)
							return -1;
						s->p = np;
						s->p[j].proto = (uint8_t)proto;
						s->p[j].port = (uint16_t)p;
						s->p[j].required = 0;
						s->p[j].coll = (uint8_t)coll;
						s->np++;
					}
					if (!coll) {
						s->p[j].coll = 0;
						if (!r->optional && r->features == 0)
							s->p[j].required = 1;
					}
				}
		}
	}
	return 0;
}

static int
build_sigs(struct ctx *c)
{
	const struct ruleset *rs = c->rs;

	for (int i = 0; i < rs->nroles; i++) {
		const struct role *ro = &rs->roles[i];

		c->kind_mask[ro->kind < 6 ? ro->kind : 0] |= BIT(i);
		c->role_order[i] = file_order(rs, ro->file) * 100 + i;
		if (ro->kind == ROLE_SERVER && !ro->implied)
			for (int j = 0; j < rs->nroles; j++)
				if (rs->roles[j].implied && !(ro->no_implied & BIT(j)))
					c->implied[i] |= BIT(j);
	}
	c->sigs = calloc((size_t)rs->nroles, sizeof(*c->sigs));
	if (c->sigs == NULL)
		return -1;
	for (int i = 0; i < rs->nroles; i++) {
		const struct role *ro = &rs->roles[i];
		struct sig *s = &c->sigs[c->nsigs];

		if ((ro->kind != ROLE_SERVER && ro->kind != ROLE_MONITORED) || ro->implied ||
		    is_pool_extra(rs, i))
			continue;
		s->role = i;
		s->pooltype = -1;
		s->order = c->role_order[i];
		if (sig_add_role(rs, s, i, 0) == -1)
			return -1;
		for (int t = 0; t < rs->npooltypes; t++)
			if (rs->pooltypes[t].member == i) {
				if (s->pooltype < 0)
					s->pooltype = t;
				if (rs->pooltypes[t].collocated >= 0 &&
				    sig_add_role(rs, s, rs->pooltypes[t].collocated, 1) == -1)
					return -1;
			}
		if (s->np == 0) {
			free(s->p);
			s->p = NULL;
			continue;
		}
		c->nsigs++;
	}
	/* weights: 1/n over the signatures holding a port */
	for (int i = 0; i < c->nsigs; i++)
		for (int j = 0; j < c->sigs[i].np; j++) {
			uint32_t key = (uint32_t)c->sigs[i].p[j].proto << 16 | c->sigs[i].p[j].port;
			int k;

			for (k = 0; k < c->nw; k++)
				if (c->wkey[k] == key)
					break;
			if (k == c->nw) {
				uint32_t *nk = realloc(c->wkey, (size_t)(c->nw + 1) * sizeof(*nk));
				int *nc;

				if (nk == NULL)
					return -1;
				c->wkey = nk;
				if ((nc = realloc(c->wcnt, (size_t)(c->nw + 1) * sizeof(*nc))) == NULL)
					return -1;
				c->wcnt = nc;
				c->wkey[k] = key;
				c->wcnt[k] = 0;
				c->nw++;
			}
			c->wcnt[k]++;
		}
	/* sorted for port_weight()'s binary search (insertion sort: few) */
	for (int i = 1; i < c->nw; i++)
		for (int j = i; j > 0 && c->wkey[j - 1] > c->wkey[j]; j--) {
			uint32_t tk = c->wkey[j];
			int tc = c->wcnt[j];

			c->wkey[j] = c->wkey[j - 1];
			c->wcnt[j] = c->wcnt[j - 1];
			c->wkey[j - 1] = tk;
			c->wcnt[j - 1] = tc;
		}
	for (int i = 0; i < c->nsigs; i++) {
		struct sig *s = &c->sigs[i];

		for (int j = 0; j < s->np; j++) {
			double w = port_weight(c, s->p[j].proto, s->p[j].port);

			if (s->p[j].coll)
				continue;
			s->all_w += w;
			s->nown++;
			if (s->p[j].required) {
				s->req_w += w;
				s->nreq++;
			}
		}
	}
	return 0;
}

/* --- adjacency ------------------------------------------------------------ */

struct ekey {
	uint64_t	 key;
	uint32_t	 e;
};

static int
cmp_ekey(const void *a, const void *b)
{
	const struct ekey *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static int
build_adjacency(struct ctx *c)
{
	const struct discover *d = c->d;
	uint32_t n = d->nhosts;

	c->res->in_off = calloc((size_t)n + 1, sizeof(uint32_t));
	c->res->out_off = calloc((size_t)n + 1, sizeof(uint32_t));
	c->res->in_list = malloc(((size_t)d->nedges + 1) * sizeof(uint32_t));
	c->res->out_list = malloc(((size_t)d->nedges + 1) * sizeof(uint32_t));
	if (c->res->in_off == NULL || c->res->out_off == NULL || c->res->in_list == NULL || c->res->out_list == NULL)
		return -1;
	for (uint32_t i = 0; i < d->nedges; i++) {
		c->res->in_off[d->edges[i].resp + 1]++;
		c->res->out_off[d->edges[i].ini + 1]++;
	}
	for (uint32_t i = 0; i < n; i++) {
		c->res->in_off[i + 1] += c->res->in_off[i];
		c->res->out_off[i + 1] += c->res->out_off[i];
	}
	{
		uint32_t *fi = calloc((size_t)n + 1, sizeof(uint32_t));
		uint32_t *fo = calloc((size_t)n + 1, sizeof(uint32_t));

		if (fi == NULL || fo == NULL) {
			free(fi);
			free(fo);
			return -1;
		}
		for (uint32_t i = 0; i < d->nedges; i++) {
			uint32_t r = d->edges[i].resp, s = d->edges[i].ini;

			c->res->in_list[c->res->in_off[r] + fi[r]++] = i;
			c->res->out_list[c->res->out_off[s] + fo[s]++] = i;
		}
		free(fi);
		free(fo);
	}
	/* each host's edges by the other end's address, then protocol and
	 * port: what is listed first does not depend on when flows ended */
	for (int dir = 0; dir < 2; dir++) {
		uint32_t *off = dir == 0 ? c->res->in_off : c->res->out_off;
		uint32_t *lst = dir == 0 ? c->res->in_list : c->res->out_list;

		for (uint32_t h = 0; h < n; h++) {
			uint32_t m = off[h + 1] - off[h];
			struct ekey *k;

			if (m < 2)
				continue;
			if ((k = malloc((size_t)m * sizeof(*k))) == NULL)
				return -1;
			for (uint32_t j = 0; j < m; j++) {
				const struct dsc_edge *e = &d->edges[lst[off[h] + j]];
				uint32_t other = dir == 0 ? e->ini : e->resp;

				k[j].key = (uint64_t)c->rank[other] << 17 | (uint64_t)e->proto << 16 | e->port;
				k[j].e = lst[off[h] + j];
			}
			qsort(k, m, sizeof(*k), cmp_ekey);
			for (uint32_t j = 0; j < m; j++)
				lst[off[h] + j] = k[j].e;
			free(k);
		}
	}
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted distinct initiators of h's accepted flows into *out (malloc'd);
 * their number, -1 when out of memory. */
static int
initiators(const struct ctx *c, uint32_t h, uint32_t **out)
{
	uint32_t n = c->res->in_off[h + 1] - c->res->in_off[h], k = 0;
	uint32_t *v = malloc(((size_t)n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	for (uint32_t i = c->res->in_off[h]; i < c->res->in_off[h + 1]; i++) {
		const struct dsc_edge *e = &c->d->edges[c->res->in_list[i]];

		if (e->flows > 0)
			v[k++] = e->ini;
	}
	qsort(v, k, sizeof(*v), cmp_u32);
	n = 0;
	for (uint32_t i = 0; i < k; i++)
		if (n == 0 || v[n - 1] != v[i])
			v[n++] = v[i];
	*out = v;
	return (int)n;
}

/* Initiators a and b share, other than a and b themselves (exact from the
 * edges; the sketches when edges were dropped). */
static uint32_t
common_initiators(const struct ctx *c, uint32_t a, uint32_t b)
{
	uint32_t *va = NULL, *vb = NULL, n = 0;
	int na = initiators(c, a, &va), nb = initiators(c, b, &vb);

	for (int i = 0, j = 0; i < na && j < nb;) {
		if (va[i] == vb[j]) {
			if (va[i] != a && va[i] != b)
				n++;
			i++;
			j++;
		} else if (va[i] < vb[j])
			i++;
		else
			j++;
	}
	free(va);
	free(vb);
	if (n == 0 && c->d->c.edges_dropped > 0)
		n = discover_sketch_common(&c->d->hosts[a], &c->d->hosts[b]) > 1 ? 1 : 0;
	return n;
}

/* An accepted edge from a to b (either way when `both` is 0) on a port of
 * signature s; 1 or 0. */
static int
linked_on(const struct ctx *c, const struct sig *s, uint32_t a, uint32_t b)
{
	for (uint32_t i = c->res->out_off[a]; i < c->res->out_off[a + 1]; i++) {
		const struct dsc_edge *e = &c->d->edges[c->res->out_list[i]];

		if (e->resp != b || e->flows == 0)
			continue;
		for (int j = 0; j < s->np; j++)
			if (s->p[j].proto == e->proto && s->p[j].port == e->port)
				return 1;
	}
	return 0;
}

/* --- 2. servers ------------------------------------------------------------ */

static int
sig_of_role(const struct ctx *c, int role)
{
	for (int i = 0; i < c->nsigs; i++)
		if (c->sigs[i].role == role)
			return i;
	return -1;
}


/* Is (proto, port) one a server is reached on by another server's out
 * rule, on a port none of the rule's peer roles lists as its own (the CMS
 * holder's push to 445, a site's RDP or SNMP to every server)?  Such a
 * port says little about the host's own role. */
static int
pushable(struct ctx *c, int proto, uint16_t port)
{
	uint64_t servers = c->kind_mask[ROLE_SERVER] | c->kind_mask[ROLE_MONITORED];
	const int *rl = covering(c, proto, port);

	for (const int *a = rl; a != NULL && *a >= 0; a++) {
		const struct rule *r = &c->rs->rules[*a];
		int own = 0;

		if (r->dir != RULE_OUT || !(r->peers & servers))
			continue;
		for (const int *b = rl; *b >= 0 && !own; b++)
			own = c->rs->rules[*b].dir == RULE_IN && (r->peers & BIT(c->rs->rules[*b].role));
		if (!own)
			return 1;
	}
	return 0;
}

/* The ports of h to leave out of its scoring: the pushable ones, when it
 * accepted a signature port that is not. */
static uint64_t
ignored_ports(struct ctx *c, const struct dsc_host *h)
{
	uint64_t push = 0;
	int other = 0;

	for (int i = 0; i < h->nports; i++) {
		const struct dsc_port *p = &h->ports[i];

		if (pushable(c, p->proto, p->port))
			push |= BIT(i);
		else if (port_weight(c, p->proto, p->port) > 0)
			other = 1;
	}
	return other ? push : 0;
}

/* Score every signature against host h's accepted ports but `ignore`. */
static void
score_host(const struct ctx *c, const struct dsc_host *h, uint64_t ignore, struct cand *cd)
{
	for (int i = 0; i < c->nsigs; i++) {
		const struct sig *s = &c->sigs[i];
		double reqw = 0, ownw = 0;

		memset(&cd[i], 0, sizeof(cd[i]));
		for (int j = 0; j < s->np; j++) {
			const struct dsc_port *p = discover_port(h, s->p[j].proto, s->p[j].port);
			double w;

			if (p == NULL || (ignore & BIT(p - h->ports)))
				continue;
			w = port_weight(c, s->p[j].proto, s->p[j].port);
			cd[i].mask |= BIT(p - h->ports);
			cd[i].mw += w;
			cd[i].matched++;
			if (!s->p[j].coll) {
				cd[i].real = 1;
				ownw += w;
				if (s->p[j].required)
					reqw += w;
			}
		}
		if (!cd[i].real)
			continue;
		cd[i].cov = s->nreq > 0 ? reqw / s->req_w : ownw / s->all_w;
		cd[i].score = cd[i].cov * cd[i].mw;
	}
	for (int i = 0; i < c->nsigs; i++)
		for (int j = 0; j < c->nsigs && cd[i].real; j++)
			if (j != i && cd[j].real && (cd[j].mask & cd[i].mask) == cd[i].mask &&
			    cd[j].mask != cd[i].mask)
				cd[i].dominated = 1;
}

/* Is a better than b (neither dominated)?  The one that explains more
 * of the ports the host accepts; then the one whose required ports were
 * seen the most (weighted: distinctive ports count more); then the score. */
static int
cand_better(const struct ctx *c, const struct cand *cd, int a, int b)
{
	if (cd[a].matched != cd[b].matched)
		return cd[a].matched > cd[b].matched;
	if (cd[a].cov > cd[b].cov * 1.01 + 1e-9)
		return 1;
	if (cd[b].cov > cd[a].cov * 1.01 + 1e-9)
		return 0;
	if (cd[a].score > cd[b].score * 1.01)
		return 1;
	if (cd[b].score > cd[a].score * 1.01)
		return 0;
	/* a tie: the later pack, then the earlier role */
	if (c->sigs[a].order / 100 != c->sigs[b].order / 100)
		return c->sigs[a].order / 100 > c->sigs[b].order / 100;
	return c->sigs[a].role < c->sigs[b].role;
}

static int
is_tie(const struct cand *cd, int a, int b)
{
	return cd[a].mask == cd[b].mask && cd[a].score <= cd[b].score * 1.01 &&
	    cd[b].score <= cd[a].score * 1.01;
}

/* The first port of `mask` not in `within` (index into the host's ports), -1. */
static int
first_outside(uint64_t mask, uint64_t within)
{
	uint64_t m = mask & ~within;

	return m ? __builtin_ctzll(m) : -1;
}

static void
add_alt(struct dsc_hres *r, const struct ctx *c, const struct cand *cd, int i, int tie,
    const struct dsc_host *h, uint64_t best_mask)
{
	struct dsc_alt *a;
	int lack;

	if (r->nalts == DSC_MAX_ALTS)
		return;
	for (int k = 0; k < r->nalts; k++)
		if (r->alts[k].role == c->sigs[i].role)
			return;
	a = &r->alts[r->nalts++];
	memset(a, 0, sizeof(*a));
	a->role = c->sigs[i].role;
	a->kind = DSC_K_SERVER;
	a->tie = tie;
	a->dominated = cd[i].dominated;
	a->matched = cd[i].matched;
	a->required = c->sigs[i].nreq > 0 ? c->sigs[i].nreq : c->sigs[i].nown;
	a->cov = cd[i].cov;
	lack = first_outside(best_mask, cd[i].mask);
	a->lacks_port = lack >= 0 ? h->ports[lack].port : -1;
	a->lacks_proto = lack >= 0 ? h->ports[lack].proto : -1;
}

/* Distinct initiators of h's flows on the ports of mask: 0, 1 or 2 (2+). */
static int
initiators_on(const struct ctx *c, uint32_t hi, uint64_t mask)
{
	const struct dsc_host *h = &c->d->hosts[hi];
	uint32_t first = DSC_NONE;

	for (uint32_t i = c->res->in_off[hi]; i < c->res->in_off[hi + 1]; i++) {
		const struct dsc_edge *e = &c->d->edges[c->res->in_list[i]];
		const struct dsc_port *p;

		if (e->flows == 0 || e->port == 0 ||
		    (p = discover_port(h, e->proto, e->port)) == NULL || !(mask & BIT(p - h->ports)))
			continue;
		if (first == DSC_NONE)
			first = e->ini;
		else if (e->ini != first)
			return 2;
	}
	return first == DSC_NONE ? 0 : 1;
}

/* A role the best one beat only by a superset, yet seen whole on two or
 * more ports, the best explaining one port more: the host looks like it
 * plus one port it should not answer (a Director that also takes 8057). */
static int
substantial(const struct cand *cd, int i, int best)
{
	return cd[i].real && cd[i].dominated && cd[i].cov >= 0.999 && cd[i].matched >= 2 &&
	    __builtin_popcountll(cd[best].mask & ~cd[i].mask) == 1;
}

static void
servers(struct ctx *c, struct cand *cd)
{
	const struct discover *d = c->d;

	FOR_HOSTS(c, k_, hi) {
		const struct dsc_host *h = &d->hosts[hi];
		struct dsc_hres *r = &c->res->h[hi];
		int best = -1;

		if (h->nports == 0)
			continue;
		score_host(c, h, ignored_ports(c, h), cd);
		for (int i = 0; i < c->nsigs; i++)
			if (cd[i].real && !cd[i].dominated && (best < 0 || cand_better(c, cd, i, best)))
				best = i;
		if (best < 0)
			continue;
		r->kind = DSC_K_SERVER;
		r->role = c->sigs[best].role;
		r->roles = BIT(r->role);
		r->cov = cd[best].cov;
		r->matched = cd[best].matched;
		r->required = c->sigs[best].nreq > 0 ? c->sigs[best].nreq : c->sigs[best].nown;
		r->strong = __builtin_popcountll(cd[best].mask) >= 2 ||
		    initiators_on(c, hi, cd[best].mask) >= 2;
		c->weak[hi] = !r->strong;
		/* alternatives: ties, then fully seen roles that lost to a
		 * superset, then the next best */
		for (int i = 0; i < c->nsigs; i++)
			if (i != best && cd[i].real && !cd[i].dominated && is_tie(cd, i, best))
				add_alt(r, c, cd, i, 1, h, cd[best].mask);
		for (int i = 0; i < c->nsigs; i++)
			if (i != best && substantial(cd, i, best))
				add_alt(r, c, cd, i, 0, h, cd[best].mask);
		for (int pass = 0; pass < DSC_MAX_ALTS; pass++) {
			int next = -1;

			for (int i = 0; i < c->nsigs; i++) {
				int seen = 0;

				if (i == best || !cd[i].real || cd[i].score <= 0 || cd[i].dominated)
					continue;
				for (int k = 0; k < r->nalts; k++)
					seen |= r->alts[k].role == c->sigs[i].role;
				if (!seen && (next < 0 || cand_better(c, cd, i, next)))
					next = i;
			}
			if (next < 0)
				break;
			add_alt(r, c, cd, next, 0, h, cd[best].mask);
		}
		if (r->nalts > 0 && r->alts[0].tie)
			r->conf = DSC_CONF_LOW;
		else if (!r->strong)
			r->conf = DSC_CONF_LOW;
		else if (r->nalts > 0 && r->alts[0].dominated && r->cov < 0.5)
			r->conf = DSC_CONF_LOW;
		else
			r->conf = r->cov >= 0.25 ? DSC_CONF_HIGH : DSC_CONF_MEDIUM;
	}
}

/* A monitored role is a dependency of Lync: some Lync server must reach it.
 * A host whose best role is monitored and that no host of a server role
 * reached is not written as one (it is listed as unknown). */
static void
monitored_check(struct ctx *c)
{
	const struct discover *d = c->d;

	FOR_HOSTS(c, k_, hi) {
		struct dsc_hres *r = &c->res->h[hi];
		int reached = 0;

		if (r->kind != DSC_K_SERVER || role_kind(c, r->role) != ROLE_MONITORED)
			continue;
		for (uint32_t i = c->res->in_off[hi]; i < c->res->in_off[hi + 1] && !reached; i++) {
			const struct dsc_edge *e = &d->edges[c->res->in_list[i]];
			const struct dsc_hres *o = &c->res->h[e->ini];
			const struct sig *s = &c->sigs[sig_of_role(c, r->role)];

			if (e->flows == 0 || o->kind != DSC_K_SERVER || role_kind(c, o->role) != ROLE_SERVER)
				continue;
			/* ... on a port of its role */
			for (int j = 0; j < s->np && !reached; j++)
				reached = s->p[j].proto == e->proto && s->p[j].port == e->port;
		}
		if (!reached)
			r->kind = DSC_K_UNKNOWN;	/* keeps role and alternatives for the comment */
	}
}

/* --- 3. pools and VIPs ---------------------------------------------------- */

/* Is every exact port h accepted a port of the VIP roles of pool type t (or
 * one an out rule toward servers explains), and no high port? */
static int
vip_ports(const struct ctx *c, const struct dsc_host *h, int t, struct dsc_pool *lbp)
{
	const struct pool_type *pt = &c->rs->pooltypes[t];
	uint64_t servers = c->kind_mask[ROLE_SERVER] | c->kind_mask[ROLE_MONITORED] |
	    c->kind_mask[ROLE_VIP];
	int any = 0;

	if (h->high[DSC_TCP].flows + h->high[DSC_UDP].flows > 0)
		return 0;
	if (lbp != NULL)
		lbp->nlb_ports = 0;
	for (int i = 0; i < h->nports; i++) {
		const struct dsc_port *p = &h->ports[i];
		const int *rl = covering((struct ctx *)c, p->proto, p->port);
		int in_hw = 0, in_dns = 0, neutral = 0;

		for (; rl != NULL && *rl >= 0; rl++) {
			const struct rule *r = &c->rs->rules[*rl];

			if (r->dir == RULE_IN && (r->role == pt->vip_hardware ||
			    r->role == pt->collocated_vip_hw))
				in_hw = 1;
			if (r->dir == RULE_IN && r->role == pt->vip_dns)
				in_dns = 1;
			if (r->dir == RULE_OUT && (r->peers & servers))
				neutral = 1;
		}
		if (!in_hw && !in_dns) {
			if (neutral)
				continue;
			return 0;
		}
		any = 1;
		/* a port only the hardware VIP role lists (any, when the type
		 * has no DNS balancing) */
		if (in_hw && (!in_dns || pt->vip_dns < 0) && lbp != NULL) {
			if (lbp->nlb_ports < DSC_LB_PORTS) {
				lbp->lb_ports[lbp->nlb_ports] = p->port;
				lbp->lb_protos[lbp->nlb_ports] = p->proto;
			}
			lbp->nlb_ports++;
		}
	}
	return any;
}

/* Is every flow host h accepted one that an out rule of its initiator's
 * roles sends to a peer role (the Front Ends' HTTP to a web farm)? */
static int
peer_explained(struct ctx *c, uint32_t hi)
{
	const struct discover *d = c->d;
	uint64_t peers = c->kind_mask[ROLE_PEER];
	int n = 0;

	for (uint32_t k = c->res->in_off[hi]; k < c->res->in_off[hi + 1]; k++) {
		const struct dsc_edge *e = &d->edges[c->res->in_list[k]];
		uint64_t fr = hroles(c, e->ini);
		int ok = 0;

		if (e->flows == 0)
			continue;
		for (const int *rl = covering(c, e->proto, e->port); rl && *rl >= 0 && !ok; rl++) {
			const struct rule *r = &c->rs->rules[*rl];

			ok = r->dir == RULE_OUT && (fr & BIT(r->role)) && (r->peers & peers);
		}
		if (!ok)
			return 0;
		n++;
	}
	return n > 0;
}

/* Does h accept a port that only pool type t's hardware VIP role lists
 * (the clients' SIP to the VIP)? */
static int
hw_only(struct ctx *c, const struct dsc_host *h, int t)
{
	struct dsc_pool lb;

	return vip_ports(c, h, t, &lb) && lb.nlb_ports > 0;
}

/* Is host v in the /24 (IPv4) or /64 (IPv6) of a member of pool p? */
static int
near_member(const struct ctx *c, const uint32_t *list, uint32_t n, int p, uint32_t v)
{
	const struct dsc_host *hv = &c->d->hosts[v];

	for (uint32_t k = 0; k < n; k++) {
		const struct dsc_host *hm = &c->d->hosts[list[k]];

		if (c->res->h[list[k]].pool != p || hm->family != hv->family)
			continue;
		if (hv->family == 4 ? memcmp(hm->addr, hv->addr, 15) == 0 :
		    memcmp(hm->addr, hv->addr, 8) == 0)
			return 1;
	}
	return 0;
}

static uint32_t
uf_find(uint32_t *up, uint32_t x)
{
	while (up[x] != x) {
		up[x] = up[up[x]];
		x = up[x];
	}
	return x;
}

/* Members of pool type t's member role, joined into pools; VIPs found and
 * attached.  Returns 0, -1 when out of memory. */
static int
pools_of_type(struct ctx *c, int t, uint32_t *up, const uint32_t *order)
{
	const struct discover *d = c->d;
	const struct pool_type *pt = &c->rs->pooltypes[t];
	struct dsc_result *res = c->res;
	int si = sig_of_role(c, pt->member), has_vip = pt->vip_hardware >= 0 || pt->vip_dns >= 0;
	uint32_t n = 0, initiating = 0, *list;
	uint8_t *talk;
	int rv = -1;

	if (si < 0)
		return 0;
	list = malloc(((size_t)d->nhosts + 1) * sizeof(*list));
	talk = calloc((size_t)d->nhosts + 1, 1);	/* per list entry: joined by traffic */
	if (list == NULL || talk == NULL) {
		free(list);
		free(talk);
		return -1;
	}
	for (uint32_t k = 0; k < d->nhosts; k++) {
		uint32_t i = order[k];

		if (res->h[i].kind == DSC_K_SERVER && res->h[i].role == pt->member)
			list[n++] = i;
	}
	if (n == 0) {
		free(list);
		free(talk);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++)
		initiating += d->hosts[list[i]].ini_flows > 0;
	/* VIP candidates: hosts that initiate nothing and take VIP ports only,
	 * while some member of this type initiates (is a real server) */
	if (has_vip && initiating > 0)
		FOR_HOSTS(c, k_, i) {
			const struct dsc_host *h = &d->hosts[i];
			/* a host whose ports make it another server role (a
			 * Director nobody saw initiate) is not this pool's VIP */
			if (h->ini_flows > 0 || h->att_out > 0 || h->nports == 0 || c->vipc[i] ||
			    (res->h[i].kind == DSC_K_SERVER && res->h[i].role != pt->member) ||
			    (res->h[i].kind != DSC_K_SERVER && res->h[i].kind != DSC_K_NONE &&
			    res->h[i].kind != DSC_K_UNKNOWN))
				continue;
			if (vip_ports(c, h, t, NULL) && !peer_explained(c, i))
				c->vipc[i] = (uint8_t)(t + 1);
		}
	/* union-find over the members that are not VIP candidates */
	for (uint32_t i = 0; i < n; i++)
		up[list[i]] = list[i];
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = i + 1; j < n; j++) {
			uint32_t a = list[i], b = list[j];
			int ab, ba, join;

			/* no structure built on a guess */
			if (c->vipc[a] || c->vipc[b] || res->h[a].conf == DSC_CONF_LOW ||
			    res->h[b].conf == DSC_CONF_LOW)
				continue;
			ab = linked_on(c, &c->sigs[si], a, b);
			ba = linked_on(c, &c->sigs[si], b, a);
			join = (ab && ba) || ((ab || ba) && common_initiators(c, a, b) > 0);
			if (!join && !ab && !ba) {
				/* no traffic between them: the same clients, many of them */
				uint32_t cm = discover_sketch_common(&d->hosts[a], &d->hosts[b]);
				uint32_t ca = discover_sketch_count(&d->hosts[a]);
				uint32_t cb = discover_sketch_count(&d->hosts[b]);

				join = cm >= 8 && 2 * cm >= (ca < cb ? ca : cb);
			}
			if (join) {
				uint32_t ra = uf_find(up, a), rb = uf_find(up, b);

				if (ra != rb)
					up[ra > rb ? ra : rb] = ra < rb ? ra : rb;
				if (ab || ba)
					talk[i] = talk[j] = 1;
			}
		}
	/* a pool per root: members in address order (the list is) */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t m = list[i], root;
		int p = -1;

		if (c->vipc[m])
			continue;
		root = uf_find(up, m);
		for (uint32_t k = 0; k < i; k++)
			if (!c->vipc[list[k]] && uf_find(up, list[k]) == root) {
				p = res->h[list[k]].pool;
				break;
			}
		if (p < 0) {
			struct dsc_pool *np = realloc(res->pools,
			    (size_t)(res->npools + 1) * sizeof(*np));

			if (np == NULL)
				goto out;
			res->pools = np;
			p = res->npools++;
			memset(&res->pools[p], 0, sizeof(res->pools[p]));
			res->pools[p].type = t;
			res->pools[p].cms = DSC_NONE;
			res->pools[p].coll_host = DSC_NONE;
			res->pools[p].lb_host = DSC_NONE;
			res->pools[p].cms_rule = -1;
		}
		res->h[m].pool = p;
		res->pools[p].nmembers++;
		if (talk[i])
			res->pools[p].linked = 1;
	}
	/* each VIP candidate to the pool it shares the most with */
	FOR_HOSTS(c, k_, i) {
		int bestp = -1;
		uint32_t bestn = 0;

		if (c->vipc[i] != (uint8_t)(t + 1))
			continue;
		for (uint32_t k = 0; k < n; k++) {
			uint32_t m = list[k], cm;

			if (c->vipc[m] || res->h[m].pool < 0)
				continue;
			/* a VIP serves the pool's clients: some initiator in common */
			if ((cm = common_initiators(c, m, i)) == 0)
				continue;
			for (uint32_t e = c->res->out_off[m]; e < c->res->out_off[m + 1]; e++)
				cm += d->edges[c->res->out_list[e]].resp == i &&
				    d->edges[c->res->out_list[e]].flows > 0;
			if (cm > bestn) {
				bestn = cm;
				bestp = res->h[m].pool;
			}
		}
		/* a VIP that takes only the web ports (DNS balancing) is told
		 * from a web server elsewhere by its place: the members' subnet */
		if (bestp >= 0 && !hw_only(c, &d->hosts[i], t) && !near_member(c, list, n, bestp, i))
			bestp = -1;
		if (bestp < 0) {
			c->vipc[i] = 0;	/* shares nothing with a pool: not its VIP */
			continue;
		}
		res->h[i].kind = DSC_K_VIP;
		res->h[i].pool = bestp;
		res->h[i].conf = bestn >= 2 ? DSC_CONF_HIGH : DSC_CONF_MEDIUM;
		res->pools[bestp].nvips++;
		res->pools[bestp].vip_common += bestn;
	}
	rv = 0;
out:
	free(list);
	free(talk);
	return rv;
}

/* Balancing, collocation, CMS holder and the roles every member and VIP
 * holds, for each pool (and single hosts of a member role). */
static void
pool_details(struct ctx *c)
{
	const struct discover *d = c->d;
	struct dsc_result *res = c->res;
	const struct ruleset *rs = c->rs;

	/* balancing from what the VIPs accepted */
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];
		struct dsc_pool *p;
		const struct pool_type *pt;
		struct dsc_pool lb;

		if (r->kind != DSC_K_VIP)
			continue;
		p = &res->pools[r->pool];
		pt = &rs->pooltypes[p->type];
		(void)vip_ports(c, &d->hosts[i], p->type, &lb);
		if (lb.nlb_ports > 0 || pt->vip_dns < 0) {
			if (p->lb != INV_LB_HARDWARE && lb.nlb_ports > 0) {
				memcpy(p->lb_ports, lb.lb_ports, sizeof(p->lb_ports));
				memcpy(p->lb_protos, lb.lb_protos, sizeof(p->lb_protos));
				p->nlb_ports = lb.nlb_ports;
				p->lb_host = i;
			}
			p->lb = INV_LB_HARDWARE;
		} else if (p->lb == 0)
			p->lb = INV_LB_DNS;
	}
	/* collocation and the CMS holder: pools and single member hosts */
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];
		const struct dsc_host *h = &d->hosts[i];
		int t = -1;

		if (r->kind != DSC_K_SERVER)
			continue;
		for (int k = 0; k < rs->npooltypes; k++)
			if (rs->pooltypes[k].member == r->role) {
				t = k;
				break;
			}
		if (t < 0)
			continue;
		if (rs->pooltypes[t].collocated >= 0) {
			int si = sig_of_role(c, r->role);

			for (int j = 0; si >= 0 && j < c->sigs[si].np; j++) {
				const struct sport *sp = &c->sigs[si].p[j];

				if (sp->coll && discover_port(h, sp->proto, sp->port) != NULL) {
					r->roles |= BIT(rs->pooltypes[t].collocated);
					if (r->pool >= 0 && !res->pools[r->pool].collocated) {
						res->pools[r->pool].collocated = 1;
						res->pools[r->pool].coll_host = i;
						res->pools[r->pool].coll_port = sp->port;
					}
					break;
				}
			}
		}
	}
	/* a pool collocates on every member once one shows it */
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];

		if (r->kind == DSC_K_SERVER && r->pool >= 0 && res->pools[r->pool].collocated)
			r->roles |= BIT(rs->pooltypes[res->pools[r->pool].type].collocated);
	}
	/* the CMS holder of each pool (single hosts are pools of one): the
	 * member whose traffic only the cms role explains, toward the most
	 * hosts.  A deployment has one; a dual-stack holder shows in the
	 * pool of each of its addresses. */
	for (int pi = 0; pi < res->npools; pi++) {
		const struct pool_type *pt = &rs->pooltypes[res->pools[pi].type];
		uint32_t best = DSC_NONE;
		int bestn = 0, bestrule = -1;

		if (pt->cms < 0)
			continue;
		FOR_HOSTS(c, k_, i) {
			const struct dsc_hres *r = &res->h[i];
			int n = 0, rule = -1;

			if (r->kind != DSC_K_SERVER || r->pool != pi)
				continue;
			for (uint32_t k = c->res->out_off[i]; k < c->res->out_off[i + 1]; k++) {
				const struct dsc_edge *e = &d->edges[c->res->out_list[k]];
				uint64_t fr = hroles(c, e->resp), mine = full_roles(c, r->roles);
				const int *rl;
				int cms = 0, own = 0;

				if (e->flows == 0 || fr == 0)
					continue;
				for (rl = covering(c, e->proto, e->port); rl != NULL && *rl >= 0; rl++) {
					const struct rule *ru = &rs->rules[*rl];

					if (ru->dir == RULE_OUT && ru->role == pt->cms && (ru->peers & fr))
						cms = 1, rule = *rl;
					else if (ru->dir == RULE_IN && (fr & BIT(ru->role)) &&
					    (ru->peers & BIT(pt->cms)) && !(ru->peers & mine))
						cms = 1, rule = *rl;
					else if ((ru->dir == RULE_OUT && (mine & BIT(ru->role)) &&
					    (ru->peers == 0 || (ru->peers & fr))) ||
					    (ru->dir == RULE_IN && (fr & BIT(ru->role)) &&
					    (ru->peers == 0 || (ru->peers & mine))))
						own = 1;
				}
				n += cms && !own;
			}
			if (n > bestn) {
				bestn = n;
				best = i;
				bestrule = rule;
			}
		}
		if (best == DSC_NONE)
			continue;
		res->h[best].roles |= BIT(pt->cms);
		res->pools[pi].cms = best;
		res->pools[pi].cms_targets = bestn;
		res->pools[pi].cms_rule = bestrule;
	}
	/* VIP roles */
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];
		const struct dsc_pool *p;
		const struct pool_type *pt;

		if (r->kind != DSC_K_VIP)
			continue;
		p = &res->pools[r->pool];
		pt = &rs->pooltypes[p->type];
		r->roles = 0;
		if (p->lb == INV_LB_HARDWARE) {
			r->role = pt->vip_hardware;
			r->roles = BIT(pt->vip_hardware);
			if (p->collocated && pt->collocated_vip_hw >= 0)
				r->roles |= BIT(pt->collocated_vip_hw);
		} else {
			r->role = pt->vip_dns;
			r->roles = BIT(pt->vip_dns);
		}
		r->nalts = 0;
		r->nconflicts = 0;
	}
}

/* --- 4. clients and peers -------------------------------------------------- */

/* Per client or peer role, the edges of h a rule would explain if h held
 * it.  `weak` counts weak servers as known; `sup` has nroles entries. */
static void
support_of(struct ctx *c, uint32_t hi, int with_weak, int *sup, int *rule, uint32_t *host)
{
	const struct discover *d = c->d;
	const struct ruleset *rs = c->rs;
	uint64_t cp = c->kind_mask[ROLE_CLIENT] | c->kind_mask[ROLE_PEER], out_seen = 0;

	memset(sup, 0, (size_t)rs->nroles * sizeof(*sup));
	for (int dir = 0; dir < 2; dir++) {
		const uint32_t *off = dir == 0 ? c->res->out_off : c->res->in_off;
		const uint32_t *lst = dir == 0 ? c->res->out_list : c->res->in_list;

		for (uint32_t k = off[hi]; k < off[hi + 1]; k++) {
			const struct dsc_edge *e = &d->edges[lst[k]];
			uint32_t o = dir == 0 ? e->resp : e->ini;
			uint64_t fr, mark = 0, mark_all;
			const int *rl;

			/* what h tried counts for its own role (a client whose SIP
			 * is dropped is still a client); what it was only asked never */
			if ((e->flows == 0 && (dir == 1 || e->attempts == 0)) || o == hi ||
			    (!with_weak && c->weak[o] &&
			    c->res->h[o].kind == DSC_K_SERVER))
				continue;
			if ((fr = hroles(c, o)) == 0)
				continue;
			for (rl = covering(c, e->proto, e->port); rl != NULL && *rl >= 0; rl++) {
				const struct rule *r = &rs->rules[*rl];
				uint64_t m = 0;

				/* h initiates (dir 0): the responder's in rule names h's
				 * role as peer, or h's role's own out rule; h accepts
				 * (dir 1): the initiator's out rule names it, or h's
				 * role's own in rule */
				if ((dir == 0 && r->dir == RULE_IN) || (dir == 1 && r->dir == RULE_OUT)) {
					if ((fr & BIT(r->role)) && r->peers)
						m = r->peers & cp;
				} else if (BIT(r->role) & cp) {
					if (r->peers == 0 || (r->peers & fr))
						m = BIT(r->role);
				}
				if (m && (mark & m) != m) {
					for (uint64_t x = m & ~mark; x; x &= x - 1) {
						int role = __builtin_ctzll(x);

						if (rule[role] < 0) {
							rule[role] = *rl;
							host[role] = o;
						}
					}
					mark |= m;
				}
			}
			mark_all = mark;
			for (; mark; mark &= mark - 1)
				sup[__builtin_ctzll(mark)]++;
			if (dir == 0)
				out_seen |= mark_all;
		}
	}
	/* a client connects to servers: accepting alone (media from a client,
	 * anything on a high port) does not make one */
	for (uint64_t m = c->kind_mask[ROLE_CLIENT] & ~out_seen; m; m &= m - 1)
		sup[__builtin_ctzll(m)] = 0;
}

/* The best client or peer role of h: its index, -1 when none; the runner
 * up when tied into *tie (-1). */
static int
best_support(const struct ctx *c, const int *sup, int *tie)
{
	int best = -1;

	*tie = -1;
	for (int i = 0; i < c->rs->nroles; i++) {
		if (sup[i] == 0)
			continue;
		if (best < 0 || sup[i] > sup[best]) {
			best = i;
			*tie = -1;
		} else if (sup[i] == sup[best] && *tie < 0)
			*tie = i;
	}
	return best;
}

/* A client or peer decision, taken for every host before any is applied
 * (the result must not depend on which host comes first). */
struct pend {
	int		 set;
	int		 best, tie;	/* roles, tie -1 */
	int		 sbest, stie;	/* their support */
	int		 rule;		/* a rule explaining best's support */
	uint32_t	 host;		/* the other end of that edge */
};

static void
pend_take(struct pend *p, int best, int tie, const int *sup, const int *rule, const uint32_t *host)
{
	p->set = 1;
	p->best = best;
	p->tie = tie;
	p->sbest = sup[best];
	p->stie = tie >= 0 ? sup[tie] : 0;
	p->rule = rule[best];
	p->host = host[best];
}

static void
set_peer(struct ctx *c, uint32_t hi, const struct pend *p)
{
	struct dsc_hres *r = &c->res->h[hi];
	int role = p->best, tie = p->tie;

	r->kind = role_kind(c, role) == ROLE_CLIENT ? DSC_K_CLIENT : DSC_K_PEER;
	r->role = role;
	r->roles = BIT(role);
	r->support = p->sbest;
	r->support_rule = p->rule;
	r->support_host = p->host;
	r->conf = tie >= 0 ? DSC_CONF_LOW : p->sbest >= 2 ? DSC_CONF_HIGH : DSC_CONF_MEDIUM;
	if (tie >= 0 && r->nalts < DSC_MAX_ALTS) {
		struct dsc_alt *a = &r->alts[r->nalts++];

		memset(a, 0, sizeof(*a));
		a->role = tie;
		a->kind = role_kind(c, tie) == ROLE_CLIENT ? DSC_K_CLIENT : DSC_K_PEER;
		a->tie = 1;
		a->matched = p->stie;
		a->lacks_port = a->lacks_proto = -1;
	}
}

/* Clients and peers among hosts of kind NONE and UNKNOWN (with `with_weak`,
 * weak servers count as the other end too).  1 when any host changed, 0,
 * -1 when out of memory. */
static int
clients_peers(struct ctx *c, int with_weak)
{
	const struct ruleset *rs = c->rs;
	int *sup = malloc((size_t)rs->nroles * sizeof(*sup));
	struct pend *pd = calloc((size_t)c->d->nhosts + 1, sizeof(*pd));
	int rule[RULES_MAX_ROLES];
	uint32_t host[RULES_MAX_ROLES];
	int changed = 0;

	if (sup == NULL || pd == NULL) {
		free(sup);
		free(pd);
		return -1;
	}
	FOR_HOSTS(c, k_, hi) {
		const struct dsc_hres *r = &c->res->h[hi];
		int best, tie;

		if (r->kind != DSC_K_NONE && r->kind != DSC_K_UNKNOWN)
			continue;
		for (int i = 0; i < rs->nroles; i++)
			rule[i] = -1;
		support_of(c, hi, with_weak, sup, rule, host);
		if ((best = best_support(c, sup, &tie)) >= 0)
			pend_take(&pd[hi], best, tie, sup, rule, host);
	}
	FOR_HOSTS(c, k_, hi)
		if (pd[hi].set) {
			/* an unknown host keeps its server alternatives in the comment */
			set_peer(c, hi, &pd[hi]);
			changed = 1;
		}
	free(sup);
	free(pd);
	return changed;
}

/* A server whose every acceptance its initiators' out rules explain by
 * naming a peer role (the Front Ends' HTTP to a web farm) is that peer;
 * a weak server whose traffic makes it a client or peer is that. */
static int
servers_to_peers(struct ctx *c)
{
	const struct discover *d = c->d;
	const struct ruleset *rs = c->rs;
	int *sup = malloc((size_t)rs->nroles * sizeof(*sup));
	struct pend *pd = calloc((size_t)d->nhosts + 1, sizeof(*pd));
	int rule[RULES_MAX_ROLES];
	uint32_t host[RULES_MAX_ROLES];

	if (sup == NULL || pd == NULL) {
		free(sup);
		free(pd);
		return -1;
	}
	FOR_HOSTS(c, k_, hi) {
		const struct dsc_hres *r = &c->res->h[hi];
		int best, tie, all = 1, n = 0;

		if (r->kind != DSC_K_SERVER)
			continue;
		for (int i = 0; i < rs->nroles; i++)
			rule[i] = -1;
		support_of(c, hi, 0, sup, rule, host);
		if ((best = best_support(c, sup, &tie)) < 0)
			continue;
		if (!c->weak[hi]) {
			/* every accepted flow from a server whose out rule names
			 * a peer role */
			for (uint32_t k = c->res->in_off[hi]; k < c->res->in_off[hi + 1] && all; k++) {
				const struct dsc_edge *e = &d->edges[c->res->in_list[k]];
				uint64_t fr = hroles(c, e->ini);
				const int *rl;
				int ok = 0;

				if (e->flows == 0)
					continue;
				n++;
				for (rl = covering(c, e->proto, e->port); rl && *rl >= 0 && !ok; rl++) {
					const struct rule *ru = &rs->rules[*rl];

					ok = ru->dir == RULE_OUT && (fr & BIT(ru->role)) &&
					    (ru->peers & BIT(best));
				}
				all = ok;
			}
			if (!all || n == 0 || role_kind(c, best) != ROLE_PEER)
				continue;
		}
		pend_take(&pd[hi], best, tie, sup, rule, host);
	}
	FOR_HOSTS(c, k_, hi) {
		struct dsc_hres *r = &c->res->h[hi];
		struct dsc_alt a;

		if (!pd[hi].set)
			continue;
		/* the server role becomes the alternative */
		memset(&a, 0, sizeof(a));
		a.role = r->role;
		a.kind = DSC_K_SERVER;
		a.matched = r->matched;
		a.required = r->required;
		a.cov = r->cov;
		a.lacks_port = a.lacks_proto = -1;
		r->nalts = 0;
		set_peer(c, hi, &pd[hi]);
		if (r->nalts < DSC_MAX_ALTS)
			r->alts[r->nalts++] = a;
		if (r->conf > DSC_CONF_MEDIUM)
			r->conf = DSC_CONF_MEDIUM;
	}
	free(sup);
	free(pd);
	return 0;
}

/* --- 5. media, conflicts, second roles ------------------------------------- */

static void
media_range(struct ctx *c)
{
	struct dsc_result *res = c->res;
	uint32_t lo = 65536, hi = 0;

	FOR_HOSTS(c, k_, i) {
		const struct dsc_host *h = &c->d->hosts[i];

		if (res->h[i].kind != DSC_K_CLIENT)
			continue;
		for (int p = 0; p < 2; p++) {
			if (h->high[p].flows == 0)
				continue;
			if (h->high[p].lo < lo)
				lo = h->high[p].lo;
			if (h->high[p].hi > hi)
				hi = h->high[p].hi;
			res->media_flows += h->high[p].flows;
		}
	}
	if (hi == 0)
		return;
	res->media = 1;
	res->seen_lo = (uint16_t)lo;
	res->seen_hi = (uint16_t)hi;
	lo = lo / 1000 * 1000;
	hi = (hi / 1000 + 1) * 1000 - 1;
	res->media_lo = (uint16_t)(lo < 1024 ? 1024 : lo);
	res->media_hi = (uint16_t)(hi > 65535 ? 65535 : hi);
	covering_reset(c);	/* client-media rules now mean this range */
}

/* Would the draft let edge e (into host h) through?  A high port's number
 * was not kept: the rules that would allow it must hold, between them,
 * every high port the host accepted (lo..hi of its summary). */
static int
edge_explained(struct ctx *c, const struct dsc_edge *e, uint64_t mine, uint64_t fr)
{
	uint64_t lync = c->kind_mask[ROLE_SERVER] | c->kind_mask[ROLE_VIP] | c->kind_mask[ROLE_CLIENT];
	const struct dsc_high *hg = &c->d->hosts[e->resp].high[e->proto];
	uint32_t upto = hg->lo;		/* high ports held so far: lo .. upto - 1 */
	int grown = 1;

	while (grown) {
		grown = 0;
		for (const int *rl = covering(c, e->proto, e->port); rl != NULL && *rl >= 0; rl++) {
			const struct rule *r = &c->rs->rules[*rl];

			if (!((r->dir == RULE_IN && (mine & BIT(r->role)) &&
			    (r->peers == 0 || (r->peers & fr))) ||
			    (r->dir == RULE_OUT && (fr & BIT(r->role)) &&
			    ((r->peers & mine) || (r->peers == 0 && !(mine & lync))))))
				continue;
			if (e->port != 0)
				return 1;
			if (r->client_media) {
				uint32_t lo = c->res->media ? c->res->media_lo : 1024;
				uint32_t hi = c->res->media ? c->res->media_hi : 65535;

				if (lo <= upto && hi + 1 > upto) {
					upto = hi + 1;
					grown = 1;
				}
			}
			for (int k = 0; k < r->nports; k++)
				if (r->ports[k].lo <= upto && (uint32_t)r->ports[k].hi + 1 > upto) {
					upto = (uint32_t)r->ports[k].hi + 1;
					grown = 1;
				}
			if (upto > hg->hi)
				return 1;
		}
	}
	return 0;
}

static void
conflicts_of(struct ctx *c, uint32_t hi)
{
	const struct discover *d = c->d;
	struct dsc_hres *r = &c->res->h[hi];
	uint64_t mine = hroles(c, hi);

	r->nconflicts = 0;
	r->more_conflicts = 0;
	for (uint32_t k = c->res->in_off[hi]; k < c->res->in_off[hi + 1]; k++) {
		const struct dsc_edge *e = &d->edges[c->res->in_list[k]];
		struct dsc_conflict *cf = NULL;

		if (e->flows == 0 || edge_explained(c, e, mine, hroles(c, e->ini)))
			continue;
		for (int j = 0; j < r->nconflicts; j++)
			if (r->conflicts[j].proto == e->proto && r->conflicts[j].port == e->port)
				cf = &r->conflicts[j];
		if (cf == NULL) {
			if (r->nconflicts == DSC_MAX_CONFLICTS) {
				r->more_conflicts++;
				continue;
			}
			cf = &r->conflicts[r->nconflicts++];
			memset(cf, 0, sizeof(*cf));
			cf->proto = e->proto;
			cf->port = e->port;
			cf->from = e->ini;
		}
		cf->flows += e->flows;
		cf->nfrom++;
	}
}

/* Would host hi holding `role` too let every flow it accepted on the
 * ports of `mask` through (the second role's own peers respected)? */
static int
explains(struct ctx *c, uint32_t hi, int role, uint64_t mask)
{
	const struct dsc_host *h = &c->d->hosts[hi];
	uint64_t mine = hroles(c, hi) | full_roles(c, BIT(role));

	for (uint32_t k = c->res->in_off[hi]; k < c->res->in_off[hi + 1]; k++) {
		const struct dsc_edge *e = &c->d->edges[c->res->in_list[k]];
		const struct dsc_port *p;

		if (e->flows == 0 || e->port == 0 ||
		    (p = discover_port(h, e->proto, e->port)) == NULL || !(mask & BIT(p - h->ports)))
			continue;
		if (!edge_explained(c, e, mine, hroles(c, e->ini)))
			return 0;
	}
	return 1;
}

/* A server whose unexplained ports another role explains well (half its
 * required ports seen, from two hosts or on two ports) holds it too. */
static void
second_role(struct ctx *c, uint32_t hi, struct cand *cd)
{
	const struct dsc_host *h = &c->d->hosts[hi];
	struct dsc_hres *r = &c->res->h[hi];
	uint64_t un = 0;
	int best = -1, nfrom = 0;

	for (int j = 0; j < r->nconflicts; j++) {
		const struct dsc_port *p;

		if (r->conflicts[j].port == 0 ||
		    (p = discover_port(h, r->conflicts[j].proto, r->conflicts[j].port)) == NULL)
			continue;
		un |= BIT(p - h->ports);
		nfrom += (int)r->conflicts[j].nfrom;
	}
	if (un == 0)
		return;
	score_host(c, h, 0, cd);
	for (int i = 0; i < c->nsigs; i++) {
		if (!cd[i].real || c->sigs[i].role == r->role || !(cd[i].mask & un) || cd[i].cov < 0.5)
			continue;
		if (role_kind(c, c->sigs[i].role) != role_kind(c, r->role) &&
		    role_kind(c, c->sigs[i].role) != ROLE_MONITORED)
			continue;
		if (__builtin_popcountll(cd[i].mask & un) < 2 && nfrom < 2)
			continue;
		if (!explains(c, hi, c->sigs[i].role, cd[i].mask & un))
			continue;
		if (best < 0 || cand_better(c, cd, i, best))
			best = i;
	}
	if (best < 0)
		return;
	r->secondary = c->sigs[best].role;
	r->roles |= BIT(r->secondary);
	conflicts_of(c, hi);
}

/* --- 6. networks, features, names ------------------------------------------ */

struct akey {
	uint8_t		 family;
	uint8_t		 addr[16];
	uint32_t	 idx;
};

static int
cmp_akey(const void *a, const void *b)
{
	const struct akey *x = a, *y = b;
	int r = x->family - y->family;

	return r != 0 ? r : memcmp(x->addr, y->addr, 16);
}

int
discover_sort_addresses(const struct discover *d, uint32_t *out)
{
	struct akey *k = malloc(((size_t)d->nhosts + 1) * sizeof(*k));

	if (k == NULL)
		return -1;
	for (uint32_t i = 0; i < d->nhosts; i++) {
		k[i].family = d->hosts[i].family;
		memcpy(k[i].addr, d->hosts[i].addr, 16);
		k[i].idx = i;
	}
	qsort(k, d->nhosts, sizeof(*k), cmp_akey);
	for (uint32_t i = 0; i < d->nhosts; i++)
		out[i] = k[i].idx;
	free(k);
	return 0;
}

/* Length of the common prefix of a and b, in bits of the family. */
static int
common_bits(const uint8_t *a, const uint8_t *b, int family)
{
	int start = family == 4 ? 12 : 0, n = 0;

	for (int i = start; i < 16; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x == 0) {
			n += 8;
			continue;
		}
		while (!(x & 0x80)) {
			n++;
			x = (uint8_t)(x << 1);
		}
		break;
	}
	return n;
}

static void
prefix_of(const uint8_t *a, int family, int plen, uint8_t *out)
{
	int start = family == 4 ? 12 : 0, bits = plen;

	memcpy(out, a, 16);
	for (int i = start; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		out[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}

static int
cmp_addr16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int
cmp_net(const void *a, const void *b)
{
	const struct dsc_net *x = a, *y = b;
	int r = x->family - y->family;

	if (r == 0)
		r = memcmp(x->addr, y->addr, 16);
	if (r == 0)
		r = x->plen - y->plen;
	return r;
}

/* Any forbidden address (sorted, n of them) inside prefix (p, plen)? */
static int
swallows(const uint8_t (*fb)[16], size_t n, const uint8_t *p, int family, int plen)
{
	uint8_t lo[16];
	size_t a = 0, b = n;

	prefix_of(p, family, plen, lo);
	while (a < b) {
		size_t m = (a + b) / 2;

		if (memcmp(fb[m], lo, 16) < 0)
			a = m + 1;
		else
			b = m;
	}
	return a < n && common_bits(fb[a], lo, family) >= plen;
}

static int
client_networks(struct ctx *c)
{
	const struct discover *d = c->d;
	struct dsc_result *res = c->res;
	uint8_t (*fb)[16] = NULL;
	size_t nfb = 0;
	int rv = -1;

	for (int fam = 4; fam <= 6; fam += 2) {
		int base = fam == 4 ? 24 : 64, widest = fam == 4 ? 16 : 48;
		int start = res->nnets, changed;

		nfb = 0;
		free(fb);
		if ((fb = malloc(((size_t)d->nhosts + 1) * sizeof(*fb))) == NULL)
			return -1;
		FOR_HOSTS(c, k_, i) {
			int k = res->h[i].kind;

			/* a network must not give a server, VIP or peer the
			 * client role; other hosts in it are judged as clients */
			if (d->hosts[i].family == fam &&
			    (k == DSC_K_SERVER || k == DSC_K_VIP || k == DSC_K_PEER))
				memcpy(fb[nfb++], d->hosts[i].addr, 16);
		}
		qsort(fb, nfb, sizeof(*fb), cmp_addr16);
		FOR_HOSTS(c, k_, i) {
			const struct dsc_host *h = &d->hosts[i];
			struct dsc_net *nn;
			int plen = base;

			if (res->h[i].kind != DSC_K_CLIENT || h->family != fam)
				continue;
			/* the widest prefix up to the usual subnet that holds no
			 * other host */
			while (plen < (fam == 4 ? 32 : 128) && swallows((const uint8_t (*)[16])fb, nfb,
			    h->addr, fam, plen))
				plen++;
			if ((nn = realloc(res->nets, (size_t)(res->nnets + 1) * sizeof(*nn))) == NULL)
				goto out;
			res->nets = nn;
			nn = &res->nets[res->nnets++];
			prefix_of(h->addr, fam, plen, nn->addr);
			nn->family = fam;
			nn->plen = plen;
			nn->clients = 1;
		}
		/* dedupe (a prefix inside another goes), then merge siblings
		 * into their parent while it swallows no other host */
		if (res->nnets == start)
			continue;	/* no client of this family */
		do {
			int n = res->nnets - start, w = 0;
			struct dsc_net *v = res->nets + start;

			changed = 0;
			qsort(v, (size_t)n, sizeof(*v), cmp_net);
			for (int i = 0; i < n; i++) {
				if (w > 0 && v[w - 1].plen <= v[i].plen &&
				    common_bits(v[w - 1].addr, v[i].addr, fam) >= v[w - 1].plen) {
					v[w - 1].clients += v[i].clients;
					continue;
				}
				v[w++] = v[i];
			}
			for (int i = 0; i + 1 < w; i++) {
				int pl = v[i].plen;

				if (pl == v[i + 1].plen && pl > widest &&
				    common_bits(v[i].addr, v[i + 1].addr, fam) >= pl - 1 &&
				    !swallows((const uint8_t (*)[16])fb, nfb, v[i].addr, fam, pl - 1)) {
					prefix_of(v[i].addr, fam, pl - 1, v[i].addr);
					v[i].plen = pl - 1;
					v[i].clients += v[i + 1].clients;
					v[i + 1].plen = 129;	/* gone */
					changed = 1;
					i++;
				}
			}
			{
				int k = 0;

				for (int i = 0; i < w; i++)
					if (v[i].plen != 129)
						v[k++] = v[i];
				w = k;
			}
			res->nnets = start + w;
		} while (changed);
	}
	rv = 0;
out:
	free(fb);
	return rv;
}

/* Features the traffic shows that no role of the draft implies: a narrow
 * rule of the feature whose role a host holds, seen accepted (in) or
 * initiated toward its peers (out). */
static void
features(struct ctx *c)
{
	const struct discover *d = c->d;
	const struct ruleset *rs = c->rs;
	struct dsc_result *res = c->res;
	uint32_t implied = 0;

	FOR_HOSTS(c, k_, i) {
		uint64_t fr = hroles(c, i);

		for (int f = 0; f < rs->nfeatures; f++)
			if (rs->features[f].roles & fr)
				implied |= 1u << f;
	}
	for (int f = 0; f < RULES_MAX_FEATURES; f++) {
		res->deploy_rule[f] = -1;
		res->deploy_host[f] = DSC_NONE;
	}
	FOR_HOSTS(c, k_, h)
	for (uint32_t k = c->res->out_off[h]; k < c->res->out_off[h + 1]; k++) {
		const struct dsc_edge *e = &d->edges[c->res->out_list[k]];
		uint64_t ri = hroles(c, e->ini), rr = hroles(c, e->resp);

		if (e->flows == 0 || e->port == 0)
			continue;
		for (const int *rl = covering(c, e->proto, e->port); rl && *rl >= 0; rl++) {
			const struct rule *r = &rs->rules[*rl];
			uint32_t nf = r->features & ~implied & ~res->deploy;
			uint32_t on;

			if (nf == 0)
				continue;
			if (r->dir == RULE_IN && (rr & BIT(r->role)) && (r->peers == 0 || (r->peers & ri)))
				on = e->resp;
			else if (r->dir == RULE_OUT && (ri & BIT(r->role)) && (r->peers & rr))
				on = e->ini;
			else
				continue;
			for (; nf; nf &= nf - 1) {
				int f = __builtin_ctz(nf);

				res->deploy |= 1u << f;
				res->deploy_rule[f] = *rl;
				res->deploy_host[f] = on;
			}
		}
	}
}

void
discover_role_abbrev(const char *role, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	if (strchr(role, '-') != NULL) {
		for (const char *p = role; *p != '\0' && n + 1 < len; p++)
			if (p == role || p[-1] == '-')
				buf[n++] = *p;
	} else
		for (const char *p = role; *p != '\0' && n < 3 && n + 1 < len; p++)
			buf[n++] = *p;
	buf[n] = '\0';
}

/* The names given so far (a small open-addressing set) and, per
 * abbreviation, the next number to try: naming thousands of hosts stays
 * linear. */
#define NAME_PREFIXES	128

struct nameset {
	char		**slot;
	uint32_t	 mask;
	struct {
		char	 ab[40];
		int	 next;
	}		 pfx[NAME_PREFIXES];
	int		 npfx;
};

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* 1 when `name` was in the set; else adds it (a pointer to storage that
 * outlives the set) and returns 0. */
static int
nameset_add(struct nameset *ns, char *name)
{
	uint32_t i;

	for (i = name_hash(name) & ns->mask; ns->slot[i] != NULL; i = (i + 1) & ns->mask)
		if (strcmp(ns->slot[i], name) == 0)
			return 1;
	ns->slot[i] = name;
	return 0;
}

/* A fresh name "<abbrev><suffix><n>" into buf (len bytes): "fe1", "fe2",
 * "fepool1"; a name another abbreviation already made is skipped. */
static void
fresh_name(struct nameset *ns, const char *role, const char *suffix, char *buf, size_t len)
{
	char ab[40];
	int *next = NULL, local = 1;

	discover_role_abbrev(role, ab, 32);
	snprintf(ab + strlen(ab), sizeof(ab) - strlen(ab), "%s", suffix);
	for (int i = 0; i < ns->npfx && next == NULL; i++)
		if (strcmp(ns->pfx[i].ab, ab) == 0)
			next = &ns->pfx[i].next;
	if (next == NULL && ns->npfx < NAME_PREFIXES) {
		snprintf(ns->pfx[ns->npfx].ab, sizeof(ns->pfx[ns->npfx].ab), "%s", ab);
		ns->pfx[ns->npfx].next = 1;
		next = &ns->pfx[ns->npfx++].next;
	}
	if (next == NULL)
		next = &local;
	do
		snprintf(buf, len, "%s%d", ab, (*next)++);
	while (nameset_add(ns, buf) == 1);
}

static void
names(struct ctx *c)
{
	struct dsc_result *res = c->res;
	const struct ruleset *rs = c->rs;
	struct nameset ns;
	static char clients[] = "clients";
	uint64_t n = (uint64_t)c->d->nhosts + (uint64_t)res->npools + 2;
	uint32_t size = 16;

	while (size < 2 * n)
		size <<= 1;
	memset(&ns, 0, sizeof(ns));
	ns.mask = size - 1;
	if ((ns.slot = calloc(size, sizeof(*ns.slot))) == NULL)
		return;
	(void)nameset_add(&ns, clients);
	for (int p = 0; p < res->npools; p++)
		fresh_name(&ns, rs->roles[rs->pooltypes[res->pools[p].type].member].name, "pool",
		    res->pools[p].name, sizeof(res->pools[p].name));
	/* hosts by address within each role */
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];

		if (r->kind == DSC_K_SERVER || r->kind == DSC_K_PEER)
			fresh_name(&ns, rs->roles[r->role].name, "", r->name, sizeof(r->name));
		else if (r->kind == DSC_K_VIP)	/* what the inventory calls it */
			snprintf(r->name, sizeof(r->name), "%.40s/vip", res->pools[r->pool].name);
		else if (r->kind == DSC_K_UNKNOWN)
			fresh_name(&ns, "unknown", "", r->name, sizeof(r->name));
	}
	free(ns.slot);
}

/* --- driver ---------------------------------------------------------------- */

int
discover_infer(const struct discover *d, const struct ruleset *rs, struct dsc_result *res)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct cand *cd = NULL;
	uint32_t *up = NULL, *list = NULL;
	int rv = -1;

	memset(res, 0, sizeof(*res));
	if (c == NULL)
		return -1;
	c->d = d;
	c->rs = rs;
	c->res = res;
	res->nhosts = d->nhosts;
	res->h = calloc((size_t)d->nhosts + 1, sizeof(*res->h));
	c->weak = calloc((size_t)d->nhosts + 1, 1);
	c->vipc = calloc((size_t)d->nhosts + 1, 1);
	up = malloc(((size_t)d->nhosts + 1) * sizeof(*up));
	list = malloc(((size_t)d->nhosts + 1) * sizeof(*list));
	c->order = malloc(((size_t)d->nhosts + 1) * sizeof(*c->order));
	c->rank = malloc(((size_t)d->nhosts + 1) * sizeof(*c->rank));
	if (res->h == NULL || c->weak == NULL || c->vipc == NULL || up == NULL || list == NULL ||
	    c->order == NULL || c->rank == NULL || discover_sort_addresses(d, c->order) == -1)
		goto out;
	for (uint32_t k = 0; k < d->nhosts; k++)
		c->rank[c->order[k]] = k;
	FOR_HOSTS(c, k_, i) {
		res->h[i].role = -1;
		res->h[i].secondary = -1;
		res->h[i].pool = -1;
		res->h[i].support_rule = -1;
		res->h[i].support_host = DSC_NONE;
	}
	if (build_sigs(c) == -1 || build_adjacency(c) == -1)
		goto out;
	if ((cd = calloc((size_t)c->nsigs + 1, sizeof(*cd))) == NULL)
		goto out;

	/* 2. servers; a monitored role needs a Lync server to reach it */
	servers(c, cd);
	monitored_check(c);
	/* 3. pools and VIPs, type by type, members in address order */
	for (int t = 0; t < rs->npooltypes; t++)
		if (pools_of_type(c, t, up, c->order) == -1)
			goto out;
	pool_details(c);
	/* 4. clients and peers, against strong servers, then with them too */
	if (clients_peers(c, 0) == -1 || clients_peers(c, 0) == -1)
		goto out;
	if (servers_to_peers(c) == -1)
		goto out;
	if (clients_peers(c, 1) == -1 || clients_peers(c, 1) == -1)
		goto out;
	/* 5. media range, conflicts, second roles, confidence */
	media_range(c);
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];

		if (r->kind != DSC_K_SERVER && r->kind != DSC_K_VIP && r->kind != DSC_K_CLIENT &&
		    r->kind != DSC_K_PEER)
			continue;
		conflicts_of(c, i);
		if (r->kind == DSC_K_SERVER && r->nconflicts > 0)
			second_role(c, i, cd);
		if (r->nconflicts > 0 && r->conf > DSC_CONF_MEDIUM)
			r->conf = DSC_CONF_MEDIUM;
	}
	/* 6. what fits nothing */
	FOR_HOSTS(c, k_, i) {
		struct dsc_hres *r = &res->h[i];
		const struct dsc_host *h = &d->hosts[i];
		int lync = 0;

		if (r->kind != DSC_K_NONE && r->kind != DSC_K_UNKNOWN)
			continue;
		for (int dir = 0; dir < 2 && !lync; dir++) {
			const uint32_t *off = dir == 0 ? c->res->out_off : c->res->in_off;
			const uint32_t *lst = dir == 0 ? c->res->out_list : c->res->in_list;

			for (uint32_t k = off[i]; k < off[i + 1] && !lync; k++) {
				const struct dsc_edge *e = &d->edges[lst[k]];
				int ok = res->h[dir == 0 ? e->resp : e->ini].kind;

				lync = ok == DSC_K_SERVER || ok == DSC_K_VIP;
			}
		}
		if (r->kind == DSC_K_UNKNOWN || lync)
			r->kind = DSC_K_UNKNOWN;
		else if (h->acc_flows == 0 && h->ini_flows == 0 && h->att_in > 0)
			r->kind = DSC_K_UNANSWERED;
	}
	if (client_networks(c) == -1)
		goto out;
	features(c);
	names(c);
	for (uint32_t i = 0; i < d->nhosts; i++)
		res->nkind[res->h[i].kind]++;
	for (int p = 0; p < res->npools; p++)
		res->npools_drafted += res->pools[p].nmembers > 1 || res->pools[p].nvips > 0;
	rv = 0;
out:
	if (c->sigs != NULL)
		for (int i = 0; i < c->nsigs; i++)
			free(c->sigs[i].p);
	free(c->sigs);
	free(c->wkey);
	free(c->wcnt);
	covering_reset(c);
	free(c->weak);
	free(c->vipc);
	free(c->order);
	free(c->rank);
	free(c);
	free(cd);
	free(up);
	free(list);
	return rv;
}

void
discover_result_free(struct dsc_result *res)
{
	free(res->in_off);
	free(res->out_off);
	free(res->in_list);
	free(res->out_list);
	free(res->h);
	free(res->pools);
	free(res->nets);
	memset(res, 0, sizeof(*res));
}
