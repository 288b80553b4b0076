#!/bin/bash
# tests/e2e-lync.sh - end to end: a Lync site in network namespaces, real
# traffic through a bridge used as the span port, captured with tcpdump and
# read back by `conformd -r`.
#
# Checks, one line each:
#   - the traffic ran (every client and server program succeeded);
#   - conformd exits 1 (the site makes unexpected flows, so findings);
#   - each flow of tests/e2e/expected.txt is in the database once, with its
#     verdict (matched on proto, src, dest, dest port: the source port is
#     ephemeral);
#   - no other flow is there, apart from documented noise (ICMPv6 neighbour
#     discovery and MLD, unmonitored; ARP is not IP and makes no flow);
#   - tests/e2e/tshark-compare.py: every tshark TCP/UDP conversation is a
#     flow with the same frames and bytes each way, as many conversations as
#     flows, and the EVE flow events equal the database rows;
#   - the site's report as an HTML page, in headless Chromium
#     (tests/report-browser.sh): its cells against the coverage rows.
# Skips (exit 77, with the reason) when not root or a tool is missing.
# Environment: top_srcdir, top_builddir (set by make check); E2E_KEEP=1
# keeps the work directory.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name e2e-lync

lib_need_root "network namespaces"
lib_need_tools ip tcpdump tshark socat openssl curl nc sipp sqlite3 python3 timeout ss
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"

. "$top_srcdir/tests/e2e/site.sh"
expected=$top_srcdir/tests/e2e/expected.txt
config=$top_srcdir/samples/conformd.conf

E2E_WORK=$(mktemp -d /tmp/cfd-e2e.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	site_down
	if [ -n "${E2E_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "e2e-lync: work directory kept: $E2E_WORK"
	else
		rm -rf "$E2E_WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Can this machine make network namespaces at all (root in a locked-down
# container may not)?
site_down
if ! ip netns add "${SITE_NS_PREFIX}probe" 2>/dev/null; then
	lib_skip "cannot create network namespaces here"
fi
ip netns del "${SITE_NS_PREFIX}probe"

cap=$E2E_WORK/lync-site.pcap
db=$E2E_WORK/flows.db
eve=$E2E_WORK/eve.json

# 1. the site and its traffic
if SITE_QUIET=1 site_run "$cap" "$E2E_WORK/site"; then
	lib_pass "site: traffic ran, capture $(stat -c %s "$cap") bytes"
else
	lib_failed "site: some traffic failed (logs in $E2E_WORK/site)"
fi
site_down

# 2. conformd on the capture
timeout 60 "$conformd" -c "$config" -r "$cap" --db "$db" --eve "$eve" \
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

# 3. every expected flow, once, with its verdict
sqlite3 -batch -noheader -separator ' ' "$db" \
    "SELECT proto, src_ip, dest_ip, dest_port, verdict FROM flows" >"$E2E_WORK/flows.txt" ||
	lib_error "cannot read $db"
while read -r proto src dst dport verdict rest; do
	case $proto in ''|\#*) continue ;; esac
	got=$(awk -v p="$proto" -v s="$src" -v d="$dst" -v dp="$dport" \
	    '$1 == p && $2 == s && $3 == d && $4 == dp { print $5 }' "$E2E_WORK/flows.txt" | tr '\n' ' ')
	got=${got% }
	what="flow $proto $src -> $dst:$dport $verdict"
	if [ "$got" = "$verdict" ]; then
		lib_pass "$what"
	elif [ -z "$got" ]; then
		lib_failed "$what: no such flow"
	else
		lib_failed "$what: got [$got]"
	fi
done <"$expected"

# 4. nothing else but noise
extra=$(awk 'NR == FNR { if ($1 !~ /^#/ && NF >= 5) want[$1 " " $2 " " $3 " " $4] = 1; next }
	($1 == "TCP" || $1 == "UDP") && !(($1 " " $2 " " $3 " " $4) in want) { print "  " $0; next }
	$1 != "TCP" && $1 != "UDP" && !($1 == "IPv6-ICMP" && $5 == "unmonitored") { print "  " $0 }' \
    "$expected" "$E2E_WORK/flows.txt")
nflows=$(wc -l <"$E2E_WORK/flows.txt")
if [ -z "$extra" ]; then
	lib_pass "no flow outside expected.txt but ICMPv6 noise ($nflows flows in all)"
else
	lib_failed "flows not in expected.txt:"
	echo "$extra"
fi

# 5. counters against tshark's conversation tables, and EVE against the database
python3 "$top_srcdir/tests/e2e/tshark-compare.py" "$cap" "$db" --eve "$eve" >"$E2E_WORK/compare.out" 2>&1
rc=$?
cat "$E2E_WORK/compare.out"
LIB_PASSED=$((LIB_PASSED + $(grep -c '^ok:' "$E2E_WORK/compare.out")))
LIB_FAILED=$((LIB_FAILED + $(grep -c '^FAIL:' "$E2E_WORK/compare.out")))
if [ $rc -gt 1 ] || { [ $rc -eq 1 ] && ! grep -q '^FAIL:' "$E2E_WORK/compare.out"; }; then
	lib_failed "tshark-compare: exit $rc"
fi

# 6. the site's report as one HTML page, checked as written and in headless
# Chromium with the network off: each heatmap cell the database's coverage
# row of its host and rule, one findings row per finding, a screenshot
. "$top_srcdir/tests/report-browser.sh"
report_browser_check report "$E2E_WORK" "" "$db"

lib_summary
