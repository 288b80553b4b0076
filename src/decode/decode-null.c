/*
 * decode-null.c - BSD loopback: LINKTYPE_NULL (a 4-byte address family in
 * the capturing host's byte order) and LINKTYPE_LOOP (the same in network
 * order).  Files move between hosts, so the family word is taken in
 * whichever byte order gives a small number, as tcpdump does.
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

/* AF_INET is 2 everywhere; AF_INET6 differs by system. */
#define BSD_AF_INET		2
#define LINUX_AF_INET6		10
#define NETBSD_AF_INET6		24	/* NetBSD, OpenBSD, BSD/OS */
#define FREEBSD_AF_INET6	28	/* FreeBSD, DragonFly BSD */
#define DARWIN_AF_INET6		30	/* macOS, iOS */

static uint32_t
swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

int
decode_null(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint32_t family;

	cursor_init(&c, buf, len);
	if (cursor_be32(&c, &family) < 0)
		return decode_fail(p, DEV_NULL_TRUNC, DECODE_TRUNCATED);
	/* Every family fits in 16 bits: a value only in the high half was
	 * written little-endian. */
	if ((family & 0xffff0000) != 0 && (family & 0x0000ffff) == 0)
		family = swap32(family);

	switch (family) {
	case BSD_AF_INET:
		return decode_ipv4(p, c.p, cursor_left(&c));
	case LINUX_AF_INET6:
	case NETBSD_AF_INET6:
	case FREEBSD_AF_INET6:
	case DARWIN_AF_INET6:
		return decode_ipv6(p, c.p, cursor_left(&c));
	default:
		return decode_fail(p, DEV_NON_IP, DECODE_UNSUPPORTED);
	}
}
