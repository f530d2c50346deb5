//! lzop files (`.lzo`): the lzop container of LZO1X blocks.
//!
//! Written here rather than taken from a crate: the published LZO crates are either FFI
//! bindings to the GPL liblzo2 or small unmaintained ports; the LZO1X decompressor is ~100
//! lines and is written below with every read and copy bounds-checked (it follows the
//! decoding rules of the algorithm as described in the Linux kernel's
//! `Documentation/staging/lzo.rst`). The lzop container (header with Adler-32/CRC-32 header
//! checksum, then blocks of (uncompressed size, compressed size, checksums, data), ended by a
//! zero size) is parsed here too; block checksums are verified when present.
//! Output: [`Output::Stream`] named after the stored file name. `len` ends after the end
//! marker. Reference: lzop 1.04 `src/lzop.c` file layout; kernel `lzo.rst`.

use super::bytes_util::{adler32, crc32, get, over_limit, u16be, u32be, u8_at};
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use bytes::Bytes;

const NAME: &str = "lzo";
const MAGIC: [u8; 9] = [0x89, b'L', b'Z', b'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
/// lzop never writes blocks above 64 MiB (MAX_BLOCK_SIZE).
const MAX_BLOCK: u32 = 64 << 20;

const F_ADLER32_D: u32 = 0x1;
const F_ADLER32_C: u32 = 0x2;
const F_H_EXTRA_FIELD: u32 = 0x40;
const F_CRC32_D: u32 = 0x100;
const F_CRC32_C: u32 = 0x200;
const F_H_FILTER: u32 = 0x800;
const F_H_CRC32: u32 = 0x1000;

#[derive(Debug)]
pub struct Lzo;

/// Decompress one LZO1X block into `out` (appending), producing at most `max_out` bytes.
/// Returns the input bytes consumed (up to and including the end marker).
pub(crate) fn lzo1x_decompress(
    src: &[u8],
    out: &mut Vec<u8>,
    max_out: usize,
) -> Result<usize, &'static str> {
    let base = out.len();
    let mut ip = 0usize;
    let byte = |ip: &mut usize| -> Result<usize, &'static str> {
        let b = src.get(*ip).copied().ok_or("input overrun")?;
        *ip += 1;
        Ok(usize::from(b))
    };
    // A run of zero bytes extends a length: each zero adds 255, the next byte is added too.
    let zero_run = |ip: &mut usize, add: usize| -> Result<usize, &'static str> {
        let mut t = 0usize;
        while src.get(*ip) == Some(&0) {
            *ip += 1;
            t = t.checked_add(255).ok_or("length overflow")?;
        }
        let b = src.get(*ip).copied().ok_or("input overrun")?;
        *ip += 1;
        Ok(t + add + usize::from(b))
    };
    let literals = |ip: &mut usize, out: &mut Vec<u8>, n: usize| -> Result<(), &'static str> {
        let s = src.get(*ip..*ip + n).ok_or("input overrun")?;
        if out.len() - base + n > max_out {
            return Err("output overrun");
        }
        out.extend_from_slice(s);
        *ip += n;
        Ok(())
    };
    let copy_match = |out: &mut Vec<u8>, dist: usize, len: usize| -> Result<(), &'static str> {
        if dist == 0 || dist > out.len() - base {
            return Err("lookbehind overrun");
        }
        if out.len() - base + len > max_out {
            return Err("output overrun");
        }
        let from = out.len() - dist;
        for k in 0..len {
            let b = *out.get(from + k).ok_or("lookbehind overrun")?;
            out.push(b);
        }
        Ok(())
    };

    // state: 0 = after a match with no trailing literals, 1..3 = after that many literals,
    // 4 = after a literal run of four or more.
    let mut state;
    let first = usize::from(*src.first().ok_or("empty input")?);
    if first > 17 {
        ip = 1;
        let t = first - 17;
        literals(&mut ip, out, t)?;
        state = if t < 4 { t } else { 4 };
    } else {
        state = 0;
    }
    loop {
        let t = byte(&mut ip)?;
        let (dist, len, next);
        if t < 16 {
            if state == 0 {
                let n = if t == 0 { zero_run(&mut ip, 15)? } else { t };
                literals(&mut ip, out, n + 3)?;
                state = 4;
                continue;
            }
            let h = byte(&mut ip)?;
            next = t & 3;
            if state != 4 {
                dist = 1 + (t >> 2) + (h << 2);
                len = 2;
            } else {
                dist = 1 + 0x800 + (t >> 2) + (h << 2);
                len = 3;
            }
        } else if t >= 64 {
            let h = byte(&mut ip)?;
            next = t & 3;
            dist = 1 + ((t >> 2) & 7) + (h << 3);
            len = (t >> 5) + 1;
        } else if t >= 32 {
            let l = t & 31;
            len = if l == 0 { zero_run(&mut ip, 31)? } else { l } + 2;
            let le = usize::from(u16::from_le_bytes([
                src.get(ip).copied().ok_or("input overrun")?,
                src.get(ip + 1).copied().ok_or("input overrun")?,
            ]));
            ip += 2;
            dist = 1 + (le >> 2);
            next = le & 3;
        } else {
            let l = t & 7;
            len = if l == 0 { zero_run(&mut ip, 7)? } else { l } + 2;
            let le = usize::from(u16::from_le_bytes([
                src.get(ip).copied().ok_or("input overrun")?,
                src.get(ip + 1).copied().ok_or("input overrun")?,
            ]));
            ip += 2;
            let d = ((t & 8) << 11) + (le >> 2);
            if d == 0 {
                // End-of-stream marker (0x11 0x00 0x00).
                return Ok(ip);
            }
            dist = d + 0x4000;
            next = le & 3;
        }
        copy_match(out, dist, len)?;
        literals(&mut ip, out, next)?;
        state = next;
    }
}

impl Format for Lzo {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: &MAGIC,
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        if get(input, 0, 9) != Some(&MAGIC) {
            return Ok(None);
        }
        let Some(h) = header(input) else {
            return Ok(None);
        };
        let cap = ctx.output_cap(input.len() as u64);
        let mut out = Vec::new();
        let mut notes = Vec::new();
        if !h.checksum_ok {
            notes.push("header checksum mismatch".to_owned());
        }
        let mut pos = h.len;
        let mut complete = false;
        while let Some(dst_len) = u32be(input, pos) {
            if dst_len == 0 {
                pos += 4;
                complete = true;
                break;
            }
            let Some(src_len) = u32be(input, pos + 4) else {
                break;
            };
            if dst_len > MAX_BLOCK || src_len > dst_len {
                notes.push(format!("invalid block sizes at {pos:#x}"));
                break;
            }
            let mut p = pos + 8;
            let mut d_sum = None;
            let mut c_sum = None;
            if h.flags & F_ADLER32_D != 0 {
                d_sum = u32be(input, p).map(|v| (v, true));
                p += 4;
            }
            if h.flags & F_CRC32_D != 0 {
                d_sum = u32be(input, p).map(|v| (v, false));
                p += 4;
            }
            if src_len < dst_len {
                if h.flags & F_ADLER32_C != 0 {
                    c_sum = u32be(input, p).map(|v| (v, true));
                    p += 4;
                }
                if h.flags & F_CRC32_C != 0 {
                    c_sum = u32be(input, p).map(|v| (v, false));
                    p += 4;
                }
            }
            let Some(block) = get(input, p, src_len as usize) else {
                break;
            };
            if out.len() as u64 + u64::from(dst_len) > cap {
                return Err(over_limit(NAME, start, cap));
            }
            let check = |sum: Option<(u32, bool)>, bytes: &[u8]| match sum {
                Some((v, true)) => adler32(bytes) == v,
                Some((v, false)) => crc32(bytes) == v,
                None => true,
            };
            if !check(c_sum, block) {
                notes.push(format!("compressed-block checksum mismatch at {pos:#x}"));
            }
            let before = out.len();
            if src_len == dst_len {
                out.extend_from_slice(block);
            } else if let Err(e) = lzo1x_decompress(block, &mut out, dst_len as usize) {
                out.truncate(before);
                if out.is_empty() {
                    return Ok(None);
                }
                notes.push(format!("block at {pos:#x}: {e}"));
                break;
            }
            if out.len() - before != dst_len as usize {
                notes.push(format!("block at {pos:#x}: size mismatch"));
            }
            if !check(d_sum, out.get(before..).unwrap_or_default()) {
                notes.push(format!("block at {pos:#x}: checksum mismatch"));
            }
            pos = p + src_len as usize;
            ctx.check_time(NAME, start as u64)?;
        }
        if !complete {
            if out.is_empty() {
                return Ok(None);
            }
            notes.push(format!("truncated after {} output bytes", out.len()));
            pos = pos.min(input.len());
        }
        let mut p = Parsed::new(
            pos as u64,
            Output::Stream {
                data: Bytes::from(out),
                name: h.name.clone(),
            },
        );
        p.attrs.push(("method".to_owned(), h.method.to_string()));
        if let Some(n) = h.name {
            p.attrs.push(("name".to_owned(), n));
        }
        p.notes = notes;
        Ok(Some(p))
    }
}

struct Header {
    len: usize,
    flags: u32,
    method: u8,
    name: Option<String>,
    checksum_ok: bool,
}

fn header(d: &[u8]) -> Option<Header> {
    let version = u16be(d, 9)?;
    let mut pos = 13usize; // magic, version, lib_version
    if version >= 0x0940 {
        pos += 2;
    }
    let method = u8_at(d, pos)?;
    if !(1..=3).contains(&method) {
        return None;
    }
    pos += 1;
    if version >= 0x0940 {
        pos += 1;
    }
    let flags = u32be(d, pos)?;
    pos += 4;
    if flags & F_H_FILTER != 0 {
        pos += 4;
    }
    pos += 8; // mode, mtime low
    if version >= 0x0940 {
        pos += 4;
    }
    let name_len = usize::from(u8_at(d, pos)?);
    let name = get(d, pos + 1, name_len)?;
    let name = (!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned());
    pos += 1 + name_len;
    let stored = u32be(d, pos)?;
    let covered = get(d, 9, pos - 9)?;
    let computed = if flags & F_H_CRC32 != 0 {
        crc32(covered)
    } else {
        adler32(covered)
    };
    pos += 4;
    if flags & F_H_EXTRA_FIELD != 0 {
        let n = usize::try_from(u32be(d, pos)?).ok()?;
        pos = pos.checked_add(8)?.checked_add(n)?;
    }
    (pos <= d.len()).then_some(Header {
        len: pos,
        flags,
        method,
        name,
        checksum_ok: stored == computed,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// A literal-only LZO1X block followed by a back-reference and the end marker: first byte
    /// 17+4 = 4 literals "abcd", then an M2 match (len 3, distance 4) "abc", then end.
    fn block() -> (Vec<u8>, Vec<u8>) {
        // M2: t >= 64: len = (t>>5)+1 = 3 → t>>5 = 2; dist = 1 + ((t>>2)&7) + (h<<3) = 4 → (t>>2)&7 = 3.
        let t = (2 << 5) | (3 << 2);
        (
            vec![21, b'a', b'b', b'c', b'd', t, 0, 0x11, 0, 0],
            b"abcdabc".to_vec(),
        )
    }

    /// "abcd" then an M3 match of 33 bytes at distance 4, then the end marker.
    fn long_block() -> (Vec<u8>, Vec<u8>) {
        let want: Vec<u8> = (0..37).map(|i| b"abcd"[i % 4]).collect();
        (
            vec![21, b'a', b'b', b'c', b'd', 63, 12, 0, 0x11, 0, 0],
            want,
        )
    }

    fn lzop(blocks: &[(Vec<u8>, usize)], flags: u32) -> Vec<u8> {
        let mut h = vec![];
        h.extend_from_slice(&0x1030u16.to_be_bytes());
        h.extend_from_slice(&0x2080u16.to_be_bytes());
        h.extend_from_slice(&0x0940u16.to_be_bytes());
        h.push(1);
        h.push(5);
        h.extend_from_slice(&flags.to_be_bytes());
        h.extend_from_slice(&0o100644u32.to_be_bytes());
        h.extend_from_slice(&0u32.to_be_bytes());
        h.extend_from_slice(&0u32.to_be_bytes());
        h.push(5);
        h.extend_from_slice(b"a.txt");
        let sum = adler32(&h);
        let mut f = MAGIC.to_vec();
        f.extend_from_slice(&h);
        f.extend_from_slice(&sum.to_be_bytes());
        for (data, dst) in blocks {
            f.extend_from_slice(&(*dst as u32).to_be_bytes());
            f.extend_from_slice(&(data.len() as u32).to_be_bytes());
            f.extend_from_slice(data);
        }
        f.extend_from_slice(&0u32.to_be_bytes());
        f
    }

    #[test]
    fn lzo1x_literals_match_and_end() {
        let (b, want) = block();
        let mut out = Vec::new();
        assert_eq!(lzo1x_decompress(&b, &mut out, 100), Ok(b.len()));
        assert_eq!(out, want);
        let mut out = Vec::new();
        assert!(lzo1x_decompress(&b, &mut out, 5).is_err());
    }

    #[test]
    fn lzop_file_with_stored_and_compressed_blocks() {
        let (b, want) = long_block();
        let mut f = lzop(&[(b, want.len()), (b"stored".to_vec(), 6)], 0);
        let n = f.len();
        f.extend_from_slice(b"trailing");
        let p = Lzo
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, n as u64);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        match p.output {
            Output::Stream { data, name } => {
                assert_eq!(&data[..37], &want[..]);
                assert_eq!(&data[37..], b"stored");
                assert_eq!(name.as_deref(), Some("a.txt"));
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn lzo1x_random_input_never_panics() {
        let mut x = 0x9e37_79b9u32;
        for round in 0..2000 {
            let len = round % 300;
            let mut src = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                src.push(x as u8);
            }
            let mut out = Vec::new();
            let _ = lzo1x_decompress(&src, &mut out, 4096);
            assert!(out.len() <= 4096);
        }
    }

    #[test]
    fn truncated_never_panics() {
        let (b, want) = long_block();
        let f = lzop(&[(b, want.len())], 0);
        for cut in 0..f.len() {
            let _ = Lzo.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
    }

    /// Cases from the squashfs LZO decoder this one replaced.
    fn one_block(src: &[u8], max_out: usize) -> Result<Vec<u8>, &'static str> {
        let mut out = Vec::new();
        lzo1x_decompress(src, &mut out, max_out).map(|_| out)
    }

    #[test]
    fn literal_only_and_m2_match_blocks() {
        // First byte 17+5 = five literals, then the end marker (M4 with distance 0).
        let src = [22u8, b'h', b'e', b'l', b'l', b'o', 0x11, 0, 0];
        assert_eq!(one_block(&src, 100).as_deref(), Ok(&b"hello"[..]));
        // "abcd" literals, then an M2 match of length 8 at distance 4: "abcdabcdabcd".
        // M2: t = ((len-1) << 5) | ((dist-1) & 7) << 2 | next; second byte (dist-1) >> 3.
        let t = ((8u8 - 1) << 5) | ((3 & 7) << 2);
        let src = [21u8, b'a', b'b', b'c', b'd', t, 0, 0x11, 0, 0];
        assert_eq!(one_block(&src, 100).as_deref(), Ok(&b"abcdabcdabcd"[..]));
    }

    #[test]
    fn hostile_blocks_fail_cleanly() {
        assert!(one_block(&[], 10).is_err());
        assert!(one_block(&[22, b'a'], 10).is_err());
        // Five literals into a three-byte budget.
        assert!(one_block(&[22, 1, 2, 3, 4, 5, 0x11, 0, 0], 3).is_err());
        assert!(one_block(&[0xff, 0xff, 0x11, 0, 0], 100).is_err());
        // A match reaching before the start of the output.
        assert!(one_block(&[18, b'x', 0x40 | 0x1c, 0xff, 0x11, 0, 0], 100).is_err());
    }
}
