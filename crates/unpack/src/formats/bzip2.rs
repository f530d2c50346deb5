//! bzip2 streams, including concatenated streams (as `pbzip2` writes them).
//!
//! Decoded with the `bzip2` crate (default backend: the pure-Rust `libbz2-rs-sys`). The scan
//! magic is the 4-byte stream header plus the 6-byte block magic (`BZh91AY&SY`), so chance
//! hits are negligible. `len` ends after the last stream's end-of-stream record (bzip2
//! streams end on a bit boundary padded to a byte), so trailing data is carved.
//! Reference: the bzip2 file format as written by bzip2 1.0 (no formal specification).

use super::bytes_util::{concatenated, get, pump};
use crate::format::{Ctx, Format, Magic, Parsed};
use bytes::Bytes;

const NAME: &str = "bzip2";

static MAGICS: [Magic; 9] = [
    Magic {
        bytes: b"BZh11AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh21AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh31AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh41AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh51AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh61AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh71AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh81AY&SY",
        offset: 0,
    },
    Magic {
        bytes: b"BZh91AY&SY",
        offset: 0,
    },
];

#[derive(Debug)]
pub struct Bzip2;

fn is_header(d: &[u8]) -> bool {
    matches!(get(d, 0, 4), Some([b'B', b'Z', b'h', b'1'..=b'9']))
        && (get(d, 4, 6) == Some(b"1AY&SY")
            || get(d, 4, 6) == Some(&[0x17, 0x72, 0x45, 0x38, 0x50, 0x90]))
}

impl Format for Bzip2 {
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
        if !is_header(input) {
            return Ok(None);
        }
        concatenated(
            NAME,
            start,
            ctx,
            input,
            ("stream", "streams"),
            |rest, offset, room| {
                let mut z = bzip2::Decompress::new(false);
                pump(NAME, offset, ctx, room, rest, |i, o| {
                    let (i0, o0) = (z.total_in(), z.total_out());
                    let st = z.decompress(i, o).map_err(|e| e.to_string())?;
                    Ok((
                        (z.total_in() - i0) as usize,
                        (z.total_out() - o0) as usize,
                        st == bzip2::Status::StreamEnd,
                    ))
                })
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
    use std::io::Write;

    fn bz(data: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn concatenated_streams_and_trailing_data() {
        let a = bz(b"first part\n");
        let b = bz(b"second part\n");
        let mut f = a.clone();
        f.extend_from_slice(&b);
        f.extend_from_slice(b"BZh9 not a stream");
        let p = Bzip2
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, (a.len() + b.len()) as u64);
        match p.output {
            Output::Stream { data, .. } => assert_eq!(&data[..], b"first part\nsecond part\n"),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn truncated_never_panics() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i * 7).to_le_bytes())
            .collect();
        let f = bz(&data);
        for cut in [4, 10, 11, 40, f.len() / 2, f.len() - 1] {
            let r = Bzip2.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
            if let Ok(Some(p)) = r {
                assert!(!p.notes.is_empty());
            }
        }
    }

    #[test]
    fn bomb_hits_limit() {
        let f = bz(&vec![b'a'; 4 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Bzip2.parse(&Bytes::from(f), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
