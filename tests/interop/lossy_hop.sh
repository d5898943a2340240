#!/usr/bin/env bash
# lossy_hop.sh SYNACK [quick] [ipv6] [tap] — synack behind a forwarding
# kernel and an impaired link: 1% loss, 20 ms delay and 1% reordering in
# each direction (tc netem, or scripts/impair.py where the kernel has no
# netem; see scripts/netns.sh), over TUN or TAP, IPv4 or IPv6 (lib.sh):
#
#   synack ==TUN/TAP== kernel (NAME-syn, forwarding) --impaired veth-- NAME-far
#
# On TAP synack resolves the far address as if it were on the link, and
# the kernel answers for it (proxy ARP / NDP, scripts/netns.sh).
#
#   - curl in NAME-far fetches 10 MB from `synack serve --http`, byte-exact;
#   - `synack connect` sends 10 MB to a server in NAME-far (which checks
#     every byte) and receives 10 MB from one (synack checks them);
#   - every connection ends cleanly: exit status 0, end of stream on the
#     kernel's side, no reset from synack before both FINs;
#   - the two `synack connect` transfers are also captured by tcpdump on
#     the TUN device (the kernel's capture, beside synack: before the
#     impaired link for what synack sends, after it for what it receives),
#     and each capture's ladder diagram is compared with tshark's fields
#     and `synack trace list` (ladder_check in lib.sh): arrows, handshake,
#     FINs, states of a close synack began, retransmission marks, losses
#     presumed on synack's resent copies (at least one while sending),
#     duplicate ACKs.
#
# Captures taken inside synack see every packet synack sends and receives,
# and nothing of what the impaired link drops.  So on these captures:
#   - "Previous segment(s) not captured" is legitimate for data the far
#     side sent (a segment lost on the link never reached synack), but not
#     for data synack sent (it captured all of it: a gap there would mean
#     synack skipped sequence space);
#   - "Out-Of-Order segment" is legitimate (the link reorders; tshark also
#     calls a retransmission sent within an RTT of the highest segment,
#     e.g. by RACK or a tail loss probe, out of order);
#   - retransmissions, duplicate ACKs and spurious retransmissions are
#     notes, not warnings: never counted;
#   - "ACKed segment that wasn't captured" is never legitimate: synack only
#     acknowledges what it received, and the far side only what synack
#     sent, all of which the capture holds;
#   - malformed packets and bad checksums are never legitimate.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns the *_pid variables
source "$(dirname "$0")/lib.sh"
interop_init hop "$1" curl cmp tshark tcpdump

size=$(scaled 10485760)
spec="loss 1% delay 20ms reorder 1% 25%"
"$NETNS_SH" hop "$NAME" --netem "$spec" --seed 7 "${HOP_OPTS[@]}" >"$WORK/hop.txt" 2>&1 || {
    fail "scripts/netns.sh hop" "$(cat "$WORK/hop.txt")"
    interop_finish
}
log "  $(cat "$WORK/hop.txt")"

lossy_allowed='Previous segment\(s\) not captured|out-of-order segment'
# lossy_check PCAP WHAT: tshark_check with the allowances above, then the
# direction of every "not captured" gap.
lossy_check() {
    tshark_check "$1" "$2" "$lossy_allowed"
    local n
    n=$(tshark_count "$1" "tcp.analysis.lost_segment && $IP_SRC == $SYN_ADDR")
    check_eq "$n" 0 "$2: no gap in what synack sent (tcp.analysis.lost_segment from $SYN_ADDR)"
    n=$(tshark_count "$1" "tcp.analysis.ack_lost_segment")
    check_eq "$n" 0 "$2: nothing ACKed that was not captured"
    check_eq "$(resets_before_close "$1")" 0 "$2: synack reset no connection before it was closed"
    log "  $2: $(tshark_count "$1" "tcp.analysis.retransmission && $IP_SRC == $SYN_ADDR") retransmissions by synack," \
        "$(tshark_count "$1" "tcp.analysis.lost_segment") gaps in what synack received"
}

log "curl in the far namespace <- synack serve, $size bytes:"
mkdir -p "$WORK/www"
head -c "$size" /dev/urandom >"$WORK/www/file"
serve_start --http "8080:$WORK/www" --pcap "$WORK/http.pcap" || interop_finish
out=$(in_far curl -g -s --max-time 150 -o "$WORK/got" -w '%{http_code} %{size_download} %{time_total} %{speed_download}' \
    "http://$(url_host "$SYN_ADDR"):8080/file")
rc=$?
read -r code bytes secs speed <<<"$out"
check_eq "$rc ${code:-none} ${bytes:-0}" "0 200 $size" "curl exits 0 with status 200 and $size bytes"
check "curl across the hop: byte-exact" cmp -s "$WORK/www/file" "$WORK/got"
log "  $size bytes in ${secs:-?}s: $(awk -v s="${speed:-0}" 'BEGIN { printf "%.1f", s * 8 / 1e6 }') Mbit/s"
serve_stop
lossy_check "$WORK/http.pcap" "http capture"

# synack connect: the device is gone with serve; make it persistent now
# (on TAP that also sets up the proxy answers again).
link_create || fail "netns.sh tun --create"

# tcpdump_on_tun VAR PCAP PORT: the kernel's own capture of what crosses
# the TUN device, beside synack: everything synack sends is seen before the
# impaired link can lose it; what the far side sends, after.  synack hands
# the kernel TSO packets of up to 64 KiB, which the capture shows as sent.
# Headers only (-s 160): with full packets the capture ring holds a few
# dozen of those and tcpdump drops packets in bursts; the lengths come
# from the IP header.
tcpdump_on_tun() {
    capture_start "$1" "$2" "$NS" tcpdump -Z root -i "$TUN_DEV" -s 160 -n -U --immediate-mode -B 16384 -w "$2" \
        tcp port "$3"
}
# tcpdump_ladder PID PCAP WHAT: stops the capture, which must have lost
# nothing itself, and checks its ladder diagram.  synack (the client)
# half-closes first in both transfers: --send-bytes after the last byte,
# --expect-bytes at once (its standard input is empty).
tcpdump_ladder() {
    if ! capture_stop "$1" "$2"; then
        fail "$3: tcpdump wrote a capture" "$(cat "$2.log")"
        return
    fi
    check "$3: tcpdump dropped nothing ($(grep 'dropped by kernel' "$2.log"))" \
        grep -q '^0 packets dropped by kernel' "$2.log"
    ladder_check "$2" "$3 ladder" client client
}

log "synack connect -> far server, $size bytes:"
tcpdump_on_tun cap_send "$WORK/send-tcpdump.pcap" 5001
peer_listen sink_pid "$FAR" sink "$(hostport "$FAR_ADDR" 5001)" "$size" 140 || fail "far sink listens"
out=$(synack_connect "$FAR_ADDR" 5001 --send-bytes "$size" --expect-bytes 0 --verify --json --pcap "$WORK/send.pcap" </dev/null 2>"$WORK/send.err")
rc=$?
check_eq "$rc" 0 "synack connect --send-bytes exits 0 $( ((rc)) && cat "$WORK/send.err")"
check_job "$sink_pid" 30 "$WORK/sink.json" "the far kernel received $size pattern bytes byte-exact, then EOF"
log "  $(printf %.2f "$(json_field seconds "$out")") s, $(printf %.1f "$(json_field send_mbps "$out")") Mbit/s"
lossy_check "$WORK/send.pcap" "send capture"
tcpdump_ladder "$cap_send" "$WORK/send-tcpdump.pcap" "send, tcpdump on $TUN_DEV"
n=$(ladder_marks "$WORK/send-tcpdump.pcap" lost)
check_awk "$n > 0" "send, tcpdump on $TUN_DEV: losses presumed where synack resent before an ACK ($n lost arrows)"

log "far server -> synack connect, $size bytes:"
tcpdump_on_tun cap_recv "$WORK/recv-tcpdump.pcap" 5002
peer_listen source_pid "$FAR" source "$(hostport "$FAR_ADDR" 5002)" "$size" 140 || fail "far source listens"
out=$(synack_connect "$FAR_ADDR" 5002 --expect-bytes "$size" --verify --json --pcap "$WORK/recv.pcap" </dev/null 2>"$WORK/recv.err")
rc=$?
check_eq "$rc" 0 "synack connect --expect-bytes --verify exits 0 $( ((rc)) && cat "$WORK/recv.err")"
check_eq "$(json_field bytes_received "$out") $(json_field verified "$out")" "$size true" \
    "synack received $size bytes across the hop and verified them"
check_job "$source_pid" 30 "$WORK/source.json" "the far kernel sent $size bytes, half-closed, and read EOF"
log "  $(printf %.2f "$(json_field seconds "$out")") s, $(printf %.1f "$(json_field recv_mbps "$out")") Mbit/s"
lossy_check "$WORK/recv.pcap" "receive capture"
tcpdump_ladder "$cap_recv" "$WORK/recv-tcpdump.pcap" "receive, tcpdump on $TUN_DEV"

# The impairer's counters (user-space mode) show what the link did.
"$NETNS_SH" down "$NAME" 2>&1 | sed 's/^/  /'
interop_finish
