//! Turning a format's untrusted [`Entry`] list into a clean directory tree.
//!
//! Owns: path normalisation (leading `/` stripped, `.` dropped, `..` resolved without leaving
//! the file system, empty names skipped), implicit parent directories, "later duplicates
//! replace earlier ones", and hard links resolved to a copy of their target's content.
//! Never does: touching disk (the writer re-checks every name before writing).

use crate::format::{Entry, EntryKind};
use crate::tree::Meta;
use bytes::Bytes;
use std::collections::BTreeMap;

/// Hard-link hops followed before giving up (a chain or cycle of links).
const MAX_LINK_HOPS: u32 = 40;

/// Split an untrusted archive path into clean components, resolving `..` lexically and never
/// above the file system's root.
pub fn normalise_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c.replace('\0', "_")),
        }
    }
    out
}

#[derive(Debug, Clone)]
pub(crate) enum BKind {
    Dir,
    File(Bytes),
    Symlink(String),
    HardLink(String),
    Device {
        char_device: bool,
        major: u32,
        minor: u32,
    },
    Fifo,
    Socket,
}

#[derive(Debug, Clone)]
pub(crate) struct BNode {
    pub name: String,
    pub kind: BKind,
    pub meta: Meta,
    pub children: BTreeMap<String, usize>,
}

/// A file system under construction; node 0 is its root.
#[derive(Debug)]
pub(crate) struct FsBuild {
    pub nodes: Vec<BNode>,
    pub notes: Vec<String>,
    pub root_meta: Meta,
}

impl FsBuild {
    pub(crate) fn from_entries(entries: Vec<Entry>) -> Self {
        let mut b = FsBuild {
            nodes: vec![BNode {
                name: String::new(),
                kind: BKind::Dir,
                meta: Meta::default(),
                children: BTreeMap::new(),
            }],
            notes: Vec::new(),
            root_meta: Meta::default(),
        };
        for e in entries {
            b.insert(e);
        }
        b.resolve_hard_links();
        b
    }

    fn node_mut(&mut self, i: usize) -> Option<&mut BNode> {
        self.nodes.get_mut(i)
    }

    fn insert(&mut self, e: Entry) {
        let comps = normalise_path(&e.path);
        let Some((last, parents)) = comps.split_last() else {
            if matches!(e.kind, EntryKind::Dir) {
                self.root_meta = e.meta;
            } else {
                self.notes
                    .push(format!("entry {:?} names the root; skipped", e.path));
            }
            return;
        };
        let mut cur = 0usize;
        for p in parents {
            cur = self.ensure_dir(cur, p, &e.path);
        }
        let kind = match e.kind {
            EntryKind::File(d) => BKind::File(d),
            EntryKind::Dir => BKind::Dir,
            EntryKind::Symlink(t) => BKind::Symlink(t),
            EntryKind::HardLink(t) => BKind::HardLink(t),
            EntryKind::Device {
                char_device,
                major,
                minor,
            } => BKind::Device {
                char_device,
                major,
                minor,
            },
            EntryKind::Fifo => BKind::Fifo,
            EntryKind::Socket => BKind::Socket,
        };
        let existing = self
            .nodes
            .get(cur)
            .and_then(|n| n.children.get(last))
            .copied();
        match existing {
            Some(i) => {
                let Some(n) = self.node_mut(i) else { return };
                if matches!((&n.kind, &kind), (BKind::Dir, BKind::Dir)) {
                    n.meta = e.meta;
                } else {
                    // A later entry replaces an earlier one, as extracting in order would.
                    n.kind = kind;
                    n.meta = e.meta;
                    n.children.clear();
                }
            }
            None => {
                self.add(cur, last.clone(), kind, e.meta);
            }
        }
    }

    fn add(&mut self, parent: usize, name: String, kind: BKind, meta: Meta) -> usize {
        let idx = self.nodes.len();
        self.nodes.push(BNode {
            name: name.clone(),
            kind,
            meta,
            children: BTreeMap::new(),
        });
        if let Some(p) = self.node_mut(parent) {
            p.children.insert(name, idx);
        }
        idx
    }

    /// The directory `name` in `parent`, created if missing. A non-directory in the way
    /// (file, or a symlink: we never follow links while building) becomes a directory.
    fn ensure_dir(&mut self, parent: usize, name: &str, entry: &str) -> usize {
        let existing = self
            .nodes
            .get(parent)
            .and_then(|n| n.children.get(name))
            .copied();
        match existing {
            Some(i) => {
                let replaced = match self.node_mut(i) {
                    Some(n) if !matches!(n.kind, BKind::Dir) => {
                        n.kind = BKind::Dir;
                        true
                    }
                    _ => false,
                };
                if replaced {
                    self.notes.push(format!(
                        "entry {entry:?}: non-directory {name:?} on its path replaced by a directory"
                    ));
                }
                i
            }
            None => self.add(parent, name.to_owned(), BKind::Dir, Meta::default()),
        }
    }

    /// Index of the node at `comps` (following directories only), if any.
    fn find(&self, comps: &[String]) -> Option<usize> {
        let mut cur = 0usize;
        for c in comps {
            cur = *self.nodes.get(cur)?.children.get(c)?;
        }
        Some(cur)
    }

    fn resolve_hard_links(&mut self) {
        let links: Vec<usize> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n.kind, BKind::HardLink(_)))
            .map(|(i, _)| i)
            .collect();
        for i in links {
            let mut cur = i;
            let mut resolved = None;
            for _ in 0..MAX_LINK_HOPS {
                let Some(n) = self.nodes.get(cur) else { break };
                match &n.kind {
                    BKind::HardLink(t) => match self.find(&normalise_path(t)) {
                        Some(next) if next != cur => cur = next,
                        _ => break,
                    },
                    BKind::File(d) => {
                        resolved = Some(BKind::File(d.clone()));
                        break;
                    }
                    BKind::Symlink(t) => {
                        resolved = Some(BKind::Symlink(t.clone()));
                        break;
                    }
                    _ => break,
                }
            }
            let note = match (self.node_mut(i), resolved) {
                (Some(n), Some(kind)) => {
                    n.kind = kind;
                    None
                }
                (Some(n), None) => {
                    let target = match &n.kind {
                        BKind::HardLink(t) => t.clone(),
                        _ => String::new(),
                    };
                    // Keep the name visible but empty: the link's content is unknown.
                    n.kind = BKind::File(Bytes::new());
                    Some(format!(
                        "hard link {:?} -> {target:?}: target is not a file in this file system; kept empty",
                        n.name
                    ))
                }
                (None, _) => None,
            };
            if let Some(note) = note {
                self.notes.push(note);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn normalise_strips_root_dots_and_clamps_dotdot() {
        assert_eq!(normalise_path("/etc/passwd"), vec!["etc", "passwd"]);
        assert_eq!(normalise_path("./a/./b//c"), vec!["a", "b", "c"]);
        assert_eq!(normalise_path("../../../etc/shadow"), vec!["etc", "shadow"]);
        assert_eq!(normalise_path("a/b/../../../c"), vec!["c"]);
        assert!(normalise_path("/").is_empty());
        assert!(normalise_path("").is_empty());
    }
}
