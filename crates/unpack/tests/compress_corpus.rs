//! Corpus conformance of the compression and archive formats: each sample is scanned with a
//! miniature engine (magic scan over the registry's compression/archive formats, recursion
//! into outputs) and the SHA-256 of every produced stream and file is compared with the
//! reference extractors' manifests (`expected/reference-extractors/*.manifest.json`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

use baseline_unpack::formats::{
    ar::Ar, bzip2::Bzip2, compress::Compress, cpio::Cpio, gzip::Gzip, lz4::Lz4, lzip::Lzip,
    lzma::Lzma, lzo::Lzo, sevenz::SevenZ, tar::Tar, xz::Xz, zip::Zip, zlib::Zlib, zstd::Zstd,
};
use baseline_unpack::{Ctx, EntryKind, Format, Limits, Output};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const FORMATS: &[&dyn Format] = &[
    &Gzip, &Zlib, &Bzip2, &Xz, &Lzma, &Lzip, &Zstd, &Lz4, &Lzo, &Compress, &Tar, &Cpio, &Zip,
    &SevenZ, &Ar,
];

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus missing at {}",
        p.display()
    );
    println!("corpus not found at {}; skipping", p.display());
    None
}

fn sha(d: &[u8]) -> String {
    hex::encode(Sha256::digest(d))
}

#[derive(Default)]
struct Found {
    hashes: BTreeMap<String, String>,
    notes: Vec<String>,
    /// Parse attempts on the top-level input (candidates not inside a carved region, plus one
    /// offset-0 attempt per format).
    attempts: usize,
    by_format: BTreeMap<&'static str, usize>,
}

/// Scan `data` for candidates of our formats (offset 0 first, then magic hits found with one
/// Aho-Corasick pass, as the engine does), carve what parses, recurse into outputs.
fn scan(data: &Bytes, label: &str, depth: u32, found: &mut Found) {
    if depth > 5 {
        return;
    }
    let ctx = Ctx::new(Limits::default());
    let mut pats: Vec<&[u8]> = Vec::new();
    let mut owners: Vec<(usize, usize)> = Vec::new(); // (format index, magic offset)
    for (fi, f) in FORMATS.iter().enumerate() {
        for m in f.magics() {
            pats.push(m.bytes);
            owners.push((fi, m.offset));
        }
    }
    let ac = aho_corasick::AhoCorasick::new(&pats).unwrap();
    let mut cands: BTreeSet<(usize, usize)> = (0..FORMATS.len()).map(|fi| (0, fi)).collect();
    for m in ac.find_overlapping_iter(data.as_ref()) {
        let (fi, off) = owners[m.pattern().as_usize()];
        if let Some(start) = m.start().checked_sub(off) {
            cands.insert((start, fi));
        }
    }
    let mut covered = 0usize;
    for (pos, fi) in cands {
        if pos < covered {
            continue;
        }
        let f = FORMATS[fi];
        if depth == 0 {
            found.attempts += 1;
            *found.by_format.entry(f.name()).or_default() += 1;
        }
        let Ok(Some(p)) = f.parse(data, pos, &ctx) else {
            continue;
        };
        if p.len == 0 {
            continue;
        }
        let here = format!("{label}/{pos:#x}.{}", f.name());
        for n in &p.notes {
            found.notes.push(format!("{here}: {n}"));
        }
        match p.output {
            Output::Stream { data: d, .. } => {
                found.hashes.insert(sha(&d), here.clone());
                scan(&d, &here, depth + 1, found);
            }
            Output::Entries(es) => {
                for e in es {
                    if let EntryKind::File(d) = e.kind {
                        let path = format!("{here}/{}", e.path);
                        found.hashes.insert(sha(&d), path.clone());
                        scan(&d, &path, depth + 1, found);
                    }
                }
            }
            _ => {}
        }
        covered = pos + p.len as usize;
    }
}

/// Reference hashes (binwalk ∪ unblob) worth reproducing: carving leftovers (`.unknown`,
/// `.padding`) are not outputs of a format.
fn reference(root: &std::path::Path, sample: &str) -> BTreeMap<String, String> {
    let name = format!("{}.manifest.json", sample.replace('/', "__"));
    let text =
        std::fs::read_to_string(root.join("expected/reference-extractors").join(name)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for tool in ["binwalk", "unblob"] {
        if let Some(files) = v["tools"][tool]["files"].as_object() {
            for (h, p) in files {
                let p = p.as_str().unwrap_or_default();
                if p.ends_with(".unknown") || p.ends_with(".padding") {
                    continue;
                }
                out.insert(h.clone(), format!("{tool}:{p}"));
            }
        }
    }
    out
}

/// (sample under `formats/`, reference hashes we are known not to reproduce and why).
const SAMPLES: &[(&str, &[(&str, &str)])] = &[
    ("fact-extractor/patool/test.a", &[]),
    ("fact-extractor/patool/test.bz2", &[]),
    ("fact-extractor/patool/test.cpio", &[]),
    ("fact-extractor/patool/test.lz", &[]),
    ("fact-extractor/patool/test.lz4", &[]),
    ("fact-extractor/patool/test.lzo", &[]),
    ("fact-extractor/patool/test.tar", &[]),
    (
        "fact-extractor/patool/test.tar.Z",
        &[(
            "07d2ce676cad",
            "unblob carves the .Z one byte short (0-565) so its LZW output stops at 10172 bytes; \
             the codes end at the last bit of the 566-byte file and decode to 10240 bytes, \
             binwalk's aacb7e74…",
        )],
    ),
    ("fact-extractor/patool/test.tar.bz2", &[]),
    ("fact-extractor/patool/test.tar.lz", &[]),
    ("fact-extractor/patool/test.zst", &[]),
    ("fact-extractor/sevenz/test.7z", &[]),
    ("fact-extractor/sevenz/test.gz", &[]),
    ("fact-extractor/sevenz/test.xz", &[]),
    ("fact-extractor/sevenz/test_password.7z", &[]),
    (
        "fact-extractor/sevenz/ext2.img.xz",
        &[
            (
                "289b5a050a83",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "d558c9339cb9",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "faa11db49f32",
                "inner file of a file-system image (not a format of this module)",
            ),
        ],
    ),
    (
        "fact-extractor/sevenz/ext3.img.xz",
        &[
            (
                "289b5a050a83",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "d558c9339cb9",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "faa11db49f32",
                "inner file of a file-system image (not a format of this module)",
            ),
        ],
    ),
    (
        "fact-extractor/sevenz/ext4.img.xz",
        &[
            (
                "289b5a050a83",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "d558c9339cb9",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "faa11db49f32",
                "inner file of a file-system image (not a format of this module)",
            ),
        ],
    ),
    (
        "fact-extractor/sevenz/fat.img.xz",
        &[
            (
                "289b5a050a83",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "d558c9339cb9",
                "inner file of a file-system image (not a format of this module)",
            ),
            (
                "faa11db49f32",
                "inner file of a file-system image (not a format of this module)",
            ),
        ],
    ),
    ("fact-extractor/common/trailing_data.bz2", &[]),
    ("fact-extractor/common/trailing_data.lzma", &[]),
    ("fact-extractor/common/trailing_data.zip", &[]),
    ("fact-extractor/common/generic_carver_test", &[]),
    ("fact-extractor/generic_carver/carving_test_file", &[]),
    ("fact-extractor/generic_carver/fake_7z.7z", &[]),
    ("fact-extractor/generic_carver/fake_gz.gz", &[]),
    ("fact-extractor/generic_carver/fake_tar.tar", &[]),
    ("fact-extractor/generic_carver/fake_xz.xz", &[]),
    ("fact-extractor/generic_carver/fake_zip.zip", &[]),
    ("fact-extractor/generic_carver/zlib_carving_test", &[]),
    ("fact-extractor/raw/encoded.bin", &[]),
    ("fact-extractor/raw/nothing.bin", &[]),
    ("fact-extractor/raw/raw.bin", &[]),
    ("binwalk/gzip.bin", &[]),
    ("binwalk/bzip2.bin", &[]),
    ("binwalk/zip.bin", &[]),
    ("binwalk/zip_truncated.bin", &[]),
    ("binwalk/7z.bin", &[]),
    ("binwalk/legacy-dirtraversal.tar", &[]),
];

#[test]
fn corpus_outputs_match_reference_extractors() {
    let Some(root) = corpus() else { return };
    let mut failures = Vec::new();
    for (sample, known_misses) in SAMPLES {
        let path = root.join("formats").join(sample);
        let Ok(bytes) = std::fs::read(&path) else {
            failures.push(format!("{sample}: missing"));
            continue;
        };
        let data = Bytes::from(bytes);
        let mut found = Found::default();
        let t0 = std::time::Instant::now();
        scan(&data, "", 0, &mut found);
        let took = t0.elapsed();
        let want = reference(&root, sample);
        let known: BTreeSet<&str> = known_misses.iter().map(|(h, _)| *h).collect();
        let missing: Vec<_> = want
            .iter()
            .filter(|(h, _)| {
                !found.hashes.contains_key(*h) && !known.iter().any(|k| h.starts_with(k))
            })
            .collect();
        println!(
            "{sample}: {took:?}, {} outputs, {}/{} reference hashes reproduced, notes: {:?}",
            found.hashes.len(),
            want.len() - missing.len(),
            want.len(),
            found.notes
        );
        for (h, p) in &missing {
            failures.push(format!("{sample}: missing {h} ({p})"));
        }
        // Decoys: nothing but the one genuinely truncated zip entry may come out of them.
        if sample.contains("fake_") || sample.contains("/raw/") {
            let allowed = usize::from(sample.ends_with("fake_zip.zip"));
            if found.hashes.len() != allowed {
                failures.push(format!("{sample}: false positive {:?}", found.hashes));
            }
        }
        if sample.ends_with("test_password.7z")
            && !found.notes.iter().any(|n| n.contains("password-protected"))
        {
            failures.push(format!("{sample}: no password note: {:?}", found.notes));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The end-to-end image: a 4 MiB TP-Link router firmware with an LZMA kernel at 0x20400 and an
/// LZMA-compressed U-Boot payload inside the uImage at 0x39d0. Both decoded streams must equal
/// binwalk's, and the magic scan must stay cheap (few parse attempts per MiB).
#[test]
fn tplink_lzma_streams_match_binwalk() {
    let Some(root) = corpus() else { return };
    let data =
        Bytes::from(std::fs::read(root.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin")).unwrap());
    let mut found = Found::default();
    let t0 = std::time::Instant::now();
    scan(&data, "", 0, &mut found);
    println!(
        "tplink: {:?}, {} parse attempts {:?}, {} outputs: {:?}",
        t0.elapsed(),
        found.attempts,
        found.by_format,
        found.hashes.len(),
        found.hashes.values().collect::<Vec<_>>()
    );
    for (prefix, what) in [
        ("ad931bfda23b", "kernel at 0x20400"),
        ("5d4189a04867", "U-Boot payload"),
    ] {
        assert!(
            found.hashes.keys().any(|h| h.starts_with(prefix)),
            "{what} ({prefix}) not reproduced: {:?}",
            found.hashes
        );
    }
    assert!(
        found.attempts < 200,
        "{} parse attempts on 4 MiB",
        found.attempts
    );
}

/// Carving extents: where unblob carved these samples (its `<start>-<end>.<format>` names),
/// our `Parsed::len` must end too, so the trailing data is left for the engine.
#[test]
fn carving_extents_match_unblob() {
    let Some(root) = corpus() else { return };
    let cases: &[(&str, &dyn Format, usize, u64)] = &[
        ("fact-extractor/common/trailing_data.bz2", &Bzip2, 0, 52),
        ("fact-extractor/common/trailing_data.zip", &Zip, 0, 170),
        // unblob has no LZMA-alone handler; the file is a 35-byte stream plus 100 bytes.
        ("fact-extractor/common/trailing_data.lzma", &Lzma, 0, 35),
        ("fact-extractor/common/generic_carver_test", &Zip, 100, 787),
        (
            "fact-extractor/generic_carver/carving_test_file",
            &Zip,
            128,
            172,
        ),
        // unblob carves 0-565 and loses the last byte: the 9..16-bit codes end exactly at the
        // last bit of the 566-byte file (and decode to the 10240-byte tar binwalk also gets).
        ("fact-extractor/patool/test.tar.Z", &Compress, 0, 566),
        ("binwalk/bzip2.bin", &Bzip2, 0, 8125),
    ];
    for (sample, f, start, len) in cases {
        let data = Bytes::from(std::fs::read(root.join("formats").join(sample)).unwrap());
        let p = f
            .parse(&data, *start, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap_or_else(|| panic!("{sample}: not parsed"));
        assert_eq!(p.len, *len, "{sample}");
    }
}
