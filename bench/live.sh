#!/usr/bin/env bash
# bench/live.sh - the live daemon under load: tcpreplay into a veth pair in
# a network namespace, `conformd -i` on the other end (-u root), at
# increasing packet rates and at --topspeed, with 1 and then 2 workers, for
# a 64-byte and an IMIX capture.  Needs root, tcpreplay, sqlite3, tcpdump.
#
# usage: bench/live.sh [--quick] [--packets N]
#   --packets N  packets replayed per step (default 300000; --quick 100000)
#   --quick      fewer packets and rate steps
# environment: CONFORMD (default <top>/conformd), CC (default cc),
#   RATES (pps steps, default "100000 200000 400000 700000 1000000 1500000").
#
# For every step a fresh daemon starts (capturing on rp1), tcpreplay sends
# the first N packets of the capture out of rp0 at --pps=RATE (the last
# step --topspeed), the daemon gets SIGTERM 1 s after tcpreplay ends, and
# its counters at exit are read from its SQLite database (capture.received,
# capture.kernel_drops, capture.ring_drops, packets: classified).  Prints a
# row per step and, per capture and worker count, the highest rate with
# zero ring drops and the lowest at which kernel drops start.  The rate is
# what tcpreplay reports it achieved ("Rated: ... pps"), not the asked one.
# Captures: bench/out/1000000p-10000f-{64,imix}.pcap (gen-bench, 10k flows,
# the run.sh traffic mix).  Logs in bench/out/live/.  Bounded: each step
# is limited by timeout(1); the whole run takes a few minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
CC=${CC:-cc}
npk=300000
rates=${RATES:-"100000 200000 400000 700000 1000000 1500000"}

die() { echo "live.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) npk=100000; rates=${RATES:-"200000 1000000"} ;;
	--packets) [ $# -ge 2 ] || die "--packets needs a number"; npk=$2; shift ;;
	-h|--help) sed -n '2,23p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $npk in ''|*[!0-9]*|0) die "--packets: \"$npk\" is not a positive number" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for c in tcpreplay sqlite3 tcpdump ip timeout; do
	command -v $c > /dev/null || die "$c not installed"
done
[ -x "$CONFORMD" ] || die "$CONFORMD not found (set CONFORMD)"

lv=$out/live
mkdir -p "$lv"
exec > >(tee "$lv/last-run.txt") 2>&1
if [ ! -x "$out/gen-bench" ] || [ "$here/gen-bench.c" -nt "$out/gen-bench" ]; then
	$CC -O2 -Wall -o "$out/gen-bench" "$here/gen-bench.c" -lpcap || die "cannot build gen-bench"
fi

# ---- captures ------------------------------------------------------------
gensum=$(cksum < "$here/gen-bench.c")
caps=()
for sz in 64 imix; do
	name=1000000p-10000f-$sz base=$out/$name
	args=(-n 1000000 -f 10000 -s "$sz" -6 10 -v 10 -x 2 -u 20 -S 1 -R "$top/rules/lync2013.rules")
	stamp="gen-bench.c $gensum; ${args[*]}"
	if [ ! -f "$base.pcap" ] || [ "$(cat "$base.params" 2>/dev/null)" != "$stamp" ]; then
		echo "generating $name.pcap"
		"$out/gen-bench" -o "$base.pcap" -i "$base-inventory.conf" \
		    -c "$base-conformd.conf" "${args[@]}" > /dev/null
		echo "$stamp" > "$base.params"
	fi
	caps+=("$name")
done

# ---- namespace -----------------------------------------------------------
ns=conformd-bench-$$
cleanup() {
	[ -n "${dpid:-}" ] && kill -KILL "$dpid" 2> /dev/null || true
	ip netns del "$ns" 2> /dev/null || true
}
trap cleanup EXIT
trap 'exit 2' INT TERM
ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add rp0 type veth peer name rp1
ip -n "$ns" link set rp0 up
ip -n "$ns" link set rp1 up

alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat")" != Z ]; }
counter() {	# db name
	sqlite3 -batch -noheader "$1" "SELECT value FROM counters WHERE name = '$2'
	    AND run_id = (SELECT max(id) FROM runs)" 2> /dev/null
}

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine:   ${model:-unknown}, $(nproc) cores, $(uname -sr)"
echo "tcpreplay: $(tcpreplay --version 2>&1 | sed -n 's/^tcpreplay version: \([^ ]*\).*/\1/p')"
echo "conformd:  $CONFORMD (built $(date -u -r "$CONFORMD" +%Y-%m-%dT%H:%M:%SZ), tree at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")), defaults: --ring-slots 16384, kernel buffer"
echo "steps:     first $npk packets of each capture; pps ${rates// /, }, then --topspeed"
echo

res=$lv/results.tsv
: > "$res"
printf '%-22s %7s %11s %11s %9s %9s %9s %9s %9s\n' capture workers asked "sent pps" sent received kdrops rdrops classif
for name in "${caps[@]}"; do
	pcap=$out/$name.pcap conf=$out/$name-conformd.conf
	cat "$pcap" > /dev/null
	for w in 1 2; do
		for rate in $rates top; do
			log=$lv/$name.w$w.$rate db=$lv/$name.w$w.$rate.db
			rm -f "$db" "$db-wal" "$db-shm"
			ip netns exec "$ns" timeout 120 "$CONFORMD" -c "$conf" -i rp1 -u root \
			    --workers "$w" --db "$db" > "$log.out" 2> "$log.err" < /dev/null &
			dpid=$!
			for _ in $(seq 100); do
				grep -qs 'capturing on' "$log.err" && break
				alive "$dpid" || break
				sleep 0.1
			done
			grep -qs 'capturing on' "$log.err" || die "conformd did not start: $(head -3 "$log.err")"
			if [ "$rate" = top ]; then speed=(--topspeed); else speed=(--pps="$rate"); fi
			ip netns exec "$ns" timeout 60 tcpreplay -i rp0 --limit="$npk" "${speed[@]}" "$pcap" \
			    > "$log.tcpreplay" 2>&1 || die "tcpreplay failed: $(tail -3 "$log.tcpreplay")"
			sleep 1
			kill -TERM "$dpid"
			for _ in $(seq 200); do alive "$dpid" || break; sleep 0.1; done
			alive "$dpid" && { kill -KILL "$dpid"; die "conformd did not stop in 20 s"; }
			wait "$dpid" || true
			dpid=
			sent=$(awk '/Successful packets:/ { print $3 }' "$log.tcpreplay")
			spps=$(sed -n 's/.*Rated: .* Bps, .* Mbps, \([0-9.]*\) pps.*/\1/p' "$log.tcpreplay" | head -n 1)
			recv=$(counter "$db" capture.received)
			kd=$(counter "$db" capture.kernel_drops)
			rd=$(counter "$db" capture.ring_drops)
			cl=$(counter "$db" packets)
			printf '%-22s %7s %11s %11.0f %9s %9s %9s %9s %9s\n' "$name" "$w" "$rate" "${spps:-0}" \
			    "${sent:--}" "${recv:--}" "${kd:--}" "${rd:--}" "${cl:--}"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$w" "$rate" "${spps:-0}" \
			    "${sent:-}" "${recv:-}" "${kd:-}" "${rd:-}" "${cl:-}" >> "$res"
		done
	done
done

# ---- summary -------------------------------------------------------------
# Per capture and workers: the highest achieved rate with no ring drop
# (and every packet accounted for), the lowest achieved rate with kernel drops.
echo
awk -F'\t' '
{
	k = $1 " workers " $2
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	if ($8 == 0 && $8 != "" && $4 > okr[k]) okr[k] = $4
	if ($7 != "" && $7 > 0 && (!(k in kdr) || $4 < kdr[k])) kdr[k] = $4
	if ($4 > maxr[k]) maxr[k] = $4
}
END {
	printf "%-34s %24s %24s\n", "capture, workers", "max pps, 0 ring drops", "kernel drops from pps"
	for (i = 1; i <= n; i++) {
		k = order[i]
		printf "%-34s %24.0f %24s\n", k, okr[k],
		    (k in kdr) ? sprintf("%.0f", kdr[k]) : sprintf("none up to %.0f", maxr[k])
	}
}' "$res" | tee "$lv/summary.txt"
