/*
 * decode-sll.c - Linux "cooked" capture headers: LINKTYPE_LINUX_SLL (16
 * bytes, protocol last) and LINKTYPE_LINUX_SLL2 (20 bytes, protocol first),
 * as described on tcpdump.org's linktypes pages.  The protocol field is an
 * EtherType for the frames we decode (VLAN tags may still follow).
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

/* SLL: packet type, ARPHRD type, address length, 8 address bytes, then the protocol. */
#define SLL_PROTO_OFF	14
/* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes. */
#define SLL2_HLEN	20

int
decode_sll(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t proto;

	cursor_init(&c, buf, len);
	if (cursor_skip(&c, SLL_PROTO_OFF) < 0 || cursor_be16(&c, &proto) < 0)
		return decode_fail(p, DEV_SLL_TRUNC, DECODE_TRUNCATED);
	return decode_ethertype(p, proto, c.p, cursor_left(&c));
}

int
decode_sll2(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t proto;

	cursor_init(&c, buf, len);
	if (cursor_be16(&c, &proto) < 0 || cursor_skip(&c, SLL2_HLEN - 2) < 0)
		return decode_fail(p, DEV_SLL_TRUNC, DECODE_TRUNCATED);
	return decode_ethertype(p, proto, c.p, cursor_left(&c));
}
