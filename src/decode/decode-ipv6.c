/*
 * decode-ipv6.c - IPv6 (RFC 8200) and its extension-header chain:
 * hop-by-hop options, routing, destination options, fragment (RFC 8200
 * 4.3-4.5) and the Authentication Header (RFC 4302), whose length is
 * counted in 4-byte units.  The window is narrowed to the payload length.
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define IPV6_HLEN	40
#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_DSTOPTS	60
#define IPV6_FRAG_HLEN	8
#define IPV6_FRAG_M	0x0001	/* more fragments */
#define IPV6_OFFMASK	0xfff8	/* fragment offset, already in bytes */

static int
is_ext_header(uint8_t nh)
{
	switch (nh) {
	case NH_HOPOPTS:
	case NH_ROUTING:
	case NH_DSTOPTS:
	case NH_FRAGMENT:
	case NH_AH:
		return 1;
	default:
		return 0;
	}
}

int
decode_ipv6_ext(struct cursor *c, uint8_t *nh, uint8_t *frag, uint32_t *id)
{
	struct cursor h;
	uint8_t next, hl;
	uint16_t offlg;
	uint32_t ident;
	size_t size, n;

	/* Bounded by DECODE_MAX_IPV6_EXT headers, not by the data. */
	for (n = 0; is_ext_header(*nh); n++) {
		if (n >= DECODE_MAX_IPV6_EXT)
			return DEV_IPV6_EXT_TOO_DEEP;

		h = *c;
		if (cursor_u8(&h, &next) < 0 || cursor_u8(&h, &hl) < 0)
			return DEV_IPV6_EXT_TRUNC;
		if (*nh == NH_FRAGMENT) {
			/* Fixed 8 bytes; the length byte is reserved. */
			if (cursor_be16(&h, &offlg) < 0 || cursor_be32(&h, &ident) < 0)
				return DEV_IPV6_EXT_TRUNC;
			*id = ident;
			if ((offlg & IPV6_OFFMASK) != 0) {
				/* What follows is not a header: stop here. */
				*frag = PKT_FRAG_LATER;
				*nh = next;
				*c = h;
				return DEV_NONE;
			}
			/* Offset 0 without M is an atomic fragment (RFC 6946):
			 * a whole packet. */
			if ((offlg & IPV6_FRAG_M) != 0)
				*frag = PKT_FRAG_FIRST;
			size = IPV6_FRAG_HLEN;
		} else if (*nh == NH_AH)
			size = ((size_t)hl + 2) * 4;
		else
			size = ((size_t)hl + 1) * 8;
		if (cursor_skip(c, size) < 0)
			return DEV_IPV6_EXT_TRUNC;
		*nh = next;
	}
	return DEV_NONE;	/* *nh is the upper-layer protocol */
}

int
decode_ipv6(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	const uint8_t *start;
	uint8_t b0, nh, frag = PKT_FRAG_NONE, src[16], dst[16];
	uint16_t plen;
	uint32_t id = 0;
	size_t wire;
	int ev;

	cursor_init(&c, buf, len);
	if (cursor_u8(&c, &b0) < 0)
		return decode_fail(p, DEV_IPV6_TRUNC, DECODE_TRUNCATED);
	if ((b0 >> 4) != 6)
		return decode_fail(p, DEV_IPV6_BAD_VERSION, DECODE_INVALID);
	if (cursor_skip(&c, 3) < 0 ||			/* traffic class, flow label */
	    cursor_be16(&c, &plen) < 0 ||
	    cursor_u8(&c, &nh) < 0 ||
	    cursor_skip(&c, 1) < 0 ||			/* hop limit */
	    cursor_bytes(&c, src, 16) < 0 ||
	    cursor_bytes(&c, dst, 16) < 0)
		return decode_fail(p, DEV_IPV6_TRUNC, DECODE_TRUNCATED);
	p->family = 6;
	memcpy(p->src, src, 16);
	memcpy(p->dst, dst, 16);
	p->ip_proto = nh;

	/*
	 * Payload length 0 with a hop-by-hop header is a jumbogram (RFC
	 * 2675): its length is in an option we do not read, so the captured
	 * length stands in.  Without hop-by-hop, 0 means an empty payload
	 * and the next header, if any, is reported cut by its own decoder.
	 */
	if (plen == 0 && nh == NH_HOPOPTS)
		wire = cursor_left(&c);
	else {
		wire = plen;
		cursor_limit(&c, wire);
	}

	start = c.p;
	ev = decode_ipv6_ext(&c, &nh, &frag, &id);
	p->ip_proto = nh;
	p->frag = frag;
	p->ip_id = id;
	if (ev == DEV_IPV6_EXT_TRUNC)
		return decode_fail(p, (unsigned int)ev, DECODE_TRUNCATED);
	if (ev != DEV_NONE)
		return decode_fail(p, (unsigned int)ev, DECODE_INVALID);
	/* The walk stayed inside the window, which is at most `wire`. */
	wire -= (size_t)(c.p - start);

	if (frag == PKT_FRAG_LATER) {
		p->payload = c.p;
		p->payload_len = (uint32_t)cursor_left(&c);
		return decode_fail(p, DEV_FRAG_LATER, DECODE_OK);
	}
	return decode_ip_payload(p, c.p, cursor_left(&c), wire);
}
