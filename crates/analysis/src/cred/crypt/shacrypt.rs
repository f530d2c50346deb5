//! SHA-crypt (`$5$` SHA-256, `$6$` SHA-512), Ulrich Drepper's specification as implemented
//! by glibc and libxcrypt, including the `rounds=` clamping rules.

use super::b64_from_24bit;
use sha2::{Digest, Sha256, Sha512};

const ROUNDS_DEFAULT: u64 = 5000;
const ROUNDS_MIN: u64 = 1000;
const ROUNDS_MAX: u64 = 999_999_999;
/// Rounds above this are not attempted when cracking (each guess would take seconds).
pub(super) const ROUNDS_CRACK_MAX: u64 = 1_000_000;

struct Setting<'a> {
    rounds: u64,
    custom: bool,
    salt: &'a str,
}

fn parse<'a>(setting: &'a str, magic: &str) -> Option<Setting<'a>> {
    let mut rest = setting.strip_prefix(magic)?;
    let mut rounds = ROUNDS_DEFAULT;
    let mut custom = false;
    if let Some(r) = rest.strip_prefix("rounds=") {
        let (num, after) = r.split_once('$')?;
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) || num.starts_with('0') {
            return None;
        }
        let n: u64 = num.parse().ok()?;
        rounds = n.clamp(ROUNDS_MIN, ROUNDS_MAX);
        custom = true;
        rest = after;
    }
    let salt_full = rest.split('$').next().unwrap_or("");
    let end = salt_full.len().min(16);
    let salt = salt_full.get(..end)?;
    Some(Setting {
        rounds,
        custom,
        salt,
    })
}

fn core<D: Digest + Clone>(pw: &[u8], salt: &[u8], rounds: u64) -> Vec<u8> {
    let hl = <D as Digest>::output_size();
    let mut b = D::new();
    b.update(pw);
    b.update(salt);
    b.update(pw);
    let b = b.finalize();

    let mut a = D::new();
    a.update(pw);
    a.update(salt);
    let mut cnt = pw.len();
    while cnt > hl {
        a.update(&b);
        cnt -= hl;
    }
    a.update(b.get(..cnt).unwrap_or(&[]));
    let mut cnt = pw.len();
    while cnt > 0 {
        if cnt & 1 == 1 {
            a.update(&b);
        } else {
            a.update(pw);
        }
        cnt >>= 1;
    }
    let mut a = a.finalize();

    let mut dp = D::new();
    for _ in 0..pw.len() {
        dp.update(pw);
    }
    let dp = dp.finalize();
    let p: Vec<u8> = dp.iter().copied().cycle().take(pw.len()).collect();

    let mut ds = D::new();
    let first = a.first().copied().unwrap_or(0);
    for _ in 0..16 + usize::from(first) {
        ds.update(salt);
    }
    let ds = ds.finalize();
    let s: Vec<u8> = ds.iter().copied().cycle().take(salt.len()).collect();

    for r in 0..rounds {
        let mut c = D::new();
        if r & 1 == 1 {
            c.update(&p);
        } else {
            c.update(&a);
        }
        if r % 3 != 0 {
            c.update(&s);
        }
        if r % 7 != 0 {
            c.update(&p);
        }
        if r & 1 == 1 {
            c.update(&a);
        } else {
            c.update(&p);
        }
        a = c.finalize();
    }
    a.to_vec()
}

fn prefix(magic: &str, s: &Setting<'_>) -> String {
    let mut out = String::from(magic);
    if s.custom {
        out.push_str(&format!("rounds={}$", s.rounds));
    }
    out.push_str(s.salt);
    out.push('$');
    out
}

pub(super) fn crypt256(pw: &[u8], setting: &str) -> Option<String> {
    let s = parse(setting, "$5$")?;
    let f = core::<Sha256>(pw, s.salt.as_bytes(), s.rounds);
    let g = |i: usize| f.get(i).copied().unwrap_or(0);
    let mut out = prefix("$5$", &s);
    for (a, b, c) in [
        (0, 10, 20),
        (21, 1, 11),
        (12, 22, 2),
        (3, 13, 23),
        (24, 4, 14),
        (15, 25, 5),
        (6, 16, 26),
        (27, 7, 17),
        (18, 28, 8),
        (9, 19, 29),
    ] {
        b64_from_24bit(&mut out, g(a), g(b), g(c), 4);
    }
    b64_from_24bit(&mut out, 0, g(31), g(30), 3);
    Some(out)
}

pub(super) fn crypt512(pw: &[u8], setting: &str) -> Option<String> {
    let s = parse(setting, "$6$")?;
    let f = core::<Sha512>(pw, s.salt.as_bytes(), s.rounds);
    let g = |i: usize| f.get(i).copied().unwrap_or(0);
    let mut out = prefix("$6$", &s);
    for (a, b, c) in [
        (0, 21, 42),
        (22, 43, 1),
        (44, 2, 23),
        (3, 24, 45),
        (25, 46, 4),
        (47, 5, 26),
        (6, 27, 48),
        (28, 49, 7),
        (50, 8, 29),
        (9, 30, 51),
        (31, 52, 10),
        (53, 11, 32),
        (12, 33, 54),
        (34, 55, 13),
        (56, 14, 35),
        (15, 36, 57),
        (37, 58, 16),
        (59, 17, 38),
        (18, 39, 60),
        (40, 61, 19),
        (62, 20, 41),
    ] {
        b64_from_24bit(&mut out, g(a), g(b), g(c), 4);
    }
    b64_from_24bit(&mut out, 0, 0, g(63), 2);
    Some(out)
}

/// Rounds a stored SHA-crypt hash asks for (for skipping absurd costs when cracking).
pub(super) fn rounds_of(stored: &str) -> u64 {
    parse(stored, "$5$")
        .or_else(|| parse(stored, "$6$"))
        .map_or(ROUNDS_DEFAULT, |s| s.rounds)
}
