#!/usr/bin/env bash
# sim_seeds.sh SYNACK [FIRST] [COUNT] [SIM OPTIONS...] — runs a 10 MB
# transfer over a lossy, reordering, duplicating simulated link for COUNT
# seeds (default 50) and requires every run to report "verified": true
# with exit status 0.  SIM OPTIONS go to every run (--ipv6, --ethernet).
set -u
synack=$1
first=${2:-1}
count=${3:-50}
extra=("${@:4}")
failed=0
for ((seed = first; seed < first + count; seed++)); do
    out=$("$synack" sim --bytes 10000000 --loss 0.02 --reorder 0.02 --dup 0.01 --seed "$seed" --json "${extra[@]}")
    rc=$?
    if [[ $rc -ne 0 ]] || ! grep -q '^  "verified": *true' <<<"$out"; then
        echo "seed $seed: exit $rc, not verified:"
        echo "$out"
        failed=$((failed + 1))
    else
        secs=$(grep -o '^  "virtual_seconds": *[0-9.]*' <<<"$out" | grep -o '[0-9.]*$')
        rtx=$(grep -o '^  "retransmissions": *[0-9]*' <<<"$out" | grep -o '[0-9]*$')
        echo "seed $seed: verified, ${secs}s virtual, $rtx retransmissions"
    fi
done
echo "$((count - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
