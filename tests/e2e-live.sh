#!/bin/bash
# tests/e2e-live.sh - the live daemon end to end: conformd -i / --nflog
# capturing while real programs talk, in network namespaces (prefix cfl-,
# the site of tests/e2e/site.sh, addresses in 198.18.0.0/15).
#
# Checks, one line each:
#   1. span port: conformd -i br0 in the switch namespace while the site's
#      traffic runs (TLS with socat, curl against openssl s_server, sipp,
#      nc, socat UDP): every flow of tests/e2e/expected.txt is in SQLite
#      with its verdict while the daemon runs, within a few seconds of the
#      traffic's end, and in EVE (flow events; an alert per unexpected one);
#   7. privileges of that daemon and of each of its threads: uid/gid of the
#      target user; CapPrm = CapEff = CAP_NET_RAW|CAP_NET_ADMIN (0x3000) in
#      the capture threads (comm "capture"), 0 in every other thread
#      (main, worker, store, output, checkpoint); nothing inheritable or
#      ambient, no_new_privs;
#   2. reload: fe1 -> 198.18.99.1:80 is unexpected until the inventory makes
#      198.18.99.1 a web farm and SIGUSR2: then expected (T1R11), the earlier
#      records unchanged;
#      a broken inventory: `file:line: message`, the daemon runs on with the
#      previous policy; a second SIGUSR2 while a reload runs is not lost (two
#      reloads logged, the second one's inventory in force);
#   3. SIGTERM: exit 0 although findings were raised (a stop by signal is a
#      success; the log counts them), PRAGMA integrity_check, the run row
#      ended with its status, exactly the TCP/UDP flows the traffic made, the
#      capture counters add up;
#   4. NFLOG: nftables `log group 7` on fe1's interface, conformd --nflog 7
#      in that namespace: the fe1 flows of the site, with the same verdicts
#      and packet counts as tcpdump on the same interface read by -r;
#   5. drops: --buffer-size 1 --ring-slots 2 and a burst of UDP: drops
#      happen and the counters account for every packet (below);
#   6. tcpreplay --topspeed of samples/lync-site.pcap into a veth, conformd
#      -u root on its peer: says it stays root; every packet sent is either
#      received or a kernel drop, received ones are classified or ring
#      drops, and with no drop the flows are those of conformd -r;
#   8. interface loss: the capture veth is deleted and recreated ~2.5 s
#      later: the daemon runs on, reopens, captures the later traffic, and
#      records capture.outages >= 1;
#   9. coverage windows: with coverage-window 5, fe1 reached (on a closed,
#      unexpected port) in two windows is observed in both: its required
#      rules are reported missing once per window.
#
# What the capture counters guarantee (pcap on Linux, TPACKET_V3; NFLOG
# alike), checked in 3, 4, 5 and 6 once the daemon has stopped:
#   capture.received    == packets + capture.ring_drops        (exact)
#   capture.kernel_recv >= capture.received + capture.kernel_drops
# ps_recv counts every packet the socket's filter accepted, the ones the
# kernel dropped for want of buffer included (Linux adds tp_drops into
# tp_packets); equality holds when nothing arrives between the last read
# of the ring and the final statistics at stop (so: a quiet interface).
# Packets lost before the socket (a veth's or the backlog's own drops) are
# in capture.if_drops at best (/proc/net/dev), and not in the others.
#
# Needs root; skips (exit 77, with the reason) otherwise or when a tool is
# missing (tcpreplay only skips part 6).  Bounded: every wait has a
# timeout, the whole runs in under a minute, and a watchdog ends it after
# 150 s.  The daemons run as user
# conformd (created with useradd --system if missing; nobody if that
# fails), so the work directory is theirs.  Environment: top_srcdir,
# top_builddir (set by make check); E2E_KEEP=1 keeps the work directory.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name e2e-live

lib_need_root "network namespaces and live capture"
lib_need_tools ip nft tcpdump socat openssl curl nc sipp sqlite3 python3 timeout ss
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"
"$conformd" --help 2>&1 | grep -q -- '--nflog' || lib_skip "$conformd has no live capture"

. "$top_srcdir/tests/e2e/site.sh"
SITE_NS_PREFIX=cfl-
expected=$top_srcdir/tests/e2e/expected.txt
sample=$top_srcdir/samples/lync-site.pcap
T0=$SECONDS

LIVE_PIDS=()
W=$(mktemp -d /tmp/cfl-live.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p
	kill "$LIB_WATCHDOG" 2>/dev/null
	for p in "${LIVE_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	site_down
	if [ -n "${E2E_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "e2e-live: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The watchdog: TERM to this script after 150 s (its sleep ends with it).
lib_watchdog 150

site_down
if ! ip netns add "${SITE_NS_PREFIX}probe" 2>/dev/null; then
	lib_skip "cannot create network namespaces here"
fi
ip netns del "${SITE_NS_PREFIX}probe"

# The unprivileged user the daemon drops to.
LIVE_USER=conformd
if ! id "$LIVE_USER" >/dev/null 2>&1; then
	PATH="$PATH:/usr/sbin:/sbin" useradd --system --no-create-home --shell /usr/sbin/nologin \
	    "$LIVE_USER" >/dev/null 2>&1 || LIVE_USER=nobody
fi
LIVE_UID=$(id -u "$LIVE_USER")
LIVE_GID=$(id -g "$LIVE_USER")
chown "$LIVE_USER" "$W" && chmod 755 "$W" || lib_error "cannot give $W to $LIVE_USER"

# --- helpers -------------------------------------------------------------------

# One SQL query on database $1, '|' between columns.
q() {
	sqlite3 -batch -noheader -separator '|' "$1" "$2" 2>/dev/null
}

# The value of counter $2 in database $1 (the last run).
counter() {
	q "$1" "SELECT value FROM counters WHERE name = '$2'
	    AND run_id = (SELECT max(id) FROM runs)"
}

# How many lines of log $1 contain $2.
log_count() {
	grep -c -- "$2" "$1" 2>/dev/null
}

# live_start NAME NETNS ARGS...: conformd in namespace NETNS, stderr to
# $W/NAME.err; sets LIVE_PID once it says it is capturing (1 if not in 10 s).
live_start() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$conformd" -c "$W/live.conf" "$@" \
	    >"$W/$name.out" 2>"$W/$name.err" </dev/null &
	LIVE_PID=$!
	LIVE_PIDS+=("$LIVE_PID")
	lib_wait_for 10 eval 'grep -qs "capturing on" "$W/$name.err" || ! lib_alive "$LIVE_PID"'
	if ! grep -qs 'capturing on' "$W/$name.err"; then
		echo "  $name did not start: $(head -3 "$W/$name.err")"
		return 1
	fi
	return 0
}

# live_stop PID: SIGTERM, wait at most 20 s (then SIGKILL); sets LIVE_RC.
live_stop() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	lib_wait_for 20 eval '! lib_alive "$pid"' || kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	LIVE_RC=$?
}

# The expected.txt flows: "PROTO SRC DST DPORT VERDICT" lines.
expected_flows() {
	awk '$1 !~ /^#/ && NF >= 5 { print $1, $2, $3, $4, $5 }' "$expected"
}

# TCP and UDP flows of database $1 as "PROTO SRC DST DPORT VERDICT" lines.
db_flows() {
	q "$1" "SELECT proto, src_ip, dest_ip, dest_port, verdict FROM flows
	    WHERE proto IN ('TCP', 'UDP') ORDER BY id" | tr '|' ' '
}

# Are all lines of file $1 present in database $2 (as many times)?
flows_present() {
	[ -z "$(db_flows "$2" | sort | comm -23 <(sort "$1") -)" ]
}

# The flows of an EVE file: "flow PROTO SRC DST DPORT VERDICT" and
# "alert KIND PROTO SRC DST DPORT" lines.
eve_lines() {
	python3 - "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    c = e.get("conformance", {})
    if e.get("event_type") == "flow":
        print("flow", e["proto"], e["src_ip"], e["dest_ip"], e.get("dest_port", 0), c.get("verdict"))
    elif e.get("event_type") == "alert" and "src_ip" in e:
        print("alert", c.get("verdict"), e["proto"], e["src_ip"], e["dest_ip"], e.get("dest_port", 0))
EOF
}

# HTTP from fe1 to 198.18.99.1 (curl, a socat web server): one TCP flow,
# which the Front End's out rule T1R11 allows only to a web farm.
http_out() {
	site_bg out 10 http-out socat TCP-LISTEN:80,bind=198.18.99.1,reuseaddr \
	    EXEC:"$SITE_WORK/http-200.sh"
	site_wait_listen out tcp 80 || return 1
	site_ns fe1 timeout 5 curl -s --noproxy '*' --interface 198.18.1.11 \
	    -o /dev/null http://198.18.99.1/
}

# How many TCP/UDP flows PROTO SRC DST DPORT database $1 has.
flow_count() {
	q "$1" "SELECT count(*) FROM flows WHERE proto = '$2' AND src_ip = '$3'
	    AND dest_ip = '$4' AND dest_port = $5"
}

# Wait (10 s at most) for the Nth flow of a tuple: flow_wait DB N PROTO SRC DST DPORT.
flow_wait() {
	local db=$1 n=$2 deadline=$((SECONDS + 10))
	shift 2
	while [ "$(flow_count "$db" "$@")" -lt "$n" ]; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
	return 0
}

# The verdict of the newest flow of a tuple: last_verdict DB PROTO SRC DST DPORT.
last_verdict() {
	q "$1" "SELECT verdict FROM flows WHERE proto = '$2' AND src_ip = '$3'
	    AND dest_ip = '$4' AND dest_port = $5 ORDER BY id DESC LIMIT 1"
}

# check_eq WHAT GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1 ($2)"
	else
		lib_failed "$1: got [$2], want [$3]"
	fi
}

# counters_add_up NAME DB: the exact identities, printed with the numbers.
counters_add_up() {
	local name=$1 db=$2 recv pk rd kd kr ifd fl fu
	recv=$(counter "$db" capture.received)
	pk=$(counter "$db" packets)
	rd=$(counter "$db" capture.ring_drops)
	kd=$(counter "$db" capture.kernel_drops)
	kr=$(counter "$db" capture.kernel_recv)
	ifd=$(counter "$db" capture.if_drops)
	# a filtered capture (--filter on NFLOG) also counts what it did not keep
	fl=$(counter "$db" capture.filtered)
	fu=$(counter "$db" capture.unfilterable)
	fl=$((${fl:-0} + ${fu:-0}))
	echo "  $name: kernel_recv $kr, received $recv, classified $pk, ring drops $rd, filtered $fl, kernel drops $kd, interface drops $ifd"
	if [ -n "$recv" ] && [ -n "$pk" ] && [ -n "$rd" ] && [ "$recv" -eq $((pk + rd + fl)) ]; then
		lib_pass "$name: received $recv = classified $pk + ring drops $rd + filtered $fl"
	else
		lib_failed "$name: received [$recv] != classified [$pk] + ring drops [$rd] + filtered [$fl]"
	fi
	if [ -n "$kr" ] && [ -n "$kd" ] && [ "$kr" -ge $((recv + kd)) ]; then
		lib_pass "$name: kernel_recv $kr >= received $recv + kernel drops $kd$([ "$kr" -eq $((recv + kd)) ] && echo ' (equal)')"
	else
		lib_failed "$name: kernel_recv [$kr] < received [$recv] + kernel drops [$kd]"
	fi
}

# The site, its files and the daemon's configuration.
if ! SITE_QUIET=1 site_up "$W/site" >"$W/site-up.log" 2>&1; then
	lib_failed "site setup (see $W/site-up.log)"
	lib_summary
fi
cp "$top_srcdir/rules/lync2013.rules" "$W/" || lib_error "cannot copy the rules"
cp "$top_srcdir/samples/inventory.conf" "$W/inventory.orig" || lib_error "cannot copy the inventory"
cp "$W/inventory.orig" "$W/inventory.conf"
cat >"$W/live.conf" <<'EOF'
# e2e-live: flows end and are written within a few seconds
rules lync2013.rules
inventory inventory.conf
answer-timeout 2
timeout tcp-syn 2
timeout tcp-established 5
timeout tcp-closed 1
timeout udp 2
timeout other 2
EOF
"$conformd" -T -c "$W/live.conf" >/dev/null 2>&1 || lib_error "the test configuration is not valid"

# Write inventory file $1 over inventory.conf atomically (a reload never
# reads half a file).
inventory_set() {
	cp "$1" "$W/inventory.new" && mv -f "$W/inventory.new" "$W/inventory.conf"
}
# 198.18.99.1 (namespace cfl-out) a web farm, a client; a broken one.
{ cat "$W/inventory.orig"; echo "peer out 198.18.99.1 role web-farm"; } >"$W/inventory.farm"
{ cat "$W/inventory.orig"; echo "host out 198.18.99.1 role client"; } >"$W/inventory.client"
{ cat "$W/inventory.orig"; echo "host bad 198.18.99.2 role no-such-role"; } >"$W/inventory.bad"
bad_line=$(wc -l <"$W/inventory.bad")
# The web farm inventory, slow to load (25000 more hosts), so that a
# second SIGUSR2 lands while the first reload runs.
{
	cat "$W/inventory.farm"
	python3 -c 'for i in range(25000): print("host f%d 198.19.%d.%d role client" % (i, i // 250, i % 250 + 1))'
} >"$W/inventory.big"

db=$W/live.db
eve=$W/live.json

# --- 1. span port ------------------------------------------------------------------
echo "== 1. span port: conformd -i br0 while the site talks"
if ! live_start live "${SITE_NS_PREFIX}sw" -i br0 --db "$db" --eve "$eve" \
    $([ "$LIVE_USER" != conformd ] && echo "-u $LIVE_USER"); then
	lib_failed "conformd -i br0 started"
	lib_summary
fi
A=$LIVE_PID
lib_pass "conformd -i br0 started (pid $A)"

# --- 7. privileges, while it runs -------------------------------------------------------
echo "== 7. privileges of the running daemon"
comm=$(cat "/proc/$A/comm" 2>/dev/null)
check_eq "pid $A is conformd" "$comm" conformd
ntask=0
ncap=0
bad=
for st in /proc/"$A"/task/*/status; do
	ntask=$((ntask + 1))
	tid=$(basename "$(dirname "$st")")
	caps=0000000000000000
	if [ "$(cat "/proc/$A/task/$tid/comm")" = capture ]; then
		caps=0000000000003000
		ncap=$((ncap + 1))
	fi
	got=$(awk -v u="$LIVE_UID" -v g="$LIVE_GID" -v c="$caps" '
	    /^Uid:/ { if ($2 != u || $3 != u || $4 != u || $5 != u) print "Uid", $2, $3, $4, $5 }
	    /^Gid:/ { if ($2 != g || $3 != g || $4 != g || $5 != g) print "Gid", $2, $3, $4, $5 }
	    /^Groups:/ { for (i = 2; i <= NF; i++) if ($i != g) print "Groups", $0 }
	    /^CapPrm:/ { if ($2 != c) print "CapPrm", $2 }
	    /^CapEff:/ { if ($2 != c) print "CapEff", $2 }
	    /^CapInh:/ { if ($2 != "0000000000000000") print "CapInh", $2 }
	    /^CapAmb:/ { if ($2 != "0000000000000000") print "CapAmb", $2 }
	    /^NoNewPrivs:/ { if ($2 != "1") print "NoNewPrivs", $2 }' "$st" | tr '\n' ' ')
	[ -n "$got" ] && bad="$bad task $tid: $got;"
done
if [ "$ntask" -ge 4 ] && [ "$ncap" -ge 1 ] && [ -z "$bad" ]; then
	lib_pass "all $ntask threads: uid/gid $LIVE_USER ($LIVE_UID/$LIVE_GID); CapPrm=CapEff=0x3000 (NET_ADMIN, NET_RAW) in the $ncap capture thread(s), 0 in the others; no inheritable/ambient, no_new_privs"
else
	lib_failed "privileges ($ntask threads, want >= 4: capture, worker, store, main; $ncap capture):$bad"
fi
echo "  CapBnd $(awk '/^CapBnd:/ {print $2}' "/proc/$A/status")"

# The traffic of the site, as in e2e-lync.
pushd "$W" >/dev/null || lib_error "cd $W"
t_start=$SECONDS
if SITE_QUIET=1 site_traffic 2>"$W/traffic.log"; then
	lib_pass "site traffic ran ($((SECONDS - t_start)) s)"
else
	lib_failed "site traffic: some of it failed (see $W/site/*.log)"
fi
t_end=$SECONDS
expected_flows >"$W/expected.flows"
if lib_wait_for 12 flows_present "$W/expected.flows" "$db"; then
	lib_pass "all $(wc -l <"$W/expected.flows") flows of expected.txt in SQLite while conformd runs, $((SECONDS - t_end)) s after the traffic"
else
	lib_failed "expected.txt flows not all in SQLite 12 s after the traffic"
fi
db_flows "$db" >"$W/live.flows1"
while read -r proto src dst dport verdict; do
	got=$(awk -v p="$proto" -v s="$src" -v d="$dst" -v dp="$dport" \
	    '$1 == p && $2 == s && $3 == d && $4 == dp { print $5 }' "$W/live.flows1" | tr '\n' ' ')
	check_eq "SQLite: $proto $src -> $dst:$dport" "${got% }" "$verdict"
done <"$W/expected.flows"
# Are the flow events of expected.txt all in EVE?  Sets `missing`.
eve_has_flows() {
	eve_lines "$eve" >"$W/eve.lines1" 2>"$W/eve.err" || return 1
	missing=$(sed 's/^/flow /' "$W/expected.flows" | sort | comm -23 - <(sort "$W/eve.lines1"))
	[ -z "$missing" ]
}
lib_wait_for 5 eve_has_flows
if [ -s "$W/eve.err" ]; then
	lib_failed "EVE is not JSON lines: $(head -2 "$W/eve.err")"
elif [ -z "$missing" ]; then
	lib_pass "EVE: a flow event with its verdict for each flow of expected.txt"
else
	lib_failed "EVE: flow events missing: $(echo "$missing" | tr '\n' ';')"
fi
missing=$(awk '$5 == "unexpected" { print "alert unexpected", $1, $2, $3, $4 }' "$W/expected.flows" |
    sort | comm -23 - <(sort -u "$W/eve.lines1"))
nunexp=$(awk '$5 == "unexpected"' "$W/expected.flows" | wc -l)
if [ -z "$missing" ]; then
	lib_pass "EVE: an unexpected alert for each of the $nunexp violating flows"
else
	lib_failed "EVE: alerts missing: $(echo "$missing" | tr '\n' ';')"
fi

# --- 2. reload ----------------------------------------------------------------------
echo "== 2. SIGUSR2: reload with a changed inventory"
made=$W/made.flows		# every TCP/UDP flow the traffic made, with its verdict
cp "$W/expected.flows" "$made"
http_out >>"$W/http-out.log" 2>&1 || lib_failed "http to 198.18.99.1 (before the reload)"
flow_wait "$db" 1 TCP 198.18.1.11 198.18.99.1 80
check_eq "before: fe1 -> 198.18.99.1:80 (not in the inventory: no web farm)" \
    "$(last_verdict "$db" TCP 198.18.1.11 198.18.99.1 80)" unexpected
echo "TCP 198.18.1.11 198.18.99.1 80 unexpected" >>"$made"
snap_n=$(q "$db" "SELECT max(id) FROM flows")
q "$db" "SELECT * FROM flows WHERE id <= $snap_n" >"$W/snapshot.before"

inventory_set "$W/inventory.farm"
kill -USR2 "$A"
if lib_wait_for 10 grep -q 'reloaded:' "$W/live.err"; then
	lib_pass "SIGUSR2: $(grep -m1 'reloaded:' "$W/live.err" | sed 's/^conformd: //; s/;.*//')"
else
	lib_failed "SIGUSR2: no reload logged: $(tail -3 "$W/live.err")"
fi
http_out >>"$W/http-out.log" 2>&1 || lib_failed "http to 198.18.99.1 (after the reload)"
flow_wait "$db" 2 TCP 198.18.1.11 198.18.99.1 80
check_eq "after: fe1 -> 198.18.99.1:80, now a web farm" \
    "$(q "$db" "SELECT verdict || ' ' || rule_id FROM flows WHERE proto = 'TCP'
    AND src_ip = '198.18.1.11' AND dest_ip = '198.18.99.1' AND dest_port = 80
    ORDER BY id DESC LIMIT 1")" "expected T1R11"
echo "TCP 198.18.1.11 198.18.99.1 80 expected" >>"$made"
q "$db" "SELECT * FROM flows WHERE id <= $snap_n" >"$W/snapshot.after"
if cmp -s "$W/snapshot.before" "$W/snapshot.after"; then
	lib_pass "the $snap_n flow records from before the reload are unchanged"
else
	lib_failed "flow records from before the reload changed (diff $W/snapshot.before $W/snapshot.after)"
fi

echo "== 2. SIGUSR2 with a broken inventory"
inventory_set "$W/inventory.bad"
kill -USR2 "$A"
if lib_wait_for 10 grep -q 'reload failed' "$W/live.err"; then
	lib_pass "broken inventory: $(grep -m1 'reload failed' "$W/live.err" | sed 's/^conformd: //')"
else
	lib_failed "broken inventory: no failed reload logged"
fi
errline=$(grep -m1 "inventory.conf:$bad_line: " "$W/live.err")
if [ -n "$errline" ]; then
	lib_pass "the error names the file and line: $errline"
else
	lib_failed "no 'inventory.conf:$bad_line: message' in the log: $(tail -4 "$W/live.err" | tr '\n' ';')"
fi
if lib_alive "$A"; then lib_pass "conformd still runs"; else lib_failed "conformd died on a broken inventory"; fi
http_out >>"$W/http-out.log" 2>&1 || lib_failed "http to 198.18.99.1 (after the broken reload)"
flow_wait "$db" 3 TCP 198.18.1.11 198.18.99.1 80
check_eq "the previous policy stays: fe1 -> 198.18.99.1:80" \
    "$(last_verdict "$db" TCP 198.18.1.11 198.18.99.1 80)" expected
echo "TCP 198.18.1.11 198.18.99.1 80 expected" >>"$made"

echo "== 2. a second SIGUSR2 while a reload runs"
n_begin=$(log_count "$W/live.err" 'SIGUSR2: reloading')
n_done=$(log_count "$W/live.err" 'reloaded:')
inventory_set "$W/inventory.big"
kill -USR2 "$A"
lib_wait_for 10 eval '[ "$(log_count "$W/live.err" "SIGUSR2: reloading")" -gt "$n_begin" ]'
inventory_set "$W/inventory.client"
kill -USR2 "$A"
mid=$(log_count "$W/live.err" 'reloaded:')
if lib_wait_for 15 eval '[ "$(log_count "$W/live.err" "reloaded:")" -ge $((n_done + 2)) ]'; then
	lib_pass "two SIGUSR2s, two reloads logged$([ "$mid" -eq "$n_done" ] && echo ' (the second arrived mid-reload)')"
else
	lib_failed "two SIGUSR2s: $(($(log_count "$W/live.err" 'reloaded:') - n_done)) reloads logged, want 2"
fi
http_out >>"$W/http-out.log" 2>&1 || lib_failed "http to 198.18.99.1 (after two reloads)"
flow_wait "$db" 4 TCP 198.18.1.11 198.18.99.1 80
check_eq "the second reload's inventory is in force (198.18.99.1 a client): fe1 -> 198.18.99.1:80" \
    "$(last_verdict "$db" TCP 198.18.1.11 198.18.99.1 80)" unexpected
echo "TCP 198.18.1.11 198.18.99.1 80 unexpected" >>"$made"
site_servers_stop
popd >/dev/null || true

# --- 3. SIGTERM ------------------------------------------------------------------------
echo "== 3. SIGTERM"
kill -USR1 "$A"
lib_wait_for 5 grep -q 'received [0-9]*, kernel drops' "$W/live.err" &&
	lib_pass "SIGUSR1: $(grep -m1 'received [0-9]*, kernel drops' "$W/live.err" | sed 's/^conformd: //')" ||
	lib_failed "SIGUSR1: no stats line"
sleep 1
live_stop "$A"
check_eq "conformd exit status after SIGTERM, findings raised (a stop by signal is a success)" "$LIVE_RC" 0
grep -q 'stopped by SIGTERM with [1-9][0-9]* findings\{0,1\} raised: exit status 0' "$W/live.err" &&
	lib_pass "the log counts the findings: $(grep -m1 'stopped by SIGTERM' "$W/live.err" | sed 's/^conformd: //')" ||
	lib_failed "no 'stopped by SIGTERM with N findings raised' in the log"
check_eq "PRAGMA integrity_check" "$(q "$db" 'PRAGMA integrity_check')" ok
check_eq "runs: ended set, status 0" \
    "$(q "$db" "SELECT ended IS NOT NULL AND ended_usec >= started_usec, status, sources FROM runs")" "1|0|-i br0"
extra=$(db_flows "$db" | sort | diff - <(sort "$made") | grep '^[<>]' | tr '\n' ';')
if [ -z "$extra" ]; then
	lib_pass "exactly the $(wc -l <"$made") TCP/UDP flows the traffic made, with their verdicts"
else
	lib_failed "flows differ from what the traffic made (< database, > made): $extra"
fi
other=$(q "$db" "SELECT proto || ' ' || src_ip || ' ' || dest_ip || ' ' || verdict FROM flows
    WHERE proto NOT IN ('TCP', 'UDP') AND NOT (proto = 'IPv6-ICMP' AND verdict = 'unmonitored')")
check_eq "no other flow than ICMPv6 noise" "$other" ""
check_eq "reloads counter (3 good, 1 refused)" "$(counter "$db" reloads)" 3
check_eq "store.records_lost" "$(counter "$db" store.records_lost)" 0
counters_add_up "span" "$db"

# --- 4. NFLOG ------------------------------------------------------------------------
echo "== 4. NFLOG: nftables log group 7 in fe1's namespace"
FE1=${SITE_NS_PREFIX}fe1
if ! ip netns exec "$FE1" nft -f - <<'EOF'
table inet cfl_live {
	chain input { type filter hook input priority 0; policy accept; iifname "eth0" log group 7;
	    iifname "eth0" log group 8; }
	chain output { type filter hook output priority 0; policy accept; oifname "eth0" log group 7;
	    oifname "eth0" log group 8; }
}
EOF
then
	lib_failed "nft: cannot add the log rules"
elif ! live_start nflog "$FE1" --nflog 7 --db "$W/nflog.db" \
    $([ "$LIVE_USER" != conformd ] && echo "-u $LIVE_USER"); then
	if grep -q 'built without NFLOG' "$W/nflog.err"; then
		echo "SKIP: part 4: $(grep -m1 'built without NFLOG' "$W/nflog.err")"
	else
		lib_failed "conformd --nflog 7 started: $(head -3 "$W/nflog.err")"
	fi
else
	B=$LIVE_PID
	lib_pass "conformd --nflog 7 started in $FE1"
	# The same packets to group 8, for a daemon that keeps only TCP
	# (no kernel filter on NFLOG: conformd's capture thread applies it).
	NF8=
	if live_start nflog8 "$FE1" --nflog 8 --filter 'tcp' --db "$W/nflog8.db" \
	    $([ "$LIVE_USER" != conformd ] && echo "-u $LIVE_USER"); then
		NF8=$LIVE_PID
	else
		lib_failed "conformd --nflog 8 --filter tcp started: $(head -3 "$W/nflog8.err")"
	fi
	ip netns exec "$FE1" tcpdump -i eth0 -n -U --immediate-mode -Z root -w "$W/fe1.pcap" \
	    2>"$W/fe1-tcpdump.log" &
	TD=$!
	lib_wait_for 5 grep -q 'listening on' "$W/fe1-tcpdump.log"
	pushd "$W" >/dev/null || lib_error "cd $W"
	SITE_QUIET=1 site_traffic 2>>"$W/traffic.log" || lib_failed "site traffic (NFLOG run)"
	popd >/dev/null || true
	awk '$2 == "198.18.1.11" || $3 == "198.18.1.11"' "$W/expected.flows" >"$W/fe1.flows"
	lib_wait_for 12 flows_present "$W/fe1.flows" "$W/nflog.db"
	kill -INT "$TD"
	wait "$TD"
	if [ -n "$NF8" ]; then
		awk '$1 == "TCP"' "$W/fe1.flows" >"$W/fe1-tcp.flows"
		lib_wait_for 12 flows_present "$W/fe1-tcp.flows" "$W/nflog8.db"
		live_stop "$NF8"
	fi
	live_stop "$B"
	check_eq "conformd --nflog exit status after SIGTERM, findings raised" "$LIVE_RC" 0
	extra=$(db_flows "$W/nflog.db" | sort | diff - <(sort "$W/fe1.flows") | grep '^[<>]' | tr '\n' ';')
	if [ -z "$extra" ]; then
		lib_pass "NFLOG: exactly the $(wc -l <"$W/fe1.flows") TCP/UDP flows of fe1 the traffic made, with their verdicts"
	else
		lib_failed "NFLOG: flows differ from the traffic's (< nflog, > made): $extra"
	fi
	"$conformd" -q -c "$W/live.conf" -r "$W/fe1.pcap" --db "$W/fe1-r.db" >/dev/null 2>&1
	cols="proto, src_ip, dest_ip, dest_port, verdict, pkts_toserver, pkts_toclient"
	diffs=$(diff <(q "$W/nflog.db" "SELECT $cols FROM flows WHERE proto IN ('TCP','UDP')" | sort) \
	    <(q "$W/fe1-r.db" "SELECT $cols FROM flows WHERE proto IN ('TCP','UDP')" | sort) |
	    grep '^[<>]' | tr '\n' ';')
	if [ -z "$diffs" ]; then
		lib_pass "NFLOG: same flows and packets each way as tcpdump on fe1's eth0 read by -r"
	else
		lib_failed "NFLOG vs tcpdump -r (< nflog, > tcpdump): $diffs"
	fi
	counters_add_up "nflog" "$W/nflog.db"
	check_eq "nflog: kernel drops" "$(counter "$W/nflog.db" capture.kernel_drops)" 0
	if [ -n "$NF8" ]; then
		extra=$(db_flows "$W/nflog8.db" | sort | diff - <(sort "$W/fe1-tcp.flows") |
		    grep '^[<>]' | tr '\n' ';')
		if [ -z "$extra" ]; then
			lib_pass "NFLOG --filter tcp: exactly the $(wc -l <"$W/fe1-tcp.flows") TCP flows of fe1, no other"
		else
			lib_failed "NFLOG --filter tcp: flows differ from fe1's TCP flows (< nflog8, > made): $extra"
		fi
		check_eq "NFLOG --filter tcp: no flow but TCP" \
		    "$(q "$W/nflog8.db" "SELECT count(*) FROM flows WHERE proto <> 'TCP'")" 0
		fl8=$(counter "$W/nflog8.db" capture.filtered)
		udp7=$(q "$W/nflog.db" "SELECT coalesce(sum(pkts_toserver + pkts_toclient), 0)
		    FROM flows WHERE proto <> 'TCP'")
		if [ -n "$fl8" ] && [ "$fl8" -ge "$udp7" ] && [ "$udp7" -gt 0 ]; then
			lib_pass "NFLOG --filter tcp: $fl8 packets filtered out, at least the $udp7 non-TCP packets group 7 saw"
		else
			lib_failed "NFLOG --filter tcp: capture.filtered [$fl8], non-TCP packets of group 7 [$udp7]"
		fi
		counters_add_up "nflog --filter tcp" "$W/nflog8.db"
	fi
fi
ip netns exec "$FE1" nft delete table inet cfl_live 2>/dev/null

# --- 5. drops ------------------------------------------------------------------------
echo "== 5. drops: --buffer-size 1 --ring-slots 2, a burst of UDP"
if live_start drops "${SITE_NS_PREFIX}sw" -i br0 --db "$W/drops.db" --buffer-size 1 --ring-slots 2 \
    $([ "$LIVE_USER" != conformd ] && echo "-u $LIVE_USER"); then
	C=$LIVE_PID
	sent=$(site_ns client1 timeout 20 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.10.21", 50040))
n = 0
for i in range(20000):
    try:
        s.sendto(b"x" * 200, ("198.18.10.22", 50030))
        n += 1
    except OSError:
        pass
print(n)')
	echo "  sent $sent datagrams"
	sleep 1.5	# quiet, so that the kernel counters settle
	live_stop "$C"
	[ "$LIVE_RC" -le 1 ] && lib_pass "conformd stopped (exit $LIVE_RC)" ||
		lib_failed "conformd exit $LIVE_RC: $(tail -3 "$W/drops.err")"
	rd=$(counter "$W/drops.db" capture.ring_drops)
	kd=$(counter "$W/drops.db" capture.kernel_drops)
	if [ -n "$rd" ] && [ $((rd + kd)) -gt 0 ]; then
		lib_pass "drops happened: ring $rd, kernel $kd"
	else
		lib_failed "no drops with a tiny buffer and ring (ring [$rd], kernel [$kd])"
	fi
	counters_add_up "drops" "$W/drops.db"
	grep -q "$rd ring drops" "$W/drops.err" && lib_pass "the summary reports the drops" ||
		lib_failed "the summary does not report $rd ring drops: $(grep capture: "$W/drops.err")"
else
	lib_failed "conformd --buffer-size 1 --ring-slots 2 started: $(head -3 "$W/drops.err")"
fi

# --- 6. tcpreplay ----------------------------------------------------------------------
RP=${SITE_NS_PREFIX}rp
# A namespace with a veth pair rp0 -> rp1 and nothing else on it.
rp_link() {
	ip -n "$RP" link add rp0 type veth peer name rp1 &&
	    ip -n "$RP" link set rp0 up && ip -n "$RP" link set rp1 up
}
ip netns add "$RP" && ip netns exec "$RP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null && rp_link ||
	lib_error "cannot make the veth namespace"

echo "== 6. tcpreplay --topspeed of the sample into a veth (conformd -u root)"
if ! command -v tcpreplay >/dev/null 2>&1; then
	echo "SKIP: part 6 needs tcpreplay (scripts/install-deps.sh installs it)"
elif live_start replay "$RP" -i rp1 -u root --db "$W/replay.db"; then
	D=$LIVE_PID
	grep -q 'running as root, as told' "$W/replay.err" &&
		lib_pass "-u root: $(grep -m1 'running as root' "$W/replay.err" | sed 's/^conformd: //')" ||
		lib_failed "-u root: no message that it stays root"
	uids=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' /proc/"$D"/task/*/status | sort -u | tr '\n' ' ')
	check_eq "-u root: every thread's uids" "$uids" "0000 "
	"$conformd" -q -c "$W/live.conf" -r "$sample" --db "$W/ref.db" >/dev/null 2>&1
	npk=$(tcpdump -nr "$sample" 2>/dev/null | wc -l)
	ip netns exec "$RP" timeout 20 tcpreplay -i rp0 --topspeed "$sample" >"$W/tcpreplay.log" 2>&1
	tsent=$(awk '/Successful packets:/ { print $3 }' "$W/tcpreplay.log")
	check_eq "tcpreplay sent every packet of the sample" "$tsent" "$npk"
	nref=$(q "$W/ref.db" "SELECT count(*) FROM flows")
	lib_wait_for 10 eval '[ "$(q "$W/replay.db" "SELECT count(*) FROM flows")" -ge "$nref" ]'
	live_stop "$D"
	[ "$LIVE_RC" -le 1 ] && lib_pass "conformd stopped (exit $LIVE_RC)" ||
		lib_failed "conformd exit $LIVE_RC: $(tail -3 "$W/replay.err")"
	counters_add_up "replay" "$W/replay.db"
	recv=$(counter "$W/replay.db" capture.received)
	kd=$(counter "$W/replay.db" capture.kernel_drops)
	rd=$(counter "$W/replay.db" capture.ring_drops)
	check_eq "replay: received + kernel drops = packets sent" "$((recv + kd))" "$tsent"
	grep 'capture:' "$W/replay.err" | sed 's/^/  summary: /'
	cols="proto, src_ip, dest_ip, dest_port, verdict, pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient"
	if [ $((kd + rd)) -eq 0 ]; then
		diffs=$(diff <(q "$W/replay.db" "SELECT $cols FROM flows" | sort) \
		    <(q "$W/ref.db" "SELECT $cols FROM flows" | sort) | grep '^[<>]' | tr '\n' ';')
		if [ -z "$diffs" ]; then
			lib_pass "replay: no drop, the same $nref flows (tuples, verdicts, packets, bytes) as conformd -r"
		else
			lib_failed "replay vs -r (< live, > -r): $diffs"
		fi
	else
		echo "  replay: drops ($kd kernel, $rd ring): flows not compared with -r"
	fi
else
	lib_failed "conformd -i rp1 -u root started: $(head -3 "$W/replay.err")"
fi

# --- 8. interface loss --------------------------------------------------------------------
echo "== 8. interface loss: the capture veth deleted and recreated"
# send_udp SPORT N: N UDP frames 198.18.201.1:SPORT -> 198.18.201.2:40000 out of rp0.
send_udp() {
	ip netns exec "$RP" python3 - "$1" "$2" <<'EOF'
import socket, struct, sys
sport, n = int(sys.argv[1]), int(sys.argv[2])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
payload = b"conformd-e2e-live"
udp = struct.pack("!HHHH", sport, 40000, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("198.18.201.1"), socket.inet_aton("198.18.201.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rp0", 0))
for i in range(n):
    s.send(eth + ip + udp)
EOF
}
if live_start loss "$RP" -i rp1 --db "$W/loss.db" $([ "$LIVE_USER" != conformd ] && echo "-u $LIVE_USER"); then
	E=$LIVE_PID
	send_udp 41001 5 || lib_failed "send before the loss"
	flow_wait "$W/loss.db" 1 UDP 198.18.201.1 198.18.201.2 40000
	t_loss=$SECONDS
	ip -n "$RP" link del rp0
	lib_wait_for 5 grep -q 'rp1: capture failed' "$W/loss.err" &&
		lib_pass "the loss is logged: $(grep -m1 'rp1: capture failed' "$W/loss.err" | sed 's/^conformd: //')" ||
		lib_failed "no capture failure logged: $(tail -2 "$W/loss.err")"
	sleep 2.5
	if lib_alive "$E"; then lib_pass "conformd runs on without its interface"; else lib_failed "conformd died with its interface"; fi
	rp_link || lib_failed "cannot recreate the veth"
	if lib_wait_for 12 grep -q 'rp1: capture reopened' "$W/loss.err"; then
		lib_pass "reopened $((SECONDS - t_loss)) s after the loss: $(grep -m1 'rp1: capture reopened' "$W/loss.err" | sed 's/^conformd: //')"
	else
		lib_failed "no reopen within 12 s: $(tail -3 "$W/loss.err")"
	fi
	send_udp 41002 5 || lib_failed "send after the loss"
	if lib_wait_for 8 eval '[ -n "$(q "$W/loss.db" "SELECT 1 FROM flows WHERE src_port = 41002")" ]'; then
		lib_pass "traffic after the reopen is captured (flow from port 41002)"
	else
		lib_failed "no flow from port 41002 after the reopen"
	fi
	live_stop "$E"
	[ "$LIVE_RC" -le 1 ] && lib_pass "conformd stopped (exit $LIVE_RC)" ||
		lib_failed "conformd exit $LIVE_RC: $(tail -3 "$W/loss.err")"
	out=$(counter "$W/loss.db" capture.outages)
	if [ -n "$out" ] && [ "$out" -ge 1 ]; then
		lib_pass "capture.outages $out, capture.outage_ms $(counter "$W/loss.db" capture.outage_ms)"
	else
		lib_failed "capture.outages [$out], want >= 1"
	fi
	check_eq "both sides of the outage in SQLite (pkts per flow)" \
	    "$(q "$W/loss.db" "SELECT src_port || ':' || pkts_toserver FROM flows WHERE proto = 'UDP' ORDER BY id" | tr '\n' ' ')" \
	    "41001:5 41002:5 "
else
	lib_failed "conformd -i rp1 started: $(head -3 "$W/loss.err")"
fi

# --- 9. coverage windows ------------------------------------------------------------------
# coverage-window 5: a connection to fe1's closed port 7000 (unexpected:
# it proves no rule) in the first window, and again once that window has
# been judged.  Each flow observes fe1 in its window, so each window finds
# fe1's required rules missing: the missing finding of fe1/T1R3 counts 2.
# A worker that did not observe fe1 again in the second window (it sends a
# host's observation once per window) would leave fe1 unobserved there,
# and the count at 1.
echo "== 9. coverage windows: fe1 observed in two windows"
{ cat "$W/live.conf"; echo "coverage-window 5"; } >"$W/win.conf"
miss_fe1() {
	q "$W/win.db" "SELECT coalesce(sum(count), 0) FROM findings WHERE kind = 'missing'
	    AND host = 'fe1' AND rule_id = 'T1R3'"
}
if live_start win "${SITE_NS_PREFIX}sw" -c "$W/win.conf" -i br0 --db "$W/win.db" \
    $([ "$LIVE_USER" != conformd ] && echo "-u $LIVE_USER"); then
	F=$LIVE_PID
	refused() {	# a TCP connection from client1 to fe1:7000, refused (RST)
		site_ns client1 timeout 3 bash -c "exec 3<>/dev/tcp/198.18.1.11/7000" 2>/dev/null
		return 0
	}
	refused
	if lib_wait_for 15 eval '[ "$(miss_fe1)" = 1 ]'; then
		lib_pass "window 1 judged: fe1/T1R3 missing once"
	else
		lib_failed "window 1: fe1/T1R3 missing [$(miss_fe1)], want 1 within 15 s"
	fi
	refused
	lib_wait_for 10 eval '[ "$(q "$W/win.db" "SELECT count(*) FROM flows WHERE dest_ip = '"'198.18.1.11'"'
	    AND dest_port = 7000")" = 2 ]' || lib_failed "the second connection's flow was not written"
	live_stop "$F"
	check_eq "window 2 (closed at stop): fe1 observed again, fe1/T1R3 missing twice" "$(miss_fe1)" 2
	check_eq "two refused flows to fe1:7000, unexpected" \
	    "$(q "$W/win.db" "SELECT count(*) || ' ' || group_concat(DISTINCT verdict) FROM flows
	    WHERE dest_ip = '198.18.1.11' AND dest_port = 7000")" "2 unexpected"
else
	lib_failed "conformd with coverage-window 5 started: $(head -3 "$W/win.err")"
fi

echo "e2e-live: $((SECONDS - T0)) s"
lib_summary
