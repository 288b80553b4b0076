/*
 * output-int.h - what the parts of the output share: the fan-out
 * (output.c), the EVE writer thread (output-eve.c), the database's
 * outages and retries (output-db.c), the run's rows (output-run.c) and
 * the alert feeds (output-feed.c).  Private to those five files.
 *
 * One struct output, owned by one thread (the store thread of the daemon,
 * the main thread of -r): every function here is that thread's, except
 * where the EVE thread is named.
 */
#ifndef CONFORMD_OUTPUT_INT_H
#define CONFORMD_OUTPUT_INT_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/config.h"
#include "conformd/output.h"
#include "conformd/record-text.h"
#include "conformd/sensor.h"
#include "conformd/sink.h"
#include "outage.h"
#include "store-int.h"

struct alert_limit;
struct eve;
struct feed;
struct sink_async;
struct store;

struct output {
	struct store	*st;
	struct eve	*ev;
	char		 sensor[SENSOR_NAME_MAX + 1];	/* sensor.h */
	uint64_t	 retain_age, retain_bytes;	/* `retention` (store_set_retention()) */
	/* records lost: while the database could not be opened, and by the
	 * store thread falling behind (output_set_queue_lost()); the rest is
	 * counted by the store and the EVE writer themselves */
	uint64_t	 db_unopened;
	uint64_t	 queue_lost;
	struct outage	 db_out;	/* the database's outages */
	uint64_t	 db_failed, db_written;	/* the store's counts when last looked at */
	char		 db_err[256];	/* why it could not be opened */
	/* alert feeds (output-feed.c) */
	struct feed	*feeds[CONFIG_MAX_OUTPUTS];
	int		 nfeeds;
	int		 min_severity;	/* the most any feed takes */
	struct alert_limit *lim;
	uint64_t	 below_severity;	/* findings no feed takes */
	uint32_t	 scan_window;	/* seconds, for the summary's text */
	uint64_t	 last_tick;
	/* a database that could not be opened: retried, its records counted
	 * as lost (output-db.c); the run it is to record (output-run.c) */
	char		*db_path;
	uint64_t	 db_retry;	/* next attempt, microseconds */
	char		*run_sources, *run_version;
	uint64_t	 run_start;
	const struct ruleset *run_rs;
	const struct inventory *run_inv;
	/* the rules of reloads while there was no database, copied (a
	 * reload's ruleset is freed once no flow holds it): added to the
	 * database when it opens, after the run's own */
	struct store_rules held;
	int		 run_begun;
	int		 offline;	/* -r: bulk loads (store_set_bulk()) */
	struct rec_text_opts text;	/* what the configuration asks of a record's text */
	uint64_t	 invalid;	/* binary records refused (record-text.h): none is made */
	/* EVE formatted and written by its own thread (sink_async,
	 * output-eve.c), in parallel with the database; the fields below are
	 * that thread's until output_eve_sync() */
	struct sink_async *eveq;
	struct engine_sink eveq_front;
};

/* The sink's counter path (output.c): the run's counter `name`, to the
 * database when it is open (output_db()). */
void output_counter(void *arg, const char *name, uint64_t value);

/* output-eve.c: the EVE writer thread. */

/* Start it, when there is an EVE file and no thread yet; when it cannot
 * be started (logged), the owner writes EVE itself. */
void output_eve_start(struct output *o);

/* Wait until everything queued to the EVE thread is written, and stop
 * the thread when `stop`: before the owner touches the EVE file (commit,
 * stats, reopen, run end, close).  No thread: a no-op. */
void output_eve_sync(struct output *o, int stop);

/* output-db.c: the database, open or failing. */

/*
 * Open the database `path` (NULL: none) for output_open(), with the
 * sensor's name and o->retain_*; its outages begin here.  One that cannot
 * be opened is an outage from the start (logged; output_db_retry()) and
 * returns 0 too.  Returns -1 with a reason in err only when out of
 * memory (the caller closes the output).
 */
int output_db_open(struct output *o, const char *path, char *err, size_t errlen);

/* The database when it is open.  When it is configured but could not be
 * opened, the record that would have gone there is counted as lost (an
 * outage) and NULL is returned: classification and the other outputs go
 * on. */
struct store *output_db(struct output *o);

/* After a write to the open database: rows the store counted as failed (a
 * row, or a whole batch whose commit failed) begin or prolong an outage;
 * rows committed end it. */
void output_db_check(struct output *o);

/* A database that could not be opened is tried again, at most every 10 s
 * of the monotonic clock `now_usec`; once open it gets the run begun so
 * far (output_run_replay()). */
void output_db_retry(struct output *o, uint64_t now_usec);

/* output-run.c: the run's rows. */

/* The run's beginning (sources, version, rules, hosts), as
 * output_run_begin() recorded it, to a database opened since.  Returns 0,
 * or -1 when the database did not take it (store_error()). */
int output_run_replay(struct output *o);

/* output-feed.c: the alert feeds. */

/* Open the feeds and volume control that `cfg` names (NULL or none:
 * nothing to do).  Returns 0, or -1 with a reason in err (the caller
 * closes the output). */
int output_feed_open(struct output *o, const struct config *cfg, char *err, size_t errlen);

/* Drive every feed (feed_tick()) at wall-clock `now_usec`. */
void output_feed_tick(struct output *o, uint64_t now_usec);

/* A finding to the feeds, through volume control; output_tick() first
 * when a second has passed since the last.  Only with feeds. */
void output_feed_finding(struct output *o, const struct finding *f);

/* Give every feed until OUTPUT_DRAIN_USEC from now to send what it
 * holds. */
void output_feed_drain(struct output *o);

/* The feeds' counters (alerts.*), through output_counter().  No feeds:
 * none. */
void output_feed_counters(struct output *o);

/* Drain the feeds, log what each could not send, close them and volume
 * control.  Safe on an output output_open() left half open. */
void output_feed_close(struct output *o);

#endif /* CONFORMD_OUTPUT_INT_H */
