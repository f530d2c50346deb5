#!/bin/sh
# Sweep throughput: N synthetic images (variants of examples/demo-firmware.bin, each with a
# different trailer, so N distinct SHA-256s; written to a temporary folder, never committed),
# submitted to a fresh PostgreSQL database, worked by 1, 2 and 4 `baseline worker --drain`
# processes; prints images per second for each. Then the queue's own cost per job
# (`cargo bench -p baseline-register --bench queue`).
# Usage: scripts/bench-sweep.sh [N]   (default 2000; BASELINE_BENCH_POSTGRES names the server)
set -eu
cd "$(dirname "$0")/.."
n="${1:-2000}"
pg="${BASELINE_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
admin="${pg%/*}/postgres"
cargo build --quiet --release -p baseline-cli
bin="$(pwd)/target/release/baseline"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$n" <<'PY'
import sys, os
work, n = sys.argv[1], int(sys.argv[2])
demo = open("examples/demo-firmware.bin", "rb").read()
brands = ["Acme", "Bolt", "Calm", "Dusk", "Echo"]
with open(os.path.join(work, "m.jsonl"), "w") as m:
    for i in range(n):
        name = f"img{i:05}.bin"
        with open(os.path.join(work, name), "wb") as f:
            f.write(demo + f"variant {i}".encode())
        b = brands[i % len(brands)]
        m.write(f'{{"brand":"{b}","model":"M{i}","category":"camera","firmware":["{name}"]}}\n')
PY
echo "bench-sweep: $n images, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for k in 1 2 4; do
    db="baseline_bench_sweep_$$_$k"
    psql "$admin" -qtc "CREATE DATABASE $db" >/dev/null
    url="${pg%/*}/$db"
    "$bin" sweep submit "$work/m.jsonl" --database "$url" >"$work/id" 2>/dev/null
    start=$(date +%s.%N)
    pids=""
    i=0
    while [ "$i" -lt "$k" ]; do
        "$bin" worker --database "$url" --drain --name "bench-$i" 2>/dev/null &
        pids="$pids $!"
        i=$((i + 1))
    done
    for p in $pids; do wait "$p"; done
    end=$(date +%s.%N)
    "$bin" sweep status "$(cat "$work/id")" --database "$url" --format json >"$work/st.json"
    python3 - "$start" "$end" "$k" "$work/st.json" <<'PY'
import sys, json
s, e, k, st = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.load(open(sys.argv[4]))
secs = e - s
print(f"{k} worker process(es): {st['done']} done, {st['failed']} failed in {secs:.1f} s = {st['done']/secs:.1f} images/s")
PY
    psql "$admin" -qtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done
BASELINE_BENCH_POSTGRES="${pg%/*}/postgres" cargo bench --quiet -p baseline-register --bench queue
