#!/usr/bin/env python3
"""syn_flood.py — the two sides of the TUN SYN-flood test (syn_flood.sh).

    syn_flood.py flood   --dst ADDR --port P --src-net 198.19.0.0/16 --seconds S
        Sends spoofed TCP SYNs from a raw socket (IP_HDRINCL) as fast as it
        can for S seconds: random sources in the network given (which the
        test routes nowhere, so the SYN|ACKs vanish), random ports and
        sequence numbers, an MSS option.  A pool of distinct packets is
        built first and sent round and round.  Reports what it sent and
        the rate it reached.

    syn_flood.py clients --connect ADDR:PORT --path /F --file LOCAL --count N --over S
        The legitimate clients: N HTTP/1.1 GETs of /F on kernel sockets,
        started evenly over S seconds, each on a connection of its own and
        bounded by --timeout; a fetch succeeds when the status is 200 and
        the body equals LOCAL byte for byte.  Reports successes, failures
        by cause, and connect times.

Both print one JSON line and exit 0 when they did their part (the flood:
it sent something; the clients: every fetch succeeded).
"""
import argparse
import ipaddress
import json
import random
import socket
import struct
import sys
import threading
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn_packet(src, dst, sport, dport, seq):
    # TCP: 24 bytes with an MSS option (kind 2, length 4, 1460).
    opts = struct.pack("!BBH", 2, 4, 1460)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, 0x02, 64240, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    # IPv4: the kernel fills in the total length and the header checksum
    # for IP_HDRINCL sockets (raw(7)); DF set, TTL 64.
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, socket.IPPROTO_TCP, 0, src, dst)
    return ip + tcp


def mode_flood(args):
    net = ipaddress.ip_network(args.src_net)
    rng = random.Random(args.seed)
    dst = socket.inet_aton(args.dst)
    hosts = net.num_addresses
    pool = []
    for _ in range(args.pool):
        src = (net.network_address + rng.randrange(1, hosts - 1)).packed
        pool.append(syn_packet(src, dst, rng.randrange(1024, 65536), args.port, rng.getrandbits(32)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    addr = (args.dst, 0)
    sent = refused = 0
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    send = s.sendto
    while time.monotonic() < deadline:
        for i in range(0, len(pool), 512):
            for p in pool[i:i + 512]:
                try:
                    send(p, addr)
                    sent += 1
                except OSError:      # ENOBUFS: the device's queue is full
                    refused += 1
            if time.monotonic() >= deadline:
                break
    secs = time.monotonic() - t0
    print(json.dumps({"mode": "flood", "ok": sent > 0, "sent": sent, "refused": refused, "seconds": round(secs, 3),
                      "rate": round(sent / secs) if secs > 0 else 0, "pool": len(pool)}))
    return 0 if sent > 0 else 1


def fetch(host, port, path, expected, timeout, result):
    t0 = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as c:
            result["connect_ms"] = (time.monotonic() - t0) * 1000
            c.settimeout(max(0.1, timeout - (time.monotonic() - t0)))
            c.sendall(("GET %s HTTP/1.1\r\nHost: synack\r\nConnection: close\r\n\r\n" % path).encode())
            data = bytearray()
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
                if time.monotonic() - t0 > timeout:
                    raise socket.timeout()
        end = data.find(b"\r\n\r\n")
        status = data[:end].split(b" ")[1] if end > 0 and data.startswith(b"HTTP/1.") else b"none"
        body = bytes(data[end + 4:]) if end > 0 else b""
        if status != b"200":
            result["why"] = "status " + status.decode("latin-1")
        elif body != expected:
            result["why"] = "body differs (%d bytes)" % len(body)
        else:
            result["ok"] = True
    except socket.timeout:
        result["why"] = "timeout"
    except OSError as e:
        result["why"] = type(e).__name__
    result["ms"] = (time.monotonic() - t0) * 1000


def mode_clients(args):
    host, port = args.connect.rsplit(":", 1)
    port = int(port)
    with open(args.file, "rb") as f:
        expected = f.read()
    results = [{"ok": False} for _ in range(args.count)]
    threads = []
    t0 = time.monotonic()
    for i in range(args.count):
        start = t0 + args.over * i / max(1, args.count - 1)
        delay = start - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=fetch, args=(host, port, args.path, expected, args.timeout, results[i]),
                             daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(max(0.0, args.timeout + 5 - (time.monotonic() - t0 - args.over)))
    ok = sum(1 for r in results if r["ok"])
    why = {}
    for r in results:
        if not r["ok"]:
            w = r.get("why", "unfinished")
            why[w] = why.get(w, 0) + 1
    connects = sorted(r["connect_ms"] for r in results if "connect_ms" in r)
    pick = lambda q: round(connects[min(len(connects) - 1, int(q * len(connects)))], 1) if connects else None
    print(json.dumps({"mode": "clients", "ok": ok == args.count, "count": args.count, "succeeded": ok,
                      "failures": why, "connect_ms_p50": pick(0.5), "connect_ms_p99": pick(0.99),
                      "connect_ms_max": round(connects[-1], 1) if connects else None,
                      "seconds": round(time.monotonic() - t0, 2)}))
    return 0 if ok == args.count else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["flood", "clients"])
    ap.add_argument("--dst")
    ap.add_argument("--port", type=int)
    ap.add_argument("--src-net", default="198.19.0.0/16")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--pool", type=int, default=65536)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--connect")
    ap.add_argument("--path")
    ap.add_argument("--file")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--over", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    return mode_flood(args) if args.mode == "flood" else mode_clients(args)


if __name__ == "__main__":
    sys.exit(main())
