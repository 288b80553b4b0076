/*
 * test_communityid.c - SHA-1 (src/flow/sha1.c) against FIPS 180-4's examples,
 * one message of every length around the block boundaries against a
 * second computation (two blocks by hand), and Community ID v1
 * (src/flow/community-id.c) against the strings Wireshark 4.0's Community ID
 * dissector gives the same flows (tshark --enable-protocol communityid;
 * tests/community-id.sh compares whole captures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conformd/community-id.h"
#include "flow/sha1.h"
#include "unit.h"

static void
hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA1_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void
test_sha1_vectors(void)
{
	static const struct { const char *msg; const char *want; } v[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "The quick brown fox jumps over the lazy dog",
		  "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" },
	};
	uint8_t d[SHA1_LEN];
	char h[2 * SHA1_LEN + 1];
	char *million;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1(v[i].msg, strlen(v[i].msg), d);
		hex(d, h);
		CU_ASSERT_STRING_EQUAL(h, v[i].want);
	}
	/* FIPS 180-2 appendix A.3: a million 'a' (15625 blocks) */
	million = malloc(1000000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(million);
	memset(million, 'a', 1000000);
	sha1(million, 1000000, d);
	hex(d, h);
	CU_ASSERT_STRING_EQUAL(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(million);
}

/* Padding: lengths 55, 56 and 64 need one, two and two final blocks. */
static void
test_sha1_lengths(void)
{
	static const struct { size_t n; const char *want; } v[] = {
		{ 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
		{ 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
		{ 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
	};
	char buf[64], h[2 * SHA1_LEN + 1];
	uint8_t d[SHA1_LEN];

	memset(buf, 'a', sizeof(buf));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1(buf, v[i].n, d);
		hex(d, h);
		CU_ASSERT_STRING_EQUAL(h, v[i].want);
		if (strcmp(h, v[i].want) != 0)
			fprintf(stderr, "\nsha1 of %zu 'a': %s\n", v[i].n, h);
	}
}

/* An address as a flow key holds it: IPv4 v4-mapped. */
static int
addr(uint8_t a[16], const char *s)
{
	memset(a, 0, 16);
	if (strchr(s, ':') != NULL)
		return inet_pton(AF_INET6, s, a) == 1 ? 6 : -1;
	a[10] = a[11] = 0xff;
	return inet_pton(AF_INET, s, a + 12) == 1 ? 4 : -1;
}

/* ID of (src, dst, proto, sport/type, dport/code) with seed, into id. */
static void
cid(uint16_t seed, const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp,
    char id[COMMUNITY_ID_LEN])
{
	uint8_t a[16], b[16];
	int fam = addr(a, src);

	CU_ASSERT_FATAL(fam > 0 && addr(b, dst) == fam);
	CU_ASSERT_EQUAL(community_id(seed, fam, a, b, proto, sp, dp, id), 0);
}

static void
test_community_id(void)
{
	/* Wireshark 4.0's values (tshark --enable-protocol communityid) on
	 * samples/lync-site.pcap and tests/gen-edge's icmp-unreach.pcap */
	static const struct {
		const char *src, *dst;
		uint8_t proto;
		uint16_t sp, dp;	/* ICMP: type and code */
		const char *want;
	} v[] = {
		{ "198.18.10.21", "198.18.1.11", 6, 47305, 5061, "1:0wxnN8eqlBOJMJhrfiA7qOKye2o=" },
		{ "198.18.1.11", "198.18.10.21", 6, 5061, 47305, "1:0wxnN8eqlBOJMJhrfiA7qOKye2o=" },
		/* an echo request and its reply share one ID */
		{ "198.18.10.20", "198.18.1.11", 1, 8, 0, "1:HSZzBw3S4/OxXAeCFf4UwbmzxUg=" },
		{ "198.18.1.11", "198.18.10.20", 1, 0, 0, "1:HSZzBw3S4/OxXAeCFf4UwbmzxUg=" },
		/* port unreachable: one-way */
		{ "198.18.1.11", "198.18.10.20", 1, 3, 3, "1:xdMMzmtr+1JMNtorl5sNdeAlhDs=" },
		/* neighbour solicitation, advertisement; a listener report (one-way) */
		{ "2001:db8:10::22", "ff02::1:ff00:12", 58, 135, 0, "1:YNTepBHEuo2BT3i9AdR3P/sPctk=" },
		{ "2001:db8:1::12", "2001:db8:10::22", 58, 136, 0, "1:8P1of6k5A7UumnFheL7gwFaY8Hc=" },
		{ "fe80::1cb0:4fff:fe56:53e6", "ff02::16", 58, 143, 0, "1:htax0V0jl37A8WzULHsXAf+a/Qg=" },
	};
	char id[COMMUNITY_ID_LEN], back[COMMUNITY_ID_LEN];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cid(0, v[i].src, v[i].dst, v[i].proto, v[i].sp, v[i].dp, id);
		CU_ASSERT_STRING_EQUAL(id, v[i].want);
		CU_ASSERT_EQUAL(strlen(id), COMMUNITY_ID_LEN - 1);
	}
	/* one-way: the other direction is another ID */
	cid(0, "198.18.10.20", "198.18.1.11", 1, 3, 3, back);
	CU_ASSERT(strcmp(back, "1:xdMMzmtr+1JMNtorl5sNdeAlhDs=") != 0);
	/* the seed and the protocol change it */
	cid(1, "198.18.10.21", "198.18.1.11", 6, 47305, 5061, back);
	CU_ASSERT(strcmp(back, v[0].want) != 0);
	cid(0, "198.18.10.21", "198.18.1.11", 17, 47305, 5061, back);
	CU_ASSERT(strcmp(back, v[0].want) != 0);
	/* a protocol without ports, and equal addresses (the ports decide):
	 * either way, one ID */
	cid(0, "2001:db8::1", "2001:db8::2", 47, 0, 0, id);
	cid(0, "2001:db8::2", "2001:db8::1", 47, 0, 0, back);
	CU_ASSERT_STRING_EQUAL(id, back);
	cid(0, "2001:db8::1", "2001:db8::1", 17, 1000, 2000, id);
	cid(0, "2001:db8::1", "2001:db8::1", 17, 2000, 1000, back);
	CU_ASSERT_STRING_EQUAL(id, back);
}

void
test_communityid_register(void)
{
	CU_pSuite s = CU_add_suite("communityid", NULL, NULL);

	CU_add_test(s, "sha1: FIPS 180 examples, a million a", test_sha1_vectors);
	CU_add_test(s, "sha1: padding at 55, 56, 64 bytes", test_sha1_lengths);
	CU_add_test(s, "community id v1", test_community_id);
}
