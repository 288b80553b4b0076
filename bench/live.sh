#!/usr/bin/env bash
# bench/live.sh - the live daemon under load: tcpreplay into a veth pair in
# a network namespace, `conformd -i` on the other end (-u root), at
# increasing packet rates and at --topspeed, with 1 and then 2 workers.
# Two sections: packets (a 64-byte and an IMIX capture, outputs off) and
# records (a capture that makes a flow record and a finding for nearly
# every packet, outputs on).  Needs root, tcpreplay, sqlite3, tcpdump.
#
# usage: bench/live.sh [--quick] [--packets N] [--records | --no-records]
#   --packets N   packets replayed per step (default 300000; --quick 100000)
#   --quick       fewer packets and rate steps
#   --records     only the records section
#   --no-records  only the packets section
# environment: CONFORMD (default <top>/conformd), CC (default cc),
#   RATES (packets: pps steps, default "100000 200000 400000 700000 1000000
#   1500000"; --quick "200000 1000000"), RECORD_RATES (records: pps steps,
#   default "20000 30000 40000 50000 70000 100000"; --quick "30000 100000").
#
# For every step a fresh daemon starts (capturing on rp1), tcpreplay sends
# the first N packets of the capture out of rp0 at --pps=RATE (the last
# step --topspeed), the daemon gets SIGTERM after tcpreplay ends (1 s;
# records: 2 s, so that the store's once-a-second commit has run), and its
# counters at exit are read from its SQLite database.  The rate is what
# tcpreplay reports it achieved ("Rated: ... pps"), not the asked one.
#
# Packets: `--workers W --db DB` (the db only for the counters: no flow
# ends before SIGTERM).  Counters capture.received, capture.kernel_drops,
# capture.ring_drops, packets (classified).  Summary per capture and
# worker count: the highest rate with zero ring drops and the lowest at
# which kernel drops start.  Captures: bench/out/1000000p-10000f-{64,imix}
# (gen-bench, 10k flows, the run.sh traffic mix).
#
# Records: `--workers W --db DB --eve EVE`.  Capture
# bench/out/1000000p-1000000f-64-max1000 (gen-bench: 1M flows of one
# packet each, a SYN or a UDP request, the run.sh mix, and `max-flows
# 1000` in its conformd.conf: per worker, so after the first 1000 packets
# of each worker every new flow evicts the oldest, whose record (and its
# finding: blocked, or unexpected for the 2% violating) goes to the store
# while the replay runs; about 2 records a packet).  Per step: replay
# seconds (tcpreplay's "Actual: ... in S seconds"); rows of the flows
# table and of them those ended by the SIGTERM flush (end_reason
# 'flush'; the others are 'evicted'), rows of the findings table (one per
# distinct finding, repeats summed in its count column); EVE flow +
# alert lines at exit, "at end" when tcpreplay returns, "streamed" 2 s
# later when SIGTERM is sent (written during the replay and the drain
# after it, not by the exit flush); store.records_lost (records a worker
# dropped after waiting 5 ms for room in its ring to the store thread),
# capture.ring_drops, capture.kernel_drops; and rec/s = "at end" / replay
# seconds: records written while the packets came.  Summary per worker
# count: the highest rec/s with 0 records lost, and with nothing lost at
# all (no record lost, no ring or kernel drop).  Each step's .threads
# file has the daemon's CPU seconds per thread (tid:seconds, in creation
# order) at SIGTERM.
#
# Logs in bench/out/live/ (last-run.txt, results.tsv, records.tsv,
# summary.txt; per step the daemon's and tcpreplay's output; records
# steps keep their counters in .counters and delete their EVE file and
# database, about 250 + 130 MB a step, once counted).  Bounded: each
# step is limited by timeout(1); the whole run takes about 4 minutes,
# the records section about 2 of them (--quick under a minute).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
CC=${CC:-cc}
npk=300000
rates=${RATES:-"100000 200000 400000 700000 1000000 1500000"}
rrates=${RECORD_RATES:-"20000 30000 40000 50000 70000 100000"}
do_packets=1 do_records=1

die() { echo "live.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) npk=100000; rates=${RATES:-"200000 1000000"}; rrates=${RECORD_RATES:-"30000 100000"} ;;
	--packets) [ $# -ge 2 ] || die "--packets needs a number"; npk=$2; shift ;;
	--records) do_packets=0 ;;
	--no-records) do_records=0 ;;
	-h|--help) sed -n '2,60p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $npk in ''|*[!0-9]*|0) die "--packets: \"$npk\" is not a positive number" ;; esac
[ $do_packets = 1 ] || [ $do_records = 1 ] || die "--records and --no-records together leave nothing to run"
for r in $rates; do
	case $r in *[!0-9]*|0*) die "RATES: \"$r\" is not a positive number" ;; esac
done
for r in $rrates; do
	case $r in *[!0-9]*|0*) die "RECORD_RATES: \"$r\" is not a positive number" ;; esac
done
[ -n "${rates// /}" ] || die "RATES is empty"
[ -n "${rrates// /}" ] || die "RECORD_RATES is empty"
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
mix=(-6 10 -v 10 -x 2 -u 20 -S 1 -R "$top/rules/lync2013.rules")
gen_capture() {	# name gen-bench-args...
	local name=$1 base=$out/$1 stamp
	shift
	stamp="gen-bench.c $gensum; $*"
	if [ ! -f "$base.pcap" ] || [ "$(cat "$base.params" 2>/dev/null)" != "$stamp" ]; then
		echo "generating $name.pcap"
		"$out/gen-bench" -o "$base.pcap" -i "$base-inventory.conf" \
		    -c "$base-conformd.conf" "$@" > /dev/null
		echo "$stamp" > "$base.params"
	fi
}
caps=()
if [ $do_packets = 1 ]; then
	for sz in 64 imix; do
		gen_capture "1000000p-10000f-$sz" -n 1000000 -f 10000 -s "$sz" "${mix[@]}"
		caps+=("1000000p-10000f-$sz")
	done
fi
rcap=1000000p-1000000f-64-max1000
[ $do_records = 0 ] || gen_capture "$rcap" -n 1000000 -f 1000000 -s 64 "${mix[@]}" -m 1000

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
query() {	# db sql
	sqlite3 -batch -noheader "$1" "$2" 2> /dev/null
}
# start_daemon log conformd-args...: a fresh daemon on rp1, in $dpid
start_daemon() {
	local log=$1
	shift
	ip netns exec "$ns" timeout --foreground 120 "$CONFORMD" -i rp1 -u root "$@" \
	    > "$log.out" 2> "$log.err" < /dev/null &
	dpid=$!
	for _ in $(seq 100); do
		grep -qs 'capturing on' "$log.err" && break
		alive "$dpid" || break
		sleep 0.1
	done
	grep -qs 'capturing on' "$log.err" || die "conformd did not start: $(head -3 "$log.err")"
}
# replay log pcap rate: tcpreplay the first $npk packets at rate (or top)
replay() {
	local speed
	if [ "$3" = top ]; then speed=(--topspeed); else speed=(--pps="$3"); fi
	ip netns exec "$ns" timeout 60 tcpreplay -i rp0 --limit="$npk" "${speed[@]}" "$2" \
	    > "$1.tcpreplay" 2>&1 || die "tcpreplay failed: $(tail -3 "$1.tcpreplay")"
}
stop_daemon() {
	kill -TERM "$dpid"
	for _ in $(seq 300); do alive "$dpid" || break; sleep 0.1; done
	alive "$dpid" && { kill -KILL "$dpid"; die "conformd did not stop in 30 s"; }
	wait "$dpid" || true
	dpid=
}
sent_of() { awk '/Successful packets:/ { print $3 }' "$1.tcpreplay"; }
spps_of() { sed -n 's/.*Rated: .* Bps, .* Mbps, \([0-9.]*\) pps.*/\1/p' "$1.tcpreplay" | head -n 1; }
secs_of() { sed -n 's/^Actual: .* sent in \([0-9.]*\) seconds.*/\1/p' "$1.tcpreplay" | head -n 1; }
# EVE records (flow and alert events) in a file
eve_records() { grep -c -e '"event_type":"flow"' -e '"event_type":"alert"' "$1" 2> /dev/null || true; }

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "machine:   ${model:-unknown}, $(nproc) cores, $(uname -sr)"
echo "tcpreplay: $(tcpreplay --version 2>&1 | sed -n 's/^tcpreplay version: \([^ ]*\).*/\1/p')"
echo "conformd:  $CONFORMD (built $(date -u -r "$CONFORMD" +%Y-%m-%dT%H:%M:%SZ), tree at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")), defaults: --ring-slots 16384, kernel buffer"
[ $do_packets = 0 ] || echo "packets:   first $npk packets of each capture; pps ${rates// /, }, then --topspeed"
[ $do_records = 0 ] || echo "records:   first $npk packets of $rcap, --db and --eve; pps ${rrates// /, }, then --topspeed"
echo "started:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo

res=$lv/results.tsv rres=$lv/records.tsv
: > "$lv/summary.txt"

# ---- packets -------------------------------------------------------------
if [ $do_packets = 1 ]; then
	: > "$res"
	printf '%-22s %7s %11s %11s %9s %9s %9s %9s %9s\n' capture workers asked "sent pps" sent received kdrops rdrops classif
	for name in "${caps[@]}"; do
		pcap=$out/$name.pcap conf=$out/$name-conformd.conf
		cat "$pcap" > /dev/null
		for w in 1 2; do
			for rate in $rates top; do
				log=$lv/$name.w$w.$rate db=$lv/$name.w$w.$rate.db
				rm -f "$db" "$db-wal" "$db-shm"
				start_daemon "$log" -c "$conf" --workers "$w" --db "$db"
				replay "$log" "$pcap" "$rate"
				sleep 1
				stop_daemon
				sent=$(sent_of "$log")
				spps=$(spps_of "$log")
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

	# Per capture and workers: the highest achieved rate with no ring drop
	# (and every packet accounted for), the lowest achieved rate with
	# kernel drops.
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
	}' "$res" | tee -a "$lv/summary.txt"
	[ $do_records = 0 ] || echo
fi

# ---- records -------------------------------------------------------------
if [ $do_records = 1 ]; then
	pcap=$out/$rcap.pcap conf=$out/$rcap-conformd.conf
	cat "$pcap" > /dev/null
	: > "$rres"
	rm -f "$lv/$rcap".w*	# an earlier run's steps
	echo "records: $rcap, --db and --eve; flows = rows (flush = of them ended by the exit flush),"
	echo "findings = rows; EVE flow+alert lines: eve = at exit, at end = when tcpreplay returned,"
	echo "streamed = 2 s later, at SIGTERM; rec/s = at end / secs (tcpreplay's time from first to last packet)"
	printf '%7s %8s %9s %6s %8s %7s %7s %8s %6s %8s %8s %8s %8s %7s %8s\n' workers asked "sent pps" secs \
	    received rdrops kdrops flows flush findings eve "at end" streamed lost rec/s
	for w in 1 2; do
		for rate in $rrates top; do
			log=$lv/$rcap.w$w.$rate db=$lv/$rcap.w$w.$rate.db eve=$lv/$rcap.w$w.$rate.eve
			rm -f "$db" "$db-wal" "$db-shm" "$eve"
			start_daemon "$log" -c "$conf" --workers "$w" --db "$db" --eve "$eve"
			replay "$log" "$pcap" "$rate"
			atend=$(eve_records "$eve")
			sleep 2
			streamed=$(eve_records "$eve")
			cpid=$(tr -d ' ' < "/proc/$dpid/task/$dpid/children" 2> /dev/null || true)
			if [ -n "$cpid" ]; then
				for t in "/proc/$cpid"/task/*/stat; do
					[ -r "$t" ] || continue
					awk -v hz="$(getconf CLK_TCK)" '{ printf "%s:%.2f ", $1, ($14 + $15) / hz }' "$t"
				done
				echo
			fi > "$log.threads"
			stop_daemon
			spps=$(spps_of "$log")
			secs=$(secs_of "$log")
			recv=$(counter "$db" capture.received)
			kd=$(counter "$db" capture.kernel_drops)
			rd=$(counter "$db" capture.ring_drops)
			lost=$(counter "$db" store.records_lost)
			flows=$(query "$db" "SELECT count(*) FROM flows")
			flush=$(query "$db" "SELECT count(*) FROM flows WHERE end_reason = 'flush'")
			finds=$(query "$db" "SELECT count(*) FROM findings")
			eve_n=$(eve_records "$eve")
			rps=$(awk -v n="$atend" -v s="${secs:-0}" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
			printf '%7s %8s %9.0f %6.2f %8s %7s %7s %8s %6s %8s %8s %8s %8s %7s %8s\n' "$w" "$rate" \
			    "${spps:-0}" "${secs:-0}" "${recv:--}" "${rd:--}" "${kd:--}" "${flows:--}" "${flush:--}" \
			    "${finds:--}" "${eve_n:--}" "${atend:--}" "${streamed:--}" "${lost:--}" "$rps"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$rate" \
			    "${spps:-0}" "${secs:-}" "${recv:-}" "${rd:-}" "${kd:-}" "${flows:-}" "${flush:-}" \
			    "${finds:-}" "${eve_n:-}" "${atend:-}" "${streamed:-}" "${lost:-}" "$rps" >> "$rres"
			query "$db" "SELECT name, value FROM counters
			    WHERE run_id = (SELECT max(id) FROM runs)" > "$log.counters"
			rm -f "$eve" "$db" "$db-wal" "$db-shm"	# about 250 + 130 MB a step
		done
	done

	# Per worker count: the highest rec/s with no record lost, and with
	# nothing lost (no record, no ring drop, no kernel drop).
	echo
	awk -F'\t' '
	{
		k = "workers " $1
		if (!(k in seen)) { seen[k] = 1; order[++n] = k; ok[k] = -1; all[k] = -1 }
		if ($14 == "0" && $15 > ok[k]) { ok[k] = $15; okp[k] = $3 }
		if ($14 == "0" && $6 == "0" && $7 == "0" && $15 > all[k]) { all[k] = $15; allp[k] = $3 }
	}
	function show(v, p) { return v < 0 ? "none" : sprintf("%.0f (%.0f pps)", v, p) }
	END {
		printf "%-22s %32s %32s\n", "records, workers", "max rec/s, 0 records lost", "max rec/s, nothing lost"
		for (i = 1; i <= n; i++) {
			k = order[i]
			printf "%-22s %32s %32s\n", k, show(ok[k], okp[k]), show(all[k], allp[k])
		}
	}' "$rres" | tee -a "$lv/summary.txt"
fi
