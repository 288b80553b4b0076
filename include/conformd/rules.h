/*
 * rules.h - the port matrix: packs, sources, features, roles, pool types
 * and rules (rules/ *.rules), and the site's own policy on top of them.
 *
 * A pack (a rules file shipped with conformd, loaded by rules_load())
 * names itself (`pack`), declares the published documents its rows come
 * from (`source`), the features a site may deploy (`feature`), roles
 * (`role`), how an inventory pool maps onto roles (`pool-type`), and one
 * `rule` per row of a published table, citing its source, table and row.
 * The site's own file (rules_load_site()) adds the site's roles and rules,
 * each citing the site's own source (a change ticket, a policy), and
 * narrows (`override`) or removes (`disable`) shipped rules.  The format
 * is documented in conformd.conf(5).  A struct ruleset is built by the two
 * loaders and rules_validate(), and is read-only afterwards.
 */
#ifndef CONFORMD_RULES_H
#define CONFORMD_RULES_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/diag.h"

#define RULES_MAX_ROLES		64	/* roles are a uint64_t bitmask */
#define RULES_MAX_RANGES	8	/* port ranges per rule */
#define RULES_MAX_POOLTYPES	16
#define RULES_MAX_SOURCES	32	/* `source` statements */
#define RULES_MAX_FEATURES	32	/* features are a uint32_t bitmask */
#define RULES_MAX_PACKS		16	/* `pack` statements */
#define RULES_MAX_TABLE		99	/* table numbers of a published page */
#define RULE_NONE		0xffff	/* "no rule" in 16-bit rule indices */

/* role kinds */
enum role_kind {
	ROLE_SERVER = 1,	/* a Lync server role (Front End, Director, ...) */
	ROLE_VIP,		/* a hardware load balancer virtual address */
	ROLE_CLIENT,		/* clients and devices */
	ROLE_PEER,		/* not a Lync role: PSTN gateway, reverse proxy, PBX, ... */
	ROLE_MONITORED		/* not a Lync server, but watched: traffic to it that no
				   rule allows is unexpected; holds no implied role and
				   its own outbound traffic is not judged (SQL back end,
				   domain controller, Office Web Apps Server) */
};

/* rule.protos bits */
#define RULE_TCP	0x01
#define RULE_UDP	0x02

/* rule.dir */
enum rule_dir {
	RULE_IN = 1,		/* the role listens on the port; the peer connects to it */
	RULE_OUT		/* the role connects to the peer's port */
};

/* rule.apps bits: the application protocol(s) the row names */
#define APP_TLS		0x0001
#define APP_MTLS	0x0002
#define APP_HTTP	0x0004
#define APP_HTTPS	0x0008
#define APP_DCOM	0x0010	/* DCOM / RPC */
#define APP_DHCP	0x0020
#define APP_STUN	0x0040	/* STUN / MS-TURN */
#define APP_SIP		0x0080
#define APP_PSOM	0x0100
#define APP_SQL		0x0200	/* SQL Browser */

struct port_range {
	uint16_t	lo;
	uint16_t	hi;		/* inclusive, lo <= hi */
};

struct role {
	char		*name;		/* "front-end" */
	char		*desc;		/* "Front End Server" */
	int		 kind;		/* enum role_kind */
	int		 implied;	/* 1: every host that has a ROLE_SERVER role also has this one */
	uint64_t	 no_implied;	/* implied roles a host does not get through this
					   role (`no-implied`: the Edge is not an internal server) */
	int		 site;		/* declared in the site's own file */
	const char	*file;		/* where it was declared (points into ruleset.files) */
	int		 line;
};

/* A pack: one shipped rules file (`pack NAME "title"`). */
struct rules_pack {
	char		*name;		/* "lync2013" */
	char		*title;
	const char	*file;
	int		 line;
};

/* A published document rules cite (`source NAME "citation" [url "URL"]`). */
struct rules_source {
	char		*name;		/* "ms-lync2013-internal" */
	char		*citation;	/* publisher, title, where it is kept */
	char		*url;		/* may be NULL */
	const char	*file;
	int		 line;
};

/* Something a site may deploy (`feature NAME "desc" [role R,...]`): rules
 * of a feature are required only at sites that deploy it. */
struct feature {
	char		*name;		/* "pstn" */
	char		*desc;
	uint64_t	 roles;		/* an inventory host with one of these roles deploys it */
	const char	*file;
	int		 line;
};

/* How an inventory `pool` of a given type maps onto roles. Role fields
 * are indices into ruleset.roles, -1 when not declared. */
struct pool_type {
	char	*name;			/* "front-end" */
	int	 member;		/* role of every member */
	int	 vip_hardware;		/* VIP role when load-balancing is hardware */
	int	 vip_dns;		/* VIP role when load-balancing is dns */
	int	 collocated;		/* extra member role when collocated-mediation yes */
	int	 collocated_vip_hw;	/* extra VIP role (hardware) when collocated-mediation yes */
	int	 cms;			/* role of the member named by `cms` */
	const char *file;
	int	 line;
};

/* override.set bits: what a site's `override` changes */
#define OVR_PORT	0x01
#define OVR_PROTO	0x02
#define OVR_PEER	0x04
#define OVR_APP		0x08
#define OVR_OPTIONAL	0x10

struct rule {
	char		*id;		/* "T1R3": unique */
	int		 src;		/* index into ruleset.sources; -1: none (site rules) */
	int		 table;		/* table of the source, 1-RULES_MAX_TABLE; 0 for site rules */
	int		 row;		/* row within that table, 1-based; 0 for site rules */
	int		 role;		/* index into ruleset.roles */
	int		 dir;		/* enum rule_dir */
	unsigned	 protos;	/* RULE_TCP | RULE_UDP */
	struct port_range ports[RULES_MAX_RANGES];
	int		 nports;	/* 0 when client_media is set */
	int		 client_media;	/* 1: the port is the inventory's client media range */
	unsigned	 apps;		/* APP_* bits, 0 = not named */
	uint64_t	 peers;		/* roles the other end must have (any one); 0 = anyone */
	int		 optional;	/* row marked optional (not required to be seen) */
	int		 reqresp;	/* UDP request/response protocol (an answer is expected) */
	uint32_t	 features;	/* required only where one of these is deployed; 0: always */
	char		*service;	/* service name from the seed, English */
	char		*note;		/* free text, may be NULL */
	char		*site_source;	/* site rules: the site's own citation; NULL otherwise */
	char		*cite;		/* what outputs cite: "<source citation>, table N, row M",
					   or the site's source; built by the loaders */
	int		 site;		/* defined in the site's own file */
	int		 disabled;	/* removed by the site (`disable`) */
	int		 override;	/* index into ruleset.overrides, -1: none */
	const char	*file;
	int		 line;
};

/* A site's `override` or `disable` of a shipped rule, kept to print it
 * back: the rule itself holds the narrowed values, `was` the shipped ones. */
struct rule_override {
	char		*id;
	int		 rule;		/* index into ruleset.rules */
	int		 disable;	/* 1: `disable ID` */
	int		 widen;		/* `widen`: allowed to open more than the shipped rule */
	unsigned	 set;		/* OVR_* */
	struct {
		struct port_range ports[RULES_MAX_RANGES];
		int		 nports;
		int		 client_media;
		unsigned	 protos;
		uint64_t	 peers;
		unsigned	 apps;
		int		 optional;
	}		 was;
	char		*source;	/* the site's reason, may be NULL */
	const char	*file;
	int		 line;
};

struct ruleset {
	struct rules_pack packs[RULES_MAX_PACKS];
	int		 npacks;
	struct rules_source sources[RULES_MAX_SOURCES];
	int		 nsources;
	struct feature	 features[RULES_MAX_FEATURES];
	int		 nfeatures;
	struct role	 roles[RULES_MAX_ROLES];
	int		 nroles;
	struct pool_type pooltypes[RULES_MAX_POOLTYPES];
	int		 npooltypes;
	struct rule	*rules;
	int		 nrules;
	int		 cap;
	struct rule_override *overrides;
	int		 noverrides;
	char		**files;	/* paths loaded, owned; referenced by role/rule.file */
	int		 nfiles;
};

/* Start an empty ruleset. */
void rules_init(struct ruleset *rs);

/*
 * Parse the pack `path` and add its statements to *rs (several files may
 * be loaded into one set; names must be declared before they are used, in
 * any earlier file).  Every error is reported through `d` as
 * `path:line: message`.  Returns 0 when the file added no error, -1
 * otherwise (what parsed cleanly is kept).
 */
int rules_load(struct ruleset *rs, const char *path, struct diag *d);

/*
 * Parse the site's own policy `path` on top of the packs already in *rs:
 * `role`, `rule` (with `source "the site's citation"`, never a table and
 * row nor a declared published source), `disable ID` and `override ID`
 * (narrowing a shipped rule; widening only with `widen`).  Errors as
 * rules_load(); a statement with an error changes nothing.
 */
int rules_load_site(struct ruleset *rs, const char *path, struct diag *d);

/* Checks that need the whole set (at least one rule; every pool type's
 * roles exist).  Reports through `d`; returns 0 or -1. */
int rules_validate(const struct ruleset *rs, struct diag *d);

/* Release everything rules_init()/rules_load() allocated. */
void rules_free(struct ruleset *rs);

/* Index of the role called `name`, or -1. */
int rules_find_role(const struct ruleset *rs, const char *name);

/* The pool type called `name`, or NULL. */
const struct pool_type *rules_find_pooltype(const struct ruleset *rs, const char *name);

/* The rule whose id is `id`, or NULL. */
const struct rule *rules_find(const struct ruleset *rs, const char *id);

/* Index of the feature called `name`, or -1. */
int rules_find_feature(const struct ruleset *rs, const char *name);

/*
 * Print the set in canonical form: the same syntax, one statement a line,
 * keys in a fixed order, ports as written ranges.  `what` selects the
 * packs' statements (RULES_PRINT_PACKS: shipped rules as shipped), the
 * site's (RULES_PRINT_SITE: its roles, rules, overrides and disables), or
 * both.  Loading the packs' print with rules_load() and the site's with
 * rules_load_site() yields an equal set.
 */
#define RULES_PRINT_PACKS	1
#define RULES_PRINT_SITE	2
#define RULES_PRINT_ALL		3
void rules_print(const struct ruleset *rs, FILE *out, int what);

/* Format a feature mask as comma-separated names into buf; "-" when 0. */
void rules_format_features(const struct ruleset *rs, uint32_t mask, char *buf, size_t len);

/* Format a rule's ports ("5061", "49152-57500", "client-media") into buf. */
void rules_format_ports(const struct rule *r, char *buf, size_t len);

/* Format a role mask as comma-separated names ("front-end,director") into buf;
 * "-" when the mask is 0. */
void rules_format_roles(const struct ruleset *rs, uint64_t mask, char *buf, size_t len);

/* Names used in files and outputs. */
const char *rules_dir_name(int dir);		/* "in", "out" */
const char *rules_proto_name(unsigned protos);	/* "tcp", "udp", "tcp/udp" */
void rules_format_apps(unsigned apps, char *buf, size_t len);	/* "tls,mtls", "-" */

#endif /* CONFORMD_RULES_H */
