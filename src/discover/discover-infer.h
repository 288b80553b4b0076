/*
 * discover-infer.h - from the evidence of a discovery run (discover.h) to
 * a draft inventory: each host's roles, the pools with their VIPs, the
 * client networks and media range, the peers, the features the traffic
 * shows, and what fits nothing.
 *
 * Nothing here is a table typed by hand: every signature comes from the
 * loaded packs.  A server or monitored role's signature is the set of
 * ports its `in` rules name; a port weighs 1/n when n roles' signatures
 * hold it, so distinctive ports count more than ports many roles share.
 * A role is scored by the weighted fraction of its required ports the host
 * was seen to accept, times the weight it explains; a role whose matched
 * ports another role's matched ports strictly contain loses to it.  Peers
 * and clients come from the rules that name them: the `peer` of a rule
 * that would allow what a host was seen doing, or a client or peer role's
 * own rules.  Pools are hosts of a pool type's member role that talk among
 * themselves (or share their clients); a VIP accepts only the pool type's
 * VIP ports, never initiates, and serves the pool's clients; hardware
 * balancing when it accepts a port only the hardware VIP role lists (the
 * clients' SIP), DNS balancing when it takes only the web ports.
 * Everything a choice rests on is kept for the printer (discover-print.h).
 */
#ifndef CONFORMD_DISCOVER_INFER_H
#define CONFORMD_DISCOVER_INFER_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/discover.h"
#include "conformd/rules.h"

/* dsc_hres.kind */
enum dsc_kind {
	DSC_K_NONE = 0,		/* nothing to write: talks to no Lync role */
	DSC_K_SERVER,		/* a server or monitored role (pool member or host) */
	DSC_K_VIP,		/* a pool's VIP */
	DSC_K_CLIENT,		/* a client (written as a network) */
	DSC_K_PEER,		/* a peer role (gateway, reverse proxy, web farm, ...) */
	DSC_K_UNKNOWN,		/* talks to a Lync role, fits no role (written commented) */
	DSC_K_UNANSWERED,	/* only attempts to it, never answered (commented) */
	DSC_K_MAX
};

/* dsc_hres.conf */
#define DSC_CONF_LOW	1
#define DSC_CONF_MEDIUM	2
#define DSC_CONF_HIGH	3

#define DSC_MAX_ALTS		4
#define DSC_MAX_CONFLICTS	8
#define DSC_LB_PORTS		4

/* A role the host might hold instead (written commented out). */
struct dsc_alt {
	int		 role;
	int		 kind;		/* DSC_K_SERVER or DSC_K_PEER / DSC_K_CLIENT */
	int		 tie;		/* the same ports fit it as well: chosen by order only */
	int		 dominated;	/* the chosen role explains what it does and more */
	int		 matched;	/* ports of its signature seen */
	int		 required;	/* its required ports (signature size when none is) */
	double		 cov;		/* weighted fraction of its required ports seen */
	int		 lacks_port;	/* dominated: a port the host accepts that it does not */
	int		 lacks_proto;	/*  explain (-1: none) */
};

/* A port the host accepted that no rule allows between the roles the
 * draft gives both ends: conformd will call those flows unexpected. */
struct dsc_conflict {
	uint16_t	 port;		/* 0: a high port (lo..hi of the host's summary) */
	uint8_t		 proto;		/* DSC_TCP, DSC_UDP */
	uint32_t	 flows;
	uint32_t	 from;		/* one initiator (host index) */
	uint32_t	 nfrom;		/* distinct initiators */
};

struct dsc_hres {
	int		 kind;		/* enum dsc_kind */
	int		 role;		/* the main role, -1 */
	uint64_t	 roles;		/* every role the draft gives it (pool expansion aside) */
	int		 conf;		/* DSC_CONF_* */
	double		 cov;		/* main role: weighted fraction of its required ports seen */
	int		 matched, required;
	int		 strong;	/* evidence from two ports or two initiators at least */
	int		 secondary;	/* a second role the evidence adds, -1 */
	int		 pool;		/* index into dsc_result.pools, -1 */
	int		 support;	/* peers and clients: edges a rule of the role explains */
	int		 support_rule;	/* one such rule (index), -1 */
	uint32_t	 support_host;	/* the other end of that edge */
	struct dsc_alt	 alts[DSC_MAX_ALTS];
	int		 nalts;
	struct dsc_conflict conflicts[DSC_MAX_CONFLICTS];
	int		 nconflicts;
	int		 more_conflicts;	/* past DSC_MAX_CONFLICTS */
	char		 name[48];
};

struct dsc_pool {
	char		 name[48];
	int		 type;		/* index into ruleset.pooltypes */
	int		 nmembers;
	int		 linked;	/* members talk among themselves (else: share clients) */
	int		 nvips;		/* hosts of kind DSC_K_VIP whose pool this is */
	uint32_t	 vip_common;	/* initiators the VIPs share with the members */
	int		 lb;		/* INV_LB_HARDWARE, INV_LB_DNS, 0 without a VIP */
	uint16_t	 lb_ports[DSC_LB_PORTS];	/* hardware: ports only the hardware VIP */
	uint8_t		 lb_protos[DSC_LB_PORTS];	/*  role lists, as a VIP accepted them */
	int		 nlb_ports;	/* how many (may exceed DSC_LB_PORTS) */
	uint32_t	 lb_host;	/* that VIP */
	int		 collocated;
	uint32_t	 coll_host;	/* a member accepting a collocated role's port */
	uint16_t	 coll_port;
	uint32_t	 cms;		/* the member holding the cms role, DSC_NONE */
	int		 cms_targets;	/* hosts its cms traffic reached */
	int		 cms_rule;	/* the rule that traffic proves */
};

/* A client network: the prefix and how many clients it holds. */
struct dsc_net {
	uint8_t		 addr[16];
	int		 family;
	int		 plen;
	uint32_t	 clients;
};

struct dsc_result {
	struct dsc_hres	*h;		/* one per discover.hosts */
	uint32_t	 nhosts;
	struct dsc_pool	*pools;		/* every group of a member role, one host or more */
	int		 npools;
	int		 npools_drafted;	/* those the draft writes as pools: two
						   members or a VIP (the rest are hosts) */
	struct dsc_net	*nets;
	int		 nnets;
	int		 media;		/* 1: a client media range was observed */
	uint16_t	 media_lo, media_hi;	/* widened to whole thousands */
	uint16_t	 seen_lo, seen_hi;	/* as observed */
	uint32_t	 media_flows;
	uint32_t	 deploy;	/* features the traffic shows that no role implies */
	int		 deploy_rule[RULES_MAX_FEATURES];	/* the rule that showed it */
	uint32_t	 deploy_host[RULES_MAX_FEATURES];	/* the host it showed it on */
	uint32_t	 nkind[DSC_K_MAX];
	/* the edges into and out of each host: indices into discover.edges,
	 * host i's from in_list[in_off[i]] to in_list[in_off[i + 1]] */
	uint32_t	*in_off, *in_list, *out_off, *out_list;
};

/*
 * Infer the draft from d's evidence and the packs of rs (the same set d was
 * made with).  Fills *res (free with discover_result_free(), also on
 * failure).  Returns 0, or -1 when out of memory.  Deterministic: the same
 * evidence gives the same result.
 */
int discover_infer(const struct discover *d, const struct ruleset *rs, struct dsc_result *res);

void discover_result_free(struct dsc_result *res);

/* The short name a role gives its hosts ("fe" for front-end, "dir" for
 * director): the initials of a hyphenated name, else its first three
 * letters.  Into buf (len bytes). */
void discover_role_abbrev(const char *role, char *buf, size_t len);

/* Every host index of d into out (d->nhosts of them), ordered by family
 * and address.  0, or -1 when out of memory. */
int discover_sort_addresses(const struct discover *d, uint32_t *out);

#endif /* CONFORMD_DISCOVER_INFER_H */
