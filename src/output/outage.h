/*
 * outage.h - the episodes of an output that fails and recovers.
 *
 * An output (the database, the EVE file) that cannot be written goes on
 * being tried; its records meanwhile are lost and counted.  An episode
 * begins with the first record lost after a success and ends with the
 * next success.  Each episode is logged twice: when it begins (what, the
 * path, why) and when it ends (how long it lasted, the records lost
 * during it).  Episodes that begin less than OUTAGE_QUIET_USEC after the
 * last one logged are counted, not logged (a disk that fills and empties
 * every second), and the next message says how many there were.  One
 * owner thread per struct outage (that of its output).
 */
#ifndef CONFORMD_OUTAGE_H
#define CONFORMD_OUTAGE_H

#include <stdint.h>

#define OUTAGE_QUIET_USEC	10000000ULL	/* at most one episode logged per 10 s */

struct outage {
	const char	*what;		/* "database", "EVE": the message's subject */
	int		 active;	/* an episode is in progress */
	int		 logged;	/* its beginning was logged */
	uint64_t	 since;		/* monotonic microseconds it began */
	uint64_t	 lost;		/* records lost during it */
	uint64_t	 last_log;	/* monotonic microseconds of the last beginning logged */
	uint64_t	 quiet_episodes;	/* not logged since the last message */
	uint64_t	 quiet_lost;
	uint64_t	 episodes;	/* every episode so far */
};

/* An output with no episode yet; `what` names it in messages (static). */
void outage_init(struct outage *o, const char *what);

/*
 * n records could not be written (n may be 0: the output failed, nothing
 * lost yet) for `reason` ("path: why").  Begins an episode, logged unless
 * quiet (above), when none is in progress.
 */
void outage_fail(struct outage *o, uint64_t n, const char *reason);

/* The caller has just logged the beginning of an episode itself (the
 * database that cannot be opened at start): begin one, as logged. */
void outage_begun(struct outage *o);

/* A record was written: ends the episode in progress, if any (logged
 * when its beginning was).  Cheap when there is none. */
void outage_ok(struct outage *o, const char *path);

#endif /* CONFORMD_OUTAGE_H */
