/*
 * peer.h — running a peer (the lwIP or Linux side of a workload) as a child
 * process and reading the one JSON line it prints.
 *
 * Peers live in the directory `bench` beside the synack executable
 * (readlink /proc/self/exe), or in $SYNACK_BENCH_DIR:
 *   synack-bench-lwip   bulk|churn|pingpong|idle ...   (bench/peers/lwip_*.c)
 *   linux.sh            bulk|churn|pingpong|lossy ...  (bench/peers/linux.sh)
 * Each prints {"peer":..,"workload":..,"value":N,"unit":..,...} and exits
 * 0, or prints {"peer":..,"workload":..,"skipped":"why"} and exits 0, or
 * exits non-zero with a message on stderr.
 */
#ifndef SYNACK_BENCH_PEER_H
#define SYNACK_BENCH_PEER_H

#include <stdbool.h>
#include <stddef.h>

enum bench_peer_status {
    BENCH_PEER_OK,
    BENCH_PEER_MISSING,      /* not built / not found */
    BENCH_PEER_SKIPPED,      /* it said why (e.g. needs root) */
    BENCH_PEER_FAILED,       /* non-zero exit, timeout, or no usable JSON */
};

struct bench_peer_out {
    enum bench_peer_status status;
    double value;
    char note[240];          /* why there is no value */
    char line[4096];         /* the JSON line */
};

/* The peers' directory: $SYNACK_BENCH_DIR, else <dir of this executable>/bench. */
const char *bench_peer_dir(void);

/* Full path of peer `name` in that directory, and whether it exists. */
bool bench_peer_path(const char *name, char *path, size_t len);

/* Runs `path` with argv[1..] = args (NULL-terminated), at most timeout_s
 * seconds (then SIGTERM, and SIGKILL 5 s later).  Scripts (*.sh) run
 * through /bin/bash.  Fills *out; returns out->status. */
enum bench_peer_status bench_peer_run(const char *path, const char *const *args, double timeout_s,
                                      struct bench_peer_out *out);

/* A number or a string member of a one-line JSON object (flat keys only). */
bool bench_json_number(const char *line, const char *key, double *v);
bool bench_json_string(const char *line, const char *key, char *buf, size_t len);

#endif
