/*
 * test_checkpoint.c - the checkpointer thread (src/output/checkpoint.c): with the
 * writer's own checkpoints off, pages reach the database file while the
 * writer writes, the data stays whole, and the writer's close still ends
 * the WAL; bad paths and NULL are handled.  Also the store's bulk mode,
 * which runs it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "output/checkpoint.h"
#include "unit.h"

#define ROWS_PER_TX	500
#define TXS		200
#define ROW_BYTES	200

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void
test_missing_file(void)
{
	char path[512], err[1024] = "";

	snprintf(path, sizeof(path), "%s/no-such-dir/x.db", unit_tmpdir());
	CU_ASSERT_PTR_NULL(checkpointer_start(path, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	checkpointer_stop(NULL, NULL);
}

static void
test_copies_while_writing(void)
{
	char path[512], wal[600], err[1024] = "", blob[ROW_BYTES];
	struct checkpointer_stats cs;
	struct checkpointer *c;
	sqlite3 *db, *rd;
	sqlite3_stmt *ins, *cnt;
	off_t before, during;

	snprintf(path, sizeof(path), "%s/ckpt.db", unit_tmpdir());
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	/* the writer never checkpoints by itself: only the thread does */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "INSERT INTO t (b) VALUES (?)", -1,
	    &ins, NULL), SQLITE_OK);
	before = file_size(path);
	c = checkpointer_start(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memset(blob, 0x5a, sizeof(blob));
	for (int t = 0; t < TXS; t++) {
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (int i = 0; i < ROWS_PER_TX; i++) {
			blob[0] = (char)i;
			sqlite3_bind_blob(ins, 1, blob, sizeof(blob), SQLITE_STATIC);
			CU_ASSERT_EQUAL(sqlite3_step(ins), SQLITE_DONE);
			sqlite3_reset(ins);
		}
		CU_ASSERT_EQUAL(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
		if (t % 20 == 0)
			usleep(CHECKPOINT_EVERY_MS * 1000);	/* let it run at least once */
	}
	checkpointer_stop(c, &cs);
	CU_ASSERT(cs.runs > 0);
	CU_ASSERT(cs.frames > 0);
	/* Without the thread the database file would still be as created
	 * (no checkpoint has run in the writer): the pages got there. */
	during = file_size(path);
	CU_ASSERT(during > before + (off_t)(TXS * ROWS_PER_TX * ROW_BYTES) / 2);
	sqlite3_finalize(ins);
	/* the writer's close is the last one: it ends the WAL */
	CU_ASSERT_EQUAL(sqlite3_close(db), SQLITE_OK);
	CU_ASSERT_EQUAL(file_size(wal), -1);
	/* and everything is there */
	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(rd, "SELECT count(*), sum(length(b)) FROM t",
	    -1, &cnt, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(cnt), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int64(cnt, 0), TXS * ROWS_PER_TX);
	CU_ASSERT_EQUAL(sqlite3_column_int64(cnt, 1), (sqlite3_int64)TXS * ROWS_PER_TX * ROW_BYTES);
	sqlite3_finalize(cnt);
	CU_ASSERT_EQUAL(sqlite3_prepare_v2(rd, "PRAGMA integrity_check", -1, &cnt, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(cnt), SQLITE_ROW);
	CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(cnt, 0), "ok");
	sqlite3_finalize(cnt);
	sqlite3_close(rd);
	unlink(path);
}

/* Started and stopped at once, many times: no checkpoint needed, no leak
 * (ASan), no hang. */
static void
test_start_stop(void)
{
	char path[512], err[1024];
	struct checkpointer_stats cs;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/ckpt2.db", unit_tmpdir());
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t (x)", NULL, NULL, NULL);
	for (int i = 0; i < 50; i++) {
		struct checkpointer *c = checkpointer_start(path, err, sizeof(err));

		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		checkpointer_stop(c, i % 2 ? &cs : NULL);
	}
	sqlite3_close(db);
	unlink(path);
}

void
test_checkpoint_register(void)
{
	CU_pSuite s = CU_add_suite("checkpoint", NULL, NULL);

	CU_add_test(s, "missing file", test_missing_file);
	CU_add_test(s, "pages reach the database while the writer writes", test_copies_while_writing);
	CU_add_test(s, "start and stop", test_start_stop);
}
