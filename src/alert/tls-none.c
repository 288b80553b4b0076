/*
 * tls-none.c - tls.h when conformd is built without TLS: every context
 * fails with the reason, so that a `transport tls` output says why.
 */
#include <stdio.h>

#include "conformd/tls.h"

int
tls_available(void)
{
	return 0;
}

const char *
tls_library(void)
{
	return "none";
}

struct tls_ctx *
tls_ctx_new(const char *ca_file, const char *cert_file, const char *key_file,
    char *err, size_t errlen)
{
	(void)ca_file;
	(void)cert_file;
	(void)key_file;
	snprintf(err, errlen, "this conformd was built without TLS (libgnutls28-dev)");
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	(void)c;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *c, int fd, const char *peer_name, char *err, size_t errlen)
{
	(void)c;
	(void)fd;
	(void)peer_name;
	snprintf(err, errlen, "this conformd was built without TLS");
	return NULL;
}

int
tls_conn_handshake(struct tls_conn *t, char *err, size_t errlen)
{
	(void)t;
	snprintf(err, errlen, "this conformd was built without TLS");
	return TLS_ERROR;
}

int
tls_conn_send(struct tls_conn *t, const void *buf, size_t len, size_t *sent,
    char *err, size_t errlen)
{
	(void)t;
	(void)buf;
	(void)len;
	*sent = 0;
	snprintf(err, errlen, "this conformd was built without TLS");
	return TLS_ERROR;
}

int
tls_conn_check(struct tls_conn *t, char *err, size_t errlen)
{
	(void)t;
	snprintf(err, errlen, "this conformd was built without TLS");
	return TLS_ERROR;
}

void
tls_conn_free(struct tls_conn *t)
{
	(void)t;
}
