//! ZIP archives (PKWARE APPNOTE), including truncated ones.
//!
//! Written here rather than with the `zip` crate: that crate needs the central directory and
//! a seekable reader, while firmware often carries zips that are truncated, carved from the
//! middle of an image, or followed by other data. We walk the local file headers from the
//! start (which also works when the central directory is missing or damaged), then read the
//! central directory that follows them, or failing that one that a consistent end record
//! further on points at. From it we take what local headers lack (Unix mode, symlink flag),
//! extract the entries the walk could not reach (past a damaged local header), and end at
//! the end-of-central-directory record (+ comment), which gives `len`.
//!
//! Methods: stored, deflate (flate2), bzip2, LZMA (method 14, with its 4-byte version/props
//! prefix) and Zstandard (method 93). Data descriptors (flag bit 3) are handled by letting
//! the decoder find the end (deflate/bzip2/LZMA) or by searching the descriptor signature
//! (stored). Zip64 sizes in the extra field are honoured. Encrypted entries (flag bit 0) and
//! other methods are recorded as notes, not extracted. CRC-32 mismatches are notes.
//! Reference: APPNOTE.TXT 6.3.10 §4.3–4.5.

use super::bytes_util::{get, inflate_raw, over_limit, pump, u16le, u32le, u64le, Decoded};
use crate::format::{Ctx, Entry, EntryKind, Format, Magic, Meta, Output, Parsed};
use bytes::Bytes;
use std::collections::HashMap;

const NAME: &str = "zip";
const LOCAL: &[u8] = b"PK\x03\x04";
const CENTRAL: &[u8] = b"PK\x01\x02";
const EOCD: &[u8] = b"PK\x05\x06";
const EOCD64: &[u8] = b"PK\x06\x06";
const LOCATOR64: &[u8] = b"PK\x06\x07";
const DESCRIPTOR: &[u8] = b"PK\x07\x08";

#[derive(Debug)]
pub struct Zip;

/// Zip64 extended information (extra id 1): the fields present are those whose 32-bit
/// counterpart is 0xFFFFFFFF, in the order usize, csize, offset.
fn zip64(
    extra: &[u8],
    usize32: u32,
    csize32: u32,
    off32: u32,
) -> (Option<u64>, Option<u64>, Option<u64>) {
    let mut p = 0usize;
    while let (Some(id), Some(len)) = (u16le(extra, p), u16le(extra, p + 2)) {
        let body = get(extra, p + 4, usize::from(len)).unwrap_or_default();
        if id == 1 {
            let mut q = 0usize;
            let mut take = |present: bool| {
                if !present {
                    return None;
                }
                let v = u64le(body, q);
                q += 8;
                v
            };
            let u = take(usize32 == u32::MAX);
            let c = take(csize32 == u32::MAX);
            let o = take(off32 == u32::MAX);
            return (u, c, o);
        }
        p += 4 + usize::from(len);
    }
    (None, None, None)
}

/// DOS date/time → Unix seconds (local time taken as UTC).
fn dos_time(date: u16, time: u16) -> Option<i64> {
    let y = i64::from(date >> 9) + 1980;
    let m = i64::from((date >> 5) & 15);
    let d = i64::from(date & 31);
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs =
        i64::from(time >> 11) * 3600 + i64::from((time >> 5) & 63) * 60 + i64::from(time & 31) * 2;
    Some(days * 86400 + secs)
}

struct Local {
    offset: usize,
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    mtime: Option<i64>,
    data_at: usize,
    /// Compressed bytes (None: unknown, data descriptor follows).
    csize: Option<usize>,
    usize_: Option<u64>,
}

fn local_header(input: &[u8], pos: usize) -> Option<Local> {
    if get(input, pos, 4)? != LOCAL {
        return None;
    }
    let flags = u16le(input, pos + 6)?;
    let method = u16le(input, pos + 8)?;
    let time = u16le(input, pos + 10)?;
    let date = u16le(input, pos + 12)?;
    let crc = u32le(input, pos + 14)?;
    let csize32 = u32le(input, pos + 18)?;
    let usize32 = u32le(input, pos + 22)?;
    let nlen = usize::from(u16le(input, pos + 26)?);
    let xlen = usize::from(u16le(input, pos + 28)?);
    let name = get(input, pos + 30, nlen)?;
    let extra = get(input, pos + 30 + nlen, xlen)?;
    let (u64_, c64, _) = zip64(extra, usize32, csize32, 0);
    let csize = c64.unwrap_or(u64::from(csize32));
    let has_descriptor = flags & 8 != 0;
    Some(Local {
        offset: pos,
        name: String::from_utf8_lossy(name).into_owned(),
        flags,
        method,
        crc,
        mtime: dos_time(date, time),
        data_at: pos + 30 + nlen + xlen,
        csize: if has_descriptor && csize == 0 {
            None
        } else {
            usize::try_from(csize).ok()
        },
        usize_: Some(u64_.unwrap_or(u64::from(usize32))),
    })
}

/// Where the data of an entry with unknown size ends: the first data-descriptor signature
/// whose compressed-size field equals its own distance from the data start.
fn find_descriptor(avail: &[u8]) -> Option<usize> {
    let mut i = 0usize;
    while let Some(k) = avail
        .get(i..)
        .and_then(|r| r.windows(4).position(|w| w == DESCRIPTOR))
    {
        let at = i + k;
        if u32le(avail, at + 8).is_some_and(|c| c as usize == at) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Decode an entry's data; returns (output, compressed bytes consumed, complete).
fn decode(
    l: &Local,
    input: &[u8],
    ctx: &Ctx,
    cap: u64,
    start: usize,
) -> crate::Result<Result<Decoded, String>> {
    let avail = input.get(l.data_at..).unwrap_or_default();
    let comp = match l.csize {
        Some(n) => avail.get(..n).unwrap_or(avail),
        None => avail,
    };
    let off = start + l.offset;
    let r = match l.method {
        0 => {
            let n = match l.csize {
                Some(n) => n.min(avail.len()),
                None => match find_descriptor(avail) {
                    Some(n) => n,
                    None => {
                        return Ok(Err(
                            "stored entry with data descriptor: end not found".into()
                        ))
                    }
                },
            };
            if n as u64 > cap {
                return Err(over_limit(NAME, off, cap));
            }
            Decoded {
                data: avail.get(..n).unwrap_or_default().to_vec(),
                consumed: n,
                complete: l.csize.is_none_or(|c| c <= avail.len()),
                error: None,
            }
        }
        8 => inflate_raw(NAME, off, ctx, cap, comp)?,
        12 => {
            let mut z = bzip2::Decompress::new(false);
            pump(NAME, off, ctx, cap, comp, |i, o| {
                let (i0, o0) = (z.total_in(), z.total_out());
                let st = z.decompress(i, o).map_err(|e| e.to_string())?;
                Ok((
                    (z.total_in() - i0) as usize,
                    (z.total_out() - o0) as usize,
                    st == bzip2::Status::StreamEnd,
                ))
            })?
        }
        14 => {
            // 2-byte version, 2-byte props size (5), then props byte + u32 dictionary.
            let (Some(psize), Some(props), Some(dict)) =
                (u16le(comp, 2), comp.get(4).copied(), u32le(comp, 5))
            else {
                return Ok(Err("LZMA header truncated".into()));
            };
            if psize != 5 {
                return Ok(Err("unexpected LZMA properties size".into()));
            }
            // Bit 1: an end marker is written; bit 3: the local size is not known yet.
            let size = if l.flags & 0x0a != 0 {
                u64::MAX
            } else {
                l.usize_.unwrap_or(u64::MAX)
            };
            let dict = dict
                .min(u32::try_from(cap.max(4096)).unwrap_or(u32::MAX))
                .max(4096);
            let Ok(mut s) = lzma_rust2::LzmaStream::new_with_props(size, props, dict, None) else {
                return Ok(Err("invalid LZMA properties".into()));
            };
            let body = comp.get(9..).unwrap_or_default();
            let mut phase = super::bytes_util::RunThenFinish::default();
            let mut d = pump(NAME, off, ctx, cap, body, |i, o| {
                let r = s.process(i, o, phase.action()).map_err(|e| e.to_string())?;
                phase.saw(i, r.bytes_consumed, r.bytes_produced);
                Ok((
                    r.bytes_consumed,
                    r.bytes_produced,
                    r.status == lzma_rust2::Status::StreamEnd,
                ))
            })?;
            d.consumed += 9;
            d
        }
        93 => {
            // Streamed entries do not say where the frame ends; its block headers do.
            let comp = comp
                .get(..super::zstd::frame_len(comp).unwrap_or(comp.len()))
                .unwrap_or(comp);
            let mut src = comp;
            let dec = match ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                &mut src,
                cap.max(1 << 20),
            ) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e.to_string())),
            };
            match super::bytes_util::read_all(NAME, off, ctx, cap, dec) {
                Ok(d) => Decoded {
                    consumed: comp.len(),
                    ..d
                },
                Err(crate::Error::Malformed { message, .. }) => return Ok(Err(message)),
                Err(e) => return Err(e),
            }
        }
        m => return Ok(Err(format!("compression method {m} not supported"))),
    };
    Ok(Ok(r))
}

/// Central directory record fields we use, keyed by local header offset.
struct CentralInfo {
    mode: Option<u32>,
    name: String,
    csize: Option<usize>,
}

/// Offset of a central directory that an end-of-central-directory record at or after `from`
/// vouches for: its offset plus size must land exactly on the record (offsets relative to the
/// archive start), and a central header must sit there.
fn find_central(input: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    for _ in 0..64 {
        let k = input.get(i..)?.windows(4).position(|w| w == EOCD)?;
        let at = i + k;
        let size = u32le(input, at + 12).map(|v| v as usize);
        let off = u32le(input, at + 16).map(|v| v as usize);
        if let (Some(size), Some(off)) = (size, off) {
            if off.checked_add(size) == Some(at) && get(input, off, 4) == Some(CENTRAL) {
                return Some(off);
            }
        }
        i = at + 1;
    }
    None
}

/// Extract one entry described by local header `l` into `entries` (or a note); returns where
/// the next local header should be (`None`: unknown, the walk stops).
#[allow(clippy::too_many_arguments)]
fn extract(
    l: &Local,
    input: &[u8],
    ctx: &Ctx,
    cap: u64,
    total: &mut u64,
    start: usize,
    entries: &mut Vec<(usize, Entry)>,
    notes: &mut Vec<String>,
) -> crate::Result<Option<usize>> {
    let meta = Meta {
        mtime: l.mtime,
        ..Meta::default()
    };
    let mut next: Option<usize> = l.csize.map(|c| l.data_at.saturating_add(c));
    let descriptor_end = |l: &Local| {
        input
            .get(l.data_at..)
            .and_then(find_descriptor)
            .map(|n| l.data_at + n)
    };
    if l.name.ends_with('/') {
        let path = l.name.clone();
        entries.push((
            l.offset,
            Entry {
                path,
                kind: EntryKind::Dir,
                meta,
            },
        ));
    } else if l.flags & 1 != 0 {
        notes.push(format!("{}: encrypted entry not extracted", l.name));
        if next.is_none() {
            next = descriptor_end(l);
        }
    } else {
        match decode(l, input, ctx, cap.saturating_sub(*total), start)? {
            Ok(d) => {
                if next.is_none() {
                    next = Some(l.data_at + d.consumed);
                }
                if !d.complete || d.error.is_some() {
                    notes.push(format!("{}: data truncated or damaged", l.name));
                } else if l.flags & 8 == 0 && super::bytes_util::crc32(&d.data) != l.crc {
                    notes.push(format!("{}: CRC-32 mismatch", l.name));
                }
                *total += d.data.len() as u64;
                let path = l.name.clone();
                entries.push((
                    l.offset,
                    Entry {
                        path,
                        kind: EntryKind::File(Bytes::from(d.data)),
                        meta,
                    },
                ));
            }
            Err(e) => {
                notes.push(format!("{}: {e}", l.name));
                if next.is_none() {
                    next = descriptor_end(l);
                }
            }
        }
    }
    let Some(mut n) = next else { return Ok(None) };
    if l.flags & 8 != 0 {
        // Data descriptor: optional signature, CRC, sizes (8-byte sizes for zip64).
        if get(input, n, 4) == Some(DESCRIPTOR) {
            n = n.saturating_add(4);
        }
        let zip64 = l.usize_ == Some(u64::from(u32::MAX));
        n = n.saturating_add(if zip64 { 20 } else { 12 });
    }
    Ok(Some(n))
}

impl Format for Zip {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: LOCAL,
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> crate::Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let Some(first) = local_header(input, 0) else {
            return Ok(None);
        };
        // Cheap plausibility before any decoding: a version and a known method.
        if u16le(input, 4).is_none_or(|v| v > 0x3ff) || first.name.is_empty() {
            return Ok(None);
        }
        let cap = ctx.output_cap(input.len() as u64);
        let mut total = 0u64;
        let mut notes = Vec::new();
        let mut entries: Vec<(usize, Entry)> = Vec::new();
        let mut pos = 0usize;
        let mut end_of_data = 0usize;
        while let Some(l) = local_header(input, pos) {
            let next = extract(
                &l,
                input,
                ctx,
                cap,
                &mut total,
                start,
                &mut entries,
                &mut notes,
            )?;
            let Some(n) = next else { break };
            if n > input.len() {
                end_of_data = input.len();
                notes.push("archive truncated".to_owned());
                break;
            }
            pos = n;
            end_of_data = n;
            ctx.check_time(NAME, start as u64)?;
        }
        if entries.is_empty() && notes.is_empty() {
            return Ok(None);
        }
        // Central directory: right after the last entry (or anywhere after, if entries were
        // damaged; only the adjacent one is trusted for the extent).
        let mut len = end_of_data;
        let mut central: HashMap<usize, CentralInfo> = HashMap::new();
        let mut p = end_of_data;
        let mut saw_central = false;
        let adjacent = get(input, p, 4) == Some(CENTRAL);
        if !adjacent {
            // The walk stopped early (damaged or unusual entry): a consistent end-of-central-
            // directory record further on still lets the central directory list the rest.
            if let Some(cd) = find_central(input, end_of_data) {
                notes.push(format!(
                    "local headers end at {end_of_data:#x}; central directory at {cd:#x} used"
                ));
                p = cd;
            }
        }
        while get(input, p, 4) == Some(CENTRAL) {
            saw_central = true;
            let (
                Some(made),
                Some(nlen),
                Some(xlen),
                Some(clen),
                Some(ext),
                Some(off32),
                Some(c32),
                Some(u32_),
            ) = (
                u16le(input, p + 4),
                u16le(input, p + 28),
                u16le(input, p + 30),
                u16le(input, p + 32),
                u32le(input, p + 38),
                u32le(input, p + 42),
                u32le(input, p + 20),
                u32le(input, p + 24),
            )
            else {
                break;
            };
            let (nlen, xlen, clen) = (usize::from(nlen), usize::from(xlen), usize::from(clen));
            let name = get(input, p + 46, nlen).map(|n| String::from_utf8_lossy(n).into_owned());
            let extra = get(input, p + 46 + nlen, xlen).unwrap_or_default();
            let (_, _, o64) = zip64(extra, u32_, c32, off32);
            let off = o64.unwrap_or(u64::from(off32));
            let mode = (made >> 8 == 3).then_some(ext >> 16).filter(|m| *m != 0);
            if let (Some(name), Ok(off)) = (name, usize::try_from(off)) {
                let csize = zip64(extra, u32_, c32, off32).1.unwrap_or(u64::from(c32));
                central.insert(
                    off,
                    CentralInfo {
                        mode,
                        name,
                        csize: usize::try_from(csize).ok(),
                    },
                );
            }
            p += 46 + nlen + xlen + clen;
            len = p.min(input.len());
        }
        if saw_central {
            if get(input, p, 4) == Some(EOCD64) {
                if let Some(sz) = u64le(input, p + 4).and_then(|s| usize::try_from(s).ok()) {
                    p = p.saturating_add(12).saturating_add(sz);
                }
            }
            if get(input, p, 4) == Some(LOCATOR64) {
                p += 20;
            }
            if get(input, p, 4) == Some(EOCD) {
                let clen = u16le(input, p + 20).map_or(0, usize::from);
                len = (p + 22 + clen).min(input.len());
            } else {
                notes.push("end of central directory record missing".to_owned());
            }
        } else {
            notes
                .push("central directory missing; entries recovered from local headers".to_owned());
        }
        // Entries the central directory lists but the walk did not reach.
        let mut missing: Vec<(usize, Option<usize>)> = central
            .iter()
            .filter(|(off, _)| !entries.iter().any(|(o, _)| o == *off) && **off >= end_of_data)
            .map(|(off, c)| (*off, c.csize))
            .collect();
        missing.sort_unstable();
        for (off, csize) in missing {
            let Some(mut l) = local_header(input, off) else {
                notes.push(format!(
                    "central directory points at {off:#x}: no local header there"
                ));
                continue;
            };
            if l.csize.is_none() {
                l.csize = csize;
            }
            extract(
                &l,
                input,
                ctx,
                cap,
                &mut total,
                start,
                &mut entries,
                &mut notes,
            )?;
            ctx.check_time(NAME, start as u64)?;
        }
        entries.sort_by_key(|(off, _)| *off);
        let mut out = Vec::new();
        for (off, mut e) in entries {
            if let Some(c) = central.get(&off) {
                if let Some(mode) = c.mode {
                    e.meta.mode = Some(mode & 0o7777);
                    if mode & 0o170000 == 0o120000 {
                        if let EntryKind::File(b) = &e.kind {
                            e.kind = EntryKind::Symlink(String::from_utf8_lossy(b).into_owned());
                        }
                    }
                }
                if c.name != e.path {
                    notes.push(format!("{}: central directory names it {}", e.path, c.name));
                }
            }
            out.push(e);
        }
        let mut parsed = Parsed::new(len as u64, Output::Entries(out));
        parsed.notes = notes;
        Ok(Some(parsed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;
    use std::io::Write;

    fn build() -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.add_directory("etc/", stored).unwrap();
        w.start_file("etc/shadow", deflated).unwrap();
        w.write_all(&b"root:$1$abc:0:0:99999:7:::\n".repeat(20))
            .unwrap();
        w.start_file("readme.txt", stored).unwrap();
        w.write_all(b"plain").unwrap();
        w.add_symlink("bin/sh", "busybox", stored).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn list(p: &Parsed) -> Vec<(String, String)> {
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        es.iter()
            .map(|e| {
                let k = match &e.kind {
                    EntryKind::File(b) => format!("file:{}", b.len()),
                    EntryKind::Dir => "dir".into(),
                    EntryKind::Symlink(t) => format!("symlink:{t}"),
                    _ => "other".into(),
                };
                (e.path.clone(), k)
            })
            .collect()
    }

    #[test]
    fn full_archive_with_trailing_data() {
        let mut f = build();
        let n = f.len();
        f.extend_from_slice(b"PK\x03\x04trailing");
        let p = Zip
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(
            list(&p),
            vec![
                ("etc/".into(), "dir".into()),
                ("etc/shadow".into(), format!("file:{}", 27 * 20)),
                ("readme.txt".into(), "file:5".into()),
                ("bin/sh".into(), "symlink:busybox".into()),
            ]
        );
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        assert_eq!(es[1].meta.mode, Some(0o600));
    }

    #[test]
    fn truncated_archive_falls_back_to_local_headers() {
        let f = build();
        let cd = f.windows(4).position(|w| w == CENTRAL).unwrap();
        let p = Zip
            .parse(
                &Bytes::copy_from_slice(&f[..cd]),
                0,
                &Ctx::new(Limits::default()),
            )
            .unwrap()
            .unwrap();
        assert_eq!(list(&p).len(), 4);
        assert_eq!(list(&p)[2], ("readme.txt".into(), "file:5".into()));
        assert!(p
            .notes
            .iter()
            .any(|n| n.contains("central directory missing")));
        for cut in (0..f.len()).step_by(7) {
            let _ = Zip.parse(
                &Bytes::copy_from_slice(&f[..cut]),
                0,
                &Ctx::new(Limits::default()),
            );
        }
    }

    #[test]
    fn bomb_hits_limit() {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("zeros", o).unwrap();
        w.write_all(&vec![0u8; 4 << 20]).unwrap();
        let f = w.finish().unwrap().into_inner();
        let limits = Limits {
            ratio_floor_bytes: 1 << 20,
            ..Limits::default()
        };
        let r = Zip.parse(&Bytes::from(f), 0, &Ctx::new(limits));
        assert!(matches!(r, Err(crate::Error::Limit { .. })), "{r:?}");
    }

    fn compress_for(method: u16, data: &[u8]) -> Vec<u8> {
        match method {
            8 => {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            12 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            14 => {
                let o = lzma_rust2::LzmaOptions::with_preset(1);
                let mut w = lzma_rust2::LzmaWriter::new(Vec::new(), &o, false, true, None).unwrap();
                w.write_all(data).unwrap();
                let raw = w.finish().unwrap();
                let props = ((o.pb * 5 + o.lp) * 9 + o.lc) as u8;
                let mut v = vec![16, 2, 5, 0, props];
                v.extend_from_slice(&o.dict_size.to_le_bytes());
                v.extend_from_slice(&raw);
                v
            }
            93 => {
                ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
            }
            _ => data.to_vec(),
        }
    }

    /// A streamed zip entry (flag bit 3: sizes in a data descriptor after the data), as
    /// written by `zip -` or Java's ZipOutputStream, followed by its central directory.
    fn streamed(name: &str, data: &[u8], method: u16, flags: u16) -> Vec<u8> {
        let comp = compress_for(method, data);
        let crc = crate::formats::bytes_util::crc32(data);
        let mut f = Vec::new();
        f.extend_from_slice(LOCAL);
        f.extend_from_slice(&20u16.to_le_bytes());
        f.extend_from_slice(&(flags | 8).to_le_bytes());
        f.extend_from_slice(&method.to_le_bytes());
        f.extend_from_slice(&[0; 4]); // time, date
        f.extend_from_slice(&[0; 12]); // crc, sizes: in the descriptor
        f.extend_from_slice(&(name.len() as u16).to_le_bytes());
        f.extend_from_slice(&0u16.to_le_bytes());
        f.extend_from_slice(name.as_bytes());
        f.extend_from_slice(&comp);
        f.extend_from_slice(DESCRIPTOR);
        f.extend_from_slice(&crc.to_le_bytes());
        f.extend_from_slice(&(comp.len() as u32).to_le_bytes());
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        let cd = f.len();
        f.extend_from_slice(CENTRAL);
        f.extend_from_slice(&0x0314u16.to_le_bytes()); // made by Unix
        f.extend_from_slice(&20u16.to_le_bytes());
        f.extend_from_slice(&(flags | 8).to_le_bytes());
        f.extend_from_slice(&method.to_le_bytes());
        f.extend_from_slice(&[0; 4]);
        f.extend_from_slice(&crc.to_le_bytes());
        f.extend_from_slice(&(comp.len() as u32).to_le_bytes());
        f.extend_from_slice(&(data.len() as u32).to_le_bytes());
        f.extend_from_slice(&(name.len() as u16).to_le_bytes());
        f.extend_from_slice(&[0; 8]); // extra len, comment len, disk, internal attrs
        f.extend_from_slice(&(0o100755u32 << 16).to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(name.as_bytes());
        let cd_size = f.len() - cd;
        f.extend_from_slice(EOCD);
        f.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        f.extend_from_slice(&(cd_size as u32).to_le_bytes());
        f.extend_from_slice(&(cd as u32).to_le_bytes());
        f.extend_from_slice(&0u16.to_le_bytes());
        f
    }

    #[test]
    fn data_descriptor_entries_every_method() {
        let body = b"streamed entry body, streamed entry body\n".repeat(5);
        // Deflate, stored, bzip2, LZMA (flag bit 1: end marker) and Zstandard.
        for (method, flags) in [(8u16, 0u16), (0, 0), (12, 0), (14, 2), (93, 0)] {
            let mut f = streamed("usr/bin/tool", &body, method, flags);
            let n = f.len();
            f.extend_from_slice(b"after");
            let p = Zip
                .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
                .unwrap()
                .unwrap();
            assert_eq!(p.len as usize, n, "method {method}");
            assert!(p.notes.is_empty(), "method {method}: {:?}", p.notes);
            let Output::Entries(es) = &p.output else {
                panic!()
            };
            assert_eq!(es.len(), 1);
            assert_eq!(es[0].path, "usr/bin/tool");
            assert_eq!(es[0].meta.mode, Some(0o755));
            match &es[0].kind {
                EntryKind::File(b) => assert_eq!(&b[..], &body[..]),
                k => panic!("{k:?}"),
            }
        }
    }

    #[test]
    fn encrypted_entry_is_a_note() {
        let f = streamed("secret.bin", b"0123456789abcdef", 0, 1);
        let p = Zip
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        let Output::Entries(es) = &p.output else {
            panic!()
        };
        assert!(es.is_empty());
        assert_eq!(
            p.notes,
            vec!["secret.bin: encrypted entry not extracted".to_owned()]
        );
    }

    #[test]
    fn damaged_local_header_recovered_through_central_directory() {
        let mut f = build();
        // Corrupt the signature of the "readme.txt" local header: the walk stops there.
        let at = f
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == LOCAL)
            .map(|(i, _)| i)
            .nth(2)
            .unwrap();
        f[at + 3] = 0xee;
        let n = f.len();
        let p = Zip
            .parse(&Bytes::from(f), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len as usize, n);
        assert_eq!(
            list(&p),
            vec![
                ("etc/".into(), "dir".into()),
                ("etc/shadow".into(), format!("file:{}", 27 * 20)),
                ("bin/sh".into(), "symlink:busybox".into()),
            ]
        );
        assert!(
            p.notes.iter().any(|n| n.contains("no local header there")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn dos_time_converts() {
        // 2020-01-02 03:04:06
        let date = ((2020 - 1980) << 9) | (1 << 5) | 2;
        let time = (3 << 11) | (4 << 5) | 3;
        assert_eq!(dos_time(date, time), Some(1_577_934_246));
    }
}
