#!/bin/bash
# tests/e2e-tunnel.sh - end to end: traffic seen through tunnels is judged
# as the same traffic seen directly.
#
# 1. GRE and ERSPAN (the kernel here cannot make them): the captures
#    tests/gen-edge writes (tunnel.pcap: IP in GRE, gretap, ERSPAN I, II,
#    III, VXLAN over IPv6, VXLAN in GRE, Geneve carrying Ethernet and
#    IPv4) go through `conformd -r --db`;
#    tshark, which decodes every one of these tunnels, must see the same
#    inner TCP conversations with the same frames each way, and the
#    database must count the decapsulated packets per tunnel type, and
#    each alert name the outermost tunnel of the packet that raised it
#    (addresses, GRE or UDP, depth) as tshark decodes that packet.
# 2. VXLAN made by the kernel: two network namespaces joined by a veth
#    pair (the underlay, 198.18.250.0/24) and a vxlan device (VNI 42, UDP
#    4789) over it carrying the overlay 198.18.0.0/16: a client
#    198.18.10.20 reaches the Front End 198.18.1.11 with socat and curl on
#    ports of rules/lync2013.rules (5061 and 443 allowed, 7000 and UDP
#    3478 not).  tcpdump captures the underlay veth and the overlay vxlan
#    device at the same time; `conformd -r` on each must give the same
#    flows (tuple, packets each way, verdict, rule) and the same findings,
#    the underlay with decap.vxlan counted; tshark's TCP conversations of
#    the underlay capture (it decodes VXLAN on 4789) must match its flows,
#    and its alerts name their packets' VXLAN tunnel (the overlay's none).
# 3. The same devices remade on UDP 8472 (Linux's own default port): read
#    with the default configuration the underlay is plain UDP/8472 flows,
#    nothing decapsulated; with `vxlan-port 8472` it gives the overlay's
#    flows and findings again, and tshark told `-d udp.port==8472,vxlan`
#    sees the same inner conversations.
# 4. Geneve: part 2's overlay capture (real programs' frames) wrapped by
#    scapy (tests/geneve-wrap.py) in Geneve carrying the Ethernet frame
#    with options, and carrying the IP packet alone (AWS Gateway Load
#    Balancer's way): each must give the overlay's flows and findings,
#    decap.geneve must count what tshark decodes, the alerts name the
#    Geneve tunnel; with `geneve-port none` it is plain UDP/6081 flows.
# Part 1 needs tshark and sqlite3; part 2 root and a kernel that can make
# a vxlan device, part 4 also scapy (each says why it skips).  Addresses only from
# 198.18.0.0/15; no DNS.  Environment: top_srcdir, top_builddir (set by
# make check); E2E_KEEP=1 keeps the work directory.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name e2e-tunnel

lib_need_tools tshark sqlite3 python3
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "$conformd not built"
[ -x "$top_builddir/tests/gen-edge" ] || lib_error "tests/gen-edge not built"
config=$top_srcdir/tests/edge-site/conformd.conf

NS_A=cfv-tun-a
NS_B=cfv-tun-b
W=$(mktemp -d /tmp/cfd-tunnel.XXXXXX) || lib_error "cannot make a work directory"
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	[ -n "${TCPDUMP_PIDS:-}" ] && kill $TCPDUMP_PIDS 2>/dev/null
	[ -n "${SERVER_PIDS:-}" ] && kill $SERVER_PIDS 2>/dev/null
	ip netns del $NS_A 2>/dev/null
	ip netns del $NS_B 2>/dev/null
	if [ -n "${E2E_KEEP:-}" ] || [ "$LIB_FAILED" -ne 0 ]; then
		echo "e2e-tunnel: work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1"
	else
		lib_failed "$1" "expected [$2], got [$3]"
	fi
}

# TCP conversations of a capture as tshark sees them, one line each:
# "lowaddr:port highaddr:port frames", sorted.  More tshark options after
# the file.
tshark_tcp() {
	tshark -n -r "$1" "${@:2}" -q -z conv,tcp 2>/dev/null | python3 -c '
import re, sys
out = []
for line in sys.stdin:
    m = re.match(r"\s*(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\d+\s*\S*\s+(\d+)\s+\d+\s*\S*\s+(\d+)\s", line)
    if m:
        a, b = sorted([m.group(1), m.group(2)])
        out.append("%s %s %s" % (a, b, m.group(5)))
print("\n".join(sorted(out)))'
}

# The same from conformd's TCP flows.
db_tcp() {
	sqlite3 -separator ' ' "$1" "select src_ip, src_port, dest_ip, dest_port,
	    pkts_toserver + pkts_toclient from flows where proto = 'TCP'" | python3 -c '
import sys
out = []
for line in sys.stdin:
    s, sp, d, dp, n = line.split()
    a, b = sorted(["%s:%s" % (s, sp), "%s:%s" % (d, dp)])
    out.append("%s %s %s" % (a, b, n))
print("\n".join(sorted(out)))'
}

counter() {
	sqlite3 "$1" "select coalesce(sum(value), 0) from counters where name = '$2'"
}

# alert_tunnels CAPTURE EVE [tshark options]: every alert about a flow
# against the frames tshark dates to its timestamp (the packet that raised
# it): a "tunnel" object must give one such frame's outermost IP source
# and destination, its outer protocol (GRE, or UDP: VXLAN's, Geneve's), and its
# depth, the IP headers it holds less one; an alert without one must come
# from a frame with a single IP header.  Prints "N alerts, T with a
# tunnel" or the first mismatches.
alert_tunnels() {
	tshark -n -r "$1" "${@:3}" -T fields -E separator='|' -e frame.time_epoch \
	    -e frame.protocols -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
	python3 -c '
import datetime, json, sys
frames = {}
for line in open(sys.argv[1]):
    t, protos, s4, d4, s6, d6 = line.rstrip("\n").split("|")
    sec, _, frac = t.partition(".")
    us = int(sec) * 1000000 + int((frac + "000000")[:6])
    layers = protos.split(":")
    ips = [l for l in layers if l in ("ip", "ipv6")]
    first = layers.index(ips[0]) if ips else 0
    outer = (s4 or s6).split(",")[0], (d4 or d6).split(",")[0]
    # the ends of the outermost header: ip.src lists IPv4 headers first,
    # so an IPv6 outer header takes ipv6.src
    if ips and ips[0] == "ipv6":
        outer = s6.split(",")[0], d6.split(",")[0]
    # the outermost encapsulation: the first of gre, vxlan and geneve after it
    encap = [l for l in layers[first:] if l in ("gre", "vxlan", "geneve")]
    proto = {"gre": "GRE", "vxlan": "UDP", "geneve": "UDP"}[encap[0]] if encap else None
    frames.setdefault(us, []).append((outer, proto, len(ips) - 1))
bad, n, nt = [], 0, 0
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e.get("event_type") != "alert" or "flow_id" not in e:
        continue
    n += 1
    ts = datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    us = int(ts.timestamp()) * 1000000 + ts.microsecond
    cands = frames.get(us, [])
    t = e.get("tunnel")
    if t is None:
        if not any(depth == 0 for _, _, depth in cands):
            bad.append("flow %s: no tunnel, frames %s" % (e["flow_id"], cands))
        continue
    nt += 1
    want = ((t["src_ip"], t["dest_ip"]), t["proto"], t["depth"])
    if want not in cands:
        bad.append("flow %s: tunnel %s, frames %s" % (e["flow_id"], want, cands))
print("\n".join(bad[:3]) if bad else "%d alerts, %d with a tunnel" % (n, nt))
' /dev/stdin "$2"
}

# ---- 1. golden GRE / ERSPAN / VXLAN / Geneve captures ------------------

"$top_builddir/tests/gen-edge" "$W/edge" || lib_error "tests/gen-edge failed"
cap=$W/edge/tunnel.pcap
"$conformd" -q -c "$config" -r "$cap" --db "$W/gold.db" --eve "$W/gold.eve"
[ $? -le 1 ] || lib_error "conformd -r $cap failed"
check "tunnel.pcap: each alert names the tunnel of its packet as tshark decodes it" \
	"12 alerts, 12 with a tunnel" "$(alert_tunnels "$cap" "$W/gold.eve")"
check "tunnel.pcap: inner TCP conversations as tshark decodes them" \
	"$(tshark_tcp "$cap")" "$(db_tcp "$W/gold.db")"
check "tunnel.pcap: 9 TCP conversations" 9 "$(db_tcp "$W/gold.db" | grep -c .)"
check "tunnel.pcap: 3 inner UDP flows" 3 \
	"$(sqlite3 "$W/gold.db" "select count(*) from flows where proto = 'UDP' and dest_port = 3478")"
check "tunnel.pcap: no flow of the transport (VLAN 300, 198.18.200.0/24, GRE)" 0 \
	"$(sqlite3 "$W/gold.db" "select count(*) from flows where vlan0 = 300 or src_ip like '198.18.20%' or proto not in ('TCP', 'UDP')")"
for kv in gre=29 gretap=9 erspan1=9 erspan2=9 erspan3=11 vxlan=18 geneve=11; do
	check "tunnel.pcap: counter decap.${kv%=*}" "${kv#*=}" "$(counter "$W/gold.db" "decap.${kv%=*}")"
done
# tshark names the same tunnels in the same frames
check "tunnel.pcap: tshark sees 29 GRE-carried IP, 18 VXLAN, 29 ERSPAN, 11 Geneve frames" "29 18 29 11" \
	"$(tshark -n -r "$cap" -Y 'gre.proto == 0x0800 || gre.proto == 0x86dd' 2>/dev/null | grep -c .) $(tshark -n -r "$cap" -Y vxlan 2>/dev/null | grep -c .) $(tshark -n -r "$cap" -Y 'gre.proto == 0x88be || gre.proto == 0x22eb' 2>/dev/null | grep -c .) $(tshark -n -r "$cap" -Y geneve 2>/dev/null | grep -c .)"

cap=$W/edge/tunnel-bad.pcap
"$conformd" -q -c "$config" -r "$cap" --db "$W/bad.db"
[ $? -le 1 ] || lib_error "conformd -r $cap failed"
for ev in gre_trunc gre_bad_flags erspan_trunc erspan_bad_version vxlan_trunc geneve_trunc tunnel_too_deep; do
	check "tunnel-bad.pcap: counter decode.$ev" 1 "$(counter "$W/bad.db" "decode.$ev")"
done
check "tunnel-bad.pcap: 7 malformed" 7 "$(counter "$W/bad.db" malformed)"
check "tunnel-bad.pcap: GRE v1, unknown GRE protocol, outer fragment: one GRE flow" 1 \
	"$(sqlite3 "$W/bad.db" "select count(*) from flows where proto = '47' or proto = 'GRE'")"
check "tunnel-bad.pcap: UDP to 4789 without the I flag is a UDP flow" 1 \
	"$(sqlite3 "$W/bad.db" "select count(*) from flows where proto = 'UDP' and dest_port = 4789")"
# tshark decodes them as Geneve, with the O flag or version 1: frames
# conformd keeps as UDP flows to 6081 (two: each its own source port)
check "tunnel-bad.pcap: tshark sees a Geneve control message and a version 1 header" "1 0
0 1" "$(tshark -n -r "$cap" -Y 'geneve.flags.oam == 1 || geneve.version == 1' -T fields \
	    -e geneve.flags.oam -e geneve.version 2>/dev/null | tr '\t' ' ')"
check "tunnel-bad.pcap: ... kept as UDP flows to 6081" 2 \
	"$(sqlite3 "$W/bad.db" "select count(*) from flows where proto = 'UDP' and dest_port = 6081")"

# ---- 2. VXLAN made by the kernel ----------------------------------------

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: e2e-tunnel part 2 (kernel VXLAN) needs root for network namespaces"
	lib_summary
fi
for t in ip tcpdump socat curl timeout; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: e2e-tunnel part 2 needs $t"; lib_summary; }
done
ip netns del $NS_A 2>/dev/null
ip netns del $NS_B 2>/dev/null
if ! ip netns add $NS_A 2>/dev/null || ! ip netns add $NS_B; then
	echo "SKIP: e2e-tunnel part 2: cannot create network namespaces here"
	lib_summary
fi
# No IPv6 autoconfiguration chatter: both captures see only our traffic.
for n in $NS_A $NS_B; do
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add va netns $NS_A type veth peer name vb netns $NS_B || lib_error "veth"
ip -n $NS_A addr add 198.18.250.1/24 dev va
ip -n $NS_B addr add 198.18.250.2/24 dev vb
for n in $NS_A:va $NS_B:vb; do
	ip -n "${n%:*}" link set lo up
	ip -n "${n%:*}" link set "${n#*:}" up
done
# vxlan_pair PORT: the vxlan devices vx0 (VNI 42) on UDP PORT in both
# namespaces, carrying the overlay 198.18.0.0/16; 1 when the kernel
# cannot make one.
vxlan_pair() {
	for n in $NS_A $NS_B; do ip -n $n link del vx0 2>/dev/null; done
	ip -n $NS_A link add vx0 type vxlan id 42 local 198.18.250.1 remote 198.18.250.2 \
	    dstport "$1" dev va 2>"$W/vxlan.err" || return 1
	ip -n $NS_B link add vx0 type vxlan id 42 local 198.18.250.2 remote 198.18.250.1 \
	    dstport "$1" dev vb || lib_error "vxlan in $NS_B"
	ip -n $NS_A addr add 198.18.10.20/16 dev vx0
	ip -n $NS_B addr add 198.18.1.11/16 dev vx0
	ip -n $NS_A link set vx0 up
	ip -n $NS_B link set vx0 up
}

# site_talk UNDERLAY OVERLAY: tcpdump on the underlay veth and the overlay
# device into $W/UNDERLAY.pcap and $W/OVERLAY.pcap while the client talks
# to the Front End: plain TCP on 5061 and 7000, an HTTP server on 443
# (cleartext: the verdict is about the port), a UDP sink on 3478.
site_talk() {
	rm -f "$W/tcpdump-u.log" "$W/tcpdump-o.log"
	ip netns exec $NS_A tcpdump -n -i va --immediate-mode -U -s 0 -w "$W/$1.pcap" 2>"$W/tcpdump-u.log" &
	TCPDUMP_PIDS=$!
	ip netns exec $NS_A tcpdump -n -i vx0 --immediate-mode -U -s 0 -w "$W/$2.pcap" 2>"$W/tcpdump-o.log" &
	TCPDUMP_PIDS="$TCPDUMP_PIDS $!"
	for _ in $(seq 50); do
		grep -q listening "$W/tcpdump-u.log" && grep -q listening "$W/tcpdump-o.log" && break
		sleep 0.1
	done
	mkdir -p "$W/www" && echo conformd >"$W/www/index.html"
	ip netns exec $NS_B socat TCP-LISTEN:5061,reuseaddr,fork SYSTEM:'echo SIP/2.0 200 OK' &
	SERVER_PIDS=$!
	ip netns exec $NS_B socat TCP-LISTEN:7000,reuseaddr,fork SYSTEM:'echo hello' &
	SERVER_PIDS="$SERVER_PIDS $!"
	ip netns exec $NS_B python3 -m http.server 443 --bind 198.18.1.11 --directory "$W/www" \
		>/dev/null 2>&1 &
	SERVER_PIDS="$SERVER_PIDS $!"
	ip netns exec $NS_B socat -u UDP-RECV:3478 OPEN:/dev/null &
	SERVER_PIDS="$SERVER_PIDS $!"
	for _ in $(seq 50); do
		ip netns exec $NS_B ss -ltn | grep -q ':443 ' && break
		sleep 0.1
	done
	for port in 5061 7000; do
		echo "REGISTER sip:198.18.1.11 SIP/2.0" |
			ip netns exec $NS_A timeout 5 socat - TCP:198.18.1.11:$port >/dev/null 2>&1
	done
	ip netns exec $NS_A timeout 5 curl -s -o /dev/null --noproxy '*' http://198.18.1.11:443/
	echo "stun" | ip netns exec $NS_A timeout 5 socat -u - UDP:198.18.1.11:3478,sourceport=50478
	sleep 1
	kill $SERVER_PIDS 2>/dev/null
	SERVER_PIDS=
	kill -INT $TCPDUMP_PIDS 2>/dev/null
	wait $TCPDUMP_PIDS 2>/dev/null
	TCPDUMP_PIDS=
}

if ! vxlan_pair 4789; then
	echo "SKIP: e2e-tunnel part 2: this kernel cannot make a vxlan device: $(cat "$W/vxlan.err")"
	lib_summary
fi
site_talk underlay overlay

for side in underlay overlay; do
	"$conformd" -q -c "$config" -r "$W/$side.pcap" --db "$W/$side.db" --eve "$W/$side.eve"
	[ $? -le 1 ] || lib_error "conformd -r $side.pcap failed"
done
flows="select proto, src_ip, src_port, dest_ip, dest_port, pkts_toserver, pkts_toclient,
	verdict, coalesce(rule_id, '-') from flows where proto in ('TCP', 'UDP')
	order by proto, src_ip, src_port, dest_ip, dest_port"
findings="select kind, src_ip, dest_ip, dest_port, proto, rule_id, count from findings
	order by kind, src_ip, dest_ip, dest_port, proto, rule_id"
# same_as_overlay WHAT UNDERLAY.db OVERLAY.db: the underlay read gives the
# overlay's flows and findings, with the verdicts of site_talk's traffic.
same_as_overlay() {
	check "$1: same flows on the underlay as on the overlay" \
		"$(sqlite3 "$3" "$flows")" "$(sqlite3 "$2" "$flows")"
	check "$1: same findings on the underlay as on the overlay" \
		"$(sqlite3 "$3" "$findings")" "$(sqlite3 "$2" "$findings")"
	check "$1: verdicts (5061, 443 expected; 7000, UDP 3478 unexpected)" \
		"TCP 443 expected T1R19
TCP 5061 expected T1R3
TCP 7000 unexpected -
UDP 3478 unexpected -" \
		"$(sqlite3 -separator ' ' "$2" "select proto, dest_port, verdict, coalesce(rule_id, '-')
		    from flows where dest_ip = '198.18.1.11' order by proto, dest_port")"
}
same_as_overlay vxlan "$W/underlay.db" "$W/overlay.db"
n=$(grep -c '"flow_id":[0-9]*,"event_type":"alert"' "$W/overlay.eve")
check "vxlan: alerts about flows (unexpected 7000 and 3478, cleartext on 5061 and 443)" \
	"4 4" "$n $(grep -c '"flow_id":[0-9]*,"event_type":"alert"' "$W/underlay.eve")"
check "vxlan: each alert names the underlay's VXLAN tunnel of its packet (tshark)" \
	"$n alerts, $n with a tunnel" "$(alert_tunnels "$W/underlay.pcap" "$W/underlay.eve")"
check "vxlan: no overlay alert names a tunnel" "$n alerts, 0 with a tunnel" \
	"$(alert_tunnels "$W/overlay.pcap" "$W/overlay.eve")"
check "vxlan: no flow of the underlay addresses" 0 \
	"$(sqlite3 "$W/underlay.db" "select count(*) from flows where src_ip like '198.18.250.%'")"
vx=$(tshark -n -r "$W/underlay.pcap" -Y vxlan 2>/dev/null | grep -c .)
check "vxlan: decap.vxlan counts every VXLAN frame tshark sees" "$vx" "$(counter "$W/underlay.db" decap.vxlan)"
check "vxlan: as many packets as on the overlay" \
	"$(counter "$W/overlay.db" packets)" "$(counter "$W/underlay.db" decap.vxlan)"
check "vxlan: inner TCP conversations as tshark decodes them" \
	"$(tshark_tcp "$W/underlay.pcap")" "$(db_tcp "$W/underlay.db")"
check "vxlan: tshark sees 3 TCP conversations inside" 3 "$(tshark_tcp "$W/underlay.pcap" | grep -c .)"

# ---- 3. VXLAN on another port: vxlan-port ------------------------------

vxlan_pair 8472 || lib_error "vxlan on 8472: $(cat "$W/vxlan.err")"
site_talk underlay8472 overlay8472

printf 'rules %s\ninventory %s\nvxlan-port 8472\n' "$top_srcdir/rules/lync2013.rules" \
    "$top_srcdir/tests/edge-site/inventory.conf" >"$W/vx8472.conf"
"$conformd" -q -c "$config" -r "$W/underlay8472.pcap" --db "$W/u8472-default.db"
[ $? -le 1 ] || lib_error "conformd -r underlay8472.pcap failed"
"$conformd" -q -c "$W/vx8472.conf" -r "$W/underlay8472.pcap" --db "$W/u8472.db" --eve "$W/u8472.eve"
[ $? -le 1 ] || lib_error "conformd -c vx8472.conf -r underlay8472.pcap failed"
"$conformd" -q -c "$config" -r "$W/overlay8472.pcap" --db "$W/o8472.db"
[ $? -le 1 ] || lib_error "conformd -r overlay8472.pcap failed"
check "vxlan 8472, default ports: plain UDP flows between the underlay addresses" "UDP 8472" \
	"$(sqlite3 -separator ' ' "$W/u8472-default.db" "select distinct proto, dest_port from flows
	    where src_ip like '198.18.250.%'")"
check "vxlan 8472, default ports: nothing decapsulated" 0 "$(counter "$W/u8472-default.db" decap.vxlan)"
same_as_overlay "vxlan-port 8472" "$W/u8472.db" "$W/o8472.db"
vx=$(tshark -n -r "$W/underlay8472.pcap" -d udp.port==8472,vxlan -Y vxlan 2>/dev/null | grep -c .)
check "vxlan-port 8472: decap.vxlan counts every VXLAN frame tshark sees" "$vx" \
	"$(counter "$W/u8472.db" decap.vxlan)"
check "vxlan-port 8472: inner TCP conversations as tshark decodes them" \
	"$(tshark_tcp "$W/underlay8472.pcap" -d udp.port==8472,vxlan)" "$(db_tcp "$W/u8472.db")"
check "vxlan-port 8472: tshark sees 3 TCP conversations inside" 3 \
	"$(tshark_tcp "$W/underlay8472.pcap" -d udp.port==8472,vxlan | grep -c .)"
check "vxlan-port 8472: each alert names the tunnel of its packet (tshark)" \
	"4 alerts, 4 with a tunnel" "$(alert_tunnels "$W/underlay8472.pcap" "$W/u8472.eve" -d udp.port==8472,vxlan)"

# ---- 4. Geneve: part 2's overlay mirrored through Geneve by scapy -------

# This kernel, like many, cannot make a geneve device: scapy (an encoder
# independent of conformd's and of tests/gen-edge.c) wraps each frame the
# real programs sent on the overlay in Geneve instead.
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import scapy.contrib.geneve' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP: e2e-tunnel part 4 (Geneve) needs scapy (Debian package python3-scapy)"
	lib_summary
fi
overlay_ip=$(tshark -n -r "$W/overlay.pcap" -Y 'ip or ipv6' 2>/dev/null | grep -c .)
for mode in eth ip; do
	g=$W/geneve-$mode
	"$py" "$top_srcdir/tests/geneve-wrap.py" "$W/overlay.pcap" "$g.pcap" $mode >"$g.n" ||
	    lib_error "tests/geneve-wrap.py $mode failed"
	"$conformd" -q -c "$config" -r "$g.pcap" --db "$g.db" --eve "$g.eve"
	[ $? -le 1 ] || lib_error "conformd -r geneve-$mode.pcap failed"
	same_as_overlay "geneve ($mode)" "$g.db" "$W/overlay.db"
	check "geneve ($mode): each alert names the Geneve tunnel of its packet (tshark)" \
		"4 alerts, 4 with a tunnel" "$(alert_tunnels "$g.pcap" "$g.eve")"
	check "geneve ($mode): the tunnel type of every alert" "geneve geneve geneve geneve" \
		"$(grep '"event_type":"alert"' "$g.eve" | grep -o '"tunnel_type":"[a-z0-9]*"' |
		    sed 's/.*:"\(.*\)"/\1/' | tr '\n' ' ' | sed 's/ $//')"
	check "geneve ($mode): decap.geneve counts every Geneve frame tshark sees" \
		"$(tshark -n -r "$g.pcap" -Y geneve 2>/dev/null | grep -c .)" \
		"$(counter "$g.db" decap.geneve)"
	check "geneve ($mode): every frame wrapped is decapsulated" \
		"$(cat "$g.n")" "$(counter "$g.db" decap.geneve)"
	check "geneve ($mode): no flow of the underlay addresses" 0 \
		"$(sqlite3 "$g.db" "select count(*) from flows where src_ip like '198.18.250.%'")"
	check "geneve ($mode): inner TCP conversations as tshark decodes them" \
		"$(tshark_tcp "$g.pcap")" "$(db_tcp "$g.db")"
done
check "geneve (eth): every overlay frame wrapped" \
	"$(counter "$W/overlay.db" packets)" "$(cat "$W/geneve-eth.n")"
check "geneve (ip): every overlay IP packet wrapped" "$overlay_ip" "$(cat "$W/geneve-ip.n")"
# geneve-port none: the same capture is plain UDP to 6081 between the
# underlay addresses, nothing decapsulated
printf 'rules %s\ninventory %s\ngeneve-port none\n' "$top_srcdir/rules/lync2013.rules" \
    "$top_srcdir/tests/edge-site/inventory.conf" >"$W/gnone.conf"
"$conformd" -q -c "$W/gnone.conf" -r "$W/geneve-eth.pcap" --db "$W/gnone.db"
[ $? -le 1 ] || lib_error "conformd -c gnone.conf -r geneve-eth.pcap failed"
check "geneve-port none: plain UDP flows between the underlay addresses" "UDP 6081" \
	"$(sqlite3 -separator ' ' "$W/gnone.db" "select distinct proto, dest_port from flows
	    where src_ip like '198.18.250.%'")"
check "geneve-port none: nothing decapsulated" 0 "$(counter "$W/gnone.db" decap.geneve)"

lib_summary
