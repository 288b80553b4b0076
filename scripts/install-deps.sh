#!/bin/sh
# Install everything conformd needs to build, test and benchmark on Debian 12.
# Idempotent; run as root.  Used by the README's first command and by .ci/run.
set -eu
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer before it asks.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends \
    build-essential autoconf automake libtool pkg-config \
    libpcap-dev libsqlite3-dev libcunit1-dev libnetfilter-log-dev \
    sqlite3 python3 \
    tshark tcpdump tcpreplay iproute2 nftables systemd \
    sip-tester socat openssl curl netcat-openbsd ethtool time mandoc \
    clang libclang-rt-14-dev valgrind \
    ca-certificates
# rsyslog: tests/alerts.sh starts its own rsyslogd as a collector.  Its
# package starts the system service on install; in a container without an
# init that fails the install, so forbid service starts for this one
# install (policy-rc.d exit 101, invoke-rc.d(8)) unless a policy is set.
if ! PATH="$PATH:/usr/sbin:/sbin" command -v rsyslogd >/dev/null 2>&1; then
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	rc=0
	RUNLEVEL=1 apt-get install -y -q --no-install-recommends rsyslog || rc=$?
	if [ -n "$policy" ]; then
		rm -f "$policy"
	fi
	[ "$rc" -eq 0 ] || exit "$rc"
fi
