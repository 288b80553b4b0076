#!/bin/sh
# Build conformd and run the whole test suite: `make check` (unit tests,
# golden cases, command line, ... : what runs unprivileged), then `make
# check-root` (network namespaces, live capture: each script skips, saying
# why, when not root); then `make distcheck`; then the unit, golden and cli
# tests again under ASan/UBSan, the threads under TSan and every fuzz
# target for a minute.  Ends with one "N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
fail=0

run() { echo "+ $*"; "$@"; }

run ./autogen.sh >/dev/null || exit 2
run ./configure --quiet || exit 2
run make -j"$jobs" || exit 2

# 1. the suite, plain build: unprivileged, then root
rm -f tests/*.log
if ! run make -j"$jobs" check; then fail=1; fi
if ! run make -j"$jobs" check-root; then fail=1; fi
for log in tests/*.log; do
	echo "=== $log"
	# the CUnit summary and every script's own result line
	grep -E '^(Run Summary| +(suites|tests|asserts) |.*: [0-9]+ passed, [0-9]+ failed|SKIP|FAIL|.*FAILED)' "$log" || tail -n 5 "$log"
done
[ $fail -eq 0 ] || cat test-suite.log test-suite-root.log

# 2. the distribution builds and passes its own checks
dist_fail=0
if ! run make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--quiet >distcheck.log 2>&1; then
	dist_fail=1
	tail -n 60 distcheck.log
else
	grep -A1 'archives ready' distcheck.log
fi

# 3. unit, golden, cli, malformed-capture and config-error tests again
# under AddressSanitizer + UBSan (leaks included), built out of tree from the distribution tarball so the
# in-tree build above stays as it is.
asan_fail=0
rm -rf build-asan && mkdir build-asan
if [ $dist_fail -eq 0 ] && tar -xzf conformd-*.tar.gz -C build-asan &&
    ( cd build-asan/conformd-* && ./configure --quiet --enable-asan >/dev/null &&
	make -j"$jobs" >/dev/null &&
	make -j"$jobs" check TESTS="tests/unit tests/golden.sh tests/cli.sh tests/malformed.sh tests/config-errors.sh" ); then
	echo "asan: unit, golden, cli, malformed-capture and config-error tests clean"
else
	asan_fail=1
	tail -n 80 build-asan/conformd-*/tests/*.log 2>/dev/null
fi

# 4. the threads under ThreadSanitizer: the ring's two-thread tests, the
# writer-thread sink's (sinkasync), the checkpointer's, -r with its output
# threads, and the whole pipeline (captures, workers, store thread) on the
# sample with several workers.  Any report fails the run.
tsan_fail=0
rm -rf build-tsan && mkdir build-tsan
if [ $dist_fail -eq 0 ] && tar -xzf conformd-*.tar.gz -C build-tsan &&
    ( cd build-tsan/conformd-* && ./configure --quiet --enable-tsan >/dev/null &&
	make -j"$jobs" conformd tests/unit >/dev/null &&
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./tests/unit ring >../ring.log 2>&1 &&
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./tests/unit capture >>../ring.log 2>&1 &&
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./tests/unit sinkasync >>../ring.log 2>&1 &&
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./tests/unit checkpoint >>../ring.log 2>&1 &&
	{ TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./conformd -q -c samples/conformd.conf \
	    -r samples/lync-site.pcap --db ../tsan-0.db --eve ../tsan-0.eve 2>../tsan-0.log; rc=$?
	  [ $rc -le 1 ] || { echo "tsan: exit $rc with -r (output threads)"; cat ../tsan-0.log; exit 1; }; } &&
	for w in 1 2 3; do
		TSAN_OPTIONS="halt_on_error=1 exitcode=66" ./conformd -q -c samples/conformd.conf \
		    -r samples/lync-site.pcap --pipeline --workers $w --db ../tsan-$w.db --eve ../tsan-$w.eve \
		    2>../tsan-$w.log; rc=$?
		[ $rc -le 1 ] || { echo "tsan: exit $rc with $w workers"; cat ../tsan-$w.log; exit 1; }
	done ); then
	grep -h "passed, " build-tsan/ring.log | tail -n 4
	echo "tsan: ring, capture, sinkasync, checkpoint, -r with its output threads and the pipeline with 1-3 workers clean"
else
	tsan_fail=1
	tail -n 60 build-tsan/ring.log build-tsan/tsan-*.log 2>/dev/null
fi

# 5. every fuzz target for a bounded time (FUZZ_SECONDS, default 60 each,
# two at a time), replaying fuzz/regressions first; any crash, leak or
# sanitizer report fails the run.  scripts/fuzz-ci.sh builds them with
# `make fuzz`: each linked against the libconformd.a of a second build,
# configured with --enable-fuzzer CC=clang in fuzz/out/build (fuzz/README).
fuzz_fail=0
if sh scripts/fuzz-ci.sh >fuzz.log 2>&1; then
	grep -E "^fuzz|execs|exec/s|runs" fuzz.log | tail -n 12
else
	fuzz_fail=1
	tail -n 60 fuzz.log
fi

# One closing line: test programs and scripts run by `make check` and
# `make check-root`.
sum() {	# sum FIELD: FIELD's count in both summaries, added
	sed -n "s/^# $1: *//p" test-suite.log test-suite-root.log | awk '{ n += $1 } END { print n + 0 }'
}
pass=$(sum PASS)
failn=$(sum FAIL)
err=$(sum ERROR)
skip=$(sum SKIP)
failn=$(( ${failn:-0} + ${err:-0} + asan_fail + dist_fail + tsan_fail + fuzz_fail ))
pass=$(( ${pass:-0} + (1 - asan_fail) + (1 - dist_fail) + (1 - tsan_fail) + (1 - fuzz_fail) ))
echo "conformd: $pass passed, $failn failed, ${skip:-0} skipped"
[ $fail -eq 0 ] && [ $failn -eq 0 ]
