#!/usr/bin/env bash
# Login floods against the release demo-app: 64 wrong-password clients from 127.0.0.1 while
# a correct login of another user (bob) from 127.0.0.2 is timed once a second.
# Goal (issue 14): every timed login answers 200 within 2 s.
#
#   scripts/login_flood.sh [seconds per scenario, default 20] [clients, default 64]
#
# Scenarios (each on a fresh server, default flags unless said):
#   spray      each flood request a new username (the per-username limit does not apply)
#   one-user   every flood request for johndoe
#   no-count   spray with the failure limits off (--login-failures-per-user/-ip 0):
#              only the per-address concurrency limit and the bounded bcrypt queue
#   off        spray with every limit off: what the throttle prevents (expect MISSED)
# Loopback aliases (127.0.0.2) need no setup on Linux.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-20}
CLIENTS=${2:-64}

cargo build --release -q -p demo-app --bin demo-app --example login_flood
SERVER=target/release/demo-app
CLIENT=target/release/examples/login_flood
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
run() {
    local name=$1 flood_user=$2
    shift 2
    "$SERVER" --port 0 "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
    local pid=$!
    local addr=""
    for _ in $(seq 100); do
        addr=$(sed -n 's/.*listening on http:\/\/\(.*\)/\1/p' "$LOGS/$name.out" | head -1)
        [ -n "$addr" ] && break
        sleep 0.1
    done
    echo
    echo "## $name: demo-app $* (flood user: ${flood_user:-a new one per request})"
    local user_args=()
    [ -n "$flood_user" ] && user_args=(--flood-user "$flood_user")
    "$CLIENT" --target "$addr" --clients "$CLIENTS" --seconds "$SECONDS_PER" "${user_args[@]}" \
        || { [ "$name" = off ] || status=1; }
    kill "$pid"
    wait "$pid" || true
    echo "server log: $(wc -l <"$LOGS/$name.err") lines; $(grep -c 'login refused' "$LOGS/$name.err" || true) 'login refused'"
}
run spray ""
run one-user johndoe
run no-count "" --login-failures-per-user 0 --login-failures-per-ip 0
run off "" --login-failures-per-user 0 --login-failures-per-ip 0 --login-concurrent-per-ip 0
exit $status
