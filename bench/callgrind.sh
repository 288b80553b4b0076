#!/usr/bin/env bash
# bench/callgrind.sh - instructions per packet, from valgrind's callgrind,
# for the floor (bench/pcap-count) and `conformd -r --direct` on the first
# N packets (default 200,000) of the 1k-flow, 64-byte bench file.
#
# usage: bench/callgrind.sh [--packets N]
# environment: CONFORMD (default <top>/conformd), CC (default cc).
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
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $npk in ''|*[!0-9]*|0|1) die "--packets: \"$npk\" is not a number above 1" ;; esac
command -v valgrind > /dev/null || die "valgrind not installed (Debian package valgrind)"
command -v tcpdump > /dev/null || die "tcpdump not installed"
[ -x "$CONFORMD" ] || die "$CONFORMD not found (set CONFORMD)"

cg=$out/callgrind
mkdir -p "$cg"
for prog in gen-bench pcap-count; do
	if [ ! -x "$out/$prog" ] || [ "$here/$prog.c" -nt "$out/$prog" ]; then
		$CC -O2 -Wall -o "$out/$prog" "$here/$prog.c" -lpcap ||
		    die "cannot build $prog (needs libpcap-dev)"
	fi
done

# The same file as bench/run.sh's first row (same generator arguments).
name=5000000p-1000f-64
if [ ! -f "$out/$name.pcap" ] || [ ! -f "$out/$name-conformd.conf" ]; then
	echo "generating $name.pcap"
	"$out/gen-bench" -o "$out/$name.pcap" -i "$out/$name-inventory.conf" \
	    -c "$out/$name-conformd.conf" -n 5000000 -f 1000 -s 64 \
	    -6 10 -v 10 -x 2 -u 20 -S 1 -R "$top/rules/lync2013.rules" > /dev/null
fi
half=$((npk / 2))
for n in "$npk" "$half"; do
	tcpdump -n -r "$out/$name.pcap" -c "$n" -w "$cg/head-$n.pcap" 2> /dev/null ||
	    die "tcpdump could not cut $name.pcap"
done

ir() {	# label n cmd... -> prints the process's total Ir
	local label=$1 n=$2; shift 2
	local log=$cg/$label.$n
	valgrind --tool=callgrind --callgrind-out-file="$log.callgrind.out" "$@" \
	    > "$log.out" 2> "$log.err" || [ $? -le 1 ] || die "$label failed under valgrind (see $log.err)"
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\).*/\1/p' "$log.err" | tail -n 1
}

conf=$out/$name-conformd.conf
declare -A tot
for n in "$npk" "$half"; do
	f=$cg/head-$n.pcap
	tot[floor,$n]=$(ir floor "$n" "$out/pcap-count" "$f")
	tot[direct,$n]=$(ir conformd-direct "$n" "$CONFORMD" -q -c "$conf" -r "$f" --direct)
done

echo "file: first $npk packets of bench/out/$name.pcap (1k flows, 64-byte frames)"
echo "conformd: $CONFORMD (built $(date -u -r "$CONFORMD" +%Y-%m-%dT%H:%M:%SZ), tree at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")), valgrind $(valgrind --version | sed 's/valgrind-//')"
echo
awk -v n="$npk" -v h="$half" -v f2="${tot[floor,$npk]}" -v f1="${tot[floor,$half]}" \
    -v d2="${tot[direct,$npk]}" -v d1="${tot[direct,$half]}" 'BEGIN {
	ft = f2 / n; fm = (f2 - f1) / (n - h)
	dt = d2 / n; dm = (d2 - d1) / (n - h)
	printf "%-22s %14s %12s %14s\n", "program", "Ir total", "total/pkt", "marginal/pkt"
	printf "%-22s %14d %12.1f %14.1f\n", "floor (pcap-count)", f2, ft, fm
	printf "%-22s %14d %12.1f %14.1f\n", "conformd --direct", d2, dt, dm
	printf "%-22s %14d %12.1f %14.1f   (target: marginal <= 150)\n", "difference", d2 - f2, dt - ft, dm - fm
}' | tee "$cg/table.txt"
