/*
 * decode-ethernet.c - Ethernet II (IEEE 802.3 clause 3.2.6 type field) and
 * the VLAN tags stacked in front of the EtherType: 802.1Q (0x8100),
 * 802.1ad S-tag (0x88a8) and the pre-standard Q-in-Q TPID 0x9100.
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define ETH_HLEN		14	/* destination, source, EtherType */
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88a8
#define ETHERTYPE_QINQ_OLD	0x9100
#define VLAN_VID_MASK		0x0fff

int
decode_ethernet(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t type;

	cursor_init(&c, buf, len);
	if (cursor_skip(&c, ETH_HLEN - 2) < 0 || cursor_be16(&c, &type) < 0)
		return decode_fail(p, DEV_ETH_TRUNC, DECODE_TRUNCATED);
	/* A type below 0x0600 is an 802.3 length (LLC follows): not IP. */
	return decode_ethertype(p, type, c.p, cursor_left(&c));
}

static int
is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	    type == ETHERTYPE_QINQ_OLD;
}

int
decode_ethertype(struct pkt *p, uint16_t type, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint16_t tci;

	cursor_init(&c, buf, len);
	/* Each tag: TCI (PCP, DEI, 12-bit VID) then the next EtherType.
	 * Bounded by DECODE_MAX_VLAN, not by the data. */
	while (is_vlan_tpid(type)) {
		if (p->vlan_depth >= DECODE_MAX_VLAN)
			return decode_fail(p, DEV_VLAN_TOO_DEEP, DECODE_INVALID);
		if (cursor_be16(&c, &tci) < 0 || cursor_be16(&c, &type) < 0)
			return decode_fail(p, DEV_VLAN_TRUNC, DECODE_TRUNCATED);
		if (p->vlan_depth < PKT_MAX_VLAN)
			p->vlan[p->vlan_depth] = tci & VLAN_VID_MASK;
		p->vlan_depth++;
	}

	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(p, c.p, cursor_left(&c));
	case ETHERTYPE_IPV6:
		return decode_ipv6(p, c.p, cursor_left(&c));
	default:
		return decode_fail(p, DEV_NON_IP, DECODE_UNSUPPORTED);
	}
}
