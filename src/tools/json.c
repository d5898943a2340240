/*
 * json.c — the JSON object writer of json.h.
 */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_begin(struct json *j, FILE *out)
{
    j->out = out;
    j->members = 0;
    j->items = 0;
    j->inner = -1;
    fputc('{', out);
}

void json_end(struct json *j)
{
    fputs(j->members ? "\n}\n" : "}\n", j->out);
}

void json_write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            /* Other control characters must be escaped; bytes >= 0x80 are
             * passed through as the UTF-8 they are meant to be. */
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* Starts a member: the comma, the indentation (none inside an item,
 * which stays on one line) and the key. */
static void member(struct json *j, const char *key)
{
    if (j->inner >= 0)
        fputs(j->inner++ ? ", " : "", j->out);
    else
        fputs(j->members++ ? ",\n  " : "\n  ", j->out);
    json_write_string(j->out, key);
    fputs(": ", j->out);
}

void json_array_begin(struct json *j, const char *key)
{
    member(j, key);
    fputc('[', j->out);
    j->items = 0;
}

void json_item_begin(struct json *j)
{
    fputs(j->items++ ? ",\n    {" : "\n    {", j->out);
    j->inner = 0;
}

void json_item_end(struct json *j)
{
    fputc('}', j->out);
    j->inner = -1;
}

void json_array_end(struct json *j)
{
    fputs(j->items ? "\n  ]" : "]", j->out);
}

void json_string(struct json *j, const char *key, const char *value)
{
    member(j, key);
    if (value == NULL)
        fputs("null", j->out);
    else
        json_write_string(j->out, value);
}

void json_u64(struct json *j, const char *key, uint64_t value)
{
    member(j, key);
    fprintf(j->out, "%" PRIu64, value);
}

void json_i64(struct json *j, const char *key, int64_t value)
{
    member(j, key);
    fprintf(j->out, "%" PRId64, value);
}

/* The shortest text that strtod reads back as exactly v: plain decimals
 * ("20", "0.001", "16.204172574437921") for everyday magnitudes, and
 * exponent form only for very large or very small ones.  A whole number
 * gets a ".0" so that readers which tell integers from reals (Python's
 * json, for one) see a real every time. */
static void format_double(double v, char *buf, size_t len)
{
    double mag = fabs(v);
    bool fixed = mag == 0 || (mag >= 1e-4 && mag < 1e15);

    /* 17 significant digits always suffice; in fixed form a value as small
     * as 1e-4 needs up to 4 + 17 decimals. */
    int max_digits = fixed ? 21 : 17;

    for (int digits = fixed ? 0 : 1; digits <= max_digits; digits++) {
        snprintf(buf, len, fixed ? "%.*f" : "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (strpbrk(buf, ".e") == NULL)
        strncat(buf, ".0", len - strlen(buf) - 1);
}

void json_double(struct json *j, const char *key, double value)
{
    char buf[64];

    member(j, key);
    if (!isfinite(value)) {
        fputs("null", j->out);
        return;
    }
    format_double(value, buf, sizeof buf);
    fputs(buf, j->out);
}

void json_bool(struct json *j, const char *key, bool value)
{
    member(j, key);
    fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
    member(j, key);
    fputs("null", j->out);
}
