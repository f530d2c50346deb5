//! JFFS2, the journalling flash file system of NOR/NAND partitions, in both byte orders.
//!
//! Parses: the node log. Each node starts with magic 0x1985, a node type and a total length,
//! protected by a header CRC; the scan walks the partition in 4-byte steps as the kernel
//! does, skipping erased (0xFF) space and junk, and keeps directory entries and inode data
//! nodes whose node and data CRCs hold. Nodes whose `ACCURATE` bit was cleared on flash
//! (obsoleted by a newer node) are ignored, as the kernel ignores them. Cleanmarkers,
//! padding, summaries and xattr nodes are skipped. Then, per inode, data nodes are applied in
//! version order (the newest wins where they overlap) and the file is cut to the newest
//! node's size; per (parent, name), the newest directory entry wins, and one pointing at
//! inode 0 is a deletion. The tree is walked from inode 1 (the root).
//!
//! Compression: none, zero (holes), rtime, zlib (with or without zlib header), LZO1X (a
//! private decoder below), LZMA as OpenWrt's kernel patch writes it (raw LZMA, lc=0 lp=0
//! pb=0, 8 KiB dictionary), and rubinmips/dynrubin (off by default in mkfs.jffs2; decoder
//! checked against an encoder written from the kernel's, not against a real image).
//!
//! Output: files, directories, symlinks (target = inode data), devices (16- or 32-bit device
//! number in the data), fifos and sockets, with mode, uid, gid and mtime. Hard-linked inodes
//! share one buffer. `len` is the end of the last valid node.
//!
//! Never: trusts a length, offset, version or link. Every decoded node is bounded by the
//! file's size and every file by the remaining [`Ctx::output_cap`]; directories reached twice
//! (cycles, directory hard links) are skipped with a note; bad CRCs are notes, not errors.
//! The scan ends at the input's end or after 256 KiB without a node (the next partition).
//! Decoding work (all node versions, also overwritten ones) is charged to the same budget.
//!
//! Evidence: attributes `byte-order`, `nodes`; notes for obsolete nodes ignored, bad CRCs,
//! truncated nodes, undecodable data, unreachable entries, cycles.
//! False positives: a candidate needs a 4-byte magic+type and a header CRC that holds (a
//! 1 in 2^32 chance for random bytes), and a lone cleanmarker-like node is rejected; two
//! JFFS2 partitions of the same byte order back to back (no 256 KiB gap) are read as one.
//!
//! Reference: Linux `include/uapi/linux/jffs2.h`, `fs/jffs2/{scan,readinode,compr_*}.c`;
//! OpenWrt `target/linux/generic/pending-*/530-jffs2_make_lzma_available.patch`.

use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Output, Parsed};
use crate::tree::Meta;
use crate::{Error, Result};
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet};

const NAME: &str = "jffs2";

const MAGIC: u16 = 0x1985;
const NODE_ACCURATE: u16 = 0x2000;
const NODETYPE_DIRENT: u16 = 0xE001;
const NODETYPE_INODE: u16 = 0xE002;

const HEADER_LEN: usize = 12;
const DIRENT_LEN: usize = 40;
const INODE_LEN: usize = 68;

/// A run of this many bytes without a node (and not erased flash) ends the file system.
const MAX_JUNK: usize = 256 * 1024;
/// Longest symlink target kept (Linux PATH_MAX).
const MAX_LINK: usize = 4096;
/// Longest path kept: deeper entries are skipped, which also bounds the memory that
/// hostile nesting could spend on path strings.
const MAX_PATH: usize = 4096;

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

/// The JFFS2 format (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Jffs2;

/// Magic plus the node types a file system can start with, both byte orders: a bare 2-byte
/// magic would make every 0x1985 in a firmware image a candidate.
const MAGICS: &[Magic] = &[
    // little-endian: dirent, inode, cleanmarker, padding, summary, and obsoleted variants.
    m(&[0x85, 0x19, 0x01, 0xe0]),
    m(&[0x85, 0x19, 0x02, 0xe0]),
    m(&[0x85, 0x19, 0x03, 0x20]),
    m(&[0x85, 0x19, 0x04, 0x20]),
    m(&[0x85, 0x19, 0x06, 0x20]),
    m(&[0x85, 0x19, 0x01, 0xc0]),
    m(&[0x85, 0x19, 0x02, 0xc0]),
    m(&[0x85, 0x19, 0x03, 0x00]),
    // big-endian.
    m(&[0x19, 0x85, 0xe0, 0x01]),
    m(&[0x19, 0x85, 0xe0, 0x02]),
    m(&[0x19, 0x85, 0x20, 0x03]),
    m(&[0x19, 0x85, 0x20, 0x04]),
    m(&[0x19, 0x85, 0x20, 0x06]),
    m(&[0x19, 0x85, 0xc0, 0x01]),
    m(&[0x19, 0x85, 0xc0, 0x02]),
    m(&[0x19, 0x85, 0x00, 0x03]),
];

const fn m(bytes: &'static [u8]) -> Magic {
    Magic { bytes, offset: 0 }
}

impl Format for Jffs2 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        MAGICS
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
        parse(data, start, ctx)
    }
}

/// CRC-32 as JFFS2 computes it: the kernel's `crc32(0, …)`, i.e. the reflected 0xEDB88320
/// polynomial with a zero initial register and no final inversion.
fn jffs2_crc(d: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(!0);
    h.update(d);
    !h.finalize()
}

#[derive(Debug, Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u16(self, d: &[u8], off: usize) -> Option<u16> {
        let b: [u8; 2] = d.get(off..off.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(self, d: &[u8], off: usize) -> Option<u32> {
        let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// A node header at `pos` whose CRC holds: (node type, total length).
    fn header(self, d: &[u8], pos: usize) -> Option<(u16, usize)> {
        if self.u16(d, pos)? != MAGIC {
            return None;
        }
        let nodetype = self.u16(d, pos + 2)?;
        let totlen = self.u32(d, pos + 4)? as usize;
        let crc = self.u32(d, pos + 8)?;
        // The CRC was computed with the ACCURATE bit set; clearing it later obsoletes the node.
        let mut hdr = [0u8; 8];
        hdr.copy_from_slice(d.get(pos..pos + 8)?);
        let t = nodetype | NODE_ACCURATE;
        let tb = if self.big {
            t.to_be_bytes()
        } else {
            t.to_le_bytes()
        };
        hdr[2..4].copy_from_slice(&tb);
        (jffs2_crc(&hdr) == crc && totlen >= HEADER_LEN).then_some((nodetype, totlen))
    }
}

/// A directory entry node.
#[derive(Debug, Clone)]
struct Dirent {
    version: u32,
    ino: u32,
    dtype: u8,
    mctime: u32,
}

/// An inode data node; its (compressed) data stays in the image.
#[derive(Debug, Clone, Copy)]
struct InodeNode {
    version: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    isize: u32,
    mtime: u32,
    offset: u32,
    dsize: u32,
    compr: u8,
    /// Position of the compressed data in the image, and its length.
    data: usize,
    csize: usize,
}

#[derive(Default)]
struct Scan {
    dirents: HashMap<(u32, Vec<u8>), Dirent>,
    inodes: HashMap<u32, Vec<InodeNode>>,
    end: usize,
    nodes: u64,
    obsolete: u64,
    bad_crc: Vec<usize>,
    truncated: Vec<usize>,
    unknown: BTreeMap<u16, u64>,
}

fn parse(data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
    let Some(img) = data.get(start..) else {
        return Ok(None);
    };
    let order = match img.get(..2) {
        Some([0x85, 0x19]) => Order { big: false },
        Some([0x19, 0x85]) => Order { big: true },
        _ => return Ok(None),
    };
    match order.header(img, 0) {
        Some((_, totlen)) if totlen <= img.len() => {}
        _ => return Ok(None),
    }
    let scan = scan(img, order, start, ctx)?;
    if scan.dirents.is_empty() && scan.inodes.is_empty() && scan.nodes < 2 {
        // A lone cleanmarker-looking word is no file system.
        return Ok(None);
    }
    let mut notes = Vec::new();
    if scan.obsolete > 0 {
        notes.push(format!("{} obsolete nodes ignored", scan.obsolete));
    }
    if let Some(first) = scan.bad_crc.first() {
        notes.push(format!(
            "{} nodes with a bad node/data CRC skipped (first at {first:#x})",
            scan.bad_crc.len()
        ));
    }
    if let Some(first) = scan.truncated.first() {
        notes.push(format!(
            "{} nodes running past the end skipped (first at {first:#x})",
            scan.truncated.len()
        ));
    }
    for (t, n) in &scan.unknown {
        notes.push(format!("{n} nodes of unknown type {t:#06x} skipped"));
    }
    let mut b = Builder {
        img,
        order,
        start,
        ctx,
        budget: ctx.output_cap(scan.end as u64),
        work: ctx.output_cap(scan.end as u64),
        cache: HashMap::new(),
        notes,
        entries: Vec::new(),
    };
    b.build(&scan)?;
    let mut parsed = Parsed::new(scan.end as u64, Output::Entries(b.entries));
    parsed.attrs = vec![
        (
            "byte-order".to_owned(),
            if order.big { "big" } else { "little" }.to_owned(),
        ),
        ("nodes".to_owned(), scan.nodes.to_string()),
    ];
    parsed.notes = b.notes;
    parsed.filesystem = true;
    Ok(Some(parsed))
}

fn scan(img: &[u8], order: Order, start: usize, ctx: &Ctx) -> Result<Scan> {
    let mut s = Scan::default();
    let mut pos = 0usize;
    let mut junk = 0usize;
    let mut steps = 0u32;
    while pos.saturating_add(HEADER_LEN) <= img.len() {
        steps = steps.wrapping_add(1);
        if steps.is_multiple_of(4096) {
            ctx.check_time(NAME, start.saturating_add(pos) as u64)?;
        }
        let Some((nodetype, totlen)) = order.header(img, pos) else {
            if img.get(pos..pos + 4) != Some(&[0xff; 4]) {
                junk += 4;
                if junk > MAX_JUNK {
                    break;
                }
            }
            pos += 4;
            continue;
        };
        let Some(node) = pos.checked_add(totlen).and_then(|end| img.get(pos..end)) else {
            s.truncated.push(pos);
            pos += 4;
            continue;
        };
        junk = 0;
        s.nodes += 1;
        let next = pos.saturating_add(totlen.next_multiple_of(4));
        s.end = next.min(img.len());
        if nodetype & NODE_ACCURATE == 0 {
            s.obsolete += 1;
        } else {
            match nodetype {
                NODETYPE_DIRENT => read_dirent(&mut s, node, order, pos),
                NODETYPE_INODE => read_inode(&mut s, node, order, pos),
                // Cleanmarker, padding, summary, xattr, xattr ref: nothing to extract.
                0x2003 | 0x2004 | 0x2006 | 0xE008 | 0xE009 => {}
                other => *s.unknown.entry(other).or_insert(0) += 1,
            }
        }
        pos = next;
    }
    Ok(s)
}

fn read_dirent(s: &mut Scan, node: &[u8], o: Order, pos: usize) {
    let parsed = (|| {
        let pino = o.u32(node, 12)?;
        let version = o.u32(node, 16)?;
        let ino = o.u32(node, 20)?;
        let mctime = o.u32(node, 24)?;
        let nsize = *node.get(28)? as usize;
        let dtype = *node.get(29)?;
        let node_crc = o.u32(node, 32)?;
        let name_crc = o.u32(node, 36)?;
        let name = node.get(DIRENT_LEN..DIRENT_LEN + nsize)?;
        let ok = jffs2_crc(node.get(..32)?) == node_crc && jffs2_crc(name) == name_crc;
        Some((
            ok,
            pino,
            name.to_vec(),
            Dirent {
                version,
                ino,
                dtype,
                mctime,
            },
        ))
    })();
    match parsed {
        Some((true, pino, name, d)) => {
            let slot = s.dirents.entry((pino, name)).or_insert_with(|| d.clone());
            if d.version >= slot.version {
                *slot = d;
            }
        }
        _ => s.bad_crc.push(pos),
    }
}

fn read_inode(s: &mut Scan, node: &[u8], o: Order, pos: usize) {
    let parsed = (|| {
        let ino = o.u32(node, 12)?;
        let csize = o.u32(node, 48)? as usize;
        let node_crc = o.u32(node, 64)?;
        let data_crc = o.u32(node, 60)?;
        let data = node.get(INODE_LEN..INODE_LEN.checked_add(csize)?)?;
        let ok = jffs2_crc(node.get(..60)?) == node_crc && jffs2_crc(data) == data_crc;
        Some((
            ok,
            ino,
            InodeNode {
                version: o.u32(node, 16)?,
                mode: o.u32(node, 20)?,
                uid: u32::from(o.u16(node, 24)?),
                gid: u32::from(o.u16(node, 26)?),
                isize: o.u32(node, 28)?,
                mtime: o.u32(node, 36)?,
                offset: o.u32(node, 44)?,
                dsize: o.u32(node, 52)?,
                compr: *node.get(56)?,
                data: pos + INODE_LEN,
                csize,
            },
        ))
    })();
    match parsed {
        Some((true, ino, n)) => s.inodes.entry(ino).or_default().push(n),
        _ => s.bad_crc.push(pos),
    }
}

struct Builder<'a> {
    img: &'a [u8],
    order: Order,
    start: usize,
    ctx: &'a Ctx,
    budget: u64,
    work: u64,
    cache: HashMap<u32, Bytes>,
    notes: Vec<String>,
    entries: Vec<Entry>,
}

impl Builder<'_> {
    fn build(&mut self, s: &Scan) -> Result<()> {
        let mut children: HashMap<u32, Vec<(&[u8], &Dirent)>> = HashMap::new();
        for ((pino, name), d) in &s.dirents {
            if d.ino != 0 {
                children.entry(*pino).or_default().push((name, d));
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.0.cmp(b.0));
        }
        let mut visited = HashSet::from([1u32]);
        let mut reached = 0usize;
        let mut stack = vec![(1u32, String::new())];
        let mut long_paths = 0usize;
        while let Some((dir, prefix)) = stack.pop() {
            let Some(list) = children.get(&dir) else {
                continue;
            };
            for (name, d) in list {
                self.ctx.check_time(NAME, self.start as u64)?;
                reached += 1;
                let name = String::from_utf8_lossy(name);
                if name.is_empty() || name == "." || name == ".." || name.contains('/') {
                    self.notes
                        .push(format!("entry with unusable name {name:?} skipped"));
                    continue;
                }
                if self.entries.len() as u64 >= self.ctx.limits.max_nodes {
                    return Err(Error::Limit {
                        format: NAME,
                        offset: self.start as u64,
                        limit: format!("more than {} entries", self.ctx.limits.max_nodes),
                    });
                }
                let path = if prefix.is_empty() {
                    name.into_owned()
                } else {
                    format!("{prefix}/{name}")
                };
                if path.len() > MAX_PATH {
                    long_paths += 1;
                    continue;
                }
                self.charge(path.len() as u64, path.as_str())?;
                let nodes = s.inodes.get(&d.ino).map(Vec::as_slice).unwrap_or_default();
                self.emit(d, nodes, path, &mut visited, &mut stack)?;
            }
        }
        if long_paths > 0 {
            self.notes.push(format!(
                "{long_paths} entries with paths longer than {MAX_PATH} bytes skipped"
            ));
        }
        let orphans = s
            .dirents
            .values()
            .filter(|d| d.ino != 0)
            .count()
            .saturating_sub(reached);
        if orphans > 0 {
            self.notes.push(format!(
                "{orphans} directory entries not reachable from the root"
            ));
        }
        Ok(())
    }

    fn emit(
        &mut self,
        d: &Dirent,
        nodes: &[InodeNode],
        path: String,
        visited: &mut HashSet<u32>,
        stack: &mut Vec<(u32, String)>,
    ) -> Result<()> {
        let latest = nodes.iter().max_by_key(|n| n.version);
        let mode = match latest {
            Some(n) => n.mode,
            // No inode node survived: fall back to the entry's DT_* type.
            None => match d.dtype {
                1 => S_IFIFO,
                2 => S_IFCHR,
                4 => S_IFDIR,
                6 => S_IFBLK,
                10 => S_IFLNK,
                12 => S_IFSOCK,
                _ => S_IFREG,
            },
        };
        let meta = Meta {
            mode: latest.map(|n| n.mode),
            uid: latest.map(|n| n.uid),
            gid: latest.map(|n| n.gid),
            mtime: Some(i64::from(latest.map_or(d.mctime, |n| n.mtime))),
        };
        let kind = match mode & S_IFMT {
            S_IFDIR => {
                if !visited.insert(d.ino) {
                    self.notes.push(format!(
                        "{path}: directory inode {} reached twice (cycle or hard link); skipped",
                        d.ino
                    ));
                    return Ok(());
                }
                stack.push((d.ino, path.clone()));
                EntryKind::Dir
            }
            S_IFLNK => {
                let t = self.file(d.ino, nodes, &path)?;
                let t = t.get(..t.len().min(MAX_LINK)).unwrap_or_default();
                EntryKind::Symlink(String::from_utf8_lossy(t).into_owned())
            }
            S_IFCHR | S_IFBLK => {
                let raw = self.file(d.ino, nodes, &path)?;
                let (major, minor) = match raw.len() {
                    2 => {
                        let v = u32::from(self.order.u16(&raw, 0).unwrap_or(0));
                        (v >> 8, v & 0xff)
                    }
                    4 => {
                        // new_encode_dev layout.
                        let v = self.order.u32(&raw, 0).unwrap_or(0);
                        ((v & 0xfff00) >> 8, (v & 0xff) | ((v >> 12) & 0xfff00))
                    }
                    _ => (0, 0),
                };
                EntryKind::Device {
                    char_device: mode & S_IFMT == S_IFCHR,
                    major,
                    minor,
                }
            }
            S_IFIFO => EntryKind::Fifo,
            S_IFSOCK => EntryKind::Socket,
            _ => EntryKind::File(self.file(d.ino, nodes, &path)?),
        };
        self.entries.push(Entry { path, kind, meta });
        Ok(())
    }

    /// Account `n` output bytes (file data, paths, decoded node data) against the budget.
    fn charge(&mut self, n: u64, path: &str) -> Result<()> {
        if n > self.budget {
            return Err(Error::Limit {
                format: NAME,
                offset: self.start as u64,
                limit: format!("{path}: output budget exhausted"),
            });
        }
        self.budget -= n;
        Ok(())
    }

    /// Decoding work: every decoded node counts, also those later overwritten, so that
    /// many versions of one compressed range cannot multiply the work.
    fn charge_work(&mut self, n: usize, path: &str) -> Result<()> {
        if n as u64 > self.work {
            return Err(Error::Limit {
                format: NAME,
                offset: self.start as u64,
                limit: format!("{path}: decoding work budget exhausted"),
            });
        }
        self.work -= n as u64;
        Ok(())
    }

    /// The contents of inode `ino`: its data nodes applied in version order.
    fn file(&mut self, ino: u32, nodes: &[InodeNode], path: &str) -> Result<Bytes> {
        if let Some(b) = self.cache.get(&ino) {
            return Ok(b.clone());
        }
        let mut sorted: Vec<&InodeNode> = nodes.iter().collect();
        sorted.sort_by_key(|n| n.version);
        let size = sorted.last().map_or(0, |n| n.isize) as usize;
        self.charge(size as u64, path)?;
        let mut out = vec![0u8; size];
        let mut failed = 0usize;
        for n in sorted {
            self.ctx
                .check_time(NAME, self.start.saturating_add(n.data) as u64)?;
            let off = n.offset as usize;
            if n.dsize == 0 || off >= size {
                continue;
            }
            let want = (n.dsize as usize).min(size - off);
            let Some(src) = self.img.get(n.data..n.data.saturating_add(n.csize)) else {
                failed += 1;
                continue;
            };
            match decompress(n.compr, src, want) {
                Ok(Some(d)) => {
                    self.charge_work(d.len(), path)?;
                    if let Some(dst) = out.get_mut(off..off + d.len().min(want)) {
                        dst.copy_from_slice(d.get(..dst.len()).unwrap_or_default());
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    failed += 1;
                    if failed == 1 {
                        self.notes.push(format!(
                            "{path}: node at {:#x} (compression {}): {e}",
                            n.data - INODE_LEN,
                            n.compr
                        ));
                    }
                }
            }
        }
        if failed > 1 {
            self.notes
                .push(format!("{path}: {failed} data nodes could not be decoded"));
        }
        let b = Bytes::from(out);
        self.cache.insert(ino, b.clone());
        Ok(b)
    }
}

/// Decode one node's data into at most `want` bytes. `Ok(None)`: a hole (zeros).
fn decompress(compr: u8, src: &[u8], want: usize) -> std::result::Result<Option<Vec<u8>>, String> {
    match compr {
        // none, copy
        0 | 4 => Ok(Some(
            src.get(..want.min(src.len())).unwrap_or_default().to_vec(),
        )),
        // zero
        1 => Ok(None),
        2 => rtime(src, want).map(Some),
        6 => zlib(src, want).map(Some),
        7 => lzo1x(src, want).map(Some).map_err(str::to_owned),
        8 => lzma(src, want).map(Some),
        3 => Ok(Some(rubin(src, want, RUBIN_MIPS_DIVIDER, RUBIN_MIPS_BITS))),
        5 => {
            // dynrubin: the eight bit probabilities precede the stream.
            let (Some(table), Some(stream)) = (src.get(..8), src.get(8..)) else {
                return Err("dynrubin: no probability table".to_owned());
            };
            let mut bits = [0u64; 8];
            for (b, t) in bits.iter_mut().zip(table) {
                *b = u64::from(*t);
            }
            Ok(Some(rubin(stream, want, 256, bits)))
        }
        other => Err(format!("unknown compression {other}")),
    }
}

/// The rtime decoder (`compr_rtime.c`), bounds-checked.
fn rtime(src: &[u8], want: usize) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(want);
    let mut positions = [0usize; 256];
    let mut it = src.iter();
    while out.len() < want {
        let (Some(&value), Some(&repeat)) = (it.next(), it.next()) else {
            return Err("rtime input ends early".to_owned());
        };
        out.push(value);
        let slot = positions
            .get_mut(usize::from(value))
            .ok_or("rtime: byte out of table")?;
        let back = std::mem::replace(slot, out.len());
        // Byte by byte: the source may overlap what is being written.
        for from in back..back + usize::from(repeat) {
            if out.len() >= want {
                break;
            }
            let Some(&b) = out.get(from) else {
                return Err("rtime back-reference out of range".to_owned());
            };
            out.push(b);
        }
    }
    Ok(out)
}

const RUBIN_MIPS_DIVIDER: u64 = 1043;
const RUBIN_MIPS_BITS: [u64; 8] = [277, 249, 290, 267, 229, 341, 212, 241];
const RUBIN_UPPER: u64 = 1 << 15;
const RUBIN_LOWER: u64 = RUBIN_UPPER - 1;

/// The rubin arithmetic decoder (`compr_rubin.c`): each output bit `i` is coded with
/// probability `bits[i] / divider`, from a 16-bit register read MSB-first. Reads past the
/// input's end see zeros (the kernel would read whatever follows).
fn rubin(src: &[u8], want: usize, divider: u64, bits: [u64; 8]) -> Vec<u8> {
    let mut pos = 0usize;
    let mut pull = || {
        let bit = src
            .get(pos >> 3)
            .map_or(0, |b| u64::from(b >> (7 - (pos & 7)) & 1));
        pos = pos.saturating_add(1);
        bit
    };
    let (mut p, mut q, mut rec_q) = (2 * RUBIN_UPPER, 0u64, 0u64);
    for _ in 0..16 {
        rec_q = rec_q * 2 + pull();
    }
    let mut out = Vec::with_capacity(want);
    while out.len() < want {
        let mut byte = 0u8;
        for (i, &b) in bits.iter().enumerate() {
            let a = divider.saturating_sub(b);
            // Renormalise: at most 17 rounds (p >= 1 doubles past the limit, q's bits leave).
            let mut rounds = 0;
            while (q >= RUBIN_UPPER || p + q <= RUBIN_UPPER) && rounds < 64 {
                q = (q & RUBIN_LOWER) << 1;
                p <<= 1;
                rec_q = ((rec_q & RUBIN_LOWER) << 1) + pull();
                rounds += 1;
            }
            let mut i0 = (a * p).checked_div(a + b).unwrap_or(1).max(1);
            if i0 >= p {
                i0 = p.saturating_sub(1);
            }
            if rec_q >= q + i0 {
                byte |= 1 << i;
                q += i0;
                i0 = p - i0;
            }
            p = i0.max(1);
        }
        out.push(byte);
    }
    out
}

fn zlib(src: &[u8], want: usize) -> std::result::Result<Vec<u8>, String> {
    // compr_zlib.c: a zlib header when the first two bytes form one, raw deflate otherwise.
    let header = matches!(src, [a, b, ..] if a & 0x0f == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0);
    let mut d = flate2::Decompress::new(header);
    let mut out = Vec::with_capacity(want);
    d.decompress_vec(src, &mut out, flate2::FlushDecompress::Finish)
        .map_err(|e| format!("zlib: {e}"))?;
    Ok(out)
}

/// OpenWrt's JFFS2 LZMA: raw LZMA with fixed properties, no header.
fn lzma(src: &[u8], want: usize) -> std::result::Result<Vec<u8>, String> {
    // props byte (pb * 5 + lp) * 9 + lc = 0, then the dictionary size (0x2000) little-endian.
    lzma_raw(src, want, [0, 0x00, 0x20, 0x00, 0x00])
}

fn lzma_raw(src: &[u8], want: usize, props: [u8; 5]) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read as _;
    // The same LZMA decoder as the lzma, xz and squashfs formats (lzma-rust2); the dictionary
    // is bounded by the node's own output, not by the untrusted header.
    let [p, ..] = props;
    if p >= 9 * 5 * 5 {
        return Err(format!("lzma: properties byte {p:#x} out of range"));
    }
    let (lc, lp, pb) = (u32::from(p % 9), u32::from(p / 9 % 5), u32::from(p / 45));
    let header_dict = u32::from_le_bytes([props[1], props[2], props[3], props[4]]);
    let dict = header_dict.clamp(4096, u32::try_from(want.max(4096)).unwrap_or(u32::MAX));
    let reader = lzma_rust2::LzmaReader::new(src, want as u64, lc, lp, pb, dict, None)
        .map_err(|e| format!("lzma: {e}"))?;
    let mut out = Vec::with_capacity(want);
    reader
        .take(want as u64)
        .read_to_end(&mut out)
        .map_err(|e| format!("lzma: {e}"))?;
    if out.len() < want {
        return Err(format!(
            "lzma: stream ended after {} of {want} bytes",
            out.len()
        ));
    }
    Ok(out)
}

/// One LZO1X block (the format of `lzo1x_decompress_safe`), at most `cap` bytes: the
/// decoder the lzop format uses.
fn lzo1x(src: &[u8], cap: usize) -> std::result::Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    super::lzo::lzo1x_decompress(src, &mut out, cap)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use std::io::Write;

    /// A JFFS2 image writer for tests.
    pub(crate) struct Img {
        pub big: bool,
        pub buf: Vec<u8>,
        version: u32,
    }

    impl Img {
        pub fn new(big: bool) -> Self {
            Img {
                big,
                buf: Vec::new(),
                version: 0,
            }
        }

        fn p16(&self, v: &mut Vec<u8>, x: u16) {
            v.extend(if self.big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }

        fn p32(&self, v: &mut Vec<u8>, x: u32) {
            v.extend(if self.big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            });
        }

        fn header(&self, v: &mut Vec<u8>, nodetype: u16, totlen: u32) {
            self.p16(v, MAGIC);
            self.p16(v, nodetype);
            self.p32(v, totlen);
            let crc = jffs2_crc(v);
            self.p32(v, crc);
        }

        fn push(&mut self, node: Vec<u8>) {
            self.buf.extend(node);
            while !self.buf.len().is_multiple_of(4) {
                self.buf.push(0xff);
            }
        }

        pub fn cleanmarker(&mut self) {
            let mut v = Vec::new();
            self.header(&mut v, 0x2003, 12);
            self.push(v);
        }

        pub fn dirent(&mut self, pino: u32, ino: u32, name: &str, dtype: u8) {
            self.version += 1;
            let mut v = Vec::new();
            self.header(&mut v, NODETYPE_DIRENT, (DIRENT_LEN + name.len()) as u32);
            self.p32(&mut v, pino);
            self.p32(&mut v, self.version);
            self.p32(&mut v, ino);
            self.p32(&mut v, 1_600_000_000);
            v.push(name.len() as u8);
            v.push(dtype);
            v.extend([0, 0]);
            let crc = jffs2_crc(&v);
            self.p32(&mut v, crc);
            self.p32(&mut v, jffs2_crc(name.as_bytes()));
            v.extend(name.as_bytes());
            self.push(v);
        }

        #[allow(clippy::too_many_arguments)]
        pub fn inode(
            &mut self,
            ino: u32,
            mode: u32,
            isize: u32,
            offset: u32,
            compr: u8,
            cdata: &[u8],
            dsize: u32,
        ) {
            self.version += 1;
            let mut v = Vec::new();
            self.header(&mut v, NODETYPE_INODE, (INODE_LEN + cdata.len()) as u32);
            self.p32(&mut v, ino);
            self.p32(&mut v, self.version);
            self.p32(&mut v, mode);
            self.p16(&mut v, 1000);
            self.p16(&mut v, 100);
            self.p32(&mut v, isize);
            for _ in 0..3 {
                self.p32(&mut v, 1_600_000_000);
            }
            self.p32(&mut v, offset);
            self.p32(&mut v, cdata.len() as u32);
            self.p32(&mut v, dsize);
            v.extend([compr, 0, 0, 0]);
            self.p32(&mut v, jffs2_crc(cdata));
            let crc = jffs2_crc(&v[..60]);
            self.p32(&mut v, crc);
            v.extend(cdata);
            self.push(v);
        }

        /// A regular file written as plain and zlib nodes of up to 4 KiB.
        pub fn file(&mut self, ino: u32, data: &[u8], zlib: bool) {
            if data.is_empty() {
                self.inode(ino, 0o100644, 0, 0, 0, &[], 0);
            }
            for (i, chunk) in data.chunks(4096).enumerate() {
                let off = (i * 4096) as u32;
                if zlib {
                    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
                    e.write_all(chunk).unwrap();
                    let c = e.finish().unwrap();
                    self.inode(
                        ino,
                        0o100644,
                        data.len() as u32,
                        off,
                        6,
                        &c,
                        chunk.len() as u32,
                    );
                } else {
                    self.inode(
                        ino,
                        0o100644,
                        data.len() as u32,
                        off,
                        0,
                        chunk,
                        chunk.len() as u32,
                    );
                }
            }
        }

        pub fn pad_to(&mut self, len: usize) {
            self.buf.resize(len, 0xff);
        }
    }

    fn listing(p: &Parsed) -> Vec<(String, String)> {
        let Output::Entries(es) = &p.output else {
            panic!("not entries")
        };
        let mut v: Vec<_> = es
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

    fn sample(big: bool) -> Img {
        let mut i = Img::new(big);
        i.cleanmarker();
        i.dirent(1, 2, "etc", 4);
        i.inode(2, 0o40755, 0, 0, 0, &[], 0);
        i.dirent(2, 3, "passwd", 8);
        i.file(3, b"root:x:0:0::/root:/bin/sh\n", true);
        i.dirent(1, 4, "hello", 8);
        i.file(4, b"hello world", false);
        i.dirent(1, 5, "sh", 10);
        i.inode(5, 0o120777, 7, 0, 0, b"busybox", 7);
        i.dirent(2, 6, "console", 2);
        let dev: u32 = 5 << 8 | 1;
        let d = if big {
            dev.to_be_bytes()
        } else {
            dev.to_le_bytes()
        };
        i.inode(6, 0o20600, 4, 0, 0, &d, 4);
        i
    }

    fn run(img: Vec<u8>) -> Parsed {
        Jffs2
            .parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn crc_matches_kernel_convention() {
        // The cleanmarker header mkfs.jffs2 writes (little-endian): CRC 0xe41eb0b1.
        let hdr = [0x85, 0x19, 0x03, 0x20, 0x0c, 0x00, 0x00, 0x00];
        assert_eq!(jffs2_crc(&hdr), 0xe41e_b0b1);
    }

    #[test]
    fn parses_both_byte_orders() {
        for big in [false, true] {
            let img = sample(big);
            let len = img.buf.len();
            let mut buf = img.buf;
            buf.resize(65536, 0xff);
            let p = run(buf);
            assert_eq!(p.len, len as u64);
            assert!(p.notes.is_empty(), "{:?}", p.notes);
            assert_eq!(
                listing(&p),
                vec![
                    ("etc".into(), "dir".into()),
                    ("etc/console".into(), "dev:true:5:1".into()),
                    (
                        "etc/passwd".into(),
                        "file:root:x:0:0::/root:/bin/sh\n".into()
                    ),
                    ("hello".into(), "file:hello world".into()),
                    ("sh".into(), "link:busybox".into()),
                ]
            );
            let Output::Entries(es) = &p.output else {
                panic!()
            };
            let passwd = es.iter().find(|e| e.path == "etc/passwd").unwrap();
            assert_eq!(
                passwd.meta,
                Meta {
                    mode: Some(0o100644),
                    uid: Some(1000),
                    gid: Some(100),
                    mtime: Some(1_600_000_000)
                }
            );
        }
    }

    #[test]
    fn newest_version_wins_and_deletions_apply() {
        let mut i = sample(false);
        // Overwrite the middle of "hello world", then grow the file with a hole.
        i.inode(4, 0o100644, 11, 6, 0, b"WORLD", 5);
        i.inode(4, 0o100644, 14, 11, 1, &[], 3);
        // Rename: delete "sh", add "busybox-link" for the same inode.
        i.dirent(1, 0, "sh", 10);
        i.dirent(1, 5, "bb", 10);
        let p = run(i.buf);
        let l = listing(&p);
        assert!(
            l.contains(&("hello".into(), "file:hello WORLD\0\0\0".into())),
            "{l:?}"
        );
        assert!(l.contains(&("bb".into(), "link:busybox".into())));
        assert!(!l.iter().any(|(p, _)| p == "sh"));
    }

    #[test]
    fn bad_crc_nodes_are_skipped_with_a_note() {
        let mut i = Img::new(false);
        i.dirent(1, 2, "a", 8);
        i.file(2, b"version one", false);
        let good_len = i.buf.len();
        i.inode(2, 0o100644, 11, 0, 0, b"version two", 11);
        // Corrupt the data of the newer node: the older version must survive.
        let n = i.buf.len();
        i.buf[n - 2] ^= 0xff;
        let p = run(i.buf);
        assert_eq!(listing(&p), vec![("a".into(), "file:version one".into())]);
        assert!(
            p.notes.iter().any(|n| n.contains("bad node/data CRC")),
            "{:?}",
            p.notes
        );
        assert!(good_len < p.len as usize);
    }

    #[test]
    fn obsolete_nodes_are_ignored() {
        let mut i = Img::new(false);
        i.dirent(1, 2, "a", 8);
        i.file(2, b"old", false);
        let at = i.buf.len();
        i.inode(2, 0o100644, 3, 0, 0, b"new", 3);
        // Clear the ACCURATE bit as the kernel does on NOR flash.
        i.buf[at + 3] &= !0x20;
        let p = run(i.buf);
        assert_eq!(listing(&p), vec![("a".into(), "file:old".into())]);
        assert_eq!(p.notes, vec!["1 obsolete nodes ignored".to_owned()]);
    }

    #[test]
    fn directory_cycles_terminate() {
        let mut i = Img::new(true);
        i.dirent(1, 2, "d", 4);
        i.inode(2, 0o40755, 0, 0, 0, &[], 0);
        i.dirent(2, 3, "e", 4);
        i.inode(3, 0o40755, 0, 0, 0, &[], 0);
        i.dirent(3, 2, "back", 4);
        i.dirent(3, 1, "root", 4);
        let p = run(i.buf);
        assert_eq!(
            listing(&p),
            vec![("d".into(), "dir".into()), ("d/e".into(), "dir".into())]
        );
        assert_eq!(
            p.notes
                .iter()
                .filter(|n| n.contains("reached twice"))
                .count(),
            2
        );
    }

    #[test]
    fn deep_nesting_is_cut_at_path_max() {
        let mut i = Img::new(false);
        for ino in 2..3002u32 {
            i.dirent(ino - 1, ino, "dd", 4);
            i.inode(ino, 0o40755, 0, 0, 0, &[], 0);
        }
        let p = run(i.buf);
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        // "dd" plus 1364 times "/dd" is 4094 bytes; one more level would pass 4096.
        assert_eq!(es.len(), 1365);
        assert!(es.iter().all(|e| e.path.len() <= 4096));
        assert_eq!(
            p.notes,
            vec![
                "1 entries with paths longer than 4096 bytes skipped".to_owned(),
                "1634 directory entries not reachable from the root".to_owned()
            ]
        );
    }

    #[test]
    fn stops_after_junk_and_reports_extent() {
        let mut i = sample(false);
        let len = i.buf.len();
        i.pad_to(len + 8192);
        let mut buf = i.buf;
        buf.extend(std::iter::repeat_n(0x5a, MAX_JUNK + 64));
        // A stray node after the junk belongs to something else.
        let mut other = Img::new(false);
        other.dirent(1, 9, "stray", 8);
        buf.extend(other.buf);
        let p = run(buf);
        assert_eq!(p.len, len as u64);
        assert!(!listing(&p).iter().any(|(p, _)| p == "stray"));
    }

    #[test]
    fn hostile_sizes_are_bounded() {
        let mut i = Img::new(false);
        i.dirent(1, 2, "huge", 8);
        // 4 GiB file size from a 68-byte node: zero-filled up to the budget, or refused.
        i.inode(2, 0o100644, u32::MAX, 0, 1, &[], u32::MAX);
        let mut ctx = Ctx::new(Limits::default());
        ctx.remaining_bytes = 1 << 20;
        let r = Jffs2.parse(&Bytes::from(i.buf), 0, &ctx);
        assert!(matches!(r, Err(Error::Limit { .. })), "{r:?}");
    }

    #[test]
    fn truncated_and_corrupt_do_not_panic() {
        let full = sample(false).buf;
        for cut in (0..full.len()).step_by(7) {
            let _ = Jffs2.parse(
                &Bytes::from(full[..cut].to_vec()),
                0,
                &Ctx::new(Limits::default()),
            );
        }
        for at in (0..full.len()).step_by(5) {
            let mut b = full.clone();
            b[at] ^= 0x41;
            let _ = Jffs2.parse(&Bytes::from(b), 0, &Ctx::new(Limits::default()));
        }
    }

    #[test]
    fn rtime_roundtrip_of_kernel_format() {
        // "aaaa" = 'a' with repeat 0, then 'a' repeating 2 from the previous 'a'... as the
        // kernel encoder would write it: value, run-length pairs.
        assert_eq!(rtime(&[b'a', 0, b'a', 2], 4).unwrap(), b"aaaa");
        assert_eq!(rtime(&[b'x', 0, b'y', 0], 2).unwrap(), b"xy");
        assert!(rtime(b"x", 2).is_err());
    }

    #[test]
    fn lzo1x_literals_and_matches() {
        assert_eq!(
            lzo1x(&[21, b'a', b'b', b'c', b'd', 0x11, 0, 0], 64).unwrap(),
            b"abcd"
        );
        assert_eq!(
            lzo1x(&[20, b'a', b'b', b'c', 0xA8, 0x00, 0x11, 0, 0], 64).unwrap(),
            b"abcabcabc"
        );
        assert!(lzo1x(&[20, b'a', b'b', b'c', 0xA8, 0x08, 0x11, 0, 0], 64).is_err());
        assert!(lzo1x(&[20, b'a', b'b', b'c', 0xA8, 0x00, 0x11, 0, 0], 5).is_err());
    }

    /// The kernel's rubin encoder, restated for the round trip.
    fn rubin_encode(data: &[u8], divider: u64, bits: [u64; 8]) -> Vec<u8> {
        let (mut p, mut q) = (2 * RUBIN_UPPER, 0u64);
        let mut out = Vec::new();
        for &byte in data {
            for (i, &b) in bits.iter().enumerate() {
                let a = divider - b;
                while q >= RUBIN_UPPER || p + q <= RUBIN_UPPER {
                    out.push(q & RUBIN_UPPER != 0);
                    q = (q & RUBIN_LOWER) << 1;
                    p <<= 1;
                }
                let i0 = (a * p / (a + b)).clamp(1, p - 1);
                if byte >> i & 1 == 0 {
                    p = i0;
                } else {
                    p -= i0;
                    q += i0;
                }
            }
        }
        for _ in 0..16 {
            out.push(q & RUBIN_UPPER != 0);
            q = (q & RUBIN_LOWER) << 1;
        }
        out.chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |acc, (i, &b)| acc | u8::from(b) << (7 - i))
            })
            .collect()
    }

    #[test]
    fn rubin_round_trips() {
        let data = b"#!/bin/sh\necho rubin rubin rubin\n\0\0\0\xff".repeat(9);
        let enc = rubin_encode(&data, RUBIN_MIPS_DIVIDER, RUBIN_MIPS_BITS);
        assert_eq!(decompress(3, &enc, data.len()).unwrap().unwrap(), data);
        let table = [10u8, 200, 128, 1, 0, 255, 77, 3];
        let mut dynr = table.to_vec();
        dynr.extend(rubin_encode(&data, 256, table.map(u64::from)));
        assert_eq!(decompress(5, &dynr, data.len()).unwrap().unwrap(), data);
        assert!(decompress(5, &[1, 2], 10).is_err());
    }

    /// The single block `lzop -9` (LZO1X-999) wrote for lzo_sample().
    const LZO_HEX: &str = concat!(
            "216c696e6520303a20616c70686120300a9d01310d03730703646f770402a1023203046265740d0734b9013358010575",
            "7379626f782039a40208343a2067616d6d61203136a10235030474656c02027464010f35a902360b0464656c550833cc",
            "0406373a20776966692034d00806383a20726f6f742036d90c390d036302156572050c38dd10316615646d08024401ec",
            "155015056a66667332203132f404581506706173737764203134ce093133ee1c3136da0d313428990339ca123135c51d",
            "32f616313628b2033235f90437fe1d3238f5093828c6033332f50e3928cc03e92930f41ee6183231de1e3434ed043227",
            "e6033438ca093233ea1f3532ca0e3234ea1f3537c213323527e90336e6183236e91f362799003727e9033727350138c9",
            "1f3727c9013928e90338ee133330e91f39e218333128e90339fe1c3332e81ff2213333c41fea263334c11f31fe2a3335",
            "27e0032702063336e11f32f6343337e11f33f239333827e10334ee3e3339e11f3549430020000c000000511f3e5d7c9b",
            "bad9f81736557493b2d1f00f2e4d6c8baac9e80726456483a2c1e0ff1e3d5c7b9ab9d8f71635547392b1d0ef0e2d4c6b",
            "8aa9c8e70625446382a1c0dffe1d3c5b7a99b8d7f61534537291b0cfee0d2c4b6a89a8c7e60524436281a0bfdefd1100",
            "00",
        );

    /// lzo_sample() as raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary (Python's lzma module,
    /// FORMAT_RAW), the parameters of OpenWrt's JFFS2 compressor.
    const LZMA_HEX: &str = concat!(
            "00361b96af64ea99328750f7b34d3c9805c671e48cd0f73ab830b9e7b6150dc9633ad25206bbe2ab640fe912ba4e32a7",
            "00bbcf73433404d03f5f6969883149a6f0566a5a0702b11b556a75c8ad81e46cb291e74fb5e4523c95b342b5bbf3ee4b",
            "059af7386afbf68b95efaec764c09f24f43c74d3395d796118f8b91d00ac13505139d80e56781e4760869574bf7745f5",
            "47ed9a3d75bb4f1cc612892c47dcab40b6757f08cf2e5313c85bf25313864d716af2644295f657e0c8dd7f898cd6615a",
            "e74667193478d30cdaf8827712d5ef18e47819f890907c643d35f635abbc3dab21c276965f44730ddc484814390716df",
            "faeeb88be969630076ad8468a6a8171b18c91dcf01761771920fbd6038d041460849b4bda8e991d3ce4ad02f24da6706",
            "53acaf17a6aec4be3836146df801277d78402a7fc23af67200ab85046dd2f78514f5bad02bbbea5d7fd26c9cc2e888fd",
            "233574fb7001ba9315406c811d7816b4646e240a0ab13f1bbe30b7f12b64007cdf770f5b09ef8e21864dbc26cc76ef9b",
            "7d8ee71868427f375d93c4872a97938c5a4ef5fe30a738",
        );

    /// Text, a zero run and a byte ramp: exercises literal runs and all match kinds.
    fn lzo_sample() -> Vec<u8> {
        let words = [
            "alpha", "beta", "gamma", "delta", "root", "admin", "passwd", "shadow", "busybox",
            "telnetd", "wifi", "camera", "jffs2",
        ];
        let mut v = Vec::new();
        for i in 0..40usize {
            v.extend(format!("line {i}: {} {}\n", words[i * 7 % 13], i * i % 1000).bytes());
        }
        v.extend([0u8; 300]);
        v.extend((0..100u32).map(|i| (i * 31 % 256) as u8));
        v
    }

    #[test]
    fn lzo1x_decodes_lzop_output() {
        // The single block `lzop -9` (LZO1X-999) wrote for lzo_sample().
        let raw = hex::decode(LZO_HEX).unwrap();
        let data = lzo_sample();
        assert_eq!(data.len(), 1146);
        assert_eq!(lzo1x(&raw, data.len()).unwrap(), data);
        assert_eq!(decompress(7, &raw, data.len()).unwrap().unwrap(), data);
        // A shorter output budget is an error, not a panic or an overrun.
        assert!(lzo1x(&raw, 1000).is_err());
        for cut in 0..raw.len() {
            let _ = lzo1x(&raw[..cut], data.len());
        }
    }

    #[test]
    fn lzma_decodes_raw_lc0_lp0_pb0() {
        // lzo_sample() as raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary (Python's lzma module,
        // FORMAT_RAW), the parameters of OpenWrt's JFFS2 compressor.
        let raw = hex::decode(LZMA_HEX).unwrap();
        let data = lzo_sample();
        assert_eq!(decompress(8, &raw, data.len()).unwrap().unwrap(), data);
        assert!(decompress(8, &raw[..100], data.len()).is_err());
    }

    #[test]
    fn every_compressor_in_one_image() {
        let data = lzo_sample();
        let lzo = hex::decode(LZO_HEX).unwrap();
        let lzma = hex::decode(LZMA_HEX).unwrap();
        let rt = [b'a', 0, b'b', 0, b'a', 1];
        let mut dynr = vec![1u8, 2, 3, 4, 5, 6, 7, 8];
        dynr.extend(rubin_encode(b"dynamic", 256, [1, 2, 3, 4, 5, 6, 7, 8]));
        let n = data.len() as u32;
        let mut i = Img::new(true);
        i.dirent(1, 2, "lzo", 8);
        i.inode(2, 0o100644, n, 0, 7, &lzo, n);
        i.dirent(1, 3, "lzma", 8);
        i.inode(3, 0o100644, n, 0, 8, &lzma, n);
        i.dirent(1, 4, "rtime", 8);
        i.inode(4, 0o100644, 4, 0, 2, &rt, 4);
        i.dirent(1, 5, "dynrubin", 8);
        i.inode(5, 0o100644, 7, 0, 5, &dynr, 7);
        i.dirent(1, 6, "unknown", 8);
        i.inode(6, 0o100644, 3, 0, 42, b"???", 3);
        let p = run(i.buf);
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        let file = |name: &str| match &es.iter().find(|e| e.path == name).unwrap().kind {
            EntryKind::File(d) => d.to_vec(),
            other => panic!("{other:?}"),
        };
        assert_eq!(file("lzo"), data);
        assert_eq!(file("lzma"), data);
        assert_eq!(file("rtime"), b"abab");
        assert_eq!(file("dynrubin"), b"dynamic");
        assert_eq!(file("unknown"), b"\0\0\0");
        assert_eq!(
            p.notes,
            vec!["unknown: node at 0x59c (compression 42): unknown compression 42".to_owned()]
        );
    }

    #[test]
    fn lzma_plumbing() {
        let data = b"jffs2 lzma jffs2 lzma jffs2 lzma".repeat(20);
        let mut o = lzma_rust2::LzmaOptions::with_preset(1);
        // OpenWrt's JFFS2 properties: lc = lp = pb = 0, an 8 KiB dictionary.
        (o.lc, o.lp, o.pb, o.dict_size) = (0, 0, 0, 0x2000);
        let mut w = lzma_rust2::LzmaWriter::new(Vec::new(), &o, false, false, None).unwrap();
        std::io::Write::write_all(&mut w, &data).unwrap();
        let raw = w.finish().unwrap();
        assert_eq!(lzma(&raw, data.len()).unwrap(), data);
        // Cut short: an error, not a short file.
        assert!(lzma(&raw[..raw.len() / 2], data.len()).is_err());
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
            let mut img = sample(false).buf;
            let n = img.len();
            for (at, b) in edits {
                img[at % n] = b;
            }
            img.truncate(n - cut % (n / 2));
            let data = Bytes::from(img);
            if let Ok(Some(p)) = Jffs2.parse(&data, 0, &Ctx::new(Limits::default())) {
                proptest::prop_assert!(p.len <= data.len() as u64);
            }
        }
    }
}
