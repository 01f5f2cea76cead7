#!/usr/bin/env bash
# Reader benchmark (issue 4): the real stack (dev broker, three projectors, fleetledger-reader) with a
# seeded fleet (bench/reader_bench_seed: 200 clusters, a 100 x 100 edge scoring pool), then wrk
# against the reader and, in the same run, against nginx serving static files of the SAME byte size as
# each reader response. Prints per route:
#   RESULT route=<r> server=<reader|nginx> rps=<x> p50_ms=<x> p99_ms=<x> bytes=<n>
#   RATIO route=<r> reader_vs_nginx_static=<x>
# and, for the summary route, the headline line `RATIO reader_vs_nginx_static=<x>`; then the edge-score
# query over the 10,000-edge pool: one connection (per-request latency) and 64 connections.
#
# Usage: bench/reader_bench.sh [BUILD_DIR]   (default: build; needs BUILD_DIR/bin/{fleetledger-broker,
#        fleetledger-projector,fleetledger-reader,reader_bench_seed}, wrk and nginx on PATH or /usr/sbin)
# Env: DURATION (wrk seconds, default 10), THREADS (2), CONNECTIONS (64), KEEP_TMP=1 keeps the temp dir.
# Bounded: every wait has a deadline and every wrk a timeout; all started processes are stopped on exit.
set -euo pipefail

BUILD_DIR=${1:-build}
BIN="$(cd "$BUILD_DIR" && pwd)/bin"
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WRK=$(command -v wrk || true)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for b in fleetledger-broker fleetledger-projector fleetledger-reader reader_bench_seed; do
  [[ -x "$BIN/$b" ]] || { echo "reader_bench: missing $BIN/$b (build it first)" >&2; exit 2; }
done
[[ -n "$WRK" ]] || { echo "reader_bench: wrk not found (apt-get install wrk)" >&2; exit 2; }
[[ -x "$NGINX" ]] || { echo "reader_bench: nginx not found (apt-get install nginx-light)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/fleetledger-reader-bench.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[$i]}
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -f "$TMP/nginx/nginx.pid" ]]; then kill -TERM "$(cat "$TMP/nginx/nginx.pid")" 2>/dev/null || true; fi
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "reader_bench: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM

# Waits (bounded, $2 seconds) for a line in file $1 matching regex $3; prints the line.
wait_for_line() {
  local file=$1 seconds=$2 regex=$3 line
  for _ in $(seq 1 $((seconds * 10))); do
    if line=$(grep -m1 -E "$regex" "$file" 2>/dev/null); then echo "$line"; return 0; fi
    sleep 0.1
  done
  echo "reader_bench: timed out waiting for /$regex/ in $file" >&2
  return 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- the stack ---
mkdir -p "$TMP/data"
"$BIN/fleetledger-broker" --port 0 --partitions fleet.edge.v1=24 >"$TMP/broker.out" 2>"$TMP/broker.log" &
PIDS+=($!)
BOOTSTRAP=$(wait_for_line "$TMP/broker.out" 30 '"bootstrap"' | sed -E 's/.*"bootstrap":"([^"]+)".*/\1/')
for v in fleet marketplace edges; do
  "$BIN/fleetledger-projector" --view "$v" --brokers "$BOOTSTRAP" --data-dir "$TMP/data" 2>"$TMP/projector-$v.log" &
  PIDS+=($!)
done
for v in fleet marketplace edges; do
  for _ in $(seq 1 300); do [[ -f "$TMP/data/views/$v/CURRENT" ]] && break; sleep 0.1; done
done
"$BIN/fleetledger-reader" --data-dir "$TMP/data" --port 0 --listen 127.0.0.1 --brokers "$BOOTSTRAP" \
  --domain bench.test >"$TMP/reader.out" 2>"$TMP/reader.log" &
READER_PID=$!
PIDS+=($READER_PID)
LINE=$(wait_for_line "$TMP/reader.out" 30 '[0-9]')
PORT=$(echo "$LINE" | python3 -c 'import sys,json,re
l=sys.stdin.read()
try:
  p=json.loads(l).get("port")
except Exception:
  p=None
if not p:
  m=re.search(r"127\.0\.0\.1:([0-9]+)", l); p=m.group(1) if m else ""
print(p)')
[[ -n "$PORT" ]] || { echo "reader_bench: no port in reader line: $LINE" >&2; exit 1; }
READER="http://127.0.0.1:$PORT"

SEED_START=$(date +%s.%N)
SEED=$("$BIN/reader_bench_seed" --brokers "$BOOTSTRAP" --clusters 200 --pool-clusters 100 --pool-edges 100)
# Read-your-writes: every view has applied the seed (bounded wait per view).
for v in fleet marketplace edges; do
  MO=$(echo "$SEED" | python3 -c "import sys,json,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)['$v'], safe=''))")
  case $v in
    fleet) R="/v1/fleet/summary" ;;
    marketplace) R="/v1/tenants/t-pool/network" ;;
    edges) R="/v1/clusters/c-0000/edges" ;;
  esac
  code=0
  for _ in $(seq 1 6); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$READER$R?min_offsets=$MO&wait_ms=10000" || true)
    [[ "$code" == 200 ]] && break
    sleep 1
  done
  [[ "$code" == 200 ]] || { echo "reader_bench: view $v not caught up (HTTP $code)" >&2; tail -5 "$TMP/reader.log" >&2; exit 1; }
done
SEED_END=$(date +%s.%N)
echo "seeded $(echo "$SEED" | python3 -c 'import sys,json; print(json.load(sys.stdin)["events"])') events; views caught up in $(python3 -c "print(round($SEED_END-$SEED_START,2))") s"

# --- nginx with static files of the same sizes ---
NGINX_PORT=$(free_port)
mkdir -p "$TMP/nginx/www" "$TMP/nginx/tmp"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $TMP/nginx/tmp;
  proxy_temp_path $TMP/nginx/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP/nginx/www;
  }
}
EOF

declare -A ROUTES=(
  [summary]="/v1/fleet/summary"
  [cluster_detail]="/v1/clusters/c-0042"
)
ORDER=(summary cluster_detail)
for r in "${ORDER[@]}"; do
  curl -sf "$READER${ROUTES[$r]}" -o "$TMP/$r.reader.json" || { echo "reader_bench: GET ${ROUTES[$r]} failed" >&2; exit 1; }
  SIZE=$(stat -c %s "$TMP/$r.reader.json")
  head -c "$SIZE" /dev/zero | tr '\0' 'x' >"$TMP/nginx/www/$r.json"
done
# nginx workers may run as another user (nobody when started as root): make the files readable.
chmod 755 "$TMP" "$TMP/nginx" "$TMP/nginx/www"
chmod 644 "$TMP"/nginx/www/*.json
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx/stderr.log" &
PIDS+=($!)
code=0
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/summary.json" || true)
  [[ "$code" == 200 ]] && break
  sleep 0.1
done
[[ "$code" == 200 ]] || { echo "reader_bench: nginx does not serve the static files (HTTP $code)" >&2; cat "$TMP/nginx/error.log" >&2; exit 1; }

# Parses wrk --latency output: "rps p50_ms p99_ms".
parse_wrk() {
  python3 -c '
import re, sys
t = sys.stdin.read()
def ms(v):
    m = re.match(r"([0-9.]+)(us|ms|s|m)", v)
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == "us" else x if u == "ms" else x * 1000 if u == "s" else x * 60000
rps = re.search(r"Requests/sec:\s*([0-9.]+)", t).group(1)
p50 = ms(re.search(r"\s50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s*([0-9]+)", t)
errs = re.search(r"Socket errors:.*", t)
print(rps, round(p50, 3), round(p99, 3), non2xx.group(1) if non2xx else 0, "yes" if errs else "no")
'
}

# Runs wrk and prints a RESULT line; leaves rps/p50/p99 in WRK_RPS, WRK_P50, WRK_P99.
run_wrk() {  # url server route bytes [connections] [threads] [lua script]
  local url=$1 server=$2 route=$3 size=$4 conns=${5:-$CONNECTIONS} threads=${6:-$THREADS} script=${7:-} out non2xx errs
  local extra=()
  [[ -n "$script" ]] && extra=(-s "$script")
  out=$(timeout $((DURATION + 30)) "$WRK" -t"$threads" -c"$conns" -d"${DURATION}s" --latency "${extra[@]}" "$url")
  read -r WRK_RPS WRK_P50 WRK_P99 non2xx errs <<<"$(echo "$out" | parse_wrk)"
  echo "RESULT route=$route server=$server connections=$conns rps=$WRK_RPS p50_ms=$WRK_P50 p99_ms=$WRK_P99 bytes=$size non2xx=$non2xx socket_errors=$errs"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency; nginx serves static files of the same byte size"
HEADLINE=""
for r in "${ORDER[@]}"; do
  SIZE=$(stat -c %s "$TMP/$r.reader.json")
  run_wrk "$READER${ROUTES[$r]}" reader "$r" "$SIZE"
  R_RPS=$WRK_RPS
  run_wrk "http://127.0.0.1:$NGINX_PORT/$r.json" nginx "$r" "$(stat -c %s "$TMP/nginx/www/$r.json")"
  N_RPS=$WRK_RPS
  RATIO=$(python3 -c "print(round($R_RPS / $N_RPS, 3))")
  echo "RATIO route=$r reader_vs_nginx_static=$RATIO"
  [[ "$r" == summary ]] && HEADLINE=$RATIO
done
echo "RATIO reader_vs_nginx_static=$HEADLINE"

# --- edge scoring over the 10,000-edge pool (100 clusters x 100 edges) ---
SCORE="/v1/edges/score?tenant_id=t-pool&lat=48.85&lon=2.35&limit=10"
curl -sf "$READER$SCORE" -o "$TMP/score.json" || { echo "reader_bench: GET $SCORE failed" >&2; exit 1; }
python3 - "$TMP/score.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pool = d.get("clusters", [])
edges = sum(c.get("edges", 0) for c in pool)
print(f"edge score pool: {len(pool)} clusters, {edges} edges, {len(d.get('items', []))} ranked returned")
PY
# A different viewer position per request, so the reader's response cache never answers for the
# scoring (the same URL would be served from the cache after the first request).
cat >"$TMP/score.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  local lat = ((counter * 7919) % 17800 - 8900) / 100
  local lon = ((counter * 104729) % 35800 - 17900) / 100
  return wrk.format("GET", "/v1/edges/score?tenant_id=t-pool&lat=" .. lat .. "&lon=" .. lon .. "&limit=10")
end
LUA
SIZE_SCORE=$(stat -c %s "$TMP/score.json")
run_wrk "$READER$SCORE" reader edge_score "$SIZE_SCORE" 1 1 "$TMP/score.lua"
echo "EDGE_SCORE p99_ms=$WRK_P99 (one connection, a new viewer position per request: per-request latency) p50_ms=$WRK_P50 rps=$WRK_RPS"
run_wrk "$READER$SCORE" reader edge_score "$SIZE_SCORE" "$CONNECTIONS" "$THREADS" "$TMP/score.lua"
echo "EDGE_SCORE_LOADED p99_ms=$WRK_P99 (-c$CONNECTIONS, new viewer position per request) rps=$WRK_RPS"
run_wrk "$READER$SCORE" reader edge_score_same_url "$SIZE_SCORE" 1 1
echo "EDGE_SCORE_CACHED p99_ms=$WRK_P99 (one connection, the same URL: response cache) rps=$WRK_RPS"
echo "reader RSS $(grep VmRSS /proc/$READER_PID/status | awk '{print $2, $3}')"
