/* lwip_json.c — one line of JSON in a fixed buffer (the peer's output). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lwip_peer.h"

static void put(struct json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct json *j, const char *fmt, ...)
{
    if (j->overflow)
        return;
    size_t room = sizeof j->buf - j->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        j->overflow = true;
        return;
    }
    j->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_string(struct json *j, const char *s)
{
    put(j, "\"");
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(j, "\\%c", c);
        else if (c < 0x20)
            put(j, "\\u%04x", c);
        else
            put(j, "%c", c);
    }
    put(j, "\"");
}

static void key(struct json *j, const char *k)
{
    if (!j->first[j->depth])
        put(j, ",");
    j->first[j->depth] = false;
    put_string(j, k);
    put(j, ":");
}

void json_begin(struct json *j)
{
    memset(j, 0, sizeof *j);
    j->first[0] = true;
    put(j, "{");
}

void json_str(struct json *j, const char *k, const char *value)
{
    key(j, k);
    put_string(j, value);
}

/* Numbers: up to 6 significant digits, enough for a benchmark figure;
 * JSON has no NaN or infinity, so those become null. */
void json_num(struct json *j, const char *k, double value)
{
    key(j, k);
    if (!isfinite(value))
        put(j, "null");
    else
        put(j, "%.6g", value);
}

void json_uint(struct json *j, const char *k, uint64_t value)
{
    key(j, k);
    put(j, "%llu", (unsigned long long)value);
}

void json_bool(struct json *j, const char *k, bool value)
{
    key(j, k);
    put(j, "%s", value ? "true" : "false");
}

void json_obj_begin(struct json *j, const char *k)
{
    key(j, k);
    put(j, "{");
    if (j->depth == JSON_MAX_DEPTH) {
        j->overflow = true;
        return;
    }
    j->depth++;
    j->first[j->depth] = true;
}

void json_obj_end(struct json *j)
{
    put(j, "}");
    if (j->depth > 0)
        j->depth--;
}

const char *json_end(struct json *j)
{
    put(j, "}");
    if (j->overflow || j->depth != 0)
        return NULL;
    return j->buf;
}
