#!/bin/bash
# tests/faults-daemon.sh - the live daemon's threads, memory and signals
# (issue 17, items 6, 8, 12 and 13), with real processes in a network
# namespace of its own (prefix cfq-PID): a veth pair rp0 -> rp1 carrying
# frames python3 writes (AF_PACKET), client1 198.18.10.21 -> fe1
# 198.18.1.11 of samples/inventory.conf.
#
#   privileges   conformd -i rp1 -u conformd with --db and --eve: in
#                /proc/PID/task/*/status, CapEff and CapPrm are
#                CAP_NET_RAW|CAP_NET_ADMIN (0x3000) in the capture
#                threads (comm "capture") and 0 in every other one (main,
#                worker x2, store, output, checkpoint); they used to be
#                0x3000 in all of them.
#   max-flows    max-flows 1000000 is the process's: what a second worker
#                adds to the daemon's RSS (the flow tables are touched at
#                start) is its rings, as with max-flows 1000, plus at most
#                a quarter of one worker's 1M-flow table (it used to be a
#                whole second table);
#                -T refuses max-flows 1073741825 (2^30 + 1), which a run
#                refuses too (it used to accept up to 4294967295).
#   NFLOG        a second conformd on an NFLOG group the first holds says
#                the group is bound by another listener (it used to say
#                "Operation not permitted (needs root or CAP_NET_ADMIN)"
#                as root); --nflog 7 --nflog 7 says it is given twice.
#   SIGTERM x2   with 600,000 flows in the table, SIGTERM drains them
#                (every record written: measured, more than a second); a
#                second SIGTERM 0.3 s after the first ends the process
#                within a second (exit by SIGTERM); the database passes
#                integrity_check, every complete EVE line parses, and the
#                next run in that database closes the killed run as
#                interrupted (status -1, its end the time of its last
#                commit) and leaves every EVE line whole.
#
# Needs root; skips (exit 77, with the reason) otherwise.  Bounded: a
# daemon gets 60 s to start (a loaded machine is slow to), a watchdog ends
# the whole after 300 s.  FAULTS_DAEMON_KEEP=1 keeps the work directory.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name faults-daemon

lib_need_root "network namespaces and live capture"
lib_need_tools ip sqlite3 python3 timeout
conformd=${CONFORMD:-$top_builddir/conformd}
[ -x "$conformd" ] || lib_error "$conformd not built"
"$conformd" --help 2>&1 | grep -q -- '-i IFACE' || lib_skip "$conformd has no live capture"

NS=cfq-$$
T0=$SECONDS
PIDS=()
W=$(mktemp -d /tmp/cfq-daemon.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p
	kill "$LIB_WATCHDOG" 2>/dev/null
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "${FAULTS_DAEMON_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "faults-daemon: work directory kept: $W"
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

USER_=conformd
if ! id "$USER_" >/dev/null 2>&1; then
	PATH="$PATH:/usr/sbin:/sbin" useradd --system --no-create-home --shell /usr/sbin/nologin \
	    "$USER_" >/dev/null 2>&1 || USER_=nobody
fi
chmod 0755 "$W"
mkdir "$W/out" && chown "$USER_" "$W/out" || lib_error "cannot make an output directory for $USER_"

cat >"$W/live.conf" <<EOF
rules $top_srcdir/rules/lync2013.rules
inventory $top_srcdir/samples/inventory.conf
timeout udp 600
stats-interval 0
EOF

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

now_ms() {
	date +%s%3N
}

# start NAME ARGS...: conformd in the namespace; sets PID (empty on failure).
start() {
	local name=$1
	shift
	ip netns exec "$NS" "$conformd" -c "$W/live.conf" "$@" >"$W/$name.out" 2>"$W/$name.err" \
	    </dev/null &
	PID=$!
	PIDS+=("$PID")
	lib_wait_for 60 eval 'grep -qs "capturing on" "$W/$name.err" || ! lib_alive "$PID"'
	grep -qs 'capturing on' "$W/$name.err" || PID=
}

# stop PID: SIGTERM, 60 s at most; sets RC.
stop() {
	kill -TERM "$1" 2>/dev/null
	lib_wait_for 60 eval '! lib_alive "$1"' || kill -KILL "$1" 2>/dev/null
	wait "$1"
	RC=$?
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# udp N SPORT DPORT: N one-datagram UDP flows client1 -> fe1 (source ports
# and client addresses varied: N distinct flows).
udp() {
	ip netns exec "$NS" python3 - "$@" <<'EOF'
import socket, struct, sys
n, sp0, dp = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
S = socket.inet_aton("198.18.1.11")
MC, MS = b"\x02\x00\x00\x00\x00\x21", b"\x02\x00\x00\x00\x00\x11"
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rp0", 0))
per = 65536 - sp0
for i in range(n):
    C = socket.inet_aton("198.18.10.%d" % (20 + i // per))
    sp = sp0 + i % per
    u = struct.pack("!HHHH", sp, dp, 8 + 32, 0) + b"conformd-faults-daemon".ljust(32, b".")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0x4000, 64, 17, 0, C, S)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(MS + MC + b"\x08\x00" + ip + u)
EOF
}

# --- privileges ---------------------------------------------------------------------------
echo "== the capture threads keep CAP_NET_RAW and CAP_NET_ADMIN, no other thread does"
start caps -i rp1 -u "$USER_" --workers 2 --db "$W/out/caps.db" --eve "$W/out/caps.eve"
if [ -n "$PID" ]; then
	D=$PID
	sleep 0.5	# the output and checkpoint threads start with the run
	ncap=0 nother=0 bad= list=
	for t in /proc/"$D"/task/*; do
		name=$(cat "$t/comm")
		eff=$(awk '/^CapEff:/ { print $2 }' "$t/status")
		prm=$(awk '/^CapPrm:/ { print $2 }' "$t/status")
		list="$list $name=$eff"
		if [ "$name" = capture ]; then
			ncap=$((ncap + 1))
			[ "$eff" = 0000000000003000 ] && [ "$prm" = 0000000000003000 ] ||
				bad="$bad $name:$prm/$eff"
		else
			nother=$((nother + 1))
			[ "$eff" = 0000000000000000 ] && [ "$prm" = 0000000000000000 ] ||
				bad="$bad $name:$prm/$eff"
		fi
	done
	echo "  threads (comm=CapEff):$list"
	if [ "$ncap" -ge 1 ] && [ "$nother" -ge 5 ] && [ -z "$bad" ]; then
		lib_pass "CapEff/CapPrm 0x3000 in the $ncap capture thread, 0 in the $nother others"
	else
		lib_failed "capabilities: $ncap capture threads, $nother others, wrong:$bad"
	fi
	check_eq "no inheritable or ambient capabilities in any thread" \
	    "$(awk '/^Cap(Inh|Amb):/ && $2 != "0000000000000000" { n++ } END { print n + 0 }' /proc/"$D"/task/*/status)" 0
	stop "$D"
	[ "$RC" -le 1 ] && lib_pass "it stops cleanly (exit $RC)" || lib_failed "exit $RC: $(tail -2 "$W/caps.err")"
else
	lib_failed "conformd -u $USER_ did not start: $(head -3 "$W/caps.err")"
fi

# --- max-flows -------------------------------------------------------------------------------
echo "== max-flows is the process's, not each worker's"
declare -A RSS
cp "$W/live.conf" "$W/mf-1000000.conf"
printf 'max-flows 1000\n' | cat "$W/live.conf" - >"$W/mf-1000.conf"
for mf in 1000 1000000; do
	for w in 1 2; do
		ip netns exec "$NS" "$conformd" -c "$W/mf-$mf.conf" -i rp1 -u root --workers "$w" \
		    >"$W/mem.out" 2>"$W/mem.err" </dev/null &
		PID=$!
		PIDS+=("$PID")
		# The table of a million flows is touched before capturing starts
		# (huge pages, madvised): under memory pressure the kernel may
		# compact for each one, so a start is given minutes, not seconds;
		# what is checked is the memory, not how fast it came.
		if lib_wait_for 240 eval 'grep -qs "capturing on" "$W/mem.err" || ! lib_alive "$PID"' &&
		    grep -qs 'capturing on' "$W/mem.err"; then
			sleep 0.5
			RSS[$mf.$w]=$(rss_kib "$PID")
			stop "$PID"
		else
			if lib_alive "$PID"; then
				state="still starting after 240 s"
			else
				wait "$PID"
				state="exit status $?"
			fi
			lib_failed "max-flows $mf, --workers $w did not start ($state): $(head -3 "$W/mem.err")"
		fi
	done
done
echo "  RSS (KiB): max-flows 1000: ${RSS[1000.1]:-?} (1 worker), ${RSS[1000.2]:-?} (2);" \
    "max-flows 1000000: ${RSS[1000000.1]:-?} (1), ${RSS[1000000.2]:-?} (2)"
if [ -n "${RSS[1000000.2]:-}" ] && [ -n "${RSS[1000.2]:-}" ]; then
	table=$((RSS[1000000.1] - RSS[1000.1]))		# one worker's 1M-flow table
	rings=$((RSS[1000.2] - RSS[1000.1]))		# what a worker costs besides
	extra=$((RSS[1000000.2] - RSS[1000000.1] - rings))
	if [ "$extra" -le $((table / 4)) ]; then
		lib_pass "a second worker adds its rings ($rings KiB) and $extra KiB of flow table, not a second table ($table KiB)"
	else
		lib_failed "a second worker adds $extra KiB of flow table beyond its rings ($rings KiB); one table is $table KiB"
	fi
fi
printf 'rules %s\ninventory %s\nmax-flows 1073741825\n' "$top_srcdir/rules/lync2013.rules" \
    "$top_srcdir/samples/inventory.conf" >"$W/big.conf"
"$conformd" -T -c "$W/big.conf" >"$W/big.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'max-flows must be a number from 1 to 1073741824' "$W/big.out"; then
	lib_pass "-T refuses max-flows 2^30 + 1: $(head -1 "$W/big.out")"
else
	lib_failed "-T with max-flows 2^30 + 1: exit $rc: $(head -2 "$W/big.out")"
fi

# --- NFLOG -----------------------------------------------------------------------------------
echo "== an NFLOG group held by another listener"
if "$conformd" --help 2>&1 | grep -q -- '--nflog'; then
	start nfa --nflog 7 -u root
	if [ -n "$PID" ]; then
		A=$PID
		ip netns exec "$NS" "$conformd" -c "$W/live.conf" --nflog 7 -u root >"$W/nfb.out" \
		    2>"$W/nfb.err" </dev/null &
		B=$!
		PIDS+=("$B")
		lib_wait_for 10 eval '! lib_alive "$B"'
		wait "$B"
		rc=$?
		msg=$(grep -m1 'NFLOG group 7' "$W/nfb.err" | sed 's/^conformd: //')
		if [ "$rc" -eq 2 ] && echo "$msg" | grep -q 'bound by another listener' &&
		    ! grep -q 'needs root' "$W/nfb.err"; then
			lib_pass "the second conformd on group 7, as root: exit 2, \"$msg\""
		else
			lib_failed "the second conformd on group 7: exit $rc, \"$msg\""
		fi
		stop "$A"
	else
		lib_failed "conformd --nflog 7 did not start: $(head -3 "$W/nfa.err")"
	fi
	ip netns exec "$NS" "$conformd" -c "$W/live.conf" --nflog 8 --nflog 8 -u root \
	    >"$W/nfc.out" 2>"$W/nfc.err" </dev/null
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'NFLOG group 8 is given twice' "$W/nfc.err"; then
		lib_pass "--nflog 8 --nflog 8: exit 2, $(grep -m1 'given twice' "$W/nfc.err" | sed 's/^conformd: //')"
	else
		lib_failed "--nflog 8 --nflog 8: exit $rc: $(head -2 "$W/nfc.err")"
	fi
else
	echo "SKIP: NFLOG part: built without NFLOG"
fi

# --- two SIGTERMs ------------------------------------------------------------------------------
echo "== a second SIGTERM stops at once"
NFL=600000
# fill_and_stop NAME SECOND: a daemon, NFL flows to an unexpected port
# (a flow record and a finding each, at the drain), SIGTERM, and with
# SECOND=1 another 0.3 s later; sets RC, DRAIN_MS (first SIGTERM to
# exit) and AFTER_MS (second SIGTERM to exit).
fill_and_stop() {
	local name=$1 second=$2 t1 t2 t3
	rm -f "$W/$name.db"* "$W/$name.eve"
	start "$name" -i rp1 -u root --db "$W/$name.db" --eve "$W/$name.eve"
	[ -n "$PID" ] || { lib_failed "$name: conformd did not start: $(head -3 "$W/$name.err")"; return 1; }
	udp "$NFL" 10000 40001 || lib_failed "$name: sending"
	sleep 1
	t1=$(now_ms)
	kill -TERM "$PID"
	if [ "$second" = 1 ]; then
		sleep 0.3
		t2=$(now_ms)
		kill -TERM "$PID"
	fi
	lib_wait_for 60 eval '! lib_alive "$PID"' || kill -KILL "$PID"
	t3=$(now_ms)
	wait "$PID"
	RC=$?
	DRAIN_MS=$((t3 - t1))
	AFTER_MS=$((t3 - ${t2:-$t1}))
}
if fill_and_stop drain 0; then
	DRAIN1=$DRAIN_MS
	echo "  one SIGTERM: exit $RC after $DRAIN_MS ms, $(q "$W/drain.db" 'SELECT count(*) FROM flows') flows written"
	[ "$DRAIN_MS" -gt 1300 ] ||
		lib_error "the drain took $DRAIN_MS ms: too short to tell a second SIGTERM's effect"
	check_eq "one SIGTERM drains every flow (flows in SQLite = flows.created)" \
	    "$(q "$W/drain.db" 'SELECT count(*) FROM flows')" \
	    "$(q "$W/drain.db" "SELECT value FROM counters WHERE name = 'flows.created'")"
fi
if fill_and_stop twice 1; then
	if [ "$AFTER_MS" -lt 1000 ] && [ "$RC" -eq 143 ]; then
		lib_pass "a second SIGTERM 0.3 s after the first: the process ended $AFTER_MS ms later, killed by SIGTERM (exit $RC; the drain alone took ${DRAIN1:-?} ms)"
	else
		lib_failed "after the second SIGTERM: $AFTER_MS ms to exit, exit status $RC (want < 1000 ms, 143)"
	fi
	check_eq "PRAGMA integrity_check after the second SIGTERM" "$(q "$W/twice.db" 'PRAGMA integrity_check')" ok
	check_eq "the killed run is left open" "$(q "$W/twice.db" 'SELECT quote(ended) FROM runs')" NULL
	check_eq "every complete EVE line parses" "$(python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
for l in lines[:-1]:
    json.loads(l)
print("ok")' "$W/twice.eve" 2>&1 | tail -1)" ok
	# the next run closes the killed one and repairs the EVE file's tail
	"$conformd" -q -c "$W/live.conf" -r "$top_srcdir/samples/lync-site.pcap" \
	    --db "$W/twice.db" --eve "$W/twice.eve" 2>"$W/next.err"
	rc=$?
	[ "$rc" -le 1 ] && lib_pass "the next run in that database: exit $rc" || lib_failed "the next run: exit $rc: $(head -3 "$W/next.err")"
	check_eq "it closes the killed run as interrupted, at its last commit" \
	    "$(q "$W/twice.db" "SELECT r.status, r.ended IS NOT NULL, r.ended_usec = (SELECT value FROM counters c
	        WHERE c.run_id = r.id AND c.name = 'store.last_commit') FROM runs r WHERE id = 1")" "-1|1|1"
	grep -q 'run 1 (started .*) was interrupted' "$W/next.err" &&
		lib_pass "and says so: $(grep -m1 'was interrupted' "$W/next.err" | sed 's/^conformd: //')" ||
		lib_failed "no message about the interrupted run: $(head -3 "$W/next.err")"
	check_eq "every EVE line parses after the next run" "$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    json.loads(l)
print("ok")' "$W/twice.eve" 2>&1 | tail -1)" ok
	"$conformd" --report "$W/twice.db" >"$W/report.txt" 2>&1
	grep -q '1 run interrupted' "$W/report.txt" &&
		lib_pass "--report: $(grep -o '1 run interrupted[^;]*' "$W/report.txt" | head -1)" ||
		lib_failed "--report does not say a run was interrupted: $(head -3 "$W/report.txt")"
fi

echo "faults-daemon: $((SECONDS - T0)) s"
lib_summary
