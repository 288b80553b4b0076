#!/usr/bin/env python3
"""fuzz/mkcorpus.py - (re)build the seed corpora in fuzz/corpus/<target>/.

usage: fuzz/mkcorpus.py SRCDIR CAPTURE...

SRCDIR is the source tree (rules, samples, tests/{rules,inventory,config}
are read from it); the CAPTUREs are pcap/pcapng files: samples/lync-site.pcap,
the output of tests/gen-edge and of tests/gen-malformed.  Files are named
by the SHA-1 of their contents, as libFuzzer names its own, so rebuilding
is deterministic and a rerun adds nothing twice.  Limits keep the corpus
small (a few hundred kilobytes).
"""
import hashlib
import os
import struct
import sys

# Link-type selector bytes understood by fuzz_decode.c / fuzz_pipeline.c
# (low 4 bits), keyed by the LINKTYPE_ value found in files.
SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 12: 3, 228: 5, 229: 6, 0: 7, 108: 8}

MAX_PCAP_FILE = 16384      # larger captures are cut to their first records
MAX_PIPELINE_INPUT = 8192  # bytes per pipeline input
MAX_DECODE_PER_CAPTURE = 40
MAX_SEED_FRAME = 4096      # larger frames (vlan-deep, max-length) stay out of
                           # the frame corpora: the fuzzer grows inputs itself


def put(outdir, data):
    os.makedirs(outdir, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def read_pcap(data):
    """(linktype, [frames]) of a classic pcap, or None."""
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if caplen > len(data) - off - 16:
            break
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return linktype, frames


def cut_pcap(data):
    """The header and whole records up to MAX_PCAP_FILE bytes."""
    if len(data) <= MAX_PCAP_FILE or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                                                         b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        return data[:MAX_PCAP_FILE]
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + caplen > MAX_PCAP_FILE:
            break
        off += 16 + caplen
    return data[:off]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    seen_frames = set()
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        put(os.path.join(out, "fuzz_pcap"), cut_pcap(data))
        # fuzz_pcapfile: a first byte choosing the reader's buffer and batch
        put(os.path.join(out, "fuzz_pcapfile"), b"\xc0" + cut_pcap(data))
        parsed = read_pcap(data)
        if parsed is None or parsed[0] not in SELECTOR:
            continue
        linktype, frames = parsed
        sel = SELECTOR[linktype]
        n = 0
        frames = [fr for fr in frames if len(fr) <= MAX_SEED_FRAME]
        for fr in frames:
            if (sel, fr) in seen_frames or n >= MAX_DECODE_PER_CAPTURE:
                continue
            seen_frames.add((sel, fr))
            put(os.path.join(out, "fuzz_decode"), bytes([sel]) + fr)
            n += 1
        seq = bytearray([sel])
        for fr in frames:
            rec = struct.pack(">HB", len(fr), 1) + fr
            if len(seq) + len(rec) > MAX_PIPELINE_INPUT:
                put(os.path.join(out, "fuzz_pipeline"), bytes(seq))
                seq = bytearray([sel])
            seq += rec
        if len(seq) > 1:
            put(os.path.join(out, "fuzz_pipeline"), bytes(seq))

    def files(d, ext):
        return sorted(d + "/" + f for f in os.listdir(os.path.join(src, d)) if f.endswith(ext))

    texts = {
        "fuzz_rules": ["rules/lync2013.rules"] + files("tests/rules", ".rules") +
        files("tests/config-errors", ".rules"),
        "fuzz_inventory": ["samples/inventory.conf"] + files("tests/inventory", ".conf") +
        files("tests/config-errors", ".inv"),
        "fuzz_config": ["samples/conformd.conf"] + files("tests/config", ".conf") +
        files("tests/config-errors", ".conf"),
    }
    for target, files in texts.items():
        for rel in files:
            with open(os.path.join(src, rel), "rb") as f:
                put(os.path.join(out, target), f.read())


if __name__ == "__main__":
    main()
