//! CRED-009 `per-unit-secret`.

use super::{finding, input_names, CredRun};
use crate::{AnalysisOutput, CheckInfo};
use baseline_model::checks::Doc;
use baseline_model::{Confidence, Severity};
use baseline_unpack::NodeId;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

pub const INFO: CheckInfo = CheckInfo {
    code: "CRED-009",
    name: "per-unit-secret",
    severity: Severity::Info,
    summary: "A credential at the same place differs between inputs: evidence of per-unit values",
    requirements: &["en303645:5.1-1"],
    doc: Doc::Markdown(
        "\
**What it checks.** Across inputs: a credential at the same locator (same file and account, or \
the same parameter key) whose value differs between inputs.

**Why it matters.** EN 303 645 5.1-1 allows pre-installed passwords that are unique per device. \
When the dumps of two units of one product hold different values at the same place, that \
secret is provisioned per unit, not universal. This is positive evidence, reported as \
information; the matching CRED-001/006 findings stay, and the assessment decides.

**Evidence.** One evidence item per input; details: `kind`, `locator`, `inputs`, `distinct`.

Inputs are compared only when they are the same size (dumps of the same flash part), so two \
different products or firmware images are not mistaken for two units.

**Known false positives.** Two different firmware versions of the same size whose defaults \
changed between versions: they differ, yet each is universal for its version.

**References.** ETSI EN 303 645 V2.1.1 provision 5.1-1 (unique per device).",
    ),
};

pub(super) fn check(run: &CredRun<'_, '_>, out: &mut AnalysisOutput) {
    let ctx = run.ctx;
    let mut groups: BTreeMap<(&str, &str), Vec<&super::Secret>> = BTreeMap::new();
    for s in &run.secrets {
        groups
            .entry((s.kind.as_str(), s.locator.as_str()))
            .or_default()
            .push(s);
    }
    for ((kind, locator), ss) in groups {
        let inputs: BTreeSet<NodeId> = ss.iter().map(|s| s.input).collect();
        let values: BTreeSet<&str> = ss.iter().map(|s| s.value.as_str()).collect();
        let sizes: BTreeSet<usize> = inputs
            .iter()
            .filter_map(|i| ctx.tree.get(*i).map(|n| n.data.len()))
            .collect();
        if inputs.len() < 2 || values.len() < 2 || sizes.len() != 1 {
            continue;
        }
        let names = input_names(ctx, &inputs);
        let mut f = finding(
            &INFO,
            Severity::Info,
            Confidence::Medium,
            format!(
                "{kind} at {locator} differs between {} inputs ({} values): per-unit secret",
                inputs.len(),
                values.len()
            ),
        );
        let mut done = BTreeSet::new();
        for s in &ss {
            if done.insert(s.input) {
                f.evidence.push(s.evidence.clone());
            }
        }
        f.details.insert("kind".into(), json!(kind));
        f.details.insert("locator".into(), json!(locator));
        f.details.insert("inputs".into(), json!(names));
        f.details.insert("distinct".into(), json!(values.len()));
        out.findings.push(f);
    }
}
