/*
 * run.h - one run of conformd, from the loaded configuration to the exit
 * status: capture files (-r) or live sources (-i, --nflog).
 *
 * Every run takes the same steps, in this order (run.c): the filter, the
 * policy, the sources opened (as root), privileges dropped, the outputs
 * opened and the run begun in them, classification started, the sources
 * read until they end or SIGTERM/SIGINT, the flows flushed and the
 * coverage window judged, the exit status, the run ended in the outputs,
 * the summary and the coverage matrix.  Two drivers do the reading:
 *
 *   inline     -r with one classifier: the files are read and classified
 *              in the calling thread, the records go to the outputs'
 *              thread (run-inline.c);
 *   pipeline   live sources, several workers, or -r --pipeline: capture
 *              threads, rings, workers and the store thread
 *              (run-pipeline.c, pipeline.h), with what only a live run
 *              does (reload, SIGUSR1, systemd notification: daemon.h).
 *
 * Both give the same records, counters, summary and exit status for the
 * same files (tests/golden.sh runs every capture through each).
 */
#ifndef CONFORMD_RUN_H
#define CONFORMD_RUN_H

#include <stdint.h>
#include "conformd/load.h"
#include "conformd/pipeline.h"
#include "conformd/sink.h"

#define RUN_MAX_SOURCES	32

/* Exit statuses (conformd(8)). */
#define RUN_EXIT_CLEAN		0
#define RUN_EXIT_FINDINGS	1
#define RUN_EXIT_ERROR		2

/* What the command line asked for (main.c). */
struct run_opts {
	const char	*cfgpath;		/* re-read on SIGUSR2 */
	const char	*files[RUN_MAX_SOURCES];
	int		 nfiles;
	const char	*ifaces[RUN_MAX_SOURCES];
	int		 nifaces;
	int		 groups[RUN_MAX_SOURCES];	/* NFLOG groups */
	int		 ngroups;
	const char	*db, *eve;		/* override the configuration's */
	const char	*user;			/* drop to this user; NULL: live "conformd", files: stay */
	const char	*filter;		/* BPF: -i in the kernel; -r, --nflog in the capture threads */
	int		 workers;
	int		 pipeline;		/* -r through the pipeline even with one worker */
	uint32_t	 snaplen;
	uint32_t	 bufsize;		/* kernel buffer, bytes; 0: default */
	uint32_t	 ring_slots;
	uint32_t	 record_slots;		/* live: records a worker queues for the store */
	int		 coverage;		/* print the coverage matrix at the end: an
						   enum covmatrix_format, 0 none */
	int		 quiet;
	/* discovery (discover.h): every record goes to `sink` instead of the
	 * outputs (none is opened), no reload, no summary, no coverage; the
	 * pipeline driver whatever the sources; a live run stops after
	 * `run_sec` seconds (0: at SIGTERM or SIGINT only); the run does not
	 * free the configuration it is given */
	const struct engine_sink *sink;
	uint32_t	 run_sec;
};

/*
 * Run until the sources end or SIGTERM/SIGINT.  `l` is the configuration
 * already loaded and checked; the run takes it over (frees it).  Files
 * with one worker take the inline driver, everything else the pipeline.
 * Returns the exit status: 0 no finding (or stopped by a signal), 1
 * findings at or above fail-on, 2 error.  The main thread, once.
 */
int run_main(const struct run_opts *o, struct loaded *l);

/*
 * The exit status of a run that ended with `status` so far (0, or 2 after
 * an error), raised `findings` of which `failing` are at or above
 * fail-on: 1 when some are failing, except that a run stopped by SIGTERM
 * or SIGINT (`sig`, 0: none) exits 0, as systemd expects of a service it
 * stops (logged with the count of findings when it applies).  An error
 * (2) stays.  Any thread.
 */
int run_exit_status(int status, uint64_t failing, uint64_t findings, int sig);

/*
 * The run's signals, installed by run_main() before any source is opened
 * (handlers only set flags): SIGTERM and SIGINT stop reading (a second
 * one ends the process at once), SIGHUP (reopen the outputs), SIGUSR1
 * (log the counters) and SIGUSR2 (reload) are counted for the live loop
 * (daemon.h), SIGPIPE is ignored (a closed output is an outage,
 * counted).  These read the flags; any thread.
 */
int run_quit_signal(void);		/* SIGTERM or SIGINT, 0 while neither came */
unsigned run_hup_count(void);
unsigned run_usr1_count(void);
unsigned run_usr2_count(void);

/*
 * The run's counters by their names (table counters, conformd(8)), as
 * both drivers count them in *st: capture.*, store.stale_coverage,
 * reloads, findings.total, workers; capture.filtered and
 * capture.unfilterable only when `filter`.  Through o->counter (NULL:
 * nothing).  The thread that owns the outputs.
 */
void run_counters_write(const struct pipeline_stats *st, int filter, int workers,
    const struct engine_sink *o);

/*
 * A live stats event (EVE `stats`, table counters): the names and values
 * of *st, uptime (seconds) first, into names[] and v[] (RUN_STATS_MAX
 * entries each); how many.  Any thread.
 */
#define RUN_STATS_MAX	24
int run_stats_event(const struct pipeline_stats *st, uint64_t uptime, const char **names,
    uint64_t *v);

#endif /* CONFORMD_RUN_H */
