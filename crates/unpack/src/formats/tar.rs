//! tar archives: v7, ustar, GNU (long names `L`, long link names `K`, base-256 numbers) and
//! POSIX pax (`x` per-entry and `g` global headers: `path`, `linkpath`, `size`, `uid`, `gid`,
//! `mtime`).
//!
//! Written here rather than with the `tar` crate: we need the archive's exact extent for
//! carving (end-of-archive blocks plus record padding), tolerance of a truncated last member
//! (keep what was read, add a note), and no `Read`-based copying of a buffer we already hold;
//! the crate stops at the first error and cannot report its extent. Each header's checksum is
//! validated (unsigned or signed sum, as GNU tar accepts). The scan magic is `ustar` at 257;
//! v7 archives (no magic) are parsed when the engine calls at their offset (e.g. offset 0).
//! Output: [`Output::Entries`] with paths as stored (ustar prefix joined).
//! Reference: POSIX.1-2017 `pax` (ustar and pax formats); GNU tar manual "Standard".

use super::bytes_util::{cstr, get, u8_at};
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Meta, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "tar";
const BLOCK: usize = 512;
/// GNU tar's default record size: archives are padded with zeros to a multiple of it.
const RECORD: usize = 10240;
/// Long names and pax headers above this are not plausible and are refused.
const MAX_META: usize = 1 << 20;

#[derive(Debug)]
pub struct Tar;

/// Parse a numeric field: octal (spaces/NULs around) or GNU base-256 (high bit set).
fn number(field: &[u8]) -> Option<u64> {
    let first = *field.first()?;
    if first & 0x80 != 0 {
        if first & 0x40 != 0 {
            return None; // negative
        }
        let mut v: u64 = u64::from(first & 0x3f);
        for &b in field.get(1..)? {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let s: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == 0)
        .take_while(|&b| (b'0'..=b'7').contains(&b))
        .collect();
    if s.is_empty() {
        // An all-blank field reads as zero (some writers leave devmajor/minor empty).
        return field.iter().all(|&b| b == b' ' || b == 0).then_some(0);
    }
    let mut v = 0u64;
    for b in s {
        v = v.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

fn checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = get(h, 148, 8).and_then(number) else {
        return false;
    };
    let mut unsigned = 0u64;
    let mut signed = 0i64;
    for (i, &b) in h.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

fn is_zero_block(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0)
}

/// Is `h` a plausible tar header (checksum valid, not all zeros)?
pub(crate) fn is_header(h: &[u8]) -> bool {
    h.len() >= BLOCK && !is_zero_block(h) && checksum_ok(h)
}

#[derive(Default, Clone)]
struct Pax {
    path: Option<String>,
    linkpath: Option<String>,
    size: Option<u64>,
    uid: Option<u32>,
    gid: Option<u32>,
    mtime: Option<i64>,
}

fn parse_pax(data: &[u8], into: &mut Pax) {
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|&b| b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(rest.get(..sp).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        let Some(rec) = rest.get(sp + 1..len) else {
            break;
        };
        rest = rest.get(len..).unwrap_or_default();
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        let Some(eq) = rec.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = rec.get(..eq).unwrap_or_default();
        let val = String::from_utf8_lossy(rec.get(eq + 1..).unwrap_or_default()).into_owned();
        match key {
            b"path" => into.path = Some(val),
            b"linkpath" => into.linkpath = Some(val),
            b"size" => into.size = val.parse().ok(),
            b"uid" => into.uid = val.parse().ok(),
            b"gid" => into.gid = val.parse().ok(),
            b"mtime" => {
                into.mtime = val.split('.').next().and_then(|s| s.parse().ok());
            }
            _ => {}
        }
    }
}

impl Format for Tar {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"ustar",
            offset: 257,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        if !get(input, 0, BLOCK).is_some_and(is_header) {
            return Ok(None);
        }
        let cap = ctx.output_cap(input.len() as u64);
        let mut total = 0u64;
        let mut entries: Vec<Entry> = Vec::new();
        let mut notes = Vec::new();
        let mut pos = 0usize;
        let mut global = Pax::default();
        let mut local = Pax::default();
        let mut long_name: Option<String> = None;
        let mut long_link: Option<String> = None;
        let mut ended = false;
        let mut dialect = "v7";
        while let Some(h) = get(input, pos, BLOCK) {
            if is_zero_block(h) {
                ended = true;
                pos += BLOCK;
                // The second zero block (and record padding) belongs to the archive too.
                while get(input, pos, BLOCK).is_some_and(is_zero_block)
                    && !pos.is_multiple_of(RECORD)
                {
                    pos += BLOCK;
                }
                break;
            }
            if !checksum_ok(h) {
                notes.push(format!(
                    "bad header checksum at {pos:#x}; archive ends there"
                ));
                break;
            }
            let magic = get(h, 257, 6).unwrap_or_default();
            let ustar = magic == b"ustar\0";
            if ustar {
                dialect = "ustar";
            } else if magic == b"ustar " {
                dialect = "gnu";
            }
            let typeflag = u8_at(h, 156).unwrap_or(0);
            let Some(mut size) = get(h, 124, 12).and_then(number) else {
                notes.push(format!("bad size field at {pos:#x}"));
                break;
            };
            if let Some(s) = local.size {
                size = s;
            }
            let body_at = pos + BLOCK;
            let Ok(size_us) = usize::try_from(size) else {
                break;
            };
            let padded = size_us.div_ceil(BLOCK).saturating_mul(BLOCK);
            let body = input.get(body_at..body_at.saturating_add(size_us));
            let truncated = body.is_none();
            let body = body.unwrap_or_else(|| input.get(body_at..).unwrap_or_default());
            let next = body_at.saturating_add(padded);
            match typeflag {
                b'L' | b'K' | b'x' | b'g' => {
                    if size_us > MAX_META || truncated {
                        notes.push(format!("oversized or truncated meta header at {pos:#x}"));
                        break;
                    }
                    match typeflag {
                        b'L' => long_name = Some(cstr(body)),
                        b'K' => long_link = Some(cstr(body)),
                        b'x' => {
                            dialect = "pax";
                            parse_pax(body, &mut local);
                        }
                        _ => parse_pax(body, &mut global),
                    }
                    pos = next;
                    continue;
                }
                _ => {}
            }
            let mut path = cstr(get(h, 0, 100).unwrap_or_default());
            if ustar {
                let prefix = cstr(get(h, 345, 155).unwrap_or_default());
                if !prefix.is_empty() {
                    path = format!("{prefix}/{path}");
                }
            }
            let path = local
                .path
                .take()
                .or(long_name.take())
                .or(global.path.clone())
                .unwrap_or(path);
            let link = local
                .linkpath
                .take()
                .or(long_link.take())
                .unwrap_or_else(|| cstr(get(h, 157, 100).unwrap_or_default()));
            let num = |off: usize, len: usize| get(h, off, len).and_then(number);
            let meta = Meta {
                mode: num(100, 8).map(|m| (m & 0o7777) as u32),
                uid: local
                    .uid
                    .or(global.uid)
                    .or(num(108, 8).and_then(|v| u32::try_from(v).ok())),
                gid: local
                    .gid
                    .or(global.gid)
                    .or(num(116, 8).and_then(|v| u32::try_from(v).ok())),
                mtime: local
                    .mtime
                    .or(num(136, 12).and_then(|v| i64::try_from(v).ok())),
            };
            local = Pax::default();
            let kind = match typeflag {
                b'0' | 0 | b'7' if path.ends_with('/') && size == 0 => EntryKind::Dir,
                b'0' | 0 | b'7' | b'S' => {
                    total += body.len() as u64;
                    if total > cap {
                        return Err(super::bytes_util::over_limit(NAME, start, cap));
                    }
                    if typeflag == b'S' {
                        notes.push(format!("{path}: GNU sparse member stored as its data only"));
                    }
                    EntryKind::File(data.slice_ref(body))
                }
                b'1' => EntryKind::HardLink(link),
                b'2' => EntryKind::Symlink(link),
                b'3' | b'4' => EntryKind::Device {
                    char_device: typeflag == b'3',
                    major: num(329, 8).and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                    minor: num(337, 8).and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
                },
                b'5' | b'D' => EntryKind::Dir,
                b'6' => EntryKind::Fifo,
                b'V' => {
                    pos = next;
                    continue;
                }
                other => {
                    notes.push(format!(
                        "{path}: unsupported type {:?} skipped",
                        other as char
                    ));
                    pos = next;
                    continue;
                }
            };
            entries.push(Entry { path, kind, meta });
            if truncated {
                notes.push(format!("archive truncated inside member at {pos:#x}"));
                pos = input.len();
                break;
            }
            pos = next;
            if entries.len().is_multiple_of(4096) {
                ctx.check_time(NAME, start as u64)?;
            }
        }
        if entries.is_empty() && !ended {
            return Ok(None);
        }
        if !ended && notes.is_empty() {
            notes.push("no end-of-archive marker".to_owned());
        }
        let mut p = Parsed::new(pos.min(input.len()) as u64, Output::Entries(entries));
        p.attrs.push(("dialect".to_owned(), dialect.to_owned()));
        p.notes = notes;
        p.filesystem = true;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    fn files(p: &Parsed) -> Vec<(String, String)> {
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

    fn build(gnu: bool) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let long = format!("{}/deep.txt", "d".repeat(120));
        let mut h = if gnu {
            tar::Header::new_gnu()
        } else {
            tar::Header::new_ustar()
        };
        h.set_size(5);
        h.set_mode(0o640);
        h.set_uid(1000);
        h.set_gid(100);
        h.set_mtime(1_600_000_000);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h.clone(), "etc/shadow", &b"root:"[..])
            .unwrap();
        b.append_data(&mut h.clone(), &long, &b"hello"[..]).unwrap();
        let mut l = if gnu {
            tar::Header::new_gnu()
        } else {
            tar::Header::new_ustar()
        };
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        b.append_link(&mut l, "bin/sh", "busybox").unwrap();
        let mut d = tar::Header::new_ustar();
        d.set_entry_type(tar::EntryType::Char);
        d.set_device_major(5).unwrap();
        d.set_device_minor(1).unwrap();
        d.set_size(0);
        b.append_data(&mut d, "dev/console", &b""[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn gnu_long_names_symlinks_devices_and_metadata() {
        let mut f = build(true);
        let n = f.len();
        f.extend_from_slice(b"trailing");
        let p = Tar
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        let long = format!("{}/deep.txt", "d".repeat(120));
        assert_eq!(
            files(&p),
            vec![
                ("etc/shadow".into(), "file:root:".into()),
                (long, "file:hello".into()),
                ("bin/sh".into(), "symlink:busybox".into()),
                ("dev/console".into(), "dev:true:5:1".into()),
            ]
        );
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        assert_eq!(
            es[0].meta,
            Meta {
                mode: Some(0o640),
                uid: Some(1000),
                gid: Some(100),
                mtime: Some(1_600_000_000)
            }
        );
    }

    #[test]
    fn ustar_prefix_and_pax_path() {
        let f = build(false);
        let p = Tar
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        let long = format!("{}/deep.txt", "d".repeat(120));
        assert_eq!(files(&p)[1], (long, "file:hello".into()));
        // A hand-made pax header overriding path and linkpath.
        let mut pax = Vec::new();
        let recs = "31 path=very/long/pax/name.txt\n".to_string();
        assert_eq!(recs.len(), 31);
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_size(recs.len() as u64);
        b.append_data(&mut h, "PaxHeader/x", recs.as_bytes())
            .unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(2);
        b.append_data(&mut h, "short", &b"ok"[..]).unwrap();
        pax.extend_from_slice(&b.into_inner().unwrap());
        let p = Tar
            .parse(&Bytes::from(pax), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(
            files(&p),
            vec![("very/long/pax/name.txt".into(), "file:ok".into())]
        );
    }

    #[test]
    fn bad_checksum_rejected_and_truncation_noted() {
        let mut f = build(true);
        let ctx = Ctx::new(Limits::default());
        let t = Tar
            .parse(&Bytes::copy_from_slice(&f[..1024 + 100]), 0, &ctx)
            .unwrap()
            .unwrap();
        assert_eq!(files(&t).len(), 1);
        for cut in (0..f.len()).step_by(97) {
            let _ = Tar.parse(&Bytes::copy_from_slice(&f[..cut]), 0, &ctx);
        }
        f[148] ^= 1;
        assert!(Tar.parse(&Bytes::from(f), 0, &ctx).unwrap().is_none());
    }

    #[test]
    fn base256_numbers() {
        let mut f = [0u8; 12];
        f[0] = 0x80;
        f[11] = 0x10;
        assert_eq!(number(&f), Some(16));
        assert_eq!(number(b"0000644 \0"), Some(0o644));
    }
}
