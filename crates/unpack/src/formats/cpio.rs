//! cpio archives: SVR4 "newc" (`070701`), SVR4 with CRC (`070702`), portable ASCII "odc"
//! (`070707`) and the old binary format in both byte orders (magic 070707 as a 16-bit word).
//!
//! Written here: no maintained crate reads all four dialects from a buffer. Each header is
//! checked (hex/octal digits, name size 1..=4096 with its NUL at the stated place, a known
//! file type) before anything is taken; the archive ends at `TRAILER!!!`, and the zero
//! padding after it up to a 512-byte boundary is counted into `len`. newc hard links (same
//! inode, data stored only with the last link) become [`EntryKind::HardLink`]s to the member
//! that holds the data. The 2-byte binary magics are weak; a binary archive is accepted only
//! if it reaches its trailer or holds at least two valid headers.
//! Reference: `cpio(5)` (libarchive), GNU cpio manual "Formats".

use super::bytes_util::{get, u16be, u16le};
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Meta, Output, Parsed};
use bytes::Bytes;
use std::collections::HashMap;

const NAME: &str = "cpio";
const MAX_NAME: usize = 4096;

#[derive(Debug)]
pub struct Cpio;

#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Newc,
    Crc,
    Odc,
    BinLe,
    BinBe,
}

struct Header {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u64,
    ino: u64,
    nlink: u64,
    rdev: (u32, u32),
    namesize: usize,
    filesize: usize,
    /// Offset of the name from the header start, and alignment of name end / data end.
    name_at: usize,
    align: usize,
    /// `070702` only: the sum of the data bytes.
    check: Option<u32>,
}

fn ascii_num(d: &[u8], radix: u32) -> Option<u64> {
    let s = std::str::from_utf8(d).ok()?;
    if s.is_empty() || !s.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(s, radix).ok()
}

fn header(d: &[u8], dialect: Dialect) -> Option<Header> {
    match dialect {
        Dialect::Newc | Dialect::Crc => {
            let f = |i: usize| get(d, 6 + 8 * i, 8).and_then(|b| ascii_num(b, 16));
            Some(Header {
                ino: f(0)?,
                mode: u32::try_from(f(1)?).ok()?,
                uid: u32::try_from(f(2)?).ok()?,
                gid: u32::try_from(f(3)?).ok()?,
                nlink: f(4)?,
                mtime: f(5)?,
                filesize: usize::try_from(f(6)?).ok()?,
                rdev: (u32::try_from(f(9)?).ok()?, u32::try_from(f(10)?).ok()?),
                namesize: usize::try_from(f(11)?).ok()?,
                name_at: 110,
                align: 4,
                check: (dialect == Dialect::Crc)
                    .then(|| f(12).map(|v| v as u32))
                    .flatten(),
            })
        }
        Dialect::Odc => {
            let f = |off: usize, len: usize| get(d, off, len).and_then(|b| ascii_num(b, 8));
            let rdev = f(42, 6)?;
            Some(Header {
                ino: f(12, 6)?,
                mode: u32::try_from(f(18, 6)?).ok()?,
                uid: u32::try_from(f(24, 6)?).ok()?,
                gid: u32::try_from(f(30, 6)?).ok()?,
                nlink: f(36, 6)?,
                rdev: ((rdev >> 8) as u32, (rdev & 0xff) as u32),
                mtime: f(48, 11)?,
                namesize: usize::try_from(f(59, 6)?).ok()?,
                filesize: usize::try_from(f(65, 11)?).ok()?,
                name_at: 76,
                align: 1,
                check: None,
            })
        }
        Dialect::BinLe | Dialect::BinBe => {
            let w = |i: usize| {
                if dialect == Dialect::BinLe {
                    u16le(d, 2 * i)
                } else {
                    u16be(d, 2 * i)
                }
            };
            let rdev = w(7)?;
            Some(Header {
                ino: u64::from(w(2)?),
                mode: u32::from(w(3)?),
                uid: u32::from(w(4)?),
                gid: u32::from(w(5)?),
                nlink: u64::from(w(6)?),
                rdev: (u32::from(rdev >> 8), u32::from(rdev & 0xff)),
                mtime: u64::from(w(8)?) << 16 | u64::from(w(9)?),
                namesize: usize::from(w(10)?),
                filesize: (usize::from(w(11)?) << 16) | usize::from(w(12)?),
                name_at: 26,
                align: 2,
                check: None,
            })
        }
    }
}

fn dialect_at(d: &[u8]) -> Option<Dialect> {
    match get(d, 0, 6) {
        Some(b"070701") => Some(Dialect::Newc),
        Some(b"070702") => Some(Dialect::Crc),
        Some(b"070707") => Some(Dialect::Odc),
        _ => match get(d, 0, 2) {
            Some([0xc7, 0x71]) => Some(Dialect::BinLe),
            Some([0x71, 0xc7]) => Some(Dialect::BinBe),
            _ => None,
        },
    }
}

fn align(v: usize, a: usize) -> usize {
    v.div_ceil(a) * a
}

impl Format for Cpio {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: b"070701",
                offset: 0,
            },
            Magic {
                bytes: b"070702",
                offset: 0,
            },
            Magic {
                bytes: b"070707",
                offset: 0,
            },
            Magic {
                bytes: &[0xc7, 0x71],
                offset: 0,
            },
            Magic {
                bytes: &[0x71, 0xc7],
                offset: 0,
            },
        ]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let Some(first_dialect) = dialect_at(input) else {
            return Ok(None);
        };
        let cap = ctx.output_cap(input.len() as u64);
        let mut total = 0u64;
        let mut entries: Vec<Entry> = Vec::new();
        let mut inodes: Vec<(u64, u64)> = Vec::new();
        let mut notes = Vec::new();
        let mut pos = 0usize;
        let mut ended = false;
        while let Some(rest) = input.get(pos..) {
            let Some(dialect) = dialect_at(rest).filter(|d| *d == first_dialect) else {
                if pos < input.len() {
                    notes.push(format!("no valid header at {pos:#x}; archive ends there"));
                }
                break;
            };
            let Some(h) = header(rest, dialect) else {
                notes.push(format!("malformed header at {pos:#x}"));
                break;
            };
            if h.namesize == 0 || h.namesize > MAX_NAME {
                notes.push(format!("implausible name size at {pos:#x}"));
                break;
            }
            let Some(name_raw) = get(rest, h.name_at, h.namesize) else {
                notes.push("archive truncated in a header".to_owned());
                break;
            };
            if name_raw.last() != Some(&0) {
                notes.push(format!("unterminated name at {pos:#x}"));
                break;
            }
            let path = String::from_utf8_lossy(name_raw.get(..h.namesize - 1).unwrap_or_default())
                .into_owned();
            let data_at = align(h.name_at + h.namesize, h.align);
            let next = align(data_at.saturating_add(h.filesize), h.align);
            if path == "TRAILER!!!" {
                ended = true;
                pos += next.min(rest.len());
                // Zero padding to the 512-byte block the writer filled.
                let end = align(pos, 512).min(input.len());
                if input
                    .get(pos..end)
                    .is_some_and(|p| p.iter().all(|&b| b == 0))
                {
                    pos = end;
                }
                break;
            }
            let body = get(rest, data_at, h.filesize);
            let truncated = body.is_none();
            let body =
                body.unwrap_or_else(|| rest.get(data_at.min(rest.len())..).unwrap_or_default());
            let meta = Meta {
                mode: Some(h.mode & 0o7777),
                uid: Some(h.uid),
                gid: Some(h.gid),
                mtime: i64::try_from(h.mtime).ok(),
            };
            let kind = match h.mode & 0o170000 {
                0o100000 => {
                    let sum = body.iter().fold(0u32, |a, &b| a.wrapping_add(u32::from(b)));
                    if h.check.is_some_and(|c| c != sum) && !truncated {
                        notes.push(format!("{path}: data checksum mismatch"));
                    }
                    total += body.len() as u64;
                    if total > cap {
                        return Err(super::bytes_util::over_limit(NAME, start, cap));
                    }
                    EntryKind::File(data.slice_ref(body))
                }
                0o040000 => EntryKind::Dir,
                0o120000 => EntryKind::Symlink(String::from_utf8_lossy(body).into_owned()),
                0o020000 | 0o060000 => EntryKind::Device {
                    char_device: h.mode & 0o170000 == 0o020000,
                    major: h.rdev.0,
                    minor: h.rdev.1,
                },
                0o010000 => EntryKind::Fifo,
                0o140000 => EntryKind::Socket,
                _ => {
                    if entries.is_empty() {
                        return Ok(None);
                    }
                    notes.push(format!("{path}: unknown file type {:o}", h.mode));
                    pos += next;
                    continue;
                }
            };
            inodes.push((h.ino, h.nlink));
            entries.push(Entry { path, kind, meta });
            if truncated {
                notes.push(format!("archive truncated inside member at {pos:#x}"));
                pos = input.len();
                break;
            }
            pos += next;
            if entries.len().is_multiple_of(4096) {
                ctx.check_time(NAME, start as u64)?;
            }
        }
        if entries.is_empty() && !ended {
            return Ok(None);
        }
        // The binary magic is two bytes: one plausible header is not enough evidence.
        let binary = matches!(first_dialect, Dialect::BinLe | Dialect::BinBe);
        if binary && !ended && entries.len() < 2 {
            return Ok(None);
        }
        if !ended && !notes.iter().any(|n| n.contains("truncated")) {
            notes.push("no TRAILER!!! entry".to_owned());
        }
        link_hard_links(&mut entries, &inodes);
        let mut p = Parsed::new(pos.min(input.len()) as u64, Output::Entries(entries));
        let d = match first_dialect {
            Dialect::Newc => "newc",
            Dialect::Crc => "crc",
            Dialect::Odc => "odc",
            Dialect::BinLe => "binary-le",
            Dialect::BinBe => "binary-be",
        };
        p.attrs.push(("dialect".to_owned(), d.to_owned()));
        p.notes = notes;
        p.filesystem = true;
        Ok(Some(p))
    }
}

/// Regular files sharing an inode with nlink > 1: the empty ones are links to the one with
/// data (newc stores the data once, with the last link).
fn link_hard_links(entries: &mut [Entry], inodes: &[(u64, u64)]) {
    let mut holder: HashMap<u64, String> = HashMap::new();
    for (e, &(ino, nlink)) in entries.iter().zip(inodes) {
        if nlink > 1 {
            if let EntryKind::File(b) = &e.kind {
                if !b.is_empty() {
                    holder.entry(ino).or_insert_with(|| e.path.clone());
                }
            }
        }
    }
    for (e, &(ino, nlink)) in entries.iter_mut().zip(inodes) {
        if nlink > 1 {
            if let (EntryKind::File(b), Some(target)) = (&e.kind, holder.get(&ino)) {
                if b.is_empty() && *target != e.path {
                    e.kind = EntryKind::HardLink(target.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    struct M<'a> {
        name: &'a str,
        mode: u32,
        ino: u32,
        nlink: u32,
        data: &'a [u8],
    }

    fn newc(ms: &[M]) -> Vec<u8> {
        let mut f = Vec::new();
        let mut all: Vec<&M> = ms.iter().collect();
        let trailer = M {
            name: "TRAILER!!!",
            mode: 0,
            ino: 0,
            nlink: 1,
            data: b"",
        };
        all.push(&trailer);
        for m in all {
            let hdr = format!(
                "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                m.ino, m.mode, 0, 0, m.nlink, 1_700_000_000u32, m.data.len(), 0, 0, 4, 64, m.name.len() + 1, 0
            );
            f.extend_from_slice(hdr.as_bytes());
            f.extend_from_slice(m.name.as_bytes());
            f.push(0);
            while f.len() % 4 != 0 {
                f.push(0);
            }
            f.extend_from_slice(m.data);
            while f.len() % 4 != 0 {
                f.push(0);
            }
        }
        while f.len() % 512 != 0 {
            f.push(0);
        }
        f
    }

    fn odc_bin_be() -> Vec<u8> {
        // Old binary, big-endian: one file "a" with "xy", then the trailer.
        let mut f = Vec::new();
        for (name, mode, data) in [("a", 0o100644u16, &b"xy"[..]), ("TRAILER!!!", 0, &b""[..])] {
            let words: [u16; 13] = [
                0o070707,
                0,
                7,
                mode,
                0,
                0,
                1,
                0,
                0,
                0,
                (name.len() + 1) as u16,
                0,
                data.len() as u16,
            ];
            for w in words {
                f.extend_from_slice(&w.to_be_bytes());
            }
            f.extend_from_slice(name.as_bytes());
            f.push(0);
            if f.len() % 2 != 0 {
                f.push(0);
            }
            f.extend_from_slice(data);
            if f.len() % 2 != 0 {
                f.push(0);
            }
        }
        f
    }

    fn list(p: &Parsed) -> Vec<(String, String)> {
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        es.iter()
            .map(|e| {
                let k = match &e.kind {
                    EntryKind::File(b) => format!("file:{}", String::from_utf8_lossy(b)),
                    EntryKind::Dir => "dir".into(),
                    EntryKind::Symlink(t) => format!("symlink:{t}"),
                    EntryKind::HardLink(t) => format!("link:{t}"),
                    EntryKind::Device {
                        char_device,
                        major,
                        minor,
                    } => format!("dev:{char_device}:{major}:{minor}"),
                    EntryKind::Fifo => "fifo".into(),
                    EntryKind::Socket => "sock".into(),
                };
                (e.path.clone(), k)
            })
            .collect()
    }

    #[test]
    fn newc_with_links_devices_and_padding() {
        let mut f = newc(&[
            M {
                name: "etc",
                mode: 0o040755,
                ino: 1,
                nlink: 2,
                data: b"",
            },
            M {
                name: "etc/passwd",
                mode: 0o100644,
                ino: 2,
                nlink: 1,
                data: b"root:x:0:0",
            },
            M {
                name: "bin/sh",
                mode: 0o120777,
                ino: 3,
                nlink: 1,
                data: b"busybox",
            },
            M {
                name: "dev/null",
                mode: 0o020666,
                ino: 4,
                nlink: 1,
                data: b"",
            },
            M {
                name: "x1",
                mode: 0o100644,
                ino: 9,
                nlink: 2,
                data: b"",
            },
            M {
                name: "x2",
                mode: 0o100644,
                ino: 9,
                nlink: 2,
                data: b"shared",
            },
        ]);
        let n = f.len();
        f.extend_from_slice(b"\xffafter");
        let p = Cpio
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        assert_eq!(
            list(&p),
            vec![
                ("etc".into(), "dir".into()),
                ("etc/passwd".into(), "file:root:x:0:0".into()),
                ("bin/sh".into(), "symlink:busybox".into()),
                ("dev/null".into(), "dev:true:4:64".into()),
                ("x1".into(), "link:x2".into()),
                ("x2".into(), "file:shared".into()),
            ]
        );
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        assert_eq!(es[1].meta.mode, Some(0o644));
        assert_eq!(es[1].meta.mtime, Some(1_700_000_000));
    }

    #[test]
    fn old_binary_big_endian() {
        let f = odc_bin_be();
        let p = Cpio
            .parse(&Bytes::from(f.clone()), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(list(&p), vec![("a".into(), "file:xy".into())]);
        assert_eq!(p.len as usize, f.len());
        // One binary header without its trailer is not evidence enough for a 2-byte magic.
        let one = Bytes::copy_from_slice(&f[..30]);
        assert!(Cpio
            .parse(&one, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .is_none());
    }

    #[test]
    fn odc_and_old_binary_little_endian() {
        // odc: 76-byte octal header.
        let mut f = Vec::new();
        for (name, mode, data) in [
            ("bin/x", 0o100755u32, &b"#!/bin/sh\n"[..]),
            ("TRAILER!!!", 0, &b""[..]),
        ] {
            let h = format!(
                "070707{:06o}{:06o}{:06o}{:06o}{:06o}{:06o}{:06o}{:011o}{:06o}{:011o}",
                0,
                5,
                mode,
                0,
                0,
                1,
                0,
                1_600_000_000u32,
                name.len() + 1,
                data.len()
            );
            assert_eq!(h.len(), 76);
            f.extend_from_slice(h.as_bytes());
            f.extend_from_slice(name.as_bytes());
            f.push(0);
            f.extend_from_slice(data);
        }
        let p = Cpio
            .parse(&Bytes::from(f.clone()), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(list(&p), vec![("bin/x".into(), "file:#!/bin/sh\n".into())]);
        assert_eq!(p.len as usize, f.len());
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        assert_eq!(es[0].meta.mode, Some(0o755));
        assert_eq!(es[0].meta.mtime, Some(1_600_000_000));
        // Old binary, little-endian: the big-endian fixture with every 16-bit word swapped.
        let be = odc_bin_be();
        let mut le = be.clone();
        // Only the headers are words; names and data are bytes. Headers are at 0 and 28+2.
        for start in [0usize, 30] {
            for w in 0..13 {
                le.swap(start + 2 * w, start + 2 * w + 1);
            }
        }
        let p = Cpio
            .parse(&Bytes::from(le), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(list(&p), vec![("a".into(), "file:xy".into())]);
        assert!(p
            .attrs
            .contains(&("dialect".to_owned(), "binary-le".to_owned())));
    }

    #[test]
    fn crc_dialect_checks_data_sum() {
        let mut f = newc(&[M {
            name: "f",
            mode: 0o100644,
            ino: 2,
            nlink: 1,
            data: b"hello",
        }]);
        f[5] = b'2';
        let trailer = f.windows(6).rposition(|w| w == b"070701").unwrap();
        f[trailer + 5] = b'2';
        let ctx = Ctx::new(Limits::default());
        let p = Cpio
            .parse(&Bytes::from(f.clone()), 0, &ctx)
            .unwrap()
            .unwrap();
        assert_eq!(p.notes, vec!["f: data checksum mismatch".to_owned()]);
        f[102..110].copy_from_slice(format!("{:08x}", 532).as_bytes());
        let p = Cpio.parse(&Bytes::from(f), 0, &ctx).unwrap().unwrap();
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert!(p.attrs.contains(&("dialect".to_owned(), "crc".to_owned())));
    }

    #[test]
    fn truncation_never_panics() {
        let f = newc(&[M {
            name: "a",
            mode: 0o100644,
            ino: 2,
            nlink: 1,
            data: b"hello world",
        }]);
        for cut in 0..f.len() {
            let _ = Cpio.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
    }
}
