#!/usr/bin/env python3
"""tests/discover/compare.py - what conformd makes of a capture with a site's
hand-written inventory against what it makes of it with the draft that
`conformd --discover` wrote.

usage: compare.py [--except ADDR]... CONFORMD HAND.conf DRAFT.conf WORKDIR CAPTURE...

Runs `CONFORMD -q -c CONF --db DB -r CAPTURE...` for both configurations
and compares, one "ok:" or "FAIL:" line per check (the test scripts count
them):
  roles     every address of the hand inventory's hosts, peers and pool
            members and VIPs that appears in the traffic holds the same
            roles in the draft (the roles conformd gives each end of each
            flow: implied ones and a pool's expansion included);
  pools     every pool of the hand inventory is found: the draft's pools
            hold its member addresses (a dual-stack pool may come as one
            pool per family), no draft pool mixes two hand pools, and its
            VIPs are the hand pool's;
  flows     every flow (proto, initiator and port, responder and port):
            its verdict and rule, the same in both;
  findings  unexpected, blocked and protocol mismatch findings: kind, flow,
            rule and count, the same in both;
  coverage  each (hand host, rule) cell: its state in the hand run against
            the best state the draft gives any of that host's addresses
            (the draft writes a host's IPv4 and IPv6 addresses as two
            hosts; seen beats blocked beats missing); missing findings
            follow from these cells.
--except ADDR leaves an address out of every check: one the traffic cannot
show (no machine answers there), named by the test with its reason.
Exit status 0 when everything is equal, 1 otherwise, 2 on error.
"""
import ipaddress
import os
import sqlite3
import subprocess
import sys

STATE_RANK = {"seen": 6, "blocked": 5, "missing": 4, "optional-unseen": 3, "unobserved": 2,
              "not-applicable": 1}


def run(conformd, conf, captures, db):
    if os.path.exists(db):
        os.unlink(db)
    args = [conformd, "-q", "-c", conf, "--db", db]
    for c in captures:
        args += ["-r", c]
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        sys.stderr.write("%s exited %d: %s\n" % (" ".join(args), p.returncode, p.stderr))
        sys.exit(2)
    return sqlite3.connect(db)


def norm(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def hosts(con):
    """name -> (kind, pool, roles, [addresses])"""
    out = {}
    for name, kind, pool, roles, addrs in con.execute(
            "SELECT name, kind, coalesce(pool, ''), coalesce(roles, ''), "
            "coalesce(addresses, '') FROM hosts"):
        out[name] = (kind, pool, roles, [norm(a) for a in addrs.split(",") if a])
    return out


def flows(con, skip):
    out = {}
    for row in con.execute("SELECT proto, src_ip, src_port, dest_ip, dest_port, verdict, "
                           "coalesce(rule_id, ''), src_role, dest_role FROM flows"):
        if norm(row[1]) in skip or norm(row[3]) in skip:
            continue
        out.setdefault(row[:5], []).append(row[5:7])
    return {k: sorted(v) for k, v in out.items()}


def endpoint_roles(con, skip):
    out = {}
    for src, dst, sr, dr in con.execute("SELECT src_ip, dest_ip, src_role, dest_role FROM flows"):
        for a, r in ((norm(src), sr), (norm(dst), dr)):
            if a not in skip:
                out.setdefault(a, set()).add(r)
    return out


def findings(con, skip):
    out = {}
    for kind, src, dst, port, proto, rule, count in con.execute(
            "SELECT kind, src_ip, dest_ip, dest_port, proto, rule_id, count FROM findings "
            "WHERE kind != 'missing'"):
        if norm(src) in skip or norm(dst) in skip:
            continue
        key = (kind, proto, src, dst, port, rule)
        out[key] = out.get(key, 0) + count
    return out


def coverage(con):
    """host -> {rule: state}"""
    out = {}
    for host, rule, state in con.execute(
            "SELECT host, rule_id, state FROM coverage WHERE run_id = "
            "(SELECT max(run_id) FROM coverage)"):
        out.setdefault(host, {})[rule] = state
    return out


def report(what, bad, n):
    if bad:
        print("FAIL: %s: %d of %d differ" % (what, len(bad), n))
        for line in bad[:25]:
            print("  " + line)
    else:
        print("ok: %s: all %d equal" % (what, n))
    return len(bad)


def compare_map(what, hand, draft):
    bad = []
    keys = set(hand) | set(draft)
    for k in sorted(keys, key=repr):
        if hand.get(k) != draft.get(k):
            bad.append("%s: hand %s, draft %s" % (k, hand.get(k), draft.get(k)))
    return report(what, bad, len(keys))


def main():
    argv = sys.argv[1:]
    skip = set()
    while argv and argv[0] == "--except":
        skip.add(norm(argv[1]))
        argv = argv[2:]
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    conformd, hand_conf, draft_conf, work = argv[:4]
    caps = argv[4:]
    hc = run(conformd, hand_conf, caps, os.path.join(work, "hand.db"))
    dc = run(conformd, draft_conf, caps, os.path.join(work, "draft.db"))
    hh, dh = hosts(hc), hosts(dc)
    bad = 0

    # roles: each address of a hand host (not a network) seen in the traffic
    hr, dr = endpoint_roles(hc, skip), endpoint_roles(dc, skip)
    want, got = {}, {}
    for name, (kind, pool, roles, addrs) in hh.items():
        if kind == "network":
            continue
        for a in addrs:
            if a in hr and a not in skip:
                want[a] = sorted(hr[a])
                got[a] = sorted(dr.get(a, {"(not in the draft)"}))
    bad += compare_map("roles of every server, VIP and peer address", want, got)

    # pools
    hpools, dpools = {}, {}
    for name, (kind, pool, roles, addrs) in hh.items():
        if pool:
            seen = [a for a in addrs if a in hr and a not in skip]
            hpools.setdefault(pool, {"member": set(), "vip": set()})[
                "vip" if kind == "vip" else "member"].update(seen)
    for name, (kind, pool, roles, addrs) in dh.items():
        if pool:
            dpools.setdefault(pool, {"member": set(), "vip": set()})[
                "vip" if kind == "vip" else "member"].update(addrs)
    pbad = []
    for hp, h in sorted(hpools.items()):
        mine = [dp for dp, d in dpools.items() if d["member"] & h["member"]]
        members = set().union(*[dpools[dp]["member"] for dp in mine]) if mine else set()
        vips = set().union(*[dpools[dp]["vip"] for dp in mine]) if mine else set()
        if members != h["member"]:
            pbad.append("pool %s: members %s, the draft's pools %s hold %s" %
                        (hp, sorted(h["member"]), mine, sorted(members)))
        if vips != h["vip"]:
            pbad.append("pool %s: VIP %s, the draft's %s" % (hp, sorted(h["vip"]), sorted(vips)))
    for dp, d in sorted(dpools.items()):
        owners = [hp for hp, h in hpools.items() if (h["member"] | h["vip"]) &
                  (d["member"] | d["vip"])]
        if len(owners) != 1:
            pbad.append("draft pool %s (%s) matches hand pools %s" %
                        (dp, sorted(d["member"] | d["vip"]), owners))
    bad += report("pools and VIPs", pbad, len(hpools) + len(dpools))

    bad += compare_map("flow verdicts and rules", flows(hc, skip), flows(dc, skip))
    bad += compare_map("findings (unexpected, blocked, protocol mismatch)",
                       findings(hc, skip), findings(dc, skip))

    # coverage, the draft's hosts merged as the hand inventory joins addresses
    hcov, dcov = coverage(hc), coverage(dc)
    daddr = {}
    for name, (kind, pool, roles, addrs) in dh.items():
        for a in addrs:
            daddr.setdefault(a, []).append(name)
    want, got = {}, {}
    for name, cells in hcov.items():
        kind, pool, roles, addrs = hh.get(name, ("?", "", "", []))
        if addrs and all(a in skip for a in addrs):
            continue
        if kind == "network":
            dnames = [name] if name in dcov else []
        else:
            dnames = sorted({d for a in addrs for d in daddr.get(a, [])})
        for rule, state in cells.items():
            best = None
            for d in dnames:
                s = dcov.get(d, {}).get(rule)
                if s is not None and (best is None or STATE_RANK.get(s, 0) > STATE_RANK.get(best, 0)):
                    best = s
            want[(name, rule)] = state
            got[(name, rule)] = best
    bad += compare_map("coverage cells (missing findings follow)", want, got)
    nh = hc.execute("SELECT count(*) FROM findings WHERE kind = 'missing'").fetchone()[0]
    nd = dc.execute("SELECT count(*) FROM findings WHERE kind = 'missing'").fetchone()[0]
    print("note: missing findings: %d with the hand inventory, %d with the draft (one per "
          "address there)" % (nh, nd))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
