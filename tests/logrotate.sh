#!/bin/bash
# tests/logrotate.sh - logrotate and `systemctl reload` against a running
# daemon's coverage window (issue 18, item 2).
#
# conformd -i rp1 -u root in a network namespace of its own (prefix
# cfo-PID) whose veth pair rp0 -> rp1 carries frames python3 writes
# (AF_PACKET): client1 198.18.10.21 and fe1 198.18.1.11, a Front End
# whose required ports are mostly never seen (each window raises the
# same missing findings).  coverage-window 10: windows end about 10, 20
# and 30 s after the start.  $NOTIFY_SOCKET is a socket this script reads,
# as systemd would (Type=notify).
#
#   window 1   a connection client1 -> fe1:5061 proves T1R3; then the real
#   logrotate  logrotate(8) -f runs on the shipped logrotate file
#              (systemd/logrotate/conformd) pointed at the daemon's EVE
#              directory, its postrotate's signal (SIGHUP, read from the
#              file) sent to the daemon instead of through systemctl:
#              the EVE file is rotated (eve.json.1 holds the lines so far,
#              the new eve.json the flows after the rotation), and the
#              window is not judged early: no missing finding until its
#              natural end (SIGHUP used to reload, which closed the window:
#              every required port missing 3 s into it), no reload, no
#              RELOADING=1.  At the window's end: M missing findings,
#              fe1/T1R3 seen.
#   window 2   T1R3 proved again; then the unit's ExecReload= line (from
#   reload     the built systemd/conformd.service), $MAINPID replaced by
#              the daemon's pid, run as systemd 252 runs it (a command,
#              not a shell line) with an inventory that adds fe9: it exits
#              0, conformd logs the reload, RELOADING=1 then READY=1 come
#              on the notify socket (systemd's "reloading" ends there).
#              The window is not cut short: no missing finding until its
#              natural end; then the same M missing findings again,
#              fe1/T1R3 seen (what the window saw before the reload
#              carried over), nothing about fe9 (it joined the window
#              late).
#   window 3   fe9 watched a whole window: reported unobserved at its end.
#   conformd(8), the units and the logrotate file agree: SIGHUP reopens,
#              SIGUSR2 reloads.
#
# Needs root, logrotate, python3, sqlite3; skips (exit 77, with the
# reason) otherwise.  Bounded: a watchdog ends it after 180 s.
# LOGROTATE_KEEP=1 keeps the work directory.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name logrotate

lib_need_root "network namespaces and live capture"
lib_need_tools ip sqlite3 python3 logrotate timeout
conformd=${CONFORMD:-$top_builddir/conformd}
[ -x "$conformd" ] || lib_error "$conformd not built"
"$conformd" --help 2>&1 | grep -q -- '-i IFACE' || lib_skip "$conformd has no live capture"
unit=$top_builddir/systemd/conformd.service
[ -f "$unit" ] || lib_error "$unit not built"
lr_shipped=$top_srcdir/systemd/logrotate/conformd
man8=$top_builddir/man/conformd.8
[ -f "$man8" ] || lib_error "$man8 not built"

NS=cfo-$$
WIN=10
PIDS=()
W=$(mktemp -d /tmp/cfo-logrotate.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p
	kill "$LIB_WATCHDOG" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "${LOGROTATE_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "logrotate: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lib_watchdog 180

check_eq() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1 ($2)"
	else
		lib_failed "$1: got [$2], want [$3]"
	fi
}

q() {
	sqlite3 -batch -noheader -separator '|' "$W/live.db" "$1" 2>/dev/null
}

# --- what the shipped files say ------------------------------------------------------
# logrotate's postrotate signal, the unit's ExecReload= and conformd(8).
lr_sig=$(sed -n 's/.*--signal=\([A-Z0-9]*\).*/\1/p' "$lr_shipped" | head -1)
reload_line=$(sed -n 's/^ExecReload=//p' "$unit")
reload_sig=$(echo "$reload_line" | sed -n 's/.*kill -\([A-Z0-9]*\) .*/\1/p')
check_eq "logrotate's postrotate sends SIGHUP" "$lr_sig" HUP
check_eq "the unit's ExecReload sends SIGUSR2" "$reload_sig" USR2
man_says() {	# the first line of the .TP entry of signal $1 in conformd(8)
	awk -v s=".B SIG$1" '$0 == s { getline; print; exit }' "$man8"
}
case $(man_says HUP) in
Reopen*"output files"*) lib_pass "conformd(8): SIGHUP: $(man_says HUP)" ;;
*) lib_failed "conformd(8) does not say SIGHUP reopens the output files: [$(man_says HUP)]" ;;
esac
case $(man_says USR2) in
Reload*) lib_pass "conformd(8): SIGUSR2: $(man_says USR2)" ;;
*) lib_failed "conformd(8) does not say SIGUSR2 reloads: [$(man_says USR2)]" ;;
esac

# --- the namespace, the configuration, the notify socket ------------------------------
ip netns add "$NS" 2>/dev/null || lib_skip "cannot create network namespaces here"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
ip -n "$NS" link add rp0 type veth peer name rp1 && ip -n "$NS" link set rp0 up &&
    ip -n "$NS" link set rp1 up || lib_error "cannot make the veth pair"

mkdir -p "$W/log"
cat >"$W/inventory.1" <<'EOF'
host fe1 198.18.1.11 role front-end
network clients 198.18.10.0/24 role client
EOF
{ cat "$W/inventory.1"; echo "host fe9 198.18.1.19 role front-end"; } >"$W/inventory.2"
cp "$W/inventory.1" "$W/inventory.conf"
cat >"$W/live.conf" <<EOF
rules $top_srcdir/rules/lync2013.rules
inventory $W/inventory.conf
coverage-window $WIN
timeout tcp-closed 1
timeout udp 1
EOF
"$conformd" -T -c "$W/live.conf" >/dev/null 2>&1 || lib_error "the test configuration does not load"

# The notify socket: every datagram, one line each, with its time.
python3 - "$W/notify.sock" "$W/notify.log" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        for line in msg.splitlines():
            out.write("%.3f %s\n" % (time.time(), line))
EOF
PIDS+=($!)
lib_wait_for 5 test -S "$W/notify.sock" || lib_error "the notify socket did not appear"

# tcp_flow SPORT DPORT: a whole connection client1 -> fe1:DPORT;
# udp_flows SPORT N DPORT: N one-datagram UDP flows client1 -> fe1.
send() {
	ip netns exec "$NS" python3 - "$@" <<'EOF'
import socket, struct, sys
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
def tcp(fwd, sp, dp, seq, ack, flags, data=b""):
    src, dst = (C, S) if fwd else (S, C)
    if not fwd:
        sp, dp = dp, sp
    t = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(t)) + t)
    t = t[:16] + struct.pack("!H", c) + t[18:]
    return frame(src, dst, MC if fwd else MS, MS if fwd else MC, 6, t)
def udp(sp, dp, payload):
    u = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
    c = csum(C + S + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    return frame(C, S, MC, MS, 17, u[:6] + struct.pack("!H", c) + u[8:])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rp0", 0))
SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08
hello = bytes([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 0x03, 0x03, 0x00, 0x00])
if sys.argv[1] == "tcp_flow":
    sp, dp = int(sys.argv[2]), int(sys.argv[3])
    a, b = 1000, 5000
    for f in (tcp(1, sp, dp, a, 0, SYN), tcp(0, sp, dp, b, a + 1, SYN | ACK),
              tcp(1, sp, dp, a + 1, b + 1, ACK),
              tcp(1, sp, dp, a + 1, b + 1, PSH | ACK, hello),
              tcp(0, sp, dp, b + 1, a + 1 + len(hello), PSH | ACK, hello),
              tcp(1, sp, dp, a + 1 + len(hello), b + 1 + len(hello), FIN | ACK),
              tcp(0, sp, dp, b + 1 + len(hello), a + 2 + len(hello), FIN | ACK),
              tcp(1, sp, dp, a + 2 + len(hello), b + 2 + len(hello), ACK)):
        s.send(f)
else:
    sp0, n, dp = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for i in range(n):
        s.send(udp(sp0 + i, dp, b"conformd-logrotate".ljust(100, b".")))
EOF
}

# EVE alerts of kind $1 in both EVE files (the rotated one and the live one)
eve_count() {
	cat "$W"/log/eve.json.1 "$W"/log/eve.json 2>/dev/null |
	    grep '"event_type":"alert"' | grep -c "\"verdict\":\"$1\""
}
missing_n() {
	q "SELECT coalesce(sum(count), 0) FROM findings WHERE kind = 'missing'"
}
cov_state() {
	q "SELECT state FROM coverage WHERE host = '$1' AND rule_id = '$2'"
}

# --- start -----------------------------------------------------------------------------
NOTIFY_SOCKET=$W/notify.sock ip netns exec "$NS" "$conformd" -c "$W/live.conf" -i rp1 -u root \
    --db "$W/live.db" --eve "$W/log/eve.json" >"$W/live.out" 2>"$W/live.err" </dev/null &
D=$!
PIDS+=("$D")
lib_wait_for 15 eval 'grep -qs "capturing on" "$W/live.err" || ! lib_alive "$D"'
grep -qs 'capturing on' "$W/live.err" || lib_error "conformd did not start: $(head -3 "$W/live.err")"
S=$(date +%s.%N)
since() {	# seconds since the daemon said "capturing on"
	python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$S"
}
lib_wait_for 5 grep -q '^[0-9.]* READY=1' "$W/notify.log" || lib_failed "no READY=1 on the notify socket"

# --- window 1: logrotate -f --------------------------------------------------------------
echo "== window 1: T1R3 proved, then logrotate -f with the shipped logrotate file"
send tcp_flow 41000 5061
lib_wait_for 8 eval 'grep -qs "\"src_port\":41000," "$W/log/eve.json"' ||
	lib_failed "the flow to 5061 is not in EVE within 8 s"
# the shipped file, pointed at the work directory; root instead of the
# units' user (which this machine may lack); its postrotate's signal to
# the daemon's pid instead of through systemctl (PID 1 is not systemd)
sed -e "s|^/var/log/conformd/\*\.json|$W/log/*.json|" -e '/^[[:space:]]*su /d' \
    -e 's/create 0640 conformd conformd/create 0640 root root/' \
    -e "s|systemctl kill --kill-who=main --signal=\([A-Z0-9]*\) .*|kill -\1 $D|" \
    "$lr_shipped" >"$W/logrotate.conf"
grep -q "kill -HUP $D" "$W/logrotate.conf" || lib_error "cannot adapt $lr_shipped: $(cat "$W/logrotate.conf")"
t_rot=$(since)
if logrotate -f -s "$W/logrotate.state" "$W/logrotate.conf" >"$W/logrotate.out" 2>&1; then
	lib_pass "logrotate -f at ${t_rot} s into the window: exit 0"
else
	lib_failed "logrotate -f: $(tail -3 "$W/logrotate.out" | tr '\n' ';')"
fi
lib_wait_for 5 grep -q 'SIGHUP: reopening' "$W/live.err" &&
	lib_pass "SIGHUP: the daemon reopens its output files" ||
	lib_failed "no reopening logged after logrotate: $(tail -3 "$W/live.err" | tr '\n' ';')"
[ -f "$W/log/eve.json.1" ] && grep -q '"src_port":41000,' "$W/log/eve.json.1" &&
	lib_pass "eve.json.1 holds the lines written before the rotation" ||
	lib_failed "eve.json.1 missing or without the flow to 5061"
send udp_flows 30000 20 40007
if lib_wait_for 8 eval '[ "$(grep -c "\"dest_port\":40007," "$W/log/eve.json" 2>/dev/null)" -ge 20 ]'; then
	lib_pass "the new eve.json gets the 20 flows after the rotation"
else
	lib_failed "the flows after the rotation are not in the new eve.json ($(grep -c '"dest_port":40007,' "$W/log/eve.json.1" 2>/dev/null) in eve.json.1)"
fi
check_eq "SIGHUP reloads nothing" "$(grep -c 'reloaded:\|reloading' "$W/live.err")" 0
check_eq "SIGHUP sends no RELOADING=1" "$(grep -c 'RELOADING=1' "$W/notify.log")" 0
# just before the window's natural end: nothing judged yet
while python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < $WIN - 2.5 else 1)" "$(since)"; do
	sleep 0.2
done
check_eq "$(since) s into a $WIN s window (logrotate at ${t_rot} s): no missing finding yet" \
    "$(missing_n) $(eve_count missing)" "0 0"
if lib_wait_for 10 eval '[ "$(missing_n)" -gt 0 ]'; then
	E1=$(date +%s.%N)	# window 2 began a moment ago
	sleep 1.5		# the window's findings are committed in one go
	M=$(missing_n)
	t_end1=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) - float(sys.argv[2])))" "$E1" "$S")
	lib_pass "window 1 judged at its natural end (${t_end1} s): $M missing findings"
else
	lib_failed "window 1 was never judged"
	lib_summary
fi
check_eq "window 1: fe1/T1R3, proved before logrotate, is seen" "$(cov_state fe1 T1R3)" seen
check_eq "EVE has each missing finding too" "$(eve_count missing)" "$M"

# --- window 2: the unit's ExecReload -------------------------------------------------------
echo "== window 2: T1R3 proved, then the unit's ExecReload= with an inventory that adds fe9"
since2() {	# seconds since window 1's findings appeared (window 2 began)
	python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$E1"
}
send tcp_flow 42000 5061
sleep 1.5
cp "$W/inventory.2" "$W/inventory.new" && mv "$W/inventory.new" "$W/inventory.conf"
# systemd splits the line into words and replaces $MAINPID; no shell
read -r -a argv <<<"${reload_line//\$MAINPID/$D}"
echo "  ExecReload=$reload_line"
echo "  run as: ${argv[*]}"
n_notify=$(wc -l <"$W/notify.log")
t_rel=$(since2)
"${argv[@]}"
rc=$?
check_eq "ExecReload's command exits 0 (systemd would fail the reload otherwise)" "$rc" 0
if lib_wait_for 10 grep -q 'reloaded:' "$W/live.err"; then
	lib_pass "the reload is logged: $(grep -m1 'reloaded:' "$W/live.err" | sed 's/^conformd: //; s/;.*//')"
else
	lib_failed "no reload logged: $(tail -3 "$W/live.err" | tr '\n' ';')"
fi
got=$(tail -n +"$((n_notify + 1))" "$W/notify.log" | awk '{ print $2 }' | grep -x 'RELOADING=1\|READY=1' | tr '\n' ' ')
check_eq "the notify socket gets RELOADING=1 then READY=1 (the end of systemd's reloading state)" \
    "$got" "RELOADING=1 READY=1 "
while python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < $WIN - 2.5 else 1)" "$(since2)"; do
	sleep 0.2
done
check_eq "$(since2) s into window 2 (reload at ${t_rel} s): no missing finding since window 1's" \
    "$(missing_n)" "$M"
if lib_wait_for 10 eval '[ "$(missing_n)" -gt "$M" ]'; then
	sleep 1
	lib_pass "window 2 judged at its natural end ($(since2) s)"
else
	lib_failed "window 2 was never judged"
fi
check_eq "window 2: the same $M missing findings again (the window's coverage carried over the reload)" \
    "$(missing_n)" "$((2 * M))"
check_eq "window 2: fe1/T1R3, proved before the reload, is seen" "$(cov_state fe1 T1R3)" seen
check_eq "window 2: nothing said of fe9, which joined the window late" \
    "$(q "SELECT count(*) FROM findings WHERE host = 'fe9'") $(q "SELECT count(*) FROM coverage WHERE host = 'fe9'")" "0 0"

# --- window 3: fe9 watched all along ---------------------------------------------------------
echo "== window 3: fe9 watched a whole window"
if lib_wait_for 15 eval '[ "$(q "SELECT count(*) FROM findings WHERE host = '"'fe9'"'")" -gt 0 ]'; then
	lib_pass "window 3: fe9 reported: $(q "SELECT signature FROM findings WHERE host = 'fe9' LIMIT 1")"
else
	lib_failed "window 3: nothing reported of fe9"
fi

# --- stop --------------------------------------------------------------------------------------
kill -TERM "$D"
lib_wait_for 30 eval '! lib_alive "$D"' || kill -KILL "$D"
wait "$D"
rc=$?
check_eq "SIGTERM: exit status" "$rc" 0
check_eq "PRAGMA integrity_check" "$(q 'PRAGMA integrity_check')" ok
check_eq "every EVE line parses (both files)" "$(python3 -c '
import json, sys
for p in sys.argv[1:]:
    for l in open(p):
        json.loads(l)
print("ok")' "$W/log/eve.json.1" "$W/log/eve.json" 2>&1 | tail -1)" ok
lib_summary
