/*
 * preflight.c - `conformd -T` beyond parsing (preflight.h): output
 * directories, interfaces, NFLOG, the user to drop to, capture files.
 *
 * Permissions are judged from the mode bits for the user (and its primary
 * group, the only one privdrop.c keeps) that the run would become, since
 * after the privilege drop conformd holds no capability that overrides
 * them; a run that stays root is judged as root.
 */
#include <errno.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <pcap/pcap.h>

#include "config.h"
#include "conformd/file-inline.h"
#include "conformd/lex.h"
#include "conformd/pcapdir.h"
#include "conformd/pcapfile.h"
#include "preflight.h"

#define PF_R	4
#define PF_W	2
#define PF_X	1

struct preflight {
	const struct config	*cfg;
	struct diag		*d;
	struct lexfile		 lf;
	int			 have_lf;
	const char		*user;		/* whom the run becomes; NULL: stays as it is */
	uid_t			 uid;
	gid_t			 gid;
	int			 nerrors;
};

/* The line of the first `key` statement of the configuration whose first
 * value is `val` (NULL: any), or 0. */
static int
pf_line(const struct preflight *p, const char *key, const char *val)
{
	if (!p->have_lf)
		return 0;
	for (int i = 0; i < p->lf.nstmt; i++) {
		const struct stmt *s = &p->lf.stmt[i];

		if (strcmp(s->tok[0].text, key) == 0 &&
		    (val == NULL || (s->ntok > 1 && strcmp(s->tok[1].text, val) == 0)))
			return s->ntok > 1 ? s->tok[1].line : s->line;
	}
	return 0;
}

/*
 * One problem with `key value` of the configuration, or with the command
 * line's `opt value` when opt is not NULL.  The key of a value the
 * configuration resolved (a relative path made absolute) is found by
 * its key alone.
 */
static void __attribute__((format(printf, 5, 6)))
pf_error(struct preflight *p, const char *opt, const char *key, const char *val,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->nerrors++;
	if (opt != NULL) {
		diag_error(p->d, "conformd", 0, "%s %s: %s", opt, val, msg);
		return;
	}
	{
		int line = pf_line(p, key, val);

		if (line == 0)
			line = pf_line(p, key, NULL);
		diag_error(p->d, p->cfg->path, line, "%s %s: %s", key, val, msg);
	}
}

/* May the run's user do `want` (PF_R|PF_W|PF_X) to what st describes? */
static int
pf_may(const struct preflight *p, const struct stat *st, int want)
{
	unsigned bits;

	if (p->uid == 0)	/* root overrides the bits, except x on files */
		return !(want & PF_X) || S_ISDIR(st->st_mode) || (st->st_mode & 0111);
	if (st->st_uid == p->uid)
		bits = (st->st_mode >> 6) & 7;
	else if (st->st_gid == p->gid)
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (bits & (unsigned)want) == (unsigned)want;
}

static const char *
pf_who(const struct preflight *p)
{
	return p->user != NULL ? p->user : "this user";
}

/*
 * An output file: every directory above it searchable, its own directory
 * writable (SQLite creates -wal and -shm beside a database; EVE is
 * created anew after logrotate), and the file, when it exists, writable
 * and neither a directory nor a symbolic link (opened with O_NOFOLLOW).
 */
static void
pf_output(struct preflight *p, const char *key, const char *opt, const char *path)
{
	char dir[4096];
	const char *slash;
	struct stat st;
	size_t dlen;

	if (path == NULL || strcmp(path, "-") == 0)
		return;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dlen = strlen(dir);
	/* each directory from the top: exists, is one, may be searched */
	for (size_t i = 1; i <= dlen; i++) {
		char c = dir[i];

		if (i < dlen && c != '/')
			continue;
		dir[i] = '\0';
		if (stat(dir[0] != '\0' ? dir : "/", &st) == -1) {
			pf_error(p, opt, key, path, "directory %s %s", dir,
			    errno == ENOENT ? "does not exist" : strerror(errno));
			return;
		}
		if (!S_ISDIR(st.st_mode)) {
			pf_error(p, opt, key, path, "%s is not a directory", dir);
			return;
		}
		if (!pf_may(p, &st, PF_X)) {
			pf_error(p, opt, key, path, "%s may not enter directory %s", pf_who(p), dir);
			return;
		}
		dir[i] = c;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			pf_error(p, opt, key, path, "is a symbolic link: conformd does not follow one");
			return;
		}
		if (S_ISDIR(st.st_mode)) {
			pf_error(p, opt, key, path, "is a directory");
			return;
		}
		if (!pf_may(p, &st, strcmp(key, "database") == 0 ? PF_R | PF_W : PF_W)) {
			pf_error(p, opt, key, path, "%s may not write it", pf_who(p));
			return;
		}
		if (strcmp(key, "eve") == 0)
			return;		/* an existing EVE file is enough to start */
	} else if (errno != ENOENT) {
		pf_error(p, opt, key, path, "%s", strerror(errno));
		return;
	}
	if (stat(dir, &st) == 0 && !pf_may(p, &st, PF_W | PF_X))
		pf_error(p, opt, key, path, "%s may not create files in directory %s", pf_who(p), dir);
}

/* libpcap's own devices ("any", "nflog", ...) are not interfaces of the
 * kernel: 1 when pcap knows `name`. */
static int
pf_pcap_device(const char *name)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d;
	int found = 0;

	if (pcap_findalldevs(&all, errbuf) == -1)
		return 0;
	for (d = all; d != NULL && !found; d = d->next)
		found = strcmp(d->name, name) == 0;
	pcap_freealldevs(all);
	return found;
}

static void
pf_interface(struct preflight *p, const char *opt, const char *name)
{
	if (if_nametoindex(name) != 0 || strcmp(name, "any") == 0 || pf_pcap_device(name))
		return;
	pf_error(p, opt, "interface", name, "no such interface (ip link lists them)");
}

static void
pf_nflog(struct preflight *p, const char *opt, int group)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", group);
#ifdef HAVE_NFLOG
	{
		int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

		if (fd == -1)
			pf_error(p, opt, "nflog", num, "cannot open a netfilter netlink socket: %s",
			    strerror(errno));
		else
			close(fd);
	}
#else
	pf_error(p, opt, "nflog", num, "this conformd was built without NFLOG "
	    "(libnetfilter_log; conformd --build-info)");
#endif
}

/* A capture file or directory given with -r: readable, a capture, a link
 * type conformd decodes. */
static void
pf_capture(struct preflight *p, const char *path)
{
	struct pcapfile *pf;
	struct pcapdir dir;
	char err[1024];

	if (strcmp(path, "-") == 0)
		return;
	if (!pcapdir_is_dir(path)) {
		if (file_inline_open(path, NULL, &pf, err, sizeof(err)) != FILE_INLINE_OK) {
			p->nerrors++;
			diag_error(p->d, "conformd", 0, "-r %s", err);
		} else
			pcapfile_close(pf);
		return;
	}
	if (pcapdir_open(&dir, path, err, sizeof(err)) == -1) {
		p->nerrors++;
		diag_error(p->d, "conformd", 0, "-r %s", err);
		return;
	}
	for (int i = 0; i < dir.n; i++) {
		if (pcapdir_take(&dir, i, &pf, err, sizeof(err)) != 0 ||
		    file_inline_usable(&pf, dir.f[i].path, NULL, err, sizeof(err)) != FILE_INLINE_OK) {
			p->nerrors++;
			diag_error(p->d, "conformd", 0, "-r %s", err);
			continue;
		}
		pcapfile_close(pf);
	}
	pcapdir_close(&dir);
}

int
preflight_check(const struct config *cfg, const struct run_opts *o, struct diag *d)
{
	struct preflight p;
	struct diag quiet;
	int live, nifaces, ngroups;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.d = d;
	diag_init(&quiet, NULL);
	p.have_lf = lex_file(cfg->path, &p.lf, &quiet) == 0;
	p.uid = geteuid();
	p.gid = getegid();

	/* the sources the run takes: the command line's, else the
	 * configuration's live ones (as main.c does) */
	nifaces = o->nifaces;
	ngroups = o->ngroups;
	if (o->nfiles + o->nifaces + o->ngroups == 0) {
		nifaces = cfg->ninterfaces;
		ngroups = cfg->nnflog;
	}
	live = nifaces + ngroups > 0;

	/* the user: -u, the configuration's, or conformd for live capture */
	p.user = o->user != NULL ? o->user : cfg->user;
	if (p.user == NULL && live)
		p.user = "conformd";
	if (p.user != NULL && strcmp(p.user, "root") != 0) {
		struct passwd *pw = getpwnam(p.user);

		if (pw != NULL) {
			p.uid = pw->pw_uid;
			p.gid = pw->pw_gid;
		} else if (o->user != NULL) {
			p.nerrors++;
			diag_error(d, "conformd", 0, "-u %s: no such user", p.user);
			p.user = NULL;
		} else if (cfg->user != NULL) {
			pf_error(&p, NULL, "user", p.user, "no such user");
			p.user = NULL;
		} else {
			p.nerrors++;
			diag_error(d, cfg->path, 0, "live capture drops to the user conformd, which "
			    "does not exist (create it: systemd-sysusers, or useradd --system "
			    "conformd; or name another with `user`)");
			p.user = NULL;
		}
	} else if (p.user != NULL) {
		p.uid = 0;
		p.gid = 0;
	}

	pf_output(&p, "database", o->db != NULL ? "--db" : NULL,
	    o->db != NULL ? o->db : cfg->database);
	pf_output(&p, "eve", o->eve != NULL ? "--eve" : NULL,
	    o->eve != NULL ? o->eve : cfg->eve);
	for (int i = 0; i < nifaces; i++)
		pf_interface(&p, o->nifaces > 0 ? "-i" : NULL,
		    o->nifaces > 0 ? o->ifaces[i] : cfg->interfaces[i]);
	for (int i = 0; i < ngroups; i++)
		pf_nflog(&p, o->ngroups > 0 ? "--nflog" : NULL,
		    o->ngroups > 0 ? o->groups[i] : cfg->nflog[i]);
	for (int i = 0; i < o->nfiles; i++)
		pf_capture(&p, o->files[i]);
	if (p.have_lf)
		lex_free(&p.lf);
	return p.nerrors;
}
