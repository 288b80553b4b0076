/*
 * format-cef.c - alerts as ArcSight Common Event Format records
 * (Micro Focus, "Implementing ArcSight Common Event Format (CEF)",
 * revision 25):
 *
 *   CEF:Version|Device Vendor|Device Product|Device Version|
 *       Device Event Class ID|Name|Severity|[Extension]
 *
 * The specification's own example, which test_alertfmt.c rebuilds:
 *   CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|
 *   src=10.0.0.1 dst=2.1.2.2 spt=1232
 * and its escaping examples ("detected a \| in message", "act=blocked a
 * \= dst=...", "act=blocked a \\ dst=...").
 *
 * Header: '|' and '\' escaped with a backslash.  Extension: key=value
 * pairs separated by spaces, '=' and '\' escaped, newlines written \n
 * and \r.  Keys from the CEF dictionary: src, spt, dst, dpt, proto, act
 * (always "allowed": conformd only watches), cat (the finding kind), rt
 * (capture time, milliseconds since the epoch), cnt (baseEventCount: the
 * occurrences this alert stands for, 1 + repeats not sent, written when
 * more than 1), cs1 rule, cs2 evidence, cs3/cs4 the roles, cs5 the
 * inventory host of a missing finding, cs6 the tunnel of the finding's
 * packet ("erspan2 198.18.200.1 -> 198.18.200.2"), cn1..cn3 a scan's
 * findings, hosts and ports, dvchost the sensor's name (sensor.h).  src
 * and dst are IPv4 fields in the dictionary: IPv6 addresses go in c6a2
 * (Source IPv6 Address) and c6a3 (Destination IPv6 Address) instead.  Severity on CEF's 0..10 scale (alert_ten_severity()).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conformd/alert.h"
#include "alert-text.h"

/* " key=value" (no leading space for the first pair), whole or nothing;
 * `cuttable` values may be cut between escapes instead. */
static void
cef_pair(struct abuf *b, const char *key, const char *val, int cuttable, int *first)
{
	size_t mark = b->len, start;

	if (val == NULL)
		return;
	if ((*first ? 0 : abuf_str(b, " ")) == -1 || abuf_str(b, key) == -1 ||
	    abuf_str(b, "=") == -1)
		goto cut;
	start = b->len;
	if (abuf_esc(b, val, esc_cef_value) == -1 && (!cuttable || b->len == start))
		goto cut;
	*first = 0;
	return;
cut:
	abuf_reset(b, mark);
}

/* A labelled custom string: "csNLabel=LABEL csN=value" as one unit. */
static void
cef_custom(struct abuf *b, const char *n, const char *label, const char *val,
    int cuttable, int *first)
{
	char lab[64];

	if (val == NULL)
		return;
	snprintf(lab, sizeof(lab), "%sLabel=%s %s", n, label, n);
	cef_pair(b, lab, val, cuttable, first);
}

/* An IPv6 address (the text of one, as the records hold them)? */
static int
cef_v6(const char *addr)
{
	return addr != NULL && strchr(addr, ':') != NULL;
}

static void
cef_num(struct abuf *b, const char *key, uint64_t v, int *first)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	cef_pair(b, key, num, 0, first);
}

size_t
alert_format_cef(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int *truncated)
{
	struct abuf b;
	char tail[16], pbuf[8];
	size_t keep;
	int first = 1;

	abuf_init(&b, buf, max);
	*truncated = 0;
	if (abuf_str(&b, "CEF:0|conformd|conformd|") == -1 ||
	    abuf_esc(&b, env->version != NULL ? env->version : "0", esc_cef_header) == -1 ||
	    abuf_str(&b, "|") == -1 || abuf_u64(&b, alert_sid(a->kind)) == -1 ||
	    abuf_str(&b, "|") == -1)
		goto fail;
	/* Name: cut so that |Severity| still fits */
	snprintf(tail, sizeof(tail), "|%d|", alert_ten_severity(a->severity));
	if (strlen(tail) > b.max - b.len)
		goto fail;
	keep = b.max;
	b.max -= strlen(tail);
	(void)abuf_esc(&b, a->signature, esc_cef_header);
	b.max = keep;
	if (abuf_str(&b, tail) == -1)
		goto fail;

	/* the extension, most useful first */
	cef_pair(&b, cef_v6(a->src) ? "c6a2" : "src", a->src, 0, &first);
	if (a->spt != 0)
		cef_num(&b, "spt", a->spt, &first);
	cef_pair(&b, cef_v6(a->dst) ? "c6a3" : "dst", a->dst, 0, &first);
	if (a->dpt != 0)
		cef_num(&b, "dpt", a->dpt, &first);
	if (a->proto != 0)
		cef_pair(&b, "proto", proto_name(a->proto, pbuf, sizeof(pbuf)), 0, &first);
	cef_pair(&b, "act", "allowed", 0, &first);
	if (env->hostname != NULL && strcmp(env->hostname, "-") != 0)
		cef_pair(&b, "dvchost", env->hostname, 0, &first);
	cef_pair(&b, "cat", a->kind_name, 0, &first);
	cef_num(&b, "rt", a->ts_usec / 1000, &first);
	if (a->count > 0)
		cef_num(&b, "cnt", a->count + 1, &first);
	cef_custom(&b, "cs1", "rule", a->rule, 0, &first);
	cef_custom(&b, "cs5", "host", a->host, 0, &first);
	if (a->kind == ALERT_KIND_SCAN) {
		char n1[24], n2[24], n3[24];

		snprintf(n1, sizeof(n1), "%" PRIu64, a->scan_findings);
		snprintf(n2, sizeof(n2), "%" PRIu64, a->scan_hosts);
		snprintf(n3, sizeof(n3), "%" PRIu64, a->scan_ports);
		cef_custom(&b, "cn1", "findings", n1, 0, &first);
		cef_custom(&b, "cn2", "hosts", n2, 0, &first);
		cef_custom(&b, "cn3", "ports", n3, 0, &first);
	}
	cef_custom(&b, "cs3", "srcRole", a->src_role, 0, &first);
	cef_custom(&b, "cs4", "destRole", a->dest_role, 0, &first);
	if (a->tunnel_type != NULL) {
		char tun[REC_ADDR_LEN * 2 + 24];

		snprintf(tun, sizeof(tun), "%s %s -> %s", a->tunnel_type,
		    a->tunnel_src, a->tunnel_dst);
		cef_custom(&b, "cs6", "tunnel", tun, 0, &first);
	}
	cef_custom(&b, "cs2", "evidence", a->evidence, 1, &first);
	*truncated = b.cut;
	return b.len;
fail:
	buf[0] = '\0';
	*truncated = 1;
	return 0;
}
