/*
 * daemon.c - what only a live run does (daemon.h): reload, SIGUSR1,
 * systemd notification, and the policies kept for the pipeline.
 *
 * Signal handlers only count or set flags (run.c); daemon_tick() acts on
 * them every 100 ms.  Signals are split as Suricata splits them,
 * so that logrotate never touches the policy or the coverage window:
 *   SIGHUP   reopens the output files (reopen_outputs()), nothing else:
 *            what logrotate's postrotate sends;
 *   SIGUSR2  reloads the policy (reload_policy()): config, rules and
 *            inventory parsed into fresh structures, the new policy
 *            swapped in only when every file is valid; otherwise the
 *            running policy stays and the errors are logged as
 *            `file:line: message`.  The coverage window goes on: what it
 *            has seen is carried over to the new policy and judged at the
 *            window's natural end (pipeline-store.c,
 *            pipeline_store_reload()).  What the units' ExecReload sends;
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformd/log.h"
#include "daemon.h"
#include "notify.h"

#define STATUS_SEC	5		/* systemd STATUS= this often */

static uint64_t
mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
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
 * loaded files of a reload; NULL for the run's own, whose configuration
 * is the run's and stays to the end).  Freed when pipeline_reap() hands
 * the policy back.
 */
struct kept {
	struct loaded	*l;
	struct policy	*pol;
	struct kept	*next;
};

struct daemon {
	const struct run_opts	*o;
	struct kept		*list;		/* newest first */
	unsigned		 hup_seen, usr1_seen, usr2_seen;
	uint64_t		 next_status;	/* monotonic seconds */
};

/* pipeline_reap() callback: free `pol` and what it came from. */
static void
keeper_free(void *arg, const struct policy *pol)
{
	struct daemon *d = arg;

	for (struct kept **p = &d->list; *p != NULL; p = &(*p)->next) {
		struct kept *e = *p;

		if (e->pol != pol)
			continue;
		*p = e->next;
		policy_free(e->pol);
		if (e->l != NULL) {
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
reload_policy(struct daemon *dm, struct pipeline *pl)
{
	struct loaded *nl;
	struct policy *np;
	struct kept *e;
	struct diag d;

	log_info("SIGUSR2: reloading %s", dm->o->cfgpath);
	nl = calloc(1, sizeof(*nl));
	e = calloc(1, sizeof(*e));
	if (nl == NULL || e == NULL) {
		log_warnx("reload failed: out of memory; the running policy stays");
		free(nl);
		free(e);
		return;
	}
	diag_init(&d, stderr);
	if (load_all(dm->o->cfgpath, nl, &d) == -1 || (np = policy_compile(&nl->rs, &nl->inv)) == NULL) {
		log_warnx("reload failed (%d error%s above); the running policy stays",
		    d.nerrors, d.nerrors == 1 ? "" : "s");
		load_free(nl);
		free(nl);
		free(e);
		return;
	}
	e->l = nl;
	e->pol = np;
	e->next = dm->list;
	dm->list = e;
	pipeline_set_policy(pl, np);
	log_info("reloaded: %d rules, %d inventory hosts; flows in progress keep their verdicts, "
	    "the coverage window goes on (settings other than rules and inventory take a restart)",
	    nl->rs.nrules, nl->inv.nhosts);
}

struct daemon *
daemon_new(const struct run_opts *o, struct policy *pol)
{
	struct daemon *d = calloc(1, sizeof(*d));
	struct kept *first = calloc(1, sizeof(*first));

	if (d == NULL || first == NULL) {
		free(d);
		free(first);
		return NULL;
	}
	d->o = o;
	first->pol = pol;
	d->list = first;
	return d;
}

void
daemon_ready(struct daemon *d, const char *sources)
{
	notify_send("READY=1");
	log_info("capturing on %s with %d worker%s", sources, d->o->workers,
	    d->o->workers == 1 ? "" : "s");
}

void
daemon_tick(struct daemon *d, struct pipeline *pl, int live)
{
	unsigned hups = run_hup_count(), usr1s = run_usr1_count(), usr2s = run_usr2_count();
	char line[512];

	/* a discovery run (o->sink) has no outputs and no policy to reload */
	while (d->hup_seen != hups) {
		d->hup_seen = hups;
		if (live && d->o->sink == NULL)
			reopen_outputs(pl);
		hups = run_hup_count();
	}
	while (d->usr2_seen != usr2s) {
		d->usr2_seen = usr2s;
		if (live && d->o->sink == NULL) {
			notify_send("RELOADING=1");
			reload_policy(d, pl);
			notify_send("READY=1");
		}
		usr2s = run_usr2_count();
	}
	(void)pipeline_reap(pl, keeper_free, d);
	if (d->usr1_seen != usr1s) {
		d->usr1_seen = usr1s;
		stats_line(pl, line, sizeof(line));
		log_info("%s", line);
	}
	if (live && mono_sec() >= d->next_status) {
		stats_line(pl, line, sizeof(line));
		notify_sendf("STATUS=%s", line);
		d->next_status = mono_sec() + STATUS_SEC;
	}
}

void
daemon_stopping(struct daemon *d)
{
	(void)d;
	notify_send("STOPPING=1");
}

void
daemon_free(struct daemon *d)
{
	if (d == NULL)
		return;
	while (d->list != NULL)
		keeper_free(d, d->list->pol);
	free(d);
}
