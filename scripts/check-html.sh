#!/bin/sh
# Render the demo assessment as HTML and check it in a real headless browser (Debian's
# chromium): the page loads without network, and the DOM holds the expected content.
# Installs chromium with apt-get when it is missing (CI runners are Debian/Ubuntu).
# Usage: scripts/check-html.sh [REPORT.html]   (default: builds the demo report)
set -eu
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "check-html: installing chromium" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report=${1:-}
if [ -z "$report" ]; then
    report="$work/demo-report.html"
    cargo run --quiet --release -- assess examples/demo-firmware.bin \
        --product examples/demo-product.toml --answers examples/demo-answers.toml \
        --format html -o "$report" --fail-on never
fi

chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$work/profile" --dump-dom "file://$(realpath "$report")" \
    > "$work/dom.html" 2>"$work/chromium.log" || {
    cat "$work/chromium.log" >&2
    exit 1
}

fail=0
expect() {
    if ! grep -qF -- "$1" "$work/dom.html"; then
        echo "check-html: missing from the rendered DOM: $1" >&2
        fail=1
    fi
}
expect "<h1>Baseline assessment:"
expect "Summary per scheme"
expect "<svg role=\"img\""
expect "<details><summary><code>psti:sch1-p1</code>"
expect "<code>en303645:5.1-1</code>"
expect "id=\"CRED-001\""
expect "EN 303 645 conditions"
expect "Components ("
if [ -z "${1:-}" ]; then
    expect "demo-firmware.bin!/etc/shadow"
fi
if grep -Eq '(src|href)="https?://' "$work/dom.html"; then
    echo "check-html: the page references the network" >&2
    fail=1
fi
[ "$fail" -eq 0 ] && echo "check-html: ok ($report)"
exit "$fail"
