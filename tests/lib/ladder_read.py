#!/usr/bin/env python3
"""ladder_read.py — a ladder diagram read back from its SVG structure
(never from pixels), for the shell tests (tests/sim/ladder.sh,
tests/interop/trace_tcpdump.sh, tests/interop/lossy_hop.sh).

    ladder_read.py arrows SVG
        "from flags seq ack len | label" for each arrow, in drawing order
    ladder_read.py states SVG
        "end: S1 S2 ..." for each end, in the order drawn (time order)
    ladder_read.py marks SVG
        "class count" for each mark class found on arrows
    ladder_read.py html PAGE
        "N arrows; details for each: True; external references: 0"
    ladder_read.py text-states TEXT
        the states of the text rendering (`synack trace ladder` without
        -o), in the same form
    ladder_read.py text-labels SVG TEXT
        "0 of N labels differ" when every numbered label of the text is
        the SVG's label of that segment (or its start, cut with "…")
    ladder_read.py tshark-fields
        the tshark options (-e FIELD ...) that make the TSHARK_TSV below
    ladder_read.py capture SVG TSHARK_TSV LIST_JSON CLOSER NEAR
        The ladder of a capture beside two readings of the same capture
        that owe nothing to the ladder code: tshark's fields (TSHARK_FIELDS
        below, one line per segment of the connection, in capture order) and
        `synack trace list --json`.  Prints one line per property,
        "description<TAB>what the ladder shows<TAB>what it should show",
        for the shell to compare; plus "info<TAB>text" lines to log.
        CLOSER is the end that sent the first FIN (what the test made the
        programs do); NEAR the end beside the capture point, every segment
        of which was captured before the path could lose it ("none" if
        neither, "either" for a capture beside both, as on loopback).

What the SVG writer promises (src/viz/ladder_svg.c): a <g class="segments">
holding one <g class="segment data|ack MARKS" data-n data-from data-flags
data-seq [data-ack] data-len data-win data-marks> per arrow, <text
class="state" data-end> per state change, <g class="end" data-end> with the
end's name and address.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'

# The tshark fields `capture` reads, in this order (`tshark-fields` prints
# them as tshark options).
TSHARK_FIELDS = [
    'ip.src', 'tcp.srcport', 'tcp.flags', 'tcp.seq', 'tcp.ack', 'tcp.len', 'tcp.window_size',
    'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission',
    'tcp.analysis.spurious_retransmission', 'tcp.analysis.out_of_order',
    'tcp.analysis.duplicate_ack', 'tcp.analysis.window_update', 'tcp.analysis.zero_window',
    'tcp.analysis.keep_alive', 'tcp.analysis.zero_window_probe', 'ipv6.src',
]

# TCP header flag bits, named and ordered as synack names them
# (synack_tcp_flags_text).
FLAG_BITS = [(0x02, 'SYN'), (0x01, 'FIN'), (0x04, 'RST'), (0x10, 'ACK'), (0x08, 'PSH'), (0x20, 'URG'),
             (0x40, 'ECE'), (0x80, 'CWR')]


def classes(el):
    return (el.get('class') or '').split()


def read_svg(path):
    root = ET.parse(path).getroot()
    group = next(g for g in root.iter(NS + 'g') if g.get('class') == 'segments')
    arrows = [g for g in group if g.tag == NS + 'g' and 'segment' in classes(g)]
    return root, arrows


def label_of(g):
    return next(t.text for t in g.iter(NS + 'text') if 'label' in classes(t))


def states_of(root):
    """{end: [state, ...]} in the order drawn, and the ends in first-seen order."""
    states = {}
    for t in root.iter(NS + 'text'):
        if 'state' in classes(t):
            states.setdefault(t.get('data-end'), []).append(t.text)
    return states


def cmd_arrows(path):
    _, arrows = read_svg(path)
    for g in arrows:
        print(g.get('data-from'), g.get('data-flags'), g.get('data-seq'), g.get('data-ack') or '-',
              g.get('data-len'), '|', label_of(g))


def cmd_states(path):
    root, _ = read_svg(path)
    states = states_of(root)
    for end in sorted(states):
        print(end + ': ' + ' '.join(states[end]))


def cmd_marks(path):
    _, arrows = read_svg(path)
    counts = {}
    for g in arrows:
        for c in classes(g)[2:]:
            counts[c] = counts.get(c, 0) + 1
    for c in sorted(counts):
        print(c, counts[c])


# ---- A capture's ladder beside tshark and `trace list` ----------------------


def flag_names(bits):
    return ','.join(name for bit, name in FLAG_BITS if bits & bit) or 'none'


class Spans:
    """Sequence space seen, as sorted disjoint [start, end) ranges."""

    def __init__(self):
        self.r = []

    def covers_any(self, a, b):
        return any(s < b and a < e for s, e in self.r)

    def add(self, a, b):
        if a >= b:
            return
        keep = []
        for s, e in self.r:
            if e < a or b < s:
                keep.append((s, e))
            else:
                a, b = min(a, s), max(b, e)
        keep.append((a, b))
        self.r = sorted(keep)


def read_tshark(path, client):
    """The connection's segments in capture order, from tshark's fields."""
    segs = []
    for line in open(path, encoding='utf-8'):
        f = line.rstrip('\n').split('\t')
        if len(f) < len(TSHARK_FIELDS):
            f += [''] * (len(TSHARK_FIELDS) - len(f))
        v = dict(zip(TSHARK_FIELDS, f))
        bits = int(v['tcp.flags'], 16)
        # An endpoint as synack writes it: "198.18.0.2:80", "[fd00:5ac::2]:80".
        addr = v['ip.src'] or '[%s]' % v['ipv6.src']
        end = '%s:%s' % (addr, v['tcp.srcport'])
        segs.append({
            'n': len(segs) + 1,
            'end': end,
            'from': 'client' if end == client else 'server',
            'bits': bits,
            'flags': flag_names(bits),
            'seq': int(v['tcp.seq']),
            'ack': int(v['tcp.ack']) if bits & 0x10 else None,
            'len': int(v['tcp.len']),
            'win': int(v['tcp.window_size']),
            'rexmit': v['tcp.analysis.retransmission'] != '',
            'fast': v['tcp.analysis.fast_retransmission'] != '',
            'spurious': v['tcp.analysis.spurious_retransmission'] != '',
            'ooo': v['tcp.analysis.out_of_order'] != '',
            'dupack': v['tcp.analysis.duplicate_ack'] != '',
            'winupdate': v['tcp.analysis.window_update'] != '',
            'zerowin': v['tcp.analysis.zero_window'] != '',
            'keepalive': v['tcp.analysis.keep_alive'] != '',
            'zwp': v['tcp.analysis.zero_window_probe'] != '',
        })
    return segs


def seg_space(s):
    """SEG.LEN: payload plus one for SYN and one for FIN (RFC 9293 §3.4)."""
    return s['len'] + (1 if s['bits'] & 0x02 else 0) + (1 if s['bits'] & 0x01 else 0)


def numbers(segs):
    return ' '.join(str(s['n']) for s in segs) or 'none'


def expected_states(t, closer):
    """Each end's states as RFC 9293 §3.3.2 (Figure 5) has them for what the
    capture shows, when CLOSER sent the first FIN and the other end closed
    only after receiving it (its FIN acknowledges CLOSER's: checked apart).
    Opening: the client SYN_SENT, then ESTABLISHED on the SYN,ACK; the
    server LISTEN, SYN_RECEIVED on the SYN, ESTABLISHED on the ACK.
    Closing, the closer A: FIN_WAIT_1 on sending its FIN; FIN_WAIT_2 if the
    other end acknowledged that FIN in a segment of its own before sending
    its FIN; TIME_WAIT on receiving that FIN.  The other end P: CLOSE_WAIT
    on receiving A's FIN, LAST_ACK on sending its own, CLOSED once A's
    acknowledgement of it arrives.  TIME_WAIT lasts 2·MSL, beyond any
    capture: a ladder drawn from one must not end it."""
    other = 'server' if closer == 'client' else 'client'
    want = {'client': ['SYN_SENT', 'ESTABLISHED'], 'server': ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']}
    a_fin = next((s for s in t if s['from'] == closer and s['bits'] & 0x01), None)
    p_fin = next((s for s in t if s['from'] == other and s['bits'] & 0x01), None)
    if a_fin is None:
        return want
    a_fin_end = fin_end(a_fin)
    want[closer].append('FIN_WAIT_1')
    if any(s['from'] == other and acks(s, a_fin_end) and s['n'] < (p_fin['n'] if p_fin else len(t) + 1)
           for s in t):
        want[closer].append('FIN_WAIT_2')
    if p_fin is None:
        return want
    want[other] += ['CLOSE_WAIT', 'LAST_ACK']
    want[closer].append('TIME_WAIT')
    if any(s['from'] == closer and acks(s, fin_end(p_fin)) for s in t):
        want[other].append('CLOSED')
    # A reset after the close (checked apart) ends what is left: a stray
    # segment reached an end whose connection was gone, and it answered
    # with a reset (§3.10.7.1), or an end in TIME_WAIT received one
    # (§3.10.7.4).  Either end has no connection after sending or receiving
    # a reset.
    if any(s['bits'] & 0x04 for s in t):
        for end in want:
            if want[end][-1] != 'CLOSED':
                want[end].append('CLOSED')
    return want


def fin_end(s):
    """The sequence number after a FIN segment's FIN: what acknowledges it."""
    return s['seq'] + seg_space(s)


def acks(s, seq):
    return s['ack'] is not None and s['ack'] >= seq


def presumed_lost(t, near):
    """The ladder's documented rule for one capture point (its legend and
    docs/ARCHITECTURE.md), applied to tshark's reading: a segment the
    capture point saw leave NEAR, sent again later with the same starting
    sequence number before anything seen from the other end had
    acknowledged it, was lost beyond the capture point.  Only the latest
    copy before each repeat counts; nothing is presumed for the far end,
    whose losses happen before the capture point and are simply unseen."""
    lost = set()
    latest = {}
    acked = None
    for s in t:
        if s['from'] != near:
            if s['ack'] is not None and (acked is None or s['ack'] > acked):
                acked = s['ack']
            continue
        if seg_space(s) == 0 or s['keepalive'] or s['zwp']:
            continue   # the ladder marks neither a retransmission
        prev = latest.get(s['seq'])
        if prev is not None and (acked is None or acked <= prev['seq']):
            lost.add(prev['n'])
        latest[s['seq']] = s
    return lost


def cmd_capture(svg, tsv, list_json, closer, near):
    root, arrows = read_svg(svg)
    conn = json.load(open(list_json, encoding='utf-8'))[0]
    t = read_tshark(tsv, conn['client'])
    by_n = {int(g.get('data-n')): g for g in arrows}
    lad = [by_n[n] for n in sorted(by_n)]
    facts = []

    def fact(what, got, want):
        facts.append((what, str(got), str(want)))

    def fact_set(what, got, want):
        """Two sets of segment numbers: equal, or each side names what
        the other lacks."""
        if got == want:
            fact(what, numbers_set(got), numbers_set(want))
        else:
            fact(what, '%d; not expected: %s' % (len(got), numbers_set(got - want)),
                 '%d; missing: %s' % (len(want), numbers_set(want - got)))

    def marked(cls, end=None):
        return [g for g in lad if cls in g.get('data-marks', '').split() and end in (None, g.get('data-from'))]

    # The connection: its ends and its segments.
    ends = {g.get('data-end'): [x.text for x in g.iter(NS + 'text')][1]
            for g in root.iter(NS + 'g') if 'end' in classes(g)}
    fact('the ends are those of the connection trace list finds (client, server)',
         '%s %s' % (ends.get('client'), ends.get('server')), '%s %s' % (conn['client'], conn['server']))
    fact('tshark\'s connection (tcp.stream 0) has the same two ends',
         ' '.join(sorted({s['end'] for s in t})), ' '.join(sorted({conn['client'], conn['server']})))
    title = root.find(NS + 'title').text
    fact('the title names both ends', title, 'client %s ⇄ server %s' % (conn['client'], conn['server']))
    fact('one arrow per segment of the connection (tshark tcp.stream 0; trace list packets)',
         '%d %d' % (len(lad), len(lad)), '%d %d' % (len(t), conn['packets']))
    fact('arrows are numbered 1..N in capture order', sorted(by_n) == list(range(1, len(lad) + 1)), True)

    # Every arrow against tshark's segment of the same number.
    def arrow_text(g):
        return '%s %s seq=%s ack=%s len=%s win=%s' % (g.get('data-from'), g.get('data-flags'), g.get('data-seq'),
                                                      g.get('data-ack') or '-', g.get('data-len'), g.get('data-win'))

    def tshark_text(s):
        return '%s %s seq=%d ack=%s len=%d win=%d' % (s['from'], s['flags'], s['seq'],
                                                      '-' if s['ack'] is None else s['ack'], s['len'], s['win'])

    diff = [(g, s) for g, s in zip(lad, t) if arrow_text(g) != tshark_text(s)]
    fact('every arrow has its segment\'s direction, flags, relative seq/ack, length and scaled window',
         'all agree' if not diff else '%d differ; first #%s: %s, tshark: %s' %
         (len(diff), diff[0][0].get('data-n'), arrow_text(diff[0][0]), tshark_text(diff[0][1])), 'all agree')
    fact('arrows from each end (client server)',
         '%d %d' % (sum(g.get('data-from') == 'client' for g in lad), sum(g.get('data-from') == 'server' for g in lad)),
         '%d %d' % (sum(s['from'] == 'client' for s in t), sum(s['from'] == 'server' for s in t)))

    # The handshake: the first three arrows that are not retransmissions
    # (a SYN or SYN,ACK lost on the path and sent again adds a copy).
    first = [arrow_text(g).rsplit(' len=', 1)[0] for g in lad if 'retransmission' not in g.get('data-marks', '')][:3]
    fact('the handshake: SYN, SYN,ACK, ACK with relative seq/ack',
         ' | '.join(first), 'client SYN seq=0 ack=- | server SYN,ACK seq=0 ack=1 | client ACK seq=1 ack=1')
    fact('FIN arrows where tshark has FINs',
         ' '.join(g.get('data-n') for g in lad if 'FIN' in g.get('data-flags').split(',')) or 'none',
         numbers([s for s in t if s['bits'] & 0x01]))
    a_fin = next((s for s in t if s['bits'] & 0x01), None)
    p_fin = next((s for s in t if s['bits'] & 0x01 and a_fin and s['from'] != a_fin['from']), None)
    fact('tshark: the first FIN came from the end the test made close first; the other end\'s FIN '
         'acknowledges it', '%s %s' % (a_fin['from'] if a_fin else 'none', bool(p_fin and acks(p_fin, fin_end(a_fin)))),
         '%s True' % closer)

    # States.
    rst = [s for s in t if s['bits'] & 0x04]
    fins_done = p_fin is not None and all(s['n'] > p_fin['n'] and s['n'] > a_fin['n'] for s in rst)
    fact('tshark: no reset before both FINs (after them, one is only the answer to a stray segment)',
         'none' if not rst else '%d resets, %s' % (len(rst), 'all after both FINs' if fins_done else 'some before'),
         'none' if not rst else '%d resets, all after both FINs' % len(rst))
    got, want = states_of(root), expected_states(t, closer)
    for end in ('client', 'server'):
        fact('%s states in the order RFC 9293 §3.3.2 gives for this exchange' % end,
             ' '.join(got.get(end, [])), ' '.join(want[end]))

    # Retransmissions.  `trace list` counts a segment that carries sequence
    # space already seen from its sender; the ladder's legend says the same
    # ("carries sequence space sent before").
    seen = {'client': Spans(), 'server': Spans()}
    high = {}
    again, below = set(), set()
    for s in t:
        a = s['seq']
        b = a + seg_space(s)
        if b > a and not s['keepalive']:
            if seen[s['from']].covers_any(a, b):
                again.add(s['n'])
            if s['from'] in high and a < high[s['from']]:
                below.add(s['n'])
        seen[s['from']].add(a, b)
        high[s['from']] = max(high.get(s['from'], b), b)
    key = {'client': 'client_to_server', 'server': 'server_to_client'}
    for end in ('client', 'server'):
        mine = [s for s in t if s['from'] == end]
        mine_n = {s['n'] for s in mine}
        lad_rx = {int(g.get('data-n')) for g in marked('retransmission', end)}
        listed = conn[key[end]]['retransmissions']
        ws_counts = [sum(s[k] for s in mine) for k in ('rexmit', 'fast', 'spurious', 'ooo')]
        if lad_rx or listed or any(ws_counts):
            facts.append(('info', '%s: %d retransmission marks, %d lost; trace list %d retransmissions; tshark: '
                          'retransmission %d, fast %d, spurious %d, out-of-order %d' %
                          tuple([end, len(lad_rx), len(marked('lost', end)), listed] + ws_counts), ''))
        fact('%s: trace list counts the segments repeating sequence space seen (from tshark\'s seq/len)' % end,
             listed, len(again & mine_n))
        if end == near:
            fact('%s: beside the capture point, every segment below the highest sequence number seen repeats '
                 'what was seen (nothing it sent was lost or reordered before the capture)' % end,
                 numbers_set((below - again) & mine_n), 'none')
        # A zero-window probe sent again repeats its byte: trace list counts
        # it, the ladder marks it a probe instead.
        probes = {s['n'] for s in mine if s['zwp']} & again
        if not (below - again) & mine_n:
            # A segment starting below the highest sequence number seen
            # repeats what was seen (always so where the end sends).  tshark
            # names such a segment a retransmission, a fast retransmission
            # (after duplicate ACKs), a spurious one (of data already
            # acknowledged) or, when it follows the highest segment within
            # an RTT (RACK, tail loss probes), out-of-order: together they
            # are exactly the retransmissions, segment by segment.
            ws = {s['n'] for s in mine if s['rexmit'] or s['fast'] or s['spurious'] or s['ooo']} - probes
            fact('%s: as many retransmission marks as trace list counts (less repeated zero-window probes)' % end,
                 len(lad_rx), listed - len(probes))
            fact_set('%s: retransmission marks on exactly the segments tshark calls retransmissions '
                     '(retransmission, fast, spurious or out-of-order)' % end, lad_rx, ws)
        else:
            # Captured after a lossy, reordering path: a segment below the
            # highest seen can be new here (an original that was reordered,
            # or a retransmission whose original was lost before the capture
            # point; tshark guesses which from timing and calls most of them
            # out-of-order).  The ladder, like trace list, marks only the
            # segments that repeat sequence space seen: exactly those.
            fact_set('%s: retransmission marks on exactly the segments repeating sequence space seen '
                     '(less repeated zero-window probes)' % end, lad_rx, (again & mine_n) - probes)

    # Presumed losses.
    lost = {int(g.get('data-n')) for g in marked('lost')}
    if near == 'either':
        # Beside both ends (loopback): which one the ladder takes as the
        # nearer depends on delay estimates of microseconds.  Each end's
        # lost marks are none, or exactly what the rule gives for it.
        for end in ('client', 'server'):
            mine = {int(g.get('data-n')) for g in marked('lost', end)}
            rule = presumed_lost(t, end)
            fact_set('%s: lost marks (presumed) none, or exactly on its copies resent before anything '
                     'acknowledged them' % end, mine, rule if mine else set())
    else:
        fact_set('lost marks (presumed) on exactly the copies resent before anything acknowledged them, '
                 'and only from the end beside the capture point (%s)' % near,
                 lost, presumed_lost(t, near) if near != 'none' else set())

    # Duplicate ACKs.  RFC 5681 §2: no data, no SYN/FIN, the same ACK and
    # window as the previous ACK that way, while the acknowledged end has
    # data outstanding.  tshark does not ask for the last condition (it
    # calls a sender's repeated ACKs, e.g. those answering segments that
    # fail PAWS, duplicates too): compared where the other end has sent
    # beyond the ACK.
    sent_end = {'client': None, 'server': None}
    outstanding = set()
    for s in t:
        o = 'server' if s['from'] == 'client' else 'client'
        if s['ack'] is not None and sent_end[o] is not None and s['ack'] < sent_end[o]:
            outstanding.add(s['n'])
        if seg_space(s):
            e = s['seq'] + seg_space(s)
            sent_end[s['from']] = e if sent_end[s['from']] is None else max(sent_end[s['from']], e)
    dup = {int(g.get('data-n')) for g in marked('dup-ack')}
    ws_dup = {s['n'] for s in t if s['dupack']}
    fact_set('dup-ack marks on exactly the segments tshark calls duplicate ACKs while data is outstanding',
             dup, ws_dup & outstanding)
    if dup or ws_dup:
        facts.append(('info', '%d dup-ack marks; tshark: %d duplicate ACKs, %d of them with nothing outstanding' %
                      (len(dup), len(ws_dup), len(ws_dup - outstanding)), ''))
    # Zero windows and window updates: tshark leaves SYN/FIN/RST out of
    # both and calls a change of window to zero a zero window only; it
    # also wants a window update's seq to be the next expected, which a
    # pure ACK's is unless its sender went back after a timeout (not seen
    # in these exchanges).
    plain = {s['n'] for s in t if not s['bits'] & 0x07}
    zero = {int(g.get('data-n')) for g in marked('zero-window')}
    fact_set('zero-window marks where tshark has zero windows', zero & plain, {s['n'] for s in t if s['zerowin']})
    upd = {int(g.get('data-n')) for g in marked('window-update')}
    fact_set('window-update marks where tshark has window updates', upd & plain - zero,
             {s['n'] for s in t if s['winupdate']})
    fact_set('keepalive marks where tshark has keep-alives', {int(g.get('data-n')) for g in marked('keepalive')},
             {s['n'] for s in t if s['keepalive']})
    fact_set('zero-window-probe marks where tshark has zero-window probes',
             {int(g.get('data-n')) for g in marked('zero-window-probe')}, {s['n'] for s in t if s['zwp']})

    for what, got_v, want_v in facts:
        print('%s\t%s\t%s' % (what, got_v, want_v))


def numbers_set(ns):
    """A set of segment numbers as text: "none", or "12 (#5 #9 ...)"."""
    if not ns:
        return 'none'
    s = sorted(ns)
    shown = ' '.join('#%d' % n for n in s[:12])
    return '%d (%s%s)' % (len(s), shown, ' ...' if len(s) > 12 else '') if len(s) > 1 else '1 (#%d)' % s[0]


# ---- The HTML page ----------------------------------------------------------


def cmd_html(path):
    """The page's arrows, whether its embedded JSON details every one of
    them, and how many references it makes outside itself."""
    page = open(path, encoding='utf-8').read()
    m = re.search(r'<script type="application/json" id="ladder-data">(.*?)</script>', page, re.S)
    data = json.loads(m.group(1)) if m else {'segments': {}}
    arrows = [int(n) for n in re.findall(r'<g class="segment [^"]*" id="s(\d+)"', page)]
    print('%d arrows; details for each: %s; external references: %d' %
          (len(arrows), sorted(arrows) == sorted(map(int, data['segments'])),
           len(re.findall(r'(src|href)="(https?:)?//', page))))


# ---- The text rendering (80 columns, two lines per segment) -------------


def text_rows(path):
    """Rows of the text rendering split at the two lines: (left, middle,
    right) for every row drawn between them."""
    for line in open(path, encoding='utf-8'):
        parts = line.rstrip('\n').split('│')
        if len(parts) == 3:
            yield parts


def cmd_text_states(path):
    """The states written beside each line (left of the left end's line,
    right of the right end's), in order, as `states` prints them."""
    ends = {'client': [], 'server': []}
    for left, _, right in text_rows(path):
        for end, words in (('client', left.split()[-1:]), ('server', right.split())):
            if len(words) == 1 and re.fullmatch(r'[A-Z][A-Z0-9_]*', words[0]):
                ends[end].append(words[0])
    for end in sorted(ends):
        print(end + ': ' + ' '.join(ends[end]))


def cmd_text_labels(svg, path):
    """Whether each numbered label of the text is the SVG's label of that
    segment (cut short with "…" where the column is too narrow)."""
    _, arrows = read_svg(svg)
    want = {g.get('data-n'): label_of(g) for g in arrows}
    got = {}
    for left, middle, right in text_rows(path):
        m = re.search(r'#(\d+)\s*$', left) or re.fullmatch(r'\s*#(\d+)\s*', right)
        if m:
            got[m.group(1)] = middle.strip()
    bad = [n for n in sorted(want, key=int)
           if not (got.get(n) == want[n] or (got.get(n, '').endswith('…') and len(got[n]) > 10 and
                                              want[n].startswith(got[n][:-1])))]
    print('%d of %d labels differ%s' % (len(bad), len(want), ': #%s "%s", in the SVG "%s"' %
                                        (bad[0], got.get(bad[0]), want[bad[0]]) if bad else ''))


def main(argv):
    what = argv[1] if len(argv) > 1 else ''
    if what == 'arrows' and len(argv) == 3:
        cmd_arrows(argv[2])
    elif what == 'states' and len(argv) == 3:
        cmd_states(argv[2])
    elif what == 'marks' and len(argv) == 3:
        cmd_marks(argv[2])
    elif what == 'html' and len(argv) == 3:
        cmd_html(argv[2])
    elif what == 'text-states' and len(argv) == 3:
        cmd_text_states(argv[2])
    elif what == 'text-labels' and len(argv) == 4:
        cmd_text_labels(argv[2], argv[3])
    elif what == 'tshark-fields' and len(argv) == 2:
        print(' '.join('-e ' + f for f in TSHARK_FIELDS))
    elif what == 'capture' and len(argv) == 7:
        cmd_capture(*argv[2:7])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
