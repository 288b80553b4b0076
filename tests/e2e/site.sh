#!/bin/bash
# tests/e2e/site.sh - a small Lync site in network namespaces, real traffic
# between its hosts, and a capture of it taken on a span port.
#
# Layout (every address in 198.18.0.0/15, RFC 2544 benchmarking space; one
# optional IPv6 flow in 2001:db8::/32, RFC 3849; no route out, no DNS):
#
#   cfd-sw      Linux bridge br0: the span port, tcpdump listens on it
#   cfd-fe1     198.18.1.11  2001:db8:1::11   FE pool member, CMS
#   cfd-fe2     198.18.1.12  2001:db8:1::12   FE pool member
#   cfd-hlb     198.18.1.10                   FE pool VIP (hardware LB)
#   cfd-dir1    198.18.2.11                   director
#   cfd-med1    198.18.3.11                   mediation
#   cfd-pchat1  198.18.4.11                   persistent chat
#   cfd-client1 198.18.10.21                  client
#   cfd-client2 198.18.10.22 2001:db8:10::22  client
#   cfd-pstn1   198.18.6.1                    PSTN gateway
#   cfd-web1    198.18.7.1                    web farm
#   cfd-out     198.18.99.1                   outside host, not in the inventory
#
# Each host namespace has one veth "eth0" whose other end is a port of br0.
# The flows and their expected verdicts are listed in tests/e2e/expected.txt
# (keep the two in step); samples/inventory.conf describes the site.
#
# Use:
#   site.sh --sample FILE    build the site, drive the traffic, write FILE
#   site.sh --capture FILE   the same
#   site.sh --down           remove the namespaces of an earlier run
# or source it and call site_down, site_up, site_capture_start, site_traffic,
# site_capture_stop yourself (site_run FILE does all of it).
# Needs root, iproute2, tcpdump, socat, openssl, curl, nc, sipp, timeout, ss.

SITE_NS_PREFIX=cfd-
SITE_BR=br0
# name:IPv4[:IPv6] per host namespace
SITE_HOSTS="fe1:198.18.1.11:2001:db8:1::11 fe2:198.18.1.12:2001:db8:1::12
hlb:198.18.1.10 dir1:198.18.2.11 med1:198.18.3.11 pchat1:198.18.4.11
client1:198.18.10.21 client2:198.18.10.22:2001:db8:10::22
pstn1:198.18.6.1 web1:198.18.7.1 out:198.18.99.1"
SITE_PIDS=()
SITE_TCPDUMP_PID=
SITE_WORK=

site_log() {
	[ -n "${SITE_QUIET:-}" ] || echo "site: $*" >&2
}

# Run a command inside host namespace $1.
site_ns() {
	local ns=$1
	shift
	ip netns exec "$SITE_NS_PREFIX$ns" "$@"
}

# Start a server in namespace $1, bounded by $2 seconds, logging to the work
# directory; remembered in SITE_PIDS so site_servers_stop ends it.
site_bg() {
	local ns=$1 secs=$2 log=$3
	shift 3
	ip netns exec "$SITE_NS_PREFIX$ns" timeout "$secs" "$@" \
	    </dev/null >>"$SITE_WORK/$log.log" 2>&1 &
	SITE_PIDS+=($!)
}

# Kill the servers this run started (by pid) and reap them.
site_servers_stop() {
	local p
	for p in "${SITE_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${SITE_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	SITE_PIDS=()
}

# Wait (at most ~5 s) until namespace $1 has a $2 (tcp|udp) socket bound to port $3.
site_wait_listen() {
	local ns=$1 proto=$2 port=$3 i flag=-Hltn
	[ "$proto" = udp ] && flag=-Hlun
	for i in $(seq 50); do
		if [ -n "$(site_ns "$ns" ss $flag "sport = :$port" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	site_log "no $proto listener on $ns port $port"
	return 1
}

# Remove every namespace of ours, ending the processes left in them
# (servers of an earlier aborted run: they are ours by construction).
site_down() {
	local ns p
	site_servers_stop
	if [ -n "$SITE_TCPDUMP_PID" ]; then
		kill -INT "$SITE_TCPDUMP_PID" 2>/dev/null
		wait "$SITE_TCPDUMP_PID" 2>/dev/null
		SITE_TCPDUMP_PID=
	fi
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$SITE_NS_PREFIX"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# Turn segmentation and checksum offloads off where possible, so the span
# port sees wire-sized frames with real checksums, as a hardware tap would.
site_offloads_off() {
	local ns=$1 dev=$2
	if command -v ethtool >/dev/null 2>&1; then
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1
	fi
	ip -n "$ns" link set dev "$dev" gso_max_size 1500 gro_max_size 1500 2>/dev/null
	ip -n "$ns" link set dev "$dev" gso_max_segs 1 2>/dev/null
	return 0
}

# Build the bridge and the hosts.  $1: work directory (certificates, logs).
site_up() {
	local spec name v4 v6 ns
	SITE_WORK=$1
	mkdir -p "$SITE_WORK" || return 1
	ip netns add "${SITE_NS_PREFIX}sw" || return 1
	ip netns exec "${SITE_NS_PREFIX}sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "${SITE_NS_PREFIX}sw" link add "$SITE_BR" type bridge stp_state 0 forward_delay 0 \
	    mcast_snooping 0 || return 1
	ip -n "${SITE_NS_PREFIX}sw" link set "$SITE_BR" up || return 1
	for spec in $SITE_HOSTS; do
		name=${spec%%:*}
		v4=${spec#*:}
		v6=
		case $v4 in
		*:*) v6=${v4#*:}; v4=${v4%%:*} ;;
		esac
		ns=$SITE_NS_PREFIX$name
		ip netns add "$ns" || return 1
		# IPv6 off except on the hosts of the IPv6 flow: no router
		# solicitations or MLD reports from the others.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		    net.ipv6.conf.all.disable_ipv6=1 >/dev/null
		ip -n "${SITE_NS_PREFIX}sw" link add "v$name" type veth peer name eth0 netns "$ns" || return 1
		site_offloads_off "${SITE_NS_PREFIX}sw" "v$name"
		site_offloads_off "$ns" eth0
		ip -n "${SITE_NS_PREFIX}sw" link set "v$name" master "$SITE_BR" up || return 1
		ip -n "$ns" link set lo up
		# One /15 on-link: every host reaches every other through the bridge.
		ip -n "$ns" addr add "$v4/15" dev eth0 || return 1
		if [ -n "$v6" ]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 \
			    net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.router_solicitations=0 \
			    net.ipv6.conf.eth0.accept_ra=0 >/dev/null
			ip -n "$ns" addr add "$v6/32" dev eth0 nodad || return 1
		fi
		ip -n "$ns" link set eth0 up || return 1
	done
	site_make_files
}

# Certificate, server scripts and banners for the traffic.
site_make_files() {
	local w=$SITE_WORK
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=fe1 -days 2 \
	    -keyout "$w/key.pem" -out "$w/cert.pem" >/dev/null 2>&1 || return 1
	# A SIP registrar's answer: read the request up to the blank line, reply.
	cat >"$w/sip-200.sh" <<'EOF'
#!/bin/bash
cseq=
while IFS= read -r -t 5 l; do
	l=${l%$'\r'}
	case $l in CSeq:*) cseq=${l#CSeq: } ;; "") break ;; esac
done
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 198.18.10.21:5061\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n' "$cseq"
EOF
	# A web server's answer: read the request up to the blank line, reply.
	cat >"$w/http-200.sh" <<'EOF'
#!/bin/bash
while IFS= read -r -t 5 l; do
	l=${l%$'\r'}
	[ -z "$l" ] && break
done
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n'
EOF
	# SQL Browser: a one-byte CLNT_UCAST_EX request, an SVR_RESP answer.
	cat >"$w/sql-browser.sh" <<'EOF'
#!/bin/bash
head -c 1 >/dev/null
r='ServerName;FE1;InstanceName;RTCLOCAL;IsClustered;No;Version;11.0.2100.60;tcp;49152;;'
printf "\\005\\x$(printf %02x ${#r})\\000%s" "$r"
EOF
	chmod +x "$w"/*.sh
	printf 'REGISTER sip:lync.example SIP/2.0\r\nVia: SIP/2.0/TLS 198.18.10.21:50061\r\nFrom: <sip:user1@lync.example>;tag=1\r\nTo: <sip:user1@lync.example>\r\nCall-ID: e2e-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:198.18.10.21:50061;transport=tls>\r\nContent-Length: 0\r\n\r\n' >"$w/register.txt"
	printf 'SSH-2.0-OpenSSH_9.2p1\r\n' >"$w/ssh-server.txt"
	printf 'SSH-2.0-e2e\r\n' >"$w/ssh-client.txt"
	printf '220 out.example ESMTP\r\n' >"$w/smtp-server.txt"
	printf 'QUIT\r\n' >"$w/smtp-client.txt"
	printf 'hello\r\n' >"$w/hello.txt"
}

# Start tcpdump on the span port writing $1; returns once it is attached.
site_capture_start() {
	local site_out=$1 i
	: >"$SITE_WORK/tcpdump.log"
	# -Z root: Debian's tcpdump drops to user tcpdump, who may not write $out.
	ip netns exec "${SITE_NS_PREFIX}sw" tcpdump -i "$SITE_BR" -n -U --immediate-mode \
	    -Z root -w "$site_out" 2>"$SITE_WORK/tcpdump.log" &
	SITE_TCPDUMP_PID=$!
	for i in $(seq 50); do
		grep -q 'listening on' "$SITE_WORK/tcpdump.log" && break
		sleep 0.1
	done
	if ! grep -q 'listening on' "$SITE_WORK/tcpdump.log"; then
		site_log "tcpdump did not start: $(cat "$SITE_WORK/tcpdump.log")"
		return 1
	fi
	sleep 0.5
}

# Stop tcpdump (SIGINT: it flushes and closes the file) after a settle.
site_capture_stop() {
	sleep 0.5
	[ -n "$SITE_TCPDUMP_PID" ] || return 1
	kill -INT "$SITE_TCPDUMP_PID"
	wait "$SITE_TCPDUMP_PID"
	SITE_TCPDUMP_PID=
	sed -n '/captured\|dropped/p' "$SITE_WORK/tcpdump.log" | while read -r l; do site_log "tcpdump: $l"; done
	return 0
}

# One TCP exchange with nc: server in $1 on $2:$3 sends file $4, client in $5
# from $6 sends file $7.  Both sides shut down after their data (-N).
site_nc() {
	local sns=$1 saddr=$2 port=$3 sfile=$4 cns=$5 caddr=$6 cfile=$7
	ip netns exec "$SITE_NS_PREFIX$sns" timeout 8 nc -n -N -l "$saddr" "$port" \
	    <"$SITE_WORK/$sfile" >>"$SITE_WORK/nc-$port.log" 2>&1 &
	SITE_PIDS+=($!)
	site_wait_listen "$sns" tcp "$port" || return 1
	site_ns "$cns" timeout 5 nc -n -N -w 3 -s "$caddr" "$saddr" "$port" \
	    <"$SITE_WORK/$cfile" >/dev/null 2>&1
}

# Drive every flow of tests/e2e/expected.txt, one after the other.
site_traffic() {
	local w=$SITE_WORK rc=0 i
	# sipp writes its logs into the current directory
	pushd "$w" >/dev/null || return 1

	site_log "client1 -> fe1:5061 SIP REGISTER in TLS"
	site_bg fe1 10 tls5061 socat "OPENSSL-LISTEN:5061,bind=198.18.1.11,reuseaddr,cert=$w/cert.pem,key=$w/key.pem,verify=0" \
	    EXEC:"$w/sip-200.sh"
	site_wait_listen fe1 tcp 5061 || rc=1
	site_ns client1 timeout 5 socat -t 2 - OPENSSL:198.18.1.11:5061,bind=198.18.10.21,verify=0 \
	    <"$w/register.txt" >"$w/tls5061-client.log" 2>&1 || rc=1

	site_log "client1 -> fe1:443 HTTPS"
	site_bg fe1 10 https-fe1 openssl s_server -accept 198.18.1.11:443 -cert "$w/cert.pem" \
	    -key "$w/key.pem" -www -naccept 1
	site_wait_listen fe1 tcp 443 || rc=1
	site_ns client1 timeout 5 curl -sk --noproxy '*' --interface 198.18.10.21 \
	    -o /dev/null https://198.18.1.11/ || rc=1

	site_log "client2 -> VIP 198.18.1.10:443 HTTPS"
	site_bg hlb 10 https-vip openssl s_server -accept 198.18.1.10:443 -cert "$w/cert.pem" \
	    -key "$w/key.pem" -www -naccept 1
	site_wait_listen hlb tcp 443 || rc=1
	site_ns client2 timeout 5 curl -sk --noproxy '*' --interface 198.18.10.22 \
	    -o /dev/null https://198.18.1.10/ || rc=1

	site_log "client2 -> fe2 [2001:db8:1::12]:443 HTTPS (IPv6)"
	site_bg fe2 10 https-fe2-v6 openssl s_server -accept '[2001:db8:1::12]:443' -cert "$w/cert.pem" \
	    -key "$w/key.pem" -www -naccept 1
	site_wait_listen fe2 tcp 443 || rc=1
	site_ns client2 timeout 5 curl -sk --noproxy '*' --interface 2001:db8:10::22 \
	    -o /dev/null 'https://[2001:db8:1::12]/' || rc=1

	site_log "fe1 -> med1:5070 SIP over TCP (sipp)"
	site_bg med1 15 sipp-med1-5070 sipp -sn uas -t t1 -i 198.18.3.11 -p 5070 -m 1 -nostdin
	site_wait_listen med1 tcp 5070 || rc=1
	site_ns fe1 timeout 10 sipp -sn uac -t t1 -i 198.18.1.11 -m 1 -nostdin \
	    198.18.3.11:5070 >"$w/sipp-fe1.log" 2>&1 || rc=1

	site_log "pstn1 -> med1:5068 SIP over TCP (sipp)"
	site_bg med1 15 sipp-med1-5068 sipp -sn uas -t t1 -i 198.18.3.11 -p 5068 -m 1 -nostdin
	site_wait_listen med1 tcp 5068 || rc=1
	site_ns pstn1 timeout 10 sipp -sn uac -t t1 -i 198.18.6.1 -m 1 -nostdin \
	    198.18.3.11:5068 >"$w/sipp-pstn1.log" 2>&1 || rc=1

	site_log "fe2 -> fe1:1434/udp SQL Browser"
	site_bg fe1 10 sql-browser socat UDP-LISTEN:1434,bind=198.18.1.11 EXEC:"$w/sql-browser.sh"
	site_wait_listen fe1 udp 1434 || rc=1
	printf '\003' | site_ns fe2 timeout 5 socat -t 1 - UDP:198.18.1.11:1434,bind=198.18.1.12 \
	    >"$w/sql-browser-client.log" 2>&1 || rc=1

	site_log "client1 <-> client2 UDP media 50020 -> 50010"
	site_bg client2 10 media socat UDP-LISTEN:50010,bind=198.18.10.22 EXEC:cat
	site_wait_listen client2 udp 50010 || rc=1
	# three RTP-sized datagrams, each echoed back: 3 packets each way
	for i in 1 2 3; do
		printf '\200\000\000%b\000\000\000%b\000\000\000\001%0160d' "\\00$i" "\\0$((i * 2))0" 0
		sleep 0.2
	done | site_ns client1 timeout 5 socat -t 1 - UDP:198.18.10.22:50010,bind=198.18.10.21:50020 \
	    >/dev/null 2>&1 || rc=1

	site_log "fe1 -> web1:80 HTTP"
	site_bg web1 10 http-web1 socat TCP-LISTEN:80,bind=198.18.7.1,reuseaddr EXEC:"$w/http-200.sh"
	site_wait_listen web1 tcp 80 || rc=1
	site_ns fe1 timeout 5 curl -s --noproxy '*' --interface 198.18.1.11 \
	    -o /dev/null http://198.18.7.1/ || rc=1

	site_log "client1 -> fe1:22 (unexpected)"
	site_nc fe1 198.18.1.11 22 ssh-server.txt client1 198.18.10.21 ssh-client.txt || rc=1
	site_log "client2 -> fe1:1433 (unexpected)"
	site_nc fe1 198.18.1.11 1433 hello.txt client2 198.18.10.22 hello.txt || rc=1
	site_log "client1 -> client2:443 (unexpected)"
	site_nc client2 198.18.10.22 443 hello.txt client1 198.18.10.21 hello.txt || rc=1
	site_log "fe1 -> 198.18.99.1:25 (unexpected)"
	site_nc out 198.18.99.1 25 smtp-server.txt fe1 198.18.1.11 smtp-client.txt || rc=1
	site_log "client1 -> 198.18.99.1:8443 (unmonitored)"
	site_nc out 198.18.99.1 8443 hello.txt client1 198.18.10.21 hello.txt || rc=1

	site_log "client1 -> fe1:9999/udp, no answer (unexpected)"
	site_bg fe1 10 udp-sink socat -u UDP-RECV:9999,bind=198.18.1.11 OPEN:/dev/null
	site_wait_listen fe1 udp 9999 || rc=1
	printf 'probe\n' | site_ns client1 timeout 5 socat -u - UDP-SENDTO:198.18.1.11:9999,bind=198.18.10.21 \
	    >/dev/null 2>&1 || rc=1

	sleep 0.3
	site_servers_stop
	popd >/dev/null || rc=1
	[ $rc -eq 0 ] || site_log "some traffic failed (see $w/*.log)"
	return $rc
}

# --- the first hour (tests/e2e-discover.sh) ---------------------------------
# What an ordinary hour of this site holds, compressed into a few seconds,
# beside site_traffic's flows: every server answers on the ports its role
# answers, clients sign in (SIP to the pool's VIP, web services, PSOM),
# the pool's members talk among themselves (SIP, the focus, the collocated
# Mediation's 5070) over IPv4 and IPv6, the Central Management store holder
# pushes over SMB, the Director and Persistent Chat serve.  Every flow is
# one samples/inventory.conf allows: conformd --discover must find the
# site's roles, pools and VIP from the capture, and the verdicts with its
# draft must equal those with samples/inventory.conf.

# A forking listener in namespace $1 on address $2 port $3 for the hour:
# tls (a certificate, any TLS client) or tcp; it answers "ok".
site_hour_listen() {
	local ns=$1 addr=$2 port=$3 kind=$4 b=$2 pf=ip4 lst
	case $addr in *:*) b="[$addr]"; pf=ip6 ;; esac
	case $kind in
	tls) lst="OPENSSL-LISTEN:$port,bind=$b,pf=$pf,reuseaddr,fork,cert=$SITE_WORK/cert.pem,key=$SITE_WORK/key.pem,verify=0" ;;
	*) lst="TCP-LISTEN:$port,bind=$b,pf=$pf,reuseaddr,fork" ;;
	esac
	site_bg "$ns" 60 "hour-$ns-$port" socat "$lst" SYSTEM:"echo ok"
}

# One connection from namespace $1 (source $2) to $3 port $4, tls or tcp;
# $6, a file in the work directory, is what the client sends (nothing).
site_hour_connect() {
	local ns=$1 src=$2 dst=$3 port=$4 kind=$5 send=${6:-} s=$2 d=$3 pf=ip4 to
	case $dst in *:*) s="[$src]"; d="[$dst]"; pf=ip6 ;; esac
	case $kind in
	tls) to="OPENSSL:$d:$port,bind=$s,pf=$pf,verify=0" ;;
	*) to="TCP:$d:$port,bind=$s,pf=$pf" ;;
	esac
	if [ -n "$send" ]; then
		site_ns "$ns" timeout 5 socat -t 1 - "$to" <"$SITE_WORK/$send" >/dev/null 2>&1
	else
		site_ns "$ns" timeout 5 socat -t 1 - "$to" </dev/null >/dev/null 2>&1
	fi
}

site_hour() {
	local w=$SITE_WORK rc=0 h a p spec
	printf 'OPTIONS sip:fe.lync.example SIP/2.0\r\nVia: SIP/2.0/TCP 198.18.1.11:5070\r\nFrom: <sip:fe1@lync.example>;tag=1\r\nTo: <sip:fe2@lync.example>\r\nCall-ID: hour-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' >"$w/options.txt"
	site_log "the first hour: listeners"
	# the pool's members, on both their addresses
	for a in fe1:198.18.1.11 fe1:2001:db8:1::11 fe2:198.18.1.12 fe2:2001:db8:1::12; do
		h=${a%%:*}
		for p in 5061 444 443 8057; do
			site_hour_listen "$h" "${a#*:}" "$p" tls
		done
		site_hour_listen "$h" "${a#*:}" 5070 tcp
		site_hour_listen "$h" "${a#*:}" 445 tcp
	done
	for p in 5061 443 444; do
		site_hour_listen hlb 198.18.1.10 "$p" tls
	done
	site_hour_listen dir1 198.18.2.11 5061 tls
	site_hour_listen dir1 198.18.2.11 444 tls
	for p in 5041 881 443; do
		site_hour_listen pchat1 198.18.4.11 "$p" tls
	done
	for h in dir1:198.18.2.11 med1:198.18.3.11 pchat1:198.18.4.11; do
		site_hour_listen "${h%%:*}" "${h#*:}" 445 tcp
	done
	site_hour_listen web1 198.18.7.1 443 tls
	site_bg client1 30 hour-media socat UDP-LISTEN:50500,bind=198.18.10.21 EXEC:cat
	for spec in fe1:tcp/5061 fe1:tcp/5070 fe1:tcp/445 fe2:tcp/5061 hlb:tcp/5061 \
	    dir1:tcp/444 med1:tcp/445 pchat1:tcp/881 web1:tcp/443 client1:udp/50500; do
		p=${spec#*:}
		site_wait_listen "${spec%%:*}" "${p%/*}" "${p#*/}" || rc=1
	done

	site_log "the first hour: clients sign in, web services, conferencing"
	for spec in "client1 198.18.10.21 198.18.1.10 5061" "client1 198.18.10.21 198.18.1.10 443" \
	    "client1 198.18.10.21 198.18.1.11 8057" "client1 198.18.10.21 198.18.1.12 8057" \
	    "client1 198.18.10.21 198.18.2.11 5061" "client1 198.18.10.21 198.18.4.11 443" \
	    "client2 198.18.10.22 198.18.1.10 5061" "client2 198.18.10.22 198.18.1.12 443" \
	    "client2 198.18.10.22 198.18.2.11 5061" \
	    "client2 2001:db8:10::22 2001:db8:1::11 5061" "client2 2001:db8:10::22 2001:db8:1::12 5061" \
	    "client2 2001:db8:10::22 2001:db8:1::11 8057"; do
		# shellcheck disable=SC2086  # four words
		site_hour_connect $spec tls || rc=1
	done
	site_log "the first hour: the pool's members among themselves, IPv4 and IPv6"
	for spec in "fe1 198.18.1.11 198.18.1.12" "fe2 198.18.1.12 198.18.1.11" \
	    "fe1 2001:db8:1::11 2001:db8:1::12" "fe2 2001:db8:1::12 2001:db8:1::11"; do
		# shellcheck disable=SC2086  # three words
		site_hour_connect $spec 5061 tls || rc=1
		# shellcheck disable=SC2086
		site_hour_connect $spec 444 tls || rc=1
		# shellcheck disable=SC2086
		site_hour_connect $spec 5070 tcp options.txt || rc=1
	done
	site_log "the first hour: the Director, Persistent Chat, the web farm"
	site_hour_connect fe1 198.18.1.11 198.18.2.11 444 tls || rc=1
	site_hour_connect fe1 198.18.1.11 198.18.4.11 5041 tls || rc=1
	site_hour_connect fe2 198.18.1.12 198.18.4.11 881 tls || rc=1
	site_hour_connect fe2 198.18.1.12 198.18.7.1 443 tls || rc=1
	site_log "the first hour: the CMS holder pushes its configuration (SMB)"
	for a in 198.18.1.12 198.18.2.11 198.18.3.11 198.18.4.11; do
		site_hour_connect fe1 198.18.1.11 "$a" 445 tcp hello.txt || rc=1
	done
	site_hour_connect fe1 2001:db8:1::11 2001:db8:1::12 445 tcp hello.txt || rc=1
	site_log "the first hour: a call's media between the clients"
	for i in 1 2 3; do
		printf '\200\000\000%b\000\000\000%b\000\000\000\002%0160d' "\\00$i" "\\0$((i * 2))0" 0
		sleep 0.2
	done | site_ns client2 timeout 5 socat -t 1 - UDP:198.18.10.21:50500,bind=198.18.10.22:50520 \
	    >/dev/null 2>&1 || rc=1
	sleep 0.3
	site_servers_stop
	[ $rc -eq 0 ] || site_log "some of the hour's traffic failed (see $w/hour-*.log)"
	return $rc
}

# The site, site_traffic and the first hour into capture $1.  $2: work directory.
site_hour_run() {
	local site_out=$1 site_dir=$2 rc=0
	site_down
	site_up "$site_dir" || { site_log "site setup failed"; return 1; }
	site_capture_start "$site_out" || return 1
	site_traffic || rc=1
	site_hour || rc=1
	site_capture_stop || rc=1
	return $rc
}

# Everything: fresh site, capture into $1, traffic, stop.  $2: work directory.
site_run() {
	local site_out=$1 site_dir=$2 rc=0
	site_down
	site_up "$site_dir" || { site_log "site setup failed"; return 1; }
	site_capture_start "$site_out" || return 1
	site_traffic || rc=1
	site_capture_stop || rc=1
	return $rc
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	--sample|--capture)
		[ $# -eq 2 ] || { echo "usage: $0 --sample FILE" >&2; exit 2; }
		[ "$(id -u)" -eq 0 ] || { echo "$0: needs root for network namespaces" >&2; exit 2; }
		SITE_TMP=$(mktemp -d /tmp/cfd-site.XXXXXX) || exit 2
		trap 'site_down; rm -rf "$SITE_TMP"' EXIT
		trap 'exit 130' INT TERM
		SITE_OUT=$(realpath -m "$2")
		site_run "$SITE_TMP/capture.pcap" "$SITE_TMP"
		rc=$?
		cp "$SITE_TMP/capture.pcap" "$SITE_OUT" || exit 2
		site_log "wrote $SITE_OUT ($(stat -c %s "$SITE_OUT") bytes)"
		exit $rc
		;;
	--down)
		site_down
		;;
	*)
		echo "usage: $0 --sample FILE | --capture FILE | --down" >&2
		exit 2
		;;
	esac
fi
