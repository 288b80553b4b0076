/*
 * outage.c - an output's failures as episodes, logged when they begin
 * and when they end, rate-limited (outage.h).
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "conformd/log.h"
#include "outage.h"

static uint64_t
outage_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
outage_init(struct outage *o, const char *what)
{
	memset(o, 0, sizeof(*o));
	o->what = what;
}

/* Begin an episode at `now`; logged unless within the quiet time. */
static void
outage_begin(struct outage *o, uint64_t now, const char *reason)
{
	o->active = 1;
	o->since = now;
	o->lost = 0;
	o->episodes++;
	o->logged = o->last_log == 0 || now - o->last_log >= OUTAGE_QUIET_USEC;
	if (!o->logged) {
		o->quiet_episodes++;
		return;
	}
	o->last_log = now;
	if (o->quiet_episodes > 0)
		log_warnx("%s write failed: %s; its records are counted as lost until writing "
		    "resumes (%" PRIu64 " shorter outages since the last message, "
		    "%" PRIu64 " records lost in them)", o->what, reason, o->quiet_episodes,
		    o->quiet_lost);
	else
		log_warnx("%s write failed: %s; its records are counted as lost until writing "
		    "resumes", o->what, reason);
	o->quiet_episodes = 0;
	o->quiet_lost = 0;
}

void
outage_fail(struct outage *o, uint64_t n, const char *reason)
{
	if (!o->active)
		outage_begin(o, outage_now(), reason != NULL && reason[0] != '\0' ? reason :
		    "unknown reason");
	o->lost += n;
	if (!o->logged)
		o->quiet_lost += n;
}

void
outage_begun(struct outage *o)
{
	uint64_t now = outage_now();

	o->active = 1;
	o->logged = 1;
	o->since = now;
	o->lost = 0;
	o->episodes++;
	o->last_log = now;
}

void
outage_ok(struct outage *o, const char *path)
{
	uint64_t now;

	if (!o->active)
		return;
	o->active = 0;
	if (!o->logged)
		return;
	now = outage_now();
	log_warnx("%s %s can be written again: writing resumed after %" PRIu64 ".%01" PRIu64
	    " s, %" PRIu64 " records lost during the outage", o->what, path,
	    (now - o->since) / 1000000u, (now - o->since) / 100000u % 10u, o->lost);
}
