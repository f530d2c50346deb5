//! Broadcom TRX container (`HDR0`): a 28- or 32-byte little-endian header (total length,
//! CRC-32, flags, version, 3 partition offsets in version 1, 4 in version 2) in front of the
//! loader, kernel and root file system of Broadcom-based routers.
//!
//! Parses: the header and the CRC-32 over everything after the CRC field up to the declared
//! length (Broadcom's variant: initial 0xFFFFFFFF, no final inversion). A mismatch is a note;
//! partitions are still returned. Yields regions `partition-0` … `partition-3`, each running
//! to the next partition's offset or the end of the image.
//!
//! Evidence: `version`, `flags`, `length`, `crc` (`ok`/`mismatch`), `partitions`.
//! Known false positives: `HDR0` is short; a candidate needs a version of 1 or 2, a length
//! that covers the header, and a first partition inside that length.
//! References: OpenWrt `tools/firmware-utils/src/trx.c`, Broadcom `trxhdr.h`.

use super::bytes_util::{u16le, u32le};
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::Result;
use bytes::Bytes;

const NAME: &str = "trx";

/// Broadcom TRX firmware container.
#[derive(Debug, Clone, Copy)]
pub struct Trx;

impl Format for Trx {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"HDR0",
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let (Some(len), Some(crc), Some(flags), Some(version)) = (
            u32le(input, 4),
            u32le(input, 8),
            u16le(input, 12),
            u16le(input, 14),
        ) else {
            return Ok(None);
        };
        let n_parts = match version {
            1 => 3,
            2 => 4,
            _ => return Ok(None),
        };
        let header_len = 16 + 4 * n_parts;
        let len = len as usize;
        if len < header_len {
            return Ok(None);
        }
        let mut offsets = Vec::with_capacity(n_parts);
        for i in 0..n_parts {
            let Some(o) = u32le(input, 16 + 4 * i) else {
                return Ok(None);
            };
            if o != 0 {
                offsets.push(o as usize);
            }
        }
        // Offsets must rise and lie inside the declared length.
        if offsets.is_empty()
            || offsets.windows(2).any(|w| w.first() >= w.get(1))
            || offsets.iter().any(|&o| o < header_len || o >= len)
        {
            return Ok(None);
        }

        let mut notes = Vec::new();
        let total = len.min(input.len());
        let crc_state = if total == len {
            let body = input.get(12..len).unwrap_or_default();
            if !crc32fast::hash(body) == crc {
                "ok"
            } else {
                notes.push(format!(
                    "CRC mismatch: header {crc:#010x}, computed {:#010x}",
                    !crc32fast::hash(body)
                ));
                "mismatch"
            }
        } else {
            notes.push(format!(
                "image truncated: header says {len} bytes, {} present",
                input.len()
            ));
            "unchecked"
        };

        let mut regions = Vec::new();
        for (i, &from) in offsets.iter().enumerate() {
            let to = offsets.get(i + 1).copied().unwrap_or(len).min(total);
            if from >= to {
                continue;
            }
            regions.push(Region {
                name: format!("partition-{i}"),
                offset: from as u64,
                data: data.slice(start + from..start + to),
            });
        }
        if regions.is_empty() {
            return Ok(None);
        }

        let mut parsed = Parsed::new(total as u64, Output::Regions(regions));
        parsed.attrs = vec![
            ("version".to_string(), version.to_string()),
            ("flags".to_string(), format!("{flags:#06x}")),
            ("length".to_string(), len.to_string()),
            ("crc".to_string(), crc_state.to_string()),
            ("partitions".to_string(), offsets.len().to_string()),
        ];
        parsed.notes = notes;
        Ok(Some(parsed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    fn build(version: u16, offsets: &[u32], body_len: usize) -> Vec<u8> {
        let hlen = if version == 2 { 32 } else { 28 };
        let total = hlen + body_len;
        let mut img = vec![0u8; total];
        img[0..4].copy_from_slice(b"HDR0");
        img[4..8].copy_from_slice(&(total as u32).to_le_bytes());
        img[12..14].copy_from_slice(&0u16.to_le_bytes());
        img[14..16].copy_from_slice(&version.to_le_bytes());
        for (i, o) in offsets.iter().enumerate() {
            img[16 + 4 * i..20 + 4 * i].copy_from_slice(&o.to_le_bytes());
        }
        for (i, b) in img[hlen..].iter_mut().enumerate() {
            *b = i as u8;
        }
        let crc = !crc32fast::hash(&img[12..]);
        img[8..12].copy_from_slice(&crc.to_le_bytes());
        img
    }

    fn parse(img: Vec<u8>) -> Option<Parsed> {
        Trx.parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap()
    }

    fn regions(p: &Parsed) -> Vec<(String, u64, usize)> {
        match &p.output {
            Output::Regions(r) => r
                .iter()
                .map(|r| (r.name.clone(), r.offset, r.data.len()))
                .collect(),
            other => panic!("not regions: {other:?}"),
        }
    }

    #[test]
    fn v1_three_partitions_crc_ok() {
        let p = parse(build(1, &[28, 100, 300], 400)).unwrap();
        assert_eq!(p.len, 428);
        assert_eq!(
            regions(&p),
            [
                ("partition-0".to_string(), 28, 72),
                ("partition-1".to_string(), 100, 200),
                ("partition-2".to_string(), 300, 128)
            ]
        );
        assert!(p.attrs.contains(&("crc".to_string(), "ok".to_string())));
        assert!(p.notes.is_empty());
    }

    #[test]
    fn v2_four_partitions_and_crc_mismatch() {
        let mut img = build(2, &[32, 64, 96, 128], 200);
        img[150] ^= 1;
        let p = parse(img).unwrap();
        assert_eq!(regions(&p).len(), 4);
        assert_eq!(regions(&p)[3], ("partition-3".to_string(), 128, 104));
        assert!(p
            .attrs
            .contains(&("crc".to_string(), "mismatch".to_string())));
        assert_eq!(p.notes.len(), 1);
        assert!(p.notes[0].starts_with("CRC mismatch"));
    }

    #[test]
    fn hostile_headers() {
        // Offsets past the length, falling offsets, bad version, tiny length.
        assert!(parse(build(1, &[28, 1000], 100)).is_none());
        assert!(parse(build(1, &[60, 40], 100)).is_none());
        assert!(parse(build(3, &[28], 100)).is_none());
        let mut img = build(1, &[28], 100);
        img[4..8].copy_from_slice(&4u32.to_le_bytes());
        assert!(parse(img).is_none());
        // Truncated: clamped, noted.
        let mut img = build(1, &[28], 100);
        img.truncate(64);
        let p = parse(img).unwrap();
        assert_eq!(regions(&p), [("partition-0".to_string(), 28, 36)]);
        assert!(p.notes[0].starts_with("image truncated"));
        for n in 0..28 {
            assert!(parse(build(1, &[28], 100)[..n].to_vec()).is_none());
        }
    }
}
