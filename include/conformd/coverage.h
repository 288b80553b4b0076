/*
 * coverage.h - which required ports of which hosts were proven open.
 *
 * For every inventory host and every rule of its roles, coverage counts the
 * expected flows that proved the rule open (seen) and those that failed
 * (blocked, with the evidence).  At the end of the observation window
 * each pair gets a state: seen, blocked, missing, optional-unseen, or
 * unobserved when the sensor saw no traffic at all for the host.  One
 * owner thread.
 */
#ifndef CONFORMD_COVERAGE_H
#define CONFORMD_COVERAGE_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/output.h"
#include "conformd/policy.h"

enum cov_state {
	COV_NONE = 0,		/* the rule does not apply to the host */
	COV_SEEN,		/* a successful flow proved it open */
	COV_BLOCKED,		/* only failed attempts */
	COV_MISSING,		/* required, never seen */
	COV_OPTIONAL,		/* optional, never seen */
	COV_UNOBSERVED,		/* no traffic at all to or from the host */
	COV_NA			/* not required here: a feature the site does not
				   deploy, or a rule the site disabled */
};
#define COV_NSTATES	(COV_NA + 1)

struct coverage_totals {
	uint64_t	pairs;			/* (host, rule) pairs judged */
	uint64_t	state[COV_NSTATES];	/* pairs per enum cov_state */
	uint64_t	hosts_unobserved;
};

struct coverage;

/* A matrix for every inventory host and rule of the policy; NULL when out of memory. */
struct coverage *coverage_new(const struct policy *pol);
void coverage_free(struct coverage *cov);

/* Traffic to or from inventory host h was seen (any verdict). */
void coverage_observe(struct coverage *cov, int h);

/*
 * An expected flow allowed by `rule` ended; h is the host the rule is
 * about (the listener for `in` rules, the connecting side for `out`
 * rules).  ok: it proved the rule open; otherwise it failed and
 * `evidence` says how (kept for the first failure).
 */
void coverage_flow(struct coverage *cov, int h, int rule, int ok, uint64_t bytes,
    uint64_t first_usec, uint64_t last_usec, const char *evidence);

/*
 * The indices of one policy's hosts and rules in another's, matched by
 * host name and rule id (-1: not there): how a coverage window goes on
 * through a reload (coverage_carry()).
 */
struct coverage_map;

/* The map from policy `from` to policy `to` (both must outlive the call
 * only).  NULL when out of memory. */
struct coverage_map *coverage_map_new(const struct policy *from, const struct policy *to);

/* `ab` (from a to b) becomes a map from a to c, through `bc` (from b to c). */
void coverage_map_chain(struct coverage_map *ab, const struct coverage_map *bc);

/* Host h, rule r of the map's `from` policy in its `to` policy; -1 when
 * gone (or out of range). */
int coverage_map_host(const struct coverage_map *m, int h);
int coverage_map_rule(const struct coverage_map *m, int r);

void coverage_map_free(struct coverage_map *m);

/*
 * A reload in the middle of a window: `to` (new, of the new policy, no
 * traffic yet) takes over what `from` (the window so far, of the old
 * policy) has seen, through `map` (from -> to), so that the window goes
 * on and is judged at its natural end.  A (host, rule) pair that `from`
 * did not watch (its host or rule came with the reload, or the rule
 * applies to the host only under the new policy) joined the window late:
 * coverage_finish() judges it only when traffic proved or failed it, and
 * otherwise neither reports it missing nor writes its row; a host that
 * came with the reload is never unobserved in this window.  Pairs that
 * joined `from` late stay so.
 */
void coverage_carry(struct coverage *to, const struct coverage *from,
    const struct coverage_map *map);

/*
 * Decide every pair, write one coverage row per applicable pair to the
 * sink, and call `missing` for each required pair never seen and once
 * (with rule -1, `also` NULL) for each unobserved host.  Rules with the
 * same requirement (policy_rule_same()) missing on one host make one call,
 * for the first of them, with the ids of the others in `also` ("T1R38"),
 * else NULL.  With `sensor_blind` set (the sensor saw no traffic at all)
 * nothing is reported missing: every pair is unobserved.  Call once.
 */
void coverage_finish(struct coverage *cov, const struct engine_sink *sink, int sensor_blind,
    void (*missing)(void *arg, int h, int rule, const char *also), void *arg,
    struct coverage_totals *t);

/* What coverage knows of one (host, rule) pair. */
struct coverage_cell {
	int		 state;		/* enum cov_state; COV_NONE: the rule does not apply */
	uint64_t	 flows, failed, bytes;
	uint64_t	 first_usec, last_usec;	/* capture times; 0 when no flow */
	const char	*evidence;	/* of the first failure, NULL when none; the
					   coverage's own, valid while it lives */
};

/*
 * The cell of inventory host h and rule r (indices of the policy's
 * inventory and ruleset), decided by coverage_finish().  0, or -1 when h
 * or r is out of range.  The printed matrix is coverage-matrix.c's
 * (coverage-matrix.h).
 */
int coverage_cell(const struct coverage *cov, int h, int r, struct coverage_cell *out);

/* "seen", "blocked", "missing", "optional-unseen", "unobserved", "not-applicable" */
const char *cov_state_name(int s);

#endif /* CONFORMD_COVERAGE_H */
