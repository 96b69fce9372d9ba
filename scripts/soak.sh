#!/usr/bin/env bash
# Soak and burst against the release demo (issue 14 item 6; figures in SECURITY.md):
# - soak: REQUESTS (1,000,000) `GET /users/me/items/` with a valid token at concurrency
#   CONCURRENCY (64); fails on any non-2xx answer or socket error, or when the server's
#   RSS grows by 5 % or more from the end of the first tenth of the run to its end;
# - burst: BURST (2,000) concurrent connections for BURST_SECONDS (10) on `/status/`, after
#   which the server must still answer a client on another loopback address.
# Needs wrk (Debian's `wrk`, installed when missing and apt is usable).
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-1000000}
CONCURRENCY=${CONCURRENCY:-64}
BURST=${BURST:-2000}
BURST_SECONDS=${BURST_SECONDS:-10}
KEY=09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7

if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
# wrk and the server each need a descriptor per connection.
ulimit -n "$(ulimit -Hn)"

cargo build -p demo-app --release --locked -q
work=$(mktemp -d)
trap 'kill "${server:-}" "${sampler:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

target/release/demo-app --port 0 --log-level warn --secret-key "$KEY" >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 100); do
    addr=$(sed -n 's/^demo-app listening on http:\/\/\(.*\)$/\1/p' "$work/out" | head -1)
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "${addr:-}" ] || { echo "the server did not start"; cat "$work/err"; exit 1; }
port=${addr##*:}

token=$(curl -sf -X POST "http://$addr/token" \
    -d 'grant_type=password&username=johndoe&password=secret&scope=me items' |
    sed 's/.*"access_token":"\([^"]*\)".*/\1/')
[ -n "$token" ] || { echo "no token"; exit 1; }

# RSS every half second while the soak runs.
(while kill -0 "$server" 2>/dev/null; do
    echo "$(date +%s.%N) $(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
    sleep 0.5
done) >"$work/rss" &
sampler=$!

echo "== soak: $REQUESTS requests at concurrency $CONCURRENCY"
# wrk runs for a duration: measure the rate for 5 s, then run long enough for REQUESTS
# (and a margin), and check that at least REQUESTS were answered.
wrk -t2 -c"$CONCURRENCY" -d5s --timeout 10s \
    -H "Authorization: Bearer $token" "http://$addr/users/me/items/" >"$work/calibrate"
rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$work/calibrate")
seconds=$(awk -v n="$REQUESTS" -v r="$rate" 'BEGIN { s = int(n / r * 1.2) + 1; print (s < 10 ? 10 : s) }')
start=$(date +%s.%N)
wrk -t2 -c"$CONCURRENCY" -d"${seconds}s" --timeout 10s \
    -H "Authorization: Bearer $token" "http://$addr/users/me/items/" | tee "$work/soak"
end=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true

done_requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/soak")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$work/soak")
socket=$(grep -c 'Socket errors' "$work/soak" || true)
rss=$(awk -v s="$start" -v e="$end" '
    { t[NR] = $1; r[NR] = $2 }
    END {
        tenth = s + (e - s) / 10
        for (i = 1; i <= NR; i++) if (t[i] >= tenth) { first = r[i]; break }
        for (i = NR; i >= 1; i--) if (r[i] != "") { last = r[i]; break }
        printf "%d %d %.2f", first, last, (last - first) * 100 / first
    }' "$work/rss")
read -r rss_first rss_last growth <<<"$rss"
echo "requests: $done_requests, non-2xx: ${non2xx:-0}, socket error lines: $socket"
echo "RSS: ${rss_first} KiB after the first tenth, ${rss_last} KiB at the end: ${growth} %"

fail=0
[ "${done_requests:-0}" -ge "$REQUESTS" ] || { echo "FAIL: fewer than $REQUESTS requests"; fail=1; }
[ "${non2xx:-0}" -eq 0 ] || { echo "FAIL: non-2xx answers"; fail=1; }
[ "$socket" -eq 0 ] || { echo "FAIL: socket errors"; fail=1; }
awk -v g="$growth" 'BEGIN { exit !(g < 5) }' || { echo "FAIL: RSS grew ${growth} %"; fail=1; }

echo "== burst: $BURST connections for ${BURST_SECONDS}s"
wrk -t2 -c"$BURST" -d"${BURST_SECONDS}s" --timeout 10s \
    -H "Authorization: Bearer $token" "http://$addr/status/" | tee "$work/burst" || true
kill -0 "$server" || { echo "FAIL: the server died in the burst"; exit 1; }
after=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.2 \
    -H "Authorization: Bearer $token" "http://127.0.0.1:$port/status/" || true)
echo "after the burst, /status/ from 127.0.0.2: $after"
[ "$after" = 200 ] || { echo "FAIL: the server stopped answering"; fail=1; }
if grep -q ' ERROR ' "$work/err"; then
    echo "FAIL: errors logged:"; grep ' ERROR ' "$work/err" | head; fail=1
fi
exit "$fail"
