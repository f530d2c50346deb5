//! The one confined writer: puts an [`ArtifactTree`] on disk under a directory, and nowhere
//! else.
//!
//! Owns: the on-disk layout, every file, directory and symlink creation of `baseline unpack
//! -o DIR`, and `manifest.json`. Never does: follow a symlink while writing, write a path
//! with `..` or an absolute path, overwrite an existing file, create device nodes.
//!
//! Layout: input `fw.bin` → directory `fw.bin.extracted/`. Below it every node keeps its tree
//! name: file-system roots and directories are directories; files, decompressed streams and
//! carved regions are regular files; a file/stream/region that has children also gets a
//! sibling directory `NAME.extracted/` for them. So `fw.bin!/0x120200.squashfs/etc/shadow`
//! is written as `fw.bin.extracted/0x120200.squashfs/etc/shadow`.
//!
//! Every path is opened relative to one directory handle of DIR through `cap-std` (openat2
//! with `RESOLVE_BENEATH` on Linux, component-by-component resolution elsewhere), so the
//! kernel, not a check made before the write, refuses any resolution that leaves DIR: a `..`
//! past DIR, an absolute path or a symlink pointing out fails to open even if another process
//! swaps a directory for a symlink between the checks below and the write. The checks stay as
//! well, so that what is written (and what the manifest says) does not depend on the race.
//!
//! Safety rules (each re-checked here, whatever built the tree):
//! - every path component must be a plain name (not empty, `.`, `..`, no `/` or NUL);
//! - directories are created one component at a time, and an existing component that is not
//!   a real directory (a symlink, a file) stops that subtree: nothing is written through it;
//! - files are created with `create_new` (`O_CREAT|O_EXCL`, which also refuses a symlink in
//!   the final component), so nothing is ever overwritten;
//! - a symlink is created only when its target is relative, has `..` only as leading
//!   components, and no more of them than the link's depth below DIR. Every symlink created
//!   then provably resolves inside DIR (its `..`s climb real directories only; the rest
//!   descends through names that are real directories or such links). Other symlinks are
//!   recorded in the manifest only;
//! - hard links were already resolved to copies by the engine; device nodes, FIFOs and
//!   sockets are recorded in the manifest only;
//! - DIR must be missing or empty unless `force` is set (and even then nothing existing is
//!   overwritten).
//!
//! A name the file system refuses (too long, too deep) skips that node and its subtree with
//! the reason in the manifest; only failing to write content (disk full) or the manifest
//! stops the run with an error.

use crate::listing::{self, ListEntry};
use crate::tree::{ArtifactTree, NodeId, NodeKind};
use crate::{Error, Result};
use cap_std::fs::Dir;
use serde::Serialize;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of [`write_tree`].
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Write into an existing non-empty directory (never overwriting anything in it).
    pub force: bool,
}

/// What [`write_tree`] did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WriteReport {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Nodes recorded in the manifest only (devices, unsafe symlinks).
    pub manifest_only: u64,
    /// Nodes not written because writing them would have been unsafe or failed.
    pub skipped: u64,
    pub bytes: u64,
}

/// One manifest line: the listing entry plus what happened on disk.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    #[serde(flatten)]
    pub entry: ListEntry,
    /// Path relative to DIR, when written.
    pub disk: Option<String>,
    /// `written`, `symlink`, `dir`, `manifest-only`, `skipped` or `not-written` (inputs).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The `manifest.json` document.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub schema: &'static str,
    pub report: WriteReport,
    pub entries: Vec<ManifestEntry>,
}

/// Name of the manifest inside DIR.
pub const MANIFEST_NAME: &str = "manifest.json";

/// A plain path component that cannot climb or be absolute.
pub fn is_plain_component(c: &str) -> bool {
    !c.is_empty() && c != "." && c != ".." && !c.contains('/') && !c.contains('\0')
}

/// Whether a symlink with `target`, placed in a directory `depth` levels below DIR, may be
/// created (see the module docs for why this confines it).
pub fn symlink_stays_inside(depth: usize, target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') || target.contains('\0') {
        return false;
    }
    let mut ups = 0usize;
    let mut descended = false;
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if descended {
                    return false;
                }
                ups += 1;
            }
            _ => descended = true,
        }
    }
    ups <= depth
}

struct Writer<'a> {
    /// DIR on disk, for messages.
    root: PathBuf,
    /// DIR as a capability: every write resolves beneath it.
    dir: Dir,
    tree: &'a ArtifactTree,
    made_dirs: HashSet<Vec<String>>,
    report: WriteReport,
}

enum Placed {
    Written(Vec<String>),
    Skipped(String),
}

/// Write `tree` under `dir` (created if missing) with `manifest.json`.
pub fn write_tree(tree: &ArtifactTree, dir: &Path, opts: &WriteOptions) -> Result<Manifest> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !opts.force {
                return Err(Error::Unsafe {
                    path: dir.display().to_string(),
                    reason:
                        "output directory exists and is not empty (use --force to write into it)"
                            .into(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        Err(e) => return Err(io(dir)(e)),
    }
    let root = dir.canonicalize().map_err(io(dir))?;
    let handle = Dir::open_ambient_dir(&root, cap_std::ambient_authority()).map_err(io(&root))?;
    let hashes = listing::sha256_all(tree);
    let mut w = Writer {
        root,
        dir: handle,
        tree,
        made_dirs: HashSet::new(),
        report: WriteReport::default(),
    };
    // Where each node's children go (relative components), indexed by node id.
    let mut child_dir: Vec<Option<Vec<String>>> = vec![None; tree.len()];
    let mut entries = Vec::with_capacity(tree.len());
    for id in listing::preorder(tree) {
        let Some(entry) = listing::entry(tree, id, &hashes) else {
            continue;
        };
        let (disk, status, reason) = w.place(id, &mut child_dir)?;
        entries.push(ManifestEntry {
            entry,
            disk,
            status,
            reason,
        });
    }
    let manifest = Manifest {
        schema: "baseline/unpack-manifest/v1",
        report: w.report.clone(),
        entries,
    };
    write_manifest(&w.dir, &w.root, &manifest)?;
    Ok(manifest)
}

fn write_manifest(dir: &Dir, root: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Io {
        path: root.join(MANIFEST_NAME),
        source: std::io::Error::other(e),
    })?;
    // Written beside and renamed: rename replaces a symlink itself, never its target.
    let tmp_name = format!(".{MANIFEST_NAME}.tmp-{}", std::process::id());
    let tmp = root.join(&tmp_name);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let mut f = dir
        .open_with(
            &tmp_name,
            cap_std::fs::OpenOptions::new().write(true).create_new(true),
        )
        .map_err(io(&tmp))?;
    f.write_all(&json).map_err(io(&tmp))?;
    drop(f);
    dir.rename(&tmp_name, dir, MANIFEST_NAME).map_err(io(&tmp))
}

impl Writer<'_> {
    /// Decide and perform the write of one node; parents were placed before it.
    #[allow(clippy::type_complexity)]
    fn place(
        &mut self,
        id: NodeId,
        child_dir: &mut [Option<Vec<String>>],
    ) -> Result<(Option<String>, &'static str, Option<String>)> {
        let Some(node) = self.tree.get(id) else {
            return Ok((None, "skipped", Some("no such node".into())));
        };
        let base = match node.parent {
            None => {
                // Inputs are the user's own files: not copied, their children go beside.
                let name = format!("{}.extracted", node.name);
                if !is_plain_component(&node.name) {
                    self.report.skipped += 1;
                    return Ok((
                        None,
                        "skipped",
                        Some("input name is not a plain name".into()),
                    ));
                }
                if let Some(slot) = child_dir.get_mut(id.0 as usize) {
                    *slot = Some(vec![name]);
                }
                return Ok((None, "not-written", None));
            }
            Some(p) => child_dir.get(p.0 as usize).cloned().flatten(),
        };
        let Some(base) = base else {
            self.report.skipped += 1;
            return Ok((None, "skipped", Some("parent was not written".into())));
        };
        if !is_plain_component(&node.name) {
            self.report.skipped += 1;
            return Ok((
                None,
                "skipped",
                Some(format!(
                    "name {:?} is not a plain path component",
                    node.name
                )),
            ));
        }
        let mut rel = base.clone();
        rel.push(node.name.clone());
        let disk = Some(rel.join("/"));
        match &node.kind {
            NodeKind::Input => Ok((None, "not-written", None)),
            NodeKind::FsRoot | NodeKind::Dir => match self.make_dirs(&rel)? {
                Placed::Written(p) => {
                    if let Some(slot) = child_dir.get_mut(id.0 as usize) {
                        *slot = Some(p);
                    }
                    Ok((disk, "dir", None))
                }
                Placed::Skipped(why) => {
                    self.report.skipped += 1;
                    Ok((None, "skipped", Some(why)))
                }
            },
            NodeKind::File | NodeKind::Stream | NodeKind::Region => {
                if let Placed::Skipped(why) = self.make_dirs(&base)? {
                    self.report.skipped += 1;
                    return Ok((None, "skipped", Some(why)));
                }
                let status = match self.write_file(&rel, &node.data, node.meta.mode)? {
                    Placed::Written(_) => {
                        self.report.files += 1;
                        self.report.bytes += node.data.len() as u64;
                        (disk, "written", None)
                    }
                    Placed::Skipped(why) => {
                        self.report.skipped += 1;
                        (None, "skipped", Some(why))
                    }
                };
                if !node.children.is_empty() {
                    let mut d = base;
                    d.push(format!("{}.extracted", node.name));
                    if let Some(slot) = child_dir.get_mut(id.0 as usize) {
                        *slot = Some(d);
                    }
                }
                Ok(status)
            }
            NodeKind::Symlink { target } => {
                // Depth of the link's directory below DIR.
                if !symlink_stays_inside(base.len(), target) {
                    self.report.manifest_only += 1;
                    return Ok((
                        None,
                        "manifest-only",
                        Some("symlink target could resolve outside the output directory".into()),
                    ));
                }
                if let Placed::Skipped(why) = self.make_dirs(&base)? {
                    self.report.skipped += 1;
                    return Ok((None, "skipped", Some(why)));
                }
                Ok(self.make_symlink(&rel, target, disk))
            }
            NodeKind::Device { .. } | NodeKind::Fifo | NodeKind::Socket => {
                self.report.manifest_only += 1;
                Ok((
                    None,
                    "manifest-only",
                    Some("special files are never created".into()),
                ))
            }
        }
    }

    /// `rel` as a path relative to DIR (for the capability).
    fn rel(rel: &[String]) -> PathBuf {
        rel.iter().collect()
    }

    /// `rel` under DIR on disk (for messages).
    fn full(&self, rel: &[String]) -> PathBuf {
        self.root.join(Self::rel(rel))
    }

    /// Create `rel` (all components) as real directories, never passing a symlink.
    fn make_dirs(&mut self, rel: &[String]) -> Result<Placed> {
        // Parents are placed before children, so usually only the last component is new:
        // find the longest prefix already made (one lookup, not one per level).
        let mut first = rel.len();
        while first > 0 && !rel.get(..first).is_some_and(|p| self.made_dirs.contains(p)) {
            first -= 1;
        }
        for i in first + 1..=rel.len() {
            let Some(prefix) = rel.get(..i) else { break };
            if self.made_dirs.contains(prefix) {
                continue;
            }
            if let Some(bad) = prefix.iter().find(|c| !is_plain_component(c)) {
                return Ok(Placed::Skipped(format!("unsafe path component {bad:?}")));
            }
            let path = Self::rel(prefix);
            match self.dir.symlink_metadata(&path) {
                Ok(m) if m.file_type().is_dir() => {}
                Ok(_) => {
                    return Ok(Placed::Skipped(format!(
                        "{} exists and is not a directory (never written through)",
                        prefix.join("/")
                    )))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    match self.dir.create_dir(&path) {
                        Ok(()) => self.report.dirs += 1,
                        // Hostile names (too long, too deep) fail here: skip that subtree.
                        Err(e) => {
                            return Ok(Placed::Skipped(format!(
                                "cannot create directory {}: {e}",
                                prefix.join("/")
                            )))
                        }
                    }
                }
                Err(e) => {
                    return Ok(Placed::Skipped(format!(
                        "cannot inspect {}: {e}",
                        prefix.join("/")
                    )))
                }
            }
            self.made_dirs.insert(prefix.to_vec());
        }
        Ok(Placed::Written(rel.to_vec()))
    }

    fn write_file(&mut self, rel: &[String], data: &[u8], mode: Option<u32>) -> Result<Placed> {
        let path = self.full(rel);
        let mut opts = cap_std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use cap_std::fs::OpenOptionsExt;
            // Only the executable bit survives: no setuid, no world-writable files.
            let exec = mode.is_some_and(|m| m & 0o111 != 0);
            opts.mode(if exec { 0o755 } else { 0o644 });
        }
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = match self.dir.open_with(Self::rel(rel), &opts) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Ok(Placed::Skipped(format!(
                    "{} already exists (never overwritten)",
                    rel.join("/")
                )))
            }
            Err(e) => {
                return Ok(Placed::Skipped(format!(
                    "cannot create {}: {e}",
                    rel.join("/")
                )))
            }
        };
        // A failed write of the content (disk full) is a real I/O failure: stop.
        f.write_all(data)
            .map_err(|e| Error::Io { path, source: e })?;
        Ok(Placed::Written(rel.to_vec()))
    }

    fn make_symlink(
        &mut self,
        rel: &[String],
        target: &str,
        disk: Option<String>,
    ) -> (Option<String>, &'static str, Option<String>) {
        #[cfg(unix)]
        {
            match self.dir.symlink(target, Self::rel(rel)) {
                Ok(()) => {
                    self.report.symlinks += 1;
                    (disk, "symlink", None)
                }
                Err(e) => {
                    self.report.skipped += 1;
                    (None, "skipped", Some(format!("symlink not created: {e}")))
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (rel, target, disk);
            self.report.manifest_only += 1;
            (
                None,
                "manifest-only",
                Some("symlinks are only created on Unix".into()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// The check-then-write race: a directory swapped for a symlink to outside DIR after
    /// `make_dirs` checked it. The write goes through the DIR capability, so the kernel
    /// refuses to resolve through the link and nothing lands outside.
    #[cfg(unix)]
    #[test]
    fn a_symlink_swapped_in_after_the_checks_is_not_written_through() {
        let out = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let tree = ArtifactTree::new();
        let mut w = Writer {
            root: out.path().to_path_buf(),
            dir: Dir::open_ambient_dir(out.path(), cap_std::ambient_authority()).unwrap(),
            tree: &tree,
            made_dirs: HashSet::new(),
            report: WriteReport::default(),
        };
        let rel = vec!["sub".to_owned()];
        assert!(matches!(w.make_dirs(&rel).unwrap(), Placed::Written(_)));
        // Another process replaces the checked directory with a link out of DIR.
        std::fs::remove_dir(out.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path(), out.path().join("sub")).unwrap();
        let file = vec!["sub".to_owned(), "shadow".to_owned()];
        match w.write_file(&file, b"root::0:0", None).unwrap() {
            Placed::Skipped(why) => assert!(why.starts_with("cannot create sub/shadow"), "{why}"),
            Placed::Written(_) => panic!("wrote through a symlink"),
        }
        assert!(!outside.path().join("shadow").exists());
        // An absolute or climbing path is refused by the capability too.
        let up = vec!["..".to_owned(), "escape".to_owned()];
        assert!(matches!(
            w.write_file(&up, b"x", None).unwrap(),
            Placed::Skipped(_)
        ));
    }
}
