/*
 * sink-msg.c - records encoded into ring slots and replayed (sinkmsg.h).
 */
#include <stddef.h>
#include <string.h>

#include "conformd/sinkmsg.h"

/* Which strings a message carries: indices into str[].  Coverage and
 * counters reuse the finding's. */
enum { S_SIG, S_CAT, S_RULE, S_EVID, S_HOST, S_HOSTIP, S_CITE };
#define C_HOST	S_HOST
#define C_RULE	S_RULE
#define C_STATE	S_SIG
#define C_EVID	S_EVID
#define C_NAME	S_SIG

#define NO_STR	UINT16_MAX

_Static_assert(S_CITE + 1 == SINK_MSG_NSTR, "one str[] entry a string");
_Static_assert(sizeof(struct flow_record) - offsetof(struct flow_record, failure) -
    sizeof(((struct flow_record *)0)->failure) < 8,
    "record_copy() copies up to failure[], the last field of struct flow_record");

/* --- encoding ------------------------------------------------------------- */

static struct sink_msg *
reserve(struct sink_enc *e, uint32_t type)
{
	struct sink_msg *m = e->reserve(e->arg, type);

	if (m != NULL)
		m->type = type;
	return m;
}

/* A slot that carries strings in its pool. */
static struct sink_msg *
reserve_str(struct sink_enc *e, uint32_t type)
{
	struct sink_msg *m = reserve(e, type);

	if (m == NULL)
		return NULL;
	m->used = 0;
	for (int i = 0; i < SINK_MSG_NSTR; i++)
		m->str[i] = NO_STR;
	return m;
}

static void
commit(struct sink_enc *e)
{
	e->records++;
	e->commit(e->arg);
}

/* A NUL-terminated string into a buffer of the same size as its source's. */
static void
copy_cstr(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * *r into *d, the fixed string buffers up to their NUL only: about 250
 * bytes instead of the struct's 1.1 KB, and so as many fewer cache lines
 * for the reading core to pull.
 */
static void
record_copy(struct flow_record *d, const struct flow_record *r)
{
	memcpy(d, r, offsetof(struct flow_record, src_role));
	copy_cstr(d->src_role, r->src_role, sizeof(d->src_role));
	copy_cstr(d->dest_role, r->dest_role, sizeof(d->dest_role));
	d->src_host = r->src_host;
	d->dest_host = r->dest_host;
	copy_cstr(d->failure, r->failure, sizeof(d->failure));
}

/* Copy s (may be NULL) into the message's pool as string i; cut when the
 * pool is full (counted): a cut string arrives shorter, or as "", never
 * as NULL (which means absent). */
static void
put(struct sink_enc *e, struct sink_msg *m, int i, const char *s)
{
	size_t room, n;

	if (s == NULL)
		return;
	room = SINK_MSG_STRBYTES - m->used;
	if (room == 0) {
		e->truncated++;
		m->str[i] = SINK_MSG_STRBYTES;	/* the NUL at the end */
		return;
	}
	n = strlen(s);
	if (n >= room) {
		e->truncated++;
		n = room - 1;
	}
	memcpy(m->pool + m->used, s, n);
	m->pool[m->used + n] = '\0';
	m->str[i] = m->used;
	m->used += (uint16_t)(n + 1);
}

static const char *
get(const struct sink_msg *m, int i)
{
	return m->str[i] == NO_STR ? NULL : m->pool + m->str[i];
}

static void
q_flow(void *arg, const struct flow_record *r)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve(e, SINK_MSG_FLOW);

	if (m == NULL)
		return;
	record_copy(&m->r, r);
	commit(e);
}

static void
q_finding(void *arg, const struct finding *f)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve_str(e, SINK_MSG_FINDING);

	if (m == NULL)
		return;
	m->f = *f;
	m->has_flow = f->flow != NULL;
	if (m->has_flow)
		record_copy(&m->r, f->flow);
	put(e, m, S_SIG, f->signature);
	put(e, m, S_CAT, f->category);
	put(e, m, S_RULE, f->rule_id);
	put(e, m, S_EVID, f->evidence);
	put(e, m, S_HOST, f->host);
	put(e, m, S_HOSTIP, f->host_ip);
	put(e, m, S_CITE, f->rule_cite);
	commit(e);
}

static void
q_coverage(void *arg, const char *host, const char *rule_id, const char *state,
    uint64_t flows, uint64_t bytes, uint64_t first_usec, uint64_t last_usec,
    const char *evidence)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve_str(e, SINK_MSG_COVERAGE);

	if (m == NULL)
		return;
	put(e, m, C_HOST, host);
	put(e, m, C_RULE, rule_id);
	put(e, m, C_STATE, state);
	put(e, m, C_EVID, evidence);
	m->value = flows;
	m->bytes = bytes;
	m->first = first_usec;
	m->last = last_usec;
	commit(e);
}

static void
q_counter(void *arg, const char *name, uint64_t value)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve_str(e, SINK_MSG_COUNTER);

	if (m == NULL)
		return;
	put(e, m, C_NAME, name);
	m->value = value;
	commit(e);
}

static void
q_observe(void *arg, int host)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve(e, SINK_MSG_OBSERVE);

	if (m == NULL)
		return;
	m->host = host;
	commit(e);
}

static void
q_cover(void *arg, int host, int rule, int ok, uint64_t bytes, uint64_t first_usec,
    uint64_t last_usec, const char *evidence)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve_str(e, SINK_MSG_COVER);

	if (m == NULL)
		return;
	m->host = host;
	m->rule = rule;
	m->ok = ok;
	m->bytes = bytes;
	m->first = first_usec;
	m->last = last_usec;
	put(e, m, C_EVID, evidence);
	commit(e);
}

void
sink_enc_front(struct sink_enc *enc, const struct engine_sink *shape,
    struct engine_sink *front)
{
	memset(front, 0, sizeof(*front));
	front->arg = enc;
	front->flow = shape == NULL || shape->flow != NULL ? q_flow : NULL;
	front->finding = shape == NULL || shape->finding != NULL ? q_finding : NULL;
	front->coverage = shape == NULL || shape->coverage != NULL ? q_coverage : NULL;
	front->counter = shape == NULL || shape->counter != NULL ? q_counter : NULL;
	front->observe = shape == NULL || shape->observe != NULL ? q_observe : NULL;
	front->cover = shape == NULL || shape->cover != NULL ? q_cover : NULL;
}

/* --- replay --------------------------------------------------------------- */

void
sink_msg_apply(const struct engine_sink *to, struct sink_msg *m)
{
	switch (m->type) {
	case SINK_MSG_FLOW:
		if (to->flow != NULL)
			to->flow(to->arg, &m->r);
		break;
	case SINK_MSG_FINDING:
		if (to->finding == NULL)
			break;
		m->f.flow = m->has_flow ? &m->r : NULL;
		m->f.signature = get(m, S_SIG);
		m->f.category = get(m, S_CAT);
		m->f.rule_id = get(m, S_RULE);
		m->f.evidence = get(m, S_EVID);
		m->f.host = get(m, S_HOST);
		m->f.host_ip = get(m, S_HOSTIP);
		m->f.rule_cite = get(m, S_CITE);
		to->finding(to->arg, &m->f);
		break;
	case SINK_MSG_COVERAGE:
		if (to->coverage != NULL)
			to->coverage(to->arg, get(m, C_HOST), get(m, C_RULE), get(m, C_STATE),
			    m->value, m->bytes, m->first, m->last, get(m, C_EVID));
		break;
	case SINK_MSG_COUNTER:
		if (to->counter != NULL)
			to->counter(to->arg, get(m, C_NAME), m->value);
		break;
	case SINK_MSG_OBSERVE:
		if (to->observe != NULL)
			to->observe(to->arg, m->host);
		break;
	case SINK_MSG_COVER:
		if (to->cover != NULL)
			to->cover(to->arg, m->host, m->rule, m->ok, m->bytes, m->first,
			    m->last, get(m, C_EVID));
		break;
	default:
		break;
	}
}
