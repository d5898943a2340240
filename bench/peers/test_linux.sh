#!/usr/bin/env bash
# test_linux.sh LINUX_SH PEER — ctest bench_linux_peer: every subcommand
# of bench/peers/linux.sh at a tiny size (bulk 1 s with offloads off and
# on, churn 2000/100, ping-pong 10000, lossy 2 s at 1%), each line's JSON
# checked: one line, the contract's keys, a positive value, and what the
# run claims about itself (every churn connection completed on both sides
# and still in TIME_WAIT, the path's loss and delay really applied).  Then
# a bad call must fail with an "error" line, and no namespace may be left.
# Skipped (77) when linux.sh skips everything (no CAP_NET_ADMIN).
set -u

LINUX_SH=$1
export SYNACK_BENCH_LINUX_PEER=$2
passed=0
failed=0
skipped=0
ns_before=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -c '^sblnx-')

# check NAME EXPECT-JSON-CHECKS LINUX.SH-ARGS...: runs linux.sh (at most
# 60 s), then the Python checks on its one line (j is the object).
check() {
    local name=$1 checks=$2 out rc=0
    shift 2
    out=$(timeout 60 "$LINUX_SH" "$@" 2>"$TMPF") || rc=$?
    local verdict
    verdict=$(python3 - "$out" "$rc" "$checks" <<'PY'
import json, sys
out, rc, checks = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = out.splitlines()
if len(lines) != 1:
    print("FAIL: %d lines on stdout, want 1: %r" % (len(lines), out[:300])); sys.exit()
try:
    j = json.loads(lines[0])
except ValueError as e:
    print("FAIL: not JSON (%s): %r" % (e, lines[0][:300])); sys.exit()
if "skipped" in j:
    ok = rc == 0 and j.get("peer") == "linux" and isinstance(j["skipped"], str) and j["skipped"]
    print(("SKIP: " + j["skipped"]) if ok else "FAIL: a skip must exit 0 with a reason: %r" % j); sys.exit()
problems = []
for c in checks.split(";"):
    c = c.strip()
    if not c:
        continue
    try:
        good = eval(c, {"j": j, "rc": rc})
    except Exception as e:
        good = False
        c += " (%s: %s)" % (type(e).__name__, e)
    if not good:
        problems.append(c)
if problems:
    print("FAIL: " + " | ".join(problems) + " in " + lines[0][:600])
else:
    print("ok: value %s %s" % (j.get("value"), j.get("unit")))
PY
)
    case $verdict in
    ok:*) passed=$((passed + 1)); echo "  ok:      $name ($verdict)" ;;
    SKIP:*) skipped=$((skipped + 1)); echo "  skipped: $name (${verdict#SKIP: })" ;;
    *) failed=$((failed + 1)); echo "  FAILED:  $name (exit status $rc)"; echo "           $verdict"
       sed 's/^/           stderr: /' "$TMPF" | tail -5 ;;
    esac
}

TMPF=$(mktemp)
trap 'rm -f "$TMPF"' EXIT

common='j["peer"] == "linux"; rc == 0; "error" not in j; "invalid" not in j;
    isinstance(j["value"], (int, float)) and j["value"] > 0; j["mtu"] == 1500; j["kernel"]; j["cc"] == "cubic"'

check "bulk, offloads off, 1 s" "$common; j['workload'] == 'bulk'; j['unit'] == 'gbps'; j['offload'] == 'off';
    'tso=off gso=off gro=off' in j['features']; j['seconds'] == 1" bulk --offload off --seconds 1
check "bulk, offloads on, 1 s" "$common; j['workload'] == 'bulk'; j['offload'] == 'on';
    'tso=on gso=on gro=on' in j['features']" bulk --offload on --seconds 1
# Every connection completed on both sides, and each client end is still
# in TIME_WAIT (the run lasts far less than 60 s): none refused, none reused.
check "churn 2000 / 100" "$common; j['workload'] == 'churn'; j['unit'] == 'cps'; j['count'] == 2000;
    j['concurrency'] == 100; j['completed'] == 2000; j['failed'] == 0; j['server_completed'] == 2000;
    j['time_wait_at_end'] >= 2000; j['tw_overflow'] == 0; j['tw_recycled'] == 0; j['tcp_rfc1337'] == 1; j['client_addresses'] >= 1;
    'tw_reuse' in j" churn --count 2000 --concurrency 100
check "pingpong 10000" "$common; j['workload'] == 'pingpong'; j['unit'] == 'rtps'; j['rounds'] == 10000;
    'CPU' in j['cpu_pinning']" pingpong --rounds 10000
# The path: frames were really dropped at about 1% (at least one in a
# couple of thousand), ACKs never; ping's RTT is the 10 ms asked for.
check "lossy 2 s at 1%" "$common; j['workload'] == 'lossy'; j['unit'] == 'mbps'; j['loss'] == 0.01;
    j['rtt_ms'] == 10; j['rate'] == '1gbit'; j['sack'] == 1; j['tcp_recovery'] == 1;
    j['path']['a_to_b']['lost'] > 0; j['path']['b_to_a']['lost'] == 0;
    0.002 < j['path']['a_to_b']['lost'] / j['path']['a_to_b']['frames'] < 0.05;
    9.5 <= j['ping_rtt_ms_min'] < 30; j['path']['a_to_b']['oversize'] == 0" lossy --loss 0.01 --seconds 2

# A bad call: an "error" line and a non-zero status (or a skip without
# root), never a number.
out=$("$LINUX_SH" churn --count 0 --concurrency 1 2>/dev/null)
rc=$?
if python3 -c 'import json, sys
j, rc = json.loads(sys.argv[1]), int(sys.argv[2])
good = "skipped" in j or ("error" in j and "value" not in j and rc != 0)
sys.exit(0 if good else 1)' "$out" "$rc" 2>/dev/null; then
    passed=$((passed + 1)); echo "  ok:      a bad call prints an error line and fails"
else
    failed=$((failed + 1)); echo "  FAILED:  a bad call prints an error line and fails (status $rc): $out"
fi

ns_after=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -c '^sblnx-')
if ((ns_after <= ns_before)); then
    passed=$((passed + 1)); echo "  ok:      no namespace left behind"
else
    failed=$((failed + 1)); echo "  FAILED:  namespaces left: $(ip netns list | grep '^sblnx-' | tr '\n' ' ')"
fi

echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0)) || exit 1
((passed > 2)) || exit 77 # only the two generic checks ran: everything skipped
exit 0
