/*
 * load.c - configuration, rules and inventory, read together (load.h).
 */
#include <string.h>

#include "conformd/load.h"

int
load_all(const char *cfgpath, struct loaded *l, struct diag *d)
{
	struct config *cfg = &l->cfg;
	int errors0 = d->nerrors;

	config_init(cfg);
	rules_init(&l->rs);
	inventory_init(&l->inv);
	if (config_load(cfg, cfgpath, d) == -1 && cfg->inventory == NULL)
		return -1;
	for (int i = 0; i < cfg->nrules; i++)
		(void)rules_load(&l->rs, cfg->rules[i], d);
	if (d->nerrors == errors0)
		(void)rules_validate(&l->rs, d);
	if (d->nerrors == errors0 && cfg->inventory != NULL)
		(void)inventory_load(&l->inv, cfg->inventory, &l->rs, d);
	for (int i = 0; i < cfg->nrule_sev; i++)
		if (l->rs.nrules > 0 && rules_find(&l->rs, cfg->rule_sev[i].rule) == NULL)
			diag_error(d, cfg->path, cfg->rule_sev[i].line,
			    "rule-severity names unknown rule %s", cfg->rule_sev[i].rule);
	return d->nerrors == errors0 ? 0 : -1;
}

void
load_free(struct loaded *l)
{
	inventory_free(&l->inv);
	rules_free(&l->rs);
	config_free(&l->cfg);
}
