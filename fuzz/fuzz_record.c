/*
 * fuzz_record.c - libFuzzer target: binary records (record.h) as they
 * cross threads, through the ring slot's encoding (sink-msg.h) and the
 * writers' text (record-text.c, eve.c, alert.c).
 *
 * Each input is one record, its bytes taken as they are:
 *   byte 0   bit 0: a finding (else a flow); bits 1-2: the policy
 *            pointers (bit 1 unset: the record's policy is NULL; bit 2
 *            unset: the flow's ruleset is NULL); bit 3: the indices and
 *            enumerations brought into range first (most inputs are
 *            then records a classifier could make, so the text makers'
 *            every branch is fed; without it most are refused)
 *   then     the record's own bytes (struct rec_flow or struct
 *            rec_finding, pointers excepted), zero-filled when short
 * The pointers are set to the sample site's policy and ruleset (they
 * never come from the wire: a worker sets them), everything else is the
 * fuzzer's: indices, enumerations, lengths, an unterminated text.
 * Properties besides ASan and UBSan:
 *   - the slot's encoding gives back the record it was given (a flow
 *     byte for byte, a finding up to its text's NUL);
 *   - the text makers refuse (-1) every record whose host, rule, family,
 *     end, failure, kind or evidence is out of range, checked here
 *     independently of record_flow_valid()/record_finding_valid(), and
 *     take the others;
 *   - what they take formats as an EVE flow or alert line and an alert
 *     feed message, each NUL-terminated, JSON starting with '{' and
 *     ending with '}', within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conformd/alert.h"
#include "conformd/config.h"
#include "conformd/eve.h"
#include "conformd/inventory.h"
#include "conformd/policy.h"
#include "conformd/record-text.h"
#include "conformd/rules.h"
#include "conformd/sink-msg.h"
#include "fuzz-site.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct policy *pol;
static const struct ruleset *rs;
static const struct inventory *inv;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_site_init("fuzz_record");
	pol = fuzz_site_policy();
	rs = policy_ruleset(pol);
	inv = policy_inventory(pol);
	return 0;
}

/* --- the slot's encoding: one slot, replayed into a catcher ------------- */

static struct sink_msg slot;
static const struct rec_flow *caught_flow;
static const struct rec_finding *caught_finding;

static struct sink_msg *
one_reserve(void *arg, uint32_t type)
{
	(void)arg;
	(void)type;
	memset(&slot, 0xa5, sizeof(slot));	/* nothing of a previous record shows through */
	return &slot;
}

static void
one_commit(void *arg)
{
	(void)arg;
}

static void
catch_flow(void *arg, const struct rec_flow *b)
{
	(void)arg;
	caught_flow = b;
}

static void
catch_finding(void *arg, const struct rec_finding *b)
{
	(void)arg;
	caught_finding = b;
}

/* --- the fuzzer's own idea of a valid record ---------------------------- */

/* An ICMP failure names an unreachable the classifier records. */
static int
icmp_names_unreach(const struct flow *f)
{
	int v6 = f->key.proto == IPPROTO_NUM_ICMPV6 || f->key.family == 6;

	return icmp_unreach_name(v6 ? IPPROTO_NUM_ICMPV6 : IPPROTO_NUM_ICMP, f->icmp_type,
	    f->icmp_code) != NULL;
}

static int
flow_in_range(const struct rec_flow *b)
{
	const struct flow *f = &b->f;

	if (b->pol == NULL || (f->key.family != 4 && f->key.family != 6) || f->ini > 1 ||
	    f->verdict > VERDICT_UNMONITORED || b->fail >= REC_FAIL_MAX ||
	    (b->end > FLOW_END_FLUSH && b->end != REC_END_NONE))
		return 0;
	if (b->fail == REC_FAIL_ICMP && !icmp_names_unreach(f))
		return 0;
	if (f->rule != RULE_NONE && b->rule_rs != NULL && f->rule >= b->rule_rs->nrules)
		return 0;
	for (int side = 0; side < 2; side++)
		if (f->host[side] < -1 || f->host[side] >= inv->nhosts)
			return 0;
	return 1;
}

static int
finding_in_range(const struct rec_finding *b)
{
	if (b->kind < FINDING_UNEXPECTED || b->kind > FINDING_SCAN ||
	    b->evidence >= REC_EV_MAX || b->fail >= REC_FAIL_MAX ||
	    memchr(b->text, '\0', sizeof(b->text)) == NULL)
		return 0;
	if (b->kind == FINDING_MISSING)
		return b->pol != NULL && !b->has_flow &&
		    (b->family == 0 || b->family == 4 || b->family == 6) &&
		    b->host >= 0 && b->host < inv->nhosts && b->rule >= -1 && b->rule < rs->nrules &&
		    (b->evidence == REC_EV_UNOBSERVED ? b->rule == -1 :
		    b->evidence == REC_EV_NOT_SEEN && b->rule >= 0);
	if (!b->has_flow || !flow_in_range(&b->flow))
		return 0;
	switch (b->kind) {
	case FINDING_UNEXPECTED:
		return b->evidence == REC_EV_NONE;
	case FINDING_BLOCKED:
		return b->evidence == REC_EV_FAIL && b->fail != REC_FAIL_NONE &&
		    (b->fail != REC_FAIL_ICMP || icmp_names_unreach(&b->flow.f));
	case FINDING_SCAN:
		return b->evidence == REC_EV_SCAN && strchr(b->text, REC_SCAN_SEP) != NULL;
	default:
		return b->evidence == REC_EV_SERVER_FIRST || b->evidence == REC_EV_CLEARTEXT ||
		    b->evidence == REC_EV_ROW_SAYS;
	}
}

/* --- bit 3: a record a classifier could make ---------------------------- */

static void
repair_flow(struct rec_flow *b)
{
	struct flow *f = &b->f;

	f->key.family = f->key.family & 1 ? 6 : 4;
	f->ini &= 1;
	f->verdict %= VERDICT_UNMONITORED + 1;
	b->fail %= REC_FAIL_MAX;
	if (b->fail == REC_FAIL_ICMP && !icmp_names_unreach(f))
		b->fail = REC_FAIL_NONE;
	b->end = b->end & 0x80 ? REC_END_NONE : b->end % (FLOW_END_FLUSH + 1);
	if (f->rule != RULE_NONE)
		f->rule %= (uint16_t)rs->nrules;
	for (int side = 0; side < 2; side++)
		f->host[side] = (int32_t)((uint32_t)f->host[side] % (uint32_t)(inv->nhosts + 1)) - 1;
}

static void
repair_finding(struct rec_finding *b)
{
	b->kind = FINDING_UNEXPECTED + b->kind % (FINDING_KINDS - 1);
	b->text[sizeof(b->text) - 1] = '\0';
	b->fail %= REC_FAIL_MAX;
	if (b->kind == FINDING_MISSING) {
		b->has_flow = 0;
		b->family = b->family % 3 == 0 ? 0 : b->family % 3 == 1 ? 4 : 6;
		b->host = (int32_t)((uint32_t)b->host % (uint32_t)inv->nhosts);
		b->rule = (int32_t)((uint32_t)b->rule % (uint32_t)(rs->nrules + 1)) - 1;
		b->evidence = b->rule == -1 ? REC_EV_UNOBSERVED : REC_EV_NOT_SEEN;
		return;
	}
	b->has_flow = 1;
	repair_flow(&b->flow);
	switch (b->kind) {
	case FINDING_UNEXPECTED:
		b->evidence = REC_EV_NONE;
		break;
	case FINDING_SCAN:
		b->evidence = REC_EV_SCAN;
		if (strchr(b->text, REC_SCAN_SEP) == NULL)
			b->text[b->text[0] != '\0' ? strlen(b->text) / 2 : 0] = REC_SCAN_SEP;
		break;
	case FINDING_BLOCKED:
		b->evidence = REC_EV_FAIL;
		if (b->fail == REC_FAIL_NONE ||
		    (b->fail == REC_FAIL_ICMP && !icmp_names_unreach(&b->flow.f)))
			b->fail = REC_FAIL_RST;
		break;
	default:
		b->evidence = REC_EV_SERVER_FIRST + b->evidence % 3;
		break;
	}
}

/* A JSON line: NUL-terminated within the buffer, '{' ... '}'. */
static void
check_json(const char *buf, size_t n, size_t cap)
{
	FUZZ_ASSERT(n > 0 && n < cap);
	FUZZ_ASSERT(buf[n] == '\0' && strlen(buf) == n);
	FUZZ_ASSERT(buf[0] == '{');
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	FUZZ_ASSERT(n > 0 && buf[n - 1] == '}');
}

static char line[65536];

static void
write_flow(const struct flow_record *r)
{
	struct eve_ident id = { "fuzz-sensor", "rp1" };

	FUZZ_ASSERT(memchr(r->src_ip, '\0', sizeof(r->src_ip)) != NULL);
	FUZZ_ASSERT(memchr(r->src_role, '\0', sizeof(r->src_role)) != NULL);
	FUZZ_ASSERT(memchr(r->dest_role, '\0', sizeof(r->dest_role)) != NULL);
	FUZZ_ASSERT(memchr(r->failure, '\0', sizeof(r->failure)) != NULL);
	check_json(line, eve_format_flow(line, sizeof(line), &id, r), sizeof(line));
}

static void
write_finding(const struct finding *f)
{
	struct eve_ident id = { "fuzz-sensor", NULL };
	struct alert a;
	struct alert_env env;

	FUZZ_ASSERT(f->signature != NULL && strlen(f->signature) < 512);
	check_json(line, eve_format_alert(line, sizeof(line), &id, f), sizeof(line));
	if (f->flow != NULL)
		write_flow(f->flow);
	alert_from_finding(&a, f, 1);
	memset(&env, 0, sizeof(env));
	env.hostname = "fuzz-sensor";
	env.app_name = "conformd";
	env.version = "0";
	check_json(line, alert_format_eve(line, sizeof(line), &env, &a), sizeof(line));
	/* every feed format, as a feed makes it: at most max bytes of text
	 * and the NUL after them (alert.h: the buffer holds max + 1) */
	for (int fmt = OUTPUT_FMT_RFC5424; fmt <= OUTPUT_FMT_EVE; fmt++) {
		int cut = 0;
		size_t n = alert_format_syslog(line, 2048, &env, &a, fmt, &cut);

		FUZZ_ASSERT(n <= 2048 && strlen(line) == n);
		n = alert_format_text(line, 2048, &env, &a, fmt, &cut);
		FUZZ_ASSERT(n <= 2048 && strlen(line) == n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec_finding fb;	/* the larger; a flow uses fb.flow */
	struct rec_text_opts opts = { 1, 7 };
	struct engine_sink catcher = { 0 }, front;
	struct sink_enc enc = { one_reserve, one_commit, NULL, 0, 0 };	/* arg: unused */
	static struct finding_text t;
	static struct flow_record r;
	struct finding f;
	int is_finding, ok;

	if (size < 1)
		return 0;
	is_finding = data[0] & 1;
	memset(&fb, 0, sizeof(fb));
	if (is_finding) {
		memcpy(&fb, data + 1, size - 1 < sizeof(fb) ? size - 1 : sizeof(fb));
		fb.pol = data[0] & 2 ? pol : NULL;
		fb.flow.pol = data[0] & 2 ? pol : NULL;
		fb.flow.rule_rs = data[0] & 4 ? rs : NULL;
	} else {
		memcpy(&fb.flow, data + 1, size - 1 < sizeof(fb.flow) ? size - 1 : sizeof(fb.flow));
		fb.flow.pol = data[0] & 2 ? pol : NULL;
		fb.flow.rule_rs = data[0] & 4 ? rs : NULL;
	}

	if (data[0] & 8) {
		if (is_finding)
			repair_finding(&fb);
		else
			repair_flow(&fb.flow);
	}

	/* the ring slot: encode, replay, compare */
	catcher.flow = catch_flow;
	catcher.finding = catch_finding;
	sink_enc_front(&enc, &catcher, &front);
	caught_flow = NULL;
	caught_finding = NULL;
	if (is_finding) {
		size_t n = strnlen(fb.text, sizeof(fb.text) - 1);

		front.finding(front.arg, &fb);
		sink_msg_apply(&catcher, &slot);
		FUZZ_ASSERT(caught_finding != NULL);
		FUZZ_ASSERT(memcmp(caught_finding, &fb, offsetof(struct rec_finding, text) + n) == 0);
		FUZZ_ASSERT(caught_finding->text[n] == '\0');
	} else {
		front.flow(front.arg, &fb.flow);
		sink_msg_apply(&catcher, &slot);
		FUZZ_ASSERT(caught_flow != NULL);
		FUZZ_ASSERT(memcmp(caught_flow, &fb.flow, sizeof(fb.flow)) == 0);
	}
	FUZZ_ASSERT(enc.records == 1);

	/* the text: refused exactly when out of range; what is taken is written */
	if (is_finding) {
		ok = record_text_finding(caught_finding, &opts, &f, &t) == 0;
		FUZZ_ASSERT(ok == finding_in_range(caught_finding));
		if (ok)
			write_finding(&f);
	} else {
		ok = record_text_flow(caught_flow, &opts, &r) == 0;
		FUZZ_ASSERT(ok == flow_in_range(caught_flow));
		if (ok)
			write_flow(&r);
	}
	return 0;
}
