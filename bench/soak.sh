#!/usr/bin/env bash
# Soak of the whole app (not a test): the window (offscreen) with its insight
# server on loopback and its History panel in front, re-reading the store every
# 5 s, while
#   - wrk sends it REQUESTS POST /lift requests (half repeated, half unique
#     texts, 1 in 20 malformed: the only errors allowed are those 400s), and
#   - `dredge-studio sweep` trains a RUNS-run sweep on 2 jobs into the same store,
#   - an attacker (python3) interleaves, round after round: a chunked upload
#     far over the body limit, a 20 KiB head, a body declared over the limit
#     behind 6 KiB of headers, both framings at once, a slow head left
#     unfinished, and 300 idle connections held open (the cap is 256).
# Prints the server's figures, the window's RSS at start, after warm-up, in the
# middle, at the end and its peak, the sweep's outcome and whether every run
# reached the store, then a verdict line. Bounded by count and by time.
#   bench/soak.sh [build-dir] [requests] [max-seconds] [epochs-per-run]
# Needs wrk (Debian: wrk). Leaves nothing behind (a temporary store and settings).
set -euo pipefail
BUILD=${1:-build}
REQUESTS=${2:-1000000}
MAX_SECONDS=${3:-900}
EPOCHS=${4:-20000}
RUNS=40 # 5 learning rates x 8 seeds
JOBS=2
CONNECTIONS=16
STUDIO=$(realpath "$BUILD/app/dredge-studio")
command -v wrk >/dev/null || { echo "soak: wrk is not installed (apt-get install wrk)"; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" # not the user's settings
export DREDGE_STORE="sqlite:$work/runs.sqlite"
export QT_QPA_PLATFORM=offscreen
export QT_LOGGING_RULES="dredge.insight.requests=false" # a million log lines say nothing

# A free loopback port: the first one nothing answers on.
port=
for candidate in $(seq 38100 38199); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "soak: no free port in 38100-38199"; exit 1; }
url="http://127.0.0.1:$port"

"$STUDIO" --serve "$port" --panel history > "$work/window.out" 2> "$work/window.err" &
window=$!; pids+=("$window")
for _ in $(seq 300); do curl -sf "$url/health" > /dev/null && break; sleep 0.1; done
curl -sf "$url/health" > /dev/null || { echo "soak: the window's server did not start"; cat "$work/window.err"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$window/status"; }
peak() { awk '/^VmHWM/ {print $2}' "/proc/$window/status"; }
rss_start=$(rss)
( while kill -0 "$window" 2>/dev/null; do echo "$(date +%s.%N) $(rss)"; sleep 0.5; done ) > "$work/rss.log" 2>/dev/null &
pids+=("$!")

cat > "$work/sweep.json" <<JSON
{"format": "dredge-sweep", "version": 1, "name": "soak",
 "base": {"data": {"kind": "chirp"}, "model": {"kind": "wave-ensemble", "waves": 16},
          "train": {"epochs": $EPOCHS}},
 "axes": [{"setting": "lr", "range": {"from": 3e-4, "to": 3e-3, "points": 5, "scale": "log"}}],
 "seeds": {"from": 0, "to": 7}}
JSON
"$STUDIO" sweep "$work/sweep.json" --jobs $JOBS > "$work/sweep.out" 2> "$work/sweep.err" &
sweep=$!; pids+=("$sweep")

cat > "$work/mix.lua" <<'LUA'
local sent = 0
request = function()
  sent = sent + 1
  local body
  if sent % 20 == 0 then
    body = '{"insight_text": "broken'            -- malformed JSON: 400 expected
  elseif sent % 2 == 0 then
    body = '{"insight_text": "the same insight, again and again"}'
  else
    body = string.format('{"insight_text": "unique insight %d"}', sent)
  end
  return wrk.format("POST", "/lift", {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("p99 latency: %.0f us\n", latency:percentile(99)))
  io.write(string.format("socket errors: connect %d read %d write %d timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
LUA

cat > "$work/attack.py" <<'PY'
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
counts = {}
def answer(sock):
    sock.settimeout(15)
    try:
        data = sock.recv(200)
        return data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else "none"
    except Exception:
        return "reset"
def attack(name, head, body=b"", body_rounds=0):
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(head)
        for _ in range(body_rounds):
            sock.sendall(body)
    except OSError:
        pass # cut off: the answer was sent first
    status = answer(sock)
    counts[name + " " + status] = counts.get(name + " " + status, 0) + 1
    sock.close()
post = b"POST /lift HTTP/1.1\r\nHost: x\r\n"
end = time.time() + seconds
rounds = 0
try:
    while time.time() < end and rounds < 100000:
        rounds += 1
        attack("chunked", post + b"Transfer-Encoding: chunked\r\n\r\n",
               b"10000\r\n" + b"x" * 65536 + b"\r\n", 64)
        attack("long head", post + b"X-Pad: " + b"a" * 20000 + b"\r\n\r\n")
        attack("padded length", post + b"X-Pad: " + b"a" * 6000 + b"\r\nContent-Length: 999999999\r\n\r\n")
        attack("both framings", post + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
        if rounds % 10 == 1:
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
            attack("slow head", b"GET /health HTTP/1.1\r\nX-Slow: ")
            for sock in held:
                sock.close()
except KeyboardInterrupt:
    pass # the load ended: say what was done
print("attacks:", rounds, "rounds;", ", ".join("%s: %d" % kv for kv in sorted(counts.items())))
PY
python3 "$work/attack.py" "$port" "$MAX_SECONDS" > "$work/attack.out" 2>&1 &
attacker=$!; pids+=("$attacker")

echo "soak: $REQUESTS requests to the window's $url/lift ($CONNECTIONS connections), History in front,"
echo "      a $RUNS-run sweep ($EPOCHS epochs each) on $JOBS jobs into $DREDGE_STORE"
lift_total() {
    curl -s "$url/metrics" | awk '/^dredge_insight_requests_total\{endpoint="\/lift"/ {s += $2} END {print s + 0}'
}
start=$(date +%s.%N)
# wrk runs by time; the count bound is kept by watching the server's own
# counter and stopping wrk (SIGINT: it prints its figures) at REQUESTS.
wrk -t1 -c$CONNECTIONS -d"${MAX_SECONDS}s" --latency -s "$work/mix.lua" "$url/lift" > "$work/wrk.out" &
load=$!
while kill -0 "$load" 2>/dev/null; do
    [ "$(lift_total)" -ge "$REQUESTS" ] && kill -INT "$load" && break
    sleep 0.2
done
wait "$load" || true
kill -INT "$attacker" 2>/dev/null || true
wait "$attacker" 2>/dev/null || true
end=$(date +%s.%N)

# The sweep goes on to its end (bounded by the same time limit).
deadline=$(( $(date +%s) + MAX_SECONDS ))
while kill -0 "$sweep" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
kill "$sweep" 2>/dev/null || true # past the time limit: counts as a failure below
sweep_status=0
wait "$sweep" || sweep_status=$?
sleep 6 # one more History refresh (every 5 s) over the finished store
sweep_end=$(date +%s.%N)

grep -E "Requests/sec|requests in|Non-2xx|p99|socket errors" "$work/wrk.out" || true
metrics=$(curl -s "$url/metrics")
served_ok=$(echo "$metrics" | sed -n 's/^dredge_insight_requests_total{endpoint="\/lift",status="200"} //p')
served_400=$(echo "$metrics" | sed -n 's/^dredge_insight_requests_total{endpoint="\/lift",status="400"} //p')
# The attacker's answers (408, 413, 431 and its 400s) are its own; any other
# status is a failure.
others=$(echo "$metrics" | awk '/^dredge_insight_requests_total/ && !/status="(200|400|408|413|431)"/ && !/endpoint="\/metrics"/ {s += $2} END {print s + 0}')
echo "served: ${served_ok:-0} ok, ${served_400:-0} 400s (intended), $others other statuses (must be 0)"
cat "$work/attack.out"

# RSS: warm-up is the first tenth of the load; flat means the end is within
# 10 % of the warmed-up figure.
at() { awk -v t="$1" '$1 >= t {print $2; exit}' "$work/rss.log"; }
warm=$(at "$(echo "$start + ($end - $start) / 10" | bc -l)")
middle=$(at "$(echo "($start + $sweep_end) / 2" | bc -l)")
rss_end=$(rss)
growth=$(printf "%.2f" "$(echo "100 * ($rss_end - $warm) / $warm" | bc -l)")
echo "window RSS (KiB): start $rss_start, warmed up $warm, middle $middle, end $rss_end, peak $(peak); after warm-up ${growth} %"

finished=$("$STUDIO" runs list --json | grep -o '"status": *"finished"' | wc -l)
listed=$("$STUDIO" runs list --json | grep -o '"id":' | wc -l)
echo "sweep: exit $sweep_status, $finished of $RUNS runs finished in the store ($listed stored), $(printf '%.0f' "$(echo "$sweep_end - $start" | bc -l)") s in all"
window_errors=$(grep -ciE "warning|error|critical" "$work/window.err" || true)
echo "window: $window_errors warning or error lines on stderr"
[ "$window_errors" -eq 0 ] || head -5 "$work/window.err"

ok=true
[ "$others" -eq 0 ] || ok=false
[ "$(lift_total)" -ge "$REQUESTS" ] || ok=false
[ "$sweep_status" -eq 0 ] && [ "$finished" -eq "$RUNS" ] && [ "$listed" -eq "$RUNS" ] || ok=false
[ "$window_errors" -eq 0 ] || ok=false
[ "$(echo "$growth <= 10" | bc -l)" -eq 1 ] || ok=false
kill -0 "$window" 2>/dev/null || ok=false
echo "soak: $($ok && echo PASS || echo FAIL): RSS after warm-up ${growth} %, $others unexpected statuses, $finished/$RUNS runs stored"
$ok
