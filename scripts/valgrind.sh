#!/usr/bin/env bash
# valgrind.sh — runs the scenario and unit test programs of a normal (not
# sanitized) build under valgrind's memcheck, and the allocation-failure
# test (tests/hostile/test_alloc_failure.c) over every STRIDE-th failure
# point, so that memcheck also watches the paths where allocations fail.
#
#   scripts/valgrind.sh [BUILD_DIR]      default: build
#
# Each program must finish with no memcheck error and no definitely or
# indirectly lost block (--errors-for-leak-kinds=definite,indirect).
# Exits 0 when all pass, 1 when one fails (its log is printed), and 77 —
# "skipped", for ctest — when valgrind is not installed or the build is
# sanitized (ASan and valgrind cannot share a process).
#
# SYNACK_VALGRIND_JOBS (default 2) programs run at once; each is bounded by
# SYNACK_VALGRIND_TIMEOUT seconds (default 900).  SYNACK_VALGRIND_STRIDE
# (default 8) is the allocation-failure test's stride.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
jobs=${SYNACK_VALGRIND_JOBS:-2}
limit=${SYNACK_VALGRIND_TIMEOUT:-900}
stride=${SYNACK_VALGRIND_STRIDE:-8}

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: SKIPPED: valgrind is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
if [[ ! -d "$build/tests" ]]; then
    echo "valgrind.sh: no test programs in $build/tests (build first)" >&2
    exit 1
fi
build=$(cd "$build" && pwd)
if grep -q "^SYNACK_SANITIZE:BOOL=ON" "$build/CMakeCache.txt" 2>/dev/null; then
    echo "valgrind.sh: SKIPPED: $build is a sanitizer build; valgrind needs a normal one"
    exit 77
fi

# The programs: every scenario and unit test, then the allocation-failure
# test with its stride as argument.
progs=()
for src in "$here"/tests/scenario/test_*.c "$here"/tests/unit/test_*.c; do
    name=$(basename "$src" .c)
    if [[ ! -x "$build/tests/$name" ]]; then
        echo "valgrind.sh: $build/tests/$name is missing (build first)" >&2
        exit 1
    fi
    progs+=("$name")
done
progs+=("test_alloc_failure $stride")

logs=$(mktemp -d "${TMPDIR:-/tmp}/synack-valgrind.XXXXXX")
trap 'rm -rf "$logs"' EXIT

# run_one "NAME [ARGS]": one program under memcheck, its log in $logs/NAME.log,
# "ok NAME SECONDS" or "FAIL NAME" on stdout.
run_one() {
    local name=${1%% *} args=""
    [[ "$1" == *" "* ]] && args=${1#* }
    local start=$SECONDS
    # The tests write pcaps of failed scenarios into the current directory.
    if (cd "$logs" && timeout "$limit" valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
            "$build/tests/$name" $args >"$logs/$name.log" 2>&1); then
        echo "ok   $name $((SECONDS - start))"
    else
        echo "FAIL $name $((SECONDS - start))"
    fi
}
export -f run_one
export build logs limit

start=$SECONDS
results=$(printf '%s\n' "${progs[@]}" | xargs -d '\n' -P "$jobs" -I{} bash -c 'run_one "$@"' _ {})
echo "$results" | sort -k1,1 -k2
failed=$(echo "$results" | awk '$1 == "FAIL" { print $2 }')
for name in $failed; do
    echo "==================== $name ===================="
    tail -n 60 "$logs/$name.log"
done
count=$(echo "$results" | grep -c .)
echo "valgrind.sh: ${#progs[@]} programs, $(echo "$failed" | grep -c . || true) failed, $((SECONDS - start)) s" \
     "($jobs at a time)"
[[ -z "$failed" && "$count" -eq ${#progs[@]} ]]
