/*
 * record.h - flows and findings as the outputs see them.
 *
 * Two forms.  Between threads a record travels in binary (struct
 * rec_flow, struct rec_finding): the flow table's struct flow copied as
 * it is, its end reason, the policy its roles and hosts are of, the
 * ruleset its rule is of, a code for why it failed; a finding's kind,
 * severity and an evidence code.  Each writer then makes the text it
 * writes, once, in its own thread (record-text.h): struct flow_record
 * (text addresses, initiator first, role and rule names) and struct
 * finding.  Strings point into the record's own buffers or into the
 * ruleset; a record is valid until the call that received it returns.
 */
#ifndef CONFORMD_RECORD_H
#define CONFORMD_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/flow.h"

struct policy;
struct ruleset;

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
	char		 community_id[32];	/* Community ID v1 (community-id.h) when the
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

/* --- binary records ------------------------------------------------------------- */

/* Why a flow's attempt failed (struct flow_record.failure, a blocked
 * finding's evidence), decided by the classifier, written by
 * record_fail_text() (record-text.h). */
enum rec_fail {
	REC_FAIL_NONE = 0,	/* it did not (yet) */
	REC_FAIL_ICMP,		/* an ICMP unreachable named it: f.icmp_type, icmp_code, icmp_from */
	REC_FAIL_RST,		/* SYN answered by RST (Zeek's REJ): f.syns */
	REC_FAIL_NO_ANSWER,	/* SYNs never answered (S0): f.syns */
	REC_FAIL_CLIENT_RST,	/* never answered, then reset by the client (RSTOS0) */
	REC_FAIL_UDP,		/* a request/response row's datagrams never answered */
	REC_FAIL_MAX
};

/* struct rec_flow.end of a flow still in the table (a finding's). */
#define REC_END_NONE	0xff

/*
 * A flow crossing threads: the table's entry copied as it is, when it
 * ends or a finding about it is raised.  f.roles[] and f.host[] are of
 * `pol` (the classifier's current policy, whatever policy judged the
 * flow), f.rule indexes `rule_rs` (the ruleset of the policy that judged
 * it); both outlive the record (the pipeline frees a policy only once
 * every record citing it is written).  Fixed size, no string.
 */
struct rec_flow {
	struct flow		 f;
	const struct policy	*pol;
	const struct ruleset	*rule_rs;	/* NULL: f.rule is not looked up */
	uint8_t			 end;		/* enum flow_end, or REC_END_NONE */
	uint8_t			 fail;		/* enum rec_fail, as of `end` */
};

/* What a finding's evidence says (struct rec_finding.evidence). */
enum rec_evidence {
	REC_EV_NONE = 0,	/* unexpected: none */
	REC_EV_FAIL,		/* blocked: why the attempt failed (rec_finding.fail) */
	REC_EV_SERVER_FIRST,	/* protocol mismatch: "server spoke first: DESC on PORT" */
	REC_EV_CLEARTEXT,	/* "DESC in cleartext on PORT" */
	REC_EV_ROW_SAYS,	/* "DESC on PORT where the row says APPS" */
	REC_EV_NOT_SEEN,	/* missing: "no successful flow seen" */
	REC_EV_UNOBSERVED,	/* missing, the host: "unobserved: no traffic to or from this host" */
	REC_EV_SCAN,		/* scan: "N probes in S s; answered: ...; ports: ..." (rec_finding.text) */
	REC_EV_MAX
};

#define REC_TEXT_LEN	256	/* rec_finding.text, NUL included */
#define REC_SCAN_SEP	'|'	/* between a scan's two port lists in rec_finding.text */

/*
 * A finding crossing threads.  One about a flow (unexpected, blocked,
 * protocol mismatch) carries the flow (has_flow) as it was when raised;
 * a missing one carries its host and rule as indices into `pol`.
 */
struct rec_finding {
	uint8_t		 kind;		/* enum finding_kind */
	uint8_t		 severity;	/* 1 (high) .. 3 (low) */
	uint8_t		 evidence;	/* enum rec_evidence */
	uint8_t		 fail;		/* REC_EV_FAIL: enum rec_fail */
	uint8_t		 has_flow;
	uint8_t		 proto;		/* missing: IP protocol number of the rule */
	uint8_t		 host_is_src;	/* missing: the host is the rule's connecting side */
	uint8_t		 family;	/* missing: 4 or 6, its first address in addr; 0: none */
	uint8_t		 addr[16];	/* missing: the host's first address (v4-mapped) */
	uint16_t	 port;		/* mismatch: the responder's; missing: the rule's first */
	uint16_t	 apps;		/* REC_EV_ROW_SAYS: the row's APP_* (rules.h) */
	int32_t		 host;		/* missing: inventory host of pol */
	int32_t		 rule;		/* missing: rule of pol, -1 for an unobserved host */
	uint64_t	 lost;		/* missing: coverage records lost in its window */
	uint64_t	 ts_usec;	/* capture time it was raised */
	struct rec_tunnel tunnel;	/* raised on a tunnelled packet: its tunnel */
	struct rec_scan	 scan;		/* scan: its figures; zero otherwise */
	const struct policy *pol;	/* missing */
	struct rec_flow	 flow;		/* has_flow */
	/* mismatch: what the payload was (app_detect()'s description);
	 * missing: the ids of the other rules it stands for, comma-separated;
	 * scan: the ports that answered, REC_SCAN_SEP, the ports probed
	 * ("135,443" SEP "1-1024,3389"; cut with "..." to fit);
	 * "" otherwise */
	char		 text[REC_TEXT_LEN];
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

/* The name of an ICMP (proto 1) or ICMPv6 (58) "destination unreachable"
 * type and code that says a port is blocked ("port unreachable"), or NULL
 * when it does not (another type; fragmentation needed). */
const char *icmp_unreach_name(uint8_t proto, uint8_t type, uint8_t code);

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
