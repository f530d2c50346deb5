//! KEY-003 `shared-private-key`.

use super::{details, evidence, finding, Found};
use crate::cred::input_names;
use crate::{AnalysisOutput, CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::NodeId;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

pub const INFO: CheckInfo = CheckInfo {
    code: "KEY-003",
    name: "shared-private-key",
    severity: Severity::High,
    summary: "The same private key is in several inputs (images, partitions, units or brands)",
    requirements: &["en303645:5.4-3", "en303645:5.4-4"],
    doc: Doc::Markdown(
        "\
**What it checks.** Private keys (KEY-001) with the same fingerprint in two or more inputs of \
one assessment.

**Why it matters.** The key is shared between units, versions or even brands (OEM platforms): \
compromise of one product is compromise of all. EN 303 645 5.4-4 requires per-device keys for \
communication security.

**Evidence.** One evidence item per occurrence; details as KEY-001 plus `inputs`.

**Known false positives.** The same image given twice under two names.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.4-3, 5.4-4.",
    ),
};

pub(super) fn check(ctx: &Context<'_>, keys: &[&Found], out: &mut AnalysisOutput) {
    let mut groups: BTreeMap<&str, Vec<&Found>> = BTreeMap::new();
    for k in keys {
        groups.entry(k.m.fingerprint.as_str()).or_default().push(k);
    }
    for (fp, ks) in groups {
        let inputs: BTreeSet<NodeId> = ks.iter().map(|k| k.input).collect();
        if inputs.len() < 2 {
            continue;
        }
        let Some(first) = ks.first() else { continue };
        let names = input_names(ctx, &inputs);
        let mut f = finding(
            &INFO,
            Severity::High,
            Confidence::High,
            format!(
                "Private key {fp} is shared by {} inputs: {}",
                inputs.len(),
                names.join(", ")
            ),
        );
        for k in &ks {
            f.evidence.push(evidence(ctx, k));
        }
        details(first, &mut f.details);
        f.details.insert("inputs".into(), json!(names));
        out.findings.push(f);
    }
}
