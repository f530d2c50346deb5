#!/bin/sh
# The JSON API of `baseline serve` tested from its own OpenAPI document with schemathesis
# (from PyPI; installed when missing): every operation, generated valid and invalid inputs,
# every check (no server error, status codes, content types and bodies as documented, invalid
# data refused, authentication not ignored), on SQLite and on PostgreSQL.
# Usage: scripts/check-api.sh   (BASELINE_TEST_POSTGRES overrides the PostgreSQL server)
set -eu
cd "$(dirname "$0")/.."

if ! command -v schemathesis >/dev/null 2>&1; then
    echo "check-api: installing schemathesis" >&2
    python3 -m pip install --quiet "schemathesis==4.32.5"
fi
cargo build --quiet --release -p baseline-cli
bin="$(pwd)/target/release/baseline"
work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# run DATABASE NAME: serve the demo register at DATABASE and run schemathesis against it.
run() {
    "$bin" serve --demo --database "$1" --listen 127.0.0.1:0 --workers 0 \
        --allegations-per-minute 1000000 --api-per-minute 1000000 2>"$work/$2.log" &
    pid=$!
    i=0
    until grep -q "on http://" "$work/$2.log"; do
        i=$((i + 1))
        if [ "$i" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
            cat "$work/$2.log" >&2
            echo "check-api: the server did not start" >&2
            exit 1
        fi
        sleep 0.2
    done
    base=$(sed -n 's/.* on \(http:\/\/[0-9.:]*\)\/.*/\1/p' "$work/$2.log" | head -1)
    token=$(sed -n 's/.*officer API token (shown once): \(bl_[0-9a-f]*\).*/\1/p' "$work/$2.log")
    [ -n "$token" ] || { cat "$work/$2.log" >&2; echo "check-api: no demo token" >&2; exit 1; }
    status=0
    schemathesis run "$base/api/v1/openapi.json" --url "$base" \
        --header "Authorization: Bearer $token" \
        --checks all --max-examples 60 --workers 2 --seed 1 \
        >"$work/$2.st" 2>&1 || status=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    tail -n 25 "$work/$2.st"
    if [ "$status" -ne 0 ]; then
        cat "$work/$2.st" >&2
        echo "check-api: schemathesis failed on $2" >&2
        exit "$status"
    fi
}

run "$work/api.db" sqlite
pg="${BASELINE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
admin="${pg%/*}/postgres"
db=baseline_api_$$
if psql "$admin" -qtc "CREATE DATABASE $db" >/dev/null 2>&1; then
    status=0
    (run "${pg%/*}/$db" postgres) || status=$?
    psql "$admin" -qtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    [ "$status" -eq 0 ] || exit "$status"
elif [ -n "${CI:-}" ]; then
    echo "check-api: PostgreSQL not reachable at $admin (needed in CI)" >&2
    exit 1
else
    echo "check-api: PostgreSQL not reachable; SQLite only" >&2
fi
echo "check-api: ok"
