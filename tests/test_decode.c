/*
 * test_decode.c - suite "decode": every layer decoder and every decode
 * event on crafted frames with exact field checks, then truncation sweeps
 * (every frame of our crafted set, of every capture gen-edge writes and of
 * samples/ captures fed at every length 0..caplen must decode to a valid
 * result without reading outside the frame).
 *
 * Frames are copied into buffers of exactly their length before decoding,
 * so AddressSanitizer catches any read past the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CUnit/CUnit.h>
#include <pcap/pcap.h>

#include "conformd/decode.h"
#include "conformd/packet.h"
#include "unit.h"

/* ---- frame building ---------------------------------------------------- */

struct frame {
	uint8_t	b[2048];
	size_t	n;
};

static void
fr_add(struct frame *f, const void *d, size_t n)
{
	if (n == 0)
		return;
	CU_ASSERT_FATAL(n <= sizeof(f->b) - f->n);
	memcpy(f->b + f->n, d, n);
	f->n += n;
}

#define ADD(f, arr)	fr_add((f), (arr), sizeof(arr))

static void
fr_set16(struct frame *f, size_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

#define MAC_PAIR	0x02, 0x00, 0x5e, 0x01, 0x00, 0x0b, 0x02, 0x00, 0x5e, 0x0a, 0x00, 0x14
static const uint8_t ETH4[] = { MAC_PAIR, 0x08, 0x00 };
static const uint8_t ETH6[] = { MAC_PAIR, 0x86, 0xdd };

static const uint8_t CLI4[4] = { 198, 18, 10, 20 };
static const uint8_t SRV4[4] = { 198, 18, 1, 11 };
static const uint8_t CLI6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };
static const uint8_t SRV6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 };
static const uint8_t CLI4_MAPPED[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 10, 20 };
static const uint8_t SRV4_MAPPED[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 1, 11 };

/* TCP SYN 50001 -> 5061 with an MSS option: 24 bytes. */
static const uint8_t SEG_SYN[] = {
	0xc3, 0x51, 0x13, 0xc5, 0, 0, 0, 1, 0, 0, 0, 0,
	0x60, 0x02, 0xfa, 0xf0, 0, 0, 0, 0, 2, 4, 0x05, 0xb4
};
/* TCP SYN-ACK 443 -> 50003 without options: 20 bytes. */
static const uint8_t SEG_SYNACK[] = {
	0x01, 0xbb, 0xc3, 0x53, 0, 0, 0, 9, 0, 0, 0, 2,
	0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0
};
/* TCP PSH|ACK 50001 -> 5061 with NOP NOP timestamps (32 bytes) + "hello". */
static const uint8_t SEG_DATA[] = {
	0xc3, 0x51, 0x13, 0xc5, 0, 0, 0, 2, 0, 0, 0, 7,
	0x80, 0x18, 0xfa, 0xf0, 0, 0, 0, 0,
	1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
	'h', 'e', 'l', 'l', 'o'
};
/* UDP 50002 -> 3478, length 12, "ping". */
static const uint8_t DGRAM_PING[] = {
	0xc3, 0x52, 0x0d, 0x96, 0, 12, 0, 0, 'p', 'i', 'n', 'g'
};
/* Ethernet padding, deliberately not zero. */
static const uint8_t PAD[16] = {
	0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
	0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee
};

/* IPv4 header without options. */
static void
add_ip4(struct frame *f, uint16_t totlen, uint16_t id, uint16_t fragfield,
    uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	uint8_t h[20] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0 };

	h[2] = (uint8_t)(totlen >> 8);
	h[3] = (uint8_t)totlen;
	h[4] = (uint8_t)(id >> 8);
	h[5] = (uint8_t)id;
	h[6] = (uint8_t)(fragfield >> 8);
	h[7] = (uint8_t)fragfield;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	ADD(f, h);
}

static void
add_ip6(struct frame *f, uint16_t plen, uint8_t nh, const uint8_t src[16],
    const uint8_t dst[16])
{
	uint8_t h[40] = { 0x60, 0x0a, 0xbc, 0xde, 0, 0, 0, 64 };

	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = nh;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	ADD(f, h);
}

/* Ethernet + IPv4 + TCP SYN, padded to the 60-byte minimum. */
static struct frame
mk_v4_tcp(void)
{
	struct frame f = { .n = 0 };

	ADD(&f, ETH4);
	add_ip4(&f, 20 + sizeof(SEG_SYN), 0x1234, 0x4000, 6, CLI4, SRV4);
	ADD(&f, SEG_SYN);
	fr_add(&f, PAD, 60 - f.n);
	return f;
}

/* Ethernet + IPv4 + UDP "ping", padded to 60 bytes. */
static struct frame
mk_v4_udp(void)
{
	struct frame f = { .n = 0 };

	ADD(&f, ETH4);
	add_ip4(&f, 20 + sizeof(DGRAM_PING), 7, 0, 17, CLI4, SRV4);
	ADD(&f, DGRAM_PING);
	fr_add(&f, PAD, 60 - f.n);
	return f;
}

/* Ethernet + IPv4 + TCP with timestamps and 5 data bytes. */
static struct frame
mk_v4_tcp_data(void)
{
	struct frame f = { .n = 0 };

	ADD(&f, ETH4);
	add_ip4(&f, 20 + sizeof(SEG_DATA), 0x1235, 0x4000, 6, CLI4, SRV4);
	ADD(&f, SEG_DATA);
	return f;
}

/* Ethernet + IPv6 + TCP SYN-ACK, server to client, with a 4-byte trailer. */
static struct frame
mk_v6_tcp(void)
{
	struct frame f = { .n = 0 };

	ADD(&f, ETH6);
	add_ip6(&f, sizeof(SEG_SYNACK), 6, SRV6, CLI6);
	ADD(&f, SEG_SYNACK);
	fr_add(&f, PAD, 4);
	return f;
}

/* Hop-by-hop (8), routing (8), destination options (8), AH (24 = (4+2)*4). */
static const uint8_t EXT_HBH[] = { 43, 0, 1, 4, 0, 0, 0, 0 };
static const uint8_t EXT_RT[] = { 60, 0, 0, 0, 0, 0, 0, 0 };
static const uint8_t EXT_DST[] = { 51, 0, 1, 4, 0, 0, 0, 0 };
static const uint8_t EXT_AH[] = {
	17, 4, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1,
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac
};

/* Ethernet + IPv6 + HBH + RT + DST + AH + UDP "ping". */
static struct frame
mk_v6_ext_udp(void)
{
	struct frame f = { .n = 0 };

	ADD(&f, ETH6);
	add_ip6(&f, 8 + 8 + 8 + 24 + sizeof(DGRAM_PING), 0, CLI6, SRV6);
	ADD(&f, EXT_HBH);
	ADD(&f, EXT_RT);
	ADD(&f, EXT_DST);
	ADD(&f, EXT_AH);
	ADD(&f, DGRAM_PING);
	return f;
}

/* ICMP port unreachable from the server quoting the UDP "ping" datagram. */
static struct frame
mk_icmp_unreach(void)
{
	static const uint8_t icmp[8] = { 3, 3, 0, 0, 0, 0, 0, 0 };
	struct frame f = { .n = 0 };

	ADD(&f, ETH4);
	add_ip4(&f, 20 + 8 + 20 + sizeof(DGRAM_PING), 0x3001, 0, 1, SRV4, CLI4);
	ADD(&f, icmp);
	add_ip4(&f, 20 + sizeof(DGRAM_PING), 7, 0, 17, CLI4, SRV4);
	ADD(&f, DGRAM_PING);
	return f;
}

/* ICMPv6 administratively prohibited quoting a client SYN 50003 -> 443
 * sent behind a hop-by-hop header. */
static struct frame
mk_icmp6_unreach(void)
{
	static const uint8_t icmp6[8] = { 1, 1, 0, 0, 0, 0, 0, 0 };
	static const uint8_t hbh[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t syn[20] = {
		0xc3, 0x53, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0,
		0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0
	};
	struct frame f = { .n = 0 };

	ADD(&f, ETH6);
	add_ip6(&f, 8 + 40 + 8 + 20, 58, SRV6, CLI6);
	ADD(&f, icmp6);
	add_ip6(&f, 8 + 20, 0, CLI6, SRV6);
	ADD(&f, hbh);
	ADD(&f, syn);
	return f;
}

/* Ethernet with `ntags` tags (the first 0x88a8, then 0x8100, ids 101,
 * 102, ...; PCP 5 set to check the mask) in front of IPv4 UDP "ping". */
static struct frame
mk_vlan(size_t ntags, uint16_t outer_tpid)
{
	struct frame f = { .n = 0 };
	uint8_t tag[4];
	size_t i;

	fr_add(&f, ETH4, 12);
	for (i = 0; i < ntags; i++) {
		uint16_t tpid = i == 0 ? outer_tpid : 0x8100;
		uint16_t tci = (uint16_t)(0xa000 | (101 + i));

		tag[0] = (uint8_t)(tpid >> 8);
		tag[1] = (uint8_t)tpid;
		tag[2] = (uint8_t)(tci >> 8);
		tag[3] = (uint8_t)tci;
		ADD(&f, tag);
	}
	fr_add(&f, ETH4 + 12, 2);
	add_ip4(&f, 20 + sizeof(DGRAM_PING), 7, 0, 17, CLI4, SRV4);
	ADD(&f, DGRAM_PING);
	return f;
}

/* ---- decoding helpers ---------------------------------------------------- */

/* The buffer of the last dec(): exactly the frame's length, kept until the
 * next call so p->payload stays readable. */
static uint8_t *cur;

static int
dec_wire(struct pkt *p, int dlt, const uint8_t *b, size_t caplen, size_t wirelen)
{
	free(cur);
	cur = malloc(caplen > 0 ? caplen : 1);
	CU_ASSERT_FATAL(cur != NULL);
	memcpy(cur, b, caplen);
	return decode_packet(p, dlt, cur, (uint32_t)caplen, (uint32_t)wirelen);
}

static int
dec(struct pkt *p, int dlt, const struct frame *f)
{
	return dec_wire(p, dlt, f->b, f->n, f->n);
}

/* Offset of p->payload in the last decoded frame. */
static long
payload_off(const struct pkt *p)
{
	return p->payload == NULL ? -1 : (long)(p->payload - cur);
}

static int
suite_clean(void)
{
	free(cur);
	cur = NULL;
	return 0;
}

/* ---- names and link types ------------------------------------------------ */

static void
test_event_names(void)
{
	unsigned int i, j;

	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_NONE), "none");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_IPV4_TRUNC), "ipv4_trunc");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_VLAN_TOO_DEEP), "vlan_too_deep");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_ICMP_INNER_TRUNC), "icmp_inner_trunc");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_SNAPLEN_TRUNC), "snaplen_trunc");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(decode_event_name(9999), "unknown");
	for (i = 0; i < DEV_MAX; i++) {
		const char *n = decode_event_name(i);

		CU_ASSERT_STRING_NOT_EQUAL(n, "unknown");
		CU_ASSERT(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n));
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(n, decode_event_name(j));
	}
}

static void
test_link_supported(void)
{
	struct pkt p;
	struct frame f = mk_v4_tcp();

	CU_ASSERT_EQUAL(decode_link_supported(DLT_EN10MB), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_LINUX_SLL), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_LINUX_SLL2), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_RAW), 1);
	CU_ASSERT_EQUAL(decode_link_supported(101), 1);	/* LINKTYPE_RAW */
	CU_ASSERT_EQUAL(decode_link_supported(DLT_IPV4), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_IPV6), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_NULL), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_LOOP), 1);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_IEEE802_11), 0);
	CU_ASSERT_EQUAL(decode_link_supported(DLT_PPP), 0);
	CU_ASSERT_EQUAL(decode_link_supported(-1), 0);

	CU_ASSERT_EQUAL(dec(&p, DLT_IEEE802_11, &f), DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.event, DEV_LINK_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.linktype, DLT_IEEE802_11);
	CU_ASSERT_EQUAL(p.family, 0);
}

/* ---- Ethernet and VLAN --------------------------------------------------- */

static void
test_eth_ipv4_tcp(void)
{
	struct pkt p;
	struct frame f = mk_v4_tcp();

	memset(&p, 0xa5, sizeof(p));	/* every field must be reset */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, f.n, 1514), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.caplen, 60);
	CU_ASSERT_EQUAL(p.wirelen, 1514);
	CU_ASSERT_EQUAL(p.linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(p.num, 0);
	CU_ASSERT_EQUAL(p.ts_usec, 0);
	CU_ASSERT_EQUAL(p.vlan_depth, 0);
	CU_ASSERT_EQUAL(p.vlan[0], 0);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.ip_proto, 6);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_NONE);
	CU_ASSERT_EQUAL(p.ip_id, 0x1234);
	CU_ASSERT_EQUAL(memcmp(p.src, CLI4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, SRV4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(p.has_ports, 1);
	CU_ASSERT_EQUAL(p.sport, 50001);
	CU_ASSERT_EQUAL(p.dport, 5061);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN);
	CU_ASSERT_EQUAL(p.icmp_type, 0);
	CU_ASSERT_EQUAL(p.inner.valid, 0);
	/* The two padding bytes are not payload. */
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 20 + 24);
}

static void
test_eth_padding_udp(void)
{
	struct pkt p;
	struct frame f = mk_v4_udp();

	CU_ASSERT_EQUAL(f.n, 60);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.dport, 3478);
	CU_ASSERT_EQUAL(p.tcp_flags, 0);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 20 + 8);
	CU_ASSERT(p.payload != NULL && memcmp(p.payload, "ping", 4) == 0);
}

static void
test_eth_trunc(void)
{
	struct pkt p;
	struct frame f = mk_v4_tcp();

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 13, 60), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_ETH_TRUNC);
	CU_ASSERT_EQUAL(p.family, 0);
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 0, 60), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_ETH_TRUNC);
	CU_ASSERT_EQUAL(decode_packet(&p, DLT_EN10MB, NULL, 0, 0), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_ETH_TRUNC);
}

static void
test_non_ip(void)
{
	struct pkt p;
	struct frame f = mk_v4_tcp();

	fr_set16(&f, 12, 0x0806);	/* ARP */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.event, DEV_NON_IP);
	CU_ASSERT_EQUAL(p.family, 0);
	fr_set16(&f, 12, 0x002e);	/* an 802.3 length field */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.event, DEV_NON_IP);
}

static void
test_vlan_8021q(void)
{
	struct pkt p;
	struct frame f = mk_vlan(1, 0x8100);

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.vlan_depth, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 101);
	CU_ASSERT_EQUAL(p.vlan[1], 0);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.payload_len, 4);
}

static void
test_vlan_qinq(void)
{
	struct pkt p;
	struct frame f;

	f = mk_vlan(2, 0x88a8);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_depth, 2);
	CU_ASSERT_EQUAL(p.vlan[0], 101);
	CU_ASSERT_EQUAL(p.vlan[1], 102);
	CU_ASSERT_EQUAL(p.dport, 3478);

	f = mk_vlan(2, 0x9100);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_depth, 2);
	CU_ASSERT_EQUAL(p.vlan[0], 101);
	CU_ASSERT_EQUAL(p.vlan[1], 102);

	/* Deeper tags are walked and counted, only the outer two kept. */
	f = mk_vlan(3, 0x88a8);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_depth, 3);
	CU_ASSERT_EQUAL(p.vlan[0], 101);
	CU_ASSERT_EQUAL(p.vlan[1], 102);
	CU_ASSERT_EQUAL(p.sport, 50002);
}

static void
test_vlan_too_deep(void)
{
	struct pkt p;
	struct frame f;

	f = mk_vlan(DECODE_MAX_VLAN, 0x88a8);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.vlan_depth, DECODE_MAX_VLAN);
	CU_ASSERT_EQUAL(p.sport, 50002);

	f = mk_vlan(DECODE_MAX_VLAN + 1, 0x88a8);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_VLAN_TOO_DEEP);
	CU_ASSERT_EQUAL(p.vlan_depth, DECODE_MAX_VLAN);
	CU_ASSERT_EQUAL(p.vlan[0], 101);
	CU_ASSERT_EQUAL(p.family, 0);
	CU_ASSERT_EQUAL(p.has_ports, 0);
}

static void
test_vlan_trunc(void)
{
	struct pkt p;
	struct frame f = mk_vlan(2, 0x88a8);

	/* Cut inside the second tag. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 4 + 2, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_VLAN_TRUNC);
	CU_ASSERT_EQUAL(p.vlan_depth, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 101);
}

/* ---- Linux cooked, BSD loopback, raw -------------------------------------- */

/* Re-frame the IP packet of an Ethernet frame behind another link header. */
static struct frame
reframe(const struct frame *eth, const uint8_t *hdr, size_t hlen)
{
	struct frame f = { .n = 0 };

	fr_add(&f, hdr, hlen);
	fr_add(&f, eth->b + 14, eth->n - 14);
	return f;
}

static void
test_sll(void)
{
	static const uint8_t sll[16] = {
		0, 4, 0, 1, 0, 6, 2, 0, 0x5e, 0x0a, 0, 0x14, 0, 0, 0x08, 0x00
	};
	struct frame u = mk_v4_udp(), f = reframe(&u, sll, sizeof(sll));
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_LINUX_SLL, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(memcmp(p.src, CLI4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.dport, 3478);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(payload_off(&p), 16 + 20 + 8);

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_LINUX_SLL, f.b, 15, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_SLL_TRUNC);
}

static void
test_sll2(void)
{
	static const uint8_t sll2[20] = {
		0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
		2, 0, 0x5e, 0x01, 0, 0x0b, 0, 0
	};
	struct frame t = mk_v6_tcp(), f = reframe(&t, sll2, sizeof(sll2));
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_LINUX_SLL2, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(memcmp(p.src, SRV6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, CLI6, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 443);
	CU_ASSERT_EQUAL(p.dport, 50003);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN | TCP_ACK);

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_LINUX_SLL2, f.b, 19, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_SLL_TRUNC);
}

static void
test_null_loop(void)
{
	static const struct {
		int	dlt;
		uint8_t	hdr[4];
		int	family;		/* 0: not IP */
	} cases[] = {
		{ DLT_NULL, { 2, 0, 0, 0 }, 4 },	/* little-endian AF_INET */
		{ DLT_NULL, { 0, 0, 0, 2 }, 4 },	/* big-endian AF_INET */
		{ DLT_LOOP, { 0, 0, 0, 2 }, 4 },
		{ DLT_LOOP, { 2, 0, 0, 0 }, 4 },
		{ DLT_NULL, { 10, 0, 0, 0 }, 6 },	/* Linux AF_INET6 */
		{ DLT_NULL, { 24, 0, 0, 0 }, 6 },	/* NetBSD/OpenBSD */
		{ DLT_NULL, { 0, 0, 0, 28 }, 6 },	/* FreeBSD, big-endian */
		{ DLT_LOOP, { 0, 0, 0, 30 }, 6 },	/* Darwin */
		{ DLT_NULL, { 7, 0, 0, 0 }, 0 },	/* AF_UNIX: not IP */
		{ DLT_NULL, { 2, 0, 0, 1 }, 0 },	/* neither byte order makes sense */
	};
	struct frame v4 = mk_v4_udp(), v6 = mk_v6_tcp(), f;
	struct pkt p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = reframe(cases[i].family == 6 ? &v6 : &v4, cases[i].hdr, 4);
		rc = dec(&p, cases[i].dlt, &f);
		if (cases[i].family == 0) {
			CU_ASSERT_EQUAL(rc, DECODE_UNSUPPORTED);
			CU_ASSERT_EQUAL(p.event, DEV_NON_IP);
			continue;
		}
		CU_ASSERT_EQUAL(rc, DECODE_OK);
		CU_ASSERT_EQUAL(p.family, cases[i].family);
		CU_ASSERT_EQUAL(p.has_ports, 1);
		CU_ASSERT_EQUAL(p.sport, cases[i].family == 4 ? 50002 : 443);
	}
	f = reframe(&v4, cases[0].hdr, 4);
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_NULL, f.b, 3, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_NULL_TRUNC);
}

static void
test_raw(void)
{
	struct frame v4 = mk_v4_tcp(), v6 = mk_v6_tcp(), f4, f6;
	struct pkt p;

	f4 = reframe(&v4, NULL, 0);
	f6 = reframe(&v6, NULL, 0);
	CU_ASSERT_EQUAL(dec(&p, DLT_RAW, &f4), DECODE_OK);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.sport, 50001);
	CU_ASSERT_EQUAL(dec(&p, 101, &f4), DECODE_OK);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(dec(&p, DLT_RAW, &f6), DECODE_OK);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.sport, 443);
	CU_ASSERT_EQUAL(dec(&p, DLT_IPV4, &f4), DECODE_OK);
	CU_ASSERT_EQUAL(p.dport, 5061);
	CU_ASSERT_EQUAL(dec(&p, DLT_IPV6, &f6), DECODE_OK);
	CU_ASSERT_EQUAL(p.dport, 50003);
	/* The link type decides for DLT_IPV4/DLT_IPV6, the nibble for raw. */
	CU_ASSERT_EQUAL(dec(&p, DLT_IPV4, &f6), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_BAD_VERSION);
	CU_ASSERT_EQUAL(dec(&p, DLT_IPV6, &f4), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV6_BAD_VERSION);
	f4.b[0] = 0x55;
	CU_ASSERT_EQUAL(dec(&p, DLT_RAW, &f4), DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.event, DEV_NON_IP);
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_RAW, f4.b, 0, 60), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_TRUNC);
}

/* ---- IPv4 ---------------------------------------------------------------- */

/* IPv4 UDP "ping" with `optlen` option bytes (a multiple of 4). */
static struct frame
mk_v4_opts(const uint8_t *opt, size_t optlen)
{
	struct frame f = { .n = 0 };

	ADD(&f, ETH4);
	add_ip4(&f, (uint16_t)(20 + optlen + sizeof(DGRAM_PING)), 7, 0, 17, CLI4, SRV4);
	f.b[14] = (uint8_t)(0x40 | (20 + optlen) / 4);
	fr_add(&f, opt, optlen);
	ADD(&f, DGRAM_PING);
	return f;
}

static void
test_ipv4_options(void)
{
	/* Router alert (RFC 2113), NOP, record route with one slot, EOL. */
	static const uint8_t opts[12] = { 148, 4, 0, 0, 1, 7, 7, 4, 0, 0, 0, 0 };
	struct frame f = mk_v4_opts(opts, sizeof(opts));
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.dport, 3478);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 32 + 8);
}

static void
test_ipv4_opt_bad(void)
{
	static const uint8_t past[4] = { 7, 11, 4, 0 };	/* 11 bytes in 4 */
	static const uint8_t zero[4] = { 1, 68, 0, 0 };	/* length 0 */
	struct frame f;
	struct pkt p;

	f = mk_v4_opts(past, sizeof(past));
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_OPT_BAD);
	/* What the IP header said is kept for the engine. */
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(memcmp(p.src, CLI4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, SRV4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(p.has_ports, 0);
	CU_ASSERT_PTR_NULL(p.payload);

	f = mk_v4_opts(zero, sizeof(zero));
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_OPT_BAD);
}

static void
test_ipv4_bad_version(void)
{
	struct frame f = mk_v4_udp();
	struct pkt p;

	f.b[14] = 0x65;
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_BAD_VERSION);
	CU_ASSERT_EQUAL(p.family, 0);
}

static void
test_ipv4_bad_hlen(void)
{
	struct frame f = mk_v4_udp();
	struct pkt p;

	f.b[14] = 0x44;
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_BAD_HLEN);
	CU_ASSERT_EQUAL(p.family, 0);
}

static void
test_ipv4_bad_totlen(void)
{
	struct frame f = mk_v4_udp();
	struct pkt p;

	fr_set16(&f, 16, 19);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_BAD_TOTLEN);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.has_ports, 0);
}

static void
test_ipv4_trunc(void)
{
	static const uint8_t opts[4] = { 1, 1, 1, 0 };
	struct frame f = mk_v4_udp(), g = mk_v4_opts(opts, sizeof(opts));
	struct pkt p;

	/* Cut in the fixed header: nothing learned. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 19, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_TRUNC);
	CU_ASSERT_EQUAL(p.family, 0);
	/* Cut in the options: the addresses are known. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, g.b, 14 + 22, g.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_TRUNC);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(memcmp(p.dst, SRV4_MAPPED, 16), 0);
}

static void
test_ipv4_frag(void)
{
	struct frame f = { .n = 0 };
	struct pkt p;

	/* First fragment: UDP says 1008 bytes, the fragment holds 12. */
	ADD(&f, ETH4);
	add_ip4(&f, 20 + sizeof(DGRAM_PING), 0x4242, 0x2000, 17, CLI4, SRV4);
	ADD(&f, DGRAM_PING);
	fr_set16(&f, 14 + 20 + 4, 1008);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_FIRST);
	CU_ASSERT_EQUAL(p.ip_id, 0x4242);
	CU_ASSERT_EQUAL(p.has_ports, 1);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.payload_len, 4);

	/* Later fragment, offset 400: no transport header. */
	fr_set16(&f, 14 + 6, 0x2000 | 50);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_FRAG_LATER);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_LATER);
	CU_ASSERT_EQUAL(p.ip_id, 0x4242);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.has_ports, 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.payload_len, 12);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 20);

	/* Last fragment (offset > 0, no MF) is a later fragment too. */
	fr_set16(&f, 14 + 6, 100);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_LATER);

	/* DF alone is no fragment. */
	fr_set16(&f, 14 + 6, 0x4000);
	fr_set16(&f, 14 + 20 + 4, 12);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_NONE);
}

/* ---- IPv6 ---------------------------------------------------------------- */

static void
test_ipv6_tcp(void)
{
	struct frame f = mk_v6_tcp();
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.ip_proto, 6);
	CU_ASSERT_EQUAL(memcmp(p.src, SRV6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, CLI6, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 443);
	CU_ASSERT_EQUAL(p.dport, 50003);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_NONE);
	/* The payload length leaves the 4-byte trailer out. */
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 40 + 20);
}

static void
test_ipv6_ext_chain(void)
{
	struct frame f = mk_v6_ext_udp();
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(memcmp(p.src, CLI6, 16), 0);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.dport, 3478);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 40 + 48 + 8);
}

static void
test_ipv6_ext_trunc(void)
{
	struct frame f = mk_v6_ext_udp();
	struct pkt p;

	/* Cut inside AH. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 40 + 24 + 20, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_IPV6_EXT_TRUNC);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(memcmp(p.dst, SRV6, 16), 0);
	CU_ASSERT_EQUAL(p.has_ports, 0);

	/* An AH length running past the payload length. */
	f.b[14 + 40 + 24 + 1] = 40;
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_IPV6_EXT_TRUNC);
}

static struct frame
mk_v6_dstopts(size_t n)
{
	struct frame f = { .n = 0 };
	uint8_t h[8] = { 60, 0, 1, 4, 0, 0, 0, 0 };
	size_t i;

	ADD(&f, ETH6);
	add_ip6(&f, (uint16_t)(8 * n + sizeof(DGRAM_PING)), 60, CLI6, SRV6);
	for (i = 0; i < n; i++) {
		h[0] = i + 1 < n ? 60 : 17;
		ADD(&f, h);
	}
	ADD(&f, DGRAM_PING);
	return f;
}

static void
test_ipv6_ext_too_deep(void)
{
	struct frame f;
	struct pkt p;

	f = mk_v6_dstopts(DECODE_MAX_IPV6_EXT);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.sport, 50002);

	f = mk_v6_dstopts(DECODE_MAX_IPV6_EXT + 1);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV6_EXT_TOO_DEEP);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.has_ports, 0);
}

static void
test_ipv6_frag(void)
{
	struct frame f = { .n = 0 };
	uint8_t fh[8] = { 17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef };
	struct pkt p;

	ADD(&f, ETH6);
	add_ip6(&f, 8 + sizeof(DGRAM_PING), 44, CLI6, SRV6);
	ADD(&f, fh);
	ADD(&f, DGRAM_PING);
	fr_set16(&f, 14 + 40 + 8 + 4, 1208);	/* the whole datagram */

	/* Offset 0, M set: first fragment, ports known. */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_FIRST);
	CU_ASSERT_EQUAL(p.ip_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.payload_len, 4);

	/* Offset 616: later fragment. */
	fr_set16(&f, 14 + 40 + 2, 616 | 1);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_FRAG_LATER);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_LATER);
	CU_ASSERT_EQUAL(p.ip_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.has_ports, 0);
	CU_ASSERT_EQUAL(p.payload_len, 12);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 48);

	/* Offset 0 without M: an atomic fragment, a whole datagram. */
	fr_set16(&f, 14 + 40 + 2, 0);
	fr_set16(&f, 14 + 40 + 8 + 4, 12);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_NONE);
	CU_ASSERT_EQUAL(p.ip_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.sport, 50002);
}

static void
test_ipv6_trunc(void)
{
	struct frame f = mk_v6_tcp();
	struct pkt p;

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 39, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_IPV6_TRUNC);
	CU_ASSERT_EQUAL(p.family, 0);
}

static void
test_ipv6_bad_version(void)
{
	struct frame f = mk_v6_tcp();
	struct pkt p;

	f.b[14] = 0x40;
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV6_BAD_VERSION);
	CU_ASSERT_EQUAL(p.family, 0);
}

static void
test_ipv6_zero_plen(void)
{
	struct frame f = mk_v6_ext_udp(), g = mk_v6_tcp();
	struct pkt p;

	/* Jumbogram style: length 0 behind hop-by-hop, the capture decides. */
	fr_set16(&f, 14 + 4, 0);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.sport, 50002);
	CU_ASSERT_EQUAL(p.payload_len, 4);

	/* Length 0 without hop-by-hop: an empty payload, so TCP is cut. */
	fr_set16(&g, 14 + 4, 0);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &g), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_TCP_TRUNC);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(memcmp(p.src, SRV6, 16), 0);
}

/* ---- TCP ----------------------------------------------------------------- */

static void
test_tcp_options_data(void)
{
	struct frame f = mk_v4_tcp_data();
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_PSH | TCP_ACK);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 20 + 32);
	CU_ASSERT(p.payload != NULL && memcmp(p.payload, "hello", 5) == 0);
}

static void
test_tcp_trunc(void)
{
	struct frame f = mk_v4_tcp_data();
	struct pkt p;

	/* Cut in the fixed header: ports unknown. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 20 + 19, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_TCP_TRUNC);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.has_ports, 0);
	CU_ASSERT_PTR_NULL(p.payload);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	/* Cut in the options: ports known, header incomplete. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 20 + 24, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_TCP_TRUNC);
	CU_ASSERT_EQUAL(p.has_ports, 1);
	CU_ASSERT_EQUAL(p.sport, 50001);
	CU_ASSERT_PTR_NULL(p.payload);
}

static void
test_tcp_bad_hlen(void)
{
	struct frame f = mk_v4_tcp();
	struct pkt p;

	f.b[14 + 20 + 12] = 0x30;
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_TCP_BAD_HLEN);
	CU_ASSERT_EQUAL(p.sport, 50001);
}

static void
test_tcp_opt_bad(void)
{
	struct frame f = mk_v4_tcp();
	struct pkt p;

	f.b[14 + 20 + 21] = 5;		/* MSS claiming 5 bytes of 4 */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_TCP_OPT_BAD);
	f.b[14 + 20 + 21] = 1;		/* shorter than kind + length */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_TCP_OPT_BAD);
	f.b[14 + 20 + 20] = 0;		/* end of list: the rest is ignored */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
}

/* ---- UDP ----------------------------------------------------------------- */

static void
test_udp_trunc(void)
{
	struct frame f = mk_v4_udp();
	struct pkt p;

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 20 + 7, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_UDP_TRUNC);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.has_ports, 0);
}

static void
test_udp_bad_len(void)
{
	struct frame f = mk_v4_udp();
	struct pkt p;

	fr_set16(&f, 14 + 20 + 4, 13);		/* one byte past the IP payload */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_UDP_BAD_LEN);
	CU_ASSERT_EQUAL(p.has_ports, 1);
	CU_ASSERT_EQUAL(p.dport, 3478);
	CU_ASSERT_PTR_NULL(p.payload);
	fr_set16(&f, 14 + 20 + 4, 7);		/* shorter than the header */
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_UDP_BAD_LEN);
	/* Shorter than the IP payload is fine: the rest is not payload. */
	fr_set16(&f, 14 + 20 + 4, 10);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.payload_len, 2);
}

/* ---- snaplen ------------------------------------------------------------- */

static void
test_snaplen_trunc(void)
{
	struct frame f = mk_v4_tcp_data(), u = mk_v4_udp();
	struct pkt p;

	/* Headers whole, 2 of 5 data bytes captured. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, f.n - 3, f.n), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_SNAPLEN_TRUNC);
	CU_ASSERT_EQUAL(p.caplen, f.n - 3);
	CU_ASSERT_EQUAL(p.wirelen, f.n);
	CU_ASSERT_EQUAL(p.sport, 50001);
	CU_ASSERT_EQUAL(p.payload_len, 2);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 20 + 32);

	/* Exactly the headers: payload empty but still cut. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 20 + 32, f.n), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_SNAPLEN_TRUNC);
	CU_ASSERT_EQUAL(p.payload_len, 0);

	/* UDP, 1 of 4 bytes; only the padding cut is no truncation. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, u.b, 14 + 20 + 9, u.n), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_SNAPLEN_TRUNC);
	CU_ASSERT_EQUAL(p.payload_len, 1);
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, u.b, 14 + 20 + 12, u.n), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.payload_len, 4);
}

/* ---- ICMP ---------------------------------------------------------------- */

static void
test_icmp_echo(void)
{
	static const uint8_t echo[12] = { 8, 0, 0, 0, 0x01, 0x01, 0, 1, 'a', 'b', 'c', 'd' };
	struct frame f = { .n = 0 };
	struct pkt p;

	ADD(&f, ETH4);
	add_ip4(&f, 20 + sizeof(echo), 9, 0, 1, CLI4, SRV4);
	ADD(&f, echo);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.ip_proto, 1);
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	CU_ASSERT_EQUAL(p.icmp_code, 0);
	CU_ASSERT_EQUAL(p.icmp_id, 0x0101);
	CU_ASSERT_EQUAL(p.has_ports, 0);
	CU_ASSERT_EQUAL(p.inner.valid, 0);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(payload_off(&p), 14 + 20 + 8);
}

static void
test_icmp_unreach_inner(void)
{
	struct frame f = mk_icmp_unreach();
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(memcmp(p.src, SRV4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, CLI4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 3);
	CU_ASSERT_EQUAL(p.icmp_id, 0);
	CU_ASSERT_EQUAL(p.has_ports, 0);
	CU_ASSERT_EQUAL(p.inner.valid, 1);
	CU_ASSERT_EQUAL(p.inner.has_ports, 1);
	CU_ASSERT_EQUAL(p.inner.family, 4);
	CU_ASSERT_EQUAL(p.inner.proto, 17);
	CU_ASSERT_EQUAL(memcmp(p.inner.src, CLI4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.inner.dst, SRV4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(p.inner.sport, 50002);
	CU_ASSERT_EQUAL(p.inner.dport, 3478);
	CU_ASSERT_EQUAL(p.payload_len, 32);
}

static void
test_icmp_unreach_inner_options(void)
{
	static const uint8_t icmp[8] = { 3, 3, 0, 0, 0, 0, 0, 0 };
	static const uint8_t ra[4] = { 148, 4, 0, 0 };	/* router alert */
	struct frame f = { .n = 0 };
	struct pkt p;

	/* The quoted header carries 4 option bytes: ports come after them. */
	ADD(&f, ETH4);
	add_ip4(&f, 20 + 8 + 24 + sizeof(DGRAM_PING), 0x3002, 0, 1, SRV4, CLI4);
	ADD(&f, icmp);
	add_ip4(&f, 24 + sizeof(DGRAM_PING), 7, 0, 17, CLI4, SRV4);
	f.b[14 + 28] = 0x46;
	ADD(&f, ra);
	ADD(&f, DGRAM_PING);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.inner.valid, 1);
	CU_ASSERT_EQUAL(p.inner.has_ports, 1);
	CU_ASSERT_EQUAL(p.inner.sport, 50002);
	CU_ASSERT_EQUAL(p.inner.dport, 3478);

	/* A quoted later fragment has no ports to give. */
	fr_set16(&f, 14 + 28 + 6, 100);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.inner.valid, 1);
	CU_ASSERT_EQUAL(p.inner.has_ports, 0);

	/* A quoted IHL below 5 is unusable, not cut. */
	fr_set16(&f, 14 + 28 + 6, 0);
	f.b[14 + 28] = 0x44;
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.inner.valid, 0);
}

static void
test_icmp_inner_trunc(void)
{
	struct frame f = mk_icmp_unreach();
	struct pkt p;

	/* The sender quoted only 4 transport bytes (the IP total length
	 * says so: no snaplen involved). */
	fr_set16(&f, 14 + 2, 20 + 8 + 20 + 4);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_ICMP_INNER_TRUNC);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.inner.valid, 1);
	CU_ASSERT_EQUAL(p.inner.has_ports, 0);
	CU_ASSERT_EQUAL(memcmp(p.inner.dst, SRV4_MAPPED, 16), 0);
	CU_ASSERT_EQUAL(p.payload_len, 24);

	/* Snaplen inside the quoted IP header: nothing inner is known. */
	f = mk_icmp_unreach();
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 20 + 8 + 15, f.n), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_ICMP_INNER_TRUNC);
	CU_ASSERT_EQUAL(p.inner.valid, 0);
	CU_ASSERT_EQUAL(p.inner.has_ports, 0);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.icmp_code, 3);
}

static void
test_icmp_trunc(void)
{
	struct frame f = mk_icmp_unreach();
	struct pkt p;

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 20 + 4, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_ICMP_TRUNC);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 3);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.inner.valid, 0);
}

static void
test_icmpv6_unreach_inner(void)
{
	struct frame f = mk_icmp6_unreach();
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.ip_proto, 58);
	CU_ASSERT_EQUAL(p.icmp_type, 1);
	CU_ASSERT_EQUAL(p.icmp_code, 1);
	CU_ASSERT_EQUAL(p.inner.valid, 1);
	CU_ASSERT_EQUAL(p.inner.has_ports, 1);
	CU_ASSERT_EQUAL(p.inner.family, 6);
	CU_ASSERT_EQUAL(p.inner.proto, 6);	/* after the hop-by-hop header */
	CU_ASSERT_EQUAL(memcmp(p.inner.src, CLI6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.inner.dst, SRV6, 16), 0);
	CU_ASSERT_EQUAL(p.inner.sport, 50003);
	CU_ASSERT_EQUAL(p.inner.dport, 443);

	/* Cut in the quoted hop-by-hop header. */
	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 40 + 8 + 40 + 4, f.n), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_ICMP_INNER_TRUNC);
	CU_ASSERT_EQUAL(p.inner.valid, 1);
	CU_ASSERT_EQUAL(p.inner.has_ports, 0);
	CU_ASSERT_EQUAL(memcmp(p.inner.src, CLI6, 16), 0);
}

static void
test_icmpv6_echo(void)
{
	static const uint8_t echo[8] = { 129, 0, 0, 0, 0x12, 0x34, 0, 7 };
	struct frame f = { .n = 0 };
	struct pkt p;

	ADD(&f, ETH6);
	add_ip6(&f, sizeof(echo), 58, SRV6, CLI6);
	ADD(&f, echo);
	CU_ASSERT_EQUAL(dec(&p, DLT_EN10MB, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.icmp_type, 129);
	CU_ASSERT_EQUAL(p.icmp_id, 0x1234);
	CU_ASSERT_EQUAL(p.inner.valid, 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);

	CU_ASSERT_EQUAL(dec_wire(&p, DLT_EN10MB, f.b, 14 + 40 + 7, f.n), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_ICMP_TRUNC);
	CU_ASSERT_EQUAL(p.icmp_type, 129);
}

/* ---- truncation sweeps -------------------------------------------------- */

/*
 * Decode the first `caplen` bytes of `frame` at every length 0..caplen.
 * Returns the number of lengths whose result broke the contract (and
 * prints the first one).
 */
static unsigned int
sweep(const char *what, int dlt, const uint8_t *frame, size_t caplen, uint32_t wirelen)
{
	struct pkt p;
	unsigned int bad = 0;
	size_t n;
	int rc;

	for (n = 0; n <= caplen; n++) {
		uint8_t *b = malloc(n > 0 ? n : 1);
		int ok;

		if (b == NULL)
			return bad + 1;
		memcpy(b, frame, n);
		rc = decode_packet(&p, dlt, b, (uint32_t)n, wirelen);
		ok = rc >= DECODE_OK && rc <= DECODE_UNSUPPORTED &&
		    p.event < DEV_MAX && p.caplen == n &&
		    p.wirelen == wirelen && p.linktype == dlt &&
		    (p.family == 0 || p.family == 4 || p.family == 6) &&
		    p.vlan_depth <= DECODE_MAX_VLAN &&
		    (rc == DECODE_OK || p.event != DEV_NONE) &&
		    (p.payload == NULL ? p.payload_len == 0 :
		    (p.payload >= b && p.payload_len <= n &&
		    (size_t)(p.payload - b) <= n - p.payload_len));
		if (!ok && bad++ == 0)
			fprintf(stderr, "\n%s: length %zu/%zu: result %d event %s\n",
			    what, n, caplen, rc, decode_event_name(p.event));
		free(b);
	}
	return bad;
}

static void
test_sweep_crafted(void)
{
	static const uint8_t null4[4] = { 2, 0, 0, 0 };
	struct {
		const char	*name;
		int		 dlt;
		struct frame	 f;
	} set[16];
	size_t n = 0, i;

	set[n].name = "v4-tcp"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_v4_tcp();
	set[n].name = "v4-udp"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_v4_udp();
	set[n].name = "v4-tcp-data"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_v4_tcp_data();
	set[n].name = "v6-tcp"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_v6_tcp();
	set[n].name = "v6-ext-udp"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_v6_ext_udp();
	set[n].name = "v6-dstopts9"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_v6_dstopts(9);
	set[n].name = "icmp-unreach"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_icmp_unreach();
	set[n].name = "icmp6-unreach"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_icmp6_unreach();
	set[n].name = "vlan3"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_vlan(3, 0x88a8);
	set[n].name = "vlan9"; set[n].dlt = DLT_EN10MB; set[n++].f = mk_vlan(9, 0x9100);
	set[n].name = "v4-opts"; set[n].dlt = DLT_EN10MB;
	set[n++].f = mk_v4_opts((const uint8_t[]){ 148, 4, 0, 0, 1, 7, 7, 4, 0, 0, 0, 0 }, 12);
	set[n].name = "null-v4"; set[n].dlt = DLT_NULL;
	{
		struct frame t = mk_v4_udp();
		set[n++].f = reframe(&t, null4, 4);
	}
	set[n].name = "raw-v6"; set[n].dlt = DLT_RAW;
	{
		struct frame t = mk_icmp6_unreach();
		set[n++].f = reframe(&t, NULL, 0);
	}

	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sweep(set[i].name, set[i].dlt, set[i].f.b,
		    set[i].f.n, (uint32_t)set[i].f.n), 0);
}

/* Every packet of a capture, at every length.  Returns packets read, or
 * -1 when the file cannot be opened. */
static long
sweep_file(const char *path, unsigned int *bad)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	long n = 0;
	int dlt;

	if ((pc = pcap_open_offline(path, errbuf)) == NULL)
		return -1;
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		*bad += sweep(path, dlt, data, h->caplen, h->len);
		n++;
	}
	pcap_close(pc);
	return n;
}

static void
test_sweep_samples(void)
{
	static const char *pats[] = { "samples/*.pcap", "samples/*.pcapng" };
	unsigned int bad = 0;
	size_t i, k;
	glob_t g;

	for (i = 0; i < 2; i++) {
		char pat[4096];

		snprintf(pat, sizeof(pat), "%s", unit_srcpath(pats[i]));
		if (glob(pat, 0, NULL, &g) != 0)
			continue;		/* none yet */
		for (k = 0; k < g.gl_pathc; k++)
			CU_ASSERT(sweep_file(g.gl_pathv[k], &bad) >= 0);
		globfree(&g);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- gen-edge ----------------------------------------------------------- */

/* Run tests/gen-edge with `arg`, its output going to `log`; returns its
 * exit status, or -1 when it could not be run. */
static int
run_gen_edge(const char *arg, const char *log)
{
	char prog[4096];
	const char *top = getenv("top_builddir");
	pid_t pid;
	int st, fd;

#ifdef TOP_BUILDDIR
	if (top == NULL)
		top = TOP_BUILDDIR;
#endif
	if (top == NULL)
		top = ".";
	snprintf(prog, sizeof(prog), "%s/tests/gen-edge", top);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		if (arg != NULL)
			execl(prog, prog, arg, (char *)NULL);
		else
			execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static long
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static int
same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa != NULL && fb != NULL;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Each packet of one gen-edge file, decoded at full length. */
#define EDGE_MAX_PKTS	96
struct edge {
	int		dlt;
	size_t		n;
	int		rc[EDGE_MAX_PKTS];
	struct pkt	p[EDGE_MAX_PKTS];
	uint32_t	caplen[EDGE_MAX_PKTS];
};

static int
edge_load(const char *dir, const char *name, struct edge *e)
{
	char path[4096], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		fprintf(stderr, "\n%s\n", errbuf);
		return -1;
	}
	e->dlt = pcap_datalink(pc);
	while (e->n < EDGE_MAX_PKTS && pcap_next_ex(pc, &h, &data) == 1) {
		e->rc[e->n] = decode_packet(&e->p[e->n], e->dlt, data, h->caplen, h->len);
		e->caplen[e->n] = h->caplen;
		/* The payload points into libpcap's buffer: drop it. */
		e->p[e->n].payload = NULL;
		e->n++;
	}
	pcap_close(pc);
	return 0;
}

/* `npkts` packets, every one OK with no event and with ports. */
static void
edge_all_clean(const struct edge *e, size_t npkts)
{
	size_t i;

	CU_ASSERT_EQUAL(e->n, npkts);
	for (i = 0; i < e->n; i++) {
		CU_ASSERT_EQUAL(e->rc[i], DECODE_OK);
		CU_ASSERT_EQUAL(e->p[i].event, DEV_NONE);
		CU_ASSERT_EQUAL(e->p[i].has_ports, 1);
	}
}

static void
check_edge_files(const char *dir)
{
	static const uint8_t srv6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 };
	static const uint8_t cli30[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 10, 30 };
	static const struct {
		int	rc;
		int	ev;
	} malformed[] = {
		{ DECODE_OK, DEV_NONE },
		{ DECODE_INVALID, DEV_IPV4_BAD_HLEN },
		{ DECODE_OK, DEV_NONE },
		{ DECODE_INVALID, DEV_TCP_BAD_HLEN },
		{ DECODE_INVALID, DEV_UDP_BAD_LEN },
		{ DECODE_INVALID, DEV_IPV4_OPT_BAD },
		{ DECODE_INVALID, DEV_VLAN_TOO_DEEP },
		{ DECODE_INVALID, DEV_IPV6_EXT_TOO_DEEP },
		{ DECODE_OK, DEV_NONE },
		{ DECODE_INVALID, DEV_TCP_OPT_BAD },
		{ DECODE_OK, DEV_NONE },
	};
	static const uint8_t frag_kind[8] = {
		PKT_FRAG_FIRST, PKT_FRAG_LATER, PKT_FRAG_LATER, PKT_FRAG_NONE,
		PKT_FRAG_FIRST, PKT_FRAG_LATER, PKT_FRAG_NONE, PKT_FRAG_LATER
	};
	static struct edge e;		/* large: keep it off the stack */
	size_t i;

	/* vlan.pcap: 9 TCP + 2 UDP on VLAN 100, 9 TCP on VLAN 200. */
	if (edge_load(dir, "vlan.pcap", &e) == 0) {
		edge_all_clean(&e, 20);
		CU_ASSERT_EQUAL(e.dlt, DLT_EN10MB);
		for (i = 0; i < e.n; i++) {
			CU_ASSERT_EQUAL(e.p[i].vlan_depth, 1);
			CU_ASSERT_EQUAL(e.p[i].vlan[0], i < 11 ? 100 : 200);
			CU_ASSERT_EQUAL(e.p[i].family, 4);
		}
		CU_ASSERT_EQUAL(e.p[0].tcp_flags, TCP_SYN);
		CU_ASSERT_EQUAL(memcmp(e.p[0].dst, SRV4_MAPPED, 16), 0);
		CU_ASSERT_EQUAL(e.p[0].dport, 5061);
		CU_ASSERT_EQUAL(e.p[1].tcp_flags, TCP_SYN | TCP_ACK);
		CU_ASSERT_EQUAL(e.p[3].payload_len, 120);
		CU_ASSERT_EQUAL(e.p[4].payload_len, 300);
		CU_ASSERT_EQUAL(e.p[6].tcp_flags, TCP_FIN | TCP_ACK);
		CU_ASSERT_EQUAL(e.p[9].ip_proto, 17);
		CU_ASSERT_EQUAL(e.p[10].sport, 3478);
		CU_ASSERT_EQUAL(e.p[11].dport, 443);
	} else
		CU_FAIL("vlan.pcap");

	/* qinq.pcap: 0x88a8 10 / 0x8100 100, then 0x9100 20 / 0x8100 200. */
	if (edge_load(dir, "qinq.pcap", &e) == 0) {
		edge_all_clean(&e, 20);
		for (i = 0; i < e.n; i++) {
			CU_ASSERT_EQUAL(e.p[i].vlan_depth, 2);
			CU_ASSERT_EQUAL(e.p[i].vlan[0], i < 11 ? 10 : 20);
			CU_ASSERT_EQUAL(e.p[i].vlan[1], i < 11 ? 100 : 200);
		}
	} else
		CU_FAIL("qinq.pcap");

	if (edge_load(dir, "ipv6-ext.pcap", &e) == 0) {
		edge_all_clean(&e, 20);
		for (i = 0; i < e.n; i++) {
			CU_ASSERT_EQUAL(e.p[i].family, 6);
			CU_ASSERT_EQUAL(e.p[i].ip_proto, i == 9 || i == 10 ? 17 : 6);
		}
		CU_ASSERT_EQUAL(memcmp(e.p[0].dst, srv6, 16), 0);
		CU_ASSERT_EQUAL(e.p[0].sport, 50021);
		CU_ASSERT_EQUAL(e.p[3].payload_len, 120);
		CU_ASSERT_EQUAL(e.p[10].payload_len, 80);
		CU_ASSERT_EQUAL(e.p[12].sport, 443);
	} else
		CU_FAIL("ipv6-ext.pcap");

	if (edge_load(dir, "frag.pcap", &e) == 0) {
		CU_ASSERT_EQUAL(e.n, 8);
		for (i = 0; i < e.n && i < 8; i++) {
			CU_ASSERT_EQUAL(e.rc[i], DECODE_OK);
			CU_ASSERT_EQUAL(e.p[i].frag, frag_kind[i]);
			CU_ASSERT_EQUAL(e.p[i].event,
			    frag_kind[i] == PKT_FRAG_LATER ? DEV_FRAG_LATER : DEV_NONE);
			CU_ASSERT_EQUAL(e.p[i].has_ports, frag_kind[i] != PKT_FRAG_LATER);
			CU_ASSERT_EQUAL(e.p[i].ip_proto, 17);
		}
		CU_ASSERT_EQUAL(e.p[0].ip_id, 0x1234);
		CU_ASSERT_EQUAL(e.p[1].ip_id, 0x1234);
		CU_ASSERT_EQUAL(e.p[2].ip_id, 0x1234);
		CU_ASSERT_EQUAL(e.p[0].sport, 50031);
		CU_ASSERT_EQUAL(e.p[0].payload_len, 400 - 8);
		CU_ASSERT_EQUAL(e.p[2].payload_len, 208);
		CU_ASSERT_EQUAL(e.p[4].ip_id, 0xabcdef01);
		CU_ASSERT_EQUAL(e.p[5].ip_id, 0xabcdef01);
		CU_ASSERT_EQUAL(e.p[4].family, 6);
		CU_ASSERT_EQUAL(e.p[7].ip_id, 0x4321);
	} else
		CU_FAIL("frag.pcap");

	/* snaplen.pcap: the data packets (4, 5, 10, 11) are cut, all OK. */
	if (edge_load(dir, "snaplen.pcap", &e) == 0) {
		CU_ASSERT_EQUAL(e.n, 11);
		for (i = 0; i < e.n; i++) {
			int cut = i == 3 || i == 4 || i == 9 || i == 10;

			CU_ASSERT_EQUAL(e.rc[i], DECODE_OK);
			CU_ASSERT_EQUAL(e.p[i].event, cut ? DEV_SNAPLEN_TRUNC : DEV_NONE);
			CU_ASSERT_EQUAL(e.p[i].has_ports, 1);
			CU_ASSERT(e.caplen[i] <= 64);
		}
		CU_ASSERT_EQUAL(e.p[3].payload_len, 64 - 54);
		CU_ASSERT_EQUAL(e.p[9].payload_len, 64 - 42);
	} else
		CU_FAIL("snaplen.pcap");

	if (edge_load(dir, "pcapng.pcapng", &e) == 0) {
		edge_all_clean(&e, 9);
		CU_ASSERT_EQUAL(e.p[3].payload_len, 120);
		CU_ASSERT_EQUAL(e.p[4].payload_len, 301);
	} else
		CU_FAIL("pcapng.pcapng");

	if (edge_load(dir, "sll.pcap", &e) == 0) {
		edge_all_clean(&e, 22);
		CU_ASSERT_EQUAL(e.dlt, DLT_LINUX_SLL);
		CU_ASSERT_EQUAL(e.p[0].family, 4);
		CU_ASSERT_EQUAL(e.p[21].family, 6);
	} else
		CU_FAIL("sll.pcap");
	if (edge_load(dir, "sll2.pcap", &e) == 0) {
		edge_all_clean(&e, 22);
		CU_ASSERT_EQUAL(e.dlt, DLT_LINUX_SLL2);
		CU_ASSERT_EQUAL(e.p[11].family, 6);
		CU_ASSERT_EQUAL(e.p[11].sport, 50063);
	} else
		CU_FAIL("sll2.pcap");
	if (edge_load(dir, "raw.pcap", &e) == 0) {
		edge_all_clean(&e, 22);
		CU_ASSERT_EQUAL(e.dlt, DLT_RAW);
		CU_ASSERT_EQUAL(e.p[9].family, 4);
		CU_ASSERT_EQUAL(e.p[20].family, 6);
	} else
		CU_FAIL("raw.pcap");
	if (edge_load(dir, "null.pcap", &e) == 0) {
		edge_all_clean(&e, 22);
		CU_ASSERT_EQUAL(e.dlt, DLT_NULL);
		CU_ASSERT_EQUAL(e.p[0].family, 4);
		CU_ASSERT_EQUAL(e.p[9].family, 6);
		CU_ASSERT_EQUAL(e.p[11].family, 4);	/* big-endian family word */
		CU_ASSERT_EQUAL(e.p[13].family, 6);
	} else
		CU_FAIL("null.pcap");

	if (edge_load(dir, "icmp-unreach.pcap", &e) == 0) {
		CU_ASSERT_EQUAL(e.n, 6);
		for (i = 0; i < e.n; i++) {
			CU_ASSERT_EQUAL(e.rc[i], DECODE_OK);
			CU_ASSERT_EQUAL(e.p[i].event, DEV_NONE);
		}
		CU_ASSERT_EQUAL(e.p[1].icmp_type, 3);
		CU_ASSERT_EQUAL(e.p[1].icmp_code, 3);
		CU_ASSERT_EQUAL(e.p[1].inner.has_ports, 1);
		CU_ASSERT_EQUAL(e.p[1].inner.proto, 17);
		CU_ASSERT_EQUAL(e.p[1].inner.sport, 50081);
		CU_ASSERT_EQUAL(e.p[1].inner.dport, 3478);
		CU_ASSERT_EQUAL(memcmp(e.p[1].inner.dst, SRV4_MAPPED, 16), 0);
		CU_ASSERT_EQUAL(e.p[2].icmp_id, 0x0101);
		CU_ASSERT_EQUAL(e.p[3].icmp_type, 0);
		CU_ASSERT_EQUAL(e.p[5].icmp_type, 1);
		CU_ASSERT_EQUAL(e.p[5].icmp_code, 1);
		CU_ASSERT_EQUAL(e.p[5].inner.family, 6);
		CU_ASSERT_EQUAL(e.p[5].inner.sport, 50082);
		CU_ASSERT_EQUAL(e.p[5].inner.dport, 443);
		CU_ASSERT_EQUAL(memcmp(e.p[5].inner.dst, srv6, 16), 0);
	} else
		CU_FAIL("icmp-unreach.pcap");

	if (edge_load(dir, "malformed.pcap", &e) == 0) {
		CU_ASSERT_EQUAL(e.n, sizeof(malformed) / sizeof(malformed[0]));
		for (i = 0; i < e.n && i < sizeof(malformed) / sizeof(malformed[0]); i++) {
			CU_ASSERT_EQUAL(e.rc[i], malformed[i].rc);
			CU_ASSERT_EQUAL(e.p[i].event, malformed[i].ev);
		}
		CU_ASSERT_EQUAL(memcmp(e.p[0].src, cli30, 16), 0);
		CU_ASSERT_EQUAL(e.p[6].vlan_depth, DECODE_MAX_VLAN);
		CU_ASSERT_EQUAL(e.p[8].sport, 50093);
	} else
		CU_FAIL("malformed.pcap");

	/* tunnel.pcap: 9 TCP conversations and 3 UDP exchanges, each through
	 * its tunnel; the outer VLAN 300 never shows. */
	if (edge_load(dir, "tunnel.pcap", &e) == 0) {
		static const uint8_t tun0[12] = {
			PKT_TUN_GRE, PKT_TUN_GRE, PKT_TUN_GRE, PKT_TUN_GRETAP, PKT_TUN_ERSPAN1,
			PKT_TUN_ERSPAN2, PKT_TUN_ERSPAN3, PKT_TUN_ERSPAN3, PKT_TUN_VXLAN, PKT_TUN_GRE,
			PKT_TUN_GENEVE, PKT_TUN_GENEVE
		};
		size_t first[12], k = 0;

		edge_all_clean(&e, 9 * 9 + 3 * 2);
		for (i = 0; i < e.n && k < 12; i++) {
			if (i > 0 && e.p[i].sport == e.p[i - 1].sport &&
			    e.p[i].dport == e.p[i - 1].dport)
				continue;
			if (i > 0 && e.p[i].sport == e.p[i - 1].dport &&
			    e.p[i].dport == e.p[i - 1].sport)
				continue;
			first[k++] = i;
		}
		CU_ASSERT_EQUAL_FATAL(k, 12);
		for (k = 0; k < 12; k++) {
			const struct pkt *q = &e.p[first[k]];

			CU_ASSERT_EQUAL(q->tunnel[0], tun0[k]);
			CU_ASSERT_EQUAL(q->tunnel_depth, k == 9 ? 2 : 1);
			CU_ASSERT_EQUAL(q->sport, 50101 + k);
			CU_ASSERT_EQUAL(q->vlan_depth, k == 3 || k == 5 ? 1 : 0);
			CU_ASSERT_EQUAL(q->vlan[0], k == 3 || k == 5 ? 100 : 0);
		}
		CU_ASSERT_EQUAL(e.p[first[9]].tunnel[1], PKT_TUN_VXLAN);
		CU_ASSERT_EQUAL(e.p[first[1]].family, 6);
		CU_ASSERT_EQUAL(e.p[first[2]].family, 4);
		CU_ASSERT_EQUAL(e.p[first[0] + 3].payload_len, 120);
	} else
		CU_FAIL("tunnel.pcap");

	if (edge_load(dir, "tunnel-bad.pcap", &e) == 0) {
		static const struct {
			int	rc;
			int	ev;
			uint8_t	depth;
		} bad[] = {
			{ DECODE_OK, DEV_NONE, 0 },		/* GRE v1 */
			{ DECODE_OK, DEV_NONE, 0 },		/* GRE 0x880b */
			{ DECODE_INVALID, DEV_GRE_BAD_FLAGS, 0 },
			{ DECODE_TRUNCATED, DEV_GRE_TRUNC, 0 },
			{ DECODE_INVALID, DEV_ERSPAN_BAD_VERSION, 0 },
			{ DECODE_TRUNCATED, DEV_ERSPAN_TRUNC, 0 },
			{ DECODE_OK, DEV_NONE, 0 },		/* VXLAN without I */
			{ DECODE_TRUNCATED, DEV_VXLAN_TRUNC, 0 },
			{ DECODE_INVALID, DEV_TUNNEL_TOO_DEEP, 2 },
			{ DECODE_OK, DEV_NONE, 0 },		/* first fragment */
			{ DECODE_OK, DEV_FRAG_LATER, 0 },
			{ DECODE_UNSUPPORTED, DEV_NON_IP, 1 },	/* ARP in VXLAN */
			{ DECODE_OK, DEV_NONE, 0 },		/* Geneve control message */
			{ DECODE_OK, DEV_NONE, 0 },		/* Geneve version 1 */
			{ DECODE_TRUNCATED, DEV_GENEVE_TRUNC, 0 },
			{ DECODE_OK, DEV_NONE, 0 },
		};

		CU_ASSERT_EQUAL(e.n, sizeof(bad) / sizeof(bad[0]));
		for (i = 0; i < e.n && i < sizeof(bad) / sizeof(bad[0]); i++) {
			CU_ASSERT_EQUAL(e.rc[i], bad[i].rc);
			CU_ASSERT_EQUAL(e.p[i].event, bad[i].ev);
			CU_ASSERT_EQUAL(e.p[i].tunnel_depth, bad[i].depth);
		}
		CU_ASSERT_EQUAL(e.p[0].ip_proto, 47);
		CU_ASSERT_EQUAL(e.p[1].ip_proto, 47);
		CU_ASSERT_EQUAL(e.p[6].dport, 4789);
		CU_ASSERT_EQUAL(e.p[9].frag, PKT_FRAG_FIRST);
		CU_ASSERT_EQUAL(e.p[9].ip_proto, 47);
	} else
		CU_FAIL("tunnel-bad.pcap");
}

static void
test_gen_edge(void)
{
	char d1[1024], d2[1024], log[1024], a[4096], b[4096];
	unsigned int bad = 0;
	glob_t g1, g2;
	size_t i;

	snprintf(d1, sizeof(d1), "%s/edge1", unit_tmpdir());
	snprintf(d2, sizeof(d2), "%s/edge2", unit_tmpdir());
	snprintf(log, sizeof(log), "%s/gen-edge.log", unit_tmpdir());

	CU_ASSERT_EQUAL_FATAL(run_gen_edge(d1, log), 0);
	CU_ASSERT_EQUAL(file_size(log), 0);		/* silent on success */
	CU_ASSERT_EQUAL_FATAL(run_gen_edge(d2, log), 0);

	/* Whatever it writes, twice the same files with the same bytes (the
	 * captures check_edge_files() knows must be among them). */
	snprintf(a, sizeof(a), "%s/*", d1);
	snprintf(b, sizeof(b), "%s/*", d2);
	CU_ASSERT_EQUAL_FATAL(glob(a, 0, NULL, &g1), 0);
	CU_ASSERT_EQUAL_FATAL(glob(b, 0, NULL, &g2), 0);
	CU_ASSERT_EQUAL(g1.gl_pathc, g2.gl_pathc);
	for (i = 0; i < g1.gl_pathc && i < g2.gl_pathc; i++) {
		CU_ASSERT_STRING_EQUAL(strrchr(g1.gl_pathv[i], '/'), strrchr(g2.gl_pathv[i], '/'));
		CU_ASSERT(file_size(g1.gl_pathv[i]) > 24);
		CU_ASSERT(same_bytes(g1.gl_pathv[i], g2.gl_pathv[i]));	/* deterministic */
		CU_ASSERT(sweep_file(g1.gl_pathv[i], &bad) > 0);
	}
	globfree(&g1);
	globfree(&g2);
	CU_ASSERT_EQUAL(bad, 0);
	check_edge_files(d1);

	/* Errors: usage, and an output directory that cannot exist. */
	CU_ASSERT_EQUAL(run_gen_edge(NULL, log), 1);
	CU_ASSERT(file_size(log) > 0);
	snprintf(a, sizeof(a), "%s/vlan.pcap/sub", d1);
	CU_ASSERT_EQUAL(run_gen_edge(a, log), 1);
	CU_ASSERT(file_size(log) > 0);
}

void
test_decode_register(void)
{
	CU_pSuite s = CU_add_suite("decode", NULL, suite_clean);

	if (s == NULL)
		return;
	CU_add_test(s, "event names", test_event_names);
	CU_add_test(s, "link types", test_link_supported);
	CU_add_test(s, "ethernet ipv4 tcp", test_eth_ipv4_tcp);
	CU_add_test(s, "ethernet padding is not payload", test_eth_padding_udp);
	CU_add_test(s, "eth_trunc", test_eth_trunc);
	CU_add_test(s, "non_ip", test_non_ip);
	CU_add_test(s, "vlan 802.1q", test_vlan_8021q);
	CU_add_test(s, "vlan q-in-q and 0x9100", test_vlan_qinq);
	CU_add_test(s, "vlan_too_deep", test_vlan_too_deep);
	CU_add_test(s, "vlan_trunc", test_vlan_trunc);
	CU_add_test(s, "sll, sll_trunc", test_sll);
	CU_add_test(s, "sll2", test_sll2);
	CU_add_test(s, "null/loop, null_trunc", test_null_loop);
	CU_add_test(s, "raw ip", test_raw);
	CU_add_test(s, "ipv4 options", test_ipv4_options);
	CU_add_test(s, "ipv4_opt_bad", test_ipv4_opt_bad);
	CU_add_test(s, "ipv4_bad_version", test_ipv4_bad_version);
	CU_add_test(s, "ipv4_bad_hlen", test_ipv4_bad_hlen);
	CU_add_test(s, "ipv4_bad_totlen", test_ipv4_bad_totlen);
	CU_add_test(s, "ipv4_trunc", test_ipv4_trunc);
	CU_add_test(s, "ipv4 fragments, frag_later", test_ipv4_frag);
	CU_add_test(s, "ipv6 tcp", test_ipv6_tcp);
	CU_add_test(s, "ipv6 extension chain", test_ipv6_ext_chain);
	CU_add_test(s, "ipv6_ext_trunc", test_ipv6_ext_trunc);
	CU_add_test(s, "ipv6_ext_too_deep", test_ipv6_ext_too_deep);
	CU_add_test(s, "ipv6 fragments", test_ipv6_frag);
	CU_add_test(s, "ipv6_trunc", test_ipv6_trunc);
	CU_add_test(s, "ipv6_bad_version", test_ipv6_bad_version);
	CU_add_test(s, "ipv6 zero payload length", test_ipv6_zero_plen);
	CU_add_test(s, "tcp options and data", test_tcp_options_data);
	CU_add_test(s, "tcp_trunc", test_tcp_trunc);
	CU_add_test(s, "tcp_bad_hlen", test_tcp_bad_hlen);
	CU_add_test(s, "tcp_opt_bad", test_tcp_opt_bad);
	CU_add_test(s, "udp_trunc", test_udp_trunc);
	CU_add_test(s, "udp_bad_len", test_udp_bad_len);
	CU_add_test(s, "snaplen_trunc", test_snaplen_trunc);
	CU_add_test(s, "icmp echo", test_icmp_echo);
	CU_add_test(s, "icmp port unreachable inner", test_icmp_unreach_inner);
	CU_add_test(s, "icmp inner header with options", test_icmp_unreach_inner_options);
	CU_add_test(s, "icmp_inner_trunc", test_icmp_inner_trunc);
	CU_add_test(s, "icmp_trunc", test_icmp_trunc);
	CU_add_test(s, "icmpv6 unreachable inner", test_icmpv6_unreach_inner);
	CU_add_test(s, "icmpv6 echo", test_icmpv6_echo);
	CU_add_test(s, "truncation sweep: crafted", test_sweep_crafted);
	CU_add_test(s, "truncation sweep: samples", test_sweep_samples);
	CU_add_test(s, "gen-edge: deterministic, decoded, swept", test_gen_edge);
}
