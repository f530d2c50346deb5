//! Superblock recognition for squashfs 2.x, 3.x and 4.x in both byte orders, standard and
//! vendor magics, with the cheap sanity checks that decide "squashfs here or not" before any
//! block is decoded.
//!
//! Owns: the byte-order decision (from the major version at offset 28, read both ways), the
//! vendor variant named by the magic, and the table offsets the readers use.
//! Never does: decode blocks.

use super::codec::Compression;
use super::endian::Cur;

/// Magic numbers as they appear on disk, with the variant they name.
pub(crate) const MAGICS: [(&[u8; 4], &str); 8] = [
    (b"hsqs", "standard"),
    (b"sqsh", "standard"),
    (b"shsq", "broadcom"),
    (b"qshs", "broadcom"),
    (b"hsqt", "dd-wrt"),
    (b"tqsh", "dd-wrt"),
    (b"zlqs", "nonstandard"),
    (b"sqlz", "nonstandard"),
];

/// Facts from the superblock, version-independent. Offsets are relative to the superblock.
#[derive(Debug, Clone)]
pub(crate) struct Superblock {
    pub major: u16,
    pub minor: u16,
    pub be: bool,
    /// Byte order of metadata length words (differs from `be` only in AVM images).
    pub meta_be: bool,
    pub variant: &'static str,
    pub inodes: u32,
    pub block_size: u32,
    pub flags: u16,
    pub mkfs_time: u32,
    pub root_inode: u64,
    pub bytes_used: u64,
    /// v4 compression id (v2/v3: `None`).
    pub compression: Option<Compression>,
    pub inode_table: u64,
    pub dir_table: u64,
    pub frag_table: u64,
    pub frag_count: u32,
    /// v4: ID table index; v2/v3: raw uid array.
    pub id_table: u64,
    pub id_count: u32,
    /// v2/v3 only: raw gid array.
    pub guid_table: u64,
    pub guid_count: u32,
}

impl Superblock {
    /// v1–v3 "check data" flag: one marker byte follows each metadata length word.
    pub fn check_byte(&self) -> bool {
        self.major < 4 && self.flags & 0x04 != 0
    }

    /// Parse and sanity-check a superblock at the start of `data`. `None`: not squashfs.
    pub fn parse(data: &[u8]) -> Option<Superblock> {
        let magic: &[u8; 4] = data.get(..4)?.try_into().ok()?;
        let variant = MAGICS.iter().find(|(m, _)| *m == magic)?.1;
        let (le_major, be_major) = (
            Cur::new(data, false).u16(28)?,
            Cur::new(data, true).u16(28)?,
        );
        let (major, be) = match (le_major, be_major) {
            (v @ 2..=4, _) => (v, false),
            (_, v @ 2..=4) => (v, true),
            _ => return None,
        };
        let c = Cur::new(data, be);
        let sb = if major == 4 {
            parse_v4(&c, variant)?
        } else {
            parse_v23(&c, major, variant)?
        };
        if !sb.sane() {
            return None;
        }
        let mut sb = sb;
        // AVM images whose time field does not give them away: the first inode-table length
        // word reads as a sane metadata length only little-endian.
        if sb.major == 4 && sb.meta_be {
            let at = usize::try_from(sb.inode_table).ok()?;
            let plausible = |w: u16| {
                let len = w & 0x7fff;
                len != 0 && len <= 8192
            };
            let be_ok = Cur::new(data, true).u16(at).is_some_and(plausible);
            let le_ok = Cur::new(data, false).u16(at).is_some_and(plausible);
            if !be_ok && le_ok {
                sb.meta_be = false;
                sb.variant = "avm";
            }
        }
        Some(sb)
    }

    fn sane(&self) -> bool {
        let bs = self.block_size;
        if !bs.is_power_of_two() || !(4096..=(1 << 20)).contains(&bs) {
            return false;
        }
        let hdr = if self.major == 4 { 96 } else { 64 };
        let used = self.bytes_used;
        // The inode table lies after the superblock and before the directory table, both
        // inside the image; the root inode's block is inside the inode table.
        if used < hdr || self.inode_table < hdr || self.inode_table >= used {
            return false;
        }
        if self.dir_table < self.inode_table || self.dir_table >= used {
            return false;
        }
        let root_block = self.root_inode >> 16;
        self.inode_table.saturating_add(root_block) < self.dir_table.max(self.inode_table + 1)
    }
}

fn parse_v4(c: &Cur<'_>, variant: &'static str) -> Option<Superblock> {
    let inodes = c.u32(4)?;
    let mkfs_time = c.u32(8)?;
    let block_size = c.u32(12)?;
    let frag_count = c.u32(16)?;
    let comp_id = c.u16(20)?;
    let block_log = c.u16(22)?;
    let flags = c.u16(24)?;
    let id_count = c.u16(26)?;
    let minor = c.u16(30)?;
    let bytes_used = c.u64(40)?;
    if minor != 0 || u32::from(block_log) != block_size.trailing_zeros() {
        return None;
    }
    let compression = Compression::from_id(comp_id);
    compression?;
    // AVM (Fritz!OS) big-endian images keep little-endian metadata length words and store
    // the image size in the time field.
    let avm = c.be && u64::from(mkfs_time) == bytes_used;
    Some(Superblock {
        major: 4,
        minor,
        be: c.be,
        meta_be: c.be && !avm,
        variant: if avm { "avm" } else { variant },
        inodes,
        block_size,
        flags,
        mkfs_time,
        root_inode: c.u64(32)?,
        bytes_used,
        compression,
        inode_table: c.u64(64)?,
        dir_table: c.u64(72)?,
        frag_table: c.u64(80)?,
        frag_count,
        id_table: c.u64(48)?,
        id_count: u32::from(id_count),
        guid_table: 0,
        guid_count: 0,
    })
}

fn parse_v23(c: &Cur<'_>, major: u16, variant: &'static str) -> Option<Superblock> {
    let minor = c.u16(30)?;
    let block_log = c.u16(34)?;
    let flags = u16::from(*c.buf.get(36)?);
    let no_uids = u32::from(*c.buf.get(37)?);
    let no_guids = u32::from(*c.buf.get(38)?);
    let mkfs_time = c.u32(39)?;
    let root_inode = c.u64(43)?;
    let block_size = c.u32(51)?;
    let frag_count = c.u32(55)?;
    if u32::from(block_log) != block_size.trailing_zeros() {
        return None;
    }
    let (bytes_used, uid, guid, inode_table, dir_table, frag_table) = if major == 3 {
        (
            c.u64(63)?,
            c.u64(71)?,
            c.u64(79)?,
            c.u64(87)?,
            c.u64(95)?,
            c.u64(103)?,
        )
    } else {
        (
            u64::from(c.u32(8)?),
            u64::from(c.u32(12)?),
            u64::from(c.u32(16)?),
            u64::from(c.u32(20)?),
            u64::from(c.u32(24)?),
            u64::from(c.u32(59)?),
        )
    };
    Some(Superblock {
        major,
        minor,
        be: c.be,
        meta_be: c.be,
        variant,
        inodes: c.u32(4)?,
        block_size,
        flags,
        mkfs_time,
        root_inode,
        bytes_used,
        compression: None,
        inode_table,
        dir_table,
        frag_table,
        frag_count,
        id_table: uid,
        id_count: no_uids,
        guid_table: guid,
        guid_count: no_guids,
    })
}
