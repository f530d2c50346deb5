#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::testutil::tree_with_files;
use crate::Options;

#[test]
fn opkg_status_and_binaries_give_deduplicated_components() {
    let status = "Package: busybox\nVersion: 1.30.1-6\nStatus: install ok installed\n\nPackage: dropbear\nVersion: 2019.78-2\n\n";
    let tree = tree_with_files(
        "fw.bin",
        &[
            ("/usr/lib/opkg/status", status),
            ("/bin/busybox", "\u{0}BusyBox v1.30.1 (2019-06-12)\u{0}"),
            (
                "/usr/sbin/dropbear",
                "\u{0}2019.78\u{0}Dropbear SSH multi-purpose v%s\u{0}",
            ),
        ],
    );
    let opts = Options::default();
    let ctx = Context::new(&tree, &opts);
    let mut out = AnalysisOutput::default();
    run(&ctx, &mut out);
    let got: Vec<(String, Option<String>, Option<String>)> = out
        .components
        .iter()
        .map(|c| (c.name.clone(), c.version.clone(), c.cpe.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "BusyBox".into(),
                Some("1.30.1".into()),
                Some("cpe:2.3:a:busybox:busybox:1.30.1:*:*:*:*:*:*:*".into())
            ),
            (
                "Dropbear SSH".into(),
                Some("2019.78".into()),
                Some("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2019.78:*:*:*:*:*:*:*".into())
            ),
            (
                "busybox".into(),
                Some("1.30.1-6".into()),
                Some("cpe:2.3:a:busybox:busybox:1.30.1:*:*:*:*:*:*:*".into())
            ),
            (
                "dropbear".into(),
                Some("2019.78-2".into()),
                Some("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2019.78:*:*:*:*:*:*:*".into())
            ),
        ]
    );
    let bb = &out.components[0];
    assert_eq!(bb.evidence[0].path.as_deref(), Some("/bin/busybox"));
    assert_eq!(bb.evidence[0].offset, Some(1));
    assert_eq!(bb.evidence[0].excerpt.as_deref(), Some("BusyBox v1.30.1"));
    assert_eq!(bb.confidence, Confidence::High);
    assert_eq!(bb.purl.as_deref(), Some("pkg:generic/busybox@1.30.1"));
    assert_eq!(
        out.components[2].purl.as_deref(),
        Some("pkg:generic/busybox@1.30.1-6?distro=openwrt")
    );
}

#[test]
fn product_file_names_the_device() {
    let mut comps = Vec::new();
    let product: baseline_model::Product = toml::from_str(
        r#"
[manufacturer]
name = "TP-Link Technologies Co., Ltd."
address = "x"
[product]
name = "Wireless router"
model = "TL-WR841N v10"
category = "router"
[market]
regions = ["gb"]
consumer = true
[connectivity]
internet = true
"#,
    )
    .unwrap();
    device::apply_product(&product, &mut comps);
    let cpes: Vec<&str> = comps.iter().filter_map(|c| c.cpe.as_deref()).collect();
    assert_eq!(
        cpes,
        vec![
            "cpe:2.3:h:tp-link:tl-wr841n:10:*:*:*:*:*:*:*",
            "cpe:2.3:o:tp-link:tl-wr841n_firmware:*:*:*:*:*:*:*:*"
        ]
    );
}

#[test]
fn purls_are_encoded_by_the_purl_rules() {
    assert_eq!(
        super::purl("deb", Some("debian"), "libc6", Some("2.31-13+deb11u5"), &[]).as_deref(),
        Some("pkg:deb/debian/libc6@2.31-13%2Bdeb11u5")
    );
    assert_eq!(
        super::purl(
            "generic",
            None,
            "busybox",
            Some("1.19.4-6"),
            &[("distro", "openwrt")]
        )
        .as_deref(),
        Some("pkg:generic/busybox@1.19.4-6?distro=openwrt")
    );
    // A name with a space (firmware names do this) is percent-encoded, not left raw.
    assert_eq!(
        super::purl_string("generic", "TL WR841N", Some("3.16.9")),
        "pkg:generic/TL%20WR841N@3.16.9"
    );
    assert_eq!(super::purl("generic", None, "", None, &[]), None);
}
