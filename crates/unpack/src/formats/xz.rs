//! xz (`.xz`, the XZ Utils container of LZMA2 and BCJ/delta filters), concatenated streams and
//! stream padding included.
//!
//! Decoded with `lzma-rust2`'s sans-I/O `XzStream`, one stream at a time so that the consumed
//! length is exact and trailing data is carved. The 6-byte magic plus the reserved byte of the
//! stream flags (must be 0) makes chance hits negligible; the decoder verifies the header
//! CRC-32, block checks and index.
//! Reference: The .xz File Format 1.2.1 (tukaani.org).

use super::bytes_util::{concatenated, get, pump, RunThenFinish};
use crate::format::{Ctx, Format, Magic, Parsed};
use bytes::Bytes;
use lzma_rust2::{Status, XzStream};

const NAME: &str = "xz";
const MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];

/// Decoder memory allowed whatever the output cap: enough for every preset (xz -9 and
/// lzip -9 use 64 MiB and 32 MiB dictionaries); larger declared windows are a limit error.
const MEM_FLOOR_KB: u64 = 96 << 10;
/// Decoder memory never allowed, whatever the output cap: window buffers are allocated up
/// front, so a 1 KiB header declaring a 1.5 GiB window must not get it.
const MEM_CEIL_KB: u64 = 256 << 10;

#[derive(Debug)]
pub struct Xz;

fn is_header(d: &[u8]) -> bool {
    get(d, 0, 6) == Some(MAGIC) && d.get(6) == Some(&0)
}

impl Format for Xz {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: MAGIC,
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        if !is_header(input) {
            return Ok(None);
        }
        let cap = ctx.output_cap(input.len() as u64);
        let mem_kb =
            u32::try_from((cap / 1024).clamp(MEM_FLOOR_KB, MEM_CEIL_KB)).unwrap_or(u32::MAX);
        concatenated(
            NAME,
            start,
            ctx,
            input,
            ("stream", "streams"),
            |rest, offset, room| {
                let mut s = XzStream::new(false);
                // Dictionary memory is bounded by the output cap: a larger window is never needed.
                s.set_mem_limit(mem_kb);
                let mut phase = RunThenFinish::default();
                pump(NAME, offset, ctx, room, rest, |i, o| {
                    let r = s.process(i, o, phase.action()).map_err(|e| e.to_string())?;
                    phase.saw(i, r.bytes_consumed, r.bytes_produced);
                    Ok((
                        r.bytes_consumed,
                        r.bytes_produced,
                        r.status == Status::StreamEnd,
                    ))
                })
            },
            // Stream padding: zero bytes in multiples of four, then maybe another stream.
            |input, end| {
                let mut next = end;
                while get(input, next, 4) == Some(&[0, 0, 0, 0]) {
                    next += 4;
                }
                if input.get(next..).is_some_and(is_header) {
                    (next, true)
                } else if next > end && input.get(next..).is_none_or(|r| r.is_empty()) {
                    (next, false)
                } else {
                    (end, false)
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::{Limits, Output};
    use lzma_rust2::{XzOptions, XzWriter};
    use std::io::Write;

    pub(crate) fn xz(data: &[u8]) -> Vec<u8> {
        let mut w = XzWriter::new(Vec::new(), XzOptions::with_preset(1)).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn two_streams_with_padding_and_trailing() {
        let a = xz(b"alpha ");
        let b = xz(b"beta");
        let mut f = a.clone();
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&b);
        let n = f.len();
        f.extend_from_slice(b"\x01trailing");
        let p = Xz
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        match p.output {
            Output::Stream { data, .. } => assert_eq!(&data[..], b"alpha beta"),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn truncated_and_bomb() {
        let data: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i * 31).to_le_bytes())
            .collect();
        let f = xz(&data);
        for cut in [6, 12, 30, f.len() / 2, f.len() - 3] {
            let r = Xz.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
            if let Ok(Some(p)) = r {
                assert!(!p.notes.is_empty(), "cut {cut}");
            }
        }
        let bomb = xz(&vec![0u8; 4 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Xz.parse(&Bytes::from(bomb), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
