/*
 * sinkmsg.h - records as ring slots carry them between threads.
 *
 * An engine_sink callback's record (a flow, a finding, coverage, a
 * counter, observe, cover) is copied into a struct sink_msg by the
 * encoder's front callbacks and replayed later, on another thread, by
 * sink_msg_apply().  A flow record is copied by its used bytes only
 * (about 250 of its 1.1 KB); every string is copied into the message's
 * own pool, since the caller may have built it on its stack.  Pointers a
 * flow record holds (names, the policy's strings) are kept as they are:
 * they must outlive the message, as static names and policies do.
 *
 * Used by sink-async.c (the -r output threads) and pipeline.c (workers
 * to the store thread), each with its own ring and its own policy for a
 * full ring.
 */
#ifndef CONFORMD_SINKMSG_H
#define CONFORMD_SINKMSG_H

#include <stdint.h>
#include "conformd/record.h"
#include "conformd/sink.h"

enum sink_msg_type {
	SINK_MSG_FLOW = 1, SINK_MSG_FINDING, SINK_MSG_COVERAGE, SINK_MSG_COUNTER,
	SINK_MSG_OBSERVE, SINK_MSG_COVER
};

/* All the strings of one record share this many bytes; what does not fit
 * is cut (counted), and a string that finds the pool full arrives as "". */
#define SINK_MSG_STRBYTES	1280
#define SINK_MSG_NSTR		7

/* One record.  Laid out so that a flow record touches the first cache
 * lines only.  Filled and read through the functions below. */
struct sink_msg {
	uint32_t		type;		/* enum sink_msg_type */
	int			has_flow;
	struct flow_record	r;
	struct finding		f;
	int			host, rule, ok;
	uint64_t		value, bytes, first, last;
	uint16_t		str[SINK_MSG_NSTR];	/* offsets into pool */
	uint16_t		used;
	/* pool[SINK_MSG_STRBYTES] is never written: it stays the NUL of a
	 * zeroed slot (ring_new()), where a string that found no room points */
	char			pool[SINK_MSG_STRBYTES + 1];
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
 * finding's and flow's pointers point into m: valid during the call. */
void sink_msg_apply(const struct engine_sink *to, struct sink_msg *m);

#endif /* CONFORMD_SINKMSG_H */
