/*
 * test_feed.c - suite "feed": the alert transports (feed.c) against
 * sockets of the test's own on 127.0.0.1 and in the scratch directory.
 * UDP datagrams are whole RFC 5424 messages; TCP carries RFC 6587
 * octet-counted frames, survives the collector closing (the queued
 * messages arrive on the next connection, after the backoff) and counts
 * what its bounded queue had to drop; an EVE socket gets one JSON line
 * per datagram; min-severity and messages too long for max-size are
 * counted, never sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conformd/alert.h"
#include "conformd/config.h"
#include "conformd/feed.h"
#include "conformd/output.h"
#include "conformd/policy.h"
#include "conformd/record.h"
#include "unit.h"
#include <sqlite3.h>

#define SEC	1000000ULL

static struct flow_record rec;
static struct finding fnd;
static struct alert al;

static const struct alert *
mk_alert(uint16_t port, int severity)
{
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.src_ip, "198.18.10.21");
	strcpy(rec.dest_ip, "198.18.1.11");
	rec.src_port = 40000;
	rec.dest_port = port;
	rec.proto = 6;
	strcpy(rec.src_role, "client");
	strcpy(rec.dest_role, "front-end");
	memset(&fnd, 0, sizeof(fnd));
	fnd.kind = FINDING_UNEXPECTED;
	fnd.severity = severity;
	fnd.signature = "conformd unexpected";
	fnd.category = "Policy Violation";
	fnd.flow = &rec;
	fnd.ts_usec = 1767225600000000ULL;
	alert_from_finding(&al, &fnd, 0);
	return &al;
}

static void
co_init(struct config_output *co, const char *name, int type, int transport, uint16_t port)
{
	memset(co, 0, sizeof(*co));
	co->name = (char *)name;
	co->type = type;
	co->format = type == OUTPUT_EVE_SOCKET ? OUTPUT_FMT_EVE : OUTPUT_FMT_RFC5424;
	co->facility = 16;
	co->ident = (char *)"conformd";
	co->host = (char *)"127.0.0.1";
	co->port = port;
	co->transport = transport;
	co->max_size = 2048;
	co->queue = 100;
	co->min_severity = 3;
}

/* A socket of ours on 127.0.0.1 with a port the kernel picks. */
static int
listen_on(int type, uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, type, 0), one = 1;

	CU_ASSERT_FATAL(s != -1);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(*port);
	CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	if (type == SOCK_STREAM)
		CU_ASSERT_FATAL(listen(s, 4) == 0);
	CU_ASSERT_FATAL(getsockname(s, (struct sockaddr *)&sin, &len) == 0);
	*port = ntohs(sin.sin_port);
	return s;
}

/* Read what arrives on s within ms milliseconds into buf (NUL-terminated). */
static size_t
read_some(int s, char *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	size_t got = 0;

	while (got + 1 < len && poll(&p, 1, ms) == 1) {
		ssize_t n = recv(s, buf + got, len - 1 - got, MSG_DONTWAIT);

		if (n <= 0)
			break;
		got += (size_t)n;
		ms = 50;	/* the rest follows quickly */
	}
	buf[got] = '\0';
	return got;
}

/* Drive feed_tick with time t until fd has nothing queued (bounded). */
static void
tick_until_sent(struct feed *fd, uint64_t t)
{
	for (int i = 0; i < 100 && feed_stats(fd)->queued > 0; i++) {
		feed_tick(fd, t);
		usleep(2000);
	}
}

static void
test_udp(void)
{
	struct config_output co;
	struct feed *fd;
	char buf[4096], want[4096], err[256];
	uint16_t port = 0;
	int s = listen_on(SOCK_DGRAM, &port), cut;
	size_t n;

	co_init(&co, "u", OUTPUT_REMOTE, OUTPUT_UDP, port);
	fd = feed_open(&co, "sensor1", "0.1.0", err, sizeof(err));
	CU_ASSERT_FATAL(fd != NULL);
	feed_alert(fd, mk_alert(22, 2), 1000);
	n = read_some(s, buf, sizeof(buf), 2000);
	/* one datagram, exactly the RFC 5424 message, no framing, no newline */
	{
		struct alert_env e = { "sensor1", NULL, "conformd", (unsigned)getpid(), 16, "0.1.0" };

		alert_format_syslog(want, 2048, &e, &al, OUTPUT_FMT_RFC5424, &cut);
	}
	CU_ASSERT_EQUAL(n, strlen(want));
	unit_assert_text("udp datagram", buf, want);
	feed_alert(fd, mk_alert(23, 2), 1000);
	feed_alert(fd, mk_alert(24, 2), 1000);
	CU_ASSERT(read_some(s, buf, sizeof(buf), 2000) > 0);
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 3);
	CU_ASSERT_EQUAL(feed_stats(fd)->queued, 0);
	feed_close(fd);
	close(s);
}

/* Parse RFC 6587 octet-counted frames; returns how many, -1 if broken. */
static int
frames(const char *b, size_t n, const char *must)
{
	size_t i = 0;
	int count = 0;

	while (i < n) {
		char *end;
		unsigned long len = strtoul(b + i, &end, 10);

		if (end == b + i || *end != ' ' || (size_t)(end + 1 - b) + len > n)
			return -1;
		if (must != NULL && strncmp(end + 1, must, strlen(must)) != 0)
			return -1;
		i = (size_t)(end + 1 - b) + len;
		count++;
	}
	return count;
}

static void
test_tcp_reconnect(void)
{
	struct config_output co;
	struct feed *fd;
	char buf[65536], err[256];
	uint16_t port = 0;
	int ls = listen_on(SOCK_STREAM, &port), c;
	uint64_t t = 1000 * SEC;
	size_t n;

	co_init(&co, "t", OUTPUT_REMOTE, OUTPUT_TCP, port);
	co.queue = 10;
	fd = feed_open(&co, "sensor1", "0.1.0", err, sizeof(err));
	CU_ASSERT_FATAL(fd != NULL);
	feed_alert(fd, mk_alert(22, 2), t);
	c = accept(ls, NULL, NULL);
	CU_ASSERT_FATAL(c != -1);
	tick_until_sent(fd, t);
	n = read_some(c, buf, sizeof(buf), 2000);
	CU_ASSERT_EQUAL(frames(buf, n, "<132>1 "), 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->connects, 1);

	/* the collector goes away: its FIN is seen before the next write */
	close(c);
	close(ls);
	usleep(20000);
	for (int i = 0; i < 15; i++)
		feed_alert(fd, mk_alert((uint16_t)(100 + i), 2), t);
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->queued, 10);
	CU_ASSERT_EQUAL(feed_stats(fd)->queue_dropped, 5);
	CU_ASSERT(feed_stats(fd)->connect_failures >= 1);

	/* back, on the same port: nothing happens before the backoff... */
	ls = listen_on(SOCK_STREAM, &port);
	feed_tick(fd, t + SEC / 2);
	CU_ASSERT_EQUAL(feed_stats(fd)->queued, 10);
	/* ...then the queue goes out whole, in order */
	feed_tick(fd, t + 2 * SEC);
	c = accept(ls, NULL, NULL);
	CU_ASSERT_FATAL(c != -1);
	tick_until_sent(fd, t + 2 * SEC);
	n = read_some(c, buf, sizeof(buf), 2000);
	CU_ASSERT_EQUAL(frames(buf, n, "<132>1 "), 10);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "dpt=\"100\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "dpt=\"109\""));
	CU_ASSERT_PTR_NULL(strstr(buf, "dpt=\"110\""));
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 11);
	CU_ASSERT_EQUAL(feed_stats(fd)->reconnects, 1);
	/* sent + dropped + still queued = offered */
	CU_ASSERT_EQUAL(feed_stats(fd)->sent + feed_stats(fd)->queue_dropped +
	    feed_stats(fd)->queued, feed_stats(fd)->offered);
	feed_close(fd);
	close(c);
	close(ls);
}

/* Nobody listens: the backoff doubles up to 60 s; drain gives up at its
 * deadline and reports what is left. */
static void
test_tcp_backoff(void)
{
	struct config_output co;
	struct feed *fd;
	char err[256];
	uint16_t port = 0;
	int ls = listen_on(SOCK_STREAM, &port);
	uint64_t t = 1000 * SEC, fails;

	close(ls);	/* a port nobody listens on */
	co_init(&co, "t", OUTPUT_REMOTE, OUTPUT_TCP, port);
	fd = feed_open(&co, "sensor1", "0.1.0", err, sizeof(err));
	CU_ASSERT_FATAL(fd != NULL);
	feed_alert(fd, mk_alert(22, 2), t);
	for (int i = 0; i < 20 && feed_stats(fd)->connect_failures == 0; i++) {
		usleep(5000);
		feed_tick(fd, t);
	}
	CU_ASSERT_EQUAL(feed_stats(fd)->connect_failures, 1);
	/* retries at +1, +3, +7, +15, +31, +63, then every 60 s */
	fails = 1;
	for (uint64_t s = 1; s <= 300; s++) {
		feed_tick(fd, t + s * SEC);
		for (int i = 0; i < 20 && feed_stats(fd)->connect_failures == fails &&
		    (s == 1 || s == 3 || s == 7 || s == 15 || s == 31 || s == 63 ||
		    s == 123 || s == 183 || s == 243); i++) {
			usleep(2000);
			feed_tick(fd, t + s * SEC);
		}
		fails = feed_stats(fd)->connect_failures;
	}
	CU_ASSERT_EQUAL(feed_stats(fd)->connect_failures, 10);
	CU_ASSERT_EQUAL(feed_drain(fd, feed_now() + SEC / 5), 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->queued, 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 0);
	feed_close(fd);
}

static void
test_eve_socket(void)
{
	struct config_output co;
	struct sockaddr_un sun;
	struct feed *fd;
	char buf[16384], path[512], err[256];
	int s;
	size_t n;

	snprintf(path, sizeof(path), "%s/eve.sock", unit_tmpdir());
	unlink(path);
	co_init(&co, "e", OUTPUT_EVE_SOCKET, 0, 0);
	co.path = path;
	co.max_size = 8192;
	fd = feed_open(&co, "sensor1", "0.1.0", err, sizeof(err));
	CU_ASSERT_FATAL(fd != NULL);
	/* no reader yet: queued, retried after the backoff */
	feed_alert(fd, mk_alert(22, 2), 1000 * SEC);
	CU_ASSERT_EQUAL(feed_stats(fd)->queued, 1);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	CU_ASSERT_FATAL(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	feed_tick(fd, 1002 * SEC);
	feed_alert(fd, mk_alert(23, 2), 1002 * SEC);
	n = read_some(s, buf, sizeof(buf), 2000);
	CU_ASSERT(n > 0);
	CU_ASSERT_NSTRING_EQUAL(buf, "{\"timestamp\":\"2026-01-01T00:00:00.000000+0000\"", 45);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"dest_port\":22,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"dest_port\":23,"));
	CU_ASSERT_EQUAL(buf[n - 1], '\n');
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 2);
	CU_ASSERT_EQUAL(feed_stats(fd)->reconnects, 0);

	/* an EVE JSON longer than max-size is not cut: counted, not sent */
	feed_close(fd);
	co.max_size = 480;
	fd = feed_open(&co, "sensor1", "0.1.0", err, sizeof(err));
	mk_alert(24, 2);
	fnd.evidence = "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890123456789";
	alert_from_finding(&al, &fnd, 0);
	feed_alert(fd, &al, 1000 * SEC);
	CU_ASSERT_EQUAL(feed_stats(fd)->too_long, 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 0);
	feed_close(fd);
	close(s);
	unlink(path);
}

static void
test_min_severity(void)
{
	struct config_output co;
	struct feed *fd;
	char buf[4096], err[256];
	uint16_t port = 0;
	int s = listen_on(SOCK_DGRAM, &port);

	co_init(&co, "u", OUTPUT_REMOTE, OUTPUT_UDP, port);
	co.min_severity = 1;
	fd = feed_open(&co, "sensor1", "0.1.0", err, sizeof(err));
	feed_alert(fd, mk_alert(22, 2), 1000);
	feed_alert(fd, mk_alert(22, 3), 1000);
	feed_alert(fd, mk_alert(22, 1), 1000);
	CU_ASSERT(read_some(s, buf, sizeof(buf), 2000) > 0);
	CU_ASSERT_NSTRING_EQUAL(buf, "<131>1 ", 7);
	CU_ASSERT_EQUAL(feed_stats(fd)->below_severity, 2);
	CU_ASSERT_EQUAL(feed_stats(fd)->offered, 1);
	CU_ASSERT_EQUAL(feed_stats(fd)->sent, 1);
	feed_close(fd);
	close(s);
}

/* An unexpected TCP flow from 198.18.10.21:40000 to 198.18.1.11:port as
 * the classifier hands it to the outputs (binary), under an empty policy. */
static void
mk_rec_finding(struct rec_finding *b, const struct policy *pol, uint16_t port)
{
	static const uint8_t a[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 1, 11 };
	static const uint8_t c[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 10, 21 };
	struct flow *f = &b->flow.f;

	memset(b, 0, sizeof(*b));
	b->kind = FINDING_UNEXPECTED;
	b->severity = 2;
	b->evidence = REC_EV_NONE;
	b->has_flow = 1;
	b->ts_usec = 1767225600000000ULL;
	b->pol = pol;
	memcpy(f->key.addr[0], a, 16);
	memcpy(f->key.addr[1], c, 16);
	f->key.port[0] = port;
	f->key.port[1] = 40000;
	f->key.proto = 6;
	f->key.family = 4;
	f->ini = 1;
	f->verdict = VERDICT_UNEXPECTED;
	f->rule = RULE_NONE;
	f->host[0] = f->host[1] = -1;
	b->flow.pol = pol;
	b->flow.end = REC_END_NONE;
}

/* SIGHUP after log rotation: output_reopen() sends later events to a new
 * file of the same name, the old one keeps what was written before. */
static void
test_eve_reopen(void)
{
	struct config c;
	struct output *o;
	struct engine_sink sink;
	struct ruleset rs;
	struct inventory inv;
	struct policy *pol;
	struct rec_finding b;
	char path[512], moved[512], err[256], *a, *bb;

	snprintf(path, sizeof(path), "%s/rotate.json", unit_tmpdir());
	snprintf(moved, sizeof(moved), "%s/rotate.json.1", unit_tmpdir());
	unlink(path);
	unlink(moved);
	rules_init(&rs);
	inventory_init(&inv);
	pol = policy_compile(&rs, &inv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
	config_init(&c);
	o = output_open(&c, NULL, path, err, sizeof(err));
	CU_ASSERT_FATAL(o != NULL);
	output_sink(o, &sink);
	CU_ASSERT_FATAL(sink.finding != NULL);
	mk_rec_finding(&b, pol, 22);
	sink.finding(sink.arg, &b);
	CU_ASSERT_EQUAL(rename(path, moved), 0);
	CU_ASSERT_EQUAL(output_reopen(o), 0);
	mk_rec_finding(&b, pol, 23);
	sink.finding(sink.arg, &b);
	output_close(o);
	a = unit_slurp(moved, NULL);
	bb = unit_slurp(path, NULL);
	CU_ASSERT_FATAL(a != NULL && bb != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"dest_port\":22,"));
	CU_ASSERT_PTR_NULL(strstr(a, "\"dest_port\":23,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(bb, "\"dest_port\":23,"));
	CU_ASSERT_PTR_NULL(strstr(bb, "\"dest_port\":22,"));
	free(a);
	free(bb);
	unlink(path);
	unlink(moved);
	policy_free(pol);
	inventory_free(&inv);
	rules_free(&rs);
}

/* One column of the first row of `sql` on the database at path ("" when none). */
static const char *
feed_q(const char *path, const char *sql)
{
	static char out[512];
	sqlite3 *db;
	sqlite3_stmt *s;

	out[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
			snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return out;
}

/*
 * A database that cannot be opened at start (its directory is missing)
 * and opens later gets the run's rules and those of every reload made
 * meanwhile: the reloads' rulesets may be freed by then, so the output
 * keeps copies.  Before, a reload's rules were dropped while there was
 * no database, and rows citing them had no rule row.
 */
static void
test_reload_rules_without_db(void)
{
	static char id1[] = "T1R3", id2[] = "SITE-9", id3[] = "SITE-10";
	struct ruleset rs1, rs2;
	struct rule r1[1], r2[2];
	struct inventory inv;
	struct config c;
	struct output *o;
	char dir[512], path[600], err[256];

	snprintf(dir, sizeof(dir), "%s/later", unit_tmpdir());
	snprintf(path, sizeof(path), "%s/x.db", dir);
	unlink(path);
	rmdir(dir);
	rules_init(&rs1);
	rules_init(&rs2);
	inventory_init(&inv);
	memset(r1, 0, sizeof(r1));
	memset(r2, 0, sizeof(r2));
	r1[0].id = id1;
	r1[0].table = 1;
	r1[0].row = 3;
	r1[0].role = -1;
	r1[0].dir = RULE_IN;
	r1[0].protos = RULE_TCP;
	rs1.rules = r1;
	rs1.nrules = 1;
	r2[0] = r1[0];
	r2[0].row = 4;			/* the reload redefines T1R3 */
	r2[1] = r1[0];
	r2[1].id = id2;
	r2[1].site = 1;
	rs2.rules = r2;
	rs2.nrules = 2;
	config_init(&c);
	o = output_open(&c, path, NULL, err, sizeof(err));
	CU_ASSERT_FATAL(o != NULL);
	output_run_begin(o, "test", "v", 1780000000000000ULL, &rs1, &inv);
	output_rules(o, &rs2);		/* a reload while there is no database */
	r2[1].id = id3;			/* rs2 changes (is freed) after the reload */
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	output_tick(o, 0);		/* the first retry: it opens */
	CU_ASSERT_EQUAL(output_run_end(o, 1780000001000000ULL, 0), 0);
	output_close(o);
	CU_ASSERT_STRING_EQUAL(feed_q(path, "SELECT group_concat(id || ':' || row_no) FROM"
	    " (SELECT * FROM rules ORDER BY id)"), "SITE-9:3,T1R3:4");
	CU_ASSERT_STRING_EQUAL(feed_q(path, "SELECT count(*) FROM runs"), "1");
}

void
test_feed_register(void)
{
	CU_pSuite s = CU_add_suite("feed", NULL, NULL);

	if (s == NULL)
		return;
	CU_add_test(s, "UDP: one message per datagram", test_udp);
	CU_add_test(s, "TCP: framing, collector restart, bounded queue", test_tcp_reconnect);
	CU_add_test(s, "TCP: backoff doubling to 60 s, bounded drain", test_tcp_backoff);
	CU_add_test(s, "EVE socket", test_eve_socket);
	CU_add_test(s, "min-severity", test_min_severity);
	CU_add_test(s, "EVE file reopened after rotation", test_eve_reopen);
	CU_add_test(s, "a reload's rules reach a database opened later", test_reload_rules_without_db);
}
