#!/usr/bin/env bash
# linux.sh — the Linux kernel's figures for `synack bench` (issue 7), each
# measured in network namespaces this script creates and removes, on
# addresses from 198.18.0.0/15 only.  One JSON line on stdout per call.
#
#   linux.sh bulk --offload on|off [--seconds S]        (S = 10)
#       iperf3, one stream, over lo in a fresh namespace, lo MTU 1500,
#       TSO/GSO/GRO on or off (lo's checksum and scatter-gather flags are
#       fixed on: loopback never computes checksums); Gbit/s of
#       application data at the receiver.  iperf3's server on one CPU, its
#       client on another.
#   linux.sh churn --count N --concurrency C
#       linux_peer churn against `linux_peer server` over lo, MTU 1500,
#       offloads at lo's defaults (on): connections per second.  Server on
#       one CPU, client on another.  TIME_WAIT is kept: tcp_max_tw_buckets
#       is raised above N, the clients are spread over enough 198.18.77.x
#       addresses that no ephemeral port is reused while its TIME_WAIT
#       lasts, tcp_tw_reuse stays at its default (2: loopback addresses
#       only, which 198.18.77.x are not), and tcp_rfc1337=1 (as in synack:
#       no RST ends a TIME_WAIT).
#   linux.sh pingpong --rounds N
#       linux_peer pingpong against `linux_peer server --blocking`, both
#       pinned to the same CPU: round trips per second.
#   linux.sh lossy --loss P --seconds S [--rate 1gbit] [--rtt-ms 10] [--seed N]
#       iperf3, one stream, CUBIC + SACK + RACK, from namespace A to B
#       through namespace M, where `linux_peer impair` bridges the two veth
#       pairs and gives each direction RTT/2 of delay and the rate with a
#       one-BDP drop-tail queue, and drops a fraction P of the data
#       direction's packets.  (Kernels built without tc netem exist, this
#       one among them; the same path is built in user space on every
#       kernel, so runs compare.)  The path runs SCHED_FIFO on one CPU,
#       both endpoints (and, through RPS, their receive processing) on
#       another.  Goodput in Mbit/s at the receiver.
#
# Options for every subcommand: --peer PATH (or $SYNACK_BENCH_LINUX_PEER;
# default: synack-bench-linux-peer beside this script).
#
# Without root (CAP_NET_ADMIN) it prints {"peer":"linux","workload":W,
# "skipped":"..."} and exits 0; a missing tool is a skip too.  A run that
# fails prints {"peer":"linux","workload":W,"error":"..."} and exits 1.
# Everything it starts is ended by PID and every namespace removed by the
# EXIT trap; every wait is bounded.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Bounded waits (wait_exit, wait_file): the build copies scripts/wait.sh
# beside this script; run from the source tree, it is two levels up.
if [[ -f $here/wait.sh ]]; then
    # shellcheck source=scripts/wait.sh
    source "$here/wait.sh"
else
    # shellcheck source=scripts/wait.sh
    source "$here/../../scripts/wait.sh"
fi
WORKLOAD=${1:-}
[[ -n $WORKLOAD ]] && shift

NS_PREFIX=sblnx-$$
SRV_ADDR=198.18.77.1   # lo alias: the server (churn, ping-pong, bulk)
VETH_A=198.18.78.1     # lossy: the sender
VETH_B=198.18.78.2     # lossy: the receiver
PORT=5201
KERNEL=$(uname -r)
LOADAVG=$(cut -d' ' -f1 /proc/loadavg)

PIDS=()
NAMESPACES=()
TMP=""

log() { printf 'linux.sh: %s\n' "$*" >&2; }

# emit TYPE:KEY=VALUE...: one JSON object on stdout.  TYPE s (string), n
# (number), b (true/false), j (JSON text).  A value that is not what its
# type says becomes null and its key is listed under "invalid": never a
# number made up, never no line at all.
emit() {
    python3 -c '
import json, sys
out = {}
for a in sys.argv[1:]:
    t, rest = a.split(":", 1)
    k, v = rest.split("=", 1)
    if t == "s":
        out[k] = v
    try:
        if t == "n":
            f = float(v)
            if f != f or f in (float("inf"), float("-inf")):
                raise ValueError(v)
            out[k] = int(f) if f.is_integer() and "." not in v else f
        elif t == "b":
            out[k] = v == "true"
        elif t == "j":
            out[k] = json.loads(v)
    except ValueError:
        out[k] = None
        out.setdefault("invalid", []).append(k)
print(json.dumps(out, separators=(",", ":")))' "$@"
}

skip() {
    emit s:peer=linux s:workload="${WORKLOAD:-none}" s:skipped="$1" s:kernel="$KERNEL"
    exit 0
}

die() {
    log "$1"
    emit s:peer=linux s:workload="${WORKLOAD:-none}" s:error="$1" s:kernel="$KERNEL"
    exit 1
}

usage() {
    sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

cleanup() {
    local pid i ns
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
    done
    for ns in "${NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    [[ -n $TMP ]] && rm -rf "$TMP"
}

# jget FILE EXPR: a value from the JSON object in FILE (Python expression
# over j), e.g. jget f.json 'j["end"]["sum_received"]["bits_per_second"]'.
jget() {
    python3 -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
    print(eval(sys.argv[2]))
except Exception as e:
    sys.exit("jget: %s" % e)' "$1" "$2"
}

# bg VAR NS LOG COMMAND...: COMMAND in NS in the background, output in LOG;
# its PID (ip netns exec execs COMMAND) in VAR and in the list the trap ends.
bg() {
    local var=$1 ns=$2 out=$3
    shift 3
    ip netns exec "$ns" "$@" </dev/null >"$out" 2>"$out.err" &
    PIDS+=("$!")
    printf -v "$var" '%s' "$!"
}

# fg OUT NS COMMAND...: COMMAND in NS, stdout in OUT, stderr in OUT.err,
# waited for with `wait`, which a signal interrupts: the trap then ends it
# by PID at once (bash would run no trap until a foreground job ended).
fg() {
    local out=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$@" </dev/null >"$out" 2>"$out.err" &
    PIDS+=("$!")
    wait "$!"
}

# stop_pid PID SECONDS: SIGTERM, then wait_exit.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    wait_exit "$1" "$2"
}

# wait_listen NS ADDR PORT SECONDS: until a socket listens there.
wait_listen() {
    local i
    for ((i = 0; i < $4 * 20; i++)); do
        ip netns exec "$1" ss -Hltn "src $2:$3" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

# Namespaces left by a run that was killed (SIGKILL runs no trap):
# sblnx-PID-x whose PID is gone.  Processes they held were bounded by
# their own timeouts.
clean_stale() {
    local ns pid
    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^sblnx-[0-9]+-[a-z]$'); do
        pid=${ns#sblnx-}
        pid=${pid%-*}
        kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null
    done
}

sysctl_ns() { ip netns exec "$1" sysctl -q -w "$2" >/dev/null; }
sysctl_get() { ip netns exec "$1" sysctl -n "$2" 2>/dev/null | tr '\t' ' '; }

# ns_new VAR SUFFIX: namespace sblnx-PID-SUFFIX with lo up and no IPv6;
# its name in VAR.  (Not in $(...): the trap's list must see it.)
ns_new() {
    local _ns=$NS_PREFIX-$2
    printf -v "$1" '%s' "$_ns"
    ip netns add "$_ns" || die "ip netns add $_ns failed"
    NAMESPACES+=("$_ns")
    ip -n "$_ns" link set lo up
    sysctl_ns "$_ns" net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
    sysctl_ns "$_ns" net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
    # The bench compares with synack's CUBIC, but the namespace's default
    # may be another algorithm (bbr on some kernels), and a namespace may
    # only make one of the host's tcp_allowed_congestion_control its
    # default.  So every socket asks for CUBIC itself (TCP_CONGESTION:
    # iperf3 -C, linux_peer --cc), which CAP_NET_ADMIN allows; the
    # default is set too where permitted.
    sysctl_ns "$_ns" net.ipv4.tcp_congestion_control=cubic 2>/dev/null
}

# lo_setup NS on|off|default: lo MTU 1500, the server's address, offloads.
lo_setup() {
    local ns=$1
    ip -n "$ns" link set lo mtu 1500 || die "cannot set lo MTU"
    ip -n "$ns" addr add "$SRV_ADDR/24" dev lo || die "cannot add $SRV_ADDR to lo"
    if [[ $2 != default ]]; then
        ip netns exec "$ns" ethtool -K lo tso "$2" gso "$2" gro "$2" >/dev/null 2>&1 ||
            die "ethtool -K lo tso/gso/gro $2 failed"
    fi
}

# features NS DEV: the offload flags as they are, "tso=off gso=off ...".
features() {
    ip netns exec "$1" ethtool -k "$2" 2>/dev/null | awk '
        /^tcp-segmentation-offload:/ { f["tso"] = $2 $3 }
        /^generic-segmentation-offload:/ { f["gso"] = $2 $3 }
        /^generic-receive-offload:/ { f["gro"] = $2 $3 }
        /^tx-checksumming:/ { f["tx-csum"] = $2 $3 }
        /^rx-checksumming:/ { f["rx-csum"] = $2 $3 }
        /^scatter-gather:/ { f["sg"] = $2 $3 }
        END { printf "tso=%s gso=%s gro=%s tx-csum=%s rx-csum=%s sg=%s", f["tso"], f["gso"], f["gro"],
              f["tx-csum"], f["rx-csum"], f["sg"] }'
}

# The CPUs this process may use; two ends go to the first two.
read -r -a CPUS <<<"$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))' 2>/dev/null)"
CPU_SRV=${CPUS[0]:-0}
CPU_CLI=${CPUS[1]:-$CPU_SRV}

# pin_ends same|split: the CPUs of the two ends (P_SRV, P_CLI) and the
# words that say so (PINNING).  "same" puts both on one CPU: over
# loopback the receiver's softirq work then runs where its data is, and
# nothing is reordered; "split" gives each end a CPU of its own.
pin_ends() {
    case $1 in
    same) P_SRV=$CPU_CLI P_CLI=$CPU_CLI PINNING="server and client both on CPU $CPU_CLI (taskset)" ;;
    split) P_SRV=$CPU_SRV P_CLI=$CPU_CLI PINNING="server on CPU $CPU_SRV, client on CPU $CPU_CLI (taskset)" ;;
    *) die "--cpus takes same or split" ;;
    esac
}

# --- options ---------------------------------------------------------------
PEER=${SYNACK_BENCH_LINUX_PEER:-$here/synack-bench-linux-peer}
OFFLOAD="" SECONDS_RUN="" COUNT="" CONC="" ROUNDS="" LOSS="" RATE=1gbit RTT_MS=10 SEED=1 CPU_MODE=
case $WORKLOAD in
bulk | churn | pingpong | lossy) ;;
-h | --help | help | "") usage ;;
*) log "unknown subcommand $WORKLOAD"; usage ;;
esac
while (($#)); do
    [[ $# -ge 2 ]] || die "$1 needs a value"
    case $1 in
    --peer) PEER=$2 ;;
    --offload) OFFLOAD=$2 ;;
    --seconds) SECONDS_RUN=$2 ;;
    --count) COUNT=$2 ;;
    --concurrency) CONC=$2 ;;
    --rounds) ROUNDS=$2 ;;
    --loss) LOSS=$2 ;;
    --rate) RATE=$2 ;;
    --rtt-ms) RTT_MS=$2 ;;
    --seed) SEED=$2 ;;
    --cpus) CPU_MODE=$2 ;;
    *) die "unknown option $1" ;;
    esac
    shift 2
done
isint() { [[ $1 =~ ^[0-9]+$ ]] && (($1 > 0)); }
isnum() { [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]]; }

# --- preconditions: root, namespaces, tools ---------------------------------
command -v python3 >/dev/null || { echo "{\"peer\":\"linux\",\"workload\":\"$WORKLOAD\",\"skipped\":\"python3 not installed\"}"; exit 0; }
[[ $(id -u) -eq 0 ]] || skip "needs CAP_NET_ADMIN (not root)"
probe=$NS_PREFIX-p
ip netns add "$probe" 2>/dev/null || skip "needs CAP_NET_ADMIN (ip netns add failed)"
ip netns del "$probe"
for tool in ip ethtool ss taskset timeout; do
    command -v "$tool" >/dev/null || skip "$tool not installed"
done
if [[ $WORKLOAD == bulk || $WORKLOAD == lossy ]]; then
    command -v iperf3 >/dev/null || skip "iperf3 not installed (Debian package iperf3)"
fi
# Every workload but bulk runs linux_peer.
[[ $WORKLOAD == bulk || -x $PEER ]] || die "no linux_peer at $PEER (--peer PATH or SYNACK_BENCH_LINUX_PEER)"

trap cleanup EXIT
trap 'exit 130' INT TERM
clean_stale
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sblnx.XXXXXX")

# --- bulk ------------------------------------------------------------------
run_bulk() {
    [[ $OFFLOAD == on || $OFFLOAD == off ]] || die "bulk needs --offload on|off"
    local secs=${SECONDS_RUN:-10} ns srv feat gbps
    isint "$secs" || die "--seconds takes whole seconds"
    ns_new ns n
    lo_setup "$ns" "$OFFLOAD"
    feat=$(features "$ns" lo)
    pin_ends "${CPU_MODE:-same}"
    bg srv "$ns" "$TMP/srv.json" timeout $((secs + 30)) taskset -c "$P_SRV" iperf3 -s -1 -J -B "$SRV_ADDR" -p "$PORT"
    wait_listen "$ns" "$SRV_ADDR" "$PORT" 5 || die "iperf3 server did not listen: $(cat "$TMP/srv.json.err")"
    fg "$TMP/cli.json" "$ns" timeout $((secs + 30)) taskset -c "$P_CLI" iperf3 -c "$SRV_ADDR" -p "$PORT" -t "$secs" \
        -J -C cubic || die "iperf3 client failed: $(head -c 300 "$TMP/cli.json.err" "$TMP/cli.json")"
    wait_exit "$srv" 10 >/dev/null
    gbps=$(jget "$TMP/cli.json" '"%.3f" % (j["end"]["sum_received"]["bits_per_second"] / 1e9)') ||
        die "no result in iperf3's JSON"
    local retr mss cpu_c cpu_s
    BULK_NOTE="the kernel pays a system call per read/write (128 KiB each) and copies to and from user"
    BULK_NOTE+=" space; lo never computes checksums"
    retr=$(jget "$TMP/cli.json" 'j["end"]["sum_sent"].get("retransmits", 0)')
    mss=$(jget "$TMP/cli.json" 'j["start"].get("tcp_mss_default", 0)')
    # iperf3's own CPU use (user + system, % of one CPU over the run): on
    # a shared machine it says how much CPU the run was given.  Softirq
    # work the kernel defers to ksoftirqd is in neither figure.
    cpu_c=$(jget "$TMP/cli.json" '"%.1f" % j["end"]["cpu_utilization_percent"]["host_total"]')
    cpu_s=$(jget "$TMP/cli.json" '"%.1f" % j["end"]["cpu_utilization_percent"]["remote_total"]')
    emit s:peer=linux s:workload=bulk n:value="$gbps" s:unit=gbps s:offload="$OFFLOAD" n:mtu=1500 \
        n:seconds="$secs" s:kernel="$KERNEL" s:cc="$(jget "$TMP/cli.json" 'j["end"].get("sender_tcp_congestion", "?")')" \
        s:tool="$(iperf3 --version | head -1 | cut -d' ' -f1-2)" \
        s:features="$feat" n:mss="$mss" n:retransmits="$retr" n:cpu_percent_client="$cpu_c" \
        n:cpu_percent_server="$cpu_s" \
        s:cpu_pinning="iperf3 $PINNING" n:loadavg="$LOADAVG" \
        s:notes="one stream over lo in a fresh namespace; receiver-side application bytes; $BULK_NOTE"
}

# --- churn -----------------------------------------------------------------
run_churn() {
    { isint "$COUNT" && isint "$CONC"; } || die "churn needs --count N --concurrency C"
    local ns k i clients="" addrs=() tw_max reuse srv secs_max
    ns_new ns n
    lo_setup "$ns" default
    # Ports: 1024-65535 for every client address.  While a connection's
    # TIME_WAIT lasts (60 s) its port is taken for that address, and the
    # kernel's search for a free port slows down as the range fills; so
    # one address per 30,000 connections, each at most half full.
    k=$(((COUNT + 29999) / 30000))
    ((k > 200)) && die "--count $COUNT needs more than 200 client addresses"
    for ((i = 0; i < k; i++)); do
        addrs+=("198.18.77.$((i + 2))")
        ip -n "$ns" addr add "198.18.77.$((i + 2))/24" dev lo || die "cannot add client address"
    done
    clients=$(IFS=,; echo "${addrs[*]}")
    tw_max=$((COUNT + 65536))
    ((tw_max < 262144)) && tw_max=262144
    sysctl_ns "$ns" net.ipv4.tcp_max_tw_buckets=$tw_max || die "cannot set tcp_max_tw_buckets"
    sysctl_ns "$ns" "net.ipv4.ip_local_port_range=1024 65535" || die "cannot set ip_local_port_range"
    sysctl_ns "$ns" net.core.somaxconn=65535
    sysctl_ns "$ns" net.ipv4.tcp_max_syn_backlog=65536
    # RFC 1337: a RST must not end TIME_WAIT (synack ignores them too).
    # Linux's default (0) lets it, and on loopback it happens: when the
    # server's delayed ACK of the client's FIN and its own FIN are sent
    # from two CPUs, the ACK can arrive last; TIME_WAIT answers it with an
    # ACK, the closed server with a RST, and the TIME_WAIT would be gone.
    sysctl_ns "$ns" net.ipv4.tcp_rfc1337=1 || die "cannot set tcp_rfc1337"
    reuse=$(sysctl_get "$ns" net.ipv4.tcp_tw_reuse)
    secs_max=$((120 + COUNT / 2000))
    pin_ends "${CPU_MODE:-split}"
    bg srv "$ns" "$TMP/srv.json" taskset -c "$P_SRV" "$PEER" server --cc cubic --addr "$SRV_ADDR" --port "$PORT" \
        --ready-file "$TMP/srv.ready" --timeout $((secs_max + 30))
    wait_file "$TMP/srv.ready" 10 || die "linux_peer server did not start: $(cat "$TMP/srv.json.err")"
    local rc=0
    fg "$TMP/cli.json" "$ns" taskset -c "$P_CLI" "$PEER" churn --cc cubic --addr "$SRV_ADDR" --port "$PORT" \
        --count "$COUNT" --concurrency "$CONC" --clients "$clients" --timeout "$secs_max" || rc=$?
    [[ -s $TMP/cli.json ]] || die "linux_peer churn failed (status $rc): $(cat "$TMP/cli.json.err")"
    # What the namespace holds now: the TIME_WAITs kept, and whether any
    # was refused (TCPTimeWaitOverflow) or reused (TWRecycled); the resets
    # sent (see tcp_rfc1337 above).
    local tw overflow recycled rsts
    # shellcheck disable=SC2016  # awk's own $ fields
    tw=$(ip netns exec "$ns" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat)
    # shellcheck disable=SC2016
    read -r overflow recycled < <(ip netns exec "$ns" awk '
        $1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[$i] = i; h = 1; next }
        $1 == "TcpExt:" && h { print $n["TCPTimeWaitOverflow"], $n["TWRecycled"] }' /proc/net/netstat)
    # shellcheck disable=SC2016
    rsts=$(ip netns exec "$ns" awk '
        $1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) n[$i] = i; h = 1; next }
        $1 == "Tcp:" && h { print $n["OutRsts"] }' /proc/net/snmp)
    stop_pid "$srv" 10 >/dev/null
    local completed failed cps secs stopped srv_done
    completed=$(jget "$TMP/cli.json" 'j["completed"]')
    failed=$(jget "$TMP/cli.json" 'j["failed"]')
    cps=$(jget "$TMP/cli.json" 'j["cps"]')
    secs=$(jget "$TMP/cli.json" 'j["seconds"]')
    stopped=$(jget "$TMP/cli.json" 'j["stopped_by"] or ("timed out" if j["timed_out"] else "")')
    srv_done=$(jget "$TMP/srv.json" 'j["completed"]' 2>/dev/null || echo -1)
    local cpu_cli cpu_srv
    cpu_cli=$(jget "$TMP/cli.json" 'j["cpu_seconds"]')
    cpu_srv=$(jget "$TMP/srv.json" 'j["cpu_seconds"]' 2>/dev/null || echo null)
    local notes="client closes first (shutdown, then reads the server's FIN) and keeps the TIME_WAIT;"
    notes+=" each connection counts when both FINs are done; $k client address(es), ports 1024-65535 each,"
    notes+=" bound with IP_BIND_ADDRESS_NO_PORT; tcp_max_tw_buckets=$tw_max; somaxconn=65535;"
    notes+=" tcp_tw_reuse=$reuse is the default and applies to 127/8 addresses only, not 198.18.77.x;"
    notes+=" tcp_rfc1337=1 so that no RST ends a TIME_WAIT (loopback reorders the server's delayed ACK"
    notes+=" and FIN now and then; see resets_sent)"
    [[ $completed == "$COUNT" ]] || notes="$notes; INCOMPLETE: $completed of $COUNT completed, $failed failed${stopped:+, stopped by $stopped}"
    emit s:peer=linux s:workload=churn n:value="$cps" s:unit=cps n:count="$COUNT" n:concurrency="$CONC" \
        n:completed="$completed" n:failed="$failed" n:seconds="$secs" n:server_completed="$srv_done" \
        n:client_addresses="$k" s:tw_reuse="$reuse (default; not used: applies to loopback 127/8 only)" \
        n:tcp_max_tw_buckets="$tw_max" s:ip_local_port_range="1024 65535" n:time_wait_at_end="${tw:-0}" \
        n:tw_overflow="${overflow:-0}" n:tw_recycled="${recycled:-0}" n:tcp_rfc1337=1 n:resets_sent="${rsts:-0}" \
        n:cpu_seconds_client="$cpu_cli" n:cpu_seconds_server="$cpu_srv" \
        n:cpu_us_per_connection="$(awk -v a="$cpu_cli" -v b="$cpu_srv" -v n="$completed" 'BEGIN { printf "%.2f", (a + b) * 1e6 / n }')" \
        n:mtu=1500 s:offload=default \
        s:features="$(features "$ns" lo)" s:kernel="$KERNEL" s:cc="$(jget "$TMP/cli.json" 'j["cc"]')" \
        s:cpu_pinning="$PINNING, one thread each" n:loadavg="$LOADAVG" \
        s:notes="$notes"
    [[ $completed == "$COUNT" ]] || exit 1
}

# --- ping-pong -------------------------------------------------------------
run_pingpong() {
    isint "$ROUNDS" || die "pingpong needs --rounds N"
    local ns srv
    ns_new ns n
    lo_setup "$ns" default
    pin_ends "${CPU_MODE:-same}"
    bg srv "$ns" "$TMP/srv.json" taskset -c "$P_SRV" "$PEER" server --cc cubic --blocking --addr "$SRV_ADDR" --port "$PORT" \
        --ready-file "$TMP/srv.ready" --timeout $((90 + ROUNDS / 10000))
    wait_file "$TMP/srv.ready" 10 || die "linux_peer server did not start: $(cat "$TMP/srv.json.err")"
    local rc=0
    fg "$TMP/cli.json" "$ns" taskset -c "$P_CLI" "$PEER" pingpong --cc cubic --addr "$SRV_ADDR" --port "$PORT" \
        --rounds "$ROUNDS" --timeout $((60 + ROUNDS / 10000)) || rc=$?
    stop_pid "$srv" 10 >/dev/null
    local cpu_cli cpu_srv
    cpu_cli=$(jget "$TMP/cli.json" 'j["cpu_seconds"]' 2>/dev/null)
    cpu_srv=$(jget "$TMP/srv.json" 'j["cpu_seconds"]' 2>/dev/null || echo null)
    [[ -s $TMP/cli.json ]] || die "linux_peer pingpong failed (status $rc): $(cat "$TMP/cli.json.err")"
    ((rc == 0)) || die "linux_peer pingpong: $(jget "$TMP/cli.json" 'j["error"]') after $(jget "$TMP/cli.json" 'j["completed"]') rounds"
    emit s:peer=linux s:workload=pingpong n:value="$(jget "$TMP/cli.json" 'j["rtps"]')" s:unit=rtps \
        n:rounds="$ROUNDS" n:seconds="$(jget "$TMP/cli.json" 'j["seconds"]')" n:mtu=1500 s:offload=default \
        n:cpu_seconds_client="$cpu_cli" n:cpu_seconds_server="$cpu_srv" \
        n:cpu_us_per_round_trip="$(awk -v a="$cpu_cli" -v b="$cpu_srv" -v n="$ROUNDS" 'BEGIN { printf "%.3f", (a + b) * 1e6 / n }')" \
        s:kernel="$KERNEL" s:cc="$(jget "$TMP/cli.json" 'j["cc"]')" s:cpu_pinning="$PINNING" \
        n:loadavg="$LOADAVG" \
        s:notes="1-byte request, 1-byte response, TCP_NODELAY both ends, blocking send/recv (2 system calls per round trip each side) over lo"
}

# --- lossy -----------------------------------------------------------------
run_lossy() {
    isnum "$LOSS" || die "lossy needs --loss P (a fraction, 0..1)"
    python3 -c "import sys; sys.exit(not 0 <= float('$LOSS') <= 1)" || die "--loss is a fraction in 0..1"
    local secs=${SECONDS_RUN:-20}
    isint "$secs" || die "--seconds takes whole seconds"
    isnum "$RTT_MS" || die "--rtt-ms takes a number"
    local rate_bps bdp delay_ms
    rate_bps=$(awk -v r="$RATE" 'BEGIN { m = 1; s = tolower(r); sub(/bit$/, "", s)
        if (s ~ /k$/) m = 1e3; else if (s ~ /m$/) m = 1e6; else if (s ~ /g$/) m = 1e9
        sub(/[kmg]$/, "", s); if (s !~ /^[0-9.]+$/) exit 1; printf "%.0f", s * m }') || die "--rate: e.g. 1gbit"
    # The drop-tail queue of each direction: one bandwidth-delay product.
    bdp=$(awk -v r="$rate_bps" -v t="$RTT_MS" 'BEGIN { printf "%.0f", r * t / 1000 / 8 }')
    delay_ms=$(awk -v t="$RTT_MS" 'BEGIN { print t / 2 }')
    local a b m netem=no
    ns_new a a
    ns_new b b
    ns_new m m
    if ip netns exec "$m" tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
        netem=yes
        ip netns exec "$m" tc qdisc del dev lo root 2>/dev/null
    fi
    #   A eth0 198.18.78.1 --veth-- va [M: linux_peer impair] vb --veth-- eth0 198.18.78.2 B
    ip -n "$a" link add eth0 type veth peer name va netns "$m" || die "veth a failed"
    ip -n "$b" link add eth0 type veth peer name vb netns "$m" || die "veth b failed"
    ip -n "$a" addr add "$VETH_A/30" dev eth0
    ip -n "$b" addr add "$VETH_B/30" dev eth0
    local ns dev
    # Every frame one wire-sized packet with its real checksum: the path
    # decides about packets, and the sender does the work a NIC without
    # offloads would leave to it.
    for ns_dev in "$a:eth0" "$b:eth0" "$m:va" "$m:vb"; do
        ns=${ns_dev%:*} dev=${ns_dev#*:}
        ip -n "$ns" link set "$dev" mtu 1500 up
        ip netns exec "$ns" ethtool -K "$dev" tx off sg off tso off gso off gro off >/dev/null 2>&1
    done
    # CPUs: the path on one, both endpoints on the other.  The impairer
    # runs SCHED_FIFO, pinned, so that the endpoints' work and other
    # processes do not stretch its delays, and RPS hands the endpoints'
    # receive processing (TCP, in softirq, which would otherwise run in
    # the impairer when it sends into the veth) to the endpoints' CPU.
    # With a single CPU, none of this: everything shares it.
    local pin_path=() pin_end=() rt=() pinning="none (one CPU)"
    if ((${#CPUS[@]} >= 2)); then
        pin_path=(taskset -c "$CPU_SRV")
        pin_end=(taskset -c "$CPU_CLI")
        rt=(--rt)
        pinning="path (linux_peer impair, SCHED_FIFO) on CPU $CPU_SRV; iperf3 client and server, and their"
        pinning+=" receive processing (RPS), on CPU $CPU_CLI"
        for ns in "$a" "$b"; do
            ip netns exec "$ns" sh -c "printf '%x' $((1 << CPU_CLI)) >/sys/class/net/eth0/queues/rx-0/rps_cpus" ||
                die "cannot set rps_cpus on the endpoints' veth"
        done
    fi
    for ns in "$a" "$b"; do
        # RFC 2018 SACK and RACK (tcp_recovery bit 0) are the defaults; set
        # them so that a host default does not change the path.
        sysctl_ns "$ns" net.ipv4.tcp_sack=1
        sysctl_ns "$ns" net.ipv4.tcp_recovery=1
    done
    local imp srv
    bg imp "$m" "$TMP/imp.json" "${pin_path[@]}" "$PEER" impair --a va --b vb --delay-ms "$delay_ms" \
        --rate "$rate_bps" --loss "$LOSS" --queue-bytes "$bdp" --seed "$SEED" "${rt[@]}" \
        --ready-file "$TMP/imp.ready" --timeout $((secs + 60))
    wait_file "$TMP/imp.ready" 10 || die "linux_peer impair did not start: $(cat "$TMP/imp.json.err")"
    # The path's RTT as ping sees it: one ping for ARP, then five (a lost
    # one is fine); min and average.
    local rtt rtt_min rtt_avg
    ip netns exec "$a" ping -n -q -c 1 -W 2 "$VETH_B" >/dev/null 2>&1
    rtt=$(ip netns exec "$a" ping -n -q -c 5 -i 0.2 -W 2 "$VETH_B" 2>/dev/null |
        awk '/^rtt|^round-trip/ { split($0, a, "= "); split(a[2], v, "/"); print v[1], v[2] }')
    read -r rtt_min rtt_avg <<<"$rtt"
    [[ -n $rtt_avg ]] || die "no ping reply across the path"
    bg srv "$b" "$TMP/srv.json" timeout $((secs + 40)) "${pin_end[@]}" iperf3 -s -1 -J -B "$VETH_B" -p "$PORT"
    wait_listen "$b" "$VETH_B" "$PORT" 5 || die "iperf3 server did not listen: $(cat "$TMP/srv.json.err")"
    fg "$TMP/cli.json" "$a" timeout $((secs + 40)) "${pin_end[@]}" iperf3 -c "$VETH_B" -p "$PORT" -t "$secs" -J \
        -C cubic || die "iperf3 client failed: $(head -c 300 "$TMP/cli.json.err" "$TMP/cli.json")"
    wait_exit "$srv" 10 >/dev/null
    stop_pid "$imp" 10 >/dev/null
    local mbps retr path srtt
    srtt=$(jget "$TMP/cli.json" '"%.2f" % (j["end"]["streams"][0]["sender"]["mean_rtt"] / 1000)' 2>/dev/null || echo null)
    mbps=$(jget "$TMP/cli.json" '"%.2f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6)') ||
        die "no result in iperf3's JSON"
    retr=$(jget "$TMP/cli.json" 'j["end"]["sum_sent"].get("retransmits", 0)')
    path=$(cat "$TMP/imp.json")
    [[ $path == "{"* ]] || die "linux_peer impair gave no report: $(cat "$TMP/imp.json.err")"
    local sd late
    sd=$(jget "$TMP/imp.json" 'sum(j[d][k] for d in ("a_to_b", "b_to_a") for k in ("socket_drops", "ring_drops"))')
    late=$(jget "$TMP/imp.json" '"%.0f" % (j["a_to_b"]["late_us_mean"] + j["b_to_a"]["late_us_mean"])')
    local notes="A -> B through namespace M, where linux_peer impair (user space, AF_PACKET, on every"
    notes+=" kernel: netem_in_kernel says whether tc netem was there) gives each direction ${delay_ms} ms of"
    notes+=" delay and $RATE (Ethernet frame bytes) with a drop-tail queue of one BDP ($bdp bytes), and drops"
    notes+=" a fraction $LOSS of A->B IPv4 packets (seed $SEED); offloads off on every veth end; iperf3 one"
    notes+=" stream, CUBIC, SACK, RACK; receiver-side goodput; frames left the path on average $late us"
    notes+=" later than asked (both directions added)"
    ((sd == 0)) || notes="$notes; WARNING: the impairer's socket or ring dropped $sd frames it did not choose to drop"
    ((late <= 500)) || notes="$notes; WARNING: the path ran late (CPU contention?): the RTT was not the one asked for"
    emit s:peer=linux s:workload=lossy n:value="$mbps" s:unit=mbps n:loss="$LOSS" n:rtt_ms="$RTT_MS" \
        s:rate="$RATE" n:seconds="$secs" s:cc="$(jget "$TMP/cli.json" 'j["end"].get("sender_tcp_congestion", "?")')" \
        n:sack="$(sysctl_get "$a" net.ipv4.tcp_sack)" n:tcp_recovery="$(sysctl_get "$a" net.ipv4.tcp_recovery)" \
        s:tcp_wmem="$(sysctl_get "$a" net.ipv4.tcp_wmem)" s:tcp_rmem="$(sysctl_get "$b" net.ipv4.tcp_rmem)" \
        n:queue_bytes="$bdp" n:ping_rtt_ms_min="$rtt_min" n:ping_rtt_ms_avg="$rtt_avg" n:srtt_ms_mean="$srtt" \
        n:retransmits="$retr" n:path_late_us="$late" n:mtu=1500 s:offload=off s:features="$(features "$a" eth0)" \
        s:kernel="$KERNEL" s:netem_in_kernel="$netem" s:cpu_pinning="$pinning" n:loadavg="$LOADAVG" j:path="$path" \
        s:notes="$notes"
}

case $WORKLOAD in
bulk) run_bulk ;;
churn) run_churn ;;
pingpong) run_pingpong ;;
lossy) run_lossy ;;
esac
