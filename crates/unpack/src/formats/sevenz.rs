//! 7-Zip archives (`.7z`), through `sevenz-rust2` (pure Rust, Apache-2.0; LZMA, LZMA2, BCJ
//! filters, deflate, bzip2, PPMd off).
//!
//! The 32-byte signature header is checked here first (magic, major version 0, start-header
//! CRC-32), which also gives the archive's exact extent (`32 + next header offset + next
//! header size`) for carving and lets the crate read only that slice. Password-protected
//! archives (encrypted headers or entries) are reported as a note, not extracted: we carry no
//! AES support and no passwords. Output: [`Output::Entries`]; Unix modes are taken from the
//! high 16 bits of the Windows attributes when p7zip set them (attribute bit 0x8000).
//! Reference: 7-Zip `DOC/7zFormat.txt`.

use super::bytes_util::{crc32, get, over_limit, u32le, u64le, u8_at};
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Meta, Output, Parsed};
use bytes::Bytes;
use std::io::Read;

const NAME: &str = "7z";
const MAGIC: &[u8] = &[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c];
/// Seconds between 1601-01-01 and 1970-01-01.
const NT_TO_UNIX: i64 = 11_644_473_600;

#[derive(Debug)]
pub struct SevenZ;

impl Format for SevenZ {
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
        if get(input, 0, 6) != Some(MAGIC) || u8_at(input, 6) != Some(0) {
            return Ok(None);
        }
        let (Some(start_crc), Some(next_off), Some(next_size), Some(start_hdr)) = (
            u32le(input, 8),
            u64le(input, 12),
            u64le(input, 20),
            get(input, 12, 20),
        ) else {
            return Ok(None);
        };
        if crc32(start_hdr) != start_crc {
            return Ok(None);
        }
        let Some(extent) = next_off
            .checked_add(next_size)
            .and_then(|v| v.checked_add(32))
        else {
            return Ok(None);
        };
        if extent > input.len() as u64 {
            let mut p = Parsed::new(input.len() as u64, Output::Entries(Vec::new()));
            p.notes.push(format!(
                "archive truncated: header ends at {extent:#x}, input has {:#x} bytes",
                input.len()
            ));
            return Ok(Some(p));
        }
        let extent = extent as usize;
        let slice = input.get(..extent).unwrap_or_default();
        let cap = ctx.output_cap(extent as u64);
        // Dictionaries are allocated up front: allow what real archives use (7-Zip's largest
        // preset is 64 MiB, `-md` rarely above 256 MiB), never what a header merely claims.
        let mem_kb = usize::try_from((cap / 1024).clamp(64 << 10, 256 << 10)).unwrap_or(256 << 10);
        let mut notes = Vec::new();
        let mut reader = match sevenz_rust2::ArchiveReader::new_with_memory_limit(
            std::io::Cursor::new(slice),
            sevenz_rust2::Password::empty(),
            mem_kb,
        ) {
            Ok(r) => r,
            Err(e) => {
                let mut p = Parsed::new(extent as u64, Output::Entries(Vec::new()));
                p.notes.push(match e {
                    sevenz_rust2::Error::PasswordRequired
                    | sevenz_rust2::Error::MaybeBadPassword(_) => {
                        "password-protected archive (encrypted header): not extracted".to_owned()
                    }
                    sevenz_rust2::Error::UnsupportedCompressionMethod(m) if m.contains("AES") => {
                        "password-protected archive (AES-encrypted header): not extracted"
                            .to_owned()
                    }
                    e => format!("archive header unreadable: {e}"),
                });
                return Ok(Some(p));
            }
        };
        reader.set_thread_count(1);
        let mut entries = Vec::new();
        let mut total = 0u64;
        let mut limit_hit = false;
        let mut timed_out: Option<crate::Error> = None;
        let res = reader.for_each_entries(|entry, rd| {
            let mtime = entry
                .has_last_modified_date
                .then(|| i64::try_from(u64::from(entry.last_modified_date) / 10_000_000).ok())
                .flatten()
                .map(|s| s - NT_TO_UNIX);
            let unix_mode = (entry.has_windows_attributes
                && entry.windows_attributes & 0x8000 != 0)
                .then_some(entry.windows_attributes >> 16);
            let meta = Meta {
                mode: unix_mode.map(|m| m & 0o7777),
                mtime,
                ..Meta::default()
            };
            if entry.is_directory {
                entries.push(Entry {
                    path: entry.name.clone(),
                    kind: EntryKind::Dir,
                    meta,
                });
                return Ok(true);
            }
            let remaining = cap.saturating_sub(total);
            let mut buf = Vec::new();
            let n = rd.take(remaining.saturating_add(1)).read_to_end(&mut buf)?;
            if n as u64 > remaining {
                limit_hit = true;
                return Ok(false);
            }
            if let Err(e) = ctx.check_time(NAME, start as u64) {
                timed_out = Some(e);
                return Ok(false);
            }
            total += n as u64;
            let kind = if unix_mode.is_some_and(|m| m & 0o170000 == 0o120000) {
                EntryKind::Symlink(String::from_utf8_lossy(&buf).into_owned())
            } else {
                EntryKind::File(Bytes::from(buf))
            };
            entries.push(Entry {
                path: entry.name.clone(),
                kind,
                meta,
            });
            Ok(true)
        });
        if limit_hit {
            return Err(over_limit(NAME, start, cap));
        }
        if let Some(e) = timed_out {
            return Err(e);
        }
        if let Err(e) = res {
            notes.push(match e {
                sevenz_rust2::Error::PasswordRequired
                | sevenz_rust2::Error::MaybeBadPassword(_) => {
                    "password-protected entries: not extracted".to_owned()
                }
                sevenz_rust2::Error::UnsupportedCompressionMethod(m) if m.contains("AES") => {
                    "password-protected entries (AES): not extracted".to_owned()
                }
                e => format!("extraction stopped: {e}"),
            });
        }
        let mut p = Parsed::new(extent as u64, Output::Entries(entries));
        p.notes = notes;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    fn build(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = sevenz_rust2::ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
        for (name, data) in files {
            w.push_archive_entry(sevenz_rust2::ArchiveEntry::new_file(name), Some(*data))
                .unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn entries_and_trailing() {
        let mut f = build(&[
            ("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ("a.bin", &[7u8; 1000]),
        ]);
        let n = f.len();
        f.extend_from_slice(b"7z\xbc\xaf\x27\x1ctrailing");
        let p = SevenZ
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        let got: Vec<(String, usize)> = es
            .iter()
            .map(|e| match &e.kind {
                EntryKind::File(b) => (e.path.clone(), b.len()),
                _ => panic!(),
            })
            .collect();
        assert_eq!(got, vec![("etc/passwd".into(), 26), ("a.bin".into(), 1000)]);
    }

    #[test]
    fn truncated_and_bomb() {
        let f = build(&[("x", b"hello hello hello")]);
        for cut in 0..f.len() {
            let _ = SevenZ.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
        let bomb = build(&[("zeros", &vec![0u8; 4 << 20])]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = SevenZ.parse(&Bytes::from(bomb), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
