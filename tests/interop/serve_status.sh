#!/usr/bin/env bash
# serve_status.sh SYNACK [ipv6] [tap] — `synack serve --status S` prints
# one ss -ti-like line per open connection on stderr every S seconds of
# wall time (over TUN or TAP, IPv4 or IPv6: lib.sh):
#
#   - an idle kernel client holds a connection to discard; a second one
#     sends 2 MB to discard and goes; over a second at --status 0.2,
#     several lines name the idle connection (service, endpoints,
#     ESTABLISHED, cwnd, srtt, rto, bytes, retransmissions, rate);
#   - every line's fields are the ones status.h documents, in that order.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns the *_pid variables
source "$(dirname "$0")/lib.sh"
interop_init status "$1"

serve_start --discard 9 --status 0.2 || interop_finish

bg_start idle_pid "$NS" "$WORK/idle.json" python3 "$PEER" idle --connect "$(hostport "$SYN_ADDR" 9)" \
    --ready-file "$WORK/idle.ready" --expect-end EOF --timeout 40
check "the idle client is connected" wait_file "$WORK/idle.ready" 10
out=$(in_ns timeout 60 python3 "$PEER" discard --connect "$(hostport "$SYN_ADDR" 9)" --bytes 2097152 --timeout 50)
check "discard: 2 MB out ($out)" test "$(json_field ok "$out")" = true
sleep 1.2
serve_stop
check_job "$idle_pid" 20 "$WORK/idle.json" "the idle client reads end of stream"

# The endpoints as status.h writes them ("[v6]:port" in IPv6 runs), as regexes.
ere_quote() { sed 's/[].[]/\\&/g' <<<"$1"; }
syn_ep=$(ere_quote "$(hostport "$SYN_ADDR" 9)")
kernel_ep=$(ere_quote "$(hostport "$KERNEL_ADDR" "")")
re="^[0-9]+\.[0-9]{3}s discard $syn_ep > $kernel_ep[0-9]+ [A-Z_0-9]+ (cubic|newreno) cwnd [0-9]+ ssthresh ([0-9]+|-) srtt [0-9.]+ms rto [0-9]+ms inflight [0-9]+ acked [0-9]+ rcvd [0-9]+ retrans [0-9]+ \(fast [0-9]+ rto [0-9]+ tlp [0-9]+\) rate [0-9.]+[kMG]?bit/s pmtu [0-9]+$"
lines=$(grep -cE "$re" "$WORK/serve.log")
check_awk "$lines >= 5" "serve.log has $lines status lines of the documented form (at least 5 expected)"
check "a status line shows an ESTABLISHED discard connection" grep -qE "discard .* ESTABLISHED " "$WORK/serve.log"
bad=$(grep -E '^[0-9]+\.[0-9]{3}s ' "$WORK/serve.log" | grep -vcE "$re")
check_eq "$bad" 0 "every status line has the documented form"
log "  e.g. $(grep -E "$re" "$WORK/serve.log" | tail -1)"
interop_finish
