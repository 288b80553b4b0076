/*
 * decode.c - the decoder's entry point: dispatch on the capture's link type
 * (tcpdump's LINKTYPE_/DLT_ list, <pcap/dlt.h>), hand IP payloads to the
 * transport and GRE decoders, enter tunnels, and name the decode events
 * and the tunnel types.
 */
#include <string.h>
#include <pcap/dlt.h>

#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

/* The LINKTYPE_ value of raw IP in files; libpcap maps it to DLT_RAW, but a
 * source that passes file link types through unmapped still gets decoded. */
#define LINKTYPE_RAW	101

/* A code and its short stable name; a table ends with a NULL name. */
struct code_name {
	unsigned int	 code;
	const char	*name;
};

static const struct code_name decode_events[] = {
	{ DEV_NONE,		"none" },
	{ DEV_LINK_UNSUPPORTED,	"link_unsupported" },
	{ DEV_ETH_TRUNC,	"eth_trunc" },
	{ DEV_VLAN_TRUNC,	"vlan_trunc" },
	{ DEV_VLAN_TOO_DEEP,	"vlan_too_deep" },
	{ DEV_SLL_TRUNC,	"sll_trunc" },
	{ DEV_NULL_TRUNC,	"null_trunc" },
	{ DEV_NON_IP,		"non_ip" },
	{ DEV_IPV4_TRUNC,	"ipv4_trunc" },
	{ DEV_IPV4_BAD_VERSION,	"ipv4_bad_version" },
	{ DEV_IPV4_BAD_HLEN,	"ipv4_bad_hlen" },
	{ DEV_IPV4_BAD_TOTLEN,	"ipv4_bad_totlen" },
	{ DEV_IPV4_OPT_BAD,	"ipv4_opt_bad" },
	{ DEV_IPV6_TRUNC,	"ipv6_trunc" },
	{ DEV_IPV6_BAD_VERSION,	"ipv6_bad_version" },
	{ DEV_IPV6_EXT_TRUNC,	"ipv6_ext_trunc" },
	{ DEV_IPV6_EXT_TOO_DEEP, "ipv6_ext_too_deep" },
	{ DEV_TCP_TRUNC,	"tcp_trunc" },
	{ DEV_TCP_BAD_HLEN,	"tcp_bad_hlen" },
	{ DEV_TCP_OPT_BAD,	"tcp_opt_bad" },
	{ DEV_UDP_TRUNC,	"udp_trunc" },
	{ DEV_UDP_BAD_LEN,	"udp_bad_len" },
	{ DEV_ICMP_TRUNC,	"icmp_trunc" },
	{ DEV_ICMP_INNER_TRUNC,	"icmp_inner_trunc" },
	{ DEV_FRAG_LATER,	"frag_later" },
	{ DEV_SNAPLEN_TRUNC,	"snaplen_trunc" },
	{ DEV_GRE_TRUNC,	"gre_trunc" },
	{ DEV_GRE_BAD_FLAGS,	"gre_bad_flags" },
	{ DEV_ERSPAN_TRUNC,	"erspan_trunc" },
	{ DEV_ERSPAN_BAD_VERSION, "erspan_bad_version" },
	{ DEV_VXLAN_TRUNC,	"vxlan_trunc" },
	{ DEV_GENEVE_TRUNC,	"geneve_trunc" },
	{ DEV_TUNNEL_TOO_DEEP,	"tunnel_too_deep" },
	{ 0, NULL }
};

static const struct code_name decode_tunnels[] = {
	{ PKT_TUN_NONE,		"none" },
	{ PKT_TUN_GRE,		"gre" },
	{ PKT_TUN_GRETAP,	"gretap" },
	{ PKT_TUN_ERSPAN1,	"erspan1" },
	{ PKT_TUN_ERSPAN2,	"erspan2" },
	{ PKT_TUN_ERSPAN3,	"erspan3" },
	{ PKT_TUN_VXLAN,	"vxlan" },
	{ PKT_TUN_GENEVE,	"geneve" },
	{ 0, NULL }
};

_Static_assert(PKT_MAX_TUNNEL == DECODE_MAX_TUNNEL, "one tunnel limit");

static const char *
code_name(const struct code_name *t, unsigned int code)
{
	for (; t->name != NULL; t++)
		if (t->code == code)
			return t->name;
	return "unknown";
}

const char *
decode_event_name(unsigned int ev)
{
	return code_name(decode_events, ev);
}

const char *
decode_tunnel_name(unsigned int tun)
{
	return code_name(decode_tunnels, tun);
}

uint64_t decode_vxlan_portmap[65536 / 64] = {
	[DECODE_VXLAN_PORT / 64] = 1ULL << (DECODE_VXLAN_PORT % 64)
};
uint64_t decode_geneve_portmap[65536 / 64] = {
	[DECODE_GENEVE_PORT / 64] = 1ULL << (DECODE_GENEVE_PORT % 64)
};
uint64_t decode_udp_tunnel_portmap[65536 / 64] = {
	[DECODE_VXLAN_PORT / 64] = 1ULL << (DECODE_VXLAN_PORT % 64),
	[DECODE_GENEVE_PORT / 64] = 1ULL << (DECODE_GENEVE_PORT % 64)
};

/* Replace one tunnel's ports (at most max of them), then the union. */
static void
decode_set_ports(uint64_t *map, const uint16_t *ports, int n, int max)
{
	memset(map, 0, 65536 / 64 * sizeof(*map));
	for (int i = 0; i < n && i < max; i++)
		map[ports[i] / 64] |= 1ULL << (ports[i] % 64);
	for (size_t i = 0; i < 65536 / 64; i++)
		decode_udp_tunnel_portmap[i] = decode_vxlan_portmap[i] |
		    decode_geneve_portmap[i];
}

void
decode_set_vxlan_ports(const uint16_t *ports, int n)
{
	decode_set_ports(decode_vxlan_portmap, ports, n, DECODE_MAX_VXLAN_PORTS);
}

void
decode_set_geneve_ports(const uint16_t *ports, int n)
{
	decode_set_ports(decode_geneve_portmap, ports, n, DECODE_MAX_GENEVE_PORTS);
}

int
decode_tunnel_enter(struct pkt *p, unsigned int tun)
{
	uint64_t num = p->num, ts_usec = p->ts_usec;
	uint32_t caplen = p->caplen, wirelen = p->wirelen;
	int linktype = p->linktype;
	uint8_t tunnel[PKT_MAX_TUNNEL], depth = p->tunnel_depth, family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;

	if (depth >= DECODE_MAX_TUNNEL)
		return -1;
	/* The outer VLAN tags, addresses and ports belong to the mirror
	 * transport: the flow is the inner packet's alone.  Only the capture
	 * facts, the tunnels so far and the outermost tunnel's addresses
	 * (the IP header just decoded, when this is the first layer) are
	 * kept, not a copy of the packet. */
	memcpy(tunnel, p->tunnel, sizeof(tunnel));
	family = depth == 0 ? p->family : p->tunnel_family;
	memcpy(src, depth == 0 ? p->src : p->tunnel_src, sizeof(src));
	memcpy(dst, depth == 0 ? p->dst : p->tunnel_dst, sizeof(dst));
	/* the outer UDP ports of VXLAN and Geneve; GRE has none */
	sport = depth == 0 ? (p->has_ports ? p->sport : 0) : p->tunnel_sport;
	dport = depth == 0 ? (p->has_ports ? p->dport : 0) : p->tunnel_dport;
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->ts_usec = ts_usec;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = linktype;
	memcpy(p->tunnel, tunnel, sizeof(tunnel));
	p->tunnel[depth] = (uint8_t)tun;
	p->tunnel_depth = (uint8_t)(depth + 1);
	p->tunnel_family = family;
	memcpy(p->tunnel_src, src, sizeof(src));
	memcpy(p->tunnel_dst, dst, sizeof(dst));
	p->tunnel_sport = sport;
	p->tunnel_dport = dport;
	return 0;
}

int
decode_link_supported(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW
	case LINKTYPE_RAW:
#endif
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return 0;
	}
}

int
decode_packet(struct pkt *p, int linktype, const uint8_t *buf,
    uint32_t caplen, uint32_t wirelen)
{
	static const uint8_t none[1];

	memset(p, 0, sizeof(*p));
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = linktype;
	if (buf == NULL) {
		/* An empty frame: give the cursors a real pointer to start from. */
		buf = none;
		caplen = 0;
	}

	switch (linktype) {
	case DLT_EN10MB:
		return decode_ethernet(p, buf, caplen);
	case DLT_LINUX_SLL:
		return decode_sll(p, buf, caplen);
	case DLT_LINUX_SLL2:
		return decode_sll2(p, buf, caplen);
	case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW
	case LINKTYPE_RAW:
#endif
		return decode_raw(p, buf, caplen);
	case DLT_IPV4:
		return decode_ipv4(p, buf, caplen);
	case DLT_IPV6:
		return decode_ipv6(p, buf, caplen);
	case DLT_NULL:
	case DLT_LOOP:
		return decode_null(p, buf, caplen);
	default:
		return decode_fail(p, DEV_LINK_UNSUPPORTED, DECODE_UNSUPPORTED);
	}
}

/*
 * Raw IP carries no link header: the version nibble says which.  An empty
 * frame is counted as a cut IPv4 header, since nothing tells the family.
 */
int
decode_raw(struct pkt *p, const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t b0;

	cursor_init(&c, buf, len);
	if (cursor_u8(&c, &b0) < 0)
		return decode_fail(p, DEV_IPV4_TRUNC, DECODE_TRUNCATED);
	switch (b0 >> 4) {
	case 4:
		return decode_ipv4(p, buf, len);
	case 6:
		return decode_ipv6(p, buf, len);
	default:
		return decode_fail(p, DEV_NON_IP, DECODE_UNSUPPORTED);
	}
}

int
decode_ip_payload(struct pkt *p, const uint8_t *buf, size_t len, size_t wirelen)
{
	int (*layer)(struct pkt *, const uint8_t *, size_t) = NULL;
	int rc;

	switch (p->ip_proto) {
	case IPPROTO_NUM_TCP:
		layer = decode_tcp;
		break;
	case IPPROTO_NUM_UDP:
		layer = decode_udp;
		break;
	case IPPROTO_NUM_ICMP:
		if (p->family == 4)
			layer = decode_icmp;
		break;
	case IPPROTO_NUM_ICMPV6:
		if (p->family == 6)
			layer = decode_icmpv6;
		break;
	case IPPROTO_NUM_GRE:
		layer = decode_gre;
		break;
	}

	p->payload = buf;
	if (layer == NULL) {
		/* No decoder (ESP, SCTP, ...): the captured IP payload. */
		p->payload_len = (uint32_t)len;
		return DECODE_OK;
	}
	/* The hand-over described in decode-int.h: the transport decoder
	 * finds the wire length here and replaces it with its payload. */
	p->payload_len = (uint32_t)wirelen;
	rc = layer(p, buf, len);
	if (rc != DECODE_OK) {
		p->payload = NULL;
		p->payload_len = 0;
	}
	return rc;
}

int
decode_options(const uint8_t *buf, size_t len)
{
	struct cursor c;
	uint8_t kind, olen;
	size_t i;

	cursor_init(&c, buf, len);
	/* Every pass consumes at least one byte: at most len passes. */
	for (i = 0; i < len && cursor_left(&c) > 0; i++) {
		if (cursor_u8(&c, &kind) < 0)
			return -1;
		if (kind == 0)		/* end of option list */
			return 0;
		if (kind == 1)		/* no-operation */
			continue;
		/* olen counts the kind and length bytes themselves. */
		if (cursor_u8(&c, &olen) < 0 || olen < 2 ||
		    cursor_skip(&c, (size_t)olen - 2) < 0)
			return -1;
	}
	return 0;
}
