/*
 * community-id.h - Community ID flow hashes, version 1 (the Community ID
 * specification, github.com/corelight/community-id-spec): the string
 * Zeek, Suricata, Wireshark and Elastic's network.community_id give a
 * connection, so that a SIEM can join conformd's events with theirs.
 */
#ifndef CONFORMD_COMMUNITY_ID_H
#define CONFORMD_COMMUNITY_ID_H

#include <stdint.h>

#define COMMUNITY_ID_LEN	31	/* "1:", 28 base64 characters, NUL */

/*
 * The Community ID of a flow between saddr:sport and daddr:dport (either
 * way round gives the same), IP protocol `proto`, family 4 (the addresses'
 * last 4 of 16 bytes, as flow keys hold them) or 6, with `seed` (0 unless
 * every sensor of the site agrees on another).  TCP, UDP and SCTP hash their
 * ports; ICMP and ICMPv6 take the type and code of the initiator's message
 * as sport and dport: a request/reply pair (echo, router, neighbour, ...)
 * hashes like ports, both directions alike, any other message one-way, by
 * type and code; other protocols hash their addresses only.  Returns 0
 * with the NUL-terminated string in out.
 */
int community_id(uint16_t seed, int family, const uint8_t saddr[16], const uint8_t daddr[16],
    uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN]);

#endif /* CONFORMD_COMMUNITY_ID_H */
