#!/usr/bin/env python3
"""coverage-matrix-check.py - read back what `conformd --coverage[=FORM]`
printed and compare it with the coverage rows the same run wrote.

  coverage-matrix-check.py FORM WIDTH OUTPUT DB

FORM: rules, hosts or csv.  Text forms: no line is wider than WIDTH, the
legend is there, and the mark under every (row, column) is the state of
that host and rule in the database's latest run (blank where it has no
row); every row the database has is printed.  csv: one line per row, the
same states, parsed by Python's csv module.  Prints "ok: ..." or
"FAIL: ..." lines; exits 1 when a check failed.
"""
import csv
import sqlite3
import sys

MARKS = {"seen": "+", "blocked": "B", "missing": "-", "optional-unseen": "o",
         "unobserved": "?", "not-applicable": "."}
failed = 0


def check(what, ok, why=""):
    global failed
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not why else ": " + why))
    if not ok:
        failed += 1


def main(form, width, path, dbpath):
    db = sqlite3.connect(dbpath)
    run = db.execute("select max(run_id) from coverage").fetchone()[0]
    want = {(h, r): s for h, r, s in db.execute(
        "select host, rule_id, state from coverage where run_id = ?", (run,))}
    text = open(path, encoding="utf-8").read()
    if form == "csv":
        rows = list(csv.DictReader(text.splitlines()))
        got = {(r["host"], r["rule"]): r["state"] for r in rows}
        check("csv: %d lines, one per coverage row" % len(rows), len(rows) == len(want))
        check("csv: every state is the database's", got == want,
              repr([k for k in set(got) | set(want) if got.get(k) != want.get(k)][:3]))
        return
    lines = text.split("\n")
    wide = [l for l in lines if len(l) > width]
    check("%s: no line wider than %d" % (form, width), not wide, repr(wide[:1]))
    legend = " ".join(lines[:lines.index("")])
    check("%s: a legend" % form, "+ seen" in legend and ". not applicable" in legend, legend)
    hosts = {h for h, _ in want}
    rules = {r for _, r in want}
    rows_are = rules if form == "rules" else hosts
    seen = {}
    i = lines.index("")
    while i < len(lines):
        if not lines[i] or " of " in lines[i] and lines[i].endswith(":"):
            i += 1
            continue
        # a block: its group line, its label line, then rows until blank
        header = lines[i + 1]
        cols = []
        pos = 0
        for word in header.split():
            pos = header.index(word, pos)
            cols.append((word, pos))
            pos += len(word)
        i += 2
        while i < len(lines) and lines[i] and not (" of " in lines[i] and lines[i].endswith(":")):
            line = lines[i]
            label = line[:cols[0][1] - 1].rstrip() if cols else ""
            i += 1
            if label not in rows_are:
                continue    # a group line
            for word, p in cols:
                c = p + (len(word) - 1) // 2
                mark = line[c] if c < len(line) else " "
                key = (label, word) if form == "hosts" else (word, label)
                seen[key] = mark
    wrong = []
    for key, mark in seen.items():
        exp = MARKS.get(want[key], "*") if key in want else " "
        if mark != exp:
            wrong.append((key, mark, exp))
    missing = [k for k in want if k not in seen]
    check("%s: %d cells read back, each the database's state" % (form, len(seen)),
          not wrong and len(seen) > 0, repr(wrong[:3]))
    check("%s: every coverage row is printed" % form, not missing, repr(missing[:3]))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
    sys.exit(1 if failed else 0)
