#!/bin/sh
# faults.sh - crash safety and hostile surroundings of `conformd -r`:
#
#   kill -9      at least 50 runs killed at random moments while writing a
#                large capture into one database and one EVE file: after
#                every kill the database passes PRAGMA integrity_check,
#                every run that had ended before is still there with all
#                its flows, and every complete EVE line parses; the next
#                run closes the killed one as interrupted (status -1, at
#                its last commit) and leaves no partial EVE line, so that
#                at the end of each chain every run is closed and every
#                EVE line parses (issue 17: 21 of 50 kills used to leave a
#                torn line, and killed runs stayed open)
#   disk full    the database on a 256 KiB tmpfs (root): classification
#                goes on, EVE (on another disk) is complete, the failure is
#                logged once, exit 2
#   read-only    the same with a read-only database (root: a read-only bind
#                mount; otherwise chmod 0444)
#   locked       an analyst's sqlite3 holding a read transaction open: the
#                run completes in bounded time and its rows are there; one
#                holding BEGIN EXCLUSIVE for 3 s as the run begins: the run
#                waits for it, then writes its run row and every row with
#                it (the run row used to be lost, every row with run_id
#                NULL, each row waiting 250 ms)
#   foreign      a database whose user_version is conformd's but whose
#                tables are not, and one that fails PRAGMA quick_check:
#                refused with a clear message, not a byte changed, the run
#                goes on without it
#   FIFO         -r on a FIFO: fed a capture it reads it; a writer that
#                closes at once, or none until then, gives a clear error
#   symlinks     --eve and --db never write through a symbolic link; new
#                files are created with mode 0640
#
# Root-only parts skip with a printed reason.  Deterministic: the kill
# moments come from a fixed seed (FAULTS_SEED), scaled to the length of an
# uninterrupted run measured first so that the kills land while conformd
# is writing.  Ends with "faults: N passed, N failed".
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name faults
lib_need_tools sqlite3 timeout awk

bin=$top_builddir/conformd
gen=$top_builddir/tests/gen-malformed
sample=$top_srcdir/samples/lync-site.pcap
[ -x "$bin" ] || lib_error "$bin not built"
[ -x "$gen" ] || lib_error "$gen not built"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-faults.XXXXXX") || lib_error "mktemp"
mounts=
cleanup() {
	for m in $mounts; do umount "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1
umask 022

q() { sqlite3 -batch -noheader "$@"; }

cat >"$tmp/conformd.conf" <<EOF
rules $top_srcdir/rules/lync2013.rules
inventory $top_srcdir/samples/inventory.conf
# flows end (and are written) one second after they close: writes are
# spread over the whole run, not only at its end
timeout tcp-closed 1
EOF
conf=$tmp/conformd.conf

# ---------------------------------------------------------------------------
# kill -9 while writing
# ---------------------------------------------------------------------------
KILLS=${FAULTS_KILLS:-50}
FLOWS=25000
"$gen" --big "$tmp/big.pcap" $FLOWS 30 || lib_error "gen-malformed --big failed"

# A database with one finished run of the sample capture: the start of a
# chain of killed runs.  Chains are restarted every 10 runs to keep the
# database (and integrity_check) small.
new_chain() {
	[ -e "$tmp/kill.db" ] && close_chain
	rm -f "$tmp/kill.db" "$tmp/kill.db-wal" "$tmp/kill.db-shm" "$tmp/kill.eve"
	"$bin" -q -c "$conf" -r "$sample" --db "$tmp/kill.db" --eve "$tmp/kill.eve" >/dev/null 2>&1
	[ $? -le 1 ] || lib_error "cannot seed the kill database"
	: >"$tmp/ended"
	chain=0
}

# Every complete line of EVE file $1 parses: prints "ok N" (N: 1 when the
# file ends in a partial line, a write a kill cut short, else 0) or the
# first error.
eve_lines() {
	python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
try:
    for l in lines[:-1]:
        json.loads(l)
except ValueError as e:
    print("line %d: %s" % (lines.index(l) + 1, e)); sys.exit(0)
print("ok", 1 if lines[-1] else 0)' "$1" 2>&1
}

# The end of a chain: one more run, which closes the killed one; then
# every run of the database is closed, the killed ones as interrupted,
# and every line of the EVE file parses, none partial.
chains=0 chains_ok=0 closed_interrupted=0
close_chain() {
	local open killed e
	"$bin" -q -c "$conf" -r "$sample" --db "$tmp/kill.db" --eve "$tmp/kill.eve" >/dev/null \
	    2>"$tmp/close.err"
	chains=$((chains + 1))
	open=$(q "$tmp/kill.db" "select count(*) from runs where ended is null")
	killed=$(q "$tmp/kill.db" "select count(*) from runs where status = -1")
	e=$(eve_lines "$tmp/kill.eve")
	closed_interrupted=$((closed_interrupted + killed))
	if [ "$open" = 0 ] && [ "$e" = "ok 0" ]; then
		chains_ok=$((chains_ok + 1))
	else
		echo "  chain $chains: $open runs still open, EVE: $e"
	fi
}

# Record every run that has ended: "id flows packets".
ended_runs() {
	q "$tmp/kill.db" "select r.id, (select count(*) from flows f where f.run_id = r.id),
	    (select value from counters c where c.run_id = r.id and c.name = 'packets')
	    from runs r where r.ended is not null order by r.id"
}

# Calibrate: one uninterrupted run, timed in milliseconds.
t0=$(date +%s%N)
"$bin" -q -c "$conf" -r "$tmp/big.pcap" --db "$tmp/calib.db" --eve "$tmp/calib.eve" >/dev/null 2>&1
st=$?
t1=$(date +%s%N)
full_ms=$(( (t1 - t0) / 1000000 ))
full_flows=$(q "$tmp/calib.db" "select count(*) from flows")
lib_check "uninterrupted run of the big capture writes all $FLOWS flows (exit $st, ${full_ms} ms)" \
    test "$st" -le 1 -a "$full_flows" -eq $FLOWS
rm -f "$tmp/calib.db"* "$tmp/calib.eve"
# Kill after 50-1500 ms, but inside the run: at most 95% of its length.
hi=$(( full_ms * 95 / 100 ))
[ $hi -gt 1500 ] && hi=1500
[ $hi -lt 60 ] && hi=60
awk -v seed="${FAULTS_SEED:-6}" -v n=$((KILLS * 2)) -v lo=50 -v hi=$hi \
    'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%d\n", lo + int(rand() * (hi - lo + 1)) }' \
    >"$tmp/delays"

new_chain
kills=0 survived=0 completed=0 lost=0 iter=0 torn=0
: >"$tmp/open.ids"
while read -r ms; do
	[ $kills -ge "$KILLS" ] && break
	iter=$((iter + 1))
	[ $chain -ge 10 ] && new_chain
	chain=$((chain + 1))
	"$bin" -q -c "$conf" -r "$tmp/big.pcap" --db "$tmp/kill.db" --eve "$tmp/kill.eve" \
	    >/dev/null 2>"$tmp/kill.err" &
	pid=$!
	sleep "$(awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	st=$?
	ok=1
	why=
	if [ $st -eq 137 ]; then
		kills=$((kills + 1))
		# the runs left open (killed after their row was written)
		q "$tmp/kill.db" "select $chains || ':' || id from runs where ended is null" >>"$tmp/open.ids"
	elif [ $st -le 1 ]; then
		completed=$((completed + 1))
	else
		ok=0
		why="run ended with status $st: $(head -n 3 "$tmp/kill.err")"
	fi
	ic=$(q "$tmp/kill.db" "pragma integrity_check" 2>&1)
	if [ "$ic" != "ok" ]; then
		ok=0
		why="integrity_check after $ms ms: $ic"
	fi
	e=$(eve_lines "$tmp/kill.eve")
	case $e in
	"ok 0") ;;
	"ok 1") torn=$((torn + 1)) ;;
	*) ok=0; why="EVE after $ms ms: $e" ;;
	esac
	# Every run that had ended before is still there, unchanged.
	ended_runs >"$tmp/ended.now" 2>&1
	while read -r id nf np; do
		grep -q "^$id|$nf|$np\$" "$tmp/ended.now" || {
			ok=0
			why="run $id (ended, $nf flows, $np packets) changed: $(grep "^$id|" "$tmp/ended.now")"
		}
	done <"$tmp/ended"
	# A run that completed has every flow.
	if [ $st -le 1 ]; then
		last=$(tail -n 1 "$tmp/ended.now")
		case $last in
		*"|$FLOWS|"*) ;;
		*) ok=0; why="completed run lacks flows: $last" ;;
		esac
	fi
	tr '|' ' ' <"$tmp/ended.now" >"$tmp/ended"
	if [ $ok -eq 1 ]; then
		[ $st -eq 137 ] && survived=$((survived + 1))
	else
		lost=$((lost + 1))
		echo "  iteration $iter (kill after $ms ms): $why"
	fi
done <"$tmp/delays"
close_chain
left_open=$(sort -u "$tmp/open.ids" | wc -l)
echo "  kill -9: $iter runs, $kills killed while writing, $completed completed first, $survived kills survived, $torn left a partial EVE line"
lib_check "at least $KILLS kills landed while writing ($kills)" test $kills -ge "$KILLS"
lib_check "every kill survived: database intact, earlier runs whole, complete EVE lines parse ($survived of $kills)" \
    test $lost -eq 0 -a $survived -eq $kills
lib_check "after each chain's next run, every run is closed and every EVE line parses ($chains_ok of $chains chains)" \
    test $chains_ok -eq $chains
lib_check "every run a kill left open was closed as interrupted ($closed_interrupted of $left_open; the other kills came before their run's row)" \
    test $closed_interrupted -eq $left_open

# ---------------------------------------------------------------------------
# disk full, read-only database, locked database
# ---------------------------------------------------------------------------
"$gen" --big "$tmp/mid.pcap" 20000 || lib_error "gen-malformed --big failed"
"$bin" -q -c "$conf" -r "$tmp/mid.pcap" --eve "$tmp/ref.eve" >/dev/null 2>&1
ref_flows=$(grep -c '"event_type":"flow"' "$tmp/ref.eve")
ref_alerts=$(grep -c '"event_type":"alert"' "$tmp/ref.eve")
lib_check "reference run: $ref_flows flow events" test "$ref_flows" -eq 20000

# degraded DIR NAME: run mid.pcap with the database DIR/x.db and EVE on
# $tmp; the run must classify everything, write the whole EVE, report the
# database failure once, and exit 2.
degraded() {
	d=$1 name=$2
	rm -f "$tmp/$name.eve"
	timeout 60 "$bin" -c "$conf" -r "$tmp/mid.pcap" --db "$d/x.db" --eve "$tmp/$name.eve" \
	    >/dev/null 2>"$tmp/$name.err"
	st=$?
	f=$(grep -c '"event_type":"flow"' "$tmp/$name.eve" 2>/dev/null)
	a=$(grep -c '"event_type":"alert"' "$tmp/$name.eve" 2>/dev/null)
	n=$(grep -c -i 'database' "$tmp/$name.err")
	if [ $st -ne 2 ] || [ "${f:-0}" -ne "$ref_flows" ] || [ "${a:-0}" -ne "$ref_alerts" ] ||
	    ! grep -q '^flows: 20000 ' "$tmp/$name.err" || [ "$n" -lt 1 ] || [ "$n" -gt 2 ]; then
		echo "  $name: exit $st (want 2), EVE flows ${f:-0}/$ref_flows, alerts ${a:-0}/$ref_alerts," \
		    "$n database messages (want 1, plus at most one count); stderr:"
		sed 's/^/    /' "$tmp/$name.err" | head -n 8
		return 1
	fi
	return 0
}

if [ $is_root -eq 1 ] && mkdir "$tmp/full" && mount -t tmpfs -o size=256k tmpfs "$tmp/full" 2>/dev/null; then
	mounts="$mounts $tmp/full"
	lib_check "disk full: classification and EVE complete, failure logged once, exit 2" degraded "$tmp/full" full
	lib_check "disk full: the database is still intact" \
	    test "$(q "$tmp/full/x.db" 'pragma integrity_check' 2>&1)" = ok
else
	echo "SKIP: disk full needs root and tmpfs mounts"
fi

mkdir "$tmp/rosrc" "$tmp/ro"
"$bin" -q -c "$conf" -r "$sample" --db "$tmp/rosrc/x.db" >/dev/null 2>&1
if [ $is_root -eq 1 ]; then
	# root writes through any mode bits: make the file system read-only.
	if mount --bind "$tmp/rosrc" "$tmp/ro" 2>/dev/null && mounts="$tmp/ro $mounts" &&
	    mount -o remount,ro,bind "$tmp/ro" 2>/dev/null; then
		lib_check "read-only database: classification and EVE complete, failure logged once, exit 2" \
		    degraded "$tmp/ro" ro
	else
		echo "SKIP: read-only database needs bind mounts"
	fi
else
	chmod 0444 "$tmp/rosrc/x.db"
	chmod 0555 "$tmp/rosrc"
	lib_check "read-only database: classification and EVE complete, failure logged once, exit 2" \
	    degraded "$tmp/rosrc" ro
	chmod 0755 "$tmp/rosrc"
fi

# An analyst holds a read transaction open for 10 s while conformd writes.
"$bin" -q -c "$conf" -r "$sample" --db "$tmp/lock.db" >/dev/null 2>&1
( (printf 'BEGIN;\nSELECT count(*) FROM flows;\n'; sleep 10; printf 'COMMIT;\n') |
    sqlite3 "$tmp/lock.db" >"$tmp/reader.out" 2>&1 ) &
reader=$!
sleep 1
t0=$(date +%s%N)
timeout 30 "$bin" -q -c "$conf" -r "$tmp/mid.pcap" --db "$tmp/lock.db" >/dev/null 2>"$tmp/lock.err"
st=$?
t1=$(date +%s%N)
lock_ms=$(( (t1 - t0) / 1000000 ))
still=0
kill -0 $reader 2>/dev/null && still=1
wait $reader
lib_check "locked by a reader: the reader held its transaction throughout" test $still -eq 1
lib_check "locked by a reader: run completes (exit $st) in ${lock_ms} ms, no error" \
    test $st -le 1 -a $lock_ms -lt 9000 -a ! -s "$tmp/lock.err"
lib_check "locked by a reader: all 20000 flows of the run are there" \
    test "$(q "$tmp/lock.db" 'select count(*) from flows where run_id = (select max(id) from runs)')" -eq 20000

# Another process holds the write lock (BEGIN EXCLUSIVE) for 3 s as the
# run begins: -r waits for it (up to 10 s), then writes its run and every
# row with it.
"$bin" -q -c "$conf" -r "$sample" --db "$tmp/xlock.db" >/dev/null 2>&1
( (printf 'BEGIN EXCLUSIVE;\nSELECT 1;\n'; sleep 3; printf 'COMMIT;\n') |
    sqlite3 "$tmp/xlock.db" >"$tmp/xlock-holder.out" 2>&1 ) &
holder=$!
sleep 0.5
t0=$(date +%s%N)
timeout 60 "$bin" -q -c "$conf" -r "$tmp/mid.pcap" --db "$tmp/xlock.db" --eve "$tmp/xlock.eve" \
    >/dev/null 2>"$tmp/xlock.err"
st=$?
t1=$(date +%s%N)
xlock_ms=$(( (t1 - t0) / 1000000 ))
wait $holder
lib_check "write-locked at start: the run waits for the lock and completes (exit $st, ${xlock_ms} ms, no error)" \
    test $st -le 1 -a $xlock_ms -lt 15000 -a ! -s "$tmp/xlock.err"
lib_check "write-locked at start: the run row is there, ended, with all 20000 flows" \
    test "$(q "$tmp/xlock.db" 'select count(*), ended is not null from flows f join runs r on r.id = f.run_id
        where r.id = (select max(id) from runs)' | tr '|' ' ')" = "20000 1"
lib_check "write-locked at start: no row without its run" \
    test "$(q "$tmp/xlock.db" 'select (select count(*) from flows where run_id is null) +
        (select count(*) from findings where last_run is null)')" -eq 0

# ---------------------------------------------------------------------------
# a database that is not conformd's, and a damaged one
# ---------------------------------------------------------------------------
# refused DB WHAT: -r with --db DB exits 2 naming it with WHAT, the file's
# bytes are unchanged, and EVE gets every flow all the same.
refused() {
	db=$1 what=$2
	before=$(sha256sum "$db" | cut -d' ' -f1)
	rm -f "$tmp/refused.eve"
	timeout 60 "$bin" -c "$conf" -r "$tmp/mid.pcap" --db "$db" --eve "$tmp/refused.eve" \
	    >/dev/null 2>"$tmp/refused.err"
	st=$?
	after=$(sha256sum "$db" | cut -d' ' -f1)
	f=$(grep -c '"event_type":"flow"' "$tmp/refused.eve" 2>/dev/null)
	if [ $st -ne 2 ] || [ "$before" != "$after" ] || [ -e "$db-wal" ] ||
	    ! grep -q -F "$db: $what" "$tmp/refused.err" || [ "${f:-0}" -ne "$ref_flows" ]; then
		echo "  $db: exit $st (want 2), bytes $( [ "$before" = "$after" ] && echo unchanged || echo CHANGED ), EVE flows ${f:-0}/$ref_flows; stderr:"
		sed 's/^/    /' "$tmp/refused.err" | head -n 4
		return 1
	fi
	echo "  $(grep -m1 -F "$db: $what" "$tmp/refused.err" | sed 's/^conformd: //')"
	return 0
}
sqlite3 "$tmp/foreign.db" "create table runs (id integer primary key, x); create table notes (t);
    pragma user_version = 2;"
lib_check "a foreign database with user_version 2: refused untouched (journal mode still $(q "$tmp/foreign.db" 'pragma journal_mode'))" \
    refused "$tmp/foreign.db" "not a conformd database"
lib_check "... and not switched to WAL" test "$(q "$tmp/foreign.db" 'pragma journal_mode')" = delete
"$bin" -q -c "$conf" -r "$tmp/mid.pcap" --db "$tmp/damaged.db" >/dev/null 2>&1
# scribble over the header of a page of table flows (the file is whole:
# the last connection checkpointed the WAL away)
python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(16384 * 10)
    f.write(b"\xff" * 16)' "$tmp/damaged.db"
lib_check "a database that fails quick_check: refused untouched" \
    refused "$tmp/damaged.db" "damaged: PRAGMA quick_check says"

# ---------------------------------------------------------------------------
# FIFOs
# ---------------------------------------------------------------------------
sample_packets=220
mkfifo "$tmp/fifo"
cat "$sample" >"$tmp/fifo" &
timeout 20 "$bin" -q -c "$conf" -r "$tmp/fifo" --db "$tmp/fifo.db" >/dev/null 2>"$tmp/fifo.err"
st=$?
wait
lib_check "-r FIFO fed a capture: read like the file (exit $st)" \
    test $st -eq 1 -a "$(q "$tmp/fifo.db" "select value from counters where name='packets'")" -eq $sample_packets

( sleep 0.5; : >"$tmp/fifo" ) &
timeout 20 "$bin" -c "$conf" -r "$tmp/fifo" >/dev/null 2>"$tmp/fifo.err"
st=$?
wait
lib_check "-r FIFO whose writer closes at once: exit 2, names it" \
    sh -c "test $st -eq 2 && grep -q -F '$tmp/fifo: ' '$tmp/fifo.err'"

# Nobody writes: conformd waits for a writer (as tcpdump -r does) and
# ends with a clear error once one comes and goes.
timeout 20 "$bin" -c "$conf" -r "$tmp/fifo" >/dev/null 2>"$tmp/fifo.err" &
pid=$!
sleep 1
waiting=0
kill -0 $pid 2>/dev/null && waiting=1
: >"$tmp/fifo"
wait $pid
st=$?
lib_check "-r FIFO with no writer: waits, then exit 2 when a writer closes (exit $st)" \
    sh -c "test $waiting -eq 1 -a $st -eq 2 && grep -q -F '$tmp/fifo: ' '$tmp/fifo.err'"

# ---------------------------------------------------------------------------
# symbolic links and modes
# ---------------------------------------------------------------------------
# not_through OPTION LINK VICTIM: conformd refuses, the victim is untouched.
not_through() {
	opt=$1 link=$2 victim=$3
	before=$(cat "$victim" 2>/dev/null; echo x)
	timeout 20 "$bin" -q -c "$conf" -r "$sample" "$opt" "$link" >/dev/null 2>"$tmp/link.err"
	st=$?
	after=$(cat "$victim" 2>/dev/null; echo x)
	if [ $st -ne 2 ] || [ "$before" != "$after" ] || ! grep -q -F "$link" "$tmp/link.err"; then
		echo "  $opt $link -> $victim: exit $st (want 2), victim $( [ "$before" = "$after" ] && echo untouched || echo CHANGED ); stderr:"
		sed 's/^/    /' "$tmp/link.err" | head -n 4
		return 1
	fi
	return 0
}
not_created() {
	opt=$1 link=$2 target=$3
	timeout 20 "$bin" -q -c "$conf" -r "$sample" "$opt" "$link" >/dev/null 2>"$tmp/link.err"
	st=$?
	if [ $st -ne 2 ] || [ -e "$target" ]; then
		echo "  $opt $link -> (dangling) $target: exit $st (want 2), target $( [ -e "$target" ] && echo CREATED || echo absent )"
		sed 's/^/    /' "$tmp/link.err" | head -n 4
		return 1
	fi
	return 0
}

echo "precious" >"$tmp/victim.txt"
: >"$tmp/victim.db"
ln -s "$tmp/victim.txt" "$tmp/eve-link.json"
ln -s "$tmp/victim.db" "$tmp/db-link.db"
ln -s "$tmp/nowhere.json" "$tmp/eve-dangling.json"
ln -s "$tmp/nowhere.db" "$tmp/db-dangling.db"
lib_check "--eve through a symlink: refused, target untouched" not_through --eve "$tmp/eve-link.json" "$tmp/victim.txt"
lib_check "--eve through a dangling symlink: refused, nothing created" not_created --eve "$tmp/eve-dangling.json" "$tmp/nowhere.json"
lib_check "--db through a symlink: refused, target untouched" not_through --db "$tmp/db-link.db" "$tmp/victim.db"
lib_check "--db through a dangling symlink: refused, nothing created" not_created --db "$tmp/db-dangling.db" "$tmp/nowhere.db"

# A directory reached through a symbolic link (Debian's /var/run is /run)
# is no link to the file: the database and EVE file in it are written, and
# the checkpoint thread opens the same database.
mkdir "$tmp/real-dir"
ln -s "$tmp/real-dir" "$tmp/linked-dir"
timeout 20 "$bin" -q -c "$conf" -r "$sample" --db "$tmp/linked-dir/x.db" \
    --eve "$tmp/linked-dir/x.eve" >/dev/null 2>"$tmp/linked.err"
st=$?
lib_check "--db and --eve in a directory reached through a symlink: written (exit $st)" \
    sh -c "test $st -le 1 && test -s '$tmp/real-dir/x.eve' &&
        test \"\$(sqlite3 '$tmp/real-dir/x.db' 'SELECT count(*) > 0 FROM flows')\" = 1 &&
        ! grep -q . '$tmp/linked.err'"

"$bin" -q -c "$conf" -r "$sample" --db "$tmp/new.db" --eve "$tmp/new.eve" >/dev/null 2>&1
lib_check "a new database is created with mode 0640 (umask 022)" \
    test "$(stat -c %a "$tmp/new.db")" = 640
lib_check "a new EVE file is created with mode 0640 (umask 022)" \
    test "$(stat -c %a "$tmp/new.eve")" = 640

lib_summary
