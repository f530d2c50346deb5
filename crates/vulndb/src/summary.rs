//! The compact binary encodings matching reads: per-record summaries (table `sum`) and index
//! values (table `idx`).
//!
//! Owns: [`encode_record`]/[`decode_record`] (id, CVSS, configurations, OSV packages, and the
//! description only for records VEX reasoning reads: BusyBox and Linux kernel ones) and [`encode_idx`]/[`decode_idx`].
//! Why: matching used to parse every candidate's JSON record; a length-prefixed binary form
//! decodes several times faster and the JSON (`cve` table) stays for people and exports.
//! Never does: I/O. Decoding is bounds-checked: a corrupt value decodes to `None`, never a
//! panic, and no count is trusted beyond the bytes that remain.

use crate::import::IdxEntry;
use crate::record::{Config, CpeMatch, CveRecord, Node, Package};
use baseline_model::Cvss;

/// Format tag of a summary value.
const TAG: u8 = 1;

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: &Option<String>) {
    if let Some(s) = s {
        put_str(out, s);
    }
}

fn put_match(out: &mut Vec<u8>, m: &CpeMatch) {
    let flags = u8::from(m.vulnerable)
        | u8::from(m.vsi.is_some()) << 1
        | u8::from(m.vse.is_some()) << 2
        | u8::from(m.vei.is_some()) << 3
        | u8::from(m.vee.is_some()) << 4;
    out.push(flags);
    put_str(out, &m.criteria);
    put_opt(out, &m.vsi);
    put_opt(out, &m.vse);
    put_opt(out, &m.vei);
    put_opt(out, &m.vee);
}

/// Does VEX reasoning (BusyBox applets, Linux kernel symbols) need this record's description?
fn needs_description(r: &CveRecord) -> bool {
    r.configs
        .iter()
        .flat_map(|c| &c.nodes)
        .flat_map(|n| &n.matches)
        .any(|m| m.criteria.contains(":busybox:") || m.criteria.contains(":linux:linux_kernel:"))
        || r.packages.iter().any(|p| p.name == "busybox")
}

/// The summary of `r`.
pub(crate) fn encode_record(r: &CveRecord) -> Vec<u8> {
    let mut o = Vec::with_capacity(256);
    o.push(TAG);
    put_str(&mut o, &r.id);
    let c = &r.cvss;
    let flags = u8::from(c.v2.is_some())
        | u8::from(c.v3.is_some()) << 1
        | u8::from(c.v4.is_some()) << 2
        | u8::from(c.vector.is_some()) << 3;
    o.push(flags);
    for v in [c.v2, c.v3, c.v4].into_iter().flatten() {
        o.extend_from_slice(&v.to_le_bytes());
    }
    put_opt(&mut o, &c.vector);
    put_str(
        &mut o,
        if needs_description(r) {
            &r.description
        } else {
            ""
        },
    );
    put_u32(&mut o, r.configs.len());
    for cfg in &r.configs {
        o.push(u8::from(cfg.and));
        put_u32(&mut o, cfg.nodes.len());
        for n in &cfg.nodes {
            o.push(u8::from(n.and) | u8::from(n.negate) << 1);
            put_u32(&mut o, n.matches.len());
            for m in &n.matches {
                put_match(&mut o, m);
            }
        }
    }
    put_u32(&mut o, r.packages.len());
    for p in &r.packages {
        put_str(&mut o, &p.name);
        put_str(&mut o, &p.ecosystem);
        put_u32(&mut o, p.versions.len());
        for v in &p.versions {
            put_str(&mut o, v);
        }
        put_u32(&mut o, p.ranges.len());
        for (a, b, c) in &p.ranges {
            o.push(u8::from(a.is_some()) | u8::from(b.is_some()) << 1 | u8::from(c.is_some()) << 2);
            put_opt(&mut o, a);
            put_opt(&mut o, b);
            put_opt(&mut o, c);
        }
    }
    o
}

/// An index value: the `cpeMatch`es of one record for one vendor:product.
pub(crate) fn encode_idx(entries: &[IdxEntry]) -> Vec<u8> {
    let mut o = Vec::with_capacity(16 + entries.len() * 96);
    put_u32(&mut o, entries.len());
    for e in entries {
        o.push(u8::from(e.conditional));
        put_match(&mut o, &e.m);
    }
    o
}

/// A bounds-checked reader.
struct R<'a> {
    b: &'a [u8],
}

impl R<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&x, rest) = self.b.split_first()?;
        self.b = rest;
        Some(x)
    }
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if n > self.b.len() {
            return None;
        }
        let (a, rest) = self.b.split_at(n);
        self.b = rest;
        Some(a)
    }
    fn u32(&mut self) -> Option<usize> {
        let a: [u8; 4] = self.take(4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(a)).ok()
    }
    /// A count of items each at least one byte long: never more than what remains.
    fn count(&mut self) -> Option<usize> {
        let n = self.u32()?;
        (n <= self.b.len()).then_some(n)
    }
    fn f32(&mut self) -> Option<f32> {
        let a: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(f32::from_le_bytes(a))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).ok()
    }
    fn opt(&mut self, present: bool) -> Option<Option<String>> {
        if present {
            self.str().map(Some)
        } else {
            Some(None)
        }
    }
    fn cpe_match(&mut self) -> Option<CpeMatch> {
        let f = self.u8()?;
        let criteria = self.str()?;
        Some(CpeMatch {
            vulnerable: f & 1 != 0,
            criteria,
            vsi: self.opt(f & 2 != 0)?,
            vse: self.opt(f & 4 != 0)?,
            vei: self.opt(f & 8 != 0)?,
            vee: self.opt(f & 16 != 0)?,
        })
    }
}

/// Decode a summary into the record fields matching uses (`source`, `published`,
/// `modified` are empty; `description` is kept only for BusyBox and Linux kernel records).
pub(crate) fn decode_record(b: &[u8]) -> Option<CveRecord> {
    let mut r = R { b };
    if r.u8()? != TAG {
        return None;
    }
    let id = r.str()?;
    let f = r.u8()?;
    let mut cvss = Cvss::default();
    if f & 1 != 0 {
        cvss.v2 = Some(r.f32()?);
    }
    if f & 2 != 0 {
        cvss.v3 = Some(r.f32()?);
    }
    if f & 4 != 0 {
        cvss.v4 = Some(r.f32()?);
    }
    cvss.vector = r.opt(f & 8 != 0)?;
    let description = r.str()?;
    let n = r.count()?;
    let mut configs = Vec::with_capacity(n);
    for _ in 0..n {
        let and = r.u8()? != 0;
        let k = r.count()?;
        let mut nodes = Vec::with_capacity(k);
        for _ in 0..k {
            let nf = r.u8()?;
            let m = r.count()?;
            let mut matches = Vec::with_capacity(m);
            for _ in 0..m {
                matches.push(r.cpe_match()?);
            }
            nodes.push(Node {
                and: nf & 1 != 0,
                negate: nf & 2 != 0,
                matches,
            });
        }
        configs.push(Config { and, nodes });
    }
    let n = r.count()?;
    let mut packages = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let ecosystem = r.str()?;
        let k = r.count()?;
        let mut versions = Vec::with_capacity(k);
        for _ in 0..k {
            versions.push(r.str()?);
        }
        let k = r.count()?;
        let mut ranges = Vec::with_capacity(k);
        for _ in 0..k {
            let rf = r.u8()?;
            ranges.push((
                r.opt(rf & 1 != 0)?,
                r.opt(rf & 2 != 0)?,
                r.opt(rf & 4 != 0)?,
            ));
        }
        packages.push(Package {
            name,
            ecosystem,
            versions,
            ranges,
        });
    }
    Some(CveRecord {
        id,
        description,
        cvss,
        configs,
        packages,
        ..CveRecord::default()
    })
}

/// Decode an index value.
pub(crate) fn decode_idx(b: &[u8]) -> Option<Vec<IdxEntry>> {
    let mut r = R { b };
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let conditional = r.u8()? != 0;
        let m = r.cpe_match()?;
        out.push(IdxEntry { m, conditional });
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn record() -> CveRecord {
        CveRecord {
            id: "CVE-2021-42386".into(),
            source: "nvd".into(),
            published: "2021-11-15".into(),
            modified: "2023-01-01".into(),
            description: "A use-after-free in Busybox's awk applet".into(),
            cvss: Cvss {
                v2: Some(6.5),
                v3: Some(7.2),
                v4: None,
                vector: Some("CVSS:3.1/AV:N".into()),
            },
            configs: vec![Config {
                and: true,
                nodes: vec![
                    Node {
                        and: false,
                        negate: false,
                        matches: vec![CpeMatch {
                            vulnerable: true,
                            criteria: "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*".into(),
                            vsi: Some("1.16.0".into()),
                            vse: None,
                            vei: Some("1.33.1".into()),
                            vee: None,
                        }],
                    },
                    Node {
                        and: true,
                        negate: true,
                        matches: vec![CpeMatch {
                            vulnerable: false,
                            criteria: "cpe:2.3:h:x:y:-:*:*:*:*:*:*:*".into(),
                            ..CpeMatch::default()
                        }],
                    },
                ],
            }],
            packages: vec![Package {
                name: "busybox".into(),
                ecosystem: "Alpine".into(),
                versions: vec!["1.33.0".into()],
                ranges: vec![(Some("0".into()), Some("1.33.2".into()), None)],
            }],
        }
    }

    #[test]
    fn record_round_trip_keeps_what_matching_needs() {
        let r = record();
        let back = decode_record(&encode_record(&r)).unwrap();
        assert_eq!(
            back,
            CveRecord {
                source: String::new(),
                published: String::new(),
                modified: String::new(),
                ..r.clone()
            }
        );
        // Neither BusyBox nor Linux: the description is not kept.
        let mut other = r;
        other.configs.clear();
        other.packages.clear();
        assert_eq!(
            decode_record(&encode_record(&other)).unwrap().description,
            ""
        );
    }

    #[test]
    fn idx_round_trip_and_truncation() {
        let r = record();
        let entries = vec![IdxEntry {
            m: r.configs[0].nodes[0].matches[0].clone(),
            conditional: true,
        }];
        let b = encode_idx(&entries);
        let back = decode_idx(&b).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].m, entries[0].m);
        assert!(back[0].conditional);
        for cut in 0..b.len() {
            assert!(decode_idx(&b[..cut]).is_none(), "cut at {cut}");
        }
        let s = encode_record(&r);
        for cut in 0..s.len() {
            assert!(decode_record(&s[..cut]).is_none(), "cut at {cut}");
        }
        // A huge count is refused, not allocated.
        assert!(decode_idx(&[0xff, 0xff, 0xff, 0xff, 0]).is_none());
    }
}
