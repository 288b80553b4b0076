/*
 * sensor.c - the sensor's name and the start of a run's flow ids
 * (sensor.h).
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conformd/sensor.h"

int
sensor_name_ok(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n > SENSOR_NAME_MAX)
		return 0;
	for (; *name != '\0'; name++)
		if ((unsigned char)*name < 33 || (unsigned char)*name > 126)
			return 0;
	return 1;
}

char *
sensor_default_name(char *buf, size_t len)
{
	char h[SENSOR_NAME_MAX + 1];
	struct addrinfo hints, *ai = NULL;

	if (len == 0)
		return buf;
	snprintf(buf, len, "-");
	h[sizeof(h) - 1] = '\0';
	if (gethostname(h, sizeof(h) - 1) == -1 || !sensor_name_ok(h))
		return buf;
	snprintf(buf, len, "%s", h);
	if (strchr(h, '.') != NULL)
		return buf;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(h, NULL, &hints, &ai) == 0 && ai != NULL &&
	    ai->ai_canonname != NULL && strchr(ai->ai_canonname, '.') != NULL &&
	    sensor_name_ok(ai->ai_canonname))
		snprintf(buf, len, "%s", ai->ai_canonname);
	if (ai != NULL)
		freeaddrinfo(ai);
	return buf;
}

uint64_t
sensor_flow_id_start(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;

		/* no entropy yet (early boot): distinct enough per run */
		clock_gettime(CLOCK_REALTIME, &ts);
		v = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^
		    ((uint64_t)getpid() << 40);
	}
	v &= SENSOR_FLOW_ID_MASK;
	return v != 0 ? v : 1;
}
