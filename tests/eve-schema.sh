#!/bin/sh
# eve-schema.sh - conformd's EVE as a SIEM reads it.
#
#  1. Every event of every golden capture (tests/gen-edge and the sample,
#     single thread and --pipeline, community-id on), and the stats events
#     of a live run, validate against tests/eve-schema.json -- the members
#     conformd writes, as Suricata's etc/schema.json describes them -- once
#     the "conformance" object is set aside (tests/eve-schema.py).  With
#     SURICATA_SCHEMA=/path/to/suricata/etc/schema.json, against that
#     schema too.
#  2. Two sensors reading the same capture: each event names its sensor
#     (host), the flow ids of the two runs are disjoint, and within each
#     run every alert with a flow_id joins a flow event of that id.
#  3. Live, on one interface: in_iface on every flow and alert.
# Needs python3 with jsonschema (python3-jsonschema); the live part needs
# root (a network namespace of its own).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name eve-schema

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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-eveschema.XXXXXX") || lib_error "mktemp"
ns=
cleanup() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"$top_builddir/tests/gen-edge" "$tmp/edge" || lib_error "tests/gen-edge failed"

# --- 1. the golden captures ------------------------------------------------
cat >"$tmp/cid.conf" <<CONF
rules $top_srcdir/rules/lync2013.rules
inventory $top_srcdir/tests/edge-site/inventory.conf
community-id yes
CONF
files=
for cap in "$tmp"/edge/* "$top_srcdir/samples/lync-site.pcap"; do
	name=$(basename "$cap")
	name=${name%.*}
	case "$cap" in
	*/samples/*) conf=$top_srcdir/samples/conformd.conf ;;
	*) conf=$top_srcdir/tests/edge-site/conformd.conf ;;
	esac
	"$bin" -q -c "$conf" -r "$cap" --eve "$tmp/$name.eve" 2>/dev/null
	"$bin" -q -c "$conf" -r "$cap" --pipeline --eve "$tmp/$name-pl.eve" 2>/dev/null
	files="$files $tmp/$name.eve $tmp/$name-pl.eve"
	case "$cap" in
	*/samples/*) ;;
	*)	"$bin" -q -c "$tmp/cid.conf" -r "$cap" --eve "$tmp/$name-cid.eve" 2>/dev/null
		files="$files $tmp/$name-cid.eve" ;;
	esac
done
# shellcheck disable=SC2086
lib_check "golden captures: every event has a line" test "$(cat $files | wc -l)" -gt 1000
lib_check "community_id written" grep -q '"community_id":"1:' "$tmp/tunnel-cid.eve"

# --- 3. live: stats events and in_iface (root) ------------------------------
live=
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1; then
	ns=cfes-$$
	if ip netns add "$ns" 2>/dev/null; then
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
		files="$files $live"
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
	else
		ns=
		echo "note: cannot create a network namespace: no live events checked"
	fi
else
	echo "note: not root: no live events (stats, in_iface) checked"
fi

# shellcheck disable=SC2086
if "$py" "$check" "$schema" $files >"$tmp/v.out" 2>&1; then
	lib_pass "every event validates against tests/eve-schema.json ($(tail -n 1 "$tmp/v.out" | cut -d' ' -f1) events)"
else
	lib_failed "events that do not validate against tests/eve-schema.json:"
	tail -n 20 "$tmp/v.out"
fi
if [ -n "${SURICATA_SCHEMA:-}" ]; then
	# shellcheck disable=SC2086
	if "$py" "$check" "$SURICATA_SCHEMA" $files >"$tmp/s.out" 2>&1; then
		lib_pass "every event validates against $SURICATA_SCHEMA ($(tail -n 1 "$tmp/s.out" | cut -d' ' -f1) events)"
	else
		lib_failed "events that do not validate against $SURICATA_SCHEMA:"
		tail -n 20 "$tmp/s.out"
	fi
fi

# --- 2. two sensors ---------------------------------------------------------
for s in a b; do
	cat >"$tmp/s-$s.conf" <<CONF
rules $top_srcdir/rules/lync2013.rules
inventory $top_srcdir/samples/inventory.conf
sensor-name sensor-$s.example.net
CONF
	"$bin" -q -c "$tmp/s-$s.conf" -r "$top_srcdir/samples/lync-site.pcap" \
	    --eve "$tmp/s-$s.eve" --db "$tmp/s-$s.db" 2>/dev/null
done
lib_check "two sensors: distinct hosts, disjoint flow ids, alerts join their flows" "$py" -c '
import json, sys
ids = []
for path, host in ((sys.argv[1], "sensor-a.example.net"), (sys.argv[2], "sensor-b.example.net")):
    ev = [json.loads(l) for l in open(path)]
    assert ev and all(e.get("host") == host for e in ev), (path, "host")
    flows = {e["flow_id"] for e in ev if e["event_type"] == "flow"}
    alerts = {e["flow_id"] for e in ev if e["event_type"] == "alert" and "flow_id" in e}
    assert flows and alerts and alerts <= flows, (path, alerts - flows)
    assert all(0 < i < 2**51 for i in flows), "51 bits"
    ids.append(flows)
assert not (ids[0] & ids[1]), ids[0] & ids[1]
' "$tmp/s-a.eve" "$tmp/s-b.eve"
lib_check "two sensors: the runs table names each sensor" test \
    "$(sqlite3 "$tmp/s-a.db" 'select sensor from runs')$(sqlite3 "$tmp/s-b.db" 'select sensor from runs')" = \
    "sensor-a.example.netsensor-b.example.net"
lib_check "two sensors: the databases' flow ids are the EVE's" test \
    "$(sqlite3 "$tmp/s-a.db" 'select flow_id from flows order by flow_id' | tr '\n' ' ')" = \
    "$("$py" -c 'import json,sys; print(" ".join(str(i) for i in sorted(json.loads(l)["flow_id"] for l in open(sys.argv[1]) if "\"event_type\":\"flow\"" in l)) + " ")' "$tmp/s-a.eve")"
lib_check "--report names each sensor" sh -c "'$bin' --report '$tmp/s-a.db' '$tmp/s-b.db' | grep -q sensor-a.example.net && '$bin' --report '$tmp/s-a.db' '$tmp/s-b.db' | grep -q sensor-b.example.net"
lib_summary
