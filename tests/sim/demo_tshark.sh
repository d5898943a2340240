#!/usr/bin/env bash
# demo_tshark.sh SYNACK — the demo's capture, read by Wireshark's dissector:
# exactly the ten segments of the textbook table, every checksum good, and
# nothing of severity warning or error in the expert analysis.  Both close
# variants are checked (the three-way close has nine segments), and the
# exchange over IPv6 (--ipv6: the same ten segments, IPv6 headers) and on
# a simulated Ethernet switch (--ethernet: frames, ARP or neighbour
# discovery first).
set -u
synack=$1
if ! command -v tshark >/dev/null; then
    echo "tshark is not installed (scripts/install-deps.sh installs it): cannot check the capture"
    exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { if [[ "$1" == "$2" ]]; then passed=$((passed + 1)); else echo "FAILED: $3"; echo "  expected: $2"; echo "  got:      $1"; failed=$((failed + 1)); fi; }

# fields FILE [SOURCE-FIELD]: one line per TCP segment (ip.src, or ipv6.src).
fields() {
    tshark -r "$1" -Y tcp -o tcp.relative_sequence_numbers:FALSE -o tcp.check_checksum:TRUE -T fields \
        -e "${2:-ip.src}" -e tcp.flags.str -e tcp.seq -e tcp.ack -e tcp.len -e tcp.checksum.status -E separator=' ' \
        2>/dev/null | sed 's/198\.18\.0\.1/C/; s/198\.18\.0\.2/S/; s/fd00:5ac::1/C/; s/fd00:5ac::2/S/'
}

"$synack" demo --pcap "$dir/four.pcap" >"$dir/four.txt"
check "$?" 0 "synack demo exits 0"
# tcp.checksum.status is 1 when the checksum was verified good.
# tcp.flags.str prints e.g. "··········S·"; squeeze the dots away.
got=$(fields "$dir/four.pcap" | sed 's/[·.*]//g')
want="C S 1000 0 0 1
S AS 8000 1001 0 1
C A 1001 8001 0 1
C AP 1001 8001 20 1
S AP 8001 1021 10 1
C A 1021 8011 0 1
C AF 1021 8011 0 1
S A 8011 1022 0 1
S AF 8011 1022 0 1
C A 1022 8012 0 1"
check "$got" "$want" "four-way close: the ten segments of the textbook, checksums good (status 1)"
want_four=$want
expert=$(tshark -r "$dir/four.pcap" -q -z expert,warn 2>/dev/null | grep -E -c '^ +[0-9]+ +' || true)
check "$expert" 0 "no expert items of severity warning or error (four-way)"

"$synack" demo --close three-way --pcap "$dir/three.pcap" >"$dir/three.txt"
check "$?" 0 "synack demo --close three-way exits 0"
got=$(fields "$dir/three.pcap" | sed 's/[·.*]//g' | sed -n '6,9p')
want="C A 1021 8011 0 1
C AF 1021 8011 0 1
S AF 8011 1022 0 1
C A 1022 8012 0 1"
check "$got" "$want" "three-way close: the server's ACK and FIN merge"
expert=$(tshark -r "$dir/three.pcap" -q -z expert,warn 2>/dev/null | grep -E -c '^ +[0-9]+ +' || true)
check "$expert" 0 "no expert items of severity warning or error (three-way)"
"$synack" demo --modern --pcap "$dir/modern.pcap" >"$dir/modern.txt"
check "$?" 0 "synack demo --modern exits 0"
got=$(fields "$dir/modern.pcap" | sed 's/[·.*]//g' | awk '{print $1, $2, $3, $4, $5}')
want=$(echo "$want_four" | awk '{print $1, $2, $3, $4, $5}')
check "$got" "$want" "with SACK, timestamps and window scaling: the same ten segments"
opts=$(tshark -r "$dir/modern.pcap" -Y 'tcp.flags.syn==1' -T fields -e tcp.options.sack_perm -e tcp.options.wscale.shift -e tcp.options.timestamp.tsval 2>/dev/null | awk 'NF==3' | wc -l)
check "$opts" 2 "both SYNs carry SACK-permitted, window scale and timestamps"
expert=$(tshark -r "$dir/modern.pcap" -q -z expert,warn 2>/dev/null | grep -E -c '^ +[0-9]+ +' || true)
check "$expert" 0 "no expert items of severity warning or error (modern)"

"$synack" demo --ipv6 --pcap "$dir/six.pcap" >"$dir/six.txt"
check "$?" 0 "synack demo --ipv6 exits 0"
got=$(fields "$dir/six.pcap" ipv6.src | sed 's/[·.*]//g')
check "$got" "$want_four" "over IPv6: the ten segments of the textbook, checksums good"
got=$(tshark -r "$dir/six.pcap" -T fields -e ipv6.version -e ipv6.nxt -e ipv6.plen -e frame.len 2>/dev/null |
    awk '$1 == 6 && $2 == 6 && $3 + 40 == $4 { n++ } END { print n + 0 "/" NR }')
check "$got" "10/10" "over IPv6: every packet version 6, next header TCP, 40 + payload length long"
expert=$(tshark -r "$dir/six.pcap" -q -z expert,warn 2>/dev/null | grep -E -c '^ +[0-9]+ +' || true)
check "$expert" 0 "no expert items of severity warning or error (IPv6)"

# On a simulated Ethernet switch: the capture holds frames (link type 1),
# the neighbours resolving each other, then the same ten segments.
for fam in 4 6; do
    opts=(--ethernet)
    src=ip.src
    [[ $fam == 6 ]] && opts+=(--ipv6) && src=ipv6.src
    "$synack" demo "${opts[@]}" --pcap "$dir/eth$fam.pcap" >"$dir/eth$fam.txt"
    check "$?" 0 "synack demo ${opts[*]} exits 0"
    got=$(fields "$dir/eth$fam.pcap" "$src" | sed 's/[·.*]//g')
    check "$got" "$want_four" "IPv$fam on an Ethernet switch: the ten segments of the textbook, checksums good"
    check "$(tshark -r "$dir/eth$fam.pcap" -T fields -e frame.encap_type 2>/dev/null | sort -u)" 1 \
        "IPv$fam on an Ethernet switch: every record an Ethernet frame"
    if [[ $fam == 4 ]]; then
        filter='arp.opcode == 2 && arp.src.proto_ipv4 == 198.18.0.2'
    else
        filter='icmpv6.type == 136 && icmpv6.nd.na.target_address == fd00:5ac::2'
    fi
    check "$(tshark -r "$dir/eth$fam.pcap" -Y "$filter" 2>/dev/null | wc -l)" 1 \
        "IPv$fam on an Ethernet switch: the server answers the client's resolution once"
    expert=$(tshark -r "$dir/eth$fam.pcap" -q -z expert,warn 2>/dev/null | grep -E -c '^ +[0-9]+ +' || true)
    check "$expert" 0 "no expert items of severity warning or error (IPv$fam on Ethernet)"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
