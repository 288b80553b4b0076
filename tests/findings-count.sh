#!/bin/sh
# findings-count.sh - one definition of the findings count (conformd(8),
# FINDINGS: occurrences, each one EVE alert; the findings table folds the
# repeats of a finding into one row and counts them), and every place
# gives the same number:
#   1. every golden capture (and the sample), single thread and
#      --pipeline: the summary's "findings: N", its per-kind figures, the
#      EVE alert events and the database's sum(count), per kind;
#   2. live (root, a network namespace of its own), across coverage
#      windows and a SIGUSR1: the summary, the SIGUSR1 line, the last EVE
#      stats event (conformance.stats.findings.total and Suricata's
#      detect.alert), the counters table (findings.total, findings.KIND)
#      and the findings table.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name findings-count
lib_need_tools python3 sqlite3

bin=$top_builddir/conformd
[ -x "$bin" ] || lib_error "no binary at $bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-fcount.XXXXXX") || lib_error "mktemp"
ns=
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"$top_builddir/tests/gen-edge" "$tmp/edge" || lib_error "tests/gen-edge failed"

# same SUMMARY EVE DB: the summary's figures, the EVE alerts and the
# database's counts agree, per kind; prints them
cat >"$tmp/same.py" <<'PY'
import collections, json, re, sqlite3, sys
summary, eve, db = sys.argv[1:4]
m = re.search(r"^findings: (\d+) \(unexpected (\d+), blocked (\d+), missing (\d+), "
              r"protocol_mismatch (\d+)\)", open(summary).read(), re.M)
if not m:
    sys.exit("no findings line in the summary")
kinds = ["unexpected", "blocked", "missing", "protocol_mismatch"]
s = dict(zip(kinds, map(int, m.groups()[1:])))
s["total"] = int(m.group(1))
e = collections.Counter()
for l in open(eve):
    ev = json.loads(l)
    if ev["event_type"] == "alert":
        e[ev["conformance"]["verdict"]] += 1
e["total"] = sum(e.values())
d = collections.Counter(dict(sqlite3.connect(db).execute(
    "select kind, sum(count) from findings group by kind")))
d["total"] = sum(d.values())
for k in kinds + ["total"]:
    if not (s[k] == e[k] == d[k]):
        sys.exit("%s: summary %d, EVE alerts %d, findings table %d" % (k, s[k], e[k], d[k]))
print(s["total"])
PY
n=0
bad=
for cap in "$tmp"/edge/* "$top_srcdir/samples/lync-site.pcap"; do
	name=$(basename "$cap")
	name=${name%.*}
	case "$cap" in
	*/samples/*) conf=$top_srcdir/samples/conformd.conf ;;
	*) conf=$top_srcdir/tests/edge-site/conformd.conf ;;
	esac
	for mode in "" --pipeline; do
		rm -f "$tmp/g.eve" "$tmp/g.db"
		"$bin" -c "$conf" -r "$cap" $mode --eve "$tmp/g.eve" --db "$tmp/g.db" \
		    >/dev/null 2>"$tmp/g.sum"
		if ! python3 "$tmp/same.py" "$tmp/g.sum" "$tmp/g.eve" "$tmp/g.db" >"$tmp/g.n" 2>&1; then
			bad="$bad $name$mode: $(cat "$tmp/g.n");"
		fi
		n=$((n + 1))
	done
done
lib_check "golden captures ($n runs): summary = EVE alerts = findings table, per kind${bad:+ --$bad}" \
    test -z "$bad"

# --- live -------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
	echo "SKIP part: live checks need root and ip(8)"
	lib_summary
fi
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
    python3 "$tmp/same.py" "$tmp/live.err" "$tmp/live.eve" "$tmp/live.db"
total=$(python3 "$tmp/same.py" "$tmp/live.err" "$tmp/live.eve" "$tmp/live.db" 2>/dev/null)
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
        'findings.blocked', 'findings.missing', 'findings.protocol_mismatch')" | tr '\n' ' ')" = \
    "$total $total "
lib_summary
