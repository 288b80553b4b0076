/*
 * discover-print.c - the draft inventory of `conformd --discover`, in
 * conformd.conf(5)'s inventory syntax with its evidence in comments
 * (discover-print.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformd/inventory.h"
#include "conformd/lex.h"
#include "discover-print.h"

#define WRAP		76	/* comment text per line */
#define MAX_LISTED	10	/* ports listed per host before "and N more" */
#define MAX_HOSTS	100	/* unknown hosts (and clients with remarks) written in
				   full, then counted */

/* A comment paragraph being built, printed wrapped. */
struct para {
	char	 buf[8192];
	size_t	 len;
};

static void
para_add(struct para *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->len >= sizeof(p->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len, sizeof(p->buf) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n < sizeof(p->buf) - p->len ? (size_t)n : sizeof(p->buf) - p->len - 1;
}

/* Print p as comment lines: "# " then text, wrapped at blanks (a word
 * longer than a line is written whole); later lines indented by `indent`
 * more blanks.  `lead` is printed before each "#". */
static void
para_print(struct para *p, const char *lead, int indent, FILE *out)
{
	const char *s = p->buf;
	int first = 1;

	while (*s == ' ')
		s++;
	while (*s != '\0') {
		int width = WRAP - (first ? 0 : indent), n = 0, cut = -1;

		while (s[n] != '\0' && n < width) {
			if (s[n] == ' ')
				cut = n;
			n++;
		}
		if (s[n] != '\0' && cut > 0)
			n = cut;
		else	/* a word longer than the line (a path) is never cut */
			while (s[n] != '\0' && s[n] != ' ')
				n++;
		fprintf(out, "%s# %*s%.*s\n", lead, first ? 0 : indent, "", n, s);
		s += n;
		while (*s == ' ')
			s++;
		first = 0;
	}
	p->len = 0;
	p->buf[0] = '\0';
}

/* Every host index in family and address order (malloc'd), NULL when out
 * of memory. */
static uint32_t *
sorted_hosts(const struct discover *d)
{
	uint32_t *ix = malloc(((size_t)d->nhosts + 1) * sizeof(*ix));

	if (ix != NULL && discover_sort_addresses(d, ix) == -1) {
		free(ix);
		ix = NULL;
	}
	return ix;
}

/* Is host h inside one of the draft's client networks? */
static int
in_nets(const struct dsc_result *res, const struct dsc_host *h)
{
	for (int n = 0; n < res->nnets; n++) {
		const struct dsc_net *nt = &res->nets[n];
		int start = nt->family == 4 ? 12 : 0, bits = nt->plen, i;

		if (nt->family != h->family)
			continue;
		for (i = start; bits >= 8; i++, bits -= 8)
			if (h->addr[i] != nt->addr[i])
				break;
		if (bits >= 8)
			continue;
		if (bits == 0 || ((h->addr[i] ^ nt->addr[i]) & (0xff << (8 - bits)) & 0xff) == 0)
			return 1;
	}
	return 0;
}

static const char *
pname(int proto)
{
	return proto == DSC_TCP ? "tcp" : "udp";
}

static void
fmt_time(uint64_t sec, char *buf, size_t len)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)sec);
}

static void
addr_text(const struct dsc_host *h, char *buf, size_t len)
{
	addr_format(h->addr, h->family, buf, len);
}

/* "fe1 198.18.1.11", or the address alone for a host without a name. */
static void
label(const struct discover *d, const struct dsc_result *res, uint32_t i, char *buf, size_t len)
{
	char a[64];

	addr_text(&d->hosts[i], a, sizeof(a));
	if (res->h[i].name[0] != '\0')
		snprintf(buf, len, "%s %s", res->h[i].name, a);
	else if (res->h[i].kind == DSC_K_CLIENT)
		snprintf(buf, len, "client %s", a);
	else
		snprintf(buf, len, "%s", a);
}

/* Distinct initiators of host i's accepted flows on (proto, port), and
 * one of them. */
static uint32_t
from_count(const struct discover *d, const struct dsc_result *res, uint32_t i, int proto,
    uint16_t port, uint32_t *one)
{
	uint32_t n = 0;

	*one = DSC_NONE;
	for (uint32_t k = res->in_off[i]; k < res->in_off[i + 1]; k++) {
		const struct dsc_edge *e = &d->edges[res->in_list[k]];

		if (e->flows == 0 || e->proto != proto || e->port != port)
			continue;
		if (*one == DSC_NONE)
			*one = e->ini;
		n++;	/* edges are unique per (initiator, responder, port) */
	}
	return n;
}

/* What host i was seen doing, into p. */
static void
evidence(const struct discover *d, const struct dsc_result *res, uint32_t i, struct para *p)
{
	const struct dsc_host *h = &d->hosts[i];
	char t1[32], t2[32], lb[128];
	uint32_t ndest = 0, last = DSC_NONE;
	int listed = 0;

	if (h->acc_flows > 0) {
		para_add(p, "accepts");
		for (int k = 0; k < h->nports; k++) {
			const struct dsc_port *pt = &h->ports[k];
			uint32_t one, n;

			if (listed == MAX_LISTED) {
				para_add(p, " and %d more ports", h->nports - k);
				break;
			}
			n = from_count(d, res, i, pt->proto, pt->port, &one);
			para_add(p, "%s %s/%u (%u flow%s", listed ? "," : "", pname(pt->proto),
			    pt->port, pt->flows, pt->flows == 1 ? "" : "s");
			if (n == 1) {
				label(d, res, one, lb, sizeof(lb));
				para_add(p, " from %s", lb);
			} else if (n > 1)
				para_add(p, " from %u hosts", n);
			if (pt->flags & DSC_F_MIDSTREAM)
				para_add(p, ", mid-stream");
			para_add(p, ")");
			listed++;
		}
		for (int pr = 0; pr < 2; pr++)
			if (h->high[pr].flows > 0) {
				para_add(p, "%s high %s port%s %u", listed ? "," : "", pname(pr),
				    h->high[pr].lo == h->high[pr].hi ? "" : "s", h->high[pr].lo);
				if (h->high[pr].hi != h->high[pr].lo)
					para_add(p, "-%u", h->high[pr].hi);
				para_add(p, " (%u flow%s)", h->high[pr].flows,
				    h->high[pr].flows == 1 ? "" : "s");
				listed++;
			}
		if (h->ports_dropped > 0)
			para_add(p, ", %u flows on ports past the %d kept", h->ports_dropped,
			    DSC_HOST_PORTS);
		para_add(p, ";");
	}
	for (uint32_t k = res->out_off[i]; k < res->out_off[i + 1]; k++) {
		const struct dsc_edge *e = &d->edges[res->out_list[k]];

		if (e->flows > 0 && e->resp != last) {
			ndest++;
			last = e->resp;
		}
	}
	if (h->ini_flows > 0)
		para_add(p, " initiates %u flow%s to %u host%s;", h->ini_flows,
		    h->ini_flows == 1 ? "" : "s", ndest, ndest == 1 ? "" : "s");
	else if (h->acc_flows > 0)
		para_add(p, " initiates nothing;");
	if (h->att_in > 0)
		para_add(p, " %u attempt%s to it unanswered;", h->att_in, h->att_in == 1 ? "" : "s");
	fmt_time(h->first_usec / 1000000u, t1, sizeof(t1));
	fmt_time(h->last_usec / 1000000u, t2, sizeof(t2));
	para_add(p, " seen %s to %s.", t1, t2);
}

static const char *
conf_name(int conf)
{
	return conf == DSC_CONF_HIGH ? "high" : conf == DSC_CONF_MEDIUM ? "medium" : "low";
}

/* Roles of a mask, comma-separated. */
static void
roles_text(const struct ruleset *rs, uint64_t roles, char *buf, size_t len)
{
	rules_format_roles(rs, roles, buf, len);
}

/* The role line's explanation: fit, confidence and why. */
static void
why(const struct discover *d, const struct dsc_result *res, const struct ruleset *rs,
    uint32_t i, struct para *p)
{
	const struct dsc_hres *r = &res->h[i];
	const char *role = r->role >= 0 ? rs->roles[r->role].name : "?";

	if (r->kind == DSC_K_UNKNOWN && r->role < 0) {
		para_add(p, "fits no role of the packs.");
		return;
	}
	switch (r->kind) {
	case DSC_K_SERVER:
	case DSC_K_UNKNOWN:
		para_add(p, "%s: %d port%s of its signature seen, %.0f%% of the weight of its "
		    "%d required port%s", role, r->matched, r->matched == 1 ? "" : "s", r->cov * 100,
		    r->required, r->required == 1 ? "" : "s");
		break;
	case DSC_K_VIP:
		para_add(p, "%s: accepts only the pool's VIP ports and initiates nothing", role);
		break;
	case DSC_K_CLIENT:
	case DSC_K_PEER:
		if (r->support_rule >= 0) {
			const struct rule *ru = &rs->rules[r->support_rule];
			char ports[64], lb[128];

			rules_format_ports(ru, ports, sizeof(ports));
			label(d, res, r->support_host, lb, sizeof(lb));
			para_add(p, "%s: %s (%s %s %s/%s) explains %d of its conversations, e.g. with %s",
			    role, ru->id, rs->roles[ru->role].name, rules_dir_name(ru->dir),
			    rules_proto_name(ru->protos), ports, r->support, lb);
		} else
			para_add(p, "%s", role);
		break;
	default:
		break;
	}
	if (r->kind == DSC_K_UNKNOWN)
		return;
	para_add(p, "; confidence %s", conf_name(r->conf));
	if (r->conf == DSC_CONF_HIGH) {
		para_add(p, ".");
		return;
	}
	if (r->nalts > 0 && r->alts[0].tie)
		para_add(p, ": %s fits as well", rs->roles[r->alts[0].role].name);
	else if (!r->strong && r->kind == DSC_K_SERVER)
		para_add(p, ": seen on one port, from one host");
	else if (r->nalts > 0 && r->alts[0].dominated && r->alts[0].cov >= 0.999)
		para_add(p, ": few of its ports, while all of %s's are there too",
		    rs->roles[r->alts[0].role].name);
	else if (r->nconflicts > 0)
		para_add(p, ": it accepts what its roles do not allow (below)");
	else if (r->kind == DSC_K_SERVER)
		para_add(p, ": few of its ports seen");
	else if ((r->kind == DSC_K_PEER || r->kind == DSC_K_CLIENT) && r->nalts > 0 &&
	    r->alts[0].kind == DSC_K_SERVER)
		para_add(p, ": the ports it accepts fit %s too", rs->roles[r->alts[0].role].name);
	else if (r->kind == DSC_K_PEER || r->kind == DSC_K_CLIENT)
		para_add(p, ": %s", r->support == 1 ? "one conversation shows it" :
		    "few conversations show it");
	para_add(p, ".");
}

static void
conflicts(const struct discover *d, const struct dsc_result *res, const struct ruleset *rs,
    uint32_t i, const char *lead, FILE *out)
{
	const struct dsc_hres *r = &res->h[i];
	const struct dsc_host *h = &d->hosts[i];
	struct para p = { .len = 0 };
	char rl[256], lb[128];

	if (r->nconflicts == 0)
		return;
	roles_text(rs, r->roles, rl, sizeof(rl));
	for (int k = 0; k < r->nconflicts; k++) {
		const struct dsc_conflict *cf = &r->conflicts[k];

		label(d, res, cf->from, lb, sizeof(lb));
		if (cf->port != 0)
			para_add(&p, "conflict: accepts %s/%u", pname(cf->proto), cf->port);
		else if (h->high[cf->proto].lo == h->high[cf->proto].hi)
			para_add(&p, "conflict: accepts high %s port %u", pname(cf->proto),
			    h->high[cf->proto].lo);
		else
			para_add(&p, "conflict: accepts high %s ports %u-%u", pname(cf->proto),
			    h->high[cf->proto].lo, h->high[cf->proto].hi);
		para_add(&p, " (%u flow%s from %s%s), which no rule allows %s holding %s: conformd "
		    "will call it unexpected.", cf->flows, cf->flows == 1 ? "" : "s", lb,
		    cf->nfrom > 1 ? " and others" : "", r->kind == DSC_K_CLIENT ? "a client" :
		    "a host", rl);
		para_print(&p, lead, 2, out);
	}
	if (r->more_conflicts > 0) {
		para_add(&p, "conflict: and %d more ports.", r->more_conflicts);
		para_print(&p, lead, 2, out);
	}
}

/* The alternatives of host i: explained, and for a standalone host the
 * statement commented out. */
static void
alternatives(const struct discover *d, const struct dsc_result *res, const struct ruleset *rs,
    uint32_t i, const char *stmt, const char *lead, FILE *out)
{
	const struct dsc_hres *r = &res->h[i];
	struct para p = { .len = 0 };
	char a[64];

	addr_text(&d->hosts[i], a, sizeof(a));
	for (int k = 0; k < r->nalts; k++) {
		const struct dsc_alt *al = &r->alts[k];
		const char *name = rs->roles[al->role].name;

		if (al->kind != DSC_K_SERVER)
			para_add(&p, "alternative: %s%s.", name, al->tie ? ", which the same traffic "
			    "fits as well" : "");
		else if (al->tie)
			para_add(&p, "alternative: %s, which the same ports fit as well (%d seen, %.0f%% "
			    "of the weight of its %d required).", name, al->matched, al->cov * 100,
			    al->required);
		else if (al->dominated && al->lacks_port >= 0)
			para_add(&p, "alternative: %s (%d of its ports seen, %.0f%% of the weight of its "
			    "%d required), but it does not accept %s/%d, which this host does: if this "
			    "is a %s, that port should not answer.", name, al->matched, al->cov * 100,
			    al->required, pname(al->lacks_proto), al->lacks_port, name);
		else
			para_add(&p, "alternative: %s (%d of its ports seen, %.0f%% of the weight of its "
			    "%d required).", name, al->matched, al->cov * 100, al->required);
		para_print(&p, lead, 2, out);
		if (stmt != NULL)
			fprintf(out, "%s#%s %s %s role %s\n", lead, stmt,
			    r->name[0] != '\0' ? r->name : "NAME", a, name);
	}
}

/* The whole block of a server, peer or unknown host. */
static void
host_block(const struct discover *d, const struct dsc_result *res, const struct ruleset *rs,
    uint32_t i, const char *stmt, FILE *out)
{
	const struct dsc_hres *r = &res->h[i];
	struct para p = { .len = 0 };
	char a[64], rl[256];

	addr_text(&d->hosts[i], a, sizeof(a));
	para_add(&p, "%s %s: ", r->name, a);
	why(d, res, rs, i, &p);
	para_print(&p, "", 2, out);
	evidence(d, res, i, &p);
	para_print(&p, "", 2, out);
	if (r->secondary >= 0) {
		para_add(&p, "also %s: it explains ports the main role does not.",
		    rs->roles[r->secondary].name);
		para_print(&p, "", 2, out);
	}
	conflicts(d, res, rs, i, "", out);
	roles_text(rs, r->roles, rl, sizeof(rl));
	if (r->kind == DSC_K_UNKNOWN) {
		if (r->role >= 0) {
			para_add(&p, "it fits %s, but no Lync server reached it: a dependency of "
			    "Lync is reached by its servers.", rs->roles[r->role].name);
			para_print(&p, "", 2, out);
			fprintf(out, "#host %s %s role %s\n", r->name, a, rs->roles[r->role].name);
		} else
			fprintf(out, "#host %s %s role ROLE\n", r->name, a);
		alternatives(d, res, rs, i, "host", "", out);
		return;
	}
	fprintf(out, "%s %s %s role %s\n", stmt, r->name, a, rl);
	alternatives(d, res, rs, i, stmt, "", out);
}

static void
print_pool(const struct discover *d, const struct dsc_result *res, const struct ruleset *rs,
    int pi, const uint32_t *order, FILE *out)
{
	const struct dsc_pool *pl = &res->pools[pi];
	const struct pool_type *pt = &rs->pooltypes[pl->type];
	struct para p = { .len = 0 };
	char a[64], lb[128];
	uint32_t n = 0, *ix;

	para_add(&p, "%s: a %s pool of %d member%s", pl->name, pt->name, pl->nmembers,
	    pl->nmembers == 1 ? "" : "s");
	if (pl->nmembers > 1)
		para_add(&p, pl->linked ? " that talk among themselves on %s ports" :
		    " that serve the same clients", rs->roles[pt->member].name);
	para_add(&p, ".");
	if (pl->nvips > 0) {
		para_add(&p, " Its VIP accepts only the pool type's VIP ports, initiates nothing and "
		    "shares %u initiator%s with the members.", pl->vip_common,
		    pl->vip_common == 1 ? "" : "s");
		if (pl->lb == INV_LB_HARDWARE && pl->nlb_ports > 0) {
			label(d, res, pl->lb_host, lb, sizeof(lb));
			para_add(&p, " Hardware load balancing: %s accepts", lb);
			for (int k = 0; k < pl->nlb_ports && k < DSC_LB_PORTS; k++)
				para_add(&p, "%s %s/%u", k ? "," : "", pname(pl->lb_protos[k]),
				    pl->lb_ports[k]);
			if (pl->nlb_ports > DSC_LB_PORTS)
				para_add(&p, " and %d more", pl->nlb_ports - DSC_LB_PORTS);
			para_add(&p, ", which %s lists and %s does not.", rs->roles[pt->vip_hardware].name,
			    pt->vip_dns >= 0 ? rs->roles[pt->vip_dns].name : "DNS balancing");
		} else if (pl->lb == INV_LB_HARDWARE)
			para_add(&p, " Hardware load balancing: the only kind this pool type has.");
		else
			para_add(&p, " DNS load balancing: the VIP takes only web ports (%s's), so the "
			    "clients' SIP goes to the members directly.", rs->roles[pt->vip_dns].name);
	}
	if (pl->collocated) {
		label(d, res, pl->coll_host, lb, sizeof(lb));
		para_add(&p, " Collocated %s: %s accepts tcp/%u.", rs->roles[pt->collocated].name, lb,
		    pl->coll_port);
	}
	if (pl->cms != DSC_NONE) {
		label(d, res, pl->cms, lb, sizeof(lb));
		para_add(&p, " %s holds the Central Management store (%s): it reaches %d host%s "
		    "as only that role does%s%s%s.", lb, rs->roles[pt->cms].name, pl->cms_targets,
		    pl->cms_targets == 1 ? "" : "s", pl->cms_rule >= 0 ? " (" : "",
		    pl->cms_rule >= 0 ? rs->rules[pl->cms_rule].id : "", pl->cms_rule >= 0 ? ")" : "");
	}
	para_print(&p, "", 2, out);
	fprintf(out, "pool %s {\n\ttype %s\n", pl->name, pt->name);
	if (pl->lb != 0)
		fprintf(out, "\tload-balancing %s\n", pl->lb == INV_LB_HARDWARE ? "hardware" : "dns");
	if ((ix = malloc(((size_t)d->nhosts + 1) * sizeof(*ix))) == NULL)
		return;
	/* VIPs, then members, each in address order */
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (uint32_t k = 0; k < d->nhosts; k++) {
			uint32_t i = order[k];

			if (res->h[i].pool == pi &&
			    res->h[i].kind == (pass == 0 ? DSC_K_VIP : DSC_K_SERVER))
				ix[n++] = i;
		}
		if (pass == 0 && n > 0) {
			for (uint32_t k = 0; k < n; k++) {
				addr_text(&d->hosts[ix[k]], a, sizeof(a));
				para_add(&p, "VIP %s: ", a);
				why(d, res, rs, ix[k], &p);
				para_print(&p, "\t", 2, out);
				evidence(d, res, ix[k], &p);
				para_print(&p, "\t", 2, out);
				conflicts(d, res, rs, ix[k], "\t", out);
			}
			fprintf(out, "\tvip ");
			for (uint32_t k = 0; k < n; k++) {
				addr_text(&d->hosts[ix[k]], a, sizeof(a));
				fprintf(out, "%s%s", k ? "," : "", a);
			}
			fprintf(out, "\n");
		}
		if (pass == 1)
			for (uint32_t k = 0; k < n; k++) {
				const struct dsc_hres *r = &res->h[ix[k]];

				addr_text(&d->hosts[ix[k]], a, sizeof(a));
				para_add(&p, "%s %s: ", r->name, a);
				why(d, res, rs, ix[k], &p);
				para_print(&p, "\t", 2, out);
				evidence(d, res, ix[k], &p);
				para_print(&p, "\t", 2, out);
				if (r->secondary >= 0) {
					para_add(&p, "it may also be a %s: it explains ports a %s does not "
					    "(give it a host line of its own).", rs->roles[r->secondary].name,
					    rs->roles[r->role].name);
					para_print(&p, "\t", 2, out);
				}
				conflicts(d, res, rs, ix[k], "\t", out);
				alternatives(d, res, rs, ix[k], NULL, "\t", out);
				fprintf(out, "\tmember %s %s\n", r->name, a);
			}
	}
	free(ix);
	if (pl->collocated)
		fprintf(out, "\tcollocated-mediation yes\n");
	if (pl->cms != DSC_NONE)
		fprintf(out, "\tcms %s\n", res->h[pl->cms].name);
	fprintf(out, "}\n");
	/* a member's second role needs a line of its own: pools give members
	 * their pool type's roles only */
	for (uint32_t i = 0; i < d->nhosts; i++)
		if (res->h[i].pool == pi && res->h[i].kind == DSC_K_SERVER && res->h[i].secondary >= 0) {
			addr_text(&d->hosts[i], a, sizeof(a));
			fprintf(out, "host %s-%s %s role %s\n", res->h[i].name,
			    rs->roles[res->h[i].secondary].name, a, rs->roles[res->h[i].secondary].name);
		}
}

static void
header(const struct discover *d, const struct dsc_result *res, const struct dsc_print_info *in,
    FILE *out)
{
	const struct dsc_counters *c = &d->c;
	struct para p = { .len = 0 };
	char t1[32], t2[32];

	fprintf(out, "# A draft inventory (conformd.conf(5)) written by conformd --discover %s.\n",
	    in->version != NULL ? in->version : "");
	para_add(&p, "Every role below is what the traffic showed, scored against the packs "
	    "named below: the comment above each statement says why and how sure.  Read and "
	    "correct it before you rely on it.  Alternatives are written commented out below the "
	    "statement they could replace; hosts that talk to Lync but fit no role, and addresses "
	    "that never answered, are listed at the end, commented.");
	para_print(&p, "", 0, out);
	fprintf(out, "#\n");
	para_add(&p, "traffic: %s", in->sources != NULL ? in->sources : "-");
	para_print(&p, "", 9, out);
	if (d->first_usec != 0) {
		fmt_time(d->first_usec / 1000000u, t1, sizeof(t1));
		fmt_time(d->last_usec / 1000000u, t2, sizeof(t2));
		para_add(&p, "         %s to %s: ", t1, t2);
	} else
		para_add(&p, "         ");
	para_add(&p, "%llu packets, %llu flows; %llu TCP or UDP flows accepted (%llu of them "
	    "picked up mid-stream), %llu left unanswered", (unsigned long long)c->packets,
	    (unsigned long long)c->flows, (unsigned long long)c->accepted,
	    (unsigned long long)c->midstream, (unsigned long long)c->attempts);
	para_print(&p, "", 9, out);
	para_add(&p, "packs:   product %s", in->product != NULL ? in->product : "(none)");
	for (int i = 0; i < in->npacks; i++)
		para_add(&p, ", pack %s", in->packs[i]);
	for (int i = 0; i < in->nrules; i++)
		para_add(&p, ", rules %s", in->rules_files[i]);
	if (in->site_rules != NULL)
		para_add(&p, ", site-rules %s", in->site_rules);
	para_add(&p, " (rules-dir %s)", in->rules_dir != NULL ? in->rules_dir : "the installed one");
	para_print(&p, "", 9, out);
	para_add(&p, "kept:    %u hosts (at most %u), %u host pairs (at most %u)", d->nhosts,
	    d->max_hosts, d->nedges, d->max_edges);
	if (c->hosts_dropped + c->attempts_unrecorded + c->edges_dropped + c->ports_dropped +
	    c->capture_drops + c->records_lost == 0)
		para_add(&p, "; nothing dropped");
	else
		para_add(&p, "; dropped: %llu flows for want of a host slot, %llu attempts to unseen "
		    "hosts, %llu host pairs, %llu flows on ports past %d a host, %llu packets in "
		    "capture, %llu flow records", (unsigned long long)c->hosts_dropped,
		    (unsigned long long)c->attempts_unrecorded, (unsigned long long)c->edges_dropped,
		    (unsigned long long)c->ports_dropped, DSC_HOST_PORTS,
		    (unsigned long long)c->capture_drops, (unsigned long long)c->records_lost);
	para_print(&p, "", 9, out);
	para_add(&p, "found:   %u servers, %u VIPs in %d pools, %u clients in %d networks, %u "
	    "peers, %u unknown, %u unanswered", res->nkind[DSC_K_SERVER], res->nkind[DSC_K_VIP],
	    res->npools_drafted, res->nkind[DSC_K_CLIENT], res->nnets, res->nkind[DSC_K_PEER],
	    res->nkind[DSC_K_UNKNOWN], res->nkind[DSC_K_UNANSWERED]);
	para_print(&p, "", 9, out);
	fprintf(out, "#\n");
	para_add(&p, "To use it, save it as inventory.conf beside a conformd.conf that loads the "
	    "same packs:");
	para_print(&p, "", 0, out);
	if (in->rules_dir != NULL) {
		fprintf(out, "#     rules-dir ");
		lex_print_word(in->rules_dir, out);
		fputc('\n', out);
	}
	if (in->product != NULL)
		fprintf(out, "#     product %s\n", in->product);
	for (int i = 0; i < in->npacks; i++)
		fprintf(out, "#     pack %s\n", in->packs[i]);
	for (int i = 0; i < in->nrules; i++) {
		fprintf(out, "#     rules ");
		lex_print_word(in->rules_files[i], out);
		fputc('\n', out);
	}
	if (in->site_rules != NULL) {
		fprintf(out, "#     site-rules ");
		lex_print_word(in->site_rules, out);
		fputc('\n', out);
	}
	fprintf(out, "#     inventory inventory.conf\n");
	para_add(&p, "then check it with `conformd -T -c conformd.conf` and judge the traffic with "
	    "`conformd -c conformd.conf -r CAPTURE`.");
	para_print(&p, "", 0, out);
	fprintf(out, "#\n");
	para_add(&p, "Evidence: a host accepts a port when it answered (a SYN-ACK, a UDP reply; "
	    "packets both ways for a connection picked up mid-stream); a SYN or datagram left "
	    "unanswered never makes a role.  A role's signature is the ports of its in rules; "
	    "ports many roles share weigh less.  Confidence high: a good share of the role's "
	    "ports, no rival, no conflict; medium: fewer of them, or a conflict; low: another "
	    "role fits as well, or one port from one host.");
	para_print(&p, "", 0, out);
}

void
discover_print(const struct discover *d, const struct dsc_result *res,
    const struct ruleset *rs, const struct dsc_print_info *info, FILE *out)
{
	struct para p = { .len = 0 };
	uint32_t *ix;
	int any;

	header(d, res, info, out);
	if ((ix = sorted_hosts(d)) == NULL)
		return;

	fprintf(out, "\n# ---- client media range ----\n");
	if (res->media) {
		para_add(&p, "Clients accepted %u flow%s on ports %u-%u (media, file transfer, "
		    "application sharing); widened to whole thousands.  Set it from the site's "
		    "CsConferencingConfiguration ClientMediaPortRange where it is known.",
		    res->media_flows, res->media_flows == 1 ? "" : "s", res->seen_lo, res->seen_hi);
		para_print(&p, "", 0, out);
		fprintf(out, "client-media-ports %u-%u\n", res->media_lo, res->media_hi);
	} else {
		para_add(&p, "No client was seen accepting media: the default, 1024-65535, applies.");
		para_print(&p, "", 0, out);
	}

	any = 0;
	for (int f = 0; f < rs->nfeatures; f++)
		if (res->deploy & (1u << f)) {
			const struct rule *ru = &rs->rules[res->deploy_rule[f]];
			char ports[64], lb[128];

			if (!any)
				fprintf(out, "\n# ---- features the traffic shows ----\n");
			any = 1;
			rules_format_ports(ru, ports, sizeof(ports));
			label(d, res, res->deploy_host[f], lb, sizeof(lb));
			para_add(&p, "%s (%s): %s, a row of it (%s %s %s/%s), seen on %s.", rs->features[f].name,
			    rs->features[f].desc != NULL ? rs->features[f].desc : "", ru->id,
			    rs->roles[ru->role].name, rules_dir_name(ru->dir), rules_proto_name(ru->protos),
			    ports, lb);
			para_print(&p, "", 2, out);
			fprintf(out, "deploy %s\n", rs->features[f].name);
		}

	if (res->npools_drafted > 0)
		fprintf(out, "\n# ---- pools ----\n");
	for (int pi = 0; pi < res->npools; pi++) {
		const struct dsc_pool *pl = &res->pools[pi];

		if (pl->nmembers < 2 && pl->nvips == 0)
			continue;
		if (pi > 0)
			fprintf(out, "\n");
		print_pool(d, res, rs, pi, ix, out);
	}

	any = 0;
	for (uint32_t k = 0; k < d->nhosts; k++) {
		uint32_t i = ix[k];
		const struct dsc_hres *r = &res->h[i];

		if (r->kind != DSC_K_SERVER || (r->pool >= 0 && (res->pools[r->pool].nmembers > 1 ||
		    res->pools[r->pool].nvips > 0)))
			continue;
		if (!any)
			fprintf(out, "\n# ---- servers ----\n");
		any = 1;
		host_block(d, res, rs, i, "host", out);
		if (r->pool >= 0 && res->pools[r->pool].cms == i) {
			para_add(&p, "(%s: it reaches %d host%s as only that role does.)",
			    rs->roles[rs->pooltypes[res->pools[r->pool].type].cms].name,
			    res->pools[r->pool].cms_targets,
			    res->pools[r->pool].cms_targets == 1 ? "" : "s");
			para_print(&p, "", 2, out);
		}
	}

	any = 0;
	for (uint32_t k = 0; k < d->nhosts; k++) {
		uint32_t i = ix[k];

		if (res->h[i].kind != DSC_K_PEER)
			continue;
		if (!any)
			fprintf(out, "\n# ---- peers ----\n");
		any = 1;
		host_block(d, res, rs, i, "peer", out);
	}

	if (res->nnets > 0) {
		int role = -1, nclients = 0, nroles = 0;
		uint64_t seen = 0;
		char pfx[80];

		for (uint32_t i = 0; i < d->nhosts; i++)
			if (res->h[i].kind == DSC_K_CLIENT) {
				nclients++;
				if (!(seen & (1ull << res->h[i].role)))
					nroles++;
				seen |= 1ull << res->h[i].role;
				if (role < 0)
					role = res->h[i].role;
			}
		fprintf(out, "\n# ---- clients ----\n");
		para_add(&p, "%d hosts act as Lync clients (the client and peer rules of the packs "
		    "explain their conversations); their addresses, aggregated into the widest "
		    "prefixes up to a /24 (IPv4) or /64 (IPv6) that hold no other host seen, and "
		    "joined where two halves of a larger prefix are both clients:", nclients);
		for (int n = 0; n < res->nnets; n++) {
			addr_format(res->nets[n].addr, res->nets[n].family, pfx, sizeof(pfx));
			para_add(&p, "%s %s/%d (%u client%s)", n ? "," : "", pfx, res->nets[n].plen,
			    res->nets[n].clients, res->nets[n].clients == 1 ? "" : "s");
		}
		para_add(&p, ".");
		if (nroles > 1)
			para_add(&p, "  Some were seen as another client role: see below.");
		para_print(&p, "", 2, out);
		fprintf(out, "network clients ");
		for (int n = 0; n < res->nnets; n++) {
			addr_format(res->nets[n].addr, res->nets[n].family, pfx, sizeof(pfx));
			fprintf(out, "%s%s/%d", n ? "," : "", pfx, res->nets[n].plen);
		}
		fprintf(out, " role %s\n", rs->roles[role].name);
		for (uint32_t k = 0, shown = 0, more = 0; k < d->nhosts; k++) {
			uint32_t i = ix[k];
			const struct dsc_hres *r = &res->h[i];
			char a[64];

			if (r->kind != DSC_K_CLIENT || (r->role == role && r->nconflicts == 0 &&
			    r->nalts == 0))
				continue;
			if (shown == MAX_HOSTS) {
				for (uint32_t j = k; j < d->nhosts; j++) {
					const struct dsc_hres *o = &res->h[ix[j]];

					more += o->kind == DSC_K_CLIENT && (o->role != role ||
					    o->nconflicts > 0 || o->nalts > 0);
				}
				para_add(&p, "and %u more clients with remarks (the first %d are above).",
				    more, MAX_HOSTS);
				para_print(&p, "", 2, out);
				break;
			}
			shown++;
			addr_text(&d->hosts[i], a, sizeof(a));
			para_add(&p, "client %s: ", a);
			why(d, res, rs, i, &p);
			para_print(&p, "", 2, out);
			evidence(d, res, i, &p);
			para_print(&p, "", 2, out);
			conflicts(d, res, rs, i, "", out);
			if (r->role != role)
				fprintf(out, "#host client-%s %s role %s\n", a, a, rs->roles[r->role].name);
			alternatives(d, res, rs, i, NULL, "", out);
		}
	}

	any = 0;
	for (uint32_t k = 0, more = 0, inside = 0; k < d->nhosts; k++) {
		uint32_t i = ix[k];

		if (res->h[i].kind != DSC_K_UNKNOWN)
			continue;
		if (!any) {
			fprintf(out, "\n# ---- hosts that talk to Lync but fit no role ----\n");
			para_add(&p, "Not in the inventory as written; give each a role (a site rules "
			    "file can declare one) or leave it out.  One inside a client network is "
			    "judged as a client.");
			para_print(&p, "", 0, out);
		}
		if (++any > MAX_HOSTS) {
			/* the rest are counted */
			for (uint32_t j = k; j < d->nhosts; j++)
				if (res->h[ix[j]].kind == DSC_K_UNKNOWN) {
					more++;
					inside += in_nets(res, &d->hosts[ix[j]]);
				}
			para_add(&p, "And %u more hosts that fit no role (the first %d by address "
			    "are above), %u of them inside the client networks.", more, MAX_HOSTS,
			    inside);
			para_print(&p, "", 0, out);
			break;
		}
		if (in_nets(res, &d->hosts[i])) {
			char a[64];

			addr_text(&d->hosts[i], a, sizeof(a));
			para_add(&p, "(%s is inside a client network: conformd judges it as a client.)", a);
			para_print(&p, "", 2, out);
		}
		host_block(d, res, rs, i, "host", out);
	}

	any = 0;
	for (uint32_t k = 0; k < d->nhosts; k++) {
		uint32_t i = ix[k];
		const struct dsc_host *h = &d->hosts[i];
		char a[64], t1[32];
		uint32_t nfrom = 0, last = DSC_NONE;

		if (res->h[i].kind != DSC_K_UNANSWERED)
			continue;
		if (!any) {
			fprintf(out, "\n# ---- addresses that never answered ----\n");
			para_add(&p, "Attempts only (SYNs, datagrams, no reply): a server that is "
			    "down or firewalled, or no machine at all.");
			para_print(&p, "", 0, out);
		}
		any = 1;
		for (uint32_t e = res->in_off[i]; e < res->in_off[i + 1]; e++)
			if (d->edges[res->in_list[e]].ini != last) {
				nfrom++;
				last = d->edges[res->in_list[e]].ini;
			}
		addr_text(h, a, sizeof(a));
		fmt_time(h->first_usec / 1000000u, t1, sizeof(t1));
		para_add(&p, "%s: %u attempt%s from %u host%s on", a, h->att_in,
		    h->att_in == 1 ? "" : "s", nfrom, nfrom == 1 ? "" : "s");
		{
			int n = 0;

			for (uint32_t e = res->in_off[i]; e < res->in_off[i + 1] && n < MAX_LISTED; e++) {
				const struct dsc_edge *ed = &d->edges[res->in_list[e]];

				if (ed->port != 0)
					para_add(&p, "%s %s/%u", n++ ? "," : "", pname(ed->proto), ed->port);
				else
					para_add(&p, "%s a high %s port", n++ ? "," : "", pname(ed->proto));
			}
		}
		para_add(&p, "; first at %s.", t1);
		para_print(&p, "", 2, out);
	}
	if (res->nkind[DSC_K_NONE] > 0) {
		fprintf(out, "\n");
		para_add(&p, "%u other host%s talked only among themselves or to clients (the "
		    "internet, printers, ...): not listed.", res->nkind[DSC_K_NONE],
		    res->nkind[DSC_K_NONE] == 1 ? "" : "s");
		para_print(&p, "", 0, out);
	}
	free(ix);
}
