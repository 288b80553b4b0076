/*
 * app-detect.h - what the first payload bytes of a flow look like.
 *
 * A cheap look at one segment (the first the flow carries, within the
 * snaplen) to tell TLS from cleartext SIP, HTTP, STUN and the rest, for
 * the protocol-mismatch check.  Reads only through struct cursor; never
 * allocates; any thread.
 */
#ifndef CONFORMD_APP_DETECT_H
#define CONFORMD_APP_DETECT_H

#include <stddef.h>
#include <stdint.h>

enum app_seen {
	SEEN_OTHER = 0,		/* none of the below */
	SEEN_TLS,		/* a TLS/SSL3 record: content type 20-23, version 3.0-3.4 */
	SEEN_SSLV2,		/* an SSLv2-format ClientHello */
	SEEN_SIP,		/* a SIP request line or status line (RFC 3261) */
	SEEN_HTTP,		/* an HTTP/1.x request line or status line */
	SEEN_STUN,		/* a STUN message with the RFC 5389 magic cookie */
	SEEN_SSH		/* an SSH identification string */
};

/*
 * Classify payload[0..len) and write a short human description into desc
 * ("SIP REGISTER", "HTTP GET", "TLS handshake", "37 bytes (first byte
 * 0x41)").  Returns an enum app_seen.
 */
int app_detect(const uint8_t *payload, size_t len, char *desc, size_t desclen);

#endif /* CONFORMD_APP_DETECT_H */
