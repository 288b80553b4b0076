#!/bin/sh
# pcapfile-equiv.sh - conformd's capture-file reader against libpcap's
# (tests/pcapfile-equiv): every capture tests/gen-edge and
# tests/gen-malformed write, and the shipped sample, packet by packet.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name pcapfile-equiv

eq=$top_builddir/tests/pcapfile-equiv
[ -x "$eq" ] || lib_error "$eq not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-equiv.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/edge" "$tmp/mal"
"$top_builddir/tests/gen-edge" "$tmp/edge" >/dev/null || lib_error "gen-edge failed"
"$top_builddir/tests/gen-malformed" "$tmp/mal" >/dev/null || lib_error "gen-malformed failed"

for f in "$tmp"/edge/* "$tmp"/mal/* "$top_srcdir/samples/lync-site.pcap"; do
	lib_check "$(basename "$f"): the same as libpcap" "$eq" "$f"
done
lib_summary
