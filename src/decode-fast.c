/*
 * decode-fast.c - the common shapes in one pass, straight into a flow key
 * (fastpath.h): Ethernet with at most two VLAN tags or raw IP; IPv4 with a
 * 20-byte header, not a fragment, or IPv6 whose next header is TCP or
 * UDP; TCP (options checked as decode-tcp.c checks them) or UDP; the
 * whole IP packet captured.  Every test below mirrors a check of the
 * full decoders (decode-ethernet.c, decode-ipv4.c, decode-ipv6.c,
 * decode-tcp.c, decode-udp.c) and gives up where one of them would note
 * an event, so a packet taken here is one they decode cleanly to the same
 * addresses, ports and flags.
 */
#include <string.h>
#include <pcap/dlt.h>

#include "conformd/cursor.h"
#include "conformd/fastpath.h"
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

/*
 * TCP or UDP in `c`, whose window is the IP payload, wholly captured
 * (`wire` bytes).  1 with the ports and flags, 0 when the full decoder
 * would note anything.
 */
static inline int
fast_transport(struct cursor *c, size_t wire, uint8_t proto, uint16_t *sp, uint16_t *dp,
    uint8_t *flags)
{
	uint16_t ulen;
	uint8_t doff;
	size_t hlen;

	if (cursor_be16(c, sp) < 0 || cursor_be16(c, dp) < 0)
		return 0;
	if (proto == IPPROTO_NUM_TCP) {
		if (cursor_skip(c, 8) < 0 || cursor_u8(c, &doff) < 0 ||
		    cursor_u8(c, flags) < 0 || cursor_skip(c, 6) < 0)
			return 0;
		hlen = (size_t)(doff >> 4) * 4;
		if (hlen < 20 || cursor_left(c) < hlen - 20)
			return 0;
		return hlen == 20 || decode_options(c->p, hlen - 20) == 0;
	}
	/* UDP: the length covers the header and fits in the IP payload. */
	if (cursor_be16(c, &ulen) < 0 || cursor_skip(c, 2) < 0)
		return 0;
	*flags = 0;
	return ulen >= 8 && ulen <= wire;
}

int
decode_fast(const uint8_t *buf, uint32_t caplen, int linktype, int use_vlan,
    struct fast_pkt *fp)
{
	struct cursor c;
	uint16_t type, tci, vlan[FAST_MAX_VLAN] = { 0, 0 }, totlen, off, sp, dp;
	uint8_t b0, proto, family, flags, src[16], dst[16];
	size_t wire;
	int depth;

	fp->ok = 0;
	if (buf == NULL)
		return 0;
	cursor_init(&c, buf, caplen);
	switch (linktype) {
	case DLT_EN10MB:
		if (cursor_skip(&c, 12) < 0 || cursor_be16(&c, &type) < 0)
			return 0;
		for (depth = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; depth++) {
			if (depth == FAST_MAX_VLAN ||
			    cursor_be16(&c, &tci) < 0 || cursor_be16(&c, &type) < 0)
				return 0;
			if (use_vlan)
				vlan[depth] = tci & 0x0fff;
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
		if (cursor_left(&c) < 1)
			return 0;
		family = (uint8_t)(c.p[0] >> 4);	/* checked again below */
		break;
	default:
		return 0;
	}

	if (family == 4) {
		uint8_t s4[4], d4[4];

		if (cursor_u8(&c, &b0) < 0 || b0 != 0x45 ||	/* version 4, no options */
		    cursor_skip(&c, 1) < 0 || cursor_be16(&c, &totlen) < 0 ||
		    cursor_skip(&c, 2) < 0 || cursor_be16(&c, &off) < 0 ||
		    cursor_skip(&c, 1) < 0 || cursor_u8(&c, &proto) < 0 ||
		    cursor_skip(&c, 2) < 0 ||
		    cursor_bytes(&c, s4, 4) < 0 || cursor_bytes(&c, d4, 4) < 0)
			return 0;
		if ((off & IPV4_FRAGMASK) != 0 || totlen < 20)
			return 0;
		wire = (size_t)totlen - 20;
		decode_v4mapped(src, s4);
		decode_v4mapped(dst, d4);
	} else if (family == 6) {
		uint16_t plen;

		if (cursor_u8(&c, &b0) < 0 || (b0 >> 4) != 6 ||
		    cursor_skip(&c, 3) < 0 || cursor_be16(&c, &plen) < 0 ||
		    cursor_u8(&c, &proto) < 0 || cursor_skip(&c, 1) < 0 ||
		    cursor_bytes(&c, src, 16) < 0 || cursor_bytes(&c, dst, 16) < 0)
			return 0;
		wire = plen;
	} else
		return 0;
	if (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP)
		return 0;
	/* The whole IP payload captured: no snaplen truncation to note. */
	if (cursor_left(&c) < wire)
		return 0;
	cursor_limit(&c, wire);
	if (!fast_transport(&c, wire, proto, &sp, &dp, &flags))
		return 0;
	fp->tcp_flags = flags;
	fast_key(fp, src, dst, sp, dp, proto, family, vlan);
	fp->ok = 1;
	return 1;
}
