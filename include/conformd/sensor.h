/*
 * sensor.h - who this sensor is, for the SIEM that merges many: its name
 * (conformd.conf's sensor-name, by default the host's fully qualified
 * domain name: EVE "host", RFC 5424 HOSTNAME, CEF dvchost, LEEF dvchost,
 * the runs table) and where the flow ids of a run start.
 *
 * Flow ids (EVE flow_id, flows.flow_id) are unique within a run by
 * construction: the run counts up from a random start.  Across runs and
 * sensors they are unique with high probability: each run starts at a
 * point drawn from the kernel's random source in a space of 2^51 values
 * (Suricata's flow_id keeps to 51 bits too, so that JSON readers that
 * hold numbers as doubles read it exactly).
 */
#ifndef CONFORMD_SENSOR_H
#define CONFORMD_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#define SENSOR_NAME_MAX		255		/* RFC 5424 HOSTNAME: 1*255PRINTUSASCII */
#define SENSOR_FLOW_ID_BITS	51
#define SENSOR_FLOW_ID_MASK	((UINT64_C(1) << SENSOR_FLOW_ID_BITS) - 1)

/*
 * 1 when `name` may be a sensor name: 1 to SENSOR_NAME_MAX printable
 * US-ASCII characters (33..126), as RFC 5424 HOSTNAME and CEF dvchost
 * take it unescaped; else 0.  Any thread.
 */
int sensor_name_ok(const char *name);

/*
 * The default sensor name into buf (len bytes, SENSOR_NAME_MAX + 1 hold
 * any): the host's fully qualified domain name -- gethostname(), and when
 * that has no dot, the canonical name getaddrinfo() gives it (the hosts
 * file first, as hostname(1) -f does) -- or "-" when none is usable.
 * May consult the resolver: call once at start.  Returns buf.
 */
char *sensor_default_name(char *buf, size_t len);

/*
 * The first flow id of a run: a random value below 2^51, never 0, from
 * getrandom(2) (the clock and pid when it fails).  Each engine of the
 * run numbers its flows from it (engine_set_flow_ids()).  Any thread.
 */
uint64_t sensor_flow_id_start(void);

#endif /* CONFORMD_SENSOR_H */
