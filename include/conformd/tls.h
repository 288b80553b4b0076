/*
 * tls.h - the TLS client of the alert feeds (RFC 5425, syslog over TLS):
 * the collector's certificate verified against a CA file and a peer
 * name, an optional client certificate, on a non-blocking socket.
 *
 * Built on GnuTLS (tls.c); without it (./configure found no
 * libgnutls28-dev, or --without-tls) tls-none.c answers every call with
 * an error and tls_available() is 0.  One owner thread per context and
 * session (the store thread).
 */
#ifndef CONFORMD_TLS_H
#define CONFORMD_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct tls_ctx;		/* credentials: trusted CAs, our certificate */
struct tls_conn;	/* one session over a connected socket */

enum {
	TLS_OK = 0,		/* done */
	TLS_AGAIN = 1,		/* the socket would block: call again with the same arguments */
	TLS_ERROR = -1		/* failed: the reason is in err */
};

/* 1 when conformd was built with TLS, else 0. */
int tls_available(void);

/* "GnuTLS 3.7.9" or "none": for the build information. */
const char *tls_library(void);

/*
 * Load the credentials: the CA certificates that may sign the collector's
 * certificate (PEM file ca_file, required), and our client certificate
 * chain and key (PEM files cert_file and key_file, both or neither).
 * NULL with "file: reason" in err.  Freed with tls_ctx_free().
 */
struct tls_ctx *tls_ctx_new(const char *ca_file, const char *cert_file, const char *key_file,
    char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *c);

/*
 * Start a client session on connected socket fd (non-blocking; the
 * caller keeps it and closes it after tls_conn_free()).  The collector's
 * certificate must chain to the context's CAs and be issued to
 * `peer_name`: a DNS name (subjectAltName dNSName, else the subject's CN;
 * also sent as SNI) or an IP address (subjectAltName iPAddress).
 * NULL with a reason in err.
 */
struct tls_conn *tls_conn_new(struct tls_ctx *c, int fd, const char *peer_name,
    char *err, size_t errlen);

/* Go on with the handshake: TLS_OK when it is done and the peer verified,
 * TLS_AGAIN, or TLS_ERROR with the reason ("certificate ... not trusted"). */
int tls_conn_handshake(struct tls_conn *t, char *err, size_t errlen);

/* Send up to len bytes: *sent is set on TLS_OK; TLS_AGAIN: call again with
 * the same buf and len; TLS_ERROR: the session is broken. */
int tls_conn_send(struct tls_conn *t, const void *buf, size_t len, size_t *sent,
    char *err, size_t errlen);

/*
 * Is the session still good?  A collector sends nothing after the
 * handshake (RFC 5425), so whatever it sent is read here: TLS 1.3's
 * session tickets (TLS_OK), or an alert or a close, which end it
 * (TLS_ERROR with the reason: "the collector refused us: Certificate is
 * required").  Never blocks.
 */
int tls_conn_check(struct tls_conn *t, char *err, size_t errlen);

/* End the session (no close_notify: the socket may be gone) and free it.
 * NULL is a no-op. */
void tls_conn_free(struct tls_conn *t);

#endif /* CONFORMD_TLS_H */
