/*
 * log.h - diagnostics for operators (OpenBSD log.c style).
 *
 * Messages go to standard error (the journal under systemd) prefixed with
 * the program name.  Never called on the per-packet path.  Findings do not
 * go here: they go through the outputs.
 */
#ifndef CONFORMD_LOG_H
#define CONFORMD_LOG_H

/* Set the prefix and verbosity (0 quiet info, 1 info, 2 debug). */
void log_init(const char *progname, int verbose);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* appends ": strerror(errno)" */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CONFORMD_LOG_H */
