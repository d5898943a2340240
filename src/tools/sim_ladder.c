/* sim_ladder.c — see sim_ladder.h. */
#include "sim_ladder.h"

#include <stdio.h>

#include "synack/errors.h"

#include "ladder_out.h"

bool sim_ladder_option(struct sim_ladder *sl, struct args *a, bool *ok)
{
    if (args_is(a, "--svg"))
        *ok = args_string(a, &sl->svg_path);
    else if (args_is(a, "--html"))
        *ok = args_string(a, &sl->html_path);
    else if (args_is(a, "--ladder-conn"))
        *ok = args_u64(a, 0, 1000000, &sl->conn);
    else
        return false;
    return true;
}

bool sim_ladder_wanted(const struct sim_ladder *sl)
{
    return sl->svg_path != NULL || sl->html_path != NULL;
}

int sim_ladder_start(struct sim_ladder *sl)
{
    struct synack_ladder_config cfg;

    if (!sim_ladder_wanted(sl))
        return 0;
    synack_ladder_config_default(&cfg);
    cfg.conn_index = (unsigned)sl->conn;
    sl->b = synack_ladder_builder_new(&cfg);
    if (sl->b == NULL)
        return -SYNACK_ENOMEM;
    if (sl->html_path != NULL) {
        sl->plots = true;
        page_plots_init(&sl->page_plots, sl->conn);
    }
    return 0;
}

void sim_ladder_trace(struct sim_ladder *sl, const struct synack_trace_event *ev)
{
    if (sl->b != NULL)
        synack_ladder_builder_trace(sl->b, ev);
    if (sl->plots)
        page_plots_trace(&sl->page_plots, ev);
}

int sim_ladder_finish(struct sim_ladder *sl, const char *prog)
{
    struct synack_ladder *l;
    struct synack_ladder_view view;
    int status = EXIT_OK;

    if (sl->b == NULL)
        return EXIT_OK;
    l = synack_ladder_builder_finish(sl->b);
    sl->b = NULL;
    if (l == NULL) {
        fprintf(stderr, "%s: out of memory drawing the ladder diagram\n", prog);
        if (sl->plots)
            page_plots_free(&sl->page_plots);
        return EXIT_FAILED;
    }
    if (synack_ladder_segment_count(l) == 0)
        fprintf(stderr, "%s: connection %llu never sent a segment: the ladder diagram is empty\n", prog,
                (unsigned long long)sl->conn);
    synack_ladder_view_default(&view);
    view.relative = true;   /* random ISNs make absolute numbers long and alike */
    if (sl->svg_path != NULL && ladder_write_file(prog, l, &view, LADDER_SVG, sl->svg_path) < 0)
        status = EXIT_FAILED;
    if (sl->html_path != NULL) {
        const struct synack_ladder_section *sections = NULL;
        size_t count = sl->plots ? page_plots_sections(&sl->page_plots, l, &sections) : 0;
        if (ladder_write_page(prog, l, &view, LADDER_HTML, sections, count, sl->html_path) < 0)
            status = EXIT_FAILED;
    }
    if (sl->plots)
        page_plots_free(&sl->page_plots);
    sl->plots = false;
    synack_ladder_free(l);
    return status;
}
