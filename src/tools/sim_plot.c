/* sim_plot.c — plots of a simulated run; see sim_plot.h. */
#include "sim_plot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "synack/errors.h"

/* By enum synack_tcp_plot_kind, as sp->path. */
static const char *const option_names[3] = {
    [SYNACK_TCP_PLOT_TSEQ] = "--plot-tseq",
    [SYNACK_TCP_PLOT_CWND] = "--plot-cwnd",
    [SYNACK_TCP_PLOT_RTT] = "--plot-rtt",
};

bool sim_plots_option(struct sim_plots *sp, struct args *a, bool *ok)
{
    for (int kind = 0; kind < 3; kind++) {
        if (args_is(a, option_names[kind])) {
            *ok = args_string(a, &sp->path[kind]);
            return true;
        }
    }
    if (args_is(a, "--plot-flow")) {
        *ok = args_u64(a, 0, 1000000, &sp->flow);
        return true;
    }
    return false;
}

bool sim_plots_wanted(const struct sim_plots *sp)
{
    return sp->path[0] || sp->path[1] || sp->path[2];
}

int sim_plots_start(struct sim_plots *sp)
{
    /* Flows start in order, so the flow-th connection is the flow's even
     * before sim_plots_flow_started says so. */
    conn_pick_init(&sp->pick, sp->flow);
    sp->tp = synack_tcp_plot_new(NULL);
    return sp->tp ? 0 : -SYNACK_ENOMEM;
}

void sim_plots_flow_started(struct sim_plots *sp, uint64_t flow, const struct synack_endpoint *local,
                            const struct synack_endpoint *remote)
{
    if (sp->tp != NULL && flow == sp->flow)
        conn_pick_fix(&sp->pick, local, remote);
}

void sim_plots_trace(void *ctx, const struct synack_trace_event *ev)
{
    struct sim_plots *sp = ctx;

    if (sp->tp != NULL && conn_pick_event(&sp->pick, ev) >= 0)
        synack_tcp_plot_trace(sp->tp, ev);
}

int sim_plots_finish(struct sim_plots *sp, const char *prog)
{
    int status = EXIT_OK;

    for (int kind = 0; kind < 3 && sp->tp != NULL; kind++) {
        FILE *f;
        int rc;

        if (sp->path[kind] == NULL)
            continue;
        f = fopen(sp->path[kind], "w");
        if (f == NULL) {
            fprintf(stderr, "%s: cannot create %s: %s\n", prog, sp->path[kind], strerror(errno));
            status = EXIT_FAILED;
            continue;
        }
        rc = synack_tcp_plot_write_svg(sp->tp, (enum synack_tcp_plot_kind)kind, f);
        if (fclose(f) != 0 && rc == 0)
            rc = -SYNACK_EIO;
        if (rc < 0) {
            fprintf(stderr, "%s: writing %s failed: %s\n", prog, sp->path[kind], synack_strerror(rc));
            status = EXIT_FAILED;
        }
    }
    synack_tcp_plot_free(sp->tp);
    sp->tp = NULL;
    conn_pick_free(&sp->pick);
    return status;
}
