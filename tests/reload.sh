#!/bin/bash
# tests/reload.sh - any number of reloads (issue 17, items 4 and 5).
#
# conformd -i rp1 -u root --workers 2 in a namespace of its own (prefix
# cfh-PID) whose veth pair rp0 -> rp1 carries frames python3 writes
# (AF_PACKET): client1 198.18.10.21 and fe1 198.18.1.11 of
# samples/inventory.conf.  Two workers: each holds, and lets go of, every
# policy (src/run/pipeline-worker.c, pipeline-store.c).
#
#   40 reloads   a TCP connection to fe1:5061 (rule T1R3) opened before the
#   one flow     first of 40 SIGUSR2s and kept alive by an ACK every 50 ms
#                until after the last: its flow record cites T1R3 in
#                SQLite and EVE (the engine used to remember 16 policies:
#                the flow ended "expected" with rule NULL).  Reloads 15 to
#                29 load rules with one more rule, T1R99 (tcp 4999), and a
#                connection to 4999 is made meanwhile: its record cites
#                T1R99, and the rules table holds T1R3 and T1R99 at the end
#                (a reload used to leave the table as the run began).
#   2,000        2,000 SIGUSR2s, each waited for ("reloaded:" logged): every
#   reloads      one reloads (MAX_RELOADS used to refuse from the 1,024th,
#                and with it the reopening of the output files), RSS a
#                second after the 2,000th within 8 MiB of RSS after the
#                500th, and within 16 MiB all along (every policy used to
#                be kept: 286 -> 528 MB here), and the EVE file,
#                moved away (logrotate), is reopened by a SIGHUP (which
#                reloads nothing: no "reloaded:" line): the flows after it
#                are in the new file.
#   SIGTERM      exit 0 or 1, PRAGMA integrity_check, the run row ended.
#
# Needs root; skips (exit 77, with the reason) otherwise.  Bounded: a
# watchdog ends it after 300 s.  RELOAD_KEEP=1 keeps the work directory.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name reload

lib_need_root "network namespaces and live capture"
lib_need_tools ip sqlite3 python3 timeout
conformd=${CONFORMD:-$top_builddir/conformd}
[ -x "$conformd" ] || lib_error "$conformd not built"
"$conformd" --help 2>&1 | grep -q -- '-i IFACE' || lib_skip "$conformd has no live capture"

NS=cfh-$$
T0=$SECONDS
PIDS=()
W=$(mktemp -d /tmp/cfh-reload.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p
	kill "$LIB_WATCHDOG" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "${RELOAD_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "reload: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lib_watchdog 300

ip netns add "$NS" 2>/dev/null || lib_skip "cannot create network namespaces here"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
ip -n "$NS" link add rp0 type veth peer name rp1 && ip -n "$NS" link set rp0 up &&
    ip -n "$NS" link set rp1 up || lib_error "cannot make the veth pair"

cp "$top_srcdir/rules/lync2013.rules" "$W/base.rules"
cp "$W/base.rules" "$W/extra.rules"
printf 'rule T1R99 table 1 row 99 role front-end dir in proto tcp port 4999 \\\n    service "conformd reload test"\n' >>"$W/extra.rules"
cp "$W/base.rules" "$W/site.rules"
cat >"$W/live.conf" <<EOF
rules $W/site.rules
inventory $top_srcdir/samples/inventory.conf
timeout tcp-closed 1
timeout udp 1
EOF
"$conformd" -T -c "$W/live.conf" >/dev/null 2>&1 || lib_error "the test configuration does not load"

q() {
	sqlite3 -batch -noheader -separator '|' "$1" "$2" 2>/dev/null
}

check_eq() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1 ($2)"
	else
		lib_failed "$1: got [$2], want [$3]"
	fi
}

reloads() {
	grep -c 'reloaded:' "$W/live.err"
}

# hup N: N reloads (SIGUSR2), each waited for (its "reloaded:" line); 0, or 1 when
# one was not logged within 5 s.  With RSS=FILE, "count rss_kib" lines.
hup() {
	python3 - "$D" "$1" "$W/live.err" "${RSS:-}" <<'EOF'
import os, signal, sys, time
pid, n, err, rssf = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def count():
    with open(err, "rb") as f:
        return f.read().count(b"reloaded:")
def rss():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
out = open(rssf, "a") if rssf else None
base = count()
for i in range(1, n + 1):
    os.kill(pid, signal.SIGUSR2)
    deadline = time.time() + 5
    while count() < base + i:
        if time.time() > deadline:
            print("reload %d of %d: not logged within 5 s" % (i, n), file=sys.stderr)
            sys.exit(1)
        time.sleep(0.002)
    if out and (i % 100 == 0 or i == 1):
        out.write("%d %d\n" % (i, rss()))
        out.flush()
EOF
}

# tcp_flow SPORT DPORT STOPFILE: a TCP connection client1 -> fe1:DPORT,
# an ACK every 50 ms until STOPFILE exists, then FIN both ways.
# udp_flows SPORT N DPORT: N one-datagram UDP flows client1 -> fe1.
send() {
	ip netns exec "$NS" python3 - "$@" <<'EOF'
import os, socket, struct, sys, time
C, S = socket.inet_aton("198.18.10.21"), socket.inet_aton("198.18.1.11")
MC, MS = b"\x02\x00\x00\x00\x00\x21", b"\x02\x00\x00\x00\x00\x11"
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
def frame(src, dst, msrc, mdst, p, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, p, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mdst + msrc + b"\x08\x00" + ip + l4
def tcp(fwd, sp, dp, seq, ack, flags):
    src, dst = (C, S) if fwd else (S, C)
    if not fwd:
        sp, dp = dp, sp
    t = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(t)) + t)
    t = t[:16] + struct.pack("!H", c) + t[18:]
    return frame(src, dst, MC if fwd else MS, MS if fwd else MC, 6, t)
def udp(sp, dp, payload):
    u = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
    c = csum(C + S + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    return frame(C, S, MC, MS, 17, u[:6] + struct.pack("!H", c) + u[8:])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rp0", 0))
SYN, ACK, FIN = 0x02, 0x10, 0x01
if sys.argv[1] == "tcp_flow":
    sp, dp, stop = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    a, b = 1000, 5000
    for f in (tcp(1, sp, dp, a, 0, SYN), tcp(0, sp, dp, b, a + 1, SYN | ACK),
              tcp(1, sp, dp, a + 1, b + 1, ACK)):
        s.send(f)
    n = 0
    while not os.path.exists(stop) and n < 6000:
        s.send(tcp(1, sp, dp, a + 1, b + 1, ACK))
        n += 1
        time.sleep(0.05)
    for f in (tcp(1, sp, dp, a + 1, b + 1, FIN | ACK), tcp(0, sp, dp, b + 1, a + 2, FIN | ACK),
              tcp(1, sp, dp, a + 2, b + 2, ACK)):
        s.send(f)
else:
    sp0, n, dp = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for i in range(n):
        s.send(udp(sp0 + i, dp, b"conformd-reload".ljust(100, b".")))
EOF
}

# --- start ---------------------------------------------------------------------------
ip netns exec "$NS" "$conformd" -c "$W/live.conf" -i rp1 -u root --workers 2 --db "$W/live.db" \
    --eve "$W/live.eve" >"$W/live.out" 2>"$W/live.err" </dev/null &
D=$!
PIDS+=("$D")
lib_wait_for 10 eval 'grep -qs "capturing on" "$W/live.err" || ! lib_alive "$D"'
grep -qs 'capturing on' "$W/live.err" || lib_error "conformd did not start: $(head -3 "$W/live.err")"

# --- a flow through 40 reloads ---------------------------------------------------------
echo "== a flow through 40 reloads keeps its rule"
send tcp_flow 41000 5061 "$W/stop-5061" &
S1=$!
PIDS+=("$S1")
sleep 0.5
hup 14 || lib_failed "reloads 1-14"
cp "$W/extra.rules" "$W/site.rules.new" && mv "$W/site.rules.new" "$W/site.rules"
hup 1 || lib_failed "reload 15 (rules with T1R99)"
send tcp_flow 42000 4999 "$W/stop-4999" &
S2=$!
PIDS+=("$S2")
sleep 0.3
: >"$W/stop-4999"
wait "$S2"
hup 14 || lib_failed "reloads 16-29"
cp "$W/base.rules" "$W/site.rules.new" && mv "$W/site.rules.new" "$W/site.rules"
hup 11 || lib_failed "reloads 30-40"
: >"$W/stop-5061"
wait "$S1"
check_eq "40 reloads logged" "$(reloads)" 40
flow_row() {
	q "$W/live.db" "SELECT verdict || ' ' || coalesce(rule_id, 'NULL') FROM flows
	    WHERE src_port = $1 AND dest_port = $2"
}
if lib_wait_for 10 eval '[ -n "$(flow_row 41000 5061)" ] && [ -n "$(flow_row 42000 4999)" ]'; then
	check_eq "the connection judged before 40 reloads, written after them, cites T1R3" \
	    "$(flow_row 41000 5061)" "expected T1R3"
	check_eq "the connection to 4999 while T1R99 was loaded cites it" \
	    "$(flow_row 42000 4999)" "expected T1R99"
else
	lib_failed "the two flows are not in SQLite within 10 s: [$(flow_row 41000 5061)] [$(flow_row 42000 4999)]"
fi
check_eq "EVE: the long flow's event names T1R3" \
    "$(grep '"event_type":"flow"' "$W/live.eve" | grep '"src_port":41000,' | grep -c '"T1R3"')" 1
check_eq "the rules table holds every rule a row cites (T1R3, T1R99) after T1R99 was unloaded" \
    "$(q "$W/live.db" "SELECT count(*) FROM flows f WHERE rule_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM rules r WHERE r.id = f.rule_id)") $(q "$W/live.db" \
        "SELECT group_concat(id) FROM (SELECT id FROM rules WHERE id IN ('T1R3', 'T1R99') ORDER BY id)")" \
    "0 T1R3,T1R99"

# --- 2,000 reloads -------------------------------------------------------------------------
echo "== 2,000 reloads: every one applied, flat memory, reopen still works"
t_h=$SECONDS
if RSS="$W/rss" hup 2000; then
	lib_pass "2,000 SIGUSR2s, each reloaded ($((SECONDS - t_h)) s)"
else
	lib_failed "2,000 SIGUSR2s: $(reloads) reloads logged in all; last lines: $(tail -2 "$W/live.err" | tr '\n' ' ')"
fi
check_eq "no reload refused" "$(grep -c 'reload refused' "$W/live.err")" 0
sleep 1		# the last reloads' policies are reaped (the daemon's loop: 100 ms)
echo "2001 $(awk '/^VmRSS:/ { print $2 }' "/proc/$D/status")" >>"$W/rss"
r200=$(awk '$1 == 500 { print $2 }' "$W/rss")
r2000=$(awk '$1 == 2001 { print $2 }' "$W/rss")
rmax=$(awk 'BEGIN { m = 0 } $1 >= 500 && $2 > m { m = $2 } END { print m }' "$W/rss")	# while reloading
echo "  RSS (KiB) after reloads: $(awk '$1 == 1 || $1 % 500 == 0 { printf "%s: %s  ", $1, $2 }
    $1 == 2001 { printf "2,000 + 1 s: %s", $2 }' "$W/rss")"
if [ -n "$r200" ] && [ -n "$r2000" ] && [ $((r2000 - r200)) -le 8192 ] && [ $((rmax - r200)) -le 16384 ]; then
	lib_pass "RSS flat from the 500th reload to the 2,000th: $r200 -> $r2000 KiB (at most $rmax while reloading)"
else
	lib_failed "RSS grew: $r200 KiB after 500 reloads, $r2000 after 2,000, at most $rmax"
fi
mv "$W/live.eve" "$W/live.eve.1"
before=$(reloads)
reopens=$(grep -c 'SIGHUP: reopening' "$W/live.err")
kill -HUP "$D"
lib_wait_for 5 eval '[ "$(grep -c "SIGHUP: reopening" "$W/live.err")" -gt "$reopens" ]' ||
	lib_failed "the SIGHUP after 2,000 reloads was not acted on"
sleep 0.3
check_eq "SIGHUP reopens and reloads nothing" "$(reloads)" "$before"
send udp_flows 30000 50 40007
if lib_wait_for 10 eval '[ -s "$W/live.eve" ] && [ "$(grep -c "\"dest_port\":40007," "$W/live.eve")" -ge 50 ]'; then
	lib_pass "logrotate after 2,000 reloads: the moved EVE file is reopened, the 50 flows after it are in the new file"
else
	lib_failed "no new EVE file with the flows after the move (exists: $([ -e "$W/live.eve" ] && echo yes || echo no))"
fi

# --- stop ----------------------------------------------------------------------------------
kill -TERM "$D"
lib_wait_for 30 eval '! lib_alive "$D"' || kill -KILL "$D"
wait "$D"
rc=$?
if [ "$rc" -le 1 ]; then lib_pass "SIGTERM: exit $rc"; else lib_failed "SIGTERM: exit $rc: $(tail -3 "$W/live.err")"; fi
check_eq "PRAGMA integrity_check" "$(q "$W/live.db" 'PRAGMA integrity_check')" ok
check_eq "the run row ended" "$(q "$W/live.db" 'SELECT ended IS NOT NULL FROM runs ORDER BY id DESC LIMIT 1')" 1
check_eq "every EVE line parses (both files)" "$(python3 -c '
import json, sys
n = 0
for p in sys.argv[1:]:
    for l in open(p):
        json.loads(l); n += 1
print("ok")' "$W/live.eve.1" "$W/live.eve" 2>&1 | tail -1)" ok
echo "reload: $((SECONDS - T0)) s"
lib_summary
