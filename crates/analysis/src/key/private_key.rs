//! KEY-001 `embedded-private-key`.

use super::{details, evidence, finding, Found};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::NodeId;
use std::collections::{BTreeMap, BTreeSet};

pub const INFO: CheckInfo = CheckInfo {
    code: "KEY-001",
    name: "embedded-private-key",
    severity: Severity::Critical,
    summary: "A private key is embedded in the image (a hard-coded critical security parameter)",
    requirements: &["en303645:5.4-1", "en303645:5.4-3", "en303645:5.4-4"],
    doc: Doc::Markdown(
        "\
**What it checks.** Every file and unextracted region for private keys: PEM (PKCS#1, PKCS#8 \
plain and encrypted, SEC1, DSA, OpenSSH, PGP secret-key blocks), DER (PKCS#1, PKCS#8, SEC1, \
PKCS#12), Dropbear's binary host-key format and PuTTY `.ppk`. The structure is parsed (ASN.1 \
DER, SSH wire format): text that only says \"PRIVATE KEY\" (library strings, empty armour) is \
not reported.

**Why it matters.** A private key in an image is on every unit: whoever extracts it can \
impersonate the device (SSH/TLS host keys), decrypt its traffic or sign as it. EN 303 645 5.4-3 \
forbids hard-coded critical security parameters; 5.4-4 requires keys used for communication \
security to be unique per device.

**Evidence.** File, byte offset, redacted excerpt (container, type, fingerprint, first \
characters); details: `container`, `key_type`, `bits`, `curve`, `fingerprint` (OpenSSH \
`SHA256:` form when the public key is known, else `sha256:` of the encoded key), `encrypted`. \
The same key in several files of one input is one finding with several evidence items.

**Known false positives.** Test keys of libraries (e.g. OpenSSL test material) shipped in the \
image still count: they are keys, but may be unused; encrypted keys (`encrypted: true`, lower \
severity) whose passphrase is not in the image.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.4-1, 5.4-3, 5.4-4; CWE-321.",
    ),
};

pub(super) fn check(
    ctx: &Context<'_>,
    keys: &[&Found],
    known: &BTreeMap<String, String>,
    out: &mut AnalysisOutput,
) {
    let mut groups: BTreeMap<(NodeId, &str), Vec<&Found>> = BTreeMap::new();
    for k in keys {
        groups
            .entry((k.input, k.m.fingerprint.as_str()))
            .or_default()
            .push(k);
    }
    for ((_, fp), ks) in groups {
        let Some(first) = ks.first() else { continue };
        let sev = if first.m.encrypted {
            Severity::Medium
        } else if known.contains_key(fp) {
            Severity::Critical
        } else {
            Severity::High
        };
        let size = first
            .m
            .bits
            .map(|b| format!(" {b}-bit"))
            .unwrap_or_default();
        let paths: BTreeSet<String> = ks
            .iter()
            .map(|k| {
                ctx.tree
                    .member_path(k.node)
                    .unwrap_or_else(|| ctx.tree.display_path(k.node))
            })
            .collect();
        let mut f = finding(
            &INFO,
            sev,
            Confidence::High,
            format!(
                "{}{} private key ({}){} in {}",
                if first.m.key_type == "unknown" {
                    "A".to_owned()
                } else {
                    first.m.key_type.to_uppercase()
                },
                size,
                first.m.container,
                if first.m.encrypted {
                    " (encrypted)"
                } else {
                    ""
                },
                paths.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
        for k in &ks {
            f.evidence.push(evidence(ctx, k));
        }
        details(first, &mut f.details);
        out.findings.push(f);
    }
}
