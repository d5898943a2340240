/*
 * suite.c — the plan of `synack bench` (suite.h): sizes, repetitions, and
 * synack alternating with its peers.
 */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "peer.h"
#include "suite.h"

const char *const bench_workload_names[BENCH_WORKLOADS] = {"limit", "bulk", "pingpong", "churn", "lossy", "idle"};
const double bench_loss_rates[BENCH_LOSS_RATES] = {0, 0.001, 0.01};
const char *const bench_loss_names[BENCH_LOSS_RATES] = {"0", "0.1", "1"};

#define LWIP_PEER "synack-bench-lwip"
#define LINUX_PEER "linux.sh"

void bench_options_defaults(struct bench_options *o, bool quick)
{
    memset(o, 0, sizeof *o);
    o->quick = quick;
    o->peers = true;
    if (!quick) {
        o->reps[BENCH_LIMIT] = 20;       /* timed runs of each speed, the best kept */
        o->reps[BENCH_BULK] = 5;
        o->reps[BENCH_PINGPONG] = 5;
        o->reps[BENCH_CHURN] = 3;
        o->reps[BENCH_LOSSY] = 3;        /* three seeds */
        o->reps[BENCH_IDLE] = 1;
        o->bulk_bytes = 2ull << 30;
        o->churn_count = 1000000;
        o->churn_concurrency = 10000;
        o->pingpong_rounds = 1000000;
        o->idle_count = 1000000;
        o->lossy_seconds = 20;
        o->linux_bulk_seconds = 5;
        o->limit_seconds = 0.05;
        o->peer_timeout = 600;
    } else {
        o->reps[BENCH_LIMIT] = 10;
        o->reps[BENCH_BULK] = 3;
        o->reps[BENCH_PINGPONG] = 3;
        o->reps[BENCH_CHURN] = 2;
        o->reps[BENCH_LOSSY] = 1;
        o->reps[BENCH_IDLE] = 1;
        /* lwIP's linear lists make its churn and idle runs quadratic in
         * the connections open at once: quick keeps them small. */
        o->bulk_bytes = 256ull << 20;
        o->churn_count = 10000;
        o->churn_concurrency = 1000;
        o->pingpong_rounds = 50000;
        o->idle_count = 10000;
        o->lossy_seconds = 2;
        o->linux_bulk_seconds = 2;
        o->limit_seconds = 0.03;
        o->peer_timeout = 120;
    }
}

struct peers {
    bool lwip_ok, linux_ok;
    char lwip[PATH_MAX], linux_sh[PATH_MAX];
};

static void synack_failed(struct bench_results *r, struct bench_series *s, const char *err, FILE *progress)
{
    snprintf(s->note, sizeof s->note, "failed: %.220s", err);
    if (r->failures++ == 0)
        snprintf(r->first_error, sizeof r->first_error, "%s", err);
    fprintf(progress, "bench: synack FAILED: %s\n", err);
}

/* One run of a peer into `s`; out->line keeps its JSON for extras.  A peer
 * that is missing, skipped itself or failed is not run again for this
 * series (a second try would only cost time). */
static bool run_peer(const struct bench_options *o, bool have, const char *path, const char *const *args,
                     struct bench_series *s, struct bench_peer_out *out, const char *label, FILE *progress)
{
    if (s->note[0])
        return false;
    if (!o->peers) {
        snprintf(s->note, sizeof s->note, "not run (--no-peers)");
        return false;
    }
    if (!have) {
        snprintf(s->note, sizeof s->note, "not built (no %s)", path);
        fprintf(progress, "bench: %-36s %s\n", label, s->note);
        return false;
    }
    bench_peer_run(path, args, o->peer_timeout, out);
    if (out->status != BENCH_PEER_OK) {
        snprintf(s->note, sizeof s->note, "%s", out->note);
        fprintf(progress, "bench: %-36s %s\n", label, out->note);
        return false;
    }
    bench_series_add(s, out->value);
    fprintf(progress, "bench: %-36s %.4g\n", label, out->value);
    return true;
}

/* A peer's "client_addresses", whether a string or a count. */
static void client_addresses(const char *line, char *buf, size_t len)
{
    double v;
    if (bench_json_string(line, "client_addresses", buf, len))
        return;
    if (bench_json_number(line, "client_addresses", &v))
        snprintf(buf, len, "%.0f client addresses", v);
}

/* An extra figure of a peer's line that has no value: why (the main
 * series' note, or "not reported"). */
static void note_missing(struct bench_series *s, const struct bench_series *main_s)
{
    if (!bench_series_has(s) && !s->note[0])
        snprintf(s->note, sizeof s->note, "%s", main_s->note[0] ? main_s->note : "not reported");
}

static void run_limit(const struct bench_options *o, struct bench_results *r, FILE *progress)
{
    struct bench_limit_result lr;
    char err[256];
    fprintf(progress, "bench: limit: memcpy and checksum of 1460-byte buffers (%d x %.2f s each)\n",
            o->reps[BENCH_LIMIT], o->limit_seconds);
    if (bench_limit(o->reps[BENCH_LIMIT], o->limit_seconds, &lr, err, sizeof err) < 0) {
        synack_failed(r, &r->limit_gbps, err, progress);
        return;
    }
    bench_series_add(&r->memcpy_gbps, lr.memcpy_gbps);
    bench_series_add(&r->csum_gbps, lr.csum_gbps);
    bench_series_add(&r->copy_csum_gbps, lr.copy_csum_gbps);
    bench_series_add(&r->limit_gbps, lr.limit_gbps);
    bench_series_add(&r->limit_offload_gbps, lr.limit_offload_gbps);
    fprintf(progress,
            "bench: limit: memcpy %.1f, checksum %.1f, copy+checksum %.1f Gbit/s: limit %.2f Gbit/s (offload %.2f)\n",
            lr.memcpy_gbps, lr.csum_gbps, lr.copy_csum_gbps, lr.limit_gbps, lr.limit_offload_gbps);
}

static void run_bulk(const struct bench_options *o, const struct peers *pp, struct bench_results *r, FILE *progress)
{
    static const struct {
        const char *label;
        bool window64k, offload;
        size_t series;          /* offset in bench_results */
    } cfgs[] = {
        {"64 KiB window", true, false, offsetof(struct bench_results, bulk64k)},
        {"defaults", false, false, offsetof(struct bench_results, bulk_default)},
        {"defaults, checksum offload", false, true, offsetof(struct bench_results, bulk_offload)},
    };
    char bytes[32], secs[32], label[96];
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)o->bulk_bytes);
    snprintf(secs, sizeof secs, "%g", o->linux_bulk_seconds);
    for (int rep = 0; rep < o->reps[BENCH_BULK]; rep++) {
        for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
            struct bench_series *s = (struct bench_series *)((char *)r + cfgs[i].series);
            if (s->note[0])
                continue;
            struct bench_bulk_params bp = {.bytes = o->bulk_bytes, .window64k = cfgs[i].window64k,
                                           .csum_offload = cfgs[i].offload, .full_verify = o->full_verify,
                                           .corrupt_packet = o->corrupt_packet};
            struct bench_clock clk = {0};
            struct bench_bulk_result br;
            char err[256];
            if (bench_bulk(&bp, &clk, &br, err, sizeof err) < 0) {
                synack_failed(r, s, err, progress);
                continue;
            }
            bench_series_add(s, br.gbps);
            if (!cfgs[i].window64k && !cfgs[i].offload)
                r->bulk_last = br;
            fprintf(progress, "bench: bulk %d/%d synack %-26s %.2f Gbit/s (%.3f s, %llu packets, %llu retransmitted)\n",
                    rep + 1, o->reps[BENCH_BULK], cfgs[i].label, br.gbps, br.seconds,
                    (unsigned long long)br.packets, (unsigned long long)br.retrans_segs);
        }
        struct bench_peer_out out;
        const char *la[] = {"bulk", "--bytes", bytes, NULL};
        snprintf(label, sizeof label, "bulk %d/%d lwip", rep + 1, o->reps[BENCH_BULK]);
        run_peer(o, pp->lwip_ok, pp->lwip, la, &r->lwip_bulk, &out, label, progress);
        const char *off[] = {"bulk", "--offload", "off", "--seconds", secs, NULL};
        snprintf(label, sizeof label, "bulk %d/%d linux offload off", rep + 1, o->reps[BENCH_BULK]);
        run_peer(o, pp->linux_ok, pp->linux_sh, off, &r->linux_bulk_off, &out, label, progress);
        const char *on[] = {"bulk", "--offload", "on", "--seconds", secs, NULL};
        snprintf(label, sizeof label, "bulk %d/%d linux offload on", rep + 1, o->reps[BENCH_BULK]);
        run_peer(o, pp->linux_ok, pp->linux_sh, on, &r->linux_bulk_on, &out, label, progress);
    }
}

static void run_pingpong(const struct bench_options *o, const struct peers *pp, struct bench_results *r,
                         FILE *progress)
{
    char rounds[32], label[96];
    snprintf(rounds, sizeof rounds, "%llu", (unsigned long long)o->pingpong_rounds);
    for (int rep = 0; rep < o->reps[BENCH_PINGPONG]; rep++) {
        if (!r->pingpong.note[0]) {
            struct bench_pingpong_params p = {.rounds = o->pingpong_rounds};
            struct bench_clock clk = {0};
            struct bench_pingpong_result pr;
            char err[256];
            if (bench_pingpong(&p, &clk, &pr, err, sizeof err) < 0) {
                synack_failed(r, &r->pingpong, err, progress);
            } else {
                bench_series_add(&r->pingpong, pr.rtps);
                fprintf(progress, "bench: pingpong %d/%d synack %15s %.0f round trips/s (%.3f s)\n", rep + 1,
                        o->reps[BENCH_PINGPONG], "", pr.rtps, pr.seconds);
            }
        }
        struct bench_peer_out out;
        const char *args[] = {"pingpong", "--rounds", rounds, NULL};
        snprintf(label, sizeof label, "pingpong %d/%d lwip", rep + 1, o->reps[BENCH_PINGPONG]);
        run_peer(o, pp->lwip_ok, pp->lwip, args, &r->lwip_pingpong, &out, label, progress);
        snprintf(label, sizeof label, "pingpong %d/%d linux", rep + 1, o->reps[BENCH_PINGPONG]);
        run_peer(o, pp->linux_ok, pp->linux_sh, args, &r->linux_pingpong, &out, label, progress);
    }
}

static void run_churn(const struct bench_options *o, const struct peers *pp, struct bench_results *r,
                      FILE *progress)
{
    char count[32], conc[32], label[96];
    snprintf(count, sizeof count, "%llu", (unsigned long long)o->churn_count);
    snprintf(conc, sizeof conc, "%u", o->churn_concurrency);
    for (int rep = 0; rep < o->reps[BENCH_CHURN]; rep++) {
        if (!r->churn.note[0]) {
            struct bench_churn_params p = {.count = o->churn_count, .concurrency = o->churn_concurrency};
            struct bench_clock clk = {0};
            struct bench_churn_result cr;
            char err[256];
            if (bench_churn(&p, &clk, &cr, err, sizeof err) < 0) {
                synack_failed(r, &r->churn, err, progress);
            } else {
                bench_series_add(&r->churn, cr.cps);
                if (cr.first1000_cps > 0)
                    bench_series_add(&r->churn_first, cr.first1000_cps);
                if (cr.last10_cps > 0)
                    bench_series_add(&r->churn_last10, cr.last10_cps);
                r->churn_info = cr;
                fprintf(progress,
                        "bench: churn %d/%d synack %17s %.0f conn/s (%.3f s; first 1000 %.0f/s, last 10%% %.0f/s; "
                        "%llu in TIME_WAIT)\n",
                        rep + 1, o->reps[BENCH_CHURN], "", cr.cps, cr.seconds, cr.first1000_cps, cr.last10_cps,
                        (unsigned long long)cr.time_wait);
            }
        }
        struct bench_peer_out out;
        const char *args[] = {"churn", "--count", count, "--concurrency", conc, NULL};
        snprintf(label, sizeof label, "churn %d/%d lwip", rep + 1, o->reps[BENCH_CHURN]);
        if (run_peer(o, pp->lwip_ok, pp->lwip, args, &r->lwip_churn, &out, label, progress)) {
            double v;
            if (bench_json_number(out.line, "first_1000_cps", &v) && v > 0)
                bench_series_add(&r->lwip_churn_first, v);
            if (bench_json_number(out.line, "last_10pct_cps", &v) && v > 0)
                bench_series_add(&r->lwip_churn_last10, v);
            client_addresses(out.line, r->lwip_churn_clients, sizeof r->lwip_churn_clients);
        }
        snprintf(label, sizeof label, "churn %d/%d linux", rep + 1, o->reps[BENCH_CHURN]);
        if (run_peer(o, pp->linux_ok, pp->linux_sh, args, &r->linux_churn, &out, label, progress))
            client_addresses(out.line, r->linux_churn_clients, sizeof r->linux_churn_clients);
    }
    note_missing(&r->lwip_churn_first, &r->lwip_churn);
    note_missing(&r->lwip_churn_last10, &r->lwip_churn);
}

static void run_lossy(const struct bench_options *o, const struct peers *pp, struct bench_results *r,
                      FILE *progress)
{
    char secs[32], loss[32], label[96];
    snprintf(secs, sizeof secs, "%g", o->lossy_seconds);
    for (int rep = 0; rep < o->reps[BENCH_LOSSY]; rep++) {
        for (int i = 0; i < BENCH_LOSS_RATES; i++) {
            if (!r->lossy[i].note[0]) {
                struct bench_lossy_params p = {.loss = bench_loss_rates[i], .seconds = o->lossy_seconds,
                                               .seed = (uint64_t)rep + 1, .full_verify = o->full_verify};
                struct bench_lossy_result lr;
                char err[256];
                if (bench_lossy(&p, &lr, err, sizeof err) < 0) {
                    synack_failed(r, &r->lossy[i], err, progress);
                } else {
                    bench_series_add(&r->lossy[i], lr.mbps);
                    r->lossy_info[i] = lr;
                    fprintf(progress,
                            "bench: lossy %d/%d synack loss %-4s%% %10s %.1f Mbit/s (seed %d; %llu lost, %llu queue "
                            "drops, %llu retransmitted; %.1f s wall)\n",
                            rep + 1, o->reps[BENCH_LOSSY], bench_loss_names[i], "", lr.mbps, rep + 1,
                            (unsigned long long)lr.lost, (unsigned long long)lr.queue_drops,
                            (unsigned long long)lr.retrans_segs, lr.wall_seconds);
                }
            }
            struct bench_peer_out out;
            snprintf(loss, sizeof loss, "%g", bench_loss_rates[i]);
            char seed[16];
            snprintf(seed, sizeof seed, "%d", rep + 1);   /* the seed synack's run of this repetition uses */
            const char *args[] = {"lossy", "--loss", loss, "--seconds", secs, "--seed", seed, NULL};
            snprintf(label, sizeof label, "lossy %d/%d linux loss %s%%", rep + 1, o->reps[BENCH_LOSSY],
                     bench_loss_names[i]);
            run_peer(o, pp->linux_ok, pp->linux_sh, args, &r->linux_lossy[i], &out, label, progress);
        }
    }
}

static void run_idle(const struct bench_options *o, const struct peers *pp, struct bench_results *r, FILE *progress)
{
    char count[32], label[96];
    snprintf(count, sizeof count, "%llu", (unsigned long long)o->idle_count);
    for (int rep = 0; rep < o->reps[BENCH_IDLE]; rep++) {
        if (!r->idle_endpoint.note[0]) {
            struct bench_idle_params p = {.count = o->idle_count};
            struct bench_clock clk = {0};
            struct bench_idle_result ir;
            char err[256];
            if (bench_idle(&p, &clk, &ir, err, sizeof err) < 0) {
                synack_failed(r, &r->idle_endpoint, err, progress);
            } else {
                bench_series_add(&r->idle_endpoint, ir.bytes_per_endpoint);
                bench_series_add(&r->idle_pair, ir.bytes_per_conn_pair);
                bench_series_add(&r->idle_rss, (double)ir.rss_bytes);
                bench_series_add(&r->idle_rss_growth, (double)ir.rss_growth_bytes);
                r->idle_info = ir;
                fprintf(progress,
                        "bench: idle %d/%d synack %llu connections: %.0f bytes per endpoint (%.0f client, %.0f "
                        "server), RSS %.1f MiB (+%.1f MiB; %.1f s to open)\n",
                        rep + 1, o->reps[BENCH_IDLE], (unsigned long long)ir.count, ir.bytes_per_endpoint,
                        ir.client_bytes_per_conn, ir.server_bytes_per_conn, (double)ir.rss_bytes / 1048576,
                        (double)ir.rss_growth_bytes / 1048576, ir.setup_seconds);
            }
        }
        struct bench_peer_out out;
        const char *args[] = {"idle", "--count", count, NULL};
        snprintf(label, sizeof label, "idle %d/%d lwip", rep + 1, o->reps[BENCH_IDLE]);
        /* lwIP reports bytes per endpoint pair as its value; per endpoint
         * when it says so (bytes_per_endpoint). */
        if (run_peer(o, pp->lwip_ok, pp->lwip, args, &r->lwip_idle_endpoint, &out, label, progress)) {
            double v;
            if (bench_json_number(out.line, "bytes_per_endpoint", &v) && v > 0)
                r->lwip_idle_endpoint.v[r->lwip_idle_endpoint.n - 1] = v;
        }
    }
}

int bench_suite_run(const struct bench_options *o, struct bench_results *r, FILE *progress)
{
    memset(r, 0, sizeof *r);
    r->opt = *o;
    bench_machine(&r->machine);
    struct peers pp;
    memset(&pp, 0, sizeof pp);
    pp.lwip_ok = bench_peer_path(LWIP_PEER, pp.lwip, sizeof pp.lwip) && access(pp.lwip, X_OK) == 0;
    pp.linux_ok = bench_peer_path(LINUX_PEER, pp.linux_sh, sizeof pp.linux_sh);
    if (o->peers)
        fprintf(progress, "bench: peers from %s: lwip %s, linux %s\n", bench_peer_dir(),
                pp.lwip_ok ? "found" : "not built", pp.linux_ok ? "found" : "not found");
    for (int w = 0; w < BENCH_WORKLOADS; w++) {
        if (o->only && !(o->only & (1u << w)))
            continue;
        r->ran[w] = true;
        switch (w) {
        case BENCH_LIMIT: run_limit(o, r, progress); break;
        case BENCH_BULK: run_bulk(o, &pp, r, progress); break;
        case BENCH_PINGPONG: run_pingpong(o, &pp, r, progress); break;
        case BENCH_CHURN: run_churn(o, &pp, r, progress); break;
        case BENCH_LOSSY: run_lossy(o, &pp, r, progress); break;
        case BENCH_IDLE: run_idle(o, &pp, r, progress); break;
        }
    }
    return r->failures;
}
