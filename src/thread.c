/*
 * thread.c - start a helper thread with every signal blocked (thread.h).
 */
#include <pthread.h>
#include <signal.h>

#include "conformd/thread.h"

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
