/*
 * eve.h - EVE-style JSON lines (Suricata's field names).
 *
 * One JSON object per line: `flow` events for every flow, `alert` events
 * for every finding.  Field names follow Suricata's eve-json-format so
 * existing SIEM parsers work; conformd's own fields sit under
 * `conformance`.  Timestamps are capture time, "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000".
 * One owner thread per writer.
 */
#ifndef CONFORMD_EVE_H
#define CONFORMD_EVE_H

#include <stddef.h>
#include <stdint.h>
#include "conformd/record.h"

struct eve;

/*
 * Who writes the events (sensor.h): "host" (the sensor name, last member
 * of every event, as Suricata writes its sensor-name) and "in_iface" (the
 * capture interface, after flow_id, when the run has exactly one).  NULL
 * members, or a NULL struct, leave the field out.
 */
struct eve_ident {
	const char	*host;
	const char	*in_iface;
};

/* Open `path` for appending ("-" is standard output); a partial last
 * line a crash left in the file is removed first.  NULL on failure with a
 * reason naming the path in err. */
struct eve *eve_open(const char *path, char *err, size_t errlen);

/* The identity every later event of the writer carries (copied; NULL
 * members: none).  Before the writer's first event; its owner thread.
 * Returns 0, or -1 when out of memory (then the events go without it). */
int eve_set_ident(struct eve *e, const struct eve_ident *id);

/* Write one flow event / one alert event.  Returns 0 or -1 (write error). */
int eve_flow(struct eve *e, const struct flow_record *r);
int eve_alert(struct eve *e, const struct finding *f);

/*
 * A `stats` event: counters `names[i]` = `values[i]`.  "stats" holds the
 * counters Suricata has, under Suricata's names ("uptime",
 * "capture.kernel_packets", "capture.kernel_drops",
 * "capture.kernel_ifdrops", "decoder.pkts", "decoder.invalid",
 * "detect.alert"), taken from conformd's ("uptime",
 * "capture.kernel_recv", "capture.kernel_drops", "capture.if_drops",
 * "classifier.packets", "classifier.malformed", "findings.total");
 * "conformance":{"stats":{...}} holds every counter under its own name,
 * a name "group.key" as {"group":{"key":N}} (consecutive names of one
 * group share the object, so the names of a group must be consecutive: a
 * group that comes back would be a second member of the same name).
 * eve_stats() writes it and flushes.  Returns as eve_flow().
 */
size_t eve_format_stats(char *buf, size_t len, const struct eve_ident *id, uint64_t ts_usec,
    const char *const *names, const uint64_t *values, int n);
int eve_stats(struct eve *e, uint64_t ts_usec, const char *const *names,
    const uint64_t *values, int n);

/* Write out the lines gathered (whole lines only: a write cut short is
 * cut back to its last whole line).  Returns 0, or -1 when lines were
 * lost (counted in eve_lost(); errno set). */
int eve_flush(struct eve *e);
/* Lines lost so far (not written, or too long); any thread. */
uint64_t eve_lost(const struct eve *e);

/* Flush and close (stdout is flushed, not closed).  NULL is a no-op. */
void eve_close(struct eve *e);

/* Reopen the file by its path (log rotation, SIGHUP); stdout is flushed.
 * Returns 0, or -1 (errno set) with the old file still in use. */
int eve_reopen(struct eve *e);

/*
 * Formatting without I/O, for the writer and for tests: the event as one
 * line (no newline) into buf.  Returns the length the line needs (like
 * snprintf); the output is truncated but NUL-terminated when len is too
 * small.
 */
size_t eve_format_flow(char *buf, size_t len, const struct eve_ident *id,
    const struct flow_record *r);
size_t eve_format_alert(char *buf, size_t len, const struct eve_ident *id,
    const struct finding *f);

/* What an alert feed adds to the alert event (eve_format_alert_feed()). */
struct eve_alert_extra {
	uint64_t	 suppressed;	/* > 0: "suppressed":N in "conformance" */
	const char	*verdict;	/* NULL: the finding kind's name */
	const char	*src_ip;	/* source of a flowless alert (a scan), or NULL */
	int		 scan;		/* 1: add "scan":{findings, hosts, ports, window} */
	uint64_t	 scan_findings, scan_hosts, scan_ports, scan_window;
};

/* The alert event for an alert feed; x NULL gives eve_format_alert()'s bytes. */
size_t eve_format_alert_feed(char *buf, size_t len, const struct eve_ident *id,
    const struct finding *f, const struct eve_alert_extra *x);

/* Format a capture time as EVE's timestamp into buf (>= 32 bytes). */
void eve_format_time(uint64_t usec, char *buf, size_t len);

#endif /* CONFORMD_EVE_H */
