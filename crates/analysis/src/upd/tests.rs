#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::testutil::tree_with_files;
use crate::{analyse, Options};
use baseline_model::{Confidence, Finding, Severity};

fn of(fs: &[Finding], code: &str) -> Vec<Finding> {
    fs.iter().filter(|f| f.code == code).cloned().collect()
}

#[test]
fn sysupgrade_with_usign_key_and_http_url() {
    let t = tree_with_files(
        "owrt.bin",
        &[
            ("/bin/busybox", "x"),
            ("/sbin/sysupgrade", "#!/bin/sh\nusign -V -P /etc/opkg/keys -m \"$1\"\n"),
            ("/etc/opkg/keys/b5043e70f9a75cde", "untrusted comment: key\nRWS…\n"),
            ("/etc/fw.conf", "url=http://fw.vendor.example.net/upgrade/wr841.bin\nhome=http://127.0.0.1/update\n"),
        ],
    );
    let fs = analyse(&t, &Options::default()).findings;
    let m = of(&fs, "UPD-001");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].severity, Severity::Info);
    assert!(m[0].details["static_limit"]
        .as_str()
        .unwrap()
        .contains("run time"));
    let s = of(&fs, "UPD-002");
    assert_eq!(s[0].severity, Severity::Info);
    assert_eq!(
        s[0].details["artefacts"],
        serde_json::json!([
            "verification-key: /etc/opkg/keys/b5043e70f9a75cde",
            "verification-call: usign"
        ])
    );
    let u = of(&fs, "UPD-003");
    assert_eq!(
        u[0].details["urls"],
        serde_json::json!(["http://fw.vendor.example.net/upgrade/wr841.bin"])
    );
}

#[test]
fn root_fs_without_updater_is_a_low_confidence_finding() {
    let t = tree_with_files(
        "cam.bin",
        &[
            ("/etc/passwd", "root:x:0:0::/:/bin/sh\n"),
            ("/bin/busybox", "x"),
        ],
    );
    let fs = analyse(&t, &Options::default()).findings;
    let m = of(&fs, "UPD-001");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].confidence, Confidence::Low);
    assert_eq!(m[0].title, "No update mechanism found in cam.bin");
    assert!(of(&fs, "UPD-002").is_empty());
}

#[test]
fn bare_metal_image_with_ota_code() {
    let mut t = baseline_unpack::ArtifactTree::new();
    t.add_input(
        "switch.bin",
        bytes::Bytes::from_static(
            b"\xe9\x03\x00\x00[N]%s:%d firmware self detect upgrade start...\x00",
        ),
    );
    let fs = analyse(&t, &Options::default()).findings;
    let m = of(&fs, "UPD-001");
    assert_eq!(m.len(), 1, "{fs:#?}");
    assert_eq!(
        m[0].details["indicators"],
        serde_json::json!(["ota-code: upgrade start"])
    );
}
