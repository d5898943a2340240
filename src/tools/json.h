/*
 * json.h — a tiny writer for the flat JSON objects the tool prints with
 * --json: one object, one key per line.
 *
 *     struct json j;
 *     json_begin(&j, stdout);
 *     json_u64(&j, "bytes", 1000000);
 *     json_bool(&j, "verified", true);
 *     json_end(&j);
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
    int members;   /* written so far, to place the commas */
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

/* Writes s as a quoted, escaped JSON string. */
void json_write_string(FILE *out, const char *s);

#endif
