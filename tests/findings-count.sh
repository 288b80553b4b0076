#!/bin/sh
# findings-count.sh - one definition of the findings count (conformd(8),
# FINDINGS: occurrences, each one EVE alert; the findings table folds the
# repeats of a finding into one row and counts them), and every place
# gives the same number: for every golden case (tests/cases: the sample
# and the captures of tests/gen-edge), single thread and --pipeline, the
# summary's "findings: N", its per-kind figures, the EVE alert events and
# the database's sum(count), per kind (tests/findings-count.py).  A live
# run's count is tests/findings-count-live.sh's (root).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name findings-count
lib_need_tools python3 sqlite3

bin=$top_builddir/conformd
[ -x "$bin" ] || lib_error "no binary at $bin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-fcount.XXXXXX") || lib_error "mktemp"
trap '[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT INT TERM
"$top_builddir/tests/gen-edge" "$tmp/edge" || lib_error "tests/gen-edge failed"

same=$top_srcdir/tests/findings-count.py
n=0
bad=
one_case() {	# one_case NAME CAPTURE CONF: each path's three counts compared
	for mode in "" --pipeline; do
		rm -f "$tmp/g.eve" "$tmp/g.db"
		"$bin" -c "$3" -r "$2" $mode --eve "$tmp/g.eve" --db "$tmp/g.db" \
		    >/dev/null 2>"$tmp/g.sum"
		if ! python3 "$same" "$tmp/g.sum" "$tmp/g.eve" "$tmp/g.db" >"$tmp/g.n" 2>&1; then
			bad="$bad $1$mode: $(cat "$tmp/g.n");"
		fi
		n=$((n + 1))
	done
}
lib_each_case "$tmp/edge" one_case
lib_check "golden cases ($n runs): summary = EVE alerts = findings table, per kind${bad:+ --$bad}" \
    test -z "$bad"
lib_summary
