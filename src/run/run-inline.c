/*
 * run-inline.c - the inline driver (run-int.h): -r with one classifier.
 * Every file is read and classified in the calling thread, no packet
 * ring; the records go to the outputs' own thread (sink-async.h), in
 * order.  Files are opened before privileges go when the run drops them,
 * else as they are reached; -r DIR holds a directory's files open and
 * ordered from the start (pcapdir.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "conformd/collector.h"
#include "conformd/engine.h"
#include "conformd/file-inline.h"
#include "conformd/log.h"
#include "conformd/pcapdir.h"
#include "conformd/pcapfile.h"
#include "conformd/sensor.h"
#include "conformd/sink-async.h"
#include "run-int.h"

struct inline_run {
	struct pcapdir		*dirs;	/* indexed like o->files, NULL: no -r names a directory;
					 * a file's entry has n == 0, an unusable directory's -1 */
	struct pcapfile		**pfs;	/* files opened before the privileges went, or NULL */
	struct output		*out;
	struct collector	*col;
	struct engine		*e;
	struct sink_async	*wr;	/* the outputs' thread, NULL: they write here */
	struct engine_sink	 sink;	/* what the engine writes to */
	struct pkt_filter_stats	 fst;
	uint64_t		 nread;	/* frames read, filtered out or not */
};

/* -r DIR: the directories among the files, opened and ordered. */
static int
inline_dirs(struct run *r, struct inline_run *ir)
{
	const struct run_opts *o = r->o;
	char err[1024];

	for (int i = 0; i < o->nfiles; i++) {
		if (!pcapdir_is_dir(o->files[i]))
			continue;
		if (ir->dirs == NULL &&
		    (ir->dirs = calloc((size_t)o->nfiles, sizeof(*ir->dirs))) == NULL) {
			log_warnx("out of memory");
			return -1;
		}
		if (pcapdir_open(&ir->dirs[i], o->files[i], err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			ir->dirs[i].n = -1;
			r->status = RUN_EXIT_ERROR;	/* the others are still read */
		}
	}
	return 0;
}

static int
inline_open(struct run *r)
{
	const struct run_opts *o = r->o;
	struct inline_run *ir = calloc(1, sizeof(*ir));
	char err[1024];

	if (ir == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	r->drv = ir;
	if (inline_dirs(r, ir) == -1)
		return -1;
	/* The files are opened first when privileges go, as a live run
	 * opens its sources, before anything is written or any thread
	 * started (capabilities are per thread); otherwise each is opened
	 * when its turn comes. */
	if (!r->drops)
		return 0;
	if ((ir->pfs = calloc((size_t)o->nfiles, sizeof(*ir->pfs))) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	for (int i = 0; i < o->nfiles; i++)
		if ((ir->dirs == NULL || ir->dirs[i].n == 0) &&
		    file_inline_open(o->files[i], r->pf, &ir->pfs[i], err, sizeof(err)) != FILE_INLINE_OK) {
			log_warnx("%s", err);
			r->status = RUN_EXIT_ERROR;	/* the others are still read */
		}
	return 0;
}

static int
inline_start(struct run *r, struct output *out)
{
	struct inline_run *ir = r->drv;
	char err[1024];

	ir->out = out;
	output_sink(out, &ir->sink);
	/* The outputs write in their own thread, this one reads and
	 * classifies; without a thread they write here. */
	if (ir->sink.flow != NULL || ir->sink.finding != NULL) {
		ir->wr = sink_async_start(&ir->sink, SINK_ASYNC_SLOTS, err, sizeof(err));
		if (ir->wr != NULL)
			sink_async_front(ir->wr, &ir->sink);
		else
			log_info("%s: writing in the reading thread", err);
	}
	ir->col = collector_new(&r->l->cfg, r->pol, &ir->sink);
	if (ir->col != NULL) {
		collector_sink(ir->col, &ir->sink);
		ir->e = engine_new(&r->l->cfg, r->pol, &ir->sink);
		if (ir->e != NULL)	/* unique across runs and sensors (sensor.h) */
			engine_set_flow_ids(ir->e, sensor_flow_id_start(), 1);
	}
	if (ir->e == NULL) {
		log_warnx("out of memory: cannot allocate %u flows (max-flows)", r->l->cfg.max_flows);
		return -1;
	}
	return 0;
}

/*
 * Read every file of directory d into e, in its order, each as
 * file_inline_read() reads one; *nread gains their packets.  FILE_INLINE_OK;
 * FILE_INLINE_STOPPED with err saying where; FILE_INLINE_DAMAGED when a file was
 * unusable or damaged (each said here, with its packet number: the
 * others are still read).
 */
static int
inline_read_dir(struct pcapdir *d, struct engine *e, const struct pkt_filter *pf,
    struct pkt_filter_stats *fst, uint64_t *nread, char *err, size_t errlen)
{
	int result = FILE_INLINE_OK;

	for (int j = 0; j < d->n; j++) {
		struct pcapfile *f;
		uint64_t n = 0;
		int rv;

		if (pcapdir_take(d, j, &f, err, errlen) != 0 ||
		    file_inline_usable(&f, d->f[j].path, pf, err, errlen) != FILE_INLINE_OK) {
			log_warnx("%s", err);
			result = FILE_INLINE_DAMAGED;
			continue;
		}
		log_debug("%s: reading", d->f[j].path);
		rv = file_inline_read(f, d->f[j].path, e, pf, fst, &n, err, errlen);
		*nread += n;
		if (rv == FILE_INLINE_STOPPED)
			return rv;
		if (rv != FILE_INLINE_OK) {
			log_warnx("%s", err);
			result = FILE_INLINE_DAMAGED;
		}
	}
	return result;
}

static void
inline_read(struct run *r)
{
	const struct run_opts *o = r->o;
	struct inline_run *ir = r->drv;
	char err[1024];

	for (int i = 0; i < o->nfiles; i++) {
		uint64_t n = 0;
		int rv;

		if (ir->dirs != NULL && ir->dirs[i].n < 0)
			continue;	/* unusable: said */
		if (ir->dirs != NULL && ir->dirs[i].n > 0) {
			rv = inline_read_dir(&ir->dirs[i], ir->e, r->pf, &ir->fst, &n, err,
			    sizeof(err));
			if (rv == FILE_INLINE_DAMAGED) {
				r->status = RUN_EXIT_ERROR;	/* every file said */
				rv = FILE_INLINE_OK;
			}
		} else if (ir->pfs == NULL)
			rv = file_inline_run(o->files[i], ir->e, r->pf, &ir->fst, &n, err,
			    sizeof(err));
		else if (ir->pfs[i] == NULL)
			continue;	/* unusable: said when opened */
		else {
			rv = file_inline_read(ir->pfs[i], o->files[i], ir->e, r->pf, &ir->fst, &n,
			    err, sizeof(err));
			ir->pfs[i] = NULL;
		}
		ir->nread += n;
		if (rv == FILE_INLINE_STOPPED) {
			/* as the pipeline does: what was read is judged and written */
			log_info("%s: %s", run_quit_signal() == SIGINT ? "SIGINT" : "SIGTERM", err);
			break;
		}
		if (rv != FILE_INLINE_OK) {
			log_warnx("%s", err);
			r->status = RUN_EXIT_ERROR;
		}
	}
}

static void
inline_stats(struct run *r, struct pipeline_stats *st)
{
	struct inline_run *ir = r->drv;

	memset(st, 0, sizeof(*st));
	if (ir == NULL)
		return;
	st->received = ir->nread;
	st->filtered = ir->fst.rejected;
	st->unfilterable = ir->fst.unfilterable;
	if (ir->e != NULL) {
		st->classified = engine_counters(ir->e)->packets;
		st->malformed = engine_counters(ir->e)->malformed;
		st->non_ip = engine_counters(ir->e)->non_ip;
	}
	if (ir->col != NULL)
		st->findings = collector_findings(ir->col);
}

static void
inline_finish(struct run *r)
{
	struct inline_run *ir = r->drv;
	struct pipeline_stats st;

	if (ir->e == NULL) {
		sink_async_stop(ir->wr, NULL);
		ir->wr = NULL;
		return;
	}
	engine_finish(ir->e);
	inline_stats(r, &st);
	run_counters_write(&st, r->pf != NULL, 1, &ir->sink);
	collector_finish(ir->col, engine_counters(ir->e)->ipv4 + engine_counters(ir->e)->ipv6 == 0,
	    engine_now(ir->e));
	/* every record written: the output is this thread's again */
	sink_async_stop(ir->wr, NULL);
	ir->wr = NULL;
}

static uint64_t
inline_findings(struct run *r)
{
	struct inline_run *ir = r->drv;

	return ir != NULL && ir->col != NULL ? collector_findings(ir->col) : 0;
}

static uint64_t
inline_failing(struct run *r)
{
	struct inline_run *ir = r->drv;

	return ir != NULL && ir->col != NULL ? collector_failing(ir->col) : 0;
}

static void
inline_summary(struct run *r, FILE *out)
{
	struct inline_run *ir = r->drv;

	if (ir->e == NULL)
		return;
	engine_summary(ir->e, out);
	if (r->pf != NULL)
		pkt_filter_summary(out, r->o->filter, ir->nread, ir->fst.rejected,
		    ir->fst.unfilterable);
	collector_summary(ir->col, out);
	engine_summary_top(ir->e, out);
}

static void
inline_coverage(struct run *r, int format, FILE *out)
{
	struct inline_run *ir = r->drv;

	if (ir->col != NULL)
		collector_coverage_print(ir->col, format, out);
}

static void
inline_free(struct run *r)
{
	struct inline_run *ir = r->drv;

	if (ir != NULL) {
		sink_async_stop(ir->wr, NULL);
		if (ir->pfs != NULL)
			for (int i = 0; i < r->o->nfiles; i++)
				if (ir->pfs[i] != NULL)
					pcapfile_close(ir->pfs[i]);
		free(ir->pfs);
		if (ir->dirs != NULL)
			for (int i = 0; i < r->o->nfiles; i++)
				if (ir->dirs[i].n > 0)
					pcapdir_close(&ir->dirs[i]);
		free(ir->dirs);
		engine_free(ir->e);
		collector_free(ir->col);
		free(ir);
		r->drv = NULL;
	}
	policy_free(r->pol);
	r->pol = NULL;
}

const struct run_driver run_inline = {
	inline_open, inline_start, inline_read, inline_finish, inline_stats,
	inline_findings, inline_failing, inline_summary, inline_coverage, inline_free
};
