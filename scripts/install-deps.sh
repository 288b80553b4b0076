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
    libpcap-dev libsqlite3-dev libcunit1-dev libnetfilter-log-dev libgnutls28-dev libcap-ng-dev \
    sqlite3 python3 python3-scapy python3-jsonschema \
    tshark tcpdump tcpreplay iproute2 nftables systemd \
    sip-tester socat openssl curl netcat-openbsd ethtool time mandoc \
    clang libclang-rt-14-dev valgrind libndpi-bin \
    chromium \
    ca-certificates \
    dnsmasq-base krb5-user ldap-utils smbclient snmp nmap swaks bind9-dnsutils
# Packages whose install starts a system service: rsyslog (tests/alerts.sh
# runs its own rsyslogd as a collector) and the flow meters bench/run.sh
# compares against (argus-server, nfdump, softflowd).  In a container
# without an init, starting the service fails the install, so service
# starts are forbidden for this install (policy-rc.d exit 101, see
# invoke-rc.d(8)) unless a policy is already in place.
service_pkgs() {
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	rc=0
	RUNLEVEL=1 apt-get install -y -q --no-install-recommends "$@" || rc=$?
	if [ -n "$policy" ]; then
		rm -f "$policy"
	fi
	return "$rc"
}
if ! PATH="$PATH:/usr/sbin:/sbin" command -v rsyslogd >/dev/null 2>&1; then
	service_pkgs rsyslog
fi
# rsyslog's GnuTLS driver: tests/alerts-tls.sh's collector takes RFC 5425
if ! dpkg -s rsyslog-gnutls >/dev/null 2>&1; then
	service_pkgs rsyslog-gnutls
fi
# The real servers of tests/e2e-realsite.sh's site (Kerberos KDC and
# kpasswd, OpenLDAP, Samba, net-snmp, chrony, coturn), each run by the test
# in its own network namespace with its own files: the packages' services
# are never started.  krb5-config, slapd and samba-common ask questions:
# answer them first (a realm no configuration here uses, no slapd database
# of the package's, samba's smb.conf left alone).
debconf-set-selections <<'SEL'
krb5-config krb5-config/default_realm string EXAMPLE.TEST
krb5-config krb5-config/add_servers_realm string EXAMPLE.TEST
krb5-config krb5-config/add_servers boolean false
krb5-config krb5-config/read_conf boolean true
krb5-config krb5-config/kerberos_servers string
krb5-config krb5-config/admin_server string
krb5-kdc krb5-kdc/debconf boolean false
slapd slapd/no_configuration boolean true
samba-common samba-common/dhcp boolean false
samba-common samba-common/do_debconf boolean false
SEL
service_pkgs krb5-kdc krb5-admin-server slapd samba snmpd chrony coturn
# the benchmark's peers: not needed by the tests, so a failure only warns
service_pkgs argus-server nfdump softflowd ||
	echo "install-deps: warning: argus-server, nfdump or softflowd did not install (bench/run.sh reports them missing)" >&2
