# shellcheck shell=bash
# shellcheck disable=SC2154  # conformd, top_srcdir, E2E_WORK: the sourcing test's
# tests/discover/lib.sh - the checks the end-to-end tests make of a draft
# `conformd --discover` wrote (sourced after tests/lib.sh; they use
# $conformd, $top_srcdir and $E2E_WORK, and work in $E2E_WORK/NAME).
#   discover NAME CONF CAPTURE...  the draft, and the configuration its
#                                  header gives passing `conformd -T`
#   has NAME LINE                  the draft holds this line exactly
#   has_re NAME WHAT REGEX         ... a line matching REGEX (grep -E)
#   same NAME[:LABEL] CONF CAPTURE... [-- --except ADDR ...]
#                                  tests/discover/compare.py: the site's
#                                  configuration with its own inventory and
#                                  with NAME's draft, judging the captures
#                                  (LABEL names the comparison, default NAME)

# discover NAME CONF CAPTURE: the draft into $E2E_WORK/NAME/draft.conf and
# the configuration its header gives into .../draft-conformd.conf; checks
# that it was written and that the configuration loads.
discover() {
	local name=$1 conf=$2 dir=$E2E_WORK/$1 c args=()
	shift 2
	for c in "$@"; do
		args+=(-r "$c")
	done
	mkdir -p "$dir"
	if "$conformd" --discover -c "$conf" "${args[@]}" -o "$dir/draft.conf" 2>"$dir/discover.err" &&
	    [ -s "$dir/draft.conf" ]; then
		lib_pass "$name: --discover wrote a draft ($(grep -vc '^[[:space:]]*#' "$dir/draft.conf") statements)"
	else
		lib_failed "$name: --discover: $(cat "$dir/discover.err")"
		return 1
	fi
	# the header's configuration, its inventory line pointing at the draft
	awk '/^# To use it/ { f = 1; next } /^# then check/ { f = 0 }
	    f && /^#     / { sub(/^#     /, ""); print }' "$dir/draft.conf" |
	    sed "s|^inventory .*|inventory $dir/draft.conf|" >"$dir/draft-conformd.conf"
	if "$conformd" -T -c "$dir/draft-conformd.conf" >"$dir/T.out" 2>&1; then
		lib_pass "$name: the draft passes conformd -T with the packs its header names"
	else
		lib_failed "$name: conformd -T: $(cat "$dir/T.out")"
		return 1
	fi
}

# has NAME LINE: the draft holds this statement line (exactly).
has() {
	if grep -qxF "$2" "$E2E_WORK/$1/draft.conf"; then
		lib_pass "$1: draft: $2"
	else
		lib_failed "$1: draft has no line \"$2\""
	fi
}

# same NAME CONF CAPTURE... [-- --except ADDR ...]: tests/discover/compare.py,
# the site's configuration against itself with the draft as its inventory
# (the same timeouts and settings: answer-timeout decides what is blocked)
same() {
	local name=${1%%:*} label=${1#*:} conf=$2 dir caps=() opts=()
	dir=$E2E_WORK/$name
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		caps+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	opts=("$@")
	# its canonical print: the first block of -T -v, paths resolved
	"$conformd" -T -v -c "$conf" 2>/dev/null | awk 'NF == 0 { exit } { print }' |
	    sed "s|^inventory .*|inventory $dir/draft.conf|" >"$dir/site-draft.conf"
	python3 "$top_srcdir/tests/discover/compare.py" "${opts[@]}" "$conformd" "$conf" \
	    "$dir/site-draft.conf" "$dir" "${caps[@]}" >"$dir/compare-$label.out" 2>&1
	sed "s/^\(ok\|FAIL\): /\1: $label: /" "$dir/compare-$label.out"
	LIB_PASSED=$((LIB_PASSED + $(grep -c '^ok:' "$dir/compare-$label.out")))
	LIB_FAILED=$((LIB_FAILED + $(grep -c '^FAIL:' "$dir/compare-$label.out")))
	grep -q '^\(ok\|FAIL\):' "$dir/compare-$label.out" ||
	    lib_failed "$label: compare.py did not run: $(tail -3 "$dir/compare-$label.out")"
}

# has_re NAME WHAT REGEX: some line of the draft matches REGEX (grep -E).
has_re() {
	if grep -qE -- "$3" "$E2E_WORK/$1/draft.conf"; then
		lib_pass "$1: draft: $2"
	else
		lib_failed "$1: draft: $2: no line matches /$3/"
	fi
}
