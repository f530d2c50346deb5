//! UPD-002 `update-signature`.

use super::{finding, indicator_evidence, input_name, ByInput, Indicator, STATIC_LIMIT};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;

pub const INFO: CheckInfo = CheckInfo {
    code: "UPD-002",
    name: "update-signature",
    severity: Severity::Medium,
    summary:
        "Whether the image shows evidence that updates (or boot images) are signature-verified",
    requirements: &[
        "en303645:5.3-9",
        "en303645:5.3-10",
        "en303645:5.3-7",
        "en303645:5.7-1",
    ],
    doc: Doc::Markdown("\
**What it checks.** Signature artefacts: FIT images with `signature` nodes (U-Boot verified \
boot), verification keys (`/etc/opkg/keys/*`, `*.pub`, `public.pem`/`pubkey.pem` and the like \
next to an updater), and verification tools or calls inside the updater programs and update code found by \
UPD-001 (`usign`, `signify`, `openssl dgst -verify`, `gpgv`, `RSA_verify`, \
`mbedtls_pk_verify`, `esp_secure_boot`).

**Why it matters.** The device must verify the authenticity and integrity of updates \
(5.3-9, 5.3-10) and secure boot checks the software it starts (5.7-1). With an update \
mechanism and no verification evidence, the finding is medium severity at low confidence; with \
evidence it is info.

**Evidence.** The FIT region, key file or program; details: `artefacts`, `static_limit`.

**Known false positives.** Verification may be done by code that does not name these tools \
or keys (a vendor library, a bootloader not in the image): absence of evidence is not proof. \
A key in the image does not show that it is used.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.3-7, 5.3-9, 5.3-10, 5.7-1; U-Boot FIT \
signature documentation; OpenWrt usign."),
};

const VERIFY: &[&str] = &[
    "usign",
    "signify",
    "dgst -verify",
    "gpgv",
    "RSA_verify",
    "mbedtls_pk_verify",
    "esp_secure_boot",
    "verify_signature",
    "ECDSA_verify",
    "EVP_DigestVerify",
];

pub(super) fn check(ctx: &Context<'_>, mech: &ByInput, out: &mut AnalysisOutput) {
    let mut art: ByInput = ByInput::new();
    let ac = aho_corasick::AhoCorasick::new(VERIFY).ok();
    for (id, n) in ctx.tree.iter() {
        let mut push = |kind: &'static str, what: String| {
            art.entry(input_name(ctx, id)).or_default().push(Indicator {
                node: id,
                kind,
                what,
            });
        };
        if let Some((k, _)) = n
            .attrs
            .iter()
            .find(|(k, _)| k.contains("signature") && k.ends_with(".algo"))
        {
            push("fit-signature", k.clone());
        }
        let Some(path) = n.fs_root.and_then(|_| ctx.tree.fs_path(id)) else {
            continue;
        };
        if !n.is_file() {
            continue;
        }
        let lower = path.to_ascii_lowercase();
        if lower.starts_with("/etc/opkg/keys/")
            || (lower.ends_with(".pub") && !lower.contains("/ssh"))
            || lower.ends_with("/public.pem")
            || lower.ends_with("/pubkey.pem")
            || lower.contains("/keys/") && lower.contains("verif")
        {
            push("verification-key", path.clone());
        }
    }
    // Verification calls inside the updater programs UPD-001 found.
    for list in mech.values() {
        for i in list
            .iter()
            .filter(|i| matches!(i.kind, "file-name" | "ota-code"))
        {
            let Some(target) = ctx.tree.get(i.node) else {
                continue;
            };
            let node = match &target.kind {
                baseline_unpack::NodeKind::Symlink { .. } => continue,
                _ => i.node,
            };
            let Some(n) = ctx.tree.get(node) else {
                continue;
            };
            if n.data.len() > super::MAX_SEARCH {
                continue;
            }
            if let Some(m) = ac.as_ref().and_then(|a| a.find(n.data.as_ref())) {
                if let Some(s) = VERIFY.get(m.pattern().as_usize()) {
                    art.entry(input_name(ctx, node))
                        .or_default()
                        .push(Indicator {
                            node,
                            kind: "verification-call",
                            what: (*s).to_owned(),
                        });
                }
            }
        }
    }
    for r in ctx.tree.roots() {
        let Some(inp) = ctx.tree.get(*r) else {
            continue;
        };
        let name = &inp.name;
        let has_mech = mech.get(name).is_some_and(|l| !l.is_empty());
        // Keys alone say nothing without an updater to use them; FIT signatures always count.
        let relevant = |l: &&Vec<Indicator>| {
            !l.is_empty() && (has_mech || l.iter().any(|i| i.kind == "fit-signature"))
        };
        match art.get(name).filter(relevant) {
            Some(list) => {
                let mut f = finding(
                    &INFO,
                    Severity::Info,
                    Confidence::Medium,
                    format!(
                        "Signature verification evidence in {name}: {} artefact(s)",
                        list.len()
                    ),
                );
                for i in list.iter().take(10) {
                    f.evidence.push(indicator_evidence(ctx, i));
                }
                let v: Vec<String> = list
                    .iter()
                    .map(|i| format!("{}: {}", i.kind, i.what))
                    .collect();
                f.details.insert("artefacts".into(), json!(v));
                f.details.insert("static_limit".into(), json!(STATIC_LIMIT));
                out.findings.push(f);
            }
            _ if has_mech => {
                let mut f = finding(
                    &INFO,
                    Severity::Medium,
                    Confidence::Low,
                    format!("No evidence that updates are signature-verified in {name}"),
                );
                if let Some(i) = mech.get(name).and_then(|l| l.first()) {
                    f.evidence.push(indicator_evidence(ctx, i));
                }
                f.details.insert("artefacts".into(), json!([]));
                f.details.insert("static_limit".into(), json!(STATIC_LIMIT));
                out.findings.push(f);
            }
            _ => {}
        }
    }
}
