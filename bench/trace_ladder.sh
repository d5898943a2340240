#!/usr/bin/env bash
# bench/trace_ladder.sh — time and peak memory of `synack trace ladder` on
# captures of about 250,000 and 1,000,000 TCP segments, to show that the
# ladder model's memory is bounded (synack_ladder_config.max_segments):
#
#   clean   `synack sim --bytes B --rate 1000 --delay 5`: one bulk transfer
#   lossy   the same with --loss 0.001 (retransmissions, presumed losses,
#           runs of duplicate ACKs: what cannot all be folded first)
#
# with B = 217 MB (about 250,000 segments) and 870 MB (about 1,000,000).
# Each capture (up to 0.95 GB, under $TMPDIR) is drawn as HTML, SVG and
# text, then removed.  Prints a table and, last, a line of JSON.
#
# Fails (exit 1) when a render of the 1,000,000-segment captures takes more
# than MAX_SECONDS (10) or when its peak RSS is more than MAX_RATIO (1.5)
# times that of the 250,000-segment one: memory bounded independently of
# the capture's length means a ratio near 1, where a model holding every
# segment gives 4.  Use a Release build (cmake -DCMAKE_BUILD_TYPE=Release):
#
#   SYNACK=build-rel/synack bench/trace_ladder.sh
#
# Peak RSS comes from getrusage(RUSAGE_CHILDREN) in a python3 wrapper that
# runs one command (GNU time is not needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SYNACK=${SYNACK:-build/synack}
MAX_SECONDS=${MAX_SECONDS:-10}
MAX_RATIO=${MAX_RATIO:-1.5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure CMD...: runs it (stdout to $tmp/out), prints "seconds max_rss_kb".
measure() {
    python3 - "$tmp/out" "$@" <<'EOF'
import resource, subprocess, sys, time
with open(sys.argv[1], 'wb') as out:
    t = time.monotonic()
    rc = subprocess.run(sys.argv[2:], stdout=out).returncode
    s = time.monotonic() - t
if rc != 0:
    sys.exit('%s exited %d' % (' '.join(sys.argv[2:]), rc))
print('%.2f %d' % (s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
}

declare -A seconds rss segs
sizes=(250k 1m)
declare -A bytes=([250k]=217000000 [1m]=870000000)
kinds=(clean lossy)
declare -A loss=([clean]=0 [lossy]=0.001)
formats=(html svg text)

printf '%-14s %10s %-6s %8s %12s %12s\n' capture segments format seconds "max RSS kB" "output bytes"
for kind in "${kinds[@]}"; do
    for size in "${sizes[@]}"; do
        cap=$tmp/$kind-$size.pcap
        "$SYNACK" sim --bytes "${bytes[$size]}" --rate 1000 --delay 5 --loss "${loss[$kind]}" --seed 3 \
            --pcap "$cap" >/dev/null
        n=$("$SYNACK" trace list "$cap" | tail -1 | awk '{print $3}')
        segs[$kind-$size]=$n
        for f in "${formats[@]}"; do
            case $f in
            html) out=$tmp/out.html; args=(-o "$out") ;;
            svg) out=$tmp/out.svg; args=(-o "$out") ;;
            text) out=$tmp/out; args=() ;;
            esac
            read -r s kb < <(measure "$SYNACK" trace ladder "$cap" "${args[@]}")
            seconds[$kind-$size-$f]=$s
            rss[$kind-$size-$f]=$kb
            printf '%-14s %10s %-6s %8s %12s %12s\n' "$kind-$size" "$n" "$f" "$s" "$kb" "$(stat -c %s "$out")"
            rm -f "$tmp/out.html" "$tmp/out.svg"
        done
        rm -f "$cap"
    done
done

status=0
json="{\"max_seconds\": $MAX_SECONDS, \"max_ratio\": $MAX_RATIO"
echo
for kind in "${kinds[@]}"; do
    json+=", \"$kind\": {\"segments\": {\"250k\": ${segs[$kind-250k]}, \"1m\": ${segs[$kind-1m]}}"
    for f in "${formats[@]}"; do
        s=${seconds[$kind-1m-$f]}
        ratio=$(python3 -c 'import sys; print("%.2f" % (int(sys.argv[1]) / int(sys.argv[2])))' \
            "${rss[$kind-1m-$f]}" "${rss[$kind-250k-$f]}")
        verdict=ok
        if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)' "$s" "$MAX_SECONDS"; then
            verdict="TOO SLOW (more than $MAX_SECONDS s)"
            status=1
        fi
        if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)' "$ratio" "$MAX_RATIO"; then
            verdict="MEMORY GROWS (peak RSS ratio above $MAX_RATIO)"
            status=1
        fi
        printf '%-6s %-5s 1M render %6s s, peak RSS 1M/250k %5s: %s\n' "$kind" "$f" "$s" "$ratio" "$verdict"
        json+=", \"$f\": {\"seconds_250k\": ${seconds[$kind-250k-$f]}, \"seconds_1m\": $s"
        json+=", \"max_rss_kb_250k\": ${rss[$kind-250k-$f]}, \"max_rss_kb_1m\": ${rss[$kind-1m-$f]}, \"rss_ratio\": $ratio}"
    done
    json+="}"
done
echo "$json, \"ok\": $([[ $status -eq 0 ]] && echo true || echo false)}"
exit $status
