//! Weak cryptography (CRYPTO): password hashes in weak formats, the TLS libraries present,
//! TLS/SSH configurations that allow obsolete protocols or ciphers, and fixed symmetric keys in
//! configuration files.
//!
//! Owns: the CRYPTO checks, one file each. Never does: parse account databases (it calls the
//! CRED family's `accounts::collect`), identify library versions (the components family does)
//! or report the credential itself (CRED-001 does).

mod symmetric_key;
mod tls_config;
mod tls_library;
mod weak_password_hash;

use crate::scan::Scan;
use crate::{AnalysisOutput, CheckInfo, Context};

/// Every CRYPTO check, in code order.
pub const CHECKS: &[&CheckInfo] = &[
    &weak_password_hash::INFO,
    &tls_library::INFO,
    &tls_config::INFO,
    &symmetric_key::INFO,
];

/// Config files larger than this are not read.
pub(crate) const MAX_CONFIG: usize = 512 * 1024;

/// Run every CRYPTO check with its own content scan.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let scan = Scan::run(ctx, crate::scan_sources());
    run_with(ctx, &scan, out);
}

/// Run every CRYPTO check reusing the CRED/KEY scan.
pub fn run_with(ctx: &Context<'_>, scan: &Scan, out: &mut AnalysisOutput) {
    weak_password_hash::check(ctx, scan, out);
    tls_library::check(ctx, out);
    tls_config::check(ctx, out);
    symmetric_key::check(ctx, out);
}

pub(crate) use crate::finding;

/// Text of a small file, for config parsing.
pub(crate) fn small_text(ctx: &Context<'_>, id: baseline_unpack::NodeId) -> Option<String> {
    let n = ctx.tree.get(id)?;
    if n.data.len() > MAX_CONFIG || n.data.contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&n.data).into_owned())
}

#[cfg(test)]
mod tests;

pub(crate) fn input_name(ctx: &Context<'_>, id: baseline_unpack::NodeId) -> String {
    ctx.tree
        .get(ctx.tree.input_of(id))
        .map(|n| n.name.clone())
        .unwrap_or_default()
}
