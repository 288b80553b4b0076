/*
 * discover-run.c - the run of `conformd --discover` (discover-run.h):
 * capture files are read and classified in this thread with the discovery
 * sink as the engine's only output; live sources (and files with several
 * workers) go through the pipeline (run.h), whose store thread feeds
 * the sink, for the given time.  Nothing is written but the draft.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conformd/decode.h"
#include "conformd/discover-run.h"
#include "conformd/discover.h"
#include "conformd/engine.h"
#include "conformd/file-inline.h"
#include "conformd/filter.h"
#include "conformd/load.h"
#include "conformd/log.h"
#include "conformd/pcapdir.h"
#include "conformd/pcapfile.h"
#include "conformd/policy.h"
#include "conformd/privdrop.h"
#include "conformd/run.h"
#include "discover-infer.h"
#include "discover-print.h"

#define EXIT_CLEAN	0
#define EXIT_ERROR	2

static volatile sig_atomic_t quit_sig;

static void
on_quit(int sig)
{
	if (quit_sig != 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	quit_sig = sig;
	file_inline_interrupt();
}

/* The configuration, then the command line's product, packs and rules
 * directory, then the rules; no inventory.  0, or -1 (reported). */
static int
discover_load(struct loaded *l, const struct discover_opts *dop)
{
	struct config *cfg = &l->cfg;
	struct diag dg;

	diag_init(&dg, stderr);
	config_init(cfg);
	rules_init(&l->rs);
	inventory_init(&l->inv);
	cfg->inventory_optional = 1;
	if (dop->config != NULL && config_load(cfg, dop->config, &dg) == -1)
		goto bad;
	if (dop->product != NULL) {
		free(cfg->product);
		if ((cfg->product = strdup(dop->product)) == NULL)
			goto oom;
		cfg->product_line = 0;
	}
	if (dop->rules_dir != NULL) {
		free(cfg->rules_dir);
		if ((cfg->rules_dir = strdup(dop->rules_dir)) == NULL)
			goto oom;
	}
	for (int i = 0; i < dop->npacks; i++) {
		int dup = 0;

		for (int k = 0; k < cfg->npacks; k++)
			dup |= strcmp(cfg->packs[k], dop->packs[i]) == 0;
		if (dup)
			continue;
		if (cfg->npacks == CONFIG_MAX_PACKS) {
			log_warnx("--pack: at most %d packs", CONFIG_MAX_PACKS);
			return -1;
		}
		if ((cfg->packs[cfg->npacks] = strdup(dop->packs[i])) == NULL)
			goto oom;
		cfg->pack_line[cfg->npacks++] = 0;
	}
	if (load_rules(l, &dg) == -1)
		goto bad;
	return 0;
oom:
	log_warnx("out of memory");
	return -1;
bad:
	log_warnx("%d error%s in the configuration or the packs", dg.nerrors,
	    dg.nerrors == 1 ? "" : "s");
	return -1;
}

/* Read every file in this thread (-r with one worker).  The status. */
static int
discover_files(struct run_opts *o, struct loaded *l, const struct engine_sink *sink)
{
	struct pcapfile **pfs;
	struct pkt_filter *pf = NULL;
	struct pkt_filter_stats fst = { 0, 0, 0 };
	struct policy *pol = NULL;
	struct engine *e = NULL;
	struct sigaction sa;
	char err[1024];
	int status = EXIT_CLEAN;

	if ((pfs = calloc((size_t)o->nfiles, sizeof(*pfs))) == NULL) {
		log_warnx("out of memory");
		return EXIT_ERROR;
	}
	if (o->filter != NULL && (pf = pkt_filter_new(o->filter, err, sizeof(err))) == NULL) {
		log_warnx("--filter: %s", err);
		status = EXIT_ERROR;
		goto done;
	}
	/* open every capture first, as the daemon opens its sources, so
	 * that -u can drop privileges before anything is read */
	for (int i = 0; i < o->nfiles; i++)
		if (file_inline_open(o->files[i], pf, &pfs[i], err, sizeof(err)) != FILE_INLINE_OK) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
		}
	if (status != EXIT_CLEAN)
		goto done;
	if (o->user != NULL && strcmp(o->user, "root") != 0 &&
	    privdrop(o->user, 0, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		status = EXIT_ERROR;
		goto done;
	}
	if ((pol = policy_compile(&l->rs, &l->inv)) == NULL ||
	    (e = engine_new(&l->cfg, pol, sink)) == NULL) {
		log_warnx("out of memory: cannot allocate %u flows (max-flows)", l->cfg.max_flows);
		status = EXIT_ERROR;
		goto done;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (int i = 0; i < o->nfiles; i++) {
		uint64_t n;
		int rv = file_inline_read(pfs[i], o->files[i], e, pf, &fst, &n, err, sizeof(err));

		pfs[i] = NULL;	/* read closes it */
		if (rv == FILE_INLINE_STOPPED) {
			log_info("%s: %s", quit_sig == SIGINT ? "SIGINT" : "SIGTERM", err);
			break;
		}
		if (rv != FILE_INLINE_OK) {
			log_warnx("%s", err);
			status = EXIT_ERROR;	/* a damaged file: what it held is used */
		}
	}
	engine_finish(e);
done:
	for (int i = 0; i < o->nfiles; i++)
		if (pfs[i] != NULL)
			pcapfile_close(pfs[i]);
	free(pfs);
	engine_free(e);
	policy_free(pol);
	pkt_filter_free(pf);
	return status;
}

/* A path as the header should give it: absolute, so that a configuration
 * anywhere finds it.  Into buf; the path itself when it cannot be resolved. */
static const char *
abspath(const char *p, char *buf)
{
	if (p == NULL)
		return NULL;
	if (realpath(p, buf) != NULL)
		return buf;
	return p;
}

int
discover_run(struct run_opts *o, const struct discover_opts *dop)
{
	struct loaded l;
	struct discover *d = NULL;
	struct dsc_result res;
	struct dsc_print_info info;
	struct engine_sink sink;
	FILE *out = stdout;
	char srcs[4096], dirbuf[PATH_MAX], sitebuf[PATH_MAX];
	char *rulesbuf[CONFIG_MAX_RULES];
	const char *rules_abs[CONFIG_MAX_RULES];
	int status = EXIT_CLEAN, live = o->nifaces + o->ngroups > 0, dirs = 0;

	memset(&l, 0, sizeof(l));
	memset(&res, 0, sizeof(res));
	memset(rulesbuf, 0, sizeof(rulesbuf));
	if (discover_load(&l, dop) == -1) {
		load_free(&l);
		return EXIT_ERROR;
	}
	if (l.cfg.vxlan.set)
		decode_set_vxlan_ports(l.cfg.vxlan.ports, l.cfg.vxlan.n);
	if (l.cfg.geneve.set)
		decode_set_geneve_ports(l.cfg.geneve.ports, l.cfg.geneve.n);
	if (live && o->filter == NULL)
		o->filter = l.cfg.filter;
	/* the draft's file is opened now: a wrong path fails before an hour
	 * of capture, and before privileges are dropped */
	if (dop->output != NULL && strcmp(dop->output, "-") != 0 &&
	    (out = fopen(dop->output, "w")) == NULL) {
		log_warn("%s", dop->output);
		load_free(&l);
		return EXIT_ERROR;
	}
	if ((d = discover_new(&l.rs, dop->max_hosts)) == NULL) {
		log_warnx("out of memory: the discovery tables");
		status = EXIT_ERROR;
		goto done;
	}
	discover_sink(d, &sink);
	for (int i = 0; i < o->nfiles; i++)
		dirs += pcapdir_is_dir(o->files[i]);
	/* capture files with one worker are read here; directories of them
	 * (read in the order of their first packets) and several workers
	 * take the pipeline, as a judging run does */
	if (!live && o->workers == 1 && dirs == 0)
		status = discover_files(o, &l, &sink);
	else {
		o->sink = &sink;
		o->run_sec = live ? dop->seconds : 0;
		status = run_main(o, &l);
		if (status == 1)
			status = EXIT_CLEAN;	/* findings: none here, but not an error either */
	}
	if (d->c.packets == 0 && d->c.flows == 0 && status == EXIT_ERROR)
		goto done;	/* nothing was read: the error says it all */
	if (discover_infer(d, &l.rs, &res) == -1) {
		log_warnx("out of memory inferring the draft");
		status = EXIT_ERROR;
		goto done;
	}
	/* the header */
	srcs[0] = '\0';
	for (int i = 0; i < o->nfiles + o->nifaces + o->ngroups; i++) {
		size_t n = strlen(srcs);

		if (i < o->nfiles)
			snprintf(srcs + n, sizeof(srcs) - n, "%s%s", n ? " " : "", o->files[i]);
		else if (i < o->nfiles + o->nifaces)
			snprintf(srcs + n, sizeof(srcs) - n, "%s-i %s", n ? " " : "",
			    o->ifaces[i - o->nfiles]);
		else
			snprintf(srcs + n, sizeof(srcs) - n, "%s--nflog %d", n ? " " : "",
			    o->groups[i - o->nfiles - o->nifaces]);
	}
	if (live) {
		size_t n = strlen(srcs);

		snprintf(srcs + n, sizeof(srcs) - n, " for %u s", dop->seconds);
	}
	if (o->filter != NULL) {
		size_t n = strlen(srcs);

		snprintf(srcs + n, sizeof(srcs) - n, ", filter \"%s\"", o->filter);
	}
	memset(&info, 0, sizeof(info));
	info.version = PACKAGE_VERSION;
	info.sources = srcs;
	info.product = l.cfg.product != NULL ? l.cfg.product :
	    l.cfg.nrules == 0 ? "lync2013" : NULL;
	info.packs = (const char *const *)l.cfg.packs;
	info.npacks = l.cfg.npacks;
	for (int i = 0; i < l.cfg.nrules; i++) {
		rulesbuf[i] = malloc(PATH_MAX);
		rules_abs[i] = rulesbuf[i] != NULL ? abspath(l.cfg.rules[i], rulesbuf[i]) :
		    l.cfg.rules[i];
	}
	info.rules_files = rules_abs;
	info.nrules = l.cfg.nrules;
	info.rules_dir = abspath(l.cfg.rules_dir, dirbuf);
	info.site_rules = abspath(l.cfg.site_rules, sitebuf);
	discover_print(d, &res, &l.rs, &info, out);
	if (fflush(out) == EOF || ferror(out)) {
		log_warn("%s", dop->output != NULL ? dop->output : "standard output");
		status = EXIT_ERROR;
	}
	if (!o->quiet)
		fprintf(stderr, "discover: %llu flows, %u hosts: %u servers, %u VIPs in %d pools, "
		    "%u clients in %d networks, %u peers, %u unknown, %u unanswered%s%s\n",
		    (unsigned long long)d->c.flows, d->nhosts, res.nkind[DSC_K_SERVER],
		    res.nkind[DSC_K_VIP], res.npools_drafted, res.nkind[DSC_K_CLIENT], res.nnets,
		    res.nkind[DSC_K_PEER], res.nkind[DSC_K_UNKNOWN], res.nkind[DSC_K_UNANSWERED],
		    dop->output != NULL ? "; draft in " : "", dop->output != NULL ? dop->output : "");
	if (res.nkind[DSC_K_SERVER] + res.nkind[DSC_K_VIP] + res.nkind[DSC_K_PEER] +
	    res.nkind[DSC_K_CLIENT] == 0)
		log_warnx("no Lync role found in this traffic: the draft holds no host and will "
		    "not load as an inventory");
done:
	if (out != stdout && out != NULL && fclose(out) == EOF) {
		log_warn("%s", dop->output);
		status = EXIT_ERROR;
	}
	for (int i = 0; i < CONFIG_MAX_RULES; i++)
		free(rulesbuf[i]);
	discover_result_free(&res);
	discover_free(d);
	load_free(&l);
	return status;
}
