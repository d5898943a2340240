/*
 * trace_cmds.h — the subcommands of `synack trace` (reading captures).
 *
 * cmd_trace.c is only the dispatcher: `synack trace <sub> ...` finds <sub>
 * in its table and runs it with argv[0] = "<sub>".  Each subcommand lives
 * in a file of its own, trace_<sub>.c, and exports one struct
 * trace_subcommand; adding one is that file plus one line in the table.
 */
#ifndef SYNACK_TOOLS_TRACE_CMDS_H
#define SYNACK_TOOLS_TRACE_CMDS_H

#include <stdbool.h>
#include <stdint.h>

#include "synack/conn_index.h"

struct trace_subcommand {
    const char *name;       /* "list" */
    const char *usage;      /* the subcommand's full help text */
    /* argv[0] is the subcommand's name.  Returns the exit status (args.h). */
    int (*run)(int argc, char **argv);
};

extern const struct trace_subcommand trace_list;      /* trace_list.c */
extern const struct trace_subcommand trace_ladder;    /* trace_ladder.c */
extern const struct trace_subcommand trace_plot;      /* trace_plot.c */

/* What the subcommands share (cmd_trace.c). */

/* The connection that --conn N (and --port P, when have_port) choose in
 * ix, read from path: the N-th, from 0, of those with port P at either
 * end.  -1, with a message on stderr headed by prog, if there is none. */
long trace_choose_conn(const char *prog, const struct synack_conn_index *ix, const char *path, uint64_t conn,
                       bool have_port, uint64_t port);

#endif
