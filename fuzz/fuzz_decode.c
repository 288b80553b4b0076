/*
 * fuzz_decode.c - libFuzzer target: decode_packet() on every link type.
 *
 * Input: one selector byte, then the frame.  The selector's low 4 bits
 * pick the link type (every DLT decode_link_supported() accepts, plus one
 * it does not); bits 4-5 pick the wire length relative to the captured
 * length (equal, longer as after snaplen truncation, shorter as a hostile
 * file may claim, or UINT32_MAX).  Besides the sanitizers, the decoder's
 * contract (decode.h, packet.h) is checked: the result and event are in
 * range, a failed decode names an event, the payload lies inside the
 * captured bytes, ports only come with an IP family, at most two tunnel
 * layers of known types were removed, and the outermost one's addresses
 * are an IP header's.  decode_fast() must
 * take only frames the full decoder decodes cleanly, to the same facts.
 * VXLAN is opened on UDP 4789 and 8472 (`vxlan-port`), Geneve on 6081
 * and 6082 (`geneve-port`), so the port bitmaps' lookups are fed both
 * ways.
 */
#include <stddef.h>
#include <stdint.h>
#include <pcap/dlt.h>

#include "conformd/decode-fast.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "fuzz-util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_links[16] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	101 /* LINKTYPE_RAW */, DLT_IPV4, DLT_IPV6, DLT_NULL,
	DLT_LOOP, DLT_EN10MB, DLT_EN10MB, DLT_LINUX_SLL,
	DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_IEEE802_11 /* unsupported */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint16_t vx[] = { 4789, 8472 }, gnv[] = { 6081, 6082 };

	(void)argc;
	(void)argv;
	decode_set_vxlan_ports(vx, 2);
	decode_set_geneve_ports(gnv, 2);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p;
	const uint8_t *buf;
	uint32_t caplen, wirelen;
	int lt, rv;

	if (size < 1 || size - 1 > 262144)
		return 0;
	lt = fuzz_links[data[0] & 0x0f];
	buf = size > 1 ? data + 1 : NULL;
	caplen = (uint32_t)(size - 1);
	switch ((data[0] >> 4) & 3) {
	case 0:
		wirelen = caplen;
		break;
	case 1:
		wirelen = caplen + 1500;
		break;
	case 2:
		wirelen = caplen / 2;
		break;
	default:
		wirelen = UINT32_MAX;
		break;
	}

	rv = decode_packet(&p, lt, buf, caplen, wirelen);

	FUZZ_ASSERT(rv >= DECODE_OK && rv <= DECODE_UNSUPPORTED);
	FUZZ_ASSERT(p.event < DEV_MAX);
	FUZZ_ASSERT(rv == DECODE_OK || p.event != DEV_NONE);
	FUZZ_ASSERT(p.caplen == caplen && p.wirelen == wirelen && p.linktype == lt);
	FUZZ_ASSERT(p.family == 0 || p.family == 4 || p.family == 6);
	FUZZ_ASSERT(!p.has_ports || p.family != 0);
	FUZZ_ASSERT(p.frag <= PKT_FRAG_LATER);
	FUZZ_ASSERT(p.tunnel_depth <= DECODE_MAX_TUNNEL);
	for (int t = 0; t < p.tunnel_depth; t++)
		FUZZ_ASSERT(p.tunnel[t] > PKT_TUN_NONE && p.tunnel[t] < PKT_TUN_MAX);
	/* the outermost tunnel's addresses: an IP header's, or none */
	FUZZ_ASSERT(p.tunnel_depth > 0 ? (p.tunnel_family == 4 || p.tunnel_family == 6) :
	    p.tunnel_family == 0);
	(void)decode_tunnel_name(p.tunnel_depth > 0 ? p.tunnel[0] : 0);
	FUZZ_ASSERT(decode_link_supported(lt) || rv == DECODE_UNSUPPORTED);
	if (p.payload != NULL && caplen > 0) {
		FUZZ_ASSERT(p.payload >= buf && p.payload <= buf + caplen);
		FUZZ_ASSERT(p.payload_len <= (size_t)(buf + caplen - p.payload));
	} else {
		FUZZ_ASSERT(p.payload_len == 0);
	}
	if (p.inner.valid)
		FUZZ_ASSERT(p.inner.family == 4 || p.inner.family == 6);
	(void)decode_event_name(p.event);

	/* The fast decoder takes only what the full one decodes cleanly,
	 * and learns the same: family, protocol, both ends, flags, payload. */
	{
		struct fast_pkt fp;
		int d;

		if (decode_fast(buf, caplen, lt, 1, &fp)) {
			FUZZ_ASSERT(fp.ok == 1);
			FUZZ_ASSERT(rv == DECODE_OK && p.event == DEV_NONE);
			FUZZ_ASSERT(p.has_ports && p.frag == PKT_FRAG_NONE);
			FUZZ_ASSERT(p.tunnel_depth == 0);
			FUZZ_ASSERT(fp.key.family == p.family && fp.key.proto == p.ip_proto);
			d = fp.dir;
			FUZZ_ASSERT(memcmp(fp.key.addr[d], p.src, 16) == 0);
			FUZZ_ASSERT(memcmp(fp.key.addr[!d], p.dst, 16) == 0);
			FUZZ_ASSERT(fp.key.port[d] == p.sport && fp.key.port[!d] == p.dport);
			FUZZ_ASSERT(fp.key.vlan[0] == p.vlan[0] && fp.key.vlan[1] == p.vlan[1]);
			FUZZ_ASSERT(fp.tcp_flags == (p.ip_proto == IPPROTO_NUM_TCP ? p.tcp_flags : 0));
			FUZZ_ASSERT(fp.payload == p.payload && fp.paylen == p.payload_len);
			FUZZ_ASSERT(fp.hash == flow_key_hash(&fp.key));
		} else
			FUZZ_ASSERT(fp.ok == 0);
	}
	return 0;
}
