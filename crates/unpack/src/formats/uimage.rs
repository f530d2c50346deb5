//! U-Boot legacy image (`uImage`, `mkimage -A … -T …`): a 64-byte big-endian header
//! (magic 0x27051956) in front of a kernel, ramdisk, script, firmware or multi-file payload.
//!
//! Parses: the header (CRC-32 validated: a header whose CRC does not match is not taken as a
//! uImage), image name, OS, architecture, image type, compression, load and entry
//! addresses, build timestamp, and the data CRC-32 (a mismatch is a note; the payload is still
//! returned). Yields the payload as the region `payload`, or for `multi` images one region per
//! sub-image (`image-0`, `image-1`, …). Decompression is left to the engine's compression
//! formats (uImage `lzma` payloads are LZMA-alone streams).
//!
//! Evidence: `image-name`, `os`, `arch`, `image-type`, `compression`, `load-address`,
//! `entry-point`, `timestamp`, `data-size`, `data-crc` (`ok`/`mismatch`).
//! Known false positives: none known; the header CRC makes a chance match very unlikely.
//! Vendor variants that reuse the magic with a different header CRC scheme are not taken.
//! References: U-Boot `include/image.h` (`struct legacy_img_hdr`), `tools/mkimage`.

use super::bytes_util::u32be;
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::Result;
use bytes::Bytes;

const NAME: &str = "uimage";
const HEADER_LEN: usize = 64;
/// A multi-file image lists its sub-image sizes before the data; no real image has many.
const MAX_MULTI: usize = 64;

/// U-Boot legacy uImage.
#[derive(Debug, Clone, Copy)]
pub struct UImage;

/// Name of a `IH_OS_*` value.
pub(crate) fn os_name(v: u8) -> String {
    const T: &[&str] = &[
        "invalid",
        "openbsd",
        "netbsd",
        "freebsd",
        "4_4bsd",
        "linux",
        "svr4",
        "esix",
        "solaris",
        "irix",
        "sco",
        "dell",
        "ncr",
        "lynxos",
        "vxworks",
        "psos",
        "qnx",
        "u-boot",
        "rtems",
        "artos",
        "unity",
        "integrity",
        "ose",
        "plan9",
        "openrtos",
        "arm-trusted-firmware",
        "tee",
        "opensbi",
        "efi",
    ];
    table_name(T, v, "os")
}

/// Name of a `IH_ARCH_*` value.
pub(crate) fn arch_name(v: u8) -> String {
    const T: &[&str] = &[
        "invalid",
        "alpha",
        "arm",
        "x86",
        "ia64",
        "mips",
        "mips64",
        "powerpc",
        "s390",
        "sh",
        "sparc",
        "sparc64",
        "m68k",
        "nios",
        "microblaze",
        "nios2",
        "blackfin",
        "avr32",
        "st200",
        "sandbox",
        "nds32",
        "openrisc",
        "arm64",
        "arc",
        "x86_64",
        "xtensa",
        "riscv",
    ];
    table_name(T, v, "arch")
}

fn type_name(v: u8) -> String {
    const T: &[&str] = &[
        "invalid",
        "standalone",
        "kernel",
        "ramdisk",
        "multi",
        "firmware",
        "script",
        "filesystem",
        "flat_dt",
        "kwbimage",
        "imximage",
        "ublimage",
        "omapimage",
        "aisimage",
        "kernel_noload",
    ];
    table_name(T, v, "type")
}

/// Name of a `IH_COMP_*` value.
pub(crate) fn comp_name(v: u8) -> String {
    const T: &[&str] = &["none", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd"];
    table_name(T, v, "comp")
}

fn table_name(t: &[&str], v: u8, what: &str) -> String {
    match t.get(usize::from(v)) {
        Some(s) => (*s).to_string(),
        None => format!("{what}-{v}"),
    }
}

/// NUL-terminated, printable text from a fixed-size field.
pub(crate) fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..end)
        .unwrap_or_default()
        .iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                char::from(c)
            } else {
                '?'
            }
        })
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (UTC), without a date crate.
pub(crate) fn iso8601(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), valid for all u32 timestamps.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// A validated uImage header.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub time: u32,
    pub size: u32,
    pub load: u32,
    pub entry: u32,
    pub dcrc: u32,
    pub os: u8,
    pub arch: u8,
    pub itype: u8,
    pub comp: u8,
    pub name: String,
}

/// Parse and CRC-check the 64-byte header at `d[0..]`; `None` if it is not one.
pub(crate) fn header(d: &[u8]) -> Option<Header> {
    let h = d.get(..HEADER_LEN)?;
    if u32be(h, 0)? != 0x2705_1956 {
        return None;
    }
    let hcrc = u32be(h, 4)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(h.get(..4)?);
    hasher.update(&[0u8; 4]);
    hasher.update(h.get(8..)?);
    if hasher.finalize() != hcrc {
        return None;
    }
    Some(Header {
        time: u32be(h, 8)?,
        size: u32be(h, 12)?,
        load: u32be(h, 16)?,
        entry: u32be(h, 20)?,
        dcrc: u32be(h, 24)?,
        os: *h.get(28)?,
        arch: *h.get(29)?,
        itype: *h.get(30)?,
        comp: *h.get(31)?,
        name: cstr(h.get(32..64)?),
    })
}

impl Format for UImage {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: &[0x27, 0x05, 0x19, 0x56],
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let Some(h) = header(input) else {
            return Ok(None);
        };
        let mut notes = Vec::new();
        let avail = input.len().saturating_sub(HEADER_LEN);
        let want = usize::try_from(h.size).unwrap_or(usize::MAX);
        let size = want.min(avail);
        if size < want {
            notes.push(format!(
                "payload truncated: header says {want} bytes, {avail} present"
            ));
        }
        let payload_start = start + HEADER_LEN;
        let payload = data.slice(payload_start..payload_start + size);
        let crc_ok = size == want && crc32fast::hash(&payload) == h.dcrc;
        if size == want && !crc_ok {
            notes.push(format!(
                "data CRC mismatch: header {:#010x}, computed {:#010x}",
                h.dcrc,
                crc32fast::hash(&payload)
            ));
        }

        let mut attrs = vec![
            ("image-name".to_string(), h.name.clone()),
            ("os".to_string(), os_name(h.os)),
            ("arch".to_string(), arch_name(h.arch)),
            ("image-type".to_string(), type_name(h.itype)),
            ("compression".to_string(), comp_name(h.comp)),
            ("load-address".to_string(), format!("{:#010x}", h.load)),
            ("entry-point".to_string(), format!("{:#010x}", h.entry)),
            ("timestamp".to_string(), iso8601(u64::from(h.time))),
            ("data-size".to_string(), h.size.to_string()),
            (
                "data-crc".to_string(),
                if crc_ok { "ok" } else { "mismatch" }.to_string(),
            ),
        ];

        let regions = if h.itype == 4 {
            match multi_regions(&payload) {
                Some(r) => {
                    attrs.push(("sub-images".to_string(), r.len().to_string()));
                    r
                }
                None => {
                    notes.push("multi-file image: malformed size table".to_string());
                    vec![region("payload", HEADER_LEN, payload)]
                }
            }
        } else {
            vec![region("payload", HEADER_LEN, payload)]
        };

        let mut parsed = Parsed::new((HEADER_LEN + size) as u64, Output::Regions(regions));
        parsed.attrs = attrs;
        parsed.notes = notes;
        Ok(Some(parsed))
    }
}

fn region(name: &str, offset: usize, data: Bytes) -> Region {
    Region {
        name: name.to_string(),
        offset: offset as u64,
        data,
    }
}

/// Split a multi-file payload: a zero-terminated table of big-endian sizes, then each
/// sub-image padded to 4 bytes. `None` if the table does not fit the payload.
fn multi_regions(payload: &Bytes) -> Option<Vec<Region>> {
    let mut sizes = Vec::new();
    let mut pos = 0usize;
    loop {
        let s = u32be(payload, pos)?;
        pos += 4;
        if s == 0 {
            break;
        }
        if sizes.len() >= MAX_MULTI {
            return None;
        }
        sizes.push(usize::try_from(s).ok()?);
    }
    if sizes.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(sizes.len());
    for (i, s) in sizes.iter().enumerate() {
        let end = pos.checked_add(*s)?;
        if end > payload.len() {
            return None;
        }
        out.push(region(
            &format!("image-{i}"),
            HEADER_LEN + pos,
            payload.slice(pos..end),
        ));
        pos = end.checked_add(3)? & !3;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// Build a uImage around `payload` with a correct header CRC.
    pub(crate) fn build(payload: &[u8], itype: u8, comp: u8, name: &str, dcrc: u32) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[0..4].copy_from_slice(&0x2705_1956u32.to_be_bytes());
        h[8..12].copy_from_slice(&1_388_534_400u32.to_be_bytes()); // 2014-01-01
        h[12..16].copy_from_slice(&(payload.len() as u32).to_be_bytes());
        h[16..20].copy_from_slice(&0x8000_2000u32.to_be_bytes());
        h[20..24].copy_from_slice(&0x8019_43b0u32.to_be_bytes());
        h[24..28].copy_from_slice(&dcrc.to_be_bytes());
        h[28] = 5;
        h[29] = 5;
        h[30] = itype;
        h[31] = comp;
        h[32..32 + name.len()].copy_from_slice(name.as_bytes());
        let c = crc32fast::hash(&h);
        h[4..8].copy_from_slice(&c.to_be_bytes());
        h.extend_from_slice(payload);
        h
    }

    fn attr<'a>(p: &'a Parsed, k: &str) -> &'a str {
        p.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    fn regions(p: &Parsed) -> &[Region] {
        match &p.output {
            Output::Regions(r) => r,
            other => panic!("not regions: {other:?}"),
        }
    }

    #[test]
    fn kernel_image_fields_and_payload() {
        let payload = b"]\0\0\x80\0fake-lzma-payload";
        let mut img = vec![0xffu8; 16];
        img.extend(build(
            payload,
            2,
            3,
            "Linux-3.10.14",
            crc32fast::hash(payload),
        ));
        img.extend_from_slice(b"trailer");
        let data = Bytes::from(img);
        let p = UImage
            .parse(&data, 16, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, 64 + payload.len() as u64);
        assert_eq!(attr(&p, "image-name"), "Linux-3.10.14");
        assert_eq!(attr(&p, "os"), "linux");
        assert_eq!(attr(&p, "arch"), "mips");
        assert_eq!(attr(&p, "image-type"), "kernel");
        assert_eq!(attr(&p, "compression"), "lzma");
        assert_eq!(attr(&p, "load-address"), "0x80002000");
        assert_eq!(attr(&p, "entry-point"), "0x801943b0");
        assert_eq!(attr(&p, "timestamp"), "2014-01-01T00:00:00Z");
        assert_eq!(attr(&p, "data-crc"), "ok");
        assert!(p.notes.is_empty());
        let r = regions(&p);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].name, "payload");
        assert_eq!(r[0].offset, 64);
        assert_eq!(&r[0].data[..], payload);
    }

    #[test]
    fn every_compression_name() {
        let names: Vec<String> = (0..8).map(comp_name).collect();
        assert_eq!(
            names,
            ["none", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd", "comp-7"]
        );
    }

    #[test]
    fn data_crc_mismatch_is_a_note_and_still_extracted() {
        let img = Bytes::from(build(b"abcdefgh", 2, 1, "x", 0x1234_5678));
        let p = UImage
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(attr(&p, "data-crc"), "mismatch");
        assert_eq!(p.notes.len(), 1);
        assert!(p.notes[0].starts_with("data CRC mismatch: header 0x12345678"));
        assert_eq!(&regions(&p)[0].data[..], b"abcdefgh");
    }

    #[test]
    fn bad_header_crc_is_not_a_uimage() {
        let mut img = build(b"abcd", 2, 0, "x", 0);
        img[40] ^= 1;
        let p = UImage
            .parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap();
        assert!(p.is_none());
    }

    #[test]
    fn truncated_payload_is_clamped_with_a_note() {
        let mut img = build(&[7u8; 100], 2, 0, "x", 0);
        img.truncate(64 + 40);
        let p = UImage
            .parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(p.len, 104);
        assert_eq!(regions(&p)[0].data.len(), 40);
        assert_eq!(
            p.notes,
            ["payload truncated: header says 100 bytes, 40 present"]
        );
        // Shorter than a header: not a uImage, no panic.
        for n in 0..64 {
            let short = Bytes::from(build(b"", 2, 0, "x", 0)[..n].to_vec());
            assert!(UImage
                .parse(&short, 0, &Ctx::new(Limits::default()))
                .unwrap()
                .is_none());
        }
    }

    #[test]
    fn multi_file_image_splits_sub_images() {
        let mut payload = Vec::new();
        payload.extend_from_slice(&5u32.to_be_bytes());
        payload.extend_from_slice(&3u32.to_be_bytes());
        payload.extend_from_slice(&0u32.to_be_bytes());
        payload.extend_from_slice(b"KERNE\0\0\0");
        payload.extend_from_slice(b"RFS");
        let img = Bytes::from(build(&payload, 4, 0, "multi", crc32fast::hash(&payload)));
        let p = UImage
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        let r = regions(&p);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].name.as_str(), r[0].offset), ("image-0", 64 + 12));
        assert_eq!(&r[0].data[..], b"KERNE");
        assert_eq!((r[1].name.as_str(), r[1].offset), ("image-1", 64 + 20));
        assert_eq!(&r[1].data[..], b"RFS");
        assert_eq!(attr(&p, "sub-images"), "2");
    }

    #[test]
    fn hostile_multi_table_falls_back_to_payload() {
        let mut payload = Vec::new();
        payload.extend_from_slice(&0xffff_fff0u32.to_be_bytes());
        payload.extend_from_slice(&0u32.to_be_bytes());
        let img = Bytes::from(build(&payload, 4, 0, "m", crc32fast::hash(&payload)));
        let p = UImage
            .parse(&img, 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap();
        assert_eq!(regions(&p)[0].name, "payload");
        assert_eq!(p.notes, ["multi-file image: malformed size table"]);
    }
}
