/*
 * output-eve.c - the output's EVE writer thread.  A file is read as fast
 * as the outputs go, and live traffic sends records as fast as it comes:
 * the EVE lines are formatted and written by a thread of their own
 * (sink-async.h) while the database takes its rows.  The owner hands it
 * the binary records (output.c) and waits for it (output_eve_sync())
 * before it touches the EVE file itself.
 */
#include <string.h>

#include "conformd/eve.h"
#include "conformd/log.h"
#include "conformd/sink-async.h"
#include "output-int.h"

/* The EVE thread's sink: the binary records made text there, once; the
 * writer counts and logs its own failures (eve_lost(), outage.h). */
static void
eveq_flow(void *arg, const struct rec_flow *b)
{
	struct output *o = arg;
	struct flow_record r;

	if (record_text_flow(b, &o->text, &r) == 0)
		(void)eve_flow(o->ev, &r);
}

static void
eveq_finding(void *arg, const struct rec_finding *b)
{
	struct output *o = arg;
	struct finding_text t;
	struct finding f;

	if (record_text_finding(b, &o->text, &f, &t) == 0)
		(void)eve_alert(o->ev, &f);
}

void
output_eve_start(struct output *o)
{
	char err[256];
	struct engine_sink to;

	if (o->ev == NULL || o->eveq != NULL)
		return;
	memset(&to, 0, sizeof(to));
	to.arg = o;
	to.flow = eveq_flow;
	to.finding = eveq_finding;
	o->eveq = sink_async_start(&to, SINK_ASYNC_SLOTS, err, sizeof(err));
	if (o->eveq != NULL)
		sink_async_front(o->eveq, &o->eveq_front);
	else
		log_info("%s: EVE is written by the database's thread", err);
}

void
output_eve_sync(struct output *o, int stop)
{
	if (o->eveq == NULL)
		return;
	if (stop) {
		sink_async_stop(o->eveq, NULL);
		o->eveq = NULL;
	} else
		sink_async_drain(o->eveq);
}

void
output_barrier(struct output *o)
{
	output_eve_sync(o, 0);
}
