//! Firmware identification and extraction, in process, into an in-memory [`ArtifactTree`].
//!
//! Owns: recognising formats by content (never by file name), one parser per format under
//! [`formats`], the tree of carved regions, decompressed streams, containers and file systems,
//! hostile-input limits ([`Limits`]), and the one confined writer that puts a tree on disk.
//! Never does: analysis, printing, spawning external programs.
//!
//! Every parser receives attacker-controlled bytes. Parsers must not panic, must bound every
//! allocation by [`Limits`] (through [`Ctx`]), and report "not this format here" as `Ok(None)`,
//! keeping `Err` for limits hit and structures that are recognisably this format but broken.

#![warn(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]

pub mod engine;
pub mod format;
pub mod formats;
mod fsbuild;
pub mod listing;
mod scan;
pub mod tree;
pub mod writer;

pub use engine::{unpack, unpack_inputs, Engine, Progress, Stats, Unpacked};
pub use format::{Ctx, Entry, EntryKind, Format, Limits, Magic, Output, Parsed, Region};
pub use fsbuild::normalise_path;
pub use tree::{ArtifactTree, Meta, Node, NodeId, NodeKind};

/// Errors of this crate. Input problems carry the format and offset they were found at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{format} at offset {offset:#x}: {message}")]
    Malformed {
        format: &'static str,
        offset: u64,
        message: String,
    },
    #[error("{format} at offset {offset:#x}: limit exceeded: {limit}")]
    Limit {
        format: &'static str,
        offset: u64,
        limit: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("refusing to write {path}: {reason}")]
    Unsafe { path: String, reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
