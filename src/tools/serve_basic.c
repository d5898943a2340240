/*
 * serve_basic.c — the three oldest test services, for `synack serve`:
 *
 *   echo     RFC 862: every byte received is sent back.  When the client
 *            shuts down its sending side (FIN), what is still pending is
 *            echoed and then the connection is closed.
 *   discard  RFC 863: every byte received is dropped; closed when the
 *            client closes.
 *   chargen  RFC 864: the rotating character pattern is sent as fast as
 *            the send buffer drains; input is dropped; closed when the
 *            client closes (FIN) or resets.
 *
 * The RFCs also define UDP variants; only TCP is served here.
 */
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define ECHO_BUF_BYTES 32768       /* per echo connection: one recv's worth */
#define SCRATCH_BYTES 65536        /* shared by every connection: the tool is single threaded */

static uint8_t scratch[SCRATCH_BYTES];

int serve_drain_input(struct serve_conn *conn)
{
    for (;;) {
        ssize_t n = serve_recv(conn, scratch, sizeof scratch);
        if (n == -SYNACK_EAGAIN)
            return 0;
        if (n == 0)
            return 1;
        if (n < 0)
            return (int)n;
    }
}

/* ---- echo ----------------------------------------------------------------
 *
 * Invariant: buf[off, off + len) was received and not yet accepted by
 * synack_send.  Nothing more is read while it is not empty, so a client
 * that does not read its echo is slowed by TCP flow control, not by our
 * memory.
 */

struct echo_state {
    size_t off, len;
    bool eof;
    uint8_t buf[ECHO_BUF_BYTES];
};

static int echo_open(struct serve_conn *conn)
{
    conn->state = calloc(1, sizeof(struct echo_state));
    return conn->state ? 0 : -SYNACK_ENOMEM;
}

/* Sends what is pending.  Returns true when it all went. */
static bool echo_flush(struct serve_conn *conn, struct echo_state *e, int *err)
{
    while (e->len) {
        ssize_t n = serve_send(conn, e->buf + e->off, e->len);
        if (n == -SYNACK_EAGAIN)
            return false;
        if (n < 0) {
            *err = (int)n;
            return false;
        }
        e->off += (size_t)n;
        e->len -= (size_t)n;
    }
    e->off = 0;
    return true;
}

static enum serve_verdict echo_event(struct serve_conn *conn, uint32_t ready)
{
    struct echo_state *e = conn->state;

    (void)ready;
    for (;;) {
        int err = 0;
        if (!echo_flush(conn, e, &err))
            return err ? SERVE_ABORT : SERVE_KEEP;
        if (e->eof)
            return SERVE_CLOSE;            /* all echoed: our FIN follows it */
        ssize_t n = serve_recv(conn, e->buf, sizeof e->buf);
        if (n == -SYNACK_EAGAIN)
            return SERVE_KEEP;
        if (n < 0)
            return SERVE_ABORT;
        if (n == 0)
            e->eof = true;
        e->len = (size_t)n;
    }
}

static void free_state(struct serve_conn *conn)
{
    free(conn->state);
    conn->state = NULL;
}

const struct service service_echo = {
    .name = "echo",
    .open = echo_open,
    .event = echo_event,
    .release = free_state,
};

/* ---- discard ------------------------------------------------------------ */

static int discard_open(struct serve_conn *conn)
{
    conn->state = NULL;
    return 0;
}

static enum serve_verdict discard_event(struct serve_conn *conn, uint32_t ready)
{
    int rc = serve_drain_input(conn);

    (void)ready;
    if (rc < 0)
        return SERVE_ABORT;
    return rc == 1 ? SERVE_CLOSE : SERVE_KEEP;
}

static void discard_release(struct serve_conn *conn)
{
    (void)conn;
}

const struct service service_discard = {
    .name = "discard",
    .open = discard_open,
    .event = discard_event,
    .release = discard_release,
};

/* ---- chargen --------------------------------------------------------------
 *
 * RFC 864, "Data Syntax": number the 95 printable ASCII characters 0 to
 * 94 (32 ' ' to 126 '~') and think of them as a ring; line N holds the 72
 * characters N to N + 71 (mod 95), then CR LF.  The pattern repeats after
 * 95 lines (7,030 bytes).  chargen_text holds one cycle followed by enough
 * of the next for a send to start anywhere in the first cycle and take
 * CHARGEN_SEND_BYTES contiguous bytes.
 */

#define CHARGEN_PRINTABLE 95
#define CHARGEN_LINE_CHARS 72
#define CHARGEN_LINE_BYTES (CHARGEN_LINE_CHARS + 2)
#define CHARGEN_CYCLE_BYTES (CHARGEN_PRINTABLE * CHARGEN_LINE_BYTES)
#define CHARGEN_SEND_BYTES SCRATCH_BYTES

static uint8_t chargen_text[CHARGEN_CYCLE_BYTES + CHARGEN_SEND_BYTES];
static bool chargen_built;

static void chargen_build(void)
{
    for (size_t i = 0; i < sizeof chargen_text; i++) {
        size_t line = i / CHARGEN_LINE_BYTES % CHARGEN_PRINTABLE;
        size_t col = i % CHARGEN_LINE_BYTES;
        if (col == CHARGEN_LINE_CHARS)
            chargen_text[i] = '\r';
        else if (col == CHARGEN_LINE_CHARS + 1)
            chargen_text[i] = '\n';
        else
            chargen_text[i] = (uint8_t)(' ' + (line + col) % CHARGEN_PRINTABLE);
    }
    chargen_built = true;
}

struct chargen_state {
    size_t pos;               /* offset in the cycle of the next byte to send */
};

static int chargen_open(struct serve_conn *conn)
{
    if (!chargen_built)
        chargen_build();
    conn->state = calloc(1, sizeof(struct chargen_state));
    return conn->state ? 0 : -SYNACK_ENOMEM;
}

static enum serve_verdict chargen_event(struct serve_conn *conn, uint32_t ready)
{
    struct chargen_state *cg = conn->state;
    int rc = serve_drain_input(conn);

    (void)ready;
    if (rc < 0)
        return SERVE_ABORT;
    if (rc == 1)
        return SERVE_CLOSE;           /* the client closed: stop */
    for (;;) {
        ssize_t n = serve_send(conn, chargen_text + cg->pos, CHARGEN_SEND_BYTES);
        if (n == -SYNACK_EAGAIN)
            return SERVE_KEEP;        /* WRITABLE comes back when ACKs free space */
        if (n < 0)
            return SERVE_ABORT;
        cg->pos = (cg->pos + (size_t)n) % CHARGEN_CYCLE_BYTES;
    }
}

const struct service service_chargen = {
    .name = "chargen",
    .open = chargen_open,
    .event = chargen_event,
    .release = free_state,
};
