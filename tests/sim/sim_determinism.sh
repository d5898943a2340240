#!/usr/bin/env bash
# sim_determinism.sh SYNACK — the same seed twice gives byte-identical
# pcaps, and a different seed gives a different one; the same seed twice
# over IPv6 on an Ethernet switch gives identical captures of frames.
set -u
synack=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(sim --bytes 2000000 --loss 0.02 --reorder 0.02 --dup 0.01 --corrupt 0.005 --delay 5 --rate 50)
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else echo "FAILED: $*"; failed=$((failed + 1)); fi; }
"$synack" "${args[@]}" --seed 7 --pcap "$dir/a.pcap" >/dev/null
"$synack" "${args[@]}" --seed 7 --pcap "$dir/b.pcap" >/dev/null
"$synack" "${args[@]}" --seed 8 --pcap "$dir/c.pcap" >/dev/null
check test -s "$dir/a.pcap"
check cmp -s "$dir/a.pcap" "$dir/b.pcap"
check test "$(stat -c %s "$dir/a.pcap")" -gt 2000000
if cmp -s "$dir/a.pcap" "$dir/c.pcap"; then echo "FAILED: seeds 7 and 8 gave the same capture"; failed=$((failed + 1)); else passed=$((passed + 1)); fi
# The same over IPv6 on an Ethernet switch (neighbour discovery, duplicate
# address detection and the switch's flooding and learning included):
# the capture of frames is the same for the same seed.
"$synack" "${args[@]}" --ethernet --ipv6 --seed 7 --pcap "$dir/e.pcap" >/dev/null
"$synack" "${args[@]}" --ethernet --ipv6 --seed 7 --pcap "$dir/f.pcap" >/dev/null
check test -s "$dir/e.pcap"
check cmp -s "$dir/e.pcap" "$dir/f.pcap"
if cmp -s "$dir/a.pcap" "$dir/e.pcap"; then echo "FAILED: IPv4 and IPv6 on Ethernet gave the same capture"; failed=$((failed + 1)); else passed=$((passed + 1)); fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
