/*
 * thread.h - helper threads that never take a signal.
 *
 * conformd's signals (SIGINT, SIGTERM, SIGHUP, SIGUSR1) belong to the
 * thread that installed their handlers; an output or checkpoint thread
 * must not be the one the kernel picks to run them.
 */
#ifndef CONFORMD_THREAD_H
#define CONFORMD_THREAD_H

#include <pthread.h>

/*
 * pthread_create(t, NULL, fn, arg) with every signal blocked in the new
 * thread (the caller's mask is unchanged afterwards).  Returns 0, or
 * pthread_create()'s error number.
 */
int thread_start_blocked(pthread_t *t, void *(*fn)(void *), void *arg);

#endif /* CONFORMD_THREAD_H */
