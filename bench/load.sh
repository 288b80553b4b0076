#!/usr/bin/env bash
# bench/load.sh - how long loading a large inventory takes (issue 17, item
# 9): `conformd -T` (read and check the configuration, rules and
# inventory, which a reload repeats) and `conformd -r` on the sample
# capture (load, compile the policy, judge, and end the coverage window:
# every host of the inventory unobserved, one finding each) on an
# inventory of N hosts.
#
# usage: bench/load.sh [--hosts N] [--runs N]
#   --hosts N   inventory hosts (default 100000); written as a mix: 80%
#               `host` lines, 10% `peer`, 5% `network` (/30s), and pools of
#               4 members with a VIP for the rest
#   --runs N    measurements of each (default 5, or $RUNS); the median is
#               printed, with the smallest and the largest
# environment: CONFORMD (default <top>/conformd), OUT (default bench/out).
#
# Not part of `make check`: a time is not a test (it depends on the
# machine).  The record of what it printed is in bench/RESULTS.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
CONFORMD=${CONFORMD:-$top/conformd}
OUT=${OUT:-$top/bench/out}
HOSTS=100000
RUNS=${RUNS:-5}
while [ $# -gt 0 ]; do
	case $1 in
	--hosts) HOSTS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	*) echo "usage: bench/load.sh [--hosts N] [--runs N]" >&2; exit 2 ;;
	esac
done
[ -x "$CONFORMD" ] || { echo "load.sh: $CONFORMD not built" >&2; exit 2; }
mkdir -p "$OUT"
inv=$OUT/load-$HOSTS.inventory
conf=$OUT/load-$HOSTS.conf

# Addresses: 198.18.0.0/15 has 131,072; past that, 2001:db8::/32.
awk -v n="$HOSTS" '
function addr(i) {
	if (i < 131072)
		return sprintf("198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256)
	return sprintf("2001:db8:%x::%x", int(i / 65536), i % 65536)
}
BEGIN {
	print "client-media-ports 50000-50999"
	a = 0
	for (h = 0; h < n; ) {
		k = h % 20
		if (k < 16) {
			printf "host h%d %s role front-end\n", h, addr(a++); h++
		} else if (k < 18) {
			printf "peer p%d %s role pstn-gateway\n", h, addr(a++); h++
		} else if (k == 18) {
			# a /30 (IPv4) or /126: four addresses
			a += (4 - a % 4) % 4
			if (a < 131072)
				printf "network n%d %s/30 role client\n", h, addr(a)
			else
				printf "network n%d %s/126 role client\n", h, addr(a)
			a += 4; h++
		} else {
			# a pool: a VIP and 4 members (5 hosts)
			printf "pool pool%d {\n\ttype front-end\n\tload-balancing hardware\n\tvip %s\n", h, addr(a++)
			for (m = 0; m < 4; m++)
				printf "\tmember m%d-%d %s\n", h, m, addr(a++)
			print "}"
			h += 5
		}
	}
}' >"$inv"
printf 'rules %s/rules/lync2013.rules\ninventory %s\n' "$top" "$inv" >"$conf"

# median MIN MAX of the numbers on standard input
stats() {
	sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
	    printf "%.3f s (min %.3f, max %.3f, %d runs)\n", m, v[1], v[NR], NR }'
}

# seconds CMD...: wall-clock seconds of one run (exit 0 or 1 expected)
seconds() {
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || rc=$?
	t1=$(date +%s.%N)
	[ $rc -le 1 ] || { echo "load.sh: $* exited $rc" >&2; exit 2; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

"$CONFORMD" -T -c "$conf" 2>&1 | tail -n 1
echo "inventory: $inv ($(wc -l <"$inv") lines, $(wc -c <"$inv") bytes)"
printf 'conformd -T (load and check):          '
for _ in $(seq "$RUNS"); do seconds "$CONFORMD" -T -c "$conf"; done | stats
db=$OUT/load-$HOSTS.db
printf 'conformd -r sample (load, judge, end): '
for _ in $(seq "$RUNS"); do seconds "$CONFORMD" -q -c "$conf" -r "$top/samples/lync-site.pcap"; done | stats
