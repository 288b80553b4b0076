/*
 * eve.c - EVE JSON lines: one `flow` event per flow, one `alert` event per
 * finding, with Suricata's field names (doc/userguide/output/eve/
 * eve-json-format.rst) and conformd's own fields under "conformance".
 *
 * The JSON is written by hand into a fixed buffer (RFC 8259): every string
 * is escaped (quote, backslash, control characters as \u00XX, and any byte
 * that does not start a valid UTF-8 sequence (RFC 3629) as \u00XX of that
 * byte), so no input can break a line or the object.  Nothing is allocated
 * per event.
 *
 * The file only ever receives whole lines, so that every line of it
 * parses after a crash or a full disk: lines are gathered in a buffer of
 * our own (not stdio's, which flushes wherever it is full, mid-line) and
 * handed to write(2) whole.  A write that stops part-way (disk full) is
 * cut back to its last complete line with ftruncate(2), and the lines
 * that did not make it are counted as lost; a write that a kill -9 cut
 * short leaves a partial last line, which the next open (or reopen)
 * removes.  Failures are episodes (outage.h): logged when they begin,
 * with the path and the reason, and when writing resumes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "conformd/eve.h"
#include "conformd/log.h"
#include "conformd/packet.h"
#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/utf8.h"
#include "outage.h"

#define EVE_LINE_MAX	8192		/* one event, newline included */
#define EVE_FILE_BUF	(256 * 1024)	/* whole lines gathered before a write(2) */
#define EVE_TAIL_CHUNK	65536		/* read back at a time when repairing a tail */

/* Alert signature ids, one per finding kind (stable: SIEM rules key on them). */
#define EVE_SID_BASE	9000000

struct eve {
	int		 fd;
	int		 is_stdout;
	struct eve_ident id;		/* members owned (eve_set_ident()) */
	int		 regular;	/* a regular file: a part-way write is cut back */
	char		*path;		/* for eve_reopen() and messages ("-": stdout) */
	char		*buf;		/* whole lines waiting for write(2) */
	size_t		 used;
	uint64_t	 nlines;	/* lines in buf */
	_Atomic uint64_t lost;		/* lines not written, ever (eve_lost()) */
	struct outage	 out;
	char		 line[EVE_LINE_MAX];
};

/*
 * An output buffer that never overflows: `off` counts every byte the
 * complete text needs, bytes are stored only while they fit before the
 * final NUL (at p[lim], lim = len - 1).  Like snprintf, the caller learns
 * the full length.  The writers are inline: most of what they write has
 * a length known at compile time (keys, literals), which the compiler
 * then copies without a call.
 */
struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 lim;		/* bytes that can be stored: len - 1 (0 when len is 0) */
	size_t	 off;
};

#if defined(__GNUC__)
#define JB_INLINE	static inline __attribute__((always_inline))
#else
#define JB_INLINE	static inline
#endif

static void
jb_init(struct jbuf *b, char *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->lim = len > 0 ? len - 1 : 0;
	b->off = 0;
}

JB_INLINE void
jb_putc(struct jbuf *b, char c)
{
	if (b->off < b->lim)
		b->p[b->off] = c;
	b->off++;
}

/* What does not fit whole: byte by byte up to the end. */
static void
jb_mem_slow(struct jbuf *b, const char *s, size_t n)
{
	while (n-- > 0)
		jb_putc(b, *s++);
}

/* n bytes: one memcpy while they fit, else byte by byte up to the end. */
JB_INLINE void
jb_mem(struct jbuf *b, const char *s, size_t n)
{
	if (b->off <= b->lim && n <= b->lim - b->off) {
		memcpy(b->p + b->off, s, n);
		b->off += n;
	} else
		jb_mem_slow(b, s, n);
}

/* A string literal, its length known at compile time. */
#define jb_lit(b, lit)	jb_mem((b), (lit), sizeof(lit) - 1)

/* NUL-terminate at the stored length; returns the full length needed. */
static size_t
jb_finish(struct jbuf *b)
{
	if (b->len > 0)
		b->p[b->off < b->lim ? b->off : b->lim] = '\0';
	return b->off;
}

static void
jb_u64(struct jbuf *b, uint64_t v)
{
	char tmp[24];

	if (v < 10) {
		jb_putc(b, (char)('0' + v));
		return;
	}
	jb_mem(b, tmp, record_u64(v, tmp));
}

static void
jb_int(struct jbuf *b, int v)
{
	if (v < 0) {
		jb_putc(b, '-');
		jb_u64(b, (uint64_t)-(int64_t)v);
	} else
		jb_u64(b, (uint64_t)v);
}

/*
 * 1 for the bytes a JSON string holds as they are: printable ASCII other
 * than quote and backslash.  Everything else (NUL included) ends a run.
 */
#define JB_P16	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char jb_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,		/* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x20: '"' */
	JB_P16,							/* 0x30 */
	JB_P16,							/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,		/* 0x50: '\\' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,		/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,		/* 0x70: DEL */
	/* 0x80-0xff: 0 */
};
#undef JB_P16

/* The body of a JSON string (no quotes).  NULL prints as the empty string. */
static void
jb_strbody(struct jbuf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(str != NULL ? str : "");
	const unsigned char *run;
	size_t n;

	for (;;) {
		/* copied as is, a run at a time */
		for (run = s; jb_plain[*s]; s++)
			;
		if (s > run)
			jb_mem(b, (const char *)run, (size_t)(s - run));
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\\') {
			jb_putc(b, '\\');
			jb_putc(b, (char)*s++);
		} else if (*s >= 0x80 && (n = utf8_len(s)) > 0) {
			jb_mem(b, (const char *)s, n);
			s += n;
		} else {
			/* control character, DEL, or a byte outside valid UTF-8 */
			jb_lit(b, "\\u00");
			jb_putc(b, hex[*s >> 4]);
			jb_putc(b, hex[*s & 0x0f]);
			s++;
		}
	}
}

/* A JSON string, quotes included.  NULL prints as the empty string. */
static void
jb_str(struct jbuf *b, const char *str)
{
	jb_putc(b, '"');
	jb_strbody(b, str);
	jb_putc(b, '"');
}

/* ,"key": -- every member after the first of its object.  Keys are our
 * own literals: nothing to escape, lengths known at compile time. */
#define jb_key(b, key)	jb_mem((b), ",\"" key "\":", sizeof(key) + 3)
/* ,"key":"  -- the same with the string's opening quote */
#define jb_keyq(b, key)	jb_mem((b), ",\"" key "\":\"", sizeof(key) + 4)
#define jb_kstr(b, key, val)	do { jb_keyq(b, key); jb_strbody(b, val); jb_putc(b, '"'); } while (0)
#define jb_ku64(b, key, val)	do { jb_key(b, key); jb_u64(b, val); } while (0)

/*
 * Format a capture time (microseconds since the epoch) as
 * "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000" in UTC.  buf should hold 32 bytes;
 * shorter buffers get a truncated, NUL-terminated string.  Any thread.
 */
void
eve_format_time(uint64_t usec, char *buf, size_t len)
{
	time_t sec = (time_t)(usec / 1000000);
	char tmp[REC_TIME_LEN];
	struct tm tm;

	if (buf == NULL || len == 0)
		return;
	if (record_time(usec, tmp) != 0) {
		snprintf(buf, len, "%s+0000", tmp);
		return;
	}
	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, len, "1970-01-01T00:00:00.000000+0000");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(usec % 1000000));
}

/*
 * A capture time as a JSON string, quotes included, into ts (48 bytes);
 * returns its length.  printf only after the year 9999 (its digits and
 * punctuation need no escaping either).
 */
static size_t
jb_timefmt(uint64_t usec, char *ts)
{
	size_t n;

	ts[0] = '"';
	if (record_time(usec, ts + 1) == 0) {
		eve_format_time(usec, ts + 1, 46);
		n = 1 + strlen(ts + 1);
		ts[n++] = '"';
		return n;
	}
	memcpy(ts + 27, "+0000\"", 6);
	return 33;
}

static void
jb_time(struct jbuf *b, uint64_t usec)
{
	char ts[48];

	jb_mem(b, ts, jb_timefmt(usec, ts));
}

/* VLAN ids as a JSON array, when the flow has any. */
static void
jb_vlan(struct jbuf *b, const struct flow_record *r)
{
	if (r->vlan[0] == 0)
		return;
	jb_key(b, "vlan");
	jb_putc(b, '[');
	jb_u64(b, r->vlan[0]);
	if (r->vlan[1] != 0) {
		jb_putc(b, ',');
		jb_u64(b, r->vlan[1]);
	}
	jb_putc(b, ']');
}

/*
 * ,"host":"NAME}" -- the sensor name, last of the event as Suricata writes
 * its sensor-name -- and the event's closing brace.
 */
static void
jb_end(struct jbuf *b, const struct eve_ident *id)
{
	if (id != NULL && id->host != NULL)
		jb_kstr(b, "host", id->host);
	jb_putc(b, '}');
}

/*
 * The common head: timestamp (ts, formatted by jb_timefmt()), flow_id,
 * in_iface (when the identity has one), event_type (type: the member, `,"event_type":"flow"`), addresses,
 * proto, vlan.
 */
static void
jb_head(struct jbuf *b, const struct eve_ident *id, const struct flow_record *r,
    const char *ts, size_t tslen, const char *type, size_t typelen)
{
	char pbuf[8];
	const char *proto;

	jb_lit(b, "{\"timestamp\":");
	jb_mem(b, ts, tslen);
	jb_ku64(b, "flow_id", r->flow_id);
	if (id != NULL && id->in_iface != NULL)	/* where Suricata puts it */
		jb_kstr(b, "in_iface", id->in_iface);
	jb_mem(b, type, typelen);
	/* Suricata prints ports only for port-carrying protocols; ICMP gets
	 * icmp_type/icmp_code after proto instead. */
	jb_kstr(b, "src_ip", r->src_ip);
	if (r->proto == 6 || r->proto == 17)
		jb_ku64(b, "src_port", r->src_port);
	jb_kstr(b, "dest_ip", r->dest_ip);
	if (r->proto == 6 || r->proto == 17)
		jb_ku64(b, "dest_port", r->dest_port);
	/* a name of ours or digits: nothing to escape */
	proto = proto_name(r->proto, pbuf, sizeof(pbuf));
	jb_keyq(b, "proto");
	jb_mem(b, proto, strlen(proto));
	jb_putc(b, '"');
	if (r->has_icmp) {
		jb_ku64(b, "icmp_type", r->icmp_type);
		jb_ku64(b, "icmp_code", r->icmp_code);
	}
	if (r->community_id[0] != '\0')	/* where Suricata puts it */
		jb_kstr(b, "community_id", r->community_id);
	jb_vlan(b, r);
}

/*
 * The head of an alert without a flow (missing): no flow_id, only what
 * was expected and never seen -- the host's address when it has one (the
 * source for an `out` rule, f->host_is_src; the destination otherwise),
 * the rule's first port and its protocol.  A feed's scan summary adds its
 * source (src_ip, NULL otherwise).
 */
static void
jb_head_noflow(struct jbuf *b, const struct finding *f, const char *src_ip)
{
	char pbuf[8];

	jb_lit(b, "{\"timestamp\":");
	jb_time(b, f->ts_usec);
	jb_kstr(b, "event_type", "alert");
	if (src_ip == NULL && f->host_is_src && f->host_ip != NULL && f->host_ip[0] != '\0')
		src_ip = f->host_ip;
	if (src_ip != NULL)
		jb_kstr(b, "src_ip", src_ip);
	if (!f->host_is_src && f->host_ip != NULL && f->host_ip[0] != '\0')
		jb_kstr(b, "dest_ip", f->host_ip);
	if (f->port != 0)
		jb_ku64(b, "dest_port", f->port);
	if (f->proto != 0)
		jb_kstr(b, "proto", proto_name(f->proto, pbuf, sizeof(pbuf)));
}

/*
 * "tunnel":{"src_ip","src_port","dest_ip","dest_port","proto","depth",
 * "pkt_src"}: the outermost tunnel the alert's packet came through, as
 * Suricata names it (its outer addresses: the mirroring device and the
 * collector; the outer UDP ports of VXLAN and Geneve, 0 for GRE, which
 * has none; "proto" the outer IP protocol; "pkt_src" where that outer
 * packet came from, which for conformd is always the capture:
 * "wire/pcap"); nothing when the alert's packet came through none.  The
 * kind of tunnel is conformd's own fact: conformance.tunnel_type.
 */
static void
jb_tunnel(struct jbuf *b, const struct rec_tunnel *t)
{
	char src[REC_ADDR_LEN], dst[REC_ADDR_LEN];
	const char *type = rec_tunnel_format(t, src, dst, sizeof(src));

	if (type == NULL)
		return;
	jb_key(b, "tunnel");
	jb_lit(b, "{\"src_ip\":");
	jb_str(b, src);
	jb_ku64(b, "src_port", t->sport);
	jb_kstr(b, "dest_ip", dst);
	jb_ku64(b, "dest_port", t->dport);
	jb_kstr(b, "proto", t->type == PKT_TUN_VXLAN || t->type == PKT_TUN_GENEVE ?
	    "UDP" : "GRE");
	jb_ku64(b, "depth", t->depth);
	jb_kstr(b, "pkt_src", "wire/pcap");
	jb_putc(b, '}');
}

/* "rule":"T1R3" or "rule":null */
static void
jb_rule(struct jbuf *b, const char *rule_id)
{
	jb_key(b, "rule");
	if (rule_id != NULL)
		jb_str(b, rule_id);
	else
		jb_lit(b, "null");
}

/*
 * Format a flow event (no newline) into buf; returns the length the whole
 * line needs, and stores at most len - 1 bytes plus a NUL.  Any thread.
 */
size_t
eve_format_flow(char *buf, size_t len, const struct eve_ident *id,
    const struct flow_record *r)
{
	static const char type[] = ",\"event_type\":\"flow\"";
	char first[48], last[48];
	const char *verdict = verdict_name(r->verdict);
	size_t nfirst;
	struct jbuf b;

	jb_init(&b, buf, len);
	nfirst = jb_timefmt(r->first_usec, first);	/* timestamp and start */
	jb_head(&b, id, r, first, nfirst, type, sizeof(type) - 1);

	jb_lit(&b, ",\"flow\":{\"pkts_toserver\":");
	jb_u64(&b, r->pkts_toserver);
	jb_ku64(&b, "pkts_toclient", r->pkts_toclient);
	jb_ku64(&b, "bytes_toserver", r->bytes_toserver);
	jb_ku64(&b, "bytes_toclient", r->bytes_toclient);
	jb_key(&b, "start");
	jb_mem(&b, first, nfirst);
	jb_key(&b, "end");
	jb_mem(&b, last, jb_timefmt(r->last_usec, last));
	jb_kstr(&b, "state", r->state);
	jb_kstr(&b, "reason", r->end);

	/* the verdict's name is ours: nothing to escape.  Zeek's connection
	 * state and the guessed initiator are ours too, not Suricata's. */
	jb_lit(&b, "},\"conformance\":{\"verdict\":\"");
	jb_mem(&b, verdict, strlen(verdict));
	jb_putc(&b, '"');
	jb_kstr(&b, "conn_state", r->conn_state);
	if (r->midstream)
		jb_lit(&b, ",\"midstream\":true");
	jb_rule(&b, r->rule_id);
	if (r->rule_id != NULL) {
		jb_key(&b, "table");
		jb_int(&b, r->rule_table);
		jb_key(&b, "row");
		jb_int(&b, r->rule_row);
	}
	if (r->rule_service != NULL)
		jb_kstr(&b, "service", r->rule_service);
	jb_kstr(&b, "src_role", r->src_role);
	jb_kstr(&b, "dest_role", r->dest_role);
	if (r->src_host != NULL)
		jb_kstr(&b, "src_host", r->src_host);
	if (r->dest_host != NULL)
		jb_kstr(&b, "dest_host", r->dest_host);
	if (r->failure[0] != '\0')
		jb_kstr(&b, "failure", r->failure);
	jb_putc(&b, '}');
	jb_end(&b, id);
	return jb_finish(&b);
}

/*
 * Format an alert event (no newline) into buf, as eve_format_flow().  The
 * timestamp is f->ts_usec, or else the flow's start.  A finding without a
 * flow (missing) has no flow_id, source or roles; its dest_ip, dest_port
 * and proto are the host's address (when it has one), the rule's port and
 * protocol (when set).  "conformance" carries the kind as "verdict", the
 * rule (f->rule_id, else the flow's, else null), and "evidence" and
 * "host" when set; a scan (FINDING_SCAN) its figures as "scan":{"probes",
 * "ports","answered","hosts","start","end","window"}.  Any thread.
 */
size_t
eve_format_alert(char *buf, size_t len, const struct eve_ident *id, const struct finding *f)
{
	return eve_format_alert_feed(buf, len, id, f, NULL);
}

/*
 * An alert event for the alert feeds: eve_format_alert() plus what only a
 * feed carries (x may be NULL: then the same bytes as eve_format_alert()).
 * x->suppressed > 0 adds "suppressed":N to "conformance"; x->verdict
 * replaces the kind's name; x->src_ip gives a flowless alert its source;
 * x->scan adds "scan":{"findings","hosts","ports","window"}.  Any thread.
 */
size_t
eve_format_alert_feed(char *buf, size_t len, const struct eve_ident *id,
    const struct finding *f, const struct eve_alert_extra *x)
{
	const struct flow_record *r = f->flow;
	const char *rule = f->rule_id;
	struct jbuf b;

	jb_init(&b, buf, len);
	if (r != NULL) {
		static const char type[] = ",\"event_type\":\"alert\"";
		char ts[48];

		jb_head(&b, id, r, ts, jb_timefmt(f->ts_usec != 0 ? f->ts_usec :
		    r->first_usec, ts), type, sizeof(type) - 1);
	} else
		jb_head_noflow(&b, f, x != NULL ? x->src_ip : NULL);
	jb_tunnel(&b, &f->tunnel);

	jb_key(&b, "alert");
	jb_lit(&b, "{\"action\":\"allowed\"");
	jb_ku64(&b, "signature_id", (uint64_t)(EVE_SID_BASE + f->kind));
	jb_lit(&b, ",\"rev\":1");
	jb_kstr(&b, "signature", f->signature);
	jb_kstr(&b, "category", f->category);
	jb_key(&b, "severity");
	jb_int(&b, f->severity);
	jb_putc(&b, '}');

	if (rule == NULL && r != NULL)
		rule = r->rule_id;
	jb_key(&b, "conformance");
	jb_lit(&b, "{\"verdict\":");
	jb_str(&b, x != NULL && x->verdict != NULL ? x->verdict : finding_kind_name(f->kind));
	jb_rule(&b, rule);
	if (f->rule_cite != NULL)
		jb_kstr(&b, "source", f->rule_cite);
	else if (f->rule_id == NULL && r != NULL && r->rule_cite != NULL)
		jb_kstr(&b, "source", r->rule_cite);
	if (f->evidence != NULL)
		jb_kstr(&b, "evidence", f->evidence);
	if (f->host != NULL)
		jb_kstr(&b, "host", f->host);
	if (r != NULL) {
		jb_kstr(&b, "src_role", r->src_role);
		jb_kstr(&b, "dest_role", r->dest_role);
		if (r->src_host != NULL)
			jb_kstr(&b, "src_host", r->src_host);
		if (r->dest_host != NULL)
			jb_kstr(&b, "dest_host", r->dest_host);
	}
	if (f->tunnel.depth != 0) {
		char src[REC_ADDR_LEN], dst[REC_ADDR_LEN];

		jb_kstr(&b, "tunnel_type", rec_tunnel_format(&f->tunnel, src, dst,
		    sizeof(src)));
	}
	if (f->kind == FINDING_SCAN && (x == NULL || !x->scan)) {
		/* the classifier's scan (scan.h): the probes folded into it */
		char t[48];

		jb_key(&b, "scan");
		jb_lit(&b, "{\"probes\":");
		jb_u64(&b, f->scan.probes);
		jb_ku64(&b, "ports", f->scan.ports);
		jb_ku64(&b, "answered", f->scan.answered);
		jb_ku64(&b, "hosts", f->scan.hosts);
		if (f->scan.hosts_more)
			jb_lit(&b, ",\"hosts_more\":true");
		jb_key(&b, "start");
		jb_mem(&b, t, jb_timefmt(f->scan.first_usec, t));
		jb_key(&b, "end");
		jb_mem(&b, t, jb_timefmt(f->scan.last_usec, t));
		jb_ku64(&b, "window", f->scan.window);
		jb_putc(&b, '}');
	}
	if (x != NULL && x->suppressed > 0)
		jb_ku64(&b, "suppressed", x->suppressed);
	if (x != NULL && x->scan) {
		jb_key(&b, "scan");
		jb_lit(&b, "{\"findings\":");
		jb_u64(&b, x->scan_findings);
		jb_ku64(&b, "hosts", x->scan_hosts);
		jb_ku64(&b, "ports", x->scan_ports);
		jb_ku64(&b, "window", x->scan_window);
		jb_putc(&b, '}');
	}
	jb_putc(&b, '}');
	jb_end(&b, id);
	return jb_finish(&b);
}

/*
 * Remove a partial last line (no newline at its end) from the file open
 * on fd, left by a process killed while writing: cut back to the last
 * newline (or to nothing), and say so.  A file that is not regular, or
 * empty, or whole, is left as it is.  0, or -1 with errno.
 */
static int
eve_repair_tail(int fd, const char *path)
{
	char chunk[EVE_TAIL_CHUNK];
	struct stat sb;
	off_t end, pos;
	ssize_t n;

	if (fstat(fd, &sb) == -1)
		return -1;
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0)
		return 0;
	end = sb.st_size;
	for (pos = end; pos > 0; ) {
		size_t want = pos > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)pos;

		if ((n = pread(fd, chunk, want, pos - (off_t)want)) != (ssize_t)want)
			return n == -1 ? -1 : (errno = EIO, -1);
		if (pos == end && chunk[want - 1] == '\n')
			return 0;	/* whole */
		for (size_t i = want; i > 0; i--)
			if (chunk[i - 1] == '\n') {
				pos = pos - (off_t)want + (off_t)i;
				goto found;
			}
		pos -= (off_t)want;
	}
found:
	if (ftruncate(fd, pos) == -1)
		return -1;
	log_warnx("%s: removed a partial last line of %lld bytes (a write cut short by a "
	    "crash or a full disk); every line before it is whole", path,
	    (long long)(end - pos));
	return 0;
}

/* Open path for appending, never through a symbolic link, and repair its
 * tail.  A regular file (or a new one) is opened for reading too, to read
 * its tail back; anything else (a FIFO, a device) for writing only, as
 * before.  The descriptor, or -1 with errno. */
static int
eve_open_fd(const char *path)
{
	const int flags = O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
	struct stat sb;
	int fd = -1, rw;

	rw = lstat(path, &sb) == -1 || S_ISREG(sb.st_mode);
	if (rw)
		fd = open(path, O_RDWR | flags, 0640);
	if (fd == -1 && (!rw || errno == EACCES))	/* a write-only file: no repair */
		fd = open(path, O_WRONLY | flags, 0640);
	if (fd == -1)
		return -1;
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR && eve_repair_tail(fd, path) == -1)
		log_warnx("%s: cannot check its last line: %s", path, strerror(errno));
	return fd;
}

/*
 * Open `path` for appending ("-": standard output).  A file is created
 * with mode 0640 and never followed through a symbolic link; a partial
 * last line a crash left in it is removed first (logged).  Returns the
 * writer, or NULL with "path: reason" in err.  The caller owns the writer
 * and closes it with eve_close().
 */
struct eve *
eve_open(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	struct eve *e;

	if ((e = calloc(1, sizeof(*e))) == NULL || (e->path = strdup(path)) == NULL ||
	    (e->buf = malloc(EVE_FILE_BUF)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (e != NULL) {
			free(e->path);
			free(e);
		}
		return NULL;
	}
	outage_init(&e->out, "EVE");
	if (strcmp(path, "-") == 0) {
		e->fd = STDOUT_FILENO;
		e->is_stdout = 1;
		return e;
	}
	if ((e->fd = eve_open_fd(path)) == -1) {
		if (errno == ELOOP)	/* O_NOFOLLOW on a symbolic link */
			snprintf(err, errlen, "%s: is a symbolic link: not followed", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(e->buf);
		free(e->path);
		free(e);
		return NULL;
	}
	e->regular = fstat(e->fd, &sb) == 0 && S_ISREG(sb.st_mode);
	return e;
}

int
eve_set_ident(struct eve *e, const struct eve_ident *id)
{
	char *host = NULL, *iface = NULL;

	if ((id->host != NULL && (host = strdup(id->host)) == NULL) ||
	    (id->in_iface != NULL && (iface = strdup(id->in_iface)) == NULL)) {
		free(host);
		return -1;
	}
	free((char *)e->id.host);
	free((char *)e->id.in_iface);
	e->id.host = host;
	e->id.in_iface = iface;
	return 0;
}

/*
 * Hand the lines gathered in e->buf to write(2).  What does not go (disk
 * full, I/O error) is lost and counted, and a line written only in part
 * is cut back off the file, so the file holds whole lines only.  Returns
 * 0, or -1 when lines were lost (errno set).
 */
static int
eve_drain(struct eve *e)
{
	size_t off = 0, keep;
	uint64_t written;
	struct stat sb;
	ssize_t n;
	int saved;
	char why[512];

	while (off < e->used) {
		n = write(e->fd, e->buf + off, e->used - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ENOSPC;
		break;
	}
	if (off == e->used) {
		e->used = 0;
		e->nlines = 0;
		outage_ok(&e->out, e->is_stdout ? "(standard output)" : e->path);
		return 0;
	}
	saved = errno;
	/* the whole lines of what went out stay; a part-line is cut back */
	for (keep = off; keep > 0 && e->buf[keep - 1] != '\n'; keep--)
		;
	written = 0;
	for (size_t i = 0; i < keep; i++)
		written += e->buf[i] == '\n';
	if (keep < off && e->regular && fstat(e->fd, &sb) == 0 &&
	    ftruncate(e->fd, sb.st_size - (off_t)(off - keep)) == -1)
		log_warnx("%s: cannot cut back a partial line: %s", e->path, strerror(errno));
	atomic_fetch_add_explicit(&e->lost, e->nlines - written, memory_order_relaxed);
	snprintf(why, sizeof(why), "%s: %s", e->is_stdout ? "(standard output)" : e->path,
	    strerror(saved));
	outage_fail(&e->out, e->nlines - written, why);
	e->used = 0;
	e->nlines = 0;
	errno = saved;
	return -1;
}

/*
 * Reopen the file by its path (after log rotation moved it away; SIGHUP):
 * what is gathered goes to the old file, later events to the new one.
 * Standard output is only written out.  On failure the old file stays in
 * use and -1 is returned with errno set.  The writer's owner thread only.
 */
int
eve_reopen(struct eve *e)
{
	struct stat sb;
	int fd;

	if (e->used > 0)
		(void)eve_drain(e);	/* lost lines are counted there */
	if (e->is_stdout)
		return 0;
	if ((fd = eve_open_fd(e->path)) == -1)
		return -1;
	(void)close(e->fd);
	e->fd = fd;
	e->regular = fstat(e->fd, &sb) == 0 && S_ISREG(sb.st_mode);
	return 0;
}

/* Add the line just formatted into e->line (`need` bytes) and a newline
 * to the lines waiting; written out when the buffer is full. */
static int
eve_write(struct eve *e, size_t need)
{
	int rv = 0;

	/* An event that does not fit would be a broken JSON line: drop it. */
	if (need >= sizeof(e->line)) {
		atomic_fetch_add_explicit(&e->lost, 1, memory_order_relaxed);
		errno = EMSGSIZE;
		return -1;
	}
	if (need + 1 > EVE_FILE_BUF - e->used)
		rv = eve_drain(e);
	e->line[need] = '\n';
	memcpy(e->buf + e->used, e->line, need + 1);
	e->used += need + 1;
	e->nlines++;
	return rv;
}

/*
 * Write one flow event.  Returns 0, or -1 when lines were lost: a write
 * error (errno set; counted in eve_lost(), the writer stays usable) or an
 * event longer than 8 KiB (dropped, counted).  The writer's owner thread
 * only.
 */
int
eve_flow(struct eve *e, const struct flow_record *r)
{
	return eve_write(e, eve_format_flow(e->line, sizeof(e->line), &e->id, r));
}

/* Write one alert event; as eve_flow(). */
int
eve_alert(struct eve *e, const struct finding *f)
{
	return eve_write(e, eve_format_alert(e->line, sizeof(e->line), &e->id, f));
}

/*
 * Counters as Suricata's stats event names them ("uptime",
 * "capture.kernel_packets", ...), from conformd's counter names, in the
 * order written (the members of a group consecutive).  Every counter is
 * also written under conformd's own name in "conformance":{"stats":...}.
 */
static const struct {
	const char	*name;		/* conformd's counter */
	const char	*group;		/* Suricata's group, NULL: top level */
	const char	*key;		/* Suricata's name */
} eve_stats_map[] = {
	{ "uptime", NULL, "uptime" },
	{ "capture.kernel_recv", "capture", "kernel_packets" },
	{ "capture.kernel_drops", "capture", "kernel_drops" },
	{ "capture.if_drops", "capture", "kernel_ifdrops" },
	{ "classifier.packets", "decoder", "pkts" },
	{ "classifier.malformed", "decoder", "invalid" },
	{ "findings.total", "detect", "alert" },
	{ NULL, NULL, NULL }
};

/*
 * Counters as nested objects, "a.b" -> "a":{"b":N}; the members of an
 * object without braces around them.
 */
static void
jb_counters(struct jbuf *b, const char *const *names, const uint64_t *values, int n)
{
	char group[64] = "";

	for (int i = 0; i < n; i++) {
		const char *dot = strchr(names[i], '.');
		size_t gl = dot != NULL ? (size_t)(dot - names[i]) : 0;
		int same = dot != NULL && gl < sizeof(group) && strlen(group) == gl &&
		    strncmp(group, names[i], gl) == 0;

		if (group[0] != '\0' && !same) {
			jb_putc(b, '}');
			group[0] = '\0';
		}
		if (i > 0)
			jb_putc(b, ',');
		if (dot != NULL && gl < sizeof(group) && !same) {
			/* "capture.received" -> "capture":{"received":N */
			memcpy(group, names[i], gl);
			group[gl] = '\0';
			jb_str(b, group);
			jb_lit(b, ":{");
		}
		jb_str(b, dot != NULL && gl < sizeof(group) ? dot + 1 : names[i]);
		jb_putc(b, ':');
		jb_u64(b, values[i]);
	}
	if (group[0] != '\0')
		jb_putc(b, '}');
}

/* Suricata's part of the stats: the counters of eve_stats_map that
 * names[] has. */
static void
jb_stats_suricata(struct jbuf *b, const char *const *names, const uint64_t *values, int n)
{
	const char *open = NULL;	/* the group open now */
	int first = 1;

	for (int m = 0; eve_stats_map[m].name != NULL; m++) {
		const char *g = eve_stats_map[m].group;
		int i;

		for (i = 0; i < n; i++)
			if (strcmp(names[i], eve_stats_map[m].name) == 0)
				break;
		if (i == n)
			continue;
		if (open != NULL && (g == NULL || strcmp(open, g) != 0)) {
			jb_putc(b, '}');
			open = NULL;
		}
		if (!first)
			jb_putc(b, ',');
		first = 0;
		if (g != NULL && open == NULL) {
			jb_str(b, g);
			jb_lit(b, ":{");
			open = g;
		}
		jb_str(b, eve_stats_map[m].key);
		jb_putc(b, ':');
		jb_u64(b, values[i]);
	}
	if (open != NULL)
		jb_putc(b, '}');
}

size_t
eve_format_stats(char *buf, size_t len, const struct eve_ident *id, uint64_t ts_usec,
    const char *const *names, const uint64_t *values, int n)
{
	struct jbuf b;

	jb_init(&b, buf, len);
	jb_lit(&b, "{\"timestamp\":");
	jb_time(&b, ts_usec);
	jb_lit(&b, ",\"event_type\":\"stats\",\"stats\":{");
	jb_stats_suricata(&b, names, values, n);
	jb_lit(&b, "},\"conformance\":{\"stats\":{");
	jb_counters(&b, names, values, n);
	jb_lit(&b, "}}");
	jb_end(&b, id);
	return jb_finish(&b);
}

int
eve_stats(struct eve *e, uint64_t ts_usec, const char *const *names, const uint64_t *values,
    int n)
{
	int rv = eve_write(e, eve_format_stats(e->line, sizeof(e->line), &e->id, ts_usec, names,
	    values, n));

	if (eve_drain(e) == -1)
		rv = -1;
	return rv;
}

/* Write out the lines gathered.  Returns 0 or -1 (lines lost, counted;
 * errno set). */
int
eve_flush(struct eve *e)
{
	return e->used > 0 ? eve_drain(e) : 0;
}

/* Lines lost so far: not written (a write error) or too long.  Any
 * thread (a relaxed read: a recent count). */
uint64_t
eve_lost(const struct eve *e)
{
	return atomic_load_explicit(&((struct eve *)e)->lost, memory_order_relaxed);
}

/* Write out and close (standard output is only written out).  NULL is a
 * no-op. */
void
eve_close(struct eve *e)
{
	if (e == NULL)
		return;
	(void)eve_flush(e);
	if (!e->is_stdout)
		(void)close(e->fd);
	free(e->buf);
	free(e->path);
	free((char *)e->id.host);
	free((char *)e->id.in_iface);
	free(e);
}
