/*
 * test_notify.c - sd_notify without libsystemd (src/run/notify.c): a unix
 * datagram socket bound at a temporary path and at an abstract name
 * stands in for systemd; what arrives must be exactly what was sent.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "run/notify.h"
#include "unit.h"

/* Bind a datagram socket at `name` ("@x": abstract); -1 on failure. */
static int
listener(const char *name)
{
	struct sockaddr_un sun;
	size_t len = strlen(name);
	socklen_t alen;
	int fd;

	if (len >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, alen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram on fd (non-blocking: it must already be there). */
static void
expect_datagram(int fd, const char *want)
{
	char buf[2048];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	CU_ASSERT_FATAL(n >= 0);
	buf[n] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, want);
}

static void
test_unset(void)
{
	unsetenv("NOTIFY_SOCKET");
	CU_ASSERT_EQUAL(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	CU_ASSERT_EQUAL(notify_send("READY=1"), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_path(void)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/notify.sock", unit_tmpdir());
	unlink(path);
	fd = listener(path);
	CU_ASSERT_FATAL(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	CU_ASSERT_EQUAL(notify_send("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	CU_ASSERT_EQUAL(notify_sendf("STATUS=%u packets, %u dropped", 12u, 0u), 1);
	expect_datagram(fd, "STATUS=12 packets, 0 dropped");
	CU_ASSERT_EQUAL(notify_send("RELOADING=1\nSTATUS=reloading"), 1);
	expect_datagram(fd, "RELOADING=1\nSTATUS=reloading");
	close(fd);
	unlink(path);
	/* nobody listening any more: an error, not a hang */
	errno = 0;
	CU_ASSERT_EQUAL(notify_send("READY=1"), -1);
	CU_ASSERT(errno == ECONNREFUSED || errno == ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_abstract(void)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@conformd-test-notify-%ld", (long)getpid());
	fd = listener(name);
	CU_ASSERT_FATAL(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	CU_ASSERT_EQUAL(notify_send("STOPPING=1"), 1);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_bad_address(void)
{
	char longpath[200];

	setenv("NOTIFY_SOCKET", "relative/sock", 1);
	errno = 0;
	CU_ASSERT_EQUAL(notify_send("READY=1"), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	errno = 0;
	CU_ASSERT_EQUAL(notify_send("READY=1"), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

void
test_notify_register(void)
{
	CU_pSuite s = CU_add_suite("notify", NULL, NULL);

	CU_add_test(s, "unset: nothing to do", test_unset);
	CU_add_test(s, "path socket", test_path);
	CU_add_test(s, "abstract socket", test_abstract);
	CU_add_test(s, "bad addresses", test_bad_address);
}
