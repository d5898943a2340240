#!/usr/bin/env bash
# syn_flood.sh SYNACK [quick] — a SYN flood against `synack serve --http`
# over a TUN device (RFC 4987):
#
#   - a raw-socket sender in the kernel's namespace (syn_flood.py flood)
#     sends spoofed SYNs from random addresses of 198.19.0.0/16 — off
#     synack's /24, so its SYN|ACKs go back into the TUN device and the
#     kernel, which does not forward, drops them — as fast as it can for
#     FLOOD_S seconds;
#   - meanwhile 200 legitimate clients (syn_flood.py clients, kernel
#     sockets) fetch a 100 KiB file, each on a connection of its own,
#     started evenly over the flood; at least 99 % must get it byte-exact;
#   - before and after the flood a fetch succeeds, and synack's counters
#     (serve --stats) show that cookies were sent and came back valid, and
#     that its SYN queue never grew past its bound (no ListenDrops);
#   - the rate the sender reached and the figures are the last lines.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns flood_pid
source "$(dirname "$0")/lib.sh"
interop_init flood "$1" curl cmp

FLOOD_S=10
CLIENTS=200
FLOOD_PY=$INTEROP_DIR/syn_flood.py
www=$WORK/www
mkdir -p "$www"
head -c 102400 /dev/urandom >"$www/100k"
url=http://$SYN_ADDR:8080

serve_start --http "8080:$www" --stats || interop_finish

fetch_ok() {
    in_ns curl -s --max-time 20 -o "$WORK/got" "$url/100k" && cmp -s "$www/100k" "$WORK/got"
}
check "before the flood: GET /100k byte-exact" fetch_ok

log "flood for ${FLOOD_S}s with $CLIENTS clients:"
bg_start flood_pid "$NS" "$WORK/flood.json" timeout $((FLOOD_S + 20)) python3 "$FLOOD_PY" flood \
    --dst "$SYN_ADDR" --port 8080 --src-net 198.19.0.0/16 --seconds "$FLOOD_S"
sleep 0.5   # the flood is under way, and the SYN queue full, before the first client
clients=$(in_ns timeout $((FLOOD_S + 60)) python3 "$FLOOD_PY" clients --connect "$SYN_ADDR:8080" --path /100k \
    --file "$www/100k" --count "$CLIENTS" --over $((FLOOD_S - 2)) --timeout 30)
rc=0
wait_exit "$flood_pid" $((FLOOD_S + 25)) || rc=$?
flood=$(cat "$WORK/flood.json")
check_eq "$rc" 0 "the flood ran and ended ($flood)"
succeeded=$(json_field succeeded "$clients")
check_awk "${succeeded:-0} * 100 >= $CLIENTS * 99" \
    "at least 99 % of $CLIENTS legitimate fetches during the flood byte-exact ($clients)"

sleep 1
check "after the flood: GET /100k byte-exact" fetch_ok
serve_stop

serve_stat() { awk -v n="$1" '$1 == "synack" && $3 == "stat" && $4 == n { v = $5 } END { print v + 0 }' "$WORK/serve.log"; }
drop() { awk -v n="$1" '$1 == "synack" && $3 == "drop" && $4 == n { v = $5 } END { print v + 0 }' "$WORK/serve.log"; }
cookies_sent=$(serve_stat SyncookiesSent)
cookies_recv=$(serve_stat SyncookiesRecv)
cookies_failed=$(serve_stat SyncookiesFailed)
listen_drops=$(serve_stat ListenDrops)
check_awk "${cookies_sent:-0} > 0" "synack answered the flood with SYN cookies (SyncookiesSent ${cookies_sent:-0})"
check_awk "${cookies_recv:-0} >= ${succeeded:-0}" \
    "legitimate clients came back with valid cookies (SyncookiesRecv ${cookies_recv:-0})"
check_eq "${listen_drops:-0}" 0 "no SYN dropped for a full queue (ListenDrops)"

rate=$(json_field rate "$flood")
sent=$(json_field sent "$flood")
echo "$passed passed, $failed failed"
log "syn flood over TUN: $sent spoofed SYNs in ${FLOOD_S}s, $rate SYN/s reached by one raw-socket sender" \
    "(refused by a full device queue: $(json_field refused "$flood"))"
log "syn flood over TUN: legitimate fetches $succeeded/$CLIENTS byte-exact;" \
    "connect p50 $(json_field connect_ms_p50 "$clients") ms, p99 $(json_field connect_ms_p99 "$clients") ms," \
    "max $(json_field connect_ms_max "$clients") ms; failures $(json_field failures "$clients")"
log "syn flood over TUN: synack: SyncookiesSent ${cookies_sent:-0}, SyncookiesRecv ${cookies_recv:-0}," \
    "SyncookiesFailed ${cookies_failed:-0}, tcpPassiveOpens $(serve_stat tcpPassiveOpens), ListenDrops ${listen_drops:-0}," \
    "ListenOverflows $(serve_stat ListenOverflows), TCP_NO_CONNECTION drops $(drop TCP_NO_CONNECTION)," \
    "tcpInSegs $(serve_stat tcpInSegs)"
[[ $failed -eq 0 ]]
