/*
 * decode-fast.h - the common packet shapes, decoded straight into a flow key.
 *
 * Nearly every packet on a span port is Ethernet (up to two VLAN tags) or
 * raw IP, then IPv4 without options or IPv6 without extension headers,
 * then TCP or UDP, captured whole, and no tunnel (no GRE, no UDP to or
 * from a VXLAN or Geneve port, decode_udp_tunnel_port()).  decode_fast() recognises exactly those
 * and builds the canonical flow key (flow.h) without filling a struct pkt;
 * the engine (engine_frames()) hashes the keys of a batch, prefetches their
 * flows and updates established flows in place.  Anything else, and any
 * packet the fast path is not sure about, goes through the full decoders
 * (decode.h) and flow_packet(), which stay the reference: the fast path
 * must give the same counters, flows and findings, and tests/test_fastpath.c
 * checks that it does on every test capture.
 */
#ifndef CONFORMD_DECODE_FAST_H
#define CONFORMD_DECODE_FAST_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/capture.h"
#include "conformd/flow.h"

/* What decode_fast() learns about one packet. */
struct fast_pkt {
	struct flow_key	key;		/* canonical, exactly as flow_packet() builds it */
	uint32_t	hash;		/* flow_key_hash(&key) */
	const uint8_t	*payload;	/* transport payload, in the packet's buffer */
	uint32_t	paylen;		/* its length (all captured) */
	uint8_t		dir;		/* key side that sent the packet */
	uint8_t		tcp_flags;	/* TCP only */
	uint8_t		ok;		/* 1: a fast shape, key and hash valid */
};

/*
 * Decode buf[0..caplen) captured on a link of type `linktype` (DLT_*) if
 * it has one of the fast shapes and every check the full decoders make
 * passes with no decode event at all (no truncation, not even snaplen
 * truncation, no fragment, valid TCP options, a sane UDP length).  Then
 * fp->key (VLAN ids kept when `use_vlan`), fp->hash, fp->dir and
 * fp->tcp_flags, fp->payload and fp->paylen are set and 1 is returned; otherwise 0, and the caller
 * decodes the packet with decode_packet().  Reads only through cursors;
 * never reads outside buf.  Sets fp->ok to the result.
 */
int decode_fast(const uint8_t *buf, uint32_t caplen, int linktype, int use_vlan,
    struct fast_pkt *fp);

/* decode_fast() on each of v[0..n) into fp[0..n); how many it took. */
size_t decode_fast_batch(const struct capture_pkt *v, size_t n, int use_vlan,
    struct fast_pkt *fp);

#endif /* CONFORMD_DECODE_FAST_H */
