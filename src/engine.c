/*
 * engine.c - the classifier: decode, account, track, judge, record.
 *
 * Per packet: decode into the engine's one struct pkt (no allocation),
 * count, look the flow up.  A flow is judged once, when it is created: the
 * verdict and rule are cached on it, so every later packet costs one
 * lookup and a few counter updates (the fast path).  An unexpected flow
 * raises its finding at once; every flow becomes a record for the outputs
 * when it leaves the table, and expected flows add to the coverage of
 * (host, rule).
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/decode.h"
#include "conformd/engine.h"
#include "conformd/flow.h"
#include "conformd/inventory.h"
#include "conformd/log.h"
#include "conformd/record.h"
#include "conformd/rules.h"

#define EXPIRE_EVERY_USEC	1000000ULL	/* run timeouts once per second of capture time */
#define TOP_MAX			64

struct coverage_cell {
	uint64_t	flows;
	uint64_t	bytes;
	uint64_t	first_usec;
	uint64_t	last_usec;
};

struct engine {
	const struct config	*cfg;
	const struct policy	*pol;
	const struct ruleset	*rs;
	const struct inventory	*inv;
	struct store		*st;
	struct eve		*ev;
	struct flow_table	*ft;
	struct pkt		 pkt;
	uint64_t		 next_expire;
	uint64_t		 first_usec, last_usec;
	struct engine_counters	 c;
	/* coverage[host * nrules + rule] */
	struct coverage_cell	*coverage;
	int			 ntop;
	int			 top_max;
	struct flow_record	 top[TOP_MAX];	/* most active unexpected flows */
	int			 store_failed;	/* logged once */
	int			 eve_failed;
};

/* --- records ---------------------------------------------------------------- */

static void
engine_record(struct engine *e, const struct flow *f, int end, struct flow_record *r)
{
	int ini = f->ini, resp = !f->ini;
	int h;
	uint64_t roles;

	memset(r, 0, sizeof(*r));
	r->flow_id = f->id;
	r->first_usec = f->first_usec;
	r->last_usec = f->last_usec;
	addr_format(f->key.addr[ini], f->key.family, r->src_ip, sizeof(r->src_ip));
	addr_format(f->key.addr[resp], f->key.family, r->dest_ip, sizeof(r->dest_ip));
	r->src_port = f->key.port[ini];
	r->dest_port = f->key.port[resp];
	r->proto = f->key.proto;
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
	r->end = end >= 0 ? flow_end_name(end) : NULL;
	r->verdict = f->verdict;
	if (f->rule != RULE_NONE && f->rule < e->rs->nrules) {
		const struct rule *ru = &e->rs->rules[f->rule];
		r->rule_id = ru->id;
		r->rule_table = ru->table;
		r->rule_row = ru->row;
		r->rule_service = ru->service;
	}
	roles = policy_roles(e->pol, f->key.addr[ini], &h);
	rules_format_roles(e->rs, roles, r->src_role, sizeof(r->src_role));
	r->src_host = h >= 0 ? e->inv->hosts[h].name : NULL;
	roles = policy_roles(e->pol, f->key.addr[resp], &h);
	rules_format_roles(e->rs, roles, r->dest_role, sizeof(r->dest_role));
	r->dest_host = h >= 0 ? e->inv->hosts[h].name : NULL;
}

static void
engine_output_failed(struct engine *e, int is_store)
{
	e->c.output_errors++;
	if (is_store && !e->store_failed) {
		e->store_failed = 1;
		log_warnx("database write failed (logged once, counted): %s", store_error(e->st));
	} else if (!is_store && !e->eve_failed) {
		e->eve_failed = 1;
		log_warnx("EVE write failed (logged once, counted)");
	}
}

/* The role a signature names for an address: its first role that is not
 * implied (front-end rather than all-servers), "unknown" outside the inventory. */
static const char *
engine_primary_role(const struct engine *e, const uint8_t *addr)
{
	int h;
	uint64_t roles = policy_roles(e->pol, addr, &h);

	for (; roles != 0; roles &= roles - 1) {
		int r = __builtin_ctzll(roles);
		if (!e->rs->roles[r].implied)
			return e->rs->roles[r].name;
	}
	return "unknown";
}

static void
engine_raise(struct engine *e, int kind, const struct flow *f, const struct flow_record *r)
{
	struct finding fd;
	char sig[256], pbuf[16];

	snprintf(sig, sizeof(sig), "conformd %s %s/%u %s -> %s",
	    finding_kind_name(kind), proto_name(r->proto, pbuf, sizeof(pbuf)),
	    r->dest_port, engine_primary_role(e, f->key.addr[f->ini]),
	    engine_primary_role(e, f->key.addr[!f->ini]));
	memset(&fd, 0, sizeof(fd));
	fd.kind = kind;
	fd.severity = 2;
	fd.signature = sig;
	fd.category = "Policy Violation";
	fd.flow = r;
	if (kind >= 0 && kind < 5)
		e->c.findings[kind]++;
	if (e->st != NULL && store_finding(e->st, &fd) == -1)
		engine_output_failed(e, 1);
	if (e->ev != NULL && eve_alert(e->ev, &fd) == -1)
		engine_output_failed(e, 0);
}

/* Keep the TOP most active unexpected flows for the summary. */
static void
engine_top(struct engine *e, const struct flow_record *r)
{
	uint64_t w = r->pkts_toserver + r->pkts_toclient;
	int i;

	if (e->top_max == 0)
		return;
	if (e->ntop == e->top_max &&
	    w <= e->top[e->ntop - 1].pkts_toserver + e->top[e->ntop - 1].pkts_toclient)
		return;
	if (e->ntop < e->top_max)
		e->ntop++;
	for (i = e->ntop - 1; i > 0; i--) {
		const struct flow_record *q = &e->top[i - 1];
		if (q->pkts_toserver + q->pkts_toclient >= w)
			break;
		e->top[i] = e->top[i - 1];
	}
	e->top[i] = *r;
}

static void
engine_coverage(struct engine *e, const struct flow *f)
{
	const struct rule *ru;
	struct coverage_cell *cell;
	int h, side;

	if (e->coverage == NULL || f->rule == RULE_NONE || f->rule >= e->rs->nrules)
		return;
	ru = &e->rs->rules[f->rule];
	/* An `in` rule covers the responder (it listens); an `out` rule the initiator. */
	side = ru->dir == RULE_OUT ? f->ini : !f->ini;
	(void)policy_roles(e->pol, f->key.addr[side], &h);
	if (h < 0)
		return;
	cell = &e->coverage[(size_t)h * (size_t)e->rs->nrules + f->rule];
	if (cell->flows == 0 || f->first_usec < cell->first_usec)
		cell->first_usec = f->first_usec;
	if (f->last_usec > cell->last_usec)
		cell->last_usec = f->last_usec;
	cell->flows++;
	cell->bytes += f->bytes[0] + f->bytes[1];
}

/* flow_emit_fn: a flow leaves the table. */
static void
engine_flow_end(void *arg, const struct flow *f, int end)
{
	struct engine *e = arg;
	struct flow_record r;

	if (f->verdict < 4)
		e->c.flows_by_verdict[f->verdict]++;
	engine_coverage(e, f);
	if (e->st == NULL && e->ev == NULL && f->verdict != VERDICT_UNEXPECTED)
		return;		/* nothing will read the record */
	engine_record(e, f, end, &r);
	if (f->verdict == VERDICT_UNEXPECTED)
		engine_top(e, &r);
	if (e->st != NULL && store_flow(e->st, &r) == -1)
		engine_output_failed(e, 1);
	if (e->ev != NULL && eve_flow(e->ev, &r) == -1)
		engine_output_failed(e, 0);
}

/* --- classification ------------------------------------------------------------ */

/*
 * Mid-stream TCP: the responder is the side whose port an `in` rule of
 * its roles lists; failing that the side with the lower port; failing
 * that the receiver of the first packet (conformd.conf(5)).
 */
static void
engine_midstream(struct engine *e, struct flow *f)
{
	int ini = f->ini, resp = !f->ini;
	uint8_t pr = f->key.proto;

	if (policy_listens(e->pol, f->key.addr[resp], pr, f->key.port[resp]))
		return;
	if (policy_listens(e->pol, f->key.addr[ini], pr, f->key.port[ini])) {
		flow_set_initiator(f, resp);
		return;
	}
	if (f->key.port[ini] < f->key.port[resp])
		flow_set_initiator(f, resp);
}

static void
engine_classify(struct engine *e, struct flow *f)
{
	struct flow_tuple t;
	int rule;

	if (f->flags & FLOW_F_MIDSTREAM)
		engine_midstream(e, f);
	t.family = f->key.family;
	t.proto = f->key.proto;
	t.ini_addr = f->key.addr[f->ini];
	t.resp_addr = f->key.addr[!f->ini];
	t.ini_port = f->key.port[f->ini];
	t.resp_port = f->key.port[!f->ini];
	f->verdict = (uint8_t)policy_classify(e->pol, &t, &rule);
	f->rule = (uint16_t)rule;
	if (f->verdict == VERDICT_UNEXPECTED) {
		struct flow_record r;
		engine_record(e, f, -1, &r);
		engine_raise(e, FINDING_UNEXPECTED, f, &r);
	}
}

/* --- public ------------------------------------------------------------------- */

struct engine *
engine_new(const struct config *cfg, const struct policy *pol, struct store *st, struct eve *ev)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct flow_config fc;

	if (e == NULL)
		return NULL;
	e->cfg = cfg;
	e->pol = pol;
	e->rs = policy_ruleset(pol);
	e->inv = policy_inventory(pol);
	e->st = st;
	e->ev = ev;
	e->top_max = cfg->summary_top < TOP_MAX ? cfg->summary_top : TOP_MAX;
	if (e->top_max < 0)
		e->top_max = 0;
	memset(&fc, 0, sizeof(fc));
	fc.max_flows = cfg->max_flows;
	fc.use_vlan = cfg->flow_vlan;
	fc.tmo_tcp_syn = cfg->tmo_tcp_syn;
	fc.tmo_tcp_est = cfg->tmo_tcp_est;
	fc.tmo_tcp_closed = cfg->tmo_tcp_closed;
	fc.tmo_udp = cfg->tmo_udp;
	fc.tmo_other = cfg->tmo_other;
	e->ft = flow_table_new(&fc, engine_flow_end, e);
	if (e->inv->nhosts > 0 && e->rs->nrules > 0)
		e->coverage = calloc((size_t)e->inv->nhosts * (size_t)e->rs->nrules,
		    sizeof(*e->coverage));
	if (e->ft == NULL || (e->inv->nhosts > 0 && e->rs->nrules > 0 && e->coverage == NULL)) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	flow_table_free(e->ft);
	free(e->coverage);
	free(e);
}

void
engine_frame(struct engine *e, int linktype, const uint8_t *buf, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_usec, uint64_t num)
{
	struct pkt *p = &e->pkt;
	struct flow *f;
	int rv, dir, created;

	rv = decode_packet(p, linktype, buf, caplen, wirelen);
	p->num = num;
	p->ts_usec = ts_usec;
	e->c.packets++;
	e->c.bytes += wirelen;
	if (e->c.packets == 1 || ts_usec < e->first_usec)
		e->first_usec = ts_usec;
	if (ts_usec > e->last_usec)
		e->last_usec = ts_usec;
	if (p->event < DEV_MAX)
		e->c.events[p->event]++;
	switch (rv) {
	case DECODE_OK:
		break;
	case DECODE_UNSUPPORTED:
		if (p->event == DEV_NON_IP)
			e->c.non_ip++;
		else
			e->c.unsupported++;
		return;
	default:
		e->c.malformed++;
		return;
	}
	if (p->family == 4)
		e->c.ipv4++;
	else if (p->family == 6)
		e->c.ipv6++;
	switch (p->ip_proto) {
	case IPPROTO_NUM_TCP:
		e->c.tcp++;
		break;
	case IPPROTO_NUM_UDP:
		e->c.udp++;
		break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		e->c.icmp++;
		break;
	default:
		e->c.other_ip++;
		break;
	}
	if (ts_usec >= e->next_expire) {
		flow_expire(e->ft, ts_usec);
		e->next_expire = ts_usec + EXPIRE_EVERY_USEC;
	}
	f = flow_packet(e->ft, p, &dir, &created);
	if (f != NULL && created)
		engine_classify(e, f);
}

void
engine_finish(struct engine *e)
{
	const struct flow_stats *fs;

	flow_flush(e->ft);
	if (e->st != NULL && e->coverage != NULL) {
		for (int h = 0; h < e->inv->nhosts; h++)
			for (int r = 0; r < e->rs->nrules; r++) {
				const struct coverage_cell *c =
				    &e->coverage[(size_t)h * (size_t)e->rs->nrules + r];
				if (c->flows == 0)
					continue;
				if (store_coverage(e->st, e->inv->hosts[h].name,
				    e->rs->rules[r].id, c->flows, c->bytes,
				    c->first_usec, c->last_usec) == -1)
					engine_output_failed(e, 1);
			}
	}
	if (e->st != NULL) {
		const struct engine_counters *c = &e->c;
		struct { const char *name; uint64_t v; } kv[] = {
			{ "packets", c->packets }, { "bytes", c->bytes },
			{ "ipv4", c->ipv4 }, { "ipv6", c->ipv6 }, { "tcp", c->tcp },
			{ "udp", c->udp }, { "icmp", c->icmp }, { "other_ip", c->other_ip },
			{ "non_ip", c->non_ip }, { "malformed", c->malformed },
			{ "unsupported", c->unsupported },
			{ "output_errors", c->output_errors },
			{ NULL, 0 }
		};
		char name[64];

		fs = flow_table_stats(e->ft);
		for (int i = 0; kv[i].name != NULL; i++)
			(void)store_counter(e->st, kv[i].name, kv[i].v);
		for (unsigned ev = 1; ev < DEV_MAX; ev++)
			if (c->events[ev] != 0) {
				snprintf(name, sizeof(name), "decode.%s", decode_event_name(ev));
				(void)store_counter(e->st, name, c->events[ev]);
			}
		(void)store_counter(e->st, "flows.created", fs->created);
		(void)store_counter(e->st, "flows.expired", fs->expired);
		(void)store_counter(e->st, "flows.evicted", fs->evicted);
		(void)store_counter(e->st, "flows.flushed", fs->flushed);
		(void)store_counter(e->st, "flows.peak", fs->peak);
		(void)store_counter(e->st, "frags.tied", fs->frags_tied);
		(void)store_counter(e->st, "frags.orphan", fs->frags_orphan);
		for (int v = 1; v < 4; v++) {
			snprintf(name, sizeof(name), "flows.%s", verdict_name(v));
			(void)store_counter(e->st, name, c->flows_by_verdict[v]);
		}
		for (int k = FINDING_UNEXPECTED; k <= FINDING_PROTOCOL_MISMATCH; k++) {
			snprintf(name, sizeof(name), "findings.%s", finding_kind_name(k));
			(void)store_counter(e->st, name, c->findings[k]);
		}
	}
}

const struct engine_counters *
engine_counters(const struct engine *e)
{
	return &e->c;
}

uint64_t
engine_findings(const struct engine *e)
{
	uint64_t n = 0;

	for (int k = 0; k < 5; k++)
		n += e->c.findings[k];
	return n;
}

void
engine_summary(const struct engine *e, FILE *out)
{
	const struct engine_counters *c = &e->c;
	const struct flow_stats *fs = flow_table_stats(e->ft);
	char pbuf[16];

	fprintf(out, "packets: %llu (%llu bytes); ipv4 %llu, ipv6 %llu; tcp %llu, udp %llu, icmp %llu, other %llu\n",
	    (unsigned long long)c->packets, (unsigned long long)c->bytes,
	    (unsigned long long)c->ipv4, (unsigned long long)c->ipv6,
	    (unsigned long long)c->tcp, (unsigned long long)c->udp,
	    (unsigned long long)c->icmp, (unsigned long long)c->other_ip);
	fprintf(out, "not tracked: %llu not IP, %llu malformed, %llu unsupported link, %llu orphan fragments\n",
	    (unsigned long long)c->non_ip, (unsigned long long)c->malformed,
	    (unsigned long long)c->unsupported, (unsigned long long)fs->frags_orphan);
	for (unsigned ev = 1; ev < DEV_MAX; ev++)
		if (c->events[ev] != 0)
			fprintf(out, "  decode %s: %llu\n", decode_event_name(ev),
			    (unsigned long long)c->events[ev]);
	fprintf(out, "flows: %llu (expected %llu, unexpected %llu, unmonitored %llu); evicted %llu, peak %llu\n",
	    (unsigned long long)fs->created,
	    (unsigned long long)c->flows_by_verdict[VERDICT_EXPECTED],
	    (unsigned long long)c->flows_by_verdict[VERDICT_UNEXPECTED],
	    (unsigned long long)c->flows_by_verdict[VERDICT_UNMONITORED],
	    (unsigned long long)fs->evicted, (unsigned long long)fs->peak);
	fprintf(out, "findings: %llu (unexpected %llu, blocked %llu, missing %llu, protocol_mismatch %llu)\n",
	    (unsigned long long)engine_findings(e),
	    (unsigned long long)c->findings[FINDING_UNEXPECTED],
	    (unsigned long long)c->findings[FINDING_BLOCKED],
	    (unsigned long long)c->findings[FINDING_MISSING],
	    (unsigned long long)c->findings[FINDING_PROTOCOL_MISMATCH]);
	if (c->output_errors != 0)
		fprintf(out, "output errors: %llu records not written\n",
		    (unsigned long long)c->output_errors);
	if (e->ntop > 0)
		fprintf(out, "top unexpected flows (inventory hosts, ? = not in the inventory):\n");
	for (int i = 0; i < e->ntop; i++) {
		const struct flow_record *r = &e->top[i];
		int v6 = strchr(r->src_ip, ':') != NULL;
		fprintf(out, "  %s %s%s%s:%u -> %s%s%s:%u  %llu pkts %llu bytes  %s -> %s\n",
		    proto_name(r->proto, pbuf, sizeof(pbuf)),
		    v6 ? "[" : "", r->src_ip, v6 ? "]" : "", r->src_port,
		    v6 ? "[" : "", r->dest_ip, v6 ? "]" : "", r->dest_port,
		    (unsigned long long)(r->pkts_toserver + r->pkts_toclient),
		    (unsigned long long)(r->bytes_toserver + r->bytes_toclient),
		    r->src_host ? r->src_host : "?", r->dest_host ? r->dest_host : "?");
	}
}
