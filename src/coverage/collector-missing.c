/*
 * collector-missing.c - the end of an observation window: every (host,
 * rule) pair decided (coverage_finish()), a `missing` finding for each
 * required pair never seen and each unobserved host, and the run's
 * findings and coverage counters written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/coverage.h"
#include "conformd/inventory.h"
#include "conformd/packet.h"
#include "conformd/record.h"
#include "conformd/rules.h"
#include "collector-int.h"

/*
 * The first entry of host h that is one address (a /32 or /128), or -1
 * (a network).  One pass over the entries the first time, for every
 * host: scanning them for each missing host made a window's end
 * quadratic in the inventory (7 s for 100,000 unobserved hosts).  Out of
 * memory: scanned for h alone.
 */
static int
collector_host_entry(struct collector *c, int h)
{
	const struct inventory *inv = c->inv;

	if (c->host_entry == NULL &&
	    (c->host_entry = malloc((size_t)(inv->nhosts > 0 ? inv->nhosts : 1) * sizeof(int))) != NULL) {
		for (int k = 0; k < inv->nhosts; k++)
			c->host_entry[k] = -1;
		for (int i = 0; i < inv->nentries; i++) {
			const struct inv_entry *en = &inv->entries[i];

			if (c->host_entry[en->host] == -1 &&
			    en->plen == (en->family == 4 ? 32 : 128))
				c->host_entry[en->host] = i;
		}
	}
	if (c->host_entry != NULL)
		return c->host_entry[h];
	for (int i = 0; i < inv->nentries; i++)
		if (inv->entries[i].host == h &&
		    inv->entries[i].plen == (inv->entries[i].family == 4 ? 32 : 128))
			return i;
	return -1;
}

/*
 * coverage_finish() callback: a required pair never seen, or an unobserved
 * host.  The host's address is its first one (a network has none); it is
 * the source of what was never seen for an `out` rule, the destination
 * for an `in` rule.  Binary, as the classifier's findings: the writers
 * make its text (record-text.h).
 */
static void
collector_missing(void *arg, int h, int rule, const char *also)
{
	struct collector *c = arg;
	struct rec_finding fd;
	int e;

	memset(&fd, 0, sizeof(fd));
	fd.kind = FINDING_MISSING;
	fd.host = h;
	fd.rule = rule;
	fd.pol = c->pol;
	fd.ts_usec = c->end_usec;
	fd.lost = c->lost;
	/* the host's address: its first one (a network has none) */
	if ((e = collector_host_entry(c, h)) >= 0) {
		fd.family = (uint8_t)c->inv->entries[e].family;
		memcpy(fd.addr, c->inv->entries[e].addr, sizeof(fd.addr));
	}
	if (rule < 0) {
		fd.evidence = REC_EV_UNOBSERVED;
		fd.severity = (uint8_t)config_severity(c->cfg, FINDING_MISSING, NULL);
	} else {
		const struct rule *r = &c->rs->rules[rule];

		fd.evidence = REC_EV_NOT_SEEN;
		fd.host_is_src = r->dir == RULE_OUT;
		fd.proto = (r->protos & RULE_TCP) ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
		fd.port = (uint16_t)(r->client_media ? c->inv->media.lo : r->ports[0].lo);
		snprintf(fd.text, sizeof(fd.text), "%s", also != NULL ? also : "");
		fd.severity = (uint8_t)config_severity(c->cfg, FINDING_MISSING, r->id);
	}
	collector_finding(c, &fd);
}

void
collector_set_lost(struct collector *c, uint64_t lost)
{
	c->lost = lost;
}

void
collector_finish(struct collector *c, int sensor_blind, uint64_t end_usec)
{
	char name[64];

	if (c->finished)
		return;
	c->finished = 1;
	c->sensor_blind = sensor_blind;
	c->end_usec = end_usec;
	coverage_finish(c->cov, &c->out, sensor_blind, collector_missing, c, &c->totals);
	if (c->out.counter == NULL)
		return;
	for (int k = FINDING_UNEXPECTED; k < FINDING_KINDS; k++) {
		snprintf(name, sizeof(name), "findings.%s", finding_kind_name(k));
		c->out.counter(c->out.arg, name, c->findings[k]);
	}
	for (int s = COV_SEEN; s < COV_NSTATES; s++) {
		snprintf(name, sizeof(name), "coverage.%s", cov_state_name(s));
		c->out.counter(c->out.arg, name, c->totals.state[s]);
	}
	c->out.counter(c->out.arg, "coverage.hosts_unobserved", c->totals.hosts_unobserved);
}
