/*
 * run-pipeline.c - the pipeline driver (run-int.h): live sources, several
 * workers, or -r --pipeline.  The sources are added to a pipeline
 * (pipeline.h: capture threads, rings, workers, the store thread); this
 * thread then only watches, every 100 ms, for the end of the files or a
 * signal, and lets daemon.h act on what only a live run does (reload,
 * SIGUSR1, systemd notification).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>

#include "conformd/capture.h"
#include "conformd/log.h"
#include "conformd/pcapdir.h"
#include "conformd/pipeline.h"
#include "conformd/privdrop.h"
#include "daemon.h"
#include "run-int.h"

#define LOOP_NS		100000000L	/* the control loop's period: 100 ms */
/* Files through the pipeline: the classifier needs the headers and the
 * first payload bytes, so each packet keeps at most FILE_SNAPLEN bytes in
 * its ring slot (the wire length is kept whole), and a file needs few
 * slots since it waits instead of dropping. */
#define FILE_SNAPLEN	8192
#define FILE_RING_SLOTS	2048

struct pipeline_run {
	struct pipeline	*pl;
	struct daemon	*dm;
	int		 started;
	uint64_t	 started_sec;	/* monotonic, when the sources began */
};

/* The sources into the pipeline, each opened now (as root).  How many
 * were added, or -1 when a live one cannot start (fatal); an unusable
 * file is said and makes the run an error, the others still run. */
static int
pipeline_sources(struct run *r, struct pipeline *pl)
{
	const struct run_opts *o = r->o;
	struct capture_opts co;
	char err[1024], name[64];
	int added = 0;

	/* a source given twice would be read twice (and an NFLOG group can
	 * be bound once only) */
	for (int i = 0; i < o->nifaces; i++)
		for (int k = 0; k < i; k++)
			if (strcmp(o->ifaces[i], o->ifaces[k]) == 0) {
				log_warnx("interface %s is given twice", o->ifaces[i]);
				return -1;
			}
	for (int i = 0; i < o->ngroups; i++)
		for (int k = 0; k < i; k++)
			if (o->groups[i] == o->groups[k]) {
				log_warnx("NFLOG group %d is given twice", o->groups[i]);
				return -1;
			}
	for (int i = 0; i < o->nifaces; i++) {
		capture_opts_init(&co);
		co.device = o->ifaces[i];
		co.snaplen = o->snaplen;
		co.bufsize = o->bufsize;
		co.filter = o->filter;	/* in the kernel */
		if (pipeline_add_source(pl, &capture_pcap_ops, &co, o->ifaces[i], err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;	/* a live source that cannot start is fatal */
		}
		added++;
	}
	for (int i = 0; i < o->ngroups; i++) {
		capture_opts_init(&co);
		co.group = o->groups[i];
		co.snaplen = o->snaplen;
		co.bufsize = o->bufsize;
		co.pfilter = r->pf;
		snprintf(name, sizeof(name), "nflog:%d", o->groups[i]);
		if (pipeline_add_source(pl, &capture_nflog_ops, &co, name, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;
		}
		added++;
	}
	for (int i = 0; i < o->nfiles; i++) {
		capture_opts_init(&co);
		co.device = o->files[i];
		co.snaplen = FILE_SNAPLEN;
		co.pfilter = r->pf;
		if (pipeline_add_source(pl, pcapdir_is_dir(o->files[i]) ? &capture_pcapdir_ops :
		    &capture_pcapfile_ops, &co, o->files[i], err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			r->status = RUN_EXIT_ERROR;
			continue;
		}
		added++;
	}
	return added;
}

static int
prun_open(struct run *r)
{
	const struct run_opts *o = r->o;
	struct pipeline_run *pr = calloc(1, sizeof(*pr));
	struct policy *pol = r->pol;
	struct pipeline_opts po;
	char err[1024];
	int n;

	if (pr == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	r->drv = pr;
	/* from here on the daemon keeps the run's policies (reloads add theirs) */
	if ((pr->dm = daemon_new(o, pol)) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	r->pol = NULL;
	memset(&po, 0, sizeof(po));
	po.workers = o->workers;
	po.ring_slots = r->live ? o->ring_slots : FILE_RING_SLOTS;
	po.record_slots = r->live ? o->record_slots : 0;	/* 0: the default */
	po.snaplen = r->live ? o->snaplen : FILE_SNAPLEN;
	po.files = !r->live;
	po.window_sec = r->l->cfg.coverage_window;
	po.stats_sec = r->l->cfg.stats_interval;
	po.filter = r->pf != NULL ? o->filter : NULL;
	if ((pr->pl = pipeline_new(&r->l->cfg, pol, &po, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	n = pipeline_sources(r, pr->pl);
	if (n < 0 || (n == 0 && r->status == RUN_EXIT_CLEAN))
		return -1;
	return 0;
}

/* Monotonic seconds. */
static uint64_t
mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static int
prun_start(struct run *r, struct output *out)
{
	struct pipeline_run *pr = r->drv;
	char err[1024];

	if ((r->o->sink != NULL ? pipeline_set_sink(pr->pl, r->o->sink, err, sizeof(err)) :
	    pipeline_set_output(pr->pl, out, err, sizeof(err))) == -1 ||
	    pipeline_start(pr->pl, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	pr->started = 1;
	/* The capture threads run, with the capabilities they may need to
	 * reopen an interface; this thread needs none from now on (every
	 * other thread gave up its own as it started). */
	if (privdrop_thread() == -1)
		log_warnx("the main thread cannot give up its capabilities");
	pr->started_sec = mono_sec();
	if (r->live && r->o->sink != NULL)
		log_info("discovering on %s for %u s with %d worker%s", r->srcs, r->o->run_sec,
		    r->o->workers, r->o->workers == 1 ? "" : "s");
	else if (r->live)
		daemon_ready(pr->dm, r->srcs);
	return 0;
}

static void
prun_read(struct run *r)
{
	struct pipeline_run *pr = r->drv;

	for (;;) {
		struct timespec ts = { 0, LOOP_NS };
		int sig = run_quit_signal();

		if (sig != 0) {
			log_info("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (!r->live && pipeline_done(pr->pl))
			break;
		/* a discovery run listens for the time it was given */
		if (r->live && r->o->sink != NULL && r->o->run_sec != 0 &&
		    mono_sec() - pr->started_sec >= r->o->run_sec)
			break;
		daemon_tick(pr->dm, pr->pl, r->live);
		nanosleep(&ts, NULL);
	}
}

static void
prun_finish(struct run *r)
{
	struct pipeline_run *pr = r->drv;
	char err[1024];

	if (r->live)
		daemon_stopping(pr->dm);
	if (pipeline_stop(pr->pl, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		r->status = RUN_EXIT_ERROR;
	}
}

static void
prun_stats(struct run *r, struct pipeline_stats *st)
{
	struct pipeline_run *pr = r->drv;

	if (pr == NULL || pr->pl == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pipeline_stats(pr->pl, st);
}

static uint64_t
prun_findings(struct run *r)
{
	struct pipeline_run *pr = r->drv;

	return pipeline_findings(pr->pl);
}

static uint64_t
prun_failing(struct run *r)
{
	struct pipeline_run *pr = r->drv;

	return pipeline_failing(pr->pl);
}

static void
prun_summary(struct run *r, FILE *out)
{
	struct pipeline_run *pr = r->drv;

	if (pr->started)
		pipeline_summary(pr->pl, out);
}

static void
prun_coverage(struct run *r, int format, FILE *out)
{
	struct pipeline_run *pr = r->drv;

	if (pr->started)
		pipeline_coverage_print(pr->pl, format, out);
}

static void
prun_free(struct run *r)
{
	struct pipeline_run *pr = r->drv;

	if (pr != NULL) {
		pipeline_free(pr->pl);
		daemon_free(pr->dm);	/* every policy the pipeline had */
		free(pr);
		r->drv = NULL;
	}
	policy_free(r->pol);		/* not handed over yet */
	r->pol = NULL;
}

const struct run_driver run_pipeline = {
	prun_open, prun_start, prun_read, prun_finish, prun_stats,
	prun_findings, prun_failing, prun_summary, prun_coverage, prun_free
};
