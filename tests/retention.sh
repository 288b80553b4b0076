#!/bin/bash
# tests/retention.sh - a database pruned while a live daemon writes to it
# (issue 18, item 14: `retention`, conformd.conf(5)).
#
# The database first holds two ended runs: run 1, forty days old (the
# sample capture read with -r, then 600,000 more flows and 2,000 findings
# of its own, all dated forty days back), and run 2, an hour old (the
# sample again; its findings, first raised by run 1, last seen by run 2).  Then conformd -i rp1 in a network namespace of its own
# (prefix cfr-PID), configured with `retention age 7d`, writes run 3 into
# it while python3 sends a stream of UDP flows (client1 -> fe1, one
# second UDP timeout: written as they come).  While the pruner works
# (500 rows a transaction), the daemon's flows keep arriving in the
# database: sampled every 0.1 s, some of them are committed while run 1
# is half pruned.  After SIGTERM:
#   run 1: no flow, none of its findings left; run 2 whole (younger than
#   7 days); run 3: every flow of the EVE file in the database, no record
#   lost (store.records_lost 0), its findings kept; the runs' rows kept;
#   the log says what was pruned; integrity_check ok.
# Before `retention` existed the configuration was refused (unknown key)
# and nothing was ever pruned.
#
# Needs root, python3, sqlite3; skips (exit 77, with the reason)
# otherwise.  Bounded: a watchdog ends it after 240 s.
# RETENTION_KEEP=1 keeps the work directory.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name retention

lib_need_root "network namespaces and live capture"
lib_need_tools ip sqlite3 python3 timeout
conformd=${CONFORMD:-$top_builddir/conformd}
[ -x "$conformd" ] || lib_error "$conformd not built"
"$conformd" --help 2>&1 | grep -q -- '-i IFACE' || lib_skip "$conformd has no live capture"

NS=cfr-$$
OLD=600000
PIDS=()
W=$(mktemp -d /tmp/cfr-retention.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p
	kill "$LIB_WATCHDOG" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "${RETENTION_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "retention: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lib_watchdog 240

check_eq() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1 ($2)"
	else
		lib_failed "$1: got [$2], want [$3]"
	fi
}

q() {
	sqlite3 -batch -noheader -separator '|' -cmd '.timeout 2000' "$W/live.db" "$1" 2>/dev/null
}

# --- the old database: run 1 forty days old, run 2 an hour old --------------------------
cat >"$W/inventory.conf" <<'EOF'
host fe1 198.18.1.11 role front-end
network clients 198.18.10.0/24 role client
EOF
cat >"$W/live.conf" <<EOF
rules $top_srcdir/rules/lync2013.rules
inventory $W/inventory.conf
timeout udp 1
timeout tcp-closed 1
retention age 7d
EOF
"$conformd" -T -c "$W/live.conf" >"$W/T.out" 2>&1 || lib_error "the test configuration does not load: $(head -3 "$W/T.out")"
sample=$top_srcdir/samples/lync-site.pcap
for run in 1 2; do
	"$conformd" -c "$top_srcdir/samples/conformd.conf" -r "$sample" --db "$W/live.db" \
	    >/dev/null 2>&1
	[ $? -le 1 ] || lib_error "cannot load $sample into the database"
done
now=$(date +%s)000000
q "UPDATE flows SET first_usec = first_usec - (SELECT min(first_usec) FROM flows) + $now
     - CASE run_id WHEN 1 THEN 40 * 86400000000 ELSE 3600000000 END,
   last_usec = last_usec - (SELECT min(first_usec) FROM flows) + $now
     - CASE run_id WHEN 1 THEN 40 * 86400000000 ELSE 3600000000 END;
   UPDATE findings SET last_seen_usec = $now - 3600000000,
     first_seen_usec = $now - 40 * 86400000000;
   WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $OLD)
   INSERT INTO flows (run_id, flow_id, proto, src_ip, src_port, dest_ip, dest_port,
     first_usec, last_usec, verdict)
   SELECT 1, 9000000 + n, 'UDP', '198.18.10.' || (n % 250 + 1), 1024 + n % 60000,
     '198.18.1.11', 5061, $now - 40 * 86400000000 + n * 1000,
     $now - 40 * 86400000000 + n * 1000 + 1000, 'unexpected' FROM k;
   WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 2000)
   INSERT INTO findings (kind, src_ip, dest_ip, dest_port, proto, host, rule_id,
     severity, signature, count, first_seen_usec, last_seen_usec, first_run, last_run)
   SELECT 'unexpected', '198.18.10.' || (n % 250 + 1), '198.18.1.11', 20000 + n, 'UDP',
     '', '', 2, 'old', 1, $now - 40 * 86400000000, $now - 40 * 86400000000 + n, 1, 1 FROM k;"
r1=$(q "SELECT count(*) FROM flows WHERE run_id = 1")
r2=$(q "SELECT count(*) FROM flows WHERE run_id = 2")
f1=$(q "SELECT count(*) FROM findings WHERE last_run = 1")
f2=$(q "SELECT count(*) FROM findings WHERE last_run = 2")
[ "$r1" -gt "$OLD" ] && [ "$r2" -gt 0 ] && [ "$f1" -eq 2000 ] && [ "$f2" -gt 0 ] ||
	lib_error "the old database is not as planned: run 1 $r1 flows, $f1 findings; run 2 $r2, $f2"
echo "== before: run 1 (40 days old) $r1 flows, $f1 findings; run 2 (1 hour old) $r2 flows, $f2 findings"

# --- the namespace and the traffic ---------------------------------------------------------
ip netns add "$NS" 2>/dev/null || lib_skip "cannot create network namespaces here"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
ip -n "$NS" link add rp0 type veth peer name rp1 && ip -n "$NS" link set rp0 up &&
    ip -n "$NS" link set rp1 up || lib_error "cannot make the veth pair"

# UDP flows client1 -> fe1:40007, 20 every 0.1 s, distinct source ports,
# until $W/stop exists; the count sent is in $W/sent.
stream() {
	ip netns exec "$NS" python3 - "$W/stop" "$W/sent" <<'EOF'
import os, socket, struct, sys, time
C, S = socket.inet_aton("198.18.10.21"), socket.inet_aton("198.18.1.11")
MC, MS = b"\x02\x00\x00\x00\x00\x21", b"\x02\x00\x00\x00\x00\x11"
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
def udp(sp, dp, payload):
    u = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
    c = csum(C + S + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    u = u[:6] + struct.pack("!H", c) + u[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0x4000, 64, 17, 0, C, S)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return MS + MC + b"\x08\x00" + ip + u
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rp0", 0))
n = 0
while not os.path.exists(sys.argv[1]) and n < 40000:
    for i in range(20):
        s.send(udp(10000 + n, 40007, b"conformd-retention".ljust(100, b".")))
        n += 1
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % n)
    time.sleep(0.1)
EOF
}

# --- the daemon, pruning while it writes ---------------------------------------------------
ip netns exec "$NS" "$conformd" -c "$W/live.conf" -i rp1 -u root \
    --db "$W/live.db" --eve "$W/eve.json" >"$W/live.out" 2>"$W/live.err" </dev/null &
D=$!
PIDS+=("$D")
lib_wait_for 15 eval 'grep -qs "capturing on" "$W/live.err" || ! lib_alive "$D"'
grep -qs 'capturing on' "$W/live.err" || lib_error "conformd did not start: $(head -3 "$W/live.err")"
run=$(q "SELECT max(id) FROM runs")
check_eq "the daemon's run is run 3" "$run" 3
stream &
PIDS+=("$!")
t0=$(date +%s.%N) t1=
# sample: run 1's flows left, run 3's flows in, every 0.1 s
interleaved=0 prev3=0 samples=""
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
	left=$(q "SELECT count(*) FROM flows WHERE run_id = 1")
	in3=$(q "SELECT count(*) FROM flows WHERE run_id = 3")
	[ -n "$left" ] && [ -n "$in3" ] || { sleep 0.1; continue; }
	if [ "$left" -gt 0 ] && [ "$left" -lt "$r1" ] && [ "$in3" -gt "$prev3" ]; then
		interleaved=$((interleaved + 1))
		samples="$samples run1=$left,run3=$in3"
	fi
	prev3=$in3
	[ "$left" -eq 0 ] && [ -z "$t1" ] && t1=$(date +%s.%N)
	[ "$left" -eq 0 ] && [ "$(q "SELECT count(*) FROM findings WHERE last_run = 1")" = 0 ] &&
	    [ "$in3" -gt 0 ] && break
	sleep 0.1
done
sleep 2		# some more of the daemon's flows after the pruning
touch "$W/stop"
sleep 2.5	# the last flows time out (1 s) and are written
kill -TERM "$D"
wait "$D"
rc=$?
sent=$(cat "$W/sent" 2>/dev/null)

check_eq "SIGTERM: exit 0" "$rc" 0
[ -n "$t1" ] && echo "== run 1's flows pruned within $(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1") s of the daemon's start, $sent flows sent meanwhile and after"
if [ "$interleaved" -ge 1 ]; then
	lib_pass "the daemon's flows were committed while run 1 was half pruned ($interleaved samples:${samples:0:120})"
else
	lib_failed "no sample saw the daemon's flows arrive while run 1 was being pruned"
fi
check_eq "run 1 (40 days old): no flow left" "$(q "SELECT count(*) FROM flows WHERE run_id = 1")" 0
check_eq "run 1: none of its findings left" "$(q "SELECT count(*) FROM findings WHERE last_run = 1")" 0
check_eq "run 2 (an hour old): every flow kept" "$(q "SELECT count(*) FROM flows WHERE run_id = 2")" "$r2"
# (run 3 may raise some of them again: they are run 3's then)
check_eq "run 2: its findings kept" "$(q "SELECT count(*) FROM findings WHERE last_run IN (2, 3) AND first_run <= 2")" "$f2"
eve_flows=$(grep -c '"event_type":"flow"' "$W/eve.json")
in3=$(q "SELECT count(*) FROM flows WHERE run_id = 3")
check_eq "run 3: every flow in EVE is in the database" "$in3" "$eve_flows"
check_eq "run 3: every flow sent was recorded ($sent sent)" "$(q "SELECT count(*) FROM flows WHERE run_id = 3 AND dest_port = 40007")" "$sent"
check_eq "run 3: no record lost" "$(q "SELECT value FROM counters WHERE run_id = 3 AND name = 'store.records_lost'")" 0
check_eq "the runs' rows stay" "$(q "SELECT count(*) FROM runs")" 3
pruned=$(sed -n 's/.*retention pruned \([0-9]*\) flows and \([0-9]*\) findings.*/\1 \2/p' "$W/live.err")
check_eq "the log says what was pruned" "$pruned" "$r1 $f1"
check_eq "integrity_check" "$(q "PRAGMA integrity_check")" ok
lib_summary
