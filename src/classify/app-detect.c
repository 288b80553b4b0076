/*
 * app-detect.c - TLS or cleartext: a look at a flow's first payload.
 *
 * TLS records (RFC 8446 section 5.1; SSL 3.0, RFC 6101): content type
 * 20-23, legacy version major 3, minor 0-4.  SSLv2 ClientHello (RFC 6101
 * appendix E.2): a 2-byte length with the top bit set, then message type
 * 1 and version 0.2 or 3.x.  SIP (RFC 3261 section 7): "METHOD sip:..." or
 * "SIP/2.0 NNN".  HTTP/1.x (RFC 9112): "METHOD target HTTP/1.x" or
 * "HTTP/1.x NNN".  STUN (RFC 5389 section 6): first two bits zero and the
 * magic cookie 0x2112A442 at offset 4.  SSH (RFC 4253 section 4.2):
 * "SSH-".  Only what the captured bytes prove is claimed.
 */
#include <stdio.h>
#include <string.h>

#include "conformd/cursor.h"
#include "app-detect.h"

static const char *const sip_methods[] = {
	"REGISTER", "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "SUBSCRIBE",
	"NOTIFY", "MESSAGE", "INFO", "PRACK", "UPDATE", "REFER", "PUBLISH",
	"SERVICE", "BENOTIFY", NULL
};

static const char *const http_methods[] = {
	"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "CONNECT", "PATCH",
	"TRACE", NULL
};

/* The method token at the start of buf (up to the first blank) when it is
 * one of `methods` and is followed by a blank; NULL otherwise. */
static const char *
match_method(const uint8_t *buf, size_t len, const char *const *methods)
{
	for (int i = 0; methods[i] != NULL; i++) {
		size_t ml = strlen(methods[i]);
		if (len > ml && memcmp(buf, methods[i], ml) == 0 && buf[ml] == ' ')
			return methods[i];
	}
	return NULL;
}

/* Does the request line starting at buf carry `proto` ("sip:" after the
 * method, or "HTTP/1." before the end of the first line)? */
static int
line_has(const uint8_t *buf, size_t len, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= len && buf[i] != '\r' && buf[i] != '\n'; i++)
		if (memcmp(buf + i, needle, nl) == 0)
			return 1;
	return 0;
}

int
app_detect(const uint8_t *payload, size_t len, char *desc, size_t desclen)
{
	struct cursor c;
	uint8_t b0 = 0, b1 = 0, b2 = 0;
	const char *m;

	cursor_init(&c, payload, len);
	if (cursor_u8(&c, &b0) == -1) {
		snprintf(desc, desclen, "no payload");
		return SEEN_OTHER;
	}
	if (len >= 3) {
		(void)cursor_u8(&c, &b1);
		(void)cursor_u8(&c, &b2);
		if (b0 >= 20 && b0 <= 23 && b1 == 3 && b2 <= 4) {
			snprintf(desc, desclen, "TLS %s", b0 == 22 ? "handshake" :
			    b0 == 23 ? "application data" : b0 == 21 ? "alert" : "change cipher spec");
			return SEEN_TLS;
		}
		if ((b0 & 0x80) && b2 == 1 && len >= 5 && (payload[3] == 0 || payload[3] == 3) &&
		    payload[4] <= 4) {
			snprintf(desc, desclen, "SSLv2 ClientHello");
			return SEEN_SSLV2;
		}
	}
	if (len >= 20 && (b0 & 0xc0) == 0 && payload[4] == 0x21 && payload[5] == 0x12 &&
	    payload[6] == 0xa4 && payload[7] == 0x42) {
		snprintf(desc, desclen, "STUN message");
		return SEEN_STUN;
	}
	if (len >= 8 && memcmp(payload, "SIP/2.0 ", 8) == 0) {
		snprintf(desc, desclen, "SIP response");
		return SEEN_SIP;
	}
	if ((m = match_method(payload, len, sip_methods)) != NULL &&
	    (line_has(payload, len, " sip:") || line_has(payload, len, " sips:") ||
	    line_has(payload, len, "SIP/2.0"))) {
		snprintf(desc, desclen, "SIP %s", m);
		return SEEN_SIP;
	}
	if (len >= 7 && memcmp(payload, "HTTP/1.", 7) == 0) {
		snprintf(desc, desclen, "HTTP response");
		return SEEN_HTTP;
	}
	if ((m = match_method(payload, len, http_methods)) != NULL &&
	    line_has(payload, len, " HTTP/1.")) {
		snprintf(desc, desclen, "HTTP %s", m);
		return SEEN_HTTP;
	}
	if (len >= 4 && memcmp(payload, "SSH-", 4) == 0) {
		snprintf(desc, desclen, "SSH banner");
		return SEEN_SSH;
	}
	snprintf(desc, desclen, "%zu bytes (first byte 0x%02x)", len, b0);
	return SEEN_OTHER;
}
