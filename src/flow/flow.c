/*
 * flow.c - the flow table: pool, open-addressing index, idle lists,
 * timeouts, eviction, fragment tie-in.
 *
 * Memory is allocated once in flow_table_new(): a pool of max_flows
 * struct flow, an index of 2^k slots (k such that the load stays <= 50%)
 * holding {hash, pool index + 1}, and a small fragment table.  Lookups
 * compare the 32-bit hash in the slot before touching the flow, so a miss
 * costs one cache line.  Deletion uses backward-shift (no tombstones).
 * Each timeout class keeps its flows on a doubly linked list in the order
 * they were queued.  A packet does not move its flow (that would touch two
 * more cache lines per packet); instead expiry looks at the head, and a
 * head that was active since it was queued is queued again at the tail
 * (at most once per timeout period), so the lists stay ordered by queue
 * time and expiry and eviction only ever look at list heads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "conformd/decode-fast.h"
#include "conformd/flow.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "conformd/sensor.h"

/*
 * Below this many flows the flows and their index slots (about 300 bytes
 * a flow) fit in a core's L2 cache, and prefetching them only costs
 * instructions (bench/callgrind.sh: 35 a packet on the 1k-flow file).
 */
#define FLOW_PREFETCH_MIN	4096
#define NIL		UINT32_MAX

/* 1 when two canonical keys are the same flow (all 44 bytes equal). */
static inline int
flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
#ifdef __SSE2__
	/* three 16-byte compares, the last overlapping: 44 bytes */
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	__m128i e0 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)x),
	    _mm_loadu_si128((const __m128i *)y));
	__m128i e1 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(x + 16)),
	    _mm_loadu_si128((const __m128i *)(y + 16)));
	__m128i e2 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(x + 28)),
	    _mm_loadu_si128((const __m128i *)(y + 28)));

	return _mm_movemask_epi8(_mm_and_si128(_mm_and_si128(e0, e1), e2)) == 0xffff;
#else
	return memcmp(a, b, sizeof(*a)) == 0;
#endif
}

/* The fixed start key (any odd-looking constants; see flow.h). */
uint32_t flow_hash_key[FLOW_HASH_WORDS] = {
	0x9e3779b9, 0x7f4a7c15, 0xc2b2ae3d, 0x27d4eb4f, 0x165667b1, 0x9e3779f9,
	0xd6e8feb8, 0x6659fd93, 0x85ebca77, 0xc2b2ae63, 0xbf58476d, 0x1ce4e5b9
};

int
flow_hash_init(const void *seed, size_t len)
{
	uint8_t buf[sizeof(flow_hash_key)];
	size_t got = 0;

	memset(buf, 0, sizeof(buf));
	if (seed != NULL) {
		memcpy(buf, seed, len < sizeof(buf) ? len : sizeof(buf));
		memcpy(flow_hash_key, buf, sizeof(buf));
		return 0;
	}
	while (got < sizeof(buf)) {
		ssize_t n = getrandom(buf + got, sizeof(buf) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(buf)) {
		/* No kernel randomness: mix what differs between runs into
		 * the fixed key (splitmix64 steps). */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		x ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&ts;
		memcpy(buf, flow_hash_key, sizeof(buf));
		for (size_t i = 0; i < sizeof(buf); i += 8) {
			uint64_t z, w;

			x += 0x9e3779b97f4a7c15ULL;
			z = x;
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			z ^= z >> 31;
			memcpy(&w, buf + i, 8);
			w ^= z;
			memcpy(buf + i, &w, 8);
		}
		memcpy(flow_hash_key, buf, sizeof(buf));
		return -1;
	}
	memcpy(flow_hash_key, buf, sizeof(buf));
	return 0;
}

/* timeout classes */
enum {
	TC_TCP_SYN = 0,
	TC_TCP_EST,
	TC_TCP_CLOSED,
	TC_UDP,
	TC_OTHER,
	TC_MAX
};

#define FRAG_SLOTS	4096		/* power of two */
#define FRAG_TTL_USEC	(60ULL * 1000000)	/* how long a first fragment can be tied to later ones */

struct slot {
	uint32_t	hash;
	uint32_t	idx;		/* pool index + 1; 0 = empty */
};

struct frag_entry {
	uint8_t		src[16], dst[16];
	uint32_t	ip_id;
	uint8_t		proto;
	uint8_t		used;
	uint8_t		dir;		/* key side that sent the datagram */
	uint32_t	flow;		/* pool index */
	uint64_t	flow_id;	/* the flow must still be this one */
	uint64_t	ts_usec;
};

struct idle_list {
	uint32_t	head, tail;
	uint64_t	tmo_usec;
};

struct big {
	void	*base;
	size_t	 len;
};

struct flow_table {
	struct flow_config cfg;
	struct big	 pool_map, index_map;	/* the mappings behind pool and index */
	struct flow	*pool;
	uint32_t	 nflows;	/* pool size */
	uint32_t	 free_head;	/* released pool entries, linked through .next */
	uint32_t	 fresh;		/* pool entries [fresh, nflows) were never used */
	struct slot	*index;
	uint32_t	 mask;
	struct idle_list lists[TC_MAX];
	struct frag_entry *frags;
	uint64_t	 now;		/* latest capture time seen */
	uint64_t	 next_id;
	uint64_t	 id_step;
	flow_emit_fn	 emit;
	void		*emit_arg;
	struct flow_stats stats;
};

/* --- idle lists ----------------------------------------------------------- */

static void
list_unlink(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->pool[i];
	struct idle_list *l = &ft->lists[f->tclass];

	if (f->prev != NIL)
		ft->pool[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		ft->pool[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NIL;
}

static void
list_append(struct flow_table *ft, uint32_t i, uint8_t tclass)
{
	struct flow *f = &ft->pool[i];
	struct idle_list *l = &ft->lists[tclass];

	f->tclass = tclass;
	f->qtime = f->last_usec;
	f->next = NIL;
	f->prev = l->tail;
	if (l->tail != NIL)
		ft->pool[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static uint8_t
flow_tclass(const struct flow *f)
{
	switch (f->key.proto) {
	case IPPROTO_NUM_TCP:
		switch (f->state) {
		case CONN_ATTEMPTED:
			return TC_TCP_SYN;
		case CONN_REJECTED:
		case CONN_CLOSED:
			return TC_TCP_CLOSED;
		default:
			return TC_TCP_EST;
		}
	case IPPROTO_NUM_UDP:
		return TC_UDP;
	default:
		return TC_OTHER;
	}
}

/* --- big arrays -------------------------------------------------------------- */

#define HUGE_ALIGN	(2u << 20)	/* x86-64 huge page */

/*
 * Zeroed memory for the pool and the index, mapped from the kernel (so
 * pages are zero and only touched when used), aligned to a huge page and
 * advised as such: with a million flows the pool is 176 MB, and nearly
 * every lookup would otherwise also miss the TLB.  big_free() takes what
 * big_alloc() put in *m.
 */
static void *
big_alloc(struct big *m, size_t n, size_t size)
{
	size_t len, lead;
	uint8_t *p;

	m->base = NULL;
	m->len = 0;
	if (size != 0 && n > (SIZE_MAX - 2 * (size_t)HUGE_ALIGN) / size)
		return NULL;
	len = (n * size + HUGE_ALIGN - 1) & ~(size_t)(HUGE_ALIGN - 1);
	p = mmap(NULL, len + HUGE_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	m->base = p;
	m->len = len + HUGE_ALIGN;
	lead = (HUGE_ALIGN - ((uintptr_t)p & (HUGE_ALIGN - 1))) & (HUGE_ALIGN - 1);
#ifdef MADV_HUGEPAGE
	/* Small tables (tests, small max-flows) stay on small pages. */
	if (len >= 8 * (size_t)HUGE_ALIGN)
		(void)madvise(p + lead, len, MADV_HUGEPAGE);	/* a hint: fine to fail */
#endif
	return p + lead;
}

static void
big_free(struct big *m)
{
	if (m->base != NULL)
		(void)munmap(m->base, m->len);
	m->base = NULL;
}

/* --- table ------------------------------------------------------------------ */

struct flow_table *
flow_table_new(const struct flow_config *cfg, flow_emit_fn emit, void *arg)
{
	struct flow_table *ft;
	uint64_t slots = 16;

	if (cfg->max_flows == 0 || cfg->max_flows > FLOW_MAX_FLOWS)
		return NULL;
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	ft->nflows = cfg->max_flows;
	while (slots < 2 * (uint64_t)cfg->max_flows)
		slots <<= 1;
	ft->mask = (uint32_t)(slots - 1);
	ft->pool = big_alloc(&ft->pool_map, ft->nflows, sizeof(*ft->pool));
	ft->index = big_alloc(&ft->index_map, slots, sizeof(*ft->index));
	ft->frags = calloc(FRAG_SLOTS, sizeof(*ft->frags));
	if (ft->pool == NULL || ft->index == NULL || ft->frags == NULL) {
		flow_table_free(ft);
		return NULL;
	}
	/* The pool is handed out in order (fresh) before released entries
	 * are reused (free_head): no start-up pass over max_flows entries,
	 * and pages of the pool are touched only once flows need them. */
	ft->free_head = NIL;
	ft->fresh = 0;
	for (int c = 0; c < TC_MAX; c++)
		ft->lists[c].head = ft->lists[c].tail = NIL;
	ft->lists[TC_TCP_SYN].tmo_usec = (uint64_t)cfg->tmo_tcp_syn * 1000000;
	ft->lists[TC_TCP_EST].tmo_usec = (uint64_t)cfg->tmo_tcp_est * 1000000;
	ft->lists[TC_TCP_CLOSED].tmo_usec = (uint64_t)cfg->tmo_tcp_closed * 1000000;
	ft->lists[TC_UDP].tmo_usec = (uint64_t)cfg->tmo_udp * 1000000;
	ft->lists[TC_OTHER].tmo_usec = (uint64_t)cfg->tmo_other * 1000000;
	ft->emit = emit;
	ft->emit_arg = arg;
	ft->next_id = 1;
	ft->id_step = 1;
	return ft;
}

void
flow_table_prefault(struct flow_table *ft)
{
	struct big *m[2] = { &ft->pool_map, &ft->index_map };

	/* Write one byte per page of both mappings (zero, as they are):
	 * the kernel allocates (and zeroes) every page now instead of on the
	 * packet path.  The fragment table came from calloc and is small. */
	for (int k = 0; k < 2; k++) {
		volatile uint8_t *p = m[k]->base;

		for (size_t off = 0; m[k]->base != NULL && off < m[k]->len; off += 4096)
			p[off] = 0;
	}
}

void
flow_table_set_ids(struct flow_table *ft, uint64_t first, uint64_t step)
{
	ft->next_id = first != 0 ? first : 1;
	ft->id_step = step != 0 ? step : 1;
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	big_free(&ft->pool_map);
	big_free(&ft->index_map);
	free(ft->frags);
	free(ft);
}

/*
 * Remove pool entry i from the index by backward-shift deletion: walk the
 * run after the hole and move back every entry whose home slot does not
 * lie cyclically between the hole and the entry, so that every remaining
 * entry stays reachable from its home without tombstones.
 */
static void
index_remove(struct flow_table *ft, uint32_t i)
{
	uint32_t hole = ft->pool[i].hash & ft->mask;
	uint32_t j;

	while (ft->index[hole].idx != i + 1)
		hole = (hole + 1) & ft->mask;
	j = hole;
	for (;;) {
		uint32_t home;

		j = (j + 1) & ft->mask;
		if (ft->index[j].idx == 0)
			break;
		home = ft->index[j].hash & ft->mask;
		if (((j - home) & ft->mask) >= ((j - hole) & ft->mask)) {
			ft->index[hole] = ft->index[j];
			hole = j;
		}
	}
	ft->index[hole].idx = 0;
	ft->index[hole].hash = 0;
}

/* Take flow i out of the table, handing it to the owner first. */
static void
flow_release(struct flow_table *ft, uint32_t i, int end)
{
	struct flow *f = &ft->pool[i];

	if (ft->emit != NULL)
		ft->emit(ft->emit_arg, f, end);
	list_unlink(ft, i);
	index_remove(ft, i);
	memset(f, 0, sizeof(*f));
	f->prev = NIL;
	f->next = ft->free_head;
	ft->free_head = i;
	ft->stats.active--;
	switch (end) {
	case FLOW_END_TIMEOUT:
		ft->stats.expired++;
		break;
	case FLOW_END_EVICTED:
		ft->stats.evicted++;
		break;
	default:
		ft->stats.flushed++;
		break;
	}
}

/*
 * The pool is full: push out the least recently queued flow of any class,
 * queueing again (a bounded number of times, so a table of busy flows
 * costs little) heads that were active since they were queued: an
 * approximation of the least recently active flow.
 */
static void
flow_evict_oldest(struct flow_table *ft)
{
	for (int tries = 0;; tries++) {
		uint32_t victim = NIL;
		uint64_t oldest = UINT64_MAX;

		for (int c = 0; c < TC_MAX; c++) {
			uint32_t h = ft->lists[c].head;
			if (h != NIL && ft->pool[h].qtime < oldest) {
				oldest = ft->pool[h].qtime;
				victim = h;
			}
		}
		if (victim == NIL)
			return;
		if (tries < 8 && ft->pool[victim].last_usec > ft->pool[victim].qtime &&
		    ft->lists[ft->pool[victim].tclass].tail != victim) {
			uint8_t tc = ft->pool[victim].tclass;
			list_unlink(ft, victim);
			list_append(ft, victim, tc);
			continue;
		}
		flow_release(ft, victim, FLOW_END_EVICTED);
		return;
	}
}

/* Build the canonical key of p; *dir = key side of the sender. */
static void
flow_make_key(const struct flow_table *ft, const struct pkt *p, struct flow_key *k, int *dir)
{
	uint16_t sp = 0, dp = 0;
	int c;

	memset(k, 0, sizeof(*k));
	if (p->has_ports) {
		sp = p->sport;
		dp = p->dport;
	} else if ((p->ip_proto == IPPROTO_NUM_ICMP && (p->icmp_type == 8 || p->icmp_type == 0)) ||
	    (p->ip_proto == IPPROTO_NUM_ICMPV6 && (p->icmp_type == 128 || p->icmp_type == 129))) {
		/* echo request and reply share a flow through the identifier */
		sp = dp = p->icmp_id;
	}
	c = memcmp(p->src, p->dst, 16);
	if (c < 0 || (c == 0 && sp <= dp)) {
		memcpy(k->addr[0], p->src, 16);
		memcpy(k->addr[1], p->dst, 16);
		k->port[0] = sp;
		k->port[1] = dp;
		*dir = 0;
	} else {
		memcpy(k->addr[0], p->dst, 16);
		memcpy(k->addr[1], p->src, 16);
		k->port[0] = dp;
		k->port[1] = sp;
		*dir = 1;
	}
	if (ft->cfg.use_vlan) {
		k->vlan[0] = p->vlan[0];
		k->vlan[1] = p->vlan[1];
	}
	k->proto = p->ip_proto;
	k->family = p->family;
}

static inline uint32_t
flow_find(const struct flow_table *ft, const struct flow_key *k, uint32_t h)
{
	uint32_t pos = h & ft->mask;

	for (;;) {
		const struct slot *s = &ft->index[pos];
		if (s->idx == 0)
			return NIL;
		if (s->hash == h && flow_key_equal(&ft->pool[s->idx - 1].key, k))
			return s->idx - 1;
		pos = (pos + 1) & ft->mask;
	}
}

static uint32_t
flow_insert(struct flow_table *ft, const struct flow_key *k, uint32_t h)
{
	uint32_t i, pos;

	if (ft->free_head == NIL && ft->fresh == ft->nflows)
		flow_evict_oldest(ft);
	if (ft->free_head != NIL) {
		i = ft->free_head;
		ft->free_head = ft->pool[i].next;
	} else if (ft->fresh < ft->nflows)
		i = ft->fresh++;
	else
		return NIL;
	memset(&ft->pool[i], 0, sizeof(ft->pool[i]));
	ft->pool[i].key = *k;
	ft->pool[i].hash = h;
	ft->pool[i].rule = RULE_NONE;
	ft->pool[i].prev = ft->pool[i].next = NIL;
	ft->pool[i].id = ft->next_id;
	/* ids stay within the 51 bits of sensor.h, wrapping (after 2^51 flows) */
	ft->next_id = (ft->next_id + ft->id_step) & SENSOR_FLOW_ID_MASK;
	pos = h & ft->mask;
	while (ft->index[pos].idx != 0)
		pos = (pos + 1) & ft->mask;
	ft->index[pos].hash = h;
	ft->index[pos].idx = i + 1;
	ft->stats.created++;
	if (++ft->stats.active > ft->stats.peak)
		ft->stats.peak = ft->stats.active;
	return i;
}

struct flow *
flow_lookup_inner(struct flow_table *ft, const struct pkt_inner *in,
    const uint16_t vlan[PKT_MAX_VLAN])
{
	struct pkt q;
	struct flow_key k;
	uint32_t i;
	int dir;

	if (!in->valid || !in->has_ports)
		return NULL;
	memset(&q, 0, sizeof(q));
	q.family = in->family;
	q.ip_proto = in->proto;
	memcpy(q.src, in->src, 16);
	memcpy(q.dst, in->dst, 16);
	q.sport = in->sport;
	q.dport = in->dport;
	q.has_ports = 1;
	q.vlan[0] = vlan[0];
	q.vlan[1] = vlan[1];
	flow_make_key(ft, &q, &k, &dir);
	i = flow_find(ft, &k, flow_key_hash(&k));
	return i == NIL ? NULL : &ft->pool[i];
}

/* --- fragments ------------------------------------------------------------- */

static uint32_t
frag_hash(const struct pkt *p)
{
	/* NH over the id, the last address words and the protocol, keyed
	 * like flows: the slots cannot be aimed at without the key */
	const uint32_t *K = flow_hash_key;
	uint64_t h;

	h = (uint64_t)(uint32_t)(p->ip_id + K[0]) *
	    (uint32_t)(flow_load32(p->src + 12) + K[1]);
	h += (uint64_t)(uint32_t)(flow_load32(p->dst + 12) + K[2]) *
	    (uint32_t)(p->ip_proto + K[3]);
	return flow_hash_mix(h) & (FRAG_SLOTS - 1);
}

static int
frag_match(const struct frag_entry *e, const struct pkt *p)
{
	return e->used && e->ip_id == p->ip_id && e->proto == p->ip_proto &&
	    memcmp(e->src, p->src, 16) == 0 && memcmp(e->dst, p->dst, 16) == 0;
}

/* Remember that the first fragment of datagram (src, dst, proto, id) belongs to flow i. */
static void
frag_remember(struct flow_table *ft, const struct pkt *p, uint32_t i, int dir)
{
	struct frag_entry *e = &ft->frags[frag_hash(p)];

	memcpy(e->src, p->src, 16);
	memcpy(e->dst, p->dst, 16);
	e->ip_id = p->ip_id;
	e->proto = p->ip_proto;
	e->used = 1;
	e->dir = (uint8_t)dir;
	e->flow = i;
	e->flow_id = ft->pool[i].id;
	e->ts_usec = p->ts_usec;
}

/* The flow a later fragment belongs to, or NIL (never guessed). */
static uint32_t
frag_lookup(struct flow_table *ft, const struct pkt *p, int *dir)
{
	struct frag_entry *e = &ft->frags[frag_hash(p)];
	struct flow *f;

	if (!frag_match(e, p) || p->ts_usec > e->ts_usec + FRAG_TTL_USEC)
		return NIL;
	f = &ft->pool[e->flow];
	if (f->id != e->flow_id)
		return NIL;	/* the flow ended and its slot was reused */
	*dir = e->dir;
	return e->flow;
}

/* --- per packet ------------------------------------------------------------- */

static inline void
tcp_update(struct flow *f, uint8_t fl, int dir, int created)
{
	int from_ini;

	if (created) {
		if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
			f->ini = (uint8_t)dir;
			f->state = CONN_ATTEMPTED;
		} else if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
			f->ini = (uint8_t)!dir;
			f->state = CONN_ESTABLISHED;
		} else {
			f->ini = (uint8_t)dir;
			f->state = CONN_MIDSTREAM;
			f->flags |= FLOW_F_MIDSTREAM;
		}
	}
	f->tcp_flags[dir] |= fl;
	from_ini = (dir == f->ini);
	if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN && from_ini && f->syns < UINT8_MAX)
		f->syns++;
	switch (f->state) {
	case CONN_ATTEMPTED:
		if (!from_ini && (fl & TCP_RST))
			f->state = CONN_REJECTED;
		else if (!from_ini && (fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
			f->state = CONN_ESTABLISHED;
		else if (fl & TCP_RST)
			f->state = CONN_CLOSED;
		break;
	case CONN_ESTABLISHED:
	case CONN_MIDSTREAM:
		if (fl & TCP_RST)
			f->state = CONN_CLOSED;
		else if ((f->tcp_flags[0] & TCP_FIN) && (f->tcp_flags[1] & TCP_FIN))
			f->state = CONN_CLOSED;
		break;
	default:
		break;
	}
}

/* Count a packet of `wirelen` bytes at ts_usec from key side `dir` on
 * pool entry i, whose state the caller has updated, and keep its idle
 * list right (a new flow joins one; a changed timeout class moves it). */
static inline void
flow_account(struct flow_table *ft, uint32_t i, int dir, uint32_t wirelen, uint64_t ts_usec,
    int created)
{
	struct flow *f = &ft->pool[i];
	uint8_t tc;

	f->pkts[dir]++;
	f->bytes[dir] += wirelen;
	if (ts_usec > f->last_usec)
		f->last_usec = ts_usec;
	tc = flow_tclass(f);
	if (created)
		list_append(ft, i, tc);
	else if (tc != f->tclass) {
		list_unlink(ft, i);
		list_append(ft, i, tc);
	}
}

/* The pool entry of the flow of key k (hash h), created (*created = 1,
 * initiator per protocol as flow_packet() documents) when there is none;
 * NIL when no flow can be made. */
static inline uint32_t
flow_find_or_create(struct flow_table *ft, const struct flow_key *k, uint32_t h, int dir,
    uint64_t ts_usec, int *created)
{
	uint32_t i = flow_find(ft, k, h);
	struct flow *f;

	*created = 0;
	if (i != NIL)
		return i;
	i = flow_insert(ft, k, h);
	if (i == NIL)
		return NIL;
	*created = 1;
	f = &ft->pool[i];
	f->first_usec = ts_usec;
	if (k->proto != IPPROTO_NUM_TCP) {
		f->ini = (uint8_t)dir;
		f->state = CONN_NEW;
	}
	return i;
}

/* A packet from key side `dir` on pool entry i: the TCP state machine
 * (`tcp`: a TCP header with these flags) or the UDP/other answer, then
 * the counters and the idle list.  Returns the flow.  Always inlined:
 * it is the per-packet step of the fast path. */
static inline __attribute__((always_inline)) struct flow *
flow_update(struct flow_table *ft, uint32_t i, int dir, int tcp, uint8_t tcp_flags,
    uint32_t wirelen, uint64_t ts_usec, int created)
{
	struct flow *f = &ft->pool[i];

	if (tcp)
		tcp_update(f, tcp_flags, dir, created);
	else if (f->state == CONN_NEW && dir != f->ini)
		f->state = CONN_ESTABLISHED;
	flow_account(ft, i, dir, wirelen, ts_usec, created);
	return f;
}

struct flow *
flow_packet(struct flow_table *ft, const struct pkt *p, int *dir, int *created)
{
	struct flow_key k;
	struct flow *f;
	uint32_t h, i;

	*created = 0;
	if (p->family == 0)
		return NULL;
	if (p->ts_usec > ft->now)
		ft->now = p->ts_usec;
	if (p->frag == PKT_FRAG_LATER) {
		i = frag_lookup(ft, p, dir);
		if (i == NIL) {
			ft->stats.frags_orphan++;
			return NULL;
		}
		f = &ft->pool[i];
		f->frags++;
		f->flags |= FLOW_F_FRAGMENTED;
		ft->stats.frags_tied++;
		flow_account(ft, i, *dir, p->wirelen, p->ts_usec, 0);
		return f;
	}
	flow_make_key(ft, p, &k, dir);
	h = flow_key_hash(&k);
	i = flow_find_or_create(ft, &k, h, *dir, p->ts_usec, created);
	if (i == NIL)
		return NULL;
	if (*created && (k.proto == IPPROTO_NUM_ICMP || k.proto == IPPROTO_NUM_ICMPV6)) {
		ft->pool[i].icmp_first[0] = p->icmp_type;
		ft->pool[i].icmp_first[1] = p->icmp_code;
	}
	if (p->frag == PKT_FRAG_FIRST)
		frag_remember(ft, p, i, *dir);
	return flow_update(ft, i, *dir, k.proto == IPPROTO_NUM_TCP && p->has_ports,
	    p->tcp_flags, p->wirelen, p->ts_usec, *created);
}

void
flow_prefetch_batch(const struct flow_table *ft, const struct fast_pkt *fp, size_t n)
{
	size_t i;

	/* A table this small stays in the caches: nothing to overlap. */
	if (ft->stats.active < FLOW_PREFETCH_MIN)
		return;
	for (i = 0; i < n; i++)
		if (fp[i].ok)
			__builtin_prefetch(&ft->index[fp[i].hash & ft->mask], 0, 3);
	for (i = 0; i < n; i++) {
		const struct slot *s;

		if (!fp[i].ok)
			continue;
		s = &ft->index[fp[i].hash & ft->mask];
		/* The first two cache lines hold the key, state, flags and
		 * the per-side counters and times the fast path writes. */
		if (s->idx != 0 && s->hash == fp[i].hash) {
			const char *f = (const char *)&ft->pool[s->idx - 1];
			__builtin_prefetch(f, 1, 3);
			__builtin_prefetch(f + 64, 1, 3);
		}
	}
}

struct flow *
flow_fast_update(struct flow_table *ft, const struct flow_key *k, uint32_t h,
    int dir, uint8_t tcp_flags, uint32_t wirelen, uint64_t ts_usec, uint8_t refuse)
{
	uint32_t i = flow_find(ft, k, h);

	if (i == NIL || (ft->pool[i].flags & refuse))
		return NULL;
	if (ts_usec > ft->now)
		ft->now = ts_usec;
	return flow_update(ft, i, dir, k->proto == IPPROTO_NUM_TCP, tcp_flags, wirelen,
	    ts_usec, 0);
}

struct flow *
flow_fast_packet(struct flow_table *ft, const struct flow_key *k, uint32_t h, int dir,
    uint8_t tcp_flags, uint32_t wirelen, uint64_t ts_usec, int *created)
{
	uint32_t i;

	/* flow_packet() for a whole TCP/UDP packet, the key already built */
	if (ts_usec > ft->now)
		ft->now = ts_usec;
	i = flow_find_or_create(ft, k, h, dir, ts_usec, created);
	if (i == NIL)
		return NULL;
	return flow_update(ft, i, dir, k->proto == IPPROTO_NUM_TCP, tcp_flags, wirelen,
	    ts_usec, *created);
}

void
flow_expire(struct flow_table *ft, uint64_t now_usec)
{
	if (now_usec > ft->now)
		ft->now = now_usec;
	for (int c = 0; c < TC_MAX; c++) {
		struct idle_list *l = &ft->lists[c];

		while (l->head != NIL) {
			uint32_t h = l->head;
			const struct flow *f = &ft->pool[h];

			if (f->qtime + l->tmo_usec > ft->now)
				break;		/* every flow after it was queued later */
			if (f->last_usec + l->tmo_usec <= ft->now)
				flow_release(ft, h, FLOW_END_TIMEOUT);
			else {
				/* active since it was queued: queue it again */
				list_unlink(ft, h);
				list_append(ft, h, (uint8_t)c);
			}
		}
	}
}

void
flow_flush(struct flow_table *ft)
{
	uint64_t n = 0;
	/* A table much emptier than its index clears slots one by one. */
	int sparse = ft->stats.active * 16 < (uint64_t)ft->mask + 1;

	/* Every flow goes, so nothing is unlinked or backward-shifted out of
	 * the index one by one: hand each to the owner, oldest first within
	 * each class so outputs come out roughly in time order, then empty
	 * the table at once. */
	for (int c = 0; c < TC_MAX; c++) {
		for (uint32_t i = ft->lists[c].head; i != NIL; i = ft->pool[i].next) {
			if (ft->emit != NULL)
				ft->emit(ft->emit_arg, &ft->pool[i], FLOW_END_FLUSH);
			if (sparse) {
				/* its slot is on the probe path from its home;
				 * slots cleared before it are skipped, not an end */
				uint32_t pos = ft->pool[i].hash & ft->mask;
				while (ft->index[pos].idx != i + 1)
					pos = (pos + 1) & ft->mask;
				ft->index[pos].idx = 0;
				ft->index[pos].hash = 0;
			}
			n++;
		}
		ft->lists[c].head = ft->lists[c].tail = NIL;
	}
	/* Pool entries are cleared when reused (flow_insert); the fragment
	 * table must not name a flow any more (frag_lookup() compares flow
	 * ids, and an old entry keeps its id). */
	if (!sparse)
		memset(ft->index, 0, ((size_t)ft->mask + 1) * sizeof(*ft->index));
	memset(ft->frags, 0, FRAG_SLOTS * sizeof(*ft->frags));
	ft->free_head = NIL;
	ft->fresh = 0;
	ft->stats.flushed += n;
	ft->stats.active = 0;
}

const struct flow_stats *
flow_table_stats(const struct flow_table *ft)
{
	return &ft->stats;
}

void
flow_set_initiator(struct flow *f, int side)
{
	f->ini = (uint8_t)(side ? 1 : 0);
}

const char *
conn_state_name(int s)
{
	static const char *const names[] = {
		"new", "attempted", "rejected", "established", "closed", "midstream"
	};

	if (s < 0 || s > CONN_MIDSTREAM)
		return "unknown";
	return names[s];
}

const char *
conn_state_eve(int s)
{
	switch (s) {
	case CONN_NEW:
	case CONN_ATTEMPTED:
		return "new";
	case CONN_REJECTED:
	case CONN_CLOSED:
		return "closed";
	default:
		return "established";
	}
}
