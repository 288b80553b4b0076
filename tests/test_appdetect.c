/*
 * test_appdetect.c - app_detect(): what a flow's first payload bytes look
 * like.  TLS records (every content type and version, RFC 8446 5.1 / RFC
 * 6101), SSLv2 ClientHello, SIP request and status lines (RFC 3261 7),
 * HTTP/1.x (RFC 9112), STUN with the RFC 5389 cookie, SSH banners (RFC
 * 4253 4.2), the exact descriptions, and a truncation sweep: every prefix
 * of every sample in an exact-size heap buffer, so that ASan catches a
 * read past `len`.
 */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "classify/app-detect.h"
#include "unit.h"

struct sample {
	const char	*name;
	const uint8_t	*buf;
	size_t		 len;
	int		 want;		/* enum app_seen */
	const char	*desc;
};

#define S(s)	(const uint8_t *)(s), sizeof(s) - 1

static const uint8_t tls_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x2f,			/* record: handshake, TLS 1.0, 47 bytes */
	0x01, 0x00, 0x00, 0x2b, 0x03, 0x03,		/* ClientHello, TLS 1.2 */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,	/* random */
	0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00, 0x00, 0x00
};

static const uint8_t sslv2_hello[] = {
	0x80, 0x2e,				/* 2-byte header, top bit set: 46 bytes */
	0x01,					/* CLIENT-HELLO */
	0x00, 0x02,				/* version 0.2 */
	0x00, 0x15, 0x00, 0x00, 0x00, 0x10,	/* cipher specs, session id, challenge lengths */
	0x01, 0x00, 0x80, 0x07, 0x00, 0xc0
};

static const uint8_t sslv2_hello_v3[] = {
	0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10
};

static const uint8_t stun_binding[] = {
	0x00, 0x01, 0x00, 0x00,			/* Binding request, no attributes */
	0x21, 0x12, 0xa4, 0x42,			/* magic cookie */
	0x63, 0xc7, 0x11, 0x7e, 0x07, 0x14, 0x27, 0x8f, 0x5d, 0xed, 0x32, 0x21
};

static const uint8_t random_bytes[] = {
	0x41, 0x9c, 0x00, 0xff, 0x7e, 0x13, 0x88, 0x02, 0xd4, 0x5a, 0x3b
};

static const struct sample samples[] = {
	{ "tls clienthello", tls_hello, sizeof(tls_hello), SEEN_TLS, "TLS handshake" },
	{ "sslv2 clienthello", sslv2_hello, sizeof(sslv2_hello), SEEN_SSLV2, "SSLv2 ClientHello" },
	{ "sslv2 clienthello 3.1", sslv2_hello_v3, sizeof(sslv2_hello_v3), SEEN_SSLV2,
	  "SSLv2 ClientHello" },
	{ "sip register", S("REGISTER sip:fe1.lync.example SIP/2.0\r\nVia: SIP/2.0/TCP x\r\n\r\n"),
	  SEEN_SIP, "SIP REGISTER" },
	{ "sip register sips", S("REGISTER sips:fe1.lync.example SIP/2.0\r\n\r\n"),
	  SEEN_SIP, "SIP REGISTER" },
	{ "sip invite", S("INVITE sip:alice@lync.example SIP/2.0\r\nMax-Forwards: 70\r\n\r\n"),
	  SEEN_SIP, "SIP INVITE" },
	{ "sip invite sips", S("INVITE sips:alice@lync.example SIP/2.0\r\n\r\n"),
	  SEEN_SIP, "SIP INVITE" },
	{ "sip options", S("OPTIONS sip:fe1 SIP/2.0\r\n\r\n"), SEEN_SIP, "SIP OPTIONS" },
	{ "sip response", S("SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\n"), SEEN_SIP,
	  "SIP response" },
	{ "http get", S("GET / HTTP/1.1\r\nHost: fe1\r\n\r\n"), SEEN_HTTP, "HTTP GET" },
	{ "http post", S("POST /CertProv/CertProvisioningService.svc HTTP/1.0\r\n\r\n"),
	  SEEN_HTTP, "HTTP POST" },
	{ "http options", S("OPTIONS * HTTP/1.1\r\n\r\n"), SEEN_HTTP, "HTTP OPTIONS" },
	{ "http response", S("HTTP/1.1 401 Unauthorized\r\n\r\n"), SEEN_HTTP, "HTTP response" },
	{ "method, no protocol", S("REGISTER fe1\r\nTo: <sip:a@b> SIP/2.0\r\n"), SEEN_OTHER,
	  "37 bytes (first byte 0x52)" },
	{ "http method, no protocol", S("GET /index.html\r\nX: HTTP/1.1\r\n"), SEEN_OTHER,
	  "30 bytes (first byte 0x47)" },
	{ "method, no blank", S("REGISTERsip:fe1 SIP/2.0\r\n"), SEEN_OTHER,
	  "25 bytes (first byte 0x52)" },
	{ "stun binding", stun_binding, sizeof(stun_binding), SEEN_STUN, "STUN message" },
	{ "ssh banner", S("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), SEEN_SSH, "SSH banner" },
	{ "random", random_bytes, sizeof(random_bytes), SEEN_OTHER,
	  "11 bytes (first byte 0x41)" },
	{ NULL, NULL, 0, 0, NULL }
};

/* app_detect() on an exact-size heap copy of buf[0..len). */
static int
detect_heap(const uint8_t *buf, size_t len, char *desc, size_t desclen)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rv;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	if (len > 0)
		memcpy(copy, buf, len);
	rv = app_detect(copy, len, desc, desclen);
	free(copy);
	return rv;
}

static void
check(const char *name, const uint8_t *buf, size_t len, int want, const char *wdesc)
{
	char desc[96];
	int rv;

	memset(desc, 'x', sizeof(desc));
	rv = detect_heap(buf, len, desc, sizeof(desc));
	CU_ASSERT_EQUAL(rv, want);
	CU_ASSERT_STRING_EQUAL(desc, wdesc);
	if (rv != want || strcmp(desc, wdesc) != 0)
		fprintf(stderr, "\n%s: got %d \"%s\", want %d \"%s\"\n", name, rv, desc, want, wdesc);
}

static void
test_samples(void)
{
	for (const struct sample *s = samples; s->name != NULL; s++)
		check(s->name, s->buf, s->len, s->want, s->desc);
}

/* Every content type 20-23 and every version 3.0-3.4; 3.5, 2.x and other
 * content types are not TLS. */
static void
test_tls_records(void)
{
	static const char *const names[] = {
		"TLS change cipher spec", "TLS alert", "TLS handshake", "TLS application data"
	};
	uint8_t rec[8] = { 0, 3, 0, 0x00, 0x03, 0x01, 0x00, 0x01 };
	char want[64];

	for (int ct = 20; ct <= 23; ct++)
		for (int minor = 0; minor <= 4; minor++) {
			rec[0] = (uint8_t)ct;
			rec[2] = (uint8_t)minor;
			check("tls record", rec, sizeof(rec), SEEN_TLS, names[ct - 20]);
		}
	rec[0] = 22;
	rec[2] = 5;
	check("tls 3.5", rec, sizeof(rec), SEEN_OTHER, "8 bytes (first byte 0x16)");
	rec[1] = 2;
	rec[2] = 0;
	check("tls 2.0", rec, sizeof(rec), SEEN_OTHER, "8 bytes (first byte 0x16)");
	rec[1] = 3;
	rec[2] = 1;
	rec[3] = 0x05;	/* so that 0x80.. 0x03 0x01 is no SSLv2 hello either */
	for (int ct = 0; ct < 256; ct++) {
		if (ct >= 20 && ct <= 23)
			continue;
		rec[0] = (uint8_t)ct;
		snprintf(want, sizeof(want), "8 bytes (first byte 0x%02x)", ct);
		check("not a content type", rec, sizeof(rec), SEEN_OTHER, want);
	}
	/* the three bytes that make a record header, and no fewer */
	check("tls 0 bytes", rec, 0, SEEN_OTHER, "no payload");
	rec[0] = 22;
	check("tls 2 bytes", rec, 2, SEEN_OTHER, "2 bytes (first byte 0x16)");
	check("tls 3 bytes", rec, 3, SEEN_TLS, "TLS handshake");
}

static void
test_sslv2_rejects(void)
{
	uint8_t h[5] = { 0x80, 0x2e, 0x01, 0x00, 0x02 };

	check("sslv2 5 bytes", h, 5, SEEN_SSLV2, "SSLv2 ClientHello");
	check("sslv2 4 bytes", h, 4, SEEN_OTHER, "4 bytes (first byte 0x80)");
	h[2] = 0x02;	/* not CLIENT-HELLO */
	check("sslv2 type 2", h, 5, SEEN_OTHER, "5 bytes (first byte 0x80)");
	h[2] = 0x01;
	h[3] = 0x02;	/* version 2.x: no such thing */
	check("sslv2 version 2", h, 5, SEEN_OTHER, "5 bytes (first byte 0x80)");
	h[3] = 0x03;
	h[4] = 0x05;
	check("sslv2 version 3.5", h, 5, SEEN_OTHER, "5 bytes (first byte 0x80)");
	h[0] = 0x00;	/* top bit clear */
	h[4] = 0x01;
	check("sslv2 top bit clear", h, 5, SEEN_OTHER, "5 bytes (first byte 0x00)");
}

static void
test_stun(void)
{
	uint8_t m[sizeof(stun_binding)];

	memcpy(m, stun_binding, sizeof(m));
	m[0] = 0x01;	/* Binding success response */
	check("stun response", m, sizeof(m), SEEN_STUN, "STUN message");
	m[0] = 0x40;	/* first two bits must be zero */
	check("stun top bits", m, sizeof(m), SEEN_OTHER, "20 bytes (first byte 0x40)");
	m[0] = 0x00;
	m[7] = 0x43;	/* wrong cookie (RFC 3489 STUN has none) */
	check("stun cookie", m, sizeof(m), SEEN_OTHER, "20 bytes (first byte 0x00)");
	/* a STUN header is 20 bytes: 19 prove nothing */
	check("stun 19 bytes", stun_binding, 19, SEEN_OTHER, "19 bytes (first byte 0x00)");
}

static void
test_empty_and_small(void)
{
	char desc[96];

	CU_ASSERT_EQUAL(app_detect(NULL, 0, desc, sizeof(desc)), SEEN_OTHER);
	CU_ASSERT_STRING_EQUAL(desc, "no payload");
	check("one byte", (const uint8_t *)"S", 1, SEEN_OTHER, "1 bytes (first byte 0x53)");
	check("SSH- only", (const uint8_t *)"SSH-", 4, SEEN_SSH, "SSH banner");
	check("SSH", (const uint8_t *)"SSH", 3, SEEN_OTHER, "3 bytes (first byte 0x53)");
	check("SIP/2.0 only", (const uint8_t *)"SIP/2.0", 7, SEEN_OTHER,
	    "7 bytes (first byte 0x53)");
	check("SIP/2.0 blank", (const uint8_t *)"SIP/2.0 ", 8, SEEN_SIP, "SIP response");
	/* a short description buffer truncates, never overflows */
	{
		char small[8];
		memset(small, 'x', sizeof(small));
		CU_ASSERT_EQUAL(app_detect(tls_hello, sizeof(tls_hello), small, sizeof(small)),
		    SEEN_TLS);
		CU_ASSERT_STRING_EQUAL(small, "TLS han");
	}
}

/* Every prefix of every sample: no read past len (ASan), a valid result,
 * a terminated description; and the verdict of the whole sample holds for
 * every prefix long enough to prove it. */
static void
test_prefix_sweep(void)
{
	for (const struct sample *s = samples; s->name != NULL; s++) {
		for (size_t n = 0; n <= s->len; n++) {
			char desc[96];
			int rv;

			memset(desc, 'x', sizeof(desc));
			rv = detect_heap(s->buf, n, desc, sizeof(desc));
			CU_ASSERT(rv >= SEEN_OTHER && rv <= SEEN_SSH);
			CU_ASSERT(memchr(desc, '\0', sizeof(desc)) != NULL);
			/* a prefix is either what the whole sample is, or unknown */
			CU_ASSERT(rv == s->want || rv == SEEN_OTHER);
			if (rv != s->want && rv != SEEN_OTHER)
				fprintf(stderr, "\n%s: prefix %zu classified %d\n", s->name, n, rv);
		}
	}
}

/* Pseudo-random buffers of every length up to 64: no crash, no over-read. */
static void
test_random_sweep(void)
{
	uint32_t x = 2463534242u;
	uint8_t buf[64];

	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (uint8_t)x;
		}
		for (size_t n = 0; n <= sizeof(buf); n++) {
			char desc[96];
			int rv = detect_heap(buf, n, desc, sizeof(desc));
			CU_ASSERT(rv >= SEEN_OTHER && rv <= SEEN_SSH);
		}
	}
}

void
test_appdetect_register(void)
{
	CU_pSuite s = CU_add_suite("appdetect", NULL, NULL);

	CU_add_test(s, "samples", test_samples);
	CU_add_test(s, "tls records", test_tls_records);
	CU_add_test(s, "sslv2", test_sslv2_rejects);
	CU_add_test(s, "stun", test_stun);
	CU_add_test(s, "empty and small", test_empty_and_small);
	CU_add_test(s, "prefix sweep", test_prefix_sweep);
	CU_add_test(s, "random sweep", test_random_sweep);
}
