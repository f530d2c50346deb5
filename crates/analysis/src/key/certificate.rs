//! KEY-004 `certificate`.

use super::{details, evidence, finding, Found};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;
use std::collections::BTreeSet;

pub const INFO: CheckInfo = CheckInfo {
    code: "KEY-004",
    name: "certificate",
    severity: Severity::Low,
    summary:
        "An X.509 certificate in the image, with its subject, issuer, validity, key and signature",
    requirements: &["en303645:5.5-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** X.509 certificates (PEM or DER) anywhere in the image: subject, issuer, \
validity, public-key type and size, signature algorithm, self-signed or not. Weaknesses raise \
the severity to low: RSA or DSA keys under 2048 bits, MD5 or SHA-1 signatures.

**Why it matters.** Certificates show which identities the device presents or trusts. A \
self-signed device certificate with its private key next to it (KEY-001) is a shared identity; \
weak keys or signatures fall short of best-practice cryptography (EN 303 645 5.5-1).

**Evidence.** File and offset; details: `subject`, `issuer`, `not_before`, `not_after`, \
`signature_algorithm`, `self_signed`, `key_type`, `bits`, `fingerprint`, `weaknesses`. \
Identical certificates in one input are reported once.

**Known false positives.** CA bundles (`ca-certificates.crt`) list many roots: each is reported \
at info severity; old roots may carry SHA-1 signatures that no client checks.

**References.** RFC 5280; ETSI EN 303 645 V2.1.1 provision 5.5-1.",
    ),
};

pub(super) fn check(ctx: &Context<'_>, certs: &[&Found], out: &mut AnalysisOutput) {
    let mut seen = BTreeSet::new();
    for c in certs {
        let Some(info) = &c.m.cert else { continue };
        if !seen.insert((
            c.input,
            info.subject.clone(),
            c.m.fingerprint.clone(),
            info.not_after.clone(),
        )) {
            continue;
        }
        let mut weak = Vec::new();
        if matches!(c.m.key_type, "rsa" | "dsa") && c.m.bits.is_some_and(|b| b < 2048) {
            weak.push(format!(
                "{}-bit {} key",
                c.m.bits.unwrap_or(0),
                c.m.key_type
            ));
        }
        let sig = info.signature_algorithm.to_ascii_lowercase();
        if sig.contains("md5") || sig.contains("sha1") {
            weak.push(format!("{} signature", info.signature_algorithm));
        }
        let sev = if weak.is_empty() {
            Severity::Info
        } else {
            Severity::Low
        };
        let mut f = finding(
            &INFO,
            sev,
            Confidence::High,
            format!(
                "Certificate '{}'{}",
                info.subject,
                if info.self_signed {
                    " (self-signed)"
                } else {
                    ""
                }
            ),
        );
        f.evidence.push(evidence(ctx, c));
        details(c, &mut f.details);
        f.details.remove("encrypted");
        f.details.insert("subject".into(), json!(info.subject));
        f.details.insert("issuer".into(), json!(info.issuer));
        f.details
            .insert("not_before".into(), json!(info.not_before));
        f.details.insert("not_after".into(), json!(info.not_after));
        f.details.insert(
            "signature_algorithm".into(),
            json!(info.signature_algorithm),
        );
        f.details
            .insert("self_signed".into(), json!(info.self_signed));
        f.details.insert("weaknesses".into(), json!(weak));
        out.findings.push(f);
    }
}
