//! CRYPTO-001 `weak-password-hash`.

use super::finding;
use crate::cred::accounts::{self, PwState};
use crate::cred::crypt::HashFormat;
use crate::scan::Scan;
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRYPTO-001",
    name: "weak-password-hash",
    severity: Severity::High,
    summary: "A password is stored with a weak hash (DES crypt, MD5 crypt, NT, unsalted SHA-1)",
    requirements: &["en303645:5.4-1"],
    doc: Doc::Markdown("\
**What it checks.** The account databases the CRED family parses (`cred::accounts`) for \
password hashes in obsolete formats: traditional DES crypt (8-character limit, 12-bit salt), \
BSDi crypt, MD5 crypt (`$1$`, Apache `$apr1$`; 1,000 fixed rounds), NT hashes and LDAP \
`{SHA}`/`{SSHA}`.

**Why it matters.** Stored credentials must be protected with best-practice cryptography \
(5.4-1: passwords are sensitive security parameters stored in persistent storage). These formats fall to commodity GPUs in minutes to hours; DES crypt also \
silently truncates passwords to 8 characters. Whether the credential is a universal default is \
CRED-001's finding; this one is about the algorithm.

**Evidence.** The database line (redacted); details: `account`, `hash_format`.

**Known false positives.** None for the format itself; locked and disabled accounts are \
skipped.

**References.** ETSI EN 303 645 V2.1.1 provision 5.4-1; NIST SP 800-63B §5.1.1.2; \
OWASP Password Storage Cheat Sheet."),
};

fn weak(f: HashFormat) -> bool {
    matches!(
        f,
        HashFormat::DesCrypt
            | HashFormat::BsdiCrypt
            | HashFormat::Md5Crypt
            | HashFormat::Apr1
            | HashFormat::Nt
            | HashFormat::LdapSha
            | HashFormat::LdapSsha
    )
}

pub(super) fn check(ctx: &Context<'_>, scan: &Scan, out: &mut AnalysisOutput) {
    for a in accounts::collect(ctx, scan) {
        let PwState::Hash(fmt) = a.state else {
            continue;
        };
        if !weak(fmt) {
            continue;
        }
        let sev = if matches!(
            fmt,
            HashFormat::DesCrypt | HashFormat::Nt | HashFormat::LdapSha
        ) {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut f = finding(
            &INFO,
            sev,
            Confidence::High,
            format!("Password of '{}' is hashed with {}", a.user, fmt.as_str()),
        );
        if let Some(e) = a.seen.first() {
            let line = e.raw.replace(&a.password, &ctx.redact(&a.password));
            f.evidence.push(
                ctx.evidence(e.node)
                    .line(e.line)
                    .offset(e.offset)
                    .excerpt(line.chars().take(240).collect::<String>()),
            );
        }
        f.details.insert("account".into(), json!(a.user));
        f.details.insert("hash_format".into(), json!(fmt.as_str()));
        out.findings.push(f);
    }
}
