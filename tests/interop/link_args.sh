#!/usr/bin/env bash
# link_args.sh SYNACK — the link options of `synack serve` and `synack
# connect` (src/tools/tun_args.c) refuse what they must, before any device
# is opened (so no privilege is needed): exit status 2 and one line naming
# the option.  What they accept is run by the interop tests (--tun and
# --tap, IPv4 and IPv6, two --addr, HOST PORT and [IPV6]:PORT).
set -u
SYNACK=$1
passed=0
failed=0

# refuses WHAT EXPECTED-MESSAGE-REGEX ARGS...: exit status 2 and the message.
refuses() {
    local what=$1 want=$2 out rc
    shift 2
    out=$(timeout 10 "$SYNACK" "$@" 2>&1 </dev/null)
    rc=$?
    if [[ $rc -eq 2 ]] && grep -qE -- "$want" <<<"$out"; then
        passed=$((passed + 1))
        echo "  ok:     $what"
    else
        failed=$((failed + 1))
        echo "  FAILED: $what (exit status $rc, wanted 2 and /$want/)"
        echo "          synack $*"
        echo "          $out"
    fi
}

for verb in serve connect; do
    svc=(--echo 7)
    [[ $verb == connect ]] && svc=(198.18.0.1 7)
    refuses "$verb: an IPv4 prefix over 32" "--addr must be" $verb --tun t0 --addr 198.18.0.2/33 "${svc[@]}"
    refuses "$verb: an IPv6 prefix over 128" "--addr must be" $verb --tun t0 --addr fd00:5ac::2/129 "${svc[@]}"
    refuses "$verb: an address without a prefix" "--addr must be" $verb --tun t0 --addr fd00:5ac::2 "${svc[@]}"
    refuses "$verb: the same address twice" "given twice" $verb --tun t0 --addr 198.18.0.2/24 --addr 198.18.0.2/24 \
        "${svc[@]}"
    refuses "$verb: four addresses" "at most 3" $verb --tun t0 --addr 198.18.0.2/24 --addr 198.18.1.2/24 \
        --addr fd00:5ac::2/64 --addr fd00:5ac::3/64 "${svc[@]}"
    refuses "$verb: --tun and --tap together" "one device only" $verb --tun t0 --tap t1 --addr 198.18.0.2/24 "${svc[@]}"
    refuses "$verb: no device" "--tun or --tap" $verb --addr 198.18.0.2/24 "${svc[@]}"
    refuses "$verb: --mac without --tap" "--mac goes with --tap" $verb --tun t0 --mac 02:00:00:00:00:01 \
        --addr 198.18.0.2/24 "${svc[@]}"
    refuses "$verb: a group MAC" "unicast MAC" $verb --tap t0 --mac 01:00:5e:00:00:01 --addr 198.18.0.2/24 "${svc[@]}"
    refuses "$verb: a short MAC" "unicast MAC" $verb --tap t0 --mac 02:00:00:00:01 --addr 198.18.0.2/24 "${svc[@]}"
    refuses "$verb: a device name of 16 characters" "device name" $verb --tap abcdefghijklmnop \
        --addr 198.18.0.2/24 "${svc[@]}"
done
refuses "connect: an IPv6 HOST with only an IPv4 --addr" "is IPv6 but no --addr is" \
    connect --tun t0 --addr 198.18.0.2/24 fd00:5ac::1 7
refuses "connect: [IPV6]:PORT with only an IPv4 --addr" "is IPv6 but no --addr is" \
    connect --tun t0 --addr 198.18.0.2/24 '[fd00:5ac::1]:7'
refuses "connect: a PORT after HOST:PORT" "unexpected argument" connect --tun t0 --addr 198.18.0.2/24 198.18.0.1:7 7
refuses "connect: an IPv4 address in brackets" "HOST must be" connect --tun t0 --addr 198.18.0.2/24 '[198.18.0.1]' 7
for verb in serve connect; do
    help=$("$SYNACK" $verb --help 2>&1)
    if grep -q -- '--tap NAME' <<<"$help" && grep -q 'fd00:5ac::2/64' <<<"$help"; then
        passed=$((passed + 1))
        echo "  ok:     $verb --help names --tap and an IPv6 --addr"
    else
        failed=$((failed + 1))
        echo "  FAILED: $verb --help names --tap and an IPv6 --addr"
    fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
