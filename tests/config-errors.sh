#!/bin/sh
# config-errors.sh - `conformd -T -c FILE` on broken configurations: a
# missing, unreadable (a directory: root reads any mode bits, so a
# chmod 000 file would not do), empty or binary config, rules or
# inventory file; an unknown key, numbers and ports out of range, an
# inverted range, an address that is not one, a duplicate role.  Each case
# tests/config-errors/NAME has its exact standard error in NAME.expected
# (paths relative to the case directory) and must exit 2.
#
# The cases run in a scratch copy of tests/config-errors, with the shipped
# matrix as lync2013.rules and the sample inventory as site.inv; the
# files that cannot live in git (directories, empty and binary files, the
# config-* files that are themselves the fault) are made there.
# The run-* cases parse, but describe a run that would fail (-T checks
# output directories, interfaces, the user to drop to).
# CONFORMD_UPDATE_GOLDEN=1 (`make update-golden`) rewrites the .expected
# files for review.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name config-errors

bin=$top_builddir/conformd
src=$top_srcdir/tests/config-errors
[ -x "$bin" ] || lib_error "$bin not built"
update=0
case ${CONFORMD_UPDATE_GOLDEN:-0} in 0|'') ;; *) update=1 ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-cferr.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

w=$tmp/cases
mkdir "$w"
cp "$src"/*.conf "$src"/*.rules "$src"/*.inv "$w/" || lib_error "copy"
cp "$top_srcdir/rules/lync2013.rules" "$w/lync2013.rules"
cp "$top_srcdir/samples/inventory.conf" "$w/site.inv"
# The faults git cannot hold.
mkdir "$w/config-directory.conf" "$w/adir.rules" "$w/adir.inv"
ln -s /dev/null "$w/eve-link.json"
: >"$w/config-empty.conf"
: >"$w/empty.rules"
: >"$w/empty.inv"
printf 'rules lync2013.rules\ninventory site.inv\n\000\001\002\003\377\n' >"$w/config-binary.conf"
printf 'role front-end server "Front End Server"\n\000\177ELF\001\001\001\n' >"$w/binary.rules"
printf 'host fe1 198.18.1.11 role front-end\n\000\000\000\000\n' >"$w/binary.inv"
# names that are not UTF-8 text: Latin-1, a lone continuation byte, an
# overlong '/', a control character; the valid UTF-8 name passes
printf 'host caf\351 198.18.1.11 role front-end\nhost "med\0011" 198.18.3.11 role mediation\npool p\200ool {\n\ttype front-end\n\tvip 198.18.1.10\n\tmember fe\300\2572 198.18.1.12\n}\npool fepool {\n\ttype front-end\n\tvip 198.18.1.20\n\tload-balancing hardware\n\tmember fe\303\2513 198.18.1.13\n\tmember fe\3002 198.18.1.14\n}\n' >"$w/not-utf8.inv"

cases="config-missing config-directory config-empty config-binary"
for f in "$src"/*.conf; do
	cases="$cases $(basename "$f" .conf)"
done

# run NAME: exit 2 and exactly NAME.expected on standard error.
run() {
	name=$1
	( cd "$w" && timeout 20 "$bin" -T -c "$name.conf" >"$tmp/$name.out" 2>"$tmp/$name.raw" )
	st=$?
	# Resolved paths are absolute: make them relative to the case directory.
	sed "s|$w/||g" "$tmp/$name.raw" >"$tmp/$name.err"
	if [ $update -eq 1 ]; then
		cp "$tmp/$name.err" "$src/$name.expected"
	fi
	if [ $st -ne 2 ]; then
		echo "  $name: exit $st, wanted 2"
		sed 's/^/    /' "$tmp/$name.err"
		return 1
	fi
	if [ ! -f "$src/$name.expected" ]; then
		echo "  $name: no $name.expected (make update-golden writes it: review it)"
		return 1
	fi
	if ! cmp -s "$tmp/$name.err" "$src/$name.expected"; then
		echo "  $name: stderr differs from $name.expected:"
		diff "$src/$name.expected" "$tmp/$name.err" | sed 's/^/    /'
		return 1
	fi
	return 0
}

for c in $cases; do
	lib_check "$c: exit 2, message as in $c.expected" run "$c"
done
# Every golden file belongs to a case.
for e in "$src"/*.expected; do
	n=$(basename "$e" .expected)
	case " $cases " in
	*" $n "*) ;;
	*) lib_failed "$n.expected has no case" ;;
	esac
done
lib_summary
