#!/bin/sh
# findings-count-live.sh - the findings count of a live run (as
# tests/findings-count.sh has it for captures): conformd on lo in a
# network namespace of its own (prefix cffc-PID), unexpected datagrams
# across coverage windows, a SIGUSR1, SIGTERM; the summary, the SIGUSR1
# line, the last EVE stats event (conformance.stats.findings.total and
# Suricata's detect.alert), the counters table (findings.total,
# findings.KIND) and the findings table give the same number
# (tests/findings-count.py).  Needs root, ip(8), python3 and sqlite3;
# skips, saying why, otherwise.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name findings-count-live
lib_need_root "a network namespace"
lib_need_tools ip python3 sqlite3

bin=$top_builddir/conformd
same=$top_srcdir/tests/findings-count.py
[ -x "$bin" ] || lib_error "no binary at $bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-fcount-live.XXXXXX") || lib_error "mktemp"
ns=
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ns=cffc-$$
ip netns add "$ns" || lib_skip "cannot create a network namespace"
ip netns exec "$ns" ip link set lo up
echo "host fe1 127.0.0.1 role front-end" >"$tmp/live.inv"
cat >"$tmp/live.conf" <<CONF
rules $top_srcdir/rules/lync2013.rules
inventory $tmp/live.inv
stats-interval 1
coverage-window 2
timeout udp 1
CONF
ip netns exec "$ns" "$bin" -c "$tmp/live.conf" -i lo -u root --eve "$tmp/live.eve" \
    --db "$tmp/live.db" 2>"$tmp/live.err" &
dpid=$!
sleep 1
# unexpected datagrams in several windows, some to the same port (one
# finding row, several occurrences)
for i in 1 2 3; do
	for p in 9999 9999 9998; do
		ip netns exec "$ns" python3 -c 'import socket, sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.sendto(b"x", ("127.0.0.1", int(sys.argv[1])))' "$p"
	done
	sleep 2
done
sleep 2
kill -USR1 "$dpid"
sleep 1
kill -TERM "$dpid"
wait "$dpid"
dpid=
usr1=$(sed -n 's/.*classified [0-9]*, findings \([0-9]*\),.*/\1/p' "$tmp/live.err" | tail -n 1)
lib_check "live: the summary = EVE alerts = findings table, per kind" \
    python3 "$same" "$tmp/live.err" "$tmp/live.eve" "$tmp/live.db"
total=$(python3 "$same" "$tmp/live.err" "$tmp/live.eve" "$tmp/live.db" 2>/dev/null)
lib_check "live: several coverage windows judged (missing occurrences per row: $(sqlite3 "$tmp/live.db" "select max(count) from findings where kind = 'missing'"))" \
    test "$(sqlite3 "$tmp/live.db" "select max(count) from findings where kind = 'missing'")" -ge 2
lib_check "live: 9 unexpected occurrences in 2 finding rows" test \
    "$(sqlite3 "$tmp/live.db" "select count(*), sum(count) from findings where kind = 'unexpected'")" = "2|9"
lib_check "live: the SIGUSR1 line (findings ${usr1:-none}) counts as the stats events of its time do" \
    python3 -c '
import json, sys
seen = {json.loads(l)["conformance"]["stats"]["findings"]["total"]
        for l in open(sys.argv[1]) if "\"event_type\":\"stats\"" in l}
assert int(sys.argv[2]) in seen, (sys.argv[2], sorted(seen))
' "$tmp/live.eve" "${usr1:-x}"
lib_check "live: the last stats event: conformance.stats.findings.total and detect.alert = $total" \
    python3 -c '
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if "\"event_type\":\"stats\"" in l][-1]
assert st["conformance"]["stats"]["findings"]["total"] == int(sys.argv[2]), st
assert st["stats"]["detect"]["alert"] == int(sys.argv[2]), st
' "$tmp/live.eve" "$total"
lib_check "live: the counters table: findings.total = $total, the kinds add up" test \
    "$(sqlite3 "$tmp/live.db" "select value from counters where name = 'findings.total';
        select sum(value) from counters where name in ('findings.unexpected',
        'findings.blocked', 'findings.missing', 'findings.protocol_mismatch',
        'findings.scan')" | tr '\n' ' ')" = \
    "$total $total "
lib_summary
