/*
 * decode-int.h - private to the decoders: the per-layer decoders and the
 * few helpers they share.
 *
 * Every layer decoder has the one signature
 *     int decode_<layer>(struct pkt *p, const uint8_t *buf, size_t len)
 * where buf[0..len) is the captured part of that layer (already narrowed by
 * the outer layers), and returns an enum decode_result.  A decoder records
 * what it learned in *p before it checks the next field, so a packet cut
 * short still tells the engine its family and addresses.
 *
 * The transport decoders (TCP, UDP, ICMP, ICMPv6) need one fact `len`
 * cannot give: how long the IP payload was on the wire, to tell snaplen
 * truncation from a short packet and to check the UDP length.  The IP
 * layer hands it over in p->payload_len (decode_ip_payload() does this);
 * the transport decoder reads it with decode_wirelen() and replaces
 * p->payload/p->payload_len with its own captured payload.
 */
#ifndef CONFORMD_DECODE_INT_H
#define CONFORMD_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"

/* Link layers (decode-ethernet.c, decode-sll.c, decode-null.c). */
int decode_ethernet(struct pkt *p, const uint8_t *buf, size_t len);
int decode_sll(struct pkt *p, const uint8_t *buf, size_t len);
int decode_sll2(struct pkt *p, const uint8_t *buf, size_t len);
int decode_null(struct pkt *p, const uint8_t *buf, size_t len);
/* Raw IP: IPv4 or IPv6 by the version nibble (decode.c). */
int decode_raw(struct pkt *p, const uint8_t *buf, size_t len);

/*
 * Walk 802.1Q/802.1ad/0x9100 tags (at most DECODE_MAX_VLAN) starting with
 * EtherType `type`, then hand the frame to IPv4 or IPv6; any other
 * EtherType is DEV_NON_IP.  Shared by Ethernet and both SLL versions.
 */
int decode_ethertype(struct pkt *p, uint16_t type, const uint8_t *buf, size_t len);

/* Network layers (decode-ipv4.c, decode-ipv6.c). */
int decode_ipv4(struct pkt *p, const uint8_t *buf, size_t len);
int decode_ipv6(struct pkt *p, const uint8_t *buf, size_t len);

/*
 * Walk the IPv6 extension-header chain (hop-by-hop, routing, destination
 * options, fragment, AH) at `c`, starting with next header *nh, at most
 * DECODE_MAX_IPV6_EXT headers.  On return *nh is the upper-layer protocol
 * and `c` sits on it; a fragment header sets *frag (PKT_FRAG_*) and *id,
 * and a non-first fragment ends the walk.  Returns DEV_NONE,
 * DEV_IPV6_EXT_TRUNC or DEV_IPV6_EXT_TOO_DEEP.  Also used for the IPv6
 * header quoted inside ICMPv6 errors.
 */
int decode_ipv6_ext(struct cursor *c, uint8_t *nh, uint8_t *frag, uint32_t *id);

/*
 * Hand the IP payload buf[0..len) (of which `wirelen` bytes were on the
 * wire) to the decoder of p->ip_proto.  Protocols without a decoder keep
 * the captured IP payload as p->payload.  On any result but DECODE_OK the
 * payload is cleared.  (decode.c)
 */
int decode_ip_payload(struct pkt *p, const uint8_t *buf, size_t len, size_t wirelen);

/* Transport layers (decode-tcp.c, decode-udp.c, decode-icmp.c, decode-icmpv6.c). */
int decode_tcp(struct pkt *p, const uint8_t *buf, size_t len);
int decode_udp(struct pkt *p, const uint8_t *buf, size_t len);
int decode_icmp(struct pkt *p, const uint8_t *buf, size_t len);
int decode_icmpv6(struct pkt *p, const uint8_t *buf, size_t len);

/*
 * Tunnels (decode-gre.c, decode-erspan.c, decode-vxlan.c, decode-geneve.c).
 * Each reads its
 * own header, then enters the tunnel with decode_tunnel_enter() and hands
 * the inner frame or packet to decode_ethernet(), decode_ipv4() or
 * decode_ipv6().  GRE, VXLAN and Geneve get the wire length of their
 * payload as the transport decoders do (decode_wirelen()); a GRE packet
 * that is not decapsulated (version 1, an unknown protocol type, the outer
 * packet a fragment), a VXLAN datagram without the I flag and a datagram
 * that is not a Geneve packet we open (decode-geneve.c) keep their payload
 * as they would without a tunnel decoder.
 */
int decode_gre(struct pkt *p, const uint8_t *buf, size_t len);
int decode_erspan2(struct pkt *p, const uint8_t *buf, size_t len);
int decode_erspan3(struct pkt *p, const uint8_t *buf, size_t len);
int decode_vxlan(struct pkt *p, const uint8_t *buf, size_t len);
int decode_geneve(struct pkt *p, const uint8_t *buf, size_t len);

/*
 * Enter a tunnel of type `tun` (enum pkt_tunnel): name it in p->tunnel and
 * forget everything the outer layers learned (VLAN tags, addresses, ports,
 * payload, a snaplen note), so that the inner decoders fill *p as for a
 * frame of its own.  The capture facts (caplen, wirelen, linktype, num,
 * ts_usec) stay.  Returns 0, or -1 with *p untouched when DECODE_MAX_TUNNEL
 * layers were already removed: the caller fails with DEV_TUNNEL_TOO_DEEP.
 * (decode.c)
 */
int decode_tunnel_enter(struct pkt *p, unsigned int tun);

/*
 * Decode the IP packet quoted by an ICMP or ICMPv6 error (IPv4 or IPv6 by
 * its version nibble) into p->inner.  Always DECODE_OK: a cut quote only
 * sets DEV_ICMP_INNER_TRUNC and leaves inner.valid or inner.has_ports 0.
 * (decode-icmp.c)
 */
int decode_icmp_quote(struct pkt *p, const uint8_t *buf, size_t len);

/*
 * Check a block of type-length-value options as IPv4 (RFC 791 3.1) and TCP
 * (RFC 9293 3.1) both use them: 0 ends the list, 1 is a one-byte no-op,
 * every other kind carries a length byte counting kind and length.
 * Returns 0 when every option fits in buf[0..len), -1 otherwise.  (decode.c)
 */
int decode_options(const uint8_t *buf, size_t len);

/* Note `ev` on the packet unless an earlier event is already there. */
static inline void
decode_event(struct pkt *p, unsigned int ev)
{
	if (p->event == DEV_NONE)
		p->event = (uint8_t)ev;
}

/* Note `ev` and return `result`: the common way out of a decoder. */
static inline int
decode_fail(struct pkt *p, unsigned int ev, int result)
{
	decode_event(p, ev);
	return result;
}

/*
 * The wire length of the IP payload a transport decoder was handed: left
 * in p->payload_len by decode_ip_payload(), never less than the captured
 * `len` (a direct call on a zeroed pkt means "all of it was captured").
 */
static inline size_t
decode_wirelen(const struct pkt *p, size_t len)
{
	return p->payload_len > len ? p->payload_len : len;
}

/*
 * Make the rest of `c` the packet's payload, whose wire length is `wire`:
 * the window never exceeds what was captured, and a captured part shorter
 * than the wire one is snaplen truncation (noted, not an error).
 */
static inline void
decode_payload(struct pkt *p, const struct cursor *c, size_t wire)
{
	size_t left = cursor_left(c);

	p->payload = c->p;
	if (left < wire) {
		p->payload_len = (uint32_t)left;
		decode_event(p, DEV_SNAPLEN_TRUNC);
	} else
		p->payload_len = (uint32_t)wire;
}

/* Store a 4-byte IPv4 address as v4-mapped IPv6 (::ffff:a.b.c.d). */
static inline void
decode_v4mapped(uint8_t dst[16], const uint8_t v4[4])
{
	memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	memcpy(dst + 12, v4, 4);
}

#endif /* CONFORMD_DECODE_INT_H */
