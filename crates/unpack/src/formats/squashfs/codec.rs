//! Block decoders for every squashfs compressor and the vendor LZMA codings.
//!
//! Owns: turning one metadata, data or fragment block into its bytes, never more than the
//! caller's maximum, trying codings in sasquatch's order when the superblock's compressor
//! does not fit (vendors change the LZMA coding without changing the compression id), and
//! remembering per image which coding worked so later blocks try it first.
//! Never does: read tables, trust a size from the block itself beyond the caller's maximum.
//!
//! LZMA codings (see `shared/notes/squashfs-vendor-variants.md`): 13-byte `.lzma` header
//! (squashfs-tools v4, any props byte, e.g. TP-Link's 0x6D); 5-byte header without size
//! (Broadcom sqlzma, many SDKs); headerless lc3/lp0/pb2 with end marker (Freetz/AVM v2,
//! "zlib-compatible" wrappers); DD-WRT's 4-byte pb/lc/lp prefix; and a bounded search of
//! offset 0..10 × lc/lp/pb (sasquatch's "lzma-adaptive"), all on the pure-Rust lzma-rust2.

use std::io::Read;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Failed brute-force searches allowed per image: each costs hundreds of trial decodes, so
/// a damaged or hostile image must not trigger one per block.
const MAX_FAILED_SEARCHES: u32 = 4;

/// On-disk compression ids of squashfs 4 (v2/v3 are always "gzip" on disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Lzma,
    Lzo,
    Xz,
    Lz4,
    Zstd,
}

impl Compression {
    pub(crate) fn from_id(id: u16) -> Option<Self> {
        Some(match id {
            1 => Compression::Gzip,
            2 => Compression::Lzma,
            3 => Compression::Lzo,
            4 => Compression::Xz,
            5 => Compression::Lz4,
            6 => Compression::Zstd,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Lzma => "lzma",
            Compression::Lzo => "lzo",
            Compression::Xz => "xz",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// One concrete way of decoding a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Zlib,
    Lzo,
    Xz,
    Lz4,
    Zstd,
    /// Props byte, u32 dictionary, u64 size, then the stream.
    Lzma13,
    /// Props byte and u32 dictionary at `offset`, then the stream, no size field.
    Lzma5 {
        offset: u8,
    },
    /// Headerless stream at `offset` with fixed parameters.
    LzmaRaw {
        offset: u8,
        lc: u8,
        lp: u8,
        pb: u8,
    },
    /// DD-WRT: pb, lc, lp, unused, then the stream; parameters may change per block.
    DdWrt,
}

impl Method {
    pub(crate) fn is_lzma(self) -> bool {
        matches!(
            self,
            Method::Lzma13 | Method::Lzma5 { .. } | Method::LzmaRaw { .. } | Method::DdWrt
        )
    }

    pub(crate) fn describe(self) -> String {
        match self {
            Method::Zlib => "zlib".into(),
            Method::Lzo => "lzo".into(),
            Method::Xz => "xz".into(),
            Method::Lz4 => "lz4".into(),
            Method::Zstd => "zstd".into(),
            Method::Lzma13 => "lzma (13-byte header)".into(),
            Method::Lzma5 { offset: 0 } => "lzma (5-byte header, no size)".into(),
            Method::Lzma5 { offset } => format!("lzma (5-byte header at +{offset}, no size)"),
            Method::LzmaRaw { offset, lc, lp, pb } => {
                format!("lzma (headerless at +{offset}, lc{lc} lp{lp} pb{pb})")
            }
            Method::DdWrt => "lzma (dd-wrt 4-byte prefix)".into(),
        }
    }
}

const RAW_FIXED: Method = Method::LzmaRaw {
    offset: 0,
    lc: 3,
    lp: 0,
    pb: 2,
};

/// Per-image decoder: the superblock's compressor first, then the fallback chain.
#[derive(Debug)]
pub(crate) struct Codec {
    chain: Vec<Method>,
    /// Whether the bounded lc/lp/pb search may run (only for LZMA-ish images: it is costly).
    adaptive: bool,
    sticky: Mutex<Option<Method>>,
    used: Mutex<Vec<Method>>,
    failed_searches: AtomicU32,
}

impl Codec {
    /// `primary`: the compressor named by the superblock (`None` for v2/v3, where zlib is the
    /// default and LZMA variants are recognised per block).
    pub(crate) fn new(primary: Option<Compression>, lzma_hint: bool) -> Self {
        let lzma_family = [
            Method::Lzma13,
            Method::Lzma5 { offset: 0 },
            RAW_FIXED,
            Method::DdWrt,
            Method::Lzma5 { offset: 4 },
        ];
        let mut chain = Vec::new();
        match primary {
            Some(Compression::Gzip) | None => chain.push(Method::Zlib),
            Some(Compression::Lzma) => chain.extend(lzma_family),
            Some(Compression::Lzo) => chain.push(Method::Lzo),
            Some(Compression::Xz) => chain.push(Method::Xz),
            Some(Compression::Lz4) => chain.push(Method::Lz4),
            Some(Compression::Zstd) => chain.push(Method::Zstd),
        }
        if lzma_hint {
            chain.splice(0..0, lzma_family);
        }
        // The rest in sasquatch's table order, but only codings that validate themselves
        // (zlib's Adler-32, xz's check, zstd's magic, LZMA's size or end marker): LZO and LZ4
        // "decode" most garbage into a few bytes, so they are tried only when named.
        for m in [Method::Zlib, Method::Xz, Method::Zstd]
            .into_iter()
            .chain(lzma_family)
        {
            if !chain.contains(&m) {
                chain.push(m);
            }
        }
        let adaptive = lzma_hint || primary.is_none() || primary == Some(Compression::Lzma);
        Codec {
            chain,
            adaptive,
            sticky: Mutex::new(None),
            used: Mutex::new(Vec::new()),
            failed_searches: AtomicU32::new(0),
        }
    }

    /// Codings that decoded at least one block, in first-use order (for `attrs`).
    pub(crate) fn used(&self) -> Vec<Method> {
        self.used.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// Decode one block to at most `max_out` bytes; `exact` when the real size is known.
    pub(crate) fn decode(
        &self,
        src: &[u8],
        max_out: usize,
        exact: Option<usize>,
    ) -> Option<Vec<u8>> {
        let sticky = self.sticky.lock().ok().and_then(|s| *s);
        if let Some(m) = sticky {
            if let Some(out) = run(m, src, max_out, exact) {
                return Some(out);
            }
        }
        for &m in &self.chain {
            if Some(m) == sticky {
                continue;
            }
            if let Some(out) = run(m, src, max_out, exact) {
                self.remember(m);
                return Some(out);
            }
        }
        if self.adaptive && self.failed_searches.load(Ordering::Relaxed) < MAX_FAILED_SEARCHES {
            if let Some((m, out)) = adaptive_search(src, max_out, exact) {
                self.remember(m);
                return Some(out);
            }
            self.failed_searches.fetch_add(1, Ordering::Relaxed);
        }
        None
    }

    fn remember(&self, m: Method) {
        if let Ok(mut s) = self.sticky.lock() {
            *s = Some(m);
        }
        if let Ok(mut u) = self.used.lock() {
            if !u.contains(&m) {
                u.push(m);
            }
        }
    }
}

fn fits(len: usize, max_out: usize, exact: Option<usize>) -> bool {
    len > 0 && len <= max_out && exact.is_none_or(|e| e == len)
}

fn run(m: Method, src: &[u8], max_out: usize, exact: Option<usize>) -> Option<Vec<u8>> {
    let out = match m {
        Method::Zlib => {
            let (&cmf, &flg) = (src.first()?, src.get(1)?);
            if cmf & 0x0f != 8 || (u16::from(cmf) * 256 + u16::from(flg)) % 31 != 0 {
                return None;
            }
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(src, max_out).ok()?
        }
        Method::Lzo => {
            let mut out = Vec::new();
            crate::formats::lzo::lzo1x_decompress(src, &mut out, max_out).ok()?;
            out
        }
        Method::Lz4 => {
            let mut buf = vec![0u8; max_out];
            let n = lz4_flex::block::decompress_into(src, &mut buf).ok()?;
            buf.truncate(n);
            buf
        }
        Method::Xz => {
            if !src.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
                return None;
            }
            // mksquashfs sets the xz dictionary to the block size (≤ 1 MiB); a header asking
            // for more than 16 MiB of decoder memory is hostile.
            let reader = lzma_rust2::XzReader::new_mem_limit(src, false, 16 * 1024);
            read_bounded(reader, max_out).filter(|(_, clean)| *clean)?.0
        }
        Method::Zstd => {
            if !src.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                return None;
            }
            // The decoder reserves the frame's window up front; squashfs frames need no more
            // than a block, so a header asking for more than 16 MiB is hostile.
            if zstd_window(src)? > 16 << 20 {
                return None;
            }
            let mut s = src;
            let reader = ruzstd::decoding::StreamingDecoder::new(&mut s).ok()?;
            read_bounded(reader, max_out).filter(|(_, clean)| *clean)?.0
        }
        Method::Lzma13 => {
            let props = *src.first()?;
            let size = u64::from_le_bytes(src.get(5..13)?.try_into().ok()?);
            let size = usize::try_from(size).ok().filter(|&s| s <= max_out)?;
            lzma(
                src.get(13..)?,
                Params::from_props(props)?,
                Some(size),
                max_out,
            )?
            .0
        }
        Method::Lzma5 { offset } => {
            let body = src.get(usize::from(offset)..)?;
            let p = Params::from_props(*body.first()?)?;
            // Encoders never write a dictionary below 4 KiB; zeros here are not a header.
            let dict = u32::from_le_bytes(body.get(1..5)?.try_into().ok()?);
            if !(4096..=1 << 30).contains(&dict) {
                return None;
            }
            let stream = body.get(5..)?;
            if stream.first() != Some(&0) {
                return None;
            }
            // The 13-byte form also has a zero at byte 5 when its size is a multiple of 256:
            // if bytes 5..13 are a size that fits and the stream proper starts at byte 13,
            // this is that form (sasquatch's test), and decoding it here would yield garbage.
            let size = u64::from_le_bytes(body.get(5..13)?.try_into().ok()?);
            if size <= max_out as u64 && body.get(13) == Some(&0) {
                return None;
            }
            // Unknown size: let the decoder stop at the maximum (a full block) or when the
            // input runs out (a shorter one).
            let declared = exact.unwrap_or(max_out);
            let (out, _clean) = lzma(stream, p, Some(declared), max_out)?;
            out
        }
        Method::LzmaRaw { offset, lc, lp, pb } => {
            let stream = src.get(usize::from(offset)..)?;
            if stream.first() != Some(&0) {
                return None;
            }
            let (out, clean) = lzma(stream, Params { lc, lp, pb }, exact, max_out)?;
            if !clean && exact.is_none() {
                return None;
            }
            out
        }
        Method::DdWrt => {
            let (&pb, &lc, &lp) = (src.first()?, src.get(1)?, src.get(2)?);
            if pb > 4 || lc > 4 || lp > 4 || lc + lp > 4 {
                return None;
            }
            let stream = src.get(4..)?;
            if stream.first() != Some(&0) {
                return None;
            }
            let (out, clean) = lzma(stream, Params { lc, lp, pb }, exact, max_out)?;
            if !clean && exact.is_none() {
                return None;
            }
            out
        }
    };
    fits(out.len(), max_out, exact).then_some(out)
}

/// Window size a zstd frame header declares (RFC 8878 §3.1.1.1).
fn zstd_window(src: &[u8]) -> Option<u64> {
    let fhd = *src.get(4)?;
    let single_segment = fhd & 0x20 != 0;
    if !single_segment {
        let wd = *src.get(5)?;
        let base = 1u64 << (10 + u32::from(wd >> 3));
        return Some(base + (base / 8) * u64::from(wd & 7));
    }
    // Single segment: the window is the frame content size.
    let dict_len = match fhd & 3 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => 4,
    };
    let at = 5 + dict_len;
    Some(match fhd >> 6 {
        0 => u64::from(*src.get(at)?),
        1 => u64::from(u16::from_le_bytes(src.get(at..at + 2)?.try_into().ok()?)) + 256,
        2 => u64::from(u32::from_le_bytes(src.get(at..at + 4)?.try_into().ok()?)),
        _ => u64::from_le_bytes(src.get(at..at + 8)?.try_into().ok()?),
    })
}

/// sasquatch's "lzma-adaptive": try offsets 0..10 (where the range coder's zero byte sits)
/// and every lc/lp/pb with lc+lp ≤ 4; accept a clean end (marker) or the exact size.
fn adaptive_search(src: &[u8], max_out: usize, exact: Option<usize>) -> Option<(Method, Vec<u8>)> {
    for offset in 0u8..=10 {
        let Some(stream) = src.get(usize::from(offset)..) else {
            break;
        };
        if stream.first() != Some(&0) {
            continue;
        }
        for lc in 0u8..=4 {
            for lp in 0u8..=(4 - lc) {
                for pb in 0u8..=4 {
                    let m = Method::LzmaRaw { offset, lc, lp, pb };
                    if m == RAW_FIXED {
                        continue;
                    }
                    if let Some(out) = run(m, src, max_out, exact) {
                        return Some((m, out));
                    }
                }
            }
        }
    }
    None
}

#[derive(Debug, Clone, Copy)]
struct Params {
    lc: u8,
    lp: u8,
    pb: u8,
}

impl Params {
    fn from_props(props: u8) -> Option<Params> {
        if props >= 225 {
            return None;
        }
        let lc = props % 9;
        let lp = (props / 9) % 5;
        let pb = props / 45;
        (lc + lp <= 4).then_some(Params { lc, lp, pb })
    }
}

/// Decode a raw LZMA1 stream. The dictionary is sized by the output bound, not by the
/// (untrusted) header: no match can reach further back than the block's own output.
/// Returns the bytes and whether the stream ended cleanly (marker or declared size).
/// Streams without marker and without known size end when the input runs out; what was
/// decoded by then is returned with `clean = false`.
fn lzma(stream: &[u8], p: Params, size: Option<usize>, max_out: usize) -> Option<(Vec<u8>, bool)> {
    let dict = u32::try_from(max_out.max(4096)).ok()?;
    let declared = size.map_or(u64::MAX, |s| s as u64);
    let mut reader = lzma_rust2::LzmaReader::new(
        stream,
        declared,
        u32::from(p.lc),
        u32::from(p.lp),
        u32::from(p.pb),
        dict,
        None,
    )
    .ok()?;
    reader.set_defer_errors(true);
    read_bounded(reader, max_out)
}

/// Read a decoder into at most `max_out` bytes. `None` when it would produce more;
/// otherwise the bytes and whether it reached its end without an error.
fn read_bounded(mut reader: impl Read, max_out: usize) -> Option<(Vec<u8>, bool)> {
    let mut out = vec![0u8; max_out.saturating_add(1)];
    let mut filled = 0usize;
    loop {
        let dst = out.get_mut(filled..)?;
        if dst.is_empty() {
            return None;
        }
        match reader.read(dst) {
            Ok(0) => {
                out.truncate(filled);
                return Some((out, true));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => {
                out.truncate(filled);
                return Some((out, false));
            }
        }
        if filled > max_out {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    #[test]
    fn zlib_block_round_trips_and_respects_bounds() {
        let data = b"squashfs squashfs squashfs squashfs".repeat(20);
        let c = Codec::new(Some(Compression::Gzip), false);
        let z = zlib(&data);
        assert_eq!(c.decode(&z, 8192, None).unwrap(), data);
        assert_eq!(c.decode(&z, 8192, Some(data.len())).unwrap(), data);
        // Output larger than allowed: rejected, not truncated.
        assert!(c.decode(&z, 100, None).is_none());
        assert!(c.decode(&z, 8192, Some(data.len() + 1)).is_none());
    }

    fn lzma_raw(data: &[u8], lc: u32, lp: u32, pb: u32, end_marker: bool) -> Vec<u8> {
        use std::io::Write;
        let mut opts = lzma_rust2::LzmaOptions::with_preset(6);
        opts.lc = lc;
        opts.lp = lp;
        opts.pb = pb;
        opts.dict_size = 1 << 16;
        let mut w = lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &opts, end_marker).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn props(lc: u8, lp: u8, pb: u8) -> u8 {
        (pb * 5 + lp) * 9 + lc
    }

    fn sample() -> Vec<u8> {
        (0..6000u32)
            .map(|i| ((i * i) % 97) as u8)
            .chain(b"tail text tail text".iter().copied())
            .collect()
    }

    #[test]
    fn lzma_13_byte_header_with_vendor_props() {
        // TP-Link: props 0x6D (lc1 lp2 pb2), size field present, no end marker. A size that
        // is a multiple of 256 puts a zero at byte 5, as the 5-byte form has.
        let mut data = sample();
        data.resize(6144, b'x');
        let mut block = vec![props(1, 2, 2)];
        block.extend(8192u32.to_le_bytes());
        block.extend((data.len() as u64).to_le_bytes());
        block.extend(lzma_raw(&data, 1, 2, 2, false));
        let c = Codec::new(Some(Compression::Lzma), false);
        assert!(c.decode(&block, 8192, None).unwrap() == data);
        assert_eq!(c.used(), [Method::Lzma13]);
        // Never mistaken for the 5-byte form, even when that coding is sticky.
        assert!(run(Method::Lzma5 { offset: 0 }, &block, 8192, Some(data.len())).is_none());
    }

    #[test]
    fn lzma_5_byte_header_without_size_or_marker() {
        // Broadcom sqlzma: props 0x6C (lc0 lp2 pb2), dictionary, stream; no size, no marker.
        let data = sample();
        let mut block = vec![props(0, 2, 2)];
        block.extend((1u32 << 20).to_le_bytes());
        block.extend(lzma_raw(&data, 0, 2, 2, false));
        let c = Codec::new(None, true);
        // Without size or marker the end is where the input runs out; the range coder's
        // flushed bytes may decode to a byte or two more, which no table references.
        let got = c.decode(&block, 8192, None).unwrap();
        assert!(got.starts_with(&data) && got.len() - data.len() < 4);
        assert!(c.decode(&block, 65536, Some(data.len())).unwrap() == data);
        assert_eq!(c.used(), [Method::Lzma5 { offset: 0 }]);
        // The same image may mix in zlib blocks.
        let z = zlib(b"zlib block in an lzma image");
        assert_eq!(
            c.decode(&z, 8192, None).unwrap(),
            b"zlib block in an lzma image"
        );
    }

    #[test]
    fn headerless_lzma_fixed_params_with_marker() {
        // Freetz/AVM v2 "zlib-compatible" wrapper: lc3 lp0 pb2, end marker, no header.
        let data = sample();
        let block = lzma_raw(&data, 3, 0, 2, true);
        let c = Codec::new(None, true);
        assert!(c.decode(&block, 8192, None).unwrap() == data);
        assert_eq!(c.used(), [RAW_FIXED]);
    }

    #[test]
    fn ddwrt_prefix_params_per_block() {
        let data = sample();
        let c = Codec::new(None, true);
        for (lc, lp, pb) in [(1u8, 0u8, 0u8), (0, 2, 1)] {
            let mut block = vec![pb, lc, lp, 0];
            block.extend(lzma_raw(&data, lc.into(), lp.into(), pb.into(), true));
            assert!(c.decode(&block, 8192, None).unwrap() == data);
        }
        assert!(c.used().contains(&Method::DdWrt));
    }

    #[test]
    fn adaptive_search_finds_unknown_params_and_offset() {
        let data = sample();
        let mut block = vec![0x11, 0x22];
        block.extend(lzma_raw(&data, 0, 1, 3, true));
        let c = Codec::new(Some(Compression::Lzma), false);
        assert!(c.decode(&block, 8192, None).unwrap() == data);
        let found = Method::LzmaRaw {
            offset: 2,
            lc: 0,
            lp: 1,
            pb: 3,
        };
        assert_eq!(c.used(), [found]);
        // Later blocks try the found coding first.
        assert!(c.decode(&block, 8192, Some(data.len())).unwrap() == data);
    }

    #[test]
    fn failed_searches_are_bounded() {
        let c = Codec::new(Some(Compression::Lzma), false);
        let junk = [0u8; 64];
        for _ in 0..10 {
            assert!(c.decode(&junk, 8192, None).is_none());
        }
        assert_eq!(
            c.failed_searches.load(Ordering::Relaxed),
            MAX_FAILED_SEARCHES
        );
    }

    #[test]
    fn zstd_window_sizes() {
        // Window descriptor 0x58: exponent 11 → 2 MiB, no mantissa.
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]),
            Some(2 << 20)
        );
        // Single segment, 2-byte content size: 0x1000 + 256.
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x60, 0x00, 0x10]),
            Some(0x1100)
        );
        // Huge window: refused before any allocation.
        let c = Codec::new(Some(Compression::Zstd), false);
        assert!(c
            .decode(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0, 0, 0], 8192, None)
            .is_none());
        assert_eq!(zstd_window(&[0x28, 0xb5, 0x2f, 0xfd]), None);
    }

    #[test]
    fn props_decode() {
        let p = Params::from_props(0x5d).unwrap();
        assert_eq!((p.lc, p.lp, p.pb), (3, 0, 2));
        let p = Params::from_props(0x6d).unwrap();
        assert_eq!((p.lc, p.lp, p.pb), (1, 2, 2));
        assert!(Params::from_props(225).is_none());
    }

    #[test]
    fn garbage_never_decodes_and_never_panics() {
        let c = Codec::new(None, true);
        for seed in 0u32..64 {
            let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
            let junk: Vec<u8> = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x & 0xff) as u8
                })
                .collect();
            let _ = c.decode(&junk, 8192, None);
        }
        assert!(c.decode(&[], 8192, None).is_none());
    }
}
