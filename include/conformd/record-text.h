/*
 * record-text.h - the text of a binary record (record.h), made by the
 * writer that writes it, in its own thread: the SQLite store thread, the
 * EVE thread, the alert feeds.
 *
 * A binary record is checked before anything is read through it: every
 * index within its policy or ruleset, every enumeration within its range,
 * the address family 4 or 6.  A record that fails is refused (-1) and
 * nothing is written for it; the classifier never makes one
 * (fuzz/fuzz_record.c feeds it arbitrary bytes).
 */
#ifndef CONFORMD_RECORD_TEXT_H
#define CONFORMD_RECORD_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/record.h"

/* What the configuration asks of the text (conformd.conf(5)). */
struct rec_text_opts {
	int		 community_id;		/* 1: flow records carry a Community ID */
	uint16_t	 community_seed;
};

/*
 * Why flow f failed (`fail`, enum rec_fail), as text into buf (len
 * bytes, cut to fit): "no answer to 3 SYNs", "ICMP 3/3 (port
 * unreachable) from 198.18.0.1", ...  Returns buf, or NULL (buf "") for
 * REC_FAIL_NONE or a code out of range.  Any thread.
 */
const char *record_fail_text(int fail, const struct flow *f, char *buf, size_t len);

/*
 * *r made from b (o may be NULL: no Community ID).  r's strings point
 * into r itself and into b's policy and ruleset: valid while b's are.
 * 0, or -1 when b is not a record the classifier makes (r then unset).
 * Any thread.
 */
int record_text_flow(const struct rec_flow *b, const struct rec_text_opts *o,
    struct flow_record *r);

/* The text record_text_finding() makes, beside the struct finding that
 * points into it. */
struct finding_text {
	struct flow_record	 flow;
	char			 signature[512];
	char			 evidence[640];	/* a scan's: both port lists */
	char			 host_ip[REC_ADDR_LEN];
};

/*
 * *f made from b, its strings in *t (and in b's policy).  0, or -1 when
 * b is not a finding the classifier or the collector makes.  Any thread.
 */
int record_text_finding(const struct rec_finding *b, const struct rec_text_opts *o,
    struct finding *f, struct finding_text *t);

/*
 * 0 when b is a record the text makers take, else -1 (the checks
 * record_text_flow() and record_text_finding() make first).  Any thread.
 */
int record_flow_valid(const struct rec_flow *b);

/*
 * A scan's two port lists ("135,443", "1-1024,3389"; scan.h) as
 * rec_finding.text: answered, REC_SCAN_SEP, probed, NUL-terminated in
 * len bytes; each cut with "..." when both do not fit.  The classifier's
 * thread.
 */
void record_scan_text(const char *answered, const char *ports, char *buf, size_t len);
int record_finding_valid(const struct rec_finding *b);

#endif /* CONFORMD_RECORD_TEXT_H */
