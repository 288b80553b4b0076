#!/bin/sh
# fuzz/run.sh - run one fuzz target for a bounded time; fail on any finding.
#
# usage: fuzz/run.sh TARGET SECONDS
#   TARGET   fuzz_decode, fuzz_pipeline, fuzz_rules, fuzz_inventory,
#            fuzz_config, fuzz_pcap, fuzz_pcapfile or fuzz_record (built by `make fuzz`
#            or fuzz/build.sh)
# environment:
#   FUZZ_OUT   where the binaries are (default <srcdir>/fuzz/out)
#   FUZZ_WORK  scratch directory: new corpus entries, artifacts, the log
#              (default $FUZZ_OUT/work/TARGET, emptied first)
#
# First every saved input of fuzz/regressions/TARGET/ is replayed (each
# must pass), then libFuzzer runs from the seed corpus fuzz/corpus/TARGET/
# (read, never written) with -max_total_time=SECONDS -rss_limit_mb=2048
# -timeout=10.  Any crash, sanitizer report (ASan, UBSan, LeakSanitizer),
# timeout, out-of-memory or failed property fails the run; the input that
# caused it is left in FUZZ_WORK.  The last line is
#   "TARGET: N executions in S s, corpus C, OK" or "TARGET: ... FAILED".
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
out=${FUZZ_OUT:-$src/fuzz/out}

if [ $# -ne 2 ]; then
	sed -n '2,19p' "$0" >&2
	exit 2
fi
target=$1 secs=$2
case $secs in ''|*[!0-9]*) echo "run.sh: SECONDS must be a number" >&2; exit 2 ;; esac
bin=$out/$target
if [ ! -x "$bin" ]; then
	echo "run.sh: $bin not built (run fuzz/build.sh or make fuzz)" >&2
	exit 2
fi
work=${FUZZ_WORK:-$out/work/$target}
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts" || exit 2
log=$work/fuzz.log
export CONFORMD_SRCDIR="$src"
# Leaks are findings; UBSan stops at the first report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

sanitizer_report() {
	grep -E -q 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|property failed|SUMMARY: |deadly signal|ALARM: working on the last Unit' "$1"
}

fail() {
	echo "---- $target: last lines of $log"
	tail -n 40 "$log"
	ls "$work/artifacts" 2>/dev/null | sed 's/^/artifact: /'
	echo "$target: $* FAILED"
	exit 1
}

# 1. saved regressions: every one must run clean
nreg=0
if [ -d "$src/fuzz/regressions/$target" ]; then
	for f in "$src/fuzz/regressions/$target"/*; do
		[ -f "$f" ] || continue
		nreg=$((nreg + 1))
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 "$f" >"$log" 2>&1 || sanitizer_report "$log"; then
			fail "regression $(basename "$f")"
		fi
	done
fi

# 2. fuzz from the seed corpus
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$src/fuzz/corpus/$target" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
corpus=$(ls "$work/corpus" | wc -l)
seeds=$(ls "$src/fuzz/corpus/$target" 2>/dev/null | wc -l)
if [ $rc -ne 0 ] || sanitizer_report "$log" || [ -z "$execs" ]; then
	fail "exit $rc after ${execs:-?} executions"
fi
echo "$target: $execs executions in $secs s, corpus $seeds seeds + $corpus new, $nreg regressions replayed, OK"
