#!/bin/bash
# tests/faults-live.sh - the live daemon's database failing and coming back
# (issue 6, "Crash safety and faults": disk full and a read-only database:
# classification and alerts go on, the failure is logged once and counted,
# writing resumes when the database can be written again).
#
# conformd -i rp1 -u root in a namespace (prefix cfr-) whose veth pair
# rp0 -> rp1 carries frames written by python3 (AF_PACKET): short UDP
# flows (one datagram) and whole TCP connections (handshake, data, FIN),
# client1 198.18.10.21 -> fe1 198.18.1.11 on ports no rule allows, so every
# flow is also an alert.  The configuration ends UDP flows after 1 s and
# closed TCP flows after 1 s, so flows are written while the daemon runs.
#
#   disk full   --db on a 512 KiB tmpfs, --eve on the normal disk.  Batch 1
#               (UDP port 40001, TCP port 40011) until the database write
#               fails, then more of it for a few seconds: the failure is
#               logged exactly once, the daemon runs on, EVE keeps growing.
#               The tmpfs grows to 64 MiB; batch 2 (ports 40002, 40012).
#               SIGTERM: exit 2 (records could not be written: man page),
#               PRAGMA integrity_check ok, every flow of batch 2 in SQLite,
#               the lost records counted in the exit message (at least the
#               batch-1 flows missing from SQLite), every flow of both
#               batches in EVE with its alert.
#   read-only   --db in a directory on a read-only tmpfs at start: logged
#               once, retried every 10 s; batch A (ports 40003, 40013)
#               while read-only, then the tmpfs becomes writable, the
#               daemon says writing resumes, batch B (40004, 40014): every
#               flow of batch B in SQLite, both batches in EVE, exit 2, the
#               lost records counted, integrity_check ok.
#   stalled     --eve into a FIFO whose reader (cat) is stopped for 8 s
#   output      while 20,000 UDP flows come: no ring drops, every packet
#               classified, records lost counted, coverage kept (5
#               connections to an allowed port made during the stall are
#               seen) until 3000 more fill even its room, then the missing
#               findings say coverage was lost; EVE and SQLite go on once
#               the reader resumes.
#   locked at   another process holds the database's write lock (sqlite3,
#   start       BEGIN EXCLUSIVE) as the daemon starts, until batch A, sent
#               meanwhile, is lost and counted (SIGUSR1, then
#               store.lost_database); the
#               run's row is written once the lock goes, batch B after it
#               is in SQLite with its run, no row has run_id NULL, and the
#               run row ends at SIGTERM (issue 17: the run row was never
#               written and every row had run_id NULL).
#   two full    --db and --eve on one 4 MiB tmpfs, stats every second, a
#   disks       systemd stand-in on NOTIFY_SOCKET.  A file fills the disk;
#               traffic until both outputs fail; SIGUSR1; the file goes
#               (writing resumes); 11 s later the disk fills again, traffic,
#               then the tmpfs grows to 64 MiB; batch C.  Each output logs
#               both episodes as they begin (path, reason) and end
#               (records lost during it); every EVE line parses (a full
#               disk used to add a torn line each time); the records lost,
#               split by cause (queue, database, EVE), are the same, and
#               not 0, in the exit line, the counters, the last EVE stats
#               event, the SIGUSR1 line, STATUS= and --report (they used
#               to say 0 everywhere but the exit line).
#
# The remounts are made inside the daemon's mount namespace (ip netns exec
# gives it its own; mount flags do not propagate), with nsenter.
# Needs root; skips (exit 77, with the reason) otherwise.  Bounded: about
# 90 s, a watchdog ends it after 180 s.  FAULTS_LIVE_KEEP=1 keeps the work
# directory.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name faults-live

lib_need_root "network namespaces, tmpfs mounts and live capture"
lib_need_tools ip sqlite3 python3 nsenter mount umount timeout
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"
"$conformd" --help 2>&1 | grep -q -- '-i IFACE' || lib_skip "$conformd has no live capture"

NS=cfr-a$$
T0=$SECONDS
PIDS=()
MOUNTS=()
W=$(mktemp -d /tmp/cfr-live.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p m
	kill "$LIB_WATCHDOG" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "${FAULTS_LIVE_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "faults-live: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lib_watchdog 180

ip netns del "$NS" 2>/dev/null
ip netns add "$NS" 2>/dev/null || lib_skip "cannot create network namespaces here"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
ip -n "$NS" link add rp0 type veth peer name rp1 && ip -n "$NS" link set rp0 up &&
    ip -n "$NS" link set rp1 up || lib_error "cannot make the veth pair"

cat >"$W/live.conf" <<EOF
rules $top_srcdir/rules/lync2013.rules
inventory $top_srcdir/samples/inventory.conf
timeout udp 1
timeout tcp-closed 1
EOF

# --- helpers -------------------------------------------------------------------

q() {
	sqlite3 -batch -noheader -separator '|' "$1" "$2" 2>/dev/null
}

# start NAME ARGS...: conformd -i rp1 -u root in the namespace; sets PID.
start() {
	local name=$1
	shift
	ip netns exec "$NS" "$conformd" -c "$W/live.conf" -i rp1 -u root "$@" \
	    >"$W/$name.out" 2>"$W/$name.err" </dev/null &
	PID=$!
	PIDS+=("$PID")
	lib_wait_for 10 eval 'grep -qs "capturing on" "$W/$name.err" || ! lib_alive "$PID"'
	grep -qs 'capturing on' "$W/$name.err"
}

# stop PID: SIGTERM, 20 s at most; sets RC.
stop() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	lib_wait_for 20 eval '! lib_alive "$pid"' || kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	RC=$?
}

# send PROTO SPORT N DPORT: N flows from client1 to fe1, source ports
# SPORT..SPORT+N-1: one 200-byte UDP datagram each, or a whole TCP
# connection (SYN, SYN-ACK, ACK, data, FIN both ways).
send() {
	ip netns exec "$NS" python3 - "$@" <<'EOF'
import socket, struct, sys
proto, sport0, n, dport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
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
def udp(sp, dp, payload):
    u = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
    c = csum(C + S + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xffff
    return frame(C, S, MC, MS, 17, u[:6] + struct.pack("!H", c) + u[8:])
def tcp(fwd, sp, dp, seq, ack, flags, payload=b""):
    src, dst = (C, S) if fwd else (S, C)
    if not fwd:
        sp, dp = dp, sp
    t = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(t)) + t)
    t = t[:16] + struct.pack("!H", c) + t[18:]
    return frame(src, dst, MC if fwd else MS, MS if fwd else MC, 6, t)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rp0", 0))
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
for i in range(n):
    sp = sport0 + i
    if proto == "udp":
        s.send(udp(sp, dport, b"conformd-faults-live".ljust(200, b".")))
        continue
    a, b, d = 1000, 5000, b"hello"
    for f in (tcp(1, sp, dport, a, 0, SYN), tcp(0, sp, dport, b, a + 1, SYN | ACK),
              tcp(1, sp, dport, a + 1, b + 1, ACK), tcp(1, sp, dport, a + 1, b + 1, PSH | ACK, d),
              tcp(0, sp, dport, b + 1, a + 1 + len(d), ACK),
              tcp(1, sp, dport, a + 1 + len(d), b + 1, FIN | ACK),
              tcp(0, sp, dport, b + 1, a + 2 + len(d), FIN | ACK),
              tcp(1, sp, dport, a + 2 + len(d), b + 2, ACK)):
        s.send(f)
EOF
}

# Flows to fe1 port $2 in database $1, or in EVE file $1 (eve_count).
db_count() {
	q "$1" "SELECT count(*) FROM flows WHERE src_ip = '198.18.10.21'
	    AND dest_ip = '198.18.1.11' AND dest_port = $2"
}
eve_count() {
	grep '"event_type":"flow"' "$1" | grep -c "\"dest_port\":$2,"
}
alert_count() {
	grep '"event_type":"alert"' "$1" | grep -c "\"dest_port\":$2,"
}

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1 ($2)"
	else
		lib_failed "$1: got [$2], want [$3]"
	fi
}

# The number in "N records could not be written", or empty.
lost_records() {
	sed -n 's/.* \([0-9][0-9]*\) records could not be written.*/\1/p' "$1" | tail -n 1
}

# common_checks NAME DB RC: exit status, integrity, the run row ended.
common_checks() {
	local name=$1 db=$2 rc=$3
	check_eq "$name: exit status 2 (records could not be written)" "$rc" 2
	check_eq "$name: PRAGMA integrity_check" "$(q "$db" 'PRAGMA integrity_check')" ok
	# Records were lost before the run ended: its row says 2, like the exit.
	check_eq "$name: the run row ended, with the exit status" \
	    "$(q "$db" 'SELECT ended IS NOT NULL, status FROM runs ORDER BY id DESC LIMIT 1')" "1|2"
}

# --- 1. disk full ------------------------------------------------------------------
echo "== 1. disk full: --db on a 512 KiB tmpfs that later grows"
mkdir "$W/full" && mount -t tmpfs -o size=512k,mode=0755 tmpfs "$W/full" ||
	lib_error "cannot mount a tmpfs"
MOUNTS+=("$W/full")
if start full --db "$W/full/x.db" --eve "$W/full.eve"; then
	D=$PID
	# Batch 1 until the write fails (30 s at most), then 3 s more.
	sport=10000 failed_at=
	while [ $((SECONDS - T0)) -lt 40 ]; do
		send udp $sport 200 40001 && send tcp $sport 20 40011 || lib_failed "sending batch 1"
		sport=$((sport + 200))
		sleep 0.2
		if grep -q 'database write failed' "$W/full.err"; then
			failed_at=$SECONDS
			break
		fi
	done
	n1_fail=$(( sport - 10000 ))
	if [ -n "$failed_at" ]; then
		lib_pass "the database write failed after $n1_fail UDP flows: $(grep -m1 'database write failed' "$W/full.err" | sed 's/^conformd: //')"
	else
		lib_failed "no database write failure logged after $n1_fail UDP flows"
	fi
	eve_a=$(wc -l <"$W/full.eve")
	while [ $((SECONDS - failed_at)) -lt 3 ]; do
		send udp $sport 200 40001 && send tcp $sport 20 40011 || lib_failed "sending batch 1"
		sport=$((sport + 200))
		sleep 0.2
	done
	n1=$(( sport - 10000 ))
	t1=$(( (sport - 10000) / 10 ))
	sleep 2		# every batch-1 flow ends (1 s timeouts) and is written
	eve_b=$(wc -l <"$W/full.eve")
	if lib_alive "$D"; then lib_pass "the daemon runs on with a full disk"; else lib_failed "the daemon died"; fi
	[ "$eve_b" -gt "$eve_a" ] && lib_pass "EVE keeps growing on the full disk ($eve_a -> $eve_b lines)" ||
		lib_failed "EVE did not grow on the full disk ($eve_a -> $eve_b lines)"
	check_eq "the failure is logged once" "$(grep -c 'database write failed' "$W/full.err")" 1
	db1=$(db_count "$W/full/x.db" 40001)
	echo "  batch 1: $n1 UDP + $t1 TCP flows sent, $db1 UDP flows in SQLite"

	# Space returns.
	nsenter -t "$D" -m mount -o remount,size=64m "$W/full" || lib_failed "cannot grow the tmpfs"
	sleep 1
	n2=300 t2=30
	send udp 30000 $n2 40002 && send tcp 30000 $t2 40012 || lib_failed "sending batch 2"
	if lib_wait_for 10 eval '[ "$(db_count "$W/full/x.db" 40002)" -ge $n2 ] && [ "$(db_count "$W/full/x.db" 40012)" -ge $t2 ]'; then
		lib_pass "writing resumed while the daemon runs: batch 2 in SQLite within 10 s"
	else
		lib_failed "batch 2 not in SQLite within 10 s: $(db_count "$W/full/x.db" 40002) UDP, $(db_count "$W/full/x.db" 40012) TCP"
	fi
	lib_wait_for 5 eval '[ "$(eve_count "$W/full.eve" 40012)" -ge $t2 ]'
	stop "$D"
	echo "  exit: $(grep -E 'could not be written|capture:' "$W/full.err" | sed 's/^conformd: //' | tr '\n' ' ')"
	common_checks "disk full" "$W/full/x.db" "$RC"
	check_eq "disk full: every batch-2 flow in SQLite (UDP, TCP)" \
	    "$(db_count "$W/full/x.db" 40002) $(db_count "$W/full/x.db" 40012)" "$n2 $t2"
	check_eq "disk full: every flow of both batches in EVE (UDP 1, TCP 1, UDP 2, TCP 2)" \
	    "$(eve_count "$W/full.eve" 40001) $(eve_count "$W/full.eve" 40011) $(eve_count "$W/full.eve" 40002) $(eve_count "$W/full.eve" 40012)" \
	    "$n1 $t1 $n2 $t2"
	check_eq "disk full: an alert for each of them in EVE" \
	    "$(( $(alert_count "$W/full.eve" 40001) + $(alert_count "$W/full.eve" 40011) + $(alert_count "$W/full.eve" 40002) + $(alert_count "$W/full.eve" 40012) ))" \
	    "$((n1 + t1 + n2 + t2))"
	db1=$(( $(db_count "$W/full/x.db" 40001) + $(db_count "$W/full/x.db" 40011) ))
	lost=$(lost_records "$W/full.err")
	missing=$((n1 + t1 - db1))
	if [ -n "$lost" ] && [ "$missing" -gt 0 ] && [ "$lost" -ge "$missing" ]; then
		lib_pass "disk full: the lost records are counted ($lost records could not be written; $missing batch-1 flows missing from SQLite)"
	else
		lib_failed "disk full: lost records [$lost], batch-1 flows missing from SQLite $missing (want > 0 and counted)"
	fi
	check_eq "disk full: the failure is still logged once" "$(grep -c 'database write failed' "$W/full.err")" 1
else
	lib_failed "conformd did not start: $(head -3 "$W/full.err")"
fi

# --- 2. read-only, then writable ---------------------------------------------------
echo "== 2. read-only database directory at start, writable later"
mkdir "$W/ro" && mount -t tmpfs -o size=8m,mode=0755,ro tmpfs "$W/ro" ||
	lib_error "cannot mount a read-only tmpfs"
MOUNTS+=("$W/ro")
if start ro --db "$W/ro/x.db" --eve "$W/ro.eve"; then
	D=$PID
	check_eq "read-only: the failure to open is logged once" \
	    "$(grep -c 'retried every' "$W/ro.err")" 1
	na=200 ta=20
	send udp 10000 $na 40003 && send tcp 10000 $ta 40013 || lib_failed "sending batch A"
	lib_wait_for 5 eval '[ "$(eve_count "$W/ro.eve" 40013)" -ge $ta ]'
	nsenter -t "$D" -m mount -o remount,rw "$W/ro" || lib_failed "cannot make the tmpfs writable"
	t_rw=$SECONDS
	if lib_wait_for 12 grep -q 'can be written again' "$W/ro.err"; then
		lib_pass "reopened $((SECONDS - t_rw)) s after the directory became writable: $(grep -m1 'can be written again' "$W/ro.err" | sed 's/^conformd: //')"
	else
		lib_failed "no reopen within 12 s: $(tail -2 "$W/ro.err")"
	fi
	nb=200 tb=20
	send udp 30000 $nb 40004 && send tcp 30000 $tb 40014 || lib_failed "sending batch B"
	if lib_wait_for 10 eval '[ "$(db_count "$W/ro/x.db" 40004)" -ge $nb ] && [ "$(db_count "$W/ro/x.db" 40014)" -ge $tb ]'; then
		lib_pass "read-only: batch B in SQLite while the daemon runs"
	else
		lib_failed "read-only: batch B not in SQLite within 10 s"
	fi
	lib_wait_for 5 eval '[ "$(eve_count "$W/ro.eve" 40014)" -ge $tb ]'
	stop "$D"
	# This shell's mount of the tmpfs is still read-only, and SQLite cannot
	# read a WAL database without creating its -shm file.
	mount -o remount,rw "$W/ro" || lib_failed "cannot make the tmpfs writable here"
	echo "  exit: $(grep -E 'could not be written|capture:' "$W/ro.err" | sed 's/^conformd: //' | tr '\n' ' ')"
	common_checks "read-only" "$W/ro/x.db" "$RC"
	check_eq "read-only: every batch-B flow in SQLite (UDP, TCP), none of batch A" \
	    "$(db_count "$W/ro/x.db" 40004) $(db_count "$W/ro/x.db" 40014) $(db_count "$W/ro/x.db" 40003)" "$nb $tb 0"
	check_eq "read-only: every flow of both batches in EVE (UDP A, TCP A, UDP B, TCP B)" \
	    "$(eve_count "$W/ro.eve" 40003) $(eve_count "$W/ro.eve" 40013) $(eve_count "$W/ro.eve" 40004) $(eve_count "$W/ro.eve" 40014)" \
	    "$na $ta $nb $tb"
	lost=$(lost_records "$W/ro.err")
	if [ -n "$lost" ] && [ "$lost" -ge $((na + ta)) ]; then
		lib_pass "read-only: the lost records are counted ($lost records could not be written, batch A $((na + ta)) flows)"
	else
		lib_failed "read-only: lost records [$lost], want >= $((na + ta))"
	fi
else
	lib_failed "conformd did not start: $(head -3 "$W/ro.err")"
fi

# --- 3. a stalled output -----------------------------------------------------------
# EVE goes to a named pipe whose reader stops for 8 s (a log shipper that
# hangs): the EVE thread blocks, then the store thread behind it, then the
# workers' record rings fill.  Classification must not stall with them: no
# packet is dropped at a ring, every packet is classified, the records the
# store could not take are counted as lost, and when the reader resumes
# the daemon goes on.  (Before this check was added, a worker waited 5 ms
# for each record once its ring was full, so its packet ring overflowed.)
echo "== 3. stalled output: --eve into a pipe whose reader stops"
mkfifo "$W/eve.fifo" || lib_error "cannot make a FIFO"
cat "$W/eve.fifo" >"$W/stall.eve" &
CAT=$!
PIDS+=("$CAT")
if start stall --db "$W/stall.db" --eve "$W/eve.fifo" --ring-slots 4096 --record-slots 16384; then
	D=$PID
	send udp 1000 100 40005 || lib_failed "sending the first flows"
	lib_wait_for 5 eval '[ "$(eve_count "$W/stall.eve" 40005)" -ge 100 ]' &&
		lib_pass "stall: EVE flows through the pipe before the stall" ||
		lib_failed "stall: the first 100 flows not through the pipe"
	kill -STOP "$CAT"
	# 12,000 flows: their findings, then (1 s later) their flow records
	# fill the ring to the store thread; then more traffic comes
	ns=12000
	send udp 10000 $ns 40006 || lib_failed "sending during the stall"
	sleep 2.5
	# the ring is full of records by now: what comes next is lost, but
	# coverage (5 connections to 5080, T1R35, allowed and seen only
	# here) still finds room; then 3000 more connections there fill even
	# the room kept for coverage, so the window's missing findings must
	# say that coverage was lost
	send tcp 50000 5 5080 && send udp 40000 8000 40008 || lib_failed "sending during the stall"
	sleep 1.2
	send tcp 51000 3000 5080 || lib_failed "sending during the stall"
	# their flows end (closed, 1 s) and are judged while still stalled
	sleep 3
	if lib_alive "$D"; then lib_pass "stall: the daemon runs on with its output stalled"; else lib_failed "stall: the daemon died"; fi
	kill -CONT "$CAT"
	send udp 30000 100 40007 || lib_failed "sending after the stall"
	lib_wait_for 10 eval '[ "$(eve_count "$W/stall.eve" 40007)" -ge 100 ]' &&
		lib_pass "stall: EVE flows again once the reader resumes" ||
		lib_failed "stall: the flows after the stall not in EVE within 10 s"
	stop "$D"
	wait "$CAT" 2>/dev/null
	echo "  exit: $(grep -E 'could not be written|capture:' "$W/stall.err" | sed 's/^conformd: //' | tr '\n' ' ')"
	cnt() { q "$W/stall.db" "SELECT value FROM counters WHERE name = '$1' ORDER BY rowid DESC LIMIT 1"; }
	check_eq "stall: no packet dropped at a ring" "$(cnt capture.ring_drops)" 0
	check_eq "stall: every packet received was classified" "$(cnt packets)" "$(cnt capture.received)"
	lost=$(cnt store.records_lost)
	if [ -n "$lost" ] && [ "$lost" -gt 0 ]; then
		lib_pass "stall: the records the store could not take are counted ($lost lost)"
	else
		lib_failed "stall: store.records_lost [$lost], want > 0 ($ns flows sent during the stall)"
	fi
	check_eq "stall: PRAGMA integrity_check" "$(q "$W/stall.db" 'PRAGMA integrity_check')" ok
	check_eq "stall: the flows after the stall in SQLite" "$(db_count "$W/stall.db" 40007)" 100
	check_eq "stall: coverage kept: T1R35 (5080) seen on fe1 by the connections made during the stall" \
	    "$(q "$W/stall.db" "SELECT state, flows >= 5 FROM coverage WHERE host = 'fe1' AND rule_id = 'T1R35'
	    AND run_id = (SELECT max(id) FROM runs)")" "seen|1"
	nmiss=$(q "$W/stall.db" "SELECT count(*) FROM findings WHERE kind = 'missing'")
	nlost=$(q "$W/stall.db" "SELECT count(*) FROM findings WHERE kind = 'missing'
	    AND evidence LIKE '% coverage records lost in this window: it may have been seen)'")
	if [ "${nmiss:-0}" -gt 0 ] && [ "$nlost" = "$nmiss" ]; then
		lib_pass "stall: coverage was lost, and every missing finding says so ($nmiss): $(q "$W/stall.db" "SELECT evidence FROM findings WHERE kind = 'missing' LIMIT 1")"
	else
		lib_failed "stall: $nmiss missing findings, $nlost of them say coverage was lost (want all, and some)"
	fi
else
	lib_failed "conformd did not start: $(head -3 "$W/stall.err")"
fi

# --- 4. locked as the daemon starts -------------------------------------------------
echo "== 4. another process holds the database's write lock as the daemon starts"
"$conformd" -q -c "$W/live.conf" -r "$top_srcdir/samples/lync-site.pcap" --db "$W/lockl.db" \
    >/dev/null 2>&1
# the holder lets go when told (the file release), so that batch A meets
# the lock whatever the machine's load
( (printf 'BEGIN EXCLUSIVE;\nSELECT 1;\n'
   while [ ! -e "$W/lockl.release" ]; do sleep 0.1; done
   printf 'COMMIT;\n') | sqlite3 "$W/lockl.db" >"$W/lockl-holder.out" 2>&1 ) &
HOLDER=$!
PIDS+=("$HOLDER")
sleep 0.3
if start lockl --db "$W/lockl.db" --eve "$W/lockl.eve"; then
	D=$PID
	na=100
	send udp 10000 $na 40021 || lib_failed "sending batch A"
	# batch A's flows end (udp 1 s) and, with their alerts, find the
	# database locked: SIGUSR1 counts them
	lost_now() {
		kill -USR1 "$D"
		sleep 0.3
		grep 'records lost [0-9]* (queue' "$W/lockl.err" | tail -n 1 |
		    sed -n 's/.*database \([0-9]*\),.*/\1/p'
	}
	lib_wait_for 20 eval 'l=$(lost_now); [ "${l:-0}" -ge $((2 * na)) ]' ||
		lib_failed "locked at start: batch A not counted as lost within 20 s ($(lost_now))"
	: >"$W/lockl.release"
	wait "$HOLDER"
	sleep 1.5
	nb=100
	send udp 20000 $nb 40022 || lib_failed "sending batch B"
	if lib_wait_for 10 eval '[ "$(db_count "$W/lockl.db" 40022)" -ge $nb ]'; then
		lib_pass "locked at start: batch B, sent after the lock, in SQLite while the daemon runs"
	else
		lib_failed "locked at start: batch B not in SQLite within 10 s ($(db_count "$W/lockl.db" 40022))"
	fi
	stop "$D"
	check_eq "locked at start: no row without its run (flows, findings)" \
	    "$(q "$W/lockl.db" 'SELECT (SELECT count(*) FROM flows WHERE run_id IS NULL) + (SELECT count(*) FROM findings WHERE last_run IS NULL)')" 0
	check_eq "locked at start: the daemon's run row, ended, holds batch B" \
	    "$(q "$W/lockl.db" "SELECT r.ended IS NOT NULL, (SELECT count(*) FROM flows f WHERE f.run_id = r.id AND f.dest_port = 40022), r.sources FROM runs r ORDER BY id DESC LIMIT 1")" "1|$nb|-i rp1"
	lost=$(q "$W/lockl.db" "SELECT value FROM counters WHERE name = 'store.lost_database' AND run_id = (SELECT max(id) FROM runs)")
	inb=$(db_count "$W/lockl.db" 40021)
	if [ "${lost:-0}" -ge $na ] && [ "$inb" = 0 ]; then
		lib_pass "locked at start: batch A, sent during the lock, is counted as lost ($lost rows, store.lost_database)"
	else
		lib_failed "locked at start: batch A: $inb flows in SQLite, store.lost_database [$lost] (want 0 and >= $na)"
	fi
	grep -q 'database write failed: .*locked' "$W/lockl.err" && grep -q 'database .* can be written again' "$W/lockl.err" &&
		lib_pass "locked at start: the outage logged as it began and ended: $(grep -m1 'can be written again' "$W/lockl.err" | sed 's/^conformd: //')" ||
		lib_failed "locked at start: the outage not logged: $(head -4 "$W/lockl.err" | tr '\n' ' ')"
else
	lib_failed "conformd did not start: $(head -3 "$W/lockl.err")"
fi

# --- 5. two full disks -----------------------------------------------------------------
echo "== 5. the database and EVE on a disk that fills twice, then grows"
mkdir "$W/ep" && mount -t tmpfs -o size=4m,mode=0755 tmpfs "$W/ep" || lib_error "cannot mount a tmpfs"
MOUNTS+=("$W/ep")
sed 's/^timeout udp 1$/timeout udp 1\nstats-interval 1/' "$W/live.conf" >"$W/stats.conf"
python3 - "$W/notify.sock" "$W/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
PY
PIDS+=("$!")
lib_wait_for 5 test -S "$W/notify.sock" || lib_error "no notify socket"
# fill: a file takes every byte the tmpfs has left
fill() {
	nsenter -t "$D" -m dd if=/dev/zero of="$W/ep/filler" bs=64k >/dev/null 2>&1
	return 0
}
ip netns exec "$NS" env NOTIFY_SOCKET="$W/notify.sock" "$conformd" -c "$W/stats.conf" -i rp1 -u root \
    --db "$W/ep/x.db" --eve "$W/ep/x.eve" >"$W/ep.out" 2>"$W/ep.err" </dev/null &
D=$!
PIDS+=("$D")
lib_wait_for 10 eval 'grep -qs "capturing on" "$W/ep.err" || ! lib_alive "$D"'
if grep -qs 'capturing on' "$W/ep.err"; then
	sport=10000
	# episode ARG: traffic until both outputs have logged as many failures
	episode() {
		local want=$1 t=$SECONDS
		while [ $((SECONDS - t)) -lt 20 ]; do
			send udp $sport 200 40031 || lib_failed "sending"
			sport=$((sport + 200))
			[ $sport -gt 60000 ] && sport=10000
			sleep 0.3
			[ "$(grep -c 'database write failed' "$W/ep.err")" -ge "$want" ] &&
			    [ "$(grep -c 'EVE write failed' "$W/ep.err")" -ge "$want" ] && return 0
		done
		return 1
	}
	fill
	t1=$SECONDS
	if episode 1; then
		lib_pass "episode 1: both outputs logged the failure: $(grep -m1 'database write failed' "$W/ep.err" | sed 's/^conformd: //') / $(grep -m1 'EVE write failed' "$W/ep.err" | sed 's/^conformd: //')"
	else
		lib_failed "episode 1: not both outputs failed: $(tail -3 "$W/ep.err" | tr '\n' ' ')"
	fi
	sleep 1.5
	kill -USR1 "$D"
	lib_wait_for 5 grep -q 'records lost [0-9]* (queue' "$W/ep.err"
	usr1=$(grep -m1 'records lost [0-9]* (queue' "$W/ep.err" | sed 's/^conformd: //')
	if echo "$usr1" | grep -Eq 'records lost [1-9][0-9]* \(queue [0-9]+, database [1-9][0-9]*, EVE [1-9][0-9]*\)'; then
		lib_pass "SIGUSR1 during the outage: $(echo "$usr1" | grep -o 'records lost [^)]*)')"
	else
		lib_failed "SIGUSR1 during the outage: [$usr1]"
	fi
	rm -f "$W/ep/filler"
	send udp 30000 100 40032 || lib_failed "sending after the first episode"
	if lib_wait_for 10 eval '[ "$(grep -c "can be written again" "$W/ep.err")" -ge 2 ]'; then
		lib_pass "episode 1 ends for both: $(grep 'can be written again' "$W/ep.err" | sed 's/^conformd: //' | tr '\n' ' ')"
	else
		lib_failed "episode 1 did not end for both: $(grep 'can be written again' "$W/ep.err" | tr '\n' ' ')"
	fi
	# a second episode more than 10 s after the first began (rate limit)
	while [ $((SECONDS - t1)) -lt 11 ]; do sleep 0.5; done
	fill
	if episode 2; then
		lib_pass "episode 2: both outputs logged it as well"
	else
		lib_failed "episode 2: $(grep -c 'database write failed' "$W/ep.err") database and $(grep -c 'EVE write failed' "$W/ep.err") EVE failures logged (want 2 each)"
	fi
	nsenter -t "$D" -m mount -o remount,size=64m "$W/ep" || lib_failed "cannot grow the tmpfs"
	send udp 40000 100 40033 || lib_failed "sending batch C"
	if lib_wait_for 10 eval '[ "$(db_count "$W/ep/x.db" 40033)" -ge 100 ] && [ "$(grep -c "can be written again" "$W/ep.err")" -ge 4 ]'; then
		lib_pass "the disk grows: writing resumes, batch C in SQLite, episode 2 ends for both"
	else
		lib_failed "after the growth: batch C $(db_count "$W/ep/x.db" 40033) in SQLite, $(grep -c 'can be written again' "$W/ep.err") ends logged"
	fi
	sleep 2.5	# a stats event and a STATUS= after the recovery
	notify_last=$(grep '^STATUS=' "$W/notify.log" | tail -n 1)
	stop "$D"
	rm -f "$W/ep/filler"
	echo "  exit: $(grep -E 'could not be written' "$W/ep.err" | sed 's/^conformd: //')"
	check_eq "two full disks: exit status 2" "$RC" 2
	check_eq "two full disks: every failure logged as it began: 2 for the database, 2 for EVE" \
	    "$(grep -c 'database write failed' "$W/ep.err") $(grep -c 'EVE write failed' "$W/ep.err")" "2 2"
	check_eq "two full disks: every episode's end logged with its losses (4)" \
	    "$(grep -Ec 'can be written again: writing resumed after [0-9.]+ s, [1-9][0-9]* records lost during the outage' "$W/ep.err")" 4
	grep -q "EVE write failed: $W/ep/x.eve: No space left on device" "$W/ep.err" &&
		lib_pass "the EVE failure names the path and the reason" ||
		lib_failed "the EVE failure names no path or reason: $(grep -m1 'EVE write failed' "$W/ep.err")"
	check_eq "two full disks: every EVE line parses (none torn by the full disk)" "$(python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"):
    json.loads(l)
print("ok")' "$W/ep/x.eve" 2>&1 | tail -1)" ok
	check_eq "two full disks: PRAGMA integrity_check" "$(q "$W/ep/x.db" 'PRAGMA integrity_check')" ok
	cnt() { q "$W/ep/x.db" "SELECT value FROM counters WHERE name = '$1' AND run_id = (SELECT max(id) FROM runs)"; }
	lq=$(cnt store.lost_queue) ld=$(cnt store.lost_database) le=$(cnt store.lost_eve) lt=$(cnt store.records_lost)
	exit_line=$(grep -m1 'could not be written' "$W/ep.err" | sed 's/^conformd: //')
	if [ "${ld:-0}" -gt 0 ] && [ "${le:-0}" -gt 0 ] && [ "$lt" = $((lq + ld + le)) ] &&
	    [ "$exit_line" = "$((ld + le)) records could not be written (database $ld, EVE $le)" ]; then
		lib_pass "counters: store.records_lost $lt = queue $lq + database $ld + EVE $le, as the exit line says"
	else
		lib_failed "counters: records_lost [$lt], queue [$lq], database [$ld], EVE [$le]; exit line [$exit_line]"
	fi
	stats=$(grep '"event_type":"stats"' "$W/ep/x.eve" | tail -n 1)
	if python3 -c '
import json, sys
s = json.loads(sys.argv[1])["conformance"]["stats"]["store"]
sys.exit(0 if s["records_lost"] > 0 and s["lost_database"] > 0 and s["lost_eve"] > 0 and
    s["records_lost"] == s["lost_queue"] + s["lost_database"] + s["lost_eve"] else 1)' "$stats" 2>/dev/null; then
		lib_pass "the last EVE stats event counts them: $(echo "$stats" | grep -o '"store":{[^}]*}')"
	else
		lib_failed "the last EVE stats event: $(echo "$stats" | grep -o '"store":{[^}]*}')"
	fi
	if echo "$notify_last" | grep -Eq 'records lost [1-9][0-9]* \(queue [0-9]+, database [1-9][0-9]*, EVE [1-9][0-9]*\)'; then
		lib_pass "STATUS= counts them: $(echo "$notify_last" | grep -o 'records lost [^)]*)')"
	else
		lib_failed "STATUS=: [$notify_last]"
	fi
	"$conformd" --report "$W/ep/x.db" >"$W/ep.report" 2>&1
	if grep -q "$lt records lost (queue $lq, database $ld, EVE $le)" "$W/ep.report"; then
		lib_pass "--report: $(grep -o '[0-9]* records lost ([^)]*)' "$W/ep.report")"
	else
		lib_failed "--report: $(grep -A1 '^sensors' "$W/ep.report" | tail -1)"
	fi
else
	lib_failed "conformd did not start: $(head -3 "$W/ep.err")"
fi

echo "faults-live: $((SECONDS - T0)) s"
lib_summary
