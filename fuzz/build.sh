#!/bin/sh
# fuzz/build.sh - build the libFuzzer targets: a build of conformd
# configured with --enable-fuzzer and CC=clang (the core library compiled
# with -fsanitize=fuzzer-no-link,address,undefined), whose `make
# fuzz-targets` links each fuzz/fuzz_*.c against its libconformd.a with
# -fsanitize=fuzzer.  The targets are then copied to FUZZ_OUT.
#
# usage: fuzz/build.sh            (or `make fuzz` in a configured tree)
# environment:
#   FUZZ_OUT   where the targets go (default <srcdir>/fuzz/out); the build
#              itself is FUZZ_OUT/build, kept for the next run
#   FUZZ_SRC   the source tree to configure (default: the one this script
#              is in).  It must not be configured in place (no
#              config.status): `make fuzz` gives a copy made by `make
#              distdir`.  Without a configure script, ./autogen.sh runs.
#   CC         a clang (default clang)
# Prints one line per target built.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${FUZZ_SRC:-$here/..}" && pwd)
out=${FUZZ_OUT:-$here/out}
CC=${CC:-clang}

case $($CC --version 2>/dev/null | head -n 1) in
*clang*) ;;
*) echo "fuzz/build.sh: CC=$CC is not clang (libFuzzer needs clang)" >&2; exit 2 ;;
esac
if [ -f "$src/config.status" ]; then
	echo "fuzz/build.sh: $src is configured in place, so it cannot host a second build: run \`make fuzz' there (it builds from a copy)" >&2
	exit 2
fi
if [ ! -x "$src/configure" ]; then
	(cd "$src" && ./autogen.sh) >/dev/null
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
build=$out/build
# A build configured from another source tree, or by another compiler, is
# made afresh.
want="$src $CC"
if [ -f "$build/config.status" ] && [ "$(cat "$build/fuzz-build.id" 2>/dev/null)" = "$want" ]; then
	:
else
	rm -rf "$build"
	mkdir -p "$build"
	echo "+ configure --enable-fuzzer CC=$CC (in $build)"
	# The optional libraries' stubs: nothing the targets reach needs them.
	(cd "$build" && "$src/configure" --quiet --enable-fuzzer --without-cunit \
	    --without-nflog --without-tls --with-systemdsystemunitdir=no \
	    CC="$CC" CFLAGS="-g -O1") || { echo "fuzz/build.sh: configure failed: $build/config.log" >&2; exit 1; }
	echo "$want" >"$build/fuzz-build.id"
fi
echo "+ make fuzz-targets (in $build)"
make -C "$build" -j"$(nproc 2>/dev/null || echo 2)" fuzz-targets >"$build/make.log" 2>&1 ||
    { tail -n 30 "$build/make.log"; echo "fuzz/build.sh: make fuzz-targets failed: $build/make.log" >&2; exit 1; }
for t in "$build"/fuzz/fuzz_*; do
	case $t in *.o|*.a) continue ;; esac
	[ -x "$t" ] || continue
	cp "$t" "$out/"
	echo "built $out/$(basename "$t")"
done
