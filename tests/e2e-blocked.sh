#!/bin/bash
# tests/e2e-blocked.sh - end to end: required ports that fail (blocked),
# cleartext where TLS is required (protocol_mismatch), required ports never
# seen (missing) and a host never seen (unobserved), made by real programs
# in network namespaces (tests/e2e/blocked-site.sh), captured with tcpdump
# on the span bridge and read back by `conformd -r` with
# tests/e2e/blocked.conf (answer-timeout 2).
#
# Checks, one line each, on the SQLite database (exact kind, rule and an
# evidence substring) and on the EVE alerts:
#   blocked: SYNs dropped (S0), RST (REJ), ICMP admin-prohibited (TCP) and
#     port unreachable (UDP), their ICMPv6 equivalents, ICMP host
#     unreachable from a router, request/response UDP (1434, 3478) with no
#     answer; nothing else is blocked; a SYN to an unexpected port with no
#     answer stays `unexpected`, its failure on the flow;
#   protocol_mismatch: SIP (sipp) in cleartext on 5061, HTTP (curl) in
#     cleartext on 443; nothing else;
#   conforming flows beside them (TLS on 5061 and 443, an answered SQL
#   Browser, HTTPS through the router): expected, no failure, no finding;
#   missing: a required Front End port never in the capture (fe1 T1R6
#     5062), none for a port that was answered; a host with no traffic at
#     all (dir1): one `missing` finding, evidence "unobserved", its coverage
#     rows unobserved;
#   tests/e2e/tshark-compare.py: flows against tshark's conversations;
#   the site's report as an HTML page, in headless Chromium
#     (tests/report-browser.sh): its cells against the coverage rows.
# Skips (exit 77, with the reason) when not root or a tool is missing.
# Environment: top_srcdir, top_builddir (set by make check); E2E_KEEP=1
# keeps the work directory.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name e2e-blocked

lib_need_root "network namespaces"
lib_need_tools ip nft tcpdump tshark socat openssl curl nc sipp sqlite3 python3 timeout ss
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"

. "$top_srcdir/tests/e2e/blocked-site.sh"
config=$top_srcdir/tests/e2e/blocked.conf

E2E_WORK=$(mktemp -d /tmp/cfb-e2e.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	site_down
	if [ -n "${E2E_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "e2e-blocked: work directory kept: $E2E_WORK"
	else
		rm -rf "$E2E_WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

site_down
if ! ip netns add "${SITE_NS_PREFIX}probe" 2>/dev/null; then
	lib_skip "cannot create network namespaces here"
fi
if ! ip netns exec "${SITE_NS_PREFIX}probe" nft list tables >/dev/null 2>&1; then
	ip netns del "${SITE_NS_PREFIX}probe"
	lib_skip "nftables does not work in a network namespace here"
fi
ip netns del "${SITE_NS_PREFIX}probe"

cap=$E2E_WORK/blocked-site.pcap
db=$E2E_WORK/flows.db
eve=$E2E_WORK/eve.json

# 1. the site and its traffic
if SITE_QUIET=1 blocked_run "$cap" "$E2E_WORK/site"; then
	lib_pass "site: traffic ran, capture $(stat -c %s "$cap") bytes"
else
	lib_failed "site: some traffic failed (logs in $E2E_WORK/site)"
fi
site_down

# 2. conformd on the capture
timeout 60 "$conformd" -c "$config" -r "$cap" --db "$db" --eve "$eve" --coverage=hosts \
    >"$E2E_WORK/conformd.out" 2>"$E2E_WORK/conformd.err"
rc=$?
if [ $rc -eq 1 ]; then
	lib_pass "conformd -r: exit 1 (findings)"
else
	lib_failed "conformd -r: exit $rc, want 1 (findings): $(head -5 "$E2E_WORK/conformd.err")"
fi
if [ ! -s "$db" ]; then
	lib_failed "conformd wrote no database"
	lib_summary
fi

# One SQL query, '|' between columns.
q() {
	sqlite3 -batch -noheader -separator '|' "$db" "$1"
}

# A string as an SQL literal.
sql_str() {
	printf "'%s'" "${1//\'/\'\'}"
}

# finding KIND PROTO SRC DST DPORT RULE EVIDENCE: exactly one finding of that
# kind for that flow tuple, with that rule, its evidence containing EVIDENCE.
finding() {
	local kind=$1 proto=$2 src=$3 dst=$4 dport=$5 rule=$6 ev=$7 what rows
	what="$kind $proto $src -> $dst:$dport $rule \"$ev\""
	rows=$(q "SELECT rule_id, evidence FROM findings WHERE kind = $(sql_str "$kind")
	    AND proto = '$proto' AND src_ip = '$src' AND dest_ip = '$dst' AND dest_port = $dport")
	if [ -z "$rows" ]; then
		lib_failed "$what: no such finding"
	elif [ "$(printf '%s\n' "$rows" | wc -l)" -ne 1 ]; then
		lib_failed "$what: several: $(printf '%s' "$rows" | tr '\n' ';')"
	elif [ "${rows%%|*}" != "$rule" ]; then
		lib_failed "$what: rule ${rows%%|*}"
	elif [[ ${rows#*|} != *"$ev"* ]]; then
		lib_failed "$what: evidence \"${rows#*|}\""
	else
		lib_pass "$what"
	fi
}

# count_is WHAT WANT SQL: the query's single number is WANT.
count_is() {
	local what=$1 want=$2 got
	got=$(q "$3")
	if [ "$got" = "$want" ]; then
		lib_pass "$what ($got)"
	else
		lib_failed "$what: got $got, want $want"
	fi
}

# flow PROTO SRC DST DPORT VERDICT FAILURE: one flow with that verdict; its
# failure column contains FAILURE, or is NULL when FAILURE is "-".
flow() {
	local proto=$1 src=$2 dst=$3 dport=$4 verdict=$5 fail=$6 what rows got_fail
	what="flow $proto $src -> $dst:$dport $verdict, failure ${fail/#-/none}"
	rows=$(q "SELECT verdict, coalesce(failure, '-') FROM flows WHERE proto = '$proto'
	    AND src_ip = '$src' AND dest_ip = '$dst' AND dest_port = $dport")
	got_fail=${rows#*|}
	if [ -z "$rows" ]; then
		lib_failed "$what: no such flow"
	elif [ "$(printf '%s\n' "$rows" | wc -l)" -ne 1 ]; then
		lib_failed "$what: several: $(printf '%s' "$rows" | tr '\n' ';')"
	elif [ "${rows%%|*}" != "$verdict" ]; then
		lib_failed "$what: verdict ${rows%%|*}"
	elif { [ "$fail" = - ] && [ "$got_fail" != - ]; } ||
	    { [ "$fail" != - ] && [[ $got_fail != *"$fail"* ]]; }; then
		lib_failed "$what: failure \"$got_fail\""
	else
		lib_pass "$what"
	fi
}

# coverage HOST RULE STATE [EVIDENCE]: the run's coverage row for the pair.
coverage() {
	local host=$1 rule=$2 state=$3 ev=${4:-} what row
	what="coverage $host $rule $state${ev:+ \"$ev\"}"
	row=$(q "SELECT state, coalesce(evidence, '') FROM coverage WHERE host = '$host' AND rule_id = '$rule'")
	if [ -z "$row" ]; then
		lib_failed "$what: no row"
	elif [ "${row%%|*}" != "$state" ]; then
		lib_failed "$what: state ${row%%|*}"
	elif [[ ${row#*|} != *"$ev"* ]]; then
		lib_failed "$what: evidence \"${row#*|}\""
	else
		lib_pass "$what"
	fi
}

c1=198.18.10.21 c2=198.18.10.22 c3=198.18.10.23
fe1=198.18.1.11 fe2=198.19.1.12 fe9=198.19.1.99 rt=198.18.0.1
c1v6=2001:db8:10::21 fe1v6=2001:db8:1::11

# 3. blocked, with the reason
finding blocked TCP $c1 $fe1 5061 T1R3 "no answer to "
ev=$(q "SELECT evidence FROM findings WHERE kind = 'blocked' AND src_ip = '$c1' AND dest_port = 5061 AND dest_ip = '$fe1'")
n=$(printf '%s' "$ev" | sed -n 's/^no answer to \([0-9]*\) SYNs$/\1/p')
if [ -n "$n" ] && [ "$n" -ge 2 ]; then
	lib_pass "blocked S0 counts the retransmissions: \"$ev\""
else
	lib_failed "blocked S0 counts the retransmissions: \"$ev\", want \"no answer to N SYNs\", N >= 2"
fi
finding blocked TCP $c1 $fe1 444 T1R4 "SYN answered by RST"
finding blocked TCP $c1 $fe1 8057 T1R7 "ICMP 3/13 (communication administratively prohibited) from $fe1"
finding blocked UDP $c1 $fe1 1434 T1R1 "ICMP 3/3 (port unreachable) from $fe1"
finding blocked TCP $c1v6 $fe1v6 8058 T1R8 "ICMPv6 1/1 (administratively prohibited) from $fe1v6"
finding blocked UDP $c1v6 $fe1v6 1434 T1R1 "ICMPv6 1/4 (port unreachable) from $fe1v6"
finding blocked TCP $c1 $fe9 5061 T1R3 "ICMP 3/1 (host unreachable) from $rt"
finding blocked UDP $c2 $fe1 1434 T1R1 "no answer"
finding blocked UDP $c2 $rt 3478 T4R5 "no answer"
count_is "blocked: no other finding" 9 "SELECT count(*) FROM findings WHERE kind = 'blocked'"
flow TCP $c1 $fe1 5061 expected "no answer to "
flow TCP $c1 $fe9 5061 expected "ICMP 3/1 (host unreachable) from $rt"
# a SYN nobody answers on a port no rule opens: unexpected, not blocked
flow TCP $c1 $fe1 9 unexpected "no answer to "
finding unexpected TCP $c1 $fe1 9 "" ""

# 4. cleartext where TLS is required
finding protocol_mismatch TCP $c2 $fe1 5061 T1R3 "SIP INVITE in cleartext on 5061"
finding protocol_mismatch TCP $c2 $fe1 443 T1R19 "HTTP GET in cleartext on 443"
count_is "protocol_mismatch: no other finding" 2 "SELECT count(*) FROM findings WHERE kind = 'protocol_mismatch'"

# 5. the conforming flows beside them
flow TCP $c3 $fe1 5061 expected -
flow TCP $c3 $fe1 443 expected -
flow UDP $c3 $fe1 1434 expected -
flow TCP $c3 $fe2 443 expected -
count_is "conforming: no finding from $c3 (TLS 5061, HTTPS 443, SQL Browser, HTTPS via the router)" 0 \
    "SELECT count(*) FROM findings WHERE src_ip = '$c3'"
coverage fe1 T1R3 seen
coverage fe1 T1R19 seen
coverage fe2 T1R19 seen
coverage fe1 T1R4 blocked "SYN answered by RST"
coverage fe1 T1R7 blocked "ICMP 3/13"
coverage fe9 T1R3 blocked "host unreachable"

# 6. missing and unobserved
count_is "missing fe1 T1R6 TCP 5062 \"no successful flow\"" 1 \
    "SELECT count(*) FROM findings WHERE kind = 'missing' AND host = 'fe1' AND rule_id = 'T1R6'
     AND proto = 'TCP' AND dest_port = 5062 AND src_ip = '' AND evidence LIKE 'no successful flow%'"
coverage fe1 T1R6 missing
count_is "no missing finding for fe1 UDP 1434 (answered: T1R1 and its duplicate T1R38)" 0 \
    "SELECT count(*) FROM findings WHERE kind = 'missing' AND host = 'fe1' AND proto = 'UDP' AND dest_port = 1434"
count_is "dir1 (no traffic): exactly one finding" 1 "SELECT count(*) FROM findings WHERE host = 'dir1'"
count_is "dir1: it is missing, evidence \"unobserved...\", no rule" 1 \
    "SELECT count(*) FROM findings WHERE host = 'dir1' AND kind = 'missing'
     AND evidence LIKE 'unobserved%' AND coalesce(rule_id, '') = ''"
count_is "dir1: coverage rows, every one unobserved (or not applicable: the web farm rows)" "yes" \
    "SELECT CASE WHEN count(*) > 0 AND sum(state = 'unobserved') > 0
     AND sum(state IN ('unobserved', 'not-applicable')) = count(*) THEN 'yes'
     ELSE count(*) || ' rows, ' || sum(state = 'unobserved') || ' unobserved' END
     FROM coverage WHERE host = 'dir1'"
count_is "fe9 (one failed attempt) is not unobserved" 0 \
    "SELECT count(*) FROM findings WHERE host = 'fe9' AND evidence LIKE 'unobserved%'"
count_is "missing findings are dated within the capture" 0 \
    "SELECT count(*) FROM findings WHERE kind = 'missing'
     AND first_seen_usec < (SELECT min(first_usec) FROM flows)"
if grep -q '^dir1 *?' "$E2E_WORK/conformd.out"; then
	lib_pass "--coverage matrix: dir1 shown unobserved (?)"
else
	lib_failed "--coverage matrix: no \"dir1 ?\" line in $E2E_WORK/conformd.out"
fi

# 7. every blocked, protocol_mismatch and unobserved finding is an EVE alert
q "SELECT kind, src_ip, dest_ip, dest_port, evidence FROM findings
   WHERE kind IN ('blocked', 'protocol_mismatch') OR host = 'dir1'" >"$E2E_WORK/findings.txt"
if python3 - "$eve" "$E2E_WORK/findings.txt" >"$E2E_WORK/eve-check.out" 2>&1 <<'EOF'
import json, sys
alerts = set()
with open(sys.argv[1]) as f:
    for line in f:
        e = json.loads(line)
        if e.get("event_type") != "alert":
            continue
        c = e.get("conformance", {})
        alerts.add((c.get("verdict"), e.get("src_ip", ""), e.get("dest_ip", ""),
                    str(e.get("dest_port", 0)), c.get("evidence", "")))
bad = 0
with open(sys.argv[2]) as f:
    for line in f:
        kind, src, dst, dport, ev = line.rstrip("\n").split("|", 4)
        if (kind, src, dst, dport, ev) not in alerts:
            print("no EVE alert for", kind, src, dst, dport, ev)
            bad += 1
sys.exit(1 if bad else 0)
EOF
then
	lib_pass "eve: an alert (verdict, tuple, evidence) for each of $(wc -l <"$E2E_WORK/findings.txt") blocked, protocol_mismatch and unobserved findings"
else
	lib_failed "eve: $(tr '\n' ';' <"$E2E_WORK/eve-check.out")"
fi

# 8. counters against tshark's conversation tables, and EVE flows against the database
python3 "$top_srcdir/tests/e2e/tshark-compare.py" "$cap" "$db" --eve "$eve" >"$E2E_WORK/compare.out" 2>&1
rc=$?
cat "$E2E_WORK/compare.out"
LIB_PASSED=$((LIB_PASSED + $(grep -c '^ok:' "$E2E_WORK/compare.out")))
LIB_FAILED=$((LIB_FAILED + $(grep -c '^FAIL:' "$E2E_WORK/compare.out")))
if [ $rc -gt 1 ] || { [ $rc -eq 1 ] && ! grep -q '^FAIL:' "$E2E_WORK/compare.out"; }; then
	lib_failed "tshark-compare: exit $rc"
fi

# 9. the site's report as one HTML page, checked as written and in headless
# Chromium with the network off: each heatmap cell the database's coverage
# row of its host and rule, one findings row per finding, a screenshot
. "$top_srcdir/tests/report-browser.sh"
report_browser_check report "$E2E_WORK" "" "$db"

lib_summary
