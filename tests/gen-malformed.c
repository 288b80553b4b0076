/*
 * gen-malformed.c - write the corpus of broken captures conformd must
 * survive: `tests/gen-malformed OUTDIR`; and a large valid capture for the
 * crash-safety test: `tests/gen-malformed --big FILE FLOWS`.
 *
 * Every file is written byte by byte here (no libpcap writer), because
 * most of them are things a correct writer never produces.  Everything is
 * deterministic: fixed addresses, timestamps from 2026-01-01T00:00:00Z
 * plus 1 ms per record, no randomness, so two runs are byte-identical.
 * IPv4 header checksums are computed; transport checksums are left zero
 * (conformd does not verify them).  Good packets run from the client
 * 198.18.10.21 (2001:db8:10::21) to the Front End fe1 198.18.1.11
 * (2001:db8:1::11) on TCP 5061 or UDP 1434: expected flows under the
 * sample inventory.  The expected outcome of each file is in
 * tests/malformed/expected.txt; the classes are:
 *
 *   link layer     Ethernet/VLAN/SLL/SLL2/NULL/raw cut at every byte,
 *                  802.3 length frames, SLL address lengths 0 and 255,
 *                  VLAN tags nested 9..65535 deep
 *   length fields  IPv4 IHL and total length, IPv6 payload length, IPv6
 *                  extension lengths, TCP data offset, UDP length, ICMP
 *                  quoted headers: each too small and too large
 *   options        IPv4 and TCP options running past their header
 *   truncation     IPv4/TCP, IPv6/ext/UDP, ICMP errors cut at every byte
 *   frames         zero-length and maximum-length (262144) frames, a record
 *                  longer than the file's snaplen, caplen > wire length,
 *                  hostile timestamps, orphan fragments
 *   files          empty, header only, cut inside the file header, inside
 *                  a record header and inside record data, wrong magic,
 *                  byte-swapped, nanosecond, snaplen 0 and 2^31,
 *                  unsupported link type, a record larger than any snaplen;
 *                  pcapng with unknown blocks and several interfaces (same
 *                  link type; different link types; different snapshot
 *                  lengths), big-endian pcapng, a packet on an undescribed
 *                  interface, a bad block length, a pcapng cut inside a
 *                  block
 *
 * --big FILE FLOWS [ACKS]: FLOWS complete TCP conversations (SYN, SYN-ACK,
 * ACK, ACKS more empty ACKs (default 0) alternating in both directions,
 * FIN, FIN, ACK), each begun 1 ms after the one before, one in 16 to an
 * unexpected port (22).  With a short `timeout tcp-closed` the flows end,
 * and are written, all through the run rather than only at its end.
 *
 * Prints nothing on success; errors go to stderr with exit status 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcapw.h"

#define TS_BASE_SEC	1767225600u	/* 2026-01-01T00:00:00Z */
#define MAX_FRAME	262144u		/* libpcap's largest snaplen */
#define FRAME_BUF	(MAX_FRAME + 64)

#define LT_NULL		0
#define LT_EN10MB	1
#define LT_RAW		101
#define LT_SLL		113
#define LT_USER0	147
#define LT_SLL2		276

#define ET_IPV4		0x0800
#define ET_IPV6		0x86dd
#define ET_ARP		0x0806
#define ET_VLAN		0x8100

#define P_ICMP		1
#define P_TCP		6
#define P_UDP		17
#define P_ICMPV6	58
#define NH_HOPOPTS	0
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_DSTOPTS	60
#define NH_NONE		59

#define F_FIN		0x01
#define F_SYN		0x02
#define F_ACK		0x10

static const uint8_t cli4[4] = { 198, 18, 10, 21 };
static const uint8_t fe4[4] = { 198, 18, 1, 11 };
static const uint8_t cli6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21 };
static const uint8_t fe6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 };

static const char *outdir;
static uint8_t fb[FRAME_BUF];	/* the frame being built */

/* A 32/16-bit value in the file's byte order. */
static void
out32(FILE *f, uint32_t v, int big)
{
	uint8_t b[4];

	if (big)
		pcapw_be32(b, v);
	else
		pcapw_le32(b, v);
	if (fwrite(b, 1, 4, f) != 4)
		pcapw_die("write: %s", strerror(errno));
}

static void
out16(FILE *f, uint16_t v, int big)
{
	uint8_t b[2];

	if (big)
		pcapw_be16(b, v);
	else
		pcapw_le16(b, v);
	if (fwrite(b, 1, 2, f) != 2)
		pcapw_die("write: %s", strerror(errno));
}

static void
outbytes(FILE *f, const void *d, size_t n)
{
	if (n > 0 && fwrite(d, 1, n, f) != n)
		pcapw_die("write: %s", strerror(errno));
}

/* ---- pcap files ------------------------------------------------------ */

struct pcapw {
	FILE		*f;
	int		 big;		/* big-endian file */
	int		 nsec;		/* nanosecond timestamps */
	uint32_t	 n;		/* records written: the timestamp step */
};

static FILE *
out_open(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL)
		pcapw_die("%s: %s", path, strerror(errno));
	return f;
}

static void
out_close(FILE *f)
{
	if (fclose(f) != 0)
		pcapw_die("close: %s", strerror(errno));
}

static void
pcap_open_ex(struct pcapw *w, const char *name, uint32_t linktype, uint32_t snaplen,
    int big, int nsec)
{
	memset(w, 0, sizeof(*w));
	w->f = out_open(name);
	w->big = big;
	w->nsec = nsec;
	out32(w->f, nsec ? 0xa1b23c4d : 0xa1b2c3d4, big);
	out16(w->f, 2, big);
	out16(w->f, 4, big);
	out32(w->f, 0, big);		/* thiszone */
	out32(w->f, 0, big);		/* sigfigs */
	out32(w->f, snaplen, big);
	out32(w->f, linktype, big);
}

static void
pcap_open(struct pcapw *w, const char *name, uint32_t linktype)
{
	pcap_open_ex(w, name, linktype, MAX_FRAME, 0, 0);
}

/* One record with explicit header values: caplen bytes of data follow. */
static void
pcap_raw(struct pcapw *w, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
    const uint8_t *data, size_t ndata)
{
	out32(w->f, sec, w->big);
	out32(w->f, frac, w->big);
	out32(w->f, caplen, w->big);
	out32(w->f, len, w->big);
	outbytes(w->f, data, ndata);
}

/* One ordinary record: the next timestamp, caplen == len == n. */
static void
pcap_rec(struct pcapw *w, const uint8_t *data, size_t n)
{
	uint32_t ms = w->n++;

	pcap_raw(w, TS_BASE_SEC + ms / 1000, (ms % 1000) * (w->nsec ? 1000000u : 1000u),
	    (uint32_t)n, (uint32_t)n, data, n);
}

/* A record cut to `cap` bytes of a `n`-byte frame (snaplen truncation). */
static void
pcap_rec_cut(struct pcapw *w, const uint8_t *data, size_t cap, size_t n)
{
	uint32_t ms = w->n++;

	pcap_raw(w, TS_BASE_SEC + ms / 1000, (ms % 1000) * 1000u, (uint32_t)cap,
	    (uint32_t)n, data, cap);
}

/* ---- frames ---------------------------------------------------------- */

/* Frame layout offsets of the templates below (Ethernet first). */
#define OFF_IP		14
#define OFF_L4		34	/* after a 20-byte IPv4 header */
#define OFF_L4_6	54	/* after a 40-byte IPv6 header */

static size_t
eth(uint8_t *b, uint16_t type)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	memcpy(b, mac, 12);
	pcapw_be16(b + 12, type);
	return 14;
}

/* IPv4 header of `hlen` bytes (options NOP-filled, then EOL), total
 * length `totlen`; checksum computed. */
static size_t
ipv4(uint8_t *b, size_t hlen, uint16_t totlen, uint8_t proto, const uint8_t *src,
    const uint8_t *dst)
{
	memset(b, 0, hlen);
	b[0] = (uint8_t)(0x40 | (hlen / 4));
	pcapw_be16(b + 2, totlen);
	pcapw_be16(b + 4, 0x1234);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	if (hlen > 20) {
		memset(b + 20, 1, hlen - 20);	/* NOP */
		b[hlen - 1] = 0;		/* EOL */
	}
	pcapw_be16(b + 10, pcapw_csum_fold(pcapw_csum_add(0, b, hlen)));
	return hlen;
}

static void
ipv4_fix_csum(uint8_t *b)
{
	size_t hlen = (size_t)(b[0] & 0x0f) * 4;

	pcapw_be16(b + 10, 0);
	if (hlen >= 20)
		pcapw_be16(b + 10, pcapw_csum_fold(pcapw_csum_add(0, b, hlen)));
}

static size_t
ipv6(uint8_t *b, uint16_t plen, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	pcapw_be16(b + 4, plen);
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	return 40;
}

/* TCP header of `hlen` bytes (options NOP-filled, then EOL). */
static size_t
tcp(uint8_t *b, size_t hlen, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(b, 0, hlen);
	pcapw_be16(b, sport);
	pcapw_be16(b + 2, dport);
	pcapw_be32(b + 4, 1000);
	b[12] = (uint8_t)((hlen / 4) << 4);
	b[13] = flags;
	pcapw_be16(b + 14, 65535);
	if (hlen > 20) {
		memset(b + 20, 1, hlen - 20);
		b[hlen - 1] = 0;
	}
	return hlen;
}

static size_t
udp(uint8_t *b, uint16_t sport, uint16_t dport, uint16_t ulen)
{
	memset(b, 0, 8);
	pcapw_be16(b, sport);
	pcapw_be16(b + 2, dport);
	pcapw_be16(b + 4, ulen);
	return 8;
}

static void
fill(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)('a' + i % 26);
}

/* Ethernet + IPv4 + TCP SYN to fe1:5061 with `ipopt` bytes of IPv4
 * options, `tcpopt` bytes of TCP options and `pay` bytes of payload. */
static size_t
tcp4_frame(uint8_t *b, size_t ipopt, size_t tcpopt, size_t pay)
{
	size_t ih = 20 + ipopt, th = 20 + tcpopt, n = 0;

	n += eth(b, ET_IPV4);
	n += ipv4(b + n, ih, (uint16_t)(ih + th + pay), P_TCP, cli4, fe4);
	n += tcp(b + n, th, 40000, 5061, F_SYN);
	fill(b + n, pay);
	return n + pay;
}

/* Ethernet + IPv4 + UDP to fe1:1434 with `pay` bytes of payload. */
static size_t
udp4_frame(uint8_t *b, size_t pay)
{
	size_t n = 0;

	n += eth(b, ET_IPV4);
	n += ipv4(b + n, 20, (uint16_t)(28 + pay), P_UDP, cli4, fe4);
	n += udp(b + n, 40001, 1434, (uint16_t)(8 + pay));
	fill(b + n, pay);
	return n + pay;
}

/* Ethernet + IPv6 + TCP SYN to fe1:5061. */
static size_t
tcp6_frame(uint8_t *b, size_t pay)
{
	size_t n = 0;

	n += eth(b, ET_IPV6);
	n += ipv6(b + n, (uint16_t)(20 + pay), P_TCP, cli6, fe6);
	n += tcp(b + n, 20, 40002, 5061, F_SYN);
	fill(b + n, pay);
	return n + pay;
}

/* Ethernet + IPv6 + hop-by-hop (8) + destination options (16) + UDP to
 * fe1:1434 with 8 bytes of payload. */
static size_t
udp6ext_frame(uint8_t *b)
{
	size_t n = 0;

	n += eth(b, ET_IPV6);
	n += ipv6(b + n, 8 + 16 + 8 + 8, NH_HOPOPTS, cli6, fe6);
	memset(b + n, 0, 8);
	b[n] = NH_DSTOPTS;		/* next header */
	b[n + 1] = 0;			/* 8 bytes */
	b[n + 2] = 1;			/* PadN, 4 bytes of padding */
	b[n + 3] = 4;
	n += 8;
	memset(b + n, 0, 16);
	b[n] = P_UDP;
	b[n + 1] = 1;			/* 16 bytes */
	b[n + 2] = 1;
	b[n + 3] = 12;
	n += 16;
	n += udp(b + n, 40003, 1434, 16);
	fill(b + n, 8);
	return n + 8;
}

/* Ethernet + IPv4 + ICMP port unreachable quoting an IPv4/UDP header
 * (20 + 8 bytes): the answer of fe1 to the client's datagram. */
static size_t
icmp4err_frame(uint8_t *b)
{
	size_t n = 0;

	n += eth(b, ET_IPV4);
	n += ipv4(b + n, 20, 20 + 8 + 28, P_ICMP, fe4, cli4);
	memset(b + n, 0, 8);
	b[n] = 3;			/* destination unreachable */
	b[n + 1] = 3;			/* port */
	n += 8;
	n += ipv4(b + n, 20, 28 + 8, P_UDP, cli4, fe4);
	n += udp(b + n, 40004, 9999, 16);
	return n;
}

/* Ethernet + IPv6 + ICMPv6 unreachable quoting an IPv6/UDP header. */
static size_t
icmp6err_frame(uint8_t *b)
{
	size_t n = 0;

	n += eth(b, ET_IPV6);
	n += ipv6(b + n, 8 + 40 + 8, P_ICMPV6, fe6, cli6);
	memset(b + n, 0, 8);
	b[n] = 1;			/* destination unreachable */
	b[n + 1] = 4;			/* port */
	n += 8;
	n += ipv6(b + n, 16, P_UDP, cli6, fe6);
	n += udp(b + n, 40005, 9999, 16);
	return n;
}

/* ---- link layer ------------------------------------------------------ */

/* Every length of a link header below its minimum, zero included. */
static void
gen_link_cuts(void)
{
	struct pcapw w;
	size_t n = tcp4_frame(fb, 0, 0, 0), i;
	static uint8_t sll[16 + 40], sll2[20 + 40], nul[4 + 40];

	pcap_open(&w, "eth-cut.pcap", LT_EN10MB);
	for (i = 0; i < 14; i++)			/* 14 frames: eth_trunc */
		pcap_rec(&w, fb, i);
	out_close(w.f);

	/* One 802.1Q tag: the 4 tag bytes cut at each length. */
	n = 0;
	n += eth(fb, ET_VLAN);
	pcapw_be16(fb + n, 100);
	pcapw_be16(fb + n + 2, ET_IPV4);
	pcap_open(&w, "vlan-cut.pcap", LT_EN10MB);
	for (i = 0; i < 4; i++)				/* 4 frames: vlan_trunc */
		pcap_rec(&w, fb, 14 + i);
	out_close(w.f);

	/* Linux cooked v1: 16-byte header, protocol at 14. */
	memset(sll, 0, sizeof(sll));
	pcapw_be16(sll + 2, 1);		/* ARPHRD_ETHER */
	pcapw_be16(sll + 4, 6);		/* address length */
	pcapw_be16(sll + 14, ET_IPV4);
	ipv4(sll + 16, 20, 40, P_TCP, cli4, fe4);
	pcap_open(&w, "sll-cut.pcap", LT_SLL);
	for (i = 0; i < 16; i++)			/* 16 frames: sll_trunc */
		pcap_rec(&w, sll, i);
	out_close(w.f);

	/* SLL address-length field at both extremes: ignored, decodes. */
	tcp(sll + 36, 20, 40010, 5061, F_SYN);
	pcap_open(&w, "sll-addrlen.pcap", LT_SLL);
	pcapw_be16(sll + 4, 0);
	pcap_rec(&w, sll, sizeof(sll));
	pcapw_be16(sll + 4, 255);
	pcap_rec(&w, sll, sizeof(sll));
	pcapw_be16(sll + 4, 65535);
	pcap_rec(&w, sll, sizeof(sll));		/* 3 packets, 1 flow */
	out_close(w.f);

	/* Linux cooked v2: 20-byte header, protocol first. */
	memset(sll2, 0, sizeof(sll2));
	pcapw_be16(sll2, ET_IPV4);
	pcap_open(&w, "sll2-cut.pcap", LT_SLL2);
	for (i = 0; i < 20; i++)			/* 20 frames: sll_trunc */
		pcap_rec(&w, sll2, i);
	out_close(w.f);

	/* BSD loopback: 4-byte family. */
	memset(nul, 0, sizeof(nul));
	nul[0] = 2;			/* AF_INET, little-endian */
	pcap_open(&w, "null-cut.pcap", LT_NULL);
	for (i = 0; i < 4; i++)				/* 4 frames: null_trunc */
		pcap_rec(&w, nul, i);
	out_close(w.f);

	/* Raw IP: empty, and a version nibble that is neither 4 nor 6. */
	pcap_open(&w, "raw-cut.pcap", LT_RAW);
	pcap_rec(&w, nul, 0);				/* ipv4_trunc */
	nul[0] = 0x50;
	pcap_rec(&w, nul, 1);				/* non_ip */
	nul[0] = 0x45;
	pcap_rec(&w, nul, 1);				/* ipv4_trunc */
	nul[0] = 0x60;
	pcap_rec(&w, nul, 1);				/* ipv6_trunc */
	out_close(w.f);

	/* 802.3 length frames (type < 0x0600) and ARP: not IP. */
	pcap_open(&w, "eth-8023.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 0, 0, 0);
	pcapw_be16(fb + 12, 0);
	pcap_rec(&w, fb, n);
	pcapw_be16(fb + 12, 46);
	pcap_rec(&w, fb, n);
	pcapw_be16(fb + 12, 1500);
	pcap_rec(&w, fb, n);
	pcapw_be16(fb + 12, ET_ARP);
	pcap_rec(&w, fb, n);				/* 4 frames: non_ip */
	out_close(w.f);
}

/* VLAN tags nested past any sane depth: 9, 64, 1000 and a whole
 * maximum-length frame of tags (65532). */
static void
gen_vlan_deep(void)
{
	static const size_t depth[] = { 9, 64, 1000, (MAX_FRAME - 14) / 4 };
	struct pcapw w;
	size_t k, i, n;

	pcap_open(&w, "vlan-deep.pcap", LT_EN10MB);
	for (k = 0; k < sizeof(depth) / sizeof(depth[0]); k++) {
		n = eth(fb, ET_VLAN);
		for (i = 0; i < depth[k]; i++, n += 4) {
			pcapw_be16(fb + n, (uint16_t)(i + 1));
			pcapw_be16(fb + n + 2, i + 1 < depth[k] ? ET_VLAN : ET_IPV4);
		}
		if (n > MAX_FRAME)
			pcapw_die("internal: vlan frame too long");
		pcap_rec(&w, fb, n);			/* vlan_too_deep */
	}
	/* 8 tags, the most walked, then a good packet: decodes. */
	n = eth(fb, ET_VLAN);
	for (i = 0; i < 8; i++, n += 4) {
		pcapw_be16(fb + n, (uint16_t)(i + 1));
		pcapw_be16(fb + n + 2, i + 1 < 8 ? ET_VLAN : ET_IPV4);
	}
	n += ipv4(fb + n, 20, 40, P_TCP, cli4, fe4);
	n += tcp(fb + n, 20, 40011, 5061, F_SYN);
	pcap_rec(&w, fb, n);
	out_close(w.f);
}

/* ---- IPv4 ------------------------------------------------------------ */

static void
gen_ipv4(void)
{
	struct pcapw w;
	size_t n, i;

	/* IHL 0..4: below the 20-byte minimum. */
	pcap_open(&w, "ipv4-ihl-small.pcap", LT_EN10MB);
	for (i = 0; i < 5; i++) {
		n = tcp4_frame(fb, 0, 0, 0);
		fb[OFF_IP] = (uint8_t)(0x40 | i);
		pcap_rec(&w, fb, n);			/* 5: ipv4_bad_hlen */
	}
	out_close(w.f);

	/* IHL 6..15 on a frame that ends after 20 bytes of IPv4 header (the
	 * total length, 60, would allow them): the options are not there. */
	pcap_open(&w, "ipv4-ihl-large.pcap", LT_EN10MB);
	for (i = 6; i < 16; i++) {
		n = eth(fb, ET_IPV4);
		n += ipv4(fb + n, 20, 60, P_TCP, cli4, fe4);
		fb[OFF_IP] = (uint8_t)(0x40 | i);
		ipv4_fix_csum(fb + OFF_IP);
		pcap_rec(&w, fb, n);			/* 10: ipv4_trunc */
	}
	/* IHL 15 with a long enough total length but a short capture. */
	n = tcp4_frame(fb, 0, 0, 0);
	fb[OFF_IP] = 0x4f;
	pcapw_be16(fb + OFF_IP + 2, 80);
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* 11: ipv4_trunc (20 of the 40 option bytes) */
	out_close(w.f);

	/* Total length 0..19 and below the IHL. */
	pcap_open(&w, "ipv4-totlen-small.pcap", LT_EN10MB);
	for (i = 0; i < 20; i++) {
		n = tcp4_frame(fb, 0, 0, 0);
		pcapw_be16(fb + OFF_IP + 2, (uint16_t)i);
		ipv4_fix_csum(fb + OFF_IP);
		pcap_rec(&w, fb, n);			/* 20: ipv4_bad_totlen */
	}
	n = tcp4_frame(fb, 8, 0, 0);
	pcapw_be16(fb + OFF_IP + 2, 24);			/* IHL 28 > total 24 */
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* ipv4_bad_totlen */
	out_close(w.f);

	/* Total length larger than the frame: the rest was not captured
	 * (snaplen truncation, information), and the maximum 65535. */
	pcap_open(&w, "ipv4-totlen-large.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 0, 0, 0);
	pcapw_be16(fb + OFF_IP + 2, 41);
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* snaplen_trunc */
	pcapw_be16(fb + OFF_IP + 2, 1500);
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* snaplen_trunc */
	pcapw_be16(fb + OFF_IP + 2, 65535);
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* snaplen_trunc; 3 packets, 1 flow */
	out_close(w.f);

	/* IPv4 options running past the header: a length past the end, a
	 * length of 0 and of 1, a kind with no room for its length byte. */
	pcap_open(&w, "ipv4-opt-bad.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 4, 0, 0);
	fb[OFF_IP + 20] = 7;				/* record route */
	fb[OFF_IP + 21] = 40;
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);
	fb[OFF_IP + 21] = 0;
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);
	fb[OFF_IP + 21] = 1;
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);
	memset(fb + OFF_IP + 20, 1, 3);
	fb[OFF_IP + 23] = 0x44;				/* timestamp, no length byte */
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* 4: ipv4_opt_bad */
	n = tcp4_frame(fb, 40, 0, 0);			/* 40 option bytes: 39 NOPs + EOL */
	fb[OFF_IP + 20 + 38] = 7;			/* last-but-one: a kind ... */
	fb[OFF_IP + 20 + 39] = 3;			/* ... whose length runs 1 past */
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* 5: ipv4_opt_bad */
	out_close(w.f);

	/* Later fragments whose first fragment never came: orphans. */
	pcap_open(&w, "ipv4-frag-orphan.pcap", LT_EN10MB);
	for (i = 1; i <= 5; i++) {
		n = udp4_frame(fb, 16);
		pcapw_be16(fb + OFF_IP + 4, (uint16_t)(0x4000 + i));
		pcapw_be16(fb + OFF_IP + 6, (uint16_t)(0x2000 | (i * 100)));	/* MF, offset */
		ipv4_fix_csum(fb + OFF_IP);
		pcap_rec(&w, fb, n);			/* 5: frag_later, frags.orphan */
	}
	n = udp4_frame(fb, 16);
	pcapw_be16(fb + OFF_IP + 6, 0x1fff);			/* the largest offset */
	ipv4_fix_csum(fb + OFF_IP);
	pcap_rec(&w, fb, n);				/* 6 */
	out_close(w.f);
}

/* ---- IPv6 ------------------------------------------------------------ */

static void
gen_ipv6(void)
{
	struct pcapw w;
	size_t n, i, m;

	/* Payload length below the TCP header: 0..19. */
	pcap_open(&w, "ipv6-plen-small.pcap", LT_EN10MB);
	for (i = 0; i < 20; i++) {
		n = tcp6_frame(fb, 0);
		pcapw_be16(fb + OFF_IP + 4, (uint16_t)i);
		pcap_rec(&w, fb, n);			/* 20: tcp_trunc */
	}
	out_close(w.f);

	/* Payload length past the frame: snaplen truncation. */
	pcap_open(&w, "ipv6-plen-large.pcap", LT_EN10MB);
	n = tcp6_frame(fb, 0);
	pcapw_be16(fb + OFF_IP + 4, 21);
	pcap_rec(&w, fb, n);
	pcapw_be16(fb + OFF_IP + 4, 65535);
	pcap_rec(&w, fb, n);				/* 2: snaplen_trunc, 1 flow */
	/* A jumbogram marker (payload length 0 with hop-by-hop): the
	 * captured length stands in, the packet decodes. */
	n = udp6ext_frame(fb);
	pcapw_be16(fb + OFF_IP + 4, 0);
	pcap_rec(&w, fb, n);				/* 3 packets, 2 flows */
	out_close(w.f);

	/* Extension header lengths past the data: hop-by-hop 255 (2048
	 * bytes), destination options 1 on a 12-byte remainder, AH 255,
	 * a fragment header cut at 4 bytes. */
	pcap_open(&w, "ipv6-ext-len.pcap", LT_EN10MB);
	n = udp6ext_frame(fb);
	fb[OFF_L4_6 + 1] = 255;
	pcap_rec(&w, fb, n);
	n = udp6ext_frame(fb);
	pcapw_be16(fb + OFF_IP + 4, 8 + 12);			/* window ends inside dest options */
	pcap_rec(&w, fb, n);
	n = udp6ext_frame(fb);
	fb[OFF_IP + 6] = NH_AH;
	fb[OFF_L4_6 + 1] = 255;				/* (255 + 2) * 4 bytes */
	pcap_rec(&w, fb, n);
	n = tcp6_frame(fb, 0);
	fb[OFF_IP + 6] = NH_FRAGMENT;
	pcapw_be16(fb + OFF_IP + 4, 4);
	pcap_rec(&w, fb, n);				/* 4: ipv6_ext_trunc */
	out_close(w.f);

	/* Extension headers nested past any sane depth: 9, 100 and a
	 * maximum-length frame full of 8-byte destination options. */
	pcap_open(&w, "ipv6-ext-deep.pcap", LT_EN10MB);
	{
		static const size_t depth[] = { 9, 100, (MAX_FRAME - 54 - 8) / 8 };
		for (size_t k = 0; k < 3; k++) {
			n = eth(fb, ET_IPV6);
			m = depth[k] * 8 + 8;
			n += ipv6(fb + n, m > 65535 ? 0 : (uint16_t)m, NH_DSTOPTS, cli6, fe6);
			if (m > 65535)
				fb[OFF_IP + 6] = NH_HOPOPTS;	/* jumbogram: captured length stands in */
			for (i = 0; i < depth[k]; i++, n += 8) {
				memset(fb + n, 0, 8);
				fb[n] = i + 1 < depth[k] ? NH_DSTOPTS : P_UDP;
				fb[n + 2] = 1;
				fb[n + 3] = 4;
			}
			n += udp(fb + n, 40006, 1434, 8);
			if (n > MAX_FRAME)
				pcapw_die("internal: ext frame too long");
			pcap_rec(&w, fb, n);		/* 3: ipv6_ext_too_deep */
		}
	}
	out_close(w.f);
}

/* ---- transport ------------------------------------------------------- */

static void
gen_transport(void)
{
	struct pcapw w;
	size_t n, i;

	/* TCP data offset 0..4. */
	pcap_open(&w, "tcp-doff-small.pcap", LT_EN10MB);
	for (i = 0; i < 5; i++) {
		n = tcp4_frame(fb, 0, 0, 8);
		fb[OFF_L4 + 12] = (uint8_t)(i << 4);
		pcap_rec(&w, fb, n);			/* 5: tcp_bad_hlen */
	}
	out_close(w.f);

	/* Data offset 6..15 with no options present (total length 40). */
	pcap_open(&w, "tcp-doff-large.pcap", LT_EN10MB);
	for (i = 6; i < 16; i++) {
		n = tcp4_frame(fb, 0, 0, 0);
		fb[OFF_L4 + 12] = (uint8_t)(i << 4);
		pcap_rec(&w, fb, n);			/* 10: tcp_trunc */
	}
	out_close(w.f);

	/* TCP options running past the header. */
	pcap_open(&w, "tcp-opt-bad.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 0, 4, 0);
	fb[OFF_L4 + 20] = 2;				/* MSS */
	fb[OFF_L4 + 21] = 40;
	pcap_rec(&w, fb, n);
	fb[OFF_L4 + 21] = 0;
	pcap_rec(&w, fb, n);
	fb[OFF_L4 + 21] = 1;
	pcap_rec(&w, fb, n);
	memset(fb + OFF_L4 + 20, 1, 3);
	fb[OFF_L4 + 23] = 3;				/* window scale, no length byte */
	pcap_rec(&w, fb, n);
	n = tcp4_frame(fb, 0, 40, 0);			/* the largest option area */
	fb[OFF_L4 + 20 + 37] = 5;			/* SACK ... */
	fb[OFF_L4 + 20 + 38] = 10;			/* ... 7 bytes past the end */
	pcap_rec(&w, fb, n);				/* 5: tcp_opt_bad */
	out_close(w.f);

	/* UDP length 0..7. */
	pcap_open(&w, "udp-len-small.pcap", LT_EN10MB);
	for (i = 0; i < 8; i++) {
		n = udp4_frame(fb, 8);
		pcapw_be16(fb + OFF_L4 + 4, (uint16_t)i);
		pcap_rec(&w, fb, n);			/* 8: udp_bad_len */
	}
	out_close(w.f);

	/* UDP length past the IP payload (16 bytes): 17, 1000, 65535. */
	pcap_open(&w, "udp-len-large.pcap", LT_EN10MB);
	{
		static const uint16_t len[] = { 17, 1000, 65535 };
		for (i = 0; i < 3; i++) {
			n = udp4_frame(fb, 8);
			pcapw_be16(fb + OFF_L4 + 4, len[i]);
			pcap_rec(&w, fb, n);		/* 3: udp_bad_len */
		}
	}
	/* Shorter than the IP payload: only what it covers is payload. */
	n = udp4_frame(fb, 8);
	pcapw_be16(fb + OFF_L4 + 4, 9);
	pcap_rec(&w, fb, n);				/* decodes: 1 flow */
	out_close(w.f);

	/* ICMP errors whose quoted header is cut, too short an IHL, or an
	 * IHL past the quote; ICMPv6 the same with an extension header. */
	pcap_open(&w, "icmp-inner.pcap", LT_EN10MB);
	n = icmp4err_frame(fb);
	for (i = 0; i < 28; i++) {
		pcapw_be16(fb + OFF_IP + 2, (uint16_t)(28 + i));
		ipv4_fix_csum(fb + OFF_IP);
		pcap_rec(&w, fb, OFF_L4 + 8 + i);	/* 28: icmp_inner_trunc */
	}
	n = icmp4err_frame(fb);
	fb[OFF_L4 + 8] = 0x40;				/* quoted IHL 0: not usable, no event */
	pcap_rec(&w, fb, n);
	n = icmp4err_frame(fb);
	fb[OFF_L4 + 8] = 0x4f;				/* quoted IHL 60: past the quote */
	pcap_rec(&w, fb, n);				/* icmp_inner_trunc */
	n = icmp6err_frame(fb);
	for (i = 0; i < 48; i += 4) {
		pcapw_be16(fb + OFF_IP + 4, (uint16_t)(8 + i));
		pcap_rec(&w, fb, OFF_L4_6 + 8 + i);	/* 12: icmp_inner_trunc */
	}
	n = icmp6err_frame(fb);
	fb[OFF_L4_6 + 8 + 6] = NH_HOPOPTS;		/* quoted hop-by-hop 2048 bytes long */
	fb[OFF_L4_6 + 8 + 40 + 1] = 255;
	pcap_rec(&w, fb, n);				/* icmp_inner_trunc */
	/* The ICMP header itself cut: 0..7 bytes. */
	n = icmp4err_frame(fb);
	for (i = 0; i < 8; i++) {
		pcapw_be16(fb + OFF_IP + 2, (uint16_t)(20 + i));
		ipv4_fix_csum(fb + OFF_IP);
		pcap_rec(&w, fb, OFF_L4 + i);		/* 8: icmp_trunc */
	}
	out_close(w.f);
	(void)n;
}

/* A good packet cut at every length, one file per stack: every layer's
 * truncation in turn, ending with snaplen-only truncation. */
static void
gen_cut_every(const char *name, size_t (*build)(uint8_t *))
{
	struct pcapw w;
	size_t n = build(fb), i;

	pcap_open(&w, name, LT_EN10MB);
	for (i = 0; i < n; i++)
		pcap_rec_cut(&w, fb, i, n);
	pcap_rec(&w, fb, n);
	out_close(w.f);
}

static size_t
build_tcp4_opts(uint8_t *b)
{
	return tcp4_frame(b, 4, 12, 20);		/* 14 + 24 + 32 + 20 = 90 */
}

static size_t
build_udp6_ext(uint8_t *b)
{
	return udp6ext_frame(b);			/* 14 + 40 + 8 + 16 + 8 + 8 = 94 */
}

static size_t
build_icmp4err(uint8_t *b)
{
	return icmp4err_frame(b);			/* 14 + 20 + 8 + 28 = 70 */
}

/* ---- frames and records ---------------------------------------------- */

static void
gen_frames(void)
{
	struct pcapw w;
	size_t n;

	/* Zero-length records: caplen 0 with wire lengths 0 and 60. */
	pcap_open(&w, "zero-length.pcap", LT_EN10MB);
	pcap_raw(&w, TS_BASE_SEC, 0, 0, 0, NULL, 0);
	pcap_raw(&w, TS_BASE_SEC, 1000, 0, 60, NULL, 0);
	pcap_raw(&w, TS_BASE_SEC, 2000, 0, 0, NULL, 0);	/* 3: eth_trunc */
	out_close(w.f);

	/* A maximum-length frame (262144 bytes): IPv4 says 65535, the rest
	 * is link padding; and a TCP segment of 65535 - 40 payload bytes. */
	pcap_open(&w, "max-length.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 0, 0, 65535 - 40);
	memset(fb + n, 0, MAX_FRAME - n);
	pcap_rec(&w, fb, MAX_FRAME);
	pcap_rec(&w, fb, n);				/* 2 packets, 1 flow */
	out_close(w.f);

	/* caplen above the file's snaplen (64) but within libpcap's limit:
	 * read as it is. */
	pcap_open_ex(&w, "caplen-over-snaplen.pcap", LT_EN10MB, 64, 0, 0);
	n = tcp4_frame(fb, 0, 0, 100);
	pcap_rec(&w, fb, n);
	pcap_rec(&w, fb, n);				/* 2 packets, 1 flow */
	out_close(w.f);

	/* A record larger than any snaplen: the file is damaged there. */
	pcap_open(&w, "caplen-huge.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 0, 0, 0);
	pcap_rec(&w, fb, n);
	pcap_raw(&w, TS_BASE_SEC, 5000, MAX_FRAME + 1, MAX_FRAME + 1, fb, 64);
	out_close(w.f);

	/* Hostile record headers that are still readable: wire length below
	 * caplen, 0 and 2^32-1; timestamps with usec >= 10^6, seconds at
	 * 2^32-1 and running backwards. */
	pcap_open(&w, "hostile-records.pcap", LT_EN10MB);
	n = tcp4_frame(fb, 0, 0, 0);
	pcap_raw(&w, TS_BASE_SEC, 0, (uint32_t)n, 10, fb, n);
	pcap_raw(&w, TS_BASE_SEC, 999999999, (uint32_t)n, 0, fb, n);
	pcap_raw(&w, 0xffffffffu, 0xffffffffu, (uint32_t)n, 0xffffffffu, fb, n);
	pcap_raw(&w, 0, 0, (uint32_t)n, (uint32_t)n, fb, n);
	pcap_raw(&w, TS_BASE_SEC, 0, (uint32_t)n, (uint32_t)n, fb, n);	/* 5 packets, 1 flow */
	out_close(w.f);

	/* Snaplen in the file header: 0 and 2^31 (far larger than the file). */
	pcap_open_ex(&w, "snaplen-zero.pcap", LT_EN10MB, 0, 0, 0);
	n = tcp4_frame(fb, 0, 0, 0);
	pcap_rec(&w, fb, n);
	out_close(w.f);
	pcap_open_ex(&w, "snaplen-huge.pcap", LT_EN10MB, 0x80000000u, 0, 0);
	pcap_rec(&w, fb, n);
	out_close(w.f);
}

/* ---- whole files ----------------------------------------------------- */

static void
copy_cut(const char *name, const uint8_t *data, size_t n)
{
	FILE *f = out_open(name);

	outbytes(f, data, n);
	out_close(f);
}

static void
gen_files(void)
{
	struct pcapw w;
	size_t n, hlen;
	static uint8_t img[4096];
	FILE *mf;
	long len;

	/* A three-record file kept in memory, then cut in various places. */
	mf = tmpfile();
	if (mf == NULL)
		pcapw_die("tmpfile: %s", strerror(errno));
	memset(&w, 0, sizeof(w));
	w.f = mf;
	out32(mf, 0xa1b2c3d4, 0);
	out16(mf, 2, 0);
	out16(mf, 4, 0);
	out32(mf, 0, 0);
	out32(mf, 0, 0);
	out32(mf, MAX_FRAME, 0);
	out32(mf, LT_EN10MB, 0);
	n = tcp4_frame(fb, 0, 0, 0);
	pcap_rec(&w, fb, n);
	pcapw_be16(fb + OFF_L4, 40100);
	pcap_rec(&w, fb, n);
	pcapw_be16(fb + OFF_L4, 40200);
	pcap_rec(&w, fb, n);
	len = ftell(mf);
	if (len <= 0 || (size_t)len > sizeof(img))
		pcapw_die("internal: image size");
	rewind(mf);
	if (fread(img, 1, (size_t)len, mf) != (size_t)len)
		pcapw_die("read back: %s", strerror(errno));
	fclose(mf);
	hlen = 16 + n;					/* one record */

	copy_cut("empty.pcap", img, 0);
	copy_cut("cut-file-header.pcap", img, 12);
	copy_cut("header-only.pcap", img, 24);
	copy_cut("cut-record-header.pcap", img, 24 + 2 * hlen + 8);
	copy_cut("cut-record-data.pcap", img, 24 + 2 * hlen + 16 + 10);
	img[0] ^= 0xff;
	copy_cut("bad-magic.pcap", img, (size_t)len);
	img[0] ^= 0xff;
	copy_cut("text.pcap", (const uint8_t *)"this is not a capture file\n", 27);

	/* The same packets in a big-endian file, and with nanoseconds. */
	pcap_open_ex(&w, "swapped.pcap", LT_EN10MB, MAX_FRAME, 1, 0);
	n = tcp4_frame(fb, 0, 0, 0);
	pcap_rec(&w, fb, n);
	n = udp4_frame(fb, 8);
	pcap_rec(&w, fb, n);				/* 2 packets, 2 flows */
	out_close(w.f);

	pcap_open_ex(&w, "nsec.pcap", LT_EN10MB, MAX_FRAME, 0, 1);
	n = tcp4_frame(fb, 0, 0, 0);
	pcap_raw(&w, TS_BASE_SEC, 123456789, (uint32_t)n, (uint32_t)n, fb, n);	/* first_usec ...123456 */
	out_close(w.f);

	pcap_open(&w, "linktype-unsupported.pcap", LT_USER0);
	pcap_rec(&w, fb, n);
	out_close(w.f);
}

/* ---- pcapng ---------------------------------------------------------- */

struct ngw {
	FILE	*f;
	int	 big;
	uint32_t n;
};

static void
ng_block(struct ngw *w, uint32_t type, const uint8_t *body, size_t n)
{
	static const uint8_t pad[4];
	size_t padded = (n + 3) & ~(size_t)3;

	out32(w->f, type, w->big);
	out32(w->f, (uint32_t)(12 + padded), w->big);
	outbytes(w->f, body, n);
	outbytes(w->f, pad, padded - n);
	out32(w->f, (uint32_t)(12 + padded), w->big);
}

/* Section header (no options). */
static void
ng_shb(struct ngw *w)
{
	uint8_t b[16];

	memset(b, 0xff, sizeof(b));			/* section length -1: unknown */
	if (w->big) {
		pcapw_be32(b, 0x1a2b3c4d);
		pcapw_be16(b + 4, 1);
		pcapw_be16(b + 6, 0);
	} else {
		b[0] = 0x4d; b[1] = 0x3c; b[2] = 0x2b; b[3] = 0x1a;
		b[4] = 1; b[5] = 0; b[6] = 0; b[7] = 0;
	}
	ng_block(w, 0x0a0d0d0a, b, sizeof(b));
}

static void
ng_put32(uint8_t *b, uint32_t v, int big)
{
	if (big)
		pcapw_be32(b, v);
	else
		pcapw_le32(b, v);
}

static void
ng_put16(uint8_t *b, uint16_t v, int big)
{
	if (big)
		pcapw_be16(b, v);
	else
		pcapw_le16(b, v);
}

/* Interface description: link type, snaplen, no options (microseconds). */
static void
ng_idb(struct ngw *w, uint16_t linktype, uint32_t snaplen)
{
	uint8_t b[8];

	ng_put16(b, linktype, w->big);
	ng_put16(b + 2, 0, w->big);
	ng_put32(b + 4, snaplen, w->big);
	ng_block(w, 1, b, sizeof(b));
}

/* Enhanced packet on interface `ifc`. */
static void
ng_epb(struct ngw *w, uint32_t ifc, const uint8_t *data, size_t n)
{
	static uint8_t b[20 + 2048];
	uint64_t ts = ((uint64_t)TS_BASE_SEC * 1000000u) + (uint64_t)w->n++ * 1000u;

	if (n > 2048)
		pcapw_die("internal: epb too long");
	ng_put32(b, ifc, w->big);
	ng_put32(b + 4, (uint32_t)(ts >> 32), w->big);
	ng_put32(b + 8, (uint32_t)ts, w->big);
	ng_put32(b + 12, (uint32_t)n, w->big);
	ng_put32(b + 16, (uint32_t)n, w->big);
	memcpy(b + 20, data, n);
	ng_block(w, 6, b, 20 + n);
}

static void
ng_open(struct ngw *w, const char *name, int big)
{
	memset(w, 0, sizeof(*w));
	w->f = out_open(name);
	w->big = big;
	ng_shb(w);
}

static void
gen_pcapng(void)
{
	static const uint8_t junk[10] = "conformd!";
	struct ngw w;
	size_t n;
	uint8_t raw[64];

	/* Two Ethernet interfaces and unknown blocks (a custom-looking type
	 * and a reserved one): the unknown blocks are skipped. */
	ng_open(&w, "ng-unknown-blocks.pcapng", 0);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	ng_block(&w, 0x00000bad, junk, sizeof(junk));
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	n = tcp4_frame(fb, 0, 0, 0);
	ng_epb(&w, 0, fb, n);
	ng_block(&w, 0x7ffffff0, junk, 3);
	n = udp4_frame(fb, 8);
	ng_epb(&w, 1, fb, n);				/* 2 packets, 2 flows */
	out_close(w.f);

	/* Two Ethernet interfaces with different snapshot lengths. */
	ng_open(&w, "ng-multi-snaplen.pcapng", 0);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	ng_idb(&w, LT_EN10MB, 128);
	n = tcp4_frame(fb, 0, 0, 0);
	ng_epb(&w, 0, fb, n);
	ng_epb(&w, 1, fb, n);
	out_close(w.f);

	/* The same, big-endian. */
	ng_open(&w, "ng-big-endian.pcapng", 1);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	n = tcp4_frame(fb, 0, 0, 0);
	ng_epb(&w, 0, fb, n);
	out_close(w.f);

	/* Interfaces of different link types (Ethernet, then raw IP). */
	ng_open(&w, "ng-multi-linktype.pcapng", 0);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	n = tcp4_frame(fb, 0, 0, 0);
	ng_epb(&w, 0, fb, n);
	ng_idb(&w, LT_RAW, MAX_FRAME);
	memcpy(raw, fb + OFF_IP, n - OFF_IP);
	ng_epb(&w, 1, raw, n - OFF_IP);
	out_close(w.f);

	/* A packet on an interface that was never described. */
	ng_open(&w, "ng-bad-interface.pcapng", 0);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	ng_epb(&w, 0, fb, n);
	ng_epb(&w, 7, fb, n);
	out_close(w.f);

	/* A block whose total length is below the minimum (8). */
	ng_open(&w, "ng-bad-block-length.pcapng", 0);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	ng_epb(&w, 0, fb, n);
	out32(w.f, 6, 0);
	out32(w.f, 8, 0);
	out32(w.f, 8, 0);
	out_close(w.f);

	/* Cut in the middle of an enhanced packet block. */
	ng_open(&w, "ng-cut-block.pcapng", 0);
	ng_idb(&w, LT_EN10MB, MAX_FRAME);
	ng_epb(&w, 0, fb, n);
	out32(w.f, 6, 0);
	out32(w.f, (uint32_t)(32 + ((n + 3) & ~(size_t)3)), 0);	/* a correct length ... */
	out32(w.f, 0, 0);					/* ... then the file ends */
	out_close(w.f);
}

/* ---- --big ----------------------------------------------------------- */

static void
gen_big(const char *path, unsigned long flows, unsigned long acks)
{
	static const uint8_t open3[3] = { F_SYN, F_SYN | F_ACK, F_ACK };
	static const uint8_t close3[3] = { F_FIN | F_ACK, F_FIN | F_ACK, F_ACK };
	struct pcapw w;
	FILE *f;
	uint8_t b[64];
	unsigned long i, k, npk = 6 + acks;

	if ((f = fopen(path, "wb")) == NULL)
		pcapw_die("%s: %s", path, strerror(errno));
	memset(&w, 0, sizeof(w));
	w.f = f;
	out32(f, 0xa1b2c3d4, 0);
	out16(f, 2, 0);
	out16(f, 4, 0);
	out32(f, 0, 0);
	out32(f, 0, 0);
	out32(f, MAX_FRAME, 0);
	out32(f, LT_EN10MB, 0);
	for (i = 0; i < flows; i++) {
		uint8_t c[4] = { 198, 18, 10, (uint8_t)(1 + i % 250) };
		uint16_t sport = (uint16_t)(1024 + (i / 250) % 64000);
		uint16_t dport = i % 16 == 15 ? 22 : 5061;
		uint64_t t0 = (uint64_t)i * 1000u;	/* 1 ms apart */

		for (k = 0; k < npk; k++) {
			/* SYN, SYN-ACK, ACK; the ACKs; FIN (client), FIN (server), ACK */
			int fromcli = k < 3 ? k != 1 : k < 3 + acks ? (k - 3) % 2 == 0 : k != npk - 2;
			uint8_t flags = k < 3 ? open3[k] : k < 3 + acks ? F_ACK : close3[k - 3 - acks];
			uint64_t t = t0 + (uint64_t)k;	/* 1 us apart */
			size_t n = 0;

			memset(b, 0, sizeof(b));
			n += eth(b, ET_IPV4);
			n += ipv4(b + n, 20, 40, P_TCP, fromcli ? c : fe4, fromcli ? fe4 : c);
			n += tcp(b + n, 20, fromcli ? sport : dport, fromcli ? dport : sport, flags);
			memset(b + n, 0, sizeof(b) - n);	/* Ethernet padding to 60 */
			pcap_raw(&w, TS_BASE_SEC + (uint32_t)(t / 1000000u), (uint32_t)(t % 1000000u),
			    60, 60, b, 60);
		}
	}
	if (fclose(f) != 0)
		pcapw_die("%s: %s", path, strerror(errno));
}

int
main(int argc, char **argv)
{
	struct stat sb;

	pcapw_prog = "gen-malformed";
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "--big") == 0) {
		char *end, *end2 = "";
		unsigned long flows = strtoul(argv[3], &end, 10);
		unsigned long acks = argc == 5 ? strtoul(argv[4], &end2, 10) : 0;

		if (*end != '\0' || flows == 0 || flows > 10000000)
			pcapw_die("--big: FLOWS must be 1..10000000");
		if (*end2 != '\0' || acks > 1000)
			pcapw_die("--big: ACKS must be 0..1000");
		gen_big(argv[2], flows, acks);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: gen-malformed OUTDIR\n"
		    "       gen-malformed --big FILE FLOWS [ACKS]\n");
		return 1;
	}
	outdir = argv[1];
	if (stat(outdir, &sb) == -1 && mkdir(outdir, 0755) == -1)
		pcapw_die("%s: %s", outdir, strerror(errno));

	gen_link_cuts();
	gen_vlan_deep();
	gen_ipv4();
	gen_ipv6();
	gen_transport();
	gen_cut_every("cut-every-tcp4.pcap", build_tcp4_opts);
	gen_cut_every("cut-every-udp6-ext.pcap", build_udp6_ext);
	gen_cut_every("cut-every-icmp4.pcap", build_icmp4err);
	gen_frames();
	gen_files();
	gen_pcapng();
	return 0;
}
