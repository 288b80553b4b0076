#!/usr/bin/env bash
# bench/records-floor.sh - the 1M-flow file with outputs on, part by part:
# what `conformd -r --db --eve` takes, what each output alone takes, and
# what SQLite and the kernel alone take to store the same records, with
# no conformd code in the way.  It answers one question of issue 7: can
# that file reach 0.3 times the libpcap floor with outputs on here?
#
# usage: bench/records-floor.sh [--runs N] [--name NAME]
#   --runs N     measurements of each part (default 3, or $RUNS)
#   --name NAME  the bench file (default 10000000p-1000000f-64; bench/run.sh
#                generates it, with its configuration, into bench/out/)
# environment: CONFORMD (default <top>/conformd), RUNS.
#
# Parts, alternating, each run on fresh output files:
#   floor        bench/out/pcap-count (libpcap counting packets; its own clock)
#   reader       bench/out/pcapfile-count (conformd's reader counting packets)
#   off          conformd -r, outputs off (classification; no record built)
#   db, eve, db+eve
#                conformd -r with --db, --eve, both
#   sql-rows     sqlite3 alone: the flows rows of one db run, copied first
#                into an in-memory database (not timed), inserted into a new
#                file with conformd's flows table, page size and pragmas, in
#                one transaction, no index (the cheapest way SQLite has to
#                store those rows)
#   sql-index    sqlite3 alone: then every flows index conformd builds (seven)
#   eve-bytes    the kernel alone: the EVE file of one eve run copied
#                into a new file (the bytes, no formatting)
# Every flow of the file lives to its end, so no record can be written
# before the last packet is classified: the SQLite rows follow "off" on
# the critical path.  Prints medians (seconds), the budget (floor / 0.3)
# and those sums.  Logs in bench/out/records-floor/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$here/out
CONFORMD=${CONFORMD:-$top/conformd}
runs=${RUNS:-3}
name=10000000p-1000000f-64

die() { echo "records-floor.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case $1 in
	--runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift ;;
	--name) [ $# -ge 2 ] || die "--name needs a file name"; name=$2; shift ;;
	-h|--help) sed -n '2,30p' "$0"; exit 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) die "--runs: \"$runs\" is not a positive number" ;; esac
pcap=$out/$name.pcap conf=$out/$name-conformd.conf
for f in "$pcap" "$conf" "$out/pcap-count" "$out/pcapfile-count"; do
	[ -f "$f" ] || die "$f missing: run bench/run.sh once first (it builds and generates them)"
done
[ -x "$CONFORMD" ] || die "$CONFORMD not found or not executable (set CONFORMD)"
command -v sqlite3 > /dev/null || die "sqlite3 not installed (Debian package sqlite3)"

w=$out/records-floor
mkdir -p "$w"
exec > >(tee "$w/last-run.txt") 2>&1
echo "machine:  $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "conformd: $CONFORMD ($(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "sqlite3:  $(sqlite3 --version | cut -d' ' -f1)"
echo "file:     $name.pcap, $runs runs of each part"
echo

now() { date +%s.%N; }
declare -A sum
record() {	# part seconds
	sum[$1]="${sum[$1]:-} $2"
	printf '  %-10s %7.3f s\n' "$1" "$2"
}
wall() {	# part cmd...: the command's wall time; exit 0 or 1 only
	local p=$1 t0 t1 rc=0; shift
	t0=$(now)
	"$@" > "$w/$p.out" 2> "$w/$p.err" || rc=$?
	t1=$(now)
	[ $rc -le 1 ] || { cat "$w/$p.err"; die "$p exited $rc"; }
	record "$p" "$(echo "$t1 - $t0" | bc -l)"
}
own_clock() {	# part cmd...: the reader's own seconds= (the read loop alone)
	local p=$1; shift
	"$@" > "$w/$p.out" 2> "$w/$p.err" || { cat "$w/$p.err"; die "$p failed"; }
	record "$p" "$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$w/$p.out")"
}
fresh() { rm -f "$w"/x.db "$w"/x.db-wal "$w"/x.db-shm "$w"/x.eve "$w"/y.db "$w"/y.db-wal "$w"/y.db-shm "$w"/y.eve; }
sqlite_time() {	# part script: sqlite3's own "Run Time: real" of the statement after .timer on
	local p=$1 script=$2
	sqlite3 "$w/y.db" < "$script" > "$w/$p.out" 2> "$w/$p.err" || { cat "$w/$p.err"; die "$p: sqlite3 failed"; }
	record "$p" "$(awk '/^Run Time:/ { s += $4 } END { print s }' "$w/$p.out")"
}

cat "$pcap" > /dev/null		# warm the page cache
# One db run and one eve run to copy from (not counted).
fresh
"$CONFORMD" -q -r "$pcap" -c "$conf" --db "$w/src.db" --eve "$w/src.eve" > /dev/null 2>&1 || [ $? = 1 ] ||
    die "conformd failed on $name"
rm -f "$w/src.db" "$w/src.db-wal" "$w/src.db-shm" "$w/src.eve"
"$CONFORMD" -q -r "$pcap" -c "$conf" --db "$w/src.db" --eve "$w/src.eve" > /dev/null 2>&1 || [ $? = 1 ] ||
    die "conformd failed on $name"
rows=$(sqlite3 "$w/src.db" "SELECT count(*) FROM flows")
flows_sql=$(sqlite3 "$w/src.db" "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'flows'")
index_sql=$(sqlite3 "$w/src.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'flows'")
page=$(sqlite3 "$w/src.db" "PRAGMA page_size")
[ -n "$flows_sql" ] && [ -n "$index_sql" ] || die "$w/src.db: no flows table or index"
echo "records:  $rows flow rows, $(stat -c %s "$w/src.eve") bytes of EVE, page size $page"
cat > "$w/rows.sql" <<SQL
PRAGMA page_size = $page;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
ATTACH ':memory:' AS m;
$(echo "$flows_sql" | sed 's/^CREATE TABLE flows/CREATE TABLE m.flows/');
ATTACH '$w/src.db' AS s;
INSERT INTO m.flows SELECT * FROM s.flows;
DETACH s;
$flows_sql;
.timer on
BEGIN; INSERT INTO main.flows SELECT * FROM m.flows; COMMIT;
SQL
{ echo ".timer on"; echo "$index_sql"; } > "$w/index.sql"

for run in $(seq 1 "$runs"); do
	echo "run $run"
	own_clock floor "$out/pcap-count" "$pcap"
	own_clock reader "$out/pcapfile-count" "$pcap"
	fresh; wall off "$CONFORMD" -q -r "$pcap" -c "$conf"
	fresh; wall db "$CONFORMD" -q -r "$pcap" -c "$conf" --db "$w/x.db"
	fresh; wall eve "$CONFORMD" -q -r "$pcap" -c "$conf" --eve "$w/x.eve"
	fresh; wall db+eve "$CONFORMD" -q -r "$pcap" -c "$conf" --db "$w/x.db" --eve "$w/x.eve"
	fresh; sqlite_time sql-rows "$w/rows.sql"
	n=$(sqlite3 "$w/y.db" "SELECT count(*) FROM flows")
	[ "$n" = "$rows" ] || die "sql-rows stored $n rows, not $rows"
	sqlite_time sql-index "$w/index.sql"
	fresh; wall eve-bytes cp "$w/src.eve" "$w/y.eve"
done
fresh

med() { tr ' ' '\n' <<< "${sum[$1]}" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "medians (s):"
for p in floor reader off db eve db+eve sql-rows sql-index eve-bytes; do
	printf '  %-10s %7.3f\n' "$p" "$(med "$p")"
done
awk -v fl="$(med floor)" -v rd="$(med reader)" -v off="$(med off)" -v both="$(med db+eve)" \
    -v db="$(med db)" -v eve="$(med eve)" -v rows="$(med sql-rows)" -v idx="$(med sql-index)" \
    -v evb="$(med eve-bytes)" '
function line(what, s, why) {
	printf "  %-30s %.3f s  (%s the budget%s)\n", what, s, (s > b ? "over" : "under"), why
}
BEGIN {
	b = fl / 0.3
	printf "\nbudget for 0.3x the floor: %.3f s\n", b
	printf "  conformd --db --eve            %.3f s  = %.3fx the floor\n", both, fl / both
	printf "  conformd --db                  %.3f s  = %.3fx\n", db, fl / db
	printf "  conformd --eve                 %.3f s  = %.3fx\n", eve, fl / eve
	printf "sums on the critical path (every record waits for the last packet):\n"
	line("off + sql-rows", off + rows, "")
	line("off + sql-rows + sql-index", off + rows + idx, "")
	line("reader + sql-rows + sql-index", rd + rows + idx, ": a classifier that cost nothing")
	line("off + eve-bytes", off + evb, ": the EVE bytes alone, no formatting")
}'
