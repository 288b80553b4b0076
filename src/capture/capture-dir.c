/*
 * capture-dir.c - the capture back end (capture.h) of a directory of
 * capture files (-r DIR through the pipeline): its files one after the
 * other in time order (pcapdir.h), as one source, so that a flow that
 * spans two rotated files stays one flow in one worker.
 *
 * A file that cannot be used (not a capture, a link type the decoders or
 * the filter do not take) or that is damaged in the middle is noted and
 * the next file is read: everything before the damage has been delivered.
 * When the last file ends, the notes become the capture's error (loop()
 * returns CAPTURE_ERROR), each naming its file and, when damaged, the
 * number of the packet within that file that could not be read; the
 * back end says so itself (err_whole), capture.c does not add a prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/capture.h"
#include "conformd/filter.h"
#include "conformd/pcapdir.h"
#include "conformd/pcapfile.h"

struct dir_src {
	struct pcapdir		 d;
	int			 next;		/* the next file to take */
	struct pcapfile		*pf;		/* the file being read; NULL between files */
	const struct pkt_filter	*filter;	/* link types to check each file against */
	int			 bad;		/* files noted in errs */
	char			 errs[600];	/* "; "-separated, cut with "..." */
	struct capture_wake	 wake;
	struct capture_pkt	 v[CAPTURE_BATCH];
};

/* Note a file that could not be read (msg names it) in s->errs. */
static void
dir_src_note(struct dir_src *s, const char *msg)
{
	size_t n = strlen(s->errs), room = sizeof(s->errs) - n;

	s->bad++;
	if (n > 0 && strcmp(s->errs + n - 3, "...") == 0)
		return;		/* already full */
	if ((size_t)snprintf(s->errs + n, room, "%s%s", n > 0 ? "; " : "", msg) >= room)
		memcpy(s->errs + sizeof(s->errs) - 4, "...", 4);
}

/* Open the next usable file of the directory into s->pf, noting those
 * that are not; 0, or -1 when no file is left. */
static int
dir_src_next(struct dir_src *s)
{
	char msg[1024], why[512];

	while (s->next < s->d.n) {
		const char *path = s->d.f[s->next].path;

		if (pcapdir_take(&s->d, s->next++, &s->pf, msg, sizeof(msg)) != 0) {
			dir_src_note(s, msg);
			continue;
		}
		if (capture_link_check(pcapfile_linktype(s->pf), why, sizeof(why)) != 0 ||
		    (s->filter != NULL &&
		    pkt_filter_link(s->filter, pcapfile_linktype(s->pf), why, sizeof(why)) != 0)) {
			snprintf(msg, sizeof(msg), "%s: %s", path, why);
			dir_src_note(s, msg);
			pcapfile_close(s->pf);
			s->pf = NULL;
			continue;
		}
		return 0;
	}
	return -1;
}

static void
dir_src_close(void *h)
{
	struct dir_src *s = h;

	pcapfile_close(s->pf);
	pcapdir_close(&s->d);
	capture_wake_close(&s->wake);
	free(s);
}

static int
dir_src_open(void **hp, const struct capture_opts *o, int *linktype, char *err,
    size_t errlen)
{
	struct dir_src *s;

	*hp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (capture_wake_open(&s->wake, err, errlen) == -1) {
		free(s);
		return -1;
	}
	s->filter = o->pfilter;
	if (pcapdir_open(&s->d, o->device, err, errlen) == -1) {
		dir_src_close(s);
		return -1;
	}
	/* the first usable file gives the link type capture.c checks the
	 * filter against; the others are checked as they come */
	if (dir_src_next(s) == -1) {
		snprintf(err, errlen, "%s", s->errs);
		dir_src_close(s);
		return -1;
	}
	*linktype = pcapfile_linktype(s->pf);
	*hp = s;
	return 0;
}

static int
dir_src_loop(void *h, capture_deliver_fn deliver, void *arg, char *err, size_t errlen)
{
	struct dir_src *s = h;
	char msg[512];
	int n;

	if (capture_wake_take(&s->wake))
		return CAPTURE_BROKEN;
	while (s->pf != NULL || dir_src_next(s) == 0) {
		n = pcapfile_next(s->pf, s->v, CAPTURE_BATCH, msg, sizeof(msg));
		if (n > 0) {
			for (int i = 0; i < n; i++)
				(void)deliver(arg, &s->v[i]);	/* a refusal is counted by capture.c */
			return n;
		}
		if (n < 0)
			dir_src_note(s, msg);	/* "DIR/NAME: packet N: reason" */
		pcapfile_close(s->pf);
		s->pf = NULL;
	}
	if (s->bad > 0) {
		if (s->bad == 1)
			snprintf(err, errlen, "%s", s->errs);
		else
			snprintf(err, errlen, "%d files of %s could not be read to the end: %s",
			    s->bad, s->d.dir, s->errs);
		return CAPTURE_ERROR;
	}
	return CAPTURE_EOF;
}

static void
dir_src_breakloop(void *h)
{
	struct dir_src *s = h;

	capture_wake_request(&s->wake);
}

static int
dir_src_stats(void *h, struct capture_kstats *ks, char *err, size_t errlen)
{
	(void)h;
	(void)err;
	(void)errlen;
	memset(ks, 0, sizeof(*ks));	/* files: no kernel below us */
	return 0;
}

const struct capture_ops capture_pcapdir_ops = {
	.name = "pcap-dir",
	.open = dir_src_open,
	.loop = dir_src_loop,
	.breakloop = dir_src_breakloop,
	.stats = dir_src_stats,
	.close = dir_src_close,
	.file = 1,
	.err_whole = 1,
};
