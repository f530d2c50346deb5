#!/bin/sh
# The browser flow of `baseline serve` (tests/browser/flow.mjs) in Debian's headless Chromium
# with axe-core, on SQLite and on PostgreSQL. Installs chromium (apt-get) and the test's two
# npm packages (playwright-core, axe-core; no browser download) when missing.
# Screenshots and the axe results go to target/browser-artefacts/{sqlite,postgres}/.
# Usage: scripts/check-browser.sh   (BASELINE_TEST_POSTGRES overrides the PostgreSQL server)
set -eu
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1; then
    echo "check-browser: installing chromium" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
    echo "check-browser: installing nodejs and npm" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)
cargo build --quiet --release -p baseline-cli
bin="$(pwd)/target/release/baseline"
out="$(pwd)/target/browser-artefacts"
rm -rf "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

node tests/browser/flow.mjs "$bin" "$work/browser.db" "$out/sqlite"

pg="${BASELINE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
admin="${pg%/*}/postgres"
db=baseline_browser_$$
if psql "$admin" -qtc "CREATE DATABASE $db" >/dev/null 2>&1; then
    status=0
    node tests/browser/flow.mjs "$bin" "${pg%/*}/$db" "$out/postgres" || status=$?
    psql "$admin" -qtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    [ "$status" -eq 0 ] || exit "$status"
elif [ -n "${CI:-}" ]; then
    echo "check-browser: PostgreSQL not reachable at $admin (needed in CI)" >&2
    exit 1
else
    echo "check-browser: PostgreSQL not reachable; SQLite only" >&2
fi
echo "check-browser: ok (artefacts in $out)"
