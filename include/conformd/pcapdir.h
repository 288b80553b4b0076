/*
 * pcapdir.h - `-r DIR`: every capture file of a directory, read as one run
 * in time order.
 *
 * The files are ordered by the timestamp of their first packet (ties by
 * name), so that a directory of rotated captures (tcpdump -G/-C, one file
 * per hour, per mirror session) is read as the traffic happened whatever
 * the files are called.  Suricata reads a directory in the order of the
 * files' modification times; the first packet's time is the traffic's
 * own and survives a copy.  Every regular file is a candidate: names
 * starting with '.' (files still being written by rsync or scp) and
 * everything that is not a regular file (subdirectories, FIFOs, sockets)
 * are left out.  A file that is not a capture stays in the list, first,
 * so that reading it says why it is unusable.
 *
 * The files are opened by pcapdir_open() and held open until taken, so
 * that a caller that drops privileges afterwards (-u) still reads them.
 */
#ifndef CONFORMD_PCAPDIR_H
#define CONFORMD_PCAPDIR_H

#include <stddef.h>
#include <stdint.h>

struct pcapfile;

struct pcapdir_file {
	char		*path;		/* DIR/NAME, owned */
	int		 fd;		/* open at offset 0; -1: not opened (take() says why) or taken */
	uint64_t	 first_usec;	/* the first packet's time; 0 when the file has none */
};

struct pcapdir {
	char			*dir;	/* as given, owned */
	struct pcapdir_file	*f;	/* in reading order */
	int			 n;	/* >= 1 after a successful pcapdir_open() */
};

/* 1 when `path` names a directory (stat(2) follows symbolic links). */
int pcapdir_is_dir(const char *path);

/*
 * List, open and order the files of directory `dir` into *d.  0, or -1
 * with "DIR: reason" in err (cannot read the directory, no file in it,
 * more files than the open-file limit allows even once raised to its hard
 * limit); *d is then empty and needs no pcapdir_close().  The owner's
 * thread; may allocate and read the first packet of every file.
 */
int pcapdir_open(struct pcapdir *d, const char *dir, char *err, size_t errlen);

/*
 * Open the i-th file (0 <= i < d->n) for reading from its beginning,
 * taking its descriptor: 0 with *pf set (pcapfile_close() it), or -1 with
 * "DIR/NAME: reason" in err.  Each file can be taken once.
 */
int pcapdir_take(struct pcapdir *d, int i, struct pcapfile **pf, char *err, size_t errlen);

/* Close the files not taken and free *d (an empty *d: nothing). */
void pcapdir_close(struct pcapdir *d);

#endif /* CONFORMD_PCAPDIR_H */
