/*
 * engine.h - one packet in, verdicts and records out.
 *
 * The engine owns the flow table and drives the classifier: it decodes
 * nothing itself (decode.h does), looks the packet's flow up, judges new
 * flows against the policy (the verdict is cached on the flow: later
 * packets cost one lookup and counter updates), and when a flow ends turns
 * it into a record for the outputs and the coverage table.  Port scans
 * are detected here too (scan.h): a scan's probes fold into one `scan`
 * finding.  One owner thread.
 */
#ifndef CONFORMD_ENGINE_H
#define CONFORMD_ENGINE_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/capture.h"
#include "conformd/config.h"
#include "conformd/flow.h"
#include "conformd/sink.h"
#include "conformd/packet.h"
#include "conformd/policy.h"
#include "conformd/record.h"

/* Packet accounting, one counter per fact. */
struct engine_counters {
	uint64_t	packets;	/* handed to the engine */
	uint64_t	bytes;		/* wire bytes */
	uint64_t	ipv4, ipv6, tcp, udp, icmp, other_ip;
	uint64_t	non_ip;		/* not IP: counted, not tracked */
	uint64_t	malformed;	/* DECODE_TRUNCATED or DECODE_INVALID */
	uint64_t	unsupported;	/* link type not decoded */
	uint64_t	events[40];	/* per enum decode_event (DEV_MAX <= 40) */
	uint64_t	decap[8];	/* tunnel layers removed, per enum pkt_tunnel (PKT_TUN_MAX <= 8) */
	uint64_t	flows_by_verdict[4];	/* per enum verdict, at flow end */
	uint64_t	findings[FINDING_KINDS];	/* per enum finding_kind */
	/* scan detection (scan.h): scans reported, probes folded into them,
	 * source entries reused, held findings decided early for room,
	 * sources past the threshold with no scan slot free */
	uint64_t	scans, scan_probes, scan_sources_evicted, scan_holds_forced;
	uint64_t	scan_untracked;
};

struct engine;

/*
 * Create an engine.  `cfg` and `pol` must outlive it; records go to `sink`
 * (copied; NULL or callbacks left NULL: not built at all).  Returns NULL
 * when out of memory (the flow pool is allocated here).
 */
struct engine *engine_new(const struct config *cfg, const struct policy *pol,
    const struct engine_sink *sink);

/* Free the engine (does not flush: call engine_finish() first). */
void engine_free(struct engine *e);

/*
 * Process one captured frame: decode, account, track, classify.  `num` is
 * the packet's number in its source, used in messages.  Never allocates.
 */
void engine_frame(struct engine *e, int linktype, const uint8_t *buf,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_usec, uint64_t num);

/*
 * Process frames v[0..n) in order, with exactly the results of calling
 * engine_frame() on each (v[i].source is ignored), but faster: packets
 * of the common shapes on established flows take the fast path
 * (decode-fast.h), whose lookups are batched and prefetched.  Never
 * allocates.
 */
void engine_frames(struct engine *e, const struct capture_pkt *v, size_t n);

/*
 * engine_frames() over n packets in ring slots (struct ring_pkt, ring.h)
 * laid out `stride` bytes apart, read in place.  A slot whose packet the
 * capture thread has run decode_fast() on (`decoded`) is not decoded
 * again.  Never allocates.  The owner thread (a pipeline worker).
 */
struct ring_pkt;
void engine_slots(struct engine *e, const struct ring_pkt *s, size_t stride, size_t n);

/* Flush every flow (deciding what was blocked, and what the held
 * findings become), report the scans in progress, and write the packet
 * and flow counters.  Call once at the end of the observation window;
 * missing ports are the collector's to decide (collector.h). */
void engine_finish(struct engine *e);

/*
 * Judge new flows by `pol` (generation `gen`, increasing) from now on.
 * Flows already in the table keep their verdict and rule, and their
 * records still cite the rule of the policy that judged them, however
 * many reloads they live through: the engine remembers every policy a
 * flow in its table was judged by, and the caller keeps those alive
 * (engine_min_gen()).  Returns 0, or -1 when out of memory (the policy
 * is not applied).  The owner thread only.
 */
int engine_set_policy(struct engine *e, const struct policy *pol, uint32_t gen);

/*
 * The oldest generation this engine still needs: that of its oldest
 * flow's policy, or the current one.  Every record it emits from now on
 * cites a policy of this generation or a later one; the records it has
 * emitted may cite older ones.  The owner thread only.
 */
uint32_t engine_min_gen(const struct engine *e);

/*
 * The generations this engine stopped needing since the last call (their
 * last flow left the table, or a newer policy came): at most max of them
 * into gens, oldest first; how many.  Every record it emitted citing one
 * of them was emitted before this call; no later record will.  The owner
 * thread only.
 */
int engine_released(struct engine *e, uint32_t *gens, int max);

/*
 * Live mode: time passes without packets.  Expire flows idle past their
 * timeout at `now_usec` (wall clock; capture timestamps are wall clock
 * too), deciding unanswered attempts.  The owner thread only.
 */
void engine_tick(struct engine *e, uint64_t now_usec);

/* Allocate the whole flow table now (flow_table_prefault()): the live
 * daemon calls it before capturing.  Owner thread. */
void engine_prefault(struct engine *e);

/* Number this engine's flows first, first + step, ... (one engine per
 * worker: first = worker + 1, step = workers).  Before the first packet. */
void engine_set_flow_ids(struct engine *e, uint64_t first, uint64_t step);

/* The latest capture time seen (microseconds), 0 before the first packet. */
uint64_t engine_now(const struct engine *e);

/* Add every counter of c to sum (to aggregate several engines). */
void engine_counters_add(struct engine_counters *sum, const struct engine_counters *c);

/* The engine's flow table counters. */
const struct flow_stats *engine_flow_stats(const struct engine *e);

/* Write packet, decode and flow counters (c and fs) through sink->counter. */
void engine_write_counters(const struct engine_counters *c, const struct flow_stats *fs,
    const struct engine_sink *sink);

/* Counters so far. */
const struct engine_counters *engine_counters(const struct engine *e);

/* Findings this engine raised (unexpected, blocked, protocol mismatch, scan). */
uint64_t engine_findings(const struct engine *e);

/* The summary printed at the end of -r: packets and flows; and the most
 * active unexpected flows. */
void engine_summary(const struct engine *e, FILE *out);
void engine_summary_top(const struct engine *e, FILE *out);

#endif /* CONFORMD_ENGINE_H */
