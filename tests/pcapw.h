/*
 * pcapw.h - what the capture generators (tests/gen-edge.c,
 * tests/gen-malformed.c) share: fatal errors, byte order writers and the
 * RFC 1071 Internet checksum.  Test-only; not part of libconformd.
 */
#ifndef CONFORMD_TESTS_PCAPW_H
#define CONFORMD_TESTS_PCAPW_H

#include <stddef.h>
#include <stdint.h>

/* The program name pcapw_die() puts first ("gen-edge"); set by main(). */
extern const char *pcapw_prog;

/* Print "PROG: message" and a newline to stderr, exit with status 1. */
void pcapw_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Store v at b in big-endian (network) or little-endian byte order. */
void pcapw_be16(uint8_t *b, uint16_t v);
void pcapw_be32(uint8_t *b, uint32_t v);
void pcapw_le16(uint8_t *b, uint16_t v);
void pcapw_le32(uint8_t *b, uint32_t v);

/* RFC 1071 one's-complement sum of n bytes, continued from `sum` (an odd
 * last byte is padded with zero). */
uint32_t pcapw_csum_add(uint32_t sum, const uint8_t *b, size_t n);

/* The checksum field value of a sum from pcapw_csum_add(). */
uint16_t pcapw_csum_fold(uint32_t sum);

#endif
