/*
 * ladder_out.h — writing a ladder diagram (synack/ladder.h) to a file or to
 * stdout, for the verbs that draw one: demo, sim, trace ladder.
 */
#ifndef SYNACK_TOOLS_LADDER_OUT_H
#define SYNACK_TOOLS_LADDER_OUT_H

#include "synack/ladder.h"

enum ladder_format { LADDER_TEXT, LADDER_SVG, LADDER_HTML };

/* The format a file name asks for: ".svg", ".html" or ".htm" (any case);
 * -1 for any other name. */
int ladder_format_of(const char *path);

/* Writes l in `format` to path ("-" is stdout).  On failure prints
 * "<prog>: cannot write PATH: why" on stderr and returns -1; 0 on success. */
int ladder_write_file(const char *prog, const struct synack_ladder *l, const struct synack_ladder_view *v,
                      enum ladder_format format, const char *path);
/* The same, the HTML page with `count` more views beside the diagram
 * (synack_ladder_write_html_sections; other formats leave them out). */
int ladder_write_page(const char *prog, const struct synack_ladder *l, const struct synack_ladder_view *v,
                      enum ladder_format format, const struct synack_ladder_section *sections, size_t count,
                      const char *path);

/* Parses "T0:T1" (seconds, fractions allowed; either side may be empty)
 * into the view's time range, or "A:B" (segment numbers) into its segment
 * range.  Prints a message naming `option` and returns false when the
 * text is malformed. */
bool ladder_parse_time_range(const char *prog, const char *option, const char *text,
                             struct synack_ladder_view *v);
bool ladder_parse_segment_range(const char *prog, const char *option, const char *text,
                                struct synack_ladder_view *v);

#endif
