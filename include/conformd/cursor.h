/*
 * cursor.h - the one bounds-checked way to read wire bytes.
 *
 * Every read of packet or capture-file data goes through a cursor.  A read
 * that would run past the end fails (returns -1) and leaves the cursor where
 * it was; nothing is ever read past `end`.  Lengths are compared as
 * `n > (size_t)(end - p)`, never `p + n > end`, so no pointer is formed
 * outside the buffer.  Multi-byte values are network (big-endian) order
 * unless the name says `le`.
 */
#ifndef CONFORMD_CURSOR_H
#define CONFORMD_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t	*p;	/* next byte to read */
	const uint8_t	*end;	/* one past the last readable byte */
};

/* Start a cursor over buf[0..len). buf may be NULL only when len is 0. */
static inline void
cursor_init(struct cursor *c, const uint8_t *buf, size_t len)
{
	c->p = buf;
	c->end = buf + len;
}

/* Bytes left to read. */
static inline size_t
cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

/* Narrow the readable window to at most n bytes from the current position
 * (for example to the IP total length, so inner layers cannot read link
 * padding).  Never widens it. */
static inline void
cursor_limit(struct cursor *c, size_t n)
{
	if (n < cursor_left(c))
		c->end = c->p + n;
}

/* Skip n bytes; -1 (cursor unchanged) when fewer are left. */
static inline int
cursor_skip(struct cursor *c, size_t n)
{
	if (n > cursor_left(c))
		return -1;
	c->p += n;
	return 0;
}

static inline int
cursor_u8(struct cursor *c, uint8_t *v)
{
	if (1 > cursor_left(c))
		return -1;
	*v = c->p[0];
	c->p += 1;
	return 0;
}

static inline int
cursor_be16(struct cursor *c, uint16_t *v)
{
	if (2 > cursor_left(c))
		return -1;
	*v = (uint16_t)((c->p[0] << 8) | c->p[1]);
	c->p += 2;
	return 0;
}

static inline int
cursor_le16(struct cursor *c, uint16_t *v)
{
	if (2 > cursor_left(c))
		return -1;
	*v = (uint16_t)((c->p[1] << 8) | c->p[0]);
	c->p += 2;
	return 0;
}

static inline int
cursor_be32(struct cursor *c, uint32_t *v)
{
	if (4 > cursor_left(c))
		return -1;
	*v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
	    ((uint32_t)c->p[2] << 8) | (uint32_t)c->p[3];
	c->p += 4;
	return 0;
}

static inline int
cursor_le32(struct cursor *c, uint32_t *v)
{
	if (4 > cursor_left(c))
		return -1;
	*v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) |
	    ((uint32_t)c->p[1] << 8) | (uint32_t)c->p[0];
	c->p += 4;
	return 0;
}

/* Copy n bytes out; -1 (cursor unchanged, dst untouched) when short. */
static inline int
cursor_bytes(struct cursor *c, void *dst, size_t n)
{
	if (n > cursor_left(c))
		return -1;
	memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

/*
 * Peeks: read at offset `off` from the current position without moving
 * the cursor; -1 (nothing read) when the bytes are not all there.  For
 * fixed layouts read after one length test: the compiler folds the
 * per-field tests that the first one already implies.
 */
static inline int
cursor_peek_u8(const struct cursor *c, size_t off, uint8_t *v)
{
	if (off >= cursor_left(c))
		return -1;
	*v = c->p[off];
	return 0;
}

static inline int
cursor_peek_be16(const struct cursor *c, size_t off, uint16_t *v)
{
	if (off > cursor_left(c) || 2 > cursor_left(c) - off)
		return -1;
	*v = (uint16_t)((c->p[off] << 8) | c->p[off + 1]);
	return 0;
}

/* Copy n bytes at offset off out; -1 (dst untouched) when short. */
static inline int
cursor_peek_bytes(const struct cursor *c, size_t off, void *dst, size_t n)
{
	if (off > cursor_left(c) || n > cursor_left(c) - off)
		return -1;
	memcpy(dst, c->p + off, n);
	return 0;
}

#endif /* CONFORMD_CURSOR_H */
