/*
 * format-leef.c - alerts as IBM QRadar Log Event Extended Format 2.0
 * records (IBM, "QRadar Log Event Extended Format (LEEF) Guide"):
 *
 *   LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|attributes
 *
 * The guide's LEEF 2.0 example, which test_alertfmt.c rebuilds:
 *   LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^
 *   sev=5^srcPort=81^dstPort=21
 * We declare '^' as the delimiter, as that example does (a tab would do
 * too, but blanks get rewritten by relays); in values the delimiter, '='
 * and '\' are escaped with a backslash and control characters replaced.
 *
 * Predefined keys: cat (the finding kind), sev (1..10,
 * alert_ten_severity()), src, srcPort, dst, dstPort, proto, policy (the
 * rule), devTime with devTimeFormat yyyy-MM-dd'T'HH:mm:ss.SSSZ (the
 * guide's "expressions in LEEF format" example uses that pattern, e.g.
 * 2017-10-18T11:26:03.060+0200); our own: count (repeats not sent since
 * the last alert), msg (the signature), dvchost (the sensor's name,
 * sensor.h; the key other vendors' LEEF uses), srcRole, dstRole, host,
 * scanFindings, scanHosts, scanPorts, scanAnswered, tunnelType, tunnelSrc, tunnelDst
 * (the tunnel of the finding's packet), evidence.  EventID is the signature
 * id, as EVE's signature_id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conformd/alert.h"
#include "alert-text.h"

#define LEEF_DELIM	"^"

/* "^key=value" (no delimiter before the first), whole or nothing, or cut
 * between escapes when `cuttable`. */
static void
leef_pair(struct abuf *b, const char *key, const char *val, int cuttable, int *first)
{
	size_t mark = b->len, start;

	if (val == NULL)
		return;
	if ((*first ? 0 : abuf_str(b, LEEF_DELIM)) == -1 || abuf_str(b, key) == -1 ||
	    abuf_str(b, "=") == -1)
		goto cut;
	start = b->len;
	if (abuf_esc(b, val, esc_leef_value) == -1 && (!cuttable || b->len == start))
		goto cut;
	*first = 0;
	return;
cut:
	abuf_reset(b, mark);
}

static void
leef_num(struct abuf *b, const char *key, uint64_t v, int *first)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	leef_pair(b, key, num, 0, first);
}

size_t
alert_format_leef(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int *truncated)
{
	struct abuf b;
	char pbuf[8], ts[40], unit[96];
	size_t mark;
	int first = 1;

	abuf_init(&b, buf, max);
	*truncated = 0;
	if (abuf_str(&b, "LEEF:2.0|conformd|conformd|") == -1 ||
	    abuf_esc(&b, env->version != NULL ? env->version : "0", esc_leef_value) == -1 ||
	    abuf_str(&b, "|") == -1 || abuf_u64(&b, alert_sid(a->kind)) == -1 ||
	    abuf_str(&b, "|" LEEF_DELIM "|") == -1)
		goto fail;

	leef_pair(&b, "cat", a->kind_name, 0, &first);
	leef_num(&b, "sev", (uint64_t)alert_ten_severity(a->severity), &first);
	leef_pair(&b, "src", a->src, 0, &first);
	if (a->spt != 0)
		leef_num(&b, "srcPort", a->spt, &first);
	leef_pair(&b, "dst", a->dst, 0, &first);
	if (a->dpt != 0)
		leef_num(&b, "dstPort", a->dpt, &first);
	if (a->proto != 0)
		leef_pair(&b, "proto", proto_name(a->proto, pbuf, sizeof(pbuf)), 0, &first);
	/* devTime is meaningless without its format: one unit, written raw
	 * (the pattern and the time hold no '^', '=' or '\') */
	alert_time_leef(a->ts_usec, ts, sizeof(ts));
	snprintf(unit, sizeof(unit), "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ" LEEF_DELIM
	    "devTime=%s", ts);
	mark = b.len;
	if ((first ? 0 : abuf_str(&b, LEEF_DELIM)) == -1 || abuf_str(&b, unit) == -1)
		abuf_reset(&b, mark);
	else
		first = 0;
	leef_pair(&b, "policy", a->rule, 0, &first);
	if (env->hostname != NULL && strcmp(env->hostname, "-") != 0)
		leef_pair(&b, "dvchost", env->hostname, 0, &first);
	leef_num(&b, "count", a->count, &first);
	leef_pair(&b, "host", a->host, 0, &first);
	if (a->kind == ALERT_KIND_SCAN) {
		leef_num(&b, "scanFindings", a->scan_findings, &first);
		leef_num(&b, "scanHosts", a->scan_hosts, &first);
		leef_num(&b, "scanPorts", a->scan_ports, &first);
		if (a->has_answered)
			leef_num(&b, "scanAnswered", a->scan_answered, &first);
	}
	leef_pair(&b, "msg", a->signature, 0, &first);
	leef_pair(&b, "srcRole", a->src_role, 0, &first);
	leef_pair(&b, "dstRole", a->dest_role, 0, &first);
	if (a->tunnel_type != NULL) {
		leef_pair(&b, "tunnelType", a->tunnel_type, 0, &first);
		leef_pair(&b, "tunnelSrc", a->tunnel_src, 0, &first);
		leef_pair(&b, "tunnelDst", a->tunnel_dst, 0, &first);
	}
	leef_pair(&b, "evidence", a->evidence, 1, &first);
	*truncated = b.cut;
	return b.len;
fail:
	buf[0] = '\0';
	*truncated = 1;
	return 0;
}
