/*
 * test_config.c - suite "config": conformd.conf parsing (config.c).
 *
 * Error messages are compared byte for byte with golden files:
 * tests/config/bad-NAME.conf must report exactly tests/config/bad-NAME.expected
 * once the directory part of the path is removed (see
 * tests/inventory/README).  `make update-golden` rewrites the .expected
 * files.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformd/config.h"
#include "conformd/diag.h"
#include "unit.h"

#ifndef CONFORMD_RULESDIR
#define CONFORMD_RULESDIR	"/usr/local/share/conformd/rules"
#endif

/* Load `path`; returns the messages reported (malloc'ed) and sets *rc. */
static char *
cfg_load(const char *path, struct config *c, int *rc)
{
	struct unit_mem m;
	struct diag d;

	diag_init(&d, unit_mem_open(&m));
	config_init(c);
	*rc = config_load(c, path, &d);
	return unit_mem_close(&m);
}

static char *
cfg_print(const struct config *c)
{
	struct unit_mem m;

	config_print(c, unit_mem_open(&m));
	return unit_mem_close(&m);
}

static void
cfg_assert_path(const char *got, const char *dir, const char *rel)
{
	char want[PATH_MAX + 256];

	snprintf(want, sizeof(want), "%s%s", dir, rel);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\npath %s, want %s\n", got, want);
}

static void
test_config_defaults(void)
{
	struct config c;
	char *out;

	config_init(&c);
	CU_ASSERT_PTR_NULL(c.path);
	CU_ASSERT_EQUAL(c.nrules, 0);
	CU_ASSERT_PTR_NULL(c.inventory);
	CU_ASSERT_PTR_NULL(c.database);
	CU_ASSERT_PTR_NULL(c.eve);
	CU_ASSERT_EQUAL(c.flow_vlan, 1);
	CU_ASSERT_EQUAL(c.community_id, 0);
	CU_ASSERT_EQUAL(c.community_id_seed, 0);
	CU_ASSERT_EQUAL(c.flow_log, FLOW_LOG_ALL);
	CU_ASSERT_EQUAL(c.vxlan.set, 0);
	CU_ASSERT_EQUAL(c.geneve.set, 0);
	CU_ASSERT_EQUAL(c.max_flows, 1000000);
	CU_ASSERT_EQUAL(c.tmo_tcp_syn, 30);
	CU_ASSERT_EQUAL(c.tmo_tcp_est, 3600);
	CU_ASSERT_EQUAL(c.tmo_tcp_closed, 30);
	CU_ASSERT_EQUAL(c.tmo_udp, 120);
	CU_ASSERT_EQUAL(c.tmo_other, 60);
	CU_ASSERT_EQUAL(c.summary_top, 10);
	out = cfg_print(&c);
	CU_ASSERT_STRING_EQUAL(out,
	    "fail-on low\n"
	    "flow-vlan yes\n"
	    "community-id no\n"
	    "flow-log all\n"
	    "max-flows 1000000\n"
	    "timeout tcp-syn 30\n"
	    "timeout tcp-established 3600\n"
	    "timeout tcp-closed 30\n"
	    "timeout udp 120\n"
	    "timeout other 60\n"
	    "summary-top 10\n"
	    "answer-timeout 5\n"
	    "coverage-window 3600\n"
	    "stats-interval 60\n"
	    "coverage no\n"
	    "severity unexpected 2\n"
	    "severity blocked 2\n"
	    "severity missing 3\n"
	    "severity protocol-mismatch 2\n"
	    "severity scan 2\n"
	    "suppress unexpected 3600\n"
	    "suppress blocked 3600\n"
	    "suppress missing 3600\n"
	    "suppress protocol-mismatch 3600\n"
	    "suppress scan 3600\n"
	    "scan-threshold 20 60\n");
	CU_ASSERT_EQUAL(c.noutputs, 0);
	CU_ASSERT_EQUAL(c.rate_global, 0);
	CU_ASSERT_EQUAL(c.rate_source, 0);
	free(out);
	config_free(&c);
}

/*
 * `retention`: age and size with their units, into seconds and bytes;
 * printed in the largest exact unit, which reads back the same.
 */
static void
test_config_retention(void)
{
	static const struct {
		const char	*in;
		uint64_t	 age, bytes;
		const char	*out;
	} cases[] = {
		{ "retention age 90d\nretention size 20G\n", 7776000, 20ULL << 30,
		    "retention age 90d\nretention size 20G\n" },
		{ "retention age 120m\n", 7200, 0, "retention age 2h\n" },
		{ "retention size 1536M\nretention age 14d\n", 1209600, 1536ULL << 20,
		    "retention age 2w\nretention size 1536M\n" },
		{ "retention age 1s\nretention size 1048576K\n", 1, 1ULL << 30,
		    "retention age 1s\nretention size 1G\n" },
		{ "", 0, 0, "" },
	};
	char path[512];

	snprintf(path, sizeof(path), "%s/retention.conf", unit_tmpdir());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c, again;
		char *msgs, *out, *line;
		FILE *f = fopen(path, "w");
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fprintf(f, "inventory site.inv\n%s", cases[i].in);
		fclose(f);
		msgs = cfg_load(path, &c, &rc);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_STRING_EQUAL(msgs, "");
		CU_ASSERT_EQUAL(c.retention_age, cases[i].age);
		CU_ASSERT_EQUAL(c.retention_bytes, cases[i].bytes);
		out = cfg_print(&c);
		/* the retention lines, in the printed order */
		line = strstr(out, "retention ");
		if (cases[i].out[0] == '\0') {
			CU_ASSERT_PTR_NULL(line);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(line);
			CU_ASSERT_EQUAL(strncmp(line, cases[i].out, strlen(cases[i].out)), 0);
		}
		/* the printed form reads back the same */
		f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputs(out, f);
		fclose(f);
		free(msgs);
		msgs = cfg_load(path, &again, &rc);
		CU_ASSERT_EQUAL(again.retention_age, cases[i].age);
		CU_ASSERT_EQUAL(again.retention_bytes, cases[i].bytes);
		free(msgs);
		free(out);
		config_free(&again);
		config_free(&c);
	}
}

/* config_each_rules_file() callback: the paths, one a line, into a buffer. */
static int
cfg_each_collect(void *arg, const char *path, int line)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 4096 - n, "%s:%d\n", path, line);
	return 0;
}

/* Only `inventory`: the default product's pack and every default value. */
static void
test_config_minimal(void)
{
	struct config c;
	char dir[2048], *msgs, files[4096] = "";
	int rc;

	snprintf(dir, sizeof(dir), "%s", unit_srcpath("tests/config/"));
	msgs = cfg_load(unit_srcpath("tests/config/minimal.conf"), &c, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	CU_ASSERT_STRING_EQUAL(c.path, unit_srcpath("tests/config/minimal.conf"));
	CU_ASSERT_EQUAL(c.nrules, 0);
	CU_ASSERT_PTR_NULL(c.product);
	CU_ASSERT_EQUAL(c.fail_on, 3);
	CU_ASSERT_EQUAL(config_each_rules_file(&c, cfg_each_collect, files), 0);
	CU_ASSERT_STRING_EQUAL(files, CONFORMD_RULESDIR "/lync2013.rules:0\n");
	cfg_assert_path(c.inventory, dir, "inventory.conf");
	CU_ASSERT_PTR_NULL(c.database);
	CU_ASSERT_PTR_NULL(c.eve);
	CU_ASSERT_EQUAL(c.flow_vlan, 1);
	CU_ASSERT_EQUAL(c.max_flows, 1000000);
	CU_ASSERT_EQUAL(c.tmo_udp, 120);
	CU_ASSERT_EQUAL(c.summary_top, 10);
	free(msgs);
	config_free(&c);
	CU_ASSERT_PTR_NULL(c.path);
	CU_ASSERT_EQUAL(c.nrules, 0);
}

/* Every key once; the canonical print is golden and parses back the same. */
static void
test_config_full(void)
{
	struct config c, c2;
	char dir[2048], tmp[4096], *msgs, *out, *again;
	int rc;

	snprintf(dir, sizeof(dir), "%s", unit_srcpath("tests/config/"));
	msgs = cfg_load(unit_srcpath("tests/config/full.conf"), &c, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	free(msgs);
	CU_ASSERT_EQUAL_FATAL(c.nrules, 3);
	cfg_assert_path(c.rules[0], dir, "../../rules/lync2013.rules");
	CU_ASSERT_STRING_EQUAL(c.rules[1], "/etc/conformd/local.rules");
	cfg_assert_path(c.rules[2], dir, "site rules/extra.rules");
	cfg_assert_path(c.inventory, dir, "site-inventory.conf");
	CU_ASSERT_STRING_EQUAL(c.database, "/var/lib/conformd/flows.db");
	CU_ASSERT_STRING_EQUAL(c.eve, "-");
	CU_ASSERT_EQUAL(c.flow_vlan, 0);
	CU_ASSERT_EQUAL(c.max_flows, 250000);
	CU_ASSERT_EQUAL(c.tmo_tcp_syn, 20);
	CU_ASSERT_EQUAL(c.tmo_tcp_est, 7200);
	CU_ASSERT_EQUAL(c.tmo_tcp_closed, 15);
	CU_ASSERT_EQUAL(c.tmo_udp, 300);
	CU_ASSERT_EQUAL(c.tmo_other, 45);
	CU_ASSERT_EQUAL(c.summary_top, 25);
	/* the rest of the line, quoted words as they are */
	CU_ASSERT_STRING_EQUAL(c.filter, "not port 22 and not host 198.18.99.1");
	/* alert feeds */
	CU_ASSERT_EQUAL(c.suppress[1], 600);
	CU_ASSERT_EQUAL(c.suppress[2], 3600);
	CU_ASSERT_EQUAL(c.suppress[3], 0);
	CU_ASSERT_EQUAL(c.rate_global, 50);
	CU_ASSERT_EQUAL(c.burst_global, 100);
	CU_ASSERT_EQUAL(c.rate_source, 5);
	CU_ASSERT_EQUAL(c.burst_source, 10);
	CU_ASSERT_EQUAL(c.scan_threshold, 30);
	CU_ASSERT_EQUAL(c.scan_window, 120);
	CU_ASSERT_EQUAL_FATAL(c.noutputs, 4);
	CU_ASSERT_STRING_EQUAL(c.outputs[0].name, "siem");
	CU_ASSERT_EQUAL(c.outputs[0].type, OUTPUT_REMOTE);
	CU_ASSERT_EQUAL(c.outputs[0].format, OUTPUT_FMT_CEF);
	CU_ASSERT_EQUAL(c.outputs[0].transport, OUTPUT_TCP);
	CU_ASSERT_EQUAL(c.outputs[0].facility, 19);
	CU_ASSERT_STRING_EQUAL(c.outputs[0].ident, "conformd-site1");
	CU_ASSERT_STRING_EQUAL(c.outputs[0].host, "198.18.0.5");
	CU_ASSERT_EQUAL(c.outputs[0].port, 6514);
	CU_ASSERT_EQUAL(c.outputs[0].max_size, 4096);
	CU_ASSERT_EQUAL(c.outputs[0].queue, 500);
	CU_ASSERT_EQUAL(c.outputs[0].min_severity, 2);
	CU_ASSERT_EQUAL(c.outputs[0].line, 29);
	CU_ASSERT_EQUAL(c.vxlan.set, 1);
	CU_ASSERT_EQUAL_FATAL(c.vxlan.n, 2);
	CU_ASSERT_EQUAL(c.vxlan.ports[0], 8472);
	CU_ASSERT_EQUAL(c.vxlan.ports[1], 4789);
	CU_ASSERT_EQUAL(c.geneve.set, 1);
	CU_ASSERT_EQUAL_FATAL(c.geneve.n, 2);
	CU_ASSERT_EQUAL(c.geneve.ports[0], 6081);
	CU_ASSERT_EQUAL(c.geneve.ports[1], 6082);
	CU_ASSERT_EQUAL(c.community_id, 1);
	CU_ASSERT_EQUAL(c.community_id_seed, 7);
	CU_ASSERT_EQUAL(c.flow_log, FLOW_LOG_FINDINGS);
	/* packs, the site's rules, fail-on */
	CU_ASSERT_STRING_EQUAL(c.product, "sfb2015");
	cfg_assert_path(c.rules_dir, dir, "packs dir");
	CU_ASSERT_EQUAL_FATAL(c.npacks, 2);
	CU_ASSERT_STRING_EQUAL(c.packs[0], "edge-internal");
	CU_ASSERT_STRING_EQUAL(c.packs[1], "dependencies");
	cfg_assert_path(c.site_rules, dir, "site.rules");
	CU_ASSERT_EQUAL(c.fail_on, 2);
	{
		char files[4096] = "", want[16384];

		CU_ASSERT_EQUAL(config_each_rules_file(&c, cfg_each_collect, files), 0);
		snprintf(want, sizeof(want), "%spacks dir/sfb2015.rules:%d\n"
		    "%spacks dir/edge-internal.rules:%d\n%spacks dir/dependencies.rules:%d\n"
		    "%s:0\n%s:0\n%s:0\n", dir, c.product_line, dir, c.pack_line[0],
		    dir, c.pack_line[1], c.rules[0], c.rules[1], c.rules[2]);
		CU_ASSERT_STRING_EQUAL(files, want);
		CU_ASSERT(c.product_line > 0 && c.pack_line[0] == c.product_line + 2 &&
		    c.pack_line[1] == c.pack_line[0] + 1);
	}
	/* defaults by type: syslog 2048, UDP 2048, TCP and eve-socket 8192 */
	CU_ASSERT_EQUAL(c.outputs[1].type, OUTPUT_SYSLOG);
	CU_ASSERT_EQUAL(c.outputs[1].facility, 3);
	CU_ASSERT_STRING_EQUAL(c.outputs[1].ident, "conformd");
	CU_ASSERT_EQUAL(c.outputs[1].max_size, 2048);
	CU_ASSERT_EQUAL(c.outputs[2].port, 514);
	CU_ASSERT_EQUAL(c.outputs[2].transport, OUTPUT_UDP);
	CU_ASSERT_EQUAL(c.outputs[2].max_size, 2048);
	CU_ASSERT_EQUAL(c.outputs[2].queue, 10000);
	CU_ASSERT_EQUAL(c.outputs[2].min_severity, 3);
	CU_ASSERT_EQUAL(c.outputs[2].facility, 16);
	CU_ASSERT_EQUAL(c.outputs[3].type, OUTPUT_EVE_SOCKET);
	CU_ASSERT_EQUAL(c.outputs[3].format, OUTPUT_FMT_EVE);
	CU_ASSERT_EQUAL(c.outputs[3].max_size, 8192);
	CU_ASSERT_PTR_NULL(c.outputs[3].ident);
	cfg_assert_path(c.outputs[3].path, dir, "run/eve.sock");

	out = cfg_print(&c);
	{
		char *stripped = strdup(out);

		CU_ASSERT_PTR_NOT_NULL_FATAL(stripped);
		unit_strip(stripped, dir);
		unit_golden("tests/config/full.expected", stripped);
		free(stripped);
	}

	/* the print holds absolute paths: it reads back the same from anywhere */
	snprintf(tmp, sizeof(tmp), "%s/printed.conf", unit_tmpdir());
	CU_ASSERT_FATAL(unit_spit(tmp, out) == 0);
	msgs = cfg_load(tmp, &c2, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	again = cfg_print(&c2);
	unit_assert_text("full print reparsed", again, out);
	free(msgs);
	free(again);
	free(out);
	config_free(&c);
	config_free(&c2);

	/* vxlan-port none: set, no port; printed back as such.  Its default
	 * 4789 is then free for Geneve. */
	snprintf(tmp, sizeof(tmp), "%s/vxlan-none.conf", unit_tmpdir());
	CU_ASSERT_FATAL(unit_spit(tmp, "inventory /i\nvxlan-port none\ngeneve-port 4789\n") == 0);
	msgs = cfg_load(tmp, &c, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	CU_ASSERT_EQUAL(c.vxlan.set, 1);
	CU_ASSERT_EQUAL(c.vxlan.n, 0);
	CU_ASSERT_EQUAL(c.geneve.n, 1);
	CU_ASSERT_EQUAL(c.geneve.ports[0], 4789);
	out = cfg_print(&c);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nvxlan-port none\ngeneve-port 4789\n"));
	free(out);
	free(msgs);
	config_free(&c);

	/* limits accepted */
	snprintf(tmp, sizeof(tmp), "%s/limits.conf", unit_tmpdir());
	CU_ASSERT_FATAL(unit_spit(tmp, "inventory /i\nmax-flows 1073741824\n"
	    "summary-top 0\ntimeout udp 1\ntimeout other 2592000\nflow-vlan yes\n") == 0);
	msgs = cfg_load(tmp, &c, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(msgs, "");
	CU_ASSERT_EQUAL(c.max_flows, 1073741824u);
	CU_ASSERT_EQUAL(c.summary_top, 0);
	CU_ASSERT_EQUAL(c.tmo_udp, 1);
	CU_ASSERT_EQUAL(c.tmo_other, 2592000);
	CU_ASSERT_EQUAL(c.flow_vlan, 1);
	CU_ASSERT_STRING_EQUAL(c.inventory, "/i");
	free(msgs);
	config_free(&c);

	/* exactly CONFIG_MAX_RULES rules files are fine */
	{
		FILE *f = fopen(tmp, "w");

		CU_ASSERT_FATAL(f != NULL);
		fputs("inventory /i\n", f);
		for (int i = 0; i < CONFIG_MAX_RULES; i++)
			fprintf(f, "rules /r%d.rules\n", i);
		fclose(f);
	}
	msgs = cfg_load(tmp, &c, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(c.nrules, CONFIG_MAX_RULES);
	CU_ASSERT_STRING_EQUAL(c.rules[CONFIG_MAX_RULES - 1], "/r15.rules");
	free(msgs);
	config_free(&c);
}

/*
 * Relative paths follow the config file's directory, however the config
 * itself was named (relative to the working directory, with "./", from
 * inside its own directory).
 */
static void
test_config_relative(void)
{
	static const char *const names[] = {
		"config/relative.conf", "./config/relative.conf",
		"config/../config/relative.conf", NULL
	};
	char orig[PATH_MAX], cwd[PATH_MAX], dir[PATH_MAX + 64], *msgs;
	struct config c;
	int rc;

	CU_ASSERT_FATAL(getcwd(orig, sizeof(orig)) != NULL);
	CU_ASSERT_FATAL(chdir(unit_srcpath("tests")) == 0);
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	for (int i = 0; names[i] != NULL; i++) {
		msgs = cfg_load(names[i], &c, &rc);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_STRING_EQUAL(msgs, "");
		CU_ASSERT_STRING_EQUAL(c.path, names[i]);
		snprintf(dir, sizeof(dir), "%s/%.*s", cwd,
		    (int)(strrchr(names[i], '/') - names[i]), names[i]);
		if (strncmp(names[i], "./", 2) == 0)
			snprintf(dir, sizeof(dir), "%s/config/", cwd);
		else
			strcat(dir, "/");
		cfg_assert_path(c.inventory, dir, "inv/site.conf");
		cfg_assert_path(c.database, dir, "db/flows.db");
		cfg_assert_path(c.eve, dir, "logs/eve.json");
		free(msgs);
		config_free(&c);
	}

	CU_ASSERT_FATAL(chdir("config") == 0);
	msgs = cfg_load("relative.conf", &c, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	snprintf(dir, sizeof(dir), "%s/config/", cwd);
	cfg_assert_path(c.inventory, dir, "inv/site.conf");
	free(msgs);
	config_free(&c);

	CU_ASSERT_FATAL(chdir(orig) == 0);
}

static void
test_config_unreadable(void)
{
	struct config c;
	char *msgs;
	int rc;

	msgs = cfg_load("/nonexistent/conformd.conf", &c, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_STRING_EQUAL(msgs,
	    "/nonexistent/conformd.conf: cannot open: No such file or directory\n");
	free(msgs);
	config_free(&c);
}

static void
cfg_check_bad(const char *name)
{
	struct config c;
	char conf[4096], exp[256], dir[2048], *msgs;
	int rc;

	snprintf(dir, sizeof(dir), "%s", unit_srcpath("tests/config/"));
	snprintf(conf, sizeof(conf), "%s%s.conf", dir, name);
	snprintf(exp, sizeof(exp), "tests/config/%s.expected", name);
	msgs = cfg_load(conf, &c, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	unit_strip(msgs, dir);
	unit_golden(exp, msgs);
	config_free(&c);
	free(msgs);
}

#define CFG_BAD(list) \
	list(key) list(missing_value) list(missing_timeout) list(extra_value) \
	list(empty_path) list(max_flows) list(max_flows_zero) \
	list(max_flows_big) list(summary_top) list(flow_vlan) \
	list(timeout_name) list(timeout_value) list(timeout_dup) \
	list(dup_key) list(no_inventory) list(too_many_rules) list(multi) \
	list(coverage) list(answer_timeout) list(severity_kind) \
	list(severity_value) list(rule_severity_value) list(coverage_window) \
	list(stats_interval) list(workers) list(nflog) \
	list(output_name) list(output_dup) list(output_type) list(output_key) \
	list(output_values) list(output_type_keys) list(output_idents) \
	list(output_many) list(suppress) list(rate_limit) list(rate_burst) \
	list(scan_threshold) list(scan_window) list(vxlan_port) list(vxlan_none) list(geneve_port) list(geneve_none) \
	list(tunnel_ports) list(tunnel_ports2) list(tunnel_ports3) list(filter) list(community_id) \
	list(flow_log) \
	list(product)

#define CFG_BAD_FN(n) UNIT_BAD_CASE(test_cfg_bad_, cfg_check_bad, n)
CFG_BAD(CFG_BAD_FN)

void
test_config_register(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);

	if (s == NULL)
		return;
	CU_add_test(s, "defaults", test_config_defaults);
	CU_add_test(s, "minimal", test_config_minimal);
	CU_add_test(s, "retention: age and size with units, printed exactly", test_config_retention);
	CU_add_test(s, "every key", test_config_full);
	CU_add_test(s, "relative paths", test_config_relative);
	CU_add_test(s, "unreadable", test_config_unreadable);
#define CFG_BAD_ADD(n) CU_add_test(s, "bad-" #n, test_cfg_bad_##n);
	CFG_BAD(CFG_BAD_ADD)
#undef CFG_BAD_ADD
}
