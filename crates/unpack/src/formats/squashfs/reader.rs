//! Metadata blocks, inodes, directories, id and fragment tables of squashfs 2.x/3.x/4.x.
//!
//! Owns: reading the metadata stream (decoded lazily, each block once, with a byte budget),
//! and turning inode and directory records of every version and byte order into one model
//! ([`Inode`], [`DirEntry`]).
//! Never does: decode file data (see `data.rs`), trust a count or size without a bound.

use super::codec::Codec;
use super::endian::Cur;
use super::superblock::Superblock;
use std::collections::HashMap;
use std::sync::Arc;

/// Uncompressed size of a metadata block.
pub(crate) const META_SIZE: usize = 8192;
/// Longest symlink target accepted (Linux PATH_MAX is 4096; vendors never go near this).
const MAX_SYMLINK: usize = 65_535;
/// Largest directory listing read in one go.
const MAX_DIR_BYTES: usize = 16 << 20;

pub(crate) type Res<T> = std::result::Result<T, String>;

#[derive(Debug)]
struct MetaBlock {
    bytes: Vec<u8>,
    /// Image offset of the block after this one.
    next: u64,
}

/// Position in the metadata stream: image offset of a block and offset inside its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Pos {
    pub block: u64,
    pub off: usize,
}

/// Reader of the metadata stream of one image.
#[derive(Debug)]
pub(crate) struct Meta<'a> {
    pub data: &'a [u8],
    pub sb: &'a Superblock,
    pub codec: &'a Codec,
    cache: HashMap<u64, Arc<MetaBlock>>,
    budget: u64,
    ids: Option<Vec<u32>>,
    gids: Option<Vec<u32>>,
}

/// What an inode is, with the fields the extraction needs.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Dir {
        block: u64,
        off: usize,
        size: u64,
    },
    File(FileInfo),
    Symlink(Vec<u8>),
    Device {
        char_device: bool,
        major: u32,
        minor: u32,
    },
    Fifo,
    Socket,
}

/// Where a regular file's bytes are.
#[derive(Debug, Clone)]
pub(crate) struct FileInfo {
    /// Image offset of the first data block.
    pub start: u64,
    pub size: u64,
    /// Fragment index and offset inside the fragment block.
    pub frag: Option<(u32, u32)>,
    /// On-disk size words (bit 24: stored uncompressed; 0: sparse).
    pub blocks: Vec<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct Inode {
    pub kind: Kind,
    /// Permission bits (0o7777).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct DirEntry {
    pub name: Vec<u8>,
    /// Inode position (block relative to the inode table).
    pub inode: (u64, usize),
}

const NO_FRAG: u32 = 0xffff_ffff;

impl<'a> Meta<'a> {
    pub fn new(data: &'a [u8], sb: &'a Superblock, codec: &'a Codec, budget: u64) -> Self {
        Meta {
            data,
            sb,
            codec,
            cache: HashMap::new(),
            budget,
            ids: None,
            gids: None,
        }
    }

    /// Output budget not yet spent on metadata.
    pub fn budget_left(&self) -> u64 {
        self.budget
    }

    fn block(&mut self, at: u64) -> Res<Arc<MetaBlock>> {
        if let Some(b) = self.cache.get(&at) {
            return Ok(b.clone());
        }
        let start =
            usize::try_from(at).map_err(|_| format!("metadata block at {at:#x} out of range"))?;
        let c = Cur::new(self.data, self.sb.meta_be);
        let word = c
            .u16(start)
            .ok_or_else(|| format!("metadata block at {at:#x} past end of image"))?;
        let stored = word & 0x8000 != 0;
        let len = usize::from(word & 0x7fff);
        let hdr = if self.sb.check_byte() { 3 } else { 2 };
        if len == 0 || len > META_SIZE + 16 {
            return Err(format!("metadata block at {at:#x}: bad length {len}"));
        }
        let body = self
            .data
            .get(start + hdr..start + hdr + len)
            .ok_or_else(|| format!("metadata block at {at:#x} runs past end of image"))?;
        let bytes = if stored {
            if len > META_SIZE {
                return Err(format!(
                    "metadata block at {at:#x}: stored length {len} > 8192"
                ));
            }
            body.to_vec()
        } else {
            self.codec
                .decode(body, META_SIZE, None)
                .ok_or_else(|| format!("metadata block at {at:#x}: no decoder accepted it"))?
        };
        let cost = bytes.len() as u64;
        if cost > self.budget {
            return Err("metadata larger than the output budget".into());
        }
        self.budget -= cost;
        let b = Arc::new(MetaBlock {
            bytes,
            next: at + (hdr + len) as u64,
        });
        self.cache.insert(at, b.clone());
        Ok(b)
    }

    /// Read `n` bytes from `pos`, moving it on. With `partial`, stop early (and return
    /// fewer bytes) when the stream ends or breaks instead of failing.
    pub fn read(&mut self, pos: &mut Pos, n: usize, partial: bool) -> Res<Vec<u8>> {
        let mut out = Vec::with_capacity(n.min(META_SIZE * 4));
        while out.len() < n {
            let b = match self.block(pos.block) {
                Ok(b) => b,
                Err(e) if partial => {
                    let _ = e;
                    break;
                }
                Err(e) => return Err(e),
            };
            if pos.off >= b.bytes.len() {
                if pos.off > b.bytes.len() || b.bytes.is_empty() {
                    if partial {
                        break;
                    }
                    return Err(format!(
                        "offset {} past metadata block at {:#x}",
                        pos.off, pos.block
                    ));
                }
                *pos = Pos {
                    block: b.next,
                    off: 0,
                };
                continue;
            }
            let take = (n - out.len()).min(b.bytes.len() - pos.off);
            out.extend_from_slice(b.bytes.get(pos.off..pos.off + take).unwrap_or_default());
            pos.off += take;
        }
        Ok(out)
    }

    fn read_cur(&mut self, pos: &mut Pos, n: usize) -> Res<Vec<u8>> {
        self.read(pos, n, false)
    }

    fn id_lookup(&mut self, idx: u32, gid: bool) -> u32 {
        if self.sb.major == 4 {
            if self.ids.is_none() {
                let ids = self.load_v4_ids().unwrap_or_default();
                self.ids = Some(ids);
            }
            return self
                .ids
                .as_ref()
                .and_then(|t| t.get(idx as usize))
                .copied()
                .unwrap_or(idx);
        }
        if self.ids.is_none() {
            self.ids = Some(self.raw_u32s(self.sb.id_table, self.sb.id_count));
            self.gids = Some(self.raw_u32s(self.sb.guid_table, self.sb.guid_count));
        }
        let table = if gid { &self.gids } else { &self.ids };
        table
            .as_ref()
            .and_then(|t| t.get(idx as usize))
            .copied()
            .unwrap_or(idx)
    }

    fn raw_u32s(&self, at: u64, count: u32) -> Vec<u32> {
        let c = Cur::new(self.data, self.sb.be);
        let Ok(at) = usize::try_from(at) else {
            return Vec::new();
        };
        (0..count as usize)
            .map_while(|i| c.u32(at + i * 4))
            .collect()
    }

    fn load_v4_ids(&mut self) -> Res<Vec<u32>> {
        let count = self.sb.id_count as usize;
        let blocks = (count * 4).div_ceil(META_SIZE);
        let c = Cur::new(self.data, self.sb.be);
        let at = usize::try_from(self.sb.id_table).map_err(|_| "id table out of range")?;
        let mut out = Vec::with_capacity(count);
        for i in 0..blocks {
            let ptr = c.u64(at + i * 8).ok_or("id table index past end")?;
            let want = (count - out.len()).min(META_SIZE / 4);
            let mut pos = Pos { block: ptr, off: 0 };
            let bytes = self.read_cur(&mut pos, want * 4)?;
            let bc = Cur::new(&bytes, self.sb.be);
            out.extend((0..want).map_while(|j| bc.u32(j * 4)));
        }
        Ok(out)
    }

    /// Fragment table entry: image offset and on-disk size word of fragment block `idx`.
    pub fn fragment(&mut self, idx: u32) -> Res<(u64, u32)> {
        if idx >= self.sb.frag_count {
            return Err(format!(
                "fragment {idx} >= fragment count {}",
                self.sb.frag_count
            ));
        }
        let v2 = self.sb.major == 2;
        let entry = if v2 { 8usize } else { 16 };
        let byte = idx as usize * entry;
        let (blk, off) = (byte / META_SIZE, byte % META_SIZE);
        let c = Cur::new(self.data, self.sb.be);
        let at = usize::try_from(self.sb.frag_table).map_err(|_| "fragment table out of range")?;
        let ptr = if v2 {
            c.u32(at + blk * 4).map(u64::from)
        } else {
            c.u64(at + blk * 8)
        }
        .ok_or("fragment table index past end")?;
        let mut pos = Pos { block: ptr, off };
        let e = self.read_cur(&mut pos, entry)?;
        let ec = Cur::new(&e, self.sb.be);
        let (start, size) = if v2 {
            (ec.u32(0).map(u64::from), ec.u32(4))
        } else {
            (ec.u64(0), ec.u32(8))
        };
        Ok((
            start.ok_or("short fragment entry")?,
            size.ok_or("short fragment entry")?,
        ))
    }

    /// Read the inode at `block` (relative to the inode table) and `off`.
    pub fn inode(&mut self, block: u64, off: usize) -> Res<Inode> {
        let mut pos = Pos {
            block: self
                .sb
                .inode_table
                .checked_add(block)
                .ok_or("inode block out of range")?,
            off,
        };
        match self.sb.major {
            4 => self.inode_v4(&mut pos),
            3 => self.inode_v3(&mut pos),
            _ => self.inode_v2(&mut pos),
        }
    }

    fn block_list(&mut self, pos: &mut Pos, size: u64, frag: Option<(u32, u32)>) -> Res<Vec<u32>> {
        let bs = u64::from(self.sb.block_size);
        let n = if frag.is_some() {
            size / bs
        } else {
            size.div_ceil(bs)
        };
        // Each listed block is at least one byte of the image unless sparse; a list longer
        // than the image could hold words for is hostile.
        if n > (self.data.len() as u64).max(1 << 16) {
            return Err(format!("file of {size} bytes lists {n} blocks"));
        }
        let n = usize::try_from(n).map_err(|_| "block count overflow")?;
        let raw = self.read_cur(pos, n * 4)?;
        let c = Cur::new(&raw, self.sb.be);
        Ok((0..n).map_while(|i| c.u32(i * 4)).collect())
    }

    fn symlink(&mut self, pos: &mut Pos, len: usize) -> Res<Vec<u8>> {
        if len > MAX_SYMLINK {
            return Err(format!("symlink target of {len} bytes"));
        }
        self.read_cur(pos, len)
    }

    fn inode_v4(&mut self, pos: &mut Pos) -> Res<Inode> {
        let be = self.sb.be;
        let h = self.read_cur(pos, 16)?;
        let hc = Cur::new(&h, be);
        let t = hc.u16(0).ok_or("short inode")?;
        let mode = u32::from(hc.u16(2).ok_or("short inode")?) & 0o7777;
        let uid = self.id_lookup(u32::from(hc.u16(4).ok_or("short inode")?), false);
        let gid = self.id_lookup(u32::from(hc.u16(6).ok_or("short inode")?), true);
        let mtime = hc.u32(8).ok_or("short inode")?;
        let fixed = match t {
            1 => 16,
            2 => 16,
            3 | 10 => 8,
            4 | 5 => 8,
            6 | 7 => 4,
            8 => 24,
            9 => 40,
            11 | 12 => 12,
            13 | 14 => 8,
            _ => return Err(format!("unknown v4 inode type {t}")),
        };
        let b = self.read_cur(pos, fixed)?;
        let c = Cur::new(&b, be);
        let short = || "short inode".to_string();
        let kind = match t {
            1 => Kind::Dir {
                block: u64::from(c.u32(0).ok_or_else(short)?),
                size: u64::from(c.u16(8).ok_or_else(short)?),
                off: usize::from(c.u16(10).ok_or_else(short)?),
            },
            8 => Kind::Dir {
                size: u64::from(c.u32(4).ok_or_else(short)?),
                block: u64::from(c.u32(8).ok_or_else(short)?),
                off: usize::from(c.u16(18).ok_or_else(short)?),
            },
            2 | 9 => {
                let (start, frag, foff, size) = if t == 2 {
                    (
                        u64::from(c.u32(0).ok_or_else(short)?),
                        c.u32(4).ok_or_else(short)?,
                        c.u32(8).ok_or_else(short)?,
                        u64::from(c.u32(12).ok_or_else(short)?),
                    )
                } else {
                    (
                        c.u64(0).ok_or_else(short)?,
                        c.u32(28).ok_or_else(short)?,
                        c.u32(32).ok_or_else(short)?,
                        c.u64(8).ok_or_else(short)?,
                    )
                };
                let frag = (frag != NO_FRAG).then_some((frag, foff));
                let blocks = self.block_list(pos, size, frag)?;
                Kind::File(FileInfo {
                    start,
                    size,
                    frag,
                    blocks,
                })
            }
            3 | 10 => {
                let len = c.u32(4).ok_or_else(short)? as usize;
                Kind::Symlink(self.symlink(pos, len)?)
            }
            4 | 5 | 11 | 12 => {
                let rdev = c.u32(4).ok_or_else(short)?;
                Kind::Device {
                    char_device: t == 5 || t == 12,
                    major: (rdev >> 8) & 0xfff,
                    minor: (rdev & 0xff) | ((rdev >> 12) & 0xf_ff00),
                }
            }
            6 | 13 => Kind::Fifo,
            _ => Kind::Socket,
        };
        Ok(Inode {
            kind,
            mode,
            uid,
            gid,
            mtime,
        })
    }

    fn legacy_ids(&mut self, uid: u64, guid: u64) -> (u32, u32) {
        let uid = self.id_lookup(uid as u32, false);
        // 255 (SQUASHFS_GUIDS) means "same as uid".
        let gid = if guid == 255 {
            uid
        } else {
            self.id_lookup(guid as u32, true)
        };
        (uid, gid)
    }

    fn inode_v3(&mut self, pos: &mut Pos) -> Res<Inode> {
        let be = self.sb.be;
        let h = self.read_cur(pos, 12)?;
        let hc = Cur::new(&h, be);
        let short = || "short inode".to_string();
        let t = hc.bits(0, 4).ok_or_else(short)?;
        let mode = hc.bits(4, 12).ok_or_else(short)? as u32;
        let (uid, gid) = self.legacy_ids(
            hc.bits(16, 8).ok_or_else(short)?,
            hc.bits(24, 8).ok_or_else(short)?,
        );
        let mtime = hc.u32(4).ok_or_else(short)?;
        // The rest of each record, as bytes after the 12-byte base.
        let rest = match t {
            1 => 16,
            2 => 20,
            3..=5 => 6,
            6 | 7 => 4,
            8 => 19,
            9 => 28,
            _ => return Err(format!("unknown v3 inode type {t}")),
        };
        let mut b = h.clone();
        b.extend(self.read_cur(pos, rest)?);
        let c = Cur::new(&b, be);
        let kind = match t {
            1 => Kind::Dir {
                size: c.bits(128, 19).ok_or_else(short)?,
                off: c.bits(147, 13).ok_or_else(short)? as usize,
                block: c.bits(160, 32).ok_or_else(short)?,
            },
            8 => Kind::Dir {
                size: c.bits(128, 27).ok_or_else(short)?,
                off: c.bits(155, 13).ok_or_else(short)? as usize,
                block: c.bits(168, 32).ok_or_else(short)?,
            },
            2 | 9 => {
                let (start, frag, foff, size) = if t == 2 {
                    (c.u64(12), c.u32(20), c.u32(24), c.u32(28).map(u64::from))
                } else {
                    (c.u64(16), c.u32(24), c.u32(28), c.u64(32))
                };
                let (start, frag, foff, size) = (
                    start.ok_or_else(short)?,
                    frag.ok_or_else(short)?,
                    foff.ok_or_else(short)?,
                    size.ok_or_else(short)?,
                );
                let frag = (frag != NO_FRAG).then_some((frag, foff));
                let blocks = self.block_list(pos, size, frag)?;
                Kind::File(FileInfo {
                    start,
                    size,
                    frag,
                    blocks,
                })
            }
            3 => {
                let len = usize::from(c.u16(16).ok_or_else(short)?);
                Kind::Symlink(self.symlink(pos, len)?)
            }
            4 | 5 => {
                let rdev = u32::from(c.u16(16).ok_or_else(short)?);
                Kind::Device {
                    char_device: t == 5,
                    major: rdev >> 8,
                    minor: rdev & 0xff,
                }
            }
            6 => Kind::Fifo,
            _ => Kind::Socket,
        };
        Ok(Inode {
            kind,
            mode,
            uid,
            gid,
            mtime,
        })
    }

    fn inode_v2(&mut self, pos: &mut Pos) -> Res<Inode> {
        let be = self.sb.be;
        let h = self.read_cur(pos, 4)?;
        let hc = Cur::new(&h, be);
        let short = || "short inode".to_string();
        let t = hc.bits(0, 4).ok_or_else(short)?;
        let mode = hc.bits(4, 12).ok_or_else(short)? as u32;
        let (uid, gid) = self.legacy_ids(
            hc.bits(16, 8).ok_or_else(short)?,
            hc.bits(24, 8).ok_or_else(short)?,
        );
        let rest = match t {
            1 => 11,
            2 => 20,
            3..=5 => 2,
            6 | 7 => 0,
            8 => 14,
            _ => return Err(format!("unknown v2 inode type {t}")),
        };
        let mut b = h.clone();
        b.extend(self.read_cur(pos, rest)?);
        let c = Cur::new(&b, be);
        // v2 devices, links and ipc inodes carry no time: use the image's.
        let mut mtime = self.sb.mkfs_time;
        let kind = match t {
            1 => {
                mtime = c.u32(8).ok_or_else(short)?;
                Kind::Dir {
                    size: c.bits(32, 19).ok_or_else(short)?,
                    off: c.bits(51, 13).ok_or_else(short)? as usize,
                    block: c.bits(96, 24).ok_or_else(short)?,
                }
            }
            8 => {
                mtime = c.bits(72, 32).ok_or_else(short)? as u32;
                Kind::Dir {
                    size: c.bits(32, 27).ok_or_else(short)?,
                    off: c.bits(59, 13).ok_or_else(short)? as usize,
                    block: c.bits(104, 24).ok_or_else(short)?,
                }
            }
            2 => {
                mtime = c.u32(4).ok_or_else(short)?;
                let start = u64::from(c.u32(8).ok_or_else(short)?);
                let frag = c.u32(12).ok_or_else(short)?;
                let foff = c.u32(16).ok_or_else(short)?;
                let size = u64::from(c.u32(20).ok_or_else(short)?);
                let frag = (frag != NO_FRAG).then_some((frag, foff));
                let blocks = self.block_list(pos, size, frag)?;
                Kind::File(FileInfo {
                    start,
                    size,
                    frag,
                    blocks,
                })
            }
            3 => {
                let len = usize::from(c.u16(4).ok_or_else(short)?);
                Kind::Symlink(self.symlink(pos, len)?)
            }
            4 | 5 => {
                let rdev = u32::from(c.u16(4).ok_or_else(short)?);
                Kind::Device {
                    char_device: t == 5,
                    major: rdev >> 8,
                    minor: rdev & 0xff,
                }
            }
            6 => Kind::Fifo,
            _ => Kind::Socket,
        };
        Ok(Inode {
            kind,
            mode,
            uid,
            gid,
            mtime,
        })
    }

    /// Entries of the directory whose listing starts at `block` (relative to the directory
    /// table), `off`, and is `size` bytes long. Damaged tails end the listing early; the
    /// returned flag says so.
    pub fn dir(&mut self, block: u64, off: usize, size: u64) -> Res<(Vec<DirEntry>, bool)> {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if size > MAX_DIR_BYTES {
            return Err(format!("directory listing of {size} bytes"));
        }
        let mut pos = Pos {
            block: self
                .sb
                .dir_table
                .checked_add(block)
                .ok_or("directory block out of range")?,
            off,
        };
        let bytes = self.read(&mut pos, size, true)?;
        let be = self.sb.be;
        let c = Cur::new(&bytes, be);
        let (hdr_len, ent_len) = match self.sb.major {
            4 => (12, 8),
            3 => (9, 5),
            _ => (4, 3),
        };
        let mut out = Vec::new();
        let mut at = 0usize;
        let mut damaged = bytes.len() < size.saturating_sub(3);
        'headers: while at + hdr_len <= bytes.len() {
            let (count, start) = match self.sb.major {
                4 => (c.u32(at).map(u64::from), c.u32(at + 4).map(u64::from)),
                3 => (c.bits(at * 8, 8), c.bits(at * 8 + 8, 32)),
                _ => (c.bits(at * 8, 8), c.bits(at * 8 + 8, 24)),
            };
            let (Some(count), Some(start)) = (count, start) else {
                damaged = true;
                break;
            };
            // At most 256 entries share a header in every version.
            if count >= 256 {
                damaged = true;
                break;
            }
            at += hdr_len;
            for _ in 0..=count {
                let b = at * 8;
                let (ioff, nsize) = match self.sb.major {
                    4 => (c.u16(at).map(u64::from), c.u16(at + 6).map(u64::from)),
                    _ => (c.bits(b, 13), c.bits(b + 16, 8)),
                };
                let (Some(ioff), Some(nsize)) = (ioff, nsize) else {
                    damaged = true;
                    break 'headers;
                };
                let name_at = at + ent_len;
                let name_end = name_at + nsize as usize + 1;
                let Some(name) = bytes.get(name_at..name_end) else {
                    damaged = true;
                    break 'headers;
                };
                out.push(DirEntry {
                    name: name.to_vec(),
                    inode: (start, ioff as usize),
                });
                at = name_end;
            }
        }
        Ok((out, damaged))
    }
}
