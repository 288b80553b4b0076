/*
 * coverage-matrix.h - the coverage matrix printed for a person (--coverage) or
 * a spreadsheet (--coverage=csv), after a run.
 */
#ifndef CONFORMD_COVERAGE_MATRIX_H
#define CONFORMD_COVERAGE_MATRIX_H

#include <stdio.h>
#include "conformd/coverage.h"
#include "conformd/policy.h"

enum covmatrix_format {
	COVMATRIX_NONE = 0,	/* no matrix */
	COVMATRIX_RULES,	/* a row per rule, grouped by table; hosts across */
	COVMATRIX_HOSTS,	/* a row per host, grouped by pool and role; rule ids across */
	COVMATRIX_CSV		/* one line per (host, rule) pair, with a header */
};

/* "rules", "hosts" or "csv" (NULL: rules) as an enum covmatrix_format
 * in *format.  0, or -1 for any other word. */
int covmatrix_format(const char *word, int *format);

/*
 * The width to wrap the matrix to: $COLUMNS when it is a number from 40
 * up, else the terminal's (TIOCGWINSZ) when `out` is one, else 80.
 */
int covmatrix_width(FILE *out);

/*
 * Print the matrix of `cov` (after coverage_finish()) in `format`.  The
 * text forms wrap to `width` columns (the host or rule columns go on in
 * blocks below, each with its headers) and start with a legend; only
 * rules that apply to some host, and hosts some rule applies to, are
 * shown.  pol: the policy cov was made for.  Any thread that owns cov.
 */
void covmatrix_print(const struct coverage *cov, const struct policy *pol, int format,
    int width, FILE *out);

#endif /* CONFORMD_COVERAGE_MATRIX_H */
