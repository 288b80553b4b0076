/*
 * daemon.h - what only a live run does, beside the pipeline driver's
 * loop (run-pipeline.c): SIGHUP reopens the output files and reloads the
 * policy, SIGUSR1 logs the counters, systemd hears READY, RELOADING,
 * STOPPING and a STATUS line every few seconds.  It also keeps every
 * policy the pipeline may still use (the run's own and each reload's)
 * until the pipeline hands it back (pipeline_reap()).  The main thread.
 */
#ifndef CONFORMD_DAEMON_H
#define CONFORMD_DAEMON_H

#include "conformd/pipeline.h"
#include "conformd/policy.h"
#include "conformd/run.h"

struct daemon;

/*
 * The live side of a pipeline run with options `o` (kept: o->cfgpath is
 * read again on SIGHUP), keeping `pol`, the run's compiled policy, from
 * now on (freed by daemon_free() or when the pipeline hands it back).
 * NULL when out of memory (pol then stays the caller's).
 */
struct daemon *daemon_new(const struct run_opts *o, struct policy *pol);

/* The sources run: READY=1, and the log says what is captured. */
void daemon_ready(struct daemon *d, const char *sources);

/*
 * One turn of the control loop (every 100 ms): act on the SIGHUPs and
 * SIGUSR1s counted since the last turn (run.h), free the policies `pl`
 * no longer needs, and, when `live`, send systemd a STATUS line every
 * few seconds.  A run reading files counts SIGHUP and does nothing.
 */
void daemon_tick(struct daemon *d, struct pipeline *pl, int live);

/* The run stops: STOPPING=1. */
void daemon_stopping(struct daemon *d);

/* Free every policy kept and their configurations (the run's own
 * configuration is not one of them: the caller's). */
void daemon_free(struct daemon *d);

#endif /* CONFORMD_DAEMON_H */
