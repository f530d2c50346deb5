//! A small, bounded ELF reader: just what the hardening checks need (program headers, the
//! dynamic section, dynamic symbol names, whether a `.symtab` exists). 32/64-bit, both byte
//! orders, any machine.
//!
//! Owns: reading headers and tables with checked arithmetic; every table is capped.
//! Never does: relocation processing, disassembly, or trusting a count it has not bounded.
//!
//! Why not the `object` crate (issue 15 asked to prefer it): `object`'s symbol tables come
//! from section headers, and firmware binaries are often `sstrip`ped to none. On the
//! TL-WR841N image, 79 of the 144 ELF files have no section header table at all: every
//! executable and library (the other 65 are kernel modules, which have no `.dynsym`); this reader finds their dynamic symbols from `PT_DYNAMIC`
//! (`DT_SYMTAB`, `DT_STRTAB`, the symbol count from `DT_HASH` or `DT_MIPS_SYMTABNO`), which the
//! canary, fortify and unsafe-function checks need. Counted with a script over `baseline
//! unpack -o` of that image (e_shnum = 0 or the table out of the file). `goblin`, which reads
//! `PT_DYNAMIC` too, was not measured.

use std::collections::BTreeSet;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_GNU_STACK: u32 = 0x6474_e551;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const PF_X: u32 = 1;

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_RPATH: u64 = 15;
const DT_DEBUG: u64 = 21;
const DT_BIND_NOW: u64 = 24;
const DT_RUNPATH: u64 = 29;
const DT_FLAGS: u64 = 30;
const DT_FLAGS_1: u64 = 0x6fff_fffb;
const DT_MIPS_SYMTABNO: u64 = 0x7000_0011;
const DT_MIPS_RLD_MAP: u64 = 0x7000_0016;
const DT_MIPS_RLD_MAP_REL: u64 = 0x7000_0035;
const DF_BIND_NOW: u64 = 0x8;
const DF_1_NOW: u64 = 0x1;
const DF_1_PIE: u64 = 0x0800_0000;

const SHT_SYMTAB: u32 = 2;
const SHT_DYNSYM: u32 = 11;

/// Caps on tables read from untrusted headers.
const MAX_PHDRS: usize = 256;
const MAX_SHDRS: usize = 4096;
const MAX_DYN: usize = 4096;
const MAX_SYMS: usize = 65_536;
const MAX_NAME: usize = 256;

/// Kind of ELF object, as far as hardening is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ElfKind {
    /// `ET_EXEC`: a position-dependent executable.
    Executable,
    /// `ET_DYN` with `DF_1_PIE`, or an interpreter and a debugger hook (`DT_DEBUG`):
    /// a position-independent executable.
    PieExecutable,
    /// `ET_DYN` without an interpreter: a shared library.
    SharedLibrary,
    /// `ET_REL` (kernel modules, objects) or anything else: not assessed.
    Other,
}

/// Hardening-relevant facts of one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub bits: u8,
    pub big_endian: bool,
    pub machine: u16,
    pub kind: ElfKind,
    /// Statically linked (no `PT_DYNAMIC`).
    pub is_static: bool,
    /// `PT_GNU_STACK` present: `Some(executable)`; absent: `None`.
    pub gnu_stack_exec: Option<bool>,
    pub relro: bool,
    pub bind_now: bool,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    pub has_symtab: bool,
    /// Undefined dynamic symbols (imports).
    pub imports: BTreeSet<String>,
    /// Every symbol name seen (dynamic and, when present, `.symtab`), for canary detection
    /// the way `checksec` does it.
    pub symbols: BTreeSet<String>,
    /// The dynamic symbol table could not be located or was truncated.
    pub symbols_incomplete: bool,
    /// Functions and objects defined in `.symtab` (kernel modules: the code they carry).
    pub defined: BTreeSet<String>,
}

struct Rd<'a> {
    d: &'a [u8],
    be: bool,
    b64: bool,
}

impl Rd<'_> {
    fn bytes<const N: usize>(&self, off: u64) -> Option<[u8; N]> {
        let o = usize::try_from(off).ok()?;
        let s = self.d.get(o..o.checked_add(N)?)?;
        s.try_into().ok()
    }
    fn u16(&self, off: u64) -> Option<u16> {
        let b = self.bytes::<2>(off)?;
        Some(if self.be {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u32(&self, off: u64) -> Option<u32> {
        let b = self.bytes::<4>(off)?;
        Some(if self.be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(&self, off: u64) -> Option<u64> {
        let b = self.bytes::<8>(off)?;
        Some(if self.be {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
    /// A word: 4 bytes in ELF32, 8 in ELF64.
    fn word(&self, off: u64) -> Option<u64> {
        if self.b64 {
            self.u64(off)
        } else {
            self.u32(off).map(u64::from)
        }
    }
    fn cstr(&self, off: u64, limit_end: u64) -> Option<String> {
        let o = usize::try_from(off).ok()?;
        let end = usize::try_from(limit_end).ok()?.min(self.d.len());
        let s = self.d.get(o..end)?;
        let n = memchr::memchr(0, s)?;
        let raw = s.get(..n.min(MAX_NAME))?;
        Some(String::from_utf8_lossy(raw).into_owned())
    }
}

struct Phdr {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

/// Whether `data` starts like an ELF file.
pub fn is_elf(data: &[u8]) -> bool {
    data.get(..4) == Some(b"\x7fELF")
}

/// Parse the hardening facts of an ELF file; `None` when it is not a readable ELF.
pub fn parse(data: &[u8]) -> Option<ElfInfo> {
    if !is_elf(data) {
        return None;
    }
    let b64 = match data.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let be = match data.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let r = Rd { d: data, be, b64 };
    let e_type = r.u16(16)?;
    let machine = r.u16(18)?;
    let (phoff, shoff, rest) = if b64 {
        (r.u64(32)?, r.u64(40)?, 48u64)
    } else {
        (u64::from(r.u32(28)?), u64::from(r.u32(32)?), 36u64)
    };
    // e_flags(4) e_ehsize(2) then phentsize, phnum, shentsize, shnum, shstrndx
    let phentsize = u64::from(r.u16(rest + 6)?);
    let phnum = usize::from(r.u16(rest + 8)?).min(MAX_PHDRS);
    let shentsize = u64::from(r.u16(rest + 10)?);
    let shnum = usize::from(r.u16(rest + 12)?).min(MAX_SHDRS);

    let mut phdrs = Vec::with_capacity(phnum);
    for i in 0..phnum {
        let Some(base) = (i as u64)
            .checked_mul(phentsize)
            .and_then(|x| x.checked_add(phoff))
        else {
            break;
        };
        let ph = if b64 {
            (|| {
                Some(Phdr {
                    kind: r.u32(base)?,
                    flags: r.u32(base.saturating_add(4))?,
                    offset: r.u64(base.saturating_add(8))?,
                    vaddr: r.u64(base.saturating_add(16))?,
                    filesz: r.u64(base.saturating_add(32))?,
                })
            })()
        } else {
            (|| {
                Some(Phdr {
                    kind: r.u32(base)?,
                    offset: u64::from(r.u32(base.saturating_add(4))?),
                    vaddr: u64::from(r.u32(base.saturating_add(8))?),
                    filesz: u64::from(r.u32(base.saturating_add(16))?),
                    flags: r.u32(base.saturating_add(24))?,
                })
            })()
        };
        match ph {
            Some(p) => phdrs.push(p),
            None => break,
        }
    }

    let has_interp = phdrs.iter().any(|p| p.kind == PT_INTERP);
    let dynamic = phdrs.iter().find(|p| p.kind == PT_DYNAMIC);
    let gnu_stack_exec = phdrs
        .iter()
        .find(|p| p.kind == PT_GNU_STACK)
        .map(|p| p.flags & PF_X != 0);
    let relro = phdrs.iter().any(|p| p.kind == PT_GNU_RELRO);

    let mut info = ElfInfo {
        bits: if b64 { 64 } else { 32 },
        big_endian: be,
        machine,
        kind: ElfKind::Other,
        is_static: dynamic.is_none(),
        gnu_stack_exec,
        relro,
        bind_now: false,
        rpath: None,
        runpath: None,
        has_symtab: false,
        imports: BTreeSet::new(),
        symbols: BTreeSet::new(),
        symbols_incomplete: false,
        defined: BTreeSet::new(),
    };

    // Section headers: .symtab presence and, preferably, .dynsym with its string table.
    let mut dynsym_sec: Option<(u64, u64, u64, u32)> = None; // offset, size, entsize, link
    let mut symtab_sec: Option<(u64, u64, u64, u32)> = None;
    let mut sections: Vec<(u32, u64, u64)> = Vec::new(); // type, offset, size
    let sh_ok = shoff != 0 && (shentsize == 40 || shentsize == 64);
    if sh_ok {
        for i in 0..shnum {
            let Some(base) = (i as u64)
                .checked_mul(shentsize)
                .and_then(|x| x.checked_add(shoff))
            else {
                break;
            };
            let parsed = if b64 {
                (|| {
                    Some((
                        r.u32(base.saturating_add(4))?,
                        r.u64(base.saturating_add(24))?,
                        r.u64(base.saturating_add(32))?,
                        r.u32(base.saturating_add(40))?,
                        r.u64(base.saturating_add(56))?,
                    ))
                })()
            } else {
                (|| {
                    Some((
                        r.u32(base.saturating_add(4))?,
                        u64::from(r.u32(base.saturating_add(16))?),
                        u64::from(r.u32(base.saturating_add(20))?),
                        r.u32(base.saturating_add(24))?,
                        u64::from(r.u32(base.saturating_add(36))?),
                    ))
                })()
            };
            let Some((ty, off, size, link, entsize)) = parsed else {
                break;
            };
            sections.push((ty, off, size));
            if ty == SHT_SYMTAB {
                info.has_symtab = true;
                symtab_sec = Some((off, size, entsize, link));
            } else if ty == SHT_DYNSYM {
                dynsym_sec = Some((off, size, entsize, link));
            }
        }
    }

    // Dynamic section.
    let mut strtab_va = None;
    let mut symtab_va = None;
    let mut strsz = None;
    let mut syment = None;
    let mut hash_va = None;
    let mut mips_symtabno = None;
    let mut rpath_off = None;
    let mut runpath_off = None;
    let mut pie_flag = false;
    let mut debug_tag = false;
    if let Some(d) = dynamic {
        let ent = if b64 { 16 } else { 8 };
        let n = usize::try_from(d.filesz / ent).unwrap_or(0).min(MAX_DYN);
        for i in 0..n {
            let Some(base) = (i as u64)
                .checked_mul(ent)
                .and_then(|x| x.checked_add(d.offset))
            else {
                break;
            };
            let (Some(tag), Some(val)) = (r.word(base), r.word(base.saturating_add(ent / 2)))
            else {
                break;
            };
            // ELF32 tags are 32-bit; sign matters only for DT_NULL.
            match tag {
                DT_NULL => break,
                DT_STRTAB => strtab_va = Some(val),
                DT_SYMTAB => symtab_va = Some(val),
                DT_STRSZ => strsz = Some(val),
                DT_SYMENT => syment = Some(val),
                DT_HASH => hash_va = Some(val),
                DT_MIPS_SYMTABNO => mips_symtabno = Some(val),
                DT_RPATH => rpath_off = Some(val),
                DT_RUNPATH => runpath_off = Some(val),
                DT_BIND_NOW => info.bind_now = true,
                DT_FLAGS if val & DF_BIND_NOW != 0 => info.bind_now = true,
                DT_FLAGS_1 => {
                    if val & DF_1_NOW != 0 {
                        info.bind_now = true;
                    }
                    if val & DF_1_PIE != 0 {
                        pie_flag = true;
                    }
                }
                DT_DEBUG | DT_MIPS_RLD_MAP | DT_MIPS_RLD_MAP_REL => debug_tag = true,
                DT_NEEDED => {}
                _ => {}
            }
        }
    }

    info.kind = match e_type {
        2 => ElfKind::Executable,
        // Like checksec: a debugger hook (DT_DEBUG, MIPS RLD map) marks a program; libc.so
        // and ld.so carry an interpreter too, so that alone does not.
        3 if pie_flag || (has_interp && debug_tag) => ElfKind::PieExecutable,
        3 => ElfKind::SharedLibrary,
        _ => ElfKind::Other,
    };

    let to_off = |va: u64| -> Option<u64> {
        phdrs
            .iter()
            .filter(|p| p.kind == PT_LOAD)
            .find(|p| va >= p.vaddr && va - p.vaddr < p.filesz)
            .and_then(|p| p.offset.checked_add(va - p.vaddr))
    };
    let dynstr = strtab_va.and_then(to_off);
    let dynstr_end = dynstr.and_then(|o| o.checked_add(strsz.unwrap_or(u64::MAX / 2)));
    if let (Some(s), Some(e)) = (dynstr, dynstr_end) {
        info.rpath = rpath_off
            .and_then(|o| s.checked_add(o))
            .and_then(|o| r.cstr(o, e));
        info.runpath = runpath_off
            .and_then(|o| s.checked_add(o))
            .and_then(|o| r.cstr(o, e));
    }

    // Dynamic symbols: the section table when present, else DT_SYMTAB sized by DT_HASH,
    // DT_MIPS_SYMTABNO or the usual layout (symbol table right before the string table).
    let sym_ent = if b64 { 24 } else { 16 };
    let table = if let Some((off, size, _, link)) = dynsym_sec {
        let str_sec = sections.get(usize::try_from(link).unwrap_or(usize::MAX));
        str_sec.map(|(_, so, ss)| (off, size / sym_ent, *so, so.saturating_add(*ss)))
    } else if dynamic.is_some() {
        let count = hash_va
            .and_then(to_off)
            .and_then(|h| r.u32(h.saturating_add(4)))
            .map(u64::from)
            .or(mips_symtabno)
            .or_else(|| {
                let (s, t) = (symtab_va?, strtab_va?);
                let ent = syment.filter(|e| *e == sym_ent).unwrap_or(sym_ent);
                (t > s).then(|| (t - s) / ent)
            });
        match (symtab_va.and_then(to_off), count, dynstr, dynstr_end) {
            (Some(o), Some(c), Some(s), Some(e)) => Some((o, c, s, e)),
            _ => None,
        }
    } else {
        None
    };
    match table {
        Some((off, count, str_off, str_end)) => {
            if count > MAX_SYMS as u64 {
                info.symbols_incomplete = true;
            }
            read_syms(
                &r,
                off,
                count.min(MAX_SYMS as u64),
                str_off,
                str_end,
                true,
                &mut info,
            );
        }
        None => info.symbols_incomplete = dynamic.is_some(),
    }
    if let Some((off, size, _, link)) = symtab_sec {
        if let Some((_, so, ss)) = sections.get(usize::try_from(link).unwrap_or(usize::MAX)) {
            let count = (size / sym_ent).min(MAX_SYMS as u64);
            read_syms(
                &r,
                off,
                count,
                *so,
                so.saturating_add(*ss),
                false,
                &mut info,
            );
        }
    }
    Some(info)
}

fn read_syms(
    r: &Rd<'_>,
    off: u64,
    count: u64,
    str_off: u64,
    str_end: u64,
    dynamic: bool,
    info: &mut ElfInfo,
) {
    let ent: u64 = if r.b64 { 24 } else { 16 };
    for i in 0..count {
        let Some(base) = i.checked_mul(ent).and_then(|x| x.checked_add(off)) else {
            return;
        };
        // name at 0 in both; shndx at 14 (ELF32) / 6 (ELF64); info at 12 / 4.
        let (Some(name), Some(shndx), Some([st_info])) = (
            r.u32(base),
            r.u16(base.saturating_add(if r.b64 { 6 } else { 14 })),
            r.bytes::<1>(base.saturating_add(if r.b64 { 4 } else { 12 })),
        ) else {
            info.symbols_incomplete |= dynamic;
            return;
        };
        if name == 0 {
            continue;
        }
        let Some(s) = str_off
            .checked_add(u64::from(name))
            .and_then(|o| r.cstr(o, str_end))
        else {
            continue;
        };
        if s.is_empty() {
            continue;
        }
        if dynamic && shndx == 0 {
            info.imports.insert(s.clone());
        }
        // STT_OBJECT (1) or STT_FUNC (2), defined (not SHN_UNDEF).
        if !dynamic && shndx != 0 && matches!(st_info & 0xf, 1 | 2) {
            info.defined.insert(s.clone());
        }
        info.symbols.insert(s);
    }
}
