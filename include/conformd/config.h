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

#define CONFIG_MAX_RULES	16
#define CONFIG_MAX_RULE_SEV	256
#define CONFIG_KINDS		5	/* indexed by enum finding_kind (record.h), 0 unused */

struct config {
	char		*path;			/* the file read, owned */
	char		*rules[CONFIG_MAX_RULES];	/* rules files, resolved paths */
	int		 nrules;
	char		*inventory;		/* resolved path */
	char		*database;		/* NULL: no SQLite output */
	char		*eve;			/* NULL: no EVE output; "-" stdout */
	int		 flow_vlan;		/* 1: VLAN ids are part of the flow key (default 1) */
	uint32_t	 max_flows;		/* memory cap, flows (default 1000000) */
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
	int		 severity[CONFIG_KINDS];	/* per finding kind, 1 (high) .. 3 (low) */
	struct {
		char	*rule;			/* rule id */
		int	 severity;
		int	 line;
	}		 rule_sev[CONFIG_MAX_RULE_SEV];	/* rule-severity overrides */
	int		 nrule_sev;
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

#endif /* CONFORMD_CONFIG_H */
