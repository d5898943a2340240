#!/usr/bin/env bash
# http_curl.sh SYNACK [quick] [ipv6] [tap] — curl in the kernel against
# `synack serve --http` over a TUN or TAP device, IPv4 or IPv6 (lib.sh):
#
#   - files of 0 B, 1 B, 1 MB and 100 MB arrive byte-exact (cmp), with the
#     right status and length; the 100 MB time and rate are printed;
#   - 200 sequential requests (a new connection each), all byte-exact;
#   - 50 concurrent requests for the 1 MB file, all byte-exact;
#   - HEAD gives the headers of GET and no body; a missing file gives 404;
#     "..", plain or percent-encoded, does not leave the served directory;
#   - two URLs in one curl invocation share one connection (keep-alive);
#   - IPv6 runs serve on both families (two --addr): a 1 MB file over
#     IPv4 from the same server, byte-exact;
#   - serve stops with status 0 on SIGTERM, and its capture passes
#     tshark's checks (lib.sh tshark_check: no warnings allowed here).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init http "$1" curl cmp tshark socat

www=$WORK/www
got=$WORK/got
mkdir -p "$www" "$got"
: >"$www/empty"
printf 'x' >"$www/one"
head -c 10240 /dev/urandom >"$www/10k"
head -c 1048576 /dev/urandom >"$www/1m"
head -c 104857600 /dev/urandom >"$www/100m"
url=http://$(url_host "$SYN_ADDR"):8080
dual=()
((INTEROP_IPV6)) && dual=(--addr "$SYN_ADDR4/24")

serve_start --http "8080:$www" "${dual[@]}" --pcap "$WORK/http.pcap" || interop_finish

log "files:"
for f in empty one 10k 1m 100m; do
    size=$(stat -c %s "$www/$f")
    out=$(in_ns curl -g -s --max-time 60 -o "$got/$f" -w '%{http_code} %{size_download} %{time_total} %{speed_download}' "$url/$f")
    read -r code bytes secs speed <<<"$out"
    check_eq "${code:-none} ${bytes:-0}" "200 $size" "GET /$f: status 200, $size bytes"
    check "GET /$f: byte-exact" cmp -s "$www/$f" "$got/$f"
    [[ $f == 100m ]] && log "  100 MB in ${secs}s: $(awk -v s="${speed:-0}" 'BEGIN { printf "%.0f", s * 8 / 1e6 }') Mbit/s"
done
rm -f "$got/100m"

log "200 sequential requests:"
t0=$(date +%s.%N)
bad=0
for ((i = 1; i <= 200; i++)); do
    code=$(in_ns curl -g -s --max-time 10 -o "$got/seq" -w '%{http_code}' "$url/10k")
    if [[ $code != 200 ]] || ! cmp -s "$www/10k" "$got/seq"; then
        bad=$((bad + 1))
        ((bad <= 3)) && log "          request $i: status $code"
    fi
    rm -f "$got/seq"
done
t1=$(date +%s.%N)
check_eq "$bad" 0 "200 sequential GET /10k (a connection each): all byte-exact"
log "  200 requests in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"

log "50 concurrent requests:"
mkdir -p "$got/par"
t0=$(date +%s.%N)
# xargs runs the 50 curls at once; each is bounded by --max-time, xargs by timeout.
seq 1 50 | in_ns timeout 90 xargs -P 50 -I{} curl -g -s --max-time 60 -o "$got/par/{}" "$url/1m"
rc=$?
t1=$(date +%s.%N)
check_eq "$rc" 0 "50 concurrent curls exit 0"
ok=0
for ((i = 1; i <= 50; i++)); do
    cmp -s "$www/1m" "$got/par/$i" && ok=$((ok + 1))
done
check_eq "$ok" 50 "50 concurrent GET /1m: all byte-exact"
log "  50 x 1 MB in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"
rm -rf "$got/par"

log "HEAD, 404, the served directory's bounds:"
printf 'HEAD /1m HTTP/1.1\r\nHost: synack\r\nConnection: close\r\n\r\n' |
    in_ns timeout 10 socat -t 5 - "$SOCAT_TCP:$(hostport "$SYN_ADDR" 8080)" >"$got/head.raw"
# "STATUS CONTENT-LENGTH BYTES-AFTER-THE-BLANK-LINE" from the raw reply.
head_summary=$(python3 - "$got/head.raw" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
end = d.find(b"\r\n\r\n")
head = d[:end].decode("latin-1") if end >= 0 else ""
status = head.split(" ")[1] if head.startswith("HTTP/1.") else "none"
m = re.search(r"(?im)^content-length:\s*(\d+)", head)
print(status, m.group(1) if m else "none", len(d) - end - 4 if end >= 0 else "none")
PY
)
check_eq "$head_summary" "200 1048576 0" "HEAD /1m: status 200, Content-Length 1048576, no body"
code=$(in_ns curl -g -s --max-time 10 -o /dev/null -w '%{http_code}' "$url/no-such-file")
check_eq "$code" 404 "GET /no-such-file: 404"
for path in "/../serve.log" "/%2e%2e/serve.log" "/..%2fserve.log"; do
    code=$(in_ns curl -g -s --path-as-is --max-time 10 -o /dev/null -w '%{http_code}' "$url$path")
    check "GET $path (outside the served directory): not 200 (got $code)" test "$code" != 200
done

log "keep-alive:"
conns=$(in_ns curl -g -s --max-time 30 -o "$got/ka1" -o "$got/ka2" -w '%{num_connects} ' "$url/1m" "$url/10k")
check_eq "$conns" "1 0 " "two URLs in one curl: the second reuses the connection (num_connects 1, 0)"
check "keep-alive: both bodies byte-exact" cmp -s "$www/1m" "$got/ka1"
check "keep-alive: second body byte-exact" cmp -s "$www/10k" "$got/ka2"

if ((INTEROP_IPV6)); then
    log "dual stack:"
    out=$(in_ns curl -g -s --max-time 30 -o "$got/v4" -w '%{http_code} %{remote_ip}' "http://$SYN_ADDR4:8080/1m")
    check_eq "$out" "200 $SYN_ADDR4" "GET /1m over IPv4 from the same server: status 200 from $SYN_ADDR4"
    check "GET /1m over IPv4: byte-exact" cmp -s "$www/1m" "$got/v4"
fi

serve_stop
log "  serve: $(tail -1 "$WORK/serve.log")"
tshark_check "$WORK/http.pcap" "http capture"
log "  $(tshark_count "$WORK/http.pcap" "tcp.analysis.retransmission && $IP_SRC == $SYN_ADDR") retransmissions by synack" \
    "(no loss on this path: tail loss probes sent before a busy receiver's ACK)"
interop_finish
