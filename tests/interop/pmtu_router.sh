#!/usr/bin/env bash
# pmtu_router.sh SYNACK [quick] — path MTU discovery against a real router:
# the far link is narrower than synack's own.
#
#   synack 198.18.0.2 ==TUN, MTU 1500== kernel (NAME-syn, forwarding) --veth-- NAME-far 198.18.1.2
#                                                     MTU 1280 out      MTU 1500
#
# The kernel of NAME-syn routes between the TUN device and the veth pair,
# whose end there sends at most 1280 bytes; the far end keeps 1500, so the
# far kernel announces MSS 1460 and only the router knows better.  A
# packet from synack larger than 1280 bytes, with DF (synack sets it on
# TCP), cannot go on, and the router answers with ICMP fragmentation
# needed, MTU 1280 (RFC 1191).  `synack connect` sends 4 MB (a fifth of it
# with "quick") to a kernel sink in NAME-far, three times:
#
#   1. ICMP allowed: the transfer completes byte-exact (the sink checks
#      every byte, then EOF); synack's path MTU ends at exactly 1280, with
#      no black hole; its capture holds the router's fragmentation needed.
#   2. nftables on the router drops its fragmentation needed (a black
#      hole): with PLPMTUD in its default mode the transfer still
#      completes byte-exact; synack detects the black hole and ends within
#      8 bytes below 1280 (PLPMTUD_PRECISION); the nft counter shows the
#      messages the router could not send, and synack's capture has none.
#   3. The same black hole with `--plpmtud off`: nothing gets through in
#      20 s (the proof that 2 could fail).
#
# synack's own captures of 1 and 2 are read by tshark (no malformed
# packets, bad checksums or unexpected warnings).
#
# Needs root, nft (nftables) and tshark; skips (77) without CAP_NET_ADMIN.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns the *_pid variables
source "$(dirname "$0")/lib.sh"
interop_init pmtu "$1" nft tshark

size=$(scaled 4194304)
"$NETNS_SH" hop "$NAME" >"$WORK/hop.txt" 2>&1 || {
    fail "scripts/netns.sh hop" "$(cat "$WORK/hop.txt")"
    interop_finish
}
ip -n "$NS" link set dev hop0 mtu 1280 || fail "the router's way out set to MTU 1280"
"$NETNS_SH" tun "$NAME" "$TUN_DEV" "$KERNEL_ADDR/24" --create || fail "netns.sh tun --create"
log "  $(cat "$WORK/hop.txt"); the router's veth $(ip -n "$NS" -o link show dev hop0 | grep -o 'mtu [0-9]*'), the far one's $(ip -n "$FAR" -o link show dev hop0 | grep -o 'mtu [0-9]*'), $TUN_DEV $(ip -n "$NS" -o link show dev "$TUN_DEV" | grep -o 'mtu [0-9]*')"

# transfer PORT TAG [CONNECT-OPTIONS...]: a far sink of $size pattern
# bytes and `synack connect` to it; sets OUT (synack's JSON) and RC.
transfer() {
    local port=$1 tag=$2
    shift 2
    rm -f "$WORK/sink.ready" "$WORK/sink.json"
    peer_listen sink_pid "$FAR" sink "$FAR_ADDR:$port" "$size" 140 || fail "$tag: far sink listens"
    OUT=$(synack_connect "$FAR_ADDR" "$port" --send-bytes "$size" --expect-bytes 0 --verify --json \
        --pcap "$WORK/$tag.pcap" "$@" </dev/null 2>"$WORK/$tag.err")
    RC=$?
    check_eq "$RC" 0 "$tag: synack connect exits 0 $( ((RC)) && cat "$WORK/$tag.err")"
    check_job "$sink_pid" 30 "$WORK/sink.json" "$tag: the far kernel received $size pattern bytes byte-exact, then EOF"
    log "  $tag: $(printf %.2f "$(json_field seconds "$OUT")") s, path MTU $(json_field pmtu "$OUT"), MSS" \
        "$(json_field mss "$OUT"), $(json_field pmtu_probes "$OUT") probes, $(json_field pmtu_black_holes "$OUT")" \
        "black holes, $(json_field retransmissions "$OUT") retransmissions"
}

frag_needed='icmp.type == 3 && icmp.code == 4'

log "1. the router's ICMP gets through:"
transfer 5001 icmp
check_eq "$(json_field pmtu "$OUT") $(json_field pmtu_black_holes "$OUT")" "1280 0" \
    "icmp: synack's path MTU is the router's 1280, no black hole"
n=$(tshark_count "$WORK/icmp.pcap" "$frag_needed && icmp.mtu == 1280 && ip.dst == $SYN_ADDR")
check_awk "$n >= 1" "icmp: synack's capture holds $n fragmentation needed, MTU 1280"
n=$(tshark_count "$WORK/icmp.pcap" "ip.src == $SYN_ADDR && ip.len > 1280 && tcp.len > 0 && !tcp.analysis.retransmission")
log "  icmp: $n oversized segments before the news"
# What the router's message said was dropped goes again within a round
# trip of the originals, cut to 1280: tshark may call those resends
# out-of-order segments (as the lost probes' resends below).
tshark_check "$WORK/icmp.pcap" "icmp capture" 'out-of-order segment'

log "2. nftables on the router drops fragmentation needed: a black hole"
in_ns nft -f - <<'EOF' || fail "nft: the rule that drops fragmentation needed"
table ip synack_pmtu {
    counter dropped {}
    chain out {
        type filter hook output priority 0; policy accept;
        icmp type destination-unreachable icmp code frag-needed counter name "dropped" drop
    }
}
EOF
transfer 5002 blackhole
pmtu=$(json_field pmtu "$OUT")
check_awk "$pmtu <= 1280 && $pmtu > 1272" "blackhole: synack's path MTU $pmtu is within 8 bytes below 1280"
check_awk "$(json_field pmtu_black_holes "$OUT") >= 1 && $(json_field pmtu_probes "$OUT") >= 1" \
    "blackhole: synack detected the black hole and probed"
dropped=$(in_ns nft list counter ip synack_pmtu dropped | grep -o 'packets [0-9]*' | awk '{ print $2 }')
check_awk "${dropped:-0} >= 1" "blackhole: the router's fragmentation needed were dropped (nft counter: ${dropped:-none})"
check_eq "$(tshark_count "$WORK/blackhole.pcap" "$frag_needed")" 0 "blackhole: no fragmentation needed reached synack"
# A lost probe's bytes go again within a round trip of the probe, cut to
# the size in use: out-of-order segments to tshark, likewise.
tshark_check "$WORK/blackhole.pcap" "blackhole capture" 'out-of-order segment'

log "3. the same black hole without PLPMTUD"
rm -f "$WORK/sink.ready" "$WORK/sink.json"
peer_listen sink_pid "$FAR" sink "$FAR_ADDR:5003" "$size" 25 || fail "off: far sink listens"
rc=0
in_ns timeout 20 "$SYNACK" connect --tun "$TUN_DEV" --addr "$SYN_ADDR/24" "$FAR_ADDR" 5003 --send-bytes "$size" \
    --expect-bytes 0 --plpmtud off </dev/null >/dev/null 2>"$WORK/off.err" || rc=$?
check_eq "$rc" 124 "off: synack connect --plpmtud off is still stuck after 20 s"
wait_exit "$sink_pid" 15 >/dev/null 2>&1 || true
check "off: the far sink did not get the data ($(cat "$WORK/sink.json"))" grep -q '"ok": false' "$WORK/sink.json"

interop_finish
