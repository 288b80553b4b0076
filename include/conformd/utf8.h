/*
 * utf8.h - validating one UTF-8 sequence (RFC 3629 section 4).
 */
#ifndef CONFORMD_UTF8_H
#define CONFORMD_UTF8_H

#include <stddef.h>

/*
 * The length (2-4) of the valid UTF-8 sequence starting at s, or 0 when
 * s[0] does not start one: no overlong forms, no surrogates, nothing
 * above U+10FFFF.  s must be NUL-terminated (NUL is never a continuation
 * byte, so reading stops at the terminator).  Any thread.
 */
size_t utf8_len(const unsigned char *s);

#endif /* CONFORMD_UTF8_H */
