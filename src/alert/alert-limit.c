/*
 * alert-limit.c - volume control of the alert feeds (alert-limit.h):
 *
 *   1. deduplication: one alert per (kind, source, destination, port,
 *      protocol, host, rule) -- the key of SQLite's findings table -- per
 *      `suppress KIND SECONDS`; the repeats are counted and the next
 *      alert of the key carries their number;
 *   2. scans: a source raising `scan-threshold N` distinct unexpected
 *      findings within its window becomes one summary alert; while it
 *      goes on (no pause as long as a window) its unexpected findings are
 *      folded into that summary;
 *   3. token buckets (RATE alerts per second, BURST deep), per source
 *      and global.  Scan summaries are not rate limited: they are the
 *      limit; nor are the classifier's own scans (FINDING_SCAN, whose
 *      probes never reach the feeds: each probe is in one alert at most).
 *
 * Entries are found by a seeded 64-bit hash of their key alone (a
 * collision merges two keys with odds of n^2 / 2^65); both tables are
 * fixed-size and evict the least recently used entry, so memory does not
 * grow with the traffic.  A source's distinct (destination, port,
 * protocol) tuples of the current window are kept, up to the threshold
 * (8 bytes each: scan-threshold x ALIM_MAX_SOURCES x 8 bytes in all), so
 * the count is exact.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "conformd/alert-limit.h"

#define NIL		UINT32_MAX
#define USEC		1000000ULL

/*
 * A fixed set of entries keyed by hash: chained buckets for lookup, a
 * doubly linked list for recency (head: most recent).
 */
struct lru {
	uint32_t	 cap, used, mask;
	uint32_t	 head, tail;
	uint32_t	*bucket;	/* first entry of each chain, NIL */
	uint32_t	*chain, *prev, *next;
	uint64_t	*hash;
};

struct dkey {
	uint64_t	 last_alert;	/* capture time of its last alert, 0: none yet */
	uint64_t	 pending;	/* occurrences not sent since */
};

struct bucket {
	uint64_t	 micro;		/* tokens * 1e6 */
	uint64_t	 at;		/* last refill, capture time */
};

/* One (destination, port, protocol) of a scan window; the destination
 * by a 32-bit hash of its address. */
struct tuple {
	uint32_t	 dst;
	uint16_t	 port;
	uint8_t		 proto;
	uint8_t		 pad;
};

struct source {
	struct bucket	 rate;
	uint64_t	 win_start;	/* scan window */
	uint32_t	 win_count;	/* distinct tuples in it, in tuples[] */
	int		 scanning;
	uint64_t	 scan_last;	/* last unexpected finding while scanning */
};

/* The limits, copied: the config may be replaced while we run. */
struct limits {
	uint32_t	 suppress[CONFIG_KINDS];
	uint32_t	 rate_global, burst_global;
	uint32_t	 rate_source, burst_source;
	uint32_t	 scan_threshold, scan_window;
};

struct alert_limit {
	struct limits	 lim;
	const struct limits *cfg;
	uint64_t	 seed;
	uint64_t	 now;		/* capture time, never going back */
	struct lru	 keys;
	struct dkey	*dkeys;
	struct lru	 srcs;
	struct source	*sources;
	struct tuple	*tuples;	/* scan_threshold per source */
	struct bucket	 global;
	struct alim_stats st;
};

static int
lru_init(struct lru *t, uint32_t cap)
{
	uint32_t nb = 1;

	while (nb < cap)
		nb <<= 1;
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->mask = nb - 1;
	t->head = t->tail = NIL;
	t->bucket = malloc(nb * sizeof(*t->bucket));
	t->chain = malloc(cap * sizeof(*t->chain));
	t->prev = malloc(cap * sizeof(*t->prev));
	t->next = malloc(cap * sizeof(*t->next));
	t->hash = malloc(cap * sizeof(*t->hash));
	if (t->bucket == NULL || t->chain == NULL || t->prev == NULL ||
	    t->next == NULL || t->hash == NULL)
		return -1;
	for (uint32_t i = 0; i < nb; i++)
		t->bucket[i] = NIL;
	return 0;
}

static void
lru_free(struct lru *t)
{
	free(t->bucket);
	free(t->chain);
	free(t->prev);
	free(t->next);
	free(t->hash);
}

static void
lru_unlink(struct lru *t, uint32_t i)
{
	if (t->prev[i] != NIL)
		t->next[t->prev[i]] = t->next[i];
	else
		t->head = t->next[i];
	if (t->next[i] != NIL)
		t->prev[t->next[i]] = t->prev[i];
	else
		t->tail = t->prev[i];
}

static void
lru_push_front(struct lru *t, uint32_t i)
{
	t->prev[i] = NIL;
	t->next[i] = t->head;
	if (t->head != NIL)
		t->prev[t->head] = i;
	t->head = i;
	if (t->tail == NIL)
		t->tail = i;
}

/* Remove entry i from its hash chain (chains are short: walk it). */
static void
lru_unchain(struct lru *t, uint32_t i)
{
	uint32_t *pp = &t->bucket[t->hash[i] & t->mask];

	while (*pp != NIL && *pp != i)
		pp = &t->chain[*pp];
	if (*pp == i)
		*pp = t->chain[i];
}

/*
 * The entry of hash h, made most recent.  *fresh is 1 when it was not
 * there (a new entry, or the least recent one reused: *evicted = 1).
 */
static uint32_t
lru_get(struct lru *t, uint64_t h, int *fresh, int *evicted)
{
	uint32_t *bp = &t->bucket[h & t->mask], i;

	*fresh = 0;
	*evicted = 0;
	for (i = *bp; i != NIL; i = t->chain[i])
		if (t->hash[i] == h) {
			lru_unlink(t, i);
			lru_push_front(t, i);
			return i;
		}
	if (t->used < t->cap)
		i = t->used++;
	else {
		i = t->tail;
		lru_unlink(t, i);
		lru_unchain(t, i);
		*evicted = 1;
	}
	t->hash[i] = h;
	t->chain[i] = *bp;
	*bp = i;
	lru_push_front(t, i);
	*fresh = 1;
	return i;
}

/* Seeded FNV-1a over the bytes, finished with the splitmix64 mixer so
 * that every bit of the key reaches the bucket index. */
static uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
hash_str(uint64_t h, const char *s)
{
	/* the terminator is hashed too: ("ab","c") differs from ("a","bc") */
	return hash_bytes(h, s != NULL ? s : "", s != NULL ? strlen(s) + 1 : 1);
}

static uint64_t
hash_fin(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x != 0 ? x : 1;
}

static uint64_t
limit_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	return s ^ 0xcbf29ce484222325ULL;
}

struct alert_limit *
alert_limit_new(const struct config *cfg)
{
	struct alert_limit *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	memcpy(l->lim.suppress, cfg->suppress, sizeof(l->lim.suppress));
	l->lim.rate_global = cfg->rate_global;
	l->lim.burst_global = cfg->burst_global;
	l->lim.rate_source = cfg->rate_source;
	l->lim.burst_source = cfg->burst_source;
	l->lim.scan_threshold = cfg->scan_threshold;
	l->lim.scan_window = cfg->scan_window;
	l->cfg = &l->lim;
	l->seed = limit_seed();
	if (lru_init(&l->keys, ALIM_MAX_KEYS) == -1 ||
	    lru_init(&l->srcs, ALIM_MAX_SOURCES) == -1 ||
	    (l->dkeys = calloc(ALIM_MAX_KEYS, sizeof(*l->dkeys))) == NULL ||
	    (l->sources = calloc(ALIM_MAX_SOURCES, sizeof(*l->sources))) == NULL ||
	    (cfg->scan_threshold > 0 && (l->tuples = calloc((size_t)ALIM_MAX_SOURCES *
	    cfg->scan_threshold, sizeof(*l->tuples))) == NULL)) {
		alert_limit_free(l);
		return NULL;
	}
	l->global.micro = (uint64_t)cfg->burst_global * USEC;
	return l;
}

void
alert_limit_free(struct alert_limit *l)
{
	if (l == NULL)
		return;
	lru_free(&l->keys);
	lru_free(&l->srcs);
	free(l->dkeys);
	free(l->sources);
	free(l->tuples);
	free(l);
}

const struct alim_stats *
alert_limit_stats(const struct alert_limit *l)
{
	return &l->st;
}

/* Refill to `now` and say whether a token is there (not taking it). */
static int
bucket_ready(struct bucket *b, uint32_t rate, uint32_t burst, uint64_t now)
{
	uint64_t full = (uint64_t)burst * USEC;

	if (now > b->at) {
		uint64_t dt = now - b->at;

		/* past the time to fill up, the bucket is full (and no overflow) */
		if (dt >= full / rate + 1)
			b->micro = full;
		else {
			b->micro += dt * rate;
			if (b->micro > full)
				b->micro = full;
		}
	}
	b->at = now;
	return b->micro >= USEC;
}

static void
scan_reset(struct alert_limit *l, struct source *s)
{
	s->win_start = l->now;
	s->win_count = 0;
}

/* Distinct destinations and ports among n tuples (once per scan). */
static void
scan_figures(const struct tuple *t, uint32_t n, struct alim_result *res)
{
	uint32_t i, j;

	res->scan_hosts = 0;
	res->scan_ports = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && t[j].dst != t[i].dst; j++)
			;
		res->scan_hosts += j == i;
		for (j = 0; j < i && t[j].port != t[i].port; j++)
			;
		res->scan_ports += j == i;
	}
}

/*
 * The scan detector for an unexpected finding of source entry idx:
 * ALIM_SCAN (it completes one), ALIM_FOLDED (a scan goes on) or 0.
 */
static int
scan_check(struct alert_limit *l, uint32_t idx, const struct flow_record *r,
    struct alim_result *res)
{
	struct source *s = &l->sources[idx];
	uint64_t window = (uint64_t)l->cfg->scan_window * USEC;
	struct tuple *t = l->tuples + (size_t)idx * l->cfg->scan_threshold, nt;
	uint32_t i;

	if (s->scanning) {
		if (l->now - s->scan_last <= window) {
			s->scan_last = l->now;
			return ALIM_FOLDED;
		}
		s->scanning = 0;	/* it paused a whole window: over */
		scan_reset(l, s);
	}
	if (l->now - s->win_start > window)
		scan_reset(l, s);
	memset(&nt, 0, sizeof(nt));
	nt.dst = (uint32_t)hash_fin(hash_str(l->seed, r->dest_ip));
	nt.port = r->dest_port;
	nt.proto = r->proto;
	/* win_count < scan_threshold here: the loop is bounded by it */
	for (i = 0; i < s->win_count; i++)
		if (t[i].dst == nt.dst && t[i].port == nt.port && t[i].proto == nt.proto)
			return 0;
	t[s->win_count++] = nt;
	if (s->win_count < l->cfg->scan_threshold)
		return 0;
	s->scanning = 1;
	s->scan_last = l->now;
	res->scan_findings = s->win_count;
	scan_figures(t, s->win_count, res);
	return ALIM_SCAN;
}

void
alert_limit_check(struct alert_limit *l, const struct finding *f, struct alim_result *res)
{
	const struct limits *c = l->cfg;
	const struct flow_record *r = f->flow;
	struct dkey *dk = NULL;
	struct source *src = NULL;
	uint32_t sidx = NIL;
	int fresh, evicted, d;

	memset(res, 0, sizeof(*res));
	l->st.findings++;
	if (f->ts_usec > l->now)
		l->now = f->ts_usec;

	/* 1. dedupe */
	if (f->kind > 0 && f->kind < CONFIG_KINDS && c->suppress[f->kind] > 0) {
		uint64_t h = hash_bytes(l->seed, &f->kind, sizeof(f->kind));
		uint32_t i;

		if (r != NULL) {
			h = hash_str(h, r->src_ip);
			h = hash_str(h, r->dest_ip);
			h = hash_bytes(h, &r->dest_port, sizeof(r->dest_port));
			h = hash_bytes(h, &r->proto, sizeof(r->proto));
		} else {
			h = hash_str(h, f->host_ip);
			h = hash_bytes(h, &f->port, sizeof(f->port));
			h = hash_bytes(h, &f->proto, sizeof(f->proto));
		}
		h = hash_str(h, f->host);
		h = hash_fin(hash_str(h, f->rule_id));
		i = lru_get(&l->keys, h, &fresh, &evicted);
		dk = &l->dkeys[i];
		if (fresh)
			memset(dk, 0, sizeof(*dk));
		if (evicted)
			l->st.keys_evicted++;
		if (dk->last_alert != 0 &&
		    l->now < dk->last_alert + (uint64_t)c->suppress[f->kind] * USEC) {
			dk->pending++;
			l->st.suppressed++;
			res->decision = ALIM_SUPPRESSED;
			return;
		}
	}

	/* the source's entry, when something per source is configured */
	if (r != NULL && (c->rate_source > 0 ||
	    (c->scan_threshold > 0 && f->kind == FINDING_UNEXPECTED))) {
		sidx = lru_get(&l->srcs, hash_fin(hash_str(l->seed ^ 1, r->src_ip)),
		    &fresh, &evicted);
		src = &l->sources[sidx];
		if (fresh) {
			memset(src, 0, sizeof(*src));
			src->rate.micro = (uint64_t)c->burst_source * USEC;
			src->rate.at = l->now;
			scan_reset(l, src);
		}
		if (evicted)
			l->st.sources_evicted++;
	}

	/* 2. scans */
	if (src != NULL && c->scan_threshold > 0 && f->kind == FINDING_UNEXPECTED &&
	    (d = scan_check(l, sidx, r, res)) != 0) {
		if (dk != NULL)
			dk->pending++;
		l->st.scan_folded++;
		if (d == ALIM_SCAN)
			l->st.scan_summaries++;
		res->decision = d;
		return;
	}

	/* 3. rate limits: both buckets must hold a token, then both pay.  The
	 * classifier's scans (FINDING_SCAN, scan.h) are not limited: like the
	 * summaries of step 2, they are the limit.  Nor do they count in step
	 * 2: their probes never came here as unexpected findings, so nothing
	 * is counted twice. */
	if (f->kind == FINDING_SCAN)
		goto pass;
	if (src != NULL && c->rate_source > 0 &&
	    !bucket_ready(&src->rate, c->rate_source, c->burst_source, l->now)) {
		d = ALIM_RATE_SOURCE;
		l->st.rate_limited_source++;
		goto limited;
	}
	if (c->rate_global > 0 &&
	    !bucket_ready(&l->global, c->rate_global, c->burst_global, l->now)) {
		d = ALIM_RATE_GLOBAL;
		l->st.rate_limited_global++;
		goto limited;
	}
	if (src != NULL && c->rate_source > 0)
		src->rate.micro -= USEC;
	if (c->rate_global > 0)
		l->global.micro -= USEC;
pass:
	l->st.passed++;
	res->decision = ALIM_PASS;
	if (dk != NULL) {
		res->count = dk->pending;
		dk->pending = 0;
		/* a capture time of 0 still counts as "alerted" */
		dk->last_alert = l->now != 0 ? l->now : 1;
	}
	return;
limited:
	if (dk != NULL)
		dk->pending++;
	res->decision = d;
}
