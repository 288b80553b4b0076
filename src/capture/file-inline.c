/*
 * file-inline.c - pcap and pcapng files (and standard input) read in the
 * calling thread and fed straight to the engine (-r --direct), through
 * conformd's own reader (pcapfile.h).
 *
 * The file's link type (pcapng: its first interface's) must be one the
 * decoders know, or the file is unusable rather than silently uncounted;
 * a later pcapng interface of another link type has its packets decoded
 * by their own link type (and counted as unsupported when the decoders do
 * not know it).  A damaged record in the middle of a file (a truncated
 * record, a corrupt block) stops that file: everything before it has been
 * processed, and the message names the file and the number of the packet
 * that could not be read.  A filter (filter.h), when given, drops frames
 * between the reader and the engine; the reader still numbers every frame,
 * so packet numbers stay the file's.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "conformd/capture.h"
#include "conformd/file-inline.h"
#include "conformd/pcapfile.h"

#define FILE_INLINE_BATCH	64	/* packets per pcapfile_next() */

static volatile sig_atomic_t interrupted;

void
file_inline_interrupt(void)
{
	interrupted = 1;
}

int
file_inline_usable(struct pcapfile **pf, const char *path, const struct pkt_filter *f,
    char *err, size_t errlen)
{
	char why[512];

	if (capture_link_check(pcapfile_linktype(*pf), why, sizeof(why)) != 0 ||
	    (f != NULL && pkt_filter_link(f, pcapfile_linktype(*pf), why, sizeof(why)) != 0)) {
		snprintf(err, errlen, "%s: %s", path, why);
		pcapfile_close(*pf);
		*pf = NULL;
		return FILE_INLINE_UNUSABLE;
	}
	return FILE_INLINE_OK;
}

int
file_inline_open(const char *path, const struct pkt_filter *f, struct pcapfile **pf,
    char *err, size_t errlen)
{
	if (pcapfile_open(pf, path, err, errlen) != 0)
		return FILE_INLINE_UNUSABLE;
	return file_inline_usable(pf, path, f, err, errlen);
}

int
file_inline_read(struct pcapfile *pf, const char *path, struct engine *e,
    const struct pkt_filter *f, struct pkt_filter_stats *st, uint64_t *packets,
    char *err, size_t errlen)
{
	struct capture_pkt v[FILE_INLINE_BATCH];
	int n = 0, result = FILE_INLINE_OK;

	pcapfile_set_interrupt(pf, &interrupted);
	while (!interrupted && (n = pcapfile_next(pf, v, FILE_INLINE_BATCH, err, errlen)) > 0)
		engine_frames(e, v, f == NULL ? (size_t)n : pkt_filter_batch(f, v, (size_t)n, st));
	if (interrupted) {
		snprintf(err, errlen, "%s: stopped after packet %llu", path,
		    (unsigned long long)pcapfile_packets(pf));
		result = FILE_INLINE_STOPPED;
	} else if (n < 0)
		result = FILE_INLINE_DAMAGED;	/* err: "path: packet N: reason" */
	*packets = pcapfile_packets(pf);
	pcapfile_close(pf);
	return result;
}

int
file_inline_run(const char *path, struct engine *e, const struct pkt_filter *f,
    struct pkt_filter_stats *st, uint64_t *packets, char *err, size_t errlen)
{
	struct pcapfile *pf;

	*packets = 0;
	if (file_inline_open(path, f, &pf, err, errlen) != FILE_INLINE_OK)
		return FILE_INLINE_UNUSABLE;
	return file_inline_read(pf, path, e, f, st, packets, err, errlen);
}
