/*
 * filter.h - a BPF filter expression, in tcpdump's syntax (pcap-filter(7)),
 * for the sources whose packets no kernel filters for us: capture files
 * (-r) and NFLOG groups.  Live interfaces hand their expression to libpcap
 * instead (pcap_setfilter(), src/capture/capture-pcap.c).
 *
 * The expression is compiled once, up front, for every link type the
 * decoders know (decode_link_supported()), so that matching a packet never
 * compiles or allocates: a pcapng interface of another link type may turn
 * up in the middle of a file.  Some expressions make sense for some link
 * types only ("ether host ..." has no meaning on raw IP); packets of a link
 * type the expression could not be compiled for are counted apart, never
 * silently passed or dropped.  Matching runs libpcap's BPF interpreter
 * (pcap_offline_filter()), which reads only inside the captured bytes.
 */
#ifndef CONFORMD_FILTER_H
#define CONFORMD_FILTER_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "conformd/capture.h"

struct pkt_filter;

/* What a filter did to the packets it was asked about. */
struct pkt_filter_stats {
	uint64_t	matched;	/* kept */
	uint64_t	rejected;	/* the expression said no */
	uint64_t	unfilterable;	/* of a link type the expression does not apply to: not kept */
};

/*
 * Compile `expr` for every link type the decoders know.  NULL with the
 * reason in err when it compiles for none of them (a syntax error, an
 * unknown protocol name: libpcap's words) or when out of memory.  As with
 * tcpdump, a host name in the expression is looked up once, here.
 */
struct pkt_filter *pkt_filter_new(const char *expr, char *err, size_t errlen);

/* Free f (NULL: nothing). */
void pkt_filter_free(struct pkt_filter *f);

/* The expression f was compiled from. */
const char *pkt_filter_expr(const struct pkt_filter *f);

/*
 * 0 when f applies to packets of `linktype` (DLT_* or LINKTYPE_*); -1 with
 * the reason in err ("link type 12 (RAW): ..." with libpcap's message) when
 * it does not.
 */
int pkt_filter_link(const struct pkt_filter *f, int linktype, char *err, size_t errlen);

/*
 * Does p pass f?  1 yes, 0 no, -1 p's link type is one the expression does
 * not apply to.  Reads only p->data[0..p->caplen); no allocation, no lock,
 * no system call: safe on the capture thread.
 */
int pkt_filter_match(const struct pkt_filter *f, const struct capture_pkt *p);

/*
 * Keep the packets of v[0..n) that pass f, in order and with their own
 * numbers, at the front of v; add to *st what happened to each; return how
 * many were kept.
 */
size_t pkt_filter_batch(const struct pkt_filter *f, struct capture_pkt *v, size_t n,
    struct pkt_filter_stats *st);

/*
 * The summary line of a run filtered by `expr`, to `out`: 'filter "EXPR":
 * M of N packets matched' and, when some were, how many were of a link type the filter
 * does not apply to.  `read` counts every packet read, `rejected` and
 * `unfilterable` those not kept.
 */
void pkt_filter_summary(FILE *out, const char *expr, uint64_t read, uint64_t rejected, uint64_t unfilterable);

#endif /* CONFORMD_FILTER_H */
