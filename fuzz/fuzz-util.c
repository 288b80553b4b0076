/*
 * fuzz-util.c - scratch files and source paths for the fuzz targets
 * (see fuzz-util.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-util.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

#define FUZZ_SLOTS	4

static int fuzz_fd[FUZZ_SLOTS] = { -1, -1, -1, -1 };
static char fuzz_path[FUZZ_SLOTS][64];

void
fuzz_assert_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
	abort();
}

const char *
fuzz_file(int slot, const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (slot < 0 || slot >= FUZZ_SLOTS)
		fuzz_assert_fail("slot in range", __FILE__, __LINE__);
	if (fuzz_fd[slot] == -1) {
		fuzz_fd[slot] = memfd_create("conformd-fuzz", MFD_CLOEXEC);
		if (fuzz_fd[slot] == -1) {
			perror("memfd_create");
			abort();
		}
		snprintf(fuzz_path[slot], sizeof(fuzz_path[slot]), "/proc/self/fd/%d",
		    fuzz_fd[slot]);
	}
	if (ftruncate(fuzz_fd[slot], 0) == -1) {
		perror("ftruncate");
		abort();
	}
	while (off < size) {
		ssize_t n = pwrite(fuzz_fd[slot], data + off, size - off, (off_t)off);
		if (n <= 0) {
			perror("pwrite");
			abort();
		}
		off += (size_t)n;
	}
	return fuzz_path[slot];
}

const char *
fuzz_srcpath(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("CONFORMD_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", top != NULL && *top != '\0' ? top : FUZZ_SRCDIR, rel);
	return buf;
}
