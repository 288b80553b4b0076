#!/bin/bash
# live-stats.sh - what a running daemon reports about itself: systemd
# notifications (READY=1, STATUS= with packet and drop counts, STOPPING=1),
# counters written to SQLite every stats-interval, and EVE `stats` events.
# Root only (a network namespace); prints why when it skips.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name live-stats
lib_need_root "network namespaces"
lib_need_tools ip python3 sqlite3 timeout

bin=$top_builddir/conformd
ns=cfs-stats
tmp=$(mktemp -d /tmp/cfs-stats.XXXXXX) || lib_error "mktemp"
cleanup() {
	[ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null
	[ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns del "$ns" 2>/dev/null
ip netns add "$ns" || lib_skip "cannot create a network namespace"
ip netns exec "$ns" ip link set lo up

cat >"$tmp/inventory.conf" <<'INV'
host fe1 127.0.0.1 role front-end
INV
cat >"$tmp/conformd.conf" <<CONF
rules $top_srcdir/rules/lync2013.rules
inventory inventory.conf
stats-interval 1
timeout udp 1
CONF

# a systemd stand-in: collect every notification datagram
python3 - "$tmp/notify.sock" "$tmp/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
PY
lpid=$!
for i in $(seq 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$tmp/notify.sock ip netns exec "$ns" "$bin" -c "$tmp/conformd.conf" -i lo -u root \
    --db "$tmp/s.db" --eve "$tmp/s.eve" 2>"$tmp/err" &
dpid=$!
for i in $(seq 50); do grep -q READY=1 "$tmp/notify.log" 2>/dev/null && break; sleep 0.1; done
# some traffic: UDP datagrams to a port no rule allows
for i in $(seq 20); do
	ip netns exec "$ns" python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("127.0.0.1", 9999))'
done
sleep 7		# more than one STATUS (every 5 s) and several stats intervals
kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=

lib_check "exit status 0 after SIGTERM, findings or not (got $rc)" test "$rc" -eq 0
lib_check "READY=1 sent" grep -q '^READY=1' "$tmp/notify.log"
lib_check "STATUS= with received and drop counts" grep -q '^STATUS=received [0-9]*, kernel drops [0-9]*, interface drops [0-9]*, ring drops [0-9]*' "$tmp/notify.log"
lib_check "STOPPING=1 sent" grep -q '^STOPPING=1' "$tmp/notify.log"
n=$(grep -c '"event_type":"stats"' "$tmp/s.eve")
lib_check "EVE stats events every stats-interval ($n in ~8 s)" test "$n" -ge 3
lib_check "EVE stats events parse and carry capture counters" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if "\"event_type\":\"stats\"" in l]
# the counters of conformd under their own names, those of Suricata beside them
last = ev[-1]["conformance"]["stats"]
assert last["capture"]["received"] >= 20, last
assert "kernel_drops" in last["capture"] and "ring_drops" in last["capture"], last
assert last["classifier"]["packets"] >= 20, last
sur = ev[-1]["stats"]
assert sur["decoder"]["pkts"] == last["classifier"]["packets"], sur
assert sur["capture"]["kernel_drops"] == last["capture"]["kernel_drops"], sur
assert sur["uptime"] >= 1, sur
' "$tmp/s.eve"
lib_check "counters in SQLite: received = classified + ring drops" test \
    "$(sqlite3 "$tmp/s.db" "select (select value from counters where name='capture.received') = (select value from counters where name='packets') + (select value from counters where name='capture.ring_drops')")" = 1
lib_check "the datagrams are unexpected flows" test \
    "$(sqlite3 "$tmp/s.db" "select count(*) from flows where dest_port = 9999 and verdict = 'unexpected'")" -ge 1
lib_summary
