//! The EN 303 645 V2.1.1 Annex B conditions (1–13) for one product: what the answers file
//! and the product file declare, what the firmware evidences, and where they disagree.
//!
//! Evidence only ever shows that a condition holds (an account database shows passwords
//! are used, an update client shows an update mechanism); absence of evidence is never taken
//! as "does not hold". When a declaration says "no" and the evidence says "yes", the
//! evidence wins and the contradiction is reported. Never does I/O.

use baseline_catalogue::{Catalogue, HUB_SCHEME};
use baseline_model::{ConditionFacts, ConditionSource, ConditionState, Finding};

/// Does this finding show that condition `id` holds? Keyed on families and requirement
/// references so that codes added later by other families plug in.
fn evidences(id: u32, f: &Finding) -> bool {
    let family = f.code.split('-').next().unwrap_or("");
    let refs = |prefix: &str| f.requirements.iter().any(|r| r.starts_with(prefix));
    match id {
        // Passwords used: any credential finding except a shell offered without one.
        1 => family == "CRED" && f.code != "CRED-004",
        // Pre-installed passwords: a fixed credential shipped in the image.
        2 => {
            matches!(
                f.code.as_str(),
                "CRED-001" | "CRED-002" | "CRED-005" | "CRED-006" | "CRED-007" | "CRED-008"
            )
        }
        // User authentication: an account database or a web password file.
        8 => matches!(f.code.as_str(), "CRED-001" | "CRED-002" | "CRED-005"),
        // An update mechanism: any update-family finding is about one.
        12 => family == "UPD",
        // Updates over a network: update findings about network-delivered updates.
        11 => family == "UPD" && refs("en303645:5.3-10"),
        // Debug interface physically accessible: a serial console shell, or a debug finding.
        13 => {
            (f.code == "CRED-004"
                && f.details.get("channel").and_then(|v| v.as_str()) == Some("serial-console"))
                || (family != "CRED" && refs("en303645:5.6-4"))
        }
        _ => false,
    }
}

/// Condition 3 ("software not updateable") is contradicted by evidence of condition 12.
fn evidences_not(id: u32, f: &Finding) -> bool {
    id == 3 && evidences(12, f)
}

/// Decide every condition of the hub scheme.
pub fn decide(
    catalogue: &Catalogue,
    product: Option<&ConditionFacts>,
    answers: Option<&ConditionFacts>,
    findings: &[Finding],
) -> Vec<ConditionState> {
    let mut out = Vec::new();
    for c in catalogue.conditions(HUB_SCHEME) {
        let from_answers = answers.and_then(|a| a.get(c.id));
        let from_product = product.and_then(|p| p.get(c.id));
        let (declared, mut source) = match (from_answers, from_product) {
            (Some(v), _) => (Some(v), ConditionSource::Answers),
            (None, Some(v)) => (Some(v), ConditionSource::Product),
            (None, None) => (None, ConditionSource::Unknown),
        };
        if c.id == 5 && declared.is_some() {
            source = ConditionSource::Derived;
        }
        let mut evidence: Vec<String> = findings
            .iter()
            .filter(|f| evidences(c.id, f))
            .map(|f| f.code.clone())
            .collect();
        evidence = dedup(evidence);
        let against: Vec<String> = findings
            .iter()
            .filter(|f| evidences_not(c.id, f))
            .map(|f| f.code.clone())
            .collect();
        let mut holds = declared;
        let mut contradiction = None;
        if !evidence.is_empty() {
            match declared {
                Some(false) => {
                    contradiction = Some(format!(
                        "declared false ({}) but the firmware shows it holds: {}",
                        describe(source),
                        evidence.join(", ")
                    ));
                    holds = Some(true);
                }
                None => {
                    holds = Some(true);
                    source = ConditionSource::Evidence;
                }
                Some(true) => {}
            }
        }
        if !against.is_empty() && declared == Some(true) {
            contradiction = Some(format!(
                "declared true ({}) but the firmware shows an update mechanism: {}",
                describe(source),
                dedup(against.clone()).join(", ")
            ));
            holds = Some(false);
        }
        if c.id == 3 && !against.is_empty() {
            evidence = dedup(against);
        }
        out.push(ConditionState {
            id: c.id,
            text: c.text.clone(),
            holds,
            source,
            declared,
            evidence,
            contradiction,
        });
    }
    out
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn describe(s: ConditionSource) -> &'static str {
    match s {
        ConditionSource::Answers => "answers file",
        ConditionSource::Product => "product file",
        ConditionSource::Derived => "derived from condition 4",
        ConditionSource::Evidence => "firmware evidence",
        ConditionSource::Unknown => "not declared",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baseline_model::{Confidence, Severity};

    fn finding(code: &str) -> Finding {
        Finding {
            code: code.into(),
            name: "x".into(),
            severity: Severity::High,
            title: "t".into(),
            requirements: vec![],
            evidence: vec![],
            confidence: Confidence::High,
            details: Default::default(),
        }
    }

    #[test]
    fn evidence_fills_unknown_and_contradicts_a_false_declaration() {
        let cat = Catalogue::embedded();
        let answers = ConditionFacts {
            passwords_used: Some(false),
            constrained: Some(false),
            ..Default::default()
        };
        let st = decide(cat, None, Some(&answers), &[finding("CRED-001")]);
        assert_eq!(st.len(), 13);
        let c1 = &st[0];
        assert_eq!(c1.holds, Some(true));
        assert_eq!(c1.evidence, vec!["CRED-001".to_owned()]);
        assert!(c1
            .contradiction
            .as_deref()
            .unwrap()
            .contains("answers file"));
        let c2 = &st[1];
        assert_eq!(
            (c2.holds, c2.source),
            (Some(true), ConditionSource::Evidence)
        );
        let c5 = &st[4];
        assert_eq!(
            (c5.holds, c5.source),
            (Some(true), ConditionSource::Derived)
        );
        let c6 = &st[5];
        assert_eq!((c6.holds, c6.source), (None, ConditionSource::Unknown));
    }

    #[test]
    fn update_evidence_contradicts_not_updateable() {
        let cat = Catalogue::embedded();
        let product = ConditionFacts {
            software_not_updateable: Some(true),
            ..Default::default()
        };
        let st = decide(cat, Some(&product), None, &[finding("UPD-001")]);
        assert_eq!(st[2].holds, Some(false));
        assert!(st[2].contradiction.is_some());
        assert_eq!(st[11].holds, Some(true));
    }
}
