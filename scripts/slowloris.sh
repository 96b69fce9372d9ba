#!/usr/bin/env bash
# The slow-client reproduction of issue 14, item 1, against a release build of demo-app
# started with `ulimit -n 1024` (soft and hard) and its default limits:
#
#  1. the issue's own command, `(printf '<slow /token body>'; sleep 150) | nc 127.0.0.1 PORT`:
#     the server's side of the connection is gone within the body timeout;
#  2. 1,500 such connections from 127.0.0.2, held open, while a normal client on
#     127.0.0.1 sends GET /status/ (with a token, a new connection each time) every 10 ms;
#  3. the same with every connection the server closes reopened at once (a flood from
#     127.0.0.2 for the whole run).
#
# Prints the server's open-files limit, the normal client's latency percentiles with and
# without the attack, what happened to the slow connections, and whether the server
# logged any ERROR. Only loopback addresses are used; every step is bounded in time.
#
# Usage: scripts/slowloris.sh [SECONDS]   (default 20 per phase; needs python3, nc, ss)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_PHASE=${1:-20}
WORK=$(mktemp -d)
SERVER= NC= FEED= ATTACK=
trap 'kill $SERVER $NC $FEED $ATTACK 2>/dev/null || true; rm -rf "$WORK"' EXIT

cargo build --release -p demo-app --quiet
(
    ulimit -n 1024
    exec target/release/demo-app --port 0 >"$WORK/out" 2>"$WORK/err"
) &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/out")
[ -n "$PORT" ] || { cat "$WORK/err"; exit 1; }
echo "server: pid $SERVER, port $PORT, $(grep 'Max open files' /proc/$SERVER/limits | tr -s ' ')"
grep -E "open-files|limits" "$WORK/err" | sed 's/^[^ ]* *//'

established() {
    ss -Htn state established "( sport = :$PORT )" | wc -l
}

echo
echo "== 1. the issue's command (nc, sleep 150)"
mkfifo "$WORK/feed"
nc 127.0.0.1 "$PORT" <"$WORK/feed" >"$WORK/nc" &
NC=$!
( printf 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=j'; exec sleep 150 ) >"$WORK/feed" &
FEED=$!
sleep 1
echo "after 1 s: $(established) connection(s) established on the server's side"
START=$(date +%s.%N)
while [ "$(established)" -gt 0 ] && [ "$(echo "$(date +%s.%N) - $START < 30" | bc)" = 1 ]; do sleep 0.1; done
echo "closed by the server $(echo "$(date +%s.%N) - $START + 1" | bc | cut -c1-4) s after it was opened; nc read: $(head -1 "$WORK/nc")"
kill "$FEED" "$NC" 2>/dev/null || true

echo
echo "== baseline: /status/ from 127.0.0.1, no attack, ${SECONDS_PER_PHASE} s"
python3 scripts/slowloris.py measure --port "$PORT" --seconds "$SECONDS_PER_PHASE"

for mode in hold reconnect; do
    echo
    echo "== 2/3. 1500 slow bodies from 127.0.0.2 ($mode), /status/ from 127.0.0.1, ${SECONDS_PER_PHASE} s"
    flag=""
    [ "$mode" = reconnect ] && flag="--reconnect"
    python3 scripts/slowloris.py attack --port "$PORT" --connections 1500 \
        --seconds "$((SECONDS_PER_PHASE + 2))" $flag >"$WORK/attack" &
    ATTACK=$!
    # The server's open files, sampled every 100 ms while the attack lasts.
    ( while kill -0 "$ATTACK" 2>/dev/null; do ls /proc/$SERVER/fd | wc -l; sleep 0.1; done ) >"$WORK/fds" &
    sleep 1
    python3 scripts/slowloris.py measure --port "$PORT" --seconds "$SECONDS_PER_PHASE"
    wait "$ATTACK"
    ATTACK=
    cat "$WORK/attack"
    sleep 0.2
    echo "server: at most $(sort -n "$WORK/fds" | tail -1) open files during the attack (limit 1024), $(ls /proc/$SERVER/fd | wc -l) now"
done

echo
kill -0 "$SERVER" && echo "server still running"
echo "server log: $(wc -l <"$WORK/err") lines, $(grep -c ' ERROR ' "$WORK/err" || true) ERROR, $(grep -c 'per-address limit' "$WORK/err" || true) per-address-limit lines, $(grep -c 'status=408' "$WORK/err" || true) 408s"
