#!/bin/sh
# golden.sh - captures in, canonical output out.
#
# Every capture written by tests/gen-edge, plus the shipped sample, goes
# through `conformd -r` with a fixed inventory; its EVE lines, its summary
# and its exit status are compared with tests/golden/NAME.{eve,summary}.
# Everything in them is derived from the capture (timestamps are capture
# time), so any difference is a change of behaviour -- but for two facts
# of the run, which stand normalised in the expected files: flow ids,
# which start at a random point in every run (sensor.h), are numbered 1,
# 2, ... in the order they first appear (an alert keeps its flow's
# number, so the joins are compared), and the sensor name (EVE's last
# member, "host": the machine's FQDN) is written SENSOR.
#   tests/golden.sh --update   rewrites the expected files; review the diff.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name golden

update=0
[ "${1:-}" = "--update" ] && update=1
bin=$top_builddir/conformd
gold=$top_srcdir/tests/golden
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

# Every capture twice: the default path for -r (one thread) and the live
# pipeline (--pipeline); both must give the golden bytes.
for mode in "" --pipeline; do
[ $update -eq 1 ] && [ -n "$mode" ] && break
for cap in "$tmp"/edge/* "$top_srcdir/samples/lync-site.pcap"; do
	name=$(basename "$cap")
	name=${name%.*}
	case "$cap" in
	*/samples/*) conf=$top_srcdir/samples/conformd.conf ;;
	*) conf=$gold/conformd.conf ;;
	esac
	rm -f "$tmp/$name.eve"	# EVE files are appended to
	"$bin" -c "$conf" -r "$cap" $mode --eve "$tmp/$name.eve" 2>"$tmp/$name.summary"
	echo "exit status $?" >>"$tmp/$name.summary"
	normalize "$tmp/$name.eve"
	# The file name in messages is the temporary path: make it stable.
	sed -i "s|$tmp/edge/||g; s|$top_srcdir/||g" "$tmp/$name.summary"
	if [ $update -eq 1 ]; then
		cp "$tmp/$name.eve" "$gold/$name.eve"
		cp "$tmp/$name.summary" "$gold/$name.summary"
		echo "updated $name"
		continue
	fi
	for kind in eve summary; do
		if [ ! -f "$gold/$name.$kind" ]; then
			lib_failed "$name.$kind: no expected file (run tests/golden.sh --update)"
		elif diff -u "$gold/$name.$kind" "$tmp/$name.$kind" >"$tmp/diff"; then
			lib_pass "$name.$kind${mode:+ ($mode)}"
		else
			lib_failed "$name.$kind${mode:+ ($mode)} differs:"
			head -n 40 "$tmp/diff"
		fi
	done
done
done
[ $update -eq 1 ] && exit 0
lib_summary
