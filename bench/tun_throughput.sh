#!/usr/bin/env bash
# bench/tun_throughput.sh [BYTES] — throughput of one TCP connection, in
# one run on this machine, three ways:
#   kernel -> kernel over a veth pair (default offloads), the reference;
#   kernel -> synack over TUN (synack serve --discard);
#   synack -> kernel over TUN (synack connect --send-bytes).
# Kernel-side endpoints are the same small Python programs each time, so
# the ratios compare the stacks, not the tools.  Needs root (namespaces,
# TUN).  Prints a table; the last line is JSON.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BYTES=${1:-1000000000}
SYNACK=${SYNACK:-build/synack}
ns=synbench-$$
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    ip netns del "$ns-a" 2>/dev/null || true
    ip netns del "$ns-b" 2>/dev/null || true
    ip netns del "$ns-t" 2>/dev/null || true
    rm -rf "$tmp"
}
tmp=$(mktemp -d)
trap cleanup EXIT

cat >"$tmp/send.py" <<'PY'
import socket, sys, time
host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for attempt in range(50):
    try:
        s = socket.create_connection((host, port), timeout=10); break
    except OSError:
        time.sleep(0.1)
blk = bytes(1 << 20); sent = 0; t = time.time()
while sent < total:
    n = min(len(blk), total - sent); s.sendall(blk[:n]); sent += n
s.shutdown(socket.SHUT_WR)
while s.recv(65536): pass
print("%.3f" % (sent * 8 / (time.time() - t) / 1e6))
PY
cat >"$tmp/recv.py" <<'PY'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); buf = bytearray(1 << 20); n = 0; t = None
while True:
    k = c.recv_into(buf)
    if t is None: t = time.time()
    if not k: break
    n += k
print("%.3f" % (n * 8 / (time.time() - t) / 1e6))
PY

# 1. kernel -> kernel over veth
ip netns add "$ns-a"; ip netns add "$ns-b"
ip link add veth-a netns "$ns-a" type veth peer name veth-b netns "$ns-b"
ip -n "$ns-a" addr add 198.18.1.1/24 dev veth-a; ip -n "$ns-b" addr add 198.18.1.2/24 dev veth-b
ip -n "$ns-a" link set veth-a up; ip -n "$ns-b" link set veth-b up
ip netns exec "$ns-b" python3 "$tmp/recv.py" 198.18.1.2 9 >"$tmp/veth.recv" & pids+=($!)
veth=$(timeout 120 ip netns exec "$ns-a" python3 "$tmp/send.py" 198.18.1.2 9 "$BYTES")

# A persistent TUN device with the virtio-net header, so that synack (which
# asks for offloads) attaches with them and the kernel side stays
# configured between the two runs.
ip netns add "$ns-t"; ip -n "$ns-t" link set lo up
ip -n "$ns-t" tuntap add dev syn0 mode tun vnet_hdr
ip -n "$ns-t" addr add 198.18.0.1/24 dev syn0; ip -n "$ns-t" link set syn0 up

# 2. kernel -> synack over TUN
ip netns exec "$ns-t" "$SYNACK" serve --tun syn0 --addr 198.18.0.2/24 --discard 9 2>"$tmp/serve.log" & pids+=($!)
sleep 0.3
to_synack=$(timeout 120 ip netns exec "$ns-t" python3 "$tmp/send.py" 198.18.0.2 9 "$BYTES")
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# 3. synack -> kernel over TUN
ip netns exec "$ns-t" python3 "$tmp/recv.py" 0.0.0.0 9 >"$tmp/tun.recv" & rpid=$!; pids+=($rpid)
sleep 0.3
timeout 120 ip netns exec "$ns-t" "$SYNACK" connect --tun syn0 --addr 198.18.0.2/24 --send-bytes "$BYTES" \
    --expect-bytes 0 --json 198.18.0.1 9 >"$tmp/connect.json" 2>"$tmp/connect.log" || true
wait "$rpid" || true
from_synack=$(cat "$tmp/tun.recv")

ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
printf '%-34s %10s %8s\n' "one connection, $BYTES bytes" "Mbit/s" "of veth"
printf '%-34s %10.0f %8s\n' "kernel -> kernel (veth)" "$veth" "1.00"
printf '%-34s %10.0f %8s\n' "kernel -> synack (TUN)" "$to_synack" "$(ratio "$to_synack" "$veth")"
printf '%-34s %10.0f %8s\n' "synack -> kernel (TUN)" "$from_synack" "$(ratio "$from_synack" "$veth")"
printf '{"bytes": %s, "veth_mbps": %s, "kernel_to_synack_mbps": %s, "synack_to_kernel_mbps": %s}\n' \
    "$BYTES" "$veth" "$to_synack" "$from_synack"
