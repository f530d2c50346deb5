//! LZ4: the frame format (`04 22 4d 18`) and the legacy format of `lz4 -l` (`02 21 4c 18`),
//! which Linux kernels and initramfs images use.
//!
//! Frame: the descriptor (version 01, reserved bits zero) and every block size are checked and
//! the frame's exact extent computed before decoding with `lz4_flex`'s `FrameDecoder`.
//! Legacy: a sequence of (u32 LE compressed size, LZ4 block) with 8 MiB of output per block
//! and no end marker; it ends at the end of input, at a size that cannot be a block, or at a
//! block that fails to decode (which then belongs to whatever follows). Blocks are decoded
//! with `lz4_flex::block::decompress_into`.
//! Reference: LZ4 Frame Format Description 1.6.x, "Legacy frame".

use super::bytes_util::{get, over_limit, read_all, truncation_note, u32le, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "lz4";
const FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
const LEGACY_MAGIC: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];
const LEGACY_BLOCK: usize = 8 << 20;
/// LZ4_compressBound(8 MiB).
const LEGACY_MAX_COMPRESSED: usize = LEGACY_BLOCK + LEGACY_BLOCK / 255 + 16;

#[derive(Debug)]
pub struct Lz4;

/// Exact length of the frame at `d[0..]`; `Err` describes why it is not (complete).
fn frame_len(d: &[u8]) -> Result<usize, &'static str> {
    let flg = u8_at(d, 4).ok_or("truncated")?;
    let bd = u8_at(d, 5).ok_or("truncated")?;
    if flg >> 6 != 1 || flg & 0x02 != 0 || bd & 0x8f != 0 || (bd >> 4) < 4 {
        return Err("bad descriptor");
    }
    let block_max = 1usize << (8 + 2 * usize::from(bd >> 4));
    let block_checksum = flg & 0x10 != 0;
    let mut pos = 6 + if flg & 0x08 != 0 { 8 } else { 0 } + if flg & 0x01 != 0 { 4 } else { 0 } + 1;
    loop {
        let raw = u32le(d, pos).ok_or("truncated")?;
        pos += 4;
        if raw == 0 {
            break;
        }
        let size = (raw & 0x7fff_ffff) as usize;
        if size > block_max {
            return Err("block larger than maximum");
        }
        pos += size + if block_checksum { 4 } else { 0 };
        if pos > d.len() {
            return Err("truncated");
        }
    }
    if flg & 0x04 != 0 {
        pos += 4;
    }
    if pos > d.len() {
        return Err("truncated");
    }
    Ok(pos)
}

fn parse_frame(input: &[u8], start: usize, ctx: &Ctx, cap: u64) -> crate::Result<Option<Parsed>> {
    let (len, truncated) = match frame_len(input) {
        Ok(n) => (n, false),
        Err("truncated") => (input.len(), true),
        Err(_) => return Ok(None),
    };
    let frame = input.get(..len).unwrap_or_default();
    let dec = lz4_flex::frame::FrameDecoder::new(frame);
    let dec = match read_all(NAME, start, ctx, cap, dec) {
        Ok(v) => v,
        Err(crate::Error::Malformed { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let note = if truncated {
        None
    } else {
        truncation_note(&dec)
    };
    let out = dec.data;
    let mut p = Parsed::new(
        len as u64,
        Output::Stream {
            data: Bytes::from(out),
            name: None,
        },
    );
    if truncated {
        p.notes.push("frame truncated".to_owned());
    }
    p.notes.extend(note);
    Ok(Some(p))
}

fn parse_legacy(input: &[u8], start: usize, ctx: &Ctx, cap: u64) -> crate::Result<Option<Parsed>> {
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 4usize;
    let mut blocks = 0u32;
    let mut buf = Vec::new();
    while let Some(size) = u32le(input, pos) {
        let size = size as usize;
        if size == 0 || size > LEGACY_MAX_COMPRESSED {
            break;
        }
        let Some(block) = get(input, pos + 4, size) else {
            break;
        };
        if buf.is_empty() {
            let want = (LEGACY_BLOCK as u64).min(cap.saturating_add(1)) as usize;
            buf = vec![0u8; want];
        }
        let n = match lz4_flex::block::decompress_into(block, &mut buf) {
            Ok(n) => n,
            Err(lz4_flex::block::DecompressError::OutputTooSmall { .. })
                if (buf.len() as u64) <= cap =>
            {
                return Err(over_limit(NAME, start, cap))
            }
            Err(_) => break,
        };
        if out.len() as u64 + n as u64 > cap {
            return Err(over_limit(NAME, start, cap));
        }
        out.extend_from_slice(buf.get(..n).unwrap_or_default());
        blocks += 1;
        pos += 4 + size;
        ctx.check_time(NAME, start as u64)?;
        // Only the last block may be short; a short block ends the stream.
        if n < LEGACY_BLOCK {
            break;
        }
    }
    if blocks == 0 {
        return Ok(None);
    }
    let mut p = Parsed::new(
        pos as u64,
        Output::Stream {
            data: Bytes::from(out),
            name: None,
        },
    );
    p.attrs.push(("variant".to_owned(), "legacy".to_owned()));
    Ok(Some(p))
}

impl Format for Lz4 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: &FRAME_MAGIC,
                offset: 0,
            },
            Magic {
                bytes: &LEGACY_MAGIC,
                offset: 0,
            },
        ]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let cap = ctx.output_cap(input.len() as u64);
        match get(input, 0, 4) {
            Some(m) if m == FRAME_MAGIC => parse_frame(input, start, ctx, cap),
            Some(m) if m == LEGACY_MAGIC => parse_legacy(input, start, ctx, cap),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use std::io::Write;

    fn frame(d: &[u8]) -> Vec<u8> {
        let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
        e.write_all(d).unwrap();
        e.finish().unwrap()
    }

    fn out(p: &Parsed) -> &[u8] {
        match &p.output {
            Output::Stream { data, .. } => data,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn frame_with_trailing() {
        let d = b"lz4 frame content ".repeat(50);
        let mut f = frame(&d);
        let n = f.len();
        f.extend_from_slice(b"\x04\x22\x4d\x18trailer");
        let p = Lz4
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        assert_eq!(out(&p), &d[..]);
    }

    #[test]
    fn legacy_with_trailing() {
        let d = b"legacy lz4 block ".repeat(40);
        let block = lz4_flex::block::compress(&d);
        let mut f = LEGACY_MAGIC.to_vec();
        f.extend_from_slice(&(block.len() as u32).to_le_bytes());
        f.extend_from_slice(&block);
        let n = f.len();
        f.extend_from_slice(&[0u8; 16]);
        let p = Lz4
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        assert_eq!(out(&p), &d[..]);
    }

    #[test]
    fn truncated_and_bomb() {
        let d: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i / 5).to_le_bytes())
            .collect();
        let f = frame(&d);
        for cut in [4, 6, 7, 11, f.len() / 2, f.len() - 1] {
            let _ = Lz4.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
        let bomb = frame(&vec![0u8; 4 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Lz4.parse(&Bytes::from(bomb), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
