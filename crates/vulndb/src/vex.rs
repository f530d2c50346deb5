//! VEX refinement: a CPE match says the *product version* is affected; the evidence may say
//! the vulnerable code is not in this build.
//!
//! Owns: BusyBox applet reasoning. A BusyBox binary contains only the applets it was
//! configured with; its applet name table is read by the COMP family into the component
//! property `busybox:applets`. A BusyBox CVE whose vulnerable code lives in applets none of
//! which is present is reported `not_affected` with justification `code_not_present`.
//! Which applets a CVE concerns comes from [`BUSYBOX_APPLETS`] (checked against each CVE's
//! description and the BusyBox fix commits) and otherwise from the description's
//! "… in the X applet" / "X applet" wording. Never does: mark anything not affected
//! without positive evidence (an unknown applet list keeps the match `affected`).

use crate::record::CveRecord;
use baseline_model::{Component, Vulnerability};

/// CVE → BusyBox applets whose code it is in (any one present means affected).
pub const BUSYBOX_APPLETS: &[(&str, &[&str])] = &[
    ("CVE-2016-2147", &["udhcpc", "udhcpd", "dhcprelay"]),
    ("CVE-2016-2148", &["udhcpc", "udhcpd", "dhcprelay"]),
    // get_next_block() in the bunzip2 decompressor: every applet that can unpack bz2.
    (
        "CVE-2017-15873",
        &[
            "bunzip2", "bzcat", "bzip2", "tar", "rpm", "rpm2cpio", "dpkg", "dpkg-deb", "unzip",
        ],
    ),
    (
        "CVE-2017-15874",
        &["unlzma", "lzcat", "lzma", "tar", "unxz"],
    ),
    ("CVE-2017-16544", &["ash", "sh", "hush"]),
    ("CVE-2018-1000517", &["wget"]),
    ("CVE-2018-1000500", &["wget"]),
    ("CVE-2018-20679", &["udhcpc", "udhcpd"]),
    ("CVE-2019-5747", &["udhcpc", "udhcpd"]),
    (
        "CVE-2021-28831",
        &["gunzip", "zcat", "tar", "unzip", "rpm", "rpm2cpio", "dpkg"],
    ),
    ("CVE-2021-42373", &["man"]),
    ("CVE-2021-42374", &["unlzma", "lzcat", "lzma", "tar"]),
    ("CVE-2021-42375", &["ash", "sh"]),
    ("CVE-2021-42376", &["hush"]),
    ("CVE-2021-42377", &["hush"]),
    ("CVE-2021-42378", &["awk"]),
    ("CVE-2021-42379", &["awk"]),
    ("CVE-2021-42380", &["awk"]),
    ("CVE-2021-42381", &["awk"]),
    ("CVE-2021-42382", &["awk"]),
    ("CVE-2021-42383", &["awk"]),
    ("CVE-2021-42384", &["awk"]),
    ("CVE-2021-42385", &["awk"]),
    ("CVE-2021-42386", &["awk"]),
    ("CVE-2022-28391", &["netstat", "ash", "sh"]),
    ("CVE-2022-48174", &["ash", "sh"]),
    ("CVE-2023-42363", &["awk"]),
    ("CVE-2023-42364", &["awk"]),
    ("CVE-2023-42365", &["awk"]),
    ("CVE-2023-42366", &["awk"]),
];

/// The applets a BusyBox CVE concerns: the table, else the description's wording.
pub fn busybox_cve_applets(rec: &CveRecord) -> Vec<String> {
    if let Some((_, a)) = BUSYBOX_APPLETS.iter().find(|(id, _)| *id == rec.id) {
        return a.iter().map(|s| (*s).to_owned()).collect();
    }
    let d = rec.description.to_ascii_lowercase();
    let words: Vec<&str> = d
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for w in words.windows(2) {
        if let [name, "applet"] = w {
            if !matches!(*name, "the" | "an" | "a" | "busybox" | "this") {
                out.push((*name).to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Refine `v` (matched against `c`) with the evidence `c` carries.
pub fn refine(rec: &CveRecord, c: &Component, v: &mut Vulnerability) {
    if !c.name.eq_ignore_ascii_case("busybox") {
        return;
    }
    let Some(list) = c.properties.get("busybox:applets") else {
        return;
    };
    let present: Vec<&str> = list.split(',').map(str::trim).collect();
    let concerned = busybox_cve_applets(rec);
    if concerned.is_empty() {
        return;
    }
    let hit: Vec<&String> = concerned
        .iter()
        .filter(|a| present.contains(&a.as_str()))
        .collect();
    if hit.is_empty() {
        v.state = "not_affected".into();
        v.justification = Some("code_not_present".into());
        v.reason.push_str(&format!(
            "; not affected: the vulnerable code is in {} and this BusyBox binary has none of \
             these applets ({} applets present)",
            concerned.join("/"),
            present.len()
        ));
    } else {
        let names: Vec<&str> = hit.iter().map(|s| s.as_str()).collect();
        v.reason
            .push_str(&format!("; applet present: {}", names.join(", ")));
    }
}
