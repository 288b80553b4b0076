/*
 * report.h - one report across several sensors' SQLite databases
 * (conformd --report): the sensors, their findings merged, their coverage
 * merged per (host, rule).
 */
#ifndef CONFORMD_REPORT_H
#define CONFORMD_REPORT_H

#include <stdio.h>

struct report_opts {
	int	json;		/* one JSON document instead of text */
	int	all_runs;	/* coverage from every run, not each database's latest */
	const char *html;	/* write the report as one HTML page to this file
				   ("-": standard output) instead; NULL: text or JSON */
};

/*
 * Read the conformd databases dbs[0..ndbs-1] (read-only; a database a
 * daemon is writing is read in one consistent snapshot) and write one
 * report to `out`, or with o->html as one self-contained HTML page to
 * that file (report-html.c; `out` is then not used).  A database that cannot be read (missing, unreadable,
 * not SQLite, not a conformd database of this schema version) is named on
 * standard error as "FILE: reason" and in the report; the others are still
 * reported.  Does not read the configuration, rules or inventory.
 * Returns the exit status: 2 when a database could not be read (or out of
 * memory), else 1 when the merged report holds findings, else 0.
 * Main thread; no other state is kept between calls.
 */
int report_run(char *const *dbs, int ndbs, const struct report_opts *o, FILE *out);

#endif /* CONFORMD_REPORT_H */
