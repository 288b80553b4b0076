/*
 * config-value.c - the values of conformd.conf's statements, checked the
 * one way for the statement table (config.c) and the `output` blocks
 * (config-output.c): paths resolved against the file's directory, numbers
 * in a range, severities, names looked up in a table, copies.
 *
 * Every check reports its error as `file:line: message` into p->d and
 * leaves the field as it was; p->oom is set when memory runs out.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformd/config.h"
#include "conformd/lex.h"
#include "config-value.h"

/* Index of `w` in a NULL-terminated table whose entry 0 is unused, or 0. */
int
config_lookup(const char *const *table, const char *w)
{
	for (int i = 1; table[i] != NULL; i++)
		if (strcmp(table[i], w) == 0)
			return i;
	return 0;
}

/*
 * The absolute directory of the config file, without a trailing slash
 * ("" for the root).  Returns a malloc'ed string or NULL.
 */
char *
config_dir(const char *path)
{
	const char *slash = strrchr(path, '/'), *rel;
	char cwd[PATH_MAX], *d, *dir;

	if (slash == path)		/* "/x.conf" */
		return strdup("");
	d = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	if (d == NULL || d[0] == '/')
		return d;
	/* "./a/b.conf": leading "." components add nothing */
	rel = d;
	while (rel[0] == '.' && (rel[1] == '/' || rel[1] == '\0')) {
		rel += rel[1] ? 2 : 1;
		while (rel[0] == '/')
			rel++;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		/* stay relative to wherever we are */
		dir = strdup(rel[0] ? rel : ".");
		free(d);
		return dir;
	}
	if (strcmp(cwd, "/") == 0)
		cwd[0] = '\0';
	dir = malloc(strlen(cwd) + 1 + strlen(rel) + 1);
	if (dir != NULL) {
		if (rel[0] == '\0')
			strcpy(dir, cwd);
		else
			sprintf(dir, "%s/%s", cwd, rel);
	}
	free(d);
	return dir;
}

/* `p` made absolute against `dir` (absolute paths and "-" unchanged). */
char *
config_resolve(const char *dir, const char *p)
{
	char *r;

	if (p[0] == '/')
		return strdup(p);
	/* "./inventory.conf" is "inventory.conf" */
	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (p[0] == '/')
			p++;
	}
	r = malloc(strlen(dir) + 1 + strlen(p) + 1);
	if (r != NULL)
		sprintf(r, "%s/%s", dir, p);
	return r;
}

void
config_path(struct config_parse *p, const struct token *key, const struct token *v,
    char **dst)
{
	if (v->text[0] == '\0') {
		diag_error(p->d, p->file, v->line, "empty path for %s", key->text);
		return;
	}
	free(*dst);
	*dst = config_resolve(p->dir, v->text);
	if (*dst == NULL)
		p->oom = 1;
}

int
config_number(struct config_parse *p, const struct token *key, const struct token *v,
    unsigned long min, unsigned long max, unsigned long *n)
{
	if (lex_number(v->text, min, max, n) == 0)
		return 0;
	diag_error(p->d, p->file, v->line, "%s must be a number from %lu to %lu, not %s",
	    key->text, min, max, v->text);
	return -1;
}

int
config_severity_value(struct config_parse *p, const char *what, const struct token *v,
    unsigned long *n)
{
	if (lex_number(v->text, 1, 3, n) == 0)
		return 0;
	diag_error(p->d, p->file, v->line, "%s must be 1 (high), 2 or 3 (low), not %s",
	    what, v->text);
	return -1;
}

int
config_strdup(struct config_parse *p, char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL) {
		p->oom = 1;
		return -1;
	}
	return 0;
}

void
config_print_word(const char *key, const char *val, FILE *out)
{
	if (val == NULL)
		return;
	fprintf(out, "%s ", key);
	lex_print_word(val, out);
	fputc('\n', out);
}
