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

LIB_NAME=${LIB_NAME:-test}
LIB_PASSED=0
LIB_FAILED=0

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

# Print "NAME: N passed, N failed" and exit 1 if anything failed, else 0.
lib_summary() {
	echo "$LIB_NAME: $LIB_PASSED passed, $LIB_FAILED failed"
	[ "$LIB_FAILED" -eq 0 ] && exit 0
	exit 1
}
