//! Hostile-input properties of the header and container formats: no panic, and every
//! accepted structure and region lies inside the input, for arbitrary bytes behind each
//! format's magic and for byte-flipped real headers.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use baseline_unpack::formats::registry;
use baseline_unpack::{Ctx, Format, Limits, Output};
use bytes::Bytes;
use proptest::prelude::*;

const MINE: [&str; 7] = [
    "esp", "fit", "tplink", "trx", "ubootenv", "uimage", "zimage",
];

fn mine() -> Vec<&'static dyn Format> {
    registry()
        .iter()
        .copied()
        .filter(|f| MINE.contains(&f.name()))
        .collect()
}

/// Parse at `start` and check the result's bounds against the input.
fn check(f: &dyn Format, d: &Bytes, start: usize) {
    let Ok(Some(p)) = f.parse(d, start, &Ctx::new(Limits::default())) else {
        return;
    };
    let avail = (d.len() - start.min(d.len())) as u64;
    assert!(p.len <= avail, "{}: len {} > {avail}", f.name(), p.len);
    if let Output::Regions(rs) = &p.output {
        for r in rs {
            assert!(
                r.offset + r.data.len() as u64 <= avail,
                "{}: region {} outside input",
                f.name(),
                r.name
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_behind_each_magic(body in proptest::collection::vec(any::<u8>(), 0..2048),
                                         pad in 0usize..8) {
        for f in mine() {
            for m in f.magics() {
                // Place the magic where the format expects it, random bytes around it.
                let mut d = vec![0u8; pad];
                let start = pad;
                let mut rest = body.clone();
                if rest.len() < m.offset + m.bytes.len() {
                    rest.resize(m.offset + m.bytes.len(), 0);
                }
                rest[m.offset..m.offset + m.bytes.len()].copy_from_slice(m.bytes);
                d.extend(rest);
                let d = Bytes::from(d);
                check(f, &d, start);
                check(f, &d, 0);
                check(f, &d, d.len());
            }
        }
    }

    #[test]
    fn flipped_bytes_in_valid_looking_headers(flips in proptest::collection::vec((0usize..0x240, any::<u8>()), 1..12),
                                             cut in 0usize..0x400) {
        // A TP-Link v1 header, a uImage header and an FDT header with plausible fields.
        let mut tp = vec![0u8; 0x400];
        tp[..4].copy_from_slice(&[1, 0, 0, 0]);
        tp[4..11].copy_from_slice(b"TP-LINK");
        tp[0x1c..0x24].copy_from_slice(b"ver. 1.0");
        tp[0x7c..0x80].copy_from_slice(&0x400u32.to_be_bytes());
        tp[0x80..0x84].copy_from_slice(&0x200u32.to_be_bytes());
        tp[0x84..0x88].copy_from_slice(&0x100u32.to_be_bytes());
        let mut fdt = vec![0u8; 0x400];
        for (i, v) in [0xd00d_feedu32, 0x400, 0x38, 0x100, 0x28, 17, 16, 0, 0x10, 0xc8].iter().enumerate() {
            fdt[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
        }
        fdt[0x38..0x3c].copy_from_slice(&1u32.to_be_bytes());
        let mut trx = vec![0u8; 0x400];
        trx[..4].copy_from_slice(b"HDR0");
        trx[4..8].copy_from_slice(&0x400u32.to_le_bytes());
        trx[14] = 1;
        trx[16] = 28;
        for base in [tp, fdt, trx] {
            let mut d = base.clone();
            for &(at, v) in &flips {
                d[at] ^= v;
            }
            d.truncate(cut.max(1));
            let d = Bytes::from(d);
            for f in mine() {
                check(f, &d, 0);
            }
        }
    }
}
