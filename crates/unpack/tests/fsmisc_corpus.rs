//! Corpus conformance for the jffs2, cramfs and romfs parsers: every regular file the
//! reference extractors (binwalk, unblob) produced from a sample must come out of our parser
//! with the same SHA-256, at the path they give.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use baseline_unpack::formats::{cramfs::Cramfs, jffs2::Jffs2, romfs::Romfs};
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

/// (sha256, path) of the regular files we extract, the parser's notes and its length.
fn extract(format: &dyn Format, data: &Bytes) -> (BTreeSet<(String, String)>, Vec<String>, u64) {
    let parsed = format
        .parse(data, 0, &Ctx::new(Limits::default()))
        .unwrap()
        .expect("format recognised");
    assert!(parsed.filesystem);
    let Output::Entries(entries) = parsed.output else {
        panic!("file system yields entries")
    };
    let mut out = BTreeSet::new();
    for e in entries {
        if let EntryKind::File(d) = e.kind {
            out.insert((hex::encode(Sha256::digest(&d)), e.path));
        }
    }
    (out, parsed.notes, parsed.len)
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
        if let Some(inner) = fs_path(p.as_str().unwrap()) {
            out.insert(sha.clone(), inner);
        }
    }
    out
}

/// The path inside the file system of a reference tool's output path, or `None` for files
/// of nested extractions (archives inside the file system) and carved unknown chunks.
/// binwalk: `input.extracted/<off>/[jffs2-root/]<path>`; unblob: `input_extract/[<a>-<b>.<fmt>_extract/]<path>`.
fn fs_path(p: &str) -> Option<String> {
    let comps: Vec<&str> = p.split('/').collect();
    let carve = |c: &str| {
        c.strip_suffix("_extract")
            .and_then(|c| c.split_once('.'))
            .and_then(|(range, _)| range.split_once('-'))
            .is_some_and(|(a, b)| a.parse::<u64>().is_ok() && b.parse::<u64>().is_ok())
    };
    let body: &[&str] = match comps.as_slice() {
        ["input.extracted", _off, "jffs2-root", rest @ ..] => rest,
        ["input.extracted", _off, rest @ ..] => rest,
        ["input_extract", c, rest @ ..] if carve(c) => rest,
        ["input_extract", rest @ ..] => rest,
        _ => return None,
    };
    let nested = body
        .iter()
        .any(|c| c.ends_with(".extracted") || c.ends_with("_extract"));
    if nested || p.ends_with(".unknown") || body.is_empty() {
        return None;
    }
    Some(body.join("/"))
}

struct Outcome {
    ours: BTreeSet<(String, String)>,
    notes: Vec<String>,
    /// Bytes the parser claims (the carve length).
    len: u64,
    /// Per tool: its reference files (sha256 → path) and how many of those contents we
    /// produced (paths are compared separately: binwalk loses directories on some images).
    tools: Vec<(&'static str, BTreeMap<String, String>, usize)>,
}

impl Outcome {
    fn best_tool(&self) -> usize {
        self.tools.iter().map(|t| t.1.len()).max().unwrap_or(0)
    }
    fn matched(&self) -> usize {
        self.tools.iter().map(|t| t.2).max().unwrap_or(0)
    }
    /// Prints per-tool figures and misses (visible with `--nocapture`).
    fn report(&self, name: &str) {
        #[allow(clippy::print_stdout)]
        for (tool, r, hit) in &self.tools {
            println!(
                "{name} {tool}: {hit}/{} (we extract {} files)",
                r.len(),
                self.ours.len()
            );
            for (h, p) in r {
                if !self.ours.iter().any(|(o, _)| o == h) {
                    let ours: Vec<&String> = self
                        .ours
                        .iter()
                        .filter(|(_, q)| q.ends_with(p.as_str()))
                        .map(|(h, _)| h)
                        .collect();
                    println!("  miss {p} ({:.16}), ours at that path: {ours:.16?}", h);
                }
            }
            for (h, p) in &self.ours {
                if !r.contains_key(h) {
                    println!("  extra {p} ({h:.16})");
                }
            }
        }
    }
}

fn compare(corpus: &std::path::Path, sample: &str, format: &dyn Format) -> Outcome {
    let data = Bytes::from(std::fs::read(corpus.join(sample)).unwrap());
    let (ours, notes, len) = extract(format, &data);
    let manifest = sample.trim_start_matches("formats/").replace('/', "__");
    let tools = ["binwalk", "unblob"]
        .into_iter()
        .map(|tool| {
            let r = reference(corpus, &manifest, tool);
            let hit = r
                .keys()
                .filter(|h| ours.iter().any(|(o, _)| o == *h))
                .count();
            (tool, r, hit)
        })
        .collect();
    Outcome {
        ours,
        notes,
        len,
        tools,
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
    let want: BTreeSet<(String, String)> = files
        .iter()
        .map(|(h, p)| ((*h).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(o.ours, want);
    assert_eq!(o.matched(), o.best_tool());
    assert!(o.notes.is_empty(), "{:?}", o.notes);
}

#[test]
fn romfs_fact_extractor() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/fact-extractor/generic_fs/romfs.img", &Romfs);
    expect_exact(&o, &TEST_FILES);
    assert_eq!(o.len, 0x1b0);
}

#[test]
fn romfs_binwalk() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/binwalk/romfs.bin", &Romfs);
    expect_exact(&o, &[LSB_RELEASE]);
    assert_eq!(o.len, 0xf0);
}

#[test]
fn cramfs_fact_extractor() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/fact-extractor/sevenz/cramfs.img", &Cramfs);
    expect_exact(&o, &TEST_FILES);
    assert_eq!(o.len, 0x1000);
}

#[test]
fn cramfs_binwalk() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "formats/binwalk/cramfs.bin", &Cramfs);
    expect_exact(&o, &[LSB_RELEASE]);
    assert_eq!(o.len, 0x1000);
}

#[test]
fn jffs2_fact_extractor_both_byte_orders() {
    let Some(c) = corpus() else { return };
    for f in ["jffs2_le.img", "jffs2_be.img"] {
        let o = compare(&c, &format!("formats/fact-extractor/jffs2/{f}"), &Jffs2);
        expect_exact(&o, &TEST_FILES);
        assert_eq!(o.len, 0x264);
    }
}

#[test]
fn jffs2_sannce_system_partition() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "firmware/consumer/sannce-camera/system.bin", &Jffs2);
    o.report("sannce system.bin");
    // unblob's 37 files, all at its paths with its contents. binwalk agrees on 34: it split
    // the partition in two at 0x220104 and took older versions of three archives
    // (system/bin/encoder.zip, system/lib/drivers.zip, www/audio_cn.zip); ours, like
    // unblob's, are the newest versions and pass their zip CRCs.
    let unblob = &o.tools[1];
    assert_eq!((unblob.1.len(), unblob.2), (37, 37));
    for (h, p) in &unblob.1 {
        assert!(o.ours.contains(&(h.clone(), p.clone())), "{p}");
    }
    assert_eq!(o.tools[0].2, 34);
    // The last node ends at the partition's end (2304 KiB).
    assert_eq!(o.len, 0x24_0000);
    // 38 files: two of them have equal contents, which the hash-keyed manifests count once.
    assert_eq!(o.ours.len(), 38);
    let distinct: BTreeSet<&String> = o.ours.iter().map(|(h, _)| h).collect();
    assert_eq!(distinct.len(), 37);
    // The shared Apple push certificate and private key (contents never printed), and the
    // web login with its empty admin password.
    for (sha, path) in [
        (
            "a14d128bb08584392d07b805feb9ff35ead049057fa1cc5fb831818c1f212bfb",
            "www/pem/ck.pem",
        ),
        (
            "e549f54fd40c0dc9e23475b30c4407e3e134d35b589335c02b45c2695aeae419",
            "param/login.cgi",
        ),
    ] {
        assert!(
            o.ours.contains(&(sha.to_owned(), path.to_owned())),
            "{path}"
        );
    }
    assert_eq!(o.notes, vec!["2265 obsolete nodes ignored".to_owned()],);
}

#[test]
fn jffs2_wyze_config_partition() {
    let Some(c) = corpus() else { return };
    let o = compare(&c, "firmware/consumer/wyze-cam-v2/config.bin", &Jffs2);
    o.report("wyze config.bin");
    let want = [
        (
            "49076650882aaca62179488adafa6ef27f33bb1262af8a5eba061ea89fbb7026",
            ".nasConfig",
        ),
        (
            "4fc4e2fcd36fea4f00ec0e8f79a08a881cd32f27b30b59a0b8650c6173a6e452",
            ".user_config",
        ),
        (
            "c59014c77ec4eabfae51643eeda86bd535eb143eea6693db64be9570ac5e490a",
            ".auto_record_info",
        ),
    ];
    let want: BTreeSet<(String, String)> = want
        .iter()
        .map(|(h, p)| ((*h).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(o.ours, want);
    assert_eq!(o.matched(), 3);
    // The rest of the 256 KiB partition is erased flash.
    assert_eq!(o.len, 0x3_800c);
    assert_eq!(o.notes, vec!["364 obsolete nodes ignored".to_owned()]);
}

/// The engine finds candidates by magic only: each sample must start with one of the
/// registered format's patterns, or it would never be parsed.
#[test]
fn registered_magics_find_every_sample() {
    let Some(c) = corpus() else { return };
    let registry = baseline_unpack::formats::registry();
    for (sample, name) in [
        ("formats/fact-extractor/jffs2/jffs2_le.img", "jffs2"),
        ("formats/fact-extractor/jffs2/jffs2_be.img", "jffs2"),
        ("firmware/consumer/sannce-camera/system.bin", "jffs2"),
        ("firmware/consumer/wyze-cam-v2/config.bin", "jffs2"),
        ("formats/fact-extractor/sevenz/cramfs.img", "cramfs"),
        ("formats/binwalk/cramfs.bin", "cramfs"),
        ("formats/fact-extractor/generic_fs/romfs.img", "romfs"),
        ("formats/binwalk/romfs.bin", "romfs"),
    ] {
        let data = std::fs::read(c.join(sample)).unwrap();
        let format = registry.iter().find(|f| f.name() == name).unwrap();
        assert!(
            format
                .magics()
                .iter()
                .any(|m| data.get(m.offset..m.offset + m.bytes.len()) == Some(m.bytes)),
            "{sample}"
        );
    }
}
