#!/usr/bin/env python3
"""page_plots.py — the plots of a ladder HTML page, read back from their
structure (never from pixels), for tests/sim/ladder.sh.

    page_plots.py PAGE.html [--retrans N] [--ends K] [--capture]

The page (written by `synack sim/demo --html` or `synack trace ladder -o
x.html`) must hold, in tabs beside the diagram, a time-sequence graph, a
congestion-window (or, from a capture, bytes-in-flight) plot and an RTT
plot of the diagram's connection, each an inline <svg class="plot"> with
data in it:

  - the page stays one self-contained file: ids unique, no XML
    declaration inside, no external reference, two scripts (the segment
    data and the page's own);
  - tseq: time 0 at the diagram's origin, data bars, the ACK line and
    (in a lossy run) the window line; with --retrans N the busier sender's retransmission series was
    given exactly N values (data-count) and draws one mark per bar, at
    least one when N > 0; with --ends K, K senders (directions) drawn, and
    the first figure's sender is the diagram's left end;
  - cwnd: from a trace, the engine's cwnd, ssthresh and pipe lines (fast
    recovery shaded when N > 0); from a capture (--capture), only the
    estimated bytes in flight, and the page says these are estimates;
  - rtt: SRTT and RTO lines (trace) or RTT samples and their SRTT estimate
    (capture).

Prints "ok", or one line per failed check.
"""
import re
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    retrans = None
    ends = None
    capture = False
    while args:
        a = args.pop(0)
        if a == '--retrans':
            retrans = int(args.pop(0))
        elif a == '--ends':
            ends = int(args.pop(0))
        elif a == '--capture':
            capture = True
        else:
            raise SystemExit('unknown option ' + a)
    page = open(path, encoding='utf-8').read()
    fails = []

    def need(cond, what):
        if not cond:
            fails.append(what)

    ids = re.findall(r'\sid="([^"]*)"', page)
    dups = sorted({i for i in ids if ids.count(i) > 1})
    need(not dups, 'ids unique on the page (repeated: %s)' % ' '.join(dups[:5]))
    need('<?xml' not in page, 'no XML declaration inside the page')
    need(len(re.findall(r'<script\b', page)) == 2, 'two scripts: the data and the page\'s own')
    need(not re.search(r'(src|href)="(https?:)?//', page, re.I), 'no external reference')

    sections = dict(re.findall(r'<section id="view-(\w+)" class="view-section"[^>]*>(.*?)</section>', page, re.S))
    for kind in ('tseq', 'cwnd', 'rtt'):
        need(kind in sections, 'a %s view' % kind)
        need('<button type="button" role="tab" id="tab-%s"' % kind in page, 'a tab for the %s view' % kind)
    left = re.search(r'<g class="end" data-end="[^"]*" data-side="left">.*?(\d+\.\d+\.\d+\.\d+:\d+)', page, re.S)
    need(left is not None, 'the diagram names its left end')

    def figures(kind):
        out = []
        for end, body in re.findall(r'<figure class="plot" data-kind="%s" data-end="(\d)">(.*?)</figure>' % kind,
                                    sections.get(kind, ''), re.S):
            m = re.search(r'<svg .*?</svg>', body, re.S)
            try:
                root = ET.fromstring(m.group(0)) if m else None
            except ET.ParseError as e:
                fails.append('%s: the plot is well-formed XML: %s' % (kind, e))
                root = None
            caption = re.sub(r'<[^>]*>', '', body.split('</figcaption>')[0])
            out.append((int(end), root, caption))
        return out

    def series(root, name):
        for g in root.iter(NS + 'g'):
            if (g.get('class') or '').startswith('series ') and g.get('data-series') == name:
                return g
        return None

    def count(g, tag, cls=None):
        if g is None:
            return -1
        return len([e for e in g.iter(NS + tag) if cls is None or e.get('class') == cls])

    def frame(root):
        return next((r for r in root.iter(NS + 'rect') if r.get('class') == 'frame'), None)

    tseq = figures('tseq')
    need(len(tseq) >= 1, 'tseq: at least one figure')
    if ends is not None:
        need(len(tseq) == ends, 'tseq: %d senders drawn (got %d)' % (ends, len(tseq)))
    for i, (end, root, caption) in enumerate(tseq):
        if root is None:
            need(False, 'tseq: an <svg> in figure %d' % i)
            continue
        f = frame(root)
        need(root.get('class') == 'plot' and (root.get('id') or '').startswith('tseq-'), 'tseq: <svg class="plot" id="tseq-...">')
        need(f is not None and float(f.get('data-x-min')) == 0.0, 'tseq: time 0 at the diagram\'s origin')
        need(count(series(root, 'data segment'), 'line', 'bar') >= 1, 'tseq: data bars (end %d)' % end)
        need(count(series(root, 'ACK'), 'polyline') >= 1, 'tseq: the ACK line (end %d)' % end)
        # The window line leaves the top of the plot when it is far above
        # the data (the textbook's few bytes): drawn when data was lost.
        window = series(root, 'receive window (ACK + window)')
        need(window is not None and (not retrans or count(window, 'polyline') >= 1), 'tseq: the window line')
        if i == 0 and left is not None:
            need(caption.split(' \u2192 ')[0].endswith(left.group(1)),
                 'tseq: the first figure is the diagram\'s left end %s (caption "%s")' % (left.group(1), caption))
        if i == 0 and retrans is not None:
            g = series(root, 'retransmission')
            given = int(g.get('data-count')) if g is not None else -1
            bars, marks = count(g, 'line', 'bar'), count(g, 'path', 'mark')
            need(given == retrans, 'tseq: %d retransmissions given to the plot, as the run counted (got %d)'
                 % (retrans, given))
            need(marks == bars and (bars >= 1) == (retrans > 0) and bars <= retrans,
                 'tseq: one mark per retransmission bar (%d bars, %d marks, %d retransmissions)'
                 % (bars, marks, retrans))

    cwnd = figures('cwnd')
    need(len(cwnd) >= 1, 'cwnd: at least one figure')
    estimated = 'bytes in flight, estimated: highest sequence sent - latest ACK'
    for end, root, _ in cwnd[:1]:
        if root is None:
            continue
        if capture:
            need(count(series(root, estimated), 'polyline') >= 1, 'cwnd: the estimated bytes in flight')
            need(series(root, 'cwnd') is None, 'cwnd: no cwnd from a capture')
            need('<strong>Estimates.</strong>' in sections.get('cwnd', ''), 'cwnd: the page says these are estimates')
            need('id="tab-cwnd" aria-controls="view-cwnd" aria-selected="false">Bytes in flight<' in page,
                 'cwnd: the tab says "Bytes in flight"')
        else:
            for s in ('cwnd', 'ssthresh', 'bytes in flight (pipe)'):
                need(count(series(root, s), 'polyline') >= 1, 'cwnd: the %s line' % s)
            need(series(root, estimated) is None, 'cwnd: the engine\'s figures, not an estimate')
            if retrans:
                need(count(series(root, 'fast recovery'), 'rect', 'band') >= 1, 'cwnd: fast recovery shaded')

    rtt = figures('rtt')
    need(len(rtt) >= 1, 'rtt: at least one figure')
    for end, root, _ in rtt[:1]:
        if root is None:
            continue
        if capture:
            need(count(series(root, 'RTT sample (data to its ACK, Karn)'), 'circle') >= 1, 'rtt: RTT samples')
            need(count(series(root, 'SRTT, estimated from the samples (RFC 6298)'), 'polyline') >= 1,
                 'rtt: the SRTT estimate')
            need('<strong>Estimates.</strong>' in sections.get('rtt', ''), 'rtt: the page says these are estimates')
        else:
            need(count(series(root, 'SRTT'), 'polyline') >= 1 and count(series(root, 'RTO'), 'polyline') >= 1,
                 'rtt: the engine\'s SRTT and RTO')

    print('; '.join(fails) if fails else 'ok')


main()
