/*
 * peer.c — child processes for the peers of peer.h.
 */
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

#define MAX_ARGS 32
#define OUT_BYTES 65536          /* what we keep of a peer's stdout and of its stderr */
#define KILL_GRACE_SECONDS 5.0

const char *bench_peer_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("SYNACK_BENCH_DIR");
    if (env && *env) {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return "bench";
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(dir, sizeof dir, "%.*s/bench", (int)(sizeof dir - 7), exe);
    return dir;
}

bool bench_peer_path(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", bench_peer_dir(), name);
    return access(path, R_OK) == 0;
}

/* Sets out->note, cut to fit: a note is a one-line summary, and the peer's
 * last stderr line in it may be long.  (vsnprintf, not snprintf, so that
 * -Wformat-truncation does not flag the intended cut.) */
__attribute__((format(printf, 2, 3))) static void set_note(struct bench_peer_out *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->note, sizeof out->note, fmt, ap);
    va_end(ap);
}

/* Whole lines only: the last one that starts with '{'. */
static void last_json_line(const char *text, char *line, size_t len)
{
    line[0] = '\0';
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *q = p;
        while (q < p + n && (*q == ' ' || *q == '\t'))
            q++;
        if (q < p + n && *q == '{') {
            size_t k = (size_t)(p + n - q);
            if (k >= len)
                k = len - 1;
            memcpy(line, q, k);
            line[k] = '\0';
        }
        p += n + (end ? 1 : 0);
    }
}

/* The last non-empty line of text, for a note. */
static void last_line(const char *text, char *buf, size_t len)
{
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    size_t start = n;
    while (start && text[start - 1] != '\n')
        start--;
    snprintf(buf, len, "%.*s", (int)(n - start), text + start);
}

static void append(char *buf, size_t *used, const char *data, size_t n)
{
    if (*used + n > OUT_BYTES - 1)
        n = OUT_BYTES - 1 - *used;
    memcpy(buf + *used, data, n);
    *used += n;
    buf[*used] = '\0';
}

enum bench_peer_status bench_peer_run(const char *path, const char *const *args, double timeout_s,
                                      struct bench_peer_out *out)
{
    memset(out, 0, sizeof *out);
    out->status = BENCH_PEER_FAILED;
    const char *argv[MAX_ARGS + 3];
    int argc = 0;
    size_t plen = strlen(path);
    if (plen > 3 && strcmp(path + plen - 3, ".sh") == 0)
        argv[argc++] = "/bin/bash";
    argv[argc++] = path;
    for (int i = 0; args[i] && argc < MAX_ARGS + 2; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;

    int po[2], pe[2];
    if (pipe(po) < 0)
        return set_note(out, "failed: pipe: %s", strerror(errno)), out->status;
    if (pipe(pe) < 0) {
        close(po[0]);
        close(po[1]);
        return set_note(out, "failed: pipe: %s", strerror(errno)), out->status;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, po[0]);
    posix_spawn_file_actions_addclose(&fa, pe[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        set_note(out, "failed: cannot run %s: %s", path, strerror(rc));
        return out->status;
    }

    char *obuf = malloc(OUT_BYTES), *ebuf = malloc(OUT_BYTES);
    size_t oused = 0, eused = 0;
    if (obuf)
        obuf[0] = '\0';
    if (ebuf)
        ebuf[0] = '\0';
    struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    double deadline = bench_wall_seconds() + timeout_s;
    bool timed_out = false, termed = false;
    int open_fds = 2;
    while (open_fds > 0) {
        double left = deadline - bench_wall_seconds();
        if (left <= 0) {
            if (!termed) {
                kill(pid, SIGTERM);             /* lets a script's trap clean up */
                termed = timed_out = true;
                deadline = bench_wall_seconds() + KILL_GRACE_SECONDS;
                continue;
            }
            kill(pid, SIGKILL);
            break;
        }
        int n = poll(fds, 2, (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && n > 0; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t r = read(fds[i].fd, chunk, sizeof chunk);
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0 && obuf) {
                append(obuf, &oused, chunk, (size_t)r);
            } else if (i == 1 && ebuf) {
                append(ebuf, &eused, chunk, (size_t)r);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }

    char why[200] = "";
    if (ebuf)
        last_line(ebuf, why, sizeof why);
    if (obuf)
        last_json_line(obuf, out->line, sizeof out->line);
    char skipped[200];
    if (timed_out) {
        set_note(out, "failed: no result within %.0f s", timeout_s);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status))
            set_note(out, "failed: exit %d%s%s", WEXITSTATUS(status), *why ? ": " : "", why);
        else
            set_note(out, "failed: killed by signal %d", WTERMSIG(status));
    } else if (bench_json_string(out->line, "skipped", skipped, sizeof skipped)) {
        out->status = BENCH_PEER_SKIPPED;
        set_note(out, "skipped: %s", skipped);
    } else if (bench_json_number(out->line, "value", &out->value) && out->value > 0) {
        out->status = BENCH_PEER_OK;
    } else {
        set_note(out, "failed: no positive \"value\" in its output%s%s", *why ? ": " : "", why);
    }
    free(obuf);
    free(ebuf);
    return out->status;
}

/* Points just past `"key":` (and spaces) in a flat JSON object, or NULL. */
static const char *find_value(const char *line, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = strchr(line, '"'); p; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, key, klen) == 0 && p[1 + klen] == '"') {
            const char *q = p + 2 + klen;
            while (*q == ' ')
                q++;
            if (*q != ':')
                continue;
            q++;
            while (*q == ' ')
                q++;
            return q;
        }
    }
    return NULL;
}

bool bench_json_number(const char *line, const char *key, double *v)
{
    const char *q = find_value(line, key);
    if (!q || !(*q == '-' || (*q >= '0' && *q <= '9')))
        return false;
    char *end;
    *v = strtod(q, &end);
    return end != q;
}

bool bench_json_string(const char *line, const char *key, char *buf, size_t len)
{
    const char *q = find_value(line, key);
    if (!q || *q != '"' || len == 0)
        return false;
    size_t n = 0;
    for (q++; *q && *q != '"' && n + 1 < len; q++) {
        if (*q == '\\' && q[1])
            q++;
        buf[n++] = *q;
    }
    buf[n] = '\0';
    return true;
}
