#!/bin/bash
# bench/index-cost.sh - what the indexes of schema version 5 cost a flow
# row (issue 18, item 15), in one run on one machine:
#   live   bench/store-bench -m live, conformd's writer keeping the indexes
#          up row by row as the daemon does: "v4" (the indexes of schema 4
#          only) and "v5" (all of them) alternating, R runs each, N rows
#          into a new database; without and with Community IDs (-c: the
#          partial index flows_community holds a row per flow); medians,
#          and v5 over v4;
#   bulk   bench/store-bench -m bulk (as -r loads: the indexes built once
#          at the end), once, and then each index built alone on the
#          loaded table.
# Usage: bench/index-cost.sh [--rows N] [--runs R]     (default 1000000, 3)
# Environment: CONFORMD (default <top>/conformd), BUILDDIR (the build tree
# holding libconformd.a, default $CONFORMD's directory), CC.  Files in
# bench/out/index-cost/; about 3 minutes at the defaults on 2 cores.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rows=1000000
runs=3
while [ $# -gt 0 ]; do
	case $1 in
	--rows) rows=$2; shift ;;
	--runs) runs=$2; shift ;;
	*) echo "usage: $0 [--rows N] [--runs R]" >&2; exit 2 ;;
	esac
	shift
done
CONFORMD=${CONFORMD:-$top/conformd}
BUILDDIR=${BUILDDIR:-$(cd "$(dirname "$CONFORMD")" && pwd)}
CC=${CC:-cc}
out=$here/out/index-cost
mkdir -p "$out"
[ -f "$BUILDDIR/libconformd.a" ] || { echo "no libconformd.a in $BUILDDIR (make first)" >&2; exit 2; }
sb=($CC -O2 -Wall -I"$top/include" -I"$BUILDDIR" -o "$out/store-bench" "$here/store-bench.c"
    "$BUILDDIR/libconformd.a" -lpcap -lsqlite3)
"${sb[@]}" -lcap-ng -lpthread 2>"$out/build.log" ||
    "${sb[@]}" -lcap-ng -lnetfilter_log -lgnutls -lpthread 2>>"$out/build.log" || {
	cat "$out/build.log" >&2
	echo "cannot build store-bench against $BUILDDIR/libconformd.a" >&2
	exit 2
}

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine:  ${model:-unknown}, $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel:   $(uname -sr); SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1); $($CC --version | head -n 1)"
echo "disk:     $(df -hT "$out" | awk 'NR == 2 { print $2, $1 }') (bench/out)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
echo "conformd: $(git -C "$top" rev-parse --short HEAD 2>/dev/null), libconformd.a of $BUILDDIR"
echo "rows:     $rows a run, $runs runs each, alternating"
echo

: >"$out/results.tsv"
for cid in "" -c; do
	for i in $(seq "$runs"); do
		for idx in v4 v5; do
			line=$("$out/store-bench" -m live -i "$idx" -n "$rows" $cid "$out/live.db") || exit 2
			echo "live${cid:+ cid}	$idx	$line" >>"$out/results.tsv"
			echo "  live${cid:+ -c} $line"
		done
	done
done
rm -f "$out"/live.db*
echo
awk -F'\t' '
function med(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	split($3, kv, " ")
	for (k in kv) { split(kv[k], p, "="); v[p[1]] = p[2] }
	key = $1 SUBSEP $2
	n[key]++
	rate[key, n[key]] = v["rows_per_s"]
	tailr[key, n[key]] = v["tail_rows_per_s"]
	secs[key, n[key]] = v["seconds"]
	modes[$1] = 1
}
END {
	printf "%-9s %-8s %12s %14s %12s %10s\n", "mode", "indexes", "rows/s", "last 10% /s", "us/row", "v5/v4"
	for (m in modes) {
		for (ix = 0; ix < 2; ix++) {
			idx = ix ? "v5" : "v4"
			key = m SUBSEP idx
			for (i = 1; i <= n[key]; i++) { a[i] = rate[key, i]; b[i] = tailr[key, i] }
			r[idx] = med(a, n[key]); t[idx] = med(b, n[key])
			printf "%-9s %-8s %12.0f %14.0f %12.2f %10s\n", m, idx, r[idx], t[idx], 1e6 / r[idx],
			    ix ? sprintf("%.2fx", r["v4"] / r["v5"]) : ""
		}
		printf "%-9s %-8s %12s %14s %12s  (last 10%%: %.2fx; time per row v5 over v4)\n", "", "", "", "", "", t["v4"] / t["v5"]
	}
}' "$out/results.tsv"
echo
echo "bulk (-r: every index built once, at the end), then each index alone on the loaded table:"
"$out/store-bench" -m bulk -n "$rows" -c "$out/bulk.db" | sed 's/^/  /'
rm -f "$out"/bulk.db*
