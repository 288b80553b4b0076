#!/usr/bin/env python3
"""tests/e2e/realsite-check.py - a capture of tests/e2e/realsite.sh's site and
conformd's database of it, against tests/e2e/realsite-expected.txt.

  realsite-check.py EXPECTED --hosts "name:ip ..." --part conform|whole
                    [--cap PCAP] [--db DB]

--part conform checks the lines of the conforming part, --part whole those
of both parts.  With --cap, tshark reads the capture: every one-port flow
line has its traffic there, TCP with a completed handshake and payload
both ways, UDP with datagrams both ways (an answer); every port of a range
line has a SYN.  With --db, conformd's flows, findings and coverage are
checked as the expected file's header says.

Prints one line per check, "ok: ..." or "FAIL: ...".  Exit 0 when all pass,
1 when one fails, 2 when the inputs cannot be read.
"""

import argparse
import sqlite3
import subprocess
import sys


class Checks:
    def __init__(self):
        self.failed = 0

    def report(self, ok, text):
        if not ok:
            self.failed += 1
        print(("ok: " if ok else "FAIL: ") + text)


def parse_ports(text):
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


def load_expected(path, part):
    """The flow, finding, coverage and scan lines that apply to `part`."""
    flows, findings, coverage, scans = [], [], [], []
    parts = ("conform",) if part == "conform" else ("conform", "violation")
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            f = line.split()
            if not f or f[0].startswith("#"):
                continue
            where = "%s:%d" % (path, n)
            if f[0] == "flow" and len(f) == 7:
                if f[1] in parts:
                    lo, hi = parse_ports(f[5])
                    flows.append({"part": f[1], "proto": f[2], "src": f[3], "dst": f[4],
                                  "lo": lo, "hi": hi, "verdict": f[6], "where": where})
            elif f[0] == "finding" and len(f) == 7:
                if f[1] in parts:
                    lo, hi = parse_ports(f[6])
                    findings.append({"kind": f[2], "proto": f[3], "src": f[4], "dst": f[5],
                                     "lo": lo, "hi": hi, "where": where})
            elif f[0] == "coverage" and len(f) == 4:
                coverage.append({"host": f[1], "rule": f[2], "state": f[3], "where": where})
            elif f[0] == "scan" and len(f) == 6:
                if f[1] in parts:
                    lo, hi = parse_ports(f[5])
                    scans.append({"proto": f[2], "src": f[3], "dst": f[4], "lo": lo, "hi": hi,
                                  "where": where})
            else:
                sys.exit("realsite-check: %s: cannot read this line" % where)
    return flows, findings, coverage, scans


def line_text(ln):
    port = str(ln["lo"]) if ln["lo"] == ln["hi"] else "%d-%d" % (ln["lo"], ln["hi"])
    return "%s %s -> %s:%s" % (ln["proto"], ln["src"], ln["dst"], port)


def best_line(lines, proto, src, dst, port):
    """The most specific line covering the tuple (a one-port line beats a range)."""
    best = None
    for ln in lines:
        if (ln["proto"], ln["src"], ln["dst"]) == (proto, src, dst) and ln["lo"] <= port <= ln["hi"]:
            if best is None or ln["hi"] - ln["lo"] < best["hi"] - best["lo"]:
                best = ln
    return best


def check_capture(checks, cap, flows, ip2name):
    """Every intended flow is in the capture, its exchange complete."""
    out = subprocess.run(
        ["tshark", "-n", "-r", cap, "-T", "fields", "-E", "separator=/t",
         "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
         "-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.flags.syn",
         "-e", "tcp.flags.ack", "-e", "tcp.len", "-e", "udp.length"],
        capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0:
        sys.exit("realsite-check: tshark: %s" % out.stderr.strip())
    # conversations keyed by (proto, initiator, responder, responder port)
    conv = {}
    tcp_init = {}		# (a, ap, b, bp) -> initiator side
    udp_init = {}
    for line in out.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 10 or not f[0]:
            continue
        a, b = ip2name.get(f[0], f[0]), ip2name.get(f[1], f[1])
        if f[2]:
            ap, bp = int(f[2]), int(f[3])
            key = (a, ap, b, bp)
            rkey = (b, bp, a, ap)
            if f[6] == "1" and f[7] == "0":
                tcp_init[key] = True
            if key in tcp_init:
                c = conv.setdefault(("TCP", a, b, bp, ap), set())
                if int(f[8] or 0) > 0:
                    c.add("data>")
            elif rkey in tcp_init:
                c = conv.setdefault(("TCP", b, a, ap, bp), set())
                if f[6] == "1" and f[7] == "1":
                    c.add("synack")
                if int(f[8] or 0) > 0:
                    c.add("data<")
        elif f[4]:
            ap, bp = int(f[4]), int(f[5])
            key = (a, ap, b, bp)
            rkey = (b, bp, a, ap)
            if rkey in udp_init:
                conv.setdefault(("UDP", b, a, ap, bp), set()).add("data<")
            else:
                udp_init[key] = True
                conv.setdefault(("UDP", a, b, bp, ap), set()).add("data>")
    for ln in flows:
        if ln["lo"] != ln["hi"]:
            ports = {k[3] for k in conv if k[:3] == (ln["proto"], ln["src"], ln["dst"])}
            want = set(range(ln["lo"], ln["hi"] + 1))
            checks.report(want <= ports, "capture: %s, a SYN to each of %d ports%s" % (
                line_text(ln), len(want),
                "" if want <= ports else " (%d missing)" % len(want - ports)))
            continue
        seen = [c for k, c in conv.items()
                if k[:4] == (ln["proto"], ln["src"], ln["dst"], ln["lo"])]
        in_range = any(o["lo"] != o["hi"] and o["lo"] <= ln["lo"] <= o["hi"] and
                       (o["proto"], o["src"], o["dst"]) == (ln["proto"], ln["src"], ln["dst"])
                       for o in flows)
        if in_range:
            # a probe of a scan: its SYN, whatever the answer
            checks.report(bool(seen), "capture: %s: a SYN" % line_text(ln))
            continue
        if ln["proto"] == "TCP":
            need = {"synack", "data>", "data<"}
            what = "handshake and payload both ways"
        else:
            need = {"data>", "data<"}
            what = "datagrams both ways"
        ok = any(need <= c for c in seen)
        checks.report(ok, "capture: %s: %s%s" % (
            line_text(ln), what,
            "" if ok else " (%d conversations: %s)" % (len(seen), [sorted(c) for c in seen])))


def check_db(checks, db, part, flows, findings, coverage, scans, ip2name):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        dbflows = con.execute("SELECT proto, src_ip, dest_ip, dest_port, verdict FROM flows").fetchall()
        dbfind = con.execute("SELECT kind, proto, src_ip, dest_ip, dest_port, rule_id, host,"
                             " evidence FROM findings").fetchall()
        dbcov = con.execute("SELECT host, rule_id, state FROM coverage").fetchall()
        con.close()
    except sqlite3.Error as exc:
        sys.exit("realsite-check: %s: %s" % (db, exc))

    # flows: each has a line and the line's verdict; each line has its flows
    # lines of the two parts may name the same tuple (client1 -> fe1:443
    # signs in, then is scanned): they share their flows
    def lkey(ln):
        return (ln["proto"], ln["src"], ln["dst"], ln["lo"], ln["hi"])
    per_line = {lkey(ln): [] for ln in flows}
    stray = []
    for proto, src, dst, port, verdict in dbflows:
        s, d = ip2name.get(src, src), ip2name.get(dst, dst)
        if proto not in ("TCP", "UDP"):
            stray.append("%s %s -> %s %s" % (proto, s, d, verdict))
            continue
        ln = best_line(flows, proto, s, d, port)
        if ln is None:
            stray.append("%s %s -> %s:%d %s" % (proto, s, d, port, verdict))
            continue
        per_line[lkey(ln)].append((port, verdict))
    for ln in flows:
        got = per_line[lkey(ln)]
        wrong = sorted({(p, v) for p, v in got if v != ln["verdict"]})
        if ln["lo"] == ln["hi"]:
            ok = bool(got) and not wrong
            text = "flow %s %s (%d flows)" % (line_text(ln), ln["verdict"], len(got))
            if not got:
                text += ": no such flow"
            elif wrong:
                text += ": got %s" % ", ".join(sorted({v for _, v in wrong}))
        else:
            ports = {p for p, _ in got}
            # the range's one-port lines took their own ports
            own = set(range(ln["lo"], ln["hi"] + 1)) - {
                o["lo"] for o in flows if o is not ln and o["lo"] == o["hi"]
                and (o["proto"], o["src"], o["dst"]) == (ln["proto"], ln["src"], ln["dst"])
                and ln["lo"] <= o["lo"] <= ln["hi"]}
            ok = own <= ports and not wrong
            text = "flows %s %s (%d flows)" % (line_text(ln), ln["verdict"], len(got))
            if not own <= ports:
                text += ": %d ports without a flow" % len(own - ports)
            if wrong:
                text += ": %d with another verdict, e.g. port %d %s" % (len(wrong), wrong[0][0], wrong[0][1])
        checks.report(ok, text)
    checks.report(not stray, "every flow conformd recorded is in the expected file (%d flows)%s" % (
        len(dbflows), "" if not stray else ": not there: " + "; ".join(stray[:20])
        + (" ..." if len(stray) > 20 else "")))

    # findings
    named = [(k, p, ip2name.get(s, s), ip2name.get(d, d), port, rule, host, ev)
             for k, p, s, d, port, rule, host, ev in dbfind]
    if part == "conform":
        checks.report(not named, "no finding at all%s" % (
            "" if not named else ": %d, e.g. %s" % (len(named), "; ".join(
                "%s %s %s -> %s:%d %s %s \"%s\"" % f for f in named[:10]))))
    else:
        per_find = {id(ln): [] for ln in findings}
        unplanned = []
        for f in named:
            kind, proto, s, d, port = f[:5]
            ln = None
            for cand in findings:
                if (cand["kind"], cand["proto"], cand["src"], cand["dst"]) == (kind, proto, s, d) \
                        and cand["lo"] <= port <= cand["hi"]:
                    if ln is None or cand["hi"] - cand["lo"] < ln["hi"] - ln["lo"]:
                        ln = cand
            if ln is None:
                unplanned.append(f)
            else:
                per_find[id(ln)].append(f)
        for ln in findings:
            got = per_find[id(ln)]
            if ln["lo"] == ln["hi"]:
                ok = len(got) == 1
            else:
                ok = len(got) >= 1
            checks.report(ok, "finding %s %s: %d raised%s" % (
                ln["kind"], line_text(ln), len(got),
                " (rule %s, \"%s\")" % (got[0][5], got[0][7]) if len(got) == 1 else ""))
        checks.report(not unplanned, "every finding is a planted one (%d findings)%s" % (
            len(named), "" if not unplanned else ": not planted: " + "; ".join(
                "%s %s %s -> %s:%d rule %s host %s \"%s\"" % f for f in unplanned[:20])))
        # scans: every port of the range probed once, each probe folded
        # into the one finding (its evidence: "N probes in T s; answered:
        # ...; ports: LO-HI")
        for sc in scans:
            rows = [f for f in named if f[0] == "scan" and (f[1], f[2], f[3]) ==
                    (sc["proto"], sc["src"], sc["dst"])]
            ev = rows[0][7] if len(rows) == 1 and rows[0][7] else ""
            probes = int(ev.split()[0]) if ev else -1
            want = sc["hi"] - sc["lo"] + 1
            ok = probes == want and ev.endswith("; ports: %d-%d" % (sc["lo"], sc["hi"]))
            checks.report(ok, "scan %s: its one finding folds %d probes, one per port (\"%s\")" % (
                line_text(sc), want, ev if rows else "no scan finding"))
        # every unexpected flow raised its finding, or was folded into a scan
        scanned = {(f[1], f[2], f[3]) for f in named if f[0] == "scan"}
        unexp = {(p, ip2name.get(s, s), ip2name.get(d, d), port)
                 for p, s, d, port, v in dbflows if v == "unexpected"}
        folded = {u for u in unexp if u[:3] in scanned}
        raised = {(f[1], f[2], f[3], f[4]) for f in named if f[0] == "unexpected"}
        checks.report(unexp - folded <= raised and not (folded & raised),
                      "each of the %d unexpected flows raised an unexpected finding, or (%d) was"
                      " folded into a scan and raised none%s" % (
                          len(unexp), len(folded), "" if unexp - folded <= raised and
                          not (folded & raised) else ": not: %s" %
                          sorted((unexp - folded - raised) | (folded & raised))[:10]))

    # coverage
    bad = [c for c in dbcov if c[2] in ("missing", "unobserved")]
    states = {}
    for host, rule, state in dbcov:
        states[state] = states.get(state, 0) + 1
    checks.report(not bad, "coverage: no cell missing or unobserved (%s)%s" % (
        ", ".join("%d %s" % (n, s) for s, n in sorted(states.items())),
        "" if not bad else ": " + "; ".join("%s %s %s" % c for c in bad[:30])))
    cells = {(h, r): s for h, r, s in dbcov}
    for ln in coverage:
        got = cells.get((ln["host"], ln["rule"]))
        checks.report(got == ln["state"], "coverage %s %s %s%s" % (
            ln["host"], ln["rule"], ln["state"], "" if got == ln["state"] else ": got %s" % got))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("expected")
    ap.add_argument("--hosts", required=True, help="'name:ip ...' (realsite.sh's RS_HOSTS)")
    ap.add_argument("--part", choices=("conform", "whole"), required=True)
    ap.add_argument("--cap")
    ap.add_argument("--db")
    opts = ap.parse_args()
    ip2name = {}
    for spec in opts.hosts.split():
        name, _, ip = spec.partition(":")
        ip2name[ip] = name
    flows, findings, coverage, scans = load_expected(opts.expected, opts.part)
    checks = Checks()
    if opts.cap:
        check_capture(checks, opts.cap, flows, ip2name)
    if opts.db:
        check_db(checks, opts.db, opts.part, flows, findings, coverage, scans, ip2name)
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
