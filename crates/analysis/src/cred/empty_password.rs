//! CRED-002 `empty-password`.

use super::accounts::PwState;
use super::{finding, line_evidence, CredRun, Secret};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-002",
    name: "empty-password",
    severity: Severity::Critical,
    summary: "A login-capable account has an empty password",
    requirements: &["psti:sch1-p1", "en303645:5.1-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** Account databases (as CRED-001) for accounts whose password field is empty.

**Why it matters.** An empty password is worse than a universal default password: no guess is \
needed at all. Every unit shipped with the image accepts the account with no password on any \
service that authenticates against the account database (serial console, telnet, SSH with \
empty passwords permitted, FTP, the web interface).

**Evidence.** The database file and line; details: `account`, `uid`, `shell`, `login_capable`.

**Known false positives.** Stock OpenWrt ships `root::…` and relies on the first configuration \
(LuCI or `passwd`) to set one; Baseline still reports it, because until then every unit accepts \
it. Accounts without a login shell are reported at low severity.

**References.** PSTI Regulations 2023 Schedule 1 §1; ETSI EN 303 645 V2.1.1 provision 5.1-1.",
    ),
};

pub(super) fn check(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for a in &run.accounts {
        if a.state != PwState::Empty {
            continue;
        }
        let login = a.login_capable != Some(false);
        let (sev, title) = if login {
            (
                Severity::Critical,
                format!("Account '{}' can log in with an empty password", a.user),
            )
        } else {
            (
                Severity::Low,
                format!(
                    "Account '{}' has an empty password (no login shell)",
                    a.user
                ),
            )
        };
        let mut f = finding(&INFO, sev, Confidence::High, title);
        for e in &a.seen {
            f.evidence.push(line_evidence(
                ctx,
                e.node,
                e.line,
                e.offset,
                e.raw.chars().take(240).collect(),
            ));
        }
        f.details.insert("account".into(), json!(a.user));
        f.details.insert("uid".into(), json!(a.uid));
        f.details.insert("password_state".into(), json!("empty"));
        f.details.insert("shell".into(), json!(a.shell));
        f.details
            .insert("login_capable".into(), json!(a.login_capable));
        f.details.insert("embedded".into(), json!(a.embedded));
        out.findings.push(f);
        if let Some(e) = a.seen.first() {
            let path = ctx.tree.fs_path(e.node).unwrap_or_default();
            run.secrets.push(Secret {
                kind: "empty-password".into(),
                locator: format!("{path}#{}", a.user),
                value: String::new(),
                input: a.input,
                evidence: ctx.evidence(e.node).line(e.line),
            });
        }
    }
}
