//! PNG images carved out of larger data (resources in binaries, raw flash).
//!
//! Owns: the chunk walk after the 8-byte signature: `IHDR` first (13 bytes), then chunks of
//! `length, type, data, CRC-32`, every type four ASCII letters and every CRC checked, to
//! `IEND`. Never does: decompress the image data.
//!
//! Carved region: signature through the `IEND` chunk's CRC, the bounds binwalk v3 writes as
//! `image.png`. Evidence: `width`, `height` from `IHDR`. Known false positives: none (every
//! chunk's CRC must match). References: PNG specification (W3C, 2003) sections 5 and 11;
//! binwalk v3 `src/extractors/png.rs` (bounds).

use super::bytes_util::{crc32, get, u32be};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "png";
const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR";
/// Chunk lengths are at most 2^31 - 1 (PNG §5.3).
const MAX_CHUNK: u32 = 0x7FFF_FFFF;

#[derive(Debug)]
pub struct Png;

impl Format for Png {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: SIGNATURE,
            offset: 0,
        }]
    }

    fn carve(&self) -> bool {
        true
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(d) = data.get(start..) else {
            return Ok(None);
        };
        let Some(len) = png_len(d, ctx, start)? else {
            return Ok(None);
        };
        let mut p = Parsed::new(len as u64, Output::Info);
        for (k, off) in [("width", 16), ("height", 20)] {
            if let Some(v) = u32be(d, off) {
                p.attrs.push((k.into(), v.to_string()));
            }
        }
        Ok(Some(p))
    }
}

fn png_len(d: &[u8], ctx: &Ctx, offset: usize) -> crate::Result<Option<usize>> {
    if d.get(..SIGNATURE.len()) != Some(SIGNATURE) {
        return Ok(None);
    }
    let mut pos = 8usize;
    let mut chunks = 0u32;
    loop {
        chunks = chunks.wrapping_add(1);
        if chunks.is_multiple_of(256) {
            ctx.check_time(NAME, offset as u64)?;
        }
        let Some(len) = u32be(d, pos).filter(|&l| l <= MAX_CHUNK) else {
            return Ok(None);
        };
        let len = len as usize;
        let Some(typ) = get(d, pos + 4, 4) else {
            return Ok(None);
        };
        if !typ.iter().all(u8::is_ascii_alphabetic) {
            return Ok(None);
        }
        let Some(crc_end) = (pos + 8).checked_add(len).and_then(|e| e.checked_add(4)) else {
            return Ok(None);
        };
        let (Some(body), Some(crc)) = (get(d, pos + 4, len + 4), u32be(d, pos + 8 + len)) else {
            return Ok(None);
        };
        if crc32(body) != crc {
            return Ok(None);
        }
        if typ == b"IEND" {
            return Ok((len == 0).then_some(crc_end));
        }
        pos = crc_end;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn chunk(out: &mut Vec<u8>, typ: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = typ.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }

    /// A 2×3 PNG with IHDR, one IDAT and IEND (IDAT not a real zlib stream: never decoded).
    pub(crate) fn tiny_png() -> Vec<u8> {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut p, b"IHDR", b"\0\0\0\x02\0\0\0\x03\x08\x02\0\0\0");
        chunk(&mut p, b"IDAT", b"\x78\x9c\x01\x02\x03");
        chunk(&mut p, b"IEND", b"");
        p
    }

    fn parse_at(d: &[u8], start: usize) -> Option<Parsed> {
        Png.parse(
            &Bytes::copy_from_slice(d),
            start,
            &Ctx::new(Default::default()),
        )
        .unwrap()
    }

    #[test]
    fn carves_through_iend() {
        let png = tiny_png();
        let mut d = vec![0u8; 7];
        d.extend_from_slice(&png);
        d.extend_from_slice(b"IEND\xAE\x42\x60\x82 trailing");
        let p = parse_at(&d, 7).unwrap();
        assert_eq!(p.len as usize, png.len());
        assert_eq!(
            p.attrs,
            vec![
                ("width".to_string(), "2".to_string()),
                ("height".to_string(), "3".to_string())
            ]
        );
    }

    #[test]
    fn rejects_truncation_and_bad_crc() {
        let png = tiny_png();
        for cut in 0..png.len() {
            assert!(parse_at(png.get(..cut).unwrap(), 0).is_none(), "cut {cut}");
        }
        let mut bad = png;
        // One bit of IDAT data flipped: its CRC no longer matches.
        *bad.get_mut(41).unwrap() ^= 1;
        assert!(parse_at(&bad, 0).is_none());
    }

    #[test]
    fn byte_flips_never_panic_and_stay_in_bounds() {
        let base = tiny_png();
        for i in 0..base.len() {
            for v in [0x00u8, 0xFF, 0x21, 0x3B, 0x2C, 0xD9, 0x0A, 0x2D] {
                let mut d = base.clone();
                d[i] = v;
                if let Some(p) = parse_at(&d, 0) {
                    assert!(p.len as usize <= d.len());
                }
            }
        }
    }
}
