//! Whole-image CRED/KEY expectations for the firmware corpus (ground truth in the corpus
//! README and each image's SOURCES.md), run through the real unpacker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use baseline_analysis::{analyse, Options};
use baseline_model::Finding;
use baseline_unpack::ArtifactTree;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let c = baseline_analysis::testutil::corpus_dir();
    if c.is_none() {
        assert!(std::env::var_os("CI").is_none(), "corpus missing in CI");
    }
    c
}

/// One tree holding every given file as an input root, fully unpacked.
fn unpack(files: &[&Path]) -> ArtifactTree {
    let inputs: Vec<(String, bytes::Bytes)> = files
        .iter()
        .map(|f| {
            let data = std::fs::read(f).expect("corpus file");
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            (name, bytes::Bytes::from(data))
        })
        .collect();
    baseline_unpack::unpack_inputs(&inputs, &baseline_unpack::Limits::default())
        .expect("unpack")
        .tree
}

fn with(fs: &[Finding], code: &str, key: &str, val: &str) -> Vec<Finding> {
    fs.iter()
        .filter(|f| f.code == code && f.details.get(key).and_then(|v| v.as_str()) == Some(val))
        .cloned()
        .collect()
}

#[test]
fn tplink_wr841n_root_md5crypt_and_runtime_passwd() {
    let Some(c) = corpus() else { return };
    let t = unpack(&[&c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin")]);
    let fs = analyse(&t, &Options::default()).findings;
    let root = with(&fs, "CRED-001", "account", "root");
    assert_eq!(root.len(), 1, "{root:#?}");
    assert_eq!(root[0].details["hash_format"], "md5crypt");
    assert_eq!(root[0].evidence[0].path.as_deref(), Some("/etc/shadow"));
    let rt = with(&fs, "CRED-003", "link", "/etc/passwd");
    assert_eq!(rt.len(), 1);
    assert_eq!(rt[0].details["target"], "../tmp/passwd");
}

#[test]
fn wyze_root_descrypt_recovered_with_wordlist() {
    let Some(c) = corpus() else { return };
    let t = unpack(&[&c.join("firmware/consumer/wyze-cam-v2/rootfs.bin")]);
    let opts = Options {
        wordlist: vec!["ismart12".into()],
        ..Options::default()
    };
    let fs = analyse(&t, &opts).findings;
    let root = with(&fs, "CRED-001", "account", "root");
    assert_eq!(root.len(), 1);
    assert_eq!(root[0].details["hash_format"], "descrypt");
    assert_eq!(root[0].details["recovered"], true);
    // libcrypto only says "PRIVATE KEY"; libmbedx509 embeds mbedTLS's (PolarSSL's) test
    // keys beside its test certificates, as PEM with CRLF line ends: two P-256 SEC1 keys,
    // two RSA-2048 PKCS#1 keys and two encrypted ones. They count (KEY-001's doc: library
    // test keys are keys, possibly unused).
    let keys: Vec<(&str, &str, u64)> = fs
        .iter()
        .filter(|f| f.code == "KEY-001")
        .map(|f| {
            (
                f.evidence[0].path.as_deref().unwrap_or(""),
                f.details["container"].as_str().unwrap_or(""),
                f.evidence[0].offset.unwrap_or(0),
            )
        })
        .collect();
    let mut containers: Vec<&str> = keys.iter().map(|k| k.1).collect();
    containers.sort_unstable();
    assert_eq!(
        containers,
        [
            "pem-encrypted",
            "pem-encrypted",
            "pkcs1",
            "pkcs1",
            "sec1",
            "sec1"
        ],
        "{keys:?}"
    );
    assert!(
        keys.iter().all(|k| k.0 == "/thirdlib/libmbedx509.so.0"),
        "{keys:?}"
    );
}

#[test]
fn sannce_root_md5crypt_in_passwd_recovered_and_apns_key() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/sannce-camera");
    let t = unpack(&[&d.join("rootfs.bin"), &d.join("system.bin")]);
    let fs = analyse(&t, &Options::default()).findings;
    let root = with(&fs, "CRED-001", "account", "root");
    assert_eq!(root.len(), 1);
    assert_eq!(root[0].details["hash_format"], "md5crypt");
    assert_eq!(root[0].details["recovered"], true);
    assert_eq!(root[0].evidence[0].path.as_deref(), Some("/etc/passwd"));
    let keys: Vec<&Finding> = fs.iter().filter(|f| f.code == "KEY-001").collect();
    assert!(keys.iter().any(|k| k.details["key_type"] == "rsa"
        && k.evidence.iter().any(|e| e
            .path
            .as_deref()
            .is_some_and(|p| p.ends_with("/pem/ck.pem")))));
}

#[test]
fn binwalk_squashfs_v2_dropbear_rsa_host_key() {
    let Some(c) = corpus() else { return };
    let t = unpack(&[&c.join("formats/binwalk/squashfs_v2.bin")]);
    let fs = analyse(&t, &Options::default()).findings;
    let k = with(&fs, "KEY-001", "container", "dropbear");
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].details["key_type"], "rsa");
}

#[test]
fn tuya_two_units_differ_per_unit_and_open_pairing_ap() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/tuya-esp8266-switch");
    let t = unpack(&[
        &d.join("original_firmware.bin"),
        &d.join("original_firmware2.bin"),
    ]);
    let fs = analyse(&t, &Options::default()).findings;
    // The cloud keys differ between the units: per-unit, never reported as shared.
    assert!(fs.iter().any(|f| f.code == "CRED-009"), "{fs:#?}");
    assert!(fs.iter().all(|f| f.code != "CRED-008"));
    assert!(!with(&fs, "CRED-006", "category", "open-wifi").is_empty());
}

/// Runs now: the two raw flash dumps as plain inputs (no unpacking needed for the parameter
/// sector, which lies outside any file system).
#[test]
fn tuya_raw_flash_cloud_keys_are_per_unit_and_pairing_ap_is_open() {
    let Some(c) = corpus() else { return };
    let d = c.join("firmware/consumer/tuya-esp8266-switch");
    let mut t = ArtifactTree::new();
    for f in ["original_firmware.bin", "original_firmware2.bin"] {
        let data = std::fs::read(d.join(f)).expect("tuya dump");
        t.add_input(f, bytes::Bytes::from(data));
    }
    let fs = analyse(&t, &Options::default()).findings;
    let mut per_unit: Vec<String> = fs
        .iter()
        .filter(|f| f.code == "CRED-009")
        .map(|f| f.details["locator"].as_str().unwrap().to_owned())
        .collect();
    per_unit.sort();
    assert_eq!(per_unit, ["raw#auz_key", "raw#pskKey"]);
    // Nothing secret is shared between the two units.
    assert!(fs.iter().all(|f| f.code != "CRED-008"), "{fs:#?}");
    let open = with(&fs, "CRED-006", "category", "open-wifi");
    assert_eq!(open.len(), 2, "{open:#?}");
    assert_eq!(open[0].details["key"], "ap_pwd");
    // Secrets are redacted.
    let auz = with(&fs, "CRED-006", "key", "auz_key");
    assert_eq!(auz.len(), 2);
    assert!(auz[0].details["value"]
        .as_str()
        .unwrap()
        .contains("(redacted, 32 chars)"));
}

/// Runs now: the bare-metal thermometer image holds public certificates but no private key.
#[test]
fn xiaomi_thermometer_has_certificates_and_no_private_key() {
    let Some(c) = corpus() else { return };
    let f = c.join("firmware/consumer/xiaomi-lywsd03mmc-thermometer/Stock_fw_2.1.1_0159.bin");
    let mut t = ArtifactTree::new();
    t.add_input(
        "Stock_fw_2.1.1_0159.bin",
        bytes::Bytes::from(std::fs::read(f).expect("thermometer image")),
    );
    let fs = analyse(&t, &Options::default()).findings;
    assert!(
        fs.iter()
            .all(|f| !matches!(f.code.as_str(), "KEY-001" | "KEY-002" | "KEY-003")),
        "{fs:#?}"
    );
    let mut subjects: Vec<&str> = fs
        .iter()
        .filter(|f| f.code == "KEY-004")
        .map(|f| f.details["subject"].as_str().unwrap())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["C=CN, O=cert", "O=Mijia Open, C=CN"]);
}
