#!/bin/sh
# fuzz-ci.sh - build the eight libFuzzer targets and run each for a bounded
# time; fail on any crash, leak, sanitizer report, timeout or failed
# property.  For CI: `sh scripts/fuzz-ci.sh` (about 3 minutes on 2 cores).
#
# environment:
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_JOBS     targets run at once (default: the number of CPUs)
#   BUILDDIR      a configured build tree: `make -C BUILDDIR fuzz` builds the
#                 targets into BUILDDIR/fuzz/out, each linked against the
#                 libconformd.a of a --enable-fuzzer build (fuzz/README)
#                 (default: the source tree if it is configured, else
#                 fuzz/build.sh on its own)
#   FUZZ_CC       the clang to use (default clang)
# Prints one line per target with its executions, then
# "fuzz: N passed, N failed".  Skips (exit 77) when clang or its libFuzzer
# runtime is missing, saying so.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
targets="fuzz_decode fuzz_pipeline fuzz_rules fuzz_inventory fuzz_config fuzz_pcap fuzz_pcapfile fuzz_record"
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "SKIP: fuzz: $cc not found (libFuzzer needs clang)"
	exit 77
fi
probe=$(mktemp -d "${TMPDIR:-/tmp}/conformd-fuzzprobe.XXXXXX")
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
	rm -rf "$probe"
	echo "SKIP: fuzz: $cc cannot link -fsanitize=fuzzer (libFuzzer runtime missing)"
	exit 77
fi
rm -rf "$probe"

builddir=${BUILDDIR:-}
if [ -z "$builddir" ] && [ -f "$top/Makefile" ]; then
	builddir=$top
fi
if [ -n "$builddir" ]; then
	echo "+ make -C $builddir fuzz"
	make -C "$builddir" fuzz FUZZ_CC="$cc" >"${TMPDIR:-/tmp}/conformd-fuzz-build.log" 2>&1 ||
	    { tail -n 30 "${TMPDIR:-/tmp}/conformd-fuzz-build.log"; echo "fuzz: build failed"; exit 1; }
	FUZZ_OUT=$(cd "$builddir" && pwd)/fuzz/out
else
	FUZZ_OUT=$top/fuzz/out
	echo "+ fuzz/build.sh"
	CC=$cc FUZZ_OUT=$FUZZ_OUT sh "$top/fuzz/build.sh" >"${TMPDIR:-/tmp}/conformd-fuzz-build.log" 2>&1 ||
	    { tail -n 30 "${TMPDIR:-/tmp}/conformd-fuzz-build.log"; echo "fuzz: build failed"; exit 1; }
fi
export FUZZ_OUT

pass=0 fail=0 running=0
res=$(mktemp -d "${TMPDIR:-/tmp}/conformd-fuzzci.XXXXXX")
for t in $targets; do
	( FUZZ_WORK=$FUZZ_OUT/work/$t sh "$top/fuzz/run.sh" "$t" "$secs" >"$res/$t.out" 2>&1
	  echo $? >"$res/$t.rc" ) &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
for t in $targets; do
	if [ "$(cat "$res/$t.rc" 2>/dev/null)" = 0 ]; then
		pass=$((pass + 1))
		tail -n 1 "$res/$t.out"
	else
		fail=$((fail + 1))
		cat "$res/$t.out"
	fi
done
rm -rf "$res"
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
