#!/usr/bin/env bash
# trace_list.sh SYNACK — `synack trace list` on captures synack wrote:
#
#   - the demo's textbook exchange is one connection, 198.18.0.1:49152 →
#     198.18.0.2:80, 20 bytes up and 10 down, no retransmissions, closed
#     with FINs both ways; the same when Wireshark's editcap rewrites the
#     capture as pcapng or as nanosecond pcap (when editcap is installed);
#     and over IPv6 ([fd00:5ac::1]:49152 → [fd00:5ac::2]:80);
#   - a lossy `synack sim` with three flows: three connections whose bytes
#     and retransmissions each way are what the simulator reports for each
#     flow;
#   - a truncated capture: exit status 1 and a message naming the packet;
#     bad command lines: exit status 2.
set -u
synack=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() {
    if [[ "$1" == "$2" ]]; then
        passed=$((passed + 1))
        echo "ok:     $3"
    else
        echo "FAILED: $3"
        echo "  expected: $2"
        echo "  got:      $1"
        failed=$((failed + 1))
    fi
}

# summary FILE: one line per connection from --json: client server
# packets bytes-up bytes-down rexmit-up rexmit-down state
summary() {
    "$synack" trace list "$1" --json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    u, d = c["client_to_server"], c["server_to_client"]
    print(c["client"], c["server"], c["packets"], u["bytes"], d["bytes"], u["retransmissions"],
          d["retransmissions"], c["state"])'
}

"$synack" demo --pcap "$dir/demo.pcap" >/dev/null
check "$?" 0 "synack demo writes its capture"
line=$("$synack" trace list "$dir/demo.pcap" | sed -n 2p | tr -s ' ')
check "$line" " 0 198.18.0.1:49152 → 198.18.0.2:80 2.060000 20 10 0 0 CLOSED (FIN both ways)" \
    "trace list: the textbook exchange, one line"
want="198.18.0.1:49152 198.18.0.2:80 10 20 10 0 0 CLOSED"
check "$(summary "$dir/demo.pcap")" "$want" "trace list --json: the textbook exchange"
if command -v editcap >/dev/null; then
    editcap -F pcapng "$dir/demo.pcap" "$dir/demo.pcapng"
    check "$(summary "$dir/demo.pcapng")" "$want" "the same capture as pcapng (editcap)"
    editcap -F nsecpcap "$dir/demo.pcap" "$dir/demo-ns.pcap"
    check "$(summary "$dir/demo-ns.pcap")" "$want" "the same capture as nanosecond pcap (editcap)"
    t1=$("$synack" trace list "$dir/demo.pcap" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["last_time_us"])')
    t2=$("$synack" trace list "$dir/demo-ns.pcap" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["last_time_us"])')
    check "$t2" "$t1" "nanosecond timestamps read as the same microseconds"
else
    echo "(editcap not installed: pcapng and nanosecond checks skipped)"
fi

"$synack" demo --ipv6 --pcap "$dir/six.pcap" >/dev/null
check "$?" 0 "synack demo --ipv6 writes its capture"
line=$("$synack" trace list "$dir/six.pcap" | sed -n 2p | tr -s ' ')
check "$line" " 0 [fd00:5ac::1]:49152 → [fd00:5ac::2]:80 2.060000 20 10 0 0 CLOSED (FIN both ways)" \
    "trace list: the textbook exchange over IPv6, one line, the column as wide as its endpoints"
check "$("$synack" trace list "$dir/six.pcap" | tail -1)" "1 connection, 10 TCP segments in 10 packet records; 10 IPv6 packets" \
    "trace list: the IPv6 packets counted"
check "$(summary "$dir/six.pcap")" "[fd00:5ac::1]:49152 [fd00:5ac::2]:80 10 20 10 0 0 CLOSED" \
    "trace list --json: the textbook exchange over IPv6"

"$synack" sim --bytes 300000 --delay 10 --rate 20 --loss 0.03 --flows 3 --seed 7 --pcap "$dir/lossy.pcap" \
    --json >"$dir/sim.json"
check "$?" 0 "synack sim with loss runs"
want=$(python3 -c '
import json, sys
sim = json.load(open(sys.argv[1]))
for f in sim["flows"]:
    print(f["bytes"], 0, f["retransmissions"], "CLOSED")
print("server", sim["server_retransmissions"])' "$dir/sim.json")
got=$(summary "$dir/lossy.pcap" | awk '{ print $4, $5, $6, $8; down += $7 } END { print "server", down }')
check "$got" "$want" "lossy sim: three connections, bytes and retransmissions as the simulator counted them"
rexmits=$(python3 -c 'import json, sys; print(sum(f["retransmissions"] for f in json.load(open(sys.argv[1]))["flows"]))' "$dir/sim.json")
check "$([[ $rexmits -gt 0 ]] && echo yes)" yes "the lossy run had retransmissions to count ($rexmits)"

size=$(stat -c %s "$dir/demo.pcap")
head -c $((size - 10)) "$dir/demo.pcap" >"$dir/cut.pcap"
err=$("$synack" trace list "$dir/cut.pcap" 2>&1 >/dev/null)
check "$?" 1 "a truncated capture: exit status 1"
check "$err" "synack trace list: $dir/cut.pcap: packet 10: record truncated (need 40 bytes, file ends after 30)" \
    "a truncated capture: the message names the packet"
"$synack" trace list "$dir/nonexistent.pcap" 2>/dev/null
check "$?" 1 "a missing file: exit status 1"
"$synack" trace list 2>/dev/null
check "$?" 2 "no FILE: exit status 2"
"$synack" trace list "$dir/demo.pcap" --bogus 2>/dev/null
check "$?" 2 "an unknown option: exit status 2"
"$synack" trace 2>/dev/null
check "$?" 2 "no subcommand: exit status 2"
"$synack" trace frobnicate 2>/dev/null
check "$?" 2 "an unknown subcommand: exit status 2"
"$synack" trace list --help | grep -q '^usage: synack trace list'
check "$?" 0 "trace list --help"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
