//! `baseline unpack` end to end through the real binary.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use assert_cmd::Command;

fn baseline() -> Command {
    Command::cargo_bin("baseline").unwrap()
}

#[test]
fn list_json_has_the_design_shape() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("plain.bin");
    // No format's magic: the tree is the input alone.
    std::fs::write(&img, b"\x00\x01\x02 just bytes").unwrap();
    let out = baseline()
        .args(["unpack", "--list", "--format", "json"])
        .arg(&img)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{
            "path": "plain.bin",
            "kind": "blob",
            "size": 14,
            "sha256": "75615a48239547ea2d8856428e633748dccc1cf4e33e76363d5b12111d6af3be",
            "target": null,
            "format": null,
            "node": "input"
        }])
    );
}

#[test]
fn output_dir_gets_a_manifest_and_is_never_reused_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("a.bin");
    std::fs::write(&img, b"abc").unwrap();
    let out = dir.path().join("out");
    baseline()
        .arg("unpack")
        .arg(&img)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["entries"][0]["path"], "a.bin");
    assert_eq!(m["entries"][0]["status"], "not-written");
    baseline()
        .arg("unpack")
        .arg(&img)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "output directory exists and is not empty",
        ));
    baseline()
        .arg("unpack")
        .arg(&img)
        .arg("-o")
        .arg(&out)
        .arg("--force")
        .assert()
        .success();
}

#[test]
fn missing_output_and_list_is_a_usage_error() {
    baseline().args(["unpack", "x.bin"]).assert().code(2);
}
