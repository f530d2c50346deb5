//! Corpus conformance: how many of the files binwalk v3 and unblob extracted from each corpus
//! sample does Baseline also produce (by SHA-256)?
//!
//! Run: `cargo run --release -p baseline-unpack --example conformance -- [OPTIONS]`
//! (`.ci/conformance` does). Options:
//!   --corpus DIR      corpus root (default: $BASELINE_CORPUS, else <workspace>/../shared/corpus)
//!   --floor FILE      per-sample minimum matched counts (default crates/unpack/conformance-floor.json)
//!   --write-floor     rewrite FILE with today's counts (after an improvement)
//!   --timeout SECS    per-sample time limit (default 60)
//!   --only SUBSTR     run the samples whose manifest name contains SUBSTR
//!   --missed N        list at most N missed hashes per sample and tool (default 10)
//!   --tree PATH       print the tree of one sample (kind, size, offset, format, sha256, path)
//!
//! What counts: every node Baseline can write to disk except the inputs themselves: file
//! system and archive files, decompressed streams, carved container regions and unknown
//! gaps. Reference tools write the same kinds of things (binwalk: carved and decompressed
//! files, file-system contents; unblob: chunks, `.unknown` gaps, contents).
//!
//! Each sample runs in a child process (this program with `--one PATH`) so a panic or a hang
//! is reported against its sample and the run goes on. Exit status: 1 when a sample panics,
//! times out, or matches fewer reference hashes than its floor; 0 otherwise.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use baseline_unpack::listing::{has_content, sha256_all};
use baseline_unpack::{Engine, Limits, NodeKind};
use bytes::Bytes;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

type Floor = BTreeMap<String, BTreeMap<String, usize>>;

const TOOLS: [&str; 2] = ["binwalk", "unblob"];

struct Opts {
    corpus: PathBuf,
    floor: PathBuf,
    write_floor: bool,
    timeout: Duration,
    only: Option<String>,
    missed: usize,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let (Some(mode @ ("--one" | "--tree")), Some(p)) =
        (args.first().map(String::as_str), args.get(1))
    {
        let ranges = match (args.get(2).map(String::as_str), args.get(3)) {
            (Some("--ranges"), Some(r)) => parse_ranges(r),
            _ => Vec::new(),
        };
        return one(Path::new(p), mode == "--tree", &ranges);
    }
    let mut o = Opts {
        corpus: std::env::var_os("BASELINE_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("../shared/corpus")),
        floor: workspace_root().join("crates/unpack/conformance-floor.json"),
        write_floor: false,
        timeout: Duration::from_secs(60),
        only: None,
        missed: 10,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpus" => o.corpus = it.next().map(PathBuf::from).unwrap_or(o.corpus),
            "--floor" => o.floor = it.next().map(PathBuf::from).unwrap_or(o.floor),
            "--write-floor" => o.write_floor = true,
            "--timeout" => {
                o.timeout =
                    Duration::from_secs_f64(it.next().and_then(|s| s.parse().ok()).unwrap_or(60.0))
            }
            "--only" => o.only = it.next(),
            "--missed" => o.missed = it.next().and_then(|s| s.parse().ok()).unwrap_or(10),
            other => {
                eprintln!("unknown option {other}; see the header of examples/conformance.rs");
                return ExitCode::from(2);
            }
        }
    }
    match run(&o) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("conformance: {e}");
            ExitCode::from(2)
        }
    }
}

/// `a-b,c-d` → [(a, b), (c, d)].
fn parse_ranges(s: &str) -> Vec<(u64, u64)> {
    s.split(',')
        .filter_map(|r| {
            let (a, b) = r.split_once('-')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect()
}

/// Child mode: unpack one sample, print `time SECONDS` then one content hash per line
/// (`tree`: print the tree instead, for looking into misses). With `ranges`, also print
/// `range A B SHA256` for bytes A..B of every decoded stream at least B long.
fn one(path: &Path, tree: bool, ranges: &[(u64, u64)]) -> ExitCode {
    let Ok(data) = std::fs::read(path) else {
        eprintln!("cannot read {}", path.display());
        return ExitCode::from(2);
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let t0 = Instant::now();
    let engine = Engine::new(Limits::default()).catch_panics(false);
    let unpacked = match engine.unpack_inputs(&[(name, Bytes::from(data))]) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let hashes = sha256_all(&unpacked.tree);
    let secs = t0.elapsed().as_secs_f64();
    if tree {
        for e in baseline_unpack::listing::list(&unpacked.tree, &hashes) {
            println!(
                "{:<7} {:>9} {:>10} {:<10} {} {}{}",
                e.kind,
                e.size.map(|s| s.to_string()).unwrap_or_default(),
                e.offset.map(|o| format!("{o:#x}")).unwrap_or_default(),
                e.format.unwrap_or(""),
                e.sha256.as_deref().map_or("", |h| &h[..16]),
                e.path,
                if e.notes.is_empty() {
                    String::new()
                } else {
                    format!("  notes: {:?}", e.notes)
                }
            );
        }
        return ExitCode::SUCCESS;
    }
    let mut out = format!("time {secs:.3}\nnodes {}\n", unpacked.tree.len());
    for (id, n) in unpacked.tree.iter() {
        if matches!(n.kind, NodeKind::Input) || !has_content(&n.kind) {
            continue;
        }
        if let Some(Some(h)) = hashes.get(id.0 as usize) {
            out.push_str(&hex::encode(h));
            out.push('\n');
        }
    }
    // Regions of the input, in input coordinates (for classifying misses): carves with a
    // format, partitions a container names (`bootloader`, `kernel`…), and gaps.
    for (id, n) in unpacked.tree.iter() {
        let Some((start, end)) = input_span(&unpacked.tree, id) else {
            continue;
        };
        let label = match n.format {
            Some(f) => f.to_owned(),
            None if !is_gap_name(&n.name) => format!("part {}", n.name),
            None => "gap".to_owned(),
        };
        out.push_str(&format!("span {start} {end} {label}\n"));
    }
    for &(a, b) in ranges {
        let mut seen = HashSet::new();
        for (_, n) in unpacked.tree.iter() {
            if n.kind != NodeKind::Stream {
                continue;
            }
            let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
                continue;
            };
            if let Some(bytes) = n.data.get(a..b) {
                use sha2::{Digest, Sha256};
                let h = hex::encode(Sha256::digest(bytes));
                if seen.insert(h.clone()) {
                    out.push_str(&format!("range {a} {b} {h}\n"));
                }
            }
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// Unidentified gaps are named by their range: `0x1c-0x200.bin`.
fn is_gap_name(name: &str) -> bool {
    name.strip_suffix(".bin")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(a, b)| a.starts_with("0x") && b.starts_with("0x"))
}

/// Samples whose formats this issue leaves to a later one (issue 3, "Not in this issue"), or
/// that are not among its formats at all, by a part of the manifest name, with the format.
/// They are still run and counted (a panic or a regression below the floor fails), but the
/// per-sample goal — at least as many reference hashes as the better tool — is judged on the
/// others only. Whole firmware images (`firmware__…`) are always judged.
const OUT_OF_SCOPE: &[(&str, &str)] = &[
    ("__alphanetworks__", "Alpha Networks container"),
    ("__ambarella__", "Ambarella ROM file system"),
    ("__arcadyan", "Arcadyan container"),
    ("arj", "ARJ archive"),
    ("__broadcom__", "Broadcom SAO container"),
    ("__buffalo__", "Buffalo container"),
    ("__dahua__", "Dahua container"),
    ("__dji__", "DJI container"),
    ("__dlink__", "D-Link container / encrypted image"),
    ("__draytek", "DrayTek container"),
    ("ext2.img", "ext2 (inside xz)"),
    ("ext3.img", "ext3 (inside xz)"),
    ("ext4.img", "ext4 (inside xz)"),
    ("fat.img", "FAT (inside xz)"),
    ("matter_ota", "Matter OTA container"),
    ("__maxlinear__", "MaxLinear container"),
    ("__mbr.", "MBR partition table"),
    ("qcow", "QCOW disk image"),
    ("__raw__", "raw/encoded data (Intel HEX, S-records)"),
    (".rar", "RAR archive"),
    ("ros_header", "ROS container"),
    ("__ros__", "ROS container"),
    ("__senao__", "Senao encrypted image"),
    ("__ubi__", "UBI/UBIFS"),
    (".xar", "XAR archive"),
    ("__xiaomi_hdr__", "Xiaomi container"),
    ("yaffs", "yaffs2"),
];

/// The format that puts a sample outside this goal, if any.
fn out_of_scope(key: &str) -> Option<&'static str> {
    if key.starts_with("firmware__") {
        return None;
    }
    OUT_OF_SCOPE
        .iter()
        .find(|(part, _)| key.contains(part))
        .map(|(_, f)| *f)
}

/// [`explain`]'s note when the reference file `hash` named `path` is an unblob top-level
/// `START-END.unknown`/`.padding` chunk whose bytes are exactly the sample's bytes
/// START..END (so the name can be trusted) and Baseline identified a region over it.
fn covered(path: &str, hash: &str, sample: &[u8], spans: &[(u64, u64, String)]) -> Option<String> {
    use sha2::{Digest, Sha256};
    let (a, b) = chunk_range(path)?;
    let bytes = sample.get(usize::try_from(a).ok()?..usize::try_from(b).ok()?)?;
    if hex::encode(Sha256::digest(bytes)) != hash {
        return None;
    }
    explain(path, spans)
}

/// `input_extract/START-END.unknown` → (START, END); None for anything nested or named otherwise.
fn chunk_range(path: &str) -> Option<(u64, u64)> {
    let name = path.strip_prefix("input_extract/")?;
    let (range, ext) = name.split_once('.')?;
    if !matches!(ext, "unknown" | "padding") || name.contains('/') {
        return None;
    }
    let (a, b) = range.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// A node's byte range in its input's coordinates, when every step up to the input is a
/// carve of the parent's bytes (regions and file systems at an offset; a decoded stream only
/// as the node itself, see below).
fn input_span(
    tree: &baseline_unpack::ArtifactTree,
    id: baseline_unpack::NodeId,
) -> Option<(u64, u64)> {
    let node = tree.get(id)?;
    // A stream decoded from its parent at an offset: only where its source starts is known
    // here (its node holds the decoded bytes), so it is a one-byte span at that start.
    let len = match node.kind {
        NodeKind::Stream => 1,
        NodeKind::Region | NodeKind::FsRoot => node.data.len() as u64,
        _ => return None,
    };
    let mut start = node.offset?;
    let mut cur = tree.get(node.parent?)?;
    // A region must be its parent's bytes at its offset: some are made, not carved (the
    // decompiled `system.dts` of a device tree) and lie nowhere in the input.
    if node.kind == NodeKind::Region && !is_slice_of(&cur.data, start, &node.data) {
        return None;
    }
    loop {
        match cur.kind {
            NodeKind::Input => return Some((start, start.checked_add(len)?)),
            NodeKind::Region | NodeKind::FsRoot => {
                let parent = tree.get(cur.parent?)?;
                let off = cur.offset?;
                if cur.kind == NodeKind::Region && !is_slice_of(&parent.data, off, &cur.data) {
                    return None;
                }
                start = start.checked_add(off)?;
                cur = parent;
            }
            _ => return None,
        }
    }
}

/// Whether `child` is `parent`'s bytes at `offset`.
fn is_slice_of(parent: &[u8], offset: u64, child: &[u8]) -> bool {
    usize::try_from(offset)
        .ok()
        .and_then(|o| parent.get(o..o.checked_add(child.len())?))
        .is_some_and(|s| s == child)
}

/// Why a reference file Baseline did not produce is not a loss, when that can be shown from
/// the trees: an unblob top-level `START-END.unknown` chunk (bytes unblob could not identify)
/// overlapping a region Baseline identified (a format, or a partition its container names),
/// so Baseline's gaps there are cut differently or there are none. The note lists Baseline's
/// tightest regions over the chunk so the claim can be checked.
fn explain(path: &str, spans: &[(u64, u64, String)]) -> Option<String> {
    let (a, b) = chunk_range(path)?;
    // Baseline's regions there, tightest first; it counts only if one is identified.
    let mut over: Vec<&(u64, u64, String)> =
        spans.iter().filter(|(s, e, _)| *s < b && *e > a).collect();
    if !over.iter().any(|(_, _, f)| f != "gap") {
        return None;
    }
    over.sort_by_key(|(s, e, _)| (e - s, *s));
    let inside: Vec<String> = over
        .iter()
        .take(3)
        .map(|(s, e, f)| format!("{f} {s:#x}-{e:#x}"))
        .collect();
    (!inside.is_empty()).then(|| {
        format!(
            "unblob unknown or padding chunk; Baseline there: {}",
            inside.join(", ")
        )
    })
}

/// The missed unblob files whose bytes Baseline has, cut at other boundaries, with why:
/// - a top-level `START-END.unknown` or `.padding` chunk (bytes unblob did not identify)
///   whose bytes are the sample's bytes START..END and over which Baseline identified a
///   region ([`covered`]);
/// - a nested chunk `…/A-B.ext`, or a stream unblob cut into such chunks (its length is the
///   last chunk's end), whose bytes are bytes A..B (0..length) of a stream Baseline decoded
///   — a part, or a truncated copy, of content Baseline has whole (checked by a second child
///   run that hashes those ranges of every decoded stream).
fn covered_misses(
    refs: &[BTreeMap<String, String>],
    child: &Child,
    sample: &[u8],
    path: &Path,
    timeout: Duration,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(unblob) = refs.get(1) else {
        return out;
    };
    let missed: Vec<(&String, &String)> = unblob
        .iter()
        .filter(|(h, _)| !child.ours.contains(*h))
        .collect();
    let mut want = Vec::new();
    for (h, p) in &missed {
        if let Some(w) = covered(p, h, sample, &child.spans) {
            out.insert((*h).clone(), w);
        } else if let Some(r) = nested_range(p, unblob.values()) {
            want.push(((*h).clone(), r));
        }
    }
    if want.is_empty() {
        return out;
    }
    let ranges: Vec<(u64, u64)> = want.iter().map(|(_, r)| *r).collect();
    let Outcome::Ok(again) = run_child(path, timeout, &ranges) else {
        return out;
    };
    for (h, (a, b)) in want {
        if again.ranges.contains(&(a, b, h.clone())) {
            out.insert(
                h,
                format!("bytes {a}..{b} of a stream Baseline decoded whole: unblob cut it there"),
            );
        }
    }
    out
}

/// For a nested unblob chunk `…_extract/A-B.ext`: (A, B). For a file unblob cut into chunks
/// (`P_extract/A-B.ext` exist): (0, the last chunk's end). Top-level chunks: None.
fn nested_range<'a>(path: &str, all: impl Iterator<Item = &'a String>) -> Option<(u64, u64)> {
    let chunk = |name: &str| -> Option<(u64, u64)> {
        let (range, _ext) = name.split_once('.')?;
        let (a, b) = range.split_once('-')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    if let Some((dir, name)) = path.rsplit_once('/') {
        if dir != "input_extract" && dir.ends_with("_extract") {
            if let Some(r) = chunk(name) {
                return Some(r);
            }
        }
    }
    let prefix = format!("{path}_extract/");
    all.filter_map(|p| p.strip_prefix(&prefix))
        .filter(|rest| !rest.contains('/'))
        .filter_map(chunk)
        .map(|(_, b)| b)
        .max()
        .map(|end| (0, end))
}

struct Child {
    ours: HashSet<String>,
    /// Identified regions in input coordinates: (start, end, format).
    spans: Vec<(u64, u64, String)>,
    /// `--ranges` answers: (start, end, SHA-256 of those bytes of a decoded stream).
    ranges: HashSet<(u64, u64, String)>,
    secs: f64,
    nodes: usize,
}

enum Outcome {
    Ok(Child),
    Failed(String),
}

fn run_child(path: &Path, timeout: Duration, ranges: &[(u64, u64)]) -> Outcome {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return Outcome::Failed(format!("current_exe: {e}")),
    };
    let mut child = match Command::new(exe)
        .arg("--one")
        .arg(path)
        .args(if ranges.is_empty() {
            Vec::new()
        } else {
            let r: Vec<String> = ranges.iter().map(|(a, b)| format!("{a}-{b}")).collect();
            vec!["--ranges".to_owned(), r.join(",")]
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(format!("spawn: {e}")),
    };
    // Drain the pipes while waiting so a large hash list cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let t0 = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if t0.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Outcome::Failed(format!("wait: {e}")),
        }
    };
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    match status {
        None => Outcome::Failed(format!("TIMEOUT after {:?}", timeout)),
        Some(s) if !s.success() => {
            let first = err
                .lines()
                .find(|l| l.contains("panicked"))
                .or_else(|| err.lines().next())
                .unwrap_or("")
                .to_owned();
            Outcome::Failed(format!("FAILED ({s}): {first}"))
        }
        Some(_) => {
            let mut c = Child {
                ours: HashSet::new(),
                spans: Vec::new(),
                ranges: HashSet::new(),
                secs: 0.0,
                nodes: 0,
            };
            for line in out.lines() {
                if let Some(t) = line.strip_prefix("time ") {
                    c.secs = t.parse().unwrap_or(0.0);
                } else if let Some(n) = line.strip_prefix("nodes ") {
                    c.nodes = n.parse().unwrap_or(0);
                } else if let Some(r) = line.strip_prefix("range ") {
                    let mut it = r.splitn(3, ' ');
                    if let (Some(a), Some(b), Some(h)) = (it.next(), it.next(), it.next()) {
                        if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
                            c.ranges.insert((a, b, h.to_owned()));
                        }
                    }
                } else if let Some(sp) = line.strip_prefix("span ") {
                    let mut it = sp.splitn(3, ' ');
                    if let (Some(a), Some(b), Some(f)) = (it.next(), it.next(), it.next()) {
                        if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
                            c.spans.push((a, b, f.to_owned()));
                        }
                    }
                } else {
                    c.ours.insert(line.to_owned());
                }
            }
            Outcome::Ok(c)
        }
    }
}

/// `binwalk__a__b.manifest.json` → `formats/binwalk/a/b`; `firmware__x` → `firmware/x`.
fn sample_path(corpus: &Path, manifest_name: &str) -> Option<PathBuf> {
    let stem = manifest_name.strip_suffix(".manifest.json")?;
    let parts: Vec<&str> = stem.split("__").collect();
    let mut p = corpus.to_path_buf();
    match parts.first()? {
        &"firmware" => p.push("firmware"),
        first => {
            p.push("formats");
            p.push(first);
        }
    }
    for part in parts.get(1..)? {
        p.push(part);
    }
    Some(p)
}

#[derive(Default)]
struct Totals {
    reference: [usize; 2],
    matched: [usize; 2],
    union: usize,
    /// Misses [`explain`] accounts for, per tool.
    explained: [usize; 2],
    union_matched: usize,
    /// Samples judged against the goal, those meeting it, and the short ones (name, shortfall).
    judged: usize,
    met: usize,
    short: Vec<(String, usize)>,
    /// Out-of-scope samples, and those of them below the better tool.
    out_of_scope: usize,
    out_of_scope_short: usize,
    ours_secs: f64,
    tool_secs: [f64; 2],
}

fn run(o: &Opts) -> Result<bool, String> {
    let dir = o.corpus.join("expected/reference-extractors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".manifest.json"))
        .filter(|n| o.only.as_ref().is_none_or(|s| n.contains(s.as_str())))
        .collect();
    names.sort();
    let floor: Floor = match std::fs::read(&o.floor) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", o.floor.display()))?,
        Err(_) => Floor::new(),
    };
    let mut new_floor = Floor::new();
    let mut ok = true;
    let mut t = Totals::default();
    println!(
        "{:<70} {:>6} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}",
        "sample", "nodes", "binwalk", "unblob", "union", "goal", "ours s", "binwalk s"
    );
    for name in &names {
        let manifest: serde_json::Value = std::fs::read(dir.join(name))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| format!("{name}: unreadable manifest"))?;
        let key = name.trim_end_matches(".manifest.json").to_owned();
        let Some(path) = sample_path(&o.corpus, name).filter(|p| p.is_file()) else {
            println!("{key:<70} MISSING SAMPLE (mapping from the manifest name failed)");
            ok = false;
            continue;
        };
        if let Some(s) = manifest["sample"].as_str() {
            if !path.ends_with(s) {
                println!("{key:<70} MAPPING MISMATCH: manifest says {s}");
                ok = false;
            }
        }
        let refs: Vec<BTreeMap<String, String>> = TOOLS
            .iter()
            .map(|tool| {
                manifest["tools"][tool]["files"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(h, p)| (h.clone(), p.as_str().unwrap_or("").to_owned()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let sample = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let child = match run_child(&path, o.timeout, &[]) {
            Outcome::Ok(c) => c,
            Outcome::Failed(why) => {
                println!("{key:<70} {why}");
                ok = false;
                continue;
            }
        };
        let covered = covered_misses(&refs, &child, &sample, &path, o.timeout);
        let mut row = Vec::new();
        let mut counts = BTreeMap::new();
        let mut missed_lines = Vec::new();
        for (i, tool) in TOOLS.iter().enumerate() {
            let Some(r) = refs.get(i) else { continue };
            let matched = r.keys().filter(|h| child.ours.contains(*h)).count();
            t.reference[i] += r.len();
            t.matched[i] += matched;
            t.tool_secs[i] += manifest["tools"][tool]["seconds"].as_f64().unwrap_or(0.0);
            row.push(format!("{matched}/{}", r.len()));
            counts.insert((*tool).to_owned(), matched);
            let want = floor
                .get(&key)
                .and_then(|f| f.get(*tool))
                .copied()
                .unwrap_or(0);
            if matched < want {
                missed_lines.push(format!("  REGRESSION {tool}: {matched} < floor {want}"));
                ok = false;
            }
            let missed: Vec<(&String, &String)> =
                r.iter().filter(|(h, _)| !child.ours.contains(*h)).collect();
            t.explained[i] += missed
                .iter()
                .filter(|(h, _)| covered.contains_key(*h))
                .count();
            for (h, p) in missed.iter().take(o.missed) {
                let why = covered
                    .get(*h)
                    .map(|w| format!("  [{w}]"))
                    .unwrap_or_default();
                missed_lines.push(format!(
                    "  missed {tool} {} {p}{why}",
                    &h[..h.len().min(16)]
                ));
            }
            if missed.len() > o.missed {
                missed_lines.push(format!(
                    "  … {} more missed for {tool}",
                    missed.len() - o.missed
                ));
            }
        }
        let union: HashSet<&String> = refs.iter().flat_map(|r| r.keys()).collect();
        let union_matched = union.iter().filter(|h| child.ours.contains(**h)).count();
        t.union += union.len();
        t.union_matched += union_matched;
        // The goal: at least as many of the reference hashes as the better tool extracted,
        // counting an unblob unknown chunk Baseline identified formats in as covered.
        let covered_n = union
            .iter()
            .filter(|h| !child.ours.contains(**h) && covered.contains_key(**h))
            .count();
        let best = refs.iter().map(BTreeMap::len).max().unwrap_or(0);
        let have = union_matched + covered_n;
        let goal = match out_of_scope(&key) {
            Some(_) => {
                t.out_of_scope += 1;
                if have < best {
                    t.out_of_scope_short += 1;
                }
                "outside".to_owned()
            }
            None => {
                t.judged += 1;
                if have >= best {
                    t.met += 1;
                    "met".to_owned()
                } else {
                    t.short.push((key.clone(), best - have));
                    format!("short {}", best - have)
                }
            }
        };
        t.ours_secs += child.secs;
        new_floor.insert(key.clone(), counts);
        println!(
            "{key:<70} {:>6} {:>9} {:>9} {:>9} {:>8} {:>8.3} {:>8.3}",
            child.nodes,
            row.first().cloned().unwrap_or_default(),
            row.get(1).cloned().unwrap_or_default(),
            format!("{union_matched}/{}", union.len()),
            goal,
            child.secs,
            manifest["tools"]["binwalk"]["seconds"]
                .as_f64()
                .unwrap_or(0.0),
        );
        for l in missed_lines {
            println!("{l}");
        }
    }
    println!();
    for (i, tool) in TOOLS.iter().enumerate() {
        println!(
            "total vs {tool:<8}: {} of {} reference hashes matched ({:.1}%); {tool} took {:.2}s in all",
            t.matched[i],
            t.reference[i],
            pct(t.matched[i], t.reference[i]),
            t.tool_secs[i]
        );
    }
    let best = if t.reference[0] >= t.reference[1] {
        0
    } else {
        1
    };
    println!(
        "total vs union   : {} of {} ({:.1}%); gap to the better tool ({}): {} hashes",
        t.union_matched,
        t.union,
        pct(t.union_matched, t.union),
        TOOLS[best],
        t.reference[best].saturating_sub(t.matched[best])
    );
    for (i, tool) in TOOLS.iter().enumerate() {
        if t.explained[i] > 0 {
            println!(
                "  of the {tool} misses, {} are bytes Baseline has, cut at other boundaries (top-level unknown/padding chunks over regions Baseline identified, checked against the sample; parts or truncated copies of streams Baseline decoded whole, checked by hashing those ranges)",
                t.explained[i]
            );
        }
    }
    println!(
        "goal (per sample, reference hashes matched + misses covered as above >= the better tool's count): met on {} of {} samples of this issue's formats and whole firmware images{}",
        t.met,
        t.judged,
        if t.short.is_empty() { String::new() } else { "; short:".to_owned() }
    );
    for (k, n) in &t.short {
        println!("  {k}: {n} short");
    }
    println!(
        "  {} samples of formats outside this issue (see OUT_OF_SCOPE) were run and not judged; {} of them are below the better tool",
        t.out_of_scope, t.out_of_scope_short
    );
    println!(
        "baseline took {:.2}s in all (unpack + hashing, per-sample children)",
        t.ours_secs
    );
    if o.write_floor {
        let json = serde_json::to_string_pretty(&new_floor).map_err(|e| e.to_string())?;
        std::fs::write(&o.floor, json + "\n").map_err(|e| format!("{}: {e}", o.floor.display()))?;
        println!("floor written to {}", o.floor.display());
    }
    println!("conformance: {}", if ok { "ok" } else { "FAILED" });
    Ok(ok)
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}
