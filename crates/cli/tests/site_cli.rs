#![allow(clippy::print_stderr)]
//! `baseline site` and `baseline security-txt` driven through the real binary.

use assert_cmd::Command;
use baseline_site::testserver::{Reply, Server};
use std::path::PathBuf;

#[allow(clippy::print_stderr)] // The corpus rule: say when corpus tests are skipped.
fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        })
        .join("security-txt");
    if p.is_dir() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus missing at {}", p.display());
    } else {
        eprintln!("corpus absent at {}: skipping", p.display());
        None
    }
}

fn baseline() -> Command {
    Command::cargo_bin("baseline").unwrap()
}

#[test]
fn security_txt_exit_codes_follow_errors_and_now() {
    let Some(dir) = corpus() else { return };
    let github = dir.join("eikendev-sectxt/valid_unsigned/github_com.stxt");
    baseline()
        .args([
            "security-txt",
            github.to_str().unwrap(),
            "--now",
            "2023-04-01T00:00:00Z",
        ])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("result: valid (0 errors"));
    baseline()
        .args(["security-txt", github.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "line 7: error DISC-010 security-txt-expired",
        ));
    let ha = dir.join("real-in-repos/home-assistant-io.security.txt");
    let out = baseline()
        .args([
            "security-txt",
            ha.to_str().unwrap(),
            "--format",
            "json",
            "--now",
            "2024-01-01T00:00:00Z",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["report"]["problems"][0]["code"], "DISC-007");
    let signed = dir.join("eikendev-sectxt/valid_signed/redhat.stxt");
    baseline()
        .args([
            "security-txt",
            signed.to_str().unwrap(),
            "--now",
            "2025-01-01T00:00:00Z",
        ])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "signature: NOT CHECKED: no key was given (--key)",
        ));
}

#[test]
fn security_txt_io_and_usage_errors_exit_2() {
    baseline()
        .args(["security-txt", "/nonexistent/security.txt"])
        .assert()
        .code(2);
    baseline()
        .args(["security-txt", "x", "--now", "yesterday"])
        .assert()
        .code(2);
}

#[test]
fn site_archives_evidence_and_from_dir_gives_the_same_result() {
    let server = Server::start();
    let now = baseline_site::time::now();
    server.route(
        "/.well-known/security.txt",
        Reply::text(&format!(
            "Contact: mailto:psirt@maker.example\nExpires: {}\n",
            baseline_site::time::format_rfc3339(now + 90 * 86_400)
        )),
    );
    server.route("/security", Reply::html("<html lang=en><body><p>Email psirt@maker.example.</p><p>We will acknowledge your report within 3 days.</p><p>We will send status updates weekly until it is resolved.</p></body></html>"));
    server.route(
        "/support",
        Reply::html("<p>Security updates are provided until 31 December 2031.</p>"),
    );
    server.route(
        "/buy",
        Reply::html("<p>Buy now. Security updates until 31 December 2031.</p>"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let ca = tmp.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    let product = tmp.path().join("p.toml");
    std::fs::write(
        &product,
        format!(
            "[disclosure]\npolicy_url = \"{}\"\n[support]\nperiod_url = \"{}\"\npurchase_url = \"{}\"\n",
            server.url("/security"),
            server.url("/support"),
            server.url("/buy")
        ),
    )
    .unwrap();
    let ev = tmp.path().join("evidence");
    let live = baseline()
        .args([
            "site",
            &server.url("/"),
            "--product",
            product.to_str().unwrap(),
        ])
        .args([
            "--ca-file",
            ca.to_str().unwrap(),
            "--evidence",
            ev.to_str().unwrap(),
            "--format",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let live: serde_json::Value = serde_json::from_slice(&live).unwrap();
    assert_eq!(live["disclosure"]["outcome"], "pass");
    assert_eq!(live["support"]["outcome"], "pass");
    assert!(ev.join("index.json").is_file());
    drop(server);
    let offline = baseline()
        .args([
            "site",
            "--from-dir",
            ev.to_str().unwrap(),
            "--format",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let offline: serde_json::Value = serde_json::from_slice(&offline).unwrap();
    for k in ["findings", "disclosure", "support", "judged_at", "quotes"] {
        assert_eq!(live[k], offline[k], "{k}");
    }
    // Writing over an existing archive is refused.
    baseline()
        .args([
            "site",
            "https://127.0.0.1:9/",
            "--evidence",
            ev.to_str().unwrap(),
            "--timeout",
            "1",
        ])
        .assert()
        .code(2);
}

#[test]
fn site_without_any_url_is_a_usage_error() {
    baseline().args(["site"]).assert().code(2);
}

#[test]
fn security_txt_url_is_fetched_over_loopback_https() {
    let server = Server::start();
    let exp = baseline_site::time::format_rfc3339(baseline_site::time::now() + 30 * 86_400);
    server.route(
        "/.well-known/security.txt",
        Reply::text(&format!(
            "Contact: mailto:psirt@maker.example\nExpires: {exp}\nCanonical: https://other.example/.well-known/security.txt\n"
        )),
    );
    let tmp = tempfile::tempdir().unwrap();
    let ca = tmp.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    baseline()
        .args(["security-txt", &server.url("/.well-known/security.txt")])
        .args(["--ca-file", ca.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "line 3: error DISC-015 security-txt-canonical-mismatch",
        ));
    // Not found is an input error, not a finding about a file.
    baseline()
        .args(["security-txt", &server.url("/nothing.txt")])
        .args(["--ca-file", ca.to_str().unwrap()])
        .assert()
        .code(2);
}

#[test]
fn assess_with_site_adds_archived_disc_findings() {
    // A manufacturer site that publishes nothing: every path answers 404.
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let ca = tmp.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).unwrap();
    let evidence = tmp.path().join("evidence");
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-firmware.bin"
    );
    let out = baseline()
        .args(["assess", demo, "--format", "json", "--fail-on", "never"])
        .args(["--crack-budget", "0", "--site", &server.url("/")])
        .args(["--ca-file", ca.to_str().unwrap()])
        .args(["--site-evidence", evidence.to_str().unwrap()])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"DISC-001"), "{codes:?}");
    let missing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "DISC-001")
        .unwrap();
    assert!(missing["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "psti:sch1-p2"));
    assert!(evidence.join("index.json").is_file());
    // Fetching again into the same evidence folder is refused, nothing overwritten.
    baseline()
        .args(["assess", demo, "--site", &server.url("/")])
        .args(["--ca-file", ca.to_str().unwrap()])
        .args(["--site-evidence", evidence.to_str().unwrap()])
        .assert()
        .code(2);
}
