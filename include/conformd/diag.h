/*
 * diag.h - collecting configuration errors as `file:line: message`.
 *
 * Parsers never stop at the first error: they report each one here and go
 * on, so an operator fixes a file in one pass.  Single-threaded use only.
 */
#ifndef CONFORMD_DIAG_H
#define CONFORMD_DIAG_H

#include <stdio.h>

struct diag {
	FILE	*out;		/* where messages go (stderr); NULL: count only */
	int	 nerrors;	/* errors reported so far */
};

/* Start collecting into `out` (may be NULL to count silently). */
void diag_init(struct diag *d, FILE *out);

/*
 * Report one error.  Printed as "file:line: message\n"; line 0 prints
 * "file: message\n".  Increments d->nerrors.
 */
void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* CONFORMD_DIAG_H */
