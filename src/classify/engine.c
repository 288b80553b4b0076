/*
 * engine.c - the classifier: decode, account, track, judge, record.
 *
 * Per packet: decode into the engine's one struct pkt (no allocation),
 * count, look the flow up.  A flow is judged once, when it is created: the
 * verdict, rule and allowed application protocols are cached on it, so
 * every later packet costs one lookup, a few counter updates and two flag
 * tests (the fast path).  An unexpected flow raises its finding at once;
 * a blocked attempt as soon as it is decided (RST, ICMP unreachable: at
 * once; no answer: when the answer timeout has passed, at the latest when
 * the flow ends); a protocol mismatch on the first payload segment.  Every
 * flow becomes a record when it leaves the table, and expected flows add
 * to the coverage of (host, rule), from which missing ports are found at
 * the end.
 *
 * Port scans (scan.h): a TCP connection attempt that was unexpected, or
 * failed, before any payload is a probe.  Its finding is held, not
 * raised at once: until its flow carries payload (a conversation: raised
 * then), ends, or answer-timeout after its first SYN (the time a blocked
 * attempt takes to be decided anyway); by then, if its source has probed
 * scan-threshold (destination, port) within the window, it is folded
 * into the source's scan instead -- no finding, no coverage -- and the
 * scan is one `scan` finding when it ends.  A held finding, once raised,
 * has the time and tunnel it would have had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/decode-fast.h"
#include "conformd/decode.h"
#include "conformd/engine.h"
#include "conformd/flow.h"
#include "conformd/inventory.h"
#include "conformd/record-text.h"
#include "conformd/record.h"
#include "conformd/ring.h"
#include "conformd/rules.h"
#include "app-detect.h"
#include "scan.h"

#define EXPIRE_EVERY_USEC	1000000ULL	/* run timeouts once per second of capture time */
#define ENGINE_BATCH		32		/* packets decoded and prefetched together (engine_frames) */
#define TOP_MAX			64
#define EVIDENCE_MAX		256
#define TOP_HOST_LEN		96	/* a top flow's host names, as the summary prints them */
#define JUDGE_SLOTS		1024	/* engine_judge() cache, a power of two */
#define ROLE_SLOTS		256	/* engine_roles() cache, a power of two */

/* One cached address lookup (engine_roles()). */
struct role_cache {
	uint8_t		addr[16];
	uint64_t	roles;
	int		host;
	uint32_t	gen1;		/* policy generation + 1; 0: empty */
};

/* One cached judgement (engine_judge()). */
struct judge {
	uint64_t	ri, ii;		/* roles of responder and initiator */
	uint32_t	gen1;		/* policy generation + 1; 0: empty */
	uint16_t	port;		/* responder's port */
	uint8_t		proto;
	uint8_t		verdict;
	int		rule;
	unsigned	apps;
};

/* Application protocols a TLS record satisfies, and cleartext ones. */
#define APPS_ENCRYPTED	(APP_TLS | APP_MTLS | APP_HTTPS | APP_PSOM)
#define APPS_CHECKED	(APPS_ENCRYPTED | APP_HTTP | APP_SIP | APP_STUN)
#define APPS_UNCHECKED	(APP_DCOM | APP_DHCP | APP_SQL)

struct engine {
	const struct config	*cfg;
	const struct policy	*pol;		/* the policy new flows are judged by */
	const struct ruleset	*rs;
	const struct inventory	*inv;
	uint32_t		 gen;		/* its generation */
	/* Every policy a flow in the table was judged by, oldest first, the
	 * current one last, with how many of its flows are in the table: a
	 * flow cites the rule of the policy that judged it however many
	 * reloads it lives through, and a policy no flow needs any more
	 * leaves the list (engine_min_gen()). */
	struct engine_gen {
		uint32_t	 gen;
		const struct policy *pol;
		uint64_t	 flows;
	}			*gens;
	int			 ngens, capgens;
	uint32_t		*released;	/* generations dropped from gens, not yet
						   taken by engine_released() */
	int			 nreleased, capreleased;
	struct engine_sink	 sink;
	struct flow_table	*ft;
	struct scan		*scan;		/* NULL: scan-threshold 0 */
	int			 use_vlan;	/* flow keys carry VLAN ids (cfg->flow_vlan) */
	int			 finished;
	struct pkt		 pkt;
	const struct pkt	*tunnelled;	/* the packet being judged, when it came
						   through a tunnel (its findings name it) */
	uint64_t		 next_expire;
	uint64_t		 now;		/* latest capture time seen */
	uint64_t		 answer_usec;
	struct engine_counters	 c;
	struct judge		 judge[JUDGE_SLOTS];
	struct role_cache	 rolec[ROLE_SLOTS];
	int			 ntop;
	int			 top_max;
	struct flow		 top[TOP_MAX];	/* most active unexpected flows, as they ended */
	/* their host names (initiator, responder), copied: the policy they
	 * point into may go */
	char			 top_host[TOP_MAX][2][TOP_HOST_LEN];
};

static int engine_fail(const struct engine *e, const struct flow *f, int final);

/* The entry of generation gen in e->gens (binary search), or NULL. */
static struct engine_gen *
engine_gen_find(const struct engine *e, uint32_t gen)
{
	int lo = 0, hi = e->ngens - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (e->gens[mid].gen == gen)
			return &e->gens[mid];
		if (e->gens[mid].gen < gen)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Drop the entries, the current one apart, that no flow needs; each goes
 * to the released list (engine_released()).  An entry that finds no room
 * there (out of memory) stays: kept alive, never freed early. */
static void
engine_gen_prune(struct engine *e)
{
	int k = 0;

	for (int i = 0; i < e->ngens; i++) {
		if (e->gens[i].flows == 0 && i != e->ngens - 1) {
			if (e->nreleased == e->capreleased) {
				int ncap = e->capreleased != 0 ? e->capreleased * 2 : 8;
				uint32_t *n = realloc(e->released, (size_t)ncap * sizeof(*n));

				if (n != NULL) {
					e->released = n;
					e->capreleased = ncap;
				}
			}
			if (e->nreleased < e->capreleased) {
				e->released[e->nreleased++] = e->gens[i].gen;
				continue;
			}
		}
		e->gens[k++] = e->gens[i];
	}
	e->ngens = k;
}

/*
 * The ruleset of the policy that judged flow f (a reload may have
 * replaced the current one since), NULL when it was not judged.
 */
static const struct ruleset *
engine_flow_rs(const struct engine *e, const struct flow *f)
{
	const struct engine_gen *g;

	if (f->policy_gen == e->gen)
		return e->rs;
	if ((g = engine_gen_find(e, f->policy_gen)) != NULL)
		return policy_ruleset(g->pol);
	return NULL;	/* not judged (cannot happen: engine_classify()) */
}

/* The rule that judged flow f, in the ruleset of the policy that judged
 * it; NULL when no rule allowed it. */
static const struct rule *
engine_flow_rule(const struct engine *e, const struct flow *f)
{
	const struct ruleset *rs;

	if (f->rule == RULE_NONE || (rs = engine_flow_rs(e, f)) == NULL)
		return NULL;
	return f->rule < rs->nrules ? &rs->rules[f->rule] : NULL;
}

/* --- records ---------------------------------------------------------------- */

/*
 * policy_roles() under the current policy behind a small direct-mapped
 * cache: the servers of a site are few and on nearly every flow, clients
 * are many.  Entries carry the policy generation (a reload empties it).
 */
static uint64_t
engine_roles(struct engine *e, const uint8_t addr[16], int *host)
{
	uint64_t h = flow_load64(addr) * 0x9e3779b97f4a7c15ULL ^
	    flow_load64(addr + 8) * 0xc2b2ae3d27d4eb4fULL;
	struct role_cache *c = &e->rolec[(h >> 32) & (ROLE_SLOTS - 1)];

	if (c->gen1 != e->gen + 1 || memcmp(c->addr, addr, 16) != 0) {
		c->roles = policy_roles(e->pol, addr, &c->host);
		memcpy(c->addr, addr, 16);
		c->gen1 = e->gen + 1;
	}
	*host = c->host;
	return c->roles;
}

/*
 * Roles and host of key side `side` of flow f under the current policy:
 * cached on the flow when it was judged (engine_classify()), looked up
 * again only for a flow judged by a policy a reload has since replaced.
 */
static uint64_t
engine_side_roles(struct engine *e, const struct flow *f, int side, int *host)
{
	if (f->policy_gen == e->gen && f->verdict != VERDICT_NONE) {
		*host = f->host[side];
		return f->roles[side];
	}
	return engine_roles(e, f->key.addr[side], host);
}



/*
 * Flow f as a binary record (record.h): the entry copied as it is, its
 * roles and hosts under the current policy, the ruleset its rule is of,
 * its end (REC_END_NONE while it stays) and why it failed so far.  No
 * text: the writers make theirs.
 */
static void
engine_rec_flow(struct engine *e, const struct flow *f, int end, struct rec_flow *b)
{
	int h;

	b->f = *f;
	for (int side = 0; side < 2; side++) {
		b->f.roles[side] = engine_side_roles(e, f, side, &h);
		b->f.host[side] = h;
	}
	b->pol = e->pol;
	b->rule_rs = f->rule != RULE_NONE ? engine_flow_rs(e, f) : NULL;
	b->end = end >= 0 ? (uint8_t)end : REC_END_NONE;
	b->fail = (uint8_t)engine_fail(e, f, end >= 0 && end != FLOW_END_FLUSH);
}

/* Hand a finding to the sink and count it. */
static void
engine_emit(struct engine *e, struct rec_finding *fd, const char *rule_id)
{
	fd->severity = (uint8_t)config_severity(e->cfg, fd->kind, rule_id);
	if (fd->ts_usec == 0)
		fd->ts_usec = e->now;
	if (fd->kind > 0 && fd->kind < FINDING_KINDS)
		e->c.findings[fd->kind]++;
	if (e->sink.finding != NULL)
		e->sink.finding(e->sink.arg, fd);
}

/* The tunnel of the packet being judged (none when it came through none). */
static void
engine_tunnel(const struct engine *e, struct rec_tunnel *t)
{
	const struct pkt *p = e->tunnelled;

	memset(t, 0, sizeof(*t));
	if (p == NULL)
		return;
	t->depth = p->tunnel_depth;
	t->type = p->tunnel[0];
	t->family = p->tunnel_family;
	memcpy(t->src, p->tunnel_src, sizeof(t->src));
	memcpy(t->dst, p->tunnel_dst, sizeof(t->dst));
	t->sport = p->tunnel_sport;
	t->dport = p->tunnel_dport;
}

/*
 * A finding about a flow at capture time ts, through tunnel `tun` (a
 * held finding is raised later, scan.h): unexpected, blocked (`fail`
 * says why) or protocol_mismatch (`ev`, with the payload's description
 * `desc`, the port and the row's apps).
 */
static void
engine_raise_at(struct engine *e, int kind, struct flow *f, int ev, int fail,
    const char *desc, unsigned apps, uint64_t ts, const struct rec_tunnel *tun)
{
	struct rec_finding fd;
	const struct rule *ru = engine_flow_rule(e, f);

	/* its record is written under `flow-log findings` */
	f->flags |= FLOW_F_FINDING;

	memset(&fd.scan, 0, sizeof(fd.scan));
	fd.kind = (uint8_t)kind;
	fd.evidence = (uint8_t)ev;
	fd.fail = (uint8_t)fail;
	fd.has_flow = 1;
	fd.proto = 0;
	fd.host_is_src = 0;
	fd.family = 0;
	fd.port = f->key.port[!f->ini];
	fd.apps = (uint16_t)apps;
	fd.host = fd.rule = -1;
	fd.lost = 0;
	fd.ts_usec = ts;
	fd.pol = e->pol;
	snprintf(fd.text, sizeof(fd.text), "%s", desc != NULL ? desc : "");
	engine_rec_flow(e, f, -1, &fd.flow);
	fd.tunnel = *tun;
	engine_emit(e, &fd, ru != NULL ? ru->id : NULL);
}

/* A finding about a flow, on the packet being judged. */
static void
engine_raise(struct engine *e, int kind, struct flow *f, int ev, int fail,
    const char *desc, unsigned apps)
{
	struct rec_tunnel t;

	engine_tunnel(e, &t);
	engine_raise_at(e, kind, f, ev, fail, desc, apps, e->now, &t);
}

/* Keep the TOP most active unexpected flows for the summary: the flows
 * as they ended (formatted only when the summary is printed). */
static void
engine_top(struct engine *e, const struct flow *f)
{
	uint64_t w = f->pkts[0] + f->pkts[1];
	int i, h;

	if (e->top_max == 0)
		return;
	if (e->ntop == e->top_max && w <= e->top[e->ntop - 1].pkts[0] + e->top[e->ntop - 1].pkts[1])
		return;
	if (e->ntop < e->top_max)
		e->ntop++;
	for (i = e->ntop - 1; i > 0; i--) {
		const struct flow *q = &e->top[i - 1];
		if (q->pkts[0] + q->pkts[1] >= w)
			break;
		e->top[i] = e->top[i - 1];
		memcpy(e->top_host[i], e->top_host[i - 1], sizeof(e->top_host[i]));
	}
	e->top[i] = *f;
	for (int k = 0; k < 2; k++) {
		(void)engine_side_roles(e, f, k == 0 ? f->ini : !f->ini, &h);
		snprintf(e->top_host[i][k], TOP_HOST_LEN, "%s", h >= 0 ? e->inv->hosts[h].name : "?");
	}
}

/* --- scans (scan.h) ----------------------------------------------------------- */

static int engine_fail(const struct engine *e, const struct flow *f, int final);

/* Could flow f be a scan's probe: TCP, begun with the initiator's SYN,
 * no payload either way so far? */
static int
engine_probe_shape(const struct flow *f)
{
	return f->key.proto == IPPROTO_NUM_TCP && !(f->flags & FLOW_F_MIDSTREAM) &&
	    f->syns > 0 && !(f->sflags & FLOW_S_PAYLOAD);
}

/* scan_record_fn: the record of a scan's first probe. */
static void
engine_scan_record(void *arg, const struct flow *f, struct rec_flow *r)
{
	engine_rec_flow(arg, f, -1, r);
}

/* Fold probe f into its source's scan: no finding, no coverage. */
static void
engine_fold(struct engine *e, struct flow *f)
{
	f->sflags |= FLOW_S_SCAN;
	scan_fold(e->scan, f, engine_scan_record, e);
}

/*
 * A held finding of f is decided: folded when f's source is scanning
 * (unless f became a conversation), raised otherwise, with the time and
 * tunnel it would have had at once.  An expected flow held its blocked
 * finding: its evidence is taken now (the attempt is decided).
 */
static void
engine_decide(struct engine *e, struct flow *f, const struct scan_held *h, int conversation)
{
	int fail;

	if (!conversation && scan_scanning(e->scan, f)) {
		engine_fold(e, f);
		return;
	}
	if (f->verdict == VERDICT_UNEXPECTED)
		engine_raise_at(e, FINDING_UNEXPECTED, f, REC_EV_NONE, REC_FAIL_NONE, NULL, 0,
		    h->ts_usec, &h->tunnel);
	else if (f->verdict == VERDICT_EXPECTED && !(f->flags & FLOW_F_BLOCKED) &&
	    (fail = engine_fail(e, f, 1)) != REC_FAIL_NONE) {
		f->flags |= FLOW_F_BLOCKED;
		engine_raise_at(e, FINDING_BLOCKED, f, REC_EV_FAIL, fail, NULL, 0, h->ts_usec,
		    &h->tunnel);
	}
}

/* scan_release_fn: a hold is due (or makes room). */
static void
engine_scan_release(void *arg, struct flow *f, const struct scan_held *h)
{
	engine_decide(arg, f, h, 0);
}

/* Hold f's finding, raised on the packet being judged, until answer-timeout
 * after f's first SYN at the latest. */
static void
engine_hold(struct engine *e, struct flow *f)
{
	struct scan_held h;

	h.ts_usec = e->now;
	engine_tunnel(e, &h.tunnel);
	scan_hold(e->scan, f, f->first_usec + e->answer_usec, &h, engine_scan_release, e);
}

/* f's held finding, taken back: its flow carries payload (conversation)
 * or ends. */
static void
engine_unhold(struct engine *e, struct flow *f, int conversation)
{
	struct scan_held h;

	if (scan_unhold(e->scan, f, &h))
		engine_decide(e, f, &h, conversation);
}

/* Count f, which has the shape of a probe, as one (once). */
static void
engine_probe(struct engine *e, struct flow *f)
{
	if (f->sflags & FLOW_S_PROBE)
		return;
	f->sflags |= FLOW_S_PROBE;
	(void)scan_probe(e->scan, f, e->now);
}

static void
engine_scan_sync(struct engine *e)
{
	const struct scan_stats *st;

	if (e->scan == NULL)
		return;
	st = scan_stats(e->scan);
	e->c.scans = st->scans;
	e->c.scan_probes = st->probes;
	e->c.scan_sources_evicted = st->sources_evicted;
	e->c.scan_holds_forced = st->holds_forced;
	e->c.scan_untracked = st->untracked;
}

/* scan_emit_fn: a scan ended; one finding, its text made by the writers
 * (record-text.c) from the figures and the two port lists. */
static void
engine_scan_emit(void *arg, const struct scan_report *r)
{
	struct engine *e = arg;
	struct rec_finding fd;
	int h;

	memset(&fd, 0, sizeof(fd));
	fd.kind = FINDING_SCAN;
	fd.evidence = REC_EV_SCAN;
	fd.has_flow = 1;
	fd.host = fd.rule = -1;
	fd.ts_usec = e->now;
	fd.pol = e->pol;
	fd.scan = r->fig;
	fd.flow = *r->rec;
	/* roles and hosts under the current policy, which outlives the record */
	fd.flow.pol = e->pol;
	for (int side = 0; side < 2; side++) {
		const uint8_t *a = side == fd.flow.f.ini ? r->src_addr : r->dst_addr;

		fd.flow.f.roles[side] = engine_roles(e, a, &h);
		fd.flow.f.host[side] = h;
	}
	record_scan_text(r->answered, r->ports, fd.text, sizeof(fd.text));
	engine_emit(e, &fd, NULL);
	engine_scan_sync(e);
}

/* The detector's timers: holds due, scans over. */
static void
engine_scan_timers(struct engine *e)
{
	if (e->scan == NULL)
		return;
	scan_due(e->scan, e->now, engine_scan_release, e);
	scan_end(e->scan, e->now, 0, engine_scan_emit, e);
	engine_scan_sync(e);
}

/* --- blocked ------------------------------------------------------------------ */

/* Why flow f failed (enum rec_fail), REC_FAIL_NONE when it did not (yet).
 * `final`: the flow is ending, so an unanswered attempt is decided
 * whatever the time. */
static int
engine_fail(const struct engine *e, const struct flow *f, int final)
{
	int decided = final || e->now >= f->first_usec + e->answer_usec;
	const struct rule *ru;

	if (f->flags & FLOW_F_ICMP_ERR)
		return REC_FAIL_ICMP;
	if (f->key.proto == IPPROTO_NUM_TCP) {
		if (f->state == CONN_REJECTED)
			return REC_FAIL_RST;
		if (f->state == CONN_ATTEMPTED && decided && !(f->flags & FLOW_F_MIDSTREAM))
			return REC_FAIL_NO_ANSWER;
		/* Zeek's RSTOS0: the client gave up with its own RST, never answered */
		if (f->state == CONN_CLOSED && f->syns > 0 && !(f->flags & FLOW_F_MIDSTREAM) &&
		    !(f->tcp_flags[!f->ini] & TCP_SYN))
			return REC_FAIL_CLIENT_RST;
		return REC_FAIL_NONE;
	}
	if (f->key.proto == IPPROTO_NUM_UDP && f->state == CONN_NEW && decided &&
	    (ru = engine_flow_rule(e, f)) != NULL && ru->reqresp)
		return REC_FAIL_UDP;
	return REC_FAIL_NONE;
}

/*
 * Raise `blocked` for an expected flow whose attempt failed, once.  A
 * failed attempt without payload is a probe (scan.h): decided before
 * answer-timeout after its first SYN (an RST, an ICMP unreachable), its
 * finding is held until then; folded when its source is scanning.
 */
static void
engine_check_blocked(struct engine *e, struct flow *f, int final)
{
	int fail;

	if (f->verdict != VERDICT_EXPECTED || (f->flags & FLOW_F_BLOCKED) || f->hold != 0 ||
	    (f->sflags & FLOW_S_SCAN))
		return;
	if ((fail = engine_fail(e, f, final)) == REC_FAIL_NONE)
		return;
	if (e->scan != NULL && engine_probe_shape(f)) {
		engine_probe(e, f);
		if (!final && e->now < f->first_usec + e->answer_usec) {
			engine_hold(e, f);
			return;
		}
		if (scan_scanning(e->scan, f)) {
			engine_fold(e, f);
			return;
		}
	}
	f->flags |= FLOW_F_BLOCKED;
	engine_raise(e, FINDING_BLOCKED, f, REC_EV_FAIL, fail, NULL, 0);
}

/* An ICMP error quoting a flow: record it on that flow, and raise blocked
 * when the flow was expected. */
static void
engine_icmp_error(struct engine *e, const struct pkt *p)
{
	struct flow *g;

	if (!p->inner.valid || icmp_unreach_name(p->ip_proto, p->icmp_type, p->icmp_code) == NULL)
		return;
	g = flow_lookup_inner(e->ft, &p->inner, p->vlan);
	if (g == NULL || (g->flags & FLOW_F_ICMP_ERR))
		return;
	/* It must quote the initiator's packet (not a reply bounced by the
	 * client), and count only while the attempt was never answered: an
	 * unreachable after a working exchange says nothing about the port. */
	if (memcmp(p->inner.src, g->key.addr[g->ini], 16) != 0 ||
	    p->inner.sport != g->key.port[g->ini])
		return;
	if (g->key.proto == IPPROTO_NUM_TCP ? g->state != CONN_ATTEMPTED : g->state != CONN_NEW)
		return;
	g->flags |= FLOW_F_ICMP_ERR;
	g->icmp_type = p->icmp_type;
	g->icmp_code = p->icmp_code;
	memcpy(g->icmp_from, p->src, 16);
	engine_check_blocked(e, g, 0);
}

/* --- protocol mismatch ------------------------------------------------------------ */

/*
 * The first payload segment of a flow whose rows name application
 * protocols: payload[0..len) as captured, `cut` when the snaplen cut the
 * segment short.
 */
static void
engine_check_app(struct engine *e, struct flow *f, const uint8_t *payload, uint32_t len,
    int cut, int dir)
{
	char desc[96];
	unsigned apps = f->apps;
	int seen, ok, ev;

	f->flags &= (uint8_t)~FLOW_F_CHECK_APP;
	seen = app_detect(payload, len, desc, sizeof(desc));
	/* Bytes the snaplen cut off might have been anything: what is left
	 * proves a mismatch only when it was recognised. */
	if (seen == SEEN_OTHER && cut)
		return;
	switch (seen) {
	case SEEN_SSLV2:	/* an SSLv2-format hello negotiates SSL/TLS: not cleartext */
	case SEEN_TLS:
		ok = (apps & APPS_ENCRYPTED) != 0;
		break;
	case SEEN_SIP:
		ok = (apps & APP_SIP) != 0;
		break;
	case SEEN_HTTP:
		ok = (apps & APP_HTTP) != 0;
		break;
	case SEEN_STUN:
		ok = (apps & APP_STUN) != 0;
		break;
	default:
		/* Unknown bytes only prove a mismatch where the row asks for
		 * TLS (or STUN) and nothing in cleartext we could have missed. */
		ok = (apps & (APP_HTTP | APP_SIP)) != 0;
		break;
	}
	if (ok)
		return;
	if (dir != f->ini)
		ev = REC_EV_SERVER_FIRST;
	else if ((apps & APPS_ENCRYPTED) && seen != SEEN_TLS)
		ev = REC_EV_CLEARTEXT;
	else
		ev = REC_EV_ROW_SAYS;
	engine_raise(e, FINDING_PROTOCOL_MISMATCH, f, ev, REC_FAIL_NONE, desc, apps);
}

/* --- flow end ---------------------------------------------------------------------- */

/* The tuple the policy judges, initiator first. */
static void
engine_tuple(const struct flow *f, struct flow_tuple *t)
{
	t->family = f->key.family;
	t->proto = f->key.proto;
	t->ini_addr = f->key.addr[f->ini];
	t->resp_addr = f->key.addr[!f->ini];
	t->ini_port = f->key.port[f->ini];
	t->resp_port = f->key.port[!f->ini];
}

/* flow_emit_fn: a flow leaves the table. */
static void
engine_flow_end(void *arg, const struct flow *cf, int end)
{
	struct engine *e = arg;
	struct flow *f = (struct flow *)cf;	/* ours: the table hands it over before reuse */
	struct rec_flow r;
	const struct rule *ru;
	int hi, hr;
	/* A flow that timed out or was evicted has had its chance to be
	 * answered; one flushed at the end of the capture only if the answer
	 * timeout has passed. */
	int final = end != FLOW_END_FLUSH;

	if (f->hold != 0)
		engine_unhold(e, f, 0);
	engine_check_blocked(e, f, final);
	/* an answered probe of a scan on an expected port proves nothing */
	if (e->scan != NULL && f->verdict == VERDICT_EXPECTED &&
	    !(f->sflags & FLOW_S_SCAN) && !(f->flags & FLOW_F_BLOCKED) &&
	    engine_probe_shape(f) && scan_scanning(e->scan, f))
		engine_fold(e, f);
	if (f->verdict < 4)
		e->c.flows_by_verdict[f->verdict]++;
	(void)engine_side_roles(e, f, f->ini, &hi);
	(void)engine_side_roles(e, f, !f->ini, &hr);
	if (e->sink.observe != NULL) {
		if (hi >= 0)
			e->sink.observe(e->sink.arg, hi);
		if (hr >= 0 && hr != hi)
			e->sink.observe(e->sink.arg, hr);
	}
	/* Coverage is judged against the current policy: a reload does not
	 * close the coverage window (pipeline-store.c), so an expected flow
	 * judged before it proves (or fails) the rules the current policy
	 * allows for its ends and port, as a flow judged now would.  A scan's probe
	 * proves nothing. */
	if (f->verdict == VERDICT_EXPECTED && f->rule != RULE_NONE && !(f->sflags & FLOW_S_SCAN) &&
	    (ru = engine_flow_rule(e, f)) != NULL) {
		int fail = engine_fail(e, f, final);
		/* an attempt still waiting for its answer proves nothing either way */
		int undecided = fail == REC_FAIL_NONE && (f->state == CONN_ATTEMPTED ||
		    (f->state == CONN_NEW && ru->reqresp));

		/* The flow proves (or fails) every rule that allows it, not
		 * only the first: 1434/UDP is both T1R1 and T1R38.  `in` rules
		 * are about the listener, `out` rules about the connecting side. */
		if (!undecided && e->sink.cover != NULL) {
			struct flow_tuple t;
			int rules[32], n, h;
			char ev[EVIDENCE_MAX];
			/* coverage keeps the first failure's evidence (coverage.h) */
			const char *why = record_fail_text(fail, f, ev, sizeof(ev));

			engine_tuple(f, &t);
			n = policy_allowed_rules_roles(e->pol, engine_side_roles(e, f, !f->ini, &h),
			    engine_side_roles(e, f, f->ini, &h), t.proto, t.resp_port, rules, 32);
			for (int i = 0; i < n && i < 32; i++)
				e->sink.cover(e->sink.arg,
				    e->rs->rules[rules[i]].dir == RULE_OUT ? hi : hr, rules[i],
				    why == NULL, f->bytes[0] + f->bytes[1], f->first_usec,
				    f->last_usec, why);
		}
	}
	if (f->verdict == VERDICT_UNEXPECTED)
		engine_top(e, f);
	/* flow-log: every flow, those that raised a finding, or none */
	if (e->sink.flow != NULL && (e->cfg->flow_log == FLOW_LOG_ALL ||
	    (e->cfg->flow_log == FLOW_LOG_FINDINGS && (f->flags & FLOW_F_FINDING)))) {
		engine_rec_flow(e, f, end, &r);
		e->sink.flow(e->sink.arg, &r);
	}
	/* after its last record: the policy that judged it may go now */
	if (f->flags & FLOW_F_JUDGED) {
		struct engine_gen *g = engine_gen_find(e, f->policy_gen);

		if (g != NULL && g->flows > 0 && --g->flows == 0 && g->gen != e->gen)
			engine_gen_prune(e);
	}
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

/*
 * The verdict, rule and allowed apps of tuple t, whose responder has roles
 * ri and initiator ii, under the current policy: policy_judge_roles() behind a small direct-mapped cache keyed by the
 * roles of both ends, the protocol and the responder's port (a site has
 * few such combinations; every new flow would otherwise scan the rules of
 * each of its roles).  Entries carry the policy generation, so a reload
 * empties the cache by itself.
 */
static int
engine_judge(struct engine *e, const struct flow_tuple *t, uint64_t ri, uint64_t ii,
    int *rule, unsigned *apps)
{
	struct judge *j;
	uint64_t h;

	h = (ri * 0x9e3779b97f4a7c15ULL) ^ (ii * 0xc2b2ae3d27d4eb4fULL) ^
	    (((uint64_t)t->proto << 16 | t->resp_port) * 0x165667b19e3779f9ULL);
	j = &e->judge[(h ^ (h >> 29)) & (JUDGE_SLOTS - 1)];
	if (j->gen1 != e->gen + 1 || j->ri != ri || j->ii != ii || j->proto != t->proto ||
	    j->port != t->resp_port) {
		j->verdict = (uint8_t)policy_judge_roles(e->pol, ri, ii, t->proto, t->resp_port,
		    &j->rule, &j->apps);
		j->ri = ri;
		j->ii = ii;
		j->proto = t->proto;
		j->port = t->resp_port;
		j->gen1 = e->gen + 1;
	}
	*rule = j->rule;
	*apps = j->apps;
	return j->verdict;
}

static void
engine_classify(struct engine *e, struct flow *f)
{
	struct flow_tuple t;
	unsigned apps;
	int rule;

	if (f->flags & FLOW_F_MIDSTREAM)
		engine_midstream(e, f);
	engine_tuple(f, &t);
	for (int side = 0; side < 2; side++) {
		int h;
		f->roles[side] = engine_roles(e, f->key.addr[side], &h);
		f->host[side] = h;
	}
	f->verdict = (uint8_t)engine_judge(e, &t, f->roles[!f->ini], f->roles[f->ini],
	    &rule, &apps);
	f->rule = (uint16_t)rule;
	f->policy_gen = e->gen;
	f->flags |= FLOW_F_JUDGED;
	e->gens[e->ngens - 1].flows++;	/* the current policy's: the last */
	if (f->verdict == VERDICT_EXPECTED) {
		/* Only a first segment seen from the start can be judged. */
		if ((apps & APPS_CHECKED) && !(apps & APPS_UNCHECKED) &&
		    !(f->flags & FLOW_F_MIDSTREAM)) {
			f->apps = (uint16_t)apps;
			f->flags |= FLOW_F_CHECK_APP;
		}
	} else if (f->verdict == VERDICT_UNEXPECTED) {
		if (e->scan != NULL && engine_probe_shape(f)) {
			engine_probe(e, f);
			engine_hold(e, f);
		} else
			engine_raise(e, FINDING_UNEXPECTED, f, REC_EV_NONE, REC_FAIL_NONE, NULL, 0);
	}
}

/* --- public ------------------------------------------------------------------- */

struct engine *
engine_new(const struct config *cfg, const struct policy *pol, const struct engine_sink *sink)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct flow_config fc;

	if (e == NULL)
		return NULL;
	e->cfg = cfg;
	e->pol = pol;
	e->rs = policy_ruleset(pol);
	e->inv = policy_inventory(pol);
	if (sink != NULL)
		e->sink = *sink;
	e->answer_usec = (uint64_t)cfg->answer_timeout * 1000000u;
	e->top_max = cfg->summary_top < TOP_MAX ? cfg->summary_top : TOP_MAX;
	if (e->top_max < 0)
		e->top_max = 0;
	memset(&fc, 0, sizeof(fc));
	fc.max_flows = cfg->max_flows;
	fc.use_vlan = cfg->flow_vlan;
	e->use_vlan = cfg->flow_vlan;
	/* An unanswered SYN is decided (blocked) after answer-timeout: let the
	 * flow expire then too, so that live capture raises it on time. */
	fc.tmo_tcp_syn = cfg->answer_timeout < cfg->tmo_tcp_syn ? cfg->answer_timeout :
	    cfg->tmo_tcp_syn;
	fc.tmo_tcp_est = cfg->tmo_tcp_est;
	fc.tmo_tcp_closed = cfg->tmo_tcp_closed;
	fc.tmo_udp = cfg->tmo_udp;
	fc.tmo_other = cfg->tmo_other;
	{
		int oom;

		e->scan = scan_new(cfg->scan_threshold, cfg->scan_window, &oom);
		if (oom) {
			engine_free(e);
			return NULL;
		}
	}
	e->gens = calloc(4, sizeof(*e->gens));
	e->capgens = 4;
	e->ngens = 1;
	e->ft = e->gens != NULL ? flow_table_new(&fc, engine_flow_end, e) : NULL;
	if (e->gens != NULL) {
		e->gens[0].gen = 0;
		e->gens[0].pol = pol;
	}
	if (e->ft == NULL) {
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
	scan_free(e->scan);
	free(e->gens);
	free(e->released);
	free(e);
}

/* Count a frame of `wirelen` bytes captured at ts_usec with decode event ev. */
static inline void
engine_count(struct engine *e, uint32_t wirelen, uint64_t ts_usec, unsigned ev)
{
	e->c.packets++;
	e->c.bytes += wirelen;
	if (ts_usec > e->now)
		e->now = ts_usec;
	if (ev < DEV_MAX)
		e->c.events[ev]++;
}

/*
 * After flow f (just `created`, or known) counted a packet from key side
 * dir carrying payload[0..len) (cut: the snaplen cut it): judge a new
 * flow, check the first payload against the row's protocols, decide a
 * failed attempt.  Rare cases: one flag test each on the fast path.
 */
static inline void
engine_judge_packet(struct engine *e, struct flow *f, int created, int dir,
    const uint8_t *payload, uint32_t len, int cut)
{
	if (created)
		engine_classify(e, f);
	if (len > 0 && !(f->sflags & FLOW_S_PAYLOAD)) {
		f->sflags |= FLOW_S_PAYLOAD;
		if (f->hold != 0)	/* a conversation, not a probe */
			engine_unhold(e, f, 1);
	}
	if ((f->flags & FLOW_F_CHECK_APP) && len > 0)
		engine_check_app(e, f, payload, len, cut, dir);
	if (f->state == CONN_REJECTED || f->state == CONN_ATTEMPTED ||
	    (f->state == CONN_NEW && f->rule != RULE_NONE))
		engine_check_blocked(e, f, 0);
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
	engine_count(e, wirelen, ts_usec, p->event);
	for (unsigned t = 0; t < p->tunnel_depth; t++)
		e->c.decap[p->tunnel[t]]++;
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
		if (p->inner.valid) {
			e->tunnelled = p->tunnel_depth > 0 ? p : NULL;
			engine_icmp_error(e, p);
			e->tunnelled = NULL;
		}
		break;
	default:
		e->c.other_ip++;
		break;
	}
	if (ts_usec >= e->next_expire) {
		flow_expire(e->ft, ts_usec);
		engine_scan_timers(e);
		e->next_expire = ts_usec + EXPIRE_EVERY_USEC;
	}
	f = flow_packet(e->ft, p, &dir, &created);
	if (f == NULL)
		return;
	/* only this packet's own findings name its tunnel: not those of the
	 * flows the timers or an eviction above ended */
	e->tunnelled = p->tunnel_depth > 0 ? p : NULL;
	engine_judge_packet(e, f, created, dir, p->frag == PKT_FRAG_LATER ? NULL : p->payload,
	    p->frag == PKT_FRAG_LATER ? 0 : p->payload_len, p->event == DEV_SNAPLEN_TRUNC);
	e->tunnelled = NULL;
}

/*
 * The fast path for one packet decode_fast() took: engine_frame() without
 * decoding again, the flow key already built.  Every step engine_frame()
 * takes for such a packet is here, in the same order; only a timer run
 * (next_expire due) sends the packet to engine_frame() instead.  1 when
 * done, 0 (nothing changed) when engine_frame() must take the packet.
 */
static inline int
engine_fast(struct engine *e, const struct fast_pkt *fp, const struct capture_pkt *v)
{
	struct flow *f;
	int created;

	if (v->ts_usec >= e->next_expire)
		return 0;
	/* engine_frame()'s accounting of a clean TCP/UDP packet */
	engine_count(e, v->wirelen, v->ts_usec, DEV_NONE);
	if (fp->key.family == 4)
		e->c.ipv4++;
	else
		e->c.ipv6++;
	if (fp->key.proto == IPPROTO_NUM_TCP)
		e->c.tcp++;
	else
		e->c.udp++;
	f = flow_fast_packet(e->ft, &fp->key, fp->hash, fp->dir, fp->tcp_flags, v->wirelen,
	    v->ts_usec, &created);
	if (f != NULL)
		engine_judge_packet(e, f, created, fp->dir, fp->payload, fp->paylen, 0);
	return 1;
}

/*
 * One batch whose fast shapes are decoded already (fp[i].ok): prefetch
 * the flows they name, then process in capture order.  The lookups of
 * the last pass are the real ones: flows created or removed by earlier
 * packets of the batch are seen.  Packet i is at v + i * stride bytes.
 */
static inline void
engine_batch(struct engine *e, const struct capture_pkt *v, size_t stride,
    const struct fast_pkt *fp, size_t m)
{
	flow_prefetch_batch(e->ft, fp, m);
	for (size_t i = 0; i < m; i++) {
		const struct capture_pkt *p = (const struct capture_pkt *)
		    (const void *)((const char *)v + i * stride);

		if (!fp[i].ok || !engine_fast(e, &fp[i], p))
			engine_frame(e, p->linktype, p->data, p->caplen, p->wirelen, p->ts_usec,
			    p->num);
	}
}

void
engine_frames(struct engine *e, const struct capture_pkt *v, size_t n)
{
	struct fast_pkt fp[ENGINE_BATCH];

	while (n > 0) {
		size_t m = n < ENGINE_BATCH ? n : ENGINE_BATCH;

		/* Passes so that the cache misses of the batch overlap:
		 * decode and hash (prefetching index slots), then the flows
		 * (engine_batch()). */
		(void)decode_fast_batch(v, m, e->use_vlan, fp);
		engine_batch(e, v, sizeof(*v), fp, m);
		v += m;
		n -= m;
	}
}

void
engine_slots(struct engine *e, const struct ring_pkt *s, size_t stride, size_t n)
{
	struct fast_pkt fp[ENGINE_BATCH];

	while (n > 0) {
		size_t m = n < ENGINE_BATCH ? n : ENGINE_BATCH;

		for (size_t i = 0; i < m; i++) {
			const struct ring_pkt *q = (const struct ring_pkt *)
			    (const void *)((const char *)s + i * stride);

			/* the capture thread's decode, when it made one */
			if (q->decoded)
				fp[i] = q->fast;
			else
				(void)decode_fast(q->pkt.data, q->pkt.caplen, q->pkt.linktype,
				    e->use_vlan, &fp[i]);
		}
		engine_batch(e, &s->pkt, stride, fp, m);
		s = (const struct ring_pkt *)(const void *)((const char *)s + m * stride);
		n -= m;
	}
}

void
engine_finish(struct engine *e)
{
	if (e->finished)
		return;
	e->finished = 1;
	flow_flush(e->ft);		/* every held finding decided with its flow */
	if (e->scan != NULL) {
		scan_end(e->scan, e->now, 1, engine_scan_emit, e);
		engine_scan_sync(e);
	}
	engine_write_counters(&e->c, flow_table_stats(e->ft), &e->sink);
}

_Static_assert(sizeof(struct engine_counters) % sizeof(uint64_t) == 0,
    "engine_counters holds only uint64_t");
_Static_assert(DEV_MAX <= 40 && PKT_TUN_MAX <= 8, "engine_counters.events, .decap");

void
engine_counters_add(struct engine_counters *sum, const struct engine_counters *c)
{
	const uint64_t *src = (const uint64_t *)c;
	uint64_t *dst = (uint64_t *)sum;

	/* every member is a uint64_t (or an array of them) */
	for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

const struct flow_stats *
engine_flow_stats(const struct engine *e)
{
	return flow_table_stats(e->ft);
}

void
engine_write_counters(const struct engine_counters *c, const struct flow_stats *fs,
    const struct engine_sink *sink)
{
	char name[64];

	if (sink->counter == NULL)
		return;
	{
		struct { const char *name; uint64_t v; } kv[] = {
			{ "packets", c->packets }, { "bytes", c->bytes },
			{ "ipv4", c->ipv4 }, { "ipv6", c->ipv6 }, { "tcp", c->tcp },
			{ "udp", c->udp }, { "icmp", c->icmp }, { "other_ip", c->other_ip },
			{ "non_ip", c->non_ip }, { "malformed", c->malformed },
			{ "unsupported", c->unsupported },
			{ NULL, 0 }
		};
		for (int i = 0; kv[i].name != NULL; i++)
			sink->counter(sink->arg, kv[i].name, kv[i].v);
	}
	for (unsigned ev = 1; ev < DEV_MAX; ev++)
		if (c->events[ev] != 0) {
			snprintf(name, sizeof(name), "decode.%s", decode_event_name(ev));
			sink->counter(sink->arg, name, c->events[ev]);
		}
	for (unsigned t = 1; t < PKT_TUN_MAX; t++)
		if (c->decap[t] != 0) {
			snprintf(name, sizeof(name), "decap.%s", decode_tunnel_name(t));
			sink->counter(sink->arg, name, c->decap[t]);
		}
	sink->counter(sink->arg, "flows.created", fs->created);
	sink->counter(sink->arg, "flows.expired", fs->expired);
	sink->counter(sink->arg, "flows.evicted", fs->evicted);
	sink->counter(sink->arg, "flows.flushed", fs->flushed);
	sink->counter(sink->arg, "flows.peak", fs->peak);
	sink->counter(sink->arg, "frags.tied", fs->frags_tied);
	sink->counter(sink->arg, "frags.orphan", fs->frags_orphan);
	for (int v = 1; v < 4; v++) {
		snprintf(name, sizeof(name), "flows.%s", verdict_name(v));
		sink->counter(sink->arg, name, c->flows_by_verdict[v]);
	}
	sink->counter(sink->arg, "scan.scans", c->scans);
	sink->counter(sink->arg, "scan.probes", c->scan_probes);
	sink->counter(sink->arg, "scan.sources_evicted", c->scan_sources_evicted);
	sink->counter(sink->arg, "scan.holds_forced", c->scan_holds_forced);
	sink->counter(sink->arg, "scan.untracked", c->scan_untracked);
}

int
engine_set_policy(struct engine *e, const struct policy *pol, uint32_t gen)
{
	if (e->ngens == e->capgens) {
		struct engine_gen *n = realloc(e->gens, (size_t)e->capgens * 2 * sizeof(*n));

		if (n == NULL)
			return -1;
		e->gens = n;
		e->capgens *= 2;
	}
	e->gens[e->ngens].gen = gen;
	e->gens[e->ngens].pol = pol;
	e->gens[e->ngens].flows = 0;
	e->ngens++;
	e->pol = pol;
	e->rs = policy_ruleset(pol);
	e->inv = policy_inventory(pol);
	e->gen = gen;
	engine_gen_prune(e);	/* the one replaced, when no flow needs it */
	return 0;
}

uint32_t
engine_min_gen(const struct engine *e)
{
	return e->gens[0].gen;
}

int
engine_released(struct engine *e, uint32_t *gens, int max)
{
	int n = e->nreleased < max ? e->nreleased : max;

	memcpy(gens, e->released, (size_t)n * sizeof(*gens));
	memmove(e->released, e->released + n, (size_t)(e->nreleased - n) * sizeof(*gens));
	e->nreleased -= n;
	return n;
}

void
engine_tick(struct engine *e, uint64_t now_usec)
{
	if (now_usec > e->now)
		e->now = now_usec;
	flow_expire(e->ft, e->now);
	engine_scan_timers(e);
	e->next_expire = e->now + EXPIRE_EVERY_USEC;
}

void
engine_prefault(struct engine *e)
{
	flow_table_prefault(e->ft);
}

void
engine_set_flow_ids(struct engine *e, uint64_t first, uint64_t step)
{
	flow_table_set_ids(e->ft, first, step);
}

uint64_t
engine_now(const struct engine *e)
{
	return e->now;
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

	for (int k = 0; k < FINDING_KINDS; k++)
		n += e->c.findings[k];
	return n;
}

void
engine_summary(const struct engine *e, FILE *out)
{
	const struct engine_counters *c = &e->c;
	const struct flow_stats *fs = flow_table_stats(e->ft);
	unsigned ntun;

	fprintf(out, "packets: %llu (%llu bytes); ipv4 %llu, ipv6 %llu; tcp %llu, udp %llu, icmp %llu, other %llu\n",
	    (unsigned long long)c->packets, (unsigned long long)c->bytes,
	    (unsigned long long)c->ipv4, (unsigned long long)c->ipv6,
	    (unsigned long long)c->tcp, (unsigned long long)c->udp,
	    (unsigned long long)c->icmp, (unsigned long long)c->other_ip);
	/* Tunnel layers removed (a packet of VXLAN in GRE counts in both),
	 * a line only when there were any. */
	ntun = 0;
	for (unsigned t = 1; t < PKT_TUN_MAX; t++)
		if (c->decap[t] != 0)
			fprintf(out, "%s%s %llu", ntun++ == 0 ? "decapsulated: " : ", ",
			    decode_tunnel_name(t), (unsigned long long)c->decap[t]);
	if (ntun > 0)
		fputc('\n', out);
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
}

void
engine_summary_top(const struct engine *e, FILE *out)
{
	char pbuf[16];

	if (e->ntop > 0)
		fprintf(out, "top unexpected flows (inventory hosts, ? = not in the inventory):\n");
	for (int i = 0; i < e->ntop; i++) {
		const struct flow *f = &e->top[i];
		int ini = f->ini, v6;
		char src[REC_ADDR_LEN], dst[REC_ADDR_LEN];

		addr_format(f->key.addr[ini], f->key.family, src, sizeof(src));
		addr_format(f->key.addr[!ini], f->key.family, dst, sizeof(dst));
		v6 = strchr(src, ':') != NULL;
		fprintf(out, "  %s %s%s%s:%u -> %s%s%s:%u  %llu pkts %llu bytes  %s -> %s\n",
		    proto_name(f->key.proto, pbuf, sizeof(pbuf)),
		    v6 ? "[" : "", src, v6 ? "]" : "", f->key.port[ini],
		    v6 ? "[" : "", dst, v6 ? "]" : "", f->key.port[!ini],
		    (unsigned long long)(f->pkts[0] + f->pkts[1]),
		    (unsigned long long)(f->bytes[0] + f->bytes[1]),
		    e->top_host[i][0], e->top_host[i][1]);
	}
}
