//! md5crypt for several candidates at once: the 1000 rounds of [`super::md5crypt`] run in
//! {LANES} lanes side by side, each lane one candidate password against the same salt.
//!
//! Why: recovering a fixed md5crypt hash from the bundled dictionary is the largest single
//! cost of an assessment. The rounds of one candidate are a serial chain of MD5 blocks, but the
//! rounds of different candidates are independent, so one MD5 compression over lane arrays
//! (`[u32; LANES]`, element-wise operations the compiler turns into SIMD instructions on any
//! x86-64 or AArch64 baseline, no `unsafe` and no target features) hashes {LANES} blocks for
//! little more than the cost of two. Only passwords of at most
//! [`FAST_MAX_PW`](super::md5crypt::FAST_MAX_PW) bytes (every round fits one block) take this
//! path; longer ones fall back to the scalar code. Results are identical by construction and
//! checked against the scalar code in tests.
//!
//! Owns: lane-wise MD5 of single 64-byte blocks and the md5crypt round schedule over lanes.
//! Never does: decide what a match means or touch the clock (the caller's chunking does).

use super::md5crypt::{encode, initial, put, rounds_slow, salt_of, FAST_MAX_PW};

/// Candidates hashed together: one 128-bit vector of `u32`s. Measured on x86-64 (SSE2
/// baseline): 4 lanes 2.0× the scalar rate, 8 lanes 1.65×, 16 lanes slower than 8 (spills).
pub(super) const LANES: usize = 4;

#[derive(Clone, Copy)]
struct V([u32; LANES]);

impl V {
    #[inline(always)]
    fn splat(x: u32) -> V {
        V([x; LANES])
    }
    #[inline(always)]
    fn add(self, o: V) -> V {
        let mut r = self.0;
        for (r, y) in r.iter_mut().zip(o.0) {
            *r = r.wrapping_add(y);
        }
        V(r)
    }
    #[inline(always)]
    fn addc(self, k: u32) -> V {
        let mut r = self.0;
        for r in &mut r {
            *r = r.wrapping_add(k);
        }
        V(r)
    }
    #[inline(always)]
    fn rotl(self, s: u32) -> V {
        let mut r = self.0;
        for r in &mut r {
            *r = r.rotate_left(s);
        }
        V(r)
    }
}

macro_rules! lanes3 {
    ($name:ident, |$x:ident, $y:ident, $z:ident| $e:expr) => {
        #[inline(always)]
        fn $name(x: V, y: V, z: V) -> V {
            let mut r = [0u32; LANES];
            for (((r, $x), $y), $z) in r.iter_mut().zip(x.0).zip(y.0).zip(z.0) {
                *r = $e;
            }
            V(r)
        }
    };
}
lanes3!(f1, |x, y, z| (x & y) | (!x & z));
lanes3!(f2, |x, y, z| (x & z) | (y & !z));
lanes3!(f3, |x, y, z| x ^ y ^ z);
lanes3!(f4, |x, y, z| y ^ (x | !z));

macro_rules! step {
    ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
        $a = $b.add($a.add($f($b, $c, $d)).add($m).addc($k).rotl($s));
    };
}

/// MD5 of one already padded block per lane (`m[word]` holds that word of every lane).
#[inline(always)]
fn compress(m: &[V; 16]) -> [V; 4] {
    let (mut a, mut b, mut c, mut d) = (
        V::splat(0x6745_2301),
        V::splat(0xefcd_ab89),
        V::splat(0x98ba_dcfe),
        V::splat(0x1032_5476),
    );
    step!(f1, a, b, c, d, m[0], 0xd76aa478, 7);
    step!(f1, d, a, b, c, m[1], 0xe8c7b756, 12);
    step!(f1, c, d, a, b, m[2], 0x242070db, 17);
    step!(f1, b, c, d, a, m[3], 0xc1bdceee, 22);
    step!(f1, a, b, c, d, m[4], 0xf57c0faf, 7);
    step!(f1, d, a, b, c, m[5], 0x4787c62a, 12);
    step!(f1, c, d, a, b, m[6], 0xa8304613, 17);
    step!(f1, b, c, d, a, m[7], 0xfd469501, 22);
    step!(f1, a, b, c, d, m[8], 0x698098d8, 7);
    step!(f1, d, a, b, c, m[9], 0x8b44f7af, 12);
    step!(f1, c, d, a, b, m[10], 0xffff5bb1, 17);
    step!(f1, b, c, d, a, m[11], 0x895cd7be, 22);
    step!(f1, a, b, c, d, m[12], 0x6b901122, 7);
    step!(f1, d, a, b, c, m[13], 0xfd987193, 12);
    step!(f1, c, d, a, b, m[14], 0xa679438e, 17);
    step!(f1, b, c, d, a, m[15], 0x49b40821, 22);
    step!(f2, a, b, c, d, m[1], 0xf61e2562, 5);
    step!(f2, d, a, b, c, m[6], 0xc040b340, 9);
    step!(f2, c, d, a, b, m[11], 0x265e5a51, 14);
    step!(f2, b, c, d, a, m[0], 0xe9b6c7aa, 20);
    step!(f2, a, b, c, d, m[5], 0xd62f105d, 5);
    step!(f2, d, a, b, c, m[10], 0x02441453, 9);
    step!(f2, c, d, a, b, m[15], 0xd8a1e681, 14);
    step!(f2, b, c, d, a, m[4], 0xe7d3fbc8, 20);
    step!(f2, a, b, c, d, m[9], 0x21e1cde6, 5);
    step!(f2, d, a, b, c, m[14], 0xc33707d6, 9);
    step!(f2, c, d, a, b, m[3], 0xf4d50d87, 14);
    step!(f2, b, c, d, a, m[8], 0x455a14ed, 20);
    step!(f2, a, b, c, d, m[13], 0xa9e3e905, 5);
    step!(f2, d, a, b, c, m[2], 0xfcefa3f8, 9);
    step!(f2, c, d, a, b, m[7], 0x676f02d9, 14);
    step!(f2, b, c, d, a, m[12], 0x8d2a4c8a, 20);
    step!(f3, a, b, c, d, m[5], 0xfffa3942, 4);
    step!(f3, d, a, b, c, m[8], 0x8771f681, 11);
    step!(f3, c, d, a, b, m[11], 0x6d9d6122, 16);
    step!(f3, b, c, d, a, m[14], 0xfde5380c, 23);
    step!(f3, a, b, c, d, m[1], 0xa4beea44, 4);
    step!(f3, d, a, b, c, m[4], 0x4bdecfa9, 11);
    step!(f3, c, d, a, b, m[7], 0xf6bb4b60, 16);
    step!(f3, b, c, d, a, m[10], 0xbebfbc70, 23);
    step!(f3, a, b, c, d, m[13], 0x289b7ec6, 4);
    step!(f3, d, a, b, c, m[0], 0xeaa127fa, 11);
    step!(f3, c, d, a, b, m[3], 0xd4ef3085, 16);
    step!(f3, b, c, d, a, m[6], 0x04881d05, 23);
    step!(f3, a, b, c, d, m[9], 0xd9d4d039, 4);
    step!(f3, d, a, b, c, m[12], 0xe6db99e5, 11);
    step!(f3, c, d, a, b, m[15], 0x1fa27cf8, 16);
    step!(f3, b, c, d, a, m[2], 0xc4ac5665, 23);
    step!(f4, a, b, c, d, m[0], 0xf4292244, 6);
    step!(f4, d, a, b, c, m[7], 0x432aff97, 10);
    step!(f4, c, d, a, b, m[14], 0xab9423a7, 15);
    step!(f4, b, c, d, a, m[5], 0xfc93a039, 21);
    step!(f4, a, b, c, d, m[12], 0x655b59c3, 6);
    step!(f4, d, a, b, c, m[3], 0x8f0ccc92, 10);
    step!(f4, c, d, a, b, m[10], 0xffeff47d, 15);
    step!(f4, b, c, d, a, m[1], 0x85845dd1, 21);
    step!(f4, a, b, c, d, m[8], 0x6fa87e4f, 6);
    step!(f4, d, a, b, c, m[15], 0xfe2ce6e0, 10);
    step!(f4, c, d, a, b, m[6], 0xa3014314, 15);
    step!(f4, b, c, d, a, m[13], 0x4e0811a1, 21);
    step!(f4, a, b, c, d, m[4], 0xf7537e82, 6);
    step!(f4, d, a, b, c, m[11], 0xbd3af235, 10);
    step!(f4, c, d, a, b, m[2], 0x2ad7d2bb, 15);
    step!(f4, b, c, d, a, m[9], 0xeb86d391, 21);
    [
        a.addc(0x6745_2301),
        b.addc(0xefcd_ab89),
        c.addc(0x98ba_dcfe),
        d.addc(0x1032_5476),
    ]
}

/// The 1000 md5crypt rounds for up to [`LANES`] passwords of at most `FAST_MAX_PW` bytes,
/// each from its own starting digest. Unused lanes compute garbage that nobody reads.
fn rounds(pws: &[&[u8]], salt: &[u8], fins: &mut [[u8; 16]; LANES]) {
    // A round's block depends on the round only through (r odd, r % 3 != 0, r % 7 != 0): eight
    // layouts. Each lane's eight blocks are built once with the padding and length in place;
    // a round copies its template and drops the previous digest in at its offset.
    let mut tpl = [[[0u8; 64]; 8]; LANES];
    let mut fin_at = [[0usize; 8]; LANES];
    for ((pw, tpl), fin_at) in pws.iter().zip(tpl.iter_mut()).zip(fin_at.iter_mut()) {
        for (combo, (buf, at)) in tpl.iter_mut().zip(fin_at.iter_mut()).enumerate() {
            let (odd, salted, doubled) = (combo & 1 == 1, combo & 2 != 0, combo & 4 != 0);
            let hole = [0u8; 16];
            let mut len = 0usize;
            if odd {
                put(buf, &mut len, pw);
            } else {
                *at = len;
                put(buf, &mut len, &hole);
            }
            if salted {
                put(buf, &mut len, salt);
            }
            if doubled {
                put(buf, &mut len, pw);
            }
            if odd {
                *at = len;
                put(buf, &mut len, &hole);
            } else {
                put(buf, &mut len, pw);
            }
            // At most 15 + 8 + 15 + 16 = 54 bytes: the padding and length fit this block.
            if let Some(b) = buf.get_mut(len) {
                *b = 0x80;
            }
            if let Some(l) = buf.get_mut(56..64) {
                l.copy_from_slice(&((len as u64) * 8).to_le_bytes());
            }
        }
    }
    for r in 0..1000u32 {
        let combo =
            usize::from(r & 1 == 1) | usize::from(r % 3 != 0) << 1 | usize::from(r % 7 != 0) << 2;
        let mut m = [V::splat(0); 16];
        for (lane, ((fin, tpl), fin_at)) in fins
            .iter()
            .zip(tpl.iter())
            .zip(fin_at.iter())
            .enumerate()
            .take(pws.len())
        {
            let (Some(&tpl), Some(&at)) = (tpl.get(combo), fin_at.get(combo)) else {
                continue;
            };
            let mut buf = tpl;
            if let Some(dst) = buf.get_mut(at..at + 16) {
                dst.copy_from_slice(fin);
            }
            for (w, bytes) in m.iter_mut().zip(buf.chunks_exact(4)) {
                if let (Some(slot), Ok(b)) = (w.0.get_mut(lane), <[u8; 4]>::try_from(bytes)) {
                    *slot = u32::from_le_bytes(b);
                }
            }
        }
        let st = compress(&m);
        for (lane, fin) in fins.iter_mut().enumerate() {
            for (word, out) in st.iter().zip(fin.chunks_exact_mut(4)) {
                if let Some(x) = word.0.get(lane) {
                    out.copy_from_slice(&x.to_le_bytes());
                }
            }
        }
    }
}

/// Index of the first of `cands` whose md5crypt (`magic` `$1$` or `$apr1$`) equals `stored`.
pub(super) fn find_first<S: AsRef<[u8]>>(cands: &[S], stored: &str, magic: &str) -> Option<usize> {
    let salt = salt_of(stored, magic)?;
    let salt_b = salt.as_bytes();
    for (gi, group) in cands.chunks(LANES).enumerate() {
        let mut short: Vec<&[u8]> = Vec::with_capacity(LANES);
        let mut short_idx: Vec<usize> = Vec::with_capacity(LANES);
        let mut fins = [[0u8; 16]; LANES];
        // Per candidate of the group: Some(true/false) once known, None while in a lane.
        let mut verdict: [Option<bool>; LANES] = [Some(false); LANES];
        for (i, c) in group.iter().enumerate() {
            let pw = c.as_ref();
            let Some(start) = initial(pw, salt_b, magic) else {
                continue;
            };
            if pw.len() <= FAST_MAX_PW && salt_b.len() <= 8 {
                if let Some(f) = fins.get_mut(short.len()) {
                    *f = start;
                }
                short.push(pw);
                short_idx.push(i);
                if let Some(v) = verdict.get_mut(i) {
                    *v = None;
                }
            } else if let Some(v) = verdict.get_mut(i) {
                *v = Some(encode(magic, salt, rounds_slow(pw, salt_b, start)) == stored);
            }
        }
        if !short.is_empty() {
            rounds(&short, salt_b, &mut fins);
            for (&i, fin) in short_idx.iter().zip(fins) {
                if let Some(v) = verdict.get_mut(i) {
                    *v = Some(encode(magic, salt, fin) == stored);
                }
            }
        }
        if let Some(i) = verdict.iter().position(|v| *v == Some(true)) {
            return Some(gi * LANES + i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn scalar(pw: &[u8], salt: &str, magic: &str) -> String {
        super::super::md5crypt::crypt(pw, &format!("{magic}{salt}$"), magic).unwrap()
    }

    #[test]
    fn lanes_agree_with_scalar_for_every_length_and_position() {
        // Lengths 0..=20 cross the one-block limit (15); the group of 4 is ragged at the end.
        // The target is each candidate in turn: the lanes must find exactly that index.
        let cands: Vec<Vec<u8>> = (0..21u8)
            .map(|n| (0..n).map(|i| b'a' + (i * 7 + n) % 26).collect())
            .collect();
        for (magic, salt) in [("$1$", "saltsalt"), ("$apr1$", "ab"), ("$1$", "")] {
            for k in [0usize, 3, 4, 5, 15, 16, 20] {
                let stored = scalar(&cands[k], salt, magic);
                assert_eq!(
                    find_first(&cands, &stored, magic),
                    Some(k),
                    "{magic} {salt:?} {k}"
                );
            }
        }
    }

    #[test]
    fn known_vector_and_no_false_match() {
        // libxcrypt test vector for md5crypt.
        let stored = "$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1";
        let cands = ["x", "y", "Hello world!", "z"];
        assert_eq!(find_first(&cands, stored, "$1$"), Some(2));
        assert_eq!(find_first(&cands[..2], stored, "$1$"), None);
        assert_eq!(find_first::<&str>(&[], stored, "$1$"), None);
    }

    #[test]
    fn first_match_wins() {
        let stored = scalar(b"dup", "abcdefgh", "$1$");
        let cands = ["a", "dup", "b", "dup"];
        assert_eq!(find_first(&cands, &stored, "$1$"), Some(1));
    }
}
