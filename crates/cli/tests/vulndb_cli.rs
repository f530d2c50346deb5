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

/// The TL-WR841N image with its product file: CVE-2023-33538 (in CISA KEV) is a VULN-001
/// finding against the device's firmware, and EN 303 645 5.2-3 and 5.3-8 (and, through the
/// mappings, CRA Annex I (2)(a)) fail with it as evidence. The BusyBox wget CVE the binary
/// cannot have (no `wget` applet) is no finding, nor is the kernel's RDS CVE-2010-3904 (also in
/// KEV): the kernel's symbol table and modules hold no RDS code.
#[test]
fn tl_wr841n_kev_is_a_vuln_001_finding_that_fails_5_2_3_and_5_3_8() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.redb");
    Command::cargo_bin("baseline")
        .unwrap()
        .args(["vulndb", "import", "--db"])
        .arg(&db)
        .arg(c.join("vulndb/nvd"))
        .arg(c.join("vulndb/kev/known_exploited_vulnerabilities.csv"))
        .assert()
        .success();
    let product =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tplink-tl-wr841n.toml");
    let out = Command::cargo_bin("baseline")
        .unwrap()
        .arg("assess")
        .arg(c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin"))
        .arg("--product")
        .arg(&product)
        .args([
            "--crack-budget",
            "0",
            "--fail-on",
            "never",
            "--format",
            "json",
            "--vulndb",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let vuln: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("VULN-"))
        .collect();
    let kev: Vec<&&serde_json::Value> = vuln.iter().filter(|f| f["code"] == "VULN-001").collect();
    let kev_ids: Vec<&str> = kev
        .iter()
        .map(|f| f["details"]["vulnerability"].as_str().unwrap())
        .collect();
    assert_eq!(kev_ids, ["CVE-2023-33538"]);
    let f = kev[0];
    assert_eq!(f["name"], "known-exploited-vulnerability");
    assert_eq!(f["severity"], "critical");
    assert_eq!(
        f["title"],
        "CVE-2023-33538 in TL-WR841N firmware 3.16.9: known to be exploited (CISA KEV), CVSS 8.8"
    );
    assert_eq!(f["details"]["component_name"], "TL-WR841N firmware");
    assert_eq!(f["details"]["kev"], true);
    assert_eq!(f["details"]["vex_state"], "affected");
    assert_eq!(f["details"]["cvss"]["v3"].to_string(), "8.8");
    let reason = f["details"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("cpe:2.3:o:tp-link:tl-wr841n_firmware:-")
            && reason.contains("running on TL-WR841N v10")
            && reason.ends_with("in CISA KEV since 2025-06-16"),
        "{reason}"
    );
    assert_eq!(f["evidence"][0]["artifact"], "product.toml");
    // Not affected (no wget applet): a VEX record, never a finding.
    assert!(!vuln
        .iter()
        .any(|f| f["details"]["vulnerability"] == "CVE-2018-1000517"));
    let wget = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "CVE-2018-1000517")
        .unwrap();
    assert_eq!(wget["state"], "not_affected");
    // The kernel's RDS CVE: matched by version, not affected by the code built.
    assert!(!vuln
        .iter()
        .any(|f| f["details"]["vulnerability"] == "CVE-2010-3904"));
    let rds = doc["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "CVE-2010-3904")
        .unwrap();
    assert_eq!(rds["state"], "not_affected");
    assert_eq!(rds["justification"], "code_not_present");
    assert_eq!(rds["kev"], true);
    let r = rds["reason"].as_str().unwrap();
    assert!(
        r.ends_with(
            "; not affected: the vulnerable code (rds_page_copy_user, net/rds/page.c) is not \
             in this kernel: no symbol with prefix rds_ among its 8201 kallsyms symbols and 65 \
             modules"
        ),
        "{r}"
    );
    // The provisions fail with it as evidence, in plain words.
    let verdict = |r: &str| {
        doc["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["requirement"] == r)
            .unwrap()
            .clone()
    };
    for (req, lead) in [
        (
            "en303645:5.2-3",
            "Vulnerabilities are not being found and fixed: ",
        ),
        (
            "en303645:5.3-8",
            "Security updates have not come in good time: ",
        ),
    ] {
        let v = verdict(req);
        assert_eq!(v["outcome"], "fail", "{req}");
        let codes: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(codes, ["VULN-001", "VULN-002"], "{req}");
        let r = v["rationale"].as_str().unwrap();
        assert!(r.starts_with(lead), "{r}");
        assert!(
            r.contains("1 of them known to be exploited (CISA KEV): CVE-2023-33538 in TL-WR841N firmware 3.16.9,"),
            "{r}"
        );
    }
    assert_eq!(verdict("cra:I.2.a")["outcome"], "fail");
    assert_eq!(verdict("cra:I.2.a")["findings"][0], "VULN-001");
}
