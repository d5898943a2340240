#!/usr/bin/env bash
# trace_tcpdump.sh SYNACK [quick] [ipv6] — `synack trace list` and `synack
# trace ladder` on captures of the Linux kernel's own TCP, made by tcpdump
# (and dumpcap) inside a test namespace, over IPv4 or IPv6 (lib.sh):
#
#   - loopback (198.18.7.1 or fd00:5ac::7:1 on lo in the namespace): a
#     kernel client sends
#     300000 bytes and half-closes, the server answers 150000 and closes.
#     Captured five ways — tcpdump on lo (Ethernet framing), on "any"
#     (Linux cooked SLL), on "any" as SLL2, with a 96-byte snapshot length
#     (headers only: the byte counts must come from the IP total length),
#     and dumpcap's pcapng — each must list one connection with exactly
#     those bytes, closed by FINs both ways, and as many retransmissions
#     each way as Wireshark finds (none, unless a busy machine made the
#     kernel send a tail loss probe);
#   - an impaired path (scripts/netns.sh hop: 3% loss each way, by
#     scripts/impair.py beyond the capture point): a kernel client sends
#     2 MB to a kernel server behind the hop, captured on the client's
#     side; the list must show the 2 MB exactly, retransmissions by the
#     client, and agree with Wireshark on how many;
#   - the ladder diagram of each of those six captures (ladder_check in
#     lib.sh: the SVG read back by tests/lib/ladder_read.py), compared
#     with tshark's fields and the trace list: the connection's ends, one
#     arrow per segment with its direction, flags, relative seq/ack,
#     length and window, the handshake, the FINs, the states of the
#     half-close (client: SYN_SENT ESTABLISHED FIN_WAIT_1 [FIN_WAIT_2 if
#     the server acknowledged the FIN before sending its own] TIME_WAIT;
#     server: LISTEN SYN_RECEIVED ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED),
#     and the marks: retransmissions segment by segment
#     as tshark names them, losses presumed on the client's copies that it
#     resent before an ACK (at least one on the lossy path), duplicate
#     ACKs, window updates, zero windows; the loopback capture also as an
#     HTML page and as text.
#
# tcpdump runs with -Z root: it would otherwise drop to its own user, who
# cannot write into the test's private work directory.  Every capture
# process goes through bg_start, so the EXIT trap ends it;
# every wait is bounded.
# shellcheck source=lib.sh disable=SC2154  # bg_start assigns the *_pid variables
source "$(dirname "$0")/lib.sh"
interop_init trace "$1" tcpdump tshark ethtool

if ((INTEROP_IPV6)); then
    LO_ADDR=fd00:5ac::7:1
    ip netns exec "$NS" sysctl -q -w net.ipv6.conf.lo.disable_ipv6=0 >/dev/null
else
    LO_ADDR=198.18.7.1
fi
LO_PORT=7777
UP_BYTES=300000
DOWN_BYTES=150000

# conn_summary PCAP: "connections client server up down rexmit-up rexmit-down state"
# from `synack trace list --json`, or the error.
conn_summary() {
    local out
    out=$("$SYNACK" trace list "$1" --json 2>&1) || { echo "error: $out"; return; }
    python3 -c '
import json, sys
conns = json.loads(sys.argv[1])
c = conns[0] if conns else None
if c is None:
    print("0")
else:
    u, d = c["client_to_server"], c["server_to_client"]
    print(len(conns), c["client"].rsplit(":", 1)[0], c["server"], u["bytes"], d["bytes"], u["retransmissions"],
          d["retransmissions"], c["state"])' "$out"
}

log "loopback, kernel to kernel, captured five ways:"
in_ns ip addr add "$LO_ADDR/$((INTEROP_IPV6 ? 128 : 32))" dev lo
caps=()
capture_start cap_lo "$WORK/lo.pcap" "$NS" tcpdump -Z root -i lo -n -U --immediate-mode -B 16384 -w "$WORK/lo.pcap" tcp port $LO_PORT
caps+=("$cap_lo:lo.pcap:tcpdump -Z root -i lo (Ethernet)")
capture_start cap_any "$WORK/any.pcap" "$NS" tcpdump -Z root -i any -n -U --immediate-mode -B 16384 -w "$WORK/any.pcap" tcp port $LO_PORT
caps+=("$cap_any:any.pcap:tcpdump -Z root -i any (Linux SLL)")
capture_start cap_sll2 "$WORK/sll2.pcap" "$NS" tcpdump -Z root -i any -y LINUX_SLL2 -n -U --immediate-mode -B 16384 \
    -w "$WORK/sll2.pcap" tcp port $LO_PORT
caps+=("$cap_sll2:sll2.pcap:tcpdump -Z root -i any -y LINUX_SLL2")
capture_start cap_snap "$WORK/snap.pcap" "$NS" tcpdump -Z root -i lo -s 96 -n -U --immediate-mode -B 16384 -w "$WORK/snap.pcap" \
    tcp port $LO_PORT
caps+=("$cap_snap:snap.pcap:tcpdump -Z root -i lo -s 96 (headers only)")
if command -v dumpcap >/dev/null; then
    capture_start cap_ng "$WORK/ng.pcapng" "$NS" dumpcap -i lo -B 16 -f "tcp port $LO_PORT" -w "$WORK/ng.pcapng"
    caps+=("$cap_ng:ng.pcapng:dumpcap (pcapng)")
else
    log "  (dumpcap not installed: the pcapng capture is skipped)"
fi

out=$(in_ns timeout 30 python3 - "$LO_ADDR" "$LO_PORT" "$UP_BYTES" "$DOWN_BYTES" <<'PY'
import socket, sys, threading
addr, port, up, down = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
ls.bind((addr, port))
ls.listen(1)
got = {}
def drain(c):
    """Reads to end of stream; returns how many bytes came."""
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            return n
        n += len(b)
def serve():
    c, _ = ls.accept()
    got["server"] = drain(c)
    c.sendall(b"d" * down)
    c.close()
t = threading.Thread(target=serve)
t.start()
c = socket.create_connection((addr, port), timeout=20)
c.sendall(b"u" * up)
c.shutdown(socket.SHUT_WR)
n = drain(c)
c.close()
t.join(20)
print(got.get("server"), n)
PY
)
check_eq "$(echo "$out" | awk '{ print $1, $2 }')" "$UP_BYTES $DOWN_BYTES" "the kernel transfer ran ($UP_BYTES up, $DOWN_BYTES down)"
# Retransmissions on loopback: normally none, but on a busy machine the
# kernel's tail loss probe (RFC 8985 §7; a few milliseconds on loopback)
# can fire before the ACK is sent, and resend the last segment: the count
# wanted is Wireshark's, every kind of retransmission it names, each way.
ws_rexmit="tcp.analysis.retransmission || tcp.analysis.fast_retransmission || \
tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order"
written=()
for c in "${caps[@]}"; do
    pid=${c%%:*}
    rest=${c#*:}
    file=${rest%%:*}
    what=${rest#*:}
    if ! capture_stop "$pid" "$WORK/$file"; then
        fail "$what: capture written" "$(cat "$WORK/$file.log")"
        continue
    fi
    up=$(tshark_count "$WORK/$file" "tcp.dstport == $LO_PORT && ($ws_rexmit)")
    down=$(tshark_count "$WORK/$file" "tcp.srcport == $LO_PORT && ($ws_rexmit)")
    want="1 $(url_host "$LO_ADDR") $(hostport "$LO_ADDR" "$LO_PORT") $UP_BYTES $DOWN_BYTES $up $down CLOSED"
    check_eq "$(conn_summary "$WORK/$file")" "$want" \
        "$what: one connection, bytes each way, retransmissions as tshark counts them ($up, $down), closed"
    written+=("$file")
done
# The trace list's connection is tshark's too: same packet count.
n_tshark=$(tshark -r "$WORK/lo.pcap" -n -Y "tcp.stream == 0" -T fields -e frame.number 2>/dev/null | wc -l)
n_synack=$("$SYNACK" trace list "$WORK/lo.pcap" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["packets"])')
check_eq "$n_synack" "$n_tshark" "lo.pcap: as many packets in the connection as tshark's tcp.stream 0"
snap_note=$("$SYNACK" trace list "$WORK/snap.pcap" | tail -1)
check "snap.pcap: the summary says packets were cut ($snap_note)" grep -q 'cut short by the snapshot length' <<<"$snap_note"

# The ladder of each capture, against tshark's reading of it.  The client
# sent, then half-closed; the server read to the end, answered and closed:
# the client's FIN comes first.  The capture point is beside both ends.
log "ladder diagrams of the loopback captures:"
for file in "${written[@]}"; do
    ladder_check "$WORK/$file" "$file ladder" client either
done
# The same drawing as a page and as text: one arrow and one set of details
# per segment; the labels and states of the SVG.
n_lo=$(wc -l <"$WORK/lo.pcap.ladder.tsv")
"$SYNACK" trace ladder "$WORK/lo.pcap" --collapse 0 -o "$WORK/lo.html" 2>"$WORK/lo.html.err"
check_eq "$?" 0 "lo.pcap: synack trace ladder -o FILE.html exits 0 $(cat "$WORK/lo.html.err")"
check_eq "$(python3 "$LADDER_READ" html "$WORK/lo.html" 2>&1)" \
    "$n_lo arrows; details for each: True; external references: 0" "lo.pcap: the HTML page draws and details each segment"
"$SYNACK" trace ladder "$WORK/lo.pcap" --collapse 0 >"$WORK/lo.txt" 2>&1
check_eq "$?" 0 "lo.pcap: synack trace ladder (text) exits 0"
check_eq "$(grep -cE '#[0-9]+( |$)' "$WORK/lo.txt") $(grep -c '[▶◀✕]' "$WORK/lo.txt")" "$n_lo $n_lo" \
    "lo.pcap: the text rendering numbers and draws $n_lo arrows"
got=$(python3 "$LADDER_READ" arrows "$WORK/lo.pcap.ladder.svg" | head -3 | sed 's/.*| //; s/ <.*//' | tr '\n' '/')
check_eq "$got" "SYN seq=0/SYN,ACK seq=0 ack=1/ACK seq=1 ack=1/" "lo.pcap: the SVG's first labels, relative numbers"
check_eq "$(python3 "$LADDER_READ" text-labels "$WORK/lo.pcap.ladder.svg" "$WORK/lo.txt" 2>&1)" "0 of $n_lo labels differ" \
    "lo.pcap: the text rendering labels each segment as the SVG does"
check_eq "$(python3 "$LADDER_READ" text-states "$WORK/lo.txt" 2>&1)" \
    "$(python3 "$LADDER_READ" states "$WORK/lo.pcap.ladder.svg")" \
    "lo.pcap: the text rendering shows the SVG's states beside each line, in order"

log "an impaired path (3% loss each way), kernel to kernel, captured at the client:"
HOP_BYTES=$(scaled 2000000)
# The impairer in user space (scripts/impair.py in a namespace of its own),
# even where the kernel has tc netem: netem on hop0 would drop the client's
# packets in hop0's queue, before tcpdump's tap on hop0 sees them, and the
# capture would no longer be at the sender.
SYNACK_NETNS_IMPAIR=userspace "$NETNS_SH" hop "$NAME" --netem "loss 3%" --seed 11 "${HOP_OPTS[@]}" >"$WORK/hop.txt" 2>&1 || {
    fail "scripts/netns.sh hop" "$(cat "$WORK/hop.txt")"
    interop_finish
}
log "  $(cat "$WORK/hop.txt")"
capture_start cap_hop "$WORK/hop.pcap" "$NS" tcpdump -Z root -i hop0 -n -U --immediate-mode -B 16384 -w "$WORK/hop.pcap" tcp port 9000
check "the far server listens" peer_listen sink_pid "$FAR" sink "$(hostport "$FAR_ADDR" 9000)" "$HOP_BYTES" 120
out=$(in_ns timeout 130 python3 "$PEER" discard --connect "$(hostport "$FAR_ADDR" 9000)" --bytes "$HOP_BYTES" --timeout 120)
check "the kernel client sent $HOP_BYTES bytes over the lossy hop: $out" test "$(json_field ok "$out")" = true
check_job "$sink_pid" 30 "$WORK/sink.json" "the far server read them all"
if capture_stop "$cap_hop" "$WORK/hop.pcap"; then
    got=$(conn_summary "$WORK/hop.pcap")
    log "  trace list: $got"
    read -r n client server up down rx_up rx_down state <<<"$got"
    check_eq "$n $server $up $down $state" "1 $(hostport "$FAR_ADDR" 9000) $HOP_BYTES 0 CLOSED" \
        "hop.pcap: one connection, $HOP_BYTES bytes to the server, closed"
    check_awk "${rx_up:-0} > 0" "hop.pcap: the client's retransmissions are counted (${rx_up:-?})"
    # Wireshark's count: every kind of retransmission it names, from the
    # client — and its "out-of-order" segments, which are retransmissions
    # sent within an RTT of the highest segment (RACK, tail loss probes):
    # captured where the client sends, nothing can arrive out of order.
    n_ws=$(tshark_count "$WORK/hop.pcap" "$IP_SRC == $HOP_ADDR && ($ws_rexmit)")
    check_eq "${rx_up:-?}" "$n_ws" "hop.pcap: as many client retransmissions as tshark finds"
    # The kernel client sent and half-closed; the capture point is beside
    # it, before the impairer: every copy it sent was seen.
    ladder_check "$WORK/hop.pcap" "hop.pcap ladder" client client
    lost=$(ladder_marks "$WORK/hop.pcap" lost)
    check_awk "$lost > 0" "hop.pcap: losses presumed where the client resent before an ACK ($lost lost arrows)"
    "$SYNACK" trace ladder "$WORK/hop.pcap" --collapse 0 >"$WORK/hop-ladder.txt" 2>&1
    check_eq "$(grep '✕' "$WORK/hop-ladder.txt" | grep -c '\[lost\]')" "$lost" \
        "hop.pcap: the text rendering ends each lost arrow in ✕"
else
    fail "hop.pcap: capture written" "$(cat "$WORK/hop.pcap.log")"
fi
interop_finish
