//! GIF images (87a/89a) carved out of larger data (raw flash images, resources in binaries).
//!
//! Owns: walking the block chain from the logical screen descriptor (and its global colour
//! table) through image descriptors and extensions, each a chain of length-prefixed
//! sub-blocks, to the trailer byte `0x3B`. Never does: decode the LZW image data.
//!
//! Carved region: header through the trailer byte, the bounds binwalk v3 writes as
//! `image.gif`. A chain that leaves the data, meets an unknown block, has no image or an LZW
//! code size outside 2..=12 is not a GIF. Evidence: `width`, `height` attributes.
//! Known false positives: none seen (a `GIF89a` string in a binary fails the chain walk).
//! References: GIF89a specification (W3C/CompuServe 1990); binwalk v3 `src/extractors/gif.rs`.

use super::bytes_util::{u16le, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "gif";
const SCREEN_DESCRIPTOR: usize = 13;
const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const TRAILER: u8 = 0x3B;

#[derive(Debug)]
pub struct Gif;

impl Format for Gif {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: b"GIF87a",
                offset: 0,
            },
            Magic {
                bytes: b"GIF89a",
                offset: 0,
            },
        ]
    }

    fn carve(&self) -> bool {
        true
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(d) = data.get(start..) else {
            return Ok(None);
        };
        let Some(len) = gif_len(d, ctx, start)? else {
            return Ok(None);
        };
        let mut p = Parsed::new(len as u64, Output::Info);
        for (k, off) in [("width", 6), ("height", 8)] {
            if let Some(v) = u16le(d, off) {
                p.attrs.push((k.into(), v.to_string()));
            }
        }
        Ok(Some(p))
    }
}

/// Size of a colour table announced by a flags byte (bit 7 set: 3 × 2^(n+1) bytes).
fn color_table(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 7) + 1)
    }
}

/// Position after the sub-block chain starting at `pos` (ends with a zero-length block).
fn sub_blocks(d: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let n = usize::from(u8_at(d, pos)?);
        pos = pos.checked_add(1 + n)?;
        if n == 0 {
            return Some(pos);
        }
        if pos > d.len() {
            return None;
        }
    }
}

/// Length of the GIF at the start of `d`, if its block chain reaches the trailer.
fn gif_len(d: &[u8], ctx: &Ctx, offset: usize) -> crate::Result<Option<usize>> {
    if !matches!(d.get(..6), Some(b"GIF87a" | b"GIF89a")) {
        return Ok(None);
    }
    let Some(flags) = u8_at(d, 10) else {
        return Ok(None);
    };
    let mut pos = SCREEN_DESCRIPTOR + color_table(flags);
    let mut images = 0u32;
    let mut blocks = 0u32;
    loop {
        blocks = blocks.wrapping_add(1);
        if blocks.is_multiple_of(4096) {
            ctx.check_time(NAME, offset as u64)?;
        }
        let Some(kind) = u8_at(d, pos) else {
            return Ok(None);
        };
        let next = match kind {
            TRAILER => {
                return Ok((images > 0).then_some(pos + 1));
            }
            IMAGE => {
                let Some(flags) = u8_at(d, pos + 9) else {
                    return Ok(None);
                };
                let lzw = pos + 10 + color_table(flags);
                if !u8_at(d, lzw).is_some_and(|c| (2..=12).contains(&c)) {
                    return Ok(None);
                }
                images += 1;
                sub_blocks(d, lzw + 1)
            }
            EXTENSION => sub_blocks(d, pos + 2),
            _ => None,
        };
        match next {
            Some(n) => pos = n,
            None => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A 1×1 GIF89a with a 2-colour global table, a graphic control extension and one image.
    pub(crate) fn tiny_gif() -> Vec<u8> {
        let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        g.extend_from_slice(&[0x21, 0xF9, 4, 1, 0, 0, 0, 0]);
        g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0]);
        g.push(0x3B);
        g
    }

    fn parse_at(d: &[u8], start: usize) -> Option<Parsed> {
        Gif.parse(
            &Bytes::copy_from_slice(d),
            start,
            &Ctx::new(Default::default()),
        )
        .unwrap()
    }

    #[test]
    fn carves_exact_bounds() {
        let g = tiny_gif();
        let mut d = vec![0xFFu8; 100];
        d.extend_from_slice(&g);
        d.extend_from_slice(b"GIFtrailing");
        let p = parse_at(&d, 100).unwrap();
        assert_eq!(p.len as usize, g.len());
        assert_eq!(
            p.attrs.first().unwrap(),
            &("width".to_string(), "1".to_string())
        );
    }

    #[test]
    fn rejects_truncations_and_corruption() {
        let g = tiny_gif();
        for cut in 0..g.len() {
            assert!(parse_at(g.get(..cut).unwrap(), 0).is_none(), "cut {cut}");
        }
        // Unknown block type where the image descriptor should be.
        let mut bad = g.clone();
        *bad.get_mut(27).unwrap() = 0x2D;
        assert!(parse_at(&bad, 0).is_none());
        // No image at all: header then trailer.
        assert!(parse_at(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3B", 0).is_none());
        // LZW minimum code size out of range.
        let mut bad = g;
        *bad.get_mut(37).unwrap() = 0;
        assert!(parse_at(&bad, 0).is_none());
    }

    #[test]
    fn byte_flips_never_panic_and_stay_in_bounds() {
        let base = tiny_gif();
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
