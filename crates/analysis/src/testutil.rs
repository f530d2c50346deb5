//! Synthetic [`ArtifactTree`]s for tests and benches: an input holding one file-system root
//! whose members are given as `(device path, bytes)` pairs or read from a plain directory.
//!
//! Owns: building trees the way the unpacker would lay them out (Input → FsRoot → Dir/File).
//! Never does: identify formats or unpack anything.

use baseline_unpack::{ArtifactTree, Node, NodeId, NodeKind};
use bytes::Bytes;
use std::path::Path;

/// One member of a synthetic file system.
#[derive(Debug, Clone)]
pub enum Entry {
    File(Vec<u8>),
    Symlink(String),
}

/// Add an input named `input` holding one root file system with `members`
/// (`/etc/shadow` → content). Parent directories are created as needed.
pub fn add_fs_input(
    tree: &mut ArtifactTree,
    input: &str,
    members: &[(&str, Entry)],
) -> (NodeId, NodeId) {
    let inp = tree.add_input(input, Bytes::new());
    let mut root = Node::new("rootfs", NodeKind::FsRoot, Bytes::new());
    root.format = Some("test");
    let root = tree.add_child(inp, root);
    for (path, entry) in members {
        let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let Some((last, dirs)) = comps.split_last() else {
            continue;
        };
        let mut cur = root;
        for d in dirs {
            cur = match tree.child(cur, d) {
                Some(c) => c,
                None => tree.add_child(cur, Node::new(*d, NodeKind::Dir, Bytes::new())),
            };
        }
        let node = match entry {
            Entry::File(b) => Node::new(*last, NodeKind::File, Bytes::from(b.clone())),
            Entry::Symlink(t) => {
                Node::new(*last, NodeKind::Symlink { target: t.clone() }, Bytes::new())
            }
        };
        tree.add_child(cur, node);
    }
    tree.mark_root_filesystems();
    (inp, root)
}

/// A tree with one input whose root file system holds `files` (`path` → text).
pub fn tree_with_files(input: &str, files: &[(&str, &str)]) -> ArtifactTree {
    let mut t = ArtifactTree::new();
    let members: Vec<(&str, Entry)> = files
        .iter()
        .map(|(p, c)| (*p, Entry::File(c.as_bytes().to_vec())))
        .collect();
    add_fs_input(&mut t, input, &members);
    t
}

/// Add an input whose root file system mirrors the plain directory `dir` (files and
/// symlinks; other kinds are skipped). Reading errors skip the entry.
pub fn add_dir_input(tree: &mut ArtifactTree, input: &str, dir: &Path) -> (NodeId, NodeId) {
    let mut members: Vec<(String, Entry)> = Vec::new();
    collect(dir, dir, &mut members);
    members.sort_by(|a, b| a.0.cmp(&b.0));
    let refs: Vec<(&str, Entry)> = members
        .iter()
        .map(|(p, e)| (p.as_str(), e.clone()))
        .collect();
    add_fs_input(tree, input, &refs)
}

/// Add an input whose root file system holds the given corpus files at the given device paths
/// (`("/etc/shadow", "/corpus/…/etc_shadow")`). Unreadable files are skipped.
pub fn add_mapped_input(
    tree: &mut ArtifactTree,
    input: &str,
    map: &[(&str, &Path)],
) -> (NodeId, NodeId) {
    let members: Vec<(&str, Entry)> = map
        .iter()
        .filter_map(|(dev, host)| std::fs::read(host).ok().map(|b| (*dev, Entry::File(b))))
        .collect();
    add_fs_input(tree, input, &members)
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(String, Entry)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(rel) = p.strip_prefix(base) else {
            continue;
        };
        let dev = format!("/{}", rel.to_string_lossy());
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_symlink() {
            if let Ok(t) = std::fs::read_link(&p) {
                out.push((dev, Entry::Symlink(t.to_string_lossy().into_owned())));
            }
        } else if ft.is_dir() {
            collect(base, &p, out);
        } else if ft.is_file() {
            if let Ok(b) = std::fs::read(&p) {
                out.push((dev, Entry::File(b)));
            }
        }
    }
}

/// The corpus folder (`BASELINE_CORPUS`, else `<workspace>/../shared/corpus`), if present.
pub fn corpus_dir() -> Option<std::path::PathBuf> {
    let p = match std::env::var_os("BASELINE_CORPUS") {
        Some(v) => std::path::PathBuf::from(v),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    p.is_dir().then_some(p)
}
