/*
 * collector-int.h - the collector's state, shared by collector.c (the
 * sink and the tallies), collector-missing.c (the window's end: what was
 * never seen) and collector-print.c (the summary and the matrix printed).
 * Private to those three files.
 */
#ifndef CONFORMD_COLLECTOR_INT_H
#define CONFORMD_COLLECTOR_INT_H

#include <stdint.h>
#include "conformd/collector.h"
#include "conformd/coverage.h"
#include "conformd/record.h"
#include "conformd/sink.h"

struct collector {
	const struct config	*cfg;
	const struct policy	*pol;
	const struct ruleset	*rs;
	const struct inventory	*inv;
	struct engine_sink	 out;
	struct coverage		*cov;
	struct coverage_totals	 totals;
	int			 finished;
	int			 sensor_blind;
	uint64_t		 end_usec;
	uint64_t		 lost;		/* coverage messages lost (collector_set_lost()) */
	uint64_t		 findings[FINDING_KINDS];	/* per enum finding_kind */
	uint64_t		 failing;	/* findings at or above `fail-on` */
	int			*host_entry;	/* per host: its first one-address entry, -1: none
						 * (collector-missing.c); NULL until needed */
};

/*
 * The sink's finding callback (collector_sink()), also how the window's
 * end raises its `missing` findings: counts `f` by kind and, when its
 * severity is at or above `fail-on`, as failing, then passes it on to the
 * outputs.  arg: the collector.  Its owner thread.
 */
void collector_finding(void *arg, const struct rec_finding *f);

#endif /* CONFORMD_COLLECTOR_INT_H */
