//! cramfs, the Linux compressed ROM file system, in both byte orders.
//!
//! Parses: the superblock (magic 0x28cd3d45 little- or big-endian, "Compressed ROMFS"
//! signature, size, flags, CRC-32 of the whole image for version-2 images), the 12-byte
//! inodes (mode/uid, size/gid, namelen/offset bit fields, laid out as the writing host's
//! compiler did: LSB-first on little-endian images, MSB-first on big-endian ones), directory
//! listings, and file data as 4 KiB blocks, each a zlib stream, stored raw (the
//! `uncompressed` block flag) or a hole (empty block), with the block-pointer table in its
//! classic form or the extended one (direct pointers, kernel 4.15+). Yields files,
//! directories, symlinks (target = the file data), devices, fifos and sockets.
//!
//! Never: trusts an offset, size or count. Every block decodes into at most one page, every
//! file into at most its 24-bit size, the whole image into [`Ctx::output_cap`]; a directory
//! reached twice is skipped (cycles), and a CRC mismatch is a note, not a refusal.
//!
//! Evidence: attributes `byte-order`, `name`, `edition`, `blocks`, `files` (and `padding`);
//! notes for CRC mismatch, truncation, unsupported flags, bad blocks, cycles.
//! False positives: needs the magic, the "Compressed ROMFS" signature and a directory root
//! inode, so practically none.
//!
//! Not supported: the out-of-tree LZO/XZ/LZ4 cramfs variants (no mainline kernel reads them;
//! blocks that do not inflate become notes). Images padded by 512 bytes before the
//! superblock (`mkcramfs -p`) are read with offsets from the padding's start.
//! Reference: Linux `include/uapi/linux/cramfs_fs.h`, `fs/cramfs/inode.c`.

use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Output, Parsed};
use crate::tree::Meta;
use crate::{Error, Result};
use bytes::Bytes;
use std::collections::HashSet;

const NAME: &str = "cramfs";
const SIGNATURE: &[u8] = b"Compressed ROMFS";
const SUPERBLOCK_LEN: usize = 76;
const PAGE: usize = 4096;
/// Boot-loader padding `mkcramfs -p` puts before the superblock.
const PAD: usize = 512;

const FLAG_FSID_VERSION_2: u32 = 0x1;
const FLAG_EXT_BLOCK_POINTERS: u32 = 0x800;
/// Flags the kernel understands (`CRAMFS_SUPPORTED_FLAGS`).
const SUPPORTED_FLAGS: u32 = 0xff | 0x100 | 0x200 | 0x400 | 0x800;

const BLK_FLAG_UNCOMPRESSED: u32 = 1 << 31;
const BLK_FLAG_DIRECT_PTR: u32 = 1 << 30;
const BLK_FLAGS: u32 = BLK_FLAG_UNCOMPRESSED | BLK_FLAG_DIRECT_PTR;

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

/// Longest symlink target kept (Linux PATH_MAX).
const MAX_LINK: usize = 4096;
/// Longest path kept: deeper entries are skipped, which also bounds the memory that
/// hostile nesting could spend on path strings.
const MAX_PATH: usize = 4096;

/// The cramfs format (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cramfs;

impl Format for Cramfs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: &[0x45, 0x3d, 0xcd, 0x28],
                offset: 0,
            },
            Magic {
                bytes: &[0x28, 0xcd, 0x3d, 0x45],
                offset: 0,
            },
        ]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
        parse(data, start, ctx)
    }
}

#[derive(Debug, Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u32(self, d: &[u8], off: usize) -> Option<u32> {
        let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u16(self, d: &[u8], off: usize) -> Option<u16> {
        let b: [u8; 2] = d.get(off..off.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    /// The 12-byte inode at `off`.
    fn inode(self, d: &[u8], off: usize) -> Option<Inode> {
        let w0 = self.u32(d, off)?;
        let w1 = self.u32(d, off.checked_add(4)?)?;
        let w2 = self.u32(d, off.checked_add(8)?)?;
        // Bit fields: GCC allocates them from the least significant bit on little-endian
        // hosts and from the most significant bit on big-endian ones.
        Some(if self.big {
            Inode {
                mode: w0 >> 16,
                uid: w0 & 0xffff,
                size: w1 >> 8,
                gid: w1 & 0xff,
                namelen: ((w2 >> 26) as usize) * 4,
                offset: ((w2 & 0x03ff_ffff) as usize) * 4,
            }
        } else {
            Inode {
                mode: w0 & 0xffff,
                uid: w0 >> 16,
                size: w1 & 0x00ff_ffff,
                gid: w1 >> 24,
                namelen: ((w2 & 0x3f) as usize) * 4,
                offset: ((w2 >> 6) as usize) * 4,
            }
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Inode {
    mode: u32,
    uid: u32,
    /// File size, directory listing length, or device number.
    size: u32,
    gid: u32,
    /// Name length in bytes (a multiple of 4, NUL-padded).
    namelen: usize,
    /// Byte offset of the data (block pointers or directory listing).
    offset: usize,
}

fn parse(data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
    let Some(at_magic) = data.get(start..) else {
        return Ok(None);
    };
    let order = match at_magic.get(..4) {
        Some([0x45, 0x3d, 0xcd, 0x28]) => Order { big: false },
        Some([0x28, 0xcd, 0x3d, 0x45]) => Order { big: true },
        _ => return Ok(None),
    };
    if at_magic.get(16..32) != Some(SIGNATURE) || at_magic.len() < SUPERBLOCK_LEN {
        return Ok(None);
    }
    let Some(root_probe) = order.inode(at_magic, 64) else {
        return Ok(None);
    };
    // `mkcramfs -p` leaves 512 bytes (for a boot loader) before the superblock; all offsets,
    // the size and the CRC then count from the start of that padding. Its root listing
    // always follows the superblock, which tells the two layouts apart.
    let sb = if start >= PAD && root_probe.offset == PAD + SUPERBLOCK_LEN {
        PAD
    } else {
        0
    };
    let base = start - sb;
    let avail = data.get(base..).unwrap_or_default();
    let (Some(size), Some(flags), Some(crc), Some(edition), Some(blocks), Some(files)) = (
        order.u32(at_magic, 4),
        order.u32(at_magic, 8),
        order.u32(at_magic, 32),
        order.u32(at_magic, 36),
        order.u32(at_magic, 40),
        order.u32(at_magic, 44),
    ) else {
        return Ok(None);
    };
    let mut notes = Vec::new();
    if flags & !SUPPORTED_FLAGS != 0 {
        notes.push(format!("unsupported superblock flags {flags:#x}"));
    }
    let v2 = flags & FLAG_FSID_VERSION_2 != 0;
    let size = size as usize;
    if v2 && size < sb + SUPERBLOCK_LEN {
        return Ok(None);
    }
    // Version-1 images do not record their size: bound by the input, then shrink to the
    // extent actually used.
    let img_len = if v2 {
        size.min(avail.len())
    } else {
        avail.len()
    };
    if v2 && size > avail.len() {
        notes.push(format!(
            "image truncated: superblock says {size} bytes, {} present",
            avail.len()
        ));
    }
    let img = avail.get(..img_len).unwrap_or_default();
    if v2 && size <= avail.len() {
        let mut h = crc32fast::Hasher::new();
        h.update(img.get(..sb + 32).unwrap_or_default());
        h.update(&[0; 4]);
        h.update(img.get(sb + 36..).unwrap_or_default());
        let computed = h.finalize();
        if computed != crc {
            notes.push(format!(
                "CRC mismatch: superblock {crc:#010x}, computed {computed:#010x}"
            ));
        }
    }
    let Some(root) = order.inode(img, sb + 64) else {
        return Ok(None);
    };
    if root.mode & S_IFMT != S_IFDIR {
        return Ok(None);
    }
    let name = at_magic.get(48..64).unwrap_or_default();
    let name = String::from_utf8_lossy(name.split(|&b| b == 0).next().unwrap_or_default());

    let mut w = Walker {
        start: base,
        img,
        order,
        flags,
        ctx,
        budget: ctx.output_cap(img_len as u64),
        visited: HashSet::new(),
        entries: Vec::new(),
        notes,
        extent: sb + SUPERBLOCK_LEN,
        inflater: flate2::Decompress::new(true),
        long_paths: 0,
    };
    let mut stack = vec![(root.offset, root.size as usize, String::new())];
    while let Some((off, len, prefix)) = stack.pop() {
        w.walk_dir(off, len, &prefix, &mut stack)?;
    }

    if w.long_paths > 0 {
        w.notes.push(format!(
            "{} entries with paths longer than {MAX_PATH} bytes skipped",
            w.long_paths
        ));
    }
    let len = if v2 {
        img_len
    } else {
        // Images are padded to a page by mkcramfs.
        w.extent
            .checked_next_multiple_of(PAGE)
            .unwrap_or(w.extent)
            .min(img_len)
    };
    // The candidate starts at the magic; the padding before it is not ours to carve.
    let mut parsed = Parsed::new(len.saturating_sub(sb) as u64, Output::Entries(w.entries));
    parsed.attrs = vec![
        (
            "byte-order".to_owned(),
            if order.big { "big" } else { "little" }.to_owned(),
        ),
        ("name".to_owned(), name.into_owned()),
        ("edition".to_owned(), edition.to_string()),
        ("blocks".to_owned(), blocks.to_string()),
        ("files".to_owned(), files.to_string()),
    ];
    if sb > 0 {
        parsed.attrs.push((
            "padding".to_owned(),
            format!("{sb} bytes before the superblock"),
        ));
    }
    parsed.notes = w.notes;
    parsed.filesystem = true;
    Ok(Some(parsed))
}

struct Walker<'a> {
    start: usize,
    img: &'a [u8],
    order: Order,
    flags: u32,
    ctx: &'a Ctx,
    budget: u64,
    visited: HashSet<usize>,
    entries: Vec<Entry>,
    notes: Vec<String>,
    /// End of the furthest structure read (for version-1 images, which carry no size).
    extent: usize,
    inflater: flate2::Decompress,
    /// Entries skipped because their path exceeds [`MAX_PATH`].
    long_paths: usize,
}

impl Walker<'_> {
    fn abs(&self, off: usize) -> u64 {
        self.start.saturating_add(off) as u64
    }

    fn limit(&self, off: usize, what: String) -> Error {
        Error::Limit {
            format: NAME,
            offset: self.abs(off),
            limit: what,
        }
    }

    /// Account `n` output bytes (file data, paths) against the budget.
    fn charge(&mut self, n: usize, pos: usize) -> Result<()> {
        if n as u64 > self.budget {
            return Err(self.limit(pos, "output budget exhausted".to_owned()));
        }
        self.budget -= n as u64;
        Ok(())
    }

    fn see(&mut self, end: usize) {
        self.extent = self.extent.max(end);
    }

    fn walk_dir(
        &mut self,
        off: usize,
        len: usize,
        prefix: &str,
        stack: &mut Vec<(usize, usize, String)>,
    ) -> Result<()> {
        if off == 0 || len == 0 {
            return Ok(());
        }
        if !self.visited.insert(off) {
            self.notes.push(format!(
                "directory listing at {off:#x} reached twice (cycle); skipped"
            ));
            return Ok(());
        }
        let end = off.saturating_add(len);
        if end > self.img.len() {
            self.notes
                .push(format!("directory listing at {off:#x} runs past the image"));
        }
        let mut pos = off;
        while pos < end {
            self.ctx.check_time(NAME, self.abs(pos))?;
            let Some(ino) = self.order.inode(self.img, pos) else {
                self.notes
                    .push(format!("directory entry at {pos:#x} outside the image"));
                return Ok(());
            };
            let name_off = pos.saturating_add(12);
            let next = name_off.saturating_add(ino.namelen);
            let Some(raw) = self.img.get(name_off..next) else {
                self.notes
                    .push(format!("name at {name_off:#x} outside the image"));
                return Ok(());
            };
            self.see(next);
            let name = raw.split(|&b| b == 0).next().unwrap_or_default();
            let name = String::from_utf8_lossy(name).into_owned();
            if ino.namelen == 0 {
                self.notes
                    .push(format!("entry without a name at {pos:#x}; directory cut"));
                return Ok(());
            }
            if self.entries.len() as u64 >= self.ctx.limits.max_nodes {
                return Err(self.limit(
                    pos,
                    format!("more than {} entries", self.ctx.limits.max_nodes),
                ));
            }
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if path.len() > MAX_PATH {
                self.long_paths += 1;
            } else {
                self.charge(path.len(), pos)?;
                self.emit(ino, path, pos, stack)?;
            }
            pos = next;
        }
        Ok(())
    }

    fn emit(
        &mut self,
        ino: Inode,
        path: String,
        pos: usize,
        stack: &mut Vec<(usize, usize, String)>,
    ) -> Result<()> {
        let meta = Meta {
            mode: Some(ino.mode),
            uid: Some(ino.uid),
            gid: Some(ino.gid),
            mtime: None,
        };
        let kind = match ino.mode & S_IFMT {
            S_IFDIR => {
                stack.push((ino.offset, ino.size as usize, path.clone()));
                EntryKind::Dir
            }
            S_IFREG => EntryKind::File(Bytes::from(self.file_data(ino, &path, pos)?)),
            S_IFLNK => {
                let d = self.file_data(ino, &path, pos)?;
                let d = d.get(..d.len().min(MAX_LINK)).unwrap_or_default();
                EntryKind::Symlink(String::from_utf8_lossy(d).into_owned())
            }
            S_IFCHR | S_IFBLK => EntryKind::Device {
                char_device: ino.mode & S_IFMT == S_IFCHR,
                // old_decode_dev: 8-bit major and minor.
                major: (ino.size >> 8) & 0xff,
                minor: ino.size & 0xff,
            },
            S_IFIFO => EntryKind::Fifo,
            S_IFSOCK => EntryKind::Socket,
            other => {
                self.notes
                    .push(format!("{path}: unknown file type {other:#o}; skipped"));
                return Ok(());
            }
        };
        self.entries.push(Entry { path, kind, meta });
        Ok(())
    }

    /// Decode a regular file's (or symlink's) blocks.
    fn file_data(&mut self, ino: Inode, path: &str, pos: usize) -> Result<Vec<u8>> {
        let size = ino.size as usize;
        if size == 0 || ino.offset == 0 {
            return Ok(Vec::new());
        }
        self.charge(size, pos)?;
        let nblocks = size.div_ceil(PAGE);
        let table = ino.offset;
        let table_end = table.saturating_add(nblocks.saturating_mul(4));
        self.see(table_end);
        let mut out = Vec::with_capacity(size.min(self.img.len().saturating_mul(4)));
        let mut prev_end = table_end;
        let ext = self.flags & FLAG_EXT_BLOCK_POINTERS != 0;
        for i in 0..nblocks {
            self.ctx.check_time(NAME, self.abs(table))?;
            let want = (size - i * PAGE).min(PAGE);
            let Some(ptr) = self.order.u32(self.img, table.saturating_add(i * 4)) else {
                self.notes
                    .push(format!("{path}: block table outside the image; truncated"));
                break;
            };
            let uncompressed = ext && ptr & BLK_FLAG_UNCOMPRESSED != 0;
            let (begin, end) = if ext && ptr & BLK_FLAG_DIRECT_PTR != 0 {
                let begin = ((ptr & !BLK_FLAGS) as usize).saturating_mul(4);
                if uncompressed {
                    (begin, begin.saturating_add(want))
                } else {
                    // A direct compressed block starts with its 16-bit length.
                    let Some(l) = self.order.u16(self.img, begin) else {
                        self.notes
                            .push(format!("{path}: block {i} outside the image"));
                        break;
                    };
                    let b = begin.saturating_add(2);
                    (b, b.saturating_add(l as usize))
                }
            } else {
                let end = (if ext { ptr & !BLK_FLAGS } else { ptr }) as usize;
                let begin = prev_end;
                prev_end = end;
                (begin, end)
            };
            self.see(end);
            let block = self.img.get(begin..end);
            match block {
                Some([]) => {
                    out.resize(out.len() + want, 0);
                }
                Some(b) if uncompressed => {
                    out.extend_from_slice(b.get(..want.min(b.len())).unwrap_or_default());
                }
                Some(b) => {
                    if !self.inflate(b, want, &mut out) {
                        self.notes
                            .push(format!("{path}: block {i} does not inflate; truncated"));
                        break;
                    }
                }
                None => {
                    self.notes.push(format!(
                        "{path}: block {i} ({begin:#x}..{end:#x}) outside the image; truncated"
                    ));
                    break;
                }
            }
        }
        out.truncate(size);
        Ok(out)
    }

    /// Inflate one zlib block, appending at most `want` bytes.
    fn inflate(&mut self, block: &[u8], want: usize, out: &mut Vec<u8>) -> bool {
        self.inflater.reset(true);
        let mut page = Vec::with_capacity(want);
        let ok = self
            .inflater
            .decompress_vec(block, &mut page, flate2::FlushDecompress::Finish)
            .is_ok();
        out.extend_from_slice(&page);
        ok && page.len() == want
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use std::io::Write;

    pub(crate) enum Node {
        File(&'static str, Vec<u8>),
        Dir(&'static str, Vec<Node>),
        Link(&'static str, &'static str),
        Dev(&'static str, u32, u32),
    }

    struct Builder {
        big: bool,
        img: Vec<u8>,
    }

    impl Builder {
        fn put32(&mut self, at: usize, v: u32) {
            let b = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.img[at..at + 4].copy_from_slice(&b);
        }

        fn inode(&mut self, at: usize, mode: u32, size: u32, namelen: usize, offset: usize) {
            let (uid, gid) = (1000u32, 100u32);
            let (w0, w1, w2) = if self.big {
                (
                    mode << 16 | uid,
                    size << 8 | gid,
                    ((namelen / 4) as u32) << 26 | (offset / 4) as u32,
                )
            } else {
                (
                    uid << 16 | mode,
                    gid << 24 | size,
                    ((offset / 4) as u32) << 6 | (namelen / 4) as u32,
                )
            };
            self.put32(at, w0);
            self.put32(at + 4, w1);
            self.put32(at + 8, w2);
        }

        /// Writes one directory listing; returns (offset, length).
        fn dir(&mut self, nodes: &[Node]) -> (usize, usize) {
            let start = self.img.len();
            let mut slots = Vec::new();
            for n in nodes {
                let name = match n {
                    Node::File(n, _) | Node::Dir(n, _) | Node::Link(n, _) | Node::Dev(n, _, _) => n,
                };
                let at = self.img.len();
                self.img.extend_from_slice(&[0; 12]);
                let mut nb = name.as_bytes().to_vec();
                while nb.len() % 4 != 0 {
                    nb.push(0);
                }
                self.img.extend_from_slice(&nb);
                slots.push((at, nb.len()));
            }
            let len = self.img.len() - start;
            for (n, (at, namelen)) in nodes.iter().zip(slots) {
                match n {
                    Node::Dir(_, kids) => {
                        let (o, l) = self.dir(kids);
                        self.inode(at, 0o40755, l as u32, namelen, o);
                    }
                    Node::File(_, d) => {
                        let o = self.blocks(d);
                        self.inode(at, 0o100644, d.len() as u32, namelen, o);
                    }
                    Node::Link(_, t) => {
                        let o = self.blocks(t.as_bytes());
                        self.inode(at, 0o120777, t.len() as u32, namelen, o);
                    }
                    Node::Dev(_, ma, mi) => {
                        self.inode(at, 0o20600, ma << 8 | mi, namelen, 0);
                    }
                }
            }
            (start, len)
        }

        fn blocks(&mut self, d: &[u8]) -> usize {
            let table = self.img.len();
            let n = d.len().div_ceil(PAGE);
            self.img.resize(table + 4 * n, 0);
            for (i, chunk) in d.chunks(PAGE).enumerate() {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
                e.write_all(chunk).unwrap();
                self.img.extend(e.finish().unwrap());
                let end = self.img.len() as u32;
                self.put32(table + 4 * i, end);
            }
            while !self.img.len().is_multiple_of(4) {
                self.img.push(0);
            }
            table
        }
    }

    pub(crate) fn build(big: bool, nodes: &[Node]) -> Vec<u8> {
        build_padded(big, 0, nodes)
    }

    pub(crate) fn build_padded(big: bool, pad: usize, nodes: &[Node]) -> Vec<u8> {
        let mut b = Builder {
            big,
            img: vec![0; pad + SUPERBLOCK_LEN],
        };
        b.put32(pad, 0x28cd_3d45);
        b.put32(pad + 8, FLAG_FSID_VERSION_2 | 2);
        b.img[pad + 16..pad + 32].copy_from_slice(SIGNATURE);
        b.img[pad + 48..pad + 52].copy_from_slice(b"test");
        let (o, l) = b.dir(nodes);
        b.inode(pad + 64, 0o40755, l as u32, 0, o);
        while !b.img.len().is_multiple_of(PAGE) {
            b.img.push(0);
        }
        let size = b.img.len() as u32;
        b.put32(pad + 4, size);
        let crc = crc32fast::hash(&b.img);
        b.put32(pad + 32, crc);
        b.img
    }

    fn listing(p: &Parsed) -> Vec<(String, String, Option<u32>)> {
        let Output::Entries(es) = &p.output else {
            panic!("not entries")
        };
        let mut v: Vec<_> = es
            .iter()
            .map(|e| {
                let k = match &e.kind {
                    EntryKind::File(d) => format!("file:{}", hex_sha(d)),
                    EntryKind::Dir => "dir".to_owned(),
                    EntryKind::Symlink(t) => format!("link:{t}"),
                    EntryKind::Device {
                        char_device,
                        major,
                        minor,
                    } => format!("dev:{char_device}:{major}:{minor}"),
                    other => format!("{other:?}"),
                };
                (e.path.clone(), k, e.meta.mode)
            })
            .collect();
        v.sort();
        v
    }

    fn hex_sha(d: &[u8]) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(d))
    }

    fn big_file() -> Vec<u8> {
        (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn sample(big: bool) -> Vec<u8> {
        build(
            big,
            &[
                Node::File("a.txt", b"hello\n".to_vec()),
                Node::Dir(
                    "etc",
                    vec![
                        Node::File("big", big_file()),
                        Node::Dev("console", 5, 1),
                        Node::Link("sh", "/bin/busybox"),
                    ],
                ),
            ],
        )
    }

    #[test]
    fn parses_both_byte_orders() {
        for big in [false, true] {
            let img = Bytes::from(sample(big));
            let p = Cramfs
                .parse(&img, 0, &Ctx::new(Limits::default()))
                .unwrap()
                .unwrap();
            assert!(p.notes.is_empty(), "{:?}", p.notes);
            assert_eq!(p.len, img.len() as u64);
            assert_eq!(
                listing(&p),
                vec![
                    (
                        "a.txt".into(),
                        format!("file:{}", hex_sha(b"hello\n")),
                        Some(0o100644)
                    ),
                    ("etc".into(), "dir".into(), Some(0o40755)),
                    (
                        "etc/big".into(),
                        format!("file:{}", hex_sha(&big_file())),
                        Some(0o100644)
                    ),
                    ("etc/console".into(), "dev:true:5:1".into(), Some(0o20600)),
                    ("etc/sh".into(), "link:/bin/busybox".into(), Some(0o120777)),
                ]
            );
            let Output::Entries(es) = &p.output else {
                panic!()
            };
            assert_eq!((es[0].meta.uid, es[0].meta.gid), (Some(1000), Some(100)));
        }
    }

    #[test]
    fn padded_image_offsets_count_from_the_padding() {
        let mut v = vec![0x11u8; 4096];
        v.extend(build_padded(
            false,
            PAD,
            &[Node::File("a.txt", b"hello\n".to_vec())],
        ));
        let total = v.len();
        let p = Cramfs
            .parse(&Bytes::from(v), 4096 + PAD, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(p.len as usize, total - 4096 - PAD);
        assert_eq!(
            listing(&p),
            vec![(
                "a.txt".into(),
                format!("file:{}", hex_sha(b"hello\n")),
                Some(0o100644)
            )]
        );
    }

    #[test]
    fn crc_mismatch_is_a_note() {
        let mut img = sample(false);
        let n = img.len();
        img[n - 1] ^= 1;
        let p = Cramfs
            .parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.notes.len(), 1);
        assert!(p.notes[0].starts_with("CRC mismatch"));
    }

    #[test]
    fn directory_cycle_terminates() {
        let mut img = sample(false);
        // Point etc's listing at the root listing (offset 76).
        let etc = img.windows(4).position(|w| w == b"etc\0").unwrap() - 12;
        let w2 = u32::from_le_bytes(img[etc + 8..etc + 12].try_into().unwrap());
        let w2 = (w2 & 0x3f) | (76 / 4) << 6;
        img[etc + 8..etc + 12].copy_from_slice(&w2.to_le_bytes());
        let p = Cramfs
            .parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert!(p.notes.iter().any(|n| n.contains("cycle")), "{:?}", p.notes);
    }

    #[test]
    fn truncated_and_corrupt_do_not_panic() {
        let full = sample(true);
        for cut in [4, 40, 76, 100, 200, 300, 1000] {
            let _ = Cramfs.parse(
                &Bytes::from(full[..cut].to_vec()),
                0,
                &Ctx::new(Limits::default()),
            );
        }
        for i in (64..400).step_by(3) {
            let mut img = full.clone();
            img[i] ^= 0xA5;
            let _ = Cramfs.parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()));
        }
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
            let mut img = sample(true);
            let n = img.len();
            for (at, b) in edits {
                img[at % n] = b;
            }
            img.truncate(n - cut % (n / 2));
            let data = Bytes::from(img);
            if let Ok(Some(p)) = Cramfs.parse(&data, 0, &Ctx::new(Limits::default())) {
                proptest::prop_assert!(p.len <= data.len() as u64);
            }
        }
    }
}
