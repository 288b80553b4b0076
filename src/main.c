/*
 * main.c - command line, configuration loading, and the `-r` run.
 *
 * conformd -r FILE judges every flow of a capture against the port matrix
 * and records flows and findings; -T checks the configuration.  Exit
 * status: 0 no finding, 1 findings, 2 any error (conformd(8)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "config.h"
#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/inventory.h"
#include "conformd/log.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "conformd/output.h"
#include "conformd/source.h"

#ifndef CONFORMD_SYSCONFDIR
#define CONFORMD_SYSCONFDIR "/etc/conformd"
#endif

#define EXIT_CLEAN	0
#define EXIT_FINDINGS	1
#define EXIT_ERROR	2
#define MAX_FILES	256

enum { OPT_DB = 256, OPT_EVE, OPT_COVERAGE };

static const struct option longopts[] = {
	{ "db",		required_argument,	NULL, OPT_DB },
	{ "eve",	required_argument,	NULL, OPT_EVE },
	{ "coverage",	no_argument,		NULL, OPT_COVERAGE },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: conformd [-Tqv] [-c config] [-r file ...] [--db file] [--eve file] [--coverage]\n"
	    "  -r FILE     read a pcap or pcapng capture (\"-\": standard input); repeatable\n"
	    "  -c FILE     configuration (default %s/conformd.conf)\n"
	    "  --db FILE   SQLite database for runs, flows, findings and coverage\n"
	    "  --eve FILE  EVE JSON lines (\"-\": standard output)\n"
	    "  --coverage  print the coverage matrix (hosts x rules) after -r\n"
	    "  -T          check the configuration, inventory and rules, then exit\n"
	    "  -v          more messages; with -T also print the canonical configuration\n"
	    "  -q          no summary on standard error after -r\n"
	    "  -h, --help  this text;  -V, --version  the version\n"
	    "exit status: 0 no finding, 1 findings raised, 2 error\n",
	    CONFORMD_SYSCONFDIR);
}

static uint64_t
now_usec(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* Load config, rules and inventory; every error goes through d. */
static void
load_all(const char *cfgpath, struct config *cfg, struct ruleset *rs,
    struct inventory *inv, struct diag *d)
{
	config_init(cfg);
	rules_init(rs);
	inventory_init(inv);
	if (config_load(cfg, cfgpath, d) == -1 && cfg->inventory == NULL)
		return;
	for (int i = 0; i < cfg->nrules; i++)
		(void)rules_load(rs, cfg->rules[i], d);
	if (d->nerrors == 0)
		(void)rules_validate(rs, d);
	if (d->nerrors == 0 && cfg->inventory != NULL)
		(void)inventory_load(inv, cfg->inventory, rs, d);
	for (int i = 0; i < cfg->nrule_sev; i++)
		if (rs->nrules > 0 && rules_find(rs, cfg->rule_sev[i].rule) == NULL)
			diag_error(d, cfg->path, cfg->rule_sev[i].line,
			    "rule-severity names unknown rule %s", cfg->rule_sev[i].rule);
}

int
main(int argc, char **argv)
{
	const char *cfgpath = CONFORMD_SYSCONFDIR "/conformd.conf";
	const char *files[MAX_FILES];
	const char *db = NULL, *evepath = NULL;
	int nfiles = 0, check = 0, verbose = 0, quiet = 0, coverage = 0, ch;
	int status = EXIT_CLEAN;
	struct config cfg;
	struct ruleset rs;
	struct inventory inv;
	struct diag d;
	struct policy *pol = NULL;
	struct output *out = NULL;
	struct collector *col = NULL;
	struct engine_sink sink;
	struct engine *e = NULL;
	char err[1024], sources[4096];
	uint64_t t0;

	log_init("conformd", 1);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:hqr:TvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'r':
			if (nfiles == MAX_FILES) {
				log_warnx("too many -r files (at most %d)", MAX_FILES);
				return EXIT_ERROR;
			}
			files[nfiles++] = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_EVE:
			evepath = optarg;
			break;
		case OPT_COVERAGE:
			coverage = 1;
			break;
		case 'T':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		case 'V':
			printf("conformd %s\n", PACKAGE_VERSION);
			return EXIT_CLEAN;
		case ':':
			log_warnx("option %s needs an argument", argv[optind - 1]);
			usage(stderr);
			return EXIT_ERROR;
		default:
			if (optopt != 0)
				log_warnx("unknown option -%c", optopt);
			else
				log_warnx("unknown option %s", argv[optind - 1]);
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		log_warnx("unexpected argument %s (captures are given with -r)", argv[optind]);
		usage(stderr);
		return EXIT_ERROR;
	}
	log_init("conformd", verbose + 1);

	diag_init(&d, stderr);
	load_all(cfgpath, &cfg, &rs, &inv, &d);
	if (d.nerrors > 0) {
		log_warnx("%d error%s in the configuration", d.nerrors, d.nerrors == 1 ? "" : "s");
		status = EXIT_ERROR;
		goto out;
	}
	if (check) {
		if (verbose) {
			config_print(&cfg, stdout);
			printf("\n");
			rules_print(&rs, stdout);
			printf("\n");
			inventory_print(&inv, &rs, stdout);
		}
		fprintf(stderr, "configuration OK: %s (%d rules, %d roles, %d inventory hosts)\n",
		    cfgpath, rs.nrules, rs.nroles, inv.nhosts);
		goto out;
	}
	if (nfiles == 0) {
		log_warnx("nothing to do: give -r FILE to read a capture, or -T to check the configuration");
		status = EXIT_ERROR;
		goto out;
	}
	if (db == NULL)
		db = cfg.database;
	if (evepath == NULL)
		evepath = cfg.eve;

	pol = policy_compile(&rs, &inv);
	if (pol == NULL) {
		log_warnx("out of memory compiling the policy");
		status = EXIT_ERROR;
		goto out;
	}
	out = output_open(&cfg, db, evepath, err, sizeof(err));
	if (out == NULL) {
		log_warnx("%s", err);
		status = EXIT_ERROR;
		goto out;
	}
	output_sink(out, &sink);
	col = collector_new(&cfg, pol, &sink);
	if (col != NULL) {
		collector_sink(col, &sink);
		e = engine_new(&cfg, pol, &sink);
	}
	if (e == NULL) {
		log_warnx("out of memory: cannot allocate %u flows (max-flows)", cfg.max_flows);
		status = EXIT_ERROR;
		goto out;
	}
	sources[0] = '\0';
	for (int i = 0; i < nfiles; i++) {
		size_t l = strlen(sources);
		snprintf(sources + l, sizeof(sources) - l, "%s%s", i ? " " : "", files[i]);
	}
	t0 = now_usec();
	output_run_begin(out, sources, PACKAGE_VERSION, t0, &rs);

	for (int i = 0; i < nfiles; i++) {
		uint64_t n;
		int rv = source_file_run(files[i], e, &n, err, sizeof(err));

		if (rv != SOURCE_OK) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
		}
		log_debug("%s: %llu packets", files[i], (unsigned long long)n);
	}
	engine_finish(e);
	collector_finish(col, engine_counters(e)->ipv4 + engine_counters(e)->ipv6 == 0,
	    engine_now(e));
	if (status == EXIT_CLEAN && collector_findings(col) > 0)
		status = EXIT_FINDINGS;
	if (output_run_end(out, now_usec(), status) == -1) {
		log_warnx("%llu records could not be written", (unsigned long long)output_errors(out));
		status = EXIT_ERROR;
	}
	/* A run that read nothing because its only capture was unusable has
	 * nothing to summarise: the error says it all. */
	if (!quiet && (status != EXIT_ERROR || engine_counters(e)->packets > 0)) {
		engine_summary(e, stderr);
		collector_summary(col, stderr);
		engine_summary_top(e, stderr);
	}
	if (coverage || cfg.coverage)
		collector_coverage_print(col, evepath != NULL && strcmp(evepath, "-") == 0 ?
		    stderr : stdout);
out:
	engine_free(e);
	collector_free(col);
	output_close(out);
	policy_free(pol);
	inventory_free(&inv);
	rules_free(&rs);
	config_free(&cfg);
	return status;
}
