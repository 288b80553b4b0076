/*
 * test_sinkasync.c - the writer-thread sink (src/output/sink-async.c): 200,000
 * records of every kind through an 8-slot and a 512-slot ring, each field
 * derived from a sequence number so the wrapped sink (in the writer thread)
 * recomputes what it should receive (binary flows and findings byte for
 * byte, a finding's text up to its NUL whatever follows it); NULL
 * callbacks staying NULL; strings copied (stack buffers overwritten after
 * the call), NULL kept NULL, and cut at SINK_MSG_STRBYTES; drain() as a
 * happens-before edge (plain
 * counters read by the producer: run under ThreadSanitizer by
 * scripts/test.sh); stop() applying what is queued; start/stop cycles.
 *
 * The wrapped sink never calls CUnit (not thread-safe): it counts
 * mismatches and keeps the first one's description, and the producer
 * asserts after drain() or stop().
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformd/record.h"
#include "conformd/sink-async.h"
#include "conformd/sink-msg.h"
#include "conformd/sink.h"
#include "unit.h"

#define N_RECORDS	200000u

/* --- records derived from a sequence number ------------------------------ */

enum {
	G_FLOW, G_FINDING_FLOW, G_FINDING_MISSING, G_COVERAGE_EVID, G_COVERAGE_NOEVID,
	G_COUNTER, G_OBSERVE, G_COVER_EVID, G_COVER_NOEVID, G_NTYPES
};

/* Everything one record carries; strings point into the buffers here or
 * to the static names below.  Binary records hold arbitrary bytes: the
 * hand-off copies them, never reads them (pointers included). */
struct gen {
	int			 type;
	struct rec_flow		 r;
	struct rec_finding	 f;
	char			 cat[64], rule[48], evid[200], host[80];	/* fit the pool together */
	const char		*c_host, *c_rule, *c_state, *c_evid, *c_name;
	uint64_t		 flows, bytes, first, last, value;
	int			 ihost, rule_i, ok;
};
_Static_assert(sizeof(((struct gen *)0)->cat) + sizeof(((struct gen *)0)->rule) +
    sizeof(((struct gen *)0)->evid) + sizeof(((struct gen *)0)->host) <= SINK_MSG_STRBYTES,
    "a generated coverage row fits the pool: only the tests below cut");

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A length in 0..max: often 0, max or 1, else anything in between. */
static size_t
pick_len(uint64_t h, size_t max)
{
	switch (h % 8) {
	case 0:
		return 0;
	case 1:
	case 2:
		return max;
	case 3:
		return 1;
	default:
		return (size_t)((h >> 8) % (max + 1));
	}
}

/* len printable characters (never NUL) from seed, then a NUL. */
static void
fill(char *buf, size_t len, uint64_t seed)
{
	for (size_t k = 0; k < len; k++)
		buf[k] = (char)(33 + (uint8_t)((seed >> (k & 31)) + k * 7u) % 94);
	buf[len] = '\0';
}

/* len bytes of anything from seed. */
static void
fill_bytes(void *p, size_t len, uint64_t seed)
{
	uint8_t *b = p;
	uint64_t x = seed;

	for (size_t k = 0; k < len; k++) {
		if (k % 8 == 0)
			x = mix(x + k);
		b[k] = (uint8_t)(x >> (8 * (k % 8)));
	}
}

static void
gen_flow(uint64_t seq, uint64_t h, struct rec_flow *r)
{
	fill_bytes(r, sizeof(*r), h);
	r->f.id = seq;
}

/* A finding: every byte anything, the text printable up to its NUL and
 * garbage after it (the copy must not depend on it). */
static void
gen_finding(uint64_t seq, uint64_t h, struct rec_finding *f)
{
	fill_bytes(f, sizeof(*f), h);
	f->ts_usec = seq;
	fill(f->text, pick_len(mix(h), sizeof(f->text) - 1), h);
}

/* Record number seq into *g. */
static void
gen(uint64_t seq, struct gen *g)
{
	uint64_t h = mix(seq), h2 = mix(h ^ 0x5555), h3 = mix(h2);

	g->type = (int)(h % G_NTYPES);
	switch (g->type) {
	case G_FLOW:
		gen_flow(seq, h, &g->r);
		break;
	case G_FINDING_FLOW:
	case G_FINDING_MISSING:
		gen_finding(seq, h2, &g->f);
		g->f.has_flow = g->type == G_FINDING_FLOW;
		break;
	case G_COVERAGE_EVID:
	case G_COVERAGE_NOEVID:
		fill(g->host, pick_len(h2, sizeof(g->host) - 1), h3);
		g->c_host = (h3 & 7) != 0 ? g->host : NULL;
		fill(g->rule, pick_len(h2 >> 8, sizeof(g->rule) - 1), h3 >> 1);
		g->c_rule = (h3 & 56) != 0 ? g->rule : NULL;
		fill(g->cat, pick_len(h2 >> 16, sizeof(g->cat) - 1), h3 >> 2);
		g->c_state = (h3 & 448) != 0 ? g->cat : NULL;
		fill(g->evid, pick_len(h2 >> 24, sizeof(g->evid) - 1), h3 >> 3);
		g->c_evid = g->type == G_COVERAGE_EVID ? g->evid : NULL;
		g->flows = h2;
		g->bytes = h3;
		g->first = h2 ^ h3;
		g->last = mix(h3);
		break;
	case G_COUNTER:
		fill(g->rule, pick_len(h2, sizeof(g->rule) - 1), h3);
		g->c_name = (h3 & 15) != 0 ? g->rule : NULL;
		g->value = h3;
		break;
	case G_OBSERVE:
		g->ihost = (int)(uint32_t)h2;	/* negative half the time */
		break;
	case G_COVER_EVID:
	case G_COVER_NOEVID:
		g->ihost = (int)(uint32_t)h2;
		g->rule_i = (int)(uint32_t)(h2 >> 32);
		g->ok = (int)(h3 % 3) - 1;
		g->bytes = h3;
		g->first = mix(h2);
		g->last = g->first + (h3 >> 40);
		fill(g->evid, pick_len(h2 >> 8, sizeof(g->evid) - 1), h3 >> 3);
		g->c_evid = g->type == G_COVER_EVID ? g->evid : NULL;
		break;
	}
}

/* Send record seq through `front`, from buffers overwritten right after. */
static void
push(const struct engine_sink *front, struct gen *g, uint64_t seq)
{
	gen(seq, g);
	switch (g->type) {
	case G_FLOW:
		front->flow(front->arg, &g->r);
		break;
	case G_FINDING_FLOW:
	case G_FINDING_MISSING:
		front->finding(front->arg, &g->f);
		break;
	case G_COVERAGE_EVID:
	case G_COVERAGE_NOEVID:
		front->coverage(front->arg, g->c_host, g->c_rule, g->c_state, g->flows,
		    g->bytes, g->first, g->last, g->c_evid);
		break;
	case G_COUNTER:
		front->counter(front->arg, g->c_name, g->value);
		break;
	case G_OBSERVE:
		front->observe(front->arg, g->ihost);
		break;
	default:
		front->cover(front->arg, g->ihost, g->rule_i, g->ok, g->bytes, g->first,
		    g->last, g->c_evid);
		break;
	}
	memset(g, 0x5a, sizeof(*g));
}

/* --- the wrapped sink: checks each record against its sequence number ---- */

struct rcv {
	uint64_t	 n;		/* records applied, also the next one's sequence number */
	uint64_t	 errors;
	char		 first[200];	/* the first mismatch */
	long		 nap_ns;	/* sleep this long per record (a slow writer) */
	int		 sig_unblocked;	/* a writer call found SIGINT/SIGTERM/SIGHUP unblocked */
	struct gen	 exp;
};

static void
bad(struct rcv *rv, const char *what, int line)
{
	if (rv->errors++ == 0)
		snprintf(rv->first, sizeof(rv->first), "record %llu: %s (line %d)",
		    (unsigned long long)rv->n, what, line);
}

#define CHK(cond) do { if (!(cond)) bad(rv, #cond, __LINE__); } while (0)

/* Both NULL, or the same text. */
static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The expected record for this call, after the common checks. */
static struct gen *
expect(struct rcv *rv, int type0, int type1)
{
	sigset_t cur;

	if (rv->nap_ns > 0) {
		struct timespec ts = { 0, rv->nap_ns };
		nanosleep(&ts, NULL);
	}
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0 || !sigismember(&cur, SIGINT) ||
	    !sigismember(&cur, SIGTERM) || !sigismember(&cur, SIGHUP))
		rv->sig_unblocked = 1;
	gen(rv->n, &rv->exp);
	if (rv->exp.type != type0 && rv->exp.type != type1)
		bad(rv, "wrong callback for this record", __LINE__);
	return &rv->exp;
}

static void
r_flow(void *arg, const struct rec_flow *r)
{
	struct rcv *rv = arg;
	struct gen *w = expect(rv, G_FLOW, G_FLOW);

	CHK(r != NULL);
	if (w->type == G_FLOW && r != NULL)
		CHK(memcmp(r, &w->r, sizeof(*r)) == 0);
	rv->n++;
}

static void
r_finding(void *arg, const struct rec_finding *f)
{
	struct rcv *rv = arg;
	struct gen *w = expect(rv, G_FINDING_FLOW, G_FINDING_MISSING);

	CHK(f != NULL);
	if ((w->type == G_FINDING_FLOW || w->type == G_FINDING_MISSING) && f != NULL) {
		CHK(memcmp(f, &w->f, offsetof(struct rec_finding, text)) == 0);
		CHK(strcmp(f->text, w->f.text) == 0);
		CHK(f->has_flow == (w->type == G_FINDING_FLOW));
	}
	rv->n++;
}

static void
r_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct rcv *rv = arg;
	struct gen *w = expect(rv, G_COVERAGE_EVID, G_COVERAGE_NOEVID);

	if (w->type == G_COVERAGE_EVID || w->type == G_COVERAGE_NOEVID) {
		CHK(same(host, w->c_host));
		CHK(same(rule_id, w->c_rule));
		CHK(same(state, w->c_state));
		CHK(flows == w->flows);
		CHK(bytes == w->bytes);
		CHK(first_usec == w->first);
		CHK(last_usec == w->last);
		CHK(same(evidence, w->c_evid));
	}
	rv->n++;
}

static void
r_counter(void *arg, const char *name, uint64_t value)
{
	struct rcv *rv = arg;
	struct gen *w = expect(rv, G_COUNTER, G_COUNTER);

	if (w->type == G_COUNTER) {
		CHK(same(name, w->c_name));
		CHK(value == w->value);
	}
	rv->n++;
}

static void
r_observe(void *arg, int host)
{
	struct rcv *rv = arg;
	struct gen *w = expect(rv, G_OBSERVE, G_OBSERVE);

	if (w->type == G_OBSERVE)
		CHK(host == w->ihost);
	rv->n++;
}

static void
r_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct rcv *rv = arg;
	struct gen *w = expect(rv, G_COVER_EVID, G_COVER_NOEVID);

	if (w->type == G_COVER_EVID || w->type == G_COVER_NOEVID) {
		CHK(host == w->ihost);
		CHK(rule == w->rule_i);
		CHK(ok == w->ok);
		CHK(bytes == w->bytes);
		CHK(first_usec == w->first);
		CHK(last_usec == w->last);
		CHK(same(evidence, w->c_evid));
	}
	rv->n++;
}

static void
rcv_sink(struct rcv *rv, struct engine_sink *to)
{
	memset(to, 0, sizeof(*to));
	to->arg = rv;
	to->flow = r_flow;
	to->finding = r_finding;
	to->coverage = r_coverage;
	to->counter = r_counter;
	to->observe = r_observe;
	to->cover = r_cover;
}

static struct rcv *
rcv_new(void)
{
	struct rcv *rv = calloc(1, sizeof(*rv));

	CU_ASSERT_PTR_NOT_NULL_FATAL(rv);
	return rv;
}

/* Assert (producer side) that the receiver saw no mismatch. */
static void
rcv_ok(const struct rcv *rv)
{
	CU_ASSERT_EQUAL(rv->errors, 0);
	if (rv->errors != 0)
		fprintf(stderr, "\nsinkasync: %llu mismatches, first: %s\n",
		    (unsigned long long)rv->errors, rv->first);
	CU_ASSERT_EQUAL(rv->sig_unblocked, 0);
}

/* --- 1. order and content ------------------------------------------------- */

static void
run_order(uint32_t slots, uint64_t n, struct sink_async_stats *st)
{
	struct rcv *rv = rcv_new();
	struct gen *g = malloc(sizeof(*g));
	struct engine_sink to, front;
	struct sink_async *a;
	char err[256] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	rcv_sink(rv, &to);
	a = sink_async_start(&to, slots, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sink_async_front(a, &front);
	CU_ASSERT_PTR_EQUAL(front.arg, a);
	for (uint64_t i = 0; i < n; i++)
		push(&front, g, i);
	sink_async_stop(a, st);
	/* joined: the receiver's fields are ours now */
	CU_ASSERT_EQUAL(rv->n, n);
	rcv_ok(rv);
	CU_ASSERT_EQUAL(st->records, n);
	CU_ASSERT_EQUAL(st->truncated, 0);
	free(g);
	free(rv);
}

/* The generator covers what the tests claim it covers. */
static void
test_generator(void)
{
	struct gen *g = malloc(sizeof(*g));
	uint64_t types[G_NTYPES] = { 0 };
	int text_max = 0, text_empty = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (uint64_t i = 0; i < 20000; i++) {
		gen(i, g);
		types[g->type]++;
		if (g->type != G_FINDING_FLOW && g->type != G_FINDING_MISSING)
			continue;
		text_max += strlen(g->f.text) == sizeof(g->f.text) - 1;
		text_empty += g->f.text[0] == '\0';
	}
	for (int t = 0; t < G_NTYPES; t++)
		CU_ASSERT(types[t] > 1000);
	CU_ASSERT(text_max > 100);
	CU_ASSERT(text_empty > 100);
	/* the same sequence number gives the same record */
	{
		struct gen *g2 = malloc(sizeof(*g2));

		CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
		for (uint64_t i = 0; i < 64; i++) {
			gen(i, g);
			gen(i, g2);
			CU_ASSERT_EQUAL(g->type, g2->type);
			if (g->type == G_FLOW)
				CU_ASSERT_EQUAL(memcmp(&g->r, &g2->r, sizeof(g->r)), 0);
		}
		free(g2);
	}
	free(g);
}

static void
test_order_small_ring(void)
{
	struct sink_async_stats st;

	run_order(8, N_RECORDS, &st);
	/* 8 slots and a writer that naps 50 us when idle: the producer waits */
	CU_ASSERT(st.full_waits > 0);
}

static void
test_order_big_ring(void)
{
	struct sink_async_stats st;

	run_order(SINK_ASYNC_SLOTS, N_RECORDS, &st);
}

static void
test_order_one_slot(void)
{
	struct sink_async_stats st;

	run_order(1, 3000, &st);
	CU_ASSERT(st.full_waits > 0);
}

/* --- 2. NULL callbacks ---------------------------------------------------- */

static void
test_null_callbacks(void)
{
	struct rcv *rv = rcv_new();
	struct gen *g = malloc(sizeof(*g));

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (unsigned mask = 0; mask < 64; mask++) {
		struct engine_sink to, front;
		struct sink_async *a;
		struct sink_async_stats st;
		char err[256];
		uint64_t sent = 0;

		rcv_sink(rv, &to);
		if (!(mask & 1))
			to.flow = NULL;
		if (!(mask & 2))
			to.finding = NULL;
		if (!(mask & 4))
			to.coverage = NULL;
		if (!(mask & 8))
			to.counter = NULL;
		if (!(mask & 16))
			to.observe = NULL;
		if (!(mask & 32))
			to.cover = NULL;
		a = sink_async_start(&to, 8, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		memset(&front, 0xff, sizeof(front));	/* every field must be set */
		sink_async_front(a, &front);
		CU_ASSERT_PTR_NOT_NULL(front.arg);
		CU_ASSERT_EQUAL(front.flow != NULL, (mask & 1) != 0);
		CU_ASSERT_EQUAL(front.finding != NULL, (mask & 2) != 0);
		CU_ASSERT_EQUAL(front.coverage != NULL, (mask & 4) != 0);
		CU_ASSERT_EQUAL(front.counter != NULL, (mask & 8) != 0);
		CU_ASSERT_EQUAL(front.observe != NULL, (mask & 16) != 0);
		CU_ASSERT_EQUAL(front.cover != NULL, (mask & 32) != 0);
		/* the front does not hand back the wrapped callbacks themselves */
		CU_ASSERT(front.flow != r_flow && front.finding != r_finding &&
		    front.cover != r_cover);
		/* all 63: records reach the wrapped sink */
		if (mask == 63) {
			rv->n = 0;
			for (; sent < 500; sent++)
				push(&front, g, sent);
		}
		sink_async_stop(a, &st);
		CU_ASSERT_EQUAL(st.records, sent);
		if (mask == 63) {
			CU_ASSERT_EQUAL(rv->n, sent);
			rcv_ok(rv);
		}
	}
	free(g);
	free(rv);
}

/* --- 3. strings ----------------------------------------------------------- */

#define NCAP	8

/* What the wrapped sink received, copied (the pointers die with the call). */
struct cap {
	int	 calls;
	char	*s[NCAP];
	int	 null[NCAP];
	int	 has_flow;
	struct rec_finding f;
};

static void
cap_str(struct cap *c, int i, const char *s)
{
	free(c->s[i]);
	c->s[i] = s != NULL ? strdup(s) : NULL;
	c->null[i] = s == NULL;
}

static void
cap_clear(struct cap *c)
{
	for (int i = 0; i < NCAP; i++)
		free(c->s[i]);
	memset(c, 0, sizeof(*c));
}

static void
c_finding(void *arg, const struct rec_finding *f)
{
	struct cap *c = arg;

	c->calls++;
	memcpy(&c->f, f, sizeof(*f));
	c->has_flow = f->has_flow;
	cap_str(c, 0, f->text);
}

static void
c_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct cap *c = arg;

	(void)flows, (void)bytes, (void)first_usec, (void)last_usec;
	c->calls++;
	cap_str(c, 0, host);
	cap_str(c, 1, rule_id);
	cap_str(c, 2, state);
	cap_str(c, 3, evidence);
}

static void
c_counter(void *arg, const char *name, uint64_t value)
{
	struct cap *c = arg;

	(void)value;
	c->calls++;
	cap_str(c, 0, name);
}

static void
c_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct cap *c = arg;

	(void)host, (void)rule, (void)ok, (void)bytes, (void)first_usec, (void)last_usec;
	c->calls++;
	cap_str(c, 0, evidence);
}

static struct sink_async *
cap_start(struct cap *c, struct engine_sink *front)
{
	struct engine_sink to;
	struct sink_async *a;
	char err[256];

	memset(c, 0, sizeof(*c));
	memset(&to, 0, sizeof(to));
	to.arg = c;
	to.finding = c_finding;
	to.coverage = c_coverage;
	to.counter = c_counter;
	to.cover = c_cover;
	a = sink_async_start(&to, 4, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sink_async_front(a, front);
	return a;
}

/* got (not NULL) is a NUL-terminated prefix of want. */
static int
is_prefix(const char *got, const char *want)
{
	size_t n = strlen(got);

	return n <= strlen(want) && memcmp(got, want, n) == 0;
}

/* Records built on the stack and overwritten as soon as the call returns. */
static void
test_strings_stack_copy(void)
{
	struct cap c;
	struct engine_sink front;
	struct sink_async *a = cap_start(&c, &front);
	struct sink_async_stats st;
	struct rec_finding f, want;
	char cat[40], rule[20], evid[100], host[50];

	fill_bytes(&f, sizeof(f), 1);
	fill(f.text, sizeof(f.text) - 1, 2);
	f.has_flow = 1;
	memcpy(&want, &f, sizeof(f));
	front.finding(front.arg, &f);
	memset(&f, 'Z', sizeof(f));
	sink_async_drain(a);
	CU_ASSERT_EQUAL(c.calls, 1);
	CU_ASSERT_EQUAL(memcmp(&c.f, &want, sizeof(want)), 0);
	CU_ASSERT(same(c.s[0], want.text));
	CU_ASSERT_EQUAL(c.has_flow, 1);

	/* the string-carrying callbacks */
	fill(host, 10, 7);
	fill(rule, 5, 8);
	fill(cat, 0, 9);
	fill(evid, 99, 10);
	front.coverage(front.arg, host, rule, cat, 1, 2, 3, 4, evid);
	memset(host, 'Z', 10);
	memset(rule, 'Z', 5);
	memset(cat, 'Z', 30);
	cat[30] = '\0';
	memset(evid, 'Z', 99);
	sink_async_drain(a);
	CU_ASSERT_EQUAL(c.calls, 2);
	fill(host, 10, 7);
	fill(rule, 5, 8);
	fill(evid, 99, 10);
	CU_ASSERT(same(c.s[0], host));
	CU_ASSERT(same(c.s[1], rule));
	CU_ASSERT(same(c.s[2], ""));	/* empty stays empty, not NULL */
	CU_ASSERT(same(c.s[3], evid));

	fill(rule, 19, 13);
	front.counter(front.arg, rule, 5);
	memset(rule, 'Z', 19);
	sink_async_drain(a);
	CU_ASSERT_EQUAL(c.calls, 3);
	fill(rule, 19, 13);
	CU_ASSERT(same(c.s[0], rule));
	fill(evid, 50, 14);
	front.cover(front.arg, 1, 2, 1, 3, 4, 5, evid);
	memset(evid, 'Z', 50);
	sink_async_drain(a);
	CU_ASSERT_EQUAL(c.calls, 4);
	fill(evid, 50, 14);
	CU_ASSERT(same(c.s[0], evid));
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(st.records, 4);
	CU_ASSERT_EQUAL(st.truncated, 0);
	cap_clear(&c);
}

/* A finding's text arrives up to its NUL, an empty one empty. */
static void
test_finding_text(void)
{
	struct cap c;
	struct engine_sink front;
	struct sink_async *a = cap_start(&c, &front);
	struct sink_async_stats st;
	struct rec_finding f;

	memset(&f, 0x5a, sizeof(f));
	f.text[0] = '\0';
	front.finding(front.arg, &f);
	sink_async_drain(a);
	CU_ASSERT(same(c.s[0], ""));
	CU_ASSERT_EQUAL(memcmp(&c.f, &f, offsetof(struct rec_finding, text)), 0);
	memcpy(f.text, "SIP REGISTER", 13);
	front.finding(front.arg, &f);
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(c.calls, 2);
	CU_ASSERT(same(c.s[0], "SIP REGISTER"));
	CU_ASSERT_EQUAL(st.truncated, 0);
	cap_clear(&c);
}

static void
test_strings_null(void)
{
	struct cap c;
	struct engine_sink front;
	struct sink_async *a = cap_start(&c, &front);
	struct sink_async_stats st;

	front.coverage(front.arg, NULL, NULL, NULL, 0, 0, 0, 0, NULL);
	sink_async_drain(a);
	for (int i = 0; i < 4; i++)
		CU_ASSERT(c.null[i]);
	/* only some NULL: the others keep their own text, in their own place */
	front.coverage(front.arg, NULL, "R1", NULL, 0, 0, 0, 0, "");
	sink_async_drain(a);
	CU_ASSERT(c.null[0]);
	CU_ASSERT(same(c.s[1], "R1"));
	CU_ASSERT(c.null[2]);
	CU_ASSERT(same(c.s[3], ""));
	front.counter(front.arg, "x", 1);
	sink_async_drain(a);
	CU_ASSERT(same(c.s[0], "x"));
	front.counter(front.arg, NULL, 1);
	sink_async_drain(a);
	CU_ASSERT(c.null[0]);
	front.cover(front.arg, 0, 0, 0, 0, 0, 0, NULL);
	sink_async_drain(a);
	CU_ASSERT(c.null[0]);
	CU_ASSERT_EQUAL(c.calls, 5);
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(st.truncated, 0);
	cap_clear(&c);
}

/* One string of `len` bytes as the whole pool's content. */
static void
one_long(size_t len, uint64_t *truncated, char **got, char *want)
{
	struct cap c;
	struct engine_sink front;
	struct sink_async *a = cap_start(&c, &front);
	struct sink_async_stats st;

	fill(want, len, len);
	front.counter(front.arg, want, 1);
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(c.calls, 1);
	*truncated = st.truncated;
	*got = c.s[0];
	c.s[0] = NULL;
	cap_clear(&c);
}

/* Exactly SINK_MSG_STRBYTES with its NUL fits; one byte more is cut by one. */
static void
test_strings_pool_boundary(void)
{
	char *want = malloc(SINK_MSG_STRBYTES * 2), *got;
	uint64_t tr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	one_long(SINK_MSG_STRBYTES - 1, &tr, &got, want);
	CU_ASSERT_EQUAL(tr, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(strlen(got), SINK_MSG_STRBYTES - 1);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);

	one_long(SINK_MSG_STRBYTES, &tr, &got, want);
	CU_ASSERT_EQUAL(tr, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(strlen(got), SINK_MSG_STRBYTES - 1);
	CU_ASSERT(is_prefix(got, want));
	free(got);

	one_long(SINK_MSG_STRBYTES * 2 - 1, &tr, &got, want);
	CU_ASSERT_EQUAL(tr, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(strlen(got), SINK_MSG_STRBYTES - 1);
	CU_ASSERT(is_prefix(got, want));
	free(got);
	free(want);
}

/*
 * Strings totalling more than the pool: the first ones arrive whole, the
 * one that crosses the end arrives as a NUL-terminated prefix, everything
 * arrived fits in the pool, and the cut is counted.  A string that finds
 * the pool already full arrives as "": cut, not absent (NULL).
 */
static void
test_strings_truncated(void)
{
	struct cap c;
	struct engine_sink front;
	struct sink_async *a = cap_start(&c, &front);
	struct sink_async_stats st;
	/* host and rule fit, state crosses the end of the pool */
	static char host[SINK_MSG_STRBYTES / 2 + 1], rule[SINK_MSG_STRBYTES / 4 + 1],
	    state[SINK_MSG_STRBYTES / 4 + 1], evid[SINK_MSG_STRBYTES / 4 + 1];
	const char *sent[4] = { host, rule, state, evid };
	size_t total = 0;

	fill(host, sizeof(host) - 1, 21);
	fill(rule, sizeof(rule) - 1, 22);
	fill(state, sizeof(state) - 1, 23);
	fill(evid, sizeof(evid) - 1, 24);
	front.coverage(front.arg, host, rule, state, 1, 2, 3, 4, evid);
	sink_async_drain(a);
	CU_ASSERT_EQUAL(c.calls, 1);
	CU_ASSERT(same(c.s[0], host));
	CU_ASSERT(same(c.s[1], rule));
	CU_ASSERT_PTR_NOT_NULL(c.s[2]);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT(!c.null[i]);
		if (c.s[i] == NULL)
			continue;
		CU_ASSERT(is_prefix(c.s[i], sent[i]));
		if (i == 3) {
			CU_ASSERT_STRING_EQUAL(c.s[i], "");	/* the pool was full */
		} else
			total += strlen(c.s[i]) + 1;
	}
	CU_ASSERT(total == SINK_MSG_STRBYTES);
	if (c.s[2] != NULL) {
		CU_ASSERT(strlen(c.s[2]) < strlen(state));
		CU_ASSERT_EQUAL(strlen(c.s[2]), SINK_MSG_STRBYTES - sizeof(host) - sizeof(rule) - 1);
	}
	/* then a short one: the next slot's pool starts empty again */
	front.coverage(front.arg, "short", NULL, "R1", 1, 2, 3, 4, NULL);
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(c.calls, 2);
	CU_ASSERT(same(c.s[0], "short"));
	CU_ASSERT(same(c.s[2], "R1"));
	CU_ASSERT(c.null[1] && c.null[3]);
	CU_ASSERT(st.truncated > 0);
	CU_ASSERT_EQUAL(st.records, 2);
	cap_clear(&c);
}

/* Coverage strings share the pool too. */
static void
test_strings_truncated_coverage(void)
{
	struct cap c;
	struct engine_sink front;
	struct sink_async *a = cap_start(&c, &front);
	struct sink_async_stats st;
	static char host[SINK_MSG_STRBYTES / 2 - 23], rule[SINK_MSG_STRBYTES / 2 - 23],
	    evid[SINK_MSG_STRBYTES * 3 / 2];

	fill(host, sizeof(host) - 1, 31);
	fill(rule, sizeof(rule) - 1, 32);
	fill(evid, sizeof(evid) - 1, 33);
	front.coverage(front.arg, host, rule, "open", 1, 2, 3, 4, NULL);
	front.cover(front.arg, 1, 2, 0, 3, 4, 5, evid);
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(c.calls, 2);
	/* the cover's evidence, alone in its slot, cut to the pool */
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.s[0]);
	CU_ASSERT_EQUAL(strlen(c.s[0]), SINK_MSG_STRBYTES - 1);
	CU_ASSERT(is_prefix(c.s[0], evid));
	CU_ASSERT_EQUAL(st.truncated, 1);	/* host, rule and "open" fit */
	cap_clear(&c);
}

/* --- 4. drain ------------------------------------------------------------- */

static void
test_drain(void)
{
	static const uint32_t slots[] = { 8, SINK_ASYNC_SLOTS };

	for (size_t s = 0; s < sizeof(slots) / sizeof(slots[0]); s++) {
		struct rcv *rv = rcv_new();
		struct gen *g = malloc(sizeof(*g));
		struct engine_sink to, front;
		struct sink_async *a;
		struct sink_async_stats st;
		char err[256];
		uint64_t sent = 0;
		static const uint64_t batch[] = { 0, 1, 7, 8, 9, 40, 0, 1, 300 };

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		rcv_sink(rv, &to);
		a = sink_async_start(&to, slots[s], err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		sink_async_front(a, &front);
		sink_async_drain(a);		/* nothing queued: returns */
		CU_ASSERT_EQUAL(rv->n, 0);
		for (size_t b = 0; b < sizeof(batch) / sizeof(batch[0]); b++) {
			/* a slow writer for the small batches: a drain that does
			 * not wait sees fewer */
			rv->nap_ns = batch[b] <= 40 ? 300000 : 0;
			for (uint64_t i = 0; i < batch[b]; i++)
				push(&front, g, sent++);
			sink_async_drain(a);
			/* plain reads of what the writer wrote: drain() is the
			 * happens-before edge (ThreadSanitizer checks it) */
			CU_ASSERT_EQUAL(rv->n, sent);
			CU_ASSERT_EQUAL(rv->errors, 0);
		}
		sink_async_stop(a, &st);
		CU_ASSERT_EQUAL(rv->n, sent);
		CU_ASSERT_EQUAL(st.records, sent);
		rcv_ok(rv);
		free(g);
		free(rv);
	}
}

/* --- 5. start and stop ---------------------------------------------------- */

static void
test_stop_null(void)
{
	sink_async_stop(NULL, NULL);
	CU_PASS("stop(NULL, NULL) returned");
}

static void
test_stop_empty(void)
{
	struct rcv *rv = rcv_new();
	struct engine_sink to;
	struct sink_async *a;
	struct sink_async_stats st;
	char err[256];

	rcv_sink(rv, &to);
	a = sink_async_start(&to, 8, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	memset(&st, 0xff, sizeof(st));
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(st.records, 0);
	CU_ASSERT_EQUAL(st.full_waits, 0);
	CU_ASSERT_EQUAL(st.truncated, 0);
	CU_ASSERT_EQUAL(rv->n, 0);
	/* and with no stats wanted */
	a = sink_async_start(&to, SINK_ASYNC_SLOTS, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sink_async_stop(a, NULL);
	CU_ASSERT_EQUAL(rv->n, 0);
	free(rv);
}

/* stop() applies every queued record before it returns. */
static void
test_stop_applies_queued(void)
{
	struct rcv *rv = rcv_new();
	struct gen *g = malloc(sizeof(*g));
	struct engine_sink to, front;
	struct sink_async *a;
	struct sink_async_stats st;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	rcv_sink(rv, &to);
	rv->nap_ns = 500000;	/* 0.5 ms a record: most are still queued at stop() */
	a = sink_async_start(&to, 64, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	sink_async_front(a, &front);
	for (uint64_t i = 0; i < 40; i++)
		push(&front, g, i);
	sink_async_stop(a, &st);
	CU_ASSERT_EQUAL(rv->n, 40);
	CU_ASSERT_EQUAL(st.records, 40);
	rcv_ok(rv);
	free(g);
	free(rv);
}

static void
test_start_bad_slots(void)
{
	struct rcv *rv = rcv_new();
	struct engine_sink to;
	char err[256] = "";

	rcv_sink(rv, &to);
	CU_ASSERT_PTR_NULL(sink_async_start(&to, 3, err, sizeof(err)));
	CU_ASSERT(err[0] != '\0');
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(sink_async_start(&to, 0, err, sizeof(err)));
	CU_ASSERT(err[0] != '\0');
	free(rv);
}

static void
test_start_stop_cycles(void)
{
	struct rcv *rv = rcv_new();
	struct gen *g = malloc(sizeof(*g));
	uint64_t bad_count = 0, bad_stats = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (int i = 0; i < 200; i++) {
		struct engine_sink to, front;
		struct sink_async *a;
		struct sink_async_stats st;
		char err[256];
		uint64_t n = (uint64_t)(i % 7) * 5;	/* 0 .. 30 */
		uint32_t slots = i % 10 == 9 ? SINK_ASYNC_SLOTS : 1u << (i % 5);

		memset(rv, 0, sizeof(*rv));
		rcv_sink(rv, &to);
		a = sink_async_start(&to, slots, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		sink_async_front(a, &front);
		for (uint64_t k = 0; k < n; k++)
			push(&front, g, k);
		if (i % 3 == 0)
			sink_async_drain(a);
		sink_async_stop(a, i % 2 ? &st : NULL);
		bad_count += rv->n != n || rv->errors != 0;
		if (i % 2)
			bad_stats += st.records != n || st.truncated != 0;
	}
	CU_ASSERT_EQUAL(bad_count, 0);
	CU_ASSERT_EQUAL(bad_stats, 0);
	free(g);
	free(rv);
}

void
test_sinkasync_register(void)
{
	CU_pSuite s = CU_add_suite("sinkasync", NULL, NULL);

	CU_add_test(s, "generator covers every kind and length", test_generator);
	CU_add_test(s, "200k records, 8 slots: order and content", test_order_small_ring);
	CU_add_test(s, "200k records, SINK_ASYNC_SLOTS: order and content", test_order_big_ring);
	CU_add_test(s, "3000 records, 1 slot: order and content", test_order_one_slot);
	CU_add_test(s, "NULL callbacks stay NULL", test_null_callbacks);
	CU_add_test(s, "records and strings copied from overwritten stack buffers",
	    test_strings_stack_copy);
	CU_add_test(s, "a finding's text up to its NUL", test_finding_text);
	CU_add_test(s, "NULL strings stay NULL, empty stays empty", test_strings_null);
	CU_add_test(s, "string pool boundary", test_strings_pool_boundary);
	CU_add_test(s, "coverage strings over the pool are cut", test_strings_truncated);
	CU_add_test(s, "coverage and cover strings over the pool are cut",
	    test_strings_truncated_coverage);
	CU_add_test(s, "drain: everything applied, writer keeps going", test_drain);
	CU_add_test(s, "stop(NULL, NULL)", test_stop_null);
	CU_add_test(s, "stop with nothing queued", test_stop_empty);
	CU_add_test(s, "stop applies what is queued", test_stop_applies_queued);
	CU_add_test(s, "start rejects a bad slot count", test_start_bad_slots);
	CU_add_test(s, "200 start/stop cycles", test_start_stop_cycles);
}
