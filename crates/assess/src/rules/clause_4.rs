//! EN 303 645 V2.1.1 clause 4 (Reporting implementation): provision 4-1, the written
//! justification of every recommendation that is not applied or not met. Decided from the
//! answers file alone: the ICS "Detail" column is where the justification lives.

use super::{Ctx, Decision, Rule};
use crate::answers::Support;
use baseline_model::Outcome;

pub(crate) const RULES: &[Rule] = &[Rule {
    id: "4-1",
    eval: p4_1,
}];

/// 4-1: Justify in writing each recommendation that is not applied or not met.
///
/// Passes when the answers file gives an ICS row for every recommendation and each "no" or
/// "n/a" carries a justification (the parser already refuses a "no" without one); without
/// an answers file it is inconclusive, with unanswered recommendations it is inconclusive
/// and names them.
fn p4_1(cx: &Ctx) -> Decision {
    let Some(answers) = cx.answers else {
        return Decision {
            outcome: Outcome::Inconclusive,
            rationale: "4-1 is about the manufacturer's written justifications; it needs the \
                        answers file's ICS rows for the recommendations."
                .to_owned(),
            findings: Vec::new(),
            answers: Vec::new(),
        };
    };
    let recommendations: Vec<String> = cx
        .catalogue
        .requirements_of(baseline_catalogue::HUB_SCHEME)
        .filter(|r| r.status.as_ref().is_some_and(|s| !s.is_mandatory()))
        .map(|r| r.id.clone())
        .collect();
    let unanswered: Vec<&str> = recommendations
        .iter()
        .filter(|id| !answers.ics.contains_key(id.as_str()))
        .map(String::as_str)
        .collect();
    let justified: Vec<String> = recommendations
        .iter()
        .filter(|id| {
            answers
                .ics
                .get(id.as_str())
                .is_some_and(|e| e.support != Support::Yes && !e.detail.trim().is_empty())
        })
        .map(|id| format!("ics.{id}"))
        .collect();
    if !unanswered.is_empty() {
        let shown: Vec<&str> = unanswered.iter().take(6).copied().collect();
        let more = unanswered.len().saturating_sub(shown.len());
        return Decision {
            outcome: Outcome::Inconclusive,
            rationale: format!(
                "{} of {} recommendations have no ICS row, so it is not known whether each one \
                 not applied is justified: {}{}.",
                unanswered.len(),
                recommendations.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            findings: Vec::new(),
            answers: justified,
        };
    }
    Decision {
        outcome: Outcome::Pass,
        rationale: format!(
            "Every recommendation has an ICS row; the {} not applied or not applicable carry a \
             written justification.",
            justified.len()
        ),
        findings: Vec::new(),
        answers: justified,
    }
}
