/*
 * pcapfile.h - conformd's own reader of capture files: classic pcap
 * (draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng), from a
 * path, standard input or any descriptor (pipes included).
 *
 * The reader read(2)s into one large buffer allocated at open and hands out
 * packets in batches by pointer into that buffer: no copy, no allocation
 * per packet.  The buffer grows only at open or when one record (a pcapng
 * block) is larger than it, up to PCAPFILE_BLOCK_MAX.
 *
 * Differences from libpcap's offline reader (1.10):
 *   - pcapng interfaces may have different link types and snapshot
 *     lengths; every packet carries its own interface's link type.
 *     Only the first interface of the file decides whether the file is
 *     usable (the caller checks pcapfile_linktype()); a later interface
 *     of a link type conformd does not decode still has its packets
 *     delivered, with that link type, so the engine counts them as
 *     unsupported instead of the file stopping there.
 *   - sections may change byte order; each new Section Header Block
 *     forgets the interfaces of the previous section.
 *   - a Simple Packet Block's captured length is the least of its
 *     original length, the interface's snapshot length and the room in
 *     the block (libpcap fails on a block too short for the snapshot).
 *   - an EPB/PB whose captured length exceeds its interface's snapshot
 *     length (but not PCAPFILE_CAPLEN_MAX) is cut to the snapshot length,
 *     as libpcap does for classic pcap (libpcap fails the pcapng file).
 *   - classic pcap seconds are unsigned (the format's definition; libpcap
 *     reads them signed, so 2^31 and above became negative).
 *   - timestamps are clamped to 0 .. PCAPFILE_SEC_MAX seconds.
 *   - the wire length is never below the captured length (raised to it).
 *   - the patched ("Kuznetzov") pcap magic a1b2cd34 is not read.
 */
#ifndef CONFORMD_PCAPFILE_H
#define CONFORMD_PCAPFILE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "conformd/capture.h"

#define PCAPFILE_BUF_DEFAULT	(256u << 10)	/* the read buffer allocated at open: small enough
						 * that what read(2) copied is still in the L2
						 * cache when the classifier reads it (4 MiB
						 * cost about 20% on IMIX here) */
#define PCAPFILE_BLOCK_MAX	(16u << 20)	/* largest pcapng block (as libpcap) */
#define PCAPFILE_CAPLEN_MAX	262144u		/* largest captured length of a record */
#define PCAPFILE_SEC_MAX	0xffffffffull	/* timestamps are clamped to [0, this] seconds */

struct pcapfile;

/*
 * Open `path` ("-": standard input) and read the file header (pcapng: up
 * to and including the first Interface Description Block).  0 with *pf
 * set, or -1 with "path: reason" in err ("path: truncated dump file",
 * "path: unknown file format", ...).  The handle belongs to the caller's
 * thread; pcapfile_close() frees it.
 */
int pcapfile_open(struct pcapfile **pf, const char *path, char *err, size_t errlen);

/*
 * The same over an open descriptor `fd` (a file, a pipe, a socket), named
 * `name` in messages; the handle takes ownership of fd (closed by
 * pcapfile_close(), or here on failure).  bufsize: the initial buffer,
 * 0 for PCAPFILE_BUF_DEFAULT (tests use small ones to exercise refills).
 */
int pcapfile_open_fd(struct pcapfile **pf, int fd, const char *name, size_t bufsize,
    char *err, size_t errlen);

/*
 * Up to `max` (>= 1) packets into v[0..n): data pointers stay valid until
 * the next call (or pcapfile_close()).  Each packet's num is its 1-based
 * number in the file, linktype its interface's DLT_ value, source 0.
 * Returns n > 0; 0 at the clean end of the file; -1 on damage (or a read
 * error) with "path: packet N: reason" in err, N being the number of the
 * packet that could not be read.  Packets returned before the damage
 * remain valid and counted: a batch that runs into damage returns the
 * packets before it, and the next call returns -1.  After -1 or 0, every
 * further call returns the same.  Never allocates, except to grow the
 * buffer for a record larger than it.
 */
int pcapfile_next(struct pcapfile *pf, struct capture_pkt *v, int max, char *err,
    size_t errlen);

/* The reason of the last -1 of pcapfile_next() without the path and
 * packet prefix ("" when none): for callers that put their own prefix. */
const char *pcapfile_reason(const struct pcapfile *pf);

/* The file's DLT_ link type: classic pcap's header, or pcapng's first
 * interface. */
int pcapfile_linktype(const struct pcapfile *pf);

/*
 * A read(2) interrupted by a signal is retried, unless *flag is non-zero
 * by then: the file is then treated as ended where it is (a batch in
 * progress may report a cut record; the caller, who set the flag, knows
 * why).  For standard input and pipes, which may never send more.
 */
void pcapfile_set_interrupt(struct pcapfile *pf, const volatile sig_atomic_t *flag);

/* Packets returned so far. */
uint64_t pcapfile_packets(const struct pcapfile *pf);

/* Close the descriptor and free the handle (NULL: nothing). */
void pcapfile_close(struct pcapfile *pf);

#endif /* CONFORMD_PCAPFILE_H */
