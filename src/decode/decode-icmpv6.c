/*
 * decode-icmpv6.c - ICMPv6 (RFC 4443): type, code, echo identifier, and
 * for the four error messages the quoted IPv6 packet (decode-icmp.c).
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define ICMP6_HLEN		8	/* type, code, checksum, 4 bytes by type */
#define ICMP6_ERROR_MAX		4	/* 1 unreachable, 2 too big, 3 time exceeded, 4 parameter problem */
#define ICMP6_ECHO_REQUEST	128
#define ICMP6_ECHO_REPLY	129

int
decode_icmpv6(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t type, code;
	uint16_t id;
	size_t wire = decode_wirelen(p, len);

	cursor_init(&c, buf, len);
	if (cursor_u8(&c, &type) < 0 || cursor_u8(&c, &code) < 0)
		return decode_fail(p, DEV_ICMP_TRUNC, DECODE_TRUNCATED);
	p->icmp_type = type;
	p->icmp_code = code;
	if (cursor_skip(&c, 2) < 0 ||		/* checksum */
	    cursor_be16(&c, &id) < 0 ||
	    cursor_skip(&c, 2) < 0)		/* sequence, or the rest */
		return decode_fail(p, DEV_ICMP_TRUNC, DECODE_TRUNCATED);
	if (type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY)
		p->icmp_id = id;
	if (type >= 1 && type <= ICMP6_ERROR_MAX)
		(void)decode_icmp_quote(p, c.p, cursor_left(&c));
	decode_payload(p, &c, wire - ICMP6_HLEN);
	return DECODE_OK;
}
