//! U-Boot environments: the saved, CRC-protected block in flash and the built-in default
//! environment compiled into U-Boot binaries.
//!
//! Parses: (1) the saved form: a CRC-32 (either byte order), for redundant environments a
//! flags byte, then NUL-separated `key=value` strings ending in a double NUL, padded to the
//! environment size. There is no magic, so candidates are the common first keys
//! (`baudrate=`, `bootargs=`, `bootcmd=` …) with the CRC 4 or 5 bytes before them; the CRC is
//! tried at every 256-byte size up to 256 KiB. A well-formed block whose CRC matches no size
//! (a partition dump cut short) is kept with a note. (2) The built-in text form: a run of at
//! least two `key=value` strings starting at a common key after a NUL, without CRC.
//! Yields `Output::Info` with every variable as an attribute (`bootargs`, `bootdelay` …).
//!
//! Evidence: each variable by name, plus `env-form` (`saved`/`built-in`), `env-layout`
//! (`single`/`redundant`), `env-size`, `env-crc` (`ok`/`unverified`), `env-flags`.
//! Known false positives: help text or scripts that list `bootcmd=…` style strings
//! separated by NULs would read as a built-in environment; two pairs are required.
//! References: U-Boot `include/env_internal.h` (`env_t`), `include/env_default.h`.

use super::bytes_util::u32le;
use crate::format::{Ctx, Format, Magic, Output, Parsed};
use crate::Result;
use bytes::Bytes;

const NAME: &str = "ubootenv";
const MAX_ENV: usize = 256 * 1024;
const MAX_VARS: usize = 4096;

/// U-Boot environment (saved with CRC, or built-in text).
#[derive(Debug, Clone, Copy)]
pub struct UBootEnv;

macro_rules! keys {
    ($($k:literal),*) => {
        &[$(
            Magic { bytes: $k, offset: 0 },
            Magic { bytes: $k, offset: 4 },
            Magic { bytes: $k, offset: 5 },
        )*]
    };
}

static MAGICS: &[Magic] = keys!(
    b"arch=",
    b"baudrate=",
    b"board=",
    b"bootargs=",
    b"bootcmd=",
    b"bootdelay=",
    b"ethact=",
    b"ethaddr=",
    b"ipaddr=",
    b"mtdparts="
);

fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b':' | b'/')
}

fn value_char(c: u8) -> bool {
    (0x20..0x7f).contains(&c) || matches!(c, b'\t' | b'\n' | b'\r')
}

/// One `key=value` string at `d[0..]`, up to its NUL: `(key, value, bytes incl. NUL)`.
fn pair(d: &[u8]) -> Option<(String, String, usize)> {
    let nul = d.iter().take(MAX_ENV).position(|&c| c == 0)?;
    let s = d.get(..nul)?;
    let eq = s.iter().position(|&c| c == b'=')?;
    let (k, v) = (s.get(..eq)?, s.get(eq + 1..)?);
    if k.is_empty() || !k.iter().all(|&c| key_char(c)) || !v.iter().all(|&c| value_char(c)) {
        return None;
    }
    Some((
        String::from_utf8_lossy(k).into_owned(),
        String::from_utf8_lossy(v).into_owned(),
        nul + 1,
    ))
}

/// A run of pairs from `d[0..]`: the pairs and the bytes used, counting the final NUL when
/// the run ends in a double NUL (`terminated`).
struct Run {
    vars: Vec<(String, String)>,
    used: usize,
    terminated: bool,
}

fn run(d: &[u8]) -> Run {
    let mut vars = Vec::new();
    let mut pos = 0usize;
    while vars.len() < MAX_VARS && pos < MAX_ENV {
        let Some(rest) = d.get(pos..) else { break };
        match pair(rest) {
            Some((k, v, n)) => {
                vars.push((k, v));
                pos += n;
            }
            None => break,
        }
    }
    let terminated = !vars.is_empty() && d.get(pos) == Some(&0);
    Run {
        vars,
        used: pos + usize::from(terminated),
        terminated,
    }
}

/// The environment size (from the block start) whose CRC matches `crc`, if any.
fn crc_size(block: &[u8], hdr: usize, min_size: usize, crc: u32) -> Option<usize> {
    let crc_be = crc.swap_bytes();
    let mut hasher = crc32fast::Hasher::new();
    let mut done = hdr;
    let mut size = 0x100usize;
    while size <= MAX_ENV && size <= block.len() {
        if size > done {
            hasher.update(block.get(done..size)?);
            done = size;
            if size >= min_size {
                let c = hasher.clone().finalize();
                if c == crc || c == crc_be {
                    return Some(size);
                }
            }
        }
        size += 0x100;
    }
    None
}

fn info(len: usize, mut attrs: Vec<(String, String)>, vars: Vec<(String, String)>) -> Parsed {
    attrs.extend(vars);
    let mut p = Parsed::new(len as u64, Output::Info);
    p.attrs = attrs;
    p
}

impl Format for UBootEnv {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        MAGICS
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(block) = data.get(start..) else {
            return Ok(None);
        };
        let Some(crc) = u32le(block, 0) else {
            return Ok(None);
        };

        // Saved form: CRC, optional flags byte, variables.
        for (hdr, layout) in [(4usize, "single"), (5, "redundant")] {
            // Inside a run of pairs, the "CRC" in front of a key is text: the tail of the
            // previous pair or the head of this one. Refusing those before walking the run
            // keeps a hostile file made of pairs linear (a real CRC looks like that ~1% of
            // the time, and only when NUL padding precedes it).
            let prev_nul = start > 0 && data.get(start - 1) == Some(&0);
            let texty = block.get(..hdr).is_some_and(|h| {
                h.iter().all(|&c| c == 0 || value_char(c))
                    && match h.last() {
                        Some(0) => true,
                        Some(&c) => key_char(c) && (hdr == 5 || prev_nul),
                        None => false,
                    }
            });
            if texty {
                continue;
            }
            let r = run(block.get(hdr..).unwrap_or_default());
            if r.vars.len() < 2 || !r.terminated {
                continue;
            }
            if let Some(size) = crc_size(block, hdr, hdr + r.used, crc) {
                let mut attrs = vec![
                    ("env-form".to_string(), "saved".to_string()),
                    ("env-layout".to_string(), layout.to_string()),
                    ("env-size".to_string(), format!("{size:#x}")),
                    ("env-crc".to_string(), "ok".to_string()),
                ];
                if hdr == 5 {
                    let flags = block.get(4).copied().unwrap_or_default();
                    attrs.push(("env-flags".to_string(), flags.to_string()));
                }
                return Ok(Some(info(size, attrs, r.vars)));
            }
            // Only the single layout is kept unverified: a "CRC" that is text or mostly NUL
            // is more likely padding or the tail of a string than a checksum.
            let crc_bytes = block.get(..4).unwrap_or_default();
            let nuls = crc_bytes.iter().filter(|&&c| c == 0).count();
            if hdr == 4
                && r.vars.len() >= 3
                && nuls < 2
                && !crc_bytes.iter().all(|&c| value_char(c))
            {
                let attrs = vec![
                    ("env-form".to_string(), "saved".to_string()),
                    ("env-layout".to_string(), layout.to_string()),
                    ("env-crc".to_string(), "unverified".to_string()),
                ];
                let mut p = info(hdr + r.used, attrs, r.vars);
                p.notes.push(
                    "environment CRC matches no size up to 256 KiB (block cut short?)".to_string(),
                );
                return Ok(Some(p));
            }
        }

        // Built-in text form: must begin a run, not continue one.
        if start > 0 && data.get(start - 1) != Some(&0) {
            return Ok(None);
        }
        if starts_inside_run(data, start) {
            return Ok(None);
        }
        let r = run(block);
        if r.vars.len() < 2 {
            return Ok(None);
        }
        let attrs = vec![("env-form".to_string(), "built-in".to_string())];
        Ok(Some(info(r.used, attrs, r.vars)))
    }
}

/// True when the string before `start` (ending at `start - 1`'s NUL) is itself a pair.
fn starts_inside_run(data: &[u8], start: usize) -> bool {
    let Some(before) = start.checked_sub(1).and_then(|e| data.get(..e)) else {
        return false;
    };
    let from = before
        .iter()
        .rposition(|&c| c == 0)
        .map_or(0, |p| p + 1)
        .max(before.len().saturating_sub(MAX_ENV));
    let Some(prev) = data.get(from..start) else {
        return false;
    };
    prev.len() > 1 && pair(prev).is_some()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    const VARS: &[u8] = b"baudrate=115200\0bootargs=console=ttyS1,115200n8 root=/dev/mtdblock2\0bootcmd=sf probe; bootm 0x80600000\0bootdelay=1\0\0";

    fn saved(size: usize, redundant: bool, be: bool) -> Vec<u8> {
        let hdr = if redundant { 5 } else { 4 };
        let mut b = vec![0u8; size];
        if redundant {
            b[4] = 1;
        }
        b[hdr..hdr + VARS.len()].copy_from_slice(VARS);
        let c = crc32fast::hash(&b[hdr..]);
        b[..4].copy_from_slice(&if be { c.to_be_bytes() } else { c.to_le_bytes() });
        b
    }

    fn parse_at(d: Vec<u8>, at: usize) -> Option<Parsed> {
        UBootEnv
            .parse(&Bytes::from(d), at, &Ctx::new(Limits::default()))
            .unwrap()
    }

    fn attr<'a>(p: &'a Parsed, k: &str) -> Option<&'a str> {
        p.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn saved_single_layout() {
        let mut d = vec![0xffu8; 8];
        d.extend(saved(0x1000, false, false));
        d.extend([0xffu8; 100]);
        let p = parse_at(d, 8).unwrap();
        assert_eq!(p.len, 0x1000);
        assert_eq!(attr(&p, "env-layout"), Some("single"));
        assert_eq!(attr(&p, "env-size"), Some("0x1000"));
        assert_eq!(attr(&p, "env-crc"), Some("ok"));
        assert_eq!(attr(&p, "bootdelay"), Some("1"));
        assert_eq!(
            attr(&p, "bootargs"),
            Some("console=ttyS1,115200n8 root=/dev/mtdblock2")
        );
        assert_eq!(attr(&p, "baudrate"), Some("115200"));
        assert!(p.notes.is_empty());
        assert!(matches!(p.output, Output::Info));
    }

    #[test]
    fn saved_redundant_big_endian_crc() {
        let p = parse_at(saved(0x2000, true, true), 0).unwrap();
        assert_eq!(p.len, 0x2000);
        assert_eq!(attr(&p, "env-layout"), Some("redundant"));
        assert_eq!(attr(&p, "env-flags"), Some("1"));
        assert_eq!(attr(&p, "bootcmd"), Some("sf probe; bootm 0x80600000"));
    }

    #[test]
    fn cut_short_block_is_unverified_with_note() {
        let mut d = saved(0x1000, false, false);
        d.truncate(0x800);
        d[..4].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
        let p = parse_at(d, 0).unwrap();
        assert_eq!(attr(&p, "env-crc"), Some("unverified"));
        assert_eq!(p.len, 4 + VARS.len() as u64);
        assert_eq!(p.notes.len(), 1);
    }

    #[test]
    fn built_in_text_form() {
        let mut d = vec![0x11u8, 0, 0, 0];
        d.extend_from_slice(
            b"bootargs=console=ttyS1,115200n8 mem=104M@0x0\0bootcmd=bootm\0bootdelay=1\0\0\0, \0",
        );
        let p = parse_at(d.clone(), 4).unwrap();
        assert_eq!(attr(&p, "env-form"), Some("built-in"));
        assert_eq!(attr(&p, "bootdelay"), Some("1"));
        assert_eq!(p.len, 72);
        // A hit in the middle of the run is not a new environment.
        let mid = 4 + d[4..].iter().position(|&c| c == 0).unwrap() + 1;
        assert!(parse_at(d.clone(), mid).is_none());
        // Nor is the NUL padding before it, read as a CRC.
        assert!(parse_at(d, 0).is_none());
    }

    #[test]
    fn long_runs_of_pairs_stay_linear() {
        // Every candidate the engine would try in a 300 KiB run of pairs; each is either the
        // first pair (accepted) or refused before walking the run.
        let d: Vec<u8> = b"bootcmd=a\0".repeat(30_000);
        let data = Bytes::from(d);
        let ctx = Ctx::new(Limits::default());
        let mut accepted = 0;
        let mut pos = 0;
        while let Some(i) = data[pos..].windows(8).position(|w| w == b"bootcmd=") {
            let hit = pos + i;
            for s in [hit.checked_sub(5), hit.checked_sub(4), Some(hit)]
                .into_iter()
                .flatten()
            {
                if UBootEnv.parse(&data, s, &ctx).unwrap().is_some() {
                    accepted += 1;
                }
            }
            pos = hit + 1;
        }
        assert_eq!(accepted, 1);
    }

    #[test]
    fn lone_string_and_hostile_inputs() {
        assert!(parse_at(b"\0bootcmd=run x\0\xff\xff".to_vec(), 1).is_none());
        assert!(parse_at(b"xbootcmd=a\0b=c\0\0".to_vec(), 1).is_none());
        assert!(parse_at(vec![], 0).is_none());
        assert!(parse_at(b"bootcmd=".to_vec(), 0).is_none());
        assert!(parse_at(b"bootcmd=abc".to_vec(), 40).is_none());
        // Control bytes in a value end the run.
        assert!(parse_at(b"bootcmd=a\x01\0b=c\0\0".to_vec(), 0).is_none());
    }
}
