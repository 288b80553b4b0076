/*
 * gen-edge.c - write the edge-case captures the decoder must survive:
 * `tests/gen-edge OUTDIR`.
 *
 * Every file is deterministic (timestamps from 2026-01-01T00:00:00Z, fixed
 * contents, checksums computed), so two runs are byte-identical.  Servers
 * sit in 198.18.1.0/24 (2001:db8:1::/64), clients in 198.18.10.0/24
 * (2001:db8:10::/64).  pcap files go through libpcap's dump writer; the
 * pcapng file is written here block by block (pcapng draft, SHB/IDB/EPB,
 * little-endian) with one block of an unknown type that readers must skip.
 * Prints nothing on success; errors go to stderr with exit status 1.
 *
 *   vlan.pcap          802.1Q tags (VLAN 100, and 200 with priority bits)
 *   qinq.pcap          0x88a8 + 0x8100, and one flow 0x9100 + 0x8100
 *   ipv6-ext.pcap      TCP/UDP behind hop-by-hop, routing, dest options, AH
 *   frag.pcap          IPv4 UDP in 3 fragments, IPv6 UDP in 2, one orphan
 *   snaplen.pcap       snaplen 64: headers whole, payload cut
 *   pcapng.pcapng      a TCP conversation plus one unknown block
 *   sll.pcap sll2.pcap null.pcap raw.pcap   other link types, both families
 *   icmp-unreach.pcap  ICMP port unreachable, echo, ICMPv6 prohibited
 *   malformed.pcap     bad IHL, TCP offset, UDP length, IPv4/TCP option,
 *                      9 VLAN tags, 9 IPv6 extension headers, among good ones
 *   tunnel.pcap        conversations mirrored through tunnels, outer VLAN
 *                      300: IP in GRE (plain; checksum, key and sequence;
 *                      over IPv6), gretap, ERSPAN I, II, III (with and
 *                      without the platform subheader), VXLAN over IPv6,
 *                      VXLAN in GRE, Geneve carrying Ethernet with
 *                      options, Geneve carrying IPv4
 *   tunnel-bad.pcap    PPTP's GRE v1 and an unknown GRE protocol (kept as
 *                      GRE flows), GRE routing bit, GRE cut, ERSPAN bad
 *                      version and cut, VXLAN without the I flag (plain
 *                      UDP) and cut by the snaplen, three tunnel layers,
 *                      a fragmented GRE packet, ARP in VXLAN, a Geneve
 *                      control message and version 1 (plain UDP), Geneve
 *                      cut in its options
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "pcapw.h"

#define TS_BASE_USEC	(1767225600ULL * 1000000ULL)	/* 2026-01-01T00:00:00Z */
#define FRAME_GAP_USEC	1000ULL		/* between frames of a conversation */
#define CONV_GAP_USEC	100000ULL	/* between conversations */
#define SNAPLEN_FULL	262144
#define SNAPLEN_SHORT	64

#define PB_SIZE		4096
#define PB_HEADROOM	1024		/* room for headers prepended inside out */

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define TPID_8021Q	0x8100
#define TPID_8021AD	0x88a8
#define TPID_QINQ_OLD	0x9100

#define P_ICMP		1
#define P_TCP		6
#define P_UDP		17
#define P_GRE		47
#define P_ICMPV6	58
#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_DSTOPTS	60

#define F_FIN		0x01
#define F_SYN		0x02
#define F_PSH		0x08
#define F_ACK		0x10

static const char *outdir;

/* ---- packet buffer: headers are prepended, payload appended ---------- */

struct pb {
	uint8_t	b[PB_SIZE];
	size_t	head, tail;	/* the frame is b[head..tail) */
};

static void
pb_reset(struct pb *pb)
{
	pb->head = pb->tail = PB_HEADROOM;
}

static size_t
pb_len(const struct pb *pb)
{
	return pb->tail - pb->head;
}

static uint8_t *
pb_data(struct pb *pb)
{
	return pb->b + pb->head;
}

static uint8_t *
pb_prepend(struct pb *pb, size_t n)
{
	if (n > pb->head)
		pcapw_die("internal: packet headroom exhausted");
	pb->head -= n;
	memset(pb->b + pb->head, 0, n);
	return pb->b + pb->head;
}

static void
pb_append(struct pb *pb, const void *d, size_t n)
{
	if (n > PB_SIZE - pb->tail)
		pcapw_die("internal: packet buffer full");
	memcpy(pb->b + pb->tail, d, n);
	pb->tail += n;
}

/* Deterministic filler: printable bytes that differ per `seed`. */
static void
pb_fill(struct pb *pb, size_t n, unsigned int seed)
{
	uint8_t chunk[64];
	size_t i, k;

	while (n > 0) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		for (i = 0; i < k; i++)
			chunk[i] = (uint8_t)('a' + (seed + i) % 26);
		pb_append(pb, chunk, k);
		n -= k;
		seed += (unsigned int)k;
	}
}

/* ---- addresses ------------------------------------------------------- */

struct addr {
	int	family;		/* 4 or 6 */
	uint8_t	a[16];		/* IPv4 in the first 4 bytes */
};

static struct addr
addr(const char *s)
{
	struct addr x;

	memset(&x, 0, sizeof(x));
	if (inet_pton(AF_INET, s, x.a) == 1)
		x.family = 4;
	else if (inet_pton(AF_INET6, s, x.a) == 1)
		x.family = 6;
	else
		pcapw_die("internal: bad address %s", s);
	return x;
}

/* ---- transport headers ----------------------------------------------- */

/* Checksum of the transport segment now in pb (RFC 793/768/4443 pseudo
 * header), stored at offset `at` of the segment. */
static void
l4_csum(struct pb *pb, const struct addr *src, const struct addr *dst,
    uint8_t proto, size_t at)
{
	uint8_t ph[8];
	uint32_t sum;
	uint16_t c;
	size_t len = pb_len(pb);
	size_t alen = src->family == 4 ? 4 : 16;

	sum = pcapw_csum_add(0, src->a, alen);
	sum = pcapw_csum_add(sum, dst->a, alen);
	pcapw_be32(ph, (uint32_t)len);
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = proto;
	sum = pcapw_csum_add(sum, ph, 8);
	sum = pcapw_csum_add(sum, pb_data(pb), len);
	c = pcapw_csum_fold(sum);
	if (c == 0 && proto == P_UDP)
		c = 0xffff;
	pcapw_be16(pb_data(pb) + at, c);
}

static void
tcp_put(struct pb *pb, const struct addr *src, const struct addr *dst,
    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
    const uint8_t *opt, size_t optlen)
{
	size_t hlen = 20 + optlen;
	uint8_t *h = pb_prepend(pb, hlen);

	pcapw_be16(h, sport);
	pcapw_be16(h + 2, dport);
	pcapw_be32(h + 4, seq);
	pcapw_be32(h + 8, ack);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = flags;
	pcapw_be16(h + 14, 64240);
	if (optlen > 0)
		memcpy(h + 20, opt, optlen);
	l4_csum(pb, src, dst, P_TCP, 16);
}

static void
udp_put(struct pb *pb, const struct addr *src, const struct addr *dst,
    uint16_t sport, uint16_t dport)
{
	uint8_t *h = pb_prepend(pb, 8);

	pcapw_be16(h, sport);
	pcapw_be16(h + 2, dport);
	pcapw_be16(h + 4, (uint16_t)pb_len(pb));
	l4_csum(pb, src, dst, P_UDP, 6);
}

/* ICMP (no pseudo header) or ICMPv6 (pseudo header) with the 4 bytes after
 * the checksum given as `rest`. */
static void
icmp_put(struct pb *pb, const struct addr *src, const struct addr *dst,
    uint8_t type, uint8_t code, uint32_t rest)
{
	uint8_t *h = pb_prepend(pb, 8);

	h[0] = type;
	h[1] = code;
	pcapw_be32(h + 4, rest);
	if (src->family == 6)
		l4_csum(pb, src, dst, P_ICMPV6, 2);
	else
		pcapw_be16(h + 2, pcapw_csum_fold(pcapw_csum_add(0, h, pb_len(pb))));
}

/* ---- network headers ------------------------------------------------- */

static void
ip4_put(struct pb *pb, const struct addr *src, const struct addr *dst,
    uint8_t proto, uint16_t id, uint16_t fragfield, const uint8_t *opt,
    size_t optlen)
{
	size_t hlen = 20 + optlen;	/* optlen is a multiple of 4 */
	uint8_t *h = pb_prepend(pb, hlen);

	h[0] = (uint8_t)(0x40 | hlen / 4);
	pcapw_be16(h + 2, (uint16_t)pb_len(pb));
	pcapw_be16(h + 4, id);
	pcapw_be16(h + 6, fragfield);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src->a, 4);
	memcpy(h + 16, dst->a, 4);
	if (optlen > 0)
		memcpy(h + 20, opt, optlen);
	pcapw_be16(h + 10, pcapw_csum_fold(pcapw_csum_add(0, h, hlen)));
}

static void
ip6_put(struct pb *pb, const struct addr *src, const struct addr *dst, uint8_t nh)
{
	uint8_t *h;
	size_t plen = pb_len(pb);

	h = pb_prepend(pb, 40);
	h[0] = 0x60;
	pcapw_be16(h + 4, (uint16_t)plen);
	h[6] = nh;
	h[7] = 64;
	memcpy(h + 8, src->a, 16);
	memcpy(h + 24, dst->a, 16);
}

/* One IPv6 extension header of type `type` whose next header is `nh`. */
static void
ext_put(struct pb *pb, uint8_t type, uint8_t nh, const struct addr *dst)
{
	uint8_t *h;
	size_t i;

	switch (type) {
	case NH_HOPOPTS:
	case NH_DSTOPTS:
		/* 8 bytes: one PadN option filling the header. */
		h = pb_prepend(pb, 8);
		h[0] = nh;
		h[1] = 0;
		h[2] = 1;
		h[3] = 4;
		break;
	case NH_ROUTING:
		/* Segment Routing Header (RFC 8754) with one segment, the
		 * final destination, and Segments Left 0. */
		h = pb_prepend(pb, 24);
		h[0] = nh;
		h[1] = 2;
		h[2] = 4;
		memcpy(h + 8, dst->a, 16);
		break;
	case NH_AH:
		/* RFC 4302: 12 fixed bytes + a 12-byte ICV; length in 4-byte
		 * units minus 2. */
		h = pb_prepend(pb, 24);
		h[0] = nh;
		h[1] = 4;
		pcapw_be32(h + 4, 0x00001000);	/* SPI */
		pcapw_be32(h + 8, 1);		/* sequence number */
		for (i = 12; i < 24; i++)
			h[i] = (uint8_t)(0xa0 + i);
		break;
	default:
		pcapw_die("internal: extension header %u", type);
	}
}

/* IPv6 fragment header (RFC 8200 4.5); `off` in bytes, a multiple of 8. */
static void
frag6_put(struct pb *pb, uint8_t nh, uint16_t off, int more, uint32_t id)
{
	uint8_t *h = pb_prepend(pb, 8);

	h[0] = nh;
	pcapw_be16(h + 2, (uint16_t)(off | (more ? 1 : 0)));
	pcapw_be32(h + 4, id);
}

/* ---- link headers ---------------------------------------------------- */

enum link_kind { LINK_ETH, LINK_SLL, LINK_SLL2, LINK_NULL, LINK_RAW };

#define MAX_TAGS	12

struct link {
	enum link_kind	kind;
	size_t		ntags;			/* Ethernet VLAN tags, outermost first */
	uint16_t	tpid[MAX_TAGS];
	uint16_t	vid[MAX_TAGS];
	int		null_be;		/* LINK_NULL: family word big-endian */
};

static const uint8_t mac_cli[6] = { 0x02, 0x00, 0x5e, 0x0a, 0x00, 0x14 };
static const uint8_t mac_srv[6] = { 0x02, 0x00, 0x5e, 0x01, 0x00, 0x0b };

static void
link_put(struct pb *pb, const struct link *lk, int family, int from_cli)
{
	uint16_t etype = family == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
	const uint8_t *smac = from_cli ? mac_cli : mac_srv;
	const uint8_t *dmac = from_cli ? mac_srv : mac_cli;
	uint32_t af;
	uint8_t *h;
	size_t i;

	switch (lk->kind) {
	case LINK_ETH:
		pcapw_be16(pb_prepend(pb, 2), etype);
		for (i = lk->ntags; i-- > 0;) {
			h = pb_prepend(pb, 4);
			pcapw_be16(h, lk->tpid[i]);
			pcapw_be16(h + 2, lk->vid[i]);
		}
		h = pb_prepend(pb, 12);
		memcpy(h, dmac, 6);
		memcpy(h + 6, smac, 6);
		break;
	case LINK_SLL:
		h = pb_prepend(pb, 16);
		pcapw_be16(h, from_cli ? 4 : 0);	/* outgoing / to us */
		pcapw_be16(h + 2, 1);		/* ARPHRD_ETHER */
		pcapw_be16(h + 4, 6);
		memcpy(h + 6, smac, 6);
		pcapw_be16(h + 14, etype);
		break;
	case LINK_SLL2:
		h = pb_prepend(pb, 20);
		pcapw_be16(h, etype);
		pcapw_be32(h + 4, 2);		/* interface index */
		pcapw_be16(h + 8, 1);		/* ARPHRD_ETHER */
		h[10] = from_cli ? 4 : 0;
		h[11] = 6;
		memcpy(h + 12, smac, 6);
		break;
	case LINK_NULL:
		/* AF_INET 2; AF_INET6 as on FreeBSD (28). */
		af = family == 4 ? 2 : 28;
		h = pb_prepend(pb, 4);
		if (lk->null_be)
			pcapw_be32(h, af);
		else
			pcapw_le32(h, af);
		break;
	case LINK_RAW:
		break;
	}
}

/* ---- output files ---------------------------------------------------- */

struct out {
	char		 path[1024];
	pcap_t		*pd;		/* pcap: libpcap's writer */
	pcap_dumper_t	*dump;
	FILE		*ng;		/* pcapng: ours */
	uint32_t	 snaplen;
	uint64_t	 ts;		/* next frame's time, microseconds */
	uint16_t	 ipid;		/* next IPv4 identification */
};

static void
out_path(struct out *o, const char *name)
{
	memset(o, 0, sizeof(*o));
	if ((size_t)snprintf(o->path, sizeof(o->path), "%s/%s", outdir, name) >=
	    sizeof(o->path))
		pcapw_die("%s/%s: path too long", outdir, name);
	o->ts = TS_BASE_USEC;
	o->ipid = 0x1000;
}

static void
out_open(struct out *o, const char *name, int dlt, uint32_t snaplen)
{
	out_path(o, name);
	o->snaplen = snaplen;
	if ((o->pd = pcap_open_dead(dlt, (int)snaplen)) == NULL)
		pcapw_die("%s: pcap_open_dead failed", o->path);
	if ((o->dump = pcap_dump_open(o->pd, o->path)) == NULL)
		pcapw_die("%s", pcap_geterr(o->pd));
}

static void
ng_write(struct out *o, const uint8_t *b, size_t n)
{
	if (fwrite(b, 1, n, o->ng) != n)
		pcapw_die("%s: %s", o->path, strerror(errno));
}

/* A pcapng block: type, total length, body padded to 4, total length. */
static void
ng_block(struct out *o, uint32_t type, const uint8_t *body, size_t n)
{
	static const uint8_t pad[4];
	uint8_t w[8];
	size_t padded = (n + 3) & ~(size_t)3;
	uint32_t total = (uint32_t)(12 + padded);

	pcapw_le32(w, type);
	pcapw_le32(w + 4, total);
	ng_write(o, w, 8);
	ng_write(o, body, n);
	ng_write(o, pad, padded - n);
	ng_write(o, w + 4, 4);
}

static void
out_open_ng(struct out *o, const char *name)
{
	uint8_t shb[16], idb[8];

	out_path(o, name);
	o->snaplen = SNAPLEN_FULL;
	if ((o->ng = fopen(o->path, "wb")) == NULL)
		pcapw_die("%s: %s", o->path, strerror(errno));
	/* Section Header Block: byte-order magic, version 1.0, length unknown. */
	pcapw_le32(shb, 0x1a2b3c4d);
	pcapw_le16(shb + 4, 1);
	pcapw_le16(shb + 6, 0);
	memset(shb + 8, 0xff, 8);
	ng_block(o, 0x0a0d0d0a, shb, sizeof(shb));
	/* Interface Description Block: Ethernet, no options (microseconds). */
	pcapw_le16(idb, 1);
	pcapw_le16(idb + 2, 0);
	pcapw_le32(idb + 4, SNAPLEN_FULL);
	ng_block(o, 0x00000001, idb, sizeof(idb));
}

/* A block of a type no reader knows (bit 31: local use): must be skipped. */
static void
out_unknown_block(struct out *o)
{
	static const uint8_t body[8] = { 'c', 'o', 'n', 'f', 'o', 'r', 'm', 'd' };

	ng_block(o, 0x80000bad, body, sizeof(body));
}

static void
out_frame(struct out *o, struct pb *pb)
{
	size_t len = pb_len(pb);
	uint32_t caplen = len < o->snaplen ? (uint32_t)len : o->snaplen;

	if (o->ng != NULL) {
		uint8_t epb[PB_SIZE + 20];

		/* Enhanced Packet Block: interface 0, 64-bit time split in two. */
		pcapw_le32(epb, 0);
		pcapw_le32(epb + 4, (uint32_t)(o->ts >> 32));
		pcapw_le32(epb + 8, (uint32_t)o->ts);
		pcapw_le32(epb + 12, caplen);
		pcapw_le32(epb + 16, (uint32_t)len);
		memcpy(epb + 20, pb_data(pb), caplen);
		ng_block(o, 0x00000006, epb, 20 + caplen);
	} else {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(o->ts / 1000000);
		h.ts.tv_usec = (suseconds_t)(o->ts % 1000000);
		h.caplen = caplen;
		h.len = (uint32_t)len;
		pcap_dump((u_char *)o->dump, &h, pb_data(pb));
	}
	o->ts += FRAME_GAP_USEC;
}

static void
out_close(struct out *o)
{
	if (o->ng != NULL) {
		if (ferror(o->ng) || fclose(o->ng) != 0)
			pcapw_die("%s: %s", o->path, strerror(errno));
		return;
	}
	if (pcap_dump_flush(o->dump) != 0 || ferror(pcap_dump_file(o->dump)))
		pcapw_die("%s: write error", o->path);
	pcap_dump_close(o->dump);
	pcap_close(o->pd);
}

/* ---- tunnels ---------------------------------------------------------- */

enum tun_kind { TUN_GRE_IP, TUN_GRETAP, TUN_ERSPAN1, TUN_ERSPAN2, TUN_ERSPAN3, TUN_VXLAN,
    TUN_GENEVE };

#define GRE_C		0x8000
#define GRE_R		0x4000
#define GRE_K		0x2000
#define GRE_S		0x1000

/* One tunnel layer: what it wraps the frame in, between which endpoints,
 * and what carries it (a further tunnel, or the outer link). */
struct tun {
	enum tun_kind	 kind;
	uint16_t	 gre_flags;	/* GRE_C, GRE_K, GRE_S, GRE_R, version */
	uint16_t	 gre_proto;	/* 0: the kind's own */
	int		 sub;		/* ERSPAN III: platform subheader (O bit) */
	uint8_t		 ver;		/* ERSPAN Ver field; 0: the kind's own */
	uint8_t		 vxflags;	/* VXLAN flags byte */
	uint8_t		 gnv_b0;	/* Geneve version and option words */
	uint8_t		 gnv_b1;	/* Geneve O and C flags */
	uint16_t	 gnv_proto;	/* Geneve protocol type; 0: Ethernet (0x6558) */
	struct addr	 a, b;		/* endpoints: a sends what the client sends */
	int		 oneway;	/* a mirror session: always a -> b */
	struct link	 outer;
	const struct tun *next;		/* the layer outside this one */
};

static void
gre_put(struct pb *pb, const struct tun *t, uint16_t proto, uint32_t seq)
{
	size_t n = 4 + ((t->gre_flags & GRE_C) ? 4 : 0) + ((t->gre_flags & GRE_K) ? 4 : 0) +
	    ((t->gre_flags & GRE_S) ? 4 : 0) + ((t->gre_flags & GRE_R) ? 4 : 0);
	uint8_t *h = pb_prepend(pb, n);
	size_t at = 4;

	pcapw_be16(h, t->gre_flags);
	pcapw_be16(h + 2, t->gre_proto != 0 ? t->gre_proto : proto);
	if (t->gre_flags & (GRE_C | GRE_R))
		at += 4;			/* checksum, offset: filled below */
	if (t->gre_flags & GRE_K)
		pcapw_be32(h + at, 0x00000a2a), at += 4;
	if (t->gre_flags & GRE_S)
		pcapw_be32(h + at, seq), at += 4;
	if (t->gre_flags & GRE_C)
		pcapw_be16(h + 4, pcapw_csum_fold(pcapw_csum_add(0, h, pb_len(pb))));
}

/* Wrap the frame in pb in tunnel t and what carries it. */
static void
tun_put(struct out *o, struct pb *pb, const struct tun *t, int from_cli)
{
	const struct addr *src = t->oneway || from_cli ? &t->a : &t->b;
	const struct addr *dst = t->oneway || from_cli ? &t->b : &t->a;
	uint32_t seq = (uint32_t)((o->ts - TS_BASE_USEC) / FRAME_GAP_USEC);
	uint8_t *h;
	uint16_t proto = 0;
	int udp = 0;

	switch (t->kind) {
	case TUN_GRE_IP:
		proto = (pb_data(pb)[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
		break;
	case TUN_GRETAP:
		proto = 0x6558;
		break;
	case TUN_ERSPAN1:
		proto = 0x88be;
		break;
	case TUN_ERSPAN2:
		/* Ver 1, VLAN 0, COS 0, En 3 (tag kept in the frame), session 42 */
		h = pb_prepend(pb, 8);
		pcapw_be16(h, (uint16_t)((t->ver != 0 ? t->ver : 1) << 12));
		pcapw_be16(h + 2, 0x1800 | 42);
		pcapw_be32(h + 4, 7);		/* index */
		proto = 0x88be;
		break;
	case TUN_ERSPAN3:
		if (t->sub) {
			h = pb_prepend(pb, 8);	/* platform ID 3, port and timestamp */
			pcapw_be32(h, 0x0c000005);
			pcapw_be32(h + 4, (uint32_t)(o->ts / 1000000));
		}
		h = pb_prepend(pb, 12);
		pcapw_be16(h, (uint16_t)((t->ver != 0 ? t->ver : 2) << 12));
		pcapw_be16(h + 2, 43);
		pcapw_be32(h + 4, (uint32_t)(o->ts % 1000000));
		pcapw_be16(h + 8, 0);		/* SGT */
		h[11] = (uint8_t)(0x06 | (t->sub ? 1 : 0));	/* Gra 3 (IEEE 1588), O */
		proto = 0x22eb;
		break;
	case TUN_VXLAN:
		h = pb_prepend(pb, 8);
		h[0] = t->vxflags;
		pcapw_be32(h + 4, 4242u << 8);	/* VNI */
		udp_put(pb, src, dst, (uint16_t)(49152 + seq % 1000), 4789);
		udp = 1;
		break;
	case TUN_GENEVE: {
		size_t nopt = (size_t)(t->gnv_b0 & 0x3f) * 4;

		/* options: TLVs of class 0x0103 type 0x80, one word each */
		h = pb_prepend(pb, 8 + nopt);
		memset(h, 0, 8 + nopt);
		h[0] = t->gnv_b0;
		h[1] = t->gnv_b1;
		pcapw_be16(h + 2, t->gnv_proto != 0 ? t->gnv_proto : 0x6558);
		pcapw_be32(h + 4, 4343u << 8);	/* VNI */
		for (size_t i = 8; i + 4 <= 8 + nopt; i += 4) {
			pcapw_be16(h + i, 0x0103);
			h[i + 2] = 0x80;
		}
		udp_put(pb, src, dst, (uint16_t)(49152 + seq % 1000), 6081);
		udp = 1;
		break;
	}
	}
	if (!udp)
		gre_put(pb, t, proto, seq);
	if (src->family == 4)
		ip4_put(pb, src, dst, udp ? P_UDP : P_GRE, o->ipid++, 0x4000, NULL, 0);
	else
		ip6_put(pb, src, dst, udp ? P_UDP : P_GRE);
	if (t->next != NULL)
		tun_put(o, pb, t->next, from_cli);
	else
		link_put(pb, &t->outer, src->family, from_cli);
}

/* ---- conversations --------------------------------------------------- */

#define MAX_EXT		12

struct tun;

struct conv {
	const struct tun *tun;			/* mirrored through it, or NULL */
	struct link	 link;
	struct addr	 cli, srv;
	uint16_t	 cport, sport;
	size_t		 next;			/* IPv6 extension headers, in order */
	uint8_t		 ext[MAX_EXT];
	uint32_t	 cseq, sseq;		/* next sequence number each way */
};

static void
conv_init(struct conv *cv, const struct link *lk, const char *cli,
    uint16_t cport, const char *srv, uint16_t sport)
{
	memset(cv, 0, sizeof(*cv));
	cv->link = *lk;
	cv->cli = addr(cli);
	cv->srv = addr(srv);
	cv->cport = cport;
	cv->sport = sport;
	cv->cseq = 0x10000000u + cport;
	cv->sseq = 0x20000000u + sport;
}

/* Wrap the transport segment in pb in IP (and extension headers) and the
 * link header, then write it. */
static void
conv_send(struct out *o, const struct conv *cv, int from_cli, uint8_t proto,
    struct pb *pb)
{
	const struct addr *src = from_cli ? &cv->cli : &cv->srv;
	const struct addr *dst = from_cli ? &cv->srv : &cv->cli;
	size_t i;

	if (src->family == 4)
		ip4_put(pb, src, dst, proto, o->ipid++, 0x4000, NULL, 0);
	else {
		for (i = cv->next; i-- > 0;)
			ext_put(pb, cv->ext[i], i + 1 < cv->next ? cv->ext[i + 1] : proto, dst);
		ip6_put(pb, src, dst, cv->next > 0 ? cv->ext[0] : proto);
	}
	link_put(pb, &cv->link, src->family, from_cli);
	if (cv->tun != NULL)
		tun_put(o, pb, cv->tun, from_cli);
	out_frame(o, pb);
}

static void
tcp_send(struct out *o, struct conv *cv, int from_cli, uint8_t flags,
    size_t datalen)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };	/* MSS 1460 */
	struct pb pb;
	uint32_t *seq = from_cli ? &cv->cseq : &cv->sseq;
	uint32_t ack = (flags & F_ACK) ? (from_cli ? cv->sseq : cv->cseq) : 0;
	const struct addr *src = from_cli ? &cv->cli : &cv->srv;
	const struct addr *dst = from_cli ? &cv->srv : &cv->cli;

	pb_reset(&pb);
	pb_fill(&pb, datalen, *seq);
	tcp_put(&pb, src, dst, from_cli ? cv->cport : cv->sport,
	    from_cli ? cv->sport : cv->cport, *seq, ack, flags,
	    mss, (flags & F_SYN) ? sizeof(mss) : 0);
	*seq += (uint32_t)datalen + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
	conv_send(o, cv, from_cli, P_TCP, &pb);
}

/* Handshake, a request and its answer, FIN both ways: 9 frames. */
static void
tcp_conv(struct out *o, struct conv *cv, size_t req, size_t resp)
{
	tcp_send(o, cv, 1, F_SYN, 0);
	tcp_send(o, cv, 0, F_SYN | F_ACK, 0);
	tcp_send(o, cv, 1, F_ACK, 0);
	tcp_send(o, cv, 1, F_PSH | F_ACK, req);
	tcp_send(o, cv, 0, F_PSH | F_ACK, resp);
	tcp_send(o, cv, 1, F_ACK, 0);
	tcp_send(o, cv, 1, F_FIN | F_ACK, 0);
	tcp_send(o, cv, 0, F_FIN | F_ACK, 0);
	tcp_send(o, cv, 1, F_ACK, 0);
	o->ts += CONV_GAP_USEC;
}

static void
udp_send(struct out *o, struct conv *cv, int from_cli, size_t datalen)
{
	struct pb pb;

	pb_reset(&pb);
	pb_fill(&pb, datalen, from_cli ? cv->cport : cv->sport);
	udp_put(&pb, from_cli ? &cv->cli : &cv->srv, from_cli ? &cv->srv : &cv->cli,
	    from_cli ? cv->cport : cv->sport, from_cli ? cv->sport : cv->cport);
	conv_send(o, cv, from_cli, P_UDP, &pb);
}

/* A request and its response: 2 frames. */
static void
udp_conv(struct out *o, struct conv *cv, size_t req, size_t resp)
{
	udp_send(o, cv, 1, req);
	udp_send(o, cv, 0, resp);
	o->ts += CONV_GAP_USEC;
}

static const struct link eth = { .kind = LINK_ETH };

/* ---- the files ------------------------------------------------------- */

static void
gen_vlan(void)
{
	struct out o;
	struct conv cv;
	struct link lk = { .kind = LINK_ETH, .ntags = 1,
	    .tpid = { TPID_8021Q }, .vid = { 100 } };

	out_open(&o, "vlan.pcap", DLT_EN10MB, SNAPLEN_FULL);
	conv_init(&cv, &lk, "198.18.10.20", 50001, "198.18.1.11", 5061);
	tcp_conv(&o, &cv, 120, 300);
	conv_init(&cv, &lk, "198.18.10.20", 50002, "198.18.1.11", 3478);
	udp_conv(&o, &cv, 60, 80);
	lk.vid[0] = 200 | 0x6000;	/* priority 3 must not leak into the id */
	conv_init(&cv, &lk, "198.18.10.21", 50003, "198.18.1.12", 443);
	tcp_conv(&o, &cv, 200, 1000);
	out_close(&o);
}

static void
gen_qinq(void)
{
	struct out o;
	struct conv cv;
	struct link lk = { .kind = LINK_ETH, .ntags = 2,
	    .tpid = { TPID_8021AD, TPID_8021Q }, .vid = { 10, 100 } };

	out_open(&o, "qinq.pcap", DLT_EN10MB, SNAPLEN_FULL);
	conv_init(&cv, &lk, "198.18.10.20", 50011, "198.18.1.11", 5061);
	tcp_conv(&o, &cv, 120, 300);
	conv_init(&cv, &lk, "198.18.10.20", 50012, "198.18.1.11", 3478);
	udp_conv(&o, &cv, 60, 80);
	lk.tpid[0] = TPID_QINQ_OLD;
	lk.vid[0] = 20;
	lk.vid[1] = 200;
	conv_init(&cv, &lk, "198.18.10.21", 50013, "198.18.1.12", 443);
	tcp_conv(&o, &cv, 200, 1000);
	out_close(&o);
}

static void
gen_ipv6_ext(void)
{
	struct out o;
	struct conv cv;

	out_open(&o, "ipv6-ext.pcap", DLT_EN10MB, SNAPLEN_FULL);
	/* RFC 8200 4.1 order: hop-by-hop, destination options (for the
	 * routing header), routing, AH. */
	conv_init(&cv, &eth, "2001:db8:10::20", 50021, "2001:db8:1::11", 5061);
	cv.next = 4;
	memcpy(cv.ext, (const uint8_t[]){ NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH }, 4);
	tcp_conv(&o, &cv, 120, 300);
	conv_init(&cv, &eth, "2001:db8:10::20", 50022, "2001:db8:1::11", 3478);
	cv.next = 3;
	memcpy(cv.ext, (const uint8_t[]){ NH_HOPOPTS, NH_ROUTING, NH_DSTOPTS }, 3);
	udp_conv(&o, &cv, 60, 80);
	conv_init(&cv, &eth, "2001:db8:10::21", 50023, "2001:db8:1::12", 443);
	cv.next = 1;
	cv.ext[0] = NH_AH;
	tcp_conv(&o, &cv, 200, 1000);
	out_close(&o);
}

/* Fragment the UDP datagram in `dgram` at the given byte offsets. */
static void
send_frags(struct out *o, const struct conv *cv, const struct pb *dgram,
    const size_t *cuts, size_t ncuts, uint32_t id)
{
	struct pb pb;
	size_t i, from, to, total = pb_len(dgram);
	const uint8_t *d = dgram->b + dgram->head;

	for (i = 0; i <= ncuts; i++) {
		from = i == 0 ? 0 : cuts[i - 1];
		to = i == ncuts ? total : cuts[i];
		pb_reset(&pb);
		pb_append(&pb, d + from, to - from);
		if (cv->cli.family == 4)
			ip4_put(&pb, &cv->cli, &cv->srv, P_UDP, (uint16_t)id,
			    (uint16_t)((i < ncuts ? 0x2000 : 0) | from / 8), NULL, 0);
		else {
			frag6_put(&pb, P_UDP, (uint16_t)from, i < ncuts, id);
			ip6_put(&pb, &cv->cli, &cv->srv, NH_FRAGMENT);
		}
		link_put(&pb, &cv->link, cv->cli.family, 1);
		out_frame(o, &pb);
	}
}

static void
gen_frag(void)
{
	static const size_t cuts4[] = { 400, 800 }, cuts6[] = { 616 };
	struct out o;
	struct conv cv;
	struct pb pb;

	out_open(&o, "frag.pcap", DLT_EN10MB, SNAPLEN_FULL);

	/* IPv4: 1008-byte datagram in 400 + 400 + 208, then the answer. */
	conv_init(&cv, &eth, "198.18.10.20", 50031, "198.18.1.11", 3478);
	pb_reset(&pb);
	pb_fill(&pb, 1000, 4);
	udp_put(&pb, &cv.cli, &cv.srv, cv.cport, cv.sport);
	send_frags(&o, &cv, &pb, cuts4, 2, 0x1234);
	udp_send(&o, &cv, 0, 40);
	o.ts += CONV_GAP_USEC;

	/* IPv6: 1208-byte datagram in 616 + 592, then the answer. */
	conv_init(&cv, &eth, "2001:db8:10::20", 50032, "2001:db8:1::11", 3478);
	pb_reset(&pb);
	pb_fill(&pb, 1200, 6);
	udp_put(&pb, &cv.cli, &cv.srv, cv.cport, cv.sport);
	send_frags(&o, &cv, &pb, cuts6, 1, 0xabcdef01);
	udp_send(&o, &cv, 0, 40);
	o.ts += CONV_GAP_USEC;

	/* An orphan: the last fragment of a datagram never seen. */
	conv_init(&cv, &eth, "198.18.10.21", 50033, "198.18.1.11", 3478);
	pb_reset(&pb);
	pb_fill(&pb, 100, 7);
	ip4_put(&pb, &cv.cli, &cv.srv, P_UDP, 0x4321, 1480 / 8, NULL, 0);
	link_put(&pb, &cv.link, 4, 1);
	out_frame(&o, &pb);
	out_close(&o);
}

static void
gen_snaplen(void)
{
	struct out o;
	struct conv cv;

	/* 64 bytes keep Ethernet + IPv4 + TCP with MSS (58) and UDP (42). */
	out_open(&o, "snaplen.pcap", DLT_EN10MB, SNAPLEN_SHORT);
	conv_init(&cv, &eth, "198.18.10.20", 50041, "198.18.1.11", 5061);
	tcp_conv(&o, &cv, 120, 300);
	conv_init(&cv, &eth, "198.18.10.20", 50042, "198.18.1.11", 3478);
	udp_conv(&o, &cv, 60, 80);
	out_close(&o);
}

static void
gen_pcapng(void)
{
	struct out o;
	struct conv cv;

	out_open_ng(&o, "pcapng.pcapng");
	conv_init(&cv, &eth, "198.18.10.20", 50051, "198.18.1.11", 5061);
	tcp_send(&o, &cv, 1, F_SYN, 0);
	tcp_send(&o, &cv, 0, F_SYN | F_ACK, 0);
	tcp_send(&o, &cv, 1, F_ACK, 0);
	out_unknown_block(&o);
	tcp_send(&o, &cv, 1, F_PSH | F_ACK, 120);
	tcp_send(&o, &cv, 0, F_PSH | F_ACK, 301);	/* odd: EPB padding */
	tcp_send(&o, &cv, 1, F_ACK, 0);
	tcp_send(&o, &cv, 1, F_FIN | F_ACK, 0);
	tcp_send(&o, &cv, 0, F_FIN | F_ACK, 0);
	tcp_send(&o, &cv, 1, F_ACK, 0);
	out_close(&o);
}

/* One TCP conversation and one UDP exchange over each family. */
static void
gen_both_families(const char *name, int dlt, const struct link *lk)
{
	struct out o;
	struct conv cv;

	out_open(&o, name, dlt, SNAPLEN_FULL);
	conv_init(&cv, lk, "198.18.10.20", 50061, "198.18.1.11", 5061);
	tcp_conv(&o, &cv, 120, 300);
	conv_init(&cv, lk, "198.18.10.20", 50062, "198.18.1.11", 3478);
	udp_conv(&o, &cv, 60, 80);
	conv_init(&cv, lk, "2001:db8:10::20", 50063, "2001:db8:1::11", 443);
	tcp_conv(&o, &cv, 200, 1000);
	conv_init(&cv, lk, "2001:db8:10::20", 50064, "2001:db8:1::11", 3478);
	udp_conv(&o, &cv, 60, 80);
	out_close(&o);
}

static void
gen_null(void)
{
	struct out o;
	struct conv cv;
	struct link lk = { .kind = LINK_NULL };

	out_open(&o, "null.pcap", DLT_NULL, SNAPLEN_FULL);
	conv_init(&cv, &lk, "198.18.10.20", 50071, "198.18.1.11", 5061);
	tcp_conv(&o, &cv, 120, 300);
	conv_init(&cv, &lk, "2001:db8:10::20", 50072, "2001:db8:1::11", 3478);
	udp_conv(&o, &cv, 60, 80);
	/* Written on a big-endian host: the family word the other way round. */
	lk.null_be = 1;
	conv_init(&cv, &lk, "198.18.10.21", 50073, "198.18.1.12", 3478);
	udp_conv(&o, &cv, 60, 80);
	conv_init(&cv, &lk, "2001:db8:10::21", 50074, "2001:db8:1::12", 443);
	tcp_conv(&o, &cv, 200, 1000);
	out_close(&o);
}

static void
gen_icmp(void)
{
	struct out o;
	struct conv cv;
	struct pb pb, quote;
	const struct link *lk = &eth;

	out_open(&o, "icmp-unreach.pcap", DLT_EN10MB, SNAPLEN_FULL);

	/* A UDP datagram to a closed port, answered by port unreachable
	 * quoting all of it (RFC 1812 4.3.2.3 allows up to 576 bytes). */
	conv_init(&cv, lk, "198.18.10.20", 50081, "198.18.1.11", 3478);
	pb_reset(&pb);
	pb_fill(&pb, 40, 8);
	udp_put(&pb, &cv.cli, &cv.srv, cv.cport, cv.sport);
	ip4_put(&pb, &cv.cli, &cv.srv, P_UDP, 0x2001, 0, NULL, 0);
	quote = pb;
	link_put(&pb, lk, 4, 1);
	out_frame(&o, &pb);
	pb_reset(&pb);
	pb_append(&pb, pb_data(&quote), pb_len(&quote));
	icmp_put(&pb, &cv.srv, &cv.cli, 3, 3, 0);
	ip4_put(&pb, &cv.srv, &cv.cli, P_ICMP, 0x3001, 0, NULL, 0);
	link_put(&pb, lk, 4, 0);
	out_frame(&o, &pb);
	o.ts += CONV_GAP_USEC;

	/* An echo request and its reply, identifier 0x0101. */
	pb_reset(&pb);
	pb_fill(&pb, 32, 9);
	icmp_put(&pb, &cv.cli, &cv.srv, 8, 0, 0x01010001);
	ip4_put(&pb, &cv.cli, &cv.srv, P_ICMP, 0x2002, 0, NULL, 0);
	link_put(&pb, lk, 4, 1);
	out_frame(&o, &pb);
	pb_reset(&pb);
	pb_fill(&pb, 32, 9);
	icmp_put(&pb, &cv.srv, &cv.cli, 0, 0, 0x01010001);
	ip4_put(&pb, &cv.srv, &cv.cli, P_ICMP, 0x3002, 0, NULL, 0);
	link_put(&pb, lk, 4, 0);
	out_frame(&o, &pb);
	o.ts += CONV_GAP_USEC;

	/* A TCP SYN refused by ICMPv6 destination unreachable, code 1
	 * (administratively prohibited), quoting the SYN. */
	conv_init(&cv, lk, "2001:db8:10::20", 50082, "2001:db8:1::11", 443);
	pb_reset(&pb);
	tcp_put(&pb, &cv.cli, &cv.srv, cv.cport, cv.sport, cv.cseq, 0, F_SYN, NULL, 0);
	ip6_put(&pb, &cv.cli, &cv.srv, P_TCP);
	quote = pb;
	link_put(&pb, lk, 6, 1);
	out_frame(&o, &pb);
	pb_reset(&pb);
	pb_append(&pb, pb_data(&quote), pb_len(&quote));
	icmp_put(&pb, &cv.srv, &cv.cli, 1, 1, 0);
	ip6_put(&pb, &cv.srv, &cv.cli, P_ICMPV6);
	link_put(&pb, lk, 6, 0);
	out_frame(&o, &pb);
	out_close(&o);
}

/* A small IPv4 UDP packet, client to server, link header not yet added. */
static void
udp4_packet(struct pb *pb, const struct conv *cv, uint16_t id)
{
	pb_reset(pb);
	pb_fill(pb, 20, id);
	udp_put(pb, &cv->cli, &cv->srv, cv->cport, cv->sport);
	ip4_put(pb, &cv->cli, &cv->srv, P_UDP, id, 0, NULL, 0);
}

static void
gen_malformed(void)
{
	/* Record route claiming 11 bytes in a 4-byte option area. */
	static const uint8_t badopt[4] = { 7, 11, 4, 0 };
	/* Timestamps claiming 10 bytes where 4 remain. */
	static const uint8_t badtcpopt[4] = { 1, 1, 8, 10 };
	struct out o;
	struct conv cv, cu;
	struct pb pb;
	struct link deep = { .kind = LINK_ETH, .ntags = 9 };
	size_t i;

	out_open(&o, "malformed.pcap", DLT_EN10MB, SNAPLEN_FULL);
	conv_init(&cv, &eth, "198.18.10.30", 50091, "198.18.1.11", 5061);
	conv_init(&cu, &eth, "198.18.10.30", 50092, "198.18.1.11", 3478);

	/* 1: good SYN */
	tcp_send(&o, &cv, 1, F_SYN, 0);

	/* 2: IHL 4 */
	udp4_packet(&pb, &cu, 0x5002);
	pb_data(&pb)[0] = 0x44;
	link_put(&pb, &eth, 4, 1);
	out_frame(&o, &pb);

	/* 3: good UDP */
	udp_send(&o, &cu, 1, 20);

	/* 4: TCP data offset 3 */
	pb_reset(&pb);
	tcp_put(&pb, &cv.cli, &cv.srv, cv.cport, cv.sport, cv.cseq, 0, F_ACK, NULL, 0);
	pb_data(&pb)[12] = 0x30;
	conv_send(&o, &cv, 1, P_TCP, &pb);

	/* 5: UDP length 100 bytes past the IP payload */
	pb_reset(&pb);
	pb_fill(&pb, 20, 5);
	udp_put(&pb, &cu.cli, &cu.srv, cu.cport, cu.sport);
	pcapw_be16(pb_data(&pb) + 4, (uint16_t)(pb_len(&pb) + 100));
	conv_send(&o, &cu, 1, P_UDP, &pb);

	/* 6: an IPv4 option running past the header */
	pb_reset(&pb);
	pb_fill(&pb, 20, 6);
	udp_put(&pb, &cu.cli, &cu.srv, cu.cport, cu.sport);
	ip4_put(&pb, &cu.cli, &cu.srv, P_UDP, 0x5006, 0, badopt, sizeof(badopt));
	link_put(&pb, &eth, 4, 1);
	out_frame(&o, &pb);

	/* 7: nine VLAN tags, one more than the decoder walks */
	for (i = 0; i < deep.ntags; i++) {
		deep.tpid[i] = i == 0 ? TPID_8021AD : TPID_8021Q;
		deep.vid[i] = (uint16_t)(10 + i);
	}
	udp4_packet(&pb, &cu, 0x5007);
	link_put(&pb, &deep, 4, 1);
	out_frame(&o, &pb);

	/* 8: nine IPv6 destination-options headers */
	conv_init(&cu, &eth, "2001:db8:10::30", 50093, "2001:db8:1::11", 3478);
	cu.next = 9;
	memset(cu.ext, NH_DSTOPTS, cu.next);
	udp_send(&o, &cu, 1, 20);

	/* 9: good IPv6 UDP behind eight of them */
	cu.next = 8;
	udp_send(&o, &cu, 1, 20);

	/* 10: a TCP option running past the header */
	pb_reset(&pb);
	tcp_put(&pb, &cv.cli, &cv.srv, cv.cport, cv.sport, cv.cseq, 0, F_ACK,
	    badtcpopt, sizeof(badtcpopt));
	conv_send(&o, &cv, 1, P_TCP, &pb);

	/* 11: good SYN-ACK */
	tcp_send(&o, &cv, 0, F_SYN | F_ACK, 0);
	out_close(&o);
}

/* A tunnel of `kind` between the mirror source 198.18.200.1 (2001:db8:200::1
 * for IPv6) and the sensor 198.18.200.2, carried in VLAN 300. */
static struct tun
tun_make(enum tun_kind kind, int v6)
{
	struct tun t;

	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.vxflags = 0x08;
	t.a = addr(v6 ? "2001:db8:200::1" : "198.18.200.1");
	t.b = addr(v6 ? "2001:db8:200::2" : "198.18.200.2");
	t.oneway = kind == TUN_ERSPAN1 || kind == TUN_ERSPAN2 || kind == TUN_ERSPAN3;
	t.outer.kind = LINK_ETH;
	t.outer.ntags = 1;
	t.outer.tpid[0] = TPID_8021Q;
	t.outer.vid[0] = 300;
	return t;
}

static void
gen_tunnel(void)
{
	static const struct link raw = { .kind = LINK_RAW };
	struct link v100 = { .kind = LINK_ETH, .ntags = 1, .tpid = { TPID_8021Q }, .vid = { 100 } };
	struct tun gre, grex, gre6, tap, e1, e2, e3, e3o, vx6, vxin, greout, gn, gnip;
	struct out o;
	struct conv cv;

	out_open(&o, "tunnel.pcap", DLT_EN10MB, SNAPLEN_FULL);

	/* 1: IPv4 in GRE, no optional word */
	gre = tun_make(TUN_GRE_IP, 0);
	conv_init(&cv, &raw, "198.18.10.20", 50101, "198.18.1.11", 5061);
	cv.tun = &gre;
	tcp_conv(&o, &cv, 120, 300);

	/* 2: IPv6 in GRE with checksum, key and sequence number */
	grex = tun_make(TUN_GRE_IP, 0);
	grex.gre_flags = GRE_C | GRE_K | GRE_S;
	conv_init(&cv, &raw, "2001:db8:10::20", 50102, "2001:db8:1::11", 3478);
	cv.tun = &grex;
	udp_conv(&o, &cv, 60, 80);

	/* 3: IPv4 in GRE over IPv6 */
	gre6 = tun_make(TUN_GRE_IP, 1);
	conv_init(&cv, &raw, "198.18.10.21", 50103, "198.18.1.12", 443);
	cv.tun = &gre6;
	tcp_conv(&o, &cv, 200, 1000);

	/* 4: gretap with a key; the mirrored frame keeps its VLAN 100 */
	tap = tun_make(TUN_GRETAP, 0);
	tap.gre_flags = GRE_K;
	conv_init(&cv, &v100, "198.18.10.20", 50104, "198.18.1.11", 443);
	cv.tun = &tap;
	tcp_conv(&o, &cv, 120, 300);

	/* 5: ERSPAN type I */
	e1 = tun_make(TUN_ERSPAN1, 0);
	conv_init(&cv, &eth, "198.18.10.20", 50105, "198.18.1.11", 5061);
	cv.tun = &e1;
	tcp_conv(&o, &cv, 120, 300);

	/* 6: ERSPAN type II (sequence number, as it must), frame in VLAN 100 */
	e2 = tun_make(TUN_ERSPAN2, 0);
	e2.gre_flags = GRE_S;
	conv_init(&cv, &v100, "198.18.10.22", 50106, "198.18.1.11", 5061);
	cv.tun = &e2;
	tcp_conv(&o, &cv, 120, 300);

	/* 7: ERSPAN type III without, then with the platform subheader */
	e3 = tun_make(TUN_ERSPAN3, 0);
	e3.gre_flags = GRE_S;
	conv_init(&cv, &eth, "198.18.10.20", 50107, "198.18.1.11", 3478);
	cv.tun = &e3;
	udp_conv(&o, &cv, 60, 80);
	e3o = e3;
	e3o.sub = 1;
	conv_init(&cv, &eth, "198.18.10.20", 50108, "198.18.1.11", 5061);
	cv.tun = &e3o;
	tcp_conv(&o, &cv, 120, 300);

	/* 8: VXLAN over IPv6 */
	vx6 = tun_make(TUN_VXLAN, 1);
	conv_init(&cv, &eth, "198.18.10.20", 50109, "198.18.1.11", 443);
	cv.tun = &vx6;
	tcp_conv(&o, &cv, 200, 1000);

	/* 9: VXLAN inside IPv4 GRE: two layers */
	greout = tun_make(TUN_GRE_IP, 0);
	vxin = tun_make(TUN_VXLAN, 0);
	vxin.a = addr("198.18.201.1");
	vxin.b = addr("198.18.201.2");
	vxin.next = &greout;
	conv_init(&cv, &eth, "198.18.10.23", 50110, "198.18.1.11", 5061);
	cv.tun = &vxin;
	tcp_conv(&o, &cv, 120, 300);

	/* 10: Geneve carrying Ethernet, two option words, the C flag (Linux,
	 * Open vSwitch) */
	gn = tun_make(TUN_GENEVE, 0);
	gn.gnv_b0 = 2;
	gn.gnv_b1 = 0x40;
	conv_init(&cv, &eth, "198.18.10.24", 50111, "198.18.1.11", 5061);
	cv.tun = &gn;
	tcp_conv(&o, &cv, 120, 300);

	/* 11: Geneve carrying IPv4 itself (AWS Gateway Load Balancer) */
	gnip = tun_make(TUN_GENEVE, 0);
	gnip.gnv_b0 = 1;
	gnip.gnv_proto = ETHERTYPE_IPV4;
	conv_init(&cv, &raw, "198.18.10.25", 50112, "198.18.1.11", 3478);
	cv.tun = &gnip;
	udp_conv(&o, &cv, 60, 80);
	out_close(&o);
}

static void
gen_tunnel_bad(void)
{
	static const struct link raw = { .kind = LINK_RAW };
	struct tun t, mid, top;
	struct out o;
	struct conv cv;
	struct pb pb, dgram;
	size_t hl;

	out_open(&o, "tunnel-bad.pcap", DLT_EN10MB, SNAPLEN_FULL);
	conv_init(&cv, &raw, "198.18.10.40", 50121, "198.18.1.11", 3478);

	/* 1: GRE version 1 (PPTP): a GRE flow */
	t = tun_make(TUN_GRE_IP, 0);
	t.gre_flags = GRE_K | 1;
	cv.tun = &t;
	udp_send(&o, &cv, 1, 20);

	/* 2: GRE version 0, protocol 0x880b (PPP): a GRE flow */
	t.gre_flags = 0;
	t.gre_proto = 0x880b;
	udp_send(&o, &cv, 1, 20);

	/* 3: the routing bit of RFC 1701: gre_bad_flags */
	t.gre_proto = 0;
	t.gre_flags = GRE_R;
	udp_send(&o, &cv, 1, 20);

	/* 4: key bit set, the IP packet ends 2 bytes into the key: gre_trunc */
	pb_reset(&pb);
	pb_append(&pb, (const uint8_t[]){ 0x20, 0x00, 0x08, 0x00, 0x00, 0x00 }, 6);
	ip4_put(&pb, &t.a, &t.b, P_GRE, o.ipid++, 0, NULL, 0);
	link_put(&pb, &t.outer, 4, 1);
	out_frame(&o, &pb);

	/* 5: ERSPAN type II header saying Ver 2: erspan_bad_version */
	conv_init(&cv, &eth, "198.18.10.40", 50122, "198.18.1.11", 3478);
	t = tun_make(TUN_ERSPAN2, 0);
	t.gre_flags = GRE_S;
	t.ver = 2;
	cv.tun = &t;
	udp_send(&o, &cv, 1, 20);

	/* 6: ERSPAN type III cut after 6 bytes of its header: erspan_trunc */
	pb_reset(&pb);
	pb_append(&pb, (const uint8_t[]){ 0x10, 0x00, 0x22, 0xeb, 0x00, 0x00, 0x00, 0x09 }, 8);
	pb_append(&pb, (const uint8_t[]){ 0x20, 0x00, 0x00, 0x2b, 0x00, 0x01 }, 6);
	ip4_put(&pb, &t.a, &t.b, P_GRE, o.ipid++, 0, NULL, 0);
	link_put(&pb, &t.outer, 4, 1);
	out_frame(&o, &pb);

	/* 7: UDP to 4789 whose flags lack I: a plain UDP flow */
	conv_init(&cv, &eth, "198.18.10.40", 50123, "198.18.1.11", 3478);
	t = tun_make(TUN_VXLAN, 0);
	t.vxflags = 0x00;
	cv.tun = &t;
	udp_send(&o, &cv, 1, 20);

	/* 8: VXLAN cut by the snaplen 4 bytes into its header: vxlan_trunc */
	t.vxflags = 0x08;
	hl = 18 + 20 + 8 + 4;			/* outer Ethernet + VLAN, IPv4, UDP, 4 */
	o.snaplen = (uint32_t)hl;
	udp_send(&o, &cv, 1, 20);
	o.snaplen = SNAPLEN_FULL;

	/* 9: VXLAN in GRE in GRE: tunnel_too_deep */
	top = tun_make(TUN_GRE_IP, 0);
	mid = tun_make(TUN_GRE_IP, 0);
	mid.a = addr("198.18.202.1");
	mid.b = addr("198.18.202.2");
	mid.next = &top;
	t = tun_make(TUN_VXLAN, 0);
	t.a = addr("198.18.201.1");
	t.b = addr("198.18.201.2");
	t.next = &mid;
	udp_send(&o, &cv, 1, 20);

	/* 10, 11: an IPv4-in-GRE packet in two outer fragments: a GRE flow
	 * and a later fragment, never decapsulated */
	t = tun_make(TUN_GRE_IP, 0);
	pb_reset(&dgram);
	pb_fill(&dgram, 100, 11);
	udp_put(&dgram, &cv.cli, &cv.srv, cv.cport, cv.sport);
	ip4_put(&dgram, &cv.cli, &cv.srv, P_UDP, o.ipid++, 0, NULL, 0);
	gre_put(&dgram, &t, ETHERTYPE_IPV4, 0);
	pb_reset(&pb);
	pb_append(&pb, pb_data(&dgram), 64);
	ip4_put(&pb, &t.a, &t.b, P_GRE, 0x7777, 0x2000, NULL, 0);
	link_put(&pb, &t.outer, 4, 1);
	out_frame(&o, &pb);
	pb_reset(&pb);
	pb_append(&pb, pb_data(&dgram) + 64, pb_len(&dgram) - 64);
	ip4_put(&pb, &t.a, &t.b, P_GRE, 0x7777, 64 / 8, NULL, 0);
	link_put(&pb, &t.outer, 4, 1);
	out_frame(&o, &pb);

	/* 12: an ARP request in VXLAN: not IP */
	t = tun_make(TUN_VXLAN, 0);
	pb_reset(&pb);
	pb_append(&pb, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
	pb_fill(&pb, 20, 12);
	pcapw_be16(pb_prepend(&pb, 2), 0x0806);
	memset(pb_prepend(&pb, 12), 0xff, 6);
	tun_put(&o, &pb, &t, 1);
	out_frame(&o, &pb);

	/* 13: a Geneve control message (O): a plain UDP flow to 6081 */
	conv_init(&cv, &eth, "198.18.10.40", 50125, "198.18.1.11", 3478);
	t = tun_make(TUN_GENEVE, 0);
	t.gnv_b1 = 0x80;
	cv.tun = &t;
	udp_send(&o, &cv, 1, 20);

	/* 14: Geneve version 1: a plain UDP flow to 6081 */
	t.gnv_b1 = 0;
	t.gnv_b0 = 0x40;
	udp_send(&o, &cv, 1, 20);

	/* 15: Geneve with 3 option words cut by the snaplen in the second:
	 * geneve_trunc */
	t.gnv_b0 = 3;
	o.snaplen = (uint32_t)(18 + 20 + 8 + 8 + 6);
	udp_send(&o, &cv, 1, 20);
	o.snaplen = SNAPLEN_FULL;

	/* 16: good UDP after all of it */
	conv_init(&cv, &eth, "198.18.10.40", 50124, "198.18.1.11", 3478);
	udp_send(&o, &cv, 1, 20);
	out_close(&o);
}

int
main(int argc, char **argv)
{
	static const struct link sll = { .kind = LINK_SLL };
	static const struct link sll2 = { .kind = LINK_SLL2 };
	static const struct link raw = { .kind = LINK_RAW };

	pcapw_prog = "gen-edge";
	if (argc != 2) {
		fprintf(stderr, "usage: gen-edge OUTDIR\n");
		return 1;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0777) < 0 && errno != EEXIST)
		pcapw_die("%s: %s", outdir, strerror(errno));

	gen_vlan();
	gen_qinq();
	gen_ipv6_ext();
	gen_frag();
	gen_snaplen();
	gen_pcapng();
	gen_both_families("sll.pcap", DLT_LINUX_SLL, &sll);
	gen_both_families("sll2.pcap", DLT_LINUX_SLL2, &sll2);
	gen_null();
	gen_both_families("raw.pcap", DLT_RAW, &raw);
	gen_icmp();
	gen_malformed();
	gen_tunnel();
	gen_tunnel_bad();
	return 0;
}
