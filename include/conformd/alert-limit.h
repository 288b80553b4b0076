/*
 * alert-limit.h - volume control of the alert feeds: deduplication, scan
 * summaries, token-bucket rate limits.
 *
 * Only the alert feeds are limited: SQLite and the EVE file record every
 * finding.  Every decision is counted, so that the feeds' counters add up:
 *   findings = passed + suppressed + scan_folded + rate_limited_source
 *              + rate_limited_global
 * and the feeds get passed + scan_summaries alerts.
 *
 * Time is capture time (the findings' ts_usec, never going back), so a
 * capture read with -r is limited as it was when it happened, and the
 * result does not depend on the machine's speed.  Memory is bounded: the
 * dedupe table and the per-source table are fixed-size and evict the
 * least recently used entry.  One owner thread.
 */
#ifndef CONFORMD_ALERT_LIMIT_H
#define CONFORMD_ALERT_LIMIT_H

#include <stdint.h>
#include "conformd/config.h"
#include "conformd/record.h"

#define ALIM_MAX_KEYS		65536	/* dedupe entries (kind, src, dst, port, proto, host, rule) */
#define ALIM_MAX_SOURCES	4096	/* per-source buckets and scan state */

enum alim_decision {
	ALIM_PASS = 1,		/* send it (with `count` repeats not sent before it) */
	ALIM_SUPPRESSED,	/* a repeat within the suppression interval */
	ALIM_SCAN,		/* this finding completes a scan: send the summary instead */
	ALIM_FOLDED,		/* part of a scan already summarised */
	ALIM_RATE_SOURCE,	/* over the source's rate */
	ALIM_RATE_GLOBAL	/* over the global rate */
};

struct alim_result {
	int		 decision;	/* enum alim_decision */
	uint64_t	 count;		/* PASS: repeats of this key not sent since its last alert */
	/* SCAN: the summary's figures */
	uint64_t	 scan_findings;	/* distinct unexpected findings in the window */
	uint64_t	 scan_hosts;	/* distinct destinations among them (estimate) */
	uint64_t	 scan_ports;	/* distinct destination ports (estimate) */
};

struct alim_stats {
	uint64_t	 findings;	/* checked */
	uint64_t	 passed;
	uint64_t	 suppressed;
	uint64_t	 scan_summaries;
	uint64_t	 scan_folded;	/* findings summarised instead of sent */
	uint64_t	 rate_limited_source;
	uint64_t	 rate_limited_global;
	uint64_t	 keys_evicted;	/* dedupe entries dropped for room */
	uint64_t	 sources_evicted;
};

struct alert_limit;

/* Limits from cfg (suppress, rate-limit, scan-threshold: copied, cfg may
 * go away).  NULL when out of memory. */
struct alert_limit *alert_limit_new(const struct config *cfg);

void alert_limit_free(struct alert_limit *l);

/* Decide what happens to finding f (see enum alim_decision). */
void alert_limit_check(struct alert_limit *l, const struct finding *f, struct alim_result *res);

const struct alim_stats *alert_limit_stats(const struct alert_limit *l);

#endif /* CONFORMD_ALERT_LIMIT_H */
