/*
 * capture-nflog-none.c - the NFLOG back end of a build without
 * libnetfilter_log (configure --without-nflog): every open fails with a
 * message saying so, so `--nflog` is a clear error rather than unknown.
 */
#include <stdio.h>

#include "conformd/capture.h"

static int
nflog_none_open(void **h, const struct capture_opts *o, int *linktype, char *err,
    size_t errlen)
{
	(void)o;
	*h = NULL;
	*linktype = -1;
	snprintf(err, errlen, "conformd was built without NFLOG support");
	return -1;
}

static int
nflog_none_loop(void *h, capture_deliver_fn deliver, void *arg, char *err, size_t errlen)
{
	(void)h;
	(void)deliver;
	(void)arg;
	snprintf(err, errlen, "conformd was built without NFLOG support");
	return CAPTURE_ERROR;
}

static void
nflog_none_breakloop(void *h)
{
	(void)h;
}

static int
nflog_none_stats(void *h, struct capture_kstats *ks, char *err, size_t errlen)
{
	(void)h;
	(void)ks;
	snprintf(err, errlen, "conformd was built without NFLOG support");
	return -1;
}

static void
nflog_none_close(void *h)
{
	(void)h;
}

const struct capture_ops capture_nflog_ops = {
	.name = "nflog",
	.open = nflog_none_open,
	.loop = nflog_none_loop,
	.breakloop = nflog_none_breakloop,
	.stats = nflog_none_stats,
	.close = nflog_none_close,
	.file = 0,
};
