/*
 * alert-text.h - the bounded text builder the alert formats share
 * (private to alert.c and format-*.c).
 *
 * A struct abuf never writes past its limit: whole pieces are appended
 * only when they fit (a field is all or nothing), escaped text is
 * appended one "atom" at a time (an escape sequence, one UTF-8
 * character, or its replacement), so a cut never splits either.
 */
#ifndef CONFORMD_ALERT_TEXT_H
#define CONFORMD_ALERT_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct abuf {
	char	*p;
	size_t	 max;		/* bytes of text at most; p holds max + 1 */
	size_t	 len;		/* bytes written, p[len] == '\0' */
	int	 cut;		/* something was left out or cut */
};

/*
 * One atom of escaped output for the input at s (NUL-terminated, s[0]
 * != 0): writes at most 8 bytes into out, returns their number, and sets
 * *used to the input bytes consumed (>= 1).
 */
typedef size_t (*abuf_esc_fn)(const unsigned char *s, char *out, size_t *used);

void abuf_init(struct abuf *b, char *p, size_t max);
/* Append n bytes whole, or nothing (then b->cut = 1 and -1). */
int abuf_put(struct abuf *b, const char *s, size_t n);
int abuf_str(struct abuf *b, const char *s);
int abuf_u64(struct abuf *b, uint64_t v);
/* Append s escaped by esc, atom by atom; stops before the first atom that
 * does not fit (b->cut = 1, returns -1).  NULL appends nothing. */
int abuf_esc(struct abuf *b, const char *s, abuf_esc_fn esc);
/* Roll back to an earlier length (a field that did not fit whole). */
void abuf_reset(struct abuf *b, size_t len);


/* Escapers.  Every one replaces control characters, DEL and bytes outside
 * valid UTF-8 with '?' (after the format's own escapes). */
size_t esc_sd_value(const unsigned char *s, char *out, size_t *used);	/* RFC 5424 PARAM-VALUE: " \ ] */
size_t esc_text(const unsigned char *s, char *out, size_t *used);	/* plain MSG text */
size_t esc_cef_header(const unsigned char *s, char *out, size_t *used);	/* | \ */
size_t esc_cef_value(const unsigned char *s, char *out, size_t *used);	/* = \ newline CR */
size_t esc_leef_value(const unsigned char *s, char *out, size_t *used);	/* ^ = \ */

/* "2026-01-01T00:00:00.000001Z" (RFC 5424 6.2.3, UTC, microseconds). */
void alert_time_rfc5424(uint64_t usec, char *buf, size_t len);
/* "2026-01-01T00:00:00.000Z" (RFC 5424 6.2.3 with milliseconds, as IBM
 * requires the header of a LEEF event to be). */
void alert_time_rfc5424_ms(uint64_t usec, char *buf, size_t len);
/* "2026-01-01T00:00:00.000+0000" (LEEF devTime, yyyy-MM-dd'T'HH:mm:ss.SSSZ). */
void alert_time_leef(uint64_t usec, char *buf, size_t len);

#endif /* CONFORMD_ALERT_TEXT_H */
