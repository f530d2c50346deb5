//! Credentials (CRED): account databases and their password states, password recovery
//! against a bundled default-credential dictionary, login-less shells, web password files,
//! credentials baked into configuration, and the same credential across several inputs.
//!
//! Owns: the CRED checks (one file each) and their shared machinery (`accounts`, `crypt`,
//! `dict`, `crack`; the content pass is `crate::scan`). Never does: report on services as such (the SVC family does);
//! only the credential aspect of a service is reported here.

pub mod accounts;
pub mod crack;
pub mod crypt;
pub mod dict;

mod config_credential;
mod empty_password;
mod fixed_password_hash;
mod hardcoded_credential;
mod loginless_shell;
mod per_unit_secret;
mod runtime_account_db;
mod shared_credential;
mod web_password_file;

use crate::scan::Scan;
use crate::{AnalysisOutput, CheckInfo, Context};
use accounts::{Account, PwState};
use baseline_model::Evidence;
use baseline_unpack::NodeId;
use std::collections::{BTreeMap, BTreeSet};

/// Every CRED check, in code order.
pub const CHECKS: &[&CheckInfo] = &[
    &fixed_password_hash::INFO,
    &empty_password::INFO,
    &runtime_account_db::INFO,
    &loginless_shell::INFO,
    &web_password_file::INFO,
    &config_credential::INFO,
    &hardcoded_credential::INFO,
    &shared_credential::INFO,
    &per_unit_secret::INFO,
];

/// Run every CRED check with its own scan of the tree.
pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let scan = Scan::run(ctx, crate::scan_sources());
    run_with(ctx, &scan, out);
}

/// A secret value seen in one input, for comparing inputs (CRED-010/011).
#[derive(Debug, Clone)]
pub(crate) struct Secret {
    /// What kind of secret (`password-hash`, `web-password`, `config:wifi-key`…).
    pub kind: String,
    /// Where, independent of the input (`/etc/shadow#root`), to tell per-unit values apart.
    pub locator: String,
    pub value: String,
    pub input: NodeId,
    pub evidence: Evidence,
}

/// State shared by the CRED checks of one run.
pub(crate) struct CredRun<'a, 'b> {
    pub ctx: &'a Context<'b>,
    pub scan: &'a Scan,
    pub accounts: Vec<Account>,
    /// hash → recovery outcome.
    pub cracked: BTreeMap<String, crack::Outcome>,
    pub secrets: Vec<Secret>,
}

/// Run every CRED check using an existing scan (so KEY and CRED share one pass).
pub fn run_with(ctx: &Context<'_>, scan: &Scan, out: &mut AnalysisOutput) {
    let accounts = accounts::collect(ctx, scan);
    let web = web_password_file::collect(ctx);
    let mut run = CredRun {
        ctx,
        scan,
        accounts,
        cracked: BTreeMap::new(),
        secrets: Vec::new(),
    };
    run.cracked = recover(ctx, &run.accounts, &web);
    let late = run
        .cracked
        .values()
        .filter(|o| matches!(o, crack::Outcome::OutOfTime { .. }))
        .count();
    if late > 0 {
        out.notices.push(baseline_model::Notice::new(
            baseline_model::NoticeKind::Analysis,
            Some("CRED"),
            format!(
                "password recovery budget ({} s) ran out before {late} hash(es) were fully \
                 tried; their findings stand, recovery is inconclusive (raise --crack-budget)",
                ctx.options.crack_budget.as_secs()
            ),
        ));
    }
    fixed_password_hash::check(&mut run, out);
    empty_password::check(&mut run, out);
    runtime_account_db::check(&mut run, out);
    loginless_shell::check(&mut run, out);
    web_password_file::check(&mut run, &web, out);
    config_credential::check(&mut run, out);
    hardcoded_credential::check(&mut run, out);
    shared_credential::check(&run, out);
    per_unit_secret::check(&run, out);
}

/// Crack every fixed hash: login-capable root accounts first, then other login-capable
/// accounts, then the rest, all within one budget.
fn recover(
    ctx: &Context<'_>,
    accounts: &[Account],
    web: &[web_password_file::WebEntry],
) -> BTreeMap<String, crack::Outcome> {
    let mut targets: Vec<(u8, crack::Target)> = Vec::new();
    for a in accounts {
        if let PwState::Hash(_) = a.state {
            let rank = match (a.login_capable, a.uid == Some(0) || a.user == "root") {
                (Some(false), _) => 3,
                (_, true) => 0,
                _ => 1,
            };
            targets.push((
                rank,
                crack::Target {
                    hash: a.password.clone(),
                    user: a.user.clone(),
                },
            ));
        }
    }
    for w in web {
        targets.push((
            2,
            crack::Target {
                hash: w.password.clone(),
                user: w.user.clone(),
            },
        ));
    }
    targets.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.hash.cmp(&b.1.hash)));
    let targets: Vec<crack::Target> = targets.into_iter().map(|(_, t)| t).collect();
    if targets.is_empty() {
        return BTreeMap::new();
    }
    let dict = dict::Dictionary::bundled();
    let hints = dict.vendor_hints(&identity_text(ctx));
    crack::crack(
        &targets,
        &dict,
        &hints,
        &ctx.options.wordlist,
        ctx.options.crack_budget,
    )
}

/// Text that names the product's vendor: input names and small identity files.
fn identity_text(ctx: &Context<'_>) -> String {
    let mut s = String::new();
    for r in ctx.tree.roots() {
        if let Some(n) = ctx.tree.get(*r) {
            s.push_str(&n.name);
            s.push('\n');
        }
    }
    for (id, path) in ctx.fs_files() {
        let interesting = matches!(
            path.as_str(),
            "/etc/banner"
                | "/etc/issue"
                | "/etc/version"
                | "/etc/openwrt_release"
                | "/etc/os-release"
        ) || path.ends_with("_release")
            || path.ends_with("/version");
        if !interesting {
            continue;
        }
        if let Some(n) = ctx.tree.get(id) {
            if n.data.len() <= 64 * 1024 {
                s.push_str(&String::from_utf8_lossy(&n.data));
                s.push('\n');
            }
        }
    }
    s
}

pub(crate) use crate::finding;

/// `line` with every occurrence of `secret` redacted (unless `--show-secrets`).
pub(crate) fn redact_in(ctx: &Context<'_>, line: &str, secret: &str) -> String {
    let line: String = line.chars().take(240).collect();
    if secret.is_empty() || ctx.options.show_secrets {
        return line;
    }
    line.replace(secret, &ctx.redact(secret))
}

/// Evidence for a line of a node.
pub(crate) fn line_evidence(
    ctx: &Context<'_>,
    node: NodeId,
    line: u32,
    offset: u64,
    excerpt: String,
) -> Evidence {
    ctx.evidence(node)
        .line(line)
        .offset(offset)
        .excerpt(excerpt)
}

/// Names of the inputs a set of node ids comes from, sorted.
pub(crate) fn input_names(ctx: &Context<'_>, inputs: &BTreeSet<NodeId>) -> Vec<String> {
    let mut v: Vec<String> = inputs
        .iter()
        .filter_map(|i| ctx.tree.get(*i).map(|n| n.name.clone()))
        .collect();
    v.sort();
    v
}

/// The recovered plaintext for display: redacted unless `--show-secrets`.
pub(crate) fn shown(ctx: &Context<'_>, plain: &str) -> String {
    if plain.is_empty() {
        "(empty)".to_owned()
    } else {
        ctx.redact(plain)
    }
}

#[cfg(test)]
mod tests;

/// Whether a file name is one of CRED-005's web password files (skipped by CRED-006).
pub(crate) fn web_password_file_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("htpasswd") || n.ends_with(".user") || n == "httpd.conf"
}
