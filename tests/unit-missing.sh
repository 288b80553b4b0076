#!/bin/sh
# tests/unit-missing.sh - installed as tests/unit when configure found no
# CUnit: the unit tests cannot be built, and `make check` must not pass
# without them.  Exit 99 (a hard error for Automake's test driver).
echo "ERROR: tests/unit: CUnit was not found when ./configure ran, so the unit tests" >&2
echo "  (tests/test_*.c) were not built.  Install CUnit (Debian: libcunit1-dev," >&2
echo "  scripts/install-deps.sh installs it), then re-run ./configure and make check." >&2
exit 99
