/*
 * checkpoint.c - PASSIVE WAL checkpoints from a thread of their own
 * (checkpoint.h).
 *
 * The thread owns its connection; the only shared state is `stop`
 * (release by the owner, acquire here) and the stats, which the owner
 * reads after pthread_join().  A checkpoint that fails (the database busy
 * in some way a passive checkpoint does not wait for, an I/O error) is
 * not an error of the run: the writer still checkpoints past
 * wal_autocheckpoint and at close, so the pages get there either way.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "conformd/thread.h"
#include "checkpoint.h"

#define NAP_MS	5	/* stop is noticed within this */

struct checkpointer {
	sqlite3			*db;
	pthread_t		 thr;
	atomic_int		 stop;
	struct checkpointer_stats st;	/* the thread's until joined */
};

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *
checkpointer_main(void *arg)
{
	struct checkpointer *c = arg;

	thread_unprivileged("checkpoint");
	for (;;) {
		int nlog = 0, nckpt = 0;

		for (int waited = 0; waited < CHECKPOINT_EVERY_MS; waited += NAP_MS) {
			/* acquire: pairs with checkpointer_stop()'s release */
			if (atomic_load_explicit(&c->stop, memory_order_acquire))
				return NULL;
			nap_ms(NAP_MS);
		}
		if (sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE,
		    &nlog, &nckpt) == SQLITE_OK) {
			c->st.runs++;
			if (nckpt > 0)
				c->st.frames += (unsigned long)nckpt;
		}
	}
}

struct checkpointer *
checkpointer_start(const char *path, char *err, size_t errlen)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	int rv;

	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory for the checkpointer", path);
		return NULL;
	}
	atomic_init(&c->stop, 0);
	/* No CREATE: the writer made the file.  The same synchronous level as
	 * the writer (a new connection starts at FULL): its checkpoints sync
	 * the WAL and the database as the writer's would. */
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: checkpointer: %s", path,
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	rv = thread_start_blocked(&c->thr, checkpointer_main, c);
	if (rv != 0) {
		snprintf(err, errlen, "%s: cannot start the checkpointer: %s", path,
		    strerror(rv));
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	return c;
}

void
checkpointer_stop(struct checkpointer *c, struct checkpointer_stats *st)
{
	if (c == NULL)
		return;
	/* release: nothing to publish but the request itself */
	atomic_store_explicit(&c->stop, 1, memory_order_release);
	pthread_join(c->thr, NULL);
	if (st != NULL)
		*st = c->st;
	sqlite3_close(c->db);
	free(c);
}
