#!/usr/bin/env bash
# Fuzz campaign: builds every target once, then runs each in turn (single job, nice 19) and
# prints a table: target, execs, final cov/ft, time of the last new coverage, findings.
#
#   fuzz/campaign.sh [SECONDS_PER_TARGET] [TARGET...]     (default 90 s, every target)
#   FUZZ_FLAGS="-max_len=65536" fuzz/campaign.sh …          (extra libFuzzer flags)
#   FUZZ_TIMEOUT=10 fuzz/campaign.sh …                      (per-input limit, default 60 s)
#   FUZZ_NICE=0 fuzz/campaign.sh …                          (priority, default nice 19)
#
# The per-input limit is wall time. At nice 19 on a busy machine a fuzzer gets a sliver of a
# core, and an input that takes 0.2 s of CPU was reported as a 10 s timeout (campaign 3:
# 0.13 s on replay); 60 s keeps such starvation from stopping a target, and every timeout
# found is replayed at normal priority before it counts (see docs/unpack.md "Fuzzing").
#
# Seeds come from fuzz/corpus/<target>/ (build them with fuzz/seeds.py; git-ignored), and
# libFuzzer adds what it finds there. Findings go to fuzz/artifacts/<target>/, logs to
# fuzz/logs/<target>.log. libFuzzer stops a target at its first crash/timeout/OOM: fix it,
# keep it in crates/unpack/tests/fuzz_regressions.rs, rerun. "plateau" = no new coverage
# in the last third of the target's time (our practical "stopped finding things").
set -uo pipefail
secs=${1:-90}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
RUSTC_BOOTSTRAP=1 cargo fuzz build >&2 || exit 1
bindir=fuzz/target/x86_64-unknown-linux-gnu/release
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list); fi
mkdir -p fuzz/logs
printf '| target | secs | execs | cov | ft | last new cov (s) | plateau | findings |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/logs/$t.log"
    start=$(date +%s)
    # Every libFuzzer line is prefixed with the seconds since the target started.
    nice -n "${FUZZ_NICE:-19}" "$bindir/$t" "fuzz/corpus/$t" -max_total_time="$secs" -rss_limit_mb=2048 \
        -timeout="${FUZZ_TIMEOUT:-60}" -print_final_stats=1 ${FUZZ_FLAGS:-} \
        -artifact_prefix="fuzz/artifacts/$t/" 2>&1 |
        while IFS= read -r line; do printf '%s %s\n' "$(($(date +%s) - start))" "$line"; done >"$log"
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    last=$(grep -E ' cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    lastnew=$(grep -E '^[0-9]+ #[0-9]+[[:space:]]+NEW ' "$log" | tail -1 | cut -d' ' -f1)
    elapsed=$(($(date +%s) - start))
    if ! grep -q 'INITED' "$log"; then
        lastnew=-; plateau="no (seeds not all run)"
    elif [ -z "$lastnew" ]; then
        lastnew=-; plateau=yes
    elif [ "$((lastnew * 3))" -le "$((elapsed * 2))" ]; then plateau=yes; else plateau=no; fi
    findings=$(find "fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newermt "@$start" -printf '%f ' 2>/dev/null)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$elapsed" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "$lastnew" "$plateau" "${findings:-none}"
done
