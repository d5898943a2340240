/* status.c — the live status line of a connection; see status.h. */
#include "status.h"

#include <inttypes.h>

#include "synack/stack.h"

/* ssthresh at or above this has not been set by a loss yet (synack starts
 * it at UINT32_MAX / 2; no window can be larger than 2^30, RFC 7323 §2.3). */
#define SSTHRESH_UNSET (1u << 30)

static void format_rate(uint64_t bps, char *buf, size_t len)
{
    if (bps >= 1000000000u)
        snprintf(buf, len, "%.2fGbit/s", (double)bps / 1e9);
    else if (bps >= 1000000u)
        snprintf(buf, len, "%.1fMbit/s", (double)bps / 1e6);
    else if (bps >= 1000u)
        snprintf(buf, len, "%.1fkbit/s", (double)bps / 1e3);
    else
        snprintf(buf, len, "%" PRIu64 "bit/s", bps);
}

void status_print(FILE *out, double seconds, const char *who, const struct synack_tcp_info *info)
{
    char local[SYNACK_ENDPOINT_STRLEN], remote[SYNACK_ENDPOINT_STRLEN], ssthresh[16], rate[32];

    synack_endpoint_format(&info->local, local, sizeof local);
    synack_endpoint_format(&info->remote, remote, sizeof remote);
    if (info->ssthresh_bytes >= SSTHRESH_UNSET)
        snprintf(ssthresh, sizeof ssthresh, "-");
    else
        snprintf(ssthresh, sizeof ssthresh, "%" PRIu32, info->ssthresh_bytes);
    format_rate(info->delivery_rate_bps, rate, sizeof rate);
    fprintf(out,
            "%.3fs %s %s > %s %s %s cwnd %" PRIu32 " ssthresh %s srtt %.1fms rto %.0fms inflight %" PRIu32
            " acked %" PRIu64 " rcvd %" PRIu64 " retrans %" PRIu64 " (fast %" PRIu64 " rto %" PRIu64
            " tlp %" PRIu64 ") rate %s pmtu %" PRIu32 "\n",
            seconds, who, local, remote, synack_tcp_state_name(info->state), synack_cc_name(info->cc),
            info->cwnd_bytes, ssthresh, info->srtt_us / 1000.0, info->rto_us / 1000.0, info->in_flight_bytes,
            info->bytes_acked, info->bytes_received, info->retrans_segs, info->retrans_fast, info->retrans_rto,
            info->retrans_tlp, rate, info->pmtu);
}
