#!/usr/bin/env bash
# bench/bench_quick.sh SYNACK — `synack bench --quick --no-peers` at tiny
# sizes (ctest bench_quick, label bench).
#
#  1. Every workload once, every byte received compared (--full-verify):
#     exit 0, and the JSON object has the keys issue 7 names, with a
#     positive number for each synack figure, null for the peers (not run),
#     and a row per figure.
#  2. The table form prints a row for each workload.
#  3. The check can fail: a link that offloads checksums and flips one data
#     byte must make bulk fail with "wrong data" (exit 1).
#  4. A bad --only is a usage error (exit 2).
set -euo pipefail
synack=${1:?usage: bench_quick.sh SYNACK}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tiny=(--quick --no-peers --reps 1 --full-verify --bulk-bytes 4194304 --churn-count 2000 --concurrency 100
      --rounds 2000 --idle-count 2000 --lossy-seconds 1)

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. JSON.
if ! timeout 120 "$synack" bench "${tiny[@]}" --json >"$tmp/out.json" 2>"$tmp/err.txt"; then
    cat "$tmp/err.txt" >&2
    fail "synack bench --json exited non-zero"
fi
python3 - "$tmp/out.json" <<'PY' || fail "JSON check"
import json, math, sys
d = json.load(open(sys.argv[1]))
positive = ["bulk_gbps", "churn_cps", "pingpong_rtps", "idle_bytes_per_conn", "limit_fraction",
            "bulk_default_gbps", "bulk_offload_gbps", "churn_first1000_cps", "churn_last10_cps",
            "idle_bytes_per_conn_pair", "idle_rss_bytes", "memcpy_gbps", "csum_gbps", "copy_csum_gbps",
            "limit_gbps", "limit_offload_gbps", "limit_fraction_64k", "lossy_0_mbps", "lossy_0.1_mbps", "lossy_1_mbps", "machine_cores"]
null = ["bulk_lwip_gbps", "bulk_ratio_lwip", "churn_ratio_lwip", "pingpong_ratio_linux",
        "bulk_linux_off_gbps", "churn_linux_cps", "pingpong_linux_rtps", "lossy_linux_1_mbps"]
bad = []
for k in positive:
    v = d.get(k, "missing")
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v <= 0:
        bad.append("%s = %r (want a positive number)" % (k, v))
for k in null:
    if k not in d or d[k] is not None:
        bad.append("%s = %r (want null: peers not run)" % (k, d.get(k, "missing")))
if d.get("failures") != 0:
    bad.append("failures = %r" % d.get("failures"))
if d.get("churn_count") != 2000 or d.get("churn_time_wait") != 2000:
    bad.append("churn: %r connections, %r in TIME_WAIT (want 2000, 2000)" % (d.get("churn_count"), d.get("churn_time_wait")))
if d.get("bulk_bytes") != 4194304:
    bad.append("bulk_bytes = %r" % d.get("bulk_bytes"))
# The memory per endpoint cannot be less than a connection block.
if isinstance(d.get("idle_bytes_per_conn"), (int, float)) and d["idle_bytes_per_conn"] < 64:
    bad.append("idle_bytes_per_conn = %r is implausibly small" % d["idle_bytes_per_conn"])
# Each side holds a connection block per connection: both stacks' own
# growth must show it (the pair and per-endpoint figures are derived from
# these two, so checking them against each other would prove nothing).
for side in ("client", "server"):
    v = d.get("idle_%s_bytes_per_conn" % side)
    if not isinstance(v, (int, float)) or v < 64:
        bad.append("idle_%s_bytes_per_conn = %r: missing or below a connection block" % (side, v))
rows = d.get("rows", [])
workloads = {r["workload"] for r in rows}
for w in ("bulk", "limit", "churn", "pingpong", "idle", "lossy"):
    if w not in workloads:
        bad.append("no row for %s" % w)
for r in rows:
    if r["synack"] is None or r["synack"] <= 0:
        bad.append("row %s/%s has no synack figure" % (r["workload"], r["config"]))
    if r.get("peer") and r.get("peer_median") is not None:
        bad.append("row %s/%s has a peer figure with --no-peers" % (r["workload"], r["config"]))
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("JSON ok: %d keys, %d rows" % (len(d), len(rows)))
PY

# 2. The table.
timeout 120 "$synack" bench "${tiny[@]}" --only bulk,churn >"$tmp/table.txt" 2>"$tmp/err2.txt" ||
    { cat "$tmp/err2.txt" >&2; fail "synack bench (table) exited non-zero"; }
grep -q '^bulk .*64 KiB window' "$tmp/table.txt" || { cat "$tmp/table.txt"; fail "no bulk row in the table"; }
grep -q '^churn ' "$tmp/table.txt" || { cat "$tmp/table.txt"; fail "no churn row in the table"; }
grep -q 'not run (--no-peers)' "$tmp/table.txt" || fail "the table does not say why peers have no figure"

# 3. Corruption that the link lets in must be caught.
set +e
timeout 120 "$synack" bench "${tiny[@]}" --only bulk --corrupt-packet 100 >/dev/null 2>"$tmp/err3.txt"
rc=$?
set -e
[[ $rc == 1 ]] || { cat "$tmp/err3.txt" >&2; fail "a corrupted byte went unnoticed (exit $rc, want 1)"; }
grep -q 'wrong data' "$tmp/err3.txt" || { cat "$tmp/err3.txt" >&2; fail "no 'wrong data' message"; }

# 4. Usage.
set +e
"$synack" bench --only nosuch >/dev/null 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "--only nosuch exited $rc, want 2"
echo "bench_quick: ok"
