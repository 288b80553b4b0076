/*
 * privdrop.c - from root to an unprivileged user, keeping CAP_NET_RAW and
 * CAP_NET_ADMIN for the threads that open captures and nothing for the
 * others (capabilities(7); libcap-ng, as Suricata uses it).
 *
 * Order matters, and capng_change_id() keeps it: the permitted set kept
 * across the uid change (PR_SET_KEEPCAPS), gid while still root, uid
 * last, then the two capabilities applied as the permitted and effective
 * sets, the bounding set cleared when we may (CAP_SETPCAP), the ambient
 * set cleared.  Supplementary groups go first, replaced by the user's own
 * group.  Each step is checked afterwards, from the kernel's view.
 *
 * Capabilities are per thread: the threads that never open a capture
 * (classifiers, the store thread, output and checkpoint threads, and the
 * main thread once the captures run) give up all of theirs with
 * privdrop_thread(), so that only the capture threads, which reopen an
 * interface that went away, hold any.
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
#include <sys/types.h>
#include <unistd.h>
#include <cap-ng.h>
#include <linux/capability.h>

#include "conformd/privdrop.h"

#define PRIVDROP_PWBUF	16384

/* What capng_change_id()'s error codes mean (its manual page). */
static const char *
privdrop_change_id_error(int rc)
{
	switch (rc) {
	case -2: return "keeping capabilities across the uid change (PR_SET_KEEPCAPS) failed";
	case -3: return "applying the intermediate capabilities failed";
	case -4: return "changing the gid failed";
	case -5: return "dropping the supplementary groups failed";
	case -6: return "changing the uid failed";
	case -7: return "resetting PR_SET_KEEPCAPS failed";
	case -8: return "clearing the bounding set failed";
	case -9: return "dropping CAP_SETPCAP or the ambient capabilities failed";
	case -10: return "initializing the supplementary groups failed";
	default: return "libcap-ng was not initialized";
	}
}

/* The calling thread's capability sets as the kernel has them: a bit per
 * capability set in *perm, *eff, *inh (up to CAP_LAST_CAP). */
static void
privdrop_sets(uint64_t *perm, uint64_t *eff, uint64_t *inh)
{
	*perm = *eff = *inh = 0;
	if (capng_get_caps_process() != 0)
		return;
	for (unsigned c = 0; c <= CAP_LAST_CAP && c < 64; c++) {
		if (capng_have_capability(CAPNG_PERMITTED, c))
			*perm |= UINT64_C(1) << c;
		if (capng_have_capability(CAPNG_EFFECTIVE, c))
			*eff |= UINT64_C(1) << c;
		if (capng_have_capability(CAPNG_INHERITABLE, c))
			*inh |= UINT64_C(1) << c;
	}
}

int
privdrop_thread(void)
{
	/* Root that stays root (-u root, or -r without -u) keeps its powers,
	 * as told: without CAP_DAC_OVERRIDE it could no longer reopen an EVE
	 * file or a database in a directory another user owns. */
	if (geteuid() == 0)
		return 0;
	capng_clear(CAPNG_SELECT_CAPS);
	return capng_apply(CAPNG_SELECT_CAPS) == 0 ? 0 : -1;
}

int
privdrop(const char *user, int keep_caps, char *err, size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	capng_flags_t flags;
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

	/* The bounding set can be cleared only with CAP_SETPCAP, which a
	 * systemd unit's CapabilityBoundingSet may not give: then it stays
	 * as the unit made it (no_new_privs below keeps exec from using it). */
	flags = CAPNG_NO_FLAG | CAPNG_CLEAR_AMBIENT;
	if (capng_get_caps_process() == 0 && capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		flags |= CAPNG_CLEAR_BOUNDING;
	/* Groups first, while still root: only the user's own. */
	if (setgroups(1, &gid) != 0) {
		snprintf(err, errlen, "setgroups(%lu): %s", (unsigned long)gid, strerror(errno));
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_caps && capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_RAW, CAP_NET_ADMIN, -1) != 0) {
		snprintf(err, errlen, "libcap-ng: cannot describe CAP_NET_RAW and CAP_NET_ADMIN");
		return -1;
	}
	if ((rv = capng_change_id((int)uid, (int)gid, flags)) != 0) {
		snprintf(err, errlen, "dropping to user %s (uid %lu, gid %lu): %s: %s", user,
		    (unsigned long)uid, (unsigned long)gid, privdrop_change_id_error(rv),
		    errno != 0 ? strerror(errno) : "unknown error");
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
	privdrop_sets(&perm, &eff, &inh);
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
