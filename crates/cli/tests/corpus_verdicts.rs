//! Verdict tables of real images, pinned as insta snapshots: the TP-Link TL-WR841N router
//! (with `examples/tplink-tl-wr841n.toml`), the Wyze Cam v2 (rootfs + config), the Sannce
//! camera (rootfs + system) and the demo image. The corpus is found as `BASELINE_CORPUS` or
//! `<workspace>/../shared/corpus`; absent, the test returns early unless `CI` is set.
//!
//! After unpacker or analyser changes, regenerate with `INSTA_UPDATE=always cargo test -p
//! baseline-cli --test corpus_verdicts` and review the diff.

#![allow(clippy::print_stdout)]

use assert_cmd::Command;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("BASELINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "corpus missing at {}",
        dir.display()
    );
    println!("corpus not found at {}; skipping", dir.display());
    None
}

/// One line per verdict of the regulated schemes, plus every scheme's summary.
fn table(args: &[&str], images: &[PathBuf]) -> String {
    let mut cmd = Command::cargo_bin("baseline").unwrap();
    cmd.current_dir(root())
        .arg("assess")
        .args(images)
        .args(args)
        .args([
            "--format",
            "json",
            "--crack-budget",
            "2",
            "--fail-on",
            "never",
        ]);
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut s = String::new();
    for v in doc["verdicts"].as_array().unwrap() {
        let r = v["requirement"].as_str().unwrap();
        if !(r.starts_with("psti:")
            || r.starts_with("en303645:")
            || r.starts_with("uk-cop:")
            || r.starts_with("sg-cls:"))
        {
            continue;
        }
        let findings: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        s.push_str(&format!(
            "{:<24} {:<15} {}\n",
            r,
            v["outcome"].as_str().unwrap(),
            findings.join(",")
        ));
    }
    s.push('\n');
    for (scheme, sum) in doc["summary"].as_object().unwrap() {
        s.push_str(&format!(
            "{scheme}: {} (pass {}, fail {}, inconclusive {}, n/a {}){}\n",
            sum["overall"].as_str().unwrap(),
            sum["pass"],
            sum["fail"],
            sum["inconclusive"],
            sum["not_applicable"],
            sum.get("level")
                .and_then(|l| l.as_str())
                .map(|l| format!(" level {l}"))
                .unwrap_or_default()
        ));
    }
    s
}

#[test]
fn demo_verdict_table() {
    let t = table(
        &[
            "--product",
            "examples/demo-product.toml",
            "--answers",
            "examples/demo-answers.toml",
        ],
        &[root().join("examples/demo-firmware.bin")],
    );
    insta::assert_snapshot!(t);
}

#[test]
fn tplink_tl_wr841n_verdict_table() {
    let Some(c) = corpus() else { return };
    let t = table(
        &["--product", "examples/tplink-tl-wr841n.toml"],
        &[c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin")],
    );
    assert!(t.contains("psti:sch1-p1             fail"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn wyze_cam_v2_verdict_table() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/wyze-cam-v2");
    let t = table(&[], &[d.join("rootfs.bin"), d.join("config.bin")]);
    insta::assert_snapshot!(t);
}

#[test]
fn sannce_camera_verdict_table() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/sannce-camera");
    let t = table(&[], &[d.join("rootfs.bin"), d.join("system.bin")]);
    insta::assert_snapshot!(t);
}
