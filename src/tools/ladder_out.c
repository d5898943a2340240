/* ladder_out.c — see ladder_out.h. */
#include "ladder_out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synack/errors.h"

int ladder_format_of(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot == NULL)
        return -1;
    if (strcasecmp(dot, ".svg") == 0)
        return LADDER_SVG;
    if (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0)
        return LADDER_HTML;
    return -1;
}

int ladder_write_file(const char *prog, const struct synack_ladder *l, const struct synack_ladder_view *v,
                      enum ladder_format format, const char *path)
{
    return ladder_write_page(prog, l, v, format, NULL, 0, path);
}

int ladder_write_page(const char *prog, const struct synack_ladder *l, const struct synack_ladder_view *v,
                      enum ladder_format format, const struct synack_ladder_section *sections, size_t count,
                      const char *path)
{
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    int rc;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    switch (format) {
    case LADDER_SVG: rc = synack_ladder_write_svg(l, v, f); break;
    case LADDER_HTML: rc = synack_ladder_write_html_sections(l, v, sections, count, f); break;
    default: rc = synack_ladder_write_text(l, v, f); break;
    }
    if (to_stdout) {
        if (fflush(f) != 0 && rc >= 0)
            rc = -SYNACK_EIO;
    } else if (fclose(f) != 0 && rc >= 0) {
        rc = -SYNACK_EIO;
    }
    if (rc < 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, synack_strerror(rc));
        return -1;
    }
    return 0;
}

/* A non-negative decimal number of seconds, as microseconds. */
static bool parse_seconds(const char *s, size_t len, synack_time_us *out)
{
    char buf[64], *end;
    double v;

    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtod(buf, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v) || v < 0 || v > 1e12)
        return false;
    *out = (synack_time_us)llround(v * 1e6);
    return true;
}

static bool parse_number(const char *s, size_t len, uint32_t *out)
{
    char buf[32], *end;
    unsigned long long v;

    if (len == 0 || len >= sizeof buf || s[0] == '-' || s[0] == '+')
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtoull(buf, &end, 10);
    if (*end != '\0' || errno != 0 || v == 0 || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool ladder_parse_time_range(const char *prog, const char *option, const char *text,
                             struct synack_ladder_view *v)
{
    const char *colon = strchr(text, ':');
    synack_time_us from = 0, to = SYNACK_TIME_NEVER;

    if (colon == NULL || (colon > text && !parse_seconds(text, (size_t)(colon - text), &from)) ||
        (colon[1] != '\0' && !parse_seconds(colon + 1, strlen(colon + 1), &to)) || from > to) {
        fprintf(stderr, "%s: %s must be T0:T1, seconds from the first segment (either may be left "
                        "out, T0 <= T1), e.g. 0.5:2 (got \"%s\")\n",
                prog, option, text);
        return false;
    }
    v->have_range = true;
    v->range_from = from;
    v->range_to = to;
    return true;
}

bool ladder_parse_segment_range(const char *prog, const char *option, const char *text,
                                struct synack_ladder_view *v)
{
    const char *colon = strchr(text, ':');
    uint32_t first = 0, last = 0;

    if (colon == NULL || (colon > text && !parse_number(text, (size_t)(colon - text), &first)) ||
        (colon[1] != '\0' && !parse_number(colon + 1, strlen(colon + 1), &last)) ||
        (first && last && first > last)) {
        fprintf(stderr, "%s: %s must be A:B, segment numbers from 1 (either may be left out, "
                        "A <= B), e.g. 10:40 (got \"%s\")\n",
                prog, option, text);
        return false;
    }
    v->first_segment = first;
    v->last_segment = last;
    return true;
}
