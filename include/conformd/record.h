/*
 * record.h - flows and findings as the outputs see them.
 *
 * The engine turns a struct flow (binary, per key side) into a struct
 * flow_record (text addresses, initiator first, role and rule names) once,
 * when the flow ends, and every output (SQLite, EVE) reads the same
 * record.  Strings point into the record's own buffers or into the
 * ruleset; a record is valid until the call that received it returns.
 */
#ifndef CONFORMD_RECORD_H
#define CONFORMD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define REC_ADDR_LEN	46	/* INET6_ADDRSTRLEN */
#define REC_TIME_LEN	27	/* "YYYY-MM-DDTHH:MM:SS.uuuuuu" and a NUL */
#define REC_ROLES_LEN	256

enum finding_kind {
	FINDING_UNEXPECTED = 1,
	FINDING_BLOCKED,
	FINDING_MISSING,
	FINDING_PROTOCOL_MISMATCH,
	FINDING_SCAN		/* a port scan, its probes folded into it (scan.h) */
};
#define FINDING_KINDS	(FINDING_SCAN + 1)	/* arrays indexed by kind; 0 unused */

struct flow_record {
	uint64_t	 flow_id;
	uint64_t	 first_usec;
	uint64_t	 last_usec;
	char		 src_ip[REC_ADDR_LEN];	/* initiator */
	char		 dest_ip[REC_ADDR_LEN];	/* responder */
	char		 community_id[32];	/* Community ID v1 (communityid.h) when the
						   configuration asks for it, else "" */
	uint16_t	 src_port;
	uint16_t	 dest_port;
	uint8_t		 proto;			/* IP protocol number */
	uint8_t		 has_icmp;		/* ICMP and ICMPv6 flows: 1, and then ... */
	uint8_t		 icmp_type, icmp_code;	/* ... the initiator's first message */
	uint16_t	 vlan[2];		/* 0 when absent */
	uint64_t	 pkts_toserver, pkts_toclient;
	uint64_t	 bytes_toserver, bytes_toclient;
	uint32_t	 frags;
	const char	*state;			/* conn_state_eve() */
	const char	*conn_state;		/* conn_state_name() */
	int		 midstream;		/* initiator guessed */
	uint8_t		 tcp_flags_ts;		/* TCP flags the initiator sent, OR'd (Suricata's */
	uint8_t		 tcp_flags_tc;		/* tcp_flags_ts/_tc); the responder's: a SYN-ACK
						   among them says it accepted; 0 for UDP */
	const char	*end;			/* "timeout", "evicted", "flush" */
	int		 verdict;		/* enum verdict */
	const char	*rule_id;		/* NULL when no rule matched */
	int		 rule_table, rule_row;	/* 0 when no rule */
	const char	*rule_service;		/* NULL when no rule */
	const char	*rule_cite;		/* the rule's citation (struct rule.cite), NULL when no rule */
	char		 src_role[REC_ROLES_LEN];	/* "-" when not in the inventory */
	char		 dest_role[REC_ROLES_LEN];
	const char	*src_host;		/* inventory host name, NULL when unknown */
	const char	*dest_host;
	char		 failure[160];		/* why the attempt failed ("no answer to 3 SYNs",
						   "ICMP 3/3 (port unreachable) from ..."), "" when it did not */
};

/* The tunnel a finding's packet came through (Suricata's alert "tunnel"):
 * the outermost layer's type and IP addresses, as the mirroring device
 * sent it.  depth 0: not raised on a tunnelled packet. */
struct rec_tunnel {
	uint8_t		 depth;			/* layers removed, 0..PKT_MAX_TUNNEL */
	uint8_t		 type;			/* enum pkt_tunnel of the outermost layer */
	uint8_t		 family;		/* 4 or 6 */
	uint8_t		 src[16];		/* v4-mapped for IPv4 */
	uint8_t		 dst[16];
	uint16_t	 sport, dport;		/* outer UDP ports (VXLAN, Geneve), else 0 */
};

/* A scan's figures (FINDING_SCAN): the probes folded into it. */
struct rec_scan {
	uint32_t	 probes;		/* connection attempts */
	uint32_t	 ports;			/* distinct destination ports among them */
	uint32_t	 answered;		/* of those ports, how many answered (SYN-ACK) */
	uint32_t	 hosts;			/* distinct destinations (at most SCAN_HOSTS:
						   hosts_more says "at least") */
	uint32_t	 hosts_more;
	uint32_t	 window;		/* scan-threshold's seconds */
	uint64_t	 first_usec, last_usec;	/* its first and last probe */
};

struct finding {
	int		 kind;			/* enum finding_kind */
	int		 severity;		/* 1 (high) .. 3 (low), Suricata's scale */
	const char	*signature;		/* one line, human readable */
	const char	*category;		/* "Policy Violation" */
	const struct flow_record *flow;		/* the flow it is about (NULL for missing) */
	uint64_t	 ts_usec;		/* capture time it was raised */
	const char	*rule_id;		/* the rule involved (blocked, missing, mismatch); NULL for unexpected */
	const char	*evidence;		/* blocked: why ("3 SYNs, no answer"); mismatch: what was seen; NULL otherwise */
	/* missing only (flow == NULL): what was never seen */
	const char	*host;			/* inventory host name */
	const char	*host_ip;		/* its (first) address; "" for a network */
	int		 host_is_src;		/* the host is the source: an `out` rule's connecting side */
	const char	*rule_cite;		/* the citation of rule_id's rule; NULL: the flow's, if any */
	uint16_t	 port;			/* the rule's first port */
	uint8_t		 proto;			/* IP protocol number */
	struct rec_tunnel tunnel;		/* raised on a tunnelled packet: its tunnel */
	struct rec_scan	 scan;			/* FINDING_SCAN only; zero otherwise.  Its flow is
						   the first probe's, ports 0; rule_id NULL */
};

/* "timeout", "evicted", "flush" for enum flow_end values. */
const char *flow_end_name(int end);

/* "unexpected", "blocked", "missing", "protocol_mismatch", "scan" */
const char *finding_kind_name(int kind);

/*
 * The text of a finding's tunnel: its outer addresses into src and dst
 * (len bytes each, REC_ADDR_LEN holds any), and the name of its type
 * ("erspan2") returned; NULL, with src and dst "", when the finding was
 * not raised on a tunnelled packet.  Any thread.
 */
const char *rec_tunnel_format(const struct rec_tunnel *t, char *src, char *dst, size_t len);

/* The protocol's name as Suricata's EVE writes it ("TCP", "UDP", "ICMP",
 * "IPv6-ICMP", "GRE", "ESP", "SCTP", ...: IANA's keywords), or the number
 * as text in buf (len >= 4). */
const char *proto_name(uint8_t proto, char *buf, size_t len);

/*
 * A capture time (microseconds since the epoch) as
 * "YYYY-MM-DDTHH:MM:SS.uuuuuu" in UTC, NUL-terminated, into buf
 * (REC_TIME_LEN bytes), without gmtime_r() or printf: the outputs format
 * several times per record.  Returns 26, or 0 (buf untouched) for a time
 * after 9999-12-31, which callers format the slow way.  Any thread.
 */
size_t record_time(uint64_t usec, char *buf);

/* v as decimal digits, no NUL, into buf (20 bytes); returns the length. */
size_t record_u64(uint64_t v, char *buf);

#endif /* CONFORMD_RECORD_H */
