/*
 * output-feed.c - the output's alert feeds: every finding through volume
 * control (alert-limit.c) to every feed's transport (feed.c), the feeds
 * driven about once a second, drained at the end, their counters
 * (alerts.*) and their part of the end-of-run summary.  SQLite and EVE
 * are the complete record; only the feeds are limited, and everything
 * they leave out is counted.
 */
#include <inttypes.h>
#include <stdio.h>

#include "config.h"
#include "conformd/alert-limit.h"
#include "conformd/alert.h"
#include "conformd/feed.h"
#include "conformd/log.h"
#include "output-int.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define OUTPUT_TICK_USEC	1000000ULL

int
output_feed_open(struct output *o, const struct config *cfg, char *err, size_t errlen)
{
	if (cfg == NULL || cfg->noutputs <= 0)
		return 0;
	for (int i = 0; i < cfg->noutputs; i++) {
		o->feeds[i] = feed_open(&cfg->outputs[i], o->sensor, PACKAGE_VERSION,
		    err, errlen);
		if (o->feeds[i] == NULL)
			return -1;
		o->nfeeds++;
		if (cfg->outputs[i].min_severity > o->min_severity)
			o->min_severity = cfg->outputs[i].min_severity;
	}
	o->scan_window = cfg->scan_window;
	if ((o->lim = alert_limit_new(cfg)) == NULL) {
		snprintf(err, errlen, "out of memory for the alert limits");
		return -1;
	}
	return 0;
}

void
output_feed_tick(struct output *o, uint64_t now_usec)
{
	for (int i = 0; i < o->nfeeds; i++)
		feed_tick(o->feeds[i], now_usec);
	o->last_tick = now_usec;
}

/* Every feed gets alert a. */
static void
output_fanout(struct output *o, const struct alert *a, uint64_t now)
{
	for (int i = 0; i < o->nfeeds; i++)
		feed_alert(o->feeds[i], a, now);
}

void
output_feed_finding(struct output *o, const struct finding *f)
{
	uint64_t now = feed_now();
	struct alim_result res;
	struct alert a;

	if (now - o->last_tick >= OUTPUT_TICK_USEC || now < o->last_tick)
		output_tick(o, now);
	if (f->severity > o->min_severity) {
		o->below_severity++;	/* no feed wants it: not even limited */
		return;
	}
	alert_limit_check(o->lim, f, &res);
	switch (res.decision) {
	case ALIM_PASS:
		alert_from_finding(&a, f, res.count);
		output_fanout(o, &a, now);
		break;
	case ALIM_SCAN: {
		struct alert_scan_buf sb;

		alert_from_scan(&a, &sb, f, res.scan_findings, res.scan_hosts,
		    res.scan_ports, o->scan_window);
		output_fanout(o, &a, now);
		break;
	}
	default:
		break;		/* counted by the limiter */
	}
}

void
output_feed_drain(struct output *o)
{
	uint64_t deadline = feed_now() + OUTPUT_DRAIN_USEC;

	for (int i = 0; i < o->nfeeds; i++)
		(void)feed_drain(o->feeds[i], deadline);
}

void
output_feed_counters(struct output *o)
{
	const struct alim_stats *ls;
	uint64_t sent = 0, dropped = 0, unsent = 0, reconnects = 0;
	char name[96];

	if (o->nfeeds == 0)
		return;
	ls = alert_limit_stats(o->lim);
	output_counter(o, "alerts.findings", ls->findings + o->below_severity);
	output_counter(o, "alerts.below_severity", o->below_severity);
	output_counter(o, "alerts.passed", ls->passed);
	output_counter(o, "alerts.suppressed", ls->suppressed);
	output_counter(o, "alerts.rate_limited", ls->rate_limited_global + ls->rate_limited_source);
	output_counter(o, "alerts.rate_limited.global", ls->rate_limited_global);
	output_counter(o, "alerts.rate_limited.source", ls->rate_limited_source);
	output_counter(o, "alerts.scan_summaries", ls->scan_summaries);
	output_counter(o, "alerts.scan_folded", ls->scan_folded);
	for (int i = 0; i < o->nfeeds; i++) {
		const struct feed_stats *fs = feed_stats(o->feeds[i]);
		const char *n = feed_name(o->feeds[i]);
		static const char *const names[] = {
			"offered", "below_severity", "sent", "queue_dropped", "unsent",
			"send_errors", "too_long", "truncated", "reconnects", NULL
		};
		const uint64_t v[] = {
			fs->offered, fs->below_severity, fs->sent, fs->queue_dropped,
			fs->queued, fs->send_errors, fs->too_long, fs->truncated,
			fs->reconnects
		};

		for (int k = 0; names[k] != NULL; k++) {
			snprintf(name, sizeof(name), "alerts.%s.%s", names[k], n);
			output_counter(o, name, v[k]);
		}
		sent += fs->sent;
		dropped += fs->queue_dropped;
		unsent += fs->queued;
		reconnects += fs->reconnects;
	}
	output_counter(o, "alerts.sent", sent);
	output_counter(o, "alerts.queue_dropped", dropped);
	output_counter(o, "alerts.unsent", unsent);
	output_counter(o, "alerts.reconnects", reconnects);
}

void
output_summary(const struct output *o, FILE *out)
{
	const struct alim_stats *ls;
	char what[320];

	if (o == NULL || o->nfeeds == 0)
		return;
	ls = alert_limit_stats(o->lim);
	fprintf(out, "alerts: %" PRIu64 " findings -> %" PRIu64 " alerts + %" PRIu64
	    " scan summaries; suppressed %" PRIu64 ", rate-limited %" PRIu64
	    " (global %" PRIu64 ", source %" PRIu64 "), folded into scans %" PRIu64
	    ", below every min-severity %" PRIu64 "\n",
	    ls->findings + o->below_severity, ls->passed, ls->scan_summaries,
	    ls->suppressed, ls->rate_limited_global + ls->rate_limited_source,
	    ls->rate_limited_global, ls->rate_limited_source, ls->scan_folded,
	    o->below_severity);
	for (int i = 0; i < o->nfeeds; i++) {
		const struct feed_stats *fs = feed_stats(o->feeds[i]);

		feed_describe(o->feeds[i], what, sizeof(what));
		fprintf(out, "  %s (%s): sent %" PRIu64 ", queue-dropped %" PRIu64
		    ", unsent %" PRIu64 ", send errors %" PRIu64 ", too long %" PRIu64
		    ", truncated %" PRIu64 ", reconnects %" PRIu64 "\n",
		    feed_name(o->feeds[i]), what, fs->sent, fs->queue_dropped, fs->queued,
		    fs->send_errors, fs->too_long, fs->truncated, fs->reconnects);
	}
}

void
output_feed_close(struct output *o)
{
	if (o->nfeeds > 0)
		output_feed_drain(o);	/* at once when nothing is left */
	for (int i = 0; i < o->nfeeds; i++) {
		const struct feed_stats *fs = feed_stats(o->feeds[i]);

		if (fs->queued > 0)
			log_warnx("output %s: %" PRIu64 " alerts could not be sent",
			    feed_name(o->feeds[i]), fs->queued);
		feed_close(o->feeds[i]);
	}
	alert_limit_free(o->lim);
}
