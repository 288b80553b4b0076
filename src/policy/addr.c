/*
 * addr.c - IPv4/IPv6 addresses and prefixes as the inventory writes them.
 *
 * Text forms are those of inet_pton(3) (RFC 4291 section 2.2 for IPv6,
 * dotted quad without leading zeros for IPv4), optionally followed by
 * "/plen".  Every address is stored in 16 bytes, IPv4 as the v4-mapped
 * ::ffff:a.b.c.d (RFC 4291 section 2.5.5.2), so one lookup table serves
 * both families; the prefix length stays in the family's own terms.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "conformd/inventory.h"
#include "conformd/lex.h"

/* Longest text we try: an IPv6 address with an embedded IPv4 and "/128". */
#define ADDR_MAX_TEXT	(INET6_ADDRSTRLEN + 4)

static const uint8_t addr_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Clear every bit past the first `bits` of the 16-byte address. */
static void
addr_mask(uint8_t a[16], int bits)
{
	for (int i = 0; i < 16; i++) {
		int keep = bits - i * 8;

		if (keep >= 8)
			continue;
		if (keep <= 0)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

/*
 * Parse "ADDR" or "ADDR/PLEN".  An IPv4 address written in IPv6 v4-mapped
 * syntax (::ffff:198.18.0.1) is taken as IPv4; a prefix on it must then be
 * 96 or longer and is converted to IPv4 terms.
 */
int
addr_parse(const char *s, uint8_t addr[16], int *family, int *plen,
    char *err, size_t errlen)
{
	char text[ADDR_MAX_TEXT + 1];
	const char *slash;
	size_t alen;
	uint8_t a[16];
	int fam, full, bits;
	unsigned long n;

	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "empty address");
		return -1;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0) {
		snprintf(err, errlen, "%s: missing address before '/'", s);
		return -1;
	}
	if (alen > ADDR_MAX_TEXT) {
		/* too long for any address: show only its start */
		snprintf(err, errlen, "%.40s... is not an IPv4 or IPv6 address", s);
		return -1;
	}
	memcpy(text, s, alen);
	text[alen] = '\0';

	memset(a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a + 12) == 1) {
		memcpy(a, addr_v4mapped, sizeof(addr_v4mapped));
		fam = 4;
		full = 32;
	} else if (inet_pton(AF_INET6, text, a) == 1) {
		if (memcmp(a, addr_v4mapped, sizeof(addr_v4mapped)) == 0) {
			fam = 4;
			full = 32;
		} else {
			fam = 6;
			full = 128;
		}
	} else {
		snprintf(err, errlen, "%s is not an IPv4 or IPv6 address", text);
		return -1;
	}

	bits = full;
	if (slash != NULL) {
		const char *p = slash + 1;
		int written6 = strchr(text, ':') != NULL;	/* v4-mapped syntax */
		unsigned long max = written6 ? 128 : (unsigned long)full;

		if (lex_number(p, 0, ULONG_MAX, &n) == -1) {
			snprintf(err, errlen, "%s: bad prefix length \"%s\"", s, p);
			return -1;
		}
		if (n > max) {
			snprintf(err, errlen,
			    "%s: prefix length %lu out of range (0-%lu)", s, n, max);
			return -1;
		}
		if (fam == 4 && written6) {
			if (n < 96) {
				snprintf(err, errlen,
				    "%s: prefix length %lu shorter than the v4-mapped prefix (96)",
				    s, n);
				return -1;
			}
			n -= 96;
		}
		bits = (int)n;
	}

	{
		uint8_t m[16];
		int skip = fam == 4 ? 96 : 0;

		memcpy(m, a, sizeof(m));
		addr_mask(m, skip + bits);
		if (memcmp(m, a, sizeof(m)) != 0) {
			char net[INET6_ADDRSTRLEN];

			addr_format(m, fam, net, sizeof(net));
			snprintf(err, errlen,
			    "%s has host bits set (the network is %s/%d)", s, net, bits);
			return -1;
		}
	}
	memcpy(addr, a, 16);
	*family = fam;
	*plen = bits;
	return 0;
}

/*
 * Dotted quad of a[0..3] into buf (at least 16 bytes): what inet_ntop()
 * writes, without its sprintf (every flow record formats two addresses).
 */
static void
format_v4(const uint8_t a[4], char *buf)
{
	char *p = buf;

	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			v %= 100;
			*p++ = (char)('0' + v / 10);
		} else if (v >= 10)
			*p++ = (char)('0' + v / 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

/* Text of an address; v4-mapped addresses print as dotted quads. */
void
addr_format(const uint8_t addr[16], int family, char *buf, size_t len)
{
	const char *r;

	if (len == 0)
		return;
	if (family == 4 || memcmp(addr, addr_v4mapped, sizeof(addr_v4mapped)) == 0) {
		if (len >= 16) {
			format_v4(addr + 12, buf);
			return;
		}
		r = inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	} else
		r = inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
	if (r == NULL)
		buf[0] = '\0';
}
