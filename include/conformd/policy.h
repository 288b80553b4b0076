/*
 * policy.h - rules plus inventory compiled into per-flow lookups.
 *
 * Addresses resolve through a longest-prefix table (one hash probe per
 * distinct prefix length present); each role has a port bitmap per
 * transport protocol, so a port no rule of the role names is rejected in
 * O(1), and only the few rules of a role whose bitmap bit is set are
 * scanned to check the peer.  A struct policy is immutable once compiled
 * and may be read by any number of threads.
 */
#ifndef CONFORMD_POLICY_H
#define CONFORMD_POLICY_H

#include <stdint.h>
#include "conformd/rules.h"
#include "conformd/inventory.h"

enum verdict {
	VERDICT_NONE = 0,	/* not classified yet */
	VERDICT_EXPECTED,	/* a rule allows it */
	VERDICT_UNEXPECTED,	/* a Lync role reached (or reaching out) where no rule allows */
	VERDICT_UNMONITORED	/* neither end is a Lync role, or not TCP/UDP */
};

/* What the classifier knows about a flow when it asks for a verdict. */
struct flow_tuple {
	int		 family;	/* 4 or 6 */
	uint8_t		 proto;		/* IP protocol number */
	const uint8_t	*ini_addr;	/* initiator, 16 bytes (v4-mapped) */
	const uint8_t	*resp_addr;	/* responder */
	uint16_t	 ini_port;
	uint16_t	 resp_port;
};

struct policy;

/*
 * Compile a ruleset and an inventory.  Both must stay alive and unchanged
 * for the policy's lifetime (it points into them).  Returns NULL only when
 * out of memory.
 */
struct policy *policy_compile(const struct ruleset *rs, const struct inventory *inv);

/* Free a compiled policy (not the ruleset or inventory). */
void policy_free(struct policy *pol);

/*
 * Roles of an address: the union of the roles of every inventory entry
 * that covers it (all matching prefixes, plus implied roles).  *host is
 * set to the index of the most specific entry's host, -1 when the address
 * is not in the inventory.  Returns 0 when not in the inventory.
 */
uint64_t policy_roles(const struct policy *pol, const uint8_t addr[16], int *host);

/*
 * Judge a flow.  Sets *rule to the index (into ruleset.rules) of the first
 * rule that allows it, or RULE_NONE.  Semantics (conformd.conf(5)):
 * expected when an `in` rule of one of the responder's roles covers the
 * port and protocol and the initiator has one of the rule's peers (or the
 * rule names none), or an `out` rule of one of the initiator's roles covers
 * them and the responder has one of its peers (a rule naming no peer: the
 * responder holds no server, VIP or client role); otherwise unexpected when
 * the responder has a server, VIP or client role, or the initiator has a
 * server role; otherwise unmonitored.  Non-TCP/UDP flows are unmonitored.
 */
enum verdict policy_classify(const struct policy *pol, const struct flow_tuple *t, int *rule);

/*
 * The APP_* bits (rules.h) of every rule that allows the flow, united:
 * what its first payload may look like.  0 when no allowing rule names an
 * application protocol.  Called once per new expected flow.
 */
unsigned policy_allowed_apps(const struct policy *pol, const struct flow_tuple *t);

/*
 * policy_classify() and, for an expected flow, policy_allowed_apps() (else
 * *apps is 0), given the roles of the responder (ri) and of the initiator
 * (ii) as policy_roles() returns them: a pure function of its arguments,
 * so a caller may cache the answers per (ri, ii, proto, resp_port) for as
 * long as it uses this policy.
 */
enum verdict policy_judge_roles(const struct policy *pol, uint64_t ri, uint64_t ii,
    uint8_t proto, uint16_t resp_port, int *rule, unsigned *apps);

/*
 * Every rule that allows the flow (not only the first): up to `max` rule
 * indices into out[], ascending; returns how many there are (which may
 * exceed max).  For coverage, where each of them is proven by the flow:
 * call it only for a flow some rule allows, since it also counts `out`
 * rules naming no peer whose responder is a Lync role (a client's 5061 to
 * a Front End proves the client's own outbound row too).
 */
int policy_allowed_rules(const struct policy *pol, const struct flow_tuple *t, int *out, int max);

/* policy_allowed_rules() given the roles of the responder (ri) and of the
 * initiator (ii), as policy_roles() returns them. */
int policy_allowed_rules_roles(const struct policy *pol, uint64_t ri, uint64_t ii,
    uint8_t proto, uint16_t resp_port, int *out, int max);

/* Roles of inventory host `h` (its entries' roles plus implied roles). */
uint64_t policy_host_roles(const struct policy *pol, int h);

/*
 * Mid-stream heuristic: 1 when `port`/`proto` is a port some `in` rule of
 * the roles at `addr` listens on, else 0.
 */
int policy_listens(const struct policy *pol, const uint8_t addr[16], uint8_t proto, uint16_t port);

/*
 * Must rule `r` be seen at this site?  Not when the site disabled it, nor
 * when it belongs to features the site does not deploy (inventory.h,
 * `deployed`).  Rules that are not required are never missing.
 */
int policy_rule_required(const struct policy *pol, int r);

/* The first rule with the same requirement as rule `r` (direction,
 * protocols, ports and peers): `r` itself when no earlier rule has it. */
int policy_rule_same(const struct policy *pol, int r);

/* The ruleset and inventory the policy was compiled from. */
const struct ruleset *policy_ruleset(const struct policy *pol);
const struct inventory *policy_inventory(const struct policy *pol);

/* "expected", "unexpected", "unmonitored", "none" */
const char *verdict_name(int v);

#endif /* CONFORMD_POLICY_H */
