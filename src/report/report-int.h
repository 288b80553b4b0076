/*
 * report-int.h - what report.c (reading and merging the sensors'
 * databases) shares with report-html.c (writing the page).  Private to
 * the two.
 *
 * The merge area is report.c's in-memory database: tables sensor, source,
 * finding, cov (one row per sensor and row read), and for the page rule,
 * host and talk (report.c, mem_schema).  It has the collation "natsort".
 */
#ifndef CONFORMD_REPORT_INT_H
#define CONFORMD_REPORT_INT_H

#include <sqlite3.h>

/* The rank of a coverage state a database wrote that this version does
 * not know: after every known one. */
#define REPORT_RANK_UNKNOWN	99

/*
 * The merge order of a coverage state name: 1 seen, 2 blocked, 3 missing,
 * 4 optional-unseen, 5 unobserved (enum cov_state's values), 6
 * not-applicable, REPORT_RANK_UNKNOWN for any other name or NULL.  Per
 * (host, rule) the lowest rank any sensor reports wins.
 */
int report_state_rank(const char *state);

/*
 * Write the report of the merge area `mem` as one self-contained HTML
 * page to `path` ("-": standard output).  A file is written beside its
 * final name and renamed into place when complete, so a reader never
 * sees half a page.  ndbs: databases given; nbad: of them, unread.
 * Returns the number of distinct findings, or -1 (logged) when the page
 * could not be written.  Main thread.
 */
long long report_html_write(sqlite3 *mem, const char *path, int ndbs, int nbad);

#endif /* CONFORMD_REPORT_INT_H */
