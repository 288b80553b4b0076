/*
 * record-text.c - binary records made text (record-text.h), by the writer
 * that writes them.  The wording is the one conformd has always written:
 * the goldens, the alert feeds' tests and the report tests hold it.
 */
#include <stdio.h>
#include <string.h>

#include "conformd/community-id.h"
#include "conformd/flow.h"
#include "conformd/inventory.h"
#include "conformd/policy.h"
#include "conformd/record-text.h"
#include "conformd/rules.h"

#define MISSING_EV_LEN	160	/* a missing finding's evidence with its lost count */

const char *
record_fail_text(int fail, const struct flow *f, char *buf, size_t len)
{
	char from[REC_ADDR_LEN];
	int v6;

	if (len == 0)
		return NULL;
	buf[0] = '\0';
	switch (fail) {
	case REC_FAIL_ICMP:
		v6 = f->key.proto == IPPROTO_NUM_ICMPV6 || f->key.family == 6;
		addr_format(f->icmp_from, f->key.family, from, sizeof(from));
		snprintf(buf, len, "ICMP%s %u/%u (%s) from %s", v6 ? "v6" : "",
		    f->icmp_type, f->icmp_code,
		    icmp_unreach_name(v6 ? IPPROTO_NUM_ICMPV6 : IPPROTO_NUM_ICMP,
		    f->icmp_type, f->icmp_code), from);
		return buf;
	case REC_FAIL_RST:
		snprintf(buf, len, "SYN answered by RST (%u SYN%s)", f->syns,
		    f->syns == 1 ? "" : "s");
		return buf;
	case REC_FAIL_NO_ANSWER:
		snprintf(buf, len, "no answer to %u SYN%s", f->syns, f->syns == 1 ? "" : "s");
		return buf;
	case REC_FAIL_CLIENT_RST:
		snprintf(buf, len, "no answer to %u SYN%s, then reset by the client",
		    f->syns, f->syns == 1 ? "" : "s");
		return buf;
	case REC_FAIL_UDP: {
		uint64_t n = f->pkts[f->ini & 1];

		snprintf(buf, len, "%llu datagram%s, no answer", (unsigned long long)n,
		    n == 1 ? "" : "s");
		return buf;
	}
	default:
		return NULL;
	}
}

/* Does flow f's ICMP evidence name an unreachable (the classifier records
 * no other message)? */
static int
icmp_fail_ok(const struct flow *f)
{
	int v6 = f->key.proto == IPPROTO_NUM_ICMPV6 || f->key.family == 6;

	return icmp_unreach_name(v6 ? IPPROTO_NUM_ICMPV6 : IPPROTO_NUM_ICMP, f->icmp_type,
	    f->icmp_code) != NULL;
}

int
record_flow_valid(const struct rec_flow *b)
{
	const struct flow *f = &b->f;
	const struct inventory *inv;

	if (b->pol == NULL || (f->key.family != 4 && f->key.family != 6) || f->ini > 1 ||
	    f->verdict > VERDICT_UNMONITORED || b->fail >= REC_FAIL_MAX ||
	    (b->end > FLOW_END_FLUSH && b->end != REC_END_NONE) ||
	    (b->fail == REC_FAIL_ICMP && !icmp_fail_ok(f)))
		return -1;
	if (f->rule != RULE_NONE && b->rule_rs != NULL && f->rule >= b->rule_rs->nrules)
		return -1;
	/* roles beyond the ruleset's are never named (rules_format_roles()),
	 * hosts are looked up */
	inv = policy_inventory(b->pol);
	for (int side = 0; side < 2; side++)
		if (f->host[side] < -1 || f->host[side] >= inv->nhosts)
			return -1;
	return 0;
}

/* The role a signature names for a side with `roles`: its first role that
 * is not implied (front-end rather than all-servers), "unknown" outside
 * the inventory. */
static const char *
primary_role(const struct ruleset *rs, uint64_t roles)
{
	for (; roles != 0; roles &= roles - 1) {
		int r = __builtin_ctzll(roles);

		if (r < rs->nroles && !rs->roles[r].implied)
			return rs->roles[r].name;
	}
	return "unknown";
}

int
record_text_flow(const struct rec_flow *b, const struct rec_text_opts *o,
    struct flow_record *r)
{
	const struct flow *f = &b->f;
	const struct ruleset *rs;
	const struct inventory *inv;
	int ini, resp, h;

	if (record_flow_valid(b) == -1)
		return -1;
	rs = policy_ruleset(b->pol);
	inv = policy_inventory(b->pol);
	ini = f->ini;
	resp = !ini;
	r->flow_id = f->id;
	r->first_usec = f->first_usec;
	r->last_usec = f->last_usec;
	addr_format(f->key.addr[ini], f->key.family, r->src_ip, sizeof(r->src_ip));
	addr_format(f->key.addr[resp], f->key.family, r->dest_ip, sizeof(r->dest_ip));
	r->src_port = f->key.port[ini];
	r->dest_port = f->key.port[resp];
	r->proto = f->key.proto;
	r->has_icmp = 0;
	r->icmp_type = r->icmp_code = 0;
	if (f->key.proto == IPPROTO_NUM_ICMP || f->key.proto == IPPROTO_NUM_ICMPV6) {
		r->has_icmp = 1;
		r->icmp_type = f->icmp_first[0];
		r->icmp_code = f->icmp_first[1];
	}
	r->community_id[0] = '\0';
	if (o != NULL && o->community_id)	/* ICMP: type and code stand for the ports */
		(void)community_id(o->community_seed, f->key.family,
		    f->key.addr[ini], f->key.addr[resp], f->key.proto,
		    r->has_icmp ? r->icmp_type : r->src_port,
		    r->has_icmp ? r->icmp_code : r->dest_port, r->community_id);
	r->vlan[0] = f->key.vlan[0];
	r->vlan[1] = f->key.vlan[1];
	r->pkts_toserver = f->pkts[ini];
	r->pkts_toclient = f->pkts[resp];
	r->bytes_toserver = f->bytes[ini];
	r->bytes_toclient = f->bytes[resp];
	r->frags = f->frags;
	r->state = conn_state_eve(f->state);
	r->conn_state = conn_state_name(f->state);
	r->midstream = (f->flags & FLOW_F_MIDSTREAM) != 0;
	r->tcp_flags_ts = f->key.proto == IPPROTO_NUM_TCP ? f->tcp_flags[ini] : 0;
	r->tcp_flags_tc = f->key.proto == IPPROTO_NUM_TCP ? f->tcp_flags[resp] : 0;
	r->end = b->end != REC_END_NONE ? flow_end_name(b->end) : NULL;
	r->verdict = f->verdict;
	r->rule_id = r->rule_service = r->rule_cite = NULL;
	r->rule_table = r->rule_row = 0;
	if (f->rule != RULE_NONE && b->rule_rs != NULL) {
		const struct rule *ru = &b->rule_rs->rules[f->rule];

		r->rule_id = ru->id;
		r->rule_table = ru->table;
		r->rule_row = ru->row;
		r->rule_service = ru->service;
		r->rule_cite = ru->cite;
	}
	rules_format_roles(rs, f->roles[ini], r->src_role, sizeof(r->src_role));
	h = f->host[ini];
	r->src_host = h >= 0 ? inv->hosts[h].name : NULL;
	rules_format_roles(rs, f->roles[resp], r->dest_role, sizeof(r->dest_role));
	h = f->host[resp];
	r->dest_host = h >= 0 ? inv->hosts[h].name : NULL;
	(void)record_fail_text(b->fail, f, r->failure, sizeof(r->failure));
	return 0;
}

int
record_finding_valid(const struct rec_finding *b)
{
	if (b->kind < FINDING_UNEXPECTED || b->kind > FINDING_SCAN ||
	    b->evidence >= REC_EV_MAX || b->fail >= REC_FAIL_MAX ||
	    memchr(b->text, '\0', sizeof(b->text)) == NULL)
		return -1;
	if (b->kind == FINDING_MISSING) {
		const struct inventory *inv;

		if (b->pol == NULL || b->has_flow ||
		    (b->evidence != REC_EV_NOT_SEEN && b->evidence != REC_EV_UNOBSERVED) ||
		    (b->family != 0 && b->family != 4 && b->family != 6))
			return -1;
		inv = policy_inventory(b->pol);
		if (b->host < 0 || b->host >= inv->nhosts || b->rule < -1 ||
		    b->rule >= policy_ruleset(b->pol)->nrules ||
		    (b->rule == -1) != (b->evidence == REC_EV_UNOBSERVED))
			return -1;
		return 0;
	}
	if (!b->has_flow || record_flow_valid(&b->flow) == -1)
		return -1;
	switch (b->kind) {
	case FINDING_UNEXPECTED:
		return b->evidence == REC_EV_NONE ? 0 : -1;
	case FINDING_BLOCKED:
		return b->evidence == REC_EV_FAIL && b->fail != REC_FAIL_NONE &&
		    (b->fail != REC_FAIL_ICMP || icmp_fail_ok(&b->flow.f)) ? 0 : -1;
	case FINDING_SCAN:
		return b->evidence == REC_EV_SCAN && strchr(b->text, REC_SCAN_SEP) != NULL ? 0 : -1;
	default:
		return b->evidence == REC_EV_SERVER_FIRST || b->evidence == REC_EV_CLEARTEXT ||
		    b->evidence == REC_EV_ROW_SAYS ? 0 : -1;
	}
}

/* A finding about a flow: the classifier's wording. */
static void
text_flow_finding(const struct rec_finding *b, struct finding *f, struct finding_text *t)
{
	const struct flow_record *r = &t->flow;
	const struct ruleset *rs = policy_ruleset(b->flow.pol);
	const struct flow *fl = &b->flow.f;
	const char *ev = NULL;
	char pbuf[16], want[64];

	switch (b->evidence) {
	case REC_EV_FAIL:
		ev = record_fail_text(b->fail, fl, t->evidence, sizeof(t->evidence));
		break;
	case REC_EV_SERVER_FIRST:
		snprintf(t->evidence, sizeof(t->evidence), "server spoke first: %.95s on %u", b->text, b->port);
		ev = t->evidence;
		break;
	case REC_EV_CLEARTEXT:
		snprintf(t->evidence, sizeof(t->evidence), "%.95s in cleartext on %u", b->text, b->port);
		ev = t->evidence;
		break;
	case REC_EV_ROW_SAYS:
		rules_format_apps(b->apps, want, sizeof(want));
		snprintf(t->evidence, sizeof(t->evidence), "%.95s on %u where the row says %s", b->text,
		    b->port, want);
		ev = t->evidence;
		break;
	default:
		break;
	}
	if (b->kind == FINDING_UNEXPECTED)
		snprintf(t->signature, sizeof(t->signature), "conformd unexpected %s/%u %s -> %s",
		    proto_name(r->proto, pbuf, sizeof(pbuf)), r->dest_port,
		    primary_role(rs, fl->roles[fl->ini]), primary_role(rs, fl->roles[!fl->ini]));
	else
		snprintf(t->signature, sizeof(t->signature), "conformd %s %s/%u %s (%s): %.255s",
		    finding_kind_name(b->kind), proto_name(r->proto, pbuf, sizeof(pbuf)),
		    r->dest_port, primary_role(rs, fl->roles[!fl->ini]),
		    r->rule_id ? r->rule_id : "-", ev != NULL ? ev : "");
	f->flow = r;
	f->rule_id = r->rule_id;
	f->rule_cite = r->rule_cite;
	f->evidence = ev;
}

void
record_scan_text(const char *answered, const char *ports, char *buf, size_t len)
{
	size_t na = strlen(answered), np = strlen(ports), avail, ka, kp;
	int cuta = 0, cutp = 0;

	if (len == 0)
		return;
	if (len < 16) {
		buf[0] = '\0';		/* no room for either list: refused as a scan */
		return;
	}
	avail = len - 2;	/* the separator and the NUL */
	ka = na;
	if (na + np > avail && na > avail / 2) {
		ka = avail / 2 - 3;	/* cut, "..." after it */
		cuta = 1;
	}
	kp = np;
	if (ka + (cuta ? 3 : 0) + np > avail) {
		kp = avail - ka - (cuta ? 3 : 0) - 3;
		cutp = 1;
	}
	snprintf(buf, len, "%.*s%s%c%.*s%s", (int)ka, answered, cuta ? "..." : "", REC_SCAN_SEP,
	    (int)kp, ports, cutp ? "..." : "");
}

/* A scan: the detector's wording (the figures and the two lists). */
static void
text_scan(const struct rec_finding *b, struct finding *f, struct finding_text *t)
{
	const struct flow_record *r = &t->flow;
	const struct rec_scan *g = &b->scan;
	const char *sep = strchr(b->text, REC_SCAN_SEP);
	char answered[REC_TEXT_LEN], target[REC_ADDR_LEN + 32];
	uint64_t span = g->last_usec > g->first_usec ? g->last_usec - g->first_usec : 0;

	snprintf(answered, sizeof(answered), "%.*s", (int)(sep - b->text), b->text);
	if (g->hosts == 1 && !g->hosts_more)
		snprintf(target, sizeof(target), "%s", r->dest_ip);
	else
		snprintf(target, sizeof(target), "%s%u hosts", g->hosts_more ? "at least " : "",
		    g->hosts);
	snprintf(t->signature, sizeof(t->signature),
	    "conformd scan from %s: %u port%s of %s, %u answered",
	    r->src_ip, g->ports, g->ports == 1 ? "" : "s", target, g->answered);
	snprintf(t->evidence, sizeof(t->evidence),
	    "%u probe%s in %llu.%01llu s; answered: %s; ports: %s",
	    g->probes, g->probes == 1 ? "" : "s", (unsigned long long)(span / 1000000u),
	    (unsigned long long)(span % 1000000u / 100000u),
	    answered[0] != '\0' ? answered : "none", sep + 1);
	f->flow = r;
	f->evidence = t->evidence;
	f->scan = *g;
}

/* A missing finding: the collector's wording. */
static void
text_missing(const struct rec_finding *b, struct finding *f, struct finding_text *t)
{
	const struct inventory *inv = policy_inventory(b->pol);
	const struct ruleset *rs = policy_ruleset(b->pol);
	const struct inv_host *host = &inv->hosts[b->host];
	char pbuf[16], ports[64], ids[320], ev[MISSING_EV_LEN];
	const char *evidence;

	t->host_ip[0] = '\0';
	if (b->family != 0)
		addr_format(b->addr, b->family, t->host_ip, sizeof(t->host_ip));
	f->host = host->name;
	f->host_ip = t->host_ip;
	if (b->rule < 0) {
		snprintf(t->signature, sizeof(t->signature), "conformd missing: host %s unobserved",
		    host->name);
		evidence = "unobserved: no traffic to or from this host";
	} else {
		const struct rule *r = &rs->rules[b->rule];

		rules_format_ports(r, ports, sizeof(ports));
		f->rule_id = r->id;
		f->rule_cite = r->cite;
		f->host_is_src = b->host_is_src;
		f->proto = b->proto;
		f->port = b->port;
		snprintf(ids, sizeof(ids), "%s%s%s", r->id, b->text[0] != '\0' ? ", " : "",
		    b->text);
		snprintf(t->signature, sizeof(t->signature), "conformd missing %s/%s %s %s (%s)",
		    proto_name(b->proto, pbuf, sizeof(pbuf)), ports,
		    r->dir == RULE_OUT ? "from" : "on", host->name, ids);
		evidence = "no successful flow seen";
	}
	if (b->lost > 0) {
		snprintf(ev, sizeof(ev), "%s (%llu coverage records lost in this window: "
		    "it may have been seen)", evidence, (unsigned long long)b->lost);
		evidence = t->evidence;
		memcpy(t->evidence, ev, sizeof(ev));
	}
	f->evidence = evidence;
}

int
record_text_finding(const struct rec_finding *b, const struct rec_text_opts *o,
    struct finding *f, struct finding_text *t)
{
	if (record_finding_valid(b) == -1)
		return -1;
	memset(f, 0, sizeof(*f));
	f->kind = b->kind;
	f->severity = b->severity;
	/* Suricata's classification names */
	f->category = b->kind == FINDING_SCAN ? "Detection of a Network Scan" : "Policy Violation";
	f->signature = t->signature;
	f->ts_usec = b->ts_usec;
	f->tunnel = b->tunnel;
	if (b->kind == FINDING_MISSING) {
		text_missing(b, f, t);
		return 0;
	}
	if (record_text_flow(&b->flow, o, &t->flow) == -1)
		return -1;
	if (b->kind == FINDING_SCAN)
		text_scan(b, f, t);
	else
		text_flow_finding(b, f, t);
	return 0;
}
