#!/usr/bin/env python3
"""test_lwip.py PEER — runs each workload of synack-bench-lwip at a tiny
size and checks its one JSON line: the fields `synack bench` reads are
there, values are positive and plausible, bulk moved exactly the bytes
asked for.  Also checks that bad usage exits 1 with a message.  Each run
has a timeout; the whole test takes a few seconds."""
import json
import math
import subprocess
import sys

PEER = sys.argv[1]
TIMEOUT = 60  # per run, seconds
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([PEER, *args], capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def workload(name, *args):
    rc, out, err = run(name, *args)
    check(rc == 0, f"{name} {' '.join(args)}: exit {rc}, stderr: {err.strip()}")
    lines = out.splitlines()
    check(len(lines) == 1, f"{name}: expected exactly one line on stdout, got {len(lines)}")
    if rc != 0 or len(lines) != 1:
        return None
    print(lines[0])
    try:
        j = json.loads(lines[0])
    except json.JSONDecodeError as e:
        check(False, f"{name}: stdout is not JSON: {e}")
        return None
    check(j.get("peer") == "lwip", f"{name}: peer is {j.get('peer')!r}")
    check(j.get("workload") == name, f"{name}: workload is {j.get('workload')!r}")
    v = j.get("value")
    check(isinstance(v, (int, float)) and math.isfinite(v) and v > 0, f"{name}: value {v!r} not positive")
    lim = j.get("limits", {})
    check(lim.get("window") == 65535 and lim.get("mss") == 1460,
          f"{name}: limits window/mss {lim.get('window')}/{lim.get('mss')}, expected Debian's 65535/1460")
    check(lim.get("time_wait_ms") == 120000, f"{name}: time_wait_ms {lim.get('time_wait_ms')}")
    check(j.get("link_drops") == 0, f"{name}: the link dropped {j.get('link_drops')} packets")
    want = 1 if "--one-stack" in args else 2
    check(j.get("lwip_instances") == want, f"{name}: lwip_instances {j.get('lwip_instances')}, expected {want}")
    return j


MIB = 1 << 20

b = workload("bulk", "--bytes", "16M", "--verify")
if b:
    check(b["unit"] == "gbps", f"bulk unit {b['unit']}")
    check(b["bytes"] == 16 * MIB, f"bulk moved {b['bytes']} bytes, asked for {16 * MIB}")
    check(b["verified"] is True, "bulk did not verify")
    check(b["mss"] == 1460, f"bulk mss {b['mss']}")
    # 16 MiB at >= 0.05 Gbit/s (far below any real figure, far above a stall);
    # the figure agrees with bytes / seconds.
    check(0.05 < b["value"] < 1000, f"bulk {b['value']} Gbit/s implausible")
    check(abs(b["value"] - b["bytes"] * 8 / b["seconds"] / 1e9) <= 0.01 * b["value"],
          "bulk value is not bytes*8/seconds")
    # At least one full-sized segment per 1460 bytes, plus ACKs.
    check(b["packets"] >= 16 * MIB // 1460, f"bulk: only {b['packets']} packets")

c = workload("churn", "--count", "2000", "--concurrency", "100")
if c:
    check(c["unit"] == "cps", f"churn unit {c['unit']}")
    check(c["count"] == 2000 and c["concurrency"] == 100, f"churn count/concurrency {c['count']}/{c['concurrency']}")
    for k in ("first_1000_cps", "last_10pct_cps"):
        check(isinstance(c.get(k), (int, float)) and c[k] > 0, f"churn {k} = {c.get(k)!r}")
    check(c["client_addresses"] >= 1, "churn client_addresses")
    # A 2000-connection run lasts far less than 120 s: every client pcb is
    # still in TIME_WAIT, and no connection is left open.
    check(c["time_wait_at_end"] == 2000, f"churn: {c['time_wait_at_end']} pcbs in TIME_WAIT, expected 2000")
    check(c["active_pcbs_at_end"] == 0, f"churn: {c['active_pcbs_at_end']} pcbs still active")
    check(abs(c["value"] - c["count"] / c["seconds"]) <= 0.01 * c["value"], "churn value is not count/seconds")

p = workload("pingpong", "--rounds", "10000", "--verify")
if p:
    check(p["unit"] == "rtps", f"pingpong unit {p['unit']}")
    check(p["rounds"] == 10000, f"pingpong rounds {p['rounds']}")
    # One segment each way per round, plus the handshake.
    check(2 * 10000 <= p["packets"] <= 2 * 10000 + 10, f"pingpong: {p['packets']} packets for 10000 rounds")

i = workload("idle", "--count", "1000")
if i:
    check(i["unit"] == "bytes_per_conn", f"idle unit {i['unit']}")
    check(i["count"] == 1000, f"idle count {i['count']}")
    # Both ends' tcp_pcb at least, and not wildly more (no buffers).
    pcb = i["sizeof_tcp_pcb"]
    check(2 * pcb <= i["value"] <= 8 * pcb, f"idle {i['value']} bytes/conn for a {pcb}-byte tcp_pcb")
    check(abs(i["bytes_per_endpoint"] * 2 - i["value"]) <= 1, "idle bytes_per_endpoint is not half")
    check("rss_bytes_per_conn" in i, "idle: no rss_bytes_per_conn")

# Both sides in one lwIP instance: same results, one set of pcb lists.
c1 = workload("churn", "--count", "2000", "--concurrency", "100", "--one-stack")
if c1:
    check(c1["count"] == 2000 and c1["time_wait_at_end"] == 2000 and c1["active_pcbs_at_end"] == 0,
          f"churn --one-stack: {c1['count']} done, {c1['time_wait_at_end']} in TIME_WAIT")
p1 = workload("pingpong", "--rounds", "1000", "--verify", "--one-stack")
if p1:
    check(p1["rounds"] == 1000, f"pingpong --one-stack rounds {p1['rounds']}")

# lwIP's own port choice stops after its 16383 ports: an honest error.
rc, out, err = run("churn", "--count", "20000", "--concurrency", "100", "--lwip-ports")
check(rc == 1 and out == "" and "no free local port" in err,
      f"churn --lwip-ports 20000: exit {rc}, stderr {err.strip()!r}")
print("lwip-ports:", err.strip())

for bad in (["nosuch"], ["bulk", "--bytes", "0"], ["bulk", "--rounds", "5"], ["churn", "--count"],
            ["pingpong", "--rounds", "12x"]):
    rc, out, err = run(*bad)
    check(rc == 1 and out == "" and err.strip() != "", f"{bad}: exit {rc}, stdout {out!r}")
rc, out, err = run("--help")
check(rc == 0 and "usage" in out, "--help")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
