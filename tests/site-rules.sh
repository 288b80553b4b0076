#!/bin/sh
# site-rules.sh - fitting conformd to a site, through the real binary on the
# shipped sample: the product and packs loaded from a rules directory, the
# site's own rules (citing its sources) accepting its infrastructure
# traffic, `disable` and `override` of shipped rules, features the site
# does not deploy giving no missing finding, `fail-on` deciding the exit
# status, and missing findings that name the host where it belongs (the
# source of an `out` rule; a host with several addresses has its first).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
lib_name site-rules
lib_need_tools sqlite3

bin=$top_builddir/conformd
sample=$top_srcdir/samples/lync-site.pcap
inv=$top_srcdir/samples/inventory.conf
rules=$top_srcdir/rules
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformd-site.XXXXXX") || lib_error "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM

q() { sqlite3 -batch -noheader "$1" "$2"; }

# conf NAME LINES...: a configuration in $tmp/NAME.conf over the sample's
# inventory and the shipped rules directory.
conf() {
	n=$1
	shift
	{
		printf 'rules-dir %s\ninventory %s\n' "$rules" "$inv"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$tmp/$n.conf"
}

# run NAME WANT_STATUS: -r the sample into $tmp/NAME.db and .eve
run() {
	rm -f "$tmp/$1.db" "$tmp/$1.eve"
	"$bin" -q -c "$tmp/$1.conf" -r "$sample" --db "$tmp/$1.db" --eve "$tmp/$1.eve" \
	    >"$tmp/$1.out" 2>"$tmp/$1.err"
	got=$?
	[ "$got" -eq "$2" ] && return 0
	echo "  $1: exit $got, wanted $2"
	sed 's/^/    /' "$tmp/$1.err" | head -n 5
	return 1
}

# eq WHAT GOT WANT
eq() {
	[ "$2" = "$3" ] && return 0
	echo "  $1: got '$2', wanted '$3'"
	return 1
}

# --- the default product, fail-on ------------------------------------------
conf base
lib_check "default product lync2013: findings, exit 1" run base 1
lib_check "-T -v names the pack and where it came from" sh -c \
    "'$bin' -T -v -c '$tmp/base.conf' 2>/dev/null | grep -q '^# pack lync2013: .*$rules/lync2013.rules, 90 rules'"
lib_check "-T -v says why a feature is deployed" sh -c \
    "'$bin' -T -v -c '$tmp/base.conf' 2>/dev/null | grep -q '^# feature pstn: deployed (host pstn1)'"
lib_check "-T -v says which features are not" sh -c \
    "'$bin' -T -v -c '$tmp/base.conf' 2>/dev/null | grep -q '^# feature e911: not deployed'"
conf packs "pack edge-internal" "pack dependencies"
lib_check "pack lines without product: lync2013, then the packs" sh -c \
    "'$bin' -T -v -c '$tmp/packs.conf' 2>/dev/null | grep '^# pack ' | cut -d: -f1 | tr '\n' ' ' | grep -qx '# pack lync2013 # pack edge-internal # pack dependencies '"
conf sfb "product sfb2019" "pack edge-internal" "pack edge-external" "pack dependencies"
lib_check "product sfb2019 with every pack loads" sh -c "'$bin' -T -c '$tmp/sfb.conf' 2>/dev/null"
conf none "fail-on none"
lib_check "fail-on none: exit 0 with findings" run none 0
conf medium "fail-on medium"
lib_check "fail-on medium: the unexpected flows fail it" run medium 1

# --- missing: scoped, once per requirement, named where it belongs --------
lib_check "no missing finding for an undeployed feature (E9-1-1, T1R32)" eq T1R32 \
    "$(q "$tmp/base.db" "select count(*) from findings where rule_id = 'T1R32'")" 0
lib_check "T1R32 not-applicable in coverage" eq T1R32-cov \
    "$(q "$tmp/base.db" "select group_concat(distinct state) from coverage where rule_id = 'T1R32'")" \
    "not-applicable"
lib_check "T1R1 and T1R38 (one port): one missing finding on fe2, citing both" eq sqlbrowser \
    "$(q "$tmp/base.db" "select count(*) || ' ' || max(signature) from findings where kind = 'missing' and host = 'fe2' and rule_id in ('T1R1', 'T1R38')")" \
    "1 conformd missing UDP/1434 on fe2 (T1R1, T1R38)"
lib_check "an out rule's missing finding has the host as its source (T1R37 from fe1)" eq t1r37 \
    "$(q "$tmp/base.db" "select src_ip || '|' || dest_ip || '|' || dest_port from findings where kind = 'missing' and rule_id = 'T1R37'")" \
    "198.18.1.11||445"
lib_check "a host with two addresses has its first (fe2, T1R3)" eq fe2ip \
    "$(q "$tmp/base.db" "select dest_ip from findings where kind = 'missing' and host = 'fe2' and rule_id = 'T1R3'")" \
    "198.18.1.12"
lib_check "EVE: the missing T1R37 alert's src_ip is fe1" sh -c \
    "grep '\"rule\":\"T1R37\"' '$tmp/base.eve' | grep -q '\"src_ip\":\"198.18.1.11\"'"
lib_check "the rules table cites the English original" sh -c \
    "q() { sqlite3 -batch -noheader \"\$@\"; }; q '$tmp/base.db' \"select source from rules where id = 'T1R3'\" | grep -q 'Lync Server 2013.*table 1, row 3\$'"
lib_check "EVE alerts cite their rule's source" sh -c \
    "grep '\"rule\":\"T1R3\"' '$tmp/base.eve' | grep -q '\"source\":\"[^\"]*table 1, row 3\"'"

# --- the site's own rules --------------------------------------------------
cat >"$tmp/site.rules" <<'EOF'
role admin-net peer "Administrators' workstations"
rule SITE-SSH role front-end dir in proto tcp port 22 peer client \
    source "CHG-4711: SSH to the Front Ends from the admin VLAN"
rule SITE-SQL role front-end dir in proto tcp port 1433 peer client source "CHG-4712"
disable T1R19 source "no mobility on this pool"
override T1R37 peer front-end,director,mediation source "CMS pushes to Lync servers only"
EOF
conf site "site-rules $tmp/site.rules"
lib_check "site rules: -T accepts them" sh -c "'$bin' -T -c '$tmp/site.conf' 2>/dev/null"
lib_check "site rules: -T -v prints the site's file" sh -c \
    "'$bin' -T -v -c '$tmp/site.conf' 2>/dev/null | grep -q '^disable T1R19 source \"no mobility on this pool\"'"
run site 1 >/dev/null
lib_check "a site rule makes its flow expected, citing the site's source" eq ssh \
    "$(q "$tmp/site.db" "select f.verdict || '|' || f.rule_id || '|' || r.source from flows f join rules r on r.id = f.rule_id where f.dest_port = 22")" \
    "expected|SITE-SSH|CHG-4711: SSH to the Front Ends from the admin VLAN"
lib_check "no unexpected finding left for the site's 22 and 1433" eq unexp \
    "$(q "$tmp/site.db" "select count(*) from findings where kind = 'unexpected' and dest_port in (22, 1433)")" 0
lib_check "a disabled rule allows nothing (client 443 to a Front End)" eq t1r19 \
    "$(q "$tmp/site.db" "select verdict from flows where dest_ip = '198.18.1.11' and dest_port = 443")" \
    "unexpected"
lib_check "the rules table says which rules are the site's and which are disabled" eq flags \
    "$(q "$tmp/site.db" "select group_concat(x, ' ') from (select id || ':' || site || disabled as x from rules where id in ('SITE-SSH', 'T1R19', 'T1R3') order by id)")" \
    "SITE-SSH:10 T1R19:01 T1R3:00"

# --- errors the user sees ----------------------------------------------------
conf nopack "pack nosuch"
lib_check "a pack that is not there: config file:line, exit 2" sh -c \
    "'$bin' -T -c '$tmp/nopack.conf' 2>&1 | grep -q '^$tmp/nopack.conf:3: cannot read $rules/nosuch.rules'"
printf 'rule T4R13 source ms-lync2013-internal table 4 row 13 role client dir out proto tcp port 3389 source "x"\n' >"$tmp/claim.rules"
conf claim "site-rules $tmp/claim.rules"
lib_check "a site rule claiming a published table: file:line, exit 2" sh -c \
    "'$bin' -T -c '$tmp/claim.conf' 2>&1 | grep -q '^$tmp/claim.rules:1: site rule T4R13: table and row cite a published table'"
printf 'override T1R3 port 5061,5062\n' >"$tmp/widen.rules"
conf widen "site-rules $tmp/widen.rules"
lib_check "an override widening a shipped rule: file:line, exit 2" sh -c \
    "'$bin' -T -c '$tmp/widen.conf' 2>/dev/null; test \$? -eq 2 && '$bin' -T -c '$tmp/widen.conf' 2>&1 | grep -q '^$tmp/widen.rules:1: override T1R3 would widen its ports'"

lib_summary
