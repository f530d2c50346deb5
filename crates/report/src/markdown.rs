//! `--format markdown`: a GitHub-flavoured summary for tickets and pull requests: one table
//! of schemes, the failing and inconclusive verdicts of the regulated schemes with their
//! reasons, condition contradictions, and the findings table. Long lists fold into
//! `<details>` so a ticket stays readable.

use baseline_model::{Assessment, Outcome};
use std::fmt::Write;

/// Escape text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

fn icon(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✅ pass",
        Outcome::Fail => "❌ fail",
        Outcome::Inconclusive => "❔ inconclusive",
        Outcome::NotApplicable => "➖ n/a",
    }
}

/// Render the report.
pub fn render(a: &Assessment) -> String {
    let mut s = String::new();
    let name = a
        .product
        .as_ref()
        .map(|p| p.product.product.name.clone())
        .unwrap_or_else(|| {
            a.artifacts
                .iter()
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        });
    let _ = writeln!(s, "# Baseline assessment: {}\n", cell(&name));
    for art in &a.artifacts {
        let _ = writeln!(
            s,
            "- `{}` — {} bytes, sha256 `{}`{}",
            art.name,
            art.size,
            art.sha256,
            art.format
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default()
        );
    }
    if let Some(p) = &a.product {
        let _ = writeln!(s, "- PSTI scope: **{}**", p.scope.outcome.as_str());
    }
    if !a.summary.is_empty() {
        s.push_str("\n## Summary\n\n| scheme | overall | pass | fail | inconclusive | n/a | notes |\n|---|---|---|---|---|---|---|\n");
        for (scheme, sum) in crate::html::scheme_order(a)
            .into_iter()
            .filter_map(|k| a.summary.get(k).map(|s| (k, s)))
        {
            let mut notes = Vec::new();
            if let Some(l) = &sum.level {
                notes.push(format!("level: {l}"));
            }
            if sum.indicative {
                notes.push("indicative mapping".to_owned());
            }
            if sum.uncertain {
                notes.push("rests on uncertain items".to_owned());
            }
            let _ = writeln!(
                s,
                "| {scheme} | **{}** | {} | {} | {} | {} | {} |",
                sum.overall.as_str(),
                sum.pass,
                sum.fail,
                sum.inconclusive,
                sum.not_applicable,
                notes.join("; ")
            );
        }
    }
    for scheme in ["psti", "en303645"] {
        let prefix = format!("{scheme}:");
        let mut list: Vec<_> = a
            .verdicts
            .iter()
            .filter(|v| v.requirement.starts_with(&prefix))
            .filter(|v| matches!(v.outcome, Outcome::Fail | Outcome::Inconclusive))
            .collect();
        if list.is_empty() {
            continue;
        }
        list.sort_by_key(|v| v.outcome);
        let fails = list.iter().filter(|v| v.outcome == Outcome::Fail).count();
        let _ = writeln!(
            s,
            "\n## {scheme}: {fails} failing, {} inconclusive\n",
            list.len() - fails
        );
        let _ = writeln!(
            s,
            "| requirement | outcome | why | findings |\n|---|---|---|---|"
        );
        let mut folded = String::new();
        for v in &list {
            let row = format!(
                "| `{}`{} | {} | {} | {} |\n",
                v.requirement,
                if v.uncertain { " ⚠" } else { "" },
                icon(v.outcome),
                cell(&v.rationale),
                v.findings.join(", ")
            );
            if v.outcome == Outcome::Fail {
                s.push_str(&row);
            } else {
                folded.push_str(&row);
            }
        }
        if !folded.is_empty() {
            let _ = writeln!(
                s,
                "\n<details><summary>Inconclusive: needs the answers file or a person</summary>\n\n| requirement | outcome | why | findings |\n|---|---|---|---|\n{folded}\n</details>"
            );
        }
    }
    let contradictions: Vec<_> = a
        .conditions
        .iter()
        .filter(|c| c.contradiction.is_some())
        .collect();
    if !contradictions.is_empty() {
        s.push_str("\n## Answers contradicted by the firmware\n\n");
        for c in contradictions {
            let _ = writeln!(
                s,
                "- condition ({}) {}: {}",
                c.id,
                c.text,
                c.contradiction.as_deref().unwrap_or("")
            );
        }
    }
    if !a.findings.is_empty() {
        let _ = writeln!(
            s,
            "\n## Findings ({})\n\n| severity | code | finding | where |\n|---|---|---|---|",
            a.findings.len()
        );
        for f in &a.findings {
            let at = f
                .evidence
                .first()
                .map(|e| {
                    let mut l = e.artifact.clone();
                    if let Some(p) = &e.path {
                        l.push('!');
                        l.push_str(p);
                    }
                    if let Some(n) = e.line {
                        let _ = write!(l, ":{n}");
                    }
                    format!("`{}`", l.replace('`', "'"))
                })
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| {} | {} `{}` | {} | {} |",
                f.severity.as_str(),
                f.code,
                f.name,
                cell(&f.title),
                at
            );
        }
    }
    if !a.components.is_empty() {
        let _ = writeln!(
            s,
            "\n<details><summary>Components ({})</summary>\n",
            a.components.len()
        );
        for c in &a.components {
            let _ = writeln!(
                s,
                "- {} {}",
                cell(&c.name),
                c.version.as_deref().unwrap_or("(version unknown)")
            );
        }
        s.push_str("\n</details>\n");
    }
    for n in &a.notices {
        let _ = writeln!(s, "\n> notice: {}", cell(&n.to_string()));
    }
    let _ = writeln!(
        s,
        "\n<sub>{} {} · `inconclusive` is Baseline's own outcome (TS 103 701 knows only PASS/FAIL): the firmware cannot decide it, the answers file or a person must.</sub>",
        a.tool.name, a.tool.version
    );
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use baseline_model::*;
    use std::collections::BTreeMap;

    /// An assessment with every section filled, shared by the renderer tests.
    pub(crate) fn rich_sample() -> Assessment {
        let mut a = crate::text::tests::sample();
        a.artifacts[0].name = "demo fw.bin".into();
        a.findings[0].evidence[0].artifact = "demo fw.bin".into();
        a.findings.push(Finding {
            code: "KEY-001".into(),
            name: "embedded-private-key".into(),
            severity: Severity::High,
            title: "RSA 2048 private key <in> /etc/ssl/key.pem".into(),
            requirements: vec!["en303645:5.4-3".into()],
            evidence: vec![Evidence::new("demo fw.bin")
                .path("/etc/ssl/key.pem")
                .offset(0)
                .note("PEM block")],
            confidence: Confidence::High,
            details: BTreeMap::new(),
        });
        a.components.push(Component {
            name: "busybox".into(),
            version: Some("1.19.4".into()),
            purl: None,
            cpe: None,
            evidence: vec![],
            confidence: Confidence::High,
            kind: "application".into(),
            vendor: None,
            properties: BTreeMap::new(),
        });
        a.product = Some(baseline_model::AssessedProduct {
            product: crate::statement::tests::product(false),
            scope: crate::statement::tests::in_scope(),
        });
        a.verdicts.push(Verdict {
            requirement: "psti:sch1-p1".into(),
            outcome: Outcome::Fail,
            rationale: "Deemed through EN 303 645 5.1-1 | 5.1-2: fail en303645:5.1-1.".into(),
            findings: vec!["CRED-001".into()],
            answers: vec![],
            test_cases: vec![],
            uncertain: false,
        });
        a.verdicts.push(Verdict {
            requirement: "psti:sch1-p3".into(),
            outcome: Outcome::Inconclusive,
            rationale: "Needs `ixit.support_period_end`.".into(),
            findings: vec![],
            answers: vec![],
            test_cases: vec![],
            uncertain: true,
        });
        a.verdicts.push(Verdict {
            requirement: "en303645:5.1-3".into(),
            outcome: Outcome::Pass,
            rationale: "The ICS says 5.1-3 is supported.".into(),
            findings: vec![],
            answers: vec!["ics.5.1-3".into()],
            test_cases: vec!["5.1-3-1".into(), "5.1-3-2".into()],
            uncertain: false,
        });
        a.summary.insert(
            "psti".into(),
            SchemeSummary {
                fail: 1,
                inconclusive: 1,
                overall: Outcome::Fail,
                uncertain: true,
                ..SchemeSummary::default()
            },
        );
        a.summary.insert(
            "sg-cls".into(),
            SchemeSummary {
                fail: 4,
                overall: Outcome::Fail,
                level: Some("none".into()),
                ..SchemeSummary::default()
            },
        );
        a.summary.insert(
            "cra".into(),
            SchemeSummary {
                inconclusive: 3,
                overall: Outcome::Inconclusive,
                indicative: true,
                ..SchemeSummary::default()
            },
        );
        a.conditions.push(ConditionState {
            id: 1,
            text: "Passwords are used".into(),
            holds: Some(true),
            source: ConditionSource::Evidence,
            declared: Some(false),
            evidence: vec!["CRED-001".into()],
            contradiction: Some(
                "declared false (answers file) but the firmware shows it holds: CRED-001".into(),
            ),
        });
        a.notices
            .push(baseline_model::Notice::parse("condition (1) contradicted"));
        a
    }

    #[test]
    fn markdown_lists_failures_first_and_escapes_cells() {
        let s = render(&rich_sample());
        assert!(
            s.contains("| `psti:sch1-p1` | ❌ fail | Deemed through EN 303 645 5.1-1 \\| 5.1-2")
        );
        assert!(s.contains("| sg-cls | **fail** | 0 | 4 | 0 | 0 | level: none |"));
        assert!(s.contains("&lt;in>"));
        insta::assert_snapshot!(s);
    }
}
