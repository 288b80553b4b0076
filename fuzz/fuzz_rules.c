/*
 * fuzz_rules.c - libFuzzer target: the tokenizer (lex_buffer) and the rules
 * parser on arbitrary bytes, as a pack (rules_load, rules_validate) and as
 * a site's own file over the shipped lync2013 pack (rules_load_site).
 *
 * Properties besides the sanitizers: a rules file that loads and validates
 * without error prints (rules_print) a canonical text that loads again
 * without error and prints identically (rules.h: "Parsing the output
 * yields an equal set"); so does a site file, its print loaded as the
 * site's file over the packs' print.
 */
#include <string.h>

#include "conformd/diag.h"
#include "conformd/lex.h"
#include "conformd/rules.h"
#include "fuzz-print.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lexfile lf;
	struct ruleset rs, rs2;
	struct diag d;
	struct fuzz_print p1, p2;

	diag_init(&d, NULL);
	if (lex_buffer("fuzz.rules", (const char *)data, size, &lf, &d) == 0)
		lex_free(&lf);

	diag_init(&d, NULL);
	rules_init(&rs);
	if (rules_load(&rs, fuzz_file(0, data, size), &d) == 0 && d.nerrors == 0 &&
	    rules_validate(&rs, &d) == 0 && d.nerrors == 0) {
		rules_print(&rs, fuzz_print_begin(&p1), RULES_PRINT_ALL);
		fuzz_print_end(&p1);
		diag_init(&d, NULL);
		rules_init(&rs2);
		FUZZ_ASSERT(rules_load(&rs2, fuzz_file(1, (const uint8_t *)p1.buf, p1.len), &d) == 0);
		FUZZ_ASSERT(d.nerrors == 0);
		FUZZ_ASSERT(rules_validate(&rs2, &d) == 0);
		FUZZ_ASSERT(rs2.nrules == rs.nrules && rs2.nroles == rs.nroles &&
		    rs2.npooltypes == rs.npooltypes);
		rules_print(&rs2, fuzz_print_begin(&p2), RULES_PRINT_ALL);
		fuzz_print_end(&p2);
		FUZZ_ASSERT(p1.len == p2.len && memcmp(p1.buf, p2.buf, p1.len) == 0);
		free(p1.buf);
		free(p2.buf);
		rules_free(&rs2);
	}
	rules_free(&rs);

	/* the same bytes as the site's own file over the shipped pack */
	diag_init(&d, NULL);
	rules_init(&rs);
	if (rules_load(&rs, fuzz_srcpath("rules/lync2013.rules"), &d) == 0 &&
	    rules_load_site(&rs, fuzz_file(0, data, size), &d) == 0 && d.nerrors == 0 &&
	    rules_validate(&rs, &d) == 0 && d.nerrors == 0) {
		struct fuzz_print s1, s2;

		rules_print(&rs, fuzz_print_begin(&p1), RULES_PRINT_PACKS);
		fuzz_print_end(&p1);
		rules_print(&rs, fuzz_print_begin(&s1), RULES_PRINT_SITE);
		fuzz_print_end(&s1);
		diag_init(&d, NULL);
		rules_init(&rs2);
		FUZZ_ASSERT(rules_load(&rs2, fuzz_file(1, (const uint8_t *)p1.buf, p1.len), &d) == 0);
		FUZZ_ASSERT(rules_load_site(&rs2, fuzz_file(2, (const uint8_t *)s1.buf, s1.len),
		    &d) == 0);
		FUZZ_ASSERT(d.nerrors == 0 && rules_validate(&rs2, &d) == 0);
		FUZZ_ASSERT(rs2.nrules == rs.nrules && rs2.nroles == rs.nroles &&
		    rs2.noverrides == rs.noverrides);
		rules_print(&rs2, fuzz_print_begin(&p2), RULES_PRINT_PACKS);
		fuzz_print_end(&p2);
		rules_print(&rs2, fuzz_print_begin(&s2), RULES_PRINT_SITE);
		fuzz_print_end(&s2);
		FUZZ_ASSERT(p1.len == p2.len && memcmp(p1.buf, p2.buf, p1.len) == 0);
		FUZZ_ASSERT(s1.len == s2.len && memcmp(s1.buf, s2.buf, s1.len) == 0);
		free(p1.buf);
		free(p2.buf);
		free(s1.buf);
		free(s2.buf);
		rules_free(&rs2);
	}
	rules_free(&rs);
	return 0;
}
