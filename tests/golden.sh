#!/bin/sh
# golden.sh - captures in, canonical output out.
#
# Every golden case, a folder tests/cases/NAME/ (tests/README), is a
# capture (a file, or one tests/gen-edge writes) and the conformd.conf it
# is judged with.  `conformd -c CONF -r CAPTURE --eve` gives its EVE lines,
# its summary (standard error) and its exit status, which must be the
# bytes of expected.eve and expected.summary (the last line of which is
# "exit status N").  Everything in them is derived from the capture
# (timestamps are capture time), so any difference is a change of
# behaviour -- but for two facts of the run, which stand normalised in the
# expected files: flow ids, which start at a random point in every run
# (sensor.h), are numbered 1, 2, ... in the order they first appear (an
# alert keeps its flow's number, so the joins are compared), and the
# sensor name (EVE's last member, "host": the machine's FQDN) is written
# SENSOR.  Paths in the summary are written relative to the source tree
# (a gen-edge capture's as its bare file name).
#
# Every case runs twice, the default path for -r (one thread) and the live
# pipeline (--pipeline): both must give the expected bytes.  Every capture
# tests/gen-edge writes must be the input of a case.
#
# CONFORMD_UPDATE_GOLDEN=1 (`make update-golden`) first writes the
# expected files of every case from its one-thread run, then checks as
# usual; review the change with git diff.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name golden

update=0
case ${CONFORMD_UPDATE_GOLDEN:-0} in 0|'') ;; *) update=1 ;; esac
bin=$top_builddir/conformd
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-golden.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -x "$bin" ] || lib_error "no binary at $bin"

# The run's flow ids and sensor name made stable (see above).
normalize() {
	awk '{
		out = ""; line = $0
		while (match(line, /"flow_id":[0-9]+/)) {
			id = substr(line, RSTART + 10, RLENGTH - 10)
			if (!(id in num))
				num[id] = ++n
			out = out substr(line, 1, RSTART - 1) "\"flow_id\":" num[id]
			line = substr(line, RSTART + RLENGTH)
		}
		line = out line
		sub(/,"host":"[^"]*"}$/, ",\"host\":\"SENSOR\"}", line)
		print line
	}' "$1" >"$1.norm" && mv "$1.norm" "$1"
}
"$top_builddir/tests/gen-edge" "$tmp/edge" || lib_error "tests/gen-edge failed"

# run NAME CAPTURE CONF MODE: the case's output in $tmp/NAME.{eve,summary}
run() {
	rm -f "$tmp/$1.eve"	# EVE files are appended to
	"$bin" -c "$3" -r "$2" $4 --eve "$tmp/$1.eve" 2>"$tmp/$1.summary"
	echo "exit status $?" >>"$tmp/$1.summary"
	normalize "$tmp/$1.eve"
	# The file name in messages is the temporary path: make it stable.
	sed -i "s|$tmp/edge/||g; s|$top_srcdir/||g" "$tmp/$1.summary"
}

# The inputs: every capture gen-edge wrote belongs to a case, and every
# gen-edge case names one it wrote.
: >"$tmp/used"
inputs() {
	echo "$2" >>"$tmp/used"
	[ -f "$2" ] || lib_failed "$1: its input ${2#"$tmp/edge/"} does not exist (tests/cases/$1/input)"
	[ -f "$3" ] || lib_failed "$1: no conformd.conf in tests/cases/$1"
}
lib_each_case "$tmp/edge" inputs
for cap in "$tmp"/edge/*; do
	grep -qxF "$cap" "$tmp/used" ||
	    lib_failed "tests/gen-edge wrote ${cap##*/}, which no case names (add tests/cases/NAME/input: gen-edge ${cap##*/})"
done

update() {
	[ -f "$2" ] || return 0
	run "$1" "$2" "$3" ""
	cp "$tmp/$1.eve" "$top_srcdir/tests/cases/$1/expected.eve" &&
	    cp "$tmp/$1.summary" "$top_srcdir/tests/cases/$1/expected.summary" ||
	    lib_error "cannot write the expected files of tests/cases/$1"
	echo "updated tests/cases/$1"
}
[ $update -eq 1 ] && lib_each_case "$tmp/edge" update

check() {
	[ -f "$2" ] || return 0		# failed above
	run "$1" "$2" "$3" "$mode"
	for kind in eve summary; do
		want=$top_srcdir/tests/cases/$1/expected.$kind
		if [ ! -f "$want" ]; then
			lib_failed "$1: no expected.$kind (make update-golden writes it: review it)"
		elif diff -u "$want" "$tmp/$1.$kind" >"$tmp/diff"; then
			lib_pass "$1 $kind${mode:+ ($mode)}"
		else
			lib_failed "$1 $kind${mode:+ ($mode)} differs:"
			head -n 40 "$tmp/diff"
		fi
	done
}
for mode in "" --pipeline; do
	lib_each_case "$tmp/edge" check
done
lib_summary
