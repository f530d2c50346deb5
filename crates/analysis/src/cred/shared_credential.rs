//! CRED-008 `shared-credential`.

use super::{finding, input_names, CredRun};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::NodeId;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-008",
    name: "shared-credential",
    severity: Severity::High,
    summary: "The same credential appears in several inputs (images, partitions or units)",
    requirements: &["psti:sch1-p1", "en303645:5.1-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** Across all inputs of one assessment (each input is a root of the tree): a \
credential found by CRED-001, 002, 005, 006 or 007 whose value is identical in two or more \
inputs.

**Why it matters.** Two firmware versions, two products of a brand, or the flash dumps of two \
units that share a credential show that it is not unique per device: it is universal across \
the product line (EN 303 645 5.1-1). Two units' dumps are the strongest evidence.

**Evidence.** One evidence item per input; details: `kind`, `inputs`, `locators`.

**Known false positives.** Two inputs that are the same image under different names; \
partitions of one unit given separately (a credential can be copied between them legitimately).

**References.** ETSI EN 303 645 V2.1.1 provision 5.1-1; PSTI Regulations 2023 Schedule 1 §1.",
    ),
};

pub(super) fn check(run: &CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    let mut groups: BTreeMap<(&str, &str), Vec<&super::Secret>> = BTreeMap::new();
    for s in &run.secrets {
        if s.value.is_empty() && s.kind != "empty-password" {
            continue;
        }
        groups
            .entry((s.kind.as_str(), s.value.as_str()))
            .or_default()
            .push(s);
    }
    for ((kind, _), ss) in groups {
        let inputs: BTreeSet<NodeId> = ss.iter().map(|s| s.input).collect();
        if inputs.len() < 2 {
            continue;
        }
        let names = input_names(ctx, &inputs);
        let locators: BTreeSet<&str> = ss.iter().map(|s| s.locator.as_str()).collect();
        let mut f = finding(
            &INFO,
            Severity::High,
            Confidence::High,
            format!(
                "The same {kind} is in {} inputs: {}",
                inputs.len(),
                names.join(", ")
            ),
        );
        let mut done = BTreeSet::new();
        for s in &ss {
            if done.insert(s.input) {
                f.evidence.push(s.evidence.clone());
            }
        }
        f.details.insert("kind".into(), json!(kind));
        f.details.insert("inputs".into(), json!(names));
        f.details.insert("locators".into(), json!(locators));
        out.findings.push(f);
    }
}
