/*
 * sha1.h - SHA-1 (FIPS 180-4), for Community ID flow hashes
 * (community-id.h), which the Community ID specification defines on SHA-1.
 * Not for anything that needs collision resistance.
 */
#ifndef CONFORMD_SHA1_H
#define CONFORMD_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN	20	/* digest bytes */

/* The SHA-1 digest of data[0..len) into out. */
void sha1(const void *data, size_t len, uint8_t out[SHA1_LEN]);

#endif /* CONFORMD_SHA1_H */
