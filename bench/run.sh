#!/usr/bin/env bash
# bench/run.sh - offline throughput of `conformd -r` against a plain libpcap
# read loop (bench/pcap-count, the floor: THE reference of every ratio) over
# the same files, in the same run, against conformd's own reader counting
# packets (bench/pcapfile-count), and against the tools a user would pick
# instead (tshark, ndpiReader, nfpcapd, argus, softflowd).
#
# usage: bench/run.sh [--quick] [--runs N] [--no-peers]
#   --quick     files 10x smaller (packets and flows; the memory step's
#               max-flows too)
#   --runs N    measurements per tool and file (default 3, or $RUNS)
#   --no-peers  no peers and no prefix files (the three files and the
#               memory step only)
# environment: CONFORMD (default <top>/conformd), CC (default cc), RUNS.
#
# Builds bench/out/{gen-bench,pcap-count,pcapfile-count}, generates the
# captures (reused when the generator and its arguments are unchanged),
# warms the page cache, then for each file runs, R times in alternation:
# the floor, the reader, conformd (default -r: one thread, outputs off),
# conformd with --db and --eve (fresh files each time), conformd
# --pipeline (outputs off).  The peers are slow (0.1-0.5 Mpps on 1M
# flows), so they run on a prefix of each file (its first fifth: every
# flow is still live, see bench/README), together with the floor, the
# reader and conformd on the same prefix, again alternating.  Then the
# memory step: conformd once on 10M distinct flows with max-flows 1M.
# Prints the machine, one table row per file and tool, the classification
# cost (conformd minus reader, ns a packet), conformd's speed over the
# fastest flow meter, the memory step, and the issue's targets, met or
# not.  A copy of everything printed goes to bench/out/last-run.txt.
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
	-h|--help) sed -n '2,29p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) die "--runs: \"$runs\" is not a positive number" ;; esac

mkdir -p "$out/run"
exec > >(tee "$out/last-run.txt") 2>&1

# The three files: packets flows size.  --quick divides packets and flows
# by 10, so packets per flow (and so the flow shapes) stay the same.  The
# issue's targets for conformd over the floor on each, in the same order.
files=(
	"5000000 1000 64"
	"5000000 100000 imix"
	"10000000 1000000 64"
)
ratio_targets="0.8 0.6 0.3"
# Traffic mix shared by every file: IPv6 %, VLAN %, violating %, UDP %, seed.
mix=(-6 10 -v 10 -x 2 -u 20 -S 1)
# The memory step: 10M distinct flows (2 packets each) through conformd's
# default max-flows (1M), so the table must evict.  --quick: 1M flows and
# max-flows 100k written into the generated config (the same 10:1).
mem_pk=20000000 mem_fl=10000000 mem_cap=
if [ $quick = 1 ]; then mem_pk=2000000 mem_fl=1000000 mem_cap=100000; fi
# Other targets of the issue: conformd over the fastest flow meter, bytes of
# peak RSS per tracked flow, peak RSS on the 1M-flow file (MB).
meter_target=7 bytes_target=256 rss_target=400

# ---- build -------------------------------------------------------------
for prog in gen-bench pcap-count; do
	if [ ! -x "$out/$prog" ] || [ "$here/$prog.c" -nt "$out/$prog" ]; then
		$CC -O2 -Wall -o "$out/$prog" "$here/$prog.c" -lpcap ||
		    die "cannot build $prog (needs libpcap-dev)"
	fi
done
# conformd's own reader from this source tree (src/capture/pcapfile.c, which
# conformd -r uses), rebuilt every time: src/ changes more often than bench/.
[ -f "$top/src/capture/pcapfile.c" ] || die "$top/src/capture/pcapfile.c missing: cannot build pcapfile-count"
$CC -O2 -Wall -I"$top/include" -o "$out/pcapfile-count" "$here/pcapfile-count.c" \
    "$top/src/capture/pcapfile.c" || die "cannot build pcapfile-count (needs <pcap/dlt.h> from libpcap-dev)"

timer=/usr/bin/time
[ -x "$timer" ] || { echo "note: $timer missing (Debian package \`time\`): no peak RSS, no memory step"; timer=; }

have_conformd=1
if [ ! -x "$CONFORMD" ]; then
	echo "note: $CONFORMD not found or not executable (set CONFORMD): floor and reader only"
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
echo "reader:   bench/out/pcapfile-count, built from $top/src/capture/pcapfile.c"
echo "runs:     $runs per tool and file$([ $quick = 1 ] && echo ', --quick')"
echo

# ---- generate ----------------------------------------------------------
gensum=$(cksum < "$here/gen-bench.c")
gen_capture() {	# name gen-bench-args... -> bench/out/NAME{.pcap,-inventory.conf,-conformd.conf}
	local name=$1 base=$out/$1 stamp; shift
	stamp="gen-bench.c $gensum; $*"
	if [ -f "$base.pcap" ] && [ -f "$base-inventory.conf" ] && [ -f "$base-conformd.conf" ] &&
	    [ "$(cat "$base.params" 2>/dev/null)" = "$stamp" ]; then
		echo "reusing $name.pcap"
	else
		echo "generating $name.pcap"
		rm -f "$base.params"
		"$out/gen-bench" -o "$base.pcap" -i "$base-inventory.conf" \
		    -c "$base-conformd.conf" "$@" > /dev/null || die "gen-bench failed on $name"
		echo "$stamp" > "$base.params"
	fi
}
names=()
for spec in "${files[@]}"; do
	read -r pk fl sz <<< "$spec"
	if [ $quick = 1 ]; then pk=$((pk / 10)); fl=$((fl / 10)); fi
	name=${pk}p-${fl}f-$sz
	gen_capture "$name" -n "$pk" -f "$fl" -s "$sz" "${mix[@]}" -R "$top/rules/lync2013.rules"
	names+=("$name")
done
mname=
if [ $have_conformd = 1 ] && [ -n "$timer" ]; then
	mname=${mem_pk}p-${mem_fl}f-64${mem_cap:+-max$mem_cap}
	gen_capture "$mname" -n "$mem_pk" -f "$mem_fl" -s 64 "${mix[@]}" \
	    -R "$top/rules/lync2013.rules" ${mem_cap:+-m "$mem_cap"}
fi
echo

# ---- peer files --------------------------------------------------------
# The peers run on the first fifth of each file: the generator writes one
# packet of every flow per round, so a prefix of 5 or more rounds still has
# all the file's flows live at once (fewer packets per flow).
pnames=()
if [ $peers = 1 ]; then
	command -v tcpdump > /dev/null || die "tcpdump is needed to cut the peer files (or use --no-peers)"
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
export PATH="$PATH:/usr/sbin:/sbin"
if [ $peers = 1 ]; then
	for t in "${peer_tools[@]}"; do
		command -v "${peer_bin[$t]}" > /dev/null ||
		    echo "note: $t not installed (Debian package ${peer_pkg[$t]}): reported as such"
	done
fi

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
	if [ "$tool" = floor ] || [ "$tool" = reader ]; then
		# their own clock around the read loop, from their output line
		[ $rc = 0 ] || { cat "$log.err"; die "$tool ($1) failed on $name"; }
		pk=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$log.out")
		secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$log.out")
		[ -n "$pk" ] && [ -n "$secs" ] ||
		    die "$tool printed no packets=/seconds= on $name (logs: $log.*)"
		if [ "$tool" = floor ]; then
			floor_packets=$pk
		elif [ "$pk" != "$floor_packets" ]; then
			die "the reader counted $pk packets in $name, the floor $floor_packets (logs: $log.*)"
		fi
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

measure_refs() {	# name run pcap: the floor, then conformd's reader
	measure "$1" floor "$2" "$out/pcap-count" "$3"
	measure "$1" reader "$2" "$out/pcapfile-count" "$3"
}

measure_conformd() {	# name run pcap conf db eve
	# the default -r: one worker, read and classified in one thread
	measure "$1" conformd "$2" "$CONFORMD" -r "$3" -c "$4"
	rm -f "$5" "$5-wal" "$5-shm" "$6"
	measure "$1" conformd+out "$2" "$CONFORMD" -r "$3" -c "$4" --db "$5" --eve "$6"
	# the live path: capture thread, ring, worker, store thread
	measure "$1" conformd-pipeline "$2" "$CONFORMD" -r "$3" -c "$4" --pipeline
}

for name in "${names[@]}"; do
	pcap=$out/$name.pcap conf=$out/$name-conformd.conf
	db=$out/run/$name.db eve=$out/run/$name.eve.json
	echo "measuring $name"
	cat "$pcap" > /dev/null		# warm the page cache
	for run in $(seq 1 "$runs"); do
		measure_refs "$name" "$run" "$pcap"
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
		measure_refs "$pname" "$run" "$pcap"
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

# The memory step: once, outputs off, the default -r.  Peak RSS from GNU
# time; flows created/evicted/peak from conformd's summary on stderr;
# max-flows from the configuration as conformd reads it (-T -v).
mem_rss= mem_max= mem_created= mem_evicted= mem_peak= mem_secs= last_max=
if [ -n "$mname" ]; then
	mconf=$out/$mname-conformd.conf
	mem_max=$("$CONFORMD" -T -v -c "$mconf" 2>&1 | sed -n 's/^max-flows \([0-9][0-9]*\)$/\1/p' | head -n 1)
	[ -n "$mem_max" ] || die "conformd -T -v -c $mconf printed no max-flows line"
	echo "measuring $mname (memory: $mem_fl flows, max-flows $mem_max, outputs off, once)"
	cat "$out/$mname.pcap" > /dev/null
	log=$out/run/$mname.memory
	rc=0
	t0=$(date +%s.%N)
	"$timer" -f '%e %M' -o "$log.time" -- "$CONFORMD" -r "$out/$mname.pcap" -c "$mconf" \
	    > "$log.out" 2> "$log.err" || rc=$?
	t1=$(date +%s.%N)
	[ $rc -le 1 ] || { tail -n 20 "$log.err"; die "conformd exited $rc on $mname (logs: $log.*)"; }
	mem_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	mem_rss=$(awk 'END { print $2 }' "$log.time")
	# "flows: N (expected ...); evicted E, peak P"
	read -r mem_created mem_evicted mem_peak < <(sed -n \
	    's/^flows: \([0-9]*\) (.*); evicted \([0-9]*\), peak \([0-9]*\).*/\1 \2 \3/p' "$log.err" | head -n 1) || true
	[ -n "$mem_created" ] || die "no \"flows: ...; evicted E, peak P\" line in conformd's summary ($log.err)"
	# max-flows of the last of the three files, to compare its peak RSS
	last=${names[${#names[@]} - 1]}
	last_max=$("$CONFORMD" -T -v -c "$out/$last-conformd.conf" 2>&1 |
	    sed -n 's/^max-flows \([0-9][0-9]*\)$/\1/p' | head -n 1)
fi
echo

# ---- report ------------------------------------------------------------
# Mpps per run = packets / seconds / 1e6; best = max, median of the runs;
# ns/pkt = 1000 / median Mpps; "x floor" = the tool's median over the
# floor's median for the same file.  Then per file the classification cost
# (conformd's ns/pkt minus the reader's); per prefix file conformd's median
# over the fastest median of the flow meters and ndpiReader (tshark is
# listed, not counted: not a meter); the memory step; the targets.
awk -F'\t' -v names="${names[*]}" -v rtargets="$ratio_targets" -v quick="$quick" \
    -v mtarget="$meter_target" -v btarget="$bytes_target" -v rsstarget="$rss_target" \
    -v mname="$mname" -v mfl="$mem_fl" -v mpk="$mem_pk" -v mmax="$mem_max" -v mrss="$mem_rss" \
    -v mcreated="$mem_created" -v mevicted="$mem_evicted" -v mpeak="$mem_peak" -v msecs="$mem_secs" -v lastmax="$last_max" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)	# insertion sort, n is small
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function has(f, t) { return (f SUBSEP t) in med && med[f SUBSEP t] > 0 }
function ns(f, t) { return 1000 / med[f SUBSEP t] }
function xfloor(f, t) { return has(f, "floor") ? med[f SUBSEP t] / med[f SUBSEP "floor"] : 0 }
function verdict(ok) { return ok ? "met" : "not met" }
function mb(kb) { return kb == "-" ? "-" : sprintf("%.1f MB", kb / 1024) }
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
		if (n[k]) med[k] = median(a, n[k])
	}
	printf "%-26s %-17s %10s %9s %11s %8s %8s %12s\n", "file", "tool", "packets", "best Mpps",
	    "median Mpps", "ns/pkt", "x floor", "peak RSS MB"
	for (i = 1; i <= nk; i++) {
		k = order[i]; split(k, f, SUBSEP)
		if (n[k] == 0) {	# a peer with no number: say why
			printf "%-26s %-17s %10s %9s %11s %8s %8s %12s  %s\n", f[1], f[2], "-", "-", "-", "-", "-", "-", bad[k]
			continue
		}
		printf "%-26s %-17s %10d %9.2f %11.2f %8.1f %8.3f %12s%s\n", f[1], f[2], pk[k], best[k], med[k],
		    (med[k] > 0 ? 1000 / med[k] : 0), xfloor(f[1], f[2]),
		    (rss[k] == "-" ? "-" : sprintf("%.1f", rss[k] / 1024)),
		    (k in bad ? "  (some runs " bad[k] ")" : "")
		if (f[2] ~ /^(ndpiReader|nfpcapd|argus|softflowd)$/ && med[k] > 0) {
			if (!(f[1] in fast) || med[k] > fast[f[1]]) { fast[f[1]] = med[k]; fastn[f[1]] = f[2] }
		}
		if (f[2] == "floor") files[++nf] = f[1]
	}

	# classification: what conformd adds to its own reader, per packet
	hdr = 0
	for (i = 1; i <= nf; i++) {
		fl = files[i]
		if (!has(fl, "reader") || !has(fl, "conformd")) continue
		if (!hdr++) printf "\nclassification cost = conformd ns/pkt - reader ns/pkt (medians; conformd is the whole\nprocess, start-up and final flush included; the reader is its read loop alone):\n"
		printf "%-26s reader %6.1f ns (%.3fx floor)   conformd %+7.1f ns   +out %+7.1f ns   pipeline %+7.1f ns\n",
		    fl, ns(fl, "reader"), xfloor(fl, "reader"), ns(fl, "conformd") - ns(fl, "reader"),
		    (has(fl, "conformd+out") ? ns(fl, "conformd+out") - ns(fl, "reader") : 0),
		    (has(fl, "conformd-pipeline") ? ns(fl, "conformd-pipeline") - ns(fl, "reader") : 0)
	}

	hdr = 0
	for (i = 1; i <= nf; i++) {
		fl = files[i]
		if (!(fl in fast) || !has(fl, "conformd")) continue
		if (!hdr++) printf "\nconformd over the fastest flow meter or ndpiReader on the same file (target %sx):\n", mtarget
		printf "%-26s fastest %-10s %6.2f Mpps   conformd %5.1fx   conformd+out %5.1fx   pipeline %5.1fx\n",
		    fl, fastn[fl], fast[fl], med[fl SUBSEP "conformd"] / fast[fl],
		    med[fl SUBSEP "conformd+out"] / fast[fl], med[fl SUBSEP "conformd-pipeline"] / fast[fl]
	}

	nn = split(names, fname, " "); split(rtargets, rt, " ")
	bpf = ""
	if (mname != "") {
		bpf = mrss * 1024 / mmax
		printf "\nmemory: %s (%d distinct flows, %d packets; max-flows %d; outputs off; one run, %s s)\n",
		    mname, mfl, mpk, mmax, msecs
		printf "  peak RSS %s; flows created %d, evicted %d, peak tracked %d\n",
		    mb(mrss), mcreated, mevicted, mpeak
		printf "  %.0f bytes per tracked flow (peak RSS / max-flows; target %d)\n", bpf, btarget
		if (((fname[nn] SUBSEP "conformd") in rss) && rss[fname[nn] SUBSEP "conformd"] != "-")
			printf "  against %s (max-flows %s, no eviction): peak RSS %s (conformd), %s (+out)%s\n",
			    fname[nn], lastmax, mb(rss[fname[nn] SUBSEP "conformd"]),
			    mb(rss[fname[nn] SUBSEP "conformd+out"]),
			    lastmax == mmax ? ": the same cap, so flat if close" : ": a different cap"
	}

	printf "\ntargets (issue 7; the issue means outputs on, off shown too)%s:\n",
	    quick ? " -- --quick: files 10x smaller, indicative only" : ""
	for (i = 1; i <= nn; i++) {
		fl = fname[i]
		if (!has(fl, "conformd")) { printf "  %-24s x floor >= %.1f   conformd not measured\n", fl, rt[i]; continue }
		o = xfloor(fl, "conformd+out"); c = xfloor(fl, "conformd")
		printf "  %-24s x floor >= %.1f   conformd+out %.3f %-7s   conformd %.3f %s\n",
		    fl, rt[i], o, verdict(o >= rt[i]), c, verdict(c >= rt[i])
	}
	got = 0
	for (i = 1; i <= nf; i++) {
		fl = files[i]
		if (!(fl in fast) || !has(fl, "conformd")) continue
		o = med[fl SUBSEP "conformd+out"] / fast[fl]; c = med[fl SUBSEP "conformd"] / fast[fl]
		printf "  %-24s x meter >= %d     conformd+out %.1fx  %-7s   conformd %.1fx  %s\n",
		    fl, mtarget, o, verdict(o >= mtarget), c, verdict(c >= mtarget)
		got++
	}
	if (!got) printf "  x fastest meter >= %d: not measured (--no-peers, or no meter installed)\n", mtarget
	if (bpf != "")
		printf "  memory per tracked flow <= %d B: %.0f B %s (peak RSS %s / max-flows %d, outputs off)\n",
		    btarget, bpf, verdict(bpf <= btarget), mb(mrss), mmax
	else
		printf "  memory per tracked flow <= %d B: not measured (no conformd or no GNU time)\n", btarget
	fl = fname[nn]
	if (((fl SUBSEP "conformd+out") in rss) && rss[fl SUBSEP "conformd+out"] != "-") {
		o = rss[fl SUBSEP "conformd+out"] / 1024; c = rss[fl SUBSEP "conformd"] / 1024
		printf "  peak RSS <= %d MB on %s%s: conformd+out %.1f MB %s, conformd %.1f MB %s\n",
		    rsstarget, fl, quick ? " (the 1M-flow file /10)" : "", o, verdict(o <= rsstarget),
		    c, verdict(c <= rsstarget)
	} else
		printf "  peak RSS <= %d MB on %s: not measured\n", rsstarget, fl
	printf "  instructions a packet (conformd - floor <= 150): bench/callgrind.sh\n"
}' "$res"
