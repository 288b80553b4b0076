/*
 * test_discover.c - CUnit tests of --discover's evidence and inference
 * (discover.h, discover-infer.h, discover-print.h) on synthetic flow records:
 * every role of every shipped pack found from its own in-ports, every peer
 * role from the rules that name it, pools, VIPs and their balancing,
 * collocated Mediation and the CMS holder, a misconfigured Director, what
 * a mere SYN does not prove, client networks and media range, the caps,
 * and drafts that load back as inventories.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/discover.h"
#include "conformd/inventory.h"
#include "conformd/packet.h"
#include "conformd/rules.h"
#include "discover/discover-infer.h"
#include "discover/discover-print.h"
#include "unit.h"

/* --- a synthetic site ------------------------------------------------------ */

static uint64_t tick;

/* One flow from ini to resp on (proto, port), answered or not. */
static void
flow(struct discover *d, const char *ini, const char *resp, int proto, unsigned port, int answered)
{
	struct flow_record r;

	memset(&r, 0, sizeof(r));
	snprintf(r.src_ip, sizeof(r.src_ip), "%s", ini);
	snprintf(r.dest_ip, sizeof(r.dest_ip), "%s", resp);
	r.proto = proto == DSC_TCP ? 6 : 17;
	r.src_port = (uint16_t)(50000 + tick % 9000);
	r.dest_port = (uint16_t)port;
	r.first_usec = 1700000000000000ULL + 1000000ULL * tick++;
	r.last_usec = r.first_usec + 500000;
	r.pkts_toserver = 3;
	r.pkts_toclient = answered ? 3 : 0;
	if (proto == DSC_TCP) {
		r.tcp_flags_ts = TCP_SYN | TCP_ACK;
		r.tcp_flags_tc = answered ? TCP_SYN | TCP_ACK : 0;
	}
	discover_flow(d, &r);
}

#define ACC(d, a, b, pr, p)	flow(d, a, b, pr, p, 1)

static int
load_packs(struct ruleset *rs, const char *const *packs)
{
	struct diag dg;
	char rel[128];

	diag_init(&dg, stderr);
	rules_init(rs);
	for (int i = 0; packs[i] != NULL; i++) {
		snprintf(rel, sizeof(rel), "rules/%s.rules", packs[i]);
		if (rules_load(rs, unit_srcpath(rel), &dg) == -1)
			return -1;
	}
	return rules_validate(rs, &dg);
}

static const struct dsc_host *
host(const struct discover *d, const char *a)
{
	uint8_t addr[16];
	int fam = unit_addr(a, addr);

	return discover_find(d, addr, fam);
}

static const struct dsc_hres *
result(const struct discover *d, const struct dsc_result *res, const char *a)
{
	const struct dsc_host *h = host(d, a);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	return &res->h[h - d->hosts];
}

static const char *
role_of(const struct ruleset *rs, const struct dsc_hres *r)
{
	return r->role >= 0 ? rs->roles[r->role].name : "-";
}

/* Every port of a role's in rules (narrow ones), accepted by `at` from
 * `from`. */
static void
accept_role(struct discover *d, const struct ruleset *rs, int role, const char *from,
    const char *at)
{
	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->role != role || r->dir != RULE_IN || r->disabled || r->client_media)
			continue;
		for (int k = 0; k < r->nports; k++)
			if (r->ports[k].hi - r->ports[k].lo < DSC_NARROW_MAX)
				for (unsigned p = r->ports[k].lo; p <= r->ports[k].hi; p++) {
					if (r->protos & RULE_TCP)
						ACC(d, from, at, DSC_TCP, p);
					if (r->protos & RULE_UDP)
						ACC(d, from, at, DSC_UDP, p);
				}
	}
}

/* A strong Front End at fe, with clients c1 and c2. */
static void
front_end(struct discover *d, const char *fe, const char *c1, const char *c2)
{
	static const unsigned ports[] = { 5061, 443, 444, 8057, 8058, 8080, 4443, 5062 };

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		ACC(d, c1, fe, DSC_TCP, ports[i]);
		ACC(d, c2, fe, DSC_TCP, ports[i]);
	}
}

/* Is `want` the host's role, or an alternative that ties with it? */
static int
found_as(const struct ruleset *rs, const struct dsc_hres *r, const char *want, int *tied)
{
	if (r->role >= 0 && strcmp(rs->roles[r->role].name, want) == 0)
		return 1;
	for (int k = 0; k < r->nalts; k++)
		if (r->alts[k].tie && strcmp(rs->roles[r->alts[k].role].name, want) == 0) {
			(*tied)++;
			return 1;
		}
	return 0;
}

static int
is_candidate(const struct ruleset *rs, int role)
{
	const struct role *ro = &rs->roles[role];

	if ((ro->kind != ROLE_SERVER && ro->kind != ROLE_MONITORED) || ro->implied)
		return 0;
	for (int t = 0; t < rs->npooltypes; t++)
		if (rs->pooltypes[t].collocated == role || rs->pooltypes[t].cms == role)
			return 0;
	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->role == role && r->dir == RULE_IN && !r->client_media)
			for (int k = 0; k < r->nports; k++)
				if (r->ports[k].hi - r->ports[k].lo < DSC_NARROW_MAX)
					return 1;
	}
	return 0;
}

static const char *const *const pack_sets[] = {
	(const char *const[]){ "lync2013", NULL },
	(const char *const[]){ "sfb2015", NULL },
	(const char *const[]){ "sfb2019", NULL },
	(const char *const[]){ "lync2013", "edge-internal", NULL },
	(const char *const[]){ "lync2013", "edge-external", NULL },
	(const char *const[]){ "lync2013", "dependencies", NULL },
	(const char *const[]){ "sfb2019", "edge-internal", "edge-external", "dependencies", NULL },
	NULL
};

/* Every server and monitored role of every pack, from a host accepting
 * every port of its in rules, from a Front End and a client. */
static void
test_every_role_from_its_ports(void)
{
	int tested = 0, tied = 0;

	for (int s = 0; pack_sets[s] != NULL; s++) {
		struct ruleset rs;

		CU_ASSERT_EQUAL_FATAL(load_packs(&rs, pack_sets[s]), 0);
		for (int role = 0; role < rs.nroles; role++) {
			struct discover *d;
			struct dsc_result res;
			const struct dsc_hres *r;
			int fe = rules_find_role(&rs, "front-end");

			if (!is_candidate(&rs, role))
				continue;
			d = discover_new(&rs, 0);
			CU_ASSERT_PTR_NOT_NULL_FATAL(d);
			front_end(d, "198.18.1.11", "198.18.10.21", "198.18.10.22");
			accept_role(d, &rs, role, "198.18.1.11", "198.18.5.50");
			accept_role(d, &rs, role, "198.18.10.21", "198.18.5.50");
			CU_ASSERT_EQUAL_FATAL(discover_infer(d, &rs, &res), 0);
			r = result(d, &res, "198.18.5.50");
			if (!found_as(&rs, r, rs.roles[role].name, &tied)) {
				fprintf(stderr, "\n  %s: %s found as %s (%s)\n", pack_sets[s][0],
				    rs.roles[role].name, role_of(&rs, r),
				    r->nalts > 0 ? rs.roles[r->alts[0].role].name : "no alternative");
				CU_FAIL("a role not found from its own in-ports");
			}
			/* and the Front End it is reached from stays one */
			CU_ASSERT_EQUAL(result(d, &res, "198.18.1.11")->role, fe);
			tested++;
			discover_result_free(&res);
			discover_free(d);
		}
		rules_free(&rs);
	}
	/* every candidate of every set, a handful tied (443 alone is Office
	 * Web Apps, Exchange and the Web Conferencing Edge alike) */
	if (getenv("UNIT_VERBOSE") != NULL)
		fprintf(stderr, "\n  %d roles found, %d of them as a tie\n", tested, tied);
	CU_ASSERT(tested >= 40);
	CU_ASSERT(tied < tested / 4);
}

/* Every peer role named as the `peer` of a rule of a server role, from
 * the traffic that rule allows. */
static void
test_every_peer_from_its_rules(void)
{
	int tested = 0, tied = 0;

	for (int s = 0; pack_sets[s] != NULL; s++) {
		struct ruleset rs;

		CU_ASSERT_EQUAL_FATAL(load_packs(&rs, pack_sets[s]), 0);
		for (int i = 0; i < rs.nrules; i++) {
			const struct rule *ru = &rs.rules[i];
			struct discover *d;
			struct dsc_result res;
			const struct dsc_hres *r;
			int peer = -1, shared = 0;
			unsigned port;

			if (ru->disabled || ru->client_media || !is_candidate(&rs, ru->role) ||
			    ru->nports == 0 || ru->ports[0].hi - ru->ports[0].lo >= DSC_NARROW_MAX)
				continue;
			for (int p = 0; p < rs.nroles; p++)
				if ((ru->peers & (1ull << p)) && rs.roles[p].kind == ROLE_PEER) {
					if (peer < 0)
						peer = p;
					else
						shared = 1;
				}
			if (peer < 0)
				continue;
			port = ru->ports[0].lo;
			d = discover_new(&rs, 0);
			front_end(d, "198.18.1.11", "198.18.10.21", "198.18.10.22");
			/* the server, known by its own ports, then the peer's traffic */
			accept_role(d, &rs, ru->role, "198.18.1.11", "198.18.5.50");
			accept_role(d, &rs, ru->role, "198.18.10.21", "198.18.5.50");
			if (ru->dir == RULE_IN)
				ACC(d, "198.18.30.9", "198.18.5.50", ru->protos & RULE_TCP ? DSC_TCP : DSC_UDP,
				    port);
			else
				ACC(d, "198.18.5.50", "198.18.30.9", ru->protos & RULE_TCP ? DSC_TCP : DSC_UDP,
				    port);
			CU_ASSERT_EQUAL_FATAL(discover_infer(d, &rs, &res), 0);
			r = result(d, &res, "198.18.30.9");
			if (!found_as(&rs, r, rs.roles[peer].name, &tied) && !shared) {
				fprintf(stderr, "\n  %s %s: peer %s found as %s\n", pack_sets[s][0], ru->id,
				    rs.roles[peer].name, role_of(&rs, r));
				CU_FAIL("a peer role not found from the rule that names it");
			}
			if (shared)	/* rules naming several peers: one of them */
				CU_ASSERT(r->kind == DSC_K_PEER && (ru->peers & (1ull << r->role)));
			tested++;
			discover_result_free(&res);
			discover_free(d);
		}
		rules_free(&rs);
	}
	CU_ASSERT(tested > 20);
}

/* --- pools, VIPs, collocation, the CMS holder ------------------------------ */

struct site {
	struct ruleset	 rs;
	struct discover	*d;
	struct dsc_result res;
};

static void
site_open(struct site *s, const char *const *packs)
{
	memset(s, 0, sizeof(*s));
	CU_ASSERT_EQUAL_FATAL(load_packs(&s->rs, packs), 0);
	s->d = discover_new(&s->rs, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->d);
}

static void
site_infer(struct site *s)
{
	CU_ASSERT_EQUAL_FATAL(discover_infer(s->d, &s->rs, &s->res), 0);
}

static void
site_close(struct site *s)
{
	discover_result_free(&s->res);
	discover_free(s->d);
	rules_free(&s->rs);
}

static const char *const lync[] = { "lync2013", NULL };

/* Two members that talk among themselves, clients to the VIP on SIP. */
static void
pool_site(struct discover *d, int hardware)
{
	static const char *const cl[] = { "198.18.10.21", "198.18.10.22", "198.18.10.23" };

	for (int i = 0; i < 3; i++) {
		ACC(d, cl[i], "198.18.1.11", DSC_TCP, 443);
		ACC(d, cl[i], "198.18.1.12", DSC_TCP, 443);
		ACC(d, cl[i], "198.18.1.10", DSC_TCP, 443);
		ACC(d, cl[i], "198.18.1.11", DSC_TCP, 8057);
		ACC(d, cl[i], "198.18.1.12", DSC_TCP, 8057);
		if (hardware)
			ACC(d, cl[i], "198.18.1.10", DSC_TCP, 5061);
		else {
			ACC(d, cl[i], "198.18.1.11", DSC_TCP, 5061);
			ACC(d, cl[i], "198.18.1.12", DSC_TCP, 5061);
		}
	}
	for (int i = 0; i < 2; i++) {
		const char *a = i ? "198.18.1.11" : "198.18.1.12", *b = i ? "198.18.1.12" : "198.18.1.11";

		ACC(d, a, b, DSC_TCP, 5061);
		ACC(d, a, b, DSC_TCP, 444);
		ACC(d, a, b, DSC_TCP, 5070);	/* the collocated Mediation */
	}
	/* the CMS holder pushes to its pool and to the Director */
	ACC(d, "198.18.1.11", "198.18.1.12", DSC_TCP, 445);
	ACC(d, "198.18.1.11", "198.18.2.11", DSC_TCP, 445);
	ACC(d, "198.18.10.21", "198.18.2.11", DSC_TCP, 5061);
	ACC(d, "198.18.1.11", "198.18.2.11", DSC_TCP, 444);
}

static void
test_pool_hardware(void)
{
	struct site s;
	const struct dsc_hres *v, *m1, *m2;
	const struct dsc_pool *p;
	int fe;

	site_open(&s, lync);
	pool_site(s.d, 1);
	site_infer(&s);
	fe = rules_find_role(&s.rs, "front-end");
	v = result(s.d, &s.res, "198.18.1.10");
	m1 = result(s.d, &s.res, "198.18.1.11");
	m2 = result(s.d, &s.res, "198.18.1.12");
	CU_ASSERT_EQUAL(m1->kind, DSC_K_SERVER);
	CU_ASSERT_EQUAL(m1->role, fe);
	CU_ASSERT_EQUAL(m2->role, fe);
	CU_ASSERT(m1->pool >= 0 && m1->pool == m2->pool);
	CU_ASSERT_EQUAL_FATAL(v->kind, DSC_K_VIP);
	CU_ASSERT_EQUAL(v->pool, m1->pool);
	p = &s.res.pools[m1->pool];
	CU_ASSERT_EQUAL(p->nmembers, 2);
	CU_ASSERT_EQUAL(p->nvips, 1);
	CU_ASSERT(p->linked);
	CU_ASSERT_EQUAL(p->lb, INV_LB_HARDWARE);
	CU_ASSERT_EQUAL(p->nlb_ports, 1);
	CU_ASSERT_EQUAL(p->lb_ports[0], 5061);
	CU_ASSERT(p->collocated);
	CU_ASSERT_EQUAL(v->roles, (1ull << rules_find_role(&s.rs, "fe-vip-hlb")) |
	    (1ull << rules_find_role(&s.rs, "fe-mediation-vip-hlb")));
	CU_ASSERT_PTR_EQUAL(&s.d->hosts[p->cms], host(s.d, "198.18.1.11"));
	CU_ASSERT(m1->roles & (1ull << rules_find_role(&s.rs, "front-end-cms")));
	CU_ASSERT(!(m2->roles & (1ull << rules_find_role(&s.rs, "front-end-cms"))));
	/* the Director, reached by the push on 445 and more: still a Director */
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.2.11")), "director");
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.10.22")->kind, DSC_K_CLIENT);
	CU_ASSERT_EQUAL(s.res.nnets, 1);
	CU_ASSERT_EQUAL(s.res.nets[0].plen, 24);
	site_close(&s);
}

static void
test_pool_dns(void)
{
	struct site s;
	const struct dsc_hres *v;

	site_open(&s, lync);
	pool_site(s.d, 0);
	site_infer(&s);
	v = result(s.d, &s.res, "198.18.1.10");
	CU_ASSERT_EQUAL_FATAL(v->kind, DSC_K_VIP);
	CU_ASSERT_EQUAL(s.res.pools[v->pool].lb, INV_LB_DNS);
	CU_ASSERT_EQUAL(v->roles, 1ull << rules_find_role(&s.rs, "fe-vip-dns"));
	site_close(&s);
}

/* A web server elsewhere that the clients browse is no DNS-balanced VIP:
 * not in the members' subnet. */
static void
test_web_server_not_vip(void)
{
	struct site s;

	site_open(&s, lync);
	pool_site(s.d, 0);
	ACC(s.d, "198.18.10.21", "198.18.99.1", DSC_TCP, 443);
	ACC(s.d, "198.18.10.22", "198.18.99.1", DSC_TCP, 80);
	site_infer(&s);
	CU_ASSERT_NOT_EQUAL(result(s.d, &s.res, "198.18.99.1")->kind, DSC_K_VIP);
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.1.10")->kind, DSC_K_VIP);
	site_close(&s);
}

/* A Director that also answers 8057: what its traffic shows (a superset
 * wins), the Director written as the alternative, with the port that
 * makes the difference, at low confidence; not joined to the pool. */
static void
test_misconfigured_director(void)
{
	struct site s;
	const struct dsc_hres *r;
	struct unit_mem m;
	struct dsc_print_info in = { .version = "test", .sources = "synthetic", .product = "lync2013" };
	char *text;

	site_open(&s, lync);
	pool_site(s.d, 1);
	ACC(s.d, "198.18.10.22", "198.18.2.11", DSC_TCP, 5061);
	ACC(s.d, "198.18.10.23", "198.18.2.11", DSC_TCP, 8057);
	site_infer(&s);
	r = result(s.d, &s.res, "198.18.2.11");
	CU_ASSERT_EQUAL(r->kind, DSC_K_SERVER);
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, r), "front-end");
	CU_ASSERT_EQUAL(r->conf, DSC_CONF_LOW);
	CU_ASSERT_EQUAL(r->pool, -1 == r->pool ? -1 : r->pool);
	CU_ASSERT(r->pool < 0 || s.res.pools[r->pool].nmembers == 1);
	CU_ASSERT_FATAL(r->nalts > 0);
	CU_ASSERT_STRING_EQUAL(s.rs.roles[r->alts[0].role].name, "director");
	CU_ASSERT(r->alts[0].dominated);
	CU_ASSERT_EQUAL(r->alts[0].lacks_port, 8057);
	discover_print(s.d, &s.res, &s.rs, &in, unit_mem_open(&m));
	text = unit_mem_close(&m);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "but it does not accept tcp/8057, which this host does"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "#host fe3 198.18.2.11 role director\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "host fe3 198.18.2.11 role front-end\n"));
	free(text);
	site_close(&s);
}

/* --- what proves a role, and what does not ---------------------------------- */

static void
test_syn_is_no_evidence(void)
{
	struct site s;
	const struct dsc_hres *r;

	site_open(&s, lync);
	front_end(s.d, "198.18.1.11", "198.18.10.21", "198.18.10.22");
	for (unsigned p = 5061; p <= 5065; p++)
		flow(s.d, "198.18.10.21", "198.18.1.99", DSC_TCP, p, 0);
	flow(s.d, "198.18.10.21", "198.18.1.99", DSC_UDP, 1434, 0);
	site_infer(&s);
	r = result(s.d, &s.res, "198.18.1.99");
	CU_ASSERT_EQUAL(r->kind, DSC_K_UNANSWERED);
	CU_ASSERT_EQUAL(r->roles, 0);
	CU_ASSERT_EQUAL(host(s.d, "198.18.1.99")->nports, 0);
	CU_ASSERT_EQUAL(host(s.d, "198.18.1.99")->att_in, 6);
	CU_ASSERT_EQUAL(s.d->c.attempts, 6);
	site_close(&s);
}

/* A flow picked up mid-stream: packets both ways are an answer; a reset
 * from the guessed responder is not. */
static void
test_midstream(void)
{
	struct site s;
	struct flow_record r;

	site_open(&s, lync);
	memset(&r, 0, sizeof(r));
	snprintf(r.src_ip, sizeof(r.src_ip), "198.18.10.21");
	snprintf(r.dest_ip, sizeof(r.dest_ip), "198.18.1.11");
	r.proto = 6;
	r.src_port = 51000;
	r.dest_port = 5061;
	r.first_usec = r.last_usec = 1700000000000000ULL;
	r.midstream = 1;
	r.pkts_toserver = r.pkts_toclient = 10;
	r.tcp_flags_ts = r.tcp_flags_tc = TCP_ACK | TCP_PSH;
	discover_flow(s.d, &r);
	CU_ASSERT_EQUAL(s.d->c.accepted, 1);
	CU_ASSERT_EQUAL(s.d->c.midstream, 1);
	CU_ASSERT_PTR_NOT_NULL(discover_port(host(s.d, "198.18.1.11"), DSC_TCP, 5061));
	CU_ASSERT(discover_port(host(s.d, "198.18.1.11"), DSC_TCP, 5061)->flags & DSC_F_MIDSTREAM);
	r.dest_port = 5062;
	r.tcp_flags_tc = TCP_RST;
	discover_flow(s.d, &r);
	CU_ASSERT_EQUAL(s.d->c.attempts, 1);
	CU_ASSERT_PTR_NULL(discover_port(host(s.d, "198.18.1.11"), DSC_TCP, 5062));
	site_close(&s);
}

/* Peers from the rules that name them; an Exchange server among the
 * dependencies; a host that fits no role is unknown, not guessed. */
static void
test_peers_and_dependencies(void)
{
	static const char *const deps[] = { "lync2013", "dependencies", NULL };
	struct site s;

	site_open(&s, deps);
	front_end(s.d, "198.18.1.11", "198.18.10.21", "198.18.10.22");
	ACC(s.d, "198.18.1.11", "198.18.3.11", DSC_TCP, 5070);		/* Mediation */
	ACC(s.d, "198.18.1.12", "198.18.3.11", DSC_TCP, 5070);
	ACC(s.d, "198.18.6.1", "198.18.3.11", DSC_TCP, 5068);		/* its gateway */
	ACC(s.d, "198.18.1.11", "198.18.7.1", DSC_TCP, 80);		/* the web farm */
	ACC(s.d, "198.18.8.1", "198.18.1.11", DSC_TCP, 4443);		/* a reverse proxy */
	ACC(s.d, "198.18.8.1", "198.18.1.11", DSC_TCP, 8080);
	for (int i = 0; i < 2; i++) {
		const char *from = i ? "198.18.1.11" : "198.18.10.21";
		static const unsigned dc[] = { 53, 88, 389, 3268, 445, 135 };

		for (size_t k = 0; k < sizeof(dc) / sizeof(dc[0]); k++)
			ACC(s.d, from, "198.18.20.11", DSC_TCP, dc[k]);
		ACC(s.d, from, "198.18.20.11", DSC_UDP, 53);
		ACC(s.d, from, "198.18.20.31", DSC_TCP, 443);		/* Exchange */
	}
	ACC(s.d, "198.18.1.11", "198.18.20.21", DSC_TCP, 1433);	/* SQL */
	ACC(s.d, "198.18.1.12", "198.18.20.21", DSC_TCP, 1433);
	ACC(s.d, "198.18.1.11", "198.18.99.1", DSC_TCP, 25);		/* fits nothing */
	site_infer(&s);
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.3.11")), "mediation");
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.6.1")), "pstn-gateway");
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.6.1")->kind, DSC_K_PEER);
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.7.1")), "web-farm");
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.8.1")), "reverse-proxy");
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.20.11")),
	    "domain-controller");
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.20.21")), "sql-backend");
	/* 443 alone: Office Web Apps and Exchange tie; the pack loaded later
	 * is chosen and the other written as the alternative */
	CU_ASSERT_STRING_EQUAL(role_of(&s.rs, result(s.d, &s.res, "198.18.20.31")), "exchange");
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.20.31")->conf, DSC_CONF_LOW);
	CU_ASSERT(result(s.d, &s.res, "198.18.20.31")->alts[0].tie);
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.99.1")->kind, DSC_K_UNKNOWN);
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.99.1")->role, -1);
	site_close(&s);
}

/* Client networks swallow no other host; the media range widens to whole
 * thousands. */
static void
test_client_networks_and_media(void)
{
	struct site s;
	char a[64];

	site_open(&s, lync);
	front_end(s.d, "198.18.10.5", "198.18.10.21", "198.18.10.200");	/* a server among them */
	ACC(s.d, "198.18.11.7", "198.18.10.5", DSC_TCP, 5061);
	ACC(s.d, "2001:db8:10::22", "2001:db8:1::11", DSC_TCP, 5061);
	ACC(s.d, "2001:db8:10::23", "2001:db8:1::11", DSC_TCP, 443);
	ACC(s.d, "198.18.10.21", "198.18.10.200", DSC_UDP, 50030);
	ACC(s.d, "198.18.10.200", "198.18.10.21", DSC_UDP, 51210);
	site_infer(&s);
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.10.21")->kind, DSC_K_CLIENT);
	CU_ASSERT_EQUAL(result(s.d, &s.res, "198.18.11.7")->kind, DSC_K_CLIENT);
	for (int i = 0; i < s.res.nnets; i++) {
		const struct dsc_net *n = &s.res.nets[i];
		uint8_t fe[16];

		(void)unit_addr("198.18.10.5", fe);
		addr_format(n->addr, n->family, a, sizeof(a));
		/* no prefix holds the Front End */
		if (n->family == 4) {
			uint32_t mask = n->plen == 0 ? 0 : 0xffffffffu << (32 - n->plen);
			uint32_t x = (uint32_t)n->addr[12] << 24 | n->addr[13] << 16 | n->addr[14] << 8 |
			    n->addr[15];
			uint32_t y = (uint32_t)fe[12] << 24 | fe[13] << 16 | fe[14] << 8 | fe[15];

			CU_ASSERT((x & mask) != (y & mask));
		}
	}
	/* 198.18.10.21 and .200 need two prefixes beside the server's, and
	 * 198.18.11.7 its /24; the IPv6 clients one /64 */
	CU_ASSERT(s.res.nnets >= 4);
	CU_ASSERT_EQUAL(s.res.nets[s.res.nnets - 1].family, 6);
	CU_ASSERT_EQUAL(s.res.nets[s.res.nnets - 1].plen, 64);
	CU_ASSERT(s.res.media);
	CU_ASSERT_EQUAL(s.res.seen_lo, 50030);
	CU_ASSERT_EQUAL(s.res.seen_hi, 51210);
	CU_ASSERT_EQUAL(s.res.media_lo, 50000);
	CU_ASSERT_EQUAL(s.res.media_hi, 51999);
	site_close(&s);
}

/* The caps: past them hosts, pairs and ports are counted, never lost
 * silently; nothing grows past them. */
static void
test_caps(void)
{
	struct ruleset rs;
	struct discover *d;
	char a[32];

	CU_ASSERT_EQUAL_FATAL(load_packs(&rs, lync), 0);
	d = discover_new(&rs, 16);
	CU_ASSERT_EQUAL(d->max_edges, 16 * DSC_EDGES_PER_HOST);
	for (int i = 0; i < 100; i++) {
		snprintf(a, sizeof(a), "198.18.10.%d", i + 1);
		ACC(d, a, "198.18.1.11", DSC_TCP, 443);
	}
	CU_ASSERT_EQUAL(d->nhosts, 16);
	CU_ASSERT_EQUAL(d->c.hosts_dropped, 100 - 15);
	/* attempts to unknown hosts stop at 3/4 of the table */
	for (int i = 0; i < 10; i++) {
		snprintf(a, sizeof(a), "198.18.20.%d", i + 1);
		flow(d, "198.18.10.1", a, DSC_TCP, 5061, 0);
	}
	CU_ASSERT_EQUAL(d->c.attempts_unrecorded, 10);
	/* exact ports per host: 443 is kept already, 1-74 come on top */
	for (unsigned p = 1; p <= DSC_HOST_PORTS + 10; p++)
		ACC(d, "198.18.10.1", "198.18.1.11", DSC_TCP, p);
	CU_ASSERT_EQUAL(host(d, "198.18.1.11")->nports, DSC_HOST_PORTS);
	CU_ASSERT_EQUAL(d->c.ports_dropped, 11);
	CU_ASSERT_EQUAL(host(d, "198.18.1.11")->ports_dropped, 11);
	discover_free(d);
	rules_free(&rs);
}

/* Thousands of hosts that fit no role: named in one pass, the first 100
 * written in full, the rest counted; those inside the client network
 * said to be judged as clients. */
static void
test_many_unknown(void)
{
	struct site s;
	struct dsc_print_info in = { .version = "test", .sources = "synthetic", .product = "lync2013" };
	struct unit_mem m;
	char a[32], *text;

	site_open(&s, lync);
	front_end(s.d, "198.18.1.11", "198.18.10.21", "198.18.10.22");
	for (int i = 0; i < 3000; i++) {
		snprintf(a, sizeof(a), "198.18.%d.%d", 10 + i / 250, 1 + i % 250);
		ACC(s.d, a, "198.18.1.11", DSC_TCP, 22);
	}
	site_infer(&s);
	CU_ASSERT_EQUAL(s.res.nkind[DSC_K_UNKNOWN], 2998);
	CU_ASSERT_STRING_EQUAL(result(s.d, &s.res, "198.18.10.1")->name, "unk1");
	CU_ASSERT_STRING_EQUAL(result(s.d, &s.res, "198.18.21.250")->name, "unk2998");
	discover_print(s.d, &s.res, &s.rs, &in, unit_mem_open(&m));
	text = unit_mem_close(&m);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "#host unk100 "));
	CU_ASSERT_PTR_NULL(strstr(text, "#host unk101 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "And 2898 more hosts that fit no role (the first 100"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "(198.18.10.1 is inside a client network: conformd judges"));
	free(text);
	site_close(&s);
}

/* A draft loads back as an inventory with the packs it names. */
static void
test_draft_loads(void)
{
	static const char *const deps[] = { "lync2013", "dependencies", NULL };
	struct site s;
	struct dsc_print_info in = { .version = "test", .sources = "synthetic", .product = "lync2013" };
	struct inventory inv;
	struct diag dg;
	char path[512];
	FILE *f;

	site_open(&s, deps);
	pool_site(s.d, 1);
	ACC(s.d, "198.18.1.11", "198.18.20.21", DSC_TCP, 1433);
	ACC(s.d, "198.18.1.12", "198.18.20.21", DSC_TCP, 1433);
	ACC(s.d, "198.18.6.1", "198.18.3.11", DSC_TCP, 5068);
	ACC(s.d, "198.18.1.11", "198.18.3.11", DSC_TCP, 5070);
	ACC(s.d, "198.18.1.11", "198.18.99.1", DSC_TCP, 25);
	flow(s.d, "198.18.10.21", "198.18.1.99", DSC_TCP, 5061, 0);
	site_infer(&s);
	snprintf(path, sizeof(path), "%s/draft.conf", unit_tmpdir());
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	discover_print(s.d, &s.res, &s.rs, &in, f);
	fclose(f);
	diag_init(&dg, stderr);
	inventory_init(&inv);
	CU_ASSERT_EQUAL(inventory_load(&inv, path, &s.rs, &dg), 0);
	CU_ASSERT_EQUAL(dg.nerrors, 0);
	CU_ASSERT_EQUAL(inv.npools, 1);
	CU_ASSERT_EQUAL(inv.pools[0].lb, INV_LB_HARDWARE);
	CU_ASSERT(inv.pools[0].collocated);
	CU_ASSERT(inv.media.lo == 1024 && inv.media.hi == 65535);
	inventory_free(&inv);
	site_close(&s);
}

void
test_discover_register(void)
{
	CU_pSuite s = CU_add_suite("discover", NULL, NULL);

	CU_add_test(s, "every role of every pack from its own in-ports", test_every_role_from_its_ports);
	CU_add_test(s, "every peer role from the rules that name it", test_every_peer_from_its_rules);
	CU_add_test(s, "pool, hardware VIP, collocation, CMS holder", test_pool_hardware);
	CU_add_test(s, "pool, DNS-balanced VIP", test_pool_dns);
	CU_add_test(s, "a web server elsewhere is no VIP", test_web_server_not_vip);
	CU_add_test(s, "a Director answering 8057", test_misconfigured_director);
	CU_add_test(s, "a mere SYN proves nothing", test_syn_is_no_evidence);
	CU_add_test(s, "mid-stream flows", test_midstream);
	CU_add_test(s, "peers, dependencies, unknown", test_peers_and_dependencies);
	CU_add_test(s, "client networks and media range", test_client_networks_and_media);
	CU_add_test(s, "caps", test_caps);
	CU_add_test(s, "thousands of unknown hosts", test_many_unknown);
	CU_add_test(s, "the draft loads as an inventory", test_draft_loads);
}
