#!/bin/bash
# tests/e2e-realsite.sh - end to end on a real site: a Lync Server 2013 pool,
# Director, Mediation and Edge Servers, with the domain controllers, SQL
# back end, Exchange, file share, monitoring and jump host a real site
# runs, in network namespaces (tests/e2e/realsite.sh), real programs making
# the traffic, captured with tcpdump on the span bridge, judged by
# `conformd -r` with the shipped packs and README's example configuration
# for such a site (tests/e2e/realsite.conf).
#
# Checks, one line each (tests/e2e/realsite-check.py against
# tests/e2e/realsite-expected.txt):
#   - the traffic ran: every client program succeeded, tcpdump lost nothing;
#   - the configuration loads (conformd -T);
#   - the conforming capture: each intended flow is in it, its exchange
#     complete (tshark); conformd exits 0; every flow has its verdict
#     (expected, or unmonitored for browsing the internet), no other flow;
#     no finding at all; no coverage cell missing or unobserved, the rows
#     of undeployed features (PSTN, E9-1-1, web farm) not applicable;
#   - the whole capture (conforming, then planted violations): conformd
#     exits 1; every planted violation is found where it was planted
#     (clients to SQL 1433, a client to a Front End's SMB share, a client
#     to the Director's 8057, a server's SMTP to the internet, an nmap SYN
#     scan of a Front End: one scan finding, its 1,024 probes folded into
#     it, no unexpected or blocked finding of their own), and nothing else
#     is;
#   - tests/e2e/tshark-compare.py on both: flows against tshark's
#     conversations (frames and bytes each way), EVE flow events against
#     the database;
#   - the whole capture's report as an HTML page, in headless Chromium
#     (tests/report-browser.sh): its cells against the coverage rows;
#   - conformd --discover on the conforming capture (the first hour): the
#     draft's roles, pools and VIP, and the verdicts it gives both captures,
#     as the hand-written inventory's (tests/discover/lib.sh); on the whole
#     capture, the Director that answers 8057 shown as what its traffic
#     shows, the Director commented out as the alternative.
# Skips (exit 77, with the reason) when not root or a tool is missing.
# Environment: top_srcdir, top_builddir (set by make check); E2E_KEEP=1
# keeps the work directory.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name e2e-realsite

lib_need_root "network namespaces"
. "$top_srcdir/tests/e2e/realsite.sh"
# shellcheck disable=SC2086  # a list of words
lib_need_tools $RS_TOOLS tshark sqlite3
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"
expected=$top_srcdir/tests/e2e/realsite-expected.txt
config=$top_srcdir/tests/e2e/realsite.conf
check=$top_srcdir/tests/e2e/realsite-check.py

E2E_WORK=$(mktemp -d /tmp/cfr-e2e.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	rs_down
	if [ -n "${E2E_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "e2e-realsite: work directory kept: $E2E_WORK"
	else
		rm -rf "$E2E_WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "${RS_PREFIX}probe" 2>/dev/null; then
	lib_skip "cannot create network namespaces here"
fi
ip netns del "${RS_PREFIX}probe"

conform=$E2E_WORK/conform.pcap
violations=$E2E_WORK/violations.pcap
whole=$E2E_WORK/whole.pcap

# Run a python checker; count its ok:/FAIL: lines as ours.
run_checker() {
	local out=$1 rc
	shift
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	LIB_PASSED=$((LIB_PASSED + $(grep -c '^ok:' "$out")))
	LIB_FAILED=$((LIB_FAILED + $(grep -c '^FAIL:' "$out")))
	if [ $rc -gt 1 ] || { [ $rc -eq 1 ] && ! grep -q '^FAIL:' "$out"; }; then
		lib_failed "$*: exit $rc"
	fi
}

# 0. the configuration, and what -T -v says was loaded: the packs, the
# site's rules with their tickets, which features the site deploys
# (stdout and stderr apart: the canonical print is block-buffered, the
# "configuration OK" line on stderr may land inside one of its lines)
if "$conformd" -T -v -c "$config" >"$E2E_WORK/config.out" 2>"$E2E_WORK/config.err"; then
	lib_pass "conformd -T -v: $config loads"
else
	lib_failed "conformd -T -v: $config: $(head -5 "$E2E_WORK/config.err")"
fi
for want in '^pack lync2013 ' '^pack edge-internal ' '^pack dependencies ' \
    '^rule SITE-RDP .*source "CHG-1001 ' '^rule SITE-SNMP .*source "CHG-1002 ' \
    '^rule SITE-SCOM .*source "CHG-1003 ' '^# feature pstn: not deployed' \
    '^# feature e911: not deployed' '^# feature web-farm: not deployed' \
    '^# feature external-access: deployed (host edge1)' '^# feature xmpp: deployed'; do
	lib_check "conformd -T -v prints /$want/" grep -q -- "$want" "$E2E_WORK/config.out"
done

# 1. the site, its traffic, the two captures
t0=$(date +%s)
if RS_QUIET=1 rs_run "$conform" "$violations" "$E2E_WORK/site"; then
	lib_pass "site: traffic ran, every program succeeded, tcpdump dropped nothing ($RS_TIMES)"
else
	lib_failed "site: $RS_FAILED failures (logs in $E2E_WORK/site/log): $(grep -h '^FAILED' "$E2E_WORK"/site/log/client-*.log | head -5)"
fi
rs_down
t1=$(date +%s)
mergecap -a -w "$whole" "$conform" "$violations" || lib_error "mergecap failed"

# 2. the conforming part
run_checker "$E2E_WORK/capture-conform.out" python3 "$check" "$expected" --hosts "$RS_HOSTS" \
    --part conform --cap "$conform"
timeout 120 "$conformd" -c "$config" -r "$conform" --db "$E2E_WORK/conform.db" \
    --eve "$E2E_WORK/conform.eve" --coverage >"$E2E_WORK/conform.out" 2>"$E2E_WORK/conform.err"
rc=$?
if [ $rc -eq 0 ]; then
	lib_pass "conformd -r conforming capture: exit 0"
else
	lib_failed "conformd -r conforming capture: exit $rc, want 0: $(head -5 "$E2E_WORK/conform.err")"
fi
if [ -s "$E2E_WORK/conform.db" ]; then
	run_checker "$E2E_WORK/db-conform.out" python3 "$check" "$expected" --hosts "$RS_HOSTS" \
	    --part conform --db "$E2E_WORK/conform.db"
	run_checker "$E2E_WORK/compare-conform.out" python3 "$top_srcdir/tests/e2e/tshark-compare.py" \
	    "$conform" "$E2E_WORK/conform.db" --eve "$E2E_WORK/conform.eve"
else
	lib_failed "conformd wrote no database for the conforming capture"
fi

# 3. the whole capture: conforming, then the planted violations
run_checker "$E2E_WORK/capture-whole.out" python3 "$check" "$expected" --hosts "$RS_HOSTS" \
    --part whole --cap "$whole"
timeout 120 "$conformd" -c "$config" -r "$whole" --db "$E2E_WORK/whole.db" \
    --eve "$E2E_WORK/whole.eve" --coverage >"$E2E_WORK/whole.out" 2>"$E2E_WORK/whole.err"
rc=$?
if [ $rc -eq 1 ]; then
	lib_pass "conformd -r whole capture: exit 1 (findings)"
else
	lib_failed "conformd -r whole capture: exit $rc, want 1: $(head -5 "$E2E_WORK/whole.err")"
fi
if [ -s "$E2E_WORK/whole.db" ]; then
	run_checker "$E2E_WORK/db-whole.out" python3 "$check" "$expected" --hosts "$RS_HOSTS" \
	    --part whole --db "$E2E_WORK/whole.db"
	run_checker "$E2E_WORK/compare-whole.out" python3 "$top_srcdir/tests/e2e/tshark-compare.py" \
	    "$whole" "$E2E_WORK/whole.db" --eve "$E2E_WORK/whole.eve"
else
	lib_failed "conformd wrote no database for the whole capture"
fi
# 4. the whole capture's report as one HTML page, checked as written and in
# headless Chromium (tests/report-browser.sh): its not-applicable cells and
# the planted violations' findings among them
if [ -s "$E2E_WORK/whole.db" ]; then
	. "$top_srcdir/tests/report-browser.sh"
	report_browser_check report "$E2E_WORK" "" "$E2E_WORK/whole.db"
fi

# 5. conformd --discover (tests/discover/lib.sh): the conforming capture is
# the site's first hour: the draft from it holds every server's role, the
# pool and its VIP, and judges the whole capture (violations too) as the
# hand-written inventory does.  The whole capture has a Director that
# answers 8057 (a planted violation): discovered from it, that host is
# what its traffic shows (a Front End's port: the superset wins), at low
# confidence, the Director written as the alternative with the port that
# makes the difference.
. "$top_srcdir/tests/discover/lib.sh"
if discover realsite "$config" "$conform"; then
	has realsite "	vip 198.18.1.10"
	has realsite "	load-balancing hardware"
	has realsite "	cms fe1"
	has realsite "host dir1 198.18.2.11 role director"
	has realsite "host ei1 198.18.5.11 role edge-internal"
	has realsite "peer mon1 198.18.30.11 role monitoring"
	has realsite "peer jh1 198.18.30.21 role jump-host"
	has realsite "deploy xmpp"
	has realsite "network clients 198.18.10.0/24 role client"
	has_re realsite "the internet host is listed, commented" '^#host unk[0-9]+ 198\.18\.99\.1 role '
	same realsite "$config" "$conform"
	same realsite:realsite-whole "$config" "$whole"
fi
if discover misconfigured "$config" "$whole"; then
	has_re misconfigured "the Director answering 8057 as a Front End" \
	    '^host [a-z]+[0-9]+ 198\.18\.2\.11 role front-end$'
	has_re misconfigured "the Director written as the alternative" \
	    '^#host [a-z]+[0-9]+ 198\.18\.2\.11 role director$'
	has_re misconfigured "the conflict commented" 'but it does not accept tcp/8057, which this host does'
	if grep -A3 -E '^# [a-z]+[0-9]+ 198\.18\.2\.11: front-end:' "$E2E_WORK/misconfigured/draft.conf" |
	    tr '\n' ' ' | grep -q 'confidence *\(# *\)*low'; then
		lib_pass "misconfigured: draft: at low confidence"
	else
		lib_failed "misconfigured: draft: 198.18.2.11 not at low confidence"
	fi
fi
t2=$(date +%s)
echo "e2e-realsite: site and captures $((t1 - t0)) s, checks $((t2 - t1)) s"

lib_summary
