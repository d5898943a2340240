#!/usr/bin/env bash
# ping_rst.sh SYNACK [ipv6] [tap] — what the kernel sees of synack's ICMP
# (ICMPv6 in IPv6 runs) and resets, over TUN or TAP (lib.sh):
#
#   - ping (iputils) is answered, also with payloads that make a full
#     1500-byte packet (1472 bytes over IPv4, 1452 over IPv6);
#   - a connection to a port nobody listens on is refused at once
#     (ConnectionRefusedError in well under a second: synack answers the
#     SYN with RST|ACK, RFC 9293 §3.10.7.1);
#   - an abort: a kernel client fills an echo connection in both
#     directions without reading, so synack's receive buffer holds data
#     the echo service has not read; stopping `synack serve` closes that
#     socket, and a close that would lose unread data resets the
#     connection (RFC 1122 §4.2.2.13), so the client reads ECONNRESET;
#   - in the same stop, an idle connection to discard is closed with a FIN
#     (the client reads end of stream, not a reset): the graceful part.
#
# The capture allows tshark's "Connection reset" warning (the abort is the
# point) and checks that exactly the stuffed connection saw a reset from
# synack.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns the *_pid variables
source "$(dirname "$0")/lib.sh"
interop_init rst "$1" ping tshark

serve_start --echo 7 --discard 9 --pcap "$WORK/rst.pcap" || interop_finish

log "ping:"
out=$(in_ns timeout 20 ping -n -c 5 -i 0.2 -W 2 "$SYN_ADDR" 2>&1)
check "ping $SYN_ADDR: 5 of 5 answered" grep -q '5 packets transmitted, 5 received' <<<"$out"
log "  $(grep -E '^rtt|^round-trip' <<<"$out")"
full=$((1500 - IP_HEADER - 8))                    # the echo header is 8 bytes in ICMP and ICMPv6
out=$(in_ns timeout 20 ping -n -c 3 -i 0.2 -W 2 -s "$full" -M "do" "$SYN_ADDR" 2>&1)
check "ping -s $full (1500-byte packets): 3 of 3 answered" grep -q '3 packets transmitted, 3 received' <<<"$out"

log "refused:"
out=$(in_ns timeout 10 python3 "$PEER" refused --connect "$(hostport "$SYN_ADDR" 5555)" --timeout 5)
check "connect to closed port 5555: ECONNREFUSED in < 1 s ($out)" test "$(json_field ok "$out")" = true

log "abort on stop with unread data; FIN for the idle connection:"
bg_start stuff_pid "$NS" "$WORK/stuff.json" python3 "$PEER" stuff --connect "$(hostport "$SYN_ADDR" 7)" \
    --ready-file "$WORK/stuff.ready" --go-file "$WORK/stuff.go" --read-timeout 10 --expect-end ECONNRESET --timeout 60
bg_start idle_pid "$NS" "$WORK/idle.json" python3 "$PEER" idle --connect "$(hostport "$SYN_ADDR" 9)" \
    --ready-file "$WORK/idle.ready" --expect-end EOF --timeout 40
check "the kernel client filled the echo connection" wait_file "$WORK/stuff.ready" 30
check "the idle client is connected" wait_file "$WORK/idle.ready" 10
# The client reads nothing until serve has gone: synack's receive buffer
# still holds unread data when serve closes the socket.
t0=$(date +%s.%N)
serve_stop
t1=$(date +%s.%N)
stop_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
check_awk "$stop_s < 1.5" "serve stopped in ${stop_s}s: the reset needs no grace period (2 s)"
touch "$WORK/stuff.go"
check_job "$stuff_pid" 30 "$WORK/stuff.json" "the stuffed client reads ECONNRESET"
check_job "$idle_pid" 20 "$WORK/idle.json" "the idle client reads end of stream (FIN)"

tshark_check "$WORK/rst.pcap" "rst capture" 'Connection reset|out-of-order segment'
resets=$(tshark_count "$WORK/rst.pcap" "tcp.flags.reset == 1 && $IP_SRC == $SYN_ADDR && tcp.srcport == 7")
check "synack reset the echo connection (RSTs from port 7: $resets)" test "$resets" -ge 1
# The reset only counts if the kernel can accept it: its sequence number
# must lie in the window the kernel last advertised (RFC 9293 §3.10.7.4;
# with a zero window, exactly the kernel's RCV.NXT, its last ACK).
rst_window=$(tshark -r "$WORK/rst.pcap" -n -o tcp.relative_sequence_numbers:FALSE -Y "tcp.port == 7" -T fields \
    -e "$IP_SRC" -e tcp.flags.reset -e tcp.seq -e tcp.ack -e tcp.window_size 2>/dev/null | awk -v syn="$SYN_ADDR" '
    $1 != syn { ack = $4; win = $5 }
    $1 == syn && $2 == 1 { printf "RST seq %s, kernel ack %s window %s: %s\n", $3, ack, win,
        (($3 - ack + 4294967296) % 4294967296 <= win) ? "acceptable" : "outside the window"; exit }')
check "synack's RST is acceptable to the kernel ($rst_window)" grep -q ': acceptable$' <<<"$rst_window"
resets=$(tshark_count "$WORK/rst.pcap" "tcp.flags.reset == 1 && $IP_SRC == $SYN_ADDR && tcp.srcport == 9")
check_eq "$resets" 0 "synack closed the idle discard connection without a reset"
refused=$(tshark_count "$WORK/rst.pcap" "tcp.flags.reset == 1 && tcp.flags.ack == 1 && tcp.srcport == 5555")
check_eq "$refused" 1 "one RST|ACK answers the SYN to port 5555"
interop_finish
