#!/usr/bin/env bash
# docs-screenshots.sh [SYNACK] — remakes the screenshots in docs/screenshots/
# (shown in the README) with headless Debian Chromium (tests/browser/shoot.js;
# scripts/install-deps.sh installs Chromium and playwright-core):
#   terminal.png          the textbook exchange as `synack demo` prints it
#   ladder-textbook-svg.png   docs/ladder-textbook.svg (synack demo --svg)
#   ladder-textbook-html.png  the demo's HTML page, segment 4 clicked
#   ladder-lossy-html.png     the HTML page of a lossy `synack sim` run, its first lost segment clicked
#   ladder-lossy-tseq.png     the same page's time-sequence graph tab, that segment's time marked
#   ladder-lossy-cwnd.png     its congestion window tab
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
synack=${1:-$root/build/synack}
shoot=$root/tests/browser/shoot.js
out=$root/docs/screenshots
mkdir -p "$out"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$synack" demo --svg "$root/docs/ladder-textbook.svg" --html "$dir/textbook.html" >"$dir/demo.txt"
sed -n '/^The exchange as a ladder diagram/,/^The exchange as a table/p' "$dir/demo.txt" | sed '$d' >"$dir/ladder.txt"
node "$shoot" "$dir/ladder.txt" "$out/terminal.png" --text '$ build/synack demo' --width 1000
node "$shoot" "$root/docs/ladder-textbook.svg" "$out/ladder-textbook-svg.png" --width 900 --height 900 --full
node "$shoot" "$dir/textbook.html" "$out/ladder-textbook-html.png" --width 1400 --height 1240 --click 4
"$synack" sim --bytes 300000 --loss 0.03 --delay 10 --rate 20 --seed 3 --html "$dir/lossy.html" >/dev/null
lost=$(grep -o '<g class="segment data lost" id="s[0-9]*"' "$dir/lossy.html" | head -1 | grep -o '[0-9]*"$' | tr -d '"')
node "$shoot" "$dir/lossy.html" "$out/ladder-lossy-html.png" --width 1400 --height 1000 --center --click "$lost"
node "$shoot" "$dir/lossy.html" "$out/ladder-lossy-tseq.png" --width 1400 --height 820 --click "$lost" --tab tseq
node "$shoot" "$dir/lossy.html" "$out/ladder-lossy-cwnd.png" --width 1400 --height 820 --click "$lost" --tab cwnd
ls -l "$out"
