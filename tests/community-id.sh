#!/bin/sh
# community-id.sh - the Community ID of every flow in EVE (`community-id
# yes`) against Wireshark's own Community ID dissector (tshark
# --enable-protocol communityid), on the capture of every golden case
# (tests/cases: the shipped sample, every capture tests/gen-edge writes),
# with seed 0 and seed 7; alerts carry their flow's;
# without the setting no event has one.  A TCP/UDP flow's ID must be the
# one tshark gives its packets (left out: ICMP errors, which tshark hashes
# as ICMP though they quote the flow); an ICMP flow's, one tshark gives an
# ICMP message from its source to its destination (the flow's first
# message decides), and so must its icmp_type and icmp_code.  A flow tshark gives none (it has no
# Community ID for some tunnelled packets) is reported, not failed, in the
# tunnel captures only.  The database (--db) holds, for every flow, the
# Community ID, ICMP type and code of its EVE flow event.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name community-id
lib_need_tools tshark python3

bin=$top_builddir/conformd
[ -x "$bin" ] || lib_error "no binary at $bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-cid.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
"$top_builddir/tests/gen-edge" "$tmp/edge" >/dev/null || lib_error "tests/gen-edge failed"

cat >"$tmp/cmp.py" <<'EOF'
# cmp.py CAPTURE EVE SEED TUNNELS DB: conformd's flow events against tshark,
# and the database's flows against the flow events.
import json, sqlite3, subprocess, sys
cap, eve, seed, tunnels, db = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5]
out = subprocess.run(["tshark", "-n", "-r", cap, "--enable-protocol", "communityid",
    "-o", "communityid.seed:" + seed, "-Y", "not icmp and not icmpv6",
    "-T", "fields", "-E", "occurrence=l",
    "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst",
    "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "tcp.dstport", "-e", "udp.dstport",
    "-e", "communityid"], capture_output=True, text=True, check=True).stdout
icmp = subprocess.run(["tshark", "-n", "-r", cap, "--enable-protocol", "communityid",
    "-o", "communityid.seed:" + seed, "-Y", "icmp or icmpv6",
    "-T", "fields", "-E", "occurrence=f",
    "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "communityid",
    "-e", "icmp.type", "-e", "icmpv6.type", "-e", "icmp.code", "-e", "icmpv6.code"],
    capture_output=True, text=True, check=True).stdout
ticmp, ttype = {}, {}
for line in icmp.splitlines():
    f = line.split("\t")
    if len(f) >= 9 and f[4]:
        ends = (f[0] or f[1], f[2] or f[3])
        ticmp.setdefault(ends, set()).add(f[4])
        ttype.setdefault(ends, set()).add((int(f[5] or f[6]), int(f[7] or f[8])))
ts = {}
for line in out.splitlines():
    f = line.split("\t")
    if len(f) < 9 or not f[8] or not (f[4] or f[5]):
        continue
    k = ("TCP" if f[4] else "UDP",
         frozenset([(f[0] or f[1], int(f[4] or f[5])), (f[2] or f[3], int(f[6] or f[7]))]))
    ts.setdefault(k, set()).add(f[8])
ok, nicmp, problems, flows, evefacts = 0, 0, [], {}, {}
for line in open(eve):
    e = json.loads(line)
    if e.get("event_type") == "flow":
        flows[e["flow_id"]] = e.get("community_id")
        evefacts[e["flow_id"]] = (e.get("community_id"), e.get("icmp_type"), e.get("icmp_code"))
        if e["proto"] in ("ICMP", "IPv6-ICMP"):
            want = ticmp.get((e["src_ip"], e["dest_ip"]), set())
            tc = (e.get("icmp_type"), e.get("icmp_code"))
            if e.get("community_id") in want and tc in ttype.get((e["src_ip"], e["dest_ip"]), set()):
                nicmp += 1
            elif e.get("community_id") in want:
                problems.append("ICMP flow %s -> %s: icmp_type/code %s, tshark's messages %s" % (
                    e["src_ip"], e["dest_ip"], tc, ttype.get((e["src_ip"], e["dest_ip"]))))
            else:
                problems.append("ICMP flow %s -> %s: conformd %s, tshark %s" % (e["src_ip"],
                    e["dest_ip"], e.get("community_id"), want))
            continue
        if e["proto"] not in ("TCP", "UDP"):
            continue
        k = (e["proto"], frozenset([(e["src_ip"], e["src_port"]), (e["dest_ip"], e["dest_port"])]))
        want, got = ts.get(k), e.get("community_id")
        if want is None:
            if not tunnels:
                problems.append("tshark gives no Community ID to flow %s" % (sorted(k[1]),))
            else:
                print("  (tshark gives none to the tunnelled flow %s)" % (sorted(k[1]),))
        elif want != {got}:
            problems.append("flow %s: tshark %s, conformd %s" % (sorted(k[1]), want, got))
        else:
            ok += 1
for line in open(eve):
    e = json.loads(line)
    if e.get("event_type") == "alert" and "flow_id" in e and \
            e.get("community_id") != flows.get(e["flow_id"]):
        problems.append("alert of flow %d: %s, its flow %s" % (e["flow_id"],
            e.get("community_id"), flows.get(e["flow_id"])))
rows = {r[0]: tuple(r[1:]) for r in sqlite3.connect(db).execute(
    "SELECT flow_id, community_id, icmp_type, icmp_code FROM flows")}
if rows != evefacts:
    problems.append("database flows differ from EVE's: %s" % (
        sorted(set(rows.items()) ^ set(evefacts.items()))[:3],))
for p in problems:
    print("  " + p)
print("%d TCP/UDP and %d ICMP" % (ok, nicmp))
sys.exit(1 if problems or ok == 0 else 0)
EOF

# one_case NAME CAPTURE CONF: the case with community-id on, seed $seed
one_case() {
	name=$1 cap=$2
	case "$name" in tunnel*) tun=1 ;; *) tun=0 ;; esac
	lib_conf_with "$3" "community-id yes" "community-id-seed $seed" >"$tmp/c.conf"
	rm -f "$tmp/e.json" "$tmp/f.db"
	"$bin" -q -c "$tmp/c.conf" -r "$cap" --eve "$tmp/e.json" --db "$tmp/f.db" 2>/dev/null
	[ $? -le 1 ] || { lib_failed "$name: conformd failed"; return; }
	if python3 "$tmp/cmp.py" "$cap" "$tmp/e.json" "$seed" "$tun" "$tmp/f.db" >"$tmp/cmp.out" 2>&1; then
		lib_pass "$name, seed $seed: the Community ID of its $(tail -n 1 "$tmp/cmp.out") flows (and their ICMP type and code) is tshark's, in EVE and the database"
		grep '^  (' "$tmp/cmp.out"
	else
		lib_failed "$name, seed $seed: $(head -n 5 "$tmp/cmp.out" | tr '\n' ' ')"
	fi
}
for seed in 0 7; do
	lib_each_case "$tmp/edge" one_case
done
# Off by default: not a byte more.
rm -f "$tmp/e.json" "$tmp/f.db"
"$bin" -q -c "$top_srcdir/samples/conformd.conf" -r "$top_srcdir/samples/lync-site.pcap" --eve "$tmp/e.json" --db "$tmp/f.db" 2>/dev/null
lib_check "off by default: no event has a community_id" sh -c "! grep -q community_id '$tmp/e.json'"
lib_check "off by default: every flow row's community_id is NULL" test \
    "$(sqlite3 "$tmp/f.db" 'select count(*) from flows where community_id is null') $(sqlite3 "$tmp/f.db" 'select count(*) from flows')" \
    = "$(grep -c '"event_type":"flow"' "$tmp/e.json") $(grep -c '"event_type":"flow"' "$tmp/e.json")"
lib_summary
