//! The demo image: reproducible, and its assessment finds the problems planted in it.

mod demo_image;

use assert_cmd::Command;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn baseline() -> Command {
    let mut c = Command::cargo_bin("baseline").unwrap();
    c.current_dir(root());
    c
}

#[test]
fn committed_demo_image_is_byte_identical_to_a_rebuild() {
    let committed = std::fs::read(root().join("examples/demo-firmware.bin")).unwrap();
    let rebuilt = demo_image::build();
    assert_eq!(committed.len(), rebuilt.len());
    assert!(
        committed == rebuilt,
        "examples/demo-firmware.bin is stale: run `cargo run -p baseline-cli --example make_demo`"
    );
    assert!(rebuilt.len() < 256 * 1024);
    assert_eq!(demo_image::build(), rebuilt, "two builds differ");
}

fn assess_json() -> serde_json::Value {
    let out = baseline()
        .args([
            "assess",
            "examples/demo-firmware.bin",
            "--product",
            "examples/demo-product.toml",
            "--answers",
            "examples/demo-answers.toml",
            "--format",
            "json",
            "--crack-budget",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/schema/assessment-v1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    doc
}

fn verdict<'a>(doc: &'a serde_json::Value, r: &str) -> &'a serde_json::Value {
    doc["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["requirement"] == r)
        .unwrap_or_else(|| panic!("no verdict {r}"))
}

#[test]
fn demo_assessment_finds_the_planted_problems() {
    let doc = assess_json();
    let findings = doc["findings"].as_array().unwrap();
    let has = |code: &str, path: &str| {
        findings.iter().any(|f| {
            f["code"] == code
                && f["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["path"] == path)
        })
    };
    assert!(has("CRED-001", "/etc/shadow"), "fixed root hash");
    assert!(has("CRED-002", "/etc/shadow"), "empty guest password");
    assert!(has("CRED-004", "/etc/inittab"), "serial root shell");
    assert!(has("CRED-004", "/etc/init.d/rcS"), "telnetd -l /bin/sh");
    assert!(has("KEY-001", "/etc/ssl/private/server.key"), "private key");

    let v = verdict(&doc, "en303645:5.1-1");
    assert_eq!(v["outcome"], "fail");
    assert!(v["rationale"]
        .as_str()
        .unwrap()
        .contains("contradicts the ICS answer"));
    assert_eq!(verdict(&doc, "en303645:5.4-3")["outcome"], "fail");
    assert_eq!(verdict(&doc, "psti:sch1-p1")["outcome"], "fail");
    assert_eq!(verdict(&doc, "psti:sch1-p3-2")["outcome"], "pass");
    assert_eq!(verdict(&doc, "en303645:5.1-3")["outcome"], "pass");
    assert_eq!(
        verdict(&doc, "en303645:5.10-1")["outcome"],
        "not-applicable"
    );
    assert_eq!(doc["summary"]["psti"]["overall"], "fail");
    assert_eq!(doc["summary"]["sg-cls"]["level"], "none");

    // The answers say no pre-installed passwords and no debug interface; the firmware disagrees.
    let conditions = doc["conditions"].as_array().unwrap();
    let c2 = conditions.iter().find(|c| c["id"] == 2).unwrap();
    assert_eq!(c2["holds"], true);
    assert!(c2["contradiction"].as_str().unwrap().contains("CRED-001"));
    let c13 = conditions.iter().find(|c| c["id"] == 13).unwrap();
    assert!(c13["contradiction"].as_str().unwrap().contains("CRED-004"));
}

#[test]
fn statement_is_refused_for_the_demo_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    baseline()
        .args([
            "assess",
            "examples/demo-firmware.bin",
            "--product",
            "examples/demo-product.toml",
            "--answers",
            "examples/demo-answers.toml",
            "--format",
            "json",
            "--crack-budget",
            "0",
            "--fail-on",
            "never",
            "-o",
        ])
        .arg(&report)
        .assert()
        .code(0);
    let out_file = dir.path().join("s.html");
    let out = baseline()
        .args([
            "statement",
            "--product",
            "examples/demo-product.toml",
            "--assessment",
        ])
        .arg(&report)
        .arg("-o")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("psti:sch1-p1 failed"), "{err}");
    assert!(!out_file.exists(), "nothing half-written");
}

#[test]
fn bad_answers_file_is_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("a.toml");
    std::fs::write(&answers, "[ics.\"5.1-1\"]\nsupport = \"maybe\"\n").unwrap();
    let out_file = dir.path().join("out.json");
    let out = baseline()
        .args(["assess", "examples/demo-firmware.bin", "--answers"])
        .arg(&answers)
        .arg("-o")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.toml:2:"), "{err}");
    assert!(err.contains("maybe"), "{err}");
    assert!(!out_file.exists());
}

#[test]
fn unknown_scheme_is_exit_2() {
    let out = baseline()
        .args(["assess", "examples/demo-firmware.bin", "--scheme", "pst"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean psti"));
}

#[test]
fn answers_template_is_prefilled_and_parses() {
    let out = baseline()
        .args([
            "answers",
            "template",
            "--product",
            "examples/demo-product.toml",
            "examples/demo-firmware.bin",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("passwords_used = true  # firmware evidence: CRED-001, CRED-002"),
        "{text}"
    );
    assert!(text.contains("[ics.\"5.1-1\"]\nsupport = \"no\""), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, &text).unwrap();
    // The template as written is a valid answers file.
    baseline()
        .args([
            "assess",
            "examples/demo-firmware.bin",
            "--crack-budget",
            "0",
            "--fail-on",
            "never",
            "--answers",
        ])
        .arg(&file)
        .assert()
        .code(0);
}

#[test]
fn sarif_and_markdown_render_for_the_demo() {
    let out = baseline()
        .args([
            "assess",
            "examples/demo-firmware.bin",
            "--format",
            "sarif",
            "--crack-budget",
            "0",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "CRED-001"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "demo-firmware.bin!/etc/shadow"));
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let cred1 = rules.iter().find(|r| r["id"] == "CRED-001").unwrap();
    assert!(cred1["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("What it checks"));
    let md = baseline()
        .args([
            "assess",
            "examples/demo-firmware.bin",
            "--format",
            "markdown",
            "--crack-budget",
            "0",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| `en303645:5.1-1` | ❌ fail |"), "{md}");
}

#[test]
fn statement_is_issued_as_pdf_when_psti_passes() {
    // A product whose firmware and answers satisfy every PSTI item.
    let dir = tempfile::tempdir().unwrap();
    let mut a = baseline_model::Assessment::new("0.1.0");
    let toml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-product.toml"
    ))
    .unwrap();
    a.product = Some(baseline_model::AssessedProduct {
        product: baseline_assess::parse_product(&toml, "demo-product.toml").unwrap(),
        scope: baseline_model::ScopeDecision {
            outcome: baseline_model::ScopeOutcome::InScope,
            reasons: vec![],
        },
    });
    for r in ["psti:sch1-p1", "psti:sch1-p2", "psti:sch1-p3"] {
        a.verdicts.push(baseline_model::Verdict {
            requirement: r.into(),
            outcome: baseline_model::Outcome::Pass,
            rationale: "ok".into(),
            findings: vec![],
            answers: vec![],
            test_cases: vec![],
            uncertain: false,
        });
    }
    let report = dir.path().join("r.json");
    std::fs::write(&report, serde_json::to_string(&a).unwrap()).unwrap();
    let pdf = dir.path().join("s.pdf");
    baseline()
        .args([
            "statement",
            "--product",
            "examples/demo-product.toml",
            "--format",
            "pdf",
            "--assessment",
        ])
        .arg(&report)
        .arg("-o")
        .arg(&pdf)
        .assert()
        .code(0);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&bytes).contains("(Alex Example, Head of Product Security)"));
}
