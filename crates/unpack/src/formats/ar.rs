//! Unix `ar` archives (`!<arch>\n`): static libraries and Debian packages, with GNU (`//`
//! name table, `/N` references, trailing `/`) and BSD (`#1/N`, name stored before the data)
//! long names. The GNU symbol table (`/`, `/SYM64/`) and BSD `__.SYMDEF` members are skipped.
//!
//! Written here: the format is a 60-byte text header per member, simpler than adapting a
//! crate to a buffer with carving. Every header's terminator (`` `\n ``) and decimal size are
//! checked; the archive ends at the first member that does not parse.
//! Reference: FreeBSD `ar(5)`; GNU binutils `bfd/archive.c` naming conventions.

use super::bytes_util::get;
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Meta, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "ar";
const MAGIC: &[u8] = b"!<arch>\n";

#[derive(Debug)]
pub struct Ar;

fn field(h: &[u8], off: usize, len: usize) -> &str {
    get(h, off, len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("")
        .trim_end()
}

impl Format for Ar {
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
        if get(input, 0, 8) != Some(MAGIC) {
            return Ok(None);
        }
        let cap = ctx.output_cap(input.len() as u64);
        let mut total = 0u64;
        let mut pos = 8usize;
        let mut entries = Vec::new();
        let mut notes = Vec::new();
        let mut names: &[u8] = &[];
        while let Some(h) = get(input, pos, 60) {
            if get(h, 58, 2) != Some(b"`\n") {
                notes.push(format!("bad member header at {pos:#x}; archive ends there"));
                break;
            }
            let Ok(size) = field(h, 48, 10).parse::<usize>() else {
                notes.push(format!("bad member size at {pos:#x}"));
                break;
            };
            let body_at = pos + 60;
            let body = get(input, body_at, size);
            let truncated = body.is_none();
            let mut body = body.unwrap_or_else(|| input.get(body_at..).unwrap_or_default());
            let raw = field(h, 0, 16);
            let next = body_at.saturating_add(size).saturating_add(size & 1);
            let name: String = if raw == "/" || raw == "/SYM64/" || raw.starts_with("__.SYMDEF") {
                pos = next;
                continue;
            } else if raw == "//" {
                names = body;
                pos = next;
                continue;
            } else if let Some(off) = raw.strip_prefix('/').and_then(|n| n.parse::<usize>().ok()) {
                let tail = names.get(off..).unwrap_or_default();
                let end = tail.iter().position(|&b| b == b'\n').unwrap_or(tail.len());
                let n = String::from_utf8_lossy(tail.get(..end).unwrap_or_default()).into_owned();
                n.strip_suffix('/').map(str::to_owned).unwrap_or(n)
            } else if let Some(n) = raw
                .strip_prefix("#1/")
                .and_then(|n| n.parse::<usize>().ok())
            {
                let nm = body.get(..n.min(body.len())).unwrap_or_default();
                let nm_str = String::from_utf8_lossy(nm)
                    .trim_end_matches('\0')
                    .to_owned();
                body = body.get(n.min(body.len())..).unwrap_or_default();
                if nm_str.starts_with("__.SYMDEF") {
                    pos = next;
                    continue;
                }
                nm_str
            } else {
                raw.strip_suffix('/').unwrap_or(raw).to_owned()
            };
            total += body.len() as u64;
            if total > cap {
                return Err(super::bytes_util::over_limit(NAME, start, cap));
            }
            let meta = Meta {
                mtime: field(h, 16, 12).parse().ok(),
                uid: field(h, 28, 6).parse().ok(),
                gid: field(h, 34, 6).parse().ok(),
                mode: u32::from_str_radix(field(h, 40, 8), 8)
                    .ok()
                    .map(|m| m & 0o7777),
            };
            entries.push(Entry {
                path: name,
                kind: EntryKind::File(data.slice_ref(body)),
                meta,
            });
            if truncated {
                notes.push(format!("archive truncated inside member at {pos:#x}"));
                pos = input.len();
                break;
            }
            pos = next.min(input.len());
            if entries.len() % 4096 == 0 {
                ctx.check_time(NAME, start as u64)?;
            }
        }
        let mut p = Parsed::new(pos.min(input.len()) as u64, Output::Entries(entries));
        p.notes = notes;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    fn member(name: &str, data: &[u8]) -> Vec<u8> {
        let mut m = format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            1_700_000_000,
            0,
            0,
            "100644",
            data.len()
        )
        .into_bytes();
        m.extend_from_slice(data);
        if data.len() % 2 == 1 {
            m.push(b'\n');
        }
        m
    }

    #[test]
    fn gnu_and_bsd_long_names() {
        let mut f = MAGIC.to_vec();
        f.extend(member("/", b"\0\0\0\0"));
        f.extend(member("//", b"a_very_long_object_name.o/\n"));
        f.extend(member("/0", b"ELF"));
        f.extend(member("short.o/", b"ab"));
        f.extend(member("#1/12", b"bsd_name.txtcontent"));
        let n = f.len();
        f.extend_from_slice(b"junk after");
        let p = Ar
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        let got: Vec<(String, Vec<u8>)> = es
            .iter()
            .map(|e| match &e.kind {
                EntryKind::File(b) => (e.path.clone(), b.to_vec()),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a_very_long_object_name.o".into(), b"ELF".to_vec()),
                ("short.o".into(), b"ab".to_vec()),
                ("bsd_name.txt".into(), b"content".to_vec()),
            ]
        );
        assert_eq!(es[0].meta.mode, Some(0o644));
        assert_eq!(es[0].meta.mtime, Some(1_700_000_000));
    }

    #[test]
    fn truncation_never_panics() {
        let mut f = MAGIC.to_vec();
        f.extend(member("#1/12", b"bsd_name.txtcontent"));
        for cut in 0..f.len() {
            let _ = Ar.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
    }
}
