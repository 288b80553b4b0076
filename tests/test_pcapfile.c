/*
 * test_pcapfile.c - the capture-file reader (src/capture/pcapfile.c): classic pcap
 * in both byte orders with micro- and nanoseconds, pcapng in both byte
 * orders with several sections and interfaces of different link types,
 * snapshot lengths and timestamp resolutions and offsets, SPB, PB and
 * unknown blocks; pipes and standard input; records larger than the
 * buffer and records cut by every refill boundary, every batch size;
 * every damage with its exact message; and a truncation sweep: every
 * prefix of a valid pcap and pcapng file reads cleanly up to the cut or
 * names the packet that could not be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/dlt.h>

#include "conformd/pcapfile.h"
#include "unit.h"

/* ---- writing files in memory ---------------------------------------- */

struct wb {
	uint8_t	*b;
	size_t	 n, cap;
	int	 big;
	/* pcapng: where each block ends and whether it holds a packet */
	size_t	 ends[64];
	int	 pkt[64];
	int	 nblocks;
	size_t	 first_idb_end;
};

static void
wb_put(struct wb *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		w->cap = (w->n + n) * 2 + 64;
		w->b = realloc(w->b, w->cap);
		if (w->b == NULL)
			abort();
	}
	if (n > 0)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void
wb_u8(struct wb *w, uint8_t v)
{
	wb_put(w, &v, 1);
}

static void
wb_u16(struct wb *w, uint16_t v)
{
	uint8_t b[2];

	if (w->big) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
	} else {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
	}
	wb_put(w, b, 2);
}

static void
wb_u32(struct wb *w, uint32_t v)
{
	if (w->big) {
		wb_u16(w, (uint16_t)(v >> 16));
		wb_u16(w, (uint16_t)v);
	} else {
		wb_u16(w, (uint16_t)v);
		wb_u16(w, (uint16_t)(v >> 16));
	}
}

static void
wb_u64(struct wb *w, uint64_t v)
{
	if (w->big) {
		wb_u32(w, (uint32_t)(v >> 32));
		wb_u32(w, (uint32_t)v);
	} else {
		wb_u32(w, (uint32_t)v);
		wb_u32(w, (uint32_t)(v >> 32));
	}
}

static void
wb_pad4(struct wb *w)
{
	while (w->n % 4 != 0)
		wb_u8(w, 0);
}

static void
wb_free(struct wb *w)
{
	free(w->b);
	memset(w, 0, sizeof(*w));
}

/* A packet's bytes: a pattern of its number, so every byte is checked. */
static void
fill_data(uint8_t *d, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(seed * 31 + i * 7);
}

#define NSEC_MAGIC	0xa1b23c4du
#define USEC_MAGIC	0xa1b2c3d4u

static void
pcap_header(struct wb *w, int big, int nsec, uint32_t snaplen, uint32_t lt)
{
	w->big = big;
	wb_u32(w, nsec ? NSEC_MAGIC : USEC_MAGIC);
	wb_u16(w, 2);
	wb_u16(w, 4);
	wb_u32(w, 0);
	wb_u32(w, 0);
	wb_u32(w, snaplen);
	wb_u32(w, lt);
}

static void
pcap_record(struct wb *w, uint32_t sec, uint32_t frac, uint32_t incl, uint32_t orig,
    unsigned int seed)
{
	uint8_t *d = malloc(incl + 1);

	fill_data(d, incl, seed);
	wb_u32(w, sec);
	wb_u32(w, frac);
	wb_u32(w, incl);
	wb_u32(w, orig);
	wb_put(w, d, incl);
	free(d);
}

/* Start a pcapng block; ng_end() pads, writes both lengths. */
static size_t
ng_begin(struct wb *w, uint32_t type)
{
	size_t at = w->n;

	wb_u32(w, type);
	wb_u32(w, 0);
	return at;
}

static void
ng_end(struct wb *w, size_t at, int is_packet)
{
	uint32_t len;
	int big = w->big;

	wb_pad4(w);
	len = (uint32_t)(w->n - at + 4);
	wb_u32(w, len);
	/* patch the leading length */
	w->n = at + 4;
	wb_u32(w, len);
	w->n = at + len;
	w->big = big;
	if (w->nblocks < 64) {
		w->ends[w->nblocks] = w->n;
		w->pkt[w->nblocks] = is_packet;
		w->nblocks++;
	}
}

static void
ng_shb(struct wb *w, int big)
{
	size_t at;

	w->big = big;
	at = ng_begin(w, 0x0a0d0d0a);
	wb_u32(w, 0x1a2b3c4d);
	wb_u16(w, 1);
	wb_u16(w, 0);
	wb_u64(w, ~(uint64_t)0);
	ng_end(w, at, 0);
}

/* tsresol < 0: no option; has_off: an if_tsoffset option. */
static void
ng_idb(struct wb *w, uint16_t lt, uint32_t snaplen, int tsresol, int has_off, int64_t off)
{
	size_t at = ng_begin(w, 1);

	wb_u16(w, lt);
	wb_u16(w, 0);
	wb_u32(w, snaplen);
	wb_u16(w, 2);				/* if_name, an option to skip */
	wb_u16(w, 3);
	wb_put(w, "et0", 3);
	wb_pad4(w);
	if (tsresol >= 0) {
		wb_u16(w, 9);
		wb_u16(w, 1);
		wb_u8(w, (uint8_t)tsresol);
		wb_pad4(w);
	}
	if (has_off) {
		wb_u16(w, 14);
		wb_u16(w, 8);
		wb_u64(w, (uint64_t)off);
	}
	wb_u16(w, 0);				/* opt_endofopt */
	wb_u16(w, 0);
	ng_end(w, at, 0);
	if (w->first_idb_end == 0)
		w->first_idb_end = w->n;
}

static void
ng_epb(struct wb *w, uint32_t ifc, uint64_t t, uint32_t incl, uint32_t orig, unsigned int seed)
{
	size_t at = ng_begin(w, 6);
	uint8_t *d = malloc(incl + 1);

	fill_data(d, incl, seed);
	wb_u32(w, ifc);
	wb_u32(w, (uint32_t)(t >> 32));
	wb_u32(w, (uint32_t)t);
	wb_u32(w, incl);
	wb_u32(w, orig);
	wb_put(w, d, incl);
	wb_pad4(w);
	wb_u16(w, 1);				/* opt_comment, then the end */
	wb_u16(w, 2);
	wb_put(w, "hi", 2);
	wb_pad4(w);
	wb_u32(w, 0);
	ng_end(w, at, 1);
	free(d);
}

static void
ng_spb(struct wb *w, uint32_t orig, uint32_t room, unsigned int seed)
{
	size_t at = ng_begin(w, 3);
	uint8_t *d = malloc(room + 1);

	fill_data(d, room, seed);
	wb_u32(w, orig);
	wb_put(w, d, room);
	ng_end(w, at, 1);
	free(d);
}

static void
ng_pb(struct wb *w, uint16_t ifc, uint64_t t, uint32_t incl, uint32_t orig, unsigned int seed)
{
	size_t at = ng_begin(w, 2);
	uint8_t *d = malloc(incl + 1);

	fill_data(d, incl, seed);
	wb_u16(w, ifc);
	wb_u16(w, 0);
	wb_u32(w, (uint32_t)(t >> 32));
	wb_u32(w, (uint32_t)t);
	wb_u32(w, incl);
	wb_u32(w, orig);
	wb_put(w, d, incl);
	ng_end(w, at, 1);
	free(d);
}

static void
ng_other(struct wb *w, uint32_t type, size_t n)
{
	size_t at = ng_begin(w, type);

	for (size_t i = 0; i < n; i++)
		wb_u8(w, (uint8_t)i);
	ng_end(w, at, 0);
}

/* ---- reading -------------------------------------------------------- */

#define GOT_MAX	64

struct got {
	int		 open_rc;
	int		 rc;		/* last pcapfile_next(): 0 or -1 */
	int		 n;
	int		 linktype;	/* pcapfile_linktype() */
	char		 err[512];
	struct capture_pkt p[GOT_MAX];
	int		 data_ok[GOT_MAX];	/* the bytes are the pattern of `seed` */
};

/* seeds[i]: the pattern of packet i's bytes (its number by default). */
static unsigned int seeds[GOT_MAX];

static void
seeds_default(void)
{
	for (int i = 0; i < GOT_MAX; i++)
		seeds[i] = (unsigned int)i + 1;
}

static int
pattern_ok(const uint8_t *d, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] != (uint8_t)(seed * 31 + i * 7))
			return 0;
	return 1;
}

/* Read everything from fd, `batch` at a time; the data of each batch is
 * checked after the call, so pointers must survive the batch. */
static void
read_fd(int fd, size_t bufsize, int batch, struct got *g)
{
	struct capture_pkt v[GOT_MAX];
	struct pcapfile *pf;
	int n;

	memset(g, 0, sizeof(*g));
	g->open_rc = pcapfile_open_fd(&pf, fd, "x", bufsize, g->err, sizeof(g->err));
	if (g->open_rc != 0)
		return;
	g->linktype = pcapfile_linktype(pf);
	for (;;) {
		n = pcapfile_next(pf, v, batch, g->err, sizeof(g->err));
		if (n <= 0) {
			g->rc = n;
			break;
		}
		CU_ASSERT(n <= batch);
		for (int i = 0; i < n && g->n < GOT_MAX; i++) {
			g->p[g->n] = v[i];
			g->data_ok[g->n] = pattern_ok(v[i].data, v[i].caplen, seeds[g->n]);
			g->n++;
		}
	}
	/* after the end or the damage, the same answer again */
	CU_ASSERT_EQUAL(pcapfile_next(pf, v, batch, g->err, sizeof(g->err)), g->rc);
	CU_ASSERT_EQUAL(pcapfile_packets(pf), (uint64_t)g->n);
	pcapfile_close(pf);
}

static const char *
tmpfile_of(const uint8_t *b, size_t n)
{
	static char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pcapfile.bin", unit_tmpdir());
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	if (n > 0)
		CU_ASSERT_EQUAL(fwrite(b, 1, n, f), n);
	fclose(f);
	return path;
}

static void
read_mem(const uint8_t *b, size_t n, size_t bufsize, int batch, struct got *g)
{
	int fd = open(tmpfile_of(b, n), O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	read_fd(fd, bufsize, batch, g);
}

static void
read_wb(const struct wb *w, struct got *g)
{
	read_mem(w->b, w->n, 0, 16, g);
}

/* ---- classic pcap --------------------------------------------------- */

static void
check_pcap_order(int big, int nsec)
{
	struct wb w = { 0 };
	struct got g;

	seeds_default();
	pcap_header(&w, big, nsec, 65535, DLT_EN10MB);
	pcap_record(&w, 1767225600, nsec ? 123456789 : 123456, 60, 60, 1);
	pcap_record(&w, 1767225601, 0, 0, 0, 2);		/* empty record */
	pcap_record(&w, 1767225602, nsec ? 999999999 : 999999, 1514, 1514, 3);
	pcap_record(&w, 0xffffffffu, 5, 42, 1000, 4);		/* snapped; seconds unsigned */
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.open_rc, 0);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 4);
	CU_ASSERT_EQUAL(g.linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(g.p[0].ts_usec, 1767225600123456ull);
	CU_ASSERT_EQUAL(g.p[0].caplen, 60);
	CU_ASSERT_EQUAL(g.p[0].wirelen, 60);
	CU_ASSERT_EQUAL(g.p[1].caplen, 0);
	CU_ASSERT_EQUAL(g.p[1].ts_usec, 1767225601000000ull);
	CU_ASSERT_EQUAL(g.p[2].caplen, 1514);
	CU_ASSERT_EQUAL(g.p[2].ts_usec, 1767225602999999ull);
	CU_ASSERT_EQUAL(g.p[3].caplen, 42);
	CU_ASSERT_EQUAL(g.p[3].wirelen, 1000);
	CU_ASSERT_EQUAL(g.p[3].ts_usec, 0xffffffffull * 1000000u + (nsec ? 0 : 5));
	for (int i = 0; i < g.n; i++) {
		CU_ASSERT_EQUAL(g.p[i].num, (uint64_t)i + 1);
		CU_ASSERT_EQUAL(g.p[i].linktype, DLT_EN10MB);
		CU_ASSERT_EQUAL(g.p[i].source, 0);
		CU_ASSERT(g.data_ok[i]);
	}
	wb_free(&w);
}

static void
test_pcap_le_usec(void)
{
	check_pcap_order(0, 0);
}

static void
test_pcap_be_usec(void)
{
	check_pcap_order(1, 0);
}

static void
test_pcap_le_nsec(void)
{
	check_pcap_order(0, 1);
}

static void
test_pcap_be_nsec(void)
{
	check_pcap_order(1, 1);
}

/* Raw IP's LINKTYPE_ 101 is DLT_RAW; the FCS bits above the link type are
 * ignored; caplen above the snapshot length is cut to it; a wire length
 * below the captured length is raised to it; fractions >= 10^6 keep their
 * sub-second part; version 2.2 has the lengths the other way round. */
static void
test_pcap_fields(void)
{
	struct wb w = { 0 };
	struct got g;

	seeds_default();
	pcap_header(&w, 0, 0, 100, 101 | 0x14000000u);
	pcap_record(&w, 10, 2500000, 150, 150, 1);
	pcap_record(&w, 10, 0, 80, 20, 2);
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL(g.linktype, DLT_RAW);
	CU_ASSERT_EQUAL(g.p[0].linktype, DLT_RAW);
	CU_ASSERT_EQUAL(g.p[0].caplen, 100);
	CU_ASSERT_EQUAL(g.p[0].wirelen, 150);
	CU_ASSERT_EQUAL(g.p[0].ts_usec, 10500000ull);
	CU_ASSERT(g.data_ok[0]);
	CU_ASSERT_EQUAL(g.p[1].caplen, 80);
	CU_ASSERT_EQUAL(g.p[1].wirelen, 80);
	CU_ASSERT(g.data_ok[1]);
	wb_free(&w);

	/* version 2.2: orig_len first, then incl_len */
	pcap_header(&w, 0, 0, 0, DLT_EN10MB);
	w.b[6] = 2;
	pcap_record(&w, 1, 0, 100, 40, 1);	/* written as (orig 100, incl 40)... */
	w.n -= 60;				/* ... so only 40 bytes follow */
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_EQUAL(g.p[0].caplen, 40);
	CU_ASSERT_EQUAL(g.p[0].wirelen, 100);
	wb_free(&w);
}

/* ---- pcapng --------------------------------------------------------- */

static void
check_ng_order(int big)
{
	struct wb w = { 0 };
	struct got g;

	seeds_default();
	ng_shb(&w, big);
	ng_other(&w, 4, 12);				/* NRB: skipped */
	ng_idb(&w, DLT_EN10MB, 0, -1, 0, 0);
	ng_epb(&w, 0, 1767225600123456ull, 60, 60, 1);
	ng_other(&w, 5, 20);				/* ISB */
	ng_other(&w, 0x00000bad, 3);			/* custom */
	ng_other(&w, 0x40000bad, 0);
	ng_epb(&w, 0, 1767225601000000ull, 61, 1500, 2);
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.open_rc, 0);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	CU_ASSERT_EQUAL(g.linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(g.p[0].ts_usec, 1767225600123456ull);
	CU_ASSERT_EQUAL(g.p[0].caplen, 60);
	CU_ASSERT_EQUAL(g.p[1].caplen, 61);
	CU_ASSERT_EQUAL(g.p[1].wirelen, 1500);
	CU_ASSERT(g.data_ok[0] && g.data_ok[1]);
	CU_ASSERT_EQUAL(g.p[1].num, 2);
	wb_free(&w);
}

static void
test_ng_le(void)
{
	check_ng_order(0);
}

static void
test_ng_be(void)
{
	check_ng_order(1);
}

/* Interfaces of different link types and snapshot lengths; a second
 * section (other byte order) numbers its interfaces from 0 again. */
static void
test_ng_interfaces_sections(void)
{
	struct wb w = { 0 };
	struct got g;

	seeds_default();
	ng_shb(&w, 0);
	ng_idb(&w, DLT_EN10MB, 64, -1, 0, 0);
	ng_idb(&w, 101, 0, -1, 0, 0);
	ng_idb(&w, DLT_LINUX_SLL, 200, -1, 0, 0);
	ng_epb(&w, 0, 1000000, 100, 100, 1);		/* cut to 64 */
	ng_epb(&w, 1, 2000000, 100, 100, 2);
	ng_epb(&w, 2, 3000000, 100, 120, 3);
	ng_shb(&w, 1);
	ng_idb(&w, DLT_NULL, 0, -1, 0, 0);
	ng_epb(&w, 0, 4000000, 30, 30, 4);
	ng_spb(&w, 30, 32, 5);				/* interface 0 of this section */
	ng_pb(&w, 0, 6000000, 20, 20, 6);
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.open_rc, 0);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 6);
	CU_ASSERT_EQUAL(g.linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(g.p[0].linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(g.p[0].caplen, 64);
	CU_ASSERT_EQUAL(g.p[0].wirelen, 100);
	CU_ASSERT_EQUAL(g.p[1].linktype, DLT_RAW);
	CU_ASSERT_EQUAL(g.p[1].caplen, 100);
	CU_ASSERT_EQUAL(g.p[2].linktype, DLT_LINUX_SLL);
	CU_ASSERT_EQUAL(g.p[2].caplen, 100);
	CU_ASSERT_EQUAL(g.p[2].wirelen, 120);
	CU_ASSERT_EQUAL(g.p[3].linktype, DLT_NULL);
	CU_ASSERT_EQUAL(g.p[3].ts_usec, 4000000);
	CU_ASSERT_EQUAL(g.p[4].linktype, DLT_NULL);
	CU_ASSERT_EQUAL(g.p[4].caplen, 30);		/* orig 30 in a 32-byte room */
	CU_ASSERT_EQUAL(g.p[4].ts_usec, 0);		/* an SPB has no timestamp */
	CU_ASSERT_EQUAL(g.p[5].linktype, DLT_NULL);
	CU_ASSERT_EQUAL(g.p[5].ts_usec, 6000000);
	for (int i = 0; i < 6; i++) {
		CU_ASSERT(g.data_ok[i]);
		CU_ASSERT_EQUAL(g.p[i].num, (uint64_t)i + 1);
	}
	wb_free(&w);

	/* interface 1 of the first section is gone in the second */
	ng_shb(&w, 0);
	ng_idb(&w, DLT_EN10MB, 0, -1, 0, 0);
	ng_idb(&w, DLT_EN10MB, 0, -1, 0, 0);
	ng_epb(&w, 1, 0, 10, 10, 1);
	ng_shb(&w, 0);
	ng_idb(&w, DLT_EN10MB, 0, -1, 0, 0);
	ng_epb(&w, 1, 0, 10, 10, 2);
	read_wb(&w, &g);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(g.rc, -1);
	CU_ASSERT_STRING_EQUAL(g.err, "x: packet 2: a packet arrived on interface 1, but "
	    "there's no Interface Description Block for that interface");
	wb_free(&w);
}

/* if_tsresol 10^-9, 2^-20, 10^0 and 10^-3; if_tsoffset; an SPB gets the
 * offset only; a negative time is 0. */
static void
test_ng_timestamps(void)
{
	struct wb w = { 0 };
	struct got g;

	seeds_default();
	ng_shb(&w, 0);
	ng_idb(&w, DLT_EN10MB, 0, 9, 0, 0);
	ng_idb(&w, DLT_EN10MB, 0, 0x80 | 20, 0, 0);
	ng_idb(&w, DLT_EN10MB, 0, 0, 1, 1000);
	ng_idb(&w, DLT_EN10MB, 0, 3, 1, -5000);
	ng_idb(&w, DLT_EN10MB, 0, 0x80 | 63, 0, 0);
	ng_epb(&w, 0, 1767225600123456789ull, 10, 10, 1);
	ng_epb(&w, 1, (7ull << 20) | (1u << 19), 10, 10, 2);	/* 7.5 s */
	ng_epb(&w, 2, 42, 10, 10, 3);				/* 42 s + 1000 s */
	ng_epb(&w, 3, 4000, 10, 10, 4);				/* 4 s - 5000 s: 0 */
	ng_epb(&w, 3, 6000123, 10, 10, 5);			/* 6000.123 s - 5000 s */
	ng_epb(&w, 4, (3ull << 62) | 1, 10, 10, 6);	/* 1.5 s at 2^-63 */
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.n, 6);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL(g.p[0].ts_usec, 1767225600123456ull);
	CU_ASSERT_EQUAL(g.p[1].ts_usec, 7500000ull);
	CU_ASSERT_EQUAL(g.p[2].ts_usec, 1042000000ull);
	CU_ASSERT_EQUAL(g.p[3].ts_usec, 0);
	CU_ASSERT_EQUAL(g.p[4].ts_usec, 1000123000ull);
	CU_ASSERT_EQUAL(g.p[5].ts_usec, 1500000ull);
	wb_free(&w);

	/* a huge offset is clamped, never wraps */
	ng_shb(&w, 1);
	ng_idb(&w, DLT_EN10MB, 0, 0, 1, INT64_MAX);
	ng_epb(&w, 0, ~(uint64_t)0, 10, 10, 1);
	read_wb(&w, &g);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_EQUAL(g.p[0].ts_usec, PCAPFILE_SEC_MAX * 1000000u);
	wb_free(&w);
}

/* ---- pipes, standard input, buffer sizes, batches ------------------- */

struct feeder {
	int		 fd;
	const uint8_t	*b;
	size_t		 n, chunk;
};

static void *
feed_thread(void *arg)
{
	struct feeder *f = arg;

	for (size_t off = 0; off < f->n; ) {
		size_t k = f->n - off < f->chunk ? f->n - off : f->chunk;
		ssize_t r = write(f->fd, f->b + off, k);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(f->fd);
	return NULL;
}

/* A pcap and a pcapng file with records of many sizes. */
static void
build_mixed(struct wb *pc, struct wb *ng, int count)
{
	seeds_default();
	pcap_header(pc, 0, 0, 0, DLT_EN10MB);
	ng_shb(ng, 1);
	ng_idb(ng, DLT_EN10MB, 0, -1, 0, 0);
	for (int i = 0; i < count; i++) {
		uint32_t len = (uint32_t)((i * 37) % 300);

		pcap_record(pc, (uint32_t)i, (uint32_t)i, len, len + 1, (unsigned int)i + 1);
		if (i % 5 == 4)
			ng_other(ng, 0x0bad, (size_t)i * 3);
		ng_epb(ng, 0, (uint64_t)i * 1000000u + (uint64_t)i, len, len + 1,
		    (unsigned int)i + 1);
	}
}

static void
check_mixed(const struct got *g, int count, const char *what)
{
	int bad = 0;

	if (g->open_rc != 0 || g->rc != 0 || g->n != count)
		bad = 1;
	for (int i = 0; !bad && i < g->n; i++) {
		uint32_t len = (uint32_t)((i * 37) % 300);

		if (g->p[i].caplen != len || g->p[i].wirelen != len + 1 || !g->data_ok[i] ||
		    g->p[i].num != (uint64_t)i + 1 ||
		    g->p[i].ts_usec != (uint64_t)i * 1000000u + (uint64_t)i)
			bad = 1;
	}
	if (bad)
		fprintf(stderr, "\n  %s: open %d rc %d n %d err %s\n", what, g->open_rc, g->rc,
		    g->n, g->err);
	CU_ASSERT(!bad);
}

static void
test_pipe_and_stdin(void)
{
	struct wb pc = { 0 }, ng = { 0 };
	struct feeder f;
	struct got g;
	pthread_t t;
	int p[2], saved;

	signal(SIGPIPE, SIG_IGN);	/* a reader that stops early must not kill us */
	build_mixed(&pc, &ng, 40);
	for (int k = 0; k < 2; k++) {
		const struct wb *w = k ? &ng : &pc;

		/* a pipe written 7 bytes at a time */
		CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
		f.fd = p[1];
		f.b = w->b;
		f.n = w->n;
		f.chunk = 7;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, feed_thread, &f), 0);
		read_fd(p[0], 0, 5, &g);
		pthread_join(t, NULL);
		check_mixed(&g, 40, "pipe");

		/* "-": standard input, which stays open */
		CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
		saved = dup(STDIN_FILENO);
		CU_ASSERT_FATAL(saved >= 0);
		CU_ASSERT_EQUAL_FATAL(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
		close(p[0]);
		f.fd = p[1];
		f.chunk = 4096;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, feed_thread, &f), 0);
		{
			struct capture_pkt v[8];
			struct pcapfile *pf;
			char err[256];
			int n, total = 0;

			CU_ASSERT_EQUAL_FATAL(pcapfile_open(&pf, "-", err, sizeof(err)), 0);
			while ((n = pcapfile_next(pf, v, 8, err, sizeof(err))) > 0)
				total += n;
			CU_ASSERT_EQUAL(n, 0);
			CU_ASSERT_EQUAL(total, 40);
			pcapfile_close(pf);
		}
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(dup2(saved, STDIN_FILENO), STDIN_FILENO);
		close(saved);
		CU_ASSERT(fcntl(STDIN_FILENO, F_GETFD) != -1);
	}
	wb_free(&pc);
	wb_free(&ng);
}

/* Every initial buffer size from 1 byte up (records larger than the
 * buffer, records cut by every refill boundary) and every batch size. */
static void
test_buffers_batches(void)
{
	struct wb pc = { 0 }, ng = { 0 };
	struct got g;
	char what[64];

	build_mixed(&pc, &ng, 30);
	for (size_t bs = 1; bs <= 700; bs += bs < 64 ? 1 : 13) {
		for (int batch = 1; batch <= 7; batch += 3) {
			snprintf(what, sizeof(what), "pcap bufsize %zu batch %d", bs, batch);
			read_mem(pc.b, pc.n, bs, batch, &g);
			check_mixed(&g, 30, what);
			snprintf(what, sizeof(what), "pcapng bufsize %zu batch %d", bs, batch);
			read_mem(ng.b, ng.n, bs, batch, &g);
			check_mixed(&g, 30, what);
		}
	}
	wb_free(&pc);
	wb_free(&ng);

	/* the largest record, and a pcapng block of 1 MiB of options: both
	 * beyond a small initial buffer */
	seeds_default();
	pcap_header(&pc, 0, 0, 0, DLT_EN10MB);
	pcap_record(&pc, 1, 0, PCAPFILE_CAPLEN_MAX, PCAPFILE_CAPLEN_MAX, 1);
	pcap_record(&pc, 2, 0, 10, 10, 2);
	read_mem(pc.b, pc.n, 100, 4, &g);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	CU_ASSERT_EQUAL(g.p[0].caplen, PCAPFILE_CAPLEN_MAX);
	CU_ASSERT(g.data_ok[0] && g.data_ok[1]);
	wb_free(&pc);

	ng_shb(&ng, 0);
	ng_idb(&ng, DLT_EN10MB, 0, -1, 0, 0);
	ng_other(&ng, 0x0bad, 1u << 20);
	ng_epb(&ng, 0, 0, 100, 100, 1);
	read_mem(ng.b, ng.n, 64, 4, &g);
	CU_ASSERT_EQUAL(g.rc, 0);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT(g.data_ok[0]);
	wb_free(&ng);
}

/* ---- damage --------------------------------------------------------- */

static void
expect_open_error(const uint8_t *b, size_t n, const char *want)
{
	struct got g;

	read_mem(b, n, 0, 8, &g);
	CU_ASSERT_EQUAL(g.open_rc, -1);
	unit_assert_text("open error", g.err, want);
}

static void
expect_damage(const struct wb *w, int good, const char *want)
{
	struct got g;

	/* the same with every batch size: the packets before are delivered */
	for (int batch = 1; batch <= 9; batch += 4) {
		read_mem(w->b, w->n, 0, batch, &g);
		CU_ASSERT_EQUAL(g.open_rc, 0);
		CU_ASSERT_EQUAL(g.n, good);
		CU_ASSERT_EQUAL(g.rc, -1);
		unit_assert_text("damage", g.err, want);
	}
}

static void
test_damage_pcap(void)
{
	struct wb w = { 0 };
	size_t full;

	seeds_default();
	expect_open_error(NULL, 0, "x: truncated dump file; tried to read 4 file header "
	    "bytes, only got 0");
	expect_open_error((const uint8_t *)"this is not a capture file\n", 27,
	    "x: unknown file format");
	pcap_header(&w, 0, 0, 0, DLT_EN10MB);
	expect_open_error(w.b, 12, "x: truncated dump file; tried to read 24 file header "
	    "bytes, only got 12");
	w.b[4] = 3;
	expect_open_error(w.b, w.n, "x: unsupported pcap savefile version 3.4");
	w.b[4] = 2;
	pcap_record(&w, 1, 0, 54, 54, 1);
	pcap_record(&w, 2, 0, 54, 54, 2);
	full = w.n;
	pcap_record(&w, 3, 0, 54, 54, 3);
	w.n = full + 8;
	expect_damage(&w, 2, "x: packet 3: truncated dump file; tried to read 16 header "
	    "bytes, only got 8");
	w.n = full + 16 + 10;
	expect_damage(&w, 2, "x: packet 3: truncated dump file; tried to read 54 captured "
	    "bytes, only got 10");
	w.n = full;
	wb_u32(&w, 3);
	wb_u32(&w, 0);
	wb_u32(&w, PCAPFILE_CAPLEN_MAX + 1);
	wb_u32(&w, PCAPFILE_CAPLEN_MAX + 1);
	wb_u32(&w, 0);
	expect_damage(&w, 2, "x: packet 3: invalid packet capture length 262145, bigger "
	    "than maximum of 262144");
	wb_free(&w);
}

static void
test_damage_pcapng(void)
{
	struct wb w = { 0 };
	size_t at, good;

	seeds_default();
	/* before the first interface: the file is unusable */
	ng_shb(&w, 0);
	expect_open_error(w.b, w.n, "x: the capture file has no Interface Description Blocks");
	expect_open_error(w.b, 10, "x: truncated dump file; tried to read 12 section header "
	    "bytes, only got 10");
	expect_open_error(w.b, 20, "x: truncated pcapng dump file; tried to read 28 bytes, "
	    "only got 20");
	w.b[8] = 0;
	expect_open_error(w.b, w.n, "x: unknown file format");
	w.b[8] = 0x4d;
	w.b[12] = 2;
	expect_open_error(w.b, w.n, "x: unsupported pcapng savefile version 2.0");
	w.b[12] = 1;
	ng_epb(&w, 0, 0, 10, 10, 1);
	expect_open_error(w.b, w.n, "x: the capture file has a packet block before any "
	    "Interface Description Blocks");
	wb_free(&w);

	ng_shb(&w, 0);
	ng_idb(&w, DLT_EN10MB, 0, -1, 0, 0);
	ng_epb(&w, 0, 0, 10, 10, 1);
	good = w.n;

	/* a packet on an interface never described */
	ng_epb(&w, 7, 0, 10, 10, 2);
	expect_damage(&w, 1, "x: packet 2: a packet arrived on interface 7, but there's no "
	    "Interface Description Block for that interface");

	/* block lengths: below 12, not a multiple of 4, above the maximum */
	w.n = good;
	wb_u32(&w, 6);
	wb_u32(&w, 8);
	wb_u32(&w, 8);
	expect_damage(&w, 1, "x: packet 2: block in pcapng dump file has a length of 8 < 12");
	w.b[good + 4] = 14;
	expect_damage(&w, 1, "x: packet 2: block in pcapng dump file has a length of 14, not "
	    "a multiple of 4");
	w.b[good + 4] = 0; w.b[good + 7] = 0x10;	/* 0x10000000 */
	expect_damage(&w, 1, "x: packet 2: pcapng block size 268435456 > maximum 16777216");

	/* the trailing length differs */
	w.n = good;
	ng_epb(&w, 0, 0, 10, 10, 2);
	w.b[w.n - 4] ^= 4;
	expect_damage(&w, 1, "x: packet 2: block in pcapng dump file has a trailing length 60 "
	    "different from its length 56");

	/* cut in the middle of a block, and after a whole block's header */
	w.b[w.n - 4] ^= 4;
	w.n -= 5;
	expect_damage(&w, 1, "x: packet 2: truncated pcapng dump file; tried to read 56 bytes, "
	    "only got 51");
	w.n = good + 5;
	expect_damage(&w, 1, "x: packet 2: truncated pcapng dump file; tried to read 8 bytes, "
	    "only got 5");

	/* captured length: above the maximum, above what the block holds */
	w.n = good;
	at = ng_begin(&w, 6);
	wb_u32(&w, 0); wb_u32(&w, 0); wb_u32(&w, 0);
	wb_u32(&w, PCAPFILE_CAPLEN_MAX + 1);
	wb_u32(&w, 10);
	ng_end(&w, at, 1);
	expect_damage(&w, 1, "x: packet 2: invalid packet capture length 262145, bigger than "
	    "maximum of 262144");
	w.n = good;
	at = ng_begin(&w, 6);
	wb_u32(&w, 0); wb_u32(&w, 0); wb_u32(&w, 0);
	wb_u32(&w, 100);
	wb_u32(&w, 100);
	wb_u32(&w, 0);
	ng_end(&w, at, 1);
	expect_damage(&w, 1, "x: packet 2: block of type 6 in pcapng dump file is too short "
	    "for its 100 captured bytes");
	w.n = good;
	at = ng_begin(&w, 6);
	wb_u32(&w, 0);
	ng_end(&w, at, 1);
	expect_damage(&w, 1, "x: packet 2: block of type 6 in pcapng dump file is too short");

	/* a bad byte-order magic in a later section; a bad if_tsresol */
	w.n = good;
	ng_shb(&w, 0);
	w.b[good + 8] = 0x11;
	expect_damage(&w, 1, "x: packet 2: the file has a section with a bad byte order "
	    "magic field");
	w.n = good;
	ng_idb(&w, DLT_EN10MB, 0, 20, 0, 0);
	expect_damage(&w, 1, "x: packet 2: Interface Description Block if_tsresol option "
	    "resolution 10^-20 is too high");
	wb_free(&w);
}

/* ---- truncation sweep ----------------------------------------------- */

/* Every prefix of w: open fails before `hdr_end`; after it, the packets
 * wholly inside the prefix are read, then a clean end exactly at a record
 * boundary, else damage naming the next packet. */
static void
sweep(const struct wb *w, size_t hdr_end, const size_t *ends, const int *pkt, int nrec,
    const char *what)
{
	struct got g;
	char want[64];
	int bad = 0;

	for (size_t cut = 0; cut <= w->n && !bad; cut++) {
		int whole = 0, boundary = cut == hdr_end;

		read_mem(w->b, cut, cut % 3 == 0 ? 0 : 1 + cut % 97, 1 + (int)(cut % 4), &g);
		if (cut < hdr_end) {
			if (g.open_rc != -1 || strncmp(g.err, "x: ", 3) != 0)
				bad = 1;
			continue;
		}
		for (int i = 0; i < nrec; i++) {
			if (ends[i] <= cut)
				whole += pkt[i];
			if (ends[i] == cut)
				boundary = 1;
		}
		snprintf(want, sizeof(want), "x: packet %d: ", whole + 1);
		if (g.open_rc != 0 || g.n != whole || g.rc != (boundary ? 0 : -1) ||
		    (!boundary && strncmp(g.err, want, strlen(want)) != 0))
			bad = 1;
		for (int i = 0; i < g.n; i++)
			if (!g.data_ok[i])
				bad = 1;
		if (bad)
			fprintf(stderr, "\n  %s cut at %zu: open %d n %d (want %d) rc %d err %s\n",
			    what, cut, g.open_rc, g.n, whole, g.rc, g.err);
	}
	CU_ASSERT(!bad);
}

static void
test_truncation_sweep(void)
{
	struct wb w = { 0 };
	size_t ends[16];
	int pkt[16], n = 0;

	seeds_default();
	pcap_header(&w, 1, 1, 0, DLT_EN10MB);
	for (int i = 0; i < 5; i++) {
		pcap_record(&w, 100, 5, (uint32_t)(10 * i), 60, (unsigned int)i + 1);
		ends[n] = w.n;
		pkt[n++] = 1;
	}
	sweep(&w, 24, ends, pkt, n, "pcap");
	wb_free(&w);

	ng_shb(&w, 0);
	ng_idb(&w, DLT_EN10MB, 0, 9, 1, 3);
	ng_idb(&w, 101, 64, -1, 0, 0);
	ng_epb(&w, 0, 5, 17, 17, 1);
	ng_other(&w, 0xbad, 7);
	ng_epb(&w, 1, 5, 70, 70, 2);
	ng_spb(&w, 9, 12, 3);
	ng_shb(&w, 1);
	ng_idb(&w, DLT_RAW, 0, -1, 0, 0);
	ng_pb(&w, 0, 5, 3, 3, 4);
	ng_epb(&w, 0, 5, 0, 0, 5);
	/* the blocks after the first IDB: the first two blocks open the file */
	sweep(&w, w.first_idb_end, w.ends + 2, w.pkt + 2, w.nblocks - 2, "pcapng");
	wb_free(&w);
}

void
test_pcapfile_register(void)
{
	CU_pSuite s = CU_add_suite("pcapfile", NULL, NULL);

	CU_add_test(s, "pcap little-endian, microseconds", test_pcap_le_usec);
	CU_add_test(s, "pcap big-endian, microseconds", test_pcap_be_usec);
	CU_add_test(s, "pcap little-endian, nanoseconds", test_pcap_le_nsec);
	CU_add_test(s, "pcap big-endian, nanoseconds", test_pcap_be_nsec);
	CU_add_test(s, "pcap link type, snaplen, lengths, version 2.2", test_pcap_fields);
	CU_add_test(s, "pcapng little-endian, unknown blocks", test_ng_le);
	CU_add_test(s, "pcapng big-endian, unknown blocks", test_ng_be);
	CU_add_test(s, "pcapng interfaces and sections", test_ng_interfaces_sections);
	CU_add_test(s, "pcapng if_tsresol and if_tsoffset", test_ng_timestamps);
	CU_add_test(s, "pipe and standard input", test_pipe_and_stdin);
	CU_add_test(s, "every buffer and batch size", test_buffers_batches);
	CU_add_test(s, "damaged pcap", test_damage_pcap);
	CU_add_test(s, "damaged pcapng", test_damage_pcapng);
	CU_add_test(s, "truncation sweep", test_truncation_sweep);
}
