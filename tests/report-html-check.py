#!/usr/bin/env python3
"""report-html-check.py - check a page of `conformd --report --html`
(the file as written, or the DOM a browser made of it) against the
databases it was made from.

  report-html-check.py [--dom] [--hostile TEXT ...] PAGE DB [DB ...]

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 when a
check failed.  The expectations come from the databases through sqlite3,
merged the way conformd(8) says --report merges them:
  - every heatmap cell (data-host, data-rule, data-state) is the merged
    coverage row of its host and rule, and every merged row has a cell:
    per (host, rule) the state of lowest rank over each database's latest
    coverage run (seen, blocked, missing, optional-unseen, unobserved,
    not-applicable, then any other name);
  - the findings table has one row per distinct finding key, counts
    summed;
  - the page loads nothing: no src, no href but #fragments, no url() in
    CSS, one inline script, no event-handler attribute, only the tags
    and inline styles the writer makes;
  - --dom: the browser ran the inline script (the filter form is shown
    and says all rows are shown);
  - --hostile TEXT: TEXT (a hostile inventory name, note or evidence)
    comes back whole as text or attribute value, never as markup.
"""
import html.parser
import re
import sqlite3
import sys

ORDER = ["seen", "blocked", "missing", "optional-unseen", "unobserved",
         "not-applicable"]
TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3",
        "p", "nav", "a", "div", "b", "span", "code", "table", "thead",
        "tbody", "tr", "th", "td", "form", "label", "select", "option",
        "input", "section", "ul", "li", "svg", "line", "text", "rect",
        "script", "br"}
STYLE = re.compile(r"^(background:#[0-9a-f]{6}|width:[0-9]+\.[0-9]em)$")
failed = 0


def check(what, ok, why=""):
    global failed
    if ok:
        print("ok: " + what)
    else:
        failed += 1
        print("FAIL: " + what + (": " + why if why else ""))


def rank(state):
    return ORDER.index(state) + 1 if state in ORDER else 99


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells = []
        self.rows = []          # findings rows: data-kind
        self.counts = []        # the count column of each findings row
        self.tags = {}
        self.bad = []
        self.texts = []
        self.attrs = []
        self.stack = []
        self.in_findings = False
        self.td = 0
        self.form_hidden = None
        self.fcount = None
        self.in_fcount = False
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag not in TAGS:
            self.bad.append("tag " + tag)
        for k, v in attrs:
            self.attrs.append(v or "")
            if k.startswith("on") or k == "src":
                self.bad.append("attribute %s=%r" % (k, v))
            if k == "href" and not (v or "").startswith("#"):
                self.bad.append("href %r" % v)
            if k == "style" and not STYLE.match(v or ""):
                self.bad.append("style %r" % v)
        if tag == "td" and "data-state" in a:
            self.cells.append((a.get("data-host"), a.get("data-rule"),
                               a["data-state"]))
        if tag == "table" and a.get("id") == "findings":
            self.in_findings = True
        if tag == "tr" and self.in_findings and "data-kind" in a:
            self.rows.append(a["data-kind"])
            self.td = 0
        if tag == "td" and self.in_findings:
            self.td += 1
            self.in_count = self.td == 6
        if tag == "form" and a.get("id") == "ffilter":
            self.form_hidden = "hidden" in a
        if tag == "span" and a.get("id") == "fcount":
            self.in_fcount = True
            self.fcount = ""
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_findings = False
        if tag == "td":
            self.in_count = False
        if tag == "span":
            self.in_fcount = False

    def handle_data(self, data):
        self.texts.append(data)
        if self.in_findings and getattr(self, "in_count", False):
            self.counts.append(int(data))
        if self.in_fcount:
            self.fcount += data


def merged(dbs):
    cov = {}
    keys = {}
    for path in dbs:
        db = sqlite3.connect(path)
        run = db.execute("select max(run_id) from coverage").fetchone()[0]
        for host, rule, state in db.execute(
                "select host, rule_id, state from coverage where run_id = ?", (run,)):
            old = cov.get((host, rule))
            if old is None or rank(state) < rank(old) or \
                    (rank(state) == rank(old) and state > old):
                cov[(host, rule)] = state
        for row in db.execute("select kind, src_ip, dest_ip, dest_port, proto, host,"
                              " rule_id, count from findings"):
            keys[row[:7]] = keys.get(row[:7], 0) + row[7]
        db.close()
    return cov, keys


def main(argv):
    dom = False
    hostile = []
    while argv and argv[0].startswith("--"):
        if argv[0] == "--dom":
            dom = True
            argv = argv[1:]
        elif argv[0] == "--hostile":
            hostile.append(argv[1])
            argv = argv[2:]
        else:
            sys.exit("unknown option " + argv[0])
    page, dbs = argv[0], argv[1:]
    p = Page()
    with open(page, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    cov, keys = merged(dbs)
    got = {}
    for host, rule, state in p.cells:
        got.setdefault((host, rule), []).append(state)
    dup = [k for k, v in got.items() if len(v) > 1]
    check("one heatmap cell per (host, rule)", not dup, "twice: %r" % dup[:3])
    got = {k: v[0] for k, v in got.items()}
    wrong = [(k, got.get(k), cov.get(k)) for k in set(got) | set(cov) if got.get(k) != cov.get(k)]
    check("%d heatmap cells, each the database's coverage state of its host and rule"
          % len(got), not wrong and len(got) > 0, "%d differ, e.g. %r" % (len(wrong), wrong[:3]))
    check("the findings table has one row per finding (%d)" % len(keys),
          len(p.rows) == len(keys), "%d rows" % len(p.rows))
    check("the findings' counts add up to the databases' (%d)" % sum(keys.values()),
          sum(p.counts) == sum(keys.values()), "%d" % sum(p.counts))
    check("nothing loaded from outside, only the writer's tags, styles, attributes",
          not p.bad, "; ".join(p.bad[:5]))
    check("one script, inline", p.scripts == 1, "%d" % p.scripts)
    if dom:
        if keys:
            check("the browser ran the script: the filter form is shown",
                  p.form_hidden is False, "hidden=%r" % p.form_hidden)
            want = "%d of %d findings shown" % (len(keys), len(keys))
            check("the filter says: " + want, p.fcount == want, repr(p.fcount))
    for h in hostile:
        text = "".join(p.texts)
        check("hostile %r comes back whole as text or attribute" % h,
              h in text or h in p.attrs or any(h in a for a in p.attrs))
        check("hostile %r never becomes markup" % h,
              p.tags.get("img", 0) == 0 and p.scripts == 1 and not p.bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
