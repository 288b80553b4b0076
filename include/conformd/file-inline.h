/*
 * file-inline.h - capture sources that feed the engine.
 *
 * file_inline_run() reads a pcap or pcapng file (or standard input, "-")
 * through conformd's reader (pcapfile.h) and hands every frame to the
 * engine in order.  A file never loses packets: there is no ring to
 * overflow on this path.
 */
#ifndef CONFORMD_FILE_INLINE_H
#define CONFORMD_FILE_INLINE_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/engine.h"
#include "conformd/filter.h"

/* file_inline_run() results */
#define FILE_INLINE_OK		0	/* read to the end */
#define FILE_INLINE_UNUSABLE		-1	/* could not open, not a capture, unsupported link type */
#define FILE_INLINE_DAMAGED		-2	/* read error mid-file: what came before was processed */
#define FILE_INLINE_STOPPED		-3	/* file_inline_interrupt() was called: what came before was processed */

/*
 * Read `path` to the end, feeding `e` the frames that pass `f` (NULL: every
 * frame; then `st` may be NULL too, else what the filter did is added to
 * *st).  A file whose link type the filter does not apply to is unusable,
 * as tcpdump refuses it.  On FILE_INLINE_UNUSABLE or FILE_INLINE_DAMAGED a message
 * naming the file (and, when damaged, the number of the packet that could
 * not be read) is written into err.  *packets is set to the frames read,
 * filtered out or not: the file's own packet numbers.
 */
int file_inline_run(const char *path, struct engine *e, const struct pkt_filter *f,
    struct pkt_filter_stats *st, uint64_t *packets, char *err, size_t errlen);

struct pcapfile;

/*
 * file_inline_run() in two steps, for a caller that opens its files
 * before dropping privileges: open `path` and check its link type
 * (FILE_INLINE_OK, or FILE_INLINE_UNUSABLE with the reason in err) ...
 */
int file_inline_open(const char *path, const struct pkt_filter *f, struct pcapfile **pf,
    char *err, size_t errlen);

/* The checks of file_inline_open() on a file already open: FILE_INLINE_OK, or
 * FILE_INLINE_UNUSABLE with "path: reason" in err, *pf then closed and NULL. */
int file_inline_usable(struct pcapfile **pf, const char *path, const struct pkt_filter *f,
    char *err, size_t errlen);

/* ... then read it to the end as file_inline_run() does, and close it. */
int file_inline_read(struct pcapfile *pf, const char *path, struct engine *e,
    const struct pkt_filter *f, struct pkt_filter_stats *st, uint64_t *packets,
    char *err, size_t errlen);

/*
 * Make every file_inline_run() in progress, and every later one, stop
 * after its current batch of packets and return FILE_INLINE_STOPPED.  Safe to
 * call from a signal handler (it only sets a flag).
 */
void file_inline_interrupt(void);

#endif /* CONFORMD_FILE_INLINE_H */
