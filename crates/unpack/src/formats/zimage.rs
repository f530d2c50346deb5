//! Self-decompressing Linux kernel images: ARM `zImage` and x86 `bzImage`.
//!
//! Parses: ARM zImage (magic 0x016f2818 at 0x24 in either byte order, start and end
//! addresses at 0x28/0x2c, optional endianness marker at 0x30): the compressed kernel sits
//! after the decompressor stub, so the first gzip, xz, LZMA-alone, LZO (lzop), LZ4 legacy,
//! bzip2 or zstd marker after the header is taken as the payload, running to the image end.
//! x86 bzImage (`HdrS` at 0x202, boot protocol ≥ 2.08): `payload_offset`/`payload_length`
//! from the setup header. Yields region `payload`, or `Output::Info` with a note (claiming
//! only the 0x30-byte header) when no payload is found, e.g. in an image cut short.
//!
//! Evidence: `kernel-format` (`arm-zimage`/`x86-bzimage`), `endianness`, `image-size`,
//! `payload-compression`, `payload-offset`, `boot-protocol`, `kernel-version` (bzImage).
//! Known false positives: a stub containing a marker-like byte run before the real payload
//! would be taken first; markers are checked for plausible headers to limit this.
//! MIPS `vmlinuz` images have no header to find them by and are left to the compression
//! formats' own scanning.
//! References: Linux `arch/arm/boot/compressed/head.S`, `Documentation/arch/x86/boot.rst`.

use super::bytes_util::u16le;
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::Result;
use bytes::Bytes;

const NAME: &str = "zimage";
/// No real compressed kernel is larger; bounds the marker search.
const MAX_IMAGE: usize = 128 << 20;

/// ARM zImage and x86 bzImage kernels.
#[derive(Debug, Clone, Copy)]
pub struct ZImage;

fn u32_at(d: &[u8], o: usize, be: bool) -> Option<u32> {
    let b: [u8; 4] = d.get(o..o.checked_add(4)?)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

/// The first compressed-stream marker in `d`: `(offset, compression)`.
fn find_payload(d: &[u8]) -> Option<(usize, &'static str)> {
    let mut i = 0usize;
    while i + 6 <= d.len() {
        let w = d.get(i..i + 6)?;
        let hit = match w {
            [0x1f, 0x8b, 0x08, flg, ..] if flg & 0xe0 == 0 => Some("gzip"),
            [0xfd, b'7', b'z', b'X', b'Z', 0] => Some("xz"),
            [0x89, b'L', b'Z', b'O', 0, 0x0d] => Some("lzo"),
            [0x02, 0x21, 0x4c, 0x18, ..] => Some("lz4"),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some("zstd"),
            [b'B', b'Z', b'h', n, 0x31, 0x41] if (b'1'..=b'9').contains(n) => Some("bzip2"),
            // LZMA-alone: properties 0x5d and a power-of-two dictionary of 64 KiB–64 MiB.
            [0x5d, 0, 0, d3, d4, _] if *d4 <= 0x04 && (*d3 != 0 || *d4 != 0) => {
                let dict = u32::from_le_bytes([0, 0, *d3, *d4]);
                dict.is_power_of_two().then_some("lzma")
            }
            _ => None,
        };
        if let Some(c) = hit {
            return Some((i, c));
        }
        i += 1;
    }
    None
}

fn arm(data: &Bytes, start: usize, input: &[u8]) -> Option<Parsed> {
    let be = match input.get(0x24..0x28)? {
        [0x18, 0x28, 0x6f, 0x01] => false,
        [0x01, 0x6f, 0x28, 0x18] => true,
        _ => return None,
    };
    let zstart = u32_at(input, 0x28, be)?;
    let zend = u32_at(input, 0x2c, be)?;
    let size = zend.checked_sub(zstart)? as usize;
    if !(0x30..=MAX_IMAGE).contains(&size) {
        return None;
    }
    let mut attrs = vec![
        ("kernel-format".to_string(), "arm-zimage".to_string()),
        (
            "endianness".to_string(),
            if be { "big" } else { "little" }.to_string(),
        ),
        ("image-size".to_string(), size.to_string()),
    ];
    let mut notes = Vec::new();
    let avail = size.min(input.len());
    if avail < size {
        notes.push(format!(
            "image truncated: header says {size} bytes, {} present",
            input.len()
        ));
    }
    let body = input.get(0x30..avail).unwrap_or_default();
    let mut len = avail;
    let output = match find_payload(body) {
        Some((at, comp)) => {
            let from = 0x30 + at;
            attrs.push(("payload-compression".to_string(), comp.to_string()));
            attrs.push(("payload-offset".to_string(), format!("{from:#x}")));
            Output::Regions(vec![Region {
                name: "payload".to_string(),
                offset: from as u64,
                data: data.slice(start + from..start + avail),
            }])
        }
        None => {
            notes.push("no compressed payload found after the decompressor".to_string());
            // Claim only the header: whatever follows is unexplained and stays scannable.
            len = 0x30;
            Output::Info
        }
    };
    let mut p = Parsed::new(len as u64, output);
    p.attrs = attrs;
    p.notes = notes;
    Some(p)
}

fn x86(data: &Bytes, start: usize, input: &[u8]) -> Option<Parsed> {
    if input.get(0x1fe..0x200)? != [0x55, 0xaa] || input.get(0x202..0x206)? != b"HdrS" {
        return None;
    }
    let proto = u16le(input, 0x206)?;
    if proto < 0x0208 {
        return None;
    }
    let setup_sects = match *input.get(0x1f1)? {
        0 => 4,
        n => usize::from(n),
    };
    let pm_start = (setup_sects + 1) * 512;
    let syssize = u32_at(input, 0x1f4, false)? as usize;
    let size = pm_start.checked_add(syssize.checked_mul(16)?)?;
    let pay_off = u32_at(input, 0x248, false)? as usize;
    let pay_len = u32_at(input, 0x24c, false)? as usize;
    if size > MAX_IMAGE || pay_len == 0 {
        return None;
    }
    let from = pm_start.checked_add(pay_off)?;
    let to = from.checked_add(pay_len)?;
    if to > size {
        return None;
    }
    let mut attrs = vec![
        ("kernel-format".to_string(), "x86-bzimage".to_string()),
        ("endianness".to_string(), "little".to_string()),
        ("image-size".to_string(), size.to_string()),
        (
            "boot-protocol".to_string(),
            format!("{}.{:02}", proto >> 8, proto & 0xff),
        ),
        ("payload-offset".to_string(), format!("{from:#x}")),
    ];
    // kernel_version points (minus 0x200) at a NUL-terminated version string.
    if let Some(kv) = u16le(input, 0x20e).filter(|&v| v != 0) {
        let at = usize::from(kv) + 0x200;
        if let Some(s) = input.get(at..at.saturating_add(128)) {
            let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
            let text = s.get(..end).unwrap_or_default();
            if !text.is_empty() && text.iter().all(|&c| (0x20..0x7f).contains(&c)) {
                attrs.push((
                    "kernel-version".to_string(),
                    String::from_utf8_lossy(text).into_owned(),
                ));
            }
        }
    }
    let mut notes = Vec::new();
    let avail = size.min(input.len());
    if avail < size {
        notes.push(format!(
            "image truncated: header says {size} bytes, {} present",
            input.len()
        ));
    }
    let output = if from < avail {
        if let Some((_, comp)) = input.get(from..to.min(avail)).and_then(find_payload) {
            attrs.push(("payload-compression".to_string(), comp.to_string()));
        }
        Output::Regions(vec![Region {
            name: "payload".to_string(),
            offset: from as u64,
            data: data.slice(start + from..start + to.min(avail)),
        }])
    } else {
        Output::Info
    };
    let mut p = Parsed::new(avail as u64, output);
    p.attrs = attrs;
    p.notes = notes;
    Some(p)
}

impl Format for ZImage {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[
            Magic {
                bytes: &[0x18, 0x28, 0x6f, 0x01],
                offset: 0x24,
            },
            Magic {
                bytes: &[0x01, 0x6f, 0x28, 0x18],
                offset: 0x24,
            },
            Magic {
                bytes: b"HdrS",
                offset: 0x202,
            },
        ]
    }

    fn parse(&self, data: &Bytes, start: usize, _ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        Ok(arm(data, start, input).or_else(|| x86(data, start, input)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    fn arm_image(be: bool, payload: &[u8], pad: usize) -> Vec<u8> {
        let mut d = vec![0u8; 0x30];
        for i in 0..9 {
            d[i * 4..i * 4 + 4].copy_from_slice(&[0x00, 0x00, 0xa0, 0xe1]);
        }
        let magic: u32 = 0x016f_2818;
        let total = (0x30 + 0x40 + payload.len() + pad) as u32;
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        d[0x24..0x28].copy_from_slice(&w(magic));
        d[0x28..0x2c].copy_from_slice(&w(0));
        d[0x2c..0x30].copy_from_slice(&w(total));
        d.extend([0x11u8; 0x40]); // decompressor stub
        d.extend(payload);
        d.extend(vec![0u8; pad]);
        d
    }

    fn parse(d: Vec<u8>) -> Option<Parsed> {
        ZImage
            .parse(&Bytes::from(d), 0, &Ctx::new(Limits::default()))
            .unwrap()
    }

    fn attr<'a>(p: &'a Parsed, k: &str) -> Option<&'a str> {
        p.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn arm_little_endian_gzip_payload() {
        let p = parse(arm_image(false, b"\x1f\x8b\x08\x00gzdata", 4)).unwrap();
        assert_eq!(p.len, 0x30 + 0x40 + 10 + 4);
        assert_eq!(attr(&p, "endianness"), Some("little"));
        assert_eq!(attr(&p, "payload-compression"), Some("gzip"));
        assert_eq!(attr(&p, "payload-offset"), Some("0x70"));
        let Output::Regions(r) = &p.output else {
            panic!()
        };
        assert_eq!((r[0].name.as_str(), r[0].offset), ("payload", 0x70));
        assert_eq!(&r[0].data[..10], b"\x1f\x8b\x08\x00gzdata");
    }

    #[test]
    fn arm_big_endian_each_compression() {
        for (m, c) in [
            (&b"\xfd7zXZ\x00xx"[..], "xz"),
            (b"\x5d\x00\x00\x80\x00\xff\xff", "lzma"),
            (b"\x89LZO\x00\x0d\x0a\x1a", "lzo"),
            (b"\x02\x21\x4c\x18\x00\x00", "lz4"),
            (b"\x28\xb5\x2f\xfd\x00\x00", "zstd"),
            (b"BZh91AY&SY", "bzip2"),
        ] {
            let p = parse(arm_image(true, m, 8)).unwrap();
            assert_eq!(attr(&p, "endianness"), Some("big"));
            assert_eq!(attr(&p, "payload-compression"), Some(c), "{c}");
        }
    }

    #[test]
    fn truncated_arm_image_is_info_with_notes() {
        let mut d = arm_image(true, b"\x1f\x8b\x08\x00", 0x10000);
        d.truncate(0x60);
        let p = parse(d).unwrap();
        assert!(matches!(p.output, Output::Info));
        assert_eq!(p.len, 0x30);
        assert_eq!(p.notes.len(), 2);
    }

    #[test]
    fn hostile_and_non_kernels() {
        // end before start, absurd size, no magic.
        let mut d = arm_image(false, b"", 0);
        d[0x28..0x2c].copy_from_slice(&0xffff_0000u32.to_le_bytes());
        assert!(parse(d).is_none());
        let mut d = arm_image(false, b"", 0);
        d[0x2c..0x30].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        assert!(parse(d).is_none());
        assert!(parse(vec![0u8; 0x300]).is_none());
        assert!(parse(vec![]).is_none());
    }

    #[test]
    fn x86_bzimage_payload() {
        let mut d = vec![0u8; 5 * 512 + 64];
        d[0x1f1] = 4;
        d[0x1f4..0x1f8].copy_from_slice(&4u32.to_le_bytes()); // 64 bytes
        d[0x1fe] = 0x55;
        d[0x1ff] = 0xaa;
        d[0x202..0x206].copy_from_slice(b"HdrS");
        d[0x206..0x208].copy_from_slice(&0x020fu16.to_le_bytes());
        d[0x20e..0x210].copy_from_slice(&0x100u16.to_le_bytes());
        d[0x300..0x30a].copy_from_slice(b"6.1.0 (x)\0");
        d[0x248..0x24c].copy_from_slice(&16u32.to_le_bytes());
        d[0x24c..0x250].copy_from_slice(&20u32.to_le_bytes());
        d[0xa10..0xa16].copy_from_slice(b"\xfd7zXZ\0");
        let p = parse(d).unwrap();
        assert_eq!(attr(&p, "kernel-format"), Some("x86-bzimage"));
        assert_eq!(attr(&p, "boot-protocol"), Some("2.15"));
        assert_eq!(attr(&p, "kernel-version"), Some("6.1.0 (x)"));
        assert_eq!(attr(&p, "payload-compression"), Some("xz"));
        let Output::Regions(r) = &p.output else {
            panic!()
        };
        assert_eq!((r[0].offset, r[0].data.len()), (0xa10, 20));
    }
}
