/*
 * test_decode_tunnel.c - suite "decode_tunnel": GRE (RFC 2784, 2890),
 * ERSPAN types I, II and III (draft-foschiano-erspan-03), VXLAN (RFC 7348)
 * and Geneve (RFC 8926) on crafted frames: the innermost packet's facts, every GRE flag
 * combination, what is kept as a plain GRE or UDP flow, nesting and its
 * limit, outer fragments, and a cut at every byte of every tunnel header
 * naming the right event.  The fast path must leave every tunnel to the
 * full decoders.
 *
 * Frames are copied into buffers of exactly their length before decoding,
 * so AddressSanitizer catches any read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <pcap/dlt.h>

#include "conformd/decode-fast.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "unit.h"

/* ---- frame building ---------------------------------------------------- */

/*
 * Layers are written outermost first; every IP and UDP header runs to the
 * end of the frame, so their length fields are filled in by fb_done().
 */
struct fb {
	uint8_t	b[1024];
	size_t	n;
	size_t	ip4[4], ip6[4], udp[4];
	size_t	n4, n6, nu;
};

static void
fb_add(struct fb *f, const void *d, size_t n)
{
	CU_ASSERT_FATAL(n <= sizeof(f->b) - f->n);
	memcpy(f->b + f->n, d, n);
	f->n += n;
}

static void
put16(uint8_t *b, size_t n)
{
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
}

static void
fb_done(struct fb *f)
{
	size_t i;

	for (i = 0; i < f->n4; i++)
		put16(f->b + f->ip4[i] + 2, f->n - f->ip4[i]);
	for (i = 0; i < f->n6; i++)
		put16(f->b + f->ip6[i] + 4, f->n - f->ip6[i] - 40);
	for (i = 0; i < f->nu; i++)
		put16(f->b + f->udp[i] + 4, f->n - f->udp[i]);
}

#define MACS	0x02, 0x00, 0x5e, 0x01, 0x00, 0x0b, 0x02, 0x00, 0x5e, 0x0a, 0x00, 0x14

/* Ethernet, with one 802.1Q tag `vid` unless 0, then EtherType `type`. */
static void
fb_eth(struct fb *f, uint16_t vid, uint16_t type)
{
	static const uint8_t macs[12] = { MACS };
	uint8_t t[4] = { 0x81, 0x00 };

	fb_add(f, macs, sizeof(macs));
	if (vid != 0) {
		put16(t + 2, vid);
		fb_add(f, t, 4);
	}
	put16(t, type);
	fb_add(f, t, 2);
}

static void
fb_ip4(struct fb *f, uint8_t a, uint8_t b, uint8_t proto, uint16_t fragfield)
{
	uint8_t h[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 0, 0, 0,
	    198, 18, 0, 0, 198, 18, 0, 0 };

	put16(h + 6, fragfield);
	h[9] = proto;
	h[14] = a;
	h[15] = (uint8_t)(a == 200 ? 1 : 20);
	h[18] = b;
	h[19] = (uint8_t)(b == 200 ? 2 : 11);
	f->ip4[f->n4++] = f->n;
	fb_add(f, h, sizeof(h));
}

static const uint8_t CLI6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };
static const uint8_t SRV6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 };

static void
fb_ip6(struct fb *f, uint8_t nh)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 0, 0, 64 };

	h[6] = nh;
	memcpy(h + 8, CLI6, 16);
	memcpy(h + 24, SRV6, 16);
	f->ip6[f->n6++] = f->n;
	fb_add(f, h, sizeof(h));
}

static void
fb_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
	uint8_t h[8] = { 0 };

	put16(h, sport);
	put16(h + 2, dport);
	f->udp[f->nu++] = f->n;
	fb_add(f, h, sizeof(h));
}

/* TCP SYN 50001 -> 5061 with an MSS option, then "hi". */
static void
fb_syn(struct fb *f)
{
	static const uint8_t seg[] = {
		0xc3, 0x51, 0x13, 0xc5, 0, 0, 0, 1, 0, 0, 0, 0,
		0x60, 0x02, 0xfa, 0xf0, 0, 0, 0, 0, 2, 4, 0x05, 0xb4, 'h', 'i'
	};

	fb_add(f, seg, sizeof(seg));
}

#define GRE_C	0x8000
#define GRE_R	0x4000
#define GRE_K	0x2000
#define GRE_S	0x1000

/* A GRE header with the optional words its flags ask for. */
static void
fb_gre(struct fb *f, uint16_t flags, uint16_t proto)
{
	uint8_t h[16] = { 0 };
	size_t n = 4;

	put16(h, flags);
	put16(h + 2, proto);
	if (flags & GRE_C)
		n += 4;
	if (flags & GRE_K)
		n += 4;
	if (flags & GRE_S)
		n += 4;
	fb_add(f, h, n);
}

static void
fb_erspan2(struct fb *f, uint8_t ver)
{
	uint8_t h[8] = { (uint8_t)(ver << 4), 0x64, 0x18, 0x2a, 0, 0, 0, 7 };

	fb_add(f, h, sizeof(h));
}

static void
fb_erspan3(struct fb *f, int o)
{
	uint8_t h[20] = { 0x20, 0, 0, 0x2b, 1, 2, 3, 4, 0, 0, 0, 0x06,
	    0x0c, 0, 0, 5, 9, 9, 9, 9 };

	if (o)
		h[11] |= 1;
	fb_add(f, h, o ? 20 : 12);
}

static void
fb_vxlan(struct fb *f, uint8_t flags)
{
	uint8_t h[8] = { flags, 0, 0, 0, 0, 0x10, 0x92, 0 };

	fb_add(f, h, sizeof(h));
}

/* A Geneve header: version and option length (in 4-byte words) in b0,
 * the O and C flags in b1, protocol type `proto`, then the options. */
static void
fb_geneve(struct fb *f, uint8_t b0, uint8_t b1, uint16_t proto)
{
	uint8_t h[8 + 252] = { b0, b1, 0, 0, 0, 0x10, 0x92, 0 };
	size_t n = 8 + (size_t)(b0 & 0x3f) * 4;

	put16(h + 2, proto);
	/* the options: TLVs of class 0x0103, type 0x80, 4 bytes each
	 * (their contents are not read) */
	for (size_t i = 8; i + 4 <= n; i += 4) {
		h[i] = 0x01;
		h[i + 1] = 0x03;
		h[i + 2] = 0x80;
	}
	fb_add(f, h, n);
}

/* Outer Ethernet in VLAN 300, IPv4 198.18.200.1 -> .2, protocol `proto`. */
static void
fb_outer(struct fb *f, uint8_t proto)
{
	fb_eth(f, 300, 0x0800);
	fb_ip4(f, 200, 200, proto, 0x4000);
}

/* The inner conversation: client 198.18.10.20 -> server 198.18.1.11. */
static void
fb_inner4(struct fb *f)
{
	fb_ip4(f, 10, 1, 6, 0x4000);
	fb_syn(f);
}

static const uint8_t CLI4M[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 10, 20 };
static const uint8_t SRV4M[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 1, 11 };
static const uint8_t OUT1M[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 200, 1 };
static const uint8_t OUT2M[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 200, 2 };

static int
dec_n(struct pkt *p, const struct fb *f, size_t caplen)
{
	uint8_t *b = malloc(caplen > 0 ? caplen : 1);
	int rc;

	CU_ASSERT_FATAL(b != NULL);
	memcpy(b, f->b, caplen);
	rc = decode_packet(p, DLT_EN10MB, b, (uint32_t)caplen, (uint32_t)f->n);
	/* The payload pointed into b: keep only its length. */
	if (p->payload != NULL)
		p->payload = (const uint8_t *)(uintptr_t)1;
	free(b);
	return rc;
}

static int
dec(struct pkt *p, const struct fb *f)
{
	return dec_n(p, f, f->n);
}

/* The inner SYN, decoded cleanly, behind `depth` tunnels, the outermost
 * from 198.18.200.1 to 198.18.200.2 (fb_outer()). */
static void
check_inner(const struct pkt *p, int rc, unsigned depth, unsigned t0, unsigned t1)
{
	CU_ASSERT_EQUAL(rc, DECODE_OK);
	CU_ASSERT_EQUAL(p->event, DEV_NONE);
	CU_ASSERT_EQUAL(p->tunnel_depth, depth);
	CU_ASSERT_EQUAL(p->tunnel[0], t0);
	CU_ASSERT_EQUAL(p->tunnel[1], t1);
	CU_ASSERT_EQUAL(p->tunnel_family, 4);
	CU_ASSERT_EQUAL(memcmp(p->tunnel_src, OUT1M, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p->tunnel_dst, OUT2M, 16), 0);
	CU_ASSERT_EQUAL(p->family, 4);
	CU_ASSERT_EQUAL(p->ip_proto, 6);
	CU_ASSERT_EQUAL(memcmp(p->src, CLI4M, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p->dst, SRV4M, 16), 0);
	CU_ASSERT_EQUAL(p->has_ports, 1);
	CU_ASSERT_EQUAL(p->sport, 50001);
	CU_ASSERT_EQUAL(p->dport, 5061);
	CU_ASSERT_EQUAL(p->tcp_flags, TCP_SYN);
	CU_ASSERT_EQUAL(p->payload_len, 2);
	CU_ASSERT_EQUAL(p->frag, PKT_FRAG_NONE);
}

/* ---- the frames ---------------------------------------------------------- */

static struct fb
mk_gre(uint16_t flags)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, flags, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	return f;
}

static struct fb
mk_gretap(uint16_t inner_vid)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, GRE_K, 0x6558);
	fb_eth(&f, inner_vid, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	return f;
}

/* ERSPAN type 1, 2 or 3 (3 with `o`: the platform subheader). */
static struct fb
mk_erspan(int type, int o)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	if (type == 1)
		fb_gre(&f, 0, 0x88be);
	else if (type == 2) {
		fb_gre(&f, GRE_S, 0x88be);
		fb_erspan2(&f, 1);
	} else {
		fb_gre(&f, GRE_S, 0x22eb);
		fb_erspan3(&f, o);
	}
	fb_eth(&f, 0, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	return f;
}

static struct fb
mk_vxlan(uint8_t flags, uint16_t sport, uint16_t dport)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, sport, dport);
	fb_vxlan(&f, flags);
	fb_eth(&f, 0, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	return f;
}

/* Geneve (b0: version, option words; b1: flags) carrying `proto`: an
 * Ethernet frame (0x6558), an IPv4 packet (0x0800), an IPv6 one (0x86dd,
 * the inner SYN between CLI6 and SRV6) or, for any other, the Ethernet
 * frame. */
static struct fb
mk_geneve(uint8_t b0, uint8_t b1, uint16_t proto, uint16_t sport, uint16_t dport)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, sport, dport);
	fb_geneve(&f, b0, b1, proto);
	if (proto == 0x86dd) {
		fb_ip6(&f, 6);
		fb_syn(&f);
	} else {
		if (proto != 0x0800)
			fb_eth(&f, 0, 0x0800);
		fb_inner4(&f);
	}
	fb_done(&f);
	return f;
}

/* VXLAN in GRE, and with `three` one GRE more around it; the inner
 * tunnels run between other addresses (198.18.201.20, 198.18.202.11)
 * than the outermost. */
static struct fb
mk_nested(int three)
{
	struct fb f;

	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, 0, 0x0800);
	if (three) {
		fb_ip4(&f, 201, 202, 47, 0);
		fb_gre(&f, GRE_K, 0x0800);
	}
	fb_ip4(&f, 201, 202, 17, 0);
	fb_udp(&f, 54321, 4789);
	fb_vxlan(&f, 0x08);
	fb_eth(&f, 0, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	return f;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_names(void)
{
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_GRE_TRUNC), "gre_trunc");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_GRE_BAD_FLAGS), "gre_bad_flags");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_ERSPAN_TRUNC), "erspan_trunc");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_ERSPAN_BAD_VERSION), "erspan_bad_version");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_VXLAN_TRUNC), "vxlan_trunc");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_GENEVE_TRUNC), "geneve_trunc");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_GENEVE), "geneve");
	CU_ASSERT_STRING_EQUAL(decode_event_name(DEV_TUNNEL_TOO_DEEP), "tunnel_too_deep");
	CU_ASSERT(DEV_MAX <= 40);
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_GRE), "gre");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_GRETAP), "gretap");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_ERSPAN1), "erspan1");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_ERSPAN2), "erspan2");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_ERSPAN3), "erspan3");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_VXLAN), "vxlan");
	CU_ASSERT_STRING_EQUAL(decode_tunnel_name(PKT_TUN_MAX), "unknown");
	CU_ASSERT(PKT_TUN_MAX <= 8);
}

/* Every combination of C, K and S, IPv4 and IPv6 inside. */
static void
test_gre_flags(void)
{
	static const uint16_t opt[3] = { GRE_C, GRE_K, GRE_S };
	struct pkt p;
	struct fb f;
	unsigned m, i;
	int rc;

	for (m = 0; m < 8; m++) {
		uint16_t flags = 0;

		for (i = 0; i < 3; i++)
			if (m & (1u << i))
				flags |= opt[i];
		f = mk_gre(flags);
		rc = dec(&p, &f);
		check_inner(&p, rc, 1, PKT_TUN_GRE, PKT_TUN_NONE);
		CU_ASSERT_EQUAL(p.vlan_depth, 0);	/* VLAN 300 was the transport's */
		CU_ASSERT_EQUAL(p.vlan[0], 0);

		memset(&f, 0, sizeof(f));
		fb_outer(&f, 47);
		fb_gre(&f, flags, 0x86dd);
		fb_ip6(&f, 17);
		fb_udp(&f, 50002, 3478);
		fb_add(&f, "ping", 4);
		fb_done(&f);
		rc = dec(&p, &f);
		CU_ASSERT_EQUAL(rc, DECODE_OK);
		CU_ASSERT_EQUAL(p.event, DEV_NONE);
		CU_ASSERT_EQUAL(p.family, 6);
		CU_ASSERT_EQUAL(memcmp(p.src, CLI6, 16), 0);
		CU_ASSERT_EQUAL(p.dport, 3478);
		CU_ASSERT_EQUAL(p.payload_len, 4);
		CU_ASSERT_EQUAL(p.tunnel_depth, 1);
	}

	/* Bits 6-12 are ignored on receipt (RFC 2784 2.3). */
	f = mk_gre(0x0200 | 0x0008);
	rc = dec(&p, &f);
	check_inner(&p, rc, 1, PKT_TUN_GRE, PKT_TUN_NONE);
}

static void
test_gre_bad_flags(void)
{
	static const uint16_t bad[] = { GRE_R, 0x0800, 0x0400, GRE_R | GRE_K | 0x0400 };
	struct pkt p;
	struct fb f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = mk_gre(bad[i]);
		CU_ASSERT_EQUAL(dec(&p, &f), DECODE_INVALID);
		CU_ASSERT_EQUAL(p.event, DEV_GRE_BAD_FLAGS);
		CU_ASSERT_EQUAL(p.tunnel_depth, 0);
		CU_ASSERT_EQUAL(memcmp(p.src, OUT1M, 16), 0);	/* the outer packet */
	}
}

/* Version 1 (PPTP), other versions and unknown protocols: a GRE flow. */
static void
test_gre_kept(void)
{
	static const struct { uint16_t flags, proto; } kept[] = {
		{ GRE_K | 1, 0x880b },		/* PPTP */
		{ GRE_S | 1, 0x0800 },		/* version 1 whatever it says */
		{ 7, 0x0800 },			/* no such version */
		{ 0, 0x880b },			/* PPP over GRE v0 */
		{ GRE_K, 0x8847 },		/* MPLS */
		{ GRE_R, 0x1234 },		/* not ours to judge */
	};
	struct pkt p;
	struct fb f;
	size_t i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		memset(&f, 0, sizeof(f));
		fb_outer(&f, 47);
		fb_gre(&f, kept[i].flags, kept[i].proto);
		fb_inner4(&f);
		fb_done(&f);
		CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
		CU_ASSERT_EQUAL(p.event, DEV_NONE);
		CU_ASSERT_EQUAL(p.tunnel_depth, 0);
		CU_ASSERT_EQUAL(p.ip_proto, 47);
		CU_ASSERT_EQUAL(p.has_ports, 0);
		CU_ASSERT_EQUAL(memcmp(p.src, OUT1M, 16), 0);
		CU_ASSERT_EQUAL(p.vlan_depth, 1);
		CU_ASSERT_EQUAL(p.vlan[0], 300);
		CU_ASSERT_EQUAL(p.payload_len, f.n - 18 - 20);
	}
}

static void
test_gretap(void)
{
	struct pkt p;
	struct fb f;

	f = mk_gretap(100);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_GRETAP, PKT_TUN_NONE);
	/* The mirrored frame's own tag is the flow's; the outer 300 is gone. */
	CU_ASSERT_EQUAL(p.vlan_depth, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 100);
	f = mk_gretap(0);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_GRETAP, PKT_TUN_NONE);
	CU_ASSERT_EQUAL(p.vlan_depth, 0);
}

static void
test_erspan(void)
{
	struct pkt p;
	struct fb f;

	f = mk_erspan(1, 0);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_ERSPAN1, PKT_TUN_NONE);
	f = mk_erspan(2, 0);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_ERSPAN2, PKT_TUN_NONE);
	CU_ASSERT_EQUAL(p.vlan_depth, 0);	/* the ERSPAN VLAN field is the session's */
	f = mk_erspan(3, 0);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_ERSPAN3, PKT_TUN_NONE);
	f = mk_erspan(3, 1);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_ERSPAN3, PKT_TUN_NONE);

	/* Type II with a key too (Linux sends one) */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, GRE_K | GRE_S, 0x88be);
	fb_erspan2(&f, 1);
	fb_eth(&f, 0, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_ERSPAN2, PKT_TUN_NONE);

	/* Wrong Ver fields */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, GRE_S, 0x88be);
	fb_erspan2(&f, 2);
	fb_eth(&f, 0, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_ERSPAN_BAD_VERSION);
	f = mk_erspan(3, 0);
	f.b[18 + 20 + 8] = 0x10;		/* Ver 1 under 0x22eb */
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_ERSPAN_BAD_VERSION);
}

static void
test_vxlan(void)
{
	struct pkt p;
	struct fb f;

	f = mk_vxlan(0x08, 61000, 4789);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_VXLAN, PKT_TUN_NONE);
	CU_ASSERT_EQUAL(p.vlan_depth, 0);
	/* Other flags and reserved bits do not matter; the I flag does. */
	f = mk_vxlan(0xff, 61000, 4789);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_VXLAN, PKT_TUN_NONE);

	/* Without the I flag: plain UDP to 4789 */
	f = mk_vxlan(0x00, 61000, 4789);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.sport, 61000);
	CU_ASSERT_EQUAL(p.dport, 4789);
	CU_ASSERT_EQUAL(p.payload_len, f.n - 18 - 20 - 8);
	CU_ASSERT_EQUAL(memcmp(p.src, OUT1M, 16), 0);

	/* From port 4789: not VXLAN (the destination port says) */
	f = mk_vxlan(0x08, 4789, 61000);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.dport, 61000);

	/* A datagram shorter than a VXLAN header: plain UDP */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, 61000, 4789);
	fb_add(&f, "\x08\x00\x00", 3);
	fb_done(&f);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.payload_len, 3);

	/* ARP inside: not IP, but decapsulated */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, 61000, 4789);
	fb_vxlan(&f, 0x08);
	fb_eth(&f, 0, 0x0806);
	fb_add(&f, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	fb_done(&f);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.event, DEV_NON_IP);
	CU_ASSERT_EQUAL(p.tunnel_depth, 1);
	CU_ASSERT_EQUAL(p.family, 0);
}

/* A datagram to 6081 kept as plain UDP: what it is without a decoder. */
static void
check_plain_geneve(const struct fb *f, const char *what)
{
	struct pkt p;

	if (dec(&p, f) != DECODE_OK || p.event != DEV_NONE || p.tunnel_depth != 0 ||
	    p.ip_proto != 17 || p.dport != 6081 || p.payload_len != f->n - 18 - 20 - 8 ||
	    memcmp(p.src, OUT1M, 16) != 0) {
		fprintf(stderr, "\ngeneve %s: depth %u event %s dport %u\n", what,
		    p.tunnel_depth, decode_event_name(p.event), p.dport);
		CU_FAIL("not kept as plain UDP");
	}
}

static void
test_geneve(void)
{
	struct pkt p;
	struct fb f;

	/* Ethernet inside (Linux, Open vSwitch), without and with options;
	 * the C flag (critical options) changes nothing for a sensor. */
	f = mk_geneve(0x00, 0x00, 0x6558, 61000, 6081);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_GENEVE, PKT_TUN_NONE);
	f = mk_geneve(0x03, 0x40, 0x6558, 61000, 6081);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_GENEVE, PKT_TUN_NONE);
	CU_ASSERT_EQUAL(p.vlan_depth, 0);
	f = mk_geneve(0x3f, 0x00, 0x6558, 61000, 6081);	/* 252 bytes of options */
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_GENEVE, PKT_TUN_NONE);
	/* IPv4 and IPv6 inside (AWS Gateway Load Balancer) */
	f = mk_geneve(0x02, 0x00, 0x0800, 61000, 6081);
	check_inner(&p, dec(&p, &f), 1, PKT_TUN_GENEVE, PKT_TUN_NONE);
	f = mk_geneve(0x01, 0x00, 0x86dd, 61000, 6081);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_NONE);
	CU_ASSERT_EQUAL(p.tunnel_depth, 1);
	CU_ASSERT_EQUAL(p.tunnel[0], PKT_TUN_GENEVE);
	CU_ASSERT_EQUAL(p.tunnel_family, 4);
	CU_ASSERT_EQUAL(memcmp(p.tunnel_src, OUT1M, 16), 0);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(memcmp(p.src, CLI6, 16), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, SRV6, 16), 0);
	CU_ASSERT_EQUAL(p.dport, 5061);
	CU_ASSERT_EQUAL(p.tcp_flags, TCP_SYN);
	/* A protocol type that says IPv4 over an IPv6 packet: the inner
	 * decoder's own event */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, 61000, 6081);
	fb_geneve(&f, 0, 0, 0x0800);
	fb_ip6(&f, 6);
	fb_syn(&f);
	fb_done(&f);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_IPV4_BAD_VERSION);
	CU_ASSERT_EQUAL(p.tunnel_depth, 1);

	/* Not a Geneve packet we open: plain UDP to 6081. */
	f = mk_geneve(0x40, 0x00, 0x6558, 61000, 6081);	/* version 1 */
	check_plain_geneve(&f, "version 1");
	f = mk_geneve(0xc0, 0x00, 0x6558, 61000, 6081);	/* version 3 */
	check_plain_geneve(&f, "version 3");
	f = mk_geneve(0x00, 0x80, 0x6558, 61000, 6081);	/* O: a control message */
	check_plain_geneve(&f, "oam");
	f = mk_geneve(0x00, 0x00, 0x8847, 61000, 6081);	/* MPLS: not opened */
	check_plain_geneve(&f, "mpls");
	/* options longer than the datagram on the wire */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, 61000, 6081);
	fb_add(&f, "\x05\x00\x65\x58\x00\x10\x92\x00", 8);
	fb_add(&f, "\x01\x03\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12);	/* 3 of 5 words */
	fb_done(&f);
	check_plain_geneve(&f, "options past the datagram");
	/* shorter than the fixed header */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, 61000, 6081);
	fb_add(&f, "\x00\x00\x65\x58\x00\x10\x92", 7);
	fb_done(&f);
	check_plain_geneve(&f, "7 bytes");

	/* From port 6081: not Geneve (the destination port says) */
	f = mk_geneve(0x00, 0x00, 0x6558, 6081, 61000);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.dport, 61000);

	/* ARP inside: not IP, but decapsulated */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 17);
	fb_udp(&f, 61000, 6081);
	fb_geneve(&f, 0, 0, 0x6558);
	fb_eth(&f, 0, 0x0806);
	fb_add(&f, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	fb_done(&f);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_UNSUPPORTED);
	CU_ASSERT_EQUAL(p.event, DEV_NON_IP);
	CU_ASSERT_EQUAL(p.tunnel_depth, 1);

	/* Geneve in GRE: two layers, the outermost addresses kept */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, 0, 0x0800);
	fb_ip4(&f, 201, 202, 17, 0);
	fb_udp(&f, 54321, 6081);
	fb_geneve(&f, 0x01, 0, 0x6558);
	fb_eth(&f, 0, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	check_inner(&p, dec(&p, &f), 2, PKT_TUN_GRE, PKT_TUN_GENEVE);

	/* An outer first fragment to 6081: plain UDP. */
	f = mk_geneve(0x00, 0x00, 0x6558, 61000, 6081);
	f.b[18 + 6] = 0x20;
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_FIRST);
}

static void
test_nesting(void)
{
	struct pkt p;
	struct fb f;

	f = mk_nested(0);
	check_inner(&p, dec(&p, &f), 2, PKT_TUN_GRE, PKT_TUN_VXLAN);
	f = mk_nested(1);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_INVALID);
	CU_ASSERT_EQUAL(p.event, DEV_TUNNEL_TOO_DEEP);
	CU_ASSERT_EQUAL(p.tunnel_depth, DECODE_MAX_TUNNEL);

	/* gretap in ERSPAN II: also two */
	memset(&f, 0, sizeof(f));
	fb_outer(&f, 47);
	fb_gre(&f, GRE_S, 0x88be);
	fb_erspan2(&f, 1);
	fb_eth(&f, 0, 0x0800);
	fb_ip4(&f, 200, 200, 47, 0);
	fb_gre(&f, 0, 0x6558);
	fb_eth(&f, 77, 0x0800);
	fb_inner4(&f);
	fb_done(&f);
	check_inner(&p, dec(&p, &f), 2, PKT_TUN_ERSPAN2, PKT_TUN_GRETAP);
	CU_ASSERT_EQUAL(p.vlan_depth, 1);
	CU_ASSERT_EQUAL(p.vlan[0], 77);
}

static void
test_fragments(void)
{
	struct pkt p;
	struct fb f;

	/* An outer first fragment: GRE stays a flow of protocol 47. */
	f = mk_gre(0);
	f.b[18 + 6] = 0x20;			/* MF */
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_FIRST);
	CU_ASSERT_EQUAL(p.ip_proto, 47);

	/* ... and a later one is frag_later, as any. */
	f.b[18 + 7] = 0x05;
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.event, DEV_FRAG_LATER);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);

	/* An outer first fragment to 4789: plain UDP. */
	f = mk_vxlan(0x08, 61000, 4789);
	f.b[18 + 6] = 0x20;
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(p.dport, 4789);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_FIRST);

	/* An inner fragment is the inner packet's business. */
	f = mk_gre(0);
	f.b[18 + 20 + 4 + 6] = 0x20;
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 1);
	CU_ASSERT_EQUAL(p.frag, PKT_FRAG_FIRST);
	CU_ASSERT_EQUAL(p.ip_id, 0x1234);
	CU_ASSERT_EQUAL(memcmp(p.src, CLI4M, 16), 0);
}

/*
 * Cut `f` at every length in [from, to): each must fail with `ev` (or, at
 * to, decode on); and at every length at all the contract holds.  `hdr`
 * names the frame in messages.
 */
static void
cut_sweep(const char *hdr, const struct fb *f, size_t from, size_t to, unsigned ev)
{
	struct pkt p;
	size_t n;
	int rc;

	for (n = 0; n <= f->n; n++) {
		rc = dec_n(&p, f, n);
		CU_ASSERT(rc >= DECODE_OK && rc <= DECODE_UNSUPPORTED);
		CU_ASSERT(p.event < DEV_MAX);
		CU_ASSERT(rc == DECODE_OK || p.event != DEV_NONE);
		CU_ASSERT(p.tunnel_depth <= DECODE_MAX_TUNNEL);
		if (n >= from && n < to && (rc != DECODE_TRUNCATED || p.event != ev)) {
			fprintf(stderr, "\n%s cut at %zu: result %d event %s\n", hdr, n,
			    rc, decode_event_name(p.event));
			CU_FAIL("wrong reason for a cut tunnel header");
		}
	}
}

#define OUTER	(18 + 20)	/* outer Ethernet with VLAN, outer IPv4 */

static void
test_truncation(void)
{
	struct fb f;
	unsigned m;

	for (m = 0; m < 8; m++) {
		uint16_t flags = (uint16_t)(((m & 1) ? GRE_C : 0) | ((m & 2) ? GRE_K : 0) |
		    ((m & 4) ? GRE_S : 0));
		size_t glen = 4 + 4 * (size_t)__builtin_popcount(m);

		f = mk_gre(flags);
		cut_sweep("gre", &f, OUTER, OUTER + glen, DEV_GRE_TRUNC);
		/* the inner IPv4 header cut: its own reason */
		cut_sweep("gre inner", &f, OUTER + glen, OUTER + glen + 20, DEV_IPV4_TRUNC);
	}
	f = mk_gretap(100);
	cut_sweep("gretap", &f, OUTER, OUTER + 8, DEV_GRE_TRUNC);
	cut_sweep("gretap inner", &f, OUTER + 8, OUTER + 8 + 14, DEV_ETH_TRUNC);
	f = mk_erspan(1, 0);
	cut_sweep("erspan1", &f, OUTER, OUTER + 4, DEV_GRE_TRUNC);
	cut_sweep("erspan1 inner", &f, OUTER + 4, OUTER + 4 + 14, DEV_ETH_TRUNC);
	f = mk_erspan(2, 0);
	cut_sweep("erspan2 gre", &f, OUTER, OUTER + 8, DEV_GRE_TRUNC);
	cut_sweep("erspan2", &f, OUTER + 8, OUTER + 16, DEV_ERSPAN_TRUNC);
	cut_sweep("erspan2 inner", &f, OUTER + 16, OUTER + 16 + 14, DEV_ETH_TRUNC);
	f = mk_erspan(3, 0);
	cut_sweep("erspan3", &f, OUTER + 8, OUTER + 20, DEV_ERSPAN_TRUNC);
	f = mk_erspan(3, 1);
	cut_sweep("erspan3+sub", &f, OUTER + 8, OUTER + 28, DEV_ERSPAN_TRUNC);
	cut_sweep("erspan3+sub inner", &f, OUTER + 28, OUTER + 28 + 14, DEV_ETH_TRUNC);
	f = mk_vxlan(0x08, 61000, 4789);
	cut_sweep("vxlan udp", &f, OUTER, OUTER + 8, DEV_UDP_TRUNC);
	cut_sweep("vxlan", &f, OUTER + 8, OUTER + 16, DEV_VXLAN_TRUNC);
	cut_sweep("vxlan inner", &f, OUTER + 16, OUTER + 16 + 14, DEV_ETH_TRUNC);
	f = mk_geneve(0x00, 0x00, 0x6558, 61000, 6081);
	cut_sweep("geneve udp", &f, OUTER, OUTER + 8, DEV_UDP_TRUNC);
	cut_sweep("geneve", &f, OUTER + 8, OUTER + 16, DEV_GENEVE_TRUNC);
	cut_sweep("geneve inner", &f, OUTER + 16, OUTER + 16 + 14, DEV_ETH_TRUNC);
	f = mk_geneve(0x05, 0x40, 0x6558, 61000, 6081);
	cut_sweep("geneve options", &f, OUTER + 8, OUTER + 16 + 20, DEV_GENEVE_TRUNC);
	f = mk_geneve(0x01, 0x00, 0x0800, 61000, 6081);
	cut_sweep("geneve ipv4 inner", &f, OUTER + 20, OUTER + 20 + 20, DEV_IPV4_TRUNC);
	f = mk_geneve(0x00, 0x00, 0x86dd, 61000, 6081);
	cut_sweep("geneve ipv6 inner", &f, OUTER + 16, OUTER + 16 + 40, DEV_IPV6_TRUNC);
	f = mk_nested(0);
	cut_sweep("nested gre", &f, OUTER, OUTER + 4, DEV_GRE_TRUNC);
	cut_sweep("nested vxlan", &f, OUTER + 4 + 28, OUTER + 4 + 36, DEV_VXLAN_TRUNC);
	f = mk_nested(1);
	cut_sweep("three", &f, OUTER + 4 + 20, OUTER + 4 + 28, DEV_GRE_TRUNC);
}

/* Length fields that leave no room for the tunnel header: malformed. */
static void
test_short_lengths(void)
{
	struct pkt p;
	struct fb f;
	size_t k;

	/* The outer IP total length ends inside the GRE header. */
	for (k = 0; k < 12; k++) {
		f = mk_gre(GRE_K | GRE_S);
		put16(f.b + 18 + 2, 20 + k);
		CU_ASSERT_EQUAL(dec(&p, &f), DECODE_TRUNCATED);
		CU_ASSERT_EQUAL(p.event, DEV_GRE_TRUNC);
	}
	/* The ERSPAN header runs past the outer IP packet. */
	for (k = 0; k < 8; k++) {
		f = mk_erspan(2, 0);
		put16(f.b + 18 + 2, 20 + 8 + k);
		CU_ASSERT_EQUAL(dec(&p, &f), DECODE_TRUNCATED);
		CU_ASSERT_EQUAL(p.event, DEV_ERSPAN_TRUNC);
	}
	/* The O bit claims a subheader the packet does not hold. */
	f = mk_erspan(3, 0);
	f.b[OUTER + 8 + 11] |= 1;
	put16(f.b + 18 + 2, 20 + 8 + 12 + 4);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_TRUNCATED);
	CU_ASSERT_EQUAL(p.event, DEV_ERSPAN_TRUNC);
}

/* The fast path takes none of these; the full path is the reference. */
static void
test_fastpath(void)
{
	struct fast_pkt fp;
	struct fb f;
	struct pkt p;

	f = mk_gre(0);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_erspan(2, 0);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_vxlan(0x08, 61000, 4789);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_vxlan(0x00, 61000, 4789);	/* plain UDP, but to the port */
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_vxlan(0x08, 4789, 61000);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_geneve(0x00, 0x00, 0x6558, 61000, 6081);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_geneve(0x00, 0x80, 0x6558, 61000, 6081);	/* plain UDP, but to the port */
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_geneve(0x00, 0x00, 0x6558, 6081, 61000);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 0);
	f = mk_geneve(0x00, 0x00, 0x6558, 61000, 6080);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 1);
	/* ... while the same UDP on another port is taken, and agrees. */
	f = mk_vxlan(0x08, 61000, 4788);
	CU_ASSERT_EQUAL(decode_fast(f.b, (uint32_t)f.n, DLT_EN10MB, 1, &fp), 1);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(fp.key.proto, 17);
}

/* f decodes as plain UDP (no tunnel) and the fast path takes it. */
static void
check_plain_fast(const struct fb *f)
{
	struct fast_pkt fp;
	struct pkt p;

	CU_ASSERT_EQUAL(dec(&p, f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	CU_ASSERT_EQUAL(decode_fast(f->b, (uint32_t)f->n, DLT_EN10MB, 1, &fp), 1);
}

/* f decodes through one tunnel of type `tun`, and the fast path leaves it. */
static void
check_tunnel_fast(const struct fb *f, unsigned tun)
{
	struct fast_pkt fp;
	struct pkt p;

	check_inner(&p, dec(&p, f), 1, tun, PKT_TUN_NONE);
	CU_ASSERT_EQUAL(decode_fast(f->b, (uint32_t)f->n, DLT_EN10MB, 1, &fp), 0);
}

/* The configuration's vxlan-port: other ports in place of 4789, or none;
 * the fast path gives up on exactly the configured ones. */
static void
test_vxlan_ports(void)
{
	static const uint16_t linux_default[] = { 8472 }, both[] = { 4789, 8472 }, iana[] = { 4789 };
	struct fb f, g;

	f = mk_vxlan(0x08, 61000, 8472);
	g = mk_vxlan(0x08, 61000, 4789);
	CU_ASSERT(decode_vxlan_port(4789));
	CU_ASSERT(!decode_vxlan_port(8472));
	check_plain_fast(&f);			/* by default, plain UDP to 8472 */

	decode_set_vxlan_ports(linux_default, 1);
	check_tunnel_fast(&f, PKT_TUN_VXLAN);
	check_plain_fast(&g);			/* 4789 replaced, not added */

	decode_set_vxlan_ports(both, 2);
	check_tunnel_fast(&f, PKT_TUN_VXLAN);
	check_tunnel_fast(&g, PKT_TUN_VXLAN);

	decode_set_vxlan_ports(NULL, 0);	/* vxlan-port none */
	check_plain_fast(&g);
	/* port 0 and 65535 are bits like any other */
	CU_ASSERT(!decode_vxlan_port(0));
	CU_ASSERT(!decode_vxlan_port(65535));

	decode_set_vxlan_ports(iana, 1);	/* back to the default */
	check_tunnel_fast(&g, PKT_TUN_VXLAN);
	CU_ASSERT(!decode_vxlan_port(8472));
}

/* The configuration's geneve-port, beside vxlan-port: each replaces its own
 * default, the fast path gives up on either's ports, and a port given to
 * both is opened as VXLAN. */
static void
test_geneve_ports(void)
{
	static const uint16_t g1[] = { 6082 }, iana_g[] = { 6081 }, iana_v[] = { 4789 },
	    v2[] = { 4789, 6082 };
	struct fb f, g, v;
	struct pkt p;

	f = mk_geneve(0x00, 0x00, 0x6558, 61000, 6082);
	g = mk_geneve(0x00, 0x00, 0x6558, 61000, 6081);
	v = mk_vxlan(0x08, 61000, 4789);
	CU_ASSERT(decode_geneve_port(6081));
	CU_ASSERT(!decode_geneve_port(4789));
	CU_ASSERT(decode_udp_tunnel_port(6081) && decode_udp_tunnel_port(4789));
	check_plain_fast(&f);			/* by default, plain UDP to 6082 */

	decode_set_geneve_ports(g1, 1);
	check_tunnel_fast(&f, PKT_TUN_GENEVE);
	check_plain_fast(&g);			/* 6081 replaced, not added */
	check_tunnel_fast(&v, PKT_TUN_VXLAN);	/* VXLAN untouched */

	decode_set_geneve_ports(NULL, 0);	/* geneve-port none */
	check_plain_fast(&f);
	CU_ASSERT(decode_udp_tunnel_port(4789));
	CU_ASSERT(!decode_udp_tunnel_port(6081));

	/* 6082 given to both: VXLAN's (a Geneve header read as VXLAN has
	 * no I flag here, so it stays plain UDP, and the fast path leaves
	 * it: its port is a tunnel's) */
	decode_set_geneve_ports(g1, 1);
	decode_set_vxlan_ports(v2, 2);
	CU_ASSERT_EQUAL(dec(&p, &f), DECODE_OK);
	CU_ASSERT_EQUAL(p.tunnel_depth, 0);
	decode_set_vxlan_ports(NULL, 0);	/* vxlan-port none */
	check_tunnel_fast(&f, PKT_TUN_GENEVE);
	CU_ASSERT(!decode_udp_tunnel_port(4789));

	decode_set_vxlan_ports(iana_v, 1);	/* back to the defaults */
	decode_set_geneve_ports(iana_g, 1);
	check_tunnel_fast(&g, PKT_TUN_GENEVE);
	check_tunnel_fast(&v, PKT_TUN_VXLAN);
	CU_ASSERT(!decode_udp_tunnel_port(6082));
}

void
test_decode_tunnel_register(void)
{
	CU_pSuite s = CU_add_suite("decode_tunnel", NULL, NULL);

	CU_add_test(s, "event and tunnel names", test_names);
	CU_add_test(s, "gre: every C/K/S combination, ipv4 and ipv6", test_gre_flags);
	CU_add_test(s, "gre_bad_flags", test_gre_bad_flags);
	CU_add_test(s, "gre v1, unknown protocols: kept as GRE flows", test_gre_kept);
	CU_add_test(s, "gretap, inner vlan kept, outer dropped", test_gretap);
	CU_add_test(s, "erspan I, II, III, erspan_bad_version", test_erspan);
	CU_add_test(s, "vxlan, without I flag, short, non-IP inside", test_vxlan);
	CU_add_test(s, "geneve: ethernet, ipv4, ipv6, options; kept as udp", test_geneve);
	CU_add_test(s, "nesting, tunnel_too_deep", test_nesting);
	CU_add_test(s, "outer and inner fragments", test_fragments);
	CU_add_test(s, "cut at every byte of every tunnel header", test_truncation);
	CU_add_test(s, "length fields too short for the header", test_short_lengths);
	CU_add_test(s, "fast path leaves tunnels to the full path", test_fastpath);
	CU_add_test(s, "vxlan-port: other ports, none", test_vxlan_ports);
	CU_add_test(s, "geneve-port: other ports, none, beside vxlan-port", test_geneve_ports);
}
