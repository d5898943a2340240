/*
 * page_plots.h — the plots that the HTML page of a ladder diagram shows
 * beside it, of the same connection and on the same clock
 * (synack_ladder_write_html_sections): the time-sequence graph of each
 * direction that carried data, and the congestion window and round-trip
 * time of each sender.
 *
 * From a run's trace (synack demo, synack sim: both stacks' events), each
 * end's plots come from its own stack's trace, so they show what the
 * sender saw and did, its cwnd, ssthresh, pipe, SRTT and RTO being the
 * engine's own figures (SYNACK_TRACE_CC).  From a capture (synack trace
 * ladder), both directions come from the packets seen at the capture
 * point, and the cwnd and RTT views hold the estimates a capture allows
 * (bytes in flight, RTT samples), which the page says.
 *
 * Time 0 is the diagram's origin (its first segment's send time), so the
 * page's time cursor and the axes agree with the diagram's times.
 */
#ifndef SYNACK_TOOLS_PAGE_PLOTS_H
#define SYNACK_TOOLS_PAGE_PLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/conn_index.h"
#include "synack/ladder.h"
#include "synack/plot.h"

#include "conn_pick.h"

#define PAGE_PLOT_VIEWS 3       /* time-sequence, congestion window, RTT */

struct page_plots;

/* One tab of the page: which ends' charts of one kind it shows. */
struct page_plot_view {
    struct page_plots *pp;
    enum synack_tcp_plot_kind kind;
    int ends[2], end_count;     /* the first is the end that sent more data */
};

struct page_plots {
    struct conn_pick pick;      /* from a trace: the connection, as the ladder chooses it */
    bool capture;               /* fed from a capture: estimates */
    bool failed;                /* out of memory: no plots */
    struct synack_endpoint ep[2];   /* ep[i]: the end whose data tp[i] plots */
    struct synack_tcp_plot *tp[2];
    struct page_plot_view views[PAGE_PLOT_VIEWS];
    struct synack_ladder_section sections[PAGE_PLOT_VIEWS];
    char names[2][96];          /* "client 198.18.0.1:49152" */
};

/* From a trace: the conn_index-th connection (as synack_ladder_config's). */
void page_plots_init(struct page_plots *pp, uint64_t conn_index);
/* Every trace event of both stacks, in the order traced. */
void page_plots_trace(struct page_plots *pp, const struct synack_trace_event *ev);

/* From a capture: replays connection `conn` of the index (the one the
 * ladder l was built from) into the plots, with the view's time range if
 * it has one.  Returns 0, or a negative error with err explaining. */
int page_plots_capture(struct page_plots *pp, const struct synack_conn_index *ix, size_t conn,
                       const struct synack_ladder *l, const struct synack_ladder_view *v, char *err, size_t errlen);

/* The page's sections for the diagram l: *out points at them, and the
 * count is returned (0 when there is nothing to plot, or the plots are
 * not of l's connection).  Valid until page_plots_free. */
size_t page_plots_sections(struct page_plots *pp, const struct synack_ladder *l,
                           const struct synack_ladder_section **out);
void page_plots_free(struct page_plots *pp);

/* `synack trace ladder -o PAGE.html`: writes the page of the ladder l,
 * built from connection conn of ix, with that connection's plots (when
 * the capture cannot be read again, the page goes without them and a
 * warning says why).  As ladder_write_file: 0, or -1 with a message. */
int page_plots_write_capture_page(const char *prog, const struct synack_conn_index *ix, size_t conn,
                                  const struct synack_ladder *l, const struct synack_ladder_view *v,
                                  const char *path);

#endif
