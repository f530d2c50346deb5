//! `baseline vulndb import/status` and `baseline assess --vulndb … --format cyclonedx` on the
//! corpus's NVD records, KEV catalogue and the TP-Link TL-WR841N v10 image.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::indexing_slicing)]

use assert_cmd::Command;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if p.join("vulndb/nvd").is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus missing at {}",
            p.display()
        );
        println!("corpus absent; skipping");
        None
    }
}

#[test]
fn import_status_and_cyclonedx_vex() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.redb");
    let out = Command::cargo_bin("baseline")
        .unwrap()
        .args(["vulndb", "import", "--db"])
        .arg(&db)
        .arg(c.join("vulndb/nvd"))
        .arg(c.join("vulndb/kev/known_exploited_vulnerabilities.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("20 NVD, 0 OSV, 1404 KEV, 0 EPSS records"),
        "{text}"
    );
    let st = Command::cargo_bin("baseline")
        .unwrap()
        .args(["vulndb", "status", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(st["cves"], 20);
    assert_eq!(st["kev"], 1404);
    let bom = dir.path().join("bom.json");
    Command::cargo_bin("baseline")
        .unwrap()
        .arg("assess")
        .arg(c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin"))
        .args([
            "--crack-budget",
            "0",
            "--fail-on",
            "never",
            "--format",
            "cyclonedx",
            "--vulndb",
        ])
        .arg(&db)
        .arg("-o")
        .arg(&bom)
        .assert()
        .success();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bom).unwrap()).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    let kev = vulns.iter().find(|v| v["id"] == "CVE-2023-33538").unwrap();
    assert_eq!(kev["analysis"]["state"], "exploitable");
    assert_eq!(
        kev["affects"][0]["ref"],
        "firmware:TL-WR841N-firmware@3.16.9"
    );
    assert!(kev["properties"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "baseline:kev" && p["value"] == "true"));
    let wget = vulns
        .iter()
        .find(|v| v["id"] == "CVE-2018-1000517")
        .unwrap();
    assert_eq!(wget["analysis"]["justification"], "code_not_present");
    assert!(!vulns.iter().any(|v| v["id"] == "CVE-2017-13772"));
}
