/*
 * fuzz-util.h - helpers shared by the libFuzzer targets in fuzz/.
 *
 * The parsers under test take file paths, so an input is written to one
 * memfd per process and handed over as /proc/self/fd/N (a regular file,
 * as lex_file() requires).  Source-tree files (the rules, the sample
 * inventory) are found under CONFORMD_SRCDIR, or the source tree of the
 * fuzzing build, compiled in as FUZZ_SRCDIR (Makefile.am, fuzz/libfuzz.a).
 */
#ifndef CONFORMD_FUZZ_UTIL_H
#define CONFORMD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Replace the contents of this process's scratch file with data[0..size)
 * and return its path ("/proc/self/fd/N").  `slot` (0..3) picks one of
 * several independent scratch files.  Aborts when the file cannot be
 * written: the harness is broken, not the code under test. */
const char *fuzz_file(int slot, const uint8_t *data, size_t size);

/* The path of a source-tree file ("rules/lync2013.rules"), in a static
 * buffer overwritten by the next call. */
const char *fuzz_srcpath(const char *rel);

/* Abort with a message when a property of the code under test fails:
 * libFuzzer reports the abort as a crash and keeps the input. */
void fuzz_assert_fail(const char *what, const char *file, int line)
    __attribute__((noreturn));
#define FUZZ_ASSERT(x) \
	((x) ? (void)0 : fuzz_assert_fail(#x, __FILE__, __LINE__))

#endif /* CONFORMD_FUZZ_UTIL_H */
