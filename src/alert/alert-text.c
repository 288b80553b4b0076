/*
 * alert-text.c - the bounded text builder and the escapers of the alert
 * formats: RFC 5424 PARAM-VALUE (section 6.3.3), CEF header and extension
 * values (ArcSight CEF rev. 25, "Character Encoding"), LEEF 2.0 values.
 *
 * Every escaper also makes the text safe for line-based collectors:
 * control characters (including CR, LF and tab, unless the format has an
 * escape for them), DEL, and any byte that does not start a valid UTF-8
 * sequence (RFC 3629) become '?'.  So a string from the network can never
 * end a message, split a field or forge a key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert-text.h"
#include "conformd/utf8.h"

void
abuf_init(struct abuf *b, char *p, size_t max)
{
	b->p = p;
	b->max = max;
	b->len = 0;
	b->cut = 0;
	p[0] = '\0';
}

int
abuf_put(struct abuf *b, const char *s, size_t n)
{
	if (n > b->max - b->len) {
		b->cut = 1;
		return -1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
abuf_str(struct abuf *b, const char *s)
{
	return abuf_put(b, s, strlen(s));
}

int
abuf_u64(struct abuf *b, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	return abuf_put(b, tmp, (size_t)n);
}

int
abuf_esc(struct abuf *b, const char *s, abuf_esc_fn esc)
{
	const unsigned char *u = (const unsigned char *)s;
	char atom[8];
	size_t n, used;

	if (s == NULL)
		return 0;
	while (*u != '\0') {
		n = esc(u, atom, &used);
		if (n > b->max - b->len) {
			b->cut = 1;
			b->p[b->len] = '\0';
			return -1;
		}
		memcpy(b->p + b->len, atom, n);
		b->len += n;
		u += used;
	}
	b->p[b->len] = '\0';
	return 0;
}

void
abuf_reset(struct abuf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}


/* The common tail of every escaper: printable ASCII and valid UTF-8 as
 * they are, anything else '?'. */
static size_t
esc_plain(const unsigned char *s, char *out, size_t *used)
{
	size_t n;

	if (*s >= 0x20 && *s < 0x7f) {
		out[0] = (char)*s;
		*used = 1;
		return 1;
	}
	if (*s >= 0x80 && (n = utf8_len(s)) > 0) {
		memcpy(out, s, n);
		*used = n;
		return n;
	}
	out[0] = '?';
	*used = 1;
	return 1;
}

static size_t
esc_backslash(unsigned char c, char *out, size_t *used)
{
	out[0] = '\\';
	out[1] = (char)c;
	*used = 1;
	return 2;
}

/* RFC 5424 6.3.3: '"', '\' and ']' MUST be escaped with a backslash. */
size_t
esc_sd_value(const unsigned char *s, char *out, size_t *used)
{
	if (*s == '"' || *s == '\\' || *s == ']')
		return esc_backslash(*s, out, used);
	return esc_plain(s, out, used);
}

size_t
esc_text(const unsigned char *s, char *out, size_t *used)
{
	return esc_plain(s, out, used);
}

/* CEF: "If a pipe (|) is used in the header, it has to be escaped with a
 * backslash (\)", and so does a backslash.  No line breaks in the header. */
size_t
esc_cef_header(const unsigned char *s, char *out, size_t *used)
{
	if (*s == '|' || *s == '\\')
		return esc_backslash(*s, out, used);
	return esc_plain(s, out, used);
}

/* CEF extension values: '\' and '=' escaped with a backslash; multi-line
 * values encode the newline as \n and the carriage return as \r.  Pipes
 * need no escaping in the extension. */
size_t
esc_cef_value(const unsigned char *s, char *out, size_t *used)
{
	if (*s == '\\' || *s == '=')
		return esc_backslash(*s, out, used);
	if (*s == '\n' || *s == '\r') {
		out[0] = '\\';
		out[1] = *s == '\n' ? 'n' : 'r';
		*used = 1;
		return 2;
	}
	return esc_plain(s, out, used);
}

/* LEEF 2.0 values with '^' as the attribute delimiter: the delimiter, '='
 * and the backslash itself are escaped with a backslash. */
size_t
esc_leef_value(const unsigned char *s, char *out, size_t *used)
{
	if (*s == '^' || *s == '=' || *s == '\\')
		return esc_backslash(*s, out, used);
	return esc_plain(s, out, used);
}

static int
alert_gmtime(uint64_t usec, struct tm *tm)
{
	time_t sec = (time_t)(usec / 1000000);

	if (gmtime_r(&sec, tm) == NULL) {
		memset(tm, 0, sizeof(*tm));
		tm->tm_year = 70;
		tm->tm_mday = 1;
		return -1;
	}
	return 0;
}

void
alert_time_rfc5424(uint64_t usec, char *buf, size_t len)
{
	struct tm tm;

	(void)alert_gmtime(usec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned)(usec % 1000000));
}

void
alert_time_rfc5424_ms(uint64_t usec, char *buf, size_t len)
{
	struct tm tm;

	(void)alert_gmtime(usec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned)(usec % 1000000 / 1000));
}

void
alert_time_leef(uint64_t usec, char *buf, size_t len)
{
	struct tm tm;

	(void)alert_gmtime(usec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03u+0000",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned)(usec % 1000000 / 1000));
}
