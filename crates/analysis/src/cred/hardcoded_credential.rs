//! CRED-007 `hardcoded-credential`.

use super::accounts::PwState;
use super::{finding, fixed_password_hash, line_evidence, redact_in, CredRun, Secret};
use crate::scan::Pattern;
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-007",
    name: "hardcoded-credential",
    severity: Severity::Critical,
    summary:
        "A script or binary carries a credential: an account hash string or a scripted password",
    requirements: &["psti:sch1-p1", "en303645:5.1-1", "en303645:5.1-2"],
    doc: Doc::Markdown(
        "\
**What it checks.** Files that are not account databases (init scripts, binaries, raw flash \
regions) for `user:<crypt hash>` strings (`$1$`, `$5$`, `$6$`, `$2a$`, `$apr1$`, `$y$`), as \
written by scripts that generate `/tmp/passwd` at boot or compiled into daemons; and \
`user:password` pairs piped into `chpasswd`.

**Why it matters.** These are the templates of run-time account databases (see CRED-003) or \
back doors compiled into vendor binaries: every unit has them. Hashes are attacked with the \
bundled dictionary like CRED-001's.

**Evidence.** File, line, byte offset, redacted excerpt; details as CRED-001 plus `embedded`.

**Known false positives.** Test vectors or documentation inside binaries (e.g. a crypt library's \
self-test string); account strings in code paths that the firmware never runs.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.1-1, 5.1-2; PSTI Regulations 2023 \
Schedule 1 §1; CWE-798.",
    ),
};

pub(super) fn check(run: &mut CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    for a in run.accounts.iter().filter(|a| a.embedded) {
        let PwState::Hash(fmt) = a.state else {
            continue;
        };
        let mut f =
            fixed_password_hash::report(run, a, fmt.as_str(), run.cracked.get(&a.password), &INFO);
        f.details.insert("embedded".into(), json!(true));
        out.findings.push(f);
        if let Some(e) = a.seen.first() {
            run.secrets.push(Secret {
                kind: "password-hash".into(),
                locator: format!("embedded#{}", a.user),
                value: a.password.clone(),
                input: a.input,
                evidence: ctx.evidence(e.node).line(e.line),
            });
        }
    }
    // echo "user:password" | chpasswd
    for (id, hits) in run.scan.with(Pattern::Chpasswd) {
        let Some(n) = ctx.tree.get(id) else { continue };
        if n.data.len() > 4 << 20 || memchr::memchr(0, &n.data).is_some() {
            continue;
        }
        let text = String::from_utf8_lossy(&n.data);
        let _ = hits;
        let mut off = 0u64;
        for (i, line) in text.lines().enumerate() {
            let here = off;
            off = off.saturating_add(line.len() as u64 + 1);
            let l = line.trim();
            if l.starts_with('#') || !l.contains("chpasswd") {
                continue;
            }
            let Some(before) = l.split("chpasswd").next() else {
                continue;
            };
            let Some(tok) = before
                .split(['"', '\'', ' '])
                .find(|t| t.contains(':') && !t.starts_with('-'))
            else {
                continue;
            };
            let Some((user, pw)) = tok.split_once(':') else {
                continue;
            };
            if user.is_empty()
                || pw.is_empty()
                || pw.starts_with('$') && pw.len() < 4
                || pw.starts_with("${")
            {
                continue;
            }
            let mut f = finding(
                &INFO,
                Severity::Critical,
                Confidence::High,
                format!("Script sets a fixed password for '{user}' with chpasswd"),
            );
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            f.evidence
                .push(line_evidence(ctx, id, line_no, here, redact_in(ctx, l, pw)));
            f.details.insert("account".into(), json!(user));
            f.details.insert("hash_format".into(), json!("plaintext"));
            f.details.insert("recovered".into(), json!(true));
            f.details.insert("password".into(), json!(ctx.redact(pw)));
            f.details.insert("embedded".into(), json!(true));
            out.findings.push(f);
            run.secrets.push(Secret {
                kind: "password".into(),
                locator: format!("chpasswd#{user}"),
                value: pw.to_owned(),
                input: ctx.tree.input_of(id),
                evidence: ctx.evidence(id).line(line_no),
            });
        }
    }
}
