#!/usr/bin/env bash
# Load figures for `baseline serve` (docs/serve.md "Measured"): requests/s and latency of the
# case list (GET /api/v1/cases with a token) and of filing allegations (POST
# /api/v1/allegations) at 64 connections, on SQLite and PostgreSQL; then the same POST load
# with the server killed (SIGKILL) halfway and restarted, comparing the allegations
# acknowledged (201 seen by the load generator) with those stored.
#
# Usage: scripts/bench-serve.sh [SECONDS]   (needs wrk; BASELINE_BENCH_POSTGRES=postgres://…
# adds the PostgreSQL run; the database named there is dropped and re-created)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 2; }
cargo build --release -q -p baseline-cli
bin="$PWD/target/release/baseline"
work="$(mktemp -d)"
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18181

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"brand":"Bench","model":"B-1","description":"admin/admin on every unit"}'
created = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() created = 0 end
function response(status, headers, body) if status == 201 then created = created + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write(string.format("acknowledged %d\n", total))
end
LUA

start() { # database
  "$bin" serve --database "$1" --listen "127.0.0.1:$port" --allegations-per-minute 100000000 \
    --api-per-minute 100000000 >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$work/serve.log"; exit 1
}

stored() { "$bin" case allegation list --database "$1" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

run() { # label database
  local label="$1" db="$2"
  "$bin" register init --database "$db" --key "$work/k" >/dev/null
  for i in $(seq 200); do "$bin" case open --database "$db" --key "$work/k" --title "bench $i" >/dev/null; done
  token="$("$bin" token create --database "$db" --key "$work/k" --role officer --expires 1d 2>/dev/null)"
  start "$db"
  echo "== $label: GET /api/v1/cases?limit=50, 64 connections, ${secs}s"
  wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/cases?limit=50" | grep -E "Requests/sec|99%|Latency  "
  before="$(stored "$db")"
  echo "== $label: POST /api/v1/allegations, 64 connections, ${secs}s"
  wrk -t2 -c64 -d"${secs}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/allegations" \
    | tee "$work/wrk.txt" | grep -E "Requests/sec|99%|acknowledged|Non-2xx"
  ack="$(awk '/acknowledged/ {print $2}' "$work/wrk.txt")"
  after="$(stored "$db")"
  echo "$label: acknowledged $ack, stored $((after - before))"
  echo "== $label: the same, server killed with SIGKILL halfway, then restarted"
  before="$after"
  wrk -t2 -c64 -d"${secs}s" -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/allegations" >"$work/wrk.txt" 2>&1 &
  load=$!
  sleep "$(echo "$secs / 2" | bc -l)"
  kill -9 "$server"; wait "$server" 2>/dev/null || true
  wait "$load" || true
  ack="$(awk '/acknowledged/ {print $2}' "$work/wrk.txt")"
  start "$db"
  after="$(stored "$db")"
  echo "$label: acknowledged before the kill $ack, stored after the restart $((after - before)) (stored - acknowledged = in flight when killed: committed, answer not received)"
  kill "$server"; wait "$server" 2>/dev/null || true
}

run sqlite "$work/bench.db"
if [ -n "${BASELINE_BENCH_POSTGRES:-}" ]; then
  admin="${BASELINE_BENCH_POSTGRES%/*}/postgres"
  psql "$admin" -qc "DROP DATABASE IF EXISTS baseline_bench_serve WITH (FORCE)" -c "CREATE DATABASE baseline_bench_serve" >/dev/null
  run postgres "${BASELINE_BENCH_POSTGRES%/*}/baseline_bench_serve"
fi
