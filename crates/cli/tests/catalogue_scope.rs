//! Drives the real binary: `baseline catalogue list|show|map` and `baseline scope`.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn baseline() -> Command {
    Command::cargo_bin("baseline").unwrap()
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn json_of(args: &[&str]) -> Value {
    let out = baseline()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn catalogue_list_one_scheme_as_text() {
    let out = baseline()
        .args(["catalogue", "list", "--scheme", "en303645"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 69);
    assert!(
        lines[0].starts_with("en303645: ETSI EN 303 645"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with("V2.1.1 (2020-06) (68 entries)"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("  en303645:4-1 "), "{}", lines[1]);
    assert!(text.contains("\n  en303645:5.1-1   M C(1)      Outside the factory default state"));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("  en303645:6-3 ") && l.ends_with("[uncertain]")));
}

#[test]
fn catalogue_list_everything_as_json() {
    let v = json_of(&["catalogue", "list", "--format", "json"]);
    assert_eq!(v["schemes"].as_array().unwrap().len(), 11);
    let reqs = v["requirements"].as_array().unwrap();
    assert_eq!(reqs.len(), 356);
    let first = &reqs[0];
    assert_eq!(first["reference"], "psti:act-s4");
    assert_eq!(first["citation"], "PSTI Act 2022 s. 4");
    assert_eq!(first["uncertain"], false);
    let v2 = reqs.iter().filter(|r| r["scheme"] == "en303645").count();
    assert_eq!(v2, 68);
}

#[test]
fn catalogue_show_text_lists_status_tests_and_mappings_both_ways() {
    baseline()
        .args(["catalogue", "show", "en303645:5.1-1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "  status:    M C(1)\n             condition 1: Passwords are used\n",
        ))
        .stdout(predicate::str::contains(
            "  ETSI TS 103 701 test cases: 5.1-1-1 (conceptual), 5.1-1-2 (functional)",
        ))
        .stdout(predicate::str::contains("    <- psti:sch1-p1 "))
        .stdout(predicate::str::contains(
            "legal      SI 2023/1007 Sch. 2 para. 1 (Condition A)",
        ));
    baseline()
        .args(["catalogue", "show", "psti:sch1-p1"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "  mappings from this requirement:\n    -> en303645:5.1-1 ",
        ));
}

#[test]
fn catalogue_show_json() {
    let v = json_of(&["catalogue", "show", "psti:sch3-vehicle", "--format", "json"]);
    assert_eq!(v["requirement"]["reference"], "psti:sch3-vehicle");
    assert_eq!(v["requirement"]["kind"], "exception");
    assert_eq!(v["requirement"]["uncertain"], true);
    let v = json_of(&["catalogue", "show", "en303645:5.3-10", "--format", "json"]);
    assert_eq!(v["requirement"]["status"], "M C(11,12)");
    assert_eq!(v["conditions"][0]["id"], 11);
    assert_eq!(v["test_cases"][0]["id"], "5.3-10-1");
    assert_eq!(v["test_cases"][0]["kind"], "conceptual+functional");
    let to: Vec<&str> = v["mappings_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["source"].as_str().unwrap())
        .collect();
    assert!(to.contains(&"uk-cop:3"), "{to:?}");
}

#[test]
fn catalogue_unknown_reference_exits_2_with_suggestions() {
    baseline()
        .args(["catalogue", "show", "en303645-v2:5.1-1"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: unknown scheme `en303645-v2`; did you mean en303645:5.1-1, en303645-v3:5.1-1?\n");
    baseline()
        .args(["catalogue", "show", "psti:sch1-p9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown requirement `psti:sch1-p9`; did you mean psti:sch1-p1",
        ));
    baseline()
        .args(["catalogue", "list", "--scheme", "uk-cp"])
        .assert()
        .code(2)
        .stderr("error: unknown scheme `uk-cp`; did you mean uk-cop?\n");
    baseline()
        .args(["catalogue", "map", "psti:sch1-p1", "--to", "en30364"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean en303645"));
}

#[test]
fn catalogue_map_json_and_text() {
    let v = json_of(&[
        "catalogue",
        "map",
        "psti:sch1-p1",
        "--to",
        "en303645",
        "--format",
        "json",
    ]);
    assert_eq!(v["indicative"], false);
    let targets: Vec<(&str, &str)> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["requirement"].as_str().unwrap(),
                t["provenance"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [("en303645:5.1-1", "legal"), ("en303645:5.1-2", "legal")]
    );

    baseline()
        .args(["catalogue", "map", "cra:I.2.m", "--to", "uk-cop"])
        .assert()
        .success()
        .stdout(predicate::str::contains("  uk-cop:11  indicative Make it easy for consumers to delete personal data [uncertain]\n    via en303645:5.11-1\n"));
    baseline()
        .args(["catalogue", "map", "en303645:5.2-1", "--to", "cra"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "note: mappings into cra are indicative (our judgement), not an official mapping",
        ));
}

#[test]
fn catalogue_output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cat.json");
    baseline()
        .args([
            "catalogue",
            "list",
            "--scheme",
            "uk-cop",
            "--format",
            "json",
            "-o",
        ])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["requirements"].as_array().unwrap().len(), 13);
}

#[test]
fn scope_camera_text() {
    baseline()
        .arg("scope")
        .arg(example("camera.toml"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Example Indoor Camera (model EX-CAM-200, camera) by Example Devices Ltd\noutcome: in-scope\n",
        ))
        .stdout(predicate::str::contains(
            "  3. PSTI Act 2022 s. 4\n     Connectable, made available to UK consumers and not excepted",
        ));
}

#[test]
fn scope_json_for_examples() {
    for (file, outcome, citation, uncertain) in [
        ("camera.toml", "in-scope", "PSTI Act 2022 s. 4", false),
        (
            "laptop.toml",
            "excepted",
            "SI 2023/1007 Sch. 3 para. 5",
            false,
        ),
        (
            "car.toml",
            "excepted",
            "SI 2023/1007 Sch. 3, as amended by SI 2025/211 (vehicles, Great Britain)",
            true,
        ),
        (
            "fitness-tracker.toml",
            "out-of-scope",
            "PSTI Act 2022 s. 5(5)-(6)",
            false,
        ),
        (
            "business-router.toml",
            "out-of-scope",
            "PSTI Act 2022 s. 54",
            false,
        ),
    ] {
        let path = example(file);
        let v = json_of(&["scope", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(v["outcome"], outcome, "{file}");
        let reasons = v["reasons"].as_array().unwrap();
        let last = reasons.last().unwrap();
        assert_eq!(last["citation"], citation, "{file}");
        assert_eq!(last["uncertain"], uncertain, "{file}");
        assert!(last["text"].as_str().unwrap().len() > 20);
        assert_eq!(v.as_object().unwrap().len(), 2, "only outcome and reasons");
    }
}

#[test]
fn scope_invalid_descriptions_exit_2_naming_field_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(example("camera.toml")).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, good.replace("regions =", "regoins =")).unwrap();
    let line = good
        .lines()
        .position(|l| l.starts_with("regions ="))
        .unwrap()
        + 1;
    baseline()
        .arg("scope")
        .arg(&bad)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "bad.toml:{line}:1: unknown field `market.regoins`; did you mean `regions`?"
        )));

    std::fs::write(
        &bad,
        good.replace("\"camera\"", "\"laptop\"")
            + "\n[exception]\nsmart_meter_cpa_assured = true\n",
    )
    .unwrap();
    baseline()
        .arg("scope")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`exception.smart_meter_cpa_assured` is true but `product.category` is `laptop`",
        ));

    baseline()
        .arg("scope")
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: reading "));
}

#[test]
fn scope_output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scope.json");
    baseline()
        .arg("scope")
        .arg(example("smartphone.toml"))
        .args(["--format", "json", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["outcome"], "in-scope");
}

#[test]
fn every_example_parses_and_gets_its_documented_outcome() {
    let expected = [
        ("business-router.toml", "out-of-scope"),
        ("camera.toml", "in-scope"),
        ("car.toml", "excepted"),
        ("demo-product.toml", "in-scope"),
        ("doorbell.toml", "in-scope"),
        ("ev-charge-point.toml", "excepted"),
        ("fitness-tracker.toml", "out-of-scope"),
        ("laptop.toml", "excepted"),
        ("medical-device.toml", "excepted"),
        ("router.toml", "in-scope"),
        ("smart-meter.toml", "excepted"),
        ("smart-speaker.toml", "in-scope"),
        ("smart-tv.toml", "in-scope"),
        ("smartphone.toml", "in-scope"),
        ("tablet-cellular.toml", "in-scope"),
        ("toy.toml", "in-scope"),
        ("tplink-tl-wr841n.toml", "in-scope"),
    ];
    let mut found: Vec<String> = std::fs::read_dir(example(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // Answers files (`*-answers.toml`) are not product descriptions.
        .filter(|n| n.ends_with(".toml") && !n.ends_with("-answers.toml"))
        .collect();
    found.sort();
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(found, names, "examples/ changed: update this table");
    for (file, outcome) in expected {
        let path = example(file);
        let v = json_of(&["scope", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(v["outcome"], outcome, "{file}");
    }
}
