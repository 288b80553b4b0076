/*
 * config-value.h - private to the configuration parser: the state of one
 * config_load() and the value checks (config-value.c) that config.c (the
 * statement table) and config-output.c (the `output` blocks) share.
 *
 * Every check reports its error as `file:line: message` into p->d and
 * leaves the field as it was; p->oom is set when memory ran out, and
 * config_load() then stops.  Called by config_load() only, in the thread
 * that loads the configuration.
 */
#ifndef CONFORMD_CONFIG_VALUE_H
#define CONFORMD_CONFIG_VALUE_H

#include <stdint.h>
#include <stdio.h>

#include "conformd/config.h"
#include "conformd/diag.h"
#include "conformd/lex.h"

#define CONFIG_KEYS_MAX		64	/* entries of config.c's statement table */

/* `timeout NAME seconds`: the names, in config.c's config_timeouts[]. */
enum { TMO_TCP_SYN, TMO_TCP_EST, TMO_TCP_CLOSED, TMO_UDP, TMO_OTHER, TMO_COUNT };

struct config_parse {
	struct config	*c;
	struct diag	*d;
	const char	*file;
	char		*dir;			/* absolute directory of the file */
	int		 seen[CONFIG_KEYS_MAX];	/* line of a key's first occurrence,
						   indexed like config.c's table */
	int		 tmo_seen[TMO_COUNT];
	int		 suppress_seen[CONFIG_KINDS];
	int		 rate_seen[2];			/* global, source */
	int		 retention_seen[2];		/* age, size */
	int		 pack_line[CONFIG_MAX_PACKS];	/* where each pack was named */
	int		 vxlan_none;			/* `vxlan-port none` seen */
	int		 geneve_none;			/* `geneve-port none` seen */
	int		 oom;
};

/* Index of `w` in a NULL-terminated table whose entry 0 is unused, or 0. */
int config_lookup(const char *const *table, const char *w);

/* The absolute directory of the config file `path`, without a trailing
 * slash ("" for the root): a malloc'ed string, or NULL. */
char *config_dir(const char *path);

/* `p` made absolute against `dir` (absolute paths and "-" unchanged): a
 * malloc'ed string, or NULL. */
char *config_resolve(const char *dir, const char *p);

/* The path `v` (value of `key`) resolved against the file's directory into
 * *dst (freed first); an empty path is an error. */
void config_path(struct config_parse *p, const struct token *key, const struct token *v,
    char **dst);

/* `v` as a number min..max into *n: 0, or -1 after reporting it. */
int config_number(struct config_parse *p, const struct token *key, const struct token *v,
    unsigned long min, unsigned long max, unsigned long *n);

/* A severity 1..3 named `what` in messages into *n: 0, or -1 after an error. */
int config_severity_value(struct config_parse *p, const char *what, const struct token *v,
    unsigned long *n);

/* A copy of `v` into *dst (freed first): 0, or -1 with p->oom set. */
int config_strdup(struct config_parse *p, char **dst, const char *v);

/* `key word` a line, the word quoted as lex.h reads it back; nothing if NULL. */
void config_print_word(const char *key, const char *val, FILE *out);

#endif
