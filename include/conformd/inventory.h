/*
 * inventory.h - which addresses play which role at one site.
 *
 * Written by the site (format in conformd.conf(5)): hosts and networks with
 * their roles, pools with members, VIP and load-balancing mode, the client
 * media port range, and peers that are not Lync roles.  Role names are
 * resolved against a loaded ruleset, and pools expand into per-address
 * roles through the ruleset's pool types, so the inventory holds only
 * addresses and role masks when loading is done.
 */
#ifndef CONFORMD_INVENTORY_H
#define CONFORMD_INVENTORY_H

#include <stdint.h>
#include <stdio.h>
#include "conformd/diag.h"
#include "conformd/rules.h"

#define INV_LB_HARDWARE	1
#define INV_LB_DNS	2

/* inv_host.kind: the statement that declared the host */
#define INV_HOST	1	/* host */
#define INV_NETWORK	2	/* network */
#define INV_PEER	3	/* peer */
#define INV_MEMBER	4	/* member of a pool */
#define INV_VIP		5	/* a pool's VIP ("POOL/vip") */

/* One address or prefix and the roles it carries.  The same address may
 * appear in several entries (a host with several roles); the policy merges
 * them. */
struct inv_entry {
	uint8_t		 addr[16];	/* v4-mapped for IPv4, host bits zero */
	int		 family;	/* 4 or 6 */
	int		 plen;		/* prefix length in the family's own terms (0-32 or 0-128) */
	uint64_t	 roles;		/* bitmask of ruleset role indices */
	int		 host;		/* index into inventory.hosts */
	const char	*file;
	int		 line;
};

/* A named thing in the inventory: a host, a network, a peer, a pool member
 * or a pool VIP.  The name is what outputs and coverage show. */
struct inv_host {
	char		*name;		/* "fe1", "fe-pool1/vip", "clients" */
	uint64_t	 roles;		/* union of its entries' roles */
	int		 kind;		/* INV_HOST ... INV_VIP */
	int		 pool;		/* index into inventory.pools; -1 unless INV_MEMBER/INV_VIP */
	const char	*file;
	int		 line;
};

struct inv_pool {
	char		*name;
	int		 type;		/* index into ruleset.pooltypes */
	int		 lb;		/* INV_LB_*, 0 when not given */
	int		 collocated;	/* collocated-mediation yes */
	int		 vip_host;	/* index into hosts, -1 when no VIP */
	const char	*file;
	int		 line;
};

struct inventory {
	struct inv_entry *entries;
	int		  nentries;
	struct inv_host	 *hosts;
	int		  nhosts;
	struct inv_pool	 *pools;
	int		  npools;
	struct port_range media;	/* client media range, default 1024-65535 */
	uint32_t	  declared;	/* features named by `deploy` lines */
	uint32_t	  deployed;	/* declared, or held through a feature's role */
	int		  deploy_line[RULES_MAX_FEATURES];	/* `deploy` line, 0: not declared */
	int		  deploy_host[RULES_MAX_FEATURES];	/* a host whose role deploys it, -1 */
	char		 *path;		/* file loaded, owned */
};

/* Start an empty inventory (media range 1024-65535). */
void inventory_init(struct inventory *inv);

/*
 * Parse `path`, resolving role, pool-type and feature names against `rs`.
 * Every error is reported through `d` as `path:line: message`.  Returns 0
 * when clean, -1 otherwise (the inventory must then not be used).  On
 * success `deployed` holds the features the site deploys: those its
 * `deploy` lines name and those a host holds a role of.
 */
int inventory_load(struct inventory *inv, const char *path,
    const struct ruleset *rs, struct diag *d);

/* Release everything inventory_load() allocated. */
void inventory_free(struct inventory *inv);

/* Print in canonical form (parses back to an equal inventory). */
void inventory_print(const struct inventory *inv, const struct ruleset *rs, FILE *out);

/*
 * Address helpers shared by the parsers and outputs.
 * addr_parse(): "198.18.0.1", "2001:db8::1", optionally "/plen"; fills a
 * 16-byte (v4-mapped) address, family and prefix length (full length when
 * absent); host bits must be zero when a prefix is given.  Returns 0 or -1
 * with a reason in err.
 * addr_format(): the canonical text of an address (inet_ntop), v4-mapped
 * addresses printed as IPv4.
 */
int addr_parse(const char *s, uint8_t addr[16], int *family, int *plen,
    char *err, size_t errlen);
void addr_format(const uint8_t addr[16], int family, char *buf, size_t len);

#endif /* CONFORMD_INVENTORY_H */
