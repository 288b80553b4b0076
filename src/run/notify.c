/*
 * notify.c - sd_notify(3) without libsystemd: one unix datagram to
 * $NOTIFY_SOCKET (systemd.service(5), Type=notify).  "@name" is an
 * abstract socket (a leading NUL byte in sun_path, no trailing NUL, the
 * address length counting only the name), anything else must be an
 * absolute path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t alen;
	size_t plen;
	ssize_t n;
	int fd, e;

	if (path == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path[0] != '@' && path[0] != '/') {
		errno = EINVAL;		/* "vsock:..." and relative paths: not for us */
		return -1;
	}
	/* the path without its NUL must fit; an abstract name replaces '@'
	 * by NUL, so it has the same length */
	if (plen > sizeof(sun.sun_path) || (path[0] == '/' && plen == sizeof(sun.sun_path))) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	/* an abstract address is exactly as long as its name; a path may
	 * include its terminating NUL */
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '/' ? 1 : 0));

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	/* non-blocking: a wedged service manager must not stall us */
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, alen);
	e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	return 1;
}

int
notify_sendf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	return notify_send(buf);
}
