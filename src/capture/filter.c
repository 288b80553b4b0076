/*
 * filter.c - BPF filter expressions for files and NFLOG groups (filter.h).
 *
 * One program per link type the decoders know, compiled with libpcap on a
 * "dead" handle of that link type; a link type whose compile fails keeps
 * libpcap's message instead, for pkt_filter_link() to report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "conformd/filter.h"

#define LINKTYPE_RAW		101	/* raw IP in files; DLT_RAW differs by platform */
#define FILTER_SNAPLEN		262144	/* only the return value of the program depends on it */

/* Every link type decode_link_supported() accepts, LINKTYPE_RAW aside
 * (it is DLT_RAW's file name). */
static const int filter_links[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
	DLT_NULL, DLT_LOOP
};
#define FILTER_NLINKS	(sizeof(filter_links) / sizeof(filter_links[0]))

struct pkt_filter {
	char			*expr;
	struct {
		int		 ok;		/* prog holds a program */
		struct bpf_program prog;
		char		 why[PCAP_ERRBUF_SIZE];	/* when !ok */
	} link[FILTER_NLINKS];
};

/* The slot of `linktype` in filter_links, or -1. */
static int
link_slot(int linktype)
{
	if (linktype == LINKTYPE_RAW)
		linktype = DLT_RAW;
	for (size_t i = 0; i < FILTER_NLINKS; i++)
		if (filter_links[i] == linktype)
			return (int)i;
	return -1;
}

static const char *
link_name(int linktype)
{
	const char *n = pcap_datalink_val_to_name(linktype == LINKTYPE_RAW ? DLT_RAW : linktype);

	return n != NULL ? n : "unknown";
}

struct pkt_filter *
pkt_filter_new(const char *expr, char *err, size_t errlen)
{
	struct pkt_filter *f;
	int any = 0, first_bad = -1;

	if ((f = calloc(1, sizeof(*f))) == NULL || (f->expr = strdup(expr)) == NULL) {
		free(f);
		snprintf(err, errlen, "filter \"%s\": out of memory", expr);
		return NULL;
	}
	for (size_t i = 0; i < FILTER_NLINKS; i++) {
		pcap_t *p = pcap_open_dead(filter_links[i], FILTER_SNAPLEN);

		if (p == NULL) {
			snprintf(f->link[i].why, sizeof(f->link[i].why), "out of memory");
		} else if (pcap_compile(p, &f->link[i].prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(f->link[i].why, sizeof(f->link[i].why), "%s", pcap_geterr(p));
		} else {
			f->link[i].ok = 1;
			any = 1;
		}
		if (!f->link[i].ok && first_bad < 0)
			first_bad = (int)i;
		if (p != NULL)
			pcap_close(p);
	}
	if (!any) {
		/* Ethernet's message first: the link type most captures have */
		snprintf(err, errlen, "filter \"%s\": %s", expr, f->link[first_bad].why);
		pkt_filter_free(f);
		return NULL;
	}
	return f;
}

void
pkt_filter_free(struct pkt_filter *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < FILTER_NLINKS; i++)
		if (f->link[i].ok)
			pcap_freecode(&f->link[i].prog);
	free(f->expr);
	free(f);
}

const char *
pkt_filter_expr(const struct pkt_filter *f)
{
	return f->expr;
}

int
pkt_filter_link(const struct pkt_filter *f, int linktype, char *err, size_t errlen)
{
	int s = link_slot(linktype);

	if (s >= 0 && f->link[s].ok)
		return 0;
	snprintf(err, errlen, "filter \"%s\" does not apply to link type %d (%s): %s", f->expr,
	    linktype, link_name(linktype),
	    s >= 0 ? f->link[s].why : "a link type conformd does not decode");
	return -1;
}

int
pkt_filter_match(const struct pkt_filter *f, const struct capture_pkt *p)
{
	struct pcap_pkthdr h;
	int s = link_slot(p->linktype);

	if (s < 0 || !f->link[s].ok)
		return -1;
	/* bpf_filter() is told both lengths and loads only below caplen
	 * (a load past it makes the program return 0: no match). */
	memset(&h, 0, sizeof(h));
	h.caplen = p->caplen;
	h.len = p->wirelen;
	if (p->data == NULL || p->caplen == 0)
		return pcap_offline_filter(&f->link[s].prog, &h, (const u_char *)"") != 0;
	return pcap_offline_filter(&f->link[s].prog, &h, p->data) != 0;
}

size_t
pkt_filter_batch(const struct pkt_filter *f, struct capture_pkt *v, size_t n,
    struct pkt_filter_stats *st)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		switch (pkt_filter_match(f, &v[i])) {
		case 1:
			st->matched++;
			if (kept != i)
				v[kept] = v[i];
			kept++;
			break;
		case 0:
			st->rejected++;
			break;
		default:
			st->unfilterable++;
			break;
		}
	}
	return kept;
}

void
pkt_filter_summary(FILE *out, const char *expr, uint64_t read, uint64_t rejected,
    uint64_t unfilterable)
{
	uint64_t gone = rejected + unfilterable;

	fprintf(out, "filter \"%s\": %llu of %llu packets matched", expr, (unsigned long long)
	    (read > gone ? read - gone : 0), (unsigned long long)read);
	if (unfilterable > 0)
		fprintf(out, "; %llu of a link type the filter does not apply to, skipped",
		    (unsigned long long)unfilterable);
	fputc('\n', out);
}
