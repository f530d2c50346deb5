//! md5crypt (`$1$`, Poul-Henning Kamp's FreeBSD scheme) and Apache's `$apr1$` variant, which
//! differs only in its magic string.

use super::b64_from_24bit;
use md5::{Digest, Md5};

pub(super) fn crypt(pw: &[u8], setting: &str, magic: &str) -> Option<String> {
    let rest = setting.strip_prefix(magic)?;
    let salt_full = rest.split('$').next().unwrap_or("");
    // Salts are at most 8 characters; longer ones are truncated as libxcrypt does.
    let salt = salt_full.get(..salt_full.len().min(8))?;
    let salt_b = salt.as_bytes();

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
    let mut fin: [u8; 16] = ctx.finalize().into();

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

    let f = fin;
    let mut out = String::with_capacity(magic.len() + salt.len() + 23);
    out.push_str(magic);
    out.push_str(salt);
    out.push('$');
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        let g = |i: usize| f.get(i).copied().unwrap_or(0);
        b64_from_24bit(&mut out, g(a), g(b), g(c), 4);
    }
    b64_from_24bit(&mut out, 0, 0, f.get(11).copied().unwrap_or(0), 2);
    Some(out)
}
