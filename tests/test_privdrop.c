/*
 * test_privdrop.c - dropping root (src/run/privdrop.c).  Each case runs in a
 * forked child, so the test runner keeps its own identity: not root (a
 * clear error), unknown user, a root target refused, and, when the tests
 * run as root, the real drop to "nobody" with and without the capture
 * capabilities, checked from outside privdrop() (ids, groups, capability
 * sets, root not regainable).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "conformd/privdrop.h"
#include "unit.h"

#define NOBODY_UID	65534

/*
 * Run fn in a child; its message (at most 511 bytes) comes back through a
 * pipe into msg, and its exit status is returned (-1 if it died).
 */
static int
in_child(int (*fn)(char *msg, size_t len), char *msg, size_t len)
{
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	msg[0] = '\0';
	if (pipe(pfd) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		char buf[512];
		int rv;

		close(pfd[0]);
		buf[0] = '\0';
		rv = fn(buf, sizeof(buf));
		(void)!write(pfd[1], buf, strlen(buf));
		_exit(rv);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
child_not_root(char *msg, size_t len)
{
	if (geteuid() == 0 && setresuid(NOBODY_UID, NOBODY_UID, NOBODY_UID) != 0)
		return 9;
	return privdrop("nobody", 1, msg, len) == -1 ? 0 : 1;
}

static int
child_unknown_user(char *msg, size_t len)
{
	return privdrop("conformd-no-such-user-x", 1, msg, len) == -1 ? 0 : 1;
}

static int
child_root_target(char *msg, size_t len)
{
	return privdrop("root", 1, msg, len) == -1 ? 0 : 1;
}

/* Check what the process looks like from outside privdrop(). */
static int
check_after(uint64_t want, char *msg, size_t len)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[4];
	uint64_t perm, eff;
	int ng;

	if (getresuid(&ru, &eu, &su) != 0 || ru != NOBODY_UID || eu != NOBODY_UID || su != NOBODY_UID) {
		snprintf(msg, len, "uids %lu %lu %lu", (unsigned long)ru, (unsigned long)eu,
		    (unsigned long)su);
		return 2;
	}
	if (getresgid(&rg, &eg, &sg) != 0 || rg != eg || eg != sg || rg == 0) {
		snprintf(msg, len, "gids %lu %lu %lu", (unsigned long)rg, (unsigned long)eg,
		    (unsigned long)sg);
		return 3;
	}
	ng = getgroups(4, groups);
	if (ng != 1 || groups[0] != rg) {
		snprintf(msg, len, "%d supplementary groups", ng);
		return 4;
	}
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return 5;
	perm = (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
	eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	if (perm != want || eff != want) {
		snprintf(msg, len, "caps permitted %#llx effective %#llx", (unsigned long long)perm,
		    (unsigned long long)eff);
		return 6;
	}
	if (setuid(0) == 0)
		return 7;
	return 0;
}

static int
child_drop_keep(char *msg, size_t len)
{
	if (privdrop("nobody", 1, msg, len) != 0)
		return 1;
	return check_after((UINT64_C(1) << CAP_NET_RAW) | (UINT64_C(1) << CAP_NET_ADMIN), msg, len);
}

static int
child_drop_all(char *msg, size_t len)
{
	if (privdrop("nobody", 0, msg, len) != 0)
		return 1;
	return check_after(0, msg, len);
}

/* The calling thread's permitted and effective sets (capget(2), pid 0:
 * this thread). */
static void
thread_caps(uint64_t *perm, uint64_t *eff)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	*perm = *eff = UINT64_MAX;
	if (syscall(SYS_capget, &h, d) != 0)
		return;
	*perm = (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
	*eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
}

static uint64_t thr_perm, thr_eff;
static int thr_rv;

static void *
unprivileged(void *arg)
{
	(void)arg;
	thr_rv = privdrop_thread();
	thread_caps(&thr_perm, &thr_eff);
	return NULL;
}

/* After the drop keeping the capture capabilities, a thread that gives
 * them up has none, and the others keep theirs. */
static int
child_thread_drop(char *msg, size_t len)
{
	const uint64_t want = (UINT64_C(1) << CAP_NET_RAW) | (UINT64_C(1) << CAP_NET_ADMIN);
	uint64_t perm, eff;
	pthread_t t;

	if (privdrop("nobody", 1, msg, len) != 0)
		return 1;
	if (pthread_create(&t, NULL, unprivileged, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 2;
	if (thr_rv != 0 || thr_perm != 0 || thr_eff != 0) {
		snprintf(msg, len, "the thread: rv %d, permitted %#llx, effective %#llx", thr_rv,
		    (unsigned long long)thr_perm, (unsigned long long)thr_eff);
		return 3;
	}
	thread_caps(&perm, &eff);
	if (perm != want || eff != want) {
		snprintf(msg, len, "the main thread: permitted %#llx, effective %#llx",
		    (unsigned long long)perm, (unsigned long long)eff);
		return 4;
	}
	return privdrop_thread() == 0 ? 0 : 5;	/* again, without any: harmless */
}

static void
test_refusals(void)
{
	char msg[512];

	CU_ASSERT_EQUAL(in_child(child_not_root, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(strncmp(msg, "cannot switch to user nobody: not running as root (uid ", 55), 0);
	if (geteuid() != 0)
		return;		/* the cases below get past the root check only as root */
	CU_ASSERT_EQUAL(in_child(child_unknown_user, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(strncmp(msg, "no such user: conformd-no-such-user-x", 37), 0);
	CU_ASSERT_EQUAL(in_child(child_root_target, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(msg, "refusing to drop privileges to root: it is root (uid 0)");
}

static void
test_drop(void)
{
	char msg[512];
	int rv;

	if (geteuid() != 0 || getpwnam("nobody") == NULL) {
		fprintf(stderr, "(skipped: needs root and a user nobody) ");
		return;
	}
	rv = in_child(child_drop_keep, msg, sizeof(msg));
	CU_ASSERT_EQUAL(rv, 0);
	if (rv != 0)
		fprintf(stderr, "\nprivdrop keep_caps=1: %d %s\n", rv, msg);
	rv = in_child(child_drop_all, msg, sizeof(msg));
	CU_ASSERT_EQUAL(rv, 0);
	if (rv != 0)
		fprintf(stderr, "\nprivdrop keep_caps=0: %d %s\n", rv, msg);
	rv = in_child(child_thread_drop, msg, sizeof(msg));
	CU_ASSERT_EQUAL(rv, 0);
	if (rv != 0)
		fprintf(stderr, "\nprivdrop_thread: %d %s\n", rv, msg);
}

void
test_privdrop_register(void)
{
	CU_pSuite s = CU_add_suite("privdrop", NULL, NULL);

	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "drop to nobody (root)", test_drop);
}
