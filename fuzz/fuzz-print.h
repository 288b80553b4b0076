/*
 * fuzz-print.h - capture a canonical printer's output in memory, for the
 * round-trip properties of the parser targets (print, parse the print,
 * print again: the two prints must be equal).
 */
#ifndef CONFORMD_FUZZ_PRINT_H
#define CONFORMD_FUZZ_PRINT_H

#include <stdio.h>
#include <stdlib.h>

#include "fuzz-util.h"

/* A memory stream; fuzz_print_end() closes it and returns the text. */
struct fuzz_print {
	FILE	*f;
	char	*buf;
	size_t	 len;
};

static inline FILE *
fuzz_print_begin(struct fuzz_print *fp)
{
	fp->buf = NULL;
	fp->len = 0;
	fp->f = open_memstream(&fp->buf, &fp->len);
	FUZZ_ASSERT(fp->f != NULL);
	return fp->f;
}

static inline void
fuzz_print_end(struct fuzz_print *fp)
{
	FUZZ_ASSERT(fclose(fp->f) == 0);
	fp->f = NULL;
}

#endif /* CONFORMD_FUZZ_PRINT_H */
