/*
 * scan.h - port scans, detected once in the classifier (scan-threshold).
 *
 * A source whose TCP connection attempts reach `threshold` distinct
 * (destination, port) within `window` seconds is scanning.  The attempts
 * that count are probes: a connection begun with a SYN that was
 * unexpected, or that failed (RST, no answer, ICMP unreachable), before
 * either side sent payload.  A scanning source's probes are folded into
 * its scan: they raise no finding of their own (no unexpected finding,
 * no "SYN answered by RST" on a Lync row) and prove nothing either way in
 * coverage.  The scan becomes one `scan` finding when it ends (no probe
 * for a whole window and no finding held), with the probes, the ports
 * probed, those that answered (SYN-ACK) and the hosts.
 *
 * So that a scan's first probes fold too, the engine holds a probe's
 * finding (scan_hold()) until its flow carries payload (then it is a
 * conversation: raised), ends, or answer-timeout after its first SYN
 * has passed (scan_due()): folded if its source is scanning by then,
 * raised otherwise, with the time and tunnel it would have had.
 *
 * Bounded, allocated once by scan_new(): SCAN_SOURCES source entries
 * (4-way sets, the least recently used one reused, counted), threshold
 * (destination, port) tuples each, SCAN_ACTIVE scans itemised at once
 * (a source crossing the threshold when all are in use is not declared
 * scanning: counted, its probes alerted one by one), SCAN_HOLDS held
 * findings (when full, the oldest is decided early: counted).  Sources
 * and destinations are found by a hash keyed with flow_hash_key (flow.h),
 * so traffic cannot aim at one set without knowing it.  One owner thread:
 * the engine's.
 */
#ifndef CONFORMD_SCAN_H
#define CONFORMD_SCAN_H

#include <stdint.h>
#include "conformd/flow.h"
#include "conformd/record.h"

#define SCAN_SOURCES	1024	/* source entries per engine */
#define SCAN_ACTIVE	32	/* scans itemised at once per engine */
#define SCAN_HOLDS	8192	/* findings held at once per engine */
#define SCAN_HOSTS	256	/* distinct hosts a scan counts exactly; beyond: "at least" */
#define SCAN_LIST_LEN	240	/* the text of the ports probed, cut with "..." */

struct scan;

/* What the detector counted (engine counters scan.*). */
struct scan_stats {
	uint64_t	scans;		/* scans reported */
	uint64_t	probes;		/* probes folded into them */
	uint64_t	sources_evicted;	/* source entries reused for another source */
	uint64_t	holds_forced;	/* held findings decided early: no room */
	uint64_t	untracked;	/* sources past the threshold with no scan slot free */
};

/* A held finding: when it would have been raised, and the tunnel of the
 * packet that raised it. */
struct scan_held {
	uint64_t		 ts_usec;
	struct rec_tunnel	 tunnel;
};

/* A scan as it ends: valid during the emit callback only. */
struct scan_report {
	struct rec_scan		 fig;
	const struct rec_flow	*rec;	/* its first folded probe, ports 0, no rule:
					   the scan's source and first destination;
					   its roles, hosts and policy are of the
					   policy then (a reload may have freed it):
					   look them up again by ... */
	const uint8_t		*src_addr, *dst_addr;	/* ... these (16 bytes each) */
	const char		*ports;		/* "1-1024,3389" (cut: "...") */
	const char		*answered;	/* "135,443", "" when none */
};

/* The engine's side of holds and reports. */
typedef void (*scan_release_fn)(void *arg, struct flow *f, const struct scan_held *h);
typedef void (*scan_emit_fn)(void *arg, const struct scan_report *r);
typedef void (*scan_record_fn)(void *arg, const struct flow *f, struct rec_flow *r);

/*
 * A detector for `threshold` probes (1 .. 1000) within `window` seconds.
 * NULL when threshold is 0 (off: the engine holds and folds nothing) or
 * when out of memory (*oom set).
 */
struct scan *scan_new(uint32_t threshold, uint32_t window, int *oom);
void scan_free(struct scan *s);

/*
 * Flow f (TCP, begun with the initiator's SYN) is a probe at `now`: its
 * (destination, port) counts toward its initiator's threshold.  Call once
 * per flow.  Returns 1 when the source is scanning (now or already).
 */
int scan_probe(struct scan *s, const struct flow *f, uint64_t now);

/* Is the initiator of f scanning? */
int scan_scanning(const struct scan *s, const struct flow *f);

/*
 * Hold f's finding until scan_unhold() or scan_due() (`due`: capture
 * time).  f->hold records where.  When the holds are full, the oldest is
 * decided first: release(arg, its flow, its held) (counted).
 */
void scan_hold(struct scan *s, struct flow *f, uint64_t due, const struct scan_held *h,
    scan_release_fn release, void *arg);

/* Take f's held finding back (its flow carries payload, or ends): 1 and
 * *h filled, or 0 when f holds nothing. */
int scan_unhold(struct scan *s, struct flow *f, struct scan_held *h);

/* Every hold due at `now`: release(arg, flow, held), oldest first. */
void scan_due(struct scan *s, uint64_t now, scan_release_fn release, void *arg);

/*
 * Fold probe f into its scanning source's scan (its port, whether it was
 * answered, its destination).  The scan's first probe is described by
 * record(arg, f, rec), once.  Nothing when the source is not scanning.
 */
void scan_fold(struct scan *s, const struct flow *f, scan_record_fn record, void *arg);

/*
 * Report the scans that are over at `now` (no probe for a window and
 * nothing held, or going on for SCAN_LONG windows: then reported and
 * counted afresh), or every scan when `all`: emit(arg, report) each.
 */
void scan_end(struct scan *s, uint64_t now, int all, scan_emit_fn emit, void *arg);

const struct scan_stats *scan_stats(const struct scan *s);

#endif /* CONFORMD_SCAN_H */
