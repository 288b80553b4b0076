/*
 * config.h - conformd.conf: what to load and where to write.
 *
 * Same lexical syntax as the other files (lex.h).  Relative paths are taken
 * relative to the directory of the config file.  Parsed into a fresh struct
 * that replaces the running one only on success.
 */
#ifndef CONFORMD_CONFIG_H
#define CONFORMD_CONFIG_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/diag.h"

#define CONFIG_MAX_FLOWS	(1u << 30)	/* max-flows: the most a flow table holds (flow.c) */
#define CONFIG_MAX_RULES	16
#define CONFIG_MAX_PACKS	16	/* `pack NAME` lines */
#define CONFIG_MAX_RULE_SEV	256
#define CONFIG_KINDS		6	/* indexed by enum finding_kind (record.h), 0 unused */
#define CONFIG_MAX_OUTPUTS	16	/* alert feeds (`output NAME { ... }`) */
#define CONFIG_MAX_SOURCES	32	/* interface and nflog lines */
#define CONFIG_MAX_VXLAN	8	/* vxlan-port lines (= DECODE_MAX_VXLAN_PORTS) */
#define CONFIG_MAX_GENEVE	8	/* geneve-port lines (= DECODE_MAX_GENEVE_PORTS) */
#define CONFIG_MAX_TUNNEL_PORTS	8	/* the larger of the two */
#define CONFIG_VXLAN_PORT	4789	/* the defaults (= DECODE_VXLAN_PORT, */
#define CONFIG_GENEVE_PORT	6081	/*  DECODE_GENEVE_PORT) */
#define CONFIG_OUTPUT_NAME_MAX	32	/* letters, digits, '-', '_', '.' */

/* Alert feeds (conformd.conf(5), OUTPUTS). */
enum config_output_type {
	OUTPUT_SYSLOG = 1,	/* local syslog(3) */
	OUTPUT_REMOTE,		/* RFC 5424 to a collector over UDP or TCP */
	OUTPUT_EVE_SOCKET	/* EVE JSON datagrams to a Unix socket */
};
enum config_output_format {
	OUTPUT_FMT_RFC5424 = 1,	/* structured data + signature */
	OUTPUT_FMT_CEF,		/* ArcSight CEF as the syslog MSG */
	OUTPUT_FMT_LEEF,	/* QRadar LEEF 2.0 as the syslog MSG */
	OUTPUT_FMT_EVE		/* the EVE alert JSON (as the MSG on syslog outputs) */
};
enum config_output_transport {
	OUTPUT_UDP = 1,		/* RFC 5426 */
	OUTPUT_TCP,		/* RFC 6587 octet counting */
	OUTPUT_TLS		/* RFC 5425: octet counting over TLS (tls.h) */
};
#define CONFIG_TLS_PORT	6514	/* RFC 5425 8: syslog-tls */

struct config_output {
	char		*name;			/* unique, CONFIG_OUTPUT_NAME_MAX at most */
	int		 type;			/* enum config_output_type */
	int		 format;		/* enum config_output_format */
	int		 facility;		/* syslog facility code (16 = local0) */
	char		*ident;			/* APP-NAME (syslog, remote) */
	char		*host;			/* numeric address (remote) */
	uint16_t	 port;			/* remote, default 514 */
	int		 transport;		/* remote: enum config_output_transport */
	uint32_t	 max_size;		/* bytes of one message */
	uint32_t	 queue;			/* messages held while the peer is away */
	int		 min_severity;		/* send severities 1 .. this (default 3: all) */
	char		*path;			/* eve-socket: the socket, resolved path */
	/* transport tls: the collector's certificate must chain to a CA of
	 * ca_file and be issued to peer_name (NULL: host); our certificate
	 * and key when the collector asks for one (both or neither) */
	char		*ca_file, *cert_file, *key_file;	/* resolved paths */
	char		*peer_name;
	int		 line;			/* where it was defined */
};

/* UDP ports opened as one tunnel type: `vxlan-port N` or `geneve-port N`
 * lines replace the default (4789, 6081); `vxlan-port none`: none.  set 0:
 * no such line. */
struct config_ports {
	uint16_t	 ports[CONFIG_MAX_TUNNEL_PORTS];
	int		 line[CONFIG_MAX_TUNNEL_PORTS];	/* where each was given */
	int		 n;
	int		 set;
};

/* `flow-log`: which flows are written (the flows table, EVE flow events). */
enum config_flow_log {
	FLOW_LOG_ALL = 0,	/* every flow */
	FLOW_LOG_FINDINGS,	/* only flows that raised a finding */
	FLOW_LOG_NONE		/* none: findings and coverage only */
};

struct config {
	char		*path;			/* the file read, owned */
	char		*product;		/* `product`: lync2013, sfb2015, sfb2019;
						   NULL: none given (lync2013 unless
						   `rules` lines name the files) */
	char		*packs[CONFIG_MAX_PACKS];	/* `pack NAME` lines, in order */
	int		 pack_line[CONFIG_MAX_PACKS];	/* ... and where each was given */
	int		 npacks;
	int		 product_line;		/* where `product` was given, 0: not */
	char		*rules_dir;		/* where product and packs are read; NULL:
						   the installed rules directory */
	char		*rules[CONFIG_MAX_RULES];	/* rules files, resolved paths */
	int		 nrules;
	char		*site_rules;		/* the site's own policy, resolved; NULL: none */
	int		 fail_on;		/* exit 1 for findings of severity 1 .. this;
						   0: never (default 3: any finding) */
	char		*inventory;		/* resolved path */
	int		 inventory_optional;	/* set before config_load(): no `inventory`
						   line is no error (--discover drafts one) */
	char		*database;		/* NULL: no SQLite output */
	char		*eve;			/* NULL: no EVE output; "-" stdout */
	int		 flow_vlan;		/* 1: VLAN ids are part of the flow key (default 1) */
	int		 community_id;		/* 1: flow records carry a Community ID (default 0) */
	uint32_t	 community_id_seed;	/* its seed, 0..65535 (default 0) */
	int		 flow_log;		/* which flows the flows table and EVE flow
						   events get: enum config_flow_log (default all) */
	uint32_t	 max_flows;		/* memory cap, flows, all workers together
						   (default 1000000, at most CONFIG_MAX_FLOWS) */
	/* timeouts, seconds */
	uint32_t	 tmo_tcp_syn;		/* SYN seen, no answer (default 30) */
	uint32_t	 tmo_tcp_est;		/* established (default 3600) */
	uint32_t	 tmo_tcp_closed;	/* FIN/RST seen (default 30) */
	uint32_t	 tmo_udp;		/* default 120 */
	uint32_t	 tmo_other;		/* ICMP and other protocols (default 60) */
	int		 summary_top;		/* offending flows in the summary (default 10) */
	uint32_t	 answer_timeout;	/* seconds before an unanswered SYN or request
						   counts as blocked (default 5) */
	int		 coverage;		/* print the coverage matrix after -r (default 0) */
	uint32_t	 coverage_window;	/* live: seconds per coverage window, 0 = the whole run (default 3600) */
	uint64_t	 retention_age;		/* `retention age`: seconds, 0: keep all (retention.h) */
	uint64_t	 retention_bytes;	/* `retention size`: bytes, 0: no limit */
	uint32_t	 stats_interval;	/* live: seconds between counters to SQLite/EVE, 0 = never (default 60) */
	/* live capture (the command line's -i/--nflog replace these) */
	char		*interfaces[CONFIG_MAX_SOURCES];	/* `interface NAME` */
	int		 ninterfaces;
	int		 nflog[CONFIG_MAX_SOURCES];		/* `nflog GROUP` */
	int		 nnflog;
	uint32_t	 snaplen;		/* 0: the default */
	uint32_t	 buffer_kib;		/* kernel buffer, 0: the default */
	char		*filter;		/* BPF for live sources, NULL: none */
	struct config_ports vxlan;		/* UDP ports opened as VXLAN */
	struct config_ports geneve;		/* ... as Geneve; none in both */
	int		 workers;		/* 0: the default (1) */
	char		*user;			/* drop privileges to; NULL: conformd */
	char		*sensor_name;		/* NULL: the host's FQDN (sensor.h) */
	int		 severity[CONFIG_KINDS];	/* per finding kind, 1 (high) .. 3 (low) */
	struct {
		char	*rule;			/* rule id */
		int	 severity;
		int	 line;
	}		 rule_sev[CONFIG_MAX_RULE_SEV];	/* rule-severity overrides */
	int		 nrule_sev;
	/* alert feeds and their volume control (SQLite and EVE get everything) */
	struct config_output outputs[CONFIG_MAX_OUTPUTS];
	int		 noutputs;
	uint32_t	 suppress[CONFIG_KINDS];	/* dedupe interval per kind, seconds (0: off; default 3600) */
	uint32_t	 rate_global, burst_global;	/* alerts/s and bucket size, 0: no limit */
	uint32_t	 rate_source, burst_source;	/* per source address, 0: no limit */
	uint32_t	 scan_threshold;	/* probes of one source to distinct (destination, port) .. (0: off; default 20) */
	uint32_t	 scan_window;		/* .. within this many seconds make a scan (default 60): scan.h */
};

/* Defaults for every field (no files). */
void config_init(struct config *c);

/* Parse `path` into *c (which config_init() prepared).  Every error is
 * reported through `d` as `path:line: message`.  Returns 0 or -1. */
int config_load(struct config *c, const char *path, struct diag *d);

/* Release what config_load() allocated. */
void config_free(struct config *c);

/* Print in canonical form. */
void config_print(const struct config *c, FILE *out);

/* Severity of a finding of `kind` (enum finding_kind) about rule `rule_id`
 * (may be NULL): the rule's rule-severity, else the kind's severity. */
int config_severity(const struct config *c, int kind, const char *rule_id);

/*
 * The packs the configuration loads, in order: the product's, the `pack`
 * lines', then the `rules` files (paths as given).  Calls fn(arg, path,
 * line) for each, `line` the configuration line that named it (0 for the
 * default product).  Returns the first non-zero fn() result, or 0;
 * -1 when out of memory.
 */
int config_each_rules_file(const struct config *c,
    int (*fn)(void *arg, const char *path, int line), void *arg);

/* The directory product and pack files are read from. */
const char *config_rules_dir(const struct config *c);

/* "high", "medium", "low" for severities 1-3, "none" for 0. */
const char *config_severity_name(int severity);

#endif /* CONFORMD_CONFIG_H */
