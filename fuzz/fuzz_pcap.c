/*
 * fuzz_pcap.c - libFuzzer target: the capture-file reading path.
 *
 * The input is a whole pcap or pcapng file.  It is written to a memfd and
 * read by file_inline_run() through /proc/self/fd/N, exactly as
 * `conformd -r FILE` reads it, into a fresh engine and collector per input
 * (the sample site of fuzz-site.h; EVE records to /dev/null).  The
 * reader is conformd's own (src/capture/pcapfile.c, instrumented; fuzz_pcapfile
 * fuzzes it alone); what is checked is that the engine survives whatever
 * it hands over (any caplen, wire length, timestamp, per-packet link type)
 * and that the source's contract holds: a known result, a message on
 * failure, and every frame read reaching the engine.
 */
#include "conformd/engine.h"
#include "conformd/file-inline.h"
#include "fuzz-site.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_site_init("fuzz_pcap");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine *e;
	char err[1024];
	uint64_t n = 0;
	int rv;

	e = fuzz_site_begin();
	err[0] = '\0';
	rv = file_inline_run(fuzz_file(0, data, size), e, NULL, NULL, &n, err, sizeof(err));
	FUZZ_ASSERT(rv == FILE_INLINE_OK || rv == FILE_INLINE_UNUSABLE || rv == FILE_INLINE_DAMAGED);
	FUZZ_ASSERT(rv == FILE_INLINE_OK || err[0] != '\0');
	FUZZ_ASSERT(engine_counters(e)->packets == n);
	FUZZ_ASSERT(rv != FILE_INLINE_UNUSABLE || n == 0);
	fuzz_site_end(e);
	return 0;
}
