//! gzip (RFC 1952), including concatenated members.
//!
//! Parses the member header ourselves (to validate reserved flag bits and keep the stored
//! name), inflates the body with flate2 and checks the CRC-32/ISIZE trailer. Concatenated
//! members are decoded into one stream, as `gzip -d` does. Output: [`Output::Stream`] named
//! after the first member's stored name. `len` ends after the last member's trailer, so
//! trailing data is carved by the engine.
//!
//! False positives: the 3-byte magic `1f 8b 08` is followed by a flag byte whose reserved
//! bits must be zero and a deflate body that must decode; random data fails within bytes.
//! Reference: RFC 1952.

use super::bytes_util::{crc32, get, inflate_raw, u16le, u32le, u8_at, Decoded};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "gzip";

#[derive(Debug)]
pub struct Gzip;

struct Header {
    body: usize,
    name: Option<String>,
    mtime: u32,
}

/// Parse a member header at `d[0..]`; `None` when it is not one.
fn header(d: &[u8]) -> Option<Header> {
    if get(d, 0, 3)? != [0x1f, 0x8b, 0x08] {
        return None;
    }
    let flg = u8_at(d, 3)?;
    if flg & 0xe0 != 0 {
        return None;
    }
    let mtime = u32le(d, 4)?;
    let mut pos = 10usize;
    if flg & 0x04 != 0 {
        let xlen = usize::from(u16le(d, pos)?);
        pos = pos.checked_add(2 + xlen)?;
    }
    let mut name = None;
    if flg & 0x08 != 0 {
        let rest = d.get(pos..)?;
        let end = rest.iter().take(4096).position(|&b| b == 0)?;
        name = Some(String::from_utf8_lossy(rest.get(..end)?).into_owned());
        pos = pos.checked_add(end + 1)?;
    }
    if flg & 0x10 != 0 {
        let rest = d.get(pos..)?;
        let end = rest.iter().take(65536).position(|&b| b == 0)?;
        pos = pos.checked_add(end + 1)?;
    }
    if flg & 0x02 != 0 {
        pos = pos.checked_add(2)?;
    }
    if pos > d.len() {
        return None;
    }
    Some(Header {
        body: pos,
        name,
        mtime,
    })
}

impl Format for Gzip {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: &[0x1f, 0x8b, 0x08],
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let cap = ctx.output_cap(input.len() as u64);
        let mut out: Vec<u8> = Vec::new();
        let mut notes = Vec::new();
        let mut attrs = Vec::new();
        let mut first_name = None;
        let mut pos = 0usize;
        let mut members = 0u32;
        while let Some(h) = input.get(pos..).and_then(header) {
            let body_at = pos + h.body;
            let body = input.get(body_at..).unwrap_or_default();
            let remaining_cap = cap.saturating_sub(out.len() as u64);
            let dec = match inflate_raw(NAME, start + pos, ctx, remaining_cap, body) {
                Ok(d) => d,
                Err(crate::Error::Malformed { .. }) if members > 0 => break,
                Err(crate::Error::Malformed { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            if members == 0 {
                first_name = h.name.clone();
                attrs.push(("mtime".to_owned(), h.mtime.to_string()));
            }
            members += 1;
            let Decoded {
                data,
                consumed,
                complete,
                ..
            } = &dec;
            if !complete {
                if members == 1 && data.is_empty() {
                    return Ok(None);
                }
                if let Some(n) = super::bytes_util::truncation_note(&dec) {
                    notes.push(n);
                }
                out.extend_from_slice(data);
                pos = body_at + consumed;
                break;
            }
            let trailer_at = body_at + consumed;
            match (u32le(input, trailer_at), u32le(input, trailer_at + 4)) {
                (Some(crc), Some(isize)) => {
                    if crc != crc32(data) {
                        notes.push(format!("member {members}: CRC-32 mismatch"));
                    }
                    if isize != data.len() as u32 {
                        notes.push(format!("member {members}: ISIZE mismatch"));
                    }
                    pos = trailer_at + 8;
                }
                _ => {
                    notes.push(format!("member {members}: trailer truncated"));
                    pos = input.len();
                }
            }
            out.extend_from_slice(data);
        }
        if members == 0 {
            return Ok(None);
        }
        if members > 1 {
            attrs.push(("members".to_owned(), members.to_string()));
        }
        if let Some(n) = &first_name {
            attrs.push(("name".to_owned(), n.clone()));
        }
        let mut p = Parsed::new(
            pos as u64,
            Output::Stream {
                data: Bytes::from(out),
                name: first_name,
            },
        );
        p.attrs = attrs;
        p.notes = notes;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8], name: Option<&str>) -> Vec<u8> {
        let mut b = flate2::GzBuilder::new();
        if let Some(n) = name {
            b = b.filename(n);
        }
        let mut e: GzEncoder<Vec<u8>> = b.write(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn stream(p: &Parsed) -> (&[u8], Option<&str>) {
        match &p.output {
            Output::Stream { data, name } => (data, name.as_deref()),
            o => panic!("unexpected {o:?}"),
        }
    }

    #[test]
    fn multi_member_with_name_and_trailing_junk() {
        let mut f = b"JUNK".to_vec();
        let a = gz(b"hello ", Some("rootfs.bin"));
        let b = gz(b"world", None);
        f.extend_from_slice(&a);
        f.extend_from_slice(&b);
        f.extend_from_slice(b"TRAILING");
        let p = Gzip
            .parse(&Bytes::from(f), 4, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(stream(&p), (&b"hello world"[..], Some("rootfs.bin")));
        assert_eq!(p.len, (a.len() + b.len()) as u64);
        assert!(p.notes.is_empty());
    }

    #[test]
    fn truncated_gives_partial_with_note_or_none() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let f = gz(&data, None);
        for cut in [3, 10, 12, f.len() / 2, f.len() - 4] {
            let r = Gzip
                .parse(
                    &Bytes::copy_from_slice(&f[..cut]),
                    0,
                    &Ctx::new(Limits::default()),
                )
                .unwrap();
            if let Some(p) = r {
                assert_eq!(p.notes.len(), 1, "cut {cut}: {:?}", p.notes);
                assert!(data.starts_with(stream(&p).0));
            }
        }
    }

    #[test]
    fn optional_header_fields_are_skipped() {
        // FEXTRA + FNAME + FCOMMENT + FHCRC, built by hand around a raw deflate body.
        let mut body = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        body.write_all(b"payload").unwrap();
        let body = body.finish().unwrap();
        let mut f = vec![
            0x1f,
            0x8b,
            0x08,
            0x04 | 0x08 | 0x10 | 0x02,
            1,
            0,
            0,
            0,
            0,
            3,
        ];
        f.extend_from_slice(&[4, 0, b'A', b'B', 2, 0]);
        f.extend_from_slice(b"vmlinux\0a comment\0");
        f.extend_from_slice(&[0xaa, 0xbb]);
        f.extend_from_slice(&body);
        f.extend_from_slice(&crc32(b"payload").to_le_bytes());
        f.extend_from_slice(&7u32.to_le_bytes());
        let n = f.len();
        let p = Gzip
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        assert_eq!(stream(&p), (&b"payload"[..], Some("vmlinux")));
        assert!(p.attrs.contains(&("mtime".to_owned(), "1".to_owned())));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn bomb_hits_limit() {
        let f = gz(&vec![0u8; 8 << 20], None);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Gzip.parse(&Bytes::from(f), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }

    #[test]
    fn reserved_flags_rejected() {
        let mut f = gz(b"x", None);
        f[3] = 0x80;
        let r = Gzip
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap();
        assert!(r.is_none());
    }
}
