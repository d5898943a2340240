#!/usr/bin/env bash
# plot_svg.sh SYNACK — plots of a lossy simulated transfer, from the
# sender's trace (`synack sim --plot-*`) and from its capture (`synack
# trace plot`), checked from the SVGs' structure (not their pixels):
#
#   - every file is well-formed XML, has no script, and has its axis labels;
#   - tseq: a bar per data segment (fewer where a pixel column joins
#     touching ones), retransmissions as red bars each with a mark (as many
#     marks as bars, at most as many as the client's retransmissions and
#     at least one), an ACK line and a window line;
#   - cwnd: cwnd, ssthresh and bytes in flight lines, fast-recovery bands;
#     from the capture: only the estimated bytes in flight, said so;
#   - rtt: SRTT and RTO lines and RTT samples; from the capture: samples
#     and their estimated SRTT;
#   - --status 0.5: a line per connection every half second of virtual time;
#   - bad requests: an unknown connection fails (1) and says how many
#     there are; a missing -o is a usage error (2); so is --kind ladder.
set -u
synack=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else echo "FAILED: $*"; failed=$((failed + 1)); fi; }

"$synack" sim --bytes 2000000 --loss 0.02 --delay 10 --rate 20 --json --status 0.5 \
    --plot-cwnd "$dir/x.svg" --plot-tseq "$dir/y.svg" --plot-rtt "$dir/z.svg" \
    --pcap "$dir/run.pcap" >"$dir/sim.json" 2>"$dir/status.txt"
check test $? -eq 0
retrans=$(sed -n 's/^  "retransmissions": \([0-9]*\),*$/\1/p' "$dir/sim.json")
check test -n "$retrans"
check test "${retrans:-0}" -gt 0

for kind in tseq cwnd rtt; do
    "$synack" trace plot "$dir/run.pcap" -o "$dir/cap-$kind.svg" --kind "$kind" >"$dir/plot-$kind.txt"
    check test $? -eq 0
done
# The capture's count of retransmissions is the client's own (the capture
# is taken before the link loses anything).
check grep -qE "[0-9]+ segments, $retrans retransmissions" "$dir/plot-tseq.txt"
segments=$(sed -n 's/.*: \([0-9]*\) segments, .*/\1/p' "$dir/plot-tseq.txt")

# Status lines: every 0.5 s of virtual time, the client's and the server's.
check test "$(grep -c '^[0-9.]*s client 198.18.0.1:[0-9]* > 198.18.0.2:5001 ' "$dir/status.txt")" -ge 6
check grep -qE '^0\.50[0-9]s client .* (ESTABLISHED|FIN_WAIT_1) cubic cwnd [0-9]+ ssthresh ([0-9]+|-) srtt [0-9.]+ms rto [0-9]+ms inflight [0-9]+ acked [0-9]+ rcvd 0 retrans [0-9]+ \(fast [0-9]+ rto [0-9]+ tlp [0-9]+\) rate [0-9.]+[kMG]?bit/s$' "$dir/status.txt"
check grep -q ' server 198.18.0.2:5001 > 198.18.0.1:' "$dir/status.txt"

# Bad requests.
"$synack" trace plot "$dir/run.pcap" -o "$dir/none.svg" --conn 3 2>"$dir/err.txt"
check test $? -eq 1
check grep -q 'has 1 TCP connection; --conn 3 is not one of them' "$dir/err.txt"
"$synack" trace plot "$dir/run.pcap" 2>/dev/null
check test $? -eq 2
"$synack" trace plot "$dir/run.pcap" -o "$dir/none.svg" --kind ladder 2>/dev/null
check test $? -eq 2
"$synack" trace plot "$dir/missing.pcap" -o "$dir/none.svg" 2>/dev/null
check test $? -eq 1

verdict=$(python3 - "$dir" "$retrans" "${segments:-0}" <<'PY'
import sys
import xml.etree.ElementTree as E

d, retrans, segments = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
NS = "{http://www.w3.org/2000/svg}"
fails = []

def need(cond, what):
    if not cond:
        fails.append(what)

def load(name):
    try:
        root = E.parse(f"{d}/{name}").getroot()
    except E.ParseError as e:
        fails.append(f"{name}: not well-formed XML: {e}")
        return None
    need(root.tag == NS + "svg", f"{name}: root is <svg>")
    need(not list(root.iter(NS + "script")), f"{name}: no <script>")
    labels = [t.text for t in root.iter(NS + "text") if "axis-label" in (t.get("class") or "")]
    need("time (s)" in labels, f"{name}: x axis label")
    need(len([t for t in root.iter(NS + "text") if t.get("class") == "tick-label"]) >= 6, f"{name}: tick labels")
    return root

def series(root, name):
    for g in root.iter(NS + "g"):
        if (g.get("class") or "").startswith("series ") and g.get("data-series") == name:
            return g
    return None

def count(g, tag, cls=None):
    if g is None:
        return -1
    return len([e for e in g.iter(NS + tag) if cls is None or e.get("class") == cls])

def notes(root):
    return " ".join(t.text or "" for t in root.iter(NS + "text") if t.get("class") == "note")

for name, from_capture in (("y.svg", False), ("cap-tseq.svg", True)):
    r = load(name)
    if r is None:
        continue
    data = count(series(r, "data segment"), "line", "bar")
    bars = count(series(r, "retransmission"), "line", "bar")
    marks = count(series(r, "retransmission"), "path", "mark")
    # One bar per segment, but where a pixel column joins touching ones.
    need(segments // 4 <= data <= segments, f"{name}: {data} data bars for {segments} segments")
    need(1 <= bars <= retrans and marks == bars, f"{name}: {bars} retransmission bars, {marks} marks, {retrans} retransmissions")
    need(count(series(r, "ACK"), "polyline") >= 1, f"{name}: ACK line")
    need(count(series(r, "receive window (ACK + window)"), "polyline") >= 1, f"{name}: window line")
    need(count(series(r, "SACK block"), "line", "bar") >= 1, f"{name}: SACK blocks")
    need("relative sequence number" in [t.text for t in r.iter(NS + "text")], f"{name}: y axis label")
    need("relative to the sender's ISN" in notes(r), f"{name}: note on relative sequence numbers")
    if from_capture:
        need("connection 0, client 198.18.0.1:" in r.find(NS + "title").text, f"{name}: title")

r = load("x.svg")
if r is not None:
    for s in ("cwnd", "ssthresh", "bytes in flight (pipe)"):
        need(count(series(r, s), "polyline") >= 1, f"x.svg: {s} line")
    need(count(series(r, "fast recovery"), "rect", "band") >= 1, "x.svg: fast recovery bands")
    need(series(r, "bytes in flight, estimated: highest sequence sent - latest ACK") is None, "x.svg: no estimate")
r = load("cap-cwnd.svg")
if r is not None:
    need(count(series(r, "bytes in flight, estimated: highest sequence sent - latest ACK"), "polyline") >= 1,
         "cap-cwnd.svg: estimated bytes in flight")
    need(series(r, "cwnd") is None, "cap-cwnd.svg: no cwnd")
    need("a capture does not show cwnd" in notes(r), "cap-cwnd.svg: says it is an estimate")
r = load("z.svg")
if r is not None:
    need(count(series(r, "SRTT"), "polyline") >= 1 and count(series(r, "RTO"), "polyline") >= 1, "z.svg: SRTT and RTO")
    need(count(series(r, "RTT sample (data to its ACK, Karn)"), "circle") >= 100, "z.svg: RTT samples")
r = load("cap-rtt.svg")
if r is not None:
    need(count(series(r, "RTT sample (data to its ACK, Karn)"), "circle") >= 100, "cap-rtt.svg: RTT samples")
    need(count(series(r, "SRTT, estimated from the samples (RFC 6298)"), "polyline") >= 1, "cap-rtt.svg: SRTT estimate")

print("; ".join(fails) if fails else "ok")
PY
)
check test "$verdict" = ok
[[ $verdict == ok ]] || echo "  $verdict"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
