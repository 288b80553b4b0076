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

/* Name the calling thread (at most 15 bytes: /proc/PID/task/TID/comm,
 * top -H, ps -L). */
void thread_name(const char *name);

/* Name the calling thread and give up all of its capabilities
 * (privdrop_thread()): first thing in every thread that never opens a
 * capture (only capture threads keep CAP_NET_RAW and CAP_NET_ADMIN, to
 * reopen an interface that went away). */
void thread_unprivileged(const char *name);

#endif /* CONFORMD_THREAD_H */
