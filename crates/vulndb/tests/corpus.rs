//! The real NVD records and KEV catalogue of the corpus (`vulndb/`), imported into a fresh
//! store and matched against the components of the TP-Link TL-WR841N v10 image.
#![allow(clippy::print_stdout)]

use baseline_model::{Component, Confidence};
use baseline_vulndb::Store;
use std::collections::BTreeMap;
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
        println!("corpus absent at {}; skipping", p.display());
        None
    }
}

fn comp(name: &str, version: &str, cpe: &str, kind: &str) -> Component {
    Component {
        name: name.into(),
        version: Some(version.into()),
        purl: None,
        cpe: Some(cpe.into()),
        evidence: Vec::new(),
        confidence: Confidence::High,
        kind: kind.into(),
        vendor: None,
        properties: BTreeMap::new(),
    }
}

/// 2026-06-24, a week after the newest record (2026-06-17).
const NOW: i64 = 1_782_259_200;

fn store(dir: &tempfile::TempDir, corpus: &std::path::Path) -> Store {
    let s = Store::create(dir.path().join("db/store.redb")).unwrap();
    let stats = s
        .import_paths(
            &[
                corpus.join("vulndb/nvd"),
                corpus.join("vulndb/kev/known_exploited_vulnerabilities.csv"),
            ],
            NOW,
        )
        .unwrap();
    assert_eq!(stats.nvd, 20);
    assert_eq!(stats.kev, 1404);
    s
}

fn wr841n() -> Vec<Component> {
    let mut bb = comp(
        "BusyBox",
        "1.01",
        "cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*",
        "application",
    );
    bb.properties
        .insert("busybox:applets".into(), "ash,cat,sh,udhcpc,ls,ps".into());
    vec![
        bb,
        comp(
            "Dropbear SSH",
            "2012.55",
            "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2012.55:*:*:*:*:*:*:*",
            "application",
        ),
        comp(
            "Linux kernel",
            "2.6.31",
            "cpe:2.3:o:linux:linux_kernel:2.6.31:*:*:*:*:*:*:*",
            "operating-system",
        ),
        comp(
            "TL-WR841N",
            "v10",
            "cpe:2.3:h:tp-link:tl-wr841n:v10:*:*:*:*:*:*:*",
            "device",
        ),
        comp(
            "TL-WR841N firmware",
            "3.16.9",
            "cpe:2.3:o:tp-link:tl-wr841n_firmware:3.16.9:*:*:*:*:*:*:*",
            "firmware",
        ),
    ]
}

#[test]
fn tl_wr841n_matches_exactly_the_records_that_apply() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, &c);
    let v = s.match_components(&wr841n()).unwrap();
    let got: Vec<(&str, &str, &str)> = v
        .iter()
        .map(|v| (v.id.as_str(), v.component.as_str(), v.state.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("CVE-2010-3904", "Linux kernel 2.6.31", "affected"),
            ("CVE-2016-2147", "BusyBox 1.01", "affected"),
            ("CVE-2016-7406", "Dropbear SSH 2012.55", "affected"),
            ("CVE-2017-9078", "Dropbear SSH 2012.55", "affected"),
            // wget is not among this binary's applets.
            ("CVE-2018-1000517", "BusyBox 1.01", "not_affected"),
            ("CVE-2020-36254", "Dropbear SSH 2012.55", "affected"),
            ("CVE-2020-8423", "TL-WR841N firmware 3.16.9", "affected"),
            ("CVE-2022-48174", "BusyBox 1.01", "affected"),
            ("CVE-2023-33538", "TL-WR841N firmware 3.16.9", "affected"),
        ]
    );
    let kev = v.iter().find(|x| x.id == "CVE-2023-33538").unwrap();
    assert!(kev.kev);
    assert!(
        kev.reason
            .contains("cpe:2.3:o:tp-link:tl-wr841n_firmware:-"),
        "{}",
        kev.reason
    );
    assert!(
        kev.reason.contains("running on TL-WR841N v10"),
        "{}",
        kev.reason
    );
    assert_eq!(kev.cvss.v3, Some(8.8));
    assert_eq!(kev.requirements, vec!["en303645:5.2-3", "en303645:5.3-8"]);
    let linux = v.iter().find(|x| x.id == "CVE-2010-3904").unwrap();
    assert!(linux.kev);
    assert!(linux.reason.contains("< 2.6.36"), "{}", linux.reason);
    let wget = v.iter().find(|x| x.id == "CVE-2018-1000517").unwrap();
    assert_eq!(wget.justification.as_deref(), Some("code_not_present"));
    // Not matched: other devices' records, other versions, absent products.
    for id in [
        "CVE-2017-13772",
        "CVE-2017-17215",
        "CVE-2017-15873",
        "CVE-2021-42386",
        "CVE-2012-0920",
        "CVE-2013-0230",
        "CVE-2009-3245",
    ] {
        assert!(!v.iter().any(|x| x.id == id), "{id} must not match");
    }
}

#[test]
fn wr940n_aliases_and_hardware_conditions() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, &c);
    // The old CPE name `wr940n` and the new `tl-wr940n`, hardware `4` versus `v4`/`4.0`.
    let comps = vec![
        comp(
            "TL-WR940N",
            "v4",
            "cpe:2.3:h:tp-link:tl-wr940n:v4:*:*:*:*:*:*:*",
            "device",
        ),
        comp(
            "TL-WR940N firmware",
            "3.16.9",
            "cpe:2.3:o:tp-link:tl-wr940n_firmware:3.16.9:*:*:*:*:*:*:*",
            "firmware",
        ),
    ];
    let ids: Vec<String> = s
        .match_components(&comps)
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(ids, vec!["CVE-2017-13772", "CVE-2023-33538"]);
    // Hardware v6 is in neither record's platform list.
    let comps = vec![
        comp(
            "TL-WR940N",
            "v6",
            "cpe:2.3:h:tp-link:tl-wr940n:v6:*:*:*:*:*:*:*",
            "device",
        ),
        comp(
            "TL-WR940N firmware",
            "3.16.9",
            "cpe:2.3:o:tp-link:tl-wr940n_firmware:3.16.9:*:*:*:*:*:*:*",
            "firmware",
        ),
    ];
    assert!(s.match_components(&comps).unwrap().is_empty());
    // Dropbear 2012.54 is inside CVE-2012-0920's range; OpenSSL 0.9.8g inside CVE-2009-3245's.
    let comps = vec![
        comp(
            "Dropbear SSH",
            "2012.54",
            "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2012.54:*:*:*:*:*:*:*",
            "application",
        ),
        comp(
            "OpenSSL",
            "0.9.8g",
            "cpe:2.3:a:openssl:openssl:0.9.8g:*:*:*:*:*:*:*",
            "library",
        ),
        comp(
            "OpenSSL",
            "0.9.8m",
            "cpe:2.3:a:openssl:openssl:0.9.8m:*:*:*:*:*:*:*",
            "library",
        ),
    ];
    let got: Vec<(String, String)> = s
        .match_components(&comps)
        .unwrap()
        .into_iter()
        .map(|v| (v.id, v.component))
        .collect();
    assert!(got.contains(&("CVE-2012-0920".into(), "Dropbear SSH 2012.54".into())));
    assert!(got.contains(&("CVE-2009-3245".into(), "OpenSSL 0.9.8g".into())));
    assert!(!got.contains(&("CVE-2009-3245".into(), "OpenSSL 0.9.8m".into())));
}

#[test]
fn reimport_is_idempotent_and_status_reports_age() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, &c);
    let before = s.status(NOW).unwrap();
    s.import_paths(
        &[
            c.join("vulndb/nvd"),
            c.join("vulndb/kev/known_exploited_vulnerabilities.json"),
        ],
        NOW,
    )
    .unwrap();
    let after = s.status(NOW).unwrap();
    assert_eq!(before.cves, 20);
    assert_eq!(after.cves, 20);
    assert_eq!(after.index_entries, before.index_entries);
    assert_eq!(after.kev, 1404);
    assert_eq!(after.kev_catalog.as_deref(), Some("2025.08.25"));
    assert_eq!(after.age_days, Some(7));
    assert!(!after.is_stale());
    assert!(s.status(NOW + 40 * 86_400).unwrap().is_stale());
    assert_eq!(s.match_components(&wr841n()).unwrap().len(), 9);
}

/// The real image end to end: unpack, identify components, match.
#[test]
fn tl_wr841n_image_end_to_end() {
    let Some(c) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir, &c);
    let data = bytes::Bytes::from(
        std::fs::read(c.join("firmware/tplink-tl-wr841n-v10-3.16.9.bin")).unwrap(),
    );
    let unpacked =
        baseline_unpack::unpack("tplink-tl-wr841n-v10-3.16.9.bin", data, &Default::default())
            .unwrap();
    let opts = baseline_analysis::Options {
        crack_budget: std::time::Duration::ZERO,
        ..Default::default()
    };
    let ctx = baseline_analysis::Context::new(&unpacked.tree, &opts);
    let mut out = baseline_analysis::AnalysisOutput::default();
    baseline_analysis::comp::run(&ctx, &mut out);
    let v = s.match_components(&out.components).unwrap();
    let got: Vec<(&str, &str, &str)> = v
        .iter()
        .map(|v| (v.id.as_str(), v.component.as_str(), v.state.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            // The kernel has no RDS code (kallsyms and modules: no `rds_` symbol).
            ("CVE-2010-3904", "Linux kernel 2.6.31", "not_affected"),
            ("CVE-2016-2147", "BusyBox 1.01", "affected"),
            ("CVE-2016-7406", "Dropbear SSH 2012.55", "affected"),
            ("CVE-2017-9078", "Dropbear SSH 2012.55", "affected"),
            ("CVE-2018-1000517", "BusyBox 1.01", "not_affected"),
            ("CVE-2020-36254", "Dropbear SSH 2012.55", "affected"),
            ("CVE-2020-8423", "TL-WR841N firmware 3.16.9", "affected"),
            ("CVE-2022-30295", "uClibc 0.9.30", "affected"),
            ("CVE-2022-48174", "BusyBox 1.01", "affected"),
            ("CVE-2023-33538", "TL-WR841N firmware 3.16.9", "affected"),
        ]
    );
    let rds = v.iter().find(|v| v.id == "CVE-2010-3904").unwrap();
    assert_eq!(rds.justification.as_deref(), Some("code_not_present"));
    assert!(
        rds.reason.ends_with(
            "; not affected: the vulnerable code (rds_page_copy_user, net/rds/page.c) is not \
             in this kernel: no symbol with prefix rds_ among its 8201 kallsyms symbols and 65 \
             modules"
        ),
        "{}",
        rds.reason
    );
}
