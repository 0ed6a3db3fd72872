#!/usr/bin/env bash
# Drives `dredge-studio serve` on a free loopback port with wrk (keep-alive),
# POST /lift with the same text and with a unique text per request, and prints
# req/s and latency percentiles. Loopback only; stops by itself.
#   bench/serve_load.sh [build-dir] [seconds] [connections] [wrk threads]
set -euo pipefail
BUILD=${1:-build}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-16}
THREADS=${4:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 0; }

out=$(mktemp); scripts=$(mktemp -d)
"$BUILD/app/dredge-studio" serve --listen 127.0.0.1:0 --quiet > "$out" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$out" "$scripts"' EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$out")
[ -n "$url" ] || { echo "server did not start"; exit 1; }

cat > "$scripts/repeated.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"insight_text": "The wave ensemble fits the glitch at 50 percent."}'
LUA
cat > "$scripts/unique.lua" <<'LUA'
local counter = 0
local id = 0
setup = function(thread) id = id + 1; thread:set("tid", id) end
request = function()
  counter = counter + 1
  local body = string.format('{"insight_text": "insight %d from thread %d"}', counter, tid)
  return wrk.format("POST", "/lift", {["Content-Type"] = "application/json"}, body)
end
LUA

echo "server: $url, wrk: $THREADS threads, $CONNECTIONS connections, ${SECONDS_PER_RUN}s each"
for kind in repeated unique; do
    echo "== POST /lift, $kind text =="
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$scripts/$kind.lua" "$url/lift" |
        grep -E "Requests/sec|Latency|50%|75%|90%|99%|Non-2xx|Socket errors"
done
curl -s "$url/metrics" 2>/dev/null | grep -E "^dredge_insight_cache_(hits|misses|entries|evictions)" || true
