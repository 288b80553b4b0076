#!/bin/sh
# cli.sh - the command line as users and scripts rely on it: help, misuse,
# -T, exit statuses 0/1/2, unreadable, unsupported and truncated captures
# (everything before the damage still recorded), standard input, several
# -r files, EVE to standard output, the database's mode and schema, -r -u
# (privileges dropped after the captures are open), --filter on files.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name cli
lib_need_tools sqlite3 python3 tcpdump

bin=$top_builddir/conformd
conf=$top_srcdir/samples/conformd.conf
sample=$top_srcdir/samples/lync-site.pcap
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-cli.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

# run EXPECTED_STATUS PATTERN_IN_STDERR args...: status and message both checked
expect() {
	want=$1 pat=$2
	shift 2
	timeout 30 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "  conformd $*: exit $got, wanted $want; stderr:"
		sed 's/^/    /' "$tmp/err" | head -n 10
		return 1
	fi
	if [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		echo "  conformd $*: stderr lacks '$pat':"
		sed 's/^/    /' "$tmp/err" | head -n 10
		return 1
	fi
	return 0
}

q() { sqlite3 -batch -noheader "$@"; }

lib_check "-h prints usage, exit 0" sh -c "'$bin' -h | grep -q '^usage: conformd'"
lib_check "unknown option: exit 2" expect 2 "unknown option --bogus" --bogus
lib_check "missing argument: exit 2" expect 2 "option -r needs an argument" -r
# Arguments after the options are a filter expression, as tcpdump takes
# them: a stray word is a bad one (a file named there gets a hint).
lib_check "stray argument: a bad filter expression, exit 2" expect 2 'filter "foo": .*syntax error' -c "$conf" -r "$sample" foo
lib_check "a capture given without -r: exit 2, says -r" expect 2 "captures are given with -r: -r $sample" -c "$conf" "$sample"
lib_check "no -r: exit 2" expect 2 "nothing to do" -c "$conf"
lib_check "-T on the sample configuration: exit 0" expect 0 "configuration OK" -T -c "$conf"
lib_check "-T on a missing config: exit 2, names it" expect 2 "$tmp/none.conf: cannot open" -T -c "$tmp/none.conf"

printf 'inventory %s\nbogus-key 1\n' "$top_srcdir/samples/inventory.conf" >"$tmp/bad.conf"
lib_check "-T on a bad config: file:line: message, exit 2" expect 2 "$tmp/bad.conf:2: " -T -c "$tmp/bad.conf"
lib_check "-T -v prints the canonical rules" sh -c "'$bin' -T -v -c '$conf' 2>/dev/null | grep -q '^rule T1R3 '"

# -T checks the run the command line and the configuration describe, not
# only the files (tests/config-errors has the configuration's cases).
lib_check "-T -i with an interface that does not exist: exit 2, names it" expect 2 "conformd: -i cfx-nosuch0: no such interface" -T -c "$conf" -i cfx-nosuch0 -u root
lib_check "-T -i lo: exit 0" expect 0 "configuration OK" -T -c "$conf" -i lo -u root
lib_check "-T --db in a directory that does not exist: exit 2" expect 2 "conformd: --db $tmp/nodir/x.db: directory $tmp/nodir does not exist" -T -c "$conf" --db "$tmp/nodir/x.db"
lib_check "-T -u with a user that does not exist: exit 2" expect 2 "conformd: -u conformd-nosuchuser: no such user" -T -c "$conf" -u conformd-nosuchuser
lib_check "-T -r a file that is not a capture: exit 2, names it" expect 2 "conformd: -r $conf: unknown file format" -T -c "$conf" -r "$conf"
lib_check "-T -r the sample: exit 0" expect 0 "configuration OK" -T -c "$conf" -r "$sample"
lib_check "-T: all the errors at once, one line each, and the count" expect 2 "^conformd: 3 errors: the configuration parses, but the run it describes would fail" -T -c "$conf" -i cfx-nosuch0 -u root --db "$tmp/nodir/x.db" --eve "$tmp/nodir/x.json"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	# permissions are those of the user the run becomes, not root's
	mkdir -p "$tmp/perm/closed/in" "$tmp/perm/ro" "$tmp/perm/ok" && chmod 755 "$tmp/perm" "$tmp/perm/ro" &&
	    chmod 700 "$tmp/perm/closed" && chown nobody "$tmp/perm/ok" && chmod 711 "$tmp"
	lib_check "-T -u nobody: a directory nobody may not enter" expect 2 "conformd: --db $tmp/perm/closed/in/x.db: nobody may not enter directory $tmp/perm/closed" -T -c "$conf" -u nobody --db "$tmp/perm/closed/in/x.db"
	lib_check "-T -u nobody: a directory nobody may not write" expect 2 "conformd: --eve $tmp/perm/ro/x.json: nobody may not create files in directory $tmp/perm/ro" -T -c "$conf" -u nobody --eve "$tmp/perm/ro/x.json"
	lib_check "-T -u nobody: nobody's own directory: exit 0" expect 0 "configuration OK" -T -c "$conf" -u nobody --db "$tmp/perm/ok/x.db" --eve "$tmp/perm/ok/x.json"
	lib_check "-T -u root: root may write anywhere: exit 0" expect 0 "configuration OK" -T -c "$conf" -u root --eve "$tmp/perm/ro/x.json"
	# the run itself fails as -T said
	lib_check "... and the run -T warned about exits 2" expect 2 "" -q -c "$conf" -r "$sample" -u nobody --db "$tmp/perm/ro/x.db"
	chmod 700 "$tmp"
else
	echo "  (skipped the -T permission checks: need root and the user nobody)"
fi

lib_check "-r missing file: exit 2, names it" expect 2 "$tmp/nope.pcap" -c "$conf" -r "$tmp/nope.pcap"
lib_check "-r /dev/zero: exit 2" expect 2 "/dev/zero" -c "$conf" -r /dev/zero

# A capture of a link type that carries no IP we decode (IEEE 802.11, 105).
python3 - "$tmp/wifi.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
    f.write(struct.pack("<IIII", 1, 0, 24, 24) + b"\x08" + b"\x00" * 23)
PY
lib_check "unsupported link type: exit 2, says so" expect 2 "link type 105 (IEEE802_11) is not supported" -c "$conf" -r "$tmp/wifi.pcap"

# The sample has violations: exit 1, and records in SQLite and EVE.
lib_check "sample capture: findings, exit 1" expect 1 "findings: " -c "$conf" -r "$sample" --db "$tmp/s.db" --eve "$tmp/s.eve"
flows=$(q "$tmp/s.db" "select count(*) from flows")
lib_check "database holds the flows" test "${flows:-0}" -gt 5
lib_check "database is WAL, schema 5, intact" test "$(q "$tmp/s.db" 'pragma journal_mode; pragma user_version; pragma integrity_check' | tr '\n' ' ')" = "wal 5 ok "
lib_check "one EVE flow event per flow" test "$(grep -c '"event_type":"flow"' "$tmp/s.eve")" -eq "$flows"
lib_check "EVE unexpected alerts = unexpected flows" test "$(grep '"event_type":"alert"' "$tmp/s.eve" | grep -c '"verdict":"unexpected"')" -eq "$(q "$tmp/s.db" "select count(*) from flows where verdict='unexpected'")"
lib_check "EVE alerts = findings in the database" test "$(grep -c '"event_type":"alert"' "$tmp/s.eve")" -eq "$(q "$tmp/s.db" "select sum(count) from findings")"
lib_check "every EVE line is JSON" python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$tmp/s.eve"
lib_check "findings are deduplicated with counts" test "$(q "$tmp/s.db" "select sum(count) from findings where kind='unexpected'")" -eq "$(q "$tmp/s.db" "select count(*) from flows where verdict='unexpected'")"
lib_check "counters recorded for the run" test "$(q "$tmp/s.db" "select value from counters where name='packets'")" -eq "$(tcpdump -n -r "$sample" 2>/dev/null | wc -l)"

# A database of schema version 1 (an older conformd's: flows without
# icmp_type, icmp_code, community_id; findings without tunnel_*; rules
# without source, features, site, disabled; runs without sensor), opened by
# two runs at once: upgraded once, both runs recorded, rows kept.
cp "$tmp/s.db" "$tmp/v1.db"
q "$tmp/v1.db" "drop index flows_community; alter table findings drop column first_flow_id;
    alter table findings drop column flow_id;
    alter table flows drop column community_id; alter table flows drop column icmp_code;
    alter table flows drop column icmp_type; alter table findings drop column tunnel_dst;
    alter table findings drop column tunnel_src; alter table findings drop column tunnel_type;
    alter table rules drop column disabled; alter table rules drop column site;
    alter table rules drop column features; alter table rules drop column source;
    alter table runs drop column sensor; pragma user_version = 1; update meta set value = '1' where key = 'schema_version'"
"$bin" -q -c "$conf" -r "$sample" --db "$tmp/v1.db" >/dev/null 2>"$tmp/v1a.err" &
v1a=$!
"$bin" -q -c "$conf" -r "$sample" --db "$tmp/v1.db" >/dev/null 2>"$tmp/v1b.err"
v1b=$?
wait $v1a
v1a=$?
lib_check "schema 1 opened by two runs at once: both ran (exit 1), one says it upgraded" \
    test "$v1a $v1b $(cat "$tmp/v1a.err" "$tmp/v1b.err" | grep -c 'v1.db: schema version 1 upgraded to 5')" = "1 1 1"
lib_check "schema 1 upgraded: version 5, three runs, every flow kept, intact" \
    test "$(q "$tmp/v1.db" 'pragma user_version; select count(*) from runs; select count(*) from flows; pragma integrity_check' | tr '\n' ' ')" = "5 3 $((flows * 3)) ok "
lib_check "schema 1 upgraded: the first run has no sensor, the later ones theirs" \
    test "$(q "$tmp/v1.db" "select count(*) from runs where (id = 1) = (sensor is null)")" -eq 3
lib_check "schema 1 upgraded: the first run's flows have NULL in the new columns" \
    test "$(q "$tmp/v1.db" "select count(*) from flows where run_id = 1 and icmp_type is null and community_id is null")" -eq "$flows"

# Standard input gives the same result as the file.
cat "$sample" | "$bin" -q -c "$conf" -r - --db "$tmp/stdin.db" >/dev/null 2>&1
lib_check "-r - reads standard input" test "$(q "$tmp/stdin.db" "select count(*) from flows")" -eq "$flows"

# Only expected traffic, every required port seen: exit 0 (a one-rule
# matrix, so nothing else is missing).  Two -r files: flows of both.
tcpdump -n -r "$sample" -w "$tmp/tls.pcap" 'tcp port 5061' 2>/dev/null
tcpdump -n -r "$sample" -w "$tmp/udp.pcap" 'udp port 1434' 2>/dev/null
printf 'role web server "a test role"\nrule T1R1 table 1 row 1 role web dir in proto tcp port 5061 app tls\n' >"$tmp/one.rules"
printf 'host fe1 198.18.1.11 role web\n' >"$tmp/one-inv.conf"
printf 'rules one.rules\ninventory one-inv.conf\n' >"$tmp/one.conf"
lib_check "only expected flows, all seen: exit 0" expect 0 "findings: 0 " -c "$tmp/one.conf" -r "$tmp/tls.pcap"
"$bin" -q -c "$conf" -r "$tmp/tls.pcap" -r "$tmp/udp.pcap" --db "$tmp/two.db" 2>/dev/null
lib_check "several -r files feed one run" test "$(q "$tmp/two.db" "select count(distinct proto) from flows")" -eq 2

# EVE to standard output, summary to standard error.
"$bin" -c "$conf" -r "$tmp/tls.pcap" --eve - >"$tmp/stdout.eve" 2>"$tmp/stderr"
lib_check "--eve - writes JSON lines to stdout" python3 -c "import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; assert sum(e['event_type']=='flow' for e in l) == 1" "$tmp/stdout.eve"
lib_check "summary goes to stderr" grep -q '^packets: ' "$tmp/stderr"

# --filter on -r, as tcpdump -r FILE EXPR: the same packets kept as
# tcpdump keeps, on both paths; the records are those of the file tcpdump
# wrote with that filter; the numbers of what it dropped are counted.
fexpr='udp or dst port 5061'
fkept=$(tcpdump -n -r "$sample" "$fexpr" 2>/dev/null | wc -l)
fall=$(tcpdump -n -r "$sample" 2>/dev/null | wc -l)
tcpdump -n -r "$sample" -w "$tmp/tdf.pcap" "$fexpr" 2>/dev/null
"$bin" -q -c "$conf" -r "$tmp/tdf.pcap" --eve "$tmp/tdf.eve" 2>/dev/null
sed 's/"flow_id":[0-9]*,//' "$tmp/tdf.eve" | sort >"$tmp/tdf.sorted"
for mode in "--direct" "--workers 2"; do
	rm -f "$tmp/f.db" "$tmp/f.db-wal" "$tmp/f.db-shm" "$tmp/f.eve"
	"$bin" -c "$conf" -r "$sample" --filter "$fexpr" $mode --db "$tmp/f.db" --eve "$tmp/f.eve" 2>"$tmp/f.err"
	lib_check "--filter $mode: packets classified = tcpdump's ($fkept of $fall)" test "$(q "$tmp/f.db" "select value from counters where name='packets'")" -eq "$fkept"
	lib_check "--filter $mode: capture.filtered counts the rest" test "$(q "$tmp/f.db" "select value from counters where name='capture.filtered'")" -eq $((fall - fkept))
	lib_check "--filter $mode: the summary says so" grep -q "^filter \"$fexpr\": $fkept of $fall packets matched\$" "$tmp/f.err"
	sed 's/"flow_id":[0-9]*,//' "$tmp/f.eve" | sort >"$tmp/f.sorted"
	lib_check "--filter $mode: the records of tcpdump's filtered file" cmp -s "$tmp/tdf.sorted" "$tmp/f.sorted"
done
lib_check "--filter with a bad expression: exit 2, names it" expect 2 "--filter: filter \"udp or\": .*syntax error" -c "$conf" -r "$sample" --filter 'udp or'
lib_check "--filter with a bad expression, --workers 2: exit 2" expect 2 "filter \"udp or\": .*syntax error" -c "$conf" -r "$sample" --filter 'udp or' --workers 2
printf 'rules %s\ninventory %s\nfilter "udp or"\n' "$top_srcdir/rules/lync2013.rules" "$top_srcdir/samples/inventory.conf" >"$tmp/badf.conf"
lib_check "-T: a bad filter in the configuration names file and line" expect 2 "$tmp/badf.conf:3: filter \"udp or\": .*syntax error" -T -c "$tmp/badf.conf"
# The configuration's filter is the sensor's, for live sources; a file
# is filtered only from the command line (as tcpdump -r, or Suricata's
# per-interface bpf-filter).
printf 'rules %s\ninventory %s\nfilter "udp"\n' "$top_srcdir/rules/lync2013.rules" "$top_srcdir/samples/inventory.conf" >"$tmp/udpf.conf"
"$bin" -q -c "$tmp/udpf.conf" -r "$sample" --db "$tmp/udpf.db" 2>/dev/null
lib_check "the configuration's filter does not apply to -r" test "$(q "$tmp/udpf.db" "select value from counters where name='packets'")" -eq "$fall"
"$top_builddir/tests/gen-edge" "$tmp/edge" >/dev/null || lib_error "tests/gen-edge failed"
lib_check "--filter that cannot apply to a file's link type: exit 2, names file and link" expect 2 "raw.pcap: filter \"ether host 00:11:22:33:44:55\" does not apply to link type 12 (RAW)" -c "$conf" -r "$tmp/edge/raw.pcap" --filter 'ether host 00:11:22:33:44:55'
lib_check "... and with --workers 2" expect 2 "raw.pcap: filter \"ether host 00:11:22:33:44:55\" does not apply to link type 12 (RAW)" -c "$conf" -r "$tmp/edge/raw.pcap" --filter 'ether host 00:11:22:33:44:55' --workers 2
# A pcapng file whose second interface is raw IP: the filter cannot apply
# to its packets; they are skipped, counted, and a warning says so.
if command -v mergecap >/dev/null 2>&1; then
	mergecap -F pcapng -w "$tmp/mix.pcapng" "$tmp/edge/vlan.pcap" "$tmp/edge/raw.pcap"
	nraw=$(tcpdump -n -r "$tmp/edge/raw.pcap" 2>/dev/null | wc -l)
	for mode in "--direct" "--workers 2"; do
		rm -f "$tmp/mix.db" "$tmp/mix.db-wal" "$tmp/mix.db-shm"
		lib_check "--filter on a pcapng with a raw-IP interface $mode: $nraw packets skipped, said (exit 1: findings)" expect 1 "$nraw packets skipped: their link type is one the filter" -q -c "$top_srcdir/tests/edge-site/conformd.conf" -r "$tmp/mix.pcapng" --filter 'not ether host 00:11:22:33:44:55' $mode --db "$tmp/mix.db"
		lib_check "... counted as capture.unfilterable $mode" test "$(q "$tmp/mix.db" "select value from counters where name='capture.unfilterable'")" -eq "$nraw"
	done
else
	echo "  (skipped the mixed-link pcapng checks: mergecap, from wireshark-common, is not installed)"
fi

# The pipeline with one or several workers judges exactly like the
# single-thread path (the default for -r with one worker): same EVE
# lines, in whatever order.
for mode in "--workers 1" "--pipeline" "--workers 2" "--workers 3" "--direct"; do
	"$bin" -q -c "$conf" -r "$sample" $mode --eve "$tmp/w.eve" --db "$tmp/w.db" 2>/dev/null
	# flow ids are numbered per worker: compare everything else
	sed 's/"flow_id":[0-9]*,//' "$tmp/w.eve" | sort >"$tmp/w-${mode#--}.sorted"
	rm -f "$tmp/w.eve" "$tmp/w.db" "$tmp/w.db-wal" "$tmp/w.db-shm"
done
for mode in "pipeline" "workers 2" "workers 3" "direct"; do
	lib_check "--$mode: the same records as one worker" cmp -s "$tmp/w-workers 1.sorted" "$tmp/w-$mode.sorted"
done
lib_check "--direct with --pipeline refused" expect 2 "cannot be combined with --pipeline" -c "$conf" -r "$sample" --direct --pipeline
lib_check "--direct with --workers 2 refused" expect 2 "cannot be combined with --workers" -c "$conf" -r "$sample" --direct --workers 2
lib_check "--pipeline without -r refused" expect 2 "--pipeline applies to -r only" -c "$conf" -i lo --pipeline
lib_check "--workers 3: flow ids unique" test "$("$bin" -q -c "$conf" -r "$sample" --workers 3 --eve - 2>/dev/null | grep '"event_type":"flow"' | grep -o '"flow_id":[0-9]*' | sort | uniq -d | wc -l)" -eq 0
# conformd(8) describes every long option --help lists
undocumented=$("$bin" --help 2>&1 | grep -oE '(^ +|, )--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u |
    while read -r o; do grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$top_srcdir/man/conformd.8.in" || printf '%s ' "$o"; done)
lib_check "every option of --help is in conformd(8) (missing: ${undocumented:-none})" test -z "$undocumented"
lib_check "--record-slots 100 refused" expect 2 "--record-slots must be a power of two, not 100" -c "$conf" -i lo --record-slots 100
lib_check "--record-slots 32 refused" expect 2 "--record-slots must be a number from 64 to 4194304, not 32" -c "$conf" -i lo --record-slots 32
lib_check "--workers 0 refused" expect 2 "--workers must be a number from 1 to 64" -c "$conf" -r "$sample" --workers 0
lib_check "-r with -i refused" expect 2 "cannot be mixed" -c "$conf" -r "$sample" -i lo
for opt in "--snaplen 100" "--buffer-size 1024" "--ring-slots 1024" "--record-slots 1024"; do
	lib_check "-r with $opt (live only) refused, not ignored" expect 2 "${opt% *} applies to live capture (-i, --nflog) only, not to -r" -c "$conf" -r "$sample" $opt
done

# A capture cut in the middle of a record: what came before is recorded, exit 2.
size=$(wc -c <"$sample")
head -c $((size * 2 / 3)) "$sample" >"$tmp/cut.pcap"
good=$(tcpdump -n -r "$tmp/cut.pcap" 2>/dev/null | wc -l)
lib_check "truncated capture: exit 2 naming file and packet" expect 2 "cut.pcap: packet $((good + 1)): " -c "$conf" -r "$tmp/cut.pcap" --db "$tmp/cut.db"
lib_check "truncated capture: packets before the damage recorded" test "$(q "$tmp/cut.db" "select value from counters where name='packets'")" -eq "$good"
lib_check "truncated capture: flows before the damage recorded" test "$(q "$tmp/cut.db" "select count(*) from flows")" -gt 0
# SIGINT stops a -r run that waits on a pipe for more: what came is
# judged and written, the message says where it stopped.
mkfifo "$tmp/pipe"
exec 3<>"$tmp/pipe"
head -c 20000 "$sample" >&3
"$bin" -q -c "$conf" -r "$tmp/pipe" --db "$tmp/int.db" 2>"$tmp/int.err" &
intpid=$!
sleep 1
kill -INT $intpid
wait $intpid
intst=$?
exec 3>&-
# A stop by signal is a success: exit 0 although findings were raised
# (they are recorded and counted all the same).
lib_check "SIGINT on a waiting pipe: stops, exit 0 (a stop by signal is a success)" test $intst -eq 0
lib_check "SIGINT: says where it stopped" grep -q "SIGINT: .*pipe: stopped after packet [1-9]" "$tmp/int.err"
lib_check "SIGINT: the packets read are in the database" test "$(q "$tmp/int.db" "select value from counters where name='packets'")" -gt 0
intf=$(q "$tmp/int.db" "select count(*) from findings")
lib_check "SIGINT: findings were raised ($intf) and recorded" test "${intf:-0}" -gt 0
lib_check "SIGINT: the log counts them and says why the exit status is 0" grep -q "stopped by SIGINT with [1-9][0-9]* findings raised: exit status 0" "$tmp/int.err"

# A trailing filter expression, as `tcpdump -r f.pcap tcp port 5061`: the
# same run as --filter with the same words, on both paths; both at once
# are refused.
for mode in "--direct" "--workers 2"; do
	"$bin" -c "$conf" -r "$sample" --filter 'tcp port 5061' $mode --eve "$tmp/tf1.eve" 2>"$tmp/tf1.err"
	"$bin" -c "$conf" -r "$sample" $mode --eve "$tmp/tf2.eve" tcp port 5061 2>"$tmp/tf2.err"
	sed 's/"flow_id":[0-9]*,//' "$tmp/tf1.eve" | sort >"$tmp/tf1.sorted"
	sed 's/"flow_id":[0-9]*,//' "$tmp/tf2.eve" | sort >"$tmp/tf2.sorted"
	lib_check "-r FILE tcp port 5061 $mode: the records of --filter 'tcp port 5061'" cmp -s "$tmp/tf1.sorted" "$tmp/tf2.sorted"
	lib_check "-r FILE tcp port 5061 $mode: the summary names the filter" grep -q "^filter \"tcp port 5061\": $(tcpdump -n -r "$sample" 'tcp port 5061' 2>/dev/null | wc -l) of $fall packets matched\$" "$tmp/tf2.err"
	rm -f "$tmp/tf1.eve" "$tmp/tf2.eve"
done
lib_check "--filter and a trailing expression: exit 2, give one" expect 2 "a filter expression both with --filter and after the options" -c "$conf" -r "$sample" --filter udp tcp
lib_check "a bad trailing expression: exit 2, names it" expect 2 'filter "tcp port": .*syntax error' -c "$conf" -r "$sample" tcp port

# `filter` in the configuration takes the rest of its line, unquoted,
# quoted words as they are; the canonical form quotes it and reads back.
printf 'rules %s\ninventory %s\nfilter host 198.18.1.11 and "tcp port 5061"\n' "$top_srcdir/rules/lync2013.rules" "$top_srcdir/samples/inventory.conf" >"$tmp/uf.conf"
lib_check "filter host ... unquoted in the configuration: -T accepts it" expect 0 "configuration OK" -T -c "$tmp/uf.conf"
"$bin" -T -v -c "$tmp/uf.conf" 2>/dev/null >"$tmp/uf-canon.conf"
lib_check "... the canonical form holds the whole expression" grep -qx 'filter "host 198.18.1.11 and tcp port 5061"' "$tmp/uf-canon.conf"
sed -n '/^rules /,/^$/p' "$tmp/uf-canon.conf" | grep -v '^$' | grep -v '^rule \|^role ' >"$tmp/uf2.conf"
lib_check "... which reads back to the same" sh -c "'$bin' -T -v -c '$tmp/uf2.conf' 2>/dev/null | grep -qx 'filter \"host 198.18.1.11 and tcp port 5061\"'"
printf 'rules %s\ninventory %s\nfilter host 198.18.1.11 and\n' "$top_srcdir/rules/lync2013.rules" "$top_srcdir/samples/inventory.conf" >"$tmp/uf3.conf"
lib_check "a bad unquoted filter: file:line, exit 2" expect 2 "$tmp/uf3.conf:3: filter \"host 198.18.1.11 and\": .*syntax error" -T -c "$tmp/uf3.conf"
printf 'rules %s\ninventory %s\nfilter udp\nfilter tcp\n' "$top_srcdir/rules/lync2013.rules" "$top_srcdir/samples/inventory.conf" >"$tmp/uf4.conf"
lib_check "filter given twice: file:line, exit 2" expect 2 "$tmp/uf4.conf:4: duplicate key filter (first at $tmp/uf4.conf:3)" -T -c "$tmp/uf4.conf"

# --build-info: the version, NFLOG as configure found it, the TLS
# library, the libraries in use (as tcpdump and sqlite3 report theirs).
"$bin" --build-info >"$tmp/bi" 2>&1
lib_check "--build-info: the version" grep -qx "conformd $("$bin" -V | sed 's/^conformd //')" "$tmp/bi"
if grep -q '^#define HAVE_NFLOG 1' "$top_builddir/config.h"; then nf=yes; else nf=no; fi
lib_check "--build-info: NFLOG $nf, as configured" grep -q "^NFLOG: $nf" "$tmp/bi"
if grep -q '^#define HAVE_TLS 1' "$top_builddir/config.h"; then
	lib_check "--build-info: TLS with GnuTLS $(pkg-config --modversion gnutls 2>/dev/null), as configured" grep -q "^TLS: GnuTLS $(pkg-config --modversion gnutls 2>/dev/null) " "$tmp/bi"
else
	lib_check "--build-info: no TLS, as configured" grep -q '^TLS: no' "$tmp/bi"
fi
lib_check "--build-info: libpcap's version, as tcpdump reports it" grep -qxF "libpcap: $(tcpdump --version 2>&1 | grep '^libpcap version')" "$tmp/bi"
lib_check "--build-info: SQLite's version, as sqlite3 reports it" grep -q "^SQLite: $(sqlite3 --version | cut -d' ' -f1) " "$tmp/bi"

# -r DIR: every capture of a directory, ordered by the first packet's
# time (named here against that order), is one run: the records of the
# capture they were cut from, on both paths.  Hidden files are skipped.
python3 - "$sample" "$tmp/dir" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
data = open(src, "rb").read()
hdr, off, recs = data[:24], 24, []
while off < len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    recs.append(data[off:off + 16 + incl])
    off += 16 + incl
n = 4
size = (len(recs) + n - 1) // n
for i in range(n):
    # z-0 holds the first packets, w-3 the last: name order is reversed
    with open(os.path.join(out, "%s-%d.pcap" % ("zyxw"[i], i)), "wb") as f:
        f.write(hdr + b"".join(recs[i * size:(i + 1) * size]))
open(os.path.join(out, ".partial.pcap"), "wb").write(b"not yet a capture")
PY
"$bin" -q -c "$conf" -r "$sample" --eve "$tmp/d1.eve" 2>/dev/null
sed 's/"flow_id":[0-9]*,//' "$tmp/d1.eve" | sort >"$tmp/d1.sorted"
"$bin" -q -c "$conf" -r "$tmp/dir/w-3.pcap" -r "$tmp/dir/x-2.pcap" -r "$tmp/dir/y-1.pcap" -r "$tmp/dir/z-0.pcap" --eve "$tmp/dn.eve" 2>/dev/null
sed 's/"flow_id":[0-9]*,//' "$tmp/dn.eve" | sort >"$tmp/dn.sorted"
lib_check "-r DIR: the parts in name order give other records (the test can tell)" sh -c "! cmp -s '$tmp/d1.sorted' '$tmp/dn.sorted'"
for mode in "--direct" "--workers 2"; do
	rm -f "$tmp/d.eve" "$tmp/d.db" "$tmp/d.db-wal" "$tmp/d.db-shm"
	lib_check "-r DIR $mode: findings, exit 1, nothing said about the hidden file" expect 1 "" -c "$conf" -r "$tmp/dir" $mode --eve "$tmp/d.eve" --db "$tmp/d.db"
	lib_check "... no message (the summary only)" sh -c "! grep -q '^conformd: ' '$tmp/err'"
	sed 's/"flow_id":[0-9]*,//' "$tmp/d.eve" | sort >"$tmp/d.sorted"
	lib_check "-r DIR $mode: the records of the capture the files were cut from" cmp -s "$tmp/d1.sorted" "$tmp/d.sorted"
	lib_check "-r DIR $mode: one run, every packet" test "$(q "$tmp/d.db" "select count(*) from runs; select value from counters where name='packets'" | tr '\n' ' ')" = "1 $fall "
done
mkdir "$tmp/emptydir"
: >"$tmp/emptydir/.hidden"
lib_check "-r an empty directory: exit 2, says so" expect 2 "$tmp/emptydir: no capture file in the directory" -c "$conf" -r "$tmp/emptydir"
lib_check "... also with --workers 2" expect 2 "$tmp/emptydir: no capture file in the directory" -c "$conf" -r "$tmp/emptydir" --workers 2
# A damaged file in the directory: named with the packet number within
# it; every packet before the damage and the other files recorded.
cp -r "$tmp/dir" "$tmp/baddir"
ysize=$(wc -c <"$tmp/dir/y-1.pcap")
head -c $((ysize / 2)) "$tmp/dir/y-1.pcap" >"$tmp/baddir/y-1.pcap"
echo "not a capture" >"$tmp/baddir/README"
ygood=$(tcpdump -n -r "$tmp/baddir/y-1.pcap" 2>/dev/null | wc -l)
bgood=0
for f in "$tmp"/baddir/*.pcap; do bgood=$((bgood + $(tcpdump -n -r "$f" 2>/dev/null | wc -l))); done
for mode in "--direct" "--workers 2"; do
	rm -f "$tmp/b.db" "$tmp/b.db-wal" "$tmp/b.db-shm"
	lib_check "-r DIR with a damaged file $mode: exit 2, names it and packet $((ygood + 1))" expect 2 "$tmp/baddir/y-1.pcap: packet $((ygood + 1)): " -c "$conf" -r "$tmp/baddir" $mode --db "$tmp/b.db"
	lib_check "... and the file that is not a capture" grep -q "$tmp/baddir/README: unknown file format" "$tmp/err"
	lib_check "... every packet before the damage and of the other files recorded ($bgood)" test "$(q "$tmp/b.db" "select value from counters where name='packets'")" -eq "$bgood"
	lib_check "... the run's row says exit 2" test "$(q "$tmp/b.db" "select status from runs")" -eq 2
done

# -u with -r (one worker, the default path): the captures are opened as
# root, then everything is written as the user.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 711 "$tmp" && mkdir "$tmp/u" && chmod 777 "$tmp/u"
	cp "$sample" "$tmp/u/root-only.pcap" && chmod 600 "$tmp/u/root-only.pcap"
	lib_check "-r -u nobody: a root-only capture is read" expect 1 "" -q -c "$conf" -r "$tmp/u/root-only.pcap" -u nobody --db "$tmp/u/x.db" --eve "$tmp/u/x.eve"
	mkdir "$tmp/u/rootdir" && cp "$tmp"/dir/*.pcap "$tmp/u/rootdir/" && chmod 600 "$tmp"/u/rootdir/*.pcap && chmod 700 "$tmp/u/rootdir"
	lib_check "-r DIR -u nobody: a root-only directory is read, every packet" expect 1 "" -q -c "$conf" -r "$tmp/u/rootdir" -u nobody --db "$tmp/u/xd.db"
	lib_check "... every packet" test "$(q "$tmp/u/xd.db" "select value from counters where name='packets'")" -eq "$fall"
	lib_check "-r -u nobody: the database is written as nobody" test "$(stat -c %U "$tmp/u/x.db")" = nobody
	lib_check "-r -u nobody: the EVE file is written as nobody" test "$(stat -c %U "$tmp/u/x.eve")" = nobody
	"$bin" -q -c "$conf" -r "$sample" --db "$tmp/u/root.db" 2>/dev/null
	lib_check "-r -u nobody: the same flows as a run as root" test "$(q "$tmp/u/x.db" "select count(*) from flows")" -eq "$(q "$tmp/u/root.db" "select count(*) from flows")"
	lib_check "-r -u nobody: a missing capture is named, the other still read (exit 2)" expect 2 "$tmp/nope.pcap" -q -c "$conf" -r "$tmp/nope.pcap" -r "$tmp/u/root-only.pcap" -u nobody --db "$tmp/u/y.db"
	lib_check "-r -u nobody: ... and its flows are there" test "$(q "$tmp/u/y.db" "select count(*) from flows")" -gt 0
	lib_check "-r -u with an unknown user: exit 2, nothing written" expect 2 "no such user: conformd-nosuchuser" -q -c "$conf" -r "$tmp/u/root-only.pcap" -u conformd-nosuchuser --db "$tmp/u/z.db"
	lib_check "-r -u with an unknown user: no database" test ! -e "$tmp/u/z.db"
else
	echo "  (skipped -r -u checks: need root and the user nobody)"
fi

lib_summary
