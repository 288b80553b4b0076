/*
 * discover.h - the evidence `conformd --discover` collects, per host and
 * per pair of hosts, from the engine's flow records.
 *
 * Discovery runs the ordinary pipeline (capture, decode, flow table) with
 * an empty inventory and this module as the only sink: each flow that
 * ends is folded into a table of hosts (what each was seen to accept,
 * whom from, when) and a table of edges (initiator, responder, protocol,
 * port), both capped, so memory is bounded whatever the capture holds.
 * A host accepts a port when it answered: a SYN-ACK (or, for a flow
 * picked up mid-stream, packets both ways), or a UDP answer; a SYN or a
 * datagram left unanswered is an attempt, never evidence of a role.
 * Inference (discover-infer.h) reads the tables once the run is over.
 *
 * One owner thread: the store thread of a live run, the reading thread of
 * -r; nothing here locks.
 */
#ifndef CONFORMD_DISCOVER_H
#define CONFORMD_DISCOVER_H

#include <stdint.h>
#include "conformd/record.h"
#include "conformd/rules.h"
#include "conformd/sink.h"

#define DSC_HOSTS_DEFAULT	65536u	/* --discover-hosts */
#define DSC_EDGES_PER_HOST	16u	/* the edge table holds 16 per host slot */
#define DSC_HOST_PORTS		64	/* exact ports kept per host */
#define DSC_NARROW_MAX		256	/* a rule range this wide or narrower names its ports */
#define DSC_SKETCH_WORDS	8	/* 256-bit sketch of a host's initiators */
#define DSC_NONE		UINT32_MAX

/* Protocol indices of the per-protocol arrays. */
#define DSC_TCP	0
#define DSC_UDP	1

/* dsc_port.flags, dsc_edge.flags */
#define DSC_F_MIDSTREAM	0x01	/* every accepted flow was picked up mid-stream */

/* One port a host accepted: a port below 1024, or one that a narrow rule
 * of the loaded packs names ("exact"). */
struct dsc_port {
	uint16_t	 port;
	uint8_t		 proto;		/* DSC_TCP, DSC_UDP */
	uint8_t		 flags;		/* DSC_F_* */
	uint32_t	 flows;		/* accepted flows */
	uint32_t	 midstream;	/* of those, picked up mid-stream */
	uint32_t	 first_sec, last_sec;	/* capture time, seconds */
};

/* The other ports a host accepted (1024 and up, named by no narrow rule:
 * media, dynamic RPC, anything unlisted), summarised per protocol. */
struct dsc_high {
	uint32_t	 flows;
	uint16_t	 lo, hi;	/* lowest and highest such port, when flows > 0 */
};

struct dsc_host {
	uint8_t		 addr[16];	/* v4-mapped for IPv4 */
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 pad[3];
	uint32_t	 next;		/* hash chain (internal) */
	uint64_t	 first_usec, last_usec;	/* any flow to or from it */
	uint32_t	 acc_flows;	/* flows it accepted */
	uint32_t	 ini_flows;	/* accepted flows it initiated */
	uint32_t	 att_in;	/* attempts to it left unanswered */
	uint32_t	 att_out;	/* its own attempts left unanswered */
	uint32_t	 sketch[DSC_SKETCH_WORDS];	/* initiators of the flows it accepted */
	struct dsc_port	*ports;		/* sorted by (proto, port) */
	uint16_t	 nports, cap;
	uint32_t	 ports_dropped;	/* accepted flows on an exact port past DSC_HOST_PORTS */
	struct dsc_high	 high[2];	/* per DSC_TCP, DSC_UDP */
};

/* An accepted or attempted conversation between two hosts on one port. */
struct dsc_edge {
	uint32_t	 ini, resp;	/* host indices */
	uint16_t	 port;		/* the responder's exact port, 0: a high port */
	uint8_t		 proto;		/* DSC_TCP, DSC_UDP */
	uint8_t		 flags;		/* DSC_F_* */
	uint32_t	 flows;		/* accepted */
	uint32_t	 attempts;	/* unanswered */
	uint32_t	 first_sec, last_sec;
	uint32_t	 next;		/* hash chain (internal) */
};

/* What the run saw and what did not fit. */
struct dsc_counters {
	uint64_t	 flows;		/* flow records read */
	uint64_t	 other;		/* of those, neither TCP nor UDP (not evidence) */
	uint64_t	 accepted;	/* TCP/UDP flows a responder accepted */
	uint64_t	 midstream;	/* of those, picked up mid-stream */
	uint64_t	 attempts;	/* TCP/UDP flows nobody answered */
	uint64_t	 hosts_dropped;	/* flows whose host found no free slot (the table was full) */
	uint64_t	 attempts_unrecorded;	/* attempts to unknown hosts once the table was 3/4 full */
	uint64_t	 edges_dropped;	/* accepted or attempted pairs past the edge table's cap */
	uint64_t	 ports_dropped;	/* accepted flows on exact ports past DSC_HOST_PORTS */
	/* from the run's counters (sink counter callback) */
	uint64_t	 packets;
	uint64_t	 flows_evicted;	/* flows the flow table pushed out (max-flows) */
	uint64_t	 capture_drops;	/* kernel, interface and ring drops, live */
	uint64_t	 records_lost;	/* flow records a full record ring lost, live */
};

struct discover {
	const struct ruleset *rs;
	uint8_t		 named[2][8192];	/* per protocol, a bit per port a narrow rule names */
	struct dsc_host	*hosts;
	uint32_t	 nhosts, max_hosts, hosts_alloc;
	uint32_t	*hidx;			/* chain heads, hmask + 1 of them */
	uint32_t	 hmask;
	struct dsc_edge	*edges;
	uint32_t	 nedges, max_edges, edges_alloc;
	uint32_t	*eidx;
	uint32_t	 emask;
	uint64_t	 seed;			/* keyed hash of addresses */
	uint64_t	 first_usec, last_usec;	/* of the flows read */
	struct dsc_counters c;
};

/*
 * A new evidence table for the packs of `rs` (which must outlive it), at
 * most max_hosts hosts (0: DSC_HOSTS_DEFAULT) and DSC_EDGES_PER_HOST times
 * as many edges.  NULL when out of memory.
 */
struct discover *discover_new(const struct ruleset *rs, uint32_t max_hosts);

/* Free it (NULL is a no-op). */
void discover_free(struct discover *d);

/* Fold one flow record into the tables.  The owner thread. */
void discover_flow(struct discover *d, const struct flow_record *r);

/* Fill `sink` so that an engine or a pipeline feeds d: flow records and the
 * run's counters, nothing else. */
void discover_sink(struct discover *d, struct engine_sink *sink);

/* The host with this address, or NULL. */
const struct dsc_host *discover_find(const struct discover *d, const uint8_t addr[16], int family);

/* The exact port record of host h, or NULL. */
const struct dsc_port *discover_port(const struct dsc_host *h, int proto, uint16_t port);

/* 1 when a narrow rule of the packs names `port` (exact ports are kept per port). */
int discover_named(const struct discover *d, int proto, uint16_t port);

/* An estimate of how many distinct initiators host h accepted flows from
 * (linear counting over its sketch). */
uint32_t discover_sketch_count(const struct dsc_host *h);

/* How many sketch bits two hosts share (their common initiators, roughly). */
uint32_t discover_sketch_common(const struct dsc_host *a, const struct dsc_host *b);

#endif /* CONFORMD_DISCOVER_H */
