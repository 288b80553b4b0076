/*
 * fuzz_pcap.c - libFuzzer target: the capture-file reading path.
 *
 * The input is a whole pcap or pcapng file.  It is written to a memfd and
 * read by source_file_run() through /proc/self/fd/N, exactly as
 * `conformd -r FILE` reads it, into a fresh engine per input (the policy
 * of the sample site, compiled once; EVE records to /dev/null).  libpcap
 * is not instrumented; what is checked is that conformd survives whatever
 * libpcap hands it (any caplen, wire length, timestamp, link type) and
 * that the source's contract holds: a known result, a message on failure,
 * and every frame read reaching the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/config.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/eve.h"
#include "conformd/inventory.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "conformd/source.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct ruleset rs;
static struct inventory inv;
static struct policy *pol;
static struct eve *ev;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag d;
	char err[512];

	(void)argc;
	(void)argv;
	diag_init(&d, stderr);
	config_init(&cfg);
	cfg.max_flows = 64;
	rules_init(&rs);
	inventory_init(&inv);
	if (rules_load(&rs, fuzz_srcpath("rules/lync2013.rules"), &d) == -1 ||
	    rules_validate(&rs, &d) == -1 ||
	    inventory_load(&inv, fuzz_srcpath("samples/inventory.conf"), &rs, &d) == -1) {
		fprintf(stderr, "fuzz_pcap: cannot load the policy (set CONFORMD_SRCDIR)\n");
		exit(1);
	}
	if ((pol = policy_compile(&rs, &inv)) == NULL ||
	    (ev = eve_open("/dev/null", err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_pcap: setup failed\n");
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine *e;
	char err[1024];
	uint64_t n = 0;
	int rv;

	e = engine_new(&cfg, pol, NULL, ev);
	FUZZ_ASSERT(e != NULL);
	err[0] = '\0';
	rv = source_file_run(fuzz_file(0, data, size), e, &n, err, sizeof(err));
	FUZZ_ASSERT(rv == SOURCE_OK || rv == SOURCE_UNUSABLE || rv == SOURCE_DAMAGED);
	FUZZ_ASSERT(rv == SOURCE_OK || err[0] != '\0');
	FUZZ_ASSERT(engine_counters(e)->packets == n);
	FUZZ_ASSERT(rv != SOURCE_UNUSABLE || n == 0);
	engine_finish(e);
	engine_free(e);
	return 0;
}
