/*
 * test_policy.c - verdicts of the shipped Lync rules against a site
 * inventory: in and out rules, peers, pools and VIPs (hardware vs DNS
 * tables), collocated Mediation, the CMS holder, implied roles, client
 * media range, prefixes and IPv6, and the unexpected/unmonitored split.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <CUnit/CUnit.h>

#include "conformd/diag.h"
#include "conformd/inventory.h"
#include "conformd/packet.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "unit.h"

static struct ruleset rs;
static struct inventory inv;
static struct policy *pol;

static const char site[] =
    "client-media-ports 50000-50999\n"
    "pool fe-pool {\n"
    "  type front-end\n"
    "  load-balancing hardware\n"
    "  vip 198.18.1.10\n"
    "  member fe1 198.18.1.11\n"
    "  member fe2 198.18.1.12\n"
    "  collocated-mediation yes\n"
    "  cms fe1\n"
    "}\n"
    "pool dir-pool {\n"
    "  type director\n"
    "  load-balancing dns\n"
    "  vip 198.18.2.10\n"
    "  member dir1 198.18.2.11\n"
    "}\n"
    "host med1 198.18.3.11 role mediation\n"
    "host owa1 198.18.5.11 role office-web-apps\n"
    "network clients 198.18.10.0/24,2001:db8:10::/64 role client\n"
    "network phones 198.18.11.0/24 role device\n"
    "peer pstn1 198.18.6.1 role pstn-gateway\n"
    "peer web1 198.18.7.1 role web-farm\n"
    "peer rp1 198.18.8.1 role reverse-proxy\n"
    "host fe6 2001:db8:1::11 role front-end\n";

static int
policy_setup(void)
{
	struct diag d;
	char path[512];
	FILE *f;

	diag_init(&d, stderr);
	rules_init(&rs);
	inventory_init(&inv);
	if (rules_load(&rs, unit_srcpath("rules/lync2013.rules"), &d) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/policy-site.conf", unit_tmpdir());
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(site, f);
	fclose(f);
	if (inventory_load(&inv, path, &rs, &d) == -1)
		return -1;
	pol = policy_compile(&rs, &inv);
	return pol == NULL ? -1 : 0;
}

static int
policy_teardown(void)
{
	policy_free(pol);
	inventory_free(&inv);
	rules_free(&rs);
	return 0;
}

/* Verdict of ini -> resp:port/proto; *rid gets the rule id or "-". */
static int
judge(const char *ini, const char *resp, uint8_t proto, uint16_t port, const char **rid)
{
	uint8_t a[16], b[16];
	struct flow_tuple t;
	int rule, v;

	unit_addr(ini, a);
	unit_addr(resp, b);
	t.family = strchr(ini, ':') ? 6 : 4;
	t.proto = proto;
	t.ini_addr = a;
	t.resp_addr = b;
	t.ini_port = 50123;
	t.resp_port = port;
	v = policy_classify(pol, &t, &rule);
	*rid = rule == RULE_NONE ? "-" : rs.rules[rule].id;
	return v;
}

#define TCP IPPROTO_NUM_TCP
#define UDP IPPROTO_NUM_UDP
#define EXPECT(ini, resp, proto, port, verdict, rule) do {		\
	const char *rid_;						\
	CU_ASSERT_EQUAL(judge(ini, resp, proto, port, &rid_), verdict);	\
	CU_ASSERT_STRING_EQUAL(rid_, rule);				\
} while (0)

static void
test_front_end(void)
{
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 5061, VERDICT_EXPECTED, "T1R3");
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 443, VERDICT_EXPECTED, "T1R19");	/* T1R12 is outbound */
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 22, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.10.5", "198.18.1.11", UDP, 5061, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 57501, VERDICT_EXPECTED, "T1R10");
	EXPECT("198.18.10.5", "198.18.1.11", UDP, 65535, VERDICT_EXPECTED, "T1R10");
	/* implied: all servers answer SQL Browser; all internal servers the audio range */
	EXPECT("198.18.1.12", "198.18.1.11", UDP, 1434, VERDICT_EXPECTED, "T1R1");
	EXPECT("198.18.1.12", "198.18.3.11", UDP, 1434, VERDICT_EXPECTED, "T1R1");
	EXPECT("198.18.10.5", "198.18.3.11", UDP, 49152, VERDICT_EXPECTED, "T1R39");
	/* the CMS holder (fe1) pushes to 445 on every server (T1R37 is out:
	 * the seed read it as the holder listening, the English says it pushes) */
	EXPECT("198.18.1.11", "198.18.1.12", TCP, 445, VERDICT_EXPECTED, "T1R37");
	EXPECT("198.18.1.11", "198.18.3.11", TCP, 445, VERDICT_EXPECTED, "T1R37");
	EXPECT("198.18.1.12", "198.18.1.11", TCP, 445, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 445, VERDICT_UNEXPECTED, "-");	/* a client's SMB */
	/* ... but not to Office Web Apps Server, a separate product: no
	 * implied rows there either */
	EXPECT("198.18.1.11", "198.18.5.11", TCP, 445, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.1.12", "198.18.5.11", UDP, 1434, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.1.12", "198.18.5.11", UDP, 49152, VERDICT_UNEXPECTED, "-");
	/* IPv6 front end */
	EXPECT("2001:db8:10::5", "2001:db8:1::11", TCP, 5061, VERDICT_EXPECTED, "T1R3");
	EXPECT("2001:db8:10::5", "2001:db8:1::11", TCP, 23, VERDICT_UNEXPECTED, "-");
}

static void
test_peers(void)
{
	/* 5067 on a collocated FE: only from the PSTN gateway */
	EXPECT("198.18.6.1", "198.18.1.11", TCP, 5067, VERDICT_EXPECTED, "T1R23");
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 5067, VERDICT_UNEXPECTED, "-");
	/* Mediation 5070 from a front end, 5068 from the gateway */
	EXPECT("198.18.1.11", "198.18.3.11", TCP, 5070, VERDICT_EXPECTED, "T1R46");
	EXPECT("198.18.10.5", "198.18.3.11", TCP, 5070, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.6.1", "198.18.3.11", TCP, 5068, VERDICT_EXPECTED, "T1R48");
	/* 4443 from the reverse proxy */
	EXPECT("198.18.8.1", "198.18.1.11", TCP, 4443, VERDICT_EXPECTED, "T1R14");
	EXPECT("198.18.10.5", "198.18.1.11", TCP, 4443, VERDICT_UNEXPECTED, "-");
}

static void
test_outbound(void)
{
	/* FE to the web farm, collocated Mediation to the gateway */
	EXPECT("198.18.1.11", "198.18.7.1", TCP, 80, VERDICT_EXPECTED, "T1R11");
	EXPECT("198.18.1.11", "198.18.6.1", TCP, 5081, VERDICT_EXPECTED, "T1R25");
	EXPECT("198.18.1.11", "198.18.6.1", TCP, 5082, VERDICT_EXPECTED, "T1R26");
	/* a server reaching out where no row allows: unexpected, even to an unknown host */
	EXPECT("198.18.1.11", "198.18.99.1", TCP, 25, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.1.11", "198.18.6.1", TCP, 22, VERDICT_UNEXPECTED, "-");
	/* clients reaching out */
	EXPECT("198.18.10.5", "198.18.99.1", UDP, 3478, VERDICT_EXPECTED, "T4R5");
	EXPECT("198.18.10.5", "198.18.99.1", TCP, 443, VERDICT_EXPECTED, "T4R2");
	EXPECT("198.18.11.7", "198.18.99.1", UDP, 67, VERDICT_EXPECTED, "T4R12");
	/* client to a host outside the inventory on another port: not ours to judge */
	EXPECT("198.18.10.5", "198.18.99.1", TCP, 8443, VERDICT_UNMONITORED, "-");
	EXPECT("198.18.99.2", "198.18.99.1", TCP, 5061, VERDICT_UNMONITORED, "-");
	EXPECT("198.18.6.1", "198.18.7.1", TCP, 22, VERDICT_UNMONITORED, "-");
}

static void
test_vips_and_clients(void)
{
	/* hardware-only pool VIP: table 2, including 5070 for the collocated pool */
	EXPECT("198.18.10.5", "198.18.1.10", TCP, 5061, VERDICT_EXPECTED, "T2R1");
	EXPECT("198.18.1.12", "198.18.1.10", TCP, 5070, VERDICT_EXPECTED, "T2R16");
	EXPECT("198.18.10.5", "198.18.1.10", TCP, 5062, VERDICT_UNEXPECTED, "-");
	/* DNS-balanced director pool VIP: table 3 only */
	EXPECT("198.18.10.5", "198.18.2.10", TCP, 443, VERDICT_EXPECTED, "T3R5");
	EXPECT("198.18.10.5", "198.18.2.10", TCP, 5061, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.10.5", "198.18.2.11", TCP, 5061, VERDICT_EXPECTED, "T1R45");
	/* between clients: file transfer and the site's media range only */
	EXPECT("198.18.10.5", "198.18.10.6", TCP, 6891, VERDICT_EXPECTED, "T4R7");
	EXPECT("198.18.10.5", "198.18.10.6", UDP, 50010, VERDICT_EXPECTED, "T4R8");
	EXPECT("198.18.10.5", "198.18.10.6", UDP, 51000, VERDICT_UNEXPECTED, "-");
	EXPECT("198.18.10.5", "198.18.10.6", TCP, 443, VERDICT_UNEXPECTED, "-");
	/* OWA */
	EXPECT("198.18.10.5", "198.18.5.11", TCP, 443, VERDICT_EXPECTED, "T1R40");
}

static void
test_roles_and_listens(void)
{
	uint8_t a[16];
	int h;
	uint64_t r;
	char buf[256];

	unit_addr("198.18.1.11", a);
	r = policy_roles(pol, a, &h);
	CU_ASSERT_TRUE_FATAL(h >= 0);
	CU_ASSERT_STRING_EQUAL(inv.hosts[h].name, "fe1");
	rules_format_roles(&rs, r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "front-end-cms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "front-end-mediation"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "all-servers"));
	unit_addr("198.18.1.10", a);
	r = policy_roles(pol, a, &h);
	CU_ASSERT_EQUAL(r & (1ULL << rules_find_role(&rs, "all-servers")), 0);	/* a VIP is not a server */
	CU_ASSERT_NOT_EQUAL(r & (1ULL << rules_find_role(&rs, "fe-mediation-vip-hlb")), 0);
	unit_addr("198.18.10.200", a);
	r = policy_roles(pol, a, &h);
	CU_ASSERT_STRING_EQUAL(inv.hosts[h].name, "clients");
	unit_addr("198.18.99.1", a);
	CU_ASSERT_EQUAL(policy_roles(pol, a, &h), 0);
	CU_ASSERT_EQUAL(h, -1);

	unit_addr("198.18.1.11", a);
	CU_ASSERT_EQUAL(policy_listens(pol, a, TCP, 5061), 1);
	CU_ASSERT_EQUAL(policy_listens(pol, a, TCP, 22), 0);
	CU_ASSERT_EQUAL(policy_listens(pol, a, IPPROTO_NUM_ICMP, 0), 0);
	CU_ASSERT_STRING_EQUAL(verdict_name(VERDICT_UNMONITORED), "unmonitored");
}

/*
 * The address lookup probes, for a v4-mapped address, only the prefix
 * lengths whose entries can cover one (and the others for the rest): an
 * IPv6 prefix that covers v4-mapped addresses (::/0, ::ffff:0:0/96) must
 * still apply to IPv4 addresses, and IPv4 entries never to IPv6 ones.
 */
static void
test_prefix_families(void)
{
	static const char text[] =
	    "network all ::/0 role client\n"
	    "network mapped ::ffff:198.18.0.0/112 role device\n"
	    "network v6 2001:db8::/32 role reverse-proxy\n"
	    "host med1 198.18.3.11 role mediation\n";
	struct inventory inv2;
	struct policy *pol2;
	struct diag d;
	char path[512];
	uint8_t a[16];
	uint64_t r;
	int h, client = rules_find_role(&rs, "client"), device = rules_find_role(&rs, "device");
	int med = rules_find_role(&rs, "mediation"), rp = rules_find_role(&rs, "reverse-proxy");
	FILE *f;

	CU_ASSERT_FATAL(client >= 0 && device >= 0 && med >= 0 && rp >= 0);
	diag_init(&d, stderr);
	inventory_init(&inv2);
	snprintf(path, sizeof(path), "%s/policy-families.conf", unit_tmpdir());
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(inventory_load(&inv2, path, &rs, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pol2 = policy_compile(&rs, &inv2));

	unit_addr("198.18.3.11", a);		/* host, ::ffff:198.18.0.0/112 and ::/0 */
	r = policy_roles(pol2, a, &h);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << med), 0);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << device), 0);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << client), 0);
	CU_ASSERT_EQUAL(r & (1ULL << rp), 0);
	CU_ASSERT_STRING_EQUAL(inv2.hosts[h].name, "med1");
	unit_addr("10.1.2.3", a);		/* only ::/0 */
	r = policy_roles(pol2, a, &h);
	CU_ASSERT_EQUAL(r & ((1ULL << med) | (1ULL << device) | (1ULL << rp)), 0);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << client), 0);
	unit_addr("2001:db8::1", a);		/* 2001:db8::/32 and ::/0 */
	r = policy_roles(pol2, a, &h);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << rp), 0);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << client), 0);
	CU_ASSERT_EQUAL(r & ((1ULL << med) | (1ULL << device)), 0);
	unit_addr("::c612:30b", a);		/* 198.18.3.11's bits, not v4-mapped: only ::/0 */
	r = policy_roles(pol2, a, &h);
	CU_ASSERT_EQUAL(r & ((1ULL << med) | (1ULL << device) | (1ULL << rp)), 0);
	CU_ASSERT_NOT_EQUAL(r & (1ULL << client), 0);
	policy_free(pol2);
	inventory_free(&inv2);
}

static void
test_non_tcp_udp(void)
{
	uint8_t a[16], b[16];
	struct flow_tuple t;
	int rule;

	unit_addr("198.18.10.5", a);
	unit_addr("198.18.1.11", b);
	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.proto = IPPROTO_NUM_ICMP;
	t.ini_addr = a;
	t.resp_addr = b;
	CU_ASSERT_EQUAL(policy_classify(pol, &t, &rule), VERDICT_UNMONITORED);
	CU_ASSERT_EQUAL(rule, RULE_NONE);
}

/* ---- packs: monitored roles, no-implied, disabled rules, features ---- */

static struct ruleset prs;
static struct inventory pinv, pinv2;
static struct policy *ppol, *ppol2;

/* pack.rules + policy-site.rules; a site with an Edge (external-access
 * derived from its role), a SQL back end, a jump host, no PSTN gateway.
 * pinv2: the same without the Edge but `deploy pstn`. */
static int
pack_setup(void)
{
	static const char site1[] =
	    "host fe1 198.18.1.11 role front-end\n"
	    "host edge1 198.18.9.11 role edge-internal\n"
	    "host sql1 198.18.5.21 role sql-backend\n"
	    "network clients 198.18.10.0/24 role client\n"
	    "peer jump1 198.18.20.5 role jump-host\n";
	static const char site2[] =
	    "deploy pstn\n"
	    "host fe1 198.18.1.11 role front-end\n";
	struct diag d;
	char path[512];

	diag_init(&d, stderr);
	rules_init(&prs);
	inventory_init(&pinv);
	inventory_init(&pinv2);
	if (rules_load(&prs, unit_srcpath("tests/rules/pack.rules"), &d) == -1 ||
	    rules_load_site(&prs, unit_srcpath("tests/rules/policy-site.rules"), &d) == -1 ||
	    rules_validate(&prs, &d) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/policy-pack1.conf", unit_tmpdir());
	if (unit_spit(path, site1) == -1 || inventory_load(&pinv, path, &prs, &d) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/policy-pack2.conf", unit_tmpdir());
	if (unit_spit(path, site2) == -1 || inventory_load(&pinv2, path, &prs, &d) == -1)
		return -1;
	ppol = policy_compile(&prs, &pinv);
	ppol2 = policy_compile(&prs, &pinv2);
	return ppol == NULL || ppol2 == NULL ? -1 : 0;
}

static int
pack_teardown(void)
{
	policy_free(ppol);
	policy_free(ppol2);
	inventory_free(&pinv);
	inventory_free(&pinv2);
	rules_free(&prs);
	return 0;
}

static int
pjudge(const char *ini, const char *resp, uint8_t proto, uint16_t port, const char **rid)
{
	uint8_t a[16], b[16];
	struct flow_tuple t;
	int rule, v;

	unit_addr(ini, a);
	unit_addr(resp, b);
	memset(&t, 0, sizeof(t));
	t.family = 4;
	t.proto = proto;
	t.ini_addr = a;
	t.resp_addr = b;
	t.ini_port = 50123;
	t.resp_port = port;
	v = policy_classify(ppol, &t, &rule);
	*rid = rule == RULE_NONE ? "-" : prs.rules[rule].id;
	return v;
}

#define PEXPECT(ini, resp, proto, port, verdict, rule) do {		\
	const char *rid_;						\
	CU_ASSERT_EQUAL(pjudge(ini, resp, proto, port, &rid_), verdict);	\
	CU_ASSERT_STRING_EQUAL(rid_, rule);				\
} while (0)

static uint64_t
prole(const char *name)
{
	int r = rules_find_role(&prs, name);

	CU_ASSERT_FATAL(r >= 0);
	return 1ULL << r;
}

static void
test_monitored(void)
{
	uint8_t a[16];
	int h;
	uint64_t roles;

	/* inbound judged: only the Front End reaches 1433 */
	PEXPECT("198.18.1.11", "198.18.5.21", TCP, 1433, VERDICT_EXPECTED, "T2R1");
	PEXPECT("198.18.10.5", "198.18.5.21", TCP, 1433, VERDICT_UNEXPECTED, "-");
	PEXPECT("198.18.10.5", "198.18.5.21", TCP, 25, VERDICT_UNEXPECTED, "-");
	/* no implied roles: SQL Browser (all-servers) is not its row */
	PEXPECT("198.18.1.11", "198.18.5.21", UDP, 1434, VERDICT_UNEXPECTED, "-");
	PEXPECT("198.18.1.11", "198.18.1.11", UDP, 1434, VERDICT_EXPECTED, "T1R1");
	/* nor a site rule written for all servers */
	PEXPECT("198.18.20.5", "198.18.5.21", TCP, 3389, VERDICT_UNEXPECTED, "-");
	PEXPECT("198.18.20.5", "198.18.1.11", TCP, 3389, VERDICT_EXPECTED, "SITE-RDP");
	/* its own outbound traffic is not judged */
	PEXPECT("198.18.5.21", "198.19.99.1", TCP, 25, VERDICT_UNMONITORED, "-");
	PEXPECT("198.18.1.11", "198.19.99.1", TCP, 25, VERDICT_UNEXPECTED, "-");
	unit_addr("198.18.5.21", a);
	roles = policy_roles(ppol, a, &h);
	CU_ASSERT_EQUAL(roles, prole("sql-backend"));
}

static void
test_no_implied(void)
{
	uint8_t a[16];
	int h;

	unit_addr("198.18.9.11", a);
	CU_ASSERT_EQUAL(policy_roles(ppol, a, &h), prole("edge-internal") | prole("all-servers"));
	unit_addr("198.18.1.11", a);
	CU_ASSERT_EQUAL(policy_roles(ppol, a, &h),
	    prole("front-end") | prole("all-servers") | prole("all-internal-servers"));
	PEXPECT("198.18.1.11", "198.18.9.11", UDP, 1434, VERDICT_EXPECTED, "T1R1");
}

static void
test_disabled_and_features(void)
{
	const struct rule *r;

	/* disabled by the site: 5061 on the Front End is no row any more */
	PEXPECT("198.18.10.5", "198.18.1.11", TCP, 5061, VERDICT_UNEXPECTED, "-");
	r = rules_find(&prs, "T1R2");
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FALSE(policy_rule_required(ppol, (int)(r - prs.rules)));
	/* features scope what is required, never what is allowed */
	r = rules_find(&prs, "T1R3");	/* feature pstn: no gateway here */
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FALSE(policy_rule_required(ppol, (int)(r - prs.rules)));
	CU_ASSERT(policy_rule_required(ppol2, (int)(r - prs.rules)));	/* deploy pstn */
	r = rules_find(&prs, "T2R2");	/* external-access (the Edge's role) or pstn */
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(policy_rule_required(ppol, (int)(r - prs.rules)));
	CU_ASSERT(policy_rule_required(ppol2, (int)(r - prs.rules)));
	r = rules_find(&prs, "T2R1");	/* no feature */
	CU_ASSERT(policy_rule_required(ppol, (int)(r - prs.rules)));
	CU_ASSERT_EQUAL(pinv.deployed, 2u);	/* external-access, through edge1 */
	CU_ASSERT_EQUAL(pinv.deploy_host[1], 1);
	CU_ASSERT_EQUAL(pinv.deploy_host[0], -1);
	CU_ASSERT_EQUAL(pinv2.deployed, 1u);	/* pstn, declared */
	CU_ASSERT_EQUAL(pinv2.deploy_line[0], 1);
	CU_ASSERT_EQUAL(policy_rule_same(ppol, 0), 0);
}

/* Coverage: an out rule naming no peer is proven by a flow to a Lync role. */
static void
test_allowed_for_coverage(void)
{
	int out[8], n, v, rule;
	unsigned apps;
	uint64_t cli = prole("client"), edge = prole("edge-internal") | prole("all-servers");

	/* client -> Edge internal 3478/udp: no `in` rule; T2R2 (client out,
	 * no peer) does not make it expected, since the Edge is a Lync role */
	v = policy_judge_roles(ppol, edge, cli, UDP, 3478, &rule, &apps);
	CU_ASSERT_EQUAL(v, VERDICT_UNEXPECTED);
	/* client -> Edge 5061: expected by T2R3; coverage also credits ... */
	v = policy_judge_roles(ppol, edge, cli, TCP, 5061, &rule, &apps);
	CU_ASSERT_EQUAL(v, VERDICT_EXPECTED);
	n = policy_allowed_rules_roles(ppol, edge, cli, TCP, 5061, out, 8);
	CU_ASSERT_EQUAL(n, 1);
	/* ... and a client's 3478 to an outside host is T2R2's own */
	n = policy_allowed_rules_roles(ppol, 0, cli, UDP, 3478, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(prs.rules[out[0]].id, "T2R2");
	/* the client's out rule is credited by a flow to a Lync role too */
	n = policy_allowed_rules_roles(ppol, edge, cli, UDP, 3478, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(prs.rules[out[0]].id, "T2R2");
}

void
test_policy_register(void)
{
	CU_pSuite s = CU_add_suite("policy", policy_setup, policy_teardown);

	CU_add_test(s, "front end rows, implied roles, CMS, IPv6", test_front_end);
	CU_add_test(s, "peers named by the seed are enforced", test_peers);
	CU_add_test(s, "outbound rows and the unexpected/unmonitored split", test_outbound);
	CU_add_test(s, "pool VIPs by load balancing mode; clients", test_vips_and_clients);
	CU_add_test(s, "roles of an address; listening ports", test_roles_and_listens);
	CU_add_test(s, "ICMP is unmonitored", test_non_tcp_udp);
	CU_add_test(s, "prefixes probed per address family", test_prefix_families);

	s = CU_add_suite("policy-packs", pack_setup, pack_teardown);
	CU_add_test(s, "monitored roles: inbound judged, no implied roles", test_monitored);
	CU_add_test(s, "no-implied", test_no_implied);
	CU_add_test(s, "disabled rules; features scope what is required", test_disabled_and_features);
	CU_add_test(s, "coverage credits out rules reaching Lync roles", test_allowed_for_coverage);
}
