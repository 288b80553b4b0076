/*
 * test_lex.c - the shared tokenizer: words, quotes, comments, blocks,
 * continuations, line numbers, and every error it reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "conformd/lex.h"
#include "unit.h"

/* Tokenize `src`; diagnostics collected into errbuf. */
static int
lex_str(const char *src, struct lexfile *lf, char *errbuf, size_t errlen, int *nerr)
{
	struct diag d;
	FILE *f = fmemopen(errbuf, errlen, "w");
	int rv;

	memset(errbuf, 0, errlen);
	diag_init(&d, f);
	rv = lex_buffer("t.conf", src, strlen(src), lf, &d);
	fclose(f);
	*nerr = d.nerrors;
	return rv;
}

static void
test_words_and_lines(void)
{
	struct lexfile lf;
	char err[512];
	int n;

	CU_ASSERT_EQUAL(lex_str("# head\nrole a server \"A b\"  # tail\n\nrule x\\\n  port 1\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL_FATAL(lf.nstmt, 2);
	CU_ASSERT_EQUAL(lf.stmt[0].ntok, 4);
	CU_ASSERT_STRING_EQUAL(lf.stmt[0].tok[3].text, "A b");
	CU_ASSERT_EQUAL(lf.stmt[0].tok[3].quoted, 1);
	CU_ASSERT_EQUAL(lf.stmt[0].line, 2);
	CU_ASSERT_EQUAL(lf.stmt[1].ntok, 4);
	CU_ASSERT_STRING_EQUAL(lf.stmt[1].tok[3].text, "1");
	CU_ASSERT_EQUAL(lf.stmt[1].tok[2].line, 5);
	lex_free(&lf);
}

static void
test_block(void)
{
	struct lexfile lf;
	char err[512];
	int n;

	CU_ASSERT_EQUAL(lex_str("pool p {\n type front-end\n member fe1 198.18.1.11\n}\nhost h 1.2.3.4 role x\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL_FATAL(lf.nstmt, 2);
	CU_ASSERT_EQUAL(lf.stmt[0].ntok, 7);
	CU_ASSERT_STRING_EQUAL(lf.stmt[0].tok[6].text, "198.18.1.11");
	CU_ASSERT_EQUAL(lf.stmt[0].tok[6].line, 3);
	CU_ASSERT_EQUAL(lf.stmt[1].line, 5);
	lex_free(&lf);
}

static void
test_escapes(void)
{
	struct lexfile lf;
	char err[512];
	int n;

	CU_ASSERT_EQUAL(lex_str("note \"say \\\"hi\\\" \\\\ ok\"\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_EQUAL_FATAL(lf.nstmt, 1);
	CU_ASSERT_STRING_EQUAL(lf.stmt[0].tok[1].text, "say \"hi\" \\ ok");
	lex_free(&lf);
}

static void
test_errors(void)
{
	struct lexfile lf;
	char err[512];
	int n;

	CU_ASSERT_EQUAL(lex_str("a \"open\nb ok\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(err, "t.conf:1: unterminated quoted string\n");
	CU_ASSERT_EQUAL_FATAL(lf.nstmt, 1);		/* the bad line is dropped, the next kept */
	CU_ASSERT_STRING_EQUAL(lf.stmt[0].tok[0].text, "b");
	lex_free(&lf);

	CU_ASSERT_EQUAL(lex_str("a }\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_STRING_EQUAL(err, "t.conf:1: unbalanced '}'\n");
	CU_ASSERT_EQUAL(lf.nstmt, 0);
	lex_free(&lf);

	CU_ASSERT_EQUAL(lex_str("x\npool p {\n a b\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_STRING_EQUAL(err, "t.conf:2: unterminated block: '{' has no matching '}'\n");
	CU_ASSERT_EQUAL(lf.nstmt, 1);
	lex_free(&lf);

	CU_ASSERT_EQUAL(lex_str("a \x01 b\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_STRING_EQUAL(err, "t.conf:1: invalid character 0x01\n");
	lex_free(&lf);

	/* inside quotes too (a tab is fine): every accepted word prints back */
	CU_ASSERT_EQUAL(lex_str("a \"x\x08y\"\nb \"t\tab\"\n", &lf, err, sizeof(err), &n), 0);
	CU_ASSERT_STRING_EQUAL(err, "t.conf:1: invalid character 0x08\n");
	CU_ASSERT_EQUAL_FATAL(lf.nstmt, 1);
	CU_ASSERT_STRING_EQUAL(lf.stmt[0].tok[1].text, "t\tab");
	lex_free(&lf);
}

static void
test_binary(void)
{
	struct lexfile lf;
	struct diag d;
	char err[256] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");
	static const char bin[] = "ok line\n\x7f" "ELF\0\0\0";

	diag_init(&d, f);
	CU_ASSERT_EQUAL(lex_buffer("b.conf", bin, sizeof(bin) - 1, &lf, &d), -1);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(err, "b.conf:2: invalid character 0x7f\nb.conf:2: binary data (NUL byte): not a text file\n");
}

static void
test_files(void)
{
	struct lexfile lf;
	struct diag d;
	char path[512];
	char err[512] = "";
	FILE *f;

	f = fmemopen(err, sizeof(err), "w");
	diag_init(&d, f);
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", unit_tmpdir());
	CU_ASSERT_EQUAL(lex_file(path, &lf, &d), -1);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": cannot open: No such file or directory\n"));

	f = fmemopen(err, sizeof(err), "w");
	diag_init(&d, f);
	CU_ASSERT_EQUAL(lex_file(unit_tmpdir(), &lf, &d), -1);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": not a regular file\n"));

	/* an empty file is empty, not an error */
	snprintf(path, sizeof(path), "%s/empty.conf", unit_tmpdir());
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	diag_init(&d, NULL);
	CU_ASSERT_EQUAL(lex_file(path, &lf, &d), 0);
	CU_ASSERT_EQUAL(lf.nstmt, 0);
	CU_ASSERT_EQUAL(d.nerrors, 0);
	lex_free(&lf);
}

static void
test_number(void)
{
	unsigned long v = 0;

	CU_ASSERT_EQUAL(lex_number("65535", 1, 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 65535);
	CU_ASSERT_EQUAL(lex_number("65536", 1, 65535, &v), -1);
	CU_ASSERT_EQUAL(lex_number("0", 1, 65535, &v), -1);
	CU_ASSERT_EQUAL(lex_number("-1", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(lex_number("+1", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(lex_number("1x", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(lex_number("", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(lex_number("99999999999999999999999", 0, ~0UL, &v), -1);
}

void
test_lex_register(void)
{
	CU_pSuite s = CU_add_suite("lex", NULL, NULL);

	CU_add_test(s, "words, quotes, comments, continuation, lines", test_words_and_lines);
	CU_add_test(s, "blocks join lines", test_block);
	CU_add_test(s, "quote escapes", test_escapes);
	CU_add_test(s, "errors drop only their statement", test_errors);
	CU_add_test(s, "binary data refused", test_binary);
	CU_add_test(s, "files: missing, directory, empty", test_files);
	CU_add_test(s, "strict numbers", test_number);
}
