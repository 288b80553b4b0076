#!/usr/bin/env python3
"""findings-count.py SUMMARY EVE DB - one definition of the findings count
(conformd(8), FINDINGS): the summary's "findings: N (...)" line, the EVE
alert events and the database's sum(count) of the findings table agree,
per kind and in total.  Prints the total; exits with a message naming the
first kind that differs (tests/findings-count.sh, findings-count-live.sh)."""
import collections, json, re, sqlite3, sys
summary, eve, db = sys.argv[1:4]
m = re.search(r"^findings: (\d+) \(unexpected (\d+), blocked (\d+), missing (\d+), "
              r"protocol_mismatch (\d+)(?:, scan (\d+))?\)", open(summary).read(), re.M)
if not m:
    sys.exit("no findings line in the summary")
kinds = ["unexpected", "blocked", "missing", "protocol_mismatch", "scan"]
s = dict(zip(kinds, (int(g or 0) for g in m.groups()[1:])))
s["total"] = int(m.group(1))
e = collections.Counter()
for l in open(eve):
    ev = json.loads(l)
    if ev["event_type"] == "alert":
        e[ev["conformance"]["verdict"]] += 1
e["total"] = sum(e.values())
d = collections.Counter(dict(sqlite3.connect(db).execute(
    "select kind, sum(count) from findings group by kind")))
d["total"] = sum(d.values())
for k in kinds + ["total"]:
    if not (s[k] == e[k] == d[k]):
        sys.exit("%s: summary %d, EVE alerts %d, findings table %d" % (k, s[k], e[k], d[k]))
print(s["total"])
