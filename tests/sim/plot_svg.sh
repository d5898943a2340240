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
#     there are; a missing -o is a usage error (2); so is --kind ladder;
#   - trace plot --range: the time axis spans the range, every bar lies in
#     it, and the plot holds exactly the segments the capture has there
#     (counted from the pcap by this script, not by synack); an open end
#     runs to the last segment; a reversed range is a usage error;
#   - sim --plot-flow 1 with two flows: the second flow's connection (its
#     client port, the one --ladder-conn 1 draws), its retransmissions as
#     --json counts them for that flow, which are not the first flow's,
#     and the HTML page of --ladder-conn 1 plots that connection too;
#     the run itself is the same with or without the plots.
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
check grep -qE '^0\.50[0-9]s client .* (ESTABLISHED|FIN_WAIT_1) cubic cwnd [0-9]+ ssthresh ([0-9]+|-) srtt [0-9.]+ms rto [0-9]+ms inflight [0-9]+ acked [0-9]+ rcvd 0 retrans [0-9]+ \(fast [0-9]+ rto [0-9]+ tlp [0-9]+\) rate [0-9.]+[kMG]?bit/s pmtu [0-9]+$' "$dir/status.txt"
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

# --range: a time window of the capture's connection.
"$synack" trace plot "$dir/run.pcap" -o "$dir/range.svg" --range 0.3:0.6 >"$dir/range.txt"
check test $? -eq 0
"$synack" trace plot "$dir/run.pcap" -o "$dir/range-open.svg" --range 0.6: >"$dir/range-open.txt"
check test $? -eq 0
"$synack" trace plot "$dir/run.pcap" -o "$dir/none.svg" --range 2:1 2>"$dir/err.txt"
check test $? -eq 2
check grep -q -- '--range must be T0:T1' "$dir/err.txt"

# --plot-flow: two flows, each with its own losses.
flows_args=(--bytes 300000 --flows 2 --loss 0.02 --delay 10 --rate 20 --seed 1)
"$synack" sim "${flows_args[@]}" --json --plot-tseq "$dir/flow0.svg" >"$dir/flow0.json"
check test $? -eq 0
"$synack" sim "${flows_args[@]}" --json --plot-flow 1 --plot-tseq "$dir/flow1.svg" --plot-cwnd "$dir/flow1-cwnd.svg" \
    --svg "$dir/conn1.svg" --html "$dir/conn1.html" --ladder-conn 1 >"$dir/flow1.json"
check test $? -eq 0
check cmp -s "$dir/flow0.json" "$dir/flow1.json"
# The page of --ladder-conn 1 plots that connection: its retransmissions.
retrans1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flows"][1]["retransmissions"])' "$dir/flow1.json")
check test "$(python3 "$(dirname "$0")/page_plots.py" "$dir/conn1.html" --retrans "$retrans1" --ends 1)" = ok
"$synack" sim "${flows_args[@]}" --plot-flow 2 --plot-tseq "$dir/none.svg" >/dev/null 2>"$dir/err.txt"
check test $? -eq 2
check grep -q -- '--plot-flow must be a flow of the run, 0 to 1 (got 2)' "$dir/err.txt"

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

# ---- --range, against the capture read here -------------------------------
import json, re, struct

def pcap_segments(path):
    """(microseconds from the first packet, from the client, has sequence
    space) for each TCP segment of a LINKTYPE_RAW pcap."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    off, out, first = 24, [], None
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec * 1000000 + (frac // 1000 if nano else frac)
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
            continue
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack(">H", pkt[2:4])[0]
        tcp = pkt[ihl:]
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        payload = total - ihl - doff
        first = t if first is None else first
        out.append((t - first, pkt[12:16] == bytes([198, 18, 0, 1]), payload > 0 or flags & 0x03))
    return out

def frame(root):
    f = next(r for r in root.iter(NS + "rect") if r.get("class") == "frame")
    x, w = float(f.get("x")), float(f.get("width"))
    return x, x + w, float(f.get("data-x-min")), float(f.get("data-x-max"))

def given(root, name):
    g = series(root, name)
    return int(g.get("data-count")) if g is not None else -1

segs = pcap_segments(f"{d}/run.pcap")
sent = [t for t, client, space in segs if client and space]
for name, lo, hi, txt in (("range.svg", 300000, 600000, "range.txt"), ("range-open.svg", 600000, None, "range-open.txt")):
    r = load(name)
    if r is None:
        continue
    inside = len([t for t in sent if t >= lo and (hi is None or t <= hi)])
    need(0 < inside < len(sent) and min(sent) < lo and (hi is None or max(sent) > hi),
         f"{name}: the capture has segments before, in and after the range ({inside} of {len(sent)})")
    left, right, x0, x1 = frame(r)
    need(x0 == lo / 1e6, f"{name}: the axis starts at the range's start ({x0})")
    # Open: the last thing drawn, a segment of the sender's or the receiver's ACK.
    last = max(t for t, client, space in segs if space or not client)
    need(x1 == (hi / 1e6 if hi is not None else last / 1e6),
         f"{name}: the axis ends at the range's end, or the last segment drawn ({x1})")
    xs = [float(b.get("x1")) for b in r.iter(NS + "line") if b.get("class") == "bar"]
    need(xs and all(left - 0.05 <= x <= right + 0.05 for x in xs), f"{name}: every bar within the plot area")
    ticks = [float(t.text) for t in r.iter(NS + "text") if t.get("class") == "tick-label" and
             t.get("text-anchor") == "middle"]
    need(ticks and all(x0 - 1e-9 <= v <= x1 + 1e-9 for v in ticks), f"{name}: time ticks within the range {ticks}")
    drawn = given(r, "data segment") + given(r, "retransmission")
    need(drawn == inside, f"{name}: {drawn} segments plotted, the capture has {inside} in the range")
    m = re.search(r": (\d+) segments, .* in the range$", open(f"{d}/{txt}").read().strip())
    need(m is not None and int(m.group(1)) == inside, f"{name}: the summary counts the range's segments")

# ---- --plot-flow -----------------------------------------------------------
flows = json.load(open(f"{d}/flow0.json"))["flows"]
r0, r1, rc = load("flow0.svg"), load("flow1.svg"), load("flow1-cwnd.svg")
if r0 is not None and r1 is not None:
    t0, t1 = r0.find(NS + "title").text, r1.find(NS + "title").text
    need(t0 != t1, f"--plot-flow 1 plots another connection than flow 0 ({t1})")
    ladder = E.parse(f"{d}/conn1.svg").getroot()
    left_end = next(g for g in ladder.iter(NS + "g") if g.get("class") == "end" and g.get("data-side") == "left")
    ep = [t.text for t in left_end.iter(NS + "text")][1]
    need(t1.startswith(ep + " \u2192 "), f"flow 1's plot is the connection --ladder-conn 1 draws ({ep}; {t1})")
    need(flows[0]["retransmissions"] != flows[1]["retransmissions"], "the flows' retransmissions differ (seed)")
    for i, root in ((0, r0), (1, r1)):
        need(given(root, "retransmission") == flows[i]["retransmissions"],
             f"flow {i}'s plot holds its {flows[i]['retransmissions']} retransmissions "
             f"(got {given(root, 'retransmission')})")
if rc is not None:
    need(count(series(rc, "cwnd"), "polyline") >= 1, "flow1-cwnd.svg: the flow's cwnd")

print("; ".join(fails) if fails else "ok")
PY
)
check test "$verdict" = ok
[[ $verdict == ok ]] || echo "  $verdict"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
