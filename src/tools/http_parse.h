/*
 * http_parse.h — a sans-I/O parser for the head of one HTTP/1.x request
 * (RFC 9112 §2-§3 and §5; field semantics from RFC 9110), for the static
 * file server of `synack serve --http`.
 *
 * The caller owns the buffer and calls again with more bytes until the
 * result is not HTTP_NEED_MORE:
 *
 *     int n = http_parse_request(buf, len, limit, &req);
 *     n > 0             the head is complete and is buf[0, n); req points into buf
 *     HTTP_NEED_MORE    the head is not complete yet and may still be
 *     n < 0             an error: answer with http_error_status(n)
 *
 * `limit` is the most the head may take: a head that has not ended within
 * limit bytes is an error (414 while the request line is still unfinished,
 * 431 afterwards).  The parser keeps no state between calls; it reparses
 * from the start, which is cheap for heads of a few KiB.
 */
#ifndef SYNACK_TOOLS_HTTP_PARSE_H
#define SYNACK_TOOLS_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

enum http_parse_result {
    HTTP_NEED_MORE = 0,
    HTTP_BAD_REQUEST = -1,        /* 400: malformed */
    HTTP_URI_TOO_LONG = -2,       /* 414: request line longer than the limit */
    HTTP_HEADERS_TOO_LARGE = -3,  /* 431: header section longer than the limit */
    HTTP_BAD_VERSION = -4,        /* 505: not HTTP/1.x */
};

struct http_request {
    enum http_method method;
    const char *method_text;      /* not NUL-terminated */
    size_t method_len;
    const char *target;           /* request-target as sent, not NUL-terminated */
    size_t target_len;
    int minor_version;            /* HTTP/1.<minor> */
    bool host_seen;               /* exactly one Host field */
    bool connection_close;        /* "close" among the Connection options */
    bool connection_keep_alive;   /* "keep-alive" among them (HTTP/1.0) */
    bool transfer_encoding;       /* a Transfer-Encoding field was sent */
    bool content_length_seen;
    uint64_t content_length;
};

int http_parse_request(const char *buf, size_t len, size_t limit, struct http_request *req);

/* The status code for a negative parse result. */
int http_error_status(int result);

#endif
