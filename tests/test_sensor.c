/*
 * test_sensor.c - the sensor's name and the start of a run's flow ids
 * (sensor.h), and the flow table numbering from such a start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "conformd/config.h"
#include "conformd/flow.h"
#include "conformd/sensor.h"
#include "unit.h"

static void
test_name_ok(void)
{
	char longest[SENSOR_NAME_MAX + 2];

	CU_ASSERT(sensor_name_ok("sensor-a.example.net"));
	CU_ASSERT(sensor_name_ok("s"));
	CU_ASSERT(!sensor_name_ok(""));
	CU_ASSERT(!sensor_name_ok(NULL));
	CU_ASSERT(!sensor_name_ok("two words"));
	CU_ASSERT(!sensor_name_ok("tab\there"));
	CU_ASSERT(!sensor_name_ok("caf\xc3\xa9"));	/* RFC 5424 HOSTNAME: US-ASCII */
	CU_ASSERT(!sensor_name_ok("del\x7f"));
	memset(longest, 'a', SENSOR_NAME_MAX);
	longest[SENSOR_NAME_MAX] = '\0';
	CU_ASSERT(sensor_name_ok(longest));
	longest[SENSOR_NAME_MAX] = 'a';
	longest[SENSOR_NAME_MAX + 1] = '\0';
	CU_ASSERT(!sensor_name_ok(longest));
}

static void
test_default_name(void)
{
	char buf[SENSOR_NAME_MAX + 1];

	sensor_default_name(buf, sizeof(buf));
	/* a usable name, or "-" when the host has none */
	CU_ASSERT(strcmp(buf, "-") == 0 || sensor_name_ok(buf));
	sensor_default_name(buf, 2);
	CU_ASSERT_EQUAL(strlen(buf), 1);
}

/* Runs start at random points below 2^51, never 0: 64 of them differ. */
static void
test_flow_id_start(void)
{
	uint64_t v[64];
	int dup = 0;

	for (int i = 0; i < 64; i++) {
		v[i] = sensor_flow_id_start();
		CU_ASSERT(v[i] != 0 && v[i] <= SENSOR_FLOW_ID_MASK);
		for (int j = 0; j < i; j++)
			dup += v[i] == v[j];
	}
	CU_ASSERT_EQUAL(dup, 0);
}

/* The config key: printable, no blanks; printed back as given. */
static void
test_config_key(void)
{
	char path[512], path2[512], *msgs;
	struct unit_mem m;
	struct config c;
	struct diag d;

	snprintf(path, sizeof(path), "%s/sensor.conf", unit_tmpdir());
	snprintf(path2, sizeof(path2), "%s/sensor2.conf", unit_tmpdir());
	CU_ASSERT_FATAL(unit_spit(path, "inventory inv.conf\nsensor-name \"two words\"\n") == 0);
	CU_ASSERT_FATAL(unit_spit(path2, "inventory inv.conf\nsensor-name s1.example\n") == 0);
	diag_init(&d, unit_mem_open(&m));
	config_init(&c);
	CU_ASSERT_EQUAL(config_load(&c, path, &d), -1);
	msgs = unit_mem_close(&m);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "sensor.conf:2: sensor-name must be 1 to 255 "
	    "printable characters without blanks, not \"two words\""));
	free(msgs);
	CU_ASSERT_PTR_NULL(c.sensor_name);
	config_free(&c);
	diag_init(&d, unit_mem_open(&m));
	config_init(&c);
	CU_ASSERT_EQUAL(config_load(&c, path2, &d), 0);
	free(unit_mem_close(&m));
	CU_ASSERT_STRING_EQUAL(c.sensor_name, "s1.example");
	config_print(&c, unit_mem_open(&m));
	msgs = unit_mem_close(&m);
	CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "\nsensor-name s1.example\n"));
	free(msgs);
	config_free(&c);
}

void
test_sensor_register(void)
{
	CU_pSuite s = CU_add_suite("sensor", NULL, NULL);

	CU_add_test(s, "names RFC 5424 HOSTNAME takes", test_name_ok);
	CU_add_test(s, "the default name", test_default_name);
	CU_add_test(s, "flow ids start at random below 2^51", test_flow_id_start);
	CU_add_test(s, "sensor-name in conformd.conf", test_config_key);
}
