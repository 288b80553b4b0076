/*
 * alert.c - a finding flattened into the fields every alert format
 * carries (struct alert), the severity scales of the formats, the
 * sender's hostname, and the EVE JSON of an alert feed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conformd/alert.h"
#include "conformd/eve.h"
#include "alert-text.h"

void
alert_from_finding(struct alert *a, const struct finding *f, uint64_t count)
{
	const struct flow_record *r = f->flow;

	memset(a, 0, sizeof(*a));
	a->kind = f->kind;
	a->kind_name = finding_kind_name(f->kind);
	a->severity = f->severity;
	a->ts_usec = f->ts_usec;
	a->signature = f->signature;
	a->rule = f->rule_id;
	a->evidence = f->evidence;
	a->host = f->host;
	a->count = count;
	a->finding = f;
	a->tunnel_type = rec_tunnel_format(&f->tunnel, a->tunnel_src, a->tunnel_dst,
	    sizeof(a->tunnel_src));
	if (f->kind == FINDING_SCAN) {
		/* the classifier's scan: its probes are the findings it folds */
		a->scan_findings = f->scan.probes;
		a->scan_hosts = f->scan.hosts;
		a->scan_ports = f->scan.ports;
		a->scan_window = f->scan.window;
		a->scan_answered = f->scan.answered;
		a->has_answered = 1;
	}
	if (r != NULL) {
		if (a->ts_usec == 0)
			a->ts_usec = r->first_usec;
		if (a->rule == NULL)
			a->rule = r->rule_id;
		a->src = r->src_ip;
		a->dst = r->dest_ip;
		a->proto = r->proto;
		if (r->proto == 6 || r->proto == 17) {
			a->spt = r->src_port;
			a->dpt = r->dest_port;
		}
		a->src_role = r->src_role;
		a->dest_role = r->dest_role;
	} else {
		/* missing: what was expected and never seen; the host is
		 * the source of an `out` rule's connections */
		if (f->host_ip != NULL && f->host_ip[0] != '\0') {
			if (f->host_is_src)
				a->src = f->host_ip;
			else
				a->dst = f->host_ip;
		}
		a->dpt = f->port;
		a->proto = f->proto;
	}
}

void
alert_from_scan(struct alert *a, struct alert_scan_buf *sb, const struct finding *f,
    uint64_t findings, uint64_t hosts, uint64_t ports, uint32_t window)
{
	const struct flow_record *r = f->flow;

	snprintf(sb->sig, sizeof(sb->sig), "conformd scan from %s: %" PRIu64
	    " unexpected findings within %u s (%" PRIu64 " hosts, %" PRIu64 " ports)",
	    r->src_ip, findings, window, hosts, ports);
	memset(&sb->f, 0, sizeof(sb->f));
	sb->f.kind = ALERT_KIND_SCAN;
	sb->f.severity = f->severity;
	sb->f.signature = sb->sig;
	sb->f.category = "Detection of a Network Scan";	/* Suricata's network-scan class */
	sb->f.ts_usec = f->ts_usec != 0 ? f->ts_usec : r->first_usec;
	memset(a, 0, sizeof(*a));
	a->kind = ALERT_KIND_SCAN;
	a->kind_name = "scan";
	a->severity = f->severity;
	a->ts_usec = sb->f.ts_usec;
	a->signature = sb->sig;
	a->src = r->src_ip;
	a->src_role = r->src_role;
	a->finding = &sb->f;
	a->scan_findings = findings;
	a->scan_hosts = hosts;
	a->scan_ports = ports;
	a->scan_window = window;
	a->feed_scan = 1;
}

uint32_t
alert_sid(int kind)
{
	return (uint32_t)(ALERT_SID_BASE + kind);
}

int
alert_syslog_severity(int severity)
{
	switch (severity) {
	case 1:		return 3;	/* err */
	case 2:		return 4;	/* warning */
	default:	return 5;	/* notice */
	}
}

/* ArcSight: 0-3 low, 4-6 medium, 7-8 high, 9-10 very high; QRadar's
 * sev is 1..10 alike. */
int
alert_ten_severity(int severity)
{
	switch (severity) {
	case 1:		return 8;
	case 2:		return 5;
	default:	return 3;
	}
}

size_t
alert_format_eve(char *buf, size_t max, const struct alert_env *env, const struct alert *a)
{
	struct eve_alert_extra x;
	struct eve_ident id = { NULL, NULL };
	size_t n;

	if (env != NULL) {
		id.host = env->hostname;
		id.in_iface = env->in_iface;
	}
	memset(&x, 0, sizeof(x));
	x.suppressed = a->count;
	if (a->kind == ALERT_KIND_SCAN && a->feed_scan) {	/* the classifier's: eve.c */
		x.verdict = a->kind_name;
		x.src_ip = a->src;
		x.scan = 1;
		x.scan_findings = a->scan_findings;
		x.scan_hosts = a->scan_hosts;
		x.scan_ports = a->scan_ports;
		x.scan_window = a->scan_window;
	}
	n = eve_format_alert_feed(buf, max + 1, &id, a->finding, &x);
	return n <= max ? n : 0;	/* a cut JSON is no JSON */
}

static size_t
alert_escape(char *buf, size_t max, const char *s, int *cut, abuf_esc_fn esc)
{
	struct abuf b;

	abuf_init(&b, buf, max);
	(void)abuf_esc(&b, s, esc);
	*cut = b.cut;
	return b.len;
}

size_t
alert_escape_sd_value(char *buf, size_t max, const char *s, int *cut)
{
	return alert_escape(buf, max, s, cut, esc_sd_value);
}

size_t
alert_escape_cef_header(char *buf, size_t max, const char *s, int *cut)
{
	return alert_escape(buf, max, s, cut, esc_cef_header);
}

size_t
alert_escape_cef_value(char *buf, size_t max, const char *s, int *cut)
{
	return alert_escape(buf, max, s, cut, esc_cef_value);
}

size_t
alert_escape_leef_value(char *buf, size_t max, const char *s, int *cut)
{
	return alert_escape(buf, max, s, cut, esc_leef_value);
}
