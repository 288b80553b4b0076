#!/bin/sh
# seed-rows.sh - the shipped rules cover every row of the seed's four port
# tables, with the seed's ports and protocols (see tests/seed-rows.py).
#
# Environment: top_srcdir (set by `make check`); SEED_DIR overrides where
# the seed lives (default: $top_srcdir/../shared/seed).  Exit 0 pass,
# 1 mismatch, 77 skip (no seed, no python3).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
seed_dir=${SEED_DIR:-$top_srcdir/../shared/seed}
seed=$seed_dir/lync2013-internal-ports.ru.md

if [ ! -f "$seed" ]; then
	echo "SKIP: seed not found at $seed"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: seed-rows needs python3"
	exit 77
fi
exec python3 "$top_srcdir/tests/seed-rows.py" "$seed" "$top_srcdir/rules/lync2013.rules"
