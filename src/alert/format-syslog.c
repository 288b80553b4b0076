/*
 * format-syslog.c - RFC 5424 syslog messages of alerts, and RFC 6587
 * octet-counting framing for TCP.
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]            (RFC 5424 6)
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP
 *                PROCID SP MSGID
 *
 * PRI is facility * 8 + severity (6.2.1) with our severities 1, 2, 3 as
 * err (3), warning (4), notice (5); TIMESTAMP is the finding's capture
 * time in UTC with microseconds (6.2.3, at most six fractional digits),
 * but with milliseconds before a LEEF record: IBM's "LEEF event
 * components" require yyyy-MM-ddTHH:mm:ss.SSSZ in an RFC 5424 header;
 * HOSTNAME is the sensor's name (sensor.h);
 * MSGID the finding kind.  STRUCTURED-DATA is one element of our own
 * SD-ID conformd@32473 (7.2.2: name@<private enterprise number>; 32473
 * is RFC 5612's example number).  Its PARAM-VALUEs escape '"', '\' and
 * ']' (6.3.3).  MSG is MSG-ANY without a BOM: the signature, or a CEF,
 * LEEF or EVE record, all sanitised to printable text.
 *
 * Example of RFC 5424 6.5 (example 3), the shape we follow:
 *   <165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog -
 *   ID47 [exampleSDID@32473 iut="3" eventSource="Application"
 *   eventID="1011"] An application event log entry...
 *
 * Over UDP (RFC 5426 3.1) one message is one datagram, no framing; over
 * TCP (RFC 6587 3.4.1) each message is "MSG-LEN SP SYSLOG-MSG".
 */
#include <stdio.h>
#include <string.h>

#include "conformd/alert.h"
#include "conformd/config.h"
#include "alert-text.h"

/* SD-PARAMs in the order they are written; `keep` ranks them for
 * truncation (1 is dropped last). */
enum {
	SDP_VERDICT, SDP_RULE, SDP_SRC_ROLE, SDP_DEST_ROLE, SDP_SRC, SDP_SPT,
	SDP_DST, SDP_DPT, SDP_PROTO, SDP_HOST, SDP_COUNT, SDP_FINDINGS,
	SDP_HOSTS, SDP_PORTS, SDP_ANSWERED, SDP_WINDOW, SDP_TUN_TYPE, SDP_TUN_SRC, SDP_TUN_DST,
	SDP_EVIDENCE, SDP_N
};

static const struct {
	const char	*name;
	int		 keep;
} sd_params[SDP_N] = {
	[SDP_VERDICT] = { "verdict", 1 },
	[SDP_RULE] = { "rule", 7 },
	[SDP_SRC_ROLE] = { "src_role", 13 },
	[SDP_DEST_ROLE] = { "dest_role", 14 },
	[SDP_SRC] = { "src", 2 },
	[SDP_SPT] = { "spt", 6 },
	[SDP_DST] = { "dst", 3 },
	[SDP_DPT] = { "dpt", 4 },
	[SDP_PROTO] = { "proto", 5 },
	[SDP_HOST] = { "host", 9 },
	[SDP_COUNT] = { "count", 8 },
	[SDP_FINDINGS] = { "findings", 10 },
	[SDP_HOSTS] = { "hosts", 11 },
	[SDP_PORTS] = { "ports", 12 },
	[SDP_ANSWERED] = { "answered", 12 },
	[SDP_WINDOW] = { "window", 12 },
	[SDP_TUN_TYPE] = { "tunnel_type", 15 },
	[SDP_TUN_SRC] = { "tunnel_src", 15 },
	[SDP_TUN_DST] = { "tunnel_dst", 15 },
	[SDP_EVIDENCE] = { "evidence", 16 },
};

/* The value of each SD-PARAM of a, NULL when the alert has none. */
static void
sd_values(const struct alert *a, const char *val[SDP_N], char num[SDP_N][24])
{
	char pbuf[8];

	memset(val, 0, sizeof(*val) * SDP_N);
	val[SDP_VERDICT] = a->kind_name;
	val[SDP_RULE] = a->rule;
	val[SDP_SRC_ROLE] = a->src_role;
	val[SDP_DEST_ROLE] = a->dest_role;
	val[SDP_SRC] = a->src;
	val[SDP_DST] = a->dst;
	if (a->spt != 0) {
		snprintf(num[SDP_SPT], sizeof(num[0]), "%u", a->spt);
		val[SDP_SPT] = num[SDP_SPT];
	}
	if (a->dpt != 0) {
		snprintf(num[SDP_DPT], sizeof(num[0]), "%u", a->dpt);
		val[SDP_DPT] = num[SDP_DPT];
	}
	if (a->proto != 0) {
		snprintf(num[SDP_PROTO], sizeof(num[0]), "%s",
		    proto_name(a->proto, pbuf, sizeof(pbuf)));
		val[SDP_PROTO] = num[SDP_PROTO];
	}
	val[SDP_HOST] = a->host;
	snprintf(num[SDP_COUNT], sizeof(num[0]), "%llu", (unsigned long long)a->count);
	val[SDP_COUNT] = num[SDP_COUNT];
	if (a->kind == ALERT_KIND_SCAN) {
		snprintf(num[SDP_FINDINGS], sizeof(num[0]), "%llu",
		    (unsigned long long)a->scan_findings);
		snprintf(num[SDP_HOSTS], sizeof(num[0]), "%llu",
		    (unsigned long long)a->scan_hosts);
		snprintf(num[SDP_PORTS], sizeof(num[0]), "%llu",
		    (unsigned long long)a->scan_ports);
		snprintf(num[SDP_WINDOW], sizeof(num[0]), "%u", a->scan_window);
		val[SDP_FINDINGS] = num[SDP_FINDINGS];
		val[SDP_HOSTS] = num[SDP_HOSTS];
		val[SDP_PORTS] = num[SDP_PORTS];
		val[SDP_WINDOW] = num[SDP_WINDOW];
		if (a->has_answered) {
			snprintf(num[SDP_ANSWERED], sizeof(num[0]), "%llu",
			    (unsigned long long)a->scan_answered);
			val[SDP_ANSWERED] = num[SDP_ANSWERED];
		}
	}
	if (a->tunnel_type != NULL) {
		val[SDP_TUN_TYPE] = a->tunnel_type;
		val[SDP_TUN_SRC] = a->tunnel_src;
		val[SDP_TUN_DST] = a->tunnel_dst;
	}
	val[SDP_EVIDENCE] = a->evidence;
}

/*
 * Append "[conformd@32473 k="v" ...]" holding the params ranked <= keep,
 * whole or not at all.  Returns 0 or -1.
 */
static int
sd_element(struct abuf *b, const char *const val[SDP_N], int keep)
{
	size_t mark = b->len;

	if (abuf_str(b, "[" ALERT_SD_ID) == -1)
		goto cut;
	for (int i = 0; i < SDP_N; i++) {
		if (val[i] == NULL || sd_params[i].keep > keep)
			continue;
		if (abuf_str(b, " ") == -1 || abuf_str(b, sd_params[i].name) == -1 ||
		    abuf_str(b, "=\"") == -1 || abuf_esc(b, val[i], esc_sd_value) == -1 ||
		    abuf_str(b, "\"") == -1)
			goto cut;
	}
	if (abuf_str(b, "]") == -1)
		goto cut;
	return 0;
cut:
	abuf_reset(b, mark);
	return -1;
}

/*
 * The structured data, as complete as fits: every param, else fewer (the
 * highest ranks dropped first), else the bare element, else "-".
 * Returns 0, or -1 when not even "-" fits.
 */
static int
sd_fit(struct abuf *b, const struct alert *a)
{
	const char *val[SDP_N];
	char num[SDP_N][24];

	sd_values(a, val, num);
	for (int keep = SDP_N; keep >= 0; keep--)
		if (sd_element(b, val, keep) == 0)
			return 0;
	return abuf_str(b, "-");
}

/* " MSG", cut to what is left; nothing at all when not one atom fits. */
static void
msg_fit(struct abuf *b, const char *msg)
{
	size_t mark = b->len;

	if (msg == NULL || msg[0] == '\0')
		return;
	if (abuf_str(b, " ") == -1)
		return;
	(void)abuf_esc(b, msg, esc_text);
	if (b->len == mark + 1)
		abuf_reset(b, mark);	/* no trailing SP without a MSG */
}

/* HOSTNAME and APP-NAME are PRINTUSASCII (33..126): anything else '_'. */
static size_t
esc_token(const unsigned char *s, char *out, size_t *used)
{
	out[0] = *s >= 33 && *s <= 126 ? (char)*s : '_';
	*used = 1;
	return 1;
}

/* PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID */
static int
header(struct abuf *b, const struct alert_env *env, const struct alert *a, int fmt)
{
	char ts[40], h[64];

	if (fmt == OUTPUT_FMT_LEEF)
		alert_time_rfc5424_ms(a->ts_usec, ts, sizeof(ts));
	else
		alert_time_rfc5424(a->ts_usec, ts, sizeof(ts));
	snprintf(h, sizeof(h), "<%d>1 %s ",
	    env->facility * 8 + alert_syslog_severity(a->severity), ts);
	if (abuf_str(b, h) == -1 ||
	    abuf_esc(b, env->hostname != NULL && env->hostname[0] != '\0' ?
	    env->hostname : "-", esc_token) == -1 ||
	    abuf_str(b, " ") == -1 ||
	    abuf_esc(b, env->app_name != NULL && env->app_name[0] != '\0' ?
	    env->app_name : "-", esc_token) == -1)
		return -1;
	snprintf(h, sizeof(h), " %u ", env->procid);
	if (abuf_str(b, h) == -1 || abuf_str(b, a->kind_name) == -1)
		return -1;
	return 0;
}

/* A CEF, LEEF or EVE record into what is left of b. */
static int
payload(struct abuf *b, const struct alert_env *env, const struct alert *a, int fmt)
{
	size_t room = b->max - b->len, n;
	int cut = 0;

	switch (fmt) {
	case OUTPUT_FMT_CEF:
		n = alert_format_cef(b->p + b->len, room, env, a, &cut);
		break;
	case OUTPUT_FMT_LEEF:
		n = alert_format_leef(b->p + b->len, room, env, a, &cut);
		break;
	default:
		n = alert_format_eve(b->p + b->len, room, env, a);
		break;
	}
	if (n == 0) {
		b->p[b->len] = '\0';
		b->cut = 1;
		return -1;
	}
	b->len += n;
	if (cut)
		b->cut = 1;
	return 0;
}

size_t
alert_format_syslog(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int fmt, int *truncated)
{
	struct abuf b;

	abuf_init(&b, buf, max);
	*truncated = 0;
	if (header(&b, env, a, fmt) == -1 || abuf_str(&b, " ") == -1)
		goto fail;
	if (fmt == OUTPUT_FMT_RFC5424) {
		/* the structured data first: MSG is what gets cut */
		if (sd_fit(&b, a) == -1)
			goto fail;
		msg_fit(&b, a->signature);
	} else {
		if (abuf_str(&b, "- ") == -1 || payload(&b, env, a, fmt) == -1)
			goto fail;
	}
	*truncated = b.cut;
	return b.len;
fail:
	buf[0] = '\0';
	*truncated = 1;
	return 0;
}

size_t
alert_format_text(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int fmt, int *truncated)
{
	struct abuf b;

	abuf_init(&b, buf, max);
	*truncated = 0;
	if (fmt == OUTPUT_FMT_RFC5424) {
		if (sd_fit(&b, a) == -1)
			goto fail;
		msg_fit(&b, a->signature);
	} else if (payload(&b, env, a, fmt) == -1)
		goto fail;
	*truncated = b.cut;
	return b.len;
fail:
	buf[0] = '\0';
	*truncated = 1;
	return 0;
}

size_t
alert_frame_octets(char *dst, size_t dstlen, const char *msg, size_t len)
{
	int n = snprintf(dst, dstlen, "%zu ", len);

	if (n < 0 || (size_t)n + len + 1 > dstlen) {
		if (dstlen > 0)
			dst[0] = '\0';
		return 0;
	}
	memcpy(dst + n, msg, len);
	dst[(size_t)n + len] = '\0';
	return (size_t)n + len;
}
