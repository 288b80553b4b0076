/*
 * collector.c - the collector's sink: every record the classifiers make
 * passes here on its way to the outputs, findings counted (by kind, and
 * those that fail the run) and flows and observations handed to the
 * coverage matrix; the counts carried from window to window.  The
 * window's end is collector-missing.c's, the printed summary
 * collector-print.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/collector.h"
#include "conformd/config.h"
#include "conformd/coverage.h"
#include "conformd/policy.h"
#include "collector-int.h"

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

void
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
