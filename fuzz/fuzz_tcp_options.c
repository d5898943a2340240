/*
 * fuzz_tcp_options.c — the TCP option parser (tcp_wire.c) against arbitrary
 * bytes, RFC 9293 §3.2 and MUST-7 of §3.10.7.1 (an illegal option length
 * must not crash the receiver, nor may any option make it read past the
 * header).
 *
 * Input: one mode byte, then the bytes.
 *   mode bit 0 clear: the bytes are an option list (tcp_parse_options over
 *                     exactly them, so ASan sees any read past the end);
 *   mode bit 0 set:   the bytes are a TCP header and payload (tcp_parse),
 *                     the data offset as the bytes say.
 * Checks, whenever the parser accepts:
 *   - a reference parser written from the same rules (RFC 9293 §3.2: EOL
 *     ends the list, NOP is one byte, every other kind has a length >= 2
 *     that must fit the list; MSS 4, window scale 3, SACK-permitted 2,
 *     timestamps 10, SACK 2 + 8n with n >= 1; unknown kinds skipped by
 *     length; a repeated option: the last wins; SACK blocks beyond four
 *     are not kept) agrees on acceptance and on every value;
 *   - writing the parsed options (tcp_write_header) and parsing them back
 *     gives the same values (SACK blocks: as many as the writer has room
 *     for, which is what it promises), in at most 40 bytes of options;
 *   - tcp_parse never points the payload outside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "fuzz_util.h"
#include "tcp_wire.h"

/* The reference: a second reading of the rules, kept deliberately plain. */
static bool ref_parse(const uint8_t *p, size_t len, struct tcp_options *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < len;) {
        if (p[i] == TCP_OPT_EOL)
            return true;
        if (p[i] == TCP_OPT_NOP) {
            i += 1;
            continue;
        }
        if (len - i < 2)
            return false;
        size_t olen = p[i + 1];
        if (olen < 2 || olen > len - i)
            return false;
        const uint8_t *v = p + i + 2;
        switch (p[i]) {
        case TCP_OPT_MSS:
            if (olen != 4)
                return false;
            o->has_mss = true;
            o->mss = (uint16_t)(v[0] << 8 | v[1]);
            break;
        case TCP_OPT_WSCALE:
            if (olen != 3)
                return false;
            o->has_wscale = true;
            o->wscale = v[0];
            break;
        case TCP_OPT_SACK_PERM:
            if (olen != 2)
                return false;
            o->sack_permitted = true;
            break;
        case TCP_OPT_TIMESTAMP:
            if (olen != 10)
                return false;
            o->has_timestamp = true;
            o->ts_val = get_be32(v);
            o->ts_ecr = get_be32(v + 4);
            break;
        case TCP_OPT_SACK:
            if (olen < 10 || (olen - 2) % 8)
                return false;
            for (size_t b = 0; b < (olen - 2) / 8; b++)
                if (o->sack_count < TCP_SACK_BLOCKS_MAX) {
                    o->sack[o->sack_count].left = get_be32(v + 8 * b);
                    o->sack[o->sack_count].right = get_be32(v + 8 * b + 4);
                    o->sack_count++;
                }
            break;
        default:
            break;
        }
        i += olen;
    }
    return true;
}

static void check_same(const struct tcp_options *a, const struct tcp_options *b, unsigned sack_blocks,
                       const char *what)
{
    FZ_CHECK(a->has_mss == b->has_mss && (!a->has_mss || a->mss == b->mss), "%s: MSS differs", what);
    FZ_CHECK(a->has_wscale == b->has_wscale && (!a->has_wscale || a->wscale == b->wscale), "%s: window scale differs",
             what);
    FZ_CHECK(a->sack_permitted == b->sack_permitted, "%s: SACK-permitted differs", what);
    FZ_CHECK(a->has_timestamp == b->has_timestamp &&
                 (!a->has_timestamp || (a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr)),
             "%s: timestamps differ", what);
    FZ_CHECK(b->sack_count == sack_blocks, "%s: %u SACK blocks, expected %u", what, b->sack_count, sack_blocks);
    for (unsigned i = 0; i < sack_blocks; i++)
        FZ_CHECK(a->sack[i].left == b->sack[i].left && a->sack[i].right == b->sack[i].right,
                 "%s: SACK block %u differs", what, i);
}

static void round_trip(const struct tcp_options *opt)
{
    uint8_t hdr[TCP_HEADER_MAX + 8];
    memset(hdr, 0xee, sizeof hdr);
    struct tcp_header_out h = { .src_port = 1, .dst_port = 2, .seq = 3, .ack = 4, .flags = TCP_ACK, .opt = opt };
    size_t hlen = tcp_write_header(hdr, &h);
    FZ_CHECK(hlen >= TCP_HEADER_MIN && hlen <= TCP_HEADER_MAX && hlen % 4 == 0, "written header length %zu", hlen);
    FZ_CHECK(hdr[TCP_HEADER_MAX] == 0xee, "the writer wrote past 60 bytes");
    /* How many SACK blocks the writer had room for beside the rest. */
    size_t used = (opt->has_mss ? 4 : 0) + (opt->has_timestamp ? 12 : opt->sack_permitted ? 4 : 0) +
                  (opt->has_wscale ? 4 : 0);
    unsigned room = used + 4 <= 40 ? (unsigned)((40 - used - 4) / 8) : 0;
    unsigned want = opt->sack_count < room ? opt->sack_count : room;
    struct tcp_segment seg;
    enum synack_drop_reason why;
    FZ_CHECK(tcp_parse(hdr, hlen, &seg, &why), "the writer's own header does not parse (%s)", synack_drop_name((int)why));
    FZ_CHECK(seg.header_len == hlen && seg.payload_len == 0, "parsed header length %u of %zu", seg.header_len, hlen);
    check_same(opt, &seg.opt, want, "written and parsed back");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    if (!(mode & 1)) {
        struct tcp_options got, want;
        bool ok = tcp_parse_options(p, len, &got);
        bool ref_ok = ref_parse(p, len, &want);
        FZ_CHECK(ok == ref_ok, "parser says %s, the reference %s", ok ? "valid" : "invalid",
                 ref_ok ? "valid" : "invalid");
        if (ok) {
            FZ_CHECK(got.sack_count <= TCP_SACK_BLOCKS_MAX, "%u SACK blocks kept", got.sack_count);
            check_same(&want, &got, want.sack_count, "parser against the reference");
            round_trip(&got);
        }
        return 0;
    }
    struct tcp_segment seg;
    enum synack_drop_reason why;
    if (!tcp_parse(p, len, &seg, &why)) {
        FZ_CHECK(why == SYNACK_DROP_TCP_TRUNCATED || why == SYNACK_DROP_TCP_DATA_OFFSET || why == SYNACK_DROP_TCP_OPTIONS,
                 "tcp_parse failed with reason %s", synack_drop_name((int)why));
        return 0;
    }
    FZ_CHECK(seg.header_len >= TCP_HEADER_MIN && seg.header_len <= len, "header length %u of %zu bytes",
             seg.header_len, len);
    FZ_CHECK(seg.payload == p + seg.header_len && seg.payload_len == len - seg.header_len,
             "payload outside the segment");
    struct tcp_options want;
    FZ_CHECK(ref_parse(p + TCP_HEADER_MIN, seg.header_len - TCP_HEADER_MIN, &want),
             "tcp_parse accepted options the reference rejects");
    check_same(&want, &seg.opt, want.sack_count, "tcp_parse against the reference");
    round_trip(&seg.opt);
    return 0;
}
