#!/usr/bin/env bash
# bench/callgrind.sh - instructions per packet, from valgrind's callgrind,
# on the first N packets (default 200,000) of the 1k-flow, 64-byte bench
# file, for:
#   floor          bench/pcap-count: libpcap's pcap_next_ex() counting packets
#   reader         bench/pcapfile-count: conformd's own reader (src/capture/pcapfile.c)
#                  counting packets
#   conformd       `conformd -q -r FILE -c CONF`, the default -r (one thread,
#                  the batched fast path), outputs off
#   engine fast    bench/engine-bench -m fast: the packets loaded into memory
#                  (through libpcap), then engine_frames() over them
#   engine none    bench/engine-bench -m none: the same load, then a loop that
#                  only touches each packet
# and the differences: conformd - floor (the issue's measure, target <= 150),
# conformd - reader (the classifier's own cost on conformd's path), engine
# fast - none (the classifier alone, no reading).
#
# usage: bench/callgrind.sh [--packets N]
# environment: CONFORMD (default <top>/conformd), BUILDDIR (the build tree
#   holding libconformd.a and config.h; default: the directory of
#   $CONFORMD), CC (default cc).
#
# Instruction counts do not depend on the machine's load, so this is the
# number to compare when time is noisy.  Two figures per program:
#   total/pkt     every instruction of the process (start-up, loading the
#                 rules and inventory, the final flush) over the packets;
#   marginal/pkt  (Ir of N packets - Ir of N/2 packets) / (N/2): the cost
#                 of one more packet, start-up and end cancelled out.  On
#                 this file every flow is established after its first 3
#                 packets, so this is the fast path (an established flow).
# Prints one table; logs and callgrind.out files in bench/out/callgrind/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
CC=${CC:-cc}
npk=200000

die() { echo "callgrind.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case $1 in
	--packets) [ $# -ge 2 ] || die "--packets needs a number"; npk=$2; shift ;;
	-h|--help) sed -n '2,32p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $npk in ''|*[!0-9]*|0|1) die "--packets: \"$npk\" is not a number above 1" ;; esac
command -v valgrind > /dev/null || die "valgrind not installed (Debian package valgrind)"
command -v tcpdump > /dev/null || die "tcpdump not installed (Debian package tcpdump)"
[ -x "$CONFORMD" ] || die "$CONFORMD not found or not executable (set CONFORMD)"
BUILDDIR=${BUILDDIR:-$(cd "$(dirname "$CONFORMD")" && pwd)}
[ -f "$BUILDDIR/libconformd.a" ] ||
    die "no libconformd.a in $BUILDDIR (set BUILDDIR to the build tree of $CONFORMD; make there builds it with conformd)"

cg=$out/callgrind
mkdir -p "$cg"
for prog in gen-bench pcap-count; do
	if [ ! -x "$out/$prog" ] || [ "$here/$prog.c" -nt "$out/$prog" ]; then
		$CC -O2 -Wall -o "$out/$prog" "$here/$prog.c" -lpcap ||
		    die "cannot build $prog (needs libpcap-dev)"
	fi
done
# Both rebuilt every time: they compile src/ and link the build tree, which
# change more often than bench/.
$CC -O2 -Wall -I"$top/include" -o "$out/pcapfile-count" "$here/pcapfile-count.c" \
    "$top/src/capture/pcapfile.c" || die "cannot build pcapfile-count from $top/src/capture/pcapfile.c"
# The libraries conformd links (configure chose them: libpcap, SQLite,
# and NFLOG, GnuTLS, libcap-ng when found), as the build tree's Makefile
# names them.
libs=$(sed -n 's/^\(PCAP\|SQLITE3\|NFLOG\|GNUTLS\|CAPNG\)_LIBS = //p' "$BUILDDIR/Makefile" 2> /dev/null |
    tr '\n' ' ')
[ -n "$libs" ] || libs="-lpcap -lsqlite3"
eb=($CC -O2 -Wall -I"$top/include" -I"$BUILDDIR" -o "$out/engine-bench" "$here/engine-bench.c"
    "$BUILDDIR/libconformd.a" $libs)
"${eb[@]}" -lpthread 2> "$cg/engine-bench.build.log" || {
	cat "$cg/engine-bench.build.log" >&2
	die "cannot build engine-bench against $BUILDDIR/libconformd.a (needs libpcap-dev, libsqlite3-dev, maybe libnetfilter-log-dev; is BUILDDIR the tree $CONFORMD was built in?)"
}
[ "$BUILDDIR/libconformd.a" -nt "$CONFORMD" ] &&
    echo "note: $BUILDDIR/libconformd.a is newer than $CONFORMD: run make there" >&2

# The same file as bench/run.sh's first row (same generator arguments).
name=5000000p-1000f-64
if [ ! -f "$out/$name.pcap" ] || [ ! -f "$out/$name-conformd.conf" ]; then
	echo "generating $name.pcap"
	"$out/gen-bench" -o "$out/$name.pcap" -i "$out/$name-inventory.conf" \
	    -c "$out/$name-conformd.conf" -n 5000000 -f 1000 -s 64 \
	    -6 10 -v 10 -x 2 -u 20 -S 1 -R "$top/rules/lync2013.rules" > /dev/null ||
	    die "gen-bench failed"
fi
half=$((npk / 2))
for n in "$npk" "$half"; do
	tcpdump -n -r "$out/$name.pcap" -c "$n" -w "$cg/head-$n.pcap" 2> /dev/null ||
	    die "tcpdump could not cut $name.pcap"
done

ir() {	# label n cmd... -> prints the process's total Ir
	local label=$1 n=$2 rc=0; shift 2
	local log=$cg/$label.$n
	valgrind --tool=callgrind --callgrind-out-file="$log.callgrind.out" "$@" \
	    > "$log.out" 2> "$log.err" || rc=$?
	# conformd exits 1 on findings
	[ $rc -le 1 ] || die "$label exited $rc under valgrind (see $log.err)"
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$log.err" | tail -n 1
}

conf=$out/$name-conformd.conf
declare -A tot
for n in "$npk" "$half"; do
	f=$cg/head-$n.pcap
	tot[floor,$n]=$(ir floor "$n" "$out/pcap-count" "$f")
	tot[reader,$n]=$(ir reader "$n" "$out/pcapfile-count" "$f")
	tot[conformd,$n]=$(ir conformd "$n" "$CONFORMD" -q -c "$conf" -r "$f")
	tot[fast,$n]=$(ir engine-fast "$n" "$out/engine-bench" -m fast "$conf" "$f")
	tot[none,$n]=$(ir engine-none "$n" "$out/engine-bench" -m none "$conf" "$f")
	for k in floor reader conformd fast none; do
		[ -n "${tot[$k,$n]}" ] || die "no \"Collected\" line from valgrind for $k on $n packets (bench/out/callgrind/)"
	done
done

echo "file: first $npk packets of bench/out/$name.pcap (1k flows, 64-byte frames)"
echo "conformd: $CONFORMD (built $(date -u -r "$CONFORMD" +%Y-%m-%dT%H:%M:%SZ), tree at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")), valgrind $(valgrind --version | sed 's/valgrind-//')"
echo "engine-bench: linked against $BUILDDIR/libconformd.a; reader: $top/src/capture/pcapfile.c"
echo
{
	for k in floor reader conformd fast none; do
		echo "$k ${tot[$k,$npk]} ${tot[$k,$half]}"
	done
} | awk -v n="$npk" -v h="$half" '
{ t2[$1] = $2; t1[$1] = $3 }
function row(label, k) {
	printf "%-36s %14d %12.1f %14.1f\n", label, t2[k], t2[k] / n, (t2[k] - t1[k]) / (n - h)
}
function diff(label, a, b, note) {
	printf "%-36s %14d %12.1f %14.1f%s\n", label, t2[a] - t2[b], (t2[a] - t2[b]) / n,
	    ((t2[a] - t1[a]) - (t2[b] - t1[b])) / (n - h), note
}
END {
	printf "%-36s %14s %12s %14s\n", "program", "Ir total", "total/pkt", "marginal/pkt"
	row("floor (pcap-count)", "floor")
	row("reader (pcapfile-count)", "reader")
	row("conformd -r (default, outputs off)", "conformd")
	row("engine-bench -m fast", "fast")
	row("engine-bench -m none", "none")
	print ""
	diff("conformd - floor", "conformd", "floor", "   (target: marginal <= 150)")
	diff("conformd - reader (classifier, -r)", "conformd", "reader", "")
	diff("engine fast - none (classifier)", "fast", "none", "")
}' | tee "$cg/table.txt"
