/*
 * json.h — a tiny writer for the JSON objects the tool prints with --json:
 * one object, one key per line, and at most one level of nesting: a member
 * may be an array of small objects, each written on a line of its own.
 *
 *     struct json j;
 *     json_begin(&j, stdout);
 *     json_u64(&j, "bytes", 1000000);
 *     json_bool(&j, "verified", true);
 *     json_array_begin(&j, "flows");
 *     json_item_begin(&j);                   {"flow": 0, "verified": true}
 *     json_u64(&j, "flow", 0);
 *     json_bool(&j, "verified", true);
 *     json_item_end(&j);
 *     json_array_end(&j);
 *     json_end(&j);
 *
 * Top-level members are the only lines that start with exactly two spaces
 * and a quote, so a line-oriented reader (grep '^  "verified"') never
 * mistakes an item's member for a top-level one.
 *
 * Strings are escaped (RFC 8259 §7); numbers are written with the fewest
 * digits that read back as the same double (RFC 8259 §6), and a value that
 * JSON cannot carry (NaN, infinity) is written as null.
 */
#ifndef SYNACK_TOOLS_JSON_H
#define SYNACK_TOOLS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
    FILE *out;
    int members;   /* top-level members written so far, to place the commas */
    int items;     /* objects written so far in the open array */
    int inner;     /* members written so far in the open item; -1: no item open */
};

void json_begin(struct json *j, FILE *out);
void json_end(struct json *j);

/* A NULL value is written as null. */
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_i64(struct json *j, const char *key, int64_t value);
void json_double(struct json *j, const char *key, double value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);

/* An array of objects as the value of member `key`; between
 * json_item_begin() and json_item_end() the member calls above write into
 * the current item. */
void json_array_begin(struct json *j, const char *key);
void json_item_begin(struct json *j);
void json_item_end(struct json *j);
void json_array_end(struct json *j);

/* Writes s as a quoted, escaped JSON string. */
void json_write_string(FILE *out, const char *s);

#endif
