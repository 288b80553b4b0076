/*
 * capture-file.c - the capture back end (capture.h) of a pcap or pcapng
 * file read through conformd's own reader (pcapfile.h), so that files take
 * the same capture thread, ring and classifier path as live traffic.
 *
 * loop() hands up to CAPTURE_BATCH packets straight from the reader's
 * buffer to deliver(), each with its own link type (pcapng interfaces may
 * differ); open() reports the file's first link type and refuses one the
 * decoders do not know.  capture.c numbers the packets: it sees every
 * packet of the file in order (a file never drops: deliver() waits), so
 * its numbers are the file's packet numbers, and its "packet N" in a
 * damage message is the reader's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/capture.h"
#include "conformd/pcapfile.h"

struct file_src {
	struct pcapfile		*pf;
	struct capture_wake	 wake;		/* breakloop() asked: set by any thread */
	struct capture_pkt	 v[CAPTURE_BATCH];
};

static void
file_src_close(void *h)
{
	struct file_src *s = h;

	pcapfile_close(s->pf);
	capture_wake_close(&s->wake);
	free(s);
}

static int
file_src_open(void **hp, const struct capture_opts *o, int *linktype, char *err,
    size_t errlen)
{
	struct file_src *s;
	const char *path = o->device;
	char why[512];

	*hp = NULL;
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no capture file given");
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (capture_wake_open(&s->wake, err, errlen) == -1) {
		free(s);
		return -1;
	}
	if (pcapfile_open(&s->pf, path, why, sizeof(why)) != 0) {
		/* the reader says "path: reason"; capture.c puts the name first */
		size_t pl = strlen(path);

		snprintf(err, errlen, "%s", strncmp(why, path, pl) == 0 && why[pl] == ':' &&
		    why[pl + 1] == ' ' ? why + pl + 2 : why);
		file_src_close(s);
		return -1;
	}
	if (capture_link_check(pcapfile_linktype(s->pf), err, errlen) != 0) {
		file_src_close(s);
		return -1;
	}
	*linktype = pcapfile_linktype(s->pf);
	*hp = s;
	return 0;
}

static int
file_src_loop(void *h, capture_deliver_fn deliver, void *arg, char *err, size_t errlen)
{
	struct file_src *s = h;
	char msg[512];
	int n;

	if (capture_wake_take(&s->wake))
		return CAPTURE_BROKEN;
	n = pcapfile_next(s->pf, s->v, CAPTURE_BATCH, msg, sizeof(msg));
	if (n == 0)
		return CAPTURE_EOF;
	if (n < 0) {
		/* capture.c adds "name: packet N: " */
		snprintf(err, errlen, "%s", pcapfile_reason(s->pf));
		return CAPTURE_ERROR;
	}
	for (int i = 0; i < n; i++)
		(void)deliver(arg, &s->v[i]);	/* a refusal is counted by capture.c */
	return n;
}

static void
file_src_breakloop(void *h)
{
	struct file_src *s = h;

	capture_wake_request(&s->wake);
}

static int
file_src_stats(void *h, struct capture_kstats *ks, char *err, size_t errlen)
{
	(void)h;
	(void)err;
	(void)errlen;
	/* a file has no kernel: nothing received or dropped below us */
	memset(ks, 0, sizeof(*ks));
	return 0;
}

const struct capture_ops capture_pcapfile_ops = {
	.name = "pcap-file",
	.open = file_src_open,
	.loop = file_src_loop,
	.breakloop = file_src_breakloop,
	.stats = file_src_stats,
	.close = file_src_close,
	.file = 1,
};
