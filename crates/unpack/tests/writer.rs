//! The confined writer against hostile trees: nothing may land outside DIR.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::print_stderr)]

mod toy;

use baseline_unpack::writer::{symlink_stays_inside, write_tree, Manifest, WriteOptions};
use baseline_unpack::{ArtifactTree, Engine, Limits, Node, NodeKind};
use bytes::Bytes;
use std::path::{Path, PathBuf};

fn engine_tree(data: Vec<u8>) -> ArtifactTree {
    Engine::with_formats(&toy::all(), Limits::default())
        .unpack_inputs(&[("fw.bin".into(), Bytes::from(data))])
        .unwrap()
        .tree
}

/// Every path below `dir` (not following symlinks), relative, sorted.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                out.push(format!(
                    "{rel} -> {}",
                    std::fs::read_link(&p).unwrap().display()
                ));
                // A created link must resolve inside DIR (or dangle inside it).
                if let Ok(real) = p.canonicalize() {
                    assert!(
                        real.starts_with(dir.canonicalize().unwrap()),
                        "{rel} escapes"
                    );
                }
            } else if m.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn status<'a>(m: &'a Manifest, path: &str) -> (&'a str, Option<&'a str>) {
    let e = m
        .entries
        .iter()
        .find(|e| e.entry.path == path)
        .unwrap_or_else(|| panic!("{path} not in manifest"));
    (e.status, e.reason.as_deref())
}

fn out_dir() -> (tempfile::TempDir, PathBuf) {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("out");
    (base, out)
}

#[test]
fn layout_mirrors_the_tree_with_extracted_dirs() {
    let archive = toy::tarx(&[
        (0, "etc/shadow", b"root:$1$x"),
        (2, "bin/sh", b"busybox"),
        (0, "bin/busybox", b"\x7fELF"),
    ]);
    let tree = engine_tree(toy::xor(5, &archive));
    let (_base, out) = out_dir();
    let m = write_tree(&tree, &out, &WriteOptions::default()).unwrap();
    assert_eq!(
        walk(&out),
        vec![
            "fw.bin.extracted/",
            "fw.bin.extracted/0x0.xor",
            "fw.bin.extracted/0x0.xor.extracted/",
            "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/",
            "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/bin/",
            "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/bin/busybox",
            "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/bin/sh -> busybox",
            "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/etc/",
            "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/etc/shadow",
            "manifest.json",
        ]
    );
    assert_eq!(
        std::fs::read(out.join("fw.bin.extracted/0x0.xor.extracted/0x0.tarx/etc/shadow")).unwrap(),
        b"root:$1$x"
    );
    assert_eq!(m.entries.len(), tree.len());
    assert_eq!((m.report.files, m.report.symlinks), (3, 1));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "baseline/unpack-manifest/v1");
    assert_eq!(
        json["entries"][4]["disk"],
        "fw.bin.extracted/0x0.xor.extracted/0x0.tarx/bin/busybox"
    );
}

#[test]
fn hostile_archive_writes_nothing_outside_dir() {
    let archive = toy::tarx(&[
        (0, "../../../../pwned-dotdot", b"x"),
        (0, "/pwned-abs", b"x"),
        (2, "evil", b"/tmp"),
        (0, "evil/pwned-through-link", b"x"),
        (2, "up", b"../../../../../../.."),
        (2, "chain", b"up/etc"),
        (3, "passwd-hardlink", b"/etc/passwd"),
        (3, "escape-hardlink", b"../../../../etc/passwd"),
        (4, "dev/sda", b""),
        (5, "dev/initctl", b""),
    ]);
    let tree = engine_tree(archive);
    let (base, out) = out_dir();
    let m = write_tree(&tree, &out, &WriteOptions::default()).unwrap();
    // Only DIR itself appeared next to it.
    let siblings: Vec<_> = std::fs::read_dir(base.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, vec!["out"]);
    let fs = "fw.bin.extracted/0x0.tarx";
    assert_eq!(
        walk(&out),
        vec![
            "fw.bin.extracted/".to_string(),
            format!("{fs}/"),
            format!("{fs}/chain -> up/etc"),
            format!("{fs}/dev/"),
            format!("{fs}/escape-hardlink"),
            format!("{fs}/evil/"),
            format!("{fs}/evil/pwned-through-link"),
            format!("{fs}/passwd-hardlink"),
            format!("{fs}/pwned-abs"),
            format!("{fs}/pwned-dotdot"),
            "manifest.json".to_string(),
        ]
    );
    // Hard links to paths outside the file system are resolved inside it (here: missing),
    // never to the host's /etc/passwd.
    assert!(std::fs::read(out.join(fs).join("passwd-hardlink"))
        .unwrap()
        .is_empty());
    assert_eq!(
        status(&m, "fw.bin!/0x0.tarx/up"),
        (
            "manifest-only",
            Some("symlink target could resolve outside the output directory")
        )
    );
    assert_eq!(
        status(&m, "fw.bin!/0x0.tarx/chain"),
        ("symlink", None),
        "a relative link into a dangling escape is harmless: `up` was never created"
    );
    assert_eq!(
        status(&m, "fw.bin!/0x0.tarx/dev/sda"),
        ("manifest-only", Some("special files are never created"))
    );
    assert_eq!(
        status(&m, "fw.bin!/0x0.tarx/dev/initctl").0,
        "manifest-only"
    );
}

fn node(name: &str, kind: NodeKind, data: &'static [u8]) -> Node {
    Node::new(name, kind, Bytes::from_static(data))
}

fn link(name: &str, target: &str) -> Node {
    node(
        name,
        NodeKind::Symlink {
            target: target.into(),
        },
        b"",
    )
}

#[test]
fn hand_built_hostile_tree_is_confined() {
    // Trees may come from elsewhere than the engine: the writer re-checks every name.
    let mut t = ArtifactTree::new();
    let input = t.add_input("fw.bin", Bytes::from_static(b"x"));
    let fs = t.add_child(input, node("0x0.tar", NodeKind::FsRoot, b""));
    t.add_child(fs, node("..", NodeKind::Dir, b""));
    t.add_child(fs, node("../../escape", NodeKind::File, b"e"));
    t.add_child(fs, node("/abs", NodeKind::File, b"a"));
    t.add_child(fs, node("", NodeKind::File, b"a"));
    // Link chain: `a` → `b` is fine by itself, `b` escapes; then a file "through" `a`.
    t.add_child(fs, link("a", "b"));
    t.add_child(fs, link("b", "../../../../../.."));
    let through = t.add_child(fs, node("a", NodeKind::Dir, b""));
    t.add_child(through, node("x", NodeKind::File, b"through"));
    // Symlink then a file of the same name: the file must not be written via the link.
    t.add_child(fs, link("same", "victim"));
    t.add_child(fs, node("same", NodeKind::File, b"overwrite"));
    t.add_child(fs, link("sneaky", "d/../.."));
    t.add_child(fs, link("abs", "/etc/passwd"));
    let (base, out) = out_dir();
    let m = write_tree(&t, &out, &WriteOptions::default()).unwrap();
    let siblings: Vec<_> = std::fs::read_dir(base.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, vec!["out"]);
    assert_eq!(
        walk(&out),
        vec![
            "fw.bin.extracted/",
            "fw.bin.extracted/0x0.tar/",
            "fw.bin.extracted/0x0.tar/a -> b",
            "fw.bin.extracted/0x0.tar/same -> victim",
            "manifest.json",
        ]
    );
    let reasons: Vec<(&str, Option<&str>)> = m
        .entries
        .iter()
        .map(|e| (e.status, e.reason.as_deref()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("not-written", None),
            ("dir", None),
            ("skipped", Some("name \"..\" is not a plain path component")),
            ("skipped", Some("name \"../../escape\" is not a plain path component")),
            ("skipped", Some("name \"/abs\" is not a plain path component")),
            ("skipped", Some("name \"\" is not a plain path component")),
            ("symlink", None),
            ("manifest-only", Some("symlink target could resolve outside the output directory")),
            ("skipped", Some("fw.bin.extracted/0x0.tar/a exists and is not a directory (never written through)")),
            ("skipped", Some("parent was not written")),
            ("symlink", None),
            ("skipped", Some("fw.bin.extracted/0x0.tar/same already exists (never overwritten)")),
            ("manifest-only", Some("symlink target could resolve outside the output directory")),
            ("manifest-only", Some("symlink target could resolve outside the output directory")),
        ]
    );
}

#[test]
fn never_writes_through_a_symlink_already_in_a_forced_dir() {
    let (base, out) = out_dir();
    let outside = base.path().join("outside");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("fw.bin.extracted")).unwrap();
    let tree = engine_tree(toy::tarx(&[(0, "etc/passwd", b"x")]));
    let err = write_tree(&tree, &out, &WriteOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("output directory exists and is not empty"),
        "{err}"
    );
    let m = write_tree(&tree, &out, &WriteOptions { force: true }).unwrap();
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(
        status(&m, "fw.bin!/0x0.tarx"),
        (
            "skipped",
            Some("fw.bin.extracted exists and is not a directory (never written through)")
        )
    );
    assert_eq!(m.report.files, 0);
}

#[test]
fn symlink_confinement_rule() {
    assert!(symlink_stays_inside(3, "busybox"));
    assert!(symlink_stays_inside(3, "../lib/libc.so.0"));
    assert!(symlink_stays_inside(3, "./../../x"));
    assert!(symlink_stays_inside(3, "../../../x"));
    assert!(!symlink_stays_inside(3, "../../../../x"));
    assert!(!symlink_stays_inside(3, "/etc/passwd"));
    assert!(!symlink_stays_inside(3, "a/../.."));
    assert!(!symlink_stays_inside(3, "a/.."));
    assert!(!symlink_stays_inside(3, ""));
}

#[test]
fn names_the_file_system_refuses_are_skipped_not_fatal() {
    let long = "n".repeat(300);
    // 500 levels of 10-byte names: deeper than PATH_MAX (4096) allows.
    let deep = vec!["dddddddddd"; 500].join("/");
    let archive = toy::tarx(&[
        (0, long.as_str(), b"x"),
        (0, format!("{deep}/f").as_str(), b"x"),
        (0, "ok", b"fine"),
    ]);
    let tree = engine_tree(archive);
    let (_base, out) = out_dir();
    let m = write_tree(&tree, &out, &WriteOptions::default()).unwrap();
    let (st, why) = status(&m, &format!("fw.bin!/0x0.tarx/{long}"));
    assert_eq!(st, "skipped");
    assert!(
        why.unwrap()
            .starts_with("cannot create fw.bin.extracted/0x0.tarx/nnn"),
        "{why:?}"
    );
    assert_eq!(
        std::fs::read(out.join("fw.bin.extracted/0x0.tarx/ok")).unwrap(),
        b"fine"
    );
    let deep_file = m
        .entries
        .iter()
        .find(|e| e.entry.path.ends_with("/f"))
        .unwrap();
    assert_eq!(
        (deep_file.status, deep_file.reason.as_deref()),
        ("skipped", Some("parent was not written"))
    );
    assert!(m
        .entries
        .iter()
        .any(|e| e.reason.as_deref().is_some_and(
            |r| r.starts_with("cannot inspect ") || r.starts_with("cannot create directory ")
        )));
}

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus missing at {}",
            p.display()
        );
        eprintln!("corpus not found at {}; skipped", p.display());
        None
    }
}

#[test]
fn binwalk_dirtraversal_tar_writes_nothing_outside_dir() {
    let Some(corpus) = corpus() else { return };
    let data = std::fs::read(corpus.join("formats/binwalk/legacy-dirtraversal.tar")).unwrap();
    // Every registered format (the tar parser once merged), not the toys.
    let tree = baseline_unpack::unpack(
        "legacy-dirtraversal.tar",
        Bytes::from(data),
        &Limits::default(),
    )
    .unwrap()
    .tree;
    let (base, out) = out_dir();
    let m = write_tree(&tree, &out, &WriteOptions::default()).unwrap();
    let siblings: Vec<_> = std::fs::read_dir(base.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, vec!["out"]);
    // walk() asserts every created symlink resolves inside DIR.
    let written = walk(&out);
    assert!(written.contains(&"manifest.json".to_string()));
    assert_eq!(m.entries.len(), tree.len());
}
