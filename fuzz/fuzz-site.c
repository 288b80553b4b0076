/*
 * fuzz-site.c - the sample site's `-r` pipeline for the packet-feeding
 * fuzz targets (see fuzz-site.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/coverage-matrix.h"
#include "conformd/decode.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/inventory.h"
#include "conformd/output.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "conformd/sink.h"
#include "fuzz-site.h"
#include "fuzz-util.h"

static struct config cfg;
static struct ruleset rs;
static struct inventory inv;
static struct policy *pol;
static struct output *out;
static struct collector *col;
static FILE *devnull;

/* VXLAN on IANA's port and on Linux's historical one (`vxlan-port`) */
static const uint16_t fuzz_vxlan_ports[] = { 4789, 8472 };

void
fuzz_site_init(const char *who)
{
	struct diag d;
	char err[1024];

	diag_init(&d, stderr);
	config_init(&cfg);
	cfg.max_flows = FUZZ_SITE_FLOWS;
	cfg.summary_top = 5;
	/* the options off by default too: every flow record computes its
	 * Community ID (ICMP type mapping included), and VXLAN is opened on
	 * Linux's historical port as well as IANA's */
	cfg.community_id = 1;
	cfg.community_id_seed = 7;
	decode_set_vxlan_ports(fuzz_vxlan_ports, 2);
	rules_init(&rs);
	inventory_init(&inv);
	if (rules_load(&rs, fuzz_srcpath("rules/lync2013.rules"), &d) == -1 ||
	    rules_validate(&rs, &d) == -1 ||
	    inventory_load(&inv, fuzz_srcpath("samples/inventory.conf"), &rs, &d) == -1) {
		fprintf(stderr, "%s: cannot load the sample site (set CONFORMD_SRCDIR)\n", who);
		exit(1);
	}
	if ((pol = policy_compile(&rs, &inv)) == NULL ||
	    (out = output_open(&cfg, NULL, "/dev/null", err, sizeof(err))) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL) {
		fprintf(stderr, "%s: setup failed\n", who);
		exit(1);
	}
}

const struct policy *
fuzz_site_policy(void)
{
	return pol;
}

struct engine *
fuzz_site_begin(void)
{
	struct engine_sink sink;
	struct engine *e;

	output_sink(out, &sink);
	col = collector_new(&cfg, pol, &sink);
	FUZZ_ASSERT(col != NULL);
	collector_sink(col, &sink);
	e = engine_new(&cfg, pol, &sink);
	FUZZ_ASSERT(e != NULL);
	return e;
}

struct engine *
fuzz_site_bare(void)
{
	struct engine *e = engine_new(&cfg, pol, NULL);

	FUZZ_ASSERT(e != NULL);
	return e;
}

void
fuzz_site_end(struct engine *e)
{
	const struct engine_counters *c;

	engine_finish(e);
	c = engine_counters(e);
	collector_finish(col, c->ipv4 + c->ipv6 == 0, engine_now(e));
	engine_summary(e, devnull);
	collector_summary(col, devnull);
	engine_summary_top(e, devnull);
	collector_coverage_print(col, COVMATRIX_RULES, devnull);
	collector_coverage_print(col, COVMATRIX_HOSTS, devnull);
	collector_coverage_print(col, COVMATRIX_CSV, devnull);
	engine_free(e);
	collector_free(col);
	col = NULL;
}
