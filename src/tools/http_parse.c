/*
 * http_parse.c — the request-head parser of http_parse.h.
 *
 * Reading list:
 *   RFC 9112 §2.2  message parsing: lines end in CRLF; a recipient MAY take
 *                  a bare LF as the end of a line; a bare CR elsewhere is
 *                  an error; at least one empty line before the request
 *                  line SHOULD be ignored.
 *   RFC 9112 §3    request-line = method SP request-target SP HTTP-version
 *   RFC 9112 §2.3  HTTP-version = "HTTP/" DIGIT "." DIGIT
 *   RFC 9112 §5    field-line = field-name ":" OWS field-value OWS; no
 *                  whitespace between name and colon (MUST reject, 400);
 *                  obs-fold is rejected (§5.2, 400).
 *   RFC 9110 §5.5  field values: VCHAR, obs-text, SP, HTAB inside; no CTL.
 *   RFC 9110 §5.6.2 token characters (tchar).
 *   RFC 9110 §8.6  Content-Length: repeated fields must agree.
 *   RFC 9112 §3.2  exactly one Host in HTTP/1.1 (checked by the caller).
 *   RFC 9110 §7.6.1 Connection options "close" and "keep-alive".
 */
#include "http_parse.h"

#include <string.h>

#define CONTENT_LENGTH_MAX_DIGITS 18   /* below 10^18: no overflow in uint64_t */

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of text[0, len) with a lower-case word. */
static bool equals_word(const char *text, size_t len, const char *word)
{
    size_t i;

    for (i = 0; i < len && word[i] != '\0'; i++) {
        if (lower(text[i]) != word[i])
            return false;
    }
    return i == len && word[i] == '\0';
}

/* A line of buf[start, len): sets *content_len to its length without the
 * line ending and returns the index just past its LF, or 0 when no LF has
 * arrived.  A CR anywhere but before the LF makes the line invalid. */
static size_t find_line(const char *buf, size_t len, size_t start, size_t *content_len, bool *bad_cr)
{
    const char *lf = memchr(buf + start, '\n', len - start);
    size_t end;

    if (lf == NULL)
        return 0;
    end = (size_t)(lf - buf);
    *content_len = end - start;
    if (*content_len > 0 && buf[end - 1] == '\r')
        (*content_len)--;
    *bad_cr = memchr(buf + start, '\r', *content_len) != NULL;
    return end + 1;
}

/* Whether the start of an unfinished request line can still become a
 * valid one: a token, then anything without control characters. */
static bool partial_line_plausible(const char *buf, size_t len)
{
    bool in_method = true;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == ' ')
            in_method = false;
        else if (in_method && !is_tchar(c))
            return c == '\r' && i + 1 == len;
        else if (is_ctl(c))
            return c == '\r' && i + 1 == len;
    }
    return true;
}

static int parse_version(const char *v, size_t len, int *minor)
{
    if (len != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return HTTP_BAD_REQUEST;
    if (v[5] != '1')
        return HTTP_BAD_VERSION;
    *minor = v[7] - '0';
    return 0;
}

/* request-line = method SP request-target SP HTTP-version */
static int parse_request_line(const char *line, size_t len, struct http_request *req)
{
    const char *sp1 = memchr(line, ' ', len);
    const char *sp2;
    size_t i;

    if (sp1 == NULL || sp1 == line)
        return HTTP_BAD_REQUEST;
    req->method_text = line;
    req->method_len = (size_t)(sp1 - line);
    for (i = 0; i < req->method_len; i++) {
        if (!is_tchar((unsigned char)line[i]))
            return HTTP_BAD_REQUEST;
    }
    req->target = sp1 + 1;
    sp2 = memchr(req->target, ' ', len - req->method_len - 1);
    if (sp2 == NULL || sp2 == req->target)
        return HTTP_BAD_REQUEST;
    req->target_len = (size_t)(sp2 - req->target);
    for (i = 0; i < req->target_len; i++) {
        unsigned char c = (unsigned char)req->target[i];
        if (c <= 0x20 || c >= 0x7f)
            return HTTP_BAD_REQUEST;
    }
    if (req->method_len == 3 && memcmp(line, "GET", 3) == 0)
        req->method = HTTP_GET;                /* methods are case-sensitive (RFC 9110 §9.1) */
    else if (req->method_len == 4 && memcmp(line, "HEAD", 4) == 0)
        req->method = HTTP_HEAD;
    else
        req->method = HTTP_OTHER;
    return parse_version(sp2 + 1, (size_t)(line + len - sp2 - 1), &req->minor_version);
}

/* Connection = #connection-option: a comma-separated list of tokens. */
static void parse_connection(const char *v, size_t len, struct http_request *req)
{
    size_t i = 0;

    while (i < len) {
        size_t start, end;
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        start = i;
        while (i < len && v[i] != ',')
            i++;
        end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (equals_word(v + start, end - start, "close"))
            req->connection_close = true;
        else if (equals_word(v + start, end - start, "keep-alive"))
            req->connection_keep_alive = true;
    }
}

static int parse_content_length(const char *v, size_t len, struct http_request *req)
{
    uint64_t value = 0;

    if (len == 0 || len > CONTENT_LENGTH_MAX_DIGITS)
        return HTTP_BAD_REQUEST;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return HTTP_BAD_REQUEST;
        value = value * 10 + (uint64_t)(v[i] - '0');
    }
    if (req->content_length_seen && req->content_length != value)
        return HTTP_BAD_REQUEST;
    req->content_length_seen = true;
    req->content_length = value;
    return 0;
}

/* Records what the server needs from one field. */
static int apply_field(const char *name, size_t name_len, const char *v, size_t len, struct http_request *req)
{
    if (equals_word(name, name_len, "host")) {
        if (req->host_seen)
            return HTTP_BAD_REQUEST;          /* RFC 9112 §3.2: more than one Host */
        req->host_seen = true;
    } else if (equals_word(name, name_len, "connection")) {
        parse_connection(v, len, req);
    } else if (equals_word(name, name_len, "content-length")) {
        return parse_content_length(v, len, req);
    } else if (equals_word(name, name_len, "transfer-encoding")) {
        req->transfer_encoding = true;
    }
    return 0;
}

/* field-line = field-name ":" OWS field-value OWS */
static int parse_field_line(const char *line, size_t len, struct http_request *req)
{
    const char *colon = memchr(line, ':', len);
    size_t name_len, start, end;

    if (line[0] == ' ' || line[0] == '\t' || colon == NULL || colon == line)
        return HTTP_BAD_REQUEST;              /* obs-fold, or no name */
    name_len = (size_t)(colon - line);
    for (size_t i = 0; i < name_len; i++) {
        if (!is_tchar((unsigned char)line[i]))
            return HTTP_BAD_REQUEST;          /* includes whitespace before the colon */
    }
    start = name_len + 1;
    end = len;
    while (start < end && (line[start] == ' ' || line[start] == '\t'))
        start++;
    while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        end--;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)line[i];
        if (is_ctl(c) && c != '\t')
            return HTTP_BAD_REQUEST;
    }
    return apply_field(line, name_len, line + start, end - start, req);
}

/* The header section, from `pos` to the empty line. */
static int parse_fields(const char *buf, size_t len, size_t limit, size_t pos, struct http_request *req)
{
    for (;;) {
        size_t line_len;
        bool bad_cr;
        size_t next = find_line(buf, len, pos, &line_len, &bad_cr);
        int rc;

        if (next == 0)
            return len >= limit ? HTTP_HEADERS_TOO_LARGE : HTTP_NEED_MORE;
        if (next > limit)
            return HTTP_HEADERS_TOO_LARGE;
        if (bad_cr)
            return HTTP_BAD_REQUEST;
        if (line_len == 0)
            return (int)next;
        rc = parse_field_line(buf + pos, line_len, req);
        if (rc < 0)
            return rc;
        pos = next;
    }
}

int http_parse_request(const char *buf, size_t len, size_t limit, struct http_request *req)
{
    size_t pos = 0, line_len, next;
    bool bad_cr;
    int rc;

    memset(req, 0, sizeof *req);
    if (len > limit)
        len = limit;
    /* RFC 9112 §2.2: empty lines before the request line are ignored. */
    while (pos < len && (buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')))
        pos += buf[pos] == '\n' ? 1 : 2;
    next = find_line(buf, len, pos, &line_len, &bad_cr);
    if (next == 0) {
        if (!partial_line_plausible(buf + pos, len - pos))
            return HTTP_BAD_REQUEST;
        return len >= limit ? HTTP_URI_TOO_LONG : HTTP_NEED_MORE;
    }
    if (bad_cr)
        return HTTP_BAD_REQUEST;
    rc = parse_request_line(buf + pos, line_len, req);
    if (rc < 0)
        return rc;
    return parse_fields(buf, len, limit, next, req);
}

int http_error_status(int result)
{
    switch (result) {
    case HTTP_URI_TOO_LONG: return 414;
    case HTTP_HEADERS_TOO_LARGE: return 431;
    case HTTP_BAD_VERSION: return 505;
    default: return 400;
    }
}
