/*
 * unit.h - the CUnit suites of every module, registered by tests/unit.c.
 * Each tests/test_<module>.c defines one `void test_<module>_register(void)`
 * that adds its suite(s) to the CUnit registry.
 */
#ifndef CONFORMD_TESTS_UNIT_H
#define CONFORMD_TESTS_UNIT_H

#include <CUnit/CUnit.h>

void test_decode_register(void);
void test_lex_register(void);
void test_rules_register(void);
void test_inventory_register(void);
void test_config_register(void);
void test_policy_register(void);
void test_flow_register(void);
void test_store_register(void);
void test_eve_register(void);

/* Absolute path of a file in the source tree (static buffer, one at a time). */
const char *unit_srcpath(const char *rel);
/* A fresh scratch directory for this run (created on first use). */
const char *unit_tmpdir(void);

#endif
