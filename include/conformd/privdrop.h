/*
 * privdrop.h - leaving root after the capture handles are open.
 *
 * conformd starts as root (or with CAP_NET_RAW, CAP_NET_ADMIN, CAP_SETUID,
 * CAP_SETGID under systemd), opens its capture handles, then becomes an
 * unprivileged user keeping only what reopening a capture needs:
 * CAP_NET_RAW (packet sockets) and CAP_NET_ADMIN (promiscuous mode, NFLOG
 * binding, SO_RCVBUFFORCE).
 */
#ifndef CONFORMD_PRIVDROP_H
#define CONFORMD_PRIVDROP_H

#include <stddef.h>

/*
 * Become `user` (its uid and primary group; no other groups).  With
 * keep_caps 1, CAP_NET_RAW and CAP_NET_ADMIN stay permitted and effective
 * (and nothing else); with 0, no capability at all.  The ambient set is
 * cleared and no_new_privs is set.  Everything is verified before
 * returning 0 (real, effective and saved ids, groups, capability sets, and
 * that root cannot be regained); -1 with the reason in err otherwise.
 *
 * Refuses a target user with uid 0: to keep running as root, the caller
 * does not call privdrop() at all (an explicit operator choice).  Fails
 * when not running as root (euid 0).  Call it in the main thread BEFORE
 * creating any thread: ids are process-wide, but capabilities are per
 * thread, and threads created afterwards inherit the reduced set.
 */
int privdrop(const char *user, int keep_caps, char *err, size_t errlen);

/*
 * Give up every capability of the calling thread (permitted, effective,
 * inheritable; the other threads keep theirs): first thing in every
 * thread that never opens a capture, and in the main thread once the
 * capture threads run.  Harmless without capabilities; a no-op when the
 * thread runs as root (root kept as told keeps its powers).  0, or -1
 * (the kernel refused, which it does not for a drop).
 */
int privdrop_thread(void);

#endif /* CONFORMD_PRIVDROP_H */
