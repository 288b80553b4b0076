/*
 * load.h - configuration, rules and inventory read together.
 *
 * The one sequence both startup and SIGHUP use: parse into fresh
 * structures, collect every error through a diag (`file:line: message`),
 * and let the caller swap them in only when there was none.
 */
#ifndef CONFORMD_LOAD_H
#define CONFORMD_LOAD_H

#include "conformd/config.h"
#include "conformd/diag.h"
#include "conformd/inventory.h"
#include "conformd/rules.h"

/* A loaded set: the configuration, the ruleset and the inventory. */
struct loaded {
	struct config	 cfg;
	struct ruleset	 rs;
	struct inventory inv;
};

/*
 * Read `cfgpath`, the rules files it names and its inventory into *l
 * (which must be unused; free with load_free() in every case).  Returns 0
 * when d gained no error, -1 otherwise.
 */
int load_all(const char *cfgpath, struct loaded *l, struct diag *d);

/*
 * The rules l->cfg names (product, packs, rules files, site rules) into
 * l->rs, which rules_init() prepared, checked as a whole; no inventory.
 * Returns 0 when d gained no error, -1 otherwise.  (--discover: the
 * configuration may come from the command line alone.)
 */
int load_rules(struct loaded *l, struct diag *d);

/*
 * What was loaded, as comment lines for `-T -v`: the product, each pack
 * (its file, title and rule count), the site's rules, overrides and
 * disables, and each feature with whether the site deploys it and why.
 */
void load_print_summary(const struct loaded *l, FILE *out);

/* Release what load_all() filled. */
void load_free(struct loaded *l);

#endif /* CONFORMD_LOAD_H */
