/*
 * decode-tcp.c - TCP (RFC 9293 3.1): ports, flags, data offset and the
 * options it covers.
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define TCP_MIN_HLEN	20

int
decode_tcp(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t sport, dport;
	uint8_t doff, flags;
	size_t wire = decode_wirelen(p, len), hlen;

	cursor_init(&c, buf, len);
	if (cursor_be16(&c, &sport) < 0 ||
	    cursor_be16(&c, &dport) < 0 ||
	    cursor_skip(&c, 8) < 0 ||			/* sequence, acknowledgment */
	    cursor_u8(&c, &doff) < 0 ||
	    cursor_u8(&c, &flags) < 0 ||
	    cursor_skip(&c, 6) < 0)			/* window, checksum, urgent */
		return decode_fail(p, DEV_TCP_TRUNC, DECODE_TRUNCATED);
	p->has_ports = 1;
	p->sport = sport;
	p->dport = dport;
	p->tcp_flags = flags;

	hlen = (size_t)(doff >> 4) * 4;
	if (hlen < TCP_MIN_HLEN)
		return decode_fail(p, DEV_TCP_BAD_HLEN, DECODE_INVALID);
	if (cursor_left(&c) < hlen - TCP_MIN_HLEN)
		return decode_fail(p, DEV_TCP_TRUNC, DECODE_TRUNCATED);
	if (decode_options(c.p, hlen - TCP_MIN_HLEN) < 0)
		return decode_fail(p, DEV_TCP_OPT_BAD, DECODE_INVALID);
	(void)cursor_skip(&c, hlen - TCP_MIN_HLEN);	/* checked just above */

	/* hlen <= captured len <= wire: no underflow. */
	decode_payload(p, &c, wire - hlen);
	return DECODE_OK;
}
