/*
 * collector.h - the end of the classifier pipeline: counts findings,
 * keeps the coverage matrix, decides what is missing, and passes every
 * record on to the outputs.
 *
 * There is one collector per run, whatever the number of classifier
 * threads: coverage must see every flow to know what was never seen.  In
 * `-r` the engine's sink is the collector's; in the daemon the store
 * thread feeds it from the workers' queues.  One owner thread.
 */
#ifndef CONFORMD_COLLECTOR_H
#define CONFORMD_COLLECTOR_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/config.h"
#include "conformd/coverage.h"
#include "conformd/policy.h"
#include "conformd/sink.h"

struct collector;

/*
 * A collector judging coverage against `pol` and passing records to
 * `out` (the outputs' sink, copied; may have no callbacks).  cfg and pol
 * must outlive it.  NULL when out of memory.
 */
struct collector *collector_new(const struct config *cfg, const struct policy *pol,
    const struct engine_sink *out);
void collector_free(struct collector *c);

/* Fill `sink` so that an engine writes into the collector. */
void collector_sink(struct collector *c, struct engine_sink *sink);

/*
 * End of the observation window: decide every (host, rule) pair, raise
 * `missing` findings (or one per unobserved host; none at all when
 * `sensor_blind`: the sensor saw no IP traffic), write coverage rows and
 * the coverage and findings counters.  `end_usec`: the end of the window
 * (capture time), when missing findings are raised.  Call once.
 */
void collector_finish(struct collector *c, int sensor_blind, uint64_t end_usec);

/*
 * Coverage messages (observations, covers) lost in this window before
 * they reached the collector (live, the store thread behind): the
 * `missing` findings then say so in their evidence, since a pair or host
 * reported missing may have been seen.  Before collector_finish().
 */
void collector_set_lost(struct collector *c, uint64_t lost);

/* Findings passed on so far, all kinds: occurrences (conformd(8), FINDINGS),
 * those of the windows carried in by collector_carry() included. */
uint64_t collector_findings(const struct collector *c);

/* Of those, the findings whose severity is at or above the configuration's
 * `fail-on` (severity 1 .. fail_on): what makes the exit status 1. */
uint64_t collector_failing(const struct collector *c);

/*
 * A new window's collector `c` goes on counting where `prev` (the window
 * just closed) stopped, so that its counts, counters and summary are the
 * run's, not the window's.  Before c's first finding.
 */
void collector_carry(struct collector *c, const struct collector *prev);

/*
 * A reload in the middle of a window: `c`, new, of the new policy, takes
 * over the window `prev` has seen so far (coverage_carry() through `map`,
 * from prev's policy to c's) and its counts (collector_carry()), so that
 * the window is judged once, at its natural end, by the new policy.
 * Before c's first record.
 */
void collector_carry_window(struct collector *c, const struct collector *prev,
    const struct coverage_map *map);

/* The policy c judges coverage against. */
const struct policy *collector_policy(const struct collector *c);

/* Summary lines (findings by kind, coverage totals), after collector_finish(). */
void collector_summary(const struct collector *c, FILE *out);

/* The coverage matrix in `format` (enum covmatrix_format), wrapped to
 * out's width (coverage-matrix.h), after collector_finish(). */
void collector_coverage_print(const struct collector *c, int format, FILE *out);

#endif /* CONFORMD_COLLECTOR_H */
