#!/usr/bin/env bash
# Compare Baseline's dictionary attack with John the Ripper (Debian's `john`) on the same two
# hashes (md5crypt, sha512crypt of a password in no list: every candidate is tried) and the same
# candidate list (Baseline's bundled dictionary in Baseline's order).
# Usage: crates/analysis/benches/vs_john.sh   (from the workspace root; needs `john`)
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo bench -q -p baseline-analysis --bench crack -- --dump "$dir" >/dev/null
cargo bench -q -p baseline-analysis --bench crack
for f in md5crypt sha512crypt; do
  fmt=$f
  # Debian's john 1.9 has no native sha512crypt: it goes through the system crypt(3).
  john --test=0 --format=sha512crypt >/dev/null 2>&1 || { [ "$f" = sha512crypt ] && fmt=crypt; }
  # HOME keeps john's pot and session files in the temporary folder (Debian's john 1.9 has no
  # --pot/--session options).
  HOME="$dir" /usr/bin/time -f "%e" -o "$dir/t" john --format="$fmt" --wordlist="$dir/wordlist.txt" "$dir/$f.txt" >/dev/null 2>&1 || true
  echo "john $f (--format=$fmt): $(cat "$dir/t") s wall incl. start-up and self-test; $(nproc) cores"
done
