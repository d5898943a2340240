#!/usr/bin/env bash
# bench/callgrind.sh — noise-free figures for synack's speed: instructions
# executed (valgrind's callgrind, event Ir) per MiB of bulk data and per
# churn connection, and a regression check against a committed baseline.
#
#   bench/callgrind.sh [--synack PATH]                 print the figures
#   bench/callgrind.sh --write bench/callgrind-baseline.json   (re)make the baseline
#   bench/callgrind.sh --check bench/callgrind-baseline.json   exit 1 if either grew > 10%
#
# What runs: `synack bench --callgrind` — bulk, 64 MiB one way with synack's
# defaults (software checksums), and churn, 20,000 connections with 1,000 at
# once — on a virtual clock (1 us a turn), so the same build does exactly the
# same work every time.  Only the measured loops are counted
# (--toggle-collect on bench_bulk_transfer and bench_churn_loop: the
# engine's work plus the harness's thin driver loop), not setup.
#
# Counts depend on the build: the baseline is for the default build type
# (RelWithDebInfo, -O2 -g) without sanitizers, made with this machine's
# compiler and C library (glibc picks memcpy by CPU features).  --check skips
# (exit 77) on another build type or a sanitizer build; the build is read
# from the CMakeCache.txt beside the executable unless --build-type and
# --sanitize say.  Takes about 20 s.
#
# Default executable: $SYNACK, else build/synack.
set -euo pipefail

synack=${SYNACK:-build/synack}
mode=print
file=
build_type=
sanitize=
limit_pct=10
while (($#)); do
    case $1 in
        --synack) synack=$2; shift 2 ;;
        --check) mode=check; file=$2; shift 2 ;;
        --write) mode=write; file=$2; shift 2 ;;
        --build-type) build_type=$2; shift 2 ;;
        --sanitize) sanitize=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "callgrind.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

[[ -x $synack ]] || { echo "callgrind.sh: no executable at $synack (--synack PATH)" >&2; exit 2; }
if ! command -v valgrind >/dev/null; then
    echo "callgrind.sh: skipped: valgrind is not installed (Debian: apt install valgrind)"
    exit 77
fi
cache=$(dirname "$synack")/CMakeCache.txt
if [[ -z $build_type && -f $cache ]]; then
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
fi
if [[ -z $sanitize && -f $cache ]]; then
    s=$(sed -n 's/^SYNACK_SANITIZE:BOOL=//p' "$cache")
    f=$(sed -n 's/^SYNACK_FUZZ:BOOL=//p' "$cache")
    sanitize=OFF
    [[ $s == ON || $f == ON ]] && sanitize=ON
fi
if [[ $mode != print ]]; then
    if [[ $build_type != RelWithDebInfo || $sanitize == ON ]]; then
        echo "callgrind.sh: skipped: the baseline is for the RelWithDebInfo build without sanitizers" \
             "(this is ${build_type:-unknown}, sanitizers ${sanitize:-unknown})"
        exit 77
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count WORKLOAD FUNCTION: collected Ir, with the run's own JSON in $tmp/WORKLOAD.json.
count() {
    if ! timeout 600 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" --toggle-collect="$2" \
            "$synack" bench --callgrind --only "$1" >"$tmp/$1.json" 2>"$tmp/$1.err"; then
        cat "$tmp/$1.err" >&2
        echo "callgrind.sh: the $1 run failed" >&2
        exit 1
    fi
    local ir
    ir=$(sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$tmp/cg.$1")
    if [[ -z $ir || $ir == 0 ]]; then
        echo "callgrind.sh: no instructions counted in $2 (symbol missing or inlined?)" >&2
        exit 1
    fi
    echo "$ir"
}

bulk_ir=$(count bulk bench_bulk_transfer)
churn_ir=$(count churn bench_churn_loop)
result=$(python3 - "$tmp/bulk.json" "$tmp/churn.json" "$bulk_ir" "$churn_ir" <<'PY'
import json, sys
bulk = json.load(open(sys.argv[1])); churn = json.load(open(sys.argv[2]))
mib = bulk["bulk_bytes"] / 1048576
print(json.dumps({"bulk_instr_per_mb": round(int(sys.argv[3]) / mib),
                  "churn_instr_per_conn": round(int(sys.argv[4]) / churn["churn_count"])}))
PY
)

case $mode in
print)
    echo "$result"
    ;;
write)
    python3 - "$result" "$file" "$build_type" "$(cc --version 2>/dev/null | head -1)" <<'PY'
import json, sys, datetime
r = json.loads(sys.argv[1])
r.update({"unit": "instructions (callgrind Ir) per MiB of bulk data / per churn connection",
          "workloads": "bulk 64 MiB defaults, churn 20000 with 1000 at once, virtual clock",
          "build_type": sys.argv[3], "compiler": sys.argv[4],
          "made": datetime.date.today().isoformat(),
          "regenerate": "bench/callgrind.sh --write bench/callgrind-baseline.json"})
open(sys.argv[2], "w").write(json.dumps(r, indent=2) + "\n")
PY
    echo "$result"
    echo "callgrind.sh: wrote $file"
    ;;
check)
    [[ -f $file ]] || { echo "callgrind.sh: no baseline $file" >&2; exit 2; }
    echo "$result"
    python3 - "$result" "$file" "$limit_pct" <<'PY'
import json, sys
now = json.loads(sys.argv[1]); base = json.load(open(sys.argv[2])); pct = float(sys.argv[3])
bad = False
for k in ("bulk_instr_per_mb", "churn_instr_per_conn"):
    b, n = base[k], now[k]
    change = (n - b) / b * 100
    verdict = "ok"
    if n > b * (1 + pct / 100):
        verdict = "GREW more than %g%%" % pct
        bad = True
    print("%-22s baseline %12d  now %12d  %+6.1f%%  %s" % (k, b, n, change, verdict))
if bad:
    print("callgrind.sh: instruction counts grew beyond the baseline (%s); if that is intended, "
          "regenerate it: bench/callgrind.sh --write bench/callgrind-baseline.json" % sys.argv[2])
    sys.exit(1)
PY
    ;;
esac
