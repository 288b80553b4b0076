/*
 * coverage.c - the (host, rule) matrix of proven, blocked and missing ports.
 *
 * One cell per inventory host and rule, allocated once.  A rule applies
 * to a host when one of the host's roles is the rule's role (`in` rules:
 * the host listens; `out` rules: the host connects).  A reload carries a
 * window's cells over to the new policy's matrix by host name and rule
 * id (coverage_carry()); pairs the old policy did not watch are marked
 * as having joined the window late.
 */
#include <stdlib.h>
#include <string.h>

#include "conformd/coverage.h"
#include "conformd/inventory.h"
#include "conformd/rules.h"

#define EVIDENCE_LEN	96

struct cell {
	uint64_t	flows;		/* successful */
	uint64_t	failed;
	uint64_t	bytes;
	uint64_t	first_usec, last_usec;
	uint8_t		state;		/* enum cov_state, after coverage_finish() */
	uint8_t		joined;		/* joined the window late (a reload): not watched all along */
	char		evidence[EVIDENCE_LEN];
};

struct coverage {
	const struct policy	*pol;
	const struct ruleset	*rs;
	const struct inventory	*inv;
	struct cell		*cells;		/* [host * nrules + rule] */
	uint64_t		*observed;	/* per host */
	uint8_t			*joined;	/* per host: came with a reload during the window */
	int			 nhosts, nrules;
};

struct coverage_map {
	int	 nh, nr;
	int	*host;		/* [nh]: the `to` policy's index, -1 */
	int	*rule;		/* [nr] */
};

struct coverage *
coverage_new(const struct policy *pol)
{
	struct coverage *cov = calloc(1, sizeof(*cov));

	if (cov == NULL)
		return NULL;
	cov->pol = pol;
	cov->rs = policy_ruleset(pol);
	cov->inv = policy_inventory(pol);
	cov->nhosts = cov->inv->nhosts;
	cov->nrules = cov->rs->nrules;
	cov->cells = calloc((size_t)cov->nhosts * (size_t)cov->nrules + 1, sizeof(*cov->cells));
	cov->observed = calloc((size_t)cov->nhosts + 1, sizeof(*cov->observed));
	cov->joined = calloc((size_t)cov->nhosts + 1, sizeof(*cov->joined));
	if (cov->cells == NULL || cov->observed == NULL || cov->joined == NULL) {
		coverage_free(cov);
		return NULL;
	}
	return cov;
}

void
coverage_free(struct coverage *cov)
{
	if (cov == NULL)
		return;
	free(cov->cells);
	free(cov->observed);
	free(cov->joined);
	free(cov);
}

void
coverage_observe(struct coverage *cov, int h)
{
	if (h >= 0 && h < cov->nhosts)
		cov->observed[h]++;
}

void
coverage_flow(struct coverage *cov, int h, int rule, int ok, uint64_t bytes,
    uint64_t first_usec, uint64_t last_usec, const char *evidence)
{
	struct cell *c;

	if (h < 0 || h >= cov->nhosts || rule < 0 || rule >= cov->nrules)
		return;
	c = &cov->cells[(size_t)h * (size_t)cov->nrules + (size_t)rule];
	if (c->flows + c->failed == 0 || first_usec < c->first_usec)
		c->first_usec = first_usec;
	if (last_usec > c->last_usec)
		c->last_usec = last_usec;
	if (ok) {
		c->flows++;
		c->bytes += bytes;
	} else {
		if (c->failed++ == 0 && evidence != NULL)
			snprintf(c->evidence, sizeof(c->evidence), "%s", evidence);
	}
}

/* Does rule r apply to host h (one of h's roles is the rule's role)? */
static int
applies(const struct coverage *cov, int h, int r)
{
	return (policy_host_roles(cov->pol, h) >> cov->rs->rules[r].role) & 1;
}

/* Rule r's cell for host h. */
static struct cell *
cell_at(const struct coverage *cov, int h, int r)
{
	return &cov->cells[(size_t)h * (size_t)cov->nrules + (size_t)r];
}

/* The state of a cell once the window is over. */
static int
cell_decide(const struct coverage *cov, const struct cell *c, int r, int unobserved,
    int sensor_blind)
{
	if (c->flows > 0)
		return COV_SEEN;
	if (c->failed > 0)
		return COV_BLOCKED;
	if (!policy_rule_required(cov->pol, r))
		return COV_NA;
	if (unobserved || sensor_blind)
		return COV_UNOBSERVED;
	if (cov->rs->rules[r].optional)
		return COV_OPTIONAL;
	return COV_MISSING;
}

/*
 * Report host h's missing rule r, unless an earlier rule with the same
 * requirement is missing too (it was reported, naming r); the later ones
 * are named in `also`.
 */
static void
report_missing(const struct coverage *cov, int h, int r,
    void (*missing)(void *, int, int, const char *), void *arg)
{
	int same = policy_rule_same(cov->pol, r), n = 0;
	char also[256];
	size_t off = 0;

	for (int r2 = 0; r2 < r; r2++)
		if (policy_rule_same(cov->pol, r2) == same &&
		    cell_at(cov, h, r2)->state == COV_MISSING)
			return;
	also[0] = '\0';
	for (int r2 = r + 1; r2 < cov->nrules; r2++) {
		int w;

		if (policy_rule_same(cov->pol, r2) != same ||
		    cell_at(cov, h, r2)->state != COV_MISSING)
			continue;
		if (off >= sizeof(also))
			break;
		w = snprintf(also + off, sizeof(also) - off, "%s%s", n++ ? "," : "",
		    cov->rs->rules[r2].id);
		if (w < 0 || (size_t)w >= sizeof(also) - off) {
			also[off] = '\0';	/* whole ids only */
			break;
		}
		off += (size_t)w;
	}
	missing(arg, h, r, n > 0 ? also : NULL);
}

void
coverage_finish(struct coverage *cov, const struct engine_sink *sink, int sensor_blind,
    void (*missing)(void *arg, int h, int rule, const char *also), void *arg,
    struct coverage_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int h = 0; h < cov->nhosts; h++) {
		int unobserved = cov->observed[h] == 0;
		int any = 0;

		for (int r = 0; r < cov->nrules; r++) {
			struct cell *c = cell_at(cov, h, r);

			/* A cell with traffic counts even when the rule came
			 * through a covering network entry rather than h's own;
			 * one that joined the window late (a reload) counts
			 * only with traffic: it was not watched all along. */
			if ((!applies(cov, h, r) || c->joined) && c->flows + c->failed == 0)
				continue;
			any = 1;
			c->state = (uint8_t)cell_decide(cov, c, r, unobserved, sensor_blind);
			t->pairs++;
			t->state[c->state]++;
			if (sink->coverage != NULL)
				sink->coverage(sink->arg, cov->inv->hosts[h].name,
				    cov->rs->rules[r].id, cov_state_name(c->state),
				    c->flows, c->bytes, c->first_usec, c->last_usec,
				    c->state == COV_BLOCKED ? c->evidence : NULL);
		}
		if (missing != NULL)
			for (int r = 0; r < cov->nrules; r++)
				if (cell_at(cov, h, r)->state == COV_MISSING)
					report_missing(cov, h, r, missing, arg);
		if (any && unobserved && !cov->joined[h]) {
			t->hosts_unobserved++;
			if (!sensor_blind && missing != NULL)
				missing(arg, h, -1, NULL);
		}
	}
}

/* --- through a reload --------------------------------------------------------------- */

struct named {
	const char	*name;
	int		 idx;
};

static int
named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/*
 * out[i] = the index in `to` (n_to names) of from's i-th name (n_from), or
 * -1: the names of `to` sorted once, each of `from` looked up.  `name`
 * gives the i-th name of a side.  0, or -1 when out of memory.
 */
static int
map_names(int *out, int n_from, int n_to, const void *from, const void *to,
    const char *(*name)(const void *, int))
{
	struct named *idx = malloc((size_t)(n_to > 0 ? n_to : 1) * sizeof(*idx));

	if (idx == NULL)
		return -1;
	for (int i = 0; i < n_to; i++) {
		idx[i].name = name(to, i);
		idx[i].idx = i;
	}
	qsort(idx, (size_t)n_to, sizeof(*idx), named_cmp);
	for (int i = 0; i < n_from; i++) {
		struct named key = { name(from, i), -1 };
		const struct named *hit = n_to > 0 ? bsearch(&key, idx, (size_t)n_to,
		    sizeof(*idx), named_cmp) : NULL;

		out[i] = hit != NULL ? hit->idx : -1;
	}
	free(idx);
	return 0;
}

static const char *
host_name(const void *inv, int i)
{
	return ((const struct inventory *)inv)->hosts[i].name;
}

static const char *
rule_id(const void *rs, int i)
{
	return ((const struct ruleset *)rs)->rules[i].id;
}

struct coverage_map *
coverage_map_new(const struct policy *from, const struct policy *to)
{
	const struct inventory *fi = policy_inventory(from), *ti = policy_inventory(to);
	const struct ruleset *fr = policy_ruleset(from), *tr = policy_ruleset(to);
	struct coverage_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->nh = fi->nhosts;
	m->nr = fr->nrules;
	m->host = malloc((size_t)(m->nh > 0 ? m->nh : 1) * sizeof(*m->host));
	m->rule = malloc((size_t)(m->nr > 0 ? m->nr : 1) * sizeof(*m->rule));
	if (m->host == NULL || m->rule == NULL ||
	    map_names(m->host, m->nh, ti->nhosts, fi, ti, host_name) == -1 ||
	    map_names(m->rule, m->nr, tr->nrules, fr, tr, rule_id) == -1) {
		coverage_map_free(m);
		return NULL;
	}
	return m;
}

void
coverage_map_chain(struct coverage_map *ab, const struct coverage_map *bc)
{
	for (int i = 0; i < ab->nh; i++)
		ab->host[i] = coverage_map_host(bc, ab->host[i]);
	for (int i = 0; i < ab->nr; i++)
		ab->rule[i] = coverage_map_rule(bc, ab->rule[i]);
}

int
coverage_map_host(const struct coverage_map *m, int h)
{
	return h >= 0 && h < m->nh ? m->host[h] : -1;
}

int
coverage_map_rule(const struct coverage_map *m, int r)
{
	return r >= 0 && r < m->nr ? m->rule[r] : -1;
}

void
coverage_map_free(struct coverage_map *m)
{
	if (m == NULL)
		return;
	free(m->host);
	free(m->rule);
	free(m);
}

void
coverage_carry(struct coverage *to, const struct coverage *from, const struct coverage_map *map)
{
	/* everything joined late, but what `from` watched */
	for (size_t i = 0; i < (size_t)to->nhosts * (size_t)to->nrules; i++)
		to->cells[i].joined = 1;
	for (int h = 0; h < to->nhosts; h++)
		to->joined[h] = 1;
	for (int h = 0; h < from->nhosts; h++) {
		int h2 = coverage_map_host(map, h);

		if (h2 < 0 || h2 >= to->nhosts)
			continue;
		to->observed[h2] += from->observed[h];
		to->joined[h2] = from->joined[h];
		for (int r = 0; r < from->nrules; r++) {
			int r2 = coverage_map_rule(map, r);
			const struct cell *fc = cell_at(from, h, r);
			struct cell *tc;

			if (r2 < 0 || r2 >= to->nrules)
				continue;
			tc = cell_at(to, h2, r2);
			if (fc->flows + fc->failed > 0) {
				if (tc->flows + tc->failed == 0 || fc->first_usec < tc->first_usec)
					tc->first_usec = fc->first_usec;
				if (fc->last_usec > tc->last_usec)
					tc->last_usec = fc->last_usec;
				if (tc->failed == 0 && fc->failed > 0)
					memcpy(tc->evidence, fc->evidence, sizeof(tc->evidence));
				tc->flows += fc->flows;
				tc->failed += fc->failed;
				tc->bytes += fc->bytes;
			}
			/* watched all along only when the old policy watched it */
			if (applies(from, h, r) && !fc->joined)
				tc->joined = 0;
		}
	}
}

const char *
cov_state_name(int s)
{
	switch (s) {
	case COV_SEEN:
		return "seen";
	case COV_BLOCKED:
		return "blocked";
	case COV_MISSING:
		return "missing";
	case COV_OPTIONAL:
		return "optional-unseen";
	case COV_UNOBSERVED:
		return "unobserved";
	case COV_NA:
		return "not-applicable";
	default:
		return "none";
	}
}

int
coverage_cell(const struct coverage *cov, int h, int r, struct coverage_cell *out)
{
	const struct cell *c;

	if (h < 0 || h >= cov->nhosts || r < 0 || r >= cov->nrules)
		return -1;
	c = &cov->cells[(size_t)h * (size_t)cov->nrules + (size_t)r];
	out->state = c->state;
	out->flows = c->flows;
	out->failed = c->failed;
	out->bytes = c->bytes;
	out->first_usec = c->first_usec;
	out->last_usec = c->last_usec;
	out->evidence = c->failed > 0 && c->evidence[0] != '\0' ? c->evidence : NULL;
	return 0;
}
