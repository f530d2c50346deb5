//! Synthetic squashfs 4 images built by a minimal writer in this file: round trips of every
//! entry kind and metadata field in both byte orders, hard links, fragments, sparse blocks;
//! and hostile images (truncated, bit-flipped, cyclic directories, lying sizes) that must
//! never panic or allocate without bound.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use baseline_unpack::formats::squashfs::Squashfs;
use baseline_unpack::{Ctx, Entry, EntryKind, Format, Limits, Output, Parsed};
use bytes::Bytes;

/// Reference to a written inode: its offset in the (single) inode metadata block and the
/// basic type used in directory entries.
#[derive(Clone, Copy)]
struct Ino {
    off: u16,
    typ: u16,
}

struct Writer {
    be: bool,
    zlib: bool,
    block_size: u32,
    data: Vec<u8>,
    frag: Vec<u8>,
    inodes: Vec<u8>,
    dirs: Vec<u8>,
    count: u32,
}

impl Writer {
    fn new(be: bool, zlib: bool) -> Self {
        Writer {
            be,
            zlib,
            block_size: 4096,
            data: vec![0; 96],
            frag: Vec::new(),
            inodes: Vec::new(),
            dirs: Vec::new(),
            count: 0,
        }
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn u32(&self, v: u32) -> [u8; 4] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }
    fn u64(&self, v: u64) -> [u8; 8] {
        if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn header(&mut self, typ: u16, mode: u16, mtime: u32) -> Ino {
        let off = self.inodes.len() as u16;
        self.count += 1;
        let mut h = Vec::new();
        h.extend(self.u16(typ));
        h.extend(self.u16(mode));
        h.extend(self.u16(0)); // uid index
        h.extend(self.u16(1)); // gid index
        h.extend(self.u32(mtime));
        h.extend(self.u32(self.count));
        self.inodes.extend(h);
        Ino { off, typ }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.inodes.extend_from_slice(bytes);
    }

    /// Regular file: full blocks as data blocks (zlib when it helps), the tail in fragment 0.
    fn file(&mut self, content: &[u8], mode: u16) -> Ino {
        let bs = self.block_size as usize;
        let start = self.data.len() as u32;
        let mut words = Vec::new();
        let full = content.len() / bs;
        for chunk in content.chunks(bs).take(full) {
            if chunk.iter().all(|&b| b == 0) {
                words.push(0); // sparse
                continue;
            }
            let z = miniz_oxide::deflate::compress_to_vec_zlib(chunk, 6);
            if self.zlib && z.len() < chunk.len() {
                words.push(z.len() as u32);
                self.data.extend(z);
            } else {
                words.push(chunk.len() as u32 | (1 << 24));
                self.data.extend_from_slice(chunk);
            }
        }
        let tail = &content[full * bs..];
        let (frag, foff) = if tail.is_empty() {
            (u32::MAX, 0)
        } else {
            let off = self.frag.len() as u32;
            self.frag.extend_from_slice(tail);
            assert!(self.frag.len() <= bs);
            (0, off)
        };
        let ino = self.header(2, mode, 1_700_000_000);
        let mut b = Vec::new();
        b.extend(self.u32(start));
        b.extend(self.u32(frag));
        b.extend(self.u32(foff));
        b.extend(self.u32(content.len() as u32));
        for w in words {
            b.extend(self.u32(w));
        }
        self.push(&b);
        ino
    }

    /// A file inode with an arbitrary (lying) size and block list.
    fn raw_file(&mut self, size: u64, words: &[u32]) -> Ino {
        let ino = self.header(9, 0o644, 0);
        let mut b = Vec::new();
        b.extend(self.u64(96));
        b.extend(self.u64(size));
        b.extend(self.u64(0));
        b.extend(self.u32(1));
        b.extend(self.u32(u32::MAX));
        b.extend(self.u32(0));
        b.extend(self.u32(u32::MAX));
        for &w in words {
            b.extend(self.u32(w));
        }
        self.push(&b);
        ino
    }

    fn symlink(&mut self, target: &str) -> Ino {
        let ino = self.header(3, 0o777, 1_600_000_000);
        let mut b = Vec::new();
        b.extend(self.u32(1));
        b.extend(self.u32(target.len() as u32));
        b.extend_from_slice(target.as_bytes());
        self.push(&b);
        ino
    }

    fn device(&mut self, char_device: bool, major: u32, minor: u32) -> Ino {
        let ino = self.header(if char_device { 5 } else { 4 }, 0o600, 1_500_000_000);
        let rdev = (major << 8) | (minor & 0xff) | ((minor & !0xff) << 12);
        let mut b = Vec::new();
        b.extend(self.u32(1));
        b.extend(self.u32(rdev));
        self.push(&b);
        ino
    }

    fn ipc(&mut self, typ: u16) -> Ino {
        let ino = self.header(typ, 0o644, 1_400_000_000);
        let b = self.u32(1);
        self.push(&b);
        ino
    }

    /// Offset the next inode will get (to build self-referencing directories).
    fn next_off(&self) -> u16 {
        self.inodes.len() as u16
    }

    fn dir(&mut self, entries: &[(&str, Ino)], mode: u16) -> Ino {
        let listing_off = self.dirs.len() as u16;
        let mut l = Vec::new();
        if !entries.is_empty() {
            l.extend(self.u32(entries.len() as u32 - 1));
            l.extend(self.u32(0));
            l.extend(self.u32(1));
            for (name, ino) in entries {
                l.extend(self.u16(ino.off));
                l.extend(self.u16(0));
                l.extend(self.u16(ino.typ));
                l.extend(self.u16(name.len() as u16 - 1));
                l.extend_from_slice(name.as_bytes());
            }
        }
        let size = l.len() as u16 + 3;
        self.dirs.extend(l);
        let ino = self.header(1, mode, 1_700_000_001);
        let mut b = Vec::new();
        b.extend(self.u32(0));
        b.extend(self.u32(2));
        b.extend(self.u16(size));
        b.extend(self.u16(listing_off));
        b.extend(self.u32(1));
        self.push(&b);
        ino
    }

    fn meta_block(&self, out: &mut Vec<u8>, bytes: &[u8]) {
        assert!(bytes.len() <= 8192);
        let z = miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6);
        if self.zlib && z.len() < bytes.len() {
            out.extend(self.u16(z.len() as u16));
            out.extend(z);
        } else {
            out.extend(self.u16(bytes.len() as u16 | 0x8000));
            out.extend_from_slice(bytes);
        }
    }

    fn finish(mut self, root: Ino) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.data);
        let mut frag_entry = Vec::new();
        let frags = u32::from(!self.frag.is_empty());
        if frags == 1 {
            let at = out.len() as u64;
            let z = miniz_oxide::deflate::compress_to_vec_zlib(&self.frag, 6);
            let word = if self.zlib && z.len() < self.frag.len() {
                out.extend(&z);
                z.len() as u32
            } else {
                out.extend_from_slice(&self.frag);
                self.frag.len() as u32 | (1 << 24)
            };
            frag_entry.extend(self.u64(at));
            frag_entry.extend(self.u32(word));
            frag_entry.extend(self.u32(0));
        }
        let inode_table = out.len() as u64;
        let inodes = std::mem::take(&mut self.inodes);
        self.meta_block(&mut out, &inodes);
        let dir_table = out.len() as u64;
        let dirs = std::mem::take(&mut self.dirs);
        self.meta_block(&mut out, &dirs);
        let frag_meta = out.len() as u64;
        if frags == 1 {
            self.meta_block(&mut out, &frag_entry);
        }
        let frag_table = out.len() as u64;
        if frags == 1 {
            out.extend(self.u64(frag_meta));
        }
        let id_meta = out.len() as u64;
        let ids: Vec<u8> = [self.u32(0), self.u32(1000)].concat();
        self.meta_block(&mut out, &ids);
        let id_table = out.len() as u64;
        out.extend(self.u64(id_meta));
        let bytes_used = out.len() as u64;
        let mut sb = Vec::new();
        sb.extend_from_slice(if self.be { b"sqsh" } else { b"hsqs" });
        sb.extend(self.u32(self.count));
        sb.extend(self.u32(1_700_000_000));
        sb.extend(self.u32(self.block_size));
        sb.extend(self.u32(frags));
        sb.extend(self.u16(1));
        sb.extend(self.u16(self.block_size.trailing_zeros() as u16));
        sb.extend(self.u16(0));
        sb.extend(self.u16(2));
        sb.extend(self.u16(4));
        sb.extend(self.u16(0));
        sb.extend(self.u64(u64::from(root.off)));
        sb.extend(self.u64(bytes_used));
        sb.extend(self.u64(id_table));
        sb.extend(self.u64(u64::MAX));
        sb.extend(self.u64(inode_table));
        sb.extend(self.u64(dir_table));
        sb.extend(self.u64(frag_table));
        sb.extend(self.u64(u64::MAX));
        out[..96].copy_from_slice(&sb);
        // mksquashfs pads to 4 KiB.
        out.resize(out.len().div_ceil(4096) * 4096, 0);
        out
    }
}

fn parse(img: &[u8]) -> baseline_unpack::Result<Option<Parsed>> {
    let data = Bytes::copy_from_slice(img);
    Squashfs.parse(&data, 0, &Ctx::new(Limits::default()))
}

fn entries(p: &Parsed) -> &[Entry] {
    match &p.output {
        Output::Entries(e) => e,
        other => panic!("expected entries, got {other:?}"),
    }
}

fn find<'a>(p: &'a Parsed, path: &str) -> &'a Entry {
    entries(p)
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

fn content(p: &Parsed, path: &str) -> Vec<u8> {
    match &find(p, path).kind {
        EntryKind::File(b) => b.to_vec(),
        k => panic!("{path} is {k:?}"),
    }
}

/// A rootfs-like image: /etc/shadow (fragment tail), /etc/passwd symlink, /bin/busybox
/// (3 full blocks, one sparse, plus a tail), /bin/sh hard link, /dev/console, fifo, socket.
fn sample(be: bool, zlib: bool) -> (Vec<u8>, Vec<u8>) {
    let mut w = Writer::new(be, zlib);
    let shadow = w.file(
        b"root:$1$abcdefgh$0123456789abcdefghijkl:0:0:99999:7:::\n",
        0o600,
    );
    let passwd = w.symlink("../tmp/passwd");
    let etc = w.dir(&[("passwd", passwd), ("shadow", shadow)], 0o755);
    let mut busybox: Vec<u8> = (0..4096u32 * 3 + 100).map(|i| (i % 251) as u8).collect();
    busybox[4096..8192].fill(0);
    let bb = w.file(&busybox, 0o4755);
    let bin = w.dir(&[("busybox", bb), ("sh", bb)], 0o755);
    let console = w.device(true, 5, 1);
    let sda = w.device(false, 8, 300);
    let fifo = w.ipc(6);
    let sock = w.ipc(7);
    let dev = w.dir(
        &[
            ("console", console),
            ("fifo", fifo),
            ("sda", sda),
            ("sock", sock),
        ],
        0o755,
    );
    let empty = w.dir(&[], 0o700);
    let root = w.dir(
        &[("bin", bin), ("dev", dev), ("empty", empty), ("etc", etc)],
        0o755,
    );
    (w.finish(root), busybox)
}

#[test]
fn round_trip_every_entry_kind_both_byte_orders() {
    for be in [false, true] {
        for zlib in [false, true] {
            let (img, busybox) = sample(be, zlib);
            let p = parse(&img).unwrap().expect("recognised");
            assert!(p.notes.is_empty(), "{:?}", p.notes);
            assert!(p.filesystem);
            assert_eq!(p.len, 4096 * img.len().div_ceil(4096) as u64);
            let order = if be { "big-endian" } else { "little-endian" };
            assert!(p.attrs.contains(&("byte-order".into(), order.into())));
            assert!(p.attrs.contains(&("compression".into(), "gzip".into())));
            assert_eq!(entries(&p).len(), 12);
            assert_eq!(
                content(&p, "etc/shadow"),
                b"root:$1$abcdefgh$0123456789abcdefghijkl:0:0:99999:7:::\n"
            );
            let shadow = find(&p, "etc/shadow");
            assert_eq!(shadow.meta.mode, Some(0o600));
            assert_eq!(shadow.meta.uid, Some(0));
            assert_eq!(shadow.meta.gid, Some(1000));
            assert_eq!(shadow.meta.mtime, Some(1_700_000_000));
            assert!(
                matches!(&find(&p, "etc/passwd").kind, EntryKind::Symlink(t) if t == "../tmp/passwd")
            );
            assert_eq!(content(&p, "bin/busybox"), busybox);
            // Hard link: same content again.
            assert_eq!(content(&p, "bin/sh"), busybox);
            assert_eq!(find(&p, "bin/busybox").meta.mode, Some(0o4755));
            assert!(matches!(
                find(&p, "dev/console").kind,
                EntryKind::Device {
                    char_device: true,
                    major: 5,
                    minor: 1
                }
            ));
            assert!(matches!(
                find(&p, "dev/sda").kind,
                EntryKind::Device {
                    char_device: false,
                    major: 8,
                    minor: 300
                }
            ));
            assert!(matches!(find(&p, "dev/fifo").kind, EntryKind::Fifo));
            assert!(matches!(find(&p, "dev/sock").kind, EntryKind::Socket));
            assert!(matches!(find(&p, "empty").kind, EntryKind::Dir));
            assert_eq!(find(&p, "empty").meta.mode, Some(0o700));
        }
    }
}

#[test]
fn parses_at_an_offset_inside_a_larger_input() {
    let (img, _) = sample(false, true);
    let mut input = vec![0xffu8; 0x200];
    input.extend(&img);
    input.extend([0xaa; 100]);
    let data = Bytes::from(input);
    let p = Squashfs
        .parse(&data, 0x200, &Ctx::new(Limits::default()))
        .unwrap()
        .unwrap();
    assert_eq!(p.len, img.len() as u64);
    assert_eq!(entries(&p).len(), 12);
    // Not squashfs at other offsets.
    assert!(Squashfs
        .parse(&data, 0, &Ctx::new(Limits::default()))
        .unwrap()
        .is_none());
    assert!(Squashfs
        .parse(&data, 0x201, &Ctx::new(Limits::default()))
        .unwrap()
        .is_none());
    assert!(Squashfs
        .parse(&data, data.len() + 5, &Ctx::new(Limits::default()))
        .unwrap()
        .is_none());
}

#[test]
fn truncated_images_never_panic() {
    let (img, _) = sample(false, true);
    for len in (0..img.len()).step_by(3) {
        let _ = parse(&img[..len]);
    }
    let (img, _) = sample(true, false);
    for len in (0..img.len()).step_by(5) {
        let _ = parse(&img[..len]);
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    for (be, zlib) in [(false, true), (true, false)] {
        let (img, _) = sample(be, zlib);
        let end = img.iter().rposition(|&b| b != 0).unwrap() + 1;
        for i in 0..end {
            for x in [0xffu8, 0x01] {
                let mut bad = img.clone();
                bad[i] ^= x;
                let _ = parse(&bad);
            }
        }
    }
}

#[test]
fn cyclic_directories_terminate() {
    let mut w = Writer::new(false, false);
    let f = w.file(b"x", 0o644);
    // A directory that lists itself, and the root listing that directory and itself.
    let loop_off = w.next_off();
    let looped = w.dir(
        &[
            (
                "again",
                Ino {
                    off: loop_off,
                    typ: 1,
                },
            ),
            ("f", f),
        ],
        0o755,
    );
    let root_off = w.next_off();
    let root = w.dir(
        &[
            ("loop", looped),
            (
                "up",
                Ino {
                    off: root_off,
                    typ: 1,
                },
            ),
        ],
        0o755,
    );
    let img = w.finish(root);
    let p = parse(&img).unwrap().unwrap();
    let paths: Vec<&str> = entries(&p).iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["loop", "up", "loop/again", "loop/f"]);
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    assert!(p.notes.iter().all(|n| n.contains("seen before")));
}

#[test]
fn lying_sizes_are_bounded() {
    let mut w = Writer::new(false, false);
    // 1 TiB sparse file, and a file whose block list is far longer than the image.
    let huge = w.raw_file(1 << 40, &[]);
    let lying = w.raw_file(u64::MAX / 2, &[]);
    let small = w.file(b"ok", 0o644);
    let root = w.dir(&[("huge", huge), ("lying", lying), ("small", small)], 0o755);
    let img = w.finish(root);
    let p = parse(&img).unwrap().unwrap();
    let paths: Vec<&str> = entries(&p).iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["small"]);
    assert_eq!(content(&p, "small"), b"ok");
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);

    // A sparse file that fits the ratio floor but not a tiny total budget.
    let mut w = Writer::new(false, false);
    let sparse = w.raw_file(5 << 20, &[0; 1280]);
    let root = w.dir(&[("sparse", sparse)], 0o755);
    let img = w.finish(root);
    let data = Bytes::from(img);
    let mut ctx = Ctx::new(Limits::default());
    ctx.remaining_bytes = 1 << 20;
    let p = Squashfs.parse(&data, 0, &ctx).unwrap().unwrap();
    assert_eq!(content(&p, "sparse").len(), 0);
    assert!(
        p.notes.iter().any(|n| n.contains("budget")),
        "{:?}",
        p.notes
    );
    // With budget it decodes to zeros.
    let p = Squashfs
        .parse(&data, 0, &Ctx::new(Limits::default()))
        .unwrap()
        .unwrap();
    let c = content(&p, "sparse");
    assert_eq!(c.len(), 5 << 20);
    assert!(c.iter().all(|&b| b == 0));
}

#[test]
fn entry_limit_is_enforced() {
    let (img, _) = sample(false, false);
    let data = Bytes::from(img);
    let limits = Limits {
        max_nodes: 5,
        ..Limits::default()
    };
    let r = Squashfs.parse(&data, 0, &Ctx::new(limits));
    assert!(
        matches!(r, Err(baseline_unpack::Error::Limit { .. })),
        "{r:?}"
    );
}

#[test]
fn vendor_magics_on_v4() {
    // Broadcom (`shsq`/`qshs`), DD-WRT (`hsqt`/`tqsh`) and `zlqs`/`sqlz` magics: byte order
    // still comes from the version field, the variant is named in attrs.
    for (be, magic, variant) in [
        (false, b"shsq", "broadcom"),
        (true, b"qshs", "broadcom"),
        (false, b"hsqt", "dd-wrt"),
        (true, b"sqlz", "nonstandard"),
    ] {
        let (mut img, _) = sample(be, true);
        img[..4].copy_from_slice(magic);
        let p = parse(&img).unwrap().expect("recognised");
        assert!(
            p.attrs.contains(&("variant".into(), variant.into())),
            "{:?}",
            p.attrs
        );
        assert_eq!(entries(&p).len(), 12);
    }
    // Unknown magic: not squashfs.
    let (mut img, _) = sample(false, true);
    img[..4].copy_from_slice(b"hsqx");
    assert!(parse(&img).unwrap().is_none());
}

#[test]
fn superblock_sanity_rejects_inconsistent_headers() {
    let (img, _) = sample(false, true);
    // block_log not matching block_size.
    let mut bad = img.clone();
    bad[22] = 13;
    assert!(parse(&bad).unwrap().is_none());
    // Block size not a power of two.
    let mut bad = img.clone();
    bad[12..16].copy_from_slice(&5000u32.to_le_bytes());
    assert!(parse(&bad).unwrap().is_none());
    // Unknown compression id.
    let mut bad = img.clone();
    bad[20..22].copy_from_slice(&9u16.to_le_bytes());
    assert!(parse(&bad).unwrap().is_none());
    // Inode table beyond bytes_used.
    let mut bad = img.clone();
    bad[64..72].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(parse(&bad).unwrap().is_none());
    // Version 5 / 1.
    let mut bad = img;
    bad[28..30].copy_from_slice(&5u16.to_le_bytes());
    assert!(parse(&bad).unwrap().is_none());
}

#[test]
fn avm_little_endian_length_words_in_big_endian_image() {
    // Rewrite a big-endian image's metadata length words little-endian (AVM style) while
    // the time field does not equal bytes_used: still read, named "avm".
    let (mut img, busybox) = sample(true, false);
    let be = |b: &[u8], at: usize| u64::from_be_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let (inode_table, dir_table) = (be(&img, 64), be(&img, 72));
    let frag_index = be(&img, 80);
    let id_index = be(&img, 48);
    let mut blocks = vec![
        inode_table,
        dir_table,
        be(&img, frag_index),
        be(&img, id_index),
    ];
    blocks.sort_unstable();
    for at in blocks {
        let w = u16::from_be_bytes([img[at], img[at + 1]]);
        img[at..at + 2].copy_from_slice(&w.to_le_bytes());
    }
    let p = parse(&img).unwrap().unwrap();
    assert!(
        p.attrs.contains(&("variant".into(), "avm".into())),
        "{:?}",
        p.attrs
    );
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    assert_eq!(content(&p, "bin/sh"), busybox);
}
