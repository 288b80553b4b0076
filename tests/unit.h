/*
 * unit.h - the CUnit suites of every module, registered by tests/unit.c.
 * Each tests/test_<module>.c defines one `void test_<module>_register(void)`
 * that adds its suite(s) to the CUnit registry.
 */
#ifndef CONFORMD_TESTS_UNIT_H
#define CONFORMD_TESTS_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <CUnit/CUnit.h>

void test_decode_register(void);
void test_decode_tunnel_register(void);
void test_lex_register(void);
void test_rules_register(void);
void test_inventory_register(void);
void test_config_register(void);
void test_policy_register(void);
void test_flow_register(void);
void test_store_register(void);
void test_eve_register(void);
void test_ring_register(void);
void test_capture_register(void);
void test_notify_register(void);
void test_privdrop_register(void);
void test_appdetect_register(void);
void test_engine_register(void);
void test_alertfmt_register(void);
void test_alertlimit_register(void);
void test_feed_register(void);
void test_pcapfile_register(void);
void test_fastpath_register(void);
void test_sinkasync_register(void);
void test_checkpoint_register(void);
void test_retention_register(void);
void test_filter_register(void);
void test_communityid_register(void);
void test_sensor_register(void);
void test_pcapdir_register(void);
void test_discover_register(void);

/* Absolute path of a file in the source tree (static buffer, one at a time). */
const char *unit_srcpath(const char *rel);
/* A fresh scratch directory for this run (created on first use). */
const char *unit_tmpdir(void);

/* A whole file, malloc'd, NUL-terminated, its length in *len (may be NULL); NULL if unreadable. */
char *unit_slurp(const char *path, size_t *len);
/* Write `text` to `path`, replacing it; 0, or -1 when it cannot be written. */
int unit_spit(const char *path, const char *text);
/* Remove every occurrence of `prefix` from s, in place (nothing when prefix is ""). */
void unit_strip(char *s, const char *prefix);
/* Fail the test unless got equals want (neither NULL); both are shown when they differ. */
void unit_assert_text(const char *what, const char *got, const char *want);
/* Compare got with golden file `rel` (source-tree relative); with
 * CONFORMD_UPDATE_GOLDEN=1 (`make update-golden`) write got over it instead. */
void unit_golden(const char *rel, const char *got);
/* Replace every '_' in s with '-' (C names of the tests -> golden file names). */
void unit_dashes(char *s);
/* Store v big-endian at b[0], b[1] (building test frames). */
void unit_put16(uint8_t *b, uint16_t v);
/* Address text to 16 bytes (IPv4 v4-mapped); a text that does not parse
 * fails the test at once.  Returns 4 or 6. */
int unit_addr(const char *s, uint8_t a[16]);

/*
 * UNIT_BAD_CASE(fn, check, n) defines `static void fn##n(void)` that calls
 * check("bad-n") with the underscores of n written as dashes: one CUnit
 * test per golden file tests/<module>/bad-NAME.*, from an X-macro list.
 */
#define UNIT_BAD_CASE(fn, check, n) \
static void fn##n(void) \
{ \
	char name[64] = "bad-" #n; \
	unit_dashes(name); \
	check(name); \
}

/* A memory stream that captures what a function prints. */
struct unit_mem {
	FILE	*f;
	char	*buf;
	size_t	 len;
};
/* Open m's stream and return it (the test stops if it cannot be opened). */
FILE *unit_mem_open(struct unit_mem *m);
/* Close m's stream; returns everything printed to it (malloc'd, caller frees). */
char *unit_mem_close(struct unit_mem *m);

#endif
