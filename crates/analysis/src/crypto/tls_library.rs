//! CRYPTO-002 `tls-library`.

use super::finding;
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "CRYPTO-002",
    name: "tls-library",
    severity: Severity::Info,
    summary:
        "TLS/crypto libraries present in the image (inventory for the cryptography provisions)",
    requirements: &["en303645:5.5-1", "en303645:5.5-2"],
    doc: Doc::Markdown(
        "\
**What it checks.** Shared libraries of the common TLS and crypto stacks by file name: \
OpenSSL (`libssl`, `libcrypto`), mbed TLS / PolarSSL, wolfSSL / CyaSSL, axTLS, MatrixSSL, \
GnuTLS, LibreSSL `libtls`, BoringSSL.

**Why it matters.** Which stack secures communication (5.5-1) and whether it is a reviewed \
implementation (5.5-2) starts with knowing it is there. Versions and their known \
vulnerabilities are the components and VULN families' findings. Info severity.

**Evidence.** The library files; details: `libraries` (stack → paths).

**Known false positives.** A library present but unused; statically linked stacks are not \
seen by name (the components family finds them by version strings).

**References.** ETSI EN 303 645 V2.1.1 provisions 5.5-1, 5.5-2.",
    ),
};

const STACKS: &[(&str, &str)] = &[
    ("libssl.", "openssl"),
    ("libcrypto.", "openssl"),
    ("libmbedtls", "mbedtls"),
    ("libmbedcrypto", "mbedtls"),
    ("libmbedx509", "mbedtls"),
    ("libpolarssl", "polarssl"),
    ("libwolfssl", "wolfssl"),
    ("libcyassl", "cyassl"),
    ("libaxtls", "axtls"),
    ("libmatrixssl", "matrixssl"),
    ("libgnutls", "gnutls"),
    ("libtls.", "libressl"),
];

/// Stack name → its library files.
type Stacks<'a> = BTreeMap<&'a str, Vec<(baseline_unpack::NodeId, String)>>;

pub(super) fn check(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let mut by: BTreeMap<String, Stacks<'_>> = BTreeMap::new();
    for (id, path) in ctx.fs_files() {
        let name = path.rsplit('/').next().unwrap_or("");
        let Some((_, stack)) = STACKS
            .iter()
            .find(|(p, _)| name.starts_with(p) && name.contains(".so"))
        else {
            continue;
        };
        let input = super::input_name(ctx, id);
        by.entry(input)
            .or_default()
            .entry(stack)
            .or_default()
            .push((id, path));
    }
    for (input, stacks) in by {
        let names: Vec<&str> = stacks.keys().copied().collect();
        let mut f = finding(
            &INFO,
            Severity::Info,
            Confidence::High,
            format!("TLS/crypto libraries in {input}: {}", names.join(", ")),
        );
        let mut lib = BTreeMap::new();
        for (stack, files) in &stacks {
            for (id, _) in files.iter().take(4) {
                f.evidence
                    .push(ctx.evidence(*id).note(format!("{stack} library")));
            }
            let paths: Vec<&String> = files.iter().map(|(_, p)| p).collect();
            lib.insert((*stack).to_owned(), json!(paths));
        }
        f.details.insert("libraries".into(), json!(lib));
        out.findings.push(f);
    }
}
