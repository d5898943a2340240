#!/usr/bin/env bash
# ladder_page.sh SYNACK — the HTML ladder page of a lossy `synack sim` run in
# headless Chromium (Debian's chromium, driven by playwright-core from
# tests/browser/node_modules; see ladder_page.js for the checks): a
# screenshot that is not blank, a click on an arrow filling the details
# panel with its seq and ack, a band expanded, the plots in their tabs
# drawn with the pinned arrow's time cursor, no console errors, no
# request but the file itself.  Exits 77 (skipped) when Chromium, node or
# playwright-core is missing: scripts/install-deps.sh installs them.
set -u
synack=$1
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}

skip() { echo "skipped: $1 (scripts/install-deps.sh installs it)"; exit 77; }
[[ -x "$chromium" ]] || skip "no Chromium at $chromium"
command -v node >/dev/null || skip "node is not installed"
node -e 'require(process.argv[1]).loadPlaywright()' "$here/chromium.js" 2>/dev/null ||
    skip "playwright-core is not installed (npm ci --prefix tests/browser)"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$synack" sim --bytes 300000 --loss 0.03 --delay 10 --rate 20 --seed 3 --html "$dir/page.html" >"$dir/sim.txt"
rc=$?
if [[ $rc -ne 0 ]]; then
    cat "$dir/sim.txt"
    echo "FAILED: synack sim --html exited $rc"
    echo "0 passed, 1 failed"
    exit 1
fi
# CHROMIUM is read by chromium.js too; the screenshot stays in $dir unless
# LADDER_SHOT names a file to keep it.
CHROMIUM=$chromium node "$here/ladder_page.js" "$dir/page.html" "${LADDER_SHOT:-$dir/page.png}"
