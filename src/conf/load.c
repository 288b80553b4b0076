/*
 * load.c - configuration, rules and inventory, read together (load.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conformd/load.h"

struct load_ctx {
	struct loaded	*l;
	struct diag	*d;
};

/* config_each_rules_file() callback: one pack or rules file.  A product or
 * pack file that cannot be read is reported at the configuration's line. */
static int
load_rules_file(void *arg, const char *path, int line)
{
	struct load_ctx *c = arg;

	if (line > 0 && access(path, R_OK) == -1) {
		diag_error(c->d, c->l->cfg.path, line, "cannot read %s: %s (rules-dir %s)",
		    path, strerror(errno), config_rules_dir(&c->l->cfg));
		return 0;
	}
	(void)rules_load(&c->l->rs, path, c->d);
	return 0;
}

int
load_rules(struct loaded *l, struct diag *d)
{
	struct config *cfg = &l->cfg;
	struct load_ctx lc = { l, d };
	int errors0 = d->nerrors;

	if (config_each_rules_file(cfg, load_rules_file, &lc) == -1)
		diag_error(d, cfg->path != NULL ? cfg->path : "conformd", 0, "out of memory");
	if (cfg->site_rules != NULL && d->nerrors == errors0)
		(void)rules_load_site(&l->rs, cfg->site_rules, d);
	if (d->nerrors == errors0)
		(void)rules_validate(&l->rs, d);
	return d->nerrors == errors0 ? 0 : -1;
}

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
	(void)load_rules(l, d);
	if (d->nerrors == errors0 && cfg->inventory != NULL)
		(void)inventory_load(&l->inv, cfg->inventory, &l->rs, d);
	for (int i = 0; i < cfg->nrule_sev; i++)
		if (l->rs.nrules > 0 && rules_find(&l->rs, cfg->rule_sev[i].rule) == NULL)
			diag_error(d, cfg->path, cfg->rule_sev[i].line,
			    "rule-severity names unknown rule %s", cfg->rule_sev[i].rule);
	return d->nerrors == errors0 ? 0 : -1;
}

void
load_print_summary(const struct loaded *l, FILE *out)
{
	const struct ruleset *rs = &l->rs;
	const struct inventory *inv = &l->inv;
	int site = 0, disabled = 0, narrowed = 0;

	fprintf(out, "# loaded: product %s, rules from %s\n",
	    l->cfg.product != NULL ? l->cfg.product :
	    (l->cfg.nrules == 0 ? "lync2013 (default)" : "(none: rules files given)"),
	    config_rules_dir(&l->cfg));
	for (int p = 0; p < rs->npacks; p++) {
		int n = 0;

		for (int i = 0; i < rs->nrules; i++)
			if (!rs->rules[i].site && rs->rules[i].file == rs->packs[p].file)
				n++;
		fprintf(out, "# pack %s: %s (%s, %d rules)\n", rs->packs[p].name,
		    rs->packs[p].title, rs->packs[p].file, n);
	}
	for (int i = 0; i < rs->nrules; i++)
		site += rs->rules[i].site;
	for (int i = 0; i < rs->noverrides; i++) {
		if (rs->overrides[i].disable)
			disabled++;
		else
			narrowed++;
	}
	if (l->cfg.site_rules != NULL)
		fprintf(out, "# site-rules %s: %d rules, %d overrides, %d disabled\n",
		    l->cfg.site_rules, site, narrowed, disabled);
	for (int f = 0; f < rs->nfeatures; f++) {
		if (inv->deploy_line[f] != 0)
			fprintf(out, "# feature %s: deployed (%s:%d)\n", rs->features[f].name,
			    inv->path, inv->deploy_line[f]);
		else if (inv->deploy_host[f] >= 0)
			fprintf(out, "# feature %s: deployed (host %s)\n", rs->features[f].name,
			    inv->hosts[inv->deploy_host[f]].name);
		else
			fprintf(out, "# feature %s: not deployed: its rules are not required\n",
			    rs->features[f].name);
	}
}

void
load_free(struct loaded *l)
{
	inventory_free(&l->inv);
	rules_free(&l->rs);
	config_free(&l->cfg);
}
