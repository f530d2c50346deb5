//! Version ordering for the version strings firmware components carry.
//!
//! Owns: [`compare`], a total order that is right for the schemes met in embedded firmware:
//! dotted numbers of any length (`2.6.31.8`, uClibc `0.9.33.2`), leading zeros (BusyBox
//! `1.01` = `1.1`), date-like releases (Dropbear `2012.55`), OpenSSL letter releases
//! (`0.9.8g` < `0.9.8m` < `0.9.9`), OpenSSH/ntp patch levels (`7.4p1`, `4.2.8p15`) and
//! pre-releases (`1.0.0-beta2` < `1.0.0-rc1` < `1.0.0`). Never does: guess what a version
//! *means* (a vendor's `3.16.9 Build 150310` compares on its leading numbers).

use std::cmp::Ordering;

/// A version token, borrowed from the string (no allocation: matching compares many).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Num(u64),
    /// A pre-release marker (`alpha`, `beta`, `rc`, `pre`, `dev`): sorts before "nothing".
    Pre(&'a str),
    /// Any other letters (OpenSSL `g`, OpenSSH `p`): sorts after "nothing".
    Alpha(&'a str),
}

/// Runs of ASCII digits and of ASCII letters; everything else separates.
struct Tokens<'a> {
    src: &'a str,
    pos: usize,
}

fn tokens(v: &str) -> Tokens<'_> {
    Tokens {
        src: v.trim(),
        pos: 0,
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Tok<'a>;
    fn next(&mut self) -> Option<Tok<'a>> {
        let b = self.src.as_bytes();
        while b.get(self.pos).is_some_and(|c| !c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let start = self.pos;
        let first = *b.get(start)?;
        let digit = first.is_ascii_digit();
        while b.get(self.pos).is_some_and(|c| {
            if digit {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        }) {
            self.pos += 1;
        }
        // ASCII boundaries are char boundaries: `get` cannot fail here.
        let run = self.src.get(start..self.pos)?;
        if digit {
            // Saturate absurdly long digit runs instead of failing: order is still sane.
            let n = run.bytes().try_fold(0u64, |n, c| {
                n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
            });
            return Some(Tok::Num(n.unwrap_or(u64::MAX)));
        }
        let pre = ["alpha", "beta", "rc", "pre", "dev", "devel", "snapshot"]
            .iter()
            .any(|p| run.eq_ignore_ascii_case(p));
        Some(if pre { Tok::Pre(run) } else { Tok::Alpha(run) })
    }
}

/// Compare two version strings (see the module doc for the rules).
pub fn compare(a: &str, b: &str) -> Ordering {
    let mut ta = tokens(a);
    let mut tb = tokens(b);
    loop {
        let ord = match (ta.next(), tb.next()) {
            (Some(x), Some(y)) => cmp_tok(&x, &y),
            (Some(x), None) => cmp_missing(&x).reverse(),
            (None, Some(y)) => cmp_missing(&y),
            (None, None) => return Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
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
        (Tok::Alpha(x), Tok::Alpha(y)) | (Tok::Pre(x), Tok::Pre(y)) => x
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(y.bytes().map(|c| c.to_ascii_lowercase())),
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
