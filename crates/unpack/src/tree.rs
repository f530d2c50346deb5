//! The in-memory tree of everything unpacked from one product's inputs.
//!
//! Nodes live in one arena (`Vec<Node>`) and refer to each other by [`NodeId`]. Contents are
//! [`Bytes`], so carved regions share their parent's buffer instead of copying it.
//!
//! Paths: [`ArtifactTree::display_path`] gives the unambiguous path used in evidence
//! (`fw.bin!/0x120200.squashfs/etc/shadow`); inside a file system, [`ArtifactTree::fs_path`]
//! gives the path as the device sees it (`/etc/shadow`) and [`ArtifactTree::lookup`] resolves
//! such paths, following symlinks without ever leaving that file system's root.

use bytes::Bytes;
use serde::Serialize;
use std::collections::BTreeMap;

/// Index of a node in its [`ArtifactTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct NodeId(pub u32);

/// POSIX metadata. All fields optional: raw regions and streams have none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Meta {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mtime: Option<i64>,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NodeKind {
    /// An input file as given on the command line.
    Input,
    /// A region of its parent at an offset: a recognised container/header, or an unknown gap
    /// (`format` is then `None`: a blob).
    Region,
    /// The decoded output of its parent (decompression, de-obfuscation).
    Stream,
    /// Root directory of a file system or archive extracted from its parent.
    FsRoot,
    File,
    Dir,
    Symlink {
        target: String,
    },
    Device {
        char_device: bool,
        major: u32,
        minor: u32,
    },
    Fifo,
    Socket,
}

/// One node of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    pub kind: NodeKind,
    /// Format identified for this node's content (containers, streams' sources, file systems).
    pub format: Option<&'static str>,
    /// Offset of this node within its parent's data (regions).
    pub offset: Option<u64>,
    pub data: Bytes,
    pub meta: Meta,
    /// Parsed header fields / key-values (see [`crate::Parsed::attrs`]).
    pub attrs: Vec<(String, String)>,
    /// Problems met while producing this node (truncation, CRC mismatch, limit hit).
    pub notes: Vec<String>,
    /// The nearest enclosing file-system root, for file-system members.
    pub fs_root: Option<NodeId>,
    /// For FsRoot nodes: judged to be a root file system (has /etc, /bin or /sbin…).
    pub is_root_fs: bool,
}

impl Node {
    pub fn new(name: impl Into<String>, kind: NodeKind, data: Bytes) -> Self {
        Node {
            name: name.into(),
            parent: None,
            children: Vec::new(),
            kind,
            format: None,
            offset: None,
            data,
            meta: Meta::default(),
            attrs: Vec::new(),
            notes: Vec::new(),
            fs_root: None,
            is_root_fs: false,
        }
    }

    pub fn is_file(&self) -> bool {
        matches!(self.kind, NodeKind::File)
    }

    pub fn is_dir_like(&self) -> bool {
        matches!(self.kind, NodeKind::Dir | NodeKind::FsRoot)
    }
}

/// The arena of nodes for one product (one or more inputs).
#[derive(Debug, Clone, Default)]
pub struct ArtifactTree {
    nodes: Vec<Node>,
    roots: Vec<NodeId>,
    /// Child lookup by name for directory-like nodes.
    dir_index: BTreeMap<(NodeId, String), NodeId>,
}

/// Symlink hops allowed in one lookup (Linux uses 40).
const MAX_SYMLINK_HOPS: u32 = 40;

impl ArtifactTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an input file as a new root.
    pub fn add_input(&mut self, name: impl Into<String>, data: Bytes) -> NodeId {
        let id = self.push(Node::new(name, NodeKind::Input, data));
        self.roots.push(id);
        id
    }

    /// Add `node` as the last child of `parent`. File-system membership is inherited.
    pub fn add_child(&mut self, parent: NodeId, mut node: Node) -> NodeId {
        node.parent = Some(parent);
        if node.fs_root.is_none() {
            node.fs_root = match self.get(parent).map(|p| (&p.kind, p.fs_root)) {
                Some((NodeKind::FsRoot, _)) => Some(parent),
                Some((NodeKind::Dir, fs)) => fs,
                _ => None,
            };
        }
        let name = node.name.clone();
        let id = self.push(node);
        if let Some(p) = self.nodes.get_mut(parent.0 as usize) {
            p.children.push(id);
            if p.is_dir_like() {
                self.dir_index.insert((parent, name), id);
            }
        }
        id
    }

    fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        self.nodes.push(node);
        id
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn roots(&self) -> &[NodeId] {
        &self.roots
    }

    pub fn get(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }

    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id.0 as usize)
    }

    /// All node ids in creation order (parents before children).
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).map(|i| NodeId(i as u32))
    }

    /// All nodes with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(i as u32), n))
    }

    /// Child of a directory-like node by exact name.
    pub fn child(&self, dir: NodeId, name: &str) -> Option<NodeId> {
        self.dir_index.get(&(dir, name.to_owned())).copied()
    }

    /// True for a carve ([`crate::Format::carve`]: an image or PEM block) found inside a
    /// file-system or archive file: a view of bytes the file itself already holds. Analysers
    /// that read every file whole skip views so they do not see the same bytes twice.
    pub fn is_view(&self, id: NodeId) -> bool {
        let Some(n) = self.get(id) else { return false };
        let in_file = n
            .parent
            .and_then(|p| self.get(p))
            .is_some_and(Node::is_file);
        in_file
            && matches!(n.kind, NodeKind::Region)
            && n.format.is_some_and(|f| {
                crate::formats::registry()
                    .iter()
                    .any(|c| c.carve() && c.name() == f)
            })
    }

    /// The input a node descends from.
    pub fn input_of(&self, mut id: NodeId) -> NodeId {
        while let Some(p) = self.get(id).and_then(|n| n.parent) {
            id = p;
        }
        id
    }

    /// Unambiguous path for evidence: `input!/region/…/fs-path`.
    pub fn display_path(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            let Some(n) = self.get(c) else { break };
            parts.push(n.name.as_str());
            cur = n.parent;
        }
        parts.reverse();
        let mut out = String::new();
        for (i, p) in parts.iter().enumerate() {
            if i == 1 {
                out.push('!');
            }
            if i >= 1 {
                out.push('/');
            }
            out.push_str(p);
        }
        out
    }

    /// Path of a file-system member as the device sees it (`/etc/shadow`); `None` outside
    /// file systems.
    pub fn fs_path(&self, id: NodeId) -> Option<String> {
        let node = self.get(id)?;
        if matches!(node.kind, NodeKind::FsRoot) {
            return Some("/".to_owned());
        }
        let root = node.fs_root?;
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != root {
            let n = self.get(cur)?;
            parts.push(n.name.as_str());
            cur = n.parent?;
        }
        parts.reverse();
        Some(format!("/{}", parts.join("/")))
    }

    /// Where a file-system member is, for a reader of evidence: its [`fs_path`](Self::fs_path)
    /// when its file system is not inside another one's file, else the outer member's
    /// location, `!` and the path inside (`/system/bin/encoder.zip!/encoder`). `None` outside
    /// file systems.
    pub fn member_path(&self, id: NodeId) -> Option<String> {
        let inner = self.fs_path(id)?;
        let node = self.get(id)?;
        let root = if matches!(node.kind, NodeKind::FsRoot) {
            id
        } else {
            node.fs_root?
        };
        // The nearest ancestor of this file system that is itself a member of another one.
        let mut cur = self.get(root)?.parent;
        while let Some(c) = cur {
            let n = self.get(c)?;
            if n.fs_root.is_some() && !matches!(n.kind, NodeKind::FsRoot) {
                let outer = self.member_path(c)?;
                return Some(format!("{outer}!{inner}"));
            }
            cur = n.parent;
        }
        Some(inner)
    }

    /// Resolve `path` inside the file system rooted at `fs_root`, following symlinks (also in
    /// the final component) but never above `fs_root`: `..` at the root stays at the root and
    /// absolute link targets restart at `fs_root`, as a chroot would.
    pub fn lookup(&self, fs_root: NodeId, path: &str) -> Option<NodeId> {
        self.resolve(fs_root, fs_root, path, true, &mut 0)
    }

    /// Like [`lookup`](Self::lookup) but does not follow a symlink in the last component.
    pub fn lookup_nofollow(&self, fs_root: NodeId, path: &str) -> Option<NodeId> {
        self.resolve(fs_root, fs_root, path, false, &mut 0)
    }

    fn resolve(
        &self,
        fs_root: NodeId,
        start: NodeId,
        path: &str,
        follow_last: bool,
        hops: &mut u32,
    ) -> Option<NodeId> {
        let mut cur = if path.starts_with('/') {
            fs_root
        } else {
            start
        };
        let comps: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        for (i, comp) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            if *comp == ".." {
                if cur != fs_root {
                    cur = self.get(cur)?.parent?;
                }
                continue;
            }
            let next = self.child(cur, comp)?;
            let node = self.get(next)?;
            if let NodeKind::Symlink { target } = &node.kind {
                if !last || follow_last {
                    *hops += 1;
                    if *hops > MAX_SYMLINK_HOPS {
                        return None;
                    }
                    cur = self.resolve(fs_root, cur, target, true, hops)?;
                    continue;
                }
            }
            cur = next;
        }
        Some(cur)
    }

    /// File-system roots in the tree.
    pub fn fs_roots(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.iter()
            .filter(|(_, n)| matches!(n.kind, NodeKind::FsRoot))
            .map(|(id, _)| id)
    }

    /// Mark every FsRoot that looks like a root file system (has `etc` and one of `bin`,
    /// `sbin`, `lib`, `usr`).
    pub fn mark_root_filesystems(&mut self) {
        let roots: Vec<NodeId> = self.fs_roots().collect();
        for r in roots {
            let has = |name: &str| self.child(r, name).is_some();
            let is_root = has("etc") && (has("bin") || has("sbin") || has("lib") || has("usr"));
            if let Some(n) = self.get_mut(r) {
                n.is_root_fs = is_root;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> (ArtifactTree, NodeId) {
        let mut t = ArtifactTree::new();
        let input = t.add_input("fw.bin", Bytes::from_static(b"x"));
        let mut fs = Node::new("0x100.squashfs", NodeKind::FsRoot, Bytes::new());
        fs.format = Some("squashfs");
        let fs = t.add_child(input, fs);
        let etc = t.add_child(fs, Node::new("etc", NodeKind::Dir, Bytes::new()));
        t.add_child(
            etc,
            Node::new("shadow", NodeKind::File, Bytes::from_static(b"root:x")),
        );
        t.add_child(
            etc,
            Node::new(
                "passwd",
                NodeKind::Symlink {
                    target: "../tmp/passwd".into(),
                },
                Bytes::new(),
            ),
        );
        t.add_child(
            etc,
            Node::new(
                "escape",
                NodeKind::Symlink {
                    target: "../../../../etc/shadow".into(),
                },
                Bytes::new(),
            ),
        );
        t.add_child(
            etc,
            Node::new(
                "loop",
                NodeKind::Symlink {
                    target: "loop".into(),
                },
                Bytes::new(),
            ),
        );
        (t, fs)
    }

    #[test]
    fn lookup_follows_symlinks_inside_root_only() {
        let (t, fs) = sample();
        let shadow = t.lookup(fs, "/etc/shadow").unwrap();
        assert_eq!(t.fs_path(shadow).unwrap(), "/etc/shadow");
        assert_eq!(t.display_path(shadow), "fw.bin!/0x100.squashfs/etc/shadow");
        // ../../../../etc/shadow from /etc clamps at the root and lands on /etc/shadow.
        assert_eq!(t.lookup(fs, "/etc/escape"), Some(shadow));
        // Dangling link into /tmp (runtime-generated) resolves to nothing.
        assert_eq!(t.lookup(fs, "/etc/passwd"), None);
        assert!(t.lookup_nofollow(fs, "/etc/passwd").is_some());
        // A self-loop terminates.
        assert_eq!(t.lookup(fs, "/etc/loop"), None);
    }

    #[test]
    fn member_path_keeps_the_outer_file_of_a_nested_file_system() {
        let (mut t, fs) = sample();
        let shadow = t.lookup(fs, "/etc/shadow").unwrap();
        // A top-level file system: the device path, as before.
        assert_eq!(t.member_path(shadow).unwrap(), "/etc/shadow");
        let etc = t.lookup(fs, "/etc").unwrap();
        let zip = t.add_child(
            etc,
            Node::new("web.zip", NodeKind::File, Bytes::from_static(b"PK")),
        );
        let stream = t.add_child(zip, Node::new("0x0.gz", NodeKind::Stream, Bytes::new()));
        let inner = t.add_child(stream, Node::new("0x0.zip", NodeKind::FsRoot, Bytes::new()));
        let page = t.add_child(
            inner,
            Node::new("index.htm", NodeKind::File, Bytes::from_static(b"<html>")),
        );
        // fs_path stays the path inside its own file system (what checks match on).
        assert_eq!(t.fs_path(page).unwrap(), "/index.htm");
        assert_eq!(t.member_path(page).unwrap(), "/etc/web.zip!/index.htm");
        assert_eq!(t.member_path(inner).unwrap(), "/etc/web.zip!/");
        assert_eq!(t.member_path(t.get(fs).unwrap().parent.unwrap()), None);
    }
}
