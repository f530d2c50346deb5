//! Firmware analysers over the unpacked [`ArtifactTree`], one module per finding family
//! (`cred`, `key`, `svc`, `upd`, `crypto`, `hard`, `comp`), one file per check.
//!
//! Owns: turning tree contents into [`Finding`]s and [`Component`]s with evidence.
//! Never does: rendering, printing, network access, writing files.
//!
//! Each check is described once by a [`CheckInfo`] of the model's registry (code, name,
//! severity, what it checks, the requirements it informs, known false positives,
//! references); [`checks`] lists this crate's, and `baseline checks` and docs/checks.md are
//! generated from the whole registry.

#![warn(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]

pub mod comp;
pub mod context;
pub mod cred;
pub mod crypto;
pub mod hard;
pub mod key;
pub mod scan;
pub mod svc;
#[cfg(any(test, feature = "test-util"))]
pub mod testutil;
pub mod upd;

pub use context::{Context, Options};

use baseline_model::{Component, Finding};
use baseline_unpack::ArtifactTree;

pub use baseline_model::checks::{CheckInfo, Doc};

/// The patterns and node choices UPD and COMP put into the shared content pass: registered
/// here, at the root, so that `scan` depends on no family.
pub fn scan_sources() -> &'static scan::Sources {
    static SOURCES: std::sync::OnceLock<scan::Sources> = std::sync::OnceLock::new();
    SOURCES.get_or_init(|| {
        let sig = comp::signatures::Signatures::bundled().ok();
        scan::Sources {
            upd_strings: upd::CODE_STRINGS,
            upd_searched: upd::searched,
            comp_leaves: comp::leaves,
            comp_anchors: sig
                .map(|s| {
                    s.rules
                        .iter()
                        .enumerate()
                        .flat_map(|(i, r)| r.anchors.iter().map(move |a| (a.as_str(), i)))
                        .collect()
                })
                .unwrap_or_default(),
            comp_rules: sig.map_or(0, |s| s.rules.len()),
            comp_max_tries: comp::signatures::Signatures::MAX_TRIES_PER_RULE,
        }
    })
}

/// A finding of `info`'s code with its name and requirements: every family's findings are
/// built here, through the registry entry ([`CheckInfo::finding`]).
pub(crate) fn finding(
    info: &CheckInfo,
    severity: baseline_model::Severity,
    confidence: baseline_model::Confidence,
    title: String,
) -> Finding {
    info.finding(severity, confidence, title)
}

/// What the analysers produced for one product.
#[derive(Debug, Clone, Default)]
pub struct AnalysisOutput {
    pub findings: Vec<Finding>,
    pub components: Vec<Component>,
    /// Things an analyser could not do (recorded as inconclusive, the run goes on).
    pub notices: Vec<baseline_model::Notice>,
    /// Wall time of the shared scan, of each family (they overlap) and of the whole analysis
    /// (for `BASELINE_TIMINGS`; not part of any report).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Every check of the firmware families, in code order (the whole registry, with the
/// DISC, SUPP and VULN codes of the other crates, is `baseline_pipeline::registry`).
pub fn checks() -> Vec<CheckInfo> {
    let mut all: Vec<CheckInfo> = Vec::new();
    for family in [
        cred::CHECKS,
        key::CHECKS,
        svc::CHECKS,
        hard::CHECKS,
        upd::CHECKS,
        crypto::CHECKS,
        comp::CHECKS,
    ] {
        all.extend(family.iter().map(|c| **c));
    }
    all.sort_by_key(|c| c.code);
    all
}

/// Build the compiled tables the analysers share (component signature rules and the shared
/// content pass's automaton, about 30 ms) so a caller can do it on another thread while it unpacks.
/// [`analyse`] builds them itself when this was not called.
pub fn warm_up() {
    let _ = comp::signatures::Signatures::bundled();
    scan::warm_up(scan_sources());
}

/// Run every analyser family over `tree`.
///
/// The families are independent (each reads the tree, the options and the shared content
/// scan, and writes only its own output), so they run side by side on the thread pool; their
/// outputs are merged in the fixed order below, so the result does not depend on scheduling.
pub fn analyse(tree: &ArtifactTree, options: &Options) -> AnalysisOutput {
    use rayon::prelude::*;
    type Family = fn(&Context<'_>, &scan::Scan, &mut AnalysisOutput);
    const FAMILIES: &[(&str, Family)] = &[
        ("cred", cred::run_with),
        ("key", key::run_with),
        ("svc", |c, _, o| svc::run(c, o)),
        ("hard", |c, _, o| hard::run(c, o)),
        ("upd", upd::run_with),
        ("crypto", crypto::run_with),
        ("comp", comp::run_with),
    ];
    let ctx = Context::new(tree, options);
    let mut out = AnalysisOutput::default();
    let started = std::time::Instant::now();
    // One content pass shared by the CRED, KEY, CRYPTO, UPD and COMP families.
    let scan = scan::Scan::run(&ctx, scan_sources());
    out.timings.push(("scan", started.elapsed()));
    let parts: Vec<(&'static str, std::time::Duration, AnalysisOutput)> = FAMILIES
        .par_iter()
        .map(|(name, run)| {
            let t = std::time::Instant::now();
            let mut o = AnalysisOutput::default();
            run(&ctx, &scan, &mut o);
            (*name, t.elapsed(), o)
        })
        .collect();
    for (name, took, part) in parts {
        out.findings.extend(part.findings);
        out.components.extend(part.components);
        out.notices.extend(part.notices);
        out.timings.push((name, took));
    }
    out.timings.push(("analyse", started.elapsed()));
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}
