/*
 * fuzz_config.c - libFuzzer target: the configuration parser
 * (config_load) on arbitrary bytes.
 *
 * Property besides the sanitizers: a configuration that loads cleanly
 * prints (config_print) a canonical text that loads cleanly again and
 * prints identically.  Both files sit in /proc/self/fd, so relative paths
 * resolve the same way in both.
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/config.h"
#include "conformd/diag.h"
#include "fuzz-print.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, c2;
	struct diag d;
	struct fuzz_print p1, p2;

	diag_init(&d, NULL);
	config_init(&c);
	if (config_load(&c, fuzz_file(0, data, size), &d) == 0 && d.nerrors == 0) {
		config_print(&c, fuzz_print_begin(&p1));
		fuzz_print_end(&p1);
		diag_init(&d, NULL);
		config_init(&c2);
		FUZZ_ASSERT(config_load(&c2, fuzz_file(1, (const uint8_t *)p1.buf, p1.len), &d) == 0);
		FUZZ_ASSERT(d.nerrors == 0);
		FUZZ_ASSERT(c2.nrules == c.nrules && c2.max_flows == c.max_flows &&
		    c2.flow_vlan == c.flow_vlan && c2.summary_top == c.summary_top);
		config_print(&c2, fuzz_print_begin(&p2));
		fuzz_print_end(&p2);
		FUZZ_ASSERT(p1.len == p2.len && memcmp(p1.buf, p2.buf, p1.len) == 0);
		free(p1.buf);
		free(p2.buf);
		config_free(&c2);
	}
	config_free(&c);
	return 0;
}
