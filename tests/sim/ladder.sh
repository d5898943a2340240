#!/usr/bin/env bash
# ladder.sh SYNACK — ladder diagrams read back from their structure, never
# from pixels (tests/lib/ladder_read.py parses the SVG with python3's
# xml.etree; the interop tests read the kernel's captures' ladders with it):
#
#   - the textbook exchange (synack demo --svg): exactly ten arrows, each
#     with the flags, seq and ack of the table, and each end's states in
#     the order the source texts give; the three-way close has nine;
#   - the terminal rendering printed by the demo fits 80 columns and holds
#     the ten labels;
#   - the same over IPv6 (synack demo --ipv6, and its pcap);
#   - the demo's pcap drawn by `synack trace ladder`: the same ten arrows,
#     the states inferred from the segments (TIME_WAIT's end not invented);
#   - a lossy `synack sim --svg`: one lost arrow per packet the link lost,
#     retransmissions marked; its pcap through `trace ladder`: the
#     retransmissions and the presumed losses marked;
#   - the HTML page: well formed enough to hold the same drawing, the
#     segment data as JSON for every arrow, no external reference;
#   - the page's plots (page_plots.py): the time-sequence graph, cwnd and
#     RTT of the drawn connection in tabs, the lossy run's retransmissions
#     all given to its time-sequence graph, both directions of the
#     textbook's data, and a capture's page saying its figures are
#     estimates;
#   - a capture drawn with a budget of 64 segments (--max-segments): the
#     bands of folded segments count, with the arrows, every segment,
#     byte and retransmission `synack trace list` does; the legend says
#     so; --segments draws its range in full whatever the budget.
set -u
synack=$1
if ! command -v python3 >/dev/null; then
    echo "python3 is needed to read the SVG back"
    exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { if [[ "$1" == "$2" ]]; then passed=$((passed + 1)); else echo "FAILED: $3"; echo "  expected: $2"; echo "  got:      $1"; failed=$((failed + 1)); fi; }

# svg_read FILE WHAT: what the drawing holds, one item a line
# (tests/lib/ladder_read.py, shared with the interop tests):
#   arrows  "from flags seq ack len | label" for each arrow, in order
#   states  "end: S1 S2 ..." for each end, in the order drawn (time order)
#   marks   "class count" for each mark class on arrows
svg_read() {
    python3 "$(dirname "$0")/../lib/ladder_read.py" "$2" "$1"
}

# ---- The textbook exchange, from the engine's trace of both ends --------

"$synack" demo --svg "$dir/four.svg" --html "$dir/four.html" --pcap "$dir/four.pcap" >"$dir/four.txt"
check "$?" 0 "synack demo --svg --html exits 0"
got=$(svg_read "$dir/four.svg" arrows)
want="client SYN 1000 - 0 | SYN seq=1000 <mss 1460>
server SYN,ACK 8000 1001 0 | SYN,ACK seq=8000 ack=1001 <mss 1024>
client ACK 1001 8001 0 | ACK seq=1001 ack=8001
client ACK,PSH 1001 8001 20 | ACK,PSH seq=1001 ack=8001 len=20
server ACK,PSH 8001 1021 10 | ACK,PSH seq=8001 ack=1021 len=10
client ACK 1021 8011 0 | ACK seq=1021 ack=8011
client FIN,ACK 1021 8011 0 | FIN,ACK seq=1021 ack=8011
server ACK 8011 1022 0 | ACK seq=8011 ack=1022
server FIN,ACK 8011 1022 0 | FIN,ACK seq=8011 ack=1022
client ACK 1022 8012 0 | ACK seq=1022 ack=8012"
check "$got" "$want" "the SVG has exactly the ten arrows of the textbook table, labelled"
got=$(svg_read "$dir/four.svg" states)
want="client: SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT CLOSED
server: LISTEN SYN_RECEIVED ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
check "$got" "$want" "the states on both lines, in the order of the source texts"
check "$(svg_read "$dir/four.svg" marks)" "" "no arrow of the textbook exchange carries a mark"
arrivals=$(grep -c 'data-arrival="measured"' "$dir/four.svg")
check "$arrivals" 10 "every arrival time measured at the receiving end"

# The terminal rendering inside the demo's report.
sed -n '/^The exchange as a ladder diagram/,/^The exchange as a table/p' "$dir/four.txt" >"$dir/four.term"
widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$dir/four.term")
check "$([[ $widest -le 80 ]] && echo yes || echo "no: $widest columns")" yes "the terminal diagram fits 80 columns"
missing=0
while IFS= read -r label; do
    grep -qF -- "$label" "$dir/four.term" || { echo "  not in the terminal diagram: $label"; missing=$((missing + 1)); }
done < <(svg_read "$dir/four.svg" arrows | sed 's/.*| //')
check "$missing" 0 "the terminal diagram holds the ten labels"
check "$(grep -c '[▶◀]' "$dir/four.term")" 10 "the terminal diagram draws ten arrows"

# The three-way close: segments 8 and 9 merge.
"$synack" demo --close three-way --no-ladder --svg "$dir/three.svg" >/dev/null
check "$?" 0 "synack demo --close three-way --svg exits 0"
got=$(svg_read "$dir/three.svg" arrows | sed -n '8,9p')
want="server FIN,ACK 8011 1022 0 | FIN,ACK seq=8011 ack=1022
client ACK 1022 8012 0 | ACK seq=1022 ack=8012"
check "$got" "$want" "three-way close: nine arrows, the server's ACK and FIN in one"
check "$(svg_read "$dir/three.svg" arrows | wc -l)" 9 "three-way close: nine arrows"
got=$(svg_read "$dir/three.svg" states | sed -n 2p)
check "$got" "server: LISTEN SYN_RECEIVED ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED" "three-way close: the server's states"

# ---- The same exchange from its capture (one point, states inferred) ----

"$synack" trace ladder "$dir/four.pcap" --absolute -o "$dir/pcap.svg"
check "$?" 0 "synack trace ladder -o FILE.svg exits 0"
got=$(svg_read "$dir/pcap.svg" arrows | cut -d'|' -f1)
want=$(svg_read "$dir/four.svg" arrows | cut -d'|' -f1)
check "$got" "$want" "trace ladder: the same ten arrows from the pcap"
got=$(svg_read "$dir/pcap.svg" states)
want="client: SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT
server: LISTEN SYN_RECEIVED ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED"
check "$got" "$want" "trace ladder: states inferred from the segments (TIME_WAIT's end not invented)"
check "$(grep -c 'class="state inferred"' "$dir/pcap.svg")" 10 "inferred states are marked as such"
"$synack" trace ladder "$dir/four.pcap" >"$dir/pcap.term"
check "$?" 0 "synack trace ladder without -o prints text"
check "$(grep -c 'SYN,ACK seq=0 ack=1 <mss 1024>' "$dir/pcap.term")" 1 "the text rendering uses relative numbers by default"
"$synack" trace ladder "$dir/four.pcap" --segments 4:6 -o "$dir/range.svg"
check "$(svg_read "$dir/range.svg" arrows | wc -l)" 3 "--segments 4:6 draws three arrows"
"$synack" trace ladder "$dir/four.pcap" --range 1:2.1 -o "$dir/range.svg"
check "$(svg_read "$dir/range.svg" arrows | cut -d' ' -f2 | tr '\n' ' ')" "FIN,ACK ACK FIN,ACK ACK " "--range 1:2.1 draws the close"
"$synack" trace ladder "$dir/four.pcap" -o "$dir/out.png" 2>/dev/null
check "$?" 2 "an output name that is neither .svg nor .html is refused"
"$synack" trace ladder "$dir/four.pcap" --conn 1 2>/dev/null
check "$?" 1 "a connection the capture does not have is an error"

# ---- The textbook exchange over IPv6 --------------------------------------

"$synack" demo --ipv6 --svg "$dir/six.svg" --html "$dir/six.html" --pcap "$dir/six.pcap" >"$dir/six.txt"
check "$?" 0 "synack demo --ipv6 --svg --html exits 0"
check "$(grep -c '},"ipv6":true}</script>' "$dir/six.html") $(grep -c '},"ipv6":false}</script>' "$dir/four.html")" "1 1" \
    "the page's data says IPv6 (its details then name the hop limit), and IPv4 for the IPv4 demo"
# Over IPv6 the client announces an MSS 20 bytes smaller (60 bytes of headers).
got=$(svg_read "$dir/six.svg" arrows | sed 's/<mss 1440>/<mss 1460>/')
check "$got" "$(svg_read "$dir/four.svg" arrows)" "over IPv6: the same ten arrows"
check "$(grep -c '>\[fd00:5ac::1\]:49152<' "$dir/six.svg") $(grep -c '>\[fd00:5ac::2\]:80<' "$dir/six.svg")" "1 1" \
    "over IPv6: the SVG names both endpoints, bracketed with their ports"
sed -n '/^The exchange as a ladder diagram/,/^The exchange as a table/p' "$dir/six.txt" >"$dir/six.term"
widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$dir/six.term")
check "$([[ $widest -le 80 ]] && echo yes || echo "no: $widest columns")" yes "over IPv6: the terminal diagram fits 80 columns"
check "$(grep -c '[▶◀]' "$dir/six.term")" 10 "over IPv6: the terminal diagram draws ten arrows"
"$synack" trace ladder "$dir/six.pcap" --absolute -o "$dir/six-pcap.svg"
check "$?" 0 "trace ladder of the IPv6 capture exits 0"
check "$(svg_read "$dir/six-pcap.svg" arrows | cut -d'|' -f1)" "$(svg_read "$dir/six.svg" arrows | cut -d'|' -f1)" \
    "trace ladder: the same ten arrows from the IPv6 pcap"

# ---- A lossy transfer ----------------------------------------------------

lossy_args=(--bytes 300000 --delay 10 --rate 20 --loss 0.03 --seed 7)
"$synack" sim "${lossy_args[@]}" --json --svg "$dir/lossy.svg" --html "$dir/lossy.html" --pcap "$dir/lossy.pcap" >"$dir/lossy.json"
check "$?" 0 "synack sim --svg --html exits 0"
lost=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lost"])' "$dir/lossy.json")
marks=$(svg_read "$dir/lossy.svg" marks)
drawn_lost=$(echo "$marks" | awk '$1 == "lost" {print $2}')
check "${drawn_lost:-0}" "$lost" "every packet the link lost is drawn as a lost arrow"
check "$([[ $lost -gt 0 ]] && echo yes)" yes "the lossy run lost packets (else this test proves nothing)"
rexmit=$(echo "$marks" | awk '$1 == "retransmission" {print $2}')
check "$([[ ${rexmit:-0} -gt 0 ]] && echo yes)" yes "retransmissions are marked"
check "$(grep -c 'class="loss-mark"' "$dir/lossy.svg")" "$lost" "each lost arrow ends in a ✕"
"$synack" trace ladder "$dir/lossy.pcap" --collapse 0 -o "$dir/lossy-pcap.svg"
check "$?" 0 "trace ladder of the lossy capture exits 0"
marks=$(svg_read "$dir/lossy-pcap.svg" marks)
check "$(echo "$marks" | awk '$1 == "retransmission" {print $2}')" "$rexmit" "the capture shows the same retransmissions"
check "$([[ $(echo "$marks" | awk '$1 == "lost" {print $2}') -gt 0 ]] && echo yes)" yes "losses presumed from the capture"

# ---- The HTML page --------------------------------------------------------

html=$dir/four.html
check "$(grep -c '<script type="application/json" id="ladder-data">' "$html")" 1 "the page carries the segment data"
check "$(grep -Eci '(src|href)="(https?:)?//' "$html")" 0 "the page references nothing outside itself"
python3 - "$html" >"$dir/html.check" <<'EOF'
import json, re, sys
page = open(sys.argv[1], encoding='utf-8').read()
data = json.loads(re.search(r'<script type="application/json" id="ladder-data">(.*?)</script>', page, re.S).group(1))
arrows = re.findall(r'<g class="segment [^"]*" id="s(\d+)"', page)
print(len(arrows), sorted(map(int, data['segments'])) == sorted(map(int, arrows)),
      data['segments']['4']['ascii'] == 'hello from client!..', data['segments']['2']['options'] == ['mss 1024'])
EOF
check "$(cat "$dir/html.check")" "10 True True True" "the page: ten arrows, each with its details (payload, options)"
lossy_bands=$(grep -c '<details id="band-' "$dir/lossy.html")
check "$([[ $lossy_bands -gt 0 ]] && echo yes)" yes "a long transfer is summarised in bands that expand"

# The page's script, run against a stand-in DOM (ladder_page.js): a click
# on an arrow fills the details panel; a click on a band opens its drawing.
if command -v node >/dev/null; then
    here=$(dirname "$0")
    node "$here/ladder_page.js" "$html" 4 >"$dir/page4.txt" 2>&1
    check "$?" 0 "the page's script runs and handles a click without an exception"
    got=$(grep -E '^(label|flags|ack|payload|pre): ' "$dir/page4.txt")
    want="label: ACK,PSH seq=1001 ack=8001 len=20
flags: ACK,PSH
ack: 8001 (relative 1)
payload: 20 bytes
pre: 68 65 6c 6c 6f 20 66 72 6f 6d 20 63 6c 69 65 6e 74 21 0d 0a
pre: hello from client!.."
    check "$got" "$want" "clicking segment 4 shows its fields and payload"
    node "$here/ladder_page.js" "$dir/lossy.html" 1 >"$dir/page-lossy.txt" 2>&1
    check "$?" 0 "the lossy page's script runs"
    check "$(grep -c '^band opened$' "$dir/page-lossy.txt")" "$lossy_bands" "clicking each band opens its expanded drawing"
else
    echo "node is not installed: the page's script was not run"
fi

# ---- The page's plots --------------------------------------------------------

here=$(dirname "$0")
rexmit_json=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["retransmissions"])' "$dir/lossy.json")
check "$([[ $rexmit_json -gt 0 ]] && echo yes)" yes "the lossy run retransmitted (else the plots' check proves little)"
check "$(python3 "$here/page_plots.py" "$dir/lossy.html" --retrans "$rexmit_json" --ends 1)" ok \
    "sim --html: tseq, cwnd and RTT plots of the connection, every retransmission in the tseq plot"
check "$(python3 "$here/page_plots.py" "$dir/four.html" --ends 2 --retrans 0)" ok \
    "demo --html: the plots of both directions' data"
"$synack" trace ladder "$dir/lossy.pcap" -o "$dir/lossy-pcap.html"
check "$?" 0 "trace ladder -o FILE.html exits 0"
check "$(python3 "$here/page_plots.py" "$dir/lossy-pcap.html" --capture --ends 1 --retrans "$rexmit_json")" ok \
    "trace ladder -o x.html: the plots a capture allows, said to be estimates"

# ---- Bounded memory: segments folded while reading -----------------------

# fold_read FILE: what a drawing says of all its segments, arrows and bands
# together: "segments N folded F bytes B rexmit R", then "bands-ok" when
# every band's data and ACK counts add up to its segment count.
fold_read() {
    python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
segments = folded = byts = rexmit = 0
ok = True
for g in root.iter(ns + 'g'):
    cls = (g.get('class') or '').split()
    if 'segment' in cls and g.get('data-n'):
        segments += 1
        byts += int(g.get('data-len')) if g.get('data-from') == 'client' else 0
        rexmit += 'retransmission' in cls
    elif 'band' in cls and g.get('data-count'):
        n = int(g.get('data-count'))
        segments += n
        folded += int(g.get('data-folded'))
        byts += int(g.get('data-bytes').split()[0])
        marks = dict(m.split(':') for m in g.get('data-marks').split())
        rexmit += int(marks.get('retransmission', 0))
        ok &= sum(map(int, g.get('data-data').split() + g.get('data-acks').split())) == n
        ok &= ('folded' in cls) == (int(g.get('data-folded')) > 0)
print('segments', segments, 'folded', folded, 'bytes', byts, 'rexmit', rexmit)
print('bands-ok' if ok else 'bands-wrong')
EOF
}
list_json=$("$synack" trace list "$dir/lossy.pcap" --json)
want=$(python3 -c 'import json,sys; c = json.loads(sys.argv[1])[0]; s = c["client_to_server"]
print("segments", c["packets"], "bytes", s["bytes"] + s["retransmitted_bytes"], "rexmit", s["retransmissions"])' "$list_json")
"$synack" trace ladder "$dir/lossy.pcap" --max-segments 64 -o "$dir/fold.svg"
check "$?" 0 "trace ladder --max-segments 64 exits 0"
got=$(fold_read "$dir/fold.svg")
check "$(sed -n 1p <<<"$got" | sed 's/ folded [0-9]*//')" "$want" \
    "folded while reading, arrows and bands still count every segment, byte and retransmission trace list does"
folded=$(sed -n 1p <<<"$got" | awk '{print $4}')
check "$([[ $folded -gt 100 ]] && echo yes)" yes "with a budget of 64 segments, most of the transfer is folded ($folded)"
check "$(sed -n 2p <<<"$got")" bands-ok "each band's data and ACK counts add up to its segment count"
check "$(grep -c '<g class="band folded"' "$dir/fold.svg")" "$(grep -c 'data-folded="[1-9]' "$dir/fold.svg")" \
    "the bands that hold folded segments are marked so"
total=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["packets"])' "$list_json")
check "$(grep -c "$folded of the $total segments were summarised while reading" "$dir/fold.svg")" 1 \
    "the legend says how many segments were summarised, and of how many"
"$synack" trace ladder "$dir/lossy.pcap" --max-segments 64 >"$dir/fold.term"
check "$(grep -c 'summarised while reading' "$dir/fold.term")" 1 "the text rendering says so too"
# Zooming in: the range asked for is kept whole, whatever the budget.
"$synack" trace ladder "$dir/lossy.pcap" --max-segments 64 --segments 150:229 --collapse 0 -o "$dir/zoom.svg"
check "$(svg_read "$dir/zoom.svg" arrows | wc -l)" 80 "--segments 150:229 draws its 80 segments one by one"
check "$(grep -c '<g class="band' "$dir/zoom.svg")" 0 "and no band"
"$synack" trace ladder "$dir/lossy.pcap" --max-segments 64 -o "$dir/fold.html"
check "$(grep -c 'Not expandable: ' "$dir/fold.html")" "$(grep -c '<g class="band folded"' "$dir/fold.html")" \
    "the page says of each folded band that it cannot be expanded"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
