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
    tshark tcpdump iproute2 nftables \
    sip-tester socat openssl curl netcat-openbsd ethtool time mandoc \
    ca-certificates
