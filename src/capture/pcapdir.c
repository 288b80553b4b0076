/*
 * pcapdir.c - the capture files of a directory, in the order of their
 * first packets (pcapdir.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformd/capture.h"
#include "conformd/pcapdir.h"
#include "conformd/pcapfile.h"

#define PCAPDIR_PEEK_BUF	(64u << 10)	/* enough for a header and a first packet */

int
pcapdir_is_dir(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first packet's time of the file open on fd, or 0 (no packet, not a
 * capture, damaged before it); fd is left at offset 0. */
static uint64_t
pcapdir_first_usec(int fd, const char *path)
{
	struct pcapfile *pf;
	struct capture_pkt p;
	char err[512];
	uint64_t t = 0;
	int dfd;

	/* a duplicate shares the offset: rewound below */
	if ((dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return 0;
	if (pcapfile_open_fd(&pf, dfd, path, PCAPDIR_PEEK_BUF, err, sizeof(err)) == 0) {
		if (pcapfile_next(pf, &p, 1, err, sizeof(err)) == 1)
			t = p.ts_usec;
		pcapfile_close(pf);
	}
	(void)lseek(fd, 0, SEEK_SET);
	return t;
}

/* EMFILE: raise the soft limit on open files to the hard one, once.
 * 0 when it was raised. */
static int
pcapdir_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= rl.rlim_max)
		return -1;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static int
pcapdir_cmp(const void *a, const void *b)
{
	const struct pcapdir_file *x = a, *y = b;

	if (x->first_usec != y->first_usec)
		return x->first_usec < y->first_usec ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Open one candidate into f (f->path set): its descriptor, or -1 when it
 * cannot be opened (pcapdir_take() then reports why).  -1 with errno
 * EMFILE when the process is out of descriptors. */
static int
pcapdir_open_one(struct pcapdir_file *f, int *raised)
{
	int fl;

	/* O_NONBLOCK: a FIFO swapped in after the stat() must not block us */
	while ((f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 &&
	    (errno == EMFILE || errno == ENFILE)) {
		if (*raised || pcapdir_raise_nofile() == -1) {
			errno = EMFILE;
			return -1;
		}
		*raised = 1;
	}
	if (f->fd == -1)
		return 0;
	if ((fl = fcntl(f->fd, F_GETFL)) != -1)
		(void)fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK);
	f->first_usec = pcapdir_first_usec(f->fd, f->path);
	return 0;
}

int
pcapdir_open(struct pcapdir *d, const char *dir, char *err, size_t errlen)
{
	DIR *dp;
	struct dirent *de;
	struct stat st;
	int cap = 0, raised = 0;

	memset(d, 0, sizeof(*d));
	if ((dp = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((d->dir = strdup(dir)) == NULL)
		goto oom;
	while ((errno = 0, de = readdir(dp)) != NULL) {
		struct pcapdir_file *f;
		size_t len;

		if (de->d_name[0] == '.')
			continue;	/* ".", "..", and files still being written */
		if (d->n == cap) {
			struct pcapdir_file *nf;

			cap = cap ? 2 * cap : 16;
			if ((nf = realloc(d->f, (size_t)cap * sizeof(*nf))) == NULL)
				goto oom;
			d->f = nf;
		}
		f = &d->f[d->n];
		memset(f, 0, sizeof(*f));
		f->fd = -1;
		len = strlen(dir) + 1 + strlen(de->d_name) + 1;
		if ((f->path = malloc(len)) == NULL)
			goto oom;
		snprintf(f->path, len, "%s%s%s", dir,
		    dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(f->path, &st) == -1 || !S_ISREG(st.st_mode)) {
			free(f->path);
			continue;	/* subdirectories, FIFOs, sockets, dangling links */
		}
		d->n++;
		if (pcapdir_open_one(f, &raised) == -1) {
			snprintf(err, errlen, "%s: more files than this process may hold open "
			    "(RLIMIT_NOFILE): %d opened", dir, d->n - 1);
			closedir(dp);
			pcapdir_close(d);
			return -1;
		}
	}
	if (errno != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		closedir(dp);
		pcapdir_close(d);
		return -1;
	}
	closedir(dp);
	if (d->n == 0) {
		snprintf(err, errlen, "%s: no capture file in the directory", dir);
		pcapdir_close(d);
		return -1;
	}
	qsort(d->f, (size_t)d->n, sizeof(*d->f), pcapdir_cmp);
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", dir);
	closedir(dp);
	pcapdir_close(d);
	return -1;
}

int
pcapdir_take(struct pcapdir *d, int i, struct pcapfile **pf, char *err, size_t errlen)
{
	struct pcapdir_file *f = &d->f[i];
	int fd = f->fd;

	*pf = NULL;
	if (fd == -1)	/* never opened: say why now */
		return pcapfile_open(pf, f->path, err, errlen);
	f->fd = -1;
	return pcapfile_open_fd(pf, fd, f->path, 0, err, errlen);
}

void
pcapdir_close(struct pcapdir *d)
{
	for (int i = 0; i < d->n; i++) {
		if (d->f[i].fd != -1)
			close(d->f[i].fd);
		free(d->f[i].path);
	}
	free(d->f);
	free(d->dir);
	memset(d, 0, sizeof(*d));
}
