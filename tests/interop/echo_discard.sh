#!/usr/bin/env bash
# echo_discard.sh SYNACK [ipv6] [tap] — kernel clients against synack's
# echo (RFC 862), discard (RFC 863) and chargen (RFC 864), over TUN or TAP,
# IPv4 or IPv6 (lib.sh):
#
#   - echo: 10 MB of the test pattern sent while reading, then a half-close
#     (shutdown SHUT_WR); the same 10 MB come back, then end of stream;
#   - discard: 10 MB then a half-close; nothing comes back, and synack
#     closes (end of stream) once it has read the client's FIN;
#   - the same two with socat (which half-closes at the end of its input);
#   - chargen: 1 MB of 72-character lines, each the previous one rotated
#     by a character; the client then goes away.
#
# The capture must pass tshark's checks.  The chargen client is closed
# with data unread, so the *kernel* resets that connection: the
# "Connection reset" warning is allowed, and the capture must show that
# synack reset no connection before both FINs (lib.sh resets_before_close).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init echo "$1" socat cmp tshark

mb10=10485760
tshark_self_test
serve_start --echo 7 --discard 9 --chargen 19 --pcap "$WORK/echo.pcap" || interop_finish

log "echo and discard with python (precise half-close):"
out=$(in_ns timeout 90 python3 "$PEER" echo --connect "$(hostport "$SYN_ADDR" 7)" --bytes $mb10 --timeout 80)
check "echo: 10 MB out, half-close, the same 10 MB back, then EOF ($out)" test "$(json_field ok "$out")" = true
out=$(in_ns timeout 90 python3 "$PEER" discard --connect "$(hostport "$SYN_ADDR" 9)" --bytes $mb10 --timeout 80)
check "discard: 10 MB out, half-close, nothing back, then EOF ($out)" test "$(json_field ok "$out")" = true

log "echo and discard with socat:"
head -c $mb10 /dev/urandom >"$WORK/in"
# -t 30: after stdin's end socat half-closes and waits up to 30 s for the echo to end.
in_ns timeout 60 socat -b 65536 -t 30 - "$SOCAT_TCP:$(hostport "$SYN_ADDR" 7)" <"$WORK/in" >"$WORK/echo.out"
check_eq "$?" 0 "socat to echo exits 0"
check "socat to echo: 10 MB back byte-exact" cmp -s "$WORK/in" "$WORK/echo.out"
in_ns timeout 60 socat -b 65536 -t 30 - "$SOCAT_TCP:$(hostport "$SYN_ADDR" 9)" <"$WORK/in" >"$WORK/discard.out"
check_eq "$?" 0 "socat to discard exits 0"
check_eq "$(stat -c %s "$WORK/discard.out")" 0 "socat to discard: nothing back"

log "chargen:"
in_ns timeout 20 socat -u "$SOCAT_TCP:$(hostport "$SYN_ADDR" 19)" - 2>/dev/null | head -c 1048576 >"$WORK/chargen.out"
verdict=$(python3 - "$WORK/chargen.out" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
lines = d.split(b"\r\n")[:-1]       # the last piece may be cut short
bad = [i for i, l in enumerate(lines) if len(l) != 72 or any(c < 32 or c > 126 for c in l)]
rot = [i for i in range(1, len(lines)) if lines[i][:-1] != lines[i - 1][1:]]
print(f"{len(d)} bytes, {len(lines)} lines, {len(bad)} malformed, {len(rot)} not rotated")
PY
)
check_eq "$verdict" "1048576 bytes, 14169 lines, 0 malformed, 0 not rotated" "chargen: 1 MB of rotating 72-character lines"

serve_stop
log "  serve: $(tail -1 "$WORK/serve.log")"
tshark_check "$WORK/echo.pcap" "echo capture" 'Connection reset'
check_eq "$(resets_before_close "$WORK/echo.pcap")" 0 "no reset from synack before a connection was closed"
interop_finish
