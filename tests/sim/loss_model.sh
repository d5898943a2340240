#!/usr/bin/env bash
# loss_model.sh SYNACK [quick] — congestion control against the loss model.
#
# 1. NewReno on a 100 Mbit/s path with 20 ms of round-trip time and random
#    loss p (each direction) reaches between 0.6 and 1.6 times the
#    steady-state throughput of Mathis, Semke, Mahdavi and Ott (1997):
#
#        rate = MSS / RTT * C / sqrt(p),   C = 1.22 (sqrt(3/2)),
#
#    with MSS = 1460 bytes of payload and RTT = 0.020 s, for p = 0.001,
#    0.01 and 0.03.  Each figure is the mean goodput of three seeds, with
#    transfers long enough for a hundred or more loss events, so that slow
#    start is a small part of the time.
# 2. CUBIC's mean goodput is at least NewReno's at each p (same seeds).
# 3. Four flows sharing the 100 Mbit/s bottleneck (100-packet drop-tail
#    queue, no random loss) get fair shares: Jain's index >= 0.95 (CUBIC,
#    the default; NewReno's index is printed too).
#
# Every figure is printed.  "quick" (used under the sanitizers) divides
# the transfer sizes by four.
set -u
synack=$1
scale=1
[[ ${2:-} == quick ]] && scale=4
seeds=(1 2 3)
passed=0 failed=0
check() { # check CONDITION-AS-AWK-EXPR DESCRIPTION
    if awk "BEGIN { exit !($1) }"; then
        passed=$((passed + 1))
        echo "  ok:     $2"
    else
        failed=$((failed + 1))
        echo "  FAILED: $2"
    fi
}
# Top-level members are the lines that start with two spaces and a quote.
field() { grep -o "^  \"$1\": *[^,]*" <<<"$2" | sed 's/.*: *//'; }

# run_mean P CC BYTES: prints the mean goodput (Mbit/s) over the seeds;
# fails the test when a transfer is not verified.
run_mean() {
    local p=$1 cc=$2 bytes=$3 sum=0 out g
    for seed in "${seeds[@]}"; do
        out=$("$synack" sim --bytes "$bytes" --delay 10 --rate 100 --loss "$p" --cc "$cc" --seed "$seed" --json)
        if [[ $(field verified "$out") != true ]]; then
            echo "  FAILED: p=$p $cc seed $seed not verified:" >&2
            echo "$out" >&2
            failed=$((failed + 1))
        fi
        g=$(field goodput_mbps "$out")
        printf '    p=%-6s %-8s seed %d: %8.3f Mbit/s, %s s virtual, %s retransmissions, %s timeouts\n' \
            "$p" "$cc" "$seed" "$g" "$(field virtual_seconds "$out")" "$(field retransmissions "$out")" \
            "$(field rto_expiries "$out")" >&2
        sum=$(awk -v a="$sum" -v b="$g" 'BEGIN { printf "%.6f", a + b }')
    done
    awk -v s="$sum" -v n="${#seeds[@]}" 'BEGIN { printf "%.6f", s / n }'
}

echo "1. NewReno against Mathis (MSS 1460 B, RTT 20 ms, 100 Mbit/s, loss p each direction)"
declare -A newreno cubic
for spec in 0.001:200000000 0.01:50000000 0.03:20000000; do
    p=${spec%%:*}
    bytes=$((${spec##*:} / scale))
    newreno[$p]=$(run_mean "$p" newreno "$bytes")
    mathis=$(awk -v p="$p" 'BEGIN { printf "%.6f", 1460 * 8 / 0.020 * 1.22 / sqrt(p) / 1e6 }')
    ratio=$(awk -v g="${newreno[$p]}" -v m="$mathis" 'BEGIN { printf "%.3f", g / m }')
    echo "  p=$p ($bytes bytes): NewReno ${newreno[$p]} Mbit/s, Mathis $mathis Mbit/s, ratio $ratio"
    check "$ratio >= 0.6 && $ratio <= 1.6" "p=$p: 0.6 <= goodput / Mathis = $ratio <= 1.6"
done

echo "2. CUBIC against NewReno (same seeds)"
for spec in 0.001:200000000 0.01:50000000 0.03:20000000; do
    p=${spec%%:*}
    bytes=$((${spec##*:} / scale))
    cubic[$p]=$(run_mean "$p" cubic "$bytes")
    ratio=$(awk -v c="${cubic[$p]}" -v n="${newreno[$p]}" 'BEGIN { printf "%.3f", c / n }')
    echo "  p=$p: CUBIC ${cubic[$p]} Mbit/s, NewReno ${newreno[$p]} Mbit/s, CUBIC / NewReno $ratio"
    check "${cubic[$p]} >= ${newreno[$p]}" "p=$p: CUBIC goodput >= NewReno goodput"
done

echo "3. Four flows through one bottleneck (100 Mbit/s, 10 ms each way, 100-packet queue)"
bytes=$((50000000 / scale))
for cc in cubic newreno; do
    out=$("$synack" sim --bytes "$bytes" --flows 4 --rate 100 --delay 10 --queue 100 --cc "$cc" --seed 1 --json)
    fairness=$(field fairness "$out")
    goodputs=$(grep -o '"goodput_mbps": *[^,]*' <<<"$out" | tail -n +2 | sed 's/.*: *//' |
        awk '{ printf "%s%.3f", (NR > 1 ? ", " : ""), $1 }')
    echo "  $cc: 4 x $bytes bytes, verified $(field verified "$out"), total $(field goodput_mbps "$out") Mbit/s," \
        "per flow [$goodputs] Mbit/s, queue drops $(field queue_drops "$out"), Jain's index $fairness"
    if [[ $cc == cubic ]]; then
        check "\"$(field verified "$out")\" == \"true\"" "four CUBIC flows verified"
        check "$fairness >= 0.95" "four CUBIC flows: Jain's index $fairness >= 0.95"
    fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
