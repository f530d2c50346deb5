//! Update mechanism and integrity (UPD): evidence that the product can be updated (update
//! clients, upgrade CGI handlers, `sysupgrade`, OTA/A-B slots), evidence that updates are
//! signed (FIT signatures, verification keys and tools) and update URLs over plain HTTP.
//!
//! Owns: one indicator pass over the tree (file names, a few strings in update programs,
//! node names and attributes) and the UPD checks, one file each. Never does: decide that an
//! update is verified. Verification happens in code at run time; static evidence can only
//! show that the pieces exist, and every UPD finding says so in `details.static_limit`.

mod http_update_url;
mod update_mechanism;
mod update_signature;

pub(crate) use update_mechanism::{searched, STRINGS as CODE_STRINGS};

use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::Evidence;
use baseline_unpack::NodeId;
use std::collections::BTreeMap;

/// Every UPD check, in code order.
pub const CHECKS: &[&CheckInfo] = &[
    &update_mechanism::INFO,
    &update_signature::INFO,
    &http_update_url::INFO,
];

/// Files larger than this are not searched for strings.
pub(crate) const MAX_SEARCH: usize = 8 << 20;

pub(crate) const STATIC_LIMIT: &str = "whether the device offers, fetches and verifies updates is decided by code at run time; firmware analysis shows only which pieces exist — confirm by test (TS 103 701 5.3) or the manufacturer's answers";

/// One piece of update evidence.
#[derive(Debug, Clone)]
pub(crate) struct Indicator {
    pub node: NodeId,
    pub kind: &'static str,
    pub what: String,
}

/// Indicators per input name.
pub(crate) type ByInput = BTreeMap<String, Vec<Indicator>>;

pub(crate) fn input_name(ctx: &Context<'_>, id: NodeId) -> String {
    ctx.tree
        .get(ctx.tree.input_of(id))
        .map(|n| n.name.clone())
        .unwrap_or_default()
}

/// Run every UPD check.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let scan = crate::scan::Scan::run(ctx, crate::scan_sources());
    run_with(ctx, &scan, out);
}

/// Run every UPD check on the analysers' shared content pass.
pub fn run_with(ctx: &Context<'_>, scan: &crate::scan::Scan, out: &mut AnalysisOutput) {
    let mech = update_mechanism::collect(ctx, &scan.upd);
    update_mechanism::check(ctx, &mech, out);
    update_signature::check(ctx, &mech, out);
    http_update_url::check(ctx, out);
}

pub(crate) use crate::finding;

pub(crate) fn indicator_evidence(ctx: &Context<'_>, i: &Indicator) -> Evidence {
    ctx.evidence(i.node).note(format!("{}: {}", i.kind, i.what))
}

#[cfg(test)]
mod tests;
