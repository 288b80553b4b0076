#!/bin/bash
# tests/e2e-discover.sh - `conformd --discover` on the project's end-to-end
# sites: the Lync site of tests/e2e/site.sh and the blocked site of
# tests/e2e/blocked-site.sh, each in network namespaces of its own, real
# programs making its traffic: the flows of its own test (e2e-lync.sh,
# e2e-blocked.sh) and its first hour of ordinary traffic (site_hour,
# blocked_hour), captured on the span bridge.  The real site's discovery
# is checked in tests/e2e-realsite.sh, on its own captures.
#
# Checks, per site, one line each:
#   - the traffic ran;
#   - conformd --discover -c (the site's configuration) -r CAPTURE writes a
#     draft; the configuration its header gives, with the draft as the
#     inventory, passes `conformd -T`;
#   - the draft's pools, VIP and balancing, collocation, CMS holder, client
#     networks and media range, as the site's inventory has them;
#   - tests/discover/compare.py, the capture judged with the hand-written
#     inventory and with the draft: the roles of every server, VIP and
#     peer address, the pools and their VIPs, every flow's verdict and
#     rule, every finding, every coverage cell: the same;
#   - the Lync site live: conformd --discover -i on the span bridge beside
#     tcpdump, stopped by SIGTERM, writes the same statements.
# The blocked site's inventory names two addresses no machine answers on
# (fe9 198.19.1.99 behind the router, dir1 198.18.2.11): nothing to
# discover there, so they are left out of the comparison (--except) and
# the draft lists 198.19.1.99 among the addresses that never answered.
# Skips (exit 77, with the reason) when not root or a tool is missing.
# Environment: top_srcdir, top_builddir (set by make check); E2E_KEEP=1
# keeps the work directory.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name e2e-discover

lib_need_root "network namespaces"
lib_need_tools ip nft tcpdump socat openssl curl nc sipp sqlite3 python3 timeout ss
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"
# shellcheck source=tests/discover/lib.sh
. "$top_srcdir/tests/discover/lib.sh"

. "$top_srcdir/tests/e2e/site.sh"
lync_hosts=$SITE_HOSTS	# blocked-site.sh empties it for its own hosts
. "$top_srcdir/tests/e2e/blocked-site.sh"
E2E_WORK=$(mktemp -d /tmp/cfy-e2e.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	site_down
	if [ -n "${E2E_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "e2e-discover: work directory kept: $E2E_WORK"
	else
		rm -rf "$E2E_WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces of our own: this test may run beside e2e-lync and e2e-blocked.
SITE_NS_PREFIX=cfy$$-
if ! ip netns add "${SITE_NS_PREFIX}probe" 2>/dev/null; then
	lib_skip "cannot create network namespaces here"
fi
ip netns del "${SITE_NS_PREFIX}probe"

# 1. the Lync site: samples/inventory.conf by hand
cap=$E2E_WORK/lync.pcap
SITE_HOSTS=$lync_hosts
mkdir -p "$E2E_WORK/live"
site_down
SITE_QUIET=1 site_up "$E2E_WORK/lync-site" || lib_error "the Lync site cannot be built"
site_capture_start "$cap" || lib_error "tcpdump did not start"
# beside tcpdump, a live discovery on the same span port, stopped by SIGTERM
ip netns exec "${SITE_NS_PREFIX}sw" "$conformd" --discover -c "$top_srcdir/samples/conformd.conf" \
    -i br0 --discover-time 600 -u root -o "$E2E_WORK/live/draft.conf" 2>"$E2E_WORK/live/err" &
live=$!
sleep 2
if SITE_QUIET=1 site_traffic && SITE_QUIET=1 site_hour; then
	lib_pass "lync: traffic and the first hour ran"
else
	lib_failed "lync: some traffic failed (logs in $E2E_WORK/lync-site)"
fi
site_capture_stop
sleep 1
kill -TERM "$live"
wait "$live"
rc=$?
site_down
if discover lync "$top_srcdir/samples/conformd.conf" "$cap"; then
	has lync "	load-balancing hardware"
	has lync "	vip 198.18.1.10"
	has lync "	member fe1 198.18.1.11"
	has lync "	member fe2 198.18.1.12"
	has lync "	collocated-mediation yes"
	has lync "	cms fe1"
	has lync "host dir1 198.18.2.11 role director"
	has lync "host med1 198.18.3.11 role mediation"
	has lync "host pc1 198.18.4.11 role persistent-chat"
	has lync "peer pg1 198.18.6.1 role pstn-gateway"
	has lync "peer wf1 198.18.7.1 role web-farm"
	has lync "network clients 198.18.10.0/24,2001:db8:10::/64 role client"
	has lync "client-media-ports 50000-50999"
	has lync "#host unk1 198.18.99.1 role ROLE"
	same lync "$top_srcdir/samples/conformd.conf" "$cap"
	# the live draft: the same statements as the capture's
	if [ $rc -eq 0 ] && grep -q '^# traffic: -i br0 for 600 s' "$E2E_WORK/live/draft.conf" &&
	    diff <(grep -v '^[[:space:]]*#' "$E2E_WORK/lync/draft.conf") \
	    <(grep -v '^[[:space:]]*#' "$E2E_WORK/live/draft.conf") >"$E2E_WORK/live/diff"; then
		lib_pass "lync: live (-i br0, stopped by SIGTERM): exit 0, the same draft as from the capture"
	else
		lib_failed "lync: live discovery: exit $rc: $(head -20 "$E2E_WORK/live/diff" "$E2E_WORK/live/err")"
	fi
fi

# 2. the blocked site: tests/e2e/blocked-inventory.conf by hand
cap=$E2E_WORK/blocked.pcap
SITE_HOSTS=
if SITE_QUIET=1 blocked_hour_run "$cap" "$E2E_WORK/blocked-site"; then
	lib_pass "blocked: traffic and the first hour ran, capture $(stat -c %s "$cap") bytes"
else
	lib_failed "blocked: some traffic failed (logs in $E2E_WORK/blocked-site)"
fi
site_down
if discover blocked "$top_srcdir/tests/e2e/blocked.conf" "$cap"; then
	has blocked "host fe1 198.18.1.11 role front-end"
	has blocked "host fe2 198.19.1.12 role front-end"
	has blocked "network clients 198.18.10.0/24,2001:db8:10::/64 role client"
	if grep -q '^# 198.19.1.99: .* attempt.* on tcp/5061' "$E2E_WORK/blocked/draft.conf"; then
		lib_pass "blocked: the draft lists 198.19.1.99 as never answering"
	else
		lib_failed "blocked: 198.19.1.99 is not among the addresses that never answered"
	fi
	same blocked "$top_srcdir/tests/e2e/blocked.conf" "$cap" -- \
	    --except 198.19.1.99 --except 198.18.2.11
fi

lib_summary
