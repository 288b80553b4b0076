/*
 * discover.c - the evidence of `conformd --discover`: hosts, the ports
 * each accepted and the pairs of hosts that talked, from flow records
 * (discover.h).
 *
 * Two chained hash tables with fixed caps: hosts by address, edges by
 * (initiator, responder, protocol, port).  Heads hold index + 1 so that a
 * calloc'd, never-written head array costs no resident memory until used.
 * What does not fit is counted, never silently lost.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/discover.h"
#include "conformd/record-text.h"
#include "conformd/flow.h"
#include "conformd/packet.h"

#define IPPROTO_TCP_NUM	6
#define IPPROTO_UDP_NUM	17

/* A power of two at least 2n (n >= 1), at most 2^31. */
static uint32_t
pow2_above(uint64_t n)
{
	uint64_t p = 1024;

	while (p < 2 * n && p < (1ull << 31))
		p <<= 1;
	return (uint32_t)p;
}

static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
addr_hash(const struct discover *d, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return mix64(a ^ d->seed) ^ mix64(b + d->seed);
}

static void
named_set(struct discover *d, unsigned protos, unsigned lo, unsigned hi)
{
	for (unsigned p = lo; p <= hi; p++) {
		if (protos & RULE_TCP)
			d->named[DSC_TCP][p >> 3] |= (uint8_t)(1u << (p & 7));
		if (protos & RULE_UDP)
			d->named[DSC_UDP][p >> 3] |= (uint8_t)(1u << (p & 7));
	}
}

struct discover *
discover_new(const struct ruleset *rs, uint32_t max_hosts)
{
	struct discover *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->rs = rs;
	d->max_hosts = max_hosts != 0 ? max_hosts : DSC_HOSTS_DEFAULT;
	d->max_edges = (uint32_t)((uint64_t)d->max_hosts * DSC_EDGES_PER_HOST > UINT32_MAX - 1 ?
	    UINT32_MAX - 1 : (uint64_t)d->max_hosts * DSC_EDGES_PER_HOST);
	d->hmask = pow2_above(d->max_hosts) - 1;
	d->emask = pow2_above(d->max_edges) - 1;
	d->hidx = calloc((size_t)d->hmask + 1, sizeof(*d->hidx));
	d->eidx = calloc((size_t)d->emask + 1, sizeof(*d->eidx));
	if (d->hidx == NULL || d->eidx == NULL) {
		discover_free(d);
		return NULL;
	}
	/* the flow table's key is random per run: addresses an attacker
	 * chooses cannot be aimed at one chain */
	d->seed = ((uint64_t)flow_hash_key[0] << 32 | flow_hash_key[1]) ^ 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		if (r->disabled || r->client_media)
			continue;
		for (int k = 0; k < r->nports; k++)
			if (r->ports[k].hi - r->ports[k].lo < DSC_NARROW_MAX)
				named_set(d, r->protos, r->ports[k].lo, r->ports[k].hi);
	}
	return d;
}

void
discover_free(struct discover *d)
{
	if (d == NULL)
		return;
	for (uint32_t i = 0; i < d->nhosts; i++)
		free(d->hosts[i].ports);
	free(d->hosts);
	free(d->hidx);
	free(d->edges);
	free(d->eidx);
	free(d);
}

int
discover_named(const struct discover *d, int proto, uint16_t port)
{
	return (d->named[proto][port >> 3] >> (port & 7)) & 1;
}

static const struct dsc_host *
host_lookup(const struct discover *d, const uint8_t addr[16], int family, uint32_t *bucket)
{
	uint32_t b = (uint32_t)addr_hash(d, addr) & d->hmask;

	if (bucket != NULL)
		*bucket = b;
	for (uint32_t i = d->hidx[b]; i != 0; i = d->hosts[i - 1].next) {
		const struct dsc_host *h = &d->hosts[i - 1];

		if (h->family == family && memcmp(h->addr, addr, 16) == 0)
			return h;
	}
	return NULL;
}

const struct dsc_host *
discover_find(const struct discover *d, const uint8_t addr[16], int family)
{
	return host_lookup(d, addr, family, NULL);
}

/* The index of the host with this address, created when `create` allows
 * and the table has room; DSC_NONE otherwise. */
static uint32_t
host_get(struct discover *d, const uint8_t addr[16], int family, uint32_t limit)
{
	uint32_t b;
	const struct dsc_host *found = host_lookup(d, addr, family, &b);
	struct dsc_host *h;

	if (found != NULL)
		return (uint32_t)(found - d->hosts);
	if (d->nhosts >= limit)
		return DSC_NONE;
	if (d->nhosts == d->hosts_alloc) {
		uint32_t n = d->hosts_alloc ? d->hosts_alloc * 2 : 256;
		struct dsc_host *nh;

		if (n > d->max_hosts)
			n = d->max_hosts;
		if ((nh = realloc(d->hosts, (size_t)n * sizeof(*nh))) == NULL)
			return DSC_NONE;
		d->hosts = nh;
		d->hosts_alloc = n;
	}
	h = &d->hosts[d->nhosts];
	memset(h, 0, sizeof(*h));
	memcpy(h->addr, addr, 16);
	h->family = (uint8_t)family;
	h->next = d->hidx[b];
	d->hidx[b] = ++d->nhosts;
	return d->nhosts - 1;
}

static void
host_seen(struct dsc_host *h, const struct flow_record *r)
{
	if (h->first_usec == 0 || r->first_usec < h->first_usec)
		h->first_usec = r->first_usec;
	if (r->last_usec > h->last_usec)
		h->last_usec = r->last_usec;
}

const struct dsc_port *
discover_port(const struct dsc_host *h, int proto, uint16_t port)
{
	uint32_t key = (uint32_t)proto << 16 | port;
	int lo = 0, hi = h->nports;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		uint32_t k = (uint32_t)h->ports[mid].proto << 16 | h->ports[mid].port;

		if (k == key)
			return &h->ports[mid];
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Count an accepted flow on an exact port of h (kept sorted). */
static void
port_add(struct discover *d, struct dsc_host *h, int proto, uint16_t port, int midstream,
    uint32_t first, uint32_t last)
{
	uint32_t key = (uint32_t)proto << 16 | port;
	struct dsc_port *p = (struct dsc_port *)discover_port(h, proto, port);
	int at;

	if (p == NULL) {
		if (h->nports == DSC_HOST_PORTS) {
			h->ports_dropped++;
			d->c.ports_dropped++;
			return;
		}
		if (h->nports == h->cap) {
			uint16_t n = h->cap ? (uint16_t)(h->cap * 2) : 4;
			struct dsc_port *np = realloc(h->ports, (size_t)n * sizeof(*np));

			if (np == NULL) {
				h->ports_dropped++;
				d->c.ports_dropped++;
				return;
			}
			h->ports = np;
			h->cap = n;
		}
		for (at = 0; at < h->nports; at++)
			if (((uint32_t)h->ports[at].proto << 16 | h->ports[at].port) > key)
				break;
		memmove(&h->ports[at + 1], &h->ports[at], (size_t)(h->nports - at) * sizeof(*p));
		p = &h->ports[at];
		memset(p, 0, sizeof(*p));
		p->port = port;
		p->proto = (uint8_t)proto;
		p->flags = DSC_F_MIDSTREAM;
		p->first_sec = first;
		h->nports++;
	}
	p->flows++;
	if (midstream)
		p->midstream++;
	else
		p->flags &= (uint8_t)~DSC_F_MIDSTREAM;
	if (first < p->first_sec)
		p->first_sec = first;
	if (last > p->last_sec)
		p->last_sec = last;
}

static void
sketch_add(const struct discover *d, struct dsc_host *h, const uint8_t addr[16])
{
	unsigned bit = (unsigned)(addr_hash(d, addr) >> 56);

	h->sketch[bit >> 5] |= 1u << (bit & 31);
}

uint32_t
discover_sketch_count(const struct dsc_host *h)
{
	unsigned set = 0;
	double zeros, m = 32.0 * DSC_SKETCH_WORDS;

	for (int i = 0; i < DSC_SKETCH_WORDS; i++)
		set += (unsigned)__builtin_popcount(h->sketch[i]);
	if (set == 0)
		return 0;
	zeros = m - set;
	if (zeros < 1)
		zeros = 0.5;	/* saturated: a lower bound */
	/* linear counting: n = -m ln(zeros / m), by a series-free log */
	{
		double x = zeros / m, ln = 0;

		/* ln x for 0 < x <= 1 by halving: ln x = k ln 2 + ln(y), y in [0.5, 1] */
		while (x < 0.5) {
			x *= 2;
			ln -= 0.6931471805599453;
		}
		/* ln(y) = 2 atanh((y - 1) / (y + 1)), a few terms suffice here */
		{
			double t = (x - 1) / (x + 1), t2 = t * t, s = 0, term = t;

			for (int k = 1; k < 20; k += 2) {
				s += term / k;
				term *= t2;
			}
			ln += 2 * s;
		}
		return (uint32_t)(-m * ln + 0.5) > set ? (uint32_t)(-m * ln + 0.5) : set;
	}
}

uint32_t
discover_sketch_common(const struct dsc_host *a, const struct dsc_host *b)
{
	uint32_t n = 0;

	for (int i = 0; i < DSC_SKETCH_WORDS; i++)
		n += (uint32_t)__builtin_popcount(a->sketch[i] & b->sketch[i]);
	return n;
}

static uint64_t
edge_hash(const struct discover *d, uint32_t ini, uint32_t resp, int proto, uint16_t port)
{
	return mix64(((uint64_t)ini << 32 | resp) ^ d->seed) ^
	    mix64((uint64_t)proto << 16 | port);
}

/* The edge (ini, resp, proto, port), created when there is room; NULL
 * (counted) otherwise. */
static struct dsc_edge *
edge_get(struct discover *d, uint32_t ini, uint32_t resp, int proto, uint16_t port)
{
	uint32_t b = (uint32_t)edge_hash(d, ini, resp, proto, port) & d->emask;
	struct dsc_edge *e;

	for (uint32_t i = d->eidx[b]; i != 0; i = d->edges[i - 1].next) {
		e = &d->edges[i - 1];
		if (e->ini == ini && e->resp == resp && e->proto == proto && e->port == port)
			return e;
	}
	if (d->nedges >= d->max_edges) {
		d->c.edges_dropped++;
		return NULL;
	}
	if (d->nedges == d->edges_alloc) {
		uint32_t n = d->edges_alloc ? d->edges_alloc * 2 : 1024;
		struct dsc_edge *ne;

		if (n > d->max_edges)
			n = d->max_edges;
		if ((ne = realloc(d->edges, (size_t)n * sizeof(*ne))) == NULL) {
			d->c.edges_dropped++;
			return NULL;
		}
		d->edges = ne;
		d->edges_alloc = n;
	}
	e = &d->edges[d->nedges];
	memset(e, 0, sizeof(*e));
	e->ini = ini;
	e->resp = resp;
	e->proto = (uint8_t)proto;
	e->port = port;
	e->flags = DSC_F_MIDSTREAM;
	e->first_sec = UINT32_MAX;
	e->next = d->eidx[b];
	d->eidx[b] = ++d->nedges;
	return e;
}

/* Text address of a record into 16 bytes (v4-mapped); the family, 0 when
 * it does not parse (never, for records the engine wrote). */
static int
rec_addr(const char *s, uint8_t a[16])
{
	memset(a, 0, 16);
	if (strchr(s, ':') != NULL)
		return inet_pton(AF_INET6, s, a) == 1 ? 6 : 0;
	a[10] = 0xff;
	a[11] = 0xff;
	return inet_pton(AF_INET, s, a + 12) == 1 ? 4 : 0;
}

void
discover_flow(struct discover *d, const struct flow_record *r)
{
	uint8_t ia[16], ra[16];
	int fam, proto, accepted, midstream = 0;
	uint32_t hi, hr, first = (uint32_t)(r->first_usec / 1000000u),
	    last = (uint32_t)(r->last_usec / 1000000u);
	uint16_t eport;
	struct dsc_edge *e;

	d->c.flows++;
	if (r->proto == IPPROTO_TCP_NUM)
		proto = DSC_TCP;
	else if (r->proto == IPPROTO_UDP_NUM)
		proto = DSC_UDP;
	else {
		d->c.other++;
		return;
	}
	if ((fam = rec_addr(r->src_ip, ia)) == 0 || rec_addr(r->dest_ip, ra) != fam) {
		d->c.other++;
		return;
	}
	if (d->first_usec == 0 || r->first_usec < d->first_usec)
		d->first_usec = r->first_usec;
	if (r->last_usec > d->last_usec)
		d->last_usec = r->last_usec;
	if (proto == DSC_TCP) {
		/* the responder's SYN-ACK; a flow picked up mid-stream has
		 * none, so there packets both ways (no reset from the
		 * guessed responder) stand for it */
		accepted = (r->tcp_flags_tc & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
		if (!accepted && r->midstream && r->pkts_toclient > 0 && r->pkts_toserver > 0 &&
		    !(r->tcp_flags_tc & TCP_RST))
			accepted = midstream = 1;
	} else
		accepted = r->pkts_toclient > 0;
	eport = r->dest_port < 1024 || discover_named(d, proto, r->dest_port) ? r->dest_port : 0;

	if (!accepted) {
		d->c.attempts++;
		hi = host_get(d, ia, fam, d->max_hosts);
		/* a scan of unused addresses must not fill the table: attempts
		 * to hosts not seen yet are recorded only while it has room */
		hr = host_get(d, ra, fam, d->max_hosts - d->max_hosts / 4);
		if (hi != DSC_NONE) {
			d->hosts[hi].att_out++;
			host_seen(&d->hosts[hi], r);
		}
		if (hr == DSC_NONE) {
			d->c.attempts_unrecorded++;
			return;
		}
		d->hosts[hr].att_in++;
		host_seen(&d->hosts[hr], r);
		if (hi != DSC_NONE && (e = edge_get(d, hi, hr, proto, eport)) != NULL) {
			e->attempts++;
			if (first < e->first_sec)
				e->first_sec = first;
			if (last > e->last_sec)
				e->last_sec = last;
		}
		return;
	}
	d->c.accepted++;
	d->c.midstream += (uint64_t)midstream;
	hi = host_get(d, ia, fam, d->max_hosts);
	hr = host_get(d, ra, fam, d->max_hosts);
	if (hi == DSC_NONE || hr == DSC_NONE)
		d->c.hosts_dropped++;
	if (hi != DSC_NONE) {
		d->hosts[hi].ini_flows++;
		host_seen(&d->hosts[hi], r);
	}
	if (hr == DSC_NONE)
		return;
	{
		struct dsc_host *h = &d->hosts[hr];

		h->acc_flows++;
		host_seen(h, r);
		sketch_add(d, h, ia);
		if (eport != 0 || r->dest_port == 0)
			port_add(d, h, proto, r->dest_port, midstream, first, last);
		else {
			struct dsc_high *hg = &h->high[proto];

			if (hg->flows == 0 || r->dest_port < hg->lo)
				hg->lo = r->dest_port;
			if (hg->flows == 0 || r->dest_port > hg->hi)
				hg->hi = r->dest_port;
			hg->flows++;
		}
	}
	if (hi == DSC_NONE || (e = edge_get(d, hi, hr, proto, eport)) == NULL)
		return;
	e->flows++;
	if (!midstream)
		e->flags &= (uint8_t)~DSC_F_MIDSTREAM;
	if (first < e->first_sec)
		e->first_sec = first;
	if (last > e->last_sec)
		e->last_sec = last;
}

/* The engine's binary flow record (record.h), made text here: the
 * discovery reads it as the outputs do. */
static void
sink_flow(void *arg, const struct rec_flow *b)
{
	struct flow_record r;

	if (record_text_flow(b, NULL, &r) == 0)
		discover_flow(arg, &r);
}

static void
sink_counter(void *arg, const char *name, uint64_t value)
{
	struct discover *d = arg;

	if (strcmp(name, "packets") == 0)
		d->c.packets = value;
	else if (strcmp(name, "flows.evicted") == 0)
		d->c.flows_evicted = value;
	else if (strcmp(name, "capture.kernel_drops") == 0 ||
	    strcmp(name, "capture.if_drops") == 0 || strcmp(name, "capture.ring_drops") == 0)
		d->c.capture_drops += value;
	else if (strcmp(name, "store.records_lost") == 0)
		d->c.records_lost = value;
}

void
discover_sink(struct discover *d, struct engine_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->arg = d;
	sink->flow = sink_flow;
	sink->counter = sink_counter;
}
