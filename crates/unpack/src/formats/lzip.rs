//! lzip (`.lz`): LZMA with fixed lc=3/lp=0/pb=2, an end marker and a CRC-32/size trailer;
//! concatenated members included.
//!
//! Decoded with `lzma-rust2`'s `LzipStream`, one member at a time, so the consumed length is
//! exact (the trailer's member size is checked by the decoder). Magic `LZIP` + version 1.
//! Reference: lzip manual, "File format".

use super::bytes_util::{concatenated, get, pump, RunThenFinish};
use crate::format::{Ctx, Format, Magic, Parsed};
use bytes::Bytes;
use lzma_rust2::{LzipStream, Status};

const NAME: &str = "lzip";

/// Decoder memory allowed whatever the output cap: enough for every preset (xz -9 and
/// lzip -9 use 64 MiB and 32 MiB dictionaries); larger declared windows are a limit error.
const MEM_FLOOR_KB: u64 = 96 << 10;
/// Decoder memory never allowed, whatever the output cap: window buffers are allocated up
/// front, so a 1 KiB header declaring a 1.5 GiB window must not get it.
const MEM_CEIL_KB: u64 = 256 << 10;

#[derive(Debug)]
pub struct Lzip;

fn is_header(d: &[u8]) -> bool {
    get(d, 0, 5) == Some(b"LZIP\x01")
}

impl Format for Lzip {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"LZIP\x01",
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
            ("member", "members"),
            |rest, offset, room| {
                let mut s = LzipStream::new_mem_limit(false, mem_kb);
                let mut phase = RunThenFinish::default();
                let mut dec = pump(NAME, offset, ctx, room, rest, |i, o| {
                    let r = s.process(i, o, phase.action()).map_err(|e| e.to_string())?;
                    phase.saw(i, r.bytes_consumed, r.bytes_produced);
                    Ok((
                        r.bytes_consumed,
                        r.bytes_produced,
                        r.status == Status::StreamEnd,
                    ))
                })?;
                if dec.complete {
                    dec.consumed = dec.consumed.saturating_sub(s.unused_input().len());
                }
                Ok(dec)
            },
            |input, end| (end, input.get(end..).is_some_and(is_header)),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::{Limits, Output};
    use lzma_rust2::{LzipOptions, LzipWriter};
    use std::io::Write;

    fn lz(data: &[u8]) -> Vec<u8> {
        let mut w = LzipWriter::new(Vec::new(), LzipOptions::with_preset(1));
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn members_and_trailing() {
        let a = lz(b"one ");
        let b = lz(b"two");
        let mut f = a.clone();
        f.extend_from_slice(&b);
        let n = f.len();
        f.extend_from_slice(b"LZIP trailing junk");
        let p = Lzip
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        match p.output {
            Output::Stream { data, .. } => assert_eq!(&data[..], b"one two"),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn truncated_and_bomb() {
        let f = lz(&b"abcdefgh".repeat(10_000));
        for cut in [5, 6, 8, f.len() / 2, f.len() - 1] {
            let r = Lzip.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
            if let Ok(Some(p)) = r {
                assert!(!p.notes.is_empty(), "cut {cut}");
            }
        }
        let bomb = lz(&vec![0u8; 4 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Lzip.parse(&Bytes::from(bomb), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
