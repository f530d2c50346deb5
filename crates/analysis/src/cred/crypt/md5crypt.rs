//! md5crypt (`$1$`, Poul-Henning Kamp's FreeBSD scheme) and Apache's `$apr1$` variant, which
//! differs only in its magic string.

use super::b64_from_24bit;
use md5::{Digest, Md5};

pub(super) fn crypt(pw: &[u8], setting: &str, magic: &str) -> Option<String> {
    let salt = salt_of(setting, magic)?;
    let salt_b = salt.as_bytes();
    let fin = initial(pw, salt_b, magic)?;
    let fin = match rounds_fast(pw, salt_b, fin) {
        Some(f) => f,
        None => rounds_slow(pw, salt_b, fin),
    };
    Some(encode(magic, salt, fin))
}

/// The salt of a `$1$`/`$apr1$` setting or hash: at most 8 characters, longer ones are
/// truncated as libxcrypt does.
pub(super) fn salt_of<'a>(setting: &'a str, magic: &str) -> Option<&'a str> {
    let rest = setting.strip_prefix(magic)?;
    let salt_full = rest.split('$').next().unwrap_or("");
    salt_full.get(..salt_full.len().min(8))
}

/// The digest the 1000 rounds start from.
pub(super) fn initial(pw: &[u8], salt_b: &[u8], magic: &str) -> Option<[u8; 16]> {
    let mut alt = Md5::new();
    alt.update(pw);
    alt.update(salt_b);
    alt.update(pw);
    let alt = alt.finalize();

    let mut ctx = Md5::new();
    ctx.update(pw);
    ctx.update(magic.as_bytes());
    ctx.update(salt_b);
    let mut left = pw.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(alt.get(..n)?);
        left -= n;
    }
    let mut i = pw.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(pw.get(..1).unwrap_or(&[0u8]));
        }
        i >>= 1;
    }
    Some(ctx.finalize().into())
}

pub(super) fn rounds_slow(pw: &[u8], salt_b: &[u8], mut fin: [u8; 16]) -> [u8; 16] {
    for r in 0..1000u32 {
        let mut c = Md5::new();
        if r & 1 == 1 {
            c.update(pw);
        } else {
            c.update(fin);
        }
        if r % 3 != 0 {
            c.update(salt_b);
        }
        if r % 7 != 0 {
            c.update(pw);
        }
        if r & 1 == 1 {
            c.update(fin);
        } else {
            c.update(pw);
        }
        fin = c.finalize().into();
    }
    fin
}

pub(super) fn encode(magic: &str, salt: &str, f: [u8; 16]) -> String {
    let mut out = String::with_capacity(magic.len() + salt.len() + 23);
    out.push_str(magic);
    out.push_str(salt);
    out.push('$');
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        let g = |i: usize| f.get(i).copied().unwrap_or(0);
        b64_from_24bit(&mut out, g(a), g(b), g(c), 4);
    }
    b64_from_24bit(&mut out, 0, 0, f.get(11).copied().unwrap_or(0), 2);
    out
}

// ---- Fast path: every MD5 input of md5crypt fits one 64-byte block when the password has at
// most 15 bytes (2 × 15 + 8 + 16 ≤ 55). Hashing on the stack with an unrolled compression
// function avoids the streaming hasher's buffering; this is the hot loop of cracking.

/// Longest password that takes the one-block fast path.
pub(super) const FAST_MAX_PW: usize = 15;

#[inline(always)]
fn f1(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (!x & z)
}
#[inline(always)]
fn f2(x: u32, y: u32, z: u32) -> u32 {
    (x & z) | (y & !z)
}
#[inline(always)]
fn f3(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}
#[inline(always)]
fn f4(x: u32, y: u32, z: u32) -> u32 {
    y ^ (x | !z)
}

/// MD5 of a message of at most 55 bytes held in `buf[..len]` (the rest of `buf` is scratch).
#[inline(always)]
fn md5_block(buf: &mut [u8; 64], len: usize) -> [u8; 16] {
    let len = len.min(55);
    if let Some(tail) = buf.get_mut(len..) {
        tail.fill(0);
    }
    if let Some(b) = buf.get_mut(len) {
        *b = 0x80;
    }
    let bits = (len as u64) * 8;
    if let Some(l) = buf.get_mut(56..64) {
        l.copy_from_slice(&bits.to_le_bytes());
    }
    let mut m = [0u32; 16];
    for (w, c) in m.iter_mut().zip(buf.chunks_exact(4)) {
        if let Ok(b) = <[u8; 4]>::try_from(c) {
            *w = u32::from_le_bytes(b);
        }
    }
    let (mut a, mut b, mut c, mut d) = (
        0x6745_2301u32,
        0xefcd_ab89u32,
        0x98ba_dcfeu32,
        0x1032_5476u32,
    );
    a = b.wrapping_add(
        a.wrapping_add(f1(b, c, d))
            .wrapping_add(0xd76aa478)
            .wrapping_add(m[0])
            .rotate_left(7),
    );
    d = a.wrapping_add(
        d.wrapping_add(f1(a, b, c))
            .wrapping_add(0xe8c7b756)
            .wrapping_add(m[1])
            .rotate_left(12),
    );
    c = d.wrapping_add(
        c.wrapping_add(f1(d, a, b))
            .wrapping_add(0x242070db)
            .wrapping_add(m[2])
            .rotate_left(17),
    );
    b = c.wrapping_add(
        b.wrapping_add(f1(c, d, a))
            .wrapping_add(0xc1bdceee)
            .wrapping_add(m[3])
            .rotate_left(22),
    );
    a = b.wrapping_add(
        a.wrapping_add(f1(b, c, d))
            .wrapping_add(0xf57c0faf)
            .wrapping_add(m[4])
            .rotate_left(7),
    );
    d = a.wrapping_add(
        d.wrapping_add(f1(a, b, c))
            .wrapping_add(0x4787c62a)
            .wrapping_add(m[5])
            .rotate_left(12),
    );
    c = d.wrapping_add(
        c.wrapping_add(f1(d, a, b))
            .wrapping_add(0xa8304613)
            .wrapping_add(m[6])
            .rotate_left(17),
    );
    b = c.wrapping_add(
        b.wrapping_add(f1(c, d, a))
            .wrapping_add(0xfd469501)
            .wrapping_add(m[7])
            .rotate_left(22),
    );
    a = b.wrapping_add(
        a.wrapping_add(f1(b, c, d))
            .wrapping_add(0x698098d8)
            .wrapping_add(m[8])
            .rotate_left(7),
    );
    d = a.wrapping_add(
        d.wrapping_add(f1(a, b, c))
            .wrapping_add(0x8b44f7af)
            .wrapping_add(m[9])
            .rotate_left(12),
    );
    c = d.wrapping_add(
        c.wrapping_add(f1(d, a, b))
            .wrapping_add(0xffff5bb1)
            .wrapping_add(m[10])
            .rotate_left(17),
    );
    b = c.wrapping_add(
        b.wrapping_add(f1(c, d, a))
            .wrapping_add(0x895cd7be)
            .wrapping_add(m[11])
            .rotate_left(22),
    );
    a = b.wrapping_add(
        a.wrapping_add(f1(b, c, d))
            .wrapping_add(0x6b901122)
            .wrapping_add(m[12])
            .rotate_left(7),
    );
    d = a.wrapping_add(
        d.wrapping_add(f1(a, b, c))
            .wrapping_add(0xfd987193)
            .wrapping_add(m[13])
            .rotate_left(12),
    );
    c = d.wrapping_add(
        c.wrapping_add(f1(d, a, b))
            .wrapping_add(0xa679438e)
            .wrapping_add(m[14])
            .rotate_left(17),
    );
    b = c.wrapping_add(
        b.wrapping_add(f1(c, d, a))
            .wrapping_add(0x49b40821)
            .wrapping_add(m[15])
            .rotate_left(22),
    );
    a = b.wrapping_add(
        a.wrapping_add(f2(b, c, d))
            .wrapping_add(0xf61e2562)
            .wrapping_add(m[1])
            .rotate_left(5),
    );
    d = a.wrapping_add(
        d.wrapping_add(f2(a, b, c))
            .wrapping_add(0xc040b340)
            .wrapping_add(m[6])
            .rotate_left(9),
    );
    c = d.wrapping_add(
        c.wrapping_add(f2(d, a, b))
            .wrapping_add(0x265e5a51)
            .wrapping_add(m[11])
            .rotate_left(14),
    );
    b = c.wrapping_add(
        b.wrapping_add(f2(c, d, a))
            .wrapping_add(0xe9b6c7aa)
            .wrapping_add(m[0])
            .rotate_left(20),
    );
    a = b.wrapping_add(
        a.wrapping_add(f2(b, c, d))
            .wrapping_add(0xd62f105d)
            .wrapping_add(m[5])
            .rotate_left(5),
    );
    d = a.wrapping_add(
        d.wrapping_add(f2(a, b, c))
            .wrapping_add(0x02441453)
            .wrapping_add(m[10])
            .rotate_left(9),
    );
    c = d.wrapping_add(
        c.wrapping_add(f2(d, a, b))
            .wrapping_add(0xd8a1e681)
            .wrapping_add(m[15])
            .rotate_left(14),
    );
    b = c.wrapping_add(
        b.wrapping_add(f2(c, d, a))
            .wrapping_add(0xe7d3fbc8)
            .wrapping_add(m[4])
            .rotate_left(20),
    );
    a = b.wrapping_add(
        a.wrapping_add(f2(b, c, d))
            .wrapping_add(0x21e1cde6)
            .wrapping_add(m[9])
            .rotate_left(5),
    );
    d = a.wrapping_add(
        d.wrapping_add(f2(a, b, c))
            .wrapping_add(0xc33707d6)
            .wrapping_add(m[14])
            .rotate_left(9),
    );
    c = d.wrapping_add(
        c.wrapping_add(f2(d, a, b))
            .wrapping_add(0xf4d50d87)
            .wrapping_add(m[3])
            .rotate_left(14),
    );
    b = c.wrapping_add(
        b.wrapping_add(f2(c, d, a))
            .wrapping_add(0x455a14ed)
            .wrapping_add(m[8])
            .rotate_left(20),
    );
    a = b.wrapping_add(
        a.wrapping_add(f2(b, c, d))
            .wrapping_add(0xa9e3e905)
            .wrapping_add(m[13])
            .rotate_left(5),
    );
    d = a.wrapping_add(
        d.wrapping_add(f2(a, b, c))
            .wrapping_add(0xfcefa3f8)
            .wrapping_add(m[2])
            .rotate_left(9),
    );
    c = d.wrapping_add(
        c.wrapping_add(f2(d, a, b))
            .wrapping_add(0x676f02d9)
            .wrapping_add(m[7])
            .rotate_left(14),
    );
    b = c.wrapping_add(
        b.wrapping_add(f2(c, d, a))
            .wrapping_add(0x8d2a4c8a)
            .wrapping_add(m[12])
            .rotate_left(20),
    );
    a = b.wrapping_add(
        a.wrapping_add(f3(b, c, d))
            .wrapping_add(0xfffa3942)
            .wrapping_add(m[5])
            .rotate_left(4),
    );
    d = a.wrapping_add(
        d.wrapping_add(f3(a, b, c))
            .wrapping_add(0x8771f681)
            .wrapping_add(m[8])
            .rotate_left(11),
    );
    c = d.wrapping_add(
        c.wrapping_add(f3(d, a, b))
            .wrapping_add(0x6d9d6122)
            .wrapping_add(m[11])
            .rotate_left(16),
    );
    b = c.wrapping_add(
        b.wrapping_add(f3(c, d, a))
            .wrapping_add(0xfde5380c)
            .wrapping_add(m[14])
            .rotate_left(23),
    );
    a = b.wrapping_add(
        a.wrapping_add(f3(b, c, d))
            .wrapping_add(0xa4beea44)
            .wrapping_add(m[1])
            .rotate_left(4),
    );
    d = a.wrapping_add(
        d.wrapping_add(f3(a, b, c))
            .wrapping_add(0x4bdecfa9)
            .wrapping_add(m[4])
            .rotate_left(11),
    );
    c = d.wrapping_add(
        c.wrapping_add(f3(d, a, b))
            .wrapping_add(0xf6bb4b60)
            .wrapping_add(m[7])
            .rotate_left(16),
    );
    b = c.wrapping_add(
        b.wrapping_add(f3(c, d, a))
            .wrapping_add(0xbebfbc70)
            .wrapping_add(m[10])
            .rotate_left(23),
    );
    a = b.wrapping_add(
        a.wrapping_add(f3(b, c, d))
            .wrapping_add(0x289b7ec6)
            .wrapping_add(m[13])
            .rotate_left(4),
    );
    d = a.wrapping_add(
        d.wrapping_add(f3(a, b, c))
            .wrapping_add(0xeaa127fa)
            .wrapping_add(m[0])
            .rotate_left(11),
    );
    c = d.wrapping_add(
        c.wrapping_add(f3(d, a, b))
            .wrapping_add(0xd4ef3085)
            .wrapping_add(m[3])
            .rotate_left(16),
    );
    b = c.wrapping_add(
        b.wrapping_add(f3(c, d, a))
            .wrapping_add(0x04881d05)
            .wrapping_add(m[6])
            .rotate_left(23),
    );
    a = b.wrapping_add(
        a.wrapping_add(f3(b, c, d))
            .wrapping_add(0xd9d4d039)
            .wrapping_add(m[9])
            .rotate_left(4),
    );
    d = a.wrapping_add(
        d.wrapping_add(f3(a, b, c))
            .wrapping_add(0xe6db99e5)
            .wrapping_add(m[12])
            .rotate_left(11),
    );
    c = d.wrapping_add(
        c.wrapping_add(f3(d, a, b))
            .wrapping_add(0x1fa27cf8)
            .wrapping_add(m[15])
            .rotate_left(16),
    );
    b = c.wrapping_add(
        b.wrapping_add(f3(c, d, a))
            .wrapping_add(0xc4ac5665)
            .wrapping_add(m[2])
            .rotate_left(23),
    );
    a = b.wrapping_add(
        a.wrapping_add(f4(b, c, d))
            .wrapping_add(0xf4292244)
            .wrapping_add(m[0])
            .rotate_left(6),
    );
    d = a.wrapping_add(
        d.wrapping_add(f4(a, b, c))
            .wrapping_add(0x432aff97)
            .wrapping_add(m[7])
            .rotate_left(10),
    );
    c = d.wrapping_add(
        c.wrapping_add(f4(d, a, b))
            .wrapping_add(0xab9423a7)
            .wrapping_add(m[14])
            .rotate_left(15),
    );
    b = c.wrapping_add(
        b.wrapping_add(f4(c, d, a))
            .wrapping_add(0xfc93a039)
            .wrapping_add(m[5])
            .rotate_left(21),
    );
    a = b.wrapping_add(
        a.wrapping_add(f4(b, c, d))
            .wrapping_add(0x655b59c3)
            .wrapping_add(m[12])
            .rotate_left(6),
    );
    d = a.wrapping_add(
        d.wrapping_add(f4(a, b, c))
            .wrapping_add(0x8f0ccc92)
            .wrapping_add(m[3])
            .rotate_left(10),
    );
    c = d.wrapping_add(
        c.wrapping_add(f4(d, a, b))
            .wrapping_add(0xffeff47d)
            .wrapping_add(m[10])
            .rotate_left(15),
    );
    b = c.wrapping_add(
        b.wrapping_add(f4(c, d, a))
            .wrapping_add(0x85845dd1)
            .wrapping_add(m[1])
            .rotate_left(21),
    );
    a = b.wrapping_add(
        a.wrapping_add(f4(b, c, d))
            .wrapping_add(0x6fa87e4f)
            .wrapping_add(m[8])
            .rotate_left(6),
    );
    d = a.wrapping_add(
        d.wrapping_add(f4(a, b, c))
            .wrapping_add(0xfe2ce6e0)
            .wrapping_add(m[15])
            .rotate_left(10),
    );
    c = d.wrapping_add(
        c.wrapping_add(f4(d, a, b))
            .wrapping_add(0xa3014314)
            .wrapping_add(m[6])
            .rotate_left(15),
    );
    b = c.wrapping_add(
        b.wrapping_add(f4(c, d, a))
            .wrapping_add(0x4e0811a1)
            .wrapping_add(m[13])
            .rotate_left(21),
    );
    a = b.wrapping_add(
        a.wrapping_add(f4(b, c, d))
            .wrapping_add(0xf7537e82)
            .wrapping_add(m[4])
            .rotate_left(6),
    );
    d = a.wrapping_add(
        d.wrapping_add(f4(a, b, c))
            .wrapping_add(0xbd3af235)
            .wrapping_add(m[11])
            .rotate_left(10),
    );
    c = d.wrapping_add(
        c.wrapping_add(f4(d, a, b))
            .wrapping_add(0x2ad7d2bb)
            .wrapping_add(m[2])
            .rotate_left(15),
    );
    b = c.wrapping_add(
        b.wrapping_add(f4(c, d, a))
            .wrapping_add(0xeb86d391)
            .wrapping_add(m[9])
            .rotate_left(21),
    );

    let mut out = [0u8; 16];
    for (o, v) in out.chunks_exact_mut(4).zip([
        a.wrapping_add(0x6745_2301),
        b.wrapping_add(0xefcd_ab89),
        c.wrapping_add(0x98ba_dcfe),
        d.wrapping_add(0x1032_5476),
    ]) {
        o.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// Append `src` to `buf[*len..]` (cut at the end of `buf`).
#[inline(always)]
pub(super) fn put(buf: &mut [u8], len: &mut usize, src: &[u8]) {
    let end = (*len + src.len()).min(buf.len());
    if let Some(dst) = buf.get_mut(*len..end) {
        dst.copy_from_slice(src.get(..end - *len).unwrap_or(&[]));
    }
    *len = end;
}

/// The 1000 rounds on the stack; `None` when the fast path does not apply.
fn rounds_fast(pw: &[u8], salt: &[u8], mut fin: [u8; 16]) -> Option<[u8; 16]> {
    if pw.len() > FAST_MAX_PW || salt.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 64];
    for r in 0..1000u32 {
        let mut len = 0usize;
        if r & 1 == 1 {
            put(&mut buf, &mut len, pw);
        } else {
            put(&mut buf, &mut len, &fin);
        }
        if r % 3 != 0 {
            put(&mut buf, &mut len, salt);
        }
        if r % 7 != 0 {
            put(&mut buf, &mut len, pw);
        }
        if r & 1 == 1 {
            put(&mut buf, &mut len, &fin);
        } else {
            put(&mut buf, &mut len, pw);
        }
        fin = md5_block(&mut buf, len);
    }
    Some(fin)
}
