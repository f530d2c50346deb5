//! SquashFS 2.x, 3.x and 4.x, little- and big-endian, every compressor, vendor variants.
//!
//! Parses: the superblock at the candidate (magics `hsqs`/`sqsh`, Broadcom `shsq`/`qshs`,
//! DD-WRT `hsqt`/`tqsh`, `zlqs`/`sqlz`; byte order from the major version at offset 28),
//! then the directory tree from the root inode, and yields every entry with its POSIX
//! metadata: regular files (hard links become duplicated content), directories, symlinks,
//! character/block devices, fifos and sockets. Compressors: gzip/zlib, lzma, lzo, xz, lz4,
//! zstd, plus the vendor LZMA codings of TP-Link, Broadcom (sqlzma), DD-WRT, AVM/Freetz and
//! other SDKs (see `codec.rs` and `shared/notes/squashfs-vendor-variants.md`). AVM's
//! big-endian v4 (little-endian metadata length words) is recognised by
//! `bytes_used == mkfs_time`.
//!
//! Why our own reader rather than backhand: backhand 0.25 reads v4 (and v3 behind a
//! feature) but not v2, not per-block mixed codings, not vendor magics, and its LZMA path
//! needs the GPL `lzma-adaptive-sys`. Plugging decoders in through its custom kinds would
//! still leave v2, vendor v3 and the fallback chain to write; one reader over a shared
//! inode/directory model for all three versions is smaller and lets every block go through
//! the same bounded, fallback-aware decoder.
//!
//! Output: `Parsed::len` is `bytes_used` rounded up to 4 KiB (or 1 KiB) when the padding is
//! present and all zero, as mksquashfs pads; `filesystem = true`; `attrs`: `version`,
//! `compression`, `block-size`, `inode-count`, `byte-order`, `variant`, `bytes-used`,
//! `mkfs-time`, and `codings` (the block codings that actually decoded). Entry paths are
//! relative (`etc/shadow`); `Meta::mode` holds the permission bits (0o7777).
//!
//! Limits: every metadata block ≤ 8 KiB and every data block ≤ the block size (decoders
//! refuse to produce more); metadata and file contents together stay within
//! `Ctx::output_cap(image length)`; directory recursion is depth-limited and never enters a
//! directory inode twice (cycles); entries are capped at `Limits::max_nodes`; the deadline is
//! checked per directory and per block. Damage below the root yields partial output with
//! `notes`, never a panic.
//!
//! Known gaps and approximations: squashfs 1.x is not read; xattrs are not read; the LZMA
//! "lzma-alt" (7-Zip 3.x) decoder is approximated by the 5-byte-header path at offsets 0
//! and 4. LZMA blocks with neither size field nor end marker (Broadcom) end where the input
//! runs out, which may add a byte or two after the real end of a fragment or last metadata
//! block (never referenced, so file contents are exact). As in sasquatch, a damaged block
//! may "decode" under another coding of the right size; its file then holds garbage rather
//! than being cut short.
//!
//! References: squashfs-tools `squashfs_fs.h`/`squashfs_compat.h` (layouts), sasquatch
//! (vendor decoder chain), unblob and binwalk (magics, AVM rule, size rounding).

mod codec;
mod data;
mod endian;
mod reader;
mod superblock;

use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Output, Parsed};
use crate::tree::Meta as FsMeta;
use crate::{Error, Result};
use bytes::Bytes;
use codec::Codec;
use rayon::prelude::*;
use reader::{Inode, Kind, Meta};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use superblock::Superblock;

const NAME: &str = "squashfs";
/// Directory nesting accepted (Linux has no hard limit; real images stay far below).
const MAX_DEPTH: usize = 256;

/// SquashFS (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Squashfs;

static MAGICS: [Magic; 8] = [
    Magic {
        bytes: b"hsqs",
        offset: 0,
    },
    Magic {
        bytes: b"sqsh",
        offset: 0,
    },
    Magic {
        bytes: b"shsq",
        offset: 0,
    },
    Magic {
        bytes: b"qshs",
        offset: 0,
    },
    Magic {
        bytes: b"hsqt",
        offset: 0,
    },
    Magic {
        bytes: b"tqsh",
        offset: 0,
    },
    Magic {
        bytes: b"zlqs",
        offset: 0,
    },
    Magic {
        bytes: b"sqlz",
        offset: 0,
    },
];

impl Format for Squashfs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &MAGICS
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let Some(sb) = Superblock::parse(input) else {
            return Ok(None);
        };
        extract(input, &sb, start as u64, ctx).map(Some)
    }
}

fn malformed(offset: u64, message: impl Into<String>) -> Error {
    Error::Malformed {
        format: NAME,
        offset,
        message: message.into(),
    }
}

fn limit(offset: u64, what: impl Into<String>) -> Error {
    Error::Limit {
        format: NAME,
        offset,
        limit: what.into(),
    }
}

/// Bytes the structure spans: `bytes_used` rounded up to 4 KiB, or 1 KiB, when that
/// padding is present and zero.
fn carved_len(input: &[u8], bytes_used: u64) -> u64 {
    for align in [4096u64, 1024] {
        let Some(padded) = bytes_used.div_ceil(align).checked_mul(align) else {
            continue;
        };
        let (Ok(from), Ok(to)) = (usize::try_from(bytes_used), usize::try_from(padded)) else {
            continue;
        };
        if input
            .get(from..to)
            .is_some_and(|pad| pad.iter().all(|&b| b == 0))
        {
            return padded;
        }
    }
    bytes_used.min(input.len() as u64)
}

/// An entry whose content is resolved after the walk.
enum Pending {
    Ready(EntryKind),
    File(usize),
}

fn extract(input: &[u8], sb: &Superblock, at: u64, ctx: &Ctx) -> Result<Parsed> {
    let mut notes = Vec::new();
    let avail = input.len() as u64;
    if sb.bytes_used > avail {
        notes.push(format!(
            "image truncated: bytes_used {} but only {avail} bytes available",
            sb.bytes_used
        ));
    }
    let used = sb.bytes_used.min(avail) as usize;
    let img = input.get(..used).unwrap_or(input);
    let lzma_hint = sb.major < 4 && (sb.minor == 76 || sb.variant != "standard");
    let codec = Codec::new(sb.compression, lzma_hint);
    let budget = ctx.output_cap(used as u64);
    let mut meta = Meta::new(img, sb, &codec, budget);

    // Walk the tree. Directories are entered once each (by inode position), so a directory
    // that lists an ancestor cannot loop.
    let root_block = sb.root_inode >> 16;
    let root_off = (sb.root_inode & 0xffff) as usize;
    let root = meta
        .inode(root_block, root_off)
        .map_err(|e| malformed(at, format!("root inode: {e}")))?;
    let mut pending: Vec<(String, Pending, FsMeta)> = Vec::new();
    let mut files: Vec<reader::FileInfo> = Vec::new();
    let mut file_of_inode: HashMap<(u64, usize), usize> = HashMap::new();
    let mut visited: HashSet<(u64, usize)> = HashSet::new();
    visited.insert((root_block, root_off));
    let max_nodes = usize::try_from(ctx.limits.max_nodes).unwrap_or(usize::MAX);
    let mut stack: Vec<(String, Inode, usize)> = vec![(String::new(), root, 0)];
    let mut skipped = 0usize;
    while let Some((dir_path, dir, depth)) = stack.pop() {
        ctx.check_time(NAME, at)?;
        let Kind::Dir { block, off, size } = dir.kind else {
            continue;
        };
        let (entries, damaged) = match meta.dir(block, off, size) {
            Ok(v) => v,
            Err(e) => {
                notes.push(format!("directory /{dir_path}: {e}"));
                continue;
            }
        };
        if damaged {
            notes.push(format!(
                "directory /{dir_path}: listing damaged, read {} entries",
                entries.len()
            ));
        }
        for e in entries {
            let name = String::from_utf8_lossy(&e.name).into_owned();
            if name.is_empty() || name == "." || name == ".." || name.contains('/') {
                notes.push(format!(
                    "directory /{dir_path}: skipped entry named {name:?}"
                ));
                continue;
            }
            let path = if dir_path.is_empty() {
                name
            } else {
                format!("{dir_path}/{name}")
            };
            if pending.len() >= max_nodes {
                return Err(limit(at, format!("more than {max_nodes} entries")));
            }
            let inode = match meta.inode(e.inode.0, e.inode.1) {
                Ok(i) => i,
                Err(err) => {
                    skipped += 1;
                    if skipped <= 20 {
                        notes.push(format!("/{path}: {err}"));
                    }
                    continue;
                }
            };
            let fs_meta = FsMeta {
                mode: Some(inode.mode),
                uid: Some(inode.uid),
                gid: Some(inode.gid),
                mtime: Some(i64::from(inode.mtime)),
            };
            let kind = match &inode.kind {
                Kind::Dir { .. } => {
                    if depth + 1 >= MAX_DEPTH {
                        notes.push(format!(
                            "/{path}: deeper than {MAX_DEPTH} directories, not entered"
                        ));
                    } else if visited.insert(e.inode) {
                        stack.push((path.clone(), inode.clone(), depth + 1));
                    } else {
                        notes.push(format!("/{path}: directory inode seen before (cycle or hard link), not entered"));
                    }
                    Pending::Ready(EntryKind::Dir)
                }
                Kind::File(f) => {
                    let idx = *file_of_inode.entry(e.inode).or_insert_with(|| {
                        files.push(f.clone());
                        files.len() - 1
                    });
                    Pending::File(idx)
                }
                Kind::Symlink(t) => {
                    Pending::Ready(EntryKind::Symlink(String::from_utf8_lossy(t).into_owned()))
                }
                Kind::Device {
                    char_device,
                    major,
                    minor,
                } => Pending::Ready(EntryKind::Device {
                    char_device: *char_device,
                    major: *major,
                    minor: *minor,
                }),
                Kind::Fifo => Pending::Ready(EntryKind::Fifo),
                Kind::Socket => Pending::Ready(EntryKind::Socket),
            };
            pending.push((path, kind, fs_meta));
        }
    }
    if skipped > 20 {
        notes.push(format!("{skipped} entries skipped in total"));
    }

    // Budget file contents before decoding any: a sparse or lying size must not allocate.
    let mut remaining = meta.budget_left();
    let mut wanted = vec![true; files.len()];
    for (i, f) in files.iter().enumerate() {
        if f.size > remaining {
            if let Some(w) = wanted.get_mut(i) {
                *w = false;
            }
        } else {
            remaining -= f.size;
        }
    }
    let over = wanted.iter().filter(|w| !**w).count();
    if over > 0 {
        notes.push(format!(
            "{over} files not extracted: output budget of {budget} bytes exceeded"
        ));
    }

    // Fragment blocks: resolve entries through the metadata, decode each block once.
    let mut frag_ids: Vec<u32> = files
        .iter()
        .zip(&wanted)
        .filter(|(_, w)| **w)
        .filter_map(|(f, _)| f.frag.map(|(i, _)| i))
        .collect();
    frag_ids.sort_unstable();
    frag_ids.dedup();
    let mut frag_locs = Vec::with_capacity(frag_ids.len());
    for id in frag_ids {
        match meta.fragment(id) {
            Ok(loc) => frag_locs.push((id, loc)),
            Err(e) => notes.push(format!("fragment {id}: {e}")),
        }
    }
    let bs = sb.block_size as usize;
    let frag_blocks: Vec<(u32, reader::Res<Arc<Vec<u8>>>)> = frag_locs
        .par_iter()
        .map(|&(id, (start, word))| {
            (
                id,
                data::block(img, &codec, start, word, bs, None).map(Arc::new),
            )
        })
        .collect();
    let mut frags: HashMap<u32, Arc<Vec<u8>>> = HashMap::new();
    for (id, r) in frag_blocks {
        match r {
            Ok(b) => {
                frags.insert(id, b);
            }
            Err(e) => notes.push(format!("fragment {id}: {e}")),
        }
    }

    // Every data block of every file is one job, so a large file spreads over all threads.
    let plans: Vec<Vec<data::Job>> = files
        .iter()
        .zip(&wanted)
        .map(|(f, &w)| {
            if w {
                data::plan(f, sb.block_size)
            } else {
                Vec::new()
            }
        })
        .collect();
    let jobs: Vec<&data::Job> = plans.iter().flatten().collect();
    let decoded: Vec<reader::Res<Vec<u8>>> = jobs
        .par_iter()
        .map(|job| {
            ctx.check_time(NAME, at).map_err(|e| e.to_string())?;
            data::run(img, &codec, sb.block_size, job)
        })
        .collect();
    let mut ranges = Vec::with_capacity(plans.len());
    let mut next = 0usize;
    for p in &plans {
        ranges.push(next..next + p.len());
        next += p.len();
    }
    let contents: Vec<(Bytes, Option<String>)> = files
        .par_iter()
        .zip(wanted.par_iter())
        .zip(ranges.into_par_iter())
        .map(|((f, &w), range)| {
            if !w {
                return (
                    Bytes::new(),
                    Some("not extracted: output budget exceeded".into()),
                );
            }
            let frag = f
                .frag
                .and_then(|(i, _)| frags.get(&i))
                .map(|b| b.as_slice());
            let blocks = decoded.get(range).unwrap_or_default();
            let (bytes, note) = data::assemble(f, blocks, frag);
            (Bytes::from(bytes), note)
        })
        .collect();
    drop(decoded);
    ctx.check_time(NAME, at)?;

    let mut entries = Vec::with_capacity(pending.len());
    let mut file_notes = 0usize;
    for (path, kind, fs_meta) in pending {
        let kind = match kind {
            Pending::Ready(k) => k,
            Pending::File(i) => {
                let Some((bytes, note)) = contents.get(i) else {
                    continue;
                };
                if let Some(n) = note {
                    file_notes += 1;
                    if file_notes <= 20 {
                        notes.push(format!("/{path}: {n}"));
                    }
                }
                EntryKind::File(bytes.clone())
            }
        };
        entries.push(Entry {
            path,
            kind,
            meta: fs_meta,
        });
    }
    if file_notes > 20 {
        notes.push(format!("{file_notes} files incomplete in total"));
    }

    let mut parsed = Parsed::new(carved_len(input, sb.bytes_used), Output::Entries(entries));
    parsed.filesystem = true;
    parsed.notes = notes;
    let codings: Vec<String> = codec.used().into_iter().map(|m| m.describe()).collect();
    parsed.attrs = vec![
        ("version".into(), format!("{}.{}", sb.major, sb.minor)),
        (
            "compression".into(),
            match sb.compression {
                Some(c) => c.name().to_owned(),
                // v2/v3 have no compression field: name what actually decoded.
                None if codec.used().iter().any(|m| m.is_lzma()) => "lzma".to_owned(),
                None => "gzip".to_owned(),
            },
        ),
        ("block-size".into(), sb.block_size.to_string()),
        ("inode-count".into(), sb.inodes.to_string()),
        (
            "byte-order".into(),
            if sb.be { "big-endian" } else { "little-endian" }.into(),
        ),
        ("variant".into(), sb.variant.to_owned()),
        ("bytes-used".into(), sb.bytes_used.to_string()),
        ("mkfs-time".into(), sb.mkfs_time.to_string()),
        ("codings".into(), codings.join(", ")),
    ];
    Ok(parsed)
}

#[cfg(test)]
mod tests;
