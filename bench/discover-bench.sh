#!/usr/bin/env bash
# bench/discover-bench.sh - time and peak memory of `conformd --discover` on
# the 1M-flow bench file (bench/run.sh's third: 10M packets, 1M flows,
# 64-byte frames, the same traffic mix and seed), beside `conformd -r` on
# the same file with outputs off, in the same run, alternating.
#
# usage: bench/discover-bench.sh [--quick] [--runs N]
#   --quick     the file 10x smaller (1M packets, 100k flows)
#   --runs N    measurements per tool (default 3, or $RUNS)
# environment: CONFORMD (default <top>/conformd), CC (default cc), RUNS.
#
# The capture is bench/run.sh's, reused when it is there (same generator,
# same arguments), made otherwise.  Needs GNU time at /usr/bin/time for the
# peak RSS.  Prints the machine, a row per run, the medians, and what the
# draft found (its header's "kept" and "found" lines).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
CC=${CC:-cc}
runs=${RUNS:-3}
pk=10000000 fl=1000000

die() { echo "discover-bench.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) pk=$((pk / 10)); fl=$((fl / 10)) ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) die "--runs: \"$runs\" is not a positive number" ;; esac
[ -x "$CONFORMD" ] || die "$CONFORMD not found or not executable (set CONFORMD)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (Debian package \`time\`)"

mkdir -p "$out/run"
if [ ! -x "$out/gen-bench" ] || [ "$here/gen-bench.c" -nt "$out/gen-bench" ]; then
	$CC -O2 -Wall -o "$out/gen-bench" "$here/gen-bench.c" -lpcap ||
	    die "cannot build gen-bench (needs libpcap-dev)"
fi

# bench/run.sh's name, arguments and stamp: the same file is reused by both
mix=(-6 10 -v 10 -x 2 -u 20 -S 1)
name=${pk}p-${fl}f-64 base=$out/${pk}p-${fl}f-64
args=(-n "$pk" -f "$fl" -s 64 "${mix[@]}" -R "$top/rules/lync2013.rules")
stamp="gen-bench.c $(cksum < "$here/gen-bench.c"); ${args[*]}"
if [ -f "$base.pcap" ] && [ "$(cat "$base.params" 2>/dev/null)" = "$stamp" ]; then
	echo "reusing $name.pcap"
else
	echo "generating $name.pcap"
	rm -f "$base.params"
	"$out/gen-bench" -o "$base.pcap" -i "$base-inventory.conf" -c "$base-conformd.conf" \
	    "${args[@]}" >/dev/null || die "gen-bench failed"
	echo "$stamp" >"$base.params"
fi

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine:  ${model:-unknown}, $(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel:   $(uname -srm)"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "conformd: $CONFORMD ($(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "file:     $name.pcap ($(stat -c %s "$base.pcap") bytes), $runs runs per tool"
cat "$base.pcap" >/dev/null	# warm the page cache
echo

# one run: tool -> "seconds rss_kb"
measure() {
	local what=$1 t=$out/run/discover-time.txt
	shift
	/usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$out/run/discover-stderr.txt" ||
	    { [ $? -eq 1 ] || die "$what failed: $(tail -3 "$out/run/discover-stderr.txt")"; }
	tail -n 1 "$t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-12s %4s %9s %10s\n' tool run seconds "peak RSS"
: >"$out/run/discover.tsv"
for r in $(seq "$runs"); do
	read -r s m < <(measure "conformd --discover" "$CONFORMD" -q --discover -c "$base-conformd.conf" \
	    -r "$base.pcap" -o "$out/run/discover-draft.conf")
	printf '%-12s %4d %9.2f %7.0f MB\n' discover "$r" "$s" "$((m / 1024))"
	echo "discover $s $m" >>"$out/run/discover.tsv"
	read -r s m < <(measure "conformd -r" "$CONFORMD" -q -c "$base-conformd.conf" -r "$base.pcap")
	printf '%-12s %4d %9.2f %7.0f MB\n' "-r" "$r" "$s" "$((m / 1024))"
	echo "judge $s $m" >>"$out/run/discover.tsv"
done
echo
for tool in discover judge; do
	s=$(awk -v t=$tool '$1 == t { print $2 }' "$out/run/discover.tsv" | median)
	m=$(awk -v t=$tool '$1 == t { print $3 }' "$out/run/discover.tsv" | median)
	printf 'median %-9s %9.2f s %7.0f MB peak RSS  %6.2f Mpps\n' "$tool" "$s" "$((m / 1024))" \
	    "$(awk -v p="$pk" -v s="$s" 'BEGIN { printf "%.2f", p / s / 1e6 }')"
done
echo
echo "the draft:"
sed -n '/^# kept:/,/^#$/p' "$out/run/discover-draft.conf"
grep -v '^[[:space:]]*#' "$out/run/discover-draft.conf" | grep -v '^$' | head -20
