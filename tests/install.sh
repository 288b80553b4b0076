#!/bin/sh
# install.sh - the distribution as a site builds and installs it: the
# tarball's files configured afresh with CUnit hidden from pkg-config, then
#   1. ./configure succeeds without CUnit and says what it means; the
#      daemon builds; `make check` fails, naming what is missing;
#   2. `make install` (a prefix inside the work directory) installs a
#      configuration and an example inventory in sysconfdir/conformd, and
#      the manuals name the configured paths;
#   3. as root, in a mount namespace of its own where the installed
#      sysusers.d and tmpfiles.d files have been applied (by
#      systemd-sysusers into a copy of /etc, systemd-tmpfiles over empty
#      /var/lib and /var/log, as a package's postinst does): `conformd -T`
#      on the installed configuration passes, with the shipped rules found
#      by default; before tmpfiles ran, -T names the missing directories;
#   4. a second `make install` keeps a configuration the site edited;
#      `make uninstall` keeps it too, and removes what the site left as
#      installed;
#   5. configured as Debian does (--prefix=/usr --sysconfdir=/etc), the
#      manuals and the configuration name /etc/conformd and
#      /usr/share/conformd, never /usr/local.
# Takes a few minutes (two configure runs, one build).  Environment:
# top_srcdir, top_builddir (set by make check).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name install
lib_need_tools make pkg-config cmp
[ -f "$top_builddir/Makefile" ] || lib_error "$top_builddir/Makefile not found (configure first)"

tmp=$(mktemp -d /tmp/cfi-install.XXXXXX) || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# a make of our own, not the jobserver of a `make check` running us
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}
jobs=$(nproc 2>/dev/null || echo 2)

# The distribution's files, as a site unpacks them.
mk -C "$top_builddir" distdir distdir="$tmp/src" >"$tmp/distdir.log" 2>&1 ||
	lib_error "make distdir: $(tail -5 "$tmp/distdir.log")"

# CUnit hidden: a pkg-config directory holding every .pc file but cunit's.
mkdir "$tmp/pc"
for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
	for f in "$d"/*.pc; do
		[ -e "$f" ] || continue
		b=$(basename "$f")
		[ "$b" = cunit.pc ] || [ -e "$tmp/pc/$b" ] || ln -s "$f" "$tmp/pc/$b"
	done
done
PKG_CONFIG_LIBDIR=$tmp/pc pkg-config --exists cunit && lib_error "CUnit still visible to pkg-config"
PKG_CONFIG_LIBDIR=$tmp/pc pkg-config --exists libpcap sqlite3 ||
	lib_error "libpcap or sqlite3 not visible through $tmp/pc"

# --- 1. without CUnit --------------------------------------------------------
inst=$tmp/inst
mkdir "$tmp/build"
if (cd "$tmp/build" && env -u CUNIT_CFLAGS -u CUNIT_LIBS PKG_CONFIG_LIBDIR="$tmp/pc" \
    "$tmp/src/configure" --prefix="$inst" >"$tmp/configure.log" 2>&1); then
	lib_pass "./configure with CUnit hidden succeeds"
else
	lib_failed "./configure with CUnit hidden: $(tail -3 "$tmp/configure.log" | tr '\n' ';')"
	lib_summary
fi
grep -q 'CUnit: *no (the unit tests cannot be built: make check will fail' "$tmp/configure.log" &&
	lib_pass "... its summary says the unit tests cannot be built" ||
	lib_failed "... its summary does not say CUnit is missing"
if mk -C "$tmp/build" -j"$jobs" >"$tmp/make.log" 2>&1 && [ -x "$tmp/build/conformd" ]; then
	lib_pass "make builds the daemon without CUnit"
else
	lib_failed "make without CUnit: $(tail -5 "$tmp/make.log" | tr '\n' ';')"
	lib_summary
fi
if mk -C "$tmp/build" check TESTS=tests/unit >"$tmp/check.log" 2>&1; then
	lib_failed "make check passed without the unit tests"
else
	lib_pass "make check fails without CUnit"
fi
grep -q 'CUnit was not found when ./configure ran' "$tmp/build/tests/unit.log" 2>/dev/null &&
	grep -q 'libcunit1-dev' "$tmp/build/tests/unit.log" &&
	lib_pass "... and says what is missing and how to get it" ||
	lib_failed "... without saying CUnit is missing: $(cat "$tmp/build/tests/unit.log" 2>/dev/null | head -3)"

# --- 2. make install ---------------------------------------------------------
conf=$inst/etc/conformd/conformd.conf
if mk -C "$tmp/build" install >"$tmp/install.log" 2>&1; then
	lib_pass "make install (prefix $inst)"
else
	lib_failed "make install: $(tail -5 "$tmp/install.log" | tr '\n' ';')"
	lib_summary
fi
lib_check "a configuration installed in sysconfdir/conformd" test -f "$conf"
lib_check "an example inventory beside it" test -f "$inst/etc/conformd/inventory.conf"
lib_check "the shipped configuration also kept in pkgdatadir/default" cmp -s "$conf" "$inst/share/conformd/default/conformd.conf"
lib_check "the configuration names no rules file or directory: the shipped ones are found by default" \
    sh -c "! grep -q '^rules' '$conf'"
"$inst/sbin/conformd" --build-info >"$tmp/buildinfo" 2>&1
grep -qx "rules: $inst/share/conformd/rules" "$tmp/buildinfo" &&
	lib_pass "conformd --build-info: rules: $inst/share/conformd/rules" ||
	lib_failed "conformd --build-info: $(grep '^rules' "$tmp/buildinfo")"
for m in man8/conformd.8 man5/conformd.conf.5; do
	f=$inst/share/man/$m
	grep -q "$inst/etc/conformd/conformd.conf" "$f" && grep -q "$inst/share/conformd/rules" "$f" &&
		lib_pass "$m names the configured paths ($inst/etc/conformd, $inst/share/conformd)" ||
		lib_failed "$m does not name the configured paths"
	grep -q '@[a-z]*@' "$f" && lib_failed "$m holds an unsubstituted @variable@" ||
		lib_pass "$m: every @variable@ substituted"
done

# --- 3. -T on the installed configuration --------------------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
    ! command -v systemd-sysusers >/dev/null 2>&1 || ! command -v systemd-tmpfiles >/dev/null 2>&1; then
	echo "SKIP (part): -T on the installed configuration needs root, unshare, systemd-sysusers and systemd-tmpfiles"
else
	# the accounts of this machine plus those sysusers.d creates, in a copy
	mkdir -p "$tmp/root/etc"
	for f in passwd group shadow gshadow; do
		[ -f "/etc/$f" ] && cp -p "/etc/$f" "$tmp/root/etc/$f"
	done
	if systemd-sysusers --root="$tmp/root" "$inst/lib/sysusers.d/conformd.conf" >"$tmp/sysusers.log" 2>&1; then
		lib_pass "systemd-sysusers of the installed sysusers.d file (into a copy of /etc)"
	else
		lib_failed "systemd-sysusers: $(tr '\n' ';' <"$tmp/sysusers.log")"
	fi
	# shellcheck disable=SC2016  # expanded by the inner shell
	unshare -m sh -c '
		set -e
		mount --make-rprivate /
		mount --bind "$1/root/etc/passwd" /etc/passwd
		mount --bind "$1/root/etc/group" /etc/group
		mount -t tmpfs tmpfs /var/lib
		mount -t tmpfs tmpfs /var/log
		set +e
		"$2/sbin/conformd" -T -c "$3" >"$1/t-before.out" 2>&1
		echo $? >"$1/t-before.rc"
		systemd-tmpfiles --create "$2/lib/tmpfiles.d/conformd.conf" >"$1/tmpfiles.log" 2>&1
		echo $? >"$1/tmpfiles.rc"
		stat -c "%U:%G %a" /var/lib/conformd /var/log/conformd >"$1/dirs" 2>&1
		"$2/sbin/conformd" -T -v -c "$3" >"$1/t-after.out" 2>"$1/t-after.err"
		echo $? >"$1/t-after.rc"
	' sh "$tmp" "$inst" "$conf"
	[ "$(cat "$tmp/t-before.rc" 2>/dev/null)" = 2 ] &&
		grep -q "$conf:[0-9]*: database /var/lib/conformd/conformd.db: directory /var/lib/conformd does not exist" "$tmp/t-before.out" &&
		grep -q "$conf:[0-9]*: eve /var/log/conformd/eve.json: directory /var/log/conformd does not exist" "$tmp/t-before.out" &&
		lib_pass "-T before tmpfiles.d ran: exit 2, names both missing directories with file:line" ||
		lib_failed "-T before tmpfiles.d ran: exit $(cat "$tmp/t-before.rc" 2>/dev/null): $(tr '\n' ';' <"$tmp/t-before.out")"
	[ "$(cat "$tmp/tmpfiles.rc" 2>/dev/null)" = 0 ] &&
		lib_pass "systemd-tmpfiles --create of the installed tmpfiles.d file: $(tr '\n' ' ' <"$tmp/dirs")" ||
		lib_failed "systemd-tmpfiles: $(tr '\n' ';' <"$tmp/tmpfiles.log")"
	[ "$(cat "$tmp/t-after.rc" 2>/dev/null)" = 0 ] &&
		lib_pass "conformd -T -c <installed configuration>: $(tail -1 "$tmp/t-after.err")" ||
		lib_failed "conformd -T -c <installed configuration>: exit $(cat "$tmp/t-after.rc" 2>/dev/null): $(tr '\n' ';' <"$tmp/t-after.err")"
	grep -q "^# pack lync2013: .*($inst/share/conformd/rules/lync2013.rules, [1-9][0-9]* rules)\$" "$tmp/t-after.out" &&
		lib_pass "... the shipped rules found by default ($inst/share/conformd/rules/lync2013.rules)" ||
		lib_failed "... rules: $(grep '^# pack \|^rules' "$tmp/t-after.out" | head -2 | tr '\n' ';')"
	grep -qx "inventory $inst/etc/conformd/inventory.conf" "$tmp/t-after.out" &&
		lib_pass "... the example inventory beside it" ||
		lib_failed "... inventory: $(grep '^inventory ' "$tmp/t-after.out")"
fi

# --- 4. a site's files are never replaced ------------------------------------------
echo "# edited by the site" >>"$conf"
cp "$conf" "$tmp/edited.conf"
mk -C "$tmp/build" install >"$tmp/install2.log" 2>&1 || lib_failed "second make install: $(tail -3 "$tmp/install2.log")"
lib_check "a second make install keeps the edited configuration" cmp -s "$conf" "$tmp/edited.conf"
lib_check "... and says so" grep -q "kept $inst/etc/conformd/conformd.conf: it exists" "$tmp/install2.log"
mk -C "$tmp/build" uninstall >"$tmp/uninstall.log" 2>&1 || lib_failed "make uninstall: $(tail -3 "$tmp/uninstall.log")"
lib_check "make uninstall keeps the edited configuration" cmp -s "$conf" "$tmp/edited.conf"
lib_check "... removes the inventory the site left as installed" test ! -e "$inst/etc/conformd/inventory.conf"
left=$(find "$inst" -type f ! -path "$conf" | head -5)
lib_check "... and every other file installed" test -z "$left"

# --- 5. Debian's layout ---------------------------------------------------------------
mkdir "$tmp/build-usr"
if (cd "$tmp/build-usr" && env -u CUNIT_CFLAGS -u CUNIT_LIBS PKG_CONFIG_LIBDIR="$tmp/pc" \
    "$tmp/src/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    >"$tmp/configure-usr.log" 2>&1) &&
    mk -C "$tmp/build-usr" install-data DESTDIR="$tmp/dest" >"$tmp/install-usr.log" 2>&1; then
	lib_pass "--prefix=/usr --sysconfdir=/etc: make install-data DESTDIR=<tmp>"
	lib_check "... the configuration in /etc/conformd" test -f "$tmp/dest/etc/conformd/conformd.conf"
	for m in man8/conformd.8 man5/conformd.conf.5; do
		f=$tmp/dest/usr/share/man/$m
		grep -q '/etc/conformd/conformd.conf' "$f" && grep -q '/usr/share/conformd/rules' "$f" &&
			lib_pass "$m names /etc/conformd and /usr/share/conformd" ||
			lib_failed "$m does not name /etc/conformd and /usr/share/conformd"
		grep -q '/usr/local' "$f" && lib_failed "$m still names /usr/local: $(grep -m1 /usr/local "$f")" ||
			lib_pass "$m never names /usr/local"
	done
	grep -q '/usr/share/conformd/rules' "$tmp/dest/etc/conformd/conformd.conf" &&
		lib_pass "... the installed configuration's comments name /usr/share/conformd/rules" ||
		lib_failed "... the installed configuration does not name /usr/share/conformd/rules"
else
	lib_failed "--prefix=/usr: $(tail -3 "$tmp/configure-usr.log" "$tmp/install-usr.log" 2>/dev/null | tr '\n' ';')"
fi

lib_summary
