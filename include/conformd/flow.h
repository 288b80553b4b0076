/*
 * flow.h - the flow table: symmetric 5-tuple (+ VLAN) to per-flow state.
 *
 * Both directions of a conversation land on one struct flow: the key
 * stores the two endpoints in a canonical order (lower address/port
 * first), and `dir` tells which endpoint sent a given packet.  Flows live
 * in a preallocated pool (no allocation per packet or per flow); an
 * open-addressing index of 32-bit slots finds them.  Idle flows expire per
 * protocol and state; when the pool is full the oldest idle flow is
 * evicted.  Every flow that leaves the table (expired, evicted, flushed)
 * is handed to the owner's callback first.  A table has one owner thread;
 * it takes no locks.
 */
#ifndef CONFORMD_FLOW_H
#define CONFORMD_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "conformd/packet.h"

/* conn_state, in the spirit of Zeek's conn_state */
enum conn_state {
	CONN_NEW = 0,		/* UDP/other: one direction seen so far */
	CONN_ATTEMPTED,		/* TCP: SYN seen, no SYN-ACK (Zeek S0) */
	CONN_REJECTED,		/* TCP: SYN answered by RST (Zeek REJ) */
	CONN_ESTABLISHED,	/* TCP: handshake done; UDP/other: both directions seen */
	CONN_CLOSED,		/* TCP: FIN both ways, or RST after establishment */
	CONN_MIDSTREAM		/* TCP: picked up without a SYN */
};

/* Why a flow left the table. */
enum flow_end {
	FLOW_END_TIMEOUT = 0,
	FLOW_END_EVICTED,	/* pool full: oldest idle flow pushed out */
	FLOW_END_FLUSH		/* end of capture / shutdown */
};

/* flow.flags */
#define FLOW_F_MIDSTREAM	0x01	/* first packet was not a SYN/SYN-ACK: initiator guessed */
#define FLOW_F_FRAGMENTED	0x02	/* at least one fragment was tied to it */
#define FLOW_F_BLOCKED		0x04	/* a blocked finding was raised for it */
#define FLOW_F_CHECK_APP	0x08	/* first payload still to be checked against `apps` */
#define FLOW_F_ICMP_ERR		0x10	/* an ICMP unreachable named it (icmp_* hold the evidence) */
#define FLOW_F_JUDGED		0x20	/* judged: counted in its policy's flows (engine.c) */
#define FLOW_F_FINDING		0x40	/* a finding was raised about it (engine.c: flow-log findings) */

struct flow_key {
	uint8_t		addr[2][16];	/* canonical order: addr[0] sorts first with port[0] */
	uint16_t	port[2];
	uint16_t	vlan[2];	/* 0 when absent or when VLAN keying is off */
	uint8_t		proto;
	uint8_t		family;
	uint8_t		pad[2];		/* always zero: keys compare with memcmp */
};

_Static_assert(sizeof(struct flow_key) == 44, "flow_key: 44 bytes, no implicit padding");

struct flow {
	struct flow_key	key;
	uint32_t	hash;		/* of the key */
	uint32_t	prev, next;	/* idle list links (pool indices) */
	uint8_t		ini;		/* key side (0/1) of the initiator */
	uint8_t		state;		/* enum conn_state */
	uint8_t		verdict;	/* enum verdict (policy.h), cached */
	uint8_t		flags;		/* FLOW_F_* */
	uint8_t		tcp_flags[2];	/* TCP flags seen from each key side */
	uint8_t		tclass;		/* timeout class (internal) */
	uint8_t		syns;		/* SYNs from the initiator (retransmissions + 1) */
	uint16_t	rule;		/* matching rule index, RULE_NONE */
	uint16_t	apps;		/* APP_* the matching rules name (rules.h), for the payload check */
	uint32_t	policy_gen;	/* generation of the policy that judged it */
	uint64_t	id;		/* flow id: unique within a run, for outputs */
	uint64_t	pkts[2];	/* per key side (sent by that side) */
	uint64_t	bytes[2];	/* wire bytes (pcap len) per key side */
	uint64_t	first_usec;
	uint64_t	last_usec;
	uint64_t	qtime;		/* last_usec when queued on its idle list (internal) */
	uint32_t	frags;		/* non-first fragments tied to this flow */
	uint8_t		icmp_type;	/* FLOW_F_ICMP_ERR: type and code of the unreachable */
	uint8_t		icmp_code;
	uint8_t		icmp_first[2];	/* ICMP and ICMPv6 flows: type and code of the
					   initiator's first message (its Community ID) */
	uint8_t		icmp_from[16];	/* FLOW_F_ICMP_ERR: who sent it (v4-mapped) */
	uint64_t	roles[2];	/* per key side, policy_roles() under policy_gen (owner's cache) */
	int32_t		host[2];	/* per key side, the inventory host (-1: none), likewise */
	uint32_t	hold;		/* scan.c: the slot of its held finding + 1; 0: none */
	uint8_t		sflags;		/* FLOW_S_* (engine.c, scan detection) */
};

/* flow.sflags */
#define FLOW_S_PAYLOAD		0x01	/* a packet with payload was seen, either way */
#define FLOW_S_PROBE		0x02	/* counted as a probe toward a scan (scan_probe()) */
#define FLOW_S_SCAN		0x04	/* folded into a scan: no finding, no coverage */

struct flow_table;

/* Unaligned native-order loads of key bytes (hashing and comparing keys,
 * not wire parsing: keys are built by the decoders, never cast onto
 * packet buffers). */
static inline uint64_t
flow_load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
flow_load32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The flow hash key: 12 32-bit words, read-only once the first flow table
 * exists.  It starts as a fixed constant (unit tests and fuzzers are
 * reproducible); conformd's main() replaces it with random bytes before
 * any table is made, so hostile traffic cannot aim flows at one probe
 * chain of the index (or one fragment slot) without knowing it.
 */
#define FLOW_HASH_WORDS	12
#define FLOW_MAX_FLOWS	(1u << 30)	/* the largest table (config.h CONFIG_MAX_FLOWS) */
extern uint32_t flow_hash_key[FLOW_HASH_WORDS];

/*
 * flow_hash_init: set the hash key from seed (len bytes, at most
 * FLOW_HASH_WORDS * 4; the rest stays zero), or, when seed is NULL, from
 * getrandom(2).  Call before any flow table exists and before any thread
 * starts.  Returns 0, or -1 when the kernel gave no random bytes (the key
 * is then derived from the time, the pid and an address: weaker, but
 * still not knowable in advance).
 */
int flow_hash_init(const void *seed, size_t len);

/*
 * Hash of a canonical key (symmetric by construction: the key already
 * orders the endpoints).  NH, the compression function of UMAC (RFC 4418):
 * the key as 32-bit words, each pair summed with its key words mod 2^32
 * and multiplied to 64 bits, the products summed.  For a random key two
 * different flow keys give the same 64-bit sum with probability at most
 * 2^-32 (NH is 2^-32-almost-universal), so collisions cannot be chosen
 * without the key; one avalanche step then spreads the sum over the low
 * bits the index uses.  An IPv4 key (family 4) hashes only the 5 words
 * that can differ (the two addresses, ports, VLANs, proto/family): three
 * multiplies; any other key all 11 words: six.  Inline: the fast path
 * computes it for a whole batch before any lookup.
 */
static inline uint32_t
flow_hash_mix(uint64_t h)
{
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* flow_key_hash() of a key whose family is 4 (the IPv4 fast path knows). */
static inline uint32_t
flow_key_hash_v4(const struct flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	const uint32_t *K = flow_hash_key;
	uint64_t h;

	h = (uint64_t)(uint32_t)(flow_load32(b + 12) + K[0]) *
	    (uint32_t)(flow_load32(b + 28) + K[1]);
	h += (uint64_t)(uint32_t)(flow_load32(b + 32) + K[2]) *
	    (uint32_t)(flow_load32(b + 36) + K[3]);
	h += (uint64_t)(uint32_t)(flow_load32(b + 40) + K[4]) * K[5];
	return flow_hash_mix(h);
}

static inline uint32_t
flow_key_hash(const struct flow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	const uint32_t *K = flow_hash_key;
	uint64_t h = 0;

	if (k->family == 4)
		return flow_key_hash_v4(k);
	for (int i = 0; i < 5; i++) {
		uint64_t w = flow_load64(b + 8 * i);

		h += (uint64_t)(uint32_t)((uint32_t)w + K[2 * i]) *
		    (uint32_t)((uint32_t)(w >> 32) + K[2 * i + 1]);
	}
	h += (uint64_t)(uint32_t)(flow_load32(b + 40) + K[10]) * K[11];
	return flow_hash_mix(h);
}

/* An address hashed with key words 4..7 (for flow_dispatch()): NH over
 * its four words. */
static inline uint32_t
flow_addr_hash(const uint8_t a[16])
{
	const uint32_t *K = flow_hash_key;
	uint64_t h;

	h = (uint64_t)(uint32_t)(flow_load32(a) + K[4]) * (uint32_t)(flow_load32(a + 4) + K[5]);
	h += (uint64_t)(uint32_t)(flow_load32(a + 8) + K[6]) * (uint32_t)(flow_load32(a + 12) + K[7]);
	return flow_hash_mix(h);
}

/*
 * Which of n (>= 1) flow tables the traffic between addresses a and b
 * (16 bytes each, as in struct flow_key) belongs to: the same for (a, b)
 * and (b, a), so both directions of a flow, its fragments and the ICMP
 * errors quoting it meet in one table (one worker).  Keyed with the flow
 * hash key, so that traffic cannot be aimed at one table without knowing
 * it.  Returns 0..n-1.  Any thread, once flow_hash_init() is done.
 * Inline: the capture thread picks a worker for every packet (a call
 * out of line cost 4 more instructions a packet there).
 */
static inline uint32_t
flow_dispatch(const uint8_t a[16], const uint8_t b[16], uint32_t n)
{
	return (flow_addr_hash(a) ^ flow_addr_hash(b)) % n;
}

/* Called once for each flow leaving the table, before its slot is reused.
 * The flow is valid only during the call. */
typedef void (*flow_emit_fn)(void *arg, const struct flow *f, int end);

struct flow_config {
	uint32_t	max_flows;	/* pool size (memory cap), 1..FLOW_MAX_FLOWS */
	int		use_vlan;	/* key on VLAN ids */
	uint32_t	tmo_tcp_syn, tmo_tcp_est, tmo_tcp_closed, tmo_udp, tmo_other;	/* seconds */
};

struct flow_stats {
	uint64_t	created;
	uint64_t	expired;
	uint64_t	evicted;	/* pushed out by the memory cap */
	uint64_t	flushed;
	uint64_t	active;
	uint64_t	peak;
	uint64_t	frags_tied;	/* non-first fragments counted on a flow */
	uint64_t	frags_orphan;	/* non-first fragments with no known first fragment */
};

/*
 * Create a table with room for cfg->max_flows flows; everything is
 * allocated here, once.  `emit` (may be NULL) receives every flow that
 * leaves.  Returns NULL when out of memory, or when max_flows is 0 or
 * more than FLOW_MAX_FLOWS.
 */
struct flow_table *flow_table_new(const struct flow_config *cfg, flow_emit_fn emit, void *arg);

/* Number flows first, first + step, first + 2 step, ... (default 1, 1):
 * several tables (one per worker) then give ids unique within a run.
 * Call before the first packet. */
void flow_table_set_ids(struct flow_table *ft, uint64_t first, uint64_t step);

/*
 * Touch every page of the pool and the index now, so that a first use
 * never faults (the live daemon: a page fault, worse a huge page the
 * kernel must first compact, stalls the worker while the ring fills).
 * -r leaves them lazy: pages are touched only when flows need them.
 */
void flow_table_prefault(struct flow_table *ft);

/* Flush nothing; free everything. */
void flow_table_free(struct flow_table *ft);

/*
 * Find or create the flow of a decoded packet (p->has_ports, or any IP
 * packet: ICMP echo keys on its identifier, other protocols on addresses
 * only).  Sets *dir to the key side that sent the packet and *created to 1
 * when the flow is new (its initiator is set from the TCP flags: SYN
 * sender, SYN-ACK receiver, else the sender with FLOW_F_MIDSTREAM for TCP).
 * Updates counters, timestamps, TCP state and the idle order.  Returns NULL
 * only for packets with no IP layer.  A non-first fragment is tied to the
 * flow of its first fragment when known (counted on it, returned), else
 * counted as orphan and NULL is returned.
 */
struct flow *flow_packet(struct flow_table *ft, const struct pkt *p, int *dir, int *created);

/*
 * The flow a quoted header (an ICMP error's pkt_inner) belongs to, keyed
 * with the VLAN ids of the packet that carried the error; NULL when the
 * table has no such flow.  Never creates one.
 */
struct flow *flow_lookup_inner(struct flow_table *ft, const struct pkt_inner *in,
    const uint16_t vlan[PKT_MAX_VLAN]);

struct fast_pkt;

/*
 * Prefetch, for the packets fp[0..n) that decode_fast() took (decode-fast.h),
 * first the index slots of their hashes, then the flows those slots name
 * when the hash matches, so that the cache misses of a whole batch overlap
 * instead of following one another.  A hint only: it changes nothing.
 */
void flow_prefetch_batch(const struct flow_table *ft, const struct fast_pkt *fp, size_t n);

/*
 * flow_packet() for a whole TCP or UDP packet (not a fragment) whose
 * canonical key `k` (hash `h`), sender side `dir` and TCP flags the
 * caller already has (decode-fast.h), when its flow exists: the same state
 * update, counters, times and idle-list moves.  Returns the flow; NULL,
 * with nothing changed, when there is no such flow or it has any of the
 * `refuse` flags (the caller then takes the full path).
 */
struct flow *flow_fast_update(struct flow_table *ft, const struct flow_key *k, uint32_t h,
    int dir, uint8_t tcp_flags, uint32_t wirelen, uint64_t ts_usec, uint8_t refuse);

/*
 * flow_packet() for a whole TCP or UDP packet (not a fragment) whose
 * canonical key, hash, sender side and TCP flags the caller already has:
 * finds or creates the flow (*created), updates it exactly as
 * flow_packet() would.  NULL only when no flow could be made (as
 * flow_packet()).
 */
struct flow *flow_fast_packet(struct flow_table *ft, const struct flow_key *k, uint32_t h,
    int dir, uint8_t tcp_flags, uint32_t wirelen, uint64_t ts_usec, int *created);

/* Expire flows idle past their timeout at time `now_usec` (capture time). */
void flow_expire(struct flow_table *ft, uint64_t now_usec);

/* Hand every flow to the callback and empty the table. */
void flow_flush(struct flow_table *ft);

/* Current counters. */
const struct flow_stats *flow_table_stats(const struct flow_table *ft);

/* Flip the initiator of a flow (used by the mid-stream heuristic). */
void flow_set_initiator(struct flow *f, int side);

/* "new", "attempted", "rejected", "established", "closed", "midstream" */
const char *conn_state_name(int s);

/* Suricata's flow.state: "new", "established", "closed". */
const char *conn_state_eve(int s);

#endif /* CONFORMD_FLOW_H */
