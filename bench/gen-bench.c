/*
 * gen-bench.c - synthetic Lync-shaped traffic for the throughput benchmark.
 *
 * Writes a pcap file of FLOWS concurrent flows between client networks and
 * a hardware-load-balanced Front End pool, plus the inventory and the
 * conformd.conf that describe those addresses.  Frames are Ethernet II
 * (optionally one 802.1Q tag), IPv4 (RFC 791) or IPv6 (RFC 8200), TCP
 * (RFC 9293) or UDP (RFC 768), with correct IPv4 header and transport
 * checksums.  Deterministic: the same arguments give the same bytes (seeded
 * splitmix64, timestamps advancing 1 us per packet from a fixed origin).
 *
 * Interleaving: the file is written in rounds; every round visits every
 * flow once, in an affine permutation of the flow set (a*x + b_round mod
 * FLOWS), so flow i's packets are spread across the whole file and all
 * FLOWS are live at once, but the table is not walked in creation order.
 * Packet j of a flow is written in round j.
 *
 * Frame sizes are pcap lengths (caplen = len): "64" writes 64-byte frames,
 * i.e. the Ethernet minimum counted with its 4-byte FCS, as most traffic
 * generators do; the bytes after the IP packet are zero padding.  Data
 * packets fill the frame with payload; SYN/ACK/FIN carry none and are
 * padded to 64.  Data payloads open with the bytes of the port's protocol
 * (see app_open()); when the headers and those bytes do not fit the size
 * (IPv6 needs 74 bytes of headers, 78 tagged) the frame grows to hold
 * them.  imix draws 64/576/1500 in
 * the ratio 7:4:1 per data packet.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>

#define GEN_DEFAULT_RULES	"/work/main/rules/lync2013.rules"
#define GEN_TS_ORIGIN		1700000000ULL	/* 2023-11-14T22:13:20Z */
#define GEN_FE_MEMBERS		8		/* fe1..fe8 at .11-.18, VIP .10 */
#define GEN_CLIENT_HOSTS	32766u		/* 198.18.128.1 - 198.18.255.254 */
#define GEN_EPHEMERAL_BASE	49152u
#define GEN_EPHEMERAL_COUNT	16384u
#define GEN_MAX_FRAME		1600

#define SIZE_64		1
#define SIZE_IMIX	2
#define SIZE_1500	3

struct gflow {
	uint8_t		caddr[16];	/* IPv4 in the first 4 bytes */
	uint8_t		saddr[16];
	uint32_t	cseq;		/* next sequence number, client side */
	uint32_t	sseq;		/* next sequence number, server side */
	uint32_t	npkts;		/* packets this flow has in the file */
	uint32_t	rounds;		/* -l: rounds its slot has in the file */
	uint32_t	phase;		/* -l: packets of a full flow before the file starts */
	uint32_t	gen;		/* -l: flows its slot has had before this one */
	uint16_t	sport;		/* client (ephemeral) port */
	uint16_t	dport;		/* server port */
	uint16_t	vlan;		/* 0: untagged */
	uint8_t		v6;
	uint8_t		proto;		/* 6 or 17 */
};

struct gen_opts {
	const char	*pcap_path;
	const char	*inv_path;
	const char	*conf_path;
	const char	*rules_path;
	uint64_t	 packets;
	uint32_t	 flows;
	int		 size;
	unsigned	 pct_v6, pct_vlan, pct_bad, pct_udp;
	uint64_t	 seed;
	uint32_t	 max_flows;	/* 0: leave conformd's default */
	uint32_t	 flow_len;	/* -l: packets a flow, then its slot starts another; 0: one flow a slot */
};

/* Ports clients may use (see rules/lync2013.rules): toward the FE pool's
 * hardware-LB VIP (Table 2 plus the collocated Mediation 5070) and toward
 * FE members directly (Table 1, client-facing SIP/TLS and HTTPS); udp
 * 1434 to members only. */
static const uint16_t vip_tcp_ports[] = { 5061, 443, 444, 5070 };
static const uint16_t fe_tcp_ports[] = { 5061, 443 };
static const uint16_t ok_udp_ports[] = { 1434 };	/* SQL Browser, all servers */
static const uint16_t bad_tcp_ports[] = { 22, 1433, 3389 };
static const uint16_t bad_udp_ports[] = { 161, 1433 };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state;
static uint64_t flows_made;	/* flow_init() calls: the flows in the file */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough. */
static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)(rng_next() % n);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: gen-bench -o OUT.pcap -i OUT-inventory.conf -c OUT-conformd.conf\n"
	    "                 [-n PACKETS] [-f FLOWS] [-s 64|imix|1500] [-6 IPV6_PERCENT]\n"
	    "                 [-v VLAN_PERCENT] [-x VIOLATING_PERCENT] [-u UDP_PERCENT]\n"
	    "                 [-S SEED] [-R RULES] [-m MAX_FLOWS] [-l PACKETS_A_FLOW]\n");
	exit(2);
}

static uint64_t
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	return v;
bad:
	fprintf(stderr, "gen-bench: -%s: \"%s\" is not a number in %" PRIu64
	    "..%" PRIu64 "\n", opt, s, min, max);
	exit(2);
}

static void
put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* One's complement sum of 16-bit big-endian words (RFC 1071), unfolded. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Build one frame of flow f into buf.  from_server selects the direction;
 * payload is the number of application bytes, the first app_len of them
 * copied from app (app_len <= payload), the rest zero.  Returns the frame
 * length.
 */
static size_t
build_frame(uint8_t *buf, const struct gflow *f, int from_server,
    uint8_t tcp_flags, uint32_t seq, uint32_t ack, size_t payload,
    const uint8_t *app, size_t app_len)
{
	static const uint8_t mac_client[6] = { 0x02, 0x00, 0x5e, 0x12, 0x80, 0x01 };
	static const uint8_t mac_server[6] = { 0x02, 0x00, 0x5e, 0x12, 0x01, 0x01 };
	const uint8_t *src = from_server ? f->saddr : f->caddr;
	const uint8_t *dst = from_server ? f->caddr : f->saddr;
	uint16_t sport = from_server ? f->dport : f->sport;
	uint16_t dport = from_server ? f->sport : f->dport;
	size_t off = 0, ip_off, l4_off, l4_len, hlen, frame;
	uint32_t sum;

	memcpy(buf, from_server ? mac_client : mac_server, 6);
	memcpy(buf + 6, from_server ? mac_server : mac_client, 6);
	off = 12;
	if (f->vlan != 0) {
		put16(buf + off, 0x8100);
		put16(buf + off + 2, f->vlan & 0x0fff);
		off += 4;
	}
	put16(buf + off, f->v6 ? 0x86dd : 0x0800);
	off += 2;
	ip_off = off;
	hlen = f->proto == 6 ? 20 : 8;
	l4_len = hlen + payload;
	l4_off = ip_off + (f->v6 ? 40 : 20);

	if (f->v6) {
		put32(buf + ip_off, 0x60000000);
		put16(buf + ip_off + 4, (uint16_t)l4_len);
		buf[ip_off + 6] = f->proto;
		buf[ip_off + 7] = 64;
		memcpy(buf + ip_off + 8, src, 16);
		memcpy(buf + ip_off + 24, dst, 16);
	} else {
		buf[ip_off] = 0x45;
		buf[ip_off + 1] = 0;
		put16(buf + ip_off + 2, (uint16_t)(20 + l4_len));
		put16(buf + ip_off + 4, (uint16_t)seq);	/* any stable id */
		put16(buf + ip_off + 6, 0x4000);	/* DF */
		buf[ip_off + 8] = 64;
		buf[ip_off + 9] = f->proto;
		put16(buf + ip_off + 10, 0);
		memcpy(buf + ip_off + 12, src, 4);
		memcpy(buf + ip_off + 16, dst, 4);
		put16(buf + ip_off + 10, csum_fold(csum_add(0, buf + ip_off, 20)));
	}

	put16(buf + l4_off, sport);
	put16(buf + l4_off + 2, dport);
	if (f->proto == 6) {
		put32(buf + l4_off + 4, seq);
		put32(buf + l4_off + 8, (tcp_flags & 0x10) ? ack : 0);
		buf[l4_off + 12] = 5 << 4;
		buf[l4_off + 13] = tcp_flags;
		put16(buf + l4_off + 14, 65535);
		put16(buf + l4_off + 16, 0);
		put16(buf + l4_off + 18, 0);
	} else {
		put16(buf + l4_off + 4, (uint16_t)l4_len);
		put16(buf + l4_off + 6, 0);
	}
	if (app_len > 0)
		memcpy(buf + l4_off + hlen, app, app_len);
	memset(buf + l4_off + hlen + app_len, 0, payload - app_len);

	/* Pseudo-header (RFC 9293 3.1, RFC 8200 8.1) then the segment. */
	if (f->v6) {
		sum = csum_add(0, buf + ip_off + 8, 32);
		sum += (uint32_t)(l4_len >> 16) + (uint32_t)(l4_len & 0xffff);
	} else {
		sum = csum_add(0, buf + ip_off + 12, 8);
		sum += (uint32_t)l4_len;
	}
	sum += f->proto;
	sum = csum_add(sum, buf + l4_off, l4_len);
	{
		uint16_t c = csum_fold(sum);

		/* UDP sends an all-ones checksum for a computed zero. */
		if (c == 0 && f->proto == 17)
			c = 0xffff;
		put16(buf + l4_off + (f->proto == 6 ? 16 : 6), c);
	}

	frame = l4_off + l4_len;
	if (frame < 64) {
		memset(buf + frame, 0, 64 - frame);
		frame = 64;
	}
	return frame;
}

/* Header bytes of a frame of flow f (Ethernet to transport). */
static size_t
header_len(const struct gflow *f)
{
	return 14 + (f->vlan ? 4 : 0) + (f->v6 ? 40 : 20) +
	    (f->proto == 6 ? 20 : 8);
}

/* Application bytes for a data packet of flow f in the given size mode,
 * at least min. */
static size_t
data_payload(const struct gflow *f, int size, size_t min)
{
	size_t target, h = header_len(f);
	uint32_t r;

	switch (size) {
	case SIZE_64:
		target = 64;
		break;
	case SIZE_1500:
		target = 1500;
		break;
	default:
		r = rng_below(12);
		target = r < 7 ? 64 : r < 11 ? 576 : 1500;
		break;
	}
	/* Data packets carry at least their protocol's opening bytes, even
	 * when the headers alone fill the size (IPv6 in a 64-byte run). */
	return target > h + min ? target - h : min;
}

#define SIP_OPTIONS	"OPTIONS sip:fe-pool SIP/2.0\r\n"
#define SIP_200		"SIP/2.0 200 OK\r\n"
#define SSH_IDENT	"SSH-2.0-gen\r\n"

/*
 * The opening bytes of data packet d (0-based, both directions counted) of
 * flow f, so that conformd's protocol check sees what the port's rule
 * expects: TLS records (RFC 8446 5.1: handshake for the first packet each
 * way, then application data) on 5061/443/444, a SIP request and response
 * (RFC 3261) on 5070, SQL Server Resolution Protocol ([MC-SQLR]
 * CLNT_UCAST_EX 0x03 / SVR_RESP 0x05) on udp 1434, SSH identification
 * strings (RFC 4253 4.2) on 22; other ports get zeros.  With out == NULL
 * returns the bytes needed; otherwise writes them for a payload of plen
 * (>= that) bytes and returns their number.
 */
static size_t
app_open(const struct gflow *f, uint32_t d, size_t plen, uint8_t *out)
{
	int from_server = d & 1;
	const char *txt = NULL;
	size_t n;

	if (f->proto == 6 && (f->dport == 5061 || f->dport == 443 ||
	    f->dport == 444)) {
		if (out != NULL) {
			out[0] = d < 2 ? 22 : 23;
			out[1] = 3;
			out[2] = d == 0 ? 1 : 3;
			put16(out + 3, (uint16_t)(plen - 5 > 16384 ? 16384 : plen - 5));
		}
		return 5;
	}
	if (f->proto == 17 && f->dport == 1434) {
		if (out != NULL) {
			out[0] = from_server ? 0x05 : 0x03;
			if (from_server) {	/* RESP_DATA length, little-endian */
				out[1] = (uint8_t)(plen - 3);
				out[2] = (uint8_t)((plen - 3) >> 8);
			}
		}
		return from_server ? 3 : 1;
	}
	if (f->proto == 6 && f->dport == 5070 && d < 2)
		txt = from_server ? SIP_200 : SIP_OPTIONS;
	else if (f->proto == 6 && f->dport == 22 && d < 2)
		txt = SSH_IDENT;
	if (txt == NULL) {
		if (out != NULL)
			out[0] = 0;
		return 1;
	}
	n = strlen(txt);
	if (out != NULL)
		memcpy(out, txt, n);
	return n;
}

static uint32_t
gcd32(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Flow number i of the file (slot i of the first round; with -l, slot s's
 * g-th flow is number s + g * FLOWS): its endpoints, ports, shape and
 * sequence numbers, drawn from the generator.  npkts is the caller's.
 */
static void
flow_init(struct gflow *f, uint64_t i, const struct gen_opts *o)
{
	/* Unique client (address, port) per flow: host h = a bijection
	 * of i mod 32766, port from i / 32766 (odd stride: distinct
	 * for up to 16384 uses of one host). */
	uint32_t h = 1 + (uint32_t)(((uint64_t)(i % GEN_CLIENT_HOSTS) *
	    9973u) % GEN_CLIENT_HOSTS);
	uint32_t use = (uint32_t)(i / GEN_CLIENT_HOSTS);
	uint32_t srv, bad;

	memset(f, 0, sizeof(*f));
	flows_made++;
	f->v6 = rng_below(100) < o->pct_v6;
	f->vlan = rng_below(100) < o->pct_vlan ?
	    (uint16_t)(100 + rng_below(16)) : 0;
	f->proto = rng_below(100) < o->pct_udp ? 17 : 6;
	bad = rng_below(100) < o->pct_bad;
	srv = rng_below(1 + GEN_FE_MEMBERS);	/* 0: the VIP */
	/* SQL Browser (udp 1434) is an all-servers port: members only,
	 * a VIP is not a server. */
	if (f->proto == 17 && !bad && srv == 0)
		srv = 1 + rng_below(GEN_FE_MEMBERS);
	f->sport = (uint16_t)(GEN_EPHEMERAL_BASE +
	    (use * 7919u + h * 131u) % GEN_EPHEMERAL_COUNT);
	if (bad && f->proto == 6)
		f->dport = bad_tcp_ports[rng_below(NELEM(bad_tcp_ports))];
	else if (bad)
		f->dport = bad_udp_ports[rng_below(NELEM(bad_udp_ports))];
	else if (f->proto == 17)
		f->dport = ok_udp_ports[rng_below(NELEM(ok_udp_ports))];
	else if (srv == 0)
		f->dport = vip_tcp_ports[rng_below(NELEM(vip_tcp_ports))];
	else
		f->dport = fe_tcp_ports[rng_below(NELEM(fe_tcp_ports))];
	if (f->v6) {
		static const uint8_t cpfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x80 };
		static const uint8_t spfx[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };

		memcpy(f->caddr, cpfx, 6);
		put16(f->caddr + 14, (uint16_t)h);
		memcpy(f->saddr, spfx, 6);
		put16(f->saddr + 14, (uint16_t)(0x10 + srv));
	} else {
		f->caddr[0] = 198;
		f->caddr[1] = 18;
		f->caddr[2] = (uint8_t)(128 + (h >> 8));
		f->caddr[3] = (uint8_t)h;
		f->saddr[0] = 198;
		f->saddr[1] = 18;
		f->saddr[2] = 1;
		f->saddr[3] = (uint8_t)(10 + srv);
	}
	f->cseq = (uint32_t)rng_next();
	f->sseq = (uint32_t)rng_next();
}

static void
flows_setup(struct gflow *fl, const struct gen_opts *o)
{
	for (uint32_t i = 0; i < o->flows; i++) {
		flow_init(&fl[i], i, o);
		fl[i].npkts = (uint32_t)(o->packets / o->flows);
		/* -l: slots start their flows at different points, so that
		 * flows end all through the file, not all in one round */
		if (o->flow_len != 0)
			fl[i].phase = rng_below(o->flow_len);
	}
}

/*
 * -l: the packet of round r of slot s (flow f) as the index of a packet
 * within its flow; a slot whose flow has had its packets starts the next
 * (flow s + g * FLOWS), whose length is flow_len, or what the file has
 * left of its rounds.  Without -l, r itself.
 */
static uint32_t
flow_round(struct gflow *f, uint32_t s, uint32_t r, const struct gen_opts *o)
{
	uint64_t L = o->flow_len, pos, start, end;
	uint32_t g;

	if (L == 0)
		return r;
	pos = (uint64_t)r + f->phase;
	g = (uint32_t)(pos / L);
	start = g == 0 ? 0 : g * L - f->phase;
	end = (g + 1) * L - f->phase;
	if (end > f->rounds)
		end = f->rounds;
	if (r == 0 || g != f->gen) {
		uint32_t rounds = f->rounds, phase = f->phase;

		if (g != f->gen)
			flow_init(f, s + (uint64_t)g * o->flows, o);
		f->rounds = rounds;
		f->phase = phase;
		f->gen = g;
		f->npkts = (uint32_t)(end - start);
	}
	return (uint32_t)(r - start);
}

/*
 * Packet j (0-based) of flow f: TCP is SYN, SYN-ACK, ACK, data alternating
 * client/server, and when the flow has 8 packets or more a FIN-ACK from
 * each side and a last ACK.  UDP alternates request and response.
 */
static size_t
flow_packet(uint8_t *buf, struct gflow *f, uint32_t j, int size)
{
	uint8_t app[64];
	uint32_t n = f->npkts, d;
	size_t pl, al;
	int from_server;

	if (f->proto == 17) {
		d = j;
		pl = data_payload(f, size, app_open(f, d, 0, NULL));
		al = app_open(f, d, pl, app);
		return build_frame(buf, f, d & 1, 0, j, 0, pl, app, al);
	}
	if (j == 0) {
		f->cseq++;
		return build_frame(buf, f, 0, 0x02, f->cseq - 1, 0, 0, NULL, 0);
	}
	if (j == 1) {
		f->sseq++;
		return build_frame(buf, f, 1, 0x12, f->sseq - 1, f->cseq, 0, NULL, 0);
	}
	if (j == 2)
		return build_frame(buf, f, 0, 0x10, f->cseq, f->sseq, 0, NULL, 0);
	if (n >= 8 && j == n - 3) {
		f->cseq++;
		return build_frame(buf, f, 0, 0x11, f->cseq - 1, f->sseq, 0, NULL, 0);
	}
	if (n >= 8 && j == n - 2) {
		f->sseq++;
		return build_frame(buf, f, 1, 0x11, f->sseq - 1, f->cseq, 0, NULL, 0);
	}
	if (n >= 8 && j == n - 1)
		return build_frame(buf, f, 0, 0x10, f->cseq, f->sseq, 0, NULL, 0);
	d = j - 3;
	from_server = d & 1;
	pl = data_payload(f, size, app_open(f, d, 0, NULL));
	al = app_open(f, d, pl, app);
	if (from_server) {
		f->sseq += (uint32_t)pl;
		return build_frame(buf, f, 1, 0x18, f->sseq - (uint32_t)pl,
		    f->cseq, pl, app, al);
	}
	f->cseq += (uint32_t)pl;
	return build_frame(buf, f, 0, 0x18, f->cseq - (uint32_t)pl, f->sseq,
	    pl, app, al);
}

static int
write_pcap(struct gflow *fl, const struct gen_opts *o, uint64_t *bytes)
{
	static uint8_t buf[GEN_MAX_FRAME];
	uint32_t F = o->flows, a, b, x;
	uint64_t rounds = o->packets / F, rem = o->packets % F, r, k = 0;
	uint64_t b_last;
	pcap_t *p;
	pcap_dumper_t *d;
	struct pcap_pkthdr h;
	FILE *fp;
	int rc = 0;

	/* Stride near F / golden ratio, coprime with F: a*x mod F is then a
	 * permutation that scatters neighbours. */
	a = (uint32_t)((double)F * 0.6180339887) | 1;
	if (a == 0 || a >= F)
		a = 1;
	while (gcd32(a, F) != 1)
		a++;

	/* The last, partial round gives its flows one packet more; decide
	 * which before writing so TCP flows know when to close. */
	b_last = rng_below(F);
	for (x = 0; x < rem; x++)
		fl[(uint32_t)(((uint64_t)a * x + b_last) % F)].npkts++;
	for (x = 0; x < F; x++)
		fl[x].rounds = fl[x].npkts;

	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL) {
		fprintf(stderr, "gen-bench: pcap_open_dead failed\n");
		return -1;
	}
	d = pcap_dump_open(p, o->pcap_path);
	if (d == NULL) {
		fprintf(stderr, "gen-bench: %s: %s\n", o->pcap_path, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	fp = pcap_dump_file(d);
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	*bytes = 0;
	for (r = 0; r <= rounds; r++) {
		uint64_t nx = r < rounds ? F : rem;

		b = r < rounds ? rng_below(F) : (uint32_t)b_last;
		for (x = 0; x < nx; x++, k++) {
			uint32_t s = (uint32_t)(((uint64_t)a * x + b) % F);
			struct gflow *f = &fl[s];
			uint64_t usec = k;
			uint32_t j = flow_round(f, s, (uint32_t)r, o);

			h.len = h.caplen = (bpf_u_int32)flow_packet(buf, f, j, o->size);
			h.ts.tv_sec = (time_t)(GEN_TS_ORIGIN + usec / 1000000);
			h.ts.tv_usec = (suseconds_t)(usec % 1000000);
			pcap_dump((u_char *)d, &h, buf);
			*bytes += h.len;
		}
	}
	if (pcap_dump_flush(d) != 0 || ferror(fp)) {
		fprintf(stderr, "gen-bench: %s: write error\n", o->pcap_path);
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}

static int
write_inventory(const struct gen_opts *o)
{
	FILE *fp = fopen(o->inv_path, "w");
	int i;

	if (fp == NULL) {
		fprintf(stderr, "gen-bench: %s: %s\n", o->inv_path, strerror(errno));
		return -1;
	}
	fprintf(fp,
	    "# Inventory for a gen-bench capture (generated; do not edit).\n"
	    "# One Front End pool behind a hardware load balancer with a\n"
	    "# collocated Mediation Server; clients in two networks.\n"
	    "client-media-ports 1024-65535\n"
	    "\n"
	    "pool fe-pool {\n"
	    "\ttype front-end\n"
	    "\tload-balancing hardware\n"
	    "\tvip 198.18.1.10,2001:db8:1::10\n");
	for (i = 1; i <= GEN_FE_MEMBERS; i++)
		fprintf(fp, "\tmember fe%d 198.18.1.%d,2001:db8:1::%x\n",
		    i, 10 + i, 0x10 + i);
	fprintf(fp,
	    "\tcollocated-mediation yes\n"
	    "\tcms fe1\n"
	    "}\n"
	    "\n"
	    "network clients 198.18.128.0/17,2001:db8:80::/48 role client\n");
	if (fclose(fp) != 0) {
		fprintf(stderr, "gen-bench: %s: %s\n", o->inv_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
write_config(const struct gen_opts *o)
{
	char inv_abs[PATH_MAX];
	FILE *fp;

	if (realpath(o->inv_path, inv_abs) == NULL) {
		fprintf(stderr, "gen-bench: %s: %s\n", o->inv_path, strerror(errno));
		return -1;
	}
	fp = fopen(o->conf_path, "w");
	if (fp == NULL) {
		fprintf(stderr, "gen-bench: %s: %s\n", o->conf_path, strerror(errno));
		return -1;
	}
	fprintf(fp,
	    "# conformd.conf for a gen-bench capture (generated; do not edit).\n"
	    "# No database/eve: bench/run.sh passes --db/--eve when it wants them.\n"
	    "rules \"%s\"\n"
	    "inventory \"%s\"\n", o->rules_path, inv_abs);
	if (o->max_flows != 0)
		fprintf(fp, "max-flows %" PRIu32 "\n", o->max_flows);
	if (fclose(fp) != 0) {
		fprintf(stderr, "gen-bench: %s: %s\n", o->conf_path, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct gen_opts o;
	struct gflow *fl;
	uint64_t bytes;
	int ch;

	memset(&o, 0, sizeof(o));
	o.rules_path = GEN_DEFAULT_RULES;
	o.packets = 1000000;
	o.flows = 1000;
	o.size = SIZE_64;
	o.pct_udp = 20;
	o.seed = 1;
	while ((ch = getopt(argc, argv, "o:i:c:n:f:s:6:v:x:u:S:R:m:l:")) != -1) {
		switch (ch) {
		case 'o': o.pcap_path = optarg; break;
		case 'i': o.inv_path = optarg; break;
		case 'c': o.conf_path = optarg; break;
		case 'R': o.rules_path = optarg; break;
		case 'n': o.packets = parse_u64("n", optarg, 1, UINT64_C(1) << 40); break;
		case 'f': o.flows = (uint32_t)parse_u64("f", optarg, 1, 100000000); break;
		case '6': o.pct_v6 = (unsigned)parse_u64("6", optarg, 0, 100); break;
		case 'v': o.pct_vlan = (unsigned)parse_u64("v", optarg, 0, 100); break;
		case 'x': o.pct_bad = (unsigned)parse_u64("x", optarg, 0, 100); break;
		case 'u': o.pct_udp = (unsigned)parse_u64("u", optarg, 0, 100); break;
		case 'S': o.seed = parse_u64("S", optarg, 0, UINT64_MAX); break;
		case 'm': o.max_flows = (uint32_t)parse_u64("m", optarg, 1, UINT32_MAX); break;
		case 'l': o.flow_len = (uint32_t)parse_u64("l", optarg, 1, UINT32_MAX); break;
		case 's':
			if (strcmp(optarg, "64") == 0)
				o.size = SIZE_64;
			else if (strcmp(optarg, "imix") == 0)
				o.size = SIZE_IMIX;
			else if (strcmp(optarg, "1500") == 0)
				o.size = SIZE_1500;
			else {
				fprintf(stderr, "gen-bench: -s: \"%s\" is not 64, imix or 1500\n",
				    optarg);
				exit(2);
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.pcap_path == NULL || o.inv_path == NULL ||
	    o.conf_path == NULL)
		usage();
	if (o.flows > o.packets) {
		fprintf(stderr, "gen-bench: more flows (%" PRIu32 ") than packets (%"
		    PRIu64 ")\n", o.flows, o.packets);
		exit(2);
	}
	/* Round numbers index a flow's packets (uint32_t). */
	if (o.packets / o.flows >= UINT32_MAX - 1) {
		fprintf(stderr, "gen-bench: too many packets per flow\n");
		exit(2);
	}

	rng_state = o.seed;
	fl = calloc(o.flows, sizeof(*fl));
	if (fl == NULL) {
		fprintf(stderr, "gen-bench: out of memory for %" PRIu32 " flows\n", o.flows);
		exit(1);
	}
	flows_setup(fl, &o);
	if (write_pcap(fl, &o, &bytes) != 0 || write_inventory(&o) != 0 ||
	    write_config(&o) != 0) {
		free(fl);
		exit(1);
	}
	free(fl);
	printf("packets=%" PRIu64 " bytes=%" PRIu64 " flows=%" PRIu64 "\n",
	    o.packets, bytes, flows_made);
	return 0;
}
