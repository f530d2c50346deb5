//! A flat, serialisable listing of an [`ArtifactTree`]: the JSON of `baseline unpack --list`
//! and the entries of the writer's `manifest.json`, plus SHA-256 of every node's content.
//!
//! Owns: the mapping of tree node kinds onto the listing kinds of DESIGN.md (`file`, `dir`,
//! `symlink`, `device`, `blob`) and hashing in parallel. Never does: rendering text, I/O.
//!
//! Mapping: inputs, carved regions (containers and unknown gaps) and decompressed streams
//! are `blob`s (with `format` when identified, `offset` within their parent); a file-system
//! or archive root is a `dir` with its `format`; FIFOs and sockets are `device`s whose
//! `device` field says which. The precise tree kind is kept in `node`.

use crate::tree::{ArtifactTree, NodeId, NodeKind};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One listed node.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListEntry {
    /// Evidence path: `input!/0x120200.squashfs/etc/shadow`.
    pub path: String,
    /// `file`, `dir`, `symlink`, `device` or `blob`.
    pub kind: &'static str,
    /// Content length (files, blobs; for file-system roots the length of the image).
    pub size: Option<u64>,
    /// Lower-case hex SHA-256 of the content (files and blobs).
    pub sha256: Option<String>,
    /// Symlink target as stored (untrusted; may be absolute or leave the file system).
    pub target: Option<String>,
    /// Format identified for this node (containers, streams, file-system roots).
    pub format: Option<&'static str>,
    /// Tree kind: `input`, `region`, `stream`, `fs-root`, `file`, `dir`, `symlink`,
    /// `device`, `fifo`, `socket`.
    pub node: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// `char MAJ:MIN`, `block MAJ:MIN`, `fifo` or `socket`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub root_fs: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Whether a node kind has content worth hashing and writing.
pub fn has_content(kind: &NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::Input | NodeKind::Region | NodeKind::Stream | NodeKind::File
    )
}

/// SHA-256 of every content node (indexed by `NodeId.0`), computed in parallel.
pub fn sha256_all(tree: &ArtifactTree) -> Vec<Option<[u8; 32]>> {
    let ids: Vec<NodeId> = tree.ids().collect();
    ids.par_iter()
        .map(|&id| {
            let n = tree.get(id)?;
            has_content(&n.kind).then(|| Sha256::digest(&n.data).into())
        })
        .collect()
}

/// Node ids in depth-first pre-order from each root (the order listings use).
pub fn preorder(tree: &ArtifactTree) -> Vec<NodeId> {
    let mut out = Vec::with_capacity(tree.len());
    let mut stack: Vec<NodeId> = tree.roots().iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        out.push(id);
        if let Some(n) = tree.get(id) {
            stack.extend(n.children.iter().rev().copied());
        }
    }
    out
}

/// List every node in pre-order. `hashes` comes from [`sha256_all`].
pub fn list(tree: &ArtifactTree, hashes: &[Option<[u8; 32]>]) -> Vec<ListEntry> {
    preorder(tree)
        .into_iter()
        .filter_map(|id| entry(tree, id, hashes))
        .collect()
}

/// The listing entry of one node.
pub fn entry(tree: &ArtifactTree, id: NodeId, hashes: &[Option<[u8; 32]>]) -> Option<ListEntry> {
    let n = tree.get(id)?;
    let (kind, node, device) = match &n.kind {
        NodeKind::Input => ("blob", "input", None),
        NodeKind::Region => ("blob", "region", None),
        NodeKind::Stream => ("blob", "stream", None),
        NodeKind::FsRoot => ("dir", "fs-root", None),
        NodeKind::File => ("file", "file", None),
        NodeKind::Dir => ("dir", "dir", None),
        NodeKind::Symlink { .. } => ("symlink", "symlink", None),
        NodeKind::Device {
            char_device,
            major,
            minor,
        } => (
            "device",
            "device",
            Some(format!(
                "{} {major}:{minor}",
                if *char_device { "char" } else { "block" }
            )),
        ),
        NodeKind::Fifo => ("device", "fifo", Some("fifo".to_owned())),
        NodeKind::Socket => ("device", "socket", Some("socket".to_owned())),
    };
    let content = has_content(&n.kind);
    let size = (content || matches!(n.kind, NodeKind::FsRoot)).then_some(n.data.len() as u64);
    let sha256 = hashes
        .get(id.0 as usize)
        .copied()
        .flatten()
        .filter(|_| content)
        .map(hex::encode);
    let target = match &n.kind {
        NodeKind::Symlink { target } => Some(target.clone()),
        _ => None,
    };
    Some(ListEntry {
        path: tree.display_path(id),
        kind,
        size,
        sha256,
        target,
        format: n.format,
        node,
        offset: n.offset,
        device,
        mode: n.meta.mode,
        root_fs: n.is_root_fs,
        notes: n.notes.clone(),
    })
}
