#!/bin/bash
# tests/e2e/blocked-site.sh - a Lync site in network namespaces whose
# required ports fail in every way a firewall or a dead service makes them
# fail, beside ports that work, for tests/e2e-blocked.sh.  Sourced; builds on
# the helpers of tests/e2e/site.sh (site_ns, site_bg, site_wait_listen,
# site_servers_stop, site_down, site_offloads_off, site_make_files,
# site_capture_start, site_capture_stop) with its own namespace prefix.
#
# Layout (198.18.0.0/15, RFC 2544; IPv6 in 2001:db8::/32, RFC 3849):
#
#   cfb-sw       bridges br0 (198.18.0.0/16, the span port: tcpdump listens
#                on it) and br1 (198.19.0.0/16, the far subnet)
#   cfb-rt       router: 198.18.0.1 on br0, 198.19.0.1 on br1; it answers
#                ICMP host unreachable for a far address that ARP cannot find,
#                and drops STUN (3478/udp) sent to itself
#   cfb-fe1      198.18.1.11  2001:db8:1::11   Front End with nftables rules
#   cfb-fe2      198.19.1.12                   Front End behind the router
#   cfb-client1  198.18.10.21 2001:db8:10::21  the client whose attempts fail
#   cfb-client2  198.18.10.22                  cleartext where TLS is required,
#                                              and unanswered UDP requests
#   cfb-client3  198.18.10.23                  conforming traffic only
#   198.19.1.99  fe9 in the inventory, no machine: host unreachable
#   198.18.2.11  dir1 in the inventory, no machine, no traffic: unobserved
#
# The inventory is tests/e2e/blocked-inventory.conf, the configuration
# tests/e2e/blocked.conf; the flows and what conformd must say of each are
# the checks in tests/e2e-blocked.sh (keep the three in step).
#
# Use: source it, then blocked_run CAPTURE WORKDIR (builds the site, captures
# on br0 while blocked_traffic runs, stops); site_down removes everything.
# Needs root, iproute2, nft, tcpdump, socat, openssl, curl, nc, sipp, timeout, ss.

# shellcheck source=tests/e2e/site.sh
. "$(dirname "${BASH_SOURCE[0]}")/site.sh"

# site.sh's helpers read these: our own namespaces and span bridge.
SITE_NS_PREFIX=cfb-
SITE_BR=br0
SITE_HOSTS=
SITE_PIDS=()
SITE_TCPDUMP_PID=
SITE_WORK=

# Attach a new namespace $1 (host name) to bridge $2 with IPv4 $3/$4 and an
# optional IPv6 address $5 (/32 on-link, as in site.sh).
blocked_host() {
	local name=$1 br=$2 v4=$3 plen=$4 v6=${5:-} ns=$SITE_NS_PREFIX$1 dev=eth0
	[ -n "$(ip netns list | awk -v n="$ns" '$1 == n')" ] || ip netns add "$ns" || return 1
	# a host with two legs (the router) names its second one eth1
	ip -n "$ns" link show eth0 >/dev/null 2>&1 && dev=eth1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
	    net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	ip -n "${SITE_NS_PREFIX}sw" link add "v$name$dev" type veth peer name "$dev" netns "$ns" || return 1
	site_offloads_off "${SITE_NS_PREFIX}sw" "v$name$dev"
	site_offloads_off "$ns" "$dev"
	ip -n "${SITE_NS_PREFIX}sw" link set "v$name$dev" master "$br" up || return 1
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$v4/$plen" dev "$dev" || return 1
	if [ -n "$v6" ]; then
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=0" \
		    "net.ipv6.conf.$dev.accept_dad=0" "net.ipv6.conf.$dev.router_solicitations=0" \
		    "net.ipv6.conf.$dev.accept_ra=0" >/dev/null
		ip -n "$ns" addr add "$v6/32" dev "$dev" nodad || return 1
	fi
	ip -n "$ns" link set "$dev" up
}

# fe1's firewall: each failure mode on its own port or source.
blocked_nft_fe1() {
	site_ns fe1 nft -f - <<'EOF'
table inet cfb {
	chain input {
		type filter hook input priority 0; policy accept;
		# S0: SYNs dropped (client1 to the SIP/TLS port)
		ip saddr 198.18.10.21 tcp dport 5061 drop
		# S0 on a port no rule opens: still only "unexpected"
		ip saddr 198.18.10.21 tcp dport 9 drop
		# ICMP administratively prohibited on TCP, port unreachable on UDP
		ip saddr 198.18.10.21 tcp dport 8057 reject with icmp type admin-prohibited
		ip saddr 198.18.10.21 udp dport 1434 reject with icmp type port-unreachable
		ip6 saddr 2001:db8:10::21 tcp dport 8058 reject with icmpv6 type admin-prohibited
		ip6 saddr 2001:db8:10::21 udp dport 1434 reject with icmpv6 type port-unreachable
		# a request/response UDP row that never answers
		ip saddr 198.18.10.22 udp dport 1434 drop
	}
}
EOF
}

# The router drops STUN: a client's outbound 3478/udp (T4R5, request/response)
# to an address outside the inventory goes unanswered.
blocked_nft_rt() {
	site_ns rt nft -f - <<'EOF'
table inet cfb {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 3478 drop
	}
}
EOF
}

# Build the bridges, the router and the hosts.  $1: work directory.
blocked_up() {
	local h
	SITE_WORK=$1
	mkdir -p "$SITE_WORK" || return 1
	ip netns add "${SITE_NS_PREFIX}sw" || return 1
	ip netns exec "${SITE_NS_PREFIX}sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	for h in br0 br1; do
		ip -n "${SITE_NS_PREFIX}sw" link add "$h" type bridge stp_state 0 forward_delay 0 \
		    mcast_snooping 0 || return 1
		ip -n "${SITE_NS_PREFIX}sw" link set "$h" up || return 1
	done
	blocked_host rt br0 198.18.0.1 16 || return 1
	blocked_host rt br1 198.19.0.1 16 || return 1
	# forward; give up on an unresolved neighbour after 2 probes 0.2 s apart
	# (then ICMP host unreachable goes back to the sender)
	ip netns exec "${SITE_NS_PREFIX}rt" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv4.neigh.eth1.mcast_solicit=2 net.ipv4.neigh.eth1.ucast_solicit=2 \
	    net.ipv4.neigh.eth1.retrans_time_ms=200 >/dev/null || return 1
	blocked_host fe1 br0 198.18.1.11 16 2001:db8:1::11 || return 1
	blocked_host fe2 br1 198.19.1.12 16 || return 1
	blocked_host client1 br0 198.18.10.21 16 2001:db8:10::21 || return 1
	blocked_host client2 br0 198.18.10.22 16 || return 1
	blocked_host client3 br0 198.18.10.23 16 || return 1
	for h in fe1 client1 client2 client3; do
		ip -n "$SITE_NS_PREFIX$h" route add 198.19.0.0/16 via 198.18.0.1 || return 1
	done
	ip -n "${SITE_NS_PREFIX}fe2" route add 198.18.0.0/16 via 198.19.0.1 || return 1
	blocked_nft_fe1 || return 1
	blocked_nft_rt || return 1
	site_make_files
}

# One TCP connection attempt from namespace $1 (source $2) to $3 port $4,
# bounded by $5 seconds; its outcome does not matter (it is meant to fail).
blocked_try_tcp() {
	site_ns "$1" timeout "$5" nc -n -z -w 10 -s "$2" "$3" "$4" >/dev/null 2>&1
	return 0
}

# One UDP datagram from namespace $1 to socat address $2 (UDP4-SENDTO:...):
# an SQL Browser CLNT_UCAST_EX request to 1434, a STUN Binding request
# (RFC 5389) to 3478.
blocked_try_udp() {
	local req='\003'
	case $2 in
	*:3478,*) req='\000\001\000\000\041\022\244\102cfb-e2e-txid' ;;
	esac
	# shellcheck disable=SC2059  # $req is the format: octal escapes
	printf "$req" | site_ns "$1" timeout 3 socat -u - "$2" >/dev/null 2>&1
}

# Drive the traffic: the failures first (their answer timeout runs while the
# rest goes on), then cleartext, then conforming TLS.
blocked_traffic() {
	local w=$SITE_WORK rc=0 s0=() i
	pushd "$w" >/dev/null || return 1

	site_log "client1 -> fe1:5061 and fe1:9, SYNs dropped (in the background)"
	# 3.5 s: SYNs at 0, 1 and 3 s
	site_ns client1 timeout 3.5 nc -n -z -w 10 -s 198.18.10.21 198.18.1.11 5061 >/dev/null 2>&1 &
	s0+=($!)
	site_ns client1 timeout 1.5 nc -n -z -w 10 -s 198.18.10.21 198.18.1.11 9 >/dev/null 2>&1 &
	s0+=($!)

	site_log "client1 -> fe9 198.19.1.99:5061, the router answers host unreachable"
	blocked_try_tcp client1 198.18.10.21 198.19.1.99 5061 3
	site_log "client1 -> fe1:444, nothing listens: RST"
	blocked_try_tcp client1 198.18.10.21 198.18.1.11 444 3
	site_log "client1 -> fe1:8057, ICMP admin-prohibited"
	blocked_try_tcp client1 198.18.10.21 198.18.1.11 8057 3
	site_log "client1 -> fe1:1434/udp, ICMP port unreachable"
	blocked_try_udp client1 UDP4-SENDTO:198.18.1.11:1434,bind=198.18.10.21 || rc=1
	site_log "client1 -> [2001:db8:1::11]:8058, ICMPv6 admin-prohibited"
	blocked_try_tcp client1 2001:db8:10::21 2001:db8:1::11 8058 3
	site_log "client1 -> [2001:db8:1::11]:1434/udp, ICMPv6 port unreachable"
	blocked_try_udp client1 'UDP6-SENDTO:[2001:db8:1::11]:1434,bind=[2001:db8:10::21]' || rc=1
	site_log "client2 -> fe1:1434/udp and 198.18.0.1:3478/udp, dropped: no answer"
	blocked_try_udp client2 UDP4-SENDTO:198.18.1.11:1434,bind=198.18.10.22 || rc=1
	blocked_try_udp client2 UDP4-SENDTO:198.18.0.1:3478,bind=198.18.10.22 || rc=1

	site_log "client2 -> fe1:5061 SIP in cleartext (sipp, TCP)"
	site_bg fe1 15 sipp-uas-5061 sipp -sn uas -t t1 -i 198.18.1.11 -p 5061 -m 1 -nostdin
	site_wait_listen fe1 tcp 5061 || rc=1
	site_ns client2 timeout 10 sipp -sn uac -t t1 -i 198.18.10.22 -m 1 -nostdin \
	    198.18.1.11:5061 >"$w/sipp-uac-5061.log" 2>&1 || rc=1
	site_servers_stop

	site_log "client2 -> fe1:443 HTTP in cleartext (curl http://)"
	site_bg fe1 10 http-443 socat TCP-LISTEN:443,bind=198.18.1.11,reuseaddr EXEC:"$w/http-200.sh"
	site_wait_listen fe1 tcp 443 || rc=1
	site_ns client2 timeout 5 curl -s --noproxy '*' --interface 198.18.10.22 \
	    -o /dev/null http://198.18.1.11:443/ || rc=1
	site_servers_stop

	site_log "client3 -> fe1:5061 SIP in TLS (socat OPENSSL)"
	site_bg fe1 10 tls-5061 socat "OPENSSL-LISTEN:5061,bind=198.18.1.11,reuseaddr,cert=$w/cert.pem,key=$w/key.pem,verify=0" \
	    EXEC:"$w/sip-200.sh"
	site_wait_listen fe1 tcp 5061 || rc=1
	site_ns client3 timeout 5 socat -t 2 - OPENSSL:198.18.1.11:5061,bind=198.18.10.23,verify=0 \
	    <"$w/register.txt" >"$w/tls-5061-client.log" 2>&1 || rc=1

	site_log "client3 -> fe1:443 HTTPS (openssl s_server, curl -k)"
	site_bg fe1 10 https-443 openssl s_server -accept 198.18.1.11:443 -cert "$w/cert.pem" \
	    -key "$w/key.pem" -www -naccept 1
	site_wait_listen fe1 tcp 443 || rc=1
	site_ns client3 timeout 5 curl -sk --noproxy '*' --interface 198.18.10.23 \
	    -o /dev/null https://198.18.1.11/ || rc=1

	site_log "client3 -> fe1:1434/udp SQL Browser, answered"
	site_bg fe1 10 sql-browser socat UDP-LISTEN:1434,bind=198.18.1.11 EXEC:"$w/sql-browser.sh"
	site_wait_listen fe1 udp 1434 || rc=1
	printf '\003' | site_ns client3 timeout 5 socat -t 1 - UDP:198.18.1.11:1434,bind=198.18.10.23 \
	    >"$w/sql-browser-client.log" 2>&1 || rc=1

	site_log "client3 -> fe2 198.19.1.12:443 HTTPS through the router"
	site_bg fe2 10 https-fe2 openssl s_server -accept 198.19.1.12:443 -cert "$w/cert.pem" \
	    -key "$w/key.pem" -www -naccept 1
	site_wait_listen fe2 tcp 443 || rc=1
	site_ns client3 timeout 5 curl -sk --noproxy '*' --interface 198.18.10.23 \
	    -o /dev/null https://198.19.1.12/ || rc=1

	for i in "${s0[@]}"; do
		wait "$i"
	done
	# the last unanswered attempts must be older than answer-timeout (2 s)
	# when the capture ends, or the flush cannot decide them
	sleep 2.2
	site_servers_stop
	popd >/dev/null || rc=1
	[ $rc -eq 0 ] || site_log "some traffic failed (see $w/*.log)"
	return $rc
}

# The first hour (tests/e2e-discover.sh): beside the failures, what the
# site does on an ordinary hour: the clients sign in to both Front Ends and
# use their web services (fe1 over IPv6 too, where its firewall lets
# client1 through), and two clients share a call's media.  Every flow is
# one blocked-inventory.conf allows.  site.sh's helpers make it.
blocked_hour() {
	local rc=0 spec
	site_log "the first hour: listeners"
	for spec in fe1:198.18.1.11 fe1:2001:db8:1::11 fe2:198.19.1.12; do
		site_hour_listen "${spec%%:*}" "${spec#*:}" 5061 tls
		site_hour_listen "${spec%%:*}" "${spec#*:}" 443 tls
	done
	site_bg client3 30 hour-media socat UDP-LISTEN:50040,bind=198.18.10.23 EXEC:cat
	site_wait_listen fe1 tcp 5061 || rc=1
	site_wait_listen fe2 tcp 443 || rc=1
	site_wait_listen client3 udp 50040 || rc=1
	site_log "the first hour: clients sign in, web services"
	for spec in "client2 198.18.10.22 198.18.1.11 443" "client3 198.18.10.23 198.19.1.12 5061" \
	    "client2 198.18.10.22 198.19.1.12 443" "client1 2001:db8:10::21 2001:db8:1::11 5061" \
	    "client1 2001:db8:10::21 2001:db8:1::11 443"; do
		# shellcheck disable=SC2086  # four words
		site_hour_connect $spec tls || rc=1
	done
	site_log "the first hour: a call's media between two clients"
	printf '\200\000\000\001\000\000\000\020\000\000\000\003%0160d' 0 |
	    site_ns client2 timeout 5 socat -t 1 - UDP:198.18.10.23:50040,bind=198.18.10.22:50060 \
	    >/dev/null 2>&1 || rc=1
	sleep 0.3
	site_servers_stop
	return $rc
}

# The site, blocked_traffic and the first hour into capture $1.  $2: work directory.
blocked_hour_run() {
	local out=$1 dir=$2 rc=0
	site_down
	blocked_up "$dir" || { site_log "site setup failed"; return 1; }
	site_capture_start "$out" || return 1
	blocked_traffic || rc=1
	blocked_hour || rc=1
	site_capture_stop || rc=1
	return $rc
}

# Everything: fresh site, capture on br0 into $1, traffic, stop.  $2: work directory.
blocked_run() {
	local out=$1 dir=$2 rc=0
	site_down
	blocked_up "$dir" || { site_log "site setup failed"; return 1; }
	site_capture_start "$out" || return 1
	blocked_traffic || rc=1
	site_capture_stop || rc=1
	return $rc
}
