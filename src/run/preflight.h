/*
 * preflight.h - `conformd -T`: what a run would need besides valid files,
 * checked without starting it.
 *
 * A configuration, rules and inventory that parse can still describe a
 * run that cannot work: an output directory that does not exist or that
 * the user conformd drops to cannot write, an interface that is not
 * there, an NFLOG group on a build without NFLOG, a user that does not
 * exist, a capture file that is not one.  Each is reported as
 * `file:line: message`, the line of conformd.conf that named it, or as
 * `conformd: OPTION VALUE: message` when the command line named it.
 */
#ifndef CONFORMD_PREFLIGHT_H
#define CONFORMD_PREFLIGHT_H

#include "conformd/config.h"
#include "conformd/run.h"
#include "conformd/diag.h"

/*
 * Check the run that `o` (the command line: sources, --db, --eve, -u; its
 * empty fields taken from cfg as the run takes them) and `cfg` describe.
 * Each problem goes through d.  Returns the number of problems.  Reads
 * cfg->path again to find the lines of the keys it names.  Main thread,
 * before any privilege is dropped (it judges permissions for the user
 * the run would become).
 */
int preflight_check(const struct config *cfg, const struct run_opts *o, struct diag *d);

#endif /* CONFORMD_PREFLIGHT_H */
