/*
 * decode-vxlan.c - VXLAN (RFC 7348 5): the 8-byte header after UDP
 * destination port 4789, then the inner Ethernet frame.  Only the I flag
 * (a valid VNI) makes a datagram VXLAN; without it, or when the datagram
 * is too short on the wire to hold the header, it stays a plain UDP flow,
 * judged like any other.  A header sent but not captured is vxlan_trunc.
 *
 *   0                   1                   2                   3
 *  |R|R|R|R|I|R|R|R|            Reserved                           |
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define VXLAN_HLEN	8
#define VXLAN_FLAG_I	0x08	/* the VNI is valid */

/*
 * buf[0..len) is the captured UDP payload, p->payload_len its wire length
 * (decode-int.h).  Returns what the inner Ethernet decoder returns, or
 * DECODE_OK with the datagram kept as plain UDP payload.
 */
int
decode_vxlan(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t flags;
	size_t wire = decode_wirelen(p, len);

	cursor_init(&c, buf, len);
	if (wire < VXLAN_HLEN) {
		/* Too short on the wire to be VXLAN at all. */
		decode_payload(p, &c, wire);
		return DECODE_OK;
	}
	/* The header was sent but not captured: we cannot tell. */
	if (cursor_peek_u8(&c, 0, &flags) < 0)
		return decode_fail(p, DEV_VXLAN_TRUNC, DECODE_TRUNCATED);
	if ((flags & VXLAN_FLAG_I) == 0) {
		decode_payload(p, &c, wire);
		return DECODE_OK;
	}
	if (cursor_skip(&c, VXLAN_HLEN) < 0)
		return decode_fail(p, DEV_VXLAN_TRUNC, DECODE_TRUNCATED);
	if (decode_tunnel_enter(p, PKT_TUN_VXLAN) < 0)
		return decode_fail(p, DEV_TUNNEL_TOO_DEEP, DECODE_INVALID);
	return decode_ethernet(p, c.p, cursor_left(&c));
}
