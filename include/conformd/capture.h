/*
 * capture.h - live capture back ends behind one function table, and the
 * capture thread that drives one of them.
 *
 * A back end (src/capture/capture-pcap.c: libpcap on an interface, or a file;
 * src/capture/capture-nflog.c: netfilter NFLOG groups) hands every packet to a
 * `deliver` callback while it is still in the back end's buffer.  The
 * callback copies what it needs (normally into a ring slot, see
 * capture_deliver_ring()) and returns 0, or -1 when it had no room: in live
 * mode that packet is a counted ring drop, for files the capture waits
 * (back-pressure) and delivers it again.  On the packet path a back end
 * never allocates, logs or blocks; its loop waits (poll) only while no
 * packet is pending, and at most the configured timeout.
 *
 * The capture thread (src/capture/capture.c) opens the back end, loops until told
 * to stop, reopens it with backoff when it fails (an interface went down
 * or disappeared), and publishes counters that any thread may read.
 */
#ifndef CONFORMD_CAPTURE_H
#define CONFORMD_CAPTURE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_SNAPLEN_DEFAULT	1600	/* link, IP and transport headers plus the first payload bytes */
#define CAPTURE_SNAPLEN_MAX	262144
#define CAPTURE_TIMEOUT_DEFAULT	100	/* ms: pcap block timeout, and the longest loop() waits */
#define CAPTURE_BATCH		512	/* packets handled by one loop() call at most */
#define CAPTURE_BACKOFF_MIN_MS	1000	/* first reopen attempt after a failure */
#define CAPTURE_BACKOFF_MAX_MS	60000	/* the delay doubles up to this */

/* loop() results besides a packet count >= 0 */
#define CAPTURE_ERROR		-1	/* the handle is unusable (interface down or gone, socket error): close, reopen */
#define CAPTURE_BROKEN		-2	/* breakloop() was called */
#define CAPTURE_EOF		-3	/* a file ended */

/* One packet as a back end sees it.  `data` is valid only during the
 * deliver() call. */
struct capture_pkt {
	const uint8_t	*data;		/* caplen bytes */
	uint64_t	 ts_usec;	/* capture time, microseconds since the epoch */
	uint64_t	 num;		/* 1-based number within the capture (set by capture.c) */
	uint32_t	 caplen;	/* bytes captured */
	uint32_t	 wirelen;	/* bytes on the wire (>= caplen) */
	int		 linktype;	/* DLT_* */
	uint32_t	 source;	/* the owner's index for this capture (set by capture.c) */
};

/* 0: taken; -1: no room (ring full). */
typedef int (*capture_deliver_fn)(void *arg, const struct capture_pkt *p);

struct pkt_filter;

/* What to open.  capture_opts_init() sets the defaults. */
struct capture_opts {
	const char	*device;	/* pcap: interface name ("any": all, Linux cooked); file back end: the path */
	int		 group;		/* nflog: the NFLOG group, 0..65535 */
	uint32_t	 snaplen;	/* bytes kept per packet (1..CAPTURE_SNAPLEN_MAX) */
	uint32_t	 bufsize;	/* pcap: kernel buffer (pcap_set_buffer_size); nflog: socket
					 * receive buffer; 0: the library's default */
	const char	*filter;	/* pcap: BPF expression; NULL: every packet */
	const struct pkt_filter *pfilter; /* applied by the capture thread (files, nflog: no
					 * kernel filter); must outlive the capture; NULL: none */
	int		 promisc;	/* pcap: 1 promiscuous (default) */
	int		 immediate;	/* pcap: 1 deliver each packet at once instead of by blocks */
	int		 timeout_ms;	/* pcap: block timeout; every back end: longest wait in loop() */
};

/* Kernel-side counters of one open handle, cumulative since its open. */
struct capture_kstats {
	uint64_t	recv;		/* pcap: ps_recv; nflog: packets logged to us (received + lost) */
	uint64_t	drop;		/* pcap: ps_drop (buffer full); nflog: lost, from sequence gaps */
	uint64_t	ifdrop;		/* pcap: ps_ifdrop (interface/driver); nflog: 0 */
	uint64_t	overruns;	/* nflog: recv() failed with ENOBUFS (each: >= 1 message lost) */
};

/*
 * A back end.  Every function is called by the capture thread only, except
 * breakloop(), which any thread may call while the handle is open.
 * open:  allocate and open a handle into *h, its link type into *linktype;
 *        0, or -1 with the reason in err (back-end messages do not repeat
 *        the device or group: capture.c puts the capture's name first).
 * loop:  wait at most o->timeout_ms for packets, then hand up to
 *        CAPTURE_BATCH of them to deliver(arg, p); returns how many were
 *        handed over (0: nothing came), or CAPTURE_ERROR (message in err),
 *        CAPTURE_BROKEN, CAPTURE_EOF.  Never allocates or logs.
 * breakloop: make the current or next loop() return CAPTURE_BROKEN soon.
 * stats: the handle's kernel counters; 0, or -1 with err set.
 * close: close and free the handle.
 * file:  1 for a finite source (a capture file): back-pressure instead of
 *        ring drops, no reopening, CAPTURE_EOF ends it.
 * err_whole: 1 when the messages of a failed open() and of loop()'s
 *        CAPTURE_ERROR name the file (and packet) themselves, for a source
 *        of several files; 0: capture.c puts "name: " (and, for a file's
 *        loop(), "packet N: ") first.
 */
struct capture_ops {
	const char	*name;
	int	(*open)(void **h, const struct capture_opts *o, int *linktype,
		    char *err, size_t errlen);
	int	(*loop)(void *h, capture_deliver_fn deliver, void *arg,
		    char *err, size_t errlen);
	void	(*breakloop)(void *h);
	int	(*stats)(void *h, struct capture_kstats *ks, char *err, size_t errlen);
	void	(*close)(void *h);
	int	 file;
	int	 err_whole;
};

extern const struct capture_ops capture_pcap_ops;	/* live interface, libpcap */
extern const struct capture_ops capture_pcapfile_ops;	/* pcap/pcapng file through the same path */
extern const struct capture_ops capture_pcapdir_ops;	/* a directory's files in time order (pcapdir.h) */
extern const struct capture_ops capture_nflog_ops;	/* NFLOG group (an error when built without) */

/*
 * The break request of a back end whose loop() sleeps in poll(): a flag
 * that any thread may raise and an eventfd that wakes the poll().  Embedded
 * in the back end's handle; the back end's breakloop() calls
 * capture_wake_request(), its loop() capture_wake_poll().
 */
struct capture_wake {
	int		fd;		/* eventfd; -1 when not open */
	atomic_int	broken;		/* a break was asked and not yet taken */
};

/* Open w: 0, or -1 with "eventfd: reason" in err.  w->fd is -1 after a
 * failure, so capture_wake_close() is safe either way.  Owner thread. */
int capture_wake_open(struct capture_wake *w, char *err, size_t errlen);

/* Close the eventfd (nothing when it is not open). */
void capture_wake_close(struct capture_wake *w);

/* Ask for a break: the next capture_wake_take() returns 1 and a
 * capture_wake_poll() in progress returns soon.  Any thread. */
void capture_wake_request(struct capture_wake *w);

/* 1 when a break was asked since the last call, consuming it; else 0.
 * The capture thread. */
int capture_wake_take(struct capture_wake *w);

/*
 * Wait at most timeout_ms for `fd` to be readable or for a break.  Returns
 * 1 when the back end should read now (fd ready, or the timeout passed),
 * with fd's poll revents in *revents; 0 when a signal cut the wait short
 * (loop() returns 0); CAPTURE_BROKEN when a break was asked (before or
 * during the wait); CAPTURE_ERROR with "poll: reason" in err.  The capture
 * thread; never allocates or logs.
 */
int capture_wake_poll(struct capture_wake *w, int fd, int timeout_ms, short *revents,
    char *err, size_t errlen);

/*
 * 0 when the decoders know link type `dlt`; else -1 with "link type N
 * (NAME) is not supported: ..." in err (no file name: callers put theirs
 * first).  Every back end checks the link type of what it opened, and
 * file_inline_open() the file's.  Any thread.
 */
int capture_link_check(int dlt, char *err, size_t errlen);

/* Set o to the defaults: snaplen CAPTURE_SNAPLEN_DEFAULT, promiscuous,
 * not immediate, timeout CAPTURE_TIMEOUT_DEFAULT, no filter, bufsize 0. */
void capture_opts_init(struct capture_opts *o);

/*
 * Reopen backoff: a pure state machine over a millisecond clock, so that
 * outages can be tested without waiting.  Zero-initialise (or
 * capture_backoff_init()); the capture thread keeps one per capture.
 */
struct capture_backoff {
	uint32_t	delay_ms;	/* next wait; 0 while healthy */
	uint64_t	down_since_ms;	/* start of the current outage, when delay_ms != 0 */
	uint64_t	outages;	/* outages begun */
	uint64_t	outage_ms;	/* total length of the outages that have ended */
};

void capture_backoff_init(struct capture_backoff *b);

/*
 * The capture failed, or an attempt to (re)open it failed, at now_ms.  The
 * first failure after a healthy period starts an outage.  Returns the
 * milliseconds to wait before the next attempt: CAPTURE_BACKOFF_MIN_MS,
 * then doubling up to CAPTURE_BACKOFF_MAX_MS.
 */
uint32_t capture_reopen_backoff(struct capture_backoff *b, uint64_t now_ms);

/* The capture is open at now_ms: ends the outage if one was running and
 * returns its length in ms (0 when there was none). */
uint64_t capture_backoff_ok(struct capture_backoff *b, uint64_t now_ms);

/* What a capture has seen, readable at any time from any thread (each
 * field is exact; fields are not a consistent snapshot of one instant
 * until the capture thread has been joined). */
struct capture_stats {
	uint64_t	packets;	/* handed over by the back end and numbered */
	uint64_t	bytes;		/* their wire bytes */
	uint64_t	filtered;	/* of those, rejected by opts.pfilter (not delivered) */
	uint64_t	unfilterable;	/* of those, of a link type pfilter does not apply to (not delivered) */
	uint64_t	ring_drops;	/* deliver() had no room (live mode) */
	uint64_t	kernel_recv;	/* capture_kstats, summed over every open of this capture */
	uint64_t	kernel_drops;
	uint64_t	if_drops;
	uint64_t	overruns;
	uint64_t	opens;		/* successful opens */
	uint64_t	outages;	/* failures of the capture (or of its first open) */
	uint64_t	outage_ms;	/* total time without a handle, the current outage included */
	int		up;		/* 1 while a handle is open */
	int		finished;	/* 1 when the thread has ended (stop, end of file, file error) */
	int		linktype;	/* of the last open, -1 before */
};

struct capture;

/*
 * A capture of `ops` with options `o` (copied; the strings must outlive the
 * capture), named `name` in messages ("eth0", "nflog:5", a path),
 * numbered `source` in packets, delivering to deliver(arg, p) in the
 * capture thread.  NULL when out of memory.
 */
struct capture *capture_new(const struct capture_ops *ops, const struct capture_opts *o,
    const char *name, uint32_t source, capture_deliver_fn deliver, void *arg);

/*
 * Open the back end now, in the calling thread (as root, before dropping
 * privileges).  0, or -1 with the reason in err.  Optional: a capture
 * started without it opens in its thread (with backoff).  Call before
 * capture_start().
 */
int capture_open(struct capture *c, char *err, size_t errlen);

/* Link type of the open handle (-1 when not open).  Owner thread, before
 * capture_start(). */
int capture_linktype(const struct capture *c);

/* Start the capture thread (capture_thread()).  0, or -1 with err set. */
int capture_start(struct capture *c, char *err, size_t errlen);

/*
 * Ask the capture thread to stop: it drains what the kernel already holds
 * (live: one timeout at most), folds in the final kernel counters, closes
 * the handle and ends.  Any thread, not from a signal handler.
 */
void capture_stop(struct capture *c);

/* Wait for the capture thread to end (after capture_stop() or, for a
 * file, the end of the file).  0, or -1 when the file ended with an error
 * (capture_error() says which). */
int capture_join(struct capture *c);

/* The last error message of the capture ("" when none).  Owner thread,
 * after capture_join(). */
const char *capture_error(const struct capture *c);

/* Copy the counters (any thread, relaxed atomic reads). */
void capture_stats_read(const struct capture *c, struct capture_stats *st);

/* Free the capture (joined or never started). */
void capture_free(struct capture *c);

/* The thread function started by capture_start(); arg is the capture. */
void *capture_thread(void *arg);

/*
 * A ready-made deliver callback: copies the packet into a free slot of
 * `ring` (a struct ring * whose slots are struct ring_pkt, see ring.h),
 * its descriptor as it is, keeping at most the slot's room of data
 * (caplen shrinks, wirelen does not), and commits it.  0, or -1 when the
 * ring is full.  The capture thread is the ring's producer.
 */
int capture_deliver_ring(void *ring, const struct capture_pkt *p);

/*
 * capture_deliver_ring() for a packet the capture thread has already run
 * decode_fast() on (decode-fast.h): `fp`, its result, goes with it, so the
 * worker does not decode it again (unless the slot had to cut the data).
 */
struct fast_pkt;
int capture_deliver_ring_fast(void *ring, const struct capture_pkt *p, const struct fast_pkt *fp);

#endif /* CONFORMD_CAPTURE_H */
