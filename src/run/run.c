/*
 * run.c - the run lifecycle (run.h): every step a run takes whatever
 * reads its packets, in one order, with the signals, the exit status and
 * the run's counter names kept here once.  The drivers (run-int.h) read.
 *
 * Signal handlers only set flags (sig_atomic_t), as OpenBSD's daemons do;
 * a second SIGTERM or SIGINT while the first is being acted on ends the
 * process at once, as Suricata and Zeek do: what is committed stays in
 * SQLite, the EVE file holds whole lines, and the next run to begin in
 * the database closes this one as interrupted.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/dlt.h>

#include "config.h"
#include "conformd/coverage-matrix.h"
#include "conformd/file-inline.h"
#include "conformd/log.h"
#include "conformd/privdrop.h"
#include "run-int.h"

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
	file_inline_interrupt();	/* the inline driver's reads stop after their batch */
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
run_signals(void)
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

int
run_quit_signal(void)
{
	return quit_sig;
}

unsigned
run_hup_count(void)
{
	return (unsigned)hup_count;
}

unsigned
run_usr1_count(void)
{
	return (unsigned)usr1_count;
}

unsigned
run_usr2_count(void)
{
	return (unsigned)usr2_count;
}

int
run_exit_status(int status, uint64_t failing, uint64_t findings, int sig)
{
	if (status != RUN_EXIT_CLEAN || failing == 0)
		return status;
	if (sig != 0) {
		log_info("stopped by %s with %llu finding%s raised: exit status 0 "
		    "(a stop by signal is a success)", sig == SIGINT ? "SIGINT" : "SIGTERM",
		    (unsigned long long)findings, findings == 1 ? "" : "s");
		return RUN_EXIT_CLEAN;
	}
	return RUN_EXIT_FINDINGS;
}

/* --- the run's counters ------------------------------------------------------- */

/* Where each name's value is in struct pipeline_stats, and where it goes. */
#define RC_END		0x1	/* the counters at the end of the run */
#define RC_EVENT	0x2	/* live stats events */
#define RC_FILTER	0x4	/* at the end only when the run has a filter */
#define RC_AT(f)	offsetof(struct pipeline_stats, f)

static const struct run_counter {
	const char	*name;
	size_t		 off;
	unsigned	 where;
} run_counters[] = {
	{ "capture.received",		RC_AT(received),	RC_END | RC_EVENT },
	{ "capture.kernel_recv",	RC_AT(kernel_recv),	RC_END | RC_EVENT },
	{ "capture.kernel_drops",	RC_AT(kernel_drops),	RC_END | RC_EVENT },
	{ "capture.if_drops",		RC_AT(if_drops),	RC_END | RC_EVENT },
	{ "capture.overruns",		RC_AT(overruns),	RC_END | RC_EVENT },
	{ "capture.ring_drops",		RC_AT(ring_drops),	RC_END | RC_EVENT },
	{ "capture.outages",		RC_AT(outages),		RC_END | RC_EVENT },
	{ "capture.outage_ms",		RC_AT(outage_ms),	RC_END | RC_EVENT },
	/* --filter on files and NFLOG: received = classified + drops + these */
	{ "capture.filtered",		RC_AT(filtered),	RC_END | RC_EVENT | RC_FILTER },
	{ "capture.unfilterable",	RC_AT(unfilterable),	RC_END | RC_EVENT | RC_FILTER },
	{ "classifier.packets",		RC_AT(classified),	RC_EVENT },
	{ "classifier.malformed",	RC_AT(malformed),	RC_EVENT },
	{ "classifier.non_ip",		RC_AT(non_ip),		RC_EVENT },
	/* at the end, output_run_end() writes these four (output.h) */
	{ "store.records_lost",		RC_AT(records_lost),	RC_EVENT },
	{ "store.lost_queue",		RC_AT(store_drops),	RC_EVENT },
	{ "store.lost_database",	RC_AT(lost_database),	RC_EVENT },
	{ "store.lost_eve",		RC_AT(lost_eve),	RC_EVENT },
	{ "store.stale_coverage",	RC_AT(stale),		RC_END | RC_EVENT },
	{ "reloads",			RC_AT(reloads),		RC_END },
	{ "findings.total",		RC_AT(findings),	RC_END | RC_EVENT },
	{ NULL, 0, 0 }
};

static uint64_t
rc_value(const struct pipeline_stats *st, const struct run_counter *c)
{
	uint64_t v;

	memcpy(&v, (const char *)st + c->off, sizeof(v));
	return v;
}

void
run_counters_write(const struct pipeline_stats *st, int filter, int workers,
    const struct engine_sink *o)
{
	if (o->counter == NULL)
		return;
	for (const struct run_counter *c = run_counters; c->name != NULL; c++)
		if ((c->where & RC_END) && (filter || !(c->where & RC_FILTER)))
			o->counter(o->arg, c->name, rc_value(st, c));
	o->counter(o->arg, "workers", (uint64_t)workers);
}

int
run_stats_event(const struct pipeline_stats *st, uint64_t uptime, const char **names,
    uint64_t *v)
{
	int n = 0;

	/* seconds since the run started, as Suricata's stats "uptime" */
	names[n] = "uptime";
	v[n++] = uptime;
	for (const struct run_counter *c = run_counters; c->name != NULL; c++)
		if ((c->where & RC_EVENT) && n < RUN_STATS_MAX) {
			names[n] = c->name;
			v[n++] = rc_value(st, c);
		}
	/* the order events have always had: reloads last */
	if (n < RUN_STATS_MAX) {
		names[n] = "reloads";
		v[n++] = st->reloads;
	}
	return n;
}

/* --- the lifecycle ------------------------------------------------------------ */

static uint64_t
wall_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The sources as one line ("a.pcap -i eth1 --nflog 5") into buf. */
static void
run_sources_line(const struct run_opts *o, char *buf, size_t len)
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
}

/* The user the run becomes once its sources are open, or NULL (stay). */
static const char *
run_user(const struct run *r)
{
	const char *user = r->o->user;

	if (user == NULL && r->live)
		user = "conformd";
	return user != NULL && strcmp(user, "root") != 0 ? user : NULL;
}

/* Least privilege: the sources are open, nothing below needs root (the
 * capture threads of a live run keep what capture needs).  0 or -1. */
static int
run_privdrop(struct run *r)
{
	const char *user = run_user(r);
	char err[1024];

	if (user == NULL) {
		if (r->live && geteuid() == 0)
			log_info("running as root, as told (-u root)");
		return 0;
	}
	if (privdrop(user, r->live, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	log_debug("running as %s%s", user, r->live ? " with CAP_NET_RAW and CAP_NET_ADMIN" : "");
	return 0;
}

/* The filter the run applies itself (files and NFLOG groups have no
 * kernel filter; interfaces get the expression in the kernel).  0 or -1. */
static int
run_filter(struct run *r)
{
	const struct run_opts *o = r->o;
	char err[1024];

	if (o->filter == NULL || o->nfiles + o->ngroups == 0)
		return 0;
	if ((r->pf = pkt_filter_new(o->filter, err, sizeof(err))) == NULL) {
		log_warnx("--filter: %s", err);
		return -1;
	}
	if (o->ngroups > 0 && pkt_filter_link(r->pf, DLT_RAW, err, sizeof(err)) != 0) {
		log_warnx("--nflog (raw IP packets): %s", err);
		return -1;
	}
	return 0;
}

int
run_main(const struct run_opts *o, struct loaded *l)
{
	const struct run_driver *d;
	struct output *out = NULL;
	struct pipeline_stats st;
	struct run r;
	char err[1024];
	int status;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.l = l;
	r.live = o->nifaces + o->ngroups > 0;
	/*
	 * Files with one classifier are read and classified in one thread: a
	 * ring would add a copy and a trip to another core for every packet
	 * and buy nothing.  Several workers, live sources, or --pipeline
	 * take the pipeline (the records are the same: tests/golden.sh).
	 */
	d = o->nfiles > 0 && o->workers == 1 && !o->pipeline && o->sink == NULL ?
	    &run_inline : &run_pipeline;
	r.drops = run_user(&r) != NULL;
	run_signals();
	if (run_filter(&r) == -1) {
		status = RUN_EXIT_ERROR;
		goto out;
	}
	if ((r.pol = policy_compile(&l->rs, &l->inv)) == NULL) {
		log_warnx("out of memory compiling the policy");
		status = RUN_EXIT_ERROR;
		goto out;
	}
	if (d->open(&r) == -1 || run_privdrop(&r) == -1) {
		status = RUN_EXIT_ERROR;
		goto out;
	}
	run_sources_line(o, r.srcs, sizeof(r.srcs));
	if (o->sink != NULL)
		goto started;	/* discovery: the records feed the sink, nothing is written */
	out = output_open(&l->cfg, o->db != NULL ? o->db : l->cfg.database,
	    o->eve != NULL ? o->eve : l->cfg.eve, err, sizeof(err));
	if (out == NULL) {
		log_warnx("%s", err);
		status = RUN_EXIT_ERROR;
		goto out;
	}
	/* a sensor on one interface names it in every event (EVE in_iface) */
	if (o->nifaces == 1 && o->ngroups == 0 && o->nfiles == 0 &&
	    output_set_iface(out, o->ifaces[0]) == -1)
		log_warnx("out of memory: events go without in_iface");
	output_start(out, !r.live);
	output_run_begin(out, r.srcs, PACKAGE_VERSION, wall_usec(), &l->rs, &l->inv);
started:
	if (d->start(&r, out) == -1)
		r.status = RUN_EXIT_ERROR;
	else
		d->read(&r);
	d->finish(&r);

	status = run_exit_status(r.status, d->failing(&r), d->findings(&r), quit_sig);
	d->stats(&r, &st);
	if (st.unfilterable > 0)
		log_warnx("%llu packets skipped: their link type is one the filter \"%s\" does "
		    "not apply to", (unsigned long long)st.unfilterable, o->filter);
	if (o->sink != NULL)
		goto out;	/* discovery: no outputs, no summary; the draft is the caller's */
	/* records already lost make the run an error: its row says so too */
	if (output_errors(out) > 0)
		status = RUN_EXIT_ERROR;
	if (output_run_end(out, wall_usec(), status) == -1) {
		struct output_lost lost;

		output_lost(out, &lost);
		log_warnx("%llu records could not be written (database %llu, EVE %llu)",
		    (unsigned long long)(lost.database + lost.eve),
		    (unsigned long long)lost.database, (unsigned long long)lost.eve);
		status = RUN_EXIT_ERROR;
	}
	/* A run that read nothing because its only source was unusable has
	 * nothing to summarise: the error says it all. */
	if (!o->quiet && (status != RUN_EXIT_ERROR || st.received > 0)) {
		d->summary(&r, stderr);
		output_summary(out, stderr);
	}
	if (o->coverage != COVMATRIX_NONE || l->cfg.coverage)
		d->coverage(&r, o->coverage != COVMATRIX_NONE ? o->coverage : COVMATRIX_RULES,
		    o->eve != NULL && strcmp(o->eve, "-") == 0 ? stderr : stdout);
out:
	d->free(&r);			/* the driver's, and the policy */
	pkt_filter_free(r.pf);		/* after the captures that used it */
	output_close(out);
	if (o->sink == NULL)
		load_free(l);	/* else the caller's */
	return status;
}
