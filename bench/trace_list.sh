#!/usr/bin/env bash
# bench/trace_list.sh — time and memory of `synack trace list` (the
# connection index of synack/conn_index.h) on three captures of about a
# million TCP segments each, written under $TMPDIR and removed after:
#
#   one connection   `synack sim --bytes 1000000000` at 1 Gbit/s, 0.1% loss
#                    (about 1.17 million segments, 1.1 GB of capture)
#   many             100,000 connections of the textbook exchange, ten
#                    segments each, in interleaved batches of 1000
#   scan             1,000,000 connections of one SYN each (a port scan:
#                    the worst case for memory per connection)
#
# Prints a table; the last line is JSON.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SYNACK=${SYNACK:-build/synack}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs "$@", printing "seconds max_rss_kb".
measure() {
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>&1
    cat "$tmp/time"
}

# gen PCAP CONNS SEGMENTS: CONNS connections (198.18.x.y:port -> 198.19.0.1:80),
# each the first SEGMENTS segments of the textbook exchange.
gen() {
    python3 - "$@" <<'PY'
import struct, sys
path, conns, segs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
steps = [(0, 0x02, 1000, 0, 0), (1, 0x12, 8000, 1001, 0), (0, 0x10, 1001, 8001, 0), (0, 0x18, 1001, 8001, 20),
         (1, 0x18, 8001, 1021, 10), (0, 0x10, 1021, 8011, 0), (0, 0x11, 1021, 8011, 0), (1, 0x10, 8011, 1022, 0),
         (1, 0x11, 8011, 1022, 0), (0, 0x10, 1022, 8012, 0)][:segs]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
server = bytes([198, 19, 0, 1])
out = open(path, "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
t = 0
for g in range(0, conns, 1000):
    for fs, flags, seq, ack, n in steps:
        for k in range(g, min(g + 1000, conns)):
            client = bytes([198, 18, k // 60000 % 256, 1 + k // 60000 // 256])
            port = 1024 + k % 60000
            src, dst = (server, client) if fs else (client, server)
            sp, dp = (80, port) if fs else (port, 80)
            tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + b"x" * n
            ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst))
            ip[10:12] = struct.pack("!H", csum(bytes(ip)))
            pkt = bytes(ip) + tcp
            out.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(pkt), len(pkt)) + pkt)
            t += 1
out.close()
PY
}

"$SYNACK" sim --bytes 1000000000 --rate 1000 --delay 5 --loss 0.001 --seed 3 --pcap "$tmp/one.pcap" >/dev/null
gen "$tmp/many.pcap" 100000 10
gen "$tmp/scan.pcap" 1000000 1

printf '%-16s %12s %12s %8s %12s\n' "capture" "segments" "connections" "seconds" "max RSS kB"
json="{"
for c in one many scan; do
    read -r s kb < <(measure "$SYNACK" trace list "$tmp/$c.pcap")
    summary=$(tail -1 "$tmp/out")
    conns=$(awk '{ print $1 }' <<<"$summary")
    segs=$(awk '{ print $3 }' <<<"$summary")
    printf '%-16s %12s %12s %8s %12s\n' "$c" "$segs" "$conns" "$s" "$kb"
    json+="\"$c\": {\"segments\": $segs, \"connections\": $conns, \"seconds\": $s, \"max_rss_kb\": $kb}, "
done
echo "${json%, }}"
