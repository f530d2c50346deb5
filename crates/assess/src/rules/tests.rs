use crate::answers::{parse_answers, Answers};
use crate::engine::{evaluate, EngineInput};
use baseline_catalogue::{Catalogue, HUB_SCHEME};
use baseline_model::{Confidence, Finding, Outcome, Severity, Verdict};

fn finding(code: &str, severity: Severity, refs: &[&str]) -> Finding {
    Finding {
        code: code.into(),
        name: "n".into(),
        severity,
        title: format!("{code} title"),
        requirements: refs.iter().map(|r| (*r).to_owned()).collect(),
        evidence: vec![],
        confidence: Confidence::High,
        details: Default::default(),
    }
}

fn run(findings: &[Finding], answers: Option<&Answers>) -> Vec<Verdict> {
    evaluate(EngineInput {
        catalogue: Catalogue::embedded(),
        product: None,
        scope: None,
        answers,
        findings,
        schemes: &[],
    })
    .unwrap()
    .verdicts
}

fn get<'a>(v: &'a [Verdict], r: &str) -> &'a Verdict {
    v.iter().find(|x| x.requirement == r).unwrap()
}

#[test]
fn every_provision_has_exactly_one_rule() {
    let cat = Catalogue::embedded();
    let rules = super::all();
    for req in cat.requirements_of(HUB_SCHEME) {
        assert_eq!(
            rules.iter().filter(|r| r.id == req.id).count(),
            1,
            "{}",
            req.id
        );
    }
    assert_eq!(rules.len(), cat.requirements_of(HUB_SCHEME).count());
}

#[test]
fn fixed_password_fails_5_1_1_and_psti_p1_with_test_cases() {
    let f = [finding(
        "CRED-001",
        Severity::Critical,
        &["psti:sch1-p1", "en303645:5.1-1"],
    )];
    let v = run(&f, None);
    let p = get(&v, "en303645:5.1-1");
    assert_eq!(p.outcome, Outcome::Fail);
    assert_eq!(p.findings, vec!["CRED-001".to_owned()]);
    assert_eq!(
        p.test_cases,
        vec!["5.1-1-1".to_owned(), "5.1-1-2".to_owned()]
    );
    assert_eq!(get(&v, "psti:sch1-p1").outcome, Outcome::Fail);
    assert_eq!(get(&v, "uk-cop:1").outcome, Outcome::Fail);
    assert_eq!(get(&v, "sg-cls:L1").outcome, Outcome::Fail);
}

#[test]
fn a_new_code_decides_through_its_requirement_reference() {
    let f = [finding("SVC-042", Severity::High, &["en303645:5.6-1"])];
    let v = run(&f, None);
    assert_eq!(get(&v, "en303645:5.6-1").outcome, Outcome::Fail);
    let info = [finding("SVC-043", Severity::Info, &["en303645:5.6-2"])];
    assert_eq!(
        get(&run(&info, None), "en303645:5.6-2").outcome,
        Outcome::Inconclusive
    );
}

#[test]
fn known_vulnerabilities_fail_5_2_3_and_5_3_8_in_plain_words() {
    let refs = ["en303645:5.2-3", "en303645:5.3-8"];
    let mut kev = finding("VULN-001", Severity::Critical, &refs);
    kev.details
        .insert("vulnerability".into(), "CVE-2023-33538".into());
    kev.details
        .insert("component".into(), "TL-WR841N-firmware 3.16.9".into());
    kev.details.insert("kev".into(), true.into());
    let low = finding("VULN-003", Severity::Low, &refs);
    let v = run(&[kev, low.clone()], None);
    let p = get(&v, "en303645:5.2-3");
    assert_eq!(p.outcome, Outcome::Fail);
    assert_eq!(p.findings, vec!["VULN-001".to_owned()]);
    assert!(
        p.rationale.starts_with(
            "Vulnerabilities are not being found and fixed: this image ships 1 known, unfixed \
             high-severity or exploited vulnerability, 1 of them known to be exploited (CISA \
             KEV): CVE-2023-33538 in TL-WR841N-firmware 3.16.9. The firmware fails 5.2-3"
        ),
        "{}",
        p.rationale
    );
    let u = get(&v, "en303645:5.3-8");
    assert_eq!(u.outcome, Outcome::Fail);
    assert!(u
        .rationale
        .starts_with("Security updates have not come in good time: "));
    // A low-severity VULN finding alone informs but does not decide.
    let only_low = run(&[low], None);
    assert_eq!(
        get(&only_low, "en303645:5.2-3").outcome,
        Outcome::Inconclusive
    );
    assert!(get(&only_low, "en303645:5.2-3").findings.is_empty());
}

#[test]
fn answers_pass_na_and_fail() {
    let text = r#"
[conditions]
telemetry = false
[ics."5.1-3"]
support = "yes"
detail = "sha512crypt"
[ics."5.6-3"]
support = "no"
detail = "the UART is needed for repair"
[ics."5.5-1"]
support = "no"
detail = "plain HTTP"
[ics."5.4-1"]
support = "yes"
[ixit]
authentication_mechanism = "password over TLS"
support_period_end = "5 years"
"#;
    let a = parse_answers(text, "a.toml", Catalogue::embedded()).unwrap();
    let v = run(&[], Some(&a));
    assert_eq!(get(&v, "en303645:5.1-3").outcome, Outcome::Pass);
    assert!(get(&v, "en303645:5.1-3")
        .rationale
        .contains("rests on the manufacturer's answers"));
    assert_eq!(get(&v, "en303645:5.6-3").outcome, Outcome::NotApplicable);
    assert_eq!(get(&v, "en303645:5.5-1").outcome, Outcome::Fail);
    assert_eq!(get(&v, "en303645:5.4-1").outcome, Outcome::Inconclusive);
    assert_eq!(get(&v, "en303645:5.10-1").outcome, Outcome::NotApplicable);
    let p32 = get(&v, "psti:sch1-p3-2");
    assert_eq!(p32.outcome, Outcome::Fail);
    assert!(p32.rationale.contains("ending on a specific date"));
}

#[test]
fn evidence_contradicting_yes_is_said() {
    let text =
        "[ics.\"5.4-1\"]\nsupport = \"yes\"\n[ixit]\nsecurity_parameters = \"secure element\"\n";
    let a = parse_answers(text, "a.toml", Catalogue::embedded()).unwrap();
    let f = [finding("KEY-001", Severity::High, &["en303645:5.4-1"])];
    let v = run(&f, Some(&a));
    let p = get(&v, "en303645:5.4-1");
    assert_eq!(p.outcome, Outcome::Fail);
    assert!(p.rationale.contains("contradicts the ICS answer"));
}

#[test]
fn excepted_product_is_not_assessed_against_psti() {
    let text = r#"[manufacturer]
name = "A"
address = "B"
[product]
name = "Lap"
model = "L1"
category = "laptop"
[market]
regions = ["gb"]
consumer = true
[connectivity]
internet = true
"#;
    let p = crate::parse_product(text, "p.toml").unwrap();
    let scope = crate::decide(&p);
    let out = evaluate(EngineInput {
        catalogue: Catalogue::embedded(),
        product: Some(&p),
        scope: Some(&scope),
        answers: None,
        findings: &[finding("CRED-001", Severity::Critical, &["psti:sch1-p1"])],
        schemes: &["psti".to_owned()],
    })
    .unwrap();
    assert_eq!(out.verdicts.len(), 3);
    assert!(out
        .verdicts
        .iter()
        .all(|v| v.outcome == Outcome::NotApplicable));
    assert!(
        out.verdicts[0].rationale.contains("excepted"),
        "{}",
        out.verdicts[0].rationale
    );
    assert_eq!(out.summary["psti"].overall, Outcome::NotApplicable);
}

#[test]
fn summary_counts_and_flags() {
    let out = evaluate(EngineInput {
        catalogue: Catalogue::embedded(),
        product: None,
        scope: None,
        answers: None,
        findings: &[],
        schemes: &[],
    })
    .unwrap();
    let en = &out.summary["en303645"];
    assert_eq!(en.pass + en.fail + en.inconclusive + en.not_applicable, 68);
    assert!(!en.indicative);
    assert!(out.summary["cra"].indicative);
    assert_eq!(out.summary["sg-cls"].level.as_deref(), Some("none"));
    assert!(out.summary["psti"].uncertain);
}
