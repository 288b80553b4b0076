/*
 * decode.h - turn one captured frame into a struct pkt.
 *
 * One decoder per layer lives in src/decode-<layer>.c; this is the entry
 * point that dispatches on the capture's link type.  Decoders read only
 * through struct cursor (cursor.h), narrow the window to the IP total length,
 * bound every loop driven by packet data, and record the first problem as
 * pkt.event instead of logging.  Tunnels (GRE, ERSPAN, VXLAN, Geneve) are removed,
 * at most DECODE_MAX_TUNNEL of them: the struct pkt then describes the
 * innermost packet and names the tunnels in pkt.tunnel.  Safe to call from any thread; no
 * allocation.  The one setting, which UDP ports carry VXLAN and which
 * Geneve, is process-wide: made once at start (decode_set_vxlan_ports(),
 * decode_set_geneve_ports()), then only read.
 */
#ifndef CONFORMD_DECODE_H
#define CONFORMD_DECODE_H

#include <stdint.h>
#include "conformd/packet.h"

#define DECODE_MAX_VLAN		8	/* stacked tags walked before DEV_VLAN_TOO_DEEP */
#define DECODE_MAX_IPV6_EXT	8	/* extension headers walked before DEV_IPV6_EXT_TOO_DEEP */
#define DECODE_MAX_TUNNEL	2	/* tunnel layers removed before DEV_TUNNEL_TOO_DEEP (= PKT_MAX_TUNNEL) */
#define DECODE_VXLAN_PORT	4789	/* UDP destination port of VXLAN (RFC 7348 5), the default */
#define DECODE_MAX_VXLAN_PORTS	8	/* ports decode_set_vxlan_ports() takes */
#define DECODE_GENEVE_PORT	6081	/* UDP destination port of Geneve (RFC 8926 3.3), the default */
#define DECODE_MAX_GENEVE_PORTS	8	/* ports decode_set_geneve_ports() takes */

/* Results of decode_packet() and of every layer decoder. */
enum decode_result {
	DECODE_OK = 0,		/* decoded as far as the data allows; p->event may still note snaplen truncation */
	DECODE_TRUNCATED,	/* a header was cut short (p->event says which) */
	DECODE_INVALID,		/* a field is impossible (p->event says which) */
	DECODE_UNSUPPORTED	/* not IP, or a link type we do not decode */
};

/*
 * Decode buf[0..caplen) captured on a link of type `linktype` (a DLT_*
 * value as returned by pcap_datalink()).  `wirelen` is the frame's length
 * on the wire.  Fills *p completely (every field is reset first, then
 * p->caplen, p->wirelen and p->linktype are set; p->num and p->ts_usec are
 * left for the caller to set after the call).  Never reads outside buf.
 * Returns an enum decode_result.
 */
int decode_packet(struct pkt *p, int linktype, const uint8_t *buf,
    uint32_t caplen, uint32_t wirelen);

/* 1 when decode_packet() understands this DLT_* link type, else 0. */
int decode_link_supported(int linktype);

/* Short stable name of a decode event ("ipv4_trunc"), "unknown" if out of range. */
const char *decode_event_name(unsigned int ev);

/* Short stable name of an enum pkt_tunnel ("vxlan"), "unknown" if out of range. */
const char *decode_tunnel_name(unsigned int tun);

/* The UDP destination ports decoded as VXLAN, as Geneve, and as either,
 * a bit each (read-only once packets flow: see decode_set_vxlan_ports()). */
extern uint64_t decode_vxlan_portmap[65536 / 64];
extern uint64_t decode_geneve_portmap[65536 / 64];
extern uint64_t decode_udp_tunnel_portmap[65536 / 64];

/*
 * Make ports[0..n) (n <= DECODE_MAX_VXLAN_PORTS, each 1..65535) the UDP
 * destination ports whose datagrams are opened as VXLAN, in place of the
 * default 4789; n = 0: none.  Call before any thread decodes packets (the
 * configuration's vxlan-port); the decoders only read the setting.  A
 * port given to both VXLAN and Geneve is opened as VXLAN (the
 * configuration refuses that).
 */
void decode_set_vxlan_ports(const uint16_t *ports, int n);

/* The same for Geneve (n <= DECODE_MAX_GENEVE_PORTS; default 6081; the
 * configuration's geneve-port). */
void decode_set_geneve_ports(const uint16_t *ports, int n);

static inline int
decode_port_bit(const uint64_t *map, uint16_t port)
{
	return (int)((map[port >> 6] >> (port & 63)) & 1);
}

/* 1 when UDP destination port `port` carries VXLAN. */
static inline int
decode_vxlan_port(uint16_t port)
{
	return decode_port_bit(decode_vxlan_portmap, port);
}

/* 1 when UDP destination port `port` carries Geneve. */
static inline int
decode_geneve_port(uint16_t port)
{
	return decode_port_bit(decode_geneve_portmap, port);
}

/* 1 when `port` carries VXLAN or Geneve (one look-up, for the fast path). */
static inline int
decode_udp_tunnel_port(uint16_t port)
{
	return decode_port_bit(decode_udp_tunnel_portmap, port);
}

#endif /* CONFORMD_DECODE_H */
