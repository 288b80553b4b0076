/*
 * fuzz-site.h - the whole `-r` pipeline of the sample site, for the
 * targets that feed packets (fuzz_pipeline, fuzz_pcap).
 *
 * Set up once: rules/lync2013.rules, samples/inventory.conf, the compiled
 * policy, and the outputs with EVE going to /dev/null (so every record is
 * built and formatted).  Per input: a fresh collector and engine wired as
 * main.c wires them, then the end of the window (blocked, missing,
 * summaries to /dev/null) and everything freed.  The flow table is small
 * (FUZZ_SITE_FLOWS) so eviction is exercised too; the options that are
 * off by default are on (community-id with seed 7, vxlan-port 4789 and
 * 8472), so their code is fed as well.
 */
#ifndef CONFORMD_FUZZ_SITE_H
#define CONFORMD_FUZZ_SITE_H

#include "conformd/engine.h"

#define FUZZ_SITE_FLOWS	64

/* Load and compile the site; exits with a message when the source-tree
 * files cannot be loaded (set CONFORMD_SRCDIR). */
void fuzz_site_init(const char *who);

/* The site's compiled policy (after fuzz_site_init()), for targets that
 * make records themselves; owned by the site. */
struct policy;
const struct policy *fuzz_site_policy(void);

/* A new engine (and its collector) for one input. */
struct engine *fuzz_site_begin(void);

/* Another engine on the same policy with no outputs at all (a reference
 * to compare counters with); free with engine_finish() + engine_free(). */
struct engine *fuzz_site_bare(void);

/* End the window, print the summaries to /dev/null, free both. */
void fuzz_site_end(struct engine *e);

#endif /* CONFORMD_FUZZ_SITE_H */
