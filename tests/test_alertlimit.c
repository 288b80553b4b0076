/*
 * test_alertlimit.c - suite "alertlimit": volume control of the alert
 * feeds (alert-limit.c).  Deduplication per kind and key with the count
 * of repeats carried by the next alert, token buckets (global and per
 * source) in capture time, scan detection (one summary, the rest
 * folded, a pause ends it), the accounting identity, and bounded memory
 * under a flood of distinct keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/alert-limit.h"
#include "conformd/config.h"
#include "conformd/record.h"
#include "unit.h"

#define SEC	1000000ULL
#define T0	(1767225600ULL * SEC)

static struct flow_record rec;
static struct finding fnd;

/* An unexpected finding src -> dst:port/TCP at capture time t. */
static const struct finding *
mk(const char *src, const char *dst, uint16_t port, uint64_t t)
{
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.src_ip, sizeof(rec.src_ip), "%s", src);
	snprintf(rec.dest_ip, sizeof(rec.dest_ip), "%s", dst);
	rec.src_port = 40000;
	rec.dest_port = port;
	rec.proto = 6;
	memset(&fnd, 0, sizeof(fnd));
	fnd.kind = FINDING_UNEXPECTED;
	fnd.severity = 2;
	fnd.signature = "x";
	fnd.flow = &rec;
	fnd.ts_usec = t;
	return &fnd;
}

/* A missing finding (no flow) of host h, port p. */
static const struct finding *
mk_missing(const char *h, uint16_t port, uint64_t t)
{
	memset(&fnd, 0, sizeof(fnd));
	fnd.kind = FINDING_MISSING;
	fnd.severity = 3;
	fnd.signature = "m";
	fnd.host = h;
	fnd.host_ip = "198.18.1.11";
	fnd.port = port;
	fnd.proto = 6;
	fnd.ts_usec = t;
	return &fnd;
}

static void
cfg_open(struct config *c)
{
	config_init(c);
	c->scan_threshold = 0;		/* each test turns on what it tests */
}

static int
check(struct alert_limit *l, const struct finding *f, uint64_t *count)
{
	struct alim_result r;

	alert_limit_check(l, f, &r);
	if (count != NULL)
		*count = r.count;
	return r.decision;
}

static void
assert_identity(const struct alert_limit *l)
{
	const struct alim_stats *s = alert_limit_stats(l);

	CU_ASSERT_EQUAL(s->findings, s->passed + s->suppressed + s->scan_folded +
	    s->rate_limited_source + s->rate_limited_global);
}

static void
test_dedupe(void)
{
	struct config c;
	struct alert_limit *l;
	uint64_t n;

	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 60;
	c.suppress[FINDING_MISSING] = 0;
	l = alert_limit_new(&c);
	CU_ASSERT_FATAL(l != NULL);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 22, T0), &n), ALIM_PASS);
	CU_ASSERT_EQUAL(n, 0);
	/* the same key within 60 s: suppressed, three times */
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 22, T0 + 1 * SEC), NULL),
	    ALIM_SUPPRESSED);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 22, T0 + 30 * SEC), NULL),
	    ALIM_SUPPRESSED);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 22, T0 + 59 * SEC), NULL),
	    ALIM_SUPPRESSED);
	/* other keys are not: port, destination, source, protocol */
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 23, T0 + 2 * SEC), NULL),
	    ALIM_PASS);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.12", 22, T0 + 2 * SEC), NULL),
	    ALIM_PASS);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.2", "198.18.1.11", 22, T0 + 2 * SEC), NULL),
	    ALIM_PASS);
	mk("198.18.10.1", "198.18.1.11", 22, T0 + 2 * SEC);
	rec.proto = 17;
	CU_ASSERT_EQUAL(check(l, &fnd, NULL), ALIM_PASS);
	/* the source port is not part of the key */
	mk("198.18.10.1", "198.18.1.11", 22, T0 + 3 * SEC);
	rec.src_port = 1;
	CU_ASSERT_EQUAL(check(l, &fnd, NULL), ALIM_SUPPRESSED);
	/* after the interval: an alert that carries the four repeats */
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 22, T0 + 60 * SEC), &n),
	    ALIM_PASS);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 22, T0 + 61 * SEC), NULL),
	    ALIM_SUPPRESSED);
	/* suppress 0 for missing: every one passes, count 0 */
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(check(l, mk_missing("fe1", 5061, T0 + 70 * SEC), &n), ALIM_PASS);
		CU_ASSERT_EQUAL(n, 0);
	}
	CU_ASSERT_EQUAL(alert_limit_stats(l)->suppressed, 5);
	assert_identity(l);
	alert_limit_free(l);

	/* per kind: missing deduplicated on host and port */
	cfg_open(&c);
	c.suppress[FINDING_MISSING] = 3600;
	l = alert_limit_new(&c);
	CU_ASSERT_EQUAL(check(l, mk_missing("fe1", 5061, T0), NULL), ALIM_PASS);
	CU_ASSERT_EQUAL(check(l, mk_missing("fe1", 5061, T0 + SEC), NULL), ALIM_SUPPRESSED);
	CU_ASSERT_EQUAL(check(l, mk_missing("fe2", 5061, T0 + SEC), NULL), ALIM_PASS);
	CU_ASSERT_EQUAL(check(l, mk_missing("fe1", 5062, T0 + SEC), NULL), ALIM_PASS);
	/* capture time never goes back: an older timestamp is "now" */
	CU_ASSERT_EQUAL(check(l, mk_missing("fe1", 5061, T0 - 7200 * SEC), NULL), ALIM_SUPPRESSED);
	assert_identity(l);
	alert_limit_free(l);
}

static void
test_rate_global(void)
{
	struct config c;
	struct alert_limit *l;
	int pass = 0;

	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 0;
	c.rate_global = 10;
	c.burst_global = 20;
	l = alert_limit_new(&c);
	/* 1000 findings in the same microsecond: the burst */
	for (int i = 0; i < 1000; i++)
		pass += check(l, mk("198.18.10.1", "198.18.1.11", (uint16_t)(1000 + i), T0), NULL) ==
		    ALIM_PASS;
	CU_ASSERT_EQUAL(pass, 20);
	/* then 10 a second: 100 findings a second for 5 s give 50 more */
	pass = 0;
	for (int i = 0; i < 500; i++)
		pass += check(l, mk("198.18.10.1", "198.18.1.11", 2,
		    T0 + (uint64_t)(i + 1) * SEC / 100), NULL) == ALIM_PASS;
	CU_ASSERT_EQUAL(pass, 50);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->rate_limited_global, 1500 - 70);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->rate_limited_source, 0);
	/* an idle hour refills only up to the burst */
	pass = 0;
	for (int i = 0; i < 100; i++)
		pass += check(l, mk("198.18.10.1", "198.18.1.11", 3, T0 + 3600 * SEC), NULL) ==
		    ALIM_PASS;
	CU_ASSERT_EQUAL(pass, 20);
	assert_identity(l);
	alert_limit_free(l);
}

static void
test_rate_source(void)
{
	struct config c;
	struct alert_limit *l;
	int pa = 0, pb = 0, pm = 0;

	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 0;
	c.suppress[FINDING_MISSING] = 0;
	c.rate_source = 1;
	c.burst_source = 5;
	l = alert_limit_new(&c);
	for (int i = 0; i < 100; i++) {
		pa += check(l, mk("198.18.10.1", "198.18.1.11", 22, T0 + (uint64_t)i * SEC / 10),
		    NULL) == ALIM_PASS;
		pb += check(l, mk("198.18.10.2", "198.18.1.11", 22, T0 + (uint64_t)i * SEC / 10),
		    NULL) == ALIM_PASS;
		/* no source: only the global limit (none) applies */
		pm += check(l, mk_missing("fe1", 5061, T0 + (uint64_t)i * SEC / 10), NULL) ==
		    ALIM_PASS;
	}
	/* 9.9 s at 1/s after a burst of 5 */
	CU_ASSERT_EQUAL(pa, 5 + 9);
	CU_ASSERT_EQUAL(pb, 5 + 9);
	CU_ASSERT_EQUAL(pm, 100);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->rate_limited_source, 200 - 28);
	assert_identity(l);
	alert_limit_free(l);

	/* both limits: the global one holds when many sources share it */
	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 0;
	c.rate_source = 100;
	c.burst_source = 100;
	c.rate_global = 1;
	c.burst_global = 3;
	l = alert_limit_new(&c);
	pa = 0;
	for (int i = 0; i < 50; i++) {
		char src[32];

		snprintf(src, sizeof(src), "198.18.10.%d", i);
		pa += check(l, mk(src, "198.18.1.11", 22, T0), NULL) == ALIM_PASS;
	}
	CU_ASSERT_EQUAL(pa, 3);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->rate_limited_global, 47);
	alert_limit_free(l);
}

/* Repeats that were rate limited are carried by the key's next alert. */
static void
test_rate_count(void)
{
	struct config c;
	struct alert_limit *l;
	uint64_t n;

	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 10;
	c.rate_global = 1;
	c.burst_global = 1;
	l = alert_limit_new(&c);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 1, T0), NULL), ALIM_PASS);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 2, T0), NULL), ALIM_RATE_GLOBAL);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 2, T0 + SEC / 2), NULL),
	    ALIM_RATE_GLOBAL);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.1", "198.18.1.11", 2, T0 + SEC), &n), ALIM_PASS);
	CU_ASSERT_EQUAL(n, 2);
	assert_identity(l);
	alert_limit_free(l);
}

static void
test_scan(void)
{
	struct config c;
	struct alert_limit *l;
	struct alim_result r;
	int pass = 0, scans = 0, folded = 0;

	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 3600;
	c.scan_threshold = 20;
	c.scan_window = 60;
	l = alert_limit_new(&c);
	/* 50,000 ports over 500 s from one source: 19 alerts, one summary */
	for (int i = 0; i < 50000; i++) {
		alert_limit_check(l, mk("198.18.10.21", "198.18.1.11", (uint16_t)(1 + i),
		    T0 + (uint64_t)i * 10000), &r);
		pass += r.decision == ALIM_PASS;
		folded += r.decision == ALIM_FOLDED;
		if (r.decision == ALIM_SCAN) {
			scans++;
			CU_ASSERT_EQUAL(r.scan_findings, 20);
			CU_ASSERT_EQUAL(r.scan_hosts, 1);
			CU_ASSERT_EQUAL(r.scan_ports, 20);
		}
	}
	CU_ASSERT_EQUAL(pass, 19);
	CU_ASSERT_EQUAL(scans, 1);
	CU_ASSERT_EQUAL(folded, 50000 - 20);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->scan_summaries, 1);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->scan_folded, 50000 - 19);
	/* another source is judged on its own */
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.22", "198.18.1.11", 22, T0 + 500 * SEC), NULL),
	    ALIM_PASS);
	/* a pause of more than a window ends the scan: a new one is a new summary */
	for (int i = 0; i < 20; i++)
		scans += check(l, mk("198.18.10.21", "198.18.1.12", (uint16_t)(1 + i),
		    T0 + 600 * SEC + (uint64_t)i), NULL) == ALIM_SCAN;
	CU_ASSERT_EQUAL(scans, 2);
	assert_identity(l);
	alert_limit_free(l);

	/* repeats of one tuple are not a scan, nor are slow findings */
	cfg_open(&c);
	c.suppress[FINDING_UNEXPECTED] = 0;
	c.scan_threshold = 5;
	c.scan_window = 10;
	l = alert_limit_new(&c);
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(check(l, mk("198.18.10.21", "198.18.1.11", 22, T0 + (uint64_t)i),
		    NULL), ALIM_PASS);
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(check(l, mk("198.18.10.25", "198.18.1.11", (uint16_t)(100 + i),
		    T0 + (uint64_t)i * 3 * SEC), NULL), ALIM_PASS);
	/* hosts count as well as ports */
	scans = 0;
	for (int i = 0; i < 5; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "198.18.1.%d", 100 + i);
		alert_limit_check(l, mk("198.18.10.30", dst, 445, T0 + 400 * SEC), &r);
		if (r.decision == ALIM_SCAN) {
			scans++;
			CU_ASSERT_EQUAL(r.scan_hosts, 5);
			CU_ASSERT_EQUAL(r.scan_ports, 1);
		}
	}
	CU_ASSERT_EQUAL(scans, 1);
	/* other kinds never count */
	for (int i = 0; i < 10; i++) {
		mk("198.18.10.40", "198.18.1.11", (uint16_t)(1 + i), T0 + 500 * SEC);
		fnd.kind = FINDING_BLOCKED;
		CU_ASSERT_EQUAL(check(l, &fnd, NULL), ALIM_PASS);
	}
	assert_identity(l);
	alert_limit_free(l);
}

/*
 * The classifier's scans (FINDING_SCAN): passed whatever the rate limits
 * (a scan is the limit), deduplicated per key like any kind, never counted
 * toward the feeds' own scan detection (its probes never reach the feeds),
 * so a source's unexpected findings after its scan are alerted as before.
 */
static void
test_classifier_scan(void)
{
	struct config c;
	struct alert_limit *l;

	cfg_open(&c);
	c.scan_threshold = 3;
	c.scan_window = 60;
	c.rate_global = 1;
	c.burst_global = 1;
	c.suppress[FINDING_SCAN] = 3600;
	l = alert_limit_new(&c);
	/* the global bucket is empty after one unexpected finding */
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.9", "198.18.1.11", 1, T0), NULL), ALIM_PASS);
	mk("198.18.10.21", "198.18.1.11", 0, T0 + 1);
	fnd.kind = FINDING_SCAN;
	fnd.scan.probes = 1000;
	CU_ASSERT_EQUAL(check(l, &fnd, NULL), ALIM_PASS);	/* not rate limited */
	CU_ASSERT_EQUAL(check(l, &fnd, NULL), ALIM_SUPPRESSED);	/* the same key again */
	/* the scanner's next two unexpected findings: no summary of the feeds'
	 * own (the scan counted for nothing there) */
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.21", "198.18.1.11", 22, T0 + 10 * SEC), NULL),
	    ALIM_PASS);
	CU_ASSERT_EQUAL(check(l, mk("198.18.10.21", "198.18.1.11", 23, T0 + 20 * SEC), NULL),
	    ALIM_PASS);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->scan_summaries, 0);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->passed, 4);
	assert_identity(l);
	alert_limit_free(l);
}

/* A million distinct keys and sources: memory stays put, entries are
 * evicted least recently used first and counted. */
static void
test_bounded(void)
{
	struct config c;
	struct alert_limit *l;
	char src[32];

	cfg_open(&c);
	c.rate_source = 1000;
	c.burst_source = 1000;
	c.scan_threshold = 1000;
	l = alert_limit_new(&c);
	for (uint32_t i = 0; i < 200000; i++) {
		snprintf(src, sizeof(src), "198.%u.%u.%u", 18 + (i >> 16), (i >> 8) & 255, i & 255);
		CU_ASSERT_EQUAL(check(l, mk(src, "198.18.1.11", 22, T0 + i), NULL), ALIM_PASS);
	}
	CU_ASSERT_EQUAL(alert_limit_stats(l)->keys_evicted, 200000 - ALIM_MAX_KEYS);
	CU_ASSERT_EQUAL(alert_limit_stats(l)->sources_evicted, 200000 - ALIM_MAX_SOURCES);
	/* the most recent keys are still known, the oldest are not */
	snprintf(src, sizeof(src), "198.%u.%u.%u", 18 + (199999u >> 16), (199999u >> 8) & 255,
	    199999u & 255);
	CU_ASSERT_EQUAL(check(l, mk(src, "198.18.1.11", 22, T0 + 200000), NULL), ALIM_SUPPRESSED);
	CU_ASSERT_EQUAL(check(l, mk("198.18.0.0", "198.18.1.11", 22, T0 + 200001), NULL), ALIM_PASS);
	assert_identity(l);
	alert_limit_free(l);
}

void
test_alertlimit_register(void)
{
	CU_pSuite s = CU_add_suite("alertlimit", NULL, NULL);

	if (s == NULL)
		return;
	CU_add_test(s, "dedupe per kind and key, repeats counted", test_dedupe);
	CU_add_test(s, "global token bucket", test_rate_global);
	CU_add_test(s, "per-source token bucket", test_rate_source);
	CU_add_test(s, "rate-limited repeats carried", test_rate_count);
	CU_add_test(s, "scan summaries", test_scan);
	CU_add_test(s, "the classifier's scans", test_classifier_scan);
	CU_add_test(s, "bounded memory", test_bounded);
}
