#!/usr/bin/env python3
"""eve-schema.py SCHEMA FILE... - validate every EVE line of FILEs against
the JSON schema SCHEMA, the top-level "conformance" object set aside (it
holds conformd's own fields, which Suricata's schema does not know).

Prints one line per failing event (file:line: path: reason, the first
reason of each) and a count; exit status 0 when every line validates, 1
when one does not, 2 when the schema or a file cannot be read."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("eve-schema.py: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema)
    lines = bad = 0
    for path in sys.argv[2:]:
        try:
            f = open(path, encoding="utf-8")
        except OSError as e:
            print("%s: %s" % (path, e), file=sys.stderr)
            return 2
        with f:
            for n, line in enumerate(f, 1):
                lines += 1
                try:
                    ev = json.loads(line)
                except ValueError as e:
                    print("%s:%d: not JSON: %s" % (path, n, e))
                    bad += 1
                    continue
                ev.pop("conformance", None)
                errs = sorted(validator.iter_errors(ev), key=lambda e: list(e.path))
                if errs:
                    bad += 1
                    e = errs[0]
                    where = "/".join(str(p) for p in e.absolute_path) or "(top)"
                    print("%s:%d: %s: %s (%s)" % (path, n, where, e.message,
                                                  ev.get("event_type")))
    print("%d events, %d fail %s" % (lines, bad, sys.argv[1]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
