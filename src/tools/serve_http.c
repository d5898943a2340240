/*
 * serve_http.c — a small static-file HTTP/1.1 server for `synack serve
 * --http PORT:DIR`.
 *
 * Reading list:
 *   RFC 9112 §9.3   persistent connections: HTTP/1.1 keeps the connection
 *                   unless "close" is sent; HTTP/1.0 only with keep-alive.
 *   RFC 9112 §9.3.2 pipelining: requests are answered in the order received.
 *   RFC 9112 §9.6   tearing down: after "Connection: close", close the
 *                   sending side first and keep reading for a while, so
 *                   that a reset does not destroy the response before the
 *                   client has read it ("lingering close").
 *   RFC 9110 §9.3.1-§9.3.2  GET and HEAD; §15 status codes; §6.6.1 Date;
 *                   §10.2.1 Allow with 405.
 *   RFC 3986 §2.1   percent-encoding.
 *
 * One connection at a time, in this order:
 *
 *     read into `in` (at most HTTP_REQUEST_LIMIT bytes)
 *       -> parse one request head (http_parse.c)
 *       -> queue the head of the response, then the file in chunks read
 *          with pread as the send buffer drains (WRITABLE events)
 *       -> next request from `in`, or wait for more
 *
 * While a response is being sent nothing more is read: requests that a
 * client pipelines wait in the socket's receive buffer, and TCP flow
 * control holds back the rest.  A request body announced by Content-Length
 * is read and dropped; Transfer-Encoding is not supported (501, close).
 *
 * Files: the target is percent-decoded, any ".." segment is refused (400),
 * the path is resolved with realpath() and must stay inside the served
 * directory (404 otherwise, so that nothing outside is even confirmed to
 * exist), and only regular files are served.  A directory is served by its
 * index.html, or 404.  Range requests are not supported (the whole file is
 * sent with 200).
 */
#define _XOPEN_SOURCE 700            /* realpath() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_parse.h"
#include "serve.h"

#define HTTP_REQUEST_LIMIT 8192        /* request line plus header fields */
#define HTTP_HEAD_BYTES 1024           /* our response head (and an error body) */
#define HTTP_CHUNK_BYTES 65536         /* file bytes read per pread */
#define HTTP_LINGER_US 2000000u        /* keep reading after our FIN, at most 2 s */

struct http_state {
    const char *root;                  /* realpath of the served directory */
    size_t root_len;

    /* Request bytes received and not yet parsed. */
    char in[HTTP_REQUEST_LIMIT];
    size_t in_len;
    bool in_eof;
    uint64_t body_to_skip;             /* of the last request, still to drop */

    /* The response in progress: head[head_off, head_len), then
     * chunk[chunk_off, chunk_len), then file bytes [file_off, file_end). */
    bool responding;
    bool close_after;                  /* close when this response is out */
    bool lingering;                    /* FIN sent; reading until the client's */
    char head[HTTP_HEAD_BYTES];
    size_t head_off, head_len;
    int fd;
    uint64_t file_off, file_end;
    uint8_t *chunk;
    size_t chunk_off, chunk_len;
};

/* What open_target found. */
struct http_file {
    int fd;
    uint64_t size;
    const char *type;
};

/* ---- Files ---------------------------------------------------------------- */

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {"html", "text/html"},          {"htm", "text/html"},         {"txt", "text/plain"},
    {"css", "text/css"},            {"js", "text/javascript"},    {"json", "application/json"},
    {"xml", "application/xml"},     {"png", "image/png"},         {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},         {"gif", "image/gif"},         {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},        {"pdf", "application/pdf"},   {"wasm", "application/wasm"},
    {"pcap", "application/vnd.tcpdump.pcap"},
};

/* The Content-Type for a file name, from its extension. */
static const char *content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');

    if (dot != NULL) {
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++) {
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
        }
    }
    return "application/octet-stream";
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the %XX escapes of in[0, len) into out (NUL-terminated).  False
 * for a malformed escape, an encoded NUL, or a result that does not fit. */
static bool percent_decode(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = len - i >= 3 ? hex_value(in[i + 1]) : -1;
            int lo = len - i >= 3 ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (o + 1 >= cap)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* Whether a "/"-separated path has a ".." segment. */
static bool has_dot_dot(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
        bool starts = p == path || p[-1] == '/';
        bool ends = p[2] == '\0' || p[2] == '/';
        if (starts && ends)
            return true;
    }
    return false;
}

static bool inside_root(const struct http_state *h, const char *path)
{
    if (h->root_len == 1)
        return true;                   /* the root is "/" itself */
    return strncmp(path, h->root, h->root_len) == 0 && (path[h->root_len] == '\0' || path[h->root_len] == '/');
}

/* The decoded path of a request-target: origin-form ("/a/b?q") or
 * absolute-form ("http://host/a/b"), without query or fragment. */
static int target_path(const char *target, size_t len, char *out, size_t cap)
{
    const char *end = target + len;
    const char *cut;

    if (len > 7 && (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0)) {
        const char *authority = target + (target[4] == ':' ? 7 : 8);
        target = memchr(authority, '/', (size_t)(end - authority));
        if (target == NULL) {
            target = "/";                  /* "http://host" alone names the root */
            end = target + 1;
        }
    }
    if (target[0] != '/')
        return 400;
    cut = memchr(target, '?', (size_t)(end - target));
    if (cut != NULL)
        end = cut;
    cut = memchr(target, '#', (size_t)(end - target));
    if (cut != NULL)
        end = cut;
    if (!percent_decode(target, (size_t)(end - target), out, cap))
        return 400;
    return has_dot_dot(out) ? 400 : 200;
}

/* Resolves path (symbolic links included) and checks that the result is in
 * the served directory.  A directory is replaced by its index.html. */
static int resolve(const struct http_state *h, const char *path, char *real)
{
    char full[PATH_MAX];
    struct stat st;

    if (snprintf(full, sizeof full, "%s%s", h->root_len == 1 ? "" : h->root, path) >= (int)sizeof full)
        return 404;
    if (realpath(full, real) == NULL)
        return errno == EACCES ? 403 : 404;
    if (!inside_root(h, real) || stat(real, &st) < 0)
        return 404;
    if (!S_ISDIR(st.st_mode))
        return 200;
    if (snprintf(full, sizeof full, "%s/index.html", real) >= (int)sizeof full)
        return 404;
    if (realpath(full, real) == NULL)
        return errno == EACCES ? 403 : 404;
    return inside_root(h, real) ? 200 : 404;
}

/* Opens the file a request names.  Returns 200 and fills *f, or the error
 * status to answer with. */
static int open_target(const struct http_state *h, const struct http_request *req, struct http_file *f)
{
    char path[PATH_MAX], real[PATH_MAX];
    struct stat st;
    int status = target_path(req->target, req->target_len, path, sizeof path);

    if (status == 200)
        status = resolve(h, path, real);
    if (status != 200)
        return status;
    /* O_NONBLOCK: opening a FIFO that slipped in must not hang the server. */
    f->fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f->fd < 0)
        return errno == EACCES ? 403 : 404;
    if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(f->fd);
        f->fd = -1;
        return 404;
    }
    f->size = (uint64_t)st.st_size;
    f->type = content_type(real);
    return 200;
}

/* ---- Responses ------------------------------------------------------------ */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* Writes the response head into h->head.  keep_alive_10 adds the
 * "Connection: keep-alive" an HTTP/1.0 client needs to see. */
static void write_head(struct http_state *h, int status, const char *type, uint64_t length, bool keep_alive_10)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    int n;

    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);   /* IMF-fixdate, RFC 9110 §5.6.7 */
    n = snprintf(h->head, sizeof h->head,
                 "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: synack\r\nContent-Type: %s\r\n"
                 "Content-Length: %llu\r\n%s%s\r\n",
                 status, reason_phrase(status), date, type, (unsigned long long)length,
                 h->close_after ? "Connection: close\r\n" : keep_alive_10 ? "Connection: keep-alive\r\n" : "",
                 status == 405 ? "Allow: GET, HEAD\r\n" : "");
    h->head_off = 0;
    h->head_len = n < 0 ? 0 : (size_t)n < sizeof h->head ? (size_t)n : sizeof h->head - 1;
}

/* An error response: the head and a one-line text body (none for HEAD). */
static void start_error(struct http_state *h, int status, bool head_only, bool keep_alive_10)
{
    char body[80];
    int len = snprintf(body, sizeof body, "%d %s\n", status, reason_phrase(status));

    write_head(h, status, "text/plain", (uint64_t)len, keep_alive_10);
    if (!head_only && h->head_len + (size_t)len < sizeof h->head) {
        memcpy(h->head + h->head_len, body, (size_t)len);
        h->head_len += (size_t)len;
    }
    h->fd = -1;
    h->file_off = h->file_end = 0;
    h->responding = true;
}

static void start_file(struct http_state *h, const struct http_file *f, bool head_only, bool keep_alive_10)
{
    write_head(h, 200, f->type, f->size, keep_alive_10);
    h->fd = f->fd;
    h->file_off = 0;
    h->file_end = head_only ? 0 : f->size;
    h->responding = true;
}

/* Whether the connection stays open after the response (RFC 9112 §9.3). */
static bool wants_keep_alive(const struct http_request *req)
{
    if (req->connection_close)
        return false;
    return req->minor_version >= 1 || req->connection_keep_alive;
}

/* Starts the response to a parsed request. */
static void start_response(struct serve_conn *conn, struct http_state *h, const struct http_request *req)
{
    bool head_only = req->method == HTTP_HEAD;
    bool keep_10 = req->minor_version == 0 && wants_keep_alive(req);
    struct http_file f = {.fd = -1};
    int status;

    conn->stats->http_requests++;
    h->close_after = !wants_keep_alive(req);
    if (req->content_length_seen)
        h->body_to_skip = req->content_length;
    if (req->transfer_encoding) {
        h->close_after = true;              /* the body's end cannot be found */
        status = 501;
    } else if (req->minor_version >= 1 && !req->host_seen) {
        status = 400;                       /* RFC 9112 §3.2: Host is required */
    } else if (req->method == HTTP_OTHER) {
        status = 405;
    } else {
        status = open_target(h, req, &f);
    }
    if (status == 200)
        start_file(h, &f, head_only, keep_10 && !h->close_after);
    else
        start_error(h, status, head_only, keep_10 && !h->close_after);
    if (head_only && f.fd >= 0) {
        close(f.fd);
        h->fd = -1;
    }
}

static void end_response(struct http_state *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    free(h->chunk);
    h->chunk = NULL;
    h->chunk_off = h->chunk_len = 0;
    h->head_off = h->head_len = 0;
    h->responding = false;
}

/* Sends buf[*off, len).  Returns 1 when all of it is queued, 0 when the
 * send buffer is full, or a negative error. */
static int send_span(struct serve_conn *conn, const void *buf, size_t *off, size_t len)
{
    while (*off < len) {
        ssize_t n = serve_send(conn, (const uint8_t *)buf + *off, len - *off);
        if (n == -SYNACK_EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        *off += (size_t)n;
    }
    return 1;
}

/* Reads the next chunk of the file.  A file that shrank under us cannot
 * keep the Content-Length promise: the connection is reset. */
static int read_chunk(struct http_state *h)
{
    uint64_t left = h->file_end - h->file_off;
    size_t want = left < HTTP_CHUNK_BYTES ? (size_t)left : HTTP_CHUNK_BYTES;
    ssize_t n;

    if (h->chunk == NULL && (h->chunk = malloc(HTTP_CHUNK_BYTES)) == NULL)
        return -SYNACK_ENOMEM;
    do
        n = pread(h->fd, h->chunk, want, (off_t)h->file_off);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -SYNACK_EINVAL;
    h->chunk_off = 0;
    h->chunk_len = (size_t)n;
    h->file_off += (uint64_t)n;
    return 0;
}

/* Queues as much of the response as the send buffer takes.  Returns 1 when
 * it is all queued, 0 when it waits for WRITABLE, or a negative error. */
static int pump_response(struct serve_conn *conn, struct http_state *h)
{
    for (;;) {
        int rc = send_span(conn, h->head, &h->head_off, h->head_len);
        if (rc <= 0)
            return rc;
        rc = send_span(conn, h->chunk, &h->chunk_off, h->chunk_len);
        if (rc <= 0)
            return rc;
        if (h->file_off == h->file_end) {
            end_response(h);
            return 1;
        }
        rc = read_chunk(h);
        if (rc < 0)
            return rc;
    }
}

/* ---- Requests ------------------------------------------------------------- */

/* Reads into `in` until it is full, nothing is waiting, or end of stream. */
static int fill_input(struct serve_conn *conn, struct http_state *h)
{
    while (!h->in_eof && h->in_len < sizeof h->in) {
        ssize_t n = serve_recv(conn, h->in + h->in_len, sizeof h->in - h->in_len);
        if (n == -SYNACK_EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        if (n == 0)
            h->in_eof = true;
        h->in_len += (size_t)n;
    }
    return 0;
}

static void consume_input(struct http_state *h, size_t n)
{
    memmove(h->in, h->in + n, h->in_len - n);
    h->in_len -= n;
}

enum next_result { NEXT_NEED_MORE, NEXT_PROGRESS, NEXT_STARTED };

/* Drops body bytes, or parses the next request head and starts its
 * response. */
static enum next_result next_request(struct serve_conn *conn, struct http_state *h)
{
    struct http_request req;
    int rc;

    if (h->body_to_skip) {
        size_t n = h->in_len < h->body_to_skip ? h->in_len : (size_t)h->body_to_skip;
        consume_input(h, n);
        h->body_to_skip -= n;
        return n ? NEXT_PROGRESS : NEXT_NEED_MORE;
    }
    if (h->in_len == 0)
        return NEXT_NEED_MORE;
    rc = http_parse_request(h->in, h->in_len, sizeof h->in, &req);
    if (rc == HTTP_NEED_MORE)
        return NEXT_NEED_MORE;
    if (rc < 0) {
        /* Where this request ends is unknown: answer, then close. */
        conn->stats->http_requests++;
        h->close_after = true;
        start_error(h, http_error_status(rc), false, false);
        h->in_len = 0;
        return NEXT_STARTED;
    }
    start_response(conn, h, &req);
    consume_input(h, (size_t)rc);           /* req points into `in`: used up by now */
    return NEXT_STARTED;
}

/* After "Connection: close": FIN now, then read and drop until the client
 * closes too, or until the deadline (RFC 9112 §9.6). */
static enum serve_verdict begin_linger(struct serve_conn *conn, struct http_state *h)
{
    int rc;

    if (h->in_eof)
        return SERVE_CLOSE;
    if (synack_shutdown(conn->stack, conn->sock, SYNACK_SHUT_WR) < 0)
        return SERVE_ABORT;
    h->lingering = true;
    h->in_len = 0;
    conn->deadline_us = serve_now(conn) + HTTP_LINGER_US;
    rc = serve_drain_input(conn);
    if (rc < 0)
        return SERVE_ABORT;
    return rc == 1 ? SERVE_CLOSE : SERVE_KEEP;
}

static enum serve_verdict http_event(struct serve_conn *conn, uint32_t ready)
{
    struct http_state *h = conn->state;

    (void)ready;
    if (h->lingering) {
        int rc = serve_drain_input(conn);
        return rc < 0 ? SERVE_ABORT : rc == 1 ? SERVE_CLOSE : SERVE_KEEP;
    }
    for (;;) {
        if (h->responding) {
            int rc = pump_response(conn, h);
            if (rc < 0)
                return SERVE_ABORT;
            if (rc == 0)
                return SERVE_KEEP;          /* WRITABLE will bring us back */
            if (h->close_after)
                return begin_linger(conn, h);
        }
        if (fill_input(conn, h) < 0)
            return SERVE_ABORT;
        if (next_request(conn, h) == NEXT_NEED_MORE)
            return h->in_eof ? SERVE_CLOSE : SERVE_KEEP;
    }
}

static int http_open(struct serve_conn *conn)
{
    struct http_state *h = calloc(1, sizeof *h);

    if (h == NULL)
        return -SYNACK_ENOMEM;
    h->root = conn->listener->root;
    h->root_len = strlen(h->root);
    h->fd = -1;
    conn->state = h;
    return 0;
}

static void http_release(struct serve_conn *conn)
{
    struct http_state *h = conn->state;

    if (h != NULL) {
        end_response(h);
        free(h);
    }
    conn->state = NULL;
}

const struct service service_http = {
    .name = "http",
    .open = http_open,
    .event = http_event,
    .release = http_release,
};
