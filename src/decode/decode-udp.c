/*
 * decode-udp.c - UDP (RFC 768): ports and the length field, which must fit
 * the IP payload; only the bytes it covers are payload.  A datagram to a
 * VXLAN or Geneve port goes on to decode-vxlan.c or decode-geneve.c unless
 * its IP packet is a fragment (the rest of the tunnelled frame is not in
 * it).
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define UDP_HLEN	8

int
decode_udp(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t sport, dport, ulen;
	size_t wire = decode_wirelen(p, len);

	cursor_init(&c, buf, len);
	if (cursor_be16(&c, &sport) < 0 ||
	    cursor_be16(&c, &dport) < 0 ||
	    cursor_be16(&c, &ulen) < 0 ||
	    cursor_skip(&c, 2) < 0)			/* checksum */
		return decode_fail(p, DEV_UDP_TRUNC, DECODE_TRUNCATED);
	p->has_ports = 1;
	p->sport = sport;
	p->dport = dport;

	if (ulen < UDP_HLEN)
		return decode_fail(p, DEV_UDP_BAD_LEN, DECODE_INVALID);
	/* A first fragment holds only part of the datagram ulen counts. */
	if (p->frag == PKT_FRAG_FIRST) {
		decode_payload(p, &c, wire - UDP_HLEN);
		return DECODE_OK;
	}
	if (ulen > wire)
		return decode_fail(p, DEV_UDP_BAD_LEN, DECODE_INVALID);
	if (decode_udp_tunnel_port(dport) && p->frag == PKT_FRAG_NONE) {
		/* The hand-over of decode-int.h: the wire length of the UDP
		 * payload, which also bounds what the tunnel may read. */
		cursor_limit(&c, (size_t)ulen - UDP_HLEN);
		p->payload_len = (uint32_t)ulen - UDP_HLEN;
		if (decode_vxlan_port(dport))
			return decode_vxlan(p, c.p, cursor_left(&c));
		return decode_geneve(p, c.p, cursor_left(&c));
	}
	decode_payload(p, &c, (size_t)ulen - UDP_HLEN);
	return DECODE_OK;
}
