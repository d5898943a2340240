#!/usr/bin/env python3
"""impair.py — a user-space stand-in for tc netem between two interfaces.

    impair.py [--seed N] [--limit PACKETS] [--ready-file F] IF_A IF_B [SPEC...]

Bridges every Ethernet frame that arrives on IF_A out of IF_B and back,
applying a netem-like SPEC to each direction independently:

    loss P%          drop each frame with probability P
    delay T[ms|us|s] hold each frame for T before sending it on
    reorder P% [C%]  send a frame at once, ahead of the held ones, with
                     probability P (netem's meaning; needs a delay)
    duplicate P%     send a frame twice with probability P

netem's correlation arguments (the C% above) are accepted and ignored:
decisions are independent draws from a generator seeded by --seed.  Each
direction holds at most --limit frames (netem's default, 1000); beyond
that a frame is dropped, as by netem's queue limit.

scripts/netns.sh runs this in a namespace of its own, between the two
halves of a veth pair, when the kernel has no netem.  The veth ends must
have checksum and segmentation offloads off (netns.sh does it), so that
each frame is one wire-sized packet with its checksum filled in.

Stops on SIGTERM or SIGINT and prints its counters to standard error.
"""
import argparse
import heapq
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def parse_percent(text):
    if not text.endswith("%"):
        raise ValueError(f"expected a percentage, got {text!r}")
    value = float(text[:-1]) / 100.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"percentage out of range: {text!r}")
    return value


def parse_time(text):
    for suffix, scale in (("ms", 1e-3), ("us", 1e-6), ("s", 1.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    raise ValueError(f"expected a time such as 20ms, got {text!r}")


def is_percent(text):
    return text.endswith("%")


def parse_spec(words):
    """Returns dict(loss, delay, reorder, duplicate) from netem words."""
    spec = dict(loss=0.0, delay=0.0, reorder=0.0, duplicate=0.0)
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("loss", "reorder", "duplicate"):
            if word == "loss" and i + 1 < len(words) and words[i + 1] == "random":
                i += 1
            spec[word] = parse_percent(words[i + 1])
            i += 2
            if i < len(words) and is_percent(words[i]):
                i += 1  # correlation: ignored
        elif word == "delay":
            spec["delay"] = parse_time(words[i + 1])
            i += 2
            # jitter and its correlation are not modelled.
            while i < len(words) and words[i] not in ("loss", "reorder", "duplicate", "delay"):
                i += 1
        else:
            raise ValueError(f"unsupported netem word {word!r} (loss, delay, reorder, duplicate)")
    return spec


class Direction:
    def __init__(self, name, tx, limit):
        self.name, self.tx, self.limit = name, tx, limit
        self.held = 0
        self.counts = dict(frames=0, lost=0, reordered=0, duplicated=0, overflow=0, send_errors=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--ready-file")
    ap.add_argument("if_a")
    ap.add_argument("if_b")
    ap.add_argument("spec", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    try:
        spec = parse_spec(args.spec)
    except (ValueError, IndexError) as e:
        print(f"impair.py: {e}", file=sys.stderr)
        return 2

    socks = {}
    for ifname in (args.if_a, args.if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((ifname, ETH_P_ALL))
        s.setblocking(False)
        socks[ifname] = s
    a, b = socks[args.if_a], socks[args.if_b]
    rng = random.Random(args.seed)
    dirs = {
        a.fileno(): Direction(f"{args.if_a}->{args.if_b}", b, args.limit),
        b.fileno(): Direction(f"{args.if_b}->{args.if_a}", a, args.limit),
    }

    stop = False

    def on_signal(_sig, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")

    heap = []  # (due, sequence, direction, frame)
    seq = 0

    def schedule(d, frame, due):
        nonlocal seq
        if d.held >= d.limit:
            d.counts["overflow"] += 1
            return
        d.held += 1
        seq += 1
        heapq.heappush(heap, (due, seq, d, frame))

    def send(d, frame):
        try:
            d.tx.send(frame)
        except OSError:
            d.counts["send_errors"] += 1

    while not stop:
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            _, _, d, frame = heapq.heappop(heap)
            d.held -= 1
            send(d, frame)
        timeout = max(0.0, heap[0][0] - now) if heap else 0.5
        try:
            readable, _, _ = select.select([a, b], [], [], timeout)
        except InterruptedError:
            continue
        for s in readable:
            d = dirs[s.fileno()]
            for _ in range(256):  # bounds one pass; the rest waits for the next select
                try:
                    frame, addr = s.recvfrom(65536)
                except OSError:  # BlockingIOError included: nothing more waiting
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                d.counts["frames"] += 1
                if spec["loss"] and rng.random() < spec["loss"]:
                    d.counts["lost"] += 1
                    continue
                copies = 1
                if spec["duplicate"] and rng.random() < spec["duplicate"]:
                    d.counts["duplicated"] += 1
                    copies = 2
                for _ in range(copies):
                    if spec["delay"] == 0.0:
                        send(d, frame)
                    elif spec["reorder"] and rng.random() < spec["reorder"]:
                        d.counts["reordered"] += 1
                        send(d, frame)
                    else:
                        schedule(d, frame, time.monotonic() + spec["delay"])

    for d in dirs.values():
        print(f"impair.py {d.name}: " + ", ".join(f"{k} {v}" for k, v in d.counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
