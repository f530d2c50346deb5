//! EN 303 645 V2.1.1 rules: one file per clause (`clause_4.rs`, `clause_5_1.rs` …
//! `clause_5_13.rs`, `clause_6.rs`), one function per provision, each returning a
//! [`Decision`]: outcome, rationale in plain words, the findings and answers it used.
//! The engine adds the TS 103 701 test case ids from the catalogue.
//!
//! Rules key off finding `requirements` references (`en303645:5.1-1`, `psti:sch1-p1`) and
//! severities, never off a closed list of codes, so that new checks plug in. The common
//! order of reasoning lives in [`Check::finish`]:
//! 1. a condition of the provision's status that does not hold → `not-applicable`;
//! 2. a finding at medium severity or above that references the provision → `fail`
//!    (automated evidence fails a provision on its own; low confidence → `inconclusive`);
//! 3. the ICS answer: `no` fails a mandatory provision (a justified recommendation is
//!    `not-applicable`), `n/a` is `not-applicable` with its rationale, `yes` passes only with
//!    the IXIT information the provision needs;
//! 4. otherwise `inconclusive`: the firmware cannot show it, the answers must.

use crate::answers::{Answers, Support};
use baseline_catalogue::{Catalogue, HUB_SCHEME};
use baseline_model::{ConditionState, Confidence, Finding, Outcome, Severity};

mod clause_4;
mod clause_5_1;
mod clause_5_10;
mod clause_5_11;
mod clause_5_12;
mod clause_5_13;
mod clause_5_2;
mod clause_5_3;
mod clause_5_4;
mod clause_5_5;
mod clause_5_6;
mod clause_5_7;
mod clause_5_8;
mod clause_5_9;
mod clause_6;

/// What the rules see.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub catalogue: &'a Catalogue,
    pub findings: &'a [Finding],
    pub answers: Option<&'a Answers>,
    pub conditions: &'a [ConditionState],
}

/// A rule's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub outcome: Outcome,
    pub rationale: String,
    pub findings: Vec<String>,
    pub answers: Vec<String>,
}

/// One provision's rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    pub id: &'static str,
    pub eval: fn(&Ctx) -> Decision,
}

/// Every rule, clause by clause.
pub(crate) fn all() -> Vec<Rule> {
    [
        clause_4::RULES,
        clause_5_1::RULES,
        clause_5_2::RULES,
        clause_5_3::RULES,
        clause_5_4::RULES,
        clause_5_5::RULES,
        clause_5_6::RULES,
        clause_5_7::RULES,
        clause_5_8::RULES,
        clause_5_9::RULES,
        clause_5_10::RULES,
        clause_5_11::RULES,
        clause_5_12::RULES,
        clause_5_13::RULES,
        clause_6::RULES,
    ]
    .concat()
}

/// Findings at or above this severity decide a failure; lower ones are context.
const DECIDING: Severity = Severity::Medium;

impl<'a> Ctx<'a> {
    /// Start the common check of provision `id`.
    pub fn check(&'a self, id: &'static str) -> Check<'a> {
        Check {
            cx: self,
            id,
            refs: Vec::new(),
            ixit: &[],
        }
    }

    fn condition(&self, id: u32) -> Option<&ConditionState> {
        self.conditions.iter().find(|c| c.id == id)
    }

    /// The findings at deciding severity that reference any of `refs`, sorted and unique.
    pub fn deciding(&self, refs: &[String]) -> Vec<&'a Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity >= DECIDING)
            .filter(|f| f.requirements.iter().any(|r| refs.contains(r)))
            .collect()
    }
}

impl Decision {
    /// A failure decided (in part) by VULN findings: say in plain words what they mean for
    /// this provision (`lead`, e.g. "Vulnerabilities are not being fixed"), before the
    /// common rationale. Other decisions are returned unchanged.
    pub fn explain_vulns(mut self, cx: &Ctx, lead: &str) -> Decision {
        if self.outcome != Outcome::Fail && self.outcome != Outcome::Inconclusive {
            return self;
        }
        let vulns: Vec<&Finding> = cx
            .findings
            .iter()
            .filter(|f| f.code.starts_with("VULN-") && f.severity >= DECIDING)
            .filter(|f| self.findings.contains(&f.code))
            .collect();
        if vulns.is_empty() {
            return self;
        }
        // Known exploited first, then by severity, then by id.
        let mut keyed: Vec<(std::cmp::Reverse<Severity>, String)> = vulns
            .iter()
            .map(|f| {
                let label = match baseline_model::VulnerabilityDetails::of(f) {
                    Some(d) => format!("{} in {}", d.vulnerability, d.component),
                    None => f.title.clone(),
                };
                (std::cmp::Reverse(f.severity), label)
            })
            .collect();
        keyed.sort();
        let mut ids: Vec<String> = keyed.into_iter().map(|(_, l)| l).collect();
        ids.dedup();
        let kev = vulns
            .iter()
            .filter(|f| baseline_model::VulnerabilityDetails::of(f).is_some_and(|d| d.kev))
            .count();
        let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
        let more = ids.len().saturating_sub(shown.len());
        let list = if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let exploited = match kev {
            0 => String::new(),
            1 => ", 1 of them known to be exploited (CISA KEV)".to_owned(),
            n => format!(", {n} of them known to be exploited (CISA KEV)"),
        };
        self.rationale = format!(
            "{lead}: this image ships {} known, unfixed high-severity or exploited \
             vulnerabilit{}{exploited}: {list}. {}",
            ids.len(),
            if ids.len() == 1 { "y" } else { "ies" },
            self.rationale
        );
        self
    }
}

/// The common reasoning of one provision (see the module docs).
#[derive(Debug)]
pub(crate) struct Check<'a> {
    cx: &'a Ctx<'a>,
    id: &'static str,
    refs: Vec<String>,
    ixit: &'static [&'static str],
}

impl<'a> Check<'a> {
    /// Findings that reference these requirements also decide this provision (e.g. the PSTI
    /// requirement deemed met through it).
    pub fn refs(mut self, refs: &[&str]) -> Self {
        self.refs.extend(refs.iter().map(|r| (*r).to_owned()));
        self
    }

    /// IXIT keys a supported ("yes") answer must come with before it can pass.
    pub fn ixit(mut self, keys: &'static [&'static str]) -> Self {
        self.ixit = keys;
        self
    }

    pub fn finish(self) -> Decision {
        let cx = self.cx;
        let id = self.id;
        let reference = format!("{HUB_SCHEME}:{id}");
        let req = cx.catalogue.get(&reference);
        let status = req.and_then(|r| r.status.as_ref());
        let mandatory = status.is_none_or(|s| s.is_mandatory());
        let ics_key = format!("ics.{id}");
        let ics = cx.answers.and_then(|a| a.ics.get(id));

        // 1. Applicability from the conditions of the status.
        for n in status.map(|s| s.conditions.as_slice()).unwrap_or(&[]) {
            if let Some(c) = cx.condition(*n).filter(|c| c.holds == Some(false)) {
                let key = baseline_model::ConditionFacts::KEYS
                    .iter()
                    .find(|(i, _)| *i == if *n == 5 { 4 } else { *n })
                    .map(|(_, k)| format!("conditions.{k}"));
                return Decision {
                    outcome: Outcome::NotApplicable,
                    rationale: format!(
                        "Condition ({n}) \"{}\" does not hold for this product, so {id} does not apply.",
                        c.text
                    ),
                    findings: Vec::new(),
                    answers: key.into_iter().collect(),
                };
            }
        }

        // 2. Automated evidence.
        let mut refs = vec![reference.clone()];
        refs.extend(self.refs.iter().cloned());
        let deciding = cx.deciding(&refs);
        if !deciding.is_empty() {
            let mut codes: Vec<String> = deciding.iter().map(|f| f.code.clone()).collect();
            codes.sort();
            codes.dedup();
            let mut titles: Vec<&str> = deciding.iter().map(|f| f.title.as_str()).collect();
            titles.sort();
            titles.dedup();
            let shown: Vec<&str> = titles.iter().take(3).copied().collect();
            let more = titles.len().saturating_sub(shown.len());
            let list = if more > 0 {
                format!("{}; and {more} more", shown.join("; "))
            } else {
                shown.join("; ")
            };
            let contradiction = if ics.is_some_and(|e| e.support == Support::Yes) {
                " This contradicts the ICS answer \"yes\"."
            } else {
                ""
            };
            let answers = ics.map(|_| vec![ics_key.clone()]).unwrap_or_default();
            if deciding.iter().all(|f| f.confidence == Confidence::Low) {
                return Decision {
                    outcome: Outcome::Inconclusive,
                    rationale: format!(
                        "Only low-confidence findings speak against {id}: {list}. A person must \
                         confirm them.{contradiction}"
                    ),
                    findings: codes,
                    answers,
                };
            }
            return Decision {
                outcome: Outcome::Fail,
                rationale: format!(
                    "The firmware fails {id} on its own evidence: {list}.{contradiction}"
                ),
                findings: codes,
                answers,
            };
        }

        // 3. The manufacturer's answers.
        let Some(entry) = ics else {
            let ixit = if self.ixit.is_empty() {
                String::new()
            } else {
                format!(
                    " and IXIT {}",
                    self.ixit
                        .iter()
                        .map(|k| format!("`ixit.{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Decision {
                outcome: Outcome::Inconclusive,
                rationale: format!(
                    "No firmware evidence decides {id}; it needs the answers file: \
                     `[ics.\"{id}\"]`{ixit}."
                ),
                findings: Vec::new(),
                answers: Vec::new(),
            };
        };
        let detail = entry.detail.trim();
        match entry.support {
            Support::NotApplicable => Decision {
                outcome: Outcome::NotApplicable,
                rationale: format!("The ICS marks {id} not applicable: {detail}"),
                findings: Vec::new(),
                answers: vec![ics_key],
            },
            Support::No if mandatory => Decision {
                outcome: Outcome::Fail,
                rationale: format!("The ICS says the mandatory provision {id} is not supported: {detail}"),
                findings: Vec::new(),
                answers: vec![ics_key],
            },
            Support::No => Decision {
                outcome: Outcome::NotApplicable,
                rationale: format!(
                    "Recommendation {id} is not adopted; the justification 4-1 requires is recorded: {detail}"
                ),
                findings: Vec::new(),
                answers: vec![ics_key],
            },
            Support::Yes => {
                let ixit = cx.answers.map(|a| &a.ixit);
                let missing: Vec<&str> = self
                    .ixit
                    .iter()
                    .copied()
                    .filter(|k| ixit.is_none_or(|m| !m.contains_key(*k)))
                    .collect();
                let mut answers = vec![ics_key];
                answers.extend(
                    self.ixit
                        .iter()
                        .filter(|k| !missing.contains(k))
                        .map(|k| format!("ixit.{k}")),
                );
                let said = if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                };
                if !missing.is_empty() {
                    return Decision {
                        outcome: Outcome::Inconclusive,
                        rationale: format!(
                            "The ICS says {id} is supported{said}, but the IXIT information it \
                             needs is missing: {}.",
                            missing
                                .iter()
                                .map(|k| format!("`ixit.{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        findings: Vec::new(),
                        answers,
                    };
                }
                Decision {
                    outcome: Outcome::Pass,
                    rationale: format!(
                        "The ICS says {id} is supported{said} and no firmware evidence \
                         contradicts it. This pass rests on the manufacturer's answers: static \
                         analysis does not perform the TS 103 701 functional tests."
                    ),
                    findings: Vec::new(),
                    answers,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
