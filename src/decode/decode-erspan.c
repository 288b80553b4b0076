/*
 * decode-erspan.c - Cisco's Encapsulated Remote SPAN headers after GRE
 * (draft-foschiano-erspan-03): type II (GRE protocol 0x88be, Ver 1, 8
 * bytes) and type III (0x22eb, Ver 2, 12 bytes, then an 8-byte platform
 * specific subheader when the O bit is set), each followed by the mirrored
 * Ethernet frame.  Type I has no header of its own (decode-gre.c).  The
 * VLAN, session and index fields describe the mirror session, not the
 * mirrored conversation: only the inner frame's own tags are kept.
 *
 * Type II:
 *  |  Ver  |          VLAN         | COS | En|T|    Session ID     |
 *  |      Reserved         |                  Index                |
 * Type III:
 *  |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
 *  |                          Timestamp                            |
 *  |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
 */
#include "conformd/cursor.h"
#include "conformd/decode.h"
#include "conformd/packet.h"
#include "decode-int.h"

#define ERSPAN2_HLEN		8
#define ERSPAN3_HLEN		12
#define ERSPAN3_SUBHLEN		8	/* platform specific subheader */
#define ERSPAN2_VER		1
#define ERSPAN3_VER		2
#define ERSPAN3_O_OFF		11	/* the byte whose low bit is O */
#define ERSPAN3_F_O		0x01

/*
 * The ERSPAN header of `hlen` bytes (more when `sub` is set and the O bit
 * too) and version `ver` at buf[0..len), then the inner Ethernet frame in
 * a tunnel of type `tun`.
 */
static int
erspan(struct pkt *p, const uint8_t *buf, size_t len, size_t hlen,
    uint8_t ver, int sub, unsigned int tun)
{
	struct cursor c;
	uint8_t b0, o;

	cursor_init(&c, buf, len);
	if (cursor_peek_u8(&c, 0, &b0) < 0)
		return decode_fail(p, DEV_ERSPAN_TRUNC, DECODE_TRUNCATED);
	if ((b0 >> 4) != ver)
		return decode_fail(p, DEV_ERSPAN_BAD_VERSION, DECODE_INVALID);
	if (cursor_left(&c) < hlen)
		return decode_fail(p, DEV_ERSPAN_TRUNC, DECODE_TRUNCATED);
	if (sub && cursor_peek_u8(&c, ERSPAN3_O_OFF, &o) == 0 && (o & ERSPAN3_F_O))
		hlen += ERSPAN3_SUBHLEN;
	if (cursor_skip(&c, hlen) < 0)
		return decode_fail(p, DEV_ERSPAN_TRUNC, DECODE_TRUNCATED);
	if (decode_tunnel_enter(p, tun) < 0)
		return decode_fail(p, DEV_TUNNEL_TOO_DEEP, DECODE_INVALID);
	return decode_ethernet(p, c.p, cursor_left(&c));
}

/* buf[0..len): the ERSPAN type II header and what follows. */
int
decode_erspan2(struct pkt *p, const uint8_t *buf, size_t len)
{
	return erspan(p, buf, len, ERSPAN2_HLEN, ERSPAN2_VER, 0, PKT_TUN_ERSPAN2);
}

/* buf[0..len): the ERSPAN type III header and what follows. */
int
decode_erspan3(struct pkt *p, const uint8_t *buf, size_t len)
{
	return erspan(p, buf, len, ERSPAN3_HLEN, ERSPAN3_VER, 1, PKT_TUN_ERSPAN3);
}
