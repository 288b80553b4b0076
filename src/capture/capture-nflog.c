/*
 * capture-nflog.c - netfilter NFLOG capture back end (capture.h) through
 * libnetfilter_log: packets a firewall logs with `nft ... log group N` or
 * `iptables -j NFLOG --nflog-group N`, copied (NFULNL_COPY_PACKET, up to
 * snaplen bytes) over a netlink socket.
 *
 * What arrives is the IP packet itself: link type raw IP (DLT_RAW).  Its
 * timestamp is the kernel's (NFULA_TIMESTAMP) when present, else the
 * clock at reception.  The wire length is not in the message; it is read
 * from the IP header (IPv4 total length, IPv6 payload length + 40), so a
 * packet cut at snaplen still says how long it was.
 *
 * Losses are made visible, never hidden: NETLINK_NO_ENOBUFS is not set, so
 * a full socket buffer shows up as ENOBUFS from recv() (counted as an
 * overrun), and the group's per-instance sequence numbers (NFULNL_CFG_F_SEQ)
 * give the exact number of messages lost (counted as drops).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <cap-ng.h>
#include <linux/capability.h>
#include <libnetfilter_log/libnetfilter_log.h>

#include "conformd/capture.h"
#include "conformd/cursor.h"

/* One netlink datagram may batch several packets of up to snaplen bytes
 * each (the kernel's nlbufsiz, or one larger packet): this buffer, taken
 * once at open, holds the largest the kernel will send us. */
#define NFLOG_RECV_BUF		(CAPTURE_SNAPLEN_MAX + 65536)
#define NFLOG_FLUSH_CS		10	/* kernel batch flush timeout, 1/100 s */
#define NFLOG_MAX_RECV		64	/* datagrams read per loop() at most */

struct nflog_src {
	struct nflog_handle	*h;
	struct nflog_g_handle	*gh;
	int			 fd;
	int			 timeout_ms;
	struct capture_wake	 wake;		/* breakloop() asked: set by any thread */
	uint8_t			*buf;
	/* per loop() */
	capture_deliver_fn	 deliver;
	void			*arg;
	int			 delivered;
	/* counters (capture thread only) */
	uint64_t		 received;	/* packets handed up */
	uint64_t		 lost;		/* sequence numbers never seen */
	uint64_t		 nobufs;	/* ENOBUFS from recv() */
	uint32_t		 next_seq;	/* the instance's next expected sequence number */
};

static void
nflog_src_free(struct nflog_src *s)
{
	if (s->gh != NULL)
		nflog_unbind_group(s->gh);
	if (s->h != NULL)
		nflog_close(s->h);
	capture_wake_close(&s->wake);
	free(s->buf);
	free(s);
}

/* The length of the IP packet on the wire, from its header; caplen when
 * the header is cut short or says less. */
static uint32_t
nflog_wirelen(const uint8_t *pkt, uint32_t caplen)
{
	struct cursor c;
	uint8_t vb;
	uint16_t len;
	uint32_t wire = 0;

	cursor_init(&c, pkt, caplen);
	if (cursor_u8(&c, &vb) != 0)
		return caplen;
	if ((vb >> 4) == 4) {
		/* IPv4: total length at offset 2 (RFC 791) */
		if (cursor_skip(&c, 1) == 0 && cursor_be16(&c, &len) == 0)
			wire = len;
	} else if ((vb >> 4) == 6) {
		/* IPv6: payload length at offset 4, after a 40-byte header
		 * (RFC 8200); 0 means a jumbogram: unknown, keep caplen */
		if (cursor_skip(&c, 3) == 0 && cursor_be16(&c, &len) == 0 && len != 0)
			wire = 40u + len;
	}
	/* a GSO super-packet may carry total length 0: never below caplen */
	return wire > caplen ? wire : caplen;
}

/* libnetfilter_log callback: one logged packet.  Capture thread; no
 * allocation (the library parses attributes into stack arrays). */
static int
nflog_src_packet(struct nflog_g_handle *gh, struct nfgenmsg *nfmsg,
    struct nflog_data *nfa, void *data)
{
	struct nflog_src *s = data;
	struct capture_pkt p;
	struct timeval tv;
	char *payload;
	uint32_t seq;
	int len;

	(void)gh;
	(void)nfmsg;
	if (nflog_get_seq(nfa, &seq) == 0) {
		/* Messages the kernel numbered but we never received were lost
		 * (socket buffer full).  Modular arithmetic; a jump "backwards"
		 * (more than 2^31) is not a loss, just resynchronise. */
		uint32_t gap = seq - s->next_seq;

		if (gap < 0x80000000u)
			s->lost += gap;
		s->next_seq = seq + 1;
	}
	len = nflog_get_payload(nfa, &payload);
	if (len < 0)
		return 0;	/* no payload: nothing to classify (counted neither way) */
	p.data = (const uint8_t *)payload;
	p.caplen = (uint32_t)len;
	p.wirelen = nflog_wirelen(p.data, p.caplen);
	if (nflog_get_timestamp(nfa, &tv) == 0 && tv.tv_sec >= 0) {
		p.ts_usec = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)(tv.tv_usec % 1000000);
	} else {
		/* the kernel gives no timestamp on the output path: now */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		p.ts_usec = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	}
	p.num = 0;
	p.linktype = DLT_RAW;
	p.source = 0;
	s->received++;
	s->delivered++;
	/* a refused packet (full ring) is counted by the deliver wrapper */
	(void)s->deliver(s->arg, &p);
	return 0;
}

/*
 * Does the calling thread hold CAP_NET_ADMIN?  The kernel (nfnetlink_log)
 * answers EPERM to binding a group both without it and when another
 * netlink socket has bound the group already (one listener per group):
 * which of the two it was.
 */
static int
nflog_have_net_admin(void)
{
	return capng_get_caps_process() == 0 &&
	    capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) == 1;
}

static int
nflog_src_open(void **hp, const struct capture_opts *o, int *linktype, char *err,
    size_t errlen)
{
	struct nflog_src *s;

	*hp = NULL;
	if (o->group < 0 || o->group > 65535) {
		snprintf(err, errlen, "NFLOG group %d is not in 0..65535", o->group);
		return -1;
	}
	if (o->snaplen == 0 || o->snaplen > 65535) {
		/* the copy range is a 16-bit netlink attribute in practice
		 * (an IP packet is at most 65535 bytes) */
		snprintf(err, errlen, "snaplen %u is not in 1..65535 for NFLOG", o->snaplen);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->wake.fd = -1;
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CAPTURE_TIMEOUT_DEFAULT;
	if ((s->buf = malloc(NFLOG_RECV_BUF)) == NULL) {
		snprintf(err, errlen, "out of memory");
		nflog_src_free(s);
		return -1;
	}
	if (capture_wake_open(&s->wake, err, errlen) == -1) {
		nflog_src_free(s);
		return -1;
	}
	if ((s->h = nflog_open()) == NULL) {
		snprintf(err, errlen, "nflog_open: %s", strerror(errno));
		nflog_src_free(s);
		return -1;
	}
	/* Kernels before 3.8 need the logger bound per family; later ones
	 * accept and ignore it.  No unbind first: on old kernels that would
	 * unbind every other logger (ulogd) too. */
	if (nflog_bind_pf(s->h, AF_INET) < 0 || nflog_bind_pf(s->h, AF_INET6) < 0) {
		snprintf(err, errlen, "binding the NFLOG handler: %s%s", strerror(errno),
		    errno == EPERM ? " (needs root or CAP_NET_ADMIN)" : "");
		nflog_src_free(s);
		return -1;
	}
	if ((s->gh = nflog_bind_group(s->h, (uint16_t)o->group)) == NULL) {
		int saved = errno;

		if (saved == EPERM && nflog_have_net_admin())
			snprintf(err, errlen, "NFLOG group %d is bound by another listener already "
			    "(another conformd, ulogd, or the group given twice): the kernel allows "
			    "one per group", o->group);
		else
			snprintf(err, errlen, "NFLOG group %d: %s%s", o->group, strerror(saved),
			    saved == EPERM ? " (needs root or CAP_NET_ADMIN)" :
			    saved == EBUSY ? " (another program, ulogd?, holds this group)" : "");
		nflog_src_free(s);
		return -1;
	}
	if (nflog_set_mode(s->gh, NFULNL_COPY_PACKET, o->snaplen) < 0) {
		snprintf(err, errlen, "NFLOG group %d: copy mode: %s", o->group, strerror(errno));
		nflog_src_free(s);
		return -1;
	}
	/* Sequence numbers per instance: gaps count lost messages exactly. */
	if (nflog_set_flags(s->gh, NFULNL_CFG_F_SEQ) < 0) {
		snprintf(err, errlen, "NFLOG group %d: sequence numbers: %s", o->group,
		    strerror(errno));
		nflog_src_free(s);
		return -1;
	}
	/* The kernel batches messages until the batch is full or this timer
	 * fires (default 1 s): 0.1 s keeps verdicts prompt on quiet links. */
	(void)nflog_set_timeout(s->gh, NFLOG_FLUSH_CS);
	if (nflog_callback_register(s->gh, nflog_src_packet, s) < 0) {
		snprintf(err, errlen, "NFLOG group %d: callback: %s", o->group, strerror(errno));
		nflog_src_free(s);
		return -1;
	}
	s->fd = nflog_fd(s->h);
	if (o->bufsize > 0) {
		int sz = o->bufsize > INT32_MAX / 2 ? INT32_MAX / 2 : (int)o->bufsize;

		/* FORCE passes rmem_max (we hold CAP_NET_ADMIN); else the
		 * ordinary option, capped by net.core.rmem_max. */
		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0 &&
		    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0) {
			snprintf(err, errlen, "NFLOG group %d: receive buffer %d: %s", o->group,
			    sz, strerror(errno));
			nflog_src_free(s);
			return -1;
		}
	}
	/* NETLINK_NO_ENOBUFS is deliberately left unset: see the header. */
	*linktype = DLT_RAW;
	*hp = s;
	return 0;
}

static int
nflog_src_loop(void *h, capture_deliver_fn deliver, void *arg, char *err, size_t errlen)
{
	struct nflog_src *s = h;
	short revents = 0;
	int n;

	/* readable or not, the non-blocking recv() loop below finds out */
	if ((n = capture_wake_poll(&s->wake, s->fd, s->timeout_ms, &revents, err,
	    errlen)) != 1)
		return n;
	s->deliver = deliver;
	s->arg = arg;
	s->delivered = 0;
	/* Bounded: at most NFLOG_MAX_RECV datagrams or CAPTURE_BATCH packets,
	 * then back to the capture thread (stop flag, counters). */
	for (int i = 0; i < NFLOG_MAX_RECV && s->delivered < CAPTURE_BATCH; i++) {
		ssize_t got = recv(s->fd, s->buf, NFLOG_RECV_BUF, MSG_DONTWAIT);

		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* the socket buffer overflowed: messages were lost
				 * (the sequence gap will say how many) */
				s->nobufs++;
				continue;
			}
			snprintf(err, errlen, "recv: %s", strerror(errno));
			return CAPTURE_ERROR;
		}
		if (got == 0)
			break;
		/* Parses every netlink message of the datagram and calls
		 * nflog_src_packet() for each logged packet.  A netlink error
		 * message makes it return -1: nothing to deliver, go on. */
		(void)nflog_handle_packet(s->h, (char *)s->buf, (int)got);
	}
	return s->delivered;
}

static void
nflog_src_breakloop(void *h)
{
	struct nflog_src *s = h;

	capture_wake_request(&s->wake);
}

static int
nflog_src_stats(void *h, struct capture_kstats *ks, char *err, size_t errlen)
{
	struct nflog_src *s = h;

	(void)err;
	(void)errlen;
	ks->recv = s->received + s->lost;
	ks->drop = s->lost;
	ks->ifdrop = 0;
	ks->overruns = s->nobufs;
	return 0;
}

static void
nflog_src_close(void *h)
{
	nflog_src_free(h);
}

const struct capture_ops capture_nflog_ops = {
	.name = "nflog",
	.open = nflog_src_open,
	.loop = nflog_src_loop,
	.breakloop = nflog_src_breakloop,
	.stats = nflog_src_stats,
	.close = nflog_src_close,
	.file = 0,
};
