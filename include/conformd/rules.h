/*
 * rules.h - the port matrix: roles, pool types and rules (rules/ *.rules).
 *
 * A rules file declares roles (`role`), how an inventory pool maps onto
 * roles (`pool-type`), and one `rule` per row of the specification.  The
 * format is documented in conformd.conf(5).  A struct ruleset is built by
 * rules_load() and is read-only afterwards.
 */
#ifndef CONFORMD_RULES_H
#define CONFORMD_RULES_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/diag.h"

#define RULES_MAX_ROLES		64	/* roles are a uint64_t bitmask */
#define RULES_MAX_RANGES	8	/* port ranges per rule */
#define RULES_MAX_POOLTYPES	16
#define RULE_NONE		0xffff	/* "no rule" in 16-bit rule indices */

/* role kinds */
enum role_kind {
	ROLE_SERVER = 1,	/* a Lync server role (Front End, Director, ...) */
	ROLE_VIP,		/* a hardware load balancer virtual address */
	ROLE_CLIENT,		/* clients and devices */
	ROLE_PEER		/* not a Lync role: PSTN gateway, reverse proxy, PBX, ... */
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
	const char	*file;		/* where it was declared (points into ruleset.files) */
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

struct rule {
	char		*id;		/* "T1R3": unique */
	int		 table;		/* table of the seed, 1-4 */
	int		 row;		/* row within that table, 1-based */
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
	char		*service;	/* service name from the seed, English */
	char		*note;		/* free text, may be NULL */
	const char	*file;
	int		 line;
};

struct ruleset {
	struct role	 roles[RULES_MAX_ROLES];
	int		 nroles;
	struct pool_type pooltypes[RULES_MAX_POOLTYPES];
	int		 npooltypes;
	struct rule	*rules;
	int		 nrules;
	int		 cap;
	char		**files;	/* paths loaded, owned; referenced by role/rule.file */
	int		 nfiles;
};

/* Start an empty ruleset. */
void rules_init(struct ruleset *rs);

/*
 * Parse `path` and add its roles, pool types and rules to *rs (several
 * files may be loaded into one set).  Every error is reported through `d`
 * as `path:line: message`.  Returns 0 when the file added no error, -1
 * otherwise (what parsed cleanly is kept).
 */
int rules_load(struct ruleset *rs, const char *path, struct diag *d);

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

/*
 * Print the set in canonical form: the same syntax, one statement a line,
 * keys in a fixed order, ports as written ranges.  Parsing the output
 * yields an equal set.
 */
void rules_print(const struct ruleset *rs, FILE *out);

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
