# shellcheck shell=bash disable=SC2034
# lib.sh — sourced by the interop tests (tests/interop/*.sh): synack on a
# TUN or TAP device against the Linux kernel, inside network namespaces
# that the test creates and removes (scripts/netns.sh), on addresses from
# 198.18.0.0/15 and fd00:5ac::/64 only.
#
# A test's arguments are SYNACK, then any of these words, in any order:
#
#     quick   shorter bulk transfers (the sanitizer build)
#     ipv6    synack and the kernel speak IPv6 (fd00:5ac::2 and ::1/64)
#     tap     synack on a TAP device (Ethernet frames: the stack does ARP
#             and neighbour discovery against the kernel) instead of TUN
#
# so that one script covers IPv4 and IPv6 over TUN and TAP.  The addresses
# and the helpers below (hostport, url_host, $IP_SRC, $SOCAT_TCP...) say
# everything family-specific.
#
# A test calls, in order:
#
#     source "$(dirname "$0")/lib.sh"
#     interop_init TAG SYNACK TOOL...    # skips (77) without CAP_NET_ADMIN, fails without a tool
#     serve_start --echo 7 ...           # synack serve in $NS, kernel side configured
#     check "what is checked" COMMAND... # or check_json / tshark_check
#     capture_start / capture_stop       # tcpdump or dumpcap in a namespace
#     ladder_check PCAP WHAT CLOSER NEAR # a capture's ladder against tshark
#     serve_stop
#     interop_finish                     # "N passed, N failed"; exit status
#
# Everything started goes through bg_start, so the EXIT trap can end it by
# PID; every wait is bounded.  SYNACK_INTEROP_KEEP=1 keeps the work
# directory (captures, logs) and prints where it is.

set -u

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$INTEROP_DIR/../.." && pwd)
NETNS_SH=$REPO/scripts/netns.sh
PEER=$INTEROP_DIR/peer.py
# shellcheck source=scripts/wait.sh
source "$REPO/scripts/wait.sh"   # wait_exit, wait_file

INTEROP_QUICK=0
INTEROP_IPV6=0
INTEROP_TAP=0
for arg in "${@:2}"; do
    case $arg in
    quick) INTEROP_QUICK=1 ;;
    ipv6) INTEROP_IPV6=1 ;;
    tap) INTEROP_TAP=1 ;;
    *) printf 'lib.sh: unknown argument "%s" (quick, ipv6, tap)\n' "$arg"; exit 2 ;;
    esac
done
# "quick" shortens the bulk transfers: scaled BYTES gives BYTES, or a
# fifth of it.
scaled() { echo $(($1 / (INTEROP_QUICK ? 5 : 1))); }

# Addresses (scripts/netns.sh): synack and the kernel on the link, the far
# namespace behind the veth hop.  In IPv6 runs the kernel's side of the
# link has its IPv4 address too (KERNEL_ADDRS), so that a dual-stack
# synack can be reached both ways.
SYN_ADDR4=198.18.0.2
KERNEL_ADDR4=198.18.0.1
if ((INTEROP_IPV6)); then
    SYN_ADDR=fd00:5ac::2
    KERNEL_ADDR=fd00:5ac::1
    FAR_ADDR=fd00:5ac::1:2
    HOP_ADDR=fd00:5ac::1:1       # the kernel's end of the veth hop
    PREFIX=64
    KERNEL_ADDRS=$KERNEL_ADDR/$PREFIX,$KERNEL_ADDR4/24
    IP_SRC=ipv6.src              # tshark's field for the source address
    IP_HEADER=40                 # bytes, without extension headers
    SOCAT_TCP=TCP6
    HOP_OPTS=(--ipv6)
else
    SYN_ADDR=$SYN_ADDR4
    KERNEL_ADDR=$KERNEL_ADDR4
    FAR_ADDR=198.18.1.2
    HOP_ADDR=198.18.1.1
    PREFIX=24
    KERNEL_ADDRS=$KERNEL_ADDR/$PREFIX
    IP_SRC=ip.src
    IP_HEADER=20
    SOCAT_TCP=TCP
    HOP_OPTS=()
fi
# The device keeps its name on both kinds of link.
TUN_DEV=syn0
if ((INTEROP_TAP)); then
    LINK_KIND=TAP
    LINK_OPTS=(--tap "$TUN_DEV")
    CREATE_OPTS=(--create --tap)
else
    LINK_KIND=TUN
    LINK_OPTS=(--tun "$TUN_DEV")
    CREATE_OPTS=(--create)
fi
LINK_DESC="IPv$((INTEROP_IPV6 ? 6 : 4)) over $LINK_KIND"

# url_host ADDR: ADDR as a URL, socat or ss writes a host: IPv6 in brackets.
url_host() { if [[ $1 == *:* ]]; then printf '[%s]' "$1"; else printf '%s' "$1"; fi; }
# hostport ADDR PORT: "198.18.0.2:80" or "[fd00:5ac::2]:80".
hostport() { printf '%s:%s' "$(url_host "$1")" "$2"; }

passed=0
failed=0
PIDS=()
NAME=""
WORK=""
SERVE_PID=""

log() { printf '%s\n' "$*"; }

pass() {
    passed=$((passed + 1))
    log "  ok:     $1"
}

fail() {
    failed=$((failed + 1))
    log "  FAILED: $1"
    shift
    local line
    for line in "$@"; do log "          $line"; done
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what" "command: $*"; fi
}

# check_eq GOT WANT DESCRIPTION
check_eq() {
    if [[ "$1" == "$2" ]]; then pass "$3"; else fail "$3" "expected: $2" "got:      $1"; fi
}

# check_awk AWK-CONDITION DESCRIPTION (numbers compared by awk)
check_awk() {
    if awk "BEGIN { exit !($1) }"; then pass "$2"; else fail "$2" "condition: $1"; fi
}

# json_field KEY JSON: the value of a top-level key of a one-level JSON
# object (numbers, booleans, null, strings without commas).
json_field() {
    python3 -c 'import json, sys
try:
    v = json.loads(sys.argv[2]).get(sys.argv[1])
except ValueError:
    v = None
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}

interop_skip() {
    log "SKIPPED: $*"
    exit 77
}

# interop_init TAG SYNACK [TOOL...]
interop_init() {
    local tag=$1 tool missing=()
    SYNACK=$2
    shift 2
    if [[ $(id -u) -ne 0 ]]; then
        interop_skip "needs CAP_NET_ADMIN (run as root)"
    fi
    local probe="sa-$$-probe"
    if ! ip netns add "$probe" 2>/dev/null; then
        interop_skip "needs CAP_NET_ADMIN (run as root): ip netns add failed"
    fi
    ip netns del "$probe" 2>/dev/null || true
    if [[ ! -c /dev/net/tun ]]; then
        interop_skip "needs /dev/net/tun"
    fi
    for tool in ip python3 "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        log "FAILED: missing ${missing[*]} (scripts/install-deps.sh installs what the tests need)"
        log "0 passed, 1 failed"
        exit 1
    fi
    [[ -x $SYNACK ]] || { log "FAILED: no synack binary at $SYNACK"; log "0 passed, 1 failed"; exit 1; }
    # Namespaces left by an interop test that was killed (ctest's timeout
    # sends SIGKILL, and then no EXIT trap runs): sa-PID-TAG-* whose test
    # process is gone.
    local ns base pid
    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^sa-[0-9]+-[a-z]+-(syn|far|mid)$'); do
        base=${ns%-*}
        pid=${base#sa-}
        pid=${pid%%-*}
        kill -0 "$pid" 2>/dev/null || "$NETNS_SH" down "$base" >/dev/null 2>&1
    done
    NAME="sa-$$-$tag"
    NS=$NAME-syn
    FAR=$NAME-far
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-interop-$tag.XXXXXX")
    trap interop_cleanup EXIT
    trap 'exit 130' INT TERM
    "$NETNS_SH" up "$NAME" >/dev/null || { log "FAILED: scripts/netns.sh up $NAME"; exit 1; }
    log "$tag: $LINK_DESC, synack $SYN_ADDR, kernel $KERNEL_ADDR"
}

interop_cleanup() {
    local pid i
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    [[ -n $NAME ]] && "$NETNS_SH" down "$NAME" >/dev/null 2>&1
    if [[ -n $WORK ]]; then
        if [[ ${SYNACK_INTEROP_KEEP:-0} == 1 ]]; then
            log "work directory kept: $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
}

# bg_start VAR NAMESPACE LOGFILE COMMAND...: runs COMMAND in NAMESPACE in
# the background with output to LOGFILE; the PID goes into VAR and into the
# list the EXIT trap ends.  (ip netns exec execs COMMAND, so the PID is
# COMMAND's own.)
bg_start() {
    local var=$1 ns=$2 logfile=$3
    shift 3
    ip netns exec "$ns" "$@" </dev/null >"$logfile" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    printf -v "$var" '%s' "$pid"
}

# in_ns COMMAND...: runs COMMAND in the synack namespace (in_far: in the
# far one); bound it with `timeout` where it could hang.
in_ns() { ip netns exec "$NS" "$@"; }
in_far() { ip netns exec "$FAR" "$@"; }

# link_create: the device made persistent and configured before any
# synack process attaches to it (netns.sh tun --create), for
# synack_connect.
link_create() {
    "$NETNS_SH" tun "$NAME" "$TUN_DEV" "$KERNEL_ADDRS" "${CREATE_OPTS[@]}"
}

# synack_connect ARGS...: `synack connect` from $NS with the usual device
# and address (made persistent first: link_create), at most 150 s.
synack_connect() {
    in_ns timeout 150 "$SYNACK" connect "${LINK_OPTS[@]}" --addr "$SYN_ADDR/$PREFIX" "$@"
}

# peer_listen VAR NS sink|source HOSTPORT BYTES SECONDS: peer.py as a
# kernel server of BYTES pattern bytes in NS, bounded by SECONDS, through
# bg_start (PID in VAR, its JSON report in $WORK/ROLE.json); fails unless
# it listens within 10 s.
peer_listen() {
    local var=$1 ns=$2 role=$3
    bg_start "$var" "$ns" "$WORK/$role.json" python3 "$PEER" "$role" --listen "$4" --bytes "$5" \
        --ready-file "$WORK/$role.ready" --timeout "$6"
    wait_file "$WORK/$role.ready" 10
}

# check_job PID SECONDS REPORT DESCRIPTION: the background job PID ends
# with status 0 within SECONDS; the file REPORT (its output) is appended to
# DESCRIPTION.
check_job() {
    local rc=0
    wait_exit "$1" "$2" || rc=$?
    check_eq "$rc" 0 "$4: $(cat "$3")"
}

# tcp_ready NS ADDR PORT SECONDS: until a TCP connection to ADDR:PORT
# succeeds (bash's /dev/tcp takes IPv6 addresses as they are).  An attempt
# may take 5 s: on a TAP link the kernel first resolves synack's address,
# which answers only once its duplicate address detection is over (RFC
# 4862 §5.4, a second or two), and an attempt cut short would leave its
# SYN queued in the kernel, sent once the address resolves and its
# SYN|ACK then reset by a kernel whose socket is gone.
tcp_ready() {
    local ns=$1 addr=$2 port=$3 end=$((SECONDS + $4))
    while ((SECONDS < end)); do
        ip netns exec "$ns" timeout 5 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# serve_start [--pcap FILE] SERVE-OPTIONS...: starts `synack serve` on
# $TUN_DEV in $NS as $SYN_ADDR (the options may add --addr), configures
# the kernel side and waits until the first TCP port given answers (on a
# TAP link an IPv6 address answers only after duplicate address
# detection).  Sets SERVE_PID; output in $WORK/serve.log.
serve_start() {
    local port="" a
    for a in "$@"; do
        case $a in
        [0-9]*:*) [[ -z $port ]] && port=${a%%:*} ;;
        [0-9]*) [[ -z $port ]] && port=$a ;;
        esac
    done
    bg_start SERVE_PID "$NS" "$WORK/serve.log" "$SYNACK" serve "${LINK_OPTS[@]}" --addr "$SYN_ADDR/$PREFIX" "$@"
    if ! "$NETNS_SH" tun "$NAME" "$TUN_DEV" "$KERNEL_ADDRS" --timeout 10; then
        fail "synack serve creates $TUN_DEV" "serve.log:" "$(cat "$WORK/serve.log")"
        return 1
    fi
    if [[ -n $port ]] && ! tcp_ready "$NS" "$SYN_ADDR" "$port" 10; then
        fail "synack serve answers on port $port" "serve.log:" "$(cat "$WORK/serve.log")"
        return 1
    fi
    return 0
}

# serve_stop: SIGTERM, and the graceful stop must end with status 0.
serve_stop() {
    [[ -n $SERVE_PID ]] || return 0
    kill -TERM "$SERVE_PID" 2>/dev/null
    local rc=0
    wait_exit "$SERVE_PID" 15 || rc=$?
    check_eq "$rc" 0 "synack serve stops on SIGTERM with status 0"
    [[ $rc -eq 0 ]] || log "          serve.log: $(tail -5 "$WORK/serve.log")"
    SERVE_PID=""
}

# How every capture is read.  The payloads are the test pattern, random
# bytes or whole files, which tshark's protocol and heuristic dissectors
# (HTTP reassembling a 100 MB body for minutes, Thrift taking random bytes
# for its own and calling them malformed) have no business with: every
# TCP port is decoded as plain data.  These checks are about IP and TCP
# (ICMP checksums tshark always verifies).
TSHARK_OPTS=(-n -d "tcp.port==1-65535,data" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE
    -o udp.check_checksum:TRUE)

# tshark_check PCAP WHAT [ALLOWED-WARNINGS-REGEX]
#
# Wireshark's dissectors and TCP analysis on a capture synack wrote:
#   - no expert item of severity error: malformed packets, bad IP, TCP,
#     UDP or ICMP checksums (checked: tcp/ip/udp/icmp.check_checksum on);
#   - no expert item of severity warning except those matching
#     ALLOWED-WARNINGS-REGEX (case-insensitive), the flow-control ones
#     that a receiver that does not keep up legitimately causes (zero
#     window, window full) and D-SACK reports of spurious retransmissions;
#   - in particular no "ACKed segment that wasn't captured" and no
#     "Previous segment(s) not captured" unless the caller allows them.
# The summary of severities is printed either way.
tshark_check() {
    local pcap=$1 what=$2 allowed=${3:-}
    if [[ ! -s $pcap ]]; then
        fail "$what: capture $pcap written"
        return
    fi
    if ! tshark_expert "$pcap"; then
        fail "$what: tshark reads the capture" "$T_ERRS"
        return
    fi
    # Always allowed: flow control (a receiver that does not keep up) and
    # D-SACK (a duplicate reported: a spurious retransmission, which is
    # wasteful but not wrong; the counts are printed).
    local benign='zero window|window specified by the receiver is now completely full|D-SACK Sequence' bad
    # RFC 1624: 0xffff and 0x0000 are the same one's-complement checksum;
    # Wireshark warns about the non-canonical 0xffff, which the kernel's
    # incremental updates can leave.  synack always writes the canonical
    # form, so the warning is allowed only for packets synack did not send.
    if grep -q 'instead of 0x0000' <<<"$T_WARNS"; then
        local mine
        mine=$(tshark -r "$pcap" -Y "tcp.checksum == 0xffff && $IP_SRC == $SYN_ADDR" -T fields -e frame.number \
            2>/dev/null | wc -l)
        if [[ $mine -eq 0 ]]; then
            benign="$benign|instead of 0x0000"
        fi
    fi
    bad=$(grep -Eiv "$benign${allowed:+|$allowed}" <<<"$T_WARNS" || true)
    log "  tshark: $T_FRAMES frames in $(basename "$pcap")$( [[ -n $T_WARNS ]] &&
        printf '; warnings:\n%s' "$(sed 's/^ */            /' <<<"$T_WARNS")")"
    if [[ -z $T_ERRORS ]]; then
        pass "$what: no malformed packets, no bad checksums (tshark errors)"
    else
        fail "$what: no malformed packets, no bad checksums (tshark errors)" "$T_ERRORS"
    fi
    if [[ -z $bad ]]; then
        pass "$what: no unexpected tshark warnings"
    else
        fail "$what: no unexpected tshark warnings" "$bad"
    fi
}

# tshark_expert PCAP: tshark's expert summary of severity warning and
# above.  Sets T_ERRORS and T_WARNS (the lines "N  Group  Protocol
# Summary" of each section), T_FRAMES; fails, with T_ERRS, when tshark
# could not read the capture (a check must never pass on no output).
tshark_expert() {
    local out rc=0
    T_ERRORS="" T_WARNS="" T_FRAMES=0
    out=$(tshark -r "$1" "${TSHARK_OPTS[@]}" -q -z expert,warn 2>"$WORK/tshark.err") || rc=$?
    T_ERRS=$(grep -v 'Running as user' "$WORK/tshark.err" || true)
    if [[ $rc -ne 0 || -n $T_ERRS ]]; then
        T_ERRS="exit status $rc: $T_ERRS"
        return 1
    fi
    T_FRAMES=$(capinfos -c -M "$1" 2>/dev/null | awk '/Number of packets/ { print $NF }')
    T_ERRORS=$(awk '/^Errors \(/{s=1; next} /^(Warns|Notes|Chats) \(/{s=0} s && /^ +[0-9]+ /' <<<"$out")
    T_WARNS=$(awk '/^Warns \(/{s=1; next} /^(Errors|Notes|Chats) \(/{s=0} s && /^ +[0-9]+ /' <<<"$out")
}

# tshark_self_test: the checks above can fail.  A capture of one TCP SYN
# with a wrong checksum must give a "Bad checksum" error.
tshark_self_test() {
    python3 - "$WORK/bad-checksum.pcap" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])))
ip[10:12] = struct.pack("!H", csum(bytes(ip)))
tcp = struct.pack("!HHIIBBHHH", 40000, 7, 1000, 0, 5 << 4, 0x02, 65535, 0x1234, 0)   # 0x1234: wrong
pkt = bytes(ip) + tcp
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))   # LINKTYPE_RAW
    f.write(struct.pack("<IIII", 0, 0, len(pkt), len(pkt)) + pkt)
PY
    if tshark_expert "$WORK/bad-checksum.pcap" && grep -q 'Bad checksum' <<<"$T_ERRORS"; then
        pass "tshark self-test: a wrong TCP checksum is reported"
    else
        fail "tshark self-test: a wrong TCP checksum is reported" "$T_ERRS" "$T_ERRORS"
    fi
}

# tshark_count PCAP FILTER: frames matching a display filter.
tshark_count() {
    tshark -r "$1" "${TSHARK_OPTS[@]}" -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l
}

# resets_before_close PCAP: resets synack sent on a connection before both
# FINs had been seen.  A reset after that is RFC 9293's answer to a stray
# segment (a duplicate ACK, say) for a connection that is gone, and harms
# nobody; one before it ends a connection that was not finished.
resets_before_close() {
    tshark -r "$1" "${TSHARK_OPTS[@]}" -T fields -e tcp.stream -e "$IP_SRC" -e tcp.flags.fin -e tcp.flags.reset \
        2>/dev/null | awk -v syn="$SYN_ADDR" '
        $3 == 1 { fin[$1, $2 == syn] = 1 }
        $4 == 1 && $2 == syn && !(fin[$1, 0] && fin[$1, 1]) { n++ }
        END { print n + 0 }'
}

# capture_start VAR PCAP NS COMMAND...: a capture process (tcpdump,
# dumpcap) in namespace NS, started through bg_start (so the EXIT trap ends
# it) and given a moment to attach; its messages go to PCAP.log.
capture_start() {
    local var=$1 pcap=$2 ns=$3
    shift 3
    bg_start "$var" "$ns" "$pcap.log" "$@"
    local i
    for ((i = 0; i < 50; i++)); do
        grep -qE 'listening on|Capturing on' "$pcap.log" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.3
}

# capture_stop PID PCAP: lets the capture drain (the packets are in its
# buffer already), then SIGINT; tcpdump and dumpcap write what they hold
# and exit.  Fails when nothing was written.
capture_stop() {
    sleep 1
    kill -INT "$1" 2>/dev/null
    wait_exit "$1" 10 >/dev/null 2>&1 || true
    [[ -s $2 ]]
}

# ladder_check PCAP WHAT CLOSER NEAR
#
# The ladder diagram of a capture's one TCP connection (`synack trace
# ladder --collapse 0 -o FILE.svg`), read back from the SVG's structure by
# tests/lib/ladder_read.py and compared, property by property, with two
# readings of the same capture that owe nothing to the ladder code:
# tshark's fields and `synack trace list --json`.  The connection's ends,
# one arrow per segment with its direction, flags, relative seq/ack,
# length and window, the handshake, the FINs, each end's states (RFC 9293
# §3.3.2, for a close begun by CLOSER: client or server), retransmission,
# presumed-loss, duplicate-ACK, zero-window, window-update and keepalive
# marks.  NEAR is the end beside the capture point (client, server, none,
# or either: beside both, as on loopback), whose every segment was captured
# before the path could lose it.
# The SVG stays in $WORK as PCAP's name + .ladder.svg.
LADDER_READ=$REPO/tests/lib/ladder_read.py
ladder_check() {
    local pcap=$1 what=$2 closer=$3 near=$4 base facts n=0 desc got want
    base=$WORK/$(basename "$pcap").ladder
    if ! "$SYNACK" trace ladder "$pcap" --collapse 0 -o "$base.svg" 2>"$base.err"; then
        fail "$what: synack trace ladder -o FILE.svg exits 0" "$(cat "$base.err")"
        return
    fi
    if ! "$SYNACK" trace list "$pcap" --json >"$base.list.json" 2>"$base.err"; then
        fail "$what: synack trace list --json exits 0" "$(cat "$base.err")"
        return
    fi
    # shellcheck disable=SC2046  # one word per tshark option
    tshark -r "$pcap" "${TSHARK_OPTS[@]}" -o tcp.relative_sequence_numbers:TRUE -Y "tcp.stream == 0" -T fields \
        $(python3 "$LADDER_READ" tshark-fields) >"$base.tsv" 2>/dev/null
    if ! facts=$(python3 "$LADDER_READ" capture "$base.svg" "$base.tsv" "$base.list.json" "$closer" "$near" 2>&1); then
        fail "$what: the ladder and tshark's fields read back" "$facts"
        return
    fi
    while IFS=$'\t' read -r desc got want; do
        if [[ $desc == info ]]; then
            log "  $what: $got"
        else
            check_eq "$got" "$want" "$what: $desc"
            n=$((n + 1))
        fi
    done <<<"$facts"
    # A reader that stopped early must not pass: every property was compared.
    check_awk "$n >= 20" "$what: all properties of the ladder compared ($n)"
}

# ladder_marks PCAP CLASS: how many arrows of the ladder ladder_check drew
# for PCAP carry the mark CLASS (lost, retransmission, dup-ack, ...).
ladder_marks() {
    python3 "$LADDER_READ" marks "$WORK/$(basename "$1").ladder.svg" 2>/dev/null |
        awk -v c="$2" '$1 == c { n = $2 } END { print n + 0 }'
}

interop_finish() {
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit $?
}
