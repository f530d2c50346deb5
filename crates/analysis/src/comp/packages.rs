//! COMP-001 `package-database`: components listed by a package manager's database.

use super::{cpe_string, Sig};
use crate::{CheckInfo, Context};
use baseline_model::checks::Doc;
use baseline_model::Severity;
use baseline_model::{Component, Confidence};
use std::collections::BTreeMap;

pub const INFO: CheckInfo = CheckInfo {
    code: "COMP-001",
    name: "package-database",
    severity: Severity::Info,
    summary: "Components listed by the image's package database (opkg, dpkg)",
    requirements: &["en303645:5.2-3", "en303645:5.3-8"],
    doc: Doc::Markdown(
        "\
**What it checks.** Installed-package databases in every extracted root file system: opkg \
(`/usr/lib/opkg/status`, `/usr/lib/opkg/info/*.control`, also under `/var/lib/opkg` and \
`/lib/opkg`, as OpenWrt and its derivatives ship) and dpkg (`/var/lib/dpkg/status`, entries \
whose `Status` ends in `installed`).

**Why it matters.** Where a package database exists it is the most reliable component list: \
names and versions as the build system recorded them, feeding known-vulnerability matching.

**Evidence.** The database file and the line of the `Package:` field. Versions keep the \
package revision (`1.30.1-6`); the CPE carries the upstream part (`1.30.1`). Packages whose \
name is a known component (`busybox`, `dropbear`, `libopenssl1.1`) get that component's CPE.

**Known false positives.** A database copied into an image but not describing it (rare); \
packages removed by hand after the database was written.

**References.** ETSI EN 303 645 V2.1.1 provisions 5.2-3, 5.3-8; Debian Policy §5 (control \
fields); opkg.",
    ),
};

const OPKG_DIRS: &[&str] = &["/usr/lib/opkg", "/var/lib/opkg", "/lib/opkg"];

/// Parse RFC 822-style stanzas: (line of the `Package:` field, fields).
fn stanzas(text: &str) -> Vec<(u32, BTreeMap<String, String>)> {
    let mut out = Vec::new();
    let mut cur: BTreeMap<String, String> = BTreeMap::new();
    let mut line_of = 0u32;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push((line_of, std::mem::take(&mut cur)));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k == "Package" {
                line_of = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            cur.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    if !cur.is_empty() {
        out.push((line_of, cur));
    }
    out
}

/// Upstream version: drop the Debian/opkg revision and epoch.
pub(super) fn upstream(v: &str) -> &str {
    let v = v.split_once(':').map_or(v, |(_, r)| r);
    v.rsplit_once('-').map_or(v, |(u, _)| u)
}

/// The signature rule whose component a package name denotes, if any.
fn rule_for<'a>(sig: &'a Sig, pkg: &str) -> Option<&'a super::signatures::Rule> {
    let p = pkg.to_ascii_lowercase();
    let base = p.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    sig.rules.iter().find(|r| {
        r.product == p
            || r.name.eq_ignore_ascii_case(&p)
            || r.files
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&p) || f.eq_ignore_ascii_case(base))
            || (p.starts_with("libopenssl") && r.product == "openssl")
    })
}

pub(super) fn collect(ctx: &Context<'_>, sig: Option<&Sig>, out: &mut Vec<Component>) {
    for (id, path) in ctx.fs_files() {
        let in_opkg = OPKG_DIRS.iter().any(|d| {
            path == format!("{d}/status")
                || (path.starts_with(&format!("{d}/info/")) && path.ends_with(".control"))
        });
        let dpkg = path == "/var/lib/dpkg/status";
        if !in_opkg && !dpkg {
            continue;
        }
        let Some(node) = ctx.tree.get(id) else {
            continue;
        };
        if node.data.len() > 16 * 1024 * 1024 {
            continue;
        }
        let text = String::from_utf8_lossy(&node.data);
        for (line, f) in stanzas(&text) {
            let (Some(name), Some(version)) = (f.get("Package"), f.get("Version")) else {
                continue;
            };
            if dpkg && !f.get("Status").is_some_and(|s| s.ends_with(" installed")) {
                continue;
            }
            let up = upstream(version);
            let rule = sig.and_then(|s| rule_for(s, name));
            let cpe = rule.map(|r| cpe_string(&r.part, &r.vendor, &r.product, Some(up)));
            let purl = if dpkg {
                super::purl("deb", Some("debian"), name, Some(version), &[])
            } else {
                super::purl(
                    "generic",
                    None,
                    name,
                    Some(version),
                    &[("distro", "openwrt")],
                )
            };
            let mut properties = BTreeMap::new();
            properties.insert(
                "source".to_owned(),
                if dpkg { "dpkg" } else { "opkg" }.to_owned(),
            );
            out.push(Component {
                name: name.clone(),
                version: Some(version.clone()),
                purl,
                cpe,
                evidence: vec![ctx
                    .evidence(id)
                    .line(line)
                    .excerpt(format!("Package: {name} / Version: {version}"))],
                confidence: Confidence::High,
                kind: rule.map_or_else(|| "application".to_owned(), |r| r.kind.clone()),
                vendor: rule.map(|r| r.vendor.clone()),
                properties,
            });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn revisions_and_epochs() {
        assert_eq!(upstream("1.30.1-6"), "1.30.1");
        assert_eq!(upstream("1:2.4.7.git-2019-05-25-3"), "2.4.7.git-2019-05-25");
        assert_eq!(upstream("2019.78"), "2019.78");
    }
}
