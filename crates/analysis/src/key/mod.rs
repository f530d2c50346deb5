//! Keys and certificates (KEY): private keys of every common encoding embedded in the image,
//! keys known to be public (compromised), the same key in several inputs, and certificates.
//!
//! Owns: the KEY checks (one file each) and key-material recognition (`der`, `material`).
//! Never does: judge TLS configuration or cipher suites (the CRYPTO family does).

pub mod der;
pub mod material;

mod certificate;
mod known_compromised_key;
mod private_key;
mod shared_private_key;

use crate::scan::{Pattern, Scan};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_unpack::NodeId;
use material::{Kind, Material};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Every KEY check, in code order.
pub const CHECKS: &[&CheckInfo] = &[
    &private_key::INFO,
    &known_compromised_key::INFO,
    &shared_private_key::INFO,
    &certificate::INFO,
];

/// Run every KEY check with its own scan of the tree.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let scan = Scan::run(ctx, crate::scan_sources());
    run_with(ctx, &scan, out);
}

/// One piece of material found in one node.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub node: NodeId,
    pub input: NodeId,
    pub m: Material,
}

/// Files given as DER by name, or small files that are exactly one DER object.
fn der_candidate(name: &str, data: &[u8]) -> bool {
    let n = name.to_ascii_lowercase();
    let named = [
        ".der", ".cer", ".crt", ".key", ".p12", ".pfx", ".p8", ".pk8",
    ]
    .iter()
    .any(|e| n.ends_with(e));
    let exact = data.len() <= 64 * 1024
        && der::expect(data, der::SEQUENCE).is_some_and(|t| t.total == data.len());
    data.first() == Some(&0x30) && (named || exact)
}

/// Every validated piece of key material in the tree.
pub(crate) fn collect(ctx: &Context<'_>, scan: &Scan) -> Vec<Found> {
    let leaves = crate::scan::leaves(ctx);
    let mut found: Vec<Found> = leaves
        .par_iter()
        .flat_map_iter(|id| {
            let mut v = Vec::new();
            let Some(n) = ctx.tree.get(*id) else { return v };
            let input = ctx.tree.input_of(*id);
            let mut push = |m: Material| {
                v.push(Found {
                    node: *id,
                    input,
                    m,
                })
            };
            if let Some(h) = scan.nodes.get(id) {
                for &o in h.offsets(Pattern::PemBegin) {
                    if let Some(m) = usize::try_from(o)
                        .ok()
                        .and_then(|o| material::from_pem(&n.data, o))
                    {
                        push(m);
                    }
                }
                for &o in h.offsets(Pattern::Putty) {
                    if let Some(m) = usize::try_from(o)
                        .ok()
                        .and_then(|o| material::from_putty(&n.data, o))
                    {
                        push(m);
                    }
                }
                for p in [
                    Pattern::DropbearRsa,
                    Pattern::DropbearDss,
                    Pattern::DropbearEcdsa,
                    Pattern::DropbearEd25519,
                ] {
                    for &o in h.offsets(p) {
                        if let Some(m) = usize::try_from(o)
                            .ok()
                            .and_then(|o| material::from_dropbear(&n.data, o))
                        {
                            push(m);
                        }
                    }
                }
            }
            if der_candidate(&n.name, &n.data) {
                if let Some(mut m) = material::from_der(&n.data) {
                    m.preview = String::new();
                    m.len = n.data.len();
                    push(m);
                }
            }
            v
        })
        .collect();
    found.sort_by_key(|f| (f.node, f.m.offset));
    found
}

pub fn run_with(ctx: &Context<'_>, scan: &Scan, out: &mut AnalysisOutput) {
    let found = collect(ctx, scan);
    let known = known_compromised_key::table();
    let keys: Vec<&Found> = found
        .iter()
        .filter(|f| f.m.kind == Kind::PrivateKey)
        .collect();
    private_key::check(ctx, &keys, &known, out);
    known_compromised_key::check(ctx, &found, &known, out);
    shared_private_key::check(ctx, &keys, out);
    let certs: Vec<&Found> = found
        .iter()
        .filter(|f| f.m.kind == Kind::Certificate)
        .collect();
    certificate::check(ctx, &certs, out);
}

pub(crate) use crate::finding;

/// Evidence for a piece of material, with a redacted excerpt.
pub(crate) fn evidence(ctx: &Context<'_>, f: &Found) -> baseline_model::Evidence {
    let mut excerpt = format!("{} {} {}", f.m.container, f.m.key_type, f.m.fingerprint);
    if !f.m.preview.is_empty() {
        excerpt.push_str(&format!(" ({})", ctx.redact(&f.m.preview)));
    }
    ctx.evidence(f.node).offset(f.m.offset).excerpt(excerpt)
}

/// Common key details.
pub(crate) fn details(f: &Found, d: &mut BTreeMap<String, serde_json::Value>) {
    use serde_json::json;
    d.insert("container".into(), json!(f.m.container));
    d.insert("key_type".into(), json!(f.m.key_type));
    d.insert("bits".into(), json!(f.m.bits));
    if let Some(c) = f.m.curve {
        d.insert("curve".into(), json!(c));
    }
    d.insert("fingerprint".into(), json!(f.m.fingerprint));
    d.insert("encrypted".into(), json!(f.m.encrypted));
}

#[cfg(test)]
mod tests;
