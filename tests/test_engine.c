/*
 * test_engine.c - the engine end to end on crafted Ethernet frames: the
 * shipped Lync rules and a small site, the engine writing into a
 * collector as in -r, every finding, flow record and coverage row
 * captured through the collector's output sink.  Blocked attempts (S0
 * with retransmissions, REJ, ICMP and ICMPv6 unreachables, unanswered
 * UDP request/response rows), unexpected SYNs, protocol mismatches on the
 * first payload segment, missing and unobserved hosts, a blind sensor,
 * severities, and coverage attribution of `out` rules.
 */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/inventory.h"
#include "conformd/packet.h"
#include "conformd/policy.h"
#include "conformd/record.h"
#include "conformd/record-text.h"
#include "conformd/rules.h"
#include "conformd/sink.h"
#include "unit.h"

#define LINK_ETHERNET	1		/* DLT_EN10MB */
#define T0		1700000000000000ULL	/* capture start, usec */
#define MS(n)		(T0 + (uint64_t)(n) * 1000u)

#define CLI	"198.18.10.5"
#define CLI6	"2001:db8:10::5"
#define FE1	"198.18.1.11"
#define FE2	"198.18.1.12"
#define FE6	"2001:db8:1::11"
#define PSTN	"198.18.6.1"
#define WEB	"198.18.7.1"
#define RTR	"198.18.1.1"
#define RTR6	"2001:db8:1::1"
/* neither end in the inventory: traffic that moves the clock and nothing else */
#define OUT_A	"198.19.99.1"
#define OUT_B	"198.19.99.2"

/* Hosts of the site and the findings a quiet capture yields for them,
 * from the shipped rules (test_site() counts them again): required pairs
 * (not optional, of features the site deploys: pstn and web-farm here,
 * not e911 or external-access), and missing findings when nothing proved
 * them (pairs of one requirement, T1R1 and T1R38, make one). */
#define REQ_FE		35	/* fe1, fe2: front-end, front-end-mediation, all-servers, all-internal-servers */
#define MISS_FE		34	/* ... T1R1 and T1R38 one finding */
#define MISS_FE6	29	/* fe6, front-end alone: 30 required, less one for T1R1/T1R38 */
#define REQ_CLIENTS	6	/* T4R6-T4R11 (T4R1 optional, T4R2-T4R5 external access) */
#define MISS_CLI	4	/* T4R6, T4R7, T4R8/T4R9, T4R10/T4R11 */
#define APP_FE		38	/* fe1, fe2: applicable pairs (T1R2, T1R11 optional; T1R32 e911) */
#define PAIRS_TOTAL	142	/* fe1 38, fe2 38, vip 15, med1 7, fe6 33, clients 11 */

static const char site[] =
    "pool fe-pool {\n"
    "  type front-end\n"
    "  load-balancing hardware\n"
    "  collocated-mediation yes\n"
    "  vip 198.18.1.10\n"
    "  member fe1 198.18.1.11\n"
    "  member fe2 198.18.1.12\n"
    "}\n"
    "host med1 198.18.3.11 role mediation\n"
    "host fe6 2001:db8:1::11 role front-end\n"
    "network clients 198.18.10.0/24,2001:db8:10::/64 role client\n"
    "peer pstn1 198.18.6.1 role pstn-gateway\n"
    "peer web1 198.18.7.1 role web-farm\n";

static struct ruleset rs;
static struct inventory inv;
static struct policy *pol;
static struct config cfg;

/* --- the capturing sink ------------------------------------------------------ */

#define CAP_FINDINGS	512
#define CAP_FLOWS	64
#define CAP_COV		512

struct cap_finding {
	int		kind;
	int		severity;
	char		rule[16];	/* "" when NULL */
	char		evidence[160];	/* "" when NULL */
	char		host[64];	/* missing only */
	char		host_ip[48];
	uint16_t	port;
	uint8_t		proto;
	int		has_flow;
	char		signature[256];
	uint64_t	ts;
	struct rec_tunnel tunnel;
	struct rec_scan	scan;
	char		src_ip[48], dest_ip[48];	/* of its flow, "" without */
	uint16_t	sport, dport;		/* of its flow */
	int		host_is_src;
	char		cite[512];	/* the rule's citation, "" when none */
};

struct cap_flow {
	char		src_ip[48], dest_ip[48];
	uint16_t	sport, dport;
	uint8_t		proto;
	int		verdict;
	int		midstream;
	char		rule[16];
	char		conn_state[16];
	char		failure[160];
};

struct cap_cov {
	char		host[64];
	char		rule[16];
	char		state[20];
	char		evidence[160];	/* "" when NULL */
	uint64_t	flows;
};

static struct cap {
	int			nfind, nflow, ncov;
	struct cap_finding	find[CAP_FINDINGS];
	struct cap_flow		flow[CAP_FLOWS];
	struct cap_cov		cov[CAP_COV];
	int			overflow;
} cap;

/* src (NULL: "") into dst, cut to len - 1 bytes. */
static void
cpy(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	/* a loop, not strnlen(): gcc 12 warns when len - 1 passes the size
	 * of a source array it can see, though the NUL comes first */
	while (src != NULL && n < len - 1 && src[n] != '\0')
		n++;

	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
cap_finding(void *arg, const struct rec_finding *b)
{
	struct cap *c = arg;
	struct cap_finding *g;
	struct finding_text t;
	struct finding fs, *f = &fs;

	/* the text the outputs make of it */
	CU_ASSERT_EQUAL_FATAL(record_text_finding(b, NULL, &fs, &t), 0);

	if (c->nfind == CAP_FINDINGS) {
		c->overflow = 1;
		return;
	}
	g = &c->find[c->nfind++];
	g->kind = f->kind;
	g->severity = f->severity;
	cpy(g->rule, sizeof(g->rule), f->rule_id);
	cpy(g->evidence, sizeof(g->evidence), f->evidence);
	cpy(g->host, sizeof(g->host), f->host);
	cpy(g->host_ip, sizeof(g->host_ip), f->host_ip);
	g->port = f->port;
	g->proto = f->proto;
	g->has_flow = f->flow != NULL;
	cpy(g->signature, sizeof(g->signature), f->signature);
	g->ts = f->ts_usec;
	g->tunnel = f->tunnel;
	g->scan = f->scan;
	if (f->flow != NULL) {
		cpy(g->src_ip, sizeof(g->src_ip), f->flow->src_ip);
		cpy(g->dest_ip, sizeof(g->dest_ip), f->flow->dest_ip);
		g->sport = f->flow->src_port;
		g->dport = f->flow->dest_port;
	}
	g->host_is_src = f->host_is_src;
	cpy(g->cite, sizeof(g->cite), f->rule_cite != NULL ? f->rule_cite :
	    f->flow != NULL ? f->flow->rule_cite : NULL);
}

static void
cap_flow(void *arg, const struct rec_flow *b)
{
	struct cap *c = arg;
	struct cap_flow *g;
	struct flow_record text, *r = &text;

	CU_ASSERT_EQUAL_FATAL(record_text_flow(b, NULL, &text), 0);

	if (c->nflow == CAP_FLOWS) {
		c->overflow = 1;
		return;
	}
	g = &c->flow[c->nflow++];
	cpy(g->src_ip, sizeof(g->src_ip), r->src_ip);
	cpy(g->dest_ip, sizeof(g->dest_ip), r->dest_ip);
	g->sport = r->src_port;
	g->dport = r->dest_port;
	g->proto = r->proto;
	g->verdict = r->verdict;
	g->midstream = r->midstream;
	cpy(g->rule, sizeof(g->rule), r->rule_id);
	cpy(g->conn_state, sizeof(g->conn_state), r->conn_state);
	cpy(g->failure, sizeof(g->failure), r->failure);
}

static void
cap_cov(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct cap *c = arg;
	struct cap_cov *g;

	(void)bytes;
	(void)first_usec;
	(void)last_usec;
	if (c->ncov == CAP_COV) {
		c->overflow = 1;
		return;
	}
	g = &c->cov[c->ncov++];
	cpy(g->host, sizeof(g->host), host);
	cpy(g->rule, sizeof(g->rule), rule_id);
	cpy(g->state, sizeof(g->state), state);
	cpy(g->evidence, sizeof(g->evidence), evidence);
	g->flows = flows;
}

/* --- frames ---------------------------------------------------------------------- */

/* One packet to build: TCP (flags), UDP, ICMP/ICMPv6 (type, code; the
 * payload is then the quoted packet). */
struct pk {
	const char	*src, *dst;
	uint16_t	 sport, dport;
	uint8_t		 proto;
	uint8_t		 flags;		/* TCP flags, or ICMP type */
	uint8_t		 code;		/* ICMP code */
	const uint8_t	*pl;
	size_t		 plen;
};

/* IP header + transport header + payload into out; returns its length. */
static size_t
ip_packet(uint8_t *out, size_t cap_len, const struct pk *k)
{
	uint8_t s[16], d[16], *l4;
	int fam = unit_addr(k->src, s);
	size_t iph = fam == 4 ? 20 : 40, l4h, total;

	(void)unit_addr(k->dst, d);
	l4h = k->proto == IPPROTO_NUM_TCP ? 20 : 8;
	total = iph + l4h + k->plen;
	CU_ASSERT_FATAL(total <= cap_len);
	memset(out, 0, iph + l4h);
	if (fam == 4) {
		out[0] = 0x45;
		unit_put16(out + 2, (uint16_t)total);
		unit_put16(out + 4, 0x1234);
		out[8] = 64;
		out[9] = k->proto;
		memcpy(out + 12, s + 12, 4);
		memcpy(out + 16, d + 12, 4);
	} else {
		out[0] = 0x60;
		unit_put16(out + 4, (uint16_t)(total - 40));
		out[6] = k->proto;
		out[7] = 64;
		memcpy(out + 8, s, 16);
		memcpy(out + 24, d, 16);
	}
	l4 = out + iph;
	switch (k->proto) {
	case IPPROTO_NUM_TCP:
		unit_put16(l4, k->sport);
		unit_put16(l4 + 2, k->dport);
		l4[7] = 1;			/* seq */
		l4[12] = 0x50;			/* data offset 5 */
		l4[13] = k->flags;
		unit_put16(l4 + 14, 65535);
		break;
	case IPPROTO_NUM_UDP:
		unit_put16(l4, k->sport);
		unit_put16(l4 + 2, k->dport);
		unit_put16(l4 + 4, (uint16_t)(8 + k->plen));
		break;
	default:			/* ICMP, ICMPv6: type, code, checksum, unused */
		l4[0] = k->flags;
		l4[1] = k->code;
		break;
	}
	if (k->plen > 0)
		memcpy(l4 + l4h, k->pl, k->plen);
	return total;
}

static struct collector *col;
static struct engine *eng;
static uint64_t pktnum;
static uint64_t last_ts;		/* capture time of the latest frame */
static int via_gre;			/* 1: frames come through a GRE mirror */

/* The GRE mirror of via_gre: 198.18.200.1 -> 198.18.200.2, v4-mapped. */
static const uint8_t GRE_SRC[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 200, 1 };
static const uint8_t GRE_DST[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 200, 2 };

/* Ethernet frame around k (inside IPv4 and GRE when via_gre), handed to
 * the engine at time ts with its last `cut` bytes not captured (snaplen). */
static void
send_pk_cut(uint64_t ts, const struct pk *k, size_t cut)
{
	uint8_t frame[1600];
	uint8_t probe[16];
	size_t n, off = 14;
	uint16_t etype = unit_addr(k->src, probe) == 4 ? 0x0800 : 0x86dd;

	memset(frame, 0, 14);
	frame[0] = 0x02;
	frame[6] = 0x02;
	frame[11] = 1;
	unit_put16(frame + 12, via_gre ? 0x0800 : etype);
	if (via_gre) {			/* IPv4 (proto 47) and a bare GRE header */
		memset(frame + 14, 0, 24);
		frame[14] = 0x45;
		frame[22] = 64;
		frame[23] = 47;
		memcpy(frame + 26, GRE_SRC + 12, 4);
		memcpy(frame + 30, GRE_DST + 12, 4);
		unit_put16(frame + 36, etype);
		off = 14 + 24;
	}
	n = off + ip_packet(frame + off, sizeof(frame) - off, k);
	if (via_gre)
		unit_put16(frame + 16, (uint16_t)(n - 14));	/* outer total length */
	CU_ASSERT_FATAL(cut < n);
	last_ts = ts;
	engine_frame(eng, LINK_ETHERNET, frame, (uint32_t)(n - cut), (uint32_t)n, ts, ++pktnum);
}

static void
send_pk(uint64_t ts, const struct pk *k)
{
	send_pk_cut(ts, k, 0);
}

static void
tcp(uint64_t ts, const char *s, uint16_t sp, const char *d, uint16_t dp, uint8_t flags,
    const void *pl, size_t plen)
{
	struct pk k = { s, d, sp, dp, IPPROTO_NUM_TCP, flags, 0, pl, plen };

	send_pk(ts, &k);
}

static void
udp(uint64_t ts, const char *s, uint16_t sp, const char *d, uint16_t dp, const void *pl,
    size_t plen)
{
	struct pk k = { s, d, sp, dp, IPPROTO_NUM_UDP, 0, 0, pl, plen };

	send_pk(ts, &k);
}

/* An ICMP (v4 or v6, after the addresses) error from `rtr` to `to`
 * quoting the first 8 transport bytes of packet q. */
static void
icmp_error(uint64_t ts, const char *rtr, const char *to, uint8_t type, uint8_t code,
    const struct pk *q)
{
	uint8_t quoted[128];
	size_t n = ip_packet(quoted, sizeof(quoted), q);
	uint8_t probe[16];
	int v6 = unit_addr(rtr, probe) == 6;
	size_t iph = v6 ? 40 : 20;
	struct pk k = { rtr, to, 0, 0, v6 ? IPPROTO_NUM_ICMPV6 : IPPROTO_NUM_ICMP, type, code,
		quoted, iph + 8 };

	CU_ASSERT_FATAL(n >= iph + 8);
	send_pk(ts, &k);
}

/* A packet between two addresses outside the inventory: advances the
 * capture clock, judged unmonitored. */
static void
tick(uint64_t ts)
{
	udp(ts, OUT_A, 40000, OUT_B, 53, "x", 1);
}

static void
arp(uint64_t ts)
{
	uint8_t frame[42];

	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[6] = 0x02;
	unit_put16(frame + 12, 0x0806);
	unit_put16(frame + 14, 1);		/* Ethernet */
	unit_put16(frame + 16, 0x0800);
	frame[18] = 6;
	frame[19] = 4;
	unit_put16(frame + 20, 1);		/* request */
	last_ts = ts;
	engine_frame(eng, LINK_ETHERNET, frame, sizeof(frame), sizeof(frame), ts, ++pktnum);
}

#define SYN	TCP_SYN
#define SYNACK	(TCP_SYN | TCP_ACK)
#define ACK	TCP_ACK
#define PSHACK	(TCP_PSH | TCP_ACK)
#define RSTACK	(TCP_RST | TCP_ACK)

static void
handshake(uint64_t ts, const char *c, uint16_t cp, const char *s, uint16_t sp)
{
	tcp(ts, c, cp, s, sp, SYN, NULL, 0);
	tcp(ts + 500, s, sp, c, cp, SYNACK, NULL, 0);
	tcp(ts + 1000, c, cp, s, sp, ACK, NULL, 0);
}

static const uint8_t tls_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 0x03, 0x03, 0x00, 0x00
};
static const uint8_t sslv2_hello[] = {
	0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10
};
static const char sip_register[] =
    "REGISTER sip:fe1.lync.example SIP/2.0\r\nVia: SIP/2.0/TCP 198.18.10.5\r\n\r\n";
static const char sip_invite[] = "INVITE sip:+15550100@198.18.6.1 SIP/2.0\r\n\r\n";
static const char http_get[] = "GET / HTTP/1.1\r\nHost: fe1\r\n\r\n";
static const char ssh_banner[] = "SSH-2.0-OpenSSH_9.2p1\r\n";

/* --- running ---------------------------------------------------------------------- */

/* An engine writing into a collector writing into `cap`, as in -r. */
static void
run_begin(void)
{
	struct engine_sink out, sink;

	memset(&cap, 0, sizeof(cap));
	memset(&out, 0, sizeof(out));
	out.arg = &cap;
	out.flow = cap_flow;
	out.finding = cap_finding;
	out.coverage = cap_cov;
	pktnum = 0;
	last_ts = 0;
	col = collector_new(&cfg, pol, &out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(col);
	collector_sink(col, &sink);
	eng = engine_new(&cfg, pol, &sink);
	CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
}

/* The end of the observation window, as main.c ends -r. */
static void
run_end(void)
{
	const struct engine_counters *c;

	engine_finish(eng);
	c = engine_counters(eng);
	CU_ASSERT_EQUAL(engine_now(eng), last_ts);
	collector_finish(col, c->ipv4 + c->ipv6 == 0, engine_now(eng));
	CU_ASSERT_EQUAL(cap.overflow, 0);
}

static void
run_free(void)
{
	engine_free(eng);
	collector_free(col);
	eng = NULL;
	col = NULL;
}

/* What collector_summary() prints (malloc'd). */
static char *
summary(void)
{
	struct unit_mem m;

	collector_summary(col, unit_mem_open(&m));
	return unit_mem_close(&m);
}

static int
count(int kind)
{
	int n = 0;

	for (int i = 0; i < cap.nfind; i++)
		if (cap.find[i].kind == kind)
			n++;
	return n;
}

/* Exact count of every kind; prints the findings when they differ. */
static void
expect_counts(int unexpected, int blocked, int missing, int mismatch)
{
	int got[5] = { 0, count(FINDING_UNEXPECTED), count(FINDING_BLOCKED),
		count(FINDING_MISSING), count(FINDING_PROTOCOL_MISMATCH) };

	CU_ASSERT_EQUAL(got[FINDING_UNEXPECTED], unexpected);
	CU_ASSERT_EQUAL(got[FINDING_BLOCKED], blocked);
	CU_ASSERT_EQUAL(got[FINDING_MISSING], missing);
	CU_ASSERT_EQUAL(got[FINDING_PROTOCOL_MISMATCH], mismatch);
	CU_ASSERT_EQUAL(collector_findings(col), (uint64_t)cap.nfind);
	CU_ASSERT_EQUAL(engine_findings(eng), (uint64_t)(cap.nfind - got[FINDING_MISSING]));
	if (got[1] != unexpected || got[2] != blocked || got[3] != missing || got[4] != mismatch) {
		fprintf(stderr, "\nfindings: want %d/%d/%d/%d, got %d/%d/%d/%d\n", unexpected,
		    blocked, missing, mismatch, got[1], got[2], got[3], got[4]);
		for (int i = 0; i < cap.nfind; i++)
			if (cap.find[i].kind != FINDING_MISSING)
				fprintf(stderr, "  %s [%s]\n", cap.find[i].signature,
				    cap.find[i].evidence);
	}
}

/* The only finding of `kind` (the test fails when there is not exactly one). */
static const struct cap_finding *
only(int kind)
{
	const struct cap_finding *f = NULL;

	for (int i = 0; i < cap.nfind; i++)
		if (cap.find[i].kind == kind) {
			CU_ASSERT_PTR_NULL_FATAL(f);
			f = &cap.find[i];
		}
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

/* The missing finding about (host, rule); rule "" = the unobserved-host one. */
static const struct cap_finding *
missing(const char *host, const char *rule)
{
	for (int i = 0; i < cap.nfind; i++)
		if (cap.find[i].kind == FINDING_MISSING && strcmp(cap.find[i].host, host) == 0 &&
		    strcmp(cap.find[i].rule, rule) == 0)
			return &cap.find[i];
	return NULL;
}

static int
missing_for(const char *host)
{
	int n = 0;

	for (int i = 0; i < cap.nfind; i++)
		if (cap.find[i].kind == FINDING_MISSING && strcmp(cap.find[i].host, host) == 0)
			n++;
	return n;
}

static const struct cap_cov *
cov(const char *host, const char *rule)
{
	for (int i = 0; i < cap.ncov; i++)
		if (strcmp(cap.cov[i].host, host) == 0 && strcmp(cap.cov[i].rule, rule) == 0)
			return &cap.cov[i];
	return NULL;
}

static int
cov_rows(const char *host, const char *state)
{
	int n = 0;

	for (int i = 0; i < cap.ncov; i++)
		if (strcmp(cap.cov[i].host, host) == 0 &&
		    (state == NULL || strcmp(cap.cov[i].state, state) == 0))
			n++;
	return n;
}

#define EXPECT_COV(host, rule, st, nflows, ev) do {			\
	const struct cap_cov *c_ = cov(host, rule);			\
	CU_ASSERT_PTR_NOT_NULL_FATAL(c_);				\
	CU_ASSERT_STRING_EQUAL(c_->state, st);				\
	CU_ASSERT_EQUAL(c_->flows, (uint64_t)(nflows));			\
	CU_ASSERT_STRING_EQUAL(c_->evidence, ev);			\
} while (0)

/* The flow record whose responder port is dport (and protocol proto). */
static const struct cap_flow *
flow_to(uint8_t proto, uint16_t dport)
{
	const struct cap_flow *f = NULL;

	for (int i = 0; i < cap.nflow; i++)
		if (cap.flow[i].proto == proto && cap.flow[i].dport == dport) {
			CU_ASSERT_PTR_NULL_FATAL(f);
			f = &cap.flow[i];
		}
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

#define EXPECT_FLOW(proto, dport, cs, fail) do {			\
	const struct cap_flow *f_ = flow_to(proto, dport);		\
	CU_ASSERT_STRING_EQUAL(f_->conn_state, cs);			\
	CU_ASSERT_STRING_EQUAL(f_->failure, fail);			\
} while (0)

/* The one protocol_mismatch finding has this rule and evidence. */
static void
expect_mismatch(const char *rule, const char *evidence)
{
	const struct cap_finding *f = only(FINDING_PROTOCOL_MISMATCH);

	CU_ASSERT_STRING_EQUAL(f->rule, rule);
	CU_ASSERT_STRING_EQUAL(f->evidence, evidence);
	CU_ASSERT(f->has_flow);
}

/* Nothing but the per-host baseline: fe1 observed, clients observed, the
 * other four hosts unobserved.  `fe1_missing` is fe1's missing findings
 * (MISS_FE less the requirements proven or blocked). */
static int
baseline(int fe1_missing)
{
	return fe1_missing + MISS_CLI + 4;
}

/* The baseline after a client's attempt on 5061: the attempt also proves
 * (or fails) the clients' own outbound row T4R6. */
static int
baseline_5061(int fe1_missing)
{
	return fe1_missing + (MISS_CLI - 1) + 4;
}

/* --- setup --------------------------------------------------------------------- */

static int
engine_setup(void)
{
	struct diag d;
	char path[512];

	diag_init(&d, stderr);
	rules_init(&rs);
	inventory_init(&inv);
	if (rules_load(&rs, unit_srcpath("rules/lync2013.rules"), &d) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/engine-site.conf", unit_tmpdir());
	if (unit_spit(path, site) == -1)
		return -1;
	if (inventory_load(&inv, path, &rs, &d) == -1)
		return -1;
	pol = policy_compile(&rs, &inv);
	config_init(&cfg);
	cfg.answer_timeout = 5;
	return pol == NULL ? -1 : 0;
}

static int
engine_teardown(void)
{
	config_free(&cfg);
	policy_free(pol);
	inventory_free(&inv);
	rules_free(&rs);
	return 0;
}

/* The per-host numbers the other tests count with. */
static void
test_site(void)
{
	int req[8] = { 0 }, app[8] = { 0 }, miss[8] = { 0 };

	CU_ASSERT_EQUAL_FATAL(inv.nhosts, 8);
	for (int h = 0; h < inv.nhosts; h++) {
		uint64_t roles = policy_host_roles(pol, h);
		for (int r = 0; r < rs.nrules; r++) {
			int first = 1;

			if (!((roles >> rs.rules[r].role) & 1))
				continue;
			app[h]++;
			if (rs.rules[r].optional || !policy_rule_required(pol, r))
				continue;
			req[h]++;
			/* one finding per requirement: counted at its first rule */
			for (int r2 = 0; r2 < r; r2++)
				if (policy_rule_same(pol, r2) == policy_rule_same(pol, r) &&
				    ((roles >> rs.rules[r2].role) & 1) && !rs.rules[r2].optional &&
				    policy_rule_required(pol, r2))
					first = 0;
			miss[h] += first;
		}
	}
	for (int h = 0; h < inv.nhosts; h++) {
		const char *n = inv.hosts[h].name;
		if (strcmp(n, "fe1") == 0 || strcmp(n, "fe2") == 0) {
			CU_ASSERT_EQUAL(req[h], REQ_FE);
			CU_ASSERT_EQUAL(miss[h], MISS_FE);
			CU_ASSERT_EQUAL(app[h], APP_FE);
		} else if (strcmp(n, "clients") == 0) {
			CU_ASSERT_EQUAL(req[h], REQ_CLIENTS);
			CU_ASSERT_EQUAL(miss[h], MISS_CLI);
			CU_ASSERT_EQUAL(app[h], 11);
		} else if (strcmp(n, "fe-pool/vip") == 0) {
			CU_ASSERT_EQUAL(app[h], 15);
		} else if (strcmp(n, "med1") == 0) {
			CU_ASSERT_EQUAL(app[h], 7);
		} else if (strcmp(n, "fe6") == 0) {
			CU_ASSERT_EQUAL(app[h], 33);
			CU_ASSERT_EQUAL(miss[h], MISS_FE6);
		} else {
			CU_ASSERT_EQUAL(app[h], 0);	/* peers */
		}
	}
}

/* --- blocked: TCP -------------------------------------------------------------- */

/* S0: three SYNs over 3 s, never answered; decided once the answer
 * timeout has passed (here at the end of the capture). */
static void
test_s0(void)
{
	const struct cap_finding *f;

	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(1000), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(3000), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 0);	/* 3 s < answer timeout */
	tick(MS(13000));
	run_end();
	expect_counts(0, 1, baseline_5061(MISS_FE - 1), 0);
	f = only(FINDING_BLOCKED);
	CU_ASSERT_STRING_EQUAL(f->rule, "T1R3");
	CU_ASSERT_STRING_EQUAL(f->evidence, "no answer to 3 SYNs");
	CU_ASSERT_STRING_EQUAL(f->signature,
	    "conformd blocked TCP/5061 front-end (T1R3): no answer to 3 SYNs");
	CU_ASSERT_EQUAL(f->severity, 2);
	CU_ASSERT(f->has_flow);
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "attempted", "no answer to 3 SYNs");
	EXPECT_COV("fe1", "T1R3", "blocked", 0, "no answer to 3 SYNs");
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R3"));
	run_free();
}

/* S0 decided by the flow's own timeout (tcp-syn 30 s), before the end. */
static void
test_s0_expired(void)
{
	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(1000), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tick(MS(40000));
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 1);
	run_end();
	expect_counts(0, 1, baseline_5061(MISS_FE - 1), 0);
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->evidence, "no answer to 2 SYNs");
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "attempted", "no answer to 2 SYNs");
	EXPECT_COV("fe1", "T1R3", "blocked", 0, "no answer to 2 SYNs");
	run_free();
}

/*
 * Findings raised on a packet that came through a tunnel name it (the
 * outermost layer's type and addresses); a finding the timers raise while
 * such a packet is taken (here: a blocked attempt decided when a later
 * tunnelled packet runs the expiry) does not, nor one on a direct packet.
 */
static void
test_tunnel_findings(void)
{
	const struct cap_finding *g;

	run_begin();
	via_gre = 1;
	tcp(MS(0), CLI, 50000, FE1, 22, SYN, NULL, 0);		/* unexpected */
	tcp(MS(10), CLI, 50001, FE1, 5061, SYN, NULL, 0);	/* never answered */
	tick(MS(40000));					/* expires it */
	via_gre = 0;
	tcp(MS(40010), CLI, 50002, FE2, 22, SYN, NULL, 0);	/* unexpected, direct */
	tick(MS(46000));		/* the holds are due (scan.h) */
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 2);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 1);
	for (int i = 0; i < cap.nfind; i++) {
		g = &cap.find[i];
		if (g->kind == FINDING_UNEXPECTED && g->ts == MS(0)) {
			CU_ASSERT_EQUAL(g->tunnel.depth, 1);
			CU_ASSERT_EQUAL(g->tunnel.type, PKT_TUN_GRE);
			CU_ASSERT_EQUAL(g->tunnel.family, 4);
			CU_ASSERT_EQUAL(memcmp(g->tunnel.src, GRE_SRC, 16), 0);
			CU_ASSERT_EQUAL(memcmp(g->tunnel.dst, GRE_DST, 16), 0);
		} else if (g->kind == FINDING_UNEXPECTED || g->kind == FINDING_BLOCKED) {
			CU_ASSERT_EQUAL(g->tunnel.depth, 0);
			CU_ASSERT_EQUAL(g->tunnel.family, 0);
		}
	}
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->evidence, "no answer to 1 SYN");
	run_end();
	run_free();
}

/* Blocked attempts decided on a tunnelled packet, an RST and an ICMP port
 * unreachable, name the tunnel too. */
static void
test_tunnel_blocked(void)
{
	static const uint8_t ping[] = { 0x03 };
	struct pk q = { FE2, FE1, 50001, 1434, IPPROTO_NUM_UDP, 0, 0, ping, sizeof(ping) };
	const struct cap_finding *g;

	run_begin();
	via_gre = 1;
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(1), FE1, 5061, CLI, 50000, RSTACK, NULL, 0);
	udp(MS(2), FE2, 50001, FE1, 1434, ping, sizeof(ping));
	icmp_error(MS(3), RTR, FE2, 3, 3, &q);
	via_gre = 0;
	tick(MS(6000));			/* the RST's finding was held (scan.h) */
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 2);
	for (int i = 0; i < cap.nfind; i++) {
		g = &cap.find[i];
		if (g->kind != FINDING_BLOCKED)
			continue;
		CU_ASSERT(g->ts == MS(1) || g->ts == MS(3));
		CU_ASSERT_EQUAL(g->tunnel.depth, 1);
		CU_ASSERT_EQUAL(g->tunnel.type, PKT_TUN_GRE);
		CU_ASSERT_EQUAL(memcmp(g->tunnel.src, GRE_SRC, 16), 0);
		CU_ASSERT_EQUAL(memcmp(g->tunnel.dst, GRE_DST, 16), 0);
	}
	run_end();
	run_free();
}

/* One SYN 1 s before the end of the capture: not decided, proves nothing. */
static void
test_s0_undecided(void)
{
	run_begin();
	tick(MS(0));
	tcp(MS(9000), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline(MISS_FE), 0);	/* T4R6 undecided too */
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "attempted", "");
	EXPECT_COV("fe1", "T1R3", "missing", 0, "");
	CU_ASSERT_PTR_NOT_NULL(missing("fe1", "T1R3"));
	run_free();
}

/* REJ: decided when the RST arrives, held until answer-timeout after the
 * SYN (it could be a scan's probe), raised with the RST's time. */
static void
test_rej(void)
{
	const struct cap_finding *f;

	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(1), FE1, 5061, CLI, 50000, RSTACK, NULL, 0);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 0);
	tick(MS(6000));
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 1);
	CU_ASSERT_EQUAL(cap.nflow, 0);		/* before engine_finish() */
	tick(MS(20000));
	run_end();
	expect_counts(0, 1, baseline_5061(MISS_FE - 1), 0);
	f = only(FINDING_BLOCKED);
	CU_ASSERT_STRING_EQUAL(f->rule, "T1R3");
	CU_ASSERT_STRING_EQUAL(f->evidence, "SYN answered by RST (1 SYN)");
	CU_ASSERT_EQUAL(f->ts, MS(1));
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "rejected", "SYN answered by RST (1 SYN)");
	EXPECT_COV("fe1", "T1R3", "blocked", 0, "SYN answered by RST (1 SYN)");
	run_free();
}

/* A SYN the initiator itself resets before any answer (Zeek RSTOS0)
 * proved nothing open. */
static void
test_syn_then_own_rst(void)
{
	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(2000), CLI, 50000, FE1, 5061, TCP_RST, NULL, 0);
	tick(MS(20000));
	run_end();
	CU_ASSERT_STRING_NOT_EQUAL(cov("fe1", "T1R3")->state, "seen");
	run_free();
}

/* --- blocked: ICMP ------------------------------------------------------------- */

static void
test_icmp_port_unreachable(void)
{
	static const uint8_t ping[] = { 0x03 };	/* SQL Browser CLNT_UCAST_EX */
	struct pk q = { FE2, FE1, 50001, 1434, IPPROTO_NUM_UDP, 0, 0, ping, sizeof(ping) };
	const struct cap_finding *f;

	run_begin();
	udp(MS(0), FE2, 50001, FE1, 1434, ping, sizeof(ping));
	icmp_error(MS(2), RTR, FE2, 3, 3, &q);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 1);
	run_end();
	/* fe1 and fe2 observed; clients, vip, med1, fe6 not.  1434/UDP is
	 * both T1R1 and T1R38: the flow fails both. */
	expect_counts(0, 1, (MISS_FE - 1) + MISS_FE + 4, 0);
	f = only(FINDING_BLOCKED);
	CU_ASSERT_STRING_EQUAL(f->rule, "T1R1");
	CU_ASSERT_STRING_EQUAL(f->evidence, "ICMP 3/3 (port unreachable) from 198.18.1.1");
	CU_ASSERT_EQUAL(f->ts, MS(2));
	EXPECT_FLOW(IPPROTO_NUM_UDP, 1434, "new", "ICMP 3/3 (port unreachable) from 198.18.1.1");
	EXPECT_COV("fe1", "T1R1", "blocked", 0, "ICMP 3/3 (port unreachable) from 198.18.1.1");
	EXPECT_COV("fe1", "T1R38", "blocked", 0, "ICMP 3/3 (port unreachable) from 198.18.1.1");
	CU_ASSERT_STRING_EQUAL(cov("fe2", "T1R1")->state, "missing");
	CU_ASSERT_PTR_NOT_NULL(missing("clients", ""));
	run_free();
}

static void
test_icmp_host_unreachable_tcp(void)
{
	struct pk q = { CLI, FE1, 50000, 444, IPPROTO_NUM_TCP, SYN, 0, NULL, 0 };

	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 444, SYN, NULL, 0);
	icmp_error(MS(3), RTR, CLI, 3, 1, &q);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 0);	/* held (scan.h) */
	tcp(MS(1000), CLI, 50000, FE1, 444, SYN, NULL, 0);
	tick(MS(20000));
	run_end();
	expect_counts(0, 1, baseline(MISS_FE - 1), 0);
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->rule, "T1R4");
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->evidence,
	    "ICMP 3/1 (host unreachable) from 198.18.1.1");
	EXPECT_FLOW(IPPROTO_NUM_TCP, 444, "attempted", "ICMP 3/1 (host unreachable) from 198.18.1.1");
	run_free();
}

static void
test_icmpv6_admin_prohibited(void)
{
	struct pk q = { CLI6, FE6, 50000, 5061, IPPROTO_NUM_TCP, SYN, 0, NULL, 0 };
	const struct cap_finding *f;

	run_begin();
	tcp(MS(0), CLI6, 50000, FE6, 5061, SYN, NULL, 0);
	icmp_error(MS(1), RTR6, CLI6, 1, 1, &q);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 0);	/* held (scan.h) */
	run_end();
	/* fe6: T1R3 blocked; the clients' T4R6 too; fe1, fe2, vip, med1 unobserved */
	expect_counts(0, 1, (MISS_FE6 - 1) + (MISS_CLI - 1) + 4, 0);
	f = only(FINDING_BLOCKED);
	CU_ASSERT_STRING_EQUAL(f->rule, "T1R3");
	CU_ASSERT_STRING_EQUAL(f->evidence,
	    "ICMPv6 1/1 (administratively prohibited) from 2001:db8:1::1");
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "attempted",
	    "ICMPv6 1/1 (administratively prohibited) from 2001:db8:1::1");
	EXPECT_COV("fe6", "T1R3", "blocked", 0,
	    "ICMPv6 1/1 (administratively prohibited) from 2001:db8:1::1");
	CU_ASSERT_PTR_NOT_NULL(missing("fe1", ""));
	run_free();
}

/* Fragmentation needed is path MTU discovery, not a block. */
static void
test_icmp_frag_needed(void)
{
	struct pk q = { FE1, CLI, 5061, 50000, IPPROTO_NUM_TCP, PSHACK, 0, NULL, 0 };

	run_begin();
	handshake(MS(0), CLI, 50000, FE1, 5061);
	tcp(MS(2), CLI, 50000, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	icmp_error(MS(3), RTR, FE1, 3, 4, &q);
	tick(MS(20000));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "established", "");
	EXPECT_COV("fe1", "T1R3", "seen", 1, "");
	run_free();
}

/* An ICMP error about an attempt that had already succeeded (a route
 * or filter changed later) does not make the port blocked. */
static void
test_icmp_after_established(void)
{
	struct pk q = { CLI, FE1, 50000, 5061, IPPROTO_NUM_TCP, PSHACK, 0, NULL, 0 };

	run_begin();
	handshake(MS(0), CLI, 50000, FE1, 5061);
	tcp(MS(2), CLI, 50000, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	icmp_error(MS(5000), RTR, CLI, 3, 13, &q);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	EXPECT_COV("fe1", "T1R3", "seen", 1, "");
	run_free();
}

/* A request answered, then the client's port closed: the client's ICMP
 * port unreachable quotes the server's late datagram.  It says nothing
 * about the server's port. */
static void
test_icmp_quoting_reply(void)
{
	static const uint8_t ping[] = { 0x03 };
	struct pk q = { FE1, CLI, 1434, 50002, IPPROTO_NUM_UDP, 0, 0, ping, sizeof(ping) };

	run_begin();
	udp(MS(0), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	udp(MS(10), FE1, 1434, CLI, 50002, ping, sizeof(ping));
	udp(MS(3000), FE1, 1434, CLI, 50002, ping, sizeof(ping));
	icmp_error(MS(3001), CLI, FE1, 3, 3, &q);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline(MISS_FE - 1), 0);
	EXPECT_COV("fe1", "T1R1", "seen", 1, "");
	run_free();
}

/* --- blocked: UDP request/response ------------------------------------------------ */

static void
test_udp_reqresp(void)
{
	static const uint8_t ping[] = { 0x03 };
	const struct cap_finding *f;

	/* two datagrams, never answered */
	run_begin();
	udp(MS(0), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	udp(MS(1000), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	tick(MS(10000));
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 0);	/* decided when the flow is */
	run_end();
	expect_counts(0, 1, baseline(MISS_FE - 1), 0);
	f = only(FINDING_BLOCKED);
	CU_ASSERT_STRING_EQUAL(f->rule, "T1R1");
	CU_ASSERT_STRING_EQUAL(f->evidence, "2 datagrams, no answer");
	EXPECT_FLOW(IPPROTO_NUM_UDP, 1434, "new", "2 datagrams, no answer");
	EXPECT_COV("fe1", "T1R1", "blocked", 0, "2 datagrams, no answer");
	EXPECT_COV("fe1", "T1R38", "blocked", 0, "2 datagrams, no answer");
	run_free();

	/* a later datagram past the answer timeout decides it at once */
	run_begin();
	udp(MS(0), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	udp(MS(6000), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 1);
	run_end();
	expect_counts(0, 1, baseline(MISS_FE - 1), 0);
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->evidence, "2 datagrams, no answer");
	run_free();

	/* answered */
	run_begin();
	udp(MS(0), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	udp(MS(10), FE1, 1434, CLI, 50002, ping, sizeof(ping));
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline(MISS_FE - 1), 0);
	EXPECT_FLOW(IPPROTO_NUM_UDP, 1434, "established", "");
	EXPECT_COV("fe1", "T1R1", "seen", 1, "");
	EXPECT_COV("fe1", "T1R38", "seen", 1, "");
	run_free();

	/* two datagrams at the end of the capture: not decided */
	run_begin();
	tick(MS(0));
	udp(MS(9000), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	udp(MS(9500), CLI, 50002, FE1, 1434, ping, sizeof(ping));
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline(MISS_FE), 0);
	EXPECT_FLOW(IPPROTO_NUM_UDP, 1434, "new", "");
	EXPECT_COV("fe1", "T1R1", "missing", 0, "");
	run_free();
}

/* STUN to an outside relay (T4R5, client out 3478, reqresp): proves or
 * fails the client network's row. */
static void
test_udp_stun(void)
{
	static const uint8_t stun[] = {
		0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
		0x63, 0xc7, 0x11, 0x7e, 0x07, 0x14, 0x27, 0x8f, 0x5d, 0xed, 0x32, 0x21
	};
	const char *relay = "198.19.50.1";

	run_begin();
	udp(MS(0), CLI, 50030, relay, 3478, stun, sizeof(stun));
	tick(MS(10000));
	run_end();
	/* fe1 unobserved now: 5 hosts; clients: T4R5 blocked */
	expect_counts(0, 1, MISS_CLI + 5, 0);
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->rule, "T4R5");
	CU_ASSERT_STRING_EQUAL(only(FINDING_BLOCKED)->evidence, "1 datagram, no answer");
	EXPECT_COV("clients", "T4R5", "blocked", 0, "1 datagram, no answer");
	run_free();

	run_begin();
	udp(MS(0), CLI, 50030, relay, 3478, stun, sizeof(stun));
	udp(MS(20), relay, 3478, CLI, 50030, stun, sizeof(stun));
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, MISS_CLI + 5, 0);
	EXPECT_COV("clients", "T4R5", "seen", 1, "");
	run_free();

	/* not STUN on a STUN row */
	run_begin();
	udp(MS(0), CLI, 50030, relay, 3478, "hello", 5);
	udp(MS(20), relay, 3478, CLI, 50030, stun, sizeof(stun));
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, MISS_CLI + 5, 1);
	expect_mismatch("T4R5", "5 bytes (first byte 0x68) on 3478 where the row says stun");
	run_free();
}

/* --- unexpected ------------------------------------------------------------------ */

static void
test_unexpected_syn(void)
{
	const struct cap_finding *f;

	run_begin();
	tcp(MS(0), CLI, 50004, FE1, 22, SYN, NULL, 0);
	/* held: it could be a scan's first probe (scan.h) */
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 0);
	tick(MS(4900));
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 0);
	tick(MS(6000));			/* answer-timeout after the SYN: raised */
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 1);
	tick(MS(10000));
	run_end();
	expect_counts(1, 0, baseline(MISS_FE), 0);
	f = only(FINDING_UNEXPECTED);
	CU_ASSERT_EQUAL(f->ts, MS(0));	/* the time it would have had at once */
	CU_ASSERT_STRING_EQUAL(f->rule, "");
	CU_ASSERT_STRING_EQUAL(f->evidence, "");
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd unexpected TCP/22 client -> front-end");
	CU_ASSERT_EQUAL(flow_to(IPPROTO_NUM_TCP, 22)->verdict, VERDICT_UNEXPECTED);
	EXPECT_FLOW(IPPROTO_NUM_TCP, 22, "attempted", "no answer to 1 SYN");
	run_free();
}

/* --- protocol mismatch -------------------------------------------------------------- */

/* handshake client -> server:port, then `first` from the client (or the
 * server when server_first); returns after engine_finish(). */
static void
mismatch_run(const char *c, const char *s, uint16_t port, int server_first,
    const void *first, size_t len)
{
	run_begin();
	handshake(MS(0), c, 50010, s, port);
	if (server_first)
		tcp(MS(2), s, port, c, 50010, PSHACK, first, len);
	else
		tcp(MS(2), c, 50010, s, port, PSHACK, first, len);
	tick(MS(10000));
	run_end();
}

static void
test_mismatch_sip_on_5061(void)
{
	mismatch_run(CLI, FE1, 5061, 0, sip_register, sizeof(sip_register) - 1);
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 1);
	expect_mismatch("T1R3", "SIP REGISTER in cleartext on 5061");
	CU_ASSERT_STRING_EQUAL(only(FINDING_PROTOCOL_MISMATCH)->signature,
	    "conformd protocol_mismatch TCP/5061 front-end (T1R3): SIP REGISTER in cleartext on 5061");
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "established", "");
	EXPECT_COV("fe1", "T1R3", "seen", 1, "");
	run_free();
}

static void
test_mismatch_tls_on_5061(void)
{
	mismatch_run(CLI, FE1, 5061, 0, tls_hello, sizeof(tls_hello));
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	run_free();
}

/* An SSLv2-format ClientHello offering TLS 1.0 starts a TLS session: it
 * is no cleartext. */
static void
test_mismatch_sslv2_on_5061(void)
{
	mismatch_run(CLI, FE1, 5061, 0, sslv2_hello, sizeof(sslv2_hello));
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	run_free();
}

static void
test_mismatch_http_on_443(void)
{
	mismatch_run(CLI, FE1, 443, 0, http_get, sizeof(http_get) - 1);
	expect_counts(0, 0, baseline(MISS_FE - 1), 1);
	expect_mismatch("T1R19", "HTTP GET in cleartext on 443");
	run_free();
}

/* Arbitrary bytes on a TLS row are a mismatch too. */
static void
test_mismatch_bytes_on_5061(void)
{
	static const uint8_t junk[] = { 0x41, 0x9c, 0x00, 0xff, 0x7e };

	mismatch_run(CLI, FE1, 5061, 0, junk, sizeof(junk));
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 1);
	expect_mismatch("T1R3", "5 bytes (first byte 0x41) in cleartext on 5061");
	run_free();
}

/* fe1 -> web farm 80 (T1R11, http): TLS there is the other way round. */
static void
test_mismatch_tls_on_80(void)
{
	mismatch_run(FE1, WEB, 80, 0, tls_hello, sizeof(tls_hello));
	/* fe1 observed; clients now unobserved too */
	expect_counts(0, 0, MISS_FE + 5, 1);
	expect_mismatch("T1R11", "TLS handshake on 80 where the row says http");
	EXPECT_COV("fe1", "T1R11", "seen", 1, "");
	run_free();

	/* HTTP there conforms */
	mismatch_run(FE1, WEB, 80, 0, http_get, sizeof(http_get) - 1);
	expect_counts(0, 0, MISS_FE + 5, 0);
	run_free();
}

static void
test_mismatch_server_first(void)
{
	mismatch_run(CLI, FE1, 5061, 1, ssh_banner, sizeof(ssh_banner) - 1);
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 1);
	expect_mismatch("T1R3", "server spoke first: SSH banner on 5061");
	run_free();
}

/* Only the first payload segment is looked at. */
static void
test_mismatch_first_segment_only(void)
{
	run_begin();
	handshake(MS(0), CLI, 50010, FE1, 5061);
	tcp(MS(2), CLI, 50010, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	tcp(MS(3), FE1, 5061, CLI, 50010, PSHACK, ssh_banner, sizeof(ssh_banner) - 1);
	tcp(MS(4), CLI, 50010, FE1, 5061, PSHACK, sip_register, sizeof(sip_register) - 1);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	run_free();
}

/* A flow picked up mid-stream: its first segment is not the first one. */
static void
test_mismatch_midstream(void)
{
	run_begin();
	tcp(MS(0), CLI, 50010, FE1, 5061, PSHACK, sip_register, sizeof(sip_register) - 1);
	tcp(MS(1), FE1, 5061, CLI, 50010, ACK, NULL, 0);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5061, "midstream", "");
	CU_ASSERT_EQUAL(flow_to(IPPROTO_NUM_TCP, 5061)->midstream, 1);
	CU_ASSERT_STRING_EQUAL(flow_to(IPPROTO_NUM_TCP, 5061)->rule, "T1R3");
	run_free();
}

/* A first segment cut by the snaplen to 2 bytes of a TLS record proves
 * nothing: no mismatch on what was not captured. */
static void
test_mismatch_snaplen(void)
{
	struct pk k = { CLI, FE1, 50010, 5061, IPPROTO_NUM_TCP, PSHACK, 0, tls_hello,
		sizeof(tls_hello) };

	run_begin();
	handshake(MS(0), CLI, 50010, FE1, 5061);
	send_pk_cut(MS(2), &k, sizeof(tls_hello) - 2);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	run_free();
}

/* --- missing and unobserved -------------------------------------------------------- */

/* Coverage records lost before the collector (live overload): every
 * missing finding of the window says how many, the rest is unchanged. */
static void
test_missing_lost(void)
{
	const struct cap_finding *f;

	run_begin();
	handshake(MS(0), CLI, 50010, FE1, 5061);
	tcp(MS(2), CLI, 50010, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	collector_set_lost(col, 7);
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	f = missing("fe1", "T1R1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->evidence, "no successful flow seen (7 coverage records lost "
	    "in this window: it may have been seen)");
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing UDP/1434 on fe1 (T1R1, T1R38)");
	f = missing("fe2", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->evidence, "unobserved: no traffic to or from this host "
	    "(7 coverage records lost in this window: it may have been seen)");
	for (int i = 0; i < cap.nfind; i++)
		if (cap.find[i].kind == FINDING_MISSING)
			CU_ASSERT_PTR_NOT_NULL(strstr(cap.find[i].evidence, "(7 coverage records lost"));
	run_free();
}

static void
test_missing(void)
{
	const struct cap_finding *f;
	char *sum;

	run_begin();
	handshake(MS(0), CLI, 50010, FE1, 5061);
	tcp(MS(2), CLI, 50010, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	CU_ASSERT_EQUAL(missing_for("fe1"), MISS_FE - 1);
	CU_ASSERT_EQUAL(missing_for("clients"), MISS_CLI - 1);
	EXPECT_COV("fe1", "T1R3", "seen", 1, "");
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R3"));
	/* the client's 5061 to a Front End proves its own row T4R6 too */
	EXPECT_COV("clients", "T4R6", "seen", 1, "");
	CU_ASSERT_PTR_NULL(missing("clients", "T4R6"));

	/* T1R1 and T1R38 ask the same of fe1: one finding, citing both */
	f = missing("fe1", "T1R1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing UDP/1434 on fe1 (T1R1, T1R38)");
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R38"));
	EXPECT_COV("fe1", "T1R38", "missing", 0, "");
	CU_ASSERT_EQUAL(f->host_is_src, 0);
	CU_ASSERT_STRING_EQUAL(f->evidence, "no successful flow seen");
	CU_ASSERT_STRING_EQUAL(f->host_ip, "198.18.1.11");
	CU_ASSERT_EQUAL(f->port, 1434);
	CU_ASSERT_EQUAL(f->proto, IPPROTO_NUM_UDP);
	CU_ASSERT_EQUAL(f->has_flow, 0);
	CU_ASSERT_EQUAL(f->severity, 3);
	CU_ASSERT_EQUAL(f->ts, MS(2));		/* the end of the window */
	f = missing("fe1", "T1R4");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing TCP/444 on fe1 (T1R4)");
	CU_ASSERT_EQUAL(f->port, 444);
	CU_ASSERT_EQUAL(f->proto, IPPROTO_NUM_TCP);
	f = missing("fe1", "T1R25");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing TCP/5081 from fe1 (T1R25)");
	CU_ASSERT_STRING_EQUAL(f->host_ip, "198.18.1.11");
	CU_ASSERT_EQUAL(f->host_is_src, 1);	/* an out rule: fe1 is the source */
	CU_ASSERT_PTR_NOT_NULL(strstr(f->cite, "table 1, row 25"));
	/* rows of features the site does not deploy: never missing */
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R32"));
	EXPECT_COV("fe1", "T1R32", "not-applicable", 0, "");
	CU_ASSERT_PTR_NULL(missing("clients", "T4R5"));
	EXPECT_COV("clients", "T4R5", "not-applicable", 0, "");
	/* an optional row the English made optional */
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R11"));
	EXPECT_COV("fe1", "T1R11", "optional-unseen", 0, "");
	f = missing("fe1", "T1R39");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing TCP/49152-57500 on fe1 (T1R39)");
	CU_ASSERT_EQUAL(f->port, 49152);
	EXPECT_COV("fe1", "T1R4", "missing", 0, "");
	/* optional: not missing */
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R2"));
	EXPECT_COV("fe1", "T1R2", "optional-unseen", 0, "");
	/* rules of other roles do not apply */
	CU_ASSERT_PTR_NULL(cov("fe1", "T1R37"));
	CU_ASSERT_PTR_NULL(cov("fe1", "T1R41"));
	CU_ASSERT_PTR_NULL(cov("fe1", "T2R1"));
	CU_ASSERT_EQUAL(cov_rows("fe1", NULL), APP_FE);

	/* client media range rules name the inventory's range; audio and
	 * video (T4R8, T4R9) are one requirement */
	f = missing("clients", "T4R8");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->port, 1024);
	CU_ASSERT_STRING_EQUAL(f->host_ip, "");		/* two prefixes */
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing TCP/client-media on clients (T4R8, T4R9)");
	CU_ASSERT_PTR_NULL(missing("clients", "T4R9"));

	/* fe2: one finding, no missing rows */
	CU_ASSERT_EQUAL(missing_for("fe2"), 1);
	f = missing("fe2", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->evidence, "unobserved: no traffic to or from this host");
	CU_ASSERT_STRING_EQUAL(f->signature, "conformd missing: host fe2 unobserved");
	CU_ASSERT_STRING_EQUAL(f->host_ip, "198.18.1.12");
	CU_ASSERT_EQUAL(f->has_flow, 0);
	CU_ASSERT_EQUAL(cov_rows("fe2", NULL), APP_FE);
	CU_ASSERT_EQUAL(cov_rows("fe2", "unobserved"), APP_FE - 1);
	CU_ASSERT_EQUAL(cov_rows("fe2", "not-applicable"), 1);	/* T1R32 */
	/* the other unobserved hosts, likewise */
	CU_ASSERT_EQUAL(missing_for("fe-pool/vip"), 1);
	CU_ASSERT_EQUAL(missing_for("med1"), 1);
	CU_ASSERT_EQUAL(missing_for("fe6"), 1);
	CU_ASSERT_EQUAL(cov_rows("fe-pool/vip", "unobserved"), 15);
	/* peers carry no rule */
	CU_ASSERT_EQUAL(missing_for("pstn1"), 0);
	CU_ASSERT_EQUAL(cov_rows("pstn1", NULL), 0);
	CU_ASSERT_EQUAL(cap.ncov, PAIRS_TOTAL);

	sum = summary();
	CU_ASSERT_PTR_NOT_NULL(strstr(sum,
	    "coverage: 142 (host, rule) pairs: 2 seen, 0 blocked, 39 missing, 3 optional unseen, 91 unobserved, 7 not applicable (4 hosts without traffic)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sum,
	    "findings: 40 (unexpected 0, blocked 0, missing 40, protocol_mismatch 0)\n"));
	free(sum);
	run_free();
}

/* No IP traffic at all: the sensor is unobserved, nothing is missing. */
static void
test_sensor_blind(void)
{
	char *sum;

	run_begin();
	arp(MS(0));
	arp(MS(1000));
	run_end();
	expect_counts(0, 0, 0, 0);
	CU_ASSERT_EQUAL(cap.ncov, PAIRS_TOTAL);
	/* unobserved, but rows the site need not show stay not-applicable */
	CU_ASSERT_EQUAL(cov_rows("fe1", "unobserved"), APP_FE - 1);
	CU_ASSERT_EQUAL(cov_rows("clients", "unobserved"), 7);
	CU_ASSERT_EQUAL(cov_rows("clients", "not-applicable"), 4);
	for (int i = 0; i < cap.ncov; i++)
		CU_ASSERT(strcmp(cap.cov[i].state, "unobserved") == 0 ||
		    strcmp(cap.cov[i].state, "not-applicable") == 0);
	CU_ASSERT_EQUAL(engine_counters(eng)->non_ip, 2);
	sum = summary();
	CU_ASSERT_PTR_NOT_NULL(strstr(sum,
	    "coverage: no IP traffic seen: the sensor is unobserved, nothing reported missing\n"));
	free(sum);
	run_free();
}

/* --- severity ---------------------------------------------------------------------- */

static void
test_severity(void)
{
	struct config saved = cfg;
	static char r3[] = "T1R3", r5[] = "T1R5";

	cfg.severity[FINDING_MISSING] = 1;
	cfg.rule_sev[0].rule = r3;
	cfg.rule_sev[0].severity = 3;
	cfg.rule_sev[1].rule = r5;
	cfg.rule_sev[1].severity = 2;
	cfg.nrule_sev = 2;
	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(0), CLI, 50004, FE1, 22, SYN, NULL, 0);
	tick(MS(10000));
	run_end();
	expect_counts(1, 1, baseline_5061(MISS_FE - 1), 0);
	CU_ASSERT_EQUAL(only(FINDING_BLOCKED)->severity, 3);	/* rule override */
	CU_ASSERT_EQUAL(only(FINDING_UNEXPECTED)->severity, 2);	/* default */
	CU_ASSERT_EQUAL(missing("fe1", "T1R4")->severity, 1);	/* kind setting */
	CU_ASSERT_EQUAL(missing("fe1", "T1R5")->severity, 2);	/* rule override */
	CU_ASSERT_EQUAL(missing("fe2", "")->severity, 1);
	run_free();
	cfg = saved;
}

/* --- coverage attribution -------------------------------------------------------------- */

/* An `out` rule proves the connecting host: fe1 -> PSTN gateway 5081. */
static void
test_out_rule_coverage(void)
{
	run_begin();
	handshake(MS(0), FE1, 50020, PSTN, 5081);
	tcp(MS(2), FE1, 50020, PSTN, 5081, PSHACK, sip_invite, sizeof(sip_invite) - 1);
	tick(MS(10000));
	run_end();
	expect_counts(0, 0, (MISS_FE - 1) + 5, 0);
	EXPECT_FLOW(IPPROTO_NUM_TCP, 5081, "established", "");
	CU_ASSERT_STRING_EQUAL(flow_to(IPPROTO_NUM_TCP, 5081)->rule, "T1R25");
	EXPECT_COV("fe1", "T1R25", "seen", 1, "");
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R25"));
	CU_ASSERT_EQUAL(cov_rows("pstn1", NULL), 0);
	run_free();
}

/*
 * A flow that lives through 40 reloads keeps the rule of the policy that
 * judged it (the engine used to remember the last 16 policies only: the
 * flow ended "expected" with no rule), and each policy the engine no
 * longer needs is released (engine_released()), the flow's own only once
 * the flow has left.
 */
static void
test_reloads(void)
{
	struct policy *p[41];
	uint32_t rel[64];
	const struct cap_flow *f;
	int n;

	run_begin();
	tcp(MS(0), CLI, 50000, FE1, 5061, SYN, NULL, 0);
	tcp(MS(1), FE1, 5061, CLI, 50000, SYNACK, NULL, 0);
	tcp(MS(2), CLI, 50000, FE1, 5061, ACK, NULL, 0);
	for (int g = 1; g <= 40; g++) {
		p[g] = policy_compile(&rs, &inv);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p[g]);
		CU_ASSERT_EQUAL(engine_set_policy(eng, p[g], (uint32_t)g), 0);
		tcp(MS(10 + g), CLI, 50000, FE1, 5061, ACK, NULL, 0);
	}
	CU_ASSERT_EQUAL(engine_min_gen(eng), 0);	/* the flow's */
	n = engine_released(eng, rel, 64);
	CU_ASSERT_EQUAL(n, 39);				/* 1..39: replaced, no flow */
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(rel[i], (uint32_t)i + 1);
	tcp(MS(100), CLI, 50000, FE1, 5061, TCP_FIN | TCP_ACK, NULL, 0);
	tcp(MS(101), FE1, 5061, CLI, 50000, TCP_FIN | TCP_ACK, NULL, 0);
	tcp(MS(102), CLI, 50000, FE1, 5061, ACK, NULL, 0);
	tick(MS(100000));				/* past tcp-closed: it ends */
	CU_ASSERT_EQUAL(engine_released(eng, rel, 64), 1);
	CU_ASSERT_EQUAL(rel[0], 0);
	CU_ASSERT_EQUAL(engine_min_gen(eng), 40);
	f = flow_to(IPPROTO_NUM_TCP, 5061);
	CU_ASSERT_EQUAL(f->verdict, VERDICT_EXPECTED);
	CU_ASSERT_STRING_EQUAL(f->rule, "T1R3");
	run_end();
	run_free();
	for (int g = 1; g <= 40; g++)
		policy_free(p[g]);
}

/* --- a reload in the middle of a coverage window ------------------------------------- */

/* The engine's sink while collectors are replaced under it: the current
 * `col`, as the daemon's store thread applies the workers' records. */
static void
tramp_flow(void *arg, const struct rec_flow *r)
{
	struct engine_sink s;

	(void)arg;
	collector_sink(col, &s);
	if (s.flow != NULL)
		s.flow(s.arg, r);
}

static void
tramp_finding(void *arg, const struct rec_finding *f)
{
	struct engine_sink s;

	(void)arg;
	collector_sink(col, &s);
	s.finding(s.arg, f);
}

static void
tramp_observe(void *arg, int host)
{
	struct engine_sink s;

	(void)arg;
	collector_sink(col, &s);
	s.observe(s.arg, host);
}

static void
tramp_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct engine_sink s;

	(void)arg;
	collector_sink(col, &s);
	s.cover(s.arg, host, rule, ok, bytes, first_usec, last_usec, evidence);
}

/*
 * A reload five seconds into a window does not judge it: the window's
 * coverage carries over to the new policy (collector_carry_window()) and
 * is judged at its end.  fe1/T1R3, proved before the reload, and again by
 * a connection opened before it and closed after it, is seen with both
 * flows; fe1's other required rules are missing once, as without the
 * reload; fe9, which the reload adds, joined the window late: no missing
 * finding, no unobserved one, no coverage row.  A second reload maps
 * through the first.
 */
static void
test_reload_window(void)
{
	static const char site2[] = "host fe9 198.18.1.19 role front-end\n";
	struct engine_sink out, tr;
	struct inventory inv2;
	struct policy *p2, *p3;
	struct coverage_map *m12, *m23;
	struct collector *c2;
	struct diag d;
	char path[512], *text;

	/* the inventory of the reload: the site and fe9 */
	text = malloc(sizeof(site) + sizeof(site2));
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	snprintf(text, sizeof(site) + sizeof(site2), "%s%s", site, site2);
	snprintf(path, sizeof(path), "%s/engine-site2.conf", unit_tmpdir());
	CU_ASSERT_EQUAL_FATAL(unit_spit(path, text), 0);
	free(text);
	diag_init(&d, stderr);
	inventory_init(&inv2);
	CU_ASSERT_EQUAL_FATAL(inventory_load(&inv2, path, &rs, &d), 0);
	p2 = policy_compile(&rs, &inv2);
	p3 = policy_compile(&rs, &inv2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p3);

	memset(&cap, 0, sizeof(cap));
	memset(&out, 0, sizeof(out));
	out.arg = &cap;
	out.flow = cap_flow;
	out.finding = cap_finding;
	out.coverage = cap_cov;
	pktnum = 0;
	last_ts = 0;
	col = collector_new(&cfg, pol, &out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(col);
	memset(&tr, 0, sizeof(tr));
	tr.flow = tramp_flow;
	tr.finding = tramp_finding;
	tr.observe = tramp_observe;
	tr.cover = tramp_cover;
	eng = engine_new(&cfg, pol, &tr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(eng);

	/* before the reload: a whole connection proves T1R3; another opens */
	handshake(MS(0), CLI, 50000, FE1, 5061);
	tcp(MS(2), CLI, 50000, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	tcp(MS(3), CLI, 50000, FE1, 5061, TCP_FIN | TCP_ACK, NULL, 0);
	tcp(MS(4), FE1, 5061, CLI, 50000, TCP_FIN | TCP_ACK, NULL, 0);
	handshake(MS(100), CLI, 50001, FE1, 5061);
	tcp(MS(102), CLI, 50001, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	tick(MS(5000));

	/* the reload: the engine judges by p2, a collector of p2 takes the window */
	CU_ASSERT_EQUAL_FATAL(engine_set_policy(eng, p2, 1), 0);
	m12 = coverage_map_new(pol, p2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m12);
	CU_ASSERT_EQUAL(coverage_map_host(m12, 0), 0);		/* the same hosts first */
	CU_ASSERT_EQUAL(coverage_map_host(m12, inv.nhosts), -1);	/* out of range */
	c2 = collector_new(&cfg, p2, &out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	collector_carry_window(c2, col, m12);
	collector_free(col);
	col = c2;
	CU_ASSERT_EQUAL(cap.ncov, 0);		/* nothing judged */
	CU_ASSERT_EQUAL(count(FINDING_MISSING), 0);

	/* a second reload: p3, the maps chained */
	CU_ASSERT_EQUAL_FATAL(engine_set_policy(eng, p3, 2), 0);
	m23 = coverage_map_new(p2, p3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m23);
	coverage_map_chain(m12, m23);
	CU_ASSERT_EQUAL(coverage_map_rule(m12, 3), 3);
	c2 = collector_new(&cfg, p3, &out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	collector_carry_window(c2, col, m23);
	collector_free(col);
	col = c2;

	/* after: the connection judged by the first policy closes */
	tcp(MS(6000), CLI, 50001, FE1, 5061, TCP_FIN | TCP_ACK, NULL, 0);
	tcp(MS(6001), FE1, 5061, CLI, 50001, TCP_FIN | TCP_ACK, NULL, 0);
	tick(MS(60000));
	run_end();
	expect_counts(0, 0, baseline_5061(MISS_FE - 1), 0);
	EXPECT_COV("fe1", "T1R3", "seen", 2, "");
	CU_ASSERT_PTR_NULL(missing("fe1", "T1R3"));
	CU_ASSERT_EQUAL(missing_for("fe9"), 0);
	CU_ASSERT_EQUAL(cov_rows("fe9", NULL), 0);
	CU_ASSERT_EQUAL(missing_for("med1"), 1);	/* unobserved all along: said once */
	run_free();
	coverage_map_free(m12);
	coverage_map_free(m23);
	policy_free(p2);
	policy_free(p3);
	inventory_free(&inv2);
}

/* --- port scans (scan.h) ---------------------------------------------------------- */

/*
 * A SYN scan of fe1 from a client: 40 probes, 1 ms apart, on 1-36 and on
 * the four ports fe1's rows open to clients (135, 443, 444, 5061).  Closed
 * ports answer RST, 443 and 5061 SYN-ACK (and the scanner resets them).
 * The probes' findings are held, the 20th makes the client a scanner, and
 * every probe folds into one scan: no unexpected finding, no blocked one
 * on a Lync row, nothing in coverage (T1R3 stays missing, not blocked and
 * not seen); every flow is still recorded with its verdict.  The scan is
 * reported once it has been quiet a whole window (60 s).
 */
static uint16_t scan_ports[40];

static void
syn_scan(uint64_t t0, const char *src, const char *dst, int n, int answer_open)
{
	for (int i = 0; i < n; i++) {
		uint16_t port = scan_ports[i], sp = (uint16_t)(40000 + i);
		uint64_t t = t0 + (uint64_t)i * 1000u;

		tcp(t, src, sp, dst, port, SYN, NULL, 0);
		if (answer_open && (port == 443 || port == 5061)) {
			tcp(t + 500, dst, port, src, sp, SYNACK, NULL, 0);
			tcp(t + 600, src, sp, dst, port, TCP_RST, NULL, 0);
		} else
			tcp(t + 500, dst, port, src, sp, RSTACK, NULL, 0);
	}
}

static void
scan_ports_init(void)
{
	for (int i = 0; i < 36; i++)
		scan_ports[i] = (uint16_t)(i + 1);
	scan_ports[36] = 135;
	scan_ports[37] = 443;
	scan_ports[38] = 444;
	scan_ports[39] = 5061;
}

static void
test_scan_folded(void)
{
	const struct cap_finding *f;

	scan_ports_init();
	run_begin();
	syn_scan(T0, CLI, FE1, 40, 1);
	CU_ASSERT_EQUAL(cap.nfind, 0);			/* all held */
	tick(MS(10000));				/* due: folded */
	CU_ASSERT_EQUAL(cap.nfind, 0);
	tick(MS(50000));
	CU_ASSERT_EQUAL(count(FINDING_SCAN), 0);	/* not quiet a window yet */
	tick(MS(62000));
	CU_ASSERT_EQUAL(count(FINDING_SCAN), 1);	/* quiet since 0.04 s: over */
	run_end();
	expect_counts(0, 0, baseline(MISS_FE), 0);	/* the clients' T4R6 proved nothing either */
	CU_ASSERT_EQUAL(count(FINDING_SCAN), 1);
	f = only(FINDING_SCAN);
	CU_ASSERT_EQUAL(f->scan.probes, 40);
	CU_ASSERT_EQUAL(f->scan.ports, 40);
	CU_ASSERT_EQUAL(f->scan.answered, 2);
	CU_ASSERT_EQUAL(f->scan.hosts, 1);
	CU_ASSERT_EQUAL(f->scan.hosts_more, 0);
	CU_ASSERT_EQUAL(f->scan.window, 60);
	CU_ASSERT_EQUAL(f->scan.first_usec, T0);
	CU_ASSERT_EQUAL(f->scan.last_usec, MS(39));
	CU_ASSERT_EQUAL(f->ts, MS(62000));
	CU_ASSERT_EQUAL(f->severity, 2);
	CU_ASSERT_STRING_EQUAL(f->rule, "");
	CU_ASSERT_STRING_EQUAL(f->src_ip, CLI);
	CU_ASSERT_STRING_EQUAL(f->dest_ip, FE1);
	CU_ASSERT_EQUAL(f->sport, 0);
	CU_ASSERT_EQUAL(f->dport, 0);
	CU_ASSERT_STRING_EQUAL(f->signature,
	    "conformd scan from 198.18.10.5: 40 ports of 198.18.1.11, 2 answered");
	CU_ASSERT_STRING_EQUAL(f->evidence,
	    "40 probes in 0.0 s; answered: 443,5061; ports: 1-36,135,443-444,5061");
	/* every probe recorded, with its own verdict */
	{
		int ntcp = 0;

		for (int i = 0; i < cap.nflow; i++)
			ntcp += cap.flow[i].proto == IPPROTO_NUM_TCP;
		CU_ASSERT_EQUAL(ntcp, 40);
	}
	CU_ASSERT_EQUAL(flow_to(IPPROTO_NUM_TCP, 22)->verdict, VERDICT_UNEXPECTED);
	CU_ASSERT_EQUAL(flow_to(IPPROTO_NUM_TCP, 444)->verdict, VERDICT_EXPECTED);
	/* a scan's probes prove nothing: T1R3 missing, T1R4 (444) too */
	EXPECT_COV("fe1", "T1R3", "missing", 0, "");
	CU_ASSERT_STRING_EQUAL(cov("fe1", "T1R4")->state, "missing");
	CU_ASSERT_EQUAL(cov_rows("fe1", "blocked"), 0);
	CU_ASSERT_EQUAL(engine_counters(eng)->scans, 1);
	CU_ASSERT_EQUAL(engine_counters(eng)->scan_probes, 40);
	run_free();
}

/*
 * The scanner also talks: a TLS connection to 5061 after the scan proves
 * T1R3 (a conversation is no probe), and an SSH session to 22 is an
 * unexpected finding of its own.  Fewer probes than the threshold (19)
 * from another client are alerted one by one, each with its own time.
 */
static void
test_scan_conversations(void)
{
	const char *cli2 = "198.18.10.6";
	int n2 = 0;

	scan_ports_init();
	run_begin();
	syn_scan(T0, CLI, FE1, 30, 0);
	handshake(MS(100), CLI, 50000, FE1, 5061);
	tcp(MS(102), CLI, 50000, FE1, 5061, PSHACK, tls_hello, sizeof(tls_hello));
	handshake(MS(200), CLI, 50001, FE1, 22);
	tcp(MS(202), FE1, 22, CLI, 50001, PSHACK, ssh_banner, sizeof(ssh_banner) - 1);
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 1);	/* at its payload */
	for (int i = 0; i < 19; i++)
		tcp(MS(300 + i), cli2, (uint16_t)(41000 + i), FE2, (uint16_t)(1000 + i), SYN,
		    NULL, 0);
	tick(MS(10000));
	run_end();
	CU_ASSERT_EQUAL(count(FINDING_SCAN), 1);
	CU_ASSERT_EQUAL(only(FINDING_SCAN)->scan.probes, 30);
	CU_ASSERT_EQUAL(only(FINDING_SCAN)->scan.answered, 0);
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 20);
	for (int i = 0; i < cap.nfind; i++)
		if (cap.find[i].kind == FINDING_UNEXPECTED && strcmp(cap.find[i].src_ip, cli2) == 0) {
			CU_ASSERT_EQUAL(cap.find[i].ts, MS(300 + cap.find[i].dport - 1000));
			n2++;
		} else if (cap.find[i].kind == FINDING_UNEXPECTED) {
			CU_ASSERT_EQUAL(cap.find[i].dport, 22);
			CU_ASSERT_EQUAL(cap.find[i].ts, MS(200));
		}
	CU_ASSERT_EQUAL(n2, 19);
	EXPECT_COV("fe1", "T1R3", "seen", 1, "");
	run_free();
}

/*
 * A slow scan, a probe a second: the holds last answer-timeout (5 s), so
 * the probes due before the 20th are alerted one by one (0..14: the timer
 * of second 19 decides probe 14 before probe 19 is judged) and the rest
 * fold into the scan.  Every probe is in exactly one finding.
 */
static void
test_scan_slow(void)
{
	const struct cap_finding *f;

	run_begin();
	for (int i = 0; i < 30; i++)
		tcp(MS(1000 * i), CLI, (uint16_t)(40000 + i), FE1, (uint16_t)(2000 + i), SYN,
		    NULL, 0);
	tick(MS(100000));
	run_end();
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 15);
	f = only(FINDING_SCAN);
	CU_ASSERT_EQUAL(f->scan.probes, 15);
	CU_ASSERT_EQUAL(f->scan.first_usec, MS(15000));
	CU_ASSERT_EQUAL(f->scan.last_usec, MS(29000));
	CU_ASSERT_STRING_EQUAL(f->evidence,
	    "15 probes in 14.0 s; answered: none; ports: 2015-2029");
	run_free();
}

/* scan-threshold 0: no detection, nothing held (an unexpected SYN is
 * raised at once, an RST's blocked finding too). */
static void
test_scan_off(void)
{
	uint32_t saved = cfg.scan_threshold;

	cfg.scan_threshold = 0;
	scan_ports_init();
	run_begin();
	tcp(MS(0), CLI, 50004, FE1, 22, SYN, NULL, 0);
	CU_ASSERT_EQUAL(count(FINDING_UNEXPECTED), 1);
	tcp(MS(1), CLI, 50005, FE1, 5061, SYN, NULL, 0);
	tcp(MS(2), FE1, 5061, CLI, 50005, RSTACK, NULL, 0);
	CU_ASSERT_EQUAL(count(FINDING_BLOCKED), 1);
	run_end();
	CU_ASSERT_EQUAL(count(FINDING_SCAN), 0);
	run_free();
	cfg.scan_threshold = saved;
}

/* Counting sink for the bounds test: findings by kind. */
static uint64_t bound_kinds[FINDING_KINDS];

static void
bound_finding(void *arg, const struct rec_finding *f)
{
	(void)arg;
	if (f->kind > 0 && f->kind < FINDING_KINDS)
		bound_kinds[f->kind]++;
}

/*
 * Bounded: 3,000 sources of one probe each (the source table holds
 * 1,024: entries are reused, counted) and one scanner of 9,000 ports
 * within 1 s (more than the 8,192 holds: the oldest are decided early,
 * counted, and still fold, its source being a scanner).  3,000 unexpected
 * findings, one scan of 9,000 probes.
 */
static void
test_scan_bounds(void)
{
	struct engine_sink sink;
	const struct engine_counters *c;
	char a[32];

	memset(bound_kinds, 0, sizeof(bound_kinds));
	memset(&sink, 0, sizeof(sink));
	sink.finding = bound_finding;
	eng = engine_new(&cfg, pol, &sink);
	CU_ASSERT_PTR_NOT_NULL_FATAL(eng);
	for (int i = 0; i < 3000; i++) {
		snprintf(a, sizeof(a), "198.18.%d.%d", 100 + i / 250, i % 250 + 1);
		tcp(T0 + (uint64_t)i * 100u, a, 40000, FE1, 22, SYN, NULL, 0);
	}
	for (int i = 0; i < 9000; i++)
		tcp(T0 + (uint64_t)i * 100u + 50u, CLI, (uint16_t)(20000 + i % 40000), FE1,
		    (uint16_t)(1 + i), SYN, NULL, 0);
	engine_finish(eng);
	c = engine_counters(eng);
	CU_ASSERT(c->scan_sources_evicted > 0);
	CU_ASSERT(c->scan_holds_forced > 0);
	CU_ASSERT_EQUAL(c->scans, 1);
	CU_ASSERT_EQUAL(c->scan_probes, 9000);
	CU_ASSERT_EQUAL(bound_kinds[FINDING_UNEXPECTED], 3000);
	CU_ASSERT_EQUAL(bound_kinds[FINDING_SCAN], 1);
	engine_free(eng);
	eng = NULL;
}

void
test_engine_register(void)
{
	CU_pSuite s = CU_add_suite("engine", engine_setup, engine_teardown);

	CU_add_test(s, "site", test_site);
	CU_add_test(s, "a flow through 40 reloads keeps its rule", test_reloads);
	CU_add_test(s, "a reload carries the coverage window over", test_reload_window);
	CU_add_test(s, "S0", test_s0);
	CU_add_test(s, "S0 expired", test_s0_expired);
	CU_add_test(s, "findings name the tunnel of their packet", test_tunnel_findings);
	CU_add_test(s, "RST and ICMP through a tunnel name it", test_tunnel_blocked);
	CU_add_test(s, "S0 undecided", test_s0_undecided);
	CU_add_test(s, "REJ", test_rej);
	CU_add_test(s, "SYN then own RST", test_syn_then_own_rst);
	CU_add_test(s, "ICMP port unreachable", test_icmp_port_unreachable);
	CU_add_test(s, "ICMP host unreachable", test_icmp_host_unreachable_tcp);
	CU_add_test(s, "ICMPv6 admin prohibited", test_icmpv6_admin_prohibited);
	CU_add_test(s, "ICMP fragmentation needed", test_icmp_frag_needed);
	CU_add_test(s, "ICMP after established", test_icmp_after_established);
	CU_add_test(s, "ICMP quoting the reply", test_icmp_quoting_reply);
	CU_add_test(s, "UDP request/response", test_udp_reqresp);
	CU_add_test(s, "UDP STUN", test_udp_stun);
	CU_add_test(s, "unexpected SYN", test_unexpected_syn);
	CU_add_test(s, "scan: probes folded into one finding", test_scan_folded);
	CU_add_test(s, "scan: conversations and a few probes are not", test_scan_conversations);
	CU_add_test(s, "scan: slow, probes alerted until detected", test_scan_slow);
	CU_add_test(s, "scan: scan-threshold 0", test_scan_off);
	CU_add_test(s, "scan: bounded tables", test_scan_bounds);
	CU_add_test(s, "mismatch SIP on 5061", test_mismatch_sip_on_5061);
	CU_add_test(s, "mismatch TLS on 5061", test_mismatch_tls_on_5061);
	CU_add_test(s, "mismatch SSLv2 on 5061", test_mismatch_sslv2_on_5061);
	CU_add_test(s, "mismatch HTTP on 443", test_mismatch_http_on_443);
	CU_add_test(s, "mismatch bytes on 5061", test_mismatch_bytes_on_5061);
	CU_add_test(s, "mismatch TLS on 80", test_mismatch_tls_on_80);
	CU_add_test(s, "mismatch server first", test_mismatch_server_first);
	CU_add_test(s, "mismatch first segment only", test_mismatch_first_segment_only);
	CU_add_test(s, "mismatch midstream", test_mismatch_midstream);
	CU_add_test(s, "mismatch snaplen", test_mismatch_snaplen);
	CU_add_test(s, "missing", test_missing);
	CU_add_test(s, "missing: lost coverage records are said", test_missing_lost);
	CU_add_test(s, "sensor blind", test_sensor_blind);
	CU_add_test(s, "severity", test_severity);
	CU_add_test(s, "out rule coverage", test_out_rule_coverage);
}
