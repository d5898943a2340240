/*
 * cmd_trace.c — `synack trace`: tools that read packet captures (pcap and
 * pcapng, from synack or from any other stack).
 *
 *     synack trace list FILE      the TCP connections in FILE, one a line
 *     synack trace ladder FILE    a ladder diagram of one connection
 *     synack trace plot FILE      a time-sequence graph or congestion plot
 *
 * This file dispatches, and holds the little the subcommands share (how
 * --conn and --port choose a connection); each subcommand is a struct
 * trace_subcommand in its own trace_<sub>.c (see trace_cmds.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "trace_cmds.h"

static const struct trace_subcommand *const subcommands[] = {
    &trace_list,
    &trace_ladder,
    &trace_plot,
};

#define SUBCOMMAND_COUNT (sizeof subcommands / sizeof subcommands[0])

long trace_choose_conn(const char *prog, const struct synack_conn_index *ix, const char *path, uint64_t conn,
                       bool have_port, uint64_t port)
{
    size_t n = synack_conn_index_count(ix);
    uint64_t seen = 0;

    for (size_t i = 0; i < n; i++) {
        const struct synack_conn_summary *c = synack_conn_index_get(ix, i);
        if (have_port && c->client.port != port && c->server.port != port)
            continue;
        if (seen++ == conn)
            return (long)i;
    }
    if (have_port)
        fprintf(stderr, "%s: %s has %" PRIu64 " TCP connection%s on port %" PRIu64 "; --conn %" PRIu64
                        " is not one of them\n",
                prog, path, seen, seen == 1 ? "" : "s", port, conn);
    else
        fprintf(stderr, "%s: %s has %zu TCP connection%s; --conn %" PRIu64 " is not one of them%s\n", prog, path,
                n, n == 1 ? "" : "s", conn, n ? " (see synack trace list)" : "");
    return -1;
}

static int run_trace(int argc, char **argv)
{
    if (argc < 2) {
        fputs(cmd_trace.usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        command_print_usage(&cmd_trace);
        return EXIT_OK;
    }
    for (size_t i = 0; i < SUBCOMMAND_COUNT; i++) {
        if (strcmp(subcommands[i]->name, argv[1]) == 0)
            return subcommands[i]->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "synack trace: unknown subcommand \"%s\" (try \"synack trace --help\")\n", argv[1]);
    return EXIT_USAGE;
}

const struct command cmd_trace = {
    .name = "trace",
    .summary = "read a capture: list its TCP connections, draw one (ladder), plot it",
    .usage = "usage: synack trace <list|ladder|plot> FILE [options]\n"
             "\n"
             "Reads a packet capture (classic pcap or pcapng, written by synack, tcpdump,\n"
             "Wireshark or any other tool; Ethernet, raw IP, Linux cooked (SLL, SLL2) or\n"
             "BSD loopback framing; IPv4) and shows the TCP in it.\n"
             "\n"
             "  list FILE [--json]      the TCP connections in a pcap/pcapng capture, one a line:\n"
             "                          endpoints, duration, bytes and retransmissions each way,\n"
             "                          final state\n"
             "  ladder FILE [-o OUT.svg|OUT.html] [--conn N|--port P] [--range T0:T1]\n"
             "                          a ladder diagram of one connection: text for the\n"
             "                          terminal, SVG, or an HTML page with segment details\n"
             "  plot FILE -o OUT.svg [--kind tseq|cwnd|rtt] [--conn N] [--dir client|server]\n"
             "                          a time-sequence graph, bytes in flight or RTT of one\n"
             "                          direction of one connection, as SVG\n"
             "\n"
             "\n"
             "\"synack trace <sub> --help\" shows a subcommand's options.\n"
             "\n"
             "Exit status: 0 success, 1 the capture could not be read (the message names\n"
             "the packet), 2 bad command line.\n",
    .run = run_trace,
};
