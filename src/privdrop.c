/*
 * privdrop.c - from root to an unprivileged user, keeping CAP_NET_RAW and
 * CAP_NET_ADMIN (capabilities(7), prctl(2) PR_SET_KEEPCAPS, capset(2) with
 * the raw system call and _LINUX_CAPABILITY_VERSION_3: no libcap).
 *
 * Order matters: PR_SET_KEEPCAPS so the uid change does not clear the
 * permitted set, groups then gid while still root, uid last, then capset
 * narrows permitted and effective to the two capabilities (effective is
 * cleared by the uid change anyway).  Each step is checked afterwards.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* setresuid, getresuid and friends */
#endif
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/capability.h>

#include "conformd/privdrop.h"

#define PRIVDROP_PWBUF	16384

static int
capget_self(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h;

	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0;
	memset(d, 0, 2 * sizeof(*d));
	return (int)syscall(SYS_capget, &h, d);
}

static int
capset_self(uint64_t permitted, uint64_t effective)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];

	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0;
	memset(d, 0, sizeof(d));
	/* version 3: 64 capability bits as two 32-bit words, low word first */
	d[0].permitted = (uint32_t)permitted;
	d[1].permitted = (uint32_t)(permitted >> 32);
	d[0].effective = (uint32_t)effective;
	d[1].effective = (uint32_t)(effective >> 32);
	/* inheritable stays empty */
	return (int)syscall(SYS_capset, &h, d);
}

int
privdrop(const char *user, int keep_caps, char *err, size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	struct __user_cap_data_struct d[2];
	char *buf;
	uid_t uid, ru, eu, su;
	gid_t gid, rg, eg, sg, groups[2];
	uint64_t want = 0, perm, eff, inh;
	int rv, ng;

	if (user == NULL || *user == '\0') {
		snprintf(err, errlen, "no user to run as");
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "cannot switch to user %s: not running as root (uid %lu)",
		    user, (unsigned long)geteuid());
		return -1;
	}
	if ((buf = malloc(PRIVDROP_PWBUF)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = getpwnam_r(user, &pw, buf, PRIVDROP_PWBUF, &pwp);
	if (pwp == NULL) {
		if (rv != 0)
			snprintf(err, errlen, "user %s: %s", user, strerror(rv));
		else
			snprintf(err, errlen, "no such user: %s (create it, e.g. with "
			    "systemd-sysusers or useradd --system)", user);
		free(buf);
		return -1;
	}
	uid = pw.pw_uid;
	gid = pw.pw_gid;
	free(buf);
	if (uid == 0) {
		snprintf(err, errlen, "refusing to drop privileges to %s: it is root (uid 0)", user);
		return -1;
	}
	if (keep_caps)
		want = (UINT64_C(1) << CAP_NET_RAW) | (UINT64_C(1) << CAP_NET_ADMIN);

	/* Keep the permitted set across the uid change (cleared again below). */
	if (keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
		return -1;
	}
	/* Groups and gid first: after setuid we could not change them. */
	if (setgroups(1, &gid) != 0) {
		snprintf(err, errlen, "setgroups(%lu): %s", (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) != 0) {
		snprintf(err, errlen, "setresgid(%lu): %s", (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "setresuid(%lu): %s", (unsigned long)uid, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS, 0): %s", strerror(errno));
		return -1;
	}
	if (capset_self(want, want) != 0) {
		snprintf(err, errlen, "capset(CAP_NET_RAW, CAP_NET_ADMIN): %s%s", strerror(errno),
		    errno == EPERM ? " (are they in the capability bounding set?)" : "");
		return -1;
	}
	/* Ambient capabilities would survive an exec: none.  EINVAL means a
	 * kernel before 4.3, which has no ambient set. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
		snprintf(err, errlen, "prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
		return -1;
	}
	/* Nothing this process executes can gain privileges again. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}

	/* Verify, trusting nothing above. */
	if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid) {
		snprintf(err, errlen, "user ids are not all %lu after the drop", (unsigned long)uid);
		return -1;
	}
	if (getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid) {
		snprintf(err, errlen, "group ids are not all %lu after the drop", (unsigned long)gid);
		return -1;
	}
	ng = getgroups(2, groups);
	if (ng < 0 || ng > 1 || (ng == 1 && groups[0] != gid)) {
		snprintf(err, errlen, "supplementary groups remain after the drop");
		return -1;
	}
	if (capget_self(d) != 0) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	perm = (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32;
	eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	inh = (uint64_t)d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	if (perm != want || eff != want || inh != 0) {
		snprintf(err, errlen, "capabilities after the drop are permitted %#llx, "
		    "effective %#llx, inheritable %#llx; wanted %#llx, %#llx, 0",
		    (unsigned long long)perm, (unsigned long long)eff,
		    (unsigned long long)inh, (unsigned long long)want, (unsigned long long)want);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		snprintf(err, errlen, "root could be regained after the drop");
		return -1;
	}
	return 0;
}
