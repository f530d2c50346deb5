//! The PSTI statement of compliance (Act s. 9; Regulations Sch. 4): assembled from the
//! product description and a finished assessment, then rendered as HTML, Markdown or JSON.
//!
//! Assembly only reads: it refuses (with reasons) when a PSTI requirement failed, the
//! product is not in scope, or a Sch. 4 item is missing, and it lists what the manufacturer
//! must still confirm (inconclusive PSTI verdicts, items resting on uncertain law). The Sch. 4
//! list itself is marked uncertain in the catalogue and is said to be so on the statement.

// HTML lines end in `\n` inside larger format strings; `writeln!` would not read better.
#![allow(clippy::write_with_newline)]

use crate::html::esc;
use baseline_model::{Assessment, Outcome, Product};
use serde::Serialize;
use std::fmt::Write;

/// EN 303 645 as cited by the Regulations (Sch. 4 para 1(2): number, version, date).
pub const EN_303_645: &str = "ETSI EN 303 645 V2.1.1 (2020-06)";

/// One Sch. 4 item as it will appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `psti:sch4-N`.
    pub requirement: String,
    pub label: String,
    /// `None` when missing.
    pub value: Option<String>,
}

/// The assembled statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub schema: &'static str,
    pub items: Vec<Item>,
    /// Why the statement cannot be issued (empty when it can).
    pub refusals: Vec<String>,
    /// What the manufacturer must confirm before signing.
    pub to_confirm: Vec<String>,
    /// The Sch. 4 list is from secondary sources (regulation.md 1.6).
    pub uncertain: bool,
}

impl Statement {
    pub fn refused(&self) -> bool {
        !self.refusals.is_empty()
    }
}

/// Assemble the statement.
pub fn build(product: &Product, a: &Assessment) -> Statement {
    let mut refusals = Vec::new();
    let mut to_confirm = Vec::new();
    let scope = a.product.as_ref().map(|p| p.scope.outcome.as_str());
    match scope {
        Some("in-scope") => {}
        Some(other) => refusals.push(format!(
            "the assessment decided the product is {other}: no PSTI statement of compliance is due"
        )),
        None => refusals.push(
            "the assessment was made without a product file, so PSTI scope was not decided; rerun `baseline assess --product`"
                .to_owned(),
        ),
    }
    let psti: Vec<_> = a
        .verdicts
        .iter()
        .filter(|v| v.requirement.starts_with("psti:"))
        .collect();
    if psti.is_empty() {
        refusals.push(
            "the assessment holds no PSTI verdicts (run it with `--scheme psti` or all schemes)"
                .to_owned(),
        );
    }
    for v in &psti {
        match v.outcome {
            Outcome::Fail => refusals.push(format!("{} failed: {}", v.requirement, v.rationale)),
            Outcome::Inconclusive => to_confirm.push(format!("{}: {}", v.requirement, v.rationale)),
            _ => {}
        }
        if v.uncertain && v.outcome != Outcome::Fail {
            to_confirm.push(format!(
                "{} rests on a provision of the regime marked uncertain; confirm against the legislation",
                v.requirement
            ));
        }
    }
    let st = product.statement.clone().unwrap_or_default();
    let support_end = st.support_period_end.clone().or_else(|| {
        a.answers
            .pointer("/ixit/support_period_end")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    });
    let reps = match &product.authorised_representative {
        Some(r) => format!("; authorised representative: {}, {}", r.name, r.address),
        None => String::new(),
    };
    let batch = product.product.batch.clone();
    let items = vec![
        Item {
            requirement: "psti:sch4-1".into(),
            label: "Product type and batch".into(),
            value: batch.map(|b| {
                format!(
                    "{} {} ({}), batch {b}",
                    product.product.name,
                    product.product.model,
                    product.product.category.as_str()
                )
            }),
        },
        Item {
            requirement: "psti:sch4-2".into(),
            label: "Manufacturer and authorised representative".into(),
            value: Some(format!(
                "{}, {}{reps}",
                product.manufacturer.name, product.manufacturer.address
            )),
        },
        Item {
            requirement: "psti:sch4-3".into(),
            label: "Declaration of preparation".into(),
            value: Some(format!(
                "This statement of compliance is prepared by or on behalf of {}.",
                product.manufacturer.name
            )),
        },
        Item {
            requirement: "psti:sch4-4".into(),
            label: "Declaration of compliance".into(),
            value: Some(format!(
                "In the opinion of {}, the security requirements of Schedule 1 to the Product \
                 Security and Telecommunications Infrastructure (Security Requirements for Relevant \
                 Connectable Products) Regulations 2023 are met, by meeting the conditions of \
                 Schedule 2 through {EN_303_645} provisions 5.1-1, 5.1-2, 5.2-1 and 5.3-13.",
                product.manufacturer.name
            )),
        },
        Item {
            requirement: "psti:sch4-5".into(),
            label: "Defined support period".into(),
            value: support_end.map(|d| format!("Security updates will be provided until at least {d}.")),
        },
        Item {
            requirement: "psti:sch4-6".into(),
            label: "Signatory (name and function)".into(),
            value: match (&st.signatory, &st.function) {
                (Some(n), Some(f)) => Some(format!("{n}, {f}")),
                _ => None,
            },
        },
        Item {
            requirement: "psti:sch4-7".into(),
            label: "Place and date of issue".into(),
            value: match (&st.place, &st.date) {
                (Some(p), Some(d)) => Some(format!("{p}, {d}")),
                _ => None,
            },
        },
    ];
    let hints = [
        ("psti:sch4-1", "add `batch` to [product] in the product file"),
        ("psti:sch4-5", "add `support_period_end` to [statement] in the product file (or `ixit.support_period_end` to the answers)"),
        ("psti:sch4-6", "add `signatory` and `function` to [statement] in the product file"),
        ("psti:sch4-7", "add `place` and `date` to [statement] in the product file"),
    ];
    for it in &items {
        if it.value.is_none() {
            let hint = hints
                .iter()
                .find(|(r, _)| *r == it.requirement)
                .map(|(_, h)| *h)
                .unwrap_or("");
            refusals.push(format!(
                "{} ({}) is missing: {hint}",
                it.label, it.requirement
            ));
        }
    }
    to_confirm.push(
        "the list of Schedule 4 items is from secondary sources (marked uncertain in the catalogue); check it against the Regulations before issuing".to_owned(),
    );
    to_confirm
        .push("the signatory signs the issued statement by hand or electronically".to_owned());
    Statement {
        schema: "baseline/statement/v1",
        items,
        refusals,
        to_confirm,
        uncertain: true,
    }
}

pub fn render_json(s: &Statement) -> String {
    let mut out = serde_json::to_string_pretty(s).unwrap_or_default();
    out.push('\n');
    out
}

pub fn render_markdown(s: &Statement) -> String {
    let mut o = String::from("# Statement of compliance\n\n");
    if s.refused() {
        o.push_str("> **Not issuable.** Baseline refuses to produce this statement:\n>\n");
        for r in &s.refusals {
            let _ = writeln!(o, "> - {r}");
        }
        o.push('\n');
    }
    for it in &s.items {
        let _ = writeln!(
            o,
            "**{}** ({})  \n{}\n",
            it.label,
            it.requirement,
            it.value.as_deref().unwrap_or("_MISSING_")
        );
    }
    o.push_str("Signature: ______________________\n\n## The manufacturer must still confirm\n\n");
    for c in &s.to_confirm {
        let _ = writeln!(o, "- {c}");
    }
    o
}

pub fn render_html(s: &Statement) -> String {
    let mut o = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Statement of compliance</title><style>body{font:16px/1.5 Georgia,serif;max-width:45rem;margin:2rem auto;padding:0 1rem}dt{font-weight:bold;margin-top:1rem}.refused{border:2px solid #cf222e;padding:.5rem 1rem}.missing{color:#cf222e}.confirm{font-size:.9rem;color:#555}@media print{.confirm,.refused{display:none}}</style></head><body>\n<h1>Statement of compliance</h1>\n");
    if s.refused() {
        o.push_str("<div class=\"refused\"><strong>Not issuable.</strong><ul>");
        for r in &s.refusals {
            let _ = write!(o, "<li>{}</li>", esc(r));
        }
        o.push_str("</ul></div>\n");
    }
    o.push_str("<dl>\n");
    for it in &s.items {
        let _ = write!(
            o,
            "<dt>{}</dt><dd>{}</dd>\n",
            esc(&it.label),
            it.value
                .as_deref()
                .map(esc)
                .unwrap_or_else(|| "<span class=\"missing\">MISSING</span>".to_owned())
        );
    }
    o.push_str("<dt>Signature</dt><dd>&nbsp;<br>______________________</dd></dl>\n<div class=\"confirm\"><h2>The manufacturer must still confirm</h2><ul>");
    for c in &s.to_confirm {
        let _ = write!(o, "<li>{}</li>", esc(c));
    }
    o.push_str("</ul></div></body></html>\n");
    o
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use baseline_model::*;

    /// The scope decision tests use.
    pub(crate) fn in_scope() -> ScopeDecision {
        ScopeDecision {
            outcome: ScopeOutcome::InScope,
            reasons: Vec::new(),
        }
    }

    pub(crate) fn product(with_statement: bool) -> Product {
        let text = format!(
            r#"[manufacturer]
name = "Demo Devices Ltd"
address = "1 Example Street, Cambridge CB1 1AA, United Kingdom"
[product]
name = "Demo Router"
model = "DR-1"
category = "router"
{}
[market]
regions = ["gb"]
consumer = true
[connectivity]
internet = true
{}"#,
            if with_statement {
                "batch = \"2026-W01\""
            } else {
                ""
            },
            if with_statement {
                "[statement]\nsignatory = \"A. Person\"\nfunction = \"Director\"\nplace = \"Cambridge\"\ndate = \"2026-01-05\"\nsupport_period_end = \"2030-12-31\"\n"
            } else {
                ""
            }
        );
        toml::from_str(&text).unwrap()
    }

    fn assessment(outcome: Outcome) -> Assessment {
        let mut a = Assessment::new("0.1.0");
        a.product = Some(AssessedProduct {
            product: product(false),
            scope: in_scope(),
        });
        for r in ["psti:sch1-p1", "psti:sch1-p2", "psti:sch1-p3"] {
            a.verdicts.push(Verdict {
                requirement: r.into(),
                outcome,
                rationale: "because".into(),
                findings: vec![],
                answers: vec![],
                test_cases: vec![],
                uncertain: false,
            });
        }
        a
    }

    #[test]
    fn complete_statement_is_issuable_and_names_the_standard() {
        let s = build(&product(true), &assessment(Outcome::Pass));
        assert!(s.refusals.is_empty(), "{:?}", s.refusals);
        assert!(s.items[3]
            .value
            .as_deref()
            .unwrap()
            .contains("ETSI EN 303 645 V2.1.1 (2020-06)"));
        assert_eq!(
            s.items[4].value.as_deref(),
            Some("Security updates will be provided until at least 2030-12-31.")
        );
        insta::assert_snapshot!(render_markdown(&s));
    }

    #[test]
    fn refuses_on_failure_and_missing_items() {
        let s = build(&product(false), &assessment(Outcome::Fail));
        assert_eq!(s.refusals.len(), 3 + 4);
        assert!(s.refusals[0].starts_with("psti:sch1-p1 failed"));
        assert!(s
            .refusals
            .iter()
            .any(|r| r.contains("Signatory (name and function) (psti:sch4-6) is missing")));
        let html = render_html(&s);
        assert!(html.contains("Not issuable"));
    }
}
