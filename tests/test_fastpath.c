/*
 * test_fastpath.c - the fast path (decode-fast.h, engine_frames()) against
 * the reference path (decode_packet() + flow_packet(), engine_frame()).
 *
 * decode_fast() on every shape it must take (key, hash, side and flags
 * as the reference builds them) and every shape it must refuse, and at
 * every captured length of a few packets (never a read outside the
 * buffer: each length gets its own exact-size allocation, which ASan
 * checks); flow_fast_update() against flow_packet() on twin flow tables;
 * and two engines on the same configuration and policy, one fed frame by
 * frame through engine_frame(), the other in batches of varying sizes
 * through engine_frames(), and a third through ring slots as a pipeline
 * worker reads them (engine_slots(), half of the packets decoded by the
 * capture's side), whose every emitted record (flows, findings,
 * counters, observe, cover, coverage, summaries) must be the same text:
 * seeded random traffic that mixes every refused shape into flows in
 * every state (timers, eviction, VLAN keying on and off), a timer run
 * falling due on the microsecond, the golden captures, the sample and
 * the broken captures of tests/gen-malformed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <CUnit/CUnit.h>

#include "conformd/capture.h"
#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/coverage-matrix.h"
#include "conformd/decode-fast.h"
#include "conformd/decode.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/flow.h"
#include "conformd/inventory.h"
#include "conformd/load.h"
#include "conformd/packet.h"
#include "conformd/policy.h"
#include "conformd/record-text.h"
#include "conformd/record.h"
#include "conformd/ring.h"
#include "conformd/rules.h"
#include "conformd/sink.h"
#include "unit.h"

#define T0		1700000000000000ULL	/* capture start, usec */
#define FRAME_MAX	512
#define LINKTYPE_RAW_FILE 101			/* raw IP as pcap files name it */
#define DLT_UNSUPPORTED	105			/* IEEE 802.11: not decoded */

#define GEN_SEEDS	20
#define GEN_PACKETS	20000

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_LLDP	0x88cc

/* --- a deterministic PRNG (splitmix64) -------------------------------------- */

struct rng {
	uint64_t	s;
};

static uint64_t
rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rnd(r) % n);
}

/* 1 with probability permille / 1000 */
static int
chance(struct rng *r, uint32_t permille)
{
	return below(r, 1000) < permille;
}

/* --- frames --------------------------------------------------------------------- */

/* One frame to build.  Zero is the plain default of every knob. */
struct shape {
	int		 linktype;	/* DLT_EN10MB (0 means it too) or a raw IP type */
	int		 nvlan;		/* tags in front of the EtherType, up to 3 */
	uint16_t	 tpid[3], vid[3];	/* tpid 0: 0x8100 */
	uint16_t	 ethertype;	/* 0: by family */
	int		 family;	/* 4 or 6 */
	uint8_t		 src[16], dst[16];	/* v4-mapped for IPv4 */
	uint8_t		 proto;
	uint16_t	 sport, dport;
	uint8_t		 flags;		/* TCP flags; ICMP type */
	uint8_t		 code;		/* ICMP code */
	int		 doff;		/* TCP header words written (5..15; 0: 5) */
	int		 doff_field;	/* data offset on the wire (0: doff) */
	int		 topt;		/* TCP options: 0 NOP,NOP,timestamp, EOL; 1 one runs past; 2 length 0 */
	int		 v4opt;		/* 0 none, 1 NOP,NOP,NOP,EOL, 2 one running past the header */
	int		 v4df;		/* don't fragment */
	int		 v4evil;	/* the reserved flag bit (RFC 3514) */
	int		 v6ext;		/* 0 none, 1 destination options, 2 hop-by-hop, 3 one cut short */
	int		 frag;		/* 0 none, 1 first (MF), 2 later (offset), 3 atomic (IPv6) */
	uint16_t	 frag_off;	/* later: offset in 8-byte units (0: 185) */
	int		 frag_mf;	/* later: MF set too */
	uint32_t	 frag_id;
	int		 ulen_delta;	/* added to the right UDP length */
	int		 bad_version;	/* IP version nibble wrong for the EtherType */
	int		 totlen_delta;	/* added to the IPv4 total length / IPv6 payload length */
	const uint8_t	*pl;
	size_t		 plen;
	int		 pad;		/* Ethernet: pad the frame to 60 bytes */
};

/* The IP packet of s into out (room FRAME_MAX); returns its length. */
static size_t
build_ip(uint8_t *out, const struct shape *s)
{
	size_t iph, n, l4, tl;
	uint8_t first_nh, *t;

	memset(out, 0, 128);
	if (s->family == 4) {
		uint16_t off = 0;

		iph = s->v4opt ? 24 : 20;
		out[0] = (uint8_t)(0x40 | (iph / 4));
		unit_put16(out + 4, (uint16_t)s->frag_id);
		if (s->v4df)
			off |= 0x4000;
		if (s->v4evil)
			off |= 0x8000;
		if (s->frag == 1)
			off |= 0x2000;
		else if (s->frag == 2)
			off |= (s->frag_off ? s->frag_off : 185) | (s->frag_mf ? 0x2000 : 0);
		unit_put16(out + 6, off);
		out[8] = 64;
		out[9] = s->proto;
		memcpy(out + 12, s->src + 12, 4);
		memcpy(out + 16, s->dst + 12, 4);
		if (s->v4opt == 1) {
			out[20] = 1;
			out[21] = 1;
			out[22] = 1;
			out[23] = 0;
		} else if (s->v4opt == 2) {
			out[20] = 7;		/* record route, 39 bytes claimed */
			out[21] = 39;
			out[22] = 4;
		}
		l4 = iph;
	} else {
		uint8_t *nhp;

		out[0] = 0x60;
		out[7] = 64;
		memcpy(out + 8, s->src, 16);
		memcpy(out + 24, s->dst, 16);
		l4 = 40;
		nhp = &first_nh;
		if (s->v6ext) {
			*nhp = s->v6ext == 2 ? 0 : 60;
			nhp = &out[l4];
			out[l4 + 1] = s->v6ext == 3 ? 20 : 0;	/* 3: 168 bytes claimed */
			out[l4 + 2] = 1;	/* PadN, 4 bytes */
			out[l4 + 3] = 4;
			l4 += 8;
		}
		if (s->frag) {
			*nhp = 44;
			nhp = &out[l4];
			if (s->frag == 1)
				unit_put16(out + l4 + 2, 0x0001);
			else if (s->frag == 2)
				unit_put16(out + l4 + 2, (uint16_t)((s->frag_off ? s->frag_off : 185) << 3 |
				    (s->frag_mf ? 1 : 0)));
			out[l4 + 4] = (uint8_t)(s->frag_id >> 24);
			out[l4 + 5] = (uint8_t)(s->frag_id >> 16);
			out[l4 + 6] = (uint8_t)(s->frag_id >> 8);
			out[l4 + 7] = (uint8_t)s->frag_id;
			l4 += 8;
		}
		*nhp = s->proto;
		out[6] = first_nh;
	}
	/* A later fragment carries no transport header, but its data may
	 * look like one: write one, which the fast path must not take for one. */
	t = out + l4;
	if (s->proto == IPPROTO_NUM_TCP) {
		int words = s->doff ? s->doff : 5;
		int field = s->doff_field ? s->doff_field : words;

		n = (size_t)words * 4;
		memset(t, 0, n);
		unit_put16(t, s->sport);
		unit_put16(t + 2, s->dport);
		t[7] = 1;
		t[12] = (uint8_t)(field << 4);
		t[13] = s->flags;
		unit_put16(t + 14, 65535);
		if (words > 5) {
			if (s->topt == 1) {
				t[20] = 3;		/* window scale claiming 40 bytes */
				t[21] = 40;
			} else if (s->topt == 2) {
				t[20] = 1;
				t[21] = 2;		/* MSS with length 0 */
				t[22] = 0;
			} else {
				t[20] = 1;
				t[21] = 1;
				t[22] = 8;		/* timestamp */
				t[23] = 10;
				t[27] = 7;
			}
		}
	} else if (s->proto == IPPROTO_NUM_UDP) {
		long ulen = 8 + (long)s->plen + s->ulen_delta + (s->frag == 1 ? 100 : 0);

		n = 8;
		memset(t, 0, n);
		unit_put16(t, s->sport);
		unit_put16(t + 2, s->dport);
		unit_put16(t + 4, (uint16_t)(ulen < 0 ? 0 : ulen));
	} else if (s->proto == IPPROTO_NUM_ICMP || s->proto == IPPROTO_NUM_ICMPV6) {
		n = 8;
		memset(t, 0, n);
		t[0] = s->flags;
		t[1] = s->code;
		if (s->flags == 8 || s->flags == 0 || s->flags == 128 || s->flags == 129)
			unit_put16(t + 4, s->sport);		/* echo identifier */
	} else
		n = 0;
	CU_ASSERT_FATAL(l4 + n + s->plen <= FRAME_MAX - 64);
	if (s->plen > 0)
		memcpy(t + n, s->pl, s->plen);
	tl = l4 + n + s->plen;
	if (s->family == 4)
		unit_put16(out + 2, (uint16_t)((long)tl + s->totlen_delta));
	else
		unit_put16(out + 4, (uint16_t)((long)tl - 40 + s->totlen_delta));
	if (s->bad_version)
		out[0] = (uint8_t)((s->family == 4 ? 0x60 : 0x40) | (out[0] & 0x0f));
	return tl;
}

static int
is_raw(int linktype)
{
	return linktype == DLT_RAW || linktype == LINKTYPE_RAW_FILE;
}

/* The frame of s into out (room FRAME_MAX); returns its length, and in
 * *ip_end where its IP packet ends. */
static size_t
build(uint8_t *out, const struct shape *s, size_t *ip_end)
{
	size_t n = 0, ipl;
	uint8_t ip[FRAME_MAX];

	ipl = build_ip(ip, s);
	if (!is_raw(s->linktype)) {
		memset(out, 0, 12);
		out[0] = 0x02;
		out[5] = 0x01;
		out[6] = 0x02;
		out[11] = 0x02;
		n = 12;
		for (int i = 0; i < s->nvlan; i++) {
			unit_put16(out + n, s->tpid[i] ? s->tpid[i] : 0x8100);
			unit_put16(out + n + 2, s->vid[i]);
			n += 4;
		}
		unit_put16(out + n, s->ethertype ? s->ethertype :
		    s->family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
		n += 2;
	}
	memcpy(out + n, ip, ipl);
	n += ipl;
	if (ip_end != NULL)
		*ip_end = n;
	if (s->pad && !is_raw(s->linktype) && n < 60) {
		memset(out + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

static size_t
build_arp(uint8_t *out, int lldp)
{
	memset(out, 0, 60);
	memset(out, 0xff, 6);
	out[6] = 0x02;
	unit_put16(out + 12, lldp ? ETHERTYPE_LLDP : ETHERTYPE_ARP);
	unit_put16(out + 14, 1);
	unit_put16(out + 16, 0x0800);
	out[18] = 6;
	out[19] = 4;
	unit_put16(out + 20, 1);
	return 60;
}

/* --- the reference key -------------------------------------------------------- */

/* The canonical key flow_make_key() (src/flow/flow.c) builds from a decoded
 * TCP or UDP packet. */
static void
ref_key(const struct pkt *p, int use_vlan, struct flow_key *k, int *dir)
{
	int c = memcmp(p->src, p->dst, 16);

	memset(k, 0, sizeof(*k));
	if (c < 0 || (c == 0 && p->sport <= p->dport)) {
		memcpy(k->addr[0], p->src, 16);
		memcpy(k->addr[1], p->dst, 16);
		k->port[0] = p->sport;
		k->port[1] = p->dport;
		*dir = 0;
	} else {
		memcpy(k->addr[0], p->dst, 16);
		memcpy(k->addr[1], p->src, 16);
		k->port[0] = p->dport;
		k->port[1] = p->sport;
		*dir = 1;
	}
	if (use_vlan) {
		k->vlan[0] = p->vlan[0];
		k->vlan[1] = p->vlan[1];
	}
	k->proto = p->ip_proto;
	k->family = p->family;
}

/*
 * What the fast path must do with buf, decided from the reference
 * decoder: 1 when decode_packet() finds a clean (no event) unfragmented
 * TCP or UDP packet through no tunnel and not to or from the VXLAN or
 * Geneve port,
 * on Ethernet with at most two tags or raw IP, whose
 * IPv4 header has no options and whose IPv6 header is followed directly
 * by the transport header, and whose IP packet was wholly captured.
 */
static int
ref_fast(const uint8_t *buf, uint32_t caplen, int linktype, struct pkt *p)
{
	int rv = decode_packet(p, linktype, buf, caplen, caplen);
	size_t ipoff, tot;

	if (rv != DECODE_OK || p->event != DEV_NONE || p->frag != PKT_FRAG_NONE ||
	    (p->ip_proto != IPPROTO_NUM_TCP && p->ip_proto != IPPROTO_NUM_UDP))
		return 0;
	/* no tunnel, and no UDP that could be VXLAN or Geneve either way round */
	if (p->tunnel_depth != 0 || (p->ip_proto == IPPROTO_NUM_UDP &&
	    (p->sport == DECODE_VXLAN_PORT || p->dport == DECODE_VXLAN_PORT ||
	    p->sport == DECODE_GENEVE_PORT || p->dport == DECODE_GENEVE_PORT)))
		return 0;
	if (linktype == DLT_EN10MB) {
		if (p->vlan_depth > 2)
			return 0;
		ipoff = 14 + 4 * (size_t)p->vlan_depth;
	} else if (is_raw(linktype))
		ipoff = 0;
	else
		return 0;
	/* the reference read the IP header, so it was captured */
	CU_ASSERT_FATAL(caplen >= ipoff + (p->family == 4 ? 20 : 40));
	/* and the whole IP packet captured (a UDP datagram may be whole
	 * when the IP packet is not: the reference notes nothing then) */
	if (p->family == 4) {
		if (buf[ipoff] != 0x45)
			return 0;
		tot = (size_t)buf[ipoff + 2] << 8 | buf[ipoff + 3];
	} else {
		if (buf[ipoff + 6] != p->ip_proto)
			return 0;
		tot = 40 + ((size_t)buf[ipoff + 4] << 8 | buf[ipoff + 5]);
	}
	return caplen >= ipoff + tot;
}

/* counts of check_fast() over a run */
struct fast_tally {
	uint64_t	packets;
	uint64_t	taken;		/* decode_fast() returned 1 */
	uint64_t	errors;		/* disagreements with the reference */
};

/*
 * decode_fast() on buf against the reference, with VLAN keying off and
 * on: it must take exactly the packets ref_fast() names, with the
 * reference's key, hash, side, TCP flags and payload length.  Prints the
 * first few disagreements.
 */
static void
check_fast(const uint8_t *buf, uint32_t caplen, int linktype, const char *what,
    struct fast_tally *t)
{
	struct pkt p;
	struct fast_pkt fp;
	struct flow_key k;
	int want = ref_fast(buf, caplen, linktype, &p), dir;

	t->packets++;
	for (int v = 0; v < 2; v++) {
		int got;

		memset(&fp, 0xa5, sizeof(fp));
		got = decode_fast(buf, caplen, linktype, v, &fp);
		if (fp.ok != got) {
			t->errors++;
			CU_FAIL("decode_fast() result and fp->ok differ");
		}
		if (got != want) {
			if (t->errors++ < 5)
				fprintf(stderr, "\n%s: decode_fast() %d, reference %d (event %s, "
				    "caplen %u, linktype %d)\n", what, got, want,
				    decode_event_name(p.event), caplen, linktype);
			CU_FAIL("decode_fast() disagrees with the reference decoder");
			continue;
		}
		if (!got)
			continue;
		if (v == 1)
			t->taken++;
		ref_key(&p, v, &k, &dir);
		if (memcmp(&k, &fp.key, sizeof(k)) != 0 || fp.hash != flow_key_hash(&k) ||
		    fp.dir != dir || fp.tcp_flags != (p.ip_proto == IPPROTO_NUM_TCP ?
		    p.tcp_flags : 0) || fp.paylen != p.payload_len) {
			if (t->errors++ < 5)
				fprintf(stderr, "\n%s: decode_fast() key, hash, side, flags or "
				    "payload length differ from the reference (use_vlan %d)\n",
				    what, v);
			CU_FAIL("decode_fast() key differs from the reference");
		}
	}
}

/* --- decode_fast(): shapes ------------------------------------------------------ */

static const uint8_t tls_rec[] = { 0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04 };

/* A TCP packet of the site: client 198.18.10.5:50000 -> 198.18.1.11:5061. */
static struct shape
sh_tcp4(void)
{
	struct shape s;

	memset(&s, 0, sizeof(s));
	s.linktype = DLT_EN10MB;
	s.family = 4;
	unit_addr("198.18.10.5", s.src);
	unit_addr("198.18.1.11", s.dst);
	s.proto = IPPROTO_NUM_TCP;
	s.sport = 50000;
	s.dport = 5061;
	s.flags = TCP_ACK | TCP_PSH;
	s.pl = tls_rec;
	s.plen = sizeof(tls_rec);
	return s;
}

static struct shape
sh_udp6(void)
{
	struct shape s;

	memset(&s, 0, sizeof(s));
	s.linktype = DLT_EN10MB;
	s.family = 6;
	unit_addr("2001:db8:1::11", s.src);
	unit_addr("2001:db8:10::5", s.dst);
	s.proto = IPPROTO_NUM_UDP;
	s.sport = 3478;
	s.dport = 50010;
	s.pl = (const uint8_t *)"stun-ish";
	s.plen = 8;
	return s;
}

/* Shapes decode_fast() must take. */
static struct shape
shape_good(int i, const char **name)
{
	struct shape s = i % 2 ? sh_udp6() : sh_tcp4();

	switch (i) {
	case 0: *name = "IPv4 TCP, data offset 5"; break;
	case 1: *name = "IPv6 UDP"; break;
	case 2: *name = "IPv4 TCP, NOP,NOP,timestamp"; s.doff = 8; break;
	case 3: *name = "IPv6 UDP, empty payload"; s.plen = 0; break;
	case 4: *name = "IPv4 TCP, options to 60 bytes ending in EOL"; s.doff = 15; break;
	case 5: *name = "IPv6 UDP, one 802.1Q tag"; s.nvlan = 1; s.vid[0] = 100; break;
	case 6: *name = "IPv4 TCP, 802.1ad + 802.1Q"; s.nvlan = 2; s.tpid[0] = 0x88a8;
		s.vid[0] = 0x2123; s.vid[1] = 0xf456; break;
	case 7: *name = "IPv6 UDP, 0x9100 + 0x8100"; s.nvlan = 2; s.tpid[0] = 0x9100;
		s.vid[0] = 7; s.vid[1] = 8; break;
	case 8: *name = "IPv4 TCP, raw IP (DLT_RAW)"; s.linktype = DLT_RAW; break;
	case 9: *name = "IPv6 UDP, raw IP (LINKTYPE_RAW)"; s.linktype = LINKTYPE_RAW_FILE; break;
	case 10: *name = "IPv4 TCP, no payload, padded to 60"; s.plen = 0; s.pad = 1; break;
	case 11: *name = "IPv6 UDP, UDP length shorter than the IP payload"; s.ulen_delta = -3; break;
	case 12: *name = "IPv4 TCP, DF, SYN"; s.v4df = 1; s.flags = TCP_SYN; s.plen = 0; break;
	case 13: *name = "IPv6 UDP, source = destination, ports equal"; s.dport = s.sport;
		memcpy(s.dst, s.src, 16); break;
	case 14: *name = "IPv4 TCP ACK|URG, one byte, padded, VLAN 4095"; s.flags = TCP_ACK | 0x20;
		s.plen = 1; s.pad = 1; s.nvlan = 1; s.vid[0] = 4095; break;
	case 15: *name = "IPv4 UDP, padded"; s.proto = IPPROTO_NUM_UDP; s.plen = 2; s.pad = 1;
		break;
	case 16: *name = "IPv4 TCP, the reserved flag and DF"; s.v4evil = 1; s.v4df = 1; break;
	default: *name = NULL; break;
	}
	return s;
}

/* Shapes decode_fast() must refuse. */
static struct shape
shape_bad(int i, const char **name)
{
	struct shape s = i % 2 ? sh_udp6() : sh_tcp4();

	switch (i) {
	case 0: *name = "IPv4 options"; s.v4opt = 1; break;
	case 1: *name = "IPv6 destination options"; s.v6ext = 1; break;
	case 2: *name = "IPv4 first fragment"; s.frag = 1; break;
	case 3: *name = "IPv6 first fragment"; s.frag = 1; break;
	case 4: *name = "IPv4 later fragment"; s.frag = 2; break;
	case 5: *name = "IPv6 later fragment"; s.frag = 2; break;
	case 6: *name = "ICMP"; s.proto = IPPROTO_NUM_ICMP; s.flags = 8; break;
	case 7: *name = "ICMPv6"; s.proto = IPPROTO_NUM_ICMPV6; s.flags = 1; s.code = 4; break;
	case 8: *name = "three VLAN tags"; s.nvlan = 3; break;
	case 9: *name = "IPv6 hop-by-hop"; s.v6ext = 2; break;
	case 10: *name = "TCP data offset 4"; s.doff_field = 4; break;
	case 11: *name = "UDP length 7"; s.ulen_delta = -(int)s.plen - 1; break;
	case 12: *name = "TCP data offset past the packet"; s.doff_field = 15; s.plen = 0; break;
	case 13: *name = "UDP length past the IP payload"; s.ulen_delta = 1; break;
	case 14: *name = "TCP option running past the header"; s.doff = 8; s.topt = 1; break;
	case 15: *name = "IPv6 extension header cut short"; s.v6ext = 3; break;
	case 16: *name = "TCP option of length 0"; s.doff = 8; s.topt = 2; break;
	case 17: *name = "IPv6 TCP option running past"; s.proto = IPPROTO_NUM_TCP;
		s.doff = 6; s.topt = 1; break;
	case 18: *name = "IPv4 option running past"; s.v4opt = 2; break;
	case 19: *name = "IPv6 version 4 under EtherType IPv6"; s.bad_version = 1; break;
	case 20: *name = "IPv4 version 6 under EtherType IPv4"; s.bad_version = 1; break;
	case 21: *name = "other IP protocol (GRE)"; s.proto = 47; break;
	case 22: *name = "IPv4 total length below its header";
		s.totlen_delta = 12 - (int)(20 + 20 + s.plen); break;
	case 23: *name = "IPv6 payload length 0"; s.totlen_delta = -(int)(8 + s.plen); break;
	case 24: *name = "IPv4 total length past the capture"; s.totlen_delta = 1; break;
	case 25: *name = "IPv6 payload length past the capture"; s.totlen_delta = 5; break;
	case 26: *name = "IPv4 TCP, EtherType ARP"; s.ethertype = ETHERTYPE_ARP; break;
	case 27: *name = "raw IP, an IPv6 header with version 4"; s.linktype = DLT_RAW;
		s.bad_version = 1; break;
	case 28: *name = "IPv4 later fragment, offset 0x100"; s.frag = 2; s.frag_off = 0x100; break;
	case 29: *name = "IPv6 later fragment, offset 0x100"; s.frag = 2; s.frag_off = 0x100; break;
	case 30: *name = "IPv4 later fragment, offset 0x1000, MF"; s.frag = 2; s.frag_off = 0x1000;
		s.frag_mf = 1; break;
	case 31: *name = "IPv6 later fragment, offset 1, M"; s.frag = 2; s.frag_off = 1;
		s.frag_mf = 1; break;
	case 32: *name = "IPv4 UDP first fragment"; s.proto = IPPROTO_NUM_UDP; s.frag = 1; break;
	case 33: *name = "IPv6 atomic fragment"; s.frag = 3; break;
	default: *name = NULL; break;
	}
	return s;
}

static void
test_decode_fast_shapes(void)
{
	uint8_t frame[FRAME_MAX];
	struct fast_tally t = { 0, 0, 0 };
	struct fast_pkt fp;
	const char *name;
	size_t n, ip_end;

	for (int i = 0;; i++) {
		struct shape s = shape_good(i, &name);

		if (name == NULL)
			break;
		n = build(frame, &s, &ip_end);
		check_fast(frame, (uint32_t)n, s.linktype, name, &t);
		if (decode_fast(frame, (uint32_t)n, s.linktype, 1, &fp) != 1)
			fprintf(stderr, "\nnot taken: %s\n", name);
		CU_ASSERT_EQUAL(fp.ok, 1);
	}
	CU_ASSERT_EQUAL(t.taken, t.packets);
	for (int i = 0;; i++) {
		struct shape s = shape_bad(i, &name);
		struct pkt p;

		if (name == NULL)
			break;
		n = build(frame, &s, &ip_end);
		check_fast(frame, (uint32_t)n, s.linktype, name, &t);
		for (int v = 0; v < 2; v++)
			if (decode_fast(frame, (uint32_t)n, s.linktype, v, &fp) != 0) {
				fprintf(stderr, "\ntaken: %s\n", name);
				CU_FAIL("decode_fast() took a shape it must refuse");
			}
		/* the reference sees something the fast path does not do */
		CU_ASSERT_EQUAL(ref_fast(frame, (uint32_t)n, s.linktype, &p), 0);
	}
	/* non-IP, link types, empty buffers */
	n = build_arp(frame, 0);
	CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n, DLT_EN10MB, 1, &fp), 0);
	n = build_arp(frame, 1);
	CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n, DLT_EN10MB, 1, &fp), 0);
	{
		struct shape s = sh_tcp4();

		n = build(frame, &s, NULL);
		CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n, DLT_EN10MB, 1, &fp), 1);
		CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n, DLT_LINUX_SLL, 1, &fp), 0);
		CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n, DLT_NULL, 1, &fp), 0);
		CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n, DLT_UNSUPPORTED, 1, &fp), 0);
		CU_ASSERT_EQUAL(fp.ok, 0);
		CU_ASSERT_EQUAL(decode_fast(frame, 0, DLT_EN10MB, 1, &fp), 0);
		CU_ASSERT_EQUAL(decode_fast(NULL, 0, DLT_EN10MB, 1, &fp), 0);
		CU_ASSERT_EQUAL(decode_fast(NULL, 0, DLT_RAW, 1, &fp), 0);
		CU_ASSERT_EQUAL(decode_fast(NULL, 100, DLT_EN10MB, 1, &fp), 0);
		CU_ASSERT_EQUAL(fp.ok, 0);
		/* snaplen cut one byte into the payload, and one byte short */
		CU_ASSERT_EQUAL(decode_fast(frame, (uint32_t)n - 1, DLT_EN10MB, 1, &fp), 0);
		CU_ASSERT_EQUAL(decode_fast(frame, 14 + 20 + 20 + 1, DLT_EN10MB, 1, &fp), 0);
	}
	CU_ASSERT_EQUAL(t.errors, 0);
}

/*
 * Every captured length of a few packets, each in an allocation of
 * exactly that size: decode_fast() never reads past it, refuses every
 * length short of the whole IP packet and agrees with the reference at
 * every length.
 */
static void
test_decode_fast_sweep(void)
{
	static const int good[] = { 0, 1, 2, 4, 6, 7, 8, 9, 10, 11, 15 };
	static const int bad[] = { 0, 1, 3, 5, 8, 14, 16 };
	uint8_t frame[FRAME_MAX];
	struct fast_tally t = { 0, 0, 0 };
	const char *name;
	char what[160];

	for (size_t g = 0; g < sizeof(good) / sizeof(good[0]) + sizeof(bad) / sizeof(bad[0]); g++) {
		int isgood = g < sizeof(good) / sizeof(good[0]);
		struct shape s = isgood ? shape_good(good[g], &name) :
		    shape_bad(bad[g - sizeof(good) / sizeof(good[0])], &name);
		size_t ip_end, n = build(frame, &s, &ip_end);

		for (size_t len = 0; len <= n; len++) {
			uint8_t *b = malloc(len > 0 ? len : 1);
			struct fast_pkt fp;
			int got;

			CU_ASSERT_PTR_NOT_NULL_FATAL(b);
			memcpy(b, frame, len);
			snprintf(what, sizeof(what), "%s, caplen %zu of %zu", name, len, n);
			check_fast(len > 0 ? b : NULL, (uint32_t)len, s.linktype, what, &t);
			got = decode_fast(b, (uint32_t)len, s.linktype, 1, &fp);
			CU_ASSERT_EQUAL(got, len >= ip_end && isgood);
			free(b);
		}
	}
	CU_ASSERT_EQUAL(t.errors, 0);
}

/* --- flow_fast_update() against flow_packet() --------------------------------------- */

/* Every flow a table hands over, in order. */
struct twin_emit {
	size_t		 n, cap;
	struct flow	*f;
	int		*end;
};

static void
twin_emit(void *arg, const struct flow *f, int end)
{
	struct twin_emit *e = arg;

	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->f = realloc(e->f, e->cap * sizeof(*e->f));
		e->end = realloc(e->end, e->cap * sizeof(*e->end));
		CU_ASSERT_PTR_NOT_NULL_FATAL(e->f);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e->end);
	}
	e->f[e->n] = *f;
	e->end[e->n] = end;
	e->n++;
}

/* Two tables: `ref` takes every packet through flow_packet(), `fast`
 * through flow_fast_update() when it accepts, else flow_packet(). */
struct twin {
	struct flow_table	*ref, *fast;
	struct twin_emit	 eref, efast;
	uint64_t		 taken;
	int			 use_vlan;
	const struct flow	*last;		/* the fast table's flow of the last packet */
};

static struct twin *
twin_new(uint32_t max_flows, int use_vlan)
{
	struct twin *t = calloc(1, sizeof(*t));
	struct flow_config c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(&c, 0, sizeof(c));
	c.max_flows = max_flows;
	c.use_vlan = use_vlan;
	c.tmo_tcp_syn = 5;
	c.tmo_tcp_est = 3600;
	c.tmo_tcp_closed = 30;
	c.tmo_udp = 120;
	c.tmo_other = 60;
	t->use_vlan = use_vlan;
	t->ref = flow_table_new(&c, twin_emit, &t->eref);
	t->fast = flow_table_new(&c, twin_emit, &t->efast);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->ref);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->fast);
	return t;
}

static void
twin_free(struct twin *t)
{
	flow_table_free(t->ref);
	flow_table_free(t->fast);
	free(t->eref.f);
	free(t->eref.end);
	free(t->efast.f);
	free(t->efast.end);
	free(t);
}

/* Flush both, then their whole histories must be the same. */
static void
twin_finish(struct twin *t)
{
	flow_flush(t->ref);
	flow_flush(t->fast);
	CU_ASSERT(t->eref.n > 0);
	CU_ASSERT_EQUAL(t->eref.n, t->efast.n);
	for (size_t i = 0; i < t->eref.n && i < t->efast.n; i++) {
		CU_ASSERT_EQUAL(t->eref.end[i], t->efast.end[i]);
		CU_ASSERT(memcmp(&t->eref.f[i], &t->efast.f[i], sizeof(struct flow)) == 0);
	}
	CU_ASSERT(memcmp(flow_table_stats(t->ref), flow_table_stats(t->fast),
	    sizeof(struct flow_stats)) == 0);
}

/* One packet through both tables (the fast one refusing flows with a
 * flag of `refuse`); 1 when flow_fast_update() took it. */
static int
twin_packet(struct twin *t, const struct pkt *p, uint8_t refuse)
{
	struct flow_key k;
	struct flow *a, *b = NULL;
	int dir, da, db = -1, ca, cb = 0, took = 0;

	a = flow_packet(t->ref, p, &da, &ca);
	if (p->frag == PKT_FRAG_NONE && p->has_ports) {
		ref_key(p, t->use_vlan, &k, &dir);
		b = flow_fast_update(t->fast, &k, flow_key_hash(&k), dir, p->tcp_flags,
		    p->wirelen, p->ts_usec, refuse);
		if (b != NULL) {
			took = 1;
			db = dir;
		}
	}
	if (!took)
		b = flow_packet(t->fast, p, &db, &cb);
	CU_ASSERT_EQUAL(a == NULL, b == NULL);
	if (a != NULL && b != NULL) {
		CU_ASSERT_EQUAL(da, db);
		CU_ASSERT_EQUAL(ca, cb);
		if (memcmp(a, b, sizeof(*a)) != 0)
			CU_FAIL("flow_fast_update() left the flow unlike flow_packet()");
	}
	t->taken += (uint64_t)took;
	t->last = b;
	return took;
}

static struct pkt
twin_pkt(int family, const char *s, uint16_t sp, const char *d, uint16_t dp, uint8_t proto,
    uint8_t flags, uint64_t ts)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = (uint8_t)family;
	unit_addr(s, p.src);
	unit_addr(d, p.dst);
	p.ip_proto = proto;
	p.has_ports = 1;
	p.sport = sp;
	p.dport = dp;
	p.tcp_flags = proto == IPPROTO_NUM_TCP ? flags : 0;
	p.wirelen = 66;
	p.caplen = 66;
	p.ts_usec = ts;
	return p;
}

/*
 * Every packet of a known flow is counted in place, state changes
 * included (handshake, FINs, RST, reject, UDP answer), exactly as
 * flow_packet() counts it; a packet of an unknown flow and a flow with a
 * refused flag are left to flow_packet(), untouched.
 */
static void
test_flow_fast_update(void)
{
	struct twin *t = twin_new(64, 1);
	struct pkt p;
	struct flow_key k;
	uint64_t ts = T0;
	int dir;

#define CLI4	"198.18.10.5", 50000
#define FE4	"198.18.1.11", 5061
	p = twin_pkt(4, CLI4, FE4, IPPROTO_NUM_TCP, TCP_SYN, ts);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 0);	/* a new flow: the full path */
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);	/* a retransmitted SYN */
	p = twin_pkt(4, FE4, CLI4, IPPROTO_NUM_TCP, TCP_SYN | TCP_ACK, ts + 10);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_ESTABLISHED);
	for (int i = 0; i < 2000; i++) {
		int c2s = i % 2 == 0;

		if (c2s)
			p = twin_pkt(4, CLI4, FE4, IPPROTO_NUM_TCP, TCP_ACK, ts + 20 + (uint64_t)i * 7);
		else
			p = twin_pkt(4, FE4, CLI4, IPPROTO_NUM_TCP, TCP_ACK | (i % 3 ? 0 : TCP_PSH),
			    ts + 20 + (uint64_t)i * 7);
		p.wirelen = 60 + (uint32_t)i % 1400;
		CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	}
	CU_ASSERT_EQUAL(t->taken, 2002);
	/* an earlier timestamp; flags the flow lacks refuse nothing */
	p = twin_pkt(4, CLI4, FE4, IPPROTO_NUM_TCP, TCP_ACK, ts);
	CU_ASSERT_EQUAL(twin_packet(t, &p, FLOW_F_MIDSTREAM | FLOW_F_CHECK_APP), 1);
	p.tcp_flags = TCP_FIN | TCP_ACK;
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_ESTABLISHED);	/* one FIN */
	p = twin_pkt(4, FE4, CLI4, IPPROTO_NUM_TCP, TCP_FIN | TCP_ACK, ts + 100000);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_CLOSED);	/* both: a new timeout class */
	p.tcp_flags = TCP_RST;
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);

	/* UDP: new one way, established once answered */
	p = twin_pkt(6, "2001:db8:10::5", 50010, "2001:db8:1::11", 3478, IPPROTO_NUM_UDP, 0, ts);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 0);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_NEW);
	p = twin_pkt(6, "2001:db8:1::11", 3478, "2001:db8:10::5", 50010, IPPROTO_NUM_UDP, 0, ts);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_ESTABLISHED);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	/* a flag the caller refuses: the flow is left untouched */
	{
		struct flow before, *f;

		ref_key(&p, 1, &k, &dir);
		f = flow_fast_update(t->fast, &k, flow_key_hash(&k), dir, 0, 60, ts, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		(void)flow_fast_update(t->ref, &k, flow_key_hash(&k), dir, 0, 60, ts, 0);
		f->flags |= FLOW_F_CHECK_APP;
		before = *f;
		CU_ASSERT_PTR_NULL(flow_fast_update(t->fast, &k, flow_key_hash(&k), dir, 0, 60,
		    ts + 1, FLOW_F_CHECK_APP));
		CU_ASSERT(memcmp(&before, f, sizeof(before)) == 0);
		f->flags &= (uint8_t)~FLOW_F_CHECK_APP;
	}
	/* a key the table does not hold; then mid-stream */
	p = twin_pkt(4, "198.18.10.9", 1, FE4, IPPROTO_NUM_TCP, TCP_ACK, ts);
	ref_key(&p, 1, &k, &dir);
	CU_ASSERT_PTR_NULL(flow_fast_update(t->fast, &k, flow_key_hash(&k), dir, TCP_ACK, 60, ts,
	    0));
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 0);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_MIDSTREAM);
	/* attempted, then rejected, in place */
	p = twin_pkt(4, "198.18.10.9", 2, FE4, IPPROTO_NUM_TCP, TCP_SYN, ts);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 0);
	p = twin_pkt(4, FE4, "198.18.10.9", 2, IPPROTO_NUM_TCP, TCP_ACK, ts);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_ATTEMPTED);
	p.tcp_flags = TCP_RST | TCP_ACK;
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 1);
	CU_ASSERT_EQUAL(t->last->state, CONN_REJECTED);
	/* a first fragment always takes the full path (it is remembered) */
	p = twin_pkt(4, "198.18.10.9", 3, FE4, IPPROTO_NUM_TCP, TCP_SYN, ts);
	p.frag = PKT_FRAG_FIRST;
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 0);
	CU_ASSERT_EQUAL(twin_packet(t, &p, 0), 0);
#undef CLI4
#undef FE4
	twin_finish(t);
	twin_free(t);
}

/* Random flags, flows, VLANs and times on a small table (evictions):
 * the two tables stay the same packet after packet. */
static void
test_flow_fast_random(void)
{
	static const uint8_t fl[] = { TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_PSH | TCP_ACK,
		TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, TCP_ACK | 0x20, TCP_ACK, TCP_ACK };
	static const char *const hosts[] = { "198.18.10.5", "198.18.1.11", "198.18.1.12",
		"198.18.10.6", "198.19.99.1" };

	for (int round = 0; round < 4; round++) {
		struct twin *t = twin_new(round < 2 ? 16 : 1024, round % 2);
		struct rng r = { 0x5eed0000u + (uint64_t)round };
		uint64_t ts = T0;

		/* few enough keys that the small table still finds flows */
		uint32_t nhosts = round < 2 ? 3 : 5, nports = round < 2 ? 2 : 4;

		for (int i = 0; i < 20000; i++) {
			int a = (int)below(&r, nhosts), b = (int)below(&r, nhosts);
			int udp = chance(&r, 300);
			struct pkt p = twin_pkt(4, hosts[a], (uint16_t)(5000 + below(&r, nports)),
			    hosts[b], (uint16_t)(5000 + below(&r, nports)),
			    udp ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP,
			    fl[below(&r, sizeof(fl))], ts);

			p.vlan[0] = (uint16_t)below(&r, 2);
			p.wirelen = 40 + below(&r, 1500);
			if (chance(&r, 20))
				p.frag = PKT_FRAG_FIRST;
			else if (chance(&r, 20)) {
				p.frag = PKT_FRAG_LATER;
				p.has_ports = 0;
				p.sport = p.dport = 0;
				p.tcp_flags = 0;
			}
			p.ip_id = below(&r, 4);
			ts += below(&r, 3) == 0 ? 0 : below(&r, 2000000);
			if (chance(&r, 50) && ts > T0 + 5000000)
				ts -= below(&r, 5000000);
			p.ts_usec = ts;
			(void)twin_packet(t, &p, 0);
			if (chance(&r, 5)) {
				flow_expire(t->ref, ts);
				flow_expire(t->fast, ts);
			}
		}
		CU_ASSERT(t->taken > 2000);
		twin_finish(t);
		twin_free(t);
	}
}

/* --- the recording sink ------------------------------------------------------------ */

/* Every callback as one text line into f; the engine's recorder passes
 * each call on to the collector, whose output sink is the other recorder. */
struct rec {
	FILE			*f;
	const char		*tag;
	struct engine_sink	 next;
};

static const char *
str(const char *s)
{
	return s != NULL ? s : "(null)";
}

static void
rec_record(FILE *f, const struct flow_record *r)
{
	fprintf(f, "id=%llu first=%llu last=%llu %s:%u -> %s:%u proto=%u vlan=%u,%u "
	    "pkts=%llu/%llu bytes=%llu/%llu frags=%u state=%s conn_state=%s midstream=%d "
	    "end=%s verdict=%d rule=%s T%dR%d service=%s roles=%s/%s hosts=%s/%s failure=%s",
	    (unsigned long long)r->flow_id, (unsigned long long)r->first_usec,
	    (unsigned long long)r->last_usec, r->src_ip, r->src_port, r->dest_ip, r->dest_port,
	    r->proto, r->vlan[0], r->vlan[1],
	    (unsigned long long)r->pkts_toserver, (unsigned long long)r->pkts_toclient,
	    (unsigned long long)r->bytes_toserver, (unsigned long long)r->bytes_toclient,
	    r->frags, str(r->state), str(r->conn_state), r->midstream, str(r->end), r->verdict,
	    str(r->rule_id), r->rule_table, r->rule_row, str(r->rule_service), r->src_role,
	    r->dest_role, str(r->src_host), str(r->dest_host), r->failure);
}

static void
rec_flow(void *arg, const struct rec_flow *b)
{
	struct rec *c = arg;
	struct flow_record r;

	fprintf(c->f, "%s flow ", c->tag);
	if (record_text_flow(b, NULL, &r) == 0)
		rec_record(c->f, &r);
	else
		fputs("(not a record)", c->f);
	fputc('\n', c->f);
	if (c->next.flow != NULL)
		c->next.flow(c->next.arg, b);
}

static void
rec_finding(void *arg, const struct rec_finding *b)
{
	struct rec *c = arg;
	struct finding_text t;
	struct finding fs, *fd = &fs;

	if (record_text_finding(b, NULL, &fs, &t) != 0) {
		fprintf(c->f, "%s finding (not a finding)\n", c->tag);
		return;
	}
	fprintf(c->f, "%s finding kind=%d severity=%d sig=%s category=%s ts=%llu rule=%s "
	    "evidence=%s host=%s host_ip=%s port=%u proto=%u flow=", c->tag, fd->kind,
	    fd->severity, str(fd->signature), str(fd->category),
	    (unsigned long long)fd->ts_usec, str(fd->rule_id), str(fd->evidence),
	    str(fd->host), str(fd->host_ip), fd->port, fd->proto);
	if (fd->flow != NULL)
		rec_record(c->f, fd->flow);
	else
		fputs("(null)", c->f);
	fputc('\n', c->f);
	if (c->next.finding != NULL)
		c->next.finding(c->next.arg, b);
}

static void
rec_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct rec *c = arg;

	fprintf(c->f, "%s coverage host=%s rule=%s state=%s flows=%llu bytes=%llu first=%llu "
	    "last=%llu evidence=%s\n", c->tag, str(host), str(rule_id), str(state),
	    (unsigned long long)flows, (unsigned long long)bytes,
	    (unsigned long long)first_usec, (unsigned long long)last_usec, str(evidence));
	if (c->next.coverage != NULL)
		c->next.coverage(c->next.arg, host, rule_id, state, flows, bytes, first_usec,
		    last_usec, evidence);
}

static void
rec_counter(void *arg, const char *name, uint64_t value)
{
	struct rec *c = arg;

	fprintf(c->f, "%s counter %s=%llu\n", c->tag, str(name), (unsigned long long)value);
	if (c->next.counter != NULL)
		c->next.counter(c->next.arg, name, value);
}

static void
rec_observe(void *arg, int host)
{
	struct rec *c = arg;

	fprintf(c->f, "%s observe %d\n", c->tag, host);
	if (c->next.observe != NULL)
		c->next.observe(c->next.arg, host);
}

static void
rec_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct rec *c = arg;

	fprintf(c->f, "%s cover host=%d rule=%d ok=%d bytes=%llu first=%llu last=%llu "
	    "evidence=%s\n", c->tag, host, rule, ok, (unsigned long long)bytes,
	    (unsigned long long)first_usec, (unsigned long long)last_usec, str(evidence));
	if (c->next.cover != NULL)
		c->next.cover(c->next.arg, host, rule, ok, bytes, first_usec, last_usec,
		    evidence);
}

static void
rec_sink(struct rec *c, struct engine_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->arg = c;
	s->flow = rec_flow;
	s->finding = rec_finding;
	s->coverage = rec_coverage;
	s->counter = rec_counter;
	s->observe = rec_observe;
	s->cover = rec_cover;
}

/* One engine as in -r: engine -> recorder "e" -> collector -> recorder "o". */
struct side {
	struct unit_mem		 m;
	struct rec		 erec, orec;
	struct collector	*col;
	struct engine		*eng;
	size_t			 checked;	/* text compared so far */
};

static void
side_open(struct side *s, const struct config *cfg, const struct policy *pol)
{
	struct engine_sink out, in;

	memset(s, 0, sizeof(*s));
	s->erec.f = s->orec.f = unit_mem_open(&s->m);
	s->erec.tag = "e";
	s->orec.tag = "o";
	rec_sink(&s->orec, &out);
	s->col = collector_new(cfg, pol, &out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->col);
	collector_sink(s->col, &s->erec.next);
	rec_sink(&s->erec, &in);
	s->eng = engine_new(cfg, pol, &in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->eng);
}

/* The end of the window as main.c ends -r, then every counter and
 * summary as text; frees the side and returns its whole text. */
static char *
side_close(struct side *s)
{
	const struct engine_counters *c;
	const struct flow_stats *fs;
	FILE *f = s->m.f;

	engine_finish(s->eng);
	c = engine_counters(s->eng);
	collector_finish(s->col, c->ipv4 + c->ipv6 == 0, engine_now(s->eng));
	fprintf(f, "now=%llu findings=%llu collector=%llu\ncounters:",
	    (unsigned long long)engine_now(s->eng), (unsigned long long)engine_findings(s->eng),
	    (unsigned long long)collector_findings(s->col));
	for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		fprintf(f, " %llu", (unsigned long long)((const uint64_t *)c)[i]);
	fs = engine_flow_stats(s->eng);
	fprintf(f, "\nflow stats: %llu %llu %llu %llu %llu %llu %llu %llu\n",
	    (unsigned long long)fs->created, (unsigned long long)fs->expired,
	    (unsigned long long)fs->evicted, (unsigned long long)fs->flushed,
	    (unsigned long long)fs->active, (unsigned long long)fs->peak,
	    (unsigned long long)fs->frags_tied, (unsigned long long)fs->frags_orphan);
	engine_summary(s->eng, f);
	engine_summary_top(s->eng, f);
	collector_summary(s->col, f);
	collector_coverage_print(s->col, COVMATRIX_RULES, f);
	engine_free(s->eng);
	collector_free(s->col);
	return unit_mem_close(&s->m);
}

/* The first line where a and b differ, printed with its number. */
static void
print_first_diff(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, line = 1, start = 0, ea, eb;

	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	for (ea = start; ea < alen && a[ea] != '\n'; ea++)
		;
	for (eb = start; eb < blen && b[eb] != '\n'; eb++)
		;
	fprintf(stderr, "first difference at line %zu:\n  engine_frame:  %.*s\n"
	    "  engine_frames: %.*s\n", line, (int)(ea - start), a + start,
	    (int)(eb - start), b + start);
}

/* --- the differential run ----------------------------------------------------------- */

/* Packets in memory, each in its own exact-size allocation. */
struct pktvec {
	struct capture_pkt	*v;
	size_t			 n, cap;
};

static void
pv_add(struct pktvec *pv, int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts)
{
	struct capture_pkt *p;
	uint8_t *copy = NULL;

	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 1024;
		pv->v = realloc(pv->v, pv->cap * sizeof(*pv->v));
		CU_ASSERT_PTR_NOT_NULL_FATAL(pv->v);
	}
	if (caplen > 0) {
		copy = malloc(caplen);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, data, caplen);
	}
	p = &pv->v[pv->n++];
	memset(p, 0, sizeof(*p));
	p->data = copy;		/* NULL for an empty frame */
	p->caplen = caplen;
	p->wirelen = wirelen < caplen ? caplen : wirelen;
	p->ts_usec = ts;
	p->num = pv->n;
	p->linktype = linktype;
	p->source = 7;		/* ignored */
}

static void
pv_free(struct pktvec *pv)
{
	for (size_t i = 0; i < pv->n; i++)
		free((void *)pv->v[i].data);
	free(pv->v);
	memset(pv, 0, sizeof(*pv));
}

/* Batch sizes engine_frames() gets: 1, 3, 32, 33, 100 and random ones. */
static size_t
chunk_size(struct rng *r, size_t k)
{
	static const size_t fixed[] = { 1, 3, 32, 33, 100 };

	if (k % 6 < 5)
		return fixed[k % 6];
	return 1 + below(r, 300);
}

/* Compare the texts b (and c, when not NULL) wrote since the last check
 * with a's; 0 when they do not all agree. */
static int
sides_agree(struct side *a, struct side *b, struct side *c)
{
	fflush(a->m.f);
	fflush(b->m.f);
	if (a->m.len != b->m.len ||
	    memcmp(a->m.buf + a->checked, b->m.buf + a->checked, a->m.len - a->checked) != 0)
		return 0;
	if (c != NULL) {
		fflush(c->m.f);
		if (a->m.len != c->m.len ||
		    memcmp(a->m.buf + a->checked, c->m.buf + a->checked, a->m.len - a->checked) != 0)
			return 0;
		c->checked = a->m.len;
	}
	a->checked = b->checked = a->m.len;
	return 1;
}

struct diff_stats {
	uint64_t	runs, packets, mismatches;
	struct fast_tally fast;
};

/*
 * A batch as a pipeline worker gets it: each packet copied into a ring
 * slot by the capture's deliver function, every other one with the
 * capture thread's decode_fast() going along (capture_deliver_ring_fast()),
 * then read in place through engine_slots(), span by span.
 */
static void
slots_feed(struct engine *e, struct ring *rg, const struct capture_pkt *v, size_t m,
    int use_vlan)
{
	for (size_t j = 0; j < m; j++) {
		struct fast_pkt fp;

		if (j % 2 == 0) {
			(void)decode_fast(v[j].data, v[j].caplen, v[j].linktype, use_vlan, &fp);
			CU_ASSERT_EQUAL_FATAL(capture_deliver_ring_fast(rg, &v[j], &fp), 0);
		} else
			CU_ASSERT_EQUAL_FATAL(capture_deliver_ring(rg, &v[j]), 0);
	}
	for (;;) {
		uint32_t n;
		const struct ring_pkt *first = ring_peek_span(rg, 32, &n);

		if (n == 0)
			break;
		engine_slots(e, first, ring_stride(rg), n);
		ring_release_n(rg, n);
	}
}

/*
 * Feed pv to an engine frame by frame, to another in batches (sizes from
 * chunk_seed; 0: the whole vector at once) and to a third through ring
 * slots as a worker reads them, comparing counters, flow-table counters
 * and the text so far after every batch, and the whole texts at the end.
 * `what` names the run in messages.
 */
static void
diff_run(const struct config *cfg, const struct policy *pol, const struct pktvec *pv,
    uint64_t chunk_seed, const char *what, struct diff_stats *ds)
{
	struct side a, b, c;
	struct rng r = { chunk_seed };
	size_t i = 0, k = 0;
	uint32_t maxcap = 1, nslots = 512;
	struct ring *rg;
	int bad = 0;
	char *ta, *tb, *tc;

	for (size_t j = 0; j < pv->n; j++)
		if (pv->v[j].caplen > maxcap)
			maxcap = pv->v[j].caplen;
	while (nslots < pv->n && chunk_seed == 0)
		nslots *= 2;
	rg = ring_new(nslots, RING_PKT_SLOT_SIZE(maxcap));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rg);
	side_open(&a, cfg, pol);
	side_open(&b, cfg, pol);
	side_open(&c, cfg, pol);
	while (i < pv->n && !bad) {
		size_t m = chunk_seed == 0 ? pv->n : chunk_size(&r, k++);

		if (m > pv->n - i)
			m = pv->n - i;
		for (size_t j = i; j < i + m; j++)
			engine_frame(a.eng, pv->v[j].linktype, pv->v[j].data, pv->v[j].caplen,
			    pv->v[j].wirelen, pv->v[j].ts_usec, pv->v[j].num);
		engine_frames(b.eng, pv->v + i, m);
		slots_feed(c.eng, rg, pv->v + i, m, cfg->flow_vlan);
		if (memcmp(engine_counters(a.eng), engine_counters(b.eng),
		    sizeof(struct engine_counters)) != 0 ||
		    memcmp(engine_flow_stats(a.eng), engine_flow_stats(b.eng),
		    sizeof(struct flow_stats)) != 0 ||
		    memcmp(engine_counters(b.eng), engine_counters(c.eng),
		    sizeof(struct engine_counters)) != 0 ||
		    engine_now(a.eng) != engine_now(b.eng) || !sides_agree(&a, &b, &c)) {
			fprintf(stderr, "\n%s: engines differ after the batch of packets %zu..%zu\n",
			    what, i + 1, i + m);
			bad = 1;
		}
		i += m;
	}
	ta = side_close(&a);
	tb = side_close(&b);
	tc = side_close(&c);
	ring_free(rg);
	ds->runs++;
	ds->packets += pv->n;
	if (bad || strcmp(ta, tb) != 0 || strcmp(tb, tc) != 0) {
		ds->mismatches++;
		if (!bad)
			fprintf(stderr, "\n%s: engines differ at the end\n", what);
		if (strcmp(ta, tb) != 0)
			print_first_diff(ta, strlen(ta), tb, strlen(tb));
		else
			print_first_diff(tb, strlen(tb), tc, strlen(tc));
		CU_FAIL("engine_frames() or engine_slots() differs from engine_frame()");
	}
	free(ta);
	free(tb);
	free(tc);
}

/* --- the site for generated traffic ------------------------------------------------ */

static const char site[] =
    "pool fe-pool {\n"
    "  type front-end\n"
    "  load-balancing hardware\n"
    "  collocated-mediation yes\n"
    "  vip 198.18.1.10\n"
    "  member fe1 198.18.1.11\n"
    "  member fe2 198.18.1.12\n"
    "}\n"
    "host med1 198.18.3.11 role mediation\n"
    "host fe6 2001:db8:1::11 role front-end\n"
    "network clients 198.18.10.0/24,2001:db8:10::/64 role client\n"
    "peer pstn1 198.18.6.1 role pstn-gateway\n"
    "peer web1 198.18.7.1 role web-farm\n";

static struct ruleset site_rs;
static struct inventory site_inv;
static struct policy *site_pol;

static int
fastpath_setup(void)
{
	struct diag d;
	char path[512];

	diag_init(&d, stderr);
	rules_init(&site_rs);
	inventory_init(&site_inv);
	if (rules_load(&site_rs, unit_srcpath("rules/lync2013.rules"), &d) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/fastpath-site.conf", unit_tmpdir());
	if (unit_spit(path, site) == -1)
		return -1;
	if (inventory_load(&site_inv, path, &site_rs, &d) == -1)
		return -1;
	site_pol = policy_compile(&site_rs, &site_inv);
	return site_pol == NULL ? -1 : 0;
}

static int
fastpath_teardown(void)
{
	policy_free(site_pol);
	inventory_free(&site_inv);
	rules_free(&site_rs);
	return 0;
}

/* --- the traffic generator --------------------------------------------------------- */

static const char *const v4_servers[] = { "198.18.1.10", "198.18.1.11", "198.18.1.12",
	"198.18.3.11", "198.18.6.1", "198.18.7.1", "198.19.99.1" };
static const char *const v6_servers[] = { "2001:db8:1::11", "2001:db8:1::11",
	"2001:db8:99::1" };
static const char *const v4_routers[] = { "198.18.1.1", "198.18.10.1", "198.19.99.254" };
static const char *const v6_routers[] = { "2001:db8:1::1", "2001:db8:10::1" };
static const uint16_t tcp_ports[] = { 5061, 443, 444, 5070, 5062, 135, 5063, 5064, 5065,
	5066, 5067, 5068, 5069, 5071, 5072, 5073, 8080, 80, 4443, 445, 448, 57501, 49152,
	22, 3389, 25 };
static const uint16_t udp_ports[] = { 1434, 3478, 5060, 5070, 5062, 49152, 50010, 161, 53,
	123, 514 };
static const uint8_t tcp_flagset[] = { TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_PSH | TCP_ACK,
	TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, TCP_ACK | 0x20 };
/* weights of tcp_flagset, per thousand */
static const uint16_t tcp_flagw[] = { 90, 70, 330, 260, 70, 40, 40, 100 };

struct gflow {
	int		family;
	uint8_t		cli[16], srv[16];
	uint16_t	cport, sport;
	uint8_t		proto;
	int		nvlan;
	uint16_t	tpid[2], vid[2];
	uint32_t	frag_id;
};

struct gen {
	struct rng	 r;
	struct gflow	 fl[200];
	int		 nflows;
	uint64_t	 ts;
};

static void
gen_addr(struct rng *r, int family, int client, uint8_t a[16])
{
	char buf[64];

	if (family == 4) {
		if (client && chance(r, 850))
			snprintf(buf, sizeof(buf), "198.18.10.%u", 2 + below(r, 40));
		else if (client)
			snprintf(buf, sizeof(buf), "198.19.99.%u", 10 + below(r, 5));
		else
			snprintf(buf, sizeof(buf), "%s", v4_servers[below(r, 7)]);
	} else {
		if (client && chance(r, 850))
			snprintf(buf, sizeof(buf), "2001:db8:10::%x", 2 + below(r, 20));
		else if (client)
			snprintf(buf, sizeof(buf), "2001:db8:99::%x", 10 + below(r, 3));
		else
			snprintf(buf, sizeof(buf), "%s", v6_servers[below(r, 3)]);
	}
	unit_addr(buf, a);
}

static void
gen_flow(struct gen *g, struct gflow *f)
{
	struct rng *r = &g->r;

	memset(f, 0, sizeof(*f));
	f->family = chance(r, 250) ? 6 : 4;
	gen_addr(r, f->family, 1, f->cli);
	gen_addr(r, f->family, 0, f->srv);
	if (chance(r, 60))		/* server to server */
		gen_addr(r, f->family, 0, f->cli);
	if (chance(r, 5))		/* one address talking to itself */
		memcpy(f->cli, f->srv, 16);
	f->proto = chance(r, 250) ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
	if (f->proto == IPPROTO_NUM_TCP)
		f->sport = chance(r, 900) ? tcp_ports[below(r, sizeof(tcp_ports) / 2)] :
		    (uint16_t)below(r, 65536);
	else
		f->sport = chance(r, 900) ? udp_ports[below(r, sizeof(udp_ports) / 2)] :
		    (uint16_t)below(r, 65536);
	f->cport = chance(r, 900) ? (uint16_t)(1024 + below(r, 64512)) : (uint16_t)below(r, 1024);
	if (chance(r, 20))
		f->cport = f->sport;
	f->nvlan = chance(r, 600) ? 0 : chance(r, 700) ? 1 : 2;
	for (int i = 0; i < 2; i++) {
		f->tpid[i] = i == 0 && f->nvlan == 2 && chance(r, 500) ? 0x88a8 : 0x8100;
		f->vid[i] = (uint16_t)(chance(r, 800) ? 10 + below(r, 3) : below(r, 65536));
	}
	f->frag_id = (uint32_t)rnd(r);
}

static uint8_t
gen_flags(struct rng *r)
{
	uint32_t x = below(r, 1000), acc = 0;

	for (size_t i = 0; i < sizeof(tcp_flagset); i++) {
		acc += tcp_flagw[i];
		if (x < acc)
			return tcp_flagset[i];
	}
	return TCP_ACK;
}

/* 0-60 payload bytes, sometimes starting as a protocol would */
static size_t
gen_payload(struct rng *r, uint8_t *pl)
{
	static const char *const starts[] = { "\x16\x03\x01\x00\x2a\x01", "GET / HTTP/1.1\r\n",
		"REGISTER sip:fe1.lync.example SIP/2.0\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
		"\x00\x01\x00\x08\x21\x12\xa4\x42" };
	size_t n = chance(r, 450) ? 0 : chance(r, 250) ? 1 + below(r, 3) : 1 + below(r, 60);

	for (size_t i = 0; i < n; i++)
		pl[i] = (uint8_t)rnd(r);
	if (n > 0 && chance(r, 600)) {
		uint32_t w = below(r, 5);
		size_t sl = w == 0 ? 6 : w == 4 ? 8 : strlen(starts[w]);

		memcpy(pl, starts[w], sl < n ? sl : n);
	}
	return n;
}

/* The next capture time: small steps, some equal or backwards, a few
 * seconds now and then (answer timeout), some whole seconds exactly (the
 * once-a-second timer run and timeouts fall due on the microsecond),
 * rare jumps of 10 s .. 10 min. */
static uint64_t
gen_time(struct gen *g)
{
	struct rng *r = &g->r;
	uint32_t x = below(&g->r, 10000);

	if (x < 500)
		;				/* the same time */
	else if (x < 900) {
		uint64_t back = 1 + below(r, 2000000);
		g->ts = g->ts - back > T0 ? g->ts - back : T0;
	} else if (x < 1000)
		g->ts += 1000000 + below(r, 5000000);
	else if (x < 1012)
		g->ts += 10000000 + (uint64_t)below(r, 590000000);
	else if (x < 1250)	/* whole seconds: lands on timer and timeout boundaries */
		g->ts += (uint64_t)(1 + below(r, 6)) * 1000000;
	else
		g->ts += below(r, 3000);
	return g->ts;
}

/* A packet of flow f (from the client when c2s) with the generator's
 * random flags, payload and the rare shapes the fast path must refuse. */
static void
gen_flow_shape(struct gen *g, const struct gflow *f, int c2s, struct shape *s, uint8_t *pl)
{
	struct rng *r = &g->r;

	memset(s, 0, sizeof(*s));
	s->linktype = DLT_EN10MB;
	s->family = f->family;
	memcpy(s->src, c2s ? f->cli : f->srv, 16);
	memcpy(s->dst, c2s ? f->srv : f->cli, 16);
	s->sport = c2s ? f->cport : f->sport;
	s->dport = c2s ? f->sport : f->cport;
	s->proto = f->proto;
	s->nvlan = f->nvlan;
	for (int i = 0; i < 2; i++) {
		s->tpid[i] = f->tpid[i];
		s->vid[i] = f->vid[i];
	}
	if (chance(r, 20)) {			/* the same flow seen with other tags */
		s->nvlan = (int)below(r, 3);
		s->vid[0] = (uint16_t)below(r, 4);
	}
	if (chance(r, 8)) {			/* too deep for the fast path */
		s->nvlan = 3;
		s->tpid[2] = 0x8100;
		s->vid[2] = 5;
	}
	if (chance(r, 5))
		s->tpid[0] = 0x9100;
	if (chance(r, 100)) {
		s->linktype = chance(r, 500) ? DLT_RAW : LINKTYPE_RAW_FILE;
		s->nvlan = 0;
	}
	s->flags = gen_flags(r);
	s->plen = gen_payload(r, pl);
	s->pl = pl;
	s->pad = chance(r, 800);
	s->v4df = chance(r, 500);
	if (chance(r, 300))
		s->doff = 8;			/* NOP, NOP, timestamp */
	if (chance(r, 15)) {
		s->doff = 8;
		s->topt = 1 + (int)below(r, 2);
	}
	if (chance(r, 8))
		s->doff_field = chance(r, 500) ? (int)below(r, 5) : 15;
	if (f->proto == IPPROTO_NUM_UDP && chance(r, 30))
		s->ulen_delta = chance(r, 500) ? 1 + (int)below(r, 20) : -(int)s->plen - 1 -
		    (int)below(r, 8);
	if (f->proto == IPPROTO_NUM_UDP && s->plen > 0 && chance(r, 20))
		s->ulen_delta = -(int)below(r, (uint32_t)s->plen + 1);	/* short but valid */
	if (f->family == 4 && chance(r, 20))
		s->v4opt = chance(r, 800) ? 1 : 2;
	if (f->family == 6 && chance(r, 30))
		s->v6ext = chance(r, 700) ? 1 : chance(r, 500) ? 2 : 3;
	if (chance(r, 25)) {
		s->frag = 1;
		s->frag_id = f->frag_id;
	} else if (chance(r, 25)) {
		s->frag = 2;
		s->frag_id = chance(r, 800) ? f->frag_id : (uint32_t)rnd(r);
		s->frag_off = (uint16_t)(1 + below(r, 0x1fff));
		s->frag_mf = chance(r, 500);
	} else if (f->family == 6 && chance(r, 10)) {
		s->frag = 3;
		s->frag_id = f->frag_id;
	}
	if (chance(r, 3))
		s->totlen_delta = chance(r, 500) ? 1 + (int)below(r, 10) : -(int)below(r, 60);
	if (f->family == 4)
		s->frag_id &= 0xffff;
}

/* An ICMP or ICMPv6 error from a router quoting a packet of f, or an echo. */
static void
gen_icmp_shape(struct gen *g, const struct gflow *f, struct shape *s, uint8_t *quote)
{
	static const uint8_t codes4[] = { 0, 1, 3, 4, 9, 10, 13, 2 };
	static const uint8_t codes6[] = { 0, 1, 3, 4, 5, 6 };
	struct rng *r = &g->r;
	struct shape q;
	uint8_t pl[64];
	int c2s = chance(r, 850);
	size_t qlen;

	gen_flow_shape(g, f, c2s, &q, pl);
	q.frag = 0;
	q.v6ext = 0;
	q.v4opt = 0;
	q.flags = TCP_SYN;
	q.totlen_delta = 0;
	q.doff_field = 0;
	qlen = build_ip(quote, &q);
	memset(s, 0, sizeof(*s));
	s->linktype = q.linktype;
	s->nvlan = q.nvlan;
	memcpy(s->tpid, q.tpid, sizeof(s->tpid));
	memcpy(s->vid, q.vid, sizeof(s->vid));
	s->family = f->family;
	unit_addr(f->family == 4 ? v4_routers[below(r, 3)] : v6_routers[below(r, 2)], s->src);
	memcpy(s->dst, c2s ? f->cli : f->srv, 16);
	if (f->family == 4) {
		s->proto = IPPROTO_NUM_ICMP;
		s->flags = chance(r, 900) ? 3 : chance(r, 500) ? 8 : 0;
		s->code = codes4[below(r, sizeof(codes4))];
	} else {
		s->proto = IPPROTO_NUM_ICMPV6;
		s->flags = chance(r, 900) ? 1 : chance(r, 500) ? 128 : 129;
		s->code = codes6[below(r, sizeof(codes6))];
	}
	s->sport = (uint16_t)below(r, 4);		/* echo identifier */
	s->pl = quote;
	s->plen = qlen;
	if (chance(r, 600))				/* the usual quote: header + 8 */
		s->plen = (f->family == 4 ? 20 : 40) + 8;
	if (chance(r, 100))
		s->plen = below(r, (uint32_t)qlen);	/* quote cut short */
	s->pad = 1;
}

/* One generated frame into pv. */
static void
gen_packet(struct gen *g, struct pktvec *pv)
{
	struct rng *r = &g->r;
	uint8_t frame[FRAME_MAX], pl[FRAME_MAX];
	struct shape s;
	size_t n = 0;
	uint32_t x = below(r, 1000), caplen;
	int linktype = DLT_EN10MB;
	uint64_t ts = gen_time(g);
	/* busy flows: the lower indices come up more often */
	struct gflow *f = &g->fl[below(r, 1 + below(r, (uint32_t)g->nflows))];

	if (chance(r, 4))
		gen_flow(g, &g->fl[below(r, (uint32_t)g->nflows)]);
	if (x < 900) {
		gen_flow_shape(g, f, chance(r, 550), &s, pl);
		n = build(frame, &s, NULL);
		linktype = s.linktype;
	} else if (x < 950) {
		gen_icmp_shape(g, f, &s, pl);
		n = build(frame, &s, NULL);
		linktype = s.linktype;
	} else if (x < 970) {
		n = build_arp(frame, chance(r, 300));
	} else if (x < 985) {
		gen_flow_shape(g, f, 1, &s, pl);
		s.proto = chance(r, 500) ? 47 : 132;	/* GRE, SCTP */
		n = build(frame, &s, NULL);
		linktype = s.linktype;
	} else {
		/* noise on some link type */
		n = below(r, 80);
		for (size_t i = 0; i < n; i++)
			frame[i] = (uint8_t)rnd(r);
		if (n > 14 && chance(r, 500)) {
			unit_put16(frame + 12, chance(r, 500) ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
			if (n > 14)
				frame[14] = chance(r, 500) ? 0x45 : 0x60;
		}
		linktype = chance(r, 600) ? DLT_EN10MB : chance(r, 500) ? DLT_RAW : DLT_UNSUPPORTED;
	}
	caplen = (uint32_t)n;
	if (chance(r, 25))
		caplen = below(r, (uint32_t)n + 1);		/* snaplen cut */
	pv_add(pv, linktype, frame, caplen, (uint32_t)n, ts);
}

static void
gen_traffic(uint64_t seed, size_t npackets, struct pktvec *pv)
{
	struct gen g;

	memset(&g, 0, sizeof(g));
	g.r.s = seed * 0x2545f4914f6cdd1dULL + 1;
	g.ts = T0;
	g.nflows = 40 + (int)below(&g.r, 161);
	for (int i = 0; i < g.nflows; i++)
		gen_flow(&g, &g.fl[i]);
	for (size_t i = 0; i < npackets; i++)
		gen_packet(&g, pv);
}

/* The configuration of variant v: defaults; no VLAN keying; a pool of 16
 * flows; 16 flows, no VLAN keying and short timeouts. */
static void
gen_config(struct config *cfg, int v)
{
	config_init(cfg);
	if (v == 1 || v == 3)
		cfg->flow_vlan = 0;
	if (v >= 2)
		cfg->max_flows = 16;
	if (v == 3) {
		cfg->tmo_tcp_est = 20;
		cfg->tmo_tcp_closed = 5;
		cfg->tmo_udp = 10;
		cfg->tmo_other = 5;
		cfg->answer_timeout = 2;
	}
}

static const char *const variant_names[] = { "defaults", "flow-vlan off", "max-flows 16",
	"max-flows 16, flow-vlan off, short timeouts" };

/* Seeded random traffic, every seed in one of four configurations. */
static void
test_engine_frames_random(void)
{
	struct diff_stats ds;
	char what[128];

	memset(&ds, 0, sizeof(ds));
	for (int seed = 1; seed <= GEN_SEEDS; seed++) {
		struct pktvec pv;
		struct config cfg;
		int v = seed % 4;

		memset(&pv, 0, sizeof(pv));
		gen_traffic((uint64_t)seed, GEN_PACKETS, &pv);
		for (size_t i = 0; i < pv.n; i++) {
			snprintf(what, sizeof(what), "seed %d packet %zu", seed, i + 1);
			check_fast(pv.v[i].data, pv.v[i].caplen, pv.v[i].linktype, what, &ds.fast);
		}
		gen_config(&cfg, v);
		snprintf(what, sizeof(what), "seed %d (%s)", seed, variant_names[v]);
		diff_run(&cfg, site_pol, &pv, (uint64_t)seed, what, &ds);
		if (seed <= 2) {
			/* the whole capture as one call, too */
			snprintf(what, sizeof(what), "seed %d (%s), one call", seed,
			    variant_names[v]);
			diff_run(&cfg, site_pol, &pv, 0, what, &ds);
		}
		config_free(&cfg);
		pv_free(&pv);
	}
	printf("\n    %llu runs, %llu packets, %llu decoded by the fast path "
	    "(%llu%%), %llu mismatches ",
	    (unsigned long long)ds.runs, (unsigned long long)ds.packets,
	    (unsigned long long)ds.fast.taken,
	    (unsigned long long)(ds.fast.packets ? ds.fast.taken * 100 / ds.fast.packets : 0),
	    (unsigned long long)ds.mismatches);
	CU_ASSERT_EQUAL(ds.fast.errors, 0);
	CU_ASSERT_EQUAL(ds.mismatches, 0);
	/* the fast shapes are the common case: most packets must be offered */
	CU_ASSERT(ds.fast.taken * 2 > ds.fast.packets);
}

/*
 * An established conversation of 1000 ACKs through engine_frames():
 * every one is a fast shape (decode_fast() takes it) that
 * flow_fast_update() counts in place on a twin table, and the records
 * are those of engine_frame().
 */
static void
test_engine_frames_established(void)
{
	struct pktvec pv;
	struct diff_stats ds;
	struct config cfg;
	struct twin *t = twin_new(64, 1);
	uint8_t frame[FRAME_MAX];
	uint64_t ts = T0;
	size_t n;

	memset(&pv, 0, sizeof(pv));
	memset(&ds, 0, sizeof(ds));
	/* SYN, SYN-ACK, ACK, the client's TLS hello, then ACKs both ways */
	for (int i = 0; i < 1003; i++) {
		int c2s = i == 0 || i == 2 || (i > 2 && i % 2 == 1);
		struct shape s = sh_tcp4();
		struct pkt p;
		struct fast_pkt fp;

		s.plen = i == 3 ? sizeof(tls_rec) : 0;	/* the first payload: a TLS hello */
		s.pad = 1;
		if (!c2s) {
			memcpy(s.src, sh_tcp4().dst, 16);
			memcpy(s.dst, sh_tcp4().src, 16);
			s.sport = 5061;
			s.dport = 50000;
		}
		s.flags = i == 0 ? TCP_SYN : i == 1 ? (TCP_SYN | TCP_ACK) : TCP_ACK;
		n = build(frame, &s, NULL);
		ts += 100;
		pv_add(&pv, DLT_EN10MB, frame, (uint32_t)n, (uint32_t)n, ts);
		CU_ASSERT_EQUAL_FATAL(decode_fast(frame, (uint32_t)n, DLT_EN10MB, 1, &fp), 1);
		CU_ASSERT_EQUAL(decode_packet(&p, DLT_EN10MB, frame, (uint32_t)n, (uint32_t)n),
		    DECODE_OK);
		p.ts_usec = ts;
		(void)twin_packet(t, &p, 0);
	}
	/* every packet after the SYN that made the flow is counted in place
	 * (the engine sends the hello the full way too: a payload check is
	 * pending until the first payload) */
	CU_ASSERT_EQUAL(t->taken, 1003 - 1);
	twin_finish(t);
	twin_free(t);
	config_init(&cfg);
	diff_run(&cfg, site_pol, &pv, 11, "established conversation", &ds);
	diff_run(&cfg, site_pol, &pv, 0, "established conversation, one call", &ds);
	CU_ASSERT_EQUAL(ds.mismatches, 0);
	config_free(&cfg);
	pv_free(&pv);
}

/*
 * The once-a-second timer run falls due exactly on a packet of a flow
 * that has been idle past its timeout: engine_frame() expires the flow
 * first and the packet starts a new one, so the fast path must leave
 * that packet to it (a microsecond earlier it is counted in place).
 */
static void
test_engine_frames_timer_due(void)
{
	static const uint64_t sec = 1000000;
	struct diff_stats ds;
	struct pktvec pv;
	struct config cfg;
	uint8_t frame[FRAME_MAX];
	size_t n;

	memset(&ds, 0, sizeof(ds));
	config_init(&cfg);
	cfg.tmo_udp = 10;
	for (int late = 0; late < 2; late++) {
		/* client <-> Front End 3478/UDP, an outsider's datagram at 10 s
		 * (timer run: next due at 11 s), then the client at 11 s - 1 us
		 * or exactly 11 s, when the flow (last seen at 1 ms) is past
		 * its 10 s */
		static const uint64_t at[] = { 0, 1000, 10 * sec, 11 * sec };
		const uint64_t *t = at;
		struct shape s = sh_udp6();

		memset(&pv, 0, sizeof(pv));
		for (int i = 0; i < 4; i++) {
			uint64_t ts = T0 + t[i] - (i == 3 && !late ? 1 : 0);

			s = sh_udp6();
			if (i == 0 || i == 3) {
				memcpy(s.src, sh_udp6().dst, 16);
				memcpy(s.dst, sh_udp6().src, 16);
				s.sport = 50010;
				s.dport = 3478;
			}
			if (i == 2) {
				unit_addr("2001:db8:99::7", s.src);
				unit_addr("2001:db8:99::8", s.dst);
			}
			s.plen = 0;
			n = build(frame, &s, NULL);
			pv_add(&pv, DLT_EN10MB, frame, (uint32_t)n, (uint32_t)n, ts);
		}
		diff_run(&cfg, site_pol, &pv, 0, late ? "timer due on the packet" :
		    "timer due a microsecond after the packet", &ds);
		pv_free(&pv);
	}
	CU_ASSERT_EQUAL(ds.runs, 2);
	CU_ASSERT_EQUAL(ds.mismatches, 0);
	config_free(&cfg);
}

/* --- captures ---------------------------------------------------------------------- */

/* Read a capture file into pv; -1 when libpcap cannot open it. */
static int
read_capture(const char *path, struct pktvec *pv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int linktype;

	if (pc == NULL)
		return -1;
	linktype = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &data) == 1)
		pv_add(pv, linktype, data, h->caplen, h->len,
		    (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec);
	pcap_close(pc);
	return 0;
}

static const char *
builddir(void)
{
	const char *b = getenv("top_builddir");

	return b != NULL ? b : TOP_BUILDDIR;
}

/* Run `gen` (a generator in the build's tests/) into dir; 0 when it ran. */
static int
run_generator(const char *gen, const char *dir)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s/tests/%s", builddir(), gen);
	if (access(cmd, X_OK) != 0) {
		printf("\n    skipped: %s not built ", cmd);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "'%s/tests/%s' '%s'", builddir(), gen, dir);
	if (system(cmd) != 0) {
		printf("\n    skipped: %s failed ", gen);
		return -1;
	}
	return 0;
}

/* One capture against the configuration at cfgpath: as configured, and
 * with a pool of 16 flows and VLAN keying flipped. */
static void
diff_capture(const char *path, const char *cfgpath, struct diff_stats *ds, int must_open)
{
	struct pktvec pv;
	struct loaded l;
	struct diag d;
	struct policy *cpol;
	char what[1200];

	memset(&pv, 0, sizeof(pv));
	if (read_capture(path, &pv) == -1) {
		if (must_open)
			CU_FAIL("a golden capture cannot be read");
		pv_free(&pv);
		return;
	}
	memset(&l, 0, sizeof(l));
	diag_init(&d, stderr);
	CU_ASSERT_EQUAL_FATAL(load_all(cfgpath, &l, &d), 0);
	cpol = policy_compile(&l.rs, &l.inv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cpol);
	for (size_t i = 0; i < pv.n; i++) {
		snprintf(what, sizeof(what), "%s packet %zu", path, i + 1);
		check_fast(pv.v[i].data, pv.v[i].caplen, pv.v[i].linktype, what, &ds->fast);
	}
	snprintf(what, sizeof(what), "%s", path);
	diff_run(&l.cfg, cpol, &pv, 3, what, ds);
	snprintf(what, sizeof(what), "%s, one call", path);
	diff_run(&l.cfg, cpol, &pv, 0, what, ds);
	l.cfg.max_flows = 16;
	l.cfg.flow_vlan = !l.cfg.flow_vlan;
	snprintf(what, sizeof(what), "%s, max-flows 16, flow-vlan %d", path, l.cfg.flow_vlan);
	diff_run(&l.cfg, cpol, &pv, 5, what, ds);
	policy_free(cpol);
	load_free(&l);
	pv_free(&pv);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir, sorted (malloc'd array of malloc'd names). */
static int
list_dir(const char *dir, char ***names)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0, cap = 0;

	*names = NULL;
	if (dp == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*names = realloc(*names, (size_t)cap * sizeof(**names));
			CU_ASSERT_PTR_NOT_NULL_FATAL(*names);
		}
		(*names)[n++] = strdup(de->d_name);
	}
	closedir(dp);
	if (n > 0)
		qsort(*names, (size_t)n, sizeof(**names), name_cmp);
	return n;
}

static void
free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * The capture of golden case `name` (tests/cases/NAME/input: "gen-edge
 * FILE", a capture written into edgedir, or "file PATH", relative to the
 * case's folder) into cap; 0, or -1 when the input line is neither.
 */
static int
case_capture(const char *name, const char *edgedir, char *cap, size_t capsz)
{
	char rel[1200], kind[32], what[512], *text;
	int n, ret = -1;

	snprintf(rel, sizeof(rel), "tests/cases/%s/input", name);
	if ((text = unit_slurp(unit_srcpath(rel), NULL)) == NULL)
		return -1;
	n = sscanf(text, "%31s %511s", kind, what);
	if (n == 2 && strcmp(kind, "gen-edge") == 0) {
		snprintf(cap, capsz, "%s/%s", edgedir, what);
		ret = 0;
	} else if (n == 2 && strcmp(kind, "file") == 0) {
		snprintf(rel, sizeof(rel), "tests/cases/%s/%s", name, what);
		snprintf(cap, capsz, "%s", unit_srcpath(rel));
		ret = 0;
	}
	free(text);
	return ret;
}

/*
 * The capture of every golden case (tests/cases/NAME/: the shipped sample
 * and the captures of tests/gen-edge), with the case's configuration.
 */
static void
test_engine_frames_golden(void)
{
	struct diff_stats ds;
	char dir[512], path[1024], cfgpath[4096], rel[1200], **cases;
	int ncases, ran = 0, edge = 0;

	memset(&ds, 0, sizeof(ds));
	snprintf(dir, sizeof(dir), "%s/fastpath-edge", unit_tmpdir());
	if (run_generator("gen-edge", dir) == 0)
		edge = 1;
	ncases = list_dir(unit_srcpath("tests/cases"), &cases);
	for (int i = 0; i < ncases; i++) {
		snprintf(rel, sizeof(rel), "tests/cases/%s/input", cases[i]);
		if (access(unit_srcpath(rel), F_OK) != 0)
			continue;		/* not a case folder (README) */
		if (case_capture(cases[i], dir, path, sizeof(path)) == -1) {
			CU_FAIL("a golden case's input is neither gen-edge FILE nor file PATH");
			continue;
		}
		if (!edge && strncmp(path, dir, strlen(dir)) == 0)
			continue;		/* gen-edge did not run: said above */
		snprintf(rel, sizeof(rel), "tests/cases/%s/conformd.conf", cases[i]);
		snprintf(cfgpath, sizeof(cfgpath), "%s", unit_srcpath(rel));
		diff_capture(path, cfgpath, &ds, 1);
		ran++;
	}
	free_names(cases, ncases);
	printf("\n    %d captures, %llu runs, %llu packets, %llu%% decoded by the fast path, "
	    "%llu mismatches ", ran, (unsigned long long)ds.runs,
	    (unsigned long long)ds.packets,
	    (unsigned long long)(ds.fast.packets ? ds.fast.taken * 100 / ds.fast.packets : 0),
	    (unsigned long long)ds.mismatches);
	CU_ASSERT(ran >= 2);
	CU_ASSERT_EQUAL(ds.fast.errors, 0);
	CU_ASSERT_EQUAL(ds.mismatches, 0);
}

/* The broken captures of tests/gen-malformed (each packet-level defect
 * at every length), against the sample site; files libpcap refuses are
 * left out, damaged ones are read up to the damage. */
static void
test_engine_frames_malformed(void)
{
	struct diff_stats ds;
	char dir[512], path[1024], cfgpath[1024], **names;
	int n;

	memset(&ds, 0, sizeof(ds));
	snprintf(dir, sizeof(dir), "%s/fastpath-malformed", unit_tmpdir());
	if (run_generator("gen-malformed", dir) != 0)
		return;
	snprintf(cfgpath, sizeof(cfgpath), "%s", unit_srcpath("samples/conformd.conf"));
	n = list_dir(dir, &names);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		diff_capture(path, cfgpath, &ds, 0);
	}
	free_names(names, n);
	printf("\n    %d files, %llu runs, %llu packets, %llu mismatches ", n,
	    (unsigned long long)ds.runs, (unsigned long long)ds.packets,
	    (unsigned long long)ds.mismatches);
	CU_ASSERT(ds.runs > 0);
	CU_ASSERT_EQUAL(ds.fast.errors, 0);
	CU_ASSERT_EQUAL(ds.mismatches, 0);
}

void
test_fastpath_register(void)
{
	CU_pSuite s = CU_add_suite("fastpath", fastpath_setup, fastpath_teardown);

	CU_add_test(s, "decode_fast: fast shapes taken, every other refused", test_decode_fast_shapes);
	CU_add_test(s, "decode_fast: every captured length", test_decode_fast_sweep);
	CU_add_test(s, "flow_fast_update: as flow_packet, 1000 ACKs in place", test_flow_fast_update);
	CU_add_test(s, "flow_fast_update: random packets on twin tables", test_flow_fast_random);
	CU_add_test(s, "engine_frames: an established conversation", test_engine_frames_established);
	CU_add_test(s, "engine_frames: a timer run due on the packet", test_engine_frames_timer_due);
	CU_add_test(s, "engine_frames = engine_frame: seeded random traffic",
	    test_engine_frames_random);
	CU_add_test(s, "engine_frames = engine_frame: golden captures and the sample",
	    test_engine_frames_golden);
	CU_add_test(s, "engine_frames = engine_frame: malformed captures",
	    test_engine_frames_malformed);
}
