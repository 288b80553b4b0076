/*
 * test_pcapdir.c - -r DIR's file list (src/capture/pcapdir.c): files ordered by
 * their first packet's time whatever their names, ties by name; files
 * without a packet (not a capture, an empty capture) first; hidden files,
 * subdirectories and FIFOs left out; an empty or missing directory named;
 * a file taken from its beginning (the first packet read for the order
 * is read again), and only once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformd/capture.h"
#include "conformd/pcapdir.h"
#include "conformd/pcapfile.h"
#include "unit.h"

/* A classic pcap file at dir/name (Ethernet) holding one 60-byte packet
 * per entry of secs[] (n of them, 0 for a header only). */
static void
write_pcap(const char *dir, const char *name, const unsigned *secs, int n)
{
	char path[1024];
	unsigned char hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
	unsigned char rec[16 + 60];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	hdr[16] = 0xff;
	hdr[17] = 0xff;		/* snaplen 65535 */
	hdr[20] = 1;		/* LINKTYPE_ETHERNET */
	CU_ASSERT_EQUAL(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	for (int i = 0; i < n; i++) {
		memset(rec, 0, sizeof(rec));
		rec[0] = (unsigned char)secs[i];
		rec[1] = (unsigned char)(secs[i] >> 8);
		rec[2] = (unsigned char)(secs[i] >> 16);
		rec[3] = (unsigned char)(secs[i] >> 24);
		rec[8] = rec[12] = 60;	/* captured and original length */
		CU_ASSERT_EQUAL(fwrite(rec, 1, sizeof(rec), f), sizeof(rec));
	}
	fclose(f);
}

static const char *
dir_new(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	return path;
}

/* The base name of d's i-th file. */
static const char *
base(const struct pcapdir *d, int i)
{
	const char *s = strrchr(d->f[i].path, '/');

	return s != NULL ? s + 1 : d->f[i].path;
}

static void
test_order(void)
{
	const char *dir = dir_new("order");
	unsigned t3[] = { 3000, 3001 }, t1[] = { 1000 }, t2[] = { 2000 }, t2b[] = { 2000, 5 };
	char path[1024], err[512];
	struct pcapdir d;

	write_pcap(dir, "a.pcap", t3, 2);	/* names against time order */
	write_pcap(dir, "b.pcap", t2, 1);
	write_pcap(dir, "c.pcap", t1, 1);
	write_pcap(dir, "0-tie.pcap", t2b, 2);	/* same first time as b: by name */
	write_pcap(dir, "empty.pcap", NULL, 0);	/* no packet: first */
	snprintf(path, sizeof(path), "%s/README", dir);
	CU_ASSERT_EQUAL(unit_spit(path, "not a capture\n"), 0);
	write_pcap(dir, ".partial.pcap", t1, 1);	/* hidden: left out */
	snprintf(path, sizeof(path), "%s/sub", dir);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CU_ASSERT_EQUAL(mkfifo(path, 0600), 0);	/* not regular: left out, never opened */

	CU_ASSERT(pcapdir_is_dir(dir));
	CU_ASSERT(!pcapdir_is_dir(path));
	CU_ASSERT(!pcapdir_is_dir("-"));
	CU_ASSERT_EQUAL_FATAL(pcapdir_open(&d, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(d.n, 6);
	CU_ASSERT_STRING_EQUAL(base(&d, 0), "README");
	CU_ASSERT_STRING_EQUAL(base(&d, 1), "empty.pcap");
	CU_ASSERT_STRING_EQUAL(base(&d, 2), "c.pcap");
	CU_ASSERT_STRING_EQUAL(base(&d, 3), "0-tie.pcap");
	CU_ASSERT_STRING_EQUAL(base(&d, 4), "b.pcap");
	CU_ASSERT_STRING_EQUAL(base(&d, 5), "a.pcap");
	CU_ASSERT_EQUAL(d.f[2].first_usec, 1000ull * 1000000u);
	CU_ASSERT_EQUAL(d.f[0].first_usec, 0);
	pcapdir_close(&d);
	CU_ASSERT_EQUAL(d.n, 0);
}

static void
test_take(void)
{
	const char *dir = dir_new("take");
	unsigned t[] = { 7, 8, 9 };
	struct capture_pkt v[8];
	struct pcapfile *pf;
	struct pcapdir d;
	char path[1024], err[512];

	write_pcap(dir, "x.pcap", t, 3);
	snprintf(path, sizeof(path), "%s/junk", dir);
	CU_ASSERT_EQUAL(unit_spit(path, "0123456789012345678901234567890123456789\n"), 0);
	CU_ASSERT_EQUAL_FATAL(pcapdir_open(&d, dir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(d.n, 2);
	/* the junk first: it cannot be opened as a capture, named */
	CU_ASSERT_EQUAL(pcapdir_take(&d, 0, &pf, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(pf);
	CU_ASSERT(strstr(err, "/junk: ") != NULL);
	/* the capture from its first packet, although that was read already */
	CU_ASSERT_EQUAL_FATAL(pcapdir_take(&d, 1, &pf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pcapfile_next(pf, v, 8, err, sizeof(err)), 3);
	CU_ASSERT_EQUAL(v[0].ts_usec, 7000000u);
	CU_ASSERT_EQUAL(v[0].num, 1);
	CU_ASSERT_EQUAL(v[2].ts_usec, 9000000u);
	pcapfile_close(pf);
	CU_ASSERT_EQUAL(d.f[1].fd, -1);		/* taken */
	pcapdir_close(&d);
}

static void
test_errors(void)
{
	const char *dir = dir_new("none");
	char path[1024], err[512], want[1100];
	struct pcapdir d;

	snprintf(path, sizeof(path), "%s/.hidden", dir);
	CU_ASSERT_EQUAL(unit_spit(path, "x"), 0);
	CU_ASSERT_EQUAL(pcapdir_open(&d, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: no capture file in the directory", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(d.n, 0);
	snprintf(path, sizeof(path), "%s/missing", dir);
	CU_ASSERT_EQUAL(pcapdir_open(&d, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	pcapdir_close(&d);	/* empty: nothing */
}

void
test_pcapdir_register(void)
{
	CU_pSuite s = CU_add_suite("pcapdir", NULL, NULL);

	CU_add_test(s, "files in the order of their first packets", test_order);
	CU_add_test(s, "a file is taken from its beginning, once", test_take);
	CU_add_test(s, "empty and missing directories", test_errors);
}
