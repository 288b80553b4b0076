#!/usr/bin/env bash
# bench/run.sh - offline throughput of `conformd -r` against a plain libpcap
# read loop (bench/pcap-count) over the same files, in the same run, and
# against the tools a user would pick instead (tshark, ndpiReader, nfpcapd,
# argus, softflowd).
#
# usage: bench/run.sh [--quick] [--runs N] [--no-peers]
#   --quick     files 10x smaller (packets and flows)
#   --runs N    measurements per tool and file (default 3, or $RUNS)
#   --no-peers  only the floor and conformd (the original three files)
# environment: CONFORMD (default <top>/conformd), CC (default cc), RUNS.
#
# Builds bench/out/{gen-bench,pcap-count}, generates the captures (reused
# when the generator and its arguments are unchanged), warms the page cache,
# then for each file runs, R times in alternation: the floor, conformd with
# outputs off, conformd --direct, conformd with --db and --eve (fresh files
# each time).  The peers are slow (0.1-0.5 Mpps on 1M flows), so they run
# on a prefix of each file (its first fifth: every flow is still live, see
# bench/README), together with the floor and conformd on the same prefix,
# again alternating.  Prints the machine, then one table row per file and
# tool, then conformd's speed over the fastest flow meter or ndpiReader.
# A copy of everything printed goes to bench/out/last-run.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
CC=${CC:-cc}
runs=${RUNS:-3}
quick=0
peers=1

die() { echo "run.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift ;;
	--no-peers) peers=0 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) die "--runs: \"$runs\" is not a positive number" ;; esac

mkdir -p "$out/run"
exec > >(tee "$out/last-run.txt") 2>&1

# The three files: packets flows size.  --quick divides packets and flows
# by 10, so packets per flow (and so the flow shapes) stay the same.
files=(
	"5000000 1000 64"
	"5000000 100000 imix"
	"10000000 1000000 64"
)
# Traffic mix shared by every file: IPv6 %, VLAN %, violating %, UDP %, seed.
mix=(-6 10 -v 10 -x 2 -u 20 -S 1)

# ---- build -------------------------------------------------------------
for prog in gen-bench pcap-count; do
	if [ ! -x "$out/$prog" ] || [ "$here/$prog.c" -nt "$out/$prog" ]; then
		$CC -O2 -Wall -o "$out/$prog" "$here/$prog.c" -lpcap ||
		    die "cannot build $prog (needs libpcap-dev)"
	fi
done

timer=/usr/bin/time
[ -x "$timer" ] || { echo "note: $timer missing (Debian package \`time\`): no peak RSS"; timer=; }

have_conformd=1
if [ ! -x "$CONFORMD" ]; then
	echo "note: $CONFORMD not found or not executable: floor only"
	have_conformd=0
fi

# ---- machine -----------------------------------------------------------
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
memkb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
echo "machine:  ${model:-unknown}"
echo "cores:    $(nproc) online ($(grep -c ^processor /proc/cpuinfo) listed)"
echo "memory:   $(awk -v k="$memkb" 'BEGIN { printf "%.1f GiB", k / 1048576 }')"
echo "kernel:   $(uname -srm)"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "libpcap:  $(dpkg-query -W -f '${Version}' libpcap0.8 2>/dev/null || echo unknown)"
if [ $have_conformd = 1 ]; then
	echo "conformd: $CONFORMD ($(date -u -r "$CONFORMD" +%Y-%m-%dT%H:%M:%SZ)$(
	    git -C "$top" rev-parse --short HEAD 2>/dev/null | sed 's/^/, commit /'))"
fi
echo "runs:     $runs per tool and file$([ $quick = 1 ] && echo ', --quick')"
echo

# ---- generate ----------------------------------------------------------
gensum=$(cksum < "$here/gen-bench.c")
names=()
for spec in "${files[@]}"; do
	read -r pk fl sz <<< "$spec"
	if [ $quick = 1 ]; then pk=$((pk / 10)); fl=$((fl / 10)); fi
	name=${pk}p-${fl}f-$sz
	args=(-n "$pk" -f "$fl" -s "$sz" "${mix[@]}" -R "$top/rules/lync2013.rules")
	stamp="gen-bench.c $gensum; ${args[*]}"
	base=$out/$name
	if [ -f "$base.pcap" ] && [ -f "$base-inventory.conf" ] && [ -f "$base-conformd.conf" ] &&
	    [ "$(cat "$base.params" 2>/dev/null)" = "$stamp" ]; then
		echo "reusing $name.pcap"
	else
		echo "generating $name.pcap"
		rm -f "$base.params"
		"$out/gen-bench" -o "$base.pcap" -i "$base-inventory.conf" \
		    -c "$base-conformd.conf" "${args[@]}" > /dev/null
		echo "$stamp" > "$base.params"
	fi
	names+=("$name")
done
echo

# ---- peer files --------------------------------------------------------
# The peers run on the first fifth of each file: the generator writes one
# packet of every flow per round, so a prefix of 5 or more rounds still has
# all the file's flows live at once (fewer packets per flow).
pnames=()
if [ $peers = 1 ]; then
	command -v tcpdump > /dev/null || die "tcpdump is needed to cut the peer files"
	for name in "${names[@]}"; do
		pk=${name%%p-*}
		head=$((pk / 5))
		pname=$name:1/5 base=$out/$name.head
		stamp="$(cat "$out/$name.params") head $head"
		if [ -f "$base.pcap" ] && [ "$(cat "$base.params" 2>/dev/null)" = "$stamp" ]; then
			echo "reusing $name.head.pcap (first $head packets)"
		else
			echo "cutting $name.head.pcap (first $head packets)"
			rm -f "$base.params"
			tcpdump -n -r "$out/$name.pcap" -c "$head" -w "$base.pcap" 2> /dev/null ||
			    die "tcpdump could not cut $name.pcap"
			echo "$stamp" > "$base.params"
		fi
		pnames+=("$pname")
	done
	echo
fi

# ---- measure -----------------------------------------------------------
# One measurement: appends "file tool run packets seconds rss_kb status" to
# $res; status is "ok", or why the tool has no number (peers only).
res=$out/run/results.tsv
: > "$res"

# The peers: tool name, Debian package, and how to run it on $pcap (writing
# into $scratch, a fresh directory per run).  Outputs go to files or
# nowhere, the way each tool is used in batch.
peer_tools=(tshark ndpiReader nfpcapd argus softflowd)
declare -A peer_pkg=([tshark]=tshark [ndpiReader]=libndpi-bin [nfpcapd]=nfdump
    [argus]=argus-server [softflowd]=softflowd)
declare -A peer_bin=([tshark]=tshark [ndpiReader]=ndpiReader [nfpcapd]=nfpcapd
    [argus]=argus [softflowd]=softflowd)
peer_cmd() {	# tool pcap scratch flows -> the command line in $cmd[]
	case $1 in
	tshark)     cmd=(tshark -n -r "$2" -q -z conv,tcp) ;;
	ndpiReader) cmd=(ndpiReader -q -i "$2") ;;
	nfpcapd)    cmd=(nfpcapd -r "$2" -w "$3") ;;
	argus)      cmd=(argus -r "$2" -w /dev/null) ;;
	# -d foreground, -6 track IPv6 too, -m a flow table as large as the
	# file's flows (default 8192 would force-expire), -c none: no control
	# socket, exit at the end of the file.
	softflowd)  cmd=(softflowd -r "$2" -c none -d -6 -m "$(( $4 > 8192 ? $4 : 8192 ))") ;;
	esac
}
for t in "${peer_tools[@]}"; do
	PATH="$PATH:/usr/sbin:/sbin" command -v "${peer_bin[$t]}" > /dev/null ||
	    echo "note: $t not installed (Debian package ${peer_pkg[$t]}): reported as such"
done
export PATH="$PATH:/usr/sbin:/sbin"

measure() {	# name tool run cmd...
	local name=$1 tool=$2 run=$3; shift 3
	local log=$out/run/${name//\//_}.$tool.$run t0 t1 rc=0 secs pk seen rss=- status=ok
	log=${log//:/.}
	t0=$(date +%s.%N)
	if [ -n "$timer" ]; then
		"$timer" -f '%e %M' -o "$log.time" -- "$@" > "$log.out" 2> "$log.err" || rc=$?
	else
		"$@" > "$log.out" 2> "$log.err" || rc=$?
	fi
	t1=$(date +%s.%N)
	if [ -n "$timer" ]; then rss=$(awk 'END { print $2 }' "$log.time"); fi
	if [ "$tool" = floor ]; then
		[ $rc = 0 ] || { cat "$log.err"; die "pcap-count failed on $name"; }
		pk=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$log.out")
		secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$log.out")
		floor_packets=$pk
	elif [ "${tool#conformd}" != "$tool" ]; then
		# 0: clean, 1: findings (normal here); anything else is a failure.
		[ $rc -le 1 ] || { tail -n 20 "$log.err"; die "$tool exited $rc on $name (logs: $log.*)"; }
		pk=$floor_packets
		# The -r summary ("packets: N (B bytes); ...") must agree with the floor.
		seen=$(sed -n 's/^packets: \([0-9][0-9]*\) .*/\1/p' "$log.out" "$log.err" | head -n 1)
		if [ -n "$seen" ] && [ "$seen" != "$pk" ]; then
			die "$tool counted $seen packets in $name, the floor $pk (logs: $log.*)"
		fi
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	else
		# a peer: a failure is a row of the table, not the end of the run
		pk=$floor_packets
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
		if [ $rc != 0 ]; then
			status="failed (exit $rc; $log.err)"
			secs=0
		fi
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tool" "$run" "$pk" "$secs" "$rss" "$status" >> "$res"
}

measure_conformd() {	# name run pcap conf db eve
	measure "$1" conformd "$2" "$CONFORMD" -r "$3" -c "$4"
	# the classifier alone in the reading thread (no capture ring, no threads)
	measure "$1" conformd-direct "$2" "$CONFORMD" -r "$3" -c "$4" --direct
	rm -f "$5" "$5-wal" "$5-shm" "$6"
	measure "$1" conformd+out "$2" "$CONFORMD" -r "$3" -c "$4" --db "$5" --eve "$6"
}

for name in "${names[@]}"; do
	pcap=$out/$name.pcap conf=$out/$name-conformd.conf
	db=$out/run/$name.db eve=$out/run/$name.eve.json
	echo "measuring $name"
	cat "$pcap" > /dev/null		# warm the page cache
	for run in $(seq 1 "$runs"); do
		measure "$name" floor "$run" "$out/pcap-count" "$pcap"
		[ $have_conformd = 1 ] || continue
		measure_conformd "$name" "$run" "$pcap" "$conf" "$db" "$eve"
	done
	if [ $have_conformd = 1 ]; then
		sed -n 's/^\(flows\|findings\): /  conformd \1: /p' \
		    "$out/run/$name.conformd.$runs.out" "$out/run/$name.conformd.$runs.err"
		echo "  outputs of the last run: $(du -h "$db" 2>/dev/null | cut -f1) database," \
		    "$(du -h "$eve" 2>/dev/null | cut -f1) EVE"
	fi
done

for pname in "${pnames[@]}"; do
	name=${pname%%:*}
	pcap=$out/$name.head.pcap conf=$out/$name-conformd.conf
	db=$out/run/$name.head.db eve=$out/run/$name.head.eve.json
	flows=${name#*p-}; flows=${flows%%f-*}
	scratch=$out/run/scratch
	echo "measuring $pname (with the peers)"
	cat "$pcap" > /dev/null
	for run in $(seq 1 "$runs"); do
		measure "$pname" floor "$run" "$out/pcap-count" "$pcap"
		if [ $have_conformd = 1 ]; then
			measure_conformd "$pname" "$run" "$pcap" "$conf" "$db" "$eve"
		fi
		for t in "${peer_tools[@]}"; do
			if ! command -v "${peer_bin[$t]}" > /dev/null; then
				printf '%s\t%s\t%s\t-\t0\t-\t%s\n' "$pname" "$t" "$run" \
				    "not installed (Debian package ${peer_pkg[$t]})" >> "$res"
				continue
			fi
			rm -rf "$scratch"; mkdir -p "$scratch"
			peer_cmd "$t" "$pcap" "$scratch" "$flows"
			measure "$pname" "$t" "$run" "${cmd[@]}"
		done
	done
	rm -rf "$scratch"
done
echo

# ---- report ------------------------------------------------------------
# Mpps per run = packets / seconds / 1e6; best = max, median of the runs;
# "x floor" = the tool's median over the floor's median for the same file.
# For each peer file: conformd's median over the fastest median of the
# flow meters and ndpiReader (tshark is listed, not counted: not a meter).
awk -F'\t' '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)	# insertion sort, n is small
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 SUBSEP $2
	if (!(k in n)) { order[++nk] = k; n[k] = 0; rss[k] = "-" }
	if ($7 != "" && $7 != "ok") { bad[k] = $7; next }
	mpps = $5 > 0 ? $4 / $5 / 1e6 : 0
	v[k, ++n[k]] = mpps
	if (!(k in best) || mpps > best[k]) best[k] = mpps
	pk[k] = $4
	if ($6 != "-" && (rss[k] == "-" || $6 + 0 > rss[k] + 0)) rss[k] = $6
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		delete a
		for (j = 1; j <= n[k]; j++) a[j] = v[k, j]
		med[k] = n[k] ? median(a, n[k]) : 0
	}
	printf "%-26s %-15s %10s %9s %11s %8s %12s\n", "file", "tool", "packets", "best Mpps", "median Mpps", "x floor", "peak RSS MB"
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		if (n[k] == 0) {	# a peer with no number: say why
			printf "%-26s %-15s %10s %9s %11s %8s %12s  %s\n", f[1], f[2], "-", "-", "-", "-", "-", bad[k]
			continue
		}
		fm = med[f[1] SUBSEP "floor"]
		printf "%-26s %-15s %10d %9.2f %11.2f %8.3f %12s%s\n", f[1], f[2], pk[k], best[k], med[k],
		    (fm > 0 ? med[k] / fm : 0), (rss[k] == "-" ? "-" : sprintf("%.1f", rss[k] / 1024)),
		    (k in bad ? "  (some runs " bad[k] ")" : "")
		if (f[2] ~ /^(ndpiReader|nfpcapd|argus|softflowd)$/) {
			if (!(f[1] in fast) || med[k] > fast[f[1]]) { fast[f[1]] = med[k]; fastn[f[1]] = f[2] }
		}
	}
	hdr = 0
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		if (f[2] != "floor" || !(f[1] in fast) || done[f[1]]++) continue
		if (!hdr++) printf "\nconformd over the fastest flow meter or ndpiReader on the same file (target 7x):\n"
		c = med[f[1] SUBSEP "conformd"]; d = med[f[1] SUBSEP "conformd-direct"]; o = med[f[1] SUBSEP "conformd+out"]
		printf "%-26s fastest %-10s %6.2f Mpps   conformd %5.1fx   --direct %5.1fx   +out %5.1fx\n",
		    f[1], fastn[f[1]], fast[f[1]], (fast[f[1]] > 0 ? c / fast[f[1]] : 0),
		    (fast[f[1]] > 0 ? d / fast[f[1]] : 0), (fast[f[1]] > 0 ? o / fast[f[1]] : 0)
	}
}' "$res"
