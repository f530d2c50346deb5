#!/usr/bin/env bash
# Benchmark: `baseline unpack` (release) against binwalk v3 (`binwalk -e -M`) and unsquashfs
# on the same images, side by side: median wall time of N runs (hyperfine when installed,
# else a plain loop) and peak resident memory (/usr/bin/time -v, one extra run each).
#
# Usage: bench/unpack.sh [-n RUNS] [IMAGE...]
#   default images: the TP-Link TL-WR841N image and the two camera root file systems of the
#   corpus. Every tool extracts into a fresh temporary directory each run (the extraction is
#   what is measured, including writing files). unsquashfs runs on the squashfs at its offset
#   when the image is not a bare squashfs (first `hsqs` superblock magic).
#
# Rows: `baseline unpack -o` (extraction to disk), `baseline assess` (the whole assessment:
# unpack in memory, every analyser, the bundled dictionary, verdicts, JSON report; issue 7's
# comparison), binwalk v3 `-e -M`, and unsquashfs on the squashfs alone.
#
# Peers: binwalk v3 is `cargo install binwalk`; it extracts squashfs by running `sasquatch`.
# sasquatch (a GPL fork of unsquashfs with vendor-LZMA patches) is not packaged, so when it is
# missing this script puts a `sasquatch` shim that runs Debian's `unsquashfs` first on PATH:
# on images whose squashfs stock unsquashfs reads (the TL-WR841N's: LZMA with standard
# headers; check the "files" column, binwalk's count includes the squashfs tree only when the
# shim worked) binwalk then does its full job, so the comparison is like for like. unsquashfs is Debian's squashfs-tools; hyperfine is
# `apt-get install hyperfine`. Missing peers are skipped. Figures go into the README by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
if [ "${1:-}" = "-n" ]; then runs="$2"; shift 2; fi
corpus="${BASELINE_CORPUS:-$(pwd)/../shared/corpus}"
if [ $# -eq 0 ]; then
  set -- "$corpus/firmware/tplink-tl-wr841n-v10-3.16.9.bin" \
         "$corpus/firmware/consumer/wyze-cam-v2/rootfs.bin" \
         "$corpus/firmware/consumer/sannce-camera/rootfs.bin"
fi

cargo build --release -q -p baseline-cli
baseline="${CARGO_TARGET_DIR:-$(pwd)/target}/release/baseline"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

have() { command -v "$1" >/dev/null 2>&1; }

if ! have sasquatch && have unsquashfs; then
  mkdir -p "$work/bin"
  printf '#!/bin/sh\nexec unsquashfs "$@"\n' > "$work/bin/sasquatch"
  chmod +x "$work/bin/sasquatch"
  export PATH="$work/bin:$PATH"
  echo "note: sasquatch not found; binwalk runs Debian's unsquashfs through a shim" >&2
fi

# median SECONDS of running "$@" $runs times, each in a fresh directory $work/out
median() {
  if have hyperfine; then
    hyperfine -N -r "$runs" --prepare "rm -rf $work/out" --export-json "$work/h.json" "$*" >/dev/null 2>&1 \
      || { echo "fail"; return; }
    python3 -c "import json;print('%.3f'%json.load(open('$work/h.json'))['results'][0]['median'])"
  else
    local ts=()
    for _ in $(seq "$runs"); do
      rm -rf "$work/out"
      local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
      ts+=("$(echo "$e - $s" | bc)")
    done
    printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}'
  fi
}

# peak RSS in MiB of one run of "$@"
peak() {
  rm -rf "$work/out"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || true
    awk -F: '/Maximum resident set size/ {printf "%.0f\n", $2/1024}' "$work/time.txt"
  else
    echo "?"
  fi
}

# Files written under $work/out after one run.
count() { rm -rf "$work/out"; "$@" >/dev/null 2>&1 || true; find "$work/out" -type f 2>/dev/null | wc -l; }

printf '%-42s %-10s %10s %9s %7s\n' image tool "median s" "peak MiB" files
for img in "$@"; do
  name="$(basename "$img")"
  row() { printf '%-42s %-10s %10s %9s %7s\n' "$name" "$1" "$2" "$3" "$4"; }
  row baseline "$(median "$baseline" unpack "$img" -o "$work/out")" \
      "$(peak "$baseline" unpack "$img" -o "$work/out")" \
      "$(count "$baseline" unpack "$img" -o "$work/out")"
  row assess "$(median "$baseline" assess "$img" --format json -o "$work/out" --fail-on never)" \
      "$(peak "$baseline" assess "$img" --format json -o "$work/out" --fail-on never)" "-"
  if have binwalk; then
    row binwalk "$(median binwalk -q -e -M -C "$work/out" "$img")" \
        "$(peak binwalk -q -e -M -C "$work/out" "$img")" \
        "$(count binwalk -q -e -M -C "$work/out" "$img")"
  fi
  if have unsquashfs; then
    # First little-endian squashfs superblock in the image (TP-Link: 0x120200).
    off="$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"hsqs")
print(i if i >= 0 else "")' "$img")"
    if [ -n "$off" ]; then
      row unsquashfs "$(median unsquashfs -q -n -o "$off" -d "$work/out" "$img")" \
          "$(peak unsquashfs -q -n -o "$off" -d "$work/out" "$img")" \
          "$(count unsquashfs -q -n -o "$off" -d "$work/out" "$img")"
    fi
  fi
done
