#!/usr/bin/env bash
# install-deps.sh — installs what building and testing synack needs, on
# Debian or Ubuntu.  Does nothing (and never touches apt) when everything is
# already there.  As root it installs what is missing; otherwise it prints
# the command to run and fails.
#
#   cmake gcc make pkg-config   the build
#   clang libclang-rt-14-dev    the fuzz harnesses (fuzz/, scripts/fuzz.sh): libFuzzer
#                               and the sanitizer runtimes come with compiler-rt
#   valgrind                    memcheck over the scenario and unit tests (scripts/valgrind.sh)
#   tshark                      tests that read our pcap files with Wireshark's dissectors
#   tcpdump                     captures of the kernel's TCP for `synack trace` (tests/interop)
#   iproute2 iputils-ping curl  the interop tests (tests/interop): synack on a TUN
#   socat python3 ethtool         or TAP device against the Linux kernel in network
#   procps nftables               namespaces, IPv4 and IPv6 (scripts/netns.sh; ethtool
#                                 turns veth offloads off, procps's sysctl sets each
#                                 namespace's IPv6, forwarding and proxy ARP/NDP; nft
#                                 blocks a router's ICMP in tests/interop/pmtu_router.sh)
#   liblwip-dev iperf3          `synack bench` peers (bench/peers): lwIP 2.1.3 driven
#                               through its raw API, and iperf3 for the kernel's bulk figure
#   chromium nodejs npm         the browser test (tests/browser): Debian's Chromium
#                               driven by playwright-core, which npm installs into
#                               tests/browser/node_modules at the version pinned in
#                               tests/browser/package-lock.json (no browser download)
set -euo pipefail

needed=(cmake gcc make pkg-config clang libclang-rt-14-dev valgrind tshark tcpdump iproute2 iputils-ping curl socat python3 ethtool procps nftables liblwip-dev iperf3 chromium nodejs npm)
here=$(cd "$(dirname "$0")" && pwd)
browser_dir=$here/../tests/browser

# playwright-core, pinned by tests/browser/package.json and its lock file;
# a no-op when the pinned version is already there.
npm_packages() {
    local want have
    want=$(node -p "require('$browser_dir/package.json').dependencies['playwright-core']")
    have=$(node -p "require('$browser_dir/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
    if [[ "$have" == "$want" ]]; then
        echo "install-deps: playwright-core $have present (tests/browser/node_modules)"
        return 0
    fi
    echo "install-deps: npm ci --prefix tests/browser (playwright-core $want)"
    # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: the tests use /usr/bin/chromium.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$browser_dir" --no-audit --no-fund
}

have() {
    # Installed as a Debian package, or present on PATH by other means.
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || command -v "$1" >/dev/null 2>&1
}

missing=()
for pkg in "${needed[@]}"; do
    have "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all present (${needed[*]})"
    npm_packages
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "please install: apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer no.
if command -v debconf-set-selections >/dev/null 2>&1; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    # iperf3 asks whether to run a server at boot; the benchmark starts its own.
    echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections
fi
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
npm_packages
