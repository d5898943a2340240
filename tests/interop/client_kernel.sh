#!/usr/bin/env bash
# client_kernel.sh SYNACK [quick] [ipv6] [tap] — `synack connect` as the
# client of Linux servers over a TUN or TAP device, IPv4 or IPv6 (lib.sh):
#
#   - synack sends 100 MB of its test pattern (src/tools/pattern.h) to a
#     kernel server that checks every byte as it arrives;
#   - a kernel server sends 100 MB of the pattern and synack checks it
#     (--expect-bytes --verify);
#   - netcat use: a file on standard input goes to a socat server
#     byte-exact (half-close at the end of input), and a file served by
#     socat comes out on standard output byte-exact;
#   - --json carries bytes_sent, bytes_received, seconds, send_mbps,
#     recv_mbps and verified;
#   - both bulk captures pass tshark's checks; synack resets neither
#     connection, and sends nothing once both FINs are acknowledged.
#
# The device is made persistent and configured before each synack starts
# (lib.sh link_create), so every connect attaches to a link that is
# already up.  "quick" (sanitizer build) moves 20 MB.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns the *_pid variables
source "$(dirname "$0")/lib.sh"
interop_init client "$1" socat cmp tshark

big=$(scaled 104857600)
link_create || { fail "netns.sh tun --create"; interop_finish; }

log "synack -> kernel, $big bytes:"
peer_listen sink_pid "$NS" sink "$(hostport "$KERNEL_ADDR" 5001)" "$big" 120 || fail "kernel sink listens"
out=$(synack_connect "$KERNEL_ADDR" 5001 --send-bytes "$big" --expect-bytes 0 --verify --json --pcap "$WORK/send.pcap" </dev/null 2>"$WORK/send.err")
rc=$?
check_eq "$rc" 0 "synack connect --send-bytes exits 0 $( ((rc)) && cat "$WORK/send.err")"
for key in bytes_sent bytes_received seconds send_mbps recv_mbps verified; do
    check "--json has $key" test "$(json_field "$key" "$out")" != null
done
check_eq "$(json_field bytes_sent "$out")" "$big" "synack reports $big bytes sent"
check_job "$sink_pid" 30 "$WORK/sink.json" "the kernel received $big pattern bytes, byte-exact, then EOF"
sink=$(cat "$WORK/sink.json")
log "  synack: $(printf %.3f "$(json_field seconds "$out")") s, $(printf %.0f "$(json_field send_mbps "$out")") Mbit/s; kernel: $(json_field mbps "$sink") Mbit/s"

log "kernel -> synack, $big bytes:"
peer_listen source_pid "$NS" source "$(hostport "$KERNEL_ADDR" 5002)" "$big" 120 || fail "kernel source listens"
out=$(synack_connect "$KERNEL_ADDR" 5002 --expect-bytes "$big" --verify --json --pcap "$WORK/recv.pcap" </dev/null 2>"$WORK/recv.err")
rc=$?
check_eq "$rc" 0 "synack connect --expect-bytes --verify exits 0 $( ((rc)) && cat "$WORK/recv.err")"
check_eq "$(json_field bytes_received "$out") $(json_field verified "$out")" "$big true" \
    "synack received $big bytes and verified them"
check_job "$source_pid" 30 "$WORK/source.json" "the kernel sent $big bytes, half-closed, and read EOF"
# (The kernel's own figure only times handing the bytes to its socket.)
log "  synack: $(printf %.3f "$(json_field seconds "$out")") s, $(printf %.0f "$(json_field recv_mbps "$out")") Mbit/s"

log "netcat use:"
head -c 1048576 /dev/urandom >"$WORK/1m"
bg_start nc_in_pid "$NS" "$WORK/nc-in.log" timeout 30 socat -u \
    "$SOCAT_TCP-LISTEN:5003,bind=$(url_host "$KERNEL_ADDR"),reuseaddr" "CREATE:$WORK/nc-in.got"
tcp_listening() { in_ns ss -Hltn "sport = :$1" | grep -q .; }
for ((i = 0; i < 100; i++)); do tcp_listening 5003 && break; sleep 0.05; done
synack_connect "$KERNEL_ADDR" 5003 <"$WORK/1m" >"$WORK/nc-in.stdout" 2>"$WORK/nc-in.err"
check_eq "$?" 0 "synack connect < file exits 0 (after the server's FIN)"
rc=0
wait_exit "$nc_in_pid" 10 || rc=$?
check_eq "$rc" 0 "socat server saw the end of the stream"
check "stdin -> connection: 1 MB byte-exact" cmp -s "$WORK/1m" "$WORK/nc-in.got"

bg_start nc_out_pid "$NS" "$WORK/nc-out.log" timeout 30 socat -u \
    "OPEN:$WORK/1m" "$SOCAT_TCP-LISTEN:5004,bind=$(url_host "$KERNEL_ADDR"),reuseaddr"
for ((i = 0; i < 100; i++)); do tcp_listening 5004 && break; sleep 0.05; done
synack_connect "$KERNEL_ADDR" 5004 </dev/null >"$WORK/nc-out.got" 2>"$WORK/nc-out.err"
check_eq "$?" 0 "synack connect > file exits 0"
wait_exit "$nc_out_pid" 10 >/dev/null || true
check "connection -> stdout: 1 MB byte-exact" cmp -s "$WORK/1m" "$WORK/nc-out.got"

# In the receiving run synack sends its FIN first (empty standard input),
# so once it has acknowledged the kernel's FIN it is in TIME-WAIT and has
# nothing more to say unless that FIN comes again (RFC 9293 §3.10.7.4);
# a window update then is answered by the kernel with RST.
after_fin=$(tshark -r "$WORK/recv.pcap" -n -o tcp.relative_sequence_numbers:FALSE -T fields \
    -e "$IP_SRC" -e tcp.flags.fin -e tcp.seq -e tcp.len -e tcp.ack -e tcp.flags.str 2>/dev/null | awk -v syn="$SYN_ADDR" '
    $1 != syn && $2 == 1 { finack = ($3 + $4 + 1) % 4294967296 }
    $1 == syn && finack != "" && acked { extra++; what = what " " $6 }
    $1 == syn && finack != "" && $5 == finack { acked = 1 }
    END { printf "%d%s\n", extra, (extra ? " (flags" what ")" : "") }')
check_eq "$after_fin" 0 "synack sends nothing after acknowledging the kernel's FIN in TIME-WAIT"
tshark_check "$WORK/send.pcap" "send capture"
# The kernel's reset that answers such a window update is checked just
# above; it is not counted twice.
tshark_check "$WORK/recv.pcap" "receive capture" 'Connection reset'
check_eq "$(resets_before_close "$WORK/send.pcap") $(resets_before_close "$WORK/recv.pcap")" "0 0" \
    "synack reset neither bulk connection"
interop_finish
