/*
 * fuzz_inventory.c - libFuzzer target: the inventory parser
 * (inventory_load against the shipped rules) and the policy compiled from
 * what it accepts.
 *
 * Properties besides the sanitizers: an inventory that loads cleanly
 * prints a canonical text that loads cleanly again and prints identically;
 * and every entry's own address, looked up in the compiled policy, holds
 * at least that entry's roles (policy.h: the union of every covering
 * prefix).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/diag.h"
#include "conformd/inventory.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "fuzz-print.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ruleset rs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag d;

	(void)argc;
	(void)argv;
	diag_init(&d, stderr);
	rules_init(&rs);
	if (rules_load(&rs, fuzz_srcpath("rules/lync2013.rules"), &d) == -1 ||
	    rules_validate(&rs, &d) == -1) {
		fprintf(stderr, "fuzz_inventory: cannot load the rules (set CONFORMD_SRCDIR)\n");
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory inv, inv2;
	struct policy *pol;
	struct diag d;
	struct fuzz_print p1, p2;

	diag_init(&d, NULL);
	inventory_init(&inv);
	if (inventory_load(&inv, fuzz_file(0, data, size), &rs, &d) == 0 && d.nerrors == 0) {
		inventory_print(&inv, &rs, fuzz_print_begin(&p1));
		fuzz_print_end(&p1);
		diag_init(&d, NULL);
		inventory_init(&inv2);
		FUZZ_ASSERT(inventory_load(&inv2, fuzz_file(1, (const uint8_t *)p1.buf, p1.len),
		    &rs, &d) == 0);
		FUZZ_ASSERT(d.nerrors == 0);
		FUZZ_ASSERT(inv2.nhosts == inv.nhosts && inv2.nentries == inv.nentries);
		inventory_print(&inv2, &rs, fuzz_print_begin(&p2));
		fuzz_print_end(&p2);
		FUZZ_ASSERT(p1.len == p2.len && memcmp(p1.buf, p2.buf, p1.len) == 0);
		free(p1.buf);
		free(p2.buf);
		inventory_free(&inv2);

		pol = policy_compile(&rs, &inv);
		FUZZ_ASSERT(pol != NULL);
		for (int i = 0; i < inv.nentries; i++) {
			const struct inv_entry *en = &inv.entries[i];
			int host;
			uint64_t roles = policy_roles(pol, en->addr, &host);

			FUZZ_ASSERT((roles & en->roles) == en->roles);
			FUZZ_ASSERT(host >= 0 && host < inv.nhosts);
		}
		policy_free(pol);
	}
	inventory_free(&inv);
	return 0;
}
