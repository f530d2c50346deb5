//! Test-only formats with simple magics, so engine and writer tests do not depend on the
//! real parsers. Layouts (all integers little-endian):
//! - `xor`:  `XOR!` key:u8 len:u32 payload[len] → Stream(payload ^ key)
//! - `rpt`:  `RPT!` count:u32 byte:u8 → Stream(byte × count) (a decompression bomb)
//! - `tarx`: `TRX!` count:u32 then count × (kind:u8 plen:u16 path dlen:u32 data) → Entries;
//!   kind 0 file, 1 dir, 2 symlink (data = target), 3 hard link (data = target),
//!   4 char device, 5 fifo
//! - `info`: `INFO` k:u8 v:u8 (6 bytes) → Info with attr (k, v)
//! - `part`: `PART` 2 × (off:u32 len:u32) → Regions "kernel", "rootfs" (offsets relative to
//!   the header start; the structure spans to the end of the last region)
//! - `long`: `LO` then 30 bytes (32 in total) → Info; `short`: `LONG` (16 bytes) → Info, to
//!   test "longest wins" at the same start
//! - `whole`: `W` at offset 0 only (whole-input-only) → Info spanning everything
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use baseline_unpack::{Ctx, Entry, EntryKind, Error, Format, Magic, Meta, Output, Parsed, Region};
use bytes::Bytes;

fn u32le(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

#[derive(Debug)]
pub struct Xor;
impl Format for Xor {
    fn name(&self) -> &'static str {
        "xor"
    }
    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"XOR!",
            offset: 0,
        }]
    }
    fn parse(
        &self,
        data: &Bytes,
        start: usize,
        _: &Ctx,
    ) -> baseline_unpack::Result<Option<Parsed>> {
        let d = &data[start..];
        let (Some(&key), Some(len)) = (d.get(4), u32le(d, 5)) else {
            return Ok(None);
        };
        let Some(payload) = d.get(9..9 + len as usize) else {
            return Err(Error::Malformed {
                format: "xor",
                offset: start as u64,
                message: "truncated payload".into(),
            });
        };
        let out: Vec<u8> = payload.iter().map(|b| b ^ key).collect();
        let mut p = Parsed::new(
            9 + len as u64,
            Output::Stream {
                data: Bytes::from(out),
                name: None,
            },
        );
        p.attrs.push(("key".into(), key.to_string()));
        Ok(Some(p))
    }
}

#[derive(Debug)]
pub struct Rpt;
impl Format for Rpt {
    fn name(&self) -> &'static str {
        "rpt"
    }
    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"RPT!",
            offset: 0,
        }]
    }
    fn parse(
        &self,
        data: &Bytes,
        start: usize,
        _: &Ctx,
    ) -> baseline_unpack::Result<Option<Parsed>> {
        let d = &data[start..];
        let (Some(count), Some(&b)) = (u32le(d, 4), d.get(8)) else {
            return Ok(None);
        };
        // Deliberately ignores ctx.output_cap: the engine must still enforce the ratio.
        Ok(Some(Parsed::new(
            9,
            Output::Stream {
                data: Bytes::from(vec![b; count as usize]),
                name: None,
            },
        )))
    }
}

#[derive(Debug)]
pub struct TarX;
impl Format for TarX {
    fn name(&self) -> &'static str {
        "tarx"
    }
    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"TRX!",
            offset: 0,
        }]
    }
    fn parse(
        &self,
        data: &Bytes,
        start: usize,
        _: &Ctx,
    ) -> baseline_unpack::Result<Option<Parsed>> {
        let d = &data[start..];
        let Some(count) = u32le(d, 4) else {
            return Ok(None);
        };
        let mut at = 8usize;
        let mut entries = Vec::new();
        for _ in 0..count {
            let bad = || Error::Malformed {
                format: "tarx",
                offset: start as u64,
                message: "truncated entry".into(),
            };
            let kind = *d.get(at).ok_or_else(bad)?;
            let plen =
                u16::from_le_bytes(d.get(at + 1..at + 3).ok_or_else(bad)?.try_into().unwrap())
                    as usize;
            let path =
                String::from_utf8_lossy(d.get(at + 3..at + 3 + plen).ok_or_else(bad)?).into_owned();
            at += 3 + plen;
            let dlen = u32le(d, at).ok_or_else(bad)? as usize;
            let body = data.slice(start + at + 4..start + at + 4 + dlen.min(d.len() - at - 4));
            if body.len() != dlen {
                return Err(bad());
            }
            at += 4 + dlen;
            let text = String::from_utf8_lossy(&body).into_owned();
            let kind = match kind {
                0 => EntryKind::File(body),
                1 => EntryKind::Dir,
                2 => EntryKind::Symlink(text),
                3 => EntryKind::HardLink(text),
                4 => EntryKind::Device {
                    char_device: true,
                    major: 1,
                    minor: 3,
                },
                _ => EntryKind::Fifo,
            };
            entries.push(Entry {
                path,
                kind,
                meta: Meta {
                    mode: Some(0o644),
                    ..Meta::default()
                },
            });
        }
        Ok(Some(Parsed::new(at as u64, Output::Entries(entries))))
    }
}

#[derive(Debug)]
pub struct Info;
impl Format for Info {
    fn name(&self) -> &'static str {
        "info"
    }
    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"INFO",
            offset: 0,
        }]
    }
    fn parse(
        &self,
        data: &Bytes,
        start: usize,
        _: &Ctx,
    ) -> baseline_unpack::Result<Option<Parsed>> {
        let d = &data[start..];
        let (Some(k), Some(v)) = (d.get(4), d.get(5)) else {
            return Ok(None);
        };
        let mut p = Parsed::new(6, Output::Info);
        p.attrs
            .push(((*k as char).to_string(), (*v as char).to_string()));
        Ok(Some(p))
    }
}

#[derive(Debug)]
pub struct Part;
impl Format for Part {
    fn name(&self) -> &'static str {
        "part"
    }
    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"PART",
            offset: 0,
        }]
    }
    fn parse(
        &self,
        data: &Bytes,
        start: usize,
        _: &Ctx,
    ) -> baseline_unpack::Result<Option<Parsed>> {
        let d = &data[start..];
        let mut regions = Vec::new();
        let mut end = 20usize;
        for (i, name) in ["kernel", "rootfs"].iter().enumerate() {
            let (Some(off), Some(len)) = (u32le(d, 4 + 8 * i), u32le(d, 8 + 8 * i)) else {
                return Ok(None);
            };
            let (off, len) = (off as usize, len as usize);
            if off + len > d.len() {
                return Ok(None);
            }
            end = end.max(off + len);
            regions.push(Region {
                name: (*name).into(),
                offset: off as u64,
                data: data.slice(start + off..start + off + len),
            });
        }
        Ok(Some(Parsed::new(end as u64, Output::Regions(regions))))
    }
}

macro_rules! fixed {
    ($ty:ident, $name:literal, $magic:literal, $len:literal) => {
        #[derive(Debug)]
        pub struct $ty;
        impl Format for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn magics(&self) -> &'static [Magic] {
                &[Magic {
                    bytes: $magic,
                    offset: 0,
                }]
            }
            fn parse(
                &self,
                data: &Bytes,
                start: usize,
                _: &Ctx,
            ) -> baseline_unpack::Result<Option<Parsed>> {
                if data.len() - start < $len {
                    return Ok(None);
                }
                Ok(Some(Parsed::new($len, Output::Info)))
            }
        }
    };
}
fixed!(Long, "long", b"LO", 32);
fixed!(Short, "short", b"LONG", 16);

#[derive(Debug)]
pub struct Whole;
impl Format for Whole {
    fn name(&self) -> &'static str {
        "whole"
    }
    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: b"W",
            offset: 0,
        }]
    }
    fn parse(
        &self,
        data: &Bytes,
        start: usize,
        _: &Ctx,
    ) -> baseline_unpack::Result<Option<Parsed>> {
        Ok(Some(Parsed::new((data.len() - start) as u64, Output::Info)))
    }
    fn whole_input_only(&self) -> bool {
        true
    }
}

pub static XOR: Xor = Xor;
pub static RPT: Rpt = Rpt;
pub static TARX: TarX = TarX;
pub static INFO: Info = Info;
pub static PART: Part = Part;
pub static LONG: Long = Long;
pub static SHORT: Short = Short;
pub static WHOLE: Whole = Whole;

pub fn all() -> Vec<&'static dyn Format> {
    vec![&XOR, &RPT, &TARX, &INFO, &PART, &LONG, &SHORT, &WHOLE]
}

// ---- builders ----

pub fn xor(key: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = b"XOR!".to_vec();
    v.push(key);
    v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    v.extend(payload.iter().map(|b| b ^ key));
    v
}

pub fn rpt(count: u32, b: u8) -> Vec<u8> {
    let mut v = b"RPT!".to_vec();
    v.extend_from_slice(&count.to_le_bytes());
    v.push(b);
    v
}

/// (kind, path, data)
pub fn tarx(entries: &[(u8, &str, &[u8])]) -> Vec<u8> {
    let mut v = b"TRX!".to_vec();
    v.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (k, p, d) in entries {
        v.push(*k);
        v.extend_from_slice(&(p.len() as u16).to_le_bytes());
        v.extend_from_slice(p.as_bytes());
        v.extend_from_slice(&(d.len() as u32).to_le_bytes());
        v.extend_from_slice(d);
    }
    v
}

pub fn part(kernel: &[u8], rootfs: &[u8]) -> Vec<u8> {
    let mut v = b"PART".to_vec();
    let k_off = 20u32;
    let r_off = k_off + kernel.len() as u32;
    for (o, l) in [(k_off, kernel.len() as u32), (r_off, rootfs.len() as u32)] {
        v.extend_from_slice(&o.to_le_bytes());
        v.extend_from_slice(&l.to_le_bytes());
    }
    v.extend_from_slice(kernel);
    v.extend_from_slice(rootfs);
    v
}
