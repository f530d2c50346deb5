//! Unix `compress` (`.Z`): adaptive LZW, 9 to 16-bit codes.
//!
//! Written here: the decoder is ~80 lines and no maintained permissive crate implements the
//! `compress` container's quirks. Quirks reproduced from ncompress: codes are read in groups
//! of `n_bits` bytes, and when the code width grows or a CLEAR code (256, block mode) arrives
//! the rest of the current group is skipped.
//!
//! The format has no length and no end marker, so decoding stops at the end of the input or
//! at the first impossible code (a code above the next free table entry), and `len` is where
//! it stopped. On non-`compress` data an impossible code comes within a few codes, which is
//! also the false-positive defence for the weak 2-byte magic: a candidate must decode at
//! least [`MIN_CODES`] codes (or reach the end of the input) to be accepted.
//! Reference: ncompress `compress42.c` (`decompress()`).

use super::bytes_util::{over_limit, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "compress";
const MIN_CODES: usize = 32;
const CLEAR: usize = 256;

#[derive(Debug)]
pub struct Compress;

struct Lzw {
    prefix: Vec<u16>,
    suffix: Vec<u8>,
    stack: Vec<u8>,
}

impl Lzw {
    fn new() -> Self {
        let mut suffix = vec![0u8; 1 << 16];
        for (i, s) in suffix.iter_mut().enumerate().take(256) {
            *s = i as u8;
        }
        Lzw {
            prefix: vec![0u16; 1 << 16],
            suffix,
            stack: Vec::with_capacity(1 << 16),
        }
    }

    /// Push the string for `code` (reversed) onto the stack; returns its first byte.
    fn expand(&mut self, mut code: usize) -> Option<u8> {
        self.stack.clear();
        while code >= 256 {
            self.stack.push(*self.suffix.get(code)?);
            code = usize::from(*self.prefix.get(code)?);
            if self.stack.len() > 1 << 16 {
                return None;
            }
        }
        let first = *self.suffix.get(code)?;
        self.stack.push(first);
        Some(first)
    }
}

struct Decoded {
    data: Vec<u8>,
    /// Bytes of code data consumed (rounded up to whole bytes).
    consumed: usize,
    codes: usize,
}

fn decode(
    codes: &[u8],
    max_bits: u32,
    block_mode: bool,
    cap: u64,
    ctx: &Ctx,
    start: usize,
) -> crate::Result<Decoded> {
    let total_bits = codes.len() as u64 * 8;
    let max_max = 1usize << max_bits;
    let first_free = if block_mode { 257 } else { 256 };
    let mut n_bits = 9u32;
    let mut max_code = (1usize << n_bits) - 1;
    let mut free = first_free;
    let mut posbits = 0u64;
    let mut old: Option<usize> = None;
    let mut out = Vec::new();
    let mut lzw = Lzw::new();
    let mut n_codes = 0usize;
    let mut last_good_bits = 0u64;
    // Groups of n_bits bytes start where the code width last changed (ncompress re-bases
    // its buffer there), so rounding is relative to that origin.
    let mut origin = 0u64;
    let group_round = |posbits: u64, origin: u64, n_bits: u32| -> u64 {
        let g = u64::from(n_bits) * 8;
        origin + (posbits - origin).div_ceil(g) * g
    };
    loop {
        if free > max_code && n_bits < max_bits {
            posbits = group_round(posbits, origin, n_bits);
            origin = posbits;
            n_bits += 1;
            max_code = if n_bits == max_bits {
                max_max - 1
            } else {
                (1 << n_bits) - 1
            };
        }
        if posbits + u64::from(n_bits) > total_bits {
            break;
        }
        // Read n_bits little-endian bits at posbits.
        let byte = (posbits / 8) as usize;
        let mut v = 0u32;
        for k in 0..3 {
            v |= u32::from(u8_at(codes, byte + k).unwrap_or(0)) << (8 * k);
        }
        let code = ((v >> (posbits % 8)) & ((1 << n_bits) - 1)) as usize;
        posbits += u64::from(n_bits);
        n_codes += 1;
        if code == CLEAR && block_mode {
            posbits = group_round(posbits, origin, n_bits);
            origin = posbits;
            n_bits = 9;
            max_code = (1 << n_bits) - 1;
            free = first_free;
            old = None;
            last_good_bits = posbits;
            continue;
        }
        let Some(prev) = old else {
            if code >= 256 {
                break;
            }
            out.push(code as u8);
            old = Some(code);
            last_good_bits = posbits;
            continue;
        };
        let first = if code < free {
            match lzw.expand(code) {
                Some(f) => f,
                None => break,
            }
        } else if code == free {
            // KwKwK: the string of `prev` plus its own first byte.
            let Some(f) = lzw.expand(prev) else { break };
            lzw.stack.insert(0, f);
            f
        } else {
            break;
        };
        if out.len() as u64 + lzw.stack.len() as u64 > cap {
            return Err(over_limit(NAME, start, cap));
        }
        out.extend(lzw.stack.iter().rev());
        if free < max_max {
            if let Some(p) = lzw.prefix.get_mut(free) {
                *p = prev as u16;
            }
            if let Some(s) = lzw.suffix.get_mut(free) {
                *s = first;
            }
            free += 1;
        }
        old = Some(code);
        last_good_bits = posbits;
        if n_codes.is_multiple_of(65536) {
            ctx.check_time(NAME, start as u64)?;
        }
    }
    Ok(Decoded {
        data: out,
        consumed: last_good_bits.div_ceil(8) as usize,
        codes: n_codes,
    })
}

impl Format for Compress {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: &[0x1f, 0x9d],
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        if input.get(..2) != Some(&[0x1f, 0x9d]) {
            return Ok(None);
        }
        let Some(flags) = u8_at(input, 2) else {
            return Ok(None);
        };
        let max_bits = u32::from(flags & 0x1f);
        if flags & 0x60 != 0 || !(9..=16).contains(&max_bits) {
            return Ok(None);
        }
        let codes = input.get(3..).unwrap_or_default();
        let cap = ctx.output_cap(input.len() as u64);
        let d = decode(codes, max_bits, flags & 0x80 != 0, cap, ctx, start)?;
        let reached_end = d.consumed + 2 >= codes.len();
        if d.data.is_empty() || (d.codes < MIN_CODES && !reached_end) {
            return Ok(None);
        }
        // The last code ends the stream: writers flush only the bytes it occupies.
        let len = 3 + d.consumed;
        let mut p = Parsed::new(
            len as u64,
            Output::Stream {
                data: Bytes::from(d.data),
                name: None,
            },
        );
        p.attrs.push(("max-bits".to_owned(), max_bits.to_string()));
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// Minimal LZW encoder in the same layout (block mode, 16 bits max, no CLEAR emitted), for
    /// fixtures only: widths grow exactly as the decoder expects, with group padding.
    pub(crate) fn encode(data: &[u8]) -> Vec<u8> {
        use std::collections::HashMap;
        let mut out = vec![0x1f, 0x9d, 0x90];
        let mut bits: Vec<bool> = Vec::new();
        let mut n_bits = 9u32;
        let mut free = 257usize;
        let mut dict: HashMap<(usize, u8), usize> = HashMap::new();
        let emit = |code: usize, n_bits: u32, bits: &mut Vec<bool>| {
            for k in 0..n_bits {
                bits.push(code >> k & 1 == 1);
            }
        };
        let mut origin = 0usize;
        let mut cur: Option<usize> = None;
        for &b in data {
            match cur {
                None => cur = Some(b as usize),
                Some(c) => {
                    if let Some(&n) = dict.get(&(c, b)) {
                        cur = Some(n);
                    } else {
                        emit(c, n_bits, &mut bits);
                        // The width grows after a code is written, before its entry is added
                        // (as compress's output() does), which is what the decoder expects.
                        if free > (1 << n_bits) - 1 && n_bits < 16 {
                            let g = (n_bits * 8) as usize;
                            while !(bits.len() - origin).is_multiple_of(g) {
                                bits.push(false);
                            }
                            origin = bits.len();
                            n_bits += 1;
                        }
                        if free < 1 << 16 {
                            dict.insert((c, b), free);
                            free += 1;
                        }
                        cur = Some(b as usize);
                    }
                }
            }
        }
        if let Some(c) = cur {
            emit(c, n_bits, &mut bits);
        }
        for chunk in bits.chunks(8) {
            let mut v = 0u8;
            for (i, &bit) in chunk.iter().enumerate() {
                v |= (bit as u8) << i;
            }
            out.push(v);
        }
        out
    }

    #[test]
    fn roundtrip_through_width_changes() {
        let data: Vec<u8> = (0..60_000u32)
            .flat_map(|i| format!("{} ", i % 977).into_bytes())
            .collect();
        let f = encode(&data);
        let p = Compress
            .parse(&Bytes::from(f.clone()), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, f.len() as u64);
        match p.output {
            Output::Stream { data: d, .. } => assert_eq!(&d[..], &data[..]),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn rejects_bad_flags_and_random_data() {
        let ctx = Ctx::new(Limits::default());
        assert!(Compress
            .parse(&Bytes::from_static(b"\x1f\x9d\x08abc"), 0, &ctx)
            .unwrap()
            .is_none());
        let mut x = 0x1234_5678u32;
        let mut junk = vec![0x1f, 0x9d, 0x90];
        for _ in 0..4096 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            junk.push(x as u8);
        }
        assert!(Compress
            .parse(&Bytes::from(junk), 0, &ctx)
            .unwrap()
            .is_none());
    }

    #[test]
    fn bomb_hits_limit() {
        let f = encode(&vec![0u8; 8 << 20]);
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Compress.parse(&Bytes::from(f), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }
}
