#!/usr/bin/env bash
# Soak of POST /predict (not a test): `dredge-studio serve` over a store with a
# trained chirp run and a SIREN run, while a client (python3, 4 keep-alive
# connections) sends for SECONDS: batches of 1 to 1,000 points at random kept
# epochs (61 of its kept frames, more than the --model-cache of 16, so models are loaded,
# evicted and loaded again), INT8 requests, GET /runs views, and 1 in 10
# requests wrong on purpose (unknown run, bad shape, an epoch past the end,
# too many points). Prints the server's counters and its RSS at start, at each
# quarter and at the end, then a verdict: RSS flat (the end within 10 % of the
# first quarter: models loaded and evicted all the time leave the allocator's
# free lists settling for a minute or two, then RSS stays put) and no status
# but those expected.
#   bench/soak_predict.sh [build-dir] [seconds]
set -euo pipefail
BUILD=${1:-build}
SECONDS_TOTAL=${2:-300}
STUDIO=$(realpath "$BUILD/app/dredge-studio")
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export DREDGE_STORE="sqlite:$work/runs.sqlite"
"$STUDIO" train --epochs 600 > "$work/ensemble.json"
"$STUDIO" train --epochs 200 --model siren --hidden 64 > "$work/siren.json"
ensemble=$(python3 -c "import json;print(json.load(open('$work/ensemble.json'))['run_id'])")
siren=$(python3 -c "import json;print(json.load(open('$work/siren.json'))['run_id'])")

"$STUDIO" serve --listen 127.0.0.1:0 --quiet --model-cache 16 --max-points 1000 > "$work/serve.out" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
port=${url##*:}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
rss_start=$(rss)
( while kill -0 "$server" 2>/dev/null; do echo "$(date +%s.%N) $(rss)"; sleep 0.5; done ) > "$work/rss.log" &

cat > "$work/client.py" <<'PY'
import http.client, json, random, sys, threading, time
port, seconds, ensemble, siren = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
counts, lock = {}, threading.Lock()
def body(rng):
    kind = rng.randrange(10)
    n = rng.randint(1, 1000)
    if kind == 0:  # wrong on purpose
        return rng.choice([
            {"run": "abcdef0123", "points": [[0.5]]},
            {"run": ensemble, "points": [[0.5, 1.0]]},
            {"run": ensemble, "epoch": 100000, "points": [[0.5]]},
            {"run": ensemble, "points": [[0.1]] * 1001}])
    if kind == 1:
        return {"run": siren, "points": [[rng.uniform(-10, 10)] for _ in range(n)], "int8": True}
    return {"run": ensemble[:8], "epoch": 10 * rng.randrange(61),
            "points": [[rng.uniform(-10, 10)] for _ in range(n)]}
def worker(seed):
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port)
    end = time.time() + seconds
    while time.time() < end:
        if rng.randrange(50) == 0:
            connection.request("GET", rng.choice(["/runs", "/runs/" + ensemble, "/runs/" + siren + "/losses?from=5&to=50"]))
        else:
            connection.request("POST", "/predict", json.dumps(body(rng)), {"Content-Type": "application/json"})
        status = connection.getresponse()
        status.read()
        with lock:
            counts[status.status] = counts.get(status.status, 0) + 1
threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("client:", ", ".join("%d: %d" % kv for kv in sorted(counts.items())))
PY
start=$(date +%s.%N)
python3 "$work/client.py" "$port" "$SECONDS_TOTAL" "$ensemble" "$siren"
end=$(date +%s.%N)
curl -s "$url/metrics" | grep -E '^dredge_insight_(requests_total\{endpoint="/(predict|runs)|predicted_points|model_cache)'
at() { awk -v t="$1" '$1 >= t {print $2; exit}' "$work/rss.log"; }
warm=$(at "$(echo "$start + ($end - $start) / 4" | bc -l)")
middle=$(at "$(echo "($start + $end) / 2" | bc -l)")
quarters=$(for q in 1 2 3; do at "$(echo "$start + $q * ($end - $start) / 4" | bc -l)"; done | tr '\n' ' ')
rss_end=$(rss)
growth=$(printf "%.2f" "$(echo "100 * ($rss_end - $warm) / $warm" | bc -l)")
echo "server RSS (KiB): start $rss_start, first quarter $warm, middle $middle, end $rss_end; since the first quarter ${growth} %"
echo "server RSS at each quarter (KiB): $quarters$rss_end"
others=$(curl -s "$url/metrics" | awk '/^dredge_insight_requests_total/ && !/status="(200|400|404|413)"/ {s += $2} END {print s + 0}')
ok=true
[ "$others" -eq 0 ] || ok=false
[ "$(echo "$growth <= 10" | bc -l)" -eq 1 ] || ok=false
echo "soak: $($ok && echo PASS || echo FAIL): RSS since the first quarter ${growth} %, $others unexpected statuses"
$ok
