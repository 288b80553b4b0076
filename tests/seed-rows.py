#!/usr/bin/env python3
"""seed-rows.py - check that the shipped rules cover every row of the seed.

Usage: seed-rows.py SEED.md RULES

SEED.md is the seed document (lync2013-internal-ports.ru.md): four HTML
tables (server ports by role, hardware load balancer ports twice, client
ports).  For every non-empty row of each table's <tbody>, numbered from 1
in document order, a rule with id T<table>R<row> must exist in RULES, and
its `port` and `proto` must agree with the row's port and protocol cells
(a "67/68" DHCP cell reads as port 67: the client's request goes to 67,
the answer to 68).  tests/pack-rows.py holds the packs against the English
original; this test keeps the seed's rows covered.
A rule T<t>R<r> without a seed row is an error too.  Prints one line per
problem and a summary "seed-rows: N rows checked, N missing"; exits 1 on
any problem, 0 otherwise.
"""
import re
import shlex
import sys
from html.parser import HTMLParser

# Column (0-based) of the port and protocol cells in each table.
COLUMNS = {1: (2, 3), 2: (1, 2), 3: (1, 2), 4: (1, 2)}


class Tables(HTMLParser):
    """Collect the cell texts of every <tbody> row, table by table."""

    def __init__(self):
        super().__init__()
        self.tables = []        # list of tables; a table is a list of rows
        self.in_tbody = False
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tbody":
            self.in_tbody = True
        elif tag == "tr" and self.in_tbody:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in ("p", "br") and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_tbody = False
        elif tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            self.row.append(text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data.replace("\u00a0", " "))


def seed_ports(cell):
    """The seed's port cell as the rules file writes it."""
    cell = cell.strip()
    if re.fullmatch(r"1024-65535\s*\*", cell):
        return "client-media"          # the configurable client media range
    m = re.fullmatch(r"(\d+)/(\d+)", cell)
    if m:
        # 67/68, the DHCP rows (T4R1, T4R12): the client sends to the
        # server port 67 and the answer comes back to 68, so the rule names
        # 67 and is reqresp (the English original's reading; see
        # rules/lync2013.rules).
        return m.group(1)
    if re.fullmatch(r"\d+(-\d+)?", cell):
        return cell
    return None


def seed_proto(cell):
    """The transport a protocol cell implies; None when the cell is empty."""
    c = cell.upper()
    if c == "":
        return None
    has_tcp = "TCP" in c or "HTTP" in c or "DCOM" in c or "RPC" in c
    has_udp = "UDP" in c
    if has_tcp and has_udp:
        return "tcp/udp"
    if has_udp:
        return "udp"
    if has_tcp:
        return "tcp"
    if cell.strip() == "Протокол":     # the 67/68 rows: DHCP, a UDP protocol
        return "udp"
    return "?"


def canon_ports(text):
    """Normalise a rule's port list (single ports as N, ranges as N-M)."""
    out = []
    for elem in text.split(","):
        lo, _, hi = elem.partition("-")
        out.append(lo if not hi or lo == hi else "%s-%s" % (lo, hi))
    return ",".join(out)


def read_rules(path):
    """{id: {key: value}} of every `rule` statement in a rules file."""
    rules = {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # Join continued lines; blocks are not used by the shipped file.
    text = re.sub(r"\\[ \t\r]*\n", " ", text)
    for lineno, line in enumerate(text.split("\n"), 1):
        words = shlex.split(line, comments=True, posix=True)
        if not words or words[0] != "rule" or len(words) < 2:
            continue
        fields = {}
        i = 2
        while i < len(words):
            key = words[i]
            if key in ("optional", "reqresp"):
                fields[key] = True
                i += 1
            else:
                fields[key] = words[i + 1] if i + 1 < len(words) else ""
                i += 2
        rules[words[1]] = fields
    return rules


def main(argv):
    if len(argv) != 3:
        print("usage: seed-rows.py SEED.md RULES", file=sys.stderr)
        return 2
    parser = Tables()
    with open(argv[1], encoding="utf-8") as f:
        parser.feed(f.read())
    rules = read_rules(argv[2])

    if len(parser.tables) != 4:
        print("seed-rows: expected 4 tables in the seed, found %d"
              % len(parser.tables))
        return 1

    checked = missing = bad = 0
    seen = set()
    for t, table in enumerate(parser.tables, 1):
        pcol, qcol = COLUMNS[t]
        for r, row in enumerate(table, 1):
            rid = "T%dR%d" % (t, r)
            if all(c == "" for c in row):
                continue                # an empty row (T3R6): no rule expected
            seen.add(rid)
            checked += 1
            rule = rules.get(rid)
            if rule is None:
                print("seed-rows: %s missing (seed: port %s, protocol %s)"
                      % (rid, row[pcol], row[qcol] or "-"))
                missing += 1
                continue
            want_port = seed_ports(row[pcol])
            have_port = canon_ports(rule.get("port", ""))
            if want_port is None or want_port != have_port:
                print("seed-rows: %s port %s, seed port cell %r"
                      % (rid, have_port, row[pcol]))
                bad += 1
            want_proto = seed_proto(row[qcol])
            have_proto = rule.get("proto", "")
            if want_proto is not None and want_proto != have_proto:
                print("seed-rows: %s proto %s, seed protocol cell %r (%s)"
                      % (rid, have_proto, row[qcol], want_proto))
                bad += 1
            table_row = (rule.get("table"), rule.get("row"))
            if table_row != (str(t), str(r)):
                print("seed-rows: %s says table %s row %s"
                      % (rid, table_row[0], table_row[1]))
                bad += 1
    for rid in sorted(rules):
        if re.fullmatch(r"T\d+R\d+", rid) and rid not in seen:
            print("seed-rows: rule %s has no row in the seed" % rid)
            bad += 1
    print("seed-rows: %d rows checked, %d missing" % (checked, missing))
    return 1 if missing or bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
