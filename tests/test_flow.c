/*
 * test_flow.c - the flow table: symmetric keys, initiator and TCP state,
 * per-class timeouts, the memory cap, fragments, index integrity.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "conformd/flow.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "unit.h"

struct sink {
	int		n;
	int		ends[4];
	struct flow	last;
};

static void
sink_emit(void *arg, const struct flow *f, int end)
{
	struct sink *s = arg;

	s->n++;
	s->ends[end]++;
	s->last = *f;
}

static struct flow_config
cfg_default(uint32_t max)
{
	struct flow_config c;

	memset(&c, 0, sizeof(c));
	c.max_flows = max;
	c.use_vlan = 1;
	c.tmo_tcp_syn = 30;
	c.tmo_tcp_est = 3600;
	c.tmo_tcp_closed = 10;
	c.tmo_udp = 120;
	c.tmo_other = 60;
	return c;
}

static void
v4(uint8_t a[16], uint32_t ip)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(ip >> 24);
	a[13] = (uint8_t)(ip >> 16);
	a[14] = (uint8_t)(ip >> 8);
	a[15] = (uint8_t)ip;
}

static struct pkt
mk(uint8_t proto, uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, uint8_t flags, uint64_t ts)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.ip_proto = proto;
	v4(p.src, s);
	v4(p.dst, d);
	p.sport = sp;
	p.dport = dp;
	p.has_ports = (proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP);
	p.tcp_flags = flags;
	p.wirelen = 100;
	p.caplen = 100;
	p.ts_usec = ts;
	return p;
}

#define C 0xc612000a	/* 198.18.0.10 */
#define S 0xc6120101	/* 198.18.1.1 */
#define SEC 1000000ULL

static void
test_symmetry_and_handshake(void)
{
	struct flow_config c = cfg_default(16);
	struct sink sk = { 0 };
	struct flow_table *ft = flow_table_new(&c, sink_emit, &sk);
	struct pkt p;
	struct flow *f1, *f2, *f3;
	int d1, d2, d3, cr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	p = mk(IPPROTO_NUM_TCP, C, 40000, S, 5061, TCP_SYN, 1 * SEC);
	f1 = flow_packet(ft, &p, &d1, &cr);
	CU_ASSERT_EQUAL(cr, 1);
	CU_ASSERT_EQUAL(f1->state, CONN_ATTEMPTED);
	p = mk(IPPROTO_NUM_TCP, S, 5061, C, 40000, TCP_SYN | TCP_ACK, 1 * SEC + 10);
	f2 = flow_packet(ft, &p, &d2, &cr);
	CU_ASSERT_EQUAL(cr, 0);
	CU_ASSERT_PTR_EQUAL(f1, f2);
	CU_ASSERT_NOT_EQUAL(d1, d2);
	CU_ASSERT_EQUAL(f2->state, CONN_ESTABLISHED);
	p = mk(IPPROTO_NUM_TCP, C, 40000, S, 5061, TCP_ACK, 1 * SEC + 20);
	f3 = flow_packet(ft, &p, &d3, &cr);
	CU_ASSERT_PTR_EQUAL(f1, f3);
	CU_ASSERT_EQUAL(d1, d3);
	CU_ASSERT_EQUAL(f3->ini, d1);
	CU_ASSERT_EQUAL(f3->pkts[d1], 2);
	CU_ASSERT_EQUAL(f3->pkts[!d1], 1);
	CU_ASSERT_EQUAL(f3->bytes[d1], 200);
	CU_ASSERT_EQUAL(f3->first_usec, 1 * SEC);
	CU_ASSERT_EQUAL(f3->last_usec, 1 * SEC + 20);
	CU_ASSERT_EQUAL(f3->syns, 1);
	CU_ASSERT_EQUAL(f3->rule, RULE_NONE);
	/* FIN both ways closes */
	p = mk(IPPROTO_NUM_TCP, C, 40000, S, 5061, TCP_FIN | TCP_ACK, 2 * SEC);
	flow_packet(ft, &p, &d3, &cr);
	CU_ASSERT_EQUAL(f3->state, CONN_ESTABLISHED);
	p = mk(IPPROTO_NUM_TCP, S, 5061, C, 40000, TCP_FIN | TCP_ACK, 2 * SEC);
	flow_packet(ft, &p, &d3, &cr);
	CU_ASSERT_EQUAL(f3->state, CONN_CLOSED);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->active, 1);
	flow_flush(ft);
	CU_ASSERT_EQUAL(sk.n, 1);
	CU_ASSERT_EQUAL(sk.ends[FLOW_END_FLUSH], 1);
	CU_ASSERT_EQUAL(sk.last.pkts[0] + sk.last.pkts[1], 5);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->active, 0);
	flow_table_free(ft);
}

static void
test_initiator_rules(void)
{
	struct flow_config c = cfg_default(16);
	struct flow_table *ft = flow_table_new(&c, NULL, NULL);
	struct pkt p;
	struct flow *f;
	int d, cr;

	/* SYN-ACK first: the receiver initiated */
	p = mk(IPPROTO_NUM_TCP, S, 443, C, 41000, TCP_SYN | TCP_ACK, SEC);
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(f->ini, !d);
	CU_ASSERT_EQUAL(f->flags & FLOW_F_MIDSTREAM, 0);
	/* data first: mid-stream, sender provisionally */
	p = mk(IPPROTO_NUM_TCP, S, 444, C, 41001, TCP_ACK | TCP_PSH, SEC);
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(f->ini, d);
	CU_ASSERT_EQUAL(f->state, CONN_MIDSTREAM);
	CU_ASSERT(f->flags & FLOW_F_MIDSTREAM);
	flow_set_initiator(f, !d);
	CU_ASSERT_EQUAL(f->ini, !d);
	/* UDP: first sender; answer establishes */
	p = mk(IPPROTO_NUM_UDP, C, 5000, S, 1434, 0, SEC);
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(f->ini, d);
	CU_ASSERT_EQUAL(f->state, CONN_NEW);
	p = mk(IPPROTO_NUM_UDP, S, 1434, C, 5000, 0, SEC);
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(cr, 0);
	CU_ASSERT_EQUAL(f->state, CONN_ESTABLISHED);
	/* RST answering a SYN: rejected; repeated SYNs counted */
	p = mk(IPPROTO_NUM_TCP, C, 42000, S, 5067, TCP_SYN, SEC);
	flow_packet(ft, &p, &d, &cr);
	p = mk(IPPROTO_NUM_TCP, C, 42000, S, 5067, TCP_SYN, 2 * SEC);
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(f->syns, 2);
	p = mk(IPPROTO_NUM_TCP, S, 5067, C, 42000, TCP_RST | TCP_ACK, 2 * SEC);
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(f->state, CONN_REJECTED);
	CU_ASSERT_STRING_EQUAL(conn_state_name(f->state), "rejected");
	CU_ASSERT_STRING_EQUAL(conn_state_eve(f->state), "closed");
	flow_table_free(ft);
}

static void
test_vlan_key(void)
{
	struct flow_config c = cfg_default(16);
	struct flow_table *ft = flow_table_new(&c, NULL, NULL);
	struct pkt p;
	struct flow *a, *b;
	int d, cr;

	p = mk(IPPROTO_NUM_UDP, C, 5000, S, 1434, 0, SEC);
	p.vlan[0] = 10;
	a = flow_packet(ft, &p, &d, &cr);
	p.vlan[0] = 20;
	b = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(cr, 1);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);
	flow_table_free(ft);

	c.use_vlan = 0;
	ft = flow_table_new(&c, NULL, NULL);
	p.vlan[0] = 10;
	a = flow_packet(ft, &p, &d, &cr);
	p.vlan[0] = 20;
	b = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(cr, 0);
	CU_ASSERT_PTR_EQUAL(a, b);
	flow_table_free(ft);
}

static void
test_timeouts(void)
{
	struct flow_config c = cfg_default(16);
	struct sink sk = { 0 };
	struct flow_table *ft = flow_table_new(&c, sink_emit, &sk);
	struct pkt p;
	int d, cr;

	p = mk(IPPROTO_NUM_TCP, C, 40000, S, 5061, TCP_SYN, 100 * SEC);	/* syn class, 30 s */
	flow_packet(ft, &p, &d, &cr);
	p = mk(IPPROTO_NUM_UDP, C, 5000, S, 1434, 0, 100 * SEC);		/* udp, 120 s */
	flow_packet(ft, &p, &d, &cr);
	flow_expire(ft, 129 * SEC);
	CU_ASSERT_EQUAL(sk.n, 0);
	flow_expire(ft, 130 * SEC);
	CU_ASSERT_EQUAL(sk.n, 1);
	CU_ASSERT_EQUAL(sk.last.key.proto, IPPROTO_NUM_TCP);
	CU_ASSERT_EQUAL(sk.ends[FLOW_END_TIMEOUT], 1);
	/* activity refreshes the UDP flow */
	p = mk(IPPROTO_NUM_UDP, S, 1434, C, 5000, 0, 200 * SEC);
	flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(cr, 0);
	flow_expire(ft, 319 * SEC);
	CU_ASSERT_EQUAL(sk.n, 1);
	flow_expire(ft, 320 * SEC);
	CU_ASSERT_EQUAL(sk.n, 2);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->expired, 2);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->active, 0);
	flow_table_free(ft);
}

static void
test_memory_cap(void)
{
	struct flow_config c = cfg_default(4);
	struct sink sk = { 0 };
	struct flow_table *ft = flow_table_new(&c, sink_emit, &sk);
	struct pkt p;
	int d, cr;

	for (int i = 0; i < 4; i++) {
		p = mk(IPPROTO_NUM_UDP, C, (uint16_t)(5000 + i), S, 1434, 0, (uint64_t)(10 + i) * SEC);
		flow_packet(ft, &p, &d, &cr);
	}
	/* touch the oldest so the second becomes the idlest */
	p = mk(IPPROTO_NUM_UDP, C, 5000, S, 1434, 0, 20 * SEC);
	flow_packet(ft, &p, &d, &cr);
	p = mk(IPPROTO_NUM_UDP, C, 6000, S, 1434, 0, 21 * SEC);
	flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_EQUAL(cr, 1);
	CU_ASSERT_EQUAL(sk.ends[FLOW_END_EVICTED], 1);
	CU_ASSERT_EQUAL(sk.last.key.port[0] == 5001 || sk.last.key.port[1] == 5001, 1);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->evicted, 1);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->active, 4);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->peak, 4);
	flow_table_free(ft);
}

static void
test_fragments(void)
{
	struct flow_config c = cfg_default(16);
	struct flow_table *ft = flow_table_new(&c, NULL, NULL);
	struct pkt p;
	struct flow *f, *g;
	int d, d2, cr;

	p = mk(IPPROTO_NUM_UDP, C, 5000, S, 5061, 0, SEC);
	p.frag = PKT_FRAG_FIRST;
	p.ip_id = 77;
	f = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.ip_proto = IPPROTO_NUM_UDP;
	v4(p.src, C);
	v4(p.dst, S);
	p.frag = PKT_FRAG_LATER;
	p.ip_id = 77;
	p.wirelen = 60;
	p.ts_usec = SEC + 1;
	g = flow_packet(ft, &p, &d2, &cr);
	CU_ASSERT_PTR_EQUAL(f, g);
	CU_ASSERT_EQUAL(d, d2);
	CU_ASSERT_EQUAL(f->frags, 1);
	CU_ASSERT_EQUAL(f->pkts[d], 2);
	CU_ASSERT_EQUAL(f->bytes[d], 160);
	/* a later fragment of another datagram is an orphan, never guessed */
	p.ip_id = 78;
	CU_ASSERT_PTR_NULL(flow_packet(ft, &p, &d2, &cr));
	CU_ASSERT_EQUAL(flow_table_stats(ft)->frags_orphan, 1);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->frags_tied, 1);
	flow_table_free(ft);
}

/* Many flows in, random ones out, the rest must all still be found. */
static void
test_index_churn(void)
{
	enum { N = 5000 };
	struct flow_config c = cfg_default(N);
	struct sink sk = { 0 };
	struct flow_table *ft;
	struct pkt p;
	int d, cr, missing = 0;

	c.tmo_udp = 1;
	ft = flow_table_new(&c, sink_emit, &sk);
	/* odd flows at t=0, then even ones at t=10 s: expiring at t=1.5 s
	 * removes every odd one, leaving holes all over the index */
	for (int pass = 1; pass >= 0; pass--)
		for (int i = pass; i < N; i += 2) {
			p = mk(IPPROTO_NUM_UDP, C + (uint32_t)(i % 97), (uint16_t)(1024 + i), S, 1434, 0,
			    pass ? 0 : 10 * SEC);
			flow_packet(ft, &p, &d, &cr);
		}
	CU_ASSERT_EQUAL(flow_table_stats(ft)->active, N);
	flow_expire(ft, 1 * SEC + SEC / 2);
	CU_ASSERT_EQUAL(sk.ends[FLOW_END_TIMEOUT], N / 2);
	for (int i = 0; i < N; i += 2) {
		p = mk(IPPROTO_NUM_UDP, S, 1434, C + (uint32_t)(i % 97), (uint16_t)(1024 + i), 0, 10 * SEC);
		flow_packet(ft, &p, &d, &cr);
		if (cr)
			missing++;
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(flow_table_stats(ft)->active, N / 2);
	flow_table_free(ft);
}

/*
 * flow_flush() empties the index in bulk (memset) when the table is busy
 * and slot by slot when it is sparse: either way every flow is emitted
 * once, none is found afterwards, fragments no longer tie to them, and
 * the table fills again as new.
 */
static void
flush_case(uint32_t max, int nflows)
{
	struct flow_config c = cfg_default(max);
	struct sink sk = { 0 };
	struct flow_table *ft = flow_table_new(&c, sink_emit, &sk);
	struct pkt p;
	int d, cr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ft);
	for (int round = 0; round < 2; round++) {
		sk.n = 0;
		for (int i = 0; i < nflows; i++) {
			p = mk(IPPROTO_NUM_UDP, C + (uint32_t)i, 40000, S, 1434, 0, 1 * SEC);
			CU_ASSERT_PTR_NOT_NULL(flow_packet(ft, &p, &d, &cr));
			CU_ASSERT_EQUAL(cr, 1);
		}
		/* a first fragment remembered for the last flow */
		p = mk(IPPROTO_NUM_UDP, C, 40001, S, 1434, 0, 1 * SEC);
		p.frag = PKT_FRAG_FIRST;
		p.ip_id = 77;
		CU_ASSERT_PTR_NOT_NULL(flow_packet(ft, &p, &d, &cr));
		CU_ASSERT_EQUAL(flow_table_stats(ft)->active, (uint64_t)nflows + 1);
		flow_flush(ft);
		CU_ASSERT_EQUAL(sk.n, nflows + 1);
		CU_ASSERT_EQUAL(flow_table_stats(ft)->active, 0);
		for (int i = 0; i < nflows; i++) {
			struct pkt_inner in;
			uint16_t vlan[PKT_MAX_VLAN] = { 0, 0 };

			memset(&in, 0, sizeof(in));
			in.valid = in.has_ports = 1;
			in.family = 4;
			in.proto = IPPROTO_NUM_UDP;
			v4(in.src, C + (uint32_t)i);
			v4(in.dst, S);
			in.sport = 40000;
			in.dport = 1434;
			CU_ASSERT_PTR_NULL(flow_lookup_inner(ft, &in, vlan));
		}
		p = mk(IPPROTO_NUM_UDP, C, 0, S, 0, 0, 1 * SEC);
		p.frag = PKT_FRAG_LATER;
		p.has_ports = 0;
		p.ip_id = 77;
		CU_ASSERT_PTR_NULL(flow_packet(ft, &p, &d, &cr));
	}
	flow_table_free(ft);
}

static void
test_flush_empties_index(void)
{
	flush_case(1000, 10);		/* sparse: slot by slot */
	flush_case(64, 63);		/* busy: the index cleared at once */
}

static void
test_icmp_echo_and_other(void)
{
	struct flow_config c = cfg_default(16);
	struct flow_table *ft = flow_table_new(&c, NULL, NULL);
	struct pkt p;
	struct flow *a, *b;
	int d, cr;

	p = mk(IPPROTO_NUM_ICMP, C, 0, S, 0, 0, SEC);
	p.icmp_type = 8;
	p.icmp_id = 99;
	a = flow_packet(ft, &p, &d, &cr);
	p = mk(IPPROTO_NUM_ICMP, S, 0, C, 0, 0, SEC);
	p.icmp_type = 0;
	p.icmp_id = 99;
	b = flow_packet(ft, &p, &d, &cr);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL(b->state, CONN_ESTABLISHED);
	memset(&p, 0, sizeof(p));
	CU_ASSERT_PTR_NULL(flow_packet(ft, &p, &d, &cr));	/* not IP */
	flow_table_free(ft);
}

/* --- the keyed hash ------------------------------------------------------- */

static struct flow_key
hkey(int family, uint32_t n, uint16_t sp)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	if (family == 4) {
		v4(k.addr[0], C + n);
		v4(k.addr[1], S);
	} else {
		k.addr[0][0] = 0x20;
		k.addr[0][1] = 0x01;
		k.addr[0][13] = (uint8_t)(n >> 16);
		k.addr[0][14] = (uint8_t)(n >> 8);
		k.addr[0][15] = (uint8_t)n;
		k.addr[1][0] = 0x20;
		k.addr[1][15] = 1;
	}
	k.port[0] = sp;
	k.port[1] = 5061;
	k.proto = IPPROTO_NUM_TCP;
	k.family = (uint8_t)family;
	return k;
}

#define HKEYS	32
#define HMASK	0xffffu		/* the buckets of a 64k-slot index */

/* the most of ks[] in one bucket of HMASK under the current key */
static int
worst_bucket(const struct flow_key *ks, int n)
{
	int worst = 0;

	for (int i = 0; i < n; i++) {
		int same = 0;

		for (int j = 0; j < n; j++)
			same += (flow_key_hash(&ks[i]) & HMASK) == (flow_key_hash(&ks[j]) & HMASK);
		if (same > worst)
			worst = same;
	}
	return worst;
}

/*
 * An attacker who knows the hash key can aim flows at one bucket: found
 * here by brute force under the fixed start key, 32 keys in one bucket of
 * 65,536.  Under another key (a fixed seed, then getrandom) they spread.
 */
static void
test_hash_keyed(void)
{
	uint32_t start[FLOW_HASH_WORDS], k1[FLOW_HASH_WORDS], k2[FLOW_HASH_WORDS];
	static const uint8_t seed[] = "conformd test seed: not the start key....";
	static struct flow_key ks[HKEYS];

	memcpy(start, flow_hash_key, sizeof(start));
	for (int family = 4; family <= 6; family += 2) {
		uint32_t target;
		int n = 0;

		ks[n++] = hkey(family, 0, 1);
		target = flow_key_hash(&ks[0]) & HMASK;
		for (uint32_t a = 0; a < 4096 && n < HKEYS; a++)
			for (uint32_t sp = 2; sp < 65536 && n < HKEYS; sp++) {
				struct flow_key k = hkey(family, a, (uint16_t)sp);

				if ((flow_key_hash(&k) & HMASK) == target)
					ks[n++] = k;
			}
		CU_ASSERT_EQUAL_FATAL(n, HKEYS);
		CU_ASSERT_EQUAL(worst_bucket(ks, n), HKEYS);

		CU_ASSERT_EQUAL(flow_hash_init(seed, sizeof(seed)), 0);
		CU_ASSERT(memcmp(flow_hash_key, start, sizeof(start)) != 0);
		CU_ASSERT(worst_bucket(ks, n) <= 3);
		/* a seed is reproducible */
		memcpy(k1, flow_hash_key, sizeof(k1));
		{
			uint32_t h = flow_key_hash(&ks[5]);

			CU_ASSERT_EQUAL(flow_hash_init(seed, sizeof(seed)), 0);
			CU_ASSERT_EQUAL(flow_key_hash(&ks[5]), h);
		}

		/* random keys: each differs from the others and spreads them */
		CU_ASSERT_EQUAL(flow_hash_init(NULL, 0), 0);
		memcpy(k2, flow_hash_key, sizeof(k2));
		CU_ASSERT(memcmp(k2, start, sizeof(k2)) != 0);
		CU_ASSERT(memcmp(k2, k1, sizeof(k2)) != 0);
		CU_ASSERT(worst_bucket(ks, n) <= 6);
		CU_ASSERT_EQUAL(flow_hash_init(NULL, 0), 0);
		CU_ASSERT(memcmp(flow_hash_key, k2, sizeof(k2)) != 0);
		CU_ASSERT(worst_bucket(ks, n) <= 6);

		CU_ASSERT_EQUAL(flow_hash_init(start, sizeof(start)), 0);
	}
	CU_ASSERT(memcmp(flow_hash_key, start, sizeof(start)) == 0);
}

/* Every key byte that can differ between two flows changes the hash. */
static void
test_hash_every_byte(void)
{
	for (int family = 4; family <= 6; family += 2) {
		struct flow_key k = hkey(family, 7, 40000);
		uint32_t h = flow_key_hash(&k);
		int changed = 0, tried = 0;

		for (size_t i = 0; i < offsetof(struct flow_key, pad); i++) {
			uint8_t *b = (uint8_t *)&k;

			/* an IPv4 key's address prefixes are the fixed ::ffff:0:0/96 */
			if (family == 4 && (i < 12 || (i >= 16 && i < 28)))
				continue;
			if (i == offsetof(struct flow_key, family))
				continue;
			for (int bit = 0; bit < 8; bit++) {
				b[i] ^= (uint8_t)(1u << bit);
				changed += flow_key_hash(&k) != h;
				tried++;
				b[i] ^= (uint8_t)(1u << bit);
			}
		}
		CU_ASSERT_EQUAL(changed, tried);
		CU_ASSERT_EQUAL(tried, (family == 4 ? 17 : 41) * 8);
	}
}

/*
 * flow_dispatch(), the pipeline's worker pick: both directions in one
 * table, always in range, every table used, and keyed (another key
 * moves pairs to other tables).
 */
static void
test_dispatch(void)
{
	static const uint8_t seed[] = "conformd test seed: not the start key....";
	uint32_t start[FLOW_HASH_WORDS], pick[256];
	unsigned used[4] = { 0 };
	uint8_t a[16], b[16];
	int moved = 0;

	memcpy(start, flow_hash_key, sizeof(start));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	a[10] = b[10] = 0xff;
	a[11] = b[11] = 0xff;
	a[12] = b[12] = 198;
	a[13] = b[13] = 18;
	b[14] = 1;
	for (int i = 0; i < 256; i++) {
		a[15] = (uint8_t)i;
		pick[i] = flow_dispatch(a, b, 4);
		CU_ASSERT(pick[i] < 4);
		CU_ASSERT_EQUAL(flow_dispatch(b, a, 4), pick[i]);
		CU_ASSERT_EQUAL(flow_dispatch(a, b, 1), 0);
		used[pick[i] % 4]++;
	}
	for (int w = 0; w < 4; w++)
		CU_ASSERT(used[w] >= 32);	/* 64 each on average */
	CU_ASSERT_EQUAL(flow_hash_init(seed, sizeof(seed)), 0);
	for (int i = 0; i < 256; i++) {
		a[15] = (uint8_t)i;
		moved += flow_dispatch(a, b, 4) != pick[i];
	}
	CU_ASSERT(moved >= 128);	/* 192 on average */
	CU_ASSERT_EQUAL(flow_hash_init(start, sizeof(start)), 0);
}

void
test_flow_register(void)
{
	CU_pSuite s = CU_add_suite("flow", NULL, NULL);

	CU_add_test(s, "both directions, one flow; handshake and close", test_symmetry_and_handshake);
	CU_add_test(s, "initiator: SYN, SYN-ACK, mid-stream, UDP; REJ", test_initiator_rules);
	CU_add_test(s, "VLAN in the key, configurable", test_vlan_key);
	CU_add_test(s, "timeouts per class", test_timeouts);
	CU_add_test(s, "memory cap evicts the idlest flow", test_memory_cap);
	CU_add_test(s, "later fragments tied, orphans counted", test_fragments);
	CU_add_test(s, "index survives churn", test_index_churn);
	CU_add_test(s, "ICMP echo pairs by id; non-IP ignored", test_icmp_echo_and_other);
	CU_add_test(s, "flush empties the index, sparse or busy", test_flush_empties_index);
	CU_add_test(s, "hash: keyed, aimed collisions spread under a new key", test_hash_keyed);
	CU_add_test(s, "hash: every byte of the key counts", test_hash_every_byte);
	CU_add_test(s, "dispatch: symmetric, in range, spread, keyed", test_dispatch);
}
