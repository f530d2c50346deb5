//! LZMA-alone (`.lzma`, LZMA SDK "LZMA_Alone") and its vendor variants.
//!
//! Layouts accepted:
//! - standard 13-byte header: props byte, u32 LE dictionary size, u64 LE uncompressed size
//!   (all-ones = unknown, stream then ends with an end marker);
//! - vendor 5-byte header without the size field (TP-Link, Broadcom sqlzma and other SDKs):
//!   recognised by byte 5 being the range coder's mandatory first byte 0x00; when bytes 5..13
//!   could also be a size, both layouts are tried and a complete decode wins; decoded until
//!   the end marker or the end of the input;
//! - non-standard properties (0x6C = lc0/lp2/pb2 of Broadcom, 0x6D, 0x6E = lc2/lp2/pb2 and
//!   0x5A = lc0/lp0/pb2 of TP-Link VxWorks images, …): any props byte with
//!   lc+lp ≤ 4 and pb ≤ 4 (what liblzma accepts for LZMA1).
//!
//! See `/work/shared/notes/squashfs-vendor-variants.md` §A for the facts behind these.
//!
//! Cheap rejection before decoding: props valid, dictionary 4 KiB..=256 MiB, first range-coder
//! byte 0x00, a declared size (when present) that is non-zero and below 1 TiB. Decoding must
//! then reach the end marker or the declared size, or produce at least [`MIN_OUTPUT`] bytes
//! before the input ends or an error (kept as a note).
//! Decoder: `lzma-rust2`'s sans-I/O `LzmaStream`. The dictionary is clamped to the output cap
//! (a window larger than the whole output is never used), bounding memory.
//!
//! Known false positives: a stream without size or end marker swallows whatever follows it
//! (the format has no way to say where it ends); its `len` is where decoding stopped, which
//! may be after trailing bytes. Scan magics cover props 0x5D/0x6C/0x6D/0x6E/0x5A with
//! power-of-two dictionaries 64 KiB..64 MiB; other headers parse when the engine calls at
//! their offset.
//! Reference: LZMA SDK `lzma.txt` / `LzmaDec.c`.

use super::bytes_util::{pump, truncation_note, u32le, u64le, u8_at, RunThenFinish};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;
use lzma_rust2::{LzmaStream, Status};

const NAME: &str = "lzma";
/// Smallest output accepted from a stream of unknown size.
const MIN_OUTPUT: usize = 64;

/// Scan magics: props byte, then a power-of-two dictionary of 64 KiB..64 MiB (bytes 1..5,
/// little-endian). One row per props byte.
macro_rules! lzma_magics {
    ($($p:literal),* $(,)?) => {
        [$(
            Magic { bytes: &[$p, 0, 0, 0x01, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x02, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x04, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x08, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x10, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x20, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x40, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0x80, 0], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0, 0x01], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0, 0x02], offset: 0 },
            Magic { bytes: &[$p, 0, 0, 0, 0x04], offset: 0 },
        )*]
    };
}

/// 0x5D: the LZMA SDK default (lc3/lp0/pb2); 0x6C/0x6D: Broadcom and OpenWrt encoders;
/// 0x6E (lc2/lp2/pb2): TP-Link VxWorks boot loaders and OS images; 0x5A (lc0/lp0/pb2): the
/// per-file streams of TP-Link's VxWorks web file system.
static MAGICS: [Magic; 55] = lzma_magics![0x5d, 0x6c, 0x6d, 0x6e, 0x5a];

#[derive(Debug)]
pub struct Lzma;

/// Split a props byte into (lc, lp, pb) if it is one LZMA1 decoders accept.
pub(crate) fn split_props(props: u8) -> Option<(u32, u32, u32)> {
    if props >= 225 {
        return None;
    }
    let p = u32::from(props);
    let (lc, lp, pb) = (p % 9, (p / 9) % 5, p / 45);
    (lc + lp <= 4 && pb <= 4).then_some((lc, lp, pb))
}

impl Format for Lzma {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &MAGICS
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let (Some(props), Some(dict)) = (u8_at(input, 0), u32le(input, 1)) else {
            return Ok(None);
        };
        if split_props(props).is_none() || !(4096..=256 << 20).contains(&dict) {
            return Ok(None);
        }
        // Which header layout: a plausible size (or all-ones) followed by the range coder's
        // zero byte → 13 bytes; a zero at byte 5 → the 5-byte vendor header. When both fit,
        // both are tried and a complete decode wins over a damaged one.
        let b13 = u8_at(input, 13) == Some(0);
        let mut layouts: Vec<(usize, Option<u64>)> = Vec::new();
        match u64le(input, 5) {
            Some(u64::MAX) if b13 => layouts.push((13, None)),
            Some(s) if s > 0 && s < 1 << 40 && b13 => layouts.push((13, Some(s))),
            _ => {}
        }
        if u8_at(input, 5) == Some(0) {
            layouts.push((5, None));
        }
        let mut fallback = None;
        for (header_len, known_size) in layouts {
            let Some(p) = decode_layout(input, start, ctx, props, dict, header_len, known_size)?
            else {
                continue;
            };
            if p.notes.is_empty() {
                return Ok(Some(p));
            }
            fallback.get_or_insert(p);
        }
        Ok(fallback)
    }
}

/// Decode with one header layout; `Ok(None)` when it does not produce a plausible stream.
fn decode_layout(
    input: &[u8],
    start: usize,
    ctx: &Ctx,
    props: u8,
    dict: u32,
    header_len: usize,
    known_size: Option<u64>,
) -> crate::Result<Option<Parsed>> {
    let cap = ctx.output_cap(input.len() as u64);
    let limit = known_size.map_or(cap, |s| s.min(cap.saturating_add(1)));
    let dict_eff = u64::from(dict).min(limit.max(4096));
    let dict_eff = u32::try_from(dict_eff).unwrap_or(dict);
    let Ok(mut s) =
        LzmaStream::new_with_props(known_size.unwrap_or(u64::MAX), props, dict_eff, None)
    else {
        return Ok(None);
    };
    let body = input.get(header_len..).unwrap_or_default();
    let mut phase = RunThenFinish::default();
    let dec = match pump(NAME, start, ctx, cap, body, |i, o| {
        let r = s.process(i, o, phase.action()).map_err(|e| e.to_string())?;
        phase.saw(i, r.bytes_consumed, r.bytes_produced);
        Ok((
            r.bytes_consumed,
            r.bytes_produced,
            r.status == Status::StreamEnd,
        ))
    }) {
        Ok(d) => d,
        Err(crate::Error::Malformed { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let unused = if dec.complete {
        s.unused_input().len()
    } else {
        0
    };
    let consumed = dec.consumed.saturating_sub(unused);
    // A stream that reached its end marker (or its declared size) is strong evidence
    // whatever its length; one cut short must at least have produced MIN_OUTPUT bytes.
    let enough = !dec.data.is_empty() && (dec.complete || dec.data.len() >= MIN_OUTPUT);
    if !enough {
        return Ok(None);
    }
    let mut notes = Vec::new();
    // Without a size field, running out of input is how such streams normally end.
    let ended_by_input = known_size.is_none() && dec.error.is_none() && consumed >= body.len();
    if !ended_by_input {
        if let Some(n) = truncation_note(&dec) {
            notes.push(n);
        }
    }
    let mut p = Parsed::new(
        (header_len + consumed) as u64,
        Output::Stream {
            data: Bytes::from(dec.data),
            name: None,
        },
    );
    p.attrs.push(("props".to_owned(), format!("{props:#04x}")));
    p.attrs.push(("dictionary".to_owned(), dict.to_string()));
    if header_len == 5 {
        p.attrs
            .push(("header".to_owned(), "5-byte (no size field)".to_owned()));
    }
    p.notes = notes;
    Ok(Some(p))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use lzma_rust2::{LzmaOptions, LzmaWriter};
    use std::io::Write;

    fn sample() -> Vec<u8> {
        (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect()
    }

    fn enc(data: &[u8], lc: u32, lp: u32, pb: u32, size: bool, eos: bool) -> Vec<u8> {
        let mut o = LzmaOptions::with_preset(1);
        o.lc = lc;
        o.lp = lp;
        o.pb = pb;
        o.dict_size = 1 << 16;
        let mut w =
            LzmaWriter::new(Vec::new(), &o, true, eos, size.then_some(data.len() as u64)).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn out(p: &Parsed) -> &[u8] {
        match &p.output {
            Output::Stream { data, .. } => data,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn standard_with_size_and_trailing() {
        let d = sample();
        let mut f = enc(&d, 3, 0, 2, true, false);
        assert_eq!(f[0], 0x5d);
        let n = f.len();
        f.extend_from_slice(&[0xaa; 100]);
        let p = Lzma
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(out(&p), &d[..]);
        assert!(
            p.len as usize >= n - 1 && p.len as usize <= n,
            "{} vs {n}",
            p.len
        );
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn truncated_stream_keeps_what_the_cut_input_decodes_to() {
        // A final `Finish` call that fails used to drop the whole last 64 KiB output buffer
        // of a cut-off stream (decoded data lost: partial dumps, truncated images).
        let d: Vec<u8> = (0..40_000u32)
            .flat_map(|i| format!("line {i} of the log\n").into_bytes())
            .collect();
        let f = enc(&d, 3, 0, 2, true, false);
        let cut = f.len() * 3 / 5;
        let p = Lzma
            .parse(
                &Bytes::from(f[..cut].to_vec()),
                0,
                &Ctx::new(Limits::default()),
            )
            .unwrap()
            .unwrap();
        let got = out(&p);
        assert!(
            d.starts_with(got),
            "decoded bytes are a prefix of the original"
        );
        // liblzma (xz 5.4 through Python's lzma module) decodes 468,519 bytes from this cut
        // (4,513 compressed bytes of this encoder's output); the decoder here gives back what
        // the last few input bytes decode to (it checks a symbol's end against the real
        // input), the old code 458,752 (seven whole 64 KiB buffers).
        assert!(
            got.len() + 512 >= 468_519,
            "{} bytes decoded from the cut stream",
            got.len()
        );
        assert_eq!(p.notes.len(), 1, "{:?}", p.notes);
    }

    #[test]
    fn unknown_size_with_end_marker() {
        let d = sample();
        let mut f = enc(&d, 3, 0, 2, false, true);
        assert_eq!(&f[5..13], &[0xff; 8]);
        let n = f.len();
        f.extend_from_slice(b"trailing data");
        let p = Lzma
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(out(&p), &d[..]);
        assert_eq!(p.len as usize, n);
    }

    #[test]
    fn vendor_five_byte_header_with_broadcom_props() {
        let d = sample();
        let f = enc(&d, 0, 2, 2, false, true);
        assert_eq!(f[0], 0x6c);
        // Drop the 8-byte size field, as sqlzma / TP-Link encoders do.
        let mut v = f[..5].to_vec();
        v.extend_from_slice(&f[13..]);
        let p = Lzma
            .parse(&Bytes::from(v), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(out(&p), &d[..]);
        assert!(p.attrs.iter().any(|(k, _)| k == "header"));
    }

    #[test]
    fn tplink_vxworks_props_with_8mib_dictionary_are_scan_magics() {
        let d = sample();
        // 0x6E (lc2/lp2/pb2): WR702N boot loader and OS; 0x5A (lc0/lp0/pb2): its web files.
        for (lc, lp, pb, props) in [(2, 2, 2, 0x6e_u8), (0, 0, 2, 0x5a)] {
            let mut f = enc(&d, lc, lp, pb, true, false);
            assert_eq!(f[0], props);
            // The images declare an 8 MiB dictionary; a larger window decodes the same stream.
            f[1..5].copy_from_slice(&(8u32 << 20).to_le_bytes());
            assert!(
                MAGICS.iter().any(|m| m.bytes == &f[..5]),
                "{props:#x} not a scan magic"
            );
            let n = f.len();
            let mut img = vec![0u8; 100];
            img.extend_from_slice(&f);
            img.extend_from_slice(&[0x5a, 0, 0, 0x80, 0, 3]);
            let p = Lzma
                .parse(&Bytes::from(img), 100, &Ctx::new(Limits::default()))
                .unwrap()
                .unwrap();
            assert_eq!(out(&p), &d[..]);
            assert!(p.len as usize >= n - 1 && p.len as usize <= n, "{}", p.len);
            assert!(p.notes.is_empty(), "{:?}", p.notes);
            let props_attr = format!("{props:#04x}");
            assert!(p.attrs.contains(&("props".to_owned(), props_attr)));
            assert!(p
                .attrs
                .contains(&("dictionary".to_owned(), "8388608".to_owned())));
        }
    }

    #[test]
    fn rejects_bad_props_and_dict_cheaply() {
        let ctx = Ctx::new(Limits::default());
        // lc=4 lp=4: lc+lp > 4.
        let bad = [
            4 + 9 * 4,
            0,
            0,
            1,
            0,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0,
            0,
        ];
        assert!(Lzma
            .parse(&Bytes::copy_from_slice(&bad), 0, &ctx)
            .unwrap()
            .is_none());
        let tiny_dict = [
            0x5d, 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,
        ];
        assert!(Lzma
            .parse(&Bytes::copy_from_slice(&tiny_dict), 0, &ctx)
            .unwrap()
            .is_none());
        assert_eq!(split_props(0x5d), Some((3, 0, 2)));
        assert_eq!(split_props(0x6d), Some((1, 2, 2)));
    }

    #[test]
    fn truncated_and_bomb() {
        let d = sample();
        let f = enc(&d, 3, 0, 2, true, false);
        for cut in [5, 13, 14, 40, f.len() / 2, f.len() - 2] {
            let _ = Lzma.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
        let bomb = enc(&vec![0u8; 4 << 20], 3, 0, 2, true, false);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Lzma.parse(&Bytes::from(bomb), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
