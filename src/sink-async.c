/*
 * sink-async.c - records queued to a writer thread (sinkasync.h).
 *
 * The producer copies a record into a ring slot: a flow record by value
 * (its pointers are to static names or to the policy, which outlive the
 * run), and every other string into the slot's own byte pool, since the
 * caller may have built it on its stack.  The writer rebuilds the
 * pointers and calls the wrapped sink.  The ring's release/acquire pair
 * (ring.c) orders the slot's bytes; the `stop` flag below orders the end.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformd/ring.h"
#include "conformd/sinkasync.h"

enum { AM_FLOW = 1, AM_FINDING, AM_COVERAGE, AM_COUNTER, AM_OBSERVE, AM_COVER };

/* Which strings a slot carries: indices into amsg.str[]. */
enum {
	S_SIG, S_CAT, S_RULE, S_EVID, S_HOST, S_HOSTIP,	/* finding */
	S_NSTR
};

#define NO_STR	UINT16_MAX

/* Laid out so that a flow record touches the first few cache lines only:
 * record_copy() writes its strings' bytes, not their buffers. */
struct amsg {
	uint32_t		type;
	int			has_flow;
	struct flow_record	r;
	struct finding		f;
	int			host, rule, ok;
	uint64_t		value, bytes, first, last;
	uint16_t		str[S_NSTR];	/* offsets into pool, NO_STR for NULL */
	uint16_t		used;
	/* the strings; pool[SINK_ASYNC_STRBYTES] stays NUL (the ring's
	 * memory starts zeroed and put() never writes it): a string that
	 * finds the pool full arrives there, as "" */
	char			pool[SINK_ASYNC_STRBYTES + 1];
};

/* Coverage reuses the finding's string slots. */
#define C_HOST	S_HOST
#define C_RULE	S_RULE
#define C_STATE	S_SIG
#define C_EVID	S_EVID
#define C_NAME	S_SIG		/* counter */

struct sink_async {
	struct engine_sink	 to;
	struct ring		*q;
	pthread_t		 thr;
	atomic_int		 stop;	/* release by the producer after its last commit */
	struct sink_async_stats	 st;	/* the producer's */
};

/* Neither side spins: an idle writer naps, 50 us doubling up to 1 ms
 * while nothing comes (a run that ends few flows costs it a few hundred
 * wake-ups a second); a producer facing a full ring (thousands of records
 * ahead of the writer) naps 200 us. */
#define WRITER_IDLE_NS	50000L
#define WRITER_IDLE_MAX	1000000L
#define PRODUCER_WAIT_NS 200000L

static void
nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

_Static_assert(sizeof(struct flow_record) - offsetof(struct flow_record, failure) -
    sizeof(((struct flow_record *)0)->failure) < 8,
    "record_copy() copies up to failure[], the last field of struct flow_record");

/* --- producer ------------------------------------------------------------- */

static struct amsg *
reserve(struct sink_async *a, uint32_t type)
{
	struct amsg *m;

	while ((m = ring_reserve(a->q)) == NULL) {
		a->st.full_waits++;
		nap(PRODUCER_WAIT_NS);
	}
	m->type = type;
	return m;
}

/* A slot that carries strings in its pool. */
static struct amsg *
reserve_str(struct sink_async *a, uint32_t type)
{
	struct amsg *m = reserve(a, type);

	m->used = 0;
	for (int i = 0; i < S_NSTR; i++)
		m->str[i] = NO_STR;
	return m;
}

/* A NUL-terminated string into a buffer of the same size as its source's. */
static void
copy_cstr(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * *r into *d, the fixed string buffers up to their NUL only: about 250
 * bytes instead of the struct's 1.1 KB, and so as many fewer cache lines
 * for the writer's core to pull.
 */
static void
record_copy(struct flow_record *d, const struct flow_record *r)
{
	memcpy(d, r, offsetof(struct flow_record, src_role));
	copy_cstr(d->src_role, r->src_role, sizeof(d->src_role));
	copy_cstr(d->dest_role, r->dest_role, sizeof(d->dest_role));
	d->src_host = r->src_host;
	d->dest_host = r->dest_host;
	copy_cstr(d->failure, r->failure, sizeof(d->failure));
}

static void
commit(struct sink_async *a)
{
	a->st.records++;
	ring_commit(a->q);
}

/* Copy s (may be NULL) into the slot's pool as string i; cut when the
 * pool is full (counted): a cut string arrives shorter, or as "", never
 * as NULL (which means absent). */
static void
put(struct sink_async *a, struct amsg *m, int i, const char *s)
{
	size_t room, n;

	if (s == NULL)
		return;
	room = SINK_ASYNC_STRBYTES - m->used;
	if (room == 0) {
		a->st.truncated++;
		m->str[i] = SINK_ASYNC_STRBYTES;	/* the NUL at the end */
		return;
	}
	n = strlen(s);
	if (n >= room) {
		a->st.truncated++;
		n = room - 1;
	}
	memcpy(m->pool + m->used, s, n);
	m->pool[m->used + n] = '\0';
	m->str[i] = m->used;
	m->used += (uint16_t)(n + 1);
}

static const char *
get(const struct amsg *m, int i)
{
	return m->str[i] == NO_STR ? NULL : m->pool + m->str[i];
}

static void
q_flow(void *arg, const struct flow_record *r)
{
	struct sink_async *a = arg;
	struct amsg *m = reserve(a, AM_FLOW);

	record_copy(&m->r, r);
	commit(a);
}

static void
q_finding(void *arg, const struct finding *f)
{
	struct sink_async *a = arg;
	struct amsg *m = reserve_str(a, AM_FINDING);

	m->f = *f;
	m->has_flow = f->flow != NULL;
	if (m->has_flow)
		record_copy(&m->r, f->flow);
	put(a, m, S_SIG, f->signature);
	put(a, m, S_CAT, f->category);
	put(a, m, S_RULE, f->rule_id);
	put(a, m, S_EVID, f->evidence);
	put(a, m, S_HOST, f->host);
	put(a, m, S_HOSTIP, f->host_ip);
	commit(a);
}

static void
q_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct sink_async *a = arg;
	struct amsg *m = reserve_str(a, AM_COVERAGE);

	put(a, m, C_HOST, host);
	put(a, m, C_RULE, rule_id);
	put(a, m, C_STATE, state);
	put(a, m, C_EVID, evidence);
	m->value = flows;
	m->bytes = bytes;
	m->first = first_usec;
	m->last = last_usec;
	commit(a);
}

static void
q_counter(void *arg, const char *name, uint64_t value)
{
	struct sink_async *a = arg;
	struct amsg *m = reserve_str(a, AM_COUNTER);

	put(a, m, C_NAME, name);
	m->value = value;
	commit(a);
}

static void
q_observe(void *arg, int host)
{
	struct sink_async *a = arg;
	struct amsg *m = reserve(a, AM_OBSERVE);

	m->host = host;
	commit(a);
}

static void
q_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct sink_async *a = arg;
	struct amsg *m = reserve_str(a, AM_COVER);

	m->host = host;
	m->rule = rule;
	m->ok = ok;
	m->bytes = bytes;
	m->first = first_usec;
	m->last = last_usec;
	put(a, m, C_EVID, evidence);
	commit(a);
}

/* --- writer --------------------------------------------------------------- */

static void
apply(const struct engine_sink *to, struct amsg *m)
{
	switch (m->type) {
	case AM_FLOW:
		to->flow(to->arg, &m->r);
		break;
	case AM_FINDING:
		m->f.flow = m->has_flow ? &m->r : NULL;
		m->f.signature = get(m, S_SIG);
		m->f.category = get(m, S_CAT);
		m->f.rule_id = get(m, S_RULE);
		m->f.evidence = get(m, S_EVID);
		m->f.host = get(m, S_HOST);
		m->f.host_ip = get(m, S_HOSTIP);
		to->finding(to->arg, &m->f);
		break;
	case AM_COVERAGE:
		to->coverage(to->arg, get(m, C_HOST), get(m, C_RULE), get(m, C_STATE),
		    m->value, m->bytes, m->first, m->last, get(m, C_EVID));
		break;
	case AM_COUNTER:
		to->counter(to->arg, get(m, C_NAME), m->value);
		break;
	case AM_OBSERVE:
		to->observe(to->arg, m->host);
		break;
	case AM_COVER:
		to->cover(to->arg, m->host, m->rule, m->ok, m->bytes, m->first, m->last,
		    get(m, C_EVID));
		break;
	default:
		break;
	}
}

static void *
writer(void *arg)
{
	struct sink_async *a = arg;
	long idle = WRITER_IDLE_NS;

	for (;;) {
		struct amsg *m = ring_peek(a->q);

		if (m != NULL) {
			apply(&a->to, m);
			ring_release(a->q);
			idle = WRITER_IDLE_NS;
			continue;
		}
		/* acquire: pairs with the producer's release store of stop,
		 * made after its last ring_commit(); an empty ring seen after
		 * it is empty for good */
		if (atomic_load_explicit(&a->stop, memory_order_acquire) &&
		    ring_peek(a->q) == NULL)
			break;
		nap(idle);
		if (idle < WRITER_IDLE_MAX)
			idle *= 2;
	}
	return NULL;
}

struct sink_async *
sink_async_start(const struct engine_sink *to, uint32_t slots, char *err, size_t errlen)
{
	struct sink_async *a = calloc(1, sizeof(*a));
	sigset_t all, old;
	int rv;

	if (a == NULL || (a->q = ring_new(slots, sizeof(struct amsg))) == NULL) {
		snprintf(err, errlen, "cannot allocate the output queue: %s", strerror(errno));
		free(a);
		return NULL;
	}
	a->to = *to;
	atomic_init(&a->stop, 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&a->thr, NULL, writer, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		snprintf(err, errlen, "cannot start the output thread: %s", strerror(rv));
		ring_free(a->q);
		free(a);
		return NULL;
	}
	return a;
}

void
sink_async_front(struct sink_async *a, struct engine_sink *front)
{
	memset(front, 0, sizeof(*front));
	front->arg = a;
	front->flow = a->to.flow != NULL ? q_flow : NULL;
	front->finding = a->to.finding != NULL ? q_finding : NULL;
	front->coverage = a->to.coverage != NULL ? q_coverage : NULL;
	front->counter = a->to.counter != NULL ? q_counter : NULL;
	front->observe = a->to.observe != NULL ? q_observe : NULL;
	front->cover = a->to.cover != NULL ? q_cover : NULL;
}

void
sink_async_drain(struct sink_async *a)
{
	/* ring_count() loads the consumer's position with acquire, and the
	 * writer releases a slot after applying it: at 0 every effect of
	 * every record queued so far is visible here. */
	while (ring_count(a->q) != 0)
		nap(PRODUCER_WAIT_NS);
}

void
sink_async_stop(struct sink_async *a, struct sink_async_stats *st)
{
	if (a == NULL)
		return;
	/* release: every slot committed so far happens-before the writer
	 * seeing stop == 1 */
	atomic_store_explicit(&a->stop, 1, memory_order_release);
	pthread_join(a->thr, NULL);
	if (st != NULL)
		*st = a->st;
	ring_free(a->q);
	free(a);
}
