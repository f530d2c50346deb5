//! Version ordering for the version strings firmware components carry.
//!
//! Owns: [`compare`], a total order that is right for the schemes met in embedded firmware:
//! dotted numbers of any length (`2.6.31.8`, uClibc `0.9.33.2`), leading zeros (BusyBox
//! `1.01` = `1.1`), date-like releases (Dropbear `2012.55`), OpenSSL letter releases
//! (`0.9.8g` < `0.9.8m` < `0.9.9`), OpenSSH/ntp patch levels (`7.4p1`, `4.2.8p15`) and
//! pre-releases (`1.0.0-beta2` < `1.0.0-rc1` < `1.0.0`). Never does: guess what a version
//! *means* (a vendor's `3.16.9 Build 150310` compares on its leading numbers).

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(u64),
    /// A pre-release marker (`alpha`, `beta`, `rc`, `pre`, `dev`): sorts before "nothing".
    Pre(String),
    /// Any other letters (OpenSSL `g`, OpenSSH `p`): sorts after "nothing".
    Alpha(String),
}

fn tokens(v: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let lower = v.trim().to_ascii_lowercase();
    let mut cur = String::new();
    let mut cur_digit = false;
    let flush = |cur: &mut String, digit: bool, out: &mut Vec<Tok>| {
        if cur.is_empty() {
            return;
        }
        if digit {
            // Saturate absurdly long digit runs instead of failing: order is still sane.
            let n = cur.parse::<u64>().unwrap_or(u64::MAX);
            out.push(Tok::Num(n));
        } else if matches!(
            cur.as_str(),
            "alpha" | "beta" | "rc" | "pre" | "dev" | "devel" | "snapshot"
        ) {
            out.push(Tok::Pre(cur.clone()));
        } else {
            out.push(Tok::Alpha(cur.clone()));
        }
        cur.clear();
    };
    for c in lower.chars() {
        if c.is_ascii_digit() {
            if !cur_digit {
                flush(&mut cur, false, &mut out);
            }
            cur_digit = true;
            cur.push(c);
        } else if c.is_ascii_alphabetic() {
            if cur_digit {
                flush(&mut cur, true, &mut out);
            }
            cur_digit = false;
            cur.push(c);
        } else {
            flush(&mut cur, cur_digit, &mut out);
            cur_digit = false;
        }
    }
    flush(&mut cur, cur_digit, &mut out);
    out
}

/// Compare two version strings (see the module doc for the rules).
pub fn compare(a: &str, b: &str) -> Ordering {
    let ta = tokens(a);
    let tb = tokens(b);
    let n = ta.len().max(tb.len());
    for i in 0..n {
        let ord = match (ta.get(i), tb.get(i)) {
            (Some(x), Some(y)) => cmp_tok(x, y),
            (Some(x), None) => cmp_missing(x).reverse(),
            (None, Some(y)) => cmp_missing(y),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// How "nothing" compares with `t`: `1.0` = `1.0.0`, `0.9.8` < `0.9.8g`, `1.0` > `1.0rc1`.
fn cmp_missing(t: &Tok) -> Ordering {
    match t {
        Tok::Num(0) => Ordering::Equal,
        Tok::Num(_) | Tok::Alpha(_) => Ordering::Less,
        Tok::Pre(_) => Ordering::Greater,
    }
}

fn rank(t: &Tok) -> u8 {
    match t {
        Tok::Pre(_) => 0,
        Tok::Alpha(_) => 1,
        Tok::Num(_) => 2,
    }
}

fn cmp_tok(a: &Tok, b: &Tok) -> Ordering {
    match (a, b) {
        (Tok::Num(x), Tok::Num(y)) => x.cmp(y),
        (Tok::Alpha(x), Tok::Alpha(y)) | (Tok::Pre(x), Tok::Pre(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Equal under [`compare`] (`1.01` = `1.1`, `4.0` = `4`).
pub fn equal(a: &str, b: &str) -> bool {
    compare(a, b) == Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn openssl_letter_releases() {
        assert_eq!(compare("0.9.8g", "0.9.8m"), Less);
        assert_eq!(compare("0.9.8", "0.9.8g"), Less);
        assert_eq!(compare("0.9.8zh", "0.9.8m"), Greater);
        assert_eq!(compare("0.9.8zh", "1.0.0"), Less);
        assert_eq!(compare("1.0.2g", "1.0.2"), Greater);
        assert_eq!(compare("1.1.1n", "1.1.1"), Greater);
    }

    #[test]
    fn dropbear_uclibc_kernel_busybox() {
        assert_eq!(compare("2012.55", "2016.74"), Less);
        assert_eq!(compare("2012.55", "2011.54"), Greater);
        assert_eq!(compare("0.9.33.2", "0.9.33"), Greater);
        assert_eq!(compare("0.9.33.2", "1.0.0"), Less);
        assert_eq!(compare("2.6.31.8", "2.6.36"), Less);
        assert_eq!(compare("2.6.31.8", "2.6.31"), Greater);
        assert_eq!(compare("1.01", "1.1"), Equal);
        assert_eq!(compare("1.01", "1.27.2"), Less);
        assert_eq!(compare("1.01", "1.00"), Greater);
    }

    #[test]
    fn patch_levels_and_prereleases() {
        assert_eq!(compare("7.4p1", "7.4"), Greater);
        assert_eq!(compare("4.2.8p15", "4.2.8p9"), Greater);
        assert_eq!(compare("1.0.0-beta2", "1.0.0"), Less);
        assert_eq!(compare("1.0.0-rc1", "1.0.0-beta2"), Greater);
        assert_eq!(compare("4.0", "4"), Equal);
        assert_eq!(compare("10.0", "4"), Greater);
    }
}
