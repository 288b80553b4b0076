#!/bin/bash
# tests/e2e/realsite.sh - a real site in network namespaces: a Lync Server
# 2013 Front End pool and the servers beside it, the infrastructure a real
# site runs (domain controllers, SQL back end, Exchange, a file share, a
# monitoring server, an administrators' jump host), clients, and real
# programs making their traffic; two captures taken on a span port, one of
# conforming traffic only, one of planted violations.
#
# Layout (198.18.0.0/15, RFC 2544 benchmarking space; no route out):
#
#   PREFIXsw     Linux bridge br0: the span port, tcpdump listens on it
#   fe1    198.18.1.11   Front End pool member, Central Management store
#   fe2    198.18.1.12   Front End pool member
#   hlb    198.18.1.10   the pool's hardware load balancer VIP
#   dir1   198.18.2.11   Director
#   med1   198.18.3.11   Mediation Server
#   edge1  198.18.5.11   Edge Server, internal interface
#   dc1    198.18.20.11  domain controller: dnsmasq (DNS), krb5kdc and
#   dc2    198.18.20.12    kadmind (Kerberos, kpasswd), slapd (LDAP, LDAPS,
#                          global catalog), smbd (SYSVOL), chronyd (NTP),
#                          socat (RPC endpoint mapper and a dynamic port)
#   sql1   198.18.20.21  SQL Server back end (socat: TDS, SQL Browser)
#   exch1  198.18.20.31  Exchange: EWS and Autodiscover (openssl s_server)
#   fs1    198.18.20.41  file share (smbd)
#   mon1   198.18.30.11  monitoring: snmpget, the SCOM management server
#   jump1  198.18.30.21  administrators' jump host (RDP)
#   client1 198.18.10.21, client2 198.18.10.22   Lync clients
#   out    198.18.99.1   the internet: a web server, an SMTP server
#
# Every Lync server and every monitored host runs snmpd (polled by mon1)
# and answers RDP on 3389 (from jump1).  The site's names are in each
# namespace's hosts file (/etc/netns/NS/, which `ip netns exec` mounts);
# its resolver is dc1 then dc2, where dnsmasq knows the site and
# www.example.net (the outside web server) and nothing else.
#
# The flows and their verdicts are listed in tests/e2e/realsite-expected.txt
# (keep the two in step); tests/e2e/realsite-inventory.conf,
# realsite-site.rules and realsite.conf describe the site to conformd.
#
# Use:
#   realsite.sh --capture DIR   build the site, write DIR/conform.pcap and
#                               DIR/violations.pcap, remove the site
#   realsite.sh --down          remove the namespaces of an earlier run
# or source it and call rs_run CONFORM_PCAP VIOLATIONS_PCAP WORKDIR.
# Needs root, iproute2, tcpdump and the programs named in RS_TOOLS.

RS_PREFIX=${RS_PREFIX:-cfr$$-}
RS_BR=br0
RS_LIFE=${RS_LIFE:-300}	# no server outlives this many seconds
RS_REALM=EXAMPLE.TEST
RS_DOMAIN=example.test
RS_HOSTS="fe1:198.18.1.11 fe2:198.18.1.12 hlb:198.18.1.10 dir1:198.18.2.11
med1:198.18.3.11 edge1:198.18.5.11 dc1:198.18.20.11 dc2:198.18.20.12
sql1:198.18.20.21 exch1:198.18.20.31 fs1:198.18.20.41 mon1:198.18.30.11
jump1:198.18.30.21 client1:198.18.10.21 client2:198.18.10.22 out:198.18.99.1"
# the hosts that run snmpd and answer RDP
RS_MANAGED="fe1 fe2 dir1 med1 edge1 dc1 dc2 sql1 exch1 fs1"
# shellcheck disable=SC2034  # read by tests/e2e-realsite.sh
RS_TOOLS="ip tcpdump mergecap socat openssl curl sipp dnsmasq dig krb5kdc kadmind
kdb5_util kadmin.local kinit kvno kpasswd slapd slapadd ldapsearch smbd smbclient
chronyd snmpd snmpget turnserver turnutils_stunclient swaks nmap python3 timeout ss"
RS_PIDS=()
RS_TCPDUMP_PID=
RS_TCPDUMP_LOG=
RS_MED_SIPP=
RS_WORK=
RS_FAILED=0

PATH=$PATH:/usr/sbin:/sbin

rs_log() {
	[ -n "${RS_QUIET:-}" ] || echo "realsite: $*" >&2
}

# The IPv4 address of host $1.
rs_ip() {
	local spec
	for spec in $RS_HOSTS; do
		[ "${spec%%:*}" = "$1" ] && { echo "${spec#*:}"; return 0; }
	done
	echo "realsite: no host $1" >&2
	return 1
}

# Run a command inside host namespace $1.
rs_ns() {
	local ns=$1
	shift
	ip netns exec "$RS_PREFIX$ns" "$@"
}

# Start a server in host $1 for at most RS_LIFE seconds, output to log $2.
rs_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$RS_PREFIX$ns" timeout "$RS_LIFE" "$@" \
	    </dev/null >>"$RS_WORK/log/$log.log" 2>&1 &
	RS_PIDS+=($!)
}

# Run one client command in host $1 (bounded by 20 s); a failure is logged
# and counted (RS_FAILED), the traffic goes on.  $2: what it does.
rs_run_client() {
	local ns=$1 what=$2
	shift 2
	rs_log "$ns: $what"
	if ! ip netns exec "$RS_PREFIX$ns" timeout 20 "$@" >>"$RS_WORK/log/client-$ns.log" 2>&1; then
		rs_log "FAILED: $ns: $what"
		echo "FAILED: $what: $*" >>"$RS_WORK/log/client-$ns.log"
		RS_FAILED=$((RS_FAILED + 1))
	fi
}

# Kill the servers this run started (by pid) and reap them.
rs_servers_stop() {
	local p
	for p in "${RS_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${RS_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	RS_PIDS=()
	# forked children and daemons' helpers left in the namespaces
	rs_kill_ns_pids
}

# End every process still inside a host namespace of ours (all started
# by this run: the namespaces are ours by construction).
rs_kill_ns_pids() {
	local ns p
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$RS_PREFIX"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
	done
	sleep 0.2
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$RS_PREFIX"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
	done
}

# Wait (at most ~10 s) until host $1 listens on every "proto/port" given.
rs_wait_listen() {
	local ns=$1 want missing
	shift
	for _ in $(seq 100); do
		missing=
		for want in "$@"; do
			local flag=-Hltn
			[ "${want%%/*}" = udp ] && flag=-Hlun
			[ -n "$(rs_ns "$ns" ss $flag "sport = :${want#*/}" 2>/dev/null)" ] || missing="$missing $want"
		done
		[ -z "$missing" ] && return 0
		sleep 0.1
	done
	rs_log "FAILED: $ns does not listen on$missing"
	RS_FAILED=$((RS_FAILED + 1))
	return 1
}

# Remove every namespace of ours and the files `ip netns exec` mounts.
rs_down() {
	local ns
	rs_servers_stop
	if [ -n "$RS_TCPDUMP_PID" ]; then
		kill -INT "$RS_TCPDUMP_PID" 2>/dev/null
		wait "$RS_TCPDUMP_PID" 2>/dev/null
		RS_TCPDUMP_PID=
	fi
	rs_kill_ns_pids
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$RS_PREFIX"); do
		ip netns del "$ns" 2>/dev/null
	done
	case $RS_PREFIX in
	?*-) rm -rf /etc/netns/"$RS_PREFIX"* ;;
	esac
	rmdir /etc/netns 2>/dev/null
	return 0
}

# Segmentation and checksum offloads off, as on a hardware tap.
rs_offloads_off() {
	local ns=$1 dev=$2
	if command -v ethtool >/dev/null 2>&1; then
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1
	fi
	ip -n "$ns" link set dev "$dev" gso_max_size 1500 gro_max_size 1500 2>/dev/null
	ip -n "$ns" link set dev "$dev" gso_max_segs 1 2>/dev/null
	return 0
}

# Build the bridge and the hosts.  $1: work directory.
rs_up() {
	local spec name v4 ns
	RS_WORK=$1
	mkdir -p "$RS_WORK/log" || return 1
	ip netns add "${RS_PREFIX}sw" || return 1
	ip netns exec "${RS_PREFIX}sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "${RS_PREFIX}sw" link add "$RS_BR" type bridge stp_state 0 forward_delay 0 \
	    mcast_snooping 0 || return 1
	ip -n "${RS_PREFIX}sw" link set "$RS_BR" up || return 1
	for spec in $RS_HOSTS; do
		name=${spec%%:*}
		v4=${spec#*:}
		ns=$RS_PREFIX$name
		ip netns add "$ns" || return 1
		# IPv4 only: no IPv6 router solicitations or MLD reports
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		    net.ipv6.conf.all.disable_ipv6=1 >/dev/null
		ip -n "${RS_PREFIX}sw" link add "v$name" type veth peer name eth0 netns "$ns" || return 1
		rs_offloads_off "${RS_PREFIX}sw" "v$name"
		rs_offloads_off "$ns" eth0
		ip -n "${RS_PREFIX}sw" link set "v$name" master "$RS_BR" up || return 1
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$v4/15" dev eth0 || return 1
		ip -n "$ns" link set eth0 up || return 1
		rs_netns_files "$name" "$v4" || return 1
	done
	rs_make_files
}

# /etc/netns/NS/{hosts,resolv.conf}: the site's names, its DNS servers.
rs_netns_files() {
	local name=$1 v4=$2 d=/etc/netns/$RS_PREFIX$1 spec
	mkdir -p "$d" || return 1
	{
		echo "127.0.0.1 localhost"
		# the machine's own name (namespaces share it): programs look it
		# up; answer from this file, not with a query the DNS cannot answer
		echo "$v4 $(uname -n)"
		for spec in $RS_HOSTS; do
			[ "${spec%%:*}" = out ] && continue
			echo "${spec#*:} ${spec%%:*}.$RS_DOMAIN ${spec%%:*}"
		done
		echo "198.18.1.10 fepool.$RS_DOMAIN"
	} >"$d/hosts"
	case $name in
	dc1|dc2) printf 'search %s\nnameserver %s\n' "$RS_DOMAIN" "$v4" ;;
	out) printf 'nameserver 127.0.0.1\n' ;;
	*) printf 'search %s\nnameserver %s\nnameserver %s\noptions timeout:2 attempts:1\n' \
	    "$RS_DOMAIN" "$(rs_ip dc1)" "$(rs_ip dc2)" ;;
	esac >"$d/resolv.conf"
}

# Certificates, responders, requests and the servers' configuration files.
rs_make_files() {
	local w=$RS_WORK
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=*.$RS_DOMAIN" -days 2 \
	    -keyout "$w/key.pem" -out "$w/cert.pem" >/dev/null 2>&1 || return 1
	# A SIP server's answer: read the request up to the blank line, reply.
	cat >"$w/sip-200.sh" <<'EOF'
#!/bin/bash
cseq=
while IFS= read -r -t 5 l; do
	l=${l%$'\r'}
	case $l in CSeq:*) cseq=${l#CSeq: } ;; "") break ;; esac
done
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS client.example.test\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n' "$cseq"
EOF
	# A web server's answer: read the request up to the blank line, reply.
	cat >"$w/http-200.sh" <<'EOF'
#!/bin/bash
while IFS= read -r -t 5 l; do
	l=${l%$'\r'}
	[ -z "$l" ] && break
done
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n'
EOF
	# A binary protocol's answer: read $1 bytes, send file $2.
	cat >"$w/reply.sh" <<'EOF'
#!/bin/bash
head -c "$1" >/dev/null
cat "$2"
EOF
	# SQL Browser (MC-SQLR): a CLNT_UCAST_EX request, an SVR_RESP answer.
	cat >"$w/sql-browser.sh" <<'EOF'
#!/bin/bash
head -c 1 >/dev/null
r='ServerName;SQL1;InstanceName;MSSQLSERVER;IsClustered;No;Version;11.0.2100.60;tcp;1433;;'
printf "\\005\\x$(printf %02x ${#r})\\000%s" "$r"
EOF
	chmod +x "$w"/*.sh
	rs_make_payloads
	rs_make_krb5 || return 1
	rs_make_ldap || return 1
	rs_make_dns
	rs_make_misc
}

# Request and answer bytes of the protocols simulated with socat.
rs_make_payloads() {
	local p=$RS_WORK/payload
	mkdir -p "$p"
	printf 'REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/TLS client.example.test\r\nFrom: <sip:user1@%s>;tag=1\r\nTo: <sip:user1@%s>\r\nCall-ID: realsite-1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n' \
	    "$RS_DOMAIN" "$RS_DOMAIN" "$RS_DOMAIN" >"$p/register.txt"
	# a line protocol inside TLS (PSOM, MTLS control channels): a line, a blank line
	printf 'HELLO realsite\r\n\r\n' >"$p/hello.txt"
	# DCE/RPC bind to the endpoint mapper (MS-RPCE; 72 bytes) and its bind_ack
	printf '\005\000\013\003\020\000\000\000\110\000\000\000\001\000\000\000\320\026\320\026\000\000\000\000\001\000\000\000\000\000\001\000\010\203\257\341\037\135\311\021\221\244\010\000\053\024\240\372\003\000\000\000\004\135\210\212\353\034\311\021\237\350\010\000\053\020\110\140\002\000\000\000' >"$p/rpc-bind.bin"
	printf '\005\000\014\003\020\000\000\000\074\000\000\000\001\000\000\000\320\026\320\026\001\000\000\000\004\000\061\063\065\000\001\000\000\000\000\000\000\000\004\135\210\212\353\034\311\021\237\350\010\000\053\020\110\140\002\000\000\000' >"$p/rpc-ack.bin"
	# TDS PRELOGIN (MS-TDS 2.2.6.5), 47 bytes, and a PRELOGIN answer
	printf '\022\001\000\057\000\000\001\000\000\000\032\000\006\001\000\040\000\001\002\000\041\000\001\003\000\042\000\004\004\000\046\000\001\377\011\000\000\000\000\000\002\000\000\000\000\000\000' >"$p/tds-prelogin.bin"
	printf '\004\001\000\053\000\000\001\000\000\000\032\000\006\001\000\040\000\001\002\000\041\000\001\003\000\042\000\000\004\000\042\000\001\377\013\000\010\064\000\000\002\000' >"$p/tds-answer.bin"
	# RDP: X.224 Connection Request with an RDP negotiation request (MS-RDPBCGR
	# 2.2.1.1), 43 bytes, and a Connection Confirm selecting TLS
	printf '\003\000\000\053\046\340\000\000\000\000\000Cookie: mstshash=admin\r\n\001\000\010\000\003\000\000\000' >"$p/rdp-cr.bin"
	printf '\003\000\000\023\016\320\000\000\022\064\000\002\000\010\000\001\000\000\000' >"$p/rdp-cc.bin"
	# SCOM agent to management server (an opaque heartbeat here), 16 bytes
	printf 'SCOM-HEARTBEAT\r\n' >"$p/scom.bin"
	printf 'ACK\r\n' >"$p/ack.bin"
	# STUN Binding request (RFC 5389), over TCP to the Edge's 443
	printf '\000\001\000\000\041\022\244\102realsite-tcp' >"$p/stun-binding.bin"
	# an RTP packet (RFC 3550), 172 bytes
	printf '\200\000\000\001\000\000\000\240\000\000\000\001%0160d' 0 >"$p/rtp.bin"
	# SQL Browser CLNT_UCAST_EX (MC-SQLR 2.2.2)
	printf '\003' >"$p/sqlb.bin"
	# a file for the shares
	printf '[General]\r\nVersion=1\r\n' >"$p/gpt.ini"
}

# The realm: one KDC database for both domain controllers (each runs its
# own krb5kdc and kadmind on a copy), keytabs for the servers, passwords
# for the users; a krb5.conf per DC and transport for the clients.
rs_make_krb5() {
	local k=$RS_WORK/krb5 dc h t
	mkdir -p "$k/db" || return 1
	echo "*/admin@$RS_REALM *" >"$k/kadm5.acl"
	for dc in dc1 dc2; do
		mkdir -p "$k/$dc"
		cat >"$k/$dc/kdc.conf" <<EOF
[kdcdefaults]
	kdc_listen = $(rs_ip "$dc"):88
	kdc_tcp_listen = $(rs_ip "$dc"):88
[realms]
	$RS_REALM = {
		database_name = $k/$dc/principal
		key_stash_file = $k/$dc/stash
		acl_file = $k/kadm5.acl
		kadmind_listen = $(rs_ip "$dc"):749
		kpasswd_listen = $(rs_ip "$dc"):464
	}
[logging]
	kdc = FILE:$RS_WORK/log/krb5kdc-$dc.log
	admin_server = FILE:$RS_WORK/log/kadmind-$dc.log
EOF
		for t in udp tcp; do
			cat >"$k/krb5-$dc-$t.conf" <<EOF
[libdefaults]
	default_realm = $RS_REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	$([ $t = tcp ] && echo "udp_preference_limit = 1")
[realms]
	$RS_REALM = {
		kdc = $(rs_ip "$dc")
		admin_server = $(rs_ip "$dc")
		kpasswd_server = $(rs_ip "$dc")
	}
EOF
		done
	done
	export KRB5_KDC_PROFILE=$k/dc1/kdc.conf KRB5_CONFIG=$k/krb5-dc1-udp.conf
	kdb5_util create -s -r "$RS_REALM" -P realsite-master >/dev/null 2>&1 || return 1
	for h in fe1 fe2 dir1 med1 edge1 sql1 exch1 fs1 mon1 jump1; do
		kadmin.local -q "addprinc -randkey host/$h.$RS_DOMAIN" >/dev/null 2>&1 || return 1
		kadmin.local -q "ktadd -k $k/$h.keytab host/$h.$RS_DOMAIN" >/dev/null 2>&1 || return 1
	done
	for h in user1 user2; do
		kadmin.local -q "addprinc -pw Realsite-$h-1 $h" >/dev/null 2>&1 || return 1
	done
	unset KRB5_KDC_PROFILE KRB5_CONFIG
	cp "$k/dc1/principal"* "$k/dc1/stash" "$k/dc2/"
}

# OpenLDAP on each DC: the directory, served on 389, 636 (LDAPS), 3268
# (global catalog) and 3269 (global catalog over TLS).
rs_make_ldap() {
	local l=$RS_WORK/ldap dc
	mkdir -p "$l"
	cat >"$l/base.ldif" <<EOF
dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
dc: example
o: Realsite

dn: ou=servers,dc=example,dc=test
objectClass: organizationalUnit
ou: servers

dn: cn=fe1,ou=servers,dc=example,dc=test
objectClass: device
cn: fe1
description: Front End Server

dn: cn=user1,dc=example,dc=test
objectClass: inetOrgPerson
cn: user1
sn: One
mail: user1@example.test
EOF
	for dc in dc1 dc2; do
		mkdir -p "$l/$dc/db"
		cat >"$l/$dc/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $l/$dc/slapd.pid
argsfile $l/$dc/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $RS_WORK/cert.pem
TLSCertificateKeyFile $RS_WORK/key.pem
database mdb
maxsize 10485760
suffix "dc=example,dc=test"
rootdn "cn=admin,dc=example,dc=test"
rootpw realsite
directory $l/$dc/db
access to * by * read
EOF
		slapadd -f "$l/$dc/slapd.conf" -l "$l/base.ldif" >/dev/null 2>&1 || return 1
	done
}

# dnsmasq's view of the site: every host, the pool, SRV records a Lync
# client and a domain member look up, and the outside web server.
rs_make_dns() {
	local spec
	{
		for spec in $RS_HOSTS; do
			[ "${spec%%:*}" = out ] && continue
			echo "${spec#*:} ${spec%%:*}.$RS_DOMAIN"
		done
		echo "198.18.1.10 fepool.$RS_DOMAIN sip.$RS_DOMAIN lyncdiscoverinternal.$RS_DOMAIN"
		echo "$(rs_ip exch1) autodiscover.$RS_DOMAIN"
		echo "$(rs_ip out) www.example.net"
	} >"$RS_WORK/dns-hosts"
}

# smbd, snmpd, chronyd and the clients' files.
rs_make_misc() {
	local w=$RS_WORK h
	printf '[global]\n\tclient min protocol = SMB2_10\n\tdisable netbios = yes\n' >"$w/smbclient.conf"
	for h in $RS_MANAGED; do
		mkdir -p "$w/snmp/$h"
		cat >"$w/snmp/$h/snmpd.conf" <<EOF
agentaddress udp:$(rs_ip "$h"):161
rocommunity realsite-ro $(rs_ip mon1)
sysName $h.$RS_DOMAIN
sysLocation realsite
EOF
	done
	for h in dc1 dc2; do
		cat >"$w/chrony-$h.conf" <<EOF
local stratum 8
allow 198.18.0.0/15
bindaddress $(rs_ip "$h")
port 123
cmdport 0
user root
pidfile $w/chrony-$h.pid
EOF
		cat >"$w/chrony-client-$h.conf" <<EOF
server $(rs_ip "$h") iburst maxsamples 1
cmdport 0
user root
EOF
	done
}

# smbd in host $1 sharing $2 (a share name) from a directory of its own.
rs_smbd() {
	local h=$1 share=$2 d=$RS_WORK/smb/$1
	mkdir -p "$d"/{run,lock,state,cache,private,ncalrpc,binddns,share}
	cp "$RS_WORK/payload/gpt.ini" "$d/share/"
	cat >"$d/smb.conf" <<EOF
[global]
	netbios name = ${h^^}
	workgroup = EXAMPLE
	server role = standalone server
	interfaces = $(rs_ip "$h")
	bind interfaces only = yes
	smb ports = 445
	disable netbios = yes
	map to guest = bad user
	guest account = nobody
	server min protocol = SMB2_10
	pid directory = $d/run
	lock directory = $d/lock
	state directory = $d/state
	cache directory = $d/cache
	private dir = $d/private
	ncalrpc dir = $d/ncalrpc
	binddns dir = $d/binddns
	passdb backend = tdbsam:$d/private/passdb.tdb
	log file = $RS_WORK/log/smbd-$h.%m
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
[$share]
	path = $d/share
	guest ok = yes
	read only = no
	force user = root
EOF
	rs_bg "$h" "smbd-$h" smbd --foreground --no-process-group --configfile="$d/smb.conf" --debug-stdout
}

# socat servers.  rs_tls HOST PORT RESPONDER [mtls]: TLS (mtls: the client
# must present the site's certificate); rs_tcp HOST PORT RESPONDER; rs_udp
# HOST PORT RESPONDER (one child per datagram).
rs_tls() {
	local h=$1 port=$2 resp=$3 verify=0 w=$RS_WORK
	[ "${4:-}" = mtls ] && verify=1
	rs_bg "$h" "tls-$h-$port" socat \
	    "OPENSSL-LISTEN:$port,bind=$(rs_ip "$h"),reuseaddr,fork,cert=$w/cert.pem,key=$w/key.pem,cafile=$w/cert.pem,verify=$verify" \
	    EXEC:"$resp"
}
rs_tcp() {
	rs_bg "$1" "tcp-$1-$2" socat "TCP-LISTEN:$2,bind=$(rs_ip "$1"),reuseaddr,fork" EXEC:"$3"
}
rs_udp() {
	rs_bg "$1" "udp-$1-$2" socat "UDP-RECVFROM:$2,bind=$(rs_ip "$1"),fork" EXEC:"$3"
}
rs_sipp_uas() {
	rs_bg "$1" "sipp-$1-$2" sipp -sn uas -t t1 -i "$(rs_ip "$1")" -p "$2" -nostdin
}

# Clients.  rs_c_tls FROM TO PORT PAYLOAD [mtls]: send a payload in TLS,
# read the answer; rs_c_tcp FROM TO PORT PAYLOAD; rs_c_https FROM TO PORT
# PATH [mtls]; rs_c_sip FROM TO PORT (a sipp call); rs_c_udp FROM TO PORT
# PAYLOAD [SRCPORT] (one datagram, its answer).
rs_c_tls() {
	local from=$1 to=$2 port=$3 pay=$RS_WORK/payload/$4 w=$RS_WORK opt=verify=0
	[ "${5:-}" = mtls ] && opt="cert=$w/cert.pem,key=$w/key.pem,verify=0"
	rs_run_client "$from" "TLS to $to:$port ($4${5:+, $5})" \
	    socat -t 3 - "OPENSSL:$(rs_ip "$to"):$port,bind=$(rs_ip "$from"),$opt" <"$pay"
}
rs_c_tcp() {
	rs_run_client "$1" "TCP to $2:$3 ($4)" \
	    socat -t 3 - "TCP:$(rs_ip "$2"):$3,bind=$(rs_ip "$1")" <"$RS_WORK/payload/$4"
}
rs_c_https() {
	local from=$1 to=$2 port=$3 path=$4 w=$RS_WORK cert=()
	[ "${5:-}" = mtls ] && cert=(--cert "$w/cert.pem" --key "$w/key.pem")
	rs_run_client "$from" "HTTPS to $to:$port$path" \
	    curl -sSf -k --noproxy '*' "${cert[@]}" --interface "$(rs_ip "$from")" -o /dev/null \
	    "https://$to.$RS_DOMAIN:$port$path"
}
rs_c_http() {
	rs_run_client "$1" "HTTP to $2:$3$4" \
	    curl -sSf --noproxy '*' --interface "$(rs_ip "$1")" -o /dev/null "http://$2.$RS_DOMAIN:$3$4"
}
rs_c_sip() {
	rs_run_client "$1" "SIP call (sipp) to $2:$3" \
	    sipp -sn uac -t t1 -i "$(rs_ip "$1")" -m 1 -nostdin -timeout 10 "$(rs_ip "$2"):$3"
}
rs_c_udp() {
	local from=$1 to=$2 port=$3 pay=$RS_WORK/payload/$4 src=
	[ -n "${5:-}" ] && src=:$5
	rs_run_client "$from" "UDP to $to:$port ($4)" \
	    socat -t 0.5 - "UDP:$(rs_ip "$to"):$port,bind=$(rs_ip "$from")$src" <"$pay"
}

# Kerberos from host $1 against DC $2 over $3 (udp|tcp): kinit with the
# host's keytab (an AS exchange), then a service ticket (TGS) with kvno.
rs_c_kinit() {
	local h=$1 dc=$2 t=$3 k=$RS_WORK/krb5
	rs_run_client "$h" "Kerberos AS+TGS to $dc:88/$t" env KRB5_CONFIG="$k/krb5-$dc-$t.conf" \
	    KRB5CCNAME="FILE:$k/cc-$h" sh -c "kinit -k -t $k/$h.keytab host/$h.$RS_DOMAIN &&
	    kvno host/fe1.$RS_DOMAIN"
}
# A user signs in (kinit with a password) on client $1 against DC $2 over
# $3, then changes the password (kpasswd: TCP 464).
rs_c_user() {
	local h=$1 user=$2 dc=$3 t=$4 k=$RS_WORK/krb5
	rs_run_client "$h" "Kerberos sign-in of $user at $dc:88/$t" env KRB5_CONFIG="$k/krb5-$dc-$t.conf" \
	    KRB5CCNAME="FILE:$k/cc-$user" sh -c "echo Realsite-$user-1 | kinit $user"
	rs_run_client "$h" "kpasswd of $user at $dc:464" env KRB5_CONFIG="$k/krb5-$dc-tcp.conf" \
	    KRB5CCNAME="FILE:$k/cc-$user" sh -c "printf 'Realsite-$user-1\nRealsite-$user-2\nRealsite-$user-2\n' | kpasswd $user"
}
# LDAP searches from host $1 against DC $2 on the URLs' ports.
rs_c_ldap() {
	local h=$1 dc=$2 url
	shift 2
	for url in "$@"; do
		rs_run_client "$h" "LDAP search $url" env LDAPTLS_REQCERT=never \
		    ldapsearch -x -LLL -H "${url/DC/$(rs_ip "$dc")}" -b dc=example,dc=test "(cn=fe1)" cn
	done
}
# SMB from host $1 to share $3 on host $2: list it, read a file, (put: write one).
rs_c_smb() {
	local h=$1 to=$2 share=$3 cmd="ls; get gpt.ini /dev/null"
	[ "${4:-}" = put ] && cmd="$cmd; put $RS_WORK/payload/gpt.ini from-$h.ini"
	rs_run_client "$h" "SMB to //$to/$share" smbclient -s "$RS_WORK/smbclient.conf" -N -p 445 \
	    "//$(rs_ip "$to")/$share" -c "$cmd"
}
# DNS queries from host $1 to DC $2 (dig; +tcp with a third argument).
rs_c_dig() {
	local h=$1 dc=$2 tcp=${3:+ +tcp}
	rs_run_client "$h" "DNS SRV and A queries to $dc${tcp}" sh -c \
	    "dig -b $(rs_ip "$h") @$(rs_ip "$dc")$tcp +tries=1 +time=3 -t SRV _ldap._tcp.dc._msdcs.$RS_DOMAIN | grep -q 'status: NOERROR' &&
	     dig -b $(rs_ip "$h") @$(rs_ip "$dc")$tcp +tries=1 +time=3 -t SRV _sipinternaltls._tcp.$RS_DOMAIN | grep -q 'status: NOERROR' &&
	     dig -b $(rs_ip "$h") @$(rs_ip "$dc")$tcp +tries=1 +time=3 fepool.$RS_DOMAIN | grep -q 'status: NOERROR'"
}
rs_c_ntp() {
	rs_run_client "$1" "NTP to $2 (chronyd -Q)" chronyd -Q -t 10 -f "$RS_WORK/chrony-client-$2.conf"
}
# The RPC endpoint mapper on 135, then the dynamic port it handed out.
rs_c_rpc() {
	rs_c_tcp "$1" "$2" 135 rpc-bind.bin
	[ -n "${3:-}" ] && rs_c_tcp "$1" "$2" "$3" rpc-bind.bin
	return 0
}

# Start tcpdump on the span port writing $1; returns once it is attached.
rs_capture_start() {
	local out=$1 log=$RS_WORK/log/tcpdump-${1##*/}.log
	RS_TCPDUMP_LOG=$log
	: >"$log"
	ip netns exec "${RS_PREFIX}sw" tcpdump -i "$RS_BR" -n -U --immediate-mode -B 32768 \
	    -Z root -w "$out" 2>"$log" &
	RS_TCPDUMP_PID=$!
	for _ in $(seq 50); do
		grep -q 'listening on' "$log" && break
		sleep 0.1
	done
	if ! grep -q 'listening on' "$log"; then
		rs_log "tcpdump did not start: $(cat "$log")"
		return 1
	fi
	sleep 0.5
}

rs_capture_stop() {
	sleep 0.5
	[ -n "$RS_TCPDUMP_PID" ] || return 1
	kill -INT "$RS_TCPDUMP_PID"
	wait "$RS_TCPDUMP_PID"
	RS_TCPDUMP_PID=
	# a packet the kernel dropped is a flow the checks would miss
	local dropped
	dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$RS_TCPDUMP_LOG")
	if [ "${dropped:-0}" -ne 0 ]; then
		rs_log "FAILED: tcpdump dropped $dropped packets ($RS_TCPDUMP_LOG)"
		RS_FAILED=$((RS_FAILED + 1))
	fi
	return 0
}

# The servers of the conforming traffic, each on the ports its role
# documents; returns once every one listens.
rs_servers_conform() {
	local w=$RS_WORK h p dc sip_fe="5062 5063 5064 5065 5071 5072 5073 5075 5076"
	local sip_vip="5071 5072 5073 5075 5076"

	# domain controllers
	for dc in dc1 dc2; do
		rs_bg "$dc" "dnsmasq-$dc" dnsmasq --keep-in-foreground --conf-file=/dev/null \
		    --no-resolv --no-hosts --no-poll --bind-interfaces --listen-address="$(rs_ip "$dc")" \
		    --except-interface=lo --addn-hosts="$w/dns-hosts" --local="/$RS_DOMAIN/" \
		    --domain="$RS_DOMAIN" --user=root --pid-file="$w/dnsmasq-$dc.pid" \
		    --srv-host="_ldap._tcp.dc._msdcs.$RS_DOMAIN,dc1.$RS_DOMAIN,389" \
		    --srv-host="_ldap._tcp.dc._msdcs.$RS_DOMAIN,dc2.$RS_DOMAIN,389" \
		    --srv-host="_kerberos._tcp.$RS_DOMAIN,dc1.$RS_DOMAIN,88" \
		    --srv-host="_kerberos._udp.$RS_DOMAIN,dc1.$RS_DOMAIN,88" \
		    --srv-host="_sipinternaltls._tcp.$RS_DOMAIN,fepool.$RS_DOMAIN,5061"
		rs_bg "$dc" "krb5kdc-$dc" env KRB5_KDC_PROFILE="$w/krb5/$dc/kdc.conf" \
		    KRB5_CONFIG="$w/krb5/krb5-$dc-udp.conf" krb5kdc -n -P "$w/krb5/$dc/kdc.pid"
		rs_bg "$dc" "kadmind-$dc" env KRB5_KDC_PROFILE="$w/krb5/$dc/kdc.conf" \
		    KRB5_CONFIG="$w/krb5/krb5-$dc-udp.conf" kadmind -nofork -P "$w/krb5/$dc/kadmind.pid"
		rs_bg "$dc" "slapd-$dc" slapd -f "$w/ldap/$dc/slapd.conf" -d 0 -h \
		    "ldap://$(rs_ip "$dc"):389/ ldaps://$(rs_ip "$dc"):636/ ldap://$(rs_ip "$dc"):3268/ ldaps://$(rs_ip "$dc"):3269/"
		rs_smbd "$dc" sysvol
		rs_bg "$dc" "chronyd-$dc" chronyd -d -x -f "$w/chrony-$dc.conf"
		rs_tcp "$dc" 135 "$w/reply.sh 72 $w/payload/rpc-ack.bin"
		rs_tcp "$dc" 49668 "$w/reply.sh 72 $w/payload/rpc-ack.bin"
	done
	# SQL back end, Exchange, file share, monitoring
	rs_tcp sql1 1433 "$w/reply.sh 47 $w/payload/tds-answer.bin"
	rs_udp sql1 1434 "$w/sql-browser.sh"
	rs_tls exch1 443 "$w/http-200.sh"
	rs_smbd fs1 lync
	rs_tcp mon1 5723 "$w/reply.sh 16 $w/payload/ack.bin"
	# every managed host: snmpd, RDP
	for h in $RS_MANAGED; do
		rs_bg "$h" "snmpd-$h" env SNMP_PERSISTENT_DIR="$w/snmp/$h" MIBS= snmpd -f -C \
		    -c "$w/snmp/$h/snmpd.conf" -Lf "$w/log/snmpd-$h.log" -p "$w/snmp/$h/pid" -I -smux
		rs_tcp "$h" 3389 "$w/reply.sh 43 $w/payload/rdp-cc.bin"
	done
	# Front Ends (table 1)
	for h in fe1 fe2; do
		rs_tls "$h" 5061 "$w/sip-200.sh"
		rs_tls "$h" 444 "$w/http-200.sh" mtls
		rs_tcp "$h" 135 "$w/reply.sh 72 $w/payload/rpc-ack.bin"
		for p in $sip_fe; do
			rs_sipp_uas "$h" "$p"
		done
		for p in 8057 8058; do
			rs_tls "$h" "$p" "$w/http-200.sh"
		done
		for p in 8060 8061 5086 5087 8404; do
			rs_tls "$h" "$p" "$w/http-200.sh" mtls
		done
		rs_tls "$h" 443 "$w/http-200.sh"
		rs_tls "$h" 4443 "$w/http-200.sh"
		rs_tcp "$h" 8080 "$w/http-200.sh"
		rs_tcp "$h" 5080 "$w/reply.sh 16 $w/payload/ack.bin"
		rs_tcp "$h" 448 "$w/reply.sh 16 $w/payload/ack.bin"
		rs_udp "$h" 1434 "$w/sql-browser.sh"
		rs_udp "$h" 58000 cat			# video conferencing media (T1R10)
		rs_udp "$h" 50500 cat			# audio conferencing media (T1R39)
		rs_tcp "$h" 49160 cat			# application sharing (T1R28)
	done
	rs_smbd fe2 config
	# the pool's VIP (table 2)
	rs_tls hlb 5061 "$w/sip-200.sh"
	rs_tls hlb 444 "$w/http-200.sh"
	rs_tcp hlb 135 "$w/reply.sh 72 $w/payload/rpc-ack.bin"
	rs_tcp hlb 80 "$w/http-200.sh"
	rs_tcp hlb 8080 "$w/http-200.sh"
	rs_tls hlb 443 "$w/http-200.sh"
	rs_tls hlb 4443 "$w/http-200.sh"
	for p in $sip_vip; do
		rs_sipp_uas hlb "$p"
	done
	rs_tcp hlb 5080 "$w/reply.sh 16 $w/payload/ack.bin"
	rs_tcp hlb 448 "$w/reply.sh 16 $w/payload/ack.bin"
	# Director
	rs_tls dir1 5061 "$w/sip-200.sh"
	rs_tls dir1 444 "$w/http-200.sh" mtls
	rs_udp dir1 1434 "$w/sql-browser.sh"
	rs_udp dir1 50100 cat
	rs_smbd dir1 config
	# Mediation
	rs_sipp_uas med1 5070
	RS_MED_SIPP=${RS_PIDS[-1]}
	rs_udp med1 1434 "$w/sql-browser.sh"
	rs_udp med1 49500 cat
	rs_smbd med1 config
	# Edge internal interface
	rs_tls edge1 5061 "$w/sip-200.sh" mtls
	rs_tls edge1 5062 "$w/sip-200.sh" mtls
	rs_tls edge1 8057 "$w/http-200.sh" mtls
	rs_tls edge1 4443 "$w/http-200.sh" mtls
	rs_tls edge1 23456 "$w/http-200.sh" mtls
	for p in 50001 50002 50003; do
		rs_tls edge1 "$p" "$w/http-200.sh" mtls
	done
	rs_bg edge1 turn-3478 turnserver -n -S -L "$(rs_ip edge1)" -p 3478 --no-tcp --no-tls --no-dtls \
	    --no-cli --no-tcp-relay --pidfile "$w/turn-3478.pid" -l stdout --simple-log
	rs_bg edge1 turn-443 turnserver -n -S -L "$(rs_ip edge1)" -p 443 --no-udp --no-tls --no-dtls \
	    --no-cli --no-tcp-relay --pidfile "$w/turn-443.pid" -l stdout --simple-log
	# clients: media, application sharing, file transfer; the outside web
	for h in client1 client2; do
		rs_udp "$h" 50010 cat
		rs_tcp "$h" 50030 cat
	done
	rs_tcp client2 6891 cat
	rs_tcp out 80 "$w/http-200.sh"
	rs_bg out https-out openssl s_server -accept "$(rs_ip out):443" -cert "$w/cert.pem" \
	    -key "$w/key.pem" -www -quiet

	for dc in dc1 dc2; do
		rs_wait_listen "$dc" udp/53 tcp/53 udp/88 tcp/88 udp/464 tcp/464 tcp/389 tcp/636 \
		    tcp/3268 tcp/3269 tcp/445 udp/123 tcp/135 tcp/49668 udp/161 tcp/3389
	done
	rs_wait_listen sql1 tcp/1433 udp/1434
	rs_wait_listen exch1 tcp/443
	rs_wait_listen fs1 tcp/445
	rs_wait_listen mon1 tcp/5723
	for h in $RS_MANAGED; do
		rs_wait_listen "$h" udp/161 tcp/3389
	done
	for h in fe1 fe2; do
		# shellcheck disable=SC2046,SC2086  # one word a port
		rs_wait_listen "$h" tcp/5061 tcp/444 tcp/135 $(printf 'tcp/%s ' $sip_fe) tcp/8057 \
		    tcp/8058 tcp/8060 tcp/8061 tcp/5086 tcp/5087 tcp/8404 tcp/443 tcp/4443 tcp/8080 \
		    tcp/5080 tcp/448 udp/1434 udp/58000 udp/50500 tcp/49160
	done
	rs_wait_listen fe2 tcp/445
	# shellcheck disable=SC2046,SC2086  # one word a port
	rs_wait_listen hlb tcp/5061 tcp/444 tcp/135 tcp/80 tcp/8080 tcp/443 tcp/4443 \
	    $(printf 'tcp/%s ' $sip_vip) tcp/5080 tcp/448
	rs_wait_listen dir1 tcp/5061 tcp/444 udp/1434 udp/50100 tcp/445
	rs_wait_listen med1 tcp/5070 udp/1434 udp/49500 tcp/445
	rs_wait_listen edge1 tcp/5061 tcp/5062 tcp/8057 tcp/4443 tcp/23456 tcp/50001 tcp/50002 \
	    tcp/50003 udp/3478 tcp/443
	rs_wait_listen client1 udp/50010 tcp/50030
	rs_wait_listen client2 udp/50010 tcp/50030 tcp/6891
	rs_wait_listen out tcp/80 tcp/443
}

# The conforming traffic: every required row of every host, by its real peers.
rs_traffic_conform() {
	local h p
	# -- infrastructure: DNS, Kerberos, LDAP, SMB, RPC, NTP to the DCs --
	rs_c_dig fe1 dc1
	rs_c_dig fe2 dc2
	rs_c_dig dir1 dc1 tcp
	rs_c_dig med1 dc2 tcp
	rs_c_dig edge1 dc1
	rs_c_kinit fe1 dc1 udp
	rs_c_kinit fe2 dc2 udp
	rs_c_kinit dir1 dc1 tcp
	rs_c_kinit med1 dc2 tcp
	rs_c_kinit sql1 dc1 udp
	rs_c_kinit exch1 dc2 udp
	rs_c_kinit fs1 dc1 tcp
	rs_c_ldap fe1 dc1 ldap://DC ldaps://DC:636 ldap://DC:3268 ldaps://DC:3269
	rs_c_ldap fe2 dc2 ldap://DC ldaps://DC:636 ldap://DC:3268 ldaps://DC:3269
	rs_c_ldap dir1 dc2 ldap://DC
	rs_c_ldap med1 dc1 ldap://DC
	rs_c_ldap exch1 dc1 ldap://DC:3268
	rs_c_smb fe1 dc1 sysvol
	rs_c_smb fe2 dc2 sysvol
	rs_c_smb dir1 dc1 sysvol
	rs_c_smb med1 dc2 sysvol
	rs_c_rpc fe1 dc1 49668
	rs_c_rpc fe2 dc2 49668
	rs_c_ntp fe1 dc1
	rs_c_ntp fe2 dc2
	rs_c_ntp dir1 dc1
	rs_c_ntp med1 dc2
	# -- clients sign in: DNS, Kerberos, GPO from SYSVOL, time --
	rs_c_dig client1 dc1
	rs_c_dig client2 dc2 tcp
	rs_c_user client1 user1 dc1 udp
	rs_c_user client2 user2 dc2 tcp
	rs_c_ldap client1 dc1 ldap://DC:3268
	rs_c_smb client1 dc1 sysvol
	rs_c_smb client2 dc2 sysvol
	rs_c_ntp client1 dc1
	rs_c_ntp client2 dc2
	rs_c_https client1 exch1 443 /owa/
	rs_c_https client2 exch1 443 /EWS/Exchange.asmx
	# -- Front Ends to their back end, Exchange and the file share --
	for h in fe1 fe2; do
		rs_c_udp "$h" sql1 1434 sqlb.bin
		rs_c_tcp "$h" sql1 1433 tds-prelogin.bin
		rs_c_https "$h" exch1 443 /EWS/Exchange.asmx
		rs_c_smb "$h" fs1 lync put
	done
	rs_c_https fe1 exch1 443 /autodiscover/autodiscover.xml
	# -- clients to the pool, its members and the Director --
	rs_c_tls client1 fe1 5061 register.txt
	rs_c_tls client2 fe2 5061 register.txt
	rs_c_tls client1 hlb 5061 register.txt
	rs_c_tls client2 dir1 5061 register.txt
	for h in client1:fe1 client2:fe2; do
		rs_c_https "${h%%:*}" "${h#*:}" 443 /Autodiscover/AutodiscoverService.svc/root
		rs_c_tls "${h%%:*}" "${h#*:}" 8057 hello.txt
		rs_c_tls "${h%%:*}" "${h#*:}" 8058 hello.txt
		rs_c_http "${h%%:*}" "${h#*:}" 8080 /meet/
		rs_c_udp "${h%%:*}" "${h#*:}" 58000 rtp.bin 50040
		rs_c_udp "${h%%:*}" "${h#*:}" 50500 rtp.bin 50042
		rs_c_tcp "${h%%:*}" "${h#*:}" 49160 hello.txt
	done
	rs_c_https client2 fepool 443 /abs/handler
	rs_c_http client2 fepool 80 /
	rs_c_http client1 fepool 8080 /meet/
	# -- Front End to Front End, and to the Director and Mediation --
	for h in fe1:fe2 fe2:fe1; do
		rs_c_tls "${h%%:*}" "${h#*:}" 5061 register.txt mtls
		rs_c_https "${h%%:*}" "${h#*:}" 444 /LiveServer/Focus mtls
		rs_c_rpc "${h%%:*}" "${h#*:}"
		for p in 5062 5063 5064 5065 5071 5072 5073 5075 5076; do
			rs_c_sip "${h%%:*}" "${h#*:}" "$p"
		done
		for p in 8060 8061 5086 5087 8404; do
			rs_c_tls "${h%%:*}" "${h#*:}" "$p" hello.txt mtls
		done
		rs_c_https "${h%%:*}" "${h#*:}" 4443 /autodiscover/
		rs_c_tcp "${h%%:*}" "${h#*:}" 448 scom.bin
		rs_c_udp "${h%%:*}" "${h#*:}" 1434 sqlb.bin
	done
	rs_c_https fe1 dir1 444 /webticket/ mtls
	rs_c_tls fe1 dir1 5061 register.txt mtls
	rs_c_tls dir1 fe1 5061 register.txt mtls
	rs_c_https dir1 hlb 4443 /reach/
	rs_c_udp fe1 dir1 1434 sqlb.bin
	rs_c_udp fe1 dir1 50100 rtp.bin
	# Front End to Mediation: the page lists 5070 twice, SIP over TCP
	# (T1R46: a sipp call) and MTLS (T1R49: SIP in TLS); one listener
	# after the other
	rs_c_sip fe1 med1 5070
	kill "$RS_MED_SIPP" 2>/dev/null
	wait "$RS_MED_SIPP" 2>/dev/null
	rs_tls med1 5070 "$RS_WORK/sip-200.sh" mtls
	rs_wait_listen med1 tcp/5070
	rs_c_tls fe2 med1 5070 register.txt mtls
	rs_c_udp fe2 med1 1434 sqlb.bin
	rs_c_udp client1 med1 49500 rtp.bin 50044
	# the VIP's SIP, HTTPS and other ports from the servers
	rs_c_https fe1 hlb 444 /LiveServer/Focus
	rs_c_rpc jump1 hlb
	for p in 5071 5072 5073 5075 5076; do
		rs_c_sip med1 hlb "$p"
	done
	rs_c_tcp edge1 hlb 5080 scom.bin
	rs_c_tcp fe2 hlb 448 scom.bin
	rs_c_tcp edge1 fe1 5080 scom.bin
	rs_c_tcp edge1 fe2 5080 scom.bin
	# -- the Central Management store pushes configuration (SMB) --
	rs_c_smb fe1 fe2 config put
	rs_c_smb fe1 dir1 config put
	rs_c_smb fe1 med1 config put
	# -- Edge internal interface --
	rs_c_https fe1 edge1 4443 /ReplicationWebService mtls
	rs_c_tls fe1 edge1 5061 register.txt mtls
	rs_c_tls dir1 edge1 5061 register.txt mtls
	rs_c_tls edge1 fe1 5061 register.txt mtls
	rs_c_tls fe1 edge1 5062 register.txt mtls
	rs_c_tls fe1 edge1 8057 hello.txt mtls
	rs_c_tls fe2 edge1 8057 hello.txt mtls
	rs_c_tls fe1 edge1 23456 hello.txt mtls
	for p in 50001 50002 50003; do
		rs_c_tls fe1 edge1 "$p" hello.txt mtls
	done
	rs_run_client client1 "STUN binding to edge1:3478/udp (turnutils_stunclient)" \
	    turnutils_stunclient -p 3478 "$(rs_ip edge1)"
	rs_c_tcp client2 edge1 443 stun-binding.bin
	# the Front Ends' A/V conferencing reaches external users through the Edge
	rs_run_client fe1 "STUN binding to edge1:3478/udp (turnutils_stunclient)" \
	    turnutils_stunclient -p 3478 "$(rs_ip edge1)"
	rs_c_tcp fe2 edge1 443 stun-binding.bin
	# -- clients: peer-to-peer media, application sharing, file transfer --
	rs_c_udp client1 client2 50010 rtp.bin 50020
	rs_c_udp client2 client1 50010 rtp.bin 50022
	rs_c_tcp client1 client2 50030 hello.txt
	rs_c_tcp client2 client1 50030 hello.txt
	rs_c_tcp client1 client2 6891 hello.txt
	# -- browsing: the name through the DC (glibc's resolver), then the web --
	rs_run_client client1 "browse http://www.example.net/" \
	    curl -sSf --noproxy '*' -o /dev/null http://www.example.net/
	rs_run_client client2 "browse https://www.example.net/" \
	    curl -sSf -k --noproxy '*' -o /dev/null https://www.example.net/
	# -- monitoring: SNMP polls, SCOM agents; the jump host's RDP --
	for h in $RS_MANAGED; do
		rs_run_client mon1 "SNMP get sysName of $h" snmpget -v2c -c realsite-ro -m '' -r 0 -t 3 \
		    "$(rs_ip "$h")" 1.3.6.1.2.1.1.5.0
		rs_c_tcp jump1 "$h" 3389 rdp-cr.bin
	done
	for h in fe1 fe2 dir1 med1 edge1; do
		rs_c_tcp "$h" mon1 5723 scom.bin
	done
}

# The violations' servers: stopped after the conforming part, these come up
# for the second capture only.
rs_servers_violations() {
	local w=$RS_WORK
	rs_tcp sql1 1433 "$w/reply.sh 47 $w/payload/tds-answer.bin"
	rs_smbd fe2 config
	rs_tls dir1 8057 "$w/http-200.sh"
	rs_bg out smtp python3 -W ignore -m smtpd -n -c DebuggingServer "$(rs_ip out):25"
	rs_wait_listen sql1 tcp/1433
	rs_wait_listen fe2 tcp/445
	rs_wait_listen dir1 tcp/8057
	rs_wait_listen out tcp/25
}

# Planted violations: clients to SQL, a client to a Front End's share and to
# the Director's PSOM port, a server mailing the internet, a port scan.
rs_traffic_violations() {
	rs_c_tcp client1 sql1 1433 tds-prelogin.bin
	rs_c_tcp client2 sql1 1433 tds-prelogin.bin
	rs_c_smb client2 fe2 config
	rs_c_tls client1 dir1 8057 hello.txt
	rs_run_client fe2 "SMTP to the internet (swaks)" swaks --silent 2 --server "$(rs_ip out)" \
	    --port 25 --from lync@example.test --to someone@example.net --helo fe2.example.test
	rs_run_client client1 "SYN scan of fe1 ports 1-1024 (nmap)" nmap -n -Pn -sS -p 1-1024 \
	    --max-retries 0 --max-rate 2000 "$(rs_ip fe1)"
}

# rs_time: start a lap; rs_time WHAT: log WHAT with the lap's seconds
# (RS_TIMES collects them).
rs_time() {
	local now
	now=$(date +%s%N)
	if [ $# -gt 0 ]; then
		local ms=$(((now - RS_LAP) / 1000000))
		RS_TIMES="${RS_TIMES:+$RS_TIMES, }$1 $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
		rs_log "$1: $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
	else
		RS_TIMES=
	fi
	RS_LAP=$now
}

# Everything: a fresh site, the conforming capture $1, the violations'
# capture $2.  $3: work directory.  Returns 0 when every program succeeded.
rs_run() {
	local conform=$1 violations=$2 dir=$3 rc=0
	rs_down
	RS_FAILED=0
	rs_time
	rs_up "$dir" || { rs_log "site setup failed"; return 1; }
	rs_time "site up"
	pushd "$RS_WORK" >/dev/null || return 1	# sipp writes its files here
	rs_servers_conform
	rs_time "conforming servers listening"
	rs_capture_start "$conform" || rc=1
	rs_traffic_conform
	rs_capture_stop || rc=1
	rs_time "conforming traffic"
	rs_servers_stop
	rs_servers_violations
	rs_time "violations' servers listening"
	rs_capture_start "$violations" || rc=1
	rs_traffic_violations
	rs_capture_stop || rc=1
	rs_time "violations"
	rs_servers_stop
	popd >/dev/null || rc=1
	[ "$RS_FAILED" -eq 0 ] || { rs_log "$RS_FAILED programs failed (logs in $RS_WORK/log)"; rc=1; }
	return $rc
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	--capture)
		[ $# -eq 2 ] || { echo "usage: $0 --capture DIR" >&2; exit 2; }
		[ "$(id -u)" -eq 0 ] || { echo "$0: needs root for network namespaces" >&2; exit 2; }
		mkdir -p "$2" || exit 2
		RS_OUT=$(realpath "$2")
		trap 'rs_down' EXIT
		trap 'exit 130' INT TERM
		rs_run "$RS_OUT/conform.pcap" "$RS_OUT/violations.pcap" "$RS_OUT/work"
		exit $?
		;;
	--down)
		RS_PREFIX=${RS_PREFIX_DOWN:?set RS_PREFIX_DOWN to the prefix to remove}
		rs_down
		;;
	*)
		echo "usage: $0 --capture DIR | --down" >&2
		exit 2
		;;
	esac
fi
