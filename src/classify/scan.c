/*
 * scan.c - port scans detected in the classifier (scan.h).
 *
 * Three fixed tables, allocated by scan_new():
 *   sources  SCAN_SOURCES entries in 4-way sets, found by a keyed hash of
 *            the source address; each with up to `threshold` distinct
 *            (destination hash, port) tuples of its current detection
 *            window (a fixed window from its first probe, as the alert
 *            feeds count theirs), so the count is exact;
 *   active   SCAN_ACTIVE scans in progress, each with a bitmap of the
 *            ports probed and of those that answered (8 KiB each), the
 *            hosts probed (SCAN_HOSTS hashes) and its first probe's
 *            record;
 *   holds    a ring of SCAN_HOLDS held findings, in the order they were
 *            held (their due times are first SYN + answer-timeout, so
 *            nearly in order: a hold that is due waits at most for the
 *            ones before it).
 * A source entry that is scanning is never reused for another source,
 * so an active scan's source stays put; a hold names its flow by pointer
 * and flow id (a flow's slot may be reused once it ended).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/packet.h"
#include "conformd/rules.h"
#include "scan.h"

#define SCAN_WAYS	4
#define SCAN_SETS	(SCAN_SOURCES / SCAN_WAYS)
#define USEC		1000000ULL
#define SCAN_LONG	10	/* a scan going on this many windows is reported, then counted afresh */
#define PORT_WORDS	(65536 / 64)

_Static_assert((SCAN_SETS & (SCAN_SETS - 1)) == 0, "SCAN_SETS: a power of two");

/* One (destination, port) of a source's detection window; the destination
 * by a keyed 32-bit hash of its address. */
struct tuple {
	uint32_t	dst;
	uint16_t	port;
	uint16_t	pad;
};

struct src {
	uint8_t		addr[16];
	int		used;
	int		active;		/* its scan's slot, -1: not scanning */
	uint32_t	count;		/* distinct tuples in its window, in tuples[] */
	uint32_t	held;		/* findings of its flows held */
	uint64_t	win_start;	/* its detection window began */
	uint64_t	last_probe;
	uint64_t	used_at;	/* for reuse: the least recently used goes */
};

struct active {
	int			 src;		/* its source's entry, -1: free */
	int			 have_rec;
	struct rec_scan		 fig;
	struct rec_flow		 rec;		/* its first probe, ports 0, no rule */
	uint8_t			 addr[2][16];	/* its source and first destination */
	uint32_t		 hosts[SCAN_HOSTS];	/* destinations' hashes */
	uint64_t		 probed[PORT_WORDS];	/* ports probed */
	uint64_t		 open[PORT_WORDS];	/* ports that answered */
};

struct hold {
	struct flow		*f;		/* NULL: taken back */
	uint64_t		 id;		/* f->id when held */
	uint64_t		 due;
	struct scan_held	 h;
};

struct scan {
	uint32_t		 threshold;
	uint32_t		 window_sec;
	uint64_t		 window;	/* usec */
	struct src		*srcs;		/* [SCAN_SOURCES] */
	struct tuple		*tuples;	/* [SCAN_SOURCES * threshold] */
	struct active		*act;		/* [SCAN_ACTIVE] */
	struct hold		*holds;		/* [SCAN_HOLDS], a ring */
	uint32_t		 head, n;	/* the oldest hold, how many */
	struct scan_stats	 st;
	char			 ports_txt[SCAN_LIST_LEN + 8];
	char			 open_txt[SCAN_LIST_LEN + 8];
};

/* NH over the address's four words with the flow hash key (flow.h): a
 * source cannot be aimed at one set without the key.  `salt` tells
 * sources and destinations apart. */
static uint32_t
addr_hash(const uint8_t a[16], uint32_t salt)
{
	const uint32_t *K = flow_hash_key;
	uint64_t h;

	h = (uint64_t)(uint32_t)(flow_load32(a) + K[8] + salt) * (uint32_t)(flow_load32(a + 4) + K[9]);
	h += (uint64_t)(uint32_t)(flow_load32(a + 8) + K[10]) *
	    (uint32_t)(flow_load32(a + 12) + K[11] + salt);
	return flow_hash_mix(h);
}

struct scan *
scan_new(uint32_t threshold, uint32_t window, int *oom)
{
	struct scan *s;

	*oom = 0;
	if (threshold == 0)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->srcs = calloc(SCAN_SOURCES, sizeof(*s->srcs))) == NULL ||
	    (s->tuples = calloc((size_t)SCAN_SOURCES * threshold, sizeof(*s->tuples))) == NULL ||
	    (s->act = calloc(SCAN_ACTIVE, sizeof(*s->act))) == NULL ||
	    (s->holds = calloc(SCAN_HOLDS, sizeof(*s->holds))) == NULL) {
		scan_free(s);
		*oom = 1;
		return NULL;
	}
	s->threshold = threshold;
	s->window_sec = window;
	s->window = (uint64_t)window * USEC;
	for (int i = 0; i < SCAN_ACTIVE; i++)
		s->act[i].src = -1;
	return s;
}

void
scan_free(struct scan *s)
{
	if (s == NULL)
		return;
	free(s->srcs);
	free(s->tuples);
	free(s->act);
	free(s->holds);
	free(s);
}

const struct scan_stats *
scan_stats(const struct scan *s)
{
	return &s->st;
}

/* --- sources ------------------------------------------------------------------- */

static int
src_find(const struct scan *s, const uint8_t a[16])
{
	uint32_t set = addr_hash(a, 0) & (SCAN_SETS - 1);

	for (int w = 0; w < SCAN_WAYS; w++) {
		int i = (int)(set * SCAN_WAYS) + w;

		if (s->srcs[i].used && memcmp(s->srcs[i].addr, a, 16) == 0)
			return i;
	}
	return -1;
}

/*
 * The entry of source a, made if need be: a free way of its set, else the
 * least recently used way that is not scanning (one that holds nothing
 * first).  -1 when every way of the set is scanning.
 */
static int
src_get(struct scan *s, const uint8_t a[16], uint64_t now)
{
	uint32_t set = addr_hash(a, 0) & (SCAN_SETS - 1);
	int victim = -1, rank = 0;

	for (int w = 0; w < SCAN_WAYS; w++) {
		int i = (int)(set * SCAN_WAYS) + w, r;
		const struct src *e = &s->srcs[i];

		if (e->used && memcmp(e->addr, a, 16) == 0) {
			s->srcs[i].used_at = now;
			return i;
		}
		/* rank: 3 free, 2 idle, 1 holding findings, 0 scanning */
		r = !e->used ? 3 : e->active >= 0 ? 0 : e->held == 0 ? 2 : 1;
		if (r > rank || (r == rank && r > 0 && victim >= 0 &&
		    e->used_at < s->srcs[victim].used_at)) {
			victim = i;
			rank = r;
		}
	}
	if (victim < 0)
		return -1;
	if (s->srcs[victim].used)
		s->st.sources_evicted++;
	memset(&s->srcs[victim], 0, sizeof(s->srcs[victim]));
	memcpy(s->srcs[victim].addr, a, 16);
	s->srcs[victim].used = 1;
	s->srcs[victim].active = -1;
	s->srcs[victim].win_start = now;
	s->srcs[victim].used_at = now;
	return victim;
}

static int
bit_set(uint64_t *map, uint16_t bit)
{
	uint64_t m = 1ULL << (bit & 63);

	if (map[bit >> 6] & m)
		return 0;
	map[bit >> 6] |= m;
	return 1;
}

int
scan_probe(struct scan *s, const struct flow *f, uint64_t now)
{
	struct tuple nt, *t;
	struct src *e;
	int i, a;

	if ((i = src_get(s, f->key.addr[f->ini], now)) < 0)
		return 0;
	e = &s->srcs[i];
	e->last_probe = now;
	if (e->active >= 0)
		return 1;
	if (now - e->win_start > s->window) {
		e->win_start = now;
		e->count = 0;
	}
	memset(&nt, 0, sizeof(nt));
	nt.dst = addr_hash(f->key.addr[!f->ini], 1);
	nt.port = f->key.port[!f->ini];
	t = s->tuples + (size_t)i * s->threshold;
	/* count < threshold here: the loop is bounded by it */
	for (uint32_t k = 0; k < e->count; k++)
		if (t[k].dst == nt.dst && t[k].port == nt.port)
			return 0;
	t[e->count++] = nt;
	if (e->count < s->threshold)
		return 0;
	for (a = 0; a < SCAN_ACTIVE && s->act[a].src >= 0; a++)
		;
	if (a == SCAN_ACTIVE) {
		/* no room to itemise it: alerted probe by probe (the feeds fold them) */
		s->st.untracked++;
		e->count = 0;
		e->win_start = now;
		return 0;
	}
	memset(&s->act[a], 0, sizeof(s->act[a]));
	s->act[a].src = i;
	s->act[a].fig.window = s->window_sec;
	e->active = a;
	return 1;
}

int
scan_scanning(const struct scan *s, const struct flow *f)
{
	int i = src_find(s, f->key.addr[f->ini]);

	return i >= 0 && s->srcs[i].active >= 0;
}

/* --- folding ------------------------------------------------------------------- */

void
scan_fold(struct scan *s, const struct flow *f, scan_record_fn record, void *arg)
{
	struct active *a;
	uint16_t port = f->key.port[!f->ini];
	uint32_t h;
	int i = src_find(s, f->key.addr[f->ini]);

	if (i < 0 || s->srcs[i].active < 0)
		return;
	a = &s->act[s->srcs[i].active];
	if (a->fig.probes == 0 || f->first_usec < a->fig.first_usec)
		a->fig.first_usec = f->first_usec;
	if (f->first_usec > a->fig.last_usec)
		a->fig.last_usec = f->first_usec;
	a->fig.probes++;
	s->st.probes++;
	if (bit_set(a->probed, port))
		a->fig.ports++;
	/* answered: the responder's SYN-ACK (a SYN from that side) */
	if ((f->tcp_flags[!f->ini] & TCP_SYN) && bit_set(a->open, port))
		a->fig.answered++;
	h = addr_hash(f->key.addr[!f->ini], 1);
	{
		uint32_t k, n = a->fig.hosts < SCAN_HOSTS ? a->fig.hosts : SCAN_HOSTS;

		for (k = 0; k < n && a->hosts[k] != h; k++)
			;
		if (k == n) {
			if (n < SCAN_HOSTS) {
				a->hosts[n] = h;
				a->fig.hosts++;
			} else
				a->fig.hosts_more = 1;
		}
	}
	if (!a->have_rec) {
		record(arg, f, &a->rec);
		a->rec.f.key.port[0] = a->rec.f.key.port[1] = 0;
		a->rec.f.rule = RULE_NONE;
		a->rec.rule_rs = NULL;
		a->rec.fail = REC_FAIL_NONE;
		a->rec.end = REC_END_NONE;
		/* roles, hosts and policy: the engine's when it reports (a
		 * reload may free the policy they are of meanwhile) */
		memcpy(a->addr[0], f->key.addr[f->ini], 16);
		memcpy(a->addr[1], f->key.addr[!f->ini], 16);
		a->have_rec = 1;
	}
}

/*
 * The set bits of map as ranges, "1-1024,3389", into buf (SCAN_LIST_LEN
 * and a NUL): what does not fit ends with "...".
 */
static void
ports_text(const uint64_t *map, char *buf)
{
	size_t off = 0;
	int lo = -1, first = 1;

	buf[0] = '\0';
	for (int p = 0; p <= 65536; p++) {
		int on = p < 65536 && (map[p >> 6] & (1ULL << (p & 63)));
		char item[16];
		int n;

		if (p < 65536 && (p & 63) == 0 && map[p >> 6] == 0 && lo < 0) {
			p += 63;	/* a whole empty word */
			continue;
		}
		if (on && lo < 0)
			lo = p;
		if (on || lo < 0)
			continue;
		n = lo == p - 1 ? snprintf(item, sizeof(item), "%s%d", first ? "" : ",", lo) :
		    snprintf(item, sizeof(item), "%s%d-%d", first ? "" : ",", lo, p - 1);
		lo = -1;
		first = 0;
		if (off + (size_t)n > SCAN_LIST_LEN - 4) {
			snprintf(buf + off, 5, "%s...", off > 0 ? "," : "");
			return;
		}
		memcpy(buf + off, item, (size_t)n + 1);
		off += (size_t)n;
	}
}

void
scan_end(struct scan *s, uint64_t now, int all, scan_emit_fn emit, void *arg)
{
	for (int k = 0; k < SCAN_ACTIVE; k++) {
		struct active *a = &s->act[k];
		struct src *e;
		struct scan_report r;
		int quiet, going_on;

		if (a->src < 0)
			continue;
		e = &s->srcs[a->src];
		quiet = now >= e->last_probe + s->window && e->held == 0;
		going_on = a->fig.probes > 0 &&
		    now >= a->fig.first_usec + (uint64_t)SCAN_LONG * s->window;
		if (!all && !quiet && !going_on)
			continue;
		if (a->fig.probes > 0 && a->have_rec) {
			ports_text(a->probed, s->ports_txt);
			ports_text(a->open, s->open_txt);
			memset(&r, 0, sizeof(r));
			r.fig = a->fig;
			r.rec = &a->rec;
			r.src_addr = a->addr[0];
			r.dst_addr = a->addr[1];
			r.ports = s->ports_txt;
			r.answered = s->open_txt;
			s->st.scans++;
			emit(arg, &r);
		}
		if (all || quiet) {
			e->active = -1;
			e->count = 0;
			e->win_start = now;
			a->src = -1;
		} else {
			/* going on: what comes next is counted afresh */
			int src = a->src;

			memset(a, 0, sizeof(*a));
			a->src = src;
			a->fig.window = s->window_sec;
		}
	}
}

/* --- holds ---------------------------------------------------------------------- */

static void
held_done(struct scan *s, const struct flow *f)
{
	int i = src_find(s, f->key.addr[f->ini]);

	if (i >= 0 && s->srcs[i].held > 0)
		s->srcs[i].held--;
}

/* Take the oldest hold out of the ring and, when its flow still holds
 * it, release it. */
static void
hold_pop(struct scan *s, scan_release_fn release, void *arg)
{
	uint32_t idx = s->head;
	struct hold *x = &s->holds[idx];
	struct flow *f = x->f;
	struct scan_held h = x->h;

	s->head = (s->head + 1) % SCAN_HOLDS;
	s->n--;
	x->f = NULL;
	if (f == NULL || f->id != x->id || f->hold != idx + 1)
		return;
	f->hold = 0;
	held_done(s, f);
	release(arg, f, &h);
}

void
scan_hold(struct scan *s, struct flow *f, uint64_t due, const struct scan_held *h,
    scan_release_fn release, void *arg)
{
	uint32_t idx;
	int i;

	if (s->n == SCAN_HOLDS) {
		s->st.holds_forced++;
		hold_pop(s, release, arg);
	}
	idx = (s->head + s->n) % SCAN_HOLDS;
	s->holds[idx].f = f;
	s->holds[idx].id = f->id;
	s->holds[idx].due = due;
	s->holds[idx].h = *h;
	s->n++;
	f->hold = idx + 1;
	if ((i = src_find(s, f->key.addr[f->ini])) >= 0)
		s->srcs[i].held++;
}

int
scan_unhold(struct scan *s, struct flow *f, struct scan_held *h)
{
	struct hold *x;

	if (f->hold == 0)
		return 0;
	x = &s->holds[(f->hold - 1) % SCAN_HOLDS];
	f->hold = 0;
	if (x->f != f || x->id != f->id)
		return 0;
	*h = x->h;
	x->f = NULL;
	held_done(s, f);
	return 1;
}

void
scan_due(struct scan *s, uint64_t now, scan_release_fn release, void *arg)
{
	while (s->n > 0) {
		const struct hold *x = &s->holds[s->head];

		if (x->f != NULL && x->due > now)
			break;
		hold_pop(s, release, arg);
	}
}
