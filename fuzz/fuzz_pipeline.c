/*
 * fuzz_pipeline.c - libFuzzer target: a packet sequence through the real
 * engine (decode, flow table, policy classification, records, EVE
 * formatting, the summary).
 *
 * The sample site is set up once (fuzz-site.h: its addresses carry their
 * roles).  Each input is one capture:
 *   byte 0        link type selector (as in fuzz_decode.c, low 4 bits)
 *   then frames   2-byte big-endian length L, 1-byte time step S, L bytes
 * Frame k's timestamp advances by S (S < 128: S milliseconds; else
 * (S - 127) * 10 seconds, so flow timeouts fire); wire length = L.  A
 * short tail is one last frame of what is left.  Each frame is copied to a
 * buffer of its exact size.  A fresh engine and collector run per input
 * through engine_frames() (the fast path, in chunks the selector's high
 * bits choose); EVE records go to /dev/null.  A second engine without
 * outputs takes the same frames through engine_frame() (the reference
 * path): counters and flow-table statistics must be equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "conformd/engine.h"
#include "fuzz-site.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TS_BASE	(1767225600ULL * 1000000ULL)

static const int fuzz_links[16] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	101, DLT_IPV4, DLT_IPV6, DLT_NULL,
	DLT_LOOP, DLT_EN10MB, DLT_EN10MB, DLT_EN10MB,
	DLT_RAW, DLT_EN10MB, DLT_LINUX_SLL, DLT_IEEE802_11
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_site_init("fuzz_pipeline");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine *e, *ref;
	struct capture_pkt *v;
	uint64_t ts = FUZZ_TS_BASE;
	size_t off = 1, n = 0, chunk, i;
	int lt;

	if (size < 1)
		return 0;
	lt = fuzz_links[data[0] & 0x0f];
	/* engine_frames() takes up to (selector >> 4) + 1 frames a call, or
	 * all at once (15); each frame is an exact-size copy, alive until the
	 * end so a batch can point into all of them. */
	chunk = (data[0] >> 4) == 15 ? SIZE_MAX : (size_t)(data[0] >> 4) + 1;
	v = calloc(size, sizeof(*v));	/* at most one frame a byte */
	FUZZ_ASSERT(v != NULL);
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
		frame = len ? malloc(len) : NULL;
		FUZZ_ASSERT(len == 0 || frame != NULL);
		if (len)
			memcpy(frame, data + off, len);
		v[n].data = frame;
		v[n].caplen = v[n].wirelen = (uint32_t)len;
		v[n].ts_usec = ts;
		v[n].num = n + 1;
		v[n].linktype = lt;
		n++;
		off += len;
	}
	/* The fast path (with every output) against the reference path
	 * (engine_frame() one by one): the same counters and flows. */
	e = fuzz_site_begin();
	ref = fuzz_site_bare();
	for (i = 0; i < n; i += chunk)
		engine_frames(e, v + i, n - i < chunk ? n - i : chunk);
	for (i = 0; i < n; i++)
		engine_frame(ref, lt, v[i].data, v[i].caplen, v[i].wirelen, v[i].ts_usec, v[i].num);
	FUZZ_ASSERT(engine_counters(e)->packets == n);
	FUZZ_ASSERT(memcmp(engine_flow_stats(e), engine_flow_stats(ref),
	    sizeof(struct flow_stats)) == 0);
	/* after the flush too: blocked attempts are decided there */
	engine_finish(e);
	engine_finish(ref);
	FUZZ_ASSERT(memcmp(engine_counters(e), engine_counters(ref),
	    sizeof(struct engine_counters)) == 0);
	fuzz_site_end(e);
	engine_free(ref);
	for (i = 0; i < n; i++)
		free((void *)(uintptr_t)v[i].data);
	free(v);
	return 0;
}
