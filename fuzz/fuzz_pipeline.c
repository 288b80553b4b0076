/*
 * fuzz_pipeline.c - libFuzzer target: a packet sequence through the real
 * engine (decode, flow table, policy classification, records, EVE
 * formatting, the summary).
 *
 * The policy is compiled once from rules/lync2013.rules and
 * samples/inventory.conf (so the addresses of the sample site carry their
 * roles).  Each input is one capture:
 *   byte 0        link type selector (as in fuzz_decode.c, low 4 bits)
 *   then frames   2-byte big-endian length L, 1-byte time step S, L bytes
 * Frame k's timestamp advances by S (S < 128: S milliseconds; else
 * (S - 127) * 10 seconds, so flow timeouts fire); wire length = L.  A
 * short tail is one last frame of what is left.  The flow table is kept
 * small (64 flows) so eviction is exercised too.  A fresh engine runs per
 * input; EVE records go to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "conformd/config.h"
#include "conformd/diag.h"
#include "conformd/engine.h"
#include "conformd/eve.h"
#include "conformd/inventory.h"
#include "conformd/policy.h"
#include "conformd/rules.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_FLOWS	64
#define FUZZ_TS_BASE	(1767225600ULL * 1000000ULL)

static const int fuzz_links[16] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	101, DLT_IPV4, DLT_IPV6, DLT_NULL,
	DLT_LOOP, DLT_EN10MB, DLT_EN10MB, DLT_EN10MB,
	DLT_RAW, DLT_EN10MB, DLT_LINUX_SLL, DLT_IEEE802_11
};

static struct config cfg;
static struct ruleset rs;
static struct inventory inv;
static struct policy *pol;
static struct eve *ev;
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag d;
	char err[512];

	(void)argc;
	(void)argv;
	diag_init(&d, stderr);
	config_init(&cfg);
	cfg.max_flows = FUZZ_MAX_FLOWS;
	cfg.summary_top = 5;
	rules_init(&rs);
	inventory_init(&inv);
	if (rules_load(&rs, fuzz_srcpath("rules/lync2013.rules"), &d) == -1 ||
	    rules_validate(&rs, &d) == -1 ||
	    inventory_load(&inv, fuzz_srcpath("samples/inventory.conf"), &rs, &d) == -1) {
		fprintf(stderr, "fuzz_pipeline: cannot load the policy (set CONFORMD_SRCDIR)\n");
		exit(1);
	}
	if ((pol = policy_compile(&rs, &inv)) == NULL ||
	    (ev = eve_open("/dev/null", err, sizeof(err))) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL) {
		fprintf(stderr, "fuzz_pipeline: setup failed\n");
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine *e;
	uint64_t ts = FUZZ_TS_BASE, num = 0;
	size_t off = 1;
	int lt;

	if (size < 1)
		return 0;
	lt = fuzz_links[data[0] & 0x0f];
	e = engine_new(&cfg, pol, NULL, ev);
	FUZZ_ASSERT(e != NULL);
	while (off < size) {
		size_t left = size - off, len;
		uint8_t step = 0, *frame;

		if (left >= 3) {
			len = ((size_t)data[off] << 8) | data[off + 1];
			step = data[off + 2];
			off += 3;
			left -= 3;
			if (len > left)
				len = left;
		} else {
			len = left;
		}
		ts += step < 128 ? (uint64_t)step * 1000u : (uint64_t)(step - 127) * 10000000u;
		/* An exact-size copy, so a read past the frame is caught by ASan
		 * instead of landing in the next frame's bytes. */
		frame = len ? malloc(len) : NULL;
		FUZZ_ASSERT(len == 0 || frame != NULL);
		if (len)
			memcpy(frame, data + off, len);
		engine_frame(e, lt, frame, (uint32_t)len, (uint32_t)len, ts, ++num);
		free(frame);
		off += len;
	}
	engine_finish(e);
	FUZZ_ASSERT(engine_counters(e)->packets == num);
	engine_summary(e, devnull);
	engine_free(e);
	return 0;
}
