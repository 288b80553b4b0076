/*
 * record.c - names of the values found in flow and finding records.
 *
 * The outputs (SQLite, EVE JSON) print the same names, so they live here
 * once.  Protocol names follow Suricata's eve-json-format ("TCP", "UDP",
 * "ICMP", "IPv6-ICMP"), which in turn follows the IANA protocol keywords.
 * The capture times and numbers they print several times a record live
 * here too, formatted without printf (the record path's hottest code).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conformd/decode.h"
#include "conformd/flow.h"
#include "conformd/inventory.h"
#include "conformd/record.h"

struct name {
	int		 value;
	const char	*name;
};

static const struct name flow_end_names[] = {
	{ FLOW_END_TIMEOUT,	"timeout" },
	{ FLOW_END_EVICTED,	"evicted" },
	{ FLOW_END_FLUSH,	"flush" },
	{ 0, NULL }
};

static const struct name finding_kind_names[] = {
	{ FINDING_UNEXPECTED,		"unexpected" },
	{ FINDING_BLOCKED,		"blocked" },
	{ FINDING_MISSING,		"missing" },
	{ FINDING_PROTOCOL_MISMATCH,	"protocol_mismatch" },
	{ FINDING_SCAN,			"scan" },
	{ 0, NULL }
};

/* IANA's protocol keywords, spelt as Suricata's EVE "proto" spells them
 * (its IP-in-IP for IANA's IPv4), for the protocols a span port carries
 * beside TCP and UDP; any other number is written as digits, as there. */
static const struct name proto_names[] = {
	{ 0,	"HOPOPT" },
	{ 1,	"ICMP" },
	{ 2,	"IGMP" },
	{ 4,	"IP-in-IP" },
	{ 6,	"TCP" },
	{ 17,	"UDP" },
	{ 33,	"DCCP" },
	{ 41,	"IPv6" },
	{ 46,	"RSVP" },
	{ 47,	"GRE" },
	{ 50,	"ESP" },
	{ 51,	"AH" },
	{ 58,	"IPv6-ICMP" },
	{ 59,	"IPv6-NoNxt" },
	{ 88,	"EIGRP" },
	{ 89,	"OSPF" },
	{ 103,	"PIM" },
	{ 112,	"VRRP" },
	{ 115,	"L2TP" },
	{ 132,	"SCTP" },
	{ 136,	"UDPLite" },
	{ 137,	"MPLS-in-IP" },
	{ 0, NULL }
};

/* The table's name for value, or NULL (the tables end at name == NULL,
 * since 0 is a real value in some of them). */
static const char *
name_lookup(const struct name *t, int value)
{
	for (; t->name != NULL; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

/* Name of an enum flow_end value; "unknown" for anything else. Any thread. */
const char *
flow_end_name(int end)
{
	const char *s = name_lookup(flow_end_names, end);

	return s != NULL ? s : "unknown";
}

/* Name of an enum finding_kind value; "unknown" for anything else. Any thread. */
const char *
finding_kind_name(int kind)
{
	const char *s = name_lookup(finding_kind_names, kind);

	return s != NULL ? s : "unknown";
}

const char *
rec_tunnel_format(const struct rec_tunnel *t, char *src, char *dst, size_t len)
{
	if (t->depth == 0) {
		src[0] = dst[0] = '\0';
		return NULL;
	}
	addr_format(t->src, t->family, src, len);
	addr_format(t->dst, t->family, dst, len);
	return decode_tunnel_name(t->type);
}

/* record.h.  Any thread. */
const char *
icmp_unreach_name(uint8_t proto, uint8_t type, uint8_t code)
{
	if (proto == IPPROTO_NUM_ICMP && type == 3) {
		switch (code) {
		case 0: return "network unreachable";
		case 1: return "host unreachable";
		case 2: return "protocol unreachable";
		case 3: return "port unreachable";
		case 4: return NULL;	/* fragmentation needed: path MTU, not a block */
		case 9: case 10: return "network/host administratively prohibited";
		case 13: return "communication administratively prohibited";
		default: return "destination unreachable";
		}
	}
	if (proto == IPPROTO_NUM_ICMPV6 && type == 1) {
		switch (code) {
		case 0: return "no route to destination";
		case 1: return "administratively prohibited";
		case 3: return "address unreachable";
		case 4: return "port unreachable";
		case 5: return "source address failed policy";
		case 6: return "reject route";
		default: return "destination unreachable";
		}
	}
	return NULL;
}

/*
 * Name of an IP protocol number.  Known protocols return a static string;
 * others are printed as decimal into buf (len >= 4 holds any value) and
 * buf is returned.  Any thread, as long as buf is the caller's.
 */
const char *
proto_name(uint8_t proto, char *buf, size_t len)
{
	const char *s;

	if (proto == 6)		/* most records: no table walk */
		return "TCP";
	if ((s = name_lookup(proto_names, proto)) != NULL)
		return s;
	if (buf == NULL || len == 0)
		return "";
	snprintf(buf, len, "%u", (unsigned)proto);
	return buf;
}

/* "00" .. "99": two digits at a time. */
static const char digits2[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static void
put2(char *p, unsigned v)
{
	memcpy(p, &digits2[v * 2], 2);
}

/* 9999-12-31T23:59:59Z, the last second four digits of year can hold. */
#define RECORD_TIME_MAX_SEC	253402300799ULL

/* record.h.  Any thread. */
size_t
record_time(uint64_t usec, char *buf)
{
	uint64_t sec = usec / 1000000, days, z, era, doe, yoe, doy, mp;
	unsigned sod, us = (unsigned)(usec % 1000000), y, m, d;

	if (sec > RECORD_TIME_MAX_SEC)
		return 0;
	days = sec / 86400;
	sod = (unsigned)(sec % 86400);
	/*
	 * Civil date from days since 1970-01-01 in the proleptic Gregorian
	 * calendar, as gmtime() computes it (H. Hinnant's civil_from_days):
	 * eras of 400 years (146097 days) counted from 0000-03-01, so that
	 * the leap day ends its year.  Everything here is non-negative.
	 */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;					/* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;	/* [0, 399] */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		/* [0, 365] */
	mp = (5 * doy + 2) / 153;				/* [0, 11], March first */
	d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	y = (unsigned)(yoe + era * 400) + (m <= 2);
	put2(buf, y / 100);
	put2(buf + 2, y % 100);
	buf[4] = '-';
	put2(buf + 5, m);
	buf[7] = '-';
	put2(buf + 8, d);
	buf[10] = 'T';
	put2(buf + 11, sod / 3600);
	buf[13] = ':';
	put2(buf + 14, sod / 60 % 60);
	buf[16] = ':';
	put2(buf + 17, sod % 60);
	buf[19] = '.';
	put2(buf + 20, us / 10000);
	put2(buf + 22, us / 100 % 100);
	put2(buf + 24, us % 100);
	buf[26] = '\0';
	return 26;
}

/* record.h.  Any thread. */
size_t
record_u64(uint64_t v, char *buf)
{
	char tmp[20];
	size_t n = sizeof(tmp);

	while (v >= 100) {
		n -= 2;
		put2(tmp + n, (unsigned)(v % 100));
		v /= 100;
	}
	if (v >= 10) {
		n -= 2;
		put2(tmp + n, (unsigned)v);
	} else
		tmp[--n] = (char)('0' + v);
	memcpy(buf, tmp + n, sizeof(tmp) - n);
	return sizeof(tmp) - n;
}
