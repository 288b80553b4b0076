#!/usr/bin/env python3
"""pack-rows.py - hold every shipped rule pack against its published tables.

Usage: pack-rows.py [--rules-dir DIR] [--reference-dir DIR]... [PACK...]

Each pack in rules/ is checked against row-by-row transcriptions of the
Microsoft tables it cites (TSV files: ../shared/reference/*.tsv and
tests/reference/dependencies.tsv; --reference-dir names the folders to look
in, in order).  Without PACK arguments every pack of PACKS is checked; a
pack whose transcription is found in no folder is reported as skipped.

For every pack:
  - its first statement is `pack NAME "title"`, NAME the file's name;
  - every rule has `source SRC table N row N`; SRC is declared by a
    `source` statement of the pack whose citation names the transcription's
    page path and commit (its first 8 digits at least); the rule's id is the
    source's prefix followed by <table>R<row>;
  - every row of the transcription (the tables the pack covers) has exactly
    one rule, or one documented non-rule: a comment
        # norule ID: why the row is not a rule
    and never both; a rule or a norule without a transcription row is an
    error, and so is a rule id given twice;
  - the rule's port, protocol, direction and optional flag agree with what
    the row's cells say, read as described below;
  - a rule's keys are known and in the canonical print order (KEY_ORDER);
  - every role and feature a pack names is declared: a product pack
    (lync2013, sfb2015, sfb2019) must load alone, so by itself; the other
    packs load on top of any product pack, so by themselves or by every
    product pack.
Run without PACK arguments, it also checks the packs that load together:
the product packs declare the same roles (of the same kinds) and pool
types, so an inventory carries over; a pack on top of them declares no
role, feature, source or pool type that a product or another such pack
declares.
One line per problem, then a summary per pack; exit 1 on any problem, 0
otherwise.

How the cells are read (the table of readings).  Rows whose text needs
judgement are read by the patterns below; each names why.

  port   numbers and ranges in the port cell ("57501-65535", "5060 ...,
         5061", "between 1024 and 65535", "464/TCP/UDP"), merged; compared
         with the rule's ports merged the same way.  "1024-65535 *" is the
         client media range (`port client-media`).  A DHCP cell "67/68" reads
         as 67: the client sends to the server's port 67 and the answer comes
         back to 68, one request/response exchange (T4R1, T4R12).
  proto  internal tables: TCP, HTTP(S), DCOM, RPC or SMB in the protocol
         cell mean tcp, UDP or DHCP udp, both tcp/udp; an empty cell is read
         by PROTO_READINGS (Office Web Apps 443: HTTPS, tcp).  edge.tsv: its
         TCP/UDP column.  dependencies.tsv: the protocol column, or the
         protocol named in the port cell when the page has no protocol
         column ("-").
  dir    internal table 1 lists the ports each role listens on: `in`,
         unless the notes say the role sends (OUT_PATTERNS: outgoing,
         outbound, "from Front End Servers/Directors to", push ... to,
         "to retrieve ... stored on"); a note saying incoming wins.
         Tables 2 and 3 (VIPs), in.  Table 4 lists client ports: `in` for
         the client media range and the file transfer range between
         clients, `out` for the rest (ports of servers the client reaches).
         edge.tsv: its edge_dir column (the transcriber's reading, checked
         against the source and destination cells: the Edge side must be
         the destination of an `in` row and the source of an `out` row).
         dependencies.tsv: every table transcribed lists ports a server
         (the row's listener) listens on: `in`.
  optional  OPTIONAL_READINGS, matched on the service and notes text:
         optional(ly), "when HTTPS is not used", "if DNS SRV fails",
         "does not have to be started if", "don't have to open", "fallback
         when"; and two judgements: the Centralized Logging Service rows of
         the Edge (the controller connects only when an administrator runs
         logging commands) and Kerberos password change (used only when a
         password changes).
"""
import os
import re
import shlex
import sys

PRODUCTS = ("lync2013", "sfb2015", "sfb2019")

# pack -> (transcription file, format, tables covered or None for all,
#          id prefix for single-source formats)
PACKS = {
    "lync2013": ("lync2013-internal.en.tsv", "internal", None, "T"),
    "sfb2015": ("sfb2015-internal.tsv", "internal", None, "T"),
    "sfb2019": ("sfb2019-internal.tsv", "internal", None, "T"),
    "edge-internal": ("edge.tsv", "edge", {2, 4, 6}, "E"),
    "edge-external": ("edge.tsv", "edge", {1, 3, 5}, "E"),
    "dependencies": ("dependencies.tsv", "deps", None, None),
}

OUT_PATTERNS = [
    (r"\boutgoing\b", "the notes say outgoing"),
    (r"\boutbound\b", "the notes say outbound"),
    (r"\bfrom (Front End Servers|Directors) to\b", "from the role to a peer"),
    (r"\bpush\b.*\bto\b", "configuration pushed to the servers"),
    (r"\bto retrieve\b.*\bstored on\b", "the role fetches what is stored elsewhere"),
]
IN_OVERRIDE = r"\bincoming\b"

OPTIONAL_READINGS = [
    (r"\boptional(ly)?\b", "the page says optional(ly)"),
    (r"when HTTPS is not used", "only when HTTPS is not used"),
    (r"if DNS SRV fails", "only when DNS SRV lookup fails"),
    (r"does not have to be started if", "the service may be off"),
    (r"don't have to open", "the page says the port need not be open"),
    (r"fallback when", "a fallback"),
    (r"Centralized Logging Service controller",
     "judgement: the controller connects only when an administrator runs "
     "logging commands"),
    (r"Kerberos password change",
     "judgement: used only when a password changes"),
]

PROTO_READINGS = [
    (r"connect to Office Web Apps Server", "tcp",
     "the Office Web Apps row has no protocol cell; 443 there is HTTPS"),
]

CLIENT_MEDIA = "client-media"


class Problems:
    def __init__(self, pack):
        self.pack = pack
        self.n = 0

    def __call__(self, where, msg):
        print("pack-rows: %s: %s: %s" % (self.pack, where, msg))
        self.n += 1


# ---- ports --------------------------------------------------------------

def merge(ranges):
    """Sorted, merged list of (lo, hi) port ranges."""
    out = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def fmt_ports(ranges):
    if ranges == CLIENT_MEDIA:
        return CLIENT_MEDIA
    if ranges is None:
        return "?"
    return ",".join(str(lo) if lo == hi else "%d-%d" % (lo, hi)
                    for lo, hi in ranges)


def rule_ports(text):
    """A rule's `port` value as merged ranges (or CLIENT_MEDIA)."""
    if text == CLIENT_MEDIA:
        return CLIENT_MEDIA
    ranges = []
    for elem in text.split(","):
        lo, _, hi = elem.partition("-")
        try:
            ranges.append((int(lo), int(hi or lo)))
        except ValueError:
            return None
    return merge(ranges)


def cell_ports(cell):
    """The ports a transcription's port cell names, as merged ranges."""
    c = cell.strip()
    if re.fullmatch(r"1024-65535\s*\*", c):
        return CLIENT_MEDIA
    m = re.fullmatch(r"(\d+)/(\d+)", c)
    if m:                       # 67/68: the DHCP request goes to 67
        return merge([(int(m.group(1)), int(m.group(1)))])
    ranges = []
    c = re.sub(r"between (\d+) and (\d+)", r"\1-\2", c)
    for m in re.finditer(r"(\d+)(?:\s*-\s*(\d+))?", c):
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if not 1 <= lo <= hi <= 65535:
            return None
        ranges.append((lo, hi))
    return merge(ranges) if ranges else None


# ---- protocols ----------------------------------------------------------

def proto_of(text):
    """tcp, udp, tcp/udp or None from a protocol text."""
    u = text.upper()
    tcp = any(w in u for w in ("TCP", "HTTP", "DCOM", "RPC", "SMB"))
    udp = "UDP" in u or "DHCP" in u
    if tcp and udp:
        return "tcp/udp"
    if udp:
        return "udp"
    if tcp:
        return "tcp"
    return None


# ---- transcriptions -----------------------------------------------------

class Row:
    def __init__(self, rid, table, row, doc):
        self.id = rid
        self.table = table
        self.row = row
        self.doc = doc          # key of the page in the transcription
        self.ports = None
        self.proto = None
        self.dir = None
        self.optional = False
        self.why = []           # readings applied
        self.error = None       # the row cannot be read


def read_tsv(path):
    """(header comment lines, column names, rows as dicts)."""
    header, cols, rows = [], None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                header.append(line)
                continue
            if not line.strip():
                continue
            cells = line.split("\t")
            if cols is None:
                cols = cells
                continue
            cells += [""] * (len(cols) - len(cells))
            rows.append(dict(zip(cols, cells)))
    return header, cols, rows


def read_optional(row, text):
    for pat, why in OPTIONAL_READINGS:
        if re.search(pat, text, re.I):
            row.optional = True
            row.why.append("optional: " + why)
            return


def read_internal(d, prefix):
    t, r = int(d["table"]), int(d["row"])
    row = Row("%s%dR%d" % (prefix, t, r), t, r, None)
    notes, port, proto = d["notes"], d["port"], d["protocol"]
    if d["role"].startswith("(empty row)"):
        row.error = "the page's row is empty"
        return row
    row.ports = cell_ports(port)
    if row.ports is None:
        row.error = "port cell %r names no port" % port
        return row
    row.proto = proto_of(proto)
    if row.proto is None:
        for pat, p, why in PROTO_READINGS:
            if re.search(pat, notes):
                row.proto = p
                row.why.append("proto: " + why)
                break
        else:
            row.error = "protocol cell %r has no reading" % proto
            return row
    if t == 4:
        if row.ports == CLIENT_MEDIA or re.search(
                r"file transfer between .* clients and previous clients", notes):
            row.dir = "in"
        else:
            row.dir = "out"
    elif t == 1:
        row.dir = "in"
        if not re.search(IN_OVERRIDE, notes):
            for pat, why in OUT_PATTERNS:
                if re.search(pat, notes):
                    row.dir = "out"
                    row.why.append("dir: " + why)
                    break
    else:
        row.dir = "in"
    read_optional(row, d["service"] + " " + notes)
    return row


EDGE_SIDE = r"Edge Server|XMPP Proxy"


def read_edge(d, prefix):
    t, r = int(d["table"]), int(d["row"])
    row = Row("%s%dR%d" % (prefix, t, r), t, r, None)
    row.ports = cell_ports(d["port"])
    if row.ports is None:
        row.error = "port cell %r names no port" % d["port"]
        return row
    row.proto = proto_of(d["tcp_or_udp"])
    row.dir = d["edge_dir"].strip()
    if row.dir not in ("in", "out"):
        row.error = "edge_dir %r is neither in nor out" % d["edge_dir"]
        return row
    src = re.search(EDGE_SIDE, d["source"]) is not None
    dst = re.search(EDGE_SIDE, d["destination"]) is not None
    if src != dst and row.dir != ("out" if src else "in"):
        row.error = ("edge_dir %s, but the Edge is the %s of the row"
                     % (row.dir, "source" if src else "destination"))
        return row
    read_optional(row, d["notes"])
    return row


def read_deps(d, _prefix):
    t, r = int(d["table"]), int(d["row"])
    row = Row("%s%dR%d" % (d["doc"], t, r), t, r, d["doc"])
    row.ports = cell_ports(re.sub(r"/(TCP|UDP)", "", d["port"]))
    if row.ports is None or row.ports == CLIENT_MEDIA:
        row.error = "port cell %r names no port" % d["port"]
        return row
    ptext = d["protocol"] if d["protocol"] != "-" else d["port"]
    row.proto = proto_of(ptext)
    if row.proto is None:
        row.error = "no protocol in %r" % ptext
        return row
    row.dir = "in"
    read_optional(row, d["service"] + " " + d["notes"])
    return row


def load_transcription(path, fmt, tables, prefix):
    """({doc key: (repo, path, commit)}, {id: Row}) of a transcription."""
    header, cols, rows = read_tsv(path)
    docs = {}
    for h in header:
        m = re.match(r"# source: (\S+) (\S+) @ ([0-9a-f]{40})", h)
        if m:
            docs[None] = m.groups()
        m = re.match(r"# doc (\w+): (\S+) (\S+) @ ([0-9a-f]{40})", h)
        if m:
            docs[m.group(1)] = m.groups()[1:]
    reader = {"internal": read_internal, "edge": read_edge, "deps": read_deps}[fmt]
    out = {}
    for d in rows:
        if tables is not None and int(d["table"]) not in tables:
            continue
        row = reader(d, prefix)
        out[row.id] = row
    return docs, out


# ---- packs --------------------------------------------------------------

class Pack:
    def __init__(self, name):
        self.name = name
        self.header = None          # (name, title) of the pack statement
        self.first = None           # keyword of the first statement
        self.sources = {}           # name -> citation text (with url)
        self.roles = set()
        self.features = set()
        self.rules = {}             # id -> {key: value}
        self.dups = []
        self.norules = {}           # id -> reason
        self.refs = []              # (what, name, where) roles/features named
        self.role_kind = {}         # role -> kind
        self.pooltypes = set()


FLAGS = ("optional", "reqresp")
# The canonical print order of a rule's keys (the design of issue 16):
# packs are written in it, so that a pack reads like conformd's -T -v.
KEY_ORDER = ("source", "table", "row", "role", "dir", "proto", "port", "app",
             "peer", "optional", "reqresp", "feature", "service", "note")


def read_pack(path, name):
    pack = Pack(name)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for line in text.split("\n"):
        m = re.match(r"#\s*norule\s+(\S+?):?\s+(\S.*)$", line)
        if m:
            pack.norules[m.group(1)] = m.group(2)
    text = re.sub(r"\\[ \t\r]*\n", " ", text)
    for line in text.split("\n"):
        words = shlex.split(line, comments=True, posix=True)
        if not words:
            continue
        kw = words[0]
        if pack.first is None:
            pack.first = kw
        if kw == "pack":
            pack.header = tuple(words[1:3])
        elif kw == "source" and len(words) >= 3:
            pack.sources[words[1]] = " ".join(words[2:])
        elif kw == "role" and len(words) >= 2:
            pack.roles.add(words[1])
            pack.role_kind[words[1]] = words[2] if len(words) > 2 else None
            for i, w in enumerate(words):
                if w == "no-implied" and i + 1 < len(words):
                    for ro in words[i + 1].split(","):
                        pack.refs.append(("role", ro, "role " + words[1]))
        elif kw == "feature" and len(words) >= 2:
            if len(words) >= 3 and words[2] != "role":
                pack.features.add(words[1])
            else:
                pack.refs.append(("feature", words[1], "feature " + words[1]))
            for i, w in enumerate(words):
                if w == "role" and i + 1 < len(words):
                    for ro in words[i + 1].split(","):
                        pack.refs.append(("role", ro, "feature " + words[1]))
        elif kw == "pool-type":
            if len(words) >= 2:
                pack.pooltypes.add(words[1])
            for w in words[3::2]:
                pack.refs.append(("role", w, "pool-type " + words[1]))
        elif kw == "rule" and len(words) >= 2:
            fields, i = {}, 2
            while i < len(words):
                fields.setdefault("_order", []).append(words[i])
                if words[i] in FLAGS:
                    fields[words[i]] = True
                    i += 1
                else:
                    fields[words[i]] = words[i + 1] if i + 1 < len(words) else ""
                    i += 2
            if words[1] in pack.rules:
                pack.dups.append(words[1])
            pack.rules[words[1]] = fields
            for key, what in (("role", "role"), ("peer", "role"), ("feature", "feature")):
                for v in fields.get(key, "").split(","):
                    if v:
                        pack.refs.append((what, v, words[1]))
    return pack


def find(dirs, fname):
    for d in dirs:
        p = os.path.join(d, fname)
        if os.path.isfile(p):
            return p
    return None


def check_pack(name, rules_dir, ref_dirs, products):
    prob = Problems(name)
    fname, fmt, tables, prefix = PACKS[name]
    tpath = find(ref_dirs, fname)
    if tpath is None:
        print("pack-rows: %s: SKIP: no %s in %s" % (name, fname, ", ".join(ref_dirs)))
        return None
    ppath = os.path.join(rules_dir, name + ".rules")
    if not os.path.isfile(ppath):
        prob(ppath, "no such pack file")
        return prob.n
    pack = read_pack(ppath, name)
    docs, rows = load_transcription(tpath, fmt, tables, prefix)
    if not docs:
        prob(tpath, "names no page (# source: or # doc lines)")

    # the pack statement comes first and names the file
    if pack.first != "pack" or not pack.header or pack.header[0] != name \
            or len(pack.header) < 2:
        prob(ppath, "the first statement must be `pack %s \"title\"`" % name)

    # declared names: a product alone, the others over every product
    roles, features = set(pack.roles), set(pack.features)
    if name not in PRODUCTS:
        for p in PRODUCTS:
            if p not in products:
                prob(ppath, "product pack %s.rules is missing: cannot tell "
                     "which names every product declares" % p)
        common_r = common_f = None
        for p in products.values():
            common_r = set(p.roles) if common_r is None else common_r & p.roles
            common_f = set(p.features) if common_f is None else common_f & p.features
        roles |= common_r or set()
        features |= common_f or set()
    for what, v, where in pack.refs:
        if v not in (roles if what == "role" else features):
            prob(where, "%s %s is not declared%s" % (
                what, v, "" if name in PRODUCTS else
                " (here or by every product pack)"))

    # the sources the transcription's pages are cited by
    src_doc = {}
    for sname, cite in pack.sources.items():
        for key, (repo, path, commit) in docs.items():
            if path in cite and commit[:8] in cite and repo in cite:
                src_doc[sname] = key
    for key, (repo, path, commit) in docs.items():
        if key not in src_doc.values():
            prob(ppath, "no `source` cites %s %s @ %s" % (repo, path, commit[:8]))

    for rid in pack.dups:
        prob(rid, "rule id given twice")
    nrules = nnorules = 0
    for rid, r in pack.rules.items():
        src = r.get("source")
        if src is None:
            prob(rid, "no source")
            continue
        if src not in pack.sources:
            prob(rid, "source %s is not declared" % src)
            continue
        if src not in src_doc:
            prob(rid, "source %s cites no page of %s" % (src, fname))
            continue
        key = src_doc[src]
        pre = prefix if key is None else key
        want = "%s%sR%s" % (pre, r.get("table"), r.get("row"))
        if rid != want:
            prob(rid, "source %s table %s row %s makes the id %s"
                 % (src, r.get("table"), r.get("row"), want))
            continue
        row = rows.get(rid)
        if row is None:
            prob(rid, "no row %s of table %s in %s" % (r.get("row"), r.get("table"), fname))
            continue
        if rid in pack.norules:
            prob(rid, "both a rule and a norule")
            continue
        nrules += 1
        keys = r.get("_order", [])
        rank = [KEY_ORDER.index(k) if k in KEY_ORDER else -1 for k in keys]
        if -1 in rank:
            prob(rid, "unknown key %s" % keys[rank.index(-1)])
        elif rank != sorted(rank):
            prob(rid, "keys not in canonical order (%s)" % " ".join(KEY_ORDER))
        if row.error:
            prob(rid, "row cannot be read: %s" % row.error)
            continue
        have = rule_ports(r.get("port", ""))
        if have != row.ports:
            prob(rid, "port %s, the row says %s" % (r.get("port"), fmt_ports(row.ports)))
        if r.get("proto") != row.proto:
            prob(rid, "proto %s, the row says %s" % (r.get("proto"), row.proto))
        if r.get("dir") != row.dir:
            prob(rid, "dir %s, the row says %s%s" % (
                r.get("dir"), row.dir,
                " (" + "; ".join(w for w in row.why if w.startswith("dir")) + ")"
                if any(w.startswith("dir") for w in row.why) else ""))
        if bool(r.get("optional")) != row.optional:
            prob(rid, "%s, the row says %s" % (
                "optional" if r.get("optional") else "required",
                "; ".join(w for w in row.why if w.startswith("optional"))
                if row.optional else "required (no reading makes it optional)"))
    for rid, why in pack.norules.items():
        if rid not in rows:
            prob(rid, "norule names a row that %s does not have" % fname)
        elif rid not in pack.rules:
            nnorules += 1
    for rid in rows:
        if rid not in pack.rules and rid not in pack.norules:
            row = rows[rid]
            prob(rid, "missing: no rule and no `# norule %s:` for this row "
                 "(%s)" % (rid, row.error if row.error else
                           "port %s, proto %s, dir %s%s" % (
                               fmt_ports(row.ports), row.proto, row.dir,
                               ", optional" if row.optional else "")))
    print("pack-rows: %s: %d rows of %s: %d rules, %d non-rules, %d problems"
          % (name, len(rows), fname, nrules, nnorules, prob.n))
    return prob.n


def check_together(rules_dir):
    """Packs that load together: the product packs name their roles and
    pool types alike (an inventory carries over), and a pack on top of
    them declares no name a product or another such pack declares."""
    prob = Problems("together")
    packs = {}
    for n in PACKS:
        path = os.path.join(rules_dir, n + ".rules")
        if os.path.isfile(path):
            packs[n] = read_pack(path, n)
    prods = [packs[p] for p in PRODUCTS if p in packs]
    for p in prods[1:]:
        for what, a, b in (("roles", prods[0].roles, p.roles),
                           ("pool types", prods[0].pooltypes, p.pooltypes)):
            if a != b:
                prob(p.name, "%s differ from %s's: %s" % (
                    what, prods[0].name, " ".join(sorted(a ^ b))))
        for ro, kind in p.role_kind.items():
            if ro in prods[0].role_kind and prods[0].role_kind[ro] != kind:
                prob(p.name, "role %s is %s, %s in %s" % (
                    ro, kind, prods[0].role_kind[ro], prods[0].name))
    others = [packs[n] for n in PACKS if n not in PRODUCTS and n in packs]
    for i, o in enumerate(others):
        for what, attr in (("role", "roles"), ("feature", "features"),
                           ("source", "sources"), ("pool-type", "pooltypes")):
            mine = set(getattr(o, attr))
            for q in prods + others[:i] + others[i + 1:]:
                for v in sorted(mine & set(getattr(q, attr))):
                    prob(o.name, "%s %s is also declared by %s, and the two "
                         "load together" % (what, v, q.name))
    print("pack-rows: together: %d packs, %d problems" % (len(packs), prob.n))
    return prob.n


def main(argv):
    args = argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    rules_dir = os.path.join(here, "..", "rules")
    ref_dirs = []
    names = []
    while args:
        a = args.pop(0)
        if a == "--rules-dir" and args:
            rules_dir = args.pop(0)
        elif a == "--reference-dir" and args:
            ref_dirs.append(args.pop(0))
        elif a.startswith("-"):
            print(__doc__.split("\n\n")[1], file=sys.stderr)
            return 2
        else:
            names.append(a)
    if not ref_dirs:
        ref_dirs = [os.path.join(here, "..", "..", "shared", "reference"),
                    os.path.join(here, "reference")]
    for n in names:
        if n not in PACKS:
            print("pack-rows: unknown pack %s (known: %s)" % (n, " ".join(PACKS)))
            return 2
    products = {}
    for p in PRODUCTS:
        path = os.path.join(rules_dir, p + ".rules")
        if os.path.isfile(path):
            products[p] = read_pack(path, p)
    total = checked = 0
    for n in names or list(PACKS):
        r = check_pack(n, rules_dir, ref_dirs, products)
        if r is not None:
            checked += 1
            total += r
    if not names:
        total += check_together(rules_dir)
    if checked == 0:
        print("pack-rows: SKIP: no transcription found")
        return 77
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
