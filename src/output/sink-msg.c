/*
 * sink-msg.c - records encoded into ring slots and replayed (sink-msg.h).
 */
#include <stddef.h>
#include <string.h>

#include "conformd/sink-msg.h"

/* Which strings a message carries: indices into str[]. */
enum { S_HOST, S_RULE, S_STATE, S_EVID };
#define S_NAME	S_STATE

#define NO_STR	UINT16_MAX

_Static_assert(S_EVID + 1 == SINK_MSG_NSTR, "one str[] entry a string");
_Static_assert(SINK_MSG_STRBYTES < NO_STR, "pool offsets fit str[]");

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
	m->u.n.used = 0;
	/* where a string that found no room points */
	m->u.n.pool[SINK_MSG_STRBYTES] = '\0';
	for (int i = 0; i < SINK_MSG_NSTR; i++)
		m->u.n.str[i] = NO_STR;
	return m;
}

static void
commit(struct sink_enc *e)
{
	e->records++;
	e->commit(e->arg);
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
	room = SINK_MSG_STRBYTES - m->u.n.used;
	if (room == 0) {
		e->truncated++;
		m->u.n.str[i] = SINK_MSG_STRBYTES;	/* the NUL at the end */
		return;
	}
	n = strlen(s);
	if (n >= room) {
		e->truncated++;
		n = room - 1;
	}
	memcpy(m->u.n.pool + m->u.n.used, s, n);
	m->u.n.pool[m->u.n.used + n] = '\0';
	m->u.n.str[i] = m->u.n.used;
	m->u.n.used += (uint16_t)(n + 1);
}

static const char *
get(const struct sink_msg *m, int i)
{
	return m->u.n.str[i] == NO_STR ? NULL : m->u.n.pool + m->u.n.str[i];
}

static void
q_flow(void *arg, const struct rec_flow *r)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve(e, SINK_MSG_FLOW);

	if (m == NULL)
		return;
	memcpy(&m->u.flow, r, sizeof(*r));	/* padding too: the slot holds the bytes sent */
	commit(e);
}

static void
q_finding(void *arg, const struct rec_finding *f)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve(e, SINK_MSG_FINDING);
	size_t n;

	if (m == NULL)
		return;
	/* the text up to its NUL: most findings carry none */
	n = strnlen(f->text, sizeof(f->text) - 1);
	memcpy(&m->u.finding, f, offsetof(struct rec_finding, text) + n);
	m->u.finding.text[n] = '\0';
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
	put(e, m, S_HOST, host);
	put(e, m, S_RULE, rule_id);
	put(e, m, S_STATE, state);
	put(e, m, S_EVID, evidence);
	m->u.n.value = flows;
	m->u.n.bytes = bytes;
	m->u.n.first = first_usec;
	m->u.n.last = last_usec;
	commit(e);
}

static void
q_counter(void *arg, const char *name, uint64_t value)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve_str(e, SINK_MSG_COUNTER);

	if (m == NULL)
		return;
	put(e, m, S_NAME, name);
	m->u.n.value = value;
	commit(e);
}

static void
q_observe(void *arg, int host)
{
	struct sink_enc *e = arg;
	struct sink_msg *m = reserve(e, SINK_MSG_OBSERVE);

	if (m == NULL)
		return;
	m->u.n.host = host;
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
	m->u.n.host = host;
	m->u.n.rule = rule;
	m->u.n.ok = ok;
	m->u.n.bytes = bytes;
	m->u.n.first = first_usec;
	m->u.n.last = last_usec;
	put(e, m, S_EVID, evidence);
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
			to->flow(to->arg, &m->u.flow);
		break;
	case SINK_MSG_FINDING:
		if (to->finding != NULL)
			to->finding(to->arg, &m->u.finding);
		break;
	case SINK_MSG_COVERAGE:
		if (to->coverage != NULL)
			to->coverage(to->arg, get(m, S_HOST), get(m, S_RULE), get(m, S_STATE),
			    m->u.n.value, m->u.n.bytes, m->u.n.first, m->u.n.last, get(m, S_EVID));
		break;
	case SINK_MSG_COUNTER:
		if (to->counter != NULL)
			to->counter(to->arg, get(m, S_NAME), m->u.n.value);
		break;
	case SINK_MSG_OBSERVE:
		if (to->observe != NULL)
			to->observe(to->arg, m->u.n.host);
		break;
	case SINK_MSG_COVER:
		if (to->cover != NULL)
			to->cover(to->arg, m->u.n.host, m->u.n.rule, m->u.n.ok, m->u.n.bytes,
			    m->u.n.first, m->u.n.last, get(m, S_EVID));
		break;
	default:
		break;
	}
}
