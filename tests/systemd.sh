#!/bin/bash
# tests/systemd.sh - the installed systemd units: `make install
# DESTDIR=...` from the build tree, then `systemd-analyze verify` on
# conformd.service and on an instance of conformd@.service, and the
# exposure score of `systemd-analyze security --offline=true` for both
# (printed; a score above 5.0, "MEDIUM" or worse, fails).
#
# The units name the binary by its final path (@sbindir@/conformd), which
# is not installed on this machine, so verify runs on copies whose
# ExecStart points into the DESTDIR tree (nothing else is changed); the
# manual pages named by Documentation= are looked up in the DESTDIR tree
# too (MANPATH), or not at all when man(1) is missing.
# Skips (exit 77, with the reason) without systemd-analyze or when the
# build installs no units (--with-systemdsystemunitdir=no).
# Environment: top_srcdir, top_builddir (set by make check).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"
lib_name systemd

command -v systemd-analyze >/dev/null 2>&1 ||
	lib_skip "needs systemd-analyze (package systemd; scripts/install-deps.sh installs it)"
command -v make >/dev/null 2>&1 || lib_skip "needs make"
[ -f "$top_builddir/Makefile" ] || lib_error "$top_builddir/Makefile not found (configure first)"

tmp=$(mktemp -d /tmp/cfl-systemd.XXXXXX) || lib_error "cannot make a work directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
dest=$tmp/root

# 1. make install into the staging tree (a make of our own, not the
# jobserver of a `make check` that may be running us).
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" install DESTDIR="$dest" \
    >"$tmp/install.log" 2>&1; then
	lib_pass "make install DESTDIR=<tmp>"
else
	lib_failed "make install DESTDIR=<tmp>: $(tail -5 "$tmp/install.log")"
	lib_summary
fi
unitdir=$(find "$dest" -type f -name conformd.service -printf '%h\n' | head -1)
[ -n "$unitdir" ] || lib_skip "the build installs no systemd units (--with-systemdsystemunitdir=no)"
bin=$(find "$dest" -type f -path '*/sbin/conformd' | head -1)
sbindir=${bin#"$dest"}
sbindir=${sbindir%/conformd}
echo "units in ${unitdir#"$dest"}, conformd in $sbindir"

for rel in conformd.service conformd@.service; do
	[ -f "$unitdir/$rel" ] && lib_pass "installed $rel" || lib_failed "not installed: $rel"
done
for what in sysusers.d tmpfiles.d logrotate.d; do
	f=$(find "$dest" -type f -path "*/$what/conformd*" | head -1)
	[ -n "$f" ] && lib_pass "installed ${f#"$dest"}" || lib_failed "no $what entry installed"
done
for rel in conformd.service conformd@.service; do
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unitdir/$rel")
	if [ "$exe" = "$sbindir/conformd" ] && [ -x "$dest$exe" ]; then
		lib_pass "$rel: ExecStart=$exe, the installed binary"
	else
		lib_failed "$rel: ExecStart=$exe, but conformd was installed as $sbindir/conformd"
	fi
done

# 2. systemd-analyze verify, on copies relocated into the staging tree.
vdir=$tmp/units
mkdir -p "$vdir"
for rel in conformd.service conformd@.service; do
	sed "s|^\(Exec[A-Za-z]*=[-@:+!]*\)$sbindir/conformd|\1$dest$sbindir/conformd|" \
	    "$unitdir/$rel" >"$vdir/$rel"
done
man_opt=
mandir=$(find "$dest" -type d -name man8 -printf '%h\n' | head -1)
if command -v man >/dev/null 2>&1 && [ -n "$mandir" ]; then
	export MANPATH=$mandir
else
	man_opt=--man=no
	echo "note: man(1) or the installed manuals missing: Documentation= not checked"
fi
export SYSTEMD_UNIT_PATH="$vdir:"
for unit in conformd.service conformd@eth0.service; do
	# shellcheck disable=SC2086  # man_opt is empty or one word
	out=$(cd "$vdir" && systemd-analyze verify $man_opt "$unit" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		lib_pass "systemd-analyze verify $unit"
	else
		lib_failed "systemd-analyze verify $unit: exit $rc: $(echo "$out" | tr '\n' ';')"
	fi
done

# 3. exposure scores (0 best, 10 worst): print, fail above 5.0.
for unit in conformd.service conformd@eth0.service; do
	out=$(cd "$vdir" && systemd-analyze security --offline=true "$unit" 2>&1)
	line=$(echo "$out" | grep 'Overall exposure level')
	score=$(echo "$line" | sed -n 's/.*: \([0-9][0-9]*\.[0-9]\) .*/\1/p')
	if [ -z "$score" ]; then
		lib_failed "systemd-analyze security $unit: no score: $(echo "$out" | tail -3 | tr '\n' ';')"
	elif awk -v s="$score" 'BEGIN { exit !(s <= 5.0) }'; then
		lib_pass "systemd-analyze security $unit: exposure $score ($(echo "$line" | awk '{print $(NF-1)}'))"
	else
		lib_failed "systemd-analyze security $unit: exposure $score, want <= 5.0"
		echo "$out" | grep '^✗' | sed 's/^/  /'
	fi
done

lib_summary
