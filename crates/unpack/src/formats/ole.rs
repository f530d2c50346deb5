//! OLE2 / Compound File Binary (`D0 CF 11 E0 A1 B1 1A E1`): the container of Windows
//! `Thumbs.db`, MSI installers, legacy Office documents (`.doc`, `.xls`, `.ppt`) and Outlook
//! `.msg` files. Parsed: the header (version 3 with 512-byte sectors or version 4 with
//! 4096-byte sectors; 64-byte mini sectors), the DIFAT (109 header slots, then the DIFAT
//! sector chain), the FAT, the directory (one red-black tree of 128-byte entries per storage,
//! walked from the root entry's child), the mini FAT and the mini stream (the root entry's
//! stream). Every stream becomes a file at its storage path and every storage a directory;
//! streams shorter than the mini-stream cutoff (4096) are read from the mini stream. Names are
//! UTF-16LE; control characters (`\x05SummaryInformation`), `/` and `\` become `_`.
//!
//! Evidence: the 8-byte signature, byte-order mark `FFFE`, a sector shift of 9 or 12 and a
//! mini sector shift of 6 (otherwise "not OLE here"), then a root entry (type 5) at directory
//! index 0 (otherwise malformed). Known false positives: none expected from that header.
//!
//! Written here rather than with the `cfb` crate (MIT): `cfb` validates the whole file on
//! open and refuses truncated or slightly non-conforming files (its issues #8, #26, #27), has
//! panicked on hostile input before (#7, #18), reads through `Read + Seek` with no way to say
//! where the structure ends (needed to carve it), and yields nothing from a truncated file.
//! (Decided from that record; `cfb` was not fuzzed here.) Here every chain walk stamps the
//! sectors it meets (a sector met twice in one chain is a cycle and ends it) and ends at the
//! first sector past the input; the directory walk expands each entry once and bounds
//! storage nesting ([`MAX_DEPTH`]); nothing is allocated by a declared size: the FAT,
//! directory, mini FAT and streams grow only with sectors present in the input, and the
//! streams and paths together stay under the output cap. A truncated file yields every
//! stream whose sectors are present, the cut ones short, each with a note.
//!
//! Unallocated sectors: runs of FAT-free sectors inside the structure that are not all zero
//! become files `[unallocated]/<start>-<end>.bin` (offsets from the structure's start). They
//! hold deleted streams: the TL-WR841N `Thumbs.db` keeps three old thumbnails there, which the
//! JPEG carver then finds (as it did in the raw file before this reader claimed it). Free
//! mini sectors are not kept.
//!
//! Length: up to the end of the highest sector the structure uses (allocated in the FAT, a
//! FAT or DIFAT sector, or met by a chain), counting the header as one sector, clamped to the
//! input. Sectors past the input are noted as truncation.
//! Reference: \[MS-CFB\] Compound File Binary File Format (Microsoft Open Specifications),
//! sections 2.2 (header), 2.3 (FAT), 2.4 (mini FAT), 2.5 (DIFAT), 2.6 (directory).

use super::bytes_util::{get, malformed, over_limit, u16le, u32le, u64le, u8_at};
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Meta, Output, Parsed};
use bytes::Bytes;
use std::collections::HashSet;

const NAME: &str = "ole";
const MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// The largest regular sector number; the values above it are markers.
const MAXREGSECT: u32 = 0xFFFF_FFFA;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FREESECT: u32 = 0xFFFF_FFFF;
/// "No sibling / no child" in a directory entry.
const NOSTREAM: u32 = 0xFFFF_FFFF;
const HEADER_DIFAT_SLOTS: usize = 109;
const DIR_ENTRY: usize = 128;
const MINI_SECTOR: usize = 64;
/// Storages nested deeper than this are skipped with a note (real files nest a few levels).
const MAX_DEPTH: usize = 32;
/// Notes kept per file; a hostile directory could otherwise produce one per entry.
const MAX_NOTES: usize = 64;
/// Loop iterations between deadline checks.
const TIME_EVERY: usize = 4096;
/// Directory holding the non-zero runs of unallocated sectors (not a stream name: `[` and `]`
/// are legal in names, but no writer we know uses this one).
const UNALLOCATED: &str = "[unallocated]";

const TYPE_STORAGE: u8 = 1;
const TYPE_STREAM: u8 = 2;
const TYPE_ROOT: u8 = 5;

#[derive(Debug)]
pub struct Ole;

struct Header {
    major: u16,
    ss: usize,
    n_fat: u32,
    first_dir: u32,
    cutoff: u32,
    first_minifat: u32,
    first_difat: u32,
    n_difat: u32,
}

fn header(input: &[u8]) -> Option<Header> {
    if get(input, 0, 8)? != MAGIC || u16le(input, 0x1C)? != 0xFFFE {
        return None;
    }
    let shift = u16le(input, 0x1E)?;
    if !(shift == 9 || shift == 12) || u16le(input, 0x20)? != 6 {
        return None;
    }
    // The DIFAT slots end at 0x200: the header must be whole.
    get(input, 0, 512)?;
    Some(Header {
        major: u16le(input, 0x1A)?,
        ss: 1usize << shift,
        n_fat: u32le(input, 0x2C)?,
        first_dir: u32le(input, 0x30)?,
        cutoff: u32le(input, 0x38)?,
        first_minifat: u32le(input, 0x3C)?,
        first_difat: u32le(input, 0x44)?,
        n_difat: u32le(input, 0x48)?,
    })
}

/// The sectors of one chain, and why it ended early, if it did.
struct Chain {
    sectors: Vec<u32>,
    problem: Option<String>,
}

/// An allocation table (FAT or mini FAT) with per-walk stamps for cycle detection.
struct Table {
    next: Vec<u32>,
    stamp: Vec<u32>,
    walk: u32,
    /// Sectors whose data is (at least partly) present: a chain ends at the first one past
    /// them, since nothing after it can be read.
    present: usize,
}

impl Table {
    fn new(next: Vec<u32>, data_len: usize, unit: usize) -> Self {
        let stamp = vec![0; next.len()];
        Table {
            next,
            stamp,
            walk: 0,
            present: data_len.div_ceil(unit),
        }
    }

    /// Follow the chain from `first` for at most `max` sectors. A sector met twice in this
    /// walk is a cycle; a sector the table does not cover is kept (its data may be there)
    /// but ends the walk.
    fn chain(&mut self, first: u32, max: usize, ctx: &Ctx, at: usize) -> crate::Result<Chain> {
        self.walk = self.walk.wrapping_add(1);
        if self.walk == 0 {
            self.stamp.fill(0);
            self.walk = 1;
        }
        let mut sectors = Vec::new();
        let mut s = first;
        let problem = loop {
            if sectors.len() >= max || s == ENDOFCHAIN {
                break None;
            }
            if s > MAXREGSECT {
                break Some(format!("chain reaches marker {s:#x}"));
            }
            let i = s as usize;
            let (Some(&next), Some(stamp)) = (self.next.get(i), self.stamp.get_mut(i)) else {
                sectors.push(s);
                break Some(format!(
                    "sector {s:#x} beyond the table ({} entries)",
                    self.next.len()
                ));
            };
            if *stamp == self.walk {
                break Some(format!("cycle at sector {s:#x}"));
            }
            *stamp = self.walk;
            sectors.push(s);
            if i >= self.present {
                break None;
            }
            s = next;
            if sectors.len().is_multiple_of(TIME_EVERY) {
                ctx.check_time(NAME, at as u64)?;
            }
        };
        Ok(Chain { sectors, problem })
    }
}

/// The bytes of `sectors` (each `unit` bytes, sector 0 at `base` in `src`), at most `size`
/// of them; short when the data runs out. A run of consecutive sectors is a slice of `src`.
fn gather(src: &Bytes, base: usize, unit: usize, sectors: &[u32], size: u64) -> Bytes {
    let want = usize::try_from(size).unwrap_or(usize::MAX);
    let off = |s: u32| (s as usize).checked_mul(unit)?.checked_add(base);
    let contiguous = sectors
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.checked_add(1) == Some(*b)));
    if contiguous {
        let Some(begin) = sectors.first().and_then(|&s| off(s)) else {
            return Bytes::new();
        };
        let end = begin
            .saturating_add(want.min(sectors.len().saturating_mul(unit)))
            .min(src.len());
        return if begin < end {
            src.slice(begin..end)
        } else {
            Bytes::new()
        };
    }
    let mut out = Vec::new();
    for &s in sectors {
        let take = unit.min(want.saturating_sub(out.len()));
        let Some(b) = off(s) else { break };
        let chunk = src
            .get(b..b.saturating_add(take).min(src.len()))
            .unwrap_or_default();
        out.extend_from_slice(chunk);
        if chunk.len() < take || out.len() >= want {
            break;
        }
    }
    Bytes::from(out)
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .map(u32::from_le_bytes)
}

/// One 128-byte directory entry's fields.
struct DirEntry {
    name: String,
    kind: u8,
    left: u32,
    right: u32,
    child: u32,
    start: u32,
    size: u64,
    mtime: Option<i64>,
}

fn dir_entry(e: &[u8], v3: bool) -> Option<DirEntry> {
    let name_len = usize::from(u16le(e, 0x40)?).min(64);
    let units: Vec<u16> = get(e, 0, name_len)?
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_le_bytes)
        .take_while(|&u| u != 0)
        .collect();
    let name = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let size = u64le(e, 0x78)?;
    // Version 3 files may leave garbage in the high half (MS-CFB 2.6.3).
    let size = if v3 { size & 0xFFFF_FFFF } else { size };
    // FILETIME: 100 ns ticks since 1601-01-01.
    let mtime = u64le(e, 0x6C)
        .filter(|&t| t != 0)
        .and_then(|t| i64::try_from(t / 10_000_000).ok())
        .map(|s| s - 11_644_473_600);
    Some(DirEntry {
        name,
        kind: u8_at(e, 0x42)?,
        left: u32le(e, 0x44)?,
        right: u32le(e, 0x48)?,
        child: u32le(e, 0x4C)?,
        start: u32le(e, 0x74)?,
        size,
        mtime,
    })
}

/// A name safe as one path component.
fn clean_name(name: &str, index: u32) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if c.is_control() || c == '/' { '_' } else { c })
        .collect();
    crate::engine::sanitise_name(&mapped, &format!("entry-{index}"))
}

struct Notes(Vec<String>);

impl Notes {
    fn push(&mut self, n: String) {
        if self.0.len() < MAX_NOTES {
            self.0.push(n);
        } else if self.0.len() == MAX_NOTES {
            self.0.push("further notes omitted".into());
        }
    }
}

impl Format for Ole {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: MAGIC,
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let Some(h) = header(input) else {
            return Ok(None);
        };
        let src = data.slice(start..);
        let ss = h.ss;
        let v3 = ss == 512;
        let per = ss / 4;
        let mut notes = Notes(Vec::new());
        let mut highest: Option<u32> = None;
        let mut used = |s: u32| highest = Some(highest.map_or(s, |h| h.max(s)));
        // Sectors the input can hold: no list below needs more entries than this.
        let present = src.len() / ss;

        // DIFAT: the header's slots, then the chain of DIFAT sectors.
        let want_fat = usize::try_from(h.n_fat)
            .unwrap_or(usize::MAX)
            .min(present.saturating_add(1));
        let mut fat_secs: Vec<u32> = (0..HEADER_DIFAT_SLOTS)
            .filter_map(|i| u32le(input, 0x4C + 4 * i))
            .filter(|&s| s <= MAXREGSECT)
            .take(want_fat)
            .collect();
        let mut d = h.first_difat;
        let mut seen = HashSet::new();
        let mut n = 0u32;
        while fat_secs.len() < want_fat && d <= MAXREGSECT && n < h.n_difat {
            if !seen.insert(d) {
                notes.push(format!("DIFAT chain loops at sector {d:#x}"));
                break;
            }
            let Some(sec) = (d as usize)
                .checked_add(1)
                .and_then(|i| i.checked_mul(ss))
                .and_then(|o| get(input, o, ss))
            else {
                notes.push(format!("DIFAT sector {d:#x} past the end of the input"));
                break;
            };
            used(d);
            let mut ids = u32s(sec);
            for s in ids.by_ref().take(per - 1) {
                if s <= MAXREGSECT && fat_secs.len() < want_fat {
                    fat_secs.push(s);
                }
            }
            d = ids.next().unwrap_or(ENDOFCHAIN);
            n += 1;
        }
        if fat_secs.len() < want_fat {
            notes.push(format!(
                "header declares {} FAT sectors, {} listed",
                h.n_fat,
                fat_secs.len()
            ));
        }

        // FAT: every listed FAT sector that is present, in order.
        let mut fat = Vec::new();
        for &f in &fat_secs {
            used(f);
            let at = (f as usize).checked_add(1).and_then(|i| i.checked_mul(ss));
            let sec = at
                .and_then(|o| input.get(o..o.saturating_add(ss).min(input.len())))
                .unwrap_or_default();
            fat.extend(u32s(sec));
            if sec.len() < ss {
                notes.push(format!(
                    "FAT sector {f:#x} past the end of the input: the FAT is short"
                ));
                break;
            }
        }
        if let Some(last) = fat.iter().rposition(|&e| e != FREESECT) {
            used(u32::try_from(last).unwrap_or(MAXREGSECT));
        }
        let mut fat = Table::new(fat, src.len().saturating_sub(ss), ss);

        // Directory.
        let dchain = fat.chain(h.first_dir, usize::MAX, ctx, start)?;
        if let Some(p) = &dchain.problem {
            notes.push(format!("directory chain: {p}"));
        }
        dchain.sectors.iter().for_each(|&s| used(s));
        let dir = gather(&src, ss, ss, &dchain.sectors, u64::MAX);
        let entry = |i: u32| -> Option<DirEntry> {
            let e = get(&dir, (i as usize).checked_mul(DIR_ENTRY)?, DIR_ENTRY)?;
            dir_entry(e, v3)
        };
        let Some(root) = entry(0) else {
            return Err(malformed(NAME, start, "directory unreadable"));
        };
        if root.kind != TYPE_ROOT {
            return Err(malformed(
                NAME,
                start,
                format!("directory entry 0 has type {}, not root", root.kind),
            ));
        }

        // Mini FAT and mini stream.
        let mchain = fat.chain(h.first_minifat, usize::MAX, ctx, start)?;
        if let Some(p) = &mchain.problem {
            notes.push(format!("mini FAT chain: {p}"));
        }
        mchain.sectors.iter().for_each(|&s| used(s));
        let minifat_bytes = gather(&src, ss, ss, &mchain.sectors, u64::MAX);
        let mut minifat = Table::new(u32s(&minifat_bytes).collect(), 0, MINI_SECTOR);
        let mini_need = usize::try_from(root.size.div_ceil(ss as u64)).unwrap_or(usize::MAX);
        let rchain = if root.size == 0 {
            Chain {
                sectors: Vec::new(),
                problem: None,
            }
        } else {
            fat.chain(root.start, mini_need, ctx, start)?
        };
        rchain.sectors.iter().for_each(|&s| used(s));
        let mini = gather(&src, ss, ss, &rchain.sectors, root.size);
        minifat.present = mini.len().div_ceil(MINI_SECTOR);
        if (mini.len() as u64) < root.size {
            notes.push(format!(
                "mini stream: {} of {} bytes read ({})",
                mini.len(),
                root.size,
                rchain
                    .problem
                    .as_deref()
                    .unwrap_or("data past the end of the input")
            ));
        }

        // The tree: each entry expanded once; siblings share their parent's storage slot.
        let count = dir.len() / DIR_ENTRY;
        let mut visited = vec![false; count];
        if let Some(v) = visited.first_mut() {
            *v = true;
        }
        let mut storages: Vec<String> = vec![String::new()];
        let mut stack: Vec<(u32, usize, usize)> = vec![(root.child, 0, 0)];
        let mut entries = Vec::new();
        let cap = ctx.output_cap(src.len() as u64);
        let mut total = 0u64;
        let (mut n_streams, mut n_storages) = (0usize, 0usize);
        let mut steps = 0usize;
        while let Some((i, slot, depth)) = stack.pop() {
            steps += 1;
            if steps.is_multiple_of(TIME_EVERY) {
                ctx.check_time(NAME, start as u64)?;
            }
            if i == NOSTREAM {
                continue;
            }
            let Some(v) = visited.get_mut(i as usize) else {
                notes.push(format!("directory link to entry {i} past the directory"));
                continue;
            };
            if *v {
                notes.push(format!(
                    "directory entry {i} reached twice (cycle); skipped"
                ));
                continue;
            }
            *v = true;
            let Some(e) = entry(i) else { continue };
            stack.push((e.left, slot, depth));
            stack.push((e.right, slot, depth));
            let parent = storages.get(slot).map(String::as_str).unwrap_or_default();
            let name = clean_name(&e.name, i);
            let path = if parent.is_empty() {
                name
            } else {
                format!("{parent}/{name}")
            };
            total = total.saturating_add(path.len() as u64);
            if total > cap {
                return Err(over_limit(NAME, start, cap));
            }
            let meta = Meta {
                mtime: e.mtime,
                ..Meta::default()
            };
            match e.kind {
                TYPE_STORAGE if depth >= MAX_DEPTH => {
                    notes.push(format!(
                        "{path}: storages nested deeper than {MAX_DEPTH}; skipped"
                    ));
                }
                TYPE_STORAGE => {
                    n_storages += 1;
                    stack.push((e.child, storages.len(), depth + 1));
                    storages.push(path.clone());
                    entries.push(Entry {
                        path,
                        kind: EntryKind::Dir,
                        meta,
                    });
                }
                TYPE_STREAM => {
                    let (bytes, problem) = if e.size == 0 {
                        (Bytes::new(), None)
                    } else if e.size < u64::from(h.cutoff) {
                        if e.size > root.size {
                            notes.push(format!(
                                "{path}: {} bytes declared in a {}-byte mini stream; skipped",
                                e.size, root.size
                            ));
                            continue;
                        }
                        let need = usize::try_from(e.size.div_ceil(MINI_SECTOR as u64))
                            .unwrap_or(usize::MAX);
                        let c = minifat.chain(e.start, need, ctx, start)?;
                        (gather(&mini, 0, MINI_SECTOR, &c.sectors, e.size), c.problem)
                    } else {
                        let need =
                            usize::try_from(e.size.div_ceil(ss as u64)).unwrap_or(usize::MAX);
                        let c = fat.chain(e.start, need, ctx, start)?;
                        c.sectors.iter().for_each(|&s| used(s));
                        (gather(&src, ss, ss, &c.sectors, e.size), c.problem)
                    };
                    if (bytes.len() as u64) < e.size {
                        notes.push(format!(
                            "{path}: {} of {} bytes read ({})",
                            bytes.len(),
                            e.size,
                            problem
                                .as_deref()
                                .unwrap_or("data past the end of the input")
                        ));
                    }
                    total = total.saturating_add(bytes.len() as u64);
                    if total > cap {
                        return Err(over_limit(NAME, start, cap));
                    }
                    n_streams += 1;
                    entries.push(Entry {
                        path,
                        kind: EntryKind::File(bytes),
                        meta,
                    });
                }
                k => notes.push(format!(
                    "{path}: entry {i} of type {k} in the tree; skipped"
                )),
            }
        }

        let end = highest
            .and_then(|s| (s as usize).checked_add(2))
            .and_then(|n| n.checked_mul(ss))
            .unwrap_or(ss);

        // Unallocated sectors inside the structure hold deleted streams (Thumbs.db keeps old
        // thumbnails there). Runs that are not all zero are kept so carvers still see them.
        let mut unallocated = Vec::new();
        let mut run: Option<usize> = None;
        let limit = fat.next.len().min(end.saturating_sub(ss) / ss);
        for i in 0..=limit {
            let free = i < limit && fat.next.get(i) == Some(&FREESECT);
            match (free, run) {
                (true, None) => run = Some(i),
                (false, Some(a)) => {
                    run = None;
                    let from = a.saturating_add(1).saturating_mul(ss);
                    let to = i.saturating_add(1).saturating_mul(ss).min(src.len());
                    let Some(bytes) = src.get(from..to) else {
                        continue;
                    };
                    if bytes.iter().all(|&b| b == 0) {
                        continue;
                    }
                    total = total.saturating_add(bytes.len() as u64);
                    if total > cap {
                        return Err(over_limit(NAME, start, cap));
                    }
                    unallocated.push(Entry {
                        path: format!("{UNALLOCATED}/{from:#x}-{to:#x}.bin"),
                        kind: EntryKind::File(src.slice(from..to)),
                        meta: Meta::default(),
                    });
                }
                _ => {}
            }
        }
        // First, so that a stream of the same name (hostile) replaces them, not the reverse.
        unallocated.append(&mut entries);
        let entries = unallocated;
        if end > src.len() {
            notes.push(format!(
                "truncated: the structure uses {end:#x} bytes, {:#x} present",
                src.len()
            ));
        }
        let mut p = Parsed::new(end.min(src.len()) as u64, Output::Entries(entries));
        p.attrs = vec![
            ("version".into(), h.major.to_string()),
            ("sector-size".into(), ss.to_string()),
            ("streams".into(), n_streams.to_string()),
            ("storages".into(), n_storages.to_string()),
        ];
        p.notes = notes.0;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    const EOC: u32 = ENDOFCHAIN;
    const FREE: u32 = FREESECT;

    fn put32(b: &mut [u8], at: usize, v: u32) {
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    #[allow(clippy::too_many_arguments)]
    fn dirent(
        name: &str,
        kind: u8,
        left: u32,
        right: u32,
        child: u32,
        start: u32,
        size: u64,
    ) -> Vec<u8> {
        let mut e = vec![0u8; DIR_ENTRY];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (k, u) in units.iter().enumerate() {
            e[2 * k..2 * k + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[0x40..0x42].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        e[0x42] = kind;
        e[0x43] = 1;
        put32(&mut e, 0x44, left);
        put32(&mut e, 0x48, right);
        put32(&mut e, 0x4C, child);
        put32(&mut e, 0x74, start);
        e[0x78..0x80].copy_from_slice(&size.to_le_bytes());
        e
    }

    /// The parts of a version 3 file (512-byte sectors), editable before [`Sample::bytes`].
    struct Sample {
        fat: Vec<u32>,
        minifat: Vec<u32>,
        dir: Vec<Vec<u8>>,
        /// Sector contents from sector 1 on (sector 0 is the FAT).
        sectors: Vec<Vec<u8>>,
    }

    fn small() -> Vec<u8> {
        (0..100u8).collect()
    }
    fn inner() -> Vec<u8> {
        (0..70u8).map(|i| b'a' + i % 26).collect()
    }
    fn big() -> Vec<u8> {
        (0..5000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    /// Layout: sector 0 FAT; 1-2 directory; 3 mini FAT; 4 mini stream (256 bytes: `small` in
    /// mini sectors 0-1, `inner` in 2-3); 5-14 `big`. Tree: Root -> small {left Sub, right
    /// big}; Sub -> inner.
    fn sample() -> Sample {
        let mut fat = vec![FATSECT_FOR_TEST, 2, EOC, EOC, EOC];
        fat.extend(6..=14);
        fat.push(EOC);
        let dir = vec![
            dirent("Root Entry", TYPE_ROOT, NOSTREAM, NOSTREAM, 2, 4, 256),
            dirent("Sub", TYPE_STORAGE, NOSTREAM, NOSTREAM, 4, 0, 0),
            dirent("small", TYPE_STREAM, 1, 3, NOSTREAM, 0, 100),
            dirent("big", TYPE_STREAM, NOSTREAM, NOSTREAM, NOSTREAM, 5, 5000),
            dirent(
                "\u{5}inner/x",
                TYPE_STREAM,
                NOSTREAM,
                NOSTREAM,
                NOSTREAM,
                2,
                70,
            ),
        ];
        let mut mini = small();
        mini.resize(128, 0);
        mini.extend(inner());
        mini.resize(256, 0);
        let mut sectors = vec![Vec::new(); 14];
        sectors[3] = mini;
        for (k, chunk) in big().chunks(512).enumerate() {
            sectors[4 + k] = chunk.to_vec();
        }
        Sample {
            fat,
            minifat: vec![1, EOC, 3, EOC],
            dir,
            sectors,
        }
    }

    const FATSECT_FOR_TEST: u32 = 0xFFFF_FFFD;

    impl Sample {
        fn bytes(&self) -> Vec<u8> {
            let mut h = vec![0u8; 512];
            h[..8].copy_from_slice(MAGIC);
            h[0x18..0x1A].copy_from_slice(&0x3Eu16.to_le_bytes());
            h[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes());
            h[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
            h[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
            h[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
            put32(&mut h, 0x2C, 1);
            put32(&mut h, 0x30, 1);
            put32(&mut h, 0x38, 4096);
            put32(&mut h, 0x3C, 3);
            put32(&mut h, 0x40, 1);
            put32(&mut h, 0x44, EOC);
            for i in 0..HEADER_DIFAT_SLOTS {
                put32(&mut h, 0x4C + 4 * i, if i == 0 { 0 } else { FREE });
            }
            let mut fat = vec![0u8; 512];
            for i in 0..128 {
                put32(&mut fat, 4 * i, self.fat.get(i).copied().unwrap_or(FREE));
            }
            let mut sectors = self.sectors.clone();
            let d: Vec<u8> = self.dir.concat();
            sectors[0] = d[..512].to_vec();
            sectors[1] = d[512..].to_vec();
            let mut mf = vec![0u8; 512];
            for i in 0..128 {
                put32(&mut mf, 4 * i, self.minifat.get(i).copied().unwrap_or(FREE));
            }
            sectors[2] = mf;
            let mut out = h;
            out.extend(fat);
            for mut s in sectors {
                s.resize(512, 0);
                out.extend(s);
            }
            out
        }
    }

    fn parse(b: &[u8]) -> crate::Result<Option<Parsed>> {
        Ole.parse(&Bytes::copy_from_slice(b), 0, &Ctx::new(Limits::default()))
    }

    fn files(p: &Parsed) -> Vec<(String, Option<Vec<u8>>)> {
        let Output::Entries(es) = &p.output else {
            panic!("not entries")
        };
        let mut v: Vec<_> = es
            .iter()
            .map(|e| match &e.kind {
                EntryKind::File(b) => (e.path.clone(), Some(b.to_vec())),
                EntryKind::Dir => (e.path.clone(), None),
                k => panic!("{k:?}"),
            })
            .collect();
        v.sort();
        v
    }

    fn expected() -> Vec<(String, Option<Vec<u8>>)> {
        vec![
            ("Sub".into(), None),
            ("Sub/_inner_x".into(), Some(inner())),
            ("big".into(), Some(big())),
            ("small".into(), Some(small())),
        ]
    }

    #[test]
    fn streams_storages_and_length() {
        let mut b = sample().bytes();
        let n = b.len();
        assert_eq!(n, 512 * 16);
        b.extend_from_slice(b"trailing bytes that are not part of it");
        let p = parse(&b).unwrap().unwrap();
        assert_eq!(p.len as usize, n);
        assert_eq!(files(&p), expected());
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert!(p.attrs.contains(&("streams".to_string(), "3".to_string())));
        // Carved from the middle of something else.
        let mut c = vec![0x55u8; 300];
        c.extend_from_slice(&b);
        let p = Ole
            .parse(&Bytes::from(c), 300, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        assert_eq!(files(&p), expected());
    }

    #[test]
    fn unallocated_sectors_are_kept() {
        let mut s = sample();
        // `big` shrinks to 9 sectors (still above the cutoff): sector 14 becomes free and
        // keeps its old bytes.
        s.fat[13] = EOC;
        s.fat[14] = FREE;
        s.fat.push(EOC); // sector 15: allocated, ends the structure
        s.sectors.push(vec![1u8; 512]);
        s.dir[3] = dirent("big", TYPE_STREAM, NOSTREAM, NOSTREAM, NOSTREAM, 5, 4608);
        let b = s.bytes();
        let p = parse(&b).unwrap().unwrap();
        assert_eq!(p.len as usize, b.len());
        let f = files(&p);
        let un = f
            .iter()
            .find(|(n, _)| n == "[unallocated]/0x1e00-0x2000.bin")
            .unwrap();
        let mut old = big()[4608..].to_vec();
        old.resize(512, 0);
        assert_eq!(un.1.as_deref(), Some(&old[..]));
        assert_eq!(
            f.iter().find(|(n, _)| n == "big").unwrap().1.as_deref(),
            Some(&big()[..4608])
        );
        assert_eq!(f.len(), 5, "{f:?}");
    }

    #[test]
    fn fat_listed_in_a_difat_sector() {
        let mut s = sample();
        s.fat.push(0xFFFF_FFFC); // sector 15: DIFSECT
        let mut difat = vec![0u8; 512];
        put32(&mut difat, 0, 0);
        for i in 1..127 {
            put32(&mut difat, 4 * i, FREE);
        }
        put32(&mut difat, 4 * 127, EOC);
        s.sectors.push(difat);
        let mut b = s.bytes();
        put32(&mut b, 0x4C, FREE);
        put32(&mut b, 0x44, 15);
        put32(&mut b, 0x48, 1);
        let p = parse(&b).unwrap().unwrap();
        assert_eq!(p.len as usize, 512 * 17);
        assert_eq!(files(&p), expected());
        // A DIFAT chain that points at itself ends with a note.
        put32(&mut b, 0x200 * 17 - 4, 15);
        put32(&mut b, 0x48, 5);
        put32(&mut b, 0x2C, 2);
        let p = parse(&b).unwrap().unwrap();
        assert_eq!(files(&p), expected());
        assert!(p
            .notes
            .contains(&"DIFAT chain loops at sector 0xf".to_string()));
    }

    #[test]
    fn fat_cycle_ends_with_a_note() {
        let mut s = sample();
        s.fat[14] = 5; // big: 5..14 then back to 5
        s.dir[3] = dirent("big", TYPE_STREAM, NOSTREAM, NOSTREAM, NOSTREAM, 5, 1 << 30);
        s.fat[2] = 1; // directory: 1 -> 2 -> 1
        let p = parse(&s.bytes()).unwrap().unwrap();
        let f = files(&p);
        assert_eq!(f[1].0, "Sub/_inner_x");
        let (name, data) = &f[2];
        assert_eq!(name, "big");
        assert_eq!(data.as_ref().unwrap()[..5000], big()[..]);
        assert_eq!(data.as_ref().unwrap().len(), 5120);
        assert!(p
            .notes
            .contains(&"directory chain: cycle at sector 0x1".to_string()));
        assert!(p
            .notes
            .contains(&"big: 5120 of 1073741824 bytes read (cycle at sector 0x5)".to_string()));
    }

    #[test]
    fn directory_cycle_ends_with_a_note() {
        let mut s = sample();
        // inner's siblings point back at its parent storage and at the root.
        s.dir[4] = dirent("\u{5}inner/x", TYPE_STREAM, 1, 0, 4, 2, 70);
        let p = parse(&s.bytes()).unwrap().unwrap();
        assert_eq!(files(&p), expected());
        assert!(p
            .notes
            .contains(&"directory entry 1 reached twice (cycle); skipped".to_string()));
        assert!(p
            .notes
            .contains(&"directory entry 0 reached twice (cycle); skipped".to_string()));
    }

    #[test]
    fn truncation_yields_the_readable_streams() {
        let b = sample().bytes();
        // Cut inside `big` (sectors 5-14 at 0xc00-0x2000): 2.5 of its sectors remain.
        let cut = 0xc00 + 1280;
        let p = parse(&b[..cut]).unwrap().unwrap();
        assert_eq!(p.len as usize, cut);
        let mut want = expected();
        want[2].1 = Some(big()[..1280].to_vec());
        assert_eq!(files(&p), want);
        assert!(p.notes.contains(
            &"big: 1280 of 5000 bytes read (data past the end of the input)".to_string()
        ));
        assert!(p
            .notes
            .contains(&"truncated: the structure uses 0x2000 bytes, 0x1100 present".to_string()));
        for cut in 0..b.len() {
            let _ = parse(&b[..cut]);
        }
    }

    #[test]
    fn mini_stream_overrun_is_refused() {
        let mut s = sample();
        s.dir[2] = dirent("small", TYPE_STREAM, 1, 3, NOSTREAM, 0, 300);
        let p = parse(&s.bytes()).unwrap().unwrap();
        let names: Vec<String> = files(&p).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Sub", "Sub/_inner_x", "big"]);
        assert!(p
            .notes
            .contains(&"small: 300 bytes declared in a 256-byte mini stream; skipped".to_string()));
        // A start sector far past the mini FAT reads nothing, with a note.
        s.dir[2] = dirent("small", TYPE_STREAM, 1, 3, NOSTREAM, 0x7000_0000, 100);
        let p = parse(&s.bytes()).unwrap().unwrap();
        assert_eq!(files(&p)[3], ("small".to_string(), Some(Vec::new())));
    }

    #[test]
    fn not_ole() {
        let mut b = sample().bytes();
        b[0x1E] = 10; // sector shift 10
        assert!(parse(&b).unwrap().is_none());
        assert!(parse(&b[..300]).unwrap().is_none());
        let mut b = sample().bytes();
        b[0x400 + 0x42] = TYPE_STREAM; // entry 0 is not the root
        assert!(parse(&b).is_err());
    }
}
