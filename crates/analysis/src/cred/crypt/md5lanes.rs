//! md5crypt for several candidates at once: the 1000 rounds of [`super::md5crypt`] run in
//! {LANES} lanes side by side, each lane one candidate password against the same salt.
//!
//! Why: recovering a fixed md5crypt hash from the bundled dictionary is the largest single
//! cost of an assessment. The rounds of one candidate are a serial chain of MD5 blocks, but the
//! rounds of different candidates are independent, so one MD5 compression over lane arrays
//! (`[u32; LANES]`, element-wise operations the compiler turns into SIMD instructions on any
//! x86-64 or AArch64 baseline, no `unsafe` and no target features) hashes {LANES} blocks for
//! little more than the cost of two. Passwords of at most
//! [`FAST_MAX_PW`](super::md5crypt::FAST_MAX_PW) bytes (every round fits one block) and of
//! at most [`LANES_MAX_PW`] (two blocks) take this path, each length class in its own lanes;
//! longer ones fall back to the scalar code. Results are identical by construction and
//! checked against the scalar code in tests.
//!
//! Owns: lane-wise MD5 of single 64-byte blocks and the md5crypt round schedule over lanes.
//! Never does: decide what a match means or touch the clock (the caller's chunking does).

use super::md5crypt::{encode, initial, put, rounds_slow, salt_of, FAST_MAX_PW};

/// Candidates hashed together: two 128-bit vectors of `u32`s (`wide::u32x8` is one AVX2
/// register when the build enables AVX2, else two SSE2/NEON registers). Two independent
/// vectors matter as much as the width: one MD5 step depends on the previous one, so a
/// single vector leaves the execution units idle while each step's result is awaited.
pub(super) const LANES: usize = 8;

type W = wide::u32x8;

#[derive(Clone, Copy)]
struct V(W);

impl V {
    #[inline(always)]
    fn splat(x: u32) -> V {
        V(W::splat(x))
    }
    #[inline(always)]
    fn add(self, o: V) -> V {
        // `wide`'s `+` wraps, like `u32::wrapping_add`.
        V(self.0 + o.0)
    }
    #[inline(always)]
    fn addc(self, k: u32) -> V {
        V(self.0 + W::splat(k))
    }
    #[inline(always)]
    fn rotl(self, s: u32) -> V {
        V(self.0.unbounded_shl_scalar(s) | self.0.unbounded_shr_scalar(32 - s))
    }
}

macro_rules! lanes3 {
    ($name:ident, |$x:ident, $y:ident, $z:ident| $e:expr) => {
        #[inline(always)]
        fn $name(x: V, y: V, z: V) -> V {
            let ($x, $y, $z) = (x.0, y.0, z.0);
            V($e)
        }
    };
}
lanes3!(f1, |x, y, z| z ^ (x & (y ^ z)));
lanes3!(f2, |x, y, z| y ^ (z & (x ^ y)));
lanes3!(f3, |x, y, z| x ^ y ^ z);
lanes3!(f4, |x, y, z| y ^ (x | !z));

macro_rules! step {
    ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {
        $a = $b.add($a.add($f($b, $c, $d)).add($m).addc($k).rotl($s));
    };
}

/// MD5's initial state.
const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// One MD5 block per lane from chaining state `st` (`m[word]` holds that word of every lane).
#[inline(always)]
fn compress(st: [V; 4], m: &[V; 16]) -> [V; 4] {
    let [mut a, mut b, mut c, mut d] = st;
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
    [a.add(st[0]), b.add(st[1]), c.add(st[2]), d.add(st[3])]
}

/// Longest password the lanes take: with two blocks per round, every round's message
/// (password, salt of at most 8, password, digest of 16: at most 2 × 47 + 24 = 118 bytes)
/// and its padding fit.
pub(super) const LANES_MAX_PW: usize = 47;

/// The 1000 md5crypt rounds for up to [`LANES`] passwords, each from its own starting
/// digest, with `WORDS` / 16 (1 or 2) MD5 blocks per round: one block holds every round of a password
/// of at most [`FAST_MAX_PW`] bytes, two hold those up to [`LANES_MAX_PW`]. Unused lanes
/// compute garbage that nobody reads.
fn rounds<const WORDS: usize>(pws: &[&[u8]], salt: &[u8], fins: &mut [[u8; 16]; LANES]) {
    // A round's message depends on the round only through (r odd, r % 3 != 0, r % 7 != 0):
    // eight layouts. Each lane's eight messages are built once, as words in lane order with
    // the padding and length in place and a zero hole where the previous digest goes; a round
    // copies its layout and ORs the digest words in at the hole (shifted when the hole is not
    // word-aligned), so no round touches bytes. With two blocks, a layout whose message fits
    // one block for some lane takes that lane's digest after the first block (`two` mask).
    let mut base = [[[0u32; LANES]; WORDS]; 8];
    // Per layout and lane: the hole's first word and its bit shift within that word.
    let mut hole = [[(0usize, 0u32); LANES]; 8];
    // Per layout and lane: all ones when that lane's message takes two blocks.
    let mut two = [[0u32; LANES]; 8];
    for (lane, pw) in pws.iter().enumerate().take(LANES) {
        for (combo, ((words, holes), two)) in base
            .iter_mut()
            .zip(hole.iter_mut())
            .zip(two.iter_mut())
            .enumerate()
        {
            let (odd, salted, doubled) = (combo & 1 == 1, combo & 2 != 0, combo & 4 != 0);
            let mut buf = [0u8; 128];
            let gap = [0u8; 16];
            let mut len = 0usize;
            let mut at = 0usize;
            if odd {
                put(&mut buf, &mut len, pw);
            } else {
                at = len;
                put(&mut buf, &mut len, &gap);
            }
            if salted {
                put(&mut buf, &mut len, salt);
            }
            if doubled {
                put(&mut buf, &mut len, pw);
            }
            if odd {
                at = len;
                put(&mut buf, &mut len, &gap);
            } else {
                put(&mut buf, &mut len, pw);
            }
            // Padding: 0x80, zeros, the bit length in the last 8 bytes of the last block.
            let blocks = if len <= 55 { 1 } else { 2 };
            if let Some(b) = buf.get_mut(len) {
                *b = 0x80;
            }
            let end = blocks * 64;
            if let Some(l) = buf.get_mut(end - 8..end) {
                l.copy_from_slice(&((len as u64) * 8).to_le_bytes());
            }
            for (w, bytes) in words.iter_mut().zip(buf.chunks_exact(4)) {
                if let (Some(slot), Ok(b)) = (w.get_mut(lane), <[u8; 4]>::try_from(bytes)) {
                    *slot = u32::from_le_bytes(b);
                }
            }
            if let Some(h) = holes.get_mut(lane) {
                *h = (at / 4, (at % 4) as u32 * 8);
            }
            if let Some(t) = two.get_mut(lane) {
                *t = if blocks == 2 { u32::MAX } else { 0 };
            }
        }
    }
    // The running digest of every lane as MD5 state words (MD5 output is little-endian words).
    let mut d = [[0u32; LANES]; 4];
    for (lane, fin) in fins.iter().enumerate() {
        for (word, bytes) in d.iter_mut().zip(fin.chunks_exact(4)) {
            if let (Some(slot), Ok(b)) = (word.get_mut(lane), <[u8; 4]>::try_from(bytes)) {
                *slot = u32::from_le_bytes(b);
            }
        }
    }
    let n = pws.len().min(LANES);
    // Even rounds put the digest first (word-aligned at offset 0 in every lane): a vector OR.
    // Odd rounds put it after the password, salt and password, a different offset per lane:
    // those words are assembled per lane, only over the words some lane's hole touches.
    let basev = base.map(|words| words.map(W::new));
    let twov = two.map(W::new);
    let any_two = two.map(|t| t.iter().take(n).any(|x| *x != 0));
    let mut span = [(0usize, 0usize); 8];
    for (sp, holes) in span.iter_mut().zip(hole.iter()) {
        let lo = holes.iter().take(n).map(|h| h.0).min().unwrap_or(0);
        let hi = holes
            .iter()
            .take(n)
            .map(|h| h.0 + 5)
            .max()
            .unwrap_or(0)
            .min(WORDS);
        *sp = (lo, hi);
    }
    let iv = IV.map(V::splat);
    let mut dv = d.map(W::new);
    for r in 0..1000u32 {
        let combo =
            usize::from(r & 1 == 1) | usize::from(r % 3 != 0) << 1 | usize::from(r % 7 != 0) << 2;
        let (Some(words), Some(holes), Some(&(lo, hi))) =
            (basev.get(combo), hole.get(combo), span.get(combo))
        else {
            continue;
        };
        let mut m = *words;
        if r & 1 == 0 {
            for (slot, x) in m.iter_mut().zip(dv) {
                *slot |= x;
            }
        } else {
            let da = dv.map(W::to_array);
            let mut ins = [[0u32; LANES]; WORDS];
            for (lane, &(q, sh)) in holes.iter().enumerate().take(n) {
                // Digest word k lands in message word q + k (and q + k + 1 when shifted).
                let mut spill = 0u32;
                for (k, x) in da
                    .iter()
                    .map(|w| w.get(lane).copied().unwrap_or(0))
                    .enumerate()
                {
                    if let Some(slot) = ins.get_mut(q + k).and_then(|v| v.get_mut(lane)) {
                        *slot = (x << sh) | spill;
                    }
                    spill = if sh == 0 { 0 } else { x >> (32 - sh) };
                }
                if let Some(slot) = ins.get_mut(q + 4).and_then(|v| v.get_mut(lane)) {
                    *slot = spill;
                }
            }
            for (slot, x) in m.iter_mut().zip(ins).take(hi).skip(lo) {
                *slot |= W::new(x);
            }
        }
        let Some(Ok(b0)) = m.get(..16).map(<&[W; 16]>::try_from) else {
            continue;
        };
        let st0 = compress(iv, &b0.map(V));
        let second = m.get(16..32).map(<&[W; 16]>::try_from);
        dv = if let (true, Some(Ok(b1))) = (any_two.get(combo).copied().unwrap_or(false), second) {
            let st1 = compress(st0, &b1.map(V));
            let mask = twov.get(combo).copied().unwrap_or(W::splat(0));
            [0, 1, 2, 3].map(|k| {
                let (x0, x1) = (
                    st0.get(k).map_or(W::splat(0), |v| v.0),
                    st1.get(k).map_or(W::splat(0), |v| v.0),
                );
                (x1 & mask) | (x0 & !mask)
            })
        } else {
            st0.map(|v| v.0)
        };
    }
    let d = dv.map(W::to_array);
    for (lane, fin) in fins.iter_mut().enumerate() {
        for (word, out) in d.iter().zip(fin.chunks_exact_mut(4)) {
            if let Some(x) = word.get(lane) {
                out.copy_from_slice(&x.to_le_bytes());
            }
        }
    }
}

/// Index of the first of `cands` whose md5crypt (`magic` `$1$` or `$apr1$`) equals `stored`.
/// Passwords of up to [`FAST_MAX_PW`] bytes go through one-block lanes, those up to
/// [`LANES_MAX_PW`] through two-block lanes, longer ones through the scalar code.
pub(super) fn find_first<S: AsRef<[u8]>>(cands: &[S], stored: &str, magic: &str) -> Option<usize> {
    let salt = salt_of(stored, magic)?;
    let salt_b = salt.as_bytes();
    // (index, password, starting digest) per class.
    let mut one: Vec<(usize, &[u8], [u8; 16])> = Vec::new();
    let mut two: Vec<(usize, &[u8], [u8; 16])> = Vec::new();
    let mut best: Option<usize> = None;
    for (i, c) in cands.iter().enumerate() {
        let pw = c.as_ref();
        let Some(start) = initial(pw, salt_b, magic) else {
            continue;
        };
        if salt_b.len() <= 8 && pw.len() <= FAST_MAX_PW {
            one.push((i, pw, start));
        } else if salt_b.len() <= 8 && pw.len() <= LANES_MAX_PW {
            two.push((i, pw, start));
        } else if encode(magic, salt, rounds_slow(pw, salt_b, start)) == stored {
            best = Some(best.map_or(i, |b| b.min(i)));
            break;
        }
    }
    let mut run = |class: &[(usize, &[u8], [u8; 16])], blocks: usize| {
        for group in class.chunks(LANES) {
            if best.is_some_and(|b| group.first().is_some_and(|g| g.0 > b)) {
                return;
            }
            let pws: Vec<&[u8]> = group.iter().map(|g| g.1).collect();
            let mut fins = [[0u8; 16]; LANES];
            for (f, g) in fins.iter_mut().zip(group) {
                *f = g.2;
            }
            if blocks == 1 {
                rounds::<16>(&pws, salt_b, &mut fins);
            } else {
                rounds::<32>(&pws, salt_b, &mut fins);
            }
            for (g, fin) in group.iter().zip(fins) {
                if encode(magic, salt, fin) == stored {
                    best = Some(best.map_or(g.0, |b| b.min(g.0)));
                }
            }
        }
    };
    run(&one, 1);
    run(&two, 2);
    best
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
        // Lengths 0..=51 cross the one-block limit (15) and the two-block limit (47); the
        // classes are ragged at their ends. The target is each candidate in turn: the lanes
        // must find exactly that index.
        let cands: Vec<Vec<u8>> = (0..52u8)
            .map(|n| {
                (0..n)
                    .map(|i| b'a' + ((u32::from(i) * 7 + u32::from(n)) % 26) as u8)
                    .collect()
            })
            .collect();
        for (magic, salt) in [("$1$", "saltsalt"), ("$apr1$", "ab"), ("$1$", "")] {
            for k in [0usize, 3, 8, 15, 16, 20, 23, 31, 40, 47, 48, 51] {
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
