/*
 * unit.c - the one CUnit runner: every module's suite, basic mode, exit
 * status 1 when any assertion failed.  `tests/unit SUITE` runs one suite.
 * Also the helpers the suites share (unit.h): source and scratch paths,
 * whole-file reads and writes, prefix stripping, printing into a string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/Basic.h>

#include "conformd/inventory.h"
#include "unit.h"

const char *
unit_srcpath(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("top_srcdir");

	snprintf(buf, sizeof(buf), "%s/%s", top ? top : TOP_SRCDIR, rel);
	return buf;
}

const char *
unit_tmpdir(void)
{
	static char dir[256];

	if (dir[0] == '\0') {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/conformd-unit.XXXXXX", t ? t : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return dir;
}

char *
unit_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

int
unit_spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

void
unit_strip(char *s, const char *prefix)
{
	size_t pl = strlen(prefix), r = 0, w = 0;

	/* one pass with indices: linear, and what is removed is never rescanned */
	while (s[r] != '\0') {
		if (pl > 0 && strncmp(s + r, prefix, pl) == 0)
			r += pl;
		else
			s[w++] = s[r++];
	}
	s[w] = '\0';
}

void
unit_assert_text(const char *what, const char *got, const char *want)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n%s:\n--- expected\n%s--- got\n%s---\n", what, want, got);
}

void
unit_golden(const char *rel, const char *got)
{
	const char *regen = getenv("CONFORMD_UPDATE_GOLDEN");
	char path[4096], msg[4200], *want;

	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	snprintf(path, sizeof(path), "%s", unit_srcpath(rel));
	if (regen != NULL && *regen != '\0' && strcmp(regen, "0") != 0) {
		snprintf(msg, sizeof(msg), "cannot write golden file %s", rel);
		CU_assertImplementation(unit_spit(path, got) == 0, __LINE__, msg,
		    __FILE__, "", CU_FALSE);
		return;
	}
	want = unit_slurp(path, NULL);
	snprintf(msg, sizeof(msg), "golden file %s missing", rel);
	CU_assertImplementation(want != NULL, __LINE__, msg, __FILE__, "", CU_FALSE);
	if (want == NULL)
		return;
	snprintf(msg, sizeof(msg), "output differs from %s", rel);
	CU_assertImplementation(strcmp(want, got) == 0, __LINE__, msg, __FILE__, "",
	    CU_FALSE);
	if (strcmp(want, got) != 0)
		fprintf(stderr, "\n--- expected %s\n%s--- got\n%s---\n", rel, want, got);
	free(want);
}

void
unit_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

int
unit_addr(const char *s, uint8_t a[16])
{
	int fam, plen;
	char err[128];

	if (addr_parse(s, a, &fam, &plen, err, sizeof(err)) == -1)
		CU_FAIL_FATAL("bad test address");
	return fam;
}

void
unit_dashes(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '_')
			*s = '-';
}

FILE *
unit_mem_open(struct unit_mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->f);
	return m->f;
}

char *
unit_mem_close(struct unit_mem *m)
{
	fclose(m->f);
	m->f = NULL;
	return m->buf;
}

int
main(int argc, char **argv)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	test_decode_register();
	test_decode_tunnel_register();
	test_lex_register();
	test_rules_register();
	test_inventory_register();
	test_config_register();
	test_policy_register();
	test_flow_register();
	test_store_register();
	test_eve_register();
	test_ring_register();
	test_capture_register();
	test_notify_register();
	test_privdrop_register();
	test_appdetect_register();
	test_engine_register();
	test_alertfmt_register();
	test_alertlimit_register();
	test_feed_register();
	test_pcapfile_register();
	test_fastpath_register();
	test_sinkasync_register();
	test_checkpoint_register();
	test_retention_register();
	test_filter_register();
	test_communityid_register();
	test_sensor_register();
	test_pcapdir_register();
	test_discover_register();

	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (argc > 1) {
		CU_pSuite s = CU_get_suite(argv[1]);
		if (s == NULL) {
			fprintf(stderr, "unit: no suite %s\n", argv[1]);
			CU_cleanup_registry();
			return 2;
		}
		CU_basic_run_suite(s);
	} else
		CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	printf("\nunit: %u passed, %u failed\n",
	    CU_get_number_of_tests_run() - CU_get_number_of_tests_failed(),
	    CU_get_number_of_tests_failed());
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
