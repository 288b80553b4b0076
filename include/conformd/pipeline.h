/*
 * pipeline.h - capture threads, classifier workers and the store thread.
 *
 *   capture thread (one per source)  --ring per (source, worker)-->
 *   worker thread (its own engine and flow table)  --record ring-->
 *   store thread (the collector and the outputs: SQLite, EVE, feeds)
 *
 * Packets are dispatched to workers by a symmetric hash of their two
 * addresses (an ICMP error by the addresses it quotes), so both directions
 * of a flow, its fragments and the errors about it reach the same worker,
 * which alone owns its part of the flow table.  No locks on the packet
 * path: every hand-over is a single-producer single-consumer ring.  A full
 * packet ring is a counted drop in live mode and back-pressure for files;
 * a full record ring is counted (store drops) in live mode and waited on
 * for files.  The owner (main) thread creates, starts, reloads and stops.
 */
#ifndef CONFORMD_PIPELINE_H
#define CONFORMD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/capture.h"
#include "conformd/config.h"
#include "conformd/policy.h"

#define PIPELINE_MAX_WORKERS	64
#define PIPELINE_MAX_SOURCES	32

struct pipeline_opts {
	int		 workers;	/* classifier threads, 1..PIPELINE_MAX_WORKERS */
	uint32_t	 ring_slots;	/* packet slots per (source, worker), a power of two */
	uint32_t	 record_slots;	/* record slots per worker, a power of two >= 64;
					 * 0: the default (65,536) */
	uint32_t	 snaplen;	/* bytes kept per packet */
	int		 files;		/* sources are files: wait instead of dropping */
	uint32_t	 window_sec;	/* live: coverage window, closed and judged this often (0: never) */
	uint32_t	 stats_sec;	/* live: counters to SQLite/EVE this often (0: never) */
	const char	*filter;	/* the expression the file and NFLOG captures apply
					 * (filter.h), for counters and the summary; NULL: none */
};

/* Aggregated counters, from any thread (each field exact, the set not an
 * atomic snapshot). */
struct pipeline_stats {
	uint64_t	received;	/* handed over by the captures */
	uint64_t	filtered;	/* of those, rejected by the filter (files, nflog) */
	uint64_t	unfilterable;	/* of those, of a link type the filter does not apply to */
	uint64_t	kernel_recv;
	uint64_t	kernel_drops;	/* kernel buffer full (pcap ps_drop, nflog lost) */
	uint64_t	if_drops;	/* interface/driver (pcap ps_ifdrop) */
	uint64_t	overruns;	/* nflog ENOBUFS */
	uint64_t	ring_drops;	/* packet rings full */
	uint64_t	classified;	/* packets the workers processed */
	uint64_t	malformed;
	uint64_t	non_ip;
	uint64_t	flows;		/* flows created */
	uint64_t	flows_active;
	uint64_t	findings;	/* findings the collector passed on */
	uint64_t	store_drops;	/* records lost because a record ring was full */
	uint64_t	lost_database;	/* records the database did not take (the store thread
					   publishes it about once a second) */
	uint64_t	lost_eve;	/* EVE lines not written (likewise) */
	uint64_t	records_lost;	/* the three together */
	uint64_t	stale;		/* coverage records of a closed window (after a reload) */
	uint64_t	outages;
	uint64_t	outage_ms;
	uint64_t	reloads;
};

struct pipeline;
struct output;

/*
 * A pipeline judging by `pol` (generation 0).  cfg and pol must outlive
 * it.  NULL with a reason in err.
 */
struct pipeline *pipeline_new(const struct config *cfg, const struct policy *pol,
    const struct pipeline_opts *po, char *err, size_t errlen);

/*
 * Write through `out` (owned by the caller; only the store thread touches
 * it once started).  Creates the workers' engines.  Call after the
 * sources are added (outputs are opened after privileges are dropped) and
 * before pipeline_start().  0, or -1 with err set.
 */
int pipeline_set_output(struct pipeline *pl, struct output *out, char *err, size_t errlen);

/*
 * Instead of outputs, hand every record to `sink` (copied), from the store
 * thread (discovery: discover.h).  Everything else as
 * pipeline_set_output().  0, or -1 with err set.
 */
struct engine_sink;
int pipeline_set_sink(struct pipeline *pl, const struct engine_sink *sink, char *err,
    size_t errlen);

/* Ask the store thread to reopen the output files (logrotate). */
void pipeline_reopen(struct pipeline *pl);

/*
 * Add a source and open it now (call as root, before privileges are
 * dropped).  `name` names it in messages.  0, or -1 with err set.
 */
int pipeline_add_source(struct pipeline *pl, const struct capture_ops *ops,
    const struct capture_opts *o, const char *name, char *err, size_t errlen);

/* Start every thread.  0, or -1 with err set (nothing started then). */
int pipeline_start(struct pipeline *pl, char *err, size_t errlen);

/*
 * Swap in a new policy (already compiled; the caller keeps it alive until
 * pipeline_reap() hands it back, or pipeline_free()).  Workers pick it up
 * between packets; flow state is kept, and a flow's records cite the rule
 * of the policy that judged it however many reloads it lives through.
 * The store thread closes the current coverage window under the old
 * policy, opens a new one, and adds the new policy's rules to the
 * database.  The owner thread.
 */
void pipeline_set_policy(struct pipeline *pl, const struct policy *pol);

/*
 * Hand back the policies nothing needs any more (pipeline-store.c: no
 * flow judged by one is left, the coverage window moved on, every record
 * citing one written): fn(arg, pol) for each, which may free it.  Never
 * the current one.  The owner thread, as often as it likes (a reload's rate
 * is enough); returns how many.
 */
int pipeline_reap(struct pipeline *pl, void (*fn)(void *, const struct policy *), void *arg);

/* Files: 1 when every source has ended and everything was classified and
 * stored.  Live: 0 until stopped. */
int pipeline_done(struct pipeline *pl);

/*
 * Stop: captures first (they drain what the kernel holds), then the
 * workers once their rings are empty (flushing their flows), then the
 * store thread once the record rings are empty (closing the coverage
 * window).  Returns 0, or -1 when a file source ended with an error;
 * then `err` holds its message ("file: packet N: ...").
 */
int pipeline_stop(struct pipeline *pl, char *err, size_t errlen);

/* Counters (any thread). */
void pipeline_stats(struct pipeline *pl, struct pipeline_stats *st);

/* Findings raised in the run (after pipeline_stop()). */
uint64_t pipeline_findings(const struct pipeline *pl);

/* Of those, the findings at or above the configuration's `fail-on`: what
 * makes the exit status 1.  Any thread. */
uint64_t pipeline_failing(const struct pipeline *pl);

/* The summary and coverage matrix of the last window (after pipeline_stop()). */
void pipeline_summary(struct pipeline *pl, FILE *out);
void pipeline_coverage_print(struct pipeline *pl, int format, FILE *out);

/* Free everything (after pipeline_stop(), or if never started). */
void pipeline_free(struct pipeline *pl);

#endif /* CONFORMD_PIPELINE_H */
