/*
 * daemon.c - the pipeline's run loop: open sources (as root), drop
 * privileges, open outputs, start threads, then act on signals until the
 * files end or we are told to stop.
 *
 * Signal handlers only count or set flags (sig_atomic_t); the loop below
 * acts on them every 100 ms.  Signals are split as Suricata splits them,
 * so that logrotate never touches the policy or the coverage window:
 *   SIGHUP   reopens the output files (reopen_outputs()), nothing else:
 *            what logrotate's postrotate sends;
 *   SIGUSR2  reloads the policy (reload_policy()): config, rules and
 *            inventory parsed into fresh structures, the new policy
 *            swapped in only when every file is valid; otherwise the
 *            running policy stays and the errors are logged as
 *            `file:line: message`.  The coverage window goes on: what it
 *            has seen is carried over to the new policy and judged at the
 *            window's natural end (pipeline.c, store_reload()).  What the
 *            units' ExecReload sends;
 *   SIGUSR1  logs the counters.
 * Each is a counter, so a second signal that arrives while the first is
 * acted on causes one more reopen or reload instead of being lost.  Any
 * number of reloads: a policy is freed as soon as nothing needs it any
 * more (pipeline_reap()).
 *
 * A second SIGTERM or SIGINT while the first is being acted on ends the
 * process at once, as Suricata and Zeek do: what is committed stays in
 * SQLite, the EVE file holds whole lines, and the next run to begin in
 * the database closes this one as interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/dlt.h>

#include "config.h"
#include "conformd/capture.h"
#include "conformd/covmatrix.h"
#include "conformd/daemon.h"
#include "conformd/filter.h"
#include "conformd/log.h"
#include "conformd/notify.h"
#include "conformd/output.h"
#include "conformd/pcapdir.h"
#include "conformd/pipeline.h"
#include "conformd/policy.h"
#include "conformd/privdrop.h"

#define EXIT_CLEAN	0
#define EXIT_FINDINGS	1
#define EXIT_ERROR	2
#define LOOP_NS		100000000L	/* the control loop's period: 100 ms */
#define STATUS_SEC	5		/* systemd STATUS= this often */
/* Files through the pipeline: the classifier needs the headers and the
 * first payload bytes, so each packet keeps at most FILE_SNAPLEN bytes in
 * its ring slot (the wire length is kept whole), and a file needs few
 * slots since it waits instead of dropping. */
#define FILE_SNAPLEN	8192
#define FILE_RING_SLOTS	2048

static volatile sig_atomic_t quit_sig;
static volatile sig_atomic_t hup_count;
static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t usr2_count;

static void
on_quit(int sig)
{
	if (quit_sig != 0) {
		/* the second one: end now, with the signal's own status
		 * (sigaction() and raise() are async-signal-safe) */
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(sig, &sa, NULL);
		raise(sig);
		return;
	}
	quit_sig = sig;
}

static void
on_hup(int sig)
{
	(void)sig;
	hup_count++;
}

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void
on_usr2(int sig)
{
	(void)sig;
	usr2_count++;
}

static void
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static uint64_t
mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/*
 * The exit status once a run has ended: `status` is EXIT_CLEAN or
 * EXIT_ERROR so far.  Failing findings (at or above fail-on) make it
 * EXIT_FINDINGS, unless SIGTERM or SIGINT (`sig`) stopped the run: a stop
 * by signal is a success, as `systemctl stop` and `restart` expect (the
 * findings are in the outputs, the log and the summary all the same).  An
 * error stays an error.
 */
int
daemon_exit_status(int status, uint64_t failing, uint64_t findings, int sig)
{
	if (status != EXIT_CLEAN || failing == 0)
		return status;
	if (sig != 0) {
		log_info("stopped by %s with %llu finding%s raised: exit status 0 "
		    "(a stop by signal is a success)", sig == SIGINT ? "SIGINT" : "SIGTERM",
		    (unsigned long long)findings, findings == 1 ? "" : "s");
		return EXIT_CLEAN;
	}
	return EXIT_FINDINGS;
}

static void
stats_line(struct pipeline *pl, char *buf, size_t len)
{
	struct pipeline_stats st;

	pipeline_stats(pl, &st);
	snprintf(buf, len, "received %llu, kernel drops %llu, interface drops %llu, ring drops %llu, "
	    "classified %llu, findings %llu, records lost %llu (queue %llu, database %llu, "
	    "EVE %llu), outages %llu, reloads %llu",
	    (unsigned long long)st.received, (unsigned long long)st.kernel_drops,
	    (unsigned long long)st.if_drops, (unsigned long long)st.ring_drops,
	    (unsigned long long)st.classified, (unsigned long long)st.findings,
	    (unsigned long long)st.records_lost, (unsigned long long)st.store_drops,
	    (unsigned long long)st.lost_database, (unsigned long long)st.lost_eve,
	    (unsigned long long)st.outages, (unsigned long long)st.reloads);
}

/*
 * A policy the pipeline may still use, and what it was compiled from (the
 * loaded files; the first one's configuration is the run's and stays to
 * the end).  Freed when pipeline_reap() hands the policy back.
 */
struct kept {
	struct loaded	*l;
	struct policy	*pol;
	struct kept	*next;
};

struct keeper {
	struct kept	*list;		/* newest first */
	struct loaded	*first;		/* the run's: never freed before the end */
};

/* pipeline_reap() callback: free `pol` and what it came from. */
static void
keeper_free(void *arg, const struct policy *pol)
{
	struct keeper *k = arg;

	for (struct kept **p = &k->list; *p != NULL; p = &(*p)->next) {
		struct kept *e = *p;

		if (e->pol != pol)
			continue;
		*p = e->next;
		policy_free(e->pol);
		if (e->l != k->first) {
			load_free(e->l);
			free(e->l);
		}
		free(e);
		return;
	}
}

/* Reopen the output files (logrotate moved them away): the store thread
 * does it at its next turn.  Nothing else: the policy and the coverage
 * window are left as they are. */
static void
reopen_outputs(struct pipeline *pl)
{
	log_info("SIGHUP: reopening the output files");
	pipeline_reopen(pl);
}

/* Load config, rules and inventory again and swap the new policy in when
 * every file is valid; otherwise the running policy stays. */
static void
reload_policy(const struct daemon_opts *o, struct pipeline *pl, struct keeper *k)
{
	struct loaded *nl;
	struct policy *np;
	struct kept *e;
	struct diag d;

	log_info("SIGUSR2: reloading %s", o->cfgpath);
	nl = calloc(1, sizeof(*nl));
	e = calloc(1, sizeof(*e));
	if (nl == NULL || e == NULL) {
		log_warnx("reload failed: out of memory; the running policy stays");
		free(nl);
		free(e);
		return;
	}
	diag_init(&d, stderr);
	if (load_all(o->cfgpath, nl, &d) == -1 || (np = policy_compile(&nl->rs, &nl->inv)) == NULL) {
		log_warnx("reload failed (%d error%s above); the running policy stays",
		    d.nerrors, d.nerrors == 1 ? "" : "s");
		load_free(nl);
		free(nl);
		free(e);
		return;
	}
	e->l = nl;
	e->pol = np;
	e->next = k->list;
	k->list = e;
	pipeline_set_policy(pl, np);
	log_info("reloaded: %d rules, %d inventory hosts; flows in progress keep their verdicts, "
	    "the coverage window goes on (settings other than rules and inventory take a restart)",
	    nl->rs.nrules, nl->inv.nhosts);
}

/*
 * `pf`: the filter the capture threads apply to files and NFLOG groups
 * (NULL: none); interfaces get o->filter in the kernel instead.
 */
static int
add_sources(const struct daemon_opts *o, const struct pkt_filter *pf, struct pipeline *pl,
    int *bad)
{
	struct capture_opts co;
	char err[1024], name[64];
	int added = 0;

	/* a source given twice would be read twice (and an NFLOG group can
	 * be bound once only) */
	for (int i = 0; i < o->nifaces; i++)
		for (int k = 0; k < i; k++)
			if (strcmp(o->ifaces[i], o->ifaces[k]) == 0) {
				log_warnx("interface %s is given twice", o->ifaces[i]);
				return -1;
			}
	for (int i = 0; i < o->ngroups; i++)
		for (int k = 0; k < i; k++)
			if (o->groups[i] == o->groups[k]) {
				log_warnx("NFLOG group %d is given twice", o->groups[i]);
				return -1;
			}
	for (int i = 0; i < o->nifaces; i++) {
		capture_opts_init(&co);
		co.device = o->ifaces[i];
		co.snaplen = o->snaplen;
		co.bufsize = o->bufsize;
		co.filter = o->filter;
		if (pipeline_add_source(pl, &capture_pcap_ops, &co, o->ifaces[i], err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;	/* a live source that cannot start is fatal */
		}
		added++;
	}
	for (int i = 0; i < o->ngroups; i++) {
		capture_opts_init(&co);
		co.group = o->groups[i];
		co.snaplen = o->snaplen;
		co.bufsize = o->bufsize;
		co.pfilter = pf;
		snprintf(name, sizeof(name), "nflog:%d", o->groups[i]);
		if (pipeline_add_source(pl, &capture_nflog_ops, &co, name, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;
		}
		added++;
	}
	for (int i = 0; i < o->nfiles; i++) {
		capture_opts_init(&co);
		co.device = o->files[i];
		co.snaplen = FILE_SNAPLEN;
		co.pfilter = pf;
		if (pipeline_add_source(pl, pcapdir_is_dir(o->files[i]) ? &capture_pcapdir_ops :
		    &capture_pcapfile_ops, &co, o->files[i], err, sizeof(err)) == -1) {
			/* an unusable file is an error, but the others still run */
			log_warnx("%s", err);
			(*bad)++;
			continue;
		}
		added++;
	}
	return added;
}

/* The sources as one line ("a.pcap -i eth1 --nflog 5") into buf; returns buf. */
static const char *
srcs_line(const struct daemon_opts *o, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < o->nfiles + o->nifaces + o->ngroups; i++) {
		size_t n = strlen(buf);
		if (i < o->nfiles)
			snprintf(buf + n, len - n, "%s%s", n ? " " : "", o->files[i]);
		else if (i < o->nfiles + o->nifaces)
			snprintf(buf + n, len - n, "%s-i %s", n ? " " : "", o->ifaces[i - o->nfiles]);
		else
			snprintf(buf + n, len - n, "%s--nflog %d", n ? " " : "",
			    o->groups[i - o->nfiles - o->nifaces]);
	}
	return buf;
}

int
daemon_run(const struct daemon_opts *o, struct loaded *l)
{
	struct pipeline_opts po;
	struct pipeline *pl = NULL;
	struct output *out = NULL;
	struct keeper keeper;
	struct kept *first;
	struct pkt_filter *pf = NULL;
	int status = EXIT_CLEAN, bad = 0, live, sources;
	int hup_seen = 0, usr1_seen = 0, usr2_seen = 0;
	const char *user = o->user;
	char err[1024], line[512], srcs[4096];
	uint64_t next_status = 0, started;

	live = o->nifaces + o->ngroups > 0;
	memset(&keeper, 0, sizeof(keeper));
	first = calloc(1, sizeof(*first));
	if (first == NULL || (first->pol = policy_compile(&l->rs, &l->inv)) == NULL) {
		log_warnx("out of memory compiling the policy");
		free(first);
		if (o->sink == NULL)
			load_free(l);
		return EXIT_ERROR;
	}
	first->l = l;
	keeper.list = first;
	keeper.first = l;

	memset(&po, 0, sizeof(po));
	po.workers = o->workers;
	po.ring_slots = live ? o->ring_slots : FILE_RING_SLOTS;
	po.snaplen = live ? o->snaplen : FILE_SNAPLEN;
	po.files = !live;
	po.window_sec = l->cfg.coverage_window;
	po.stats_sec = l->cfg.stats_interval;
	po.filter = o->nfiles + o->ngroups > 0 ? o->filter : NULL;
	pl = pipeline_new(&l->cfg, first->pol, &po, err, sizeof(err));
	if (pl == NULL) {
		log_warnx("%s", err);
		status = EXIT_ERROR;
		goto out;
	}
	/* Files and NFLOG groups have no kernel filter: the capture threads
	 * apply the expression (filter.h). */
	if (o->filter != NULL && o->nfiles + o->ngroups > 0) {
		if ((pf = pkt_filter_new(o->filter, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
			goto out;
		}
		if (o->ngroups > 0 && pkt_filter_link(pf, DLT_RAW, err, sizeof(err)) != 0) {
			log_warnx("--nflog (raw IP packets): %s", err);
			status = EXIT_ERROR;
			goto out;
		}
	}
	signals_install();
	sources = add_sources(o, pf, pl, &bad);
	if (sources < 0 || (sources == 0 && bad == 0)) {
		status = EXIT_ERROR;
		goto out;
	}
	if (bad > 0)
		status = EXIT_ERROR;

	/* Least privilege: capture handles are open; nothing below needs root. */
	if (user == NULL && live)
		user = "conformd";
	if (user != NULL && strcmp(user, "root") != 0) {
		if (privdrop(user, live, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
			goto out;
		}
		log_debug("running as %s%s", user, live ? " with CAP_NET_RAW and CAP_NET_ADMIN" : "");
	} else if (live && geteuid() == 0)
		log_info("running as root, as told (-u root)");

	(void)srcs_line(o, srcs, sizeof(srcs));
	if (o->sink != NULL) {
		/* discovery: the records feed the sink, nothing is written */
		if (pipeline_set_sink(pl, o->sink, err, sizeof(err)) == -1 ||
		    pipeline_start(pl, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
			goto stop;
		}
	} else {
		out = output_open(&l->cfg, o->db != NULL ? o->db : l->cfg.database,
		    o->eve != NULL ? o->eve : l->cfg.eve, err, sizeof(err));
		if (out == NULL) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
			goto out;
		}
		/* a sensor on one interface names it in every event (EVE in_iface) */
		if (o->nifaces == 1 && o->ngroups == 0 && o->nfiles == 0 &&
		    output_set_iface(out, o->ifaces[0]) == -1)
			log_warnx("out of memory: events go without in_iface");
		output_start(out, !live);
		{
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			output_run_begin(out, srcs, PACKAGE_VERSION,
			    (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u, &l->rs,
			    &l->inv);
		}
		if (pipeline_set_output(pl, out, err, sizeof(err)) == -1 ||
		    pipeline_start(pl, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			status = EXIT_ERROR;
			goto stop;
		}
	}
	/* The capture threads run, with the capabilities they may need to
	 * reopen an interface; this thread needs none from now on (every
	 * other thread gave up its own as it started). */
	if (privdrop_thread() == -1)
		log_warnx("the main thread cannot give up its capabilities");
	if (live && o->sink != NULL)
		log_info("discovering on %s for %u s with %d worker%s", srcs, o->run_sec,
		    o->workers, o->workers == 1 ? "" : "s");
	else if (live) {
		notify_send("READY=1");
		log_info("capturing on %s with %d worker%s", srcs, o->workers,
		    o->workers == 1 ? "" : "s");
	}
	started = mono_sec();
	for (;;) {
		struct timespec ts = { 0, LOOP_NS };

		if (quit_sig != 0) {
			log_info("%s: stopping", quit_sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (!live && pipeline_done(pl))
			break;
		if (live && o->sink != NULL && o->run_sec != 0 && mono_sec() - started >= o->run_sec)
			break;
		while (hup_seen != hup_count) {
			hup_seen = hup_count;
			if (live && o->sink == NULL)
				reopen_outputs(pl);
		}
		while (usr2_seen != usr2_count) {
			usr2_seen = usr2_count;
			if (!live || o->sink != NULL)
				continue;
			notify_send("RELOADING=1");
			reload_policy(o, pl, &keeper);
			notify_send("READY=1");
		}
		(void)pipeline_reap(pl, keeper_free, &keeper);
		if (usr1_seen != usr1_count) {
			usr1_seen = usr1_count;
			stats_line(pl, line, sizeof(line));
			log_info("%s", line);
		}
		if (live && mono_sec() >= next_status) {
			stats_line(pl, line, sizeof(line));
			notify_sendf("STATUS=%s", line);
			next_status = mono_sec() + STATUS_SEC;
		}
		nanosleep(&ts, NULL);
	}
stop:
	if (live)
		notify_send("STOPPING=1");
	if (pipeline_stop(pl, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		status = EXIT_ERROR;
	}
	status = daemon_exit_status(status, pipeline_failing(pl), pipeline_findings(pl), quit_sig);
	if (pf != NULL) {
		struct pipeline_stats st;

		pipeline_stats(pl, &st);
		if (st.unfilterable > 0)
			log_warnx("%llu packets skipped: their link type is one the filter \"%s\" "
			    "does not apply to", (unsigned long long)st.unfilterable, o->filter);
	}
	if (out != NULL) {
		struct timespec ts;
		/* records already lost make the run an error: say so in its row */
		if (output_errors(out) > 0)
			status = EXIT_ERROR;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (output_run_end(out, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u,
		    status) == -1) {
			struct output_lost lost;

			output_lost(out, &lost);
			log_warnx("%llu records could not be written (database %llu, EVE %llu)",
			    (unsigned long long)(lost.database + lost.eve),
			    (unsigned long long)lost.database, (unsigned long long)lost.eve);
			status = EXIT_ERROR;
		}
	}
	if (!o->quiet && o->sink == NULL) {
		struct pipeline_stats st;
		pipeline_stats(pl, &st);
		if (status != EXIT_ERROR || st.received > 0) {
			pipeline_summary(pl, stderr);
			if (out != NULL)
				output_summary(out, stderr);
		}
	}
	if (o->sink == NULL && (o->coverage != COVMATRIX_NONE || l->cfg.coverage))
		pipeline_coverage_print(pl, o->coverage != COVMATRIX_NONE ? o->coverage :
		    COVMATRIX_RULES, o->eve != NULL && strcmp(o->eve, "-") == 0 ? stderr : stdout);
out:
	pipeline_free(pl);
	pkt_filter_free(pf);	/* after the captures that used it */
	output_close(out);
	while (keeper.list != NULL)
		keeper_free(&keeper, keeper.list->pol);
	if (o->sink == NULL)
		load_free(l);	/* else the caller's */
	return status;
}
