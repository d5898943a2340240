/*
 * args.c — command-line parsing with range checks; see args.h.
 *
 * Numbers are parsed with strtod/strtoull, but only after checking the text
 * ourselves, because those functions quietly accept things a user did not
 * mean: leading blanks, a minus sign on an unsigned value (which wraps),
 * "inf" and "nan".
 */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/stack.h"

void args_init(struct args *a, const char *prog, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->prog = prog;
    a->argc = argc;
    a->argv = argv;
    a->next = 1;
}

/* Splits "--name=value" into flag and inline_value.  A name too long for
 * flag_buf cannot be a known option, so it is kept whole and reported as
 * unknown. */
static void split_inline_value(struct args *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t name_len = eq ? (size_t)(eq - arg) : 0;

    a->flag = arg;
    a->inline_value = NULL;
    if (eq == NULL || arg[0] != '-' || name_len >= sizeof a->flag_buf)
        return;
    memcpy(a->flag_buf, arg, name_len);
    a->flag_buf[name_len] = '\0';
    a->flag = a->flag_buf;
    a->inline_value = eq + 1;
}

bool args_next(struct args *a)
{
    if (a->next >= a->argc)
        return false;
    split_inline_value(a, a->argv[a->next++]);
    return true;
}

bool args_is(const struct args *a, const char *name)
{
    return strcmp(a->flag, name) == 0;
}

bool args_is_help(const struct args *a)
{
    return args_is(a, "--help") || args_is(a, "-h");
}

/* Takes the value without judging it; reports a missing one.  `expect`
 * describes an acceptable value for the message. */
static bool take_value(struct args *a, const char *expect, const char **out)
{
    if (a->inline_value != NULL) {
        *out = a->inline_value;
        a->inline_value = NULL;
        return true;
    }
    if (a->next >= a->argc) {
        fprintf(stderr, "%s: %s needs a value: %s\n", a->prog, a->flag, expect);
        return false;
    }
    *out = a->argv[a->next++];
    return true;
}

bool args_switch(const struct args *a)
{
    if (a->inline_value == NULL)
        return true;
    fprintf(stderr, "%s: %s takes no value (got \"%s\")\n", a->prog, a->flag, a->inline_value);
    return false;
}

bool args_string(struct args *a, const char **out)
{
    return take_value(a, "a text argument", out);
}

/* Whether text looks like a plain decimal number: optional sign, digits,
 * optional fraction, optional exponent.  No blanks, no hex, no inf/nan. */
static bool is_decimal_number(const char *text)
{
    const char *p = text;
    bool digits = false;

    if (*p == '+' || *p == '-')
        p++;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits = true;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

static bool is_decimal_integer(const char *text)
{
    if (*text == '+')
        text++;
    if (*text == '\0')
        return false;
    for (; *text != '\0'; text++) {
        if (!isdigit((unsigned char)*text))
            return false;
    }
    return true;
}

bool args_double(struct args *a, double lo, double hi, double *out)
{
    char expect[96];
    const char *text;
    double v;

    snprintf(expect, sizeof expect, "a number from %g to %g", lo, hi);
    if (!take_value(a, expect, &text))
        return false;
    v = is_decimal_number(text) ? strtod(text, NULL) : NAN;
    if (!isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "%s: %s must be %s (got \"%s\")\n", a->prog, a->flag, expect, text);
        return false;
    }
    *out = v;
    return true;
}

bool args_u64(struct args *a, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char expect[96];
    const char *text;
    unsigned long long v = 0;
    bool ok;

    snprintf(expect, sizeof expect, "an integer from %" PRIu64 " to %" PRIu64, lo, hi);
    if (!take_value(a, expect, &text))
        return false;
    ok = is_decimal_integer(text);
    if (ok) {
        errno = 0;
        v = strtoull(text, NULL, 10);
        ok = errno == 0 && v >= lo && v <= hi;
    }
    if (!ok) {
        fprintf(stderr, "%s: %s must be %s (got \"%s\")\n", a->prog, a->flag, expect, text);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

/* Writes "one of a, b, c" into buf. */
static void describe_choices(const char *const *choices, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "one of");

    for (int i = 0; choices[i] != NULL && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", choices[i]);
}

bool args_choice(struct args *a, const char *const *choices, int *out)
{
    char expect[256];
    const char *text;

    describe_choices(choices, expect, sizeof expect);
    if (!take_value(a, expect, &text))
        return false;
    for (int i = 0; choices[i] != NULL; i++) {
        if (strcmp(text, choices[i]) == 0) {
            *out = i;
            return true;
        }
    }
    fprintf(stderr, "%s: %s must be %s (got \"%s\")\n", a->prog, a->flag, expect, text);
    return false;
}

bool args_plpmtud(struct args *a, int *mode)
{
    static const char *const names[] = { "off", "blackhole", "always", NULL };
    int choice = 0;
    if (!args_choice(a, names, &choice))
        return false;
    *mode = synack_plpmtud_from_name(names[choice]);
    return *mode >= 0;
}

int args_unknown(const struct args *a)
{
    if (a->flag[0] == '-')
        fprintf(stderr, "%s: unknown option \"%s\" (try \"%s --help\")\n", a->prog, a->flag,
                a->prog);
    else
        fprintf(stderr, "%s: unexpected argument \"%s\" (try \"%s --help\")\n", a->prog, a->flag,
                a->prog);
    return EXIT_USAGE;
}

int args_missing(const struct args *a, const char *name, const char *what)
{
    fprintf(stderr, "%s: %s is required: %s\n", a->prog, name, what);
    return EXIT_USAGE;
}
