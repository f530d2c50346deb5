//! VULN findings: matched vulnerabilities the evidence does not rule out, as [`Finding`]s the
//! assessment rules can weigh (5.2-3, 5.3-8).
//!
//! Owns: the choice of code and severity per match (VULN-001 in CISA KEV → critical; VULN-002
//! CVSS ≥ 7.0 → high; VULN-003 otherwise → low, which informs but does not decide), the title,
//! and the evidence (the component's own evidence plus the match facts in `details`). The codes
//! are registered in [`crate::checks`]. Never does: matching, or
//! anything with `not_affected` / resolved matches (they stay VEX records only).

use crate::matcher::component_label;
use baseline_model::{
    Component, Confidence, Evidence, Finding, Severity, Vulnerability, VulnerabilityDetails,
};

pub use crate::checks::{HIGH_SEVERITY, KNOWN, KNOWN_EXPLOITED};

/// CVSS base score threshold of "high" (CVSS v3/v4 qualitative scale; v2 "high" too).
pub const HIGH_CVSS: f32 = 7.0;

/// At most this many evidence items per finding (a component seen in many files).
const MAX_EVIDENCE: usize = 8;

/// The score used for severity: the newest CVSS version the record has.
pub fn base_score(v: &Vulnerability) -> Option<f32> {
    v.cvss.base()
}

/// VEX states that mean "this product is affected or may be".
fn counts(state: &str) -> bool {
    !matches!(
        state,
        "not_affected" | "false_positive" | "resolved" | "fixed"
    )
}

/// One finding per (vulnerability, component) match whose VEX state is not `not_affected`
/// (nor resolved / false positive). `components` are the assessment's components, used for
/// the evidence (file path and offset where the component was identified). Sorted by
/// severity, code, title.
pub fn findings(components: &[Component], vulns: &[Vulnerability]) -> Vec<Finding> {
    let mut out: Vec<Finding> = vulns
        .iter()
        .filter(|v| counts(&v.state))
        .map(|v| finding(components, v))
        .collect();
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

fn finding(components: &[Component], v: &Vulnerability) -> Finding {
    let comp = components
        .iter()
        .find(|c| component_label(c) == v.component);
    let score = base_score(v);
    let (info, severity) = if v.kev {
        (KNOWN_EXPLOITED, Severity::Critical)
    } else if score.is_some_and(|s| s >= HIGH_CVSS) {
        (HIGH_SEVERITY, Severity::High)
    } else {
        (KNOWN, Severity::Low)
    };
    let cvss_text = score.map_or_else(|| "no CVSS score".to_owned(), |s| format!("CVSS {s:.1}"));
    let title = if v.kev {
        format!(
            "{} in {}: known to be exploited (CISA KEV), {cvss_text}",
            v.id, v.component
        )
    } else {
        format!("{} in {}: {cvss_text}", v.id, v.component)
    };
    let note = format!(
        "{} identified here; {} matched: {}",
        v.component, v.id, v.reason
    );
    let mut evidence: Vec<Evidence> = comp
        .map(|c| {
            c.evidence
                .iter()
                .take(MAX_EVIDENCE)
                .cloned()
                .map(|mut e| {
                    e.note = Some(match e.note.take() {
                        Some(n) => format!("{note} ({n})"),
                        None => note.clone(),
                    });
                    e
                })
                .collect()
        })
        .unwrap_or_default();
    if evidence.is_empty() {
        // A component without evidence (e.g. given only by the product file) still needs a
        // place: the match itself.
        evidence.push(Evidence::new("vulnerability store").note(note.clone()));
    }
    let details = VulnerabilityDetails {
        vulnerability: v.id.clone(),
        component: v.component.clone(),
        component_name: comp.map(|c| c.name.clone()),
        component_version: comp.and_then(|c| c.version.clone()),
        cpe: comp.and_then(|c| c.cpe.clone()),
        cvss: v.cvss.clone(),
        cvss_score: score,
        kev: v.kev,
        epss: v.epss,
        vex_state: v.state.clone(),
        vex_justification: v.justification.clone(),
        reason: v.reason.clone(),
    };
    let mut f = info.finding(
        severity,
        comp.map_or(Confidence::Medium, |c| c.confidence),
        title,
    );
    f.evidence = evidence;
    f.details = details.to_details();
    f
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use baseline_model::Cvss;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn comp(name: &str, version: &str) -> Component {
        Component {
            name: name.into(),
            version: Some(version.into()),
            purl: None,
            cpe: None,
            evidence: vec![Evidence::new("fw.bin")
                .path("/bin/busybox")
                .offset(0x1234)
                .excerpt("BusyBox v1.01")],
            confidence: Confidence::High,
            kind: "application".into(),
            vendor: None,
            properties: BTreeMap::new(),
        }
    }

    fn vuln(id: &str, comp: &str, v3: Option<f32>, kev: bool, state: &str) -> Vulnerability {
        Vulnerability {
            id: id.into(),
            component: comp.into(),
            cvss: Cvss {
                v3,
                ..Cvss::default()
            },
            kev,
            epss: Some(0.5),
            state: state.into(),
            justification: (state == "not_affected").then(|| "code_not_present".into()),
            reason: "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:* with 1.01 ≤ 1.25.1".into(),
            requirements: Vec::new(),
        }
    }

    #[test]
    fn codes_severities_and_evidence() {
        let comps = [comp("BusyBox", "1.01")];
        let vulns = [
            vuln("CVE-1", "BusyBox 1.01", Some(5.0), true, "affected"),
            vuln("CVE-2", "BusyBox 1.01", Some(9.8), false, "affected"),
            vuln("CVE-3", "BusyBox 1.01", Some(6.9), false, "affected"),
            vuln("CVE-4", "BusyBox 1.01", None, false, "affected"),
            vuln("CVE-5", "BusyBox 1.01", Some(9.8), true, "not_affected"),
        ];
        let f = findings(&comps, &vulns);
        let got: Vec<(&str, Severity, &str)> = f
            .iter()
            .map(|f| {
                (
                    f.code.as_str(),
                    f.severity,
                    f.details["vulnerability"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("VULN-001", Severity::Critical, "CVE-1"),
                ("VULN-002", Severity::High, "CVE-2"),
                ("VULN-003", Severity::Low, "CVE-3"),
                ("VULN-003", Severity::Low, "CVE-4"),
            ]
        );
        let kev = &f[0];
        assert_eq!(
            kev.title,
            "CVE-1 in BusyBox 1.01: known to be exploited (CISA KEV), CVSS 5.0"
        );
        assert_eq!(kev.requirements, ["en303645:5.2-3", "en303645:5.3-8"]);
        assert_eq!(kev.evidence[0].path.as_deref(), Some("/bin/busybox"));
        assert_eq!(kev.evidence[0].offset, Some(0x1234));
        assert!(kev.evidence[0]
            .note
            .as_deref()
            .unwrap()
            .contains("CVE-1 matched: cpe:2.3:a:busybox:busybox"));
        assert_eq!(kev.details["kev"], true);
        assert_eq!(kev.details["cvss"], json!({ "v3": 5.0 }));
        assert_eq!(kev.details["epss"].to_string(), "0.5");
        assert_eq!(f[1].details["cvss_score"].to_string(), "9.8");
        assert_eq!(kev.details["vex_state"], "affected");
        assert_eq!(kev.details["component_version"], "1.01");
        assert_eq!(f[3].title, "CVE-4 in BusyBox 1.01: no CVSS score");
    }

    #[test]
    fn component_without_evidence_still_has_a_place() {
        let mut c = comp("TL-WR841N-firmware", "3.16.9");
        c.evidence.clear();
        let f = findings(
            &[c],
            &[vuln(
                "CVE-9",
                "TL-WR841N-firmware 3.16.9",
                Some(8.8),
                false,
                "affected",
            )],
        );
        assert_eq!(f[0].evidence[0].artifact, "vulnerability store");
    }

    #[test]
    fn details_are_typed_and_round_trip() {
        let comps = [comp("BusyBox", "1.01")];
        let v = vuln("CVE-7", "BusyBox 1.01", Some(8.8), true, "affected");
        let f = findings(&comps, std::slice::from_ref(&v));
        let d = VulnerabilityDetails::of(&f[0]).unwrap();
        assert_eq!(d.vulnerability, "CVE-7");
        assert_eq!(d.component_version.as_deref(), Some("1.01"));
        assert!(d.kev);
        // f32 scores serialise as written, not as their f64 expansion.
        assert_eq!(f[0].details["cvss_score"].to_string(), "8.8");
        assert_eq!(f[0].details["cvss"].to_string(), r#"{"v3":8.8}"#);
    }
}
