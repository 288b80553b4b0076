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
 * buffer of its exact size.  A fresh engine and collector run per input;
 * EVE records go to /dev/null.
 */
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
	struct engine *e;
	uint64_t ts = FUZZ_TS_BASE, num = 0;
	size_t off = 1;
	int lt;

	if (size < 1)
		return 0;
	lt = fuzz_links[data[0] & 0x0f];
	e = fuzz_site_begin();
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
	FUZZ_ASSERT(engine_counters(e)->packets == num);
	fuzz_site_end(e);
	return 0;
}
