#!/bin/sh
# alerts.sh - the alert feeds end to end, against a real rsyslogd that this
# test starts on 127.0.0.1 (its own config: imudp/imtcp inputs, omfile
# outputs writing the raw messages, no default config, -n -i pidfile):
#   1. every finding of samples/lync-site.pcap arrives exactly once on each
#      feed (RFC 5424 over UDP and TCP, EVE over TCP syslog, CEF over UDP,
#      LEEF over TCP, EVE datagrams on a Unix socket), counted against the
#      SQLite findings; each message parses as RFC 5424 with the expected
#      structured data, the EVE JSON and the CEF and LEEF records parse;
#      local syslog(3) too, when a private /dev/log can be mounted (root);
#   2. the collector is killed and restarted while conformd reads a
#      capture from a pipe: it reconnects, and sent + queue-dropped +
#      unsent adds up to the alerts it had to send;
#   3. a flood (one client, 50,000 unexpected ports): with scan-threshold
#      1000 the classifier folds it into one scan finding of 50,000 probes
#      (SQLite holds that one finding, no unexpected one) and the feeds
#      send that one scan alert and fold nothing of their own (nothing
#      counted twice); with scan-threshold 0 the alerts stay within the
#      rate limit and SQLite holds all 50,000 unexpected findings.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name alerts
PATH=$PATH:/usr/sbin:/sbin	# rsyslogd lives in sbin
lib_need_tools rsyslogd python3 sqlite3

bin=$top_builddir/conformd
rules=$top_srcdir/rules/lync2013.rules
inv=$top_srcdir/samples/inventory.conf
sample=$top_srcdir/samples/lync-site.pcap
gen=$top_srcdir/tests/gen-alerts.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-alerts.XXXXXX") || lib_error "mktemp"
rs_pid=
bg_pids=

cleanup() {
	[ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null
	for p in $bg_pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Six free ports from the kernel (TCP and UDP alike): 5 inputs, 1 spare.
set -- $(python3 -c '
import socket
ss = []
for _ in range(6):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
    ss += [t, u]; print(p)
') || lib_error "no free ports"
p_udp=$1 p_tcp=$2 p_eve=$3 p_cef=$4 p_leef=$5

mkdir -p "$tmp/rs"
cat >"$tmp/rsyslog.conf" <<EOF
global(workDirectory="$tmp/rs" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="udp") { action(type="omfile" file="$tmp/udp.log" template="raw") }
ruleset(name="tcp") { action(type="omfile" file="$tmp/tcp.log" template="raw") }
ruleset(name="eve") { action(type="omfile" file="$tmp/eve.log" template="raw") }
ruleset(name="cef") { action(type="omfile" file="$tmp/cef.log" template="raw") }
ruleset(name="leef") { action(type="omfile" file="$tmp/leef.log" template="raw") }
input(type="imudp" address="127.0.0.1" port="$p_udp" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$p_tcp" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="$p_eve" ruleset="eve")
input(type="imudp" address="127.0.0.1" port="$p_cef" ruleset="cef")
input(type="imtcp" address="127.0.0.1" port="$p_leef" ruleset="leef")
EOF

# Start the collector and wait until its TCP inputs accept.
rs_start() {
	rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rs/pid" </dev/null >>"$tmp/rs/out" 2>&1 &
	rs_pid=$!
	python3 - "$p_tcp" "$p_eve" "$p_leef" <<'PY' || { cat "$tmp/rs/out"; lib_error "rsyslogd did not start"; }
import socket, sys, time
deadline = time.time() + 15
for p in sys.argv[1:]:
    while True:
        try:
            socket.create_connection(("127.0.0.1", int(p)), 1).close()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit(1)
            time.sleep(0.05)
PY
}

# Stop it and wait until it is gone.
rs_stop() {
	kill "$rs_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$rs_pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$rs_pid" 2>/dev/null
	wait "$rs_pid" 2>/dev/null
	rs_pid=
}

# wait_lines FILE N: until FILE has at least N lines (10 s at most).
wait_lines() {
	for _ in $(seq 200); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

q() { sqlite3 -batch -noheader "$@"; }

# The checker: strict RFC 5424, CEF and LEEF parsers, and the comparison
# of what arrived with the SQLite findings.
cat >"$tmp/check.py" <<'PY'
import collections, json, re, sqlite3, sys

HDR = re.compile(r'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(?:\d{6}|\d{3})Z) (\S{1,255}) (\S{1,48}) (\d+) (\S{1,32}) (.*)$')
KINDS = {"unexpected", "blocked", "missing", "protocol_mismatch", "scan"}

def fail(msg):
    print("  " + msg)
    sys.exit(1)

def parse_sd(s):
    """RFC 5424 STRUCTURED-DATA: (params of our element, rest)."""
    if s.startswith("-"):
        return None, s[1:]
    if not s.startswith("[conformd@32473"):
        raise ValueError("SD-ID")
    i, params = len("[conformd@32473"), {}
    while s[i] == " ":
        j = s.index("=", i)
        name = s[i + 1:j]
        if not re.fullmatch(r'[^= \]"]{1,32}', name) or s[j + 1] != '"':
            raise ValueError("SD-PARAM " + name)
        i, v = j + 2, []
        while s[i] != '"':
            if s[i] == "]":
                raise ValueError("unescaped ]")
            if s[i] == "\\" and s[i + 1] in '"\\]':
                i += 1
            v.append(s[i])
            i += 1
        if name in params:
            raise ValueError("duplicate " + name)
        params[name] = "".join(v)
        i += 1
    if s[i] != "]":
        raise ValueError("SD end")
    return params, s[i + 1:]

def parse_5424(line):
    m = HDR.match(line)
    if not m:
        raise ValueError("header")
    pri, msgid = int(m.group(1)), m.group(6)
    if pri >= 192 or pri % 8 not in (3, 4, 5):
        raise ValueError("PRI %d" % pri)
    sd, rest = parse_sd(m.group(7))
    if rest and not rest.startswith(" "):
        raise ValueError("SP before MSG")
    # microseconds, but milliseconds before a LEEF record (IBM's format)
    if len(m.group(2)) != (24 if rest.startswith(" LEEF:") else 27):
        raise ValueError("TIMESTAMP %s" % m.group(2))
    # the sensor's name, where the configuration gives one
    if m.group(3) != "alerts-sensor.example":
        raise ValueError("HOSTNAME %s" % m.group(3))
    if any(ord(c) < 32 for c in line):
        raise ValueError("control character")
    return msgid, sd, rest[1:]

# CEF's src and dst are IPv4 fields: IPv6 addresses come in c6a2 and c6a3
# (read back here as src and dst)
def cef_addrs(ext, path, n):
    for v4, v6 in (("src", "c6a2"), ("dst", "c6a3")):
        if ":" in ext.get(v4, ""):
            fail("%s:%d: IPv6 in %s: %s" % (path, n, v4, ext[v4]))
        if v6 in ext:
            if ":" not in ext[v6] or v4 in ext:
                fail("%s:%d: %s %s" % (path, n, v6, ext[v6]))
            ext[v4] = ext.pop(v6)

def parse_cef(s):
    if not s.startswith("CEF:0|"):
        raise ValueError("CEF header")
    hdr, i, cur = [], 4, []
    while len(hdr) < 7:
        c = s[i]
        if c == "\\" and s[i + 1] in "|\\":
            cur.append(s[i + 1]); i += 2; continue
        if c == "|":
            hdr.append("".join(cur)); cur = []; i += 1; continue
        cur.append(c); i += 1
    ext, rest = {}, s[i:]
    for m in re.finditer(r'(?:^| )([A-Za-z0-9]+)=((?:\\.|[^\\=])*?)(?= [A-Za-z0-9]+=|$)', rest):
        ext[m.group(1)] = re.sub(r'\\(.)', lambda x: {"n": "\n", "r": "\r"}.get(x.group(1), x.group(1)), m.group(2))
    return hdr, ext

def parse_leef(s):
    parts = s.split("|", 6)
    if parts[0] != "LEEF:2.0" or parts[5] != "^":
        raise ValueError("LEEF header")
    attrs = {}
    for a in re.split(r'(?<!\\)\^', parts[6]):
        k, v = re.split(r'(?<!\\)=', a, maxsplit=1)
        attrs[k] = re.sub(r'\\(.)', r'\1', v)
    return parts, attrs

def db_keys(db, where=""):
    c = sqlite3.connect(db)
    keys = collections.Counter()
    for kind, src, dst, dpt, proto, host, rule, n in c.execute(
            "select kind, src_ip, dest_ip, dest_port, proto, host, rule_id, count from findings " + where):
        keys[(kind, src or "", dst or "", dpt or 0, proto or "", host or "", rule or "")] += n
    return keys

def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]

def check_5424(path, db):
    want, got = db_keys(db), collections.Counter()
    for n, l in enumerate(lines(path), 1):
        try:
            msgid, sd, msg = parse_5424(l)
        except (ValueError, IndexError) as e:
            fail("%s:%d: not RFC 5424 (%s): %s" % (path, n, e, l[:120]))
        if sd is None or msgid != sd.get("verdict") or msgid not in KINDS:
            fail("%s:%d: MSGID/verdict: %s" % (path, n, l[:120]))
        if sd.get("count") != "0" or not msg.startswith("conformd "):
            fail("%s:%d: count or MSG: %s" % (path, n, l[:160]))
        if msgid != "missing" and not all(k in sd for k in ("src", "spt", "dst", "dpt", "proto", "src_role", "dest_role")):
            fail("%s:%d: flow params missing: %s" % (path, n, sorted(sd)))
        got[(msgid, sd.get("src", ""), sd.get("dst", ""), int(sd.get("dpt", 0)),
             sd.get("proto", ""), sd.get("host", ""), sd.get("rule", ""))] += 1
    if got != want:
        fail("%s: %d messages, %d findings; differ: %s" % (path, sum(got.values()), sum(want.values()),
             list((got - want).items())[:3] + list((want - got).items())[:3]))

def check_eve(path, db, syslog):
    want, got = db_keys(db), collections.Counter()
    for n, l in enumerate(lines(path), 1):
        try:
            if syslog:
                msgid, sd, l = parse_5424(l)
                if sd is not None:
                    raise ValueError("SD should be -")
            e = json.loads(l)
        except (ValueError, IndexError) as x:
            fail("%s:%d: %s: %s" % (path, n, x, l[:120]))
        c = e["conformance"]
        if e["event_type"] != "alert" or (syslog and msgid != c["verdict"]):
            fail("%s:%d: event: %s" % (path, n, l[:120]))
        got[(c["verdict"], e.get("src_ip", ""), e.get("dest_ip", ""), e.get("dest_port", 0),
             e.get("proto", ""), c.get("host", ""), c.get("rule") or "")] += 1
    if got != want:
        fail("%s: %d events for %d findings" % (path, sum(got.values()), sum(want.values())))

def check_cef(path, db):
    want, got = db_keys(db), collections.Counter()
    for n, l in enumerate(lines(path), 1):
        try:
            msgid, sd, msg = parse_5424(l)
            hdr, ext = parse_cef(msg)
        except (ValueError, IndexError) as e:
            fail("%s:%d: %s: %s" % (path, n, e, l[:120]))
        if hdr[1:3] != ["conformd", "conformd"] or ext.get("act") != "allowed" or ext.get("cat") != msgid:
            fail("%s:%d: fields: %s" % (path, n, l[:160]))
        cef_addrs(ext, path, n)
        if ext.get("dvchost") != "alerts-sensor.example":
            fail("%s:%d: dvchost: %s" % (path, n, l[:160]))
        got[(ext["cat"], ext.get("src", ""), ext.get("dst", ""), int(ext.get("dpt", 0)),
             ext.get("proto", ""), ext.get("cs5", ""), ext.get("cs1", ""))] += 1
    if got != want:
        fail("%s: %d records for %d findings" % (path, sum(got.values()), sum(want.values())))

def check_leef(path, db):
    want, got = db_keys(db), collections.Counter()
    for n, l in enumerate(lines(path), 1):
        try:
            msgid, sd, msg = parse_5424(l)
            hdr, a = parse_leef(msg)
        except (ValueError, IndexError) as e:
            fail("%s:%d: %s: %s" % (path, n, e, l[:120]))
        if a.get("cat") != msgid or a.get("devTimeFormat") != "yyyy-MM-dd'T'HH:mm:ss.SSSZ":
            fail("%s:%d: fields: %s" % (path, n, l[:160]))
        got[(a["cat"], a.get("src", ""), a.get("dst", ""), int(a.get("dstPort", 0)),
             a.get("proto", ""), a.get("host", ""), a.get("policy", ""))] += 1
    if got != want:
        fail("%s: %d records for %d findings" % (path, sum(got.values()), sum(want.values())))

def check_local(path, db):
    want, got = db_keys(db), collections.Counter()
    for n, l in enumerate(lines(path), 1):
        m = re.match(r'^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d conformd-local\[\d+\]: (.*)$', l)
        if not m or int(m.group(1)) // 8 != 19:
            fail("%s:%d: not a local3 syslog(3) line: %s" % (path, n, l[:120]))
        sd, msg = parse_sd(m.group(2))
        got[(sd["verdict"], sd.get("src", ""), sd.get("dst", ""), int(sd.get("dpt", 0)),
             sd.get("proto", ""), sd.get("host", ""), sd.get("rule", ""))] += 1
    if got != want:
        fail("%s: %d lines for %d findings" % (path, sum(got.values()), sum(want.values())))

def counters(db):
    c = sqlite3.connect(db)
    return dict(c.execute("select name, value from counters where run_id = (select max(run_id) from counters)"))

def check_counters_exact(db, feeds):
    cn, n = counters(db), sum(db_keys(db).values())
    for f in feeds.split(","):
        if cn.get("alerts.sent." + f) != n or cn.get("alerts.unsent." + f) != 0:
            fail("feed %s: sent %s unsent %s of %d" % (f, cn.get("alerts.sent." + f), cn.get("alerts.unsent." + f), n))

def check_restart(db, log):
    cn = counters(db)
    off, sent = cn["alerts.offered.t"], cn["alerts.sent.t"]
    dropped, unsent = cn["alerts.queue_dropped.t"], cn["alerts.unsent.t"]
    got = len(lines(log))
    print("  offered %d = sent %d + queue-dropped %d + unsent %d; reconnects %d; received %d"
          % (off, sent, dropped, unsent, cn["alerts.reconnects.t"], got))
    if sent + dropped + unsent != off or off != cn["alerts.passed"]:
        fail("counters do not add up")
    if cn["alerts.reconnects.t"] < 1 or dropped < 1:
        fail("no reconnect, or nothing dropped from a queue of 50")
    if got != sent:
        fail("received %d, sent %d" % (got, sent))

def check_flood(db, log, rate, burst, seconds, scans):
    cn = counters(db)
    con = sqlite3.connect(db)
    n = con.execute("select coalesce(sum(count), 0) from findings where kind = 'unexpected'"
                    " and src_ip = '198.18.10.21'").fetchone()[0]
    scanrows = con.execute("select count, evidence from findings where kind = 'scan'"
                           " and src_ip = '198.18.10.21'").fetchall()
    alerts, summaries, answered = 0, 0, None
    for l in lines(log):
        msgid, sd, msg = parse_5424(l)
        alerts += msgid == "unexpected"
        if msgid == "scan" and sd["src"] == "198.18.10.21":
            summaries += 1
            answered = sd.get("answered")
    bound = rate * seconds + burst
    print("  SQLite %d unexpected findings, %d scan findings %s; %d unexpected alerts (bound %d),"
          " %d scan alerts; rate-limited %d, folded by the feeds %d"
          % (n, len(scanrows), scanrows, alerts, bound, summaries, cn["alerts.rate_limited"],
             cn["alerts.scan_folded"]))
    if scans:
        # the classifier's one scan: every probe in it, none alerted one by one
        probes = int(scanrows[0][1].split()[0]) if len(scanrows) == 1 else -1
        if n != 0 or len(scanrows) != 1 or scanrows[0][0] != 1 or probes != 50000:
            fail("SQLite: want one scan finding of 50,000 probes and no unexpected finding")
        if alerts != 0 or summaries != 1 or answered != "0":
            fail("feeds: want the one scan alert (answered=\"0\") and no unexpected alert")
        if cn["alerts.scan_folded"] != 0 or cn["alerts.scan_summaries"] != 0:
            fail("the feeds folded findings of their own: counted twice")
    else:
        if n != 50000 or scanrows:
            fail("SQLite holds %s findings of the flood, %d scans" % (n, len(scanrows)))
        if not burst <= alerts <= bound or summaries != 0:
            fail("alerts out of bounds")
        if alerts < rate * (seconds - 1):
            fail("the rate limit let fewer through than it allows")
    if cn["alerts.findings"] != cn["alerts.passed"] + cn["alerts.suppressed"] + cn["alerts.rate_limited"] + \
            cn["alerts.scan_folded"] + cn["alerts.below_severity"]:
        fail("volume counters do not add up")

def check_tunnels(eve, udp, cef, leef, evefeed):
    """Every feed names the same tunnel on the same alert as the EVE file:
    (kind, src, dst, dpt, proto, tunnel type, outer src, outer dst)."""
    def key(kind, src, dst, dpt, proto, tt, ts, td):
        return (kind, src, dst, int(dpt or 0), proto, tt or "", ts or "", td or "")
    want, nt = collections.Counter(), 0
    for l in lines(eve):
        e = json.loads(l)
        if e.get("event_type") != "alert" or "src_ip" not in e:
            continue
        t = e.get("tunnel", {})
        nt += bool(t)
        want[key(e["conformance"]["verdict"], e["src_ip"], e.get("dest_ip"), e.get("dest_port"),
                 e["proto"], e["conformance"].get("tunnel_type"), t.get("src_ip"),
                 t.get("dest_ip"))] += 1
    if nt == 0:
        fail("%s: no alert names a tunnel" % eve)
    feeds = {udp: collections.Counter(), cef: collections.Counter(),
             leef: collections.Counter(), evefeed: collections.Counter()}
    for l in lines(udp):
        msgid, sd, msg = parse_5424(l)
        if "src" in sd:
            feeds[udp][key(msgid, sd["src"], sd.get("dst"), sd.get("dpt"), sd["proto"],
                           sd.get("tunnel_type"), sd.get("tunnel_src"), sd.get("tunnel_dst"))] += 1
    for l in lines(cef):
        msgid, sd, msg = parse_5424(l)
        hdr, ext = parse_cef(msg)
        tt = ts = td = None
        if "cs6" in ext:
            if ext.get("cs6Label") != "tunnel":
                fail("%s: cs6 is not labelled tunnel: %s" % (cef, l[:160]))
            tt, ts, arrow, td = ext["cs6"].split(" ")
        cef_addrs(ext, cef, 0)
        if "src" in ext:
            feeds[cef][key(ext["cat"], ext["src"], ext.get("dst"), ext.get("dpt"), ext["proto"],
                           tt, ts, td)] += 1
    for l in lines(leef):
        msgid, sd, msg = parse_5424(l)
        parts, at = parse_leef(msg)
        if "src" in at:
            feeds[leef][key(at["cat"], at["src"], at.get("dst"), at.get("dstPort"), at["proto"],
                            at.get("tunnelType"), at.get("tunnelSrc"), at.get("tunnelDst"))] += 1
    for l in lines(evefeed):
        msgid, sd, msg = parse_5424(l)
        e = json.loads(msg)
        if "src_ip" in e:
            t = e.get("tunnel", {})
            feeds[evefeed][key(e["conformance"]["verdict"], e["src_ip"], e.get("dest_ip"),
                               e.get("dest_port"), e["proto"],
                               e["conformance"].get("tunnel_type"), t.get("src_ip"),
                               t.get("dest_ip"))] += 1
    for path, got in feeds.items():
        if got != want:
            fail("%s: %s differ from the EVE file: %s" % (path, sum(got.values()),
                 list((got - want).items())[:2] + list((want - got).items())[:2]))

cmd, a = sys.argv[1], sys.argv[2:]
{"5424": lambda: check_5424(*a), "eve-syslog": lambda: check_eve(a[0], a[1], True),
 "eve-lines": lambda: check_eve(a[0], a[1], False), "cef": lambda: check_cef(*a),
 "leef": lambda: check_leef(*a), "local": lambda: check_local(*a),
 "counters": lambda: check_counters_exact(*a), "restart": lambda: check_restart(*a),
 "flood": lambda: check_flood(a[0], a[1], *(int(x) for x in a[2:6])),
 "tunnels": lambda: check_tunnels(*a)}[cmd]()
PY
chk() { python3 "$tmp/check.py" "$@"; }

rs_start

# --- 1. every finding once on every feed --------------------------------------
# every finding to every feed: no suppression, no scan summaries
unlimited="suppress unexpected 0
suppress blocked 0
suppress missing 0
suppress protocol-mismatch 0
scan-threshold 0 60"
cat >"$tmp/all.conf" <<EOF
rules $rules
inventory $inv
sensor-name alerts-sensor.example
$unlimited
output udp { type remote host 127.0.0.1 port $p_udp transport udp }
output tcp { type remote host 127.0.0.1 port $p_tcp transport tcp }
output eve { type remote host 127.0.0.1 port $p_eve transport tcp format eve }
output cef { type remote host 127.0.0.1 port $p_cef transport udp format cef }
output leef { type remote host 127.0.0.1 port $p_leef transport tcp format leef }
output sock { type eve-socket path "$tmp/eve.sock" }
EOF
python3 - "$tmp/eve.sock" "$tmp/sock.log" "$tmp/sock.stop" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.2)
with open(sys.argv[2], "wb") as out:
    deadline = time.time() + 60
    while time.time() < deadline and not os.path.exists(sys.argv[3]):
        try:
            out.write(s.recv(65536)); out.flush()
        except socket.timeout:
            pass
PY
bg_pids="$bg_pids $!"
for _ in $(seq 100); do [ -S "$tmp/eve.sock" ] && break; sleep 0.05; done

"$bin" -c "$tmp/all.conf" -r "$sample" --db "$tmp/all.db" >/dev/null 2>"$tmp/all.err"
rc=$?
n=$(q "$tmp/all.db" "select sum(count) from findings")
lib_check "sample: conformd exits 1 (findings), $n findings in SQLite" \
    sh -c "[ $rc -eq 1 ] && [ ${n:-0} -gt 80 ]"
for f in udp tcp eve cef leef; do
	wait_lines "$tmp/$f.log" "$n"
done
wait_lines "$tmp/sock.log" "$n"
touch "$tmp/sock.stop"
lib_check "RFC 5424 over UDP: every finding once, SD params as expected" chk 5424 "$tmp/udp.log" "$tmp/all.db"
lib_check "RFC 5424 over TCP (octet counting): every finding once" chk 5424 "$tmp/tcp.log" "$tmp/all.db"
lib_check "EVE over TCP syslog: every MSG is alert JSON, every finding once" chk eve-syslog "$tmp/eve.log" "$tmp/all.db"
lib_check "CEF over UDP: every record parses, every finding once" chk cef "$tmp/cef.log" "$tmp/all.db"
lib_check "LEEF 2.0 over TCP: every record parses, every finding once" chk leef "$tmp/leef.log" "$tmp/all.db"
lib_check "EVE socket: one JSON line per finding" chk eve-lines "$tmp/sock.log" "$tmp/all.db"
lib_check "counters: alerts.sent.FEED = findings, nothing unsent" chk counters "$tmp/all.db" udp,tcp,eve,cef,leef,sock

# local syslog(3): /dev/log is fixed in the C library, so give conformd a
# private /dev holding only our socket (needs a mount namespace: root)
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m sh -c 'mount -t tmpfs tmpfs /dev' 2>/dev/null; then
	cat >"$tmp/local.conf" <<EOF
rules $rules
inventory $inv
sensor-name alerts-sensor.example
suppress missing 0
output local { type syslog facility local3 ident conformd-local }
EOF
	python3 - "$tmp/devlog" "$tmp/local.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(3)
with open(sys.argv[2], "wb") as out:
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
    except socket.timeout:
        pass
PY
	bg_pids="$bg_pids $!"
	for _ in $(seq 100); do [ -S "$tmp/devlog" ] && break; sleep 0.05; done
	unshare -m sh -c "mount -t tmpfs tmpfs /dev && ln -s '$tmp/devlog' /dev/log &&
	    exec '$bin' -c '$tmp/local.conf' -r '$sample' --db '$tmp/local.db'" >/dev/null 2>&1
	wait_lines "$tmp/local.log" "$(q "$tmp/local.db" "select sum(count) from findings")"
	lib_check "local syslog(3): every finding once, facility local3, structured data" \
	    chk local "$tmp/local.log" "$tmp/local.db"
else
	echo "skip: local syslog(3) needs root and a mount namespace for a private /dev/log"
fi

# --- 1b. remote mirror tunnels: every feed names the tunnel of each alert's packet
"$top_builddir/tests/gen-edge" "$tmp/edge" >/dev/null || lib_error "tests/gen-edge failed"
cat >"$tmp/tun.conf" <<EOF
rules $rules
inventory $top_srcdir/tests/edge-site/inventory.conf
sensor-name alerts-sensor.example
$unlimited
output udp { type remote host 127.0.0.1 port $p_udp transport udp }
output eve { type remote host 127.0.0.1 port $p_eve transport tcp format eve }
output cef { type remote host 127.0.0.1 port $p_cef transport udp format cef }
output leef { type remote host 127.0.0.1 port $p_leef transport tcp format leef }
EOF
for f in udp eve cef leef; do : >"$tmp/$f.log"; done
"$bin" -q -c "$tmp/tun.conf" -r "$tmp/edge/tunnel.pcap" --eve "$tmp/tun.eve" >/dev/null 2>&1
n=$(grep -c '"event_type":"alert"' "$tmp/tun.eve")
for f in udp eve cef leef; do
	wait_lines "$tmp/$f.log" "$n"
done
lib_check "tunnel.pcap: RFC 5424, CEF, LEEF and EVE feeds name each alert's tunnel as the EVE file does" \
    chk tunnels "$tmp/tun.eve" "$tmp/udp.log" "$tmp/cef.log" "$tmp/leef.log" "$tmp/eve.log"

# --- 2. the collector goes away and comes back --------------------------------
python3 "$gen" steady "$tmp/steady.pcap" "$rules" 300 || lib_error "gen-alerts steady"
cat >"$tmp/restart.conf" <<EOF
rules $rules
inventory $inv
sensor-name alerts-sensor.example
suppress unexpected 0
suppress missing 0
scan-threshold 0 60
output t { type remote host 127.0.0.1 port $p_tcp transport tcp queue 50 }
EOF
: >"$tmp/tcp.log"
mkdir -p "$tmp/feed"
( python3 "$gen" feed "$tmp/steady.pcap" "$tmp/feed" 3 |
    "$bin" -c "$tmp/restart.conf" -r - --db "$tmp/restart.db" >/dev/null 2>"$tmp/restart.err" ) &
feeder=$!
bg_pids="$bg_pids $feeder"
ok=1
for _ in $(seq 200); do [ -f "$tmp/feed/sent-0" ] && break; sleep 0.05; done
wait_lines "$tmp/tcp.log" 100 || ok=0
rs_stop					# conformd is reading, the collector is gone
touch "$tmp/feed/go-0"
for _ in $(seq 200); do [ -f "$tmp/feed/sent-1" ] && break; sleep 0.05; done
sleep 0.5				# the second third is read: queued, then dropped
rs_start
sleep 1.2				# past the first backoff (1 s)
touch "$tmp/feed/go-1"
wait "$feeder"
lib_check "restart: conformd ran through it (first third delivered before the stop)" \
    sh -c "[ $ok -eq 1 ] && grep -q 'cannot send' '$tmp/restart.err'"
wait_lines "$tmp/tcp.log" "$(q "$tmp/restart.db" "select value from counters where name = 'alerts.sent.t'")"
lib_check "restart: reconnected; sent + queue-dropped + unsent = alerts; all sent arrived" \
    chk restart "$tmp/restart.db" "$tmp/tcp.log"

# --- 3. a flood ---------------------------------------------------------------
python3 "$gen" flood "$tmp/flood.pcap" "$rules" 50000 10 || lib_error "gen-alerts flood"
for mode in scan noscan; do
	if [ $mode = scan ]; then scan="scan-threshold 1000 60"; want=1; else scan="scan-threshold 0 60"; want=0; fi
	cat >"$tmp/flood-$mode.conf" <<EOF
rules $rules
inventory $inv
sensor-name alerts-sensor.example
rate-limit global 10 20
$scan
output t { type remote host 127.0.0.1 port $p_tcp transport tcp }
EOF
	: >"$tmp/tcp.log"
	"$bin" -c "$tmp/flood-$mode.conf" -r "$tmp/flood.pcap" --db "$tmp/flood-$mode.db" >/dev/null 2>&1
	wait_lines "$tmp/tcp.log" "$(q "$tmp/flood-$mode.db" "select value from counters where name = 'alerts.sent.t'")"
	lib_check "flood ($mode): $([ $want = 1 ] && echo 'one scan of 50,000 probes, in SQLite and the feed' ||
	    echo 'within 10/s + 20 over 10 s, 50,000 findings in SQLite')" \
	    chk flood "$tmp/flood-$mode.db" "$tmp/tcp.log" 10 20 10 $want
done

rs_stop
lib_summary
