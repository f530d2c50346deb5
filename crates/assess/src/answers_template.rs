//! `baseline answers template`: an answers file to fill in, pre-filled with what the automated
//! evidence already says (conditions the firmware shows, provisions it fails). Every other
//! entry is commented out, so the template parses as it stands and the manufacturer
//! uncomments what they answer.

use crate::answers::IXIT_KEYS;
use crate::engine::EngineOutput;
use baseline_catalogue::{Catalogue, HUB_SCHEME};
use baseline_model::{ConditionFacts, Outcome, Product};
use std::fmt::Write;

/// Render the template. `engine` is an evaluation without answers (its conditions and
/// failing verdicts are the pre-filled parts).
pub fn render(catalogue: &Catalogue, product: Option<&Product>, engine: &EngineOutput) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Baseline answers file: EN 303 645 Annex B ICS and TS 103 701 IXIT (docs/answers.md)."
    );
    if let Some(p) = product {
        let _ = writeln!(
            s,
            "# Product: {} {} ({})",
            p.manufacturer.name, p.product.name, p.product.model
        );
    }
    let _ = writeln!(
        s,
        "# Lines without `#` were filled in from the firmware evidence; check them.\n"
    );
    s.push_str("[conditions]\n");
    for (id, key) in ConditionFacts::KEYS {
        let Some(c) = engine.conditions.iter().find(|c| c.id == *id) else {
            continue;
        };
        let _ = writeln!(s, "# ({id}) {}", c.text);
        if !c.evidence.is_empty() {
            let holds = c.holds.unwrap_or(true);
            let _ = writeln!(
                s,
                "{key} = {holds}  # firmware evidence: {}",
                c.evidence.join(", ")
            );
        } else {
            let _ = writeln!(s, "# {key} = true | false");
        }
    }
    s.push('\n');
    for req in catalogue.requirements_of(HUB_SCHEME) {
        let reference = req.reference();
        let status = req
            .status
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default();
        let _ = writeln!(s, "# {} [{status}] {}", req.id, req.title);
        let failing = engine.verdicts.iter().find(|v| {
            v.requirement == reference && v.outcome == Outcome::Fail && !v.findings.is_empty()
        });
        match failing {
            Some(v) => {
                let _ = writeln!(s, "[ics.\"{}\"]", req.id);
                let _ = writeln!(s, "support = \"no\"");
                let _ = writeln!(
                    s,
                    "detail = {}",
                    toml_string(&format!("firmware evidence: {}", v.findings.join(", ")))
                );
            }
            None => {
                let _ = writeln!(s, "# [ics.\"{}\"]", req.id);
                let choices = if req.status.as_ref().is_some_and(|x| x.is_conditional()) {
                    "\"yes\" | \"no\" | \"n/a\""
                } else {
                    "\"yes\" | \"no\""
                };
                let _ = writeln!(s, "# support = {choices}");
                let _ = writeln!(s, "# detail = \"\"");
            }
        }
        s.push('\n');
    }
    s.push_str("[ixit]\n");
    for k in IXIT_KEYS {
        let _ = writeln!(s, "# {} ({})", k.help, k.section);
        let _ = writeln!(s, "# {} = \"\"", k.key);
    }
    s
}

fn toml_string(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
