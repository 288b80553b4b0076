/*
 * run-int.h - between the run lifecycle (run.c) and its two drivers
 * (run-inline.c, run-pipeline.c).  Private to those three files.
 *
 * run.c takes every step that is the same whatever reads the packets; a
 * driver does the reading, in the thread that calls it: open its sources
 * (as root), start classifying into the outputs, read until the sources
 * end or a signal, then finish (every flow flushed, the coverage window
 * judged, the run's counters written to the outputs, every thread it
 * started joined).  After finish() the outputs are the calling thread's
 * again.
 */
#ifndef CONFORMD_RUN_INT_H
#define CONFORMD_RUN_INT_H

#include <stdio.h>
#include "conformd/filter.h"
#include "conformd/output.h"
#include "conformd/policy.h"
#include "conformd/run.h"

struct run {
	const struct run_opts	*o;
	struct loaded		*l;		/* the run's configuration */
	struct policy		*pol;		/* compiled from l: the driver owns it once open */
	struct pkt_filter	*pf;		/* files and NFLOG groups: applied in userspace; NULL: none */
	int			 live;		/* -i or --nflog */
	int			 status;	/* RUN_EXIT_CLEAN, or RUN_EXIT_ERROR once something failed */
	int			 drops;		/* privileges are dropped once the sources are open */
	char			 srcs[4096];	/* the sources, as the runs table names them */
	void			*drv;		/* the driver's state */
};

struct run_driver {
	/* Open the sources, before privileges go.  0 (an unusable file is
	 * said and r->status set: the others still run), or -1 when the run
	 * cannot go on (said). */
	int	(*open)(struct run *r);
	/* Start classifying, the records going to `out`.  0, or -1 (said). */
	int	(*start)(struct run *r, struct output *out);
	/* Read until every source ends or SIGTERM/SIGINT; errors set
	 * r->status (said). */
	void	(*read)(struct run *r);
	/* Flush, judge, write the counters; join every thread.  Also
	 * after a failed start. */
	void	(*finish)(struct run *r);
	/* The run's counters (after finish()). */
	void	(*stats)(struct run *r, struct pipeline_stats *st);
	uint64_t (*findings)(struct run *r);
	uint64_t (*failing)(struct run *r);
	/* The driver's part of the summary (packets, flows, findings,
	 * coverage, the top unexpected flows). */
	void	(*summary)(struct run *r, FILE *out);
	void	(*coverage)(struct run *r, int format, FILE *out);
	/* Free everything the driver made, and r->pol when it is still
	 * set; called once, whatever step the run reached (r->drv may be
	 * NULL). */
	void	(*free)(struct run *r);
};

extern const struct run_driver run_inline;
extern const struct run_driver run_pipeline;

#endif /* CONFORMD_RUN_INT_H */
