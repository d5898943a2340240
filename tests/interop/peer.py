#!/usr/bin/env python3
"""peer.py — the Linux side of the interop tests: small TCP clients and
servers on kernel sockets that send and check synack's test byte stream
(src/tools/pattern.h) and report what they saw as one JSON line.

    peer.py sink    --listen ADDR:PORT --bytes N       accept one; read to EOF; check N pattern bytes
    peer.py source  --listen ADDR:PORT --bytes N       accept one; send N pattern bytes; half-close; expect EOF
    peer.py echo    --connect ADDR:PORT --bytes N      send N, half-close, expect the same N back, then EOF
    peer.py discard --connect ADDR:PORT --bytes N      send N, half-close, expect EOF with nothing back
    peer.py refused --connect ADDR:PORT                expect ConnectionRefusedError at once
    peer.py stuff   --connect ADDR:PORT --ready-file F [--go-file G]
                                                       send without reading until both ends' buffers
                                                       are full, touch F, wait for G, then read until the
                                                       connection ends; report how (errno name or EOF)
    peer.py idle    --connect ADDR:PORT --ready-file F connect, touch F, wait for the end (EOF or error)

ADDR:PORT is IPv4 (198.18.0.1:5001) or IPv6 in brackets ([fd00:5ac::1]:5001).
Every mode is bounded by --timeout seconds (default 60): a peer that runs
out of time reports "timeout" and exits 1.  Exit status 0 means the
mode's expectation held.  --ready-file (servers) is written once the
socket listens, so a script knows when to start the other side.
"""
import argparse
import errno
import json
import os
import select
import socket
import sys
import time

BLOCK_BYTES = 65521
CHUNK = 256 * 1024


def synack_block():
    """The pattern block of src/tools/pattern.h (splitmix64, seed 1)."""
    m = (1 << 64) - 1
    x, out = 1, bytearray()
    while len(out) < BLOCK_BYTES:
        x = (x + 0x9E3779B97F4A7C15) & m
        z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        out += (z ^ (z >> 31)).to_bytes(8, "little")
    return bytes(out[:BLOCK_BYTES])


BLOCK = synack_block()
assert BLOCK[:8] == bytes.fromhex("c15c0289ec2d0a91"), "pattern block differs from pattern.h"
# The block repeated far enough that any CHUNK-long window starts inside the first block.
RING = BLOCK * (CHUNK // BLOCK_BYTES + 2)


def pattern(offset, n):
    """Stream bytes [offset, offset + n), n <= CHUNK."""
    start = offset % BLOCK_BYTES
    return RING[start:start + n]


class Checker:
    """Compares a received stream with the pattern as it arrives."""

    def __init__(self):
        self.offset = 0
        self.first_bad = None

    def feed(self, data):
        if self.first_bad is None:
            view = memoryview(data)
            pos = 0
            while pos < len(view):
                n = min(CHUNK, len(view) - pos)
                want = pattern(self.offset + pos, n)
                if view[pos:pos + n] != want:
                    got = bytes(view[pos:pos + n])
                    i = next(i for i in range(n) if got[i] != want[i])
                    self.first_bad = self.offset + pos + i
                    break
                pos += n
        self.offset += len(data)


def parse_endpoint(text):
    host, _, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def report(ok, **fields):
    fields["ok"] = ok
    print(json.dumps(fields), flush=True)
    return 0 if ok else 1


def errno_name(e):
    return errno.errorcode.get(e.errno, str(e.errno)) if getattr(e, "errno", None) else type(e).__name__


def listen(args):
    host, port = parse_endpoint(args.listen)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4)
    s.settimeout(args.timeout)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("listening\n")
    conn, peer = s.accept()
    s.close()
    conn.settimeout(args.timeout)
    return conn, peer


def read_to_end(conn, deadline, checker=None):
    """Reads until EOF.  Returns (bytes read, how it ended)."""
    total = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return total, "timeout"
        conn.settimeout(left)
        try:
            data = conn.recv(CHUNK)
        except socket.timeout:
            return total, "timeout"
        except OSError as e:
            return total, errno_name(e)
        if not data:
            return total, "EOF"
        total += len(data)
        if checker:
            checker.feed(data)


def send_pattern(conn, n, deadline):
    sent = 0
    while sent < n:
        if time.monotonic() > deadline:
            return sent, "timeout"
        k = min(CHUNK, n - sent)
        try:
            conn.sendall(pattern(sent, k))
        except socket.timeout:
            return sent, "timeout"
        except OSError as e:
            return sent, errno_name(e)
        sent += k
    return sent, "ok"


def mode_sink(args):
    deadline = time.monotonic() + args.timeout
    conn, peer = listen(args)
    t0 = time.monotonic()
    checker = Checker()
    total, end = read_to_end(conn, deadline, checker)
    secs = time.monotonic() - t0
    conn.close()
    ok = end == "EOF" and total == args.bytes and checker.first_bad is None
    return report(ok, mode="sink", peer=f"{peer[0]}:{peer[1]}", bytes=total, end=end,
                  first_bad_offset=checker.first_bad, seconds=round(secs, 3),
                  mbps=round(total * 8 / secs / 1e6, 1) if secs > 0 else None)


def mode_source(args):
    deadline = time.monotonic() + args.timeout
    conn, peer = listen(args)
    t0 = time.monotonic()
    sent, how = send_pattern(conn, args.bytes, deadline)
    if how == "ok":
        conn.shutdown(socket.SHUT_WR)
    back, end = read_to_end(conn, deadline)
    secs = time.monotonic() - t0
    conn.close()
    ok = how == "ok" and end == "EOF" and back == 0
    return report(ok, mode="source", peer=f"{peer[0]}:{peer[1]}", bytes=sent, send=how, received=back,
                  end=end, seconds=round(secs, 3), mbps=round(sent * 8 / secs / 1e6, 1) if secs > 0 else None)


def connect(args):
    conn = socket.create_connection(parse_endpoint(args.connect), timeout=args.timeout)
    return conn


def mode_echo_or_discard(args):
    """Sends N bytes and half-closes while reading whatever comes back."""
    deadline = time.monotonic() + args.timeout
    t0 = time.monotonic()
    conn = connect(args)
    conn.setblocking(False)
    checker = Checker()
    sent, got, end, shut = 0, 0, None, False
    t_shut = None
    while end is None:
        now = time.monotonic()
        if now > deadline:
            end = "timeout"
            break
        want_write = [conn] if not shut else []
        r, w, _ = select.select([conn], want_write, [], min(1.0, deadline - now))
        if w:
            try:
                k = conn.send(pattern(sent, min(CHUNK, args.bytes - sent)))
                sent += k
            except BlockingIOError:
                pass
            except OSError as e:
                end = "send " + errno_name(e)
                break
            if sent == args.bytes:
                conn.shutdown(socket.SHUT_WR)
                shut, t_shut = True, time.monotonic()
        if r:
            try:
                data = conn.recv(CHUNK)
            except BlockingIOError:
                continue
            except OSError as e:
                end = errno_name(e)
                break
            if not data:
                end = "EOF"
                break
            got += len(data)
            checker.feed(data)
    secs = time.monotonic() - t0
    close_after_shut = round(time.monotonic() - t_shut, 3) if t_shut else None
    conn.close()
    if args.mode == "echo":
        ok = end == "EOF" and shut and got == args.bytes and checker.first_bad is None
    else:
        ok = end == "EOF" and shut and got == 0
    return report(ok, mode=args.mode, sent=sent, half_closed=shut, received=got, end=end,
                  first_bad_offset=checker.first_bad, seconds=round(secs, 3),
                  eof_after_half_close_s=close_after_shut,
                  mbps=round(sent * 8 / secs / 1e6, 1) if secs > 0 else None)


def mode_refused(args):
    t0 = time.monotonic()
    try:
        conn = socket.create_connection(parse_endpoint(args.connect), timeout=args.timeout)
        conn.close()
        how = "connected"
    except ConnectionRefusedError:
        how = "ECONNREFUSED"
    except socket.timeout:
        how = "timeout"
    except OSError as e:
        how = errno_name(e)
    secs = time.monotonic() - t0
    return report(how == "ECONNREFUSED" and secs < 1.0, mode="refused", result=how, seconds=round(secs, 4))


def touch(path):
    with open(path, "w") as f:
        f.write("ready\n")


def mode_stuff(args):
    """Fills the connection in both directions, then waits for its end."""
    deadline = time.monotonic() + args.timeout
    conn = connect(args)
    if args.rcvbuf:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    conn.setblocking(False)
    sent, stalled_since = 0, None
    while time.monotonic() < deadline:
        try:
            sent += conn.send(pattern(sent, CHUNK))
            stalled_since = None
        except BlockingIOError:
            now = time.monotonic()
            stalled_since = stalled_since or now
            if now - stalled_since > 1.0:
                break  # a second without progress: every buffer is full
            select.select([], [conn], [], 0.1)
    touch(args.ready_file)
    # Nothing is read until the script says go (it stops synack first).
    while args.go_file and not os.path.exists(args.go_file) and time.monotonic() < deadline:
        time.sleep(0.02)
    t_go = time.monotonic()
    if args.read_timeout:
        deadline = min(deadline, t_go + args.read_timeout)
    total, end = read_to_end(conn, deadline)
    secs = time.monotonic() - t_go
    conn.close()
    return report(end == args.expect_end, mode="stuff", sent=sent, read_after_go=total, end=end,
                  seconds_after_go=round(secs, 3))


def mode_idle(args):
    deadline = time.monotonic() + args.timeout
    conn = connect(args)
    touch(args.ready_file)
    t_ready = time.monotonic()
    total, end = read_to_end(conn, deadline)
    secs = time.monotonic() - t_ready
    conn.close()
    return report(end == args.expect_end, mode="idle", received=total, end=end, seconds_after_ready=round(secs, 3))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["sink", "source", "echo", "discard", "refused", "stuff", "idle"])
    ap.add_argument("--listen")
    ap.add_argument("--connect")
    ap.add_argument("--bytes", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--ready-file")
    ap.add_argument("--go-file", help="stuff: wait for this file before reading")
    ap.add_argument("--rcvbuf", type=int, default=0, help="stuff: SO_RCVBUF (0: the kernel's autotuning)")
    ap.add_argument("--read-timeout", type=float, default=0.0,
                    help="stuff: after go, read for at most this long (0: until --timeout)")
    ap.add_argument("--expect-end", default="ECONNRESET", help="stuff/idle: how the connection must end")
    args = ap.parse_args()
    try:
        return {"sink": mode_sink, "source": mode_source, "echo": mode_echo_or_discard,
                "discard": mode_echo_or_discard, "refused": mode_refused, "stuff": mode_stuff,
                "idle": mode_idle}[args.mode](args)
    except socket.timeout:
        return report(False, mode=args.mode, end="timeout")
    except OSError as e:
        return report(False, mode=args.mode, end=errno_name(e))


if __name__ == "__main__":
    sys.exit(main())
