#!/usr/bin/env python3
"""geneve-wrap.py IN.pcap OUT.pcap MODE: each frame of IN (Ethernet)
mirrored through Geneve (RFC 8926) as scapy builds it, an encoder
independent of conformd's and of tests/gen-edge.c, into OUT, timestamps
kept.  The underlay: Ethernet, IPv4 198.18.250.1 -> 198.18.250.2 (one
way, a mirror session), UDP from a port that changes every frame to
6081, Geneve VNI 42.

MODE eth: the whole frame inside (protocol type 0x6558, as Linux and
  Open vSwitch send it), with two option TLVs and the C flag;
MODE ip: the IP packet alone (0x0800 or 0x86dd, as AWS Gateway Load
  Balancer sends it), no option.  Frames that are not IP are left out.
"""
import sys

from scapy.all import Ether, IP, IPv6, UDP, PcapReader, PcapWriter
from scapy.contrib.geneve import GENEVE, GeneveOptions


def main():
    src, dst, mode = sys.argv[1:4]
    out = PcapWriter(dst, linktype=1, sync=True)
    n = 0
    for i, frame in enumerate(PcapReader(src)):
        if mode == "eth":
            inner = bytes(frame)
            gnv = GENEVE(vni=42, proto=0x6558, critical=1, options=[
                GeneveOptions(classid=0x0103, type=0x80, data=b"\x00\x00\x00\x2a"),
                GeneveOptions(classid=0x0103, type=0x81, data=b"\x00\x00\x00\x07"),
            ])
        else:
            if IP in frame:
                inner, proto = bytes(frame[IP]), 0x0800
            elif IPv6 in frame:
                inner, proto = bytes(frame[IPv6]), 0x86dd
            else:
                continue
            gnv = GENEVE(vni=42, proto=proto)
        pkt = (Ether(src="02:00:5e:fa:00:01", dst="02:00:5e:fa:00:02") /
               IP(src="198.18.250.1", dst="198.18.250.2", flags="DF") /
               UDP(sport=49152 + i % 1000, dport=6081) / gnv / inner)
        pkt.time = frame.time
        out.write(pkt)
        n += 1
    out.close()
    print(n)


if __name__ == "__main__":
    main()
