/*
 * feed.h - one alert feed (an `output` of conformd.conf): its format and
 * its transport -- local syslog(3), RFC 5424 to a collector over UDP
 * (RFC 5426) or TCP (RFC 6587 octet counting), EVE JSON datagrams to a
 * Unix socket.
 *
 * Nothing here blocks for long: sockets are non-blocking, messages wait
 * in a bounded queue while the peer is away or slow (what overflows is
 * counted and dropped), and a lost connection is retried with a backoff
 * of 1 s doubling to 60 s, driven by feed_tick().  Local syslog(3) is the
 * exception the C library imposes: its send blocks if the local daemon
 * stops reading.  One owner thread (the store thread).
 */
#ifndef CONFORMD_FEED_H
#define CONFORMD_FEED_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/alert.h"
#include "conformd/config.h"

#define FEED_BACKOFF_MIN_USEC	1000000ULL	/* first retry after 1 s */
#define FEED_BACKOFF_MAX_USEC	60000000ULL	/* doubling up to 60 s */
#define FEED_CONNECT_USEC	10000000ULL	/* a TCP connect pending this long fails */

struct feed_stats {
	uint64_t	 offered;	/* alerts at or above the feed's min-severity */
	uint64_t	 below_severity;	/* alerts below it: not for this feed */
	uint64_t	 sent;		/* handed whole to the kernel */
	uint64_t	 queue_dropped;	/* the queue was full */
	uint64_t	 send_errors;	/* dropped after an error retrying cannot cure */
	uint64_t	 too_long;	/* could not be made within max-size (an EVE JSON) */
	uint64_t	 truncated;	/* sent shortened to max-size */
	uint64_t	 connects;	/* connections made */
	uint64_t	 reconnects;	/* connections made again after one was lost */
	uint64_t	 connect_failures;
	uint64_t	 queued;	/* waiting now (unsent when the feed closes) */
};

struct feed;

/*
 * Open the feed of `co` (copied) sending as `hostname` (RFC 5424
 * HOSTNAME) and conformd `version`.  Sockets are connected lazily (first
 * alert or tick).  NULL with a reason in err when out of memory.
 */
struct feed *feed_open(const struct config_output *co, const char *hostname,
    const char *version, char *err, size_t errlen);

/* The capture interface the EVE alerts of the feed carry as "in_iface"
 * (copied, cut at 63 bytes; NULL: none). */
void feed_set_in_iface(struct feed *fd, const char *iface);

/* Format alert a and send or queue it; `now_usec` is wall-clock time. */
void feed_alert(struct feed *fd, const struct alert *a, uint64_t now_usec);

/* Reconnect when the backoff has passed, then send what is queued. */
void feed_tick(struct feed *fd, uint64_t now_usec);

/* Try to empty the queue until `deadline_usec` (wall clock), reconnecting
 * once at once if needed.  Returns the messages still queued. */
uint64_t feed_drain(struct feed *fd, uint64_t deadline_usec);

/* Close (what is still queued is lost: count it first).  NULL is a no-op. */
void feed_close(struct feed *fd);

const struct feed_stats *feed_stats(const struct feed *fd);
const char *feed_name(const struct feed *fd);

/* "remote tcp 127.0.0.1:514 rfc5424" and the like, for the summary. */
void feed_describe(const struct feed *fd, char *buf, size_t len);

/* Wall-clock microseconds (gettimeofday), the clock feed times use. */
uint64_t feed_now(void);

#endif /* CONFORMD_FEED_H */
