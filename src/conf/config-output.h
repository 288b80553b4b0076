/*
 * config-output.h - private to the configuration parser: the `output`
 * blocks of conformd.conf (config-output.c), which config.c's statement
 * table hands the whole line.  Called by config_load(), config_print()
 * and config_free() only.
 */
#ifndef CONFORMD_CONFIG_OUTPUT_H
#define CONFORMD_CONFIG_OUTPUT_H

#include <stdio.h>

#include "conformd/config.h"
#include "conformd/lex.h"
#include "config-value.h"

/* `output NAME type T [key value]...` into the next of p->c->outputs,
 * every key checked against its type; errors as `file:line: message`. */
void config_output(struct config_parse *p, const struct stmt *s);

/* One output block in canonical form (re-parses to the same). */
void config_output_print(const struct config_output *o, FILE *out);

/* What an output block owns (the struct itself is not freed). */
void config_output_free(struct config_output *o);

#endif
