/*
 * checkpoint.h - a thread that checkpoints a WAL database while another
 * connection writes to it.
 *
 * In WAL mode every page is written twice: appended to the WAL when its
 * transaction commits, copied into the database file at a checkpoint.  The
 * writer normally does the copying itself, after a commit that grows the
 * WAL past wal_autocheckpoint, and at close.  For a bulk load (-r) that
 * copying, and its fsyncs, sit on the writer's path and at the very end of
 * the run.  This thread opens a connection of its own and runs PASSIVE
 * checkpoints (sqlite3_wal_checkpoint_v2()) every CHECKPOINT_EVERY_MS
 * meanwhile: SQLite lets one checkpoint run alongside one writer, a
 * passive checkpoint never waits for either, and what it has not copied
 * stays in the WAL for the next one (or the writer's).  Durability is the
 * writer's: the same WAL, the same synchronous=NORMAL.
 */
#ifndef CONFORMD_CHECKPOINT_H
#define CONFORMD_CHECKPOINT_H

#include <stddef.h>

struct checkpointer;

#define CHECKPOINT_EVERY_MS	20

/*
 * Start checkpointing the WAL database at `path` (already created and in
 * WAL mode by the writer).  NULL with a reason in err when its connection
 * or thread cannot be had; the writer then checkpoints alone, as before.
 * Signals are blocked in the thread.
 */
struct checkpointer *checkpointer_start(const char *path, char *err, size_t errlen);

/* What the thread did: checkpoints run, and WAL frames (pages) they
 * copied into the database file. */
struct checkpointer_stats {
	unsigned long	runs;
	unsigned long	frames;
};

/*
 * Stop the thread (after its current checkpoint), fill `st` (may be
 * NULL) and close its connection.  NULL is a no-op.  Call before the
 * writer closes its own connection, so that the writer's close is the
 * last one and ends the WAL.
 */
void checkpointer_stop(struct checkpointer *c, struct checkpointer_stats *st);

#endif /* CONFORMD_CHECKPOINT_H */
