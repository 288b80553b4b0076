/*
 * record.c - names of the values found in flow and finding records.
 *
 * The outputs (SQLite, EVE JSON) print the same names, so they live here
 * once.  Protocol names follow Suricata's eve-json-format ("TCP", "UDP",
 * "ICMP", "IPv6-ICMP"), which in turn follows the IANA protocol keywords.
 */
#include <stdint.h>
#include <stdio.h>

#include "conformd/flow.h"
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
	{ 0, NULL }
};

static const struct name proto_names[] = {
	{ 1,	"ICMP" },
	{ 6,	"TCP" },
	{ 17,	"UDP" },
	{ 58,	"IPv6-ICMP" },
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

/*
 * Name of an IP protocol number.  Known protocols return a static string;
 * others are printed as decimal into buf (len >= 4 holds any value) and
 * buf is returned.  Any thread, as long as buf is the caller's.
 */
const char *
proto_name(uint8_t proto, char *buf, size_t len)
{
	const char *s = name_lookup(proto_names, proto);

	if (s != NULL)
		return s;
	if (buf == NULL || len == 0)
		return "";
	snprintf(buf, len, "%u", (unsigned)proto);
	return buf;
}
