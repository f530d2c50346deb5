//! Firmware analysers over the unpacked [`ArtifactTree`], one module per finding family
//! (`cred`, `key`, `svc`, `upd`, `crypto`, `hard`, `comp`), one file per check, and the
//! registry entries of `vuln` (whose findings `baseline-vulndb` produces).
//!
//! Owns: turning tree contents into [`Finding`]s and [`Component`]s with evidence.
//! Never does: rendering, printing, network access, writing files.
//!
//! Each check is described once by a [`CheckInfo`] (code, name, what it checks, the
//! requirements it informs, known false positives, references); [`checks`] lists them all
//! and the CLI's `baseline checks` documentation is generated from that list.

#![warn(clippy::unwrap_used, clippy::indexing_slicing, clippy::expect_used)]

pub mod comp;
pub mod context;
pub mod cred;
pub mod crypto;
pub mod hard;
pub mod key;
pub mod svc;
#[cfg(any(test, feature = "test-util"))]
pub mod testutil;
pub mod upd;
pub mod vuln;

pub use context::{Context, Options};

use baseline_model::{Component, Finding};
use baseline_unpack::ArtifactTree;

/// Static description of one check (one finding code).
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// `FAMILY-NNN`.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// One line: what it reports.
    pub summary: &'static str,
    /// Requirement references it informs (`en303645:5.1-1`, `psti:sch1-p1`).
    pub requirements: &'static [&'static str],
    /// Markdown: what it checks, why it matters, evidence, known false positives, references.
    pub doc: &'static str,
}

/// What the analysers produced for one product.
#[derive(Debug, Clone, Default)]
pub struct AnalysisOutput {
    pub findings: Vec<Finding>,
    pub components: Vec<Component>,
    /// Things an analyser could not do (recorded as inconclusive, the run goes on).
    pub notices: Vec<String>,
}

/// Every check, in code order.
pub fn checks() -> Vec<&'static CheckInfo> {
    let mut all: Vec<&'static CheckInfo> = Vec::new();
    all.extend(cred::CHECKS.iter().copied());
    all.extend(key::CHECKS.iter().copied());
    all.extend(svc::CHECKS.iter().copied());
    all.extend(hard::CHECKS.iter().copied());
    all.extend(upd::CHECKS.iter().copied());
    all.extend(crypto::CHECKS.iter().copied());
    all.extend(comp::CHECKS.iter().copied());
    all.extend(vuln::CHECKS.iter().copied());
    all.sort_by_key(|c| c.code);
    all
}

/// Run every analyser family over `tree`.
pub fn analyse(tree: &ArtifactTree, options: &Options) -> AnalysisOutput {
    let ctx = Context::new(tree, options);
    let mut out = AnalysisOutput::default();
    // One content pass shared by the CRED and KEY families.
    let scan = cred::scan::Scan::run(&ctx);
    cred::run_with(&ctx, &scan, &mut out);
    key::run_with(&ctx, &scan, &mut out);
    svc::run(&ctx, &mut out);
    hard::run(&ctx, &mut out);
    upd::run(&ctx, &mut out);
    crypto::run_with(&ctx, &scan, &mut out);
    comp::run(&ctx, &mut out);
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}
