/*
 * ladder_util.h — what the tests of the ladder model (test_ladder.c,
 * test_ladder_fold.c) share: segments seen at one capture point fed to a
 * ladder builder, and renderings read back as text.
 *
 * Everything is static inline so that each test file takes what it uses.
 */
#ifndef SYNACK_TEST_LADDER_UTIL_H
#define SYNACK_TEST_LADDER_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/addr.h"
#include "synack/ladder.h"

#include "tcp_wire.h"

/* A segment seen at the capture point.  from 0 is the client
 * (10.0.0.1:40000, drawn left), 1 the server (10.0.0.2:80). */
struct seg {
    int from;
    synack_time_us at;           /* at the capture point */
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t win;
    uint32_t len;
};

/* The model of segs[0..n) fed one by one (numbered from 1), payloads all
 * zeros, between addresses a (the client) and z; NULL on failure. */
static inline struct synack_ladder *ladder_from_segs_between(const struct seg *segs, size_t n,
                                                             const struct synack_ladder_config *cfg,
                                                             struct synack_addr a, struct synack_addr z)
{
    static const uint8_t zeros[2000];
    struct synack_ladder_builder *b = synack_ladder_builder_new(cfg);

    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        struct synack_packet_info p;
        memset(&p, 0, sizeof p);
        p.is_tcp = true;
        p.tcp_checksum_ok = true;
        p.src = segs[i].from == 0 ? a : z;
        p.dst = segs[i].from == 0 ? z : a;
        p.src_port = segs[i].from == 0 ? 40000 : 80;
        p.dst_port = segs[i].from == 0 ? 80 : 40000;
        p.flags = segs[i].flags;
        p.seq = segs[i].seq;
        p.ack = segs[i].ack;
        p.window = segs[i].win;
        p.payload_len = segs[i].len;
        p.payload = zeros;
        if (synack_ladder_builder_decoded(b, segs[i].at, &p, segs[i].len, i + 1) < 0) {
            synack_ladder_builder_free(b);
            return NULL;
        }
    }
    return synack_ladder_builder_finish(b);
}

/* The same between 10.0.0.1 and 10.0.0.2. */
static inline struct synack_ladder *ladder_from_segs(const struct seg *segs, size_t n,
                                                     const struct synack_ladder_config *cfg)
{
    return ladder_from_segs_between(segs, n, cfg, synack_addr_v4(10, 0, 0, 1), synack_addr_v4(10, 0, 0, 2));
}

/* What write (synack_ladder_write_text, _svg, _html) makes of l in view
 * v, as a string to free; NULL on failure. */
static inline char *render(const struct synack_ladder *l, const struct synack_ladder_view *v,
                           int (*write)(const struct synack_ladder *, const struct synack_ladder_view *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        return NULL;
    if (write(l, v, f) < 0) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    return buf;
}

/* Occurrences of needle in hay (overlapping ones too). */
static inline size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

#endif
