#!/bin/sh
# eve-schema.sh - conformd's EVE as a SIEM reads it.
#
#  1. Every event of every golden case (tests/cases: the sample and the
#     captures of tests/gen-edge, single thread and --pipeline, and with
#     community-id on), and of a SYN scan (its scan alert), validates
#     against tests/eve-schema.json -- the members conformd writes, as
#     Suricata's etc/schema.json describes them -- once the "conformance"
#     object is set aside (tests/eve-schema.py).  With
#     SURICATA_SCHEMA=/path/to/suricata/etc/schema.json, against that
#     schema too.
#  2. Two sensors reading the same capture: each event names its sensor
#     (host), the flow ids of the two runs are disjoint, and within each
#     run every alert with a flow_id joins a flow event of that id.
# Needs python3 with jsonschema (python3-jsonschema).  The events of a
# live run (stats, in_iface) are tests/eve-schema-live.sh's (root).
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
trap 'rm -rf "$tmp"' EXIT INT TERM
"$top_builddir/tests/gen-edge" "$tmp/edge" || lib_error "tests/gen-edge failed"

# --- 1. the golden cases ----------------------------------------------------
files=
one_case() {	# one_case NAME CAPTURE CONF: its EVE three ways
	lib_conf_with "$3" "community-id yes" >"$tmp/cid.conf"
	"$bin" -q -c "$3" -r "$2" --eve "$tmp/$1.eve" 2>/dev/null
	"$bin" -q -c "$3" -r "$2" --pipeline --eve "$tmp/$1-pl.eve" 2>/dev/null
	"$bin" -q -c "$tmp/cid.conf" -r "$2" --eve "$tmp/$1-cid.eve" 2>/dev/null
	files="$files $tmp/$1.eve $tmp/$1-pl.eve $tmp/$1-cid.eve"
}
lib_each_case "$tmp/edge" one_case
# a SYN scan (100 ports of fe1, answered by RST): its scan alert too
"$py" - "$tmp/scan.pcap" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
def frame(src, dst, sp, dp, fl):
    t = struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 5 << 4, fl, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return b"\x02" * 6 + b"\x02\0\0\0\0\1" + b"\x08\x00" + ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + t
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(100):
        for k, fr in enumerate((frame("198.18.10.21", "198.18.1.11", 40000 + i, 1 + i, 0x02),
                                frame("198.18.1.11", "198.18.10.21", 1 + i, 40000 + i, 0x14))):
            ts = 1767225600 * 10**6 + i * 1000 + k * 100
            f.write(struct.pack("<IIII", ts // 10**6, ts % 10**6, len(fr), len(fr)) + fr)
PY
lib_conf_with "$top_srcdir/tests/edge-site/conformd.conf" "community-id yes" >"$tmp/scan.conf"
"$bin" -q -c "$tmp/scan.conf" -r "$tmp/scan.pcap" --eve "$tmp/scan.eve" 2>/dev/null
files="$files $tmp/scan.eve"
lib_check "a SYN scan: one scan alert" test "$(grep -c '"verdict":"scan"' "$tmp/scan.eve")" -eq 1
# shellcheck disable=SC2086
lib_check "golden cases: every event has a line" test "$(cat $files | wc -l)" -gt 1000
lib_check "community_id written" grep -q '"community_id":"1:' "$tmp/tunnel-cid.eve"

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
