/*
 * sink-async.c - records queued to a writer thread (sink-async.h).
 *
 * The producer encodes each record into a ring slot (sink-msg.h); the
 * writer replays it into the wrapped sink.  The ring's release/acquire
 * pair (ring.c) orders the slot's bytes; the `stop` flag below orders the
 * end.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformd/ring.h"
#include "conformd/sink-async.h"
#include "conformd/sink-msg.h"
#include "conformd/thread.h"

struct sink_async {
	struct sink_enc		 enc;	/* the front's (its arg: first, so == a); the producer's */
	struct engine_sink	 to;
	struct ring		*q;
	pthread_t		 thr;
	atomic_int		 stop;	/* release by the producer after its last commit */
	uint64_t		 full_waits;	/* the producer's */
};

/* An idle writer naps, 50 us doubling up to 1 ms while nothing comes (a
 * run that ends few flows costs it a few hundred wake-ups a second).  A
 * producer facing a full ring yields the processor first, up to
 * PRODUCER_YIELDS times in a row, then naps 200 us at a time: on a busy
 * machine (two cores, the classifier, the store and the EVE writer) a
 * nap lasts milliseconds, not 200 us, and the store thread napping on a
 * full EVE ring left its own ring to fill until live records were lost
 * (bench/live.sh --records: 97,474 of 571,642 at 20,000 packets a
 * second, 0 with the yield); a yield gives the core to the writer at
 * once, and the nap bounds what a stalled writer (a slow disk) costs. */
#define WRITER_IDLE_NS	50000L
#define WRITER_IDLE_MAX	1000000L
#define PRODUCER_YIELDS	256
#define PRODUCER_WAIT_NS 200000L

static void
nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* --- producer: the encoder's slots ---------------------------------------- */

/* A free slot; a full ring is waited out (nothing is dropped). */
static struct sink_msg *
async_reserve(void *arg, uint32_t type)
{
	struct sink_async *a = arg;
	struct sink_msg *m;
	int yields = 0;

	(void)type;
	while ((m = ring_reserve(a->q)) == NULL) {
		a->full_waits++;
		if (yields++ < PRODUCER_YIELDS)
			sched_yield();
		else
			nap(PRODUCER_WAIT_NS);
	}
	return m;
}

static void
async_commit(void *arg)
{
	struct sink_async *a = arg;

	ring_commit(a->q);
}

/* --- writer --------------------------------------------------------------- */

static void *
writer(void *arg)
{
	struct sink_async *a = arg;
	long idle = WRITER_IDLE_NS;

	thread_unprivileged("output");
	for (;;) {
		struct sink_msg *m = ring_peek(a->q);

		if (m != NULL) {
			sink_msg_apply(&a->to, m);
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
	int rv;

	if (a == NULL || (a->q = ring_new(slots, sizeof(struct sink_msg))) == NULL) {
		snprintf(err, errlen, "cannot allocate the output queue: %s", strerror(errno));
		free(a);
		return NULL;
	}
	a->to = *to;
	a->enc.reserve = async_reserve;
	a->enc.commit = async_commit;
	a->enc.arg = a;
	atomic_init(&a->stop, 0);
	rv = thread_start_blocked(&a->thr, writer, a);
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
	sink_enc_front(&a->enc, &a->to, front);
}

void
sink_async_drain(struct sink_async *a)
{
	/* ring_count() loads the consumer's position with acquire, and the
	 * writer releases a slot after applying it: at 0 every effect of
	 * every record queued so far is visible here. */
	for (int yields = 0; ring_count(a->q) != 0; )
		if (yields++ < PRODUCER_YIELDS)
			sched_yield();
		else
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
	if (st != NULL) {
		st->records = a->enc.records;
		st->full_waits = a->full_waits;
		st->truncated = a->enc.truncated;
	}
	ring_free(a->q);
	free(a);
}
