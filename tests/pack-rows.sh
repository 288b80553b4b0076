#!/bin/sh
# pack-rows.sh - every shipped rule pack agrees, row by row, with the
# published tables it cites (tests/pack-rows.py: ports, protocol,
# direction, optional, citations, declared names), and the check can fail:
# copies of the packs with one port, one protocol, one direction or one
# optional flag changed, a row's rule deleted, a rule without a row, must
# each be caught, naming the rule.
#
# Environment: top_srcdir (set by `make check`); REFERENCE_DIR overrides
# where the shared transcriptions live (default
# $top_srcdir/../shared/reference); tests/reference holds the dependencies
# pack's own.  Packs whose transcription is missing are skipped (said so);
# the dependencies pack is always checked.  Exit 0 pass, 1 mismatch, 77
# skip (no python3).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
refdir=${REFERENCE_DIR:-$top_srcdir/../shared/reference}
check="$top_srcdir/tests/pack-rows.py"

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: pack-rows needs python3"
	exit 77
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

run() {
	python3 "$check" --rules-dir "$1" --reference-dir "$refdir" \
	    --reference-dir "$top_srcdir/tests/reference" ${2:+"$2"}
}

# 1. The shipped packs.
run "$top_srcdir/rules" || fail=1

# 2. Mutants: mutate PACK EXPECTED SED-EXPRESSION.  The copy must differ
#    from the shipped pack, the check must exit 1, and its output must hold
#    EXPECTED (the rule id and what is wrong).
mutate() {
	pack=$1 want=$2 expr=$3
	rm -rf "$tmp/rules"
	mkdir "$tmp/rules" && cp "$top_srcdir"/rules/*.rules "$tmp/rules/" || { fail=1; return; }
	sed -e "$expr" "$top_srcdir/rules/$pack.rules" >"$tmp/rules/$pack.rules"
	if cmp -s "$top_srcdir/rules/$pack.rules" "$tmp/rules/$pack.rules"; then
		echo "FAIL: mutant of $pack changes nothing: $expr"
		fail=1
		return
	fi
	run "$tmp/rules" "$pack" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -ne 1 ] || ! grep -qF -- "$want" "$tmp/out"; then
		echo "FAIL: mutant of $pack ($expr): exit $rc, no line with \"$want\":"
		cat "$tmp/out"
		fail=1
	else
		echo "ok: mutant of $pack caught: $(grep -F -- "$want" "$tmp/out" | head -n 1)"
	fi
}

# The dependencies pack's transcription is in the tree: always.
mutate dependencies "SQL1R1: port 1434, the row says 1433" '/^rule SQL1R1 /s/port 1433/port 1434/'
mutate dependencies "WS1R13: proto udp, the row says tcp" '/^rule WS1R13 /s/proto tcp /proto udp /'
mutate dependencies "AD2R9: dir out, the row says in" '/^rule AD2R9 /s/dir in/dir out/'
mutate dependencies "AD2R6: required, the row says optional" '/^rule AD2R6 /,/[^\\]$/s/ optional//'
mutate dependencies "AD2R7: optional, the row says required" '/^rule AD2R7 /s/port 3268/port 3268 optional/'
mutate dependencies "AD2R12: missing" '/^# norule AD2R12:/d'
mutate dependencies "AD2R7: keys not in canonical order" '/^rule AD2R7 /s/proto tcp port 3268/port 3268 proto tcp/'

if [ -f "$refdir/lync2013-internal.en.tsv" ]; then
	mutate lync2013 "T1R3: port 5062, the row says 5061" '/^rule T1R3 /s/port 5061/port 5062/'
	mutate lync2013 "T4R1: port 67-68, the row says 67" '/^rule T4R1 /s/port 67 /port 67-68 /'
	mutate lync2013 "T1R39: proto tcp, the row says tcp/udp" '/^rule T1R39 /s|proto tcp/udp|proto tcp|'
	mutate lync2013 "T1R37: dir in, the row says out" '/^rule T1R37 /s/dir out/dir in/'
	mutate lync2013 "T1R11: required, the row says optional" '/^rule T1R11 /,/[^\\]$/s/ optional//'
	mutate lync2013 "T4R12: optional, the row says required" '/^rule T4R12 /,/[^\\]$/s/ reqresp/ optional reqresp/'
	mutate lync2013 "T1R5: missing" '/^rule T1R5 /,/[^\\]$/d'
	mutate lync2013 "T1R53: no row 53 of table 1" '$a rule T1R53 source ms-lync2013-internal table 1 row 53 role front-end dir in proto tcp port 1'
	mutate lync2013 "T1R6: source ms-lync2013-internal table 1 row 7 makes the id T1R7" '/^rule T1R6 /s/row 6 /row 7 /'
	mutate lync2013 "T3R6: missing" '/^# norule T3R6:/d'
else
	echo "SKIP: lync2013 mutants: no $refdir/lync2013-internal.en.tsv"
fi
if [ -f "$refdir/sfb2019-internal.tsv" ]; then
	mutate sfb2019 "T1R36: dir in, the row says out" '/^rule T1R36 /s/dir out/dir in/'
	mutate sfb2019 "T5R11: missing" '/^# norule T5R11:/d'
fi
if [ -f "$refdir/edge.tsv" ]; then
	mutate edge-internal "E2R9: required, the row says optional" '/^rule E2R9 /,/[^\\]$/s/ optional//'
	mutate edge-external "E1R7: dir in, the row says out" '/^rule E1R7 /s/dir out/dir in/'
	mutate edge-external "E5R8: proto udp, the row says tcp" '/^rule E5R8 /s/proto tcp /proto udp /'
fi

exit $fail
