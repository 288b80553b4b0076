/*
 * thread.c - start a helper thread with every signal blocked; name a
 * thread and take its capabilities away (thread.h).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

#include "conformd/log.h"
#include "conformd/privdrop.h"
#include "conformd/thread.h"

void
thread_name(const char *name)
{
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
}

void
thread_unprivileged(const char *name)
{
	thread_name(name);
	if (privdrop_thread() == -1)
		log_warnx("%s thread: cannot give up its capabilities", name);
}

int
thread_start_blocked(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rv;

	/* the new thread inherits the mask in force when it is created */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rv;
}
