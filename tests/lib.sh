# tests/lib.sh - small shared helpers for the shell tests (sourced, POSIX sh).
#
# Automake's test protocol: exit 0 pass, 1 fail, 77 skip, 99 hard error.
# A skip always prints its reason, so a skipped test is visible in the log.
#
#   . "$top_srcdir/tests/lib.sh"
#   lib_name e2e-lync            # prefix for messages
#   lib_need_root                # skip unless uid 0
#   lib_need_tools ip tcpdump    # skip naming the missing tools
#   lib_check "name" cmd args    # run one check, count and print it
#   lib_summary                  # "NAME: N passed, N failed", exit 0/1
#   lib_watchdog, lib_wait_for, lib_alive: for tests that run daemons

LIB_NAME=${LIB_NAME:-test}
LIB_PASSED=0
LIB_FAILED=0

# lib_alive PID: PID is a live process (there, and not a zombie).
lib_alive() {
	[ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]
}

# lib_wait_for SECONDS CMD...: run CMD every 0.05 s until it succeeds;
# status 1 once SECONDS have passed.
lib_wait_for() {
	_lib_deadline=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$_lib_deadline" ] && return 1
		sleep 0.05
	done
	return 0
}

# lib_watchdog SECONDS: a helper process that ends this test (SIGTERM to the
# shell) if it still runs after SECONDS; its PID in LIB_WATCHDOG, to be
# killed by the test's cleanup.
lib_watchdog() {
	(
		sleep "$1" &
		sp=$!
		trap 'kill $sp 2>/dev/null; exit 0' TERM
		wait $sp && echo "$LIB_NAME: still running after $1 s: giving up" >&2 &&
		    kill -TERM $$
	) &
	LIB_WATCHDOG=$!
}

# Set the name used in messages and in the summary line.
lib_name() {
	LIB_NAME=$1
}

# Skip the test (exit 77) with a printed reason.
lib_skip() {
	echo "SKIP: $LIB_NAME $*"
	exit 77
}

# Fail the whole test (exit 1) with a printed reason.
lib_fail() {
	echo "FAIL: $LIB_NAME: $*" >&2
	exit 1
}

# Hard error (exit 99): the test itself is broken, not the code under test.
lib_error() {
	echo "ERROR: $LIB_NAME: $*" >&2
	exit 99
}

# Skip unless running as root.
lib_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $LIB_NAME needs root${1:+ for $*}"
		exit 77
	fi
}

# Skip when any of the named programs is not on PATH; names every missing one.
lib_need_tools() {
	lib_missing=
	for lib_t in "$@"; do
		command -v "$lib_t" >/dev/null 2>&1 || lib_missing="$lib_missing $lib_t"
	done
	if [ -n "$lib_missing" ]; then
		echo "SKIP: $LIB_NAME needs these tools, missing:$lib_missing"
		exit 77
	fi
}

# Record one check result: lib_pass "what", lib_failed "what" ["why"].
lib_pass() {
	LIB_PASSED=$((LIB_PASSED + 1))
	echo "ok: $*"
}

lib_failed() {
	LIB_FAILED=$((LIB_FAILED + 1))
	echo "FAIL: $*"
}

# Run a command as one check: lib_check "description" cmd [args...].
lib_check() {
	lib_desc=$1
	shift
	if "$@"; then
		lib_pass "$lib_desc"
	else
		lib_failed "$lib_desc"
	fi
}

# The golden cases (tests/cases/NAME/, see tests/README): lib_each_case
# EDGEDIR FUNC calls `FUNC NAME CAPTURE CONF` for each, in name order, in
# this shell (FUNC may count).  CAPTURE is the absolute path of the case's
# input: a `gen-edge FILE` case's is EDGEDIR/FILE (the caller has run
# tests/gen-edge EDGEDIR), a `file PATH` case's PATH from the case's
# folder.  CONF is the case's conformd.conf.  A folder without a readable
# input line, or with one of neither kind, is a hard error.
lib_each_case() {
	lib_edge=$1 lib_fn=$2
	for lib_dir in "$top_srcdir"/tests/cases/*/; do
		lib_dir=${lib_dir%/}
		lib_case=${lib_dir##*/}
		[ -f "$lib_dir/input" ] || lib_error "tests/cases/$lib_case: no input file"
		lib_kind= lib_what= lib_rest=
		read -r lib_kind lib_what lib_rest <"$lib_dir/input"
		[ -n "$lib_what" ] && [ -z "$lib_rest" ] ||
		    lib_error "tests/cases/$lib_case/input:1: want \"gen-edge FILE\" or \"file PATH\""
		case $lib_kind in
		gen-edge) lib_cap=$lib_edge/$lib_what ;;
		file)	lib_cap=$(cd "$lib_dir/$(dirname "$lib_what")" 2>/dev/null && pwd) ||
			    lib_error "tests/cases/$lib_case/input:1: no directory for $lib_what"
			lib_cap=$lib_cap/$(basename "$lib_what") ;;
		*)	lib_error "tests/cases/$lib_case/input:1: unknown input $lib_kind (gen-edge FILE or file PATH)" ;;
		esac
		"$lib_fn" "$lib_case" "$lib_cap" "$lib_dir/conformd.conf"
	done
}

# lib_conf_with BASE [LINE...]: the site of configuration BASE (its rules,
# rules-dir, site-rules and inventory with their paths made absolute; its
# product and pack lines) followed by LINEs, on standard output: a
# configuration that can live anywhere.
lib_conf_with() {
	lib_base=$1
	shift
	lib_bdir=$(cd "$(dirname "$lib_base")" && pwd)
	awk -v d="$lib_bdir" '$1 == "rules" || $1 == "inventory" || $1 == "rules-dir" || $1 == "site-rules" {
	    print $1, (substr($2, 1, 1) == "/" ? $2 : d "/" $2) }
	    $1 == "product" || $1 == "pack" { print $1, $2 }' "$lib_base"
	for lib_l in "$@"; do echo "$lib_l"; done
}

# Print "NAME: N passed, N failed" and exit 1 if anything failed, else 0.
lib_summary() {
	echo "$LIB_NAME: $LIB_PASSED passed, $LIB_FAILED failed"
	[ "$LIB_FAILED" -eq 0 ] && exit 0
	exit 1
}
