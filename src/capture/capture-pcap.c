/*
 * capture-pcap.c - the libpcap capture back end (capture.h) of a live
 * interface (pcap_create/pcap_activate, promiscuous, snaplen, kernel
 * buffer size, BPF filter, block timeout or immediate mode, non-blocking
 * dispatch).  Files have their own back end (capture-file.c).
 *
 * The link type is whatever libpcap delivers: Ethernet on an ordinary
 * interface, Linux cooked (SLL) on `any`; one the decoders do not know
 * makes the open fail rather than feed uncounted garbage.  An interface
 * that goes down or disappears makes loop() return CAPTURE_ERROR with
 * libpcap's message ("The interface went down", "The interface
 * disappeared"); the capture thread closes and reopens.  An interface that
 * exists but is down is refused at open, so the outage lasts until it is up.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "conformd/capture.h"

struct pcap_src {
	pcap_t		*p;
	int		 fd;		/* pcap's selectable descriptor (-1 until known) */
	int		 timeout_ms;
	int		 linktype;
	char		 dev[IFNAMSIZ];	/* live: the interface, for messages */
	struct capture_wake wake;	/* breakloop() asked: set by any thread */
	/* pcap_stat fields are 32 bits and wrap; widened here */
	uint32_t	 last_recv, last_drop, last_ifdrop;
	uint64_t	 recv, drop, ifdrop;
	/* for the dispatch callback, set at each loop() */
	capture_deliver_fn deliver;
	void		*arg;
};

static void
pcap_src_free(struct pcap_src *s)
{
	if (s->p != NULL)
		pcap_close(s->p);
	capture_wake_close(&s->wake);
	free(s);
}

static struct pcap_src *
pcap_src_new(char *err, size_t errlen)
{
	struct pcap_src *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = -1;
	if (capture_wake_open(&s->wake, err, errlen) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

/* 0 when `dev` exists and is up; -1 (err set) otherwise.  libpcap would
 * open a down interface and then wait silently: refusing keeps the
 * capture thread in its outage (and backoff) until the link is usable. */
static int
check_up(const char *dev, char *err, size_t errlen)
{
	struct ifreq ifr;
	int sk, rv = 0;

	if (strcmp(dev, "any") == 0)
		return 0;
	if (strlen(dev) >= sizeof(ifr.ifr_name)) {
		snprintf(err, errlen, "interface name too long");
		return -1;
	}
	if ((sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;	/* cannot ask: let libpcap decide */
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, dev, strlen(dev));
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0) {
		if (errno == ENODEV || errno == ENXIO) {
			snprintf(err, errlen, "no such interface");
			rv = -1;
		}
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		snprintf(err, errlen, "interface is down");
		rv = -1;
	}
	close(sk);
	return rv;
}

static int
pcap_live_open(void **hp, const struct capture_opts *o, int *linktype, char *err,
    size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_src *s;
	struct bpf_program prog;
	const char *dev = o->device;
	int rv;

	*hp = NULL;
	if (dev == NULL || *dev == '\0') {
		snprintf(err, errlen, "no interface given");
		return -1;
	}
	if (o->snaplen == 0 || o->snaplen > CAPTURE_SNAPLEN_MAX) {
		snprintf(err, errlen, "snaplen %u is not in 1..%u", o->snaplen,
		    CAPTURE_SNAPLEN_MAX);
		return -1;
	}
	if (check_up(dev, err, errlen) != 0)
		return -1;
	if ((s = pcap_src_new(err, errlen)) == NULL)
		return -1;
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CAPTURE_TIMEOUT_DEFAULT;
	snprintf(s->dev, sizeof(s->dev), "%s", dev);

	ebuf[0] = '\0';
	if ((s->p = pcap_create(dev, ebuf)) == NULL) {
		snprintf(err, errlen, "%s", ebuf);
		pcap_src_free(s);
		return -1;
	}
	/* These only fail on an already activated handle: not checked. */
	(void)pcap_set_snaplen(s->p, (int)o->snaplen);
	(void)pcap_set_promisc(s->p, o->promisc ? 1 : 0);
	(void)pcap_set_timeout(s->p, s->timeout_ms);
	(void)pcap_set_tstamp_precision(s->p, PCAP_TSTAMP_PRECISION_MICRO);
	if (o->immediate)
		(void)pcap_set_immediate_mode(s->p, 1);
	if (o->bufsize > 0)
		(void)pcap_set_buffer_size(s->p, o->bufsize > INT32_MAX ? INT32_MAX : (int)o->bufsize);

	rv = pcap_activate(s->p);
	if (rv < 0) {
		/* pcap_geterr() has the detail for the generic errors; the
		 * specific codes have a clearer fixed text. */
		const char *why = rv == PCAP_ERROR || rv == PCAP_ERROR_NO_SUCH_DEVICE ||
		    rv == PCAP_ERROR_PERM_DENIED ? pcap_geterr(s->p) : pcap_statustostr(rv);

		snprintf(err, errlen, "%s%s", why != NULL && *why != '\0' ? why :
		    pcap_statustostr(rv), rv == PCAP_ERROR_PERM_DENIED ?
		    " (capturing needs root or CAP_NET_RAW)" : "");
		pcap_src_free(s);
		return -1;
	}
	/* rv > 0 is a warning (PCAP_WARNING_PROMISC_NOTSUP on `any`): go on. */

	s->linktype = pcap_datalink(s->p);
	/* The decoders must know the link type, or every packet would be
	 * counted as unsupported: refuse at open instead. */
	if (capture_link_check(s->linktype, err, errlen) != 0) {
		pcap_src_free(s);
		return -1;
	}
	if (o->filter != NULL && *o->filter != '\0') {
		if (pcap_compile(s->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "filter \"%s\": %s", o->filter, pcap_geterr(s->p));
			pcap_src_free(s);
			return -1;
		}
		rv = pcap_setfilter(s->p, &prog);
		pcap_freecode(&prog);
		if (rv != 0) {
			snprintf(err, errlen, "filter \"%s\": %s", o->filter, pcap_geterr(s->p));
			pcap_src_free(s);
			return -1;
		}
	}
	/* Non-blocking: we poll ourselves (with the wake descriptor), then
	 * pcap_dispatch() takes only what is there. */
	if (pcap_setnonblock(s->p, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s", ebuf);
		pcap_src_free(s);
		return -1;
	}
	if ((s->fd = pcap_get_selectable_fd(s->p)) < 0) {
		snprintf(err, errlen, "no selectable descriptor");
		pcap_src_free(s);
		return -1;
	}
	*linktype = s->linktype;
	*hp = s;
	return 0;
}

/* pcap_dispatch() callback: hand the frame up as it lies in pcap's buffer. */
static void
pcap_src_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_src *s = (struct pcap_src *)(void *)user;
	struct capture_pkt p;

	p.data = bytes;
	/* Hostile files may carry any timestamp: clamp, never overflow. */
	p.ts_usec = h->ts.tv_sec < 0 ? 0 : (uint64_t)h->ts.tv_sec * 1000000u +
	    (uint64_t)(h->ts.tv_usec < 0 ? 0 : h->ts.tv_usec % 1000000);
	p.num = 0;
	p.caplen = h->caplen;
	p.wirelen = h->len > h->caplen ? h->len : h->caplen;
	p.linktype = s->linktype;
	p.source = 0;
	/* A refused packet (full ring) is counted by the deliver wrapper. */
	(void)s->deliver(s->arg, &p);
}

/* Hand up to CAPTURE_BATCH packets of s to deliver(arg, p): their count,
 * CAPTURE_BROKEN after breakloop(), or CAPTURE_ERROR with pcap's message. */
static int
pcap_src_dispatch(struct pcap_src *s, capture_deliver_fn deliver, void *arg, char *err,
    size_t errlen)
{
	int n;

	s->deliver = deliver;
	s->arg = arg;
	n = pcap_dispatch(s->p, CAPTURE_BATCH, pcap_src_packet, (u_char *)(void *)s);
	if (n == PCAP_ERROR_BREAK)
		return CAPTURE_BROKEN;
	if (n < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(s->p));
		return CAPTURE_ERROR;
	}
	return n;
}

static int
pcap_live_loop(void *h, capture_deliver_fn deliver, void *arg, char *err, size_t errlen)
{
	struct pcap_src *s = h;
	short revents = 0;
	int n;

	if ((n = capture_wake_poll(&s->wake, s->fd, s->timeout_ms, &revents, err,
	    errlen)) != 1)
		return n;
	/* Dispatch even on a timeout: with TPACKET_V3 a block can be retired
	 * by its timer without waking poll() on some kernels.  POLLERR and
	 * POLLHUP are left to pcap_dispatch(), which turns them into its own
	 * message ("The interface went down", ...). */
	n = pcap_src_dispatch(s, deliver, arg, err, errlen);
	if (n < 0)
		return n;
	if (n == 0 && (revents & (POLLERR | POLLHUP | POLLNVAL))) {
		/* In non-blocking mode libpcap does not look at the socket
		 * error (ENETDOWN when the interface went down, ENODEV when it
		 * went away): fetch it ourselves. */
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr != 0)
			snprintf(err, errlen, "%s", soerr == ENETDOWN ? "the interface went down" :
			    soerr == ENODEV || soerr == ENXIO ? "the interface disappeared" :
			    strerror(soerr));
		else if (check_up(s->dev, err, errlen) == 0)
			snprintf(err, errlen, "capture descriptor error (poll revents 0x%x)",
			    (unsigned int)revents);
		/* (libpcap reads and ignores ENETDOWN itself, so a down
		 * interface usually arrives here as "interface is down") */
		return CAPTURE_ERROR;
	}
	return n;
}

static void
pcap_src_breakloop(void *h)
{
	struct pcap_src *s = h;

	/* the flag and the wake-up end a poll() in progress; pcap_breakloop()
	 * ends a pcap_dispatch() (PCAP_ERROR_BREAK) */
	capture_wake_request(&s->wake);
	pcap_breakloop(s->p);
}

static int
pcap_live_stats(void *h, struct capture_kstats *ks, char *err, size_t errlen)
{
	struct pcap_src *s = h;
	struct pcap_stat ps;

	memset(ks, 0, sizeof(*ks));
	if (pcap_stats(s->p, &ps) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(s->p));
		return -1;
	}
	/* libpcap keeps these cumulative since the open (on Linux it adds up
	 * the kernel's reset-on-read PACKET_STATISTICS) in 32-bit fields,
	 * which wrap within hours at a few hundred thousand packets per
	 * second: add the unsigned differences into 64-bit totals (exact as
	 * long as we look more often than every 2^32 packets). */
	s->recv += (uint32_t)(ps.ps_recv - s->last_recv);
	s->drop += (uint32_t)(ps.ps_drop - s->last_drop);
	s->ifdrop += (uint32_t)(ps.ps_ifdrop - s->last_ifdrop);
	s->last_recv = ps.ps_recv;
	s->last_drop = ps.ps_drop;
	s->last_ifdrop = ps.ps_ifdrop;
	ks->recv = s->recv;
	ks->drop = s->drop;
	ks->ifdrop = s->ifdrop;
	return 0;
}

static void
pcap_src_close(void *h)
{
	pcap_src_free(h);
}

const struct capture_ops capture_pcap_ops = {
	.name = "pcap",
	.open = pcap_live_open,
	.loop = pcap_live_loop,
	.breakloop = pcap_src_breakloop,
	.stats = pcap_live_stats,
	.close = pcap_src_close,
	.file = 0,
};
