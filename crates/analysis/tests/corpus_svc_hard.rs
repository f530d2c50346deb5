//! Whole-image SVC, HARD, UPD and CRYPTO expectations for the firmware corpus (ground truth in the corpus
//! README and each image's SOURCES.md), unpacked with the real unpacker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use baseline_analysis::{analyse, Options};
use baseline_model::Finding;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let c = baseline_analysis::testutil::corpus_dir();
    if c.is_none() {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
    }
    c
}

fn findings(files: &[&Path]) -> Vec<Finding> {
    let inputs: Vec<(String, bytes::Bytes)> = files
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                bytes::Bytes::from(std::fs::read(f).expect("corpus file")),
            )
        })
        .collect();
    let u = baseline_unpack::unpack_inputs(&inputs, &baseline_unpack::Limits::default()).unwrap();
    let opts = Options {
        crack_budget: std::time::Duration::from_millis(1),
        ..Options::default()
    };
    analyse(&u.tree, &opts)
        .findings
        .into_iter()
        .filter(|f| {
            ["SVC-", "HARD-", "UPD-", "CRYPTO-"]
                .iter()
                .any(|p| f.code.starts_with(p))
        })
        .collect()
}

/// Compact view for snapshots: code, severity, confidence, title, first evidence and note.
fn summary(fs: &[Finding]) -> Vec<String> {
    let mut v: Vec<String> = fs
        .iter()
        .map(|f| {
            let e = f.evidence.first();
            format!(
                "{} {:?}/{:?} {} | {}{} | {}",
                f.code,
                f.severity,
                f.confidence,
                f.title,
                e.and_then(|e| e.path.clone()).unwrap_or_default(),
                e.and_then(|e| e.line)
                    .map(|l| format!(":{l}"))
                    .unwrap_or_default(),
                e.and_then(|e| e.note.clone()).unwrap_or_default()
            )
        })
        .collect();
    v.sort();
    v
}

fn one<'a>(fs: &'a [Finding], code: &str, program: &str) -> &'a Finding {
    let m: Vec<&Finding> = fs
        .iter()
        .filter(|f| {
            f.code == code && f.details.get("program").and_then(|p| p.as_str()) == Some(program)
        })
        .collect();
    assert_eq!(m.len(), 1, "{code} {program}: {fs:#?}");
    m[0]
}

#[test]
fn tplink_wr841n_getty_httpd_dropbear() {
    let Some(c) = corpus() else { return };
    let fs = findings(&[&c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin")]);
    let con: Vec<&Finding> = fs.iter().filter(|f| f.code == "SVC-009").collect();
    assert_eq!(con[0].details["tty"], "ttyS0");
    assert_eq!(con[0].evidence[0].path.as_deref(), Some("/etc/inittab"));
    let web = one(&fs, "SVC-003", "httpd");
    assert_eq!(web.details["how"], "started-at-boot");
    assert_eq!(web.evidence[0].path.as_deref(), Some("/etc/rc.d/rcS"));
    let ssh = one(&fs, "SVC-004", "dropbear");
    assert_eq!(ssh.details["how"], "spawned-by-boot-binary");
    insta::assert_debug_snapshot!("tplink_wr841n", summary(&fs));
}

#[test]
fn wyze_cam_v2_telnetd_from_rcs_and_bootdelay() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/wyze-cam-v2");
    let fs = findings(&[
        &d.join("rootfs.bin"),
        &d.join("uboot.bin"),
        &d.join("config.bin"),
    ]);
    let tel = one(&fs, "SVC-001", "telnetd");
    assert_eq!(tel.details["how"], "started-at-boot");
    assert_eq!(tel.evidence[0].path.as_deref(), Some("/etc/init.d/rcS"));
    assert_eq!(tel.evidence[0].line, Some(22));
    assert_eq!(fs.iter().filter(|f| f.code == "SVC-010").count(), 1);
    insta::assert_debug_snapshot!("wyze_cam_v2", summary(&fs));
}

#[test]
fn sannce_camera_chain_into_system_partition() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/sannce-camera");
    let fs = findings(&[
        &d.join("rootfs.bin"),
        &d.join("system.bin"),
        &d.join("uboot.bin"),
    ]);
    insta::assert_debug_snapshot!("sannce_camera", summary(&fs));
}
