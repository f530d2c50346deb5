#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::elf::{parse, ElfKind};
use crate::testutil::tree_with_files;
use crate::{analyse, Options};

/// A minimal ELF with the given type and program headers `(p_type, p_flags)`.
fn elf(b64: bool, be: bool, e_type: u16, phdrs: &[(u32, u32)]) -> Vec<u8> {
    let (ehsize, phentsize): (u16, u16) = if b64 { (64, 56) } else { (52, 32) };
    let mut v = vec![0u8; usize::from(ehsize)];
    v[..4].copy_from_slice(b"\x7fELF");
    v[4] = if b64 { 2 } else { 1 };
    v[5] = if be { 2 } else { 1 };
    v[6] = 1;
    let w16 = |v: &mut Vec<u8>, at: usize, x: u16| {
        let b = if be { x.to_be_bytes() } else { x.to_le_bytes() };
        v[at..at + 2].copy_from_slice(&b);
    };
    let w32 = |v: &mut Vec<u8>, at: usize, x: u32| {
        let b = if be { x.to_be_bytes() } else { x.to_le_bytes() };
        v[at..at + 4].copy_from_slice(&b);
    };
    w16(&mut v, 16, e_type);
    w16(&mut v, 18, if b64 { 183 } else { 8 });
    let rest = if b64 { 48 } else { 36 };
    if b64 {
        v[32] = if be { 0 } else { ehsize as u8 };
        if be {
            v[39] = ehsize as u8;
        }
    } else {
        w32(&mut v, 28, u32::from(ehsize));
    }
    w16(&mut v, rest + 6, phentsize);
    w16(&mut v, rest + 8, phdrs.len() as u16);
    let dyn_off = v.len() + phdrs.len() * usize::from(phentsize);
    let dyn_ent = if b64 { 16 } else { 8 };
    for (t, f) in phdrs {
        let at = v.len();
        v.resize(at + usize::from(phentsize), 0);
        w32(&mut v, at, *t);
        if b64 {
            w32(&mut v, at + 4, *f);
        } else {
            w32(&mut v, at + 24, *f);
        }
        if *t == 2 {
            // PT_DYNAMIC: DT_DEBUG, DT_FLAGS_1 = DF_1_NOW, DT_NULL right after the headers.
            let (off_at, size_at) = if b64 {
                (at + 8, at + 32)
            } else {
                (at + 4, at + 16)
            };
            w32(
                &mut v,
                off_at + if b64 && be { 4 } else { 0 },
                dyn_off as u32,
            );
            w32(
                &mut v,
                size_at + if b64 && be { 4 } else { 0 },
                3 * dyn_ent as u32,
            );
        }
    }
    if phdrs.iter().any(|(t, _)| *t == 2) {
        for (tag, val) in [(21u32, 0u32), (0x6fff_fffb, 1), (0, 0)] {
            let at = v.len();
            v.resize(at + dyn_ent, 0);
            let o = if b64 && be { 4 } else { 0 };
            w32(&mut v, at + o, tag);
            w32(&mut v, at + dyn_ent / 2 + o, val);
        }
    }
    v
}

const GNU_STACK: u32 = 0x6474_e551;
const RELRO: u32 = 0x6474_e552;

#[test]
fn parses_every_class_and_byte_order() {
    for (b64, be) in [(false, false), (false, true), (true, false), (true, true)] {
        let e = elf(b64, be, 3, &[(3, 4), (2, 6), (GNU_STACK, 6), (RELRO, 4)]);
        let i = parse(&e).unwrap();
        assert_eq!(i.kind, ElfKind::PieExecutable, "{b64} {be}");
        assert_eq!(i.gnu_stack_exec, Some(false));
        assert!(i.relro && i.bind_now);
        assert_eq!(i.bits, if b64 { 64 } else { 32 });
        assert_eq!(i.big_endian, be);
    }
    // libc.so-style: an interpreter but no debugger hook is still a library.
    let lib = parse(&elf(false, true, 3, &[(3, 4), (GNU_STACK, 7)])).unwrap();
    assert_eq!(lib.kind, ElfKind::SharedLibrary);
    assert_eq!(lib.gnu_stack_exec, Some(true));
}

#[test]
fn truncated_and_hostile_headers_do_not_panic() {
    let e = elf(true, false, 2, &[(GNU_STACK, 6)]);
    for n in 0..e.len() {
        let _ = parse(&e[..n]);
    }
    let mut h = e.clone();
    h[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    let _ = parse(&h);
}

#[test]
fn aggregates_nx_and_pie_per_input() {
    let exec_nx = elf(false, false, 2, &[(3, 4), (GNU_STACK, 6)]);
    let exec_x = elf(false, false, 2, &[(3, 4)]);
    let pie = elf(false, false, 3, &[(3, 4), (2, 6), (GNU_STACK, 6)]);
    let mut t = baseline_unpack::ArtifactTree::new();
    crate::testutil::add_fs_input(
        &mut t,
        "fw.bin",
        &[
            ("/usr/sbin/a", crate::testutil::Entry::File(exec_nx)),
            ("/usr/sbin/b", crate::testutil::Entry::File(exec_x)),
            ("/usr/sbin/c", crate::testutil::Entry::File(pie)),
        ],
    );
    let fs = analyse(&t, &Options::default()).findings;
    let nx: Vec<_> = fs.iter().filter(|f| f.code == "HARD-001").collect();
    assert_eq!(nx.len(), 1);
    assert_eq!(nx[0].details["weak"], 1);
    assert_eq!(nx[0].details["total"], 3);
    assert_eq!(nx[0].evidence[0].path.as_deref(), Some("/usr/sbin/b"));
    let pie: Vec<_> = fs.iter().filter(|f| f.code == "HARD-002").collect();
    assert_eq!(pie[0].details["weak"], 2);
    assert_eq!(
        pie[0].title,
        "2 of 3 binaries (66%) are not position-independent (no PIE) in fw.bin"
    );
    let _ = tree_with_files;
}
