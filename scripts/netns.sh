#!/usr/bin/env bash
# netns.sh — network namespaces for running synack on a TUN or TAP device
# against the Linux kernel, without touching the host's own network.
#
#   scripts/netns.sh up NAME
#       Creates namespace NAME-syn (loopback up, IPv6 off but where a
#       command below turns it on) and prints how to run synack inside it.
#   scripts/netns.sh tun NAME DEV KERNEL_ADDR/PREFIX[,KERNEL_ADDR/PREFIX...] [--timeout SECONDS] [--create [--tap]]
#       Waits (10 s by default) for the TUN or TAP device DEV to appear in
#       NAME-syn — a synack process started there creates it — then gives
#       the kernel its side of the link: the addresses (IPv4 and/or IPv6;
#       IPv6 turned on for DEV alone, without duplicate address detection,
#       router solicitations or autoconfiguration) and link up.  With
#       --create the device is made here (--tap: a TAP device), persistent,
#       before synack starts: short-lived synack processes (connect) then
#       attach to a link that is already configured, and it stays until
#       `down`.  On a TAP device the kernel also answers ARP and neighbour
#       solicitations for the far namespace's addresses (proxy ARP, proxy
#       NDP): synack has no gateway and resolves every destination as if it
#       were on the link.
#   scripts/netns.sh hop NAME [--netem "loss 1% delay 20ms reorder 1% 25%"] [--seed N] [--ipv6]
#       Adds namespace NAME-far behind a veth pair: NAME-syn forwards
#       (ip_forward=1 there) and NAME-far routes synack's subnet through it.
#       With --netem, both directions of the veth path are impaired; with
#       --ipv6 the hop carries IPv6 too.
#   scripts/netns.sh down NAME
#       Stops the processes still running in the namespaces and removes
#       them (and with them the veth pair and the TUN or TAP device).
#
# Addresses (from 198.18.0.0/15, the benchmarking range of RFC 2544, and
# fd00:5ac::/64, a unique local prefix of RFC 4193: the link is the /64,
# and the hop takes the /112 fd00:5ac::1:0/112 out of it, more specific
# in the kernel's routes):
#
#     synack 198.18.0.2  ==TUN/TAP== 198.18.0.1  kernel (NAME-syn) 198.18.1.1    --veth-- 198.18.1.2    (NAME-far)
#            fd00:5ac::2             fd00:5ac::1                   fd00:5ac::1:1          fd00:5ac::1:2
#
# Impairment.  --netem uses tc netem on both veth ends when the kernel has
# it (CONFIG_NET_SCH_NETEM).  When it does not — some container and VM
# kernels leave it out — the veth pair is split by a third namespace,
# NAME-mid, where scripts/impair.py bridges the two halves in user space
# and applies the same spec (loss, delay, reorder; correlations ignored).
# SYNACK_NETNS_IMPAIR=netem or =userspace forces one of the two.  In both
# cases segmentation and checksum offloads are turned off on the veth ends
# (ethtool), so each impairment decision is about one wire-sized packet and
# every packet carries its real checksum.
#
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state_root=${SYNACK_NETNS_STATE:-/run/synack-netns}

tun_net=198.18.0.0/24
veth_syn=198.18.1.1
veth_far=198.18.1.2
veth_prefix=24
tun_net6=fd00:5ac::/64
veth6_syn=fd00:5ac::1:1
veth6_far=fd00:5ac::1:2
veth6_prefix=112

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

die() {
    echo "netns.sh: $*" >&2
    exit 1
}

check_name() {
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$ ]] ||
        die "bad NAME \"$1\" (letters, digits, _ . - ; at most 41 characters)"
}

ns_exists() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$1"
}

# Quiet sysctl inside a namespace.
ns_sysctl() {
    ip netns exec "$1" sysctl -q -w "$2" >/dev/null
}

# A new namespace with loopback up and no IPv6: router solicitations and
# DAD would only add noise to captures.
ns_add() {
    ip netns add "$1"
    ip -n "$1" link set lo up
    ns_sysctl "$1" net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
    ns_sysctl "$1" net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

cmd_up() {
    local name=$1 ns=$1-syn
    ns_exists "$ns" && die "namespace $ns already exists (scripts/netns.sh down $name)"
    ns_add "$ns"
    cat <<EOF
namespace $ns is up.  Run synack inside it, then give the kernel its side:

  ip netns exec $ns build/synack serve --tun syn0 --addr 198.18.0.2/24 --http 8080:. &
  scripts/netns.sh tun $name syn0 198.18.0.1/24
  ip netns exec $ns curl http://198.18.0.2:8080/

scripts/netns.sh down $name removes everything.
EOF
}

is_ipv6() { [[ $1 == *:* ]]; }

# check_kernel_addr ADDR/PREFIX: inside 198.18.0.0/15 or fd00:5ac::/64.
check_kernel_addr() {
    [[ $1 =~ ^198\.(18|19)\.[0-9]{1,3}\.[0-9]{1,3}/[0-9]{1,2}$ ]] && return 0
    [[ $1 =~ ^fd00:5ac::([0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,3})?/(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-8])$ ]] && return 0
    die "tun: KERNEL_ADDR/PREFIX must be in 198.18.0.0/15 or fd00:5ac::/64, e.g. 198.18.0.1/24 or fd00:5ac::1/64 (got $1)"
}

# ipv6_on NS DEV: IPv6 for DEV alone (the namespace has it off), with
# nothing the kernel would do unasked on the link: no duplicate address
# detection (addresses are added nodad anyway), no router solicitations,
# no router advertisements taken.
ipv6_on() {
    local ns=$1 dev=$2 key
    for key in accept_dad=0 router_solicitations=0 accept_ra=0 disable_ipv6=0; do
        ns_sysctl "$ns" "net.ipv6.conf.$dev.$key"
    done
}

# proxy_far NS DEV: the kernel answers ARP (and, with IPv6 on DEV,
# neighbour solicitations) on DEV for the far namespace's addresses, at
# once (proxy_delay 0; Linux's default waits up to 0.8 s).  Harmless
# without a hop: proxy ARP answers only for addresses routed out of
# another device.
proxy_far() {
    local ns=$1 dev=$2
    ns_sysctl "$ns" "net.ipv4.conf.$dev.proxy_arp=1"
    ns_sysctl "$ns" "net.ipv4.neigh.$dev.proxy_delay=0"
    if [[ $(ip netns exec "$ns" sysctl -n "net.ipv6.conf.$dev.disable_ipv6") == 0 ]]; then
        ns_sysctl "$ns" "net.ipv6.conf.$dev.proxy_ndp=1"
        ns_sysctl "$ns" "net.ipv6.neigh.$dev.proxy_delay=0"
        ip -n "$ns" -6 neigh replace proxy "$veth6_far" dev "$dev"
    fi
}

cmd_tun() {
    local name=$1 dev=$2 kaddrs=$3 timeout=10 ns=$1-syn create=0 mode=tun a
    shift 3
    while (($#)); do
        case $1 in
        --timeout) timeout=${2:?--timeout needs SECONDS}; shift 2 ;;
        --create) create=1; shift ;;
        --tap) mode=tap; shift ;;
        *) die "tun: unknown option $1" ;;
        esac
    done
    local -a addrs
    IFS=, read -ra addrs <<<"$kaddrs"
    ((${#addrs[@]})) || die "tun: no KERNEL_ADDR/PREFIX"
    for a in "${addrs[@]}"; do check_kernel_addr "$a"; done
    [[ $timeout =~ ^[0-9]+$ ]] || die "tun: --timeout takes whole seconds"
    ns_exists "$ns" || die "no namespace $ns (scripts/netns.sh up $name)"
    if ((create)) && ! ip -n "$ns" link show dev "$dev" >/dev/null 2>&1; then
        ip -n "$ns" tuntap add dev "$dev" mode "$mode"
    fi
    local tries=$((timeout * 20)) i
    for ((i = 0; i < tries; i++)); do
        ip -n "$ns" link show dev "$dev" >/dev/null 2>&1 && break
        sleep 0.05
    done
    ip -n "$ns" link show dev "$dev" >/dev/null 2>&1 ||
        die "tun: device $dev did not appear in $ns within ${timeout}s (is synack running there?)"
    for a in "${addrs[@]}"; do
        if is_ipv6 "$a"; then
            ipv6_on "$ns" "$dev"
            ip -n "$ns" addr replace "$a" dev "$dev" nodad
        else
            ip -n "$ns" addr replace "$a" dev "$dev"
        fi
    done
    if ip -n "$ns" -o link show dev "$dev" | grep -q 'link/ether'; then
        proxy_far "$ns" "$dev"
    fi
    ip -n "$ns" link set dev "$dev" up
}

# Turns off the offloads that would hand whole 64 KB segments, or packets
# with checksums still to be filled in, to netem or to impair.py.
no_offloads() {
    local ns=$1 dev=$2
    if command -v ethtool >/dev/null 2>&1; then
        ip netns exec "$ns" ethtool -K "$dev" tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
    fi
}

netem_available() {
    local ns=$1
    ip netns exec "$ns" tc qdisc add dev lo root netem delay 0ms >/dev/null 2>&1 || return 1
    ip netns exec "$ns" tc qdisc del dev lo root >/dev/null 2>&1 || true
}

cmd_hop() {
    local name=$1 spec="" seed=${SYNACK_NETNS_SEED:-1} mode ipv6=0
    local ns=$1-syn far=$1-far mid=$1-mid
    shift
    while (($#)); do
        case $1 in
        --netem) spec=${2?--netem needs a spec}; shift 2 ;;
        --seed) seed=${2:?--seed needs N}; shift 2 ;;
        --ipv6) ipv6=1; shift ;;
        *) die "hop: unknown option $1" ;;
        esac
    done
    ns_exists "$ns" || die "no namespace $ns (scripts/netns.sh up $name)"
    ns_exists "$far" && die "namespace $far already exists"

    mode=none
    if [[ -n $spec ]]; then
        case ${SYNACK_NETNS_IMPAIR:-auto} in
        netem) mode=netem ;;
        userspace) mode=userspace ;;
        auto) if netem_available "$ns"; then mode=netem; else mode=userspace; fi ;;
        *) die "SYNACK_NETNS_IMPAIR must be netem, userspace or auto" ;;
        esac
    fi

    ns_add "$far"

    if [[ $mode == userspace ]]; then
        command -v python3 >/dev/null || die "hop: the user-space impairer needs python3"
        command -v ethtool >/dev/null ||
            die "hop: the user-space impairer needs ethtool (to turn checksum offload off); scripts/install-deps.sh installs it"
        ns_exists "$mid" && die "namespace $mid already exists"
        ns_add "$mid"
        ip -n "$ns" link add hop0 type veth peer name m0 netns "$mid"
        ip -n "$far" link add hop0 type veth peer name m1 netns "$mid"
        local d
        for d in m0 m1; do
            ip -n "$mid" link set "$d" up
            no_offloads "$mid" "$d"
        done
    else
        ip -n "$ns" link add hop0 type veth peer name hop0 netns "$far"
    fi
    no_offloads "$ns" hop0
    no_offloads "$far" hop0
    ip -n "$ns" addr add "$veth_syn/$veth_prefix" dev hop0
    ip -n "$far" addr add "$veth_far/$veth_prefix" dev hop0
    if ((ipv6)); then
        ipv6_on "$ns" hop0
        ipv6_on "$far" hop0
        ip -n "$ns" addr add "$veth6_syn/$veth6_prefix" dev hop0 nodad
        ip -n "$far" addr add "$veth6_far/$veth6_prefix" dev hop0 nodad
    fi
    ip -n "$ns" link set hop0 up
    ip -n "$far" link set hop0 up
    ns_sysctl "$ns" net.ipv4.ip_forward=1
    ip -n "$far" route add "$tun_net" via "$veth_syn"
    if ((ipv6)); then
        # Also the default for devices made later (synack's TUN or TAP).
        ns_sysctl "$ns" net.ipv6.conf.all.forwarding=1
        ip -n "$far" -6 route add "$tun_net6" via "$veth6_syn"
    fi

    local far_at=$veth_far syn_at=$veth_syn
    if ((ipv6)); then
        far_at="$veth_far and $veth6_far"
        syn_at="$veth_syn and $veth6_syn"
    fi
    case $mode in
    netem)
        # shellcheck disable=SC2086  # the spec is a list of netem words
        ip netns exec "$ns" tc qdisc add dev hop0 root netem $spec
        # shellcheck disable=SC2086
        ip netns exec "$far" tc qdisc add dev hop0 root netem $spec
        echo "hop: $far at $far_at behind $ns ($syn_at), tc netem \"$spec\" on both veth ends"
        ;;
    userspace)
        mkdir -p "$state_root"
        local log="$state_root/$name.impair.log" pidfile="$state_root/$name.impair.pid"
        rm -f "$state_root/$name.impair.ready"
        # ip netns exec execs python3, so $! is the impairer itself.
        ip netns exec "$mid" python3 "$here/impair.py" --seed "$seed" --ready-file "$state_root/$name.impair.ready" \
            m0 m1 $spec </dev/null >"$log" 2>&1 &
        echo $! >"$pidfile"
        local i
        for ((i = 0; i < 100; i++)); do
            [[ -e $state_root/$name.impair.ready ]] && break
            kill -0 "$(cat "$pidfile")" 2>/dev/null || break
            sleep 0.05
        done
        [[ -e $state_root/$name.impair.ready ]] || {
            cat "$log" >&2
            die "hop: impair.py did not start"
        }
        echo "hop: $far at $far_at behind $ns ($syn_at); no tc netem in this kernel, so impair.py in $mid applies \"$spec\" (pid $(cat "$pidfile"))"
        ;;
    none)
        echo "hop: $far at $far_at behind $ns ($syn_at)"
        ;;
    esac
}

# Ends the processes still inside namespace $1 (started there by us or by
# the user of this script), politely first, bounded.
stop_pids_in() {
    local ns=$1 pids i
    ns_exists "$ns" || return 0
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -z $pids ]] && return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [[ -z $pids ]] && return 0
        sleep 0.05
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
}

cmd_down() {
    local name=$1 pidfile pid
    pidfile="$state_root/$name.impair.pid"
    if [[ -f $pidfile ]]; then
        pid=$(cat "$pidfile")
        # Only if it is still our impairer, inside our namespace.
        if [[ $pid =~ ^[0-9]+$ ]] && [[ "$(ip netns identify "$pid" 2>/dev/null)" == "$name-mid" ]]; then
            kill -TERM "$pid" 2>/dev/null || true
            local i
            for ((i = 0; i < 40; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.05
            done
            # Its counters: what the impaired path did to each direction.
            cat "$state_root/$name.impair.log" 2>/dev/null || true
        fi
        rm -f "$pidfile" "$state_root/$name.impair.ready" "$state_root/$name.impair.log"
        rmdir "$state_root" 2>/dev/null || true
    fi
    local ns
    for ns in "$name-far" "$name-mid" "$name-syn"; do
        stop_pids_in "$ns"
        if ns_exists "$ns"; then
            ip netns del "$ns" || echo "netns.sh: could not delete $ns" >&2
        fi
    done
    return 0
}

(($# >= 1)) || { usage >&2; exit 2; }
verb=$1
shift
case $verb in
up) (($# == 1)) || die "usage: netns.sh up NAME"; check_name "$1"; cmd_up "$1" ;;
tun) (($# >= 3)) || die "usage: netns.sh tun NAME DEV KERNEL_ADDR/PREFIX[,...] [--timeout S] [--create [--tap]]"; check_name "$1"; cmd_tun "$@" ;;
hop) (($# >= 1)) || die "usage: netns.sh hop NAME [--netem SPEC] [--seed N] [--ipv6]"; check_name "$1"; cmd_hop "$@" ;;
down) (($# == 1)) || die "usage: netns.sh down NAME"; check_name "$1"; cmd_down "$1" ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
