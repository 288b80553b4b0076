/*
 * decode-ipv4.c - IPv4 (RFC 791): header and options, total length,
 * fragments.  The window is narrowed to the total length so link padding
 * (Ethernet pads frames to 60 bytes) is never taken for payload.
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define IPV4_MIN_HLEN	20
#define IPV4_MF		0x2000	/* more fragments */
#define IPV4_OFFMASK	0x1fff	/* fragment offset, in 8-byte units */

int
decode_ipv4(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t vhl, proto, src[4], dst[4];
	uint16_t totlen, id, off;
	size_t hlen;

	cursor_init(&c, buf, len);
	if (cursor_u8(&c, &vhl) < 0)
		return decode_fail(p, DEV_IPV4_TRUNC, DECODE_TRUNCATED);
	if ((vhl >> 4) != 4)
		return decode_fail(p, DEV_IPV4_BAD_VERSION, DECODE_INVALID);
	hlen = (size_t)(vhl & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN)
		return decode_fail(p, DEV_IPV4_BAD_HLEN, DECODE_INVALID);
	if (cursor_skip(&c, 1) < 0 ||			/* type of service */
	    cursor_be16(&c, &totlen) < 0 ||
	    cursor_be16(&c, &id) < 0 ||
	    cursor_be16(&c, &off) < 0 ||
	    cursor_skip(&c, 1) < 0 ||			/* time to live */
	    cursor_u8(&c, &proto) < 0 ||
	    cursor_skip(&c, 2) < 0 ||			/* header checksum */
	    cursor_bytes(&c, src, 4) < 0 ||
	    cursor_bytes(&c, dst, 4) < 0)
		return decode_fail(p, DEV_IPV4_TRUNC, DECODE_TRUNCATED);

	p->family = 4;
	decode_v4mapped(p->src, src);
	decode_v4mapped(p->dst, dst);
	p->ip_proto = proto;
	p->ip_id = id;
	if ((off & IPV4_OFFMASK) != 0)
		p->frag = PKT_FRAG_LATER;
	else if ((off & IPV4_MF) != 0)
		p->frag = PKT_FRAG_FIRST;

	/* A total length of 0 (some TSO captures) lands here too. */
	if (totlen < hlen)
		return decode_fail(p, DEV_IPV4_BAD_TOTLEN, DECODE_INVALID);
	/* totlen >= hlen >= 20 bytes already read: no underflow. */
	cursor_limit(&c, (size_t)totlen - IPV4_MIN_HLEN);
	if (cursor_left(&c) < hlen - IPV4_MIN_HLEN)
		return decode_fail(p, DEV_IPV4_TRUNC, DECODE_TRUNCATED);
	if (decode_options(c.p, hlen - IPV4_MIN_HLEN) < 0)
		return decode_fail(p, DEV_IPV4_OPT_BAD, DECODE_INVALID);
	(void)cursor_skip(&c, hlen - IPV4_MIN_HLEN);	/* checked just above */

	if (p->frag == PKT_FRAG_LATER) {
		/* No transport header here: the flow table ties it to its
		 * first fragment by ip_id. */
		p->payload = c.p;
		p->payload_len = (uint32_t)cursor_left(&c);
		return decode_fail(p, DEV_FRAG_LATER, DECODE_OK);
	}
	return decode_ip_payload(p, c.p, cursor_left(&c), (size_t)totlen - hlen);
}
