/*
 * discover-print.h - the draft inventory `conformd --discover` writes:
 * conformd.conf(5)'s own inventory syntax, every statement under a
 * comment that gives its evidence (ports accepted, flows, first and last
 * seen) and a confidence; alternatives commented out below the line they
 * could replace; hosts that fit no role listed at the end, commented.
 * What it prints loads with the packs the header names (`conformd -T`).
 */
#ifndef CONFORMD_DISCOVER_PRINT_H
#define CONFORMD_DISCOVER_PRINT_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/discover.h"
#include "conformd/rules.h"
#include "discover-infer.h"

/* What the header says about the run. */
struct dsc_print_info {
	const char		*version;	/* conformd's */
	const char		*sources;	/* "a.pcap b.pcap", "-i eth1 for 3600 s" */
	const char		*product;	/* the product pack loaded; NULL: none */
	const char *const	*packs;		/* `pack` names, in order */
	int			 npacks;
	const char *const	*rules_files;	/* `rules` files */
	int			 nrules;
	const char		*rules_dir;	/* NULL: the installed one */
	const char		*site_rules;	/* NULL: none */
};

/*
 * Print the draft of res (inferred from d against rs) to out.  Writes
 * only to out; any thread that owns the three.
 */
void discover_print(const struct discover *d, const struct dsc_result *res,
    const struct ruleset *rs, const struct dsc_print_info *info, FILE *out);

#endif /* CONFORMD_DISCOVER_PRINT_H */
