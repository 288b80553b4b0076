/*
 * collector.c - findings counted, coverage kept, missing ports decided,
 * records passed on to the outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/collector.h"
#include "conformd/coverage-matrix.h"
#include "conformd/inventory.h"
#include "conformd/packet.h"
#include "conformd/rules.h"

struct collector {
	const struct config	*cfg;
	const struct policy	*pol;
	const struct ruleset	*rs;
	const struct inventory	*inv;
	struct engine_sink	 out;
	struct coverage		*cov;
	struct coverage_totals	 totals;
	int			 finished;
	int			 sensor_blind;
	uint64_t		 end_usec;
	uint64_t		 lost;		/* coverage messages lost (collector_set_lost()) */
	uint64_t		 findings[FINDING_KINDS];	/* per enum finding_kind */
	uint64_t		 failing;	/* findings at or above `fail-on` */
	int			*host_entry;	/* per host: its first one-address entry, -1: none
						 * (collector_host_entry()); NULL until needed */
};

struct collector *
collector_new(const struct config *cfg, const struct policy *pol, const struct engine_sink *out)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = cfg;
	c->pol = pol;
	c->rs = policy_ruleset(pol);
	c->inv = policy_inventory(pol);
	if (out != NULL)
		c->out = *out;
	c->cov = coverage_new(pol);
	if (c->cov == NULL) {
		collector_free(c);
		return NULL;
	}
	return c;
}

void
collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	coverage_free(c->cov);
	free(c->host_entry);
	free(c);
}

static void
collector_flow(void *arg, const struct rec_flow *r)
{
	struct collector *c = arg;

	if (c->out.flow != NULL)
		c->out.flow(c->out.arg, r);
}

static void
collector_finding(void *arg, const struct rec_finding *f)
{
	struct collector *c = arg;

	if (f->kind > 0 && f->kind < FINDING_KINDS)
		c->findings[f->kind]++;
	if (f->severity >= 1 && f->severity <= c->cfg->fail_on)
		c->failing++;
	if (c->out.finding != NULL)
		c->out.finding(c->out.arg, f);
}

static void
collector_counter(void *arg, const char *name, uint64_t value)
{
	struct collector *c = arg;

	if (c->out.counter != NULL)
		c->out.counter(c->out.arg, name, value);
}

static void
collector_observe(void *arg, int host)
{
	struct collector *c = arg;

	coverage_observe(c->cov, host);
}

static void
collector_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct collector *c = arg;

	coverage_flow(c->cov, host, rule, ok, bytes, first_usec, last_usec, evidence);
}

void
collector_sink(struct collector *c, struct engine_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->arg = c;
	sink->flow = c->out.flow != NULL ? collector_flow : NULL;
	sink->finding = collector_finding;
	sink->counter = c->out.counter != NULL ? collector_counter : NULL;
	sink->observe = collector_observe;
	sink->cover = collector_cover;
}

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

void
collector_carry(struct collector *c, const struct collector *prev)
{
	for (int k = 0; k < FINDING_KINDS; k++)
		c->findings[k] = prev->findings[k];
	c->failing = prev->failing;
}

void
collector_carry_window(struct collector *c, const struct collector *prev,
    const struct coverage_map *map)
{
	collector_carry(c, prev);
	coverage_carry(c->cov, prev->cov, map);
}

const struct policy *
collector_policy(const struct collector *c)
{
	return c->pol;
}

uint64_t
collector_findings(const struct collector *c)
{
	uint64_t n = 0;

	for (int k = 0; k < FINDING_KINDS; k++)
		n += c->findings[k];
	return n;
}

uint64_t
collector_failing(const struct collector *c)
{
	return c->failing;
}

void
collector_summary(const struct collector *c, FILE *out)
{
	const struct coverage_totals *t = &c->totals;

	fprintf(out, "findings: %llu (unexpected %llu, blocked %llu, missing %llu, protocol_mismatch %llu",
	    (unsigned long long)collector_findings(c),
	    (unsigned long long)c->findings[FINDING_UNEXPECTED],
	    (unsigned long long)c->findings[FINDING_BLOCKED],
	    (unsigned long long)c->findings[FINDING_MISSING],
	    (unsigned long long)c->findings[FINDING_PROTOCOL_MISMATCH]);
	/* scans only when there were any: the line stays as it was without */
	if (c->findings[FINDING_SCAN] > 0)
		fprintf(out, ", scan %llu", (unsigned long long)c->findings[FINDING_SCAN]);
	fputs(")\n", out);
	if (c->sensor_blind)
		fprintf(out, "coverage: no IP traffic seen: the sensor is unobserved, nothing reported missing\n");
	else
		fprintf(out, "coverage: %llu (host, rule) pairs: %llu seen, %llu blocked, %llu missing, %llu optional unseen, %llu unobserved, %llu not applicable (%llu hosts without traffic)\n",
		    (unsigned long long)t->pairs,
		    (unsigned long long)t->state[COV_SEEN],
		    (unsigned long long)t->state[COV_BLOCKED],
		    (unsigned long long)t->state[COV_MISSING],
		    (unsigned long long)t->state[COV_OPTIONAL],
		    (unsigned long long)t->state[COV_UNOBSERVED],
		    (unsigned long long)t->state[COV_NA],
		    (unsigned long long)t->hosts_unobserved);
}

void
collector_coverage_print(const struct collector *c, int format, FILE *out)
{
	covmatrix_print(c->cov, c->pol, format, covmatrix_width(out), out);
}
