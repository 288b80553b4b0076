/*
 * daemon.h - a run through the pipeline: capture files (-r) or live
 * sources (-i, --nflog), with signals, reload, privilege drop and systemd
 * notification.
 */
#ifndef CONFORMD_DAEMON_H
#define CONFORMD_DAEMON_H

#include <stdint.h>
#include "conformd/load.h"
#include "conformd/sink.h"

#define DAEMON_MAX_SOURCES	32

struct daemon_opts {
	const char	*cfgpath;		/* re-read on SIGHUP */
	const char	*files[DAEMON_MAX_SOURCES];
	int		 nfiles;
	const char	*ifaces[DAEMON_MAX_SOURCES];
	int		 nifaces;
	int		 groups[DAEMON_MAX_SOURCES];	/* NFLOG groups */
	int		 ngroups;
	const char	*db, *eve;		/* override the configuration's */
	const char	*user;			/* drop to this user; NULL: live "conformd", files: stay */
	const char	*filter;		/* BPF: -i in the kernel; -r, --nflog in the capture threads */
	int		 workers;
	uint32_t	 snaplen;
	uint32_t	 bufsize;		/* kernel buffer, bytes; 0: default */
	uint32_t	 ring_slots;
	int		 coverage;		/* print the coverage matrix at the end: an
						   enum covmatrix_format, 0 none */
	int		 quiet;
	/* discovery (discover.h): every record goes to `sink` instead of the
	 * outputs, no reload, no summary; a live run stops after `run_sec`
	 * seconds (0: at SIGTERM or SIGINT only); the run does not free `l` */
	const struct engine_sink *sink;
	uint32_t	 run_sec;
};

/*
 * The exit status of a run that ended with `status` so far (0, or 2 after
 * an error), raised `findings` of which `failing` are at or above
 * fail-on: 1 when some are failing, except that a run stopped by SIGTERM
 * or SIGINT (`sig`, 0: none) exits 0, as systemd expects of a service it
 * stops (logged with the count of findings when it applies).  An error
 * (2) stays.  Any thread.
 */
int daemon_exit_status(int status, uint64_t failing, uint64_t findings, int sig);

/*
 * Run until the files end or SIGTERM/SIGINT.  `l` is the configuration
 * already loaded and checked; the run takes it over (frees it), unless
 * o->sink is set.  Returns the exit status: 0 no finding (or stopped by a
 * signal), 1 findings,
 * 2 error.
 */
int daemon_run(const struct daemon_opts *o, struct loaded *l);

#endif /* CONFORMD_DAEMON_H */
