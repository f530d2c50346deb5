//! The other schemes, derived from the EN 303 645 verdicts (DESIGN.md decision 6):
//! - `psti` through the Schedule 2 routes (5.1-1/5.1-2, 5.2-1, 5.3-13) plus the PSTI-only
//!   conditions (unique passwords not counters or derived from public data or serials; a
//!   support period ending on a date, beside the purchase invitation; reporting timescales),
//!   or `not-applicable` with the scope citation when the product is excepted or out of scope;
//! - `uk-cop` guideline n from clause 5.n through the catalogue mapping;
//! - `sg-cls` levels from the provisions each level requires, with the highest level the
//!   evidence supports;
//! - every other scheme through the catalogue's (indicative) mappings.

use crate::answers::{is_iso_date, Answers};
use crate::summary::overall;
use baseline_catalogue::{Catalogue, Kind, HUB_SCHEME};
use baseline_model::{Category, Finding, Outcome, Product, ScopeDecision, ScopeOutcome, Verdict};
use std::collections::BTreeMap;

pub(crate) struct SchemeInput<'a> {
    pub catalogue: &'a Catalogue,
    pub hub: &'a [Verdict],
    pub product: Option<&'a Product>,
    pub scope: Option<&'a ScopeDecision>,
    pub answers: Option<&'a Answers>,
    pub findings: &'a [Finding],
}

#[derive(Debug, Default)]
pub(crate) struct Derived {
    pub verdicts: Vec<Verdict>,
    pub level: Option<String>,
}

pub(crate) fn derive(input: &SchemeInput<'_>) -> BTreeMap<String, Derived> {
    let mut out = BTreeMap::new();
    let psti = psti(input);
    for s in input.catalogue.schemes() {
        let d = match s.id.as_str() {
            HUB_SCHEME => continue,
            "psti" => Derived {
                verdicts: psti.clone(),
                level: None,
            },
            "sg-cls" => sg_cls(input),
            other => mapped(input, other, &psti),
        };
        out.insert(s.id.clone(), d);
    }
    out
}

fn hub<'a>(input: &'a SchemeInput<'_>, id: &str) -> Option<&'a Verdict> {
    let r = format!("{HUB_SCHEME}:{id}");
    input.hub.iter().find(|v| v.requirement == r)
}

/// A verdict combining others: the worst outcome, the union of their findings and answers.
fn combine(requirement: String, parts: &[&Verdict], lead: String, uncertain: bool) -> Verdict {
    let outcome = overall(parts.iter().map(|v| v.outcome));
    let mut findings: Vec<String> = parts.iter().flat_map(|v| v.findings.clone()).collect();
    findings.sort();
    findings.dedup();
    let mut answers: Vec<String> = parts.iter().flat_map(|v| v.answers.clone()).collect();
    answers.sort();
    answers.dedup();
    let by = |o: Outcome| -> Vec<String> {
        parts
            .iter()
            .filter(|v| v.outcome == o)
            .map(|v| short(&v.requirement))
            .collect()
    };
    let mut said = Vec::new();
    for o in [
        Outcome::Fail,
        Outcome::Inconclusive,
        Outcome::Pass,
        Outcome::NotApplicable,
    ] {
        let l = by(o);
        if !l.is_empty() {
            said.push(format!("{} {}", o.as_str(), l.join(", ")));
        }
    }
    Verdict {
        requirement,
        outcome,
        rationale: format!("{lead}: {}.", said.join("; ")),
        findings,
        answers,
        test_cases: Vec::new(),
        uncertain: uncertain || parts.iter().any(|v| v.uncertain),
    }
}

fn short(reference: &str) -> String {
    reference.to_owned()
}

fn ixit<'a>(input: &'a SchemeInput<'_>, key: &str) -> Option<&'a str> {
    input
        .answers
        .and_then(|a| a.ixit.get(key))
        .map(String::as_str)
}

fn deciding_refs(input: &SchemeInput<'_>, reference: &str) -> Vec<String> {
    let mut v: Vec<String> = input
        .findings
        .iter()
        .filter(|f| f.severity >= baseline_model::Severity::Medium)
        .filter(|f| f.requirements.iter().any(|r| r == reference))
        .map(|f| f.code.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn verdict(
    input: &SchemeInput<'_>,
    reference: &str,
    outcome: Outcome,
    rationale: String,
    findings: Vec<String>,
    answers: Vec<String>,
) -> Verdict {
    Verdict {
        requirement: reference.to_owned(),
        outcome,
        rationale,
        findings,
        answers,
        test_cases: Vec::new(),
        uncertain: input.catalogue.get(reference).is_some_and(|r| r.uncertain),
    }
}

/// A PSTI-only item decided by its own findings, else by one IXIT answer.
fn psti_item(
    input: &SchemeInput<'_>,
    reference: &str,
    key: &str,
    judge: impl Fn(&str) -> (Outcome, String),
) -> Verdict {
    let codes = deciding_refs(input, reference);
    if !codes.is_empty() {
        return verdict(
            input,
            reference,
            Outcome::Fail,
            format!(
                "Findings on the manufacturer's evidence fail it: {}.",
                codes.join(", ")
            ),
            codes,
            Vec::new(),
        );
    }
    match ixit(input, key) {
        Some(v) => {
            let (o, why) = judge(v);
            verdict(
                input,
                reference,
                o,
                why,
                Vec::new(),
                vec![format!("ixit.{key}")],
            )
        }
        None => verdict(
            input,
            reference,
            Outcome::Inconclusive,
            format!("Needs `ixit.{key}` in the answers file (or manufacturer web evidence)."),
            Vec::new(),
            Vec::new(),
        ),
    }
}

fn psti(input: &SchemeInput<'_>) -> Vec<Verdict> {
    let cat = input.catalogue;
    if let Some(scope) = input.scope.filter(|s| s.outcome != ScopeOutcome::InScope) {
        let reason = crate::scope::deciding_reason(scope);
        let why = reason
            .map(|r| format!("{} ({})", r.text, r.citation))
            .unwrap_or_default();
        return ["psti:sch1-p1", "psti:sch1-p2", "psti:sch1-p3"]
            .iter()
            .map(|r| Verdict {
                requirement: (*r).to_owned(),
                outcome: Outcome::NotApplicable,
                rationale: format!(
                    "The product is {} and is not assessed against PSTI: {why}",
                    scope.outcome.as_str()
                ),
                findings: Vec::new(),
                answers: Vec::new(),
                test_cases: Vec::new(),
                uncertain: reason.is_some_and(|r| r.uncertain),
            })
            .collect();
    }
    let no_scope = if input.scope.is_none() {
        " (no product file: scope not decided)"
    } else {
        ""
    };
    let mut out = Vec::new();

    // Para 1: passwords.
    let p511 = hub(input, "5.1-1");
    let p512 = hub(input, "5.1-2");
    let no_unique_passwords = [p511, p512]
        .iter()
        .flatten()
        .all(|v| v.outcome == Outcome::NotApplicable);
    let mut subs = Vec::new();
    for (id, what) in [
        ("sch1-p1-3a", "incremental counters"),
        ("sch1-p1-3b", "publicly available information"),
        ("sch1-p1-3c", "product identifiers such as serial numbers"),
        ("sch1-p1-3d", "anything otherwise guessable"),
    ] {
        let reference = format!("psti:{id}");
        let v = if no_unique_passwords {
            verdict(
                input,
                &reference,
                Outcome::NotApplicable,
                "No pre-installed unique passwords are used (EN 303 645 5.1-1/5.1-2 do not apply)."
                    .to_owned(),
                Vec::new(),
                Vec::new(),
            )
        } else {
            psti_item(input, &reference, "password_generation", |desc| {
                (
                    Outcome::Pass,
                    format!(
                        "The manufacturer describes password generation (\"{desc}\"); the \
                         description must show passwords are not based on {what}. This rests on \
                         the answers; a person should confirm it."
                    ),
                )
            })
        };
        subs.push(v);
    }
    let mut parts: Vec<&Verdict> = [p511, p512].into_iter().flatten().collect();
    parts.extend(subs.iter());
    let mut p1 = combine(
        "psti:sch1-p1".to_owned(),
        &parts,
        format!("Deemed through EN 303 645 5.1-1 and 5.1-2 (Sch. 2 para. 1) plus the Sch. 1 para. 1(3) conditions{no_scope}"),
        false,
    );
    if no_unique_passwords && p1.outcome == Outcome::NotApplicable {
        p1.outcome = Outcome::Pass;
        p1.rationale =
            format!("No passwords are used, so none can be a universal default{no_scope}.");
    }
    out.push(p1);
    out.extend(subs);

    // Para 2: reporting security issues.
    let contact = psti_item(input, "psti:sch1-p2-contact", "disclosure_contact", |c| {
        (Outcome::Pass, format!("Point of contact given: {c}."))
    });
    let ack = ixit(input, "disclosure_acknowledgement");
    let status = ixit(input, "disclosure_status_updates");
    let timescales = {
        let reference = "psti:sch1-p2-timescales";
        let codes = deciding_refs(input, reference);
        if !codes.is_empty() {
            verdict(
                input,
                reference,
                Outcome::Fail,
                format!("Findings fail it: {}.", codes.join(", ")),
                codes,
                Vec::new(),
            )
        } else {
            match (ack, status) {
                (Some(a), Some(s)) => verdict(
                    input,
                    reference,
                    Outcome::Pass,
                    format!("Acknowledgement: {a}; status updates: {s}."),
                    Vec::new(),
                    vec!["ixit.disclosure_acknowledgement".into(), "ixit.disclosure_status_updates".into()],
                ),
                _ => verdict(
                    input,
                    reference,
                    Outcome::Inconclusive,
                    "Needs `ixit.disclosure_acknowledgement` and `ixit.disclosure_status_updates` (when the reporter hears back)."
                        .to_owned(),
                    Vec::new(),
                    Vec::new(),
                ),
            }
        }
    };
    let exempt_p23 = input.product.is_some_and(|p| {
        p.product.category == Category::Smartphone
            || (p.product.category == Category::Tablet && p.connectivity.cellular)
    });
    if exempt_p23 {
        for r in ["psti:sch1-p2", "psti:sch1-p3"] {
            out.push(verdict(
                input,
                r,
                Outcome::NotApplicable,
                "Does not apply to smartphones and cellular tablets (Sch. 1 paras 2 and 3)."
                    .to_owned(),
                Vec::new(),
                Vec::new(),
            ));
        }
        return out;
    }
    let p521: Vec<&Verdict> = hub(input, "5.2-1").into_iter().collect();
    let mut parts = p521.clone();
    parts.push(&contact);
    parts.push(&timescales);
    out.push(combine(
        "psti:sch1-p2".to_owned(),
        &parts,
        format!("Deemed through EN 303 645 5.2-1 (Sch. 2 para. 2) plus the Sch. 1 para. 2 contact and timescales{no_scope}"),
        cat.get("psti:sch2-p2").is_some_and(|r| r.uncertain),
    ));
    out.push(contact);
    out.push(timescales);

    // Para 3: support period.
    let ends = psti_item(input, "psti:sch1-p3-2", "support_period_end", |v| {
        if is_iso_date(v.trim()) {
            (
                Outcome::Pass,
                format!("The defined support period ends on {}.", v.trim()),
            )
        } else {
            (
                Outcome::Fail,
                format!(
                    "The support period is given as \"{v}\": PSTI requires a period ending on a \
                     specific date (write it as YYYY-MM-DD)."
                ),
            )
        }
    });
    let beside = psti_item(
        input,
        "psti:sch1-p3-5",
        "support_period_on_purchase_page",
        |v| {
            match v.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" => (
                Outcome::Pass,
                "The manufacturer says the support period appears beside the invitation to purchase.".to_owned(),
            ),
            "n/a" | "none" => (
                Outcome::NotApplicable,
                "The manufacturer's own website does not invite purchase.".to_owned(),
            ),
            _ => (
                Outcome::Fail,
                format!("The support period is not shown beside the invitation to purchase (\"{v}\")."),
            ),
        }
        },
    );
    let mut parts: Vec<&Verdict> = hub(input, "5.3-13").into_iter().collect();
    parts.push(&ends);
    parts.push(&beside);
    out.push(combine(
        "psti:sch1-p3".to_owned(),
        &parts,
        format!("Deemed through EN 303 645 5.3-13 (Sch. 2 para. 3) plus the Sch. 1 para. 3 end date and purchase-page conditions{no_scope}"),
        cat.get("psti:sch2-p3").is_some_and(|r| r.uncertain),
    ));
    out.push(ends);
    out.push(beside);
    out
}

/// Requirements of a scheme that get a verdict (not scope rules, definitions or duties).
fn verdict_kind(k: Kind) -> bool {
    matches!(
        k,
        Kind::Requirement
            | Kind::Provision
            | Kind::Guideline
            | Kind::Principle
            | Kind::Family
            | Kind::Outcome
    )
}

fn mapped(input: &SchemeInput<'_>, scheme: &str, psti: &[Verdict]) -> Derived {
    let cat = input.catalogue;
    let indicative = cat.scheme(scheme).is_some_and(|s| s.indicative);
    let mut verdicts = Vec::new();
    for req in cat.requirements_of(scheme).filter(|r| verdict_kind(r.kind)) {
        let reference = req.reference();
        let mut parts: Vec<&Verdict> = Vec::new();
        let mut uncertain = req.uncertain;
        for to in [HUB_SCHEME, "psti"] {
            for t in cat.map(&reference, to).unwrap_or_default() {
                let found = input
                    .hub
                    .iter()
                    .chain(psti.iter())
                    .find(|v| v.requirement == t.requirement);
                if let Some(v) = found {
                    if !parts.iter().any(|p| p.requirement == v.requirement) {
                        parts.push(v);
                        uncertain |= t.uncertain;
                    }
                }
            }
        }
        if parts.is_empty() {
            verdicts.push(Verdict {
                requirement: reference,
                outcome: Outcome::Inconclusive,
                rationale: "No mapping to EN 303 645 or PSTI evidence; assess it by hand."
                    .to_owned(),
                findings: Vec::new(),
                answers: Vec::new(),
                test_cases: Vec::new(),
                uncertain,
            });
            continue;
        }
        let lead = if indicative {
            "Indicative, through our mapping to EN 303 645"
        } else {
            "Through the catalogue mapping to EN 303 645"
        };
        verdicts.push(combine(reference, &parts, lead.to_owned(), uncertain));
    }
    Derived {
        verdicts,
        level: None,
    }
}

fn sg_cls(input: &SchemeInput<'_>) -> Derived {
    let cat = input.catalogue;
    let mut verdicts = Vec::new();
    let mut level = None;
    let mut below_ok = true;
    for req in cat.requirements_of("sg-cls") {
        let reference = req.reference();
        let needed: Vec<&Verdict> = cat
            .required_by(&reference)
            .iter()
            .filter_map(|r| {
                let rr = r.reference();
                input.hub.iter().find(|v| v.requirement == rr)
            })
            .collect();
        let mut v = combine(
            reference.clone(),
            &needed,
            format!("{} needs these EN 303 645 provisions", req.id),
            req.uncertain,
        );
        let extra = match req.id.as_str() {
            "L3" => Some("binary analysis by an approved lab reconciling known vulnerabilities against the declared SBOM"),
            "L4" => Some("penetration testing by an approved lab"),
            _ => None,
        };
        if let Some(extra) = extra {
            if v.outcome == Outcome::Pass || v.outcome == Outcome::NotApplicable {
                v.outcome = Outcome::Inconclusive;
            }
            v.rationale = format!(
                "{} Also needs {extra}, which this tool does not perform.",
                v.rationale
            );
        }
        if !below_ok && v.outcome != Outcome::Fail {
            v.outcome = Outcome::Inconclusive;
        }
        if v.outcome == Outcome::NotApplicable {
            v.outcome = Outcome::Pass;
        }
        if below_ok && v.outcome == Outcome::Pass {
            level = Some(req.id.clone());
        } else {
            below_ok = false;
        }
        verdicts.push(v);
    }
    Derived {
        verdicts,
        level: Some(level.unwrap_or_else(|| "none".to_owned())),
    }
}
