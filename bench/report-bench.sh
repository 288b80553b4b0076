#!/bin/sh
# bench/report-bench.sh - how long `conformd --report --html` takes on a
# large site, and whether a browser opens the page it writes.
#
#   bench/report-bench.sh [--hosts N] [--flows N] [--keep DIR]
#
# The site: the Lync Server 2013 rules plus rows of table 3 (100 rules) and
# an inventory of 2,000 hosts (50 Front End pools of 20 members with
# their VIPs, 400 Directors, 400 Mediation Servers, 150 Persistent Chat
# servers; --hosts scales it).  conformd itself writes the database's
# schema, rules, hosts and one coverage row per applicable (host, rule)
# from a capture without traffic; then SQL fills it as months of a real
# sensor would: 1,000,000 flows (--flows) over 30 days between the
# inventory's addresses and 10,000 clients (97% expected, 2% unexpected,
# 1% unmonitored), the findings they raise (unexpected flows grouped on
# the findings key, counted), and the coverage states (about 70% seen, 5%
# blocked with evidence, 15% missing with their findings, the rest
# optional-unseen or unobserved).
#
# Measured: the time and peak memory of --report --html (GNU time), the
# page's size, and headless Chromium (network off) loading it:
# --dump-dom (parse, layout, the inline script) with the number of
# heatmap cells and findings rows it gives, and a --screenshot.
# Needs sqlite3, python3, chromium, /usr/bin/time; a built ./conformd or
# CONFORMD=path.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
conformd=${CONFORMD:-$top/conformd}
pools=50 members=20 dirs=400 meds=400 pchats=150 flows=1000000 keep=
while [ $# -gt 0 ]; do
	case $1 in
	--hosts) scale=$2; shift 2
		pools=$((scale / 40)) dirs=$((scale / 5)) meds=$((scale / 5))
		pchats=$((scale - pools * (members + 1) - dirs - meds)) ;;
	--flows) flows=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	*) echo "usage: $0 [--hosts N] [--flows N] [--keep DIR]" >&2; exit 2 ;;
	esac
done
for t in sqlite3 python3 chromium; do
	command -v $t >/dev/null 2>&1 || { echo "report-bench: needs $t" >&2; exit 2; }
done
[ -x "$conformd" ] || { echo "report-bench: no conformd at $conformd" >&2; exit 2; }
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	dir=$(cd "$keep" && pwd)
else
	dir=$(mktemp -d /tmp/conformd-report-bench.XXXXXX)
	trap 'rm -rf "$dir"' EXIT INT TERM
fi
cd "$dir"
rm -f site.db site.db-* page.html

# --- the site ----------------------------------------------------------------
# the shipped rules and as many more rows of table 3 as make 100
extra=$((100 - $(grep -c '^rule ' "$top/rules/lync2013.rules")))
{
	cat "$top/rules/lync2013.rules"
	for n in $(seq 1 $extra); do
		printf 'rule T3R%d table 3 row %d role front-end dir in proto tcp port %d service "bench service %d"\n' \
		    $((n + 40)) $((n + 40)) $((20000 + n)) $((n % 5))
	done
} >site.rules
python3 - "$pools" "$members" "$dirs" "$meds" "$pchats" >inventory.conf <<'EOF'
import sys
pools, members, dirs, meds, pchats = map(int, sys.argv[1:])
n = 0
def addr():
    # 198.18.0.0/15: 198.18.x.y and 198.19.x.y, skipping .0 and .255
    global n
    n += 1
    a, b = divmod(n, 250)
    return "198.%d.%d.%d" % (18 + a // 250, a % 250, b + 1)
print("client-media-ports 50000-50999")
for p in range(1, pools + 1):
    print("pool fepool%d {\n\ttype front-end\n\tload-balancing hardware\n\tvip %s" % (p, addr()))
    for m in range(1, members + 1):
        print("\tmember fe%d-%d %s" % (p, m, addr()))
    print("\tcollocated-mediation yes\n\tcms fe%d-1\n}" % p)
for i in range(1, dirs + 1):
    print("host dir%d %s role director" % (i, addr()))
for i in range(1, meds + 1):
    print("host med%d %s role mediation" % (i, addr()))
for i in range(1, pchats + 1):
    print("host pchat%d %s role persistent-chat" % (i, addr()))
print("network clients 198.19.200.0/22 role client")
EOF
printf 'rules site.rules\ninventory inventory.conf\n' >site.conf
"$conformd" -T -c site.conf
# a capture with no packets: the run writes rules, hosts and coverage
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >empty.pcap
"$conformd" -q -c site.conf -r empty.pcap --db site.db || [ $? -eq 1 ]

# --- months of traffic ---------------------------------------------------------
t0=$(date +%s)
sqlite3 site.db >/dev/null <<EOF
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TEMP TABLE addr AS SELECT rowid AS i, name,
  CASE WHEN instr(addresses, ',') > 0 THEN substr(addresses, 1, instr(addresses, ',') - 1)
  ELSE addresses END AS ip FROM hosts WHERE kind != 'network';
CREATE TEMP TABLE seq AS WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s
  WHERE x < $flows - 1) SELECT x FROM s;
-- 30 days from 2026-11-01, a flow every 2.6 s on average
INSERT INTO flows (run_id, flow_id, proto, src_ip, src_port, dest_ip, dest_port, first_ts,
  last_ts, first_usec, last_usec, pkts_toserver, pkts_toclient, bytes_toserver,
  bytes_toclient, state, conn_state, end_reason, verdict, rule_id, src_host, dest_host)
SELECT 1, x, CASE WHEN x % 5 = 0 THEN 'UDP' ELSE 'TCP' END,
  '198.19.' || (200 + (x * 7 % 10000) / 250) || '.' || (1 + (x * 7 % 10000) % 250),
  49152 + x % 16384, a.ip,
  CASE WHEN x % 100 < 97 THEN 5061 WHEN x % 100 < 99 THEN 20 + (x * 13 % 2000) ELSE 53 END,
  strftime('%Y-%m-%dT%H:%M:%S', 1793491200 + x * 2592000 / $flows, 'unixepoch') || '.000000Z',
  strftime('%Y-%m-%dT%H:%M:%S', 1793491200 + x * 2592000 / $flows + 3, 'unixepoch') || '.000000Z',
  (1793491200 + x * 2592000 / $flows) * 1000000, (1793491200 + x * 2592000 / $flows + 3) * 1000000,
  8, 6, 1200 + x % 3000, 900 + x % 5000, 'closed', 'closed', 'timeout',
  CASE WHEN x % 100 < 97 THEN 'expected' WHEN x % 100 < 99 THEN 'unexpected'
  ELSE 'unmonitored' END,
  CASE WHEN x % 100 < 97 THEN 'T1R3' END, NULL, a.name
FROM seq JOIN addr a ON a.i = 1 + (x * 31 % (SELECT count(*) FROM addr));
INSERT INTO findings (kind, src_ip, dest_ip, dest_port, proto, host, rule_id, src_role,
  dest_role, severity, signature, evidence, count, first_seen, first_seen_usec, last_seen,
  last_seen_usec, first_run, last_run)
SELECT 'unexpected', src_ip, dest_ip, dest_port, proto, '', '', 'client', 'front-end', 2,
  'conformd unexpected ' || proto || '/' || dest_port, NULL, count(*), min(first_ts),
  min(first_usec), max(last_ts), max(last_usec), 1, 1
FROM flows WHERE verdict = 'unexpected' GROUP BY src_ip, dest_ip, dest_port, proto;
-- coverage states, by a hash of (host, rule)
UPDATE coverage SET
  state = CASE WHEN (rowid * 2654435761) % 100 < 70 THEN 'seen'
    WHEN (rowid * 2654435761) % 100 < 75 THEN 'blocked'
    WHEN (rowid * 2654435761) % 100 < 90 THEN 'missing'
    WHEN (rowid * 2654435761) % 100 < 95 THEN 'optional-unseen' ELSE 'unobserved' END;
UPDATE coverage SET flows = 1 + rowid % 500, bytes = (1 + rowid % 500) * 2100,
  first_seen = '2026-11-01T00:00:00.000000Z', first_seen_usec = 1793491200000000,
  last_seen = '2026-11-30T23:00:00.000000Z', last_seen_usec = 1796080800000000
  WHERE state = 'seen';
UPDATE coverage SET evidence = 'no answer to 3 SYNs' WHERE state = 'blocked';
INSERT INTO findings (kind, src_ip, dest_ip, dest_port, proto, host, rule_id, severity,
  signature, evidence, count, first_seen, first_seen_usec, last_seen, last_seen_usec,
  first_run, last_run)
SELECT CASE c.state WHEN 'blocked' THEN 'blocked' ELSE 'missing' END,
  '', coalesce(a.ip, ''), 0, '', c.host, c.rule_id, 3, 'conformd ' || c.state || ' ' || c.rule_id,
  c.evidence, 1, '2026-12-01T00:00:00.000000Z', 1796083200000000,
  '2026-12-01T00:00:00.000000Z', 1796083200000000, 1, 1
FROM coverage c LEFT JOIN addr a ON a.name = c.host WHERE c.state IN ('missing', 'blocked');
INSERT OR REPLACE INTO counters (run_id, name, value) VALUES (1, 'packets', $flows * 14),
  (1, 'flows.created', $flows);
CREATE INDEX IF NOT EXISTS flows_verdict ON flows(verdict);
EOF
t1=$(date +%s)
echo "database: $(du -k site.db | cut -f1) KiB in $((t1 - t0)) s:" \
    "$(sqlite3 site.db "select (select count(*) from hosts) || ' inventory entries, ' ||
	(select count(*) from rules) || ' rules, ' || (select count(*) from flows) || ' flows, ' ||
	(select count(*) from coverage) || ' coverage rows, ' || (select count(*) from findings) ||
	' findings'")"

# --- the page -------------------------------------------------------------------
/usr/bin/time -f '%e s wall, %U s user, %M KiB peak' -o time.txt \
    "$conformd" --report --html page.html site.db || [ $? -eq 1 ]
echo "report --html: $(tail -1 time.txt); page $(du -k page.html | cut -f1) KiB"
/usr/bin/time -f '%e s wall' -o time.txt \
    "$conformd" --report site.db >/dev/null || [ $? -eq 1 ]
echo "report (text), for comparison: $(tail -1 time.txt)"
# chromium, network off (its own namespace when it can), a fresh profile
cat >chrome.sh <<'EOF2'
#!/bin/sh
rm -rf "$CHROME_DIR/profile"
ns=
unshare --net true 2>/dev/null && ns="unshare --net"
exec $ns timeout 600 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --proxy-server=127.0.0.1:9 "--host-resolver-rules=MAP * ~NOTFOUND" \
    --user-data-dir="$CHROME_DIR/profile" "$@" 2>>"$CHROME_DIR/chromium.err"
EOF2
chmod +x chrome.sh
export CHROME_DIR="$dir"
/usr/bin/time -f '%e s wall, %M KiB peak' -o time.txt ./chrome.sh --dump-dom "file://$dir/page.html" >dom.html
echo "chromium --dump-dom: $(tail -1 time.txt); DOM $(du -k dom.html | cut -f1) KiB," \
    "$(grep -o 'data-state=' dom.html | wc -l) heatmap cells" \
    "(database: $(sqlite3 site.db 'select count(*) from coverage')), $(grep -o '<tr data-kind=' dom.html | wc -l)" \
    "findings rows (database: $(sqlite3 site.db 'select count(*) from findings'))," \
    "script ran: $(grep -c '<form class="filter noprint" id="ffilter">' dom.html)"
/usr/bin/time -f '%e s wall, %M KiB peak' -o time.txt ./chrome.sh --window-size=1400,1000 \
    --screenshot="$dir/shot.png" "file://$dir/page.html" >/dev/null
echo "chromium --screenshot: $(tail -1 time.txt); PNG $(du -k shot.png | cut -f1) KiB"
