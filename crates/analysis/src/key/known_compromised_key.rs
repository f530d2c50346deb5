//! KEY-002 `known-compromised-key`.

use super::{details, evidence, finding, Found};
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use serde_json::json;
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "KEY-002",
    name: "known-compromised-key",
    severity: Severity::Critical,
    summary: "A key in the image is a publicly known (compromised) key",
    requirements: &["en303645:5.4-3", "en303645:5.4-4"],
    doc: Doc::Markdown(
        "\
**What it checks.** The fingerprint of every key found by KEY-001 (and every certificate's \
public key) against a bundled table of publicly known static appliance SSH keys (routersploit's \
collection: F5 BIG-IP CVE-2012-1493, Ceragon FibeAir CVE-2015-0936, ExaGrid CVE-2016-1561, \
Monroe DASDEC CVE-2013-0137, Array Networks, Barracuda, Loadbalancer.org, Quantum DXi, Vagrant).

**Why it matters.** The private half of these keys is published: anyone can log in to or \
impersonate a device that trusts or presents them.

**Evidence.** As KEY-001, plus `known_as` (the public name of the key).

**Known false positives.** None known: a fingerprint match is exact.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.4-3, 5.4-4; the CVEs named in the table; \
data/keys/ATTRIBUTION.md.",
    ),
};

const TABLE: &str = include_str!("../../data/keys/known-compromised-ssh.tsv");

/// Fingerprint → public name.
pub(super) fn table() -> BTreeMap<String, String> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_owned(), f.next()?.to_owned()))
        })
        .collect()
}

pub(super) fn check(
    ctx: &Context<'_>,
    found: &[Found],
    known: &BTreeMap<String, String>,
    out: &mut AnalysisOutput,
) {
    for k in found {
        let Some(name) = known.get(&k.m.fingerprint) else {
            continue;
        };
        let mut f = finding(
            &INFO,
            Severity::Critical,
            Confidence::High,
            format!("Publicly known key '{name}' ({})", k.m.fingerprint),
        );
        f.evidence.push(evidence(ctx, k));
        details(k, &mut f.details);
        f.details.insert("known_as".into(), json!(name));
        out.findings.push(f);
    }
}
