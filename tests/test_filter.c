/*
 * test_filter.c - BPF filter expressions for files and NFLOG (src/capture/filter.c):
 * compile errors name the expression; an expression applies to the link
 * types it compiles for and only to those; packets match as tcpdump would
 * match them; a cut packet is never read past its captured length (each
 * cut sits in a buffer of exactly that size, for ASan); a batch keeps its
 * matching packets in order with their own numbers.
 */
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "conformd/decode.h"
#include "conformd/filter.h"
#include "unit.h"

#define LINKTYPE_RAW	101
#define ETH_LEN		14

/* Ethernet, IPv4 198.18.0.1 -> 198.18.1.10, then TCP 50000 -> dport or
 * UDP 50000 -> dport with no payload. */
static size_t
make_pkt(uint8_t *b, int tcp, uint16_t dport)
{
	size_t l4 = tcp ? 20 : 8, n = ETH_LEN + 20 + l4;

	memset(b, 0, n);
	b[12] = 0x08;				/* EtherType IPv4 */
	b[ETH_LEN] = 0x45;
	b[ETH_LEN + 3] = (uint8_t)(20 + l4);	/* total length */
	b[ETH_LEN + 8] = 64;
	b[ETH_LEN + 9] = tcp ? 6 : 17;
	memcpy(b + ETH_LEN + 12, "\xc6\x12\x00\x01\xc6\x12\x01\x0a", 8);
	b[ETH_LEN + 20] = 50000 >> 8;
	b[ETH_LEN + 21] = 50000 & 0xff;
	b[ETH_LEN + 22] = (uint8_t)(dport >> 8);
	b[ETH_LEN + 23] = (uint8_t)dport;
	if (tcp) {
		b[ETH_LEN + 32] = 0x50;		/* data offset 5 */
		b[ETH_LEN + 33] = 0x02;		/* SYN */
	} else
		b[ETH_LEN + 25] = 8;		/* UDP length */
	return n;
}

static struct capture_pkt
pkt_of(const uint8_t *b, size_t caplen, size_t wirelen, int linktype, uint64_t num)
{
	struct capture_pkt p;

	memset(&p, 0, sizeof(p));
	p.data = b;
	p.caplen = (uint32_t)caplen;
	p.wirelen = (uint32_t)wirelen;
	p.linktype = linktype;
	p.num = num;
	return p;
}

static void
test_syntax_error(void)
{
	char err[512] = "";

	CU_ASSERT_PTR_NULL(pkt_filter_new("tcp port", err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "filter \"tcp port\": "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "syntax error"));
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(pkt_filter_new("proto nosuchproto", err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuchproto"));
}

static void
test_every_decoded_link(void)
{
	static const int links[] = {
		DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, LINKTYPE_RAW,
		DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP
	};
	char err[512];
	struct pkt_filter *f = pkt_filter_new("tcp or udp", err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(pkt_filter_expr(f), "tcp or udp");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		CU_ASSERT(decode_link_supported(links[i]));
		CU_ASSERT_EQUAL(pkt_filter_link(f, links[i], err, sizeof(err)), 0);
	}
	/* a link type the decoders do not know: never applies */
	CU_ASSERT_EQUAL(pkt_filter_link(f, DLT_IEEE802_11, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "link type 105"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not decode"));
	pkt_filter_free(f);
	pkt_filter_free(NULL);
}

static void
test_link_specific(void)
{
	char err[512];
	struct pkt_filter *f = pkt_filter_new("ether host 00:11:22:33:44:55", err, sizeof(err));
	uint8_t b[64];
	size_t n = make_pkt(b, 1, 443);
	struct capture_pkt raw = pkt_of(b + ETH_LEN, n - ETH_LEN, n - ETH_LEN, LINKTYPE_RAW, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(pkt_filter_link(f, DLT_EN10MB, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pkt_filter_link(f, LINKTYPE_RAW, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ether host 00:11:22:33:44:55"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "(RAW)"));
	CU_ASSERT_EQUAL(pkt_filter_match(f, &raw), -1);
	/* destination 00:00:00:00:00:00, so no match; then make it match */
	{
		struct capture_pkt e = pkt_of(b, n, n, DLT_EN10MB, 1);

		CU_ASSERT_EQUAL(pkt_filter_match(f, &e), 0);
		memcpy(b, "\x00\x11\x22\x33\x44\x55", 6);
		CU_ASSERT_EQUAL(pkt_filter_match(f, &e), 1);
	}
	pkt_filter_free(f);
}

static void
test_match(void)
{
	char err[512];
	struct pkt_filter *f = pkt_filter_new("tcp dst port 443 and dst net 198.18.1.0/24",
	    err, sizeof(err));
	uint8_t t[64], u[64];
	size_t nt = make_pkt(t, 1, 443), nu = make_pkt(u, 0, 443);
	struct capture_pkt pt = pkt_of(t, nt, nt, DLT_EN10MB, 1);
	struct capture_pkt pu = pkt_of(u, nu, nu, DLT_EN10MB, 2);
	struct capture_pkt rt = pkt_of(t + ETH_LEN, nt - ETH_LEN, nt - ETH_LEN, LINKTYPE_RAW, 3);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(pkt_filter_match(f, &pt), 1);
	CU_ASSERT_EQUAL(pkt_filter_match(f, &pu), 0);
	CU_ASSERT_EQUAL(pkt_filter_match(f, &rt), 1);
	t[ETH_LEN + 23] = 0xbc;			/* port 444 */
	CU_ASSERT_EQUAL(pkt_filter_match(f, &pt), 0);
	CU_ASSERT_EQUAL(pkt_filter_match(f, &rt), 0);
	pkt_filter_free(f);
}

static void
test_cut_packets(void)
{
	char err[512];
	struct pkt_filter *f = pkt_filter_new("tcp dst port 443", err, sizeof(err));
	uint8_t full[64];
	size_t n = make_pkt(full, 1, 443);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* The port is at bytes 36-37: a cut before them cannot match, and
	 * nothing at or past the cut is read (ASan: each copy is exactly
	 * caplen bytes).  The wire length stays the whole frame's. */
	for (size_t cap = 0; cap <= n; cap++) {
		uint8_t *b = malloc(cap > 0 ? cap : 1);
		struct capture_pkt p;

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		memcpy(b, full, cap);
		p = pkt_of(cap > 0 ? b : NULL, cap, n, DLT_EN10MB, 1);
		CU_ASSERT_EQUAL(pkt_filter_match(f, &p), cap >= ETH_LEN + 24 ? 1 : 0);
		free(b);
	}
	pkt_filter_free(f);
}

static void
test_batch(void)
{
	char err[512];
	struct pkt_filter *f = pkt_filter_new("tcp", err, sizeof(err));
	uint8_t t[64], u[64];
	size_t nt = make_pkt(t, 1, 5061), nu = make_pkt(u, 0, 5061);
	struct capture_pkt v[6];
	struct pkt_filter_stats st = { 0, 0, 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	v[0] = pkt_of(u, nu, nu, DLT_EN10MB, 1);
	v[1] = pkt_of(t, nt, nt, DLT_EN10MB, 2);
	v[2] = pkt_of(t, nt, nt, DLT_IEEE802_11, 3);	/* no program for it */
	v[3] = pkt_of(u, nu, nu, DLT_EN10MB, 4);
	v[4] = pkt_of(t + ETH_LEN, nt - ETH_LEN, nt - ETH_LEN, LINKTYPE_RAW, 5);
	v[5] = pkt_of(t, nt, nt, DLT_EN10MB, 6);
	CU_ASSERT_EQUAL_FATAL(pkt_filter_batch(f, v, 6, &st), 3);
	CU_ASSERT_EQUAL(v[0].num, 2);
	CU_ASSERT_EQUAL(v[1].num, 5);
	CU_ASSERT_EQUAL(v[1].linktype, LINKTYPE_RAW);
	CU_ASSERT_EQUAL(v[2].num, 6);
	CU_ASSERT_EQUAL(st.matched, 3);
	CU_ASSERT_EQUAL(st.rejected, 2);
	CU_ASSERT_EQUAL(st.unfilterable, 1);
	CU_ASSERT_EQUAL(pkt_filter_batch(f, v, 0, &st), 0);
	pkt_filter_free(f);
}

static void
test_summary(void)
{
	struct unit_mem m;
	char *s;

	pkt_filter_summary(unit_mem_open(&m), "tcp", 10, 3, 0);
	s = unit_mem_close(&m);
	CU_ASSERT_STRING_EQUAL(s, "filter \"tcp\": 7 of 10 packets matched\n");
	free(s);
	pkt_filter_summary(unit_mem_open(&m), "tcp", 10, 3, 2);
	s = unit_mem_close(&m);
	CU_ASSERT_STRING_EQUAL(s, "filter \"tcp\": 5 of 10 packets matched; 2 of a link type "
	    "the filter does not apply to, skipped\n");
	free(s);
}

void
test_filter_register(void)
{
	CU_pSuite s = CU_add_suite("filter", NULL, NULL);

	CU_add_test(s, "syntax errors name the expression", test_syntax_error);
	CU_add_test(s, "every decoded link type", test_every_decoded_link);
	CU_add_test(s, "link-specific expressions", test_link_specific);
	CU_add_test(s, "matching", test_match);
	CU_add_test(s, "cut packets", test_cut_packets);
	CU_add_test(s, "batches keep order and numbers", test_batch);
	CU_add_test(s, "summary line", test_summary);
}
