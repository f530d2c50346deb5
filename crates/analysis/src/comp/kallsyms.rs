//! The Linux kernel's own symbol table (kallsyms), read from a decompressed kernel image
//! without an ELF file, so that vulnerability matching can tell which kernel code was built.
//!
//! Owns: locating and decoding `kallsyms_token_table`, `kallsyms_token_index`,
//! `kallsyms_markers`, `kallsyms_names` and `kallsyms_num_syms` (as written by the kernel's
//! `scripts/kallsyms.c`), for both byte orders and 32/64-bit kernels, and the symbol prefix
//! set derived from the names. A pure function of bytes. Never does: read symbol addresses
//! (not needed), print, or trust any count before bounding it by the input size.
//!
//! How the tables are found (the technique vmlinux-to-elf describes; no code copied): the
//! token table holds one NUL-terminated token per byte value, and every byte value that occurs
//! in a symbol name keeps its single-character token at its own index, so the digits appear
//! as `"0\0" "1\0" … "9\0"`. Each occurrence of that run is a candidate; it is accepted only if
//! the 256 `u16` offsets of a `kallsyms_token_index` just after the table (after alignment
//! padding) describe exactly the tokens read (this also gives the byte order). Walking
//! backwards: `kallsyms_markers` (one word per 256 symbols: strictly increasing offsets
//! starting at 0, 4- or 8-byte words) ends just before the token table, `kallsyms_names`
//! ends just before the markers, and `kallsyms_num_syms` is the word before the names. The
//! names are then decoded and must land on every marker and end at the markers.
//!
//! Known limits: kernels 6.2 and 6.3, which place `kallsyms_seqs_of_names` between the markers
//! and the token table, are not decoded (returns `None`; 6.4 moved it after the index); a kernel built without
//! `CONFIG_KALLSYMS` has no table; `CONFIG_KALLSYMS_ALL` decides whether data symbols are
//! present (functions always are, static ones included unless inlined). Tables of 256
//! symbols or fewer (a single marker) are not recognised.
//!
//! Fuzzed by `fuzz/fuzz_targets/kallsyms.rs` (`RUSTC_BOOTSTRAP=1 cargo fuzz run kallsyms`).

use memchr::memmem;

/// Run of single-character digit tokens that every kallsyms token table contains.
const DIGITS: &[u8] = b"0\x001\x002\x003\x004\x005\x006\x007\x008\x009\x00";
/// At most this many candidate runs are tried (each costs a bounded amount of work).
const MAX_CANDIDATES: usize = 64;
/// Longest token accepted (tokens are built from pairs; real ones are far shorter).
const MAX_TOKEN: usize = 256;
/// Longest decoded symbol accepted (the kernel's `KSYM_NAME_LEN` is 128, 512 from 6.1).
const MAX_SYMBOL: usize = 1024;

/// The decoded table and where it was found. Names are kept in one buffer (tens of
/// thousands of small allocations would cost more than the decoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kallsyms {
    /// Every name, concatenated (ASCII).
    text: String,
    /// Per symbol: end of its name in `text`, and its `nm`-style type letter (`T` global
    /// text, `t` static text, `D`/`d` data…).
    ends: Vec<(u32, u8)>,
    pub big_endian: bool,
    /// Offsets in the input of `kallsyms_names` and `kallsyms_token_table`.
    pub names_offset: usize,
    pub token_table_offset: usize,
}

impl Kallsyms {
    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no symbol (never, for a decoded table).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// (type letter, name) of every symbol, in table order.
    pub fn symbols(&self) -> impl Iterator<Item = (char, &str)> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&(end, kind)| {
            let end = end as usize;
            let name = self.text.get(start..end).unwrap_or_default();
            start = end;
            (char::from(kind), name)
        })
    }

    /// The sorted distinct [`prefix`]es of the symbol names.
    pub fn prefixes(&self) -> Vec<String> {
        prefix_set(self.symbols().map(|(_, n)| n))
    }
}

/// The sorted distinct [`prefix`]es of `names`.
pub fn prefix_set<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: std::collections::HashSet<&str> = names.filter_map(prefix_str).collect();
    let mut v: Vec<String> = set.into_iter().map(str::to_ascii_lowercase).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Find and decode the kallsyms tables in `data`; `None` when absent or implausible.
pub fn find(data: &[u8]) -> Option<Kallsyms> {
    memmem::find_iter(data, DIGITS)
        .take(MAX_CANDIDATES)
        .find_map(|pos| candidate(data, pos))
}

fn rd_u16(d: &[u8], at: usize, be: bool) -> Option<u16> {
    let b: [u8; 2] = d.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    })
}

fn rd_word(d: &[u8], at: usize, w: usize, be: bool) -> Option<u64> {
    let s = d.get(at..at.checked_add(w)?)?;
    Some(if w == 8 {
        let b: [u8; 8] = s.try_into().ok()?;
        if be {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        }
    } else {
        let b: [u8; 4] = s.try_into().ok()?;
        u64::from(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    })
}

/// The non-empty NUL-terminated token at `at`: (token, offset after its NUL).
fn token(d: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let end = at.checked_add(MAX_TOKEN)?.min(d.len());
    let s = d.get(at..end)?;
    let n = memchr::memchr(0, s)?;
    (n > 0).then_some(())?;
    Some((s.get(..n)?, at.checked_add(n)?.checked_add(1)?))
}

fn align_up(x: usize, a: usize) -> Option<usize> {
    Some(x.checked_add(a - 1)? / a * a)
}

/// Try the digit run at `pos` as the `'0'` token of a token table.
fn candidate(d: &[u8], pos: usize) -> Option<Kallsyms> {
    if pos == 0 || d.get(pos - 1) != Some(&0) {
        return None;
    }
    // Tokens 0x30..=0xff, to find where the table ends.
    let mut at = pos;
    for _ in 0x30..=0xff {
        at = token(d, at)?.1;
    }
    let end = at;
    // Alignment padding (zeros; `.align` is a power of two on MIPS/ARM, so up to 255
    // bytes) then the index, whose entry 0 is 0 and entry 1 is the non-zero length of
    // token 0 plus one: the first non-zero byte is the second byte of entry 1.
    let z = first_nonzero(d, end, 260)?;
    for (p, be) in [(z.checked_sub(2)?, false), (z.checked_sub(3)?, true)] {
        if p < end {
            continue;
        }
        if let Some((start, tokens)) = token_index(d, pos, end, p, be) {
            if let Some(k) = backwards(d, start, &tokens, be) {
                return Some(k);
            }
        }
    }
    None
}

/// The first non-zero byte at or after `at`, looking at most `limit` bytes.
fn first_nonzero(d: &[u8], at: usize, limit: usize) -> Option<usize> {
    let s = d.get(at..at.checked_add(limit)?.min(d.len()))?;
    at.checked_add(s.iter().position(|&b| b != 0)?)
}

/// One past the last non-zero byte before `at`, looking back at most `limit` bytes.
fn last_nonzero_end(d: &[u8], at: usize, limit: usize) -> Option<usize> {
    let s = d.get(at.saturating_sub(limit)..at)?;
    let i = s.iter().rposition(|&b| b != 0)?;
    at.saturating_sub(limit).checked_add(i)?.checked_add(1)
}

/// Check a token index at `p` against the table whose `'0'` token is at `pos`; the 256 tokens.
fn token_index(
    d: &[u8],
    pos: usize,
    end: usize,
    p: usize,
    be: bool,
) -> Option<(usize, Vec<&[u8]>)> {
    if rd_u16(d, p, be)? != 0 {
        return None;
    }
    let start = pos.checked_sub(usize::from(rd_u16(d, p.checked_add(0x60)?, be)?))?;
    let mut tokens = Vec::with_capacity(256);
    let mut at = start;
    for i in 0..256usize {
        let off = usize::from(rd_u16(d, p.checked_add(i * 2)?, be)?);
        if start.checked_add(off)? != at {
            return None;
        }
        let (t, next) = token(d, at)?;
        tokens.push(t);
        at = next;
    }
    (at == end).then_some((start, tokens))
}

/// From the token table start, find markers, names and the symbol count, and decode.
fn backwards(d: &[u8], table: usize, tokens: &[&[u8]], be: bool) -> Option<Kallsyms> {
    // The last marker is non-zero; its word ends at the next word boundary after its last
    // non-zero byte (alignment padding before the token table is zeros).
    let y = last_nonzero_end(d, table, 260)?;
    for w in [4usize, 8] {
        let mend = align_up(y, w)?;
        if mend > table {
            continue;
        }
        let Some((mstart, markers)) = markers_before(d, mend, w, be) else {
            continue;
        };
        if let Some(k) = names(d, mstart, &markers, tokens, be) {
            return Some(Kallsyms {
                token_table_offset: table,
                ..k
            });
        }
    }
    None
}

/// Walk back from `mend` over strictly decreasing non-zero words to a zero: the markers.
fn markers_before(d: &[u8], mend: usize, w: usize, be: bool) -> Option<(usize, Vec<u64>)> {
    let mut rev = Vec::new();
    let mut at = mend;
    let mut prev = u64::MAX;
    let cap = d.len() / w;
    loop {
        at = at.checked_sub(w)?;
        let v = rd_word(d, at, w, be)?;
        if v == 0 {
            rev.push(0);
            break;
        }
        // Each symbol takes at least two bytes (length and one token), so consecutive
        // markers (256 symbols apart) differ by at least 512.
        if v >= prev || prev - v < 512 || rev.len() >= cap {
            return None;
        }
        if prev != u64::MAX && prev - v > 256 * (2 + MAX_SYMBOL as u64) {
            return None;
        }
        rev.push(v);
        prev = v;
    }
    if let Some(first_nonzero) = rev.iter().rev().nth(1) {
        if *first_nonzero < 512 {
            return None;
        }
    }
    rev.reverse();
    Some((at, rev))
}

/// Find `kallsyms_names` before the markers at `mstart` and decode every symbol.
fn names(d: &[u8], mstart: usize, markers: &[u64], tokens: &[&[u8]], be: bool) -> Option<Kallsyms> {
    let m = markers.len();
    // One marker is a lone zero word that cannot be told from padding: tables of at most
    // 256 symbols are not recognised (real kernels have thousands).
    if m < 2 {
        return None;
    }
    let last = usize::try_from(*markers.last()?).ok()?;
    // The symbols after the last marker: 1..=256 of them, 2..=2+MAX_SYMBOL bytes each.
    let hi = mstart.checked_sub(last)?.checked_sub(2)?;
    let lo = hi.saturating_sub(256 * (2 + MAX_SYMBOL));
    let min_n = (m - 1) * 256 + 1;
    let max_n = m * 256;
    let mut n_at = hi / 4 * 4;
    while n_at >= lo && n_at >= 4 {
        // `kallsyms_num_syms` (a `.long` or an 8-byte word, whose non-zero low half comes
        // last in big-endian and first in little-endian) is the 4-byte word holding the last
        // non-zero byte before the names, across alignment padding.
        let n = last_nonzero_end(d, n_at, 260)
            .and_then(|y| align_up(y, 4)?.checked_sub(4))
            .and_then(|c| rd_word(d, c, 4, be))
            .and_then(|v| usize::try_from(v).ok());
        if let Some(n) = n.filter(|n| (min_n..=max_n).contains(n)) {
            if let Some((text, ends)) = decode(d, n_at, n, mstart, markers, tokens) {
                return Some(Kallsyms {
                    text,
                    ends,
                    big_endian: be,
                    names_offset: n_at,
                    token_table_offset: 0,
                });
            }
        }
        n_at = n_at.checked_sub(4)?;
    }
    None
}

/// Decode `n` symbols from `start`; they must meet every marker and end just before `mstart`.
fn decode(
    d: &[u8],
    start: usize,
    n: usize,
    mstart: usize,
    markers: &[u64],
    tokens: &[&[u8]],
) -> Option<(String, Vec<(u32, u8)>)> {
    // Names are made of printable ASCII only: a token that is not cannot occur.
    let mut printable = [false; 256];
    for (p, t) in printable.iter_mut().zip(tokens) {
        *p = t.iter().all(u8::is_ascii_graphic);
    }
    let region = mstart.checked_sub(start)?;
    let mut text: Vec<u8> = Vec::with_capacity(region.saturating_mul(2).min(d.len()));
    let mut ends = Vec::with_capacity(n.min(region / 2));
    let mut at = start;
    for i in 0..n {
        if i % 256 == 0 {
            let mk = markers.get(i / 256)?;
            if u64::try_from(at - start).ok()? != *mk {
                return None;
            }
        }
        let b0 = *d.get(at)?;
        let (len, hdr) = if b0 & 0x80 != 0 {
            let b1 = *d.get(at.checked_add(1)?)?;
            (usize::from(b0 & 0x7f) | (usize::from(b1) << 7), 2)
        } else {
            (usize::from(b0), 1)
        };
        if len == 0 {
            return None;
        }
        let body = d.get(at.checked_add(hdr)?..at.checked_add(hdr)?.checked_add(len)?)?;
        at = at.checked_add(hdr + len)?;
        if at > mstart {
            return None;
        }
        // The first character is the type letter, the rest the name.
        let begin = text.len();
        for &t in body {
            if !*printable.get(usize::from(t))? {
                return None;
            }
            text.extend_from_slice(tokens.get(usize::from(t))?);
        }
        if text.len() - begin > MAX_SYMBOL || text.len() - begin < 2 {
            return None;
        }
        let kind = text.remove(begin);
        if text.len() > u32::MAX as usize {
            return None;
        }
        ends.push((u32::try_from(text.len()).ok()?, kind));
    }
    // Only alignment padding (zeros) between the names and the markers.
    let gap = d.get(at..mstart)?;
    if gap.len() >= 256 || gap.iter().any(|&b| b != 0) {
        return None;
    }
    Some((String::from_utf8(text).ok()?, ends))
}

/// A symbol's prefix: the text before the first `_` (or other non-alphanumeric) after
/// leading underscores, lower-case; `None` when shorter than 2 characters.
pub fn prefix(name: &str) -> Option<String> {
    prefix_str(name).map(str::to_ascii_lowercase)
}

fn prefix_str(name: &str) -> Option<&str> {
    let s = name.trim_start_matches('_');
    let n = s
        .bytes()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(s.len());
    s.get(..n).filter(|p| p.len() >= 2)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;

    /// A synthetic kernel image holding a kallsyms table of `names` (each with type `T`),
    /// with simple pair tokens, `w`-byte words, `be` byte order, preceded by junk.
    pub fn blob(names: &[String], w: usize, be: bool) -> Vec<u8> {
        // Tokens: every byte is itself; slot 0x01 is "tcp_", slot 0x02 is "_v4" (unused
        // control bytes), others stay single-character (non-printables as "?" placeholders).
        let mut tokens: Vec<Vec<u8>> = (0..=255u8)
            .map(|b| {
                if b.is_ascii_graphic() {
                    vec![b]
                } else {
                    format!("~{b:02x}").into_bytes()
                }
            })
            .collect();
        tokens[1] = b"tcp_".to_vec();
        tokens[2] = b"_v4".to_vec();
        let enc = |s: &[u8]| -> Vec<u8> {
            let mut out = Vec::new();
            let mut i = 0;
            while i < s.len() {
                if s[i..].starts_with(b"tcp_") {
                    out.push(1);
                    i += 4;
                } else if s[i..].starts_with(b"_v4") {
                    out.push(2);
                    i += 3;
                } else {
                    out.push(s[i]);
                    i += 1;
                }
            }
            out
        };
        let word = |v: u64, out: &mut Vec<u8>| {
            if w == 8 {
                out.extend(if be { v.to_be_bytes() } else { v.to_le_bytes() });
            } else {
                let v = v as u32;
                out.extend(if be { v.to_be_bytes() } else { v.to_le_bytes() });
            }
        };
        let pad = |out: &mut Vec<u8>| {
            while !out.len().is_multiple_of(w) {
                out.push(0);
            }
        };
        let mut out: Vec<u8> = b"Linux version 9.9.9 junk\x00".repeat(3);
        pad(&mut out);
        // Addresses (ignored by the decoder, present for realism).
        for i in 0..names.len() {
            word(0x8000_0000 + 16 * i as u64, &mut out);
        }
        word(names.len() as u64, &mut out);
        let names_start = out.len();
        let mut markers = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if i % 256 == 0 {
                markers.push((out.len() - names_start) as u64);
            }
            let mut full = b"T".to_vec();
            full.extend_from_slice(n.as_bytes());
            let e = enc(&full);
            out.push(e.len() as u8);
            out.extend(e);
        }
        pad(&mut out);
        for m in markers {
            word(m, &mut out);
        }
        pad(&mut out);
        let mut offs = Vec::new();
        let tstart = out.len();
        for t in &tokens {
            offs.push((out.len() - tstart) as u16);
            out.extend_from_slice(t);
            out.push(0);
        }
        pad(&mut out);
        for o in offs {
            out.extend(if be { o.to_be_bytes() } else { o.to_le_bytes() });
        }
        out.extend_from_slice(b"\xde\xad\xbe\xef trailing");
        out
    }

    pub fn names(n: usize) -> Vec<String> {
        let mut v: Vec<String> = (0..n).map(|i| format!("sym_{i}_x")).collect();
        let fixed = ["start_kernel", "tcp_v4_rcv"];
        for (s, f) in v.iter_mut().zip(fixed) {
            *s = f.into();
        }
        v
    }

    #[test]
    fn decodes_synthetic_tables_in_every_layout() {
        for n in [257usize, 512, 513, 700] {
            let want = names(n);
            for (w, be) in [(4, false), (4, true), (8, false), (8, true)] {
                let b = blob(&want, w, be);
                let k = find(&b).unwrap_or_else(|| panic!("n={n} w={w} be={be}"));
                assert_eq!(k.big_endian, be);
                let got: Vec<&str> = k.symbols().map(|s| s.1).collect();
                assert_eq!(got, want.iter().map(String::as_str).collect::<Vec<_>>());
                assert!(k.symbols().all(|s| s.0 == 'T'));
            }
        }
    }

    #[test]
    fn degenerate_and_truncated_inputs() {
        assert_eq!(find(b""), None);
        assert_eq!(find(DIGITS), None);
        assert_eq!(find(&[0u8; 4096]), None);
        let b = blob(&names(300), 4, true);
        // Every truncation of the table and every single-byte corruption in its head is
        // either rejected or still decoded consistently; never a panic.
        for cut in (0..b.len()).step_by(7) {
            let _ = find(&b[..cut]);
        }
        let t = b.windows(DIGITS.len()).position(|x| x == DIGITS).unwrap();
        for i in (0..b.len()).step_by(3) {
            let mut c = b.clone();
            c[i] ^= 0x5a;
            if let Some(k) = find(&c) {
                assert_eq!(k.len(), 300);
            }
        }
        // Without the token index (cut right after the table) there is nothing.
        assert_eq!(find(&b[..t + 600]), None);
    }

    #[test]
    fn prefixes() {
        assert_eq!(prefix("tcp_v4_rcv").as_deref(), Some("tcp"));
        assert_eq!(prefix("__rds_page_copy").as_deref(), Some("rds"));
        assert_eq!(prefix("Ext4_foo.isra.0").as_deref(), Some("ext4"));
        assert_eq!(prefix("x_y"), None);
        assert_eq!(prefix("_"), None);
    }
}
