/*
 * sink-msg.h - records as ring slots carry them between threads.
 *
 * An engine_sink callback's record (a flow, a finding, coverage, a
 * counter, observe, cover) is copied into a struct sink_msg by the
 * encoder's front callbacks and replayed later, on another thread, by
 * sink_msg_apply().  Flows and findings travel in binary (record.h), by
 * the bytes their type uses (a flow about 200 of a slot's 600, a finding
 * about 560); their text is made by the writer that replays them
 * (record-text.h).  The few records that carry strings (coverage rows,
 * counters, a cover's evidence) copy them into the message's own pool,
 * since the caller may have built them on its stack.  Pointers a binary
 * record holds (its policy, its ruleset) are kept as they are: they must
 * outlive the message, as the pipeline's policies do.
 *
 * Used by sink-async.c (the -r output threads) and pipeline-worker.c,
 * pipeline-store.c (workers to the store thread), each with its own
 * ring and its own policy for a full ring.
 */
#ifndef CONFORMD_SINK_MSG_H
#define CONFORMD_SINK_MSG_H

#include <stdint.h>
#include "conformd/record.h"
#include "conformd/sink.h"

enum sink_msg_type {
	SINK_MSG_FLOW = 1, SINK_MSG_FINDING, SINK_MSG_COVERAGE, SINK_MSG_COUNTER,
	SINK_MSG_OBSERVE, SINK_MSG_COVER
};

/* All the strings of one coverage row, counter or cover share this many
 * bytes; what does not fit is cut (counted), and a string that finds the
 * pool full arrives as "". */
#define SINK_MSG_STRBYTES	480
#define SINK_MSG_NSTR		4

/* One record: its type, then the record's own bytes.  Filled and read
 * through the functions below. */
struct sink_msg {
	uint32_t		type;		/* enum sink_msg_type */
	union {
		struct rec_flow		flow;
		struct rec_finding	finding;
		struct {
			int		host, rule, ok;
			uint64_t	value, bytes, first, last;
			uint16_t	str[SINK_MSG_NSTR];	/* offsets into pool */
			uint16_t	used;
			char		pool[SINK_MSG_STRBYTES + 1];
		} n;		/* coverage, counter, observe, cover */
	} u;
};

/*
 * The encoder.  reserve() gives the slot for a record of `type` (NULL:
 * the record is dropped, which the caller counts), commit() publishes it.
 * `records` and `truncated` count what the front queued and the strings
 * it had to cut.  The encoder is the front's arg: it must stay put while
 * the front is in use.
 */
struct sink_enc {
	struct sink_msg	*(*reserve)(void *arg, uint32_t type);
	void		 (*commit)(void *arg);
	void		*arg;
	uint64_t	 records;
	uint64_t	 truncated;
};

/* Fill `front` with callbacks that encode through `enc`: one for each
 * callback of `shape` that is not NULL (shape NULL: all six). */
void sink_enc_front(struct sink_enc *enc, const struct engine_sink *shape,
    struct engine_sink *front);

/* Replay message m into `to` (a NULL callback of `to` skips it).  The
 * records and strings handed over point into m: valid during the call. */
void sink_msg_apply(const struct engine_sink *to, struct sink_msg *m);

#endif /* CONFORMD_SINK_MSG_H */
