/*
 * args.h — command-line parsing shared by every verb of the `synack` tool.
 *
 * A verb walks its options one at a time:
 *
 *     struct args a;
 *     args_init(&a, "synack sim", argc, argv);
 *     while (args_next(&a)) {
 *         if (args_is(&a, "--loss")) {
 *             if (!args_double(&a, 0, 1, &loss))
 *                 return EXIT_USAGE;
 *         } else {
 *             return args_unknown(&a);
 *         }
 *     }
 *
 * Options are long ("--name"); a value follows as the next argument or
 * after '=' ("--loss 0.01" or "--loss=0.01").  Every helper that takes a
 * value checks it and, when it is missing, malformed or out of range, prints
 * one line on stderr that names the option and the accepted range, e.g.
 *
 *     synack sim: --loss must be a number from 0 to 1 (got "2")
 *
 * and returns false; the verb then exits with EXIT_USAGE.
 */
#ifndef SYNACK_TOOLS_ARGS_H
#define SYNACK_TOOLS_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses shared by every verb. */
#define EXIT_OK 0
#define EXIT_FAILED 1  /* the verb ran but what it checks did not hold */
#define EXIT_USAGE 2   /* the command line was wrong */

/* Returned by a verb's option parser when the command line has been fully
 * handled already (help was printed): the verb exits with EXIT_OK. */
#define ARGS_DONE (-1)

struct args {
    const char *prog;          /* "synack sim": the prefix of every message */
    int argc;
    char **argv;
    int next;                  /* index of the next argument to look at */
    const char *flag;          /* the option being parsed, without any "=value" */
    char flag_buf[64];         /* holds flag when it came as "--name=value" */
    const char *inline_value;  /* the text after '=', or NULL */
};

/* argv[0] is the verb itself and is skipped. */
void args_init(struct args *a, const char *prog, int argc, char **argv);

/* Moves to the next option.  Returns false when the arguments are used up. */
bool args_next(struct args *a);

/* Whether the current option is `name` ("--loss"). */
bool args_is(const struct args *a, const char *name);

/* Whether the current option asks for help ("--help" or "-h"). */
bool args_is_help(const struct args *a);

/* Accepts the current option as a switch that takes no value; rejects
 * "--json=yes". */
bool args_switch(const struct args *a);

/* Takes the option's value as text. */
bool args_string(struct args *a, const char **out);

/* Takes the value as a finite decimal number within [lo, hi]. */
bool args_double(struct args *a, double lo, double hi, double *out);

/* Takes the value as a decimal integer within [lo, hi]. */
bool args_u64(struct args *a, uint64_t lo, uint64_t hi, uint64_t *out);

/* Takes the value as one of `choices` (a NULL-terminated list); *out is the
 * index of the match. */
bool args_choice(struct args *a, const char *const *choices, int *out);

/* --plpmtud off|blackhole|always: *mode is the enum synack_plpmtud. */
bool args_plpmtud(struct args *a, int *mode);

/* Reports that the current option is not one this verb knows and returns
 * EXIT_USAGE, so that a verb can write `return args_unknown(&a);`. */
int args_unknown(const struct args *a);

/* Reports that a required option was not given; returns EXIT_USAGE. */
int args_missing(const struct args *a, const char *name, const char *what);

#endif
