/*
 * decode-geneve.c - Geneve (RFC 8926 3): the 8-byte header after UDP
 * destination port 6081, its options, then the inner packet: an Ethernet
 * frame (protocol type 0x6558, what Linux and Open vSwitch send) or an
 * IPv4 or IPv6 packet (0x0800, 0x86dd: AWS Gateway Load Balancer).  Only
 * version 0 is Geneve.  A datagram that cannot be a Geneve packet we open
 * stays a plain UDP flow, judged like any other, as a VXLAN datagram
 * without its I flag does: shorter on the wire than the header and its
 * options, another version, a control message (O: for the tunnel
 * endpoints, RFC 8926 3.4), another protocol type.  A header or options
 * sent but not captured is geneve_trunc.  Options are skipped, not read:
 * a sensor does not act on them.
 *
 *   0                   1                   2                   3
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  ~                    Variable-Length Options                    ~
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define GENEVE_HLEN		8
#define GENEVE_VERSION(b0)	((b0) >> 6)
#define GENEVE_OPTLEN(b0)	((size_t)((b0) & 0x3f) * 4)	/* bytes */
#define GENEVE_F_OAM		0x80	/* O: a control message */
#define GENEVE_PROTO_TEB	0x6558	/* transparent Ethernet bridging */
#define GENEVE_PROTO_IPV4	0x0800
#define GENEVE_PROTO_IPV6	0x86dd

/*
 * buf[0..len) is the captured UDP payload, p->payload_len its wire length
 * (decode-int.h).  Returns what the inner decoder returns, DECODE_OK with
 * the datagram kept as plain UDP payload, or TRUNCATED with geneve_trunc.
 */
int
decode_geneve(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t b0, b1;
	uint16_t proto;
	size_t wire = decode_wirelen(p, len);

	cursor_init(&c, buf, len);
	if (wire < GENEVE_HLEN) {
		/* Too short on the wire to be Geneve at all. */
		decode_payload(p, &c, wire);
		return DECODE_OK;
	}
	/* The header was sent but not captured: we cannot tell. */
	if (cursor_peek_u8(&c, 0, &b0) < 0 || cursor_peek_u8(&c, 1, &b1) < 0 ||
	    cursor_peek_be16(&c, 2, &proto) < 0)
		return decode_fail(p, DEV_GENEVE_TRUNC, DECODE_TRUNCATED);
	if (GENEVE_VERSION(b0) != 0 || GENEVE_HLEN + GENEVE_OPTLEN(b0) > wire ||
	    (b1 & GENEVE_F_OAM) != 0 ||
	    (proto != GENEVE_PROTO_TEB && proto != GENEVE_PROTO_IPV4 &&
	    proto != GENEVE_PROTO_IPV6)) {
		decode_payload(p, &c, wire);
		return DECODE_OK;
	}
	if (cursor_skip(&c, GENEVE_HLEN + GENEVE_OPTLEN(b0)) < 0)
		return decode_fail(p, DEV_GENEVE_TRUNC, DECODE_TRUNCATED);
	if (decode_tunnel_enter(p, PKT_TUN_GENEVE) < 0)
		return decode_fail(p, DEV_TUNNEL_TOO_DEEP, DECODE_INVALID);
	switch (proto) {
	case GENEVE_PROTO_TEB:
		return decode_ethernet(p, c.p, cursor_left(&c));
	case GENEVE_PROTO_IPV4:
		return decode_ipv4(p, c.p, cursor_left(&c));
	default:
		return decode_ipv6(p, c.p, cursor_left(&c));
	}
}
