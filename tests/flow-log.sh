#!/bin/sh
# flow-log.sh - conformd.conf's `flow-log` (conformd.conf(5)): `all`
# writes a record of every flow to the flows table and as an EVE flow
# event, `findings` only of the flows that raised a finding (every flow an
# alert names, and no other), `none` no flow record at all; the findings,
# the alerts and the coverage rows are the same whatever the value.
# The shipped sample (18 flows, 5 of them with findings) through the
# inline driver, the pipeline and two workers.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name flow-log

bin=$top_builddir/conformd
sample=$top_srcdir/samples/lync-site.pcap
[ -x "$bin" ] || lib_error "no binary at $bin"
lib_need_tools sqlite3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-flow-log.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

# One run: $1 the value, $2 the driver's options; leaves $tmp/$1.{eve,db,err}.
run() {
	{
		echo "rules-dir \"$top_srcdir/rules\""
		echo "product lync2013"
		echo "inventory \"$top_srcdir/samples/inventory.conf\""
		[ "$1" = default ] || echo "flow-log $1"
	} > "$tmp/$1.conf"
	rm -f "$tmp/$1.eve" "$tmp/$1.db" "$tmp/$1.db-wal" "$tmp/$1.db-shm"
	# shellcheck disable=SC2086	# $2: the driver's options, split
	"$bin" -c "$tmp/$1.conf" -r "$sample" $2 --db "$tmp/$1.db" --eve "$tmp/$1.eve" \
	    2> "$tmp/$1.err"
	echo "exit $?" >> "$tmp/$1.err"
}

# The flow ids of EVE events of type $2 in $1, sorted, one a line.
ids() {
	grep "\"event_type\":\"$2\"" "$1" | sed -n 's/.*"flow_id":\([0-9]*\).*/\1/p' | sort -u
}

# The EVE flow events of $1 without their flow ids (which start at a
# random point in every run), sorted.
flow_events() {
	grep '"event_type":"flow"' "$1" | sed 's/"flow_id":[0-9]*,//' | sort
}

q() { sqlite3 "$1" "$2"; }

for driver in "" --pipeline "--workers 2"; do
	d=${driver:-inline}
	for v in default all findings none; do
		run $v "$driver"
	done
	# with several workers, a flows line each
	flows=$(sed -n 's/^flows: \([0-9]*\) .*/\1/p' "$tmp/all.err" | awk '{ n += $1 } END { print n }')
	[ -n "$flows" ] && [ "$flows" -gt 0 ] || lib_error "$d: no flows line in the summary"

	flow_events "$tmp/all.eve" > "$tmp/a.flows"
	flow_events "$tmp/default.eve" > "$tmp/d.flows"
	lib_check "$d: no flow-log line is all" cmp -s "$tmp/a.flows" "$tmp/d.flows"
	for v in default all; do
		lib_check "$d: $v: every flow an EVE flow event ($flows)" \
		    test "$(ids "$tmp/$v.eve" flow | wc -l)" -eq "$flows"
		lib_check "$d: $v: every flow a row" test "$(q "$tmp/$v.db" 'select count(*) from flows')" -eq "$flows"
	done

	ids "$tmp/findings.eve" alert > "$tmp/alerted"
	ids "$tmp/findings.eve" flow > "$tmp/logged"
	lib_check "$d: findings: some flows raised findings, some did not" \
	    test "$(wc -l < "$tmp/alerted")" -gt 0 -a "$(wc -l < "$tmp/alerted")" -lt "$flows"
	lib_check "$d: findings: the flow events are exactly the flows alerts name" \
	    cmp -s "$tmp/alerted" "$tmp/logged"
	q "$tmp/findings.db" 'select flow_id from flows' | sort -u > "$tmp/rows"
	lib_check "$d: findings: the rows are the same flows" cmp -s "$tmp/logged" "$tmp/rows"
	# the same records as under `all`, field for field
	flow_events "$tmp/findings.eve" > "$tmp/f.flows"
	lib_check "$d: findings: each flow event as under all" \
	    test -z "$(comm -23 "$tmp/f.flows" "$tmp/a.flows")"

	lib_check "$d: none: no flow event" test "$(ids "$tmp/none.eve" flow | wc -l)" -eq 0
	lib_check "$d: none: no flow row" test "$(q "$tmp/none.db" 'select count(*) from flows')" -eq 0

	for v in findings none; do
		lib_check "$d: $v: the same alerts as all" \
		    test "$(grep -c '"event_type":"alert"' "$tmp/$v.eve")" -eq \
		    "$(grep -c '"event_type":"alert"' "$tmp/all.eve")"
		lib_check "$d: $v: the same findings rows as all" test \
		    "$(q "$tmp/$v.db" 'select kind, src_ip, dest_ip, dest_port, rule_id, count from findings order by 1, 2, 3, 4, 5')" = \
		    "$(q "$tmp/all.db" 'select kind, src_ip, dest_ip, dest_port, rule_id, count from findings order by 1, 2, 3, 4, 5')"
		lib_check "$d: $v: the same coverage rows as all" test \
		    "$(q "$tmp/$v.db" 'select host, rule_id, state, flows from coverage order by host, rule_id')" = \
		    "$(q "$tmp/all.db" 'select host, rule_id, state, flows from coverage order by host, rule_id')"
		# (two workers split the flows differently in every run: the
		# hash key is random, so only the run's totals compare)
		grep -E '^(findings|coverage|exit)' "$tmp/$v.err" > "$tmp/$v.tot"
		grep -E '^(findings|coverage|exit)' "$tmp/all.err" > "$tmp/all.tot"
		lib_check "$d: $v: the same findings, coverage and exit status as all" \
		    cmp -s "$tmp/$v.tot" "$tmp/all.tot"
		[ -n "$driver" ] && [ "$driver" != --pipeline ] && continue
		lib_check "$d: $v: the same summary as all" cmp -s "$tmp/$v.err" "$tmp/all.err"
	done
done
lib_summary
