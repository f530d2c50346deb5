//! JPEG images (JFIF, Exif, bare) carved out of larger data (`Thumbs.db`, raw flash,
//! resources in binaries).
//!
//! Owns: the marker walk from SOI: length-prefixed segments, a frame header (SOFn) before
//! the first scan, entropy-coded data after each SOS up to the next real marker (`FF 00`
//! stuffing and `RSTn` skipped), to EOI. Never does: decode the image.
//!
//! Carved region: SOI through EOI. binwalk v3 ends its `image.jpg` at the first `FF D9` not
//! followed by `FF`; for a well-formed JPEG that is the same EOI, except when an `FF D9`
//! sits inside a header segment (an Exif thumbnail), where this walk goes on to the real end.
//! Evidence: `width`, `height` from the frame header. Known false positives: none seen.
//! References: ITU-T T.81 (JPEG) annex B; binwalk v3 `src/extractors/jpeg.rs` (bounds).

use super::bytes_util::{u16be, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "jpeg";
const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;

#[derive(Debug)]
pub struct Jpeg;

impl Format for Jpeg {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: b"\xFF\xD8\xFF\xE0",
                offset: 0,
            },
            Magic {
                bytes: b"\xFF\xD8\xFF\xE1",
                offset: 0,
            },
            Magic {
                bytes: b"\xFF\xD8\xFF\xDB",
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
        let Some(w) = walk(d, ctx, start)? else {
            return Ok(None);
        };
        let mut p = Parsed::new(w.len as u64, Output::Info);
        p.attrs.push(("width".into(), w.width.to_string()));
        p.attrs.push(("height".into(), w.height.to_string()));
        Ok(Some(p))
    }
}

struct Walk {
    len: usize,
    width: u16,
    height: u16,
}

/// Start of frame markers (C0–CF except DHT C4, JPG C8, DAC CC).
fn is_sof(m: u8) -> bool {
    (0xC0..=0xCF).contains(&m) && !matches!(m, 0xC4 | 0xC8 | 0xCC)
}

/// Position of the next marker (`FF xx`, xx not 00, not RSTn, not FF) in entropy data.
fn next_marker(d: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        pos += memchr::memchr(0xFF, d.get(pos..)?)?;
        match u8_at(d, pos + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => pos += 1,
            _ => return Some(pos),
        }
    }
}

fn walk(d: &[u8], ctx: &Ctx, offset: usize) -> crate::Result<Option<Walk>> {
    if d.get(..3) != Some(b"\xFF\xD8\xFF") {
        return Ok(None);
    }
    let mut pos = 2usize;
    let mut frame: Option<(u16, u16)> = None;
    let mut scans = 0u32;
    let mut segments = 0u32;
    loop {
        segments = segments.wrapping_add(1);
        if segments.is_multiple_of(1024) {
            ctx.check_time(NAME, offset as u64)?;
        }
        if u8_at(d, pos) != Some(0xFF) {
            return Ok(None);
        }
        // Fill bytes may precede a marker.
        while u8_at(d, pos + 1) == Some(0xFF) {
            pos += 1;
        }
        let Some(marker) = u8_at(d, pos + 1) else {
            return Ok(None);
        };
        match marker {
            EOI => {
                let Some((width, height)) = frame.filter(|_| scans > 0) else {
                    return Ok(None);
                };
                return Ok(Some(Walk {
                    len: pos + 2,
                    width,
                    height,
                }));
            }
            0x00 | 0x01 | 0xD0..=0xD8 => return Ok(None),
            _ => {}
        }
        let Some(seg_len) = u16be(d, pos + 2).filter(|&l| l >= 2) else {
            return Ok(None);
        };
        let seg_end = pos + 2 + usize::from(seg_len);
        if seg_end > d.len() {
            return Ok(None);
        }
        if is_sof(marker) {
            if frame.is_some() || seg_len < 8 {
                return Ok(None);
            }
            let (Some(h), Some(w)) = (u16be(d, pos + 5), u16be(d, pos + 7)) else {
                return Ok(None);
            };
            if w == 0 {
                return Ok(None);
            }
            frame = Some((w, h));
        }
        if marker == SOS {
            if frame.is_none() {
                return Ok(None);
            }
            scans += 1;
            match next_marker(d, seg_end) {
                Some(p) => pos = p,
                None => return Ok(None),
            }
        } else {
            pos = seg_end;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A structurally complete (not decodable) baseline JFIF: APP0, DQT, SOF0, DHT, SOS,
    /// entropy data with a stuffed FF and a restart marker, EOI.
    pub(crate) fn tiny_jpeg() -> Vec<u8> {
        let mut j =
            b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
        j.extend_from_slice(b"\xFF\xDB\x00\x43\x00");
        j.extend_from_slice(&[1u8; 64]);
        j.extend_from_slice(b"\xFF\xC0\x00\x0B\x08\x00\x02\x00\x03\x01\x01\x11\x00");
        j.extend_from_slice(b"\xFF\xC4\x00\x14\x00");
        j.extend_from_slice(&[0u8; 16]);
        j.extend_from_slice(&[0u8; 1]);
        j.extend_from_slice(b"\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00");
        j.extend_from_slice(b"\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xD9");
        j
    }

    fn parse_at(d: &[u8], start: usize) -> Option<Parsed> {
        Jpeg.parse(
            &Bytes::copy_from_slice(d),
            start,
            &Ctx::new(Default::default()),
        )
        .unwrap()
    }

    #[test]
    fn carves_to_eoi_with_dimensions() {
        let j = tiny_jpeg();
        let mut d = b"Thumbs\0\0\0\0\0\0".to_vec();
        d.extend_from_slice(&j);
        d.extend_from_slice(b"\xFF\xFF\xFF\xD9\xFF");
        let p = parse_at(&d, 12).unwrap();
        assert_eq!(p.len as usize, j.len());
        assert_eq!(
            p.attrs,
            vec![
                ("width".to_string(), "3".to_string()),
                ("height".to_string(), "2".to_string())
            ]
        );
    }

    #[test]
    fn rejects_truncations_and_corruption() {
        let j = tiny_jpeg();
        for cut in 0..j.len() {
            assert!(parse_at(j.get(..cut).unwrap(), 0).is_none(), "cut {cut}");
        }
        // A scan before any frame header.
        let mut no_sof = j.clone();
        let sof = 20 + 69;
        *no_sof.get_mut(sof + 1).unwrap() = 0xE5;
        assert!(parse_at(&no_sof, 0).is_none());
        // A segment length running past the data.
        let mut long = j;
        *long.get_mut(5).unwrap() = 0xFF;
        assert!(parse_at(&long, 0).is_none());
    }

    #[test]
    fn byte_flips_never_panic_and_stay_in_bounds() {
        let base = tiny_jpeg();
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
