/*
 * buildinfo.h - `conformd --build-info`: what this binary was built with.
 */
#ifndef CONFORMD_BUILDINFO_H
#define CONFORMD_BUILDINFO_H

#include <stdio.h>

/*
 * Write to `out`, one `name: value` a line after the version line: the
 * NFLOG source (yes, with libnetfilter_log's version, or no), the TLS
 * library of remote syslog (or no), the versions of libpcap and SQLite
 * in use (SQLite's also as built), and the default configuration file and
 * rules directory compiled in.  Any thread.
 */
void build_info_print(FILE *out);

#endif /* CONFORMD_BUILDINFO_H */
