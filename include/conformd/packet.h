/*
 * packet.h - what the decoders learn about one captured frame.
 *
 * A struct pkt is filled by decode_packet() (decode.h) and read by the flow
 * table and the classifier.  It holds no pointer that outlives the capture
 * buffer except `payload`, which points into that buffer and is only valid
 * while the buffer is.  Addresses are always 16 bytes: IPv4 is stored
 * v4-mapped (::ffff:a.b.c.d) so that keys compare with one memcmp.
 */
#ifndef CONFORMD_PACKET_H
#define CONFORMD_PACKET_H

#include <stdint.h>

/* Decode events: the first reason a packet could not be fully decoded.
 * Counted per event by the engine; never logged per packet. */
enum decode_event {
	DEV_NONE = 0,
	DEV_LINK_UNSUPPORTED,	/* link type not decoded */
	DEV_ETH_TRUNC,		/* shorter than an Ethernet header */
	DEV_VLAN_TRUNC,		/* 802.1Q/802.1ad tag cut short */
	DEV_VLAN_TOO_DEEP,	/* more tags than DECODE_MAX_VLAN */
	DEV_SLL_TRUNC,		/* Linux cooked header cut short */
	DEV_NULL_TRUNC,		/* BSD loopback header cut short */
	DEV_NON_IP,		/* ARP, LLDP, ...: not IP, counted only */
	DEV_IPV4_TRUNC,		/* fewer than 20 bytes, or than IHL says */
	DEV_IPV4_BAD_VERSION,
	DEV_IPV4_BAD_HLEN,	/* IHL < 5 */
	DEV_IPV4_BAD_TOTLEN,	/* total length < IHL*4 */
	DEV_IPV4_OPT_BAD,	/* an option length runs past the header */
	DEV_IPV6_TRUNC,
	DEV_IPV6_BAD_VERSION,
	DEV_IPV6_EXT_TRUNC,	/* an extension header runs past the data */
	DEV_IPV6_EXT_TOO_DEEP,	/* more than DECODE_MAX_IPV6_EXT headers */
	DEV_TCP_TRUNC,		/* fewer than 20 bytes, or than data offset */
	DEV_TCP_BAD_HLEN,	/* data offset < 5 */
	DEV_TCP_OPT_BAD,	/* an option length runs past the header */
	DEV_UDP_TRUNC,
	DEV_UDP_BAD_LEN,	/* UDP length < 8 or larger than the IP payload */
	DEV_ICMP_TRUNC,
	DEV_ICMP_INNER_TRUNC,	/* error message whose quoted header is cut */
	DEV_FRAG_LATER,		/* non-first fragment: no transport header */
	DEV_SNAPLEN_TRUNC,	/* transport header present, payload cut by snaplen (informational) */
	DEV_GRE_TRUNC,		/* GRE header or its optional words cut short */
	DEV_GRE_BAD_FLAGS,	/* GRE version 0 with routing, strict route or recursion bits (RFC 2784 2.3) */
	DEV_ERSPAN_TRUNC,	/* ERSPAN type II/III header or platform subheader cut short */
	DEV_ERSPAN_BAD_VERSION,	/* ERSPAN Ver field not 1 (type II) or 2 (type III) */
	DEV_VXLAN_TRUNC,	/* VXLAN header cut short */
	DEV_GENEVE_TRUNC,	/* Geneve header or its options cut short */
	DEV_TUNNEL_TOO_DEEP,	/* more tunnel layers than DECODE_MAX_TUNNEL */
	DEV_MAX			/* at most 40: engine_counters.events */
};

/* Tunnels removed on the way to the innermost packet (pkt.tunnel). */
enum pkt_tunnel {
	PKT_TUN_NONE = 0,
	PKT_TUN_GRE,		/* IPv4 or IPv6 in GRE (RFC 2784, 2890) */
	PKT_TUN_GRETAP,		/* Ethernet in GRE: transparent Ethernet bridging, 0x6558 */
	PKT_TUN_ERSPAN1,	/* ERSPAN type I: 0x88be, no sequence number, no ERSPAN header */
	PKT_TUN_ERSPAN2,	/* ERSPAN type II: 0x88be with a sequence number, 8-byte header */
	PKT_TUN_ERSPAN3,	/* ERSPAN type III: 0x22eb, 12-byte header (+ 8-byte subheader) */
	PKT_TUN_VXLAN,		/* VXLAN (RFC 7348), UDP destination port 4789 */
	PKT_TUN_GENEVE,		/* Geneve (RFC 8926), UDP destination port 6081 */
	PKT_TUN_MAX		/* at most 8: engine_counters.decap */
};

#define PKT_MAX_TUNNEL	2	/* tunnel layers kept, outermost first (DECODE_MAX_TUNNEL) */

/* pkt.frag */
#define PKT_FRAG_NONE	0	/* not a fragment */
#define PKT_FRAG_FIRST	1	/* offset 0, more fragments follow: carries the ports */
#define PKT_FRAG_LATER	2	/* offset > 0: no transport header */

/* TCP flag bits, as on the wire (pkt.tcp_flags). */
#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10

#define PKT_MAX_VLAN	2	/* VLAN ids kept (outermost first); deeper tags are walked, not kept */

/* The header quoted inside an ICMP/ICMPv6 error (RFC 792, RFC 4443). */
struct pkt_inner {
	uint8_t		valid;		/* 1 when family/addresses are set */
	uint8_t		has_ports;	/* 1 when the 8 transport bytes were present */
	uint8_t		family;		/* 4 or 6 */
	uint8_t		proto;		/* transport protocol of the quoted packet */
	uint8_t		src[16];	/* v4-mapped for IPv4 */
	uint8_t		dst[16];
	uint16_t	sport;
	uint16_t	dport;
};

struct pkt {
	/* capture facts */
	uint64_t	num;		/* 1-based packet number within its source */
	uint64_t	ts_usec;	/* capture time, microseconds since the epoch */
	uint32_t	caplen;		/* bytes captured */
	uint32_t	wirelen;	/* bytes on the wire (pcap len) */
	int		linktype;	/* DLT_* of the source */

	/* tunnels: when the frame carried one, every field below describes
	 * the innermost packet (its VLAN tags, addresses, ports); the outer
	 * layers are only named here, with the addresses of the outermost */
	uint8_t		tunnel_depth;	/* tunnel layers removed, 0..PKT_MAX_TUNNEL */
	uint8_t		tunnel[PKT_MAX_TUNNEL];	/* enum pkt_tunnel, outermost first */
	uint8_t		tunnel_family;	/* the outermost tunnel's IP header: 4 or 6 (0: none) */
	uint8_t		tunnel_src[16];	/* ... its source (the mirroring device), v4-mapped */
	uint8_t		tunnel_dst[16];	/* ... its destination (the collector) */
	uint16_t	tunnel_sport;	/* ... its UDP ports (VXLAN, Geneve), else 0 */
	uint16_t	tunnel_dport;

	/* link layer */
	uint8_t		vlan_depth;	/* tags seen (may exceed PKT_MAX_VLAN) */
	uint16_t	vlan[PKT_MAX_VLAN];	/* 12-bit ids, outermost first; 0 when absent */

	/* network layer */
	uint8_t		family;		/* 0 (not IP), 4 or 6 */
	uint8_t		ip_proto;	/* transport protocol (after IPv6 extension headers) */
	uint8_t		frag;		/* PKT_FRAG_* */
	uint8_t		src[16];	/* v4-mapped for IPv4 */
	uint8_t		dst[16];
	uint32_t	ip_id;		/* IPv4 identification or IPv6 fragment identification */

	/* transport layer */
	uint8_t		has_ports;	/* sport/dport valid (TCP, UDP) */
	uint8_t		tcp_flags;	/* TCP_* bits, TCP only */
	uint16_t	sport;
	uint16_t	dport;
	uint8_t		icmp_type;	/* ICMP/ICMPv6 only */
	uint8_t		icmp_code;
	uint16_t	icmp_id;	/* echo identifier, ICMP echo only */
	struct pkt_inner inner;		/* ICMP/ICMPv6 errors only */

	/* application bytes: the captured part of the transport payload,
	 * inside the IP total length.  payload_len <= the wire payload. */
	const uint8_t	*payload;
	uint32_t	payload_len;

	/* outcome */
	uint8_t		event;		/* enum decode_event, DEV_NONE when clean */
};

/* IP protocol numbers used across modules. */
#define IPPROTO_NUM_ICMP	1
#define IPPROTO_NUM_TCP		6
#define IPPROTO_NUM_UDP		17
#define IPPROTO_NUM_GRE		47
#define IPPROTO_NUM_ICMPV6	58

#endif /* CONFORMD_PACKET_H */
