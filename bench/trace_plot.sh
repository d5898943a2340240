#!/usr/bin/env bash
# bench/trace_plot.sh [BYTES] — time and memory of `synack trace plot` on a
# capture of about a million data segments (the default 1.45 GB of data at
# MTU 1500, 0.1% loss; its capture is about 1.6 GB, written under $TMPDIR
# and removed after), for each kind of plot; then of `synack sim` with all
# three plots against the same run without them.  Prints a table; the
# last line is JSON.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BYTES=${1:-1450000000}
SYNACK=${SYNACK:-build/synack}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sim=(sim --bytes "$BYTES" --rate 1000 --delay 5 --loss 0.001)

# Runs "$@", printing "seconds max_rss_kb".
measure() {
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>&1
    cat "$tmp/time"
}

read -r sim_s sim_kb < <(measure "$SYNACK" "${sim[@]}" --pcap "$tmp/big.pcap")
read -r simplot_s simplot_kb < <(measure "$SYNACK" "${sim[@]}" --plot-tseq "$tmp/s-t.svg" \
    --plot-cwnd "$tmp/s-c.svg" --plot-rtt "$tmp/s-r.svg")
read -r plain_s plain_kb < <(measure "$SYNACK" "${sim[@]}")
printf '%-40s %8s %10s %10s\n' "run" "seconds" "max RSS kB" "SVG bytes"
printf '%-40s %8s %10s %10s\n' "sim (with --pcap)" "$sim_s" "$sim_kb" "-"
printf '%-40s %8s %10s %10s\n' "sim, no plots" "$plain_s" "$plain_kb" "-"
printf '%-40s %8s %10s %10s\n' "sim --plot-tseq/cwnd/rtt" "$simplot_s" "$simplot_kb" \
    "$(($(stat -c %s "$tmp/s-t.svg") + $(stat -c %s "$tmp/s-c.svg") + $(stat -c %s "$tmp/s-r.svg")))"
json="{\"bytes\": $BYTES, \"pcap_bytes\": $(stat -c %s "$tmp/big.pcap")"
for kind in tseq cwnd rtt; do
    read -r s kb < <(measure "$SYNACK" trace plot "$tmp/big.pcap" -o "$tmp/$kind.svg" --kind "$kind")
    segs=$(sed -n 's/.*: \([0-9]*\) segments, .*/\1/p' "$tmp/out")
    size=$(stat -c %s "$tmp/$kind.svg")
    printf '%-40s %8s %10s %10s\n' "trace plot --kind $kind ($segs segs)" "$s" "$kb" "$size"
    json+=", \"$kind\": {\"segments\": $segs, \"seconds\": $s, \"max_rss_kb\": $kb, \"svg_bytes\": $size}"
done
read -r s kb < <(measure "$SYNACK" trace list "$tmp/big.pcap")
printf '%-40s %8s %10s %10s\n' "trace list (index only)" "$s" "$kb" "-"
echo "$json, \"list_seconds\": $s, \"sim_plots_seconds\": $simplot_s, \"sim_seconds\": $plain_s}"
