/* test_plot.c — charts (synack/plot.h): structure of the SVG, downsampling
 * bounds, and the TCP plot's reading of segments. */
#include <math.h>
#include <stdlib.h>

#include "synack/errors.h"
#include "synack/plot.h"
#include "test.h"

/* Renders to memory; the caller frees. */
static char *render(const struct synack_plot *p)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    if (f == NULL)
        return NULL;
    if (synack_plot_write_svg(p, f) < 0) {
        fclose(f);
        free(text);
        return NULL;
    }
    fclose(f);
    return text;
}

static char *render_tcp(struct synack_tcp_plot *tp, enum synack_tcp_plot_kind kind)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    if (f == NULL)
        return NULL;
    if (synack_tcp_plot_write_svg(tp, kind, f) < 0) {
        fclose(f);
        free(text);
        return NULL;
    }
    fclose(f);
    return text;
}

static size_t count(const char *from, const char *to, const char *needle)
{
    size_t n = 0, len = strlen(needle);

    for (const char *s = strstr(from, needle); s != NULL && (to == NULL || s < to); s = strstr(s + len, needle))
        n++;
    return n;
}

/* Occurrences of needle inside the <g> of series `name` (-1: no such group). */
static long count_in_series(const char *svg, const char *name, const char *needle)
{
    char attr[160];
    const char *g;

    snprintf(attr, sizeof attr, "data-series=\"%s\"", name);
    for (g = strstr(svg, "<g class=\"series "); g != NULL; g = strstr(g + 1, "<g class=\"series ")) {
        const char *tag_end = strchr(g, '>');
        const char *a = strstr(g, attr);
        if (a != NULL && a < tag_end)
            return (long)count(g, strstr(g, "</g>"), needle);
    }
    return -1;
}

/* Polyline vertices in series `name`. */
static long polyline_points(const char *svg, const char *name)
{
    char attr[160];
    const char *g, *end;
    long n = 0;

    snprintf(attr, sizeof attr, "class=\"series step\" data-series=\"%s\"", name);
    g = strstr(svg, attr);
    if (g == NULL)
        return -1;
    end = strstr(g, "</g>");
    for (const char *s = strstr(g, "points=\""); s && s < end; s = strstr(s + 1, "points=\"")) {
        const char *q = strchr(s + 8, '"');
        for (const char *c = s + 8; c < q; c++)
            n += *c == ',';
    }
    return n;
}

/* The largest value a polyline series reaches, read back through the y
 * axis' first two tick labels and their positions (linear axes). */
static double series_top_value(const char *svg, const char *name)
{
    char attr[160];
    const char *y = strstr(svg, "<g class=\"y-ticks\">"), *g, *end;
    double v[2], py[2], top = 1e300;
    int n = 0;

    for (const char *t = y; t && n < 2; n++) {
        t = strstr(t, "<text class=\"tick-label\"");
        if (t == NULL || sscanf(strstr(t, " y=\"") + 4, "%lf", &py[n]) != 1 ||
            sscanf(strchr(t, '>') + 1, "%lf", &v[n]) != 1)
            return -1;
        py[n] -= 4;                  /* the label sits 4 px below its tick */
        t++;
    }
    snprintf(attr, sizeof attr, "class=\"series step\" data-series=\"%s\"", name);
    g = strstr(svg, attr);
    if (g == NULL || n < 2)
        return -1;
    end = strstr(g, "</g>");
    for (const char *p = strstr(g, "points=\""); p && p < end; p = strstr(p + 1, "points=\"")) {
        const char *q = p + 8, *stop = strchr(q, '"');
        while (q < stop) {
            double x, yy;
            int used = 0;
            if (sscanf(q, "%lf,%lf%n", &x, &yy, &used) != 2)
                break;
            if (yy < top)
                top = yy;
            q += used;
            while (*q == ' ')
                q++;
        }
    }
    return v[0] + (top - py[0]) * (v[1] - v[0]) / (py[1] - py[0]);
}

TEST(bars_one_per_segment_and_marks)
{
    struct synack_plot_options o = {.title = "t", .y_label = "sequence", .y_from_zero = true};
    struct synack_plot *p = synack_plot_new(&o);
    int data = synack_plot_series(p, SYNACK_PLOT_BARS, "data", "#000", 0);
    int retx = synack_plot_series(p, SYNACK_PLOT_BARS, "retransmission", "#f00", SYNACK_PLOT_MARKED);
    int ack = synack_plot_series(p, SYNACK_PLOT_STEP, "ACK", "#0f0", 0);
    char *svg;

    REQUIRE(p && data >= 0 && retx >= 0 && ack >= 0);
    for (int i = 0; i < 10; i++) {
        synack_plot_add_bar(p, data, i * 0.1, i * 1000.0, i * 1000.0 + 1000);
        synack_plot_add(p, ack, i * 0.1 + 0.05, i * 1000.0 + 1000);
    }
    synack_plot_add_bar(p, retx, 1.2, 3000, 4000);
    synack_plot_add_bar(p, retx, 1.4, 5000, 6000);
    svg = render(p);
    REQUIRE(svg != NULL);
    CHECK_EQ(count_in_series(svg, "data", "<line class=\"bar\""), 10);
    CHECK_EQ(count_in_series(svg, "data", "class=\"mark\""), 0);
    CHECK_EQ(count_in_series(svg, "retransmission", "<line class=\"bar\""), 2);
    CHECK_EQ(count_in_series(svg, "retransmission", "<path class=\"mark\""), 2);
    CHECK_EQ(count_in_series(svg, "ACK", "<polyline"), 1);
    /* A step: two vertices per value but the first (and the axis-aligned runs merged). */
    CHECK(polyline_points(svg, "ACK") >= 19);
    CHECK(strstr(svg, "<?xml") == svg);
    CHECK(strstr(svg, "<script") == NULL);
    CHECK(strstr(svg, "</svg>\n") != NULL);
    free(svg);
    synack_plot_free(p);
}

TEST(axes_ticks_labels_and_legend)
{
    struct synack_plot_options o = {.title = "a <title> & more", .x_label = "time (s)", .y_label = "bytes"};
    struct synack_plot *p = synack_plot_new(&o);
    int s = synack_plot_series(p, SYNACK_PLOT_LINE, "cwnd \"x\"", "#00f", 0);
    char *svg;

    REQUIRE(p && s >= 0);
    for (int i = 0; i <= 100; i++)
        synack_plot_add(p, s, i * 0.02, 20000.0 + i * 1000);
    synack_plot_add_note(p, "a note");
    svg = render(p);
    REQUIRE(svg != NULL);
    CHECK(strstr(svg, "class=\"axis-label x\"") != NULL);
    CHECK(strstr(svg, ">time (s)</text>") != NULL);
    CHECK(strstr(svg, ">bytes</text>") != NULL);
    CHECK(strstr(svg, "a &lt;title&gt; &amp; more") != NULL);
    CHECK(strstr(svg, "data-series=\"cwnd &quot;x&quot;\"") != NULL);
    CHECK(strstr(svg, "<g class=\"legend-entry\"") != NULL);
    CHECK(strstr(svg, ">a note</text>") != NULL);
    CHECK(count(svg, NULL, "class=\"tick-label\"") >= 6);
    /* Values of 10^4 and more get an SI suffix: 120000 -> "120k". */
    CHECK(strstr(svg, ">120k</text>") != NULL);
    CHECK(strstr(svg, ">2.0</text>") != NULL || strstr(svg, ">2</text>") != NULL);
    free(svg);
    synack_plot_free(p);
}

TEST(downsampling_bounds_records_and_points)
{
    struct synack_plot_options o = {.max_records = 1000, .width = 800};
    struct synack_plot *p = synack_plot_new(&o);
    struct synack_plot *q = synack_plot_new(&o);
    int s = synack_plot_series(p, SYNACK_PLOT_STEP, "v", "#000", 0);
    int b = synack_plot_series(q, SYNACK_PLOT_BARS, "bars", "#000", SYNACK_PLOT_MARKED);
    char *svg;
    long points, bars;

    REQUIRE(p && q && s >= 0 && b >= 0);
    for (int i = 0; i < 1000000; i++) {
        double y = (i == 500000) ? 1e6 : (double)(i % 1000);
        synack_plot_add(p, s, i * 1e-6, y);
        /* Every 1000th segment goes back: a retransmission far below. */
        if (i % 1000 == 999)
            synack_plot_add_bar(q, b, i * 1e-6, (double)(i - 500) * 100, (double)(i - 500) * 100 + 100);
        else
            synack_plot_add_bar(q, b, i * 1e-6, (double)i * 100, (double)i * 100 + 100);
    }
    CHECK_EQ(synack_plot_count(p, s), 1000000);
    CHECK(synack_plot_records(p, s) <= 1000);
    CHECK(synack_plot_records(q, b) <= 1000);
    CHECK(synack_plot_records(p, s) >= 300);

    svg = render(p);
    REQUIRE(svg != NULL);
    points = polyline_points(svg, "v");
    /* At most a handful of vertices per pixel column (800 - margins wide),
     * and the min/max of each: the sawtooth fills every column. */
    CHECK(points > 4 * 600);
    CHECK(points <= 5 * 800);
    CHECK(strlen(svg) < 200000);
    /* The single spike survived (max kept): the y axis reaches 1M. */
    CHECK(strstr(svg, ">1.0M</text>") != NULL);
    free(svg);

    svg = render(q);
    REQUIRE(svg != NULL);
    bars = count_in_series(svg, "bars", "<line class=\"bar\"");
    CHECK(bars >= 600 && bars <= 4 * 800);
    CHECK(strlen(svg) < 400000);
    free(svg);
    synack_plot_free(p);
    synack_plot_free(q);
}

TEST(infinite_values_are_clipped_not_ranged)
{
    struct synack_plot_options o = {.y_from_zero = true};
    struct synack_plot *p = synack_plot_new(&o);
    int s = synack_plot_series(p, SYNACK_PLOT_STEP, "ssthresh", "#000", SYNACK_PLOT_DASHED);
    int c = synack_plot_series(p, SYNACK_PLOT_STEP, "cwnd", "#000", 0);
    char *svg;

    REQUIRE(p && s >= 0 && c >= 0);
    for (int i = 0; i < 10; i++) {
        synack_plot_add(p, s, i, i < 5 ? INFINITY : 5000);
        synack_plot_add(p, c, i, 1000.0 * i);
    }
    svg = render(p);
    REQUIRE(svg != NULL);
    CHECK(strstr(svg, ">9000</text>") != NULL);     /* the y axis ends at cwnd's range, not infinity */
    CHECK(strstr(svg, "inf") == NULL && strstr(svg, "nan") == NULL);
    CHECK(strstr(svg, "stroke-dasharray") != NULL);
    free(svg);
    synack_plot_free(p);
}

TEST(hidden_series_and_bands)
{
    struct synack_plot *p = synack_plot_new(NULL);
    int band = synack_plot_series(p, SYNACK_PLOT_BANDS, "recovery", "#fc0", 0);
    int hidden = synack_plot_series(p, SYNACK_PLOT_LINE, "hidden", "#000", 0);
    int pts = synack_plot_series(p, SYNACK_PLOT_POINTS, "samples", "#000", 0);
    char *svg;

    REQUIRE(p && band >= 0 && hidden >= 0 && pts >= 0);
    synack_plot_add_band(p, band, 1, 2);
    synack_plot_add_band(p, band, 5, 6);
    synack_plot_add(p, hidden, 0, 1e9);
    for (int i = 0; i < 5; i++)
        synack_plot_add(p, pts, i * 2, 10 + i);
    synack_plot_set_visible(p, hidden, false);
    svg = render(p);
    REQUIRE(svg != NULL);
    CHECK_EQ(count_in_series(svg, "recovery", "<rect class=\"band\""), 2);
    CHECK_EQ(count_in_series(svg, "hidden", "<polyline"), -1);
    CHECK_EQ(count_in_series(svg, "samples", "<circle"), 5);
    CHECK(strstr(svg, "1.0G") == NULL && strstr(svg, ">1G<") == NULL);
    free(svg);
    synack_plot_free(p);
}

/* ---- The TCP plot ----------------------------------------------------------- */

static struct synack_packet_info seg(bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                                     uint16_t window)
{
    struct synack_packet_info s;

    memset(&s, 0, sizeof s);
    s.is_tcp = true;
    s.src = from_client ? synack_addr_v4(10, 0, 0, 1) : synack_addr_v4(10, 0, 0, 2);
    s.dst = from_client ? synack_addr_v4(10, 0, 0, 2) : synack_addr_v4(10, 0, 0, 1);
    s.src_port = from_client ? 40000 : 80;
    s.dst_port = from_client ? 80 : 40000;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.payload_len = len;
    s.window = window;
    return s;
}

/*  client (sender)                           server
 *  SYN seq=4294967000 wscale=7          -->
 *                                       <--  SYN,ACK ack=ISN+1 wscale=2 win=100
 *  ACK, then five segments of 100 bytes -->  (the third lost)
 *                                       <--  ACK 201, then dup ACKs with SACK
 *  retransmission of 201..301           -->
 *                                       <--  ACK 501
 * The client's sequence numbers wrap past 2^32 on the way.  The server's
 * ACKs announce a window of 10, scaled by 4.
 */
TEST(tcp_plot_tseq_reads_segments)
{
    const uint32_t isn = 4294967000u;
    struct synack_tcp_plot *tp = synack_tcp_plot_new(NULL);
    struct synack_packet_info s;
    const struct synack_tcp_plot_stats *st;
    synack_time_us t = 1000000;
    char *svg;

    REQUIRE(tp != NULL);
    s = seg(true, SYNACK_TCP_SYN, isn, 0, 0, 65535);
    s.has_wscale = true;
    s.wscale = 7;
    synack_tcp_plot_segment(tp, t, &s, true, -1);
    s = seg(false, SYNACK_TCP_SYN | SYNACK_TCP_ACK, 9000, isn + 1, 0, 100);
    s.has_wscale = true;
    s.wscale = 2;
    synack_tcp_plot_segment(tp, t += 10000, &s, false, -1);
    for (uint32_t i = 0; i < 5; i++) {
        s = seg(true, SYNACK_TCP_ACK, isn + 1 + 100 * i, 9001, 100, 500);
        synack_tcp_plot_segment(tp, t += 1000, &s, true, -1);
    }
    s = seg(false, SYNACK_TCP_ACK, 9001, isn + 201, 0, 10);
    synack_tcp_plot_segment(tp, t += 5000, &s, false, -1);
    for (uint32_t i = 3; i < 5; i++) {
        s = seg(false, SYNACK_TCP_ACK, 9001, isn + 201, 0, 10);
        s.sack_count = 1;
        s.sack[0][0] = isn + 301;
        s.sack[0][1] = isn + 1 + 100 * (i + 1);
        synack_tcp_plot_segment(tp, t += 1000, &s, false, -1);
    }
    s = seg(true, SYNACK_TCP_ACK, isn + 201, 9001, 100, 500);
    synack_tcp_plot_segment(tp, t += 1000, &s, true, -1);
    s = seg(false, SYNACK_TCP_ACK, 9001, isn + 501, 0, 10);
    synack_tcp_plot_segment(tp, t += 10000, &s, false, -1);

    st = synack_tcp_plot_stats(tp);
    CHECK_EQ(st->segments, 7);         /* SYN and six data segments */
    CHECK_EQ(st->retransmissions, 1);
    CHECK_EQ(st->acks, 5);
    /* The SYN,ACK samples the SYN; ACK 201 the segment 101..201; the
     * SACK blocks 301..401, then 401..501 as the block grows; ACK 501
     * newly covers only the resent 201..301, which Karn's rule skips. */
    CHECK_EQ(st->rtt_samples, 4);

    svg = render_tcp(tp, SYNACK_TCP_PLOT_TSEQ);
    REQUIRE(svg != NULL);
    CHECK_EQ(count_in_series(svg, "data segment", "<line class=\"bar\""), 6);
    CHECK_EQ(count_in_series(svg, "retransmission", "<line class=\"bar\""), 1);
    CHECK_EQ(count_in_series(svg, "retransmission", "<path class=\"mark\""), 1);
    CHECK_EQ(count_in_series(svg, "SACK block", "<line class=\"bar\""), 2);
    CHECK_EQ(count_in_series(svg, "ACK", "<polyline"), 1);
    CHECK_EQ(count_in_series(svg, "receive window (ACK + window)", "<polyline"), 1);
    CHECK(strstr(svg, "relative to the sender&apos;s ISN") != NULL);
    CHECK(strstr(svg, "10.0.0.1:40000 \xe2\x86\x92 10.0.0.2:80") != NULL);
    /* The numbers were unwrapped: the axis ends at 550, not near 4G. */
    CHECK(strstr(svg, ">550</text>") != NULL);
    CHECK(strstr(svg, "G</text>") == NULL);
    /* The window line ends at ACK 501 + (10 << 2), not 501 + 10. */
    CHECK_NEAR(series_top_value(svg, "receive window (ACK + window)"), 541, 0.004);
    CHECK_NEAR(series_top_value(svg, "ACK"), 501, 0.005);
    free(svg);

    svg = render_tcp(tp, SYNACK_TCP_PLOT_CWND);
    REQUIRE(svg != NULL);
    CHECK(strstr(svg, "estimated") != NULL);
    CHECK_EQ(count_in_series(svg, "cwnd", "<polyline"), -1);
    free(svg);
    svg = render_tcp(tp, SYNACK_TCP_PLOT_RTT);
    REQUIRE(svg != NULL);
    CHECK_EQ(count_in_series(svg, "RTT sample (data to its ACK, Karn)", "<circle"), 4);
    free(svg);
    synack_tcp_plot_free(tp);
}

TEST(tcp_plot_cc_events)
{
    struct synack_tcp_plot *tp = synack_tcp_plot_new(NULL);
    struct synack_trace_cc cc = {.cwnd = 14600, .ssthresh = UINT32_MAX / 2, .srtt_us = 0, .rto_us = 1000000};
    char *svg;

    REQUIRE(tp != NULL);
    for (int i = 0; i < 100; i++) {
        cc.cwnd += 1460;
        cc.in_flight = cc.cwnd - 1460;
        cc.srtt_us = 20000;
        cc.rto_us = 220000;
        cc.recovery = (i >= 40 && i < 50) ? 1 : (i >= 70 && i < 75) ? 2 : 0;
        if (i == 40)
            cc.ssthresh = cc.cwnd / 2;
        synack_tcp_plot_cc(tp, 1000 * (synack_time_us)i, &cc);
    }
    svg = render_tcp(tp, SYNACK_TCP_PLOT_CWND);
    REQUIRE(svg != NULL);
    CHECK_EQ(count_in_series(svg, "cwnd", "<polyline"), 1);
    CHECK_EQ(count_in_series(svg, "ssthresh", "<polyline"), 1);
    CHECK_EQ(count_in_series(svg, "bytes in flight (pipe)", "<polyline"), 1);
    CHECK_EQ(count_in_series(svg, "fast recovery", "<rect class=\"band\""), 1);
    CHECK_EQ(count_in_series(svg, "recovery after a timeout", "<rect class=\"band\""), 1);
    CHECK(strstr(svg, "estimated") == NULL);
    free(svg);
    svg = render_tcp(tp, SYNACK_TCP_PLOT_RTT);
    REQUIRE(svg != NULL);
    CHECK_EQ(count_in_series(svg, "SRTT", "<polyline"), 1);
    CHECK_EQ(count_in_series(svg, "RTO", "<polyline"), 1);
    free(svg);
    synack_tcp_plot_free(tp);
}

TEST(kind_names)
{
    CHECK_EQ(synack_tcp_plot_kind_from_name("tseq"), SYNACK_TCP_PLOT_TSEQ);
    CHECK_EQ(synack_tcp_plot_kind_from_name("cwnd"), SYNACK_TCP_PLOT_CWND);
    CHECK_EQ(synack_tcp_plot_kind_from_name("rtt"), SYNACK_TCP_PLOT_RTT);
    CHECK(synack_tcp_plot_kind_from_name("ladder") < 0);
    CHECK_STR_EQ(synack_tcp_plot_kind_name(SYNACK_TCP_PLOT_RTT), "rtt");
}

TEST(log_axis_ticks)
{
    struct synack_plot_options o = {.y_log = true, .y_from_zero = true, .y_label = "ms"};
    struct synack_plot *p = synack_plot_new(&o);
    int srtt = synack_plot_series(p, SYNACK_PLOT_STEP, "srtt", "#000", 0);
    int rto = synack_plot_series(p, SYNACK_PLOT_STEP, "rto", "#f00", SYNACK_PLOT_DASHED);
    char *svg;

    REQUIRE(p && srtt >= 0 && rto >= 0);
    for (int i = 0; i < 50; i++) {
        synack_plot_add(p, srtt, i * 0.1, 20 + i % 5);
        synack_plot_add(p, rto, i * 0.1, 1000);
    }
    synack_plot_add(p, srtt, 5.0, 0);   /* not on a log axis: on its bottom edge, out of the range */
    svg = render(p);
    REQUIRE(svg != NULL);
    {
        /* From 10 (below 20 / 1.2) to 2000 (above 1000 * 1.2) in 1-2-5
         * steps; y_from_zero does not apply. */
        char *y = strstr(svg, "<g class=\"y-ticks\">");
        REQUIRE(y != NULL);
        *strstr(y, "</g>") = '\0';
        CHECK(strstr(y, ">10</text>") != NULL);
        CHECK(strstr(y, ">20</text>") != NULL);
        CHECK(strstr(y, ">50</text>") != NULL);
        CHECK(strstr(y, ">500</text>") != NULL);
        CHECK(strstr(y, ">2000</text>") != NULL);
        CHECK(strstr(y, ">5000</text>") == NULL);
        CHECK(strstr(y, ">0</text>") == NULL);
        CHECK(strstr(y, ">5</text>") == NULL);
        CHECK_EQ(count(y, NULL, "class=\"tick-label\""), 8);   /* 10 20 50 100 200 500 1000 2000 */
    }
    CHECK(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL);
    free(svg);
    synack_plot_free(p);
}

TEST(clipped_series_leaves_the_range_alone)
{
    struct synack_plot *p = synack_plot_new(&(struct synack_plot_options){.y_from_zero = true});
    int data = synack_plot_series(p, SYNACK_PLOT_STEP, "data", "#000", 0);
    int win = synack_plot_series(p, SYNACK_PLOT_STEP, "window", "#cc0", SYNACK_PLOT_CLIPPED);
    char *svg;

    REQUIRE(p && data >= 0 && win >= 0);
    for (int i = 0; i <= 10; i++)
        synack_plot_add(p, data, i, i * 10);
    synack_plot_add(p, win, 0, 50);
    synack_plot_add(p, win, 3, 1e6);     /* far above: leaves the plot ... */
    synack_plot_add(p, win, 6, 60);      /* ... and comes back */
    synack_plot_add(p, win, 9, 90);
    svg = render(p);
    REQUIRE(svg != NULL);
    CHECK(strstr(svg, ">100</text>") != NULL);
    CHECK(strstr(svg, "M</text>") == NULL && strstr(svg, "k</text>") == NULL);
    CHECK_EQ(count_in_series(svg, "window", "<polyline"), 2);
    CHECK_NEAR(series_top_value(svg, "data"), 100, 0.01);
    free(svg);
    synack_plot_free(p);
}

/* The frame's data-x-min/data-x-max and its left and right edges. */
static bool frame_of(const char *svg, double *xmin, double *xmax, double *left, double *right)
{
    const char *f = strstr(svg, "<rect class=\"frame\"");
    double w;

    return f != NULL && sscanf(strstr(f, " x=\"") + 4, "%lf", left) == 1 &&
           sscanf(strstr(f, " width=\"") + 8, "%lf", &w) == 1 &&
           sscanf(strstr(f, "data-x-min=\"") + 12, "%lf", xmin) == 1 &&
           sscanf(strstr(f, "data-x-max=\"") + 12, "%lf", xmax) == 1 && (*right = *left + w, true);
}

/* The value at pixel row y, from the frame's data-y-min/data-y-max (linear axis). */
static double frame_value(const char *svg, double y)
{
    const char *f = strstr(svg, "<rect class=\"frame\"");
    double top, h, lo, hi;

    if (f == NULL || sscanf(strstr(f, " y=\"") + 4, "%lf", &top) != 1 ||
        sscanf(strstr(f, " height=\"") + 9, "%lf", &h) != 1 ||
        sscanf(strstr(f, "data-y-min=\"") + 12, "%lf", &lo) != 1 ||
        sscanf(strstr(f, "data-y-max=\"") + 12, "%lf", &hi) != 1)
        return NAN;
    return lo + (top + h - y) / h * (hi - lo);
}

/* The first vertex (x, y) and the last x of series `name`'s polylines. */
static bool polyline_ends(const char *svg, const char *name, double *first, double *first_y, double *last)
{
    char attr[160];
    const char *g, *end;
    bool have = false;

    snprintf(attr, sizeof attr, "data-series=\"%s\" data-count=", name);   /* not the legend's */
    g = strstr(svg, attr);
    if (g == NULL)
        return false;
    end = strstr(g, "</g>");
    for (const char *p = strstr(g, "points=\""); p && p < end; p = strstr(p + 1, "points=\"")) {
        const char *q = p + 8, *stop = strchr(q, '"');
        double x, y;
        int used;
        while (q < stop && sscanf(q, "%lf,%lf%n", &x, &y, &used) == 2) {
            if (!have) {
                *first = x;
                *first_y = y;
            }
            *last = x;
            have = true;
            q += used;
            while (*q == ' ')
                q++;
        }
    }
    return have;
}

/* A window of x: values outside are left out, a step series starts at the
 * left edge with the value it held there and runs to the right edge, a
 * band is cut, and the axis spans the window whatever the data. */
TEST(x_window_keeps_what_lies_inside)
{
    struct synack_plot_options o = {.have_x_min = true, .x_min = 1, .have_x_max = true, .x_max = 2,
                                    .x_from_zero = true, .y_from_zero = true};
    struct synack_plot *p = synack_plot_new(&o);
    int bars = synack_plot_series(p, SYNACK_PLOT_BARS, "bars", "#000", SYNACK_PLOT_MARKED);
    int step = synack_plot_series(p, SYNACK_PLOT_STEP, "step", "#00f", 0);
    int dots = synack_plot_series(p, SYNACK_PLOT_POINTS, "dots", "#0f0", 0);
    int band = synack_plot_series(p, SYNACK_PLOT_BANDS, "band", "#f00", 0);
    double xmin = 0, xmax = 0, left = 0, right = 0, first = 0, first_y = 0, last = 0, bx = 0;
    char *svg;

    REQUIRE(p && bars >= 0 && step >= 0 && dots >= 0 && band >= 0);
    for (int i = 0; i < 6; i++) {        /* x = 0.25, 0.75, ... 2.75: two inside */
        double x = 0.25 + 0.5 * i;
        synack_plot_add_bar(p, bars, x, i * 10.0, i * 10.0 + 5);
        synack_plot_add(p, step, x, i * 10.0);
        synack_plot_add(p, dots, x, i * 10.0);
    }
    synack_plot_add_band(p, band, 0.5, 1.5);
    svg = render(p);
    REQUIRE(svg != NULL);
    REQUIRE(frame_of(svg, &xmin, &xmax, &left, &right));
    CHECK_NEAR(xmin, 1, 1e-9);
    CHECK_NEAR(xmax, 2, 1e-9);
    CHECK_EQ(count_in_series(svg, "bars", "<line class=\"bar\""), 2);
    CHECK_EQ(count_in_series(svg, "bars", "<path class=\"mark\""), 2);
    CHECK(strstr(svg, "data-series=\"bars\" data-count=\"2\"") != NULL);
    CHECK_EQ(count_in_series(svg, "dots", "<circle"), 2);
    CHECK(strstr(svg, "data-series=\"step\" data-count=\"2\"") != NULL);
    REQUIRE(polyline_ends(svg, "step", &first, &first_y, &last));
    CHECK_NEAR(first, left, 0.001);
    CHECK_NEAR(last, right, 0.001);
    /* From the left edge the step holds 10, its value since x = 0.75. */
    CHECK(fabs(frame_value(svg, first_y) - 10) < 0.2);
    REQUIRE(strstr(svg, "<rect class=\"band\"") != NULL);
    CHECK(sscanf(strstr(strstr(svg, "<rect class=\"band\""), " x=\"") + 4, "%lf", &bx) == 1);
    CHECK_NEAR(bx, left, 0.001);
    free(svg);
    synack_plot_free(p);
}

/* Several charts in one HTML page: an <svg> element with its own id, no
 * XML declaration, and no other id to collide. */
TEST(inline_svg_for_a_page)
{
    struct synack_plot *p = synack_plot_new(&(struct synack_plot_options){.title = "t"});
    int s = synack_plot_series(p, SYNACK_PLOT_LINE, "line", "#000", 0);
    char *text = NULL;
    size_t size = 0;
    FILE *f;

    REQUIRE(p && s >= 0);
    synack_plot_add(p, s, 0, 1);
    synack_plot_add(p, s, 1, 2);
    f = open_memstream(&text, &size);
    REQUIRE(f != NULL);
    CHECK_EQ(synack_plot_write_svg_inline(p, "tseq-end0", f), 0);
    CHECK_EQ(synack_plot_write_svg_inline(p, "1st", f), -SYNACK_EINVAL);
    CHECK_EQ(synack_plot_write_svg_inline(p, "a b", f), -SYNACK_EINVAL);
    CHECK_EQ(synack_plot_write_svg_inline(p, "a\"><script>", f), -SYNACK_EINVAL);
    fclose(f);
    REQUIRE(text != NULL);
    {
        static const char head[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"tseq-end0\" ";
        CHECK(strncmp(text, head, sizeof head - 1) == 0);
    }
    CHECK(strstr(text, "<?xml") == NULL);
    CHECK_EQ(count(text, NULL, " id=\""), 1);
    CHECK_EQ(count(text, NULL, "url(#"), 0);
    CHECK(strstr(text, "data-x-min=\"0\" data-x-max=\"1\"") != NULL);
    free(text);
    synack_plot_free(p);
}

/* The TCP plot's time origin and range: time 0 where the caller says,
 * only the range drawn and counted, yet the state (window scale from the
 * SYNs, highest sequence sent) follows the whole connection. */
TEST(tcp_plot_origin_and_range)
{
    struct synack_tcp_plot_options o = {.have_origin = true, .origin = 500000, .have_range = true,
                                        .range_from = 1000000, .range_to = 2000000};
    struct synack_tcp_plot *tp = synack_tcp_plot_new(&o);
    struct synack_packet_info s;
    const struct synack_tcp_plot_stats *st;
    double xmin = 0, xmax = 0, left = 0, right = 0;
    char *svg;

    REQUIRE(tp != NULL);
    s = seg(true, SYNACK_TCP_SYN, 1000, 0, 0, 65535);
    s.has_wscale = true;
    s.wscale = 3;
    synack_tcp_plot_segment(tp, 500000, &s, true, -1);
    s = seg(false, SYNACK_TCP_SYN | SYNACK_TCP_ACK, 9000, 1001, 0, 100);
    s.has_wscale = true;
    s.wscale = 2;
    synack_tcp_plot_segment(tp, 600000, &s, false, -1);
    /* A segment every 0.25 s from 0.75 s to 2.75 s after the origin. */
    for (uint32_t i = 0; i < 9; i++) {
        s = seg(true, SYNACK_TCP_ACK, 1001 + 100 * i, 9001, 100, 500);
        synack_tcp_plot_segment(tp, 500000 + 750000 + 250000 * (synack_time_us)i, &s, true, -1);
    }
    /* A resend of the first, inside the range: the plot knows it was sent before. */
    s = seg(true, SYNACK_TCP_ACK, 1001, 9001, 100, 500);
    synack_tcp_plot_segment(tp, 500000 + 1900000, &s, true, -1);
    st = synack_tcp_plot_stats(tp);
    CHECK_EQ(st->segments, 6);           /* 1.0, 1.25, 1.5, 1.75, 2.0 s and the resend */
    CHECK_EQ(st->retransmissions, 1);
    CHECK_EQ(st->bytes, 500);
    svg = render_tcp(tp, SYNACK_TCP_PLOT_TSEQ);
    REQUIRE(svg != NULL);
    REQUIRE(frame_of(svg, &xmin, &xmax, &left, &right));
    CHECK_NEAR(xmin, 1, 1e-9);
    CHECK_NEAR(xmax, 2, 1e-9);
    CHECK_EQ(count_in_series(svg, "data segment", "<line class=\"bar\""), 5);
    CHECK_EQ(count_in_series(svg, "retransmission", "<line class=\"bar\""), 1);
    free(svg);
    synack_tcp_plot_free(tp);
}
