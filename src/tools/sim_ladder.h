/*
 * sim_ladder.h — `synack sim --svg FILE / --html FILE`: the ladder diagram
 * of one connection of the run, built from both stacks' traces (so every
 * arrival, loss and state is known exactly, not estimated).  Long runs are
 * summarised in bands (synack/ladder.h); the model keeps at most the
 * default budget of segments one by one (SYNACK_LADDER_MAX_SEGMENTS, about
 * 18 MB) and folds older runs into counts beyond it.  The HTML page also shows
 * that connection's plots (page_plots.h) in tabs beside the diagram.
 */
#ifndef SYNACK_TOOLS_SIM_LADDER_H
#define SYNACK_TOOLS_SIM_LADDER_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/ladder.h"

#include "args.h"
#include "page_plots.h"

struct sim_ladder {
    const char *svg_path, *html_path;   /* NULL: not wanted */
    uint64_t conn;                      /* --ladder-conn: which connection (0: the first) */
    struct synack_ladder_builder *b;
    bool plots;                         /* page_plots is in use (--html) */
    struct page_plots page_plots;       /* the page's plots of the same connection */
};

/* The options' lines for a verb's usage text. */
#define SIM_LADDER_USAGE                                                                    \
    "  --svg FILE     the ladder diagram of the first connection as SVG: every segment\n"   \
    "                 an arrow from its send to its arrival, losses, retransmissions\n"     \
    "                 and each end's states marked; long runs summarised\n"                \
    "  --html FILE    the same as a self-contained HTML page, with every segment's\n"      \
    "                 header fields, options and payload on hover or click, and in\n"    \
    "                 tabs beside it the connection's time-sequence graph and its\n"      \
    "                 sender's cwnd/ssthresh/in-flight and SRTT/RTO (the engine's own)\n" \
    "  --ladder-conn N  draw the N-th connection instead (0: the first to start), on\n"  \
    "                 the page's plots too\n"

/* When the current option is one of the ladder options, takes it: returns
 * true and sets *ok to whether its value was good. */
bool sim_ladder_option(struct sim_ladder *sl, struct args *a, bool *ok);
bool sim_ladder_wanted(const struct sim_ladder *sl);
/* Before the run.  Returns 0 or -SYNACK_ENOMEM. */
int sim_ladder_start(struct sim_ladder *sl);
/* Feeds one trace event of either stack (nothing when not wanted). */
void sim_ladder_trace(struct sim_ladder *sl, const struct synack_trace_event *ev);
/* Writes the files and frees the builder; reports failures on stderr as
 * `prog`.  Returns EXIT_OK or EXIT_FAILED. */
int sim_ladder_finish(struct sim_ladder *sl, const char *prog);

#endif
