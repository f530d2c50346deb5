//! zlib streams (RFC 1950): a 2-byte header, raw DEFLATE, an Adler-32 trailer.
//!
//! The 2-byte magic is weak (any `78 9c` in a binary is a candidate), so a candidate is
//! accepted only if all of these hold: CM = 8, CINFO ≤ 7, header check `% 31 == 0`, no
//! preset dictionary, the DEFLATE stream reaches its end marker, the Adler-32 trailer matches
//! and at least [`MIN_OUTPUT`] bytes come out. Truncated or damaged zlib streams are therefore
//! not reported at all (`Ok(None)`): without the trailer there is no evidence it was zlib.
//!
//! Only the four `0x78` headers (32 KiB window, the only window size zlib writes by default
//! and the one firmware tools use) are scan magics; other window sizes still parse when the
//! engine calls at their offset.
//! Reference: RFC 1950.

use super::bytes_util::{adler32, inflate_raw, u32be, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "zlib";
/// Smallest output accepted as a real stream; shorter "streams" are mostly chance hits.
pub(crate) const MIN_OUTPUT: usize = 32;

#[derive(Debug)]
pub struct Zlib;

impl Format for Zlib {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: &[0x78, 0x01],
                offset: 0,
            },
            Magic {
                bytes: &[0x78, 0x5e],
                offset: 0,
            },
            Magic {
                bytes: &[0x78, 0x9c],
                offset: 0,
            },
            Magic {
                bytes: &[0x78, 0xda],
                offset: 0,
            },
        ]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let (Some(cmf), Some(flg)) = (u8_at(input, 0), u8_at(input, 1)) else {
            return Ok(None);
        };
        if cmf & 0x0f != 8 || cmf >> 4 > 7 || (u16::from(cmf) * 256 + u16::from(flg)) % 31 != 0 {
            return Ok(None);
        }
        if flg & 0x20 != 0 {
            return Ok(None);
        }
        let body = input.get(2..).unwrap_or_default();
        let cap = ctx.output_cap(input.len() as u64);
        let dec = match inflate_raw(NAME, start, ctx, cap, body) {
            Ok(d) => d,
            Err(crate::Error::Malformed { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        if !dec.complete || dec.data.len() < MIN_OUTPUT {
            return Ok(None);
        }
        let trailer = 2 + dec.consumed;
        if u32be(input, trailer) != Some(adler32(&dec.data)) {
            return Ok(None);
        }
        Ok(Some(Parsed::new(
            (trailer + 4) as u64,
            Output::Stream {
                data: Bytes::from(dec.data),
                name: None,
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use std::io::Write;

    fn z(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_with_trailing_data() {
        let text = b"The quick brown fox jumps over the lazy dog, again and again.".repeat(3);
        let mut f = z(&text);
        let n = f.len();
        f.extend_from_slice(b"\xff\xfftrailer");
        let p = Zlib
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        match p.output {
            Output::Stream { data, .. } => assert_eq!(&data[..], &text[..]),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn rejects_bad_adler_short_output_and_truncation() {
        let text = b"0123456789abcdef".repeat(8);
        let mut f = z(&text);
        let ctx = Ctx::new(Limits::default());
        let last = f.len() - 1;
        f[last] ^= 1;
        assert!(Zlib
            .parse(&Bytes::from(f.clone()), 0, &ctx)
            .unwrap()
            .is_none());
        f[last] ^= 1;
        assert!(Zlib
            .parse(&Bytes::copy_from_slice(&f[..f.len() - 6]), 0, &ctx)
            .unwrap()
            .is_none());
        assert!(Zlib
            .parse(&Bytes::from(z(b"tiny")), 0, &ctx)
            .unwrap()
            .is_none());
        assert!(Zlib
            .parse(&Bytes::from_static(b"\x78\x9c\x00\x00junk"), 0, &ctx)
            .unwrap()
            .is_none());
    }

    #[test]
    fn bomb_hits_limit() {
        let f = z(&vec![0u8; 4 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Zlib.parse(&Bytes::from(f), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })));
    }
}
