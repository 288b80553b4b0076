#!/bin/sh
# malformed.sh - `conformd -r` on every broken capture tests/gen-malformed
# writes: no crash (exit 0, 1 or 2, never a signal), no hang (timeout 20 s
# each), no sanitizer report on stderr (the suite also runs under the
# ASan/UBSan build), and exactly the status and counters or messages of
# tests/malformed/expected.txt.  Every generated file must be listed there
# and every listed file generated.  Ends with "malformed: N passed, N failed"
# (one check per file).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name malformed
lib_need_tools sqlite3 timeout

bin=$top_builddir/conformd
gen=$top_builddir/tests/gen-malformed
table=$top_srcdir/tests/malformed/expected.txt
[ -x "$bin" ] || lib_error "$bin not built"
[ -x "$gen" ] || lib_error "$gen not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-malformed.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/in" "$tmp/run"
"$gen" "$tmp/in" || lib_error "gen-malformed failed"
# The inventory names one peer the traffic never reaches: every flow is
# unmonitored and no port can be missing, so the exit status says only
# whether the file could be read (0) or not (2), never what the policy
# thinks of the flows (the golden and cli tests judge flows).
echo "peer elsewhere 198.18.200.1 role pstn-gateway" >"$tmp/inventory.conf"
cat >"$tmp/conformd.conf" <<EOF
rules $top_srcdir/rules/lync2013.rules
inventory $tmp/inventory.conf
EOF

# check FILE STATUS: run once, then every line of the table for FILE.
check() {
	f=$1 want=$2
	out=$tmp/run/$f
	rm -f "$out.db" "$out.db-wal" "$out.db-shm"
	timeout 20 "$bin" -c "$tmp/conformd.conf" -r "$tmp/in/$f" --db "$out.db" \
	    >"$out.out" 2>"$out.err"
	got=$?
	bad=
	case $got in
	0|1|2) ;;
	124) bad="hung: killed after 20 s" ;;
	*) bad="exit $got (crash or signal)" ;;
	esac
	if [ -z "$bad" ] && grep -E -q 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: ' "$out.err"; then
		bad="sanitizer report"
	fi
	if [ -z "$bad" ] && [ "$got" -ne "$want" ]; then
		bad="exit $got, wanted $want"
	fi
	# An error must name the file it is about.
	if [ -z "$bad" ] && [ "$got" -eq 2 ] && ! grep -q -F "$f" "$out.err"; then
		bad="exit 2 without naming the file"
	fi
	if [ -z "$bad" ]; then
		while read -r tf ts tcheck; do
			[ "$tf" = "$f" ] || continue
			[ "$ts" = "$want" ] || { bad="table: $f listed with statuses $want and $ts"; break; }
			case $tcheck in
			stderr:*)
				text=${tcheck#stderr:}
				grep -q -F -- "$text" "$out.err" || { bad="stderr lacks '$text'"; break; }
				;;
			sql:*)
				qv=${tcheck#sql:}
				v=$(sqlite3 -batch -noheader "$out.db" "${qv%|*}" 2>&1)
				[ "$v" = "${qv##*|}" ] || { bad="'${qv%|*}' gave '$v', wanted '${qv##*|}'"; break; }
				;;
			*=*)
				name=${tcheck%%=*}
				v=$(sqlite3 -batch -noheader "$out.db" \
				    "select value from counters where name='$name' and run_id=(select max(id) from runs)" 2>&1)
				# A counter that was never raised may be absent: 0.
				[ -n "$v" ] || v=0
				[ "$v" = "${tcheck#*=}" ] || { bad="counter $name=$v, wanted ${tcheck#*=}"; break; }
				;;
			*)
				bad="table: bad check '$tcheck'"
				break
				;;
			esac
		done <"$table"
	fi
	if [ -n "$bad" ]; then
		echo "  $f: $bad; stderr:"
		sed 's/^/    /' "$out.err" | head -n 12
		return 1
	fi
	return 0
}

# The files of the table, in its order, with their status.
files=$(sed -e 's/#.*//' "$table" | awk 'NF >= 2 && !seen[$1]++ { print $1 " " $2 }')
for f in $(ls "$tmp/in"); do
	echo "$files" | grep -q "^$f " || lib_failed "$f: generated but not in expected.txt"
done
echo "$files" | while read -r f st; do
	[ -n "$f" ] || continue
	if [ ! -f "$tmp/in/$f" ]; then
		echo "FAIL: $f: in expected.txt but not generated"
		continue
	fi
done | grep . && LIB_FAILED=$((LIB_FAILED + 1))

# Not in a pipeline: the counters must survive the loop.
echo "$files" >"$tmp/list"
while read -r f st; do
	[ -n "$f" ] && [ -f "$tmp/in/$f" ] || continue
	lib_check "$f: exit $st, counters and messages as expected" check "$f" "$st"
done <"$tmp/list"
lib_summary
