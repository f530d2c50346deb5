//! Corpus conformance for the jffs2, cramfs and romfs parsers: every regular file the
//! reference extractors (binwalk, unblob) produced from a sample must come out of our parser
//! with the same SHA-256, at the path they give.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use baseline_unpack::formats::{cramfs::Cramfs, romfs::Romfs};
use baseline_unpack::{Ctx, EntryKind, Format, Limits, Output};
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
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus not found at {}",
        dir.display()
    );
    #[allow(clippy::print_stdout)]
    {
        println!("corpus not found at {}; skipping", dir.display());
    }
    None
}

/// sha256 → path of the regular files we extract.
fn extract(format: &dyn Format, data: &Bytes, start: usize) -> BTreeMap<String, String> {
    let parsed = format
        .parse(data, start, &Ctx::new(Limits::default()))
        .unwrap()
        .expect("format recognised");
    assert!(parsed.filesystem);
    let Output::Entries(entries) = parsed.output else {
        panic!("file system yields entries")
    };
    let mut out = BTreeMap::new();
    for e in entries {
        if let EntryKind::File(d) = e.kind {
            out.insert(hex::encode(Sha256::digest(&d)), e.path);
        }
    }
    out
}

/// The reference files of one tool, without the nested extractions (archives inside the
/// file system) and carved gaps, which are other formats' business: sha256 → path inside the
/// file system.
fn reference(corpus: &std::path::Path, manifest: &str, tool: &str) -> BTreeMap<String, String> {
    let path = corpus
        .join("expected/reference-extractors")
        .join(format!("{manifest}.manifest.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let files = json["tools"][tool]["files"].as_object().unwrap();
    let mut out = BTreeMap::new();
    for (sha, p) in files {
        let p = p.as_str().unwrap();
        // Strip the tool's prefix up to the file-system root directory.
        let inner = [
            "jffs2-root/",
            "_extract/",
            ".extracted/0/",
            "input_extract/",
        ]
        .iter()
        .filter_map(|m| p.rfind(m).map(|i| &p[i + m.len()..]))
        .min_by_key(|s| s.len());
        let Some(inner) = inner else { continue };
        let nested = p.contains(".zip") || p.contains(".pem.extracted") || p.ends_with(".unknown");
        if !nested {
            out.insert(sha.clone(), inner.to_owned());
        }
    }
    out
}

struct Outcome {
    ours: BTreeMap<String, String>,
    matched: BTreeSet<String>,
    best_tool: usize,
}

fn compare(corpus: &std::path::Path, sample: &str, format: &dyn Format) -> Outcome {
    let data = Bytes::from(std::fs::read(corpus.join(sample)).unwrap());
    let ours = extract(format, &data, 0);
    let manifest = sample.trim_start_matches("formats/").replace('/', "__");
    let mut matched = BTreeSet::new();
    let mut best_tool = 0;
    for tool in ["binwalk", "unblob"] {
        let r = reference(corpus, &manifest, tool);
        best_tool = best_tool.max(r.len());
        for sha in r.keys() {
            if ours.contains_key(sha) {
                matched.insert(sha.clone());
            }
        }
    }
    Outcome {
        ours,
        matched,
        best_tool,
    }
}

const TEST_FILES: [(&str, &str); 3] = [
    (
        "289b5a050a83837f192d7129e4c4e02570b94b4924e50159fad5ed1067cfbfeb",
        "generic folder/test file 3_.txt",
    ),
    (
        "d558c9339cb967341d701e3184f863d3928973fccdc1d96042583730b5c7b76a",
        "testfile1",
    ),
    (
        "faa11db49f32a90b51dfc3f0254f9fd7a7b46d0b570abd47e1943b86d554447a",
        "testfile2",
    ),
];

const LSB_RELEASE: (&str, &str) = (
    "6dc8ba4242e0e699e3360b84e38ccecfc4dcedaa4701c8ebee3836decd815654",
    "lsb-release",
);

fn expect_exact(o: &Outcome, files: &[(&str, &str)]) {
    let want: BTreeMap<String, String> = files
        .iter()
        .map(|(h, p)| ((*h).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(o.ours, want);
    assert_eq!(o.matched.len(), o.best_tool);
}

#[test]
fn romfs_fact_extractor() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/fact-extractor/generic_fs/romfs.img", &Romfs);
    expect_exact(&o, &TEST_FILES);
}

#[test]
fn romfs_binwalk() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/binwalk/romfs.bin", &Romfs);
    expect_exact(&o, &[LSB_RELEASE]);
}

#[test]
fn cramfs_fact_extractor() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/fact-extractor/sevenz/cramfs.img", &Cramfs);
    expect_exact(&o, &TEST_FILES);
}

#[test]
fn cramfs_binwalk() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/binwalk/cramfs.bin", &Cramfs);
    expect_exact(&o, &[LSB_RELEASE]);
}
