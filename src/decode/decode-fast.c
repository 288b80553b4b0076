/*
 * decode-fast.c - the common shapes in one pass, straight into a flow key
 * (decode-fast.h): Ethernet with at most two VLAN tags or raw IP; IPv4 with a
 * 20-byte header, not a fragment, or IPv6 whose next header is TCP or
 * UDP; TCP (options checked as decode-tcp.c checks them) or UDP; the
 * whole IP packet captured.  Tunnels are never taken: GRE (IP protocol 47)
 * is not TCP or UDP, and UDP to or from a VXLAN or Geneve port gives up, so the
 * full decoders find the innermost packet.  Every test below mirrors a check of the
 * full decoders (decode-ethernet.c, decode-ipv4.c, decode-ipv6.c,
 * decode-tcp.c, decode-udp.c) and gives up where one of them would note
 * an event, so a packet taken here is one they decode cleanly to the same
 * addresses, ports and flags.
 */
#include <string.h>
#include <pcap/dlt.h>

#include "conformd/cursor.h"
#include "conformd/decode-fast.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define LINKTYPE_RAW		101	/* raw IP in files (decode.c) */
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86dd
#define FAST_MAX_VLAN		2	/* deeper stacks take the full path */
#define IPV4_FRAGMASK		0x3fff	/* MF and the offset */

/* Compare two 16-byte addresses as memcmp() would (key bytes, already
 * copied out of the packet). */
static inline int
addr_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t x = __builtin_bswap64(flow_load64(a)), y = __builtin_bswap64(flow_load64(b));

	if (x == y) {
		x = __builtin_bswap64(flow_load64(a + 8));
		y = __builtin_bswap64(flow_load64(b + 8));
	}
	return x < y ? -1 : x > y;
}

/* The canonical key of flow_make_key() (flow.c) and its hash. */
static inline void
fast_key(struct fast_pkt *fp, const uint8_t *src, const uint8_t *dst, uint16_t sp,
    uint16_t dp, uint8_t proto, uint8_t family, const uint16_t *vlan)
{
	struct flow_key *k = &fp->key;
	int c = addr_cmp(src, dst);

	if (c < 0 || (c == 0 && sp <= dp)) {
		memcpy(k->addr[0], src, 16);
		memcpy(k->addr[1], dst, 16);
		k->port[0] = sp;
		k->port[1] = dp;
		fp->dir = 0;
	} else {
		memcpy(k->addr[0], dst, 16);
		memcpy(k->addr[1], src, 16);
		k->port[0] = dp;
		k->port[1] = sp;
		fp->dir = 1;
	}
	k->vlan[0] = vlan[0];
	k->vlan[1] = vlan[1];
	k->proto = proto;
	k->family = family;
	k->pad[0] = k->pad[1] = 0;
	fp->hash = flow_key_hash(k);
}

/* The same for IPv4: the v4-mapped addresses sort as their last four
 * bytes do, read big-endian.  The key is written a word at a time: the
 * ::ffff:0:0/96 prefix as two stores a side, the addresses as they sit in
 * the packet (copied out by the cursor, so no byte order is assumed). */
static inline void
fast_key_v4(struct fast_pkt *fp, const uint8_t *s4, const uint8_t *d4, uint16_t sp,
    uint16_t dp, uint8_t proto, const uint16_t *vlan)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct flow_key *k = &fp->key;
	uint32_t s = flow_load32(s4), d = flow_load32(d4);
	uint32_t sa = __builtin_bswap32(s), da = __builtin_bswap32(d);
	int lo = sa < da || (sa == da && sp <= dp) ? 0 : 1;
	uint32_t a0 = lo ? d : s, a1 = lo ? s : d;

	memcpy(k->addr[0], v4mapped, 12);
	memcpy(k->addr[0] + 12, &a0, 4);
	memcpy(k->addr[1], v4mapped, 12);
	memcpy(k->addr[1] + 12, &a1, 4);
	k->port[0] = lo ? dp : sp;
	k->port[1] = lo ? sp : dp;
	fp->dir = (uint8_t)lo;
	k->vlan[0] = vlan[0];
	k->vlan[1] = vlan[1];
	k->proto = proto;
	k->family = 4;
	k->pad[0] = k->pad[1] = 0;
	fp->hash = flow_key_hash_v4(k);
}

static inline int
is_vlan_tpid(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

/*
 * TCP or UDP at the start of `t`, whose window is the IP payload, wholly
 * captured (`wire` bytes).  1 with the ports and flags, 0 when the full
 * decoder would note anything.
 */
static inline int
fast_transport(const struct cursor *t, size_t wire, uint8_t proto, uint16_t *sp,
    uint16_t *dp, uint8_t *flags, const uint8_t **payload, uint32_t *paylen)
{
	uint16_t ulen;
	uint8_t doff;
	size_t hlen;

	if (proto == IPPROTO_NUM_TCP) {
		if (cursor_left(t) < 20 ||
		    cursor_peek_be16(t, 0, sp) < 0 || cursor_peek_be16(t, 2, dp) < 0 ||
		    cursor_peek_u8(t, 12, &doff) < 0 || cursor_peek_u8(t, 13, flags) < 0)
			return 0;
		hlen = (size_t)(doff >> 4) * 4;
		if (hlen < 20 || hlen > cursor_left(t))
			return 0;
		*payload = t->p + hlen;		/* hlen <= what the window holds */
		*paylen = (uint32_t)(wire - hlen);
		return hlen == 20 || decode_options(t->p + 20, hlen - 20) == 0;
	}
	/* UDP: the length covers the header and fits in the IP payload. */
	if (cursor_left(t) < 8 ||
	    cursor_peek_be16(t, 0, sp) < 0 || cursor_peek_be16(t, 2, dp) < 0 ||
	    cursor_peek_be16(t, 4, &ulen) < 0)
		return 0;
	if (ulen < 8 || ulen > wire)
		return 0;
	/* Maybe VXLAN or Geneve (decode-vxlan.c, decode-geneve.c): its flow
	 * is the inner packet's.  Either port, though only the destination
	 * one opens the tunnel: cheaper than a second look, and the full
	 * path is the reference. */
	if (decode_udp_tunnel_port(*sp) || decode_udp_tunnel_port(*dp))
		return 0;
	*flags = 0;
	*payload = t->p + 8;
	*paylen = (uint32_t)ulen - 8;
	return 1;
}

static inline int
fast_one(const uint8_t *buf, uint32_t caplen, int linktype, int use_vlan,
    struct fast_pkt *fp)
{
	struct cursor c, t;
	uint16_t type, tci, vlan[FAST_MAX_VLAN] = { 0, 0 }, totlen, off, plen, sp, dp;
	uint8_t b0, proto, flags, src[16], dst[16];

	size_t l3, l4, wire;
	int family;

	fp->ok = 0;
	if (buf == NULL)
		return 0;
	cursor_init(&c, buf, caplen);
	switch (linktype) {
	case DLT_EN10MB:
		if (cursor_peek_be16(&c, 12, &type) < 0)
			return 0;
		l3 = 14;
		/* Each tag: TCI then the next EtherType (decode-ethernet.c);
		 * IPv4, the common case, is no tag. */
		for (int depth = 0; type != ETHERTYPE_IPV4 && is_vlan_tpid(type); depth++) {
			if (depth == FAST_MAX_VLAN ||
			    cursor_peek_be16(&c, l3, &tci) < 0 ||
			    cursor_peek_be16(&c, l3 + 2, &type) < 0)
				return 0;
			if (use_vlan)
				vlan[depth] = tci & 0x0fff;
			l3 += 4;
		}
		if (type == ETHERTYPE_IPV4)
			family = 4;
		else if (type == ETHERTYPE_IPV6)
			family = 6;
		else
			return 0;
		break;
	case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW
	case LINKTYPE_RAW:
#endif
		if (cursor_peek_u8(&c, 0, &b0) < 0)
			return 0;
		family = b0 >> 4;	/* the version, checked again below */
		l3 = 0;
		break;
	default:
		return 0;
	}
	if (cursor_skip(&c, l3) < 0)
		return 0;

	if (family == 4) {
		/* version 4 and a 20-byte header; not a fragment (neither MF
		 * nor an offset); the whole total length captured. */
		if (cursor_left(&c) < 20 ||
		    cursor_peek_u8(&c, 0, &b0) < 0 || b0 != 0x45 ||
		    cursor_peek_be16(&c, 2, &totlen) < 0 ||
		    cursor_peek_be16(&c, 6, &off) < 0 ||
		    cursor_peek_u8(&c, 9, &proto) < 0 ||
		    (off & IPV4_FRAGMASK) != 0 || totlen < 20 || totlen > cursor_left(&c))
			return 0;
		l4 = 20;
		wire = (size_t)totlen - 20;
	} else if (family == 6) {
		/* next header TCP or UDP: no extension header (a hop-by-hop
		 * jumbogram is not one of ours either); the payload captured. */
		if (cursor_left(&c) < 40 ||
		    cursor_peek_u8(&c, 0, &b0) < 0 || (b0 >> 4) != 6 ||
		    cursor_peek_be16(&c, 4, &plen) < 0 ||
		    cursor_peek_u8(&c, 6, &proto) < 0 ||
		    plen > cursor_left(&c) - 40)
			return 0;
		l4 = 40;
		wire = plen;
	} else
		return 0;
	if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP)
		return 0;
	t = c;
	if (cursor_skip(&t, l4) < 0)
		return 0;
	cursor_limit(&t, wire);
	if (!fast_transport(&t, wire, proto, &sp, &dp, &flags, &fp->payload, &fp->paylen))
		return 0;

	if (family == 4) {
		uint8_t s4[4], d4[4];

		if (cursor_peek_bytes(&c, 12, s4, 4) < 0 || cursor_peek_bytes(&c, 16, d4, 4) < 0)
			return 0;
		fast_key_v4(fp, s4, d4, sp, dp, proto, vlan);
	} else {
		if (cursor_peek_bytes(&c, 8, src, 16) < 0 || cursor_peek_bytes(&c, 24, dst, 16) < 0)
			return 0;
		fast_key(fp, src, dst, sp, dp, proto, 6, vlan);
	}
	fp->tcp_flags = flags;
	fp->ok = 1;
	return 1;
}

int
decode_fast(const uint8_t *buf, uint32_t caplen, int linktype, int use_vlan,
    struct fast_pkt *fp)
{
	return fast_one(buf, caplen, linktype, use_vlan, fp);
}

size_t
decode_fast_batch(const struct capture_pkt *v, size_t n, int use_vlan, struct fast_pkt *fp)
{
	size_t taken = 0;

	/* One call for the batch: the decoder is inlined in this loop. */
	for (size_t i = 0; i < n; i++)
		taken += (size_t)fast_one(v[i].data, v[i].caplen, v[i].linktype, use_vlan, &fp[i]);
	return taken;
}
