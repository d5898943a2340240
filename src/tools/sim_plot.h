/*
 * sim_plot.h — `synack sim --plot-tseq/--plot-cwnd/--plot-rtt FILE`: the
 * plots of one flow's connection (the first, or --plot-flow N), made from
 * the client stack's trace (its packets out and in, and its
 * SYNACK_TRACE_CC figures), so they show what the sender saw and did.
 * Memory stays bounded however long the run (synack/plot.h downsamples as
 * it goes).
 */
#ifndef SYNACK_TOOLS_SIM_PLOT_H
#define SYNACK_TOOLS_SIM_PLOT_H

#include <stdbool.h>

#include "synack/plot.h"

#include "args.h"
#include "conn_pick.h"

struct sim_plots {
    const char *path[3];            /* by enum synack_tcp_plot_kind; NULL: not wanted */
    uint64_t flow;                  /* --plot-flow: which flow (0: the first) */
    struct synack_tcp_plot *tp;
    struct conn_pick pick;          /* the flow's connection among the client's events */
};

/* The options' lines for a verb's usage text. */
#define SIM_PLOT_USAGE                                                                  \
    "  --plot-tseq FILE  time-sequence graph of the first flow's data (SVG):\n"         \
    "                 segments, retransmissions, ACK and window lines, SACK blocks\n"   \
    "  --plot-cwnd FILE  its cwnd, ssthresh and bytes in flight over virtual time,\n"  \
    "                 recovery periods shaded (SVG)\n"                                  \
    "  --plot-rtt FILE   its SRTT and RTO, and the RTT samples seen by the sender (SVG)\n" \
    "  --plot-flow N  plot flow N instead, 0 to F-1 (default 0: the first)\n"

/* When the current option is one of the plot options, takes it: returns
 * true and sets *ok to whether its value was good. */
bool sim_plots_option(struct sim_plots *sp, struct args *a, bool *ok);
bool sim_plots_wanted(const struct sim_plots *sp);
/* Before the run.  Returns 0 or -SYNACK_ENOMEM. */
int sim_plots_start(struct sim_plots *sp);
/* Flow `flow` is connecting from local to remote (before its first packet). */
void sim_plots_flow_started(struct sim_plots *sp, uint64_t flow, const struct synack_endpoint *local,
                            const struct synack_endpoint *remote);
/* The client stack's trace hook, ctx being the struct sim_plots. */
void sim_plots_trace(void *ctx, const struct synack_trace_event *ev);
/* Writes the files and frees the plot; reports failures on stderr as
 * `prog`.  Returns EXIT_OK or EXIT_FAILED. */
int sim_plots_finish(struct sim_plots *sp, const char *prog);

#endif
