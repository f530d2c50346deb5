//! Flattened device trees (magic 0xd00dfeed): U-Boot FIT images and plain DTBs.
//!
//! Parses: the FDT header, the structure block (nodes, properties, NOPs) and the strings
//! block, into a bounded in-memory tree. A FIT (a tree with `/images`) yields one region per
//! image node that has `data` (embedded) or `data-offset` / `data-position` with `data-size`
//! (external data after the tree), named by the node; image properties (`description`,
//! `type`, `arch`, `os`, `compression`, `load`, `entry`) and every `hash*` / `signature*`
//! subnode (algorithm, key name hint, value) are recorded, and `crc32`, `md5`, `sha1` and
//! `sha256` hashes are verified (a mismatch is a note; other algorithms are
//! `unchecked`). Configuration signatures are recorded too.
//! A plain DTB yields `model` and `compatible`.
//! Both also yield the tree decompiled to device tree source, as a region named `system.dts`
//! holding the text `dtc -I dtb -O dts` writes (binwalk v3's `system.dtb`; see `formats/dts.rs`
//! for what is matched: dtc 1.6.1's text, and nothing where dtc refuses the blob). It is
//! rendered only when the text fits the output cap and counts against the limits like any
//! region; a tree that renders nothing stays `Output::Info` (plain DTB) or has no such region,
//! and a note says why (dtc could not read it, the dtc check that refuses it, or the cap).
//!
//! Evidence: `description`, `timestamp`, `images`, `<image>.<property>`,
//! `<image>.<hash-node>.algo`/`.value`/`.status`, `<image>.<signature-node>.algo`/
//! `.key-name-hint`, `configurations.default`, `<config>.<signature-node>.*`; for DTBs
//! `model`, `compatible`.
//! Known false positives: none known; the header offsets and sizes must all fit.
//! References: Devicetree Specification v0.4 ch. 5, U-Boot `doc/usage/fit/source_file_format.rst`.

use super::bytes_util::u32be;
use crate::format::{Ctx, Format, Magic, Output, Parsed, Region};
use crate::{Error, Result};
use bytes::Bytes;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

const NAME: &str = "fit";
/// The decompiled tree's name (binwalk calls the same text `system.dtb`).
const DTS_NAME: &str = "system.dts";
const MAX_NODES: usize = 100_000;
const MAX_DEPTH: usize = 64;

/// Flattened device tree: FIT image or plain DTB.
#[derive(Debug, Clone, Copy)]
pub struct Fit;

/// A property: name, and where its value lies in the blob.
#[derive(Debug, Clone)]
struct Prop {
    name: String,
    at: usize,
    len: usize,
}

#[derive(Debug, Clone, Default)]
struct Node {
    name: String,
    props: Vec<Prop>,
    children: Vec<usize>,
}

#[derive(Debug)]
struct Tree<'a> {
    blob: &'a [u8],
    nodes: Vec<Node>,
}

impl<'a> Tree<'a> {
    fn child(&self, node: usize, name: &str) -> Option<usize> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .copied()
            .find(|&c| self.nodes.get(c).is_some_and(|n| n.name == name))
    }

    fn prop(&self, node: usize, name: &str) -> Option<&'a [u8]> {
        let p = self
            .nodes
            .get(node)?
            .props
            .iter()
            .find(|p| p.name == name)?;
        self.blob.get(p.at..p.at.checked_add(p.len)?)
    }

    fn prop_at(&self, node: usize, name: &str) -> Option<(usize, usize)> {
        let p = self
            .nodes
            .get(node)?
            .props
            .iter()
            .find(|p| p.name == name)?;
        Some((p.at, p.len))
    }

    fn string(&self, node: usize, name: &str) -> Option<String> {
        self.prop(node, name).map(stringlist)
    }

    fn u32(&self, node: usize, name: &str) -> Option<u32> {
        let v = self.prop(node, name)?;
        if v.len() == 4 {
            u32be(v, 0)
        } else {
            None
        }
    }
}

/// A NUL-separated string list as `a, b, c`; non-printable bytes become `?`.
fn stringlist(v: &[u8]) -> String {
    v.split(|&c| c == 0)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.iter()
                .map(|&c| {
                    if (0x20..0x7f).contains(&c) {
                        char::from(c)
                    } else {
                        '?'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn malformed(offset: usize, message: &str) -> Error {
    Error::Malformed {
        format: NAME,
        offset: offset as u64,
        message: message.to_string(),
    }
}

/// Parse the structure block of `blob` (the whole tree, header included).
fn parse_tree<'a>(blob: &'a [u8], start: usize, ctx: &Ctx) -> Result<Tree<'a>> {
    let off_struct = u32be(blob, 8).unwrap_or_default() as usize;
    let off_strings = u32be(blob, 12).unwrap_or_default() as usize;
    let version = u32be(blob, 20).unwrap_or_default();
    let size_strings = if version >= 3 {
        u32be(blob, 32).unwrap_or_default() as usize
    } else {
        blob.len().saturating_sub(off_strings)
    };
    let struct_end = if version >= 17 {
        off_struct.saturating_add(u32be(blob, 36).unwrap_or_default() as usize)
    } else {
        blob.len()
    };
    let strings = blob
        .get(off_strings..off_strings.saturating_add(size_strings))
        .ok_or_else(|| malformed(start, "strings block outside the tree"))?;
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut pos = off_struct;
    loop {
        if pos >= struct_end {
            return Err(malformed(
                start + pos,
                "structure block ends without FDT_END",
            ));
        }
        let token = u32be(blob, pos).ok_or_else(|| malformed(start + pos, "truncated token"))?;
        pos += 4;
        match token {
            1 => {
                let name_len = blob
                    .get(pos..)
                    .and_then(|r| r.iter().take(4096).position(|&c| c == 0))
                    .ok_or_else(|| malformed(start + pos, "unterminated node name"))?;
                let name =
                    String::from_utf8_lossy(blob.get(pos..pos + name_len).unwrap_or_default())
                        .into_owned();
                pos = (pos + name_len + 1 + 3) & !3;
                if nodes.len() >= MAX_NODES || stack.len() >= MAX_DEPTH {
                    return Err(Error::Limit {
                        format: NAME,
                        offset: (start + pos) as u64,
                        limit: format!("{MAX_NODES} nodes / depth {MAX_DEPTH}"),
                    });
                }
                let id = nodes.len();
                nodes.push(Node {
                    name,
                    ..Node::default()
                });
                if let Some(&parent) = stack.last() {
                    if let Some(p) = nodes.get_mut(parent) {
                        p.children.push(id);
                    }
                } else if id != 0 {
                    return Err(malformed(start + pos, "second root node"));
                }
                stack.push(id);
                ctx.check_time(NAME, start as u64)?;
            }
            2 => {
                if stack.pop().is_none() {
                    return Err(malformed(start + pos, "unbalanced FDT_END_NODE"));
                }
            }
            3 => {
                let len = u32be(blob, pos)
                    .ok_or_else(|| malformed(start + pos, "truncated property"))?
                    as usize;
                let nameoff = u32be(blob, pos + 4)
                    .ok_or_else(|| malformed(start + pos, "truncated property"))?
                    as usize;
                let at = pos + 8;
                let end = at
                    .checked_add(len)
                    .filter(|&e| e <= struct_end.min(blob.len()))
                    .ok_or_else(|| malformed(start + pos, "property value outside the tree"))?;
                let name = strings
                    .get(nameoff..)
                    .and_then(|s| s.iter().position(|&c| c == 0).and_then(|n| s.get(..n)))
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .ok_or_else(|| malformed(start + pos, "property name outside strings"))?;
                let Some(&cur) = stack.last() else {
                    return Err(malformed(start + pos, "property outside a node"));
                };
                if let Some(n) = nodes.get_mut(cur) {
                    n.props.push(Prop { name, at, len });
                }
                pos = (end + 3) & !3;
            }
            4 => {}
            9 => break,
            _ => return Err(malformed(start + pos - 4, "unknown structure token")),
        }
    }
    if nodes.is_empty() || !stack.is_empty() {
        return Err(malformed(start, "no complete root node"));
    }
    Ok(Tree { blob, nodes })
}

/// The tree decompiled as `dtc -I dtb -O dts` does, as a `system.dts` child, when dtc would
/// write it and the text fits the output cap.
fn dts_region(blob: &[u8], ctx: &Ctx, notes: &mut Vec<String>) -> Option<Region> {
    let cap = usize::try_from(ctx.output_cap(blob.len() as u64)).unwrap_or(usize::MAX);
    match super::dts::render(blob, cap) {
        Ok(text) => Some(Region {
            name: DTS_NAME.to_string(),
            offset: 0,
            data: Bytes::from(text),
        }),
        Err(why) => {
            notes.push(format!("no {DTS_NAME}: {why}"));
            None
        }
    }
}

/// Record hash and signature subnodes of `node` under `prefix`; verify hashes of `data`.
fn record_checks(
    t: &Tree<'_>,
    node: usize,
    prefix: &str,
    data: Option<&[u8]>,
    attrs: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) {
    let Some(n) = t.nodes.get(node) else { return };
    for &c in &n.children {
        let Some(sub) = t.nodes.get(c) else { continue };
        let key = format!("{prefix}.{}", sub.name);
        if sub.name.starts_with("hash") {
            let algo = t.string(c, "algo").unwrap_or_default();
            let value = t.prop(c, "value").unwrap_or_default();
            attrs.push((format!("{key}.algo"), algo.clone()));
            attrs.push((format!("{key}.value"), hex::encode(value)));
            let status = match (data, algo.as_str()) {
                (Some(d), "crc32") => Some(crc32fast::hash(d).to_be_bytes().to_vec()),
                (Some(d), "md5") => Some(Md5::digest(d).to_vec()),
                (Some(d), "sha1") => Some(Sha1::digest(d).to_vec()),
                (Some(d), "sha256") => Some(Sha256::digest(d).to_vec()),
                _ => None,
            }
            .map(|computed| {
                if computed == value {
                    "ok"
                } else {
                    notes.push(format!("{key}: {algo} mismatch"));
                    "mismatch"
                }
            })
            .unwrap_or("unchecked");
            attrs.push((format!("{key}.status"), status.to_string()));
        } else if sub.name.starts_with("signature") {
            for p in ["algo", "key-name-hint", "sign-images", "padding"] {
                if let Some(v) = t.string(c, p) {
                    attrs.push((format!("{key}.{p}"), v));
                }
            }
            if let Some(v) = t.prop(c, "value") {
                attrs.push((format!("{key}.value-len"), v.len().to_string()));
            }
        }
    }
}

impl Format for Fit {
    fn name(&self) -> &'static str {
        NAME
    }

    fn magics(&self) -> &'static [Magic] {
        &[Magic {
            bytes: &[0xd0, 0x0d, 0xfe, 0xed],
            offset: 0,
        }]
    }

    fn parse(&self, data: &Bytes, start: usize, ctx: &Ctx) -> Result<Option<Parsed>> {
        let Some(input) = data.get(start..) else {
            return Ok(None);
        };
        let (Some(total), Some(off_struct), Some(off_strings), Some(version), Some(last_comp)) = (
            u32be(input, 4),
            u32be(input, 8),
            u32be(input, 12),
            u32be(input, 20),
            u32be(input, 24),
        ) else {
            return Ok(None);
        };
        let total = total as usize;
        if !(1..=17).contains(&last_comp)
            || version < last_comp
            || version > 0x100
            || total < 40
            || off_struct as usize >= total
            || off_strings as usize > total
        {
            return Ok(None);
        }
        let Some(blob) = input.get(..total) else {
            return Ok(None);
        };
        let tree = parse_tree(blob, start, ctx)?;
        let root = 0usize;
        let mut attrs = vec![("dtb-version".to_string(), version.to_string())];
        let mut notes = Vec::new();

        let dts = dts_region(blob, ctx, &mut notes);
        let Some(images) = tree.child(root, "images") else {
            for p in ["model", "compatible"] {
                if let Some(v) = tree.string(root, p) {
                    attrs.push((p.to_string(), v));
                }
            }
            let output = match dts {
                Some(r) => Output::Regions(vec![r]),
                None => Output::Info,
            };
            let mut parsed = Parsed::new(total as u64, output);
            parsed.attrs = attrs;
            parsed.notes = notes;
            return Ok(Some(parsed));
        };

        if let Some(d) = tree.string(root, "description") {
            attrs.push(("description".to_string(), d));
        }
        if let Some(ts) = tree.u32(root, "timestamp") {
            attrs.push((
                "timestamp".to_string(),
                super::uimage::iso8601(u64::from(ts)),
            ));
        }
        // External data starts at the 4-byte-aligned end of the tree.
        let ext_base = (total + 3) & !3;
        let mut extent = total;
        let mut regions = Vec::new();
        let image_nodes = tree
            .nodes
            .get(images)
            .map(|n| n.children.clone())
            .unwrap_or_default();
        attrs.push(("images".to_string(), image_nodes.len().to_string()));
        for img in image_nodes {
            let name = tree
                .nodes
                .get(img)
                .map(|n| n.name.clone())
                .unwrap_or_default();
            for p in ["description", "type", "arch", "os", "compression"] {
                if let Some(v) = tree.string(img, p) {
                    attrs.push((format!("{name}.{p}"), v));
                }
            }
            for p in ["load", "entry"] {
                if let Some(v) = tree.u32(img, p) {
                    attrs.push((format!("{name}.{p}"), format!("{v:#010x}")));
                }
            }
            let span = if let Some((at, len)) = tree.prop_at(img, "data") {
                Some((at, len))
            } else if let Some(size) = tree.u32(img, "data-size") {
                let from = if let Some(o) = tree.u32(img, "data-offset") {
                    ext_base.checked_add(o as usize)
                } else {
                    tree.u32(img, "data-position").map(|p| p as usize)
                };
                from.map(|f| (f, size as usize))
            } else {
                None
            };
            let Some((at, len)) = span else {
                notes.push(format!("image {name}: no data"));
                continue;
            };
            let end = at.saturating_add(len);
            if end > input.len() {
                notes.push(format!(
                    "image {name}: data at {at:#x} (+{len:#x}) outside the input"
                ));
                record_checks(&tree, img, &name, None, &mut attrs, &mut notes);
                continue;
            }
            extent = extent.max(end);
            let bytes = data.slice(start + at..start + end);
            record_checks(&tree, img, &name, Some(&bytes), &mut attrs, &mut notes);
            regions.push(Region {
                name,
                offset: at as u64,
                data: bytes,
            });
        }
        if let Some(confs) = tree.child(root, "configurations") {
            if let Some(d) = tree.string(confs, "default") {
                attrs.push(("configurations.default".to_string(), d));
            }
            let children = tree
                .nodes
                .get(confs)
                .map(|n| n.children.clone())
                .unwrap_or_default();
            for c in children {
                let name = tree
                    .nodes
                    .get(c)
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                record_checks(&tree, c, &name, None, &mut attrs, &mut notes);
            }
        }

        regions.extend(dts);
        let mut parsed = Parsed::new(extent as u64, Output::Regions(regions));
        parsed.attrs = attrs;
        parsed.notes = notes;
        Ok(Some(parsed))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Limits;

    /// A minimal FDT writer for fixtures (version 17): reservation map, structure, strings.
    /// Names are bytes so tests can write names dtc refuses.
    #[derive(Default)]
    pub(crate) struct Fdt {
        pub(crate) reserve: Vec<(u64, u64)>,
        structure: Vec<u8>,
        strings: Vec<u8>,
    }

    impl Fdt {
        fn pad(&mut self) {
            while !self.structure.len().is_multiple_of(4) {
                self.structure.push(0);
            }
        }
        pub(crate) fn begin(&mut self, name: impl AsRef<[u8]>) -> &mut Self {
            self.structure.extend(1u32.to_be_bytes());
            self.structure.extend(name.as_ref());
            self.structure.push(0);
            self.pad();
            self
        }
        pub(crate) fn end(&mut self) -> &mut Self {
            self.structure.extend(2u32.to_be_bytes());
            self
        }
        pub(crate) fn nop(&mut self) -> &mut Self {
            self.structure.extend(4u32.to_be_bytes());
            self
        }
        pub(crate) fn prop(&mut self, name: impl AsRef<[u8]>, value: &[u8]) -> &mut Self {
            let off = self.strings.len() as u32;
            self.strings.extend(name.as_ref());
            self.strings.push(0);
            self.structure.extend(3u32.to_be_bytes());
            self.structure.extend((value.len() as u32).to_be_bytes());
            self.structure.extend(off.to_be_bytes());
            self.structure.extend(value);
            self.pad();
            self
        }
        pub(crate) fn str(&mut self, name: &str, value: &str) -> &mut Self {
            let mut v = value.as_bytes().to_vec();
            v.push(0);
            self.prop(name, &v)
        }
        pub(crate) fn finish(&mut self) -> Vec<u8> {
            self.structure.extend(9u32.to_be_bytes());
            let off_rsv = 40u32;
            let off_struct = off_rsv + 16 * (self.reserve.len() as u32 + 1);
            let off_strings = off_struct + self.structure.len() as u32;
            let total = off_strings + self.strings.len() as u32;
            let mut out = Vec::new();
            for v in [
                0xd00d_feed,
                total,
                off_struct,
                off_strings,
                off_rsv,
                17,
                16,
                0,
                self.strings.len() as u32,
                self.structure.len() as u32,
            ] {
                out.extend(u32::to_be_bytes(v));
            }
            for (a, s) in self.reserve.iter().chain([(0, 0)].iter()) {
                out.extend(a.to_be_bytes());
                out.extend(s.to_be_bytes());
            }
            out.extend(&self.structure);
            out.extend(&self.strings);
            out
        }
    }

    fn attr<'a>(p: &'a Parsed, k: &str) -> Option<&'a str> {
        p.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    fn parse(d: Vec<u8>) -> Result<Option<Parsed>> {
        Fit.parse(&Bytes::from(d), 0, &Ctx::new(Limits::default()))
    }

    fn fit_fixture(kernel: &[u8], sha: &[u8]) -> Vec<u8> {
        let mut f = Fdt::default();
        f.begin("")
            .str("description", "Test FIT")
            .prop("timestamp", &1_388_534_400u32.to_be_bytes())
            .begin("images")
            .begin("kernel-1")
            .str("description", "Linux kernel")
            .prop("data", kernel)
            .str("type", "kernel")
            .str("arch", "arm")
            .str("os", "linux")
            .str("compression", "gzip")
            .prop("load", &0x8000u32.to_be_bytes())
            .prop("entry", &0x8000u32.to_be_bytes())
            .begin("hash-1")
            .str("algo", "sha256")
            .prop("value", sha)
            .end()
            .begin("hash-2")
            .str("algo", "crc32")
            .prop("value", &crc32fast::hash(kernel).to_be_bytes())
            .end()
            .begin("hash-3")
            .str("algo", "sha1")
            .prop("value", &Sha1::digest(kernel))
            .end()
            .end()
            .begin("fdt-1")
            .prop("data-size", &3u32.to_be_bytes())
            .prop("data-offset", &0u32.to_be_bytes())
            .str("type", "flat_dt")
            .end()
            .begin("script-1")
            .prop("data-size", &2u32.to_be_bytes())
            .prop("data-position", &4u32.to_be_bytes())
            .end()
            .end()
            .begin("configurations")
            .str("default", "conf-1")
            .begin("conf-1")
            .str("kernel", "kernel-1")
            .begin("signature-1")
            .str("algo", "sha256,rsa2048")
            .str("key-name-hint", "dev")
            .prop("value", &[0xab; 256])
            .end()
            .end()
            .end()
            .end();
        f.finish()
    }

    #[test]
    fn fit_regions_attrs_and_hashes() {
        let kernel = b"\x1f\x8b\x08\0kernel-bytes";
        let mut blob = fit_fixture(kernel, &Sha256::digest(kernel));
        while !blob.len().is_multiple_of(4) {
            blob.push(0);
        }
        let ext = blob.len();
        blob.extend(b"DTBxx");
        let p = parse(blob.clone()).unwrap().unwrap();
        assert_eq!(p.len, ext as u64 + 3);
        let Output::Regions(r) = &p.output else {
            panic!()
        };
        assert_eq!(r.len(), 4);
        assert_eq!(r[3].name, "system.dts");
        let dts = std::str::from_utf8(&r[3].data).unwrap();
        assert!(dts.starts_with("/dts-v1/;\n\n/ {\n\tdescription = \"Test FIT\";\n\ttimestamp = <0x52c35a80>;\n\n\timages {\n\n\t\tkernel-1 {\n"));
        assert_eq!(r[0].name, "kernel-1");
        assert_eq!(&r[0].data[..], kernel);
        assert_eq!(&blob[r[0].offset as usize..][..kernel.len()], kernel);
        assert_eq!((r[1].name.as_str(), r[1].offset), ("fdt-1", ext as u64));
        assert_eq!(&r[1].data[..], b"DTB");
        // data-position counts from the FIT's start.
        assert_eq!((r[2].name.as_str(), r[2].offset), ("script-1", 4));
        assert_eq!(&r[2].data[..], &blob[4..6]);
        assert_eq!(attr(&p, "description"), Some("Test FIT"));
        assert_eq!(attr(&p, "timestamp"), Some("2014-01-01T00:00:00Z"));
        assert_eq!(attr(&p, "images"), Some("3"));
        assert_eq!(attr(&p, "kernel-1.type"), Some("kernel"));
        assert_eq!(attr(&p, "kernel-1.arch"), Some("arm"));
        assert_eq!(attr(&p, "kernel-1.compression"), Some("gzip"));
        assert_eq!(attr(&p, "kernel-1.load"), Some("0x00008000"));
        assert_eq!(attr(&p, "kernel-1.hash-1.algo"), Some("sha256"));
        assert_eq!(attr(&p, "kernel-1.hash-1.status"), Some("ok"));
        assert_eq!(attr(&p, "kernel-1.hash-2.status"), Some("ok"));
        assert_eq!(attr(&p, "kernel-1.hash-3.status"), Some("ok"));
        assert_eq!(attr(&p, "configurations.default"), Some("conf-1"));
        assert_eq!(attr(&p, "conf-1.signature-1.algo"), Some("sha256,rsa2048"));
        assert_eq!(attr(&p, "conf-1.signature-1.key-name-hint"), Some("dev"));
        assert_eq!(attr(&p, "conf-1.signature-1.value-len"), Some("256"));
        assert!(p.notes.is_empty());
    }

    #[test]
    fn hash_mismatch_is_a_note() {
        let p = parse(fit_fixture(b"abc", &[0u8; 32])).unwrap().unwrap();
        assert_eq!(attr(&p, "kernel-1.hash-1.status"), Some("mismatch"));
        assert!(p
            .notes
            .contains(&"kernel-1.hash-1: sha256 mismatch".to_string()));
        // fdt-1's external data is missing from this input.
        assert!(p
            .notes
            .iter()
            .any(|n| n.starts_with("image fdt-1: data at")));
    }

    #[test]
    fn plain_dtb_yields_its_dts() {
        let mut f = Fdt::default();
        f.begin("")
            .str("model", "Acme Widget")
            .prop("compatible", b"acme,widget\0acme,soc\0")
            .begin("chosen")
            .str("bootargs", "console=ttyS0")
            .end()
            .end();
        let p = parse(f.finish()).unwrap().unwrap();
        let Output::Regions(r) = &p.output else {
            panic!()
        };
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].name.as_str(), r[0].offset), ("system.dts", 0));
        assert_eq!(
            std::str::from_utf8(&r[0].data).unwrap(),
            "/dts-v1/;\n\n/ {\n\tmodel = \"Acme Widget\";\n\tcompatible = \"acme,widget\\0acme,soc\";\n\n\tchosen {\n\t\tbootargs = \"console=ttyS0\";\n\t};\n};\n"
        );
        assert_eq!(attr(&p, "model"), Some("Acme Widget"));
        assert_eq!(attr(&p, "compatible"), Some("acme,widget, acme,soc"));
    }

    #[test]
    fn refused_dtb_is_info_with_a_note() {
        let mut f = Fdt::default();
        f.begin("").begin("a").end().begin("a").end().end();
        let p = parse(f.finish()).unwrap().unwrap();
        assert!(matches!(p.output, Output::Info));
        assert_eq!(
            p.notes,
            ["no system.dts: dtc refuses the tree (check duplicate_node_names)"]
        );
    }

    #[test]
    fn hostile_trees() {
        let good = fit_fixture(b"abc", &[0u8; 32]);
        // Truncated below totalsize: not taken.
        for n in [0, 8, 39, 100, good.len() - 1] {
            assert!(parse(good[..n].to_vec()).unwrap().is_none());
        }
        // A property length running past the tree is an error, not a panic.
        let mut bad = good.clone();
        let off = 56 + 4 + 4 + 4; // first token, root name pad, FDT_PROP
        bad[off..off + 4].copy_from_slice(&0x7fff_ff00u32.to_be_bytes());
        assert!(parse(bad).is_err());
        // Unbalanced nodes.
        let mut f = Fdt::default();
        f.begin("").begin("a");
        assert!(parse(f.finish()).is_err());
    }
}
