/*
 * config-output.c - conformd.conf's `output NAME { ... }` blocks: the alert
 * feeds (local syslog, a remote collector over UDP, TCP or TLS, an EVE
 * socket), their keys, defaults and cross-checks, and their canonical form.
 *
 * Formats in conformd.conf(5) (OUTPUTS); the transports follow RFC 5424
 * (message), RFC 5426 (UDP), RFC 6587 (TCP framing) and RFC 5425 (TLS).
 * Errors are `file:line: message` through the parse state of config.c
 * (config-value.h), whose statement table hands this file the whole line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conformd/config.h"
#include "conformd/lex.h"
#include "conformd/sensor.h"
#include "conformd/tls.h"
#include "config-output.h"
#include "config-value.h"

#define CONFIG_MIN_MSG		480UL		/* RFC 5426 3.2: every receiver takes 480 octets */
#define CONFIG_MAX_MSG		65000UL		/* below the largest UDP payload */
#define CONFIG_MAX_QUEUE	1000000UL
#define CONFIG_IDENT_MAX	48		/* RFC 5424 APP-NAME */

/* The keys of an `output` block. */
enum {
	OK_TYPE, OK_FORMAT, OK_FACILITY, OK_IDENT, OK_HOST, OK_PORT, OK_TRANSPORT,
	OK_MAX_SIZE, OK_QUEUE, OK_MIN_SEVERITY, OK_PATH, OK_CA_FILE, OK_CERT_FILE,
	OK_KEY_FILE, OK_PEER_NAME, OK_COUNT
};

static const char *const output_keys[OK_COUNT + 1] = {
	[OK_TYPE] = "type",
	[OK_FORMAT] = "format",
	[OK_FACILITY] = "facility",
	[OK_IDENT] = "ident",
	[OK_HOST] = "host",
	[OK_PORT] = "port",
	[OK_TRANSPORT] = "transport",
	[OK_MAX_SIZE] = "max-size",
	[OK_QUEUE] = "queue",
	[OK_MIN_SEVERITY] = "min-severity",
	[OK_PATH] = "path",
	[OK_CA_FILE] = "ca-file",
	[OK_CERT_FILE] = "cert-file",
	[OK_KEY_FILE] = "key-file",
	[OK_PEER_NAME] = "peer-name",
	[OK_COUNT] = NULL
};

/* Indexed by enum config_output_type / _format / _transport. */
static const char *const output_types[] = { "", "syslog", "remote", "eve-socket", NULL };
static const char *const output_formats[] = { "", "rfc5424", "cef", "leef", "eve", NULL };
static const char *const output_transports[] = { "", "udp", "tcp", "tls", NULL };

/* Which keys each type takes, as bits of 1 << OK_*. */
static const unsigned output_type_keys[] = {
	0,
	/* syslog */ (1u << OK_TYPE) | (1u << OK_FORMAT) | (1u << OK_FACILITY) |
	    (1u << OK_IDENT) | (1u << OK_MAX_SIZE) | (1u << OK_MIN_SEVERITY),
	/* remote */ (1u << OK_TYPE) | (1u << OK_FORMAT) | (1u << OK_FACILITY) |
	    (1u << OK_IDENT) | (1u << OK_HOST) | (1u << OK_PORT) | (1u << OK_TRANSPORT) |
	    (1u << OK_MAX_SIZE) | (1u << OK_QUEUE) | (1u << OK_MIN_SEVERITY) |
	    (1u << OK_CA_FILE) | (1u << OK_CERT_FILE) | (1u << OK_KEY_FILE) |
	    (1u << OK_PEER_NAME),
	/* eve-socket */ (1u << OK_TYPE) | (1u << OK_FORMAT) | (1u << OK_PATH) |
	    (1u << OK_MAX_SIZE) | (1u << OK_QUEUE) | (1u << OK_MIN_SEVERITY)
};

/* Syslog facilities an output may name (RFC 5424 6.2.1 codes). */
static const struct {
	const char	*name;
	int		 code;
} output_facilities[] = {
	{ "user", 1 }, { "daemon", 3 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 },
	{ "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
	{ NULL, 0 }
};

static const char *
config_facility_name(int code)
{
	for (int i = 0; output_facilities[i].name != NULL; i++)
		if (output_facilities[i].code == code)
			return output_facilities[i].name;
	return "local0";
}

/* The OK_* index of an output block key, or -1. */
static int
config_output_key_index(const char *w)
{
	for (int k = 0; output_keys[k] != NULL; k++)
		if (strcmp(output_keys[k], w) == 0)
			return k;
	return -1;
}

/* An output name: what counters and messages are named after. */
static int
config_output_name_ok(const char *w)
{
	size_t n = strlen(w);

	if (n == 0 || n > CONFIG_OUTPUT_NAME_MAX)
		return 0;
	for (; *w != '\0'; w++)
		if (!((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
		    (*w >= '0' && *w <= '9') || *w == '-' || *w == '_' || *w == '.'))
			return 0;
	return 1;
}

/* RFC 5424 APP-NAME: 1*48PRINTUSASCII (33..126). */
static int
config_ident_ok(const char *w)
{
	size_t n = strlen(w);

	if (n == 0 || n > CONFIG_IDENT_MAX)
		return 0;
	for (; *w != '\0'; w++)
		if (*w < 33 || *w > 126)
			return 0;
	return 1;
}

/* One key/value of an output block whose type is known. */
static void
config_output_key(struct config_parse *p, struct config_output *o, int key,
    const struct token *kt, const struct token *v)
{
	unsigned long n;
	int i;

	switch (key) {
	case OK_TYPE:
		break;		/* read before the other keys */
	case OK_FORMAT:
		if ((i = config_lookup(output_formats, v->text)) == 0) {
			diag_error(p->d, p->file, v->line,
			    "unknown output format %s (rfc5424, cef, leef, eve)", v->text);
			return;
		}
		if (o->type == OUTPUT_EVE_SOCKET && i != OUTPUT_FMT_EVE) {
			diag_error(p->d, p->file, v->line,
			    "output %s: type eve-socket sends only format eve, not %s",
			    o->name, v->text);
			return;
		}
		o->format = i;
		break;
	case OK_FACILITY:
		for (i = 0; output_facilities[i].name != NULL; i++)
			if (strcmp(output_facilities[i].name, v->text) == 0)
				break;
		if (output_facilities[i].name == NULL) {
			diag_error(p->d, p->file, v->line,
			    "unknown facility %s (local0 to local7, daemon, user)", v->text);
			return;
		}
		o->facility = output_facilities[i].code;
		break;
	case OK_IDENT:
		if (!config_ident_ok(v->text)) {
			diag_error(p->d, p->file, v->line,
			    "ident must be 1 to %d printable characters without blanks, not \"%s\"",
			    CONFIG_IDENT_MAX, v->text);
			return;
		}
		(void)config_strdup(p, &o->ident, v->text);
		break;
	case OK_HOST: {
		unsigned char a[16];

		/* numeric only: conformd never resolves names */
		if (inet_pton(AF_INET, v->text, a) != 1 && inet_pton(AF_INET6, v->text, a) != 1) {
			diag_error(p->d, p->file, v->line,
			    "host must be a numeric IPv4 or IPv6 address, not %s", v->text);
			return;
		}
		(void)config_strdup(p, &o->host, v->text);
		break;
	}
	case OK_PORT:
		if (config_number(p, kt, v, 1, 65535, &n) == 0)
			o->port = (uint16_t)n;
		break;
	case OK_TRANSPORT:
		if ((i = config_lookup(output_transports, v->text)) == 0) {
			diag_error(p->d, p->file, v->line,
			    "transport must be udp, tcp or tls, not %s", v->text);
			return;
		}
		if (i == OUTPUT_TLS && !tls_available()) {
			diag_error(p->d, p->file, v->line,
			    "output %s: transport tls: this conformd was built without TLS "
			    "(./configure found no libgnutls28-dev)", o->name);
			return;
		}
		o->transport = i;
		break;
	case OK_CA_FILE:
	case OK_CERT_FILE:
	case OK_KEY_FILE: {
		char **dst = key == OK_CA_FILE ? &o->ca_file : key == OK_CERT_FILE ?
		    &o->cert_file : &o->key_file;

		config_path(p, kt, v, dst);
		/* read when the output opens, after privileges are dropped */
		if (*dst != NULL && access(*dst, R_OK) == -1)
			diag_error(p->d, p->file, v->line, "output %s: %s %s: %s", o->name,
			    kt->text, v->text, strerror(errno));
		break;
	}
	case OK_PEER_NAME:
		if (!sensor_name_ok(v->text)) {
			diag_error(p->d, p->file, v->line,
			    "peer-name must be a DNS name or an address without blanks, not \"%s\"",
			    v->text);
			return;
		}
		(void)config_strdup(p, &o->peer_name, v->text);
		break;
	case OK_MAX_SIZE:
		if (config_number(p, kt, v, CONFIG_MIN_MSG, CONFIG_MAX_MSG, &n) == 0)
			o->max_size = (uint32_t)n;
		break;
	case OK_QUEUE:
		if (config_number(p, kt, v, 1, CONFIG_MAX_QUEUE, &n) == 0)
			o->queue = (uint32_t)n;
		break;
	case OK_MIN_SEVERITY:
		if (config_severity_value(p, "min-severity", v, &n) == 0)
			o->min_severity = (int)n;
		break;
	case OK_PATH:
		config_path(p, kt, v, &o->path);
		break;
	}
}

/*
 * output NAME type T [key value]...: the keys may come in any order (a
 * block usually puts one a line); each at most once, and only the keys
 * its type uses.
 */
void
config_output(struct config_parse *p, const struct stmt *s)
{
	struct config *c = p->c;
	const struct token *name;
	struct config_output *o;
	int keyline[OK_COUNT] = { 0 }, keytok[OK_COUNT] = { 0 }, tokkey[2 * OK_COUNT + 4];
	int errors0 = p->d->nerrors, i;

	/* `output type syslog`: the keys came without a name */
	if (s->ntok < 2 || (s->ntok % 2 == 1 && config_output_key_index(s->tok[1].text) >= 0)) {
		diag_error(p->d, p->file, s->tok[0].line,
		    "missing name for output (output NAME { type ... })");
		return;
	}
	name = &s->tok[1];
	if (!config_output_name_ok(name->text)) {
		diag_error(p->d, p->file, name->line,
		    "output name \"%s\" must be 1 to %d letters, digits, '-', '_' or '.'",
		    name->text, CONFIG_OUTPUT_NAME_MAX);
		return;
	}
	for (i = 0; i < c->noutputs; i++)
		if (strcmp(c->outputs[i].name, name->text) == 0) {
			diag_error(p->d, p->file, name->line,
			    "duplicate output %s (first at %s:%d)", name->text, p->file,
			    c->outputs[i].line);
			return;
		}
	if (c->noutputs >= CONFIG_MAX_OUTPUTS) {
		diag_error(p->d, p->file, s->tok[0].line,
		    "too many outputs (at most %d)", CONFIG_MAX_OUTPUTS);
		return;
	}
	/* first pass: every key known, given once, with a value */
	for (i = 2; i < s->ntok; i += 2) {
		const struct token *kt = &s->tok[i];
		int k = config_output_key_index(kt->text);

		if (k < 0) {
			diag_error(p->d, p->file, kt->line, "output %s: unknown key %s",
			    name->text, kt->text);
			continue;
		}
		if (i + 1 >= s->ntok) {
			diag_error(p->d, p->file, kt->line, "output %s: missing value for %s",
			    name->text, kt->text);
			continue;
		}
		if (keyline[k] != 0) {
			diag_error(p->d, p->file, kt->line,
			    "output %s: duplicate key %s (first at %s:%d)", name->text,
			    kt->text, p->file, keyline[k]);
			continue;
		}
		keyline[k] = kt->line;
		keytok[k] = i;
		/* no error means at most OK_COUNT pairs: the bound holds then */
		if ((size_t)(i / 2) < sizeof(tokkey) / sizeof(tokkey[0]))
			tokkey[i / 2] = k;
	}
	if (p->d->nerrors != errors0)
		return;
	if (keyline[OK_TYPE] == 0) {
		diag_error(p->d, p->file, name->line,
		    "output %s: no type (syslog, remote, eve-socket)", name->text);
		return;
	}

	o = &c->outputs[c->noutputs];
	memset(o, 0, sizeof(*o));
	o->line = name->line;
	if (config_strdup(p, &o->name, name->text) == -1)
		return;
	c->noutputs++;		/* from here config_free() owns what o holds */
	{
		const struct token *v = &s->tok[keytok[OK_TYPE] + 1];

		if ((o->type = config_lookup(output_types, v->text)) == 0) {
			diag_error(p->d, p->file, v->line,
			    "unknown output type %s (syslog, remote, eve-socket)", v->text);
			return;
		}
	}
	o->format = o->type == OUTPUT_EVE_SOCKET ? OUTPUT_FMT_EVE : OUTPUT_FMT_RFC5424;
	o->facility = 16;	/* local0 */
	o->port = 514;
	o->transport = OUTPUT_UDP;
	o->queue = 10000;
	o->min_severity = 3;
	if (o->type == OUTPUT_REMOTE && keyline[OK_HOST] == 0)
		diag_error(p->d, p->file, name->line, "output %s: type remote needs a host",
		    o->name);
	if (o->type == OUTPUT_EVE_SOCKET && keyline[OK_PATH] == 0)
		diag_error(p->d, p->file, name->line,
		    "output %s: type eve-socket needs a path", o->name);
	/* in file order, so that the messages are */
	for (i = 2; i < s->ntok; i += 2) {
		int k = tokkey[i / 2];

		if (!(output_type_keys[o->type] & (1u << k))) {
			diag_error(p->d, p->file, keyline[k],
			    "output %s: %s does not apply to type %s", o->name,
			    output_keys[k], output_types[o->type]);
			continue;
		}
		config_output_key(p, o, k, &s->tok[keytok[k]], &s->tok[keytok[k] + 1]);
	}
	/* TLS: RFC 5425's port unless one is given, a CA to verify the
	 * collector with, our certificate with its key */
	if (o->transport == OUTPUT_TLS) {
		if (keyline[OK_PORT] == 0)
			o->port = CONFIG_TLS_PORT;
		if (o->ca_file == NULL && keyline[OK_CA_FILE] == 0)
			diag_error(p->d, p->file, name->line,
			    "output %s: transport tls needs a ca-file to verify the collector with",
			    o->name);
		if ((keyline[OK_CERT_FILE] == 0) != (keyline[OK_KEY_FILE] == 0))
			diag_error(p->d, p->file, name->line,
			    "output %s: cert-file and key-file go together", o->name);
	} else if (keyline[OK_TRANSPORT] == 0 ||
	    strcmp(s->tok[keytok[OK_TRANSPORT] + 1].text, "tls") != 0)
		/* (a tls refused above has said why already) */
		for (int k = OK_CA_FILE; k <= OK_PEER_NAME; k++)
			if (keyline[k] != 0)
				diag_error(p->d, p->file, keyline[k],
				    "output %s: %s applies to transport tls only", o->name,
				    output_keys[k]);
	if (o->max_size == 0)
		o->max_size = o->type == OUTPUT_EVE_SOCKET ||
		    (o->type == OUTPUT_REMOTE && o->transport != OUTPUT_UDP) ? 8192 : 2048;
	if (o->type != OUTPUT_EVE_SOCKET && o->ident == NULL)
		(void)config_strdup(p, &o->ident, "conformd");
	/* syslog(3) keeps one identity per process */
	if (o->type == OUTPUT_SYSLOG && o->ident != NULL)
		for (i = 0; i < c->noutputs - 1; i++)
			if (c->outputs[i].type == OUTPUT_SYSLOG &&
			    strcmp(c->outputs[i].ident, o->ident) != 0) {
				diag_error(p->d, p->file, name->line,
				    "output %s: ident %s differs from ident %s of output %s "
				    "(local syslog has one ident per process)", o->name,
				    o->ident, c->outputs[i].ident, c->outputs[i].name);
				break;
			}
}

void
config_output_print(const struct config_output *o, FILE *out)
{
	fprintf(out, "output %s {\n", o->name);
	fprintf(out, "\ttype %s\n", output_types[o->type]);
	fprintf(out, "\tformat %s\n", output_formats[o->format]);
	if (o->type != OUTPUT_EVE_SOCKET) {
		fprintf(out, "\tfacility %s\n", config_facility_name(o->facility));
		config_print_word("\tident", o->ident, out);
	}
	if (o->type == OUTPUT_REMOTE) {
		fprintf(out, "\thost %s\n", o->host);
		fprintf(out, "\tport %u\n", o->port);
		fprintf(out, "\ttransport %s\n", output_transports[o->transport]);
		config_print_word("\tca-file", o->ca_file, out);
		config_print_word("\tcert-file", o->cert_file, out);
		config_print_word("\tkey-file", o->key_file, out);
		config_print_word("\tpeer-name", o->peer_name, out);
	}
	if (o->type == OUTPUT_EVE_SOCKET)
		config_print_word("\tpath", o->path, out);
	fprintf(out, "\tmax-size %u\n", o->max_size);
	if (o->type != OUTPUT_SYSLOG)
		fprintf(out, "\tqueue %u\n", o->queue);
	fprintf(out, "\tmin-severity %d\n", o->min_severity);
	fputs("}\n", out);
}

void
config_output_free(struct config_output *o)
{
	free(o->name);
	free(o->ident);
	free(o->host);
	free(o->path);
	free(o->ca_file);
	free(o->cert_file);
	free(o->key_file);
	free(o->peer_name);
}
