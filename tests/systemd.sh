#!/bin/bash
# tests/systemd.sh - the installed systemd units: `make install
# DESTDIR=...` from the build tree, then `systemd-analyze verify` on
# conformd.service and on an instance of conformd@.service, and the
# exposure score of `systemd-analyze security --offline=true` for both
# (printed; a score above 5.0, "MEDIUM" or worse, fails); then, as root,
# what `systemctl stop` makes of each unit: its ExecStart= run in a
# network namespace of its own, a finding raised, SIGTERM, and the exit
# judged against the unit's SuccessExitStatus= by systemd 252's rules
# (PID 1 here is not systemd, so systemctl itself cannot run the unit).
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

# 4. The exit status as systemd judges it when `systemctl stop` (or
# restart) ends the service: systemd.service(5) and systemd.kill(5) of
# systemd 252.  Stopping sends KillSignal= (SIGTERM unless the unit says
# otherwise) to the main process; the unit is then "inactive" when the
# process exited with 0 or a status of SuccessExitStatus=, or was killed
# by SIGHUP, SIGINT, SIGTERM or SIGPIPE (or a signal of
# SuccessExitStatus=), and "failed" otherwise.
# Where PID 1 is systemd this could be `systemctl stop` itself; on a
# machine without it (a container, a VM whose init is something else)
# the unit's own ExecStart= command line runs here instead, as systemd
# would start it (the configuration, database and EVE paths pointed into
# the work directory, %i an interface), in a network namespace of its
# own; it raises a finding, gets the stop signal, and its exit is judged
# by the rules above against the unit's SuccessExitStatus=.
if [ -d /run/systemd/system ]; then
	echo "note: PID 1 is systemd, but the units are judged by their ExecStart= here too (no unit is installed on this machine)"
fi
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1 ||
    ! command -v sqlite3 >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP (part): the exit status after a stop needs root, unshare, ip, sqlite3 and python3"
	lib_summary
fi
# the unit's setting, or systemd's default; several lines add up
unit_values() {
	sed -n "s/^$2=//p" "$1" | tr '\n' ' '
}
# judge_stop UNIT STATUS: "inactive" or "failed", as systemd 252 would
# leave the unit after a stop whose main process ended with STATUS (the
# shell's: 128+N for signal N).
judge_stop() {
	ok=$(unit_values "$1" SuccessExitStatus)
	if [ "$2" -gt 128 ]; then
		sig=$(kill -l $(($2 - 128)))
		case " HUP INT TERM PIPE $ok " in
		*" $sig "* | *" SIG$sig "*) echo inactive; return ;;
		esac
	else
		case " 0 $ok " in
		*" $2 "*) echo inactive; return ;;
		esac
	fi
	echo failed
}
kill_sig=$(unit_values "$unitdir/conformd.service" KillSignal)
kill_sig=${kill_sig:-SIGTERM}
kill_sig=${kill_sig%% *}
cat >"$tmp/inventory.conf" <<'INV'
host fe1 198.18.1.11 role front-end
network clients 198.18.10.0/24 role client
INV
for rel in conformd.service conformd@.service; do
	inst=${rel%@.service}
	[ "$inst" = "$rel" ] && inst=${rel%.service} || inst="$inst@lo"
	w=$tmp/stop-$inst
	mkdir -p "$w"
	# conformd.service takes its sources and outputs from the
	# configuration; conformd@ names them on its command line
	{
		echo "rules $top_srcdir/rules/lync2013.rules"
		echo "inventory $tmp/inventory.conf"
		echo "interface lo"
		echo "database $w/conformd.db"
		echo "eve $w/eve.json"
		# the units drop to the user conformd, which this machine may lack
		echo "user root"
	} >"$w/conformd.conf"
	cmd=$(sed -n 's/^ExecStart=//p' "$vdir/$rel" | sed "s/%i/lo/g")
	set -- $cmd
	argv=
	while [ $# -gt 0 ]; do
		case $1 in
		-c) argv="$argv -c $w/conformd.conf"; shift ;;
		--db) argv="$argv --db $w/conformd.db"; shift ;;
		--eve) argv="$argv --eve $w/eve.json"; shift ;;
		*) argv="$argv $1" ;;
		esac
		shift
	done
	echo "$inst: ExecStart=$cmd"
	echo "  run as:$argv"
	# shellcheck disable=SC2086  # argv is the unit's command line, split as systemd splits it here
	unshare -n sh -c '
		ip link set lo up && ip addr add 198.18.1.11/32 dev lo && ip addr add 198.18.10.21/32 dev lo || exit 99
		"$@" 2>"'"$w"'/err" &
		pid=$!
		i=0
		until grep -q "capturing on" "'"$w"'/err"; do
			i=$((i + 1)); [ $i -le 100 ] || { kill -9 $pid; exit 98; }; sleep 0.1
		done
		# a client reaches the Front End on a port no rule allows: a finding
		i=0
		until [ "$(sqlite3 "'"$w"'/conformd.db" "select count(*) from findings where kind = '"'unexpected'"'" 2>/dev/null)" -gt 0 ] 2>/dev/null; do
			python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((\"198.18.10.21\", 0)); s.sendto(b\"x\", (\"198.18.1.11\", 9999))"
			i=$((i + 1)); [ $i -le 100 ] || break; sleep 0.2
		done
		kill -s '"${kill_sig#SIG}"' $pid
		i=0
		while kill -0 $pid 2>/dev/null; do
			i=$((i + 1)); [ $i -le 200 ] || { kill -9 $pid; break; }; sleep 0.1
		done
		wait $pid
		echo $? >"'"$w"'/status"
	' sh $argv
	rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$w/status" ]; then
		lib_failed "$inst: the ExecStart= run did not complete (shell exit $rc): $(tail -3 "$w/err" 2>/dev/null | tr '\n' ';')"
		continue
	fi
	st=$(cat "$w/status")
	nf=$(sqlite3 "$w/conformd.db" "select count(*) from findings" 2>/dev/null)
	if [ "${nf:-0}" -gt 0 ]; then
		lib_pass "$inst: findings were raised before the stop ($nf in the database)"
	else
		lib_failed "$inst: no finding was raised: the stop proves nothing"
	fi
	[ "$st" -eq 0 ] && lib_pass "$inst: $kill_sig after findings: exit status 0 (a stop by signal is a success)" ||
		lib_failed "$inst: $kill_sig after findings: exit status $st, want 0: $(tail -3 "$w/err" | tr '\n' ';')"
	grep -q "stopped by SIGTERM with [1-9][0-9]* findings\{0,1\} raised" "$w/err" &&
		lib_pass "$inst: the log still counts the findings" ||
		lib_failed "$inst: the log does not count the findings"
	verdict=$(judge_stop "$vdir/$rel" "$st")
	[ "$verdict" = inactive ] &&
		lib_pass "$inst: systemctl stop would leave it inactive, not failed (exit $st; SuccessExitStatus=$(unit_values "$vdir/$rel" SuccessExitStatus))" ||
		lib_failed "$inst: systemctl stop would leave it failed (exit $st; SuccessExitStatus=$(unit_values "$vdir/$rel" SuccessExitStatus))"
	# the same judgement on an exit 1 (findings) without the signal
	[ "$(judge_stop "$vdir/$rel" 1)" = inactive ] &&
		lib_pass "$inst: exit status 1 (findings) is a success for the unit (SuccessExitStatus=)" ||
		lib_failed "$inst: exit status 1 (findings) would fail the unit: no SuccessExitStatus=1"
done

lib_summary
