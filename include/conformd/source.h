/*
 * source.h - capture sources that feed the engine.
 *
 * source_file_run() reads a pcap or pcapng file (or standard input, "-")
 * through conformd's reader (pcapfile.h) and hands every frame to the
 * engine in order.  A file never loses packets: there is no ring to
 * overflow on this path.
 */
#ifndef CONFORMD_SOURCE_H
#define CONFORMD_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/engine.h"
#include "conformd/filter.h"

/* source_file_run() results */
#define SOURCE_OK		0	/* read to the end */
#define SOURCE_UNUSABLE		-1	/* could not open, not a capture, unsupported link type */
#define SOURCE_DAMAGED		-2	/* read error mid-file: what came before was processed */
#define SOURCE_STOPPED		-3	/* source_file_interrupt() was called: what came before was processed */

/*
 * Read `path` to the end, feeding `e` the frames that pass `f` (NULL: every
 * frame; then `st` may be NULL too, else what the filter did is added to
 * *st).  A file whose link type the filter does not apply to is unusable,
 * as tcpdump refuses it.  On SOURCE_UNUSABLE or SOURCE_DAMAGED a message
 * naming the file (and, when damaged, the number of the packet that could
 * not be read) is written into err.  *packets is set to the frames read,
 * filtered out or not: the file's own packet numbers.
 */
int source_file_run(const char *path, struct engine *e, const struct pkt_filter *f,
    struct pkt_filter_stats *st, uint64_t *packets, char *err, size_t errlen);

struct pcapfile;

/*
 * source_file_run() in two steps, for a caller that opens its files
 * before dropping privileges: open `path` and check its link type
 * (SOURCE_OK, or SOURCE_UNUSABLE with the reason in err) ...
 */
int source_file_open(const char *path, const struct pkt_filter *f, struct pcapfile **pf,
    char *err, size_t errlen);

/* The checks of source_file_open() on a file already open: SOURCE_OK, or
 * SOURCE_UNUSABLE with "path: reason" in err, *pf then closed and NULL. */
int source_file_usable(struct pcapfile **pf, const char *path, const struct pkt_filter *f,
    char *err, size_t errlen);

/* ... then read it to the end as source_file_run() does, and close it. */
int source_file_read(struct pcapfile *pf, const char *path, struct engine *e,
    const struct pkt_filter *f, struct pkt_filter_stats *st, uint64_t *packets,
    char *err, size_t errlen);

/*
 * Make every source_file_run() in progress, and every later one, stop
 * after its current batch of packets and return SOURCE_STOPPED.  Safe to
 * call from a signal handler (it only sets a flag).
 */
void source_file_interrupt(void);

/*
 * 0 when the decoders know link type `dlt`; else -1 with "link type N
 * (NAME) is not supported: ..." in err (no file name: callers put theirs
 * first).  Any thread.
 */
int source_link_check(int dlt, char *err, size_t errlen);

#endif /* CONFORMD_SOURCE_H */
