/*
 * feed.c - the transports of the alert feeds (feed.h):
 *
 *   syslog      syslog(3), openlog(ident, LOG_PID | LOG_NDELAY, facility);
 *               the C library writes the header, we write the text
 *               (alert_format_text());
 *   remote udp  one RFC 5424 message per datagram (RFC 5426 3.1);
 *   remote tcp  RFC 5424 messages framed "MSG-LEN SP SYSLOG-MSG"
 *               (RFC 6587 3.4.1 octet counting);
 *   remote tls  the same framing over TLS (RFC 5425 4.3): the collector's
 *               certificate verified against ca-file and peer-name
 *               before the first message, our certificate when it asks
 *               (tls.h);
 *   eve-socket  one EVE alert JSON (newline-terminated) per datagram on
 *               an AF_UNIX SOCK_DGRAM socket: datagrams keep records
 *               whole without framing, and a reader that goes away does
 *               not leave a half-written record behind.
 *
 * Every socket is non-blocking.  A message is formatted once, then waits
 * in the feed's queue (a ring of `queue` messages, each buffer kept for
 * reuse) until the socket takes it whole; a full queue drops the new
 * message and counts it.  A TCP stream that is closed by the peer (seen
 * with POLLRDHUP before writing) or fails is reconnected at once, then
 * with a backoff of 1 s doubling to 60 s; the message being written when
 * it broke is sent again whole on the next connection.  What TCP had
 * accepted before the peer died is counted as sent and may still be lost:
 * RFC 6587 has no acknowledgements.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* POLLRDHUP */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "conformd/alert.h"
#include "conformd/feed.h"
#include "conformd/log.h"
#include "conformd/tls.h"

#define FEED_FRAME_EXTRA	24	/* "MSG-LEN SP" and a NUL */

enum { FS_DOWN, FS_CONNECTING, FS_HANDSHAKE, FS_UP };

struct qmsg {
	char		*data;
	uint32_t	 len, cap;
};

struct feed {
	char		*name, *ident, *host, *path;
	int		 type, format, transport, facility, min_severity;
	uint32_t	 max_size, qcap;
	uint16_t	 port;
	char		 hostname[256];
	char		 in_iface[64];
	char		 version[32];
	struct alert_env env;

	/* TLS: the credentials, the session, whom the certificate must name */
	struct tls_ctx	*tls;
	struct tls_conn	*tconn;
	char		*peer_name;

	/* the socket */
	int		 fd, state;
	uint64_t	 next_attempt;	/* when DOWN: the next connect, wall clock */
	uint64_t	 backoff;	/* the delay after the next failure */
	uint64_t	 connect_start;
	int		 ever_up;
	int		 logged_down;	/* "cannot connect" said once per outage */

	/* the queue: qn messages from qhead; qoff bytes of the first written */
	struct qmsg	*q;
	uint32_t	 qhead, qn;
	size_t		 qoff;

	char		*msg, *framed;	/* max_size + 1, max_size + FEED_FRAME_EXTRA */
	struct feed_stats st;
};

uint64_t
feed_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static const char *const fmt_names[] = { "", "rfc5424", "cef", "leef", "eve" };
static const char *const transport_names[] = { "", "udp", "tcp", "tls" };

/* A byte stream (TCP, TLS) rather than datagrams? */
static int
feed_stream(const struct feed *fd)
{
	return fd->type == OUTPUT_REMOTE && fd->transport != OUTPUT_UDP;
}

static char *
feed_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct feed *
feed_open(const struct config_output *co, const char *hostname, const char *version,
    char *err, size_t errlen)
{
	struct feed *fd = calloc(1, sizeof(*fd));

	if (fd == NULL)
		goto oom;
	fd->fd = -1;
	fd->state = FS_DOWN;
	fd->type = co->type;
	fd->format = co->format;
	fd->transport = co->transport;
	fd->facility = co->facility;
	fd->min_severity = co->min_severity;
	fd->max_size = co->max_size;
	fd->qcap = co->type == OUTPUT_SYSLOG ? 0 : co->queue;
	fd->port = co->port;
	fd->backoff = FEED_BACKOFF_MIN_USEC;
	snprintf(fd->hostname, sizeof(fd->hostname), "%s", hostname != NULL ? hostname : "-");
	snprintf(fd->version, sizeof(fd->version), "%s", version != NULL ? version : "0");
	if ((fd->name = feed_dup(co->name)) == NULL ||
	    (co->ident != NULL && (fd->ident = feed_dup(co->ident)) == NULL) ||
	    (co->host != NULL && (fd->host = feed_dup(co->host)) == NULL) ||
	    (co->path != NULL && (fd->path = feed_dup(co->path)) == NULL) ||
	    (fd->msg = malloc(fd->max_size + 1)) == NULL ||
	    (fd->framed = malloc(fd->max_size + FEED_FRAME_EXTRA)) == NULL ||
	    (fd->qcap > 0 && (fd->q = calloc(fd->qcap, sizeof(*fd->q))) == NULL) ||
	    (co->transport == OUTPUT_TLS && (fd->peer_name = feed_dup(co->peer_name != NULL ?
	    co->peer_name : co->host)) == NULL))
		goto oom;
	if (co->type == OUTPUT_REMOTE && co->transport == OUTPUT_TLS) {
		char why[512];

		if ((fd->tls = tls_ctx_new(co->ca_file, co->cert_file, co->key_file, why,
		    sizeof(why))) == NULL) {
			snprintf(err, errlen, "output %s: %s", co->name, why);
			feed_close(fd);
			return NULL;
		}
	}
	fd->env.hostname = fd->hostname;
	fd->env.app_name = fd->ident != NULL ? fd->ident : "conformd";
	fd->env.procid = (unsigned)getpid();
	fd->env.facility = fd->facility;
	fd->env.version = fd->version;
	if (fd->type == OUTPUT_SYSLOG)
		openlog(fd->env.app_name, LOG_PID | LOG_NDELAY, fd->facility << 3);
	return fd;
oom:
	snprintf(err, errlen, "output %s: out of memory", co->name != NULL ? co->name : "?");
	feed_close(fd);
	return NULL;
}

void
feed_set_in_iface(struct feed *fd, const char *iface)
{
	snprintf(fd->in_iface, sizeof(fd->in_iface), "%s", iface != NULL ? iface : "");
	fd->env.in_iface = iface != NULL ? fd->in_iface : NULL;
}

const struct feed_stats *
feed_stats(const struct feed *fd)
{
	return &fd->st;
}

const char *
feed_name(const struct feed *fd)
{
	return fd->name;
}

void
feed_describe(const struct feed *fd, char *buf, size_t len)
{
	switch (fd->type) {
	case OUTPUT_SYSLOG:
		snprintf(buf, len, "syslog %s", fmt_names[fd->format]);
		break;
	case OUTPUT_REMOTE:
		snprintf(buf, len, strchr(fd->host, ':') != NULL ?
		    "remote %s [%s]:%u %s" : "remote %s %s:%u %s",
		    transport_names[fd->transport], fd->host, fd->port,
		    fmt_names[fd->format]);
		break;
	default:
		snprintf(buf, len, "eve-socket %s", fd->path);
		break;
	}
}

/* --- the connection ------------------------------------------------------- */

static void
feed_disconnect(struct feed *fd)
{
	tls_conn_free(fd->tconn);
	fd->tconn = NULL;
	if (fd->fd != -1)
		close(fd->fd);
	fd->fd = -1;
	fd->state = FS_DOWN;
	fd->qoff = 0;	/* a half-written message goes again whole */
}

/* A connect or handshake failed (or a connection broke), for reason
 * `why`: retry after the backoff. */
static void
feed_failed_why(struct feed *fd, uint64_t now, const char *why)
{
	feed_disconnect(fd);
	fd->st.connect_failures++;
	fd->next_attempt = now + fd->backoff;
	fd->backoff = fd->backoff * 2 > FEED_BACKOFF_MAX_USEC ? FEED_BACKOFF_MAX_USEC :
	    fd->backoff * 2;
	if (!fd->logged_down) {
		char what[256];

		fd->logged_down = 1;
		feed_describe(fd, what, sizeof(what));
		/* once per outage, not per retry */
		log_warnx("output %s (%s): cannot send: %s; queueing up to %u alerts, "
		    "retrying", fd->name, what, why, fd->qcap);
	}
}

static void
feed_failed(struct feed *fd, uint64_t now, int err)
{
	feed_failed_why(fd, now, strerror(err));
}

/* A connection broke after working: try again at once, then back off. */
static void
feed_broken(struct feed *fd, uint64_t now)
{
	feed_disconnect(fd);
	fd->backoff = FEED_BACKOFF_MIN_USEC;
	fd->next_attempt = now;
}

static void
feed_up(struct feed *fd)
{
	fd->state = FS_UP;
	fd->backoff = FEED_BACKOFF_MIN_USEC;
	fd->st.connects++;
	if (fd->ever_up)
		fd->st.reconnects++;
	fd->ever_up = 1;
	if (fd->logged_down) {
		log_info("output %s: connected again", fd->name);
		fd->logged_down = 0;
	}
}

/* A pending TLS handshake: done (the collector verified), failed, or
 * still going. */
static void
feed_handshake(struct feed *fd, uint64_t now)
{
	char why[512];

	switch (tls_conn_handshake(fd->tconn, why, sizeof(why))) {
	case TLS_OK:
		feed_up(fd);
		break;
	case TLS_AGAIN:
		if (now - fd->connect_start >= FEED_CONNECT_USEC)
			feed_failed_why(fd, now, "TLS handshake timed out");
		break;
	default:
		feed_failed_why(fd, now, why);
		break;
	}
}

/* The socket is connected: up, or first the TLS handshake. */
static void
feed_connected(struct feed *fd, uint64_t now)
{
	char why[512];

	if (fd->tls == NULL) {
		feed_up(fd);
		return;
	}
	if ((fd->tconn = tls_conn_new(fd->tls, fd->fd, fd->peer_name, why,
	    sizeof(why))) == NULL) {
		feed_failed_why(fd, now, why);
		return;
	}
	fd->state = FS_HANDSHAKE;
	fd->connect_start = now;
	feed_handshake(fd, now);
}

static void
feed_connect(struct feed *fd, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int type, s;

	memset(&ss, 0, sizeof(ss));
	if (fd->type == OUTPUT_EVE_SOCKET) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (strlen(fd->path) >= sizeof(sun->sun_path)) {
			feed_failed(fd, now, ENAMETOOLONG);
			return;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, fd->path);
		slen = sizeof(*sun);
		type = SOCK_DGRAM;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		if (inet_pton(AF_INET, fd->host, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons(fd->port);
			slen = sizeof(*sin);
		} else if (inet_pton(AF_INET6, fd->host, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(fd->port);
			slen = sizeof(*sin6);
		} else {
			feed_failed(fd, now, EINVAL);
			return;
		}
		type = feed_stream(fd) ? SOCK_STREAM : SOCK_DGRAM;
	}
	s = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s == -1) {
		feed_failed(fd, now, errno);
		return;
	}
	fd->fd = s;
	if (connect(s, (struct sockaddr *)&ss, slen) == 0) {
		feed_connected(fd, now);
		return;
	}
	if (errno == EINPROGRESS && type == SOCK_STREAM) {
		fd->state = FS_CONNECTING;
		fd->connect_start = now;
		return;
	}
	feed_failed(fd, now, errno);
}

/* A pending TCP connect: done, failed, or still waiting. */
static void
feed_connecting(struct feed *fd, uint64_t now)
{
	struct pollfd p = { .fd = fd->fd, .events = POLLOUT };
	int err = 0;
	socklen_t elen = sizeof(err);

	if (poll(&p, 1, 0) <= 0) {
		if (now - fd->connect_start >= FEED_CONNECT_USEC)
			feed_failed(fd, now, ETIMEDOUT);
		return;
	}
	if (getsockopt(fd->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
		err = errno;
	if (err != 0)
		feed_failed(fd, now, err);
	else
		feed_connected(fd, now);
}

/* --- the queue ------------------------------------------------------------ */

static void
feed_pop(struct feed *fd)
{
	fd->qhead = (fd->qhead + 1) % fd->qcap;
	fd->qn--;
	fd->qoff = 0;
	fd->st.sent++;
}

/* Is the stream still open?  The peer's FIN shows as POLLRDHUP before a
 * write would be lost into a dead connection. */
static int
feed_stream_alive(struct feed *fd)
{
	struct pollfd p = { .fd = fd->fd, .events = POLLRDHUP };

	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return 0;
	return 1;
}

/* Send what the socket takes now. */
static void
feed_flush(struct feed *fd, uint64_t now)
{
	int retried = 0;

	if (fd->state == FS_UP && fd->qn > 0 && fd->tconn != NULL) {
		char why[512];

		/* an alert from the collector (a client certificate it wants,
		 * under TLS 1.3 sent after our side finished) ends the session */
		if (tls_conn_check(fd->tconn, why, sizeof(why)) != TLS_OK) {
			feed_failed_why(fd, now, why);
			return;
		}
	}
	if (fd->state == FS_UP && fd->qn > 0 && feed_stream(fd) && !feed_stream_alive(fd)) {
		feed_broken(fd, now);
		return;
	}
	while (fd->state == FS_UP && fd->qn > 0) {
		struct qmsg *m = &fd->q[fd->qhead];
		ssize_t n;

		if (fd->tconn != NULL) {
			char why[512];
			size_t sent;
			int rv = tls_conn_send(fd->tconn, m->data + fd->qoff, m->len - fd->qoff,
			    &sent, why, sizeof(why));

			if (rv == TLS_AGAIN)
				return;		/* the same bytes again, later */
			if (rv == TLS_ERROR) {
				feed_broken(fd, now);
				return;
			}
			fd->qoff += sent;
			if (fd->qoff >= m->len)
				feed_pop(fd);
			continue;
		}
		n = send(fd->fd, m->data + fd->qoff, m->len - fd->qoff, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0) {
			retried = 0;
			fd->qoff += (size_t)n;
			if (fd->qoff >= m->len)
				feed_pop(fd);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return;		/* the socket is full: later */
		if (feed_stream(fd)) {
			feed_broken(fd, now);
			return;
		}
		/* datagrams: ECONNREFUSED reports an earlier datagram's ICMP
		 * error; the report clears it, so this one is tried again once */
		if (errno == ECONNREFUSED && !retried) {
			retried = 1;
			continue;
		}
		if (fd->type == OUTPUT_EVE_SOCKET &&
		    (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT)) {
			feed_failed(fd, now, errno);	/* the reader went away */
			return;
		}
		/* this datagram cannot go (EMSGSIZE, unreachable): drop it */
		fd->qhead = (fd->qhead + 1) % fd->qcap;
		fd->qn--;
		fd->qoff = 0;
		fd->st.send_errors++;
		retried = 0;
	}
}

void
feed_tick(struct feed *fd, uint64_t now)
{
	if (fd->type == OUTPUT_SYSLOG)
		return;
	if (fd->state == FS_DOWN && now >= fd->next_attempt && fd->qn > 0)
		feed_connect(fd, now);
	if (fd->state == FS_CONNECTING)
		feed_connecting(fd, now);
	if (fd->state == FS_HANDSHAKE)
		feed_handshake(fd, now);
	feed_flush(fd, now);
	fd->st.queued = fd->qn;
}

static void
feed_enqueue(struct feed *fd, const char *data, size_t len)
{
	struct qmsg *m;

	if (fd->qn == fd->qcap) {
		fd->st.queue_dropped++;
		return;
	}
	m = &fd->q[(fd->qhead + fd->qn) % fd->qcap];
	if (m->cap < len) {
		char *p = realloc(m->data, len);

		if (p == NULL) {
			fd->st.queue_dropped++;
			return;
		}
		m->data = p;
		m->cap = (uint32_t)len;
	}
	memcpy(m->data, data, len);
	m->len = (uint32_t)len;
	fd->qn++;
}

void
feed_alert(struct feed *fd, const struct alert *a, uint64_t now)
{
	size_t n;
	int cut = 0;

	if (a->severity > fd->min_severity) {
		fd->st.below_severity++;
		return;
	}
	fd->st.offered++;
	switch (fd->type) {
	case OUTPUT_SYSLOG:
		n = alert_format_text(fd->msg, fd->max_size, &fd->env, a, fd->format, &cut);
		break;
	case OUTPUT_REMOTE:
		n = alert_format_syslog(fd->msg, fd->max_size, &fd->env, a, fd->format, &cut);
		break;
	default:
		/* one JSON line per datagram: the newline is part of max-size */
		n = alert_format_eve(fd->msg, fd->max_size - 1, &fd->env, a);
		if (n > 0)
			fd->msg[n++] = '\n';
		break;
	}
	if (n == 0) {
		fd->st.too_long++;
		return;
	}
	if (cut)
		fd->st.truncated++;
	if (fd->type == OUTPUT_SYSLOG) {
		syslog(LOG_MAKEPRI(fd->facility << 3, alert_syslog_severity(a->severity)),
		    "%s", fd->msg);
		fd->st.sent++;
		return;
	}
	if (feed_stream(fd)) {
		n = alert_frame_octets(fd->framed, fd->max_size + FEED_FRAME_EXTRA, fd->msg, n);
		feed_enqueue(fd, fd->framed, n);
	} else
		feed_enqueue(fd, fd->msg, n);
	feed_tick(fd, now);
}

uint64_t
feed_drain(struct feed *fd, uint64_t deadline)
{
	uint64_t now = feed_now();

	if (fd->type == OUTPUT_SYSLOG)
		return 0;
	if (fd->state == FS_DOWN && fd->qn > 0)
		fd->next_attempt = now;		/* one more try, whatever the backoff */
	feed_tick(fd, now);
	while (fd->qn > 0 && fd->state != FS_DOWN && (now = feed_now()) < deadline) {
		/* a handshake waits for the collector's answer */
		struct pollfd p = { .fd = fd->fd, .events = fd->state == FS_HANDSHAKE ?
		    POLLIN : POLLOUT };
		int ms = (int)((deadline - now + 999) / 1000);

		if (poll(&p, 1, ms) <= 0 && feed_now() >= deadline)
			break;
		feed_tick(fd, feed_now());
	}
	fd->st.queued = fd->qn;
	return fd->qn;
}

void
feed_close(struct feed *fd)
{
	if (fd == NULL)
		return;
	tls_conn_free(fd->tconn);
	tls_ctx_free(fd->tls);
	free(fd->peer_name);
	if (fd->fd != -1)
		close(fd->fd);
	if (fd->type == OUTPUT_SYSLOG)
		closelog();
	for (uint32_t i = 0; fd->q != NULL && i < fd->qcap; i++)
		free(fd->q[i].data);
	free(fd->q);
	free(fd->msg);
	free(fd->framed);
	free(fd->name);
	free(fd->ident);
	free(fd->host);
	free(fd->path);
	free(fd);
}
