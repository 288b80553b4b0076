/*
 * sink.h - what a classifier emits, and to whom.
 *
 * The engine writes nothing itself: it hands records to a struct
 * engine_sink.  In `-r` the sink is the collector (collector.h) called
 * directly; in the daemon it is a queue to the store thread, which feeds
 * the collector.  Every callback may be NULL (nothing reads that kind of
 * record, so it is not built).  Flows and findings are binary (record.h):
 * a writer makes their text (record-text.h).  Records and strings passed
 * to a callback are valid only during the call.
 */
#ifndef CONFORMD_SINK_H
#define CONFORMD_SINK_H

#include <stdint.h>
#include "conformd/record.h"

struct engine_sink {
	void	*arg;
	/* a flow left the table (binary: the writers make its text) */
	void	(*flow)(void *arg, const struct rec_flow *r);
	/* a finding was raised (likewise) */
	void	(*finding)(void *arg, const struct rec_finding *f);
	/* coverage rows, written once per (host, rule) at the end of a window */
	void	(*coverage)(void *arg, const char *host, const char *rule_id,
		    const char *state, uint64_t flows, uint64_t bytes,
		    uint64_t first_usec, uint64_t last_usec, const char *evidence);
	/* a named counter of the run */
	void	(*counter)(void *arg, const char *name, uint64_t value);
	/* traffic to or from inventory host `host` ended (any verdict) */
	void	(*observe)(void *arg, int host);
	/* an expected flow allowed by rule `rule` ended: it proved the rule
	 * open for `host` (ok), or failed (evidence says how) */
	void	(*cover)(void *arg, int host, int rule, int ok, uint64_t bytes,
		    uint64_t first_usec, uint64_t last_usec, const char *evidence);
};

#endif /* CONFORMD_SINK_H */
