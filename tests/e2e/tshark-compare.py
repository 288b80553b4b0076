#!/usr/bin/env python3
"""tests/e2e/tshark-compare.py - conformd's flows against tshark's conversations.

Reads the TCP and UDP conversation tables of a capture
(`tshark -n -r CAP -q -z conv,tcp -z conv,udp`) and the `flows` table that
`conformd -r CAP --db DB` wrote, and checks that:
  - every conversation has a flow with the same two endpoints, and the same
    frames and bytes (frame length on the wire) in each direction: tshark's
    A/B sides are mapped onto the flow's src (initiator) / dest (responder)
    by address and port;
  - there are as many conversations as TCP/UDP flows;
  - with --eve, every flow row has one EVE flow event with the same tuple,
    counters and verdict (conformance.verdict), and no event is left over.

tshark prints a byte count of 10000 or more with an SI prefix ("31 kB");
for those the exact figure comes from a second pass summing frame.len per
direction (`tshark -T fields`), so every comparison is exact.

Prints one line per check, "ok: ..." or "FAIL: ...".  Exit 0 when all pass,
1 when one fails, 2 when the inputs cannot be read.
"""

import argparse
import json
import re
import sqlite3
import subprocess
import sys

ROW_RE = re.compile(
    r"^(?P<a>\S+)\s+<->\s+(?P<b>\S+)\s+"
    r"(?P<f1>\d+)\s+(?P<b1>\d+)\s*(?P<u1>bytes|[kMGTP]?B)\s+"
    r"(?P<f2>\d+)\s+(?P<b2>\d+)\s*(?P<u2>bytes|[kMGTP]?B)\s+"
    r"(?P<f3>\d+)\s+(?P<b3>\d+)\s*(?P<u3>bytes|[kMGTP]?B)\s+")


def split_endpoint(text):
    """'198.18.1.11:5061' or '2001:db8::1:443' -> (address, port)."""
    addr, _, port = text.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    return addr, int(port)


# tshark 4.0's SNMP dissector makes a get-request and its get-response two
# UDP conversations (the answer, from port 161, opens a conversation of its
# own); one datagram each way is one flow for conformd, as for every other
# UDP exchange, so the comparison reads SNMP as plain UDP.
TSHARK_OPTS = ["--disable-protocol", "snmp"]


def run_tshark(args):
    try:
        res = subprocess.run(["tshark"] + TSHARK_OPTS + args, capture_output=True, text=True,
                             timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        sys.exit("tshark-compare: cannot run tshark: %s" % exc)
    if res.returncode != 0:
        sys.exit("tshark-compare: tshark %s failed: %s" % (" ".join(args), res.stderr.strip()))
    return res.stdout


def parse_conversations(text):
    """Conversations from tshark -z conv output: a list of dicts with the
    protocol, endpoints a and b, and frames/bytes a->b and b->a (bytes None
    when tshark rounded them)."""
    convs = []
    proto = None
    left_is_ba = True	# the first column pair is "<-" (B to A) in tshark 4.x
    for line in text.splitlines():
        if line.endswith("Conversations"):
            word = line.split()[0]
            proto = {"TCP": "TCP", "UDP": "UDP"}.get(word)
            continue
        if "<-" in line and "->" in line and "|" in line:
            left_is_ba = line.index("<-") < line.index("->")
            continue
        m = ROW_RE.match(line)
        if m is None or proto is None:
            continue
        a = split_endpoint(m.group("a"))
        b = split_endpoint(m.group("b"))
        first = (int(m.group("f1")), int(m.group("b1")) if m.group("u1") == "bytes" else None)
        second = (int(m.group("f2")), int(m.group("b2")) if m.group("u2") == "bytes" else None)
        ba, ab = (first, second) if left_is_ba else (second, first)
        convs.append({"proto": proto, "a": a, "b": b,
                      "ab_frames": ab[0], "ab_bytes": ab[1],
                      "ba_frames": ba[0], "ba_bytes": ba[1],
                      "raw": line.strip()})
    return convs


def exact_bytes(cap):
    """(proto, src, sport, dst, dport) -> summed frame.len, from every frame."""
    out = run_tshark(["-n", "-r", cap, "-Y", "(tcp or udp) and not icmp and not icmpv6",
                      "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
                      "-e", "frame.len", "-e", "ip.src", "-e", "ip.dst",
                      "-e", "ipv6.src", "-e", "ipv6.dst",
                      "-e", "tcp.srcport", "-e", "tcp.dstport",
                      "-e", "udp.srcport", "-e", "udp.dstport"])
    sums = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 9:
            continue
        src = f[1] or f[3]
        dst = f[2] or f[4]
        if f[5]:
            key = ("TCP", src, int(f[5]), dst, int(f[6]))
        elif f[7]:
            key = ("UDP", src, int(f[7]), dst, int(f[8]))
        else:
            continue
        sums[key] = sums.get(key, 0) + int(f[0])
    return sums


def load_flows(db):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        rows = con.execute(
            "SELECT proto, src_ip, src_port, dest_ip, dest_port, pkts_toserver,"
            " pkts_toclient, bytes_toserver, bytes_toclient, verdict FROM flows"
            " WHERE proto IN ('TCP', 'UDP')").fetchall()
        con.close()
    except sqlite3.Error as exc:
        sys.exit("tshark-compare: %s: %s" % (db, exc))
    keys = ("proto", "src_ip", "src_port", "dest_ip", "dest_port", "pkts_toserver",
            "pkts_toclient", "bytes_toserver", "bytes_toclient", "verdict")
    return [dict(zip(keys, r)) for r in rows]


def flow_name(fl):
    return "%s %s:%d -> %s:%d" % (fl["proto"], fl["src_ip"], fl["src_port"],
                                  fl["dest_ip"], fl["dest_port"])


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def report(self, ok, text):
        if ok:
            self.passed += 1
            print("ok: " + text)
        else:
            self.failed += 1
            print("FAIL: " + text)


def compare_conversations(checks, convs, flows, cap):
    need_exact = any(c["ab_bytes"] is None or c["ba_bytes"] is None for c in convs)
    sums = exact_bytes(cap) if need_exact else {}
    used = set()
    for c in convs:
        (aip, aport), (bip, bport) = c["a"], c["b"]
        if c["ab_bytes"] is None:
            c["ab_bytes"] = sums.get((c["proto"], aip, aport, bip, bport), 0)
        if c["ba_bytes"] is None:
            c["ba_bytes"] = sums.get((c["proto"], bip, bport, aip, aport), 0)
        match = None
        for i, fl in enumerate(flows):
            if i in used or fl["proto"] != c["proto"]:
                continue
            src = (fl["src_ip"], fl["src_port"])
            dst = (fl["dest_ip"], fl["dest_port"])
            if (src, dst) == (c["a"], c["b"]):
                match = (i, c["ab_frames"], c["ab_bytes"], c["ba_frames"], c["ba_bytes"])
                break
            if (src, dst) == (c["b"], c["a"]):
                match = (i, c["ba_frames"], c["ba_bytes"], c["ab_frames"], c["ab_bytes"])
                break
        conv = "%s %s:%d <-> %s:%d" % (c["proto"], aip, aport, bip, bport)
        if match is None:
            checks.report(False, "tshark conversation %s: no such flow in the database" % conv)
            continue
        i, ts_f, ts_b, tc_f, tc_b = match
        used.add(i)
        fl = flows[i]
        got = (fl["pkts_toserver"], fl["bytes_toserver"], fl["pkts_toclient"], fl["bytes_toclient"])
        want = (ts_f, ts_b, tc_f, tc_b)
        text = "tshark %s: to server %d frames %d bytes, to client %d frames %d bytes" % (
            flow_name(fl), ts_f, ts_b, tc_f, tc_b)
        if got != want:
            text += " (conformd: %d/%d, %d/%d)" % got
        checks.report(got == want, text)
    nflows = len(flows)
    checks.report(len(convs) == nflows,
                  "tshark: %d TCP/UDP conversations, conformd: %d TCP/UDP flows" % (len(convs), nflows))
    for i, fl in enumerate(flows):
        if i not in used:
            print("  flow with no tshark conversation: %s" % flow_name(fl))


def compare_eve(checks, eve, db):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        rows = con.execute(
            "SELECT proto, src_ip, src_port, dest_ip, dest_port, pkts_toserver,"
            " pkts_toclient, bytes_toserver, bytes_toclient, verdict FROM flows").fetchall()
        con.close()
    except sqlite3.Error as exc:
        sys.exit("tshark-compare: %s: %s" % (db, exc))
    events = []
    try:
        with open(eve, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    ev = json.loads(line)
                except ValueError as exc:
                    checks.report(False, "eve %s:%d: not JSON: %s" % (eve, n, exc))
                    return
                if ev.get("event_type") == "flow":
                    fl = ev.get("flow", {})
                    events.append((ev.get("proto"), ev.get("src_ip"), ev.get("src_port"),
                                   ev.get("dest_ip"), ev.get("dest_port"),
                                   fl.get("pkts_toserver"), fl.get("pkts_toclient"),
                                   fl.get("bytes_toserver"), fl.get("bytes_toclient"),
                                   ev.get("conformance", {}).get("verdict")))
    except OSError as exc:
        sys.exit("tshark-compare: %s" % exc)
    missing = []
    for r in rows:
        # the database stores 0 where EVE omits the ports (non-TCP/UDP)
        alt = r[:2] + (None,) + r[3:4] + (None,) + r[5:]
        if r in events:
            events.remove(r)
        elif alt in events:
            events.remove(alt)
        else:
            missing.append(r)
    for r in missing:
        print("  flow row with no identical EVE flow event: %s" % (r,))
    for ev in events:
        print("  EVE flow event with no identical flow row: %s" % (ev,))
    checks.report(not missing and not events,
                  "eve: %d flow rows, each with one identical EVE flow event (tuple, counters, verdict)"
                  % len(rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cap", help="the capture conformd read")
    ap.add_argument("db", help="the SQLite database conformd wrote")
    ap.add_argument("--eve", help="the EVE JSON file conformd wrote")
    opts = ap.parse_args()

    text = run_tshark(["-n", "-r", opts.cap, "-q", "-z", "conv,tcp", "-z", "conv,udp"])
    convs = parse_conversations(text)
    flows = load_flows(opts.db)
    checks = Checks()
    compare_conversations(checks, convs, flows, opts.cap)
    if opts.eve:
        compare_eve(checks, opts.eve, opts.db)
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
