/*
 * fuzz_pcapfile.c - libFuzzer target: conformd's capture-file reader
 * (src/capture/pcapfile.c) on its own, without the engine behind it.
 *
 * Input: one byte choosing the reader's initial buffer and the batch
 * size, then a whole pcap or pcapng file.  Byte b: bits 0-5 select the
 * buffer (0: the default, else b & 63 times 16 bytes, so that records
 * straddle refills and outgrow the buffer), bits 6-7 the batch (1, 2, 7,
 * 64).  Every packet's bytes are read (ASan sees any read outside the
 * buffer).  Checked besides: numbers run 1, 2, 3...; caplen <=
 * PCAPFILE_CAPLEN_MAX and <= wirelen; the time within the clamp; the
 * captured bytes of all packets together fit in the file; a batch never
 * exceeds its size; after the end or the damage every call answers the
 * same; a damage message names the file and the next packet's number.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conformd/pcapfile.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int batches[4] = { 1, 2, 7, 64 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_pkt v[64];
	struct pcapfile *pf;
	char err[512], want[64];
	uint64_t num = 0, captured = 0;
	volatile uint8_t sink = 0;
	size_t bufsize;
	int fd, batch, n;

	if (size < 1)
		return 0;
	bufsize = (size_t)(data[0] & 63) * 16;
	batch = batches[data[0] >> 6];
	fd = open(fuzz_file(0, data + 1, size - 1), O_RDONLY | O_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	err[0] = '\0';
	if (pcapfile_open_fd(&pf, fd, "f", bufsize, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(strncmp(err, "f: ", 3) == 0);
		return 0;
	}
	while ((n = pcapfile_next(pf, v, batch, err, sizeof(err))) > 0) {
		FUZZ_ASSERT(n <= batch);
		for (int i = 0; i < n; i++) {
			FUZZ_ASSERT(v[i].num == ++num);
			FUZZ_ASSERT(v[i].caplen <= PCAPFILE_CAPLEN_MAX);
			FUZZ_ASSERT(v[i].caplen <= v[i].wirelen);
			FUZZ_ASSERT(v[i].ts_usec <= PCAPFILE_SEC_MAX * 1000000u + 999999u);
			FUZZ_ASSERT(v[i].source == 0);
			for (uint32_t k = 0; k < v[i].caplen; k++)
				sink ^= v[i].data[k];
			captured += v[i].caplen;
		}
	}
	(void)sink;
	FUZZ_ASSERT(captured <= size - 1);
	FUZZ_ASSERT(pcapfile_packets(pf) == num);
	if (n < 0) {
		snprintf(want, sizeof(want), "f: packet %" PRIu64 ": ", num + 1);
		FUZZ_ASSERT(strncmp(err, want, strlen(want)) == 0);
		FUZZ_ASSERT(pcapfile_reason(pf)[0] != '\0');
	}
	FUZZ_ASSERT(pcapfile_next(pf, v, batch, err, sizeof(err)) == n);
	pcapfile_close(pf);
	return 0;
}
