#!/bin/sh
# report.sh - `conformd --report DB ...`: one report across several sensors'
# databases.
#
# The databases are written by the real binary (`conformd -r --db`) from
# captures of tests/gen-edge (one inventory, tests/edge-site/conformd.conf)
# and from the shipped sample.  Expectations are exact and come from the
# databases themselves through sqlite3(1): summed counts, the sensors that
# saw a finding, coverage merged (seen anywhere beats missing), the latest
# run against --all-runs, valid JSON, and every unreadable database named
# as "FILE: reason" with exit status 2 while the others are reported.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name report

lib_need_tools sqlite3 python3
bin=$top_builddir/conformd
[ -x "$bin" ] || lib_error "no binary at $bin"
[ -x "$top_builddir/tests/gen-edge" ] || lib_error "no tests/gen-edge in $top_builddir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-report.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || lib_error "cd $tmp"

"$top_builddir/tests/gen-edge" edge >/dev/null || lib_error "tests/gen-edge failed"
gconf=$top_srcdir/tests/edge-site/conformd.conf
judge() {	# judge CONF DB CAPTURE: one run into DB (exit 1: findings)
	"$bin" -q -c "$1" --db "$2" -r "$3"
	[ $? -le 1 ] || lib_error "conformd -r $3 --db $2 failed"
}
judge "$gconf" a.db edge/frag.pcap		# fe1 T1R3 missing
judge "$gconf" b.db edge/icmp-unreach.pcap	# fe1 T1R19 blocked, T1R3 missing
judge "$gconf" c.db edge/raw.pcap		# fe1 T1R3 and T1R19 seen
judge "$gconf" d.db edge/raw.pcap		# two runs: seen, then missing
judge "$gconf" d.db edge/frag.pcap
judge "$top_srcdir/samples/conformd.conf" lync.db "$top_srcdir/samples/lync-site.pcap"
# a capture with no IP traffic: a run without findings
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >empty.pcap
judge "$gconf" empty.db empty.pcap

# py FILE EXPR: evaluate EXPR with d = the JSON document in FILE
py() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# expect WHAT GOT WANT
expect() {
	if [ "$2" = "$3" ]; then
		lib_pass "$1"
	else
		lib_failed "$1: got '$2', want '$3'"
	fi
}
sql() {
	sqlite3 "$@"
}

# --- a, b, c: three sensors of one site --------------------------------------
cksum a.db b.db c.db >sums.before
"$bin" --report --json a.db b.db c.db >abc.json 2>abc.err
expect "findings: exit status 1" $? 1
expect "nothing on standard error" "$(cat abc.err)" ""
lib_check "--json is one valid JSON document" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' abc.json
cksum a.db b.db c.db >sums.after
lib_check "the databases are not written" cmp -s sums.before sums.after
want=0
for db in a.db b.db c.db; do
	want=$((want + $(sql $db 'select sum(count) from findings')))
done
expect "findings_total is the sum of every database's counts" "$(py abc.json 'd["findings_total"]')" "$want"
expect "the merged rows' counts add up to it" "$(py abc.json 'sum(f["count"] for f in d["findings"])')" "$want"
want=$(sql a.db "attach 'b.db' as b; attach 'c.db' as c;
	select count(*) from (select kind, src_ip, dest_ip, dest_port, proto, host, rule_id from findings
	union select kind, src_ip, dest_ip, dest_port, proto, host, rule_id from b.findings
	union select kind, src_ip, dest_ip, dest_port, proto, host, rule_id from c.findings)")
expect "one row per distinct (kind, src_ip, dest_ip, dest_port, proto, host, rule_id)" \
    "$(py abc.json 'd["findings_distinct"]') $(py abc.json 'len(d["findings"])')" "$want $want"
sel='[f for f in d["findings"] if f["kind"] == "unexpected" and f["dest_ip"] == "198.18.1.11" and f["dest_port"] == 3478][0]'
expect "a finding seen by three sensors lists the three" \
    "$(py abc.json "[s['database'] for s in $sel['sensors']]")" "['a.db', 'b.db', 'c.db']"
expect "its count is summed" "$(py abc.json "$sel['count']")" 3
expect "earliest first_seen, latest last_seen" \
    "$(py abc.json "$sel['first_seen'] + ' ' + $sel['last_seen']")" \
    "$(sql a.db "attach 'b.db' as b; attach 'c.db' as c;
	select min(first_seen) || ' ' || max(last_seen) from (select * from findings union all
	select * from b.findings union all select * from c.findings)
	where kind = 'unexpected' and dest_ip = '198.18.1.11' and dest_port = 3478")"
expect "sorted by severity, then count" \
    "$(py abc.json '[(f["severity"], -f["count"]) for f in d["findings"]] == sorted((f["severity"], -f["count"]) for f in d["findings"])')" True
expect "sensors: packets and flows from the counters" \
    "$(py abc.json '[(s["database"], s["packets"], s["flows"]) for s in d["sensors"]]')" \
    "[('a.db', $(sql a.db "select value from counters where name = 'packets'"), $(sql a.db "select value from counters where name = 'flows.created'")), ('b.db', $(sql b.db "select value from counters where name = 'packets'"), $(sql b.db "select value from counters where name = 'flows.created'")), ('c.db', $(sql c.db "select value from counters where name = 'packets'"), $(sql c.db "select value from counters where name = 'flows.created'"))]"
expect "sensors: runs and sources" "$(py abc.json '[(s["runs"], s["sources"]) for s in d["sensors"]][0]')" \
    "(1, ['edge/frag.pcap'])"

# coverage: fe1 T1R3 is missing for a and b, seen by c
cov='{(r["host"], r["rule"]): (r["state"], [s["database"] for s in r["sensors"]]) for r in d["coverage"]["rows"]}'
expect "seen by one sensor: not missing, not blocked after the merge" \
    "$(py abc.json "[k for k in $cov if k[0] == 'fe1' and k[1] in ('T1R3', 'T1R19')]")" "[]"
expect "seen pairs: those any sensor proved" "$(py abc.json 'd["coverage"]["states"]["seen"]')" \
    "$(sql a.db "attach 'b.db' as b; attach 'c.db' as c; select count(*) from (select host, rule_id
	from coverage where state = 'seen' union select host, rule_id from b.coverage where state = 'seen'
	union select host, rule_id from c.coverage where state = 'seen')")"
expect "a missing finding proven by another sensor says so" \
    "$(py abc.json '[f["sensors"][0]["database"] for f in d["findings"] if f["proven_elsewhere"] and f["rule"] == "T1R3"]')" \
    "['a.db']"
expect "coverage says it counts the latest run" "$(py abc.json 'd["coverage"]["runs"]')" latest

"$bin" --report --json a.db b.db >ab.json
expect "a, b: exit status 1" $? 1
expect "missing in every sensor: missing, with both" "$(py ab.json "$cov[('fe1', 'T1R3')]")" \
    "('missing', ['a.db', 'b.db'])"
expect "blocked in one, missing in the other: blocked, by the one" "$(py ab.json "$cov[('fe1', 'T1R19')]")" \
    "('blocked', ['b.db'])"
expect "blocked keeps its evidence" \
    "$(py ab.json '[s["evidence"] for r in d["coverage"]["rows"] if r["rule"] == "T1R19" for s in r["sensors"]][0]')" \
    "$(sql b.db "select evidence from coverage where host = 'fe1' and rule_id = 'T1R19'")"
expect "a finding seen in two databases lists both (count 2)" \
    "$(py ab.json "([s['database'] for s in $sel['sensors']], $sel['count'])")" "(['a.db', 'b.db'], 2)"

# the text form says the same
"$bin" --report a.db b.db >ab.txt
expect "text: exit status 1" $? 1
lib_check "text: the shared finding names both sensors" \
    grep -q '^  sev 2  unexpected  198\.18\.10\.20 -> 198\.18\.1\.11 port 3478/UDP  count 2  .*seen by a\.db (1), b\.db (1)$' ab.txt
lib_check "text: blocked row with its sensor" grep -q '^  blocked  fe1 T1R19: b\.db (ICMPv6' ab.txt
lib_check "text: missing row with both sensors" grep -q '^  missing  fe1 T1R3: a\.db, b\.db$' ab.txt
lib_check "text: a sensor line per database" grep -q '^  a\.db: sensor [^ ,]*, 1 run (first started .*); sources edge/frag\.pcap; [0-9]* packets, [0-9]* flows; coverage from run 1$' ab.txt
lib_check "text: says only the latest run counts" grep -q 'the latest run of each database (--all-runs merges every run)' ab.txt
expect "text: rule ids in numeric order (T1R9 before T1R10)" \
    "$(grep -o '^  missing  fe1 T1R\(9\|10\):' ab.txt | tr '\n' '|')" "  missing  fe1 T1R9:|  missing  fe1 T1R10:|"
"$bin" --report a.db b.db c.db >abc.txt
lib_check "text: seen elsewhere, no longer missing" sh -c "! grep -q '^  missing  fe1 T1R3:' abc.txt"

# --- one database, two runs: the latest run, or every run -------------------
"$bin" --report --json d.db >d.json
expect "latest run: run 2 judged it missing" "$(py d.json "($cov[('fe1', 'T1R3')], d['sensors'][0]['coverage_run'], d['sensors'][0]['runs'])")" \
    "(('missing', ['d.db']), 2, 2)"
"$bin" --report --json --all-runs d.db >d-all.json
expect "--all-runs: run 1 proved it" "$(py d-all.json "(('fe1', 'T1R3') in $cov, d['coverage']['runs'])")" "(False, 'all')"
expect "sensor packets summed over runs" "$(py d.json 'd["sensors"][0]["packets"]')" \
    "$(sql d.db "select sum(value) from counters where name = 'packets'")"

# --- no findings: exit 0; another site's sample -----------------------------
"$bin" --report empty.db >empty.txt
expect "no findings: exit status 0" $? 0
lib_check "no findings: says none" grep -q '^findings: 0 distinct, 0 occurrences' empty.txt
"$bin" --report -c /nonexistent/conformd.conf --json lync.db empty.db >lync.json 2>lync.err
expect "no configuration read (-c to a missing file is ignored)" "$? $(cat lync.err)" "1 "
expect "the sample's findings" "$(py lync.json 'd["findings_total"]')" \
    "$(sql lync.db 'select sum(count) from findings')"

# --- an older sensor's database (schema version 1: flows without icmp_type,
# icmp_code, community_id) reads as it is, untouched ---------------------------
cp a.db v1.db
sql v1.db "drop index flows_community; alter table findings drop column first_flow_id;
    alter table findings drop column flow_id;
    alter table flows drop column community_id; alter table flows drop column icmp_code;
    alter table flows drop column icmp_type; pragma user_version = 1;
    update meta set value = '1' where key = 'schema_version'"
"$bin" --report --json a.db >a.json
"$bin" --report --json v1.db >v1.json
expect "version 1: the same findings and coverage" \
    "$(py v1.json 'json.dumps((d["findings"], d["coverage"])).replace("v1.db", "a.db")')" \
    "$(py a.json 'json.dumps((d["findings"], d["coverage"]))')"
expect "version 1: left as it was" "$(sql v1.db 'pragma user_version')" 1

# --- databases that cannot be read --------------------------------------------
echo "not a database" >text.db
sql other.db 'create table t (x integer)'
sql version.db 'pragma user_version = 9'
mkdir dir.db
"$bin" --report --json a.db missing.db text.db other.db version.db dir.db b.db >bad.json 2>bad.err
expect "unreadable databases: exit status 2" $? 2
lib_check "bad: the report is still valid JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' bad.json
expect "bad: the good databases are still reported" \
    "$(py bad.json '([s["database"] for s in d["sensors"]], d["findings_total"])')" \
    "(['a.db', 'b.db'], $(py ab.json 'd["findings_total"]'))"
cat >bad.want <<EOF
conformd: missing.db: No such file or directory
conformd: text.db: not an SQLite database
conformd: other.db: not a conformd database (no schema version)
conformd: version.db: schema version 9, this conformd reads versions 1 to 5
conformd: dir.db: not a regular file
EOF
lib_check "bad: each one named as FILE: reason" cmp -s bad.want bad.err || diff bad.want bad.err
expect "bad: and listed in the report" "$(py bad.json '[e["database"] for e in d["errors"]]')" \
    "['missing.db', 'text.db', 'other.db', 'version.db', 'dir.db']"
if [ "$(id -u)" -ne 0 ]; then
	cp a.db noperm.db && chmod 000 noperm.db
	"$bin" --report a.db noperm.db >/dev/null 2>noperm.err
	expect "an unreadable file: exit 2, FILE: reason" "$? $(cat noperm.err)" "2 conformd: noperm.db: Permission denied"
fi
"$bin" --report a.db text.db >bad.txt 2>/dev/null
expect "text: exit status 2" $? 2
lib_check "text: the bad one listed" grep -q '^  text\.db: not read: not an SQLite database$' bad.txt
lib_check "text: the good one reported" grep -q '^  a\.db: sensor [^ ,]*, 1 run' bad.txt

# --- usage --------------------------------------------------------------------
"$bin" --report >/dev/null 2>usage.err
expect "no database: exit status 2" $? 2
lib_check "no database: says so, with the usage" sh -c \
    "grep -q '^conformd: --report needs at least one database$' usage.err && grep -q '^usage:' usage.err"
"$bin" --json a.db >/dev/null 2>json.err
expect "--json without --report: exit 2" "$? $(cat json.err)" "2 conformd: --json applies to --report only"
"$bin" --report -r edge/frag.pcap a.db >/dev/null 2>mix.err
expect "--report with -r: exit 2" $? 2
# Options of analysis runs would be ignored: refused, named (-c is not:
# "no configuration read", above).
for opt in "--db x.db" "--eve x.eve" "--coverage" "--workers 2" "--filter tcp" "-u nobody" "--pipeline"; do
	"$bin" --report a.db $opt >/dev/null 2>opt.err
	expect "--report with $opt: exit 2, says it does not apply" "$? $(cat opt.err)" \
	    "2 conformd: --report reads databases only: ${opt%% *} does not apply to it"
done
lib_check "--report with --db: nothing written" test ! -e x.db

lib_summary
