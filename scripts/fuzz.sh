#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer harnesses (fuzz/, clang, ASan+UBSan) and
# runs each for a bounded time, one after another, single process.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      default: 60 s each; input tcp_options conn eth
#
# Each harness starts from the committed seeds (fuzz/corpus/<harness>) and
# grows a working corpus in $FUZZ_OUT/corpus/<harness> (kept between runs,
# never written into the repository).  The report gives, per harness, the
# executions, executions per second, coverage ("cov": edges, "ft":
# features, from libFuzzer's final line) and the working corpus size.
# Exits non-zero if any harness crashed, leaked, tripped a sanitizer or
# broke an invariant; the input that did it stays in $FUZZ_OUT/crashes/
# (reproduce: build-fuzz/fuzz/fuzz_<harness> FILE, or FUZZ_VERBOSE=1 ...).
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_OUT (default
# $FUZZ_BUILD_DIR/fuzz-out), CC (default clang).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

seconds=${1:-60}
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -ge 1 ]] || { echo "fuzz.sh: SECONDS must be a positive integer" >&2; exit 2; }
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(input tcp_options conn eth)

build=${FUZZ_BUILD_DIR:-build-fuzz}
out=${FUZZ_OUT:-$build/fuzz-out}
cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "fuzz.sh: $cc not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

# Debug keeps the engine's assert()s; -O1 is libFuzzer's usual trade-off.
CC=$cc cmake -S . -B "$build" -DSYNACK_FUZZ=ON -DSYNACK_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="-O1 -g" >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
cmake --build "$build" -j2 "${targets[@]}"

mkdir -p "$out/crashes" "$out/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

max_len() {
    case $1 in
    input) echo 4096 ;;
    tcp_options) echo 128 ;;
    *) echo 2048 ;;
    esac
}

failed=()
report=()
for h in "${harnesses[@]}"; do
    exe=$build/fuzz/fuzz_$h
    seeds=$root/fuzz/corpus/$h
    work=$out/corpus/$h
    log=$out/logs/$h.log
    mkdir -p "$work"
    echo "fuzz.sh: $h for ${seconds} s (log: $log)"
    rc=0
    "$exe" -max_total_time="$seconds" -max_len="$(max_len "$h")" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/crashes/$h-" "$work" "$seeds" >"$log" 2>&1 || rc=$?
    if ((rc != 0)) || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant broken' "$log"; then
        failed+=("$h")
        echo "fuzz.sh: $h FAILED (exit $rc); the end of its log:"
        tail -n 40 "$log"
        ls -1 "$out/crashes/$h-"* 2>/dev/null | sed 's/^/    kept: /' || true
    fi
    final=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$final")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$final")
    files=$(find "$work" -type f | wc -l)
    report+=("$(printf '%-12s %6ss %12s %9s %7s %8s %7s' "$h" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$files")")
done

printf '\n%-12s %7s %12s %9s %7s %8s %7s\n' harness time execs exec/s cov ft corpus
printf '%s\n' "${report[@]}"
if ((${#failed[@]})); then
    echo "fuzz.sh: FAILED: ${failed[*]} (inputs kept in $out/crashes/)"
    exit 1
fi
echo "fuzz.sh: no crash, leak, sanitizer report or broken invariant"
