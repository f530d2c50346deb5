#!/usr/bin/env python3
"""Builds the seed corpora fuzz/corpus/<target>/ (git-ignored) from sample files.

Every sample (default: ../shared/corpus/formats and ../shared/corpus/firmware) is listed with
`baseline unpack --list --format json`; every region the engine recognised (format + offset +
size) is cut out and written to the corpus of that format's target (fmt_<name>), so each
seed starts with its structure at offset 0. Blobs the engine extracted (one level: the tar
inside a gzip, the files of a filesystem) are listed the same way. Whole samples up to
MAX_SEED go to the `unpack` corpus. Corpus files are never committed (see .gitignore).

Usage: fuzz/seeds.py [SAMPLE_DIR...]   (env BASELINE_BIN: the `baseline` binary to use)
"""
import hashlib, json, os, re, subprocess, sys, tempfile

MAX_SEED = 512 << 10  # larger seeds slow every mutation down more than they add coverage
MAX_SAMPLE = 64 << 20
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
bin_ = os.environ.get("BASELINE_BIN", os.path.join(root, "target/release/baseline"))
dirs = sys.argv[1:] or [os.path.join(root, "../shared/corpus/formats"),
                        os.path.join(root, "../shared/corpus/firmware")]
counts = {}


def put(target, data, truncate=False):
    if truncate:
        # A truncated structure still exercises the header and table parsing.
        data = data[:MAX_SEED]
    if not data or len(data) > MAX_SEED:
        return
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1


def listing(path):
    r = subprocess.run([bin_, "unpack", "--list", "--format", "json", path],
                       capture_output=True, timeout=120)
    try:
        return json.loads(r.stdout)
    except ValueError:
        return []


def carve(path, data):
    """Cuts the top-level regions of `path` (those directly inside the input)."""
    for e in listing(path):
        fmt, off, size = e.get("format"), e.get("offset"), e.get("size")
        if fmt is not None and "!/" not in e["path"]:
            off, size = 0, len(data)  # the whole input is one structure of that format
        elif fmt is None or off is None or size is None or e["path"].count("!/") != 1:
            continue
        put("fmt_" + re.sub(r"[^a-z0-9]", "_", fmt), data[off:off + size], truncate=True)


for d in dirs:
    for dp, _, files in os.walk(d):
        for fn in sorted(files):
            p = os.path.join(dp, fn)
            if os.path.getsize(p) > MAX_SAMPLE or fn.endswith(".md"):
                continue
            data = open(p, "rb").read()
            put("unpack", data)
            carve(p, data)
            with tempfile.TemporaryDirectory() as out:
                subprocess.run([bin_, "unpack", "-o", out, p], capture_output=True, timeout=300)
                for xp, _, xfiles in os.walk(out):
                    for xf in xfiles:
                        x = os.path.join(xp, xf)
                        if xf == "manifest.json" or os.path.islink(x) or os.path.getsize(x) > MAX_SEED:
                            continue
                        carve(x, open(x, "rb").read())

for t in sorted(counts):
    print(f"{t}\t{counts[t]}")
