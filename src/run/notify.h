/*
 * notify.h - the systemd service notification protocol (sd_notify(3))
 * without libsystemd: one datagram of "KEY=VALUE\n..." lines to the unix
 * socket named by $NOTIFY_SOCKET.
 *
 * The daemon sends READY=1 once its captures are open and it runs,
 * RELOADING=1 when a SIGHUP reload starts (then READY=1 again), STOPPING=1
 * on the way out, and STATUS=... lines with packet and drop counts.
 * Outside systemd ($NOTIFY_SOCKET unset) every call does nothing.
 */
#ifndef CONFORMD_NOTIFY_H
#define CONFORMD_NOTIFY_H

/*
 * Send `state` (e.g. "READY=1" or "STATUS=12 packets, 0 dropped").
 * $NOTIFY_SOCKET may be a path ("/run/systemd/notify") or an abstract
 * socket ("@name").  Returns 1 when sent, 0 when $NOTIFY_SOCKET is unset
 * or empty (nothing to do), -1 with errno set on failure (EINVAL: the
 * variable names an unsupported or too long address).  Any thread;
 * opens and closes its own socket, never blocks on a full receiver.
 */
int notify_send(const char *state);

/* notify_send() of a printf-formatted state (at most 1024 bytes). */
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CONFORMD_NOTIFY_H */
