//! romfs, the Linux read-only ROM file system (`-rom1fs-`).
//!
//! Parses: the superblock (big-endian size, checksum of the first 512 bytes, volume name) and
//! the linked lists of 16-byte-aligned file headers (next/spec/size/checksum + name), yielding
//! regular files (zero-copy slices of the input), directories, symlinks, hard links (resolved
//! to the linked file's contents), block/char devices, sockets and fifos.
//!
//! Never: trusts an offset, size or link. Every header offset must lie inside the image, each
//! header is visited at most once (cycle-proof), hard-link chains are followed a few hops only,
//! and the total output is bounded by [`Ctx::output_cap`]. Checksum mismatches become notes.
//!
//! Evidence: `volume` attribute; notes for checksum mismatches, truncation, cycles.
//! False positives: needs the 8-byte magic, a size of at least 64 and a readable first file
//! header; a checksum mismatch does not reject (it is reported), so a damaged image is read.
//! Known limits: romfs stores no ownership or times; permissions are the kernel's defaults
//! (`romfs_modemap` plus the exec bit), as `mount` would show them.
//! Reference: Linux `Documentation/filesystems/romfs.rst`, `fs/romfs/super.c`.

use super::bytes_util::u32be;
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Output, Parsed};
use crate::tree::Meta;
use crate::{Error, Result};
use bytes::Bytes;
use std::collections::HashSet;

const NAME: &str = "romfs";
const MAGIC: &[u8] = b"-rom1fs-";
/// Longest symlink target kept (Linux PATH_MAX).
const MAX_LINK: usize = 4096;
/// Longest path kept: deeper entries are skipped, which also bounds the memory that
/// hostile nesting could spend on path strings.
const MAX_PATH: usize = 4096;
/// Hard links pointing at hard links: followed this many hops at most.
const MAX_LINK_HOPS: u32 = 8;

/// The romfs format (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Romfs;

impl Format for Romfs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: MAGIC,
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
        parse(data, start, ctx)
    }
}

/// romfs checksum: the big-endian u32 words of the range sum to zero (wrapping).
fn checksum_ok(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for w in d.chunks(4) {
        let mut b = [0u8; 4];
        for (dst, src) in b.iter_mut().zip(w) {
            *dst = *src;
        }
        sum = sum.wrapping_add(u32::from_be_bytes(b));
    }
    sum == 0
}

fn align16(v: usize) -> Option<usize> {
    Some(v.checked_add(15)? & !15)
}

/// A NUL-terminated name starting at `off`, and the offset just past its 16-byte padding.
fn name_at(img: &[u8], off: usize) -> Option<(String, usize)> {
    let rest = img.get(off..)?;
    let len = rest.iter().position(|&b| b == 0)?;
    let name = String::from_utf8_lossy(rest.get(..len)?).into_owned();
    Some((name, align16(off.checked_add(len)?.checked_add(1)?)?))
}

/// One file header.
#[derive(Debug, Clone)]
struct Header {
    next: usize,
    kind: u32,
    exec: bool,
    spec: u32,
    size: u32,
    name: String,
    data_off: usize,
    checksum_ok: bool,
}

fn header_at(img: &[u8], off: usize) -> Option<Header> {
    if !off.is_multiple_of(16) {
        return None;
    }
    let next = u32be(img, off)?;
    let spec = u32be(img, off.checked_add(4)?)?;
    let size = u32be(img, off.checked_add(8)?)?;
    let (name, data_off) = name_at(img, off.checked_add(16)?)?;
    let checksum_ok = img
        .get(off..data_off.min(img.len()))
        .is_some_and(checksum_ok);
    Some(Header {
        next: (next & !15) as usize,
        kind: next & 7,
        exec: next & 8 != 0,
        spec,
        size,
        name,
        data_off,
        checksum_ok,
    })
}

fn malformed(offset: usize, message: impl Into<String>) -> Error {
    Error::Malformed {
        format: NAME,
        offset: offset as u64,
        message: message.into(),
    }
}

fn parse(data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
    let Some(avail) = data.get(start..) else {
        return Ok(None);
    };
    if !avail.starts_with(MAGIC) {
        return Ok(None);
    }
    let Some(full_size) = u32be(avail, 8) else {
        return Ok(None);
    };
    let full_size = full_size as usize;
    // Superblock (16) + at least one 16-byte name block + one 32-byte file header.
    if full_size < 64 {
        return Ok(None);
    }
    let mut notes = Vec::new();
    let img_len = if full_size > avail.len() {
        notes.push(format!(
            "image truncated: superblock says {full_size} bytes, {} present",
            avail.len()
        ));
        avail.len()
    } else {
        full_size
    };
    let img = avail.get(..img_len).unwrap_or_default();
    if !img
        .get(..img_len.min(512))
        .is_some_and(|h| checksum_ok(h) && h.len() % 4 == 0)
    {
        notes.push("superblock checksum mismatch".to_owned());
    }
    let Some((volume, first)) = name_at(img, 16) else {
        return Err(malformed(start, "volume name not terminated"));
    };
    if header_at(img, first).is_none() {
        return Ok(None);
    }

    let mut w = Walker {
        data,
        start,
        img,
        ctx,
        budget: ctx.output_cap(img_len as u64),
        visited: HashSet::new(),
        entries: Vec::new(),
        notes,
        long_paths: 0,
    };
    let mut stack = vec![(first, String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        w.walk_dir(dir, &prefix, &mut stack)?;
    }

    if w.long_paths > 0 {
        w.notes.push(format!(
            "{} entries with paths longer than {MAX_PATH} bytes skipped",
            w.long_paths
        ));
    }
    let mut parsed = Parsed::new(img_len as u64, Output::Entries(w.entries));
    parsed.attrs.push(("volume".to_owned(), volume));
    parsed.notes = w.notes;
    parsed.filesystem = true;
    Ok(Some(parsed))
}

struct Walker<'a> {
    data: &'a Bytes,
    start: usize,
    img: &'a [u8],
    ctx: &'a Ctx,
    budget: u64,
    visited: HashSet<usize>,
    entries: Vec<Entry>,
    notes: Vec<String>,
    /// Entries skipped because their path exceeds [`MAX_PATH`].
    long_paths: usize,
}

impl Walker<'_> {
    fn walk_dir(
        &mut self,
        first: usize,
        prefix: &str,
        stack: &mut Vec<(usize, String)>,
    ) -> Result<()> {
        let mut off = first;
        while off != 0 {
            self.ctx
                .check_time(NAME, (self.start.saturating_add(off)) as u64)?;
            if !self.visited.insert(off) {
                self.notes
                    .push(format!("header at {off:#x} reached twice (cycle); stopped"));
                return Ok(());
            }
            let Some(h) = header_at(self.img, off) else {
                self.notes
                    .push(format!("bad file header offset {off:#x}; directory cut"));
                return Ok(());
            };
            if !h.checksum_ok {
                self.notes
                    .push(format!("file header checksum mismatch at {off:#x}"));
            }
            if self.entries.len() as u64 >= self.ctx.limits.max_nodes {
                return Err(Error::Limit {
                    format: NAME,
                    offset: self.start as u64,
                    limit: format!("more than {} entries", self.ctx.limits.max_nodes),
                });
            }
            if !(h.name.is_empty() || h.name == "." || h.name == "..") {
                self.emit(&h, off, prefix, stack)?;
            }
            off = h.next;
        }
        Ok(())
    }

    fn emit(
        &mut self,
        h: &Header,
        off: usize,
        prefix: &str,
        stack: &mut Vec<(usize, String)>,
    ) -> Result<()> {
        let path = if prefix.is_empty() {
            h.name.clone()
        } else {
            format!("{prefix}/{}", h.name)
        };
        if path.len() > MAX_PATH {
            self.long_paths += 1;
            return Ok(());
        }
        self.charge(path.len() as u64, off)?;
        // Kernel romfs_modemap, plus S_IXUGO for the exec bit.
        let base = match h.kind {
            1 => 0o040644,
            2 => 0o100644,
            3 => 0o120777,
            4 => 0o060600,
            5 => 0o020600,
            6 => 0o140644,
            7 => 0o010644,
            _ => 0o100644,
        };
        let meta = Meta {
            mode: Some(if h.exec { base | 0o111 } else { base }),
            uid: Some(0),
            gid: Some(0),
            mtime: None,
        };
        let kind = match h.kind {
            0 => match self.resolve_hard_link(h.spec as usize) {
                Some(file) => EntryKind::File(self.take(file, off)?),
                None => {
                    self.notes.push(format!(
                        "hard link {path} to {:#x} does not lead to a regular file; skipped",
                        h.spec
                    ));
                    return Ok(());
                }
            },
            1 => {
                stack.push(((h.spec & !15) as usize, path.clone()));
                EntryKind::Dir
            }
            2 => {
                let d = self.file_data(h, off);
                EntryKind::File(self.take(d, off)?)
            }
            3 => {
                let d = self.file_data(h, off);
                let d = d.get(..d.len().min(MAX_LINK)).unwrap_or_default();
                EntryKind::Symlink(String::from_utf8_lossy(d).into_owned())
            }
            4 | 5 => EntryKind::Device {
                char_device: h.kind == 5,
                major: h.spec >> 16,
                minor: h.spec & 0xffff,
            },
            6 => EntryKind::Socket,
            _ => EntryKind::Fifo,
        };
        self.entries.push(Entry { path, kind, meta });
        Ok(())
    }

    /// The data of a file header, cut at the image end (with a note).
    fn file_data(&mut self, h: &Header, off: usize) -> Bytes {
        let begin = h.data_off.min(self.img.len());
        let end = h
            .data_off
            .saturating_add(h.size as usize)
            .min(self.img.len());
        if end.saturating_sub(begin) < h.size as usize {
            self.notes
                .push(format!("file at {off:#x} ({}) truncated", h.name));
        }
        let abs = |v: usize| self.start.saturating_add(v);
        self.data.slice(abs(begin)..abs(end))
    }

    fn resolve_hard_link(&mut self, mut target: usize) -> Option<Bytes> {
        for _ in 0..MAX_LINK_HOPS {
            let h = header_at(self.img, target & !15)?;
            match h.kind {
                0 => target = h.spec as usize,
                2 => return Some(self.file_data(&h, target)),
                _ => return None,
            }
        }
        None
    }

    /// Account a file's bytes against the output budget.
    fn take(&mut self, d: Bytes, off: usize) -> Result<Bytes> {
        self.charge(d.len() as u64, off)?;
        Ok(d)
    }

    /// Account `n` output bytes (file data, paths) against the budget.
    fn charge(&mut self, n: u64, off: usize) -> Result<()> {
        if n > self.budget {
            return Err(Error::Limit {
                format: NAME,
                offset: (self.start.saturating_add(off)) as u64,
                limit: "output budget exhausted".to_owned(),
            });
        }
        self.budget -= n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// A tiny romfs writer: entries are (name, type, spec, data, children).
    pub(crate) enum Node {
        File(&'static str, &'static [u8]),
        Dir(&'static str, Vec<Node>),
        Link(&'static str, &'static str),
        Dev(&'static str, bool, u32, u32),
    }

    fn pad16(v: &mut Vec<u8>) {
        while !v.len().is_multiple_of(16) {
            v.push(0);
        }
    }

    fn put_name(v: &mut Vec<u8>, name: &str) {
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        pad16(v);
    }

    fn fix_checksum(img: &mut [u8], at: usize, range: std::ops::Range<usize>) {
        img[at..at + 4].copy_from_slice(&[0; 4]);
        let mut sum = 0u32;
        for w in img[range].chunks(4) {
            sum = sum.wrapping_add(u32::from_be_bytes(w.try_into().unwrap()));
        }
        img[at..at + 4].copy_from_slice(&sum.wrapping_neg().to_be_bytes());
    }

    /// Writes the nodes of one directory; returns the offset of its first header.
    fn write_dir(img: &mut Vec<u8>, nodes: &[Node]) -> u32 {
        let mut prev_next: Option<usize> = None;
        let mut first = 0;
        for n in nodes {
            let off = img.len();
            if let Some(p) = prev_next {
                let t = u32::from_be_bytes(img[p..p + 4].try_into().unwrap());
                img[p..p + 4].copy_from_slice(&(t | off as u32).to_be_bytes());
                let hdr_end = p + 16 + (name_len(img, p + 16));
                fix_checksum(img, p + 12, p..hdr_end);
            } else {
                first = off as u32;
            }
            let (name, typ, spec, data): (&str, u32, u32, &[u8]) = match n {
                Node::File(name, d) => (name, 2 | 8, 0, d),
                Node::Link(name, t) => (name, 3, 0, t.as_bytes()),
                Node::Dev(name, c, ma, mi) => (name, if *c { 5 } else { 4 }, ma << 16 | mi, &[]),
                Node::Dir(name, _) => (name, 1 | 8, 0, &[]),
            };
            img.extend_from_slice(&typ.to_be_bytes());
            img.extend_from_slice(&spec.to_be_bytes());
            img.extend_from_slice(&(data.len() as u32).to_be_bytes());
            img.extend_from_slice(&[0; 4]);
            put_name(img, name);
            let hdr_end = img.len();
            fix_checksum(img, off + 12, off..hdr_end);
            img.extend_from_slice(data);
            pad16(img);
            if let Node::Dir(_, kids) = n {
                let child = write_dir(img, kids);
                img[off + 4..off + 8].copy_from_slice(&child.to_be_bytes());
                fix_checksum(img, off + 12, off..hdr_end);
            }
            prev_next = Some(off);
        }
        first
    }

    fn name_len(img: &[u8], off: usize) -> usize {
        let l = img[off..].iter().position(|&b| b == 0).unwrap() + 1;
        l.div_ceil(16) * 16
    }

    pub(crate) fn build(nodes: &[Node]) -> Vec<u8> {
        let mut img = b"-rom1fs-".to_vec();
        img.extend_from_slice(&[0; 8]);
        put_name(&mut img, "vol");
        write_dir(&mut img, nodes);
        while img.len() < 1024 {
            img.push(0);
        }
        let n = img.len() as u32;
        img[8..12].copy_from_slice(&n.to_be_bytes());
        fix_checksum(&mut img, 12, 0..512);
        img
    }

    fn entries(p: &Parsed) -> Vec<(String, String)> {
        let Output::Entries(es) = &p.output else {
            panic!("not entries")
        };
        let mut v: Vec<(String, String)> = es
            .iter()
            .map(|e| {
                let k = match &e.kind {
                    EntryKind::File(d) => format!("file:{}", String::from_utf8_lossy(d)),
                    EntryKind::Dir => "dir".to_owned(),
                    EntryKind::Symlink(t) => format!("link:{t}"),
                    EntryKind::Device {
                        char_device,
                        major,
                        minor,
                    } => format!("dev:{char_device}:{major}:{minor}"),
                    other => format!("{other:?}"),
                };
                (e.path.clone(), k)
            })
            .collect();
        v.sort();
        v
    }

    fn sample() -> Vec<u8> {
        build(&[
            Node::File("a.txt", b"hello"),
            Node::Dir(
                "etc",
                vec![
                    Node::File("passwd", b"root:x:0:0::/root:/bin/sh\n"),
                    Node::Link("sh", "/bin/busybox"),
                    Node::Dev("console", true, 5, 1),
                ],
            ),
        ])
    }

    #[test]
    fn parses_synthetic_image() {
        let img = Bytes::from(sample());
        let p = Romfs
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, 1024);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(p.attrs, vec![("volume".to_owned(), "vol".to_owned())]);
        assert_eq!(
            entries(&p),
            vec![
                ("a.txt".into(), "file:hello".into()),
                ("etc".into(), "dir".into()),
                ("etc/console".into(), "dev:true:5:1".into()),
                (
                    "etc/passwd".into(),
                    "file:root:x:0:0::/root:/bin/sh\n".into()
                ),
                ("etc/sh".into(), "link:/bin/busybox".into()),
            ]
        );
    }

    #[test]
    fn carved_at_offset() {
        let mut v = vec![0xAAu8; 48];
        v.extend(sample());
        v.extend([0x55u8; 100]);
        let img = Bytes::from(v);
        let p = Romfs
            .parse(&img, 48, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, 1024);
        assert_eq!(entries(&p).len(), 5);
    }

    #[test]
    fn directory_cycle_terminates() {
        let mut img = sample();
        // Make the etc directory's spec point back at the first root header (offset 0x20).
        let etc = img.windows(4).position(|w| w == b"etc\0").unwrap() - 16;
        img[etc + 4..etc + 8].copy_from_slice(&0x20u32.to_be_bytes());
        let img = Bytes::from(img);
        let p = Romfs
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert!(p.notes.iter().any(|n| n.contains("cycle")), "{:?}", p.notes);
        assert!(p.notes.iter().any(|n| n.contains("checksum")));
    }

    #[test]
    fn truncated_and_garbage_do_not_panic() {
        let full = sample();
        for cut in [0, 8, 16, 40, 64, 100, 200, 500] {
            let img = Bytes::from(full[..cut].to_vec());
            let _ = Romfs.parse(&img, 0, &Ctx::new(Limits::default()));
        }
        let mut img = full.clone();
        img[32..36].copy_from_slice(&0xFFFF_FFF2u32.to_be_bytes());
        img[40..44].copy_from_slice(&0xFFFF_FFFFu32.to_be_bytes());
        let img = Bytes::from(img);
        let p = Romfs
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert!(!p.notes.is_empty());
    }

    #[test]
    fn not_romfs() {
        let img = Bytes::from_static(b"-rom1fs-\0\0\0\x10");
        assert!(Romfs
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Random byte edits of a valid image never panic, and a parse never claims more
        /// bytes than the input holds.
        #[test]
        fn edits_never_panic(
            edits in proptest::collection::vec((0usize..1 << 16, proptest::num::u8::ANY), 1..24),
            cut in 0usize..1 << 16,
        ) {
            let mut img = sample();
            let n = img.len();
            for (at, b) in edits {
                img[at % n] = b;
            }
            img.truncate(n - cut % (n / 2));
            let data = Bytes::from(img);
            if let Ok(Some(p)) = Romfs.parse(&data, 0, &Ctx::new(Limits::default())) {
                proptest::prop_assert!(p.len <= data.len() as u64);
            }
        }
    }
}
