/*
 * commands.h — the verbs of the `synack` command.
 *
 * Each verb lives in its own cmd_<name>.c and exports one struct command;
 * main.c lists them in its dispatch table.  Adding a verb (serve, connect,
 * trace, bench, ...) means one new file and one line in that table.
 */
#ifndef SYNACK_TOOLS_COMMANDS_H
#define SYNACK_TOOLS_COMMANDS_H

struct command {
    const char *name;       /* "sim" */
    const char *summary;    /* one line for the overview */
    const char *usage;      /* the verb's full help text */
    /* argv[0] is the verb's name.  Returns the exit status (args.h). */
    int (*run)(int argc, char **argv);
};

extern const struct command cmd_demo;
extern const struct command cmd_sim;
extern const struct command cmd_serve;
extern const struct command cmd_connect;
extern const struct command cmd_trace;
extern const struct command cmd_bench;

/* Prints a verb's help text to stdout. */
void command_print_usage(const struct command *cmd);

#endif
