#!/usr/bin/env bash
# bench/records.sh - what the records cost: `conformd -r FILE` with --db
# and --eve against the same command with outputs off, paired in one run
# (the tools alternate, medians of R), for every value of flow-log.
#
# usage: bench/records.sh [--runs N] NAME...
#   NAME   a capture bench/out/NAME.pcap with its NAME-conformd.conf
#          (gen-bench writes both; run.sh, live.sh or the lines below)
#   --runs N  measurements of each variant (default 3, or $RUNS)
# environment: CONFORMD (default <top>/conformd).
#
# The issue's files (issue 19), generated once with bench/out/gen-bench
# and the run.sh traffic mix (-6 10 -v 10 -x 2 -u 20 -S 1):
#   churn1k    -n 5000000  -f 1000  -s 64   -l 40 -m 4000
#   churn10k   -n 10000000 -f 10000 -s imix -l 20 -m 40000
#   10000000p-1000000f-64 (run.sh's 1M-flow file)
# Variants: off (no outputs), all / findings / none (--db --eve, the
# config's flow-log set to that value).  Prints per file the medians in
# seconds and each variant's median over off's median; the ratios are
# what the issue's targets name (1.2x, 1.3x; the 1M file against
# bench/records-floor.sh).  Logs in bench/out/records/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
runs=${RUNS:-3}
die() { echo "records.sh: $*" >&2; exit 1; }
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	-*) die "unknown argument: $1 (try --help)" ;;
	*) names+=("$1") ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) die "--runs: \"$runs\" is not a positive number" ;; esac
[ ${#names[@]} -gt 0 ] || die "no capture named (try --help)"
[ -x "$CONFORMD" ] || die "$CONFORMD not found or not executable (set CONFORMD)"
w=$out/records
mkdir -p "$w"
exec > >(tee "$w/last-run.txt") 2>&1
echo "machine:  $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores, $(uname -sr)"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "conformd: $CONFORMD ($(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "runs:     $runs of each variant, alternating"
declare -A sum
one() {	# name variant cmd...: wall seconds; exit 0 or 1 only
	local n=$1 v=$2 t0 t1 rc=0; shift 2
	rm -f "$w/x.db" "$w/x.db-wal" "$w/x.db-shm" "$w/x.eve"
	t0=$(date +%s.%N)
	"$@" > "$w/$n.$v.out" 2> "$w/$n.$v.err" || rc=$?
	t1=$(date +%s.%N)
	[ $rc -le 1 ] || { tail -n 5 "$w/$n.$v.err"; die "$n $v exited $rc"; }
	sum[$n.$v]="${sum[$n.$v]:-} $(echo "$t1 - $t0" | bc -l)"
}
med() { tr ' ' '\n' <<< "${sum[$1]}" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for n in "${names[@]}"; do
	pcap=$out/$n.pcap conf=$out/$n-conformd.conf
	[ -f "$pcap" ] && [ -f "$conf" ] || die "$pcap or $conf missing"
	for v in all findings none; do
		{ grep -v '^flow-log' "$conf"; echo "flow-log $v"; } > "$w/$n.$v.conf"
	done
	cat "$pcap" > /dev/null
	for r in $(seq 1 "$runs"); do
		one "$n" off "$CONFORMD" -q -r "$pcap" -c "$conf"
		for v in all findings none; do
			one "$n" "$v" "$CONFORMD" -q -r "$pcap" -c "$w/$n.$v.conf" --db "$w/x.db" --eve "$w/x.eve"
		done
		# the rows and EVE lines of the last variant of the last run
	done
	one "$n" count "$CONFORMD" -q -r "$pcap" -c "$w/$n.all.conf" --db "$w/x.db" --eve "$w/x.eve"
	rows=$(sqlite3 "$w/x.db" "SELECT (SELECT count(*) FROM flows) || ' flow rows, ' || (SELECT count(*) FROM findings) || ' finding rows'")
	echo
	echo "$n: $rows, $(stat -c %s "$w/x.eve") bytes of EVE (flow-log all)"
	off=$(med "$n.off")
	printf '  %-9s %7.3f s\n' off "$off"
	for v in all findings none; do
		m=$(med "$n.$v")
		printf '  %-9s %7.3f s  %5.2fx off   (runs:%s)\n' "$v" "$m" "$(echo "$m / $off" | bc -l)" "${sum[$n.$v]}"
	done
done
rm -f "$w/x.db" "$w/x.db-wal" "$w/x.db-shm" "$w/x.eve"
