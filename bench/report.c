/*
 * report.c — the table and the JSON object of `synack bench`.
 *
 * Each row compares one synack figure with one peer's (ratio of medians,
 * synack/peer) and, where the issue sets one, shows the target and whether
 * it was met.  A peer without a value is shown as such, with the reason
 * below the table and null in the JSON: never a made-up number.
 */
#include <math.h>
#include <stdio.h>

#include "json.h"
#include "peer.h"
#include "suite.h"

enum target_kind {
    T_NONE,
    T_RATIO_MIN,     /* synack/peer >= target */
    T_ABS_MIN,       /* synack >= target */
    T_ABS_MAX,       /* synack <= target */
};

struct row {
    const char *workload;
    char config[96];
    const char *unit;
    const struct bench_series *syn;
    const char *peer;                /* NULL: no peer */
    const struct bench_series *peer_s;
    enum target_kind kind;
    double target;
    char target_text[48];
    bool target_na;                  /* the target needs the full size */
};

#define MAX_ROWS 32

struct table {
    struct row rows[MAX_ROWS];
    int n;
    struct bench_series limit_fraction, limit_fraction_64k, limit_fraction_offload;   /* derived */
};

static struct row *add(struct table *t, const char *workload, const char *config, const char *unit,
                       const struct bench_series *syn, const char *peer, const struct bench_series *peer_s)
{
    struct row *w = &t->rows[t->n++];
    memset(w, 0, sizeof *w);
    w->workload = workload;
    snprintf(w->config, sizeof w->config, "%s", config);
    w->unit = unit;
    w->syn = syn;
    w->peer = peer;
    w->peer_s = peer_s;
    return w;
}

static void target(struct row *w, enum target_kind kind, double value, const char *text)
{
    w->kind = kind;
    w->target = value;
    snprintf(w->target_text, sizeof w->target_text, "%s", text);
}

/* Each repetition's figure over the median of `den`. */
static void fraction_series(struct bench_series *out, const struct bench_series *num, const struct bench_series *den)
{
    memset(out, 0, sizeof *out);
    double d = bench_series_median(den);
    if (!bench_series_has(num) || !bench_series_has(den) || !(d > 0)) {
        snprintf(out->note, sizeof out->note, "needs bulk and limit");
        return;
    }
    for (int i = 0; i < num->n; i++)
        bench_series_add(out, num->v[i] / d);
}

static void build(struct table *t, const struct bench_results *r)
{
    memset(t, 0, sizeof *t);
    const struct bench_options *o = &r->opt;
    char cfg[96];
    if (r->ran[BENCH_BULK]) {
        struct row *w = add(t, "bulk", "64 KiB window", "Gbit/s", &r->bulk64k, "lwip", &r->lwip_bulk);
        target(w, T_RATIO_MIN, 2.0, ">= 2.0x lwIP");
        w = add(t, "bulk", "defaults", "Gbit/s", &r->bulk_default, "linux (offloads off)", &r->linux_bulk_off);
        target(w, T_RATIO_MIN, 3.0, ">= 3.0x Linux");
        add(t, "bulk", "defaults, checksum offload", "Gbit/s", &r->bulk_offload, "linux (offloads on)",
            &r->linux_bulk_on);
    }
    if (r->ran[BENCH_LIMIT]) {
        add(t, "limit", "copy-bound limit", "Gbit/s", &r->limit_gbps, NULL, NULL);
        add(t, "limit", "copy-bound limit, checksum offload", "Gbit/s", &r->limit_offload_gbps, NULL, NULL);
    }
    if (r->ran[BENCH_LIMIT] && r->ran[BENCH_BULK]) {
        fraction_series(&t->limit_fraction, &r->bulk_default, &r->limit_gbps);
        fraction_series(&t->limit_fraction_64k, &r->bulk64k, &r->limit_gbps);
        fraction_series(&t->limit_fraction_offload, &r->bulk_offload, &r->limit_offload_gbps);
        struct row *w = add(t, "limit", "bulk defaults / limit", "fraction", &t->limit_fraction, NULL, NULL);
        target(w, T_ABS_MIN, 0.5, ">= 0.50");
        add(t, "limit", "bulk 64 KiB / limit", "fraction", &t->limit_fraction_64k, NULL, NULL);
        add(t, "limit", "bulk offload / offload limit", "fraction", &t->limit_fraction_offload, NULL, NULL);
    }
    if (r->ran[BENCH_CHURN]) {
        snprintf(cfg, sizeof cfg, "%llu, %u at once", (unsigned long long)o->churn_count, o->churn_concurrency);
        struct row *w = add(t, "churn", cfg, "conn/s", &r->churn, "lwip", &r->lwip_churn);
        target(w, T_ABS_MIN, 500000, ">= 500,000/s");
        w->target_na = o->churn_count < 1000000;
        w = add(t, "churn", cfg, "conn/s", &r->churn, "linux", &r->linux_churn);
        target(w, T_RATIO_MIN, 10.0, ">= 10x Linux");
        add(t, "churn", "first 1000", "conn/s", &r->churn_first, "lwip", &r->lwip_churn_first);
        add(t, "churn", "last 10%", "conn/s", &r->churn_last10, "lwip", &r->lwip_churn_last10);
    }
    if (r->ran[BENCH_PINGPONG]) {
        snprintf(cfg, sizeof cfg, "%llu rounds, NODELAY", (unsigned long long)o->pingpong_rounds);
        add(t, "pingpong", cfg, "rt/s", &r->pingpong, "lwip", &r->lwip_pingpong);
        struct row *w = add(t, "pingpong", cfg, "rt/s", &r->pingpong, "linux", &r->linux_pingpong);
        target(w, T_RATIO_MIN, 20.0, ">= 20x Linux");
    }
    if (r->ran[BENCH_IDLE]) {
        snprintf(cfg, sizeof cfg, "%llu conns, per endpoint", (unsigned long long)o->idle_count);
        struct row *w = add(t, "idle", cfg, "bytes", &r->idle_endpoint, "lwip", &r->lwip_idle_endpoint);
        target(w, T_ABS_MAX, 512, "<= 512 B");
        snprintf(cfg, sizeof cfg, "%llu conns, per pair (2 endpoints)", (unsigned long long)o->idle_count);
        add(t, "idle", cfg, "bytes", &r->idle_pair, NULL, NULL);
        snprintf(cfg, sizeof cfg, "RSS, %llu conns open", (unsigned long long)o->idle_count);
        w = add(t, "idle", cfg, "MiB", &r->idle_rss, NULL, NULL);
        target(w, T_ABS_MAX, 1024.0 * 1048576, "< 1 GiB at 1,000,000");
        w->target_na = o->idle_count != 1000000;
    }
    if (r->ran[BENCH_LOSSY]) {
        for (int i = 0; i < BENCH_LOSS_RATES; i++) {
            snprintf(cfg, sizeof cfg, "1 Gbit/s, 10 ms, loss %s%%", bench_loss_names[i]);
            struct row *w = add(t, "lossy", cfg, "Mbit/s", &r->lossy[i], "linux", &r->linux_lossy[i]);
            if (i == BENCH_LOSS_RATES - 1)
                target(w, T_RATIO_MIN, 1.0, ">= 1.0x Linux");
        }
    }
}

/* 1,234,567 / 123.4 / 12.34 / 1.234 */
static void fmt_num(char *buf, size_t len, double v, const char *unit)
{
    if (isnan(v)) {
        snprintf(buf, len, "-");
    } else if (strcmp(unit, "MiB") == 0) {
        snprintf(buf, len, "%.1f", v / 1048576);
    } else if (fabs(v) >= 1000) {
        char digits[32];
        snprintf(digits, sizeof digits, "%.0f", v);
        size_t n = strlen(digits), o = 0;
        for (size_t i = 0; i < n && o + 2 < len; i++) {
            buf[o++] = digits[i];
            size_t rest = n - i - 1;
            if (rest && rest % 3 == 0 && digits[i] != '-')
                buf[o++] = ',';
        }
        buf[o] = '\0';
    } else if (fabs(v) >= 100) {
        snprintf(buf, len, "%.1f", v);
    } else if (fabs(v) >= 10) {
        snprintf(buf, len, "%.2f", v);
    } else {
        snprintf(buf, len, "%.3f", v);
    }
}

static void fmt_series(char *buf, size_t len, const struct bench_series *s, const char *unit)
{
    if (!bench_series_has(s)) {
        snprintf(buf, len, "n/a");
        return;
    }
    char m[32], lo[32], hi[32];
    fmt_num(m, sizeof m, bench_series_median(s), unit);
    if (s->n == 1) {
        snprintf(buf, len, "%s", m);
        return;
    }
    fmt_num(lo, sizeof lo, bench_series_min(s), unit);
    fmt_num(hi, sizeof hi, bench_series_max(s), unit);
    snprintf(buf, len, "%s [%s-%s]", m, lo, hi);
}

/* 1: met, 0: missed, -1: cannot tell. */
static int target_met(const struct row *w)
{
    if (w->kind == T_NONE || w->target_na)
        return -1;
    double v = w->kind == T_RATIO_MIN ? bench_series_ratio(w->syn, w->peer_s) : bench_series_median(w->syn);
    if (isnan(v))
        return -1;
    return w->kind == T_ABS_MAX ? v <= w->target : v >= w->target;
}

static const char *met_text(int met) { return met < 0 ? "n/a" : met ? "met" : "MISSED"; }

enum { C_WORK, C_CONF, C_UNIT, C_SYN, C_PEER, C_PVAL, C_RATIO, C_TARGET, C_MET, COLS };

void bench_report_table(FILE *out, const struct bench_results *r)
{
    static const char *const head[COLS] = {"workload", "configuration", "unit", "synack median [min-max]", "peer",
                                           "peer median [min-max]", "synack/peer", "target", ""};
    struct table t;
    build(&t, r);
    static char cells[MAX_ROWS][COLS][112];
    char notes[MAX_ROWS][300];
    int nnotes = 0;
    int width[COLS];
    for (int c = 0; c < COLS; c++)
        width[c] = (int)strlen(head[c]);
    for (int i = 0; i < t.n; i++) {
        const struct row *w = &t.rows[i];
        char(*cell)[112] = cells[i];
        snprintf(cell[C_WORK], 112, "%s", w->workload);
        snprintf(cell[C_CONF], 112, "%s", w->config);
        snprintf(cell[C_UNIT], 112, "%s", w->unit);
        fmt_series(cell[C_SYN], 112, w->syn, w->unit);
        if (!bench_series_has(w->syn) && w->syn->note[0]) {
            snprintf(notes[nnotes], sizeof notes[0], "synack %s %s: %s", w->workload, w->config, w->syn->note);
            snprintf(cell[C_SYN], 112, "n/a [%d]", ++nnotes);
        }
        snprintf(cell[C_PEER], 112, "%s", w->peer ? w->peer : "");
        cell[C_PVAL][0] = cell[C_RATIO][0] = '\0';
        if (w->peer) {
            fmt_series(cell[C_PVAL], 112, w->peer_s, w->unit);
            if (!bench_series_has(w->peer_s)) {
                int k = -1;
                for (int j = 0; j < nnotes; j++)
                    if (strstr(notes[j], w->peer_s->note) && strncmp(notes[j], w->peer, strlen(w->peer)) == 0)
                        k = j;
                if (k < 0) {
                    snprintf(notes[nnotes], sizeof notes[0], "%s: %s", w->peer,
                             w->peer_s->note[0] ? w->peer_s->note : "no value");
                    k = nnotes++;
                }
                snprintf(cell[C_PVAL], 112, "n/a [%d]", k + 1);
            }
            double ratio = bench_series_ratio(w->syn, w->peer_s);
            if (!isnan(ratio))
                snprintf(cell[C_RATIO], 112, "%.2fx", ratio);
        }
        snprintf(cell[C_TARGET], 112, "%s", w->target_text);
        snprintf(cell[C_MET], 112, "%s", w->kind == T_NONE ? "" : met_text(target_met(w)));
        for (int c = 0; c < COLS; c++)
            if ((int)strlen(cell[c]) > width[c])
                width[c] = (int)strlen(cell[c]);
    }
    for (int c = 0; c < COLS; c++)
        fprintf(out, "%-*s%s", width[c], head[c], c + 1 < COLS ? "  " : "\n");
    for (int c = 0; c < COLS; c++) {
        for (int k = 0; k < width[c]; k++)
            fputc('-', out);
        fputs(c + 1 < COLS ? "  " : "\n", out);
    }
    for (int i = 0; i < t.n; i++)
        for (int c = 0; c < COLS; c++)
            fprintf(out, "%-*s%s", width[c], cells[i][c], c + 1 < COLS ? "  " : "\n");
    for (int i = 0; i < nnotes; i++)
        fprintf(out, "[%d] %s\n", i + 1, notes[i]);

    fputc('\n', out);
    const struct bench_options *o = &r->opt;
    fprintf(out, "machine: %s, %d cores, %s\n", r->machine.cpu, r->machine.cores, r->machine.kernel);
    fprintf(out, "mode: %s; medians of repetitions alternating synack, lwip, linux\n", o->quick ? "quick" : "full");
    if (r->ran[BENCH_BULK])
        fprintf(out,
                "bulk: %llu bytes one way, MSS 1460, two stacks in one process, each packet copied once by the "
                "link; software checksums both ends unless \"checksum offload\"; data %s; Linux: iperf3 %g s "
                "over loopback (MTU 1500) in a namespace, paying system calls\n",
                (unsigned long long)o->bulk_bytes,
                o->full_verify ? "compared byte for byte" : "checked by sample (8 bytes every 512)",
                o->linux_bulk_seconds);
    if (r->ran[BENCH_LIMIT] && bench_series_has(&r->limit_gbps))
        fprintf(out, "limit: memcpy %.1f, checksum %.1f, copy+checksum %.1f Gbit/s; %s\n",
                bench_series_median(&r->memcpy_gbps), bench_series_median(&r->csum_gbps),
                bench_series_median(&r->copy_csum_gbps), bench_limit_formula);
    if (r->ran[BENCH_CHURN]) {
        const struct bench_churn_result *c = &r->churn_info;
        fprintf(out,
                "churn: client closes first, TIME_WAIT kept 2*MSL = 60 s (%llu in TIME_WAIT at the end); 4-tuples: "
                "%d client addresses 198.18.0-%d.1 x %d server ports 5000-%d on 198.18.k.2 x ephemeral ports "
                "%d-%d = %llu, no TIME_WAIT reuse; client max_connections %u, server %u, mem_max_bytes %llu GiB, "
                "SYN queue raised to the concurrency\n",
                (unsigned long long)c->time_wait, BENCH_CHURN_ADDRS, BENCH_CHURN_ADDRS - 1, BENCH_CHURN_PORTS,
                5000 + BENCH_CHURN_PORTS - 1, BENCH_EPHEMERAL_LO, BENCH_EPHEMERAL_HI, (unsigned long long)c->tuples,
                c->client_max_connections, c->server_max_connections, (unsigned long long)(c->mem_max_bytes >> 30));
        if (r->lwip_churn_clients[0] || r->linux_churn_clients[0])
            fprintf(out, "churn peers: lwip %s; linux %s\n", r->lwip_churn_clients[0] ? r->lwip_churn_clients : "-",
                    r->linux_churn_clients[0] ? r->linux_churn_clients : "-");
    }
    if (r->ran[BENCH_IDLE] && bench_series_has(&r->idle_endpoint)) {
        const struct bench_idle_result *d = &r->idle_info;
        fprintf(out,
                "idle: %llu established idle connections, exact accounting of both stacks (synack_stack_mem): "
                "%.0f bytes per endpoint (client %.0f, server %.0f per connection), %.0f per pair; process RSS "
                "%.1f MiB (+%.1f MiB for the connections)\n",
                (unsigned long long)d->count, d->bytes_per_endpoint, d->client_bytes_per_conn,
                d->server_bytes_per_conn, d->bytes_per_conn_pair, (double)d->rss_bytes / 1048576,
                (double)d->rss_growth_bytes / 1048576);
    }
    if (r->ran[BENCH_LOSSY])
        fprintf(out,
                "lossy: synack in the simulator, %g virtual s, 1 Gbit/s, 5 ms each way, drop-tail queue %u packets, "
                "random loss on the data direction, %d seed(s); defaults (CUBIC, SACK, RACK, 1 MiB buffers: "
                "window-bound near 839 Mbit/s without loss); Linux: a user-space 1 Gbit/s, 5 ms-each-way impairer between namespaces (this kernel has no netem), real time\n",
                o->lossy_seconds, BENCH_LOSSY_QUEUE_PACKETS, o->reps[BENCH_LOSSY]);
    if (r->failures)
        fprintf(out, "FAILED: %d synack run(s); first: %s\n", r->failures, r->first_error);
}

/* ---- JSON ---- */

/* A missing median or ratio is NaN, which json_double writes as null. */
static void jseries(struct json *j, const char *key, const struct bench_series *s)
{
    json_double(j, key, bench_series_median(s));
}

static void jratio(struct json *j, const char *key, const struct bench_series *a, const struct bench_series *b)
{
    json_double(j, key, bench_series_ratio(a, b));
}

/* A series' min and max, or why it has none. */
static void jspread(struct json *j, const char *min_key, const char *max_key, const char *note_key,
                    const struct bench_series *s)
{
    if (bench_series_has(s)) {
        json_double(j, min_key, bench_series_min(s));
        json_double(j, max_key, bench_series_max(s));
    } else {
        json_string(j, note_key, s->note[0] ? s->note : "no value");
    }
}

void bench_report_json(FILE *out, const struct bench_results *r)
{
    const struct bench_options *o = &r->opt;
    struct table t;
    build(&t, r);
    struct json j;
    json_begin(&j, out);
    /* The keys issue 7 names. */
    jseries(&j, "bulk_gbps", &r->bulk64k);
    jseries(&j, "bulk_lwip_gbps", &r->lwip_bulk);
    jratio(&j, "bulk_ratio_lwip", &r->bulk64k, &r->lwip_bulk);
    jseries(&j, "churn_cps", &r->churn);
    jratio(&j, "churn_ratio_lwip", &r->churn, &r->lwip_churn);
    jseries(&j, "pingpong_rtps", &r->pingpong);
    jratio(&j, "pingpong_ratio_linux", &r->pingpong, &r->linux_pingpong);
    jseries(&j, "idle_bytes_per_conn", &r->idle_endpoint);
    jseries(&j, "limit_fraction", &t.limit_fraction);
    /* More. */
    json_string(&j, "mode", o->quick ? "quick" : "full");
    json_string(&j, "machine_cpu", r->machine.cpu);
    json_i64(&j, "machine_cores", r->machine.cores);
    json_string(&j, "machine_kernel", r->machine.kernel);
    json_string(&j, "peers_dir", o->peers ? bench_peer_dir() : NULL);
    json_i64(&j, "failures", r->failures);
    json_string(&j, "error", r->failures ? r->first_error : NULL);
    if (r->ran[BENCH_BULK]) {
        json_u64(&j, "bulk_bytes", o->bulk_bytes);
        json_string(&j, "bulk_verify", o->full_verify ? "every byte" : "sample: 8 bytes every 512 and each chunk's last byte");
        jseries(&j, "bulk_default_gbps", &r->bulk_default);
        jseries(&j, "bulk_offload_gbps", &r->bulk_offload);
        jseries(&j, "bulk_linux_off_gbps", &r->linux_bulk_off);
        jseries(&j, "bulk_linux_on_gbps", &r->linux_bulk_on);
        jratio(&j, "bulk_ratio_linux", &r->bulk_default, &r->linux_bulk_off);
        jratio(&j, "bulk_offload_ratio_linux", &r->bulk_offload, &r->linux_bulk_on);
        json_double(&j, "linux_bulk_seconds", o->linux_bulk_seconds);
    }
    if (r->ran[BENCH_LIMIT]) {
        jseries(&j, "memcpy_gbps", &r->memcpy_gbps);
        jseries(&j, "csum_gbps", &r->csum_gbps);
        jseries(&j, "copy_csum_gbps", &r->copy_csum_gbps);
        jseries(&j, "limit_gbps", &r->limit_gbps);
        jseries(&j, "limit_offload_gbps", &r->limit_offload_gbps);
        jseries(&j, "limit_fraction_64k", &t.limit_fraction_64k);
        jseries(&j, "limit_fraction_offload", &t.limit_fraction_offload);
        json_string(&j, "limit_formula", bench_limit_formula);
    }
    if (r->ran[BENCH_CHURN]) {
        const struct bench_churn_result *c = &r->churn_info;
        json_u64(&j, "churn_count", o->churn_count);
        json_u64(&j, "churn_concurrency", o->churn_concurrency);
        jseries(&j, "churn_first1000_cps", &r->churn_first);
        jseries(&j, "churn_last10_cps", &r->churn_last10);
        jseries(&j, "churn_lwip_cps", &r->lwip_churn);
        jseries(&j, "churn_lwip_first1000_cps", &r->lwip_churn_first);
        jseries(&j, "churn_lwip_last10_cps", &r->lwip_churn_last10);
        jseries(&j, "churn_linux_cps", &r->linux_churn);
        jratio(&j, "churn_ratio_linux", &r->churn, &r->linux_churn);
        json_u64(&j, "churn_time_wait", c->time_wait);
        json_u64(&j, "churn_tuples", c->tuples);
        char desc[320];
        snprintf(desc, sizeof desc,
                 "%d client addresses 198.18.0-%d.1 (one interface each) x %d server ports 5000-%d x ephemeral "
                 "%d-%d; no reuse of 4-tuples in TIME_WAIT; client closes first, TIME_WAIT 2*MSL = 60 s",
                 BENCH_CHURN_ADDRS, BENCH_CHURN_ADDRS - 1, BENCH_CHURN_PORTS, 5000 + BENCH_CHURN_PORTS - 1,
                 BENCH_EPHEMERAL_LO, BENCH_EPHEMERAL_HI);
        json_string(&j, "churn_tuples_how", desc);
        json_u64(&j, "churn_client_max_connections", c->client_max_connections);
        json_u64(&j, "churn_server_max_connections", c->server_max_connections);
        json_u64(&j, "churn_mem_max_bytes", c->mem_max_bytes);
        json_u64(&j, "churn_client_mem_peak_bytes", c->client_mem_peak);
    }
    if (r->ran[BENCH_PINGPONG]) {
        json_u64(&j, "pingpong_rounds", o->pingpong_rounds);
        jseries(&j, "pingpong_lwip_rtps", &r->lwip_pingpong);
        jseries(&j, "pingpong_linux_rtps", &r->linux_pingpong);
        jratio(&j, "pingpong_ratio_lwip", &r->pingpong, &r->lwip_pingpong);
    }
    if (r->ran[BENCH_IDLE]) {
        const struct bench_idle_result *d = &r->idle_info;
        json_u64(&j, "idle_conns", o->idle_count);
        json_string(&j, "idle_unit", "idle_bytes_per_conn: bytes per endpoint (both stacks' growth / 2 / conns); "
                                     "idle_bytes_per_conn_pair: per connection, both endpoints");
        jseries(&j, "idle_bytes_per_conn_pair", &r->idle_pair);
        if (bench_series_has(&r->idle_endpoint)) {
            json_double(&j, "idle_client_bytes_per_conn", d->client_bytes_per_conn);
            json_double(&j, "idle_server_bytes_per_conn", d->server_bytes_per_conn);
        }
        jseries(&j, "idle_rss_bytes", &r->idle_rss);
        jseries(&j, "idle_rss_growth_bytes", &r->idle_rss_growth);
        jseries(&j, "idle_lwip_bytes_per_conn", &r->lwip_idle_endpoint);
        jratio(&j, "idle_ratio_lwip", &r->idle_endpoint, &r->lwip_idle_endpoint);
    }
    if (r->ran[BENCH_LOSSY]) {
        char key[64];
        json_double(&j, "lossy_seconds", o->lossy_seconds);
        for (int i = 0; i < BENCH_LOSS_RATES; i++) {
            snprintf(key, sizeof key, "lossy_%s_mbps", bench_loss_names[i]);
            jseries(&j, key, &r->lossy[i]);
            snprintf(key, sizeof key, "lossy_linux_%s_mbps", bench_loss_names[i]);
            jseries(&j, key, &r->linux_lossy[i]);
            snprintf(key, sizeof key, "lossy_ratio_linux_%s", bench_loss_names[i]);
            jratio(&j, key, &r->lossy[i], &r->linux_lossy[i]);
        }
    }
    /* Every row of the table, with its spread and its target. */
    json_array_begin(&j, "rows");
    for (int i = 0; i < t.n; i++) {
        const struct row *w = &t.rows[i];
        json_item_begin(&j);
        json_string(&j, "workload", w->workload);
        json_string(&j, "config", w->config);
        json_string(&j, "unit", w->unit);
        jseries(&j, "synack", w->syn);
        jspread(&j, "synack_min", "synack_max", "synack_note", w->syn);
        json_i64(&j, "synack_n", w->syn->n);
        json_string(&j, "peer", w->peer);
        if (w->peer) {
            jseries(&j, "peer_median", w->peer_s);
            jspread(&j, "peer_min", "peer_max", "peer_note", w->peer_s);
            json_i64(&j, "peer_n", w->peer_s->n);
            jratio(&j, "ratio", w->syn, w->peer_s);
        }
        if (w->kind != T_NONE) {
            json_string(&j, "target", w->target_text);
            int met = target_met(w);
            if (met < 0)
                json_null(&j, "met");
            else
                json_bool(&j, "met", met == 1);
        }
        json_item_end(&j);
    }
    json_array_end(&j);
    json_end(&j);
}
