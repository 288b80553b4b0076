/*
 * main.c - the command line: check the configuration (-T), judge capture
 * files (-r), capture live (-i, --nflog) as a daemon in the foreground, or
 * report across several sensors' databases (--report).
 *
 * Exit status: 0 no finding, 1 findings, 2 any error (conformd(8)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "conformd/capture.h"
#include "conformd/coverage-matrix.h"
#include "conformd/decode.h"
#include "conformd/discover-run.h"
#include "conformd/discover.h"
#include "conformd/filter.h"
#include "conformd/flow.h"
#include "conformd/lex.h"
#include "conformd/load.h"
#include "conformd/log.h"
#include "conformd/report.h"
#include "conformd/run.h"
#include "buildinfo.h"
#include "preflight.h"

#ifndef CONFORMD_SYSCONFDIR
#define CONFORMD_SYSCONFDIR "/etc/conformd"
#endif

#define EXIT_CLEAN	0
#define EXIT_FINDINGS	1
#define EXIT_ERROR	2

enum {
	OPT_DB = 256, OPT_EVE, OPT_COVERAGE, OPT_NFLOG, OPT_WORKERS, OPT_SNAPLEN,
	OPT_BUFSIZE, OPT_FILTER, OPT_RING, OPT_RECORDS, OPT_DIRECT, OPT_PIPELINE, OPT_REPORT, OPT_JSON,
	OPT_ALL_RUNS, OPT_HTML, OPT_BUILD_INFO, OPT_DISCOVER, OPT_DISCOVER_TIME,
	OPT_DISCOVER_HOSTS, OPT_PRODUCT, OPT_PACK, OPT_RULES_DIR
};

static const struct option longopts[] = {
	{ "db",		required_argument,	NULL, OPT_DB },
	{ "eve",	required_argument,	NULL, OPT_EVE },
	{ "coverage",	optional_argument,	NULL, OPT_COVERAGE },
	{ "nflog",	required_argument,	NULL, OPT_NFLOG },
	{ "workers",	required_argument,	NULL, OPT_WORKERS },
	{ "snaplen",	required_argument,	NULL, OPT_SNAPLEN },
	{ "buffer-size", required_argument,	NULL, OPT_BUFSIZE },
	{ "filter",	required_argument,	NULL, OPT_FILTER },
	{ "ring-slots",	required_argument,	NULL, OPT_RING },
	{ "record-slots", required_argument,	NULL, OPT_RECORDS },
	{ "direct",	no_argument,		NULL, OPT_DIRECT },
	{ "pipeline",	no_argument,		NULL, OPT_PIPELINE },
	{ "report",	no_argument,		NULL, OPT_REPORT },
	{ "json",	no_argument,		NULL, OPT_JSON },
	{ "all-runs",	no_argument,		NULL, OPT_ALL_RUNS },
	{ "html",	required_argument,	NULL, OPT_HTML },
	{ "build-info",	no_argument,		NULL, OPT_BUILD_INFO },
	{ "discover",	no_argument,		NULL, OPT_DISCOVER },
	{ "discover-time", required_argument,	NULL, OPT_DISCOVER_TIME },
	{ "discover-hosts", required_argument,	NULL, OPT_DISCOVER_HOSTS },
	{ "product",	required_argument,	NULL, OPT_PRODUCT },
	{ "pack",	required_argument,	NULL, OPT_PACK },
	{ "rules-dir",	required_argument,	NULL, OPT_RULES_DIR },
	{ "user",	required_argument,	NULL, 'u' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 }
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: conformd [-Tqv] [-c config] [-r file|dir ...] [--db file] [--eve file]\n"
	    "                [--coverage[=rules|hosts|csv]] [filter expression]\n"
	    "       conformd [-qv] [-c config] -i iface ... | --nflog group ... [options] [expression]\n"
	    "       conformd --report [--json | --html FILE] [--all-runs] DB ...\n"
	    "       conformd --build-info\n"
	    "       conformd --discover [-c config] [--product P] [--pack NAME ...] [-o FILE]\n"
	    "                (-r file ... | -i iface ... | --nflog group ...) [--discover-time S]\n"
	    "  -r FILE          judge a pcap or pcapng capture (\"-\": standard input); repeatable\n"
	    "  -r DIR           every capture in DIR, in the order of their first packets, as one run\n"
	    "  -i IFACE         capture live on an interface (a span port; \"any\"); repeatable\n"
	    "  --nflog GROUP    capture from a netfilter NFLOG group; repeatable\n"
	    "  -c FILE          configuration (default %s/conformd.conf)\n"
	    "  --db FILE        SQLite database for runs, flows, findings and coverage\n"
	    "  --eve FILE       EVE JSON lines (\"-\": standard output)\n"
	    "  --coverage[=FORM] print the coverage matrix at the end: rules (a row per rule,\n"
	    "                   hosts across; the default), hosts (a row per host, rule ids\n"
	    "                   across), csv (a line per host and rule); wrapped to $COLUMNS\n"
	    "  --workers N      classifier threads (default 1)\n"
	    "  --snaplen N      live: bytes kept per packet (default %d)\n"
	    "  --buffer-size N  live: kernel capture buffer in KiB\n"
	    "  --filter EXPR    a BPF filter (tcpdump's syntax) for -i, -r and --nflog; or give the\n"
	    "                   expression after the options, as tcpdump takes it\n"
	    "  --ring-slots N   live: packet ring slots per source and worker (power of two, default 16384)\n"
	    "  --record-slots N live: records queued per worker for the store (power of two, default 65536)\n"
	    "  -u USER          drop privileges to USER once sources are open (live default:\n"
	    "                   conformd; \"-u root\" keeps root)\n"
	    "  --direct         -r: classify in the reading thread (the default with one worker)\n"
	    "  --pipeline       -r: run files through the live pipeline even with one worker\n"
	    "  --report DB ...  one report across several sensors' databases (no configuration read);\n"
	    "                   --json: as one JSON document; --html FILE: as one HTML page;\n"
	    "                   --all-runs: coverage of every run\n"
	    "  --discover       draft an inventory from the traffic (conformd.conf(5) syntax,\n"
	    "                   each line with its evidence); no inventory needed\n"
	    "  -o FILE          --discover: write the draft to FILE (default: standard output)\n"
	    "  --discover-time S  --discover live: capture for S seconds (default %d)\n"
	    "  --discover-hosts N --discover: hosts kept at most (default %u; edges 16 a host)\n"
	    "  --product P, --pack NAME, --rules-dir DIR\n"
	    "                   --discover: the packs to score against, beside the configuration's\n"
	    "  -T               check the configuration, inventory and rules, and what the run\n"
	    "                   would need (output directories, interfaces, user), then exit\n"
	    "  -v               more messages; with -T also print the canonical configuration\n"
	    "  -q               no summary on standard error at the end\n"
	    "  -h, --help       this text;  -V, --version  the version\n"
	    "  --build-info     version, capture sources, TLS and libraries this binary was built with\n"
	    "exit status: 0 no finding (or stopped by SIGTERM/SIGINT), 1 findings raised, 2 error\n",
	    CONFORMD_SYSCONFDIR, CAPTURE_SNAPLEN_DEFAULT, DISCOVER_TIME_DEFAULT, DSC_HOSTS_DEFAULT);
}

/* A number option; exits 2 with a message when it is not one in range. */
static unsigned long
number_opt(const char *name, const char *v, unsigned long min, unsigned long max)
{
	unsigned long n;

	if (lex_number(v, min, max, &n) == -1) {
		log_warnx("%s must be a number from %lu to %lu, not %s", name, min, max, v);
		exit(EXIT_ERROR);
	}
	return n;
}

static char *args_expr;	/* the trailing filter expression (a root for leak checkers) */

/*
 * The arguments after the options are a filter expression, as tcpdump
 * takes it: joined with blanks into o->filter.  Compiled here, so that a
 * mistake is reported before anything is read (a word that names a file
 * gets a hint: captures are given with -r).  0, or -1 after saying why.
 */
static int
args_filter(struct run_opts *o, char **args, int n)
{
	struct pkt_filter *f;
	struct stat st;
	size_t len = 0;
	char err[1024];

	if (o->filter != NULL) {
		log_warnx("a filter expression both with --filter and after the options (\"%s\"): "
		    "give one", args[0]);
		return -1;
	}
	for (int i = 0; i < n; i++)
		len += strlen(args[i]) + 1;
	if ((args_expr = malloc(len + 1)) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	args_expr[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strcat(args_expr, " ");
		strcat(args_expr, args[i]);
	}
	if ((f = pkt_filter_new(args_expr, err, sizeof(err))) == NULL) {
		for (int i = 0; i < n; i++)
			if (stat(args[i], &st) == 0) {
				log_warnx("%s (the arguments after the options are a filter expression, "
				    "as tcpdump takes them; captures are given with -r: -r %s)", err,
				    args[i]);
				return -1;
			}
		log_warnx("%s (the arguments after the options are a filter expression, as "
		    "tcpdump takes them)", err);
		return -1;
	}
	pkt_filter_free(f);
	o->filter = args_expr;
	return 0;
}

/* The name of long option `ch` (no dashes) when it applies to analysis runs
 * only (not to --report), else `prev`. */
static const char *
run_option(int ch, const char *prev)
{
	for (const struct option *lo = longopts; lo->name != NULL; lo++)
		if (lo->val == ch && ch != OPT_REPORT && ch != OPT_JSON && ch != OPT_ALL_RUNS &&
		    ch != OPT_HTML && ch != OPT_NFLOG)
			return lo->name;
	return prev;
}

int
main(int argc, char **argv)
{
	struct run_opts o;
	struct loaded l;
	struct diag d;
	int check = 0, verbose = 0, direct = 0, pipeline = 0, set_workers = 0, set_snaplen = 0;
	const char *live_opt = NULL;	/* a live-only option given, for the -r check */
	const char *run_opt = NULL;	/* an option of analysis runs, for the --report check */
	struct report_opts ro;
	struct discover_opts dop;
	int report = 0, discover = 0, cfg_given = 0;
	const char *discover_opt = NULL;	/* an option of --discover only, given */
	int ch;

	memset(&o, 0, sizeof(o));
	memset(&ro, 0, sizeof(ro));
	memset(&dop, 0, sizeof(dop));
	dop.seconds = DISCOVER_TIME_DEFAULT;
	o.cfgpath = CONFORMD_SYSCONFDIR "/conformd.conf";
	o.workers = 1;
	o.snaplen = CAPTURE_SNAPLEN_DEFAULT;
	o.ring_slots = 16384;
	log_init("conformd", 1);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:hi:o:qr:Tu:vV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.cfgpath = optarg;
			cfg_given = 1;
			break;
		case OPT_DISCOVER:
			discover = 1;
			break;
		case 'o':
			dop.output = optarg;
			discover_opt = "-o";
			break;
		case OPT_DISCOVER_TIME:
			dop.seconds = (uint32_t)number_opt("--discover-time", optarg, 1, 2592000);
			discover_opt = "--discover-time";
			break;
		case OPT_DISCOVER_HOSTS:
			dop.max_hosts = (uint32_t)number_opt("--discover-hosts", optarg, 16, 16777216);
			discover_opt = "--discover-hosts";
			break;
		case OPT_PRODUCT:
			dop.product = optarg;
			discover_opt = "--product";
			break;
		case OPT_PACK:
			if (dop.npacks == CONFIG_MAX_PACKS) {
				log_warnx("--pack: at most %d packs", CONFIG_MAX_PACKS);
				return EXIT_ERROR;
			}
			dop.packs[dop.npacks++] = optarg;
			discover_opt = "--pack";
			break;
		case OPT_RULES_DIR:
			dop.rules_dir = optarg;
			discover_opt = "--rules-dir";
			break;
		case 'r':
		case 'i':
		case OPT_NFLOG:
			if (o.nfiles + o.nifaces + o.ngroups == RUN_MAX_SOURCES) {
				log_warnx("too many sources (at most %d)", RUN_MAX_SOURCES);
				return EXIT_ERROR;
			}
			if (ch == 'r')
				o.files[o.nfiles++] = optarg;
			else if (ch == 'i')
				o.ifaces[o.nifaces++] = optarg;
			else
				o.groups[o.ngroups++] = (int)number_opt("--nflog", optarg, 0, 65535);
			break;
		case OPT_DB:
			o.db = optarg;
			break;
		case OPT_EVE:
			o.eve = optarg;
			break;
		case OPT_COVERAGE:
			if (covmatrix_format(optarg, &o.coverage) == -1) {
				log_warnx("--coverage=%s: the matrix is rules, hosts or csv", optarg);
				return EXIT_ERROR;
			}
			break;
		case OPT_WORKERS:
			o.workers = (int)number_opt("--workers", optarg, 1, 64);
			set_workers = 1;
			break;
		case OPT_SNAPLEN:
			o.snaplen = (uint32_t)number_opt("--snaplen", optarg, 64, CAPTURE_SNAPLEN_MAX);
			set_snaplen = 1;
			live_opt = "--snaplen";
			break;
		case OPT_BUFSIZE:
			o.bufsize = (uint32_t)number_opt("--buffer-size", optarg, 1, 4194304) * 1024u;
			live_opt = "--buffer-size";
			break;
		case OPT_FILTER:
			o.filter = optarg;
			break;
		case OPT_RING:
			o.ring_slots = (uint32_t)number_opt("--ring-slots", optarg, 2, 1u << 24);
			if ((o.ring_slots & (o.ring_slots - 1)) != 0) {
				log_warnx("--ring-slots must be a power of two, not %s", optarg);
				return EXIT_ERROR;
			}
			live_opt = "--ring-slots";
			break;
		case OPT_RECORDS:
			o.record_slots = (uint32_t)number_opt("--record-slots", optarg, 64, 1u << 22);
			if ((o.record_slots & (o.record_slots - 1)) != 0) {
				log_warnx("--record-slots must be a power of two, not %s", optarg);
				return EXIT_ERROR;
			}
			live_opt = "--record-slots";
			break;
		case OPT_DIRECT:
			direct = 1;
			break;
		case OPT_PIPELINE:
			pipeline = 1;
			break;
		case OPT_REPORT:
			report = 1;
			break;
		case OPT_JSON:
			ro.json = 1;
			break;
		case OPT_ALL_RUNS:
			ro.all_runs = 1;
			break;
		case OPT_HTML:
			ro.html = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'T':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		case 'V':
			printf("conformd %s\n", PACKAGE_VERSION);
			return EXIT_CLEAN;
		case OPT_BUILD_INFO:
			build_info_print(stdout);
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
		/* -c is allowed and ignored: a wrapper may always pass it */
		run_opt = ch == 'u' ? "u" : run_option(ch, run_opt);
	}
	/* --report reads databases only: no configuration, rules or inventory. */
	if (report) {
		if (optind == argc) {
			log_warnx("--report needs at least one database");
			usage(stderr);
			return EXIT_ERROR;
		}
		if (o.nfiles + o.nifaces + o.ngroups > 0 || check) {
			log_warnx("--report cannot be combined with -r, -i, --nflog or -T");
			return EXIT_ERROR;
		}
		if (run_opt != NULL) {
			log_warnx("--report reads databases only: %s%s does not apply to it",
			    strlen(run_opt) == 1 ? "-" : "--", run_opt);
			return EXIT_ERROR;
		}
		if (ro.json && ro.html != NULL) {
			log_warnx("--json and --html: one or the other");
			return EXIT_ERROR;
		}
		if (ro.html != NULL && ro.html[0] == '\0') {
			log_warnx("--html needs a file name (\"-\": standard output)");
			return EXIT_ERROR;
		}
		return report_run(argv + optind, argc - optind, &ro, stdout);
	}
	if (discover) {
		if (check || o.db != NULL || o.eve != NULL || o.coverage != COVMATRIX_NONE ||
		    direct || pipeline) {
			log_warnx("--discover writes a draft inventory only: it cannot be combined with "
			    "%s", check ? "-T" : o.db != NULL ? "--db" : o.eve != NULL ? "--eve" :
			    o.coverage != COVMATRIX_NONE ? "--coverage" : direct ? "--direct" : "--pipeline");
			return EXIT_ERROR;
		}
		if (optind < argc && args_filter(&o, argv + optind, argc - optind) == -1)
			return EXIT_ERROR;
		if (o.nfiles + o.nifaces + o.ngroups == 0) {
			log_warnx("--discover needs traffic: -r FILE, or -i IFACE or --nflog GROUP "
			    "(with --discover-time SECONDS)");
			return EXIT_ERROR;
		}
		if (o.nfiles > 0 && o.nifaces + o.ngroups > 0) {
			log_warnx("-r cannot be mixed with -i or --nflog");
			return EXIT_ERROR;
		}
		if (o.nfiles > 0 && (live_opt != NULL || strcmp(discover_opt != NULL ?
		    discover_opt : "", "--discover-time") == 0)) {
			log_warnx("%s applies to live capture (-i, --nflog) only, not to -r",
			    live_opt != NULL ? live_opt : "--discover-time");
			return EXIT_ERROR;
		}
		log_init("conformd", verbose + 1);
		if (flow_hash_init(NULL, 0) == -1)
			log_warn("getrandom: flow hash key derived from the clock instead");
		/* a first-hour user has no configuration yet: the default file
		 * only when it is there */
		dop.config = cfg_given || access(o.cfgpath, F_OK) == 0 ? o.cfgpath : NULL;
		return discover_run(&o, &dop);
	}
	if (discover_opt != NULL) {
		log_warnx("%s applies to --discover only", discover_opt);
		return EXIT_ERROR;
	}
	if (ro.json || ro.all_runs || ro.html != NULL) {
		log_warnx("%s applies to --report only", ro.json ? "--json" :
		    ro.html != NULL ? "--html" : "--all-runs");
		return EXIT_ERROR;
	}
	if (optind < argc && args_filter(&o, argv + optind, argc - optind) == -1)
		return EXIT_ERROR;
	log_init("conformd", verbose + 1);
	/* before any flow table: the key hostile traffic must not know */
	if (flow_hash_init(NULL, 0) == -1)
		log_warn("getrandom: flow hash key derived from the clock instead");

	diag_init(&d, stderr);
	if (load_all(o.cfgpath, &l, &d) == -1) {
		log_warnx("%d error%s in the configuration", d.nerrors, d.nerrors == 1 ? "" : "s");
		load_free(&l);
		return EXIT_ERROR;
	}
	if (check) {
		int n = preflight_check(&l.cfg, &o, &d);

		if (n > 0) {
			log_warnx("%d error%s: the configuration parses, but the run it describes "
			    "would fail", n, n == 1 ? "" : "s");
			load_free(&l);
			return EXIT_ERROR;
		}
		if (verbose) {
			config_print(&l.cfg, stdout);
			printf("\n");
			rules_print(&l.rs, stdout, RULES_PRINT_PACKS);
			printf("\n");
			if (l.cfg.site_rules != NULL) {
				printf("# site-rules %s\n", l.cfg.site_rules);
				rules_print(&l.rs, stdout, RULES_PRINT_SITE);
				printf("\n");
			}
			inventory_print(&l.inv, &l.rs, stdout);
			printf("\n");
			load_print_summary(&l, stdout);
		}
		fflush(stdout);	/* the canonical print before the verdict, on one terminal */
		fprintf(stderr, "configuration OK: %s (%d rules, %d roles, %d inventory hosts)\n",
		    o.cfgpath, l.rs.nrules, l.rs.nroles, l.inv.nhosts);
		load_free(&l);
		return EXIT_CLEAN;
	}
	/* Before any packet is decoded, in any thread: process-wide. */
	if (l.cfg.vxlan.set)
		decode_set_vxlan_ports(l.cfg.vxlan.ports, l.cfg.vxlan.n);
	if (l.cfg.geneve.set)
		decode_set_geneve_ports(l.cfg.geneve.ports, l.cfg.geneve.n);
	/* Live sources and settings from the configuration, where the command
	 * line gave none (the systemd unit runs `conformd -c FILE`). */
	if (o.nfiles + o.nifaces + o.ngroups == 0) {
		for (int i = 0; i < l.cfg.ninterfaces; i++)
			o.ifaces[o.nifaces++] = l.cfg.interfaces[i];
		for (int i = 0; i < l.cfg.nnflog; i++)
			o.groups[o.ngroups++] = l.cfg.nflog[i];
	}
	if (!set_workers && l.cfg.workers != 0)
		o.workers = l.cfg.workers;
	if (!set_snaplen && l.cfg.snaplen != 0)
		o.snaplen = l.cfg.snaplen;
	if (o.bufsize == 0 && l.cfg.buffer_kib != 0)
		o.bufsize = l.cfg.buffer_kib * 1024u;
	/* The configuration's filter is the sensor's, for its live sources (as
	 * Suricata's per-interface bpf-filter); a capture file is filtered
	 * only when asked on the command line, as tcpdump -r is. */
	if (o.filter == NULL && o.nfiles == 0)
		o.filter = l.cfg.filter;
	if (o.user == NULL)
		o.user = l.cfg.user;
	if (o.nfiles + o.nifaces + o.ngroups == 0) {
		log_warnx("nothing to do: give -r FILE to read a capture, -i IFACE or --nflog GROUP "
		    "to capture live, or -T to check the configuration");
		load_free(&l);
		return EXIT_ERROR;
	}
	if (o.nfiles > 0 && o.nifaces + o.ngroups > 0) {
		log_warnx("-r cannot be mixed with -i or --nflog: run one conformd per mode");
		load_free(&l);
		return EXIT_ERROR;
	}
	/* A capture file has its own snapshot length and waits for a full
	 * ring instead of dropping: these would be silently ignored. */
	if (live_opt != NULL && o.nfiles > 0) {
		log_warnx("%s applies to live capture (-i, --nflog) only, not to -r", live_opt);
		load_free(&l);
		return EXIT_ERROR;
	}
	if ((direct || pipeline) && o.nfiles == 0) {
		log_warnx("%s applies to -r only", direct ? "--direct" : "--pipeline");
		load_free(&l);
		return EXIT_ERROR;
	}
	if (direct && (pipeline || o.workers > 1)) {
		log_warnx("--direct classifies in one thread: it cannot be combined with %s",
		    pipeline ? "--pipeline" : "--workers");
		load_free(&l);
		return EXIT_ERROR;
	}
	o.pipeline = pipeline;
	return run_main(&o, &l);	/* takes over l */
}

_Static_assert(CONFIG_MAX_VXLAN == DECODE_MAX_VXLAN_PORTS, "vxlan-port lines fit the decoder's");
_Static_assert(CONFIG_MAX_GENEVE == DECODE_MAX_GENEVE_PORTS, "geneve-port lines fit the decoder's");
_Static_assert(CONFIG_MAX_VXLAN <= CONFIG_MAX_TUNNEL_PORTS &&
    CONFIG_MAX_GENEVE <= CONFIG_MAX_TUNNEL_PORTS, "struct config_ports holds them");
_Static_assert(CONFIG_VXLAN_PORT == DECODE_VXLAN_PORT &&
    CONFIG_GENEVE_PORT == DECODE_GENEVE_PORT, "one default each");
