/*
 * pcapfile.c - conformd's reader of pcap and pcapng capture files.
 *
 * Formats: classic pcap, draft-ietf-opsawg-pcap ("PCAP Capture File
 * Format"): a 24-byte file header, then records of a 16-byte header
 * (seconds, microseconds or nanoseconds, captured length, original length)
 * and the captured bytes.  pcapng, draft-ietf-opsawg-pcapng ("PCAP Next
 * Generation Dump File Format"): blocks of type, total length, body and
 * the total length again, in sections that each start with a Section
 * Header Block (SHB) giving the section's byte order; Interface
 * Description Blocks (IDB) number the section's interfaces; packets come
 * in Enhanced Packet Blocks (EPB), Simple Packet Blocks (SPB) and the
 * obsolete Packet Block (PB).  Every other block is skipped by its length.
 *
 * The file is read(2) into one buffer; a record is handed out only when it
 * lies wholly in the buffer, by pointer.  When the next record is not
 * whole, a batch that already holds packets ends (their pointers must stay
 * valid); an empty batch moves the unconsumed tail to the front and reads
 * more.  Every field is read through cursor.h; nothing is cast onto the
 * buffer.  Messages follow libpcap's where one exists, so that they stay
 * familiar.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/dlt.h>

#include "conformd/cursor.h"
#include "conformd/pcapfile.h"

/* Classic pcap magics, read as a little-endian 32-bit value. */
#define PCAP_MAGIC_USEC		0xa1b2c3d4u
#define PCAP_MAGIC_USEC_SWAP	0xd4c3b2a1u
#define PCAP_MAGIC_NSEC		0xa1b23c4du
#define PCAP_MAGIC_NSEC_SWAP	0x4d3cb2a1u
#define PCAP_FILE_HDR		24
#define PCAP_REC_HDR		16

/* pcapng block types and constants (draft-ietf-opsawg-pcapng, section 4). */
#define NG_SHB			0x0a0d0d0au	/* the same in either byte order */
#define NG_IDB			0x00000001u
#define NG_PB			0x00000002u	/* obsolete Packet Block */
#define NG_SPB			0x00000003u
#define NG_EPB			0x00000006u
#define NG_BOM			0x1a2b3c4du	/* SHB byte-order magic */
#define NG_BLOCK_MIN		12		/* type, total length, total length */
#define NG_OPT_ENDOFOPT		0
#define NG_OPT_IF_TSRESOL	9
#define NG_OPT_IF_TSOFFSET	14
#define NG_IFACES_MAX		(1u << 20)	/* per section; each IDB is >= 20 bytes anyway */

/* LINKTYPE_ values in files equal the DLT_ values for every link type
 * conformd decodes, except raw IP (LINKTYPE_RAW 101, DLT_RAW 12 or 14). */
#define LINKTYPE_RAW		101

#define FMT_PCAP		1
#define FMT_PCAPNG		2

#define ST_READING		0
#define ST_END			1
#define ST_DAMAGED		-1

#define USEC_PER_SEC		1000000u

struct pf_iface {
	int		 linktype;	/* DLT_ */
	uint32_t	 snaplen;	/* adjusted: 0 or too large -> PCAPFILE_CAPLEN_MAX */
	uint64_t	 units;		/* timestamp units per second (if_tsresol) */
	int64_t		 offset;	/* seconds added to every timestamp (if_tsoffset) */
	int		 plain;		/* microseconds, no offset: the timestamp is ts_usec */
};

struct pcapfile {
	int		 fd;
	char		*name;
	uint8_t		*buf;
	size_t		 cap;		/* allocated */
	size_t		 pos;		/* first unconsumed byte */
	size_t		 end;		/* one past the last byte read */
	int		 eof;		/* read() returned 0 (or an interrupt was asked) */
	const volatile sig_atomic_t *intr;	/* pcapfile_set_interrupt(); NULL: none */
	int		 state;		/* ST_* */
	int		 format;	/* FMT_* */
	int		 big;		/* file (pcap) or section (pcapng) is big-endian */
	int		 linktype;	/* pcap: the file's; pcapng: the first interface's */
	uint64_t	 num;		/* packets returned */
	/* classic pcap */
	int		 nsec;		/* fractions are nanoseconds */
	int		 swaplen;	/* 1: caplen and len swapped (< 2.3); 2: maybe (2.3) */
	uint32_t	 snaplen;	/* adjusted */
	/* pcapng: the current section's interfaces */
	struct pf_iface	*ifs;
	uint32_t	 nifs, ifcap;
	char		 why[256];	/* the reason of the damage */
};

/* ---- bytes ----------------------------------------------------------- */

/* Fields in the file's (pcap) or the section's (pcapng) byte order. */
static inline __attribute__((always_inline)) int
cursor_ord16(struct cursor *c, int big, uint16_t *v)
{
	return big ? cursor_be16(c, v) : cursor_le16(c, v);
}

static inline __attribute__((always_inline)) int
cursor_ord32(struct cursor *c, int big, uint32_t *v)
{
	return big ? cursor_be32(c, v) : cursor_le32(c, v);
}

/* A 64-bit value stored as one integer in the section's byte order (an
 * option value, not the EPB's high/low timestamp words). */
static inline int
cursor_ord64(struct cursor *c, int big, uint64_t *v)
{
	uint32_t a, b;

	if (8 > cursor_left(c))
		return -1;
	(void)cursor_ord32(c, big, &a);
	(void)cursor_ord32(c, big, &b);
	*v = big ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
	return 0;
}

static int
damage(struct pcapfile *pf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record why the file cannot be read further: -1. */
static int
damage(struct pcapfile *pf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pf->why, sizeof(pf->why), fmt, ap);
	va_end(ap);
	pf->state = ST_DAMAGED;
	return -1;
}

/*
 * Make at least `need` (<= PCAPFILE_BLOCK_MAX + PCAP_REC_HDR) unconsumed
 * bytes available at buf + pos, moving the tail to the front and reading.
 * Only while no packet of the current batch points into the buffer.
 * 0: they are there; 1: the file ended first (what there is stays);
 * -1: a read error or no memory (damage recorded).
 */
static int
fill(struct pcapfile *pf, size_t need)
{
	size_t have = pf->end - pf->pos;
	ssize_t r;

	if (have >= need)
		return 0;
	if (pf->eof)
		return 1;
	if (pf->pos > 0) {
		memmove(pf->buf, pf->buf + pf->pos, have);
		pf->pos = 0;
		pf->end = have;
	}
	if (need > pf->cap) {
		/* one record larger than the buffer: grow, at least double */
		size_t ncap = pf->cap * 2;
		uint8_t *nb;

		if (ncap > PCAPFILE_BLOCK_MAX + PCAP_REC_HDR)
			ncap = PCAPFILE_BLOCK_MAX + PCAP_REC_HDR;
		if (ncap < need)
			ncap = need;
		if ((nb = realloc(pf->buf, ncap)) == NULL)
			return damage(pf, "out of memory for a %zu-byte record", need);
		pf->buf = nb;
		pf->cap = ncap;
	}
	while (pf->end < need) {
		r = read(pf->fd, pf->buf + pf->end, pf->cap - pf->end);
		if (r < 0) {
			if (errno == EINTR) {
				/* a pipe or a terminal may never send more:
				 * an interrupt the caller asked for ends here */
				if (pf->intr != NULL && *pf->intr) {
					pf->eof = 1;
					return 1;
				}
				continue;
			}
			return damage(pf, "error reading dump file: %s", strerror(errno));
		}
		if (r == 0) {
			pf->eof = 1;
			return 1;
		}
		pf->end += (size_t)r;
	}
	return 0;
}

/* ---- timestamps ------------------------------------------------------ */

/* sec + offset seconds and usec (< 10^6) as microseconds since the epoch:
 * before the epoch is 0, seconds above PCAPFILE_SEC_MAX are that. */
static inline uint64_t
ts_make(uint64_t sec, int64_t offset, uint32_t usec)
{
	if (offset < 0) {
		uint64_t m = (uint64_t)(-(offset + 1)) + 1;	/* |offset|, INT64_MIN too */

		if (sec < m)
			return 0;
		sec -= m;
	} else if (sec > PCAPFILE_SEC_MAX || (uint64_t)offset > PCAPFILE_SEC_MAX - sec) {
		sec = PCAPFILE_SEC_MAX;
	} else {
		sec += (uint64_t)offset;
	}
	if (sec > PCAPFILE_SEC_MAX)
		sec = PCAPFILE_SEC_MAX;
	return sec * USEC_PER_SEC + usec;
}

/* t units since the epoch (pcapng: if_tsresol, if_tsoffset) in
 * microseconds.  The common resolutions take constant divisions. */
static inline uint64_t
ng_ts(const struct pf_iface *ifc, uint64_t t)
{
	uint64_t sec, frac;

	if (ifc->units == 1000000u)
		return ts_make(t / 1000000u, ifc->offset, (uint32_t)(t % 1000000u));
	if (ifc->units == 1000000000u)
		return ts_make(t / 1000000000u, ifc->offset, (uint32_t)(t % 1000000000u / 1000u));
	sec = t / ifc->units;
	frac = t % ifc->units;
	/* frac < units <= 10^19: frac * 10^6 needs more than 64 bits */
#ifdef __SIZEOF_INT128__
	frac = (uint64_t)((unsigned __int128)frac * USEC_PER_SEC / ifc->units);
#else
	frac = (uint64_t)((long double)frac * USEC_PER_SEC / (long double)ifc->units);
	if (frac >= USEC_PER_SEC)
		frac = USEC_PER_SEC - 1;
#endif
	return ts_make(sec, ifc->offset, (uint32_t)frac);
}

/* A snapshot length of 0 (unknown) or above the largest means the largest
 * (libpcap's pcap_adjust_snapshot()). */
static uint32_t
snaplen_adjust(uint32_t s)
{
	return s == 0 || s > PCAPFILE_CAPLEN_MAX ? PCAPFILE_CAPLEN_MAX : s;
}

static int
linktype_to_dlt(uint32_t lt)
{
	return lt == LINKTYPE_RAW ? DLT_RAW : (int)lt;
}

/* ---- classic pcap ---------------------------------------------------- */

/* Four consecutive 32-bit fields (a record or block header) with one
 * bounds check: the reads go through a cursor of exactly 16 bytes, whose
 * own checks the compiler folds away. */
static inline __attribute__((always_inline)) int
cursor_ord32x4(struct cursor *c, int big, uint32_t v[4])
{
	struct cursor h;

	if (16 > cursor_left(c))
		return -1;
	cursor_init(&h, c->p, 16);
	(void)cursor_ord32(&h, big, &v[0]);
	(void)cursor_ord32(&h, big, &v[1]);
	(void)cursor_ord32(&h, big, &v[2]);
	(void)cursor_ord32(&h, big, &v[3]);
	c->p += 16;
	return 0;
}

/* The fields of the file header a record needs, kept in locals by the
 * fast loop. */
struct pcap_hdr {
	uint32_t	snaplen;
	int		linktype;
	int		nsec;
};

/* A classic pcap record into *p: rec[] = ts_sec (unsigned seconds),
 * ts_frac (micro- or nanoseconds), incl_len, orig_len; data: incl_len
 * bytes (checked by the caller). */
static inline __attribute__((always_inline)) void
pcap_emit(struct pcap_hdr fh, struct capture_pkt *p, const uint32_t rec[4],
    const uint8_t *data, uint64_t num)
{
	uint32_t frac = rec[1], caplen;

	/* a record longer than the file's snapshot length is cut to it, as
	 * libpcap does (a damaged header, or an old Solaris bug) */
	caplen = rec[2] < fh.snaplen ? rec[2] : fh.snaplen;
	if (fh.nsec)
		frac /= 1000u;
	if (frac >= USEC_PER_SEC)
		frac %= USEC_PER_SEC;	/* invalid: keep the sub-second part */
	p->data = data;
	p->ts_usec = (uint64_t)rec[0] * USEC_PER_SEC + frac;
	p->num = num;
	p->caplen = caplen;
	p->wirelen = rec[3] > caplen ? rec[3] : caplen;
	p->linktype = fh.linktype;
	p->source = 0;
}

static inline struct pcap_hdr
pcap_hdr_of(const struct pcapfile *pf)
{
	struct pcap_hdr fh = { pf->snaplen, pf->linktype, pf->nsec };

	return fh;
}

/*
 * One record the slow way, with everything the fast loop leaves out:
 * refilling (only when `refill`: no packet of the batch points into the
 * buffer), the pre-2.3 length order, damage.  1: a packet in *p; 0: the
 * batch ends here (the record is not whole and refill is 0, or pf->state
 * says end or damage).
 */
static int
pcap_slow(struct pcapfile *pf, struct capture_pkt *p, int refill, int big)
{
	for (;;) {
		struct cursor c;
		uint32_t rec[4];
		size_t have = pf->end - pf->pos;
		int r;

		cursor_init(&c, pf->buf + pf->pos, have);
		if (cursor_ord32x4(&c, big, rec) != 0) {
			if (!refill)
				return 0;
			if ((r = fill(pf, PCAP_REC_HDR)) < 0)
				return 0;
			if (r > 0) {
				have = pf->end - pf->pos;
				if (have == 0)
					pf->state = ST_END;
				else
					damage(pf, "truncated dump file; tried to read %d header "
					    "bytes, only got %zu", PCAP_REC_HDR, have);
				return 0;
			}
			continue;
		}
		if (pf->swaplen != 0 && (pf->swaplen == 1 || rec[2] > rec[3])) {
			/* before 2.3 the two lengths were the other way round;
			 * 2.3 files exist both ways (libpcap's heuristic) */
			uint32_t t = rec[2];

			rec[2] = rec[3];
			rec[3] = t;
		}
		if (rec[2] > PCAPFILE_CAPLEN_MAX) {
			damage(pf, "invalid packet capture length %u, bigger than maximum of %u",
			    rec[2], PCAPFILE_CAPLEN_MAX);
			return 0;
		}
		if (rec[2] > cursor_left(&c)) {
			if (!refill)
				return 0;
			if ((r = fill(pf, PCAP_REC_HDR + (size_t)rec[2])) < 0)
				return 0;
			if (r > 0) {
				damage(pf, "truncated dump file; tried to read %u captured bytes, "
				    "only got %zu", rec[2], pf->end - pf->pos - PCAP_REC_HDR);
				return 0;
			}
			continue;
		}
		pcap_emit(pcap_hdr_of(pf), p, rec, c.p, ++pf->num);
		pf->pos += PCAP_REC_HDR + (size_t)rec[2];
		return 1;
	}
}

/*
 * Records of a classic pcap file into v[0..max).  The fast loop takes
 * whole records of the usual shape with the buffer state in locals (the
 * stores into v[] could alias the handle); anything else goes through
 * pcap_slow().  `big` is a constant at each call, so the byte order costs
 * nothing per field.  Returns the count; 0 with pf->state set at the end
 * or on damage.
 */
static inline __attribute__((always_inline)) int
pcap_batch(struct pcapfile *pf, struct capture_pkt *v, int max, int big)
{
	int n = 0;

	while (n < max) {
		const uint8_t *buf = pf->buf;
		size_t pos = pf->pos, end = pf->end;
		uint64_t num = pf->num;
		const struct pcap_hdr fh = pcap_hdr_of(pf);
		int plain = pf->swaplen == 0;

		for (; plain && n < max; n++) {
			struct cursor c;
			uint32_t rec[4];

			cursor_init(&c, buf + pos, end - pos);
			if (cursor_ord32x4(&c, big, rec) != 0 || rec[2] > PCAPFILE_CAPLEN_MAX ||
			    rec[2] > cursor_left(&c))
				break;
			pcap_emit(fh, &v[n], rec, c.p, ++num);
			pos += PCAP_REC_HDR + (size_t)rec[2];
		}
		pf->pos = pos;
		pf->num = num;
		if (n >= max || !pcap_slow(pf, &v[n], n == 0, big))
			break;
		n++;
	}
	return n;
}

static int
pcap_open_header(struct pcapfile *pf, uint32_t magic, char *why, size_t whylen)
{
	struct cursor c;
	uint16_t major, minor;
	uint32_t skip, snaplen, lt;
	int r;

	pf->format = FMT_PCAP;
	pf->big = magic == PCAP_MAGIC_USEC_SWAP || magic == PCAP_MAGIC_NSEC_SWAP;
	pf->nsec = magic == PCAP_MAGIC_NSEC || magic == PCAP_MAGIC_NSEC_SWAP;
	if ((r = fill(pf, PCAP_FILE_HDR)) != 0) {
		if (r > 0)
			snprintf(why, whylen, "truncated dump file; tried to read %d file "
			    "header bytes, only got %zu", PCAP_FILE_HDR, pf->end - pf->pos);
		else
			snprintf(why, whylen, "%s", pf->why);
		return -1;
	}
	/* magic, version major and minor, thiszone, sigfigs (both unused),
	 * snaplen, link type */
	cursor_init(&c, pf->buf + pf->pos, PCAP_FILE_HDR);
	(void)cursor_skip(&c, 4);
	(void)cursor_ord16(&c, pf->big, &major);
	(void)cursor_ord16(&c, pf->big, &minor);
	(void)cursor_ord32(&c, pf->big, &skip);
	(void)cursor_ord32(&c, pf->big, &skip);
	(void)cursor_ord32(&c, pf->big, &snaplen);
	(void)cursor_ord32(&c, pf->big, &lt);
	if (major == 2 && minor < 3)
		pf->swaplen = 1;
	else if (major == 2 && minor == 3)
		pf->swaplen = 2;
	else if (major == 543)
		pf->swaplen = 1;	/* DG/UX tcpdump: 543.0, pre-2.3 order */
	else if (major != 2) {
		snprintf(why, whylen, "unsupported pcap savefile version %u.%u", major, minor);
		return -1;
	}
	/* The link type is the low 16 bits; bits 26-31 say whether frames
	 * end in an FCS (the decoders ignore trailing bytes anyway). */
	pf->linktype = linktype_to_dlt(lt & 0xffffu);
	pf->snaplen = snaplen_adjust(snaplen);
	pf->pos += PCAP_FILE_HDR;
	return 0;
}

/* ---- pcapng ---------------------------------------------------------- */

/*
 * The next block, whole in the buffer: 1 with its type and its body
 * (between the two lengths) and pf->pos past it; 0 when the file ended
 * cleanly or on damage (pf->state says which); 2 when the block is not
 * whole and refill is 0 (the batch must end first).  An SHB sets the
 * byte order of its section before its length is read.
 */
static int
ng_block(struct pcapfile *pf, int refill, uint32_t *type, struct cursor *body)
{
	struct cursor c;
	uint32_t len = 0, trail = 0, bom = 0;
	size_t have, need = 8;
	int r;

	for (;;) {
		have = pf->end - pf->pos;
		if (have >= need) {
			cursor_init(&c, pf->buf + pf->pos, have);
			(void)cursor_ord32(&c, pf->big, type);
			if (*type == NG_SHB && need < 12) {
				need = 12;	/* the byte-order magic follows the length */
				continue;
			}
			if (*type == NG_SHB) {
				struct cursor m = c;

				(void)cursor_skip(&m, 4);
				(void)cursor_le32(&m, &bom);
				if (bom == NG_BOM)
					pf->big = 0;
				else if (bom == 0x4d3c2b1au)
					pf->big = 1;
				else {
					damage(pf, "the file has a section with a bad byte order magic field");
					return 0;
				}
			}
			(void)cursor_ord32(&c, pf->big, &len);
			if (len < NG_BLOCK_MIN) {
				damage(pf, "block in pcapng dump file has a length of %u < %d",
				    len, NG_BLOCK_MIN);
				return 0;
			}
			if (len % 4 != 0) {
				damage(pf, "block in pcapng dump file has a length of %u, not a "
				    "multiple of 4", len);
				return 0;
			}
			if (len > PCAPFILE_BLOCK_MAX) {
				damage(pf, "pcapng block size %u > maximum %u", len, PCAPFILE_BLOCK_MAX);
				return 0;
			}
			if (have >= len)
				break;
			need = len;
		} else if (have == 0 && pf->eof) {
			pf->state = ST_END;
			return 0;
		}
		if (!refill)
			return 2;
		if ((r = fill(pf, need)) < 0)
			return 0;
		if (r > 0) {
			have = pf->end - pf->pos;
			if (have == 0) {
				pf->state = ST_END;
				return 0;
			}
			damage(pf, "truncated pcapng dump file; tried to read %zu bytes, only got %zu",
			    need, have);
			return 0;
		}
	}
	/* c is past type and length: the body is len - 12 bytes, then the
	 * trailing copy of the length */
	*body = c;
	cursor_limit(body, len - NG_BLOCK_MIN);
	(void)cursor_skip(&c, len - NG_BLOCK_MIN);
	(void)cursor_ord32(&c, pf->big, &trail);
	if (trail != len) {
		damage(pf, "block in pcapng dump file has a trailing length %u different from "
		    "its length %u", trail, len);
		return 0;
	}
	pf->pos += len;
	return 1;
}

/* A new section: its byte order is set (ng_block()), its interfaces are
 * numbered from 0 again.  Body: byte-order magic, major, minor, section
 * length, options. */
static int
ng_shb(struct pcapfile *pf, struct cursor *b)
{
	uint16_t major, minor;

	if (cursor_skip(b, 4) != 0 || cursor_ord16(b, pf->big, &major) != 0 ||
	    cursor_ord16(b, pf->big, &minor) != 0 || cursor_skip(b, 8) != 0)
		return damage(pf, "block of type %u in pcapng dump file is too short", NG_SHB);
	if (major != 1)
		return damage(pf, "unsupported pcapng savefile version %u.%u", major, minor);
	pf->nifs = 0;
	return 0;
}

/* An interface of the current section.  Body: link type (16 bits),
 * reserved, snaplen, then options (code, length, value padded to 32 bits)
 * until opt_endofopt or the end of the body.  if_tsresol: bit 7 clear,
 * 10^-v seconds; set, 2^-(v & 0x7f).  if_tsoffset: signed seconds. */
static int
ng_idb(struct pcapfile *pf, struct cursor *b)
{
	struct pf_iface ifc;
	uint16_t lt, rsv, code = 0, olen = 0;
	uint32_t snaplen;
	uint8_t res;
	uint64_t off;
	size_t padded;

	if (cursor_ord16(b, pf->big, &lt) != 0 || cursor_ord16(b, pf->big, &rsv) != 0 ||
	    cursor_ord32(b, pf->big, &snaplen) != 0)
		return damage(pf, "block of type %u in pcapng dump file is too short", NG_IDB);
	ifc.linktype = linktype_to_dlt(lt);
	ifc.snaplen = snaplen_adjust(snaplen);
	ifc.units = USEC_PER_SEC;
	ifc.offset = 0;
	/* each option takes at least 4 bytes: bounded by the body */
	while (cursor_left(b) >= 4) {
		struct cursor v;

		(void)cursor_ord16(b, pf->big, &code);
		(void)cursor_ord16(b, pf->big, &olen);
		if (code == NG_OPT_ENDOFOPT)
			break;
		if (olen > cursor_left(b))
			return damage(pf, "Interface Description Block option %u of length %u "
			    "runs past the block", code, olen);
		cursor_init(&v, b->p, olen);
		/* the value is padded to 32 bits; the last padding may be missing */
		padded = ((size_t)olen + 3) & ~(size_t)3;
		(void)cursor_skip(b, padded < cursor_left(b) ? padded : cursor_left(b));
		if (code == NG_OPT_IF_TSRESOL) {
			if (olen != 1)
				return damage(pf, "Interface Description Block has if_tsresol "
				    "option with length %u != 1", olen);
			(void)cursor_u8(&v, &res);
			if (res & 0x80) {
				if ((res & 0x7f) > 63)
					return damage(pf, "Interface Description Block if_tsresol "
					    "option resolution 2^-%u is too high", res & 0x7f);
				ifc.units = (uint64_t)1 << (res & 0x7f);
			} else {
				if (res > 19)
					return damage(pf, "Interface Description Block if_tsresol "
					    "option resolution 10^-%u is too high", res);
				ifc.units = 1;
				for (int i = 0; i < res; i++)
					ifc.units *= 10;
			}
		} else if (code == NG_OPT_IF_TSOFFSET) {
			if (olen != 8)
				return damage(pf, "Interface Description Block has if_tsoffset "
				    "option with length %u != 8", olen);
			(void)cursor_ord64(&v, pf->big, &off);
			ifc.offset = (int64_t)off;
		}
	}
	ifc.plain = ifc.units == USEC_PER_SEC && ifc.offset == 0;
	if (pf->nifs == pf->ifcap) {
		struct pf_iface *n;
		uint32_t ncap = pf->ifcap ? pf->ifcap * 2 : 4;

		if (pf->ifcap >= NG_IFACES_MAX)
			return damage(pf, "more than %u interfaces in one section", NG_IFACES_MAX);
		if ((n = realloc(pf->ifs, ncap * sizeof(*n))) == NULL)
			return damage(pf, "out of memory for %u interfaces", ncap);
		pf->ifs = n;
		pf->ifcap = ncap;
	}
	pf->ifs[pf->nifs++] = ifc;
	return 0;
}

/*
 * A packet block into *p.  EPB body: interface (32 bits), timestamp high
 * and low words, captured length, original length, data padded to 32
 * bits, options.  PB (obsolete): interface (16 bits), drops count (16),
 * then as EPB.  SPB: original length, data; interface 0, no timestamp,
 * the captured length is what the block holds, at most the original
 * length and the interface's snapshot length.
 */
static int
ng_packet(struct pcapfile *pf, struct capture_pkt *p, uint32_t type, struct cursor *b)
{
	const struct pf_iface *ifc;
	uint32_t id = 0, hi = 0, lo = 0, incl, orig, caplen;
	uint16_t id16, drops;

	if (type == NG_SPB) {
		if (cursor_ord32(b, pf->big, &orig) != 0)
			return damage(pf, "block of type %u in pcapng dump file is too short", type);
		incl = orig;
		if (incl > cursor_left(b))
			incl = (uint32_t)cursor_left(b);
	} else {
		if (type == NG_EPB) {
			if (cursor_ord32(b, pf->big, &id) != 0)
				return damage(pf, "block of type %u in pcapng dump file is too short", type);
		} else {
			if (cursor_ord16(b, pf->big, &id16) != 0 ||
			    cursor_ord16(b, pf->big, &drops) != 0)
				return damage(pf, "block of type %u in pcapng dump file is too short", type);
			id = id16;
		}
		if (cursor_ord32(b, pf->big, &hi) != 0 || cursor_ord32(b, pf->big, &lo) != 0 ||
		    cursor_ord32(b, pf->big, &incl) != 0 || cursor_ord32(b, pf->big, &orig) != 0)
			return damage(pf, "block of type %u in pcapng dump file is too short", type);
	}
	if (id >= pf->nifs)
		return damage(pf, "a packet arrived on interface %u, but there's no Interface "
		    "Description Block for that interface", id);
	ifc = &pf->ifs[id];
	if (incl > PCAPFILE_CAPLEN_MAX)
		return damage(pf, "invalid packet capture length %u, bigger than maximum of %u",
		    incl, PCAPFILE_CAPLEN_MAX);
	if (incl > cursor_left(b))
		return damage(pf, "block of type %u in pcapng dump file is too short for its "
		    "%u captured bytes", type, incl);
	caplen = incl < ifc->snaplen ? incl : ifc->snaplen;
	p->data = b->p;
	p->ts_usec = ng_ts(ifc, (uint64_t)hi << 32 | lo);
	p->num = ++pf->num;
	p->caplen = caplen;
	p->wirelen = orig > caplen ? orig : caplen;
	p->linktype = ifc->linktype;
	p->source = 0;
	return 0;
}

/* The largest timestamp a plain interface passes through unchanged. */
#define NG_TS_PLAIN_MAX		(PCAPFILE_SEC_MAX * USEC_PER_SEC + USEC_PER_SEC - 1)

/*
 * The usual block, fast: an EPB wholly in buf[*pos..end) with a valid
 * length and trailer, on a known interface, its captured bytes within
 * the block.  1 with *p filled (number num) and *pos past the block; 0
 * for anything else, which ng_block() and ng_packet() then take with
 * their checks and messages.
 */
static inline __attribute__((always_inline)) int
ng_epb_fast(const struct pf_iface *ifs, uint32_t nifs, int big, const uint8_t *buf,
    size_t *pos, size_t end, struct capture_pkt *p, uint64_t num)
{
	const struct pf_iface *ifc;
	struct cursor c, t;
	uint32_t w[7], trail, caplen;	/* type, length, interface, ts high, ts low, caplen, len */
	uint64_t ts;

	cursor_init(&c, buf + *pos, end - *pos);
	if (28 > cursor_left(&c))
		return 0;
	/* the 28 header bytes through a cursor of exactly that size: the
	 * compiler folds its checks */
	cursor_init(&t, c.p, 28);
	(void)cursor_ord32x4(&t, big, w);
	(void)cursor_ord32(&t, big, &w[4]);
	(void)cursor_ord32(&t, big, &w[5]);
	(void)cursor_ord32(&t, big, &w[6]);
	(void)cursor_skip(&c, 28);
	if (w[0] != NG_EPB || w[1] % 4 != 0 ||
	    w[1] < NG_BLOCK_MIN + 20 || w[1] > PCAPFILE_BLOCK_MAX || w[1] > end - *pos ||
	    w[2] >= nifs || w[5] > PCAPFILE_CAPLEN_MAX || w[5] > w[1] - NG_BLOCK_MIN - 20)
		return 0;
	t = c;
	if (cursor_skip(&t, w[1] - NG_BLOCK_MIN - 20) != 0 || cursor_ord32(&t, big, &trail) != 0 ||
	    trail != w[1])
		return 0;
	ifc = &ifs[w[2]];
	ts = (uint64_t)w[3] << 32 | w[4];
	caplen = w[5] < ifc->snaplen ? w[5] : ifc->snaplen;
	p->data = c.p;
	p->ts_usec = ifc->plain && ts <= NG_TS_PLAIN_MAX ? ts : ng_ts(ifc, ts);
	p->num = num;
	p->caplen = caplen;
	p->wirelen = w[6] > caplen ? w[6] : caplen;
	p->linktype = ifc->linktype;
	p->source = 0;
	*pos += w[1];
	return 1;
}

/* Blocks of a pcapng file into v[0..max): EPBs by the fast path, every
 * other block (and any EPB the fast path declines) one at a time. */
static int
ng_batch(struct pcapfile *pf, struct capture_pkt *v, int max)
{
	struct cursor body;
	uint32_t type;
	int n = 0;

	while (n < max) {
		const uint8_t *buf = pf->buf;
		const struct pf_iface *ifs = pf->ifs;
		size_t pos = pf->pos, end = pf->end;
		uint64_t num = pf->num;
		uint32_t nifs = pf->nifs;
		int big = pf->big;

		/* two copies of the loop, so that the byte order is a constant */
		if (big) {
			for (; n < max && ng_epb_fast(ifs, nifs, 1, buf, &pos, end, &v[n], num + 1); n++)
				num++;
		} else {
			for (; n < max && ng_epb_fast(ifs, nifs, 0, buf, &pos, end, &v[n], num + 1); n++)
				num++;
		}
		pf->pos = pos;
		pf->num = num;
		if (n >= max || ng_block(pf, n == 0, &type, &body) != 1)
			break;
		switch (type) {
		case NG_EPB:
		case NG_SPB:
		case NG_PB:
			if (ng_packet(pf, &v[n], type, &body) != 0)
				return n;
			n++;
			break;
		case NG_IDB:
			if (ng_idb(pf, &body) != 0)
				return n;
			break;
		case NG_SHB:
			if (ng_shb(pf, &body) != 0)
				return n;
			break;
		default:
			break;		/* NRB, ISB, DSB, custom, unknown: skipped */
		}
	}
	return n;
}

/* The SHB (its type already seen), then blocks up to the first IDB. */
static int
ng_open_header(struct pcapfile *pf, char *why, size_t whylen)
{
	struct cursor body;
	uint32_t type;
	int r;

	pf->format = FMT_PCAPNG;
	if ((r = fill(pf, 12)) != 0) {
		if (r > 0)
			snprintf(why, whylen, "truncated dump file; tried to read 12 section "
			    "header bytes, only got %zu", pf->end - pf->pos);
		else
			snprintf(why, whylen, "%s", pf->why);
		return -1;
	}
	{
		struct cursor c;
		uint32_t bom;

		cursor_init(&c, pf->buf + pf->pos + 8, 4);
		(void)cursor_le32(&c, &bom);
		if (bom != NG_BOM && bom != 0x4d3c2b1au) {
			snprintf(why, whylen, "unknown file format");
			return -1;
		}
	}
	for (;;) {
		if (ng_block(pf, 1, &type, &body) != 1) {
			snprintf(why, whylen, "%s", pf->state == ST_END ?
			    "the capture file has no Interface Description Blocks" : pf->why);
			return -1;
		}
		switch (type) {
		case NG_SHB:
			r = ng_shb(pf, &body);
			break;
		case NG_IDB:
			if ((r = ng_idb(pf, &body)) == 0) {
				pf->linktype = pf->ifs[0].linktype;
				return 0;
			}
			break;
		case NG_EPB:
		case NG_SPB:
		case NG_PB:
			snprintf(pf->why, sizeof(pf->why), "the capture file has a packet block "
			    "before any Interface Description Blocks");
			r = -1;
			break;
		default:
			r = 0;
			break;
		}
		if (r != 0) {
			snprintf(why, whylen, "%s", pf->why);
			return -1;
		}
	}
}

/* ---- the interface --------------------------------------------------- */

int
pcapfile_open_fd(struct pcapfile **pfp, int fd, const char *name, size_t bufsize,
    char *err, size_t errlen)
{
	struct pcapfile *pf;
	struct stat st;
	struct cursor c;
	uint32_t magic;
	char why[sizeof(pf->why)];
	int r;

	*pfp = NULL;
	if (bufsize == 0) {
		bufsize = PCAPFILE_BUF_DEFAULT;
		/* a small regular file needs no more than itself (the buffer
		 * still grows if the file does) */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
		    (uint64_t)st.st_size < bufsize)
			bufsize = (size_t)st.st_size < 4096 ? 4096 : (size_t)st.st_size + 1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	pf = calloc(1, sizeof(*pf));
	if (pf == NULL || (pf->name = strdup(name)) == NULL ||
	    (pf->buf = malloc(bufsize)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (pf != NULL) {
			free(pf->name);
			free(pf);
		}
		close(fd);
		return -1;
	}
	pf->fd = fd;
	pf->cap = bufsize;
	if ((r = fill(pf, 4)) != 0) {
		if (r > 0)
			snprintf(why, sizeof(why), "truncated dump file; tried to read 4 file "
			    "header bytes, only got %zu", pf->end - pf->pos);
		else
			snprintf(why, sizeof(why), "%s", pf->why);
		goto fail;
	}
	cursor_init(&c, pf->buf, 4);
	(void)cursor_le32(&c, &magic);
	switch (magic) {
	case PCAP_MAGIC_USEC:
	case PCAP_MAGIC_USEC_SWAP:
	case PCAP_MAGIC_NSEC:
	case PCAP_MAGIC_NSEC_SWAP:
		if (pcap_open_header(pf, magic, why, sizeof(why)) != 0)
			goto fail;
		break;
	case NG_SHB:
		if (ng_open_header(pf, why, sizeof(why)) != 0)
			goto fail;
		break;
	default:
		snprintf(why, sizeof(why), "unknown file format");
		goto fail;
	}
	pf->state = ST_READING;
	pf->why[0] = '\0';
	*pfp = pf;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", name, why);
	pcapfile_close(pf);
	return -1;
}

int
pcapfile_open(struct pcapfile **pf, const char *path, char *err, size_t errlen)
{
	int fd;

	*pf = NULL;
	if (strcmp(path, "-") == 0)
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);	/* close() must not close 0 */
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return pcapfile_open_fd(pf, fd, path, 0, err, errlen);
}

int
pcapfile_next(struct pcapfile *pf, struct capture_pkt *v, int max, char *err,
    size_t errlen)
{
	int n = 0;

	if (pf->state == ST_READING && max > 0) {
		if (pf->format == FMT_PCAP)
			n = pf->big ? pcap_batch(pf, v, max, 1) : pcap_batch(pf, v, max, 0);
		else
			n = ng_batch(pf, v, max);
		if (n > 0)
			return n;
	}
	if (pf->state == ST_DAMAGED) {
		snprintf(err, errlen, "%s: packet %llu: %s", pf->name,
		    (unsigned long long)pf->num + 1, pf->why);
		return -1;
	}
	return 0;
}

const char *
pcapfile_reason(const struct pcapfile *pf)
{
	return pf->state == ST_DAMAGED ? pf->why : "";
}

void
pcapfile_set_interrupt(struct pcapfile *pf, const volatile sig_atomic_t *flag)
{
	pf->intr = flag;
}

int
pcapfile_linktype(const struct pcapfile *pf)
{
	return pf->linktype;
}

uint64_t
pcapfile_packets(const struct pcapfile *pf)
{
	return pf->num;
}

void
pcapfile_close(struct pcapfile *pf)
{
	if (pf == NULL)
		return;
	if (pf->fd >= 0)
		close(pf->fd);
	free(pf->ifs);
	free(pf->buf);
	free(pf->name);
	free(pf);
}
