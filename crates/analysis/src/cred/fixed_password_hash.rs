//! CRED-001 `fixed-password-hash`.

use super::accounts::{Account, PwState};
use super::crack::Outcome;
use super::{finding, line_evidence, redact_in, shown, CredRun, Secret};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-001",
    name: "fixed-password-hash",
    severity: Severity::Critical,
    summary:
        "An account has a fixed password hash baked into the image (a universal default password)",
    requirements: &["psti:sch1-p1", "en303645:5.1-1", "en303645:5.1-2"],
    doc: Doc::Markdown(
        "\
**What it checks.** Every account database in every extracted file system (`passwd`, `shadow`, \
their backups `passwd-`, `shadow.bak`, `passwd.bak`…, BusyBox and OpenWrt layouts): an account \
whose password field holds a hash.

**Why it matters.** The hash is in the image, so every unit built from it has the same password: \
a universal default password (PSTI Schedule 1 paragraph 1, EN 303 645 5.1-1). This holds whether \
or not Baseline recovers the plaintext; recovery against the bundled default-credential \
dictionary (and `--wordlist`) raises the severity to critical because the password is then public.

**Evidence.** The database file, line and a redacted excerpt; details: `account`, `uid`, \
`hash_format`, `shell`, `login_capable`, `recovered`, `password` (redacted unless \
`--show-secrets`), `recovery` (recovered, exhausted, out-of-time, not-attempted), \
`hash_fingerprint` (`sha256:` and the SHA-256 of the whole hash string, salt included: the same \
value in two images means the same password hash, which a sweep reports across products; it \
reveals neither the salt nor the hash).

**Known false positives.** Images whose first boot forces a password change before any service \
accepts the hash; accounts without a login shell that nothing else authenticates against \
(reported at low severity with `login_capable: false`). Templates that the device regenerates \
with per-unit values at first boot.

**References.** PSTI Regulations 2023 Schedule 1 §1; ETSI EN 303 645 V2.1.1 provisions 5.1-1, \
5.1-2; TS 103 701 test group 5.1.",
    ),
};

pub(super) fn check(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for a in run.accounts.iter().filter(|a| !a.embedded) {
        let PwState::Hash(fmt) = a.state else {
            continue;
        };
        let outcome = run.cracked.get(&a.password);
        let f = report(run, a, fmt.as_str(), outcome, &INFO);
        out.findings.push(f);
        let primary = a.seen.first();
        if let Some(e) = primary {
            let path = ctx.tree.fs_path(e.node).unwrap_or_default();
            run.secrets.push(Secret {
                kind: "password-hash".into(),
                locator: format!("{path}#{}", a.user),
                value: a.password.clone(),
                input: a.input,
                evidence: ctx.evidence(e.node).line(e.line),
            });
        }
    }
}

/// The finding for one account with a fixed hash (shared with CRED-009 for embedded ones).
pub(super) fn report(
    run: &CredRun<'_, '_>,
    a: &Account,
    fmt: &str,
    outcome: Option<&Outcome>,
    info: &CheckInfo,
) -> baseline_model::Finding {
    let ctx = run.ctx;
    let recovered = match outcome {
        Some(Outcome::Recovered(p)) => Some(p.as_str()),
        _ => None,
    };
    let login = a.login_capable != Some(false);
    let severity = match (login, recovered.is_some()) {
        (true, true) => Severity::Critical,
        (true, false) => Severity::High,
        (false, true) => Severity::Medium,
        (false, false) => Severity::Low,
    };
    let mut title = format!("Account '{}' has a fixed {} password hash", a.user, fmt);
    if let Some(p) = recovered {
        title.push_str(&format!(" (password recovered: {})", shown(ctx, p)));
    }
    if !login {
        title.push_str(" (no login shell)");
    }
    let mut f = finding(info, severity, Confidence::High, title);
    for e in &a.seen {
        f.evidence.push(line_evidence(
            ctx,
            e.node,
            e.line,
            e.offset,
            redact_in(ctx, &e.raw, &a.password),
        ));
    }
    let d = &mut f.details;
    d.insert("account".into(), json!(a.user));
    d.insert("uid".into(), json!(a.uid));
    d.insert("hash_format".into(), json!(fmt));
    d.insert("password_state".into(), json!(a.state.as_str()));
    d.insert("shell".into(), json!(a.shell));
    d.insert("login_capable".into(), json!(a.login_capable));
    d.insert("recovered".into(), json!(recovered.is_some()));
    if let Some(p) = recovered {
        d.insert("password".into(), json!(shown(ctx, p)));
    }
    let rec = match outcome {
        Some(Outcome::Recovered(_)) => "recovered",
        Some(Outcome::Exhausted { .. }) => "exhausted",
        Some(Outcome::OutOfTime { .. }) => "out-of-time",
        Some(Outcome::NotAttempted) | None => "not-attempted",
    };
    d.insert("recovery".into(), json!(rec));
    if let Some(Outcome::Exhausted { tried } | Outcome::OutOfTime { tried }) = outcome {
        d.insert("candidates_tried".into(), json!(tried));
    }
    d.insert(
        "hash_fingerprint".into(),
        json!(format!("sha256:{}", {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(a.password.as_bytes()))
        })),
    );
    if !ctx.options.show_secrets {
        d.insert("hash".into(), json!(ctx.redact(&a.password)));
    } else {
        d.insert("hash".into(), json!(a.password));
    }
    f
}
