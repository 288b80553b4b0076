# tests/report-browser.sh - render `conformd --report --html` of some
# databases and check the page, as written and as a real browser shows it
# (sourced, POSIX sh, after tests/lib.sh; used by tests/report-html.sh,
# tests/e2e-lync.sh and tests/e2e-blocked.sh).
#
#   report_browser_check NAME DIR PNG DB ...
#
# writes DIR/NAME.html with the binary at $conformd, then:
#   - tests/report-html-check.py on the file: every heatmap cell's state
#     is its (host, rule) coverage row in the databases, one findings row
#     per finding, nothing loaded from outside;
#   - headless Chromium (Debian's chromium) with the network off (its own
#     network namespace when root, and a dead proxy and resolver anyway)
#     loads it: --dump-dom gives the DOM, checked the same way and for the
#     inline script having run; --screenshot gives a PNG whose size
#     (bytes, width, height) is checked, copied to PNG when not empty.
# Without chromium the browser checks are skipped with a message (the
# file checks still run).  Results through lib_pass / lib_failed.

REPORT_BROWSER_W=1200
REPORT_BROWSER_H=1500

# chromium headless, network off, a fresh profile under $1; the rest are
# chromium's arguments.
report_browser_run() {
	rb_profile=$1
	shift
	rm -rf "$rb_profile"
	set -- --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --disable-extensions --proxy-server=127.0.0.1:9 \
	    "--host-resolver-rules=MAP * ~NOTFOUND" "--user-data-dir=$rb_profile" "$@"
	if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
		unshare --net timeout 300 chromium "$@"
	else
		timeout 300 chromium "$@"
	fi
}

report_browser_check() {
	rb_name=$1
	rb_dir=$2
	rb_png=$3
	shift 3
	rb_page=$rb_dir/$rb_name.html
	"$conformd" --report --html "$rb_page" "$@" >"$rb_dir/$rb_name.out" 2>"$rb_dir/$rb_name.err"
	rb_rc=$?
	if [ $rb_rc -le 1 ] && [ -s "$rb_page" ] && [ ! -s "$rb_dir/$rb_name.out" ]; then
		lib_pass "$rb_name: --report --html wrote $(wc -c <"$rb_page") bytes (exit $rb_rc)"
	else
		lib_failed "$rb_name: --report --html: exit $rb_rc: $(head -3 "$rb_dir/$rb_name.err")"
		return
	fi
	python3 "$top_srcdir/tests/report-html-check.py" "$rb_page" "$@" >"$rb_dir/$rb_name.check"
	while IFS= read -r rb_line; do
		case $rb_line in
		ok:*) lib_pass "$rb_name page: ${rb_line#ok: }" ;;
		*) lib_failed "$rb_name page: ${rb_line#FAIL: }" ;;
		esac
	done <"$rb_dir/$rb_name.check"
	if ! command -v chromium >/dev/null 2>&1; then
		echo "SKIP: $rb_name: no chromium (scripts/install-deps.sh installs it): browser checks not run"
		return
	fi
	report_browser_run "$rb_dir/$rb_name.profile" --dump-dom "file://$rb_page" \
	    >"$rb_dir/$rb_name.dom" 2>"$rb_dir/$rb_name.chromium.err"
	if [ ! -s "$rb_dir/$rb_name.dom" ]; then
		lib_failed "$rb_name: chromium --dump-dom gave nothing: $(tail -3 "$rb_dir/$rb_name.chromium.err")"
	else
		python3 "$top_srcdir/tests/report-html-check.py" --dom "$rb_dir/$rb_name.dom" "$@" \
		    >"$rb_dir/$rb_name.domcheck"
		while IFS= read -r rb_line; do
			case $rb_line in
			ok:*) lib_pass "$rb_name in chromium: ${rb_line#ok: }" ;;
			*) lib_failed "$rb_name in chromium: ${rb_line#FAIL: }" ;;
			esac
		done <"$rb_dir/$rb_name.domcheck"
	fi
	report_browser_run "$rb_dir/$rb_name.profile" \
	    "--window-size=$REPORT_BROWSER_W,$REPORT_BROWSER_H" \
	    "--screenshot=$rb_dir/$rb_name.png" "file://$rb_page" \
	    >/dev/null 2>>"$rb_dir/$rb_name.chromium.err"
	# a PNG of the window's size, with more in it than a blank page
	rb_size=$(python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
ok = d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR"
print("%d %dx%d" % ((len(d),) + struct.unpack(">II", d[16:24])) if ok else "0 none")' \
	    "$rb_dir/$rb_name.png" 2>/dev/null)
	case $rb_size in
	*" ${REPORT_BROWSER_W}x$REPORT_BROWSER_H")
		if [ "${rb_size%% *}" -gt 20000 ] && [ "${rb_size%% *}" -lt 5000000 ]; then
			lib_pass "$rb_name: screenshot $rb_size (bytes, pixels)"
			[ -z "$rb_png" ] || cp "$rb_dir/$rb_name.png" "$rb_png"
		else
			lib_failed "$rb_name: screenshot of ${rb_size%% *} bytes: blank or runaway"
		fi
		;;
	*)
		lib_failed "$rb_name: no screenshot of ${REPORT_BROWSER_W}x$REPORT_BROWSER_H: '$rb_size'"
		;;
	esac
}
