//! LZO1X block decompressor (the format squashfs-tools' `lzo` compressor writes with
//! `lzo1x_999`/`lzo1x_1`), written from the published format description.
//!
//! Owns: turning one compressed LZO1X block into at most `max_out` bytes.
//! Never does: compression, reading lzop file headers (that is the lzop format module's job),
//! trusting any length: every copy is bounds-checked against input and output.

/// Why a block did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LzoError {
    InputOverrun,
    OutputOverrun,
    LookBehind,
}

struct In<'a> {
    src: &'a [u8],
    pos: usize,
}

impl In<'_> {
    fn byte(&mut self) -> Result<usize, LzoError> {
        let b = *self.src.get(self.pos).ok_or(LzoError::InputOverrun)?;
        self.pos += 1;
        Ok(usize::from(b))
    }

    fn le16(&mut self) -> Result<usize, LzoError> {
        let lo = self.byte()?;
        let hi = self.byte()?;
        Ok(lo | (hi << 8))
    }

    /// Run-length extension: each zero byte adds 255, the first non-zero byte ends it.
    fn extended(&mut self, base: usize) -> Result<usize, LzoError> {
        let mut n = base;
        loop {
            let b = self.byte()?;
            if b != 0 {
                return n.checked_add(b).ok_or(LzoError::InputOverrun);
            }
            n = n.checked_add(255).ok_or(LzoError::InputOverrun)?;
        }
    }
}

fn copy_literals(
    inp: &mut In<'_>,
    out: &mut Vec<u8>,
    n: usize,
    max_out: usize,
) -> Result<(), LzoError> {
    let end = inp.pos.checked_add(n).ok_or(LzoError::InputOverrun)?;
    let lit = inp.src.get(inp.pos..end).ok_or(LzoError::InputOverrun)?;
    if out.len() + n > max_out {
        return Err(LzoError::OutputOverrun);
    }
    out.extend_from_slice(lit);
    inp.pos = end;
    Ok(())
}

fn copy_match(out: &mut Vec<u8>, dist: usize, len: usize, max_out: usize) -> Result<(), LzoError> {
    if dist == 0 || dist > out.len() {
        return Err(LzoError::LookBehind);
    }
    if out.len() + len > max_out {
        return Err(LzoError::OutputOverrun);
    }
    let start = out.len() - dist;
    // Overlapping copies repeat the last `dist` bytes, so copy byte by byte when they overlap.
    if dist >= len {
        out.extend_from_within(start..start + len);
    } else {
        for i in 0..len {
            let b = out.get(start + i).copied().ok_or(LzoError::LookBehind)?;
            out.push(b);
        }
    }
    Ok(())
}

/// Decompress one LZO1X stream (up to its end marker) into at most `max_out` bytes.
pub(crate) fn decompress(src: &[u8], max_out: usize) -> Result<Vec<u8>, LzoError> {
    let mut out = Vec::with_capacity(max_out.min(1 << 20));
    let mut inp = In { src, pos: 0 };
    // `state`: 0 after a match with no trailing literals, 1..=3 after that many trailing
    // literals, 4 after a literal run of four or more. It decides what a small opcode means.
    let mut state: usize = 0;
    if let Some(&first) = src.first() {
        if first > 17 {
            inp.pos = 1;
            let t = usize::from(first) - 17;
            copy_literals(&mut inp, &mut out, t, max_out)?;
            state = if t < 4 { t } else { 4 };
        }
    }
    loop {
        let t = inp.byte()?;
        let (dist, len, next) = if t >= 64 {
            let b = inp.byte()?;
            (1 + ((t >> 2) & 7) + (b << 3), (t >> 5) + 1, t & 3)
        } else if t >= 32 {
            let mut l = t & 31;
            if l == 0 {
                l = inp.extended(31)?;
            }
            let w = inp.le16()?;
            (1 + (w >> 2), l + 2, w & 3)
        } else if t >= 16 {
            let mut l = t & 7;
            if l == 0 {
                l = inp.extended(7)?;
            }
            let w = inp.le16()?;
            let d = ((t & 8) << 11) + (w >> 2);
            if d == 0 {
                return Ok(out);
            }
            (d + 0x4000, l + 2, w & 3)
        } else if state == 0 {
            let n = if t == 0 { inp.extended(15)? } else { t };
            copy_literals(&mut inp, &mut out, n + 3, max_out)?;
            state = 4;
            continue;
        } else if state == 4 {
            let b = inp.byte()?;
            (1 + 0x800 + (t >> 2) + (b << 2), 3, t & 3)
        } else {
            let b = inp.byte()?;
            (1 + (t >> 2) + (b << 2), 2, t & 3)
        };
        copy_match(&mut out, dist, len, max_out)?;
        copy_literals(&mut inp, &mut out, next, max_out)?;
        state = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_only_stream() {
        // First byte 17+5 = five literals, then the end marker (M4 with distance 0).
        let src = [22u8, b'h', b'e', b'l', b'l', b'o', 0x11, 0, 0];
        assert_eq!(decompress(&src, 100).as_deref(), Ok(&b"hello"[..]));
    }

    #[test]
    fn match_repeats_previous_bytes() {
        // "abcd" literals, then an M2 match of length 8 at distance 4: "abcdabcdabcd".
        // M2: t = ((len-1) << 5) | ((dist-1) & 7) << 2 | next; second byte (dist-1) >> 3.
        let t = ((8u8 - 1) << 5) | ((3 & 7) << 2);
        let src = [21u8, b'a', b'b', b'c', b'd', t, 0, 0x11, 0, 0];
        assert_eq!(decompress(&src, 100).as_deref(), Ok(&b"abcdabcdabcd"[..]));
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        assert_eq!(decompress(&[], 10), Err(LzoError::InputOverrun));
        assert_eq!(decompress(&[22, b'a'], 10), Err(LzoError::InputOverrun));
        assert_eq!(
            decompress(&[22, 1, 2, 3, 4, 5, 0x11, 0, 0], 3),
            Err(LzoError::OutputOverrun)
        );
        // Match reaching before the start of the output.
        assert_eq!(
            decompress(&[0xff, 0xff, 0x11, 0, 0], 100),
            Err(LzoError::InputOverrun)
        );
        assert_eq!(
            decompress(&[18, b'x', 0x40 | 0x1c, 0xff, 0x11, 0, 0], 100),
            Err(LzoError::LookBehind)
        );
    }
}
