//! Robustness of the compression and archive parsers against hostile bytes: every prefix of
//! a valid fixture, single-byte corruptions of it, and random bytes behind each magic must
//! give `Ok(None)`, `Ok(Some)` or `Err`, never a panic, and a claimed length never exceeds
//! the input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

use baseline_unpack::formats::{
    ar::Ar, bzip2::Bzip2, compress::Compress, cpio::Cpio, gzip::Gzip, lz4::Lz4, lzip::Lzip,
    lzma::Lzma, lzo::Lzo, sevenz::SevenZ, tar::Tar, xz::Xz, zip::Zip, zlib::Zlib, zstd::Zstd,
};
use baseline_unpack::{Ctx, Format, Limits};
use bytes::Bytes;
use proptest::prelude::*;
use std::io::Write;

const FORMATS: &[&dyn Format] = &[
    &Gzip, &Zlib, &Bzip2, &Xz, &Lzma, &Lzip, &Zstd, &Lz4, &Lzo, &Compress, &Tar, &Cpio, &Zip,
    &SevenZ, &Ar,
];

fn payload() -> Vec<u8> {
    (0..600u32)
        .flat_map(|i| format!("{} ", i % 37).into_bytes())
        .collect()
}

/// One valid sample per format, built with writer crates (or by hand where none exists).
fn fixtures() -> Vec<(&'static dyn Format, Vec<u8>)> {
    let d = payload();
    let mut out: Vec<(&'static dyn Format, Vec<u8>)> = Vec::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&d).unwrap();
    out.push((&Gzip, gz.finish().unwrap()));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&d).unwrap();
    out.push((&Zlib, z.finish().unwrap()));
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&d).unwrap();
    out.push((&Bzip2, bz.finish().unwrap()));
    let mut xz =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    xz.write_all(&d).unwrap();
    out.push((&Xz, xz.finish().unwrap()));
    let mut o = lzma_rust2::LzmaOptions::with_preset(1);
    o.dict_size = 1 << 16;
    let mut lz = lzma_rust2::LzmaWriter::new(Vec::new(), &o, true, true, None).unwrap();
    lz.write_all(&d).unwrap();
    out.push((&Lzma, lz.finish().unwrap()));
    let mut lzip = lzma_rust2::LzipWriter::new(Vec::new(), lzma_rust2::LzipOptions::with_preset(1));
    lzip.write_all(&d).unwrap();
    out.push((&Lzip, lzip.finish().unwrap()));
    out.push((
        &Zstd,
        ruzstd::encoding::compress_to_vec(&d[..], ruzstd::encoding::CompressionLevel::Fastest),
    ));
    let mut l4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
    l4.write_all(&d).unwrap();
    out.push((&Lz4, l4.finish().unwrap()));
    let block = lz4_flex::block::compress(&d);
    let mut legacy = vec![0x02, 0x21, 0x4c, 0x18];
    legacy.extend_from_slice(&(block.len() as u32).to_le_bytes());
    legacy.extend_from_slice(&block);
    out.push((&Lz4, legacy));
    out.push((&Lzo, lzop()));
    out.push((&Compress, compress_z()));
    let mut t = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(d.len() as u64);
    t.append_data(&mut h, format!("{}/file", "x".repeat(150)), &d[..])
        .unwrap();
    out.push((&Tar, t.into_inner().unwrap()));
    out.push((&Cpio, cpio_newc(&d)));
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zw.start_file("a/b.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zw.write_all(&d).unwrap();
    out.push((&Zip, zw.finish().unwrap().into_inner()));
    let mut sz = sevenz_rust2::ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
    sz.push_archive_entry(sevenz_rust2::ArchiveEntry::new_file("f"), Some(&d[..]))
        .unwrap();
    out.push((&SevenZ, sz.finish().unwrap().into_inner()));
    let mut ar = b"!<arch>\n".to_vec();
    ar.extend_from_slice(
        format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            "f.o/",
            0,
            0,
            0,
            "644",
            d.len()
        )
        .as_bytes(),
    );
    ar.extend_from_slice(&d);
    out.push((&Ar, ar));
    out
}

/// lzop file with one stored block (the container, not the codec, is what is fuzzed here;
/// the LZO1X codec has its own unit tests).
fn lzop() -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&0x1030u16.to_be_bytes());
    h.extend_from_slice(&0x2080u16.to_be_bytes());
    h.extend_from_slice(&0x0940u16.to_be_bytes());
    h.extend_from_slice(&[1, 5]);
    h.extend_from_slice(&1u32.to_be_bytes()); // F_ADLER32_D
    h.extend_from_slice(&[0; 12]);
    h.push(0);
    let mut f = vec![0x89, b'L', b'Z', b'O', 0, 0x0d, 0x0a, 0x1a, 0x0a];
    f.extend_from_slice(&h);
    f.extend_from_slice(&adler(&h).to_be_bytes());
    let d = b"stored lzop block";
    f.extend_from_slice(&(d.len() as u32).to_be_bytes());
    f.extend_from_slice(&(d.len() as u32).to_be_bytes());
    f.extend_from_slice(&adler(d).to_be_bytes());
    f.extend_from_slice(d);
    f.extend_from_slice(&[0; 4]);
    f
}

fn adler(d: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in d {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// `.Z` of a short string: 9-bit literal codes only (no table hits), valid LZW.
fn compress_z() -> Vec<u8> {
    let mut bits: Vec<bool> = Vec::new();
    for &c in b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ" {
        for k in 0..9 {
            bits.push((u16::from(c) >> k) & 1 == 1);
        }
    }
    let mut f = vec![0x1f, 0x9d, 0x90];
    for ch in bits.chunks(8) {
        f.push(
            ch.iter()
                .enumerate()
                .fold(0u8, |v, (i, &b)| v | (u8::from(b) << i)),
        );
    }
    f
}

fn cpio_newc(d: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    for (name, mode, data) in [("etc/f", 0o100644u32, d), ("TRAILER!!!", 0, &[][..])] {
        let h = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        );
        f.extend_from_slice(h.as_bytes());
        f.extend_from_slice(name.as_bytes());
        f.push(0);
        while f.len() % 4 != 0 {
            f.push(0);
        }
        f.extend_from_slice(data);
        while f.len() % 4 != 0 {
            f.push(0);
        }
    }
    f
}

fn check(f: &dyn Format, data: Vec<u8>) {
    let n = data.len() as u64;
    let limits = Limits {
        ratio_floor_bytes: 4 << 20,
        ..Limits::default()
    };
    if let Ok(Some(p)) = f.parse(&Bytes::from(data), 0, &Ctx::new(limits)) {
        assert!(p.len <= n, "{}: len {} > input {n}", f.name(), p.len);
    }
}

#[test]
fn fixtures_parse_fully() {
    for (f, data) in fixtures() {
        let n = data.len() as u64;
        let p = f
            .parse(&Bytes::from(data), 0, &Ctx::new(Limits::default()))
            .unwrap()
            .unwrap_or_else(|| panic!("{} fixture not recognised", f.name()));
        assert_eq!(p.len, n, "{}: {:?}", f.name(), p.notes);
    }
}

#[test]
fn every_prefix_and_byte_flip_is_safe() {
    for (f, data) in fixtures() {
        for cut in 0..data.len() {
            check(f, data[..cut].to_vec());
        }
        for i in 0..data.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut m = data.clone();
                m[i] ^= x;
                check(f, m);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_behind_every_magic(fi in 0usize..15, mi in 0usize..64, tail in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let f = FORMATS[fi];
        let magics = f.magics();
        let m = magics[mi % magics.len()];
        let mut data = vec![0u8; m.offset];
        data.extend_from_slice(m.bytes);
        data.extend_from_slice(&tail);
        check(f, data);
    }

    #[test]
    fn mutated_fixtures(which in 0usize..17, edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..8), cut in any::<u16>()) {
        let fx = fixtures();
        let (f, mut data) = fx[which % fx.len()].clone();
        for (pos, val) in edits {
            let i = usize::from(pos) % data.len();
            data[i] = val;
        }
        let keep = data.len() - usize::from(cut) % (data.len() / 4 + 1);
        data.truncate(keep);
        check(f, data);
    }
}

/// False-positive budget: 4 MiB of incompressible bytes (what most of a firmware image looks
/// like to these magics) must produce no output at all, and only the weak 2-byte magics
/// (zlib, binary cpio, compress) may cause parse attempts.
#[test]
fn random_four_mib_yields_nothing() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<u8> = (0..4usize << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    let data = Bytes::from(data);
    let mut pats: Vec<&[u8]> = Vec::new();
    let mut owners = Vec::new();
    for (fi, f) in FORMATS.iter().enumerate() {
        for m in f.magics() {
            pats.push(m.bytes);
            owners.push((fi, m.offset));
        }
    }
    let ac = aho_corasick::AhoCorasick::new(&pats).unwrap();
    let ctx = Ctx::new(Limits::default());
    let mut attempts = std::collections::BTreeMap::<&str, usize>::new();
    for m in ac.find_overlapping_iter(data.as_ref()) {
        let (fi, off) = owners[m.pattern().as_usize()];
        let Some(start) = m.start().checked_sub(off) else {
            continue;
        };
        let f = FORMATS[fi];
        *attempts.entry(f.name()).or_default() += 1;
        let r = f.parse(&data, start, &ctx);
        assert!(matches!(r, Ok(None)), "{} at {start:#x}: {r:?}", f.name());
    }
    let weak: usize = ["zlib", "cpio", "compress"]
        .iter()
        .filter_map(|n| attempts.get(n))
        .sum();
    let total: usize = attempts.values().sum();
    println!("parse attempts on 4 MiB of random bytes: {attempts:?}");
    assert!(total - weak <= 2, "{attempts:?}");
    assert!(total < 1000, "{attempts:?}");
}

/// Every format of this family is registered once, with at least one magic.
#[test]
fn registered_once_with_magics() {
    let reg = baseline_unpack::formats::registry();
    for f in FORMATS {
        let n = reg.iter().filter(|r| r.name() == f.name()).count();
        assert_eq!(n, 1, "{} registered {n} times", f.name());
        assert!(!f.magics().is_empty(), "{} has no magic", f.name());
        assert!(
            f.magics().iter().all(|m| m.bytes.len() >= 2),
            "{}",
            f.name()
        );
    }
}
