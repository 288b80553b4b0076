/*
 * discover-run.h - `conformd --discover`: read capture files, or capture
 * live for a given time, with an empty inventory and the discovery sink
 * (discover.h); then infer (discover-infer.h) and write the draft
 * inventory (discover-print.h) to standard output or a file.
 */
#ifndef CONFORMD_DISCOVER_RUN_H
#define CONFORMD_DISCOVER_RUN_H

#include <stdint.h>
#include "conformd/config.h"

struct run_opts;		/* run.h */

#define DISCOVER_TIME_DEFAULT	3600	/* live: seconds, "the first hour" */

struct discover_opts {
	const char	*config;	/* -c given or the default file when it exists; NULL: none */
	const char	*output;	/* -o FILE; NULL: standard output */
	uint32_t	 seconds;	/* live: --discover-time */
	uint32_t	 max_hosts;	/* --discover-hosts, 0: DSC_HOSTS_DEFAULT */
	const char	*product;	/* --product, NULL: the configuration's */
	const char	*packs[CONFIG_MAX_PACKS];	/* --pack, added to the configuration's */
	int		 npacks;
	const char	*rules_dir;	/* --rules-dir, NULL: the configuration's */
};

/*
 * The whole run: load the configuration (no inventory needed) and the
 * packs, collect, infer, write.  `o` holds the sources and capture
 * options of the command line (its sink and run_sec are set here).
 * Returns the exit status: 0 the draft was written, 2 an error.
 */
int discover_run(struct run_opts *o, const struct discover_opts *dop);

#endif /* CONFORMD_DISCOVER_RUN_H */
