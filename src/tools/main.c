/*
 * main.c — the `synack` command: finds the verb and hands it the rest of
 * the command line.
 *
 *     synack <verb> [options]      run a verb (see commands.h)
 *     synack help [verb]           the overview, or one verb's options
 *
 * Exit status: 0 success, 1 the verb ran but failed, 2 bad command line.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"

static const struct command *const commands[] = {
    &cmd_demo,
    &cmd_sim,
    &cmd_serve,
    &cmd_connect,
    &cmd_trace,
    &cmd_bench,
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    }
    return NULL;
}

static void print_overview(FILE *out)
{
    fputs("usage: synack <command> [options]\n"
          "\n"
          "A user-space TCP/IP stack, and the tools to watch it work.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
    fputs("  help     show this text, or a command's options: synack help <command>\n"
          "\n"
          "Exit status: 0 success, 1 the command ran but failed, 2 bad command line.\n",
          out);
}

void command_print_usage(const struct command *cmd)
{
    fputs(cmd->usage, stdout);
}

/* "synack help" and "synack help <verb>". */
static int run_help(int argc, char **argv)
{
    const struct command *cmd;

    if (argc < 3) {
        print_overview(stdout);
        return EXIT_OK;
    }
    cmd = find_command(argv[2]);
    if (cmd == NULL) {
        fprintf(stderr, "synack help: unknown command \"%s\" (try \"synack help\")\n", argv[2]);
        return EXIT_USAGE;
    }
    command_print_usage(cmd);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const struct command *cmd;

    if (argc < 2) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0)
        return run_help(argc, argv);
    cmd = find_command(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "synack: unknown command \"%s\" (try \"synack help\")\n", argv[1]);
        return EXIT_USAGE;
    }
    return cmd->run(argc - 1, argv + 1);
}
