/*
 * diag.c - configuration errors as `file:line: message`.
 */
#include <stdarg.h>
#include <stdio.h>

#include "conformd/diag.h"

void
diag_init(struct diag *d, FILE *out)
{
	d->out = out;
	d->nerrors = 0;
}

void
diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	d->nerrors++;
	if (d->out == NULL)
		return;
	if (line > 0)
		fprintf(d->out, "%s:%d: ", file, line);
	else
		fprintf(d->out, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}
