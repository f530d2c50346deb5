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
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus missing at {}",
            dir.display()
        );
        None
    }
}

fn parse_at(rel: &str, offset: usize) -> Option<Parsed> {
    let root = corpus()?;
    let data = Bytes::from(std::fs::read(root.join(rel)).unwrap());
    Squashfs
        .parse(&data, offset, &Ctx::new(Limits::default()))
        .unwrap()
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
    p.attrs
        .iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// (matched by us, reference count) per tool, plus reference files we did not produce.
struct Score {
    binwalk: (usize, usize),
    unblob: (usize, usize),
    missing: Vec<String>,
}

/// Whether a reference path is a file of the squashfs itself (not of another region of a
/// whole firmware image, nor of something the tool carved out of a file recursively).
fn in_fs(path: &str) -> bool {
    let tail = if let Some(i) = path.find("squashfs-root/") {
        &path[i + "squashfs-root/".len()..]
    } else if let Some(i) = path.find("squashfs_v4_le_extract/") {
        &path[i + "squashfs_v4_le_extract/".len()..]
    } else {
        return false;
    };
    !tail.contains(".extracted/") && !tail.contains("_extract/")
}

fn score_filtered(p: &Parsed, manifest: &str, fs_only: bool) -> Score {
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
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                    .filter(|(_, v)| !fs_only || in_fs(v))
                    .collect()
            })
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
    conformance_filtered(rel, offset, manifest, false)
}

fn conformance_filtered(rel: &str, offset: usize, manifest: &str, fs_only: bool) -> Option<Parsed> {
    let p = parse_at(rel, offset)?;
    let s = score_filtered(&p, manifest, fs_only);
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
    entries(p)
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::File(_)))
        .count()
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
        assert_eq!(
            sha(file(&p, "testfile1")),
            "d558c9339cb967341d701e3184f863d3928973fccdc1d96042583730b5c7b76a"
        );
    }
}

#[test]
fn fact_extractor_v3_and_v2_both_byte_orders() {
    // Freetz/AVM minor 76: headerless LZMA with fixed parameters.
    const RAW: &str = "lzma (headerless at +0, lc3 lp0 pb2)";
    for (name, version, order, coding) in [
        ("zlib_le.sqfs3", "3.1", "little-endian", "zlib"),
        ("zlib_be.sqfs3", "3.1", "big-endian", "zlib"),
        ("lzma1_le.sqfs3", "3.76", "little-endian", RAW),
        ("lzma1_be.sqfs3", "3.76", "big-endian", RAW),
        ("lzma_le.sqfs2", "2.76", "little-endian", RAW),
        ("lzma_be.sqfs2", "2.76", "big-endian", RAW),
    ] {
        let Some(p) = conformance(
            &format!("{FE}/{name}"),
            0,
            &format!("fact-extractor__squashFS__{name}.manifest.json"),
        ) else {
            return;
        };
        assert_eq!(attr(&p, "version"), version, "{name}");
        assert_eq!(attr(&p, "byte-order"), order, "{name}");
        assert_eq!(attr(&p, "codings"), coding, "{name}");
        assert_eq!(count_files(&p), 3, "{name}");
    }
}

#[test]
fn avm_images() {
    let Some(p) = conformance(
        &format!("{FE}/avm_le.sqfs4"),
        0,
        "fact-extractor__squashFS__avm_le.sqfs4.manifest.json",
    ) else {
        return;
    };
    assert_eq!(count_files(&p), 3);
    // Big-endian AVM: both reference tools failed (0 files); we read it.
    let p = conformance(
        &format!("{FE}/avm_be.sqfs4"),
        0,
        "fact-extractor__squashFS__avm_be.sqfs4.manifest.json",
    )
    .unwrap();
    assert_eq!(attr(&p, "variant"), "avm");
    assert_eq!(attr(&p, "byte-order"), "big-endian");
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    // Same tree as the little-endian sample.
    let le = parse_at(&format!("{FE}/avm_le.sqfs4"), 0).unwrap();
    let hashes = |p: &Parsed| -> BTreeSet<(String, String)> {
        entries(p)
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::File(b) => Some((e.path.clone(), sha(b))),
                _ => None,
            })
            .collect()
    };
    assert_eq!(hashes(&p), hashes(&le));
    assert_eq!(hashes(&p).len(), 3);
}

#[test]
fn not_squashfs_samples() {
    let Some(root) = corpus() else { return };
    for rel in [
        format!("{FE}/empty"),
        "formats/fact-extractor/avm_sqfs_fake/fake.sqfs".to_owned(),
    ] {
        let data = Bytes::from(std::fs::read(root.join(&rel)).unwrap());
        let r = Squashfs
            .parse(&data, 0, &Ctx::new(Limits::default()))
            .unwrap();
        assert!(r.is_none(), "{rel}");
    }
}

#[test]
fn binwalk_samples() {
    let Some(p) = conformance(
        "formats/binwalk/squashfs.bin",
        0,
        "binwalk__squashfs.bin.manifest.json",
    ) else {
        return;
    };
    assert_eq!(count_files(&p), 1);
    let p = conformance(
        "formats/binwalk/squashfs_v2.bin",
        0,
        "binwalk__squashfs_v2.bin.manifest.json",
    )
    .unwrap();
    assert_eq!(attr(&p, "version"), "2.0");
    assert_eq!(attr(&p, "byte-order"), "big-endian");
    // Broadcom 2009 rootfs: LZMA blocks with a 5-byte header and no size field.
    assert_eq!(attr(&p, "compression"), "lzma");
    assert_eq!(attr(&p, "codings"), "lzma (5-byte header, no size)");
    assert_eq!(attr(&p, "inode-count"), "431");
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    assert_eq!(count_files(&p), 263);
    // Dropbear-format RSA host key baked into the image.
    let key = file(&p, "etc/rsa_host_key");
    assert_eq!(key.len(), 427);
    assert_eq!(&key[..11], b"\0\0\0\x07ssh-rsa");
    let passwd = entries(&p).iter().find(|e| e.path == "etc/passwd").unwrap();
    assert!(
        matches!(&passwd.kind, EntryKind::Symlink(t) if t == "/var/passwd"),
        "{:?}",
        passwd.kind
    );
    assert_eq!(entries(&p).len(), 430);
}

#[test]
fn tplink_wr841n_rootfs() {
    // squashfs 4.0, LZMA blocks with props 0x6D (lc1 lp2 pb2) behind a 13-byte header.
    let Some(p) = conformance_filtered(
        "firmware/tplink-tl-wr841n-v10-3.16.9.bin",
        0x120200,
        "firmware__tplink-tl-wr841n-v10-3.16.9.bin.manifest.json",
        true,
    ) else {
        return;
    };
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    assert_eq!(attr(&p, "compression"), "lzma");
    assert_eq!(attr(&p, "inode-count"), "560");
    assert_eq!(attr(&p, "block-size"), "131072");
    assert_eq!(attr(&p, "codings"), "lzma (13-byte header)");
    // 560 inodes = 559 entries + the root directory.
    assert_eq!(entries(&p).len(), 559);
    assert_eq!(count_files(&p), 374);
    assert_eq!(p.len, 2_478_080);
    assert_eq!(
        sha(file(&p, "etc/shadow")),
        "99962147fbf720b7035e15ac9eef1ca186019dcfb6833cac05da55f399907791"
    );
    let passwd = entries(&p).iter().find(|e| e.path == "etc/passwd").unwrap();
    assert!(matches!(&passwd.kind, EntryKind::Symlink(t) if t == "../tmp/passwd"));
    assert_eq!(passwd.meta.mode, Some(0o777));
    let console = entries(&p)
        .iter()
        .find(|e| e.path == "dev/console")
        .unwrap();
    assert!(matches!(
        console.kind,
        EntryKind::Device {
            char_device: true,
            major: 5,
            minor: 1
        }
    ));
    let shadow = entries(&p).iter().find(|e| e.path == "etc/shadow").unwrap();
    assert_eq!(shadow.meta.mode, Some(0o755));
    assert_eq!(shadow.meta.uid, Some(0));
    assert_eq!(shadow.meta.mtime, Some(1_425_972_248));
}

#[test]
fn wyze_and_sannce_rootfs() {
    for (rel, manifest, files, entries_n, len) in [
        (
            "firmware/consumer/wyze-cam-v2/rootfs.bin",
            "firmware__consumer__wyze-cam-v2__rootfs.bin.manifest.json",
            61,
            405,
            3_354_624,
        ),
        (
            "firmware/consumer/sannce-camera/rootfs.bin",
            "firmware__consumer__sannce-camera__rootfs.bin.manifest.json",
            49,
            442,
            3_334_144,
        ),
    ] {
        let Some(p) = conformance_filtered(rel, 0, manifest, true) else {
            return;
        };
        assert!(p.notes.is_empty(), "{rel}: {:?}", p.notes);
        assert_eq!(attr(&p, "compression"), "xz", "{rel}");
        assert_eq!(count_files(&p), files, "{rel}");
        assert_eq!(entries(&p).len(), entries_n, "{rel}");
        assert_eq!(p.len, len, "{rel}");
    }
}
