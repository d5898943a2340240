#!/usr/bin/env bash
# make_corpus.sh [BUILD_DIR] — regenerates the seed corpus in fuzz/corpus/
# from a normal (gcc) build (default: build/, which must be built):
#   1. every scenario test runs with SYNACK_SCENARIO_PCAP_DIR set, so each
#      scenario leaves its packets in a pcap;
#   2. `synack demo` and two impaired `synack sim` runs leave theirs;
#   3. fuzz_make_seeds (fuzz/make_seeds.c) turns the captures into seeds for
#      fuzz_input and fuzz_tcp_options, and writes fuzz_conn's programs.
# Generated seeds replace the old generated ones; files named regress-*
# (inputs that once found a bug) are kept.  Run it when a harness's input
# format changes, then commit fuzz/corpus.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pcap" "$tmp/out/input" "$tmp/out/tcp_options" "$tmp/out/conn" "$tmp/out/eth"

for src in "$here"/../tests/scenario/test_*.c; do
    t=$(basename "$src" .c)
    [[ -x "$build/tests/$t" ]] || { echo "make_corpus: $build/tests/$t not built" >&2; exit 1; }
    (cd "$tmp" && SYNACK_SCENARIO_PCAP_DIR="$tmp/pcap" timeout 300 "$build/tests/$t" >/dev/null) ||
        echo "make_corpus: $t failed (its pcaps are used all the same)" >&2
done
"$build/synack" demo --pcap "$tmp/pcap/demo.pcap" >/dev/null
"$build/synack" demo --close three-way --pcap "$tmp/pcap/demo-three-way.pcap" >/dev/null
"$build/synack" sim --bytes 20000 --delay 5 --loss 0.05 --reorder 0.05 --seed 3 --pcap "$tmp/pcap/sim-lossy.pcap" >/dev/null
"$build/synack" sim --bytes 20000 --delay 2 --dup 0.05 --corrupt 0.02 --seed 4 --pcap "$tmp/pcap/sim-dup-corrupt.pcap" >/dev/null

"$build/fuzz/fuzz_make_seeds" "$tmp/out" "$tmp/pcap"/*.pcap

for h in input tcp_options conn eth; do
    mkdir -p "$here/corpus/$h"
    find "$here/corpus/$h" -type f ! -name 'regress-*' -delete
    cp "$tmp/out/$h"/* "$here/corpus/$h/"
    printf 'make_corpus: %-12s %4d files, %s\n' "$h" "$(find "$here/corpus/$h" -type f | wc -l)" \
        "$(du -sh "$here/corpus/$h" | cut -f1)"
done
