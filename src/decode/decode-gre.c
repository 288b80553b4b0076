/*
 * decode-gre.c - GRE (RFC 2784) with the key and sequence number of RFC
 * 2890, version 0 only: IPv4 and IPv6 in GRE, transparent Ethernet
 * bridging (gretap, 0x6558) and ERSPAN (0x88be types I and II, 0x22eb type
 * III: decode-erspan.c).  Version 1 is PPTP's enhanced GRE (RFC 2637) and
 * any other protocol type is not a tunnel we open: such packets stay a
 * flow of IP protocol 47, as without this decoder.
 *
 *   0                   1                   2                   3
 *  |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 *  |      Checksum (optional)      |       Reserved1 (Optional)    |
 *  |                         Key (optional)                        |
 *  |                 Sequence Number (optional)                    |
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define GRE_HLEN		4	/* flags and version, protocol type */
#define GRE_F_CSUM		0x8000	/* C: checksum and reserved1 follow */
#define GRE_F_KEY		0x2000	/* K (RFC 2890 2.1) */
#define GRE_F_SEQ		0x1000	/* S (RFC 2890 2.2) */
/*
 * RFC 2784 2.3: a receiver MUST discard a packet with any of bits 1-5
 * set, unless it implements RFC 1701; RFC 2890 gave bits 2 and 3 to K and
 * S.  What is left: R (routing present), s (strict source route) and the
 * first recursion control bit.  Bits 6-12 are ignored on receipt.
 */
#define GRE_F_RFC1701		0x4c00
#define GRE_VERSION		0x0007

#define GRE_PROTO_IPV4		0x0800
#define GRE_PROTO_IPV6		0x86dd
#define GRE_PROTO_TEB		0x6558	/* transparent Ethernet bridging */
#define GRE_PROTO_ERSPAN	0x88be	/* ERSPAN type I or II */
#define GRE_PROTO_ERSPAN3	0x22eb	/* ERSPAN type III */

static int
gre_proto_known(uint16_t proto)
{
	switch (proto) {
	case GRE_PROTO_IPV4:
	case GRE_PROTO_IPV6:
	case GRE_PROTO_TEB:
	case GRE_PROTO_ERSPAN:
	case GRE_PROTO_ERSPAN3:
		return 1;
	default:
		return 0;
	}
}

/* A GRE packet we do not open: its captured bytes are the IP payload, as
 * decode_ip_payload() keeps them for protocols without a decoder. */
static int
gre_keep(struct pkt *p, const uint8_t *buf, size_t len)
{
	p->payload = buf;
	p->payload_len = (uint32_t)len;
	return DECODE_OK;
}

/*
 * buf[0..len) is the captured IP payload of protocol 47, p->payload_len
 * its wire length (decode-int.h).  Returns what the inner decoder returns,
 * DECODE_OK for a GRE packet kept as a flow, or TRUNCATED / INVALID with
 * the GRE event.
 */
int
decode_gre(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t flags, proto;
	size_t wire = decode_wirelen(p, len), opt;

	/* The rest of a fragmented tunnel packet is elsewhere: an outer
	 * fragment stays a GRE flow (a first fragment lands here). */
	if (p->frag != PKT_FRAG_NONE)
		return gre_keep(p, buf, len);

	cursor_init(&c, buf, len);
	cursor_limit(&c, wire);
	/* Too short on the wire or in the capture: malformed either way. */
	if (cursor_be16(&c, &flags) < 0 || cursor_be16(&c, &proto) < 0)
		return decode_fail(p, DEV_GRE_TRUNC, DECODE_TRUNCATED);
	if ((flags & GRE_VERSION) != 0 || !gre_proto_known(proto))
		return gre_keep(p, buf, len);
	if ((flags & GRE_F_RFC1701) != 0)
		return decode_fail(p, DEV_GRE_BAD_FLAGS, DECODE_INVALID);

	/* Each optional field is one 4-byte word, in the order C, K, S. */
	opt = ((flags & GRE_F_CSUM) ? 4 : 0) + ((flags & GRE_F_KEY) ? 4 : 0) +
	    ((flags & GRE_F_SEQ) ? 4 : 0);
	if (cursor_skip(&c, opt) < 0)
		return decode_fail(p, DEV_GRE_TRUNC, DECODE_TRUNCATED);

	switch (proto) {
	case GRE_PROTO_ERSPAN:
		/* Type II always carries a sequence number, type I never
		 * does and has no ERSPAN header (draft-foschiano-erspan-03). */
		if (flags & GRE_F_SEQ)
			return decode_erspan2(p, c.p, cursor_left(&c));
		if (decode_tunnel_enter(p, PKT_TUN_ERSPAN1) < 0)
			return decode_fail(p, DEV_TUNNEL_TOO_DEEP, DECODE_INVALID);
		return decode_ethernet(p, c.p, cursor_left(&c));
	case GRE_PROTO_ERSPAN3:
		return decode_erspan3(p, c.p, cursor_left(&c));
	case GRE_PROTO_TEB:
		if (decode_tunnel_enter(p, PKT_TUN_GRETAP) < 0)
			return decode_fail(p, DEV_TUNNEL_TOO_DEEP, DECODE_INVALID);
		return decode_ethernet(p, c.p, cursor_left(&c));
	default:
		break;
	}
	if (decode_tunnel_enter(p, PKT_TUN_GRE) < 0)
		return decode_fail(p, DEV_TUNNEL_TOO_DEEP, DECODE_INVALID);
	if (proto == GRE_PROTO_IPV4)
		return decode_ipv4(p, c.p, cursor_left(&c));
	return decode_ipv6(p, c.p, cursor_left(&c));
}
