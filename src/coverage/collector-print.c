/*
 * collector-print.c - what a run prints at its end: the summary lines
 * (findings by kind, coverage totals) and the coverage matrix.
 */
#include <stdio.h>

#include "conformd/collector.h"
#include "conformd/coverage-matrix.h"
#include "conformd/record.h"
#include "collector-int.h"

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
