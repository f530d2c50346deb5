//! TP-Link firmware header (the 512-byte header of `mktplinkfw` / `mktplinkfw2` images used
//! by TL-WR841N, TL-MR3020 and most 2008–2016 TP-Link routers).
//!
//! Parses: header version 1 (bytes `01 00 00 00`, vendor name, firmware version string,
//! hardware id/revision, two MD5 fields, kernel load/entry, total length, kernel and rootfs
//! offsets/lengths, boot loader length, firmware version triple) and the version 2 layout
//! (bytes `02 00 00 00` or `03 00 00 00`, no vendor name, 48-byte version string, 0x55AA /
//! 0xA5 markers). Verifies the first MD5 with TP-Link's two published salts (normal and
//! boot-loader images). "Boot" images carry a second header after a 128 KiB boot loader;
//! their offsets are relative to that second header, and the boot loader becomes a region.
//! Yields regions `bootloader` (if present), `kernel` and `rootfs`.
//!
//! Evidence: `header-version`, `vendor`, `firmware-version`, `hardware-id`,
//! `hardware-model` (the id's hex digits, e.g. `841 v10`), `hardware-revision`, `kernel-load-address`, `kernel-entry-point`, `firmware-length`,
//! `version`, `md5` (`ok-normal-salt`, `ok-boot-salt`, `mismatch`).
//! Known false positives: a version-1 header needs printable vendor and version strings and
//! offsets inside the declared length, so chance matches are rare.
//! References: OpenWrt `tools/firmware-utils/src/mktplinkfw.c`, `mktplinkfw2.c`.

use super::bytes_util::{u16be, u32be};
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::Result;
use bytes::Bytes;
use md5::{Digest, Md5};

const NAME: &str = "tplink";
const HEADER_LEN: usize = 0x200;
/// Boot images: header, 128 KiB boot loader, then the flash image with its own header.
const BOOT_LOADER_LEN: usize = 0x20000;
const MD5_SALT_NORMAL: [u8; 16] = [
    0xdc, 0xd7, 0x3a, 0xa5, 0xc3, 0x95, 0x98, 0xfb, 0xdd, 0xf9, 0xe7, 0xf4, 0x0e, 0xae, 0x47, 0x38,
];
const MD5_SALT_BOOT: [u8; 16] = [
    0x8c, 0xef, 0x33, 0x5b, 0xd5, 0xc5, 0xce, 0xfa, 0xa7, 0x9c, 0x28, 0xda, 0xb2, 0xe9, 0x0f, 0x42,
];

/// TP-Link firmware header, versions 1 and 2.
#[derive(Debug, Clone, Copy)]
pub struct TpLink;

/// A printable NUL-padded string field, or `None` if it holds control bytes before the NUL.
fn text(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = b.get(..end)?;
    if s.iter().all(|&c| (0x20..0x7f).contains(&c)) {
        Some(String::from_utf8_lossy(s).into_owned())
    } else {
        None
    }
}

#[derive(Debug, Clone)]
struct Header {
    version: u32,
    vendor: Option<String>,
    fw_version: String,
    hw_id: u32,
    hw_rev: u32,
    md5_at: usize,
    kernel_la: u32,
    kernel_ep: u32,
    fw_length: u32,
    kernel_ofs: u32,
    kernel_len: u32,
    rootfs_ofs: u32,
    rootfs_len: u32,
    boot_len: u32,
    version_triple: (u16, u16, u16),
}

fn header(d: &[u8]) -> Option<Header> {
    let h = d.get(..HEADER_LEN)?;
    let version = u32be(h, 0)?;
    let hdr = match version {
        0x0100_0000 => Header {
            version: 1,
            vendor: Some(text(h.get(4..0x1c)?)?),
            fw_version: text(h.get(0x1c..0x40)?)?,
            hw_id: u32be(h, 0x40)?,
            hw_rev: u32be(h, 0x44)?,
            md5_at: 0x4c,
            kernel_la: u32be(h, 0x74)?,
            kernel_ep: u32be(h, 0x78)?,
            fw_length: u32be(h, 0x7c)?,
            kernel_ofs: u32be(h, 0x80)?,
            kernel_len: u32be(h, 0x84)?,
            rootfs_ofs: u32be(h, 0x88)?,
            rootfs_len: u32be(h, 0x8c)?,
            boot_len: u32be(h, 0x94)?,
            version_triple: (u16be(h, 0x98)?, u16be(h, 0x9a)?, u16be(h, 0x9c)?),
        },
        0x0200_0000 | 0x0300_0000 => {
            // The 0x55AA and 0xA5 markers are what tell this layout from noise.
            if u16be(h, 0x8c)? != 0x55aa || *h.get(0x90)? != 0xa5 {
                return None;
            }
            Header {
                version: 2,
                vendor: None,
                fw_version: text(h.get(4..0x34)?)?,
                hw_id: u32be(h, 0x34)?,
                hw_rev: u32be(h, 0x38)?,
                md5_at: 0x40,
                kernel_la: u32be(h, 0x68)?,
                kernel_ep: u32be(h, 0x6c)?,
                fw_length: u32be(h, 0x70)?,
                kernel_ofs: u32be(h, 0x74)?,
                kernel_len: u32be(h, 0x78)?,
                rootfs_ofs: u32be(h, 0x7c)?,
                rootfs_len: u32be(h, 0x80)?,
                boot_len: u32be(h, 0x88)?,
                version_triple: (
                    u16::from(*h.get(0x91)?),
                    u16::from(*h.get(0x92)?),
                    u16::from(*h.get(0x93)?),
                ),
            }
        }
        _ => return None,
    };
    if hdr.fw_version.is_empty()
        || (hdr.fw_length as usize) < HEADER_LEN
        || hdr.kernel_len == 0
        || (hdr.kernel_ofs as usize) < HEADER_LEN
    {
        return None;
    }
    Some(hdr)
}

/// MD5 over the image with the stored sum replaced by a salt, tried with both salts.
fn md5_status(image: &[u8], md5_at: usize) -> Option<&'static str> {
    let stored = image.get(md5_at..md5_at + 16)?;
    let before = image.get(..md5_at)?;
    let after = image.get(md5_at + 16..)?;
    for (salt, name) in [
        (&MD5_SALT_NORMAL, "ok-normal-salt"),
        (&MD5_SALT_BOOT, "ok-boot-salt"),
    ] {
        let mut m = Md5::new();
        m.update(before);
        m.update(salt);
        m.update(after);
        if m.finalize().as_slice() == stored {
            return Some(name);
        }
    }
    Some("mismatch")
}

impl Format for TpLink {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: b"\x01\x00\x00\x00TP-LINK",
                offset: 0,
            },
            Magic {
                bytes: b"\x01\x00\x00\x00OpenWrt",
                offset: 0,
            },
            Magic {
                bytes: b"\x02\x00\x00\x00ver. ",
                offset: 0,
            },
            Magic {
                bytes: b"\x03\x00\x00\x00ver. ",
                offset: 0,
            },
        ]
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let Some(h) = header(input) else {
            return Ok(None);
        };
        let mut notes = Vec::new();
        let total = (h.fw_length as usize).min(input.len());
        if total < h.fw_length as usize {
            notes.push(format!(
                "image truncated: header says {} bytes, {} present",
                h.fw_length,
                input.len()
            ));
        }

        let mut regions = Vec::new();
        // A boot image: its offsets count from the flash image's own header.
        let mut base = 0usize;
        let inner_at = HEADER_LEN + BOOT_LOADER_LEN;
        if h.boot_len != 0 && total > inner_at {
            if let Some(inner) = input.get(inner_at..).and_then(header) {
                if inner.version == h.version {
                    base = inner_at;
                    regions.push(Region {
                        name: "bootloader".to_string(),
                        offset: HEADER_LEN as u64,
                        data: data.slice(start + HEADER_LEN..start + inner_at),
                    });
                }
            }
        }

        for (name, ofs, len) in [
            ("kernel", h.kernel_ofs, h.kernel_len),
            ("rootfs", h.rootfs_ofs, h.rootfs_len),
        ] {
            if len == 0 {
                continue;
            }
            let from = base.saturating_add(ofs as usize);
            let want_end = from.saturating_add(len as usize);
            let end = want_end.min(total);
            if from >= end {
                notes.push(format!(
                    "{name} at {from:#x} (+{len:#x}) lies outside the {total:#x}-byte image"
                ));
                continue;
            }
            if end < want_end {
                notes.push(format!(
                    "{name} truncated: {len:#x} bytes declared, {:#x} present",
                    end - from
                ));
            }
            regions.push(Region {
                name: name.to_string(),
                offset: from as u64,
                data: data.slice(start + from..start + end),
            });
        }
        if regions.iter().all(|r| r.name != "kernel") {
            return Ok(None);
        }

        let md5 = if total == h.fw_length as usize {
            md5_status(input.get(..total).unwrap_or_default(), h.md5_at).unwrap_or("mismatch")
        } else {
            "unchecked"
        };
        if md5 == "mismatch" {
            notes.push("MD5 checksum matches neither TP-Link salt".to_string());
        }

        let mut attrs = vec![("header-version".to_string(), h.version.to_string())];
        if let Some(v) = &h.vendor {
            attrs.push(("vendor".to_string(), v.clone()));
        }
        let (a, b, c) = h.version_triple;
        attrs.extend([
            ("firmware-version".to_string(), h.fw_version.clone()),
            ("hardware-id".to_string(), format!("{:#010x}", h.hw_id)),
            ("hardware-revision".to_string(), h.hw_rev.to_string()),
            // The id's hex digits spell the model and version: 0x08410010 is "841 v10".
            (
                "hardware-model".to_string(),
                format!("{:x} v{:x}", h.hw_id >> 16, h.hw_id & 0xffff),
            ),
            (
                "kernel-load-address".to_string(),
                format!("{:#010x}", h.kernel_la),
            ),
            (
                "kernel-entry-point".to_string(),
                format!("{:#010x}", h.kernel_ep),
            ),
            ("firmware-length".to_string(), h.fw_length.to_string()),
            ("version".to_string(), format!("{a}.{b}.{c}")),
            ("md5".to_string(), md5.to_string()),
        ]);

        let mut parsed = Parsed::new(total as u64, Output::Regions(regions));
        parsed.attrs = attrs;
        parsed.notes = notes;
        Ok(Some(parsed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    fn put(b: &mut [u8], o: usize, v: u32) {
        b[o..o + 4].copy_from_slice(&v.to_be_bytes());
    }

    /// A version-1 image: header, kernel at 0x200, rootfs at 0x400, salted MD5.
    fn build_v1(salt: &[u8; 16]) -> Vec<u8> {
        let mut img = vec![0u8; 0x600];
        put(&mut img, 0, 0x0100_0000);
        img[4..24].copy_from_slice(b"TP-LINK Technologies");
        img[0x1c..0x24].copy_from_slice(b"ver. 1.0");
        put(&mut img, 0x40, 0x0841_0010);
        put(&mut img, 0x44, 1);
        put(&mut img, 0x74, 0x8000_2000);
        put(&mut img, 0x78, 0x8019_43b0);
        put(&mut img, 0x7c, 0x600);
        put(&mut img, 0x80, 0x200);
        put(&mut img, 0x84, 0x100);
        put(&mut img, 0x88, 0x400);
        put(&mut img, 0x8c, 0x200);
        img[0x98..0x9e].copy_from_slice(&[0, 3, 0, 16, 0, 9]);
        img[0x200..0x300].fill(0x5d);
        img[0x400..0x404].copy_from_slice(b"hsqs");
        img[0x4c..0x5c].copy_from_slice(salt);
        let sum = Md5::digest(&img);
        img[0x4c..0x5c].copy_from_slice(&sum);
        img
    }

    fn attr<'a>(p: &'a Parsed, k: &str) -> &'a str {
        p.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    fn regions(p: &Parsed) -> Vec<(String, u64, usize)> {
        match &p.output {
            Output::Regions(r) => r
                .iter()
                .map(|r| (r.name.clone(), r.offset, r.data.len()))
                .collect(),
            other => panic!("not regions: {other:?}"),
        }
    }

    fn parse(img: Vec<u8>) -> Option<Parsed> {
        TpLink
            .parse(&Bytes::from(img), 0, &Ctx::new(Limits::default()))
            .unwrap()
    }

    #[test]
    fn v1_fields_regions_and_md5() {
        let p = parse(build_v1(&MD5_SALT_NORMAL)).unwrap();
        assert_eq!(p.len, 0x600);
        assert_eq!(attr(&p, "header-version"), "1");
        assert_eq!(attr(&p, "vendor"), "TP-LINK Technologies");
        assert_eq!(attr(&p, "firmware-version"), "ver. 1.0");
        assert_eq!(attr(&p, "hardware-id"), "0x08410010");
        assert_eq!(attr(&p, "hardware-revision"), "1");
        assert_eq!(attr(&p, "kernel-load-address"), "0x80002000");
        assert_eq!(attr(&p, "kernel-entry-point"), "0x801943b0");
        assert_eq!(attr(&p, "version"), "3.16.9");
        assert_eq!(attr(&p, "md5"), "ok-normal-salt");
        assert!(p.notes.is_empty());
        assert_eq!(
            regions(&p),
            [
                ("kernel".to_string(), 0x200, 0x100),
                ("rootfs".to_string(), 0x400, 0x200)
            ]
        );
    }

    #[test]
    fn md5_with_boot_salt_and_mismatch() {
        let p = parse(build_v1(&MD5_SALT_BOOT)).unwrap();
        assert_eq!(attr(&p, "md5"), "ok-boot-salt");
        let mut img = build_v1(&MD5_SALT_NORMAL);
        img[0x500] ^= 0xff;
        let p = parse(img).unwrap();
        assert_eq!(attr(&p, "md5"), "mismatch");
        assert_eq!(p.notes, ["MD5 checksum matches neither TP-Link salt"]);
    }

    #[test]
    fn v2_layout() {
        let mut img = vec![0u8; 0x600];
        put(&mut img, 0, 0x0300_0000);
        img[4..12].copy_from_slice(b"ver. 2.0");
        put(&mut img, 0x34, 0x0c50_0001);
        put(&mut img, 0x38, 1);
        put(&mut img, 0x68, 0x8000_0000);
        put(&mut img, 0x6c, 0x8000_0000);
        put(&mut img, 0x70, 0x600);
        put(&mut img, 0x74, 0x200);
        put(&mut img, 0x78, 0x200);
        put(&mut img, 0x7c, 0x400);
        put(&mut img, 0x80, 0x200);
        img[0x8c..0x8e].copy_from_slice(&[0x55, 0xaa]);
        img[0x90..0x94].copy_from_slice(&[0xa5, 1, 2, 3]);
        let p = parse(img.clone()).unwrap();
        assert_eq!(attr(&p, "header-version"), "2");
        assert_eq!(attr(&p, "firmware-version"), "ver. 2.0");
        assert_eq!(attr(&p, "hardware-id"), "0x0c500001");
        assert_eq!(attr(&p, "version"), "1.2.3");
        assert_eq!(attr(&p, "md5"), "mismatch");
        assert_eq!(regions(&p).len(), 2);
        img[0x90] = 0;
        assert!(parse(img).is_none());
    }

    #[test]
    fn boot_image_offsets_count_from_inner_header() {
        let inner = build_v1(&MD5_SALT_NORMAL);
        let mut img = vec![0u8; HEADER_LEN + BOOT_LOADER_LEN];
        img[..0x200].copy_from_slice(&inner[..0x200]);
        put(
            &mut img,
            0x7c,
            (HEADER_LEN + BOOT_LOADER_LEN + 0x600) as u32,
        );
        put(&mut img, 0x94, 0xc38f);
        img[0x200..0x204].copy_from_slice(&[0x10, 0, 0, 0xff]);
        img.extend_from_slice(&inner);
        let p = parse(img).unwrap();
        assert_eq!(
            regions(&p),
            [
                ("bootloader".to_string(), 0x200, 0x20000),
                ("kernel".to_string(), 0x20400, 0x100),
                ("rootfs".to_string(), 0x20600, 0x200)
            ]
        );
    }

    #[test]
    fn hostile_lengths_are_clamped_or_rejected() {
        let mut img = build_v1(&MD5_SALT_NORMAL);
        put(&mut img, 0x8c, 0xffff_ffff);
        put(&mut img, 0x88, 0xffff_fff0);
        let p = parse(img).unwrap();
        assert_eq!(regions(&p), [("kernel".to_string(), 0x200, 0x100)]);
        assert_eq!(
            p.notes[0],
            "rootfs at 0xfffffff0 (+0xffffffff) lies outside the 0x600-byte image"
        );
        let mut img = build_v1(&MD5_SALT_NORMAL);
        img.truncate(0x480);
        let p = parse(img).unwrap();
        assert_eq!(p.len, 0x480);
        assert_eq!(attr(&p, "md5"), "unchecked");
        assert_eq!(
            p.notes,
            [
                "image truncated: header says 1536 bytes, 1152 present",
                "rootfs truncated: 0x200 bytes declared, 0x80 present"
            ]
        );
        let mut img = build_v1(&MD5_SALT_NORMAL);
        img[8] = 1; // control byte in vendor
        assert!(parse(img).is_none());
        for n in [0, 4, 100, 0x1ff] {
            assert!(parse(build_v1(&MD5_SALT_NORMAL)[..n].to_vec()).is_none());
        }
    }
}
