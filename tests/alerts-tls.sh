#!/bin/sh
# alerts-tls.sh - RFC 5425 (syslog over TLS) against a real collector:
# rsyslogd with its GnuTLS driver (Debian's rsyslog-gnutls), started by
# this test on 127.0.0.1 with certificates made here by openssl (a test
# CA, the collector's certificate for 127.0.0.1 and collector.test, a
# client certificate for conformd, and a second CA that signed nothing
# the collector has).
#   1. transport tls, ca-file: every finding of the sample arrives once,
#      as RFC 5424 in octet-counting frames, its HOSTNAME the sensor name;
#      the collector's address checked against the certificate's iPAddress;
#   2. peer-name collector.test (the certificate's DNS name): the same;
#   3. a collector that asks for a client certificate (x509/name,
#      PermittedPeer): with cert-file and key-file it takes the alerts;
#      without, nothing arrives (rsyslogd checks the name after the
#      handshake and drops the session: conformd sees it at its next
#      write, when it has one, and says so -- RFC 5425 has no
#      acknowledgement to wait for);
#   4. the wrong CA, or a peer-name the certificate does not carry:
#      nothing is sent, the log says why (certificate not trusted, name
#      mismatch), the alerts are counted unsent;
#   5. -T: transport tls without ca-file, cert-file without key-file, a
#      ca-file that does not exist, TLS keys on a udp output: file:line.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name alerts-tls
PATH=$PATH:/usr/sbin:/sbin
lib_need_tools rsyslogd openssl python3 sqlite3

bin=$top_builddir/conformd
rules=$top_srcdir/rules/lync2013.rules
inv=$top_srcdir/samples/inventory.conf
sample=$top_srcdir/samples/lync-site.pcap
[ -x "$bin" ] || lib_error "no binary at $bin"
gtls=
for d in /usr/lib/*/rsyslog /usr/lib/rsyslog /usr/lib64/rsyslog; do
	[ -f "$d/lmnsd_gtls.so" ] && gtls=$d/lmnsd_gtls.so
done
[ -n "$gtls" ] || lib_skip "needs rsyslog's GnuTLS driver (apt-get install rsyslog-gnutls)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-tls.XXXXXX") || lib_error "mktemp"
rs_pid=
cleanup() {
	[ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

printf 'rules %s\ninventory %s\noutput t { type remote host 127.0.0.1 transport tls ca-file %s }\n' \
    "$rules" "$inv" "$tmp/none.pem" >"$tmp/probe.conf"
if "$bin" -T -c "$tmp/probe.conf" 2>&1 | grep -q 'built without TLS'; then
	lib_skip "conformd was built without TLS (libgnutls28-dev)"
fi

# --- certificates -----------------------------------------------------------
cd "$tmp" || lib_error "cd"
mkcert() {	# NAME SUBJECT CA SAN
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=$2" -out "$1.csr" \
	    2>/dev/null || return 1
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$4" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
	    -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
for ca in ca rogue; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ca.key" -subj "/CN=conformd test $ca" \
	    -days 2 -out "$ca.pem" 2>/dev/null || lib_error "openssl: CA"
done
mkcert server collector.test ca "IP:127.0.0.1,DNS:collector.test" || lib_error "openssl: server"
mkcert client conformd-client.test ca "DNS:conformd-client.test" || lib_error "openssl: client"
chmod 644 ./*.key	# the daemon's user reads them when conformd drops privileges

# --- the collector ----------------------------------------------------------
set -- $(python3 -c '
import socket
ss = []
for _ in range(2):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); ss.append(t); print(t.getsockname()[1])
') || lib_error "no free ports"
p_anon=$1 p_x509=$2
mkdir -p "$tmp/rs"
cat >"$tmp/rsyslog.conf" <<EOF
global(workDirectory="$tmp/rs" maxMessageSize="64k"
    DefaultNetstreamDriver="gtls"
    DefaultNetstreamDriverCAFile="$tmp/ca.pem"
    DefaultNetstreamDriverCertFile="$tmp/server.pem"
    DefaultNetstreamDriverKeyFile="$tmp/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="anon") { action(type="omfile" file="$tmp/anon.log" template="raw") }
ruleset(name="x509") { action(type="omfile" file="$tmp/x509.log" template="raw") }
input(type="imtcp" address="127.0.0.1" port="$p_anon" ruleset="anon")
input(type="imtcp" address="127.0.0.1" port="$p_x509" ruleset="x509"
    StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/name"
    PermittedPeer=["conformd-client.test"])
EOF
rsyslogd -n -f "$tmp/rsyslog.conf" -i "$tmp/rs/pid" </dev/null >"$tmp/rs/out" 2>&1 &
rs_pid=$!
python3 - "$p_anon" "$p_x509" <<'PY' || { cat "$tmp/rs/out"; lib_error "rsyslogd did not start"; }
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

# every finding to the feed, none folded or suppressed
unlimited="suppress unexpected 0
suppress blocked 0
suppress missing 0
suppress protocol-mismatch 0
scan-threshold 0 60"

# run NAME OUTPUT-KEYS: the sample through one TLS output
run() {
	cat >"$tmp/$1.conf" <<EOF
rules $rules
inventory $inv
sensor-name tls-sensor.example
$unlimited
output t { type remote host 127.0.0.1 transport tls $2 }
EOF
	"$bin" -c "$tmp/$1.conf" -r "$sample" --db "$tmp/$1.db" >"$tmp/$1.out" 2>"$tmp/$1.err"
	echo $? >"$tmp/$1.rc"
}

# wait_lines FILE N: until FILE has at least N lines (10 s at most)
wait_lines() {
	for _ in $(seq 200); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# received LOG DB: every finding of DB arrived once in LOG as RFC 5424
cat >"$tmp/check.py" <<'PY'
import collections, re, sqlite3, sys
HDR = re.compile(r'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S+) conformd (\d+) (\S+) \[conformd@32473 (.*)\] (.*)$')
got = collections.Counter()
skip = int(sys.argv[3]) if len(sys.argv) > 3 else 0
for n, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    if n < skip:
        continue
    m = HDR.match(line.rstrip("\n"))
    if not m:
        sys.exit("not RFC 5424: %r" % line[:120])
    if m.group(3) != "tls-sensor.example":
        sys.exit("HOSTNAME %s" % m.group(3))
    got[(m.group(5), m.group(7))] += 1
db = sqlite3.connect(sys.argv[2])
want = collections.Counter()
for kind, sig, n in db.execute("select kind, signature, count from findings"):
    want[(kind, sig)] += n
if got != want:
    sys.exit("received %d, findings %d: %s" % (sum(got.values()), sum(want.values()),
             list((got - want).items())[:2] + list((want - got).items())[:2]))
print("%d alerts, each finding once" % sum(got.values()))
PY
received() {	# LOG DB [LINES BEFORE]
	wait_lines "$1" "$(( $(sqlite3 "$2" 'select sum(count) from findings') + ${3:-0} ))"
	python3 "$tmp/check.py" "$1" "$2" "${3:-0}"
}
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# --- 1., 2. verified collector ---------------------------------------------
run ip "port $p_anon ca-file $tmp/ca.pem"
lib_check "ca-file, the collector's address in its certificate: exit 1 (findings)" test "$(cat "$tmp/ip.rc")" = 1
lib_check "ca-file: every finding arrives once over TLS, HOSTNAME the sensor" received "$tmp/anon.log" "$tmp/ip.db"
lib_check "ca-file: the summary says remote tls, all sent" grep -q 'remote tls 127.0.0.1:[0-9]* rfc5424): sent [1-9][0-9]*, queue-dropped 0, unsent 0' "$tmp/ip.err"
n=$(lines "$tmp/anon.log")
run dns "port $p_anon ca-file $tmp/ca.pem peer-name collector.test"
lib_check "peer-name collector.test: every finding arrives once" received "$tmp/anon.log" "$tmp/dns.db" "$n"

# --- 3. a collector that asks for our certificate ---------------------------
run client "port $p_x509 ca-file $tmp/ca.pem cert-file $tmp/client.pem key-file $tmp/client.key"
lib_check "client certificate: the x509/name collector takes every finding" received "$tmp/x509.log" "$tmp/client.db"
n=$(lines "$tmp/x509.log")
run noclient "port $p_x509 ca-file $tmp/ca.pem"
sleep 1
lib_check "no client certificate: the x509/name collector took nothing" test "$(lines "$tmp/x509.log")" = "$n"
lib_check "no client certificate: conformd ran through (exit 1)" test "$(cat "$tmp/noclient.rc")" = 1

# --- 4. a collector that cannot be verified ---------------------------------
n=$(lines "$tmp/anon.log")
run rogue "port $p_anon ca-file $tmp/rogue.pem"
lib_check "wrong CA: refused, the log says the certificate is not trusted" \
    grep -qi 'output t (remote tls 127.0.0.1:[0-9]* rfc5424): cannot send: TLS: .*not trusted' "$tmp/rogue.err"
nf=$(sed -n 's/^findings: \([0-9]*\) .*/\1/p' "$tmp/rogue.err")
lib_check "wrong CA: nothing sent, every alert ($nf) counted unsent" sh -c \
    "test \"\$(wc -l <'$tmp/anon.log')\" = $n && test -n '$nf' && grep -q 'sent 0, queue-dropped 0, unsent $nf,' '$tmp/rogue.err'"
run name "port $p_anon ca-file $tmp/ca.pem peer-name other.test"
lib_check "peer-name the certificate does not carry: refused, says so" \
    grep -q 'cannot send: TLS: .*name .*does not match' "$tmp/name.err"
lib_check "peer-name mismatch: nothing sent" test "$(lines "$tmp/anon.log")" = "$n"

# --- 5. configuration errors --------------------------------------------------
cat >"$tmp/bad.conf" <<EOF
rules $rules
inventory $inv
output a { type remote host 127.0.0.1 transport tls }
output b { type remote host 127.0.0.1 transport tls ca-file $tmp/ca.pem cert-file $tmp/client.pem }
output c { type remote host 127.0.0.1 transport tls ca-file $tmp/missing.pem }
output d { type remote host 127.0.0.1 transport udp ca-file $tmp/ca.pem }
EOF
"$bin" -T -c "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err"
lib_check "-T: exit 2" test $? = 2
lib_check "-T: transport tls without ca-file, named by file:line" grep -q "bad.conf:3: output a: transport tls needs a ca-file" "$tmp/bad.err"
lib_check "-T: cert-file without key-file" grep -q "bad.conf:4: output b: cert-file and key-file go together" "$tmp/bad.err"
lib_check "-T: a ca-file that is not there" grep -q "bad.conf:5: output c: ca-file .*missing.pem: No such file or directory" "$tmp/bad.err"
lib_check "-T: TLS keys on a udp output" grep -q "bad.conf:6: output d: ca-file applies to transport tls only" "$tmp/bad.err"
cat >"$tmp/good.conf" <<EOF
rules $rules
inventory $inv
output t { type remote host 127.0.0.1 transport tls ca-file $tmp/ca.pem peer-name collector.test }
EOF
lib_check "-T -v: port 6514 by default, the TLS keys printed and read back" sh -c \
    "'$bin' -T -v -c '$tmp/good.conf' 2>/dev/null | grep -A8 '^output t' | grep -q '	port 6514' &&
     '$bin' -T -v -c '$tmp/good.conf' 2>/dev/null | grep -q '	peer-name collector.test'"
lib_summary
