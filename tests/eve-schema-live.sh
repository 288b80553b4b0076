#!/bin/sh
# eve-schema-live.sh - the EVE of a live run as a SIEM reads it (the
# captures' is tests/eve-schema.sh's): conformd on lo in a network
# namespace of its own (prefix cfes-PID), ten datagrams, SIGTERM; stats
# events are written, every flow and alert carries in_iface lo and the
# sensor name, and every event validates against tests/eve-schema.json
# (tests/eve-schema.py; with SURICATA_SCHEMA=/path/to/suricata/etc/
# schema.json, against that schema too).
# Needs root, ip(8) and python3 with jsonschema; skips, saying why,
# otherwise.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name eve-schema-live
lib_need_root "a network namespace"
lib_need_tools ip

bin=$top_builddir/conformd
schema=$top_srcdir/tests/eve-schema.json
check=$top_srcdir/tests/eve-schema.py
[ -x "$bin" ] || lib_error "no binary at $bin"

# a python3 that has jsonschema: the one on PATH, else Debian's
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || lib_skip "needs python3-jsonschema (apt-get install python3-jsonschema)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-eveschema-live.XXXXXX") || lib_error "mktemp"
ns=
cleanup() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ns=cfes-$$
ip netns add "$ns" 2>/dev/null || { ns=; lib_skip "cannot create a network namespace"; }
ip netns exec "$ns" ip link set lo up
cat >"$tmp/live.conf" <<CONF
rules $top_srcdir/rules/lync2013.rules
inventory $top_srcdir/tests/edge-site/inventory.conf
stats-interval 1
timeout udp 1
sensor-name live.sensor.example
CONF
ip netns exec "$ns" "$bin" -c "$tmp/live.conf" -i lo -u root \
    --eve "$tmp/live.eve" 2>"$tmp/live.err" &
dpid=$!
sleep 1
for i in $(seq 10); do
	ip netns exec "$ns" "$py" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("127.0.0.1", 9999))'
done
sleep 3
kill -TERM "$dpid"
wait "$dpid"
live=$tmp/live.eve
lib_check "live: stats events written" grep -q '"event_type":"stats"' "$live"
lib_check "live: every flow and alert carries in_iface lo" "$py" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
fa = [e for e in ev if e["event_type"] in ("flow", "alert") and "flow_id" in e]
assert fa, "no flow or alert"
assert all(e.get("in_iface") == "lo" for e in fa), [e for e in fa if e.get("in_iface") != "lo"][:1]
assert all(e.get("host") == "live.sensor.example" for e in ev), "host"
st = [e for e in ev if e["event_type"] == "stats"][-1]
assert st["stats"]["capture"]["kernel_packets"] >= 10, st
assert "kernel_drops" in st["stats"]["capture"] and "uptime" in st["stats"], st
assert st["conformance"]["stats"]["capture"]["received"] >= 10, st
' "$live"

for s in "$schema" ${SURICATA_SCHEMA:+"$SURICATA_SCHEMA"}; do
	if "$py" "$check" "$s" "$live" >"$tmp/v.out" 2>&1; then
		lib_pass "every live event validates against ${s#"$top_srcdir/"} ($(tail -n 1 "$tmp/v.out" | cut -d' ' -f1) events)"
	else
		lib_failed "live events that do not validate against ${s#"$top_srcdir/"}:"
		tail -n 20 "$tmp/v.out"
	fi
done
lib_summary
