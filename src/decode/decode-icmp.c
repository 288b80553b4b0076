/*
 * decode-icmp.c - ICMP for IPv4 (RFC 792): type, code, echo identifier,
 * and the IP header (plus 8 transport bytes) quoted by error messages,
 * for IPv4 and, shared with decode-icmpv6.c, for IPv6 (RFC 4443 2.4).
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define ICMP_HLEN		8	/* type, code, checksum, 4 bytes by type */
#define ICMP_ECHOREPLY		0
#define ICMP_UNREACH		3
#define ICMP_SOURCEQUENCH	4
#define ICMP_REDIRECT		5
#define ICMP_ECHO		8
#define ICMP_TIMXCEED		11
#define ICMP_PARAMPROB		12
#define QUOTE_L4_LEN		8	/* transport bytes an error must quote */

/* The quoted transport header: ports when it is TCP or UDP.  Returns -1
 * when the 8 bytes are not all there. */
static int
quote_transport(struct pkt_inner *in, struct cursor *c)
{
	struct cursor h = *c;
	uint16_t sport, dport;

	if (cursor_left(c) < QUOTE_L4_LEN)
		return -1;
	if (in->proto != IPPROTO_NUM_TCP && in->proto != IPPROTO_NUM_UDP)
		return 0;
	if (cursor_be16(&h, &sport) < 0 || cursor_be16(&h, &dport) < 0)
		return -1;
	in->sport = sport;
	in->dport = dport;
	in->has_ports = 1;
	return 0;
}

/* Returns -1 when the quote is cut, 0 otherwise (also when it is not
 * usable: a bad IHL leaves inner.valid 0). */
static int
quote_ipv4(struct pkt_inner *in, struct cursor *c)
{
	uint8_t vhl, proto, src[4], dst[4];
	uint16_t off;
	size_t hlen;

	if (cursor_u8(c, &vhl) < 0)
		return -1;
	hlen = (size_t)(vhl & 0x0f) * 4;
	if (hlen < 20)
		return 0;
	if (cursor_skip(c, 5) < 0 ||		/* TOS, total length, id */
	    cursor_be16(c, &off) < 0 ||
	    cursor_skip(c, 1) < 0 ||		/* TTL */
	    cursor_u8(c, &proto) < 0 ||
	    cursor_skip(c, 2) < 0 ||		/* checksum */
	    cursor_bytes(c, src, 4) < 0 ||
	    cursor_bytes(c, dst, 4) < 0)
		return -1;
	in->valid = 1;
	in->family = 4;
	in->proto = proto;
	decode_v4mapped(in->src, src);
	decode_v4mapped(in->dst, dst);
	if (cursor_skip(c, hlen - 20) < 0)
		return -1;
	if ((off & 0x1fff) != 0)		/* a later fragment quotes no ports */
		return 0;
	return quote_transport(in, c);
}

static int
quote_ipv6(struct pkt_inner *in, struct cursor *c)
{
	uint8_t nh, frag = PKT_FRAG_NONE, src[16], dst[16];
	uint32_t id;
	int ev;

	if (cursor_skip(c, 6) < 0 ||		/* version .. payload length */
	    cursor_u8(c, &nh) < 0 ||
	    cursor_skip(c, 1) < 0 ||		/* hop limit */
	    cursor_bytes(c, src, 16) < 0 ||
	    cursor_bytes(c, dst, 16) < 0)
		return -1;
	in->valid = 1;
	in->family = 6;
	memcpy(in->src, src, 16);
	memcpy(in->dst, dst, 16);
	ev = decode_ipv6_ext(c, &nh, &frag, &id);
	in->proto = nh;
	if (ev == DEV_IPV6_EXT_TRUNC)
		return -1;
	if (ev != DEV_NONE || frag == PKT_FRAG_LATER)
		return 0;
	return quote_transport(in, c);
}

int
decode_icmp_quote(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c, peek;
	uint8_t b0;
	int rc;

	cursor_init(&c, buf, len);
	peek = c;
	if (cursor_u8(&peek, &b0) < 0)
		rc = -1;
	else if ((b0 >> 4) == 4)
		rc = quote_ipv4(&p->inner, &c);
	else if ((b0 >> 4) == 6)
		rc = quote_ipv6(&p->inner, &c);
	else
		rc = 0;				/* not an IP header: nothing to learn */
	if (rc < 0)
		decode_event(p, DEV_ICMP_INNER_TRUNC);
	return DECODE_OK;
}

static int
icmp_is_error(uint8_t type)
{
	return type == ICMP_UNREACH || type == ICMP_SOURCEQUENCH ||
	    type == ICMP_REDIRECT || type == ICMP_TIMXCEED ||
	    type == ICMP_PARAMPROB;
}

int
decode_icmp(struct pkt *p, const uint8_t *buf, size_t len)
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
	if (type == ICMP_ECHO || type == ICMP_ECHOREPLY)
		p->icmp_id = id;
	if (icmp_is_error(type))
		(void)decode_icmp_quote(p, c.p, cursor_left(&c));
	decode_payload(p, &c, wire - ICMP_HLEN);
	return DECODE_OK;
}
