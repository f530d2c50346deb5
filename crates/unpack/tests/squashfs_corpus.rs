//! Corpus conformance for the squashfs parser: every regular file that binwalk or unblob
//! extracted from each sample (reference manifests, sha256 → path) must come out of our
//! parser with the same SHA-256, and specific facts of each image are pinned.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use baseline_unpack::formats::squashfs::Squashfs;
use baseline_unpack::{Ctx, Entry, EntryKind, Format, Limits, Output, Parsed};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(std::env::var_os("CI").is_none(), "corpus missing at {}", dir.display());
        None
    }
}

fn parse_at(rel: &str, offset: usize) -> Option<Parsed> {
    let root = corpus()?;
    let data = Bytes::from(std::fs::read(root.join(rel)).unwrap());
    Squashfs.parse(&data, offset, &Ctx::new(Limits::default())).unwrap()
}

fn entries(p: &Parsed) -> &[Entry] {
    match &p.output {
        Output::Entries(e) => e,
        other => panic!("expected entries, got {other:?}"),
    }
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn attr<'a>(p: &'a Parsed, k: &str) -> &'a str {
    p.attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// (matched by us, reference count) per tool, plus reference files we did not produce.
struct Score {
    binwalk: (usize, usize),
    unblob: (usize, usize),
    missing: Vec<String>,
}

fn score(p: &Parsed, manifest: &str) -> Score {
    let root = corpus().unwrap();
    let path = root.join("expected/reference-extractors").join(manifest);
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let ours: BTreeSet<String> = entries(p)
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::File(b) => Some(sha(b)),
            _ => None,
        })
        .collect();
    let tool = |name: &str| -> BTreeMap<String, String> {
        m["tools"][name]["files"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect())
            .unwrap_or_default()
    };
    let (bw, ub) = (tool("binwalk"), tool("unblob"));
    let hit = |t: &BTreeMap<String, String>| t.keys().filter(|h| ours.contains(*h)).count();
    let mut missing: Vec<String> = bw
        .iter()
        .chain(ub.iter())
        .filter(|(h, _)| !ours.contains(*h))
        .map(|(_, p)| p.clone())
        .collect();
    missing.sort();
    missing.dedup();
    Score {
        binwalk: (hit(&bw), bw.len()),
        unblob: (hit(&ub), ub.len()),
        missing,
    }
}

/// Check that we match at least as many reference files as the better tool, and report.
fn conformance(rel: &str, offset: usize, manifest: &str) -> Option<Parsed> {
    let p = parse_at(rel, offset)?;
    let s = score(&p, manifest);
    let best = s.binwalk.1.max(s.unblob.1);
    let ours = s.binwalk.0.max(s.unblob.0);
    assert!(
        ours >= best && s.binwalk.0 == s.binwalk.1 && s.unblob.0 == s.unblob.1,
        "{rel}: binwalk {:?} unblob {:?} missing {:?} notes {:?}",
        s.binwalk,
        s.unblob,
        s.missing,
        p.notes
    );
    Some(p)
}

fn file<'a>(p: &'a Parsed, path: &str) -> &'a [u8] {
    entries(p)
        .iter()
        .find_map(|e| match &e.kind {
            EntryKind::File(b) if e.path == path => Some(b.as_ref()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no file {path}"))
}

fn count_files(p: &Parsed) -> usize {
    entries(p).iter().filter(|e| matches!(e.kind, EntryKind::File(_))).count()
}

const FE: &str = "formats/fact-extractor/squashFS";

#[test]
fn fact_extractor_v4_compressors() {
    for (name, comp) in [
        ("gzip.sqfs", "gzip"),
        ("lz4.sqfs", "lz4"),
        ("lzma.sqfs", "lzma"),
        ("lzo.sqfs", "lzo"),
        ("xz.sqfs", "xz"),
        ("zstd.sqfs", "zstd"),
    ] {
        let Some(p) = conformance(
            &format!("{FE}/{name}"),
            0,
            &format!("fact-extractor__squashFS__{name}.manifest.json"),
        ) else {
            return;
        };
        assert_eq!(attr(&p, "compression"), comp, "{name}");
        assert_eq!(attr(&p, "version"), "4.0");
        assert_eq!(count_files(&p), 3, "{name}");
        assert!(p.filesystem);
        assert_eq!(p.len, 4096, "{name}");
        assert_eq!(sha(file(&p, "testfile1")), "d558c9339cb967341d701e3184f863d3928973fccdc1d96042583730b5c7b76a");
    }
}
