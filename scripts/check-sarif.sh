#!/bin/sh
# Every corpus file that `baseline assess` reads (firmware images, key material, init
# systems, credential files) assessed with `--format sarif`, and every SARIF file
# validated against the official SARIF 2.1.0 JSON Schema (../shared/schemas/sarif) with Python's
# jsonschema (installed from PyPI when missing). Prints the files, results and distinct rule
# ids (finding codes) covered. Fails on any invalid file or any assessment that cannot run.
# Usage: scripts/check-sarif.sh   (BASELINE_CORPUS and BASELINE_SCHEMAS override the paths)
set -eu
cd "$(dirname "$0")/.."
corpus="${BASELINE_CORPUS:-$(pwd)/../shared/corpus}"
schema="${BASELINE_SCHEMAS:-$(pwd)/../shared/schemas}/sarif/sarif-schema-2.1.0.json"
if [ ! -d "$corpus/firmware" ] || [ ! -f "$schema" ]; then
    if [ -n "${CI:-}" ]; then
        echo "check-sarif: corpus or schema not found ($corpus, $schema)" >&2
        exit 1
    fi
    echo "check-sarif: corpus or schema not found; skipped"
    exit 0
fi
if ! python3 -c "import jsonschema" 2>/dev/null; then
    echo "check-sarif: installing jsonschema" >&2
    python3 -m pip install --quiet "jsonschema==4.26.0"
fi
cargo build --quiet --release -p baseline-cli
bin="$(pwd)/target/release/baseline"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
find "$corpus/firmware" "$corpus/keys" "$corpus/init-systems" "$corpus/credentials" -type f \
    ! -name '*.md' ! -name '*.txt' | sort >"$out/list"
while IFS= read -r f; do
    i=$((i + 1))
    status=0
    "$bin" assess "$f" --format sarif -o "$out/$i.sarif" --fail-on never >/dev/null 2>"$out/$i.err" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "check-sarif: baseline assess failed on $f:" >&2
        cat "$out/$i.err" >&2
        exit 1
    fi
done <"$out/list"
python3 - "$schema" "$out" <<'PY'
import json, sys, os, glob
import jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft4Validator(schema)
files = sorted(glob.glob(os.path.join(sys.argv[2], "*.sarif")), key=lambda p: int(os.path.basename(p).split(".")[0]))
names = open(os.path.join(sys.argv[2], "list")).read().splitlines()
bad, results, rules = 0, 0, set()
for p in files:
    doc = json.load(open(p))
    errors = list(validator.iter_errors(doc))
    n = int(os.path.basename(p).split(".")[0])
    if errors:
        bad += 1
        e = errors[0]
        print(f"check-sarif: {names[n-1]}: {len(errors)} schema errors; first at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}", file=sys.stderr)
    for run in doc.get("runs", []):
        for r in run.get("results", []):
            results += 1
            rules.add(r.get("ruleId"))
print(f"check-sarif: {len(files)} files, {results} results, {len(rules)} finding codes: {', '.join(sorted(x for x in rules if x))}")
sys.exit(1 if bad else 0)
PY
echo "check-sarif: ok"
