/*
 * daemon.h - a run through the pipeline: capture files (-r) or live
 * sources (-i, --nflog), with signals, reload, privilege drop and systemd
 * notification.
 */
#ifndef CONFORMD_DAEMON_H
#define CONFORMD_DAEMON_H

#include <stdint.h>
#include "conformd/load.h"

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
};

/*
 * Run until the files end or SIGTERM/SIGINT.  `l` is the configuration
 * already loaded and checked; the run takes it over (frees it).  Returns
 * the exit status: 0 no finding, 1 findings, 2 error.
 */
int daemon_run(const struct daemon_opts *o, struct loaded *l);

#endif /* CONFORMD_DAEMON_H */
