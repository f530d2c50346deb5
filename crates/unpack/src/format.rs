//! The contract between the engine and the format parsers.
//!
//! A [`Format`] declares its magic byte patterns ([`Magic`]); the engine finds every
//! candidate with one multi-pattern scan, then asks the format to [`Format::parse`] at the
//! candidate's start. The parser validates the structure and returns what it yields
//! ([`Output`]) and how many input bytes it spans, so the engine can carve around it.

use crate::{Error, Result};
use bytes::Bytes;
use std::time::{Duration, Instant};

/// A magic byte pattern. `offset` is where the pattern sits relative to the start of the
/// structure (e.g. 0x438 for ext2's superblock magic, 0 for most formats).
#[derive(Debug, Clone, Copy)]
pub struct Magic {
    pub bytes: &'static [u8],
    pub offset: usize,
}

/// Hostile-input limits. Defaults are sane for consumer firmware (a few MiB to a few hundred).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total bytes of all extracted nodes together.
    pub max_total_bytes: u64,
    /// Largest output of one decompressed stream or file relative to its input.
    pub max_ratio: u64,
    /// Absolute floor under the ratio limit (tiny inputs may legitimately expand a lot).
    pub ratio_floor_bytes: u64,
    /// Nesting depth of containers inside containers.
    pub max_depth: u32,
    /// Total nodes in the tree.
    pub max_nodes: u64,
    /// Wall-clock time one parser may spend on one node.
    pub time_per_node: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 4 << 30,
            max_ratio: 200,
            ratio_floor_bytes: 64 << 20,
            max_depth: 16,
            max_nodes: 1_000_000,
            time_per_node: Duration::from_secs(60),
        }
    }
}

/// What a parser may use while parsing one candidate: the limits and the output budget.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub limits: Limits,
    /// Bytes this parse may still produce in total (the engine's remaining global budget).
    pub remaining_bytes: u64,
    pub deadline: Instant,
}

impl Ctx {
    pub fn new(limits: Limits) -> Self {
        let remaining_bytes = limits.max_total_bytes;
        let deadline = Instant::now() + limits.time_per_node;
        Ctx {
            limits,
            remaining_bytes,
            deadline,
        }
    }

    /// Maximum bytes one stream decoded from `input_len` input bytes may produce.
    pub fn output_cap(&self, input_len: u64) -> u64 {
        let by_ratio = input_len
            .saturating_mul(self.limits.max_ratio)
            .max(self.limits.ratio_floor_bytes);
        by_ratio.min(self.remaining_bytes)
    }

    /// `Err(Limit)` once the per-node deadline has passed; call it in long loops.
    pub fn check_time(&self, format: &'static str, offset: u64) -> Result<()> {
        if Instant::now() > self.deadline {
            return Err(Error::Limit {
                format,
                offset,
                limit: format!("time per node ({:?})", self.limits.time_per_node),
            });
        }
        Ok(())
    }

    /// Read a decoder to its end, never holding more than `cap` bytes.
    pub fn read_capped(
        &self,
        format: &'static str,
        offset: u64,
        mut reader: impl std::io::Read,
        cap: u64,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if out.is_empty() {
                        return Err(Error::Malformed {
                            format,
                            offset,
                            message: e.to_string(),
                        });
                    }
                    // Keep what decoded before the damage; callers mark it truncated.
                    break;
                }
            };
            if out.len() as u64 + n as u64 > cap {
                return Err(Error::Limit {
                    format,
                    offset,
                    limit: format!("output larger than {cap} bytes"),
                });
            }
            out.extend_from_slice(buf.get(..n).unwrap_or_default());
            self.check_time(format, offset)?;
        }
        Ok(out)
    }
}

/// POSIX-ish metadata of a file-system entry.
pub use crate::tree::Meta;

/// What kind of thing a file-system or archive entry is.
#[derive(Debug, Clone)]
pub enum EntryKind {
    File(Bytes),
    Dir,
    Symlink(String),
    /// Hard link to another entry's path (as stored in the archive).
    HardLink(String),
    /// Character (`char_device = true`) or block device.
    Device {
        char_device: bool,
        major: u32,
        minor: u32,
    },
    Fifo,
    Socket,
}

/// One entry of a file system or archive, path as stored (untrusted: may hold `..`, be
/// absolute, repeat). The tree normalises it; the writer re-checks it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub kind: EntryKind,
    pub meta: Meta,
}

/// A sub-region of a container (uImage payload, TRX partition, ESP32 app image).
#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    /// Offset of the region relative to the container's start (for evidence).
    pub offset: u64,
    /// The region's bytes (usually a slice of the input; may be transformed, e.g. de-obfuscated).
    pub data: Bytes,
}

/// What a parse yields.
#[derive(Debug, Clone)]
pub enum Output {
    /// One decompressed stream (gzip, xz, …). `name` is a stored original name, if any.
    Stream { data: Bytes, name: Option<String> },
    /// Sub-regions to be scanned again (headers, partition layouts).
    Regions(Vec<Region>),
    /// A file system or archive.
    Entries(Vec<Entry>),
    /// Only metadata (e.g. a U-Boot environment parsed into `attrs`).
    Info,
}

/// A successful parse of one candidate.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Bytes of input, from the structure's start, that belong to it (for carving).
    pub len: u64,
    pub output: Output,
    /// Header fields and parsed key/values worth keeping as evidence
    /// (e.g. `("image-name", "Linux-2.6.31")`, `("bootdelay", "1")`).
    pub attrs: Vec<(String, String)>,
    /// Problems that did not stop the parse (CRC mismatch, truncated data, skipped nodes).
    pub notes: Vec<String>,
    /// True when this is (or holds) a file system that could be a root file system.
    pub filesystem: bool,
}

impl Parsed {
    pub fn new(len: u64, output: Output) -> Self {
        Parsed {
            len,
            output,
            attrs: Vec::new(),
            notes: Vec::new(),
            filesystem: false,
        }
    }
}

/// One firmware format. Implementations are unit structs registered in
/// [`crate::formats::registry`].
pub trait Format: Send + Sync + std::fmt::Debug {
    /// Stable lowercase name (`gzip`, `squashfs`, `uimage`), used in node names and JSON.
    fn name(&self) -> &'static str;
    /// Magic patterns that make a position a candidate.
    fn magics(&self) -> &'static [Magic];
    /// Parse the structure starting at `data[start..]`. `Ok(None)`: not this format here.
    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>>;
    /// Formats that only make sense on a whole input (not carved at arbitrary offsets),
    /// e.g. a raw ESP8266 flash dump whose magic is a single byte.
    fn whole_input_only(&self) -> bool {
        false
    }
    /// Carvers (images, PEM blocks): the structure is a plain sub-range of its parent, kept
    /// as one child region; inside a file-system or archive file it does not split the file
    /// into gap nodes (see the engine). Parsers return [`Output::Info`].
    fn carve(&self) -> bool {
        false
    }
}
