/*
 * alert.h - one alert as the alert feeds see it, and its message formats:
 * RFC 5424 syslog with conformd's structured data (format-syslog.c),
 * ArcSight CEF (format-cef.c) and QRadar LEEF 2.0 (format-leef.c).
 *
 * A struct alert is a finding (record.h) flattened into the fields every
 * format carries, plus what volume control adds: the count of repeats
 * that were not alerted, or the figures of a scan summary.  Every
 * formatter is a pure function of its arguments: no I/O, no allocation,
 * any thread.  Formatters write at most `max` bytes plus a NUL into a
 * buffer of at least max + 1 bytes; what does not fit is cut cleanly
 * (never inside an escape sequence or a UTF-8 character) in the order
 * each format documents, and *truncated says so.
 */
#ifndef CONFORMD_ALERT_H
#define CONFORMD_ALERT_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/record.h"

/* A scan: the classifier's (FINDING_SCAN, record.h) or a feed's summary
 * (alert_from_scan()); the same kind, signature id 9000005. */
#define ALERT_KIND_SCAN		5
_Static_assert(ALERT_KIND_SCAN == FINDING_SCAN, "one scan kind for the classifier and the feeds");
/* Signature ids: EVE's signature_id, CEF's and LEEF's event id. */
#define ALERT_SID_BASE		9000000
/* Our RFC 5424 SD-ID (32473 is the example enterprise number of RFC 5612). */
#define ALERT_SD_ID		"conformd@32473"

struct alert {
	int		 kind;		/* enum finding_kind, or ALERT_KIND_SCAN */
	const char	*kind_name;	/* "unexpected" .. "protocol_mismatch", "scan" */
	int		 severity;	/* 1 (high) .. 3 (low) */
	uint64_t	 ts_usec;	/* capture time */
	const char	*signature;	/* one line, human readable */
	const char	*rule;		/* NULL: none */
	const char	*src, *dst;	/* addresses as text, NULL: absent */
	uint16_t	 spt, dpt;	/* 0: absent */
	uint8_t		 proto;		/* IP protocol, 0: absent */
	const char	*src_role, *dest_role;	/* NULL: absent */
	const char	*evidence;	/* NULL: none */
	const char	*host;		/* inventory host (missing), NULL: none */
	const char	*tunnel_type;	/* the finding's packet's tunnel ("erspan2"), NULL: none */
	char		 tunnel_src[REC_ADDR_LEN];	/* ... its outer addresses */
	char		 tunnel_dst[REC_ADDR_LEN];
	uint64_t	 count;		/* repeats of this alert not sent since the last one */
	const struct finding *finding;	/* for the EVE JSON (a scan has its own) */
	/* a scan's figures (kind ALERT_KIND_SCAN): for a feed's summary the
	 * unexpected findings it folds, for the classifier's scan its probes */
	uint64_t	 scan_findings, scan_hosts, scan_ports;
	uint32_t	 scan_window;	/* seconds */
	int		 feed_scan;	/* 1: a feed's summary (alert_from_scan()) */
	int		 has_answered;	/* 0: a feed's summary, which does not know */
	uint64_t	 scan_answered;	/* the classifier's: ports that answered */
};

/* Who sends: the same for every message of an output. */
struct alert_env {
	const char	*hostname;	/* the sensor name (sensor.h): RFC 5424 HOSTNAME,
					   CEF and LEEF dvchost, EVE host; "-" when unknown */
	const char	*in_iface;	/* EVE in_iface, NULL: none */
	const char	*app_name;	/* ident */
	unsigned	 procid;	/* pid */
	int		 facility;	/* 0..23 */
	const char	*version;	/* conformd's, for CEF and LEEF */
};

/*
 * Fill *a from finding f (borrowed: a points into it) with `count`
 * repeats not sent since the previous alert of the same key.  Missing
 * findings take dst/dpt/proto from the host, rule and protocol.
 */
void alert_from_finding(struct alert *a, const struct finding *f, uint64_t count);

/* Storage a scan summary's alert points into. */
struct alert_scan_buf {
	struct finding	 f;		/* the finding EVE formats */
	char		 sig[256];
};

/*
 * Fill *a with the summary of a scan by the source of finding f (an
 * unexpected finding, with a flow): `findings` distinct unexpected
 * findings, `hosts` hosts and `ports` ports within `window` seconds.
 * a points into sb and f's flow record.
 */
void alert_from_scan(struct alert *a, struct alert_scan_buf *sb, const struct finding *f,
    uint64_t findings, uint64_t hosts, uint64_t ports, uint32_t window);

/* Signature id of an alert kind (ALERT_SID_BASE + kind). */
uint32_t alert_sid(int kind);

/* RFC 5424 severity of ours: 1 -> 3 (err), 2 -> 4 (warning), 3 -> 5 (notice). */
int alert_syslog_severity(int severity);

/* CEF and LEEF severity (0..10 and 1..10): 1 -> 8, 2 -> 5, 3 -> 3. */
int alert_ten_severity(int severity);

/*
 * The complete RFC 5424 message (no transport framing):
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [conformd@32473 ...] MSG
 * MSG is the signature (rfc5424), the CEF or LEEF record (cef, leef), or
 * the EVE alert JSON (eve; then STRUCTURED-DATA is "-").  `fmt` is an enum
 * config_output_format.  Truncation: MSG first (CEF and LEEF drop or cut
 * their own fields), then whole SD-PARAMs, least useful first.  An EVE
 * JSON is never cut: a message that cannot hold it is not made.  Returns
 * the length, or 0 when not even the header fits (or the JSON).
 */
size_t alert_format_syslog(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int fmt, int *truncated);

/*
 * What local syslog(3) gets: the text after the header it makes itself.
 * rfc5424: "[conformd@32473 ...] signature"; cef, leef: the record; eve:
 * the JSON.  Same truncation; returns the length or 0.
 */
size_t alert_format_text(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int fmt, int *truncated);

/* The EVE alert JSON of an alert, with "suppressed" when a->count > 0,
 * "host" and "in_iface" from env.  Returns the length, or 0 when it does
 * not fit in max. */
size_t alert_format_eve(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a);

/*
 * CEF:0|conformd|conformd|VERSION|SID|signature|SEVERITY|extension
 * (ArcSight Common Event Format rev. 25).  The signature (Name) is cut
 * when the header alone is too long; extension fields are kept in
 * priority order, a field that does not fit is left out, the evidence is
 * cut.  Returns the length, or 0.
 */
size_t alert_format_cef(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int *truncated);

/*
 * LEEF:2.0|conformd|conformd|VERSION|SID|^|key=value^key=value...
 * (IBM QRadar LEEF 2.0, delimiter '^').  Same truncation as CEF.
 */
size_t alert_format_leef(char *buf, size_t max, const struct alert_env *env,
    const struct alert *a, int *truncated);

/* RFC 6587 3.4.1 octet counting: "LEN SP MSG" into dst (dstlen bytes, NUL
 * added).  Returns the framed length, or 0 when dst is too small. */
size_t alert_frame_octets(char *dst, size_t dstlen, const char *msg, size_t len);

/*
 * The escaping of each format, exposed for the golden tests: `s` escaped
 * into buf (at most max bytes + NUL, cut between escapes).  Returns the
 * length written; *cut is set when s did not fit whole.
 */
size_t alert_escape_sd_value(char *buf, size_t max, const char *s, int *cut);
size_t alert_escape_cef_header(char *buf, size_t max, const char *s, int *cut);
size_t alert_escape_cef_value(char *buf, size_t max, const char *s, int *cut);
size_t alert_escape_leef_value(char *buf, size_t max, const char *s, int *cut);

#endif /* CONFORMD_ALERT_H */
