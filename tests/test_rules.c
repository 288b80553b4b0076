/*
 * test_rules.c - the rules parser (src/policy/rules.c) and the shipped Lync
 * Server 2013 rules (rules/lync2013.rules): exact fields of sample rules,
 * the golden canonical form, print -> parse -> print stability, and every
 * error message, byte for byte, against tests/rules/bad-*.expected.
 *
 * Diagnostics name the file by the path passed to rules_load(); the tests
 * pass absolute source-tree paths and strip the "<srcdir>/tests/rules/"
 * prefix everywhere in the captured output before comparing, so the
 * .expected files hold bare file names (see tests/rules/README).
 *
 * `make update-golden` (CONFORMD_UPDATE_GOLDEN=1) makes the golden tests
 * write the actual outputs over the expected files (for review with a
 * diff) instead of comparing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "conformd/diag.h"
#include "conformd/rules.h"
#include "unit.h"

#define SHIPPED		"rules/lync2013.rules"
#define RULES_DIR	"tests/rules"
#define NBAD_FILES	36	/* tests/rules/bad-*.rules: a deleted file must fail */

/* An assertion whose failure message names the case (a file, a rule). */
#define CHECK_MSG(cond, what) \
	CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, __LINE__, (what), \
	    __FILE__, "", CU_FALSE)

/* ---- helpers ---- */

static int count_lines(const char *s);

/* The canonical print of rs as a malloc'd string. */
static char *
print_str(const struct ruleset *rs)
{
	struct unit_mem m;

	rules_print(rs, unit_mem_open(&m), RULES_PRINT_ALL);
	return unit_mem_close(&m);
}

/*
 * Load `path` into a fresh set; diagnostics go to *errs (malloc'd).
 * Returns rules_load()'s result.
 */
static int
load_capture(struct ruleset *rs, const char *path, char **errs, int *nerrors,
    int validate)
{
	struct unit_mem m;
	struct diag d;
	int rv;

	*errs = NULL;
	diag_init(&d, unit_mem_open(&m));
	rules_init(rs);
	rv = rules_load(rs, path, &d);
	if (validate && rv == 0 && rules_validate(rs, &d) != 0)
		rv = -2;
	*errs = unit_mem_close(&m);
	*nerrors = d.nerrors;
	return rv;
}

/* ---- the shipped file ---- */

static struct ruleset shipped;
static int shipped_loaded;

static const struct ruleset *
get_shipped(void)
{
	if (!shipped_loaded) {
		char *errs;
		int n;

		load_capture(&shipped, unit_srcpath(SHIPPED), &errs, &n, 1);
		if (n != 0)
			fprintf(stderr, "\n%s", errs);
		free(errs);
		shipped_loaded = 1;
	}
	return &shipped;
}

static int
suite_cleanup(void)
{
	if (shipped_loaded)
		rules_free(&shipped);
	shipped_loaded = 0;
	return 0;
}

static void
test_shipped_parses(void)
{
	struct ruleset rs;
	char *errs;
	int n, per_table[5] = { 0 };

	CU_ASSERT_EQUAL(load_capture(&rs, unit_srcpath(SHIPPED), &errs, &n, 1), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	free(errs);
	CU_ASSERT_EQUAL(rs.nrules, 90);
	CU_ASSERT_EQUAL(rs.nroles, 23);	/* file-share: the sfb packs' row needs it too */
	CU_ASSERT_EQUAL(rs.npooltypes, 5);
	CU_ASSERT_EQUAL(rs.nfiles, 1);
	for (int i = 0; i < rs.nrules; i++) {
		const struct rule *r = &rs.rules[i];
		char id[32];

		/* the id is the seed position, and rules come in seed order */
		snprintf(id, sizeof(id), "T%dR%d", r->table, r->row);
		CHECK_MSG(strcmp(id, r->id) == 0, r->id);
		CHECK_MSG(r->service != NULL, r->id);
		if (i > 0) {
			const struct rule *p = &rs.rules[i - 1];
			CHECK_MSG(p->table < r->table ||
			    (p->table == r->table && p->row < r->row), r->id);
		}
		CU_ASSERT_FATAL(r->table >= 1 && r->table <= 4);
		per_table[r->table]++;
	}
	CU_ASSERT_EQUAL(per_table[1], 52);
	CU_ASSERT_EQUAL(per_table[2], 20);
	CU_ASSERT_EQUAL(per_table[3], 6);	/* row 6 is empty in the seed */
	CU_ASSERT_EQUAL(per_table[4], 12);
	CU_ASSERT_PTR_NULL(rules_find(&rs, "T3R6"));
	CU_ASSERT_PTR_NOT_NULL(rules_find(&rs, "T3R7"));
	rules_free(&rs);
	CU_ASSERT_EQUAL(rs.nrules, 0);
	CU_ASSERT_PTR_NULL(rs.rules);
}

static void
test_shipped_roles(void)
{
	const struct ruleset *rs = get_shipped();
	static const struct {
		const char *name;
		int kind, implied;
	} want[] = {
		{ "front-end", ROLE_SERVER, 0 },
		{ "front-end-mediation", ROLE_SERVER, 0 },
		{ "front-end-cms", ROLE_SERVER, 0 },
		{ "director", ROLE_SERVER, 0 },
		{ "mediation", ROLE_SERVER, 0 },
		{ "persistent-chat", ROLE_SERVER, 0 },
		{ "office-web-apps", ROLE_MONITORED, 0 },	/* a separate product */
		{ "file-share", ROLE_MONITORED, 0 },
		{ "all-servers", ROLE_SERVER, 1 },
		{ "all-internal-servers", ROLE_SERVER, 1 },
		{ "fe-vip-hlb", ROLE_VIP, 0 },
		{ "fe-mediation-vip-hlb", ROLE_VIP, 0 },
		{ "mediation-vip-hlb", ROLE_VIP, 0 },
		{ "director-vip-hlb", ROLE_VIP, 0 },
		{ "fe-vip-dns", ROLE_VIP, 0 },
		{ "director-vip-dns", ROLE_VIP, 0 },
		{ "client", ROLE_CLIENT, 0 },
		{ "device", ROLE_CLIENT, 0 },
		{ "pstn-gateway", ROLE_PEER, 0 },
		{ "e911-gateway", ROLE_PEER, 0 },
		{ "reverse-proxy", ROLE_PEER, 0 },
		{ "pbx", ROLE_PEER, 0 },
		{ "web-farm", ROLE_PEER, 0 },
	};
	const struct pool_type *pt;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int r = rules_find_role(rs, want[i].name);
		CHECK_MSG(r >= 0, want[i].name);
		if (r < 0)
			continue;
		CHECK_MSG(rs->roles[r].kind == want[i].kind, want[i].name);
		CHECK_MSG(rs->roles[r].implied == want[i].implied, want[i].name);
	}
	CU_ASSERT_EQUAL(rules_find_role(rs, "edge"), -1);

	pt = rules_find_pooltype(rs, "front-end");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pt);
	CU_ASSERT_EQUAL(pt->member, rules_find_role(rs, "front-end"));
	CU_ASSERT_EQUAL(pt->vip_hardware, rules_find_role(rs, "fe-vip-hlb"));
	CU_ASSERT_EQUAL(pt->vip_dns, rules_find_role(rs, "fe-vip-dns"));
	CU_ASSERT_EQUAL(pt->collocated, rules_find_role(rs, "front-end-mediation"));
	CU_ASSERT_EQUAL(pt->collocated_vip_hw, rules_find_role(rs, "fe-mediation-vip-hlb"));
	CU_ASSERT_EQUAL(pt->cms, rules_find_role(rs, "front-end-cms"));
	pt = rules_find_pooltype(rs, "director");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pt);
	CU_ASSERT_EQUAL(pt->member, rules_find_role(rs, "director"));
	CU_ASSERT_EQUAL(pt->vip_hardware, rules_find_role(rs, "director-vip-hlb"));
	CU_ASSERT_EQUAL(pt->vip_dns, rules_find_role(rs, "director-vip-dns"));
	CU_ASSERT_EQUAL(pt->collocated, -1);
	CU_ASSERT_EQUAL(pt->cms, -1);
	pt = rules_find_pooltype(rs, "mediation");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pt);
	CU_ASSERT_EQUAL(pt->vip_hardware, rules_find_role(rs, "mediation-vip-hlb"));
	CU_ASSERT_EQUAL(pt->vip_dns, -1);
	pt = rules_find_pooltype(rs, "persistent-chat");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pt);
	CU_ASSERT_EQUAL(pt->member, rules_find_role(rs, "persistent-chat"));
	CU_ASSERT_EQUAL(pt->vip_hardware, -1);
	CU_ASSERT_PTR_NOT_NULL(rules_find_pooltype(rs, "office-web-apps"));
	CU_ASSERT_PTR_NULL(rules_find_pooltype(rs, "edge"));
}

/* One expected rule, every field as text (formatted by the module). */
struct spot {
	const char	*id;
	const char	*role;
	const char	*dir;
	const char	*proto;
	const char	*ports;
	const char	*apps;
	const char	*peers;
	int		 optional, reqresp;
	const char	*service;
};

static const struct spot spots[] = {
	{ "T1R1", "all-servers", "in", "udp", "1434", "sql", "-", 0, 1, "SQL Browser" },
	{ "T1R2", "front-end", "in", "tcp", "5060", "sip", "-", 1, 0, "Lync Server Front-End service" },
	{ "T1R3", "front-end", "in", "tcp", "5061", "tls,mtls", "-", 0, 0, "Lync Server Front-End service" },
	{ "T1R4", "front-end", "in", "tcp", "444", "https", "-", 0, 0, NULL },
	{ "T1R5", "front-end", "in", "tcp", "135", "dcom", "-", 0, 0, NULL },
	{ "T1R10", "front-end", "in", "tcp/udp", "57501-65535", "-", "-", 0, 0, NULL },
	{ "T1R11", "front-end", "out", "tcp", "80", "http", "web-farm", 1, 0, NULL },	/* "when HTTPS is not used" */
	{ "T1R14", "front-end", "in", "tcp", "4443", "https", "front-end,reverse-proxy", 0, 0, "Web Server component" },
	{ "T1R22", "front-end-mediation", "in", "tcp", "5070", "sip", "front-end", 0, 0, "Lync Server Mediation service" },
	{ "T1R26", "front-end-mediation", "out", "tcp", "5082", "tls", "pstn-gateway", 0, 0, NULL },
	{ "T1R28", "front-end", "in", "tcp", "49152-65535", "-", "-", 0, 0, NULL },
	{ "T1R32", "front-end", "out", "tcp", "5066", "sip", "e911-gateway", 0, 0, NULL },
	{ "T1R37", "front-end-cms", "out", "tcp", "445", "-", "all-servers", 0, 0, NULL },	/* pushed to the servers */
	{ "T1R38", "all-servers", "in", "udp", "1434", "sql", "-", 0, 1, NULL },
	{ "T1R39", "all-internal-servers", "in", "tcp/udp", "49152-57500", "-", "-", 0, 0, "Various" },
	{ "T1R40", "office-web-apps", "in", "tcp", "443", "https", "-", 0, 0, NULL },
	{ "T1R41", "director", "in", "tcp", "5060", "sip", "-", 1, 0, NULL },
	{ "T1R43", "director", "out", "tcp", "80", "http", "web-farm", 0, 0, NULL },
	{ "T1R45", "director", "in", "tcp", "5061", "tls,mtls", "-", 0, 0, NULL },
	{ "T1R48", "mediation", "in", "tcp", "5068", "sip", "pstn-gateway", 0, 0, NULL },
	{ "T1R49", "mediation", "in", "tcp", "5070", "mtls", "front-end", 0, 0, NULL },
	{ "T1R51", "persistent-chat", "in", "tcp", "881", "tls,mtls", "-", 0, 0, NULL },
	{ "T2R3", "fe-vip-hlb", "in", "tcp", "135", "dcom", "-", 0, 0, "Front End Server load balancer" },
	{ "T2R5", "fe-vip-hlb", "in", "tcp", "8080", "http", "-", 0, 0, NULL },
	{ "T2R15", "mediation-vip-hlb", "in", "tcp", "5070", "sip", "-", 0, 0, NULL },
	{ "T2R16", "fe-mediation-vip-hlb", "in", "tcp", "5070", "sip", "-", 0, 0, NULL },
	{ "T2R19", "director-vip-hlb", "in", "tcp", "5061", "tls,mtls", "-", 0, 0, NULL },
	{ "T3R3", "fe-vip-dns", "in", "tcp", "8080", "http", "-", 0, 0, NULL },
	{ "T3R7", "director-vip-dns", "in", "tcp", "4443", "https", "-", 0, 0, NULL },
	{ "T4R1", "client", "out", "udp", "67", "dhcp", "-", 1, 1, NULL },	/* only if DNS SRV fails */
	{ "T4R3", "client", "out", "tcp", "443", "tls,psom", "-", 0, 0, NULL },
	{ "T4R5", "client", "out", "udp", "3478", "stun", "-", 0, 1, NULL },
	{ "T4R6", "client", "out", "tcp", "5061", "mtls", "-", 0, 0, NULL },
	{ "T4R7", "client", "in", "tcp", "6891-6901", "-", "client", 0, 0, NULL },
	{ "T4R8", "client", "in", "tcp/udp", "client-media", "-", "-", 0, 0, "Audio media" },
	{ "T4R11", "client", "in", "tcp", "client-media", "-", "-", 0, 0, NULL },
	{ "T4R12", "device", "out", "udp", "67", "dhcp", "-", 0, 1, NULL },
};

static void
test_shipped_spot_checks(void)
{
	const struct ruleset *rs = get_shipped();

	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		const struct spot *s = &spots[i];
		const struct rule *r = rules_find(rs, s->id);
		char buf[256];

		CHECK_MSG(r != NULL, s->id);
		if (r == NULL)
			continue;
		CHECK_MSG(strcmp(rs->roles[r->role].name, s->role) == 0, s->id);
		CHECK_MSG(strcmp(rules_dir_name(r->dir), s->dir) == 0, s->id);
		CHECK_MSG(strcmp(rules_proto_name(r->protos), s->proto) == 0, s->id);
		rules_format_ports(r, buf, sizeof(buf));
		CHECK_MSG(strcmp(buf, s->ports) == 0, s->id);
		rules_format_apps(r->apps, buf, sizeof(buf));
		CHECK_MSG(strcmp(buf, s->apps) == 0, s->id);
		rules_format_roles(rs, r->peers, buf, sizeof(buf));
		CHECK_MSG(strcmp(buf, s->peers) == 0, s->id);
		CHECK_MSG(r->optional == s->optional, s->id);
		CHECK_MSG(r->reqresp == s->reqresp, s->id);
		if (s->service != NULL)
			CHECK_MSG(r->service != NULL && strcmp(r->service, s->service) == 0, s->id);
	}

	/* raw fields of a few, beyond the formatted text */
	{
		const struct rule *r = rules_find(rs, "T1R10");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->nports, 1);
		CU_ASSERT_EQUAL(r->ports[0].lo, 57501);
		CU_ASSERT_EQUAL(r->ports[0].hi, 65535);
		CU_ASSERT_EQUAL(r->protos, RULE_TCP | RULE_UDP);
		CU_ASSERT_EQUAL(r->client_media, 0);
		CU_ASSERT_EQUAL(r->dir, RULE_IN);
		CU_ASSERT_EQUAL(r->table, 1);
		CU_ASSERT_EQUAL(r->row, 10);

		r = rules_find(rs, "T4R9");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->client_media, 1);
		CU_ASSERT_EQUAL(r->nports, 0);
		CU_ASSERT_EQUAL(r->peers, 0);

		r = rules_find(rs, "T1R14");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->peers,
		    ((uint64_t)1 << rules_find_role(rs, "front-end")) |
		    ((uint64_t)1 << rules_find_role(rs, "reverse-proxy")));
		CU_ASSERT_EQUAL(r->apps, APP_HTTPS);

		r = rules_find(rs, "T1R3");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->apps, APP_TLS | APP_MTLS);
		CU_ASSERT_PTR_NOT_NULL(r->note);
		CU_ASSERT_PTR_NOT_NULL(strstr(r->file, "lync2013.rules"));

		r = rules_find(rs, "T4R12");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->ports[0].lo, 67);	/* clients send to 67, servers answer to 68 */
		CU_ASSERT_EQUAL(r->ports[0].hi, 67);
		CU_ASSERT_EQUAL(r->reqresp, 1);
		CU_ASSERT_EQUAL(r->dir, RULE_OUT);
		CU_ASSERT_EQUAL(r->protos, RULE_UDP);
		CU_ASSERT_EQUAL(r->apps, APP_DHCP);
	}

	/* exactly the decided rows are outbound, optional, reqresp */
	{
		char out[512] = "", opt[128] = "", rr[128] = "";

		for (int i = 0; i < rs->nrules; i++) {
			const struct rule *r = &rs->rules[i];
			if (r->dir == RULE_OUT) {
				strcat(out, r->id);
				strcat(out, " ");
			}
			if (r->optional) {
				strcat(opt, r->id);
				strcat(opt, " ");
			}
			if (r->reqresp) {
				strcat(rr, r->id);
				strcat(rr, " ");
			}
		}
		CU_ASSERT_STRING_EQUAL(out, "T1R11 T1R12 T1R25 T1R26 T1R32 T1R37 T1R43 T1R44 "
		    "T4R1 T4R2 T4R3 T4R4 T4R5 T4R6 T4R12 ");
		CU_ASSERT_STRING_EQUAL(opt, "T1R2 T1R11 T1R41 T4R1 ");
		CU_ASSERT_STRING_EQUAL(rr, "T1R1 T1R38 T4R1 T4R5 T4R12 ");
	}

	/* every rule cites the English original, table and row; the rows of
	 * features a site may not deploy say which */
	{
		char feat[1024] = "", buf[128];

		for (int i = 0; i < rs->nrules; i++) {
			const struct rule *r = &rs->rules[i];

			CHECK_MSG(r->src >= 0 &&
			    strcmp(rs->sources[r->src].name, "ms-lync2013-internal") == 0, r->id);
			snprintf(buf, sizeof(buf), ", table %d, row %d", r->table, r->row);
			CHECK_MSG(strlen(r->cite) > strlen(buf) &&
			    strcmp(r->cite + strlen(r->cite) - strlen(buf), buf) == 0, r->id);
			if (r->features) {
				rules_format_features(rs, r->features, buf, sizeof(buf));
				strcat(feat, r->id);
				strcat(feat, ":");
				strcat(feat, buf);
				strcat(feat, " ");
			}
		}
		CU_ASSERT_STRING_EQUAL(feat, "T1R11:web-farm T1R12:web-farm T1R23:pstn T1R24:pstn "
		    "T1R25:pstn T1R26:pstn T1R32:e911 T1R43:web-farm T1R44:web-farm T1R47:pstn "
		    "T1R48:pstn T1R50:persistent-chat T1R51:persistent-chat T1R52:persistent-chat "
		    "T4R2:external-access T4R3:external-access T4R4:external-access "
		    "T4R5:external-access ");
		CU_ASSERT_EQUAL(rs->npacks, 1);
		CU_ASSERT_STRING_EQUAL(rs->packs[0].name, "lync2013");
	}
}

/* ---- canonical form ---- */

static void
test_golden_canonical(void)
{
	char *out = print_str(get_shipped());

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	unit_golden(RULES_DIR "/lync2013.canon", out);
	free(out);
}

/* print -> write -> load -> print gives the same text */
static void
roundtrip(const char *rel)
{
	struct ruleset a, b;
	char path[4096], *errs, *p1, *p2;
	int n;

	CU_ASSERT_EQUAL(load_capture(&a, unit_srcpath(rel), &errs, &n, 0), 0);
	CHECK_MSG(n == 0, rel);
	free(errs);
	p1 = print_str(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p1);
	snprintf(path, sizeof(path), "%s/roundtrip.rules", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(unit_spit(path, p1), 0);
	CU_ASSERT_EQUAL(load_capture(&b, path, &errs, &n, 0), 0);
	CHECK_MSG(n == 0, rel);
	if (n != 0)
		fprintf(stderr, "\n%s", errs);
	free(errs);
	p2 = print_str(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
	CHECK_MSG(strcmp(p1, p2) == 0, rel);
	CU_ASSERT_EQUAL(a.nrules, b.nrules);
	CU_ASSERT_EQUAL(a.nroles, b.nroles);
	CU_ASSERT_EQUAL(a.npooltypes, b.npooltypes);
	CU_ASSERT_EQUAL(a.nsources, b.nsources);
	CU_ASSERT_EQUAL(a.nfeatures, b.nfeatures);
	CU_ASSERT_EQUAL(a.npacks, b.npacks);
	for (int i = 0; i < a.nroles && i < b.nroles; i++)
		CHECK_MSG(a.roles[i].kind == b.roles[i].kind &&
		    a.roles[i].implied == b.roles[i].implied &&
		    a.roles[i].no_implied == b.roles[i].no_implied, a.roles[i].name);
	for (int i = 0; i < a.nfeatures && i < b.nfeatures; i++)
		CHECK_MSG(a.features[i].roles == b.features[i].roles &&
		    strcmp(a.features[i].desc, b.features[i].desc) == 0, a.features[i].name);
	/* and equal sets, field by field */
	for (int i = 0; i < a.nrules && i < b.nrules; i++) {
		const struct rule *x = &a.rules[i], *y = &b.rules[i];
		CHECK_MSG(strcmp(x->id, y->id) == 0 && x->table == y->table &&
		    x->row == y->row && x->role == y->role && x->dir == y->dir &&
		    x->protos == y->protos && x->nports == y->nports &&
		    memcmp(x->ports, y->ports, sizeof(x->ports)) == 0 &&
		    x->client_media == y->client_media && x->apps == y->apps &&
		    x->peers == y->peers && x->optional == y->optional &&
		    x->reqresp == y->reqresp && x->src == y->src &&
		    x->features == y->features && x->site == y->site &&
		    x->disabled == y->disabled &&
		    strcmp(x->cite, y->cite) == 0 &&
		    (x->service == NULL) == (y->service == NULL) &&
		    (x->service == NULL || strcmp(x->service, y->service) == 0) &&
		    (x->note == NULL) == (y->note == NULL) &&
		    (x->note == NULL || strcmp(x->note, y->note) == 0), x->id);
	}
	free(p1);
	free(p2);
	rules_free(&a);
	rules_free(&b);
	remove(path);
}

static void
test_roundtrip(void)
{
	roundtrip(SHIPPED);
	roundtrip(RULES_DIR "/any-order.rules");
	roundtrip(RULES_DIR "/pack.rules");
}

/* ---- packs: sources, features, monitored roles, no-implied ---- */

static void
test_pack(void)
{
	struct ruleset rs;
	const struct rule *r;
	char *errs, *out;
	int n, f;

	CU_ASSERT_EQUAL(load_capture(&rs, unit_srcpath(RULES_DIR "/pack.rules"),
	    &errs, &n, 1), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	free(errs);
	out = print_str(&rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	unit_golden(RULES_DIR "/pack.canon", out);
	free(out);
	CU_ASSERT_EQUAL_FATAL(rs.npacks, 1);
	CU_ASSERT_STRING_EQUAL(rs.packs[0].name, "mini");
	CU_ASSERT_EQUAL_FATAL(rs.nsources, 2);
	CU_ASSERT_STRING_EQUAL(rs.sources[0].url, "https://example.org/a");
	CU_ASSERT_PTR_NULL(rs.sources[1].url);
	CU_ASSERT_EQUAL(rs.roles[rules_find_role(&rs, "sql-backend")].kind, ROLE_MONITORED);
	CU_ASSERT_EQUAL(rs.roles[rules_find_role(&rs, "edge-internal")].no_implied,
	    1ULL << rules_find_role(&rs, "all-internal-servers"));
	/* a feature declared, then given a role; one declared with its role */
	f = rules_find_feature(&rs, "pstn");
	CU_ASSERT_EQUAL_FATAL(f, 0);
	CU_ASSERT_EQUAL(rs.features[f].roles, 1ULL << rules_find_role(&rs, "pstn-gateway"));
	CU_ASSERT_EQUAL(rules_find_feature(&rs, "external-access"), 1);
	CU_ASSERT_EQUAL(rules_find_feature(&rs, "nosuch"), -1);
	r = rules_find(&rs, "T1R3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->src, 0);
	CU_ASSERT_EQUAL(r->features, 1u);
	CU_ASSERT_STRING_EQUAL(r->cite, "Publisher A, Port table A (repository a/b path/a.md "
	    "@ 0123abc), table 1, row 3");
	r = rules_find(&rs, "T2R2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->features, 3u);
	CU_ASSERT_STRING_EQUAL(r->cite, "Publisher B, Port table B, table 2, row 2");
	/* a pack's rule without a source still cites its table and row */
	r = rules_find(&rs, "T2R3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->src, -1);
	CU_ASSERT_STRING_EQUAL(r->cite, "table 2, row 3");
	CU_ASSERT_EQUAL(r->site, 0);
	CU_ASSERT_EQUAL(r->override, -1);
	{
		char buf[64];

		rules_format_features(&rs, 3, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, "pstn,external-access");
		rules_format_features(&rs, 0, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, "-");
	}
	rules_free(&rs);
}

/* ---- the site's own file ---- */

#define SITE_DIR	RULES_DIR "/site"

/* base.rules, then a site file; diagnostics of the site file into *errs. */
static int
load_site(struct ruleset *rs, const char *site_rel, char **errs, int *nerrors)
{
	struct unit_mem m;
	struct diag d;
	int rv;

	diag_init(&d, unit_mem_open(&m));
	rules_init(rs);
	rv = rules_load(rs, unit_srcpath(SITE_DIR "/base.rules"), &d);
	CU_ASSERT_EQUAL(rv, 0);
	rv = rules_load_site(rs, unit_srcpath(site_rel), &d);
	if (rv == 0 && rules_validate(rs, &d) != 0)
		rv = -2;
	*errs = unit_mem_close(&m);
	*nerrors = d.nerrors;
	return rv;
}

static char *
print_what(const struct ruleset *rs, int what)
{
	struct unit_mem m;

	rules_print(rs, unit_mem_open(&m), what);
	return unit_mem_close(&m);
}

static void
test_site(void)
{
	struct ruleset rs, base, again;
	struct unit_mem m;
	struct diag d;
	const struct rule *r;
	char *errs, *packs, *site, *basep, p1[4096], p2[4096], *packs2, *site2;
	int n, fe, dir;

	CU_ASSERT_EQUAL(load_site(&rs, SITE_DIR "/site.rules", &errs, &n), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	free(errs);
	fe = rules_find_role(&rs, "front-end");
	dir = rules_find_role(&rs, "director");
	/* the site's roles and rules */
	CU_ASSERT(rs.roles[rules_find_role(&rs, "jump-host")].site);
	CU_ASSERT_EQUAL(rs.roles[rules_find_role(&rs, "sql-backend")].kind, ROLE_MONITORED);
	CU_ASSERT_FALSE(rs.roles[fe].site);
	r = rules_find(&rs, "SITE-RDP");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->site);
	CU_ASSERT_EQUAL(r->src, -1);
	CU_ASSERT_EQUAL(r->table, 0);
	CU_ASSERT_STRING_EQUAL(r->site_source, "CHG-1042: RDP from the jump hosts");
	CU_ASSERT_STRING_EQUAL(r->cite, "CHG-1042: RDP from the jump hosts");
	/* disabled, narrowed, widened on purpose */
	r = rules_find(&rs, "T1R32");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->disabled);
	CU_ASSERT_EQUAL(r->override, 0);
	r = rules_find(&rs, "T1R37");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FALSE(r->disabled);
	CU_ASSERT_EQUAL(r->peers, (1ULL << fe) | (1ULL << dir));
	r = rules_find(&rs, "T1R40");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->protos, RULE_UDP);
	CU_ASSERT_EQUAL(r->nports, 1);
	CU_ASSERT_EQUAL(r->ports[0].lo, 50000);
	CU_ASSERT_EQUAL(r->ports[0].hi, 50999);
	CU_ASSERT(r->optional);
	r = rules_find(&rs, "T1R41");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->peers, 1ULL << rules_find_role(&rs, "jump-host"));
	CU_ASSERT_EQUAL(rs.noverrides, 4);
	CU_ASSERT(rs.overrides[3].widen);
	CU_ASSERT_EQUAL(rs.overrides[2].was.nports, 2);
	CU_ASSERT_EQUAL(rs.overrides[2].was.protos, RULE_TCP | RULE_UDP);

	/* The packs print as shipped: the same as base.rules alone. */
	packs = print_what(&rs, RULES_PRINT_PACKS);
	CU_ASSERT_EQUAL(load_capture(&base, unit_srcpath(SITE_DIR "/base.rules"), &errs, &n, 1), 0);
	free(errs);
	basep = print_what(&base, RULES_PRINT_ALL);
	CU_ASSERT_STRING_EQUAL(packs, basep);
	rules_free(&base);
	free(basep);
	site = print_what(&rs, RULES_PRINT_SITE);
	unit_golden(SITE_DIR "/site.canon", site);

	/* Both prints load back (the packs' as a pack, the site's as the
	 * site's file) to the same prints and the same effective rules. */
	snprintf(p1, sizeof(p1), "%s/packs.rules", unit_tmpdir());
	snprintf(p2, sizeof(p2), "%s/site.rules", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(unit_spit(p1, packs), 0);
	CU_ASSERT_EQUAL_FATAL(unit_spit(p2, site), 0);
	diag_init(&d, unit_mem_open(&m));
	rules_init(&again);
	CU_ASSERT_EQUAL(rules_load(&again, p1, &d), 0);
	CU_ASSERT_EQUAL(rules_load_site(&again, p2, &d), 0);
	CU_ASSERT_EQUAL(rules_validate(&again, &d), 0);
	errs = unit_mem_close(&m);
	CU_ASSERT_STRING_EQUAL(errs, "");
	free(errs);
	packs2 = print_what(&again, RULES_PRINT_PACKS);
	site2 = print_what(&again, RULES_PRINT_SITE);
	CU_ASSERT_STRING_EQUAL(packs, packs2);
	CU_ASSERT_STRING_EQUAL(site, site2);
	CU_ASSERT_EQUAL_FATAL(again.nrules, rs.nrules);
	for (int i = 0; i < rs.nrules; i++) {
		const struct rule *x = &rs.rules[i], *y = &again.rules[i];

		CHECK_MSG(strcmp(x->id, y->id) == 0 && x->protos == y->protos &&
		    x->nports == y->nports && memcmp(x->ports, y->ports, sizeof(x->ports)) == 0 &&
		    x->peers == y->peers && x->optional == y->optional &&
		    x->disabled == y->disabled && x->site == y->site &&
		    strcmp(x->cite, y->cite) == 0, x->id);
	}
	remove(p1);
	remove(p2);
	free(packs);
	free(packs2);
	free(site);
	free(site2);
	rules_free(&again);
	rules_free(&rs);
}

/* Every error of a site's file, on top of base.rules, byte for byte. */
static void
test_site_bad(void)
{
	static const char *const names[] = {
		"bad-table", "bad-source", "bad-override", "bad-widen", "bad-pack-stmt"
	};
	char prefix[4200];

	snprintf(prefix, sizeof(prefix), "%s/", unit_srcpath(SITE_DIR));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct ruleset rs;
		char rel[256], exp_rel[256], *errs;
		int n, rv, before;

		snprintf(rel, sizeof(rel), "%s/%s.rules", SITE_DIR, names[i]);
		snprintf(exp_rel, sizeof(exp_rel), "%s/%s.expected", SITE_DIR, names[i]);
		rv = load_site(&rs, rel, &errs, &n);
		CHECK_MSG(rv != 0, names[i]);
		CHECK_MSG(n == count_lines(errs), names[i]);
		CHECK_MSG(n > 0, names[i]);
		unit_strip(errs, prefix);
		unit_golden(exp_rel, errs);
		free(errs);
		/* a statement with an error changes nothing shipped */
		before = 0;
		for (int k = 0; k < rs.nrules; k++)
			if (!rs.rules[k].site && rs.rules[k].override >= 0)
				before++;
		CHECK_MSG(before == rs.noverrides, names[i]);
		rules_free(&rs);
	}
}

static void
test_any_order(void)
{
	struct ruleset rs;
	char *errs, *out;
	int n;

	CU_ASSERT_EQUAL(load_capture(&rs, unit_srcpath(RULES_DIR "/any-order.rules"),
	    &errs, &n, 1), 0);
	CU_ASSERT_STRING_EQUAL(errs, "");
	free(errs);
	out = print_str(&rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	unit_golden(RULES_DIR "/any-order.canon", out);
	free(out);
	{
		const struct rule *r = rules_find(&rs, "X1");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->nports, 3);
		CU_ASSERT_EQUAL(r->ports[1].lo, 5062);
		CU_ASSERT_EQUAL(r->ports[1].hi, 5064);
		CU_ASSERT_EQUAL(r->line, 13);		/* the id's line */
		CU_ASSERT_STRING_EQUAL(r->note, "say \"hi\"");
		CU_ASSERT_STRING_EQUAL(r->service, "Some # service");
		r = rules_find(&rs, "Y.2_z");
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->line, 18);
		CU_ASSERT_PTR_NULL(r->service);
		CU_ASSERT_PTR_NULL(r->note);
		CU_ASSERT_STRING_EQUAL(rs.roles[4].desc, "FE \"hardware\" VIP \\ backslash");
		CU_ASSERT_EQUAL(rs.roles[3].implied, 1);
	}
	rules_free(&rs);
}

/* ---- errors ---- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void
test_bad_files(void)
{
	char dirpath[4096], prefix[4200];
	char *names[128];
	int nnames = 0;
	DIR *dir;
	struct dirent *de;

	snprintf(dirpath, sizeof(dirpath), "%s", unit_srcpath(RULES_DIR));
	snprintf(prefix, sizeof(prefix), "%s/", dirpath);
	dir = opendir(dirpath);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	while ((de = readdir(dir)) != NULL && nnames < 128) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "bad-", 4) == 0 && l > 6 &&
		    strcmp(de->d_name + l - 6, ".rules") == 0)
			names[nnames++] = strdup(de->d_name);
	}
	closedir(dir);
	qsort(names, (size_t)nnames, sizeof(names[0]), cmp_names);
	CU_ASSERT_EQUAL(nnames, NBAD_FILES);

	for (int i = 0; i < nnames; i++) {
		struct ruleset rs;
		char path[4400], exp_rel[512], *errs;
		int n, rv;

		snprintf(path, sizeof(path), "%s%s", prefix, names[i]);
		snprintf(exp_rel, sizeof(exp_rel), "%s/%.*s.expected", RULES_DIR,
		    (int)(strlen(names[i]) - 6), names[i]);
		rv = load_capture(&rs, path, &errs, &n, 1);
		CHECK_MSG(rv != 0, names[i]);		/* the file is bad */
		CHECK_MSG(n == count_lines(errs), names[i]);	/* one line per error */
		CHECK_MSG(n > 0, names[i]);
		unit_strip(errs, prefix);
		unit_golden(exp_rel, errs);
		free(errs);
		rules_free(&rs);
		free(names[i]);
	}
}

/* What parsed cleanly is kept; several files make one set. */
static void
test_partial_and_multi(void)
{
	struct ruleset rs;
	struct unit_mem m;
	struct diag d;
	char p1[4096], p2[4096], *errs;

	snprintf(p1, sizeof(p1), "%s/roles.rules", unit_tmpdir());
	snprintf(p2, sizeof(p2), "%s/more.rules", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(unit_spit(p1,
	    "role a server \"A\"\n"
	    "role b peer \"B\"\n"
	    "rule R1 table 1 row 1 role a dir in proto tcp port 1\n"), 0);
	CU_ASSERT_EQUAL_FATAL(unit_spit(p2,
	    "rule R2 table 1 row 2 role a dir out proto udp port 2 peer b\n"
	    "rule R1 table 1 row 3 role a dir in proto tcp port 3\n"
	    "rule R3 table 1 row 4 role a dir in proto tcp port 4 peer c\n"
	    "role a vip \"again\"\n"), 0);
	diag_init(&d, unit_mem_open(&m));
	rules_init(&rs);
	CU_ASSERT_EQUAL(rules_load(&rs, p1, &d), 0);
	CU_ASSERT_EQUAL(rules_load(&rs, p2, &d), -1);
	CU_ASSERT_EQUAL(rules_load(&rs, "/nonexistent/x.rules", &d), -1);
	errs = unit_mem_close(&m);
	CU_ASSERT_EQUAL(d.nerrors, 4);
	unit_strip(errs, unit_tmpdir());
	CU_ASSERT_STRING_EQUAL(errs,
	    "/more.rules:2: duplicate rule id R1 (first defined at /roles.rules:3)\n"
	    "/more.rules:3: unknown role c\n"
	    "/more.rules:4: duplicate role a (first defined at /roles.rules:1)\n"
	    "/nonexistent/x.rules: cannot open: No such file or directory\n");
	free(errs);
	CU_ASSERT_EQUAL(rs.nrules, 2);
	CU_ASSERT_EQUAL(rs.nroles, 2);
	CU_ASSERT_EQUAL(rs.nfiles, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rules_find(&rs, "R2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rules_find(&rs, "R2")->file, "more.rules"));
	CU_ASSERT_EQUAL(rules_find(&rs, "R2")->line, 1);
	CU_ASSERT_EQUAL(rules_find(&rs, "R1")->row, 1);
	CU_ASSERT_PTR_NULL(rules_find(&rs, "R3"));
	rules_free(&rs);
	remove(p1);
	remove(p2);
}

static void
test_validate(void)
{
	struct ruleset rs;
	struct diag d;
	char buf[512];
	FILE *f;

	/* an empty set */
	rules_init(&rs);
	memset(buf, 0, sizeof(buf));
	f = fmemopen(buf, sizeof(buf), "w");
	diag_init(&d, f);
	CU_ASSERT_EQUAL(rules_validate(&rs, &d), -1);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "rules: no rules loaded\n");
	CU_ASSERT_EQUAL(d.nerrors, 1);

	/* the shipped set passes; breaking a pool type is caught */
	{
		struct ruleset *s = &shipped;
		char want[128];
		int saved;

		get_shipped();
		diag_init(&d, NULL);
		CU_ASSERT_EQUAL(rules_validate(s, &d), 0);
		saved = s->pooltypes[1].member;
		s->pooltypes[1].member = -1;
		memset(buf, 0, sizeof(buf));
		f = fmemopen(buf, sizeof(buf), "w");
		diag_init(&d, f);
		CU_ASSERT_EQUAL(rules_validate(s, &d), -1);
		fclose(f);
		s->pooltypes[1].member = saved;
		unit_strip(buf, unit_srcpath("rules/"));
		snprintf(want, sizeof(want), "lync2013.rules:%d: pool-type director has no member role\n",
		    s->pooltypes[1].line);
		CU_ASSERT_STRING_EQUAL(buf, want);
		CU_ASSERT(s->pooltypes[1].line > 1);
		s->pooltypes[0].cms = s->nroles;
		diag_init(&d, NULL);
		CU_ASSERT_EQUAL(rules_validate(s, &d), -1);
		s->pooltypes[0].cms = rules_find_role(s, "front-end-cms");
		diag_init(&d, NULL);
		CU_ASSERT_EQUAL(rules_validate(s, &d), 0);
	}
}

static void
test_formatting(void)
{
	const struct ruleset *rs = get_shipped();
	struct rule r;
	char buf[64], small[8];

	memset(&r, 0, sizeof(r));
	r.nports = 3;
	r.ports[0].lo = r.ports[0].hi = 5060;
	r.ports[1].lo = 5062;
	r.ports[1].hi = 5065;
	r.ports[2].lo = 1;
	r.ports[2].hi = 65535;
	rules_format_ports(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "5060,5062-5065,1-65535");
	rules_format_ports(&r, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "5060,50");	/* truncated, terminated */
	r.client_media = 1;
	r.nports = 0;
	rules_format_ports(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "client-media");
	r.client_media = 0;
	rules_format_ports(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");

	rules_format_apps(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "-");
	rules_format_apps(APP_SQL | APP_TLS | APP_PSOM, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "tls,psom,sql");
	rules_format_apps(0x3ff, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "tls,mtls,http,https,dcom,dhcp,stun,sip,psom,sql");

	rules_format_roles(rs, 0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "-");
	rules_format_roles(rs, ((uint64_t)1 << rules_find_role(rs, "web-farm")) |
	    ((uint64_t)1 << rules_find_role(rs, "front-end")), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "front-end,web-farm");
	rules_format_roles(rs, 1, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "front-e");

	CU_ASSERT_STRING_EQUAL(rules_dir_name(RULE_IN), "in");
	CU_ASSERT_STRING_EQUAL(rules_dir_name(RULE_OUT), "out");
	CU_ASSERT_STRING_EQUAL(rules_dir_name(0), "?");
	CU_ASSERT_STRING_EQUAL(rules_proto_name(RULE_TCP), "tcp");
	CU_ASSERT_STRING_EQUAL(rules_proto_name(RULE_UDP), "udp");
	CU_ASSERT_STRING_EQUAL(rules_proto_name(RULE_TCP | RULE_UDP), "tcp/udp");
	CU_ASSERT_STRING_EQUAL(rules_proto_name(0), "?");
}

void
test_rules_register(void)
{
	CU_pSuite s = CU_add_suite("rules", NULL, suite_cleanup);

	if (s == NULL)
		return;
	CU_add_test(s, "shipped rules parse: 90 rules in seed order", test_shipped_parses);
	CU_add_test(s, "shipped roles and pool types", test_shipped_roles);
	CU_add_test(s, "shipped rules: exact fields", test_shipped_spot_checks);
	CU_add_test(s, "golden canonical form", test_golden_canonical);
	CU_add_test(s, "print, parse, print is stable", test_roundtrip);
	CU_add_test(s, "packs: sources, features, monitored, no-implied", test_pack);
	CU_add_test(s, "the site's file: rules, disable, override", test_site);
	CU_add_test(s, "the site's file: every error", test_site_bad);
	CU_add_test(s, "keys in any order, blocks, quoting", test_any_order);
	CU_add_test(s, "every error message (bad-*.rules)", test_bad_files);
	CU_add_test(s, "partial load, several files", test_partial_and_multi);
	CU_add_test(s, "validate", test_validate);
	CU_add_test(s, "formatting helpers", test_formatting);
}
