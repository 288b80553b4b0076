/*
 * test_alertfmt.c - suite "alertfmt": the alert formats (alert.c,
 * format-syslog.c, format-cef.c, format-leef.c).
 *
 * Golden messages byte for byte for each kind of alert in each format;
 * the escapers against the published examples of each format; hostile
 * strings (quotes, brackets, pipes, '=', '^', backslashes, newlines,
 * control bytes, invalid UTF-8) parsed back by a strict parser of each
 * format and found intact, never splitting a field; truncation at every
 * size from 0 up, always well-formed and never cut inside an escape or a
 * UTF-8 character; RFC 6587 framing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/alert.h"
#include "conformd/config.h"
#include "conformd/policy.h"
#include "conformd/packet.h"
#include "conformd/record.h"
#include "unit.h"

#define T2026	1767225600000000ULL	/* 2026-01-01T00:00:00Z */
#define BIG	8192

static const struct alert_env env = {
	.hostname = "sensor1.example.net",
	.app_name = "conformd",
	.procid = 4242,
	.facility = 16,		/* local0 */
	.version = "0.1.0"
};

static struct flow_record rec;
static struct finding fnd;

/* An unexpected TCP flow from a client to a Front End on port 22. */
static const struct finding *
f_unexpected(void)
{
	memset(&rec, 0, sizeof(rec));
	rec.flow_id = 13;
	rec.first_usec = T2026 + 768942;
	strcpy(rec.src_ip, "198.18.10.21");
	strcpy(rec.dest_ip, "198.18.1.11");
	rec.src_port = 46989;
	rec.dest_port = 22;
	rec.proto = 6;
	rec.verdict = VERDICT_UNEXPECTED;
	strcpy(rec.src_role, "client");
	strcpy(rec.dest_role, "front-end");
	memset(&fnd, 0, sizeof(fnd));
	fnd.kind = FINDING_UNEXPECTED;
	fnd.severity = 2;
	fnd.signature = "conformd unexpected TCP/22 client -> front-end";
	fnd.category = "Policy Violation";
	fnd.flow = &rec;
	fnd.ts_usec = T2026 + 768942;
	return &fnd;
}

/* A missing rule: no flow, the host, its address, port and protocol. */
static const struct finding *
f_missing(void)
{
	memset(&fnd, 0, sizeof(fnd));
	fnd.kind = FINDING_MISSING;
	fnd.severity = 3;
	fnd.signature = "conformd missing TCP/5061 on fe1 (T1R3)";
	fnd.category = "Policy Violation";
	fnd.ts_usec = T2026 + 600000000ULL;
	fnd.rule_id = "T1R3";
	fnd.host = "fe1";
	fnd.host_ip = "198.18.1.11";
	fnd.port = 5061;
	fnd.proto = 6;
	return &fnd;
}

/* f_unexpected() seen through an ERSPAN II mirror session, from the
 * switch 198.18.200.1 to the collector 198.18.200.2. */
static const struct finding *
f_tunnel(void)
{
	static const uint8_t sw[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 200, 1 };
	static const uint8_t col[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 200, 2 };

	f_unexpected();
	fnd.tunnel.depth = 1;
	fnd.tunnel.type = PKT_TUN_ERSPAN2;
	fnd.tunnel.family = 4;
	memcpy(fnd.tunnel.src, sw, 16);
	memcpy(fnd.tunnel.dst, col, 16);
	return &fnd;
}

/* Everything that can come from outside, made hostile. */
static const char hostile_ev[] =
	"3 SYNs \"x\" ] [fake@1 a=\"b\"] | cs1=evil ^sev=10 \\ =\n\r\t\x01\x7f \xc3\xa9 \xff end";
static const char hostile_role[] = "cl\"i]e\\nt|=^\n";
static const char hostile_sig[] = "sig | with \\ pipe\n and ] \"q\" =^";

static const struct finding *
f_hostile(void)
{
	f_unexpected();
	strcpy(rec.src_role, hostile_role);
	strcpy(rec.dest_role, "front end");
	fnd.kind = FINDING_BLOCKED;
	fnd.severity = 1;
	fnd.signature = hostile_sig;
	fnd.rule_id = "T1R5";
	fnd.evidence = hostile_ev;
	return &fnd;
}

/* --- golden messages ------------------------------------------------------- */

static void
check_fmt(const char *what, int fmt, const struct alert *a, const char *want, int local)
{
	char buf[BIG + 1];
	size_t n;
	int cut = -1;

	if (local)
		n = alert_format_text(buf, BIG, &env, a, fmt, &cut);
	else
		n = alert_format_syslog(buf, BIG, &env, a, fmt, &cut);
	unit_assert_text(what, buf, want);
	CU_ASSERT_EQUAL(n, strlen(want));
	CU_ASSERT_EQUAL(cut, 0);
}

static void
test_golden_unexpected(void)
{
	struct alert a;

	alert_from_finding(&a, f_unexpected(), 0);
	check_fmt("rfc5424 unexpected", OUTPUT_FMT_RFC5424, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected "
	    "[conformd@32473 verdict=\"unexpected\" src_role=\"client\" dest_role=\"front-end\" "
	    "src=\"198.18.10.21\" spt=\"46989\" dst=\"198.18.1.11\" dpt=\"22\" proto=\"TCP\" "
	    "count=\"0\"] conformd unexpected TCP/22 client -> front-end", 0);
	check_fmt("cef unexpected", OUTPUT_FMT_CEF, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected - "
	    "CEF:0|conformd|conformd|0.1.0|9000001|conformd unexpected TCP/22 client -> front-end|5|"
	    "src=198.18.10.21 spt=46989 dst=198.18.1.11 dpt=22 proto=TCP act=allowed dvchost=sensor1.example.net "
	    "cat=unexpected rt=1767225600768 cs3Label=srcRole cs3=client "
	    "cs4Label=destRole cs4=front-end", 0);
	check_fmt("leef unexpected", OUTPUT_FMT_LEEF, &a,
	    "<132>1 2026-01-01T00:00:00.768Z sensor1.example.net conformd 4242 unexpected - "
	    "LEEF:2.0|conformd|conformd|0.1.0|9000001|^|cat=unexpected^sev=5^src=198.18.10.21^"
	    "srcPort=46989^dst=198.18.1.11^dstPort=22^proto=TCP^"
	    "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^devTime=2026-01-01T00:00:00.768+0000^"
	    "dvchost=sensor1.example.net^count=0^msg=conformd unexpected TCP/22 client -> front-end^srcRole=client^"
	    "dstRole=front-end", 0);
	check_fmt("eve unexpected", OUTPUT_FMT_EVE, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected - "
	    "{\"timestamp\":\"2026-01-01T00:00:00.768942+0000\",\"flow_id\":13,"
	    "\"event_type\":\"alert\",\"src_ip\":\"198.18.10.21\",\"src_port\":46989,"
	    "\"dest_ip\":\"198.18.1.11\",\"dest_port\":22,\"proto\":\"TCP\","
	    "\"alert\":{\"action\":\"allowed\",\"signature_id\":9000001,\"rev\":1,"
	    "\"signature\":\"conformd unexpected TCP/22 client -> front-end\","
	    "\"category\":\"Policy Violation\",\"severity\":2},"
	    "\"conformance\":{\"verdict\":\"unexpected\",\"rule\":null,"
	    "\"src_role\":\"client\",\"dest_role\":\"front-end\"},"
	    "\"host\":\"sensor1.example.net\"}", 0);
	/* local syslog(3): the text after the header the C library makes */
	check_fmt("text unexpected", OUTPUT_FMT_RFC5424, &a,
	    "[conformd@32473 verdict=\"unexpected\" src_role=\"client\" dest_role=\"front-end\" "
	    "src=\"198.18.10.21\" spt=\"46989\" dst=\"198.18.1.11\" dpt=\"22\" proto=\"TCP\" "
	    "count=\"0\"] conformd unexpected TCP/22 client -> front-end", 1);
	check_fmt("text cef", OUTPUT_FMT_CEF, &a,
	    "CEF:0|conformd|conformd|0.1.0|9000001|conformd unexpected TCP/22 client -> front-end|5|"
	    "src=198.18.10.21 spt=46989 dst=198.18.1.11 dpt=22 proto=TCP act=allowed dvchost=sensor1.example.net "
	    "cat=unexpected rt=1767225600768 cs3Label=srcRole cs3=client "
	    "cs4Label=destRole cs4=front-end", 1);
}

/* The same seen through an ERSPAN II mirror session from 198.18.200.1:
 * every format names the tunnel (EVE as Suricata's alerts do). */
static void
test_golden_tunnel(void)
{
	struct alert a;

	alert_from_finding(&a, f_tunnel(), 0);
	check_fmt("rfc5424 tunnel", OUTPUT_FMT_RFC5424, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected "
	    "[conformd@32473 verdict=\"unexpected\" src_role=\"client\" dest_role=\"front-end\" "
	    "src=\"198.18.10.21\" spt=\"46989\" dst=\"198.18.1.11\" dpt=\"22\" proto=\"TCP\" "
	    "count=\"0\" tunnel_type=\"erspan2\" tunnel_src=\"198.18.200.1\" "
	    "tunnel_dst=\"198.18.200.2\"] conformd unexpected TCP/22 client -> front-end", 0);
	check_fmt("cef tunnel", OUTPUT_FMT_CEF, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected - "
	    "CEF:0|conformd|conformd|0.1.0|9000001|conformd unexpected TCP/22 client -> front-end|5|"
	    "src=198.18.10.21 spt=46989 dst=198.18.1.11 dpt=22 proto=TCP act=allowed dvchost=sensor1.example.net "
	    "cat=unexpected rt=1767225600768 cs3Label=srcRole cs3=client "
	    "cs4Label=destRole cs4=front-end "
	    "cs6Label=tunnel cs6=erspan2 198.18.200.1 -> 198.18.200.2", 0);
	check_fmt("leef tunnel", OUTPUT_FMT_LEEF, &a,
	    "<132>1 2026-01-01T00:00:00.768Z sensor1.example.net conformd 4242 unexpected - "
	    "LEEF:2.0|conformd|conformd|0.1.0|9000001|^|cat=unexpected^sev=5^src=198.18.10.21^"
	    "srcPort=46989^dst=198.18.1.11^dstPort=22^proto=TCP^"
	    "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^devTime=2026-01-01T00:00:00.768+0000^"
	    "dvchost=sensor1.example.net^count=0^msg=conformd unexpected TCP/22 client -> front-end^srcRole=client^"
	    "dstRole=front-end^tunnelType=erspan2^tunnelSrc=198.18.200.1^"
	    "tunnelDst=198.18.200.2", 0);
	check_fmt("eve tunnel", OUTPUT_FMT_EVE, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected - "
	    "{\"timestamp\":\"2026-01-01T00:00:00.768942+0000\",\"flow_id\":13,"
	    "\"event_type\":\"alert\",\"src_ip\":\"198.18.10.21\",\"src_port\":46989,"
	    "\"dest_ip\":\"198.18.1.11\",\"dest_port\":22,\"proto\":\"TCP\","
	    "\"tunnel\":{\"src_ip\":\"198.18.200.1\",\"src_port\":0,"
	    "\"dest_ip\":\"198.18.200.2\",\"dest_port\":0,\"proto\":\"GRE\",\"depth\":1,"
	    "\"pkt_src\":\"wire/pcap\"},"
	    "\"alert\":{\"action\":\"allowed\",\"signature_id\":9000001,\"rev\":1,"
	    "\"signature\":\"conformd unexpected TCP/22 client -> front-end\","
	    "\"category\":\"Policy Violation\",\"severity\":2},"
	    "\"conformance\":{\"verdict\":\"unexpected\",\"rule\":null,"
	    "\"src_role\":\"client\",\"dest_role\":\"front-end\","
	    "\"tunnel_type\":\"erspan2\"},\"host\":\"sensor1.example.net\"}", 0);
}

/* IPv6: CEF's src and dst are IPv4 fields, the addresses go in c6a2
 * (source) and c6a3 (destination); LEEF's src and dst take either. */
static void
test_golden_ipv6(void)
{
	struct alert a;

	f_unexpected();
	strcpy(rec.src_ip, "2001:db8:10::21");
	strcpy(rec.dest_ip, "2001:db8:1::11");
	alert_from_finding(&a, &fnd, 0);
	check_fmt("cef ipv6", OUTPUT_FMT_CEF, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 unexpected - "
	    "CEF:0|conformd|conformd|0.1.0|9000001|conformd unexpected TCP/22 client -> front-end|5|"
	    "c6a2=2001:db8:10::21 spt=46989 c6a3=2001:db8:1::11 dpt=22 proto=TCP act=allowed "
	    "dvchost=sensor1.example.net cat=unexpected rt=1767225600768 cs3Label=srcRole cs3=client "
	    "cs4Label=destRole cs4=front-end", 0);
	check_fmt("leef ipv6", OUTPUT_FMT_LEEF, &a,
	    "<132>1 2026-01-01T00:00:00.768Z sensor1.example.net conformd 4242 unexpected - "
	    "LEEF:2.0|conformd|conformd|0.1.0|9000001|^|cat=unexpected^sev=5^src=2001:db8:10::21^"
	    "srcPort=46989^dst=2001:db8:1::11^dstPort=22^proto=TCP^"
	    "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^devTime=2026-01-01T00:00:00.768+0000^"
	    "dvchost=sensor1.example.net^count=0^msg=conformd unexpected TCP/22 client -> front-end^"
	    "srcRole=client^dstRole=front-end", 0);
}

/* The repeats not sent since the last alert: count=, cnt= (CEF's
 * baseEventCount: occurrences, so one more), count, "suppressed". */
static void
test_golden_count(void)
{
	struct alert a;
	char buf[BIG + 1];
	int cut;

	alert_from_finding(&a, f_unexpected(), 41);
	alert_format_syslog(buf, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " proto=\"TCP\" count=\"41\"]"));
	alert_format_cef(buf, BIG, &env, &a, &cut);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " rt=1767225600768 cnt=42 cs3Label="));
	alert_format_leef(buf, BIG, &env, &a, &cut);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "^count=41^msg="));
	alert_format_eve(buf, BIG, &env, &a);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf,
	    "\"src_role\":\"client\",\"dest_role\":\"front-end\",\"suppressed\":41},\"host\":\"sensor1.example.net\"}"));
	/* no repeats: no "suppressed" (the EVE file's bytes exactly) */
	alert_from_finding(&a, f_unexpected(), 0);
	alert_format_eve(buf, BIG, &env, &a);
	CU_ASSERT_PTR_NULL(strstr(buf, "suppressed"));
}

static void
test_golden_missing(void)
{
	struct alert a;

	alert_from_finding(&a, f_missing(), 0);
	check_fmt("rfc5424 missing", OUTPUT_FMT_RFC5424, &a,
	    "<133>1 2026-01-01T00:10:00.000000Z sensor1.example.net conformd 4242 missing "
	    "[conformd@32473 verdict=\"missing\" rule=\"T1R3\" dst=\"198.18.1.11\" "
	    "dpt=\"5061\" proto=\"TCP\" host=\"fe1\" count=\"0\"] "
	    "conformd missing TCP/5061 on fe1 (T1R3)", 0);
	check_fmt("cef missing", OUTPUT_FMT_CEF, &a,
	    "<133>1 2026-01-01T00:10:00.000000Z sensor1.example.net conformd 4242 missing - "
	    "CEF:0|conformd|conformd|0.1.0|9000003|conformd missing TCP/5061 on fe1 (T1R3)|3|"
	    "dst=198.18.1.11 dpt=5061 proto=TCP act=allowed dvchost=sensor1.example.net cat=missing rt=1767226200000 "
	    "cs1Label=rule cs1=T1R3 cs5Label=host cs5=fe1", 0);
	check_fmt("leef missing", OUTPUT_FMT_LEEF, &a,
	    "<133>1 2026-01-01T00:10:00.000Z sensor1.example.net conformd 4242 missing - "
	    "LEEF:2.0|conformd|conformd|0.1.0|9000003|^|cat=missing^sev=3^dst=198.18.1.11^"
	    "dstPort=5061^proto=TCP^devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^"
	    "devTime=2026-01-01T00:10:00.000+0000^policy=T1R3^dvchost=sensor1.example.net^count=0^host=fe1^"
	    "msg=conformd missing TCP/5061 on fe1 (T1R3)", 0);
}

static void
test_golden_scan(void)
{
	struct alert_scan_buf sb;
	struct alert a;
	char buf[BIG + 1];

	alert_from_scan(&a, &sb, f_unexpected(), 20, 1, 20, 60);
	check_fmt("rfc5424 scan", OUTPUT_FMT_RFC5424, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 scan "
	    "[conformd@32473 verdict=\"scan\" src_role=\"client\" src=\"198.18.10.21\" "
	    "count=\"0\" findings=\"20\" hosts=\"1\" ports=\"20\" window=\"60\"] "
	    "conformd scan from 198.18.10.21: 20 unexpected findings within 60 s "
	    "(1 hosts, 20 ports)", 0);
	check_fmt("cef scan", OUTPUT_FMT_CEF, &a,
	    "<132>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 scan - "
	    "CEF:0|conformd|conformd|0.1.0|9000005|conformd scan from 198.18.10.21: 20 "
	    "unexpected findings within 60 s (1 hosts, 20 ports)|5|src=198.18.10.21 "
	    "act=allowed dvchost=sensor1.example.net cat=scan rt=1767225600768 cn1Label=findings cn1=20 "
	    "cn2Label=hosts cn2=1 cn3Label=ports cn3=20 cs3Label=srcRole cs3=client", 0);
	CU_ASSERT(alert_format_eve(buf, BIG, &env, &a) > 0);
	unit_assert_text("eve scan", buf,
	    "{\"timestamp\":\"2026-01-01T00:00:00.768942+0000\",\"event_type\":\"alert\","
	    "\"src_ip\":\"198.18.10.21\",\"alert\":{\"action\":\"allowed\","
	    "\"signature_id\":9000005,\"rev\":1,\"signature\":\"conformd scan from "
	    "198.18.10.21: 20 unexpected findings within 60 s (1 hosts, 20 ports)\","
	    "\"category\":\"Detection of a Network Scan\",\"severity\":2},"
	    "\"conformance\":{\"verdict\":\"scan\",\"rule\":null,"
	    "\"scan\":{\"findings\":20,\"hosts\":1,\"ports\":20,\"window\":60}},\"host\":\"sensor1.example.net\"}");
}

/* PRI = facility * 8 + severity (RFC 5424 6.2.1); our 1, 2, 3 are err,
 * warning, notice; CEF and LEEF use 8, 5, 3 out of 10. */
static void
test_severity(void)
{
	struct alert_env e2 = env;
	struct alert a;
	char buf[BIG + 1];
	int cut;

	alert_from_finding(&a, f_unexpected(), 0);
	a.severity = 1;
	alert_format_syslog(buf, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_NSTRING_EQUAL(buf, "<131>1 ", 7);
	a.severity = 3;
	alert_format_syslog(buf, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_NSTRING_EQUAL(buf, "<133>1 ", 7);
	e2.facility = 3;	/* daemon */
	a.severity = 2;
	alert_format_syslog(buf, BIG, &e2, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_NSTRING_EQUAL(buf, "<28>1 ", 6);
	e2.facility = 23;	/* local7 */
	a.severity = 1;
	alert_format_syslog(buf, BIG, &e2, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_NSTRING_EQUAL(buf, "<187>1 ", 7);
	CU_ASSERT_EQUAL(alert_syslog_severity(1), 3);
	CU_ASSERT_EQUAL(alert_syslog_severity(2), 4);
	CU_ASSERT_EQUAL(alert_syslog_severity(3), 5);
	CU_ASSERT_EQUAL(alert_ten_severity(1), 8);
	CU_ASSERT_EQUAL(alert_ten_severity(2), 5);
	CU_ASSERT_EQUAL(alert_ten_severity(3), 3);
	/* no hostname: NILVALUE */
	e2 = env;
	e2.hostname = "";
	alert_format_syslog(buf, BIG, &e2, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Z - conformd 4242 "));
	e2.hostname = "bad host";	/* never a blank inside a header field */
	alert_format_syslog(buf, BIG, &e2, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Z bad_host conformd 4242 "));
}

/* --- published examples ---------------------------------------------------- */

static char *
esc(size_t (*fn)(char *, size_t, const char *, int *), const char *s)
{
	static char buf[8][512];
	static int i;
	int cut;

	i = (i + 1) % 8;
	fn(buf[i], sizeof(buf[i]) - 1, s, &cut);
	CU_ASSERT_EQUAL(cut, 0);
	return buf[i];
}

static void
test_published_examples(void)
{
	char line[1024];

	/* CEF rev. 25, "Example": CEF:0|Security|threatmanager|1.0|100|worm
	 * successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 */
	snprintf(line, sizeof(line), "CEF:0|%s|%s|%s|100|%s|10|src=%s dst=%s spt=1232",
	    esc(alert_escape_cef_header, "Security"),
	    esc(alert_escape_cef_header, "threatmanager"),
	    esc(alert_escape_cef_header, "1.0"),
	    esc(alert_escape_cef_header, "worm successfully stopped"),
	    esc(alert_escape_cef_value, "10.0.0.1"), esc(alert_escape_cef_value, "2.1.2.2"));
	unit_assert_text("CEF example", line,
	    "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|"
	    "src=10.0.0.1 dst=2.1.2.2 spt=1232");
	/* CEF rev. 25, "Character Encoding" examples */
	unit_assert_text("CEF header pipe", esc(alert_escape_cef_header, "detected a | in message"),
	    "detected a \\| in message");
	unit_assert_text("CEF header backslash", esc(alert_escape_cef_header, "detected a \\ in packet"),
	    "detected a \\\\ in packet");
	unit_assert_text("CEF header equals", esc(alert_escape_cef_header,
	    "detected an equal sign in message"), "detected an equal sign in message");
	unit_assert_text("CEF ext pipe", esc(alert_escape_cef_value, "blocked a |"), "blocked a |");
	unit_assert_text("CEF ext equals", esc(alert_escape_cef_value, "blocked a ="),
	    "blocked a \\=");
	unit_assert_text("CEF ext backslash", esc(alert_escape_cef_value, "blocked a \\"),
	    "blocked a \\\\");
	unit_assert_text("CEF ext newline", esc(alert_escape_cef_value, "line1\nline2\r"),
	    "line1\\nline2\\r");

	/* LEEF guide, LEEF 2.0 header and attributes:
	 * LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^
	 * sev=5^srcPort=81^dstPort=21 */
	snprintf(line, sizeof(line), "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=%s^dst=%s^"
	    "sev=%s^srcPort=%s^dstPort=%s", esc(alert_escape_leef_value, "10.0.1.8"),
	    esc(alert_escape_leef_value, "10.0.0.5"), esc(alert_escape_leef_value, "5"),
	    esc(alert_escape_leef_value, "81"), esc(alert_escape_leef_value, "21"));
	unit_assert_text("LEEF 2.0 example", line,
	    "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^"
	    "srcPort=81^dstPort=21");
	unit_assert_text("LEEF delimiter", esc(alert_escape_leef_value, "a^b=c\\d"),
	    "a\\^b\\=c\\\\d");

	/* RFC 5424 6.5, example 3: [exampleSDID@32473 iut="3"
	 * eventSource="Application" eventID="1011"] */
	snprintf(line, sizeof(line), "[exampleSDID@32473 iut=\"%s\" eventSource=\"%s\" "
	    "eventID=\"%s\"]", esc(alert_escape_sd_value, "3"),
	    esc(alert_escape_sd_value, "Application"), esc(alert_escape_sd_value, "1011"));
	unit_assert_text("RFC 5424 example 3", line,
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
	/* RFC 5424 6.3.3: '"', '\' and ']' MUST be escaped */
	unit_assert_text("SD escapes", esc(alert_escape_sd_value, "a\"b\\c]d"),
	    "a\\\"b\\\\c\\]d");
}

/* --- strict parsers, for hostile strings and truncation -------------------- */

#define MAXF 40

struct kv {
	int	 n;
	char	 key[MAXF][40];
	char	 val[MAXF][1024];
};

static const char *
kv_get(const struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (strcmp(kv->key[i], key) == 0)
			return kv->val[i];
	return NULL;
}

/* Is s valid UTF-8 with no control character at all? */
static int
clean_text(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n; ) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return 0;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = (u[i] >= 0xc2 && u[i] <= 0xdf) ? 2 : (u[i] >= 0xe0 && u[i] <= 0xef) ? 3 :
		    (u[i] >= 0xf0 && u[i] <= 0xf4) ? 4 : 0;
		if (l == 0 || i + l > n)
			return 0;
		for (size_t k = 1; k < l; k++)
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
		i += l;
	}
	return 1;
}

/*
 * RFC 5424 STRUCTURED-DATA at *pp: "-" or our one element.  Fills kv
 * with the unescaped params and leaves *pp after it.  -1 if malformed.
 */
static int
parse_sd(const char **pp, struct kv *kv)
{
	const char *p = *pp;

	kv->n = 0;
	if (*p == '-') {
		*pp = p + 1;
		return 0;
	}
	if (strncmp(p, "[" ALERT_SD_ID, strlen("[" ALERT_SD_ID)) != 0)
		return -1;
	p += strlen("[" ALERT_SD_ID);
	while (*p == ' ') {
		size_t k = 0, v = 0;

		p++;
		if (kv->n == MAXF)
			return -1;
		while (*p != '=' && *p != '\0' && *p != ' ' && *p != ']' && *p != '"') {
			if (k + 1 >= sizeof(kv->key[0]))
				return -1;
			kv->key[kv->n][k++] = *p++;
		}
		kv->key[kv->n][k] = '\0';
		if (k == 0 || *p++ != '=' || *p++ != '"')
			return -1;
		for (;;) {
			if (*p == '\0')
				return -1;
			if (*p == '"')
				break;
			if (*p == ']')
				return -1;	/* must have been escaped */
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == ']'))
				p++;
			if (v + 1 >= sizeof(kv->val[0]))
				return -1;
			kv->val[kv->n][v++] = *p++;
		}
		kv->val[kv->n][v] = '\0';
		p++;
		kv->n++;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return 0;
}

/* "<PRI>1 TS HOST APP PROCID MSGID SD[ MSG]": the SD params and the MSG. */
static int
parse_5424(const char *m, struct kv *sd, const char **msg)
{
	const char *p = m;
	int sp = 0;

	if (*p != '<')
		return -1;
	while (*p != '\0' && sp < 6)
		if (*p++ == ' ')
			sp++;
	if (sp != 6)
		return -1;
	if (parse_sd(&p, sd) == -1)
		return -1;
	if (*p == '\0')
		*msg = p;
	else if (*p == ' ' && p[1] != '\0')
		*msg = p + 1;
	else
		return -1;
	return 0;
}

/* CEF: the 7 header fields unescaped and the extension's pairs. */
static int
parse_cef(const char *m, char hdr[8][512], struct kv *kv)
{
	const char *p = m;
	int f = 0;
	size_t n = 0;

	kv->n = 0;
	if (strncmp(p, "CEF:", 4) != 0)
		return -1;
	p += 4;
	while (f < 7) {
		if (*p == '\0')
			return -1;
		if (*p == '|') {
			hdr[f][n] = '\0';
			f++;
			n = 0;
			p++;
			continue;
		}
		if (*p == '\\' && (p[1] == '|' || p[1] == '\\'))
			p++;
		else if (*p == '\\')
			return -1;
		if (n + 1 >= 512)
			return -1;
		hdr[f][n++] = *p++;
	}
	while (*p != '\0') {
		size_t k = 0, v = 0;

		if (kv->n == MAXF)
			return -1;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))
			kv->key[kv->n][k++] = *p++;
		kv->key[kv->n][k] = '\0';
		if (k == 0 || *p++ != '=')
			return -1;
		for (;;) {
			if (*p == '\0')
				break;
			if (*p == ' ') {
				/* a new pair starts at " key=" with an unescaped '=' */
				const char *q = p + 1;

				while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
				    (*q >= '0' && *q <= '9'))
					q++;
				if (q > p + 1 && *q == '=')
					break;
			}
			if (*p == '=')
				return -1;	/* must have been escaped */
			if (*p == '\\') {
				p++;
				if (*p == 'n')
					kv->val[kv->n][v++] = '\n';
				else if (*p == 'r')
					kv->val[kv->n][v++] = '\r';
				else if (*p == '\\' || *p == '=')
					kv->val[kv->n][v++] = *p;
				else
					return -1;
				p++;
				continue;
			}
			kv->val[kv->n][v++] = *p++;
		}
		kv->val[kv->n][v] = '\0';
		kv->n++;
		if (*p == ' ')
			p++;
	}
	return 0;
}

/* LEEF 2.0 with '^': header fields and the pairs unescaped. */
static int
parse_leef(const char *m, char hdr[8][512], struct kv *kv)
{
	const char *p = m;
	int f = 0;
	size_t n = 0;

	kv->n = 0;
	if (strncmp(p, "LEEF:", 5) != 0)
		return -1;
	p += 5;
	while (f < 6) {
		if (*p == '\0')
			return -1;
		if (*p == '|') {
			hdr[f][n] = '\0';
			f++;
			n = 0;
			p++;
			continue;
		}
		hdr[f][n++] = *p++;
	}
	if (strcmp(hdr[0], "2.0") != 0 || strcmp(hdr[5], "^") != 0)
		return -1;
	while (*p != '\0') {
		size_t k = 0, v = 0;
		int inval = 0;

		if (kv->n == MAXF)
			return -1;
		for (; *p != '\0' && *p != '^'; p++) {
			if (*p == '\\') {
				p++;
				if (*p != '\\' && *p != '^' && *p != '=')
					return -1;
			} else if (*p == '=' && !inval) {
				inval = 1;
				continue;
			} else if (*p == '=')
				return -1;
			if (!inval)
				kv->key[kv->n][k++] = *p;
			else
				kv->val[kv->n][v++] = *p;
		}
		kv->key[kv->n][k] = '\0';
		kv->val[kv->n][v] = '\0';
		if (!inval || k == 0)
			return -1;
		kv->n++;
		if (*p == '^')
			p++;
	}
	return 0;
}

/* s as every format shows it: control bytes and invalid UTF-8 as '?'
 * (CEF keeps \n and \r, escaped). */
static void
sanitized(const char *s, char *out, int keep_nl)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u != '\0'; u++) {
		if (keep_nl && (*u == '\n' || *u == '\r'))
			*out++ = (char)*u;
		else if (*u < 0x20 || *u == 0x7f || *u == 0xff)
			*out++ = '?';
		else
			*out++ = (char)*u;
	}
	*out = '\0';
}

static void
test_hostile(void)
{
	struct alert a;
	struct kv kv;
	char buf[BIG + 1], want[512], hdr[8][512];
	const char *msg;
	int cut;
	size_t n;

	alert_from_finding(&a, f_hostile(), 7);

	/* RFC 5424: every value comes back whole, nothing else appears */
	n = alert_format_syslog(buf, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT(n > 0 && clean_text(buf, n));
	CU_ASSERT_FATAL(parse_5424(buf, &kv, &msg) == 0);
	CU_ASSERT_EQUAL(kv.n, 11);
	sanitized(hostile_ev, want, 0);
	unit_assert_text("sd evidence", kv_get(&kv, "evidence"), want);
	sanitized(hostile_role, want, 0);
	unit_assert_text("sd src_role", kv_get(&kv, "src_role"), want);
	unit_assert_text("sd rule", kv_get(&kv, "rule"), "T1R5");
	unit_assert_text("sd count", kv_get(&kv, "count"), "7");
	CU_ASSERT_PTR_NULL(kv_get(&kv, "a"));
	sanitized(hostile_sig, want, 0);
	unit_assert_text("msg", msg, want);
	unit_assert_text("sd golden", buf,
	    "<131>1 2026-01-01T00:00:00.768942Z sensor1.example.net conformd 4242 blocked "
	    "[conformd@32473 verdict=\"blocked\" rule=\"T1R5\" src_role=\"cl\\\"i\\]e\\\\nt|=^?\" "
	    "dest_role=\"front end\" src=\"198.18.10.21\" spt=\"46989\" dst=\"198.18.1.11\" "
	    "dpt=\"22\" proto=\"TCP\" count=\"7\" evidence=\"3 SYNs \\\"x\\\" \\] [fake@1 "
	    "a=\\\"b\\\"\\] | cs1=evil ^sev=10 \\\\ =????? \xc3\xa9 ? end\"] "
	    "sig | with \\ pipe? and ] \"q\" =^");

	/* CEF */
	n = alert_format_cef(buf, BIG, &env, &a, &cut);
	CU_ASSERT(n > 0 && clean_text(buf, n));
	CU_ASSERT_FATAL(parse_cef(buf, hdr, &kv) == 0);
	sanitized(hostile_sig, want, 0);
	unit_assert_text("cef name", hdr[5], want);
	unit_assert_text("cef severity", hdr[6], "8");
	sanitized(hostile_ev, want, 1);
	unit_assert_text("cef evidence", kv_get(&kv, "cs2"), want);
	sanitized(hostile_role, want, 1);
	unit_assert_text("cef role", kv_get(&kv, "cs3"), want);
	unit_assert_text("cef count", kv_get(&kv, "cnt"), "8");
	CU_ASSERT_PTR_NULL(kv_get(&kv, "sev"));
	unit_assert_text("cef golden", buf,
	    "CEF:0|conformd|conformd|0.1.0|9000002|sig \\| with \\\\ pipe? and ] \"q\" =^|8|"
	    "src=198.18.10.21 spt=46989 dst=198.18.1.11 dpt=22 proto=TCP act=allowed dvchost=sensor1.example.net "
	    "cat=blocked rt=1767225600768 cnt=8 cs1Label=rule cs1=T1R5 cs3Label=srcRole "
	    "cs3=cl\"i]e\\\\nt|\\=^\\n cs4Label=destRole cs4=front end cs2Label=evidence "
	    "cs2=3 SYNs \"x\" ] [fake@1 a\\=\"b\"] | cs1\\=evil ^sev\\=10 \\\\ \\=\\n\\r??? "
	    "\xc3\xa9 ? end");

	/* LEEF */
	n = alert_format_leef(buf, BIG, &env, &a, &cut);
	CU_ASSERT(n > 0 && clean_text(buf, n));
	CU_ASSERT_FATAL(parse_leef(buf, hdr, &kv) == 0);
	sanitized(hostile_ev, want, 0);
	unit_assert_text("leef evidence", kv_get(&kv, "evidence"), want);
	sanitized(hostile_role, want, 0);
	unit_assert_text("leef role", kv_get(&kv, "srcRole"), want);
	sanitized(hostile_sig, want, 0);
	unit_assert_text("leef msg", kv_get(&kv, "msg"), want);
	unit_assert_text("leef sev", kv_get(&kv, "sev"), "8");
	unit_assert_text("leef golden", buf,
	    "LEEF:2.0|conformd|conformd|0.1.0|9000002|^|cat=blocked^sev=8^src=198.18.10.21^"
	    "srcPort=46989^dst=198.18.1.11^dstPort=22^proto=TCP^"
	    "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^devTime=2026-01-01T00:00:00.768+0000^"
	    "policy=T1R5^dvchost=sensor1.example.net^count=7^msg=sig | with \\\\ pipe? and ] \"q\" \\=\\^^"
	    "srcRole=cl\"i]e\\\\nt|\\=\\^?^dstRole=front end^evidence=3 SYNs \"x\" ] "
	    "[fake@1 a\\=\"b\"] | cs1\\=evil \\^sev\\=10 \\\\ \\=????? \xc3\xa9 ? end");

	/* an inventory host name, through each format */
	{
		static const char hhost[] = "fe\"1] [x@1 y=\"z\"] |cs5=a ^host=b \\\n";

		f_missing();
		fnd.host = hhost;
		alert_from_finding(&a, &fnd, 0);
		sanitized(hhost, want, 0);
		n = alert_format_syslog(buf, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
		CU_ASSERT(n > 0 && clean_text(buf, n));
		CU_ASSERT_FATAL(parse_5424(buf, &kv, &msg) == 0);
		unit_assert_text("sd host", kv_get(&kv, "host"), want);
		n = alert_format_leef(buf, BIG, &env, &a, &cut);
		CU_ASSERT(n > 0 && clean_text(buf, n));
		CU_ASSERT_FATAL(parse_leef(buf, hdr, &kv) == 0);
		unit_assert_text("leef host", kv_get(&kv, "host"), want);
		sanitized(hhost, want, 1);
		n = alert_format_cef(buf, BIG, &env, &a, &cut);
		CU_ASSERT(n > 0 && clean_text(buf, n));
		CU_ASSERT_FATAL(parse_cef(buf, hdr, &kv) == 0);
		unit_assert_text("cef host", kv_get(&kv, "cs5"), want);
		CU_ASSERT_EQUAL(kv.n, 11);	/* dst dpt proto act dvchost cat rt cs1Label cs1 cs5Label cs5 */
		alert_from_finding(&a, f_hostile(), 7);
	}

	/* EVE over syslog: one line of JSON, hostile bytes escaped by eve.c */
	n = alert_format_syslog(buf, BIG, &env, &a, OUTPUT_FMT_EVE, &cut);
	CU_ASSERT(n > 0 && clean_text(buf, n));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"suppressed\":7},\"host\":\"sensor1.example.net\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\\u000a\\u000d\\u0009\\u0001\\u007f \xc3\xa9 \\u00ff end"));
}

/* --- truncation ------------------------------------------------------------ */

/* Every size from 0 to past the whole message: never more than max, a
 * NUL after it, always well-formed, each format losing what it says
 * first.  Buffers are exactly max + 1 bytes, so ASan sees any overrun. */
/* Every format of a at every buffer size: within the size, parseable,
 * cut flagged exactly when something was left out, JSON whole or nothing. */
static void
truncation_sweep(const struct alert *a)
{
	static const int fmts[] = { OUTPUT_FMT_RFC5424, OUTPUT_FMT_CEF, OUTPUT_FMT_LEEF,
	    OUTPUT_FMT_EVE };
	char full[BIG + 1], hdr[8][512];
	struct kv kv;
	const char *msg;
	size_t whole, n, max;
	int cut;

	for (size_t fi = 0; fi < sizeof(fmts) / sizeof(fmts[0]); fi++) {
		whole = alert_format_syslog(full, BIG, &env, a, fmts[fi], &cut);
		CU_ASSERT_FATAL(whole > 0);
		CU_ASSERT_EQUAL(cut, 0);
		for (max = 0; max <= whole + 4; max++) {
			char *b = malloc(max + 1);

			CU_ASSERT_FATAL(b != NULL);
			n = alert_format_syslog(b, max, &env, a, fmts[fi], &cut);
			CU_ASSERT(n <= max);
			CU_ASSERT_EQUAL(strlen(b), n);
			CU_ASSERT(n == 0 || clean_text(b, n));
			if (n > 0 && max >= whole) {
				CU_ASSERT_EQUAL(cut, 0);
				CU_ASSERT_EQUAL(n, whole);
			} else if (n > 0) {
				CU_ASSERT_EQUAL(cut, 1);
			}
			if (n > 0) {
				const char *pl = strstr(b, " - ");

				CU_ASSERT_EQUAL(parse_5424(b, &kv, &msg), 0);
				if (fmts[fi] == OUTPUT_FMT_CEF) {
					CU_ASSERT_FATAL(pl != NULL);
					CU_ASSERT_EQUAL(parse_cef(pl + 3, hdr, &kv), 0);
				} else if (fmts[fi] == OUTPUT_FMT_LEEF) {
					CU_ASSERT_FATAL(pl != NULL);
					CU_ASSERT_EQUAL(parse_leef(pl + 3, hdr, &kv), 0);
				} else if (fmts[fi] == OUTPUT_FMT_EVE) {
					/* JSON is never cut: whole or nothing */
					CU_ASSERT_EQUAL(n, whole);
				}
			}
			free(b);
		}
	}
}

static void
test_truncation(void)
{
	struct alert a;
	char full[BIG + 1], hdr[8][512];
	struct kv kv;
	const char *msg;
	size_t whole, n, max;
	int cut;

	alert_from_finding(&a, f_hostile(), 3);
	truncation_sweep(&a);

	/* RFC 5424: MSG goes first, then SD params, least useful first */
	whole = alert_format_syslog(full, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	{
		char b[BIG + 1];
		const char *m0 = strstr(full, "\"] ") + 3;
		size_t msglen = strlen(m0);

		n = alert_format_syslog(b, whole - 5, &env, &a, OUTPUT_FMT_RFC5424, &cut);
		CU_ASSERT_EQUAL(n, whole - 5);
		CU_ASSERT_NSTRING_EQUAL(b, full, whole - 5);	/* only MSG lost its tail */
		/* no room for any MSG: the SD whole, no trailing blank */
		n = alert_format_syslog(b, whole - msglen - 1, &env, &a, OUTPUT_FMT_RFC5424, &cut);
		CU_ASSERT_EQUAL(n, whole - msglen - 1);
		CU_ASSERT_EQUAL(b[n - 1], ']');
		/* one byte less: the evidence goes, everything else stays */
		n = alert_format_syslog(b, whole - msglen - 2, &env, &a, OUTPUT_FMT_RFC5424, &cut);
		CU_ASSERT_EQUAL(parse_5424(b, &kv, &msg), 0);
		CU_ASSERT_PTR_NULL(kv_get(&kv, "evidence"));
		CU_ASSERT_PTR_NOT_NULL(kv_get(&kv, "dest_role"));
		CU_ASSERT_PTR_NOT_NULL(kv_get(&kv, "src"));
		CU_ASSERT(strlen(msg) > 0);	/* the room freed goes to MSG again */
		/* just the header: SD "-" */
		n = alert_format_syslog(b, 80, &env, &a, OUTPUT_FMT_RFC5424, &cut);
		CU_ASSERT(n > 0 && n <= 80);
	}
	/* the CEF evidence is cut between escapes: never a lone backslash */
	for (max = 200; max < 700; max++) {
		char *b = malloc(max + 1);
		size_t bs = 0;

		CU_ASSERT_FATAL(b != NULL);
		n = alert_format_cef(b, max, &env, &a, &cut);
		for (size_t i = n; i > 0 && b[i - 1] == '\\'; i--)
			bs++;
		CU_ASSERT_EQUAL(bs % 2, 0);
		if (n > 0)
			CU_ASSERT_EQUAL(parse_cef(b, hdr, &kv), 0);
		free(b);
	}
	/* a UTF-8 character is never split */
	{
		static const char word[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
		char b[16];

		for (max = 0; max < 10; max++) {
			n = alert_escape_sd_value(b, max, word, &cut);
			CU_ASSERT(n == 0 || n == 2 || n == 5 || n == 9);
			CU_ASSERT(n <= max);
			CU_ASSERT(clean_text(b, n));
		}
	}
}

/* The tunnel's params through every size; RFC 5424 short of room drops
 * the three together. */
static void
test_tunnel_truncation(void)
{
	char full[BIG + 1], b[BIG + 1];
	const char *msg, *m0;
	struct alert a;
	struct kv kv;
	size_t whole, msglen;
	int cut;

	alert_from_finding(&a, f_tunnel(), 0);
	truncation_sweep(&a);
	/* RFC 5424 short of room: the three tunnel params go together */
	whole = alert_format_syslog(full, BIG, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	m0 = strstr(full, "\"] ") + 3;
	msglen = strlen(m0);
	(void)alert_format_syslog(b, whole - msglen - 2, &env, &a, OUTPUT_FMT_RFC5424, &cut);
	CU_ASSERT_EQUAL(cut, 1);
	CU_ASSERT_EQUAL_FATAL(parse_5424(b, &kv, &msg), 0);
	CU_ASSERT_PTR_NULL(kv_get(&kv, "tunnel_type"));
	CU_ASSERT_PTR_NULL(kv_get(&kv, "tunnel_src"));
	CU_ASSERT_PTR_NULL(kv_get(&kv, "tunnel_dst"));
	CU_ASSERT_PTR_NOT_NULL(kv_get(&kv, "count"));
}

static void
test_framing(void)
{
	char b[32];

	CU_ASSERT_EQUAL(alert_frame_octets(b, sizeof(b), "hello", 5), 7);
	CU_ASSERT_STRING_EQUAL(b, "5 hello");
	CU_ASSERT_EQUAL(alert_frame_octets(b, 8, "hello", 5), 7);
	CU_ASSERT_EQUAL(alert_frame_octets(b, 7, "hello", 5), 0);	/* no room for the NUL */
	CU_ASSERT_EQUAL(alert_frame_octets(b, sizeof(b), "", 0), 2);
	CU_ASSERT_STRING_EQUAL(b, "0 ");
}

void
test_alertfmt_register(void)
{
	CU_pSuite s = CU_add_suite("alertfmt", NULL, NULL);

	if (s == NULL)
		return;
	CU_add_test(s, "golden unexpected in every format", test_golden_unexpected);
	CU_add_test(s, "golden unexpected through a tunnel", test_golden_tunnel);
	CU_add_test(s, "golden IPv6: CEF c6a2/c6a3", test_golden_ipv6);
	CU_add_test(s, "repeats carried as counts", test_golden_count);
	CU_add_test(s, "golden missing", test_golden_missing);
	CU_add_test(s, "golden scan summary", test_golden_scan);
	CU_add_test(s, "severity and PRI", test_severity);
	CU_add_test(s, "published examples", test_published_examples);
	CU_add_test(s, "hostile strings parse back intact", test_hostile);
	CU_add_test(s, "truncation is clean at every size", test_truncation);
	CU_add_test(s, "a tunnel's params truncated whole", test_tunnel_truncation);
	CU_add_test(s, "RFC 6587 octet counting", test_framing);
}
