//! Components (COMP): the software bill of materials of an image — package databases,
//! version signatures in binaries, and the product itself (device and firmware).
//!
//! Owns: the COMP checks (one file each), the signature rule engine (`signatures`, rules in
//! `data/components.toml`), BusyBox applet extraction (`busybox`), the Linux kernel's
//! symbols (`kallsyms`, `kernel`) and deduplication per
//! (name, version). Produces [`Component`]s, not findings. Never does: match components to
//! vulnerabilities (the `baseline-vulndb` crate does).

pub mod busybox;
pub mod device;
pub mod kallsyms;
pub mod kernel;
pub mod packages;
pub mod signatures;

use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::{Component, Confidence};
use baseline_unpack::{NodeId, NodeKind};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(crate) type Sig = signatures::Signatures;

/// Every COMP check, in code order.
pub const CHECKS: &[&CheckInfo] = &[&packages::INFO, &signatures::INFO, &device::INFO];

/// Files larger than this are not scanned for signatures (kernels and rootfs members are
/// far smaller; bigger leaves are undecoded blobs).
const MAX_SCAN: usize = 64 * 1024 * 1024;

/// A CPE 2.3 string (`*` for unknown fields), lower-case, with CPE escaping.
pub fn cpe_string(part: &str, vendor: &str, product: &str, version: Option<&str>) -> String {
    let esc = |s: &str| {
        let mut o = String::new();
        for c in s.trim().chars() {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                o.push(c.to_ascii_lowercase());
            } else if c == ' ' {
                o.push('_');
            } else {
                o.push('\\');
                o.push(c);
            }
        }
        o
    };
    let v = version.map_or_else(|| "*".to_owned(), esc);
    format!(
        "cpe:2.3:{part}:{}:{}:{v}:*:*:*:*:*:*:*",
        esc(vendor),
        esc(product)
    )
}

/// A package URL (`pkg:generic/busybox@1.01`), built and percent-encoded by the
/// `packageurl` crate (the purl specification's encoding rules), with an optional namespace
/// and qualifiers. `None` when the parts cannot make a purl (an empty name or type).
pub fn purl(
    kind: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let mut p = packageurl::PackageUrl::new(kind, name).ok()?;
    if let Some(ns) = namespace {
        p.with_namespace(ns);
    }
    if let Some(v) = version {
        p.with_version(v);
    }
    for (k, v) in qualifiers {
        p.add_qualifier(*k, *v).ok()?;
    }
    Some(p.to_string())
}

/// A package URL of `kind` (`pkg:generic/busybox@1.01`); see [`purl`].
pub fn purl_string(kind: &str, name: &str, version: Option<&str>) -> String {
    purl(kind, None, name, version, &[]).unwrap_or_default()
}

/// Leaves worth scanning: file-system files, and streams/regions with no children
/// (decompressed kernels, raw partitions), never carves inside files.
pub(crate) fn leaves(ctx: &Context<'_>) -> Vec<NodeId> {
    ctx.tree
        .iter()
        .filter(|(id, n)| {
            // A file whose only children are carves (images, PEM blocks) is still a leaf; the
            // carves themselves are views of its bytes.
            !ctx.tree.is_view(*id)
                && n.children.iter().all(|c| ctx.tree.is_view(*c))
                && matches!(
                    n.kind,
                    NodeKind::File | NodeKind::Stream | NodeKind::Region | NodeKind::Input
                )
                && n.data.len() <= MAX_SCAN
        })
        .map(|(id, _)| id)
        .collect()
}

/// Run the COMP checks with their own content pass: add components to `out`.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let scan = crate::scan::Scan::run(ctx, crate::scan_sources());
    run_with(ctx, &scan, out);
}

/// Run the COMP checks on the analysers' shared content pass: add components to `out`.
pub fn run_with(ctx: &Context<'_>, shared: &crate::scan::Scan, out: &mut AnalysisOutput) {
    let mut comps = Vec::new();
    let sig = match Sig::bundled() {
        Ok(s) => Some(s),
        Err(e) => {
            out.notices.push(baseline_model::Notice::new(
                baseline_model::NoticeKind::Analysis,
                Some("COMP-002"),
                format!("signature rules did not load: {e}"),
            ));
            None
        }
    };
    packages::collect(ctx, sig, &mut comps);
    if let Some(sig) = sig {
        scan(ctx, sig, shared, &mut comps);
    }
    device::from_headers(ctx, &mut comps);
    out.components.extend(dedup(comps));
}

fn scan(ctx: &Context<'_>, sig: &Sig, shared: &crate::scan::Scan, comps: &mut Vec<Component>) {
    let ids = leaves(ctx);
    let found: Vec<(NodeId, Vec<signatures::Hit>)> = ids
        .par_iter()
        .filter_map(|&id| {
            let n = ctx.tree.get(id)?;
            // The shared pass found the anchors; without it (no bundled rules in it), scan here.
            let hits = if shared.with_comp {
                let anchors = shared.comp.get(&id).map_or(&[][..], Vec::as_slice);
                sig.scan_anchors(&n.name, &n.data, anchors.iter().copied())
            } else {
                sig.scan(&n.name, &n.data)
            };
            (!hits.is_empty()).then_some((id, hits))
        })
        .collect();
    let mods = std::sync::OnceLock::new();
    for (id, hits) in found {
        let Some(node) = ctx.tree.get(id) else {
            continue;
        };
        let sha = hex::encode(Sha256::digest(&node.data));
        // A kernel image (not a module's vermagic): what it was built with.
        let is_kernel = hits.iter().any(|h| {
            sig.rules
                .get(h.rule)
                .is_some_and(|r| r.product == "linux_kernel")
        }) && memchr::memmem::find(&node.data, b"Linux version ").is_some();
        let linux = if is_kernel {
            kernel::properties(ctx, id, &node.data, &mods)
        } else {
            None
        };
        for h in hits {
            let Some(rule) = sig.rules.get(h.rule) else {
                continue;
            };
            let (cpe, purl) = sig.ids(rule, h.version.as_deref());
            let mut ev = ctx.evidence(id).excerpt(h.excerpt.clone());
            if let Some(o) = h.offset {
                ev = ev.offset(o);
            }
            let mut properties = BTreeMap::new();
            properties.insert("source".to_owned(), "signature".to_owned());
            properties.insert("sha256".to_owned(), sha.clone());
            if rule.product == "busybox" {
                if let Some(a) = busybox::applets(&node.data) {
                    properties.insert("busybox:applets".to_owned(), a.join(","));
                }
            }
            if rule.product == "linux_kernel" {
                if let Some(l) = &linux {
                    properties.extend(l.clone());
                }
            }
            comps.push(Component {
                name: rule.name.clone(),
                version: h.version.clone(),
                purl: Some(purl),
                cpe: Some(cpe),
                evidence: vec![ev],
                confidence: if h.named {
                    Confidence::High
                } else {
                    Confidence::Medium
                },
                kind: rule.kind.clone(),
                vendor: Some(rule.vendor.clone()),
                properties,
            });
        }
    }
}

/// One component per (name, version): evidence merged, highest confidence kept; a
/// versionless sighting is dropped when the same name was seen with a version.
pub fn dedup(comps: Vec<Component>) -> Vec<Component> {
    let mut by: BTreeMap<(String, Option<String>), Component> = BTreeMap::new();
    for c in comps {
        let key = (c.name.clone(), c.version.clone());
        match by.get_mut(&key) {
            Some(e) => {
                e.confidence = e.confidence.max(c.confidence);
                for ev in c.evidence {
                    if !e.evidence.contains(&ev) && e.evidence.len() < 32 {
                        e.evidence.push(ev);
                    }
                }
                for (k, v) in c.properties {
                    e.properties.entry(k).or_insert(v);
                }
            }
            None => {
                by.insert(key, c);
            }
        }
    }
    let versioned: std::collections::BTreeSet<String> = by
        .keys()
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| n.clone())
        .collect();
    by.into_iter()
        .filter(|((n, v), _)| v.is_some() || !versioned.contains(n))
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests;
