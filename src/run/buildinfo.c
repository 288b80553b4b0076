/*
 * buildinfo.c - `conformd --build-info` (buildinfo.h): the answer to
 * "which conformd is this" that a bug report or a support call starts
 * with, as Suricata's --build-info.
 */
#include <stdio.h>
#include <pcap/pcap.h>
#include <sqlite3.h>

#include "config.h"
#include "buildinfo.h"

#ifdef HAVE_TLS
#include <gnutls/gnutls.h>
#endif

#ifndef CONFORMD_SYSCONFDIR
#define CONFORMD_SYSCONFDIR	"/etc/conformd"
#endif
#ifndef CONFORMD_RULESDIR
#define CONFORMD_RULESDIR	"/usr/local/share/conformd/rules"
#endif

void
build_info_print(FILE *out)
{
	fprintf(out, "conformd %s\n", PACKAGE_VERSION);
#ifdef HAVE_NFLOG
	fprintf(out, "NFLOG: yes (libnetfilter_log %s)\n", NFLOG_VERSION);
#else
	fprintf(out, "NFLOG: no (built without libnetfilter_log)\n");
#endif
#ifdef HAVE_TLS
	fprintf(out, "TLS: GnuTLS %s (RFC 5425 syslog)\n", gnutls_check_version(NULL));
#else
	fprintf(out, "TLS: no (built without GnuTLS)\n");
#endif
	fprintf(out, "libpcap: %s\n", pcap_lib_version());
	fprintf(out, "SQLite: %s (built with %s)\n", sqlite3_libversion(), SQLITE_VERSION);
	fprintf(out, "configuration: %s/conformd.conf\n", CONFORMD_SYSCONFDIR);
	fprintf(out, "rules: %s\n", CONFORMD_RULESDIR);
}
