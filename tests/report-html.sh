#!/bin/sh
# report-html.sh - `conformd --report --html FILE DB ...` and the coverage
# matrix (--coverage=rules|hosts|csv), checked against the databases the
# binary wrote.
#
# Databases: the shipped sample, three sensors of one site (captures of
# tests/gen-edge, as tests/report.sh), and a hostile site whose inventory
# names, rule notes, sources, evidence and file names are markup, quotes
# and ampersands.  Each page is checked as written and in headless
# Chromium with the network off (tests/report-browser.sh): every heatmap
# cell's state against the coverage rows, one findings row per finding,
# nothing loaded from outside, a screenshot of the right size.  Then:
# states and columns a later schema adds (not-applicable, an unknown
# state, rules.source, runs.sensor) and a database without table hosts;
# the errors of --html; the matrix read back at several widths and the
# CSV parsed, against the run's coverage rows.
#
# REPORT_PNG=FILE copies the sample's screenshot to FILE (the README's,
# samples/report.png, is made so).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/report-browser.sh"
lib_name report-html

lib_need_tools sqlite3 python3
conformd=$top_builddir/conformd
[ -x "$conformd" ] || lib_error "no binary at $conformd"
[ -x "$top_builddir/tests/gen-edge" ] || lib_error "no tests/gen-edge in $top_builddir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-report-html.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || lib_error "cd $tmp"

"$top_builddir/tests/gen-edge" edge >/dev/null || lib_error "tests/gen-edge failed"
gconf=$top_srcdir/tests/edge-site/conformd.conf
judge() {	# judge CONF DB CAPTURE [OPTIONS]: one run into DB (exit 1: findings)
	j_conf=$1 j_db=$2 j_cap=$3
	shift 3
	"$conformd" -q -c "$j_conf" --db "$j_db" -r "$j_cap" "$@"
	[ $? -le 1 ] || lib_error "conformd -r $j_cap --db $j_db failed"
}
expect() {	# expect WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		lib_pass "$1"
	else
		lib_failed "$1: got '$2', want '$3'"
	fi
}
# cell PAGE HOST RULE: the data-state of that heatmap cell
cell() {
	python3 - "$@" <<'EOF'
import html.parser, sys
class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and a.get("data-host") == sys.argv[2] and a.get("data-rule") == sys.argv[3]:
            print(a["data-state"], a.get("class", ""))
P().feed(open(sys.argv[1], encoding="utf-8").read())
EOF
}

# --- the sample, and three sensors of one site ----------------------------
judge "$top_srcdir/samples/conformd.conf" lync.db "$top_srcdir/samples/lync-site.pcap"
report_browser_check lync "$tmp" "${REPORT_PNG:-}" lync.db
judge "$gconf" a.db edge/frag.pcap		# fe1 T1R3 missing
judge "$gconf" b.db edge/icmp-unreach.pcap	# fe1 T1R19 blocked, T1R3 missing
judge "$gconf" c.db edge/raw.pcap		# fe1 T1R3 and T1R19 seen
report_browser_check abc "$tmp" "" a.db b.db c.db
expect "three sensors: fe1 T1R3 seen by one is seen" "$(cell abc.html fe1 T1R3)" \
    "seen s1"
"$conformd" --report --html ab.html a.db b.db
expect "two sensors: blocked in one, missing in the other: blocked" \
    "$(cell ab.html fe1 T1R19)" "blocked s2"
lib_check "a blocked cell's title has the evidence and the sensors" \
    grep -q "fe1 · T1R19: blocked; .*evidence: .*sensors: a.db: missing; b.db: blocked" ab.html

# --- a hostile site: markup, quotes and ampersands everywhere ---------------
mkdir hostile
hname='<script>alert("fe1")</script> & '"'co'"
hnote='</td><img src=x onerror=alert(1)> "note" & '"'x'"
hev='<b onmouseover="alert(2)">evidence</b> & co'
hsrc='cap<i>&"x'"'"'.pcap'
hdb='site<&"'"'"'>.db'
# T1R3's note becomes the hostile one
python3 -c 'import sys
note = sys.argv[1].replace("\\", "\\\\").replace("\"", "\\\"")
lines = open(sys.argv[2]).read().split("\n")
i = next(i for i, l in enumerate(lines) if l.startswith("rule T1R3 "))
i = next(j for j in range(i, i + 8) if lines[j].lstrip().startswith("note "))
lines[i] = "    note \"" + note + "\""
sys.stdout.write("\n".join(lines))' "$hnote" "$top_srcdir/rules/lync2013.rules" >hostile/site.rules
# fe1, quoted (conformd.conf(5): \" and \\ escapes)
python3 -c 'import sys
q = "\"" + sys.argv[1].replace("\\", "\\\\").replace("\"", "\\\"") + "\""
t = open(sys.argv[2]).read()
sys.stdout.write(t.replace("member fe1 ", "member " + q + " ").replace("cms fe1", "cms " + q))' \
    "$hname" "$top_srcdir/tests/edge-site/inventory.conf" >hostile/inventory.conf
printf 'rules site.rules\ninventory inventory.conf\n' >hostile/conformd.conf
cp edge/icmp-unreach.pcap "hostile/$hsrc"
"$conformd" -T -c hostile/conformd.conf >/dev/null 2>hostile/check.err ||
    lib_error "the hostile site's configuration: $(cat hostile/check.err)"
judge hostile/conformd.conf "hostile/$hdb" "hostile/$hsrc"
expect "the hostile name is in the database" \
    "$(sqlite3 "hostile/$hdb" "select count(*) from coverage where host = '$(printf '%s' "$hname" | sed "s/'/''/g")'")" \
    "$(sqlite3 b.db "select count(*) from coverage where host = 'fe1'")"
expect "the hostile note is in the database" \
    "$(sqlite3 "hostile/$hdb" "select note from rules where id = 'T1R3'")" "$hnote"
sqlite3 "hostile/$hdb" "update coverage set evidence = '$(printf '%s' "$hev" | sed "s/'/''/g")'
    where state = 'blocked'; update findings set evidence = '$(printf '%s' "$hev" | sed "s/'/''/g")'
    where kind = 'blocked'"
nblocked=$(sqlite3 "hostile/$hdb" "select count(*) from coverage where state = 'blocked'")
expect "hostile evidence in the database, on every blocked pair (there are some)" \
    "$(sqlite3 "hostile/$hdb" "select count(*) from coverage where evidence like '<b %'") $nblocked" \
    "$nblocked $(test "$nblocked" -gt 0 && echo "$nblocked")"
report_browser_check hostile "$tmp" "" "hostile/$hdb"
python3 "$top_srcdir/tests/report-html-check.py" --hostile "$hname" --hostile "$hnote" \
    --hostile "$hev" --hostile "hostile/$hsrc" --hostile "hostile/$hdb" hostile.html \
    "hostile/$hdb" >hostile.check
while IFS= read -r line; do
	case $line in
	ok:*) lib_pass "hostile: ${line#ok: }" ;;
	*) lib_failed "hostile: ${line#FAIL: }" ;;
	esac
done <hostile.check
expect "hostile: the name's cells carry it escaped" \
    "$(grep -c 'data-host="&lt;script&gt;alert(&quot;fe1&quot;)&lt;/script&gt; &amp; &#39;co&#39;"' hostile.html)" 1
lib_check "hostile: no raw markup of it anywhere" sh -c \
    '! grep -q -e "<script>alert" -e "<img src=x" -e "<b onmouseover" -e "<i>&" "$1"' sh hostile.html

# --- states and columns a later schema adds -----------------------------------
cp lync.db later.db
sqlite3 later.db "update coverage set state = 'not-applicable' where host = 'pchat1';
    update coverage set state = 'brand-new' where host = 'dir1' and rule_id = 'T1R1';
    update rules set source = 'Microsoft <docs> & \"ports\"' where id = 'T1R3';
    update runs set sensor = 'span-<a>&1'"
report_browser_check later "$tmp" "" later.db
expect "not-applicable: its own colour" "$(cell later.html pchat1 T1R1)" \
    "not-applicable s6"
expect "a state this version does not know: shown as it is" "$(cell later.html dir1 T1R1)" \
    "brand-new s7"
lib_check "rules.source is cited, escaped" grep -q \
    'Microsoft &lt;docs&gt; &amp; &quot;ports&quot;' later.html
lib_check "runs.sensor names the sensor, escaped" grep -q '<td>span-&lt;a&gt;&amp;1</td>' later.html
"$conformd" --report later.db >later.txt
"$conformd" --report lync.db >lync.txt
expect "the text report leaves a state it does not know out, as before" \
    "$(grep -o '[0-9]* pairs:' later.txt)" "$(sqlite3 later.db "select count(*) from coverage
	where state in ('seen', 'blocked', 'missing', 'optional-unseen', 'unobserved',
	'not-applicable')") pairs:"
# an older sensor's file: no hosts, no rules.source, no runs.sensor
cp lync.db nohosts.db
sqlite3 nohosts.db "drop table hosts; alter table rules drop column source;
    alter table rules drop column features; alter table runs drop column sensor;
    pragma user_version = 2"
report_browser_check nohosts "$tmp" "" nohosts.db
lib_check "without table hosts and the newer columns: grouped by the roles of their rules" \
    grep -q '<tr class="grp"><th colspan="78">role front-end</th></tr>' nohosts.html

# --- errors -----------------------------------------------------------------------
"$conformd" --report --json --html x.html lync.db 2>err.txt
expect "--json with --html: exit 2" "$? $(cat err.txt)" "2 conformd: --json and --html: one or the other"
"$conformd" --report --html "" lync.db 2>err.txt
expect "--html with no name: exit 2" "$?" 2
"$conformd" --report --html nodir/x.html lync.db 2>err.txt
expect "--html into a missing directory: exit 2, the file named" \
    "$? $(grep -c 'nodir/x.html' err.txt)" "2 1"
lib_check "  and nothing left behind" test -z "$(ls nodir 2>/dev/null)"
"$conformd" -r lync.db --html x.html 2>err.txt
expect "--html outside --report: exit 2" "$? $(cat err.txt)" "2 conformd: --html applies to --report only"
"$conformd" --report --html - lync.db >stdout.html
expect "--html -: the page on standard output, exit 1 (findings)" \
    "$? $(head -c 15 stdout.html)" "1 <!DOCTYPE html>"
"$conformd" --report --html two.html lync.db missing.db 2>err.txt
expect "an unreadable database: exit 2, the page still written and naming it" \
    "$? $(grep -c '<b>not read:</b> No such file or directory' two.html)" "2 1"
printf 'x' >page.html
chmod 444 page.html
"$conformd" --report --html page.html lync.db >/dev/null 2>&1
expect "the page replaces an existing file whole" "$(head -c 15 page.html)" "<!DOCTYPE html>"

# --- the terminal matrix and CSV, read back -------------------------------------------
for form in rules hosts csv; do
	for width in 40 80 132; do
		rm -f m.db m.db-*
		COLUMNS=$width "$conformd" -q -c "$top_srcdir/samples/conformd.conf" \
		    -r "$top_srcdir/samples/lync-site.pcap" --db m.db --coverage=$form >"m.$form.$width"
		python3 "$top_srcdir/tests/coverage-matrix-check.py" $form $width "m.$form.$width" m.db \
		    >m.check
		while IFS= read -r line; do
			case $line in
			ok:*) lib_pass "COLUMNS=$width ${line#ok: }" ;;
			*) lib_failed "COLUMNS=$width ${line#FAIL: }" ;;
			esac
		done <m.check
		[ $form = csv ] && break
	done
done
rm -f m.db m.db-*
judge "$gconf" m.db edge/icmp-unreach.pcap --coverage=csv >m.csv
lib_check "csv: a blocked pair with its evidence, quoted" grep -q \
    '^fe1,pool fe-pool (front-end),T1R19,1,19,front-end,in,tcp,443,0,blocked,0,1,0,[0-9TZ:.-]*,[0-9TZ:.-]*,' m.csv
"$conformd" -q -c "$gconf" -r edge/raw.pcap --coverage=sideways >/dev/null 2>err.txt
expect "--coverage=sideways: exit 2" "$? $(cat err.txt)" \
    "2 conformd: --coverage=sideways: the matrix is rules, hosts or csv"
COLUMNS=abc "$conformd" -q -c "$gconf" -r edge/raw.pcap --coverage >wide.txt </dev/null
expect "COLUMNS not a number, not a terminal: 80 columns (none wider, some near)" \
    "$(awk 'length > 80' wide.txt | wc -l) $(awk 'length > 60' wide.txt | wc -l | sed 's/^ *[1-9][0-9]*$/some/')" \
    "0 some"

lib_summary
