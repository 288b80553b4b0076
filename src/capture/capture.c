/*
 * capture.c - the capture thread: drives one back end (capture.h), numbers
 * and counts every packet, turns a full ring into a counted drop (live)
 * or into waiting (files), reopens a failed handle with backoff (1 s
 * doubling to 60 s) and records the outage, and publishes its counters
 * for other threads.  Also the check every back end (and the inline
 * read, file-inline.c) makes of a link type: capture_link_check().
 *
 * Threads: everything here runs in the capture thread except
 * capture_new/open/start/join/free (the owner, before start or after
 * join), capture_stop(), capture_stats_read() and capture_link_check()
 * (any thread).  The handle
 * pointer is the one thing another thread touches (breakloop() from
 * capture_stop()), so it is set and cleared under `mu`; the packet path
 * takes no lock.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <pcap/pcap.h>

#include "conformd/capture.h"
#include "conformd/decode.h"
#include "conformd/thread.h"
#include "conformd/filter.h"
#include "conformd/log.h"
#include "conformd/ring.h"

#define CAPTURE_STATS_EVERY_MS	1000	/* kernel counters are polled this often */
#define CAPTURE_DRAIN_LOOPS	64	/* loop() calls at most when draining on stop */

struct capture {
	/* Per-packet counters, written by the capture thread only, read by
	 * anyone: on their own cache line so that readers polling the rest
	 * do not disturb the packet path more than these reads do. */
	alignas(64) _Atomic uint64_t packets;
	_Atomic uint64_t bytes;
	_Atomic uint64_t ring_drops;
	_Atomic uint64_t filtered;
	_Atomic uint64_t unfilterable;

	/* Slow counters, same rule (one writer, relaxed). */
	alignas(64) _Atomic uint64_t kernel_recv;
	_Atomic uint64_t kernel_drops;
	_Atomic uint64_t if_drops;
	_Atomic uint64_t overruns;
	_Atomic uint64_t opens;
	_Atomic uint64_t outages;
	_Atomic uint64_t outage_ms;	/* ended outages */
	_Atomic uint64_t down_since_ms;	/* 0 while up */
	atomic_int	 up;
	atomic_int	 finished;
	atomic_int	 plinktype;

	/* The stop request: written by capture_stop(), read by the thread. */
	atomic_int	 stop;

	/* Capture-thread private (or the owner's before start). */
	const struct capture_ops *ops;
	struct capture_opts opts;
	char		 name[128];
	uint32_t	 source;
	capture_deliver_fn deliver;
	void		*arg;
	int		 linktype;
	uint64_t	 num;
	uint64_t	 next_try_ms;	/* no reopen attempt before this */
	struct capture_backoff bo;
	struct capture_kstats base;	/* closed handles, summed */
	struct capture_kstats cur;	/* the open handle, last successful read */
	int		 failed;	/* a file ended with an error */
	char		 err[1024];

	/* Shared with capture_stop(). */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* signalled by capture_stop(): ends a backoff wait */
	void		*h;		/* written under mu by the thread only */

	pthread_t	 tid;
	int		 started;
};

/*
 * The counters below each have a single writer, the capture thread.  An
 * increment is a relaxed load and a relaxed store: no read-modify-write
 * (no locked instruction on the packet path) and still exact, because
 * nobody else writes.  Relaxed is enough: a reader wants each counter's
 * own latest value, not an ordering with any other memory.  After
 * pthread_join() every value is final and visible.
 */
static inline void
ctr_add(_Atomic uint64_t *a, uint64_t n)
{
	atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + n,
	    memory_order_relaxed);
}

static inline void
ctr_set(_Atomic uint64_t *a, uint64_t v)
{
	atomic_store_explicit(a, v, memory_order_relaxed);
}

static inline uint64_t
ctr_get(const _Atomic uint64_t *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
stop_requested(struct capture *c)
{
	/* relaxed: the flag carries no data; the thread only has to see it
	 * eventually (and the backoff wait re-reads it under mu). */
	return atomic_load_explicit(&c->stop, memory_order_relaxed);
}

int
capture_wake_open(struct capture_wake *w, char *err, size_t errlen)
{
	atomic_init(&w->broken, 0);
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
capture_wake_close(struct capture_wake *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

void
capture_wake_request(struct capture_wake *w)
{
	uint64_t one = 1;

	/* release: pairs with the exchange in capture_wake_take(); the write
	 * wakes a poll() in progress.  Both are safe from any thread. */
	atomic_store_explicit(&w->broken, 1, memory_order_release);
	(void)!write(w->fd, &one, sizeof(one));
}

int
capture_wake_take(struct capture_wake *w)
{
	uint64_t v;

	/* acq_rel exchange: consumes the request exactly once; no data is
	 * published with it, so the ordering is only for tidiness. */
	if (atomic_exchange_explicit(&w->broken, 0, memory_order_acq_rel) == 0)
		return 0;
	/* drain the eventfd so the next poll() sleeps again */
	while (read(w->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	return 1;
}

int
capture_wake_poll(struct capture_wake *w, int fd, int timeout_ms, short *revents,
    char *err, size_t errlen)
{
	struct pollfd pfd[2];

	if (capture_wake_take(w))
		return CAPTURE_BROKEN;
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = w->fd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	if (poll(pfd, 2, timeout_ms) < 0) {
		if (errno == EINTR)
			return 0;
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return CAPTURE_ERROR;
	}
	if (capture_wake_take(w))
		return CAPTURE_BROKEN;
	*revents = pfd[0].revents;
	return 1;
}

int
capture_link_check(int dlt, char *err, size_t errlen)
{
	const char *name;

	if (decode_link_supported(dlt))
		return 0;
	name = pcap_datalink_val_to_name(dlt);
	snprintf(err, errlen, "link type %d (%s) is not supported: conformd reads "
	    "Ethernet, Linux cooked (SLL, SLL2), raw IP and loopback captures", dlt,
	    name != NULL ? name : "unknown");
	return -1;
}

void
capture_opts_init(struct capture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->snaplen = CAPTURE_SNAPLEN_DEFAULT;
	o->promisc = 1;
	o->timeout_ms = CAPTURE_TIMEOUT_DEFAULT;
}

/* --- reopen backoff ---------------------------------------------------- */

void
capture_backoff_init(struct capture_backoff *b)
{
	memset(b, 0, sizeof(*b));
}

uint32_t
capture_reopen_backoff(struct capture_backoff *b, uint64_t now_ms_)
{
	if (b->delay_ms == 0) {
		/* healthy until now: an outage begins */
		b->outages++;
		b->down_since_ms = now_ms_;
		b->delay_ms = CAPTURE_BACKOFF_MIN_MS;
	} else if (b->delay_ms < CAPTURE_BACKOFF_MAX_MS) {
		b->delay_ms = b->delay_ms > CAPTURE_BACKOFF_MAX_MS / 2 ?
		    CAPTURE_BACKOFF_MAX_MS : b->delay_ms * 2;
	}
	return b->delay_ms;
}

uint64_t
capture_backoff_ok(struct capture_backoff *b, uint64_t now_ms_)
{
	uint64_t len;

	if (b->delay_ms == 0)
		return 0;
	/* a clock that went backwards (it should not: monotonic) counts 0 */
	len = now_ms_ > b->down_since_ms ? now_ms_ - b->down_since_ms : 0;
	b->outage_ms += len;
	b->delay_ms = 0;
	b->down_since_ms = 0;
	return len;
}

/* --- the capture ------------------------------------------------------- */

struct capture *
capture_new(const struct capture_ops *ops, const struct capture_opts *o,
    const char *name, uint32_t source, capture_deliver_fn deliver, void *arg)
{
	struct capture *c;
	pthread_condattr_t ca;

	if ((c = aligned_alloc(alignof(struct capture), sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->opts = *o;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->source = source;
	c->deliver = deliver;
	c->arg = arg;
	c->linktype = -1;
	atomic_init(&c->plinktype, -1);
	capture_backoff_init(&c->bo);
	pthread_mutex_init(&c->mu, NULL);
	/* the backoff wait uses the monotonic clock, like everything here */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	return c;
}

/* Publish the kernel counters: closed handles plus the open one. */
static void
publish_kstats(struct capture *c)
{
	ctr_set(&c->kernel_recv, c->base.recv + c->cur.recv);
	ctr_set(&c->kernel_drops, c->base.drop + c->cur.drop);
	ctr_set(&c->if_drops, c->base.ifdrop + c->cur.ifdrop);
	ctr_set(&c->overruns, c->base.overruns + c->cur.overruns);
}

static void
poll_kstats(struct capture *c)
{
	struct capture_kstats ks;
	char err[256];

	/* A failed read keeps the last good one: counters never go back. */
	if (c->h != NULL && c->ops->stats(c->h, &ks, err, sizeof(err)) == 0) {
		c->cur = ks;
		publish_kstats(c);
	}
}

static void
publish_outage(struct capture *c)
{
	ctr_set(&c->outages, c->bo.outages);
	ctr_set(&c->outage_ms, c->bo.outage_ms);
	ctr_set(&c->down_since_ms, c->bo.delay_ms != 0 ? c->bo.down_since_ms : 0);
}

/* Open the back end; on success the handle is installed and any outage
 * ends.  0 or -1 (err set). */
static int
try_open(struct capture *c, char *err, size_t errlen)
{
	void *h;
	int lt = -1;
	uint64_t outage;

	if (c->ops->open(&h, &c->opts, &lt, err, errlen) != 0)
		return -1;
	/* a filter that cannot apply to this link type: refuse, as tcpdump does */
	if (c->opts.pfilter != NULL && pkt_filter_link(c->opts.pfilter, lt, err, errlen) != 0) {
		c->ops->close(h);
		return -1;
	}
	pthread_mutex_lock(&c->mu);
	c->h = h;
	pthread_mutex_unlock(&c->mu);
	c->linktype = lt;
	memset(&c->cur, 0, sizeof(c->cur));
	ctr_add(&c->opens, 1);
	atomic_store_explicit(&c->plinktype, lt, memory_order_relaxed);
	atomic_store_explicit(&c->up, 1, memory_order_relaxed);
	outage = capture_backoff_ok(&c->bo, now_ms());
	publish_outage(c);
	if (outage > 0)
		log_info("%s: capture reopened after an outage of %llu.%03llu s", c->name,
		    (unsigned long long)(outage / 1000), (unsigned long long)(outage % 1000));
	return 0;
}

/* Fold the handle's counters into the totals and close it. */
static void
close_handle(struct capture *c)
{
	void *h = c->h;

	if (h == NULL)
		return;
	poll_kstats(c);
	c->base.recv += c->cur.recv;
	c->base.drop += c->cur.drop;
	c->base.ifdrop += c->cur.ifdrop;
	c->base.overruns += c->cur.overruns;
	memset(&c->cur, 0, sizeof(c->cur));
	publish_kstats(c);
	pthread_mutex_lock(&c->mu);
	c->h = NULL;
	pthread_mutex_unlock(&c->mu);
	c->ops->close(h);
	atomic_store_explicit(&c->up, 0, memory_order_relaxed);
}

/* A failure at now: start or extend the outage, schedule the next try. */
static void
schedule_retry(struct capture *c, const char *what, const char *why)
{
	uint64_t t = now_ms();
	int first = c->bo.delay_ms == 0;
	uint32_t d = capture_reopen_backoff(&c->bo, t);

	/* keep the reason for capture_error(), named like every message */
	snprintf(c->err, sizeof(c->err), "%s: %s: %s", c->name, what, why);
	c->next_try_ms = t + d;
	publish_outage(c);
	/* Once per attempt, seconds apart: operator news, not packet noise. */
	if (first)
		log_warnx("%s; retrying in %u s", c->err, d / 1000);
	else
		log_debug("%s; retrying in %u s", c->err, d / 1000);
}

/* Sleep until deadline_ms or until capture_stop(). */
static void
wait_until(struct capture *c, uint64_t deadline_ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline_ms / 1000);
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	pthread_mutex_lock(&c->mu);
	while (!stop_requested(c) && now_ms() < deadline_ms)
		if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&c->mu);
}

int
capture_open(struct capture *c, char *err, size_t errlen)
{
	char why[768];
	uint64_t t;

	if (try_open(c, why, sizeof(why)) == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s%s%s", c->ops->err_whole ? "" : c->name,
	    c->ops->err_whole ? "" : ": ", why);
	snprintf(err, errlen, "%s", c->err);
	if (c->ops->file)
		return -1;	/* a file is there or not: no outage, no retry */
	/* The owner may start the thread anyway: it will retry after the
	 * first backoff delay, and the outage is already counted. */
	t = now_ms();
	c->next_try_ms = t + capture_reopen_backoff(&c->bo, t);
	publish_outage(c);
	return -1;
}

int
capture_linktype(const struct capture *c)
{
	return c->linktype;
}

/* The deliver() wrapper handed to the back end: number, count, and apply
 * the full-ring policy.  Capture thread, per packet: no lock, no
 * allocation, no logging. */
static int
capture_take(void *arg, const struct capture_pkt *p)
{
	struct capture *c = arg;
	struct capture_pkt q = *p;
	unsigned int spins = 0;

	q.num = ++c->num;
	q.source = c->source;
	ctr_add(&c->packets, 1);
	ctr_add(&c->bytes, q.wirelen);
	if (c->opts.pfilter != NULL) {
		int m = pkt_filter_match(c->opts.pfilter, &q);

		if (m != 1) {
			/* not for us: taken, its number used (packet numbers stay
			 * the file's), counted */
			ctr_add(m == 0 ? &c->filtered : &c->unfilterable, 1);
			return 0;
		}
	}
	while (c->deliver(c->arg, &q) != 0) {
		if (!c->ops->file || stop_requested(c)) {
			/* live: the ring is full and the kernel will not wait for
			 * us, so this packet is dropped and counted (its number is
			 * skipped, so the consumer sees the gap too) */
			ctr_add(&c->ring_drops, 1);
			return -1;
		}
		/* a file waits for room: never lose a packet of a file */
		if (++spins < 64) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 50000 };

			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

void *
capture_thread(void *arg)
{
	struct capture *c = arg;
	uint64_t last_stats = now_ms();
	char why[768];
	int rv;

	/* the one kind of thread that keeps the capture capabilities */
	thread_name("capture");
	while (!stop_requested(c)) {
		if (c->h == NULL) {
			uint64_t t = now_ms();

			if (t < c->next_try_ms) {
				wait_until(c, c->next_try_ms);
				continue;
			}
			if (try_open(c, why, sizeof(why)) != 0) {
				if (c->ops->file) {
					snprintf(c->err, sizeof(c->err), "%s%s%s",
					    c->ops->err_whole ? "" : c->name,
					    c->ops->err_whole ? "" : ": ", why);
					c->failed = 1;
					break;
				}
				schedule_retry(c, "cannot open", why);
				continue;
			}
			last_stats = now_ms();
		}
		rv = c->ops->loop(c->h, capture_take, c, why, sizeof(why));
		if (rv == CAPTURE_EOF)
			break;
		if (rv == CAPTURE_ERROR) {
			close_handle(c);
			if (c->ops->file) {
				/* what came before was delivered; name the record
				 * that could not be read, as file-inline.c does */
				if (c->ops->err_whole)
					snprintf(c->err, sizeof(c->err), "%s", why);
				else
					snprintf(c->err, sizeof(c->err), "%s: packet %llu: %s",
					    c->name, (unsigned long long)c->num + 1, why);
				c->failed = 1;
				break;
			}
			schedule_retry(c, "capture failed", why);
			continue;
		}
		if (now_ms() - last_stats >= CAPTURE_STATS_EVERY_MS) {
			poll_kstats(c);
			last_stats = now_ms();
		}
	}
	if (c->h != NULL) {
		/* Stopping: take what the kernel already holds (the first call
		 * may just report the break), then the final counters. */
		for (int i = 0; i < CAPTURE_DRAIN_LOOPS && !c->ops->file; i++) {
			rv = c->ops->loop(c->h, capture_take, c, why, sizeof(why));
			if (rv == 0 || rv == CAPTURE_ERROR || rv == CAPTURE_EOF)
				break;
		}
		close_handle(c);
	}
	atomic_store_explicit(&c->finished, 1, memory_order_relaxed);
	return NULL;
}

int
capture_start(struct capture *c, char *err, size_t errlen)
{
	int e;

	/* pthread_create() orders everything the owner wrote (options, an
	 * open handle) before the thread's first instruction. */
	if ((e = pthread_create(&c->tid, NULL, capture_thread, c)) != 0) {
		snprintf(err, errlen, "%s: cannot start the capture thread: %s", c->name, strerror(e));
		return -1;
	}
	c->started = 1;
	return 0;
}

void
capture_stop(struct capture *c)
{
	atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
	/* Under mu: the handle cannot be closed while we break its loop, and
	 * a thread about to wait re-checks the flag before sleeping. */
	pthread_mutex_lock(&c->mu);
	if (c->h != NULL)
		c->ops->breakloop(c->h);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

int
capture_join(struct capture *c)
{
	if (c->started) {
		pthread_join(c->tid, NULL);
		c->started = 0;
	}
	return c->failed ? -1 : 0;
}

const char *
capture_error(const struct capture *c)
{
	return c->failed || c->bo.delay_ms != 0 ? c->err : "";
}

void
capture_stats_read(const struct capture *c, struct capture_stats *st)
{
	uint64_t down;

	st->packets = ctr_get(&c->packets);
	st->bytes = ctr_get(&c->bytes);
	st->ring_drops = ctr_get(&c->ring_drops);
	st->filtered = ctr_get(&c->filtered);
	st->unfilterable = ctr_get(&c->unfilterable);
	st->kernel_recv = ctr_get(&c->kernel_recv);
	st->kernel_drops = ctr_get(&c->kernel_drops);
	st->if_drops = ctr_get(&c->if_drops);
	st->overruns = ctr_get(&c->overruns);
	st->opens = ctr_get(&c->opens);
	st->outages = ctr_get(&c->outages);
	st->outage_ms = ctr_get(&c->outage_ms);
	down = ctr_get(&c->down_since_ms);
	if (down != 0) {
		uint64_t t = now_ms();

		st->outage_ms += t > down ? t - down : 0;
	}
	st->up = atomic_load_explicit(&c->up, memory_order_relaxed);
	st->finished = atomic_load_explicit(&c->finished, memory_order_relaxed);
	st->linktype = atomic_load_explicit(&c->plinktype, memory_order_relaxed);
}

void
capture_free(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		c->ops->close(c->h);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Copy p into a free slot of r, its descriptor as it is; the slot, or
 * NULL when the ring is full.  *cut: data was cut to the slot's room. */
static struct ring_pkt *
deliver_copy(struct ring *r, const struct capture_pkt *p, int *cut)
{
	struct ring_pkt *s = ring_reserve(r);
	uint32_t size = ring_slot_size(r), room, n;

	if (s == NULL)
		return NULL;
	room = size > sizeof(*s) ? size - (uint32_t)sizeof(*s) : 0;
	n = p->caplen < room ? p->caplen : room;
	s->pkt = *p;
	s->pkt.data = s->data;
	s->pkt.caplen = n;
	s->pkt.wirelen = p->wirelen > n ? p->wirelen : n;
	if (n > 0)	/* an empty packet may have no data at all */
		memcpy(s->data, p->data, n);
	*cut = n < p->caplen;
	return s;
}

int
capture_deliver_ring(void *ring, const struct capture_pkt *p)
{
	struct ring *r = ring;
	struct ring_pkt *s;
	int cut;

	if ((s = deliver_copy(r, p, &cut)) == NULL)
		return -1;
	s->decoded = 0;
	ring_commit(r);
	return 0;
}

int
capture_deliver_ring_fast(void *ring, const struct capture_pkt *p, const struct fast_pkt *fp)
{
	struct ring *r = ring;
	struct ring_pkt *s;
	int cut;

	if ((s = deliver_copy(r, p, &cut)) == NULL)
		return -1;
	/* The decode holds for the copy only when nothing was cut; its
	 * payload then lies at the same offset in the slot. */
	s->decoded = !cut;
	if (!cut) {
		s->fast = *fp;
		if (fp->ok)
			s->fast.payload = s->data + (fp->payload - p->data);
	}
	ring_commit(r);
	return 0;
}
