/*
 * tls.c - tls.h on GnuTLS: RFC 5425 section 5.1's client side.
 * The collector's certificate is verified with GnuTLS's own path
 * validation against the configured CA file, and its identity checked
 * against the peer name (RFC 6125 rules as GnuTLS applies them: DNS names
 * against subjectAltName dNSName, else the subject's CN; IP addresses
 * against subjectAltName iPAddress).  The default priority string of
 * the system is used (Debian's: TLS 1.2 and 1.3).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "conformd/tls.h"

struct tls_ctx {
	gnutls_certificate_credentials_t cred;
};

struct tls_conn {
	gnutls_session_t s;
};

int
tls_available(void)
{
	return 1;
}

const char *
tls_library(void)
{
	static char v[32];

	snprintf(v, sizeof(v), "GnuTLS %s", gnutls_check_version(NULL));
	return v;
}

struct tls_ctx *
tls_ctx_new(const char *ca_file, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	struct tls_ctx *c = calloc(1, sizeof(*c));
	int rv;

	if (c == NULL || gnutls_certificate_allocate_credentials(&c->cred) != GNUTLS_E_SUCCESS) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	/* the number of certificates read, or an error */
	rv = gnutls_certificate_set_x509_trust_file(c->cred, ca_file, GNUTLS_X509_FMT_PEM);
	if (rv <= 0) {
		snprintf(err, errlen, "%s: %s", ca_file, rv == 0 ?
		    "no PEM certificate in it" : gnutls_strerror(rv));
		goto fail;
	}
	if (cert_file != NULL && key_file != NULL &&
	    (rv = gnutls_certificate_set_x509_key_file(c->cred, cert_file, key_file,
	    GNUTLS_X509_FMT_PEM)) < 0) {
		snprintf(err, errlen, "%s, %s: %s", cert_file, key_file, gnutls_strerror(rv));
		goto fail;
	}
	return c;
fail:
	tls_ctx_free(c);
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	gnutls_certificate_free_credentials(c->cred);
	free(c);
}

/* An address rather than a name? */
static int
tls_is_address(const char *name)
{
	unsigned char a[16];

	return inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *c, int fd, const char *peer_name, char *err, size_t errlen)
{
	struct tls_conn *t = calloc(1, sizeof(*t));
	int rv;

	/* GNUTLS_NO_SIGNAL: a collector gone sends no SIGPIPE (MSG_NOSIGNAL) */
	if (t == NULL || gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) !=
	    GNUTLS_E_SUCCESS) {
		snprintf(err, errlen, "out of memory");
		free(t);
		return NULL;
	}
	if ((rv = gnutls_set_default_priority(t->s)) != GNUTLS_E_SUCCESS ||
	    (rv = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, c->cred)) !=
	    GNUTLS_E_SUCCESS ||
	    /* SNI carries names only (RFC 6066 3) */
	    (!tls_is_address(peer_name) && (rv = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS,
	    peer_name, strlen(peer_name))) != GNUTLS_E_SUCCESS)) {
		snprintf(err, errlen, "%s", gnutls_strerror(rv));
		tls_conn_free(t);
		return NULL;
	}
	/* the handshake fails unless the chain and the name verify */
	gnutls_session_set_verify_cert(t->s, peer_name, 0);
	gnutls_transport_set_int(t->s, fd);
	return t;
}

int
tls_conn_handshake(struct tls_conn *t, char *err, size_t errlen)
{
	int rv = gnutls_handshake(t->s);

	if (rv == GNUTLS_E_SUCCESS)
		return TLS_OK;
	if (rv == GNUTLS_E_AGAIN || rv == GNUTLS_E_INTERRUPTED)
		return TLS_AGAIN;
	if (rv == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		unsigned status = gnutls_session_get_verify_cert_status(t->s);
		gnutls_datum_t out = { NULL, 0 };

		if (gnutls_certificate_verification_status_print(status,
		    gnutls_certificate_type_get(t->s), &out, 0) == GNUTLS_E_SUCCESS) {
			snprintf(err, errlen, "TLS: the collector's certificate: %s", out.data);
			gnutls_free(out.data);
			return TLS_ERROR;
		}
	}
	snprintf(err, errlen, "TLS handshake: %s", gnutls_strerror(rv));
	return TLS_ERROR;
}

int
tls_conn_send(struct tls_conn *t, const void *buf, size_t len, size_t *sent,
    char *err, size_t errlen)
{
	ssize_t n = gnutls_record_send(t->s, buf, len);

	*sent = 0;
	if (n >= 0) {
		*sent = (size_t)n;
		return TLS_OK;
	}
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return TLS_AGAIN;
	snprintf(err, errlen, "TLS: %s", gnutls_strerror((int)n));
	return TLS_ERROR;
}

int
tls_conn_check(struct tls_conn *t, char *err, size_t errlen)
{
	char buf[256];
	ssize_t n;

	/* what GnuTLS holds already, or the socket has */
	while (gnutls_record_check_pending(t->s) > 0 ||
	    poll(&(struct pollfd){ .fd = gnutls_transport_get_int(t->s), .events = POLLIN }, 1, 0) == 1) {
		n = gnutls_record_recv(t->s, buf, sizeof(buf));
		if (n > 0)
			continue;	/* data the collector should not send: ignored */
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return TLS_OK;	/* handshake messages only (session tickets) */
		if (n == 0)
			snprintf(err, errlen, "TLS: the collector closed the session");
		else if (n == GNUTLS_E_FATAL_ALERT_RECEIVED || n == GNUTLS_E_WARNING_ALERT_RECEIVED)
			snprintf(err, errlen, "TLS: the collector sent an alert: %s",
			    gnutls_alert_get_name(gnutls_alert_get(t->s)));
		else
			snprintf(err, errlen, "TLS: %s", gnutls_strerror((int)n));
		return TLS_ERROR;
	}
	return TLS_OK;
}

void
tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	gnutls_deinit(t->s);
	free(t);
}
