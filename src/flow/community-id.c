/*
 * community-id.c - Community ID v1 (community-id.h): SHA-1 over the seed
 * (2 bytes, network order), the two addresses (4 or 16 bytes each), the
 * protocol, one zero byte and, for protocols with ports, the two ports
 * (network order), the endpoints in a fixed order: the lower address
 * first, or with equal addresses the lower port; then "1:" and the digest
 * in base64 (RFC 4648, padded).  ICMP's "ports" are its type and code, or
 * for a request/reply type, the type and its counterpart.
 */
#include <string.h>

#include "conformd/community-id.h"
#include "sha1.h"

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58
#define PROTO_SCTP	132

/*
 * ICMP and ICMPv6 messages that come in request/reply pairs, each with its
 * counterpart: they hash as ports, type and counterpart type, so that a
 * request and its reply get one ID.  Any other message hashes its type and
 * code one-way (the spec's "port equivalents").
 */
static const uint8_t icmp4_pairs[][2] = {
	{ 8, 0 }, { 0, 8 },		/* echo */
	{ 13, 14 }, { 14, 13 },		/* timestamp */
	{ 15, 16 }, { 16, 15 },		/* information */
	{ 10, 9 }, { 9, 10 },		/* router solicitation, advertisement */
	{ 17, 18 }, { 18, 17 }		/* address mask */
};
static const uint8_t icmp6_pairs[][2] = {
	{ 128, 129 }, { 129, 128 },	/* echo */
	{ 130, 131 }, { 131, 130 },	/* multicast listener query, report */
	{ 133, 134 }, { 134, 133 },	/* router solicitation, advertisement */
	{ 135, 136 }, { 136, 135 },	/* neighbour solicitation, advertisement */
	{ 139, 140 }, { 140, 139 },	/* node information query, reply */
	{ 144, 145 }, { 145, 144 }	/* home agent address discovery */
};

/* For ICMP type t: 1 and its counterpart in *peer when it is one of a pair. */
static int
icmp_pair(uint8_t proto, uint8_t t, uint16_t *peer)
{
	const uint8_t (*v)[2] = proto == PROTO_ICMP ? icmp4_pairs : icmp6_pairs;
	size_t n = proto == PROTO_ICMP ? sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0]) :
	    sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]);

	for (size_t i = 0; i < n; i++)
		if (v[i][0] == t) {
			*peer = v[i][1];
			return 1;
		}
	return 0;
}

/* RFC 4648 base64 of in[0..n) into out, padded, NUL-terminated. */
static void
base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];

		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);

		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}

int
community_id(uint16_t seed, int family, const uint8_t saddr[16], const uint8_t daddr[16],
    uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN])
{
	uint8_t msg[2 + 16 + 16 + 2 + 4], digest[SHA1_LEN];
	size_t alen = family == 4 ? 4 : 16, off = family == 4 ? 12 : 0, n = 0;
	const uint8_t *a = saddr + off, *b = daddr + off;
	int icmp = proto == PROTO_ICMP || proto == PROTO_ICMPV6;
	int ports = icmp || proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP;
	int one_way = 0;
	int c = memcmp(a, b, alen);

	if (icmp)	/* sport, dport: type and code */
		one_way = !icmp_pair(proto, (uint8_t)sport, &dport);
	if (!ports)
		sport = dport = 0;
	/* the lower endpoint first: then either direction gives one hash
	 * (a one-way ICMP message keeps its own) */
	if (!one_way && (c > 0 || (c == 0 && sport > dport))) {
		const uint8_t *t = a;
		uint16_t tp = sport;

		a = b;
		b = t;
		sport = dport;
		dport = tp;
	}
	msg[n++] = (uint8_t)(seed >> 8);
	msg[n++] = (uint8_t)seed;
	memcpy(msg + n, a, alen);
	n += alen;
	memcpy(msg + n, b, alen);
	n += alen;
	msg[n++] = proto;
	msg[n++] = 0;
	if (ports) {
		msg[n++] = (uint8_t)(sport >> 8);
		msg[n++] = (uint8_t)sport;
		msg[n++] = (uint8_t)(dport >> 8);
		msg[n++] = (uint8_t)dport;
	}
	sha1(msg, n, digest);
	out[0] = '1';
	out[1] = ':';
	base64(digest, SHA1_LEN, out + 2);
	return 0;
}
