//! Device tree source (DTS) text for a flattened device tree, as `dtc -I dtb -O dts` writes it.
//!
//! Owns: reading an FDT blob the way dtc 1.6's `flattree.c` reads it (header checks, the
//! memory reservation map, the structure block with its NOPs, version < 16 full-path node
//! names and 8-byte property alignment), the checks of dtc's `checks.c` that are errors for
//! blob input (any of them makes dtc write nothing, so we render nothing), the one check that
//! changes the tree (a `name` property equal to the node's base name is dropped), and the
//! text of `treesource.c`: `/dts-v1/;`, `/memreserve/` lines, tab indentation, a blank line
//! before each child node, and dtc's guess of each value's type (string or NUL-separated
//! string list, 32-bit cells `<0x..>`, else bytes `[..]`).
//! Never does: labels or phandle references (a blob has none; dtc prints phandles as plain
//! cells), dtc's warnings, or any I/O. The text is bytes, not UTF-8: node and property names
//! are copied as stored.
//!
//! Byte-identical to Debian's dtc 1.6.1 on the 5 corpus FDTs, on the 898 armhf DTBs of
//! Debian 12's netboot images and on the DTBs inside Debian's u-boot-qemu images (see
//! docs/unpack.md "Status"); the unit tests pin dtc's output for small synthetic blobs.

use super::bytes_util::{u32be, u64be};
use std::collections::HashSet;

const FDT_MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
/// dtc's `FDT_V1_SIZE`: the smallest totalsize it accepts.
const V1_SIZE: usize = 7 * 4;

struct Prop<'a> {
    name: &'a [u8],
    value: &'a [u8],
}

struct Node<'a> {
    name: &'a [u8],
    props: Vec<Prop<'a>>,
    children: Vec<usize>,
}

/// A reader over `[base, limit)` of the blob, aligned relative to `base` as dtc's `inbuf` is.
struct Cursor<'a> {
    blob: &'a [u8],
    base: usize,
    pos: usize,
    limit: usize,
}

impl<'a> Cursor<'a> {
    fn word(&mut self) -> Option<u32> {
        let end = self.pos.checked_add(4).filter(|&e| e <= self.limit)?;
        let w = u32be(self.blob, self.pos)?;
        self.pos = end;
        Some(w)
    }

    fn chunk(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(len).filter(|&e| e <= self.limit)?;
        let c = self.blob.get(self.pos..end)?;
        self.pos = end;
        Some(c)
    }

    fn align(&mut self, to: usize) -> Option<()> {
        let rel = self.pos.checked_sub(self.base)?;
        let aligned = rel.checked_add(to - 1)? & !(to - 1);
        self.pos = self.base.checked_add(aligned)?;
        (self.pos <= self.limit).then_some(())
    }

    /// A NUL-terminated string, then 4-byte alignment.
    fn string(&mut self) -> Option<&'a [u8]> {
        let rest = self.blob.get(self.pos..self.limit)?;
        let n = rest.iter().position(|&c| c == 0)?;
        let s = rest.get(..n)?;
        self.pos = self.pos.checked_add(n + 1)?;
        self.align(4)?;
        Some(s)
    }
}

/// The tree as dtc holds it after reading a blob: nodes in pre-order, root first.
struct Tree<'a> {
    reserve: Vec<(u64, u64)>,
    nodes: Vec<Node<'a>>,
}

/// dtc's `dt_from_blob`: `None` wherever dtc dies.
fn read(blob: &[u8]) -> Option<Tree<'_>> {
    if u32be(blob, 0)? != FDT_MAGIC {
        return None;
    }
    let total = u32be(blob, 4)? as usize;
    if total < V1_SIZE {
        return None;
    }
    let blob = blob.get(..total)?;
    let off_dt = u32be(blob, 8)? as usize;
    let off_str = u32be(blob, 12)? as usize;
    let off_rsv = u32be(blob, 16)? as usize;
    let version = u32be(blob, 20)?;
    if off_rsv >= total || off_dt >= total || off_str > total {
        return None;
    }
    let str_limit = if version >= 3 {
        let end = off_str.checked_add(u32be(blob, 32)? as usize)?;
        (end <= total).then_some(end)?
    } else {
        total
    };
    if version >= 17 {
        let end = off_dt.checked_add(u32be(blob, 36)? as usize)?;
        if end > total {
            return None;
        }
    }
    let old = version < 16;
    let strings = blob.get(off_str..str_limit)?;

    let mut rsv = Cursor {
        blob,
        base: off_rsv,
        pos: off_rsv,
        limit: total,
    };
    let mut reserve = Vec::new();
    loop {
        let e = rsv.chunk(16)?;
        let (address, size) = (u64be(e, 0)?, u64be(e, 8)?);
        if size == 0 {
            break;
        }
        reserve.push((address, size));
    }

    let mut dt = Cursor {
        blob,
        base: off_dt,
        pos: off_dt,
        limit: total,
    };
    if dt.word()? != BEGIN_NODE {
        return None;
    }
    let mut nodes: Vec<Node<'_>> = Vec::new();
    // (node index, its flat name: the full path before version 16)
    let mut stack: Vec<(usize, &[u8])> = Vec::new();
    open_node(&mut dt, &mut nodes, &mut stack, old)?;
    while let Some(&(cur, _)) = stack.last() {
        match dt.word()? {
            PROP => {
                let len = dt.word()?;
                let nameoff = dt.word()?;
                // dtc keeps both as C ints: a negative one is past any table.
                let len = usize::try_from(i32::try_from(len).ok()?).ok()?;
                let nameoff = usize::try_from(i32::try_from(nameoff).ok()?).ok()?;
                let tail = strings.get(nameoff..)?;
                let name = tail.get(..tail.iter().position(|&c| c == 0)?)?;
                if old && len >= 8 {
                    dt.align(8)?;
                }
                let value = if len == 0 {
                    &[][..]
                } else {
                    let v = dt.chunk(len)?;
                    dt.align(4)?;
                    v
                };
                nodes.get_mut(cur)?.props.push(Prop { name, value });
            }
            BEGIN_NODE => open_node(&mut dt, &mut nodes, &mut stack, old)?,
            END_NODE => {
                stack.pop();
            }
            NOP => {}
            _ => return None,
        }
    }
    if dt.word()? != END {
        return None;
    }
    Some(Tree { reserve, nodes })
}

/// Read a node's name after its FDT_BEGIN_NODE and push it below the current node.
fn open_node<'a>(
    dt: &mut Cursor<'a>,
    nodes: &mut Vec<Node<'a>>,
    stack: &mut Vec<(usize, &'a [u8])>,
    old: bool,
) -> Option<()> {
    let flat = dt.string()?;
    let name = if old {
        let parent: &[u8] = stack.last().map_or(b"", |&(_, p)| p);
        if !flat.starts_with(parent) {
            return None;
        }
        // dtc's nodename_from_path: children of "/" drop the "/", others also a separator.
        let skip = if parent == b"/" {
            parent.len()
        } else {
            parent.len() + 1
        };
        flat.get(skip..)?
    } else {
        flat
    };
    let id = nodes.len();
    if let Some(&(p, _)) = stack.last() {
        nodes.get_mut(p)?.children.push(id);
    }
    nodes.push(Node {
        name,
        props: Vec::new(),
        children: Vec::new(),
    });
    stack.push((id, flat));
    Some(())
}

fn all_in(s: &[u8], extra: &[u8]) -> bool {
    s.iter()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// dtc's error-level checks for blob input; `Err(check name)` when dtc would refuse to write.
/// Drops the redundant `name` properties dtc drops.
fn checks(t: &mut Tree<'_>) -> Result<(), &'static str> {
    const PROPCHARS: &[u8] = b",._+*#?-";
    const NODECHARS: &[u8] = b",._+-@";
    let mut phandles: HashSet<u32> = HashSet::new();
    for node in &t.nodes {
        let mut seen: HashSet<&[u8]> = HashSet::new();
        for p in &node.props {
            if !seen.insert(p.name) {
                return Err("duplicate_property_names");
            }
            if !all_in(p.name, PROPCHARS) {
                return Err("property_name_chars");
            }
        }
        seen.clear();
        for &c in &node.children {
            let Some(child) = t.nodes.get(c) else {
                return Err("duplicate_node_names");
            };
            if !seen.insert(child.name) {
                return Err("duplicate_node_names");
            }
        }
        if !all_in(node.name, NODECHARS) {
            return Err("node_name_chars");
        }
        let unit = node.name.iter().position(|&c| c == b'@');
        if let Some(u) = unit {
            if node.name.get(u + 1..).is_some_and(|r| r.contains(&b'@')) {
                return Err("node_name_format");
            }
        }
        // explicit_phandles: a present phandle must be one valid cell, both agree, unique.
        let cell = |name: &[u8]| -> Option<Option<u32>> {
            let Some(p) = node.props.iter().find(|p| p.name == name) else {
                return Some(None);
            };
            let v = u32be(p.value, 0).filter(|_| p.value.len() == 4)?;
            (v != 0 && v != u32::MAX).then_some(Some(v))
        };
        let (Some(ph), Some(linux)) = (cell(b"phandle"), cell(b"linux,phandle")) else {
            return Err("explicit_phandles");
        };
        match (ph, linux) {
            (Some(a), Some(b)) if a != b => return Err("explicit_phandles"),
            (Some(v), _) | (None, Some(v)) => {
                if !phandles.insert(v) {
                    return Err("explicit_phandles");
                }
            }
            (None, None) => {}
        }
        if let Some(p) = node.props.iter().find(|p| p.name == b"name") {
            let base = node.name.get(..unit.unwrap_or(node.name.len()));
            // name_is_string, then name_properties: exactly the base name and its NUL.
            if p.value.split_last() != Some((&0, base.unwrap_or_default())) {
                return Err("name_properties");
            }
        }
    }
    for node in &mut t.nodes {
        if let Some(i) = node.props.iter().position(|p| p.name == b"name") {
            node.props.remove(i);
        }
    }
    Ok(())
}

/// Output that refuses to grow past `cap` bytes.
struct Out {
    buf: Vec<u8>,
    cap: usize,
}

impl Out {
    fn put(&mut self, b: &[u8]) -> Option<()> {
        if self.buf.len().saturating_add(b.len()) > self.cap {
            return None;
        }
        self.buf.extend_from_slice(b);
        Some(())
    }

    fn tabs(&mut self, n: usize) -> Option<()> {
        if self.buf.len().saturating_add(n) > self.cap {
            return None;
        }
        self.buf.resize(self.buf.len() + n, b'\t');
        Some(())
    }
}

/// dtc's `isstring`: printable ASCII, NUL, or one of the C escapes.
fn is_string_byte(c: u8) -> bool {
    (0x20..0x7f).contains(&c) || matches!(c, 0 | 7..=13)
}

fn value(o: &mut Out, v: &[u8]) -> Option<()> {
    if v.is_empty() {
        return o.put(b";\n");
    }
    o.put(b" = ")?;
    let nul = v.iter().filter(|&&c| c == 0).count();
    if v.last() == Some(&0) && v.iter().all(|&c| is_string_byte(c)) && nul <= v.len() - nul {
        o.put(b"\"")?;
        for &c in v.get(..v.len() - 1)? {
            let esc: &[u8] = match c {
                7 => b"\\a",
                8 => b"\\b",
                9 => b"\\t",
                10 => b"\\n",
                11 => b"\\v",
                12 => b"\\f",
                13 => b"\\r",
                b'\\' => b"\\\\",
                b'"' => b"\\\"",
                0 => b"\\0",
                _ => std::slice::from_ref(&c),
            };
            o.put(esc)?;
        }
        o.put(b"\"")?;
    } else if v.len().is_multiple_of(4) {
        o.put(b"<")?;
        for (i, c) in v.chunks_exact(4).enumerate() {
            if i > 0 {
                o.put(b" ")?;
            }
            let w = u32::from_be_bytes(c.try_into().ok()?);
            o.put(format!("{w:#04x}").as_bytes())?;
        }
        o.put(b">")?;
    } else {
        o.put(b"[")?;
        for (i, c) in v.iter().enumerate() {
            if i > 0 {
                o.put(b" ")?;
            }
            o.put(format!("{c:02x}").as_bytes())?;
        }
        o.put(b"]")?;
    }
    o.put(b";\n")
}

/// Why there is no DTS text for a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// dtc cannot read the blob (a header offset, size, token or string out of bounds).
    Unreadable,
    /// A dtc check that is an error for this tree (named as dtc names it).
    Check(&'static str),
    /// The text would exceed the output cap.
    TooLong,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unreadable => f.write_str("dtc could not read the tree"),
            Refused::Check(c) => write!(f, "dtc refuses the tree (check {c})"),
            Refused::TooLong => f.write_str("its text exceeds the output cap"),
        }
    }
}

/// The DTS text dtc writes for `blob` (an FDT from its header; bytes past `totalsize` are
/// ignored), or why there is none: dtc fails, or the text would exceed `cap` bytes.
pub(crate) fn render(blob: &[u8], cap: usize) -> Result<Vec<u8>, Refused> {
    let mut t = read(blob).ok_or(Refused::Unreadable)?;
    checks(&mut t).map_err(Refused::Check)?;
    write(&t, cap).ok_or(Refused::TooLong)
}

fn write(t: &Tree<'_>, cap: usize) -> Option<Vec<u8>> {
    let mut o = Out {
        buf: Vec::new(),
        cap,
    };
    o.put(b"/dts-v1/;\n\n")?;
    for (a, s) in &t.reserve {
        o.put(format!("/memreserve/\t{a:#018x} {s:#018x};\n").as_bytes())?;
    }
    // (node, depth, closing?) in pre-order; a node is closed after all its children.
    let mut stack: Vec<(usize, usize, bool)> = vec![(0, 0, false)];
    while let Some((id, depth, close)) = stack.pop() {
        if close {
            o.tabs(depth)?;
            o.put(b"};\n")?;
            continue;
        }
        let node = t.nodes.get(id)?;
        if depth > 0 {
            o.put(b"\n")?;
        }
        o.tabs(depth)?;
        o.put(if node.name.is_empty() {
            b"/"
        } else {
            node.name
        })?;
        o.put(b" {\n")?;
        for p in &node.props {
            o.tabs(depth + 1)?;
            o.put(p.name)?;
            value(&mut o, p.value)?;
        }
        stack.push((id, depth, true));
        for &c in node.children.iter().rev() {
            stack.push((c, depth + 1, false));
        }
    }
    Some(o.buf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    use crate::formats::fit::tests::Fdt as Blob;

    fn text(blob: &[u8]) -> String {
        String::from_utf8(render(blob, 1 << 20).unwrap()).unwrap()
    }

    /// Every value type dtc guesses, escapes, nesting, memreserve, NOPs.
    fn sample() -> Vec<u8> {
        let mut b = Blob::default();
        b.reserve = vec![(0x1000, 0x2000), (0x8000_0000_0000, 0x10)];
        b.begin(b"")
            .prop(b"#address-cells", &1u32.to_be_bytes())
            .prop(b"model", b"Acme Widget\0")
            .prop(b"compatible", b"acme,widget\0acme,soc\0")
            .prop(
                b"escapes",
                b"tab\there \"q\" back\\slash\x07\x08\x0b\x0c\r\n\0",
            )
            .prop(b"reg", &[0, 0, 0, 0, 0x20, 0, 0, 0])
            .prop(b"mac-address", &[0x00, 0x11, 0x22, 0x33, 0x44, 0x55])
            .prop(b"binary", &[0x01, 0x80, 0xff])
            .prop(
                b"high-cells",
                &[0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x00],
            )
            .prop(b"mostly-nul", b"ab\0\0\0\0")
            .prop(b"nul-cell", b"a\0\0\0")
            .prop(b"one-nul", b"\0")
            .prop(b"empty", b"")
            .nop()
            .begin(b"cpus")
            .prop(b"name", b"cpus\0")
            .begin(b"cpu@0")
            .prop(b"name", b"cpu\0")
            .prop(b"phandle", &7u32.to_be_bytes())
            .prop(b"linux,phandle", &7u32.to_be_bytes())
            .end()
            .end()
            .begin(b"chosen")
            .prop(b"bootargs", b"console=ttyS0,115200\0")
            .end()
            .end();
        b.finish()
    }

    /// One-node trees dtc refuses (an error-level check fails), by what is wrong.
    fn refused() -> Vec<(&'static str, Vec<u8>)> {
        let one = |f: &dyn Fn(&mut Blob)| {
            let mut b = Blob::default();
            b.begin(b"");
            f(&mut b);
            b.end();
            b.finish()
        };
        vec![
            (
                "dup-node",
                one(&|b| {
                    b.begin(b"a").end().begin(b"a").end();
                }),
            ),
            (
                "dup-prop",
                one(&|b| {
                    b.prop(b"x", b"").prop(b"x", b"");
                }),
            ),
            (
                "node-char",
                one(&|b| {
                    b.begin(b"a/b").end();
                }),
            ),
            (
                "node-two-at",
                one(&|b| {
                    b.begin(b"a@1@2").end();
                }),
            ),
            (
                "prop-char",
                one(&|b| {
                    b.prop(b"a@b", b"");
                }),
            ),
            (
                "prop-space",
                one(&|b| {
                    b.prop(b"a b", b"");
                }),
            ),
            (
                "name-wrong",
                one(&|b| {
                    b.begin(b"cpu@0").prop(b"name", b"cpu@0\0").end();
                }),
            ),
            (
                "name-not-string",
                one(&|b| {
                    b.begin(b"cpu").prop(b"name", b"cpu").end();
                }),
            ),
            (
                "phandle-zero",
                one(&|b| {
                    b.begin(b"a").prop(b"phandle", &[0; 4]).end();
                }),
            ),
            (
                "phandle-minus-one",
                one(&|b| {
                    b.begin(b"a").prop(b"linux,phandle", &[0xff; 4]).end();
                }),
            ),
            (
                "phandle-long",
                one(&|b| {
                    b.begin(b"a").prop(b"phandle", &[0, 0, 0, 1, 0]).end();
                }),
            ),
            (
                "phandle-mismatch",
                one(&|b| {
                    b.begin(b"a")
                        .prop(b"phandle", &1u32.to_be_bytes())
                        .prop(b"linux,phandle", &2u32.to_be_bytes())
                        .end();
                }),
            ),
            (
                "phandle-dup",
                one(&|b| {
                    b.begin(b"a")
                        .prop(b"phandle", &1u32.to_be_bytes())
                        .end()
                        .begin(b"b")
                        .prop(b"linux,phandle", &1u32.to_be_bytes())
                        .end();
                }),
            ),
        ]
    }

    /// Odd trees dtc accepts.
    fn odd() -> Vec<u8> {
        let mut b = Blob::default();
        b.begin(b"")
            .prop(b"name", b"\0")
            .prop(b"odd*#?+_.,-chars", b"")
            .prop(b"", &2u32.to_be_bytes())
            .begin(b"x+_.,-@")
            .end()
            .begin(b"")
            .prop(b"name", b"\0")
            .end()
            .begin(b"late")
            .begin(b"child")
            .end()
            .prop(b"after-child", b"late\0")
            .end()
            .begin(b"deep")
            .begin(b"deeper")
            .begin(b"deepest")
            .prop(b"phandle", &0xffff_fffeu32.to_be_bytes())
            .end()
            .end()
            .end()
            .end();
        b.finish()
    }

    #[test]
    fn sample_matches_dtc() {
        let want = "/dts-v1/;

/memreserve/	0x0000000000001000 0x0000000000002000;
/memreserve/	0x0000800000000000 0x0000000000000010;
/ {
	#address-cells = <0x01>;
	model = \"Acme Widget\";
	compatible = \"acme,widget\\0acme,soc\";
	escapes = \"tab\\there \\\"q\\\" back\\\\slash\\a\\b\\v\\f\\r\\n\";
	reg = <0x00 0x20000000>;
	mac-address = [00 11 22 33 44 55];
	binary = [01 80 ff];
	high-cells = <0xdeadbeef 0x1020300>;
	mostly-nul = [61 62 00 00 00 00];
	nul-cell = <0x61000000>;
	one-nul = [00];
	empty;

	cpus {

		cpu@0 {
			phandle = <0x07>;
			linux,phandle = <0x07>;
		};
	};

	chosen {
		bootargs = \"console=ttyS0,115200\";
	};
};
";
        assert_eq!(text(&sample()), want);
    }

    #[test]
    fn odd_names_match_dtc() {
        // Redundant `name` properties dropped, a nameless node printed as `/`, a property
        // stored after a child printed before it.
        let want = "/dts-v1/;

/ {
	odd*#?+_.,-chars;
	 = <0x02>;

	x+_.,-@ {
	};

	/ {
	};

	late {
		after-child = \"late\";

		child {
		};
	};

	deep {

		deeper {

			deepest {
				phandle = <0xfffffffe>;
			};
		};
	};
};
";
        assert_eq!(text(&odd()), want);
    }

    #[test]
    fn refused_where_dtc_refuses() {
        // dtc's message for each names the same check.
        let checks = [
            "duplicate_node_names",
            "duplicate_property_names",
            "node_name_chars",
            "node_name_format",
            "property_name_chars",
            "property_name_chars",
            "name_properties",
            "name_properties",
            "explicit_phandles",
            "explicit_phandles",
            "explicit_phandles",
            "explicit_phandles",
            "explicit_phandles",
        ];
        let cases = refused();
        assert_eq!(cases.len(), checks.len());
        for ((name, blob), check) in cases.into_iter().zip(checks) {
            assert_eq!(render(&blob, 1 << 20), Err(Refused::Check(check)), "{name}");
        }
    }

    #[test]
    fn hostile_blobs() {
        let good = sample();
        let full = render(&good, 1 << 20).unwrap();
        // The cap is exact: one byte short renders nothing.
        assert_eq!(render(&good, full.len()).as_deref(), Ok(&full[..]));
        assert_eq!(render(&good, full.len() - 1), Err(Refused::TooLong));
        // Truncated anywhere: nothing, no panic.
        for n in 0..good.len() {
            assert_eq!(render(&good[..n], 1 << 20), Err(Refused::Unreadable), "{n}");
        }
        // Every single-byte corruption: no panic, and output stays within the cap.
        for i in 0..good.len() {
            for v in [0x00, 0x01, 0x02, 0x03, 0x09, 0x7f, 0x80, 0xff] {
                let mut b = good.clone();
                b[i] = v;
                if let Ok(t) = render(&b, 4096) {
                    assert!(t.len() <= 4096);
                }
            }
        }
        // Bytes after totalsize are ignored.
        let mut longer = good.clone();
        longer.extend(b"trailing");
        assert_eq!(render(&longer, 1 << 20), Ok(full));
        // Deep nesting is bounded by the cap, not the stack.
        let mut b = Blob::default();
        for _ in 0..20_000 {
            b.begin(b"n");
        }
        for _ in 0..20_000 {
            b.end();
        }
        assert_eq!(render(&b.finish(), 1 << 20), Err(Refused::TooLong));
    }

    /// Development aid against dtc (run with --ignored): DTS_DUMP=dir writes the fixtures.
    #[test]
    #[ignore]
    fn dump_fixtures() {
        // Differential runs: render every `*.dtb` in DTS_RENDER to `*.mine` (absent: refused).
        if let Ok(dir) = std::env::var("DTS_RENDER") {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "dtb") {
                    if let Ok(t) = render(&std::fs::read(&p).unwrap(), 64 << 20) {
                        std::fs::write(p.with_extension("mine"), t).unwrap();
                    }
                }
            }
        }
        let Ok(dir) = std::env::var("DTS_DUMP") else {
            return;
        };
        std::fs::write(format!("{dir}/sample.dtb"), sample()).unwrap();
        std::fs::write(format!("{dir}/odd.dtb"), odd()).unwrap();
        for (name, blob) in refused() {
            std::fs::write(format!("{dir}/bad-{name}.dtb"), blob).unwrap();
        }
    }
}
