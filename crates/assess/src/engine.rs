//! The assessment engine: findings + product + answers → the Annex B conditions, one verdict
//! per EN 303 645 provision (the rules under `rules/`), the verdicts of the other schemes
//! derived from those (`engine_schemes`) and a summary per scheme (`summary`).
//!
//! Pure: the caller passes everything in; nothing is read, fetched or printed. Output is
//! deterministic (catalogue order, sorted codes) so reports are byte-identical for identical
//! input.

use crate::answers::Answers;
use crate::{conditions, engine_schemes, rules, summary, AssessError};
use baseline_catalogue::{Catalogue, HUB_SCHEME};
use baseline_model::{
    ConditionState, Finding, Notice, NoticeKind, Product, SchemeSummary, ScopeDecision, Verdict,
};
use std::collections::BTreeMap;

/// What the engine needs.
#[derive(Debug, Clone, Copy)]
pub struct EngineInput<'a> {
    pub catalogue: &'a Catalogue,
    pub product: Option<&'a Product>,
    pub scope: Option<&'a ScopeDecision>,
    pub answers: Option<&'a Answers>,
    pub findings: &'a [Finding],
    /// Schemes to report (catalogue ids); empty means every scheme.
    pub schemes: &'a [String],
}

/// What the engine decided.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOutput {
    pub conditions: Vec<ConditionState>,
    pub verdicts: Vec<Verdict>,
    pub summary: BTreeMap<String, SchemeSummary>,
    /// Things a reader must know that are not verdicts (answer/evidence contradictions).
    pub notices: Vec<Notice>,
}

/// Evaluate every rule and derive the schemes asked for.
pub fn evaluate(input: EngineInput<'_>) -> Result<EngineOutput, AssessError> {
    let cat = input.catalogue;
    for s in input.schemes {
        cat.resolve_scheme(s)?;
    }
    let conditions = conditions::decide(
        cat,
        input.product.map(|p| &p.conditions),
        input.answers.map(|a| &a.conditions),
        input.findings,
    );
    let notices: Vec<Notice> = conditions
        .iter()
        .filter_map(|c| {
            c.contradiction.as_ref().map(|m| {
                Notice::new(
                    NoticeKind::Condition,
                    None,
                    format!("EN 303 645 condition ({}) \"{}\": {m}", c.id, c.text),
                )
            })
        })
        .collect();

    let cx = rules::Ctx {
        catalogue: cat,
        findings: input.findings,
        answers: input.answers,
        conditions: &conditions,
    };
    let all_rules = rules::all();
    let mut hub: Vec<Verdict> = Vec::new();
    for req in cat.requirements_of(HUB_SCHEME) {
        let Some(rule) = all_rules.iter().find(|r| r.id == req.id) else {
            continue;
        };
        let d = (rule.eval)(&cx);
        let reference = req.reference();
        hub.push(Verdict {
            test_cases: cat.test_cases(&reference).map(|t| t.id.clone()).collect(),
            requirement: reference,
            outcome: d.outcome,
            rationale: d.rationale,
            findings: d.findings,
            answers: d.answers,
            uncertain: req.uncertain,
        });
    }

    let derived = engine_schemes::derive(&engine_schemes::SchemeInput {
        catalogue: cat,
        hub: &hub,
        product: input.product,
        scope: input.scope,
        answers: input.answers,
        findings: input.findings,
    });

    let wanted =
        |scheme: &str| input.schemes.is_empty() || input.schemes.iter().any(|s| s == scheme);
    let mut verdicts: Vec<Verdict> = Vec::new();
    let mut levels: BTreeMap<String, String> = BTreeMap::new();
    for scheme in cat.schemes() {
        if !wanted(&scheme.id) {
            continue;
        }
        if scheme.id == HUB_SCHEME {
            verdicts.extend(hub.iter().cloned());
        } else if let Some(d) = derived.get(&scheme.id) {
            verdicts.extend(d.verdicts.iter().cloned());
            if let Some(l) = &d.level {
                levels.insert(scheme.id.clone(), l.clone());
            }
        }
    }
    let summary = summary::summarise(cat, &verdicts, &levels);
    Ok(EngineOutput {
        conditions,
        verdicts,
        summary,
        notices,
    })
}
