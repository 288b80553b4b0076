/*
 * test_capture.c - the capture layer (src/capture/capture.c, src/capture/capture-pcap.c,
 * src/capture/capture-nflog.c): the reopen backoff state machine on a fake clock,
 * the ring deliver callback, a capture file through the capture thread
 * into a one-slot ring (back-pressure: nothing lost, order kept), a
 * damaged file, option errors, and, as root only, a live capture on the
 * loopback interface with a BPF filter.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "conformd/capture.h"
#include "conformd/ring.h"
#include "unit.h"

#define SAMPLE_PCAP	"samples/lync-site.pcap"
#define SAMPLE_PACKETS	220	/* tcpdump -r samples/lync-site.pcap | wc -l */

static void
test_backoff(void)
{
	struct capture_backoff b;
	static const uint32_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };

	capture_backoff_init(&b);
	CU_ASSERT_EQUAL(capture_backoff_ok(&b, 500), 0);	/* healthy: no outage */
	CU_ASSERT_EQUAL(b.outages, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT_EQUAL(capture_reopen_backoff(&b, 10000 + i), want[i]);
	CU_ASSERT_EQUAL(b.outages, 1);			/* one outage, however many tries */
	CU_ASSERT_EQUAL(capture_backoff_ok(&b, 12500), 2500);
	CU_ASSERT_EQUAL(b.outage_ms, 2500);
	CU_ASSERT_EQUAL(b.delay_ms, 0);
	/* a second outage starts again at the minimum, and adds up */
	CU_ASSERT_EQUAL(capture_reopen_backoff(&b, 20000), 1000);
	CU_ASSERT_EQUAL(capture_reopen_backoff(&b, 21000), 2000);
	CU_ASSERT_EQUAL(b.outages, 2);
	CU_ASSERT_EQUAL(capture_backoff_ok(&b, 20750), 750);
	CU_ASSERT_EQUAL(b.outage_ms, 3250);
	CU_ASSERT_EQUAL(capture_backoff_ok(&b, 30000), 0);
}

static void
test_deliver_ring(void)
{
	struct ring *r = ring_new(2, RING_PKT_SLOT_SIZE(8));
	uint8_t data[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct capture_pkt p;
	struct ring_pkt *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	memset(&p, 0, sizeof(p));
	p.data = data;
	p.caplen = 12;		/* more than the slot holds: cut to 8 */
	p.wirelen = 60;
	p.ts_usec = 1700000000123456ull;
	p.linktype = DLT_EN10MB;
	p.source = 3;
	p.num = 41;
	CU_ASSERT_EQUAL(capture_deliver_ring(r, &p), 0);
	p.caplen = 4;
	p.wirelen = 4;
	p.num = 42;
	CU_ASSERT_EQUAL(capture_deliver_ring(r, &p), 0);
	CU_ASSERT_EQUAL(capture_deliver_ring(r, &p), -1);	/* full */

	s = ring_peek(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->pkt.caplen, 8);
	CU_ASSERT_EQUAL(s->pkt.wirelen, 60);
	CU_ASSERT_EQUAL(s->pkt.ts_usec, 1700000000123456ull);
	CU_ASSERT_EQUAL(s->pkt.linktype, DLT_EN10MB);
	CU_ASSERT_EQUAL(s->pkt.source, 3);
	CU_ASSERT_EQUAL(s->pkt.num, 41);
	CU_ASSERT_PTR_EQUAL(s->pkt.data, s->data);	/* the descriptor points into its slot */
	CU_ASSERT_EQUAL(s->decoded, 0);
	CU_ASSERT_EQUAL(memcmp(s->data, data, 8), 0);
	ring_release(r);
	s = ring_peek(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->pkt.caplen, 4);
	CU_ASSERT_EQUAL(s->pkt.wirelen, 4);
	CU_ASSERT_EQUAL(s->pkt.num, 42);
	ring_release(r);
	ring_free(r);
}

/* A consumer thread draining a ring of struct ring_pkt. */
struct drain {
	struct ring	*r;
	atomic_int	 done;
	uint64_t	 got, out_of_order, first_ts, bytes;
	uint32_t	 linktype;
};

static void *
drain_thread(void *arg)
{
	struct drain *d = arg;
	uint64_t last = 0;

	for (;;) {
		struct ring_pkt *p = ring_peek(d->r);

		if (p == NULL) {
			if (atomic_load(&d->done) && ring_peek(d->r) == NULL)
				break;
			usleep(100);	/* a slow consumer: the producer must wait */
			continue;
		}
		if (p->pkt.num != last + 1)
			d->out_of_order++;
		if (d->got == 0) {
			d->first_ts = p->pkt.ts_usec;
			d->linktype = (uint32_t)p->pkt.linktype;
		}
		last = p->pkt.num;
		d->bytes += p->pkt.wirelen;
		d->got++;
		ring_release(d->r);
	}
	return NULL;
}

static void
test_file_backpressure(void)
{
	struct capture_opts o;
	struct capture_stats st;
	struct capture *c;
	struct drain d;
	pthread_t t;
	char err[512];
	char path[4096];

	memset(&d, 0, sizeof(d));
	atomic_init(&d.done, 0);
	d.r = ring_new(1, RING_PKT_SLOT_SIZE(CAPTURE_SNAPLEN_DEFAULT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.r);
	snprintf(path, sizeof(path), "%s", unit_srcpath(SAMPLE_PCAP));
	capture_opts_init(&o);
	o.device = path;
	c = capture_new(&capture_pcapfile_ops, &o, "sample", 7, capture_deliver_ring, d.r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(capture_open(c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(capture_linktype(c), DLT_EN10MB);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, drain_thread, &d), 0);
	CU_ASSERT_EQUAL_FATAL(capture_start(c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(capture_join(c), 0);		/* ends by itself at EOF */
	atomic_store(&d.done, 1);
	pthread_join(t, NULL);

	capture_stats_read(c, &st);
	CU_ASSERT_EQUAL(st.packets, SAMPLE_PACKETS);
	CU_ASSERT_EQUAL(st.ring_drops, 0);		/* a file never loses packets */
	CU_ASSERT_EQUAL(d.got, SAMPLE_PACKETS);
	CU_ASSERT_EQUAL(d.out_of_order, 0);
	CU_ASSERT_EQUAL(d.bytes, st.bytes);
	CU_ASSERT_EQUAL(d.linktype, DLT_EN10MB);
	CU_ASSERT(d.first_ts > 1000000000ull * 1000000ull);
	CU_ASSERT_EQUAL(st.finished, 1);
	CU_ASSERT_EQUAL(st.opens, 1);
	CU_ASSERT_EQUAL(st.outages, 0);
	CU_ASSERT_STRING_EQUAL(capture_error(c), "");
	capture_free(c);
	ring_free(d.r);
}

/* A file cut in the middle of a record: what came before is delivered, the
 * error names the file and the packet that could not be read. */
static void
test_file_damaged(void)
{
	char src[4096], path[4096], err[512];
	struct capture_opts o;
	struct capture_stats st;
	struct capture *c;
	struct ring *r;
	size_t len;
	char *all;
	FILE *f;

	snprintf(src, sizeof(src), "%s", unit_srcpath(SAMPLE_PCAP));
	all = unit_slurp(src, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	snprintf(path, sizeof(path), "%s/cut.pcap", unit_tmpdir());
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(all, 1, 3000, f), 3000);	/* inside packet 13 */
	fclose(f);
	free(all);

	r = ring_new(256, RING_PKT_SLOT_SIZE(CAPTURE_SNAPLEN_DEFAULT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	capture_opts_init(&o);
	o.device = path;
	c = capture_new(&capture_pcapfile_ops, &o, "cut.pcap", 0, capture_deliver_ring, r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(capture_start(c, err, sizeof(err)), 0);	/* opens in the thread */
	CU_ASSERT_EQUAL(capture_join(c), -1);
	capture_stats_read(c, &st);
	CU_ASSERT_EQUAL(st.packets, 12);
	CU_ASSERT_EQUAL(ring_count(r), 12);
	CU_ASSERT_EQUAL(strncmp(capture_error(c), "cut.pcap: packet 13: ", 21), 0);
	capture_free(c);
	ring_free(r);

	/* missing file: an open error naming it, no outage for a file */
	capture_opts_init(&o);
	o.device = "/nonexistent/x.pcap";
	c = capture_new(&capture_pcapfile_ops, &o, "x.pcap", 0, capture_deliver_ring, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(capture_open(c, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(strncmp(err, "x.pcap: ", 8), 0);
	capture_stats_read(c, &st);
	CU_ASSERT_EQUAL(st.outages, 0);
	capture_free(c);
}

/* Option errors, found before anything is opened (no root needed). */
static void
test_open_errors(void)
{
	struct capture_opts o;
	char err[512];
	void *h = NULL;
	int lt = -1;

	capture_opts_init(&o);
	CU_ASSERT_EQUAL(o.snaplen, CAPTURE_SNAPLEN_DEFAULT);
	CU_ASSERT_EQUAL(o.promisc, 1);
	CU_ASSERT_EQUAL(o.timeout_ms, CAPTURE_TIMEOUT_DEFAULT);

	o.device = "lo";
	o.snaplen = 0;
	CU_ASSERT_EQUAL(capture_pcap_ops.open(&h, &o, &lt, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "snaplen 0 is not in 1..262144");
	CU_ASSERT_PTR_NULL(h);

	capture_opts_init(&o);
	o.device = "conformd-nx0";
	CU_ASSERT_EQUAL(capture_pcap_ops.open(&h, &o, &lt, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "no such interface");

	capture_opts_init(&o);
	o.group = 70000;
	CU_ASSERT_EQUAL(capture_nflog_ops.open(&h, &o, &lt, err, sizeof(err)), -1);
#ifdef HAVE_NFLOG
	CU_ASSERT_STRING_EQUAL(err, "NFLOG group 70000 is not in 0..65535");
#else
	CU_ASSERT_STRING_EQUAL(err, "conformd was built without NFLOG support");
#endif
	CU_ASSERT_STRING_EQUAL(capture_nflog_ops.name, "nflog");
}

/* Root only: 50 UDP datagrams over loopback, seen through a BPF filter
 * that excludes everything else; then a filter that does not compile. */
static void
test_live_loopback(void)
{
	struct capture_opts o;
	struct capture_stats st;
	struct capture *c;
	struct ring *r;
	struct sockaddr_in sin;
	char err[512], filter[64];
	int fd, n = 0;
	uint16_t port = (uint16_t)(40000 + getpid() % 20000);

	if (geteuid() != 0) {
		fprintf(stderr, "(skipped: live capture needs root) ");
		return;
	}
	r = ring_new(256, RING_PKT_SLOT_SIZE(CAPTURE_SNAPLEN_DEFAULT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	snprintf(filter, sizeof(filter), "udp dst port %u", (unsigned int)port);
	capture_opts_init(&o);
	o.device = "lo";
	o.filter = filter;
	o.immediate = 1;
	c = capture_new(&capture_pcap_ops, &o, "lo", 1, capture_deliver_ring, r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(capture_open(c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(capture_linktype(c), DLT_EN10MB);
	CU_ASSERT_EQUAL_FATAL(capture_start(c, err, sizeof(err)), 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 50; i++)
		if (sendto(fd, "conformd", 8, 0, (struct sockaddr *)&sin, sizeof(sin)) == 8)
			n++;
	close(fd);
	CU_ASSERT_EQUAL(n, 50);
	for (int i = 0; i < 500; i++) {		/* up to 5 s */
		capture_stats_read(c, &st);
		if (st.packets >= 50)
			break;
		usleep(10000);
	}
	capture_stop(c);
	CU_ASSERT_EQUAL(capture_join(c), 0);
	capture_stats_read(c, &st);
	CU_ASSERT_EQUAL(st.packets, 50);
	CU_ASSERT_EQUAL(st.ring_drops, 0);
	CU_ASSERT_EQUAL(ring_count(r), 50);
	CU_ASSERT_EQUAL(st.bytes, 50 * (14 + 20 + 8 + 8));
	CU_ASSERT(st.kernel_recv >= 50);
	CU_ASSERT_EQUAL(st.up, 0);
	CU_ASSERT_EQUAL(st.finished, 1);
	CU_ASSERT_EQUAL(st.opens, 1);
	CU_ASSERT_EQUAL(st.outages, 0);
	{
		struct ring_pkt *p = ring_peek(r);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(p->pkt.num, 1);
		CU_ASSERT_EQUAL(p->pkt.source, 1);
		CU_ASSERT_EQUAL(p->pkt.caplen, 50);
		CU_ASSERT_EQUAL(memcmp(p->data + 42, "conformd", 8), 0);
	}
	capture_free(c);
	ring_free(r);

	capture_opts_init(&o);
	o.device = "lo";
	o.filter = "udp port nonsense-port-name";
	c = capture_new(&capture_pcap_ops, &o, "lo", 1, capture_deliver_ring, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(capture_open(c, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(strncmp(err, "lo: filter \"udp port nonsense-port-name\": ", 42), 0);
	capture_free(c);
}

void
test_capture_register(void)
{
	CU_pSuite s = CU_add_suite("capture", NULL, NULL);

	CU_add_test(s, "reopen backoff", test_backoff);
	CU_add_test(s, "deliver into a ring", test_deliver_ring);
	CU_add_test(s, "file through the capture thread, back-pressure", test_file_backpressure);
	CU_add_test(s, "damaged and missing files", test_file_damaged);
	CU_add_test(s, "option errors", test_open_errors);
	CU_add_test(s, "live loopback with a filter (root)", test_live_loopback);
}
