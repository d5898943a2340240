# shellcheck shell=bash
# wait.sh — bounded waits, sourced by tests/interop/lib.sh and
# bench/peers/linux.sh (beside which the build copies it).  Every loop
# polls every 50 ms and gives up after SECONDS.

# wait_exit PID SECONDS: waits for a background job; returns its exit
# status, or 124 after ending it (SIGTERM, SIGKILL half a second later)
# when it outlived SECONDS.
wait_exit() {
    local pid=$1 limit=$2 i
    for ((i = 0; i < limit * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        sleep 0.5
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 124
    fi
    wait "$pid"
}

# wait_file PATH SECONDS: until PATH exists.
wait_file() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        [[ -e $1 ]] && return 0
        sleep 0.05
    done
    return 1
}
