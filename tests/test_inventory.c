/*
 * test_inventory.c - suite "inventory": address parsing (addr.c) and the
 * inventory parser (inventory.c) against rules/lync2013.rules.
 *
 * Error messages are compared byte for byte with golden files:
 * tests/inventory/bad-NAME.conf is loaded and everything reported must
 * equal tests/inventory/bad-NAME.expected once the directory part of the
 * path is removed (see tests/inventory/README).  `make update-golden`
 * rewrites the .expected files instead (review the diff before
 * committing).
 */
#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/diag.h"
#include "conformd/inventory.h"
#include "conformd/rules.h"
#include "unit.h"

static struct ruleset inv_rs;

static int
inv_suite_init(void)
{
	struct diag d;

	rules_init(&inv_rs);
	diag_init(&d, stderr);
	if (rules_load(&inv_rs, unit_srcpath("rules/lync2013.rules"), &d) != 0)
		return 1;
	return rules_validate(&inv_rs, &d) == 0 ? 0 : 1;
}

static int
inv_suite_clean(void)
{
	rules_free(&inv_rs);
	return 0;
}

/* Role bit by name; a missing role fails the test. */
static uint64_t
R(const char *name)
{
	int r = rules_find_role(&inv_rs, name);

	CU_ASSERT_FATAL(r >= 0);
	return 1ULL << r;
}

/* Load `path`; returns the messages reported (malloc'ed) and sets *rc. */
static char *
load_capture(const char *path, struct inventory *inv, int *rc)
{
	struct unit_mem m;
	struct diag d;

	diag_init(&d, unit_mem_open(&m));
	inventory_init(inv);
	*rc = inventory_load(inv, path, &inv_rs, &d);
	return unit_mem_close(&m);
}

static char *
print_capture(const struct inventory *inv)
{
	struct unit_mem m;

	inventory_print(inv, &inv_rs, unit_mem_open(&m));
	return unit_mem_close(&m);
}

/* ---- addresses ---- */

static const struct {
	const char	*in;
	int		 family;	/* 0: must fail */
	int		 plen;
	const char	*out;		/* addr_format() text, or the error */
} addr_cases[] = {
	{ "198.18.0.1", 4, 32, "198.18.0.1" },
	{ "0.0.0.0", 4, 32, "0.0.0.0" },
	{ "255.255.255.255", 4, 32, "255.255.255.255" },
	{ "198.18.0.0/15", 4, 15, "198.18.0.0" },
	{ "198.18.10.0/24", 4, 24, "198.18.10.0" },
	{ "0.0.0.0/0", 4, 0, "0.0.0.0" },
	{ "198.18.0.1/32", 4, 32, "198.18.0.1" },
	{ "198.18.10.0/024", 4, 24, "198.18.10.0" },
	{ "2001:db8::1", 6, 128, "2001:db8::1" },
	{ "2001:0DB8:0000::0001", 6, 128, "2001:db8::1" },
	{ "2001:db8:10::/64", 6, 64, "2001:db8:10::" },
	{ "::/0", 6, 0, "::" },
	{ "::1", 6, 128, "::1" },
	{ "fe80::1:2:3:4", 6, 128, "fe80::1:2:3:4" },
	{ "::ffff:198.18.0.1", 4, 32, "198.18.0.1" },
	{ "::ffff:198.18.10.0/120", 4, 24, "198.18.10.0" },
	{ "::ffff:c612:1", 4, 32, "198.18.0.1" },
	{ "64:ff9b::198.18.0.1", 6, 128, "64:ff9b::c612:1" },
	{ "198.18.1.300", 0, 0, "198.18.1.300 is not an IPv4 or IPv6 address" },
	{ "198.018.1.1", 0, 0, "198.018.1.1 is not an IPv4 or IPv6 address" },
	{ "198.18.1", 0, 0, "198.18.1 is not an IPv4 or IPv6 address" },
	{ "198.18.1.1.1", 0, 0, "198.18.1.1.1 is not an IPv4 or IPv6 address" },
	{ " 198.18.1.1", 0, 0, " 198.18.1.1 is not an IPv4 or IPv6 address" },
	{ "fe1", 0, 0, "fe1 is not an IPv4 or IPv6 address" },
	{ "2001:db8::1::2", 0, 0, "2001:db8::1::2 is not an IPv4 or IPv6 address" },
	{ "fe80::1%eth0", 0, 0, "fe80::1%eth0 is not an IPv4 or IPv6 address" },
	{ "", 0, 0, "empty address" },
	{ "/24", 0, 0, "/24: missing address before '/'" },
	{ "198.18.10.0/", 0, 0, "198.18.10.0/: bad prefix length \"\"" },
	{ "198.18.10.0/-1", 0, 0, "198.18.10.0/-1: bad prefix length \"-1\"" },
	{ "198.18.10.0/+24", 0, 0, "198.18.10.0/+24: bad prefix length \"+24\"" },
	{ "198.18.10.0/24/24", 0, 0, "198.18.10.0/24/24: bad prefix length \"24/24\"" },
	{ "198.18.10.0/99999999999999999999999", 0, 0,
	  "198.18.10.0/99999999999999999999999: bad prefix length \"99999999999999999999999\"" },
	{ "198.18.10.0/33", 0, 0, "198.18.10.0/33: prefix length 33 out of range (0-32)" },
	{ "2001:db8::/129", 0, 0, "2001:db8::/129: prefix length 129 out of range (0-128)" },
	{ "198.18.10.1/24", 0, 0, "198.18.10.1/24 has host bits set (the network is 198.18.10.0/24)" },
	{ "198.19.0.0/15", 0, 0, "198.19.0.0/15 has host bits set (the network is 198.18.0.0/15)" },
	{ "2001:db8:10::1/64", 0, 0,
	  "2001:db8:10::1/64 has host bits set (the network is 2001:db8:10::/64)" },
	{ "::ffff:198.18.10.0/95", 0, 0,
	  "::ffff:198.18.10.0/95: prefix length 95 shorter than the v4-mapped prefix (96)" },
	{ "::ffff:198.18.10.0/129", 0, 0,
	  "::ffff:198.18.10.0/129: prefix length 129 out of range (0-128)" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb", 0, 0,
	  "1111:2222:3333:4444:5555:6666:7777:8888:... is not an IPv4 or IPv6 address" },
};

static void
test_addr_parse(void)
{
	for (size_t i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		uint8_t a[16];
		char err[256], txt[64];
		int fam = -1, plen = -1, rc;

		memset(a, 0xaa, sizeof(a));
		err[0] = '\0';
		rc = addr_parse(addr_cases[i].in, a, &fam, &plen, err, sizeof(err));
		if (addr_cases[i].family == 0) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_STRING_EQUAL(err, addr_cases[i].out);
			if (rc != -1 || strcmp(err, addr_cases[i].out) != 0)
				fprintf(stderr, "\naddr_parse(\"%s\"): rc %d, \"%s\"\n",
				    addr_cases[i].in, rc, err);
			continue;
		}
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(fam, addr_cases[i].family);
		CU_ASSERT_EQUAL(plen, addr_cases[i].plen);
		addr_format(a, fam, txt, sizeof(txt));
		CU_ASSERT_STRING_EQUAL(txt, addr_cases[i].out);
		if (rc != 0 || fam != addr_cases[i].family || plen != addr_cases[i].plen ||
		    strcmp(txt, addr_cases[i].out) != 0)
			fprintf(stderr, "\naddr_parse(\"%s\"): rc %d family %d plen %d \"%s\" %s\n",
			    addr_cases[i].in, rc, fam, plen, txt, err);
	}
}

/* The stored bytes: v4-mapped for IPv4, host bits zero. */
static void
test_addr_bytes(void)
{
	static const uint8_t v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	    198, 18, 10, 0 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t a[16];
	char err[128], txt[64];
	int fam, plen;

	CU_ASSERT_EQUAL(addr_parse("198.18.10.0/24", a, &fam, &plen, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(a, v4, 16), 0);
	CU_ASSERT_EQUAL(addr_parse("::ffff:198.18.10.0", a, &fam, &plen, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(a, v4, 16), 0);
	CU_ASSERT_EQUAL(fam, 4);
	CU_ASSERT_EQUAL(plen, 32);
	CU_ASSERT_EQUAL(addr_parse("2001:db8:10::/48", a, &fam, &plen, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(a, v6, 16), 0);
	CU_ASSERT_EQUAL(fam, 6);
	CU_ASSERT_EQUAL(plen, 48);

	/* a v4-mapped address prints as IPv4 whatever family it is given */
	addr_format(v4, 6, txt, sizeof(txt));
	CU_ASSERT_STRING_EQUAL(txt, "198.18.10.0");
	addr_format(v6, 6, txt, sizeof(txt));
	CU_ASSERT_STRING_EQUAL(txt, "2001:db8:10::");
	/* too small a buffer gives an empty string, never an overrun */
	addr_format(v6, 6, txt, 4);
	CU_ASSERT_STRING_EQUAL(txt, "");
	/* a short error buffer truncates */
	CU_ASSERT_EQUAL(addr_parse("198.18.1.300", a, &fam, &plen, err, 8), -1);
	CU_ASSERT_STRING_EQUAL(err, "198.18.");
}

/* addr_format()'s own dotted quads against inet_ntop(): every value of
 * every octet, and a pseudo-random sample of whole addresses. */
static void
test_addr_format_v4(void)
{
	uint8_t a[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 };
	char got[64], want[64];
	uint32_t x = 2463534242u;
	int bad = 0;

	for (int pos = 0; pos < 4; pos++)
		for (int v = 0; v < 256; v++) {
			memset(a + 12, pos == 0 ? 7 : 0, 4);
			a[12 + pos] = (uint8_t)v;
			addr_format(a, 4, got, sizeof(got));
			inet_ntop(AF_INET, a + 12, want, sizeof(want));
			bad += strcmp(got, want) != 0;
		}
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		memcpy(a + 12, &x, 4);
		addr_format(a, 6, got, sizeof(got));
		inet_ntop(AF_INET, a + 12, want, sizeof(want));
		bad += strcmp(got, want) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* "255.255.255.255" needs 16 bytes: exactly that is enough */
	memset(a + 12, 255, 4);
	addr_format(a, 4, got, 16);
	CU_ASSERT_STRING_EQUAL(got, "255.255.255.255");
	addr_format(a, 4, got, 15);
	CU_ASSERT_STRING_EQUAL(got, "");
}

/* ---- the full site ---- */

static int
host_find(const struct inventory *inv, const char *name)
{
	for (int i = 0; i < inv->nhosts; i++)
		if (strcmp(inv->hosts[i].name, name) == 0)
			return i;
	return -1;
}

/* Check host `name`: kind, roles, and its entries in order ("addr/plen"). */
static void
check_host(const struct inventory *inv, const char *name, int kind, uint64_t roles,
    const char *const *addrs)
{
	int h = host_find(inv, name), n = 0;

	CU_ASSERT(h >= 0);
	if (h < 0) {
		fprintf(stderr, "\nno host %s\n", name);
		return;
	}
	CU_ASSERT_EQUAL(inv->hosts[h].kind, kind);
	CU_ASSERT_EQUAL(inv->hosts[h].roles, roles);
	if (inv->hosts[h].roles != roles)
		fprintf(stderr, "\n%s: roles %llx, want %llx\n", name,
		    (unsigned long long)inv->hosts[h].roles, (unsigned long long)roles);
	for (int i = 0; i < inv->nentries; i++) {
		const struct inv_entry *e = &inv->entries[i];
		char txt[64], want[80];

		if (e->host != h)
			continue;
		CU_ASSERT_EQUAL(e->roles, roles);
		CU_ASSERT_PTR_NOT_NULL_FATAL(addrs[n]);
		addr_format(e->addr, e->family, txt, sizeof(txt));
		snprintf(want, sizeof(want), "%s/%d", txt, e->plen);
		CU_ASSERT_STRING_EQUAL(want, addrs[n]);
		CU_ASSERT_PTR_EQUAL(e->file, inv->path);
		n++;
	}
	CU_ASSERT_PTR_NULL(addrs[n]);
}

static void
test_site_load(void)
{
	struct inventory inv;
	char *msgs;
	int rc, fe, dir, pc;
	uint64_t fe_member;

	msgs = load_capture(unit_srcpath("tests/inventory/site.conf"), &inv, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	free(msgs);

	CU_ASSERT_EQUAL(inv.media.lo, 50000);
	CU_ASSERT_EQUAL(inv.media.hi, 50999);
	CU_ASSERT_EQUAL(inv.nhosts, 16);
	CU_ASSERT_EQUAL(inv.nentries, 18);
	CU_ASSERT_EQUAL(inv.npools, 3);
	CU_ASSERT_STRING_EQUAL(inv.path, unit_srcpath("tests/inventory/site.conf"));

	fe_member = R("front-end") | R("front-end-mediation");
	check_host(&inv, "fe-pool/vip", INV_VIP, R("fe-vip-hlb") | R("fe-mediation-vip-hlb"),
	    (const char *[]){ "198.18.1.10/32", NULL });
	check_host(&inv, "fe1", INV_MEMBER, fe_member | R("front-end-cms"),
	    (const char *[]){ "198.18.1.11/32", NULL });
	check_host(&inv, "fe2", INV_MEMBER, fe_member,
	    (const char *[]){ "198.18.1.12/32", NULL });
	check_host(&inv, "fe3", INV_MEMBER, fe_member,
	    (const char *[]){ "198.18.1.13/32", "2001:db8:1::13/128", NULL });
	check_host(&inv, "dir-pool/vip", INV_VIP, R("director-vip-dns"),
	    (const char *[]){ "198.18.2.10/32", NULL });
	check_host(&inv, "dir1", INV_MEMBER, R("director"),
	    (const char *[]){ "198.18.2.11/32", NULL });
	check_host(&inv, "dir2", INV_MEMBER, R("director"),
	    (const char *[]){ "198.18.2.12/32", NULL });
	check_host(&inv, "med1", INV_HOST, R("mediation"),
	    (const char *[]){ "198.18.3.11/32", NULL });
	check_host(&inv, "pchat1", INV_MEMBER, R("persistent-chat"),
	    (const char *[]){ "198.18.4.11/32", NULL });
	check_host(&inv, "owa1", INV_HOST, R("office-web-apps"),
	    (const char *[]){ "198.18.5.11/32", NULL });
	check_host(&inv, "clients", INV_NETWORK, R("client"),
	    (const char *[]){ "198.18.10.0/24", "2001:db8:10::/64", NULL });
	check_host(&inv, "desk phones", INV_NETWORK, R("device"),
	    (const char *[]){ "198.18.11.0/24", NULL });
	check_host(&inv, "gw1", INV_PEER, R("pstn-gateway"),
	    (const char *[]){ "198.18.20.1/32", NULL });
	check_host(&inv, "rp1", INV_PEER, R("reverse-proxy"),
	    (const char *[]){ "198.18.20.2/32", NULL });
	check_host(&inv, "webfarm", INV_PEER, R("web-farm"),
	    (const char *[]){ "198.18.20.3/32", NULL });
	check_host(&inv, "e911", INV_PEER, R("e911-gateway"),
	    (const char *[]){ "198.18.20.4/32", NULL });

	/* the pools */
	fe = host_find(&inv, "fe1");
	dir = host_find(&inv, "dir1");
	pc = host_find(&inv, "pchat1");
	CU_ASSERT_FATAL(fe >= 0 && dir >= 0 && pc >= 0);
	CU_ASSERT_EQUAL(inv.hosts[fe].pool, 0);
	CU_ASSERT_EQUAL(inv.hosts[dir].pool, 1);
	CU_ASSERT_EQUAL(inv.hosts[pc].pool, 2);
	CU_ASSERT_EQUAL(inv.hosts[host_find(&inv, "med1")].pool, -1);
	CU_ASSERT_STRING_EQUAL(inv.pools[0].name, "fe-pool");
	CU_ASSERT_STRING_EQUAL(inv_rs.pooltypes[inv.pools[0].type].name, "front-end");
	CU_ASSERT_EQUAL(inv.pools[0].lb, INV_LB_HARDWARE);
	CU_ASSERT_EQUAL(inv.pools[0].collocated, 1);
	CU_ASSERT_EQUAL(inv.pools[0].vip_host, host_find(&inv, "fe-pool/vip"));
	CU_ASSERT_EQUAL(inv.pools[0].line, 9);
	CU_ASSERT_STRING_EQUAL(inv.pools[1].name, "dir-pool");
	CU_ASSERT_STRING_EQUAL(inv_rs.pooltypes[inv.pools[1].type].name, "director");
	CU_ASSERT_EQUAL(inv.pools[1].lb, INV_LB_DNS);
	CU_ASSERT_EQUAL(inv.pools[1].collocated, 0);
	CU_ASSERT_EQUAL(inv.pools[1].vip_host, host_find(&inv, "dir-pool/vip"));
	CU_ASSERT_STRING_EQUAL(inv.pools[2].name, "pchat");
	CU_ASSERT_STRING_EQUAL(inv_rs.pooltypes[inv.pools[2].type].name, "persistent-chat");
	CU_ASSERT_EQUAL(inv.pools[2].lb, 0);
	CU_ASSERT_EQUAL(inv.pools[2].vip_host, -1);

	/* lines: each host at its name's line, each entry at its list's line */
	CU_ASSERT_EQUAL(inv.hosts[fe].line, 14);
	CU_ASSERT_EQUAL(inv.hosts[host_find(&inv, "fe-pool/vip")].line, 13);
	CU_ASSERT_EQUAL(inv.hosts[host_find(&inv, "desk phones")].line, 36);
	CU_ASSERT_EQUAL(inv.hosts[pc].line, 31);
	for (int i = 0; i < inv.nentries; i++)
		if (inv.entries[i].host == host_find(&inv, "desk phones"))
			CU_ASSERT_EQUAL(inv.entries[i].line, 36);

	inventory_free(&inv);
	CU_ASSERT_EQUAL(inv.nhosts, 0);
	CU_ASSERT_PTR_NULL(inv.path);
	CU_ASSERT_EQUAL(inv.media.lo, 1024);
}

/* Canonical print: equal to the golden file, and stable when parsed back. */
static void
test_site_print(void)
{
	struct inventory inv, inv2;
	char *msgs, *got, *again, path[4096];
	int rc;

	msgs = load_capture(unit_srcpath("tests/inventory/site.conf"), &inv, &rc);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	free(msgs);
	got = print_capture(&inv);
	unit_golden("tests/inventory/site.expected", got);

	snprintf(path, sizeof(path), "%s/site-print.conf", unit_tmpdir());
	CU_ASSERT_FATAL(unit_spit(path, got) == 0);
	msgs = load_capture(path, &inv2, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	again = print_capture(&inv2);
	unit_assert_text("site print reparsed", again, got);
	/* the same hosts with the same roles and addresses (order may differ:
	 * the print puts a pool's VIP before its members) */
	CU_ASSERT_EQUAL(inv2.nhosts, inv.nhosts);
	CU_ASSERT_EQUAL(inv2.nentries, inv.nentries);
	for (int i = 0; i < inv.nentries; i++) {
		const struct inv_entry *e = &inv.entries[i];
		int found = 0;

		for (int j = 0; j < inv2.nentries; j++) {
			const struct inv_entry *e2 = &inv2.entries[j];

			if (memcmp(e->addr, e2->addr, 16) == 0 && e->plen == e2->plen &&
			    e->family == e2->family && e->roles == e2->roles &&
			    strcmp(inv.hosts[e->host].name, inv2.hosts[e2->host].name) == 0 &&
			    inv.hosts[e->host].kind == inv2.hosts[e2->host].kind)
				found++;
		}
		CU_ASSERT_EQUAL(found, 1);
	}
	inventory_free(&inv);
	inventory_free(&inv2);
	free(msgs);
	free(got);
	free(again);
}

/* Write `text` to a scratch file and load it. */
static char *
load_text(const char *name, const char *text, struct inventory *inv, int *rc)
{
	char path[4096], *msgs;

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	CU_ASSERT_FATAL(unit_spit(path, text) == 0);
	msgs = load_capture(path, inv, rc);
	unit_strip(msgs, unit_tmpdir());
	return msgs;
}

/* Defaults, several roles on one host, one address in several entries. */
static void
test_small_cases(void)
{
	struct inventory inv;
	char *msgs, *out;
	int rc;

	msgs = load_text("small.conf",
	    "host fe1 198.18.1.11 role director,front-end\n"
	    "host fe1-owa 198.18.1.11 role office-web-apps\n"
	    "network all 0.0.0.0/0,::/0 role client\n"
	    "pool p { type mediation load-balancing hardware vip 198.18.3.10 "
	    "member m1 198.18.3.11 }\n", &inv, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	CU_ASSERT_EQUAL(inv.media.lo, 1024);
	CU_ASSERT_EQUAL(inv.media.hi, 65535);
	CU_ASSERT_EQUAL(inv.nentries, 6);
	check_host(&inv, "fe1", INV_HOST, R("director") | R("front-end"),
	    (const char *[]){ "198.18.1.11/32", NULL });
	check_host(&inv, "fe1-owa", INV_HOST, R("office-web-apps"),
	    (const char *[]){ "198.18.1.11/32", NULL });
	check_host(&inv, "all", INV_NETWORK, R("client"),
	    (const char *[]){ "0.0.0.0/0", "::/0", NULL });
	check_host(&inv, "p/vip", INV_VIP, R("mediation-vip-hlb"),
	    (const char *[]){ "198.18.3.10/32", NULL });
	check_host(&inv, "m1", INV_MEMBER, R("mediation"),
	    (const char *[]){ "198.18.3.11/32", NULL });
	out = print_capture(&inv);
	/* roles print in ruleset order, whatever order they were written in */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "client-media-ports 1024-65535\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "host fe1 198.18.1.11 role front-end,director\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "network all 0.0.0.0/0,::/0 role client\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
	    "pool p {\n\ttype mediation\n\tload-balancing hardware\n"
	    "\tvip 198.18.3.10\n\tmember m1 198.18.3.11\n}\n"));
	free(out);
	free(msgs);
	inventory_free(&inv);

	/* names needing quotes print quoted and read back */
	msgs = load_text("quote.conf",
	    "host \"a \\\"b\\\" #c\" 198.18.1.1 role client\n", &inv, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(inv.hosts[0].name, "a \"b\" #c");
	out = print_capture(&inv);
	CU_ASSERT_STRING_EQUAL(out, "client-media-ports 1024-65535\n"
	    "host \"a \\\"b\\\" #c\" 198.18.1.1 role client\n");
	free(out);
	free(msgs);
	inventory_free(&inv);

	/* a file that cannot be read */
	msgs = load_capture("/nonexistent/inventory.conf", &inv, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_STRING_EQUAL(msgs,
	    "/nonexistent/inventory.conf: cannot open: No such file or directory\n");
	free(msgs);
	inventory_free(&inv);
}

/*
 * Many hosts (the name index grows many times over): every duplicate name
 * is found, named with the line of its first use, whether the first is a
 * host, a peer or a pool member; a name that differs only in case, or is
 * a prefix, is not a duplicate; and the hosts keep their order.
 */
static void
test_many_names(void)
{
	struct inventory inv;
	size_t len = 0, cap = 1 << 20;
	char *text = malloc(cap), *msgs;
	int rc, n = 5000;

	CU_ASSERT_FATAL(text != NULL);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s h%d 198.%d.%d.%d role %s\n",
		    i % 7 == 3 ? "peer" : "host", i, 18 + i / 65536, (i / 256) % 256, i % 256,
		    i % 7 == 3 ? "pstn-gateway" : "front-end");
	len += (size_t)snprintf(text + len, cap - len,
	    "pool p { type mediation load-balancing hardware vip 198.19.0.1 "
	    "member m1 198.19.0.2 member h17 198.19.0.3 }\n"
	    "host H17 198.19.0.4 role director\n"
	    "host h1 198.19.0.5 role director\n"
	    "host h499 198.19.0.6 role director\n"
	    "peer m1 198.19.0.7 role pstn-gateway\n"
	    "host h4999 198.19.0.8 role director\n");
	msgs = load_text("many.conf", text, &inv, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_STRING_EQUAL(msgs,
	    "/many.conf:5001: duplicate host name h17 (first at /many.conf:18)\n"
	    "/many.conf:5003: duplicate host name h1 (first at /many.conf:2)\n"
	    "/many.conf:5004: duplicate host name h499 (first at /many.conf:500)\n"
	    "/many.conf:5005: duplicate host name m1 (first at /many.conf:5001)\n"
	    "/many.conf:5006: duplicate host name h4999 (first at /many.conf:5000)\n");
	CU_ASSERT_EQUAL(inv.nhosts, n + 3 + 5);
	CU_ASSERT_STRING_EQUAL(inv.hosts[4321].name, "h4321");
	CU_ASSERT_STRING_EQUAL(inv.hosts[n + 3].name, "H17");
	free(msgs);
	inventory_free(&inv);
	free(text);
}

/* ---- one golden file per error message ---- */

static void
check_bad(const char *name)
{
	struct inventory inv;
	char conf[4096], exp[256], dir[2048], *msgs;
	int rc;

	snprintf(dir, sizeof(dir), "%s", unit_srcpath("tests/inventory/"));
	snprintf(conf, sizeof(conf), "%s%s.conf", dir, name);
	snprintf(exp, sizeof(exp), "tests/inventory/%s.expected", name);
	msgs = load_capture(conf, &inv, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	unit_strip(msgs, dir);
	unit_golden(exp, msgs);
	inventory_free(&inv);
	free(msgs);
}

#define INV_BAD(list) \
	list(statement) list(key) list(missing_value) list(missing_name) \
	list(missing_addr) list(no_role) list(empty_name) list(addr) \
	list(addr_v6) list(addr_zeros) list(hostbits) list(hostbits_v6) \
	list(plen) list(plen_v6) list(plen_syntax) list(plen_missing) \
	list(mapped_plen) list(empty_elem) list(dup_addr) list(role) \
	list(dup_role) list(dup_key) list(dup_host) list(dup_pool) \
	list(pooltype) list(no_type) list(no_member) list(cms) list(cms_type) \
	list(lb) list(colloc) list(colloc_type) list(vip_hw) list(vip_dns) \
	list(vip_nolb) list(media_range) list(media_inverted) \
	list(media_syntax) list(media_dup) list(media_extra) \
	list(media_missing) list(empty) list(empty_list) list(lex) list(multi)

/* bad-NAME.conf for test_bad_NAME (underscores become dashes) */
#define INV_BAD_FN(n) UNIT_BAD_CASE(test_bad_, check_bad, n)
INV_BAD(INV_BAD_FN)

void
test_inventory_register(void)
{
	CU_pSuite s = CU_add_suite("inventory", inv_suite_init, inv_suite_clean);

	if (s == NULL)
		return;
	CU_add_test(s, "addr_parse", test_addr_parse);
	CU_add_test(s, "addr bytes", test_addr_bytes);
	CU_add_test(s, "addr format v4", test_addr_format_v4);
	CU_add_test(s, "site load", test_site_load);
	CU_add_test(s, "site print", test_site_print);
	CU_add_test(s, "small cases", test_small_cases);
	CU_add_test(s, "many names", test_many_names);
#define INV_BAD_ADD(n) CU_add_test(s, "bad-" #n, test_bad_##n);
	INV_BAD(INV_BAD_ADD)
#undef INV_BAD_ADD
}
