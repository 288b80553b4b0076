#!/usr/bin/env python3
"""gen-alerts.py - captures for tests/alerts.sh (pcap, Ethernet, IPv4, TCP SYNs).

  gen-alerts.py flood OUT.pcap RULES [COUNT [SECONDS]]
      one client (198.18.10.21) sends a SYN to COUNT (default 50000) distinct
      TCP ports of pchat1 (198.18.4.11, Persistent Chat in
      samples/inventory.conf), none a port that RULES open to it, spread
      evenly over SECONDS (default 10) of capture time: COUNT unexpected
      findings.  (Not fe1: a Front End listens on 49152-65535 for media
      and application sharing, which leaves fewer than 50,000 ports.)
  gen-alerts.py steady OUT.pcap RULES [COUNT]
      COUNT (default 300) unexpected SYNs from 30 clients (198.18.10.1-30),
      each to its own unlisted port of pchat1, 10 ms apart.
  gen-alerts.py feed IN.pcap DIR PARTS
      write IN.pcap to standard output in PARTS slices of whole packets:
      after slice i it creates DIR/sent-i and waits (at most 60 s) for
      DIR/go-i before the next one; a pcap reader sees a live capture.

Addresses are from 198.18.0.0/15 (RFC 2544).  No dependency beyond python3.
"""
import os
import re
import struct
import sys
import time

SRC_MAC = b"\x02\x00\x00\x00\x00\x01"
DST_MAC = b"\x02\x00\x00\x00\x00\x02"
T0 = 1767225600  # 2026-01-01T00:00:00Z


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def syn(src, dst, sport, dport, seq):
    """An Ethernet/IPv4/TCP SYN with correct checksums."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), seq & 0xffff, 0x4000,
                     64, 6, 0, ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return DST_MAC + SRC_MAC + b"\x08\x00" + ip + tcp


# Whose rules could allow a client's SYN to pchat1: what pchat1 listens
# on, and where clients may connect.
LISTENERS = ("persistent-chat", "all-servers", "all-internal-servers")


def rule_ports(rules):
    """The TCP ports of the rules that could make a client -> pchat1 SYN
    expected: pchat1's roles listening (dir in), clients connecting (dir out)."""
    used = set()
    with open(rules) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        m = re.match(r"rule \S+ .*\brole\s+(\S+)\s+dir\s+(in|out)\b", line)
        if not m or not re.search(r"\bproto\s+(tcp|tcp/udp)\b", line):
            continue
        if not ((m.group(2) == "in" and m.group(1) in LISTENERS) or
                (m.group(2) == "out" and m.group(1) in ("client", "device"))):
            continue
        for m in re.finditer(r"\bport\s+([0-9,\-]+)", line):
            for part in m.group(1).split(","):
                if "-" in part:
                    lo, hi = part.split("-")
                    used.update(range(int(lo), int(hi) + 1))
                elif part:
                    used.add(int(part))
    return used


def free_ports(rules, count):
    used = rule_ports(rules)
    ports = [p for p in range(1, 65536) if p not in used]
    if len(ports) < count:
        sys.exit("gen-alerts: only %d ports free of rules, %d wanted" % (len(ports), count))
    return ports[:count]


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts_usec, frame in packets:
            f.write(struct.pack("<IIII", ts_usec // 1000000, ts_usec % 1000000,
                                len(frame), len(frame)))
            f.write(frame)


def flood(out, rules, count=50000, seconds=10):
    ports = free_ports(rules, count)
    step = seconds * 1000000 // count
    write_pcap(out, ((T0 * 1000000 + i * step,
                      syn("198.18.10.21", "198.18.4.11", 40000 + i % 20000, p, i + 1))
                     for i, p in enumerate(ports)))


def steady(out, rules, count=300):
    ports = free_ports(rules, count)
    write_pcap(out, ((T0 * 1000000 + i * 10000,
                      syn("198.18.10.%d" % (1 + i % 30), "198.18.4.11", 41000 + i, p, i + 1))
                     for i, p in enumerate(ports)))


def feed(path, d, parts):
    with open(path, "rb") as f:
        data = f.read()
    out = sys.stdout.buffer
    out.write(data[:24])
    recs, off = [], 24
    while off + 16 <= len(data):
        n = struct.unpack("<I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + n])
        off += 16 + n
    per = (len(recs) + parts - 1) // parts
    for i in range(parts):
        out.write(b"".join(recs[i * per:(i + 1) * per]))
        out.flush()
        if i == parts - 1:
            break
        open(os.path.join(d, "sent-%d" % i), "w").close()
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(d, "go-%d" % i)):
            if time.time() > deadline:
                sys.exit("gen-alerts feed: nobody said go-%d" % i)
            time.sleep(0.05)
    out.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "flood":
        flood(a[1], a[2], *(int(x) for x in a[3:5]))
    elif len(a) >= 3 and a[0] == "steady":
        steady(a[1], a[2], *(int(x) for x in a[3:4]))
    elif len(a) == 4 and a[0] == "feed":
        feed(a[1], a[2], int(a[3]))
    else:
        sys.exit(__doc__)
