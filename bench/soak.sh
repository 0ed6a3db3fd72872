#!/usr/bin/env bash
# Soak (issue 7, not a test): `dredge-studio serve` on loopback takes REQUESTS
# POST /lift requests from wrk (half repeated, half unique texts, 1 in 20
# malformed) while two headless training runs go on. Reports errors (only the
# intended 400s may appear), req/s, p99 latency, and the server's RSS at start,
# middle and end plus its peak. Loopback only; bounded by count and time.
#   bench/soak.sh [build-dir] [requests] [max-seconds]
set -euo pipefail
BUILD=${1:-build}
REQUESTS=${2:-1000000}
MAX_SECONDS=${3:-600}
THREADS=1
CONNECTIONS=16
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 0; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$BUILD/app/dredge-studio" serve --listen 127.0.0.1:0 --quiet > "$work/serve.out" 2> "$work/serve.err" &
server=$!; pids+=("$server")
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$url" ] || { echo "server did not start"; cat "$work/serve.err"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
peak() { awk '/^VmHWM/ {print $2}' "/proc/$server/status"; }
rss_start=$(rss)

# Two trainings beside the server for the whole soak.
for seed in 1 2; do
    "$BUILD/app/dredge-studio" train --epochs 100000000 --seed $seed > /dev/null 2>&1 &
    pids+=("$!")
done

( while kill -0 "$server" 2>/dev/null; do echo "$(date +%s.%N) $(rss)"; sleep 0.5; done ) > "$work/rss.log" 2>/dev/null &
pids+=("$!")

cat > "$work/mix.lua" <<LUA
local sent = 0
local tid = 0
local count = 0
setup = function(thread) count = count + 1; thread:set("tid", count) end
request = function()
  sent = sent + 1
  local body
  if sent % 20 == 0 then
    body = '{"insight_text": "broken'            -- malformed JSON: 400 expected
  elseif sent % 2 == 0 then
    body = '{"insight_text": "the same insight, again and again"}'
  else
    body = string.format('{"insight_text": "unique insight %d of thread %d"}', sent, tid)
  end
  return wrk.format("POST", "/lift", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("p99 latency: %.0f us\n", latency:percentile(99)))
  io.write(string.format("socket errors: connect %d read %d write %d timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
LUA

echo "soak: $REQUESTS requests to $url/lift ($THREADS wrk thread, $CONNECTIONS connections), 2 trainings running"
lift_total() {
    curl -s "$url/metrics" | awk '/^dredge_insight_requests_total\{endpoint="\/lift"/ {s += $2} END {print s + 0}'
}
# wrk runs by time; the count bound is kept by watching the server's own
# counter and stopping wrk (SIGINT: it prints its figures) at REQUESTS.
start=$(date +%s.%N)
wrk -t$THREADS -c$CONNECTIONS -d"${MAX_SECONDS}s" --latency -s "$work/mix.lua" "$url/lift" > "$work/wrk.out" &
load=$!
while kill -0 "$load" 2>/dev/null; do
    [ "$(lift_total)" -ge "$REQUESTS" ] && kill -INT "$load" && break
    sleep 0.2
done
wait "$load" || true
end=$(date +%s.%N)
grep -E "Requests/sec|requests in|Non-2xx|p99|socket errors" "$work/wrk.out" || true
metrics=$(curl -s "$url/metrics")
served_ok=$(echo "$metrics" | sed -n 's/^dredge_insight_requests_total{endpoint="\/lift",status="200"} //p')
served_400=$(echo "$metrics" | sed -n 's/^dredge_insight_requests_total{endpoint="\/lift",status="400"} //p')
others=$(echo "$metrics" | awk '/^dredge_insight_requests_total/ && !/status="(200|400)"/ {s += $2} END {print s + 0}')
echo "served: ${served_ok:-0} ok, ${served_400:-0} intended 400s, ${others} other statuses (must be 0)"
middle=$(awk -v s="$start" -v e="$end" 'BEGIN {m=(s+e)/2} $1 >= m {print $2; exit}' "$work/rss.log")
echo "server RSS (KiB): start $rss_start, middle ${middle:-?}, end $(rss), peak $(peak)"
echo "$metrics" | grep -E '^dredge_insight_cache_(entries|bytes|evictions_total) ' || true
echo "trainings still running at the end: $(for p in "${pids[@]:1:2}"; do kill -0 "$p" 2>/dev/null && echo -n "yes "; done)"

