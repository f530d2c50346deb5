//! TP-Link `IMG0` image header of VxWorks-based TP-Link devices (TL-WR702N and kin): a
//! 128-byte big-endian header in front of a table of parts. Update files nest it: the outer
//! header's one part holds the boot loader followed by a second `IMG0` whose parts are the
//! LZMA-compressed OS, the web file system and a trailing block.
//!
//! Layout (offsets from the magic; derived from the WR702N update `wr.fw`, where every field
//! below adds up to the byte; FACT's TP-WR702N unpacker reads the same size, device and
//! language fields):
//! - 0x00 `IMG0`; 0x04 u32 total size from the magic to the image end;
//! - 0x08 u16 device id; 0x0A u16 language (0x1101 English, 0x0001 Chinese);
//! - 0x0C..0x40 fields of unknown meaning (kept out of the evidence);
//! - 0x40..0x80 up to eight (u32 offset, u32 length) parts; unused slots are zero.
//!
//! The 20 bytes before an update file's outer header (a u32 and 16 bytes FACT calls an MD5;
//! they match no plain MD5 over the file, so presumably salted) are not part of this
//! structure, are not checked, and stay a gap.
//!
//! Parses: the header and the part table. Yields regions `part-0` … `part-7` (one per
//! used slot), each a slice of the image; the header itself stays a gap of the container.
//! Evidence: `size`, `device-id`, `language`, `parts`.
//! Known false positives: `IMG0` is short; a candidate needs a size covering the header, at
//! least one part, and every part after the header, inside the size, in ascending order
//! without overlap; a slot is either all zero or has both an offset and a length.
//! References: FACT extractor `fact_extractor/plugins/unpacking/tpl/code/TPWRN702N.py` (size,
//! device and language fields), the WR702N sample `fact-extractor/tpl/wr.fw`.

use super::bytes_util::{u16be, u32be};
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::Result;
use bytes::Bytes;

const NAME: &str = "tplink-img0";
const HEADER_LEN: usize = 0x80;
const TABLE: usize = 0x40;
const SLOTS: usize = 8;

/// TP-Link VxWorks `IMG0` image.
#[derive(Debug, Clone, Copy)]
pub struct TpLinkImg0;

fn language(code: u16) -> &'static str {
    match code {
        0x1101 => "English",
        0x0001 => "Chinese",
        _ => "unknown",
    }
}

impl Format for TpLinkImg0 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"IMG0",
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        if input.get(..4) != Some(b"IMG0".as_slice()) || input.len() < HEADER_LEN {
            return Ok(None);
        }
        let (Some(size), Some(device), Some(lang)) =
            (u32be(input, 4), u16be(input, 8), u16be(input, 10))
        else {
            return Ok(None);
        };
        let size = size as usize;
        if size < HEADER_LEN {
            return Ok(None);
        }
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut end_of_last = HEADER_LEN;
        for slot in 0..SLOTS {
            let at = TABLE + 8 * slot;
            let (Some(off), Some(len)) = (u32be(input, at), u32be(input, at + 4)) else {
                return Ok(None);
            };
            let (off, len) = (off as usize, len as usize);
            match (off, len) {
                (0, 0) => continue,
                (_, 0) | (0, _) => return Ok(None),
                _ => {}
            }
            let Some(end) = off.checked_add(len) else {
                return Ok(None);
            };
            if off < end_of_last || end > size {
                return Ok(None);
            }
            end_of_last = end;
            parts.push((off, len));
        }
        if parts.is_empty() {
            return Ok(None);
        }

        let avail = size.min(input.len());
        let mut notes = Vec::new();
        if avail < size {
            notes.push(format!(
                "image truncated: header says {size} bytes, {} present",
                input.len()
            ));
        }
        let mut regions = Vec::new();
        for (i, &(off, len)) in parts.iter().enumerate() {
            let to = off.saturating_add(len).min(avail);
            if off >= to {
                notes.push(format!("part-{i} at {off:#x} lies beyond the data"));
                continue;
            }
            regions.push(Region {
                name: format!("part-{i}"),
                offset: off as u64,
                data: data.slice(start + off..start + to),
            });
        }
        if regions.is_empty() {
            return Ok(None);
        }
        let mut p = Parsed::new(avail as u64, Output::Regions(regions));
        p.attrs = vec![
            ("size".to_owned(), size.to_string()),
            ("device-id".to_owned(), format!("{device:#06x}")),
            (
                "language".to_owned(),
                format!("{lang:#06x} ({})", language(lang)),
            ),
            ("parts".to_owned(), parts.len().to_string()),
        ];
        p.notes = notes;
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// An `IMG0` image of `size` bytes with these (offset, length) parts, part bytes 0xA0+i.
    fn build(size: usize, parts: &[(u32, u32)]) -> Vec<u8> {
        let mut img = vec![0u8; size];
        img[..4].copy_from_slice(b"IMG0");
        img[4..8].copy_from_slice(&(size as u32).to_be_bytes());
        img[8..12].copy_from_slice(&[0x07, 0x02, 0x11, 0x01]);
        img[12..16].copy_from_slice(&1u32.to_be_bytes());
        for (i, &(o, l)) in parts.iter().enumerate() {
            img[TABLE + 8 * i..TABLE + 8 * i + 4].copy_from_slice(&o.to_be_bytes());
            img[TABLE + 8 * i + 4..TABLE + 8 * i + 8].copy_from_slice(&l.to_be_bytes());
            let (o, l) = (o as usize, l as usize);
            img[o..o + l].fill(0xa0 + i as u8);
        }
        img
    }

    fn parse(d: Vec<u8>, at: usize) -> Option<Parsed> {
        TpLinkImg0
            .parse(&Bytes::from(d), at, &Ctx::new(Limits::default()))
            .unwrap()
    }

    fn layout(p: &Parsed) -> Vec<(String, u64, Vec<u8>)> {
        match &p.output {
            Output::Regions(r) => r
                .iter()
                .map(|r| (r.name.clone(), r.offset, r.data.to_vec()))
                .collect(),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn three_parts_like_the_wr702n_inner_header() {
        let img = build(0x200, &[(0x80, 0x75), (0x100, 0x40), (0x180, 0x80)]);
        let mut d = vec![0xffu8; 20];
        d.extend_from_slice(&img);
        d.extend_from_slice(b"trailer");
        let p = parse(d, 20).unwrap();
        assert_eq!(p.len, 0x200);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(
            layout(&p),
            [
                ("part-0".to_owned(), 0x80, vec![0xa0; 0x75]),
                ("part-1".to_owned(), 0x100, vec![0xa1; 0x40]),
                ("part-2".to_owned(), 0x180, vec![0xa2; 0x80]),
            ]
        );
        let attr = |k: &str| p.attrs.iter().find(|(a, _)| a == k).unwrap().1.clone();
        assert_eq!(attr("size"), "512");
        assert_eq!(attr("device-id"), "0x0702");
        assert_eq!(attr("language"), "0x1101 (English)");
        assert_eq!(attr("parts"), "3");
    }

    #[test]
    fn truncated_image_keeps_what_is_present() {
        let mut img = build(0x200, &[(0x80, 0x180)]);
        img.truncate(0x150);
        let p = parse(img, 0).unwrap();
        assert_eq!(p.len, 0x150);
        assert_eq!(layout(&p), [("part-0".to_owned(), 0x80, vec![0xa0; 0xd0])]);
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    }

    #[test]
    fn rejects_inconsistent_tables() {
        // No parts; part inside the header; part past the size; overlapping parts; a slot
        // with an offset but no length; a size smaller than the header.
        let bad: [(usize, &[(u32, u32)]); 5] = [
            (0x200, &[]),
            (0x200, &[(0x40, 0x10)]),
            (0x200, &[(0x80, 0x181)]),
            (0x200, &[(0x80, 0x90), (0x100, 0x10)]),
            (0x200, &[(0x80, 0x10), (0x100, 0)]),
        ];
        for (size, parts) in bad {
            let mut d = vec![0u8; size];
            d[..4].copy_from_slice(b"IMG0");
            d[4..8].copy_from_slice(&(size as u32).to_be_bytes());
            for (i, &(o, l)) in parts.iter().enumerate() {
                d[TABLE + 8 * i..TABLE + 8 * i + 4].copy_from_slice(&o.to_be_bytes());
                d[TABLE + 8 * i + 4..TABLE + 8 * i + 8].copy_from_slice(&l.to_be_bytes());
            }
            assert!(parse(d, 0).is_none(), "{parts:?}");
        }
        let mut small = build(0x200, &[(0x80, 0x10)]);
        small[4..8].copy_from_slice(&0x7fu32.to_be_bytes());
        assert!(parse(small, 0).is_none());
        // Every truncation of a valid header parses or declines without panicking.
        let img = build(0x200, &[(0x80, 0x75), (0x100, 0x40)]);
        for cut in 0..img.len() {
            let _ = parse(img[..cut].to_vec(), 0);
        }
    }

    /// Accepted structures and regions stay inside the input.
    fn check_bounds(d: &[u8], start: usize) {
        let d = Bytes::copy_from_slice(d);
        let Ok(Some(p)) = TpLinkImg0.parse(&d, start, &Ctx::new(Limits::default())) else {
            return;
        };
        let avail = (d.len() - start) as u64;
        assert!(p.len <= avail);
        if let Output::Regions(rs) = &p.output {
            for r in rs {
                assert!(r.offset >= HEADER_LEN as u64);
                assert!(r.offset + r.data.len() as u64 <= avail, "{}", r.name);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn hostile_headers_stay_in_bounds(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024),
            flips in proptest::collection::vec((0usize..0x80, proptest::prelude::any::<u8>()), 1..12),
            cut in 0usize..0x300,
        ) {
            let mut d = b"IMG0".to_vec();
            d.extend_from_slice(&body);
            check_bounds(&d, 0);
            let mut img = build(0x200, &[(0x80, 0x75), (0x100, 0x40), (0x180, 0x80)]);
            for &(at, v) in &flips {
                img[at] ^= v;
            }
            img[..4].copy_from_slice(b"IMG0");
            img.truncate(cut);
            check_bounds(&img, 0);
        }
    }
}
