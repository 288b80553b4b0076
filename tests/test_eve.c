/*
 * test_eve.c - EVE JSON lines: golden flow and alert events (unexpected,
 * mismatch, blocked with evidence, missing) compared byte for byte,
 * escaping of hostile strings, strict parsing of every line by
 * Python's json module, timestamps, truncation, and the file writer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformd/eve.h"
#include "conformd/flow.h"
#include "conformd/policy.h"
#include "conformd/packet.h"
#include "conformd/record.h"
#include "unit.h"

#define T2026	1767225600000000ULL	/* 2026-01-01T00:00:00Z in microseconds */

/* IPv4 TCP, one VLAN, matched by a rule, both hosts known. */
static void
rec_v4(struct flow_record *r)
{
	memset(r, 0, sizeof(*r));
	r->flow_id = 1234567890123ULL;
	r->first_usec = T2026 + 1;
	r->last_usec = T2026 + 61500000;
	strcpy(r->src_ip, "198.18.1.50");
	strcpy(r->dest_ip, "198.18.1.11");
	r->src_port = 50123;
	r->dest_port = 5061;
	r->proto = 6;
	r->vlan[0] = 100;
	r->pkts_toserver = 10;
	r->pkts_toclient = 8;
	r->bytes_toserver = 1500;
	r->bytes_toclient = 3200;
	r->state = "established";
	r->conn_state = "established";
	r->end = "timeout";
	r->verdict = VERDICT_EXPECTED;
	r->rule_id = "T1R3";
	r->rule_table = 1;
	r->rule_row = 3;
	r->rule_service = "SIP/MTLS";
	strcpy(r->src_role, "client");
	strcpy(r->dest_role, "front-end");
	r->src_host = "pc1";
	r->dest_host = "fe1";
}

static const char gold_flow_v4[] =
	"{\"timestamp\":\"2026-01-01T00:00:00.000001+0000\",\"flow_id\":1234567890123,"
	"\"event_type\":\"flow\",\"src_ip\":\"198.18.1.50\",\"src_port\":50123,"
	"\"dest_ip\":\"198.18.1.11\",\"dest_port\":5061,\"proto\":\"TCP\",\"vlan\":[100],"
	"\"flow\":{\"pkts_toserver\":10,\"pkts_toclient\":8,\"bytes_toserver\":1500,"
	"\"bytes_toclient\":3200,\"start\":\"2026-01-01T00:00:00.000001+0000\","
	"\"end\":\"2026-01-01T00:01:01.500000+0000\",\"state\":\"established\","
	"\"reason\":\"timeout\"},"
	"\"conformance\":{\"verdict\":\"expected\",\"conn_state\":\"established\","
	"\"rule\":\"T1R3\",\"table\":1,"
	"\"row\":3,\"service\":\"SIP/MTLS\",\"src_role\":\"client\","
	"\"dest_role\":\"front-end\",\"src_host\":\"pc1\",\"dest_host\":\"fe1\"}}";

/* IPv6 TCP picked up mid-stream, two VLANs, no rule, unknown hosts. */
static void
rec_v6(struct flow_record *r)
{
	memset(r, 0, sizeof(*r));
	r->flow_id = 7;
	r->first_usec = T2026 + 3600000000ULL;
	r->last_usec = T2026 + 3600000000ULL + 999999;
	strcpy(r->src_ip, "2001:db8::1");
	strcpy(r->dest_ip, "2001:db8::a:2");
	r->src_port = 443;
	r->dest_port = 65535;
	r->proto = 6;
	r->vlan[0] = 10;
	r->vlan[1] = 20;
	r->pkts_toserver = 1;
	r->pkts_toclient = 0;
	r->bytes_toserver = 60;
	r->bytes_toclient = 0;
	r->state = "new";
	r->conn_state = "midstream";
	r->midstream = 1;
	r->end = "flush";
	r->verdict = VERDICT_UNEXPECTED;
	strcpy(r->src_role, "-");
	strcpy(r->dest_role, "front-end,director");
}

static const char gold_flow_v6[] =
	"{\"timestamp\":\"2026-01-01T01:00:00.000000+0000\",\"flow_id\":7,"
	"\"event_type\":\"flow\",\"src_ip\":\"2001:db8::1\",\"src_port\":443,"
	"\"dest_ip\":\"2001:db8::a:2\",\"dest_port\":65535,\"proto\":\"TCP\","
	"\"vlan\":[10,20],\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,"
	"\"bytes_toserver\":60,\"bytes_toclient\":0,"
	"\"start\":\"2026-01-01T01:00:00.000000+0000\","
	"\"end\":\"2026-01-01T01:00:00.999999+0000\",\"state\":\"new\","
	"\"reason\":\"flush\"},"
	"\"conformance\":{\"verdict\":\"unexpected\",\"conn_state\":\"midstream\","
	"\"midstream\":true,\"rule\":null,"
	"\"src_role\":\"-\",\"dest_role\":\"front-end,director\"}}";

/* ICMP without VLAN: no ports. */
static void
rec_icmp(struct flow_record *r)
{
	memset(r, 0, sizeof(*r));
	r->flow_id = 42;
	r->first_usec = T2026;
	r->last_usec = T2026;
	strcpy(r->src_ip, "198.18.0.1");
	strcpy(r->dest_ip, "198.18.0.2");
	r->proto = 1;
	r->pkts_toserver = 1;
	r->bytes_toserver = 84;
	r->state = "new";
	r->conn_state = "new";
	r->end = "evicted";
	r->verdict = VERDICT_UNMONITORED;
	strcpy(r->src_role, "-");
	strcpy(r->dest_role, "-");
	r->dest_host = "gw";
}

static const char gold_flow_icmp[] =
	"{\"timestamp\":\"2026-01-01T00:00:00.000000+0000\",\"flow_id\":42,"
	"\"event_type\":\"flow\",\"src_ip\":\"198.18.0.1\",\"dest_ip\":\"198.18.0.2\","
	"\"proto\":\"ICMP\",\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,"
	"\"bytes_toserver\":84,\"bytes_toclient\":0,"
	"\"start\":\"2026-01-01T00:00:00.000000+0000\","
	"\"end\":\"2026-01-01T00:00:00.000000+0000\",\"state\":\"new\","
	"\"reason\":\"evicted\"},"
	"\"conformance\":{\"verdict\":\"unmonitored\",\"conn_state\":\"new\","
	"\"rule\":null,"
	"\"src_role\":\"-\",\"dest_role\":\"-\",\"dest_host\":\"gw\"}}";

static const char gold_alert_v4[] =
	"{\"timestamp\":\"2026-01-01T00:00:00.000001+0000\",\"flow_id\":1234567890123,"
	"\"event_type\":\"alert\",\"src_ip\":\"198.18.1.50\",\"src_port\":50123,"
	"\"dest_ip\":\"198.18.1.11\",\"dest_port\":5061,\"proto\":\"TCP\",\"vlan\":[100],"
	"\"alert\":{\"action\":\"allowed\",\"signature_id\":9000004,\"rev\":1,"
	"\"signature\":\"T1R3 expects mtls\",\"category\":\"Policy Violation\","
	"\"severity\":3},\"conformance\":{\"verdict\":\"protocol_mismatch\","
	"\"rule\":\"T1R3\",\"src_role\":\"client\",\"dest_role\":\"front-end\","
	"\"src_host\":\"pc1\",\"dest_host\":\"fe1\"}}";

static const char gold_alert_v6[] =
	"{\"timestamp\":\"2026-01-01T01:00:00.000000+0000\",\"flow_id\":7,"
	"\"event_type\":\"alert\",\"src_ip\":\"2001:db8::1\",\"src_port\":443,"
	"\"dest_ip\":\"2001:db8::a:2\",\"dest_port\":65535,\"proto\":\"TCP\","
	"\"vlan\":[10,20],\"alert\":{\"action\":\"allowed\",\"signature_id\":9000001,"
	"\"rev\":1,\"signature\":\"unexpected TCP 65535\","
	"\"category\":\"Policy Violation\",\"severity\":2},"
	"\"conformance\":{\"verdict\":\"unexpected\",\"rule\":null,"
	"\"src_role\":\"-\",\"dest_role\":\"front-end,director\"}}";

/* The same raised on a packet that came through VXLAN over IPv6 (and one
 * more layer inside): Suricata 7's "tunnel", after the packet's head. */
static const char gold_alert_v6_tunnel[] =
	"{\"timestamp\":\"2026-01-01T01:00:00.000000+0000\",\"flow_id\":7,"
	"\"event_type\":\"alert\",\"src_ip\":\"2001:db8::1\",\"src_port\":443,"
	"\"dest_ip\":\"2001:db8::a:2\",\"dest_port\":65535,\"proto\":\"TCP\","
	"\"vlan\":[10,20],\"tunnel\":{\"src_ip\":\"2001:db8:200::1\",\"src_port\":53114,"
	"\"dest_ip\":\"2001:db8:200::2\",\"dest_port\":4789,\"proto\":\"UDP\",\"depth\":2,"
	"\"pkt_src\":\"wire/pcap\"},\"alert\":{\"action\":\"allowed\",\"signature_id\":9000001,"
	"\"rev\":1,\"signature\":\"unexpected TCP 65535\","
	"\"category\":\"Policy Violation\",\"severity\":2},"
	"\"conformance\":{\"verdict\":\"unexpected\",\"rule\":null,"
	"\"src_role\":\"-\",\"dest_role\":\"front-end,director\","
	"\"tunnel_type\":\"vxlan\"}}";

/* A missing finding with nothing but its kind: no address, no rule. */
static const char gold_alert_missing[] =
	"{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\",\"event_type\":\"alert\","
	"\"alert\":{\"action\":\"allowed\",\"signature_id\":9000003,\"rev\":1,"
	"\"signature\":\"T2R1 never seen\",\"category\":\"Policy Violation\","
	"\"severity\":3},\"conformance\":{\"verdict\":\"missing\",\"rule\":null}}";

/* A missing finding as the engine raises it: the host, its address, the
 * rule's port and protocol, and the capture time it was raised. */
static const char gold_alert_missing_host[] =
	"{\"timestamp\":\"2026-01-01T00:10:00.000000+0000\",\"event_type\":\"alert\","
	"\"dest_ip\":\"198.18.1.11\",\"dest_port\":5061,\"proto\":\"TCP\","
	"\"alert\":{\"action\":\"allowed\",\"signature_id\":9000003,\"rev\":1,"
	"\"signature\":\"T1R3 never seen on fe1\",\"category\":\"Policy Violation\","
	"\"severity\":3},\"conformance\":{\"verdict\":\"missing\",\"rule\":\"T1R3\","
	"\"host\":\"fe1\"}}";

/* A host with several addresses and a rule on both protocols: no
 * dest_ip, no proto. */
static const char gold_alert_missing_multi[] =
	"{\"timestamp\":\"2026-01-01T00:10:00.000000+0000\",\"event_type\":\"alert\","
	"\"dest_port\":3478,"
	"\"alert\":{\"action\":\"allowed\",\"signature_id\":9000003,\"rev\":1,"
	"\"signature\":\"T2R5 never seen on pool1/vip\","
	"\"category\":\"Policy Violation\",\"severity\":3},"
	"\"conformance\":{\"verdict\":\"missing\",\"rule\":\"T2R5\","
	"\"host\":\"pool1/vip\"}}";

/* A blocked flow: the finding's rule and time, evidence escaped. */
static const char gold_alert_blocked[] =
	"{\"timestamp\":\"2026-01-01T00:00:09.000000+0000\",\"flow_id\":1234567890123,"
	"\"event_type\":\"alert\",\"src_ip\":\"198.18.1.50\",\"src_port\":50123,"
	"\"dest_ip\":\"198.18.1.11\",\"dest_port\":5061,\"proto\":\"TCP\",\"vlan\":[100],"
	"\"alert\":{\"action\":\"allowed\",\"signature_id\":9000002,\"rev\":1,"
	"\"signature\":\"T1R5 blocked\",\"category\":\"Policy Violation\","
	"\"severity\":2},\"conformance\":{\"verdict\":\"blocked\","
	"\"rule\":\"T1R5\",\"evidence\":\"3 SYNs, RST \\\"refused\\\"\\\\"
	"\\u000a\\u0009\\u0001 \xc3\xa9\\u00ff\",\"src_role\":\"client\","
	"\"dest_role\":\"front-end\",\"src_host\":\"pc1\",\"dest_host\":\"fe1\"}}";

/* Every line produced by the tests, for the strict JSON check at the end. */
static FILE *eve_lines;
static char eve_lines_path[512];

static void
keep_line(const char *line)
{
	if (eve_lines == NULL) {
		snprintf(eve_lines_path, sizeof(eve_lines_path), "%s/eve-lines.json",
		    unit_tmpdir());
		eve_lines = fopen(eve_lines_path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(eve_lines);
	}
	fprintf(eve_lines, "%s\n", line);
}

/* A line formatted into buf (n returned by the formatter) against the golden line. */
static void
check_line(const char *buf, size_t n, const char *gold)
{
	CU_ASSERT_EQUAL(n, strlen(gold));
	CU_ASSERT_STRING_EQUAL(buf, gold);
	if (strcmp(buf, gold) != 0)
		fprintf(stderr, "\n got: %s\nwant: %s\n", buf, gold);
	keep_line(buf);
}

/* Format with the big buffer, compare with the golden line. */
static void
check_flow(const struct flow_record *r, const char *gold)
{
	char buf[8192];
	size_t n = eve_format_flow(buf, sizeof(buf), NULL, r);

	check_line(buf, n, gold);
}

static void
check_alert(const struct finding *f, const char *gold)
{
	char buf[8192];
	size_t n = eve_format_alert(buf, sizeof(buf), NULL, f);

	check_line(buf, n, gold);
}

static void
test_golden_flow(void)
{
	struct flow_record r;

	rec_v4(&r);
	check_flow(&r, gold_flow_v4);
	rec_v6(&r);
	check_flow(&r, gold_flow_v6);
	rec_icmp(&r);
	check_flow(&r, gold_flow_icmp);
}

static void
test_golden_alert(void)
{
	struct flow_record r;
	struct finding f;

	rec_v4(&r);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_PROTOCOL_MISMATCH;
	f.severity = 3;
	f.signature = "T1R3 expects mtls";
	f.category = "Policy Violation";
	f.flow = &r;
	check_alert(&f, gold_alert_v4);

	rec_v6(&r);
	f.kind = FINDING_UNEXPECTED;
	f.severity = 2;
	f.signature = "unexpected TCP 65535";
	check_alert(&f, gold_alert_v6);
	f.tunnel.depth = 2;
	f.tunnel.type = PKT_TUN_VXLAN;
	f.tunnel.family = 6;
	memcpy(f.tunnel.src, "\x20\x01\x0d\xb8\x02\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(f.tunnel.dst, "\x20\x01\x0d\xb8\x02\0\0\0\0\0\0\0\0\0\0\x02", 16);
	f.tunnel.sport = 53114;	/* VXLAN's outer UDP ports */
	f.tunnel.dport = 4789;
	check_alert(&f, gold_alert_v6_tunnel);
	memset(&f.tunnel, 0, sizeof(f.tunnel));

	f.kind = FINDING_MISSING;
	f.severity = 3;
	f.signature = "T2R1 never seen";
	f.flow = NULL;
	check_alert(&f, gold_alert_missing);

	f.signature = "T1R3 never seen on fe1";
	f.ts_usec = T2026 + 600000000ULL;
	f.rule_id = "T1R3";
	f.host = "fe1";
	f.host_ip = "198.18.1.11";
	f.port = 5061;
	f.proto = 6;
	check_alert(&f, gold_alert_missing_host);

	f.signature = "T2R5 never seen on pool1/vip";
	f.rule_id = "T2R5";
	f.host = "pool1/vip";
	f.host_ip = "";
	f.port = 3478;
	f.proto = 0;
	check_alert(&f, gold_alert_missing_multi);
	f.host_ip = NULL;
	check_alert(&f, gold_alert_missing_multi);

	/* blocked: ts_usec overrides the flow's start, rule_id the flow's rule */
	memset(&f, 0, sizeof(f));
	rec_v4(&r);
	r.conn_state = "attempted";
	f.kind = FINDING_BLOCKED;
	f.severity = 2;
	f.signature = "T1R5 blocked";
	f.category = "Policy Violation";
	f.flow = &r;
	f.ts_usec = T2026 + 9000000;
	f.rule_id = "T1R5";
	f.evidence = "3 SYNs, RST \"refused\"\\\n\t\x01 \xc3\xa9\xff";
	check_alert(&f, gold_alert_blocked);
}

/* The classifier's scan: its first probe's flow (ports 0, no rule), its
 * figures in conformance.scan; Suricata's network-scan category. */
static const char gold_alert_scan[] =
	"{\"timestamp\":\"2026-01-01T00:01:10.000000+0000\",\"flow_id\":1234567890123,"
	"\"event_type\":\"alert\",\"src_ip\":\"198.18.1.50\",\"src_port\":0,"
	"\"dest_ip\":\"198.18.1.11\",\"dest_port\":0,\"proto\":\"TCP\",\"vlan\":[100],"
	"\"alert\":{\"action\":\"allowed\",\"signature_id\":9000005,\"rev\":1,"
	"\"signature\":\"conformd scan from 198.18.1.50: 1024 ports of 198.18.1.11, 4 answered\","
	"\"category\":\"Detection of a Network Scan\",\"severity\":2},"
	"\"conformance\":{\"verdict\":\"scan\",\"rule\":null,"
	"\"evidence\":\"1024 probes in 1.3 s; answered: 135,443-444,448; ports: 1-1024\","
	"\"src_role\":\"client\",\"dest_role\":\"front-end\",\"src_host\":\"pc1\","
	"\"dest_host\":\"fe1\",\"scan\":{\"probes\":1024,\"ports\":1024,\"answered\":4,"
	"\"hosts\":1,\"start\":\"2026-01-01T00:00:00.000001+0000\","
	"\"end\":\"2026-01-01T00:00:01.300000+0000\",\"window\":60}}}";

static void
test_scan_alert(void)
{
	struct flow_record r;
	struct finding f;

	rec_v4(&r);
	r.src_port = r.dest_port = 0;
	r.rule_id = r.rule_service = NULL;
	r.verdict = VERDICT_UNEXPECTED;
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_SCAN;
	f.severity = 2;
	f.signature = "conformd scan from 198.18.1.50: 1024 ports of 198.18.1.11, 4 answered";
	f.category = "Detection of a Network Scan";
	f.flow = &r;
	f.ts_usec = T2026 + 70000000;
	f.evidence = "1024 probes in 1.3 s; answered: 135,443-444,448; ports: 1-1024";
	f.scan.probes = 1024;
	f.scan.ports = 1024;
	f.scan.answered = 4;
	f.scan.hosts = 1;
	f.scan.window = 60;
	f.scan.first_usec = T2026 + 1;
	f.scan.last_usec = T2026 + 1300000;
	check_alert(&f, gold_alert_scan);
}

/* Quote, backslash, newline, 0x01, DEL, invalid and valid UTF-8. */
static void
test_escaping(void)
{
	/* bad: lone 0xff, a truncated 2-byte sequence, an overlong '/', a
	 * UTF-16 surrogate, a code point above U+10FFFF; good: e-acute (2
	 * bytes), euro sign (3), an emoji (4). */
	static const char hostile[] =
	    "a\"b\\c\nd\x01" "e\x7f" "f\xff" "g\xc3" "h\xc0\xaf" "i\xed\xa0\x80"
	    "j\xf4\x90\x80\x80" "k\xc3\xa9" "l\xe2\x82\xac" "m\xf0\x9f\x98\x80" "n\t";
	static const char escaped[] =
	    "a\\\"b\\\\c\\u000ad\\u0001e\\u007ff\\u00ffg\\u00c3h\\u00c0\\u00afi"
	    "\\u00ed\\u00a0\\u0080j\\u00f4\\u0090\\u0080\\u0080k\xc3\xa9l\xe2\x82\xac"
	    "m\xf0\x9f\x98\x80n\\u0009";
	char want[2048], buf[8192];
	struct flow_record r;
	struct finding f;

	rec_v4(&r);
	memset(&f, 0, sizeof(f));
	r.src_host = hostile;
	snprintf(want, sizeof(want), "\"src_host\":\"%s\"", escaped);
	eve_format_flow(buf, sizeof(buf), NULL, &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	CU_ASSERT_PTR_NULL(strchr(buf, '\n'));
	keep_line(buf);

	f.kind = FINDING_UNEXPECTED;
	f.severity = 1;
	f.signature = hostile;
	f.category = "\"}\n{";
	f.flow = &r;
	eve_format_alert(buf, sizeof(buf), NULL, &f);
	snprintf(want, sizeof(want), "\"signature\":\"%s\"", escaped);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"category\":\"\\\"}\\u000a{\""));
	CU_ASSERT_PTR_NULL(strchr(buf, '\n'));
	keep_line(buf);

	/* a string ending inside a multi-byte sequence */
	f.signature = "x\xe2\x82";
	eve_format_alert(buf, sizeof(buf), NULL, &f);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"signature\":\"x\\u00e2\\u0082\""));
	keep_line(buf);
}

/*
 * Every byte value alone, in every string member of a flow event: as is
 * (printable ASCII), escaped with a backslash (quote, backslash) or as
 * \u00XX (the rest: a lone byte >= 0x80 is never valid UTF-8).
 */
static void
test_escaping_bytes(void)
{
	static const char hex[] = "0123456789abcdef";
	char str[4], want[64], buf[8192];
	const char *p;
	struct flow_record r;
	int c, i, n;

	for (c = 1; c < 256; c++) {
		str[0] = 'x';
		str[1] = (char)c;
		str[2] = 'y';
		str[3] = '\0';
		i = 0;
		want[i++] = ':';
		want[i++] = '"';
		want[i++] = 'x';
		if (c == '"' || c == '\\') {
			want[i++] = '\\';
			want[i++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f)
			want[i++] = (char)c;
		else {
			memcpy(want + i, "\\u00", 4);
			i += 4;
			want[i++] = hex[c >> 4];
			want[i++] = hex[c & 0x0f];
		}
		want[i++] = 'y';
		want[i++] = '"';
		want[i] = '\0';
		rec_v4(&r);
		r.src_host = r.dest_host = r.state = r.end = r.conn_state = str;
		r.rule_id = r.rule_service = str;
		snprintf(r.src_ip, sizeof(r.src_ip), "%s", str);
		snprintf(r.dest_ip, sizeof(r.dest_ip), "%s", str);
		snprintf(r.src_role, sizeof(r.src_role), "%s", str);
		snprintf(r.dest_role, sizeof(r.dest_role), "%s", str);
		snprintf(r.failure, sizeof(r.failure), "%s", str);
		eve_format_flow(buf, sizeof(buf), NULL, &r);
		/* src_ip, dest_ip, state, reason, conn_state, rule, service,
		 * src_role, dest_role, src_host, dest_host, failure */
		for (n = 0, p = buf; (p = strstr(p, want)) != NULL; p++)
			n++;
		CU_ASSERT_EQUAL(n, 12);
		CU_ASSERT_PTR_NULL(strchr(buf, '\n'));
		keep_line(buf);
	}
}

static void
test_time(void)
{
	char buf[64];

	eve_format_time(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1970-01-01T00:00:00.000000+0000");
	eve_format_time(T2026 + 123456, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2026-01-01T00:00:00.123456+0000");
	eve_format_time(1709251199ULL * 1000000 + 999999, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2024-02-29T23:59:59.999999+0000");
	eve_format_time(T2026 - 1, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2025-12-31T23:59:59.999999+0000");
	/* short buffer: truncated, terminated */
	memset(buf, 'Z', sizeof(buf));
	eve_format_time(T2026, buf, 11);
	CU_ASSERT_STRING_EQUAL(buf, "2026-01-01");
	CU_ASSERT_EQUAL(buf[11], 'Z');
}

/* Every buffer size from 0 to past the full length: the return value is
 * the full length, the text a NUL-terminated prefix, and the byte after
 * the buffer (a canary) untouched. */
static void
test_truncation(void)
{
	enum { CANARY = 0xA5, SLACK = 8 };
	char full[8192], buf[1024 + SLACK];
	struct flow_record r;
	struct finding f;
	size_t need, len, i, k;
	int bad;

	rec_v4(&r);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_UNEXPECTED;
	f.severity = 2;
	f.signature = "x\xc3\xa9\\\"\x01y";	/* multi-byte output near any cut */
	f.category = "Policy Violation";
	f.flow = &r;
	for (k = 0; k < 2; k++) {
		need = k == 0 ? eve_format_flow(full, sizeof(full), NULL, &r) :
		    eve_format_alert(full, sizeof(full), NULL, &f);
		CU_ASSERT_FATAL(need + 1 < sizeof(buf) - SLACK);
		bad = 0;
		for (len = 0; len <= need + 1; len++) {
			size_t got;

			memset(buf, CANARY, sizeof(buf));
			got = k == 0 ? eve_format_flow(buf, len, NULL, &r) :
			    eve_format_alert(buf, len, NULL, &f);
			if (got != need)
				bad++;
			for (i = len; i < len + SLACK; i++)
				if ((unsigned char)buf[i] != CANARY)
					bad++;
			if (len > 0) {
				size_t keep = len - 1 < need ? len - 1 : need;

				if (buf[keep] != '\0' || memcmp(buf, full, keep) != 0)
					bad++;
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
	}
}

static void
test_writer(void)
{
	char path[512], link[512], err[1024], want[8192], *got;
	struct flow_record r;
	struct finding f;
	struct stat sb;
	struct eve *e;
	mode_t um;

	snprintf(path, sizeof(path), "%s/eve.json", unit_tmpdir());
	unlink(path);
	um = umask(022);
	e = eve_open(path, err, sizeof(err));
	umask(um);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0640);
	rec_v4(&r);
	CU_ASSERT_EQUAL(eve_flow(e, &r), 0);
	memset(&f, 0, sizeof(f));
	f.kind = FINDING_MISSING;
	f.severity = 3;
	f.signature = "T2R1 never seen";
	f.category = "Policy Violation";
	f.flow = NULL;
	CU_ASSERT_EQUAL(eve_alert(e, &f), 0);
	eve_close(e);
	snprintf(want, sizeof(want), "%s\n%s\n", gold_flow_v4, gold_alert_missing);
	got = unit_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);

	/* reopening appends */
	e = eve_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	rec_v6(&r);
	CU_ASSERT_EQUAL(eve_flow(e, &r), 0);
	eve_close(e);
	snprintf(want, sizeof(want), "%s\n%s\n%s\n", gold_flow_v4,
	    gold_alert_missing, gold_flow_v6);
	got = unit_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);

	/* a symbolic link is not followed */
	snprintf(link, sizeof(link), "%s/eve-link.json", unit_tmpdir());
	unlink(link);
	CU_ASSERT_EQUAL_FATAL(symlink(path, link), 0);
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(eve_open(link, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, link));

	/* a missing directory: the reason names the path */
	snprintf(link, sizeof(link), "%s/no/such/dir/eve.json", unit_tmpdir());
	CU_ASSERT_PTR_NULL(eve_open(link, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, link));
}

/* A full disk: writes report -1 and the process goes on. */
static void
test_write_error(void)
{
	struct flow_record r;
	char err[256];
	struct eve *e;
	int i, failures = 0;

	if (access("/dev/full", W_OK) != 0) {
		printf("\n  (skipped: no /dev/full)\n");
		return;
	}
	e = eve_open("/dev/full", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	rec_v4(&r);
	for (i = 0; i < 5000; i++)
		if (eve_flow(e, &r) == -1)
			failures++;
	CU_ASSERT(failures > 0);
	eve_close(e);
}

/* Does every line of path end with a newline and look like one of our
 * JSON objects ("{...}")?  Returns the number of lines, or -1. */
static long
whole_lines(const char *path)
{
	size_t len;
	char *b = unit_slurp(path, &len), *p, *nl;
	long n = 0;

	if (b == NULL)
		return -1;
	for (p = b; p < b + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(b + len - p));
		if (nl == NULL || nl == p || p[0] != '{' || nl[-1] != '}') {
			free(b);
			return -1;
		}
		n++;
	}
	free(b);
	return n;
}

/*
 * A disk that fills (RLIMIT_FSIZE: writes past the limit stop part-way,
 * then fail with EFBIG) and then has room again, twice: the file holds
 * whole lines only, every line lost is counted, and writing resumes.
 * (With stdio, the buffer went out wherever it was full: each episode
 * left one broken line.)
 */
static void
test_whole_lines(void)
{
	char path[512], err[1024];
	struct rlimit old, lim;
	struct flow_record r;
	void (*oldsig)(int);
	struct eve *e;
	long lines;
	int n = 0;

	snprintf(path, sizeof(path), "%s/eve-full.json", unit_tmpdir());
	unlink(path);
	e = eve_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	rec_v4(&r);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	oldsig = signal(SIGXFSZ, SIG_IGN);
	for (int round = 0; round < 2; round++) {
		/* room for 100,000 more bytes, not a multiple of a line */
		struct stat sb;

		CU_ASSERT_EQUAL(stat(path, &sb), 0);
		lim = old;
		lim.rlim_cur = (rlim_t)sb.st_size + 100000;
		CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
		for (int i = 0; i < 3000; i++, n++)
			(void)eve_flow(e, &r);
		(void)eve_flush(e);
		CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &old), 0);
		lines = whole_lines(path);
		CU_ASSERT(lines > 0);
		CU_ASSERT_EQUAL((uint64_t)lines + eve_lost(e), (uint64_t)n);
		/* room again: written */
		for (int i = 0; i < 10; i++, n++)
			CU_ASSERT_EQUAL(eve_flow(e, &r), 0);
		CU_ASSERT_EQUAL(eve_flush(e), 0);
		lines = whole_lines(path);
		CU_ASSERT_EQUAL((uint64_t)lines + eve_lost(e), (uint64_t)n);
	}
	signal(SIGXFSZ, oldsig);
	CU_ASSERT(eve_lost(e) > 2000);
	eve_close(e);
}

/* A partial last line (a write a kill -9 cut short) is removed when the
 * file is opened again; a whole file is left as it is. */
static void
test_torn_tail(void)
{
	char path[512], err[1024], *got;
	struct flow_record r;
	struct eve *e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/eve-torn.json", unit_tmpdir());
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "%s\n%s\n{\"timestamp\":\"2026-01-", gold_flow_v4, gold_alert_missing);
	fclose(f);
	e = eve_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	rec_v6(&r);
	CU_ASSERT_EQUAL(eve_flow(e, &r), 0);
	eve_close(e);
	got = unit_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT(strncmp(got, gold_flow_v4, strlen(gold_flow_v4)) == 0);
	CU_ASSERT_EQUAL(whole_lines(path), 3);
	free(got);

	/* nothing but a partial line: emptied */
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "{\"timestamp\"");
	fclose(f);
	e = eve_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	eve_close(e);
	got = unit_slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "");
	free(got);
}

/* Every line produced above must be strict JSON (RFC 8259). */
static void
test_json_strict(void)
{
	char cmd[1200];
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(eve_lines);
	fclose(eve_lines);
	eve_lines = NULL;
	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("\n  (skipped: python3 not found)\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; "
	    "n = [json.loads(l) for l in open(sys.argv[1], encoding=\"utf-8\")]; "
	    "sys.exit(0 if len(n) >= 13 else 1)' '%s'", eve_lines_path);
	rc = system(cmd);
	CU_ASSERT_EQUAL(rc, 0);
}

static void
test_stats_event(void)
{
	static const char *const names[] = {
		"capture.received", "capture.kernel_drops", "classifier.packets", "reloads"
	};
	static const uint64_t values[] = { 10, 2, 8, 1 };
	char buf[512];

	eve_format_stats(buf, sizeof(buf), NULL, 1767225600000000ULL, names, values, 4);
	CU_ASSERT_STRING_EQUAL(buf,
	    "{\"timestamp\":\"2026-01-01T00:00:00.000000+0000\",\"event_type\":\"stats\","
	    "\"stats\":{\"capture\":{\"kernel_drops\":2},\"decoder\":{\"pkts\":8}},"
	    "\"conformance\":{\"stats\":{\"capture\":{\"received\":10,\"kernel_drops\":2},"
	    "\"classifier\":{\"packets\":8},\"reloads\":1}}}");
}

void
test_eve_register(void)
{
	CU_pSuite st = CU_add_suite("eve_stats", NULL, NULL);

	CU_add_test(st, "stats event nests groups", test_stats_event);
	CU_pSuite s = CU_add_suite("eve", NULL, NULL);

	CU_add_test(s, "golden flow events", test_golden_flow);
	CU_add_test(s, "golden alert events", test_golden_alert);
	CU_add_test(s, "a scan's alert event", test_scan_alert);
	CU_add_test(s, "escaping of hostile strings", test_escaping);
	CU_add_test(s, "escaping of every byte value", test_escaping_bytes);
	CU_add_test(s, "timestamps", test_time);
	CU_add_test(s, "truncation never overflows", test_truncation);
	CU_add_test(s, "file writer", test_writer);
	CU_add_test(s, "write errors are reported", test_write_error);
	CU_add_test(s, "a disk that fills: whole lines only, losses counted", test_whole_lines);
	CU_add_test(s, "a partial last line is removed at open", test_torn_tail);
	CU_add_test(s, "every line is strict JSON", test_json_strict);
}
