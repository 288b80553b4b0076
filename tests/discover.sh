#!/bin/sh
# tests/discover.sh - conformd --discover on the shipped sample, and its
# command line.
#
#   - the draft of samples/lync-site.pcap (samples/conformd.conf's packs)
#     against tests/discover/lync-site.draft, golden (paths and version
#     normalised); the same draft through the pipeline (--workers 2);
#   - the configuration its header gives, with the draft as the
#     inventory, passes `conformd -T`, and `conformd -r` with it reads the
#     sample (findings: exit 1);
#   - --product and --pack without a configuration file;
#   - what the command line refuses, each with its message: no traffic,
#     --db, --eve, -T or --coverage beside --discover, -o or --pack without
#     it, --discover-time with -r, an unknown pack, an unwritable -o file,
#     a capture that is not one; an empty capture makes a warning.
# CONFORMD_UPDATE_GOLDEN=1 (`make update-golden`) first writes the golden
# draft from this build, then checks as usual; review it with git diff.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name discover

update=0
case ${CONFORMD_UPDATE_GOLDEN:-0} in 0|'') ;; *) update=1 ;; esac
bin=$top_builddir/conformd
gold=$top_srcdir/tests/discover/lync-site.draft
# Run from the source tree with relative paths, so the draft's header names
# samples/lync-site.pcap whatever the tree's path (distcheck's is long).
cd "$top_srcdir" || lib_error "cd $top_srcdir"
sample=samples/lync-site.pcap
conf=samples/conformd.conf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-discover.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
[ -x "$bin" ] || lib_error "no binary at $bin"

# The draft's run-specific words made stable: the source tree's path and
# conformd's version.
normalize() {
	# the path as given first (it may hold "..", as under distcheck), then
	# the same directory resolved
	sed -e "s|$top_srcdir/||g" -e "s|$(cd "$top_srcdir" && pwd -P)/||g" \
	    -e 's|\(written by conformd --discover\) [^ ]*\.$|\1 VERSION.|' "$1"
}

# 1. the golden draft, from one thread and from the pipeline
"$bin" -q --discover -c "$conf" -r "$sample" -o "$tmp/draft.conf" 2>"$tmp/err"
rc=$?
normalize "$tmp/draft.conf" >"$tmp/draft.norm"
if [ $update -eq 1 ] && ! cmp -s "$tmp/draft.norm" "$gold"; then
	cp "$tmp/draft.norm" "$gold"
	echo "updated tests/discover/lync-site.draft"
fi
if [ $rc -eq 0 ] && diff -u "$gold" "$tmp/draft.norm" >"$tmp/diff"; then
	lib_pass "the sample's draft (exit 0)"
else
	lib_failed "the sample's draft (exit $rc) differs from tests/discover/lync-site.draft:"
	head -n 60 "$tmp/diff"
	cat "$tmp/err"
fi
"$bin" -q --discover -c "$conf" -r "$sample" --workers 2 -o "$tmp/draft2.conf" 2>"$tmp/err2"
normalize "$tmp/draft2.conf" >"$tmp/draft2.norm"
if cmp -s "$tmp/draft.norm" "$tmp/draft2.norm"; then
	lib_pass "the same draft through the pipeline (--workers 2)"
else
	lib_failed "the pipeline's draft differs: $(diff "$tmp/draft.norm" "$tmp/draft2.norm" | head -20)"
fi
"$bin" --discover -c "$conf" -r "$sample" >"$tmp/stdout.conf" 2>"$tmp/stderr"
if cmp -s "$tmp/draft.conf" "$tmp/stdout.conf" &&
    grep -q '^discover: 18 flows, 11 hosts: ' "$tmp/stderr"; then
	lib_pass "without -o: the draft on standard output, a summary line on standard error"
else
	lib_failed "standard output: $(head -3 "$tmp/stderr")"
fi

# a directory of captures (read through the pipeline) and a filter
# expression after the options, as a judging run takes them
mkdir "$tmp/dir" && cp "$sample" "$tmp/dir/"
"$bin" -q --discover -c "$conf" -r "$tmp/dir" -o "$tmp/dir.conf" 2>"$tmp/err"
if diff "$(grep -v '^#' "$tmp/draft.conf" >"$tmp/a"; echo "$tmp/a")" \
    "$(grep -v '^#' "$tmp/dir.conf" >"$tmp/b"; echo "$tmp/b")" >/dev/null; then
	lib_pass "-r DIR: the same statements"
else
	lib_failed "-r DIR: $(cat "$tmp/err")"
fi
"$bin" -q --discover -c "$conf" -r "$sample" tcp port 5061 -o "$tmp/f.conf" 2>"$tmp/err"
if grep -q '^#          filter "tcp port 5061"\|filter "tcp port 5061"' "$tmp/f.conf" &&
    grep -q '^host [a-z]*1 198.18.1.11 role director$' "$tmp/f.conf"; then
	lib_pass "a filter expression: named in the header, only its traffic seen (5061 alone: a Director)"
else
	lib_failed "a filter expression: $(cat "$tmp/err"; grep -v '^#' "$tmp/f.conf")"
fi

# a path longer than a comment line is written whole, never cut
long=$tmp/a-directory-with-a-name-long-enough-that-its-path-does-not-fit-on-one-comment-line
mkdir "$long" && cp "$sample" "$long/"
"$bin" -q --discover -c "$conf" -r "$long/lync-site.pcap" -o "$tmp/long.conf" 2>"$tmp/err"
if grep -qF "#          $long/lync-site.pcap" "$tmp/long.conf"; then
	lib_pass "a path longer than a line: written whole on a line of its own"
else
	lib_failed "a long path: $(grep -A3 '^# traffic:' "$tmp/long.conf")"
fi

# 2. the header's configuration, with the draft as the inventory
awk '/^# To use it/ { f = 1; next } /^# then check/ { f = 0 }
    f && /^#     / { sub(/^#     /, ""); print }' "$tmp/draft.conf" |
    sed "s|^inventory .*|inventory $tmp/draft.conf|" >"$tmp/use.conf"
if grep -q '^product lync2013$' "$tmp/use.conf" && "$bin" -T -c "$tmp/use.conf" >"$tmp/T" 2>&1; then
	lib_pass "the header's configuration with the draft passes -T"
else
	lib_failed "-T: $(cat "$tmp/T" "$tmp/use.conf")"
fi
"$bin" -q -c "$tmp/use.conf" -r "$sample" --db "$tmp/first.db" >/dev/null 2>"$tmp/first.err"
rc=$?
n=$(sqlite3 "$tmp/first.db" "SELECT count(*) FROM flows" 2>/dev/null)
if [ $rc -eq 1 ] && [ "$n" = 18 ]; then
	lib_pass "conformd -r with the draft: a first report (18 flows, findings: exit 1)"
else
	lib_failed "conformd -r with the draft: exit $rc, $n flows: $(cat "$tmp/first.err")"
fi

# 3. no configuration file: the packs from the command line
"$bin" -q --discover -c /nonexistent/conformd.conf -r "$sample" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '/nonexistent/conformd.conf' "$tmp/err"; then
	lib_pass "-c naming a missing file: exit 2, the file named"
else
	lib_failed "-c missing: exit $rc: $(cat "$tmp/err")"
fi
: >"$tmp/empty-config.conf"
(cd "$tmp" && "$bin" -q --discover -c "$tmp/empty-config.conf" --rules-dir "$top_srcdir/rules" --product sfb2015 \
    --pack dependencies -r "$top_srcdir/$sample" -o "$tmp/d3.conf") 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^#     product sfb2015$' "$tmp/d3.conf" &&
    grep -q '^#     pack dependencies$' "$tmp/d3.conf" &&
    grep -q '^host med1 198.18.3.11 role mediation$' "$tmp/d3.conf"; then
	lib_pass "--product sfb2015 --pack dependencies --rules-dir: the header names them"
else
	lib_failed "--product/--pack: exit $rc: $(cat "$tmp/err")"
fi

# 4. what the command line refuses
refuse() {	# WHAT PATTERN ARGS...
	what=$1 pat=$2
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$pat" "$tmp/err"; then
		lib_pass "refused: $what"
	else
		lib_failed "$what: exit $rc, want 2 and \"$pat\": $(cat "$tmp/err")"
	fi
}
refuse "--discover without traffic" "needs traffic" --discover -c "$conf"
refuse "--discover with --db" "cannot be combined with --db" --discover -c "$conf" -r "$sample" --db "$tmp/x.db"
refuse "--discover with --eve" "cannot be combined with --eve" --discover -c "$conf" -r "$sample" --eve -
refuse "--discover with -T" "cannot be combined with -T" --discover -T -c "$conf" -r "$sample"
refuse "--discover with --coverage" "cannot be combined with --coverage" --discover -c "$conf" -r "$sample" --coverage
refuse "-o without --discover" "-o applies to --discover only" -c "$conf" -r "$sample" -o "$tmp/x"
refuse "--pack without --discover" "--pack applies to --discover only" -c "$conf" -r "$sample" --pack dependencies
refuse "--discover-time with -r" "--discover-time applies to live capture" --discover -c "$conf" -r "$sample" --discover-time 5
refuse "--discover-time 0" "--discover-time must be a number" --discover -c "$conf" -i lo --discover-time 0
refuse "--discover-hosts 3" "--discover-hosts must be a number" --discover -c "$conf" -r "$sample" --discover-hosts 3
refuse "an unknown pack" "nosuchpack.rules" --discover -c "$conf" -r "$sample" --pack nosuchpack
refuse "an unwritable -o" "$tmp/no/such/dir/draft.conf" --discover -c "$conf" -r "$sample" -o "$tmp/no/such/dir/draft.conf"
printf 'not a capture\n' >"$tmp/junk.pcap"
refuse "a file that is no capture" "junk.pcap" --discover -c "$conf" -r "$tmp/junk.pcap"

# an empty capture: a draft without hosts, and a warning that says so
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >"$tmp/empty.pcap"
"$bin" --discover -c "$conf" -r "$tmp/empty.pcap" -o "$tmp/empty.conf" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'no Lync role found' "$tmp/err" && grep -q '^# found: *0 servers' "$tmp/empty.conf"; then
	lib_pass "an empty capture: exit 0, a warning, a draft that says it found nothing"
else
	lib_failed "an empty capture: exit $rc: $(cat "$tmp/err")"
fi

lib_summary
